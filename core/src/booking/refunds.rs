//! Refunds by policy: the ticket becomes REFUNDED, its seat goes back on sale and the
//! net amount goes back to points - all in one transaction, after a conditional update
//! on the ticket's status, so refunding twice pays once.

use chrono::{DateTime, Utc};
use sqlx::MySqlPool;

use super::refund_policy::RefundPolicy;
use super::tickets::{self, Ticket};
use crate::error::{Error, Result};
use crate::points::ledger::{self, LedgerReason};

#[derive(sqlx::FromRow)]
struct RefundTarget {
    status: String,
    paid_amount: i64,
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
    let mut tx = pool.begin().await?;
    let target: Option<RefundTarget> = sqlx::query_as(
        "select t.status, t.paid_amount, t.seat_id, sc.starts_at, current_timestamp(6) as now
         from tickets t join schedules sc on sc.id = t.schedule_id
         where t.id = ? and t.user_id = ? for update",
    )
    .bind(ticket_id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let target = target.ok_or(Error::NotFound("ticket"))?;
    if target.status != "VALID" {
        return Err(Error::TicketNotRefundable);
    }
    let quote = policy
        .quote(target.paid_amount, target.now, target.starts_at)
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
    sqlx::query("update seats set is_sold = false where id = ?")
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
    tickets::get_for_user(pool, user_id, ticket_id).await
}
