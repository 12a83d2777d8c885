use axum::http::StatusCode;
use marquee_core::booking::purchase;
use serde_json::json;

use crate::harness::TestApp;

fn is_order_number(value: &serde_json::Value) -> bool {
    value.as_str().is_some_and(|n| {
        n.len() == 10 && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')
    })
}

#[tokio::test]
async fn orders_are_listed_newest_first_under_their_numbers_with_what_came_back() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 4).await;
    let buyer = app.user("buyer@example.com").await;
    app.charge(&buyer, 200_000).await;
    let first = app.buy(&buyer, show.schedule_id, &show.seat_ids[..2]).await;
    let second = app
        .buy(&buyer, show.schedule_id, &show.seat_ids[2..3])
        .await;
    let refunded_ticket = first["tickets"][1]["id"].as_i64().unwrap();
    let refund = app
        .post(
            &format!("/api/v1/tickets/{refunded_ticket}/refund"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    assert_eq!(refund.status, StatusCode::OK, "{:?}", refund.body);

    let list = app.get("/api/v1/orders", Some(&buyer.token)).await;
    let tickets = app.get("/api/v1/tickets", Some(&buyer.token)).await;

    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    assert!(is_order_number(&first["number"]), "{}", first["number"]);
    assert!(is_order_number(&second["number"]), "{}", second["number"]);
    assert_ne!(first["number"], second["number"]);
    assert_eq!(list.body["total"], 2);
    let items = list.body["items"].as_array().unwrap();
    // Newest first.
    assert_eq!(items[0]["number"], second["number"]);
    assert_eq!(items[0]["status"], "CONFIRMED");
    assert_eq!(items[0]["ticket_count"], 1);
    assert_eq!(items[0]["total"], 50_000);
    assert_eq!(items[0]["refunded"], 0);
    assert_eq!(items[1]["number"], first["number"]);
    assert_eq!(items[1]["status"], "PARTLY_CANCELLED");
    assert_eq!(items[1]["ticket_count"], 2);
    assert_eq!(items[1]["total"], 100_000);
    assert_eq!(items[1]["refunded"], refund.body["refund_amount"]);
    assert!(refund.body["refund_amount"].as_i64().unwrap() > 0);
    assert_eq!(items[1]["show_id"], show.show_id);
    assert_eq!(items[1]["schedule_id"], show.schedule_id);
    assert_eq!(items[1]["seats"].as_array().unwrap().len(), 2);
    assert!(items[1]["seats"][0].as_str().unwrap().contains('열'));
    // Every ticket names its order's number.
    for ticket in tickets.body["items"].as_array().unwrap() {
        let order_id = ticket["order_id"].as_i64().unwrap();
        let expected = if order_id == first["id"].as_i64().unwrap() {
            &first["number"]
        } else {
            &second["number"]
        };
        assert_eq!(&ticket["order_number"], expected);
    }

    // The whole refund of the second order leaves it cancelled.
    let last_ticket = second["tickets"][0]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/tickets/{last_ticket}/refund"),
        Some(&buyer.token),
        json!({}),
    )
    .await;
    let number = second["number"].as_str().unwrap();
    let one = app
        .get(&format!("/api/v1/orders/{number}"), Some(&buyer.token))
        .await;
    assert_eq!(one.status, StatusCode::OK, "{:?}", one.body);
    assert_eq!(one.body["status"], "CANCELLED");
    assert_eq!(one.body["tickets"].as_array().unwrap().len(), 1);
    assert_eq!(one.body["tickets"][0]["status"], "REFUNDED");
}

#[tokio::test]
async fn an_order_is_found_by_its_buyer_only_and_a_malformed_number_is_not_found() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let buyer = app.user("buyer@example.com").await;
    let stranger = app.user("stranger@example.com").await;
    app.charge(&buyer, 100_000).await;
    let order = app.buy(&buyer, show.schedule_id, &show.seat_ids[..1]).await;
    let number = order["number"].as_str().unwrap();

    let theirs = app
        .get(&format!("/api/v1/orders/{number}"), Some(&stranger.token))
        .await;
    let none = app.get("/api/v1/orders", Some(&stranger.token)).await;
    let anonymous = app.get(&format!("/api/v1/orders/{number}"), None).await;

    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(theirs.code(), "ORDER_NOT_FOUND");
    assert_eq!(none.body["total"], 0);
    assert_eq!(none.body["items"], json!([]));
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    for bad in ["12345", "１２３４５６７８９０", "123456789a", "12345678901"] {
        let path = format!(
            "/api/v1/orders/{}",
            bad.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
        );
        let answer = app.get(&path, Some(&buyer.token)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{bad}");
        assert_eq!(answer.code(), "ORDER_NOT_FOUND", "{bad}");
    }
}

/// A number already taken is drawn again: the order is recorded under the next one, in
/// the same transaction.
#[tokio::test]
async fn a_taken_number_is_drawn_again() {
    const FREE: purchase::Amounts = purchase::Amounts {
        total: 0,
        fees: 0,
        coupon: None,
    };
    let app = TestApp::spawn().await;
    let buyer = app.user("buyer@example.com").await;
    let mut tx = app.pool().begin().await.unwrap();
    let taken = purchase::record_order(&mut tx, || "1111111111".into(), buyer.id, 1, None, FREE)
        .await
        .unwrap();
    let mut draws = vec!["2222222222", "1111111111"];
    let next = purchase::record_order(
        &mut tx,
        || draws.pop().unwrap().to_string(),
        buyer.id,
        2,
        None,
        FREE,
    )
    .await
    .unwrap();
    let numbers: Vec<(i64, String)> =
        sqlx::query_as("select id, cast(number as char) from orders order by id")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        numbers,
        [
            (taken, "1111111111".to_string()),
            (next, "2222222222".to_string())
        ]
    );
    assert!(draws.is_empty());
}
