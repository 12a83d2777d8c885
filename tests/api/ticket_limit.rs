//! One person, a few seats per schedule (1인 4매): live holds and valid tickets count
//! together, across api processes.

use axum::http::{Method, StatusCode};
use marquee_api::AppState;
use serde_json::json;

use crate::harness::{spawn_post, ShowFixture, TestApp, TestResponse, TestUser};

async fn hold(app: &TestApp, user: &TestUser, show: &ShowFixture, seats: &[i64]) -> TestResponse {
    app.post(
        "/api/v1/holds",
        Some(&user.token),
        json!({"schedule_id": show.schedule_id, "seat_ids": seats}),
    )
    .await
}

#[tokio::test]
async fn held_and_bought_seats_count_together_and_freeing_one_makes_room() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 10).await;
    let other_show = app.show_on_sale(30, 4).await;
    let fan = app.user("fan@example.com").await;
    app.charge(&fan, 500_000).await;
    let seats = &show.seat_ids;

    let order = app.buy(&fan, show.schedule_id, &seats[..2]).await;
    let held = hold(&app, &fan, &show, &seats[2..4]).await;
    let over = hold(&app, &fan, &show, &seats[4..5]).await;
    let elsewhere = hold(&app, &fan, &other_show, &other_show.seat_ids).await;
    let refund = app
        .post(
            &format!("/api/v1/tickets/{}/refund", order["tickets"][0]["id"]),
            Some(&fan.token),
            json!({}),
        )
        .await;
    let after_refund = hold(&app, &fan, &show, &seats[4..5]).await;
    let full_again = hold(&app, &fan, &show, &seats[5..6]).await;
    let released = app
        .send(
            Method::DELETE,
            &format!("/api/v1/holds/{}", held.body["id"]),
            Some(&fan.token),
            None,
        )
        .await;
    let after_release = hold(&app, &fan, &show, &seats[5..7]).await;

    assert_eq!(held.status, StatusCode::CREATED, "{:?}", held.body);
    assert_eq!(over.status, StatusCode::CONFLICT);
    assert_eq!(over.code(), "TICKET_LIMIT_REACHED");
    assert_eq!(over.body["error"]["limit"], 4);
    assert_eq!(over.body["error"]["remaining"], 0);
    assert_eq!(
        elsewhere.status,
        StatusCode::CREATED,
        "another schedule has its own limit"
    );
    assert_eq!(refund.status, StatusCode::OK);
    assert_eq!(
        after_refund.status,
        StatusCode::CREATED,
        "a refunded ticket no longer counts"
    );
    assert_eq!(full_again.code(), "TICKET_LIMIT_REACHED");
    assert_eq!(released.status, StatusCode::NO_CONTENT);
    assert_eq!(
        after_release.status,
        StatusCode::CREATED,
        "{:?}",
        after_release.body
    );
}

#[tokio::test]
async fn an_expired_hold_no_longer_counts_and_a_partial_request_says_what_is_left() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 10).await;
    let fan = app.user("fan@example.com").await;
    let first = hold(&app, &fan, &show, &show.seat_ids[..3]).await;

    let too_many = hold(&app, &fan, &show, &show.seat_ids[3..5]).await;
    sqlx::query("update seats set hold_expires_at = current_timestamp(6) - interval 1 second where hold_id = ?")
        .bind(first.body["id"].as_i64().unwrap())
        .execute(app.pool())
        .await
        .unwrap();
    let after_expiry = hold(&app, &fan, &show, &show.seat_ids[3..7]).await;

    assert_eq!(too_many.code(), "TICKET_LIMIT_REACHED");
    assert_eq!(too_many.body["error"]["remaining"], 1);
    assert_eq!(
        after_expiry.status,
        StatusCode::CREATED,
        "{:?}",
        after_expiry.body
    );
}

