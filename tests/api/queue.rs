//! The waiting room against real Redis and MariaDB. Each test has its own Redis key
//! prefix; admission ticks are driven by the test through `WaitingRoom::admit_all`, the
//! same call the api's scheduler makes.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use futures::future::join_all;
use serde_json::{json, Value};

use crate::harness::{send, ShowFixture, TestApp, TestResponse, TestUser};

pub(crate) async fn room_on(
    app: &TestApp,
    schedule_id: i64,
    rate: u32,
    cap: u32,
    window_secs: u32,
) {
    let admin = app.admin().await;
    let response = app
        .send(
            Method::PUT,
            &format!("/api/v1/admin/queue/{schedule_id}"),
            Some(&admin.token),
            Some(json!({
                "enabled": true,
                "admission_rate": rate,
                "active_cap": cap,
                "active_window_secs": window_secs
            })),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.body["active"], true);
}

pub(crate) async fn enter(app: &TestApp, user: &TestUser, schedule_id: i64) -> TestResponse {
    app.post(
        &format!("/api/v1/queue/{schedule_id}/enter"),
        Some(&user.token),
        json!({}),
    )
    .await
}

/// Leaves the queue, or gives up an admission.
pub(crate) async fn leave(app: &TestApp, user: &TestUser, schedule_id: i64) -> TestResponse {
    app.send(
        Method::DELETE,
        &format!("/api/v1/queue/{schedule_id}"),
        Some(&user.token),
        None,
    )
    .await
}

/// Enters and returns the queue token.
pub(crate) async fn entered(app: &TestApp, user: &TestUser, schedule_id: i64) -> String {
    let response = enter(app, user, schedule_id).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    response.body["queue_token"].as_str().unwrap().to_string()
}

pub(crate) async fn status(app: &TestApp, queue_token: &str, schedule_id: i64) -> TestResponse {
    send(
        &app.router,
        Method::GET,
        &format!("/api/v1/queue/{schedule_id}/status"),
        None,
        None,
        &[("x-queue-token", queue_token)],
    )
    .await
}

/// Enters `fans` one after another, in order; returns their queue tokens.
async fn enter_in_order(app: &TestApp, fans: &[TestUser], schedule_id: i64) -> Vec<String> {
    let mut tokens = Vec::with_capacity(fans.len());
    for fan in fans {
        tokens.push(entered(app, fan, schedule_id).await);
    }
    tokens
}

pub(crate) async fn users(app: &TestApp, count: usize) -> Vec<TestUser> {
    let mut users = Vec::with_capacity(count);
    for i in 0..count {
        users.push(app.user(&format!("fan{i}@example.com")).await);
    }
    users
}

async fn hold(
    app: &TestApp,
    user: &TestUser,
    show: &ShowFixture,
    seat: usize,
    pass: Option<&str>,
) -> TestResponse {
    let headers: Vec<(&str, &str)> = pass.map(|p| ("x-queue-token", p)).into_iter().collect();
    send(
        &app.router,
        Method::POST,
        "/api/v1/holds",
        Some(&user.token),
        Some(json!({"schedule_id": show.schedule_id, "seat_ids": [show.seat_ids[seat]]})),
        &headers,
    )
    .await
}

