//! Login under a flood of wrong passwords: throughput, latency and the api process's
//! peak memory at 1, 8 and 32 concurrent clients, with the hashing gate as configured
//! (one hash per core) and, in the same run for comparison, effectively unbounded (the
//! behaviour before the gate: every request hashed at once on the blocking pool).
//!
//! Each (mode, concurrency) runs in a fresh child process, so its memory high-water
//! mark is its own. The server is in that process with its clients; the clients'
//! memory is small beside argon2's ~19 MiB per hash. Every login names a different
//! email with no account (it is checked against a fixed hash, as a real wrong password
//! is) so the per-email limit stays out of the way; the address limit is off.
//!
//! `scripts/bench login`; BENCH_LOGIN_SECONDS (default 8) per run.

use std::time::{Duration, Instant};

use marquee_api::AppState;
use marquee_core::db;
use serde_json::{json, Value};

mod support;
use support::{env_usize, peak_resident_bytes, resident_bytes, BenchDb};

const CHILD_ROLE: &str = "LOGIN_BENCH_ROLE";
const LEVELS: [usize; 3] = [1, 8, 32];

#[tokio::main]
async fn main() {
    if std::env::var(CHILD_ROLE).as_deref() == Ok("flood") {
        return flood().await;
    }
    let seconds = env_usize("BENCH_LOGIN_SECONDS", 8);
    let bench_db = BenchDb::create().await;
    println!(
        "Wrong-password logins for {seconds} s per row, {} cores\n",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!(
        "| hashing | clients | answers/s | 401 | 503 | p50 ms | p99 ms | base MiB | peak MiB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut rows: Vec<(String, usize, Value)> = Vec::new();
    for (mode, concurrency) in [("gated", None), ("unbounded", Some("256"))] {
        for clients in LEVELS {
            let mut command = std::process::Command::new(std::env::current_exe().unwrap());
            command
                .env(CHILD_ROLE, "flood")
                .env("LOGIN_BENCH_DATABASE_URL", &bench_db.url)
                .env("LOGIN_BENCH_CLIENTS", clients.to_string())
                .env("BENCH_LOGIN_SECONDS", seconds.to_string());
            if let Some(concurrency) = concurrency {
                command.env("PASSWORD_HASH_CONCURRENCY", concurrency);
            }
            let output = command.output().unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let report: Value = serde_json::from_slice(&output.stdout).unwrap();
            println!(
                "| {mode} | {clients} | {:.1} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} |",
                report["per_second"].as_f64().unwrap(),
                report["invalid"],
                report["overloaded"],
                report["p50_ms"].as_f64().unwrap(),
                report["p99_ms"].as_f64().unwrap(),
                report["base_mib"].as_f64().unwrap(),
                report["peak_mib"].as_f64().unwrap(),
            );
            rows.push((mode.to_string(), clients, report));
        }
    }
    let peak = |mode: &str, clients: usize| {
        rows.iter()
            .find(|(m, c, _)| m == mode && *c == clients)
            .map(|(_, _, r)| r["peak_mib"].as_f64().unwrap())
            .unwrap()
    };
    let rate = |mode: &str, clients: usize| {
        rows.iter()
            .find(|(m, c, _)| m == mode && *c == clients)
            .map(|(_, _, r)| r["per_second"].as_f64().unwrap())
            .unwrap()
    };
    println!();
    for clients in LEVELS {
        println!(
            "{clients} clients: gated / unbounded peak memory {:.2}, answers per second {:.2}",
            peak("gated", clients) / peak("unbounded", clients),
            rate("gated", clients) / rate("unbounded", clients)
        );
    }
    bench_db.drop().await;
}

/// One row: serve in this process, flood it, print one JSON report on stdout.
async fn flood() {
    let url = std::env::var("LOGIN_BENCH_DATABASE_URL").unwrap();
    let clients = env_usize("LOGIN_BENCH_CLIENTS", 1);
    let seconds = env_usize("BENCH_LOGIN_SECONDS", 8) as u64;
    let concurrency = std::env::var("PASSWORD_HASH_CONCURRENCY").ok();
    let mut overrides = vec![
        ("LOGIN_LIMIT_PER_ADDRESS", "0"),
        ("LOGIN_LIMIT_PER_EMAIL", "10000"),
        ("DATABASE_URL", url.as_str()),
    ];
    if let Some(concurrency) = concurrency.as_deref() {
        overrides.push(("PASSWORD_HASH_CONCURRENCY", concurrency));
    }
    let mut vars: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    vars.insert("JWT_SECRET".into(), support::SECRET.into());
    for (key, value) in overrides {
        vars.insert(key.into(), value.into());
    }
    let config = marquee_core::config::Config::from_vars(vars).unwrap();
    let state = AppState::new(db::connect(&url).await.unwrap(), &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let login_url = format!(
        "http://{}/api/v1/auth/login",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move {
        axum::serve(listener, marquee_api::app(state))
            .await
            .unwrap()
    });
    let http = reqwest::Client::new();
    let base = resident_bytes();
    let run = format!("{:08x}", rand::random::<u32>());

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|worker| {
            let (http, login_url, run) = (http.clone(), login_url.clone(), run.clone());
            tokio::spawn(async move {
                let mut answers = Vec::new();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    n += 1;
                    let email = format!("nobody-{run}-{worker}-{n}@example.com");
                    let sent = Instant::now();
                    let status = http
                        .post(&login_url)
                        .json(&json!({"email": email, "password": "wrong-password"}))
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0);
                    answers.push((status, sent.elapsed()));
                }
                answers
            })
        })
        .collect();
    let mut answers = Vec::new();
    for worker in workers {
        answers.extend(worker.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies: Vec<Duration> = answers.iter().map(|(_, l)| *l).collect();
    latencies.sort();
    let percentile = |p: f64| {
        latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
    };
    let unexpected: Vec<u16> = answers
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| !matches!(s, 401 | 503))
        .collect();
    assert!(unexpected.is_empty(), "unexpected answers: {unexpected:?}");
    let report = json!({
        "per_second": answers.len() as f64 / elapsed,
        "invalid": answers.iter().filter(|(s, _)| *s == 401).count(),
        "overloaded": answers.iter().filter(|(s, _)| *s == 503).count(),
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "base_mib": base as f64 / 1_048_576.0,
        "peak_mib": peak_resident_bytes() as f64 / 1_048_576.0,
    });
    println!("{report}");
}
