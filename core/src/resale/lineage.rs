//! A ticket's lineage: the chain from the box-office ticket through every resale to
//! the ticket valid now (or the one refunded), with who held each and when.
//!
//! Every ticket issued by a resale stores the first ticket of its chain
//! (`origin_ticket_id`), so the chain is one indexed read in issue order. Only people
//! who held a ticket of the chain, and admins, may read it; holders other than the
//! caller are shown by nickname only, admins see every holder's id.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::MySqlPool;

use crate::booking::tickets::TicketStatus;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lineage {
    /// The first ticket of the chain, bought from the box office.
    pub origin_ticket_id: i64,
    pub seat_id: i64,
    pub schedule_id: i64,
    /// Oldest first; the last one is the ticket as it stands now.
    pub entries: Vec<LineageEntry>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineageEntry {
    pub ticket_id: i64,
    pub status: TicketStatus,
    /// ORDER (box office) or RESALE.
    pub acquired_via: String,
    pub order_id: Option<i64>,
    pub trade_id: Option<i64>,
    /// The holder's user id: shown to admins, and to the holder for their own entries.
    pub holder_id: Option<i64>,
    pub holder_nickname: String,
    /// True for the caller's own entries.
    pub you: bool,
    pub paid_amount: i64,
    pub face_value: i64,
    /// When this holder got the ticket.
    pub held_from: DateTime<Utc>,
    /// When it was resold or refunded; none while it is still valid.
    pub held_until: Option<DateTime<Utc>>,
}

struct Row {
    ticket_id: i64,
    status: TicketStatus,
    order_id: Option<i64>,
    trade_id: Option<i64>,
    user_id: i64,
    nickname: String,
    paid_amount: i64,
    face_value: i64,
    seat_id: i64,
    schedule_id: i64,
    held_from: DateTime<Utc>,
    held_until: Option<DateTime<Utc>>,
}

pub async fn for_ticket(
    pool: &MySqlPool,
    caller_id: i64,
    caller_is_admin: bool,
    ticket_id: i64,
) -> Result<Lineage> {
    let origin_ticket_id = sqlx::query_scalar!(
        r#"select coalesce(origin_ticket_id, id) as "origin!: i64" from tickets where id = ?"#,
        ticket_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(Error::NotFound("ticket"))?;
    let rows = sqlx::query_as!(
        Row,
        r#"select t.id as ticket_id, t.status as "status: TicketStatus", t.order_id, t.trade_id,
                  t.user_id, u.nickname, t.paid_amount, t.face_value, t.seat_id, t.schedule_id,
                  t.created_at as "held_from: _",
                  coalesce(t.resold_at, t.refunded_at) as "held_until: _"
           from tickets t join users u on u.id = t.user_id
           where t.id = ? or t.origin_ticket_id = ?
           order by t.id"#,
        origin_ticket_id,
        origin_ticket_id
    )
    .fetch_all(pool)
    .await?;
    // Strangers learn nothing, not even that the ticket exists.
    if !caller_is_admin && !rows.iter().any(|row| row.user_id == caller_id) {
        return Err(Error::NotFound("ticket"));
    }
    let first = rows
        .first()
        .ok_or_else(|| Error::internal("a lineage without its origin"))?;
    Ok(Lineage {
        origin_ticket_id,
        seat_id: first.seat_id,
        schedule_id: first.schedule_id,
        entries: rows
            .into_iter()
            .map(|row| {
                let you = row.user_id == caller_id;
                LineageEntry {
                    ticket_id: row.ticket_id,
                    status: row.status,
                    acquired_via: if row.trade_id.is_some() {
                        "RESALE"
                    } else {
                        "ORDER"
                    }
                    .to_string(),
                    order_id: row.order_id,
                    trade_id: row.trade_id,
                    holder_id: (you || caller_is_admin).then_some(row.user_id),
                    holder_nickname: row.nickname,
                    you,
                    paid_amount: row.paid_amount,
                    face_value: row.face_value,
                    held_from: row.held_from,
                    held_until: row.held_until,
                }
            })
            .collect(),
    })
}
