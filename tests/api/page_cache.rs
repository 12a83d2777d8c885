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

fn status_of(map: &Value, seat_id: i64) -> String {
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
    let show = app.show_on_sale(30, 4).await; // reads the map, so it is cached
    let (first, second) = (
        app.user("a@example.com").await,
        app.user("b@example.com").await,
    );
    let seat = show.seat_ids[0];
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
