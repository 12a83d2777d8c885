use axum::http::StatusCode;
use serde_json::json;

use crate::harness::TestApp;

#[tokio::test]
async fn dev_charges_credit_points_with_a_ledger_row() {
    let app = TestApp::spawn().await;
    let user = app.user("fan@example.com").await;

    let charged = app
        .post(
            "/api/v1/points/charges",
            Some(&user.token),
            json!({"payment_id": "dev_abc", "amount": 30_000}),
        )
        .await;
    let view = app.get("/api/v1/points", Some(&user.token)).await;

    assert_eq!(charged.status, StatusCode::CREATED);
    assert_eq!(charged.body["balance_after"], 30_000);
    assert_eq!(view.body["balance"], 30_000);
    assert_eq!(view.body["entries"][0]["reason"], "CHARGE");
    assert_eq!(view.body["entries"][0]["amount"], 30_000);
}

#[tokio::test]
async fn the_dev_gateway_refuses_ids_without_the_dev_prefix() {
    let app = TestApp::spawn().await;
    let user = app.user("fan@example.com").await;

    let refused = app
        .post(
            "/api/v1/points/charges",
            Some(&user.token),
            json!({"payment_id": "pay_real", "amount": 1000}),
        )
        .await;

    assert_eq!(refused.code(), "PAYMENT_NOT_CONFIRMED");
    assert_eq!(app.balance(&user).await, 0);
}

#[tokio::test]
async fn the_same_payment_id_is_credited_once() {
    let app = TestApp::spawn().await;
    let user = app.user("fan@example.com").await;
    let other = app.user("other@example.com").await;
    let body = json!({"payment_id": "dev_once", "amount": 10_000});

    let first = app
        .post("/api/v1/points/charges", Some(&user.token), body.clone())
        .await;
    let again = app
        .post("/api/v1/points/charges", Some(&user.token), body.clone())
        .await;
    let by_other = app
        .post("/api/v1/points/charges", Some(&other.token), body)
        .await;

    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["already_credited"], true);
    assert_eq!(again.body["charge_id"], first.body["charge_id"]);
    assert_eq!(by_other.code(), "PAYMENT_ALREADY_USED");
    assert_eq!(app.balance(&user).await, 10_000);
    assert_eq!(app.balance(&other).await, 0);
}

#[tokio::test]
async fn charge_amounts_and_ids_are_bounded() {
    let app = TestApp::spawn().await;
    let user = app.user("fan@example.com").await;

    for (payment_id, amount) in [
        (json!("dev_a"), json!(0)),
        (json!("dev_b"), json!(-500)),
        (json!("dev_c"), json!(10_000_001)),
        (json!("dev_d e"), json!(100)),
        (json!("x".repeat(101)), json!(100)),
    ] {
        let response = app
            .post(
                "/api/v1/points/charges",
                Some(&user.token),
                json!({"payment_id": payment_id, "amount": amount}),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{payment_id} {amount}"
        );
    }
    let overflow = app
        .post(
            "/api/v1/points/charges",
            Some(&user.token),
            json!({"payment_id": "dev_e", "amount": 1e30}),
        )
        .await;
    assert_eq!(overflow.code(), "INVALID_BODY");
    assert_eq!(app.balance(&user).await, 0);
}

#[tokio::test]
async fn history_pages_newest_first_with_a_cursor() {
    let app = TestApp::spawn().await;
    let user = app.user("fan@example.com").await;
    for amount in [1_000, 2_000, 3_000] {
        app.charge(&user, amount).await;
    }

    let first = app.get("/api/v1/points?limit=2", Some(&user.token)).await;
    let cursor = first.body["next_before"].as_i64().unwrap();
    let second = app
        .get(
            &format!("/api/v1/points?limit=2&before={cursor}"),
            Some(&user.token),
        )
        .await;

    let amounts = |page: &serde_json::Value| -> Vec<i64> {
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["amount"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(amounts(&first.body), [3_000, 2_000]);
    assert_eq!(amounts(&second.body), [1_000]);
    assert_eq!(second.body["next_before"], serde_json::Value::Null);
    assert_eq!(first.body["entries"][0]["balance_after"], 6_000);
}
