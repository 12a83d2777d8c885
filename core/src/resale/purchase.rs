//! Buying a trade: in one transaction the buyer pays, the seller is paid (less the
//! fee), the seller's ticket becomes RESOLD and the buyer gets a new ticket for the
//! seat, with a new code, that remembers the ticket it replaced.
//!
//! Concurrent buyers of one trade queue on its ticket and trade rows; the first one
//! through finds it OPEN and sells it, everyone after finds it SOLD and has changed
//! nothing. Idempotency works as for box-office purchases: the key is stored on the
//! trade, so a retry with it answers with the ticket already issued.

use serde::Serialize;
use sqlx::{MySqlConnection, MySqlPool};

use super::listings::{lock_trade, LockedTrade};
use super::trades::{self, Trade};
use super::ResaleRules;
use crate::booking::tickets::{self, Ticket};
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, Error, Result};
use crate::idempotency;
use crate::points::ledger::{self, LedgerReason};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TradePurchase {
    pub trade: Trade,
    /// The new ticket, issued to the buyer.
    pub ticket: Ticket,
}

pub async fn buy(
    pool: &MySqlPool,
    rules: ResaleRules,
    buyer_id: i64,
    trade_id: i64,
    idempotency_key: Option<&str>,
) -> Result<TradePurchase> {
    idempotency::check(idempotency_key)?;
    let ticket_id =
        retry_on_lock_conflict(|| try_buy(pool, rules, buyer_id, trade_id, idempotency_key))
            .await?;
    Ok(TradePurchase {
        trade: trades::get(pool, trade_id).await?,
        ticket: tickets::get_for_user(pool, buyer_id, ticket_id).await?,
    })
}

#[derive(sqlx::FromRow)]
struct KeyedTrade {
    id: i64,
    issued_ticket_id: Option<i64>,
}

/// The trade this buyer already bought with this key, if any.
async fn bought_with_key(
    conn: &mut MySqlConnection,
    buyer_id: i64,
    key: &str,
) -> Result<Option<KeyedTrade>> {
    Ok(sqlx::query_as(
        "select id, issued_ticket_id from trades where buyer_id = ? and purchase_key = ?",
    )
    .bind(buyer_id)
    .bind(key)
    .fetch_optional(conn)
    .await?)
}

/// The issued ticket when `earlier` is this same purchase; a key already spent on
/// another trade is refused.
fn same_purchase(earlier: KeyedTrade, trade_id: i64) -> Result<i64> {
    match earlier.issued_ticket_id {
        Some(ticket_id) if earlier.id == trade_id => Ok(ticket_id),
        _ => Err(Error::IdempotencyKeyReused),
    }
}

