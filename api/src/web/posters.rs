//! Poster images: `/posters/{show_id}/{key}/{width}.jpg`. The key changes with the
//! poster, so what is at an address never changes: browsers and proxies keep it for a
//! year without asking again (`immutable`), and a revalidation is answered by its
//! ETag with a 304.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use marquee_core::posters::WIDTHS;

use super::assets::tagged;
use crate::plumbing::error::{log_failure, status_and_code};
use crate::plumbing::state::AppState;

pub async fn image(
    State(state): State<AppState>,
    Path((show_id, key, file)): Path<(String, String, String)>,
    request: HeaderMap,
) -> Response {
    // One address per copy: `{id}/{key}/{width}.jpg` exactly as `posters::path` writes
    // it, anything else (`+480.jpg`, a show id that is not a number) names nothing.
    let width = WIDTHS
        .into_iter()
        .find(|width| file == format!("{width}.jpg"));
    let show_id = show_id
        .parse::<i64>()
        .ok()
        .filter(|id| id.to_string() == show_id);
    let (Some(width), Some(show_id)) = (width, show_id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let copy = match state.posters.get(&state.pool, show_id, &key, width).await {
        Ok(Some(copy)) => copy,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(err) => {
            log_failure(&err);
            return status_and_code(&err).0.into_response();
        }
    };
    let tag = format!("\"{}-{width}\"", copy.key);
    tagged(
        &request,
        "image/jpeg",
        "public, max-age=31536000, immutable",
        &tag,
        copy.jpeg.clone(),
    )
}
