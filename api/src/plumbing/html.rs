//! The pages' HTML plumbing: rendering a template into an answer with the site's
//! content type and Content-Security-Policy, reading ids from a page's path, and a
//! failure shown as a page (`PageError`): the status the JSON API would answer (the
//! one error table in `super::codes`), as a page a person can read and leave. Used by
//! the pages (`web`), the fallbacks and the page cache.

use askama::Template;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::{log_failure, retry_after, status_and_code, Failure};

/// What a page may load: only this origin's styles and scripts (no CDN: the site works
/// offline), and posters from wherever the admin points them (validation takes http
/// and https addresses).
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' https: http: data:; \
     style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The id in a page's path. Not a number (or not text) names nothing: the same 404 as
/// an id that is gone, for a person following a link.
pub fn path_id(
    path: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
    what: &'static str,
) -> Result<i64, marquee_core::Error> {
    path.ok()
        .and_then(|axum::extract::Path(id)| id.parse().ok())
        .ok_or(marquee_core::Error::NotFound(what))
}

/// A performance's path: the show's id and the schedule's, as `path_id` reads one.
pub fn performance_ids(
    path: Result<axum::extract::Path<(String, String)>, axum::extract::rejection::PathRejection>,
) -> Result<(i64, i64), marquee_core::Error> {
    path.ok()
        .and_then(|axum::extract::Path((show, schedule))| {
            Some((show.parse().ok()?, schedule.parse().ok()?))
        })
        .ok_or(marquee_core::Error::NotFound("schedule"))
}

/// Renders a page's HTML.
pub fn render(template: &impl Template) -> Result<String, marquee_core::Error> {
    template
        .render()
        .map_err(|err| marquee_core::Error::internal(format!("rendering a page: {err}")))
}

/// The content type of every page.
pub const HTML: &str = "text/html; charset=utf-8";

/// A rendered page as an answer, with the site's content type and policy.
pub fn html(template: &impl Template) -> Result<Response, PageError> {
    Ok(page(StatusCode::OK, render(template)?))
}

/// A page's HTML as an answer with `status`, the content type and the policy.
pub fn page(status: StatusCode, body: String) -> Response {
    with_policy(
        (
            status,
            [(CONTENT_TYPE, HeaderValue::from_static(HTML))],
            body,
        )
            .into_response(),
    )
}

/// Adds the pages' Content-Security-Policy (a cached page has only its content type).
pub fn with_policy(mut response: Response) -> Response {
    response.headers_mut().insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    response
}

/// A failure on a page.
pub struct PageError(Failure);

impl From<marquee_core::Error> for PageError {
    fn from(err: marquee_core::Error) -> Self {
        PageError(Failure::Fresh(err))
    }
}

impl From<Failure> for PageError {
    fn from(failure: Failure) -> Self {
        PageError(failure)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: &'static str,
    message: &'static str,
}

/// A page that only says what happened and leads home, with `status`.
pub fn message_page(status: StatusCode, title: &'static str, message: &'static str) -> Response {
    let body = ErrorPage { title, message }
        .render()
        .unwrap_or_else(|_| title.to_string());
    page(status, body)
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let Failure::Fresh(err) = &self.0 {
            log_failure(err); // a shared failure was logged where it happened
        }
        let err = self.0.error();
        let (status, _) = status_and_code(err);
        let (title, message) = match status {
            StatusCode::NOT_FOUND => ("찾을 수 없어요", "주소가 바뀌었거나 공연이 내려갔어요."),
            StatusCode::SERVICE_UNAVAILABLE => (
                "잠시 후 다시 시도해 주세요",
                "지금 요청이 많거나 점검 중이에요.",
            ),
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => (
                "요청을 이해하지 못했어요",
                "주소의 검색 조건을 확인해 주세요.",
            ),
            _ => ("문제가 생겼어요", "잠시 후 다시 시도해 주세요."),
        };
        let mut response = message_page(status, title, message);
        if let Some(seconds) = retry_after(err) {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
