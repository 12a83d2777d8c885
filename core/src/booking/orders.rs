//! Orders as their buyers see them: what one purchase bought, under its 예매번호.
//!
//! An order is one paid hold: its seats, all of one performance, each a ticket. What a
//! buyer manages is the order (the number they read out, the total they paid, what came
//! back), so lists lead with orders and each ticket names its order. An order's status
//! follows its tickets: nothing refunded, some, or all; or 공연 취소 once the organizer
//! cancelled the performance, which refunds what is left of it. A ticket resold through the
//! market left the order's hands whole (its buyer was paid), so it counts as neither.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::MySqlPool;

use super::order_number;
use super::tickets::{self, Ticket, TicketStatus};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    /// No ticket refunded (예매완료).
    Confirmed,
    /// Some tickets refunded, some not (부분취소).
    PartlyCancelled,
    /// Every ticket refunded (취소완료).
    Cancelled,
    /// The organizer cancelled the performance (공연 취소): its tickets are refunded in
    /// full, or being refunded, by the cancellation.
    PerformanceCancelled,
}

/// One order in a buyer's list: the performance, the seats and the money.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderSummary {
    pub id: i64,
    /// 예매번호: ten digits.
    pub number: String,
    pub status: OrderStatus,
    pub show_id: i64,
    pub show_title: String,
    pub venue: String,
    pub schedule_id: i64,
    pub starts_at: DateTime<Utc>,
    /// 매수: how many tickets the order bought.
    pub ticket_count: u32,
    /// Seats as printed on the tickets (grade, row and number), in ticket order.
    pub seats: Vec<String>,
    /// Points paid: prices and booking fees.
    pub total: i64,
    /// 예매수수료: the booking fees included in `total`.
    pub booking_fees: i64,
    /// Points refunded so far, fees deducted.
    pub refunded: i64,
    pub created_at: DateTime<Utc>,
}

/// One order with its tickets.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderDetail {
    #[serde(flatten)]
    pub summary: OrderSummary,
    pub tickets: Vec<Ticket>,
}

struct OrderRow {
    id: i64,
    number: String,
    total: i64,
    booking_fees: i64,
    created_at: DateTime<Utc>,
}

/// The user's orders, newest first, and how many they have in all.
pub async fn list_for_user(
    pool: &MySqlPool,
    user_id: i64,
    limit: u32,
    offset: u32,
) -> Result<(Vec<OrderSummary>, i64)> {
    let total = sqlx::query_scalar!("select count(*) from orders where user_id = ?", user_id)
        .fetch_one(pool)
        .await?;
    let rows = sqlx::query_as!(
        OrderRow,
        r#"select id, cast(number as char) as "number!", total, booking_fees,
                  created_at as "created_at: _"
           from orders where user_id = ? order by id desc limit ? offset ?"#,
        user_id,
        limit,
        offset
    )
    .fetch_all(pool)
    .await?;
    let (Some(first), Some(last)) = (rows.last(), rows.first()) else {
        return Ok((Vec::new(), total));
    };
    // The page is every order of the user's with an id in this range, so one read of
    // the user's tickets in the same range is all of the page's tickets.
    let mut by_order: HashMap<i64, Vec<Ticket>> = HashMap::new();
    for ticket in tickets::of_user_orders(pool, user_id, first.id, last.id).await? {
        if let Some(order_id) = ticket.order_id {
            by_order.entry(order_id).or_default().push(ticket);
        }
    }
    let orders = rows
        .into_iter()
        .filter_map(|row| {
            let tickets = by_order.remove(&row.id).unwrap_or_default();
            summary(row, &tickets)
        })
        .collect();
    Ok((orders, total))
}

/// The user's order with this number; someone else's, or a number that is no order's,
/// is not found alike (numbers must not reveal whose they are).
pub async fn get_for_user(pool: &MySqlPool, user_id: i64, number: &str) -> Result<OrderDetail> {
    if !order_number::is_well_formed(number) {
        return Err(Error::NotFound("order"));
    }
    let row = sqlx::query_as!(
        OrderRow,
        r#"select id, cast(number as char) as "number!", total, booking_fees,
                  created_at as "created_at: _"
           from orders where number = ? and user_id = ?"#,
        number,
        user_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(Error::NotFound("order"))?;
    let tickets = tickets::for_order(pool, row.id).await?;
    let summary =
        summary(row, &tickets).ok_or_else(|| Error::internal("an order without tickets"))?;
    Ok(OrderDetail { summary, tickets })
}

/// An order's summary from its tickets; None for an order without any (a purchase
/// always issues at least one, in the same transaction).
fn summary(row: OrderRow, tickets: &[Ticket]) -> Option<OrderSummary> {
    let first = tickets.first()?;
    let refunded_tickets = tickets
        .iter()
        .filter(|t| t.status == TicketStatus::Refunded)
        .count();
    let status = match refunded_tickets {
        _ if first.performance_cancelled => OrderStatus::PerformanceCancelled,
        0 => OrderStatus::Confirmed,
        n if n == tickets.len() => OrderStatus::Cancelled,
        _ => OrderStatus::PartlyCancelled,
    };
    Some(OrderSummary {
        id: row.id,
        number: row.number,
        status,
        show_id: first.show_id,
        show_title: first.show_title.clone(),
        venue: first.venue.clone(),
        schedule_id: first.schedule_id,
        starts_at: first.starts_at,
        ticket_count: tickets.len() as u32,
        seats: tickets.iter().map(Ticket::seat_label).collect(),
        total: row.total,
        booking_fees: row.booking_fees,
        refunded: tickets.iter().filter_map(|t| t.refund_amount).sum(),
        created_at: row.created_at,
    })
}
