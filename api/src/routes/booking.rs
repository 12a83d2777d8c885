//! Holds, purchase, tickets and refunds.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use marquee_core::booking::holds::{self, Hold};
use marquee_core::booking::purchase::{self, Order};
use marquee_core::booking::refunds;
use marquee_core::booking::tickets::{self, Ticket};
use serde::Deserialize;

use super::Page;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser, Paging};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    schedule_id: i64,
    seat_ids: Vec<i64>,
}

pub async fn create_hold(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<HoldRequest>,
) -> ApiResult<(StatusCode, Json<Hold>)> {
    let hold = holds::create(
        &state.pool,
        state.hold_rules,
        user.user_id,
        body.schedule_id,
        &body.seat_ids,
    )
    .await?;
    metrics::counter!("marquee_holds_created_total").increment(1);
    Ok((StatusCode::CREATED, Json(hold)))
}

pub async fn release_hold(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(hold_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    holds::release(&state.pool, user.user_id, hold_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn purchase(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(hold_id): ApiPath<i64>,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(value.to_str().map_err(|_| {
            ApiError::request(
                StatusCode::BAD_REQUEST,
                "INVALID_HEADER",
                "Idempotency-Key must be ASCII",
            )
        })?),
    };
    let order = purchase::purchase(&state.pool, user.user_id, hold_id, key).await?;
    metrics::counter!("marquee_purchases_total").increment(1);
    Ok((StatusCode::CREATED, Json(order)))
}

pub async fn list_tickets(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<Page<Ticket>>> {
    let (limit, offset) = paging.resolve()?;
    let (items, total) = tickets::list_for_user(&state.pool, user.user_id, limit, offset).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

pub async fn get_ticket(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(ticket_id): ApiPath<i64>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(
        tickets::get_for_user(&state.pool, user.user_id, ticket_id).await?,
    ))
}

pub async fn refund(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(ticket_id): ApiPath<i64>,
) -> ApiResult<Json<Ticket>> {
    let ticket =
        refunds::refund(&state.pool, &state.refund_policy, user.user_id, ticket_id).await?;
    metrics::counter!("marquee_refunds_total").increment(1);
    Ok(Json(ticket))
}
