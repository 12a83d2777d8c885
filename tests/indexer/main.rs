//! The indexer against real MariaDB: incremental passes, deletes, late commits, crashes
//! between pages, restarts, a second indexer, rebuilds and the scheduled `serve` mode.

#[path = "../support/index_dir.rs"]
mod index_dir;
#[path = "../support/mariadb_replica.rs"]
mod mariadb_replica;
mod replica;
#[path = "../support/test_db.rs"]
mod test_db;

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use index_dir::index_dir;
use marquee_core::catalog::model::{
    Category, NewGrade, NewSchedule, NewShow, ShowPatch, VenueInput,
};
use marquee_core::catalog::repo as catalog;
use marquee_core::config::{IndexerConfig, ReadReplicaConfig};
use marquee_core::search::indexing::{Indexer, PassOptions};
use marquee_core::search::searcher::{SearchFilter, ShowSearch};
use marquee_core::secret::Secret;
use marquee_core::Error;
use test_db::TestDb;

fn new_show(title: &str, title_en: Option<&str>) -> NewShow {
    NewShow {
        title: title.into(),
        title_en: title_en.map(str::to_string),
        description: String::new(),
        category: Category::Musical,
        venue: VenueInput {
            name: "샤롯데씨어터".into(),
            address: String::new(),
        },
        artists: vec!["홍광호".into()],
        aliases: vec![],
        poster_url: None,
        refund_policy: None,
        booking_opens_at: Utc::now() - chrono::Duration::days(1),
        running_minutes: None,
        intermission_minutes: None,
        min_age: None,
        schedules: vec![NewSchedule {
            starts_at: Utc::now() + chrono::Duration::days(30),
            grades: vec![NewGrade {
                name: "R".into(),
                price: 100_000,
                rows: vec!["A".into()],
                seats_per_row: 2,
                general_admission: None,
            }],
            discounts: vec![],
            cast: vec![],
        }],
    }
}

/// What a reader opening the index now finds for `q`.
fn titles(dir: &PathBuf, q: &str) -> Vec<String> {
    ShowSearch::new(dir)
        .search(q, &SearchFilter::default(), 20, 0, Utc::now())
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.title)
        .collect()
}

fn documents(dir: &PathBuf) -> u64 {
    ShowSearch::new(dir).status().unwrap().documents
}

fn options() -> PassOptions {
    PassOptions::default()
}

fn rename(title: &str) -> ShowPatch {
    ShowPatch {
        title: Some(title.into()),
        ..ShowPatch::default()
    }
}

#[tokio::test]
async fn a_pass_indexes_new_and_changed_shows_and_nothing_else() {
    let db = TestDb::new().await;
    let dir = index_dir();
    let chicago = catalog::create_show(&db.pool, &new_show("시카고", Some("Chicago")))
        .await
        .unwrap();
    catalog::create_show(&db.pool, &new_show("레미제라블", None))
        .await
        .unwrap();
    let mut indexer = Indexer::open(&*dir).unwrap();

    let first = indexer.run_pass(&db.pool, options()).await.unwrap();
    assert_eq!((first.upserted, first.deleted), (2, 0));
    assert_eq!(titles(&dir, "시하고"), ["시카고"]);

    // Nothing changed: nothing is written, whatever the overlap re-reads.
    let idle = indexer.run_pass(&db.pool, options()).await.unwrap();
    assert_eq!((idle.upserted, idle.deleted), (0, 0));

    catalog::update_show(&db.pool, chicago, &rename("뮤지컬 시카고 25주년"))
        .await
        .unwrap();
    let changed = indexer.run_pass(&db.pool, options()).await.unwrap();
    assert_eq!((changed.upserted, changed.deleted), (1, 0));
    assert_eq!(titles(&dir, "25주년"), ["뮤지컬 시카고 25주년"]);
    assert_eq!(documents(&dir), 2, "an update replaces, never duplicates");
}

