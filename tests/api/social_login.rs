//! Social login against a local OAuth/OIDC provider (`oauth_double`), through the full
//! flow: the site's redirect with state and PKCE, the provider's consent and redirect
//! back, the callback's checks, and the API's flow for apps. Never by calling the
//! account code directly.

use axum::http::StatusCode;
use marquee_core::accounts::social::pkce_pair;
use serde_json::json;

use crate::browser::{text, Browser};
use crate::harness::TestApp;
use crate::oauth_double::{OAuthDouble, Person};

async fn app_with(double: &OAuthDouble) -> TestApp {
    let settings = double.settings();
    let vars: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::with_config(&vars).await
}

fn person(subject: &str, email: Option<&str>) -> Person {
    Person {
        subject: subject.into(),
        email: email.map(Into::into),
        verified: true,
        name: Some("구글관객".into()),
    }
}

/// Follows the site's redirect to the provider and the provider's back; answers the
/// callback path the browser is sent to.
async fn consent(browser: &mut Browser<'_>, next: &str) -> String {
    let start = browser.get(&format!("/auth/google?next={next}")).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{:?}", start.body);
    let to_provider = start.headers["location"].to_str().unwrap().to_string();
    let url = reqwest::Url::parse(&to_provider).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(
        query["redirect_uri"],
        "http://marquee.test/auth/google/callback"
    );
    assert!(query["state"].len() >= 32 && query["code_challenge"].len() == 43);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = client.get(url).send().await.unwrap();
    assert_eq!(back.status(), 303, "{:?}", back.text().await);
    let back = back.headers()["location"].to_str().unwrap().to_string();
    back.strip_prefix("http://marquee.test")
        .unwrap()
        .to_string()
}

async fn users(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from users")
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_first_social_login_creates_the_account_and_the_next_signs_in_to_it() {
    let double = OAuthDouble::start().await;
    let app = app_with(&double).await;
    let mut browser = Browser::new(&app);
    let login = browser.get("/login?next=%2Fme").await;
    assert!(text(&login).contains(r#"href="/auth/google?next=/me">Google로 시작하기</a>"#));

    double.sign_in_as(person("google-sub-1", Some("fan@gmail.com")));
    let callback = consent(&mut browser, "%2Fme").await;
    let done = browser.get(&callback).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{:?}", done.body);
    assert_eq!(done.headers["location"], "/me");
    let me = browser.get("/me").await;
    assert!(text(&me).contains("구글관객") && text(&me).contains("fan@gmail.com"));
    let before = users(&app).await;

    // The same identity again, from another browser: the same account.
    let mut phone = Browser::new(&app);
    let callback = consent(&mut phone, "%2F").await;
    assert_eq!(phone.get(&callback).await.status, StatusCode::SEE_OTHER);
    assert_eq!(users(&app).await, before);
    assert!(text(&phone.get("/me").await).contains("fan@gmail.com"));

    // A social account has no password to log in with.
    let tried = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "fan@gmail.com", "password": "!social"}),
        )
        .await;
    assert_eq!(tried.code(), "INVALID_CREDENTIALS");
}

#[tokio::test]
async fn a_callback_is_taken_once_and_only_by_the_browser_that_started_it() {
    let double = OAuthDouble::start().await;
    let app = app_with(&double).await;
    double.sign_in_as(person("google-sub-2", None));
    let mut victim = Browser::new(&app);
    let callback = consent(&mut victim, "%2Fme").await;

    // Someone else's browser handed this callback (login CSRF) is not signed in.
    let mut other = Browser::new(&app);
    let forced = other.get(&callback).await;
    assert_eq!(forced.status, StatusCode::UNAUTHORIZED);
    assert!(!other.cookies.contains_key("marquee_session"));

    assert_eq!(victim.get(&callback).await.status, StatusCode::SEE_OTHER);
    assert!(victim.cookies.contains_key("marquee_session"));
    // The request is gone once answered: a replay signs nobody in.
    let mut replay = Browser::new(&app);
    replay.cookies = victim.cookies.clone();
    replay.cookies.remove("marquee_session");
    let again = replay.get(&callback).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert!(!replay.cookies.contains_key("marquee_session"));

    // No email from the provider: an address of our own that cannot receive mail.
    let email: String = sqlx::query_scalar("select email from users order by id desc limit 1")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert!(
        email.starts_with("google-") && email.ends_with("@social.marquee.invalid"),
        "{email}"
    );
}

