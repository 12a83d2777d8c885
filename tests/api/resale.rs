//! The resale market's rules, each through the real router against MariaDB.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{send, ShowFixture, TestApp, TestResponse, TestUser};

/// `seller` buys the fixture's seat `seat` at face value (50,000) and gets the ticket id.
async fn bought(app: &TestApp, show: &ShowFixture, seller: &TestUser, seat: usize) -> i64 {
    app.charge(seller, 50_000).await;
    let order = app
        .buy(seller, show.schedule_id, &[show.seat_ids[seat]])
        .await;
    order["tickets"][0]["id"].as_i64().unwrap()
}

async fn list(app: &TestApp, seller: &TestUser, ticket_id: i64, price: i64) -> TestResponse {
    app.post(
        "/api/v1/trades",
        Some(&seller.token),
        json!({"ticket_id": ticket_id, "price": price}),
    )
    .await
}

/// Lists `ticket_id`, which must succeed; returns the trade id.
async fn listed(app: &TestApp, seller: &TestUser, ticket_id: i64, price: i64) -> i64 {
    let response = list(app, seller, ticket_id, price).await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    response.body["id"].as_i64().unwrap()
}

async fn buy_trade(
    app: &TestApp,
    buyer: &TestUser,
    trade_id: i64,
    key: Option<&str>,
) -> TestResponse {
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    send(
        &app.router,
        Method::POST,
        &format!("/api/v1/trades/{trade_id}/purchase"),
        Some(&buyer.token),
        None,
        &headers,
    )
    .await
}

async fn reprice(app: &TestApp, user: &TestUser, trade_id: i64, price: i64) -> TestResponse {
    app.send(
        Method::PATCH,
        &format!("/api/v1/trades/{trade_id}"),
        Some(&user.token),
        Some(json!({"price": price})),
    )
    .await
}

async fn cancel(app: &TestApp, user: &TestUser, trade_id: i64) -> TestResponse {
    app.send(
        Method::DELETE,
        &format!("/api/v1/trades/{trade_id}"),
        Some(&user.token),
        None,
    )
    .await
}

async fn refund(app: &TestApp, user: &TestUser, ticket_id: i64) -> TestResponse {
    app.post(
        &format!("/api/v1/tickets/{ticket_id}/refund"),
        Some(&user.token),
        json!({}),
    )
    .await
}

async fn ticket(app: &TestApp, user: &TestUser, ticket_id: i64) -> Value {
    let response = app
        .get(&format!("/api/v1/tickets/{ticket_id}"), Some(&user.token))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    response.body
}

/// Ledger rows of a user as (reason, amount, reference), oldest first.
async fn ledger(app: &TestApp, user: &TestUser) -> Vec<(String, i64, String)> {
    sqlx::query_as(
        "select reason, amount, reference from point_ledger where user_id = ? order by id",
    )
    .bind(user.id)
    .fetch_all(app.pool())
    .await
    .unwrap()
}

/// Moves the schedule's start into the past, as the clock would.
async fn start_show(app: &TestApp, show: &ShowFixture) {
    sqlx::query(
        "update schedules set starts_at = current_timestamp(6) - interval 1 minute where id = ?",
    )
    .bind(show.schedule_id)
    .execute(app.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn listing_puts_the_ticket_on_the_market_and_moves_neither_seat_nor_points() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let seller = app.user("seller@example.com").await;
    let ticket_id = bought(&app, &show, &seller, 0).await;

    let created = list(&app, &seller, ticket_id, 45_000).await;
    let market = app.get("/api/v1/trades", None).await;
    let one = app
        .get(&format!("/api/v1/trades/{}", created.body["id"]), None)
        .await;
    let mine = ticket(&app, &seller, ticket_id).await;

    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["status"], "OPEN");
    assert_eq!(created.body["price"], 45_000);
    assert_eq!(created.body["face_value"], 50_000);
    assert_eq!(created.body["show_title"], "시카고");
    assert_eq!(created.body["grade"], "R");
    assert_eq!(created.body["row"], "A");
    assert_eq!(created.body["number"], 1);
    assert_eq!(market.body["total"], 1);
    assert_eq!(market.body["items"][0]["id"], created.body["id"]);
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["seat_id"], show.seat_ids[0]);
    assert_eq!(mine["status"], "VALID");
    assert_eq!(mine["open_trade_id"], created.body["id"]);
    assert_eq!(app.balance(&seller).await, 0);
    let sold: bool = sqlx::query_scalar("select is_sold from seats where id = ?")
        .bind(show.seat_ids[0])
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert!(sold, "the seat stays sold while listed");
}

