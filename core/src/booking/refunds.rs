//! Refunds by policy: the ticket becomes REFUNDED, its seat goes back on sale and the
//! net amount goes back to points - all in one transaction, after a conditional update
//! on the ticket's status, so refunding twice pays once.
//!
//! The refund is figured on what this holder paid, capped at the face value: a ticket
//! bought on resale never refunds more than the seat's original price. A ticket with an
//! open resale listing is refused until the listing is cancelled; listing and refunding
//! both lock the ticket row first, so one of them waits for the other.
//!
//! Locks follow the one order of ARCHITECTURE.md: the ticket, then the user row, then
//! the seat. An `Idempotency-Key` is stored on the refunded ticket (unique per user): a
//! retry after a lost answer finds its own refund and answers it, instead of 409 for
//! the REFUNDED state the first attempt left behind.

use chrono::{DateTime, Utc};
use sqlx::MySqlPool;

use super::refund_policy::RefundPolicy;
use super::tickets::{self, Ticket};
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, Error, Result};
use crate::idempotency;
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
    idempotency_key: Option<&str>,
) -> Result<Ticket> {
    idempotency::check(idempotency_key)?;
    retry_on_lock_conflict(|| try_refund(pool, policy, user_id, ticket_id, idempotency_key))
        .await?;
    tickets::get_for_user(pool, user_id, ticket_id).await
}

/// Refunds the ticket, or finds that this request (same key) already did.
async fn try_refund(
    pool: &MySqlPool,
    policy: &RefundPolicy,
    user_id: i64,
    ticket_id: i64,
    key: Option<&str>,
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
    // After the lock, so a concurrent retry with the same key sees the first one's
    // commit (READ COMMITTED reads the newest committed row).
    if let Some(key) = key {
        if let Some(refunded) = ticket_by_refund_key(&mut tx, user_id, key).await? {
            return same_ticket(refunded, ticket_id);
        }
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
        "update tickets set status = 'REFUNDED', refund_fee = ?, refund_amount = ?,
                refunded_at = current_timestamp(6), refund_key = ?
         where id = ? and status = 'VALID'",
    )
    .bind(quote.fee)
    .bind(quote.net)
    .bind(key)
    .bind(ticket_id)
    .execute(&mut *tx)
    .await;
    match updated {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => return Err(Error::TicketNotRefundable),
        // The key refunded another ticket of this user, committed meanwhile.
        Err(err) if is_unique_violation(&err) => return Err(Error::IdempotencyKeyReused),
        Err(err) => return Err(err.into()),
    }
    // The user row before the seat, whether or not any points move: the lock order.
    sqlx::query("select id from users where id = ? for update")
        .bind(user_id)
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
    sqlx::query(
        "update seats set is_sold = false, hold_id = null, hold_user_id = null, hold_seat_count = null, hold_expires_at = null where id = ?",
    )
    .bind(target.seat_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn ticket_by_refund_key(
    conn: &mut sqlx::MySqlConnection,
    user_id: i64,
    key: &str,
) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("select id from tickets where user_id = ? and refund_key = ?")
            .bind(user_id)
            .bind(key)
            .fetch_optional(conn)
            .await?,
    )
}

fn same_ticket(refunded_ticket_id: i64, ticket_id: i64) -> Result<()> {
    if refunded_ticket_id == ticket_id {
        Ok(())
    } else {
        Err(Error::IdempotencyKeyReused)
    }
}
