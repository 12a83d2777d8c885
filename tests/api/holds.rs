use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test]
async fn a_hold_takes_its_seats_and_nobody_else_can_hold_them() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 4).await;
    let first = app.user("first@example.com").await;
    let second = app.user("second@example.com").await;

    let held = app
        .post(
            "/api/v1/holds",
            Some(&first.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": &show.seat_ids[..2]}),
        )
        .await;
    // Overlaps one held seat: all or nothing, so the free seat is not taken either.
    let overlap = app
        .post("/api/v1/holds", Some(&second.token), json!({"schedule_id": show.schedule_id, "seat_ids": [show.seat_ids[1], show.seat_ids[2]]}))
        .await;
    let seats = app
        .get(
            &format!(
                "/api/v1/shows/{}/schedules/{}/seats",
                show.show_id, show.schedule_id
            ),
            None,
        )
        .await;

    assert_eq!(held.status, StatusCode::CREATED, "{:?}", held.body);
    assert_eq!(held.body["seat_ids"], json!(&show.seat_ids[..2]));
    assert!(held.body["expires_at"].is_string());
    assert_eq!(overlap.status, StatusCode::CONFLICT);
    assert_eq!(overlap.code(), "SEAT_UNAVAILABLE");
    let statuses: Vec<&str> = seats.body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["HELD", "HELD", "AVAILABLE", "AVAILABLE"]);
}

