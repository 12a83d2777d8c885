//! Booking benchmark: hold + purchase over real HTTP against the database's own ceiling.
//!
//! Run with `scripts/bench` (it starts the services). In one process and one run:
//!  1. ceiling: the hold's conditional UPDATE + COMMIT issued directly on the pool, by
//!     the same number of concurrent workers, on distinct seats, both inside BEGIN ...
//!     COMMIT and as one autocommit statement;
//!  2. core: the same hold (and hold + purchase) transactions through `marquee-core`,
//!     no HTTP;
//!  3. api, distinct seats: clients POST /holds, then hold + purchase, over loopback
//!     HTTP to the real router (auth, JSON, metrics and tracing layers included);
//!  4. api, hot seat: every client fights for one seat; the winner releases it at once;
//!  5. core, with the per-person limit: phase 2's hold plus the user-row lock and the
//!     counts of held seats and tickets that `MAX_TICKETS_PER_SCHEDULE` adds;
//!  6. api, with the per-person limit: phase 3 against a second router configured as
//!     the api is by default (the limit on).
//!
//! Phases 1 to 3, 5 and 6 (single-seat holds) run interleaved for BENCH_ROUNDS rounds (default
//! 5) and report medians; the API is judged against the faster of the two ceilings.
//! Knobs: BENCH_CLIENTS (default 32), BENCH_SEATS per phase (default 10000),
//! BENCH_HOT_SECONDS (default 10). Server and clients share this machine's cores.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use marquee_api::AppState;
use marquee_core::accounts::tokens::TokenKeys;
use marquee_core::accounts::Caller;
use marquee_core::booking::booking_fee::BookingFee;
use marquee_core::booking::holds::{self, no_room, HoldRules};
use marquee_core::booking::purchase;
use marquee_core::db;
use serde_json::{json, Value};
use sqlx::MySqlPool;

mod support;
use support::{
    env_usize, funded_user, run_partitioned, schedule_with_seats, BenchDb, Stats, SECRET,
};

/// Purchases pay the default booking fee, as they do in production, all seats 일반.
const PLAIN: purchase::Terms<'static> = purchase::Terms {
    booking_fee: BookingFee::per_ticket(BookingFee::KOREAN_DEFAULT),
    kinds: &[],
    coupon_id: None,
};

/// A bench user: who they are to core, and their access token for HTTP.
struct BenchUser {
    caller: Caller,
    token: String,
}

/// Users with a live session, an access token and plenty of points.
async fn users(pool: &MySqlPool, count: usize) -> Vec<BenchUser> {
    let keys = TokenKeys::new(SECRET, Duration::from_secs(3600), Duration::from_secs(3600));
    let mut users = Vec::new();
    for i in 0..count {
        let caller = funded_user(pool, &format!("bench{i}@example.com")).await;
        users.push(BenchUser {
            caller,
            token: keys
                .issue_access(
                    caller.user_id,
                    caller.session_id,
                    marquee_core::accounts::Role::User,
                )
                .unwrap(),
        });
    }
    users
}

async fn post_hold(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    schedule: i64,
    seat: i64,
) -> reqwest::Response {
    http.post(format!("{base}/holds"))
        .bearer_auth(token)
        .json(&json!({"schedule_id": schedule, "seat_ids": [seat]}))
        .send()
        .await
        .unwrap()
}

/// The hold's conditional update + commit, straight on the pool: the ceiling. Two
/// forms: inside BEGIN ... COMMIT (what a several-seat hold issues), and as one
/// autocommit statement (what a one-seat hold issues). The API is held to the faster.
async fn ceiling_phase(pool: &MySqlPool, clients: usize, seats: usize, autocommit: bool) -> Stats {
    let (schedule, seats) = schedule_with_seats(pool, seats).await;
    let p = pool.clone();
    let label = if autocommit {
        "db ceiling: conditional UPDATE, autocommit"
    } else {
        "db ceiling: BEGIN, conditional UPDATE, COMMIT"
    };
    run_partitioned(label, clients, &seats, move |worker, seat| {
        let pool = p.clone();
        async move {
            let take = sqlx::query(
                "update seats force index (primary)
                 set hold_id = ?, hold_expires_at = current_timestamp(6) + interval 5 minute
                 where schedule_id = ? and not is_sold
                   and (hold_expires_at is null or hold_expires_at <= current_timestamp(6)) and id in (?)",
            )
            .bind(-(worker as i64) - 1) // no real hold has a negative id
            .bind(schedule)
            .bind(seat);
            let changed = if autocommit {
                take.execute(&pool).await.unwrap().rows_affected()
            } else {
                let mut tx = pool.begin().await.unwrap();
                let changed = take.execute(&mut *tx).await.unwrap().rows_affected();
                tx.commit().await.unwrap();
                changed
            };
            changed == 1
        }
    })
    .await
}

