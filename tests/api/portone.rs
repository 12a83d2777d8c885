//! The PortOne V2 client against a local double of its API: real HTTP, real headers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::browser::{sign_up, text, Browser};
use crate::harness::TestApp;

const SECRET: &str = "portone-test-secret";

async fn payment(
    State(calls): State<Arc<AtomicUsize>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> (StatusCode, Json<Value>) {
    calls.fetch_add(1, Ordering::SeqCst);
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("PortOne {SECRET}"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"type": "UNAUTHORIZED"})),
        );
    }
    let paid = |total: i64, currency: &str| json!({"status": "PAID", "id": id, "currency": currency, "amount": {"total": total, "paid": total}});
    if let Some(customer) = id.strip_prefix("pay_for_") {
        // Paid by the site for the account `customer` (customer.customerId).
        let mut payment = paid(15_000, "KRW");
        payment["customer"] = json!({"id": customer});
        return (StatusCode::OK, Json(payment));
    }
    match id.as_str() {
        "pay_ok" => (StatusCode::OK, Json(paid(15_000, "KRW"))),
        "pay_usd" => (StatusCode::OK, Json(paid(15_000, "USD"))),
        "pay_ready" => (
            StatusCode::OK,
            Json(json!({"status": "READY", "id": id, "amount": {"total": 15_000}})),
        ),
        "pay_broken" => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({}))),
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({"type": "PAYMENT_NOT_FOUND"})),
        ),
    }
}

async fn portone_double() -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .route("/payments/{id}", get(payment))
        .with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), calls)
}

async fn app_with_portone(base: &str, secret: &str) -> TestApp {
    TestApp::with_config(&[
        ("PAYMENT_GATEWAY", "portone"),
        ("PORTONE_API_BASE", base),
        ("PORTONE_API_SECRET", secret),
    ])
    .await
}

#[tokio::test]
async fn a_paid_payment_of_the_right_amount_is_credited_once() {
    let (base, calls) = portone_double().await;
    let app = app_with_portone(&base, SECRET).await;
    let user = app.user("fan@example.com").await;

    let charged = app
        .post(
            "/api/v1/points/charges",
            Some(&user.token),
            json!({"payment_id": "pay_ok", "amount": 15_000}),
        )
        .await;
    let again = app
        .post(
            "/api/v1/points/charges",
            Some(&user.token),
            json!({"payment_id": "pay_ok", "amount": 15_000}),
        )
        .await;

    assert_eq!(charged.status, StatusCode::CREATED, "{:?}", charged.body);
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(app.balance(&user).await, 15_000);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "a known payment is not looked up again"
    );
    let gateway: String = sqlx::query_scalar("select gateway from point_charges")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(gateway, "portone");
}

#[tokio::test]
async fn unpaid_mismatched_foreign_or_unknown_payments_credit_nothing() {
    let (base, _) = portone_double().await;
    let app = app_with_portone(&base, SECRET).await;
    let user = app.user("fan@example.com").await;

    for (payment_id, amount) in [
        ("pay_ok", 20_000),
        ("pay_ready", 15_000),
        ("pay_usd", 15_000),
        ("pay_missing", 15_000),
    ] {
        let response = app
            .post(
                "/api/v1/points/charges",
                Some(&user.token),
                json!({"payment_id": payment_id, "amount": amount}),
            )
            .await;
        assert_eq!(
            response.code(),
            "PAYMENT_NOT_CONFIRMED",
            "{payment_id}: {:?}",
            response.body
        );
    }
    assert_eq!(app.balance(&user).await, 0);
}

#[tokio::test]
async fn a_payment_made_for_one_account_funds_no_other() {
    let (base, _) = portone_double().await;
    let app = app_with_portone(&base, SECRET).await;
    let payer = app.user("payer@example.com").await;
    let finder = app.user("finder@example.com").await;
    let payment_id = format!("pay_for_{}", payer.id);
    let body = json!({"payment_id": payment_id, "amount": 15_000});
    let charges = "/api/v1/points/charges";
    let stolen = app.post(charges, Some(&finder.token), body.clone()).await;
    assert_eq!(stolen.code(), "PAYMENT_NOT_CONFIRMED", "{:?}", stolen.body);
    assert_eq!(app.balance(&finder).await, 0);
    let own = app.post(charges, Some(&payer.token), body).await;
    assert_eq!(own.status, StatusCode::CREATED, "{:?}", own.body);
    assert_eq!(app.balance(&payer).await, 15_000);
}

