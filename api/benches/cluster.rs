//! The on-sale mix through the load balancer of `scripts/cluster`: two api nodes,
//! a MariaDB primary with a read replica, a Redis Cluster, HAProxy in front.
//!
//! Run with `scripts/bench cluster`, which starts the cluster in each configuration
//! (replica on and off, 3 and 1 Redis shards) and runs this binary against it. One run
//! of this binary, against the cluster as it is:
//!  1. set-up: BENCH_USERS (default 200) accounts signed up (or logged in again) over
//!     HTTP, a waiting room switched on for one schedule (admitting one person a
//!     second, so nearly everyone stays WAITING) and every user entered into it;
//!  2. `mix`: BENCH_CONCURRENCY (default 64) clients for BENCH_SECS (default 20): 60 %
//!     show pages (`GET /shows/{id}`), 10 % seat maps, 25 % queue status polls and 5 %
//!     one-seat holds on open schedules (each hold that succeeds is released at once,
//!     and the release is not counted). The primary's and the replica's statement
//!     counts (`Questions`) before and after give the primary's load per request served;
//!  3. `status`: the same clients only poll queue positions for BENCH_SECS.
//!
//! Each answer must be 2xx, or 409 for a hold that lost its seat; anything else is
//! counted as an error and reported. Clients, nodes, balancer and databases share this
//! machine's cores: compare the configurations by ratio, in one session.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::MySqlPool;

mod support;
use support::{env_usize, Stats};

struct Target {
    base: String,
    client: Client,
}

impl Target {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let body = response.json::<Value>().await.unwrap_or(Value::Null);
                (status, body)
            }
            Err(_) => (StatusCode::BAD_GATEWAY, Value::Null),
        }
    }
}

struct User {
    token: String,
    queue_token: String,
}

/// A user's access token: signed up the first time, logged in on later runs.
async fn sign_in(target: &Target, n: usize) -> String {
    let email = format!("bench-{n}@cluster.bench");
    let password = "cluster-bench-password";
    let _ = target
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/signup",
            None,
            Some(json!({"email": email, "password": password, "nickname": format!("bench{n}")})),
        )
        .await;
    let (status, body) = target
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "login {email}: {body}");
    body["access_token"].as_str().unwrap().to_string()
}

/// The server's count of statements clients sent it.
async fn questions(pool: &MySqlPool) -> u64 {
    let (_, value): (String, String) = sqlx::query_as("show global status like 'Questions'")
        .fetch_one(pool)
        .await
        .unwrap();
    value.parse().unwrap()
}

#[derive(Clone, Copy)]
enum Kind {
    ShowPage,
    SeatMap,
    QueueStatus,
    Hold,
}

const KINDS: [(Kind, &str); 4] = [
    (Kind::ShowPage, "show page"),
    (Kind::SeatMap, "seat map"),
    (Kind::QueueStatus, "queue status"),
    (Kind::Hold, "hold"),
];

struct Catalog {
    shows: Vec<i64>,
    /// (show, schedule, seats) of schedules on sale without a waiting room.
    open: Vec<(i64, i64, Vec<i64>)>,
    queue_schedule: i64,
}

async fn catalog(target: &Target) -> Catalog {
    let (_, list) = target
        .call(reqwest::Method::GET, "/api/v1/shows?limit=100", None, None)
        .await;
    let shows: Vec<i64> = list["items"]
        .as_array()
        .expect("the demo catalog is loaded")
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    let now = chrono::Utc::now();
    let mut open = Vec::new();
    for show in &shows {
        let (_, detail) = target
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/shows/{show}"),
                None,
                None,
            )
            .await;
        let opens: chrono::DateTime<chrono::Utc> = detail["booking_opens_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        if opens > now {
            continue;
        }
        for schedule in detail["schedules"].as_array().unwrap() {
            let starts: chrono::DateTime<chrono::Utc> =
                schedule["starts_at"].as_str().unwrap().parse().unwrap();
            if starts > now + chrono::Duration::days(1) && open.len() < 21 {
                let id = schedule["id"].as_i64().unwrap();
                let (_, seats) = target
                    .call(
                        reqwest::Method::GET,
                        &format!("/api/v1/shows/{show}/schedules/{id}/seats"),
                        None,
                        None,
                    )
                    .await;
                let seat_ids: Vec<i64> = seats["seats"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["id"].as_i64().unwrap())
                    .collect();
                // Areas sold by count only (an exhibition's entry) have no seat to hold.
                if !seat_ids.is_empty() {
                    open.push((*show, id, seat_ids));
                }
            }
        }
    }
    assert!(open.len() > 1, "no open schedules in the catalog");
    // The first open schedule gets the waiting room; holds go to the others.
    let (_, queue_schedule, _) = open.remove(0);
    Catalog {
        shows,
        open,
        queue_schedule,
    }
}

