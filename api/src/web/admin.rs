//! Admin pages. `/admin` lists the catalog with links; `/admin/shows/{id}` shows a
//! show's performances with each one's waiting room: switch it on or off and set its
//! rate, cap and window, with the live queue sizes; and cancel a performance (공연
//! 취소), then follow its refunds. Changes are `static/admin.js`
//! calling the admin JSON API as the signed-in admin; the page only draws.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use marquee_core::accounts::service::AuthUser;
use marquee_core::accounts::tokens::csrf_token;
use marquee_core::accounts::Role;
use marquee_core::catalog::model::ShowFilter;
use marquee_core::catalog::repo as catalog;
use marquee_core::performance_cancellation::{self, CancellationStatus};
use marquee_core::queue::settings::RoomSettings;
use marquee_core::Error;

use super::format;
use super::visitor::require_visitor;
use crate::plumbing::html::html;
use crate::plumbing::html::{message_page, PageError};
use crate::plumbing::state::AppState;

/// The signed-in admin and their session's secret; a page for anyone else.
pub async fn require_admin(
    state: &AppState,
    headers: &HeaderMap,
    here: &str,
) -> Result<Result<(AuthUser, String), Response>, Error> {
    Ok(match require_visitor(state, headers, here).await? {
        Ok((user, secret)) if user.role == Role::Admin => Ok((user, secret)),
        Ok(_) => Err(message_page(
            StatusCode::FORBIDDEN,
            "관리자만 볼 수 있어요",
            "관리자 계정으로 로그인해 주세요.",
        )),
        Err(to_login) => Err(to_login),
    })
}

pub struct Row {
    pub id: i64,
    pub title: String,
    pub category: &'static str,
    pub opens: String,
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    csrf: String,
    shows: Vec<Row>,
}

pub async fn index(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (_, secret) = match require_admin(&state, &headers, "/admin").await? {
        Ok(found) => found,
        Err(away) => return Ok(away),
    };
    let filter = ShowFilter::default();
    let (shows, _) = catalog::list_shows(&state.pool, &filter, 100, 0).await?;
    html(&IndexPage {
        csrf: csrf_token(&secret),
        shows: shows
            .into_iter()
            .map(|show| Row {
                id: show.id,
                category: format::category(&show.category),
                opens: format::when(show.booking_opens_at),
                title: show.title,
            })
            .collect(),
    })
}

pub struct Performance {
    pub schedule_id: i64,
    pub when: String,
    pub seats: i64,
    pub available: i64,
    /// The room's settings, or the defaults a new room starts from.
    pub settings: RoomSettings,
    pub on: bool,
    pub waiting: Option<u64>,
    pub admitted: Option<u64>,
    /// Its cancellation, once the organizer cancelled it.
    pub cancellation: Option<CancellationLine>,
}

pub struct CancellationLine {
    pub finished: bool,
    pub refunded: u32,
    pub left: u32,
    pub points: String,
}

#[derive(Template)]
#[template(path = "admin/show.html")]
struct ShowPage {
    csrf: String,
    show_id: i64,
    title: String,
    /// The current poster's card-size copy, if one was uploaded.
    poster: Option<String>,
    performances: Vec<Performance>,
    /// Cancellations pay the standard's compensation on top (`CANCELLATION_COMPENSATION`).
    compensation_percent: u8,
}

/// What a room that was never set up starts from: 1 person a second suits a small
/// venue's on-sale; the admin sets it to the venue.
fn default_room() -> RoomSettings {
    RoomSettings {
        enabled: false,
        admission_rate: 10,
        active_cap: 100,
        active_window_secs: 600,
        auto_before_secs: None,
    }
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    show_id: Result<Path<String>, PathRejection>,
) -> Result<Response, PageError> {
    let show_id = crate::plumbing::html::path_id(show_id, "show")?;
    let (_, secret) =
        match require_admin(&state, &headers, &format!("/admin/shows/{show_id}")).await? {
            Ok(found) => found,
            Err(away) => return Ok(away),
        };
    let show = catalog::show_detail(&state.pool, show_id)
        .await?
        .ok_or(Error::NotFound("show"))?;
    let mut performances = Vec::new();
    for schedule in &show.schedules {
        let (settings, on) = match state.waiting_room.room(schedule.id).await {
            Ok(room) => (room.settings, room.active),
            Err(Error::NotFound(_)) => (default_room(), false),
            Err(err) => return Err(err.into()),
        };
        let sizes = state.waiting_room.store().sizes(schedule.id).await.ok();
        let cancellation = if schedule.cancelled {
            let cancellation = performance_cancellation::get(&state.pool, schedule.id).await?;
            Some(CancellationLine {
                finished: cancellation.status == CancellationStatus::Finished,
                refunded: cancellation.tickets_refunded,
                left: cancellation.tickets_left,
                points: format::won(cancellation.points_refunded),
            })
        } else {
            None
        };
        performances.push(Performance {
            schedule_id: schedule.id,
            when: format::when(schedule.starts_at),
            seats: schedule.grades.iter().map(|g| g.total_seats).sum(),
            available: schedule.grades.iter().map(|g| g.available_seats).sum(),
            settings,
            on,
            waiting: sizes.map(|s| s.waiting),
            admitted: sizes.map(|s| s.active),
            cancellation,
        });
    }
    html(&ShowPage {
        csrf: csrf_token(&secret),
        show_id,
        poster: show.poster.map(|poster| poster.images[0].url.clone()),
        title: show.title,
        performances,
        compensation_percent: state.cancellations.rules().compensation_percent,
    })
}
