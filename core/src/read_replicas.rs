//! Reads that may be a moment stale, served by MariaDB read replicas while they keep up.
//!
//! `DATABASE_READ_URL` names one or more replicas (MariaDB's own replication of the
//! primary; nothing here copies data). Only reads whose answer is a display go through
//! [`ReadReplicas::read`]: the public catalog (lists, show pages, seat availability as
//! a picture), the open resale listings and the indexer's change feed. Whatever decides
//! money or seats, and whatever a user reads back about themselves (tickets, balance,
//! holds, sessions), uses the primary pool directly, so a user always sees their own
//! writes and no decision rests on a stale row.
//!
//! A replica is used only while it is *usable*: its measured lag is at most
//! `READ_REPLICA_MAX_LAG_SECS`. The lag is measured in what the replica has applied, not
//! in what it reports about itself (which needs a privilege, and says 0 when it has lost
//! its primary): every process with replicas writes the primary's clock into
//! `replication_heartbeat` twice a second, and a replica's lag is its own clock minus
//! the newest beat it has applied. A replica that stops applying, falls behind, cannot
//! be reached or fails a read becomes unusable at once; reads then go to the primary,
//! and the change is logged once each way, never answered as an error. A replica starts
//! unusable: until its first measurement every read goes to the primary.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::mysql::MySqlConnectOptions;
use sqlx::MySqlPool;

use crate::db;
use crate::error::Result;

/// How often the heartbeat is written and each replica's lag measured: the lag a
/// reader can be shown beyond the bound is at most about this much.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(500);

/// How long a read waits for a replica connection before going to the primary. A
/// healthy pool answers in microseconds; a dead replica must not hold the read for the
/// primary pool's full wait.
const REPLICA_ACQUIRE_TIMEOUT: Duration = Duration::from_millis(250);

/// How long one read may take on a replica before it is abandoned for the primary: a
/// replica that stopped answering (a frozen host) would otherwise hold the request.
const REPLICA_READ_TIMEOUT: Duration = Duration::from_secs(2);

/// The primary and the replicas reads may go to. Cheap to clone.
#[derive(Clone)]
pub struct ReadReplicas(Arc<Inner>);

struct Inner {
    primary: MySqlPool,
    replicas: Vec<Replica>,
    max_lag: Duration,
    /// Round-robin position over the usable replicas.
    next: AtomicUsize,
}

/// One replica's pool, lent to one read.
pub struct Lease {
    pool: MySqlPool,
    index: usize,
}

impl Lease {
    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }
}

struct Replica {
    pool: MySqlPool,
    /// `host:port`, never the credentials: what the logs name.
    label: String,
    usable: AtomicBool,
}

impl Replica {
    /// Records whether the replica may serve reads; logs only a change. The gauge
    /// `marquee_read_replica_usable{replica}` tells an operator the same.
    fn set_usable(&self, usable: bool, why: &str) {
        metrics::gauge!("marquee_read_replica_usable", "replica" => self.label.clone())
            .set(if usable { 1.0 } else { 0.0 });
        if self.usable.swap(usable, Ordering::Relaxed) != usable {
            if usable {
                tracing::info!(replica = %self.label, "read replica in use: {why}");
            } else {
                tracing::warn!(replica = %self.label, "read replica not used, reads go to the primary: {why}");
            }
        }
    }
}

