//! Checkout (`/checkout/{hold_id}`): what is held and until when, a price kind (할인
//! 권종) per seat, the booking fees and the total, who books, the refund rules to agree
//! to, the points balance, topping up, and paying. The page draws what the database says now; the
//! countdown, top-up and payment are `static/checkout.js` calling the JSON API
//! (`/points/charges`, `/holds/{id}/purchase`) as the signed-in browser.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use marquee_core::accounts::tokens::csrf_token;
use marquee_core::booking::holds;
use marquee_core::booking::quotes::{self, KindOffer};
use marquee_core::coupons::claims;
use marquee_core::coupons::Terms;
use marquee_core::Error;

use super::top_up::{html_paying, TopUp};
use super::visitor::require_visitor;
use super::{format, refund_rules};
use crate::plumbing::html::{message_page, PageError};
use crate::plumbing::state::AppState;

pub struct Line {
    pub seat_id: i64,
    pub grade: String,
    pub seat: String,
    pub price: String,
    /// 일반 and the kinds this buyer may choose for this seat, with its price as each.
    pub choices: Vec<KindChoiceOption>,
}

pub struct KindChoiceOption {
    /// Empty for 일반.
    pub kind_id: String,
    pub label: String,
}

pub struct Fees {
    pub count: usize,
    pub each: String,
    pub total: String,
}

pub struct CouponOption {
    pub id: i64,
    pub label: String,
}

/// A kind the performance sells that this buyer cannot choose now, and why.
pub struct Unavailable {
    pub name: String,
    pub why: &'static str,
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
    /// Kinds sold but not open to this buyer now (재관람 without a past ticket, a
    /// window closed), said under the lines so nobody looks for them in vain.
    unavailable: Vec<Unavailable>,
    /// 예매수수료 of all the tickets, with what it is per ticket; None when fees are off.
    fees: Option<Fees>,
    /// The buyer's coupons that may apply now (unused, within their window).
    coupons: Vec<CouponOption>,
    /// Who books: the account's nickname and email (예매자 정보).
    booker: String,
    balance: i64,
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

/// 일반 and each kind on offer, labelled with the seat's price as that kind and any
/// proof it needs at the door.
fn choices(face_value: i64, offered: &[&KindOffer]) -> Vec<KindChoiceOption> {
    let regular = KindChoiceOption {
        kind_id: String::new(),
        label: format!("일반 {}", format::won(face_value)),
    };
    let kinds = offered.iter().map(|offer| {
        let kind = &offer.kind;
        let mut label = format!("{} {}", kind.name, format::won(kind.price(face_value)));
        if let Some(proof) = &kind.proof {
            label.push_str(&format!(" · {proof}"));
        }
        KindChoiceOption {
            kind_id: kind.id.to_string(),
            label,
        }
    });
    std::iter::once(regular).chain(kinds).collect()
}

/// `겨울 5,000원 (5,000원 할인, 30,000원 이상)` - what a coupon is, as its select shows it.
pub fn coupon_label(terms: &Terms) -> String {
    let off = match (terms.percent_off, terms.amount_off) {
        (Some(percent), _) => match terms.max_discount {
            Some(cap) => format!("{percent}% 할인, 최대 {}", format::won(cap)),
            None => format!("{percent}% 할인"),
        },
        (None, Some(amount)) => format!("{} 할인", format::won(amount)),
        (None, None) => String::new(),
    };
    if terms.min_order > 0 {
        format!(
            "{} ({off}, {} 이상)",
            terms.name,
            format::won(terms.min_order)
        )
    } else {
        format!("{} ({off})", terms.name)
    }
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
    // Every seat 일반 to begin with; the script asks the same quote again as kinds are
    // chosen (`/api/v1/holds/{id}/quote`).
    let quote = quotes::quote(
        &state.pool,
        user.user_id,
        hold_id,
        &[],
        None,
        state.booking_fee,
    )
    .await?;
    let profile = state.auth.profile(user.user_id).await?;
    let now = chrono::Utc::now();
    let coupons = claims::mine(&state.pool, user.user_id)
        .await?
        .into_iter()
        .filter(|coupon| coupon.order_id.is_none() && coupon.terms.window(now).is_ok())
        .map(|coupon| CouponOption {
            id: coupon.id,
            label: coupon_label(&coupon.terms),
        })
        .collect();
    let total = quote.total;
    let shortfall = (total - profile.point_balance).max(0);
    let remaining_ms = (hold.expires_at - chrono::Utc::now())
        .num_milliseconds()
        .max(0);
    let top_up = TopUp::new(
        &state,
        user.user_id,
        vec![(format!("{} 충전하기", format::won(shortfall)), shortfall)],
    );
    let offered: Vec<&KindOffer> = quote.kinds.iter().filter(|offer| offer.available).collect();
    let charged = quote
        .lines
        .iter()
        .filter(|line| line.booking_fee > 0)
        .count();
    let page = CheckoutPage {
        csrf: csrf_token(&secret),
        hold_id,
        show_id: hold.show_id,
        schedule_id: hold.schedule_id,
        when: format::when(hold.starts_at),
        lines: quote
            .lines
            .iter()
            .map(|line| Line {
                seat_id: line.seat_id,
                grade: line.grade.clone(),
                seat: if line.general_admission {
                    "입장번호는 결제 순서대로".to_string()
                } else {
                    format!("{}열 {}번", line.row, line.number)
                },
                price: format::won(line.price),
                choices: choices(line.face_value, &offered),
            })
            .collect(),
        unavailable: quote
            .kinds
            .iter()
            .filter_map(|offer| {
                let why = match offer.unavailable_reason? {
                    "NOT_ELIGIBLE" => "이 공연의 지난 회차 티켓이 있어야 해요",
                    _ => "판매 기간이 아니에요",
                };
                Some(Unavailable {
                    name: offer.kind.name.clone(),
                    why,
                })
            })
            .collect(),
        fees: (quote.booking_fees > 0).then(|| Fees {
            count: charged,
            each: format::won(state.booking_fee.amount()),
            total: format::won(quote.booking_fees),
        }),
        coupons,
        booker: format!("{} ({})", profile.nickname, profile.email),
        balance: profile.point_balance,
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
        refund_rules: refund_rules::for_show(
            &state.refund_policy,
            hold.refund_policy.as_deref(),
            state.booking_fee,
        ),
    };
    html_paying(&page, &page.top_up)
}
