//! Signing up, in and out in the browser: forms posted to the pages themselves, calling
//! the same `AuthService` as the JSON API, answered with the session cookie instead of
//! tokens (see `crate::plumbing::browser`). A token never reaches the page or a script.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use marquee_core::accounts::{Email, Nickname, Password};
use marquee_core::Error;
use serde::Deserialize;

use super::visitor::{local_path, see_other, signed_in, visitor};
use crate::plumbing::browser::{self, FormBinding, SESSION_COOKIE};
use crate::plumbing::error::retry_after;
use crate::plumbing::extract::ClientIp;
use crate::plumbing::html::html as html_with;
use crate::plumbing::html::PageError;
use crate::plumbing::state::AppState;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    csrf: &'a str,
    /// The configured social logins: the path key and the button's words.
    social: Vec<(&'static str, &'static str)>,
    next: &'a str,
    email: &'a str,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage<'a> {
    csrf: &'a str,
    social: Vec<(&'static str, &'static str)>,
    next: &'a str,
    email: &'a str,
    nickname: &'a str,
    error: Option<&'static str>,
}

fn social_buttons(state: &AppState) -> Vec<(&'static str, &'static str)> {
    state
        .social
        .iter()
        .map(|provider| (provider.kind.key(), provider.kind.label()))
        .collect()
}

/// The form pages set the pre-sign-in CSRF cookie their forms are bound to.
fn form_page(
    binding: &FormBinding,
    status: StatusCode,
    body: Result<Response, PageError>,
) -> Response {
    let mut response = match body {
        Ok(response) => response,
        Err(err) => return err.into_response(),
    };
    *response.status_mut() = status;
    if let Some(cookie) = &binding.new_cookie {
        response.headers_mut().append(SET_COOKIE, cookie.clone());
    }
    response
}

pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<NextQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let next = local_path(query.next.as_deref());
    if visitor(&state, &headers).await?.is_some() {
        return Ok(see_other(next));
    }
    let binding = FormBinding::for_request(&headers, state.secure_cookies);
    let page = LoginPage {
        social: social_buttons(&state),
        csrf: &binding.token,
        next,
        email: "",
        error: None,
    };
    Ok(form_page(&binding, StatusCode::OK, html_with(&page)))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    next: Option<String>,
}

/// A form drawn again with what was wrong: the status and Retry-After the JSON API
/// gives `error`.
fn refused_form(
    binding: &FormBinding,
    error: &Error,
    body: Result<Response, PageError>,
) -> Response {
    let (status, _) = crate::plumbing::error::status_and_code(error);
    let mut response = form_page(binding, status, body);
    if let Some(seconds) = retry_after(error) {
        response.headers_mut().insert(RETRY_AFTER, seconds.into());
    }
    response
}

/// A form that fails its CSRF check: the page was open too long, or another site
/// made the browser post it.
fn stale_form() -> Response {
    crate::plumbing::html::message_page(
        StatusCode::FORBIDDEN,
        "페이지가 만료되었어요",
        "페이지를 새로 고친 뒤 다시 시도해 주세요.",
    )
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Ok(Form(form)) = form else {
        return Ok(stale_form());
    };
    if !browser::form_allowed(&headers, &form.csrf_token) {
        return Ok(stale_form());
    }
    let next = local_path(form.next.as_deref());
    let error = match state
        .auth
        .login_browser(&form.email, &form.password, address)
        .await
    {
        Ok(session) => return Ok(signed_in(&state, &session, next)),
        Err(err) => err,
    };
    let message = match &error {
        Error::InvalidCredentials => "이메일 또는 비밀번호가 맞지 않아요.",
        Error::TooManyAttempts { .. } => "로그인 시도가 너무 많아요. 잠시 후 다시 시도해 주세요.",
        Error::Overloaded { .. } => "지금 요청이 많아요. 잠시 후 다시 시도해 주세요.",
        _ => return Err(error.into()),
    };
    let binding = FormBinding::for_request(&headers, state.secure_cookies);
    let page = LoginPage {
        social: social_buttons(&state),
        csrf: &binding.token,
        next,
        email: form.email.trim(),
        error: Some(message),
    };
    Ok(refused_form(&binding, &error, html_with(&page)))
}

pub async fn signup_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<NextQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let next = local_path(query.next.as_deref());
    if visitor(&state, &headers).await?.is_some() {
        return Ok(see_other(next));
    }
    let binding = FormBinding::for_request(&headers, state.secure_cookies);
    let page = SignupPage {
        social: social_buttons(&state),
        csrf: &binding.token,
        next,
        email: "",
        nickname: "",
        error: None,
    };
    Ok(form_page(&binding, StatusCode::OK, html_with(&page)))
}

#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    csrf_token: String,
    next: Option<String>,
}

/// Creates the account and signs the browser in with it.
pub async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<SignupForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Ok(Form(form)) = form else {
        return Ok(stale_form());
    };
    if !browser::form_allowed(&headers, &form.csrf_token) {
        return Ok(stale_form());
    }
    let next = local_path(form.next.as_deref());
    let created = async {
        let email = Email::parse(&form.email)?;
        let password = Password::parse(&form.password)?;
        let nickname = Nickname::parse(&form.nickname)?;
        let profile = state.auth.signup(email, password, nickname).await?;
        state.auth.open_browser_session(profile.id).await
    }
    .await;
    let error = match created {
        Ok(session) => return Ok(signed_in(&state, &session, next)),
        Err(err) => err,
    };
    let message = match &error {
        Error::Validation { field: "email", .. } => "이메일 주소를 확인해 주세요.",
        Error::Validation {
            field: "password", ..
        } => "비밀번호는 8자 이상 128자 이하로 정해 주세요.",
        Error::Validation {
            field: "nickname", ..
        } => "닉네임은 1자 이상 40자 이하로 정해 주세요.",
        Error::EmailTaken => "이미 가입된 이메일이에요. 로그인해 주세요.",
        Error::Overloaded { .. } => "지금 요청이 많아요. 잠시 후 다시 시도해 주세요.",
        _ => return Err(error.into()),
    };
    let binding = FormBinding::for_request(&headers, state.secure_cookies);
    let page = SignupPage {
        social: social_buttons(&state),
        csrf: &binding.token,
        next,
        email: form.email.trim(),
        nickname: form.nickname.trim(),
        error: Some(message),
    };
    Ok(refused_form(&binding, &error, html_with(&page)))
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

/// Ends the browser's login session (its cookie stops working everywhere at once) and
/// forgets the cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Ok(Form(form)) = form else {
        return Ok(stale_form());
    };
    if !browser::form_allowed(&headers, &form.csrf_token) {
        return Ok(stale_form());
    }
    if let Some((user, _)) = visitor(&state, &headers).await? {
        state.auth.logout(user).await?;
    }
    let mut response = see_other("/");
    response.headers_mut().append(
        SET_COOKIE,
        browser::clear_cookie(SESSION_COOKIE, state.secure_cookies),
    );
    Ok(response)
}

/// For the scripts of pages that are one cached copy for everyone (the show page):
/// whether this browser is signed in, and the CSRF token its changes need. Same-origin
/// scripts only can read it (CORS never allows credentials), and it is never cached.
pub async fn session(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let found = visitor(&state, &headers).await?;
    let body = serde_json::json!({
        "signed_in": found.is_some(),
        "csrf_token": found.map(|(_, secret)| marquee_core::accounts::tokens::csrf_token(&secret)),
    });
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response())
}
