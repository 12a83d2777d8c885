//! How a browser is signed in and how its changes are told from forgeries.
//!
//! A browser holds one HttpOnly cookie, `marquee_session`, whose secret names a login
//! session in the database (`AuthService::authenticate_browser`): scripts cannot read
//! it, and logout, refresh-token reuse and withdrawal end it exactly as they end an
//! access token. `SameSite=Lax` keeps it off other sites' background requests while a
//! link from a chat app still arrives signed in.
//!
//! Every state-changing request that a cookie authenticates must also carry the CSRF
//! token derived from that cookie (`tokens::csrf_token`): in the `csrf_token` field of
//! a form, or the `X-CSRF-Token` header of a script's request to the JSON API. Before
//! sign-in, forms (log in, sign up) are bound the same way to a second random cookie,
//! `marquee_csrf`. Requests that announce another origin (`Sec-Fetch-Site` other than
//! `same-origin`, or an `Origin` of another site) are refused whatever they carry.

use std::time::Duration;

use axum::http::header::{COOKIE, HOST, ORIGIN};
use axum::http::{HeaderMap, HeaderValue, Method};
use marquee_core::accounts::tokens::{csrf_matches, csrf_token, new_refresh_token};

use super::codes::Code;
use super::error::ApiError;

pub const SESSION_COOKIE: &str = "marquee_session";
/// Binds the forms shown before sign-in; a session's forms are bound to the session.
pub const CSRF_COOKIE: &str = "marquee_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long the pre-sign-in CSRF cookie lasts: long enough to fill in a form.
const CSRF_COOKIE_AGE: Duration = Duration::from_secs(12 * 3600);

/// The value of cookie `name` in the request (the first, where several are sent).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value for an HttpOnly, SameSite=Lax cookie over the whole site.
pub fn set_cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Max-Age={}; Path=/; HttpOnly; SameSite=Lax{secure}",
        max_age.as_secs()
    ))
    .expect("cookie names and base64url values are header-safe")
}

/// A `Set-Cookie` value that deletes cookie `name`.
pub fn clear_cookie(name: &str, secure: bool) -> HeaderValue {
    set_cookie(name, "", Duration::ZERO, secure)
}

/// Whether a request of this method changes nothing (and so needs no CSRF token).
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// False when the request says it comes from a page of another origin. Browsers send
/// `Sec-Fetch-Site` on every request, and it is the one to trust: under the site's
/// `Referrer-Policy: no-referrer` a same-origin form's `Origin` is `null`. Older
/// browsers send only `Origin`. A client that sends neither is not a browser being
/// abused.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    match (headers.get(ORIGIN), headers.get(HOST)) {
        (Some(origin), Some(host)) => origin
            .to_str()
            .ok()
            .and_then(|origin| origin.split_once("://"))
            .is_some_and(|(_, authority)| authority.as_bytes() == host.as_bytes()),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// Refusal of a cookie-authenticated change without its CSRF token. A 401: without
/// the token the cookie does not count as credentials for a change.
pub fn csrf_refused() -> ApiError {
    ApiError::request(
        Code::CsrfTokenInvalid,
        "a change made with the session cookie needs the X-CSRF-Token header of the same session",
    )
}

/// Whether a cookie-authenticated request may go ahead: safe methods always; changes
/// from this origin with the CSRF token of `secret`.
pub fn allows(method: &Method, headers: &HeaderMap, secret: &str, given: Option<&str>) -> bool {
    is_safe(method) || (same_origin(headers) && given.is_some_and(|t| csrf_matches(secret, t)))
}

/// What a page's forms are bound to: the session when signed in, otherwise the
/// pre-sign-in cookie (made here when the browser has none yet, to be set with the
/// page).
pub struct FormBinding {
    pub token: String,
    pub new_cookie: Option<HeaderValue>,
}

impl FormBinding {
    pub fn for_request(headers: &HeaderMap, secure: bool) -> FormBinding {
        if let Some(secret) = cookie(headers, SESSION_COOKIE).or(cookie(headers, CSRF_COOKIE)) {
            return FormBinding {
                token: csrf_token(secret),
                new_cookie: None,
            };
        }
        let (secret, _) = new_refresh_token();
        FormBinding {
            token: csrf_token(&secret),
            new_cookie: Some(set_cookie(CSRF_COOKIE, &secret, CSRF_COOKIE_AGE, secure)),
        }
    }
}

/// Whether a form posted before sign-in carries the token of this browser's CSRF
/// cookie and comes from this origin.
pub fn form_allowed(headers: &HeaderMap, given: &str) -> bool {
    let secret = cookie(headers, SESSION_COOKIE).or(cookie(headers, CSRF_COOKIE));
    same_origin(headers) && secret.is_some_and(|secret| csrf_matches(secret, given))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn reads_a_cookie_among_others_byte_for_byte() {
        let h = headers(&[("cookie", "a=1; marquee_session=abc; b=2")]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "Marquee_session"), None);
        assert_eq!(
            cookie(&headers(&[("cookie", "marquee_session=")]), SESSION_COOKIE),
            None
        );
    }

    #[test]
    fn another_origin_is_refused() {
        let host = ("host", "127.0.0.1:8080");
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:9999")
        ])));
        assert!(!same_origin(&headers(&[host, ("origin", "null")])));
        assert!(!same_origin(&headers(&[
            host,
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("sec-fetch-site", "same-site")
        ])));
        let null_origin = ("origin", "null");
        assert!(same_origin(&headers(&[
            host,
            null_origin,
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(same_origin(&headers(&[host])));
    }

    #[test]
    fn a_change_needs_the_token_of_its_own_cookie() {
        let h = headers(&[("host", "x"), ("origin", "http://x")]);
        let token = csrf_token("secret");
        assert!(allows(&Method::POST, &h, "secret", Some(&token)));
        assert!(!allows(&Method::POST, &h, "other", Some(&token)));
        assert!(!allows(&Method::DELETE, &h, "secret", None));
        assert!(allows(&Method::GET, &h, "secret", None));
    }

    #[test]
    fn cookies_are_http_only_and_lax() {
        let value = set_cookie(SESSION_COOKIE, "v", Duration::from_secs(60), true);
        assert_eq!(
            value.to_str().unwrap(),
            "marquee_session=v; Max-Age=60; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
    }
}