#[tokio::test]
async fn a_soft_deleted_show_leaves_the_index() {
    let db = TestDb::new().await;
    let dir = index_dir();
    let show = catalog::create_show(&db.pool, &new_show("맘마미아", None))
        .await
        .unwrap();
    let mut indexer = Indexer::open(&*dir).unwrap();
    indexer.run_pass(&db.pool, options()).await.unwrap();
    assert_eq!(titles(&dir, "맘마미아"), ["맘마미아"]);

    assert!(catalog::soft_delete_show(&db.pool, show).await.unwrap());
    let report = indexer.run_pass(&db.pool, options()).await.unwrap();
    assert_eq!(report.deleted, 1);
    assert!(titles(&dir, "맘마미아").is_empty());
    assert_eq!(documents(&dir), 0);
}

#[tokio::test]
async fn a_transaction_that_commits_late_with_an_older_timestamp_is_not_missed() {
    let db = TestDb::new().await;
    let dir = index_dir();
    let late = catalog::create_show(&db.pool, &new_show("늦은 공연", None))
        .await
        .unwrap();
    let mut indexer = Indexer::open(&*dir).unwrap();
    indexer.run_pass(&db.pool, options()).await.unwrap();

    // A transaction stamps updated_at now but commits only after another show's
    // change has been indexed and moved the watermark past it.
    let mut slow = db.pool.begin().await.unwrap();
    sqlx::query("update shows set title = '늦게 커밋된 공연' where id = ?")
        .bind(late)
        .execute(&mut *slow)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    catalog::create_show(&db.pool, &new_show("빠른 공연", None))
        .await
        .unwrap();
    let before = indexer.run_pass(&db.pool, options()).await.unwrap();
    assert_eq!(before.upserted, 1);
    slow.commit().await.unwrap();

    let after = indexer.run_pass(&db.pool, options()).await.unwrap();
    assert_eq!(
        after.upserted, 1,
        "the late row is inside the overlap window"
    );
    assert_eq!(titles(&dir, "늦게 커밋된"), ["늦게 커밋된 공연"]);
}

#[tokio::test]
async fn a_crash_between_pages_resumes_where_the_last_commit_stopped() {
    let db = TestDb::new().await;
    let dir = index_dir();
    for title in ["캣츠", "위키드", "라이온킹", "아이다", "드라큘라"] {
        catalog::create_show(&db.pool, &new_show(title, None))
            .await
            .unwrap();
    }
    let paged = PassOptions {
        page_size: 2,
        max_pages: Some(1),
        ..PassOptions::default()
    };
    {
        let mut indexer = Indexer::open(&*dir).unwrap();
        let report = indexer.run_pass(&db.pool, paged).await.unwrap();
        assert_eq!((report.upserted, report.pages), (2, 1));
        // The process dies here, after the first page's commit: the indexer and its
        // lock are dropped with the pass unfinished.
    }
    assert_eq!(documents(&dir), 2);

    let mut restarted = Indexer::open(&*dir).unwrap();
    let report = restarted
        .run_pass(
            &db.pool,
            PassOptions {
                page_size: 2,
                ..PassOptions::default()
            },
        )
        .await
        .unwrap();
    // The first page is re-read as overlap but not re-indexed.
    assert_eq!(report.upserted, 3);
    assert_eq!(documents(&dir), 5);
    for title in ["캣츠", "위키드", "라이온킹", "아이다", "드라큘라"] {
        assert_eq!(titles(&dir, title), [title]);
    }
}

#[tokio::test]
async fn an_index_written_by_an_older_analysis_is_rebuilt_by_the_next_pass() {
    let db = TestDb::new().await;
    let dir = index_dir();
    catalog::create_show(&db.pool, &new_show("벤허", None))
        .await
        .unwrap();
    catalog::create_show(&db.pool, &new_show("초록과 방학", None))
        .await
        .unwrap();
    let mut indexer = Indexer::open(&*dir).unwrap();
    indexer.run_pass(&db.pool, options()).await.unwrap();
    let old_generation = indexer.generation().to_path_buf();
    let watermark = indexer.watermark().unwrap().unwrap();
    drop(indexer);
    // What an indexer from before analysis versions left behind: the same watermark,
    // no version.
    let index = tantivy::Index::open_in_dir(&old_generation).unwrap();
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    let mut commit = writer.prepare_commit().unwrap();
    commit.set_payload(&format!(
        r#"{{"updated_at":"{}","id":{}}}"#,
        watermark.updated_at.to_rfc3339(),
        watermark.id
    ));
    commit.commit().unwrap();
    drop(writer);

    let mut indexer = Indexer::open(&*dir).unwrap();
    let report = indexer.run_pass(&db.pool, options()).await.unwrap();
    assert!(report.rebuilt);
    assert_eq!(report.upserted, 2);
    assert_ne!(indexer.generation(), old_generation);
    // The rebuilt keys mark whole-title initials: ㅂㅎ is all of 벤허, one word of the other.
    assert_eq!(titles(&dir, "ㅂㅎ"), ["벤허", "초록과 방학"]);

    let next = indexer.run_pass(&db.pool, options()).await.unwrap();
    assert!(!next.rebuilt, "the rebuilt index is current");
}