#[tokio::test]
async fn gateway_failures_and_a_wrong_secret_are_502_and_credit_nothing() {
    let (base, _) = portone_double().await;
    let app = app_with_portone(&base, SECRET).await;
    let wrong_secret = app_with_portone(&base, "not-the-secret").await;
    let user = app.user("fan@example.com").await;
    let other = wrong_secret.user("fan@example.com").await;

    let broken = app
        .post(
            "/api/v1/points/charges",
            Some(&user.token),
            json!({"payment_id": "pay_broken", "amount": 15_000}),
        )
        .await;
    let unauthorized = wrong_secret
        .post(
            "/api/v1/points/charges",
            Some(&other.token),
            json!({"payment_id": "pay_ok", "amount": 15_000}),
        )
        .await;

    assert_eq!(broken.status, StatusCode::BAD_GATEWAY);
    assert_eq!(broken.code(), "GATEWAY_UNAVAILABLE");
    assert_eq!(unauthorized.code(), "GATEWAY_UNAVAILABLE");
    assert_eq!(app.balance(&user).await, 0);
}

#[tokio::test]
async fn an_unreachable_gateway_is_502() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let app = app_with_portone(&base, SECRET).await;
    let user = app.user("fan@example.com").await;

    let response = app
        .post(
            "/api/v1/points/charges",
            Some(&user.token),
            json!({"payment_id": "pay_ok", "amount": 15_000}),
        )
        .await;

    assert_eq!(response.code(), "GATEWAY_UNAVAILABLE");
}

/// Where the site's pages load PortOne's browser SDK from in these tests.
const SDK: &str = "http://127.0.0.1:9/v2/browser-sdk.js";

async fn site_with_portone(base: &str, store: bool) -> TestApp {
    let mut config = vec![
        ("PAYMENT_GATEWAY", "portone"),
        ("PORTONE_API_BASE", base),
        ("PORTONE_API_SECRET", SECRET),
    ];
    if store {
        config.extend([
            ("PORTONE_STORE_ID", "store-test"),
            ("PORTONE_CHANNEL_KEY", "channel-key-test"),
            ("PORTONE_SDK_URL", SDK),
        ]);
    }
    TestApp::with_config(&config).await
}

fn policy(page: &crate::harness::TestResponse) -> &str {
    page.headers["content-security-policy"].to_str().unwrap()
}

#[tokio::test]
async fn the_site_loads_portones_sdk_only_on_pages_that_take_a_payment() {
    let (base, _) = portone_double().await;
    let app = site_with_portone(&base, true).await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "portone-fan@example.kr").await;

    let me = browser.get("/me").await;
    assert_eq!(me.status, StatusCode::OK);
    let html = text(&me);
    assert!(
        html.contains(&format!(r#"<script src="{SDK}" defer></script>"#)),
        "{html}"
    );
    assert!(html.contains(r#"data-store-id="store-test" data-channel-key="channel-key-test""#));
    assert!(html.contains(r#"data-top-up="50000""#));
    assert!(
        !html.contains("테스트 결제"),
        "no simulated step with a real gateway"
    );
    let paying = policy(&me);
    assert!(
        paying.contains("script-src 'self' http://127.0.0.1:9;"),
        "{paying}"
    );
    assert!(
        paying.contains("frame-src http://127.0.0.1:9 https:;"),
        "{paying}"
    );
    assert!(paying.contains("frame-ancestors 'none'"), "{paying}");

    // Pages without a payment keep the offline policy and never load the SDK.
    for path in ["/", "/market", "/search?q=%EC%8B%9C%EC%B9%B4%EA%B3%A0"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            !policy(&page).contains("127.0.0.1:9"),
            "{path}: {}",
            policy(&page)
        );
        assert!(!text(&page).contains(SDK), "{path}");
    }

    // What the page's script sends once PortOne's window answers: credited after the
    // server asked PortOne (the double knows pay_ok as 15,000 paid).
    let csrf = crate::browser::csrf_of(&me);
    let charged = browser
        .call_with(
            Method::POST,
            "/api/v1/points/charges",
            Some(&csrf),
            json!({"payment_id": "pay_ok", "amount": 15000}),
        )
        .await;
    assert_eq!(charged.status, StatusCode::CREATED, "{:?}", charged.body);
    assert!(text(&browser.get("/me").await).contains(r#"id="balance">15,000원"#));
}

#[tokio::test]
async fn without_a_store_the_site_says_it_cannot_take_a_payment() {
    let (base, _) = portone_double().await;
    let app = site_with_portone(&base, false).await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "app-payer@example.kr").await;
    let me = browser.get("/me").await;
    let html = text(&me);
    assert!(html.contains("포인트를 충전할 수 없어요"), "{html}");
    assert!(!html.contains("data-top-up="), "no button that cannot work");
    assert!(!html.contains("테스트 결제"));
    assert!(
        policy(&me).contains("script-src 'self';"),
        "{}",
        policy(&me)
    );
}
