//! Refunds by policy: the ticket becomes REFUNDED, its seat goes back on sale and the
//! net amount goes back to points - all in one transaction (`try_refund`, its steps
//! named, its statements in `store`), after a conditional update on the ticket's
//! status, so refunding twice pays once.
//!
//! The refund is figured on what this holder paid, capped at the face value: a ticket
//! bought on resale never refunds more than the seat's original price. The booking fee
//! comes back only on the booking day (`booking_fee`). A ticket with an open resale
//! listing is refused until the listing is cancelled; listing and refunding both lock
//! the ticket row first, so one of them waits for the other. `mark` and `pay_back` are
//! the steps a partial cancellation (`cancellations`) takes for each of its tickets.
//!
//! Locks follow the one order of ARCHITECTURE.md: the ticket, then the user row, then
//! the seat. An `Idempotency-Key` is stored on the refunded ticket (unique per user): a
//! retry after a lost answer finds its own refund and answers it, instead of 409 for
//! the REFUNDED state the first attempt left behind.

use chrono::{DateTime, Utc};
use sqlx::{MySqlConnection, MySqlPool};

use super::booking_fee;
use super::store::{self, RefundTarget};
use super::tickets::{self, Ticket, TicketStatus};
use crate::coupons::usage;
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, Error, Result};
use crate::idempotency;
use crate::points::ledger::{self, LedgerReason};
use crate::refund_policy::{RefundPolicy, RefundQuote};

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
    let refunding = mark(&mut tx, policy, ticket_id, key).await?;
    // The user row before the seat, whether or not any points move: the lock order.
    store::lock_user(&mut tx, user_id).await?;
    pay_back(&mut tx, user_id, &[refunding]).await?;
    tx.commit().await?;
    Ok(())
}

/// A ticket marked refunded in this transaction, still to be paid back and freed.
pub(super) struct Refunding {
    ticket_id: i64,
    order_id: Option<i64>,
    seat_id: i64,
    net: i64,
}

/// The refund of one ticket whose row this transaction locked: read it, quote it by the
/// policy, and mark it refunded (once: the update is conditional on VALID). `key` is
/// stored on the ticket for a single refund's replay; a cancellation keeps its own.
pub(super) async fn mark(
    conn: &mut MySqlConnection,
    policy: &RefundPolicy,
    ticket_id: i64,
    key: Option<&str>,
) -> Result<Refunding> {
    let target = store::refund_target(conn, ticket_id)
        .await?
        .ok_or(Error::NotFound("ticket"))?;
    let quote = refund_quote(policy, &target)?;
    match store::mark_refunded(conn, ticket_id, &quote, key).await {
        Ok(1) => {}
        Ok(_) => return Err(Error::TicketNotRefundable),
        // The key refunded another ticket of this user, committed meanwhile.
        Err(err) if is_unique_violation(&err) => return Err(Error::IdempotencyKeyReused),
        Err(err) => return Err(err.into()),
    }
    Ok(Refunding {
        ticket_id,
        order_id: target.order_id,
        seat_id: target.seat_id,
        net: quote.net,
    })
}

/// After the user's row is locked: each ticket's points back as its own ledger entry
/// (named by the ticket, as a single refund's is), then its seat back on sale, seats in
/// id order, and the order's coupon back when the order is now cancelled whole.
pub(super) async fn pay_back(
    conn: &mut MySqlConnection,
    user_id: i64,
    refunding: &[Refunding],
) -> Result<()> {
    for ticket in refunding.iter().filter(|ticket| ticket.net > 0) {
        let reference = format!("ticket:{}", ticket.ticket_id);
        ledger::apply(conn, user_id, ticket.net, LedgerReason::Refund, &reference).await?;
    }
    let mut seats: Vec<i64> = refunding.iter().map(|ticket| ticket.seat_id).collect();
    seats.sort_unstable();
    for seat_id in seats {
        store::free_seat(conn, seat_id).await?;
    }
    let orders = refunding.iter().filter_map(|ticket| ticket.order_id);
    usage::give_back_where_cancelled(conn, orders).await
}

/// What a ticket's refund is figured on.
#[derive(Debug, Clone, Copy)]
pub struct Refundable {
    /// What its holder paid for the seat (box office or resale price).
    pub paid_amount: i64,
    /// The seat's original price: no refund gives back more than this of the price.
    pub face_value: i64,
    /// The booking fee its holder paid on top.
    pub booking_fee: i64,
    pub starts_at: DateTime<Utc>,
    pub booked_at: DateTime<Utc>,
}

impl From<&Ticket> for Refundable {
    fn from(ticket: &Ticket) -> Self {
        Refundable {
            paid_amount: ticket.paid_amount,
            face_value: ticket.face_value,
            booking_fee: ticket.booking_fee,
            starts_at: ticket.starts_at,
            booked_at: ticket.created_at,
        }
    }
}

/// What refunding now gives back: the policy's share of the price paid (never more than
/// the face value), plus the booking fee when it is still the booking day; None when the
/// policy refunds nothing any more. The refund itself and every page that shows a quote
/// ask this one function.
pub fn quote(policy: &RefundPolicy, ticket: Refundable, now: DateTime<Utc>) -> Option<RefundQuote> {
    let mut quote = policy.quote(
        ticket.paid_amount.min(ticket.face_value),
        now,
        ticket.starts_at,
        ticket.booked_at,
    )?;
    quote.booking_fee_back = booking_fee::refunded(ticket.booking_fee, ticket.booked_at, now);
    quote.net += quote.booking_fee_back;
    Some(quote)
}

/// What the policy gives back for this ticket now: a valid ticket without an open
/// listing, by `quote` under its show's own policy if it has one, at the database's
/// clock. A cancelled performance's ticket is its cancellation's to refund, in full:
/// the holder is told so rather than offered the policy's smaller sum.
fn refund_quote(policy: &RefundPolicy, target: &RefundTarget) -> Result<RefundQuote> {
    if target.status != TicketStatus::Valid {
        return Err(Error::TicketNotRefundable);
    }
    if target.performance_cancelled {
        return Err(Error::PerformanceCancelled);
    }
    if target.listed {
        return Err(Error::TicketListed);
    }
    let ticket = Refundable {
        paid_amount: target.paid_amount,
        face_value: target.face_value,
        booking_fee: target.booking_fee,
        starts_at: target.starts_at,
        booked_at: target.booked_at,
    };
    let policy = RefundPolicy::for_show(policy, target.show_policy.as_deref());
    quote(&policy, ticket, target.now).ok_or(Error::RefundWindowClosed)
}

fn same_ticket(refunded_ticket_id: i64, ticket_id: i64) -> Result<()> {
    if refunded_ticket_id == ticket_id {
        Ok(())
    } else {
        Err(Error::IdempotencyKeyReused)
    }
}
