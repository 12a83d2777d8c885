//! The site's pages through the real router: what a person sees without JavaScript.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{TestApp, TestResponse};
use crate::search::{encode_query as encode, indexer_config};

fn html(page: &TestResponse) -> &str {
    page.body.as_str().expect("an HTML page")
}

async fn page(app: &TestApp, path: &str) -> TestResponse {
    let response = app.get(path, None).await;
    assert_eq!(
        response.headers["content-type"], "text/html; charset=utf-8",
        "{path}"
    );
    response
}

/// A show with one performance 60 days from now; `opens` is when booking opens.
async fn create(app: &TestApp, token: &str, title: &str, category: &str, opens: &str) -> i64 {
    let starts_at = (chrono::Utc::now() + chrono::Duration::days(60)).to_rfc3339();
    let body = json!({
        "title": title,
        "category": category,
        "venue": {"name": "블루스퀘어 신한카드홀", "address": "서울 용산구 이태원로 294"},
        "artists": ["최재림"],
        "booking_opens_at": opens,
        "schedules": [{"starts_at": starts_at,
            "grades": [{"name": "VIP", "price": 170000, "rows": ["A"], "seats_per_row": 4}]}]
    });
    let response = app.post("/api/v1/shows", Some(token), body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    response.body["id"].as_i64().unwrap()
}

/// A show whose booking has long been open.
async fn on_sale(app: &TestApp, token: &str, title: &str, category: &str) -> i64 {
    create(app, token, title, category, "2025-01-01T00:00:00Z").await
}

#[tokio::test]
async fn the_home_page_lists_what_is_on_sale_and_what_opens_soon_by_category() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    on_sale(&app, &admin.token, "시카고", "MUSICAL").await;
    let opens = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    create(&app, &admin.token, "햄릿", "PLAY", &opens).await;

    let home = page(&app, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    let text = html(&home);
    let (on_sale, opening) = text.split_once("오픈 예정").expect("two sections");
    assert!(on_sale.contains("지금 예매 중") && on_sale.contains("시카고"));
    assert!(!on_sale.contains("햄릿"));
    assert!(opening.contains("햄릿") && opening.contains("예매 오픈"));
    assert!(home.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));

    let plays = page(&app, "/?category=PLAY").await;
    assert!(html(&plays).contains("햄릿") && !html(&plays).contains("시카고"));
    let unknown = page(&app, "/?category=OPERA").await;
    assert_eq!(
        unknown.status,
        StatusCode::OK,
        "an unknown chip shows everything"
    );
    assert!(html(&unknown).contains("시카고"));
}

#[tokio::test]
async fn the_show_page_reads_without_javascript_in_korean_time_and_won() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 4).await;
    let user = app.user("fan@example.com").await;
    app.hold(&user, show.schedule_id, &show.seat_ids[..1]).await;

    let response = page(&app, &format!("/shows/{}", show.show_id)).await;
    assert_eq!(response.status, StatusCode::OK);
    let text = html(&response);
    for expected in [
        "<h1>시카고</h1>",
        "Chicago",
        "최재림, 아이비",
        "디큐브 링크아트센터",
        "50,000원",
        "3 / 4",
        // The refund policy in words, from the policy refunds apply.
        "취소·환불 규정",
        "<li>공연일 9~7일 전: 티켓 금액의 10% 공제</li>",
        "<li>공연 당일 시작 전: 티켓 금액의 90% 공제</li>",
    ] {
        assert!(
            text.contains(expected),
            "{expected} missing from the show page"
        );
    }
}

#[tokio::test]
async fn the_show_page_states_the_refund_policy_an_operator_configured() {
    let app = TestApp::with_config(&[("REFUND_POLICY", "10:0,1:30")]).await;
    let show = app.show_on_sale(30, 1).await;

    let response = page(&app, &format!("/shows/{}", show.show_id)).await;
    let text = html(&response);

    assert!(
        text.contains("<li>공연일 9~1일 전: 티켓 금액의 30% 공제</li>"),
        "{text}"
    );
    assert!(text.contains("<li>공연 당일: 환불 없음</li>"));
    assert!(!text.contains("90% 공제"));
}

#[tokio::test]
async fn the_show_page_lists_its_discount_kinds_and_the_booking_fee() {
    let app = TestApp::with_config(&[("BOOKING_FEE", "1000")]).await;
    let show = app.show_on_sale(30, 1).await;
    let plain = page(&app, &format!("/shows/{}", show.show_id)).await;
    assert!(!html(&plain).contains("할인 정보"), "no kinds, no section");
    sqlx::query(
        "insert into discount_kinds (schedule_id, position, name, percent_off, per_order, proof)
         values (?, 0, '장애인 할인(1~3급)', 50, 2, '복지카드 지참')",
    )
    .bind(show.schedule_id)
    .execute(app.pool())
    .await
    .unwrap();

    let response = page(&app, &format!("/shows/{}", show.show_id)).await;
    let text = html(&response);

    assert!(text.contains("<h2>할인 정보</h2>"), "{text}");
    assert!(text.contains(
        "<li>장애인 할인(1~3급) 50% · 1회 예매에 2매까지 · 입장할 때 복지카드 지참</li>"
    ));
    assert!(text.contains("<li>예매수수료(매당 1,000원)는 예매 당일 취소할 때만 돌려드려요.</li>"));
}

