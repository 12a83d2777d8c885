//! Two api nodes, each with its own indexer and index, over one catalog: node A's
//! indexer reads the primary in small pages (many commits, many segments), node B's
//! reads a real replica (`tests/support/mariadb_replica.rs`) and rebuilds in one go.
//! Once both have caught up, every query answers the same top 10 on both.

use axum::http::{Method, StatusCode};
use axum::Router;
use marquee_api::AppState;
use marquee_core::config::{IndexerConfig, ReadReplicaConfig};
use marquee_core::secret::Secret;
use serde_json::json;
use std::time::Duration;

use crate::harness::{index_dir, send, test_config, IndexDir, TestApp, TestDb};
use crate::mariadb_replica::Replication;
use crate::search::encode_query as encode;

/// Every tenth labelled query of the search benchmark: every kind of typing (typos,
/// initials, the English layout, particles, ...), and negatives.
fn queries() -> Vec<String> {
    let text = include_str!("../data/search_queries.tsv");
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split('\t').nth(1))
        .step_by(10)
        .map(str::to_string)
        .collect()
}

fn indexer(db: &TestDb, dir: &IndexDir, replicas: Vec<Secret>, page_size: u32) -> IndexerConfig {
    IndexerConfig {
        database_url: Secret::new(db.url.clone()),
        read_replicas: ReadReplicaConfig {
            urls: replicas,
            max_lag: Duration::from_secs(60),
        },
        index_dir: dir.to_path_buf(),
        schedule: "*/1 * * * * *".into(),
        overlap: Duration::from_secs(10),
        page_size,
    }
}

/// The ids of a node's top 10 for `q`.
async fn top_ten(node: &Router, q: &str) -> Vec<i64> {
    let path = format!("/api/v1/search?q={}&limit=10&typing=true", encode(q));
    let answer = send(node, Method::GET, &path, None, None, &[]).await;
    assert_eq!(answer.status, StatusCode::OK, "{q}: {:?}", answer.body);
    answer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_i64().unwrap())
        .collect()
}

/// Asserts both nodes agree on every query; returns how many found something.
async fn agree(a: &Router, b: &Router, queries: &[String]) -> usize {
    let mut found = 0;
    for q in queries {
        let (on_a, on_b) = (top_ten(a, q).await, top_ten(b, q).await);
        assert_eq!(on_a, on_b, "the nodes disagree on {q}");
        found += usize::from(!on_a.is_empty());
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_with_their_own_indexes_answer_the_same_top_ten() {
    let replication = Replication::start();
    let node_a = TestApp::on_database(TestDb::on(&replication.primary_server()).await, &[]).await;
    let db = &node_a.db;
    let created = marquee_core::catalog::demo::seed(&node_a.db.pool)
        .await
        .unwrap();
    assert!(created.len() >= 200);

    let dir_b = index_dir();
    let dir_b_path = dir_b.display().to_string();
    let replica_url = replication.replica_url(&db.name);
    let config_b = test_config(&[
        ("INDEX_DIR", dir_b_path.as_str()),
        ("QUEUE_KEY_PREFIX", db.name.as_str()),
        ("DATABASE_READ_URL", replica_url.as_str()),
    ]);
    let state_b = AppState::new(db.second_pool().await, &config_b);
    marquee_core::read_replicas::spawn_monitor(state_b.reads.clone());
    let node_b = marquee_api::app(state_b);

    let indexer_a = indexer(db, &node_a.index_dir, vec![], 7);
    let indexer_b = indexer(db, &dir_b, vec![Secret::new(replica_url.clone())], 1000);
    let pass_a = marquee_indexer::run_once(&indexer_a).await.unwrap();
    assert!(
        pass_a.pages > 20,
        "node A commits page by page: {}",
        pass_a.pages
    );
    replication.catch_up();
    let rebuilt_b = marquee_indexer::rebuild(&indexer_b).await.unwrap();
    assert_eq!(rebuilt_b.upserted, pass_a.upserted);

    let queries = queries();
    let found = agree(&node_a.router, &node_b, &queries).await;
    assert!(
        found * 10 >= queries.len() * 7,
        "only {found} of {} queries found anything",
        queries.len()
    );

    // A rename and a withdrawal on node A reach both indexes, node B's through the
    // replica: while the replica lags, node B's index lags with it (within the bound
    // it is behind, not wrong); once the replica catches up, so does node B.
    let admin = node_a.admin().await;
    replication.pause();
    let ids: Vec<i64> = sqlx::query_scalar("select id from shows order by id limit 2")
        .fetch_all(node_a.pool())
        .await
        .unwrap();
    let renamed = node_a
        .send(
            Method::PATCH,
            &format!("/api/v1/shows/{}", ids[0]),
            Some(&admin.token),
            Some(json!({"title": "시카고 25주년 기념 공연"})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
    let gone = node_a
        .send(
            Method::DELETE,
            &format!("/api/v1/shows/{}", ids[1]),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);
    let pass_a = marquee_indexer::run_once(&indexer_a).await.unwrap();
    assert_eq!((pass_a.upserted, pass_a.deleted), (1, 1));
    let pass_b = marquee_indexer::run_once(&indexer_b).await.unwrap();
    assert_eq!(
        (pass_b.upserted, pass_b.deleted),
        (0, 0),
        "node B reads the replica"
    );
    replication.resume();
    replication.catch_up();
    let pass_b = marquee_indexer::run_once(&indexer_b).await.unwrap();
    assert_eq!((pass_b.upserted, pass_b.deleted), (1, 1));
    let on_a = top_ten(&node_a.router, "시카고 25주년").await;
    assert_eq!(on_a.first(), Some(&ids[0]));
    assert_eq!(on_a, top_ten(&node_b, "시카고 25주년").await);
    agree(&node_a.router, &node_b, &queries).await;
}
