use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use crate::harness::TestApp;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;

    let health = app.get("/healthz", None).await;
    let ready = app.get("/readyz", None).await;

    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["database"], "ok");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.pool().close().await;

    let ready = app.get("/readyz", None).await;

    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = TestApp::with_config(&[("METRICS_TOKEN", "metrics-token-0123456789")]).await;
    app.get("/api/v1/shows/12345", None).await;

    let metrics = app.get("/metrics", Some("metrics-token-0123456789")).await;

    let text = metrics.body.as_str().unwrap();
    assert!(
        text.contains(
            r#"http_requests_total{route="/api/v1/shows/{id}",method="GET",status="404"}"#
        ),
        "{text}"
    );
    assert!(text.contains("http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;

    let fresh = app
        .router
        .clone()
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let echoed = app
        .router
        .clone()
        .oneshot(
            Request::get("/healthz")
                .header("x-request-id", "abc-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();

    assert!(fresh.headers().get("x-request-id").is_some());
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");
}
