//! Who is visiting a page: the session cookie read into a signed-in visitor, the way to
//! the login page and back for a page that needs one, and the answer that signs a
//! browser in (the login form's and the social login's).

use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use marquee_core::accounts::service::AuthUser;
use marquee_core::Error;

use crate::plumbing::browser::{self, CSRF_COOKIE, SESSION_COOKIE};
use crate::plumbing::state::AppState;

/// The social login's state cookie: set when a browser leaves for its provider, cleared
/// when it signs in.
pub const STATE_COOKIE: &str = "marquee_oauth_state";

/// Where to go after signing in: a path on this site only, so a crafted link cannot
/// send a person elsewhere (`//evil.example`, `/\evil.example` are not paths here).
pub fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.len() <= 2_000
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/",
    }
}

/// A 303 to `location` (a local path).
pub fn see_other(location: &str) -> Response {
    let location = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}

/// The signed-in visitor, if the session cookie names a live session, with the cookie's
/// secret (which the page's forms are bound to).
pub async fn visitor(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(AuthUser, String)>, Error> {
    let Some(secret) = browser::cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    match state.auth.authenticate_browser(secret).await {
        Ok(user) => Ok(Some((user, secret.to_string()))),
        Err(Error::Unauthenticated) => Ok(None),
        Err(err) => Err(err),
    }
}

/// A signed-in page's visitor, or the way to the login page and back.
pub async fn require_visitor(
    state: &AppState,
    headers: &HeaderMap,
    here: &str,
) -> Result<Result<(AuthUser, String), Response>, Error> {
    Ok(match visitor(state, headers).await? {
        Some(found) => Ok(found),
        None => Err(see_other(&format!("/login?next={}", urlencode(here)))),
    })
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|pair| pair[1..].to_string())
        .unwrap_or_default()
}

/// An answer that signs the browser in with `session` and goes to `next`, forgetting
/// the pre-sign-in CSRF cookie (and a social login's state cookie).
pub fn signed_in(
    state: &AppState,
    session: &marquee_core::accounts::BrowserSession,
    next: &str,
) -> Response {
    let mut response = see_other(next);
    let headers = response.headers_mut();
    headers.append(
        SET_COOKIE,
        browser::set_cookie(
            SESSION_COOKIE,
            &session.secret,
            session.max_age,
            state.secure_cookies,
        ),
    );
    for cookie in [CSRF_COOKIE, STATE_COOKIE] {
        headers.append(
            SET_COOKIE,
            browser::clear_cookie(cookie, state.secure_cookies),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/me")), "/me");
        assert_eq!(local_path(Some("/shows/7?x=1")), "/shows/7?x=1");
        for outside in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "me",
            "/a\nb",
        ] {
            assert_eq!(local_path(Some(outside)), "/", "{outside}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn next_paths_are_encoded_into_the_login_link() {
        assert_eq!(
            urlencode("/shows/7?a=1&b=2"),
            "%2Fshows%2F7%3Fa%3D1%26b%3D2"
        );
    }
}
