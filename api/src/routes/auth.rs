//! Sign-up, login, token refresh and logout.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marquee_core::accounts::{Email, Nickname, Password, Profile, TokenPair};
use serde::Deserialize;

use crate::plumbing::codes::api_errors;
use crate::plumbing::error::ApiResult;
use crate::plumbing::extract::{ApiJson, ApiPath, ClientIp, CurrentUser};
use crate::plumbing::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    email: String,
    password: String,
    nickname: String,
}

api_errors!(SignupErrors = [EmailTaken, ValidationFailed, Overloaded]);

/// Create an account
///
/// Creates a USER account from an email (normalised to lower case; one active account
/// per email), a password of 8 to 128 characters and a nickname. Answers the profile;
/// log in to get tokens.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses((status = 201, description = "account created", body = Profile),
        SignupErrors,))]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    email: String,
    password: String,
}

api_errors!(LoginErrors = [TooManyAttempts, Overloaded, InvalidCredentials]);

/// Log in
///
/// Exchanges email and password for an access token (15 minutes) and a refresh token
/// (14 days) of a new session. Wrong passwords are throttled per email and per client
/// address; unknown emails are answered exactly like wrong passwords.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "access and refresh tokens", body = TokenPair),
        LoginErrors,))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(
        state
            .auth
            .login(&body.email, &body.password, address)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: String,
}

api_errors!(RefreshErrors = [InvalidRefreshToken]);

/// Rotate the refresh token
///
/// Trades a refresh token for a new access and refresh token pair in the same session.
/// Each refresh token works once; presenting a used one again revokes the whole
/// session, since it means the token was stolen.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, description = "rotated tokens; the old refresh token is spent", body = TokenPair),
        RefreshErrors,))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(state.auth.refresh(&body.refresh_token).await?))
}

/// Log out
///
/// Ends the session of the access token used: its access tokens and its refresh token
/// stop working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    security(("bearer" = [])),
    responses((status = 204, description = "session ended"),))]
pub async fn logout(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<StatusCode> {
    state.auth.logout(user).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SocialLoginRequest {
    /// The authorization code the provider sent to `redirect_uri`.
    code: String,
    /// The PKCE verifier whose S256 challenge the app sent with its authorization
    /// request (43 to 128 characters).
    code_verifier: String,
    /// The redirect URI the app used, exactly: the provider checks it against the code.
    redirect_uri: String,
}

api_errors!(
    SocialErrors = [
        SocialLoginFailed,
        SocialProviderNotFound,
        ValidationFailed,
        SocialProviderUnavailable
    ]
);

/// Log in with Kakao, Naver or Google
///
/// For apps: the app sends the person to the provider itself (authorization code with
/// PKCE S256 and its own `state`, which it checks), then hands the code, its verifier
/// and the redirect URI here. Marquee exchanges the code with the provider's client
/// secret, asks the provider who signed in, and answers tokens for the account linked
/// to that identity, creating it on first login. Browsers use `/auth/{provider}`.
#[utoipa::path(post, path = "/api/v1/auth/social/{provider}", tag = "auth",
    params(("provider" = String, Path, description = "kakao, naver or google, as configured (SOCIAL_LOGIN)")),
    request_body = SocialLoginRequest,
    responses((status = 200, description = "access and refresh tokens of the linked account", body = TokenPair),
        SocialErrors,))]
pub async fn social(
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<SocialLoginRequest>,
) -> ApiResult<Json<TokenPair>> {
    let provider = state.social_provider(&key)?;
    let field = |name: &'static str, value: &str, max: usize| {
        if value.is_empty() || value.len() > max {
            Err(marquee_core::Error::validation(
                name,
                format!("must be 1 to {max} bytes"),
            ))
        } else {
            Ok(())
        }
    };
    field("code", &body.code, 2_000)?;
    field("redirect_uri", &body.redirect_uri, 2_000)?;
    if !(43..=128).contains(&body.code_verifier.len()) {
        return Err(marquee_core::Error::validation(
            "code_verifier",
            "must be 43 to 128 characters (RFC 7636)",
        )
        .into());
    }
    let profile = state
        .social_client
        .profile(
            provider,
            &body.code,
            &body.code_verifier,
            &body.redirect_uri,
        )
        .await?;
    let user_id = state.auth.social_account(provider.kind, &profile).await?;
    Ok(Json(state.auth.social_tokens(user_id).await?))
}
