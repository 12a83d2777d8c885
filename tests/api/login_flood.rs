//! Login under attack: concurrent guesses, one address guessing across accounts, and
//! more logins at once than the process will hash.

use axum::http::{Method, StatusCode};
use marquee_api::AppState;
use serde_json::json;

use crate::harness::{send, TestApp, TestResponse};

async fn login_from(
    router: &axum::Router,
    email: &str,
    password: &str,
    address: &str,
) -> TestResponse {
    send(
        router,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
        &[("x-forwarded-for", address)],
    )
    .await
}

async fn signup(app: &TestApp, email: &str) {
    let created = app
        .post(
            "/api/v1/auth/signup",
            None,
            json!({"email": email, "password": "password123", "nickname": "뮤덕"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
}

fn count(answers: &[TestResponse], code: &str) -> usize {
    answers.iter().filter(|a| a.code() == code).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_concurrent_guesses_on_two_processes_check_at_most_ten_passwords() {
    let app = TestApp::with_config(&[
        ("CLIENT_IP_HEADER", "X-Forwarded-For"),
        ("PASSWORD_HASH_WAIT_MS", "60000"),
    ])
    .await;
    signup(&app, "target@example.com").await;
    let second_process = marquee_api::app(AppState::new(app.db.second_pool().await, &app.config));
    let guesses = (0..40).map(|i| {
        let router = if i % 2 == 0 {
            app.router.clone()
        } else {
            second_process.clone()
        };
        // Many addresses, so only the email's limit is in play.
        let address = format!("198.51.100.{i}");
        tokio::spawn(async move {
            login_from(
                &router,
                "target@example.com",
                &format!("guess-{i:04}"),
                &address,
            )
            .await
        })
    });
    let answers: Vec<TestResponse> = futures::future::join_all(guesses)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    assert_eq!(
        count(&answers, "INVALID_CREDENTIALS"),
        10,
        "passwords checked"
    );
    assert_eq!(count(&answers, "TOO_MANY_ATTEMPTS"), 30);
    let right_password = login_from(
        &app.router,
        "target@example.com",
        "password123",
        "192.0.2.1",
    )
    .await;
    assert_eq!(
        right_password.code(),
        "TOO_MANY_ATTEMPTS",
        "locked for the window"
    );
}

#[tokio::test]
async fn one_address_guessing_across_emails_is_stopped_and_others_are_not() {
    let app = TestApp::with_config(&[
        ("CLIENT_IP_HEADER", "X-Forwarded-For"),
        ("LOGIN_LIMIT_PER_ADDRESS", "5"),
    ])
    .await;
    signup(&app, "fan@example.com").await;

    let mut guesses = Vec::new();
    for i in 0..6 {
        guesses.push(
            login_from(
                &app.router,
                &format!("victim{i}@example.com"),
                "guess-guess",
                "203.0.113.9",
            )
            .await,
        );
    }
    let same_subscriber_v6 = login_from(
        &app.router,
        "fan@example.com",
        "password123",
        "2001:db8:1:2::5",
    )
    .await;
    let elsewhere = login_from(
        &app.router,
        "fan@example.com",
        "password123",
        "203.0.113.10",
    )
    .await;
    let from_the_address =
        login_from(&app.router, "fan@example.com", "password123", "203.0.113.9").await;

    assert_eq!(count(&guesses[..5], "INVALID_CREDENTIALS"), 5);
    assert_eq!(guesses[5].status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(guesses[5].code(), "TOO_MANY_ATTEMPTS");
    assert!(guesses[5].headers.contains_key("retry-after"));
    assert_eq!(same_subscriber_v6.status, StatusCode::OK);
    assert_eq!(elsewhere.status, StatusCode::OK);
    assert_eq!(
        from_the_address.code(),
        "TOO_MANY_ATTEMPTS",
        "even the right password"
    );
}

#[tokio::test]
async fn successful_logins_from_one_address_do_not_add_up_to_a_lock_out() {
    let app = TestApp::with_config(&[
        ("CLIENT_IP_HEADER", "X-Forwarded-For"),
        ("LOGIN_LIMIT_PER_ADDRESS", "3"),
    ])
    .await;
    for i in 0..6 {
        signup(&app, &format!("fan{i}@example.com")).await;
    }

    let mut answers = Vec::new();
    for i in 0..6 {
        // Six people behind one carrier address.
        answers.push(
            login_from(
                &app.router,
                &format!("fan{i}@example.com"),
                "password123",
                "100.64.0.1",
            )
            .await,
        );
    }

    assert!(
        answers.iter().all(|a| a.status == StatusCode::OK),
        "{answers:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logins_beyond_the_hashing_slots_wait_briefly_then_get_503_with_retry_after() {
    let app = TestApp::with_config(&[
        ("PASSWORD_HASH_CONCURRENCY", "1"),
        ("PASSWORD_HASH_WAIT_MS", "0"),
        ("LOGIN_LIMIT_PER_EMAIL", "1000"),
    ])
    .await;
    let logins = (0..8).map(|i| {
        let router = app.router.clone();
        tokio::spawn(async move {
            login_from(
                &router,
                &format!("nobody{i}@example.com"),
                "guess-guess",
                "192.0.2.7",
            )
            .await
        })
    });
    let answers: Vec<TestResponse> = futures::future::join_all(logins)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    let busy: Vec<&TestResponse> = answers
        .iter()
        .filter(|a| a.code() == "OVERLOADED")
        .collect();
    assert!(
        !busy.is_empty(),
        "one slot, no wait: eight at once cannot all hash"
    );
    assert!(count(&answers, "INVALID_CREDENTIALS") >= 1);
    assert_eq!(
        busy.len() + count(&answers, "INVALID_CREDENTIALS"),
        8,
        "{answers:?}"
    );
    for answer in busy {
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(answer.headers["retry-after"], "1");
    }
}

#[tokio::test]
async fn one_accounts_successes_buy_at_most_the_address_limit_in_extra_guesses() {
    let app = TestApp::with_config(&[
        ("CLIENT_IP_HEADER", "X-Forwarded-For"),
        ("LOGIN_LIMIT_PER_ADDRESS", "3"),
    ])
    .await;
    signup(&app, "attacker@example.com").await;

    // Alternate a success on the attacker's own account with a guess at a victim's.
    let mut guesses_checked = 0;
    for i in 0..10 {
        login_from(
            &app.router,
            "attacker@example.com",
            "password123",
            "198.51.100.77",
        )
        .await;
        let guess = login_from(
            &app.router,
            &format!("victim{i}@example.com"),
            "guess-guess",
            "198.51.100.77",
        )
        .await;
        if guess.code() == "INVALID_CREDENTIALS" {
            guesses_checked += 1;
        }
    }

    // Three attempts, plus three given back by successes, at most.
    assert!(
        guesses_checked <= 6,
        "{guesses_checked} guesses were checked"
    );
    assert!(
        guesses_checked >= 3,
        "the limit still lets a few through: {guesses_checked}"
    );
}
