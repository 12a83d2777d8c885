//! The statements of listing, repricing, cancelling and buying a trade, each one step
//! of their transactions (`listings`, `purchase`), checked at compile time.
//!
//! Locks follow the market's order (see `resale`): the ticket row, then the trade row,
//! then user rows in ascending id. Each locking read takes one kind of row.

use sqlx::MySqlConnection;

use super::trades::TradeStatus;
use crate::booking::tickets::{self, TicketStatus};
use crate::error::{Error, Result};

/// A ticket as a listing needs it, read after its lock.
pub struct ListableTicket {
    pub status: TicketStatus,
    pub face_value: i64,
    pub show_id: i64,
    pub schedule_id: i64,
    pub grade_id: i64,
    /// The performance has started.
    pub started: bool,
    /// The organizer cancelled the performance.
    pub performance_cancelled: bool,
}

pub async fn listable_ticket(conn: &mut MySqlConnection, ticket_id: i64) -> Result<ListableTicket> {
    Ok(sqlx::query_as!(
        ListableTicket,
        r#"select t.status as "status: TicketStatus", t.face_value, sc.show_id, t.schedule_id,
                  st.grade_id, sc.starts_at <= current_timestamp(6) as "started!: bool",
                  sc.cancelled_at is not null as "performance_cancelled!: bool"
           from tickets t
           join schedules sc on sc.id = t.schedule_id
           join seats st on st.id = t.seat_id
           where t.id = ?"#,
        ticket_id
    )
    .fetch_one(conn)
    .await?)
}

/// A trade an Idempotency-Key made or bought: its id and its ticket (the one listed),
/// or the ticket issued to the buyer.
pub struct KeyedTrade {
    pub id: i64,
    pub ticket_id: i64,
    pub issued_ticket_id: Option<i64>,
}

/// The seller's trade listed with this key, if any.
pub async fn listed_with_key(
    conn: &mut MySqlConnection,
    seller_id: i64,
    key: &str,
) -> Result<Option<KeyedTrade>> {
    Ok(sqlx::query_as!(
        KeyedTrade,
        "select id, ticket_id, issued_ticket_id from trades
         where seller_id = ? and listing_key = ?",
        seller_id,
        key
    )
    .fetch_optional(conn)
    .await?)
}

/// The trade this buyer bought with this key, if any.
pub async fn bought_with_key(
    conn: &mut MySqlConnection,
    buyer_id: i64,
    key: &str,
) -> Result<Option<KeyedTrade>> {
    Ok(sqlx::query_as!(
        KeyedTrade,
        "select id, ticket_id, issued_ticket_id from trades
         where buyer_id = ? and purchase_key = ?",
        buyer_id,
        key
    )
    .fetch_optional(conn)
    .await?)
}

/// What a new listing records.
pub struct NewTrade<'a> {
    pub ticket_id: i64,
    pub seller_id: i64,
    pub key: Option<&'a str>,
    pub price: i64,
}

/// Records an open trade; a unique violation (the ticket's open listing, or this key's
/// trade) is left to the caller to tell apart.
pub async fn insert_trade(
    conn: &mut MySqlConnection,
    trade: NewTrade<'_>,
    ticket: &ListableTicket,
) -> Result<i64, sqlx::Error> {
    let inserted = sqlx::query!(
        "insert into trades (ticket_id, seller_id, listing_key, show_id, schedule_id, grade_id, price)
         values (?, ?, ?, ?, ?, ?, ?)",
        trade.ticket_id,
        trade.seller_id,
        trade.key,
        ticket.show_id,
        ticket.schedule_id,
        ticket.grade_id,
        trade.price
    )
    .execute(conn)
    .await?;
    Ok(inserted.last_insert_id() as i64)
}

/// A trade locked for a change, with what the change needs to decide.
pub struct LockedTrade {
    pub id: i64,
    pub ticket_id: i64,
    pub seller_id: i64,
    pub status: TradeStatus,
    pub price: i64,
    pub buyer_id: Option<i64>,
    pub purchase_key: Option<String>,
    pub issued_ticket_id: Option<i64>,
    pub face_value: i64,
    /// The performance has started.
    pub started: bool,
    /// The organizer cancelled the performance (its cancellation closes the trade).
    pub performance_cancelled: bool,
}

impl LockedTrade {
    /// The status readers see: an OPEN trade of a started show is EXPIRED, one of a
    /// cancelled performance CANCELLED (its cancellation is closing it).
    pub fn effective_status(&self) -> TradeStatus {
        match self.status {
            TradeStatus::Open if self.performance_cancelled => TradeStatus::Cancelled,
            TradeStatus::Open if self.started => TradeStatus::Expired,
            status => status,
        }
    }

    /// Fails unless the trade can still be bought or changed.
    pub fn ensure_open(&self) -> Result<()> {
        match self.effective_status() {
            TradeStatus::Open => Ok(()),
            status => Err(Error::TradeNotOpen {
                status: status.to_string(),
            }),
        }
    }
}

