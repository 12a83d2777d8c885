//! The waiting room in the browser, through the real router: the seat map sends a
//! browser without an admission to the queue page; the queue page's admission keeps
//! the pass in an HttpOnly cookie; the seat map then hands it to the hold. Admission
//! ticks are driven by the test, as in `queue.rs`.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::browser::{sign_up, text, Browser};
use crate::harness::TestApp;
use crate::queue::room_on;

fn meta_csrf(html: &str) -> String {
    let marker = r#"<meta name="csrf-token" content=""#;
    let start = html.find(marker).expect("a page for scripts") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn attribute(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"{name}=""#);
    let start = html.find(&marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_string())
}

#[tokio::test]
async fn while_the_room_is_on_the_seat_map_opens_only_through_the_queue() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    room_on(&app, show.schedule_id, 1, 10, 300).await;
    let seat_map = format!("/shows/{}/book/{}", show.show_id, show.schedule_id);
    let queue_page = format!("/shows/{}/queue/{}", show.show_id, show.schedule_id);

    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    let sent = browser.get(&seat_map).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(sent.headers["location"], queue_page.as_str());
    let page = browser.get(&queue_page).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = meta_csrf(text(&page));

    // The page's script enters and is admitted on the next tick.
    let entered = browser
        .call(
            Method::POST,
            &format!("/api/v1/queue/{}/enter", show.schedule_id),
            Some(&csrf),
        )
        .await;
    assert_eq!(entered.status, StatusCode::OK, "{:?}", entered.body);
    assert_eq!(entered.body["state"], "WAITING");
    // At one a second, the first tick may come before a whole admission has accrued.
    let room = app.waiting_room();
    let started = std::time::Instant::now();
    while room.admit_all().await.unwrap() == 0 {
        assert!(started.elapsed().as_secs() < 5, "admitted within the rate");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let token = entered.body["queue_token"].as_str().unwrap();
    let status = browser
        .request(
            Method::GET,
            &format!("/api/v1/queue/{}/status?token={token}", show.schedule_id),
            &[],
            Body::empty(),
        )
        .await;
    assert_eq!(status.body["state"], "ADMITTED", "{:?}", status.body);
    let pass = status.body["access_token"].as_str().unwrap().to_string();

    // A forged pass leads back to the queue and sets nothing.
    let forged = browser
        .submit(
            &seat_map,
            &[("access_token", "forged"), ("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(forged.headers["location"], queue_page.as_str());
    let mangled = browser
        .submit(
            &seat_map,
            &[
                ("access_token", "x; Domain=evil.example"),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    assert_eq!(mangled.headers["location"], queue_page.as_str());
    assert!(!browser
        .cookies
        .contains_key(&format!("marquee_pass_{}", show.schedule_id)));

    let admitted = browser
        .submit(&seat_map, &[("access_token", &pass), ("csrf_token", &csrf)])
        .await;
    assert_eq!(admitted.status, StatusCode::SEE_OTHER);
    assert_eq!(admitted.headers["location"], seat_map.as_str());
    let cookie = admitted
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("marquee_pass_"))
        .expect("the pass kept in a cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Max-Age=300"),
        "{cookie}"
    );

    let map = browser.get(&seat_map).await;
    assert_eq!(map.status, StatusCode::OK);
    let given = attribute(text(&map), "data-pass").expect("the pass for the script");
    assert_eq!(given, pass);
    // The seat map script sends it with the hold.
    let held = browser
        .request(
            Method::POST,
            "/api/v1/holds",
            &[
                ("content-type", "application/json"),
                ("origin", "http://marquee.test"),
                ("x-csrf-token", csrf.as_str()),
                ("x-queue-token", given.as_str()),
            ],
            Body::from(
                json!({"schedule_id": show.schedule_id, "seat_ids": &show.seat_ids[..1]})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{:?}", held.body);
}

#[tokio::test]
async fn with_the_room_off_the_queue_page_leads_to_the_seats() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    let mut browser = Browser::new(&app);
    sign_up(&mut browser, "fan@example.kr").await;
    let page = browser
        .get(&format!(
            "/shows/{}/queue/{}",
            show.show_id, show.schedule_id
        ))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.headers["location"],
        format!("/shows/{}/book/{}", show.show_id, show.schedule_id).as_str()
    );
}

#[tokio::test]
async fn the_admin_page_switches_a_room_on_and_others_cannot_see_it() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    let path = format!("/admin/shows/{}", show.show_id);
    let mut fan = Browser::new(&app);
    sign_up(&mut fan, "fan@example.kr").await;
    assert_eq!(fan.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(fan.get("/admin").await.status, StatusCode::FORBIDDEN);

    let mut admin = Browser::new(&app);
    sign_up(&mut admin, "boss@example.kr").await;
    sqlx::query("update users set role = 'ADMIN' where email = 'boss@example.kr'")
        .execute(app.pool())
        .await
        .unwrap();
    let page = admin.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(text(&page).contains("대기열 꺼짐"));
    assert!(text(&page).contains(&format!(r#"data-room="{}""#, show.schedule_id)));
    let csrf = meta_csrf(text(&page));
    let saved = admin
        .call_with(
            Method::PUT,
            &format!("/api/v1/admin/queue/{}", show.schedule_id),
            Some(&csrf),
            json!({"enabled": true, "admission_rate": 1, "active_cap": 5, "active_window_secs": 120}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    let page = admin.get(&path).await;
    assert!(text(&page).contains("대기열 켜짐"));
    assert!(text(&page)
        .contains(r#"name="admission_rate" type="number" min="1" max="100000" value="1""#));
    assert!(text(&admin.get("/admin").await).contains(&format!("/admin/shows/{}", show.show_id)));
}

#[tokio::test]
async fn the_admin_show_form_is_admin_only_and_edits_start_from_the_show() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(10, 4).await;
    let mut fan = Browser::new(&app);
    sign_up(&mut fan, "fan@example.kr").await;
    assert_eq!(
        fan.get("/admin/shows/new").await.status,
        StatusCode::FORBIDDEN
    );

    let mut admin = Browser::new(&app);
    sign_up(&mut admin, "boss@example.kr").await;
    sqlx::query("update users set role = 'ADMIN' where email = 'boss@example.kr'")
        .execute(app.pool())
        .await
        .unwrap();
    let new = admin.get("/admin/shows/new").await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(
        text(&new).contains(r#"id="show-form">"#),
        "a new show has no id"
    );
    let edit = admin
        .get(&format!("/admin/shows/{}/edit", show.show_id))
        .await;
    let html = text(&edit);
    assert!(html.contains(&format!(r#"data-show="{}""#, show.show_id)));
    assert!(html.contains(r#"id="title" name="title" required maxlength="200" value="시카고""#));
    // show_on_sale opens booking at 2025-01-01T00:00+09:00: Korean wall-clock time.
    assert!(html.contains(r#"value="2025-01-01T00:00""#), "{html}");
    assert!(html.contains(r#"<option value="MUSICAL" selected>뮤지컬</option>"#));
    assert!(
        html.contains("R 50,000원 × 4석"),
        "the existing performance is listed"
    );
    assert_eq!(
        admin.get("/admin/shows/987654/edit").await.status,
        StatusCode::NOT_FOUND
    );
}
