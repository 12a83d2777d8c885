//! Liveness, readiness, metrics and the answers for unknown routes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// The process is up. Says nothing about dependencies, so an orchestrator does not
/// restart a healthy api because the database blinked.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, description = "process is up")))]
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready to serve: the database answers.
/// Ready means the database answers: bookings work without search. The search index
/// is reported beside it (`search: "not_indexed"` until the indexer's first commit) so
/// an operator sees why searches come back empty.
#[utoipa::path(get, path = "/readyz", tag = "ops", responses((status = 200, description = "database reachable; `search` tells whether the index is there"), (status = 503, description = "database unreachable")))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let search = state.search.clone();
    let index = tokio::task::spawn_blocking(move || search.status())
        .await
        .ok()
        .and_then(Result::ok);
    let search = match &index {
        Some(status) if status.ready => {
            json!({ "status": "ok", "documents": status.documents, "indexed_until": status.indexed_until })
        }
        _ => json!({ "status": "not_indexed" }),
    };
    match sqlx::query("select 1").execute(&state.pool).await {
        Ok(_) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok", "search": search })),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "not_ready", "database": "unreachable" })),
            )
        }
    }
}

#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics() -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        crate::telemetry::prometheus().render(),
    )
}

pub async fn not_found() -> ApiError {
    ApiError::request(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", "no such route")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::request(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "method not allowed on this route",
    )
}
