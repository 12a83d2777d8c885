//! 공연 취소: an admin cancels a performance, and follows its refunds.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marquee_core::performance_cancellation::{self, Cancellation};

use crate::plumbing::codes::api_errors;
use crate::plumbing::error::ApiResult;
use crate::plumbing::extract::{Admin, ApiPath};
use crate::plumbing::state::AppState;

api_errors!(CancelErrors = [Forbidden, ScheduleNotFound, CancellationTooLate]);

/// Cancel a performance (admin)
///
/// Takes the performance off sale, releases its holds and cancels its open resale
/// trades at once, then refunds every valid ticket in full (price and booking fee, plus
/// the standard's 10% compensation when `CANCELLATION_COMPENSATION` is on) in the
/// background: 202 with the cancellation to follow. It survives a crash of the api
/// (another process, or this one restarted, carries on) and refunds each ticket once.
/// Asking again answers 200 with the same cancellation. Possible until 30 days after
/// the performance started.
#[utoipa::path(post, path = "/api/v1/admin/schedules/{schedule_id}/cancellation",
    tag = "booking", params(("schedule_id" = i64, Path)), security(("bearer" = [])),
    responses(
        (status = 202, description = "cancelled now; refunds under way", body = Cancellation),
        (status = 200, description = "cancelled before: how far its refunds have got", body = Cancellation),
        CancelErrors,))]
pub async fn cancel(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(schedule_id): ApiPath<i64>,
) -> ApiResult<(StatusCode, Json<Cancellation>)> {
    let rules = state.cancellations.rules();
    let (job_id, made) =
        performance_cancellation::request(&state.pool, rules, admin.user_id, schedule_id).await?;
    // A request for a cancellation already made also restarts its job here, should it
    // have stopped (its process crashed) before another process looked.
    state.cancellations.start(job_id);
    state.pages.forget_catalog();
    let cancellation = performance_cancellation::get(&state.pool, schedule_id).await?;
    let status = if made {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(cancellation)))
}

api_errors!(ProgressErrors = [Forbidden, CancellationNotFound]);

/// A performance's cancellation (admin)
///
/// Whether its refunds are finished, how many tickets and points they have paid back,
/// and how many valid tickets are left.
#[utoipa::path(get, path = "/api/v1/admin/schedules/{schedule_id}/cancellation",
    tag = "booking", params(("schedule_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Cancellation), ProgressErrors,))]
pub async fn progress(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiPath(schedule_id): ApiPath<i64>,
) -> ApiResult<Json<Cancellation>> {
    Ok(Json(
        performance_cancellation::get(&state.pool, schedule_id).await?,
    ))
}