/// Locks a trade in the market's lock order - its ticket, then the trade - and reads it.
/// The trade's ticket never changes, so reading it unlocked first is safe.
pub async fn lock_trade(conn: &mut MySqlConnection, trade_id: i64) -> Result<LockedTrade> {
    let ticket_id = sqlx::query_scalar!("select ticket_id from trades where id = ?", trade_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound("trade"))?;
    crate::booking::store::lock_ticket(conn, ticket_id, None).await?;
    sqlx::query!("select id from trades where id = ? for update", trade_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(sqlx::query_as!(
        LockedTrade,
        r#"select tr.id, tr.ticket_id, tr.seller_id, tr.status as "status: TradeStatus",
                  tr.price, tr.buyer_id, cast(tr.purchase_key as char) as purchase_key,
                  tr.issued_ticket_id, t.face_value,
                  sc.starts_at <= current_timestamp(6) as "started!: bool",
                  sc.cancelled_at is not null as "performance_cancelled!: bool"
           from trades tr
           join tickets t on t.id = tr.ticket_id
           join schedules sc on sc.id = tr.schedule_id
           where tr.id = ?"#,
        trade_id
    )
    .fetch_one(conn)
    .await?)
}

pub async fn reprice(conn: &mut MySqlConnection, trade_id: i64, price: i64) -> Result<()> {
    sqlx::query!("update trades set price = ? where id = ?", price, trade_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn cancel(conn: &mut MySqlConnection, trade_id: i64) -> Result<()> {
    sqlx::query!(
        "update trades set status = 'CANCELLED', closed_at = current_timestamp(6) where id = ?",
        trade_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Cancels every open listing of a seller; how many.
pub async fn cancel_all_for_seller(conn: &mut MySqlConnection, seller_id: i64) -> Result<u64> {
    Ok(sqlx::query!(
        "update trades set status = 'CANCELLED', closed_at = current_timestamp(6)
         where seller_id = ? and status = 'OPEN'",
        seller_id
    )
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn cancel_all_of_schedule(conn: &mut MySqlConnection, schedule_id: i64) -> Result<u64> {
    Ok(sqlx::query!(
        "update trades set status = 'CANCELLED', closed_at = current_timestamp(6)
         where schedule_id = ? and status = 'OPEN'",
        schedule_id
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Marks the seller's ticket resold: 1 row when it was valid.
pub async fn mark_resold(conn: &mut MySqlConnection, ticket_id: i64) -> Result<u64> {
    Ok(sqlx::query!(
        "update tickets set status = 'RESOLD', resold_at = current_timestamp(6)
         where id = ? and status = 'VALID'",
        ticket_id
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// The buyer's ticket: same seat, schedule, face value and 입장번호, a fresh code, and
/// links to the ticket it replaces and to the first ticket of the chain. It is issued
/// at the instant the parent was resold, so a lineage has no gap or overlap between
/// holders.
pub async fn issue_resale_ticket(
    conn: &mut MySqlConnection,
    trade: &LockedTrade,
    buyer_id: i64,
) -> Result<i64> {
    let inserted = sqlx::query!(
        "insert into tickets (code, trade_id, parent_ticket_id, origin_ticket_id, user_id,
                              seat_id, schedule_id, face_value, paid_amount, entry_number,
                              created_at)
         select ?, ?, id, coalesce(origin_ticket_id, id), ?, seat_id, schedule_id, face_value, ?,
                entry_number, resold_at
         from tickets where id = ?",
        tickets::new_code(),
        trade.id,
        buyer_id,
        trade.price,
        trade.ticket_id
    )
    .execute(conn)
    .await?;
    Ok(inserted.last_insert_id() as i64)
}

/// How a sale closes a trade.
pub struct Sale<'a> {
    pub trade_id: i64,
    pub buyer_id: i64,
    pub key: Option<&'a str>,
    pub fee: i64,
    pub issued_ticket_id: i64,
    pub buyer_ledger_id: Option<i64>,
    pub seller_ledger_id: Option<i64>,
}

/// Closes an open trade as sold: 1 row when it was open. A unique violation means the
/// buyer's key bought another trade meanwhile.
pub async fn close_sold(conn: &mut MySqlConnection, sale: Sale<'_>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "update trades set status = 'SOLD', buyer_id = ?, purchase_key = ?, fee = ?,
                issued_ticket_id = ?, buyer_ledger_id = ?, seller_ledger_id = ?,
                closed_at = current_timestamp(6)
         where id = ? and status = 'OPEN'",
        sale.buyer_id,
        sale.key,
        sale.fee,
        sale.issued_ticket_id,
        sale.buyer_ledger_id,
        sale.seller_ledger_id,
        sale.trade_id
    )
    .execute(conn)
    .await?
    .rows_affected())
}
