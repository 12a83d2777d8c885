//! Where a search's time goes, from the engine to the wire, at BENCH_SHOWS shows
//! (default 20,000: issue 14's HTTP target size).
//!
//! Run with `scripts/bench search_http`. The catalog is the search benchmark's (demo
//! catalog plus generated shows), indexed; one marquee-api serves it over loopback.
//! Every labelled query (tests/data/search_queries.tsv) is run BENCH_ROUNDS times
//! (default 3, after an untimed warm-up round) through each layer in turn:
//!  - analysis: `query::interpret` (words, ko-dic morphemes, readings);
//!  - construction: `query::build` of the Tantivy query;
//!  - collection: Tantivy's search for the top 10 and the count, nothing else;
//!  - the engine: `ShowSearch::search` as the api calls it (tiers, tie-breaks, stored
//!    fields, highlighting), on the bench's thread and then once per search on the
//!    blocking pool, as the handler runs it;
//!  - the handler's other index work: `ShowSearch::status`;
//!  - the blocking pool: one `spawn_blocking` round trip of nothing;
//!  - HTTP, one keep-alive client: `GET /healthz` and a blank query (the stack without
//!    a search), then `GET /api/v1/search?q=…&limit=10`, answer read whole; first to a
//!    router served inside the bench's own process (sharing its runtime with the
//!    client), then to the real `marquee-api` binary in a process of its own, as
//!    clients meet it;
//!  - HTTP, BENCH_CLIENTS (default 32) keep-alive clients at once against the binary:
//!    throughput and latency;
//!  - with BENCH_BASELINE_API (the path of another build of `marquee-api`, say the
//!    last commit's): one keep-alive client to each binary, alternating query by query
//!    on the same index, so that a change is measured against its baseline through the
//!    same moments of a noisy machine.
//!
//! Then the BENCH_SLOWEST (default 15) queries the engine took longest over, with each
//! layer's median for them: what the engine's tail is made of.
//!
//! Everything shares this machine's cores; compare the rows of one run.

#![allow(dead_code)] // the included search-bench modules carry their own grading code

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use marquee_core::search::indexing::{self, Indexer};
use marquee_core::search::layout::IndexLayout;
use marquee_core::search::query::{self, Required};
use marquee_core::search::schema::{self, Fields};
use marquee_core::search::searcher::{SearchFilter, ShowSearch};
use tantivy::collector::{Count, TopDocs};

mod support;
use support::{env_usize, search_url, start_api, ApiProcess, BenchDb, Stats};

#[path = "../../indexer/benches/search/catalog.rs"]
mod catalog;
#[path = "../../indexer/benches/search/labelled.rs"]
mod labelled;

/// Times `work` once per query per round, after a warm-up round.
fn timed(queries: &[String], rounds: usize, mut work: impl FnMut(&str)) -> Vec<Duration> {
    queries.iter().for_each(|q| work(q));
    let mut latencies = Vec::with_capacity(queries.len() * rounds);
    for _ in 0..rounds {
        for q in queries {
            let started = Instant::now();
            work(q);
            latencies.push(started.elapsed());
        }
    }
    latencies
}

fn row(label: &str, latencies: Vec<Duration>) -> String {
    format!(
        "| {label} | {:.3} | {:.3} | {:.3} |",
        percentile_ms(&latencies, 0.50),
        percentile_ms(&latencies, 0.90),
        percentile_ms(&latencies, 0.99)
    )
}

fn percentile_ms(latencies: &[Duration], p: f64) -> f64 {
    Stats {
        label: "",
        elapsed: Duration::ZERO,
        latencies: latencies.to_vec(),
    }
    .percentile_ms(p)
}

/// Each query's median over the rounds of a layer timed query by query, round after
/// round (as `timed` and the collection loop record them).
fn medians_by_query(latencies: &[Duration], queries: usize) -> Vec<Duration> {
    (0..queries)
        .map(|q| {
            let mut own: Vec<Duration> =
                latencies.iter().skip(q).step_by(queries).copied().collect();
            own.sort();
            own[own.len() / 2]
        })
        .collect()
}

