//! The waiting room on a real Redis Cluster of three masters that each test starts on
//! its own loopback ports (see `tests/support/redis_cluster.rs`). Every schedule's keys
//! share a hash tag, so each script runs whole on the shard that owns the schedule, and
//! schedules spread over the shards.

use std::time::Duration;

use axum::http::StatusCode;

use crate::harness::{ShowFixture, TestApp};
use crate::queue::{
    enter, entered, leave, next_event, open_events, room_on, run_admission, status, users,
};
use crate::redis_cluster::RedisCluster;

/// The hash tag of a schedule's waiting-room keys (see `queue::store`).
fn tag(app: &TestApp, schedule_id: i64) -> String {
    let prefix = &app.config.queue_key_prefix;
    format!("{{{prefix}:{schedule_id}}}")
}

/// Shows on sale until their schedules cover every master; one schedule per master.
async fn one_schedule_per_shard(app: &TestApp, cluster: &RedisCluster) -> Vec<(u16, ShowFixture)> {
    let mut covered: Vec<(u16, ShowFixture)> = Vec::new();
    for _ in 0..60 {
        let show = app.show_on_sale(30, 2).await;
        let master = cluster.master_of(&tag(app, show.schedule_id));
        if covered.iter().all(|(port, _)| *port != master) {
            covered.push((master, show));
        }
        if covered.len() == cluster.ports.len() {
            return covered;
        }
    }
    panic!(
        "60 schedules never covered all {} shards",
        cluster.ports.len()
    );
}

#[tokio::test]
async fn the_waiting_room_keeps_order_pace_and_passes_on_every_shard_of_a_cluster() {
    let cluster = RedisCluster::start(3);
    let url = cluster.url();
    let app = TestApp::with_config(&[("REDIS_URL", &url)]).await;
    let schedules = one_schedule_per_shard(&app, &cluster).await;
    let fans = users(&app, 4).await;

    for (master, show) in &schedules {
        // Two admissions a second, earned by the clock from the first tick: in 0.8 s,
        // one or two of the four, from the head of the queue.
        room_on(&app, show.schedule_id, 2, 100, 600).await;
        let mut tokens = Vec::new();
        for fan in &fans {
            tokens.push(entered(&app, fan, show.schedule_id).await);
        }
        let mut positions = Vec::new();
        for token in &tokens {
            positions.push(status(&app, token, show.schedule_id).await.body["position"].clone());
        }
        assert_eq!(positions, [1, 2, 3, 4], "arrival order on shard {master}");

        run_admission(&app, Duration::from_millis(800)).await;
        let mut states = Vec::new();
        for token in &tokens {
            states.push(status(&app, token, show.schedule_id).await.body["state"].clone());
        }
        let admitted = states.iter().take_while(|s| **s == "ADMITTED").count();
        assert!(
            (1..=2).contains(&admitted) && states[admitted..].iter().all(|s| *s == "WAITING"),
            "paced from the head on shard {master}: {states:?}"
        );
        // The admitted fan's pass lets them hold; a waiting fan without one may not.
        let admitted = status(&app, &tokens[0], show.schedule_id).await;
        let pass = admitted.body["access_token"].as_str().unwrap();
        let held = hold(&app, &fans[0], show, pass).await;
        assert_eq!(held.status, StatusCode::CREATED, "{:?}", held.body);
        let refused = app
            .post(
                "/api/v1/holds",
                Some(&fans[1].token),
                serde_json::json!({"schedule_id": show.schedule_id, "seat_ids": [show.seat_ids[1]]}),
            )
            .await;
        assert_eq!(refused.code(), "QUEUE_TOKEN_REQUIRED");
    }
    // Each master holds the keys of its own schedule.
    for (master, _) in &schedules {
        assert!(cluster.keys_on(*master) > 0, "shard {master} holds no keys");
    }
}

/// The event stream reads through the same script as a status poll, and also claims one
/// of its user's stream slots, a key of the schedule's slot: it follows a place to
/// admission on every shard.
#[tokio::test]
async fn event_streams_follow_a_place_to_admission_on_every_shard() {
    let cluster = RedisCluster::start(3);
    let url = cluster.url();
    let app = TestApp::with_config(&[("REDIS_URL", &url)]).await;
    let schedules = one_schedule_per_shard(&app, &cluster).await;
    let fans = users(&app, 2).await;

    for (master, show) in &schedules {
        room_on(&app, show.schedule_id, 100, 1, 600).await;
        entered(&app, &fans[0], show.schedule_id).await;
        let second = entered(&app, &fans[1], show.schedule_id).await;
        let (opened, mut body) = open_events(&app.router, &second, show.schedule_id).await;
        assert_eq!(opened, StatusCode::OK, "shard {master}");
        let mut buffer = String::new();
        let (_, at_start) = next_event(&mut body, &mut buffer).await.unwrap();
        assert_eq!(at_start["position"], 2, "shard {master}: {at_start:?}");

        // The first fan is admitted (a cap of one keeps the second out), then leaves.
        run_admission(&app, Duration::from_millis(200)).await;
        let (_, moved_up) = next_event(&mut body, &mut buffer).await.unwrap();
        assert_eq!(moved_up["position"], 1, "shard {master}: {moved_up:?}");
        let left = leave(&app, &fans[0], show.schedule_id).await;
        assert_eq!(left.status, StatusCode::NO_CONTENT);
        run_admission(&app, Duration::from_millis(200)).await;
        let (_, admitted) = next_event(&mut body, &mut buffer).await.unwrap();
        assert_eq!(
            admitted["state"], "ADMITTED",
            "shard {master}: {admitted:?}"
        );
        assert!(next_event(&mut body, &mut buffer).await.is_none());
    }
}

