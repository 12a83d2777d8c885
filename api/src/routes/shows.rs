//! The catalog: public browsing, admin writes, likes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use marquee_core::catalog::likes::{self, LikeState};
use marquee_core::catalog::model::{SeatView, ShowDetail, ShowFilter, ShowSummary};
use marquee_core::catalog::repo as catalog;
use marquee_core::catalog::{Category, NewShow, ShowPatch};
use marquee_core::Error;
use serde::{Deserialize, Serialize};

use super::Page;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Admin, ApiJson, ApiPath, ApiQuery, CurrentUser};
use crate::state::AppState;

async fn detail(state: &AppState, show_id: i64) -> ApiResult<ShowDetail> {
    catalog::show_detail(&state.pool, show_id)
        .await?
        .ok_or_else(|| Error::NotFound("show").into())
}

pub async fn create(
    State(state): State<AppState>,
    Admin(_): Admin,
    ApiJson(body): ApiJson<NewShow>,
) -> ApiResult<(StatusCode, Json<ShowDetail>)> {
    body.validate(chrono::Utc::now())?;
    let show_id = catalog::create_show(&state.pool, &body).await?;
    Ok((StatusCode::CREATED, Json(detail(&state, show_id).await?)))
}

pub async fn update(
    State(state): State<AppState>,
    Admin(_): Admin,
    ApiPath(show_id): ApiPath<i64>,
    ApiJson(body): ApiJson<ShowPatch>,
) -> ApiResult<Json<ShowDetail>> {
    body.validate(chrono::Utc::now())?;
    if !catalog::update_show(&state.pool, show_id, &body).await? {
        return Err(Error::NotFound("show").into());
    }
    Ok(Json(detail(&state, show_id).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    Admin(_): Admin,
    ApiPath(show_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    if !catalog::soft_delete_show(&state.pool, show_id).await? {
        return Err(Error::NotFound("show").into());
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct ListQuery {
    category: Option<Category>,
    /// First Korean calendar day (YYYY-MM-DD) with a performance, inclusive.
    from: Option<NaiveDate>,
    /// Last Korean calendar day, inclusive.
    to: Option<NaiveDate>,
    limit: Option<u32>,
    offset: Option<u32>,
}

pub async fn list(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<ShowSummary>>> {
    let (limit, offset) = crate::extract::Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .resolve()?;
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if from > to {
            return Err(ApiError::request(
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY",
                "from must not be after to",
            ));
        }
    }
    let filter = ShowFilter {
        category: query.category,
        from: query.from,
        to: query.to,
    };
    let (items, total) = catalog::list_shows(&state.pool, &filter, limit, offset).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

pub async fn get(
    State(state): State<AppState>,
    ApiPath(show_id): ApiPath<i64>,
) -> ApiResult<Json<ShowDetail>> {
    Ok(Json(detail(&state, show_id).await?))
}

#[derive(Serialize)]
pub struct SeatMap {
    schedule_id: i64,
    seats: Vec<SeatView>,
}

pub async fn seats(
    State(state): State<AppState>,
    ApiPath((show_id, schedule_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<SeatMap>> {
    let seats = catalog::seats(&state.pool, show_id, schedule_id)
        .await?
        .ok_or(Error::NotFound("schedule"))?;
    Ok(Json(SeatMap { schedule_id, seats }))
}

pub async fn like(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(show_id): ApiPath<i64>,
) -> ApiResult<Json<LikeState>> {
    Ok(Json(likes::like(&state.pool, user.user_id, show_id).await?))
}

pub async fn unlike(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(show_id): ApiPath<i64>,
) -> ApiResult<Json<LikeState>> {
    Ok(Json(
        likes::unlike(&state.pool, user.user_id, show_id).await?,
    ))
}
