//! What the benchmarks share: their own database, settings, timing and a schedule to
//! book. Each bench binary includes it with `mod support;`.

#![allow(dead_code)] // each bench uses its own part

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use marquee_core::accounts::Caller;
use marquee_core::catalog::model::{Category, NewGrade, NewSchedule, NewShow, VenueInput};
use marquee_core::catalog::repo as catalog;
use marquee_core::config::Config;
use marquee_core::db;
use marquee_core::points::ledger::{self, LedgerReason};
use rand::Rng;
use sqlx::MySqlPool;

pub const SECRET: &str = "bench-secret-bench-secret-bench-secret";

/// A user with a live session and a billion points, made straight in the database:
/// who a booking bench books as.
pub async fn funded_user(pool: &MySqlPool, email: &str) -> Caller {
    let id =
        sqlx::query("insert into users (email, password_hash, nickname) values (?, 'x', 'bench')")
            .bind(email)
            .execute(pool)
            .await
            .unwrap()
            .last_insert_id() as i64;
    let session = sqlx::query("insert into auth_sessions (user_id) values (?)")
        .bind(id)
        .execute(pool)
        .await
        .unwrap()
        .last_insert_id() as i64;
    let mut conn = pool.acquire().await.unwrap();
    ledger::apply(&mut conn, id, 1_000_000_000, LedgerReason::Charge, "bench")
        .await
        .unwrap();
    Caller {
        user_id: id,
        session_id: session,
    }
}

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub struct Stats {
    pub label: &'static str,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl Stats {
    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
    }

    pub fn row(&self) -> String {
        self.row_labelled(self.label)
    }

    pub fn row_labelled(&self, label: &str) -> String {
        format!(
            "| {} | {} | {:.0} | {:.1} | {:.1} |",
            label,
            self.latencies.len(),
            self.per_second(),
            self.percentile_ms(0.50),
            self.percentile_ms(0.99)
        )
    }
}

