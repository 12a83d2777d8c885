//! Marquee and Meilisearch side by side (issue 14): one catalog, the labelled queries,
//! the same client, on this machine at the same moment.
//!
//! Run with `MEILISEARCH_BIN=/path/to/meilisearch scripts/bench meilisearch`. The bench
//! builds nothing of Meilisearch's: it starts the binary it is given (on a loopback
//! port, a fresh database in a temporary directory, analytics off) and says how it was
//! told to. BENCH_SHOWS (default 20,000: the size) sets the catalog, BENCH_ROUNDS
//! (default 3) the timed rounds, BENCH_CLIENTS (default 32) the concurrent clients.
//!
//! 1. The search bench's catalog (demo catalog plus generated shows) in a fresh
//!    database. Marquee indexes it with a rebuild; Meilisearch gets the same documents
//!    (title, aliases, English title, artists, venue, category: what Marquee searches)
//!    in one batch, with default settings, and both times are reported as documents/s.
//! 2. Both servers run as processes of their own: the real `marquee-api` binary, as
//!    `scripts/run` starts it, and the Meilisearch binary.
//! 3. Every labelled query (tests/data/search_queries.tsv) goes to both, interleaved
//!    (which engine goes first alternates from query to query and round to round), one
//!    keep-alive client per engine, top 10 each: Marquee's `GET /api/v1/search`, and
//!    Meilisearch's `POST /indexes/shows/search` with its defaults. The untimed warm-up
//!    round is the one graded: recall@5 per kind, as `scripts/bench search` grades.
//! 4. Then BENCH_CLIENTS clients at once against each engine in turn: throughput.
//! 5. Each server's resident memory at the end.

#![allow(dead_code)] // the included search-bench modules carry their own grading code

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use marquee_core::search::feed;
use marquee_core::search::indexing::Indexer;
use serde::Serialize;
use serde_json::Value;

mod support;
use support::{env_usize, search_url, ApiProcess as Server, BenchDb};

#[path = "../../indexer/benches/search/catalog.rs"]
mod catalog;
#[path = "../../indexer/benches/search/labelled.rs"]
mod labelled;

