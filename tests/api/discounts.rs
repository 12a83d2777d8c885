//! 할인 권종 against MariaDB: prices per ticket, the sale window, the per-order count,
//! 재관람 checked by the database, and what the ticket and its refund carry.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::harness::{TestApp, TestResponse, TestUser};

struct Fixture {
    first: i64,
    second: i64,
    /// Kind ids of the second schedule by name.
    kinds: Value,
    first_kinds: Value,
}

/// A show with two performances (in 20 and 30 days), four R seats at 50,000 each, and
/// the kinds Korean box offices sell on each.
async fn show_with_kinds(app: &TestApp) -> Fixture {
    let admin = app.admin().await;
    let kinds = json!([
        {"name": "조기예매 할인", "percent_off": 20,
         "sale_ends_at": (Utc::now() + Duration::hours(1)).to_rfc3339()},
        {"name": "장애인 할인(1~3급)", "percent_off": 50, "per_order": 2,
         "proof": "복지카드 지참"},
        {"name": "재관람 할인", "percent_off": 10, "rewatch": true},
        {"name": "문화누리카드", "amount_off": 5000}
    ]);
    let schedule = |days: i64| {
        json!({
            "starts_at": (Utc::now() + Duration::days(days)).to_rfc3339(),
            "grades": [{"name": "R", "price": 50000, "rows": ["A"], "seats_per_row": 4}],
            "discounts": kinds,
        })
    };
    let created = app
        .post(
            "/api/v1/shows",
            Some(&admin.token),
            json!({
                "title": "레미제라블", "category": "MUSICAL",
                "venue": {"name": "블루스퀘어", "address": "서울 용산구 이태원로 294"},
                "booking_opens_at": "2025-01-01T00:00:00+09:00",
                "schedules": [schedule(20), schedule(30)]
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let show_id = created.body["id"].as_i64().unwrap();
    let detail = app.get(&format!("/api/v1/shows/{show_id}"), None).await;
    let by_name = |schedule: &Value| {
        let mut ids = serde_json::Map::new();
        for kind in schedule["discounts"].as_array().unwrap() {
            ids.insert(kind["name"].as_str().unwrap().into(), kind["id"].clone());
        }
        Value::Object(ids)
    };
    let schedules = detail.body["schedules"].as_array().unwrap();
    assert_eq!(schedules[1]["discounts"].as_array().unwrap().len(), 4);
    assert_eq!(schedules[1]["discounts"][1]["per_order"], 2);
    assert_eq!(schedules[1]["discounts"][1]["proof"], "복지카드 지참");
    Fixture {
        first: schedules[0]["id"].as_i64().unwrap(),
        second: schedules[1]["id"].as_i64().unwrap(),
        kinds: by_name(&schedules[1]),
        first_kinds: by_name(&schedules[0]),
    }
}

async fn purchase(app: &TestApp, user: &TestUser, hold_id: i64, kinds: Value) -> TestResponse {
    app.post(
        &format!("/api/v1/holds/{hold_id}/purchase"),
        Some(&user.token),
        json!({ "kinds": kinds }),
    )
    .await
}

#[tokio::test]
async fn each_ticket_is_priced_by_its_kind_with_the_fee_on_what_is_left() {
    let app = TestApp::with_config(&[("BOOKING_FEE", "2000")]).await;
    let show = show_with_kinds(&app).await;
    let seats = app.seat_ids(show.second).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 200_000).await;
    let hold = app.hold(&buyer, show.second, &seats[..3]).await;
    let choices = json!([
        {"seat_id": seats[1], "kind_id": show.kinds["조기예매 할인"]},
        {"seat_id": seats[2], "kind_id": show.kinds["문화누리카드"]}
    ]);

    let quote = app
        .post(
            &format!("/api/v1/holds/{hold}/quote"),
            Some(&buyer.token),
            json!({ "kinds": choices }),
        )
        .await;
    let order = purchase(&app, &buyer, hold, choices).await;

    // What the quote said is what the purchase charged.
    assert_eq!(quote.status, StatusCode::OK, "{:?}", quote.body);
    assert_eq!(quote.body["subtotal"], 150_000);
    assert_eq!(quote.body["discount"], 15_000);
    assert_eq!(quote.body["booking_fees"], 6_000);
    assert_eq!(quote.body["total"], order.body["total"]);
    assert_eq!(quote.body["lines"][1]["kind_name"], "조기예매 할인");
    assert_eq!(quote.body["lines"][1]["price"], 40_000);
    let offers = quote.body["kinds"].as_array().unwrap();
    assert_eq!(offers.len(), 4);
    assert_eq!(offers[0]["available"], true);
    assert_eq!(offers[2]["name"], "재관람 할인");
    assert_eq!(offers[2]["available"], false);
    assert_eq!(offers[2]["unavailable_reason"], "NOT_ELIGIBLE");
    assert_eq!(order.status, StatusCode::CREATED, "{:?}", order.body);
    // 50,000 일반 + 40,000 조기예매 + 45,000 문화누리 and three fees.
    assert_eq!(order.body["total"], 141_000);
    assert_eq!(order.body["booking_fees"], 6_000);
    let tickets = order.body["tickets"].as_array().unwrap();
    assert_eq!(tickets[0]["discount_name"], Value::Null);
    assert_eq!(tickets[0]["paid_amount"], 50_000);
    assert_eq!(tickets[1]["discount_name"], "조기예매 할인");
    assert_eq!(tickets[1]["paid_amount"], 40_000);
    assert_eq!(tickets[1]["face_value"], 50_000);
    assert_eq!(tickets[2]["paid_amount"], 45_000);
    assert_eq!(app.balance(&buyer).await, 59_000);

    // A refund gives back what was paid for the discounted ticket, not the grade's price.
    let refund = app
        .post(
            &format!("/api/v1/tickets/{}/refund", tickets[1]["id"]),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    assert_eq!(refund.status, StatusCode::OK, "{:?}", refund.body);
    assert_eq!(refund.body["refund_amount"], 42_000);
    assert_eq!(refund.body["discount_name"], "조기예매 할인");
    assert_eq!(app.ledger_sum(&buyer).await, app.balance(&buyer).await);
}

#[tokio::test]
async fn a_kind_out_of_its_window_or_over_its_count_sells_nothing() {
    let app = TestApp::spawn().await;
    let show = show_with_kinds(&app).await;
    let seats = app.seat_ids(show.second).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 300_000).await;
    let hold = app.hold(&buyer, show.second, &seats[..3]).await;
    let pair = show.kinds["장애인 할인(1~3급)"].clone();
    let early = show.kinds["조기예매 할인"].clone();

    let three = purchase(
        &app,
        &buyer,
        hold,
        json!(seats[..3]
            .iter()
            .map(|seat| json!({"seat_id": seat, "kind_id": pair}))
            .collect::<Vec<_>>()),
    )
    .await;
    sqlx::query("update discount_kinds set sale_ends_at = current_timestamp(6) where id = ?")
        .bind(early.as_i64().unwrap())
        .execute(app.pool())
        .await
        .unwrap();
    let too_late = purchase(
        &app,
        &buyer,
        hold,
        json!([{"seat_id": seats[0], "kind_id": early}]),
    )
    .await;

    assert_eq!(three.status, StatusCode::CONFLICT);
    assert_eq!(three.code(), "DISCOUNT_LIMIT_EXCEEDED");
    assert_eq!(three.body["error"]["limit"], 2);
    assert_eq!(too_late.status, StatusCode::CONFLICT);
    assert_eq!(too_late.code(), "DISCOUNT_NOT_ON_SALE");
    assert_eq!(app.balance(&buyer).await, 300_000);

    // The hold is still there: two 장애인 tickets (본인과 동반 1인) and one 일반 sell.
    let two = purchase(
        &app,
        &buyer,
        hold,
        json!([
            {"seat_id": seats[0], "kind_id": pair},
            {"seat_id": seats[1], "kind_id": pair}
        ]),
    )
    .await;
    assert_eq!(two.status, StatusCode::CREATED, "{:?}", two.body);
    assert_eq!(two.body["total"], 25_000 + 25_000 + 50_000);
    let ticket = &two.body["tickets"][0];
    assert_eq!(ticket["discount_proof"], "복지카드 지참");
    let id = ticket["id"].as_i64().unwrap();
    let read = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&buyer.token))
        .await;
    assert_eq!(read.body["discount_proof"], "복지카드 지참");
    assert_eq!(read.body["discount_name"], "장애인 할인(1~3급)");
}

