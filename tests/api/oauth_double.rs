//! A local OAuth 2.0 / OpenID Connect provider for the social login tests, on a
//! loopback port of its own, as strict as a real one where it matters: the client id
//! and secret, the redirect URI the code was issued for, single-use codes, and the
//! PKCE S256 check of the verifier. Its userinfo answers in the OpenID Connect shape
//! (`sub`, `email`, `name`), as Google's does.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use marquee_core::accounts::social::pkce_challenge;
use serde_json::json;

pub const CLIENT_ID: &str = "marquee-test-client";
pub const CLIENT_SECRET: &str = "double-secret";

#[derive(Clone, Debug)]
pub struct Person {
    pub subject: String,
    pub email: Option<String>,
    /// What the provider says of the email (`email_verified`).
    pub verified: bool,
    pub name: Option<String>,
}

struct Issued {
    challenge: String,
    redirect_uri: String,
    person: Person,
}

#[derive(Default)]
struct Provider {
    signed_in: Option<Person>,
    codes: HashMap<String, Issued>,
    tokens: HashMap<String, Person>,
    counter: u64,
}

#[derive(Clone)]
pub struct OAuthDouble {
    state: Arc<Mutex<Provider>>,
    pub addr: SocketAddr,
}

impl OAuthDouble {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(Provider::default()));
        let app = Router::new()
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        OAuthDouble { state, addr }
    }

    /// Who the next consent signs in as.
    pub fn sign_in_as(&self, person: Person) {
        self.state.lock().unwrap().signed_in = Some(person);
    }

    /// The api's settings that point social login (as `google`) at this provider.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let base = format!("http://{}", self.addr);
        vec![
            ("SOCIAL_LOGIN", "google".into()),
            ("OAUTH_GOOGLE_CLIENT_ID", CLIENT_ID.into()),
            ("OAUTH_GOOGLE_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("OAUTH_GOOGLE_AUTHORIZE_URL", format!("{base}/authorize")),
            ("OAUTH_GOOGLE_TOKEN_URL", format!("{base}/token")),
            ("OAUTH_GOOGLE_USERINFO_URL", format!("{base}/userinfo")),
            ("SITE_URL", "http://marquee.test".into()),
        ]
    }

    /// Issues a code the way the consent page would, for an app's own request.
    pub fn issue_code(&self, challenge: &str, redirect_uri: &str) -> String {
        let mut provider = self.state.lock().unwrap();
        let person = provider.signed_in.clone().expect("sign_in_as first");
        provider.counter += 1;
        let code = format!("code-{}", provider.counter);
        provider.codes.insert(
            code.clone(),
            Issued {
                challenge: challenge.to_string(),
                redirect_uri: redirect_uri.to_string(),
                person,
            },
        );
        code
    }
}

type Shared = State<Arc<Mutex<Provider>>>;

/// The consent page, agreed to at once: back to the redirect URI with a code.
async fn authorize(State(state): Shared, Query(q): Query<HashMap<String, String>>) -> Response {
    let (Some(redirect), Some(request_state), Some(challenge)) = (
        q.get("redirect_uri"),
        q.get("state"),
        q.get("code_challenge"),
    ) else {
        return (
            StatusCode::BAD_REQUEST,
            "missing redirect_uri, state or code_challenge",
        )
            .into_response();
    };
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || q.get("response_type").map(String::as_str) != Some("code")
        || q.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        return (StatusCode::BAD_REQUEST, "unknown client or not code + S256").into_response();
    }
    let double = OAuthDouble {
        state: state.clone(),
        addr: "127.0.0.1:0".parse().unwrap(),
    };
    let code = double.issue_code(challenge, redirect);
    let back = reqwest::Url::parse_with_params(
        redirect,
        &[("code", code.as_str()), ("state", request_state)],
    )
    .unwrap();
    Redirect::to(back.as_str()).into_response()
}

async fn token(State(state): Shared, Form(form): Form<HashMap<String, String>>) -> Response {
    let refuse = || {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response()
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    if field("grant_type") != "authorization_code"
        || field("client_id") != CLIENT_ID
        || field("client_secret") != CLIENT_SECRET
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let mut provider = state.lock().unwrap();
    // Single use: a code is gone once presented, right or wrong.
    let Some(issued) = provider.codes.remove(field("code")) else {
        return refuse();
    };
    if issued.redirect_uri != field("redirect_uri")
        || pkce_challenge(field("code_verifier")) != issued.challenge
    {
        return refuse();
    }
    provider.counter += 1;
    let access = format!("access-{}", provider.counter);
    provider.tokens.insert(access.clone(), issued.person);
    Json(json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600}))
        .into_response()
}

async fn userinfo(State(state): Shared, headers: HeaderMap) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    match state.lock().unwrap().tokens.get(token) {
        Some(person) => Json(json!({"sub": person.subject, "email": person.email,
            "email_verified": person.verified, "name": person.name}))
        .into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}
