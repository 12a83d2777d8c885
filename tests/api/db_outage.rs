//! A database that dies and comes back, seen by one api through a TCP proxy the test
//! cuts (the shared MariaDB is never touched): calls answer 503 DATABASE_UNAVAILABLE
//! with Retry-After well inside the old 5 s pool wait, readiness says so just as fast,
//! search keeps answering from its index, and the api resumes by itself.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use marquee_api::AppState;
use marquee_core::db;
use serde_json::json;

use crate::db_proxy::DbProxy;
use crate::harness::{send, TestApp, TestResponse};

/// Where `host:port` stands in a `mysql://user@host:port/db` URL.
fn host_span(url: &str) -> std::ops::Range<usize> {
    let after_scheme = url.find("://").unwrap() + 3;
    let start = url[after_scheme..]
        .find('@')
        .map_or(after_scheme, |at| after_scheme + at + 1);
    start..start + url[start..].find('/').unwrap()
}

async fn get(router: &axum::Router, path: &str, token: Option<&str>) -> (TestResponse, Duration) {
    let started = Instant::now();
    let response = send(router, axum::http::Method::GET, path, token, None, &[]).await;
    (response, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_gone_calls_fail_fast_with_503_search_answers_and_all_resumes() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let fan = app.user("fan@example.com").await;
    let hosts = host_span(&app.db.url);
    let proxy = DbProxy::start(app.db.url[hosts.clone()].to_string()).await;
    let mut proxied_url = app.db.url.clone();
    proxied_url.replace_range(hosts, &proxy.addr.to_string());
    let api = marquee_api::app(AppState::new(
        db::connect(&proxied_url).await.unwrap(),
        &app.config,
    ));
    let show_path = format!("/api/v1/shows/{}", show.show_id);

    let (before, _) = get(&api, &show_path, None).await;
    proxy.cut().await;
    let (detail, detail_took) = get(&api, &show_path, None).await;
    let (profile, profile_took) = get(&api, "/api/v1/users/me", Some(&fan.token)).await;
    let (ready, ready_took) = get(&api, "/readyz", None).await;
    let (search, _) = get(&api, "/api/v1/search?q=%EC%8B%9C%EC%B9%B4%EA%B3%A0", None).await;
    let (health, _) = get(&api, "/healthz", None).await;
    proxy.restore();
    let mut after = get(&api, &show_path, None).await.0;
    let resumed_by = Instant::now() + Duration::from_secs(10);
    while after.status != StatusCode::OK && Instant::now() < resumed_by {
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = get(&api, &show_path, None).await.0;
    }
    let hold = send(
        &api,
        axum::http::Method::POST,
        "/api/v1/holds",
        Some(&fan.token),
        Some(json!({"schedule_id": show.schedule_id, "seat_ids": [show.seat_ids[0]]})),
        &[],
    )
    .await;

    assert_eq!(before.status, StatusCode::OK);
    for (outage, took) in [(&detail, detail_took), (&profile, profile_took)] {
        assert_eq!(outage.status, StatusCode::SERVICE_UNAVAILABLE, "{outage:?}");
        assert_eq!(outage.code(), "DATABASE_UNAVAILABLE");
        assert_eq!(outage.headers["retry-after"], "2");
        // The old pool waited 5 s before its 500; the bound is loose for a busy machine.
        assert!(took < Duration::from_secs(3), "answered after {took:?}");
    }
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body["database"], "unreachable");
    assert_eq!(ready.body["redis"], "ok");
    assert!(
        ready_took < Duration::from_secs(3),
        "readiness took {ready_took:?}"
    );
    assert_eq!(
        search.status,
        StatusCode::OK,
        "search answers from its index: {search:?}"
    );
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(after.status, StatusCode::OK, "resumed by itself: {after:?}");
    assert_eq!(hold.status, StatusCode::CREATED, "{:?}", hold.body);
}

#[tokio::test]
async fn readiness_reports_redis_as_degraded_but_stays_ready() {
    let app = TestApp::with_config(&[("REDIS_URL", "redis://127.0.0.1:1")]).await;

    let started = Instant::now();
    let ready = app.get("/readyz", None).await;

    assert_eq!(ready.status, StatusCode::OK, "{:?}", ready.body);
    assert_eq!(ready.body["database"], "ok");
    assert_eq!(ready.body["redis"], "unreachable");
    assert!(started.elapsed() < Duration::from_secs(3));
}
