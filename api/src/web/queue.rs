//! The waiting room in the browser (`/shows/{id}/queue/{schedule_id}`). While a
//! schedule's room is on, the seat map sends everyone without an admission here. The
//! page's script enters through the JSON API, follows its place on the event stream
//! (position, ETA, a progress bar) and, once admitted, posts the access pass to
//! `POST /shows/{id}/book/{schedule_id}`, which keeps it in an HttpOnly cookie and
//! opens the seat map; the seat map hands it to its own script for the hold. The
//! person never sees a token.

use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Form;
use marquee_core::accounts::tokens::csrf_token;
use marquee_core::Error;
use serde::Deserialize;

use super::format;
use super::performance::performance;
use super::visitor::{require_visitor, see_other, visitor};
use crate::plumbing::browser;
use crate::plumbing::html::html;
use crate::plumbing::html::PageError;
use crate::plumbing::state::AppState;

pub fn queue_path(show_id: i64, schedule_id: i64) -> String {
    format!("/shows/{show_id}/queue/{schedule_id}")
}

fn seat_map_path(show_id: i64, schedule_id: i64) -> String {
    format!("/shows/{show_id}/book/{schedule_id}")
}

/// The cookie that keeps one schedule's access pass.
fn pass_cookie(schedule_id: i64) -> String {
    format!("marquee_pass_{schedule_id}")
}

/// Whether the seat map may open for this person now.
pub enum Admission {
    /// No waiting room is on for the schedule.
    Open,
    /// Admitted: the pass to send with the hold.
    Admitted(String),
    /// The room is on and this browser holds no live admission.
    Wait,
}

pub async fn admission(
    state: &AppState,
    headers: &HeaderMap,
    user_id: i64,
    schedule_id: i64,
) -> Result<Admission, Error> {
    let active = match state.waiting_room.room(schedule_id).await {
        Ok(room) => room.active,
        Err(Error::NotFound(_)) => false,
        Err(err) => return Err(err),
    };
    if !active {
        return Ok(Admission::Open);
    }
    let name = pass_cookie(schedule_id);
    let Some(pass) = browser::cookie(headers, &name) else {
        return Ok(Admission::Wait);
    };
    match state
        .waiting_room
        .check_access(user_id, schedule_id, Some(pass))
        .await
    {
        Ok(()) => Ok(Admission::Admitted(pass.to_string())),
        Err(Error::QueueTokenInvalid | Error::QueueAccessExpired | Error::QueueTokenRequired) => {
            Ok(Admission::Wait)
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    csrf: String,
    show_id: i64,
    schedule_id: i64,
    title: String,
    when: String,
    venue: String,
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, PageError> {
    let (show_id, schedule_id) = crate::plumbing::html::performance_ids(path)?;
    let (user, secret) =
        match require_visitor(&state, &headers, &queue_path(show_id, schedule_id)).await? {
            Ok(found) => found,
            Err(to_login) => return Ok(to_login),
        };
    // Nothing to wait for: straight to the seats.
    if !matches!(
        admission(&state, &headers, user.user_id, schedule_id).await?,
        Admission::Wait
    ) {
        return Ok(see_other(&seat_map_path(show_id, schedule_id)));
    }
    let (show, schedule) = performance(&state, show_id, schedule_id).await?;
    html(&QueuePage {
        csrf: csrf_token(&secret),
        show_id,
        schedule_id,
        when: format::when(schedule.starts_at),
        venue: show.venue.name.clone(),
        title: show.title,
    })
}

#[derive(Deserialize)]
pub struct PassForm {
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    csrf_token: String,
}

/// The queue page's admission: checks the pass as the hold will, keeps it in an
/// HttpOnly cookie for the admission's window, and opens the seat map. A pass that
/// does not check out leads back to the queue.
pub async fn admit(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    form: Result<Form<PassForm>, FormRejection>,
) -> Result<Response, PageError> {
    let (show_id, schedule_id) = crate::plumbing::html::performance_ids(path)?;
    let back = see_other(&queue_path(show_id, schedule_id));
    let (Ok(Form(form)), Some((user, _))) = (form, visitor(&state, &headers).await?) else {
        return Ok(back);
    };
    if !browser::form_allowed(&headers, &form.csrf_token) {
        return Ok(back);
    }
    // A pass is a signed token of base64url parts; anything else is not kept (nor
    // written into a Set-Cookie header).
    let well_formed = !form.access_token.is_empty()
        && form.access_token.len() <= 2_000
        && form
            .access_token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !well_formed {
        return Ok(back);
    }
    let window = match state.waiting_room.room(schedule_id).await {
        Ok(room) if room.active => room.settings.active_window_secs,
        // No room on: nothing to keep, the seat map opens as it is.
        Ok(_) | Err(Error::NotFound(_)) => {
            return Ok(see_other(&seat_map_path(show_id, schedule_id)))
        }
        Err(err) => return Err(err.into()),
    };
    match state
        .waiting_room
        .check_access(user.user_id, schedule_id, Some(&form.access_token))
        .await
    {
        Ok(()) => {}
        Err(Error::QueueTokenInvalid | Error::QueueAccessExpired | Error::QueueTokenRequired) => {
            return Ok(back)
        }
        Err(err) => return Err(err.into()),
    }
    let mut response = see_other(&seat_map_path(show_id, schedule_id));
    response.headers_mut().append(
        SET_COOKIE,
        browser::set_cookie(
            &pass_cookie(schedule_id),
            &form.access_token,
            std::time::Duration::from_secs(window.into()),
            state.secure_cookies,
        ),
    );
    Ok(response)
}
