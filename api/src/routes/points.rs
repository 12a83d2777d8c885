//! The points wallet: balance, history and charges.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marquee_core::points::{ledger, ChargeOutcome, LedgerEntry};
use serde::{Deserialize, Serialize};

use crate::plumbing::codes::api_errors;
use crate::plumbing::error::ApiResult;
use crate::plumbing::extract::{page_limit, ApiJson, ApiQuery, CurrentUser};
use crate::plumbing::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    limit: Option<u32>,
    /// Keyset cursor: `next_before` of the previous page.
    before: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PointsView {
    balance: i64,
    entries: Vec<LedgerEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    next_before: Option<i64>,
}

/// Your balance and ledger
///
/// The point balance and the ledger that adds up to it, newest first, paged by keyset
/// (`before`).
#[utoipa::path(get, path = "/api/v1/points", tag = "points", params(HistoryQuery),
    security(("bearer" = [])),
    responses((status = 200, body = PointsView),))]
pub async fn balance_and_history(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<PointsView>> {
    let limit = page_limit(query.limit)?;
    let balance = ledger::balance(&state.pool, user.user_id).await?;
    let entries = ledger::history(&state.pool, user.user_id, query.before, limit).await?;
    let next_before = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(PointsView {
        balance,
        entries,
        next_before,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargeRequest {
    payment_id: String,
    amount: i64,
}

api_errors!(
    ChargeErrors = [
        PaymentAlreadyUsed,
        PaymentAmountMismatch,
        PaymentNotConfirmed,
        ValidationFailed,
        GatewayUnavailable
    ]
);

/// Credit a gateway payment
///
/// Credits a payment the client made through the payment gateway, after the gateway
/// confirms it (paid, KRW, the exact amount; with PortOne, send the user's id as
/// `customer.customerId` when requesting the payment: a payment naming another
/// customer is refused). 201 when this call credited it, 200 when
/// the same payment id and amount were credited before (a retry); the same id with
/// another amount is 409 PAYMENT_AMOUNT_MISMATCH.
#[utoipa::path(post, path = "/api/v1/points/charges", tag = "points", request_body = ChargeRequest,
    security(("bearer" = [])),
    responses((status = 201, description = "credited now", body = ChargeOutcome),
        (status = 200, description = "credited before; nothing changed", body = ChargeOutcome),
        ChargeErrors,))]
pub async fn charge(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<ChargeRequest>,
) -> ApiResult<(StatusCode, Json<ChargeOutcome>)> {
    let outcome = state
        .charges
        .charge(user.user_id, &body.payment_id, body.amount)
        .await?;
    let status = if outcome.already_credited {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(outcome)))
}
