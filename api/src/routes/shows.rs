//! The catalog: public browsing, admin writes, likes.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use chrono::NaiveDate;
use marquee_core::catalog::likes::{self, LikeState};
use marquee_core::catalog::model::{AreaView, SeatView, ShowDetail, ShowFilter, ShowSummary};
use marquee_core::catalog::repo as catalog;
use marquee_core::catalog::{Category, NewShow, ShowPatch};
use marquee_core::Error;
use serde::{Deserialize, Serialize};
use sqlx::MySqlPool;

use super::Page;
use crate::plumbing::codes::api_errors;
use crate::plumbing::error::ApiResult;
use crate::plumbing::extract::{day_range, Admin, ApiJson, ApiPath, ApiQuery, CurrentUser};
use crate::plumbing::page_cache::PageKey;
use crate::plumbing::state::AppState;

/// The show page, from the primary: what an admin just wrote, read back.
async fn detail(pool: &MySqlPool, show_id: i64) -> Result<ShowDetail, Error> {
    catalog::show_detail(pool, show_id)
        .await?
        .ok_or(Error::NotFound("show"))
}

api_errors!(CreateErrors = [Forbidden, ValidationFailed]);

/// Create a show (admin)
///
/// Creates a show with its venue, artists, schedules and each schedule's seat map
/// (grades, rows, seats per row).
#[utoipa::path(post, path = "/api/v1/shows", tag = "shows", request_body = NewShow,
    security(("bearer" = [])),
    responses((status = 201, body = ShowDetail),
        CreateErrors,))]
pub async fn create(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiJson(body): ApiJson<NewShow>,
) -> ApiResult<(StatusCode, Json<ShowDetail>)> {
    body.validate(chrono::Utc::now())?;
    let show_id = catalog::create_show(&state.pool, &body).await?;
    state.pages.forget_catalog();
    Ok((
        StatusCode::CREATED,
        Json(detail(&state.pool, show_id).await?),
    ))
}

api_errors!(UpdateErrors = [Forbidden, ShowNotFound, ValidationFailed]);

/// Change a show (admin)
///
/// Changes the fields it names; an empty string clears `title_en` or `poster_url`;
/// schedules are only added.
#[utoipa::path(patch, path = "/api/v1/shows/{id}", tag = "shows", request_body = ShowPatch, params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ShowDetail),
        UpdateErrors,))]
pub async fn update(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiPath(show_id): ApiPath<i64>,
    ApiJson(body): ApiJson<ShowPatch>,
) -> ApiResult<Json<ShowDetail>> {
    body.validate(chrono::Utc::now())?;
    if !catalog::update_show(&state.pool, show_id, &body).await? {
        return Err(Error::NotFound("show").into());
    }
    state.pages.forget_catalog();
    Ok(Json(detail(&state.pool, show_id).await?))
}

api_errors!(DeleteErrors = [Forbidden, ShowNotFound]);

/// Delete a show (admin)
///
/// A soft delete: the show leaves lists and search and can no longer be booked; its
/// tickets stay valid and refundable.
#[utoipa::path(delete, path = "/api/v1/shows/{id}", tag = "shows", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "soft-deleted"),
        DeleteErrors,))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiPath(show_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    if !catalog::soft_delete_show(&state.pool, show_id).await? {
        return Err(Error::NotFound("show").into());
    }
    state.pages.forget_catalog();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    category: Option<Category>,
    /// First Korean calendar day (YYYY-MM-DD, 1970-01-01 to 9999-12-31) with a performance, inclusive.
    from: Option<NaiveDate>,
    /// Last Korean calendar day, inclusive (same range).
    to: Option<NaiveDate>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// List shows
///
/// Shows that are not deleted, newest first, filtered by category and by Korean
/// calendar days with a performance.
#[utoipa::path(get, path = "/api/v1/shows", tag = "shows", params(ListQuery),
    responses((status = 200, body = Page<ShowSummary>),))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let (limit, offset) = crate::plumbing::extract::Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .resolve()?;
    let filter = ShowFilter {
        category: query.category,
        days: day_range(query.from, query.to)?,
    };
    let key = PageKey::List {
        category: query.category,
        from: query.from,
        to: query.to,
        limit,
        offset,
    };
    let reads = state.reads.clone();
    let load = async move {
        let filter = &filter;
        let (items, total) = reads
            .read(|pool| async move { catalog::list_shows(&pool, filter, limit, offset).await })
            .await?;
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    };
    state
        .pages
        .answer::<Page<ShowSummary>, _>(key, &headers, load)
        .await
}

api_errors!(GetErrors = [ShowNotFound]);

/// A show with availability
///
/// The show, its schedules and per-grade seat availability.
#[utoipa::path(get, path = "/api/v1/shows/{id}", tag = "shows", params(("id" = i64, Path)),
    responses((status = 200, description = "the show with per-grade availability", body = ShowDetail),
        GetErrors,))]
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(show_id): ApiPath<i64>,
) -> ApiResult<Response> {
    let reads = state.reads.clone();
    let load = async move {
        reads
            .read(|pool| async move { detail(&pool, show_id).await })
            .await
    };
    state
        .pages
        .answer::<ShowDetail, _>(PageKey::Show(show_id), &headers, load)
        .await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SeatMap {
    schedule_id: i64,
    seats: Vec<SeatView>,
    /// General-admission areas (스탠딩, 자유석, entry), sold by count: hold `places`.
    areas: Vec<AreaView>,
}

api_errors!(SeatsErrors = [ScheduleNotFound]);

/// A schedule's seat map
///
/// Every seat of the schedule with its grade, price, row, number and status (AVAILABLE,
/// HELD or SOLD), and its general-admission areas with their places free.
#[utoipa::path(get, path = "/api/v1/shows/{id}/schedules/{schedule_id}/seats", tag = "shows",
    params(("id" = i64, Path), ("schedule_id" = i64, Path)),
    responses((status = 200, body = SeatMap),
        SeatsErrors,))]
pub async fn seats(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath((show_id, schedule_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    let reads = state.reads.clone();
    let load = async move {
        let map = reads
            .read(|pool| async move { catalog::seats(&pool, show_id, schedule_id).await })
            .await?
            .ok_or(Error::NotFound("schedule"))?;
        Ok(SeatMap {
            schedule_id,
            seats: map.seats,
            areas: map.areas,
        })
    };
    let key = PageKey::Seats {
        show_id,
        schedule_id,
    };
    state.pages.answer::<SeatMap, _>(key, &headers, load).await
}

api_errors!(LikeErrors = [ShowNotFound]);

/// Like a show
///
/// Idempotent: liking twice counts once.
#[utoipa::path(post, path = "/api/v1/shows/{id}/like", tag = "likes", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "liked (idempotent)", body = LikeState),
        LikeErrors,))]
pub async fn like(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(show_id): ApiPath<i64>,
) -> ApiResult<Json<LikeState>> {
    Ok(Json(likes::like(&state.pool, user.user_id, show_id).await?))
}

api_errors!(UnlikeErrors = [ShowNotFound]);

/// Stop liking a show
///
/// Idempotent: unliking a show you do not like changes nothing.
#[utoipa::path(delete, path = "/api/v1/shows/{id}/like", tag = "likes", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "not liked (idempotent)", body = LikeState),
        UnlikeErrors,))]
pub async fn unlike(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(show_id): ApiPath<i64>,
) -> ApiResult<Json<LikeState>> {
    Ok(Json(
        likes::unlike(&state.pool, user.user_id, show_id).await?,
    ))
}
