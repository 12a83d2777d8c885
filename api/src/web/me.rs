//! My page: who is signed in, their points, their tickets with a QR code of each valid
//! ticket's code, and the way out. Refunds, resale listings, points history, likes
//! and trades join it as those pages land.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use marquee_core::accounts::tokens::csrf_token;
use marquee_core::booking::tickets::{self, Ticket};
use serde::Deserialize;

use super::account::require_visitor;
use super::{format, html, qr, PageError};
use crate::state::AppState;

/// Tickets shown, newest first.
const TICKETS_SHOWN: u32 = 20;

pub struct TicketCard {
    pub title: String,
    pub when: String,
    pub venue: String,
    pub seat: String,
    pub status: &'static str,
    pub valid: bool,
    pub paid: String,
    /// Inline SVG drawn by `qr::svg` from the ticket code: only for valid tickets.
    pub qr: Option<String>,
    pub code: String,
}

impl From<Ticket> for TicketCard {
    fn from(ticket: Ticket) -> Self {
        let valid = ticket.status == "VALID";
        let seat = format!("{} {}열 {}번", ticket.grade, ticket.row, ticket.number);
        TicketCard {
            qr: valid
                .then(|| {
                    qr::svg(
                        &ticket.code,
                        &format!("{} {} 입장 QR 코드", ticket.show_title, seat),
                    )
                })
                .flatten(),
            status: match ticket.status.as_str() {
                "VALID" => "예매 완료",
                "REFUNDED" => "환불됨",
                _ => "양도됨",
            },
            valid,
            when: format::when(ticket.starts_at),
            paid: format::won(ticket.paid_amount),
            title: ticket.show_title,
            venue: ticket.venue,
            code: ticket.code,
            seat,
        }
    }
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    csrf: String,
    nickname: String,
    email: String,
    balance: String,
    /// Arrived from checkout with this order paid.
    paid: bool,
    tickets: Vec<TicketCard>,
    total_tickets: i64,
}

#[derive(Deserialize, Default)]
pub struct MeQuery {
    paid: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<MeQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let (user, secret) = match require_visitor(&state, &headers, "/me").await? {
        Ok(found) => found,
        Err(to_login) => return Ok(to_login),
    };
    let profile = state.auth.profile(user.user_id).await?;
    let (tickets, total_tickets) =
        tickets::list_for_user(&state.pool, user.user_id, TICKETS_SHOWN, 0).await?;
    html(&MePage {
        csrf: csrf_token(&secret),
        nickname: profile.nickname,
        email: profile.email,
        balance: format::won(profile.point_balance),
        paid: query.paid.is_some(),
        tickets: tickets.into_iter().map(TicketCard::from).collect(),
        total_tickets,
    })
}