#[tokio::test]
async fn hold_size_is_capped_by_configuration() {
    let app = TestApp::with_config(&[("MAX_SEATS_PER_HOLD", "2")]).await;
    let show = app.show_on_sale(30, 4).await;
    let user = app.user("fan@example.com").await;

    let too_many = app
        .post(
            "/api/v1/holds",
            Some(&user.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": &show.seat_ids[..3]}),
        )
        .await;
    let none = app
        .post(
            "/api/v1/holds",
            Some(&user.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": []}),
        )
        .await;

    assert_eq!(too_many.code(), "TOO_MANY_SEATS");
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(none.code(), "VALIDATION_FAILED");
    let marked: i64 = sqlx::query_scalar("select count(*) from seats where hold_id is not null")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(marked, 0);
}

#[tokio::test]
async fn seats_of_another_schedule_or_unknown_are_404_and_leave_no_hold() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let other = app.show_on_sale(30, 2).await;
    let user = app.user("fan@example.com").await;

    let foreign = app
        .post(
            "/api/v1/holds",
            Some(&user.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": [other.seat_ids[0]]}),
        )
        .await;
    let unknown_schedule = app
        .post(
            "/api/v1/holds",
            Some(&user.token),
            json!({"schedule_id": 987654, "seat_ids": [1]}),
        )
        .await;

    assert_eq!(foreign.code(), "SEAT_NOT_FOUND");
    assert_eq!(unknown_schedule.code(), "SCHEDULE_NOT_FOUND");
    let marked: i64 = sqlx::query_scalar("select count(*) from seats where hold_id is not null")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(marked, 0, "the failed hold rolled back");
}

#[tokio::test]
async fn an_expired_hold_frees_its_seats_without_the_sweeper() {
    let app = TestApp::with_config(&[("HOLD_TTL_SECS", "1")]).await;
    let show = app.show_on_sale(30, 1).await;
    let first = app.user("first@example.com").await;
    let second = app.user("second@example.com").await;
    let body = json!({"schedule_id": show.schedule_id, "seat_ids": [show.seat_ids[0]]});
    let expired = app
        .post("/api/v1/holds", Some(&first.token), body.clone())
        .await;

    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let taken_over = app.post("/api/v1/holds", Some(&second.token), body).await;
    let late_purchase = app
        .post(
            &format!("/api/v1/holds/{}/purchase", expired.body["id"]),
            Some(&first.token),
            json!({}),
        )
        .await;

    assert_eq!(taken_over.status, StatusCode::CREATED);
    // The hold's only seat now carries another hold: nothing of it is left.
    assert_eq!(late_purchase.code(), "HOLD_NOT_FOUND");
}

#[tokio::test]
async fn an_expired_hold_or_one_that_lost_a_seat_cannot_be_bought() {
    let app = TestApp::with_config(&[("HOLD_TTL_SECS", "1")]).await;
    let show = app.show_on_sale(30, 4).await;
    let first = app.user("first@example.com").await;
    let second = app.user("second@example.com").await;
    app.charge(&first, 500_000).await;
    let intact = app
        .hold(&first, show.schedule_id, &show.seat_ids[..2])
        .await;
    let robbed = app
        .hold(&first, show.schedule_id, &show.seat_ids[2..])
        .await;

    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    app.hold(&second, show.schedule_id, &show.seat_ids[3..])
        .await;
    let expired = app
        .post(
            &format!("/api/v1/holds/{intact}/purchase"),
            Some(&first.token),
            json!({}),
        )
        .await;
    let partial = app
        .post(
            &format!("/api/v1/holds/{robbed}/purchase"),
            Some(&first.token),
            json!({}),
        )
        .await;

    assert_eq!(expired.code(), "HOLD_NOT_ACTIVE");
    assert_eq!(
        partial.code(),
        "HOLD_NOT_ACTIVE",
        "one seat left is not the hold"
    );
    assert_eq!(app.balance(&first).await, 500_000);
    let sold: i64 = sqlx::query_scalar("select count(*) from seats where is_sold")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(sold, 0);
}

#[tokio::test]
async fn the_sweeper_clears_the_marks_of_expired_holds() {
    let app = TestApp::with_config(&[("HOLD_TTL_SECS", "1")]).await;
    let show = app.show_on_sale(30, 2).await;
    let user = app.user("fan@example.com").await;
    app.post(
        "/api/v1/holds",
        Some(&user.token),
        json!({"schedule_id": show.schedule_id, "seat_ids": &show.seat_ids}),
    )
    .await;

    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let swept = marquee_core::booking::holds::sweep_expired(app.pool())
        .await
        .unwrap();

    assert_eq!(swept, 2, "both seats of the hold");
    let marked: i64 = sqlx::query_scalar("select count(*) from seats where hold_id is not null")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(marked, 0);
}

#[tokio::test]
async fn releasing_a_hold_frees_the_seats_and_only_the_owner_can() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let owner = app.user("owner@example.com").await;
    let stranger = app.user("stranger@example.com").await;
    let body = json!({"schedule_id": show.schedule_id, "seat_ids": [show.seat_ids[0]]});
    let hold = app
        .post("/api/v1/holds", Some(&owner.token), body.clone())
        .await;
    let path = format!("/api/v1/holds/{}", hold.body["id"]);

    let by_stranger = app
        .send(Method::DELETE, &path, Some(&stranger.token), None)
        .await;
    let released = app
        .send(Method::DELETE, &path, Some(&owner.token), None)
        .await;
    let twice = app
        .send(Method::DELETE, &path, Some(&owner.token), None)
        .await;
    let retaken = app.post("/api/v1/holds", Some(&stranger.token), body).await;

    assert_eq!(by_stranger.code(), "HOLD_NOT_FOUND");
    assert_eq!(released.status, StatusCode::NO_CONTENT);
    assert_eq!(
        twice.code(),
        "HOLD_NOT_FOUND",
        "a released hold no longer exists"
    );
    assert_eq!(retaken.status, StatusCode::CREATED);
}

#[tokio::test]
async fn schedules_not_yet_open_or_already_started_are_not_on_sale() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let user = app.user("fan@example.com").await;
    let body = json!({"schedule_id": show.schedule_id, "seat_ids": [show.seat_ids[0]]});
    app.send(
        Method::PATCH,
        &format!("/api/v1/shows/{}", show.show_id),
        Some(&show.admin.token),
        Some(json!({"booking_opens_at": "2099-01-01T00:00:00Z"})),
    )
    .await;

    let before_opening = app
        .post("/api/v1/holds", Some(&user.token), body.clone())
        .await;
    sqlx::query("update shows set booking_opens_at = '2020-01-01'")
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query("update schedules set starts_at = current_timestamp(6) - interval 1 minute")
        .execute(app.pool())
        .await
        .unwrap();
    let after_start = app.post("/api/v1/holds", Some(&user.token), body).await;

    assert_eq!(before_opening.code(), "NOT_ON_SALE");
    assert_eq!(after_start.code(), "NOT_ON_SALE");
}

