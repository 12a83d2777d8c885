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

use super::store::{self, KeyedTrade, LockedTrade, Sale};
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
    let replay = async |key: &str| store::bought_with_key(&mut tx, buyer_id, key).await;
    if let Some(earlier) = idempotency::replay(key, replay).await? {
        return same_purchase(earlier, trade_id);
    }
    let trade = store::lock_trade(&mut tx, trade_id).await?;
    if let Some(ticket_id) = repeated_purchase(&trade, buyer_id, key) {
        return Ok(ticket_id);
    }
    if trade.seller_id == buyer_id {
        return Err(Error::OwnTrade);
    }
    trade.ensure_open()?;
    let fee = rules.fee(trade.price);
    let payment = move_points(&mut tx, &trade, buyer_id, fee).await?;
    resell_ticket(&mut tx, &trade).await?;
    let issued = store::issue_resale_ticket(&mut tx, &trade, buyer_id).await?;
    let sale = Sale {
        trade_id,
        buyer_id,
        key,
        fee,
        issued_ticket_id: issued,
        buyer_ledger_id: payment.buyer_entry,
        seller_ledger_id: payment.seller_entry,
    };
    match store::close_sold(&mut tx, sale).await {
        Ok(1) => {}
        Ok(_) => return Err(Error::internal(format!("locked trade {trade_id} changed"))),
        // The same key committed a purchase of another trade while we waited on the
        // key's index lock.
        Err(err) if is_unique_violation(&err) => {
            tx.rollback().await?;
            return bought_meanwhile(pool, buyer_id, key, trade_id).await;
        }
        Err(err) => return Err(err.into()),
    }
    tx.commit().await?;
    Ok(issued)
}

/// The issued ticket when `earlier` is this same purchase; a key already spent on
/// another trade is refused.
fn same_purchase(earlier: KeyedTrade, trade_id: i64) -> Result<i64> {
    match earlier.issued_ticket_id {
        Some(ticket_id) if earlier.id == trade_id => Ok(ticket_id),
        _ => Err(Error::IdempotencyKeyReused),
    }
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

/// The ledger entries of a sale.
struct Payment {
    buyer_entry: Option<i64>,
    seller_entry: Option<i64>,
}

/// The buyer pays the price and the seller is paid it less the fee. Points first: the
/// user rows are locked for writing before the ticket insert's foreign-key check would
/// take a shared lock on the buyer's row (a shared lock later upgraded is how two
/// purchases by one buyer would deadlock). User rows in ascending id, so two people
/// buying from each other cannot deadlock either.
async fn move_points(
    conn: &mut MySqlConnection,
    trade: &LockedTrade,
    buyer_id: i64,
    fee: i64,
) -> Result<Payment> {
    let reference = format!("trade:{}", trade.id);
    let mut payment = Payment {
        buyer_entry: None,
        seller_entry: None,
    };
    let mut parties = [buyer_id, trade.seller_id];
    parties.sort_unstable();
    for user_id in parties {
        if user_id == buyer_id {
            let paid = -trade.price;
            let entry = ledger::apply(
                conn,
                buyer_id,
                paid,
                LedgerReason::ResalePurchase,
                &reference,
            )
            .await?;
            payment.buyer_entry = Some(entry.id);
        } else if trade.price > fee {
            let proceeds = trade.price - fee;
            let entry = ledger::apply(
                conn,
                user_id,
                proceeds,
                LedgerReason::ResaleSale,
                &reference,
            )
            .await?;
            payment.seller_entry = Some(entry.id);
        }
    }
    Ok(payment)
}

/// The seller's ticket becomes RESOLD. Listing and refunding lock the ticket, and
/// refunds refuse listed tickets, so an open trade's ticket is always VALID; if not,
/// the payment rolls back.
async fn resell_ticket(conn: &mut MySqlConnection, trade: &LockedTrade) -> Result<()> {
    if store::mark_resold(conn, trade.ticket_id).await? != 1 {
        return Err(Error::internal(format!(
            "open trade {} has a ticket that is not valid",
            trade.id
        )));
    }
    Ok(())
}

/// After losing the key's race: the winner's purchase, if it is this same one.
async fn bought_meanwhile(
    pool: &MySqlPool,
    buyer_id: i64,
    key: Option<&str>,
    trade_id: i64,
) -> Result<i64> {
    let mut conn = pool.acquire().await?;
    let earlier = store::bought_with_key(&mut conn, buyer_id, key.unwrap_or_default())
        .await?
        .ok_or_else(|| Error::internal("trade vanished after a unique violation"))?;
    same_purchase(earlier, trade_id)
}
