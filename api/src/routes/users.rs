//! The signed-in user's own account.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marquee_core::accounts::{Nickname, Password, Profile};
use marquee_core::catalog::model::ShowSummary;
use marquee_core::catalog::repo as catalog;
use marquee_core::Error;
use serde::Deserialize;

use super::Page;
use crate::plumbing::codes::api_errors;
use crate::plumbing::error::ApiResult;
use crate::plumbing::extract::{ApiJson, ApiQuery, CurrentUser, Paging};
use crate::plumbing::state::AppState;

/// Your profile
///
/// The signed-in account: email, nickname, role and point balance.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users",
    security(("bearer" = [])),
    responses((status = 200, body = Profile),))]
pub async fn me(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Profile>> {
    Ok(Json(state.auth.profile(user.user_id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfile {
    nickname: Option<String>,
    current_password: Option<String>,
    new_password: Option<String>,
}

api_errors!(UpdateMeErrors = [ValidationFailed, Overloaded]);

/// Change your nickname or password
///
/// Changes the fields it names. A new password needs the current one.
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", request_body = UpdateProfile,
    security(("bearer" = [])),
    responses((status = 200, body = Profile),
        UpdateMeErrors,))]
pub async fn update_me(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<UpdateProfile>,
) -> ApiResult<Json<Profile>> {
    let nickname = body.nickname.as_deref().map(Nickname::parse).transpose()?;
    let password_change = match (body.current_password, body.new_password) {
        (None, None) => None,
        (Some(current), Some(new_password)) => Some((current, Password::parse(&new_password)?)),
        (None, Some(_)) => {
            return Err(
                Error::validation("current_password", "is required to set a new password").into(),
            )
        }
        (Some(_), None) => {
            return Err(
                Error::validation("new_password", "is required with current_password").into(),
            )
        }
    };
    Ok(Json(
        state
            .auth
            .update_profile(user.user_id, nickname, password_change)
            .await?,
    ))
}

/// Withdraw your account
///
/// A soft delete: tickets and the points ledger stay on record, every session ends,
/// open resale listings are cancelled, and the email can sign up again.
#[utoipa::path(delete, path = "/api/v1/users/me", tag = "users",
    security(("bearer" = [])),
    responses((status = 204, description = "account withdrawn"),))]
pub async fn withdraw(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<StatusCode> {
    marquee_core::withdrawal::withdraw(&state.pool, user.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Shows you like
///
/// The shows you liked, newest like first.
#[utoipa::path(get, path = "/api/v1/users/me/likes", tag = "users", params(Paging),
    security(("bearer" = [])),
    responses((status = 200, body = Page<ShowSummary>),))]
pub async fn my_likes(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<Page<ShowSummary>>> {
    let (limit, offset) = paging.resolve()?;
    let (items, total) = catalog::liked_shows(&state.pool, user.user_id, limit, offset).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}
