//! HTTP hygiene on every answer: security headers, no caching of private answers, a
//! bounded request id, CORS from the allow-list only, and /metrics behind its token.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

use crate::harness::{send, send_raw, TestApp, TestResponse};

fn header<'a>(response: &'a TestResponse, name: &str) -> Option<&'a str> {
    response.headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let user = app.user("fan@example.com").await;

    let answers = [
        app.get("/api/v1/shows", None).await,
        app.get("/api/v1/shows/999", None).await,
        app.get("/api/v1/nowhere", None).await,
        app.get("/healthz", None).await,
        app.get("/api/v1/users/me", Some(&user.token)).await,
        app.post("/api/v1/auth/login", None, json!({"email": "x"}))
            .await,
    ];

    for answer in &answers {
        assert_eq!(
            header(answer, "x-content-type-options"),
            Some("nosniff"),
            "{answer:?}"
        );
        assert_eq!(header(answer, "x-frame-options"), Some("DENY"));
        assert_eq!(
            header(answer, "content-security-policy"),
            Some("frame-ancestors 'none'")
        );
        assert_eq!(header(answer, "referrer-policy"), Some("no-referrer"));
    }
}

#[tokio::test]
async fn private_answers_are_not_stored_and_public_ones_may_be() {
    let app = TestApp::spawn().await;
    let user = app.user("fan@example.com").await;

    let profile = app.get("/api/v1/users/me", Some(&user.token)).await;
    let refused = app.get("/api/v1/users/me", Some("forged")).await;
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "fan@example.com", "password": "password123"}),
        )
        .await;
    let queue_status = app.get("/api/v1/queue/1/status?token=abc", None).await;
    let catalog = app.get("/api/v1/shows", None).await;

    assert_eq!(profile.status, StatusCode::OK);
    for private in [&profile, &refused, &login, &queue_status] {
        assert_eq!(
            header(private, "cache-control"),
            Some("no-store"),
            "{private:?}"
        );
    }
    assert_eq!(header(&catalog, "cache-control"), None);
}

#[tokio::test]
async fn an_overlong_or_odd_request_id_is_replaced_and_a_plain_one_echoed() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(5_000);

    let mut echoed = Vec::new();
    for sent in [long.as_str(), "has spaces and \"quotes\"", "req-42.retry_1"] {
        let answer = send(
            &app.router,
            Method::GET,
            "/healthz",
            None,
            None,
            &[("x-request-id", sent)],
        )
        .await;
        echoed.push(header(&answer, "x-request-id").unwrap().to_string());
    }

    for replaced in &echoed[..2] {
        assert_eq!(replaced.len(), 36, "a fresh UUID: {replaced}");
        assert!(uuid::Uuid::parse_str(replaced).is_ok(), "{replaced}");
    }
    assert_eq!(echoed[2], "req-42.retry_1");
}

async fn preflight(app: &TestApp, origin: &str) -> TestResponse {
    send_raw(
        &app.router,
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/api/v1/holds")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, idempotency-key",
            )
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    let open = TestApp::with_config(&[("CORS_ALLOWED_ORIGINS", "https://app.example.kr")]).await;
    let closed = TestApp::spawn().await;

    let allowed = preflight(&open, "https://app.example.kr").await;
    let other = preflight(&open, "https://evil.example").await;
    let unconfigured = preflight(&closed, "https://app.example.kr").await;
    let simple = send(
        &open.router,
        Method::GET,
        "/api/v1/shows",
        None,
        None,
        &[("origin", "https://app.example.kr")],
    )
    .await;

    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some("https://app.example.kr")
    );
    let allowed_headers = header(&allowed, "access-control-allow-headers").unwrap();
    assert!(
        allowed_headers.contains("idempotency-key"),
        "{allowed_headers}"
    );
    assert_eq!(header(&allowed, "access-control-allow-credentials"), None);
    assert_eq!(
        header(&allowed, "x-content-type-options"),
        Some("nosniff"),
        "preflights carry the security headers too"
    );
    assert_eq!(header(&other, "access-control-allow-origin"), None);
    assert_eq!(header(&unconfigured, "access-control-allow-origin"), None);
    assert_eq!(
        header(&simple, "access-control-allow-origin"),
        Some("https://app.example.kr")
    );
    let exposed = header(&simple, "access-control-expose-headers").unwrap();
    assert!(exposed.contains("retry-after"), "{exposed}");
}

#[tokio::test]
async fn metrics_are_off_without_a_token_and_need_it_when_set() {
    let off = TestApp::spawn().await;
    let on = TestApp::with_config(&[("METRICS_TOKEN", "scrape-me-0123456789")]).await;
    let user = on.user("fan@example.com").await;

    let disabled = off.get("/metrics", None).await;
    let anonymous = on.get("/metrics", None).await;
    let with_a_user_token = on.get("/metrics", Some(&user.token)).await;
    let wrong = on.get("/metrics", Some("scrape-me-0123456780")).await;
    let scraped = on.get("/metrics", Some("scrape-me-0123456789")).await;

    assert_eq!(disabled.status, StatusCode::NOT_FOUND);
    assert_eq!(disabled.code(), "NOT_FOUND");
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(with_a_user_token.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(scraped.status, StatusCode::OK);
    assert!(scraped
        .body
        .as_str()
        .unwrap()
        .contains("http_requests_total"));
}
