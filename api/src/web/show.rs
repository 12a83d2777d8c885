//! A show's page: poster, title, cast, venue, performances with each grade's price and
//! how many seats are free. A shareable URL per show (`/shows/{id}`), readable without
//! JavaScript. Availability is the same count the JSON show page gives.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use marquee_core::catalog::repo as catalog;
use marquee_core::Error;

use super::format;
use super::{html, PageError};
use crate::state::AppState;

pub struct Grade {
    pub name: String,
    pub price: String,
    pub available: i64,
    pub total: i64,
}

pub struct Performance {
    pub when: String,
    pub grades: Vec<Grade>,
    pub available: i64,
}

#[derive(Template)]
#[template(path = "show.html")]
struct ShowPage {
    title: String,
    title_en: Option<String>,
    category: &'static str,
    description: String,
    venue: String,
    address: String,
    artists: String,
    poster_url: Option<String>,
    opens: String,
    like_count: i32,
    performances: Vec<Performance>,
}

pub async fn page(
    State(state): State<AppState>,
    Path(show_id): Path<String>,
) -> Result<Response, PageError> {
    // Not a number is the same as no such show, for a person following a link.
    let show_id: i64 = show_id.parse().map_err(|_| Error::NotFound("show"))?;
    let show = catalog::show_detail(&state.pool, show_id)
        .await?
        .ok_or(Error::NotFound("show"))?;
    let performances = show
        .schedules
        .into_iter()
        .map(|schedule| Performance {
            when: format::when(schedule.starts_at),
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
    html(&ShowPage {
        category: format::category(&show.category),
        opens: format::when(show.booking_opens_at),
        artists: show.artists.join(", "),
        title: show.title,
        title_en: show.title_en,
        description: show.description,
        venue: show.venue.name,
        address: show.venue.address,
        poster_url: show.poster_url,
        like_count: show.like_count,
        performances,
    })
}
