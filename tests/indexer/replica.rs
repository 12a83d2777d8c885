//! The indexer reading its feed from a real MariaDB replica (`tests/support/
//! mariadb_replica.rs`): commits that reach the replica out of `updated_at` order are
//! caught by the overlap window, and a rebuild from a lagging replica starts from what
//! the replica has applied, not from its clock.

use std::time::Duration;

use marquee_core::catalog::repo as catalog;
use marquee_core::read_replicas::ReadReplicas;
use marquee_core::search::indexing::{Indexer, PassOptions};

use crate::index_dir::index_dir;
use crate::mariadb_replica::Replication;
use crate::test_db::TestDb;
use crate::{new_show, titles};

/// Reads for `db` that go to the replica, measured once so they do.
async fn reads_on_replica(replication: &Replication, db: &TestDb) -> ReadReplicas {
    replication.catch_up();
    let reads = ReadReplicas::new(
        db.pool.clone(),
        &[replication.replica_url(&db.name)],
        Duration::from_secs(60),
    )
    .unwrap();
    reads.check().await;
    replication.catch_up();
    reads.check().await;
    assert_eq!(reads.usable_count(), 1, "the replica is in use");
    reads
}

fn overlap(secs: u64) -> PassOptions {
    PassOptions {
        overlap: Duration::from_secs(secs),
        ..PassOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_commit_that_reaches_the_replica_behind_a_newer_one_is_caught_by_the_overlap() {
    let replication = Replication::start();
    let db = TestDb::on(&replication.primary_server()).await;
    let late = catalog::create_show(&db.pool, &new_show("늦은 공연", None))
        .await
        .unwrap();
    let reads = reads_on_replica(&replication, &db).await;
    // Two indexers over the same replica: one with the window, one without it.
    let (windowed_dir, bare_dir) = (index_dir(), index_dir());
    let mut windowed = Indexer::open(&*windowed_dir).unwrap();
    let mut bare = Indexer::open(&*bare_dir).unwrap();
    for (indexer, options) in [(&mut windowed, overlap(10)), (&mut bare, overlap(0))] {
        marquee_indexer::pass(indexer, &reads, options)
            .await
            .unwrap();
    }

    // On the primary, a transaction stamps `updated_at` first but commits last; the
    // replica applies the commits in that order, so the passes see the newer row first.
    let mut slow = db.pool.begin().await.unwrap();
    sqlx::query("update shows set title = '늦게 커밋된 공연' where id = ?")
        .bind(late)
        .execute(&mut *slow)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    catalog::create_show(&db.pool, &new_show("빠른 공연", None))
        .await
        .unwrap();
    replication.catch_up();
    for (indexer, options) in [(&mut windowed, overlap(10)), (&mut bare, overlap(0))] {
        let report = marquee_indexer::pass(indexer, &reads, options)
            .await
            .unwrap();
        assert_eq!(report.upserted, 1, "the newer show, from the replica");
    }
    slow.commit().await.unwrap();
    replication.catch_up();
    reads.check().await;
    assert_eq!(reads.usable_count(), 1);
    for (indexer, options) in [(&mut windowed, overlap(10)), (&mut bare, overlap(0))] {
        marquee_indexer::pass(indexer, &reads, options)
            .await
            .unwrap();
    }

    assert_eq!(titles(&windowed_dir, "늦게 커밋된"), ["늦게 커밋된 공연"]);
    // Without the window the late commit is behind the watermark for good: the window
    // is what catches it.
    assert!(titles(&bare_dir, "늦게 커밋된").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rebuild_from_a_lagging_replica_starts_from_what_the_replica_has_applied() {
    let replication = Replication::start();
    let db = TestDb::on(&replication.primary_server()).await;
    catalog::create_show(&db.pool, &new_show("시카고", None))
        .await
        .unwrap();
    let reads = reads_on_replica(&replication, &db).await;

    // The replica stops applying; the primary goes on, then the replica's clock moves
    // well past the new show's `updated_at` before the rebuild reads it.
    replication.pause();
    catalog::create_show(&db.pool, &new_show("레미제라블", None))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let dir = index_dir();
    let mut indexer = Indexer::open(&*dir).unwrap();
    let replica = reads.replica().expect("the replica is in use");
    let rebuilt = indexer
        .rebuild(replica.pool(), 100, |_, _| {})
        .await
        .unwrap();
    assert_eq!(rebuilt.upserted, 1, "only what the replica had applied");

    // Caught up, a pass without any overlap still finds the show the rebuild could not
    // see: the rebuild's watermark was the replica's last beat, not its clock.
    replication.resume();
    replication.catch_up();
    marquee_indexer::pass(&mut indexer, &reads, overlap(0))
        .await
        .unwrap();
    assert_eq!(titles(&dir, "레미제라블"), ["레미제라블"]);
}
