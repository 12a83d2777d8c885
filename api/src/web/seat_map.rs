//! A performance's seat map (`/shows/{id}/book/{schedule_id}`): seats drawn by row and
//! number, coloured by grade, taken ones disabled; general-admission areas (스탠딩,
//! 자유석) as a count to choose, since their places have no seat to point at. Choosing
//! and holding seats is `static/seats.js` calling `POST /api/v1/holds` with the browser's cookie, so the
//! hold is the JSON API's, rules and all; the page draws and the script asks.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use marquee_core::accounts::tokens::csrf_token;
use marquee_core::catalog::model::{SeatState, SeatView};
use marquee_core::catalog::repo as catalog;
use marquee_core::Error;

use super::format;
use super::performance::performance;
use super::queue::{admission, queue_path, Admission};
use super::visitor::{require_visitor, see_other};
use crate::plumbing::html::html;
use crate::plumbing::html::PageError;
use crate::plumbing::state::AppState;

/// How many grade colours the stylesheet has (`.grade-0` … `.grade-5`); a schedule with
/// more grades repeats them, each grade still named in the legend.
const GRADE_COLOURS: usize = 6;

/// A seat button; its accessible name is its visible number inside hidden words
/// ("A열 3번 VIP 120,000원"), so what a screen reader says starts from what is shown.
pub struct Seat {
    pub id: i64,
    pub number: i32,
    /// The grade's colour.
    pub grade: usize,
    pub grade_name: String,
    pub price: i64,
    pub price_text: String,
    pub free: bool,
}

pub struct Row {
    pub label: String,
    pub seats: Vec<Seat>,
}

/// A general-admission area: its places are chosen by count (`places` in the hold).
pub struct Area {
    pub grade_id: i64,
    pub name: String,
    pub price: i64,
    pub price_text: String,
    pub available: i64,
}

pub struct Legend {
    pub colour: usize,
    pub name: String,
    pub price: String,
    pub available: i64,
}

#[derive(Template)]
#[template(path = "seat_map.html")]
struct SeatMapPage {
    csrf: String,
    show_id: i64,
    schedule_id: i64,
    title: String,
    venue: String,
    when: String,
    max_seats: u32,
    /// While the waiting room is on: the admitted browser's access pass, which the
    /// script sends with its hold (`X-Queue-Token`). From the HttpOnly cookie the
    /// queue page's admission set; in the page's markup for the script, never shown
    /// to the person, and useless to anyone else (it is bound to this user and
    /// schedule). The page is never cached (`hygiene`: a signed-in browser's answer).
    pass: Option<String>,
    /// Booking is open and the performance has not started.
    on_sale: bool,
    legend: Vec<Legend>,
    areas: Vec<Area>,
    rows: Vec<Row>,
}

/// Seats in rows, in the order the catalog made them; each grade gets the colour of
/// its place among the schedule's grades.
fn rows(seats: Vec<SeatView>, grades: &[String]) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for seat in seats {
        let grade = grades.iter().position(|g| *g == seat.grade).unwrap_or(0) % GRADE_COLOURS;
        let entry = Seat {
            id: seat.id,
            number: seat.number,
            grade,
            price_text: format::won(seat.price),
            price: seat.price,
            free: seat.status == SeatState::Available,
            grade_name: seat.grade,
        };
        match rows.last_mut() {
            Some(row) if row.label == seat.row => row.seats.push(entry),
            _ => rows.push(Row {
                label: seat.row,
                seats: vec![entry],
            }),
        }
    }
    rows
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, PageError> {
    let (show_id, schedule_id) = crate::plumbing::html::performance_ids(ids)?;
    let here = format!("/shows/{show_id}/book/{schedule_id}");
    let (user, secret) = match require_visitor(&state, &headers, &here).await? {
        Ok(found) => found,
        Err(to_login) => return Ok(to_login),
    };
    let pass = match admission(&state, &headers, user.user_id, schedule_id).await? {
        Admission::Open => None,
        Admission::Admitted(pass) => Some(pass),
        Admission::Wait => return Ok(see_other(&queue_path(show_id, schedule_id))),
    };
    let (show, schedule) = performance(&state, show_id, schedule_id).await?;
    // Availability as a picture, and whether it is on sale: a replica may draw both;
    // the hold itself decides, on the primary.
    let seats = state
        .reads
        .read(|pool| async move { catalog::seats(&pool, show_id, schedule_id).await })
        .await?
        .ok_or(Error::NotFound("schedule"))?;
    let grades: Vec<String> = schedule.grades.iter().map(|g| g.name.clone()).collect();
    html(&SeatMapPage {
        csrf: csrf_token(&secret),
        show_id,
        schedule_id,
        when: format::when(schedule.starts_at),
        venue: show.venue.name.clone(),
        max_seats: state.hold_rules.max_seats,
        pass,
        on_sale: seats.on_sale,
        areas: seats
            .areas
            .iter()
            .map(|area| Area {
                grade_id: area.grade_id,
                name: area.grade.clone(),
                price: area.price,
                price_text: format::won(area.price),
                available: area.available,
            })
            .collect(),
        legend: schedule
            .grades
            .iter()
            .enumerate()
            .filter(|(_, g)| !g.general_admission)
            .map(|(i, g)| Legend {
                colour: i % GRADE_COLOURS,
                name: g.name.clone(),
                price: format::won(g.price),
                available: g.available_seats,
            })
            .collect(),
        rows: rows(seats.seats, &grades),
        title: show.title,
    })
}
