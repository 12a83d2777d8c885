//! Search benchmark: quality, speed and freshness of show search at catalog scale.
//!
//! Run with `scripts/bench search` (it starts the services). In one process and run:
//!  1. a catalog of BENCH_SHOWS shows (default 100,000) in a fresh MariaDB database:
//!     the demo catalog, whose productions the labelled queries mean, and generated
//!     shows that compete with them (see `catalog`);
//!  2. a full `rebuild` of the index from it: documents per second;
//!  3. every labelled query (tests/data/search_queries.tsv) through `ShowSearch`, as the
//!     api runs it: recall@1, recall@5 and MRR per kind, and latency p50/p99 over
//!     BENCH_ROUNDS rounds (default 3, after one warm-up round);
//!  4. the same queries as MariaDB `title like '%q%' or title_en like '%q%'`, the
//!     baseline, graded the same way;
//!  5. the typo step two ways: Tantivy's Levenshtein automata over the term dictionary
//!     (what search used before its own walk of the dictionary, `search::key_query`)
//!     and a strsim scan of every distinct title key, with whether they agree;
//!  6. freshness: `marquee-indexer serve` on its default schedule while titles are
//!     updated; seconds from the UPDATE's commit to the show being found.
//!
//! BENCH_ONLY=quality stops after step 3; BENCH_QUERIES names another labelled file;
//! BENCH_KEEP=1 leaves the database and the index behind for a look at a miss.
//!
//! Prints Markdown for BENCHMARKS.md; misses go to stderr.

mod catalog;
mod labelled;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use marquee_core::config::IndexerConfig;
use marquee_core::db;
use marquee_core::search::indexing::{self, Indexer};
use marquee_core::search::layout::IndexLayout;
use marquee_core::search::query::{self, typo_budget};
use marquee_core::search::schema::Fields;
use marquee_core::search::searcher::{SearchFilter, ShowSearch};
use marquee_core::search::trends::{Outcome, SearchTrends};
use rand::Rng;
use sqlx::MySqlPool;
use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, Searcher, Term};

use labelled::{percentile_ms, Labelled, Report};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What one engine answered for every labelled query, graded.
#[derive(Default)]
struct Run {
    report: Report,
    latencies: Vec<Duration>,
    latencies_by_kind: HashMap<String, Vec<Duration>>,
    misses: Vec<String>,
}

impl Run {
    fn timed(&mut self, kind: &str, elapsed: Duration) {
        self.latencies.push(elapsed);
        self.latencies_by_kind
            .entry(kind.to_string())
            .or_default()
            .push(elapsed);
    }
}

