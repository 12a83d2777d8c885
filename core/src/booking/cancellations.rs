//! 부분취소: cancelling some tickets of one order together, all of them or none.
//!
//! Each ticket is refunded as a refund of it alone would be (`refunds::mark`): its own
//! policy fee on what was paid for it, its own booking fee back only on the booking
//! day, its own ledger entry. The order keeps the rest; its status and what came back
//! follow its tickets (`orders`). One transaction locks the named tickets in id order,
//! then the user's row, then the seats, the lock order of `booking`: a cancellation and
//! a refund or listing of one of its tickets run one after the other, and the second
//! finds the ticket no longer valid.
//!
//! Idempotency like a refund's: a request with an `Idempotency-Key` leaves a row naming
//! its order and tickets (unique per user and key), and a retry with the same key and
//! the same tickets answers the order as it is now instead of 409; the same key naming
//! other tickets is refused. Without a key, cancelling tickets already refunded is 409.

use sqlx::{MySqlConnection, MySqlPool};

use super::order_number;
use super::orders::{self, OrderDetail};
use super::refund_policy::RefundPolicy;
use super::refunds;
use super::store::{self, CancellationRow};
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, Error, Result};
use crate::idempotency;

/// The most tickets one request may name: more than any order holds.
pub const MAX_TICKETS: usize = 50;

/// Cancels the tickets `ticket_ids` of the user's order `number` and answers the order
/// as it stands after.
pub async fn cancel(
    pool: &MySqlPool,
    policy: &RefundPolicy,
    user_id: i64,
    number: &str,
    ticket_ids: &[i64],
    key: Option<&str>,
) -> Result<OrderDetail> {
    idempotency::check(key)?;
    let wanted = named_tickets(ticket_ids)?;
    if !order_number::is_well_formed(number) {
        return Err(Error::NotFound("order"));
    }
    retry_on_lock_conflict(|| try_cancel(pool, policy, user_id, number, &wanted, key)).await?;
    orders::get_for_user(pool, user_id, number).await
}

/// The tickets named, each once, in id order: the order they are locked in.
fn named_tickets(ticket_ids: &[i64]) -> Result<Vec<i64>> {
    if ticket_ids.is_empty() || ticket_ids.len() > MAX_TICKETS {
        return Err(Error::validation(
            "ticket_ids",
            "must name 1 to 50 tickets of the order",
        ));
    }
    let mut wanted = ticket_ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    Ok(wanted)
}

async fn try_cancel(
    pool: &MySqlPool,
    policy: &RefundPolicy,
    user_id: i64,
    number: &str,
    wanted: &[i64],
    key: Option<&str>,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let order_id = store::order_id_by_number(&mut tx, user_id, number)
        .await?
        .ok_or(Error::NotFound("order"))?;
    let locked = store::lock_order_tickets(&mut tx, user_id, order_id, wanted).await?;
    if locked.len() != wanted.len() {
        return Err(Error::NotFound("ticket"));
    }
    let listed = id_list(wanted);
    let replay = async |key: &str| store::cancellation_by_key(&mut tx, user_id, key).await;
    if let Some(earlier) = idempotency::replay(key, replay).await? {
        return same_request(&earlier, order_id, &listed);
    }
    if let Some(key) = key {
        record(&mut tx, user_id, order_id, key, &listed).await?;
    }
    let mut refunding = Vec::with_capacity(wanted.len());
    for &ticket_id in wanted {
        refunding.push(refunds::mark(&mut tx, policy, ticket_id, None).await?);
    }
    store::lock_user(&mut tx, user_id).await?;
    refunds::pay_back(&mut tx, user_id, &refunding).await?;
    tx.commit().await?;
    Ok(())
}

/// The key's row, written before any ticket changes: another request with this key,
/// committed meanwhile, makes it a unique violation.
async fn record(
    conn: &mut MySqlConnection,
    user_id: i64,
    order_id: i64,
    key: &str,
    listed: &str,
) -> Result<()> {
    match store::insert_cancellation(conn, user_id, order_id, key, listed).await {
        Ok(()) => Ok(()),
        Err(err) if is_unique_violation(&err) => Err(Error::IdempotencyKeyReused),
        Err(err) => Err(err.into()),
    }
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

fn same_request(earlier: &CancellationRow, order_id: i64, listed: &str) -> Result<()> {
    if earlier.order_id == order_id && earlier.ticket_ids == listed {
        Ok(())
    } else {
        Err(Error::IdempotencyKeyReused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_are_named_once_in_id_order() {
        assert_eq!(named_tickets(&[9, 3, 9, 5]).unwrap(), vec![3, 5, 9]);
        assert_eq!(id_list(&[3, 5, 9]), "3,5,9");
        assert!(named_tickets(&[]).is_err());
        assert!(named_tickets(&[1; MAX_TICKETS + 1]).is_err());
    }
}
