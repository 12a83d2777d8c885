//! Sign-up, login, token refresh and logout.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marquee_core::accounts::{Email, Nickname, Password, Profile, TokenPair};
use serde::Deserialize;

use crate::error::ApiResult;
use crate::extract::{ApiJson, CurrentUser};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    email: String,
    password: String,
    nickname: String,
}

pub async fn signup(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignupRequest>,
) -> ApiResult<(StatusCode, Json<Profile>)> {
    let email = Email::parse(&body.email)?;
    let password = Password::parse(&body.password)?;
    let nickname = Nickname::parse(&body.nickname)?;
    let profile = state.auth.signup(email, password, nickname).await?;
    Ok((StatusCode::CREATED, Json(profile)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    email: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(state.auth.login(&body.email, &body.password).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: String,
}

pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(state.auth.refresh(&body.refresh_token).await?))
}

/// Ends the session of the access token used; its refresh token stops working too.
pub async fn logout(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<StatusCode> {
    state.auth.logout(user).await?;
    Ok(StatusCode::NO_CONTENT)
}
