//! A browser for the page tests: a cookie jar over the real router, forms posted from
//! this origin, and scripts' JSON calls with the headers they add.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::harness::{send_raw, TestApp, TestResponse};

const HOST: &str = "marquee.test";
const ORIGIN: &str = "http://marquee.test";

/// A browser's cookie jar and the requests it makes: forms from this origin, scripts'
/// JSON calls with whatever headers they add.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            cookies: BTreeMap::new(),
        }
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", HOST);
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header("cookie", jar.join("; "));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = send_raw(&self.app.router, request.body(body).unwrap()).await;
        for set in response.headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        response
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.request(Method::GET, path, &[], Body::empty()).await
    }

    /// Posts a form from a page of this site.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.request(
            Method::POST,
            path,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("origin", ORIGIN),
            ],
            Body::from(body),
        )
        .await
    }

    /// A script's JSON call with the cookie, and the CSRF header if given.
    pub async fn call(&mut self, method: Method, path: &str, csrf: Option<&str>) -> TestResponse {
        self.call_with(method, path, csrf, serde_json::json!({}))
            .await
    }

    /// A script's JSON call with `body`.
    pub async fn call_with(
        &mut self,
        method: Method,
        path: &str,
        csrf: Option<&str>,
        body: serde_json::Value,
    ) -> TestResponse {
        let mut headers = vec![("content-type", "application/json"), ("origin", ORIGIN)];
        if let Some(token) = csrf {
            headers.push(("x-csrf-token", token));
        }
        self.request(method, path, &headers, Body::from(body.to_string()))
            .await
    }
}

pub fn text(page: &TestResponse) -> &str {
    page.body.as_str().unwrap_or("")
}

/// The CSRF token a page's form carries.
pub fn csrf_of(page: &TestResponse) -> String {
    let html = text(page);
    let start = html
        .find(r#"name="csrf_token" value=""#)
        .expect("a form with a CSRF token")
        + r#"name="csrf_token" value=""#.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Signs a new account up through the form; the browser ends up signed in.
pub async fn sign_up(browser: &mut Browser<'_>, email: &str) {
    let form = browser.get("/signup").await;
    assert_eq!(form.status, StatusCode::OK);
    let token = csrf_of(&form);
    let done = browser
        .submit(
            "/signup",
            &[
                ("email", email),
                ("password", "correct horse battery"),
                ("nickname", "공연덕후"),
                ("csrf_token", &token),
                ("next", "/me"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{:?}", done.body);
    assert_eq!(done.headers["location"], "/me");
}