#[tokio::test]
async fn a_rewatch_discount_needs_a_past_ticket_of_the_same_show_that_was_not_refunded() {
    let app = TestApp::spawn().await;
    let show = show_with_kinds(&app).await;
    let first_seats = app.seat_ids(show.first).await;
    let seats = app.seat_ids(show.second).await;
    let seen = app.user("seen@example.com").await;
    let refunded = app.user("refunded@example.com").await;
    let fresh = app.user("fresh@example.com").await;
    for user in [&seen, &refunded, &fresh] {
        app.charge(user, 200_000).await;
    }
    app.buy(&seen, show.first, &first_seats[..1]).await;
    let returned = app.buy(&refunded, show.first, &first_seats[1..2]).await;
    let refund = app
        .post(
            &format!("/api/v1/tickets/{}/refund", returned["tickets"][0]["id"]),
            Some(&refunded.token),
            json!({}),
        )
        .await;
    assert_eq!(refund.status, StatusCode::OK, "{:?}", refund.body);
    let rewatch = show.kinds["재관람 할인"].clone();

    // Before the first performance has been: nobody has seen it.
    let hold = app.hold(&seen, show.second, &seats[..1]).await;
    let early = purchase(
        &app,
        &seen,
        hold,
        json!([{"seat_id": seats[0], "kind_id": rewatch}]),
    )
    .await;
    assert_eq!(early.code(), "DISCOUNT_NOT_ELIGIBLE");
    sqlx::query(
        "update schedules set starts_at = current_timestamp(6) - interval 1 day where id = ?",
    )
    .bind(show.first)
    .execute(app.pool())
    .await
    .unwrap();

    let after = purchase(
        &app,
        &seen,
        hold,
        json!([{"seat_id": seats[0], "kind_id": rewatch}]),
    )
    .await;
    let hold = app.hold(&refunded, show.second, &seats[1..2]).await;
    let not_seen = purchase(
        &app,
        &refunded,
        hold,
        json!([{"seat_id": seats[1], "kind_id": rewatch}]),
    )
    .await;
    let hold = app.hold(&fresh, show.second, &seats[2..3]).await;
    let never = purchase(
        &app,
        &fresh,
        hold,
        json!([{"seat_id": seats[2], "kind_id": rewatch}]),
    )
    .await;

    assert_eq!(after.status, StatusCode::CREATED, "{:?}", after.body);
    assert_eq!(after.body["tickets"][0]["paid_amount"], 45_000);
    assert_eq!(not_seen.code(), "DISCOUNT_NOT_ELIGIBLE");
    assert_eq!(never.code(), "DISCOUNT_NOT_ELIGIBLE");
}