/// Ticks admission every 20 ms for `duration`; returns the ticks' total.
pub(crate) async fn run_admission(app: &TestApp, duration: Duration) -> u64 {
    let room = app.waiting_room();
    let started = Instant::now();
    let mut admitted = 0;
    while started.elapsed() < duration {
        admitted += room.admit_all().await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    admitted
}

fn position(response: &TestResponse) -> u64 {
    response.body["position"]
        .as_u64()
        .unwrap_or_else(|| panic!("{:?}", response.body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_entrants_get_distinct_places_and_are_admitted_in_that_order() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 50, 1_000, 600).await;
    let fans = users(&app, 120).await;

    let entries = join_all(fans.iter().map(|fan| {
        let router = app.router.clone();
        let token = fan.token.clone();
        let path = format!("/api/v1/queue/{}/enter", show.schedule_id);
        tokio::spawn(
            async move { send(&router, Method::POST, &path, Some(&token), None, &[]).await },
        )
    }))
    .await;
    let mut places: Vec<(u64, String)> = entries
        .into_iter()
        .map(|entry| {
            let entry = entry.unwrap();
            assert_eq!(entry.status, StatusCode::OK, "{:?}", entry.body);
            assert_eq!(entry.body["state"], "WAITING");
            (
                position(&entry),
                entry.body["queue_token"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    places.sort();
    run_admission(&app, Duration::from_millis(600)).await;

    let positions: Vec<u64> = places.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        positions,
        (1..=120).collect::<Vec<_>>(),
        "one place each, no gaps"
    );
    let mut states = Vec::new();
    for (_, token) in &places {
        states.push(status(&app, token, show.schedule_id).await.body["state"].clone());
    }
    let admitted = states.iter().take_while(|s| *s == "ADMITTED").count();
    assert!(admitted > 0, "someone was let in");
    assert!(
        states[admitted..].iter().all(|s| *s == "WAITING"),
        "admitted strictly from the head: {states:?}"
    );
}

#[tokio::test]
async fn entering_again_keeps_the_place_and_leaving_moves_everyone_behind_up() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 10, 100, 600).await;
    let fans = users(&app, 3).await;
    let tokens = enter_in_order(&app, &fans, show.schedule_id).await;

    let again = enter(&app, &fans[1], show.schedule_id).await;
    let left = leave(&app, &fans[0], show.schedule_id).await;
    let leaver = status(&app, &tokens[0], show.schedule_id).await;
    let second = status(&app, &tokens[1], show.schedule_id).await;
    let third = status(&app, &tokens[2], show.schedule_id).await;
    let left_again = leave(&app, &fans[0], show.schedule_id).await;

    assert_eq!(position(&again), 2, "re-entering is not a new place");
    assert_eq!(again.body["queue_length"], 3);
    assert_eq!(left.status, StatusCode::NO_CONTENT);
    assert_eq!(leaver.status, StatusCode::NOT_FOUND);
    assert_eq!(leaver.code(), "NOT_IN_QUEUE");
    assert_eq!((position(&second), position(&third)), (1, 2));
    assert_eq!(second.body["queue_length"], 2);
    assert!(second.body["eta_seconds"].as_u64().is_some());
    assert_eq!(left_again.code(), "NOT_IN_QUEUE");
}

#[tokio::test]
async fn tokens_are_checked_and_the_room_must_be_on() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let fan = app.user("fan@example.com").await;

    let while_off = enter(&app, &fan, show.schedule_id).await;
    room_on(&app, show.schedule_id, 10, 100, 600).await;
    let token = entered(&app, &fan, show.schedule_id).await;
    let other_schedule = status(&app, &token, show.schedule_id + 1).await;
    let forged = status(&app, "eyJhbGciOiJIUzI1NiJ9.e30.forged", show.schedule_id).await;
    let login_token = status(&app, &fan.token, show.schedule_id).await;
    let missing = app
        .get(&format!("/api/v1/queue/{}/status", show.schedule_id), None)
        .await;
    let by_query = app
        .get(
            &format!("/api/v1/queue/{}/status?token={token}", show.schedule_id),
            None,
        )
        .await;

    assert_eq!(while_off.status, StatusCode::CONFLICT);
    assert_eq!(while_off.code(), "WAITING_ROOM_OFF");
    assert_eq!(other_schedule.code(), "QUEUE_TOKEN_INVALID");
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(forged.code(), "QUEUE_TOKEN_INVALID");
    assert_eq!(login_token.code(), "QUEUE_TOKEN_INVALID");
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(by_query.status, StatusCode::OK, "{:?}", by_query.body);
    assert_eq!(by_query.body["position"], 1);
}

#[tokio::test]
async fn admission_keeps_to_the_rate() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 20, 10_000, 600).await;
    let fans = users(&app, 80).await;
    enter_in_order(&app, &fans, show.schedule_id).await;

    let started = Instant::now();
    let admitted = run_admission(&app, Duration::from_millis(1_000)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let sizes = app
        .waiting_room()
        .store()
        .sizes(show.schedule_id)
        .await
        .unwrap();

    // The budget is earned by the clock: never more than rate x elapsed (the first tick
    // only starts the clock), and a working scheduler gets close to it.
    assert!(
        admitted as f64 <= 20.0 * elapsed + 1.0,
        "{admitted} in {elapsed:.2}s"
    );
    assert!(admitted >= 10, "only {admitted} in {elapsed:.2}s");
    assert_eq!(sizes.admitted_total, admitted);
    assert_eq!(sizes.waiting, 80 - admitted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_schedulers_racing_never_double_admit_or_skip_anyone() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 30, 10_000, 600).await;
    let fans = users(&app, 100).await;
    let tokens = enter_in_order(&app, &fans, show.schedule_id).await;

    let started = Instant::now();
    let schedulers = (0..2).map(|_| {
        let room = app.waiting_room();
        tokio::spawn(async move {
            let mut admitted = 0;
            while started.elapsed() < Duration::from_millis(1_000) {
                admitted += room.admit_all().await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            admitted
        })
    });
    let per_scheduler: Vec<u64> = join_all(schedulers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let elapsed = started.elapsed().as_secs_f64();

    let total: u64 = per_scheduler.iter().sum();
    assert!(
        total as f64 <= 30.0 * elapsed + 1.0,
        "two schedulers admitted {total} in {elapsed:.2}s"
    );
    let mut admitted_positions = Vec::new();
    let mut seen_states = HashSet::new();
    for (i, token) in tokens.iter().enumerate() {
        let state = status(&app, token, show.schedule_id).await.body["state"].clone();
        if state == "ADMITTED" {
            admitted_positions.push(i + 1);
        }
        seen_states.insert(state.to_string());
    }
    assert_eq!(
        admitted_positions.len() as u64,
        total,
        "each admission is one person"
    );
    assert_eq!(
        admitted_positions,
        (1..=total as usize).collect::<Vec<_>>(),
        "admitted in order with no one skipped"
    );
    assert!(seen_states.len() <= 2, "{seen_states:?}");
}

#[tokio::test]
async fn holding_needs_your_own_live_pass_and_the_purchase_frees_the_slot() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 3).await;
    let open_show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 100, 1, 600).await;
    let fans = users(&app, 2).await;
    app.charge(&fans[0], 50_000).await;
    let first_token = entered(&app, &fans[0], show.schedule_id).await;
    let second_token = entered(&app, &fans[1], show.schedule_id).await;
    run_admission(&app, Duration::from_millis(200)).await;
    let first = status(&app, &first_token, show.schedule_id).await;
    let second_waiting = status(&app, &second_token, show.schedule_id).await;
    let pass = first.body["access_token"].as_str().unwrap().to_string();

    let without = hold(&app, &fans[0], &show, 0, None).await;
    let someone_elses = hold(&app, &fans[1], &show, 0, Some(&pass)).await;
    let forged = hold(&app, &fans[0], &show, 0, Some("not.a.pass")).await;
    let not_required = hold(&app, &fans[1], &open_show, 0, None).await;
    let own = hold(&app, &fans[0], &show, 0, Some(&pass)).await;
    let purchase = app
        .post(
            &format!("/api/v1/holds/{}/purchase", own.body["id"]),
            Some(&fans[0].token),
            json!({}),
        )
        .await;
    let after_purchase = status(&app, &first_token, show.schedule_id).await;
    let pass_reused = hold(&app, &fans[0], &show, 1, Some(&pass)).await;
    run_admission(&app, Duration::from_millis(200)).await;
    let second_now = status(&app, &second_token, show.schedule_id).await;

    assert_eq!(first.body["state"], "ADMITTED", "{:?}", first.body);
    assert_eq!(second_waiting.body["state"], "WAITING", "the cap is one");
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    assert_eq!(without.code(), "QUEUE_TOKEN_REQUIRED");
    assert_eq!(someone_elses.code(), "QUEUE_TOKEN_INVALID");
    assert_eq!(forged.code(), "QUEUE_TOKEN_INVALID");
    assert_eq!(
        not_required.status,
        StatusCode::CREATED,
        "{:?}",
        not_required.body
    );
    assert_eq!(own.status, StatusCode::CREATED, "{:?}", own.body);
    assert_eq!(purchase.status, StatusCode::CREATED, "{:?}", purchase.body);
    assert_eq!(after_purchase.body["state"], "EXPIRED");
    assert_eq!(pass_reused.code(), "QUEUE_ACCESS_EXPIRED");
    assert_eq!(
        second_now.body["state"], "ADMITTED",
        "the slot went to the next person"
    );
}

