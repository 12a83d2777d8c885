//! Signing up, in and out in a browser, through the real router: the session cookie,
//! its CSRF token, and that whatever ends a login session ends the browser's too.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::browser::{csrf_of, sign_up, text, Browser};
use crate::harness::TestApp;

#[tokio::test]
async fn signing_up_signs_the_browser_in_with_an_http_only_cookie() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    assert!(browser.cookies.contains_key("marquee_session"));

    let me = browser.get("/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(text(&me).contains("공연덕후") && text(&me).contains("fan@example.kr"));
    assert_eq!(
        me.headers["cache-control"], "no-store",
        "nobody else's cache keeps it"
    );
    // The page holds no secret of the session: only the CSRF token derived from it.
    let secret = &browser.cookies["marquee_session"];
    assert!(!text(&me).contains(secret.as_str()));

    // The JSON API knows the browser by the same cookie.
    let profile = browser.call(Method::GET, "/api/v1/users/me", None).await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(profile.body["email"], "fan@example.kr");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_secure_when_configured() {
    for (secure, expected) in [("false", false), ("true", true)] {
        let app = TestApp::with_config(&[("SECURE_COOKIES", secure)]).await;
        let mut browser = Browser::new(&app);
        let form = browser.get("/signup").await;
        let token = csrf_of(&form);
        let done = browser
            .submit(
                "/signup",
                &[
                    ("email", "cookie@example.kr"),
                    ("password", "correct horse battery"),
                    ("nickname", "쿠키"),
                    ("csrf_token", &token),
                ],
            )
            .await;
        let session = done
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|v| v.starts_with("marquee_session="))
            .expect("a session cookie");
        assert!(
            session.contains("HttpOnly") && session.contains("SameSite=Lax"),
            "{session}"
        );
        assert_eq!(session.contains("Secure"), expected, "{session}");
    }
}

#[tokio::test]
async fn a_form_without_its_token_or_from_another_origin_signs_nobody_in() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    let logout = browser.get("/me").await;
    let token = csrf_of(&logout);
    browser.submit("/logout", &[("csrf_token", &token)]).await;
    assert!(!browser.cookies.contains_key("marquee_session"));

    let form = browser.get("/login").await;
    let token = csrf_of(&form);
    let fields = [
        ("email", "fan@example.kr"),
        ("password", "correct horse battery"),
    ];

    let forged = browser.submit("/login", &fields).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let wrong = [fields[0], fields[1], ("csrf_token", "not-the-token")];
    assert_eq!(
        browser.submit("/login", &wrong).await.status,
        StatusCode::FORBIDDEN
    );

    let with_token = [fields[0], fields[1], ("csrf_token", token.as_str())];
    let body = serde_urlencoded::to_string(with_token).unwrap();
    let elsewhere = browser
        .request(
            Method::POST,
            "/login",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("origin", "http://evil.example"),
            ],
            Body::from(body),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    assert!(!browser.cookies.contains_key("marquee_session"));

    let fine = browser.submit("/login", &with_token).await;
    assert_eq!(fine.status, StatusCode::SEE_OTHER);
    assert!(browser.cookies.contains_key("marquee_session"));
}

