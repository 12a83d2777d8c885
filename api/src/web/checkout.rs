//! Checkout (`/checkout/{hold_id}`): what is held and until when, the total, the points
//! balance, topping up, and paying. The page draws what the database says now; the
//! countdown, top-up and payment are `static/checkout.js` calling the JSON API
//! (`/points/charges`, `/holds/{id}/purchase`) as the signed-in browser.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use marquee_core::accounts::tokens::csrf_token;
use marquee_core::booking::holds;
use marquee_core::Error;

use super::top_up::{html_paying, TopUp};
use super::visitor::require_visitor;
use super::{format, refund_rules};
use crate::plumbing::html::{message_page, PageError};
use crate::plumbing::state::AppState;

pub struct Line {
    pub grade: String,
    pub seat: String,
    pub price: String,
}

pub struct Fees {
    pub count: usize,
    pub each: String,
    pub total: String,
}

#[derive(Template)]
#[template(path = "checkout.html")]
struct CheckoutPage {
    csrf: String,
    hold_id: i64,
    show_id: i64,
    schedule_id: i64,
    title: String,
    venue: String,
    when: String,
    lines: Vec<Line>,
    /// 예매수수료 of all the tickets, with what it is per ticket; None when fees are off.
    fees: Option<Fees>,
    total: i64,
    total_text: String,
    balance_text: String,
    /// Points missing to pay, 0 when the balance covers the total.
    shortfall: i64,
    shortfall_text: String,
    /// Milliseconds the hold has left as the page is drawn; the script counts down
    /// from here on the browser's own clock, so a skewed clock cannot shorten it.
    remaining_ms: i64,
    remaining_text: String,
    /// Top-up choices: the shortfall.
    top_up: TopUp,
    /// 취소·환불 규정, stated before paying (`refund_rules`).
    refund_rules: Vec<String>,
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    hold_id: Result<Path<String>, PathRejection>,
) -> Result<Response, PageError> {
    let hold_id = crate::plumbing::html::path_id(hold_id, "hold")?;
    let here = format!("/checkout/{hold_id}");
    let (user, secret) = match require_visitor(&state, &headers, &here).await? {
        Ok(found) => found,
        Err(to_login) => return Ok(to_login),
    };
    let hold = match holds::live_for_user(&state.pool, user.user_id, hold_id).await {
        Ok(hold) => hold,
        Err(Error::HoldNotActive | Error::NotFound("hold")) => {
            return Ok(message_page(
                StatusCode::CONFLICT,
                "좌석 선택 시간이 지났어요",
                "선택한 좌석이 풀렸거나 이미 결제되었어요. 공연 페이지에서 다시 선택해 주세요.",
            ))
        }
        Err(err) => return Err(err.into()),
    };
    let profile = state.auth.profile(user.user_id).await?;
    // The same fee the purchase will charge: per priced ticket.
    let fee_of = |price| state.booking_fee.for_price(price);
    let fees: i64 = hold.seats.iter().map(|seat| fee_of(seat.price)).sum();
    let charged = hold
        .seats
        .iter()
        .filter(|seat| fee_of(seat.price) > 0)
        .count();
    let total = hold.total() + fees;
    let shortfall = (total - profile.point_balance).max(0);
    let remaining_ms = (hold.expires_at - chrono::Utc::now())
        .num_milliseconds()
        .max(0);
    let top_up = TopUp::new(
        &state,
        user.user_id,
        vec![(format!("{} 충전하기", format::won(shortfall)), shortfall)],
    );
    let page = CheckoutPage {
        csrf: csrf_token(&secret),
        hold_id,
        show_id: hold.show_id,
        schedule_id: hold.schedule_id,
        when: format::when(hold.starts_at),
        lines: hold
            .seats
            .iter()
            .map(|seat| Line {
                grade: seat.grade.clone(),
                seat: format!("{}열 {}번", seat.row, seat.number),
                price: format::won(seat.price),
            })
            .collect(),
        fees: (fees > 0).then(|| Fees {
            count: charged,
            each: format::won(state.booking_fee.amount()),
            total: format::won(fees),
        }),
        total,
        total_text: format::won(total),
        balance_text: format::won(profile.point_balance),
        shortfall,
        shortfall_text: format::won(shortfall),
        remaining_ms,
        remaining_text: format::countdown(remaining_ms),
        title: hold.show_title,
        venue: hold.venue,
        top_up,
        refund_rules: refund_rules::in_words(&state.refund_policy, state.booking_fee),
    };
    html_paying(&page, &page.top_up)
}
