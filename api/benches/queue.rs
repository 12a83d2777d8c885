//! Waiting-room benchmark: a queue of a million people, entering, looking up a place
//! as the queue grows, and Server-Sent Events to ten thousand connected clients.
//!
//! Run with `scripts/bench queue` (it starts the services). In one process and one run:
//!  1. the queue is filled to BENCH_QUEUE_USERS (default 1,000,000) by calling the enter
//!     script directly (no HTTP, no MariaDB, no rate limit): Redis's own ceiling for
//!     entering; Redis memory per queued person is read from `INFO memory`;
//!  2. at 1,000, ~20,000, ~110,000 and ~1,010,000 queued, position look-ups of random
//!     queued people, through the status script and through `GET /queue/{id}/status`
//!     over loopback HTTP, p50/p99: the look-up is ZRANK, so it should stay flat;
//!  3. `POST /queue/{id}/enter` over HTTP by BENCH_QUEUE_API_USERS (default 20,000)
//!     signed-in users, half at ~10,000 queued and half with a million, beside the
//!     same two MariaDB reads an enter makes (session check, room settings) through core;
//!  4. BENCH_SSE_CLIENTS (default 10,000) clients, in a child process of this binary so
//!     each side has its own file descriptors, open `GET /queue/{id}/events` and listen
//!     for BENCH_SSE_SECONDS (default 20) while admission runs at 1,000 people a second,
//!     which moves every listener's position each second.
//!
//! The per-address limit is raised for the run: every client here is 127.0.0.1.
//! Clients and server share this machine's cores.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use marquee_api::AppState;
use marquee_core::accounts::tokens::TokenKeys;
use marquee_core::accounts::{AuthService, Role};
use marquee_core::db;
use marquee_core::queue::settings::RoomSettings;
use marquee_core::queue::store::{RoomCopy, Standing, StreamSlot, Throttle};
use marquee_core::queue::WaitingRoom;
use rand::Rng;
use sqlx::MySqlPool;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

mod support;
use support::{
    env_usize, resident_bytes, run_partitioned, schedule_with_seats, BenchDb, Stats, SECRET,
};

/// Queue members made up by the fill have ids from here on, clear of real users' ids.
const SYNTHETIC: i64 = 1_000_000_000;
const CHILD_ROLE: &str = "QUEUE_BENCH_ROLE";

