//! Social login in the browser: "카카오로 시작하기" and the others lead to
//! `/auth/{provider}`, which keeps the request (its PKCE verifier, found by the digest
//! of its state) in the database, binds the state to this browser with a short-lived
//! HttpOnly cookie, and sends the browser to the provider. The provider sends it back
//! to `/auth/{provider}/callback`: the state must be the one this browser was given,
//! the request is taken once, the code is exchanged with the verifier, and the
//! identity's account (created on first login) is signed in with the session cookie.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{HOST, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use marquee_core::accounts::repo;
use marquee_core::accounts::social::{new_state, pkce_pair, SocialClient};
use marquee_core::accounts::tokens::refresh_token_digest;
use marquee_core::Error;
use serde::Deserialize;

use super::visitor::{local_path, signed_in, STATE_COOKIE};
use crate::plumbing::browser;
use crate::plumbing::html::{message_page, PageError};
use crate::plumbing::state::AppState;

/// How long a person may take at the provider's consent page.
const REQUEST_TTL: std::time::Duration = std::time::Duration::from_secs(600);

/// Where the provider sends the browser back: from `SITE_URL`, or the origin the
/// browser asked for (the provider only accepts a registered one either way).
fn redirect_uri(state: &AppState, headers: &HeaderMap, key: &str) -> String {
    let origin = match &state.site_url {
        Some(site) => site.to_string(),
        None => {
            let host = headers
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1");
            let scheme = if state.secure_cookies {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{host}")
        }
    };
    format!("{origin}/auth/{key}/callback")
}

#[derive(Deserialize, Default)]
pub struct StartQuery {
    next: Option<String>,
}

pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    key: Result<Path<String>, PathRejection>,
    query: Result<Query<StartQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let key = key.map(|Path(k)| k).unwrap_or_default();
    let provider = state.social_provider(&key)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let next = local_path(query.next.as_deref());
    let request_state = new_state();
    let (verifier, challenge) = pkce_pair();
    let expires_at = chrono::Utc::now() + REQUEST_TTL;
    repo::insert_oauth_request(
        &state.pool,
        &refresh_token_digest(&request_state),
        provider.kind.key(),
        &verifier,
        next,
        expires_at,
    )
    .await?;
    let uri = redirect_uri(&state, &headers, &key);
    let to = SocialClient::authorization_url(provider, &uri, &request_state, &challenge);
    let mut response = see_other_anywhere(to.as_str());
    response.headers_mut().append(
        SET_COOKIE,
        browser::set_cookie(
            STATE_COOKIE,
            &request_state,
            REQUEST_TTL,
            state.secure_cookies,
        ),
    );
    Ok(response)
}

/// A 303 to the provider (not a local path, so not `see_other`).
fn see_other_anywhere(location: &str) -> Response {
    use axum::response::IntoResponse;
    (
        StatusCode::SEE_OTHER,
        [(axum::http::header::LOCATION, location.to_string())],
    )
        .into_response()
}

#[derive(Deserialize, Default)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// The provider's refusal (`access_denied`: the person said no).
    error: Option<String>,
}

fn failed(message: &'static str) -> Response {
    message_page(StatusCode::UNAUTHORIZED, "로그인하지 못했어요", message)
}

pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    key: Result<Path<String>, PathRejection>,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let key = key.map(|Path(k)| k).unwrap_or_default();
    let provider = state.social_provider(&key)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    if query.error.is_some() {
        return Ok(failed("로그인을 취소했어요. 다시 시도해 주세요."));
    }
    let (Some(code), Some(given)) = (query.code, query.state) else {
        return Ok(failed("로그인 요청이 올바르지 않아요. 다시 시도해 주세요."));
    };
    // The state must be the one this browser was sent off with: another browser's
    // callback (login CSRF) does not sign this one in.
    let ours = browser::cookie(&headers, STATE_COOKIE);
    if ours.is_none_or(|ours| ours.as_bytes() != given.as_bytes()) {
        return Ok(failed("로그인 요청이 만료되었어요. 다시 시도해 주세요."));
    }
    let Some((verifier, next)) = repo::take_oauth_request(
        &state.pool,
        &refresh_token_digest(&given),
        provider.kind.key(),
    )
    .await?
    else {
        return Ok(failed("로그인 요청이 만료되었어요. 다시 시도해 주세요."));
    };
    let uri = redirect_uri(&state, &headers, &key);
    let profile = match state
        .social_client
        .profile(provider, &code, &verifier, &uri)
        .await
    {
        Ok(profile) => profile,
        Err(Error::SocialLoginFailed) => {
            return Ok(failed("로그인을 확인하지 못했어요. 다시 시도해 주세요."))
        }
        Err(err) => return Err(err.into()),
    };
    let user_id = state.auth.social_account(provider.kind, &profile).await?;
    let session = state.auth.open_browser_session(user_id).await?;
    Ok(signed_in(&state, &session, local_path(Some(&next))))
}
