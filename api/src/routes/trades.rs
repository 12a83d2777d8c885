//! The resale market (`/trades`), each user's trade history and ticket lineage.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use marquee_core::accounts::Role;
use marquee_core::resale::lineage::{self, Lineage};
use marquee_core::resale::listings;
use marquee_core::resale::purchase::{self, TradePurchase};
use marquee_core::resale::trades::{
    self, MarketFilter, MyTrade, Trade, TradeRole, TradeSort, TradeStatus,
};
use serde::Deserialize;

use super::Page;
use crate::plumbing::codes::api_errors;
use crate::plumbing::error::{ApiResult, Rejection};
use crate::plumbing::extract::{idempotency_key, ApiJson, ApiPath, ApiQuery, CurrentUser, Paging};
use crate::plumbing::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingRequest {
    /// A VALID ticket of yours for a show that has not started.
    ticket_id: i64,
    /// At least 1 and at most the cap (by default the ticket's face value).
    price: i64,
}

api_errors!(
    CreateErrors = [
        TicketNotFound,
        TicketNotListable,
        TicketListed,
        ShowStarted,
        PriceOverCap,
        IdempotencyKeyReused,
        ValidationFailed
    ]
);

/// List a ticket for resale
///
/// Offers a VALID ticket of yours at a price up to the cap. The ticket stays yours
/// until it sells; a retry with the same Idempotency-Key answers the first listing.
#[utoipa::path(post, path = "/api/v1/trades", tag = "resale", request_body = ListingRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key answers the trade the first attempt listed")),
    security(("bearer" = [])),
    responses((status = 201, description = "listed (or listed before under this Idempotency-Key, shown as it is now); the ticket stays yours until it sells", body = Trade),
        CreateErrors,))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ListingRequest>,
) -> ApiResult<(StatusCode, Json<Trade>)> {
    let listing = listings::Listing {
        ticket_id: body.ticket_id,
        price: body.price,
        idempotency_key: idempotency_key(&headers)?,
    };
    let trade = listings::create(&state.pool, state.resale, user.user_id, listing).await?;
    metrics::counter!("marquee_trades_listed_total").increment(1);
    Ok((StatusCode::CREATED, Json(trade)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MarketQuery {
    show_id: Option<i64>,
    schedule_id: Option<i64>,
    /// Seat grade name, e.g. `VIP` or `R`.
    grade: Option<String>,
    min_price: Option<i64>,
    max_price: Option<i64>,
    /// `price` (cheapest first, the default), `price_desc` or `newest`.
    #[param(inline)]
    sort: Option<TradeSort>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// The resale market
///
/// Open trades of shows that have not started, filtered by show, schedule, grade and
/// price.
#[utoipa::path(get, path = "/api/v1/trades", tag = "resale", params(MarketQuery),
    responses((status = 200, description = "open trades of shows that have not started", body = Page<Trade>),))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<MarketQuery>,
) -> ApiResult<Json<Page<Trade>>> {
    let (limit, offset) = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .resolve()?;
    if let (Some(min), Some(max)) = (query.min_price, query.max_price) {
        if min > max {
            return Err(Rejection::InvalidQuery.with("min_price must not be more than max_price"));
        }
    }
    let filter = MarketFilter {
        show_id: query.show_id,
        schedule_id: query.schedule_id,
        grade: query.grade,
        min_price: query.min_price,
        max_price: query.max_price,
        sort: query.sort.unwrap_or_default(),
    };
    let filter = &filter;
    let (items, total) = state
        .reads
        .read(|pool| async move { trades::list_open(&pool, filter, limit, offset).await })
        .await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

api_errors!(GetErrors = [TradeNotFound]);

/// One trade
///
/// A trade in any status.
#[utoipa::path(get, path = "/api/v1/trades/{id}", tag = "resale", params(("id" = i64, Path)),
    responses((status = 200, description = "the trade with its show, schedule, seat and grade", body = Trade),
        GetErrors,))]
pub async fn get(
    State(state): State<AppState>,
    ApiPath(trade_id): ApiPath<i64>,
) -> ApiResult<Json<Trade>> {
    Ok(Json(trades::get(&state.pool, trade_id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepriceRequest {
    price: i64,
}

api_errors!(
    RepriceErrors = [
        Forbidden,
        TradeNotFound,
        TradeNotOpen,
        PriceOverCap,
        ValidationFailed
    ]
);

/// Reprice your trade
///
/// Changes the price of your open trade, up to the cap.
#[utoipa::path(patch, path = "/api/v1/trades/{id}", tag = "resale", params(("id" = i64, Path)),
    request_body = RepriceRequest, security(("bearer" = [])),
    responses((status = 200, description = "repriced", body = Trade),
        RepriceErrors,))]
pub async fn reprice(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(trade_id): ApiPath<i64>,
    ApiJson(body): ApiJson<RepriceRequest>,
) -> ApiResult<Json<Trade>> {
    Ok(Json(
        listings::reprice(
            &state.pool,
            state.resale,
            user.user_id,
            trade_id,
            body.price,
        )
        .await?,
    ))
}

api_errors!(CancelErrors = [Forbidden, TradeNotFound, TradeNotOpen]);

/// Cancel your trade
///
/// Takes your open trade off the market.
#[utoipa::path(delete, path = "/api/v1/trades/{id}", tag = "resale", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "cancelled; the ticket can be used, refunded or listed again", body = Trade),
        CancelErrors,))]
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(trade_id): ApiPath<i64>,
) -> ApiResult<Json<Trade>> {
    Ok(Json(
        listings::cancel(&state.pool, user.user_id, trade_id).await?,
    ))
}