/// The whole hold transaction through marquee-core, no HTTP.
async fn core_hold_phase(
    label: &'static str,
    pool: &MySqlPool,
    users: &Arc<Vec<BenchUser>>,
    rules: HoldRules,
    clients: usize,
    seats: usize,
) -> Stats {
    let (schedule, seats) = schedule_with_seats(pool, seats).await;
    let (p, u) = (pool.clone(), users.clone());
    run_partitioned(label, clients, &seats, move |worker, seat| {
        let (pool, users) = (p.clone(), u.clone());
        async move {
            holds::create(
                &pool,
                rules,
                users[worker].caller,
                schedule,
                &[seat],
                false,
                no_room,
            )
            .await
            .is_ok()
        }
    })
    .await
}

/// POST /holds over loopback HTTP to the real router.
async fn api_hold_phase(
    label: &'static str,
    pool: &MySqlPool,
    http: &reqwest::Client,
    base: &str,
    users: &Arc<Vec<BenchUser>>,
    clients: usize,
    seats: usize,
) -> Stats {
    let (schedule, seats) = schedule_with_seats(pool, seats).await;
    let (h, u, b) = (http.clone(), users.clone(), base.to_string());
    run_partitioned(label, clients, &seats, move |worker, seat| {
        let (http, users, base) = (h.clone(), u.clone(), b.clone());
        async move {
            post_hold(&http, &base, &users[worker].token, schedule, seat)
                .await
                .status()
                == 201
        }
    })
    .await
}