#[tokio::test]
async fn a_price_over_the_cap_is_refused_with_the_cap() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let seller = app.user("seller@example.com").await;
    let ticket_id = bought(&app, &show, &seller, 0).await;

    let over = list(&app, &seller, ticket_id, 50_001).await;
    let zero = list(&app, &seller, ticket_id, 0).await;
    let at_cap = list(&app, &seller, ticket_id, 50_000).await;

    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(over.code(), "PRICE_OVER_CAP");
    assert_eq!(over.body["error"]["max_price"], 50_000);
    assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(zero.code(), "VALIDATION_FAILED");
    assert_eq!(zero.body["error"]["field"], "price");
    assert_eq!(at_cap.status, StatusCode::CREATED, "{:?}", at_cap.body);
}

#[tokio::test]
async fn the_cap_is_a_configurable_percentage_of_face_value() {
    let app = TestApp::with_config(&[("RESALE_PRICE_CAP_PERCENT", "120")]).await;
    let show = app.show_on_sale(30, 1).await;
    let seller = app.user("seller@example.com").await;
    let ticket_id = bought(&app, &show, &seller, 0).await;

    let over = list(&app, &seller, ticket_id, 60_001).await;
    let at_cap = list(&app, &seller, ticket_id, 60_000).await;

    assert_eq!(over.code(), "PRICE_OVER_CAP");
    assert_eq!(over.body["error"]["max_price"], 60_000);
    assert_eq!(at_cap.status, StatusCode::CREATED, "{:?}", at_cap.body);
}

#[tokio::test]
async fn only_the_holder_lists_and_only_once_and_only_a_valid_ticket() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let seller = app.user("seller@example.com").await;
    let stranger = app.user("stranger@example.com").await;
    let ticket_id = bought(&app, &show, &seller, 0).await;
    let refunded_id = bought(&app, &show, &seller, 1).await;
    assert_eq!(
        refund(&app, &seller, refunded_id).await.status,
        StatusCode::OK
    );

    let someone_elses = list(&app, &stranger, ticket_id, 40_000).await;
    let first = list(&app, &seller, ticket_id, 40_000).await;
    let again = list(&app, &seller, ticket_id, 39_000).await;
    let of_refunded = list(&app, &seller, refunded_id, 40_000).await;
    let unknown = list(&app, &seller, ticket_id + 1_000, 40_000).await;

    assert_eq!(someone_elses.status, StatusCode::NOT_FOUND);
    assert_eq!(someone_elses.code(), "TICKET_NOT_FOUND");
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "TICKET_LISTED");
    assert_eq!(of_refunded.status, StatusCode::CONFLICT);
    assert_eq!(of_refunded.code(), "TICKET_NOT_LISTABLE");
    assert_eq!(unknown.code(), "TICKET_NOT_FOUND");
    let open: i64 = sqlx::query_scalar("select count(*) from trades where status = 'OPEN'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(open, 1);
}

#[tokio::test]
async fn a_listed_ticket_cannot_be_refunded_until_the_listing_is_cancelled() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let seller = app.user("seller@example.com").await;
    let ticket_id = bought(&app, &show, &seller, 0).await;
    let trade_id = listed(&app, &seller, ticket_id, 50_000).await;

    let while_listed = refund(&app, &seller, ticket_id).await;
    let cancelled = cancel(&app, &seller, trade_id).await;
    let after_cancel = refund(&app, &seller, ticket_id).await;

    assert_eq!(while_listed.status, StatusCode::CONFLICT);
    assert_eq!(while_listed.code(), "TICKET_LISTED");
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    assert_eq!(cancelled.body["status"], "CANCELLED");
    assert_eq!(
        after_cancel.status,
        StatusCode::OK,
        "{:?}",
        after_cancel.body
    );
    assert_eq!(app.balance(&seller).await, 50_000);
}