struct Tally {
    stats: Vec<Vec<Duration>>,
    errors: Vec<u64>,
}

async fn run(
    target: Arc<Target>,
    catalog: Arc<Catalog>,
    users: Arc<Vec<User>>,
    secs: u64,
    mix: bool,
    concurrency: usize,
) -> (Tally, Duration) {
    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let released = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (target, catalog, users, released) = (
                target.clone(),
                catalog.clone(),
                users.clone(),
                released.clone(),
            );
            tokio::spawn(async move {
                let mut tally = Tally {
                    stats: vec![Vec::new(); KINDS.len()],
                    errors: vec![0; KINDS.len()],
                };
                while Instant::now() < until {
                    let (kind, user, show, open, seat) = {
                        let mut rng = rand::thread_rng();
                        let roll: f64 = if mix { rng.gen() } else { 0.8 };
                        let kind = match roll {
                            r if r < 0.60 => 0,
                            r if r < 0.70 => 1,
                            r if r < 0.95 => 2,
                            _ => 3,
                        };
                        let open = rng.gen_range(0..catalog.open.len());
                        let seat = rng.gen_range(0..catalog.open[open].2.len());
                        (
                            kind,
                            rng.gen_range(0..users.len()),
                            catalog.shows[rng.gen_range(0..catalog.shows.len())],
                            open,
                            seat,
                        )
                    };
                    let user = &users[user];
                    let t = Instant::now();
                    let ok = match KINDS[kind].0 {
                        Kind::ShowPage => {
                            let path = format!("/api/v1/shows/{show}");
                            target
                                .call(reqwest::Method::GET, &path, None, None)
                                .await
                                .0
                                .is_success()
                        }
                        Kind::SeatMap => {
                            let (show, schedule, _) = &catalog.open[open];
                            let path = format!("/api/v1/shows/{show}/schedules/{schedule}/seats");
                            target
                                .call(reqwest::Method::GET, &path, None, None)
                                .await
                                .0
                                .is_success()
                        }
                        Kind::QueueStatus => {
                            let path = format!(
                                "/api/v1/queue/{}/status?token={}",
                                catalog.queue_schedule, user.queue_token
                            );
                            target
                                .call(reqwest::Method::GET, &path, None, None)
                                .await
                                .0
                                .is_success()
                        }
                        Kind::Hold => {
                            let (_, schedule, seats) = &catalog.open[open];
                            let (status, body) = target
                                .call(
                                    reqwest::Method::POST,
                                    "/api/v1/holds",
                                    Some(&user.token),
                                    Some(
                                        json!({"schedule_id": schedule, "seat_ids": [seats[seat]]}),
                                    ),
                                )
                                .await;
                            let elapsed = t.elapsed();
                            if status == StatusCode::CREATED {
                                let path = format!("/api/v1/holds/{}", body["id"]);
                                target
                                    .call(reqwest::Method::DELETE, &path, Some(&user.token), None)
                                    .await;
                                released.fetch_add(1, Ordering::Relaxed);
                            }
                            tally.stats[kind].push(elapsed);
                            if !(status == StatusCode::CREATED || status == StatusCode::CONFLICT) {
                                tally.errors[kind] += 1;
                            }
                            continue;
                        }
                    };
                    tally.stats[kind].push(t.elapsed());
                    if !ok {
                        tally.errors[kind] += 1;
                    }
                }
                tally
            })
        })
        .collect();
    let mut total = Tally {
        stats: vec![Vec::new(); KINDS.len()],
        errors: vec![0; KINDS.len()],
    };
    for worker in workers {
        let tally = worker.await.unwrap();
        for kind in 0..KINDS.len() {
            total.stats[kind].extend(&tally.stats[kind]);
            total.errors[kind] += tally.errors[kind];
        }
    }
    (total, started.elapsed())
}

