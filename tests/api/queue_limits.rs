//! The waiting room's rate limits (per user, per address) and its independence from
//! MariaDB for reading a place, against real Redis.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use marquee_api::AppState;
use marquee_core::queue::store::Throttle;
use serde_json::json;
use sqlx::mysql::MySqlPoolOptions;

use crate::harness::{send_raw, TestApp, TestResponse, TestUser};
use crate::queue::{entered, next_event, open_events, room_on, run_admission, status, users};

/// Enters as `user` over a connection from `peer`, with extra headers.
async fn enter_from(
    app: &TestApp,
    user: &TestUser,
    schedule_id: i64,
    peer: &str,
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut request = Request::post(format!("/api/v1/queue/{schedule_id}/enter"))
        .header("authorization", format!("Bearer {}", user.token));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    send_raw(&app.router, request).await
}

fn retry_after(response: &TestResponse) -> u64 {
    response
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a Retry-After header: {response:?}"))
}

/// Statuses of each response, in order.
fn statuses(responses: &[TestResponse]) -> Vec<u16> {
    responses.iter().map(|r| r.status.as_u16()).collect()
}

#[tokio::test]
async fn one_user_asking_too_often_is_told_when_to_come_back_and_keeps_the_place() {
    let app = TestApp::with_config(&[
        ("QUEUE_LIMIT_PER_USER", "5"),
        ("QUEUE_LIMIT_WINDOW_SECS", "60"),
    ])
    .await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 10, 10, 600).await;
    let fans = users(&app, 2).await;
    let token = entered(&app, &fans[0], show.schedule_id).await;
    let other = entered(&app, &fans[1], show.schedule_id).await;

    // enter + 4 reads = the 5 allowed; the sixth and seventh are refused.
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(status(&app, &token, show.schedule_id).await);
    }
    let refused_read = status(&app, &token, show.schedule_id).await;
    let refused_enter = crate::queue::enter(&app, &fans[0], show.schedule_id).await;
    let other_read = status(&app, &other, show.schedule_id).await;
    let room = app.waiting_room();
    let ticket = room
        .passes()
        .verify_queue_token(&token, show.schedule_id)
        .unwrap();
    let place = room.read(ticket, &Throttle::none()).await.unwrap();

    assert_eq!(statuses(&answers), vec![200; 4]);
    for refused in [&refused_read, &refused_enter] {
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.code(), "RATE_LIMITED");
        let wait = retry_after(refused);
        assert!((1..=60).contains(&wait), "Retry-After {wait}");
    }
    assert_eq!(
        other_read.status,
        StatusCode::OK,
        "one user's limit is theirs"
    );
    assert_eq!(other_read.body["position"], 2);
    assert_eq!(place.state, "WAITING", "a refused request loses nothing");
    assert_eq!(place.position, Some(1));
}

#[tokio::test]
async fn the_limit_lifts_once_its_window_has_passed() {
    let app = TestApp::with_config(&[
        ("QUEUE_LIMIT_PER_USER", "2"),
        ("QUEUE_LIMIT_WINDOW_SECS", "1"),
    ])
    .await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 10, 10, 600).await;
    let fan = &users(&app, 1).await[0];
    let token = entered(&app, fan, show.schedule_id).await;

    // A window is one second, so keep asking until one is spent.
    let mut refused = None;
    for _ in 0..50 {
        let answer = status(&app, &token, show.schedule_id).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(answer);
            break;
        }
    }
    let refused = refused.expect("two reads a second are the limit");
    tokio::time::sleep(Duration::from_secs(retry_after(&refused)) + Duration::from_millis(50))
        .await;
    let after = status(&app, &token, show.schedule_id).await;

    assert_eq!(refused.code(), "RATE_LIMITED");
    assert_eq!(after.status, StatusCode::OK, "{:?}", after.body);
    assert_eq!(after.body["position"], 1);
}

#[tokio::test]
async fn one_address_is_limited_across_users_and_an_ipv6_subscriber_shares_one_limit() {
    let app = TestApp::with_config(&[
        ("QUEUE_LIMIT_PER_USER", "100"),
        ("QUEUE_LIMIT_PER_ADDRESS", "8"),
        ("QUEUE_LIMIT_WINDOW_SECS", "60"),
    ])
    .await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 10, 10, 600).await;
    let fans = users(&app, 22).await;
    let sid = show.schedule_id;

    let mut from_one_v4 = Vec::new();
    for fan in &fans[0..10] {
        from_one_v4.push(enter_from(&app, fan, sid, "203.0.113.7:40000", &[]).await);
    }
    let next_v4 = enter_from(&app, &fans[10], sid, "203.0.113.8:40000", &[]).await;
    // Ten different addresses, all in one /64.
    let mut from_one_v6 = Vec::new();
    for (i, fan) in fans[11..21].iter().enumerate() {
        let peer = format!("[2001:db8:1:2::{:x}]:40000", i + 1);
        from_one_v6.push(enter_from(&app, fan, sid, &peer, &[]).await);
    }
    let next_v6 = enter_from(&app, &fans[21], sid, "[2001:db8:1:3::1]:40000", &[]).await;

    let mut expected = vec![200; 8];
    expected.extend([429, 429]);
    assert_eq!(statuses(&from_one_v4), expected);
    assert_eq!(from_one_v4[9].code(), "RATE_LIMITED");
    assert_eq!(
        next_v4.status,
        StatusCode::OK,
        "the next address has its own"
    );
    assert_eq!(statuses(&from_one_v6), expected, "an IPv6 /64 is one limit");
    assert_eq!(next_v6.status, StatusCode::OK, "the next /64 has its own");
    let sizes = app.waiting_room().store().sizes(sid).await.unwrap();
    assert_eq!(sizes.waiting, 18, "refused entrants were not queued");
}