#[tokio::test]
async fn a_missing_show_is_a_404_page_not_json() {
    let app = TestApp::spawn().await;
    for path in ["/shows/999999", "/shows/not-a-number"] {
        let response = page(&app, path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert!(html(&response).contains("찾을 수 없어요"));
    }
}

#[tokio::test]
async fn titles_and_queries_are_escaped_on_every_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let hostile = "<script>alert(1)</script> 시카고";
    let id = on_sale(&app, &admin.token, hostile, "PLAY").await;
    marquee_indexer::run_once(&indexer_config(&app))
        .await
        .unwrap();
    let paths = [
        "/".to_string(),
        format!("/shows/{id}"),
        format!("/search?q={}", encode("시카고")),
        format!("/search?q={}", encode("<script>\"&#x27;")),
    ];
    for path in paths {
        let response = page(&app, &path).await;
        let text = html(&response);
        assert!(!text.contains("<script>"), "{path}: {text}");
        assert!(
            text.contains("&#60;script&#62;") || text.contains("&lt;script&gt;"),
            "{path}: {text}"
        );
    }
}

#[tokio::test]
async fn mangled_addresses_get_pages_not_plain_text_or_json() {
    let app = TestApp::spawn().await;
    for (path, status) in [
        ("/search?q=a&q=b", StatusCode::OK),
        ("/?category=MUSICAL&category=PLAY", StatusCode::OK),
        ("/shows/%FF", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(page(&app, path).await.status, status, "{path}");
    }
    let browser = crate::harness::send(
        &app.router,
        Method::GET,
        "/show/1",
        None,
        None,
        &[("accept", "text/html,application/xhtml+xml,*/*;q=0.8")],
    )
    .await;
    assert_eq!(browser.status, StatusCode::NOT_FOUND);
    assert!(html(&browser).contains("찾을 수 없어요"));
    let client = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(
        client.code(),
        "ROUTE_NOT_FOUND",
        "API clients keep the JSON error"
    );
}

#[tokio::test]
async fn the_show_page_comes_from_the_catalog_cache_like_its_json() {
    let app = TestApp::with_config(&[("CATALOG_CACHE_TTL_MS", "60000")]).await;
    let show = app.show_on_sale(30, 4).await;
    let path = format!("/shows/{}", show.show_id);
    assert!(html(&page(&app, &path).await).contains("4 / 4"));
    let user = app.user("fan@example.com").await;
    app.hold(&user, show.schedule_id, &show.seat_ids[..1]).await;

    let cached = page(&app, &path).await;
    assert!(html(&cached).contains("4 / 4"), "the cached page");
    assert!(cached.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    let patched = app
        .send(
            Method::PATCH,
            &format!("/api/v1/shows/{}", show.show_id),
            Some(&show.admin.token),
            Some(json!({"title": "시카고 앙코르"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    let fresh = page(&app, &path).await;
    assert!(html(&fresh).contains("<h1>시카고 앙코르</h1>") && html(&fresh).contains("3 / 4"));
}

#[tokio::test]
async fn search_results_forgive_typos_highlight_and_say_when_nothing_fits() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    on_sale(&app, &admin.token, "시카고", "MUSICAL").await;
    on_sale(&app, &admin.token, "지킬 앤 하이드", "MUSICAL").await;
    marquee_indexer::run_once(&indexer_config(&app))
        .await
        .unwrap();

    // Typed on an English keyboard.
    let found = page(&app, &format!("/search?q={}", encode("tlzkrh"))).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(html(&found).contains("<em>시카고</em>"), "{}", html(&found));
    assert!(html(&found).contains("1개의 공연"));
    assert!(!html(&found).contains("지킬"));

    let plays = page(
        &app,
        &format!("/search?q={}&category=PLAY", encode("시카고")),
    )
    .await;
    assert!(html(&plays).contains("맞는 공연이 없어요"));

    let nothing = page(&app, &format!("/search?q={}", encode("ㅁㄴㅇㄹㅁㄴㅇㄹ"))).await;
    assert!(html(&nothing).contains("맞는 공연이 없어요"));

    let empty = page(&app, "/search").await;
    assert!(html(&empty).contains("입력해 주세요"));
}

#[tokio::test]
async fn the_stylesheet_and_scripts_are_embedded_and_revalidate_by_etag() {
    let app = TestApp::spawn().await;
    let first = app.get("/static/app.css", None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.headers["content-type"], "text/css; charset=utf-8");
    let etag = first.headers["etag"].to_str().unwrap().to_string();
    let again = crate::harness::send(
        &app.router,
        Method::GET,
        "/static/app.css",
        None,
        None,
        &[("if-none-match", etag.as_str())],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let script = app.get("/static/search.js", None).await;
    assert_eq!(script.status, StatusCode::OK);
    assert_eq!(
        script.headers["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(script
        .body
        .as_str()
        .unwrap()
        .contains("/api/v1/search/suggest"));
    assert!(
        html(&page(&app, "/").await).contains(r#"<script type="module" src="/static/search.js">"#)
    );
    assert_eq!(
        app.get("/static/missing.js", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn search_pages_on_keep_the_category_and_say_when_the_index_is_not_ready() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = page(&app, &format!("/search?q={}", encode("시카고"))).await;
    assert!(
        html(&before).contains("검색을 준비하고 있어요"),
        "no index yet"
    );

    for n in 1..=25 {
        let title = format!("시카고 {n}");
        on_sale(&app, &admin.token, &title, "MUSICAL").await;
    }
    marquee_indexer::run_once(&indexer_config(&app))
        .await
        .unwrap();
    let first = page(
        &app,
        &format!("/search?q={}&category=MUSICAL", encode("시카고")),
    )
    .await;
    let text = html(&first);
    assert!(text.contains("25개의 공연"));
    assert_eq!(
        text.matches("<li>\n    <a href=\"/shows/").count(),
        20,
        "{text}"
    );
    assert!(text.contains("rel=\"next\"") && !text.contains("rel=\"prev\""));
    assert!(
        text.contains(r#"<input type="hidden" name="category" value="MUSICAL">"#),
        "the header's search box keeps the category"
    );

    let second = page(
        &app,
        &format!("/search?q={}&category=MUSICAL&page=2", encode("시카고")),
    )
    .await;
    let text = html(&second);
    assert_eq!(text.matches("<li>\n    <a href=\"/shows/").count(), 5);
    assert!(text.contains("rel=\"prev\"") && !text.contains("rel=\"next\""));
    let beyond = page(&app, &format!("/search?q={}&page=9", encode("시카고"))).await;
    assert!(html(&beyond).contains("더 이상 결과가 없어요"));
}

/// A show with one performance `days` from now.
async fn playing_in(app: &TestApp, token: &str, title: &str, days: i64) -> i64 {
    let starts_at = (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
    let body = json!({
        "title": title,
        "category": "MUSICAL",
        "venue": {"name": "샤롯데씨어터", "address": "서울 송파구 올림픽로 240"},
        "booking_opens_at": "2025-01-01T00:00:00Z",
        "schedules": [{"starts_at": starts_at,
            "grades": [{"name": "R", "price": 100000, "rows": ["A"], "seats_per_row": 2}]}]
    });
    let response = app.post("/api/v1/shows", Some(token), body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    response.body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn search_pages_filter_by_period_and_sort_by_likes_and_keep_both_on_their_links() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let soon = playing_in(&app, &admin.token, "시카고", 10).await;
    let later = playing_in(&app, &admin.token, "시카고 앙코르", 90).await;
    for n in 0..3 {
        let fan = app.user(&format!("fan{n}@example.kr")).await;
        let liked = app
            .post(
                &format!("/api/v1/shows/{later}/like"),
                Some(&fan.token),
                json!({}),
            )
            .await;
        assert!(liked.status.is_success(), "{:?}", liked.body);
    }
    marquee_indexer::run_once(&indexer_config(&app))
        .await
        .unwrap();
    let position = |text: &str, id: i64| text.find(&format!(r#"href="/shows/{id}""#)).unwrap();

    let best = page(&app, &format!("/search?q={}", encode("시카고"))).await;
    assert!(
        position(html(&best), soon) < position(html(&best), later),
        "the exact title first"
    );
    let liked = page(
        &app,
        &format!("/search?q={}&sort=popular", encode("시카고")),
    )
    .await;
    let text = html(&liked);
    assert!(
        position(text, later) < position(text, soon),
        "the most liked first"
    );
    assert!(text.contains(r#"<option value="popular" selected>인기순</option>"#));
    assert!(
        text.contains("&amp;category=MUSICAL&amp;sort=popular"),
        "chips keep the order"
    );

    let to = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive();
    let period = page(
        &app,
        &format!("/search?q={}&to={to}&sort=popular", encode("시카고")),
    )
    .await;
    let text = html(&period);
    assert!(text.contains("1개의 공연"), "{text}");
    assert!(text.contains(&format!(r#"href="/shows/{soon}""#)));
    assert!(text.contains(&format!(r#"name="to" type="date" value="{to}""#)));

    // An edited address with a period backwards is the plain search, not an error.
    let backwards = page(
        &app,
        &format!(
            "/search?q={}&from=2030-01-02&to=2030-01-01",
            encode("시카고")
        ),
    )
    .await;
    assert_eq!(backwards.status, StatusCode::OK);
    assert!(html(&backwards).contains("2개의 공연"));

    let api = app
        .get(
            &format!("/api/v1/search?q={}&sort=popular", encode("시카고")),
            None,
        )
        .await;
    assert_eq!(api.body["items"][0]["id"], later);
    let bad = app
        .get(
            &format!("/api/v1/search?q={}&sort=cheapest", encode("시카고")),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
