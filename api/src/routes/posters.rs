//! A show's poster (admin): the image itself as the request body.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marquee_core::error::PosterProblem;
use marquee_core::posters::{self, check, store, Poster};
use marquee_core::Error;

use crate::plumbing::codes::api_errors;
use crate::plumbing::error::ApiResult;
use crate::plumbing::extract::{Admin, ApiPath};
use crate::plumbing::state::AppState;

/// The image file's bytes, as they are.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PosterFile(#[allow(dead_code)] Vec<u8>);

api_errors!(
    UploadErrors = [
        Forbidden,
        ShowNotFound,
        PosterTooLarge,
        PosterTypeUnsupported,
        PosterDimensions,
        PosterUnreadable
    ]
);

/// Upload a show's poster (admin)
///
/// The body is the image file itself: JPEG, PNG or WebP, told by its content (the
/// Content-Type is not trusted), at most 8 MiB and 200 to 6000 pixels a side. It
/// replaces any earlier poster. The answer names the copies pages use (240, 480 and
/// 960 pixels wide, JPEG; never wider than the upload); the original is kept but never
/// served.
#[utoipa::path(put, path = "/api/v1/admin/shows/{show_id}/poster", tag = "shows",
    params(("show_id" = i64, Path)), security(("bearer" = [])),
    request_body(content = PosterFile,
        description = "the image file (JPEG, PNG or WebP; any Content-Type)",
        content_type = "application/octet-stream"),
    responses((status = 200, body = Poster), UploadErrors,))]
pub async fn upload(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(show_id): ApiPath<i64>,
    body: Body,
) -> ApiResult<Json<Poster>> {
    // A raw `Body` is not held to the api's 1 MiB (`DefaultBodyLimit` bounds the
    // extractors that parse); it is read here under the poster's own bound, so an
    // over-long upload stops at 8 MiB and one byte.
    let bytes = axum::body::to_bytes(body, check::MAX_BYTES + 1)
        .await
        .map_err(|_| Error::PosterRejected(PosterProblem::TooLarge))?;
    let poster = posters::upload(&state.pool, show_id, admin.user_id, bytes.to_vec()).await?;
    state.posters.forget(show_id).await;
    state.pages.forget_catalog();
    Ok(Json(poster))
}

api_errors!(RemoveErrors = [Forbidden, PosterNotFound]);

/// Remove a show's poster (admin)
///
/// Pages stop showing it at once; its copies' addresses answer 404 from this node at
/// once and from every other within a minute (their caches' time to live).
#[utoipa::path(delete, path = "/api/v1/admin/shows/{show_id}/poster", tag = "shows",
    params(("show_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204, description = "removed"), RemoveErrors,))]
pub async fn remove(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiPath(show_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    if !store::remove(&state.pool, show_id).await? {
        return Err(Error::NotFound("poster").into());
    }
    state.posters.forget(show_id).await;
    state.pages.forget_catalog();
    Ok(StatusCode::NO_CONTENT)
}
