//! The points wallet: balance, history and charges.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marquee_core::points::{ledger, ChargeOutcome, LedgerEntry};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, CurrentUser};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct HistoryQuery {
    limit: Option<u32>,
    /// Keyset cursor: `next_before` of the previous page.
    before: Option<i64>,
}

#[derive(Serialize)]
pub struct PointsView {
    balance: i64,
    entries: Vec<LedgerEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    next_before: Option<i64>,
}

pub async fn balance_and_history(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<PointsView>> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::request(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY",
            "limit must be 1 to 100",
        ));
    }
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChargeRequest {
    payment_id: String,
    amount: i64,
}

/// 201 when this call credited the payment, 200 when it had been credited before.
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