#[tokio::test]
async fn behind_a_proxy_the_address_is_the_one_the_proxy_appended() {
    let app = TestApp::with_config(&[
        ("QUEUE_LIMIT_PER_USER", "100"),
        ("QUEUE_LIMIT_PER_ADDRESS", "3"),
        ("QUEUE_LIMIT_WINDOW_SECS", "60"),
        ("CLIENT_IP_HEADER", "X-Forwarded-For"),
    ])
    .await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 10, 10, 600).await;
    let fans = users(&app, 10).await;
    let sid = show.schedule_id;
    // Every request comes through the proxy at 10.0.0.1; the client made up the first
    // address, the proxy appended the real one.
    let proxy = "10.0.0.1:5000";

    let mut same_client = Vec::new();
    for (i, fan) in fans[0..5].iter().enumerate() {
        let forwarded = format!("198.51.100.{i}, 192.0.2.1");
        same_client
            .push(enter_from(&app, fan, sid, proxy, &[("x-forwarded-for", &forwarded)]).await);
    }
    let another_client = enter_from(
        &app,
        &fans[5],
        sid,
        proxy,
        &[("x-forwarded-for", "192.0.2.1, 192.0.2.2")],
    )
    .await;
    let mut no_header = Vec::new();
    for fan in &fans[6..10] {
        no_header.push(enter_from(&app, fan, sid, proxy, &[]).await);
    }

    assert_eq!(
        statuses(&same_client),
        vec![200, 200, 200, 429, 429],
        "a made-up first address does not escape the limit"
    );
    assert_eq!(another_client.status, StatusCode::OK);
    assert_eq!(
        statuses(&no_header),
        vec![200; 4],
        "without the header only the user limit applies, not the proxy's address"
    );
}

#[tokio::test]
async fn reading_a_place_needs_redis_only() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 10, 10, 600).await;
    let fans = users(&app, 2).await;
    entered(&app, &fans[0], show.schedule_id).await;
    let token = entered(&app, &fans[1], show.schedule_id).await;
    // Another api process whose MariaDB is gone, sharing the Redis keys.
    let no_mysql = MySqlPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy("mysql://root@127.0.0.1:1/nowhere")
        .unwrap();
    let cut_off = marquee_api::app(AppState::new(no_mysql, &app.config));

    let catalog = send_raw(
        &cut_off,
        Request::get("/api/v1/shows").body(Body::empty()).unwrap(),
    )
    .await;
    let read = send_raw(
        &cut_off,
        Request::get(format!(
            "/api/v1/queue/{}/status?token={token}",
            show.schedule_id
        ))
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    let (opened, mut body) = open_events(&cut_off, &token, show.schedule_id).await;
    let first_event = next_event(&mut body, &mut String::new()).await;

    assert_ne!(catalog.status, StatusCode::OK, "this process has no MySQL");
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    assert_eq!(read.body["state"], "WAITING");
    assert_eq!(read.body["position"], 2);
    assert_eq!(
        read.body["eta_seconds"], 1,
        "the ETA uses the room's rate (10/s) before anyone is admitted"
    );
    assert_eq!(opened, StatusCode::OK);
    let (name, data) = first_event.expect("a first event");
    assert_eq!(name, "status");
    assert_eq!(data["position"], json!(2));
}

#[tokio::test]
async fn a_user_keeps_at_most_three_streams_and_the_oldest_gives_way() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    room_on(&app, show.schedule_id, 100, 1, 600).await;
    let fans = users(&app, 2).await;
    entered(&app, &fans[0], show.schedule_id).await;
    let token = entered(&app, &fans[1], show.schedule_id).await;
    let mut streams = Vec::new();
    for _ in 0..4 {
        let (opened, mut body) = open_events(&app.router, &token, show.schedule_id).await;
        assert_eq!(opened, StatusCode::OK);
        let mut buffer = String::new();
        let (name, first) = next_event(&mut body, &mut buffer).await.unwrap();
        assert_eq!((name.as_str(), &first["position"]), ("status", &json!(2)));
        streams.push((body, buffer));
    }

    let (oldest_body, oldest_buffer) = &mut streams[0];
    let given_way = next_event(oldest_body, oldest_buffer).await;
    let after_that = next_event(oldest_body, oldest_buffer).await;
    // Admitting the fan ahead moves the place; the three newer streams say so.
    run_admission(&app, Duration::from_millis(300)).await;
    let mut newer = Vec::new();
    for (body, buffer) in &mut streams[1..] {
        newer.push(next_event(body, buffer).await.unwrap());
    }

    let (name, data) = given_way.expect("the oldest stream says why it ends");
    assert_eq!(name, "error");
    assert_eq!(data["code"], "STREAM_REPLACED");
    assert!(after_that.is_none(), "and then it ends");
    for (name, data) in newer {
        assert_eq!(name, "status");
        assert_eq!(data["position"], 1);
    }
}
