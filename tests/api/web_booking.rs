//! Booking in the browser through the real router: the show page's way in, the seat
//! map, checkout with top-up and payment, and the ticket's QR code on my page. The
//! scripts' calls are made the way the site's scripts make them: the JSON API with the
//! session cookie and the page's CSRF token.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::browser::{sign_up, text, Browser};
use crate::harness::{ShowFixture, TestApp};

/// The CSRF token a page gives its scripts.
fn meta_csrf(html: &str) -> String {
    let marker = r#"<meta name="csrf-token" content=""#;
    let start = html.find(marker).expect("a page for scripts") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn seat_map_path(show: &ShowFixture) -> String {
    format!("/shows/{}/book/{}", show.show_id, show.schedule_id)
}

/// Signs up and holds `seats` of the show as the site's seat map script does.
async fn held<'a>(
    app: &'a TestApp,
    show: &ShowFixture,
    seats: &[i64],
) -> (Browser<'a>, i64, String) {
    let mut browser = Browser::new(app);
    sign_up(&mut browser, "fan@example.kr").await;
    let map = browser.get(&seat_map_path(show)).await;
    assert_eq!(map.status, StatusCode::OK);
    let csrf = meta_csrf(text(&map));
    let hold = browser
        .call_with(
            Method::POST,
            "/api/v1/holds",
            Some(&csrf),
            json!({"schedule_id": show.schedule_id, "seat_ids": seats}),
        )
        .await;
    assert_eq!(hold.status, StatusCode::CREATED, "{:?}", hold.body);
    let id = hold.body["id"].as_i64().unwrap();
    (browser, id, csrf)
}

