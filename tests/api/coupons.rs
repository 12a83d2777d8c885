//! Coupons against MariaDB: the campaign's limit under a race from two api processes,
//! what a coupon takes off, its terms, and what a refund does to it.

use axum::http::{Method, StatusCode};
use axum::Router;
use chrono::{Duration, Utc};
use futures::future::join_all;
use marquee_api::AppState;
use serde_json::{json, Value};

use crate::harness::{send, TestApp, TestResponse, TestUser};

async fn campaign(app: &TestApp, admin: &TestUser, body: Value) -> Value {
    let created = app
        .post("/api/v1/admin/coupon-campaigns", Some(&admin.token), body)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    created.body
}

fn running() -> (String, String) {
    (
        (Utc::now() - Duration::hours(1)).to_rfc3339(),
        (Utc::now() + Duration::days(30)).to_rfc3339(),
    )
}

async fn claim(app: &TestApp, user: &TestUser, body: Value) -> TestResponse {
    app.post("/api/v1/coupons", Some(&user.token), body).await
}

async fn buy_with(
    app: &TestApp,
    user: &TestUser,
    schedule_id: i64,
    seats: &[i64],
    coupon_id: &Value,
) -> TestResponse {
    let hold = app.hold(user, schedule_id, seats).await;
    app.post(
        &format!("/api/v1/holds/{hold}/purchase"),
        Some(&user.token),
        json!({ "coupon_id": coupon_id }),
    )
    .await
}

/// 150 people, and 30 of them twice, claim a campaign of 100 coupons at once through two
/// api instances with their own connection pools: exactly 100 are issued, one each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_limited_campaign_issues_exactly_its_limit_across_processes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (starts_at, ends_at) = running();
    let created = campaign(
        &app,
        &admin,
        json!({"name": "선착순 100명 5,000원", "amount_off": 5000,
               "starts_at": starts_at, "ends_at": ends_at, "total_limit": 100}),
    )
    .await;
    let campaign_id = created["id"].as_i64().unwrap();
    let second_pool = app.db.second_pool().await;
    let instances: [Router; 2] = [
        app.router.clone(),
        marquee_api::app(AppState::new(second_pool, &app.config)),
    ];
    let mut people = Vec::new();
    for i in 0..150 {
        people.push(app.user(&format!("fan{i}@example.com")).await);
    }
    let claims = people
        .iter()
        .chain(people.iter().take(30))
        .enumerate()
        .map(|(i, person)| {
            let router = instances[i % 2].clone();
            let token = person.token.clone();
            tokio::spawn(async move {
                send(
                    &router,
                    Method::POST,
                    "/api/v1/coupons",
                    Some(&token),
                    Some(json!({ "campaign_id": campaign_id })),
                    &[],
                )
                .await
            })
        });
    let answers: Vec<TestResponse> = join_all(claims)
        .await
        .into_iter()
        .map(|answer| answer.unwrap())
        .collect();

    let created = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .count();
    for refused in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
        assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
        assert!(
            ["COUPON_EXHAUSTED", "COUPON_ALREADY_CLAIMED"].contains(&refused.code()),
            "{:?}",
            refused.body
        );
    }
    let (coupons, people_with_one, issued): (i64, i64, u32) = sqlx::query_as(
        "select (select count(*) from coupons), (select count(distinct user_id) from coupons),
                (select issued from coupon_campaigns)",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(created, 100);
    assert_eq!((coupons, people_with_one, issued), (100, 100, 100));
}