#[tokio::test]
async fn rate_limits_count_on_every_shard_and_a_refusal_keeps_the_place() {
    let cluster = RedisCluster::start(3);
    let url = cluster.url();
    let app = TestApp::with_config(&[
        ("REDIS_URL", &url),
        ("QUEUE_LIMIT_PER_USER", "3"),
        ("QUEUE_LIMIT_WINDOW_SECS", "60"),
    ])
    .await;
    let schedules = one_schedule_per_shard(&app, &cluster).await;
    let fans = users(&app, 2).await;

    for (master, show) in &schedules {
        room_on(&app, show.schedule_id, 1, 1, 600).await;
        let token = entered(&app, &fans[0], show.schedule_id).await;
        let other = entered(&app, &fans[1], show.schedule_id).await;
        // enter + 2 reads are the 3 allowed; the fourth is refused, with a wait.
        for _ in 0..2 {
            let read = status(&app, &token, show.schedule_id).await;
            assert_eq!(
                read.status,
                StatusCode::OK,
                "shard {master}: {:?}",
                read.body
            );
        }
        let refused = status(&app, &token, show.schedule_id).await;
        assert_eq!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "shard {master}"
        );
        assert_eq!(refused.code(), "RATE_LIMITED");
        assert!(refused.headers.contains_key("retry-after"));
        // Another fan's count is their own, and the refused fan is still first.
        let read = status(&app, &other, show.schedule_id).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(read.body["position"], 2, "shard {master}");
    }
}

