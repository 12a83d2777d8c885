//! Money and identifiers at the edges: ids compared byte for byte, a payment id sent
//! again with another amount, purchases of shows no longer on sale, retried refunds and
//! listings, and ids a JavaScript client can hold exactly.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{spawn_post, ShowFixture, TestApp, TestResponse, TestUser};

/// `Number.MAX_SAFE_INTEGER`: the largest integer `JSON.parse` keeps exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

async fn charge(app: &TestApp, user: &TestUser, payment_id: &str, amount: i64) -> TestResponse {
    app.post(
        "/api/v1/points/charges",
        Some(&user.token),
        json!({"payment_id": payment_id, "amount": amount}),
    )
    .await
}

async fn ticket_of(app: &TestApp, show: &ShowFixture, buyer: &TestUser, seat: usize) -> i64 {
    let order = app
        .buy(buyer, show.schedule_id, &[show.seat_ids[seat]])
        .await;
    order["tickets"][0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn payment_ids_that_differ_only_in_case_are_two_payments() {
    let app = TestApp::spawn().await;
    let fan = app.user("fan@example.com").await;

    let lower = charge(&app, &fan, "dev_pay_abc", 10_000).await;
    let upper = charge(&app, &fan, "dev_pay_ABC", 20_000).await;

    assert_eq!(lower.status, StatusCode::CREATED, "{:?}", lower.body);
    assert_eq!(upper.status, StatusCode::CREATED, "{:?}", upper.body);
    assert_ne!(upper.body["charge_id"], lower.body["charge_id"]);
    assert_eq!(app.balance(&fan).await, 30_000);
    assert_eq!(app.ledger_sum(&fan).await, 30_000);
}

#[tokio::test]
async fn idempotency_keys_that_differ_only_in_case_name_two_purchases() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 100_000).await;
    let first_hold = app
        .hold(&buyer, show.schedule_id, &show.seat_ids[..1])
        .await;
    let second_hold = app
        .hold(&buyer, show.schedule_id, &show.seat_ids[1..])
        .await;

    let first = app
        .post_with_key(
            &buyer,
            &format!("/api/v1/holds/{first_hold}/purchase"),
            None,
            "Order-Key",
        )
        .await;
    let second = app
        .post_with_key(
            &buyer,
            &format!("/api/v1/holds/{second_hold}/purchase"),
            None,
            "order-key",
        )
        .await;

    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(second.status, StatusCode::CREATED, "{:?}", second.body);
    assert_ne!(first.body["id"], second.body["id"]);
    assert_eq!(app.balance(&buyer).await, 0);
}

#[tokio::test]
async fn a_payment_id_sent_again_with_another_amount_is_409_with_the_credited_amount() {
    let app = TestApp::spawn().await;
    let fan = app.user("fan@example.com").await;

    let first = charge(&app, &fan, "dev_once", 10_000).await;
    let other_amount = charge(&app, &fan, "dev_once", 99_000).await;
    let retry = charge(&app, &fan, "dev_once", 10_000).await;

    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(other_amount.status, StatusCode::CONFLICT);
    assert_eq!(other_amount.code(), "PAYMENT_AMOUNT_MISMATCH");
    assert_eq!(other_amount.body["error"]["credited_amount"], 10_000);
    assert_eq!(retry.status, StatusCode::OK, "the same amount is a retry");
    assert_eq!(retry.body["already_credited"], true);
    assert_eq!(app.balance(&fan).await, 10_000);
}

