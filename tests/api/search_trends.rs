//! Popular searches and misses, counted by several api processes into one Redis.

use axum::http::{Method, StatusCode};
use marquee_api::plumbing::state::AppState;
use marquee_core::search::indexing::{Indexer, PassOptions};
use serde_json::Value;

use crate::harness::{send, TestApp};
use crate::redis_cluster::RedisCluster;
use crate::search::encode;

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

async fn two_processes_count(app: &TestApp) {
    app.show_on_sale(10, 2).await; // 시카고 (Chicago)
    let mut indexer = Indexer::open(&*app.index_dir).unwrap();
    indexer
        .run_pass(app.pool(), PassOptions::default())
        .await
        .unwrap();
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
    // Found by one word of two: neither popular nor a miss.
    searched(&first_router, a, "chicago 아무말대잔치", "").await;
    searched(&second_router, b, "존재하지않는공연제목", "").await;
    searched(&first_router, a, "존재하지않는공연제목", "").await;
    searched(&first_router, a, "!!!", "").await;
    first.trends.flush().await.unwrap();
    second.trends.flush().await.unwrap();

    let popular = app.get("/api/v1/search/popular", None).await;
    assert_eq!(popular.status, StatusCode::OK, "{:?}", popular.body);
    assert_eq!(counts(&popular.body), [("chicago".to_string(), 3)]);

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
