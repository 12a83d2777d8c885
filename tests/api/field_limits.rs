//! What validation accepts, the schema stores: every string field at its limit is
//! stored (with 3- and 4-byte characters where the column counts characters), and one
//! character past it is a 422 naming the field, never a 500 from the database.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::harness::TestApp;

fn show_body() -> Value {
    let starts_at = chrono::Utc::now() + chrono::Duration::days(30);
    json!({
        "title": "시카고",
        "title_en": "Chicago",
        "description": "",
        "category": "MUSICAL",
        "venue": {"name": "디큐브 링크아트센터", "address": ""},
        "artists": ["최재림"],
        "aliases": ["시카고 뮤지컬"],
        "poster_url": "https://img.example.kr/p.jpg",
        "booking_opens_at": "2025-01-01T00:00:00+09:00",
        "schedules": [{
            "starts_at": starts_at.to_rfc3339(),
            "grades": [{"name": "R", "price": 50000, "rows": ["A"], "seats_per_row": 2}]
        }]
    })
}

/// `base` repeated to `length` characters, after a fixed `prefix`.
fn text_of(prefix: &str, base: char, length: usize) -> String {
    let mut text = prefix.to_string();
    text.extend(std::iter::repeat_n(base, length - prefix.chars().count()));
    text
}

#[tokio::test]
async fn every_catalog_text_field_stores_its_limit_and_refuses_one_more() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // (JSON pointer, field named in the error, limit, prefix, filler)
    let fields: &[(&str, &str, usize, &str, char)] = &[
        ("/title", "title", 200, "", '가'),
        ("/title_en", "title_en", 200, "", '😀'),
        ("/description", "description", 5_000, "", '😀'),
        (
            "/poster_url",
            "poster_url",
            500,
            "https://img.example.kr/",
            'a',
        ),
        ("/venue/name", "venue.name", 200, "", '극'),
        ("/venue/address", "venue.address", 300, "", '로'),
        ("/artists/0", "artists", 200, "", '배'),
        ("/aliases/0", "aliases", 100, "", '😀'),
        ("/schedules/0/grades/0/name", "grades.name", 20, "", '석'),
        ("/schedules/0/grades/0/rows/0", "grades.rows", 8, "", '열'),
    ];
    for &(pointer, field, limit, prefix, filler) in fields {
        for (length, accepted) in [(limit, true), (limit + 1, false)] {
            let value = text_of(prefix, filler, length);
            let mut body = show_body();
            *body.pointer_mut(pointer).unwrap() = json!(value);

            let response = app.post("/api/v1/shows", Some(&admin.token), body).await;

            if accepted {
                assert_eq!(
                    response.status,
                    StatusCode::CREATED,
                    "{pointer} at {length}: {:?}",
                    response.body
                );
                let show = app
                    .get(&format!("/api/v1/shows/{}", response.body["id"]), None)
                    .await;
                let seat_map = app
                    .get(
                        &format!(
                            "/api/v1/shows/{}/schedules/{}/seats",
                            response.body["id"], response.body["schedules"][0]["id"]
                        ),
                        None,
                    )
                    .await;
                // Show fields read back from the detail at the same place; grade names
                // and row labels from the seat map.
                let stored = match pointer {
                    "/schedules/0/grades/0/name" => {
                        seat_map.body.pointer("/seats/0/grade").cloned()
                    }
                    "/schedules/0/grades/0/rows/0" => {
                        seat_map.body.pointer("/seats/0/row").cloned()
                    }
                    _ => show.body.pointer(pointer).cloned(),
                };
                assert_eq!(
                    stored,
                    Some(json!(value)),
                    "{pointer} reads back as written"
                );
            } else {
                assert_eq!(
                    response.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{pointer} at {length}: {:?}",
                    response.body
                );
                assert_eq!(response.body["error"]["field"], field, "{pointer}");
            }
        }
    }
}

#[tokio::test]
async fn seat_labels_equal_to_the_database_are_refused_as_duplicates_not_500() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // (grades, field): case is caught by validation, full-width letters only by the
    // unique key, and both answer the same way.
    let cases = [
        (
            json!([{"name": "R", "price": 1, "rows": ["A", "a"], "seats_per_row": 1}]),
            "grades.rows",
        ),
        (
            json!([{"name": "R", "price": 1, "rows": ["A", "Ａ"], "seats_per_row": 1}]),
            "grades.rows",
        ),
        (
            json!([{"name": "R", "price": 1, "rows": ["A"], "seats_per_row": 1},
                   {"name": "r", "price": 1, "rows": ["B"], "seats_per_row": 1}]),
            "grades.name",
        ),
        (
            json!([{"name": "R", "price": 1, "rows": ["A"], "seats_per_row": 1},
                   {"name": "Ｒ", "price": 1, "rows": ["B"], "seats_per_row": 1}]),
            "grades.name",
        ),
    ];
    for (grades, field) in cases {
        let mut body = show_body();
        body["schedules"][0]["grades"] = grades.clone();

        let response = app.post("/api/v1/shows", Some(&admin.token), body).await;

        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{grades}: {:?}",
            response.body
        );
        assert_eq!(response.body["error"]["field"], field, "{grades}");
    }
    let shows: i64 = sqlx::query_scalar("select count(*) from shows")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(shows, 0, "nothing was written");
}