/// The queries whose engine time is highest, with each layer's median for them, and
/// how much of each layer's p99 is the same queries every round: the p99 of the
/// queries' own medians beside the p99 of every sample. Where the two are close the
/// tail is those queries; where the samples' p99 is far above, it is moments, not
/// queries.
fn slowest_table(queries: &[String], layers: &[(&str, &[Duration])], shown: usize) -> String {
    let medians: Vec<Vec<Duration>> = layers
        .iter()
        .map(|(_, layer)| medians_by_query(layer, queries.len()))
        .collect();
    let engine = &medians[0];
    let mut order: Vec<usize> = (0..queries.len()).collect();
    order.sort_by_key(|&q| std::cmp::Reverse(engine[q]));
    let ms = |d: Duration| format!("{:.3}", d.as_secs_f64() * 1e3);
    let names: Vec<String> = layers
        .iter()
        .map(|(name, _)| format!("{name} ms"))
        .collect();
    let mut table = format!(
        "| query | {} |\n|---|{}\n",
        names.join(" | "),
        "---|".repeat(layers.len())
    );
    for &q in order.iter().take(shown) {
        let cells: Vec<String> = medians.iter().map(|layer| ms(layer[q])).collect();
        table.push_str(&format!(
            "| {} | {} |\n",
            queries[q].replace('|', "\\|"),
            cells.join(" | ")
        ));
    }
    table.push_str(
        "\n| layer | p99 of the queries' medians | p99 of every sample |\n|---|---|---|\n",
    );
    for ((name, layer), own) in layers.iter().zip(&medians) {
        table.push_str(&format!(
            "| {name} | {:.3} | {:.3} |\n",
            percentile_ms(own, 0.99),
            percentile_ms(layer, 0.99)
        ));
    }
    table
}

/// The same queries to this build and to `binary`: from one client, alternating which
/// goes first, after a warm-up round on each; then from half of `clients` to each at
/// the same time.
async fn versus_baseline(
    binary: &str,
    bench_db: &support::BenchDb,
    index: &std::path::Path,
    urls: &[String],
    rounds: usize,
    clients: usize,
) -> Versus {
    let baseline = ApiProcess::start_binary(binary, bench_db, index);
    baseline.wait_until_up("/readyz").await;
    let this = ApiProcess::start(bench_db, index);
    this.wait_until_up("/readyz").await;
    let (to_this, to_baseline) = (reqwest::Client::new(), reqwest::Client::new());
    let rebase = |url: &str, base: &str| format!("{base}{}", &url[url.find("/api/").unwrap()..]);
    let pairs: Vec<(String, String)> = urls
        .iter()
        .map(|url| (rebase(url, &this.base), rebase(url, &baseline.base)))
        .collect();
    for (a, b) in &pairs {
        get(&to_this, a).await;
        get(&to_baseline, b).await;
    }
    let (mut this_latencies, mut baseline_latencies) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        for (i, (a, b)) in pairs.iter().enumerate() {
            if (i + round) % 2 == 0 {
                this_latencies.push(timed_get(&to_this, a).await);
                baseline_latencies.push(timed_get(&to_baseline, b).await);
            } else {
                baseline_latencies.push(timed_get(&to_baseline, b).await);
                this_latencies.push(timed_get(&to_this, a).await);
            }
        }
    }
    // Half the clients to each binary, at the same time: both under the same load.
    let half = (clients / 2).max(1);
    let (this_urls, baseline_urls): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
    let (this_urls, baseline_urls) = (Arc::new(this_urls), Arc::new(baseline_urls));
    let (this_many, baseline_many) = tokio::join!(
        many_clients(half, &this_urls, rounds),
        many_clients(half, &baseline_urls, rounds)
    );
    Versus {
        one: (this_latencies, baseline_latencies),
        many: (this_many, baseline_many),
        half,
    }
}

/// A build against its baseline: (this build's latencies, the baseline's).
struct Versus {
    one: (Vec<Duration>, Vec<Duration>),
    many: (Vec<Duration>, Vec<Duration>),
    half: usize,
}

/// `clients` keep-alive clients at once, each walking `urls` `rounds` times from its
/// own starting point: every latency.
async fn many_clients(clients: usize, urls: &Arc<Vec<String>>, rounds: usize) -> Vec<Duration> {
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (http, urls) = (reqwest::Client::new(), urls.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for round in 0..rounds {
                    for i in 0..urls.len() {
                        let url = &urls[(i + client * 53 + round) % urls.len()];
                        latencies.push(timed_get(&http, url).await);
                    }
                }
                latencies
            })
        })
        .collect();
    let mut many = Vec::new();
    for task in tasks {
        many.extend(task.await.unwrap());
    }
    many
}

async fn get(http: &reqwest::Client, url: &str) {
    let response = http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.bytes().await.unwrap();
}

/// How long `get` took.
async fn timed_get(http: &reqwest::Client, url: &str) -> Duration {
    let started = Instant::now();
    get(http, url).await;
    started.elapsed()
}

