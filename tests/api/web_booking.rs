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
    assert!(
        html.contains("<li>공연일 10일 전까지: 전액 환불</li>"),
        "the refund policy is stated before paying"
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
    let number = paid.body["number"].as_str().unwrap();

    let me = browser.get(&format!("/me?paid={number}")).await;
    let html = text(&me);
    assert!(html.contains("예매가 완료되었어요"));
    assert!(
        html.contains(&format!(
            r#"예매번호 <strong class="order-number">{number}</strong>"#
        )),
        "the 예매번호 is said once paid: {html}"
    );
    // Someone else's number, or anything else, is never repeated back.
    let other = text(&browser.get("/me?paid=1234567890").await).to_string();
    assert!(other.contains("예매가 완료되었어요"));
    assert!(!other.contains("1234567890"));
    let made_up = text(&browser.get("/me?paid=%3Cb%3E").await).to_string();
    assert!(!made_up.contains("<b>"));
    // After a change on the page, it says what was done instead.
    let refunded = text(&browser.get("/me?done=refunded").await).to_string();
    assert!(refunded.contains("환불했어요"));
    assert!(!refunded.contains("예매가 완료되었어요"));
    let unknown = text(&browser.get("/me?done=%3Cscript%3E").await).to_string();
    assert!(!unknown.contains("<script>") && !unknown.contains("환불했어요"));
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

/// Buys `seats` as a new browser account with just enough points; answers the browser
/// and the CSRF token its pages give scripts.
async fn bought<'a>(app: &'a TestApp, show: &ShowFixture, seats: &[i64]) -> (Browser<'a>, String) {
    let (mut browser, hold_id, csrf) = held(app, show, seats).await;
    let amount = 50_000 * seats.len() as i64;
    let charged = browser
        .call_with(
            Method::POST,
            "/api/v1/points/charges",
            Some(&csrf),
            json!({"payment_id": format!("dev_bought_{hold_id}"), "amount": amount}),
        )
        .await;
    assert_eq!(charged.status, StatusCode::CREATED);
    let paid = browser
        .call(
            Method::POST,
            &format!("/api/v1/holds/{hold_id}/purchase"),
            Some(&csrf),
        )
        .await;
    assert_eq!(paid.status, StatusCode::CREATED, "{:?}", paid.body);
    (browser, csrf)
}