#[tokio::test]
async fn the_show_page_leads_to_the_seat_map_only_while_booking_is_open() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    let page = app.get(&format!("/shows/{}", show.show_id), None).await;
    assert!(text(&page).contains(&format!(r#"href="{}">예매하기"#, seat_map_path(&show))));

    let opens = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let moved = app
        .send(
            Method::PATCH,
            &format!("/api/v1/shows/{}", show.show_id),
            Some(&show.admin.token),
            Some(json!({"booking_opens_at": opens})),
        )
        .await;
    assert!(moved.status.is_success(), "{:?}", moved.body);
    let page = app.get(&format!("/shows/{}", show.show_id), None).await;
    assert!(!text(&page).contains("예매하기"));
}

#[tokio::test]
async fn the_seat_map_draws_every_seat_by_row_and_disables_taken_ones() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    let mut stranger = Browser::new(&app);
    let away = stranger.get(&seat_map_path(&show)).await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    let expected = format!(
        "/login?next=%2Fshows%2F{}%2Fbook%2F{}",
        show.show_id, show.schedule_id
    );
    assert_eq!(away.headers["location"], expected.as_str());

    let other = app.user("other@example.kr").await;
    app.hold(&other, show.schedule_id, &show.seat_ids[..1])
        .await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    let map = browser.get(&seat_map_path(&show)).await;
    assert_eq!(map.status, StatusCode::OK);
    let html = text(&map);
    assert!(html.contains(r#"data-max="4""#));
    let seats: Vec<&str> = html
        .split(r#"<button type="button" class="seat"#)
        .skip(1)
        .map(|seat| seat.split("</button>").next().unwrap())
        .collect();
    assert_eq!(seats.len(), show.seat_ids.len(), "one button per seat");
    let taken = format!(r#"data-seat="{}""#, show.seat_ids[0]);
    for seat in seats {
        assert_eq!(seat.contains(&taken), seat.contains(" disabled>"), "{seat}");
    }
    assert!(!meta_csrf(html).is_empty());

    let missing = browser
        .get(&format!("/shows/{}/book/987654", show.show_id))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_seat_taken_between_seeing_and_holding_is_named_in_the_conflict() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    let csrf = meta_csrf(text(&browser.get(&seat_map_path(&show)).await));
    let other = app.user("other@example.kr").await;
    app.hold(&other, show.schedule_id, &show.seat_ids[1..2])
        .await;

    let late = browser
        .call_with(
            Method::POST,
            "/api/v1/holds",
            Some(&csrf),
            json!({"schedule_id": show.schedule_id, "seat_ids": &show.seat_ids[..2]}),
        )
        .await;
    assert_eq!(
        (late.status, late.code()),
        (StatusCode::CONFLICT, "SEAT_UNAVAILABLE")
    );
    assert_eq!(
        late.body["error"]["unavailable_seat_ids"],
        json!([show.seat_ids[1]])
    );
}

#[tokio::test]
async fn checkout_shows_the_total_the_countdown_and_what_is_missing() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    let (mut browser, hold_id, csrf) = held(&app, &show, &show.seat_ids[..2]).await;
    let checkout = browser.get(&format!("/checkout/{hold_id}")).await;
    assert_eq!(checkout.status, StatusCode::OK);
    let html = text(&checkout);
    // show_on_sale's seats cost 50,000 each; the new account has no points.
    assert!(html.contains(r#"data-total="100000""#), "{html}");
    assert!(html.contains(r#"data-shortfall="100000""#));
    assert!(html.contains("100,000원 충전하기"));
    assert!(
        html.contains(r#"<time id="hold-timer">5:00</time>"#)
            || html.contains(r#"<time id="hold-timer">4:5"#)
    );
    assert!(
        html.contains("테스트 결제"),
        "the dev gateway is a simulated payment step"
    );

    let charged = browser
        .call_with(
            Method::POST,
            "/api/v1/points/charges",
            Some(&csrf),
            json!({"payment_id": "dev_web_checkout_1", "amount": 100000}),
        )
        .await;
    assert_eq!(charged.status, StatusCode::CREATED, "{:?}", charged.body);
    let again = browser.get(&format!("/checkout/{hold_id}")).await;
    assert!(text(&again).contains(r#"data-shortfall="0""#));
    assert!(!text(&again).contains("충전하기"));
}

#[tokio::test]
async fn another_persons_hold_and_an_ended_one_are_not_shown() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    let other = app.user("other@example.kr").await;
    let theirs = app
        .hold(&other, show.schedule_id, &show.seat_ids[..1])
        .await;
    let (mut browser, mine, csrf) = held(&app, &show, &show.seat_ids[1..2]).await;

    let peek = browser.get(&format!("/checkout/{theirs}")).await;
    assert_eq!(peek.status, StatusCode::CONFLICT);
    assert!(text(&peek).contains("좌석 선택 시간이 지났어요"));
    assert!(!text(&peek).contains("50,000"));

    let released = browser
        .call(
            Method::DELETE,
            &format!("/api/v1/holds/{mine}"),
            Some(&csrf),
        )
        .await;
    assert_eq!(released.status, StatusCode::NO_CONTENT);
    let ended = browser.get(&format!("/checkout/{mine}")).await;
    assert_eq!(ended.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_paid_hold_becomes_tickets_with_qr_codes_on_my_page() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    let (mut browser, hold_id, csrf) = held(&app, &show, &show.seat_ids[..2]).await;
    browser
        .call_with(
            Method::POST,
            "/api/v1/points/charges",
            Some(&csrf),
            json!({"payment_id": "dev_web_paid_1", "amount": 100000}),
        )
        .await;
    let paid = browser
        .request(
            Method::POST,
            &format!("/api/v1/holds/{hold_id}/purchase"),
            &[
                ("origin", "http://marquee.test"),
                ("x-csrf-token", csrf.as_str()),
                ("idempotency-key", "web-paid-1"),
            ],
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(paid.status, StatusCode::CREATED, "{:?}", paid.body);
    let order = paid.body["id"].as_i64().unwrap();

    let me = browser.get(&format!("/me?paid={order}")).await;
    let html = text(&me);
    assert!(html.contains("결제가 완료되었어요"));
    assert_eq!(
        html.matches(r#"<svg role="img" aria-label="#).count(),
        2,
        "one QR per ticket"
    );
    for ticket in paid.body["tickets"].as_array().unwrap() {
        assert!(html.contains(ticket["code"].as_str().unwrap()));
    }
    assert!(html.contains("0원"), "the balance after paying");
}
