use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{send, TestApp};

#[tokio::test]
async fn purchase_turns_a_hold_into_tickets_and_debits_points() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 3).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 120_000).await;
    let hold_id = app
        .hold(&buyer, show.schedule_id, &show.seat_ids[..2])
        .await;

    let order = app
        .post(
            &format!("/api/v1/holds/{hold_id}/purchase"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    let tickets = app.get("/api/v1/tickets", Some(&buyer.token)).await;
    let seats = app
        .get(
            &format!(
                "/api/v1/shows/{}/schedules/{}/seats",
                show.show_id, show.schedule_id
            ),
            None,
        )
        .await;

    assert_eq!(order.status, StatusCode::CREATED, "{:?}", order.body);
    assert_eq!(order.body["total"], 100_000);
    let codes: Vec<&str> = order.body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 2);
    assert_ne!(codes[0], codes[1]);
    assert!(codes.iter().all(|c| c.len() == 22));
    assert_eq!(order.body["tickets"][0]["face_value"], 50_000);
    assert_eq!(order.body["tickets"][0]["status"], "VALID");
    assert_eq!(tickets.body["total"], 2);
    assert_eq!(app.balance(&buyer).await, 20_000);
    assert_eq!(app.ledger_sum(&buyer).await, 20_000);
    assert_eq!(seats.body["seats"][0]["status"], "SOLD");
    assert_eq!(seats.body["seats"][2]["status"], "AVAILABLE");
}

#[tokio::test]
async fn not_enough_points_is_402_with_the_shortfall_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 30_000).await;
    let hold_id = app.hold(&buyer, show.schedule_id, &show.seat_ids).await;

    let refused = app
        .post(
            &format!("/api/v1/holds/{hold_id}/purchase"),
            Some(&buyer.token),
            json!({}),
        )
        .await;

    assert_eq!(refused.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(refused.code(), "INSUFFICIENT_POINTS");
    assert_eq!(refused.body["error"]["shortfall"], 70_000);
    assert_eq!(app.balance(&buyer).await, 30_000);
    let (tickets, orders): (i64, i64) =
        sqlx::query_as("select (select count(*) from tickets), (select count(*) from orders)")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!((tickets, orders), (0, 0));
    // The hold is still live: topping up and retrying works.
    app.charge(&buyer, 70_000).await;
    let retried = app
        .post(
            &format!("/api/v1/holds/{hold_id}/purchase"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    assert_eq!(retried.status, StatusCode::CREATED);
    assert_eq!(app.balance(&buyer).await, 0);
}

#[tokio::test]
async fn retrying_with_the_same_idempotency_key_returns_the_same_order_once_paid() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 200_000).await;
    let hold_id = app
        .hold(&buyer, show.schedule_id, &show.seat_ids[..1])
        .await;
    let path = format!("/api/v1/holds/{hold_id}/purchase");
    let key = [("idempotency-key", "order-7f3a")];

    let first = send(
        &app.router,
        Method::POST,
        &path,
        Some(&buyer.token),
        None,
        &key,
    )
    .await;
    let retry = send(
        &app.router,
        Method::POST,
        &path,
        Some(&buyer.token),
        None,
        &key,
    )
    .await;
    let other_key = send(
        &app.router,
        Method::POST,
        &path,
        Some(&buyer.token),
        None,
        &[("idempotency-key", "another")],
    )
    .await;

    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.body, first.body);
    assert_eq!(other_key.code(), "HOLD_NOT_ACTIVE");
    assert_eq!(app.balance(&buyer).await, 150_000);

    // The same key on a different hold is a client bug, not a retry.
    let second_hold = app
        .hold(&buyer, show.schedule_id, &show.seat_ids[1..])
        .await;
    let reused = send(
        &app.router,
        Method::POST,
        &format!("/api/v1/holds/{second_hold}/purchase"),
        Some(&buyer.token),
        None,
        &key,
    )
    .await;
    assert_eq!(reused.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(app.balance(&buyer).await, 150_000);
}

