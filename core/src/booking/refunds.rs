//! Refunds by policy: the ticket becomes REFUNDED, its seat goes back on sale and the
//! net amount goes back to points - all in one transaction (`try_refund`, its steps
//! named, its statements in `store`), after a conditional update on the ticket's
//! status, so refunding twice pays once.
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

use sqlx::{MySqlConnection, MySqlPool};

use super::refund_policy::{RefundPolicy, RefundQuote};
use super::store::{self, RefundTarget};
use super::tickets::{self, Ticket, TicketStatus};
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, Error, Result};
use crate::idempotency;
use crate::points::ledger::{self, LedgerReason};

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
    if !store::lock_ticket(&mut tx, ticket_id, Some(user_id)).await? {
        return Err(Error::NotFound("ticket"));
    }
    let replay = async |key: &str| store::ticket_by_refund_key(&mut tx, user_id, key).await;
    if let Some(refunded) = idempotency::replay(key, replay).await? {
        return same_ticket(refunded, ticket_id);
    }
    let target = store::refund_target(&mut tx, ticket_id)
        .await?
        .ok_or(Error::NotFound("ticket"))?;
    let quote = refund_quote(policy, &target)?;
    mark_refunded(&mut tx, ticket_id, &quote, key).await?;
    // The user row before the seat, whether or not any points move: the lock order.
    store::lock_user(&mut tx, user_id).await?;
    if quote.net > 0 {
        let reference = format!("ticket:{ticket_id}");
        ledger::apply(
            &mut tx,
            user_id,
            quote.net,
            LedgerReason::Refund,
            &reference,
        )
        .await?;
    }
    store::free_seat(&mut tx, target.seat_id).await?;
    tx.commit().await?;
    Ok(())
}

/// What the policy gives back for this ticket now: a valid ticket without an open
/// listing, refunded on what its holder paid, never more than the face value.
fn refund_quote(policy: &RefundPolicy, target: &RefundTarget) -> Result<RefundQuote> {
    if target.status != TicketStatus::Valid {
        return Err(Error::TicketNotRefundable);
    }
    if target.listed {
        return Err(Error::TicketListed);
    }
    policy
        .quote(
            target.paid_amount.min(target.face_value),
            target.now,
            target.starts_at,
            target.booked_at,
        )
        .ok_or(Error::RefundWindowClosed)
}

/// The conditional update that refunds once: a ticket no longer valid changes nothing.
async fn mark_refunded(
    conn: &mut MySqlConnection,
    ticket_id: i64,
    quote: &RefundQuote,
    key: Option<&str>,
) -> Result<()> {
    match store::mark_refunded(conn, ticket_id, quote.fee, quote.net, key).await {
        Ok(1) => Ok(()),
        Ok(_) => Err(Error::TicketNotRefundable),
        // The key refunded another ticket of this user, committed meanwhile.
        Err(err) if is_unique_violation(&err) => Err(Error::IdempotencyKeyReused),
        Err(err) => Err(err.into()),
    }
}

fn same_ticket(refunded_ticket_id: i64, ticket_id: i64) -> Result<()> {
    if refunded_ticket_id == ticket_id {
        Ok(())
    } else {
        Err(Error::IdempotencyKeyReused)
    }
}
