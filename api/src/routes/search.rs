//! Show search and as-you-type suggestions, answered from the index the indexer writes.
//!
//! Searching is CPU work on memory-mapped files, so it runs on the blocking pool and
//! never stalls the async workers that serve bookings. Missing `q` is a 400; a blank or
//! unsearchable `q` (spaces, emoji, punctuation) is an empty answer; a very long one is
//! cut to its first 200 characters. `index_ready: false` tells a client that empty
//! results mean "not indexed yet", not "no such show".

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use marquee_core::catalog::Category;
use marquee_core::search::blocklist;
use marquee_core::search::searcher::{
    SearchFilter, SearchHit, SearchSort, ShowSearch, Suggestion, MAX_OFFSET,
};
use marquee_core::search::trends::QueryCount;
use serde::{Deserialize, Serialize};

use crate::plumbing::codes::api_errors;
use crate::plumbing::error::{ApiError, ApiResult, Rejection};
use crate::plumbing::extract::{day_range, page_limit, Admin, ApiPath, ApiQuery, ClientIp, Paging};
use crate::plumbing::searching::{blocking_core, outcome, UNKNOWN_CLIENT};
use crate::plumbing::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What the person typed: Korean or Latin, typos, initial consonants (ㅅㅋㄱ), or
    /// Korean typed on the English layout (tlzkrh).
    q: Option<String>,
    category: Option<Category>,
    /// First Korean calendar day (YYYY-MM-DD, 1970-01-01 to 9999-12-31) with a performance, inclusive.
    from: Option<NaiveDate>,
    /// Last Korean calendar day, inclusive (same range).
    to: Option<NaiveDate>,
    /// `relevance` (default): best match first; `popular`: most liked first.
    sort: Option<SearchSort>,
    /// 1 to 100, default 20.
    limit: Option<u32>,
    /// At most 1000: past that, refine the query.
    offset: Option<u32>,
    /// True for the searches an app runs while someone is still typing: they are not
    /// counted in popular queries or misses (half-typed words are not searches).
    typing: Option<bool>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchResponse {
    pub items: Vec<SearchHit>,
    pub total: u64,
    pub limit: u32,
    pub offset: u32,
    /// False until the indexer has written a first index.
    pub index_ready: bool,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// The text typed so far; a half-typed syllable (싴) counts.
    q: Option<String>,
    /// 1 to 20, default 8.
    limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SuggestResponse {
    pub items: Vec<Suggestion>,
}

fn invalid(message: &str) -> ApiError {
    Rejection::InvalidQuery.with(message)
}

/// Runs index work on the blocking pool.
async fn blocking<T: Send + 'static>(
    search: &Arc<ShowSearch>,
    work: impl FnOnce(&ShowSearch) -> marquee_core::Result<T> + Send + 'static,
) -> ApiResult<T> {
    Ok(blocking_core(search, work).await?)
}

