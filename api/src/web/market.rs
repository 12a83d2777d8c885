//! The resale market (`/market`): open trades of shows that have not started, cheapest
//! first or as sorted, optionally of one show. Buying is `static/market.js` calling
//! `POST /api/v1/trades/{id}/purchase`, which re-issues the ticket to the buyer.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use marquee_core::accounts::tokens::csrf_token;
use marquee_core::resale::trades::{self, MarketFilter, Trade, TradeSort};
use serde::Deserialize;

use super::format;
use super::visitor::visitor;
use crate::plumbing::html::html;
use crate::plumbing::html::PageError;
use crate::plumbing::state::AppState;

const PAGE_SIZE: u32 = 30;

pub struct Offer {
    pub id: i64,
    pub show_id: i64,
    pub title: String,
    pub when: String,
    pub venue: String,
    pub seat: String,
    pub price: String,
    pub face_value: String,
}

impl From<Trade> for Offer {
    fn from(trade: Trade) -> Self {
        Offer {
            id: trade.id,
            show_id: trade.show_id,
            when: format::when(trade.starts_at),
            seat: trade.seat_label(),
            price: format::won(trade.price),
            face_value: format::won(trade.face_value),
            title: trade.show_title,
            venue: trade.venue,
        }
    }
}

pub struct SortChip {
    pub code: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "market.html")]
struct MarketPage {
    /// Signed in: the page's scripts may buy.
    csrf: Option<String>,
    offers: Vec<Offer>,
    total: i64,
    show_id: Option<i64>,
    sorts: Vec<SortChip>,
}

#[derive(Deserialize, Default)]
pub struct MarketQuery {
    show_id: Option<String>,
    sort: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<MarketQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    // A mangled filter shows the whole market rather than an error.
    let show_id = query.show_id.and_then(|id| id.parse::<i64>().ok());
    let sort = match query.sort.as_deref() {
        Some("price_desc") => TradeSort::PriceDesc,
        Some("newest") => TradeSort::Newest,
        _ => TradeSort::Price,
    };
    let filter = MarketFilter {
        show_id,
        sort,
        ..MarketFilter::default()
    };
    let filter = &filter;
    let (found, total) = state
        .reads
        .read(|pool| async move { trades::list_open(&pool, filter, PAGE_SIZE, 0).await })
        .await?;
    let csrf = visitor(&state, &headers)
        .await?
        .map(|(_, secret)| csrf_token(&secret));
    let sorts = [
        ("price", "낮은 가격순", TradeSort::Price),
        ("price_desc", "높은 가격순", TradeSort::PriceDesc),
        ("newest", "최신순", TradeSort::Newest),
    ]
    .into_iter()
    .map(|(code, name, chip)| SortChip {
        code,
        name,
        selected: chip == sort,
    })
    .collect();
    html(&MarketPage {
        csrf,
        offers: found.into_iter().map(Offer::from).collect(),
        total,
        show_id,
        sorts,
    })
}
