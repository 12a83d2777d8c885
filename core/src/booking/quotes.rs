//! What a hold would cost before it is paid: the quote checkout shows and asks again
//! as kinds and a coupon are chosen, priced by the same steps a purchase takes
//! (`pricing`, the coupon's terms), reading without locking anything.

use serde::Serialize;
use sqlx::MySqlPool;

use super::booking_fee::BookingFee;
use super::holds;
use super::price_terms::{self, PriceTerms};
use super::pricing::{has_seen_show, price_seats, take_off, Buyer, KindChoice, SeatPrice};
use crate::catalog::discounts::DiscountKind;
use crate::error::Result;

/// What a hold would cost with these choices, as checkout shows it before paying.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderQuote {
    pub hold_id: i64,
    pub lines: Vec<QuoteLine>,
    /// The kinds this performance sells besides 일반, and which this buyer may choose now.
    pub kinds: Vec<KindOffer>,
    /// The grades' prices of the seats.
    pub subtotal: i64,
    /// Taken off by the chosen kinds.
    pub discount: i64,
    /// The coupon applied, and what it took off (after the kinds, before fees).
    pub coupon_id: Option<i64>,
    pub coupon_discount: i64,
    /// 예매수수료 of the tickets.
    pub booking_fees: i64,
    /// What the purchase will debit: subtotal - discount - coupon_discount + booking_fees.
    pub total: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuoteLine {
    pub seat_id: i64,
    pub grade: String,
    /// A general-admission place: no row or number; its 입장번호 comes with the purchase.
    pub general_admission: bool,
    pub row: String,
    pub number: i32,
    pub face_value: i64,
    /// The chosen kind; None for 일반.
    pub kind_id: Option<i64>,
    pub kind_name: Option<String>,
    /// What the seat costs as its kind.
    pub price: i64,
    /// Its share of the coupon's discount: the ticket will record `price - coupon_share`
    /// as paid, and a refund of it gives that back.
    pub coupon_share: i64,
    pub booking_fee: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KindOffer {
    #[serde(flatten)]
    pub kind: DiscountKind,
    /// This buyer may choose it now.
    pub available: bool,
    /// Why not: `NOT_ON_SALE` (outside its window) or `NOT_ELIGIBLE` (재관람 without a
    /// past ticket of the show).
    pub unavailable_reason: Option<&'static str>,
}

/// Prices the user's live hold with `choices` by the rules a purchase applies, without
/// changing anything. Refuses what the purchase would refuse, with the same errors.
pub async fn quote(
    pool: &MySqlPool,
    user_id: i64,
    hold_id: i64,
    choices: &[KindChoice],
    coupon_id: Option<i64>,
    fee: BookingFee,
) -> Result<OrderQuote> {
    let hold = holds::live_for_user(pool, user_id, hold_id).await?;
    let mut conn = pool.acquire().await?;
    // Every kind, with whether this buyer may choose it: the past ticket is always read.
    let ask = price_terms::Ask {
        schedule_id: hold.schedule_id,
        grade_ids: &[],
        kinds: true,
        coupon: coupon_id.map(|coupon_id| (user_id, coupon_id)),
    };
    let PriceTerms {
        now, kinds, coupon, ..
    } = price_terms::read(&mut conn, ask).await?;
    let has_seen_show = has_seen_show(&mut conn, user_id, hold.schedule_id).await?;
    drop(conn);
    let buyer = Buyer { now, has_seen_show };
    let seats: Vec<SeatPrice> = hold
        .seats
        .iter()
        .map(|seat| SeatPrice {
            seat_id: seat.id,
            grade_price: seat.price,
        })
        .collect();
    let mut priced = price_seats(&seats, &kinds, choices, buyer, fee)?;
    let after_kinds: i64 = priced.iter().map(|seat| seat.price).sum();
    let coupon_discount = match &coupon {
        Some(coupon) => coupon.discount(after_kinds)?,
        None => 0,
    };
    let kind_prices: Vec<i64> = priced.iter().map(|seat| seat.price).collect();
    take_off(&mut priced, coupon_discount);
    let lines: Vec<QuoteLine> = hold
        .seats
        .into_iter()
        .zip(priced)
        .zip(kind_prices)
        .map(|((seat, priced), price)| QuoteLine {
            seat_id: seat.id,
            grade: seat.grade,
            general_admission: seat.general_admission,
            row: seat.row,
            number: seat.number,
            face_value: priced.face_value,
            kind_id: priced.kind.as_ref().map(|kind| kind.id),
            kind_name: priced.kind.map(|kind| kind.name),
            coupon_share: price - priced.price,
            price,
            booking_fee: priced.booking_fee,
        })
        .collect();
    let subtotal: i64 = lines.iter().map(|line| line.face_value).sum();
    let paid: i64 = lines.iter().map(|line| line.price).sum();
    let booking_fees: i64 = lines.iter().map(|line| line.booking_fee).sum();
    Ok(OrderQuote {
        hold_id,
        lines,
        coupon_id,
        coupon_discount,
        kinds: kinds
            .into_iter()
            .map(|kind| {
                let reason = if !kind.on_sale(buyer.now) {
                    Some("NOT_ON_SALE")
                } else if kind.rewatch && !buyer.has_seen_show {
                    Some("NOT_ELIGIBLE")
                } else {
                    None
                };
                KindOffer {
                    kind,
                    available: reason.is_none(),
                    unavailable_reason: reason,
                }
            })
            .collect(),
        subtotal,
        discount: subtotal - paid,
        booking_fees,
        total: paid - coupon_discount + booking_fees,
    })
}
