//! The pages a crowd refreshes, beside search, over loopback HTTP in one run.
//!
//! Run with `scripts/bench pages`. The catalog is the search benchmark's (the demo
//! catalog plus generated shows, BENCH_SHOWS in all, default 100,000), each generated
//! performance with one grade and every twentieth with 200 seats (about a million seats
//! in all), and one hot show whose single performance has a 20,000-seat hall, 30% of it
//! sold and 5% held. While the pages are read, a buyer takes holds of two seats on the
//! hot performance through `marquee-core` (BENCH_HOLDS_PER_SECOND, default 20), so its
//! availability keeps changing.
//!
//! Two api servers in this process serve the same database and index: one with the catalog cache as
//! shipped (`CATALOG_CACHE_TTL_MS` default), one with it off, which measures the
//! queries alone. Phases, each BENCH_CLIENTS (default 32) keep-alive clients for
//! BENCH_PAGE_SECONDS (default 5), interleaved for BENCH_ROUNDS rounds (default 3),
//! medians reported:
//!  - search: `GET /search` with the labelled queries (tests/data/search_queries.tsv);
//!  - list: `GET /shows`: the first page, a category's first page, a deeper page, and
//!    the week ahead;
//!  - detail: `GET /shows/{id}`: the hot show 4 times in 5, else a random show;
//!  - seat map: the hot performance's 20,000 seats, with and without gzip.
//!
//! Clients send `Accept-Encoding: gzip` as browsers do (except the seat map's "no
//! gzip" phase) and read the whole body without
//! decoding it. Server and clients share this machine's cores. BENCH_KEEP_DB=1 keeps
//! the database afterwards.

#![allow(dead_code)] // the included search-bench modules carry their own grading code

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use marquee_core::accounts::Caller;
use marquee_core::booking::holds::{self, no_room, HoldRules};
use marquee_core::catalog::model::Category;
use marquee_core::search::indexing::Indexer;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::MySqlPool;

mod support;
use support::{env_usize, filler_seats, schedule_with_seats, BenchDb, Stats};

/// The search benchmark's catalog generator and labelled queries, shared as files so
/// both benchmarks read the same catalog.
#[path = "../../indexer/benches/search/catalog.rs"]
mod catalog;
#[path = "../../indexer/benches/search/labelled.rs"]
mod labelled;

const CATEGORIES: [Category; 6] = [
    Category::Musical,
    Category::Concert,
    Category::Play,
    Category::Exhibition,
    Category::Classic,
    Category::Dance,
];

/// Marks 30% of the hot performance sold and 5% held, scattered, as an on-sale leaves it.
async fn mark_taken(pool: &MySqlPool, seats: &[i64]) {
    let mut rng = StdRng::seed_from_u64(7);
    let mut shuffled = seats.to_vec();
    shuffled.shuffle(&mut rng);
    let sold = seats.len() * 30 / 100;
    let held = seats.len() * 5 / 100;
    update_seats(pool, &shuffled[..sold], "is_sold = true").await;
    update_seats(
        pool,
        &shuffled[sold..sold + held],
        "hold_id = -1, hold_user_id = -1, hold_seat_count = 1,
         hold_expires_at = current_timestamp(6) + interval 1 day",
    )
    .await;
}

/// `update seats set <set> where id in (...)`, a thousand ids a statement.
async fn update_seats(pool: &MySqlPool, ids: &[i64], set: &str) {
    for chunk in ids.chunks(1000) {
        let ids = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(&format!("update seats set {set} where id in ({ids})"))
            .execute(pool)
            .await
            .unwrap();
    }
}

/// Takes two-seat holds on the hot performance at a steady rate until `stop`; returns
/// how many it took.
async fn buyer(
    pool: MySqlPool,
    schedule: i64,
    seats: Vec<i64>,
    per_second: usize,
    stop: Arc<AtomicBool>,
) -> usize {
    let user: i64 = sqlx::query(
        "insert into users (email, password_hash, nickname) values ('buyer@example.com', 'x', 'buyer')",
    )
    .execute(&pool)
    .await
    .unwrap()
    .last_insert_id() as i64;
    let session = sqlx::query("insert into auth_sessions (user_id) values (?)")
        .bind(user)
        .execute(&pool)
        .await
        .unwrap()
        .last_insert_id() as i64;
    let buyer = Caller {
        user_id: user,
        session_id: session,
    };
    let rules = HoldRules {
        ttl: Duration::from_secs(3),
        max_seats: 4,
        max_per_schedule: 0,
    };
    let mut rng = StdRng::seed_from_u64(11);
    let mut taken = 0;
    if per_second == 0 {
        return 0;
    }
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / per_second as f64));
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let pair: Vec<i64> = seats.choose_multiple(&mut rng, 2).copied().collect();
        if holds::create(&pool, rules, buyer, schedule, &pair, false, no_room)
            .await
            .is_ok()
        {
            taken += 1;
        }
    }
    taken
}