#[tokio::test]
async fn the_seller_reprices_under_the_cap_and_cancels_while_open_and_no_one_else_can() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let seller = app.user("seller@example.com").await;
    let other = app.user("other@example.com").await;
    let ticket_id = bought(&app, &show, &seller, 0).await;
    let trade_id = listed(&app, &seller, ticket_id, 50_000).await;

    let cheaper = reprice(&app, &seller, trade_id, 42_000).await;
    let over_cap = reprice(&app, &seller, trade_id, 50_500).await;
    let by_other = reprice(&app, &other, trade_id, 1).await;
    let cancel_by_other = cancel(&app, &other, trade_id).await;
    let cancelled = cancel(&app, &seller, trade_id).await;
    let after = reprice(&app, &seller, trade_id, 41_000).await;
    let cancel_again = cancel(&app, &seller, trade_id).await;
    let relisted = list(&app, &seller, ticket_id, 30_000).await;
    let unknown = cancel(&app, &seller, trade_id + 1_000).await;

    assert_eq!(cheaper.status, StatusCode::OK, "{:?}", cheaper.body);
    assert_eq!(cheaper.body["price"], 42_000);
    assert_eq!(over_cap.code(), "PRICE_OVER_CAP");
    assert_eq!(by_other.status, StatusCode::FORBIDDEN);
    assert_eq!(cancel_by_other.status, StatusCode::FORBIDDEN);
    assert_eq!(cancelled.body["status"], "CANCELLED");
    assert_eq!(cancelled.body["price"], 42_000);
    assert_eq!(after.status, StatusCode::CONFLICT);
    assert_eq!(after.code(), "TRADE_NOT_OPEN");
    assert_eq!(cancel_again.code(), "TRADE_NOT_OPEN");
    assert_eq!(
        relisted.status,
        StatusCode::CREATED,
        "a cancelled listing frees the ticket"
    );
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "TRADE_NOT_FOUND");
}

#[tokio::test]
async fn buying_pays_the_seller_and_reissues_the_seat_to_the_buyer() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let seller = app.user("seller@example.com").await;
    let buyer = app.user("buyer@example.com").await;
    let ticket_id = bought(&app, &show, &seller, 0).await;
    let old_code = ticket(&app, &seller, ticket_id).await["code"].clone();
    let trade_id = listed(&app, &seller, ticket_id, 45_000).await;
    app.charge(&buyer, 60_000).await;

    let bought = buy_trade(&app, &buyer, trade_id, None).await;
    let old = ticket(&app, &seller, ticket_id).await;
    let market = app.get("/api/v1/trades", None).await;

    assert_eq!(bought.status, StatusCode::CREATED, "{:?}", bought.body);
    assert_eq!(bought.body["trade"]["status"], "SOLD");
    let new = &bought.body["ticket"];
    assert_eq!(new["status"], "VALID");
    assert_eq!(new["seat_id"], show.seat_ids[0]);
    assert_eq!(new["face_value"], 50_000);
    assert_eq!(new["paid_amount"], 45_000);
    assert_eq!(new["trade_id"], trade_id);
    assert_eq!(new["parent_ticket_id"], ticket_id);
    assert_eq!(new["order_id"], Value::Null);
    assert_eq!(new["code"].as_str().unwrap().len(), 22);
    assert_ne!(new["code"], old_code);
    assert_eq!(old["status"], "RESOLD");
    assert!(old["resold_at"].is_string());
    assert_eq!(old["open_trade_id"], Value::Null);
    assert_eq!(market.body["total"], 0);
    assert_eq!(app.balance(&buyer).await, 15_000);
    assert_eq!(app.balance(&seller).await, 45_000);
    let reference = format!("trade:{trade_id}");
    assert_eq!(
        ledger(&app, &buyer).await.last().unwrap(),
        &("RESALE_PURCHASE".to_string(), -45_000, reference.clone())
    );
    assert_eq!(
        ledger(&app, &seller).await.last().unwrap(),
        &("RESALE_SALE".to_string(), 45_000, reference)
    );
    assert_eq!(app.ledger_sum(&buyer).await, 15_000);
    assert_eq!(app.ledger_sum(&seller).await, 45_000);
    let valid_for_seat: i64 =
        sqlx::query_scalar("select count(*) from tickets where seat_id = ? and status = 'VALID'")
            .bind(show.seat_ids[0])
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(valid_for_seat, 1);
}

