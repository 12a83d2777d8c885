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

use crate::db::text_enum;
use crate::error::{Error, Result};

/// A ticket is VALID until it is REFUNDED or RESOLD (re-issued to a resale's buyer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketStatus {
    Valid,
    Refunded,
    Resold,
}
text_enum!(TicketStatus {
    Valid => "VALID",
    Refunded => "REFUNDED",
    Resold => "RESOLD",
});

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ticket {
    pub id: i64,
    pub code: String,
    /// Set on tickets bought from the box office.
    pub order_id: Option<i64>,
    /// The 예매번호 of that order.
    pub order_number: Option<String>,
    /// That order used a coupon, which comes back only if the whole order is cancelled.
    pub order_used_coupon: bool,
    /// Set on tickets issued by a resale: the trade that issued it.
    pub trade_id: Option<i64>,
    /// The ticket this one replaced on resale.
    pub parent_ticket_id: Option<i64>,
    pub status: TicketStatus,
    /// The open resale listing of this ticket, if any: while it is open the ticket can
    /// be neither refunded nor listed again.
    pub open_trade_id: Option<i64>,
    pub show_id: i64,
    pub show_title: String,
    /// The show's own refund tiers (`DAYS:PERCENT,...`) when it has them; null follows
    /// the service's policy.
    pub show_refund_policy: Option<String>,
    pub venue: String,
    pub schedule_id: i64,
    pub starts_at: DateTime<Utc>,
    /// 공연 취소: the organizer cancelled the performance; its valid tickets are
    /// refunded in full by the cancellation (`performance_cancellation`).
    pub performance_cancelled: bool,
    pub seat_id: i64,
    pub grade: String,
    /// A place of a general-admission area (스탠딩, 자유석, entry): `row` and `number`
    /// mean nothing to its holder; `entry_number` is what the door goes by.
    pub general_admission: bool,
    pub row: String,
    pub number: i32,
    /// 입장번호: a general-admission ticket's place in the order of entry, given in the
    /// order of purchase, unique in its area; kept by a resale's new ticket.
    pub entry_number: Option<i32>,
    /// The original price of the seat, unchanged by resales.
    pub face_value: i64,
    /// What this holder paid: the box-office price or the resale price.
    pub paid_amount: i64,
    /// 예매수수료 paid on top of `paid_amount` (0 for a ticket issued by a resale).
    pub booking_fee: i64,
    /// The discount kind (할인 권종) it was sold as; None for 일반.
    pub discount_name: Option<String>,
    /// Proof its holder shows at the door for that kind (복지카드 지참).
    pub discount_proof: Option<String>,
    /// 취소수수료: what the refund policy kept of the price.
    pub refund_fee: Option<i64>,
    /// Points given back: the price less `refund_fee`, plus the booking fee when
    /// `booking_fee_refunded`.
    pub refund_amount: Option<i64>,
    /// The booking fee came back (a refund on the booking day, or a cancelled
    /// performance).
    pub booking_fee_refunded: bool,
    /// Points paid on top of a cancelled performance's refund (the standard's
    /// compensation, when the operator turns it on); set only on tickets the
    /// cancellation refunded, 0 when it is off.
    pub compensation: Option<i64>,
    pub refunded_at: Option<DateTime<Utc>>,
    pub resold_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Ticket {
    /// The seat as printed on the ticket: VIP A열 3번, or 스탠딩 입장번호 57.
    pub fn seat_label(&self) -> String {
        seat_label(&self.grade, &self.row, self.number, self.entry_number)
    }
}

/// A seat in words, `VIP A열 3번`; a general-admission place, which has no row or
/// number of its own, by its area and 입장번호: `스탠딩 입장번호 57`.
pub fn seat_label(grade: &str, row: &str, number: i32, entry: Option<i32>) -> String {
    match entry {
        Some(entry) => format!("{grade} 입장번호 {entry}"),
        None => format!("{grade} {row}열 {number}번"),
    }
}

/// A ticket code: 128 random bits, base64url without padding (22 characters). Knowing
/// one code tells nothing about any other.
pub fn new_code() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Tickets as their holders see them (the `ticket_details` view), by the rest of the
/// statement: its condition and order, whose values follow it. The one column list of
/// every ticket read, checked at compile time with each condition.
macro_rules! select_tickets {
    ($rest:literal $(, $value:expr)* $(,)?) => {
        sqlx::query_as!(
            Ticket,
            r#"select id, code as "code!", order_id, order_number as "order_number?",
                      coalesce(order_used_coupon, false) as "order_used_coupon!: bool", trade_id, parent_ticket_id,
                      status as "status: TicketStatus", open_trade_id, show_id, show_title,
                      show_refund_policy,
                      venue, schedule_id, starts_at as "starts_at: _",
                      performance_cancelled as "performance_cancelled!: bool", seat_id, grade,
                      general_admission as "general_admission!: bool", row_label as row, number,
                      entry_number, face_value, paid_amount, booking_fee, discount_name, discount_proof, refund_fee,
                      refund_amount, booking_fee_refunded as "booking_fee_refunded: bool", compensation,
                      refunded_at as "refunded_at: _",
                      resold_at as "resold_at: _", created_at as "created_at: _"
               from ticket_details "# + $rest
            $(, $value)*
        )
    };
}

pub async fn list_for_user(
    pool: &MySqlPool,
    user_id: i64,
    limit: u32,
    offset: u32,
) -> Result<(Vec<Ticket>, i64)> {
    let total = sqlx::query_scalar!("select count(*) from tickets where user_id = ?", user_id)
        .fetch_one(pool)
        .await?;
    let tickets = select_tickets!(
        "where user_id = ? order by id desc limit ? offset ?",
        user_id,
        limit,
        offset
    )
    .fetch_all(pool)
    .await?;
    Ok((tickets, total))
}

pub async fn for_order(pool: &MySqlPool, order_id: i64) -> Result<Vec<Ticket>> {
    Ok(select_tickets!("where order_id = ? order by id", order_id)
        .fetch_all(pool)
        .await?)
}

/// The user's tickets bought by their orders with ids from `first` to `last`.
pub async fn of_user_orders(
    pool: &MySqlPool,
    user_id: i64,
    first: i64,
    last: i64,
) -> Result<Vec<Ticket>> {
    Ok(select_tickets!(
        "where user_id = ? and order_id between ? and ? order by id",
        user_id,
        first,
        last
    )
    .fetch_all(pool)
    .await?)
}

/// Another user's ticket is reported as not found: ids must not reveal who owns what.
pub async fn get_for_user(pool: &MySqlPool, user_id: i64, ticket_id: i64) -> Result<Ticket> {
    select_tickets!("where id = ? and user_id = ?", ticket_id, user_id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound("ticket"))
}
