//! The statements of a performance's cancellation and its job.

use chrono::{DateTime, Utc};
use sqlx::{MySqlConnection, MySqlPool};

use super::model::{Cancellation, CancellationStatus};
use crate::error::Result;

pub async fn job_of_schedule(pool: &MySqlPool, schedule_id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar!(
        "select id from performance_cancellations where schedule_id = ?",
        schedule_id
    )
    .fetch_optional(pool)
    .await?)
}

/// Whole days since the performance started (negative before it starts), by the
/// database clock; None when there is no such schedule.
pub async fn started_days_ago(pool: &MySqlPool, schedule_id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar!(
        r#"select timestampdiff(day, starts_at, current_timestamp(6)) as "days!: i64"
           from schedules where id = ?"#,
        schedule_id
    )
    .fetch_optional(pool)
    .await?)
}

pub async fn mark_schedule_cancelled(conn: &mut MySqlConnection, schedule_id: i64) -> Result<()> {
    sqlx::query!(
        "update schedules set cancelled_at = current_timestamp(6)
         where id = ? and cancelled_at is null",
        schedule_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The job's row; a unique violation means the schedule has one already.
pub async fn insert_job(
    conn: &mut MySqlConnection,
    schedule_id: i64,
    admin_id: i64,
    compensation_percent: u8,
) -> Result<i64, sqlx::Error> {
    Ok(sqlx::query!(
        "insert into performance_cancellations (schedule_id, requested_by, compensation_percent)
         values (?, ?, ?)",
        schedule_id,
        admin_id,
        compensation_percent
    )
    .execute(conn)
    .await?
    .last_insert_id() as i64)
}

pub async fn cancellation(pool: &MySqlPool, schedule_id: i64) -> Result<Option<Cancellation>> {
    let row = sqlx::query!(
        r#"select pc.schedule_id, sc.show_id, pc.compensation_percent as "compensation_percent: u8",
                  pc.tickets_refunded as "tickets_refunded: u32", pc.points_refunded,
                  cast((select count(*) from tickets t
                        where t.schedule_id = pc.schedule_id and t.status = 'VALID') as unsigned)
                      as "tickets_left!: u32",
                  pc.created_at as "requested_at: DateTime<Utc>",
                  pc.finished_at as "finished_at: DateTime<Utc>"
           from performance_cancellations pc join schedules sc on sc.id = pc.schedule_id
           where pc.schedule_id = ?"#,
        schedule_id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| Cancellation {
        schedule_id: row.schedule_id,
        show_id: row.show_id,
        status: if row.finished_at.is_some() {
            CancellationStatus::Finished
        } else {
            CancellationStatus::Refunding
        },
        compensation_percent: row.compensation_percent,
        tickets_refunded: row.tickets_refunded,
        tickets_left: row.tickets_left,
        points_refunded: row.points_refunded,
        requested_at: row.requested_at,
        finished_at: row.finished_at,
    }))
}

/// A job still refunding.
#[derive(Debug, Clone, Copy)]
pub struct OpenJob {
    pub id: i64,
    pub schedule_id: i64,
    pub compensation_percent: u8,
}

pub async fn open_jobs(pool: &MySqlPool) -> Result<Vec<OpenJob>> {
    Ok(sqlx::query_as!(
        OpenJob,
        r#"select id, schedule_id, compensation_percent as "compensation_percent: u8"
           from performance_cancellations where finished_at is null order by id"#
    )
    .fetch_all(pool)
    .await?)
}

pub async fn open_job(pool: &MySqlPool, job_id: i64) -> Result<Option<OpenJob>> {
    Ok(sqlx::query_as!(
        OpenJob,
        r#"select id, schedule_id, compensation_percent as "compensation_percent: u8"
           from performance_cancellations where id = ? and finished_at is null"#,
        job_id
    )
    .fetch_optional(pool)
    .await?)
}

/// A valid ticket of the performance, locked for its refund.
#[derive(Debug, Clone, Copy)]
pub struct Due {
    pub id: i64,
    pub user_id: i64,
    pub order_id: Option<i64>,
    pub paid_amount: i64,
    pub face_value: i64,
    pub booking_fee: i64,
}

/// Locks up to `limit` valid tickets of the schedule, in id order, skipping those
/// another transaction holds (another process's batch, or a holder's resale): the
/// job comes back for them.
pub async fn lock_due(
    conn: &mut MySqlConnection,
    schedule_id: i64,
    limit: u32,
) -> Result<Vec<Due>> {
    Ok(sqlx::query_as!(
        Due,
        "select id, user_id, order_id, paid_amount, face_value, booking_fee from tickets
         where schedule_id = ? and status = 'VALID'
         order by id limit ? for update skip locked",
        schedule_id,
        limit
    )
    .fetch_all(conn)
    .await?)
}

/// Marks a locked valid ticket refunded by the cancellation: 1 row.
pub async fn mark_refunded(
    conn: &mut MySqlConnection,
    ticket_id: i64,
    refund: i64,
    booking_fee_back: bool,
    compensation: i64,
) -> Result<u64> {
    Ok(sqlx::query!(
        "update tickets set status = 'REFUNDED', refund_fee = 0, refund_amount = ?,
                booking_fee_refunded = ?, compensation = ?, refunded_at = current_timestamp(6)
         where id = ? and status = 'VALID'",
        refund,
        booking_fee_back,
        compensation,
        ticket_id
    )
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn count_batch(
    conn: &mut MySqlConnection,
    job_id: i64,
    tickets: u32,
    points: i64,
) -> Result<()> {
    sqlx::query!(
        "update performance_cancellations
         set tickets_refunded = tickets_refunded + ?, points_refunded = points_refunded + ?
         where id = ?",
        tickets,
        points,
        job_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the job finished when no valid ticket of its schedule is left: 1 row then.
/// A ticket another transaction is refunding still reads as valid here, so the job
/// is not finished until that one commits.
pub async fn finish(pool: &MySqlPool, job_id: i64, schedule_id: i64) -> Result<u64> {
    Ok(sqlx::query!(
        "update performance_cancellations set finished_at = current_timestamp(6)
         where id = ? and finished_at is null
           and not exists (select 1 from tickets where schedule_id = ? and status = 'VALID')",
        job_id,
        schedule_id
    )
    .execute(pool)
    .await?
    .rows_affected())
}
