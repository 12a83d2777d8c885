//! The home page: one search box, then what is on sale now and what opens soon,
//! narrowed by category with plain links (`/?category=MUSICAL`).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use marquee_core::catalog::model::ShowSummary;
use marquee_core::catalog::repo as catalog;
use marquee_core::catalog::Category;
use marquee_core::read_replicas::ReadReplicas;
use marquee_core::Error;
use serde::Deserialize;

use super::chips::{category, chips, Chip};
use super::format;
use super::poster_img::PosterImg;
use crate::plumbing::html::PageError;
use crate::plumbing::html::{render, with_policy};
use crate::plumbing::page_cache::PageKey;
use marquee_core::search::blocklist;
use marquee_core::search::trends::SearchTrends;
use std::sync::Arc;

/// Popular searches the home page lists.
const POPULAR_SHOWN: usize = 8;
/// How long the home page waits for them.
const POPULAR_WAIT: std::time::Duration = std::time::Duration::from_millis(150);
use crate::plumbing::state::AppState;

/// How many shows each section lists.
const SECTION_SIZE: u32 = 12;

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
    pub poster: Option<PosterImg>,
}

impl From<ShowSummary> for Card {
    fn from(show: ShowSummary) -> Self {
        let dates = format::run(show.first_starts_at, show.last_starts_at);
        Card {
            id: show.id,
            category: format::category(&show.category),
            venue: show.venue,
            dates,
            opens: format::when(show.booking_opens_at),
            upcoming: show.booking_opens_at > chrono::Utc::now(),
            poster: PosterImg::of(show.poster, show.poster_url),
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
    /// 인기 검색어: the last hour's most searched queries; empty when Redis is away.
    popular: Vec<String>,
}

struct Section {
    heading: &'static str,
    empty: &'static str,
    cards: Vec<Card>,
}

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    category: Option<String>,
}

/// Through the catalog cache: the home page is what everyone opens first.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<HomeQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    // A mangled address shows the whole home page rather than an error.
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let chosen = category(query.category.as_deref());
    let load = home_html(state.reads.clone(), state.trends.clone(), chosen);
    let page = state
        .pages
        .answer_page(PageKey::HomePage(chosen), &headers, load)
        .await?;
    Ok(with_policy(page))
}

async fn home_html(
    reads: ReadReplicas,
    trends: Arc<SearchTrends>,
    chosen: Option<Category>,
) -> Result<String, Error> {
    let (on_sale, opening, blocked) = reads
        .read(|pool| async move {
            let on_sale = catalog::on_sale_now(&pool, chosen, SECTION_SIZE).await?;
            Ok((
                on_sale,
                catalog::opening_soon(&pool, chosen, SECTION_SIZE).await?,
                blocklist::all(&pool).await?,
            ))
        })
        .await?;
    // A hint, not the page: without Redis the home page is drawn without it.
    // At most a moment's wait: a Redis that does not answer must not hold the page.
    let asked = tokio::time::timeout(POPULAR_WAIT, trends.popular(POPULAR_SHOWN, &blocked)).await;
    let popular = match asked {
        Ok(Ok(counts)) => counts.into_iter().map(|c| c.query).collect(),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "popular searches left off the home page");
            Vec::new()
        }
        Err(_) => {
            tracing::warn!("popular searches left off the home page: Redis is slow");
            Vec::new()
        }
    };
    render(&HomePage {
        popular,
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