#[tokio::main]
async fn main() {
    if std::env::var(CHILD_ROLE).as_deref() == Ok("sse-clients") {
        return sse_clients().await;
    }
    let queued = env_usize("BENCH_QUEUE_USERS", 1_000_000).max(1_000) as i64;
    let api_users = env_usize("BENCH_QUEUE_API_USERS", 20_000).max(2);
    let streams = env_usize("BENCH_SSE_CLIENTS", 10_000);
    let stream_secs = env_usize("BENCH_SSE_SECONDS", 20);
    let lookups = env_usize("BENCH_LOOKUPS", 5_000);
    let clients = env_usize("BENCH_CLIENTS", 32);

    let bench_db = BenchDb::create().await;
    let pool = bench_db.pool.clone();
    let prefix = format!("bench-queue-{:08x}", rand::thread_rng().gen::<u32>());
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let config = bench_db.config(&[
        ("REDIS_URL", &redis_url),
        ("QUEUE_KEY_PREFIX", &prefix),
        ("QUEUE_LIMIT_PER_ADDRESS", "1000000"),
    ]);
    let state = AppState::new(db::connect(&bench_db.url).await.unwrap(), &config);
    let room = state.waiting_room.clone();
    let auth = state.auth.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let app = marquee_api::app(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();

    let (schedule, _) = schedule_with_seats(&pool, 100).await;
    let settings = RoomSettings {
        enabled: true,
        admission_rate: 1_000,
        active_cap: 1_000_000,
        active_window_secs: 600,
        auto_before_secs: None,
    };
    let opened = room.configure(schedule, &settings).await.unwrap();
    let copy = RoomCopy {
        admission_rate: settings.admission_rate,
        opens_at_ms: opened.booking_opens_at.timestamp_millis(),
    };
    let users = Arc::new(signed_in_users(&pool, api_users).await);
    let mut redis = redis::Client::open(redis_url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let memory_before = used_memory(&mut redis).await;

    let mut fills = Vec::new();
    let mut look_ups = Vec::new();
    let mut api_enters = Vec::new();
    let mut filled = 0;
    let mut targets: Vec<i64> = [1_000, 10_000, 100_000, 1_000_000]
        .into_iter()
        .filter(|&t| t < queued)
        .collect();
    targets.push(queued);
    for target in targets {
        fills.push(fill(&room, schedule, copy, filled, target, clients).await);
        filled = target;
        if target == 10_000.min(queued) {
            let half = &(0..api_users / 2).collect::<Vec<_>>();
            let size = room.store().sizes(schedule).await.unwrap().waiting;
            let reads = mysql_reads(&auth, &room, &users, schedule, clients, half).await;
            let enters = api_enter(&http, &base, &users, schedule, clients, half).await;
            api_enters.push((size, reads, enters));
        }
        let size = room.store().sizes(schedule).await.unwrap().waiting;
        look_ups.push((
            size,
            core_look_ups(&room, schedule, filled, lookups, clients).await,
            api_look_ups(&room, &http, &base, schedule, filled, lookups, clients).await,
        ));
    }
    let memory_after = used_memory(&mut redis).await;
    let rest = &(api_users / 2..api_users).collect::<Vec<_>>();
    let size = room.store().sizes(schedule).await.unwrap().waiting;
    let reads = mysql_reads(&auth, &room, &users, schedule, clients, rest).await;
    let enters = api_enter(&http, &base, &users, schedule, clients, rest).await;
    api_enters.push((size, reads, enters));

    let fill_total = Stats {
        label: "core: enter script, no HTTP (the fill)",
        elapsed: fills.iter().map(|s| s.elapsed).sum(),
        latencies: fills.iter().flat_map(|s| s.latencies.clone()).collect(),
    };
    println!("\nqueue: {size} waiting; clients: {clients}; look-ups per point: {lookups}\n");
    println!("| phase | operations | per second | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|");
    println!("{}", fill_total.row());
    for (queued, reads, enters) in &api_enters {
        println!(
            "{}",
            reads.row_labelled(&format!("core: the enter's MariaDB reads, {queued} queued"))
        );
        println!(
            "{}",
            enters.row_labelled(&format!("api: POST /enter, {queued} queued"))
        );
    }
    println!("\n| queued | look-up | per second | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|");
    for (size, core, api) in &look_ups {
        println!(
            "| {size} | status script | {:.0} | {:.2} | {:.2} |",
            core.per_second(),
            core.percentile_ms(0.5),
            core.percentile_ms(0.99)
        );
        println!(
            "| {size} | GET /status | {:.0} | {:.2} | {:.2} |",
            api.per_second(),
            api.percentile_ms(0.5),
            api.percentile_ms(0.99)
        );
    }
    let (first, last) = (&look_ups[0], &look_ups[look_ups.len() - 1]);
    println!(
        "\nlargest / smallest queue ({} / {}): status script p50 x{:.2}, p99 x{:.2}; GET /status p50 x{:.2}, p99 x{:.2}",
        last.0,
        first.0,
        last.1.percentile_ms(0.5) / first.1.percentile_ms(0.5),
        last.1.percentile_ms(0.99) / first.1.percentile_ms(0.99),
        last.2.percentile_ms(0.5) / first.2.percentile_ms(0.5),
        last.2.percentile_ms(0.99) / first.2.percentile_ms(0.99),
    );
    for (queued, reads, enters) in &api_enters {
        println!(
            "{queued} queued: api enter / its MariaDB reads {:.2}; api enter / enter script {:.2}",
            enters.per_second() / reads.per_second(),
            enters.per_second() / fill_total.per_second(),
        );
    }
    println!(
        "Redis memory: {:.1} MiB for {filled} queued by the fill, {:.0} bytes each",
        (memory_after - memory_before) as f64 / 1_048_576.0,
        (memory_after - memory_before) as f64 / filled as f64
    );

    if streams > 0 {
        let first_listener = (filled / 5).min(filled - streams as i64).max(0);
        let tokens: Vec<String> = (0..streams as i64)
            .map(|i| {
                room.passes()
                    .queue_token(SYNTHETIC + first_listener + i + 1, schedule)
                    .unwrap()
            })
            .collect();
        let url = format!("{base}/queue/{schedule}/events");
        fan_out(&room, &url, &tokens, stream_secs).await;
    }

    room.store().purge().await.unwrap();
    bench_db.drop().await;
}

/// Users with a live session and an access token, made in bulk.
async fn signed_in_users(pool: &MySqlPool, count: usize) -> Vec<String> {
    for chunk in (0..count).collect::<Vec<_>>().chunks(1_000) {
        let rows = vec!["(?, 'x', 'queue-bench')"; chunk.len()].join(", ");
        let sql = format!("insert into users (email, password_hash, nickname) values {rows}");
        let mut insert = sqlx::query(&sql);
        for i in chunk {
            insert = insert.bind(format!("queue{i}@example.com"));
        }
        insert.execute(pool).await.unwrap();
    }
    sqlx::query("insert into auth_sessions (user_id) select id from users order by id")
        .execute(pool)
        .await
        .unwrap();
    let sessions: Vec<(i64, i64)> =
        sqlx::query_as("select user_id, id from auth_sessions order by user_id")
            .fetch_all(pool)
            .await
            .unwrap();
    let keys = TokenKeys::new(SECRET, Duration::from_secs(3600), Duration::from_secs(3600));
    sessions
        .into_iter()
        .map(|(user, session)| keys.issue_access(user, session, Role::User).unwrap())
        .collect()
}

/// Enters made-up people `from + 1 ..= to` straight through the store's script.
async fn fill(
    room: &WaitingRoom,
    schedule: i64,
    copy: RoomCopy,
    from: i64,
    to: i64,
    workers: usize,
) -> Stats {
    let ids: Vec<i64> = (from + 1..=to).map(|i| SYNTHETIC + i).collect();
    let room = room.clone();
    run_partitioned(
        "core: enter script, no HTTP",
        workers,
        &ids,
        move |_, user| {
            let room = room.clone();
            async move {
                let standing = room
                    .store()
                    .enter(schedule, user, None, copy, &Throttle::none())
                    .await
                    .unwrap();
                matches!(standing, Standing::Waiting { .. })
            }
        },
    )
    .await
}

/// The two MariaDB reads of an enter, through core: the session check and the room's
/// settings. With Redis a round trip away, these bound how fast people can enter.
async fn mysql_reads(
    auth: &AuthService,
    room: &WaitingRoom,
    users: &Arc<Vec<String>>,
    schedule: i64,
    workers: usize,
    which: &[usize],
) -> Stats {
    let (auth, room, users) = (auth.clone(), room.clone(), users.clone());
    let items: Vec<i64> = which.iter().map(|&i| i as i64).collect();
    run_partitioned(
        "core: session check + room read",
        workers,
        &items,
        move |_, i| {
            let (auth, room, users) = (auth.clone(), room.clone(), users.clone());
            async move {
                auth.authenticate(&users[i as usize]).await.is_ok()
                    && room.room(schedule).await.is_ok_and(|r| r.active)
            }
        },
    )
    .await
}

async fn api_enter(
    http: &reqwest::Client,
    base: &str,
    users: &Arc<Vec<String>>,
    schedule: i64,
    workers: usize,
    which: &[usize],
) -> Stats {
    let (http, base, users) = (http.clone(), base.to_string(), users.clone());
    let items: Vec<i64> = which.iter().map(|&i| i as i64).collect();
    run_partitioned("api: POST /enter", workers, &items, move |_, i| {
        let (http, base, users) = (http.clone(), base.clone(), users.clone());
        async move {
            let response = http
                .post(format!("{base}/queue/{schedule}/enter"))
                .bearer_auth(&users[i as usize])
                .send()
                .await
                .unwrap();
            response.status() == 200
        }
    })
    .await
}

/// Random people among the first `filled` made-up ones.
fn sample(filled: i64, count: usize) -> Vec<i64> {
    let mut rng = rand::thread_rng();
    (0..count)
        .map(|_| SYNTHETIC + rng.gen_range(1..=filled))
        .collect()
}

async fn core_look_ups(
    room: &WaitingRoom,
    schedule: i64,
    filled: i64,
    count: usize,
    workers: usize,
) -> Stats {
    let room = room.clone();
    run_partitioned(
        "core: status script",
        workers,
        &sample(filled, count),
        move |_, user| {
            let room = room.clone();
            async move {
                let standing = room
                    .store()
                    .status(schedule, user, &Throttle::none(), StreamSlot::None)
                    .await
                    .unwrap();
                matches!(standing, Standing::Waiting { .. })
            }
        },
    )
    .await
}

async fn api_look_ups(
    room: &WaitingRoom,
    http: &reqwest::Client,
    base: &str,
    schedule: i64,
    filled: i64,
    count: usize,
    workers: usize,
) -> Stats {
    let (room, http, base) = (room.clone(), http.clone(), base.to_string());
    run_partitioned(
        "api: GET /status",
        workers,
        &sample(filled, count),
        move |_, user| {
            let token = room.passes().queue_token(user, schedule).unwrap();
            let (http, base) = (http.clone(), base.clone());
            async move {
                let response = http
                    .get(format!("{base}/queue/{schedule}/status"))
                    .header("x-queue-token", token)
                    .send()
                    .await
                    .unwrap();
                response.status() == 200
            }
        },
    )
    .await
}

async fn used_memory(redis: &mut redis::aio::MultiplexedConnection) -> i64 {
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(redis)
        .await
        .unwrap();
    info.lines()
        .find_map(|line| line.strip_prefix("used_memory:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap()
}

/// Runs the listening clients in a child process, admission here, and reports both.
async fn fan_out(room: &WaitingRoom, url: &str, tokens: &[String], seconds: usize) {
    let resident_before = resident_bytes();
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ROLE, "sse-clients")
        .env("QUEUE_BENCH_URL", url)
        .env("BENCH_SSE_SECONDS", seconds.to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all((tokens.join("\n") + "\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let connected = lines
        .next_line()
        .await
        .unwrap()
        .expect("the clients report");
    let resident_after = resident_bytes();
    println!("\nSSE fan-out, {} clients in a child process", tokens.len());
    println!("{connected}");
    println!(
        "server process memory: {:.1} MiB more with the streams open, {:.1} KiB per stream",
        (resident_after as f64 - resident_before as f64) / 1_048_576.0,
        (resident_after as f64 - resident_before as f64) / 1024.0 / tokens.len() as f64
    );

    let admitted = Arc::new(AtomicU64::new(0));
    let ticking = {
        let (room, admitted) = (room.clone(), admitted.clone());
        tokio::spawn(async move {
            loop {
                let n = room.admit_all().await.unwrap();
                admitted.fetch_add(n, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    let started = Instant::now();
    while let Some(line) = lines.next_line().await.unwrap() {
        println!("{line}");
    }
    ticking.abort();
    child.wait().await.unwrap();
    println!(
        "admitted while listening: {} in {:.1} s",
        admitted.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
}

/// The child: opens one event stream per token read from stdin, reports once all are
/// open, listens for BENCH_SSE_SECONDS, reports what arrived.
async fn sse_clients() {
    let url = std::env::var("QUEUE_BENCH_URL").unwrap();
    let seconds = env_usize("BENCH_SSE_SECONDS", 20) as u64;
    let mut tokens = Vec::new();
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = stdin.next_line().await.unwrap() {
        tokens.push(line);
    }
    let http = reqwest::Client::builder().build().unwrap();
    // Connections open a few hundred at a time, as a crowd arriving over seconds would.
    let opening = Arc::new(tokio::sync::Semaphore::new(256));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (opened_tx, mut opened_rx) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let (http, url, opening, opened) =
                (http.clone(), url.clone(), opening.clone(), opened_tx.clone());
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let mut permit = Some(opening.acquire_owned().await.unwrap());
                let asked = Instant::now();
                let mut events: Vec<Instant> = Vec::new();
                let response = http.get(format!("{url}?token={token}")).send().await;
                let mut response = match response {
                    Ok(r) if r.status() == 200 => r,
                    _ => {
                        let _ = opened.send(None);
                        return events;
                    }
                };
                let mut pending = String::new();
                let mut first = true;
                loop {
                    tokio::select! {
                        chunk = response.chunk() => match chunk {
                            Ok(Some(bytes)) => {
                                pending.push_str(&String::from_utf8_lossy(&bytes));
                                while let Some(end) = pending.find("\n\n") {
                                    let block: String = pending.drain(..end + 2).collect();
                                    if block.contains("event: status") || block.contains("event:status") {
                                        events.push(Instant::now());
                                        if first {
                                            first = false;
                                            permit.take();
                                            let _ = opened.send(Some(asked.elapsed()));
                                        }
                                    }
                                }
                            }
                            _ => break,
                        },
                        _ = stopped.changed() => break,
                    }
                }
                if first {
                    let _ = opened.send(None); // ended before its first event
                }
                events
            })
        })
        .collect();
    drop(opened_tx);
    let total = tasks.len();
    let mut first_events = Vec::new();
    let mut failed = 0;
    while first_events.len() + failed < total {
        match opened_rx.recv().await {
            Some(Some(latency)) => first_events.push(latency),
            Some(None) => failed += 1,
            None => break,
        }
    }
    let open_secs = started.elapsed().as_secs_f64();
    first_events.sort();
    let pct = |p: f64| {
        first_events
            .get(((first_events.len().max(1) - 1) as f64 * p).round() as usize)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    println!(
        "open: {} streams in {open_secs:.1} s ({:.0} per second), {failed} refused; first event after the request p50 {:.1} ms, p99 {:.1} ms",
        first_events.len(),
        first_events.len() as f64 / open_secs,
        pct(0.5),
        pct(0.99)
    );
    let from = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let to = Instant::now();
    stop.send(true).unwrap();
    let mut per_client = Vec::new();
    let mut gaps = Vec::new();
    for task in tasks {
        let events = task.await.unwrap();
        let window: Vec<Instant> = events
            .into_iter()
            .filter(|t| *t >= from && *t <= to)
            .collect();
        per_client.push(window.len());
        gaps.extend(window.windows(2).map(|w| w[1] - w[0]));
    }
    per_client.sort();
    gaps.sort();
    let received: usize = per_client.iter().sum();
    let gap = |p: f64| {
        gaps.get(((gaps.len().max(1) - 1) as f64 * p).round() as usize)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    let span = (to - from).as_secs_f64();
    println!(
        "listen: {received} status events in {span:.1} s = {:.0} per second (at most {} possible: one per client per second)",
        received as f64 / span,
        per_client.len()
    );
    println!(
        "per client: median {} events, fewest {}, most {}; gap between a client's events p50 {:.0} ms, p99 {:.0} ms",
        per_client.get(per_client.len() / 2).copied().unwrap_or(0),
        per_client.first().copied().unwrap_or(0),
        per_client.last().copied().unwrap_or(0),
        gap(0.5),
        gap(0.99)
    );
}
