//! What each ticket of an order costs: the grade's price, the discount kind chosen for
//! it (할인 권종, `catalog::discounts`), and the booking fee on what is left.
//!
//! A buyer chooses a kind per seat after the seats are held; a seat not named is 일반.
//! The rules are checked where the purchase decides, at the database's clock: the kind
//! belongs to the schedule and is within its sale window, an order has no more of a
//! kind than its per-order count, and a 재관람 kind needs the buyer to hold a valid
//! ticket of the same show whose performance has started (read in the purchase's
//! transaction, so a ticket refunded meanwhile does not count). The quote a checkout
//! shows and the purchase both price by `price_seats`, so what was shown is what is
//! paid.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::MySqlConnection;

use super::booking_fee::BookingFee;
use super::price_terms::PriceTerms;
use crate::catalog::discounts::DiscountKind;
use crate::coupons;
use crate::error::{Error, Result};

/// The kind chosen for one held seat.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KindChoice {
    pub seat_id: i64,
    /// A discount kind of the schedule (its `discounts`).
    pub kind_id: i64,
}

/// A held seat with its grade's price.
#[derive(Debug, Clone, Copy)]
pub struct SeatPrice {
    pub seat_id: i64,
    pub grade_price: i64,
}

/// One ticket's price as the order records it.
#[derive(Debug, Clone)]
pub struct PricedSeat {
    pub seat_id: i64,
    /// The grade's price: the ticket's face value (resale cap, refund ceiling).
    pub face_value: i64,
    /// What the buyer pays for the seat after the discount; refunds use it.
    pub price: i64,
    pub booking_fee: i64,
    /// None for 일반.
    pub kind: Option<DiscountKind>,
}

/// Takes a coupon's `discount` off the seats' prices, spread in proportion
/// (`coupons::spread`); booking fees stay as the kinds left them.
pub fn take_off(priced: &mut [PricedSeat], discount: i64) {
    let prices: Vec<i64> = priced.iter().map(|seat| seat.price).collect();
    for (seat, share) in priced.iter_mut().zip(coupons::spread(discount, &prices)) {
        seat.price -= share;
    }
}

/// What the rules of the chosen kinds need to know of the buyer, at the database's clock.
#[derive(Debug, Clone, Copy)]
pub struct Buyer {
    pub now: DateTime<Utc>,
    /// Holds a valid ticket of this show whose performance has started (재관람).
    pub has_seen_show: bool,
}

/// Prices the held seats with the chosen kinds. A choice naming a seat not held, a seat
/// twice, or a kind not of this schedule is invalid input (422); a kind outside its
/// window, over its per-order count or not for this buyer is refused with its reason.
pub fn price_seats(
    seats: &[SeatPrice],
    kinds: &[DiscountKind],
    choices: &[KindChoice],
    buyer: Buyer,
    fee: BookingFee,
) -> Result<Vec<PricedSeat>> {
    let mut chosen: HashMap<i64, &DiscountKind> = HashMap::new();
    for choice in choices {
        if !seats.iter().any(|seat| seat.seat_id == choice.seat_id) {
            return Err(Error::validation(
                "kinds.seat_id",
                "names a seat that is not in the hold",
            ));
        }
        let kind = kinds
            .iter()
            .find(|kind| kind.id == choice.kind_id)
            .ok_or_else(|| {
                Error::validation(
                    "kinds.kind_id",
                    "is not a discount kind of this performance",
                )
            })?;
        if chosen.insert(choice.seat_id, kind).is_some() {
            return Err(Error::validation("kinds.seat_id", "names a seat twice"));
        }
    }
    for kind in kinds {
        let count = chosen.values().filter(|k| k.id == kind.id).count();
        if count == 0 {
            continue;
        }
        if !kind.on_sale(buyer.now) {
            return Err(Error::DiscountNotOnSale);
        }
        if let Some(per_order) = kind.per_order {
            if count > per_order as usize {
                return Err(Error::DiscountLimitExceeded { per_order });
            }
        }
        if kind.rewatch && !buyer.has_seen_show {
            return Err(Error::DiscountNotEligible);
        }
    }
    Ok(seats
        .iter()
        .map(|seat| {
            let kind = chosen.get(&seat.seat_id).copied();
            let price = kind.map_or(seat.grade_price, |kind| kind.price(seat.grade_price));
            PricedSeat {
                seat_id: seat.seat_id,
                face_value: seat.grade_price,
                price,
                booking_fee: fee.for_price(price),
                kind: kind.cloned(),
            }
        })
        .collect())
}