/// Search shows
///
/// Typo-tolerant Korean and Latin search over titles, artists and venues: particles and
/// compounds, one or two wrong jamo, initial consonants, the other keyboard layout,
/// case and accents.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, description = "ranked shows, best first, with the matched title words in <em>", body = SearchResponse),))]
pub async fn search(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchResponse>> {
    let text = query.q.ok_or_else(|| invalid("q is required"))?;
    let (limit, offset) = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .resolve()?;
    if offset as usize > MAX_OFFSET {
        return Err(invalid("offset must be at most 1000"));
    }
    let days = day_range(query.from, query.to)?;
    let filter = SearchFilter {
        sort: query.sort.unwrap_or_default(),
        category: query.category.map(|c| c.as_db().to_string()),
        from: days.start(),
        to: days.end(),
    };
    let now = chrono::Utc::now();
    // A first page, not typed-so-far, unfiltered: what a person searched for.
    let unfiltered = filter.category.is_none() && filter.from.is_none() && filter.to.is_none();
    let counted = (offset == 0 && query.typing != Some(true) && unfiltered).then(|| text.clone());
    let (results, status) = blocking(&state.search, move |search| {
        Ok((
            search.search(&text, &filter, limit as usize, offset as usize, now)?,
            search.status()?,
        ))
    })
    .await?;
    if let (Some(text), true) = (counted, status.ready) {
        state.trends.record(
            &text,
            results.reading.as_deref(),
            outcome(&results),
            client.unwrap_or(UNKNOWN_CLIENT),
        );
    }
    Ok(Json(SearchResponse {
        items: results.hits,
        total: results.total,
        limit,
        offset,
        index_ready: status.ready,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendsQuery {
    /// 1 to 50, default 10.
    limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TrendsResponse {
    pub items: Vec<QueryCount>,
}

fn trends_limit(limit: Option<u32>) -> ApiResult<usize> {
    match limit.unwrap_or(10) {
        limit @ 1..=50 => Ok(limit as usize),
        _ => Err(invalid("limit must be 1 to 50")),
    }
}

api_errors!(PopularErrors = [TrendsUnavailable, DatabaseUnavailable]);

/// Popular searches of the last hour
///
/// What people searched most in the last hour (about: counts are kept per five
/// minutes) among searches that found shows, added up over every api process: what a
/// home page shows as 인기 검색어. Each search counts under what it found, in the words
/// of the first show found (시카고 for 시하고, tlzkrh and ㅅㅋㄱ alike), so typos,
/// initials and the wrong keyboard layout never show; terms on the admins' blocklist
/// never do either. Searches made while typing (`typing=true`) and pages past the
/// first are not counted.
#[utoipa::path(get, path = "/api/v1/search/popular", tag = "search", params(TrendsQuery),
    responses((status = 200, description = "readings, most searched first", body = TrendsResponse),
        PopularErrors,))]
pub async fn popular(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TrendsQuery>,
) -> ApiResult<Json<TrendsResponse>> {
    let limit = trends_limit(query.limit)?;
    let blocked = state
        .reads
        .read(|pool| async move { blocklist::all(&pool).await })
        .await?;
    Ok(Json(TrendsResponse {
        items: state.trends.popular(limit, &blocked).await?,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BlocklistResponse {
    /// Blocked terms, normalized (lower case, single spaces), in order.
    pub terms: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BlockedTerm {
    /// The term as stored and compared: normalized (lower case, single spaces).
    pub term: String,
}

api_errors!(BlocklistErrors = [Forbidden, DatabaseUnavailable]);

/// The popular-query blocklist (admins)
///
/// Terms kept off 인기 검색어: a reading holding one is never shown.
#[utoipa::path(get, path = "/api/v1/admin/search/blocklist", tag = "search",
    security(("bearer" = [])),
    responses((status = 200, description = "the blocked terms", body = BlocklistResponse),
        BlocklistErrors,))]
pub async fn blocklist_terms(
    State(state): State<AppState>,
    Admin(_admin): Admin,
) -> ApiResult<Json<BlocklistResponse>> {
    Ok(Json(BlocklistResponse {
        terms: blocklist::all(&state.pool).await?,
    }))
}

api_errors!(BlockErrors = [Forbidden, ValidationFailed, DatabaseUnavailable]);

/// Block a term from popular searches (admins)
///
/// Keeps every reading holding `term` (normalized: lower case, single spaces, at most
/// 40 characters) off 인기 검색어, on every api process within five seconds. Blocking a
/// blocked term again changes nothing.
#[utoipa::path(put, path = "/api/v1/admin/search/blocklist/{term}", tag = "search",
    params(("term" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "the term, as stored", body = BlockedTerm),
        BlockErrors,))]
pub async fn block_term(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(term): ApiPath<String>,
) -> ApiResult<Json<BlockedTerm>> {
    Ok(Json(BlockedTerm {
        term: blocklist::add(&state.pool, &term, admin.user_id).await?,
    }))
}

api_errors!(
    UnblockErrors = [
        Forbidden,
        ValidationFailed,
        BlockedTermNotFound,
        DatabaseUnavailable
    ]
);

/// Unblock a term (admins)
///
/// Lets readings holding `term` (normalized as when it was blocked) show again in
/// 인기 검색어.
#[utoipa::path(delete, path = "/api/v1/admin/search/blocklist/{term}", tag = "search",
    params(("term" = String, Path)), security(("bearer" = [])),
    responses((status = 204, description = "unblocked"), UnblockErrors,))]
pub async fn unblock_term(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiPath(term): ApiPath<String>,
) -> ApiResult<axum::http::StatusCode> {
    blocklist::remove(&state.pool, &term).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

api_errors!(MissesErrors = [Forbidden, TrendsUnavailable]);

/// Searches that found nothing (admins)
///
/// The queries of the last seven days that found no show, most searched first: a
/// missing show, alias or spelling to add.
#[utoipa::path(get, path = "/api/v1/admin/search/misses", tag = "search", params(TrendsQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "queries that found nothing, most searched first", body = TrendsResponse),
        MissesErrors,))]
pub async fn misses(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiQuery(query): ApiQuery<TrendsQuery>,
) -> ApiResult<Json<TrendsResponse>> {
    let limit = trends_limit(query.limit)?;
    Ok(Json(TrendsResponse {
        items: state.trends.misses(limit).await?,
    }))
}

/// Complete a title as it is typed
///
/// Titles that complete what was typed so far, best first.
#[utoipa::path(get, path = "/api/v1/search/suggest", tag = "search", params(SuggestQuery),
    responses((status = 200, description = "titles completing what was typed, best first", body = SuggestResponse),))]
pub async fn suggest(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SuggestQuery>,
) -> ApiResult<Json<SuggestResponse>> {
    let text = query.q.ok_or_else(|| invalid("q is required"))?;
    let limit = page_limit(Some(query.limit.unwrap_or(8)))?;
    if limit > 20 {
        return Err(invalid("limit must be 1 to 20"));
    }
    let items = blocking(&state.search, move |search| {
        search.suggest(&text, limit as usize)
    })
    .await?;
    Ok(Json(SuggestResponse { items }))
}
