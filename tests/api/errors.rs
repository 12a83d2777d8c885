//! Bad input gets a clear 4xx in the one error shape, never a 500, and writes nothing.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

use crate::harness::{send_raw, TestApp};

fn raw(
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.body(body.into()).unwrap()
}

#[tokio::test]
async fn broken_bodies_get_stable_codes() {
    let app = TestApp::spawn().await;
    let user = app.user("fan@example.com").await;
    let token = Some(user.token.as_str());

    let malformed = send_raw(
        &app.router,
        raw(
            Method::POST,
            "/api/v1/holds",
            token,
            Some("application/json"),
            "{\"schedule_id\": ",
        ),
    )
    .await;
    let wrong_shape = send_raw(
        &app.router,
        raw(
            Method::POST,
            "/api/v1/holds",
            token,
            Some("application/json"),
            "{\"schedule_id\": \"one\"}",
        ),
    )
    .await;
    let unknown_field = app
        .post(
            "/api/v1/holds",
            token,
            json!({"schedule_id": 1, "seat_ids": [1], "hack": true}),
        )
        .await;
    let no_type = send_raw(
        &app.router,
        raw(Method::POST, "/api/v1/holds", token, None, "{}"),
    )
    .await;
    let huge = send_raw(
        &app.router,
        raw(
            Method::POST,
            "/api/v1/auth/signup",
            None,
            Some("application/json"),
            vec![b' '; 2 * 1024 * 1024],
        ),
    )
    .await;

    assert_eq!(
        (malformed.status, malformed.code()),
        (StatusCode::BAD_REQUEST, "MALFORMED_JSON")
    );
    assert_eq!(
        (wrong_shape.status, wrong_shape.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "INVALID_BODY")
    );
    assert_eq!(unknown_field.code(), "INVALID_BODY");
    assert_eq!(
        (no_type.status, no_type.code()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE")
    );
    assert_eq!(
        (huge.status, huge.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
    );
}

#[tokio::test]
async fn unknown_ids_routes_and_methods_are_404_and_405() {
    let app = TestApp::spawn().await;

    let unknown_show = app.get("/api/v1/shows/424242", None).await;
    let not_a_number = app.get("/api/v1/shows/abc", None).await;
    let too_big = app.get("/api/v1/shows/99999999999999999999999", None).await;
    let unknown_route = app.get("/api/v1/nothing-here", None).await;
    let wrong_method = app
        .send(Method::PUT, "/api/v1/shows", None, Some(json!({})))
        .await;
    let seats = app.get("/api/v1/shows/1/schedules/2/seats", None).await;

    assert_eq!(unknown_show.code(), "SHOW_NOT_FOUND");
    assert_eq!(not_a_number.status, StatusCode::NOT_FOUND);
    assert_eq!(too_big.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown_route.code(), "ROUTE_NOT_FOUND");
    assert_eq!(
        (wrong_method.status, wrong_method.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED")
    );
    assert_eq!(seats.code(), "SCHEDULE_NOT_FOUND");
}

#[tokio::test]
async fn bad_queries_are_400() {
    let app = TestApp::spawn().await;

    for query in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "offset=99999",
        "from=2030-13-01",
        "from=yesterday",
        "category=OPERA",
        "from=2030-05-02&to=2030-05-01",
    ] {
        let response = app.get(&format!("/api/v1/shows?{query}"), None).await;
        assert_eq!(
            (response.status, response.code()),
            (StatusCode::BAD_REQUEST, "INVALID_QUERY"),
            "{query}"
        );
    }
}

#[tokio::test]
async fn missing_or_forged_tokens_are_401() {
    let app = TestApp::spawn().await;
    let forged = marquee_core::accounts::tokens::TokenKeys::new(
        "another-secret-another-secret-12345",
        std::time::Duration::from_secs(60),
        std::time::Duration::from_secs(60),
    )
    .issue_access(1, 1, marquee_core::accounts::Role::Admin)
    .unwrap();

    for token in [None, Some("garbage"), Some(forged.as_str())] {
        let response = app.get("/api/v1/users/me", token).await;
        assert_eq!(
            (response.status, response.code()),
            (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
        );
    }
}

#[tokio::test]
async fn invalid_shows_are_422_and_write_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let valid = json!({
        "title": "맘마미아!",
        "category": "MUSICAL",
        "venue": {"name": "샤롯데씨어터"},
        "booking_opens_at": "2025-01-01T00:00:00Z",
        "schedules": [{"starts_at": "2030-01-01T19:00:00Z", "grades": [{"name": "R", "price": 1000, "rows": ["A"], "seats_per_row": 2}]}]
    });
    let with = |pointer: &str, value: serde_json::Value| {
        let mut body = valid.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };

    for (label, body) in [
        ("empty title", with("/title", json!("   "))),
        ("long title", with("/title", json!("가".repeat(201)))),
        (
            "past schedule",
            with("/schedules/0/starts_at", json!("2001-01-01T00:00:00Z")),
        ),
        (
            "negative price",
            with("/schedules/0/grades/0/price", json!(-1)),
        ),
        ("no schedules", with("/schedules", json!([]))),
        (
            "bad poster",
            with("/title", json!("ok"))
                .as_object()
                .cloned()
                .map(|mut o| {
                    o.insert("poster_url".into(), json!("javascript:alert(1)"));
                    serde_json::Value::Object(o)
                })
                .unwrap(),
        ),
    ] {
        let response = app.post("/api/v1/shows", Some(&admin.token), body).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{label}: {:?}",
            response.body
        );
    }
    for (label, body) in [
        ("bad date", with("/booking_opens_at", json!("2025-02-30"))),
        ("unknown category", with("/category", json!("OPERA"))),
        (
            "huge seat count",
            with("/schedules/0/grades/0/seats_per_row", json!(1u64 << 40)),
        ),
    ] {
        let response = app.post("/api/v1/shows", Some(&admin.token), body).await;
        assert_eq!(
            response.code(),
            "INVALID_BODY",
            "{label}: {:?}",
            response.body
        );
    }
    let shows: i64 = sqlx::query_scalar("select count(*) from shows")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(shows, 0);
}

#[tokio::test]
async fn overlong_idempotency_keys_are_rejected_before_anything_is_paid() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 1).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 50_000).await;
    let hold_id = app.hold(&buyer, show.schedule_id, &show.seat_ids).await;
    let key = "k".repeat(101);

    let response = crate::harness::send(
        &app.router,
        Method::POST,
        &format!("/api/v1/holds/{hold_id}/purchase"),
        Some(&buyer.token),
        None,
        &[("idempotency-key", key.as_str())],
    )
    .await;

    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.balance(&buyer).await, 50_000);
}

#[tokio::test]
async fn a_panicking_handler_answers_500_in_the_error_shape_instead_of_dropping_the_connection() {
    // The same layer app() installs, around a handler that panics.
    let router = axum::Router::new()
        .route(
            "/boom",
            axum::routing::get(|| async {
                let parts: Vec<&str> = Vec::new();
                parts[3].to_string()
            }),
        )
        .layer(marquee_api::plumbing::error::panic_layer());

    let response = send_raw(
        &router,
        Request::builder().uri("/boom").body(Body::empty()).unwrap(),
    )
    .await;

    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.code(), "INTERNAL");
    assert_eq!(response.body["error"]["message"], "internal error");
}
