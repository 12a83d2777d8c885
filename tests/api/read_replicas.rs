//! Read replicas against a real MariaDB primary and replica that each test starts on
//! loopback ports (`tests/support/mariadb_replica.rs`): the public catalog comes from a
//! replica that keeps up and from the primary when it lags or dies, and what decides
//! seats or money, or what a user reads about themselves, never comes from a replica.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::{TestApp, TestDb};
use crate::mariadb_replica::Replication;
use crate::page_cache::status_of as seat_status;

/// An app on a private primary whose catalog reads may go to the replica, once the
/// replica is measured as keeping up.
async fn app_with_replica(replication: &Replication, max_lag_secs: &str) -> TestApp {
    let db = TestDb::on(&replication.primary_server()).await;
    let replica_url = replication.replica_url(&db.name);
    let app = TestApp::on_database(
        db,
        &[
            ("DATABASE_READ_URL", replica_url.as_str()),
            ("READ_REPLICA_MAX_LAG_SECS", max_lag_secs),
        ],
    )
    .await;
    replication.catch_up();
    wait_until("the replica is in use", || {
        app.state.reads.usable_count() == 1
    })
    .await;
    app
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn title(app: &TestApp, show_id: i64) -> String {
    let show = app.get(&format!("/api/v1/shows/{show_id}"), None).await;
    assert_eq!(show.status, StatusCode::OK, "{:?}", show.body);
    show.body["title"].as_str().unwrap().to_string()
}

/// Renames a show on the primary behind the api's back, as another node's admin would.
async fn rename(app: &TestApp, show_id: i64, title: &str) {
    sqlx::query("update shows set title = ? where id = ?")
        .bind(title)
        .bind(show_id)
        .execute(app.pool())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_reads_come_from_a_replica_that_keeps_up_and_from_the_primary_once_it_lags() {
    let replication = Replication::start();
    let app = app_with_replica(&replication, "2").await;
    let show = app.show_on_sale(10, 4).await;
    replication.catch_up();
    assert_eq!(title(&app, show.show_id).await, "시카고");

    // The replica stops applying. Until its lag passes the bound it still answers, so
    // the rename is not seen yet: the answer came from the replica, a moment stale.
    replication.pause();
    rename(&app, show.show_id, "레미제라블").await;
    assert_eq!(title(&app, show.show_id).await, "시카고");

    // Past the bound (2 s) the primary answers, every catalog read with it.
    let started = Instant::now();
    loop {
        if title(&app, show.show_id).await == "레미제라블" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "reads never left the lagging replica"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.state.reads.usable_count(), 0);
    let list = app.get("/api/v1/shows", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["items"][0]["title"], "레미제라블");
    let page = app.get(&format!("/shows/{}", show.show_id), None).await;
    assert_eq!(page.status, StatusCode::OK);

    // Caught up again, the replica is back in use, and shows the rename too.
    replication.resume();
    replication.catch_up();
    wait_until("the replica is in use again", || {
        app.state.reads.usable_count() == 1
    })
    .await;
    assert_eq!(title(&app, show.show_id).await, "레미제라블");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_sees_their_own_writes_and_seats_are_decided_on_the_primary_while_the_replica_lags()
{
    let replication = Replication::start();
    // A bound the test never reaches: the replica stays in use, however stale.
    let app = app_with_replica(&replication, "3600").await;
    let show = app.show_on_sale(10, 4).await;
    let buyer = app.user("buyer@marquee.test").await;
    let rival = app.user("rival@marquee.test").await;
    replication.catch_up();
    let seat = show.seat_ids[0];
    replication.pause();

    app.charge(&buyer, 80_000).await;
    let points = app.get("/api/v1/points", Some(&buyer.token)).await;
    assert_eq!(points.body["balance"], 80_000, "{:?}", points.body);

    app.buy(&buyer, show.schedule_id, &[seat]).await;
    let tickets = app.get("/api/v1/tickets", Some(&buyer.token)).await;
    assert_eq!(tickets.status, StatusCode::OK);
    let sold: Vec<i64> = tickets.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["seat_id"].as_i64().unwrap())
        .collect();
    assert_eq!(sold, [seat], "{:?}", tickets.body);
    let points = app.get("/api/v1/points", Some(&buyer.token)).await;
    assert_eq!(points.body["balance"], 30_000);

    // The public seat map is a picture from the lagging replica: the seat still looks
    // free. The hold is decided on the primary, which knows it is sold.
    let seats_path = format!(
        "/api/v1/shows/{}/schedules/{}/seats",
        show.show_id, show.schedule_id
    );
    let seats = app.get(&seats_path, None).await;
    assert_eq!(seat_status(&seats.body, seat), "AVAILABLE");
    let taken = app
        .post(
            "/api/v1/holds",
            Some(&rival.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": [seat]}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{:?}", taken.body);
    assert_eq!(taken.code(), "SEAT_UNAVAILABLE");

    replication.resume();
    replication.catch_up();
    let seats = app.get(&seats_path, None).await;
    assert_eq!(seat_status(&seats.body, seat), "SOLD");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_killed_mid_run_changes_no_answer() {
    let mut replication = Replication::start();
    let app = app_with_replica(&replication, "5").await;
    let show = app.show_on_sale(10, 4).await;
    replication.catch_up();
    let paths = [
        format!("/api/v1/shows/{}", show.show_id),
        "/api/v1/shows".to_string(),
        format!(
            "/api/v1/shows/{}/schedules/{}/seats",
            show.show_id, show.schedule_id
        ),
        "/api/v1/trades".to_string(),
        format!("/shows/{}", show.show_id),
        "/".to_string(),
    ];
    let check = async |app: &TestApp| {
        for path in &paths {
            let answer = app.get(path, None).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {:?}", answer.body);
        }
        assert_eq!(title(app, show.show_id).await, "시카고");
    };
    check(&app).await;

    // Readers in flight while the replica dies: every answer is still right.
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let router = app.router.clone();
            let path = format!("/api/v1/shows/{}", show.show_id);
            tokio::spawn(async move {
                let mut answers = 0;
                let until = Instant::now() + Duration::from_millis(1500);
                while Instant::now() < until {
                    let show = crate::harness::send(
                        &router,
                        axum::http::Method::GET,
                        &path,
                        None,
                        None,
                        &[],
                    )
                    .await;
                    assert_eq!(show.status, StatusCode::OK, "{:?}", show.body);
                    assert_eq!(show.body["title"], "시카고");
                    answers += 1;
                }
                answers
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    replication.kill_replica();
    for reader in readers {
        assert!(reader.await.unwrap() > 0);
    }
    check(&app).await;
    wait_until("the dead replica is set aside", || {
        app.state.reads.usable_count() == 0
    })
    .await;
    check(&app).await;
}
