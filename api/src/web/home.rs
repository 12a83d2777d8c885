//! The home page: one search box, then what is on sale now and what opens soon,
//! narrowed by category with plain links (`/?category=MUSICAL`).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use marquee_core::catalog::model::ShowSummary;
use marquee_core::catalog::repo as catalog;
use marquee_core::catalog::Category;
use serde::Deserialize;

use super::format;
use super::{html, PageError};
use crate::state::AppState;

/// How many shows each section lists.
const SECTION_SIZE: u32 = 12;

pub const CATEGORIES: [Category; 6] = [
    Category::Musical,
    Category::Concert,
    Category::Play,
    Category::Classic,
    Category::Dance,
    Category::Exhibition,
];

/// One category chip: its link value, its name, and whether it is the one shown.
pub struct Chip {
    pub code: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

pub fn chips(selected: Option<Category>) -> Vec<Chip> {
    CATEGORIES
        .iter()
        .map(|category| Chip {
            code: category.as_db(),
            name: format::category(category.as_db()),
            selected: selected == Some(*category),
        })
        .collect()
}

/// A show as a list shows it.
pub struct Card {
    pub id: i64,
    pub title: String,
    pub category: &'static str,
    pub venue: String,
    pub dates: String,
    pub opens: String,
    /// Booking has not opened yet: the card says when it will.
    pub upcoming: bool,
    pub poster_url: Option<String>,
}

impl From<ShowSummary> for Card {
    fn from(show: ShowSummary) -> Self {
        let dates = match (show.first_starts_at, show.last_starts_at) {
            (Some(first), Some(last)) if format::day(first) != format::day(last) => {
                format!("{} ~ {}", format::day(first), format::day(last))
            }
            (Some(first), _) => format::day(first),
            _ => String::new(),
        };
        Card {
            id: show.id,
            category: format::category(&show.category),
            venue: show.venue,
            dates,
            opens: format::when(show.booking_opens_at),
            upcoming: show.booking_opens_at > chrono::Utc::now(),
            poster_url: show.poster_url,
            title: show.title,
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    /// No category chosen: the "전체" chip is the current one.
    everything: bool,
    chips: Vec<Chip>,
    sections: Vec<Section>,
}

struct Section {
    heading: &'static str,
    empty: &'static str,
    cards: Vec<Card>,
}

#[derive(Deserialize)]
pub struct HomeQuery {
    category: Option<String>,
}

/// A category link's value; anything else (an old or mistyped link) shows everything
/// rather than an error page.
pub fn category(value: Option<&str>) -> Option<Category> {
    CATEGORIES
        .into_iter()
        .find(|category| Some(category.as_db()) == value)
}

pub async fn page(
    State(state): State<AppState>,
    Query(query): Query<HomeQuery>,
) -> Result<Response, PageError> {
    let chosen = category(query.category.as_deref());
    let on_sale = catalog::on_sale_now(&state.pool, chosen, SECTION_SIZE).await?;
    let opening = catalog::opening_soon(&state.pool, chosen, SECTION_SIZE).await?;
    html(&HomePage {
        everything: chosen.is_none(),
        chips: chips(chosen),
        sections: vec![
            Section {
                heading: "지금 예매 중",
                empty: "지금 예매할 수 있는 공연이 없어요.",
                cards: on_sale.into_iter().map(Card::from).collect(),
            },
            Section {
                heading: "오픈 예정",
                empty: "곧 열리는 예매가 없어요.",
                cards: opening.into_iter().map(Card::from).collect(),
            },
        ],
    })
}