/// A hold confirms the session in its first look rather than in a look-up of its own
/// (see `SignedCaller`): a token whose session ended, by logout or by withdrawal, is
/// refused before anything is taken.
#[tokio::test]
async fn a_hold_after_logout_or_withdrawal_is_401_and_takes_nothing() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let leaver = app.user("leaver@example.com").await;
    let quitter = app.user("quitter@example.com").await;
    let other = app.user("other@example.com").await;

    let out = app
        .send(
            Method::POST,
            "/api/v1/auth/logout",
            Some(&leaver.token),
            None,
        )
        .await;
    let gone = app
        .send(
            Method::DELETE,
            "/api/v1/users/me",
            Some(&quitter.token),
            None,
        )
        .await;
    let after_logout = app
        .post(
            "/api/v1/holds",
            Some(&leaver.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": &show.seat_ids[..1]}),
        )
        .await;
    // Two seats: the transaction path, not the one-statement one.
    let after_withdrawal = app
        .post(
            "/api/v1/holds",
            Some(&quitter.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": &show.seat_ids}),
        )
        .await;
    // Nor does the 401 wait for the schedule: one that does not exist is not told.
    let unknown_schedule = app
        .post(
            "/api/v1/holds",
            Some(&leaver.token),
            json!({"schedule_id": 999_999_999, "seat_ids": [1]}),
        )
        .await;

    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(after_logout.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after_withdrawal.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_schedule.status, StatusCode::UNAUTHORIZED);
    let marked: i64 = sqlx::query_scalar("select count(*) from seats where hold_id is not null")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(marked, 0, "a refused hold marks no seat");
    let held = app
        .post(
            "/api/v1/holds",
            Some(&other.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": &show.seat_ids}),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{:?}", held.body);
}

/// A one-seat hold is taken in one statement whose expiry the api's clock writes; the
/// database refuses it unless it lies within the tolerance of its own now + TTL, and
/// the expiry answered is the one stored.
#[tokio::test]
async fn a_one_seat_holds_expiry_is_the_databases_now_plus_ttl_within_the_tolerance() {
    let app = TestApp::with_config(&[("HOLD_TTL_SECS", "120")]).await;
    let show = app.show_on_sale(30, 1).await;
    let buyer = app.user("buyer@example.com").await;

    let held = app
        .post(
            "/api/v1/holds",
            Some(&buyer.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": &show.seat_ids}),
        )
        .await;

    assert_eq!(held.status, StatusCode::CREATED, "{:?}", held.body);
    let (stored, left_ms): (chrono::DateTime<chrono::Utc>, i64) = sqlx::query_as(
        "select hold_expires_at, timestampdiff(microsecond, current_timestamp(6), hold_expires_at) div 1000
         from seats where id = ?",
    )
    .bind(show.seat_ids[0])
    .fetch_one(app.pool())
    .await
    .unwrap();
    let answered: chrono::DateTime<chrono::Utc> =
        held.body["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(answered, stored);
    let tolerance = marquee_core::booking::holds::CLOCK_TOLERANCE.as_millis() as i64;
    // Read a moment after the take: up to a few seconds of a busy machine earlier.
    assert!(
        (120_000 - tolerance - 5_000..=120_000 + tolerance).contains(&left_ms),
        "{left_ms} ms left of a 120 s hold"
    );
}
