//! My page: who is signed in, their points and the ledger behind them, their tickets
//! (a QR code of each valid ticket's code, refund with its fee shown before
//! confirming, listing for resale within the cap), their likes and their trades, and
//! the way out. The quotes shown are computed by the same policy and rules the refund
//! and the listing apply; the changes themselves are `static/tickets.js` calling the
//! JSON API as the signed-in browser.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use marquee_core::accounts::tokens::csrf_token;
use marquee_core::booking::refund_policy::RefundPolicy;
use marquee_core::booking::refunds;
use marquee_core::booking::tickets::{self, Ticket, TicketStatus};
use marquee_core::catalog::repo as catalog;
use marquee_core::points::ledger::{self, LedgerReason};
use marquee_core::points::LedgerEntry;
use marquee_core::resale::trades::{self, MyTrade, TradeStatus};
use serde::Deserialize;

use super::home::Card;
use super::top_up::{html_paying, TopUp};
use super::visitor::require_visitor;
use super::{format, qr};
use crate::plumbing::html::PageError;
use crate::plumbing::state::AppState;

/// Tickets, ledger entries, likes and trades shown, newest first.
const TICKETS_SHOWN: u32 = 20;
const LEDGER_SHOWN: u32 = 10;
const LIKES_SHOWN: u32 = 12;
const TRADES_SHOWN: u32 = 10;

pub struct RefundQuote {
    pub fee: String,
    /// The booking fee that comes back with it, on the booking day only.
    pub booking_fee_back: Option<String>,
    /// A booking fee that does not come back (booked on an earlier day).
    pub booking_fee_kept: Option<String>,
    /// The order used a coupon: it comes back only if the whole order is cancelled.
    pub coupon: bool,
    pub net: String,
}

pub struct TicketCard {
    pub id: i64,
    pub title: String,
    pub when: String,
    pub venue: String,
    pub seat: String,
    /// The discount kind it was sold as (None for 일반), and proof it needs at the door.
    pub kind: Option<String>,
    pub proof: Option<String>,
    pub status: &'static str,
    pub valid: bool,
    pub paid: String,
    /// Inline SVG drawn by `qr::svg` from the ticket code: only for valid tickets.
    pub qr: Option<String>,
    pub code: String,
    /// 예매번호 of the order that bought it (none for a ticket bought on resale).
    pub order_number: Option<String>,
    /// Valid and not listed: what refunding now would cost, None when the policy
    /// refunds nothing any more.
    pub refund: Option<RefundQuote>,
    /// Valid, not listed, not started: it may be listed up to this price.
    pub max_price: Option<i64>,
    pub max_price_text: String,
    /// The open listing of this ticket.
    pub open_trade_id: Option<i64>,
    /// What a refunded ticket gave back.
    pub refunded: Option<String>,
    /// The organizer cancelled the performance (공연 취소) and its cancellation
    /// refunded this ticket, or is refunding it (not one its holder refunded before).
    pub refunded_by_cancellation: bool,
    /// What that cancellation paid on top of the refund, when anything.
    pub compensation: Option<String>,
}

pub struct LedgerLine {
    pub when: String,
    pub reason: &'static str,
    pub amount: String,
    pub balance: String,
}

pub struct TradeLine {
    pub title: String,
    pub seat: String,
    pub role: &'static str,
    pub status: &'static str,
    pub price: String,
}

fn ticket_card(ticket: Ticket, state: &AppState, now: DateTime<Utc>) -> TicketCard {
    // A cancelled performance's ticket still valid is being refunded by the
    // cancellation: nothing to show at a door, refund or list.
    let cancelled = ticket.performance_cancelled;
    let valid = ticket.status == TicketStatus::Valid && !cancelled;
    let changeable = valid && ticket.open_trade_id.is_none();
    let seat = ticket.seat_label();
    let refund = changeable
        .then(|| {
            let policy =
                RefundPolicy::for_show(&state.refund_policy, ticket.show_refund_policy.as_deref());
            refunds::quote(&policy, (&ticket).into(), now)
        })
        .flatten()
        .map(|quote| RefundQuote {
            fee: format::won(quote.fee),
            booking_fee_back: (quote.booking_fee_back > 0)
                .then(|| format::won(quote.booking_fee_back)),
            booking_fee_kept: (ticket.booking_fee > 0 && quote.booking_fee_back == 0)
                .then(|| format::won(ticket.booking_fee)),
            coupon: ticket.order_used_coupon,
            net: format::won(quote.net),
        });
    let max_price =
        (changeable && ticket.starts_at > now).then(|| state.resale.max_price(ticket.face_value));
    TicketCard {
        id: ticket.id,
        qr: valid
            .then(|| {
                qr::svg(
                    &ticket.code,
                    &format!("{} {} 입장 QR 코드", ticket.show_title, seat),
                )
            })
            .flatten(),
        status: match (ticket.status, ticket.open_trade_id) {
            (TicketStatus::Valid, _) if cancelled => "공연 취소 · 환불 중",
            (TicketStatus::Refunded, _) if ticket.compensation.is_some() => "공연 취소",
            (TicketStatus::Valid, Some(_)) => "양도 등록 중",
            (TicketStatus::Valid, None) => "예매 완료",
            (TicketStatus::Refunded, _) => "환불됨",
            (TicketStatus::Resold, _) => "양도됨",
        },
        valid,
        when: format::when(ticket.starts_at),
        paid: format::won(ticket.paid_amount),
        refund,
        max_price,
        max_price_text: max_price.map(format::won).unwrap_or_default(),
        open_trade_id: ticket.open_trade_id.filter(|_| valid),
        refunded: ticket.refund_amount.map(format::won),
        refunded_by_cancellation: cancelled
            && (ticket.status == TicketStatus::Valid || ticket.compensation.is_some()),
        compensation: ticket
            .compensation
            .filter(|amount| *amount > 0)
            .map(format::won),
        title: ticket.show_title,
        venue: ticket.venue,
        code: ticket.code,
        order_number: ticket.order_number,
        kind: ticket.discount_name,
        proof: ticket.discount_proof.filter(|_| valid),
        seat,
    }
}