api_errors!(
    PurchaseErrors = [
        InsufficientPoints,
        TradeNotFound,
        TradeNotOpen,
        OwnTrade,
        IdempotencyKeyReused,
        ValidationFailed
    ]
);

/// Buy a trade
///
/// Pays the price, credits the seller the price less the fee, and issues you a new
/// ticket for the seat. Retrying with the same Idempotency-Key answers the same ticket.
#[utoipa::path(post, path = "/api/v1/trades/{id}/purchase", tag = "resale",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "retries with the same key return the same ticket")),
    security(("bearer" = [])),
    responses((status = 201, description = "bought: a new ticket for the seat is yours, the seller's is RESOLD", body = TradePurchase),
        PurchaseErrors,))]
pub async fn purchase(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(trade_id): ApiPath<i64>,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, Json<TradePurchase>)> {
    let key = idempotency_key(&headers)?;
    let bought = purchase::buy(&state.pool, state.resale, user.user_id, trade_id, key).await?;
    metrics::counter!("marquee_trades_sold_total").increment(1);
    Ok((StatusCode::CREATED, Json(bought)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// `seller` or `buyer`; both when absent.
    #[param(inline)]
    role: Option<TradeRole>,
    /// OPEN, SOLD, CANCELLED or EXPIRED.
    #[param(inline)]
    status: Option<TradeStatus>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// Your trades
///
/// Trades you listed or bought, by role and status.
#[utoipa::path(get, path = "/api/v1/users/me/trades", tag = "resale", params(HistoryQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "trades you listed or bought, newest listing first", body = Page<MyTrade>),))]
pub async fn history(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<Page<MyTrade>>> {
    let (limit, offset) = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .resolve()?;
    let (items, total) = trades::history(
        &state.pool,
        user.user_id,
        query.role,
        query.status,
        limit,
        offset,
    )
    .await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

api_errors!(TicketLineageErrors = [TicketNotFound]);

/// A seat's chain of tickets
///
/// Who held the seat from when until when, and how each got it; readable by anyone who
/// held a ticket of the chain, and by admins.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/lineage", tag = "resale", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "the seat's chain of tickets, original first", body = Lineage),
        TicketLineageErrors,))]
pub async fn ticket_lineage(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(ticket_id): ApiPath<i64>,
) -> ApiResult<Json<Lineage>> {
    Ok(Json(
        lineage::for_ticket(
            &state.pool,
            user.user_id,
            user.role == Role::Admin,
            ticket_id,
        )
        .await?,
    ))
}
