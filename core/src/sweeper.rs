//! The api's housekeeping loop: clears the marks of expired holds and writes down
//! expired resale trades. Correctness never waits for it (expiry is part of every
//! condition that matters); it keeps rows tidy. Each api process runs one, and both
//! sweeps are idempotent, so they may overlap.

use std::time::Duration;

use sqlx::MySqlPool;

use crate::booking::holds;
use crate::resale::expiry;

/// Runs both sweeps every `interval` until the process ends.
pub fn spawn(pool: MySqlPool, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            report(
                "expired hold marks swept",
                holds::sweep_expired(&pool).await,
            );
            report(
                "open trades of started shows expired",
                expiry::expire_started(&pool).await,
            );
        }
    })
}

fn report(what: &'static str, outcome: crate::Result<u64>) {
    match outcome {
        Ok(0) => {}
        Ok(rows) => tracing::info!(rows, "{what}"),
        Err(err) => tracing::warn!(error = %err, "{what}: sweep failed"),
    }
}
