//! Poster copies served over loopback HTTP: from the node's cache, against the first
//! read of each copy (the database), and a browser's revalidation (304).
//!
//! Run with `scripts/bench posters`. The demo catalog with the posters Marquee draws
//! for it (about 230 shows, three copies each). Phases, each BENCH_CLIENTS (default 32)
//! keep-alive clients, in one process with the api:
//!  - first read: every copy once, spread over the clients (each a cache miss: one
//!    read of MariaDB);
//!  - cached: random 240-pixel copies (the cards' size) for BENCH_PAGE_SECONDS (default
//!    5), BENCH_ROUNDS times (default 3), the median reported;
//!  - 304: the same with `If-None-Match`, as a browser revalidating.

use std::sync::Arc;
use std::time::{Duration, Instant};

use marquee_core::catalog::{demo, demo_posters};
use marquee_core::posters::Poster;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

mod support;
use support::{env_usize, BenchDb, Stats};

struct Copy {
    url: String,
    etag: String,
}

async fn phase(
    label: &'static str,
    http: &reqwest::Client,
    copies: Arc<Vec<Copy>>,
    clients: usize,
    until: Until,
    revalidate: bool,
) -> (Stats, u64) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (http, copies) = (http.clone(), copies.clone());
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(client as u64);
                let (mut latencies, mut bytes) = (Vec::new(), 0u64);
                let mut next = client;
                loop {
                    let copy = match until {
                        Until::EachOnce => match copies.get(next) {
                            Some(copy) => copy,
                            None => break,
                        },
                        Until::Deadline(deadline) if Instant::now() >= deadline => break,
                        Until::Deadline(_) => copies.choose(&mut rng).unwrap(),
                    };
                    next += clients;
                    let t = Instant::now();
                    let mut request = http.get(&copy.url);
                    if revalidate {
                        request = request.header("if-none-match", &copy.etag);
                    }
                    let response = request.send().await.unwrap();
                    let status = response.status();
                    let body = response.bytes().await.unwrap();
                    latencies.push(t.elapsed());
                    let expected = if revalidate { 304 } else { 200 };
                    assert_eq!(status, expected, "{}", copy.url);
                    bytes += body.len() as u64;
                }
                (latencies, bytes)
            })
        })
        .collect();
    let (mut latencies, mut bytes) = (Vec::new(), 0);
    for task in tasks {
        let (l, b) = task.await.unwrap();
        latencies.extend(l);
        bytes += b;
    }
    let stats = Stats {
        label,
        elapsed: started.elapsed(),
        latencies,
    };
    (stats, bytes)
}

#[derive(Clone, Copy)]
enum Until {
    EachOnce,
    Deadline(Instant),
}

#[tokio::main]
async fn main() {
    let clients = env_usize("BENCH_CLIENTS", 32);
    let seconds = env_usize("BENCH_PAGE_SECONDS", 5) as u64;
    let rounds = env_usize("BENCH_ROUNDS", 3).max(1);
    let db = BenchDb::create().await;
    let shows = demo::seed(&db.pool).await.unwrap();
    let drawing = Instant::now();
    demo_posters::add(&db.pool, &shows).await.unwrap();
    let drawn = drawing.elapsed();
    let base = support::start_api(&db, "/nonexistent-bench-index", &[]).await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();

    let keys: Vec<(i64, String)> = sqlx::query_as(
        "select id, cast(poster_key as char) from shows where poster_key is not null",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let all: Vec<Copy> = keys
        .iter()
        .flat_map(|(id, key)| Poster::of(*id, Some(key)).unwrap().images)
        .map(|image| Copy {
            etag: format!(
                "\"{}-{}\"",
                image.url.split('/').nth(3).unwrap(),
                image.width
            ),
            url: format!("{base}{}", image.url),
        })
        .collect();
    let cards: Vec<Copy> = all
        .iter()
        .filter(|copy| copy.url.ends_with("/240.jpg"))
        .map(|copy| Copy {
            url: copy.url.clone(),
            etag: copy.etag.clone(),
        })
        .collect();
    let (all, cards) = (Arc::new(all), Arc::new(cards));

    let (first, first_bytes) = phase(
        "first read (database)",
        &http,
        all.clone(),
        clients,
        Until::EachOnce,
        false,
    )
    .await;
    let mut cached = Vec::new();
    let mut revalidated = Vec::new();
    let mut card_bytes = 0;
    for _ in 0..rounds {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let (stats, bytes) = phase(
            "cached, 240 px",
            &http,
            cards.clone(),
            clients,
            Until::Deadline(deadline),
            false,
        )
        .await;
        card_bytes = bytes / stats.latencies.len().max(1) as u64;
        cached.push(stats);
        let deadline = Instant::now() + Duration::from_secs(seconds);
        revalidated.push(
            phase(
                "304, If-None-Match",
                &http,
                cards.clone(),
                clients,
                Until::Deadline(deadline),
                true,
            )
            .await
            .0,
        );
    }
    let median = |mut runs: Vec<Stats>| {
        runs.sort_by(|a, b| a.per_second().total_cmp(&b.per_second()));
        runs.swap_remove(runs.len() / 2)
    };
    let (cached, revalidated) = (median(cached), median(revalidated));

    println!(
        "\n{} shows, {} copies; posters drawn in {:.1} s; clients: {clients}\n",
        keys.len(),
        all.len(),
        drawn.as_secs_f64()
    );
    println!("| phase | requests | per second | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|");
    println!("{}", first.row());
    println!(
        "{}",
        cached.row_labelled(&format!("cached, 240 px (median of {rounds})"))
    );
    println!(
        "{}",
        revalidated.row_labelled(&format!("304 (median of {rounds})"))
    );
    println!(
        "\ncopy sizes: all {:.1} KB on average, a 240-pixel card {:.1} KB",
        first_bytes as f64 / all.len() as f64 / 1024.0,
        card_bytes as f64 / 1024.0
    );
    println!(
        "cached / first read, requests per second: {:.1}",
        cached.per_second() / first.per_second()
    );
    db.drop().await;
}
