//! Search over HTTP: a change made through the API becomes searchable through a running
//! indexer, and odd queries get clean answers.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use marquee_core::config::{IndexerConfig, ReadReplicaConfig};
use marquee_core::secret::Secret;
use serde_json::{json, Value};

use image::ImageFormat;

use crate::harness::TestApp;
use crate::posters::{encode as encode_image, picture, put_poster};

/// Percent-encodes a query value (UTF-8 bytes outside the unreserved set).
pub(crate) fn encode_query(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn search(app: &TestApp, q: &str) -> Value {
    let response = app
        .get(&format!("/api/v1/search?q={}", encode_query(q)), None)
        .await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    response.body
}

fn titles(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["title"].as_str().unwrap().to_string())
        .collect()
}

async fn create_show(
    app: &TestApp,
    token: &str,
    title: &str,
    category: &str,
    days_ahead: i64,
) -> i64 {
    let starts_at = chrono::Utc::now() + chrono::Duration::days(days_ahead);
    let response = app
        .post(
            "/api/v1/shows",
            Some(token),
            json!({
                "title": title,
                "category": category,
                "venue": {"name": "블루스퀘어"},
                "artists": ["조승우"],
                "booking_opens_at": "2025-01-01T00:00:00+09:00",
                "schedules": [{
                    "starts_at": starts_at.to_rfc3339(),
                    "grades": [{"name": "R", "price": 50000, "rows": ["A"], "seats_per_row": 2}]
                }]
            }),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    response.body["id"].as_i64().unwrap()
}

pub(crate) fn indexer_config(app: &TestApp) -> IndexerConfig {
    IndexerConfig {
        database_url: Secret::new(app.db.url.clone()),
        read_replicas: ReadReplicaConfig::default(),
        index_dir: app.index_dir.to_path_buf(),
        schedule: "*/1 * * * * *".into(),
        overlap: Duration::from_secs(10),
        page_size: 1000,
    }
}

/// Polls until `q` finds `title` first (the indexer runs on its own schedule).
async fn eventually_first(app: &TestApp, q: &str, title: &str) -> bool {
    for _ in 0..100 {
        if titles(&search(app, q).await).first().map(String::as_str) == Some(title) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn a_title_changed_through_the_api_is_found_by_its_new_name_via_the_running_indexer() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show = create_show(&app, &admin.token, "지킬앤하이드", "MUSICAL", 20).await;
    let config = indexer_config(&app);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let indexer = tokio::spawn(async move {
        marquee_indexer::serve(&config, async {
            let _ = stopped.await;
        })
        .await
    });

    assert!(eventually_first(&app, "지킬", "지킬앤하이드").await);
    let renamed = app
        .send(
            Method::PATCH,
            &format!("/api/v1/shows/{show}"),
            Some(&admin.token),
            Some(json!({"title": "뮤지컬 지킬앤하이드 20주년"})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
    assert!(eventually_first(&app, "20주년", "뮤지컬 지킬앤하이드 20주년").await);
    let body = search(&app, "20주녀").await;
    assert_eq!(titles(&body), ["뮤지컬 지킬앤하이드 20주년"]);
    assert_eq!(
        body["items"][0]["title_highlighted"],
        "뮤지컬 지킬앤하이드 <em>20주년</em>"
    );
    assert_eq!(body["index_ready"], true);

    // A poster uploaded: the indexer takes the show again (its updated_at moved) and
    // results draw it, in the JSON and on the results page.
    let poster = put_poster(
        &app.router,
        &admin,
        show,
        encode_image(&picture(300, 400), ImageFormat::Png),
        "image/png",
    )
    .await;
    assert_eq!(poster.status, StatusCode::OK, "{:?}", poster.body);
    let mut drawn = false;
    for _ in 0..100 {
        if search(&app, "20주년").await["items"][0]["poster"]["key"] == poster.body["key"] {
            drawn = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(drawn, "the search result carries the poster");
    let page = app
        .get(&format!("/search?q={}", encode_query("20주년")), None)
        .await;
    let card = poster.body["images"][0]["url"].as_str().unwrap();
    assert!(
        page.body.as_str().unwrap().contains(card),
        "{:?}",
        page.body
    );

    // A soft delete leaves search too.
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/shows/{show}"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let mut gone = false;
    for _ in 0..100 {
        if search(&app, "지킬앤하이드").await["total"] == 0 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "a deleted show must leave the index");

    stop.send(()).unwrap();
    indexer.await.unwrap().unwrap();
}

#[tokio::test]
async fn filters_suggestions_and_paging_work_over_http() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create_show(&app, &admin.token, "시카고", "MUSICAL", 10).await;
    create_show(&app, &admin.token, "시카고 타자기", "PLAY", 40).await;
    marquee_indexer::run_once(&indexer_config(&app))
        .await
        .unwrap();

    assert_eq!(search(&app, "tlzkrh").await["total"], 2);
    let plays = app
        .get(
            &format!("/api/v1/search?q={}&category=PLAY", encode_query("시카고")),
            None,
        )
        .await;
    assert_eq!(titles(&plays.body), ["시카고 타자기"]);

    let soon = (chrono::Utc::now() + chrono::Duration::days(20)).format("%Y-%m-%d");
    let early = app
        .get(
            &format!("/api/v1/search?q={}&to={soon}", encode_query("시카고")),
            None,
        )
        .await;
    assert_eq!(titles(&early.body), ["시카고"]);

    let paged = app
        .get(
            &format!(
                "/api/v1/search?q={}&limit=1&offset=1",
                encode_query("시카고")
            ),
            None,
        )
        .await;
    assert_eq!(paged.body["total"], 2);
    assert_eq!(paged.body["items"].as_array().unwrap().len(), 1);

    let suggested = app
        .get(
            &format!("/api/v1/search/suggest?q={}", encode_query("싴")),
            None,
        )
        .await;
    assert_eq!(suggested.status, StatusCode::OK);
    assert_eq!(suggested.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn odd_queries_get_clean_answers() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create_show(&app, &admin.token, "레미제라블", "MUSICAL", 10).await;
    marquee_indexer::run_once(&indexer_config(&app))
        .await
        .unwrap();

    // About 10 KB of UTF-8 (30 KB once percent-encoded in the URI).
    let long = "가나다".repeat(1_100);
    for q in [
        "   ",
        "🎭🎟️",
        "+-&&||!(){}[]^\"~*?:\\/",
        "' or 1=1 --",
        "\u{0}",
        long.as_str(),
    ] {
        let body = search(&app, q).await;
        assert_eq!(body["total"], 0, "query {q:?}");
    }
    for path in [
        "/api/v1/search".to_string(),
        "/api/v1/search?q=a&limit=0".to_string(),
        "/api/v1/search?q=a&limit=101".to_string(),
        "/api/v1/search?q=a&offset=1001".to_string(),
        "/api/v1/search?q=a&from=2026-13-01".to_string(),
        "/api/v1/search?q=a&from=2026-12-02&to=2026-12-01".to_string(),
        "/api/v1/search?q=a&category=OPERA".to_string(),
        "/api/v1/search/suggest".to_string(),
        "/api/v1/search/suggest?q=a&limit=21".to_string(),
    ] {
        let response = app.get(&path, None).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{path}: {:?}",
            response.body
        );
        assert_eq!(response.code(), "INVALID_QUERY", "{path}");
    }
}

#[tokio::test]
async fn before_the_first_index_search_is_empty_and_readiness_says_why() {
    let app = TestApp::spawn().await;
    let body = search(&app, "시카고").await;
    assert_eq!(body["total"], 0);
    assert_eq!(body["index_ready"], false);
    let suggest = app.get("/api/v1/search/suggest?q=abc", None).await;
    assert_eq!(suggest.status, StatusCode::OK);
    assert_eq!(suggest.body["items"], json!([]));

    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["search"]["status"], "not_indexed");

    marquee_indexer::run_once(&indexer_config(&app))
        .await
        .unwrap();
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.body["search"]["status"], "ok");
}