#[tokio::test]
async fn an_index_with_yesterdays_schema_keeps_answering_until_the_pass_rebuilds_it() {
    use marquee_core::search::layout::IndexLayout;
    use marquee_core::search::schema::{self, Fields, ShowDocument};
    use marquee_core::search::spelling::Spelling;

    let db = TestDb::new().await;
    let dir = index_dir();
    catalog::create_show(&db.pool, &new_show("벤허", None))
        .await
        .unwrap();
    // A generation as the indexer before venue keys wrote it: every field but
    // venue_keys, analysis 2, the show in it.
    {
        let layout = IndexLayout::new(&*dir);
        let lock = layout.lock_writer().unwrap();
        let generation = layout.new_generation(&lock).unwrap();
        let mut builder = tantivy::schema::Schema::builder();
        for (_, entry) in schema::schema().fields() {
            if entry.name() != "venue_keys" {
                builder.add_field(entry.clone());
            }
        }
        let index = tantivy::Index::create_in_dir(&generation, builder.build()).unwrap();
        // Keys spelled as they were before analysis 4: jamo in UTF-8.
        schema::register_tokenizers(&index, Spelling::Raw);
        let fields = Fields::new(&index.schema()).unwrap();
        assert!(fields.venue_keys.is_none());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        let now = Utc::now();
        let show = ShowDocument {
            id: 1,
            title: "벤허".into(),
            title_en: None,
            artists: vec![],
            aliases: vec![],
            venue: "샤롯데씨어터".into(),
            category: "MUSICAL".into(),
            poster_url: None,
            poster_key: None,
            booking_opens_at: now - chrono::Duration::days(1),
            starts_at: vec![now + chrono::Duration::days(30)],
            like_count: 0,
            updated_at: now,
        };
        writer
            .add_document(schema::to_document(&fields, &show))
            .unwrap();
        let mut commit = writer.prepare_commit().unwrap();
        commit.set_payload(&format!(
            r#"{{"updated_at":"{}","id":1,"analysis":2}}"#,
            now.to_rfc3339()
        ));
        commit.commit().unwrap();
        layout.make_current(&lock, &generation).unwrap();
    }
    // The api's searcher answers from it as it is, venues aside.
    assert_eq!(titles(&dir, "벤허"), ["벤허"]);
    assert!(titles(&dir, "샤롯데 벤허").contains(&"벤허".to_string()));

    let mut indexer = Indexer::open(&*dir).unwrap();
    let report = indexer.run_pass(&db.pool, options()).await.unwrap();
    assert!(report.rebuilt, "an older analysis is rebuilt");
    // Today's schema: the venue is searchable.
    assert_eq!(titles(&dir, "샤롯데"), ["벤허"]);
    assert!(!indexer.run_pass(&db.pool, options()).await.unwrap().rebuilt);
}

#[tokio::test]
async fn a_second_indexer_on_the_same_directory_is_refused() {
    let dir = index_dir();
    let first = Indexer::open(&*dir).unwrap();
    match Indexer::open(&*dir) {
        Err(Error::IndexLocked { path }) => assert_eq!(PathBuf::from(path), *dir),
        other => panic!("expected IndexLocked, got {:?}", other.err()),
    }

    // The binary says so in one line and exits non-zero, without touching the index.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_marquee-indexer"))
        .arg("run-once")
        .env("INDEX_DIR", &*dir)
        .env("DATABASE_URL", format!("{}/unused", test_db::server_url()))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("another indexer is already writing"),
        "{stderr}"
    );
    drop(first);
}