/// The Meilisearch binary at `binary`, on a free loopback port, with a fresh database
/// under `dir`, analytics off, no master key (development mode).
fn start_meilisearch(binary: &str, dir: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .args(["--db-path", &dir.join("data.ms").to_string_lossy()])
        .args(["--dump-dir", &dir.join("dumps").to_string_lossy()])
        .args(["--snapshot-dir", &dir.join("snapshots").to_string_lossy()])
        .args(["--http-addr", &format!("127.0.0.1:{port}")])
        .args(["--env", "development", "--no-analytics"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("start {binary}: {err}"));
    Server::new(child, format!("http://127.0.0.1:{port}"))
}

/// One show as Meilisearch gets it: what Marquee searches, title first (with default
/// settings every attribute is searchable, ranked in the order first seen).
#[derive(Serialize)]
struct MeiliShow {
    id: i64,
    title: String,
    aliases: Vec<String>,
    title_en: Option<String>,
    artists: Vec<String>,
    venue: String,
    category: String,
}

/// Every visible show of the catalog, in id order, as the indexer reads them.
async fn meili_documents(pool: &sqlx::MySqlPool) -> Vec<MeiliShow> {
    let mut documents = Vec::new();
    let mut after = 0;
    loop {
        let page = feed::visible_after(pool, after, 1000).await.unwrap();
        let Some(last) = page.last() else {
            return documents;
        };
        after = last.position.id;
        documents.extend(page.into_iter().filter_map(|change| {
            let show = change.document?;
            Some(MeiliShow {
                id: show.id,
                title: show.title,
                aliases: show.aliases,
                title_en: show.title_en,
                artists: show.artists,
                venue: show.venue,
                category: show.category,
            })
        }));
    }
}

async fn json(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// Sends every document in one batch and waits for Meilisearch to finish indexing
/// them; answers how long that took, from the request to the task's end.
async fn load_meilisearch(http: &reqwest::Client, base: &str, documents: &[MeiliShow]) -> Duration {
    let started = Instant::now();
    let task = json(
        http.post(format!("{base}/indexes/shows/documents?primaryKey=id"))
            .json(documents),
    )
    .await;
    let uid = task["taskUid"]
        .as_u64()
        .unwrap_or_else(|| panic!("no task in {task}"));
    loop {
        let task = json(http.get(format!("{base}/tasks/{uid}"))).await;
        match task["status"].as_str() {
            Some("succeeded") => return started.elapsed(),
            Some("failed" | "canceled") => panic!("meilisearch indexing failed: {task}"),
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Engine {
    Marquee,
    Meilisearch,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Marquee => "Marquee",
            Engine::Meilisearch => "Meilisearch",
        }
    }
}

/// One engine's top 10 for `q`, as show ids, best first; the answer is read whole.
async fn ask(engine: Engine, http: &reqwest::Client, base: &str, q: &str) -> Vec<i64> {
    let (response, hits) = match engine {
        Engine::Marquee => (http.get(search_url(base, q)).send().await.unwrap(), "items"),
        Engine::Meilisearch => (
            http.post(format!("{base}/indexes/shows/search"))
                .json(&serde_json::json!({ "q": q, "limit": 10 }))
                .send()
                .await
                .unwrap(),
            "hits",
        ),
    };
    assert!(response.status().is_success(), "{} {q}", engine.name());
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    body[hits]
        .as_array()
        .unwrap_or_else(|| panic!("no {hits} in {body}"))
        .iter()
        .map(|hit| hit["id"].as_i64().unwrap())
        .collect()
}

/// What one engine answered: graded once, timed per query kind.
#[derive(Default)]
struct Side {
    report: labelled::Report,
    latencies: Vec<Duration>,
    by_kind: HashMap<String, Vec<Duration>>,
}

/// BENCH_CLIENTS keep-alive clients at once, each through every query from its own
/// starting point: searches per second.
async fn throughput(engine: Engine, base: &str, queries: &Arc<Vec<String>>, clients: usize) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (http, queries, base) = (reqwest::Client::new(), queries.clone(), base.to_string());
            tokio::spawn(async move {
                for i in 0..queries.len() {
                    let q = &queries[(i + client * 53) % queries.len()];
                    ask(engine, &http, &base, q).await;
                }
                queries.len()
            })
        })
        .collect();
    let mut searches = 0;
    for task in tasks {
        searches += task.await.unwrap();
    }
    searches as f64 / started.elapsed().as_secs_f64()
}

fn ms(latencies: &[Duration], p: f64) -> f64 {
    labelled::percentile_ms(latencies, p)
}

