//! The seller's side: listing a ticket, repricing and cancelling the listing.
//!
//! One open listing per ticket is the `uq_trades_open_ticket` key's job, not a check
//! here: two concurrent listings of one ticket cannot both commit.
//!
//! Listing takes an optional `Idempotency-Key`, stored on the trade (unique per seller):
//! a retry after a lost answer finds the trade its first attempt made, instead of 409
//! `TICKET_LISTED` for its own listing.

use sqlx::{MySqlConnection, MySqlPool};

use super::store::{self, KeyedTrade, ListableTicket, LockedTrade, NewTrade};
use super::trades::{self, Trade};
use super::ResaleRules;
use crate::booking::store as booking_store;
use crate::booking::tickets::TicketStatus;
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, Error, Result};
use crate::idempotency;

/// What a seller asks for: this ticket, at this price.
#[derive(Debug, Clone, Copy)]
pub struct Listing<'a> {
    pub ticket_id: i64,
    pub price: i64,
    pub idempotency_key: Option<&'a str>,
}

pub async fn create(
    pool: &MySqlPool,
    rules: ResaleRules,
    seller_id: i64,
    listing: Listing<'_>,
) -> Result<Trade> {
    check_price(listing.price)?;
    idempotency::check(listing.idempotency_key)?;
    let trade_id = retry_on_lock_conflict(|| try_create(pool, rules, seller_id, listing)).await?;
    trades::get(pool, trade_id).await
}

fn check_price(price: i64) -> Result<()> {
    if price < 1 {
        return Err(Error::validation("price", "must be at least 1"));
    }
    Ok(())
}

/// Returns the id of the trade for this listing: the new one, or the one an earlier
/// request with the same key made.
async fn try_create(
    pool: &MySqlPool,
    rules: ResaleRules,
    seller_id: i64,
    listing: Listing<'_>,
) -> Result<i64> {
    let mut tx = pool.begin().await?;
    // Someone else's ticket is not found: ids must not reveal who owns what.
    if !booking_store::lock_ticket(&mut tx, listing.ticket_id, Some(seller_id)).await? {
        return Err(Error::NotFound("ticket"));
    }
    let replay = async |key: &str| store::listed_with_key(&mut tx, seller_id, key).await;
    if let Some(earlier) = idempotency::replay(listing.idempotency_key, replay).await? {
        return same_listing(earlier, listing);
    }
    let ticket = store::listable_ticket(&mut tx, listing.ticket_id).await?;
    ensure_listable(rules, &ticket, listing.price)?;
    let trade = NewTrade {
        ticket_id: listing.ticket_id,
        seller_id,
        key: listing.idempotency_key,
        price: listing.price,
    };
    let trade_id = match store::insert_trade(&mut tx, trade, &ticket).await {
        Ok(trade_id) => trade_id,
        Err(err) if is_unique_violation(&err) => {
            tx.rollback().await?;
            return listed_meanwhile(pool, seller_id, listing).await;
        }
        Err(err) => return Err(err.into()),
    };
    tx.commit().await?;
    Ok(trade_id)
}

/// A valid ticket of a performance that has not started and is not cancelled, at no
/// more than the cap.
fn ensure_listable(rules: ResaleRules, ticket: &ListableTicket, price: i64) -> Result<()> {
    if ticket.status != TicketStatus::Valid {
        return Err(Error::TicketNotListable {
            status: ticket.status.to_string(),
        });
    }
    if ticket.performance_cancelled {
        return Err(Error::PerformanceCancelled);
    }
    if ticket.started {
        return Err(Error::ShowStarted);
    }
    let max_price = rules.max_price(ticket.face_value);
    if price > max_price {
        return Err(Error::PriceOverCap { max_price });
    }
    Ok(())
}

/// After a unique violation on the insert: either the ticket's open listing or this
/// key's, committed meanwhile by another of the seller's requests (the ticket lock
/// rules out the first for the same ticket, so a key that is there now names another
/// listing).
async fn listed_meanwhile(pool: &MySqlPool, seller_id: i64, listing: Listing<'_>) -> Result<i64> {
    let Some(key) = listing.idempotency_key else {
        return Err(Error::TicketListed);
    };
    let mut conn = pool.acquire().await?;
    match store::listed_with_key(&mut conn, seller_id, key).await? {
        Some(earlier) => same_listing(earlier, listing),
        None => Err(Error::TicketListed),
    }
}

/// The same key for another ticket is another request, refused. The price is not
/// compared: the seller may have repriced the trade since the first answer.
fn same_listing(earlier: KeyedTrade, listing: Listing<'_>) -> Result<i64> {
    if earlier.ticket_id == listing.ticket_id {
        Ok(earlier.id)
    } else {
        Err(Error::IdempotencyKeyReused)
    }
}

/// Locks the caller's own trade; anyone else's is forbidden (trades are public, so a
/// 404 would hide nothing).
async fn lock_own_open_trade(
    conn: &mut MySqlConnection,
    seller_id: i64,
    trade_id: i64,
) -> Result<LockedTrade> {
    let trade = store::lock_trade(conn, trade_id).await?;
    if trade.seller_id != seller_id {
        return Err(Error::Forbidden);
    }
    trade.ensure_open()?;
    Ok(trade)
}

/// A new price for an open trade, under the same cap as a new listing.
pub async fn reprice(
    pool: &MySqlPool,
    rules: ResaleRules,
    seller_id: i64,
    trade_id: i64,
    price: i64,
) -> Result<Trade> {
    check_price(price)?;
    retry_on_lock_conflict(|| async move {
        let mut tx = pool.begin().await?;
        let trade = lock_own_open_trade(&mut tx, seller_id, trade_id).await?;
        let max_price = rules.max_price(trade.face_value);
        if price > max_price {
            return Err(Error::PriceOverCap { max_price });
        }
        store::reprice(&mut tx, trade.id, price).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    trades::get(pool, trade_id).await
}

/// Withdraws the listing; the ticket is the seller's to use, refund or list again.
pub async fn cancel(pool: &MySqlPool, seller_id: i64, trade_id: i64) -> Result<Trade> {
    retry_on_lock_conflict(|| async move {
        let mut tx = pool.begin().await?;
        let trade = lock_own_open_trade(&mut tx, seller_id, trade_id).await?;
        store::cancel(&mut tx, trade.id).await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    trades::get(pool, trade_id).await
}

/// Cancels every open listing of a user who is withdrawing, inside the withdrawal's
/// transaction and before it touches the user row: a purchase locks the trade before
/// the seller's row, so this order cannot deadlock with one, and no one can buy from an
/// account that is gone.
pub async fn cancel_all_for_seller(conn: &mut MySqlConnection, seller_id: i64) -> Result<u64> {
    store::cancel_all_for_seller(conn, seller_id).await
}

/// Cancels every open listing of a performance its organizer cancelled, inside the
/// cancellation's transactions and before they touch user rows (the lock order: a
/// ticket, then a trade, then users). Its tickets are refunded in full instead.
pub async fn cancel_all_of_schedule(conn: &mut MySqlConnection, schedule_id: i64) -> Result<u64> {
    store::cancel_all_of_schedule(conn, schedule_id).await
}