#[tokio::test]
async fn the_platform_fee_is_kept_from_the_seller_and_recorded() {
    let app = TestApp::with_config(&[("RESALE_FEE_PERCENT", "10")]).await;
    let show = app.show_on_sale(30, 1).await;
    let seller = app.user("seller@example.com").await;
    let buyer = app.user("buyer@example.com").await;
    let ticket_id = bought(&app, &show, &seller, 0).await;
    let trade_id = listed(&app, &seller, ticket_id, 45_005).await;
    app.charge(&buyer, 50_000).await;

    let bought = buy_trade(&app, &buyer, trade_id, None).await;
    let history = app
        .get("/api/v1/users/me/trades?role=seller", Some(&seller.token))
        .await;

    assert_eq!(bought.status, StatusCode::CREATED, "{:?}", bought.body);
    assert_eq!(app.balance(&buyer).await, 50_000 - 45_005);
    assert_eq!(
        app.balance(&seller).await,
        45_005 - 4_500,
        "fee rounds down"
    );
    assert_eq!(history.body["items"][0]["fee"], 4_500);
    assert_eq!(history.body["items"][0]["proceeds"], 40_505);
    let fee: Option<i64> = sqlx::query_scalar("select fee from trades where id = ?")
        .bind(trade_id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(fee, Some(4_500));
    // The fee went to no one: every point is either with a user or recorded as a fee.
    let moved: i64 = sqlx::query_scalar(
        "select cast(sum(amount) as signed) from point_ledger where reference = ?",
    )
    .bind(format!("trade:{trade_id}"))
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(moved, -4_500);
}

#[tokio::test]
async fn forbidden_purchases_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 3).await;
    let seller = app.user("seller@example.com").await;
    let buyer = app.user("buyer@example.com").await;
    let poor = app.user("poor@example.com").await;
    let sold_id = listed(&app, &seller, bought(&app, &show, &seller, 0).await, 50_000).await;
    let cancelled_id = listed(&app, &seller, bought(&app, &show, &seller, 1).await, 50_000).await;
    let open_ticket = bought(&app, &show, &seller, 2).await;
    let open_id = listed(&app, &seller, open_ticket, 50_000).await;
    cancel(&app, &seller, cancelled_id).await;
    app.charge(&buyer, 100_000).await;
    app.charge(&poor, 10_000).await;
    assert_eq!(
        buy_trade(&app, &buyer, sold_id, None).await.status,
        StatusCode::CREATED
    );

    let own = buy_trade(&app, &seller, open_id, None).await;
    let sold_again = buy_trade(&app, &poor, sold_id, None).await;
    let of_cancelled = buy_trade(&app, &buyer, cancelled_id, None).await;
    let too_poor = buy_trade(&app, &poor, open_id, None).await;
    let unknown = buy_trade(&app, &buyer, open_id + 1_000, None).await;

    assert_eq!(own.status, StatusCode::CONFLICT);
    assert_eq!(own.code(), "OWN_TRADE");
    assert_eq!(sold_again.status, StatusCode::CONFLICT);
    assert_eq!(sold_again.code(), "TRADE_NOT_OPEN");
    assert_eq!(of_cancelled.code(), "TRADE_NOT_OPEN");
    assert_eq!(too_poor.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(too_poor.body["error"]["shortfall"], 40_000);
    assert_eq!(unknown.code(), "TRADE_NOT_FOUND");
    assert_eq!(app.balance(&poor).await, 10_000);
    assert_eq!(app.balance(&buyer).await, 50_000);
    assert_eq!(app.balance(&seller).await, 50_000);
    let still_open = app.get(&format!("/api/v1/trades/{open_id}"), None).await;
    assert_eq!(still_open.body["status"], "OPEN");
    assert_eq!(ticket(&app, &seller, open_ticket).await["status"], "VALID");
}

