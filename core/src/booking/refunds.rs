//! Refunds by policy: the ticket becomes REFUNDED, its seat goes back on sale and the
//! net amount goes back to points - all in one transaction, after a conditional update
//! on the ticket's status, so refunding twice pays once.
//!
//! The refund is figured on what this holder paid, capped at the face value: a ticket
//! bought on resale never refunds more than the seat's original price. A ticket with an
//! open resale listing is refused until the listing is cancelled; listing and refunding
//! both lock the ticket row first, so one of them waits for the other.

use chrono::{DateTime, Utc};
use sqlx::MySqlPool;

use super::refund_policy::RefundPolicy;
use super::tickets::{self, Ticket};
use crate::db::retry_on_lock_conflict;
use crate::error::{Error, Result};
use crate::points::ledger::{self, LedgerReason};

#[derive(sqlx::FromRow)]
struct RefundTarget {
    status: String,
    paid_amount: i64,
    face_value: i64,
    listed: bool,
    seat_id: i64,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
}

pub async fn refund(
    pool: &MySqlPool,
    policy: &RefundPolicy,
    user_id: i64,
    ticket_id: i64,
) -> Result<Ticket> {
    retry_on_lock_conflict(|| try_refund(pool, policy, user_id, ticket_id)).await?;
    tickets::get_for_user(pool, user_id, ticket_id).await
}

async fn try_refund(
    pool: &MySqlPool,
    policy: &RefundPolicy,
    user_id: i64,
    ticket_id: i64,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    // Lock the ticket row alone: a locking read over a join would also lock the
    // schedule row, which every concurrent purchase of that schedule needs to share for
    // its ticket inserts - a deadlock waiting to happen.
    let locked: Option<i64> =
        sqlx::query_scalar("select id from tickets where id = ? and user_id = ? for update")
            .bind(ticket_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    if locked.is_none() {
        return Err(Error::NotFound("ticket"));
    }
    let target: Option<RefundTarget> = sqlx::query_as(
        "select t.status, t.paid_amount, t.face_value,
                exists (select 1 from trades where open_ticket_id = t.id) as listed,
                t.seat_id, sc.starts_at, current_timestamp(6) as now
         from tickets t join schedules sc on sc.id = t.schedule_id
         where t.id = ?",
    )
    .bind(ticket_id)
    .fetch_optional(&mut *tx)
    .await?;
    let target = target.ok_or(Error::NotFound("ticket"))?;
    if target.status != "VALID" {
        return Err(Error::TicketNotRefundable);
    }
    if target.listed {
        return Err(Error::TicketListed);
    }
    let quote = policy
        .quote(
            target.paid_amount.min(target.face_value),
            target.now,
            target.starts_at,
        )
        .ok_or(Error::RefundWindowClosed)?;
    let updated = sqlx::query(
        "update tickets set status = 'REFUNDED', refund_fee = ?, refund_amount = ?, refunded_at = current_timestamp(6)
         where id = ? and status = 'VALID'",
    )
    .bind(quote.fee)
    .bind(quote.net)
    .bind(ticket_id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(Error::TicketNotRefundable);
    }
    sqlx::query(
        "update seats set is_sold = false, hold_id = null, hold_user_id = null, hold_seat_count = null, hold_expires_at = null where id = ?",
    )
    .bind(target.seat_id)
    .execute(&mut *tx)
    .await?;
    if quote.net > 0 {
        ledger::apply(
            &mut tx,
            user_id,
            quote.net,
            LedgerReason::Refund,
            &format!("ticket:{ticket_id}"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
