//! Extractors whose rejections speak our error shape instead of axum's plain text.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use marquee_core::accounts::service::AuthUser;
use marquee_core::accounts::Caller;
use marquee_core::accounts::Role;
use marquee_core::catalog::model::DayRange;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::plumbing::browser;
use crate::plumbing::error::{ApiError, Rejection};
use crate::plumbing::state::AppState;

/// JSON body. Broken JSON is 400, JSON of the wrong shape 422, a missing content type
/// 415 and an oversized body 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// A JSON body that may be left out: no body at all is `T::default()`; a body given is
/// read as `ApiJson` reads it, with the same refusals. For requests that once took no
/// body and now take optional choices (a purchase's discount kinds), so clients that
/// send nothing keep working.
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let no_body = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() == b"0")
            || (!req.headers().contains_key(axum::http::header::CONTENT_TYPE)
                && !req
                    .headers()
                    .contains_key(axum::http::header::CONTENT_LENGTH)
                && !req
                    .headers()
                    .contains_key(axum::http::header::TRANSFER_ENCODING));
        if no_body {
            return Ok(OptionalJson(T::default()));
        }
        ApiJson::from_request(req, state)
            .await
            .map(|ApiJson(value)| OptionalJson(value))
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(err) => Rejection::InvalidBody.with(err.body_text()),
        JsonRejection::JsonSyntaxError(err) => Rejection::MalformedJson.with(err.body_text()),
        JsonRejection::MissingJsonContentType(_) => {
            Rejection::UnsupportedMediaType.with("expected content-type: application/json")
        }
        JsonRejection::BytesRejection(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Rejection::PayloadTooLarge.with("request body is too large")
        }
        other => Rejection::BadBody.with(other.body_text()),
    }
}

/// Path parameters; an id that is not a number names nothing, so it is a 404.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|rejection: PathRejection| Rejection::PathNotFound.with(rejection.body_text()))
    }
}

/// Query string; unparsable values are a 400 naming the problem.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| ApiQuery(value))
            .map_err(|rejection: QueryRejection| {
                Rejection::InvalidQuery.with(rejection.body_text())
            })
    }
}

/// `limit` (1-100, default 20) and `offset` (0-10,000) of a paged list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// The page size of every list, offset-paged or keyset-paged: 1 to 100, default 20.
pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(Rejection::InvalidQuery.with("limit must be 1 to 100"));
    }
    Ok(limit)
}

impl Paging {
    pub fn resolve(&self) -> Result<(u32, u32), ApiError> {
        let limit = page_limit(self.limit)?;
        let offset = self.offset.unwrap_or(0);
        if offset > 10_000 {
            return Err(Rejection::InvalidQuery.with("offset must be at most 10000"));
        }
        Ok((limit, offset))
    }
}

/// The `from`/`to` day filter of a list, refused as 400 INVALID_QUERY when it names a
/// day the catalog cannot represent.
pub fn day_range(
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<DayRange, ApiError> {
    DayRange::parse(from, to).map_err(|err| Rejection::InvalidQuery.with(err.to_string()))
}

/// The caller, from `Authorization: Bearer <access token>` or, for the site's own
/// scripts, the browser's session cookie (with its CSRF token on a change; see
/// `crate::plumbing::browser`). Either is checked against the database so logout and withdrawal
/// take effect at once.
pub struct CurrentUser(pub AuthUser);

impl<S> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        if let Some(token) = bearer(parts) {
            return Ok(CurrentUser(state.auth.authenticate(token).await?));
        }
        browser_session(parts, &state).await.map(CurrentUser)
    }
}

/// The caller for the handlers whose core operation confirms the session in a
/// statement of its own (a hold, a purchase; see `Caller`). A bearer token is checked
/// by signature and expiry only, which spares the busiest requests of an on-sale the
/// session look-up's round trip; logout and withdrawal still refuse the very next
/// request, since that operation reads the session before it changes anything. A
/// browser cookie names no user, so its session is looked up as for `CurrentUser`.
pub struct SignedCaller(pub Caller);

impl<S> FromRequestParts<S> for SignedCaller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        if let Some(token) = bearer(parts) {
            return Ok(SignedCaller(state.auth.unconfirmed_caller(token)?));
        }
        let user = browser_session(parts, &state).await?;
        Ok(SignedCaller(user.caller()))
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

/// The browser's session cookie, with its CSRF token on a change (see
/// `crate::plumbing::browser`), looked up in the database.
async fn browser_session(parts: &Parts, state: &AppState) -> Result<AuthUser, ApiError> {
    let secret = browser::cookie(&parts.headers, browser::SESSION_COOKIE)
        .ok_or(marquee_core::Error::Unauthenticated)?;
    let given = parts
        .headers
        .get(browser::CSRF_HEADER)
        .and_then(|value| value.to_str().ok());
    if !browser::allows(&parts.method, &parts.headers, secret, given) {
        return Err(browser::csrf_refused());
    }
    Ok(state.auth.authenticate_browser(secret).await?)
}

/// The client's address, for per-address rate limits. Behind a reverse proxy
/// (`CLIENT_IP_HEADER` set) it is the last address in that header: the one the proxy
/// itself appended, since anything before it was sent by the client and can be made
/// up. Otherwise the connection's peer address. None when neither is there (the
/// header is missing, or the router runs without connection info, as in tests).
pub struct ClientIp(pub Option<IpAddr>);

impl<S> FromRequestParts<S> for ClientIp
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let address = match &state.client_ip_header {
            Some(header) => parts
                .headers
                .get_all(header)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .next_back()
                .and_then(|last| last.trim().parse().ok()),
            None => parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| peer.ip()),
        };
        Ok(ClientIp(address))
    }
}

/// A signed-in admin; anyone else gets 403 (or 401 without a valid token).
pub struct Admin(pub AuthUser);

impl<S> FromRequestParts<S> for Admin
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if user.role != Role::Admin {
            return Err(marquee_core::Error::Forbidden.into());
        }
        Ok(Admin(user))
    }
}

/// The `Idempotency-Key` header, if sent. Its rules (length, characters) are checked in
/// core next to where it is stored; here only bytes that are not text are refused.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    headers
        .get("idempotency-key")
        .map(|value| {
            value
                .to_str()
                .map_err(|_| Rejection::InvalidHeader.with("Idempotency-Key must be ASCII"))
        })
        .transpose()
}
