//! Tickets: what a purchase or a resale leaves in the buyer's hands.
//!
//! A ticket is VALID until it is REFUNDED or RESOLD. One bought from an order has an
//! `order_id`; one issued by a resale has a `trade_id` and the `parent_ticket_id` it
//! replaced, and keeps the original `face_value` (the resale cap and refund ceiling).

use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use sqlx::MySqlPool;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Ticket {
    pub id: i64,
    pub code: String,
    /// Set on tickets bought from the box office.
    pub order_id: Option<i64>,
    /// Set on tickets issued by a resale: the trade that issued it.
    pub trade_id: Option<i64>,
    /// The ticket this one replaced on resale.
    pub parent_ticket_id: Option<i64>,
    /// VALID, REFUNDED or RESOLD.
    pub status: String,
    /// The open resale listing of this ticket, if any: while it is open the ticket can
    /// be neither refunded nor listed again.
    pub open_trade_id: Option<i64>,
    pub show_id: i64,
    pub show_title: String,
    pub venue: String,
    pub schedule_id: i64,
    pub starts_at: DateTime<Utc>,
    pub seat_id: i64,
    pub grade: String,
    #[sqlx(rename = "row_label")]
    pub row: String,
    pub number: i32,
    /// The original price of the seat, unchanged by resales.
    pub face_value: i64,
    /// What this holder paid: the box-office price or the resale price.
    pub paid_amount: i64,
    pub refund_fee: Option<i64>,
    pub refund_amount: Option<i64>,
    pub refunded_at: Option<DateTime<Utc>>,
    pub resold_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const TICKET_SELECT: &str =
    "select t.id, cast(t.code as char) as code, t.order_id, t.trade_id, t.parent_ticket_id, t.status,
        tr.id as open_trade_id, s.id as show_id, s.title as show_title,
        v.name as venue, sc.id as schedule_id, sc.starts_at, st.id as seat_id, g.name as grade,
        st.row_label, st.seat_number as number, t.face_value, t.paid_amount, t.refund_fee,
        t.refund_amount, t.refunded_at, t.resold_at, t.created_at
    from tickets t
    left join trades tr on tr.open_ticket_id = t.id
    join seats st on st.id = t.seat_id
    join seat_grades g on g.id = st.grade_id
    join schedules sc on sc.id = t.schedule_id
    join shows s on s.id = sc.show_id
    join venues v on v.id = s.venue_id";

/// A ticket code: 128 random bits, base64url without padding (22 characters). Knowing
/// one code tells nothing about any other.
pub fn new_code() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub async fn list_for_user(
    pool: &MySqlPool,
    user_id: i64,
    limit: u32,
    offset: u32,
) -> Result<(Vec<Ticket>, i64)> {
    let total: i64 = sqlx::query_scalar("select count(*) from tickets where user_id = ?")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    let sql = format!("{TICKET_SELECT} where t.user_id = ? order by t.id desc limit ? offset ?");
    let tickets = sqlx::query_as(&sql)
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?;
    Ok((tickets, total))
}

pub async fn for_order(pool: &MySqlPool, order_id: i64) -> Result<Vec<Ticket>> {
    let sql = format!("{TICKET_SELECT} where t.order_id = ? order by t.id");
    Ok(sqlx::query_as(&sql).bind(order_id).fetch_all(pool).await?)
}

/// Another user's ticket is reported as not found: ids must not reveal who owns what.
pub async fn get_for_user(pool: &MySqlPool, user_id: i64, ticket_id: i64) -> Result<Ticket> {
    let sql = format!("{TICKET_SELECT} where t.id = ? and t.user_id = ?");
    sqlx::query_as(&sql)
        .bind(ticket_id)
        .bind(user_id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound("ticket"))
}
