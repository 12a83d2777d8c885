//! Writing down that open trades of started shows have expired.
//!
//! Nothing depends on this running: every reader and every change already treats such
//! a trade as EXPIRED (see `trades`). It keeps `status` honest for reports and frees the
//! open-listing key. Idempotent, so several api processes may run it at once.

use sqlx::MySqlPool;

use crate::error::Result;

pub async fn expire_started(pool: &MySqlPool) -> Result<u64> {
    Ok(sqlx::query!(
        "update trades set status = 'EXPIRED', closed_at = current_timestamp(6)
         where status = 'OPEN'
           and schedule_id in (select id from schedules where starts_at <= current_timestamp(6))
         limit 20000"
    )
    .execute(pool)
    .await?
    .rows_affected())
}
