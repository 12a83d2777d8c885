//! The seller's side: listing a ticket, repricing and cancelling the listing.
//!
//! One open listing per ticket is the `uq_trades_open_ticket` key's job, not a check
//! here: two concurrent listings of one ticket cannot both commit.
//!
//! Listing takes an optional `Idempotency-Key`, stored on the trade (unique per seller):
//! a retry after a lost answer finds the trade its first attempt made, instead of 409
//! `TICKET_LISTED` for its own listing.

use sqlx::{MySqlConnection, MySqlPool};

use super::trades::{self, Trade};
use super::ResaleRules;
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

#[derive(sqlx::FromRow)]
struct ListableTicket {
    status: String,
    face_value: i64,
    show_id: i64,
    schedule_id: i64,
    grade_id: i64,
    started: bool,
}

/// Returns the id of the trade for this listing: the new one, or the one an earlier
/// request with the same key made.
async fn try_create(
    pool: &MySqlPool,
    rules: ResaleRules,
    seller_id: i64,
    listing: Listing<'_>,
) -> Result<i64> {
    let Listing {
        ticket_id,
        price,
        idempotency_key: key,
    } = listing;
    let mut tx = pool.begin().await?;
    // Someone else's ticket is not found: ids must not reveal who owns what.
    lock_ticket(&mut tx, ticket_id, Some(seller_id))
        .await?
        .ok_or(Error::NotFound("ticket"))?;
    // After the ticket lock, so a concurrent retry with the same key sees the first
    // attempt's committed trade.
    if let Some(key) = key {
        if let Some(earlier) = trade_by_listing_key(&mut tx, seller_id, key).await? {
            return earlier.same_request(listing);
        }
    }
    let ticket: ListableTicket = sqlx::query_as(
        "select t.status, t.face_value, sc.show_id, t.schedule_id, st.grade_id,
                sc.starts_at <= current_timestamp(6) as started
         from tickets t
         join schedules sc on sc.id = t.schedule_id
         join seats st on st.id = t.seat_id
         where t.id = ?",
    )
    .bind(ticket_id)
    .fetch_one(&mut *tx)
    .await?;
    if ticket.status != "VALID" {
        return Err(Error::TicketNotListable {
            status: ticket.status,
        });
    }
    if ticket.started {
        return Err(Error::ShowStarted);
    }
    let max_price = rules.max_price(ticket.face_value);
    if price > max_price {
        return Err(Error::PriceOverCap { max_price });
    }
    let inserted = sqlx::query(
        "insert into trades (ticket_id, seller_id, listing_key, show_id, schedule_id, grade_id, price)
         values (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(ticket_id)
    .bind(seller_id)
    .bind(key)
    .bind(ticket.show_id)
    .bind(ticket.schedule_id)
    .bind(ticket.grade_id)
    .bind(price)
    .execute(&mut *tx)
    .await;
    let trade_id = match inserted {
        Ok(result) => result.last_insert_id() as i64,
        // Either the ticket's open listing or this key's, committed meanwhile by
        // another of the seller's requests (the ticket lock rules out the first for
        // the same ticket, so a key that is there now names another listing).
        Err(err) if is_unique_violation(&err) => {
            tx.rollback().await?;
            let mut conn = pool.acquire().await?;
            return match key {
                Some(key) => match trade_by_listing_key(&mut conn, seller_id, key).await? {
                    Some(earlier) => earlier.same_request(listing),
                    None => Err(Error::TicketListed),
                },
                None => Err(Error::TicketListed),
            };
        }
        Err(err) => return Err(err.into()),
    };
    tx.commit().await?;
    Ok(trade_id)
}

#[derive(sqlx::FromRow)]
struct KeyedTrade {
    id: i64,
    ticket_id: i64,
}

impl KeyedTrade {
    /// The same key for another ticket is another request, refused. The price is not
    /// compared: the seller may have repriced the trade since the first answer.
    fn same_request(self, listing: Listing<'_>) -> Result<i64> {
        if self.ticket_id == listing.ticket_id {
            Ok(self.id)
        } else {
            Err(Error::IdempotencyKeyReused)
        }
    }
}

async fn trade_by_listing_key(
    conn: &mut MySqlConnection,
    seller_id: i64,
    key: &str,
) -> Result<Option<KeyedTrade>> {
    Ok(
        sqlx::query_as("select id, ticket_id from trades where seller_id = ? and listing_key = ?")
            .bind(seller_id)
            .bind(key)
            .fetch_optional(conn)
            .await?,
    )
}

/// Locks the ticket row alone (a locking read over a join would also lock the schedule
/// row, which concurrent purchases of the schedule share). `owner` narrows it to one
/// holder. Returns `None` when there is no such ticket.
pub(super) async fn lock_ticket(
    conn: &mut MySqlConnection,
    ticket_id: i64,
    owner: Option<i64>,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "select id from tickets where id = ? and (? is null or user_id = ?) for update",
    )
    .bind(ticket_id)
    .bind(owner)
    .bind(owner)
    .fetch_optional(conn)
    .await?)
}