#[tokio::test]
async fn a_coupon_comes_off_the_order_and_back_only_when_the_order_is_cancelled_whole() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 4).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 300_000).await;
    let (starts_at, ends_at) = running();
    campaign(
        &app,
        &show.admin,
        json!({"name": "겨울 5,000원", "code": "WINTER5000", "amount_off": 5000,
               "min_order": 30000, "starts_at": starts_at, "ends_at": ends_at}),
    )
    .await;

    let coupon = claim(&app, &buyer, json!({"code": " winter5000 "})).await;
    let again = claim(&app, &buyer, json!({"code": "WINTER5000"})).await;
    let unknown = claim(&app, &buyer, json!({"code": "SUMMER5000"})).await;
    assert_eq!(coupon.status, StatusCode::CREATED, "{:?}", coupon.body);
    assert_eq!(again.code(), "COUPON_ALREADY_CLAIMED");
    assert_eq!(unknown.code(), "COUPON_NOT_FOUND");
    let coupon_id = coupon.body["id"].clone();

    let hold = app
        .hold(&buyer, show.schedule_id, &show.seat_ids[..2])
        .await;
    let quote = app
        .post(
            &format!("/api/v1/holds/{hold}/quote"),
            Some(&buyer.token),
            json!({ "coupon_id": coupon_id }),
        )
        .await;
    let order = app
        .post(
            &format!("/api/v1/holds/{hold}/purchase"),
            Some(&buyer.token),
            json!({ "coupon_id": coupon_id }),
        )
        .await;
    assert_eq!(quote.status, StatusCode::OK, "{:?}", quote.body);
    assert_eq!(quote.body["coupon_discount"], 5_000);
    assert_eq!(quote.body["total"], 95_000);
    assert_eq!(quote.body["lines"][0]["price"], 50_000);
    assert_eq!(quote.body["lines"][0]["coupon_share"], 2_500);
    assert_eq!(order.status, StatusCode::CREATED, "{:?}", order.body);
    assert_eq!(order.body["total"], 95_000);
    assert_eq!(order.body["coupon_discount"], 5_000);
    assert_eq!(order.body["tickets"][0]["paid_amount"], 47_500);
    assert_eq!(order.body["tickets"][0]["face_value"], 50_000);
    assert_eq!(app.balance(&buyer).await, 205_000);

    // Used: another order cannot take it.
    let reused = buy_with(
        &app,
        &buyer,
        show.schedule_id,
        &show.seat_ids[2..3],
        &coupon_id,
    )
    .await;
    assert_eq!(reused.code(), "COUPON_NOT_APPLICABLE");
    assert_eq!(reused.body["error"]["reason"], "USED");

    // One ticket back: what was paid for it; the coupon stays used.
    let number = order.body["number"].as_str().unwrap();
    let first = order.body["tickets"][0]["id"].as_i64().unwrap();
    let second = order.body["tickets"][1]["id"].as_i64().unwrap();
    let path = format!("/api/v1/orders/{number}/cancel");
    let part = app
        .post(&path, Some(&buyer.token), json!({"ticket_ids": [first]}))
        .await;
    assert_eq!(part.status, StatusCode::OK, "{:?}", part.body);
    assert_eq!(part.body["tickets"][0]["refund_amount"], 47_500);
    let mine = app.get("/api/v1/coupons", Some(&buyer.token)).await;
    assert_eq!(mine.body[0]["order_id"], order.body["id"]);

    // The rest: the order is cancelled whole and the coupon comes back.
    let rest = app
        .post(&path, Some(&buyer.token), json!({"ticket_ids": [second]}))
        .await;
    assert_eq!(rest.body["status"], "CANCELLED");
    let mine = app.get("/api/v1/coupons", Some(&buyer.token)).await;
    assert_eq!(mine.body[0]["order_id"], Value::Null);
    assert_eq!(app.balance(&buyer).await, 300_000);
    assert_eq!(app.ledger_sum(&buyer).await, app.balance(&buyer).await);
    let reused = buy_with(
        &app,
        &buyer,
        show.schedule_id,
        &show.seat_ids[3..4],
        &coupon_id,
    )
    .await;
    assert_eq!(reused.status, StatusCode::CREATED, "{:?}", reused.body);
    assert_eq!(reused.body["total"], 45_000);
}

