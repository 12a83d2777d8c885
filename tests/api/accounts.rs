use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::TestApp;

async fn signup(app: &TestApp, email: &str) -> crate::harness::TestResponse {
    app.post(
        "/api/v1/auth/signup",
        None,
        json!({"email": email, "password": "password123", "nickname": "뮤덕"}),
    )
    .await
}

async fn login(app: &TestApp, email: &str, password: &str) -> crate::harness::TestResponse {
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": email, "password": password}),
    )
    .await
}

#[tokio::test]
async fn signup_creates_a_user_and_refuses_the_same_email_in_other_case() {
    let app = TestApp::spawn().await;

    let created = signup(&app, "Kim@Example.com").await;
    let again = signup(&app, "kim@example.COM").await;

    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["email"], "kim@example.com");
    assert_eq!(created.body["role"], "USER");
    assert!(created.body.get("password_hash").is_none());
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "EMAIL_TAKEN");
}

#[tokio::test]
async fn signup_rejects_invalid_fields_with_the_field_named() {
    let app = TestApp::spawn().await;

    let bad_email = app
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"email": "nope", "password": "password123", "nickname": "a"}),
        )
        .await;
    let short_password = app
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"email": "a@b.co", "password": "short", "nickname": "a"}),
        )
        .await;
    let long_nickname = app
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"email": "a@b.co", "password": "password123", "nickname": "가".repeat(41)}),
        )
        .await;

    for (response, field) in [
        (bad_email, "email"),
        (short_password, "password"),
        (long_nickname, "nickname"),
    ] {
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.code(), "VALIDATION_FAILED");
        assert_eq!(response.body["error"]["field"], field);
    }
    let users: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(users, 0, "nothing half-written");
}

#[tokio::test]
async fn login_gives_tokens_that_open_the_profile_and_wrong_password_is_401() {
    let app = TestApp::spawn().await;
    signup(&app, "lee@example.com").await;

    let ok = login(&app, "lee@example.com", "password123").await;
    let wrong = login(&app, "lee@example.com", "password124").await;
    let unknown = login(&app, "nobody@example.com", "password123").await;
    let me = app
        .get("/api/v1/users/me", ok.body["access_token"].as_str())
        .await;

    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["token_type"], "Bearer");
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["email"], "lee@example.com");
    assert_eq!(wrong.code(), "INVALID_CREDENTIALS");
    assert_eq!(unknown.code(), "INVALID_CREDENTIALS");
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refresh_rotates_and_reusing_a_rotated_token_revokes_the_session() {
    let app = TestApp::spawn().await;
    signup(&app, "park@example.com").await;
    let first = login(&app, "park@example.com", "password123").await;
    let first_refresh = first.body["refresh_token"].as_str().unwrap().to_string();

    let second = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first_refresh}),
        )
        .await;
    let second_refresh = second.body["refresh_token"].as_str().unwrap().to_string();
    let second_access = second.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(second.status, StatusCode::OK);
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(
        app.get("/api/v1/users/me", Some(&second_access))
            .await
            .status,
        StatusCode::OK
    );

    let replay = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first_refresh}),
        )
        .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(replay.code(), "INVALID_REFRESH_TOKEN");

    // The thief's replay ended the whole session: the legitimate newer tokens die too.
    let after = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": second_refresh}),
        )
        .await;
    assert_eq!(after.code(), "INVALID_REFRESH_TOKEN");
    assert_eq!(
        app.get("/api/v1/users/me", Some(&second_access))
            .await
            .code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn refresh_tokens_are_stored_only_as_digests() {
    let app = TestApp::spawn().await;
    signup(&app, "hash@example.com").await;
    let tokens = login(&app, "hash@example.com", "password123").await;
    let refresh = tokens.body["refresh_token"].as_str().unwrap();

    let stored: Vec<Vec<u8>> = sqlx::query_scalar("select token_hash from refresh_tokens")
        .fetch_all(app.pool())
        .await
        .unwrap();

    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].len(), 32);
    assert!(!stored[0]
        .windows(refresh.len().min(8))
        .any(|w| w == &refresh.as_bytes()[..8]));
}

#[tokio::test]
async fn logout_ends_the_session_for_access_and_refresh_tokens() {
    let app = TestApp::spawn().await;
    signup(&app, "choi@example.com").await;
    let tokens = login(&app, "choi@example.com", "password123").await;
    let access = tokens.body["access_token"].as_str().unwrap();
    let refresh = tokens.body["refresh_token"].as_str().unwrap();

    let out = app
        .send(Method::POST, "/api/v1/auth/logout", Some(access), None)
        .await;

    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/users/me", Some(access)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(refreshed.code(), "INVALID_REFRESH_TOKEN");
}

