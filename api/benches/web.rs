//! The site's speed, measured in the browser, at BENCH_SHOWS shows (default 20,000).
//!
//! Run with `scripts/bench web`. The catalog is the search benchmark's (demo catalog
//! plus generated shows), indexed; one marquee-api serves it over loopback HTTP with
//! the shipped settings, a second with the catalog cache off. Measured:
//!  - the show page's HTML: one keep-alive client, BENCH_REQUESTS (default 2,000)
//!    requests per api to random shows, each answer read whole (`Accept-Encoding:
//!    gzip`, as browsers send); p50, p99 and the largest;
//!  - in Chromium (`tests/web/bench.mjs`, playwright-core): the first page's bytes
//!    transferred, and keystroke to rendered results while the labelled queries are
//!    typed into the home page's box one key at a time.
//!
//! Browser, api, MariaDB and the clients share this machine's cores.

#![allow(dead_code)] // the included search-bench modules carry their own grading code

use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::Utc;
use marquee_core::search::indexing::Indexer;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

mod support;
use support::{env_usize, filler_seats, BenchDb, Stats};

#[path = "../../indexer/benches/search/catalog.rs"]
mod catalog;
#[path = "../../indexer/benches/search/labelled.rs"]
mod labelled;

async fn start_api(bench_db: &BenchDb, index: &str, cache_ttl_ms: Option<&str>) -> String {
    let settings: Vec<(&str, &str)> = cache_ttl_ms
        .map(|ttl| ("CATALOG_CACHE_TTL_MS", ttl))
        .into_iter()
        .collect();
    support::start_api(bench_db, index, &settings).await
}

/// One client asking for random show pages, one after another.
async fn show_pages(base: &str, max_id: i64, requests: usize) -> (Stats, u64) {
    let http = reqwest::Client::new();
    let mut rng = StdRng::seed_from_u64(5);
    let (mut latencies, mut bytes) = (Vec::with_capacity(requests), 0u64);
    let started = Instant::now();
    for _ in 0..requests {
        let url = format!("{base}/shows/{}", rng.gen_range(1..=max_id));
        let t = Instant::now();
        let response = http
            .get(&url)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.bytes().await.unwrap();
        latencies.push(t.elapsed());
        assert_eq!(status, 200, "{url}");
        bytes += body.len() as u64;
    }
    (
        Stats {
            label: "",
            elapsed: started.elapsed(),
            latencies,
        },
        bytes,
    )
}

#[tokio::main]
async fn main() {
    let target = env_usize("BENCH_SHOWS", 20_000);
    let requests = env_usize("BENCH_REQUESTS", 2_000);
    let bench_db = BenchDb::create().await;
    let pool = bench_db.pool.clone();
    let now = Utc::now();
    let started = Instant::now();
    catalog::fill(&pool, target, 0, now).await;
    filler_seats(&pool).await;
    let index_dir = std::env::temp_dir().join(format!("marquee_bench_web_{}", std::process::id()));
    let mut indexer = Indexer::open(&index_dir).unwrap();
    indexer.rebuild(&pool, 1000, |_, _| {}).await.unwrap();
    drop(indexer);
    sqlx::query("analyze table shows, schedules, seat_grades, seats")
        .execute(&pool)
        .await
        .unwrap();
    let (shows, max_id): (i64, i64) = sqlx::query_as("select count(*), max(id) from shows")
        .fetch_one(&pool)
        .await
        .unwrap();
    eprintln!(
        "catalog: {shows} shows, indexed, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let index = index_dir.to_string_lossy().to_string();
    let shipped = start_api(&bench_db, &index, None).await;
    let uncached = start_api(&bench_db, &index, Some("0")).await;

    println!("\nshow page HTML, one keep-alive client, {requests} random shows each:");
    println!("| api | req/s | p50 ms | p99 ms | max ms | bytes/answer |");
    println!("|---|---|---|---|---|---|");
    for (label, base) in [("shipped (cache 1 s)", &shipped), ("cache off", &uncached)] {
        // Warm the connection and the process before timing.
        show_pages(base, max_id, 50).await;
        let (stats, bytes) = show_pages(base, max_id, requests).await;
        let max = stats
            .latencies
            .iter()
            .max()
            .copied()
            .unwrap_or(Duration::ZERO);
        println!(
            "| {label} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
            stats.per_second(),
            stats.percentile_ms(0.50),
            stats.percentile_ms(0.99),
            max.as_secs_f64() * 1000.0,
            bytes / requests as u64
        );
    }

    let queries: Vec<String> = labelled::load().into_iter().map(|q| q.query).collect();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let browser = tokio::process::Command::new("node")
        .arg("tests/web/bench.mjs")
        .current_dir(root)
        .env("MARQUEE_URL", &shipped)
        .env("BENCH_QUERIES", queries.join("\n"))
        .env(
            "CHROMIUM",
            std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        )
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .await
        .expect("node runs tests/web/bench.mjs");
    assert!(browser.success(), "the browser benchmark failed");

    if std::env::var("BENCH_KEEP_DB").is_err() {
        bench_db.drop().await;
    }
    let _ = std::fs::remove_dir_all(&index_dir);
}
