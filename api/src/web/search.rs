//! Search results as a page: the same engine and the same forgiveness of typos as
//! `GET /api/v1/search`, filtered by category chips and a period (Korean calendar
//! days, as the API reads them), best match or most liked first. When nothing is
//! found the page says so and offers the closest title instead of an empty list. A
//! filter that does not parse (an edited address) is dropped, not an error page.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use marquee_core::catalog::model::DayRange;
use marquee_core::search::query::MAX_QUERY_CHARS;
use marquee_core::search::searcher::{SearchFilter, SearchHit, SearchSort, MAX_OFFSET};
use serde::Deserialize;

use super::chips::{category, chips, Chip};
use super::format;
use super::poster_img::PosterImg;
use crate::plumbing::extract::ClientIp;
use crate::plumbing::html::html;
use crate::plumbing::html::PageError;
use crate::plumbing::searching::{blocking_core, outcome, UNKNOWN_CLIENT};
use crate::plumbing::state::AppState;

const PAGE_SIZE: usize = 20;

/// Search pages as far as the engine pages (`MAX_OFFSET`).
const LAST_PAGE: usize = MAX_OFFSET / PAGE_SIZE + 1;

pub struct Hit {
    pub id: i64,
    /// Escaped by the searcher, with the matched words in `<em>`.
    pub title_highlighted: String,
    /// The English title, when the query matched it rather than the Korean one
    /// (les miserables): escaped by the searcher too.
    pub title_en_highlighted: Option<String>,
    pub category: &'static str,
    pub venue: String,
    pub artists: String,
    pub state: &'static str,
    /// The show's run (`format::run`).
    pub dates: String,
    pub poster: Option<PosterImg>,
}

impl From<SearchHit> for Hit {
    fn from(hit: SearchHit) -> Self {
        Hit {
            id: hit.id,
            title_en_highlighted: hit
                .title_en_highlighted
                .filter(|en| en.contains("<em>") && !hit.title_highlighted.contains("<em>")),
            title_highlighted: hit.title_highlighted,
            category: format::category(&hit.category),
            venue: hit.venue,
            artists: hit.artists.join(", "),
            dates: format::run(hit.first_starts_at, hit.last_starts_at),
            poster: PosterImg::of(hit.poster, hit.poster_url),
            state: match hit.booking_state.as_str() {
                "ON_SALE" => "예매 중",
                "UPCOMING" => "오픈 예정",
                _ => "종료",
            },
        }
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    query: String,
    category: Option<&'static str>,
    chips: Vec<Chip>,
    /// The period and order as the form shows them (`YYYY-MM-DD`, or empty).
    from: String,
    to: String,
    popular: bool,
    /// The period and order as every link of the page carries them on
    /// (`&amp;from=…&amp;to=…&amp;sort=popular`, only those set): already escaped, and
    /// made only of parsed dates and a fixed word, so the template adds it as it is.
    keep: String,
    results: Vec<Hit>,
    total: u64,
    /// The closest title, when nothing was found.
    suggestion: Option<String>,
    /// The index has not been written yet (a fresh install): nothing found means
    /// nothing yet, not no such show.
    index_ready: bool,
    page: usize,
    /// The previous and next pages' numbers, where there are such pages.
    previous: Option<usize>,
    next: Option<usize>,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    category: Option<String>,
    page: Option<String>,
    from: Option<String>,
    to: Option<String>,
    sort: Option<String>,
}

fn day(value: Option<&str>) -> Option<NaiveDate> {
    value.and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
}

pub async fn page(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    // A mangled address (a repeated parameter, say) is an empty search, not an error.
    let query = query.map(|Query(query)| query).unwrap_or_default();
    // Search reads the first MAX_QUERY_CHARS characters; the page repeats no more.
    let text: String = query.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let page = query
        .page
        .and_then(|page| page.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, LAST_PAGE);
    let chosen = category(query.category.as_deref());
    // Both days or neither: a period the API would refuse (to before from) is dropped.
    let (from, to) = (day(query.from.as_deref()), day(query.to.as_deref()));
    let (days, from, to) = match DayRange::parse(from, to) {
        Ok(days) => (days, from, to),
        Err(_) => (DayRange::default(), None, None),
    };
    let popular = query.sort.as_deref() == Some("popular");
    let mut keep = String::new();
    if let Some(from) = from {
        keep.push_str(&format!("&amp;from={from}"));
    }
    if let Some(to) = to {
        keep.push_str(&format!("&amp;to={to}"));
    }
    if popular {
        keep.push_str("&amp;sort=popular");
    }
    let filter = SearchFilter {
        sort: if popular {
            SearchSort::Popular
        } else {
            SearchSort::Relevance
        },
        category: chosen.map(|c| c.as_db().to_string()),
        from: days.start(),
        to: days.end(),
    };
    let now = chrono::Utc::now();
    let (found, suggestion, index_ready) = if text.is_empty() {
        (None, None, true)
    } else {
        let text = text.clone();
        blocking_core(&state.search, move |search| {
            let offset = (page - 1) * PAGE_SIZE;
            let found = search.search(&text, &filter, PAGE_SIZE, offset, now)?;
            let suggestion = if found.hits.is_empty() {
                search
                    .suggest(&text, 1)?
                    .into_iter()
                    .next()
                    .map(|s| s.title)
            } else {
                None
            };
            Ok((Some(found), suggestion, search.status()?.ready))
        })
        .await?
    };
    let unfiltered = chosen.is_none() && from.is_none() && to.is_none();
    let counted = found.as_ref().map(|f| (outcome(f), f.reading.clone()));
    let (results, total) = match found {
        Some(found) => (found.hits.into_iter().map(Hit::from).collect(), found.total),
        None => (Vec::new(), 0),
    };
    // A submitted search (its first page, unfiltered) counts in 인기 검색어 or misses.
    if let (Some((counted, reading)), 1, true, true) = (counted, page, index_ready, unfiltered) {
        state.trends.record(
            &text,
            reading.as_deref(),
            counted,
            client.unwrap_or(UNKNOWN_CLIENT),
        );
    }
    let shown = (page * PAGE_SIZE) as u64;
    html(&SearchPage {
        previous: (page > 1).then(|| page - 1),
        next: (shown < total && page < LAST_PAGE).then(|| page + 1),
        page,
        index_ready,
        query: text,
        category: chosen.map(|c| c.as_db()),
        chips: chips(chosen),
        from: from.map(|d| d.to_string()).unwrap_or_default(),
        to: to.map(|d| d.to_string()).unwrap_or_default(),
        popular,
        keep,
        results,
        total,
        suggestion,
    })
}