fn ledger_line(entry: LedgerEntry) -> LedgerLine {
    LedgerLine {
        when: format::when(entry.created_at),
        reason: match entry.reason {
            LedgerReason::Charge => "충전",
            LedgerReason::Purchase => "예매",
            LedgerReason::Refund => "환불",
            LedgerReason::ResalePurchase => "양도 티켓 구매",
            LedgerReason::ResaleSale => "양도 판매 대금",
            LedgerReason::Compensation => "공연 취소 배상",
        },
        amount: if entry.amount > 0 {
            format!("+{}", format::won(entry.amount))
        } else {
            format::won(entry.amount)
        },
        balance: format::won(entry.balance_after),
    }
}

fn trade_line(mine: MyTrade) -> TradeLine {
    let trade = mine.trade;
    TradeLine {
        seat: trade.seat_label(),
        role: if mine.role == "SELLER" {
            "판매"
        } else {
            "구매"
        },
        status: match trade.status {
            TradeStatus::Open => "판매 중",
            TradeStatus::Sold => "거래 완료",
            TradeStatus::Cancelled => "취소",
            TradeStatus::Expired => "기간 만료",
        },
        price: format::won(trade.price),
        title: trade.show_title,
    }
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    csrf: String,
    nickname: String,
    email: String,
    balance: String,
    /// Arrived from checkout with an order paid.
    paid: bool,
    /// That order's 예매번호, when it is one of this person's.
    paid_number: Option<String>,
    /// What a change made on this page did (`static/tickets.js`), said once.
    done: Option<&'static str>,
    /// Arrived from the market with a ticket bought.
    bought: bool,
    tickets: Vec<TicketCard>,
    total_tickets: i64,
    ledger: Vec<LedgerLine>,
    likes: Vec<Card>,
    trades: Vec<TradeLine>,
    top_up: TopUp,
}

/// What MY page offers to top up by.
const TOP_UPS: [i64; 4] = [10_000, 50_000, 100_000, 300_000];

#[derive(Deserialize, Default)]
pub struct MeQuery {
    paid: Option<String>,
    bought: Option<String>,
    done: Option<String>,
}

/// What MY page says after a change made on it; anything else says nothing.
fn done_notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "refunded" => Some("환불했어요. 돌려받은 포인트는 포인트 내역에 있어요."),
        "listed" => Some("양도 등록했어요. 팔리면 판매 대금이 포인트로 들어와요."),
        "unlisted" => Some("양도 등록을 취소했어요."),
        _ => None,
    }
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
    let pool = &state.pool;
    let profile = state.auth.profile(user.user_id).await?;
    let (tickets, total_tickets) =
        tickets::list_for_user(pool, user.user_id, TICKETS_SHOWN, 0).await?;
    let entries = ledger::history(pool, user.user_id, None, LEDGER_SHOWN).await?;
    let (likes, _) = catalog::liked_shows(pool, user.user_id, LIKES_SHOWN, 0).await?;
    let (trades, _) = trades::history(pool, user.user_id, None, None, TRADES_SHOWN, 0).await?;
    let now = Utc::now();
    // Only a number of this person's own orders is repeated back on the page.
    let paid = query.paid.is_some();
    let paid_number = query.paid.filter(|number| {
        tickets
            .iter()
            .any(|t| t.order_number.as_deref() == Some(number.as_str()))
    });
    let top_up = TopUp::new(
        &state,
        user.user_id,
        TOP_UPS
            .iter()
            .map(|&amount| (format!("{} 충전", format::won(amount)), amount))
            .collect(),
    );
    let page = MePage {
        csrf: csrf_token(&secret),
        nickname: profile.nickname,
        email: profile.email,
        balance: format::won(profile.point_balance),
        paid,
        paid_number,
        done: done_notice(query.done.as_deref()),
        bought: query.bought.is_some(),
        tickets: tickets
            .into_iter()
            .map(|ticket| ticket_card(ticket, &state, now))
            .collect(),
        total_tickets,
        ledger: entries.into_iter().map(ledger_line).collect(),
        likes: likes.into_iter().map(Card::from).collect(),
        trades: trades.into_iter().map(trade_line).collect(),
        top_up,
    };
    html_paying(&page, &page.top_up)
}
