//! The resale market's invariants under contention, decided by MariaDB alone. Requests
//! alternate between two routers with separate pools: two api processes, one database.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use axum::Router;
use futures::future::join_all;
use marquee_api::AppState;
use serde_json::json;

use crate::harness::{send, TestApp, TestResponse, TestUser};

async fn two_instances(app: &TestApp) -> [Router; 2] {
    let second_pool = app.db.second_pool().await;
    [
        app.router.clone(),
        marquee_api::app(AppState::new(second_pool, &app.config)),
    ]
}

async fn users(app: &TestApp, prefix: &str, count: usize, points: i64) -> Vec<TestUser> {
    let mut users = Vec::with_capacity(count);
    for i in 0..count {
        let user = app.user(&format!("{prefix}{i}@example.com")).await;
        if points > 0 {
            app.charge(&user, points).await;
        }
        users.push(user);
    }
    users
}

/// Sends one request on a spawned task, so requests really run at once.
fn spawn_request(
    router: &Router,
    method: Method,
    path: String,
    user: &TestUser,
    body: Option<serde_json::Value>,
) -> tokio::task::JoinHandle<TestResponse> {
    let router = router.clone();
    let token = user.token.clone();
    tokio::spawn(async move { send(&router, method, &path, Some(&token), body, &[]).await })
}