#[tokio::test]
async fn the_limit_is_configurable_and_zero_turns_it_off() {
    let two = TestApp::with_config(&[("MAX_TICKETS_PER_SCHEDULE", "2")]).await;
    let off = TestApp::with_config(&[("MAX_TICKETS_PER_SCHEDULE", "0")]).await;
    let show_two = two.show_on_sale(30, 3).await;
    let show_off = off.show_on_sale(30, 8).await;
    let fan_two = two.user("fan@example.com").await;
    let fan_off = off.user("fan@example.com").await;

    let within = hold(&two, &fan_two, &show_two, &show_two.seat_ids[..2]).await;
    let beyond = hold(&two, &fan_two, &show_two, &show_two.seat_ids[2..]).await;
    let unlimited_a = hold(&off, &fan_off, &show_off, &show_off.seat_ids[..4]).await;
    let unlimited_b = hold(&off, &fan_off, &show_off, &show_off.seat_ids[4..]).await;

    assert_eq!(within.status, StatusCode::CREATED);
    assert_eq!(beyond.body["error"]["limit"], 2);
    assert_eq!(unlimited_a.status, StatusCode::CREATED);
    assert_eq!(unlimited_b.status, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_racing_holds_on_two_processes_get_one_person_exactly_four_seats() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 20).await;
    let fan = app.user("fan@example.com").await;
    let second_process = marquee_api::app(AppState::new(app.db.second_pool().await, &app.config));

    let racers = show.seat_ids.iter().enumerate().map(|(i, seat)| {
        let router = if i % 2 == 0 {
            &app.router
        } else {
            &second_process
        };
        let body = json!({"schedule_id": show.schedule_id, "seat_ids": [seat]});
        spawn_post(router, "/api/v1/holds", &fan.token, Some(body), &[])
    });
    let answers: Vec<TestResponse> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let held: i64 = sqlx::query_scalar(
        "select count(*) from seats where hold_user_id = ? and hold_expires_at > current_timestamp(6)",
    )
    .bind(fan.id)
    .fetch_one(app.pool())
    .await
    .unwrap();

    let created = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    let refused = answers
        .iter()
        .filter(|a| a.code() == "TICKET_LIMIT_REACHED")
        .count();
    assert_eq!((created, refused), (4, 16), "{answers:?}");
    assert_eq!(held, 4);
}

/// The one-trip limited hold runs its transaction inside MariaDB. A statement failing in
/// there must roll it back before the error leaves, or the pooled connection would go
/// on holding the person's row lock for whichever request uses it next.
#[tokio::test]
async fn a_limited_hold_failing_inside_the_database_leaves_no_transaction_open() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 4).await;
    let fan = app.user("fan@example.com").await;
    // A fault after the user row is locked: the take itself fails.
    sqlx::raw_sql(&format!(
        "create trigger seats_fault before update on seats for each row
           if new.hold_user_id = {} then
             signal sqlstate '45000' set message_text = 'injected fault';
           end if",
        fan.id
    ))
    .execute(app.pool())
    .await
    .unwrap();
    let failed = hold(&app, &fan, &show, &show.seat_ids[..1]).await;
    assert!(failed.status.is_server_error(), "{:?}", failed.body);

    // Nothing keeps the person's row: another connection locks it at once.
    let mut other = app.pool().begin().await.unwrap();
    sqlx::query("select id from users where id = ? for update nowait")
        .bind(fan.id)
        .execute(&mut *other)
        .await
        .expect("no transaction left open holds the user row");
    other.rollback().await.unwrap();
    sqlx::raw_sql("drop trigger seats_fault")
        .execute(app.pool())
        .await
        .unwrap();
    let held = hold(&app, &fan, &show, &show.seat_ids[..1]).await;
    assert_eq!(held.status, StatusCode::CREATED, "{:?}", held.body);
    let marked: i64 = sqlx::query_scalar("select count(*) from seats where hold_user_id = ?")
        .bind(fan.id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(marked, 1, "the failed attempt left no mark");
}