#[tokio::test]
async fn my_page_quotes_the_refund_fee_the_refund_then_takes() {
    // 10 days ahead is free under the default policy; 5 days ahead costs 20%.
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(5, 4).await;
    let (mut browser, csrf) = bought(&app, &show, &show.seat_ids[..1]).await;
    // Booked four days ago: past the standard's 24 hours of free cancellation.
    sqlx::query("update tickets set created_at = created_at - interval 4 day")
        .execute(app.pool())
        .await
        .unwrap();
    let me = browser.get("/me").await;
    let html = text(&me);
    assert!(
        html.contains(r#"<strong class="fee">10,000원</strong>"#),
        "{html}"
    );
    assert!(html.contains(r#"<strong class="net">40,000원</strong>"#));
    assert!(
        html.contains(r#"max="50000""#),
        "listing up to the 100% cap"
    );

    let ticket = html
        .split(r#"data-refund=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let refunded = browser
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{ticket}/refund"),
            Some(&csrf),
        )
        .await;
    assert_eq!(refunded.status, StatusCode::OK, "{:?}", refunded.body);
    assert_eq!(refunded.body["refund_fee"], 10_000);
    let after = browser.get("/me").await;
    let html = text(&after);
    assert!(html.contains("환불됨") && html.contains("40,000원 돌려받음"));
    assert!(html.contains(r#"id="balance">40,000원"#));
    assert!(
        !html.contains(r#"<svg role="img""#),
        "a refunded ticket has no QR"
    );
    assert!(
        html.contains("환불") && html.contains("+40,000원"),
        "the ledger shows the refund"
    );
}

#[tokio::test]
async fn a_listed_ticket_is_in_the_market_and_a_buyer_gets_a_new_code() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    let (mut seller, csrf) = bought(&app, &show, &show.seat_ids[..1]).await;
    let me = seller.get("/me").await;
    let html = text(&me).to_string();
    let ticket: i64 = html
        .split(r#"data-list=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    let old_code: String =
        sqlx::query_scalar("select cast(code as char) from tickets where id = ?")
            .bind(ticket)
            .fetch_one(app.pool())
            .await
            .unwrap();
    let over = seller
        .call_with(
            Method::POST,
            "/api/v1/trades",
            Some(&csrf),
            json!({"ticket_id": ticket, "price": 50_001}),
        )
        .await;
    assert_eq!(over.code(), "PRICE_OVER_CAP");
    let listed = seller
        .call_with(
            Method::POST,
            "/api/v1/trades",
            Some(&csrf),
            json!({"ticket_id": ticket, "price": 45_000}),
        )
        .await;
    assert_eq!(listed.status, StatusCode::CREATED, "{:?}", listed.body);
    assert!(text(&seller.get("/me").await).contains("양도 등록 중"));

    let mut stranger = Browser::new(&app);
    let market = stranger
        .get(&format!("/market?show_id={}", show.show_id))
        .await;
    let html = text(&market);
    assert!(html.contains("45,000원") && html.contains("정가 50,000원"));
    assert!(html.contains("로그인 후 구매") && !html.contains("data-buy"));

    let mut buyer = Browser::new(&app);
    crate::browser::sign_up(&mut buyer, "buyer@example.kr").await;
    let market = buyer.get("/market").await;
    let buyer_csrf = meta_csrf(text(&market));
    let trade = listed.body["id"].as_i64().unwrap();
    assert!(text(&market).contains(&format!(r#"data-buy="{trade}""#)));
    buyer
        .call_with(
            Method::POST,
            "/api/v1/points/charges",
            Some(&buyer_csrf),
            json!({"payment_id": "dev_market_buyer", "amount": 45_000}),
        )
        .await;
    let bought = buyer
        .call(
            Method::POST,
            &format!("/api/v1/trades/{trade}/purchase"),
            Some(&buyer_csrf),
        )
        .await;
    assert_eq!(bought.status, StatusCode::CREATED, "{:?}", bought.body);

    let mine = buyer.get("/me?bought=1").await;
    let html = text(&mine);
    assert!(html.contains("양도 티켓을 구매했어요"));
    assert_eq!(html.matches(r#"<svg role="img""#).count(), 1);
    assert!(
        !html.contains(&old_code),
        "the buyer's ticket has a new code"
    );
    let theirs = seller.get("/me").await;
    assert!(text(&theirs).contains("양도됨"));
    assert!(
        !text(&theirs).contains(r#"<svg role="img""#),
        "the seller's QR is gone"
    );
    assert!(text(&theirs).contains("판매 · 거래 완료"));
    assert!(text(&stranger.get("/market").await).contains("양도 중인 티켓이 없어요"));
}

#[tokio::test]
async fn checkout_offers_a_kind_per_seat_and_says_which_are_not_open_to_this_buyer() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    sqlx::query(
        "insert into discount_kinds (schedule_id, position, name, percent_off, per_order, proof, rewatch)
         values (?, 0, '장애인 할인', 50, 2, '복지카드 지참', false),
                (?, 1, '재관람 할인', 10, null, null, true)",
    )
    .bind(show.schedule_id)
    .bind(show.schedule_id)
    .execute(app.pool())
    .await
    .unwrap();
    let (mut browser, hold_id, _) = held(&app, &show, &show.seat_ids[..2]).await;

    let checkout = browser.get(&format!("/checkout/{hold_id}")).await;
    let html = text(&checkout);

    assert_eq!(html.matches(r#"<select class="kind""#).count(), 2, "{html}");
    assert!(html.contains(r#"<option value="">일반 50,000원</option>"#));
    assert!(html.contains("장애인 할인 25,000원 · 복지카드 지참"));
    // 재관람 needs a past ticket this new account does not have: not offered, and said.
    assert!(!html.contains("재관람 할인 45,000원"));
    assert!(html.contains("<li>재관람 할인: 이 공연의 지난 회차 티켓이 있어야 해요</li>"));
    assert!(html.contains("취소·환불 규정을 확인했고 동의해요"));
}

#[tokio::test]
async fn a_cancelled_performance_reads_as_such_on_its_pages() {
    let app = TestApp::with_config(&[("CANCELLATION_COMPENSATION", "true")]).await;
    let show = app.show_on_sale(20, 4).await;
    let (mut browser, _csrf) = bought(&app, &show, &show.seat_ids[..1]).await;
    let link = format!(r#"href="/shows/{}""#, show.show_id);
    assert!(
        text(&browser.get("/").await).contains(&link),
        "on sale at first"
    );
    let cancelled = app.cancel_performance(&show.admin, show.schedule_id).await;
    assert_eq!(cancelled.status, StatusCode::ACCEPTED);
    app.cancellation_finished(&show.admin, show.schedule_id)
        .await;

    let me = browser.get("/me").await;
    let html = text(&me);
    assert!(
        html.contains(r#"<span class="tag status">공연 취소</span>"#),
        "{html}"
    );
    assert!(html.contains("전액 환불했어요") && html.contains("50,000원 돌려받음"));
    assert!(html.contains("공연 취소 배상 5,000원 지급"));
    assert!(
        html.contains("+5,000원"),
        "the ledger shows the compensation"
    );
    assert!(
        !html.contains(r#"<svg role="img""#),
        "no QR for a cancelled show"
    );
    assert!(!html.contains("data-refund="), "nothing left to refund");

    let page = browser.get(&format!("/shows/{}", show.show_id)).await;
    let html = text(&page);
    assert!(html.contains(r#"<span class="tag cancelled">공연 취소</span>"#));
    assert!(!html.contains(&seat_map_path(&show)), "no way to book it");
    let home = browser.get("/").await;
    assert!(
        !text(&home).contains(&link),
        "no longer on sale on the home page"
    );
}