#[tokio::test]
async fn an_idempotency_key_makes_a_retried_purchase_answer_with_the_same_ticket() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let seller = app.user("seller@example.com").await;
    let buyer = app.user("buyer@example.com").await;
    let first_trade = listed(&app, &seller, bought(&app, &show, &seller, 0).await, 30_000).await;
    let second_trade = listed(&app, &seller, bought(&app, &show, &seller, 1).await, 30_000).await;
    app.charge(&buyer, 100_000).await;

    let first = buy_trade(&app, &buyer, first_trade, Some("resale-1")).await;
    let retry = buy_trade(&app, &buyer, first_trade, Some("resale-1")).await;
    let no_key_retry = buy_trade(&app, &buyer, first_trade, None).await;
    let reused = buy_trade(&app, &buyer, second_trade, Some("resale-1")).await;
    let bad_key = buy_trade(&app, &buyer, second_trade, Some("has space")).await;

    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.body["ticket"]["id"], first.body["ticket"]["id"]);
    assert_eq!(
        no_key_retry.body["ticket"]["id"],
        first.body["ticket"]["id"]
    );
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(bad_key.code(), "VALIDATION_FAILED");
    assert_eq!(app.balance(&buyer).await, 70_000, "charged once");
    assert_eq!(app.balance(&seller).await, 30_000);
}

#[tokio::test]
async fn a_resold_ticket_resells_under_the_original_cap_and_refunds_what_its_holder_paid() {
    let app = TestApp::with_config(&[("RESALE_PRICE_CAP_PERCENT", "120")]).await;
    let show = app.show_on_sale(30, 2).await;
    let first = app.user("first@example.com").await;
    let second = app.user("second@example.com").await;
    let third = app.user("third@example.com").await;
    app.charge(&second, 200_000).await;
    app.charge(&third, 200_000).await;
    // Seat 0: bought on resale cheaply, then resold; seat 1: bought above face.
    let cheap = listed(&app, &first, bought(&app, &show, &first, 0).await, 40_000).await;
    let dear = listed(&app, &first, bought(&app, &show, &first, 1).await, 60_000).await;
    let cheap_ticket = buy_trade(&app, &second, cheap, None).await.body["ticket"]["id"]
        .as_i64()
        .unwrap();
    let dear_ticket = buy_trade(&app, &third, dear, None).await.body["ticket"]["id"]
        .as_i64()
        .unwrap();

    let over_original_cap = list(&app, &second, cheap_ticket, 60_001).await;
    let at_original_cap = list(&app, &second, cheap_ticket, 60_000).await;
    let dear_refund = refund(&app, &third, dear_ticket).await;

    assert_eq!(over_original_cap.body["error"]["max_price"], 60_000);
    assert_eq!(
        at_original_cap.status,
        StatusCode::CREATED,
        "{:?}",
        at_original_cap.body
    );
    assert_eq!(dear_refund.status, StatusCode::OK, "{:?}", dear_refund.body);
    assert_eq!(
        dear_refund.body["refund_amount"], 50_000,
        "never more than face value"
    );
    assert_eq!(app.balance(&third).await, 200_000 - 60_000 + 50_000);
    // And a cheap resale ticket refunds what was paid for it, not the face value.
    cancel(&app, &second, at_original_cap.body["id"].as_i64().unwrap()).await;
    let cheap_refund = refund(&app, &second, cheap_ticket).await;
    assert_eq!(cheap_refund.body["refund_amount"], 40_000);
    assert_eq!(app.balance(&second).await, 200_000);
}