#[tokio::test]
async fn a_social_login_never_takes_over_an_account_by_its_email() {
    let double = OAuthDouble::start().await;
    let app = app_with(&double).await;
    let signup = app
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"email": "taken@example.kr", "password": "correct horse battery", "nickname": "원래주인"}),
        )
        .await;
    assert_eq!(signup.status, StatusCode::CREATED);
    double.sign_in_as(person("google-sub-3", Some("taken@example.kr")));
    let mut browser = Browser::new(&app);
    let callback = consent(&mut browser, "%2Fme").await;
    assert_eq!(browser.get(&callback).await.status, StatusCode::SEE_OTHER);
    let me = browser.get("/me").await;
    assert!(!text(&me).contains("원래주인"));
    assert!(text(&me).contains("@social.marquee.invalid"));
}

#[tokio::test]
async fn an_email_the_provider_did_not_verify_is_not_taken_nor_made_admin() {
    let double = OAuthDouble::start().await;
    let app = app_with(&double).await;
    double.sign_in_as(Person {
        verified: false,
        ..person("google-sub-5", Some("boss@marquee.test"))
    });
    let mut browser = Browser::new(&app);
    let callback = consent(&mut browser, "%2Fme").await;
    assert_eq!(browser.get(&callback).await.status, StatusCode::SEE_OTHER);
    let me = browser.get("/me").await;
    assert!(
        !text(&me).contains("boss@marquee.test"),
        "an unverified email is not the account's"
    );
    assert!(text(&me).contains("@social.marquee.invalid"));

    // Nor can a social account that got an address be promoted by ADMIN_EMAIL.
    double.sign_in_as(person("google-sub-6", Some("owner@marquee.test")));
    let mut owner = Browser::new(&app);
    let callback = consent(&mut owner, "%2Fme").await;
    assert_eq!(owner.get(&callback).await.status, StatusCode::SEE_OTHER);
    let hash = marquee_core::accounts::Password::parse("new-admin-password")
        .unwrap()
        .hash()
        .unwrap();
    let promoted =
        marquee_core::accounts::repo::upsert_admin(app.pool(), "owner@marquee.test", &hash).await;
    assert!(promoted.is_err());
    let role: String =
        sqlx::query_scalar("select role from users where email = 'owner@marquee.test'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(role, "USER");
}

#[tokio::test]
async fn apps_exchange_their_own_code_and_verifier_for_tokens() {
    let double = OAuthDouble::start().await;
    let app = app_with(&double).await;
    double.sign_in_as(person("google-sub-4", Some("app@gmail.com")));
    let redirect = "kr.marquee.app:/oauth";
    let (verifier, challenge) = pkce_pair();

    let code = double.issue_code(&challenge, redirect);
    let (wrong, _) = pkce_pair();
    let refused = app
        .post(
            "/api/v1/auth/social/google",
            None,
            json!({"code": code, "code_verifier": wrong, "redirect_uri": redirect}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::UNAUTHORIZED, "SOCIAL_LOGIN_FAILED")
    );

    let code = double.issue_code(&challenge, redirect);
    let tokens = app
        .post(
            "/api/v1/auth/social/google",
            None,
            json!({"code": code, "code_verifier": verifier, "redirect_uri": redirect}),
        )
        .await;
    assert_eq!(tokens.status, StatusCode::OK, "{:?}", tokens.body);
    let access = tokens.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/users/me", Some(access)).await;
    assert_eq!(me.body["email"], "app@gmail.com");

    let unknown = app
        .post(
            "/api/v1/auth/social/kakao",
            None,
            json!({"code": "c", "code_verifier": verifier, "redirect_uri": redirect}),
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "SOCIAL_PROVIDER_NOT_FOUND")
    );
    let short = app
        .post(
            "/api/v1/auth/social/google",
            None,
            json!({"code": "c", "code_verifier": "short", "redirect_uri": redirect}),
        )
        .await;
    assert_eq!(short.code(), "VALIDATION_FAILED");
}