#[tokio::test]
async fn a_failover_to_a_replica_keeps_every_place_and_the_queue_goes_on() {
    let mut cluster = RedisCluster::start_with_replicas(3, 1);
    let url = cluster.url();
    let app = TestApp::with_config(&[("REDIS_URL", &url)]).await;
    let show = app.show_on_sale(30, 2).await;
    let fans = users(&app, 4).await;
    room_on(&app, show.schedule_id, 1, 1, 600).await;
    let mut tokens = Vec::new();
    for fan in &fans[..3] {
        tokens.push(entered(&app, fan, show.schedule_id).await);
    }
    // Replication is asynchronous: what a master took but had not passed on when it
    // died is gone with it. The test is about the switch, so it waits for the copy.
    let key = tag(&app, show.schedule_id);
    cluster.replicated(&key);
    let old = cluster.master_of(&key);
    let promoted = cluster.fail_over(&key);
    assert_ne!(old, promoted);

    // Until the client finds the new master, an answer is 503 to retry, never a wrong
    // one; then every place is where it was.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let read = status(&app, &tokens[0], show.schedule_id).await;
        if read.status == StatusCode::OK {
            break;
        }
        assert_eq!(read.code(), "QUEUE_UNAVAILABLE", "{:?}", read.body);
        assert!(
            std::time::Instant::now() < deadline,
            "the new master was never found"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut positions = Vec::new();
    for token in &tokens {
        positions.push(status(&app, token, show.schedule_id).await.body["position"].clone());
    }
    assert_eq!(positions, [1, 2, 3]);
    let late = entered(&app, &fans[3], show.schedule_id).await;
    assert_eq!(
        status(&app, &late, show.schedule_id).await.body["position"],
        4
    );
    assert!(
        cluster.keys_on(promoted) > 0,
        "the promoted replica holds the queue"
    );
}

#[tokio::test]
async fn with_a_master_killed_only_its_schedules_answer_503_and_the_others_keep_working() {
    let mut cluster = RedisCluster::start(3);
    let url = cluster.url();
    let app = TestApp::with_config(&[("REDIS_URL", &url)]).await;
    let schedules = one_schedule_per_shard(&app, &cluster).await;
    let fans = users(&app, 2).await;
    let mut passes = Vec::new();
    for (_, show) in &schedules {
        room_on(&app, show.schedule_id, 10, 100, 600).await;
        let token = entered(&app, &fans[0], show.schedule_id).await;
        run_admission(&app, Duration::from_millis(200)).await;
        let admitted = status(&app, &token, show.schedule_id).await;
        passes.push(admitted.body["access_token"].as_str().unwrap().to_string());
    }

    let (dead, lost) = &schedules[0];
    cluster.kill(*dead);
    // The live nodes have lost their scripts too (restarted, say), and nothing has
    // been sent to the dead one since it died: loading the scripts again on the live
    // ones must not need it.
    for (master, _) in &schedules[1..] {
        cluster.flush_scripts(*master);
    }

    for ((master, show), pass) in schedules[1..].iter().zip(&passes[1..]) {
        let entry = enter(&app, &fans[1], show.schedule_id).await;
        assert_eq!(
            entry.status,
            StatusCode::OK,
            "shard {master}: {:?}",
            entry.body
        );
        assert_eq!(entry.body["position"], 1, "shard {master}");
        let held = hold(&app, &fans[0], show, pass).await;
        assert_eq!(
            held.status,
            StatusCode::CREATED,
            "shard {master}: {:?}",
            held.body
        );
    }
    let on_dead = enter(&app, &fans[1], lost.schedule_id).await;
    assert_eq!(
        on_dead.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        on_dead.body
    );
    assert_eq!(on_dead.code(), "QUEUE_UNAVAILABLE");
    // Its holds fail closed: the pass cannot be checked, so nothing is taken.
    let hold_on_dead = hold(&app, &fans[0], lost, &passes[0]).await;
    assert_eq!(
        hold_on_dead.code(),
        "QUEUE_UNAVAILABLE",
        "{:?}",
        hold_on_dead.body
    );
    let sold_or_held: i64 = sqlx::query_scalar(
        "select count(*) from seats where schedule_id = ? and hold_id is not null",
    )
    .bind(lost.schedule_id)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(sold_or_held, 0, "nothing was held behind the dead shard");
}

async fn hold(
    app: &TestApp,
    fan: &crate::harness::TestUser,
    show: &ShowFixture,
    pass: &str,
) -> crate::harness::TestResponse {
    crate::harness::send(
        &app.router,
        axum::http::Method::POST,
        "/api/v1/holds",
        Some(&fan.token),
        Some(serde_json::json!({"schedule_id": show.schedule_id, "seat_ids": [show.seat_ids[0]]})),
        &[("x-queue-token", pass)],
    )
    .await
}

/// Resharding under traffic: while a schedule's slot moves to another master, people
/// keep entering its queue. Redirects (`ASK`, `TRYAGAIN`, then `MOVED`) cost retries;
/// an entry may fail closed (503) while a half-moved slot cannot run a script whole,
/// but none gets a wrong place: every place is distinct and follows arrival order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_schedules_slot_under_traffic_costs_retries_not_wrong_places() {
    let cluster = std::sync::Arc::new(RedisCluster::start(3));
    let url = cluster.url();
    let app = TestApp::with_config(&[("REDIS_URL", &url)]).await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 10, 100, 600).await;
    let fans = users(&app, 40).await;
    let key = tag(&app, show.schedule_id);
    let from = cluster.master_of(&key);
    let to = *cluster.ports.iter().find(|port| **port != from).unwrap();
    // A few in place before the move starts, so it has keys to carry.
    let mut first_answers = Vec::new();
    for fan in &fans[..5] {
        first_answers.push(enter(&app, fan, show.schedule_id).await);
    }

    let mover = {
        let (cluster, key) = (cluster.clone(), key.clone());
        std::thread::spawn(move || cluster.move_slot(&key, to))
    };
    for fan in &fans[5..] {
        first_answers.push(enter(&app, fan, show.schedule_id).await);
    }
    mover.join().unwrap();
    assert_eq!(cluster.master_of(&key), to, "the slot moved");

    let mut arrived = Vec::new();
    for (fan, answer) in fans.iter().zip(&first_answers) {
        match answer.status {
            StatusCode::OK => {
                arrived.push(answer.body["queue_token"].as_str().unwrap().to_string())
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(answer.code(), "QUEUE_UNAVAILABLE");
                // Fails closed; entering again once the slot has settled works.
                arrived.push(entered(&app, fan, show.schedule_id).await);
            }
            other => panic!(
                "entering during the move answered {other}: {:?}",
                answer.body
            ),
        }
    }
    let mut places = Vec::new();
    for token in &arrived {
        places.push(
            status(&app, token, show.schedule_id).await.body["position"]
                .as_u64()
                .unwrap(),
        );
    }
    let mut sorted = places.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (1..=40).collect::<Vec<u64>>(),
        "one place each, no gaps: {places:?}"
    );
    let first_time: Vec<u64> = first_answers
        .iter()
        .zip(&places)
        .filter(|(answer, _)| answer.status == StatusCode::OK)
        .map(|(_, place)| *place)
        .collect();
    assert!(
        first_time.windows(2).all(|pair| pair[0] < pair[1]),
        "places follow arrival order: {first_time:?}"
    );
    assert!(cluster.keys_on(to) > 0 && cluster.keys_on(from) == 0);
}
