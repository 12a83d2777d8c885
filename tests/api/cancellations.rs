//! The booking fee and partial cancellation (부분취소) of an order, against MariaDB.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::harness::{TestApp, TestUser};

const FEE: (&str, &str) = ("BOOKING_FEE", "2000");

fn ticket_ids(order: &Value) -> Vec<i64> {
    order["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

async fn cancel(
    app: &TestApp,
    user: &TestUser,
    number: &Value,
    tickets: &[i64],
    key: Option<&str>,
) -> crate::harness::TestResponse {
    let path = format!("/api/v1/orders/{}/cancel", number.as_str().unwrap());
    let body = json!({ "ticket_ids": tickets });
    match key {
        Some(key) => app.post_with_key(user, &path, Some(body), key).await,
        None => app.post(&path, Some(&user.token), body).await,
    }
}

async fn status_of(app: &TestApp, ticket_id: i64) -> String {
    sqlx::query_scalar("select cast(status as char) from tickets where id = ?")
        .bind(ticket_id)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn each_ticket_pays_a_booking_fee_that_comes_back_only_on_the_booking_day() {
    let app = TestApp::with_config(&[FEE]).await;
    let show = app.show_on_sale(30, 3).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 200_000).await;

    let order = app.buy(&buyer, show.schedule_id, &show.seat_ids).await;

    assert_eq!(order["total"], 156_000, "{order}");
    assert_eq!(order["booking_fees"], 6_000);
    for ticket in order["tickets"].as_array().unwrap() {
        assert_eq!(ticket["paid_amount"], 50_000);
        assert_eq!(ticket["booking_fee"], 2_000);
    }
    assert_eq!(app.balance(&buyer).await, 44_000);

    // Cancelled the day it was booked: the price and the fee come back.
    let [today, yesterday, _] = ticket_ids(&order)[..] else {
        panic!("three tickets")
    };
    app.book_earlier(yesterday, 4).await;
    let same_day = app
        .post(
            &format!("/api/v1/tickets/{today}/refund"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    assert_eq!(same_day.status, StatusCode::OK, "{:?}", same_day.body);
    assert_eq!(same_day.body["refund_fee"], 0);
    assert_eq!(same_day.body["refund_amount"], 52_000);
    assert_eq!(same_day.body["booking_fee_refunded"], true);

    // Booked on an earlier day: the price by the policy (30 days ahead: all of it), the
    // fee kept.
    let later = cancel(&app, &buyer, &order["number"], &[yesterday], None).await;
    assert_eq!(later.status, StatusCode::OK, "{:?}", later.body);
    let kept = &later.body["tickets"][1];
    assert_eq!(kept["refund_fee"], 0);
    assert_eq!(kept["refund_amount"], 50_000);
    assert_eq!(kept["booking_fee_refunded"], false);
    assert_eq!(later.body["status"], "PARTLY_CANCELLED");
    assert_eq!(later.body["booking_fees"], 6_000);
    assert_eq!(later.body["refunded"], 102_000);

    assert_eq!(app.balance(&buyer).await, 44_000 + 102_000);
    assert_eq!(app.ledger_sum(&buyer).await, app.balance(&buyer).await);
}

#[tokio::test]
async fn a_partial_cancellation_refunds_each_ticket_by_its_own_terms_and_frees_its_seats() {
    let app = TestApp::with_config(&[FEE]).await;
    let show = app.show_on_sale(5, 3).await;
    let buyer = app.user("buyer@example.com").await;
    let other = app.user("other@example.com").await;
    app.charge(&buyer, 200_000).await;
    let order = app.buy(&buyer, show.schedule_id, &show.seat_ids).await;
    let ids = ticket_ids(&order);
    // One ticket past the 24 hours of cooling-off, one still inside it: 5 days ahead
    // the first keeps 20% of its price, the second comes back whole with its fee.
    app.book_earlier(ids[0], 4).await;

    let answer = cancel(&app, &buyer, &order["number"], &ids[..2], Some("cancel-1")).await;

    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["number"], order["number"]);
    assert_eq!(answer.body["status"], "PARTLY_CANCELLED");
    let tickets = answer.body["tickets"].as_array().unwrap();
    assert_eq!(tickets[0]["status"], "REFUNDED");
    assert_eq!(tickets[0]["refund_fee"], 10_000);
    assert_eq!(tickets[0]["refund_amount"], 40_000);
    assert_eq!(tickets[1]["status"], "REFUNDED");
    assert_eq!(tickets[1]["refund_fee"], 0);
    assert_eq!(tickets[1]["refund_amount"], 52_000);
    assert_eq!(tickets[2]["status"], "VALID");
    assert_eq!(answer.body["refunded"], 92_000);
    assert_eq!(app.balance(&buyer).await, 200_000 - 156_000 + 92_000);
    assert_eq!(app.ledger_sum(&buyer).await, app.balance(&buyer).await);
    // The two seats are on sale again; the third is still sold.
    app.charge(&other, 200_000).await;
    app.hold(&other, show.schedule_id, &show.seat_ids[..2])
        .await;
    let third = app
        .post(
            "/api/v1/holds",
            Some(&other.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": [show.seat_ids[2]]}),
        )
        .await;
    assert_eq!(third.code(), "SEAT_UNAVAILABLE");

    // A retry with the key answers the order again and pays nothing more.
    let retry = cancel(
        &app,
        &buyer,
        &order["number"],
        &[ids[1], ids[0]],
        Some("cancel-1"),
    )
    .await;
    assert_eq!(retry.status, StatusCode::OK, "{:?}", retry.body);
    assert_eq!(retry.body["refunded"], 92_000);
    // The key names other tickets now: refused, and the last ticket stays valid.
    let reused = cancel(&app, &buyer, &order["number"], &ids[2..], Some("cancel-1")).await;
    assert_eq!(
        reused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reused.body
    );
    assert_eq!(reused.code(), "IDEMPOTENCY_KEY_REUSED");
    // Without a key, cancelling a refunded ticket is refused, and so is the whole
    // request: the valid ticket named with it is not refunded either.
    let again = cancel(&app, &buyer, &order["number"], &ids[1..], None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "TICKET_NOT_REFUNDABLE");
    assert_eq!(status_of(&app, ids[2]).await, "VALID");
    assert_eq!(app.balance(&buyer).await, 200_000 - 156_000 + 92_000);

    // The rest cancels the order.
    let rest = cancel(&app, &buyer, &order["number"], &ids[2..], None).await;
    assert_eq!(rest.status, StatusCode::OK, "{:?}", rest.body);
    assert_eq!(rest.body["status"], "CANCELLED");
    assert_eq!(app.ledger_sum(&buyer).await, app.balance(&buyer).await);
}

#[tokio::test]
async fn a_cancellation_names_only_the_callers_own_refundable_tickets_of_that_order() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 3).await;
    let buyer = app.user("buyer@example.com").await;
    let stranger = app.user("stranger@example.com").await;
    app.charge(&buyer, 200_000).await;
    let order = app.buy(&buyer, show.schedule_id, &show.seat_ids[..2]).await;
    let other_order = app.buy(&buyer, show.schedule_id, &show.seat_ids[2..]).await;
    let ids = ticket_ids(&order);
    let listed = app
        .post(
            "/api/v1/trades",
            Some(&buyer.token),
            json!({"ticket_id": ids[1], "price": 50_000}),
        )
        .await;
    assert_eq!(listed.status, StatusCode::CREATED, "{:?}", listed.body);

    let theirs = cancel(&app, &stranger, &order["number"], &ids[..1], None).await;
    let not_of_this_order = cancel(
        &app,
        &buyer,
        &order["number"],
        &[ids[0], ticket_ids(&other_order)[0]],
        None,
    )
    .await;
    let with_listed = cancel(&app, &buyer, &order["number"], &ids, None).await;
    let nothing = cancel(&app, &buyer, &order["number"], &[], None).await;
    let malformed = app
        .post(
            &format!(
                "/api/v1/orders/{}/cancel",
                order["number"].as_str().unwrap()
            ),
            Some(&buyer.token),
            json!({"ticket_ids": "all"}),
        )
        .await;

    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(theirs.code(), "ORDER_NOT_FOUND");
    assert_eq!(not_of_this_order.status, StatusCode::NOT_FOUND);
    assert_eq!(not_of_this_order.code(), "TICKET_NOT_FOUND");
    assert_eq!(with_listed.status, StatusCode::CONFLICT);
    assert_eq!(with_listed.code(), "TICKET_LISTED");
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nothing.code(), "VALIDATION_FAILED");
    assert_eq!(
        malformed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        malformed.body
    );
    // Nothing was refunded by any of them.
    for id in ids.iter().chain(&ticket_ids(&other_order)) {
        assert_eq!(status_of(&app, *id).await, "VALID");
    }
    assert_eq!(app.balance(&buyer).await, 50_000);
}

/// A cancellation racing a refund of one of its tickets and another cancellation of an
/// overlapping set: every ticket is refunded once, and the points equal the ledger.
#[tokio::test]
async fn racing_cancellations_and_refunds_pay_each_ticket_once() {
    let app = TestApp::with_config(&[FEE]).await;
    let show = app.show_on_sale(30, 4).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 300_000).await;
    let order = app.buy(&buyer, show.schedule_id, &show.seat_ids).await;
    let ids = ticket_ids(&order);
    let refund_path = format!("/api/v1/tickets/{}/refund", ids[1]);

    let (a, b, c) = tokio::join!(
        cancel(&app, &buyer, &order["number"], &ids[..2], Some("a")),
        cancel(&app, &buyer, &order["number"], &ids[1..3], Some("b")),
        app.post(&refund_path, Some(&buyer.token), json!({})),
    );

    // Ticket 2 is in all three: exactly one of them refunds it, and a request that
    // loses it refunds nothing at all.
    let winners = [&a, &b, &c]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(winners, 1, "{:?} {:?} {:?}", a.body, b.body, c.body);
    for loser in [&a, &b, &c].iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(loser.status, StatusCode::CONFLICT, "{:?}", loser.body);
    }
    let refunds: i64 =
        sqlx::query_scalar("select count(*) from point_ledger where reason = 'REFUND'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    let refunded: i64 =
        sqlx::query_scalar("select count(*) from tickets where status = 'REFUNDED'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(refunds, refunded);
    assert!(refunded == 1 || refunded == 2, "{refunded}");
    assert_eq!(status_of(&app, ids[3]).await, "VALID");
    assert_eq!(app.ledger_sum(&buyer).await, app.balance(&buyer).await);
    assert_eq!(
        app.balance(&buyer).await,
        300_000 - 208_000 + refunded * 52_000
    );
}