/// The buyer as the chosen kinds' rules see them, at the clock of the purchase's read:
/// the buyer's past tickets are read (inside the purchase's transaction) only when a
/// chosen kind is 재관람 - they are a scan of the buyer's tickets, which a person who
/// books often has many of.
pub async fn buyer_for(
    conn: &mut MySqlConnection,
    user_id: i64,
    schedule_id: i64,
    read: &PriceTerms,
    choices: &[KindChoice],
) -> Result<Buyer> {
    let rewatch_chosen = choices.iter().any(|choice| {
        read.kinds
            .iter()
            .any(|kind| kind.id == choice.kind_id && kind.rewatch)
    });
    let has_seen_show = rewatch_chosen && has_seen_show(conn, user_id, schedule_id).await?;
    Ok(Buyer {
        now: read.now,
        has_seen_show,
    })
}

/// The buyer holds a valid ticket of this schedule's show whose performance has
/// started (재관람).
pub async fn has_seen_show(
    conn: &mut MySqlConnection,
    user_id: i64,
    schedule_id: i64,
) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from tickets t
                         join schedules past on past.id = t.schedule_id
                         join schedules this on this.show_id = past.show_id
                         where this.id = ? and t.user_id = ? and t.status = 'VALID'
                           and past.starts_at <= current_timestamp(6)) as "seen!: bool""#,
        schedule_id,
        user_id
    )
    .fetch_one(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn kind(id: i64, percent: u32) -> DiscountKind {
        DiscountKind {
            id,
            name: format!("할인{id}"),
            percent_off: Some(percent),
            amount_off: None,
            sale_starts_at: None,
            sale_ends_at: None,
            per_order: None,
            proof: None,
            rewatch: false,
        }
    }

    fn seats(n: i64) -> Vec<SeatPrice> {
        (1..=n)
            .map(|seat_id| SeatPrice {
                seat_id,
                grade_price: 50_000,
            })
            .collect()
    }

    const FEE: BookingFee = BookingFee::per_ticket(2_000);

    fn buyer() -> Buyer {
        Buyer {
            now: Utc::now(),
            has_seen_show: false,
        }
    }

    fn choose(seat_id: i64, kind_id: i64) -> KindChoice {
        KindChoice { seat_id, kind_id }
    }

    #[test]
    fn each_seat_is_priced_by_its_own_kind_and_the_rest_are_regular() {
        let priced = price_seats(&seats(2), &[kind(7, 20)], &[choose(2, 7)], buyer(), FEE).unwrap();
        assert_eq!((priced[0].price, priced[0].face_value), (50_000, 50_000));
        assert!(priced[0].kind.is_none());
        assert_eq!((priced[1].price, priced[1].face_value), (40_000, 50_000));
        assert_eq!(priced[1].booking_fee, 2_000);
        // A kind that makes the ticket free takes the fee with it.
        let free = price_seats(&seats(1), &[kind(8, 100)], &[choose(1, 8)], buyer(), FEE).unwrap();
        assert_eq!((free[0].price, free[0].booking_fee), (0, 0));
    }

    #[test]
    fn the_window_the_count_and_the_past_ticket_are_checked() {
        let now = Utc::now();
        let mut early = kind(1, 20);
        early.sale_ends_at = Some(now);
        let mut pair = kind(2, 50);
        pair.per_order = Some(2);
        let mut again = kind(3, 10);
        again.rewatch = true;
        let kinds = [early, pair, again];
        let at = |now| Buyer {
            now,
            has_seen_show: false,
        };
        let price =
            |choices: &[KindChoice], buyer| price_seats(&seats(3), &kinds, choices, buyer, FEE);

        assert!(price(&[choose(1, 1)], at(now - Duration::seconds(1))).is_ok());
        assert!(matches!(
            price(&[choose(1, 1)], at(now)),
            Err(Error::DiscountNotOnSale)
        ));
        assert!(price(&[choose(1, 2), choose(2, 2)], at(now)).is_ok());
        assert!(matches!(
            price(&[choose(1, 2), choose(2, 2), choose(3, 2)], at(now)),
            Err(Error::DiscountLimitExceeded { per_order: 2 })
        ));
        assert!(matches!(
            price(&[choose(1, 3)], at(now)),
            Err(Error::DiscountNotEligible)
        ));
        let seen = Buyer {
            now,
            has_seen_show: true,
        };
        assert_eq!(price(&[choose(1, 3)], seen).unwrap()[0].price, 45_000);
    }

    #[test]
    fn choices_name_held_seats_once_and_kinds_of_this_performance() {
        let kinds = [kind(1, 20)];
        let price = |choices: &[KindChoice]| price_seats(&seats(2), &kinds, choices, buyer(), FEE);
        assert!(matches!(
            price(&[choose(9, 1)]),
            Err(Error::Validation { .. })
        ));
        assert!(matches!(
            price(&[choose(1, 9)]),
            Err(Error::Validation { .. })
        ));
        assert!(matches!(
            price(&[choose(1, 1), choose(1, 1)]),
            Err(Error::Validation { .. })
        ));
    }
}