#[tokio::test]
async fn open_trades_expire_when_the_show_starts() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let seller = app.user("seller@example.com").await;
    let buyer = app.user("buyer@example.com").await;
    let trade_id = listed(&app, &seller, bought(&app, &show, &seller, 0).await, 50_000).await;
    let unlisted = bought(&app, &show, &seller, 1).await;
    app.charge(&buyer, 50_000).await;
    start_show(&app, &show).await;

    let read = app.get(&format!("/api/v1/trades/{trade_id}"), None).await;
    let market = app.get("/api/v1/trades", None).await;
    let bought = buy_trade(&app, &buyer, trade_id, None).await;
    let repriced = reprice(&app, &seller, trade_id, 10_000).await;
    let late_listing = list(&app, &seller, unlisted, 40_000).await;
    let swept = marquee_core::resale::expiry::expire_started(app.pool())
        .await
        .unwrap();
    let stored: String = sqlx::query_scalar("select status from trades where id = ?")
        .bind(trade_id)
        .fetch_one(app.pool())
        .await
        .unwrap();

    assert_eq!(read.body["status"], "EXPIRED", "expired before any sweep");
    assert_eq!(market.body["total"], 0);
    assert_eq!(bought.code(), "TRADE_NOT_OPEN");
    assert_eq!(repriced.code(), "TRADE_NOT_OPEN");
    assert_eq!(late_listing.code(), "SHOW_STARTED");
    assert_eq!(swept, 1);
    assert_eq!(stored, "EXPIRED");
    assert_eq!(app.balance(&buyer).await, 50_000);
    assert_eq!(ticket(&app, &seller, unlisted).await["status"], "VALID");
}