/// Every user's balance equals the sum of their ledger, and every sold trade moved
/// exactly its price out of the buyer and its price less fee into the seller.
async fn assert_points_add_up(app: &TestApp) {
    let drifted: i64 = sqlx::query_scalar(
        "select count(*) from users u
         where u.point_balance <> (select coalesce(sum(l.amount), 0) from point_ledger l where l.user_id = u.id)",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    let mismatched_trades: i64 = sqlx::query_scalar(
        "select count(*) from trades tr
         where tr.status = 'SOLD' and (
            (select sum(amount) from point_ledger where user_id = tr.buyer_id and reference = concat('trade:', tr.id)) <> -tr.price
            or (select coalesce(sum(amount), 0) from point_ledger where user_id = tr.seller_id and reference = concat('trade:', tr.id)) <> tr.price - tr.fee)",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    let unsold_with_money: i64 = sqlx::query_scalar(
        "select count(*) from trades tr
         where tr.status <> 'SOLD'
           and exists (select 1 from point_ledger where reference = concat('trade:', tr.id))",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    let seats_with_two_valid_tickets: i64 = sqlx::query_scalar(
        "select count(*) from (select seat_id from tickets where status = 'VALID'
                               group by seat_id having count(*) > 1) d",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(drifted, 0, "a balance differs from its ledger");
    assert_eq!(mismatched_trades, 0, "a sale moved the wrong amount");
    assert_eq!(
        unsold_with_money, 0,
        "points moved for a trade that did not sell"
    );
    assert_eq!(seats_with_two_valid_tickets, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_buyers_racing_for_one_trade_give_exactly_one_ticket() {
    let app = TestApp::spawn().await;
    let instances = two_instances(&app).await;
    let show = app.show_on_sale(30, 1).await;
    let seller = users(&app, "seller", 1, 50_000).await.remove(0);
    let order = app.buy(&seller, show.schedule_id, &show.seat_ids).await;
    let ticket_id = order["tickets"][0]["id"].as_i64().unwrap();
    let listing = app
        .post(
            "/api/v1/trades",
            Some(&seller.token),
            json!({"ticket_id": ticket_id, "price": 48_000}),
        )
        .await;
    let trade_id = listing.body["id"].as_i64().unwrap();
    let buyers = users(&app, "buyer", 100, 50_000).await;

    let responses = join_all(buyers.iter().enumerate().map(|(i, buyer)| {
        spawn_request(
            &instances[i % 2],
            Method::POST,
            format!("/api/v1/trades/{trade_id}/purchase"),
            buyer,
            None,
        )
    }))
    .await;

    let mut by_code: HashMap<(u16, String), usize> = HashMap::new();
    let mut winners = Vec::new();
    for (buyer, response) in buyers.iter().zip(responses) {
        let response = response.unwrap();
        if response.status == StatusCode::CREATED {
            winners.push((
                buyer.clone(),
                response.body["ticket"]["id"].as_i64().unwrap(),
            ));
        }
        *by_code
            .entry((response.status.as_u16(), response.code().to_string()))
            .or_default() += 1;
    }
    assert_eq!(
        by_code,
        HashMap::from([
            ((201, String::new()), 1),
            ((409, "TRADE_NOT_OPEN".to_string()), 99)
        ])
    );
    let (winner, issued) = &winners[0];
    for buyer in &buyers {
        let expected = if buyer.id == winner.id { 2_000 } else { 50_000 };
        assert_eq!(app.balance(buyer).await, expected, "buyer {}", buyer.id);
    }
    assert_eq!(app.balance(&seller).await, 48_000);
    let valid: Vec<(i64, i64)> =
        sqlx::query_as("select id, user_id from tickets where seat_id = ? and status = 'VALID'")
            .bind(show.seat_ids[0])
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(valid, [(*issued, winner.id)]);
    let resale_debits: i64 =
        sqlx::query_scalar("select count(*) from point_ledger where reason = 'RESALE_PURCHASE'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(resale_debits, 1);
    assert_points_add_up(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_seller_cancelling_while_buyers_race_ends_cancelled_or_sold_never_both() {
    // One seller owns many seats of the schedule; the per-person limit is not the subject.
    let app = TestApp::with_config(&[
        ("RESALE_FEE_PERCENT", "5"),
        ("MAX_TICKETS_PER_SCHEDULE", "0"),
    ])
    .await;
    let instances = two_instances(&app).await;
    const ROUNDS: usize = 12;
    let show = app.show_on_sale(30, ROUNDS as u32).await;
    let seller = users(&app, "seller", 1, 50_000 * ROUNDS as i64)
        .await
        .remove(0);
    let mut tickets = Vec::new();
    for chunk in show.seat_ids.chunks(4) {
        let order = app.buy(&seller, show.schedule_id, chunk).await;
        tickets.extend(order["tickets"].as_array().unwrap().clone());
    }
    // Enough for one buyer to win every round.
    let buyers = users(&app, "buyer", 16, 40_000 * ROUNDS as i64).await;
    let mut trades = Vec::new();
    for ticket in &tickets {
        let listing = app
            .post(
                "/api/v1/trades",
                Some(&seller.token),
                json!({"ticket_id": ticket["id"], "price": 40_000}),
            )
            .await;
        assert_eq!(listing.status, StatusCode::CREATED, "{:?}", listing.body);
        trades.push((
            ticket["id"].as_i64().unwrap(),
            listing.body["id"].as_i64().unwrap(),
        ));
    }

    let mut outcomes: HashMap<&str, usize> = HashMap::new();
    for (round, &(ticket_id, trade_id)) in trades.iter().enumerate() {
        // The cancel goes out in a different place among the buyers each round.
        let mut requests = Vec::new();
        for (i, buyer) in buyers.iter().enumerate() {
            if i == round % buyers.len() {
                requests.push(spawn_request(
                    &instances[round % 2],
                    Method::DELETE,
                    format!("/api/v1/trades/{trade_id}"),
                    &seller,
                    None,
                ));
            }
            requests.push(spawn_request(
                &instances[(i + 1) % 2],
                Method::POST,
                format!("/api/v1/trades/{trade_id}/purchase"),
                buyer,
                None,
            ));
        }
        let cancel_index = round % buyers.len();
        let responses: Vec<TestResponse> = join_all(requests)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let cancel = &responses[cancel_index];
        let purchases: Vec<&TestResponse> = responses
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != cancel_index)
            .map(|(_, r)| r)
            .collect();
        let sold = purchases
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count();
        for purchase in &purchases {
            assert!(
                purchase.status == StatusCode::CREATED || purchase.code() == "TRADE_NOT_OPEN",
                "{:?}",
                purchase.body
            );
        }
        let stored: (String, i64) = sqlx::query_as(
            "select tr.status, (select count(*) from tickets where parent_ticket_id = ?)
             from trades tr where tr.id = ?",
        )
        .bind(ticket_id)
        .bind(trade_id)
        .fetch_one(app.pool())
        .await
        .unwrap();
        if cancel.status == StatusCode::OK {
            assert_eq!(sold, 0, "cancelled and sold in round {round}");
            assert_eq!(stored, ("CANCELLED".to_string(), 0));
            *outcomes.entry("cancelled").or_default() += 1;
        } else {
            assert_eq!(cancel.code(), "TRADE_NOT_OPEN", "{:?}", cancel.body);
            assert_eq!(sold, 1, "round {round}");
            assert_eq!(stored, ("SOLD".to_string(), 1));
            *outcomes.entry("sold").or_default() += 1;
        }
    }

    assert_eq!(outcomes.values().sum::<usize>(), ROUNDS);
    let sold = *outcomes.get("sold").unwrap_or(&0) as i64;
    // 5% of 40,000 is 2,000: each sale pays the seller 38,000.
    assert_eq!(app.balance(&seller).await, 38_000 * sold);
    let buyers_total: i64 = {
        let mut total = 0;
        for buyer in &buyers {
            total += app.balance(buyer).await;
        }
        total
    };
    assert_eq!(
        buyers_total,
        40_000 * ROUNDS as i64 * buyers.len() as i64 - 40_000 * sold
    );
    assert_points_add_up(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refund_and_a_listing_of_one_ticket_racing_end_in_exactly_one_of_them() {
    // One holder owns many seats of the schedule; the per-person limit is not the subject.
    let app = TestApp::with_config(&[("MAX_TICKETS_PER_SCHEDULE", "0")]).await;
    let instances = two_instances(&app).await;
    const TICKETS: usize = 16;
    let show = app.show_on_sale(30, TICKETS as u32).await;
    let holder = users(&app, "holder", 1, 50_000 * TICKETS as i64)
        .await
        .remove(0);
    let mut ticket_ids = Vec::new();
    for chunk in show.seat_ids.chunks(4) {
        let order = app.buy(&holder, show.schedule_id, chunk).await;
        for ticket in order["tickets"].as_array().unwrap() {
            ticket_ids.push(ticket["id"].as_i64().unwrap());
        }
    }

    let races = ticket_ids.iter().enumerate().map(|(i, &ticket_id)| {
        let refund = spawn_request(
            &instances[i % 2],
            Method::POST,
            format!("/api/v1/tickets/{ticket_id}/refund"),
            &holder,
            None,
        );
        let listing = spawn_request(
            &instances[(i + 1) % 2],
            Method::POST,
            "/api/v1/trades".to_string(),
            &holder,
            Some(json!({"ticket_id": ticket_id, "price": 45_000})),
        );
        async move { (refund.await.unwrap(), listing.await.unwrap()) }
    });
    let results = join_all(races).await;

    let mut refunded = 0;
    for (refund, listing) in &results {
        match (refund.status, listing.status) {
            (StatusCode::OK, StatusCode::CONFLICT) => {
                assert_eq!(listing.code(), "TICKET_NOT_LISTABLE");
                refunded += 1;
            }
            (StatusCode::CONFLICT, StatusCode::CREATED) => {
                assert_eq!(refund.code(), "TICKET_LISTED");
            }
            other => panic!("refund and listing both or neither went through: {other:?}"),
        }
    }
    let refunded_but_listed: i64 = sqlx::query_scalar(
        "select count(*) from trades tr join tickets t on t.id = tr.ticket_id
         where tr.status = 'OPEN' and t.status <> 'VALID'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(refunded_but_listed, 0);
    assert_eq!(app.balance(&holder).await, 50_000 * refunded);
    assert_points_add_up(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_buyer_buying_eight_trades_at_once_gets_each_and_pays_each_once() {
    let app = TestApp::spawn().await;
    let instances = two_instances(&app).await;
    let show = app.show_on_sale(30, 8).await;
    let sellers = users(&app, "seller", 8, 50_000).await;
    let buyer = users(&app, "buyer", 1, 8 * 45_000).await.remove(0);
    let mut trade_ids = Vec::new();
    for (seller, seat) in sellers.iter().zip(&show.seat_ids) {
        let order = app.buy(seller, show.schedule_id, &[*seat]).await;
        let listing = app
            .post(
                "/api/v1/trades",
                Some(&seller.token),
                json!({"ticket_id": order["tickets"][0]["id"], "price": 45_000}),
            )
            .await;
        trade_ids.push(listing.body["id"].as_i64().unwrap());
    }

    let responses = join_all(trade_ids.iter().enumerate().map(|(i, trade_id)| {
        spawn_request(
            &instances[i % 2],
            Method::POST,
            format!("/api/v1/trades/{trade_id}/purchase"),
            &buyer,
            None,
        )
    }))
    .await;

    for response in responses {
        let response = response.unwrap();
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    }
    assert_eq!(app.balance(&buyer).await, 0);
    for seller in &sellers {
        assert_eq!(app.balance(seller).await, 45_000);
    }
    assert_points_add_up(&app).await;
}
