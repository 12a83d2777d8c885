//! The seat and point invariants under contention, decided by MariaDB alone. Requests
//! run in parallel on a multi-threaded runtime, and the two-instance test uses two
//! routers with separate connection pools: two api processes sharing one database.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use axum::Router;
use futures::future::join_all;
use marquee_api::AppState;
use serde_json::json;

use crate::harness::{send, TestApp, TestUser};

async fn users(app: &TestApp, count: usize) -> Vec<TestUser> {
    let mut users = Vec::with_capacity(count);
    for i in 0..count {
        users.push(app.user(&format!("racer{i}@example.com")).await);
    }
    users
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_simultaneous_holds_of_one_seat_give_exactly_one_hold() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let racers = users(&app, 200).await;
    let body = json!({"schedule_id": show.schedule_id, "seat_ids": [show.seat_ids[0]]});

    let responses = join_all(racers.iter().map(|user| {
        let router = app.router.clone();
        let body = body.clone();
        let token = user.token.clone();
        tokio::spawn(async move {
            send(
                &router,
                Method::POST,
                "/api/v1/holds",
                Some(&token),
                Some(body),
                &[],
            )
            .await
        })
    }))
    .await;

    let mut by_status: HashMap<u16, usize> = HashMap::new();
    for response in responses {
        let response = response.unwrap();
        if response.status == StatusCode::CONFLICT {
            assert_eq!(response.code(), "SEAT_UNAVAILABLE");
        }
        *by_status.entry(response.status.as_u16()).or_default() += 1;
    }
    assert_eq!(by_status, HashMap::from([(201, 1), (409, 199)]));
    let live: i64 = sqlx::query_scalar(
        "select count(*) from seats where hold_expires_at > current_timestamp(6)",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(live, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_api_instances_racing_never_put_a_seat_in_two_holds_or_two_tickets() {
    let app = TestApp::spawn().await;
    let second_pool = app.db.second_pool().await;
    let instances: [Router; 2] = [
        app.router.clone(),
        marquee_api::app(AppState::new(second_pool, &app.config)),
    ];
    let show = app.show_on_sale(30, 12).await;
    let racers = users(&app, 60).await;
    for racer in &racers {
        app.charge(racer, 200_000).await;
    }
    let seats = show.seat_ids.clone();

    // Each racer wants two adjacent seats, so requests overlap in many ways; racers
    // alternate between the two instances.
    let attempts = racers.iter().enumerate().map(|(i, racer)| {
        let router = instances[i % 2].clone();
        let pair = [seats[i % 11], seats[i % 11 + 1]];
        let token = racer.token.clone();
        let schedule_id = show.schedule_id;
        tokio::spawn(async move {
            let hold = send(
                &router,
                Method::POST,
                "/api/v1/holds",
                Some(&token),
                Some(json!({"schedule_id": schedule_id, "seat_ids": pair})),
                &[],
            )
            .await;
            if hold.status != StatusCode::CREATED {
                assert_eq!(hold.status, StatusCode::CONFLICT, "{:?}", hold.body);
                return None;
            }
            let path = format!("/api/v1/holds/{}/purchase", hold.body["id"]);
            let order = send(&router, Method::POST, &path, Some(&token), None, &[]).await;
            assert_eq!(order.status, StatusCode::CREATED, "{:?}", order.body);
            Some(order.body["tickets"].as_array().unwrap().len())
        })
    });
    let results = join_all(attempts).await;

    let tickets_issued: usize = results.into_iter().map(|r| r.unwrap().unwrap_or(0)).sum();
    assert!(tickets_issued >= 2, "someone must have won");
    let duplicate_tickets: i64 = sqlx::query_scalar(
        "select count(*) from (select seat_id from tickets where status = 'VALID' group by seat_id having count(*) > 1) d",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    let valid_tickets: i64 =
        sqlx::query_scalar("select count(*) from tickets where status = 'VALID'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    let sold_seats: i64 = sqlx::query_scalar("select count(*) from seats where is_sold")
        .fetch_one(app.pool())
        .await
        .unwrap();
    // Every order was paid for exactly the tickets it issued.
    let mismatched_orders: i64 = sqlx::query_scalar(
        "select count(*) from orders o
         where o.total <> (select coalesce(sum(t.face_value), 0) from tickets t where t.order_id = o.id)",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(duplicate_tickets, 0);
    assert_eq!(mismatched_orders, 0);
    assert_eq!(valid_tickets as usize, tickets_issued);
    assert_eq!(sold_seats, valid_tickets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_purchases_with_one_idempotency_key_charge_once() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 500_000).await;
    let hold_id = app.hold(&buyer, show.schedule_id, &show.seat_ids).await;
    let path = format!("/api/v1/holds/{hold_id}/purchase");

    let responses = join_all((0..50).map(|_| {
        let router = app.router.clone();
        let path = path.clone();
        let token = buyer.token.clone();
        tokio::spawn(async move {
            send(
                &router,
                Method::POST,
                &path,
                Some(&token),
                None,
                &[("idempotency-key", "checkout-42")],
            )
            .await
        })
    }))
    .await;

    let order_ids: Vec<i64> = responses
        .into_iter()
        .map(|r| {
            let r = r.unwrap();
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
            r.body["id"].as_i64().unwrap()
        })
        .collect();
    assert!(order_ids.iter().all(|id| *id == order_ids[0]));
    assert_eq!(app.balance(&buyer).await, 400_000);
    let debits: i64 =
        sqlx::query_scalar("select count(*) from point_ledger where reason = 'PURCHASE'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    let tickets: i64 = sqlx::query_scalar("select count(*) from tickets")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!((debits, tickets), (1, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_charges_with_one_payment_id_credit_once() {
    let app = TestApp::spawn().await;
    let user = app.user("fan@example.com").await;

    let responses = join_all((0..30).map(|_| {
        let router = app.router.clone();
        let token = user.token.clone();
        tokio::spawn(async move {
            send(
                &router,
                Method::POST,
                "/api/v1/points/charges",
                Some(&token),
                Some(json!({"payment_id": "dev_race", "amount": 7_000})),
                &[],
            )
            .await
        })
    }))
    .await;

    for response in responses {
        let response = response.unwrap();
        assert!(
            matches!(response.status.as_u16(), 200 | 201),
            "{:?}",
            response.body
        );
    }
    assert_eq!(app.balance(&user).await, 7_000);
    assert_eq!(app.ledger_sum(&user).await, 7_000);
}

/// Charges, purchases and refunds on one account at once: the balance always equals
/// the ledger and never dips below zero, whatever interleaving MariaDB picks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_charge_purchase_and_refund_keep_balance_equal_to_the_ledger() {
    // One user buys 24 seats of one schedule; the per-person limit is not the subject.
    let app = TestApp::with_config(&[("MAX_TICKETS_PER_SCHEDULE", "0")]).await;
    let show = app.show_on_sale(30, 40).await;
    let user = app.user("busy@example.com").await;
    app.charge(&user, 100_000).await;
    // Tickets to refund during the storm.
    let mut owned = Vec::new();
    for seat in &show.seat_ids[..4] {
        app.charge(&user, 50_000).await;
        let order = app.buy(&user, show.schedule_id, &[*seat]).await;
        owned.push(order["tickets"][0]["id"].as_i64().unwrap());
    }

    let mut tasks = Vec::new();
    for i in 0..20 {
        let router = app.router.clone();
        let token = user.token.clone();
        tasks.push(tokio::spawn(async move {
            let charge = json!({"payment_id": format!("dev_storm_{i}"), "amount": 10_000});
            send(
                &router,
                Method::POST,
                "/api/v1/points/charges",
                Some(&token),
                Some(charge),
                &[],
            )
            .await
            .status
        }));
    }
    for &seat in &show.seat_ids[4..24] {
        let router = app.router.clone();
        let token = user.token.clone();
        let schedule_id = show.schedule_id;
        tasks.push(tokio::spawn(async move {
            let hold = send(
                &router,
                Method::POST,
                "/api/v1/holds",
                Some(&token),
                Some(json!({"schedule_id": schedule_id, "seat_ids": [seat]})),
                &[],
            )
            .await;
            send(
                &router,
                Method::POST,
                &format!("/api/v1/holds/{}/purchase", hold.body["id"]),
                Some(&token),
                None,
                &[],
            )
            .await
            .status
        }));
    }
    for ticket in owned {
        for _ in 0..2 {
            let router = app.router.clone();
            let token = user.token.clone();
            tasks.push(tokio::spawn(async move {
                send(
                    &router,
                    Method::POST,
                    &format!("/api/v1/tickets/{ticket}/refund"),
                    Some(&token),
                    None,
                    &[],
                )
                .await
                .status
            }));
        }
    }
    let statuses: Vec<StatusCode> = join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    assert!(
        statuses
            .iter()
            .all(|s| s.is_success() || matches!(s.as_u16(), 402 | 409)),
        "{statuses:?}"
    );
    // 20 purchases of 50,000 need 1,000,000; at most 500,000 ever exists (100,000 held,
    // 200,000 charged, 200,000 refunded), so some purchases must have been refused.
    assert!(
        statuses.contains(&StatusCode::PAYMENT_REQUIRED),
        "{statuses:?}"
    );
    let balance = app.balance(&user).await;
    assert!(balance >= 0);
    assert_eq!(balance, app.ledger_sum(&user).await);
    let negative_after: i64 =
        sqlx::query_scalar("select count(*) from point_ledger where balance_after < 0")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(negative_after, 0);
    let refunds: i64 =
        sqlx::query_scalar("select count(*) from point_ledger where reason = 'REFUND'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(refunds, 4, "each ticket refunded exactly once");
    // The ledger's running balance is consistent row by row.
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "select amount, balance_after from point_ledger where user_id = ? order by id",
    )
    .bind(user.id)
    .fetch_all(app.pool())
    .await
    .unwrap();
    let mut running = 0;
    for (amount, after) in rows {
        running += amount;
        assert_eq!(running, after);
    }
}
