//! A failure on a page: the status the JSON API would answer (the one error table in
//! `crate::error`), shown as a page a person can read and leave.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::{log_failure, retry_after, status_and_code};
use crate::page_cache::Failure;

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
    super::page(status, body)
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
