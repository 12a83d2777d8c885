//! What the router answers for an address or a method it has no route for.

use super::codes::Code;
use super::error::ApiError;
use super::html::PageError;

/// An unknown address: a page for a browser outside the API (a mistyped or old link
/// to the site), the JSON error for everything else.
pub async fn not_found(request: axum::extract::Request) -> axum::response::Response {
    use axum::response::IntoResponse;
    let browser = request
        .headers()
        .get(axum::http::header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if browser && !request.uri().path().starts_with("/api/") {
        return PageError::from(marquee_core::Error::NotFound("page")).into_response();
    }
    ApiError::request(Code::RouteNotFound, "no such route").into_response()
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::request(Code::MethodNotAllowed, "method not allowed on this route")
}