/// The real router on a loopback port with its own pool; answers its API base URL.
async fn serve(url: &str, config: &marquee_core::config::Config) -> String {
    let api_pool = db::connect(url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let app = marquee_api::app(AppState::new(api_pool, config));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::main]
async fn main() {
    let clients = env_usize("BENCH_CLIENTS", 32);
    let seats_per_phase = env_usize("BENCH_SEATS", 10_000);
    let hot_seconds = env_usize("BENCH_HOT_SECONDS", 10) as u64;
    let rounds_count = env_usize("BENCH_ROUNDS", 5).max(1);
    let bench_db = BenchDb::create().await;
    let pool = bench_db.pool.clone();
    let users = Arc::new(users(&pool, clients).await);

    // Each bench user books far more than four seats of the one schedule, so the
    // per-person limit is off here (as on the api's side below).
    let rules = HoldRules {
        ttl: Duration::from_secs(300),
        max_seats: 4,
        max_per_schedule: 0,
    };
    let config = bench_db.config(&[("MAX_TICKETS_PER_SCHEDULE", "0")]);
    // The same hold with the limit's user-row lock and counts (set high enough that it
    // never refuses: each bench user holds about 300 seats of one schedule), as the api
    // runs by default.
    let limited = HoldRules {
        max_per_schedule: 1_000,
        ..rules
    };
    let base = serve(&bench_db.url, &config).await;
    let limited_base = serve(
        &bench_db.url,
        &bench_db.config(&[("MAX_TICKETS_PER_SCHEDULE", "1000")]),
    )
    .await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();

    // Phases 1-3 interleaved over several rounds: this machine is shared and noisy, so
    // each round's ratio compares phases run seconds apart, and medians are reported.
    let mut rounds: Vec<[Stats; 6]> = Vec::new();
    for _ in 0..rounds_count {
        rounds.push([
            ceiling_phase(&pool, clients, seats_per_phase, false).await,
            ceiling_phase(&pool, clients, seats_per_phase, true).await,
            core_hold_phase(
                "core: hold, no HTTP",
                &pool,
                &users,
                rules,
                clients,
                seats_per_phase,
            )
            .await,
            api_hold_phase(
                "api: POST /holds (1 seat)",
                &pool,
                &http,
                &base,
                &users,
                clients,
                seats_per_phase,
            )
            .await,
            core_hold_phase(
                "core: hold with the per-person limit, no HTTP",
                &pool,
                &users,
                limited,
                clients,
                seats_per_phase,
            )
            .await,
            api_hold_phase(
                "api: POST /holds with the per-person limit",
                &pool,
                &http,
                &limited_base,
                &users,
                clients,
                seats_per_phase,
            )
            .await,
        ]);
    }

    let (schedule, seats) = schedule_with_seats(&pool, seats_per_phase).await;
    let (p, u) = (pool.clone(), users.clone());
    let core = run_partitioned(
        "core: hold + purchase, no HTTP",
        clients,
        &seats,
        move |worker, seat| {
            let (pool, users) = (p.clone(), u.clone());
            async move {
                let user = users[worker].caller;
                let hold = holds::create(&pool, rules, user, schedule, &[seat], false, no_room)
                    .await
                    .unwrap();
                match purchase::purchase(&pool, user, hold.id, PLAIN, None).await {
                    Ok(_) => true,
                    Err(err) => {
                        eprintln!("purchase failed: {err:?}");
                        false
                    }
                }
            }
        },
    )
    .await;

    let (schedule, seats) = schedule_with_seats(&pool, seats_per_phase).await;
    let (h, u, b) = (http.clone(), users.clone(), base.clone());
    let api_pair = run_partitioned(
        "api: hold + purchase",
        clients,
        &seats,
        move |worker, seat| {
            let (http, users, base) = (h.clone(), u.clone(), b.clone());
            async move {
                let token = &users[worker].token;
                let hold: Value = post_hold(&http, &base, token, schedule, seat)
                    .await
                    .json()
                    .await
                    .unwrap();
                let bought = http
                    .post(format!("{base}/holds/{}/purchase", hold["id"]))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                bought.status() == 201
            }
        },
    )
    .await;

    // 4. Hot seat: everyone wants one seat; a winner releases it straight away so the
    //    fight goes on for the whole window.
    let (schedule, seats) = schedule_with_seats(&pool, 1).await;
    let hot = seats[0];
    let counts: Arc<[AtomicUsize; 4]> = Arc::new(Default::default());
    let deadline = Instant::now() + Duration::from_secs(hot_seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|worker| {
            let (http, users, base, counts) =
                (http.clone(), users.clone(), base.clone(), counts.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let response =
                        post_hold(&http, &base, &users[worker].token, schedule, hot).await;
                    latencies.push(t.elapsed());
                    let status = response.status().as_u16();
                    let slot = match status {
                        201 => 0,
                        409 => 1,
                        500..=599 => 2,
                        _ => 3,
                    };
                    counts[slot].fetch_add(1, Ordering::Relaxed);
                    if status == 201 {
                        let hold: Value = response.json().await.unwrap();
                        http.delete(format!("{base}/holds/{}", hold["id"]))
                            .bearer_auth(&users[worker].token)
                            .send()
                            .await
                            .unwrap();
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let hot_stats = Stats {
        label: "api: hot seat POST /holds",
        elapsed: started.elapsed(),
        latencies,
    };
    // A live hold must still own every seat it took; a seat can only name one hold.
    let broken_holds: i64 = sqlx::query_scalar(
        "select count(*) from (select hold_id from seats
           where hold_expires_at > current_timestamp(6) and not is_sold
           group by hold_id having count(*) <> max(hold_seat_count)) broken",
    )
    .fetch_one(&pool)
    .await
    .unwrap();

    println!("\nclients: {clients}, seats per phase: {seats_per_phase}, rounds: {rounds_count}, hot-seat window: {hot_seconds}s\n");
    println!("| phase | operations | per second | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|");
    for phase in 0..6 {
        let mut by_rate: Vec<&Stats> = rounds.iter().map(|round| &round[phase]).collect();
        by_rate.sort_by(|a, b| a.per_second().total_cmp(&b.per_second()));
        let median = by_rate[by_rate.len() / 2];
        println!(
            "{}",
            median.row_labelled(&format!("{} (median of {rounds_count})", median.label))
        );
    }
    for stats in [&core, &api_pair, &hot_stats] {
        println!("{}", stats.row());
    }
    let median_ratio = |num: usize, den: usize| {
        let mut ratios: Vec<f64> = rounds
            .iter()
            .map(|r| r[num].per_second() / r[den].per_second())
            .collect();
        ratios.sort_by(f64::total_cmp);
        let all: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
        format!(
            "{:.2} (rounds: {})",
            ratios[ratios.len() / 2],
            all.join(", ")
        )
    };
    println!();
    // The target is judged against the faster ceiling of each round.
    let mut strict: Vec<f64> = rounds
        .iter()
        .map(|r| r[3].per_second() / r[0].per_second().max(r[1].per_second()))
        .collect();
    strict.sort_by(f64::total_cmp);
    let all: Vec<String> = strict.iter().map(|r| format!("{r:.2}")).collect();
    println!(
        "api holds / faster db ceiling:      {:.2} (rounds: {})",
        strict[strict.len() / 2],
        all.join(", ")
    );
    println!("api holds / autocommit ceiling:     {}", median_ratio(3, 1));
    println!("api holds / transaction ceiling:    {}", median_ratio(3, 0));
    println!("core hold / autocommit ceiling:     {}", median_ratio(2, 1));
    println!("api holds / core hold (no HTTP):    {}", median_ratio(3, 2));
    println!("core hold, limit on / limit off:    {}", median_ratio(4, 2));
    println!(
        "api holds, limit on / core, limit on: {}",
        median_ratio(5, 4)
    );
    println!(
        "api holds, limit on / transaction ceiling: {}",
        median_ratio(5, 0)
    );
    println!(
        "api hold+purchase / core (no HTTP): {:.2}",
        api_pair.per_second() / core.per_second()
    );
    println!(
        "hot seat: {} won (201), {} refused (409), {} server errors (5xx), {} other; live holds missing a seat: {broken_holds}",
        counts[0].load(Ordering::Relaxed),
        counts[1].load(Ordering::Relaxed),
        counts[2].load(Ordering::Relaxed),
        counts[3].load(Ordering::Relaxed),
    );
    bench_db.drop().await;
}
