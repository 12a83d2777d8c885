//! General admission: areas sold by count (스탠딩, 자유석, an exhibition's entry), whose
//! tickets carry an 입장번호 in the order of purchase, handed out by MariaDB.

use std::collections::HashSet;

use axum::http::{Method, StatusCode};
use axum::Router;
use futures::future::join_all;
use marquee_api::AppState;
use serde_json::{json, Value};

use crate::harness::{send, TestApp, TestResponse, TestUser};

/// A concert on sale now with a seated R grade (one row of 4) and a standing area of
/// `places` at 99,000: (schedule id, the standing grade's id, the seated grade's id).
async fn standing_concert(app: &TestApp, places: u32) -> (i64, i64, i64) {
    let admin = app.admin().await;
    let starts_at = chrono::Utc::now() + chrono::Duration::days(30);
    let created = app
        .post(
            "/api/v1/shows",
            Some(&admin.token),
            json!({
                "title": "잔나비 전국투어",
                "category": "CONCERT",
                "venue": {"name": "올림픽공원 핸드볼경기장", "address": "서울 송파구 올림픽로 424"},
                "booking_opens_at": "2025-01-01T00:00:00+09:00",
                "schedules": [{
                    "starts_at": starts_at.to_rfc3339(),
                    "grades": [
                        {"name": "R", "price": 132000, "rows": ["A"], "seats_per_row": 4},
                        {"name": "스탠딩", "price": 99000, "general_admission": places}
                    ]
                }]
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let schedule = &created.body["schedules"][0];
    let grade = |name: &str| {
        schedule["grades"]
            .as_array()
            .unwrap()
            .iter()
            .find(|grade| grade["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    (
        schedule["id"].as_i64().unwrap(),
        grade("스탠딩"),
        grade("R"),
    )
}

async fn hold_places(
    router: &Router,
    user: &TestUser,
    schedule_id: i64,
    grade_id: i64,
    count: u32,
) -> TestResponse {
    send(
        router,
        Method::POST,
        "/api/v1/holds",
        Some(&user.token),
        Some(json!({"schedule_id": schedule_id, "places": {"grade_id": grade_id, "count": count}})),
        &[],
    )
    .await
}

/// Holds and pays `count` places for `user` (who has the points); the order.
async fn buy_places(
    app: &TestApp,
    user: &TestUser,
    schedule_id: i64,
    grade_id: i64,
    count: u32,
) -> Value {
    let hold = hold_places(&app.router, user, schedule_id, grade_id, count).await;
    assert_eq!(hold.status, StatusCode::CREATED, "{:?}", hold.body);
    let path = format!("/api/v1/holds/{}/purchase", hold.body["id"]);
    let order = app.post(&path, Some(&user.token), json!({})).await;
    assert_eq!(order.status, StatusCode::CREATED, "{:?}", order.body);
    order.body
}

fn entry_numbers(order: &Value) -> Vec<i64> {
    order["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ticket| {
            ticket["entry_number"]
                .as_i64()
                .expect("a standing ticket has a number")
        })
        .collect()
}

async fn seat_map(app: &TestApp, schedule_id: i64) -> Value {
    let show_id: i64 = sqlx::query_scalar("select show_id from schedules where id = ?")
        .bind(schedule_id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    let map = app
        .get(
            &format!("/api/v1/shows/{show_id}/schedules/{schedule_id}/seats"),
            None,
        )
        .await;
    assert_eq!(map.status, StatusCode::OK, "{:?}", map.body);
    map.body
}

#[tokio::test]
async fn a_standing_area_is_held_by_count_and_numbered_in_the_order_of_purchase() {
    let app = TestApp::spawn().await;
    let (schedule_id, standing, _) = standing_concert(&app, 10).await;

    // The seat map lists the seated grade's seats and the area as a count.
    let map = seat_map(&app, schedule_id).await;
    assert_eq!(map["seats"].as_array().unwrap().len(), 4);
    assert_eq!(map["areas"][0]["grade_id"], standing);
    assert_eq!(map["areas"][0]["places"], 10);
    assert_eq!(map["areas"][0]["available"], 10);

    let first = app.user("first@example.com").await;
    let second = app.user("second@example.com").await;
    app.charge(&first, 200_000).await;
    app.charge(&second, 100_000).await;
    let pair = buy_places(&app, &first, schedule_id, standing, 2).await;
    let one = buy_places(&app, &second, schedule_id, standing, 1).await;
    assert_eq!(entry_numbers(&pair), [1, 2]);
    assert_eq!(entry_numbers(&one), [3]);
    assert_eq!(pair["total"], 198_000);
    let ticket = &one["tickets"][0];
    assert_eq!(ticket["general_admission"], true);
    assert_eq!(ticket["grade"], "스탠딩");

    // MY page reads the number back, and the map counts three places gone.
    let mine = app.get("/api/v1/tickets", Some(&second.token)).await;
    assert_eq!(mine.body["items"][0]["entry_number"], 3, "{:?}", mine.body);
    assert_eq!(
        seat_map(&app, schedule_id).await["areas"][0]["available"],
        7
    );
    assert_eq!(app.balance(&first).await, app.ledger_sum(&first).await);
}

#[tokio::test]
async fn a_refund_frees_the_place_but_never_its_number() {
    let app = TestApp::spawn().await;
    let (schedule_id, standing, _) = standing_concert(&app, 2).await;
    let fan = app.user("fan@example.com").await;
    let late = app.user("late@example.com").await;
    app.charge(&fan, 200_000).await;
    app.charge(&late, 100_000).await;
    let order = buy_places(&app, &fan, schedule_id, standing, 2).await;
    assert_eq!(entry_numbers(&order), [1, 2]);

    let full = hold_places(&app.router, &late, schedule_id, standing, 1).await;
    assert_eq!(full.status, StatusCode::CONFLICT, "{:?}", full.body);
    assert_eq!(full.code(), "PLACES_UNAVAILABLE");
    assert_eq!(full.body["error"]["remaining"], 0);

    let refunded_id = order["tickets"][0]["id"].as_i64().unwrap();
    let refund = app
        .post(
            &format!("/api/v1/tickets/{refunded_id}/refund"),
            Some(&fan.token),
            json!({}),
        )
        .await;
    assert_eq!(refund.status, StatusCode::OK, "{:?}", refund.body);
    assert_eq!(
        seat_map(&app, schedule_id).await["areas"][0]["available"],
        1
    );

    let again = buy_places(&app, &late, schedule_id, standing, 1).await;
    assert_eq!(
        entry_numbers(&again),
        [3],
        "number 1 is not handed out again"
    );
    let refunded = app
        .get(&format!("/api/v1/tickets/{refunded_id}"), Some(&fan.token))
        .await;
    assert_eq!(refunded.body["status"], "REFUNDED");
    assert_eq!(
        refunded.body["entry_number"], 1,
        "the refunded ticket keeps its history"
    );
    let numbers: Vec<Option<i32>> = sqlx::query_scalar(
        "select entry_number from seats where grade_id = ? order by entry_number",
    )
    .bind(standing)
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(numbers, [Some(2), Some(3)]);
}

#[tokio::test]
async fn a_resold_standing_ticket_keeps_its_entry_number() {
    let app = TestApp::spawn().await;
    let (schedule_id, standing, _) = standing_concert(&app, 5).await;
    let seller = app.user("seller@example.com").await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&seller, 300_000).await;
    app.charge(&buyer, 100_000).await;
    let order = buy_places(&app, &seller, schedule_id, standing, 2).await;
    let ticket_id = order["tickets"][1]["id"].as_i64().unwrap();

    let listed = app
        .post(
            "/api/v1/trades",
            Some(&seller.token),
            json!({"ticket_id": ticket_id, "price": 99000}),
        )
        .await;
    assert_eq!(listed.status, StatusCode::CREATED, "{:?}", listed.body);
    assert_eq!(listed.body["entry_number"], 2);
    let path = format!("/api/v1/trades/{}/purchase", listed.body["id"]);
    let bought = app.post(&path, Some(&buyer.token), json!({})).await;
    assert_eq!(bought.status, StatusCode::CREATED, "{:?}", bought.body);
    let mine = app.get("/api/v1/tickets", Some(&buyer.token)).await;
    let issued = &mine.body["items"][0];
    assert_eq!(issued["entry_number"], 2, "{issued:?}");
    assert_eq!(issued["status"], "VALID");
}

#[tokio::test]
async fn holds_of_places_are_refused_clearly() {
    let app = TestApp::spawn().await;
    let (schedule_id, standing, seated) = standing_concert(&app, 3).await;
    let fan = app.user("fan@example.com").await;
    let hold = async |body: Value| app.post("/api/v1/holds", Some(&fan.token), body).await;

    let seated_grade =
        hold(json!({"schedule_id": schedule_id, "places": {"grade_id": seated, "count": 1}})).await;
    assert_eq!(
        (seated_grade.status, seated_grade.code()),
        (StatusCode::NOT_FOUND, "AREA_NOT_FOUND")
    );
    let other_schedule =
        hold(json!({"schedule_id": schedule_id + 1, "places": {"grade_id": standing, "count": 1}}))
            .await;
    assert_eq!(
        other_schedule.status,
        StatusCode::NOT_FOUND,
        "{:?}",
        other_schedule.body
    );
    let none =
        hold(json!({"schedule_id": schedule_id, "places": {"grade_id": standing, "count": 0}}))
            .await;
    assert_eq!(
        (none.status, none.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
    );
    let many =
        hold(json!({"schedule_id": schedule_id, "places": {"grade_id": standing, "count": 5}}))
            .await;
    assert_eq!(
        (many.status, many.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "TOO_MANY_SEATS")
    );
    let both = hold(json!({"schedule_id": schedule_id, "seat_ids": [1], "places": {"grade_id": standing, "count": 1}})).await;
    assert_eq!(
        (both.status, both.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
    );
    let more_than_free =
        hold(json!({"schedule_id": schedule_id, "places": {"grade_id": standing, "count": 4}}))
            .await;
    assert_eq!(
        (more_than_free.status, more_than_free.code()),
        (StatusCode::CONFLICT, "PLACES_UNAVAILABLE")
    );
    assert_eq!(more_than_free.body["error"]["remaining"], 3);

    // A hold is all or nothing: of two pairs wanted from three places, one is taken
    // and the other refused with the one place left.
    let taken =
        hold(json!({"schedule_id": schedule_id, "places": {"grade_id": standing, "count": 2}}))
            .await;
    assert_eq!(taken.status, StatusCode::CREATED, "{:?}", taken.body);
    assert_eq!(taken.body["seat_ids"].as_array().unwrap().len(), 2);
    let other = app.user("other@example.com").await;
    let refused = hold_places(&app.router, &other, schedule_id, standing, 2).await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::CONFLICT, "PLACES_UNAVAILABLE")
    );
    assert_eq!(refused.body["error"]["remaining"], 1);

    // An area is created with places and no rows; rows with it are refused.
    let admin = app.admin().await;
    let starts_at = chrono::Utc::now() + chrono::Duration::days(30);
    let mixed = app
        .post(
            "/api/v1/shows",
            Some(&admin.token),
            json!({
                "title": "잘못된 공연", "category": "CONCERT", "venue": {"name": "어딘가"},
                "booking_opens_at": "2025-01-01T00:00:00+09:00",
                "schedules": [{"starts_at": starts_at.to_rfc3339(), "grades": [
                    {"name": "스탠딩", "price": 1000, "general_admission": 10, "rows": ["A"], "seats_per_row": 1}
                ]}]
            }),
        )
        .await;
    assert_eq!(
        mixed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        mixed.body
    );
    assert_eq!(mixed.body["error"]["field"], "grades.general_admission");
}

/// The proof: 2,000 fans on two api processes at once for a 1,000-place area.
/// Exactly 1,000 get a place, numbered 1 to 1,000, each number once; everyone else is
/// told the area is full; every point moved is in the ledger. Clients retry a 503, as
/// its Retry-After asks; a purchase retried is the same purchase (one order per hold).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_thousand_fans_on_two_processes_buy_exactly_a_thousand_numbered_places() {
    let app = TestApp::spawn().await;
    let second_pool = app.db.second_pool().await;
    let instances: [Router; 2] = [
        app.router.clone(),
        marquee_api::app(AppState::new(second_pool, &app.config)),
    ];
    let (schedule_id, standing, _) = standing_concert(&app, 1_000).await;
    let mut fans = Vec::with_capacity(2_000);
    for i in 0..2_000 {
        fans.push(app.user(&format!("fan{i}@example.com")).await);
    }
    join_all(fans.iter().map(|fan| app.charge(fan, 99_000))).await;

    let attempts = fans.iter().enumerate().map(|(i, fan)| {
        let router = instances[i % 2].clone();
        let fan = fan.clone();
        tokio::spawn(async move {
            // A flood this size outruns a pool that fails fast (750 ms): 503 with
            // Retry-After, which a client retries, as these do.
            let mut hold = hold_places(&router, &fan, schedule_id, standing, 1).await;
            while hold.status == StatusCode::SERVICE_UNAVAILABLE {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                hold = hold_places(&router, &fan, schedule_id, standing, 1).await;
            }
            if hold.status != StatusCode::CREATED {
                assert_eq!(
                    (hold.status, hold.code()),
                    (StatusCode::CONFLICT, "PLACES_UNAVAILABLE"),
                    "{:?}",
                    hold.body
                );
                return None;
            }
            let path = format!("/api/v1/holds/{}/purchase", hold.body["id"]);
            let pay =
                async || send(&router, Method::POST, &path, Some(&fan.token), None, &[]).await;
            let mut order = pay().await;
            while order.status == StatusCode::SERVICE_UNAVAILABLE {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                order = pay().await;
            }
            assert_eq!(order.status, StatusCode::CREATED, "{:?}", order.body);
            Some(order.body["tickets"][0]["entry_number"].as_i64().unwrap())
        })
    });
    let numbers: Vec<i64> = join_all(attempts)
        .await
        .into_iter()
        .filter_map(|result| result.unwrap())
        .collect();

    assert_eq!(numbers.len(), 1_000);
    let distinct: HashSet<i64> = numbers.iter().copied().collect();
    assert_eq!(distinct, (1..=1_000).collect::<HashSet<i64>>());
    let (sold, numbered, valid): (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from seats where grade_id = ? and is_sold),
                (select count(distinct entry_number) from seats where grade_id = ?),
                (select count(*) from tickets t join seats s on s.id = t.seat_id
                 where s.grade_id = ? and t.status = 'VALID')",
    )
    .bind(standing)
    .bind(standing)
    .bind(standing)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!((sold, numbered, valid), (1_000, 1_000, 1_000));
    let next: i32 = sqlx::query_scalar("select next_entry_number from seat_grades where id = ?")
        .bind(standing)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(next, 1_001);
    let unbalanced: i64 = sqlx::query_scalar(
        "select count(*) from users u
         where u.point_balance <> (select coalesce(sum(amount), 0) from point_ledger l where l.user_id = u.id)",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(unbalanced, 0);
}