#[tokio::main]
async fn main() {
    let Ok(meili_bin) = std::env::var("MEILISEARCH_BIN") else {
        eprintln!(
            "MEILISEARCH_BIN is not set: point it at a Meilisearch binary (BENCHMARKS.md \
             says how the recorded one was built); this bench builds none"
        );
        std::process::exit(2);
    };
    let target = env_usize("BENCH_SHOWS", 20_000);
    let rounds = env_usize("BENCH_ROUNDS", 3).max(1);
    let clients = env_usize("BENCH_CLIENTS", 32).max(1);
    let bench_db = BenchDb::create().await;
    let pool = bench_db.pool.clone();
    let scratch: PathBuf =
        std::env::temp_dir().join(format!("marquee_bench_meili_{}", std::process::id()));
    let index_dir = scratch.join("index");
    let meili_dir = scratch.join("meilisearch");
    std::fs::create_dir_all(&meili_dir).unwrap();

    let demo_count = catalog::fill(&pool, target, 0, Utc::now()).await;
    let demo_catalog = catalog::demo_shows(&pool, demo_count).await;
    let queries = labelled::load();
    let relevant: Vec<HashSet<i64>> = queries
        .iter()
        .map(|q| labelled::relevant(&demo_catalog, &q.intended))
        .collect();

    let mut indexer = Indexer::open(&index_dir).unwrap();
    let rebuild = indexer.rebuild(&pool, 1000, |_, _| {}).await.unwrap();
    drop(indexer);
    let documents = meili_documents(&pool).await;
    eprintln!(
        "catalog: {} shows; Marquee indexed {} in {:.2} s",
        documents.len(),
        rebuild.upserted,
        rebuild.elapsed.as_secs_f64()
    );

    let marquee = Server::start(&bench_db, &index_dir);
    let meili = start_meilisearch(&meili_bin, &meili_dir);
    let setup = reqwest::Client::new();
    marquee.wait_until_up("/readyz").await;
    meili.wait_until_up("/health").await;
    let version = json(setup.get(format!("{}/version", meili.base))).await;
    let meili_load = load_meilisearch(&setup, &meili.base, &documents).await;
    eprintln!(
        "Meilisearch {} indexed {} in {:.2} s",
        version["pkgVersion"],
        documents.len(),
        meili_load.as_secs_f64()
    );

    // One keep-alive client per engine; interleaved query by query.
    let clients_one = [reqwest::Client::new(), reqwest::Client::new()];
    let bases = [marquee.base.clone(), meili.base.clone()];
    let engines = [Engine::Marquee, Engine::Meilisearch];
    let mut sides = [Side::default(), Side::default()];
    for round in 0..=rounds {
        for (i, q) in queries.iter().enumerate() {
            let first = (i + round) % 2;
            for side in [first, 1 - first] {
                let started = Instant::now();
                let ranked = ask(engines[side], &clients_one[side], &bases[side], &q.query).await;
                let elapsed = started.elapsed();
                if round == 0 {
                    sides[side].report.add(&q.kind, &ranked, &relevant[i]);
                } else {
                    sides[side].latencies.push(elapsed);
                    sides[side]
                        .by_kind
                        .entry(q.kind.clone())
                        .or_default()
                        .push(elapsed);
                }
            }
        }
    }
    let texts = Arc::new(queries.iter().map(|q| q.query.clone()).collect::<Vec<_>>());
    let marquee_rate = throughput(Engine::Marquee, &marquee.base, &texts, clients).await;
    let meili_rate = throughput(Engine::Meilisearch, &meili.base, &texts, clients).await;
    let memory = [marquee.resident_mib(), meili.resident_mib()];

    println!(
        "## Marquee and Meilisearch {} at {} shows\n",
        version["pkgVersion"].as_str().unwrap_or("?"),
        documents.len()
    );
    println!(
        "{} labelled queries; {rounds} timed rounds, interleaved, one keep-alive client per engine; top 10.\n",
        queries.len()
    );
    println!("| kind | queries | Marquee recall@5 | Meilisearch recall@5 | Marquee p50 ms | Meilisearch p50 ms |");
    println!("|---|---|---|---|---|---|");
    for (kind, grades) in sides[0].report.kinds() {
        println!(
            "| {kind} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            grades.queries,
            grades.recall_5(),
            sides[1].report.by_kind[kind].recall_5(),
            ms(&sides[0].by_kind[kind], 0.5),
            ms(&sides[1].by_kind[kind], 0.5),
        );
    }
    println!(
        "| all | {} | {:.3} | {:.3} | {:.3} | {:.3} |\n",
        sides[0].report.all.queries,
        sides[0].report.all.recall_5(),
        sides[1].report.all.recall_5(),
        ms(&sides[0].latencies, 0.5),
        ms(&sides[1].latencies, 0.5),
    );
    println!("| engine | p50 ms | p90 ms | p99 ms | {clients} clients/s | indexing documents/s | resident MiB |");
    println!("|---|---|---|---|---|---|---|");
    let loads = [rebuild.elapsed, meili_load];
    for (side, rate) in [(0, marquee_rate), (1, meili_rate)] {
        println!(
            "| {} | {:.3} | {:.3} | {:.3} | {rate:.0} | {:.0} | {:.0} |",
            engines[side].name(),
            ms(&sides[side].latencies, 0.5),
            ms(&sides[side].latencies, 0.9),
            ms(&sides[side].latencies, 0.99),
            documents.len() as f64 / loads[side].as_secs_f64(),
            memory[side],
        );
    }
    println!(
        "\nRatios, Marquee over Meilisearch: p50 {:.2}, p99 {:.2}, {clients}-client throughput {:.2}.",
        ms(&sides[0].latencies, 0.5) / ms(&sides[1].latencies, 0.5),
        ms(&sides[0].latencies, 0.99) / ms(&sides[1].latencies, 0.99),
        marquee_rate / meili_rate
    );

    drop((marquee, meili));
    if std::env::var("BENCH_KEEP_DB").is_err() {
        bench_db.drop().await;
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
