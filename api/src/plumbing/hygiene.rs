//! What every response carries, whatever route answered it: security headers, no
//! caching of private answers, a bounded request id, and CORS for the configured
//! client origins.
//!
//! - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` with CSP
//!   `frame-ancestors 'none'` (no page of ours may be framed), and
//!   `Referrer-Policy: no-referrer` (URLs may carry a queue token).
//! - `Cache-Control: no-store` on private answers: any request that carried
//!   `Authorization`, and the auth and waiting-room routes (tokens in bodies and query
//!   strings), unless the handler chose its own caching.
//! - An `X-Request-Id` from the client is kept only when it is 1 to 64 characters of
//!   `[A-Za-z0-9._-]`; anything else is replaced by a fresh UUID before it is logged or
//!   echoed (a 5,000-character id used to be both).

use axum::extract::Request;
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub const MAX_REQUEST_ID_LEN: usize = 64;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Path prefixes whose answers are private even without `Authorization`.
const PRIVATE_PREFIXES: [&str; 2] = ["/api/v1/auth/", "/api/v1/queue/"];

pub async fn secure_headers(request: Request, next: Next) -> Response {
    // A signed-in browser's answers are its own (MY page's ticket codes, checkout, the
    // admitted seat map), as is any answer that sets a cookie (a form's CSRF binding).
    let private = request.headers().contains_key(AUTHORIZATION)
        || crate::plumbing::browser::cookie(
            request.headers(),
            crate::plumbing::browser::SESSION_COOKIE,
        )
        .is_some()
        || crate::plumbing::browser::cookie(
            request.headers(),
            crate::plumbing::browser::CSRF_COOKIE,
        )
        .is_some()
        || PRIVATE_PREFIXES
            .iter()
            .any(|prefix| request.uri().path().starts_with(prefix))
        || request.uri().path() == "/metrics";
    let mut response = next.run(request).await;
    let private = private
        || response
            .headers()
            .contains_key(axum::http::header::SET_COOKIE);
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static("frame-ancestors 'none'"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if private {
        headers
            .entry(CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    response
}

/// Drops a client's request id that is too long or has characters a log line should
/// not carry, so the request-id layer outside it makes a fresh one.
pub async fn bound_request_id(mut request: Request, next: Next) -> Response {
    let acceptable = request
        .headers()
        .get(&X_REQUEST_ID)
        .is_none_or(|value| acceptable_request_id(value.as_bytes()));
    if !acceptable {
        request.headers_mut().remove(&X_REQUEST_ID);
    }
    next.run(request).await
}

fn acceptable_request_id(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// CORS for client apps served from other origins (`CORS_ALLOWED_ORIGINS`). With no
/// origins configured, no CORS headers are sent and browsers keep the API same-origin.
/// Credentials are never allowed: the API authenticates by bearer token, not cookies.
pub fn cors(origins: &[HeaderValue]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins.iter().cloned()))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                AUTHORIZATION,
                axum::http::header::CONTENT_TYPE,
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("x-queue-token"),
                X_REQUEST_ID,
            ])
            .expose_headers([axum::http::header::RETRY_AFTER, X_REQUEST_ID])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_short_and_plain() {
        assert!(acceptable_request_id(
            b"8f14e45f-ceea-467f-a0e6-0e3c4c7a7a2b"
        ));
        assert!(acceptable_request_id(b"req_42.retry-1"));
        assert!(!acceptable_request_id(b""));
        assert!(!acceptable_request_id(&[b'a'; MAX_REQUEST_ID_LEN + 1]));
        assert!(!acceptable_request_id(b"id with spaces"));
        assert!(!acceptable_request_id(b"evil\"} injected"));
    }
}