#[tokio::main]
async fn main() {
    let base = std::env::var("CLUSTER_URL").unwrap_or_else(|_| "http://127.0.0.1:18000".into());
    let label = std::env::var("BENCH_LABEL").unwrap_or_else(|_| "cluster".into());
    let primary_port = env_usize("CLUSTER_PRIMARY_PORT", 18010);
    let replica_port = env_usize("CLUSTER_REPLICA_PORT", 18011);
    let secs = env_usize("BENCH_SECS", 20) as u64;
    let concurrency = env_usize("BENCH_CONCURRENCY", 64);
    let user_count = env_usize("BENCH_USERS", 200);
    let target = Arc::new(Target {
        base,
        client: Client::builder()
            .pool_max_idle_per_host(concurrency)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
    });
    let primary = MySqlPool::connect(&format!("mysql://root@127.0.0.1:{primary_port}/marquee"))
        .await
        .expect("the cluster's primary");
    let replica = MySqlPool::connect(&format!("mysql://root@127.0.0.1:{replica_port}/marquee"))
        .await
        .expect("the cluster's replica");

    let admin = {
        let (status, body) = target
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": "admin@marquee.local", "password": "marquee-admin"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "admin login: {body}");
        body["access_token"].as_str().unwrap().to_string()
    };
    let catalog = Arc::new(catalog(&target).await);
    let (status, body) = target
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/admin/queue/{}", catalog.queue_schedule),
            Some(&admin),
            Some(json!({"enabled": true, "admission_rate": 1, "active_cap": 1, "active_window_secs": 600})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "waiting room: {body}");
    let mut users = Vec::with_capacity(user_count);
    for n in 0..user_count {
        let token = sign_in(&target, n).await;
        let (status, body) = target
            .call(
                reqwest::Method::POST,
                &format!("/api/v1/queue/{}/enter", catalog.queue_schedule),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "enter: {body}");
        let queue_token = body["queue_token"].as_str().unwrap().to_string();
        users.push(User { token, queue_token });
    }
    let users = Arc::new(users);

    println!("| run | phase | kind | requests | per second | p50 ms | p99 ms | errors |");
    println!("|---|---|---|---|---|---|---|---|");
    for (phase, mix) in [("mix", true), ("status", false)] {
        let (primary_before, replica_before) =
            (questions(&primary).await, questions(&replica).await);
        let (tally, elapsed) = run(
            target.clone(),
            catalog.clone(),
            users.clone(),
            secs,
            mix,
            concurrency,
        )
        .await;
        let (primary_after, replica_after) = (questions(&primary).await, questions(&replica).await);
        let mut served = 0;
        let mut all = Vec::new();
        for (kind, (_, name)) in KINDS.iter().enumerate() {
            if tally.stats[kind].is_empty() {
                continue;
            }
            served += tally.stats[kind].len();
            all.extend(&tally.stats[kind]);
            let stats = Stats {
                label: name,
                elapsed,
                latencies: tally.stats[kind].clone(),
            };
            println!(
                "| {label} | {phase} {} | {} |",
                stats.row().trim_end_matches(" |"),
                tally.errors[kind]
            );
        }
        let stats = Stats {
            label: "all",
            elapsed,
            latencies: all,
        };
        let errors: u64 = tally.errors.iter().sum();
        println!(
            "| {label} | {phase} {} | {errors} |",
            stats.row().trim_end_matches(" |")
        );
        println!(
            "| {label} | {phase} | primary statements per request | {:.2} | replica statements per request | {:.2} | | |",
            (primary_after - primary_before) as f64 / served as f64,
            (replica_after - replica_before) as f64 / served as f64,
        );
    }
}