/// A trade locked for a change, with what the change needs to decide.
#[derive(sqlx::FromRow)]
pub(super) struct LockedTrade {
    pub id: i64,
    pub ticket_id: i64,
    pub seller_id: i64,
    pub status: String,
    pub price: i64,
    pub buyer_id: Option<i64>,
    pub purchase_key: Option<String>,
    pub issued_ticket_id: Option<i64>,
    pub face_value: i64,
    pub started: bool,
}

impl LockedTrade {
    /// The status readers see: an OPEN trade of a started show is EXPIRED.
    pub fn effective_status(&self) -> &str {
        if self.status == "OPEN" && self.started {
            "EXPIRED"
        } else {
            &self.status
        }
    }

    /// Fails unless the trade can still be bought or changed.
    pub fn ensure_open(&self) -> Result<()> {
        match self.effective_status() {
            "OPEN" => Ok(()),
            status => Err(Error::TradeNotOpen {
                status: status.to_string(),
            }),
        }
    }
}

/// Locks a trade in the market's lock order - its ticket, then the trade - and reads it.
/// The trade's ticket never changes, so reading it unlocked first is safe.
pub(super) async fn lock_trade(conn: &mut MySqlConnection, trade_id: i64) -> Result<LockedTrade> {
    let ticket_id: i64 = sqlx::query_scalar("select ticket_id from trades where id = ?")
        .bind(trade_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound("trade"))?;
    lock_ticket(conn, ticket_id, None).await?;
    sqlx::query("select id from trades where id = ? for update")
        .bind(trade_id)
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query_as(
        "select tr.id, tr.ticket_id, tr.seller_id, tr.status, tr.price, tr.buyer_id,
                cast(tr.purchase_key as char) as purchase_key, tr.issued_ticket_id, t.face_value,
                sc.starts_at <= current_timestamp(6) as started
         from trades tr
         join tickets t on t.id = tr.ticket_id
         join schedules sc on sc.id = tr.schedule_id
         where tr.id = ?",
    )
    .bind(trade_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Locks the caller's own trade; anyone else's is forbidden (trades are public, so a
/// 404 would hide nothing).
async fn lock_own_open_trade(
    conn: &mut MySqlConnection,
    seller_id: i64,
    trade_id: i64,
) -> Result<LockedTrade> {
    let trade = lock_trade(conn, trade_id).await?;
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
        sqlx::query("update trades set price = ? where id = ?")
            .bind(price)
            .bind(trade.id)
            .execute(&mut *tx)
            .await?;
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
        sqlx::query(
            "update trades set status = 'CANCELLED', closed_at = current_timestamp(6) where id = ?",
        )
        .bind(trade.id)
        .execute(&mut *tx)
        .await?;
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
    Ok(sqlx::query(
        "update trades set status = 'CANCELLED', closed_at = current_timestamp(6)
         where seller_id = ? and status = 'OPEN'",
    )
    .bind(seller_id)
    .execute(conn)
    .await?
    .rows_affected())
}
