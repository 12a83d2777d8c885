//! The real `marquee-api` binary, as `scripts/run` starts it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::harness::{TestDb, JWT_SECRET};

const BINARY: &str = env!("CARGO_BIN_EXE_marquee-api");

#[test]
fn a_missing_or_invalid_setting_stops_start_up_with_one_line_naming_it() {
    for (env, var) in [
        (vec![], "JWT_SECRET"),
        (
            vec![("JWT_SECRET", JWT_SECRET), ("HOLD_TTL_SECS", "soon")],
            "HOLD_TTL_SECS",
        ),
        (
            vec![("JWT_SECRET", JWT_SECRET), ("PAYMENT_GATEWAY", "portone")],
            "PORTONE_API_SECRET",
        ),
        (
            vec![
                ("JWT_SECRET", JWT_SECRET),
                ("PAYMENT_GATEWAY", "portone"),
                ("PORTONE_API_SECRET", "secret"),
                ("PORTONE_API_BASE", "api.portone.io/v2"),
            ],
            "PORTONE_API_BASE",
        ),
    ] {
        let output = Command::new(BINARY).env_clear().envs(env).output().unwrap();

        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(&format!("invalid configuration: {var}: ")),
            "{stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_migrates_bootstraps_seeds_serves_and_stops_on_sigterm() {
    let db = TestDb::new().await;
    // A fresh, empty database: the binary must migrate it itself (migrating twice is a no-op).
    let (mut child, base) = start(
        &db.url,
        &[
            ("ADMIN_EMAIL", "root@marquee.test"),
            ("ADMIN_PASSWORD", "admin-password"),
            ("DEMO_CATALOG", "true"),
        ],
    );
    let http = reqwest::Client::new();
    let newest_show = || async {
        http.get(format!("{base}/api/v1/shows?limit=1"))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    };

    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    let shows = newest_show().await;
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "root@marquee.test", "password": "admin-password"}))
        .send()
        .await
        .unwrap();
    let docs = http.get(format!("{base}/docs/")).send().await.unwrap();
    let site = http.get(format!("{base}/")).send().await.unwrap();
    let site_type = site.headers()["content-type"].clone();
    let home = site.text().await.unwrap();

    assert_eq!(ready.status(), 200);
    assert!(shows["total"].as_i64().unwrap() >= 200, "{shows}");
    assert_eq!(login.status(), 200);
    assert_eq!(docs.status(), 200);
    assert_eq!(site_type, "text/html; charset=utf-8");
    assert!(
        home.contains("지금 예매 중"),
        "the demo catalog on the home page"
    );
    // The demo's posters are drawn in the background, newest show first: the newest
    // gets one Marquee drew, served like an uploaded one.
    let mut card = None;
    for _ in 0..100 {
        card = newest_show().await["items"][0]["poster"]["images"][0]["url"]
            .as_str()
            .map(str::to_owned);
        if card.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let card = card.expect("the newest demo show has its poster within 10 s");
    let copy = http.get(format!("{base}{card}")).send().await.unwrap();
    assert_eq!(copy.headers()["content-type"], "image/jpeg");
    let copy = image::load_from_memory(&copy.bytes().await.unwrap()).unwrap();
    assert_eq!((copy.width(), copy.height()), (240, 320));

    let terminated = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(terminated.success());
    let mut exit = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            exit = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let exit = exit.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("the api did not stop within 10 s of SIGTERM")
    });
    assert!(exit.success(), "{exit:?}");
}

/// The binary on the database at `db_url` with `extra` settings, and its base URL once
/// it serves (from the line it prints when it starts listening).
pub fn start(db_url: &str, extra: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(BINARY)
        .env_clear()
        .envs([
            ("JWT_SECRET", JWT_SECRET),
            ("DATABASE_URL", db_url),
            ("BIND_ADDR", "127.0.0.1:0"),
            ("RUST_LOG", "warn"),
        ])
        .envs(extra.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    stdout.read_line(&mut banner).unwrap();
    // Whatever it prints later is read and dropped: a closed pipe would fail its writes.
    std::thread::spawn(move || stdout.lines().for_each(drop));
    let base = banner
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {banner:?}"))
        .trim_end_matches('/')
        .to_string();
    (child, base)
}
