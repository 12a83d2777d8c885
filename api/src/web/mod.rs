//! The site people use, in Korean and for phones first: pages rendered on the server
//! from askama templates (checked at compile time, escaped by default), each a handler
//! that calls core the way the JSON handlers do, so there is no second business layer.
//! Every page has a stable URL and reads without JavaScript; small scripts, where a
//! page must react as you type or tap, come on top (`api/static/`).
//!
//! Pages answer HTML errors (`PageError`) with the status the JSON API would give.

mod account;
mod admin;
mod admin_show_form;
mod assets;
mod checkout;
mod chips;
mod format;
mod home;
mod market;
mod me;
mod page_error;
mod qr;
mod queue;
mod search;
mod seat_map;
mod show;
mod social;
mod top_up;

use askama::Template;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub use page_error::{message_page, PageError};
pub use social::provider as social_provider;
pub use top_up::SitePayment;

use crate::state::AppState;

/// What a page may load: only this origin's styles and scripts (no CDN: the site works
/// offline), and posters from wherever the admin points them (validation takes http
/// and https addresses).
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' https: http: data:; \
     style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/search", get(search::page))
        .route("/shows/{id}", get(show::page))
        .route("/static/{file}", get(assets::file))
        .route("/login", get(account::login_page).post(account::login))
        .route("/signup", get(account::signup_page).post(account::signup))
        .route("/logout", post(account::logout))
        .route("/session", get(account::session))
        .route("/auth/{provider}", get(social::start))
        .route("/auth/{provider}/callback", get(social::callback))
        .route("/me", get(me::page))
        .route(
            "/shows/{id}/book/{schedule_id}",
            get(seat_map::page).post(queue::admit),
        )
        .route("/shows/{id}/queue/{schedule_id}", get(queue::page))
        .route("/checkout/{hold_id}", get(checkout::page))
        .route("/market", get(market::page))
        .route("/admin", get(admin::index))
        .route("/admin/shows/new", get(admin_show_form::new))
        .route("/admin/shows/{id}", get(admin::show))
        .route("/admin/shows/{id}/edit", get(admin_show_form::edit))
}

/// The id in a page's path. Not a number (or not text) names nothing: the same 404 as
/// an id that is gone, for a person following a link.
fn path_id(
    path: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
    what: &'static str,
) -> Result<i64, marquee_core::Error> {
    path.ok()
        .and_then(|axum::extract::Path(id)| id.parse().ok())
        .ok_or(marquee_core::Error::NotFound(what))
}

/// A performance's path: the show's id and the schedule's, as `path_id` reads one.
fn performance_ids(
    path: Result<axum::extract::Path<(String, String)>, axum::extract::rejection::PathRejection>,
) -> Result<(i64, i64), marquee_core::Error> {
    path.ok()
        .and_then(|axum::extract::Path((show, schedule))| {
            Some((show.parse().ok()?, schedule.parse().ok()?))
        })
        .ok_or(marquee_core::Error::NotFound("schedule"))
}

/// Renders a page's HTML.
fn render(template: &impl Template) -> Result<String, marquee_core::Error> {
    template
        .render()
        .map_err(|err| marquee_core::Error::internal(format!("rendering a page: {err}")))
}

/// The content type of every page.
pub const HTML: &str = "text/html; charset=utf-8";

/// A rendered page as an answer, with the site's content type and policy.
fn html(template: &impl Template) -> Result<Response, PageError> {
    Ok(page(StatusCode::OK, render(template)?))
}

/// A page's HTML as an answer with `status`, the content type and the policy.
fn page(status: StatusCode, body: String) -> Response {
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
fn with_policy(mut response: Response) -> Response {
    response.headers_mut().insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    response
}
