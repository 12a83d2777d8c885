//! `marquee-indexer`: keeps the search index in step with the catalog in MariaDB.
//!
//! Three modes over one `marquee_core::search::indexing::Indexer`:
//! - `run-once`: one incremental pass, then exit (cron jobs, scripts, tests);
//! - `serve`: a pass at start, then one per tick of `INDEXER_SCHEDULE`; a tick that
//!   finds the previous pass still running is skipped, so passes never overlap;
//! - `rebuild`: re-index everything into a fresh generation and swap it in.
//!
//! Only one indexer may write an index directory; a second one exits with
//! `IndexLocked` before touching anything.
//!
//! With `DATABASE_READ_URL` the feed is read from a read replica while one keeps up
//! (`marquee_core::read_replicas`), so every api node can run its own indexer without
//! loading the primary; a pass whose replica fails runs again on the primary. Replica
//! lag cannot make a pass skip a row: a replica applies commits in the primary's commit
//! order, so what it shows is a prefix of what the primary shows, and the watermark is
//! the newest row read, not a clock. Late commits behind the watermark are what
//! `INDEXER_OVERLAP_SECS` is for, on a replica as on the primary.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use marquee_core::config::{ConfigError, IndexerConfig};
use marquee_core::db;
use marquee_core::read_replicas::{self, ReadReplicas};
use marquee_core::search::indexing::{Indexer, PassOptions, PassReport};
use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Core(#[from] marquee_core::Error),
    #[error("scheduler: {0}")]
    Scheduler(#[from] JobSchedulerError),
}

pub type Result<T, E = IndexerError> = std::result::Result<T, E>;

fn pass_options(config: &IndexerConfig) -> PassOptions {
    PassOptions {
        page_size: config.page_size,
        overlap: config.overlap,
        max_pages: None,
    }
}

/// One line per pass, with what it did.
pub fn log_pass(mode: &str, report: &PassReport) {
    tracing::info!(
        mode,
        upserted = report.upserted,
        deleted = report.deleted,
        unchanged = report.unchanged,
        pages = report.pages,
        rebuilt = report.rebuilt,
        watermark = ?report.watermark.map(|w| (w.updated_at, w.id)),
        duration_ms = report.elapsed.as_millis() as u64,
        "indexer pass"
    );
}

/// The primary and the replicas, measured once so the first pass can use a replica.
async fn connect(config: &IndexerConfig) -> Result<ReadReplicas> {
    let primary = db::connect(config.database_url.expose()).await?;
    let urls: Vec<&str> = config
        .read_replicas
        .urls
        .iter()
        .map(|url| url.expose())
        .collect();
    let reads = ReadReplicas::new(primary, &urls, config.read_replicas.max_lag)?;
    reads.settle().await;
    Ok(reads)
}

/// One incremental pass, on a replica that keeps up or on the primary; a pass whose
/// replica fails runs again on the primary (the pages it committed stay done).
pub async fn pass(
    indexer: &mut Indexer,
    reads: &ReadReplicas,
    options: PassOptions,
) -> marquee_core::Result<PassReport> {
    // Spelled out rather than `reads.read_within`: a pass runs inside the scheduler's
    // boxed `Send` job, where rustc cannot yet prove an async closure's future `Send`.
    if let Some(replica) = reads.replica() {
        match indexer.run_pass(replica.pool(), options).await {
            Err(err) if err.is_database_failure() => {
                reads.set_aside(&replica, &format!("an indexer pass failed: {err}"));
            }
            done => return done,
        }
    }
    indexer.run_pass(reads.primary(), options).await
}

pub async fn run_once(config: &IndexerConfig) -> Result<PassReport> {
    let mut indexer = Indexer::open(&config.index_dir)?;
    let reads = connect(config).await?;
    let report = pass(&mut indexer, &reads, pass_options(config)).await?;
    log_pass("run-once", &report);
    reads.primary().close().await;
    Ok(report)
}

/// Checks the cron expression before anything else starts, so a typo is one clear
/// line at start-up rather than a scheduler that never fires.
pub fn parse_schedule(schedule: &str) -> Result<(), ConfigError> {
    Job::new_async(schedule, |_, _| Box::pin(async {}))
        .map(|_| ())
        .map_err(|err| ConfigError {
            var: "INDEXER_SCHEDULE",
            message: format!("not a cron expression with seconds (`{schedule}`): {err}"),
        })
}

/// Runs passes on the schedule until `shutdown` resolves; a pass in progress then
/// finishes (its commit is what makes it count) before this returns.
pub async fn serve(
    config: &IndexerConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    parse_schedule(&config.schedule)?;
    let indexer = Indexer::open(&config.index_dir)?;
    let reads = connect(config).await?;
    read_replicas::spawn_monitor(reads.clone());
    let options = pass_options(config);
    // An Option, so shutdown can drop the indexer (and its lock) even though the
    // scheduler may keep the job closure alive.
    let indexer = Arc::new(Mutex::new(Some(indexer)));
    {
        let mut first = indexer.lock().await;
        let first = first.as_mut().expect("the indexer is there until shutdown");
        match pass(first, &reads, options).await {
            Ok(report) => log_pass("serve", &report),
            Err(err) => tracing::error!(error = %err, "indexer pass failed"),
        }
    }

    let scheduler = JobScheduler::new().await?;
    let (job_indexer, job_reads) = (indexer.clone(), reads.clone());
    let job = Job::new_async(config.schedule.as_str(), move |_, _| {
        let (indexer, reads) = (job_indexer.clone(), job_reads.clone());
        Box::pin(async move {
            // The previous tick's pass is still running: skip rather than queue, so a
            // slow pass never piles up work behind it.
            let Ok(mut indexer) = indexer.try_lock() else {
                tracing::debug!("previous indexer pass still running; tick skipped");
                return;
            };
            let Some(indexer) = indexer.as_mut() else {
                return; // shutting down
            };
            match pass(indexer, &reads, options).await {
                Ok(report) => log_pass("serve", &report),
                Err(err) => tracing::error!(error = %err, "indexer pass failed"),
            }
        })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    tracing::info!(schedule = %config.schedule, index_dir = %config.index_dir.display(), "indexer serving");

    shutdown.await;
    let mut scheduler = scheduler;
    scheduler.shutdown().await?;
    // Waits for a pass in progress, then lets the index go.
    drop(indexer.lock().await.take());
    reads.primary().close().await;
    tracing::info!("indexer stopped");
    Ok(())
}

/// Full re-index into a fresh generation, with a progress bar on a terminal and a
/// progress log line per page otherwise.
pub async fn rebuild(config: &IndexerConfig) -> Result<PassReport> {
    let mut indexer = Indexer::open(&config.index_dir)?;
    let reads = connect(config).await?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} rebuilding [{bar:40}] {pos}/{len} shows ({per_sec}, eta {eta})",
            )
            .expect("the progress template is valid")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    let mut progress = |done, total| match &bar {
        Some(bar) => {
            bar.set_length(total);
            bar.set_position(done);
        }
        None => tracing::info!(done, total, "rebuild progress"),
    };
    let mut on_replica = None;
    if let Some(replica) = reads.replica() {
        match indexer
            .rebuild(replica.pool(), config.page_size, &mut progress)
            .await
        {
            Err(err) if err.is_database_failure() => {
                reads.set_aside(&replica, &format!("a rebuild failed: {err}"));
            }
            done => on_replica = Some(done),
        }
    }
    let report = match on_replica {
        Some(done) => done?,
        None => {
            indexer
                .rebuild(reads.primary(), config.page_size, &mut progress)
                .await?
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    log_pass("rebuild", &report);
    reads.primary().close().await;
    Ok(report)
}
