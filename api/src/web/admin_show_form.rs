//! The admin's show form: `/admin/shows/new` creates a show with its performances and
//! grades, `/admin/shows/{id}/edit` changes it and adds performances (the API never
//! removes one: tickets may be sold). The form is drawn here and sent by
//! `static/show_form.js` as the JSON the API takes, so validation is the API's own.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use marquee_core::accounts::tokens::csrf_token;
use marquee_core::catalog::model::ShowFacts;
use marquee_core::catalog::repo as catalog;
use marquee_core::Error;

use super::admin::require_admin;
use super::chips::CATEGORIES;
use super::format;
use crate::plumbing::html::html;
use crate::plumbing::html::PageError;
use crate::plumbing::state::AppState;

pub struct CategoryOption {
    pub code: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

/// A performance the show already has: shown, not editable.
pub struct Existing {
    pub when: String,
    pub grades: String,
}

#[derive(Template)]
#[template(path = "admin/show_form.html")]
struct FormPage {
    csrf: String,
    /// None: a new show.
    show_id: Option<i64>,
    title: String,
    title_en: String,
    description: String,
    categories: Vec<CategoryOption>,
    venue: String,
    address: String,
    artists: String,
    /// What fans call the show, comma-separated (레미즈, 레미).
    aliases: String,
    poster_url: String,
    opens: String,
    /// 관람시간 and 인터미션 in minutes, empty when not announced.
    running: String,
    intermission: String,
    ages: Vec<AgeOption>,
    existing: Vec<Existing>,
}

/// A 관람등급 the form offers: the youngest age admitted (`min_age`), in words.
pub struct AgeOption {
    pub value: String,
    pub name: String,
    pub selected: bool,
}

/// The ratings Korean box offices print most, and whatever odd one a show already has.
fn ages(current: Option<u8>) -> Vec<AgeOption> {
    let mut values: Vec<u8> = vec![0, 7, 8, 12, 13, 15, 19];
    if let Some(age) = current.filter(|age| !values.contains(age)) {
        values.push(age);
        values.sort_unstable();
    }
    let unset = AgeOption {
        value: String::new(),
        name: "공지 전".to_string(),
        selected: current.is_none(),
    };
    std::iter::once(unset)
        .chain(values.into_iter().map(|age| {
            AgeOption {
                value: age.to_string(),
                name: ShowFacts {
                    min_age: Some(age),
                    ..ShowFacts::default()
                }
                .age_rating()
                .unwrap_or_default(),
                selected: current == Some(age),
            }
        }))
        .collect()
}

fn categories(selected: &str) -> Vec<CategoryOption> {
    CATEGORIES
        .iter()
        .map(|category| CategoryOption {
            code: category.as_db(),
            name: format::category(category.as_db()),
            selected: category.as_db() == selected,
        })
        .collect()
}

pub async fn new(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let (_, secret) = match require_admin(&state, &headers, "/admin/shows/new").await? {
        Ok(found) => found,
        Err(away) => return Ok(away),
    };
    html(&FormPage {
        csrf: csrf_token(&secret),
        show_id: None,
        title: String::new(),
        title_en: String::new(),
        description: String::new(),
        categories: categories("MUSICAL"),
        venue: String::new(),
        address: String::new(),
        artists: String::new(),
        aliases: String::new(),
        poster_url: String::new(),
        opens: format::datetime_local(chrono::Utc::now()),
        running: String::new(),
        intermission: String::new(),
        ages: ages(None),
        existing: Vec::new(),
    })
}

pub async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    show_id: Result<Path<String>, PathRejection>,
) -> Result<Response, PageError> {
    let show_id = crate::plumbing::html::path_id(show_id, "show")?;
    let here = format!("/admin/shows/{show_id}/edit");
    let (_, secret) = match require_admin(&state, &headers, &here).await? {
        Ok(found) => found,
        Err(away) => return Ok(away),
    };
    let show = catalog::show_detail(&state.pool, show_id)
        .await?
        .ok_or(Error::NotFound("show"))?;
    let page = FormPage {
        csrf: csrf_token(&secret),
        show_id: Some(show_id),
        categories: categories(&show.category),
        title_en: show.title_en.unwrap_or_default(),
        venue: show.venue.name,
        address: show.venue.address,
        artists: show.artists.join(", "),
        aliases: show.aliases.join(", "),
        poster_url: show.poster_url.unwrap_or_default(),
        running: show
            .running_minutes
            .map(|m| m.to_string())
            .unwrap_or_default(),
        intermission: show
            .intermission_minutes
            .map(|m| m.to_string())
            .unwrap_or_default(),
        ages: ages(show.min_age),
        opens: format::datetime_local(show.booking_opens_at),
        existing: show
            .schedules
            .iter()
            .map(|schedule| Existing {
                when: format::when(schedule.starts_at),
                grades: schedule
                    .grades
                    .iter()
                    .map(|g| {
                        let unit = if g.general_admission { "명" } else { "석" };
                        format!(
                            "{} {} × {}{unit}",
                            g.name,
                            format::won(g.price),
                            g.total_seats
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        title: show.title,
        description: show.description,
    };
    html(&page)
}
