//! Connecting to MariaDB, applying migrations, retrying a transaction that lost a lock
//! conflict, and the typed statement builder (`Statement`) for SQL that cannot be a
//! literal.

mod statement;
pub mod text_enum;

use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::MySqlPool;

use crate::error::{Error, Result};

pub use statement::{column, Operand, Statement, Value};
pub(crate) use text_enum::text_enum;

/// The schema, embedded in every binary so start-up can migrate without the source tree.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub async fn connect(database_url: &str) -> Result<MySqlPool, sqlx::Error> {
    let options: MySqlConnectOptions = database_url.parse()?;
    pool_options().connect_with(options).await
}

/// A pool that waits up to 10 s for a connection: for start-up (a database still
/// starting should not fail it) and for tests and benchmarks, whose bursts of dozens
/// of concurrent transactions on a busy two-core machine are not an outage.
pub async fn connect_patient(database_url: &str) -> Result<MySqlPool, sqlx::Error> {
    let options: MySqlConnectOptions = database_url.parse()?;
    pool_options()
        .acquire_timeout(PATIENT_ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
}

const PATIENT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request waits for a connection before it is answered 503
/// DATABASE_UNAVAILABLE. With MariaDB down, sqlx retries connecting until then; at 5 s
/// every call (and `/readyz`) hung that long before failing. A healthy pool hands out
/// a connection in microseconds, so waiting longer than this means the database is
/// gone or hopelessly behind, and the client is better told to retry.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(750);

/// See `pool_options`.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Pool settings shared by the binaries and the tests. Sessions run in UTC (sqlx sets
/// `time_zone = '+00:00'`), so `current_timestamp(6)` and the app agree on instants.
///
/// Every session runs READ COMMITTED. Our invariants rest on row locks and conditional
/// updates, never on a snapshot; under InnoDB's default REPEATABLE READ a transaction
/// that waited on a row lock would still read from the snapshot its first SELECT took,
/// and miss what the lock holder had just committed (a purchase retry would not see the
/// order it must answer with). READ COMMITTED also takes no gap locks, so fewer deadlocks.
///
/// A connection is pinged before it is handed out only if it sat idle for longer than
/// `PING_AFTER_IDLE`. sqlx pings on every acquire by default (and again on every
/// release, which it does after the answer is sent): for a one-statement hold that
/// doubled the round trips the request waited for. A connection busy a moment ago is
/// alive; one that sat through a database restart is idle, and is pinged and replaced.
pub fn pool_options() -> MySqlPoolOptions {
    MySqlPoolOptions::new()
        .max_connections(32)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                sqlx::query!("set session transaction isolation level read committed")
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
}

/// Creates the database named in the URL when it does not exist yet.
pub async fn ensure_database(database_url: &str) -> Result<(), sqlx::Error> {
    let options: MySqlConnectOptions = database_url.parse()?;
    let Some(name) = options.get_database().map(str::to_string) else {
        return Ok(());
    };
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(sqlx::Error::Configuration(
            format!("database name `{name}` must be [A-Za-z0-9_]").into(),
        ));
    }
    let server = pool_options()
        .acquire_timeout(PATIENT_ACQUIRE_TIMEOUT)
        .max_connections(1)
        .connect_with(options.database(""))
        .await;
    // `database("")` is not accepted by every server; fall back to `mysql`.
    let server = match server {
        Ok(pool) => pool,
        Err(_) => {
            let options: MySqlConnectOptions = database_url.parse()?;
            pool_options()
                .acquire_timeout(PATIENT_ACQUIRE_TIMEOUT)
                .max_connections(1)
                .connect_with(options.database("mysql"))
                .await?
        }
    };
    // sql-identifier: a database name cannot be bound; it was checked to be [A-Za-z0-9_].
    sqlx::query(&format!(
        "create database if not exists `{name}` character set utf8mb4 collate utf8mb4_unicode_ci"
    ))
    .execute(&server)
    .await?;
    server.close().await;
    Ok(())
}

/// Whether the database answers a statement: readiness.
pub async fn ping(pool: &MySqlPool) -> Result<(), sqlx::Error> {
    sqlx::query!("select 1 as alive").fetch_one(pool).await?;
    Ok(())
}

/// How many times a transaction that lost a deadlock runs in all.
const LOCK_ATTEMPTS: u32 = 4;

/// The first retry waits up to this long; each later one up to twice the one before.
const LOCK_BACKOFF_BASE: Duration = Duration::from_millis(10);

/// Runs a whole transaction again when MariaDB rolled it back for a deadlock or lock wait
/// timeout. Locks are taken in one order everywhere (ARCHITECTURE.md), but InnoDB can
/// still pick a victim among unrelated rows on a busy index, and a rolled-back
/// transaction has changed nothing, so running it again is always safe. Each retry
/// first sleeps a random time up to a doubling bound ("full jitter"): transactions that
/// collided once would otherwise collide again at once, in step.
/// After the last attempt the conflict is returned for the caller to name.
pub async fn retry_on_lock_conflict<T, F, Fut>(mut transaction: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        match transaction().await {
            Err(err) if err.is_lock_conflict() && attempt < LOCK_ATTEMPTS => {
                let pause = lock_backoff(attempt, rand::random::<f64>());
                tracing::debug!(
                    attempt,
                    ?pause,
                    "transaction lost a lock conflict, retrying"
                );
                tokio::time::sleep(pause).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The pause before retry number `attempt` (1 for the first), for a uniform `unit`
/// in [0, 1): up to 10 ms, then 20 ms, then 40 ms.
fn lock_backoff(attempt: u32, unit: f64) -> Duration {
    LOCK_BACKOFF_BASE
        .saturating_mul(1 << (attempt - 1).min(10))
        .mul_f64(unit.clamp(0.0, 1.0))
}

/// Maps a conflict that survived every retry to a domain error the client can act on.
pub fn conflict_as(err: Error, busy: Error) -> Error {
    if err.is_lock_conflict() {
        busy
    } else {
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_backoff_is_jittered_below_a_doubling_bound() {
        assert_eq!(lock_backoff(1, 0.0), Duration::ZERO);
        assert_eq!(lock_backoff(1, 0.5), Duration::from_millis(5));
        assert_eq!(lock_backoff(2, 0.5), Duration::from_millis(10));
        assert_eq!(lock_backoff(3, 0.999), Duration::from_micros(39_960));
        let pauses: std::collections::HashSet<Duration> = (0..20)
            .map(|_| lock_backoff(2, rand::random::<f64>()))
            .collect();
        assert!(pauses.len() > 1, "pauses vary between attempts");
        assert!(pauses
            .iter()
            .all(|pause| *pause < Duration::from_millis(20)));
    }
}
