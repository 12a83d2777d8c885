//! Asking for a performance's cancellation, and how far it has got.

use sqlx::MySqlPool;

use super::model::{Cancellation, CancellationRules, CANCELLABLE_DAYS_AFTER_START};
use super::store;
use crate::booking::holds;
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, Error, Result};
use crate::resale::listings;

/// Cancels the performance, or finds its cancellation: the job's id and whether this
/// request made it. The refunds are left to `job`.
pub async fn request(
    pool: &MySqlPool,
    rules: CancellationRules,
    admin_id: i64,
    schedule_id: i64,
) -> Result<(i64, bool)> {
    if let Some(job_id) = store::job_of_schedule(pool, schedule_id).await? {
        return Ok((job_id, false));
    }
    match store::started_days_ago(pool, schedule_id).await? {
        None => return Err(Error::NotFound("schedule")),
        Some(days) if days > i64::from(CANCELLABLE_DAYS_AFTER_START) => {
            return Err(Error::CancellationTooLate {
                days: CANCELLABLE_DAYS_AFTER_START,
            })
        }
        Some(_) => {}
    }
    match retry_on_lock_conflict(|| try_request(pool, rules, admin_id, schedule_id)).await? {
        Some(job_id) => Ok((job_id, true)),
        // Another request cancelled it meanwhile.
        None => {
            let job_id = store::job_of_schedule(pool, schedule_id)
                .await?
                .ok_or_else(|| Error::internal("a cancellation vanished"))?;
            Ok((job_id, false))
        }
    }
}

/// Trades, then seats, then the schedule: the lock order of booking (a trade before
/// seats), and a purchase holding its seats finishes before the holds are cleared.
/// None when another request's job for the schedule committed meanwhile.
async fn try_request(
    pool: &MySqlPool,
    rules: CancellationRules,
    admin_id: i64,
    schedule_id: i64,
) -> Result<Option<i64>> {
    let mut tx = pool.begin().await?;
    listings::cancel_all_of_schedule(&mut tx, schedule_id).await?;
    holds::release_all_of_schedule(&mut tx, schedule_id).await?;
    store::mark_schedule_cancelled(&mut tx, schedule_id).await?;
    let job_id =
        match store::insert_job(&mut tx, schedule_id, admin_id, rules.compensation_percent).await {
            Ok(job_id) => job_id,
            Err(err) if is_unique_violation(&err) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
    tx.commit().await?;
    tracing::info!(schedule_id, job_id, "performance cancelled");
    Ok(Some(job_id))
}

/// The performance's cancellation, or not found when it has none.
pub async fn get(pool: &MySqlPool, schedule_id: i64) -> Result<Cancellation> {
    store::cancellation(pool, schedule_id)
        .await?
        .ok_or(Error::NotFound("cancellation"))
}