/// Each of `urls` in turn, `rounds` times, from one keep-alive client.
async fn one_by_one(http: &reqwest::Client, urls: &[String], rounds: usize) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(urls.len() * rounds);
    for _ in 0..rounds {
        for url in urls {
            latencies.push(timed_get(http, url).await);
        }
    }
    latencies
}

#[tokio::main]
async fn main() {
    let target = env_usize("BENCH_SHOWS", 20_000);
    let rounds = env_usize("BENCH_ROUNDS", 3).max(1);
    let clients = env_usize("BENCH_CLIENTS", 32).max(1);
    let bench_db = BenchDb::create().await;
    let pool = bench_db.pool.clone();
    let now = Utc::now();
    catalog::fill(&pool, target, 0, now).await;
    let index_dir =
        std::env::temp_dir().join(format!("marquee_bench_search_http_{}", std::process::id()));
    let mut indexer = Indexer::open(&index_dir).unwrap();
    indexer.rebuild(&pool, 1000, |_, _| {}).await.unwrap();
    drop(indexer);
    let queries: Vec<String> = labelled::load().into_iter().map(|q| q.query).collect();
    eprintln!("catalog: {target} shows indexed; {} queries", queries.len());

    // The layers below the engine, on the same index the api reads.
    let generation = IndexLayout::new(&index_dir).current().unwrap();
    let index = tantivy::Index::open_in_dir(&generation).unwrap();
    let spelling = indexing::spelling(&index).unwrap();
    schema::register_tokenizers(&index, spelling);
    let fields = Fields::new(&index.schema()).unwrap();
    let searcher = index.reader().unwrap().searcher();
    let segments = searcher.segment_readers().len();
    let search = Arc::new(ShowSearch::new(&index_dir));
    let filter = SearchFilter::default();

    let analysis = timed(&queries, rounds, |q| {
        std::hint::black_box(query::interpret(q));
    });
    let interpreted: std::collections::HashMap<&str, query::Interpretation> = queries
        .iter()
        .map(|q| (q.as_str(), query::interpret(q)))
        .collect();
    let construction = timed(&queries, rounds, |q| {
        std::hint::black_box(query::build(
            &fields,
            &interpreted[q],
            Required::Half,
            spelling,
        ));
    });
    // Each query is built afresh, untimed, before it is timed: a query's key matchers
    // remember their walks for the search they serve (its second tier), so a query
    // built once and run every round would time remembered walks.
    let mut collection = Vec::with_capacity(queries.len() * rounds);
    for round in 0..=rounds {
        for q in &queries {
            let built = query::build(&fields, &interpreted[q.as_str()], Required::Half, spelling);
            let started = Instant::now();
            if let Some(query) = &built {
                std::hint::black_box(
                    searcher
                        .search(
                            query.as_ref(),
                            &(TopDocs::with_limit(10).order_by_score(), Count),
                        )
                        .unwrap(),
                );
            }
            if round > 0 {
                collection.push(started.elapsed());
            }
        }
    }
    let engine = timed(&queries, rounds, |q| {
        std::hint::black_box(search.search(q, &filter, 10, 0, now).unwrap());
    });
    let status = timed(&queries, rounds, |_| {
        std::hint::black_box(search.status().unwrap());
    });
    let mut hops = Vec::with_capacity(queries.len() * rounds);
    for _ in 0..queries.len() * rounds {
        let started = Instant::now();
        tokio::task::spawn_blocking(|| ()).await.unwrap();
        hops.push(started.elapsed());
    }

    // The engine as the handler runs it: one blocking-pool task per search.
    let mut pooled = Vec::with_capacity(queries.len() * rounds);
    for round in 0..=rounds {
        for q in &queries {
            let (search, filter, q) = (search.clone(), filter.clone(), q.clone());
            let started = Instant::now();
            tokio::task::spawn_blocking(move || {
                std::hint::black_box(search.search(&q, &filter, 10, 0, now).unwrap());
            })
            .await
            .unwrap();
            if round > 0 {
                pooled.push(started.elapsed());
            }
        }
    }

    let base = start_api(&bench_db, &index_dir.to_string_lossy(), &[]).await;
    let http = reqwest::Client::new();
    let in_process: Vec<String> = queries.iter().map(|q| search_url(&base, q)).collect();
    for url in &in_process {
        get(&http, url).await;
    }
    let in_process = one_by_one(&http, &in_process, rounds).await;

    // The binary, in a process of its own.
    let api = ApiProcess::start(&bench_db, &index_dir);
    api.wait_until_up("/readyz").await;
    let http = reqwest::Client::new();
    let urls: Vec<String> = queries.iter().map(|q| search_url(&api.base, q)).collect();
    for url in &urls {
        get(&http, url).await;
    }
    let one_client = one_by_one(&http, &urls, rounds).await;
    // The same client and stack without the search: the HTTP floor.
    let floor = vec![format!("{}/healthz", api.base); urls.len()];
    let floor = one_by_one(&http, &floor, rounds).await;
    let blank = vec![search_url(&api.base, " "); urls.len()];
    let blank = one_by_one(&http, &blank, rounds).await;
    let urls = Arc::new(urls);
    let started = Instant::now();
    let many = many_clients(clients, &urls, rounds).await;
    let wall = started.elapsed();
    let versus = match std::env::var("BENCH_BASELINE_API") {
        Ok(binary) => {
            Some(versus_baseline(&binary, &bench_db, &index_dir, &urls, rounds, clients).await)
        }
        Err(_) => None,
    };
    let one_client_rate =
        one_client.len() as f64 / one_client.iter().sum::<Duration>().as_secs_f64();
    let many_rate = many.len() as f64 / wall.as_secs_f64();

    println!("## Search from the engine to the wire at {target} shows\n");
    println!(
        "{} labelled queries x {rounds} rounds per layer (top 10); the index has {segments} segment(s).\n",
        queries.len()
    );
    println!("| layer | p50 ms | p90 ms | p99 ms |");
    println!("|---|---|---|---|");
    let slowest = slowest_table(
        &queries,
        &[
            ("engine", &engine),
            ("analysis", &analysis),
            ("construction", &construction),
            ("collection", &collection),
            ("HTTP, 1 client", &one_client),
        ],
        env_usize("BENCH_SLOWEST", 15),
    );
    println!("{}", row("analysis (`query::interpret`)", analysis));
    println!("{}", row("construction (`query::build`)", construction));
    println!("{}", row("collection (Tantivy top 10 + count)", collection));
    println!("{}", row("engine (`ShowSearch::search`)", engine));
    println!("{}", row("engine on the blocking pool", pooled));
    println!("{}", row("index status (`ShowSearch::status`)", status));
    println!("{}", row("blocking pool round trip", hops));
    println!(
        "{}",
        row("HTTP, 1 client, api inside the bench's process", in_process)
    );
    println!("{}", row("HTTP, 1 client: `GET /healthz`", floor));
    println!(
        "{}",
        row("HTTP, 1 client: a blank query (no search)", blank)
    );
    println!("{}", row("HTTP, 1 keep-alive client", one_client));
    println!("{}", row(&format!("HTTP, {clients} clients at once"), many));
    println!(
        "\nThe HTTP rows from `GET /healthz` down are the `marquee-api` binary in its own process ({:.0} MiB resident at the end).",
        api.resident_mib()
    );
    println!(
        "\nThroughput: 1 client {one_client_rate:.0} searches/s; {clients} clients {many_rate:.0} searches/s ({:.2}x).",
        many_rate / one_client_rate
    );
    println!(
        "\nThe slowest queries in the engine (each layer's median over the rounds):\n\n{slowest}"
    );
    if let Some(versus) = versus {
        let binary = std::env::var("BENCH_BASELINE_API").unwrap();
        println!("\nThis build beside `{binary}` on the same index:\n");
        println!("| load | binary | p50 ms | p90 ms | p99 ms |");
        println!("|---|---|---|---|---|");
        let ratio = |(this, baseline): &(Vec<Duration>, Vec<Duration>), p: f64| {
            percentile_ms(this, p) / percentile_ms(baseline, p)
        };
        let ratios = [
            ratio(&versus.one, 0.50),
            ratio(&versus.one, 0.99),
            ratio(&versus.many, 0.50),
            ratio(&versus.many, 0.99),
        ];
        let half = versus.half;
        for (load, (this, baseline)) in [
            ("1 client, taking turns".to_string(), versus.one),
            (format!("{half} clients to each at once"), versus.many),
        ] {
            println!("| {load} |{}", &row("this build", this)[1..]);
            println!("| {load} |{}", &row("baseline", baseline)[1..]);
        }
        println!(
            "\nThis build / the baseline: 1 client p50 {:.2}, p99 {:.2}; {half} clients each p50 {:.2}, p99 {:.2}.",
            ratios[0], ratios[1], ratios[2], ratios[3]
        );
    }

    if std::env::var("BENCH_KEEP_DB").is_err() {
        bench_db.drop().await;
    }
    let _ = std::fs::remove_dir_all(&index_dir);
}