#[tokio::test]
async fn choices_must_name_held_seats_and_kinds_of_the_performance() {
    let app = TestApp::spawn().await;
    let show = show_with_kinds(&app).await;
    let seats = app.seat_ids(show.second).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 200_000).await;
    let hold = app.hold(&buyer, show.second, &seats[..1]).await;
    let other_schedules = show.first_kinds["조기예매 할인"].clone();
    let early = show.kinds["조기예매 할인"].clone();

    let wrong_kind = purchase(
        &app,
        &buyer,
        hold,
        json!([{"seat_id": seats[0], "kind_id": other_schedules}]),
    )
    .await;
    let not_held = purchase(
        &app,
        &buyer,
        hold,
        json!([{"seat_id": seats[1], "kind_id": early}]),
    )
    .await;
    let unknown_field = app
        .post(
            &format!("/api/v1/holds/{hold}/purchase"),
            Some(&buyer.token),
            json!({"kinds": [], "discount": 1}),
        )
        .await;
    let no_body = app
        .send(
            axum::http::Method::POST,
            &format!("/api/v1/holds/{hold}/purchase"),
            Some(&buyer.token),
            None,
        )
        .await;

    for refused in [&wrong_kind, &not_held] {
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?}",
            refused.body
        );
        assert_eq!(refused.code(), "VALIDATION_FAILED");
    }
    assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown_field.code(), "INVALID_BODY");
    // No body at all is a purchase of 일반 tickets, as before kinds existed.
    assert_eq!(no_body.status, StatusCode::CREATED, "{:?}", no_body.body);
    assert_eq!(no_body.body["total"], 50_000);
}

#[tokio::test]
async fn discount_kinds_the_table_cannot_hold_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let starts_at = (Utc::now() + Duration::days(10)).to_rfc3339();
    for kinds in [
        json!([{"name": "조기예매", "percent_off": 20, "amount_off": 1000}]),
        json!([{"name": "조기예매"}]),
        json!([{"name": "일반", "percent_off": 10}]),
        json!([{"name": "학생", "percent_off": 10}, {"name": "학생", "amount_off": 10}]),
        json!([{"name": "장애인", "percent_off": 50, "per_order": 0}]),
        json!([{"name": "조기예매", "percent_off": 101}]),
    ] {
        let created = app
            .post(
                "/api/v1/shows",
                Some(&admin.token),
                json!({
                    "title": "시카고", "category": "MUSICAL",
                    "venue": {"name": "디큐브 링크아트센터"},
                    "booking_opens_at": "2025-01-01T00:00:00+09:00",
                    "schedules": [{
                        "starts_at": starts_at,
                        "grades": [{"name": "R", "price": 50000, "rows": ["A"], "seats_per_row": 2}],
                        "discounts": kinds,
                    }]
                }),
            )
            .await;
        assert_eq!(created.status, StatusCode::UNPROCESSABLE_ENTITY, "{kinds}");
        assert_eq!(created.code(), "VALIDATION_FAILED", "{kinds}");
    }
}
