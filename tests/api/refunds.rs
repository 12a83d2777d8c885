use axum::http::StatusCode;
use serde_json::json;

use crate::harness::{ShowFixture, TestApp, TestUser};

async fn bought_ticket(app: &TestApp, show: &ShowFixture, buyer: &TestUser) -> i64 {
    app.charge(buyer, 50_000).await;
    let order = app.buy(buyer, show.schedule_id, &show.seat_ids[..1]).await;
    order["tickets"][0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn refund_long_before_the_show_is_free_and_puts_the_seat_back_on_sale() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let buyer = app.user("buyer@example.com").await;
    let ticket_id = bought_ticket(&app, &show, &buyer).await;

    let refunded = app
        .post(
            &format!("/api/v1/tickets/{ticket_id}/refund"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    let next_buyer = app.user("next@example.com").await;
    let rehold = app
        .post(
            "/api/v1/holds",
            Some(&next_buyer.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": [show.seat_ids[0]]}),
        )
        .await;

    assert_eq!(refunded.status, StatusCode::OK, "{:?}", refunded.body);
    assert_eq!(refunded.body["status"], "REFUNDED");
    assert_eq!(refunded.body["refund_fee"], 0);
    assert_eq!(refunded.body["refund_amount"], 50_000);
    assert_eq!(app.balance(&buyer).await, 50_000);
    assert_eq!(app.ledger_sum(&buyer).await, 50_000);
    assert_eq!(
        rehold.status,
        StatusCode::CREATED,
        "the seat is on sale again"
    );
}

#[tokio::test]
async fn refund_eight_days_before_keeps_a_ten_percent_fee() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(8, 1).await;
    let buyer = app.user("buyer@example.com").await;
    let ticket_id = bought_ticket(&app, &show, &buyer).await;
    app.book_earlier(ticket_id, 4).await;

    let refunded = app
        .post(
            &format!("/api/v1/tickets/{ticket_id}/refund"),
            Some(&buyer.token),
            json!({}),
        )
        .await;

    assert_eq!(refunded.body["refund_fee"], 5_000);
    assert_eq!(app.balance(&buyer).await, 45_000);
}

/// The consumer dispute standard's cooling-off: within 24 hours of booking, a refund
/// made up to 3 days before the performance day is free, whatever the tiers say.
#[tokio::test]
async fn a_refund_within_a_day_of_booking_is_free_from_three_days_before() {
    let app = TestApp::spawn().await;
    let buyer = app.user("buyer@example.com").await;
    let refund = async |days_ahead: i64, booked_days_ago: i64| {
        let show = app.show_on_sale(days_ahead, 1).await;
        let ticket_id = bought_ticket(&app, &show, &buyer).await;
        app.book_earlier(ticket_id, booked_days_ago).await;
        let refunded = app
            .post(
                &format!("/api/v1/tickets/{ticket_id}/refund"),
                Some(&buyer.token),
                json!({}),
            )
            .await;
        assert_eq!(refunded.status, StatusCode::OK, "{:?}", refunded.body);
        refunded.body["refund_fee"].as_i64().unwrap()
    };

    // Five days before: 20% by the tiers, free when booked just now.
    assert_eq!(refund(5, 0).await, 0);
    assert_eq!(refund(5, 4).await, 10_000);
    // Three days before still counts; two does not.
    assert_eq!(refund(3, 0).await, 0);
    assert_eq!(refund(2, 0).await, 15_000);
    // Every point is in the ledger: 4 × 50,000 charged, 25,000 kept as fees.
    assert_eq!(app.balance(&buyer).await, 175_000);
    assert_eq!(app.ledger_sum(&buyer).await, 175_000);
}

#[tokio::test]
async fn the_refund_policy_is_configurable() {
    let app = TestApp::with_config(&[("REFUND_POLICY", "40:0,0:50")]).await;
    let show = app.show_on_sale(30, 1).await;
    let buyer = app.user("buyer@example.com").await;
    let ticket_id = bought_ticket(&app, &show, &buyer).await;
    app.book_earlier(ticket_id, 4).await;

    let refunded = app
        .post(
            &format!("/api/v1/tickets/{ticket_id}/refund"),
            Some(&buyer.token),
            json!({}),
        )
        .await;

    assert_eq!(refunded.body["refund_fee"], 25_000);
}

#[tokio::test]
async fn refunding_twice_pays_once() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let buyer = app.user("buyer@example.com").await;
    let ticket_id = bought_ticket(&app, &show, &buyer).await;
    let path = format!("/api/v1/tickets/{ticket_id}/refund");

    let (first, second) = tokio::join!(
        app.post(&path, Some(&buyer.token), json!({})),
        app.post(&path, Some(&buyer.token), json!({}))
    );
    let third = app.post(&path, Some(&buyer.token), json!({})).await;

    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    assert_eq!(third.code(), "TICKET_NOT_REFUNDABLE");
    assert_eq!(app.balance(&buyer).await, 50_000);
    let refunds: i64 =
        sqlx::query_scalar("select count(*) from point_ledger where reason = 'REFUND'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(refunds, 1);
}

#[tokio::test]
async fn no_refund_once_the_show_has_started_and_none_for_strangers() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let buyer = app.user("buyer@example.com").await;
    let stranger = app.user("stranger@example.com").await;
    let ticket_id = bought_ticket(&app, &show, &buyer).await;
    let path = format!("/api/v1/tickets/{ticket_id}/refund");

    let by_stranger = app.post(&path, Some(&stranger.token), json!({})).await;
    sqlx::query("update schedules set starts_at = current_timestamp(6) - interval 1 minute")
        .execute(app.pool())
        .await
        .unwrap();
    let too_late = app.post(&path, Some(&buyer.token), json!({})).await;

    assert_eq!(by_stranger.code(), "TICKET_NOT_FOUND");
    assert_eq!(too_late.code(), "REFUND_WINDOW_CLOSED");
    assert_eq!(app.balance(&buyer).await, 0);
}

/// A show's own policy: more generous or stricter than the service's, applied to its
/// refunds, stated on its page (stricter says so first), and cleared back.
#[tokio::test]
async fn a_show_may_have_its_own_policy_and_a_stricter_one_says_so() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(5, 2).await;
    let buyer = app.user("buyer@example.com").await;
    let path = format!("/api/v1/shows/{}", show.show_id);
    let patch = |policy: &str| {
        app.send(
            axum::http::Method::PATCH,
            &path,
            Some(&show.admin.token),
            Some(json!({ "refund_policy": policy })),
        )
    };
    let bad = patch("10:0,3:abc").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.code(), "VALIDATION_FAILED");
    let set = patch("10:0, 3:50").await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    let detail = app.get(&path, None).await;
    assert_eq!(detail.body["refund_policy"], "10:0,3:50");
    let page = app.get(&format!("/shows/{}", show.show_id), None).await;
    let html = page.body.as_str().unwrap();
    assert!(html.contains("소비자분쟁해결기준보다 높아요"), "{html}");
    assert!(html.contains("공연일 9~3일 전: 티켓 금액의 50% 공제"));

    // Five days ahead, past the 24 hours of cooling-off: the show's 50%, not the
    // standard's 20%.
    let ticket_id = bought_ticket(&app, &show, &buyer).await;
    app.book_earlier(ticket_id, 4).await;
    let refunded = app
        .post(
            &format!("/api/v1/tickets/{ticket_id}/refund"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    assert_eq!(refunded.status, StatusCode::OK, "{:?}", refunded.body);
    assert_eq!(refunded.body["refund_fee"], 25_000);
    assert_eq!(refunded.body["show_refund_policy"], "10:0,3:50");

    // Generous: free to the start, and the page has nothing to warn about.
    patch("0:0").await;
    let page = app.get(&format!("/shows/{}", show.show_id), None).await;
    let html = page.body.as_str().unwrap();
    assert!(!html.contains("소비자분쟁해결기준보다"));
    assert!(html.contains("공연 당일 시작 전까지: 전액 환불"));
    app.charge(&buyer, 50_000).await;
    let second = app
        .buy(&buyer, show.schedule_id, &show.seat_ids[1..2])
        .await;
    let second_id = second["tickets"][0]["id"].as_i64().unwrap();
    app.book_earlier(second_id, 4).await;
    let free = app
        .post(
            &format!("/api/v1/tickets/{second_id}/refund"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    assert_eq!(free.body["refund_fee"], 0, "{:?}", free.body);

    // An empty policy returns the show to the service's.
    patch("").await;
    let detail = app.get(&path, None).await;
    assert_eq!(detail.body["refund_policy"], serde_json::Value::Null);
}
