//! The catalog cache seen from outside: what it keeps, for how long, what drops it,
//! and how gzip clients get it.

use std::io::Read;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::harness::TestApp;

fn seats_path(show_id: i64, schedule_id: i64) -> String {
    format!("/api/v1/shows/{show_id}/schedules/{schedule_id}/seats")
}

pub(crate) fn status_of(map: &Value, seat_id: i64) -> String {
    map["seats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|seat| seat["id"] == seat_id)
        .map(|seat| seat["status"].as_str().unwrap().to_string())
        .expect("the seat is on the map")
}

#[tokio::test]
async fn within_the_ttl_the_seat_map_is_a_display_and_the_hold_decides() {
    let app = TestApp::with_config(&[("CATALOG_CACHE_TTL_MS", "60000")]).await;
    let show = app.show_on_sale(30, 4).await;
    let (first, second) = (
        app.user("a@example.com").await,
        app.user("b@example.com").await,
    );
    let seat = show.seat_ids[0];
    // Read once, so the map is cached with every seat free.
    let map = app
        .get(&seats_path(show.show_id, show.schedule_id), None)
        .await;
    assert_eq!(status_of(&map.body, seat), "AVAILABLE");
    app.hold(&first, show.schedule_id, &[seat]).await;

    let map = app
        .get(&seats_path(show.show_id, show.schedule_id), None)
        .await;
    assert_eq!(status_of(&map.body, seat), "AVAILABLE", "the cached map");
    let taken = app
        .post(
            "/api/v1/holds",
            Some(&second.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": [seat]}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.code(), "SEAT_UNAVAILABLE");
}

#[tokio::test]
async fn a_hold_shows_on_the_map_once_the_ttl_has_passed() {
    let app = TestApp::with_config(&[("CATALOG_CACHE_TTL_MS", "300")]).await;
    let show = app.show_on_sale(30, 4).await;
    let user = app.user("fan@example.com").await;
    let seat = show.seat_ids[1];
    app.hold(&user, show.schedule_id, &[seat]).await;
    let held_at = Instant::now();
    loop {
        let map = app
            .get(&seats_path(show.show_id, show.schedule_id), None)
            .await;
        if status_of(&map.body, seat) == "HELD" {
            break;
        }
        // The bound is the TTL; the slack is for a loaded machine, not for the cache.
        assert!(
            held_at.elapsed() < Duration::from_secs(3),
            "the map still shows the held seat as available"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_catalog_write_through_this_process_is_seen_at_once() {
    let app = TestApp::with_config(&[("CATALOG_CACHE_TTL_MS", "60000")]).await;
    let show = app.show_on_sale(30, 4).await;
    let admin = &show.admin;
    let page = format!("/api/v1/shows/{}", show.show_id);
    assert_eq!(app.get(&page, None).await.body["title"], "시카고");
    assert_eq!(app.get("/api/v1/shows", None).await.body["total"], 1);

    let patched = app
        .send(
            axum::http::Method::PATCH,
            &page,
            Some(&admin.token),
            Some(json!({"title": "시카고 앙코르"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    assert_eq!(app.get(&page, None).await.body["title"], "시카고 앙코르");
    let list = app.get("/api/v1/shows", None).await;
    assert_eq!(list.body["items"][0]["title"], "시카고 앙코르");

    let other = app.show_on_sale(40, 2).await;
    assert_eq!(app.get("/api/v1/shows", None).await.body["total"], 2);

    let deleted = app
        .send(axum::http::Method::DELETE, &page, Some(&admin.token), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&page, None).await.code(), "SHOW_NOT_FOUND");
    let map = app
        .get(&seats_path(show.show_id, show.schedule_id), None)
        .await;
    assert_eq!(map.code(), "SCHEDULE_NOT_FOUND");
    let list = app.get("/api/v1/shows", None).await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["id"], other.show_id);
}

async fn raw_get(
    app: &TestApp,
    path: &str,
    accept_encoding: Option<&str>,
) -> (axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    if let Some(coding) = accept_encoding {
        request = request.header("accept-encoding", coding);
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (headers, body.to_vec())
}

#[tokio::test]
async fn gzip_clients_get_the_same_seat_map_smaller() {
    let app = TestApp::with_config(&[("CATALOG_CACHE_TTL_MS", "60000")]).await;
    let show = app.show_on_sale(30, 200).await;
    let path = seats_path(show.show_id, show.schedule_id);

    let (plain_headers, plain) = raw_get(&app, &path, None).await;
    let (zipped_headers, zipped) = raw_get(&app, &path, Some("gzip, deflate, br")).await;

    assert!(plain_headers.get("content-encoding").is_none());
    assert_eq!(zipped_headers["content-encoding"], "gzip");
    assert_eq!(zipped_headers["vary"], "accept-encoding");
    assert_eq!(zipped_headers["content-type"], "application/json");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);
    assert!(
        zipped.len() * 4 < plain.len(),
        "{} vs {} bytes",
        zipped.len(),
        plain.len()
    );
    let map: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(map["seats"].as_array().unwrap().len(), 200);
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|show| show["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn every_list_input_is_its_own_cached_answer() {
    let app = TestApp::with_config(&[("CATALOG_CACHE_TTL_MS", "60000")]).await;
    let admin = app.admin().await;
    let mut created = Vec::new();
    for (title, category, starts) in [
        ("레미제라블", "MUSICAL", "2030-05-01T19:00:00+09:00"),
        ("아이유 콘서트", "CONCERT", "2030-06-01T19:00:00+09:00"),
        ("시카고", "MUSICAL", "2030-07-01T19:00:00+09:00"),
    ] {
        let body = json!({
            "title": title, "category": category, "venue": {"name": "블루스퀘어"},
            "booking_opens_at": "2025-01-01T00:00:00Z",
            "schedules": [{"starts_at": starts, "grades": [{"name": "R", "price": 1000, "rows": ["A"], "seats_per_row": 2}]}]
        });
        let response = app.post("/api/v1/shows", Some(&admin.token), body).await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
        created.push(response.body["id"].as_i64().unwrap());
    }
    let (les_mis, iu, chicago) = (created[0], created[1], created[2]);
    let expected = [
        ("/api/v1/shows", vec![chicago, iu, les_mis]),
        ("/api/v1/shows?category=MUSICAL", vec![chicago, les_mis]),
        ("/api/v1/shows?category=CONCERT", vec![iu]),
        ("/api/v1/shows?limit=1", vec![chicago]),
        ("/api/v1/shows?limit=1&offset=1", vec![iu]),
        ("/api/v1/shows?from=2030-06-01", vec![chicago, iu]),
        ("/api/v1/shows?to=2030-06-01", vec![iu, les_mis]),
    ];
    // Twice each: the second answer of every address comes from the cache.
    for _ in 0..2 {
        for (path, shows) in &expected {
            assert_eq!(&ids(&app.get(path, None).await.body), shows, "{path}");
        }
    }
}

#[tokio::test]
async fn summaries_carry_the_first_and_last_performance_in_the_list_and_in_likes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let body = json!({
        "title": "오페라의 유령", "category": "MUSICAL", "venue": {"name": "샤롯데씨어터"},
        "booking_opens_at": "2025-01-01T00:00:00Z",
        "schedules": [
            {"starts_at": "2030-03-02T19:30:00Z", "grades": [{"name": "R", "price": 1000, "rows": ["A"], "seats_per_row": 1}]},
            {"starts_at": "2030-03-01T14:00:00Z", "grades": [{"name": "R", "price": 1000, "rows": ["A"], "seats_per_row": 1}]},
            {"starts_at": "2030-03-09T19:30:00Z", "grades": [{"name": "R", "price": 1000, "rows": ["A"], "seats_per_row": 1}]}
        ]
    });
    let show = app.post("/api/v1/shows", Some(&admin.token), body).await;
    assert_eq!(show.status, StatusCode::CREATED, "{:?}", show.body);
    let show_id = show.body["id"].as_i64().unwrap();
    let fan = app.user("fan@example.com").await;
    let liked = app
        .post(
            &format!("/api/v1/shows/{show_id}/like"),
            Some(&fan.token),
            json!({}),
        )
        .await;
    assert_eq!(liked.status, StatusCode::OK);

    let list = app.get("/api/v1/shows", None).await;
    let likes = app.get("/api/v1/users/me/likes", Some(&fan.token)).await;
    for summary in [&list.body["items"][0], &likes.body["items"][0]] {
        assert_eq!(summary["id"], show_id);
        assert_eq!(summary["first_starts_at"], "2030-03-01T14:00:00Z");
        assert_eq!(summary["last_starts_at"], "2030-03-09T19:30:00Z");
        assert_eq!(summary["venue"], "샤롯데씨어터");
    }
}

#[tokio::test]
async fn a_venue_change_reaches_every_show_held_there_at_once() {
    let app = TestApp::with_config(&[("CATALOG_CACHE_TTL_MS", "60000")]).await;
    let first = app.show_on_sale(30, 1).await;
    let second = app.show_on_sale(31, 1).await; // the same venue
    let page = |id: i64| format!("/api/v1/shows/{id}");
    assert_eq!(
        app.get(&page(second.show_id), None).await.body["venue"]["address"],
        "서울 구로구 경인로 662"
    );
    let patched = app
        .send(
            axum::http::Method::PATCH,
            &page(first.show_id),
            Some(&first.admin.token),
            Some(json!({"venue": {"name": "디큐브 링크아트센터", "address": "서울 구로구 경인로 600"}})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    assert_eq!(
        app.get(&page(second.show_id), None).await.body["venue"]["address"],
        "서울 구로구 경인로 600"
    );
}