/// Returns the id of the buyer's ticket: newly issued, or issued by the earlier
/// request this one repeats.
async fn try_buy(
    pool: &MySqlPool,
    rules: ResaleRules,
    buyer_id: i64,
    trade_id: i64,
    key: Option<&str>,
) -> Result<i64> {
    let mut tx = pool.begin().await?;
    if let Some(key) = key {
        if let Some(earlier) = bought_with_key(&mut tx, buyer_id, key).await? {
            return same_purchase(earlier, trade_id);
        }
    }
    let trade = lock_trade(&mut tx, trade_id).await?;
    if let Some(ticket_id) = repeated_purchase(&trade, buyer_id, key) {
        return Ok(ticket_id);
    }
    if trade.seller_id == buyer_id {
        return Err(Error::OwnTrade);
    }
    trade.ensure_open()?;

    let fee = rules.fee(trade.price);
    // Points first: the user rows are locked for writing before the ticket insert's
    // foreign-key check would take a shared lock on the buyer's row (a shared lock
    // later upgraded is how two purchases by one buyer would deadlock). User rows in
    // ascending id, so two people buying from each other cannot deadlock either.
    let reference = format!("trade:{trade_id}");
    let mut buyer_entry = None;
    let mut seller_entry = None;
    let mut parties = [buyer_id, trade.seller_id];
    parties.sort_unstable();
    for user_id in parties {
        if user_id == buyer_id {
            buyer_entry = Some(
                ledger::apply(
                    &mut tx,
                    buyer_id,
                    -trade.price,
                    LedgerReason::ResalePurchase,
                    &reference,
                )
                .await?,
            );
        } else if trade.price > fee {
            seller_entry = Some(
                ledger::apply(
                    &mut tx,
                    trade.seller_id,
                    trade.price - fee,
                    LedgerReason::ResaleSale,
                    &reference,
                )
                .await?,
            );
        }
    }

    let resold = sqlx::query(
        "update tickets set status = 'RESOLD', resold_at = current_timestamp(6)
         where id = ? and status = 'VALID'",
    )
    .bind(trade.ticket_id)
    .execute(&mut *tx)
    .await?;
    if resold.rows_affected() != 1 {
        // Listing and refunding lock the ticket, and refunds refuse listed tickets, so an
        // open trade's ticket is always VALID; if not, roll the payment back.
        return Err(Error::internal(format!(
            "open trade {trade_id} has a ticket that is not valid"
        )));
    }
    let issued = issue_ticket(&mut tx, &trade, buyer_id).await?;

    let sold = sqlx::query(
        "update trades set status = 'SOLD', buyer_id = ?, purchase_key = ?, fee = ?,
                issued_ticket_id = ?, buyer_ledger_id = ?, seller_ledger_id = ?,
                closed_at = current_timestamp(6)
         where id = ? and status = 'OPEN'",
    )
    .bind(buyer_id)
    .bind(key)
    .bind(fee)
    .bind(issued)
    .bind(buyer_entry.map(|entry| entry.id))
    .bind(seller_entry.map(|entry| entry.id))
    .bind(trade_id)
    .execute(&mut *tx)
    .await;
    match sold {
        Ok(result) if result.rows_affected() == 1 => {}
        Ok(_) => return Err(Error::internal(format!("locked trade {trade_id} changed"))),
        // The same key committed a purchase of another trade while we waited on the
        // key's index lock.
        Err(err) if is_unique_violation(&err) => {
            tx.rollback().await?;
            let mut conn = pool.acquire().await?;
            let earlier = bought_with_key(&mut conn, buyer_id, key.unwrap_or_default())
                .await?
                .ok_or_else(|| Error::internal("trade vanished after a unique violation"))?;
            return same_purchase(earlier, trade_id);
        }
        Err(err) => return Err(err.into()),
    }
    tx.commit().await?;
    Ok(issued)
}

/// Buying a trade you already bought answers with your ticket when the request carries
/// the same key or none; a new key means a new purchase, which finds the trade SOLD.
fn repeated_purchase(trade: &LockedTrade, buyer_id: i64, key: Option<&str>) -> Option<i64> {
    let same_key = key.is_none() || trade.purchase_key.as_deref() == key;
    match trade.issued_ticket_id {
        Some(ticket_id) if trade.buyer_id == Some(buyer_id) && same_key => Some(ticket_id),
        _ => None,
    }
}

/// The buyer's ticket: same seat, schedule and face value, a fresh code, and links to
/// the ticket it replaces and to the first ticket of the chain. It is issued at the
/// instant the parent was resold, so a lineage has no gap or overlap between holders.
async fn issue_ticket(
    conn: &mut MySqlConnection,
    trade: &LockedTrade,
    buyer_id: i64,
) -> Result<i64> {
    let inserted = sqlx::query(
        "insert into tickets (code, trade_id, parent_ticket_id, origin_ticket_id, user_id,
                              seat_id, schedule_id, face_value, paid_amount, created_at)
         select ?, ?, id, coalesce(origin_ticket_id, id), ?, seat_id, schedule_id, face_value, ?,
                resold_at
         from tickets where id = ?",
    )
    .bind(tickets::new_code())
    .bind(trade.id)
    .bind(buyer_id)
    .bind(trade.price)
    .bind(trade.ticket_id)
    .execute(conn)
    .await?;
    Ok(inserted.last_insert_id() as i64)
}