#[tokio::test]
async fn a_wrong_password_is_a_401_page_that_keeps_the_email() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    let mut stranger = Browser::new(&app);
    let form = stranger.get("/login?next=/shows/1").await;
    let token = csrf_of(&form);
    let wrong = stranger
        .submit(
            "/login",
            &[
                ("email", "fan@example.kr"),
                ("password", "not the password"),
                ("csrf_token", &token),
                ("next", "/shows/1"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(text(&wrong).contains("이메일 또는 비밀번호가 맞지 않아요"));
    assert!(text(&wrong).contains(r#"value="fan@example.kr""#));
    assert!(text(&wrong).contains(r#"name="next" value="/shows/1""#));
    assert!(!stranger.cookies.contains_key("marquee_session"));
}

#[tokio::test]
async fn after_login_the_browser_goes_only_to_a_page_of_this_site() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    let me = browser.get("/me").await;
    browser
        .submit("/logout", &[("csrf_token", &csrf_of(&me))])
        .await;
    let form = browser.get("/login").await;
    let token = csrf_of(&form);
    let login = browser
        .submit(
            "/login",
            &[
                ("email", "FAN@example.kr"),
                ("password", "correct horse battery"),
                ("csrf_token", &token),
                ("next", "//evil.example/steal"),
            ],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.headers["location"], "/");
}

#[tokio::test]
async fn my_page_sends_a_stranger_to_log_in_and_back() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let me = browser.get("/me").await;
    assert_eq!(me.status, StatusCode::SEE_OTHER);
    assert_eq!(me.headers["location"], "/login?next=%2Fme");
    let form = browser.get("/login?next=%2Fme").await;
    assert!(text(&form).contains(r#"name="next" value="/me""#));
}

#[tokio::test]
async fn a_scripts_change_with_the_cookie_needs_the_csrf_header() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    let token = csrf_of(&browser.get("/me").await);
    let like = format!("/api/v1/shows/{}/like", show.show_id);

    let bare = browser.call(Method::POST, &like, None).await;
    assert_eq!(
        (bare.status, bare.code()),
        (StatusCode::UNAUTHORIZED, "CSRF_TOKEN_INVALID")
    );
    let other = browser
        .call(Method::POST, &like, Some("someone-elses-token"))
        .await;
    assert_eq!(other.code(), "CSRF_TOKEN_INVALID");
    let liked: i64 = sqlx::query_scalar("select count(*) from likes")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(liked, 0, "a refused change changes nothing");

    let fine = browser.call(Method::POST, &like, Some(&token)).await;
    assert!(fine.status.is_success(), "{:?}", fine);
    let liked: i64 = sqlx::query_scalar("select count(*) from likes")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(liked, 1);
}

#[tokio::test]
async fn logout_ends_the_cookie_everywhere_at_once() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    let stolen = browser.cookies["marquee_session"].clone();
    let token = csrf_of(&browser.get("/me").await);
    let out = browser.submit("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!browser.cookies.contains_key("marquee_session"));

    // A copy of the cookie kept elsewhere no longer works either.
    let mut thief = Browser::new(&app);
    thief.cookies.insert("marquee_session".into(), stolen);
    assert_eq!(thief.get("/me").await.status, StatusCode::SEE_OTHER);
    let api = thief.call(Method::GET, "/api/v1/users/me", None).await;
    assert_eq!(
        (api.status, api.code()),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
    );
}

#[tokio::test]
async fn withdrawing_through_the_api_cuts_the_browser_off() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "fan@example.kr", "password": "correct horse battery"}),
        )
        .await;
    let token = login.body["access_token"].as_str().unwrap().to_string();
    let gone = app
        .send(Method::DELETE, "/api/v1/users/me", Some(&token), None)
        .await;
    assert!(gone.status.is_success(), "{:?}", gone);
    assert_eq!(browser.get("/me").await.status, StatusCode::SEE_OTHER);
    let api = browser.call(Method::GET, "/api/v1/users/me", None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_cookie_stops_working_when_it_expires() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    sqlx::query("update auth_sessions set cookie_expires_at = now(6) - interval 1 second")
        .execute(app.pool())
        .await
        .unwrap();
    assert_eq!(browser.get("/me").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_session_answer_tells_a_cached_pages_script_who_is_signed_in() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let out = browser.get("/session").await;
    assert_eq!(out.body, json!({"signed_in": false, "csrf_token": null}));
    assert_eq!(out.headers["cache-control"], "no-store");
    sign_up(&mut browser, "fan@example.kr").await;
    let token = csrf_of(&browser.get("/me").await);
    let signed_in = browser.get("/session").await;
    assert_eq!(
        signed_in.body,
        json!({"signed_in": true, "csrf_token": token})
    );
}
