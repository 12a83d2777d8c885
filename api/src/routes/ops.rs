//! Liveness, readiness, metrics and the answers for unknown routes.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use crate::plumbing::codes::{api_errors, Code};
use crate::plumbing::error::ApiError;
use crate::plumbing::state::AppState;

/// Liveness
///
/// The process is up. Says nothing about dependencies, so an orchestrator does not
/// restart a healthy api because the database blinked.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, description = "process is up"),))]
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Readiness
///
/// Ready means the database answers. The search index and Redis are reported beside it
/// as parts that may be degraded; the answer comes within a second.
#[utoipa::path(get, path = "/readyz", tag = "ops", responses((status = 200, description = "database reachable; `search` and `redis` say how those parts are"),
        (status = 503, description = "database unreachable"),))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let search = state.search.clone();
    let index = async {
        tokio::time::timeout(
            READINESS_DEADLINE,
            tokio::task::spawn_blocking(move || search.status()),
        )
        .await
        .ok()
        .and_then(Result::ok)
        .and_then(Result::ok)
    };
    let database = tokio::time::timeout(READINESS_DEADLINE, marquee_core::db::ping(&state.pool));
    let redis = tokio::time::timeout(REDIS_DEADLINE, state.waiting_room.store().ping());
    let (index, database, redis) = tokio::join!(index, database, redis);
    let search = match &index {
        Some(status) if status.ready => {
            json!({ "status": "ok", "documents": status.documents, "indexed_until": status.indexed_until })
        }
        _ => json!({ "status": "not_indexed" }),
    };
    let redis = if matches!(redis, Ok(Ok(()))) {
        "ok"
    } else {
        "unreachable"
    };
    match database {
        Ok(Ok(_)) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok", "redis": redis, "search": search })),
        ),
        failed => {
            let reason = match failed {
                Ok(Err(err)) => err.to_string(),
                _ => "timed out".to_string(),
            };
            tracing::warn!(error = %reason, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({ "status": "not_ready", "database": "unreachable", "redis": redis, "search": search }),
                ),
            )
        }
    }
}

/// Each readiness check's deadline: together they answer within a second.
const READINESS_DEADLINE: std::time::Duration = std::time::Duration::from_millis(800);
const REDIS_DEADLINE: std::time::Duration = std::time::Duration::from_millis(300);

api_errors!(MetricsErrors = [Unauthenticated, NotFound]);

/// Prometheus metrics
///
/// Request counts and latencies by route template, and booking counters. Off (404)
/// unless METRICS_TOKEN is set, then only with it as a bearer token.
#[utoipa::path(get, path = "/metrics", tag = "ops", security(("metrics_token" = [])),
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain"),
        MetricsErrors,))]
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let Some(expected) = &state.metrics_token else {
        return Err(ApiError::request(
            Code::NotFound,
            "metrics are off: set METRICS_TOKEN",
        ));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(given.as_bytes(), expected.as_bytes()) {
        return Err(marquee_core::Error::Unauthenticated.into());
    }
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        crate::telemetry::prometheus().render(),
    ))
}

/// Compares without stopping at the first differing byte, so the time taken does not
/// tell how much of a guessed token was right.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
}