/// A marquee-api on a loopback port of its own over `bench_db`, reading the index in
/// `index`, with `settings` beside the bench's own; answers its origin (http://host:port).
pub async fn start_api(bench_db: &BenchDb, index: &str, settings: &[(&str, &str)]) -> String {
    let mut all = vec![("INDEX_DIR", index)];
    all.extend_from_slice(settings);
    let config = bench_db.config(&all);
    let pool = marquee_core::db::connect(&bench_db.url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(marquee_api::serve_until(
        listener,
        marquee_api::AppState::new(pool, &config),
        marquee_api::serve::Timeouts::default(),
        std::future::pending(),
    ));
    origin
}

/// Marquee's search URL for `q` (top 10), the query percent-encoded.
pub fn search_url(base: &str, q: &str) -> String {
    let encoded: String = q
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{base}/api/v1/search?limit=10&q={encoded}")
}

/// A server process of a bench's (the real `marquee-api`, or another engine to compare
/// with), stopped when dropped.
pub struct ApiProcess {
    child: std::process::Child,
    pub base: String,
}

impl ApiProcess {
    pub fn new(child: std::process::Child, base: String) -> ApiProcess {
        ApiProcess { child, base }
    }

    /// The real api binary over `bench_db` and `index`, as `scripts/run` starts it: its
    /// own process, its default settings but for the address (a free loopback port,
    /// read from its banner) and a Redis key prefix of its own.
    pub fn start(bench_db: &BenchDb, index: &std::path::Path) -> ApiProcess {
        ApiProcess::start_binary(env!("CARGO_BIN_EXE_marquee-api"), bench_db, index)
    }

    /// `start`, of another build of the api (a baseline to compare with).
    pub fn start_binary(binary: &str, bench_db: &BenchDb, index: &std::path::Path) -> ApiProcess {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let prefix = format!(
            "marquee_bench_{}_{}",
            std::process::id(),
            rand::random::<u32>()
        );
        let mut child = Command::new(binary)
            .env_clear()
            .envs([
                ("JWT_SECRET", SECRET),
                ("DATABASE_URL", bench_db.url.as_str()),
                ("INDEX_DIR", &index.to_string_lossy()),
                ("BIND_ADDR", "127.0.0.1:0"),
                ("QUEUE_KEY_PREFIX", &prefix),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start marquee-api");
        // Its log lines share standard output with the banner that names the address.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut base = None;
        let mut line = String::new();
        while base.is_none() {
            line.clear();
            if stdout.read_line(&mut line).unwrap() == 0 {
                panic!("marquee-api stopped before it printed its address");
            }
            base = line
                .split_whitespace()
                .find(|word| word.starts_with("http://"))
                .map(|url| url.trim_end_matches('/').to_string());
        }
        let base = base.unwrap();
        // Keep reading what it prints, so a full pipe never stalls it.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        ApiProcess { child, base }
    }

    /// Its resident memory now, in MiB.
    pub fn resident_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    }

    /// Waits until `path` answers 2xx.
    pub async fn wait_until_up(&self, path: &str) {
        let http = reqwest::Client::new();
        let url = format!("{}{path}", self.base);
        for _ in 0..600 {
            if let Ok(response) = http.get(&url).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{url} did not answer within 30 s");
    }
}

impl Drop for ApiProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A schedule on sale with `seats` seats; returns (schedule id, seat ids).
pub async fn schedule_with_seats(pool: &MySqlPool, seats: usize) -> (i64, Vec<i64>) {
    let show = NewShow {
        title: format!("벤치마크 {}", rand::thread_rng().gen::<u32>()),
        title_en: None,
        description: String::new(),
        category: Category::Musical,
        venue: VenueInput {
            name: "벤치 홀".into(),
            address: String::new(),
        },
        artists: vec![],
        aliases: vec![],
        poster_url: None,
        refund_policy: None,
        booking_opens_at: Utc::now() - chrono::Duration::days(1),
        running_minutes: None,
        intermission_minutes: None,
        min_age: None,
        schedules: vec![NewSchedule {
            starts_at: Utc::now() + chrono::Duration::days(30),
            grades: vec![NewGrade {
                name: "R".into(),
                price: 1_000,
                rows: (0..seats.div_ceil(100)).map(|r| format!("R{r}")).collect(),
                seats_per_row: 100,
                general_admission: None,
            }],
            discounts: vec![],
            cast: vec![],
        }],
    };
    let show_id = catalog::create_show(pool, &show).await.unwrap();
    let schedule_id: i64 = sqlx::query_scalar("select id from schedules where show_id = ?")
        .bind(show_id)
        .fetch_one(pool)
        .await
        .unwrap();
    let seat_ids =
        sqlx::query_scalar("select id from seats where schedule_id = ? order by id limit ?")
            .bind(schedule_id)
            .bind(seats as i64)
            .fetch_all(pool)
            .await
            .unwrap();
    (schedule_id, seat_ids)
}

/// Splits `items` (seats, users) among `workers` and runs `op(worker, item)` for each,
/// all workers at once; a latency is one call of `op`, which must return true.
pub async fn run_partitioned<F, Fut>(
    label: &'static str,
    workers: usize,
    items: &[i64],
    op: F,
) -> Stats
where
    F: Fn(usize, i64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|worker| {
            let chunk: Vec<i64> = items
                .iter()
                .skip(worker)
                .step_by(workers)
                .copied()
                .collect();
            let op = op.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(chunk.len());
                for item in chunk {
                    let t = Instant::now();
                    assert!(op(worker, item).await, "{label}: an operation failed");
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    Stats {
        label,
        elapsed: started.elapsed(),
        latencies,
    }
}

/// A database of the bench's own, migrated, on the server `TEST_DATABASE_URL` names;
/// `drop` removes it.
pub struct BenchDb {
    pub url: String,
    pub pool: MySqlPool,
    server: String,
    name: String,
}

impl BenchDb {
    pub async fn create() -> Self {
        let server = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
        let name = format!("marquee_bench_{:08x}", rand::thread_rng().gen::<u32>());
        let url = format!("{server}/{name}");
        db::ensure_database(&url).await.unwrap();
        let pool = db::connect_patient(&url).await.unwrap();
        db::MIGRATOR.run(&pool).await.unwrap();
        BenchDb {
            url,
            pool,
            server,
            name,
        }
    }

    /// The api's settings for this database, with `overrides`.
    pub fn config(&self, overrides: &[(&str, &str)]) -> Config {
        let mut vars: HashMap<String, String> = HashMap::new();
        vars.insert("JWT_SECRET".into(), SECRET.into());
        vars.insert("DATABASE_URL".into(), self.url.clone());
        for (key, value) in overrides {
            vars.insert((*key).into(), (*value).into());
        }
        Config::from_vars(vars).unwrap()
    }

    pub async fn drop(self) {
        self.pool.close().await;
        let admin = db::connect_patient(&format!("{}/mysql", self.server))
            .await
            .unwrap();
        sqlx::query(&format!("drop database `{}`", self.name))
            .execute(&admin)
            .await
            .unwrap();
    }
}

/// This process's resident memory, in bytes.
pub fn resident_bytes() -> u64 {
    proc_status_kib("VmRSS:") * 1024
}

/// The most this process has ever had resident (the kernel's high-water mark), in bytes.
pub fn peak_resident_bytes() -> u64 {
    proc_status_kib("VmHWM:") * 1024
}

fn proc_status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .unwrap_or(0)
}

/// The generated performances' grades and the filler seats (200 for one performance
/// in twenty), made by the server from a numbers table so a million rows take seconds.
pub async fn filler_seats(pool: &MySqlPool) {
    sqlx::query(
        "insert into seat_grades (schedule_id, name, price)
         select sc.id, 'R', 50000 from schedules sc
         where not exists (select 1 from seat_grades g where g.schedule_id = sc.id)",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into seats (schedule_id, grade_id, row_label, seat_number)
         with recursive n (i) as (select 0 union all select i + 1 from n where i < 199)
         select g.schedule_id, g.id, concat('R', n.i div 20), n.i mod 20 + 1
         from seat_grades g cross join n
         where g.schedule_id mod 20 = 0
           and not exists (select 1 from seats s where s.grade_id = g.id)",
    )
    .execute(pool)
    .await
    .unwrap();
}