#[tokio::test]
async fn someone_elses_hold_cannot_be_bought() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let owner = app.user("owner@example.com").await;
    let thief = app.user("thief@example.com").await;
    app.charge(&thief, 100_000).await;
    let hold_id = app.hold(&owner, show.schedule_id, &show.seat_ids).await;

    let stolen = app
        .post(
            &format!("/api/v1/holds/{hold_id}/purchase"),
            Some(&thief.token),
            json!({}),
        )
        .await;

    assert_eq!(stolen.code(), "HOLD_NOT_FOUND");
    assert_eq!(app.balance(&thief).await, 100_000);
}

#[tokio::test]
async fn a_ticket_is_visible_to_its_holder_only() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let buyer = app.user("buyer@example.com").await;
    let other = app.user("other@example.com").await;
    app.charge(&buyer, 50_000).await;
    let hold_id = app.hold(&buyer, show.schedule_id, &show.seat_ids).await;
    let order = app
        .post(
            &format!("/api/v1/holds/{hold_id}/purchase"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    let ticket_id = order.body["tickets"][0]["id"].as_i64().unwrap();

    let mine = app
        .get(&format!("/api/v1/tickets/{ticket_id}"), Some(&buyer.token))
        .await;
    let theirs = app
        .get(&format!("/api/v1/tickets/{ticket_id}"), Some(&other.token))
        .await;

    assert_eq!(mine.body["show_title"], "시카고");
    assert_eq!(mine.body["row"], "A");
    assert_eq!(theirs.code(), "TICKET_NOT_FOUND");
}

/// A purchase confirms the session in the statement that locks the buyer's row (see
/// `SignedCaller`): after logout or withdrawal it is 401, sells nothing and moves no
/// point, and a retry of a paid purchase does not hand its order to the ended session.
#[tokio::test]
async fn a_purchase_after_logout_or_withdrawal_is_401_and_sells_nothing() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 3).await;
    let leaver = app.user("leaver@example.com").await;
    let quitter = app.user("quitter@example.com").await;
    for user in [&leaver, &quitter] {
        app.charge(user, 200_000).await;
    }
    let paid_hold = app
        .hold(&leaver, show.schedule_id, &show.seat_ids[..1])
        .await;
    let paid_path = format!("/api/v1/holds/{paid_hold}/purchase");
    let paid = app.post_with_key(&leaver, &paid_path, None, "k-1").await;
    let open_hold = app
        .hold(&leaver, show.schedule_id, &show.seat_ids[1..2])
        .await;
    let quitter_hold = app
        .hold(&quitter, show.schedule_id, &show.seat_ids[2..])
        .await;

    app.send(
        Method::POST,
        "/api/v1/auth/logout",
        Some(&leaver.token),
        None,
    )
    .await;
    app.send(
        Method::DELETE,
        "/api/v1/users/me",
        Some(&quitter.token),
        None,
    )
    .await;
    let open_after_logout = app
        .post_with_key(
            &leaver,
            &format!("/api/v1/holds/{open_hold}/purchase"),
            None,
            "k-2",
        )
        .await;
    let replay_after_logout = app.post_with_key(&leaver, &paid_path, None, "k-1").await;
    let after_withdrawal = app
        .post(
            &format!("/api/v1/holds/{quitter_hold}/purchase"),
            Some(&quitter.token),
            json!({}),
        )
        .await;

    assert_eq!(paid.status, StatusCode::CREATED, "{:?}", paid.body);
    assert_eq!(open_after_logout.status, StatusCode::UNAUTHORIZED);
    assert_eq!(replay_after_logout.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after_withdrawal.status, StatusCode::UNAUTHORIZED);
    let (orders, sold): (i64, i64) = sqlx::query_as(
        "select (select count(*) from orders), (select count(*) from seats where is_sold)",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(
        (orders, sold),
        (1, 1),
        "only the purchase made while signed in"
    );
    assert_eq!(app.balance(&leaver).await, 150_000);
    assert_eq!(app.balance(&quitter).await, 200_000);
    assert_eq!(app.ledger_sum(&quitter).await, 200_000);
}
