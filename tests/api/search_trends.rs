//! Popular searches and misses, counted by several api processes into one Redis.

use axum::http::{Method, StatusCode};
use marquee_api::plumbing::state::AppState;
use marquee_core::search::indexing::{Indexer, PassOptions};
use serde_json::Value;

use crate::harness::{send, TestApp};
use crate::redis_cluster::RedisCluster;
use crate::search::encode_query as encode;

/// One more api process on the same database, index and Redis keys as `app`.
fn another_process(app: &TestApp) -> (AppState, axum::Router) {
    let state = AppState::new(app.pool().clone(), &app.config);
    let router = marquee_api::app(state.clone());
    (state, router)
}

async fn searched(router: &axum::Router, client: &str, q: &str, extra: &str) -> Value {
    let path = format!("/api/v1/search?q={}{extra}", encode(q));
    let answer = send(
        router,
        Method::GET,
        &path,
        None,
        None,
        &[("x-forwarded-for", client)],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.body
}

fn counts(body: &Value) -> Vec<(String, u64)> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["query"].as_str().unwrap().to_string(),
                i["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn two_processes_add_up_each_client_once_and_only_whole_unfiltered_searches_count() {
    let app = TestApp::with_config(&[("CLIENT_IP_HEADER", "X-Forwarded-For")]).await;
    two_processes_count(&app).await;
}

/// The counts' keys share one hash tag (`{search}`), so the union over time buckets runs
/// on one shard of a cluster.
#[tokio::test]
async fn on_a_redis_cluster_two_processes_count_the_same() {
    let cluster = RedisCluster::start(3);
    let url = cluster.url();
    let app =
        TestApp::with_config(&[("CLIENT_IP_HEADER", "X-Forwarded-For"), ("REDIS_URL", &url)]).await;
    two_processes_count(&app).await;
}

/// A show on sale, 시카고 (Chicago), in the index.
async fn chicago_indexed(app: &TestApp) {
    app.show_on_sale(10, 2).await;
    let mut indexer = Indexer::open(&*app.index_dir).unwrap();
    indexer
        .run_pass(app.pool(), PassOptions::default())
        .await
        .unwrap();
}

async fn two_processes_count(app: &TestApp) {
    chicago_indexed(app).await;
    let (first, first_router) = another_process(app);
    let (second, second_router) = another_process(app);
    let (a, b, c) = ("203.0.113.1", "203.0.113.2", "203.0.113.3");

    // One client repeating itself counts once.
    for _ in 0..3 {
        searched(&first_router, a, "chicago", "").await;
    }
    // Case and spaces do not split a query; another process adds to the same count.
    searched(&second_router, b, "  CHICAGO ", "").await;
    searched(&first_router, c, "chicago", "").await;
    // Not searches of their own: a keystroke of as-you-type, a second page, a filter.
    searched(&second_router, "203.0.113.4", "chicago", "&typing=true").await;
    searched(&second_router, "203.0.113.5", "chicago", "&offset=20").await;
    searched(&second_router, "203.0.113.6", "chicago", "&category=PLAY").await;
    // Other typings of the same show count under what they found: a typo, the
    // English layout, initials, Korean as typed. Mash finds nothing, so it is a miss.
    searched(&second_router, "203.0.113.7", "시하고", "").await;
    searched(&first_router, "203.0.113.8", "tlzkrh", "").await;
    searched(&second_router, "203.0.113.9", "ㅅㅋㄱ", "").await;
    searched(&first_router, "203.0.113.10", "시카고", "").await;
    // Found by one word of two: neither popular nor a miss.
    searched(&first_router, a, "chicago 아무말대잔치", "").await;
    searched(&second_router, b, "존재하지않는공연제목", "").await;
    searched(&first_router, a, "존재하지않는공연제목", "").await;
    searched(&first_router, a, "!!!", "").await;
    first.trends.flush().await.unwrap();
    second.trends.flush().await.unwrap();

    let popular = app.get("/api/v1/search/popular", None).await;
    assert_eq!(popular.status, StatusCode::OK, "{:?}", popular.body);
    // Seven searches by seven clients, all of 시카고, shown as its title says.
    assert_eq!(counts(&popular.body), [("시카고".to_string(), 7)]);
    // The home page's chips read the same, and none of what was typed.
    let home = app.get("/", None).await;
    let page = home.body.as_str().expect("an HTML page");
    assert!(page.contains("인기 검색어"), "{page}");
    assert!(page.contains(r#"<a href="/search?q=%EC%8B%9C%EC%B9%B4%EA%B3%A0">시카고</a>"#));
    for typed in ["tlzkrh", "시하고", "ㅅㅋㄱ", "chicago"] {
        assert!(
            !page.contains(&format!(">{typed}<")),
            "{typed} on the home page"
        );
    }

    let admin = app.admin().await;
    let misses = app
        .get("/api/v1/admin/search/misses?limit=5", Some(&admin.token))
        .await;
    assert_eq!(misses.status, StatusCode::OK, "{:?}", misses.body);
    assert_eq!(
        counts(&misses.body),
        [("존재하지않는공연제목".to_string(), 2)]
    );
}

#[tokio::test]
async fn misses_are_for_admins_and_limits_are_checked() {
    let app = TestApp::spawn().await;
    let user = app.user("fan@example.kr").await;
    let misses = "/api/v1/admin/search/misses";
    assert_eq!(app.get(misses, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get(misses, Some(&user.token)).await.status,
        StatusCode::FORBIDDEN
    );
    for limit in ["0", "51", "x"] {
        let answer = app
            .get(&format!("/api/v1/search/popular?limit={limit}"), None)
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "limit {limit}");
        assert_eq!(answer.code(), "INVALID_QUERY");
    }
}

#[tokio::test]
async fn a_blocked_term_keeps_its_readings_off_popular_searches() {
    let app = TestApp::with_config(&[("CLIENT_IP_HEADER", "X-Forwarded-For")]).await;
    chicago_indexed(&app).await;
    let (state, router) = another_process(&app);
    searched(&router, "203.0.113.1", "시카고", "").await;
    state.trends.flush().await.unwrap();
    let popular = || async {
        let answer = app.get("/api/v1/search/popular", None).await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        counts(&answer.body)
    };
    assert_eq!(popular().await, [("시카고".to_string(), 1)]);

    let admin = app.admin().await;
    let user = app.user("fan@example.kr").await;
    let term = format!("/api/v1/admin/search/blocklist/{}", encode("  시카 "));
    // Admins only.
    let refused = app.send(Method::PUT, &term, Some(&user.token), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.send(Method::PUT, &term, None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A part of a reading hides it; stored as search normalizes it; twice is once.
    for _ in 0..2 {
        let blocked = app.send(Method::PUT, &term, Some(&admin.token), None).await;
        assert_eq!(blocked.status, StatusCode::OK, "{:?}", blocked.body);
        assert_eq!(blocked.body["term"], "시카");
    }
    let list = app
        .get("/api/v1/admin/search/blocklist", Some(&admin.token))
        .await;
    assert_eq!(list.body["terms"], serde_json::json!(["시카"]));
    // The cached counts are read again within five seconds; the blocklist at once.
    assert_eq!(popular().await, []);

    let removed = app
        .send(Method::DELETE, &term, Some(&admin.token), None)
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(popular().await, [("시카고".to_string(), 1)]);
    let again = app
        .send(Method::DELETE, &term, Some(&admin.token), None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.code(), "BLOCKED_TERM_NOT_FOUND");
    // Blank, punctuation only, or longer than any reading: refused with the field named.
    for bad in ["%20%20", "!!", &encode(&"가".repeat(41))] {
        let answer = app
            .send(
                Method::PUT,
                &format!("/api/v1/admin/search/blocklist/{bad}"),
                Some(&admin.token),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(answer.code(), "VALIDATION_FAILED");
    }
}