#[tokio::main]
async fn main() {
    let target = env_usize("BENCH_SHOWS", 100_000);
    let rounds = env_usize("BENCH_ROUNDS", 3).max(1);
    let trials = env_usize("BENCH_FRESHNESS_TRIALS", 20);
    let server =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let name = format!(
        "marquee_bench_search_{:08x}",
        rand::thread_rng().gen::<u32>()
    );
    let url = format!("{server}/{name}");
    db::ensure_database(&url).await.unwrap();
    let pool = db::connect(&url).await.unwrap();
    db::MIGRATOR.run(&pool).await.unwrap();
    let index_dir = std::env::temp_dir().join(&name);

    let now = Utc::now();
    let started = Instant::now();
    let demo_count = catalog::fill(&pool, target, 0, now).await;
    let demo_catalog = catalog::demo_shows(&pool, demo_count).await;
    let shows: i64 = sqlx::query_scalar("select count(*) from shows")
        .fetch_one(&pool)
        .await
        .unwrap();
    eprintln!(
        "catalog: {shows} shows ({demo_count} demo) in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Several rebuilds (BENCH_REBUILDS) show how much a rate moves from run to run on a
    // shared machine; the table reports the median.
    let mut indexer = Indexer::open(&index_dir).unwrap();
    let mut rebuilds = Vec::new();
    for _ in 0..env_usize("BENCH_REBUILDS", 1).max(1) {
        let cpu = process_cpu_seconds();
        let rebuild = indexer.rebuild(&pool, 1000, |_, _| {}).await.unwrap();
        eprintln!(
            "rebuild: {} documents in {:.2} s, {:.2} s of CPU in this process",
            rebuild.upserted,
            rebuild.elapsed.as_secs_f64(),
            process_cpu_seconds() - cpu
        );
        rebuilds.push(rebuild);
    }
    drop(indexer);
    rebuilds.sort_by_key(|r| r.elapsed);
    let rebuild = rebuilds.swap_remove(rebuilds.len() / 2);
    let generation = IndexLayout::new(&index_dir).current().unwrap();
    let index_bytes = directory_size(&generation);
    let segments = Index::open_in_dir(&generation)
        .unwrap()
        .searchable_segment_ids()
        .unwrap()
        .len();
    if std::env::var("BENCH_ONLY").as_deref() == Ok("rebuild") {
        println!(
            "Rebuild: {} documents in {:.2} s = {:.0} documents/s; {segments} segment(s).",
            rebuild.upserted,
            rebuild.elapsed.as_secs_f64(),
            rebuild.upserted as f64 / rebuild.elapsed.as_secs_f64()
        );
        drop_database(&server, &name, pool, &index_dir).await;
        return;
    }

    let titles: HashMap<i64, String> = sqlx::query_as("select id, title from shows")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let queries = labelled::load();
    let relevant: Vec<_> = queries
        .iter()
        .map(|q| labelled::relevant(&demo_catalog, &q.intended))
        .collect();
    for (q, relevant) in queries.iter().zip(&relevant) {
        assert!(
            q.intended.is_empty() || !relevant.is_empty(),
            "no show is titled {}",
            q.intended
        );
    }

    let search = ShowSearch::new(&index_dir);
    let filter = SearchFilter::default();
    let marquee = grade(&queries, &relevant, &titles, rounds, |q| {
        search
            .search(q, &filter, 10, 0, now)
            .unwrap()
            .hits
            .iter()
            .map(|h| h.id)
            .collect()
    });
    // BENCH_ONLY=quality: the labelled queries alone, for a quick look at recall.
    let quality_only = std::env::var("BENCH_ONLY").as_deref() == Ok("quality");
    let like = if quality_only {
        Run::default()
    } else {
        grade_like(&pool, &queries, &relevant, &titles).await
    };
    let (counting, typo_step, freshness) = if quality_only {
        Default::default()
    } else {
        (
            counting_cost(&queries, &name).await,
            typo_step(&index_dir, &queries),
            freshness(&url, &index_dir, &pool, trials).await,
        )
    };

    println!("## Search at {shows} shows\n");
    println!(
        "Catalog: {shows} shows ({demo_count} from the demo catalog, the rest generated); {} labelled queries.\n",
        queries.len()
    );
    println!(
        "| kind | queries | recall@1 | recall@5 | MRR | LIKE recall@1 | LIKE recall@5 | LIKE MRR |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let kinds = marquee
        .report
        .kinds()
        .map(|(k, g)| (k.to_string(), g.clone()));
    for (kind, grades) in kinds.chain([("all".to_string(), marquee.report.all.clone())]) {
        let baseline = if kind == "all" {
            like.report.all.clone()
        } else {
            like.report.by_kind.get(&kind).cloned().unwrap_or_default()
        };
        println!(
            "| {kind} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            grades.queries,
            grades.recall_1(),
            grades.recall_5(),
            grades.mrr(),
            baseline.recall_1(),
            baseline.recall_5(),
            baseline.mrr()
        );
    }
    println!("\n| latency (top 10) | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|");
    for (label, run) in [("Marquee search", &marquee), ("MariaDB LIKE", &like)] {
        if run.latencies.is_empty() {
            continue; // BENCH_ONLY=quality asks no baseline
        }
        println!(
            "| {label} | {:.2} | {:.2} | {:.2} |",
            percentile_ms(&run.latencies, 0.5),
            percentile_ms(&run.latencies, 0.99),
            percentile_ms(&run.latencies, 1.0)
        );
    }
    // Precision beside recall: how many shows a query matches in all (the tail a
    // person would page through), median and 90th percentile per kind.
    let mut matched: HashMap<&str, Vec<u64>> = HashMap::new();
    for q in &queries {
        let total = search.search(&q.query, &filter, 10, 0, now).unwrap().total;
        matched.entry(q.kind.as_str()).or_default().push(total);
    }
    println!("\n| Marquee search by kind | p50 ms | p99 ms | shows matched p50 | p90 |");
    println!("|---|---|---|---|---|");
    for kind in &marquee.report.order {
        let latencies = &marquee.latencies_by_kind[kind];
        let totals = matched.get_mut(kind.as_str()).unwrap();
        totals.sort_unstable();
        let at = |p: f64| totals[((totals.len() - 1) as f64 * p).round() as usize];
        println!(
            "| {kind} | {:.2} | {:.2} | {} | {} |",
            percentile_ms(latencies, 0.5),
            percentile_ms(latencies, 0.99),
            at(0.5),
            at(0.9)
        );
    }
    println!(
        "\nRebuild: {} documents in {:.1} s = {:.0} documents/s; index {:.1} MB on disk in {segments} segment(s).",
        rebuild.upserted,
        rebuild.elapsed.as_secs_f64(),
        rebuild.upserted as f64 / rebuild.elapsed.as_secs_f64(),
        index_bytes as f64 / 1e6
    );
    println!("\n{counting}");
    println!("\n{typo_step}");
    println!("\n{freshness}");

    for miss in marquee.misses.iter() {
        eprintln!("miss: {miss}");
    }

    drop_database(&server, &name, pool, &index_dir).await;
}

async fn drop_database(server: &str, name: &str, pool: MySqlPool, index_dir: &std::path::Path) {
    pool.close().await;
    if std::env::var_os("BENCH_KEEP").is_some() {
        eprintln!("kept: database {name}, index {}", index_dir.display());
        return;
    }
    let _ = std::fs::remove_dir_all(index_dir);
    let admin = db::connect(&format!("{server}/mysql")).await.unwrap();
    sqlx::query(&format!("drop database `{name}`"))
        .execute(&admin)
        .await
        .unwrap();
}

/// What counting a search for 인기 검색어 adds to it: `record` on the search's path (a
/// lock and a map entry), and the once-a-second flush to Redis, off it.
async fn counting_cost(queries: &[Labelled], prefix: &str) -> String {
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let trends = SearchTrends::new(&redis, prefix).unwrap();
    let mut costs = Vec::with_capacity(queries.len() * 10);
    for round in 0..10 {
        for q in queries {
            let started = Instant::now();
            // A client per round: one client repeating a query counts once.
            let outcome = if round % 2 == 0 {
                Outcome::Found
            } else {
                Outcome::Nothing
            };
            // The query stands for its reading: computing that is part of the search.
            let client = std::net::IpAddr::from([10, 0, 0, round]);
            trends.record(&q.query, Some(&q.query), outcome, client);
            costs.push(started.elapsed());
        }
    }
    let started = Instant::now();
    trends.flush().await.unwrap();
    let flush = started.elapsed();
    let mut conn = redis::Client::open(redis.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    format!(
        "Counting for popular searches and misses: `record` p50 {:.2} µs, p99 {:.2} µs over {} searches \
         (beside a search's milliseconds); the flush of all of them to Redis took {:.1} ms, \
         off the search path, once a second.",
        percentile_ms(&costs, 0.5) * 1000.0,
        percentile_ms(&costs, 0.99) * 1000.0,
        costs.len(),
        flush.as_secs_f64() * 1000.0
    )
}

/// User and system CPU this process has used (Linux), all threads: steadier than wall
/// time on a shared machine, and apart from what MariaDB spends serving the pages.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces), from field 3 on.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15, in clock ticks of 1/100 s on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

fn directory_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .unwrap()
        .filter_map(|entry| entry.ok()?.metadata().ok())
        .filter(|meta| meta.is_file())
        .map(|meta| meta.len())
        .sum()
}

fn record(
    run: &mut Run,
    q: &Labelled,
    relevant: &std::collections::HashSet<i64>,
    ranked: &[i64],
    titles: &HashMap<i64, String>,
) {
    if run
        .report
        .add(&q.kind, ranked, relevant)
        .is_none_or(|rank| rank >= 5)
    {
        run.misses.push(format!(
            "{} `{}` → {} (got: {})",
            q.kind,
            q.query,
            q.intended,
            ranked
                .iter()
                .take(3)
                .map(|id| titles[id].as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
}

/// Grades an in-process engine; the first round warms caches and is not timed.
fn grade(
    queries: &[Labelled],
    relevant: &[std::collections::HashSet<i64>],
    titles: &HashMap<i64, String>,
    rounds: usize,
    answer: impl Fn(&str) -> Vec<i64>,
) -> Run {
    let mut run = Run::default();
    for (q, relevant) in queries.iter().zip(relevant) {
        let ranked = answer(&q.query);
        record(&mut run, q, relevant, &ranked, titles);
    }
    for _ in 0..rounds {
        for q in queries {
            let started = Instant::now();
            std::hint::black_box(answer(&q.query));
            run.timed(&q.kind, started.elapsed());
        }
    }
    run
}

/// The baseline: what a plain SQL search finds, most liked first.
async fn grade_like(
    pool: &MySqlPool,
    queries: &[Labelled],
    relevant: &[std::collections::HashSet<i64>],
    titles: &HashMap<i64, String>,
) -> Run {
    let mut run = Run::default();
    for (q, relevant) in queries.iter().zip(relevant) {
        let pattern = format!(
            "%{}%",
            q.query
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let started = Instant::now();
        let ranked: Vec<i64> = sqlx::query_scalar(
            "select id from shows
             where deleted_at is null and (title like ? or title_en like ?)
             order by like_count desc, id
             limit 10",
        )
        .bind(&pattern)
        .bind(&pattern)
        .fetch_all(pool)
        .await
        .unwrap();
        run.timed(&q.kind, started.elapsed());
        record(&mut run, q, relevant, &ranked, titles);
    }
    run
}

/// Every distinct key of one field, across segments.
fn field_keys(searcher: &Searcher, field: tantivy::schema::Field) -> Vec<String> {
    let mut keys = Vec::new();
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field).unwrap();
        let mut stream = index.terms().stream().unwrap();
        while stream.advance() {
            keys.push(String::from_utf8(stream.key().to_vec()).unwrap());
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The typo step of the typo queries' words, on the title field: Tantivy's Levenshtein
/// automata walking the term dictionary against strsim over every distinct key (the
/// same restricted edit distance: a swap of neighbours counts one), both ending in the
/// number of matching documents.
fn typo_step(index_dir: &std::path::Path, queries: &[Labelled]) -> String {
    let generation = IndexLayout::new(index_dir).current().unwrap();
    let index = Index::open_in_dir(generation).unwrap();
    let fields = Fields::new(&index.schema()).unwrap();
    let spelling = indexing::spelling(&index).unwrap();
    let searcher = index.reader().unwrap().searcher();
    let keys = field_keys(&searcher, fields.title);

    let mut automaton = Vec::new();
    let mut scan = Vec::new();
    let (mut lookups, mut agree) = (0, 0);
    for q in queries.iter().filter(|q| q.kind.starts_with("typo")) {
        for group in query::interpret(&q.query).groups {
            // As the index spells it; a spelling keeps a key's characters one for one.
            let key = &*spelling.spell(&group.alternatives[0].key);
            let budget = typo_budget(key.chars().count());
            if budget == 0 {
                continue;
            }
            let term = Term::from_field_text(fields.title, key);
            let started = Instant::now();
            let by_automaton = searcher
                .search(&FuzzyTermQuery::new(term, budget, true), &Count)
                .unwrap();
            automaton.push(started.elapsed());

            let started = Instant::now();
            let matched: Vec<(tantivy::query::Occur, Box<dyn Query>)> = keys
                .iter()
                .filter(|k| strsim::osa_distance(k, key) <= budget as usize)
                .map(|k| {
                    let term = Term::from_field_text(fields.title, k);
                    let query: Box<dyn Query> =
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                    (tantivy::query::Occur::Should, query)
                })
                .collect();
            let by_scan = if matched.is_empty() {
                0
            } else {
                searcher
                    .search(&BooleanQuery::new(matched), &Count)
                    .unwrap()
            };
            scan.push(started.elapsed());
            lookups += 1;
            agree += usize::from(by_automaton == by_scan);
        }
    }
    format!(
        "Typo step over {} distinct title keys, {lookups} query words: Levenshtein automata p50 {:.2} ms, p99 {:.2} ms; \
         strsim scan p50 {:.2} ms, p99 {:.2} ms; same documents found for {agree} of {lookups} words.",
        keys.len(),
        percentile_ms(&automaton, 0.5),
        percentile_ms(&automaton, 0.99),
        percentile_ms(&scan, 0.5),
        percentile_ms(&scan, 0.99),
    )
}

/// `serve` on its default schedule in this process, and titles changed under it: how
/// long from an UPDATE's commit until search finds the new title.
async fn freshness(
    url: &str,
    index_dir: &std::path::Path,
    pool: &MySqlPool,
    trials: usize,
) -> String {
    let config = IndexerConfig::from_vars(
        [
            ("DATABASE_URL", url.to_string()),
            ("INDEX_DIR", index_dir.display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    )
    .unwrap();
    let schedule = config.schedule.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(async move {
        marquee_indexer::serve(&config, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    tokio::time::sleep(Duration::from_secs(3)).await;

    let search = ShowSearch::new(index_dir);
    let ids: Vec<i64> = sqlx::query_scalar("select id from shows order by rand() limit ?")
        .bind(trials as i64)
        .fetch_all(pool)
        .await
        .unwrap();
    let mut waits = Vec::new();
    for id in ids {
        // Land anywhere in the schedule's period.
        let pause = rand::thread_rng().gen_range(0..2000);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let code: String = (0..10)
            .map(|_| rand::thread_rng().gen_range(b'a'..=b'z') as char)
            .collect();
        sqlx::query("update shows set title = ? where id = ?")
            .bind(format!("Freshness probe {code}"))
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
        let committed = Instant::now();
        loop {
            let found = search
                .search(&code, &SearchFilter::default(), 5, 0, Utc::now())
                .unwrap()
                .hits
                .iter()
                .any(|h| h.id == id);
            if found {
                break;
            }
            assert!(
                committed.elapsed() < Duration::from_secs(60),
                "show {id} never became searchable"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        waits.push(committed.elapsed());
    }
    let _ = stop.send(());
    serving.await.unwrap();
    format!(
        "Freshness under `{schedule}`, {} updates: UPDATE commit to searchable p50 {:.2} s, max {:.2} s.",
        waits.len(),
        percentile_ms(&waits, 0.5) / 1000.0,
        percentile_ms(&waits, 1.0) / 1000.0
    )
}
