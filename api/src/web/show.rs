//! A show's page: poster, title, cast, venue, 관람 정보 (running time, age rating),
//! performances with each grade's price, how many seats are free and who plays, and
//! the 캐스팅 일정 across performances. A shareable URL per show (`/shows/{id}`),
//! readable without JavaScript. Availability is the same count the JSON show page gives.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use marquee_core::catalog::model::{ScheduleDetail, ShowFacts};
use marquee_core::catalog::repo as catalog;
use marquee_core::read_replicas::ReadReplicas;
use marquee_core::Error;

use super::poster_img::PosterImg;
use super::{discount_words, format, refund_rules};
use crate::plumbing::html::PageError;
use crate::plumbing::html::{render, with_policy};
use crate::plumbing::page_cache::PageKey;
use crate::plumbing::state::AppState;
use marquee_core::booking::booking_fee::BookingFee;
use marquee_core::booking::refund_policy::RefundPolicy;
use std::sync::Arc;

pub struct Grade {
    pub name: String,
    pub price: String,
    pub available: i64,
    pub total: i64,
}

pub struct Performance {
    /// Where "예매하기" leads: the seat map, while this performance can be booked.
    pub book: Option<String>,
    pub when: String,
    pub grades: Vec<Grade>,
    pub available: i64,
    /// 공연 취소: the organizer cancelled it.
    pub cancelled: bool,
    /// 캐스팅 of this performance in words (빌리 플린 최재림 · 록시 하트 아이비).
    pub cast: String,
}

/// 캐스팅 일정: a row per performance, an actor per role (empty where the role has
/// none that day), so a fan follows one role down its column to find their actor's days.
pub struct CastSchedule {
    pub roles: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
}

impl CastSchedule {
    fn of(schedules: &[ScheduleDetail]) -> Option<CastSchedule> {
        let mut roles: Vec<String> = Vec::new();
        for member in schedules.iter().flat_map(|s| &s.cast) {
            if !roles.contains(&member.role) {
                roles.push(member.role.clone());
            }
        }
        if roles.is_empty() {
            return None;
        }
        let rows = schedules
            .iter()
            .filter(|schedule| !schedule.cancelled)
            .map(|schedule| {
                let actors = roles
                    .iter()
                    .map(|role| {
                        schedule
                            .cast
                            .iter()
                            .find(|member| &member.role == role)
                            .map(|member| member.actor.clone())
                            .unwrap_or_default()
                    })
                    .collect();
                (format::when_short(schedule.starts_at), actors)
            })
            .collect();
        Some(CastSchedule { roles, rows })
    }
}

/// 관람시간 in words: 170분 (인터미션 20분), 100분 (인터미션 없음).
fn running_words(facts: ShowFacts) -> Option<String> {
    let minutes = facts.running_minutes?;
    Some(match facts.intermission_minutes {
        Some(0) => format!("{minutes}분 (인터미션 없음)"),
        Some(pause) => format!("{minutes}분 (인터미션 {pause}분)"),
        None => format!("{minutes}분"),
    })
}

#[derive(Template)]
#[template(path = "show.html")]
struct ShowPage {
    id: i64,
    title: String,
    title_en: Option<String>,
    category: &'static str,
    description: String,
    venue: String,
    address: String,
    artists: String,
    poster: Option<PosterImg>,
    opens: String,
    like_count: i32,
    /// 관람시간 and 관람등급, when announced.
    running: Option<String>,
    age_rating: Option<String>,
    performances: Vec<Performance>,
    cast_schedule: Option<CastSchedule>,
    /// 할인 정보: the kinds the performances sell besides 일반 (`discount_words`).
    discounts: Vec<String>,
    /// 취소·환불 규정, from the policy refunds apply (`refund_rules`).
    refund_rules: Vec<String>,
}

/// Through the catalog cache, as the JSON show page is: at an on-sale this is the page
/// thousands refresh.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    show_id: Result<Path<String>, PathRejection>,
) -> Result<Response, PageError> {
    // Not a number (or not text) is the same as no such show, for a person following
    // a link.
    let show_id = crate::plumbing::html::path_id(show_id, "show")?;
    let load = show_html(
        state.reads.clone(),
        show_id,
        state.refund_policy.clone(),
        state.booking_fee,
    );
    let page = state
        .pages
        .answer_page(PageKey::ShowPage(show_id), &headers, load)
        .await?;
    Ok(with_policy(page))
}

async fn show_html(
    reads: ReadReplicas,
    show_id: i64,
    default_policy: Arc<RefundPolicy>,
    booking_fee: BookingFee,
) -> Result<String, Error> {
    let show = reads
        .read(|pool| async move { catalog::show_detail(&pool, show_id).await })
        .await?
        .ok_or(Error::NotFound("show"))?;
    // The show's own policy, if it has one, stated as refunds apply it.
    let refund_rules =
        refund_rules::for_show(&default_policy, show.refund_policy.as_deref(), booking_fee);
    let now = chrono::Utc::now();
    let open = show.booking_opens_at <= now;
    let discounts = discount_words::in_words(show.schedules.iter().flat_map(|s| &s.discounts));
    let cast_schedule = CastSchedule::of(&show.schedules);
    let running = running_words(show.facts());
    let performances = show
        .schedules
        .into_iter()
        .map(|schedule| Performance {
            book: (open && schedule.starts_at > now && !schedule.cancelled)
                .then(|| format!("/shows/{show_id}/book/{}", schedule.id)),
            cancelled: schedule.cancelled,
            when: format::when(schedule.starts_at),
            cast: schedule
                .cast
                .iter()
                .map(|member| format!("{} {}", member.role, member.actor))
                .collect::<Vec<_>>()
                .join(" · "),
            available: schedule.grades.iter().map(|g| g.available_seats).sum(),
            grades: schedule
                .grades
                .into_iter()
                .map(|grade| Grade {
                    price: format::won(grade.price),
                    name: grade.name,
                    available: grade.available_seats,
                    total: grade.total_seats,
                })
                .collect(),
        })
        .collect();
    render(&ShowPage {
        id: show_id,
        category: format::category(&show.category),
        opens: format::when(show.booking_opens_at),
        artists: show.artists.join(", "),
        title: show.title,
        title_en: show.title_en,
        description: show.description,
        venue: show.venue.name,
        address: show.venue.address,
        poster: PosterImg::of(show.poster, show.poster_url),
        like_count: show.like_count,
        running,
        age_rating: show.age_rating,
        performances,
        cast_schedule,
        discounts,
        refund_rules,
    })
}