struct Phase {
    label: String,
    /// Whether the client offers gzip, as browsers do.
    gzip: bool,
    url: Box<dyn Fn(&mut StdRng) -> String + Send + Sync>,
}

struct Run {
    stats: Stats,
    bytes: u64,
}

/// An api on its own port over the bench database; `cache_ttl_ms` None keeps the
/// default catalog cache. Returns its base address.
async fn start_api(bench_db: &BenchDb, index: &str, cache_ttl_ms: Option<&str>) -> String {
    let mut settings = vec![("MAX_TICKETS_PER_SCHEDULE", "0")];
    if let Some(ttl) = cache_ttl_ms {
        settings.push(("CATALOG_CACHE_TTL_MS", ttl));
    }
    format!(
        "{}/api/v1",
        support::start_api(bench_db, index, &settings).await
    )
}

/// `clients` keep-alive clients GET `phase`'s addresses for `seconds`; every answer
/// must be 200.
async fn load(http: &reqwest::Client, phase: &Arc<Phase>, clients: usize, seconds: u64) -> Run {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (http, phase) = (http.clone(), phase.clone());
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(client as u64 ^ Utc::now().timestamp() as u64);
                let (mut latencies, mut bytes) = (Vec::new(), 0u64);
                while Instant::now() < deadline {
                    let url = (phase.url)(&mut rng);
                    let t = Instant::now();
                    let mut request = http.get(&url);
                    if phase.gzip {
                        request = request.header("accept-encoding", "gzip");
                    }
                    let response = request.send().await.unwrap();
                    let status = response.status();
                    let body = response.bytes().await.unwrap();
                    latencies.push(t.elapsed());
                    assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
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
    Run {
        stats: Stats {
            label: "",
            elapsed: started.elapsed(),
            latencies,
        },
        bytes,
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let target = env_usize("BENCH_SHOWS", 100_000);
    let clients = env_usize("BENCH_CLIENTS", 32);
    let seconds = env_usize("BENCH_PAGE_SECONDS", 5) as u64;
    let rounds = env_usize("BENCH_ROUNDS", 3).max(1);
    let holds_per_second = env_usize("BENCH_HOLDS_PER_SECOND", 20);

    let bench_db = BenchDb::create().await;
    let pool = bench_db.pool.clone();
    let now = Utc::now();
    let started = Instant::now();
    // One show fewer: the hot show below is added by the bench.
    catalog::fill(&pool, target, 1, now).await;
    filler_seats(&pool).await;
    let (hot_schedule, hot_seats) = schedule_with_seats(&pool, 20_000).await;
    let hot_show: i64 = sqlx::query_scalar("select show_id from schedules where id = ?")
        .bind(hot_schedule)
        .fetch_one(&pool)
        .await
        .unwrap();
    mark_taken(&pool, &hot_seats).await;
    let (shows, seats): (i64, i64) =
        sqlx::query_as("select (select count(*) from shows), (select count(*) from seats)")
            .fetch_one(&pool)
            .await
            .unwrap();
    let index_dir =
        std::env::temp_dir().join(format!("marquee_bench_pages_{}", std::process::id()));
    let mut indexer = Indexer::open(&index_dir).unwrap();
    indexer.rebuild(&pool, 1000, |_, _| {}).await.unwrap();
    drop(indexer);
    sqlx::query("analyze table shows, schedules, seat_grades, seats")
        .execute(&pool)
        .await
        .unwrap();
    eprintln!(
        "catalog: {shows} shows, {seats} seats, indexed, in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let index = index_dir.to_string_lossy().to_string();
    let cached = start_api(&bench_db, &index, None).await;
    let uncached = start_api(&bench_db, &index, Some("0")).await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients * 2)
        .build()
        .unwrap();

    let queries: Arc<Vec<String>> =
        Arc::new(labelled::load().into_iter().map(|q| q.query).collect());
    let max_id: i64 = sqlx::query_scalar("select max(id) from shows")
        .fetch_one(&pool)
        .await
        .unwrap();
    let week = (
        now.date_naive(),
        now.date_naive() + chrono::Duration::days(7),
    );
    let search = {
        let base = cached.clone();
        Phase {
            label: "search: GET /search".into(),
            gzip: true,
            url: Box::new(move |rng| {
                let q = queries.choose(rng).unwrap();
                reqwest::Url::parse_with_params(&format!("{base}/search"), [("q", q)])
                    .unwrap()
                    .to_string()
            }),
        }
    };
    let mut phases = vec![Arc::new(search)];
    for (base, setting) in [(&cached, "cache on"), (&uncached, "cache off")] {
        let list = {
            let base = base.clone();
            Box::new(move |rng: &mut StdRng| match rng.gen_range(0..20) {
                0..=9 => format!("{base}/shows"),
                10..=13 => format!(
                    "{base}/shows?category={}",
                    CATEGORIES.choose(rng).unwrap().as_db()
                ),
                14..=16 => format!("{base}/shows?offset={}", rng.gen_range(1..50) * 20),
                _ => format!("{base}/shows?from={}&to={}", week.0, week.1),
            })
        };
        let detail = {
            let base = base.clone();
            Box::new(move |rng: &mut StdRng| {
                let id = if rng.gen_range(0..5) < 4 {
                    hot_show
                } else {
                    rng.gen_range(1..max_id)
                };
                format!("{base}/shows/{id}")
            })
        };
        let seat_map = format!("{base}/shows/{hot_show}/schedules/{hot_schedule}/seats");
        let plain_map = seat_map.clone();
        phases.extend(
            [
                Phase {
                    label: format!("list: GET /shows ({setting})"),
                    gzip: true,
                    url: list,
                },
                Phase {
                    label: format!("detail: GET /shows/{{id}} ({setting})"),
                    gzip: true,
                    url: detail,
                },
                Phase {
                    label: format!("seat map, 20,000 seats ({setting})"),
                    gzip: true,
                    url: Box::new(move |_| seat_map.clone()),
                },
                Phase {
                    label: format!("seat map, 20,000 seats, no gzip ({setting})"),
                    gzip: false,
                    url: Box::new(move |_| plain_map.clone()),
                },
            ]
            .map(Arc::new),
        );
    }

    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn(buyer(
        pool.clone(),
        hot_schedule,
        hot_seats.clone(),
        holds_per_second,
        stop.clone(),
    ));
    let mut runs: Vec<Vec<Run>> = phases.iter().map(|_| Vec::new()).collect();
    // Warm the pool and the caches the way a running service has them.
    for phase in &phases {
        load(&http, phase, clients, 1).await;
    }
    for _ in 0..rounds {
        for (phase, runs) in phases.iter().zip(runs.iter_mut()) {
            runs.push(load(&http, phase, clients, seconds).await);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let holds_taken = writer.await.unwrap();

    println!("## Pages beside search at {shows} shows\n");
    println!(
        "{shows} shows, {seats} seats; the hot performance has {} seats. {clients} clients, {rounds} rounds of {seconds} s per phase, medians; {holds_taken} two-seat holds taken on the hot performance meanwhile.\n",
        hot_seats.len()
    );
    println!("| phase | answers/s | p50 ms | p99 ms | bytes/answer | throughput ÷ search | p99 ÷ search |");
    println!("|---|---|---|---|---|---|---|");
    let summary: Vec<(f64, f64, f64, f64)> = runs
        .iter()
        .map(|runs| {
            let mut rate: Vec<f64> = runs.iter().map(|r| r.stats.per_second()).collect();
            let mut p50: Vec<f64> = runs.iter().map(|r| r.stats.percentile_ms(0.5)).collect();
            let mut p99: Vec<f64> = runs.iter().map(|r| r.stats.percentile_ms(0.99)).collect();
            let mut size: Vec<f64> = runs
                .iter()
                .map(|r| r.bytes as f64 / r.stats.latencies.len().max(1) as f64)
                .collect();
            (
                median(&mut rate),
                median(&mut p50),
                median(&mut p99),
                median(&mut size),
            )
        })
        .collect();
    let (search_rate, _, search_p99, _) = summary[0];
    for (phase, (rate, p50, p99, size)) in phases.iter().zip(&summary) {
        println!(
            "| {} | {rate:.0} | {p50:.2} | {p99:.2} | {size:.0} | {:.2} | {:.2} |",
            phase.label,
            rate / search_rate,
            p99 / search_p99
        );
    }

    let _ = std::fs::remove_dir_all(&index_dir);
    // BENCH_KEEP_DB=1 leaves the catalog behind for EXPLAIN and the like.
    if std::env::var_os("BENCH_KEEP_DB").is_some() {
        eprintln!("kept: {}", bench_db.url);
    } else {
        bench_db.drop().await;
    }
}