#[tokio::test]
async fn a_hold_of_a_show_deleted_or_started_since_cannot_be_paid() {
    let app = TestApp::spawn().await;
    let deleted = app.show_on_sale(30, 1).await;
    let started = app.show_on_sale(30, 1).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 100_000).await;
    let deleted_hold = app
        .hold(&buyer, deleted.schedule_id, &deleted.seat_ids)
        .await;
    let started_hold = app
        .hold(&buyer, started.schedule_id, &started.seat_ids)
        .await;
    let deleting = app
        .send(
            Method::DELETE,
            &format!("/api/v1/shows/{}", deleted.show_id),
            Some(&deleted.admin.token),
            None,
        )
        .await;
    sqlx::query(
        "update schedules set starts_at = current_timestamp(6) - interval 1 minute where id = ?",
    )
    .bind(started.schedule_id)
    .execute(app.pool())
    .await
    .unwrap();

    let paying_deleted = app
        .post(
            &format!("/api/v1/holds/{deleted_hold}/purchase"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    let paying_started = app
        .post(
            &format!("/api/v1/holds/{started_hold}/purchase"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    let tickets: i64 = sqlx::query_scalar("select count(*) from tickets")
        .fetch_one(app.pool())
        .await
        .unwrap();

    assert_eq!(deleting.status, StatusCode::NO_CONTENT);
    assert_eq!(
        paying_deleted.status,
        StatusCode::CONFLICT,
        "{:?}",
        paying_deleted.body
    );
    assert_eq!(paying_deleted.code(), "NOT_ON_SALE");
    assert_eq!(paying_started.code(), "NOT_ON_SALE");
    assert_eq!(tickets, 0);
    assert_eq!(app.balance(&buyer).await, 100_000);
    assert_eq!(app.ledger_sum(&buyer).await, 100_000);
}

#[tokio::test]
async fn a_retried_refund_with_its_key_answers_the_first_refund_and_pays_once() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 100_000).await;
    let ticket = ticket_of(&app, &show, &buyer, 0).await;
    let other_ticket = ticket_of(&app, &show, &buyer, 1).await;
    let path = format!("/api/v1/tickets/{ticket}/refund");

    let first = app.post_with_key(&buyer, &path, None, "refund-1").await;
    let retry = app.post_with_key(&buyer, &path, None, "refund-1").await;
    let without_key = app.post(&path, Some(&buyer.token), json!({})).await;
    let key_on_another_ticket = app
        .post_with_key(
            &buyer,
            &format!("/api/v1/tickets/{other_ticket}/refund"),
            None,
            "refund-1",
        )
        .await;
    let key_in_another_case = app
        .post_with_key(
            &buyer,
            &format!("/api/v1/tickets/{other_ticket}/refund"),
            None,
            "REFUND-1",
        )
        .await;

    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.body, first.body);
    assert_eq!(without_key.code(), "TICKET_NOT_REFUNDABLE");
    assert_eq!(key_on_another_ticket.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(key_in_another_case.status, StatusCode::OK, "another key");
    assert_eq!(app.balance(&buyer).await, 100_000);
    assert_eq!(app.ledger_sum(&buyer).await, 100_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refund_retries_with_one_key_on_two_api_processes_pay_once() {
    let app = TestApp::spawn().await;
    let second_process = marquee_api::app(marquee_api::AppState::new(
        app.db.second_pool().await,
        &app.config,
    ));
    let show = app.show_on_sale(30, 1).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 50_000).await;
    let ticket = ticket_of(&app, &show, &buyer, 0).await;
    let path = format!("/api/v1/tickets/{ticket}/refund");

    let attempts = (0..8).map(|i| {
        let router = if i % 2 == 0 {
            &app.router
        } else {
            &second_process
        };
        spawn_post(
            router,
            &path,
            &buyer.token,
            None,
            &[("idempotency-key", "lost-answer")],
        )
    });
    let answers = futures::future::join_all(attempts).await;

    for answer in answers {
        let answer = answer.unwrap();
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        assert_eq!(answer.body["status"], "REFUNDED");
    }
    assert_eq!(app.balance(&buyer).await, 50_000);
    assert_eq!(app.ledger_sum(&buyer).await, 50_000);
}

#[tokio::test]
async fn a_retried_listing_with_its_key_answers_the_first_trade() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let seller = app.user("seller@example.com").await;
    app.charge(&seller, 100_000).await;
    let ticket = ticket_of(&app, &show, &seller, 0).await;
    let other_ticket = ticket_of(&app, &show, &seller, 1).await;
    let listing = |ticket_id: i64| Some(json!({"ticket_id": ticket_id, "price": 40_000}));

    let first = app
        .post_with_key(&seller, "/api/v1/trades", listing(ticket), "list-1")
        .await;
    let retry = app
        .post_with_key(&seller, "/api/v1/trades", listing(ticket), "list-1")
        .await;
    let without_key = app
        .post(
            "/api/v1/trades",
            Some(&seller.token),
            listing(ticket).unwrap(),
        )
        .await;
    let key_on_another_ticket = app
        .post_with_key(&seller, "/api/v1/trades", listing(other_ticket), "list-1")
        .await;
    let open: i64 = sqlx::query_scalar("select count(*) from trades where status = 'OPEN'")
        .fetch_one(app.pool())
        .await
        .unwrap();

    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.body, first.body);
    assert_eq!(without_key.code(), "TICKET_LISTED");
    assert_eq!(key_on_another_ticket.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(open, 1);
}

/// Every integer anywhere in `value` that JSON.parse would round.
fn unsafe_integers(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Number(number) => {
            let exact = number
                .as_u64()
                .map(|n| n <= MAX_SAFE_INTEGER)
                .or_else(|| {
                    number
                        .as_i64()
                        .map(|n| n.unsigned_abs() <= MAX_SAFE_INTEGER)
                })
                .unwrap_or(true);
            if !exact {
                found.push(format!("{path} = {number}"));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                unsafe_integers(item, &format!("{path}[{i}]"), found);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                unsafe_integers(item, &format!("{path}.{key}"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_id_a_booking_journey_hands_out_survives_json_parse() {
    // One person holds 16 seats here: the per-person limit is not the subject.
    let app = TestApp::with_config(&[("MAX_TICKETS_PER_SCHEDULE", "0")]).await;
    let show = app.show_on_sale(30, 20).await;
    let seller = app.user("seller@example.com").await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&seller, 1_000_000).await;
    app.charge(&buyer, 1_000_000).await;
    let mut answers: Vec<(String, Value)> = Vec::new();
    // Random hold ids: with 63 random bits, 16 holds all below 2^53 had a chance of
    // 2^-160; now every one must be.
    let mut holds = Vec::new();
    for seat in &show.seat_ids[..16] {
        let response = app
            .post(
                "/api/v1/holds",
                Some(&seller.token),
                json!({"schedule_id": show.schedule_id, "seat_ids": [seat]}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
        holds.push(response.body["id"].as_i64().unwrap());
        answers.push(("POST /holds".into(), response.body));
    }
    let order = app
        .post(
            &format!("/api/v1/holds/{}/purchase", holds[0]),
            Some(&seller.token),
            json!({}),
        )
        .await;
    let ticket_id = order.body["tickets"][0]["id"].as_i64().unwrap();
    answers.push(("purchase".into(), order.body));
    let trade = app
        .post(
            "/api/v1/trades",
            Some(&seller.token),
            json!({"ticket_id": ticket_id, "price": 50_000}),
        )
        .await;
    let trade_id = trade.body["id"].as_i64().unwrap();
    answers.push(("POST /trades".into(), trade.body));
    let bought = app
        .post(
            &format!("/api/v1/trades/{trade_id}/purchase"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    answers.push(("trade purchase".into(), bought.body));
    for path in [
        "/api/v1/tickets".to_string(),
        format!("/api/v1/tickets/{ticket_id}/lineage"),
        "/api/v1/points".to_string(),
        "/api/v1/users/me/trades".to_string(),
        format!("/api/v1/shows/{}", show.show_id),
        format!(
            "/api/v1/shows/{}/schedules/{}/seats",
            show.show_id, show.schedule_id
        ),
    ] {
        let response = app.get(&path, Some(&seller.token)).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{path}: {:?}",
            response.body
        );
        answers.push((path, response.body));
    }

    let mut found = Vec::new();
    for (name, body) in &answers {
        unsafe_integers(body, name, &mut found);
    }
    assert!(
        found.is_empty(),
        "integers JSON.parse would round: {found:?}"
    );
}