#[tokio::test]
async fn account_fields_store_their_limit_and_refuse_one_more() {
    let app = TestApp::spawn().await;
    let signup = |email: String, password: String, nickname: String| {
        app.post(
            "/api/v1/auth/signup",
            None,
            json!({"email": email, "password": password, "nickname": nickname}),
        )
    };
    let email =
        |length: usize| format!("{}@example.com", "m".repeat(length - "@example.com".len()));

    let at_limit = signup(email(254), text_of("", '비', 128), text_of("", '닉', 40)).await;
    let long_email = signup(email(255), "password123".into(), "fan".into()).await;
    let long_password = signup(email(30), text_of("", '비', 129), "fan".into()).await;
    let long_nickname = signup(email(31), "password123".into(), text_of("", '😀', 41)).await;

    assert_eq!(at_limit.status, StatusCode::CREATED, "{:?}", at_limit.body);
    assert_eq!(at_limit.body["email"], email(254));
    assert_eq!(at_limit.body["nickname"], text_of("", '닉', 40));
    assert_eq!(long_email.body["error"]["field"], "email");
    assert_eq!(long_password.body["error"]["field"], "password");
    assert_eq!(long_nickname.body["error"]["field"], "nickname");
    let logged_in = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": email(254), "password": text_of("", '비', 128)}),
        )
        .await;
    assert_eq!(logged_in.status, StatusCode::OK, "{:?}", logged_in.body);
}

#[tokio::test]
async fn a_payment_id_at_its_limit_is_credited_and_one_longer_is_refused() {
    let app = TestApp::spawn().await;
    let fan = app.user("fan@example.com").await;
    let charge = |payment_id: String| {
        app.post(
            "/api/v1/points/charges",
            Some(&fan.token),
            json!({"payment_id": payment_id, "amount": 1_000}),
        )
    };

    let at_limit = charge(text_of("dev_", 'x', 100)).await;
    let past = charge(text_of("dev_", 'y', 101)).await;

    assert_eq!(at_limit.status, StatusCode::CREATED, "{:?}", at_limit.body);
    assert_eq!(past.body["error"]["field"], "payment_id");
    assert_eq!(app.balance(&fan).await, 1_000);
    assert_eq!(app.ledger_sum(&fan).await, 1_000);
}

#[tokio::test]
async fn idempotency_keys_at_their_limit_are_stored_and_one_longer_is_refused() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 3).await;
    let seller = app.user("seller@example.com").await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&seller, 500_000).await;
    app.charge(&buyer, 500_000).await;
    let key = |c: char, length: usize| text_of("", c, length);

    // Purchase of a hold.
    let hold = app
        .hold(&seller, show.schedule_id, &show.seat_ids[..1])
        .await;
    let path = format!("/api/v1/holds/{hold}/purchase");
    let too_long = app
        .post_with_key(&seller, &path, None, &key('p', 101))
        .await;
    let bought = app
        .post_with_key(&seller, &path, None, &key('p', 100))
        .await;
    assert_eq!(too_long.body["error"]["field"], "Idempotency-Key");
    assert_eq!(bought.status, StatusCode::CREATED, "{:?}", bought.body);
    let ticket = bought.body["tickets"][0]["id"].as_i64().unwrap();

    // Listing it for resale.
    let listing = Some(json!({"ticket_id": ticket, "price": 50_000}));
    let too_long = app
        .post_with_key(&seller, "/api/v1/trades", listing.clone(), &key('l', 101))
        .await;
    let listed = app
        .post_with_key(&seller, "/api/v1/trades", listing, &key('l', 100))
        .await;
    assert_eq!(too_long.body["error"]["field"], "Idempotency-Key");
    assert_eq!(listed.status, StatusCode::CREATED, "{:?}", listed.body);

    // Buying the trade.
    let path = format!("/api/v1/trades/{}/purchase", listed.body["id"]);
    let too_long = app.post_with_key(&buyer, &path, None, &key('t', 101)).await;
    let resold = app.post_with_key(&buyer, &path, None, &key('t', 100)).await;
    assert_eq!(too_long.body["error"]["field"], "Idempotency-Key");
    assert_eq!(resold.status, StatusCode::CREATED, "{:?}", resold.body);

    // Refunding another ticket.
    let other = app
        .buy(&seller, show.schedule_id, &show.seat_ids[1..2])
        .await;
    let path = format!("/api/v1/tickets/{}/refund", other["tickets"][0]["id"]);
    let too_long = app
        .post_with_key(&seller, &path, None, &key('r', 101))
        .await;
    let refunded = app
        .post_with_key(&seller, &path, None, &key('r', 100))
        .await;
    assert_eq!(too_long.body["error"]["field"], "Idempotency-Key");
    assert_eq!(refunded.status, StatusCode::OK, "{:?}", refunded.body);
}