#[tokio::test]
async fn profile_update_changes_nickname_and_password_only_with_the_current_one() {
    let app = TestApp::spawn().await;
    signup(&app, "jung@example.com").await;
    let access = login(&app, "jung@example.com", "password123").await.body["access_token"]
        .as_str()
        .unwrap()
        .to_string();

    let renamed = app
        .send(
            Method::PATCH,
            "/api/v1/users/me",
            Some(&access),
            Some(json!({"nickname": "새이름"})),
        )
        .await;
    let wrong_current = app
        .send(
            Method::PATCH,
            "/api/v1/users/me",
            Some(&access),
            Some(json!({"current_password": "nope-nope", "new_password": "newpassword1"})),
        )
        .await;
    let changed = app
        .send(
            Method::PATCH,
            "/api/v1/users/me",
            Some(&access),
            Some(json!({"current_password": "password123", "new_password": "newpassword1"})),
        )
        .await;

    assert_eq!(renamed.body["nickname"], "새이름");
    assert_eq!(wrong_current.code(), "INVALID_CREDENTIALS");
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(
        login(&app, "jung@example.com", "password123").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "jung@example.com", "newpassword1").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn withdrawal_keeps_the_row_blocks_login_and_frees_the_email() {
    let app = TestApp::spawn().await;
    signup(&app, "kang@example.com").await;
    let access = login(&app, "kang@example.com", "password123").await.body["access_token"]
        .as_str()
        .unwrap()
        .to_string();

    let gone = app
        .send(Method::DELETE, "/api/v1/users/me", Some(&access), None)
        .await;

    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/users/me", Some(&access)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "kang@example.com", "password123").await.status,
        StatusCode::UNAUTHORIZED
    );
    let rows: i64 = sqlx::query_scalar(
        "select count(*) from users where email = 'kang@example.com' and deleted_at is not null",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(rows, 1, "the withdrawn row is kept");
    assert_eq!(
        signup(&app, "kang@example.com").await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn admin_bootstrap_creates_then_updates_the_admin() {
    let app = TestApp::spawn().await;
    let auth = marquee_core::accounts::AuthService::new(
        app.pool().clone(),
        marquee_core::accounts::tokens::TokenKeys::new(
            crate::harness::JWT_SECRET,
            std::time::Duration::from_secs(60),
            std::time::Duration::from_secs(60),
        ),
    );
    signup(&app, "boss@example.com").await;

    auth.bootstrap_admin("boss@example.com", "new-admin-pass")
        .await
        .unwrap();
    auth.bootstrap_admin("boss@example.com", "new-admin-pass")
        .await
        .unwrap();

    let admins: Vec<String> =
        sqlx::query_scalar("select role from users where email = 'boss@example.com'")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(admins, vec!["ADMIN".to_string()]);
    let tokens = login(&app, "boss@example.com", "new-admin-pass").await;
    assert_eq!(tokens.status, StatusCode::OK);
}

#[tokio::test]
async fn ten_failed_logins_lock_that_email_for_the_window_with_retry_after() {
    let app = TestApp::spawn().await;
    signup(&app, "target@example.com").await;
    signup(&app, "bystander@example.com").await;
    for _ in 0..10 {
        assert_eq!(
            login(&app, "Target@Example.com", "guess-guess")
                .await
                .code(),
            "INVALID_CREDENTIALS"
        );
    }

    let locked = login(&app, "target@example.com", "password123").await;
    let bystander = login(&app, "bystander@example.com", "password123").await;

    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.code(), "TOO_MANY_ATTEMPTS");
    let retry_after: u64 = locked.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(
        bystander.status,
        StatusCode::OK,
        "other emails are not affected"
    );

    // Once the window has passed, the right password works again.
    sqlx::query(
        "update login_attempts set window_started_at = current_timestamp(6) - interval 16 minute",
    )
    .execute(app.pool())
    .await
    .unwrap();
    assert_eq!(
        login(&app, "target@example.com", "password123")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_emails_are_throttled_like_real_ones_and_success_clears_the_count() {
    let app = TestApp::spawn().await;
    signup(&app, "real@example.com").await;
    for _ in 0..10 {
        login(&app, "ghost@example.com", "guess-guess").await;
    }
    for _ in 0..9 {
        login(&app, "real@example.com", "guess-guess").await;
    }

    let ghost = login(&app, "ghost@example.com", "guess-guess").await;
    let real = login(&app, "real@example.com", "password123").await;

    assert_eq!(
        ghost.code(),
        "TOO_MANY_ATTEMPTS",
        "no hint that the account does not exist"
    );
    assert_eq!(real.status, StatusCode::OK);
    let left: i64 =
        sqlx::query_scalar("select count(*) from login_attempts where scope = 'EMAIL' and subject = 'real@example.com'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(left, 0);
}