#[tokio::test]
async fn a_rebuild_swaps_in_a_complete_fresh_generation() {
    let db = TestDb::new().await;
    let dir = index_dir();
    for title in ["햄릿", "맥베스", "리어왕"] {
        catalog::create_show(&db.pool, &new_show(title, None))
            .await
            .unwrap();
    }
    let mut indexer = Indexer::open(&*dir).unwrap();
    indexer.run_pass(&db.pool, options()).await.unwrap();
    let reader = ShowSearch::new(&*dir);
    assert_eq!(
        reader
            .search("햄릿", &SearchFilter::default(), 5, 0, Utc::now())
            .unwrap()
            .total,
        1
    );
    let old_generation = indexer.generation().to_path_buf();

    // Enough shows that both rebuild writer threads take some of them.
    for n in 0..60 {
        catalog::create_show(&db.pool, &new_show(&format!("공연 {n}"), None))
            .await
            .unwrap();
    }

    let mut seen = Vec::new();
    let report = indexer
        .rebuild(&db.pool, 2, |done, total| seen.push((done, total)))
        .await
        .unwrap();
    assert_eq!(report.upserted, 63);
    assert_eq!(seen.last(), Some(&(63, 63)));
    assert_ne!(indexer.generation(), old_generation);
    assert!(!old_generation.exists());
    // It serves from one segment, and the merge that made it kept the watermark.
    let rebuilt = tantivy::Index::open_in_dir(indexer.generation()).unwrap();
    assert_eq!(rebuilt.searchable_segment_ids().unwrap().len(), 1);
    assert_eq!(indexer.watermark().unwrap(), report.watermark);
    assert_eq!(documents(&dir), 63);
    // Equal matches come by show id, whatever order the writer threads left them in.
    let expected: Vec<String> = (0..20).map(|n| format!("공연 {n}")).collect();
    assert_eq!(titles(&dir, "공연"), expected);
    // A reader opened before the swap follows it by itself.
    assert_eq!(
        reader
            .search("맥베스", &SearchFilter::default(), 5, 0, Utc::now())
            .unwrap()
            .total,
        1
    );

    // The next incremental pass starts from the rebuild's watermark.
    let next = indexer.run_pass(&db.pool, options()).await.unwrap();
    assert_eq!(next.upserted, 0);
}

#[tokio::test]
async fn serve_makes_a_change_searchable_within_seconds() {
    let db = TestDb::new().await;
    let dir = index_dir();
    let show = catalog::create_show(&db.pool, &new_show("노트르담 드 파리", None))
        .await
        .unwrap();
    let config = IndexerConfig {
        database_url: Secret::new(db.url.clone()),
        read_replicas: ReadReplicaConfig::default(),
        index_dir: dir.to_path_buf(),
        schedule: "*/1 * * * * *".into(),
        overlap: Duration::from_secs(10),
        page_size: 1000,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(async move {
        marquee_indexer::serve(&config, async {
            let _ = stopped.await;
        })
        .await
    });

    let reader = ShowSearch::new(&*dir);
    let wait_for = |q: &'static str| {
        let reader = &reader;
        async move {
            for _ in 0..100 {
                let found = reader
                    .search(q, &SearchFilter::default(), 5, 0, Utc::now())
                    .unwrap();
                if found.total > 0 {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            false
        }
    };
    assert!(wait_for("노트르담").await, "first pass indexes the catalog");
    catalog::update_show(&db.pool, show, &rename("노트르담 드 파리 내한"))
        .await
        .unwrap();
    assert!(
        wait_for("내한").await,
        "a scheduled pass picks the change up"
    );

    stop.send(()).unwrap();
    serving.await.unwrap().unwrap();
    // Stopped: the lock is free again.
    assert!(Indexer::open(&*dir).is_ok());
}

#[tokio::test]
async fn a_bad_schedule_is_a_configuration_error() {
    let err = marquee_indexer::parse_schedule("every two seconds").unwrap_err();
    assert_eq!(err.var, "INDEXER_SCHEDULE");
    assert!(marquee_indexer::parse_schedule("*/2 * * * * *").is_ok());
}