impl ReadReplicas {
    /// Pools for the replicas at `urls`, which connect when first used, so a replica
    /// that is down at start-up delays nothing.
    pub fn new(
        primary: MySqlPool,
        urls: &[impl AsRef<str>],
        max_lag: Duration,
    ) -> Result<Self, sqlx::Error> {
        let replicas = urls
            .iter()
            .map(|url| {
                let options: MySqlConnectOptions = url.as_ref().parse()?;
                Ok(Replica {
                    label: format!("{}:{}", options.get_host(), options.get_port()),
                    pool: db::pool_options()
                        .acquire_timeout(REPLICA_ACQUIRE_TIMEOUT)
                        .connect_lazy_with(options),
                    usable: AtomicBool::new(false),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(ReadReplicas(Arc::new(Inner {
            primary,
            replicas,
            max_lag,
            next: AtomicUsize::new(0),
        })))
    }

    /// The primary: for everything that writes, decides, or is the reader's own.
    pub fn primary(&self) -> &MySqlPool {
        &self.0.primary
    }

    pub fn has_replicas(&self) -> bool {
        !self.0.replicas.is_empty()
    }

    /// How many replicas may serve reads right now.
    pub fn usable_count(&self) -> usize {
        self.0
            .replicas
            .iter()
            .filter(|r| r.usable.load(Ordering::Relaxed))
            .count()
    }

    /// The next usable replica in turn, if any, for a read to try first; owned, so no
    /// borrow of `self` is held across the read's awaits.
    pub fn replica(&self) -> Option<Lease> {
        let replicas = &self.0.replicas;
        if replicas.is_empty() {
            return None;
        }
        let start = self.0.next.fetch_add(1, Ordering::Relaxed);
        (0..replicas.len())
            .map(|step| (start + step) % replicas.len())
            .find(|&index| replicas[index].usable.load(Ordering::Relaxed))
            .map(|index| Lease {
                pool: replicas[index].pool.clone(),
                index,
            })
    }

    /// Sets the leased replica aside after a read on it failed with `why`; the read then
    /// runs again on the primary.
    pub fn set_aside(&self, lease: &Lease, why: &str) {
        self.0.replicas[lease.index].set_usable(false, why);
    }

    /// Runs `read` on a usable replica, or on the primary. A replica that fails the read
    /// or takes too long is set aside and the read runs again on the primary, so the
    /// caller never sees a replica's trouble. Errors that are answers (not found, a bad
    /// filter) come back as they are.
    ///
    /// `read` gets the pool by value (a handle) and returns a future that owns it: an
    /// async closure over a borrowed pool would be simpler to write, but rustc cannot
    /// yet prove its future `Send` for every lifetime, which axum handlers need.
    pub async fn read<T, F, Fut>(&self, read: F) -> Result<T>
    where
        F: Fn(MySqlPool) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        if let Some(lease) = self.replica() {
            match tokio::time::timeout(REPLICA_READ_TIMEOUT, read(lease.pool.clone())).await {
                Ok(Err(err)) if err.is_database_failure() => {
                    self.set_aside(&lease, &format!("a read failed: {err}"));
                }
                Ok(answer) => return answer,
                Err(_) => self.set_aside(&lease, "a read took too long"),
            }
        }
        read(self.0.primary.clone()).await
    }

    /// Writes the heartbeat on the primary and measures every replica's lag against it.
    /// One round of what `spawn_monitor` does forever.
    pub async fn check(&self) {
        if let Err(err) = beat(&self.0.primary).await {
            // Without a fresh beat every replica would look ever further behind and be
            // set aside: the primary is the one answering reads then, rightly.
            tracing::debug!(error = %err, "cannot write the replication heartbeat");
        }
        for replica in &self.0.replicas {
            match tokio::time::timeout(REPLICA_READ_TIMEOUT, lag(&replica.pool)).await {
                Ok(Ok(Some(lag))) if lag <= self.0.max_lag => {
                    replica.set_usable(true, &format!("{} ms behind", lag.as_millis()))
                }
                Ok(Ok(Some(lag))) => replica.set_usable(
                    false,
                    &format!(
                        "{} ms behind, over READ_REPLICA_MAX_LAG_SECS={}",
                        lag.as_millis(),
                        self.0.max_lag.as_secs()
                    ),
                ),
                Ok(Ok(None)) => replica.set_usable(false, "no heartbeat has reached it yet"),
                Ok(Err(err)) => {
                    replica.set_usable(false, &format!("cannot measure its lag: {err}"))
                }
                Err(_) => replica.set_usable(false, "measuring its lag took too long"),
            }
        }
    }

    /// Measures until every replica is usable or about a second has passed: for a
    /// one-shot job (`marquee-indexer run-once`), whose own first beat has not reached
    /// a replica when it first looks.
    pub async fn settle(&self) {
        if !self.has_replicas() {
            return;
        }
        for _ in 0..4 {
            self.check().await;
            if self.usable_count() == self.0.replicas.len() {
                return;
            }
            tokio::time::sleep(CHECK_INTERVAL / 2).await;
        }
    }
}

/// Measures the replicas every `CHECK_INTERVAL` for the life of the process; nothing to
/// do without replicas.
pub fn spawn_monitor(reads: ReadReplicas) {
    if !reads.has_replicas() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECK_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            reads.check().await;
        }
    });
}

async fn beat(primary: &MySqlPool) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into replication_heartbeat (id, beat) values (1, current_timestamp(6))
         on duplicate key update beat = greatest(beat, values(beat))"
    )
    .execute(primary)
    .await?;
    Ok(())
}

/// The replica's clock minus the newest beat it has applied; None before the first.
/// A replica clock behind the primary's reads as no lag at all.
async fn lag(replica: &MySqlPool) -> Result<Option<Duration>, sqlx::Error> {
    let micros = sqlx::query_scalar!(
        r#"select timestampdiff(microsecond, beat, current_timestamp(6)) as "micros!: i64"
           from replication_heartbeat where id = 1"#
    )
    .fetch_optional(replica)
    .await?;
    Ok(micros.map(|m| Duration::from_micros(m.max(0) as u64)))
}