#[tokio::test]
async fn a_coupon_applies_only_within_its_terms() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 4).await;
    let other_show = app.show_on_sale(30, 1).await;
    let buyer = app.user("buyer@example.com").await;
    let stranger = app.user("stranger@example.com").await;
    app.charge(&buyer, 300_000).await;
    let (starts_at, ends_at) = running();
    let percent = campaign(
        &app,
        &show.admin,
        json!({"name": "시카고 10%", "percent_off": 10, "max_discount": 8000,
               "min_order": 60000, "show_ids": [show.show_id],
               "starts_at": starts_at, "ends_at": ends_at}),
    )
    .await;
    let ended = campaign(
        &app,
        &show.admin,
        json!({"name": "지난 이벤트", "amount_off": 1000,
               "starts_at": (Utc::now() - Duration::days(10)).to_rfc3339(),
               "ends_at": (Utc::now() - Duration::days(1)).to_rfc3339()}),
    )
    .await;
    let coupon = claim(&app, &buyer, json!({"campaign_id": percent["id"]})).await;
    let coupon_id = coupon.body["id"].clone();
    let late = claim(&app, &buyer, json!({"campaign_id": ended["id"]})).await;
    assert_eq!(late.code(), "COUPON_NOT_APPLICABLE");
    assert_eq!(late.body["error"]["reason"], "EXPIRED");

    let elsewhere = buy_with(
        &app,
        &buyer,
        other_show.schedule_id,
        &other_show.seat_ids,
        &coupon_id,
    )
    .await;
    let too_small = buy_with(
        &app,
        &buyer,
        show.schedule_id,
        &show.seat_ids[..1],
        &coupon_id,
    )
    .await;
    let theirs = claim(&app, &stranger, json!({"campaign_id": percent["id"]})).await;
    let not_mine = buy_with(
        &app,
        &buyer,
        show.schedule_id,
        &show.seat_ids[1..2],
        &theirs.body["id"],
    )
    .await;
    // Two seats make 100,000: 10% is 10,000, capped at 8,000.
    let capped = buy_with(
        &app,
        &buyer,
        show.schedule_id,
        &show.seat_ids[2..4],
        &coupon_id,
    )
    .await;

    assert_eq!(elsewhere.body["error"]["reason"], "OTHER_SHOW");
    assert_eq!(too_small.body["error"]["reason"], "BELOW_MINIMUM");
    assert_eq!(not_mine.status, StatusCode::NOT_FOUND);
    assert_eq!(not_mine.code(), "COUPON_NOT_FOUND");
    assert_eq!(capped.status, StatusCode::CREATED, "{:?}", capped.body);
    assert_eq!(capped.body["coupon_discount"], 8_000);
    assert_eq!(capped.body["total"], 92_000);
    // Every refused purchase left the points alone.
    assert_eq!(app.balance(&buyer).await, 300_000 - 92_000);
}

#[tokio::test]
async fn only_admins_start_campaigns_and_bad_terms_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let fan = app.user("fan@example.com").await;
    let (starts_at, ends_at) = running();
    let good =
        json!({"name": "5,000원", "amount_off": 5000, "starts_at": starts_at, "ends_at": ends_at});

    let by_fan = app
        .post(
            "/api/v1/admin/coupon-campaigns",
            Some(&fan.token),
            good.clone(),
        )
        .await;
    assert_eq!(by_fan.status, StatusCode::FORBIDDEN);
    for (field, value) in [
        ("percent_off", json!(10)),
        ("code", json!("SALE-5000")),
        ("total_limit", json!(0)),
        ("ends_at", json!(starts_at)),
        ("show_ids", json!([987654321])),
    ] {
        let mut body = good.clone();
        body[field] = value;
        let refused = app
            .post("/api/v1/admin/coupon-campaigns", Some(&admin.token), body)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(refused.code(), "VALIDATION_FAILED", "{field}");
    }
    let mut coded = good.clone();
    coded["code"] = json!("SALE5000");
    campaign(&app, &admin, coded.clone()).await;
    coded["code"] = json!("sale5000");
    let same_code = app
        .post("/api/v1/admin/coupon-campaigns", Some(&admin.token), coded)
        .await;
    assert_eq!(same_code.code(), "VALIDATION_FAILED");
    let both = claim(&app, &fan, json!({"campaign_id": 1, "code": "SALE5000"})).await;
    assert_eq!(both.code(), "VALIDATION_FAILED");
}