#[tokio::test]
async fn an_expired_admission_frees_its_slot() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 100, 1, 1).await;
    let fans = users(&app, 2).await;
    let first = entered(&app, &fans[0], show.schedule_id).await;
    let second = entered(&app, &fans[1], show.schedule_id).await;
    run_admission(&app, Duration::from_millis(200)).await;
    let pass = status(&app, &first, show.schedule_id).await.body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let second_before = status(&app, &second, show.schedule_id).await;

    run_admission(&app, Duration::from_millis(1_300)).await;
    let first_after = status(&app, &first, show.schedule_id).await;
    let second_after = status(&app, &second, show.schedule_id).await;
    let late_hold = hold(&app, &fans[0], &show, 0, Some(&pass)).await;

    assert_eq!(second_before.body["state"], "WAITING");
    assert_eq!(first_after.body["state"], "EXPIRED");
    assert_eq!(second_after.body["state"], "ADMITTED");
    assert_eq!(late_hold.status, StatusCode::FORBIDDEN);
}

async fn set_booking_opens(app: &TestApp, show: &ShowFixture, offset_secs: i64) {
    sqlx::query(
        "update shows set booking_opens_at = current_timestamp(6) + interval ? second where id = ?",
    )
    .bind(offset_secs)
    .bind(show.show_id)
    .execute(app.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn the_pre_queue_is_drawn_at_random_and_arrival_order_rules_after_opening() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    set_booking_opens(&app, &show, 3_600).await;
    room_on(&app, show.schedule_id, 1_000, 1_000, 600).await;
    let early = users(&app, 30).await;
    let early_tokens = enter_in_order(&app, &early, show.schedule_id).await;
    let before_opening = status(&app, &early_tokens[0], show.schedule_id).await;
    let admitted_before_opening = run_admission(&app, Duration::from_millis(200)).await;

    set_booking_opens(&app, &show, -1).await;
    let mut late_tokens = Vec::new();
    for i in 0..10 {
        let fan = app.user(&format!("late{i}@example.com")).await;
        late_tokens.push(entered(&app, &fan, show.schedule_id).await);
    }
    let mut early_positions = Vec::new();
    for token in &early_tokens {
        early_positions.push(position(&status(&app, token, show.schedule_id).await));
    }
    let mut early_again = Vec::new();
    for token in &early_tokens {
        early_again.push(position(&status(&app, token, show.schedule_id).await));
    }
    let mut late_positions = Vec::new();
    for token in &late_tokens {
        late_positions.push(position(&status(&app, token, show.schedule_id).await));
    }

    assert_eq!(before_opening.body["state"], "WAITING");
    assert_eq!(before_opening.body["pre_queue"], true);
    assert_eq!(
        before_opening.body["position"],
        Value::Null,
        "the draw is secret until opening"
    );
    assert_eq!(
        admitted_before_opening, 0,
        "no one goes in before booking opens"
    );
    let mut sorted = early_positions.clone();
    sorted.sort();
    assert_eq!(sorted, (1..=30).collect::<Vec<_>>());
    assert_ne!(
        early_positions, sorted,
        "arriving early gains nothing (1 in 30! to fail by chance)"
    );
    assert_eq!(
        early_positions, early_again,
        "drawn once: places never move"
    );
    assert_eq!(
        late_positions,
        (31..=40).collect::<Vec<_>>(),
        "arrival order after opening"
    );
}

#[tokio::test]
async fn the_room_switches_itself_on_before_booking_opens() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let admin = app.admin().await;
    let fan = app.user("fan@example.com").await;
    set_booking_opens(&app, &show, 1_800).await;
    let path = format!("/api/v1/admin/queue/{}", show.schedule_id);
    let configure = |auto_before_secs: u32| {
        app.send(
            Method::PUT,
            &path,
            Some(&admin.token),
            Some(json!({
                "enabled": false,
                "admission_rate": 10,
                "active_cap": 10,
                "active_window_secs": 600,
                "auto_before_secs": auto_before_secs
            })),
        )
    };

    let not_yet = configure(600).await;
    let entering_early = enter(&app, &fan, show.schedule_id).await;
    let in_window = configure(3_600).await;
    let entering = enter(&app, &fan, show.schedule_id).await;
    let bad = app
        .send(
            Method::PUT,
            &format!("/api/v1/admin/queue/{}", show.schedule_id),
            Some(&admin.token),
            Some(json!({"enabled": true, "admission_rate": 0, "active_cap": 10, "active_window_secs": 600})),
        )
        .await;
    let by_user = app
        .send(
            Method::PUT,
            &format!("/api/v1/admin/queue/{}", show.schedule_id),
            Some(&fan.token),
            Some(json!({"enabled": true, "admission_rate": 1, "active_cap": 10, "active_window_secs": 600})),
        )
        .await;

    assert_eq!(not_yet.body["active"], false);
    assert_eq!(entering_early.code(), "WAITING_ROOM_OFF");
    assert_eq!(in_window.body["active"], true);
    assert_eq!(entering.status, StatusCode::OK, "{:?}", entering.body);
    assert_eq!(entering.body["pre_queue"], true);
    assert_eq!(bad.code(), "VALIDATION_FAILED");
    assert_eq!(bad.body["error"]["field"], "admission_rate");
    assert_eq!(by_user.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn with_redis_down_only_schedules_behind_a_waiting_room_fail_and_they_fail_closed() {
    // Nothing listens on port 1: a Redis that is down.
    let app = TestApp::with_config(&[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    let queued = app.show_on_sale(30, 1).await;
    let open = app.show_on_sale(30, 1).await;
    room_on(&app, queued.schedule_id, 10, 10, 600).await;
    let fan = app.user("fan@example.com").await;
    let admin = app.admin().await;

    let entering = enter(&app, &fan, queued.schedule_id).await;
    // A genuine pass: whether its admission is live is Redis's to say.
    let pass = app
        .waiting_room()
        .passes()
        .access_pass(
            fan.id,
            queued.schedule_id,
            chrono::Utc::now().timestamp_millis() + 60_000,
        )
        .unwrap();
    let queued_hold = hold(&app, &fan, &queued, 0, Some(&pass)).await;
    let open_hold = hold(&app, &fan, &open, 0, None).await;
    let catalog = app.get("/api/v1/shows", None).await;
    let report = app
        .get(
            &format!("/api/v1/admin/queue/{}", queued.schedule_id),
            Some(&admin.token),
        )
        .await;

    assert_eq!(entering.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(entering.code(), "QUEUE_UNAVAILABLE");
    assert_eq!(entering.headers["retry-after"], "5");
    assert_eq!(
        queued_hold.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        queued_hold.body
    );
    assert_eq!(
        open_hold.status,
        StatusCode::CREATED,
        "{:?}",
        open_hold.body
    );
    assert_eq!(catalog.status, StatusCode::OK);
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.body["waiting"], Value::Null);
}

/// Opens the event stream; returns the status code and, if 200, the body to read.
pub(crate) async fn open_events(
    router: &axum::Router,
    queue_token: &str,
    schedule_id: i64,
) -> (StatusCode, axum::body::Body) {
    use tower::ServiceExt;
    let request = axum::http::Request::builder()
        .uri(format!(
            "/api/v1/queue/{schedule_id}/events?token={queue_token}"
        ))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    (response.status(), response.into_body())
}

/// The next SSE event as (event name, data JSON), or None when the stream ended.
pub(crate) async fn next_event(
    body: &mut axum::body::Body,
    buffer: &mut String,
) -> Option<(String, Value)> {
    use http_body_util::BodyExt;
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut name = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(rest) = line.strip_prefix("event:") {
                    name = rest.trim().to_string();
                } else if let Some(rest) = line.strip_prefix("data:") {
                    data.push_str(rest.trim());
                }
            }
            if name.is_empty() {
                continue; // a keep-alive comment
            }
            return Some((name, serde_json::from_str(&data).unwrap()));
        }
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("an event within 10 s")?;
        if let Ok(bytes) = frame.unwrap().into_data() {
            buffer.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
}

#[tokio::test]
async fn the_event_stream_follows_a_place_until_admission_at_most_once_a_second() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 100, 1, 600).await;
    let fans = users(&app, 3).await;
    entered(&app, &fans[0], show.schedule_id).await;
    let second = entered(&app, &fans[1], show.schedule_id).await;
    let stranger_token = app
        .waiting_room()
        .passes()
        .queue_token(fans[2].id, show.schedule_id)
        .unwrap();
    let not_queued = open_events(&app.router, &stranger_token, show.schedule_id)
        .await
        .0;
    let (opened, mut body) = open_events(&app.router, &second, show.schedule_id).await;
    let mut buffer = String::new();

    let (name, at_start) = next_event(&mut body, &mut buffer).await.unwrap();
    let started = Instant::now();
    // Admits the first fan, which moves the second up; the cap of one keeps them out.
    run_admission(&app, Duration::from_millis(200)).await;
    let (_, moved_up) = next_event(&mut body, &mut buffer).await.unwrap();
    let first_gap = started.elapsed();
    // The first fan gives up the slot; the next tick lets the second in.
    let left = leave(&app, &fans[0], show.schedule_id).await;
    assert_eq!(left.status, StatusCode::NO_CONTENT);
    run_admission(&app, Duration::from_millis(200)).await;
    let (_, admitted) = next_event(&mut body, &mut buffer).await.unwrap();
    let ended = next_event(&mut body, &mut buffer).await;

    assert_eq!(not_queued, StatusCode::NOT_FOUND);
    assert_eq!(opened, StatusCode::OK);
    assert_eq!(name, "status");
    assert_eq!(at_start["state"], "WAITING");
    assert_eq!(at_start["position"], 2);
    assert_eq!(moved_up["position"], 1, "{moved_up:?}");
    assert!(
        first_gap >= Duration::from_millis(900),
        "updates at most once a second: {first_gap:?}"
    );
    assert_eq!(admitted["state"], "ADMITTED");
    assert!(admitted["access_token"].is_string());
    assert!(ended.is_none(), "the stream ends once admitted");
}

#[tokio::test]
async fn the_room_report_keeps_the_rooms_active_flag_apart_from_the_admitted_count() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 10, 10, 600).await;
    let admin = app.admin().await;
    for i in 0..3 {
        let fan = app.user(&format!("fan{i}@example.com")).await;
        entered(&app, &fan, show.schedule_id).await;
    }
    let admitted = run_admission(&app, Duration::from_millis(800)).await;

    let report = app
        .get(
            &format!("/api/v1/admin/queue/{}", show.schedule_id),
            Some(&admin.token),
        )
        .await;
    let raw = serde_json::to_string(&report.body).unwrap();

    assert_eq!(admitted, 3);
    assert_eq!(report.status, StatusCode::OK, "{:?}", report.body);
    assert_eq!(report.body["active"], true, "the room is on");
    assert_eq!(report.body["admitted_now"], 3);
    assert_eq!(report.body["waiting"], 0);
    assert_eq!(raw.matches("\"active\"").count(), 1, "{raw}");
}