/// A show with grades R (50,000) and S (30,000), four seats each, on sale 30 days out.
async fn two_grade_show(app: &TestApp, admin: &TestUser, title: &str) -> (i64, i64, Vec<i64>) {
    let starts_at = chrono::Utc::now() + chrono::Duration::days(30);
    let created = app
        .post(
            "/api/v1/shows",
            Some(&admin.token),
            json!({
                "title": title,
                "category": "CONCERT",
                "venue": {"name": "KSPO DOME", "address": "서울 송파구 올림픽로 424"},
                "artists": [],
                "booking_opens_at": "2025-01-01T00:00:00+09:00",
                "schedules": [{
                    "starts_at": starts_at.to_rfc3339(),
                    "grades": [
                        {"name": "R", "price": 50000, "rows": ["A"], "seats_per_row": 4},
                        {"name": "S", "price": 30000, "rows": ["B"], "seats_per_row": 4}
                    ]
                }]
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let show_id = created.body["id"].as_i64().unwrap();
    let schedule_id = created.body["schedules"][0]["id"].as_i64().unwrap();
    let seat_ids = app.seat_ids(schedule_id).await;
    (show_id, schedule_id, seat_ids)
}

fn prices(page: &TestResponse) -> Vec<i64> {
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["price"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_market_filters_sorts_and_pages() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let seller = app.user("seller@example.com").await;
    app.charge(&seller, 1_000_000).await;
    let (show_a, schedule_a, seats_a) = two_grade_show(&app, &admin, "아이유 콘서트").await;
    let (_, schedule_b, seats_b) = two_grade_show(&app, &admin, "세븐틴 콘서트").await;
    // Show A: R seats at 45,000 and 48,000, S seats at 20,000 and 29,000; show B: one R.
    let order_a = app
        .buy(
            &seller,
            schedule_a,
            &[seats_a[0], seats_a[1], seats_a[4], seats_a[5]],
        )
        .await;
    let order_b = app.buy(&seller, schedule_b, &[seats_b[0]]).await;
    for (ticket, price) in order_a["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .zip([45_000, 48_000, 20_000, 29_000])
    {
        listed(&app, &seller, ticket["id"].as_i64().unwrap(), price).await;
    }
    listed(
        &app,
        &seller,
        order_b["tickets"][0]["id"].as_i64().unwrap(),
        50_000,
    )
    .await;

    let all = app.get("/api/v1/trades", None).await;
    let of_a = app
        .get(&format!("/api/v1/trades?show_id={show_a}"), None)
        .await;
    let of_schedule_b = app
        .get(&format!("/api/v1/trades?schedule_id={schedule_b}"), None)
        .await;
    let grade_s = app.get("/api/v1/trades?grade=S", None).await;
    let in_range = app
        .get("/api/v1/trades?min_price=25000&max_price=48000", None)
        .await;
    let dearest = app
        .get("/api/v1/trades?sort=price_desc&limit=2", None)
        .await;
    let second_page = app.get("/api/v1/trades?limit=2&offset=2", None).await;
    let newest = app.get("/api/v1/trades?sort=newest&limit=1", None).await;
    let backwards = app
        .get("/api/v1/trades?min_price=5&max_price=4", None)
        .await;
    let bad_sort = app.get("/api/v1/trades?sort=cheapest", None).await;

    assert_eq!(prices(&all), [20_000, 29_000, 45_000, 48_000, 50_000]);
    assert_eq!(all.body["total"], 5);
    assert_eq!(prices(&of_a), [20_000, 29_000, 45_000, 48_000]);
    assert_eq!(prices(&of_schedule_b), [50_000]);
    assert_eq!(prices(&grade_s), [20_000, 29_000]);
    assert!(grade_s.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["grade"] == "S"));
    assert_eq!(prices(&in_range), [29_000, 45_000, 48_000]);
    assert_eq!(in_range.body["total"], 3);
    assert_eq!(prices(&dearest), [50_000, 48_000]);
    assert_eq!(dearest.body["total"], 5);
    assert_eq!(prices(&second_page), [45_000, 48_000]);
    assert_eq!(prices(&newest), [50_000]);
    assert_eq!(backwards.status, StatusCode::BAD_REQUEST);
    assert_eq!(backwards.code(), "INVALID_QUERY");
    assert_eq!(bad_sort.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn each_party_sees_their_trade_history() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 3).await;
    let seller = app.user("seller@example.com").await;
    let buyer = app.user("buyer@example.com").await;
    let sold = listed(&app, &seller, bought(&app, &show, &seller, 0).await, 50_000).await;
    let cancelled = listed(&app, &seller, bought(&app, &show, &seller, 1).await, 40_000).await;
    let open = listed(&app, &seller, bought(&app, &show, &seller, 2).await, 30_000).await;
    cancel(&app, &seller, cancelled).await;
    app.charge(&buyer, 50_000).await;
    let issued = buy_trade(&app, &buyer, sold, None).await.body["ticket"]["id"].clone();

    let seller_all = app
        .get("/api/v1/users/me/trades", Some(&seller.token))
        .await;
    let seller_sold = app
        .get("/api/v1/users/me/trades?status=SOLD", Some(&seller.token))
        .await;
    let buyer_all = app.get("/api/v1/users/me/trades", Some(&buyer.token)).await;
    let buyer_as_seller = app
        .get("/api/v1/users/me/trades?role=seller", Some(&buyer.token))
        .await;
    let anonymous = app.get("/api/v1/users/me/trades", None).await;
    let bad_status = app
        .get("/api/v1/users/me/trades?status=GONE", Some(&buyer.token))
        .await;

    let summary: Vec<(i64, String, String)> = seller_all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_i64().unwrap(),
                t["status"].as_str().unwrap().to_string(),
                t["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (open, "OPEN".to_string(), "SELLER".to_string()),
            (cancelled, "CANCELLED".to_string(), "SELLER".to_string()),
            (sold, "SOLD".to_string(), "SELLER".to_string()),
        ]
    );
    assert_eq!(seller_sold.body["total"], 1);
    assert_eq!(seller_sold.body["items"][0]["proceeds"], 50_000);
    assert_eq!(buyer_all.body["total"], 1);
    assert_eq!(buyer_all.body["items"][0]["role"], "BUYER");
    assert_eq!(buyer_all.body["items"][0]["ticket_id"], issued);
    assert_eq!(buyer_as_seller.body["total"], 0);
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_status.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_lineage_shows_who_held_the_seat_when_and_only_to_those_who_did() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let first = app.user("first@example.com").await;
    let second = app.user("second@example.com").await;
    let third = app.user("third@example.com").await;
    let stranger = app.user("stranger@example.com").await;
    let admin = app.admin().await;
    app.charge(&second, 50_000).await;
    app.charge(&third, 50_000).await;
    let original = bought(&app, &show, &first, 0).await;
    let trade_one = listed(&app, &first, original, 45_000).await;
    let middle = buy_trade(&app, &second, trade_one, None).await.body["ticket"]["id"]
        .as_i64()
        .unwrap();
    let trade_two = listed(&app, &second, middle, 48_000).await;
    let last = buy_trade(&app, &third, trade_two, None).await.body["ticket"]["id"]
        .as_i64()
        .unwrap();

    let seen_by_third = app
        .get(
            &format!("/api/v1/tickets/{last}/lineage"),
            Some(&third.token),
        )
        .await;
    let seen_by_first = app
        .get(
            &format!("/api/v1/tickets/{last}/lineage"),
            Some(&first.token),
        )
        .await;
    let seen_by_admin = app
        .get(
            &format!("/api/v1/tickets/{middle}/lineage"),
            Some(&admin.token),
        )
        .await;
    let seen_by_stranger = app
        .get(
            &format!("/api/v1/tickets/{last}/lineage"),
            Some(&stranger.token),
        )
        .await;

    assert_eq!(
        seen_by_third.status,
        StatusCode::OK,
        "{:?}",
        seen_by_third.body
    );
    let entries = seen_by_third.body["entries"].as_array().unwrap();
    let chain: Vec<(i64, &str, &str, i64)> = entries
        .iter()
        .map(|e| {
            (
                e["ticket_id"].as_i64().unwrap(),
                e["status"].as_str().unwrap(),
                e["acquired_via"].as_str().unwrap(),
                e["paid_amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        chain,
        [
            (original, "RESOLD", "ORDER", 50_000),
            (middle, "RESOLD", "RESALE", 45_000),
            (last, "VALID", "RESALE", 48_000),
        ]
    );
    assert_eq!(seen_by_third.body["origin_ticket_id"], original);
    assert_eq!(seen_by_third.body["seat_id"], show.seat_ids[0]);
    assert_eq!(entries[1]["trade_id"], trade_one);
    assert_eq!(entries[2]["trade_id"], trade_two);
    // Each holding ends when the next begins.
    assert_eq!(entries[0]["held_until"], entries[1]["held_from"]);
    assert_eq!(entries[1]["held_until"], entries[2]["held_from"]);
    assert_eq!(entries[2]["held_until"], Value::Null);
    let holder_ids = |body: &Value| -> Vec<Value> {
        body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["holder_id"].clone())
            .collect()
    };
    assert_eq!(
        holder_ids(&seen_by_third.body),
        [Value::Null, Value::Null, json!(third.id)]
    );
    assert_eq!(
        holder_ids(&seen_by_first.body),
        [json!(first.id), Value::Null, Value::Null]
    );
    assert_eq!(
        holder_ids(&seen_by_admin.body),
        [json!(first.id), json!(second.id), json!(third.id)]
    );
    assert_eq!(seen_by_stranger.status, StatusCode::NOT_FOUND);
    assert_eq!(seen_by_stranger.code(), "TICKET_NOT_FOUND");
}

#[tokio::test]
async fn withdrawing_cancels_the_sellers_open_listings() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let seller = app.user("seller@example.com").await;
    let buyer = app.user("buyer@example.com").await;
    let trade_id = listed(&app, &seller, bought(&app, &show, &seller, 0).await, 50_000).await;
    app.charge(&buyer, 50_000).await;

    let withdrawn = app
        .send(
            Method::DELETE,
            "/api/v1/users/me",
            Some(&seller.token),
            None,
        )
        .await;
    let bought = buy_trade(&app, &buyer, trade_id, None).await;

    assert_eq!(withdrawn.status, StatusCode::NO_CONTENT);
    assert_eq!(bought.code(), "TRADE_NOT_OPEN");
    assert_eq!(app.balance(&buyer).await, 50_000);
}