/// One coupon, two purchases at once through two api instances: one order uses it, the
/// other is refused and pays nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_coupon_paid_twice_at_once_is_used_once() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 200_000).await;
    let (starts_at, ends_at) = running();
    let created = campaign(
        &app,
        &show.admin,
        json!({"name": "5,000원", "amount_off": 5000, "starts_at": starts_at, "ends_at": ends_at}),
    )
    .await;
    let coupon = claim(&app, &buyer, json!({"campaign_id": created["id"]})).await;
    let coupon_id = coupon.body["id"].clone();
    let first = app
        .hold(&buyer, show.schedule_id, &show.seat_ids[..1])
        .await;
    let second = app
        .hold(&buyer, show.schedule_id, &show.seat_ids[1..])
        .await;
    let other = marquee_api::app(AppState::new(app.db.second_pool().await, &app.config));
    let pay = |router: Router, hold: i64| {
        let (token, coupon_id) = (buyer.token.clone(), coupon_id.clone());
        tokio::spawn(async move {
            send(
                &router,
                Method::POST,
                &format!("/api/v1/holds/{hold}/purchase"),
                Some(&token),
                Some(json!({ "coupon_id": coupon_id })),
                &[],
            )
            .await
        })
    };

    let answers = join_all([pay(app.router.clone(), first), pay(other, second)]).await;

    let answers: Vec<TestResponse> = answers.into_iter().map(|a| a.unwrap()).collect();
    let paid: Vec<&TestResponse> = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .collect();
    assert_eq!(
        paid.len(),
        1,
        "{:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    let refused = answers
        .iter()
        .find(|a| a.status != StatusCode::CREATED)
        .unwrap();
    assert_eq!(
        refused.body["error"]["reason"], "USED",
        "{:?}",
        refused.body
    );
    assert_eq!(app.balance(&buyer).await, 200_000 - 45_000);
    assert_eq!(app.ledger_sum(&buyer).await, app.balance(&buyer).await);

    // The purchases above were ordered by the buyer's row lock; the schema holds the
    // rule alone: no second order can name the coupon in use, nor use another coupon
    // than the one it was priced with.
    let unpaid_hold = second.max(first);
    let reuse = |coupon_use: i64| {
        sqlx::query(
            "insert into orders (number, user_id, hold_id, total, booking_fees, coupon_id,
                                 coupon_use)
             select '9999999999', user_id, ?, 0, 0, ?, ? from orders limit 1",
        )
        .bind(unpaid_hold + 1_000)
        .bind(coupon_id.as_i64().unwrap())
        .bind(coupon_use)
        .execute(app.pool())
    };
    let twice = reuse(coupon_id.as_i64().unwrap()).await.unwrap_err();
    assert!(
        twice.to_string().contains("uq_orders_coupon_use"),
        "{twice}"
    );
    let other = reuse(coupon_id.as_i64().unwrap() + 1).await.unwrap_err();
    assert!(
        other.to_string().contains("ck_orders_coupon_use"),
        "{other}"
    );
}

#[tokio::test]
async fn my_coupons_come_each_with_its_own_campaigns_terms() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let fan = app.user("fan@example.com").await;
    let (starts_at, ends_at) = running();
    let everywhere = campaign(
        &app,
        &show.admin,
        json!({"name": "전 공연 2,000원", "code": "ALL2000", "amount_off": 2000,
               "starts_at": starts_at, "ends_at": ends_at}),
    )
    .await;
    let this_show = campaign(
        &app,
        &show.admin,
        json!({"name": "시카고 10%", "percent_off": 10, "max_discount": 7000,
               "min_order": 20000, "show_ids": [show.show_id],
               "starts_at": starts_at, "ends_at": ends_at}),
    )
    .await;
    let first = claim(&app, &fan, json!({"code": "ALL2000"})).await;
    let second = claim(&app, &fan, json!({"campaign_id": this_show["id"]})).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(second.status, StatusCode::CREATED);

    let mine = app.get("/api/v1/coupons", Some(&fan.token)).await;
    assert_eq!(mine.status, StatusCode::OK);
    let mine = mine.body.as_array().unwrap();
    assert_eq!(mine.len(), 2);
    // Newest first, each with its campaign's own terms and shows.
    assert_eq!(mine[0]["id"], second.body["id"]);
    assert_eq!(mine[0]["campaign_id"], this_show["id"]);
    assert_eq!(mine[0]["name"], "시카고 10%");
    assert_eq!(mine[0]["percent_off"], 10);
    assert_eq!(mine[0]["max_discount"], 7000);
    assert_eq!(mine[0]["show_ids"], json!([show.show_id]));
    assert_eq!(mine[1]["campaign_id"], everywhere["id"]);
    assert_eq!(mine[1]["name"], "전 공연 2,000원");
    assert_eq!(mine[1]["amount_off"], 2000);
    assert_eq!(mine[1]["show_ids"], json!([]));
}
