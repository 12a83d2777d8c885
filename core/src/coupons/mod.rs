//! Coupons: campaigns an admin runs, the one coupon per person each issues, and what a
//! coupon takes off an order.
//!
//! A campaign takes an amount or a percent off (a percent with an optional cap) an
//! order's tickets (discount kinds applied, booking fees not), for orders of at least a
//! minimum, of the shows it lists (none listed: every show), within its window. People
//! get its coupon by claiming it from a page or by entering its code (쿠폰 등록); either
//! way the campaign's `issued` count goes up by a conditional update on its row, so a
//! limited campaign issues exactly its limit however many api processes claim at once
//! (`claims`). At checkout a person picks one of their coupons; the purchase uses it in
//! its own transaction (`booking::purchase`) and spreads the discount over the tickets.
//!
//! A refund gives back what was paid for the ticket, its share of the discount taken
//! off. The coupon itself comes back (unused again) when the whole order is cancelled
//! while the campaign still runs; a partial cancellation keeps it used.

pub mod campaigns;
pub mod claims;
pub mod usage;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a coupon takes off and when it may be used: the campaign's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Terms {
    pub name: String,
    pub percent_off: Option<u32>,
    pub amount_off: Option<i64>,
    /// The most a percent coupon takes off.
    pub max_discount: Option<i64>,
    /// The order (tickets after discount kinds, before booking fees) must be at least this.
    pub min_order: i64,
    /// The shows it is for; empty for every show.
    pub show_ids: Vec<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

pub use crate::error::NotApplicable;

impl Terms {
    /// Within the window at `now`.
    pub fn window(&self, now: DateTime<Utc>) -> Result<(), NotApplicable> {
        if now < self.starts_at {
            Err(NotApplicable::NotStarted)
        } else if now >= self.ends_at {
            Err(NotApplicable::Expired)
        } else {
            Ok(())
        }
    }

    /// What it takes off an order of `amount` for `show_id` at `now`: a percent rounded
    /// down to the won and capped, an amount never more than the order.
    pub fn discount(
        &self,
        amount: i64,
        show_id: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, NotApplicable> {
        self.window(now)?;
        if !self.show_ids.is_empty() && !self.show_ids.contains(&show_id) {
            return Err(NotApplicable::OtherShow);
        }
        if amount < self.min_order || amount <= 0 {
            return Err(NotApplicable::BelowMinimum);
        }
        let off = match (self.percent_off, self.amount_off) {
            (Some(percent), _) => {
                let off = amount * i64::from(percent) / 100;
                self.max_discount.map_or(off, |cap| off.min(cap))
            }
            (None, Some(off)) => off,
            (None, None) => 0,
        };
        Ok(off.min(amount))
    }
}

/// Spreads `discount` over prices in proportion, each share whole won and never more
/// than its price, the shares summing to `discount` (at most the prices' sum): what
/// each ticket's paid amount loses, so a refund of one ticket gives back what was paid
/// for it.
pub fn spread(discount: i64, prices: &[i64]) -> Vec<i64> {
    let total: i64 = prices.iter().sum();
    if total <= 0 || discount <= 0 {
        return vec![0; prices.len()];
    }
    let discount = discount.min(total);
    let mut shares: Vec<i64> = prices
        .iter()
        .map(|price| ((i128::from(discount) * i128::from(*price)) / i128::from(total)) as i64)
        .collect();
    let mut left = discount - shares.iter().sum::<i64>();
    for (share, price) in shares.iter_mut().zip(prices) {
        let more = left.min(price - *share);
        *share += more;
        left -= more;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn terms(percent_off: Option<u32>, amount_off: Option<i64>) -> Terms {
        Terms {
            name: "겨울 할인".into(),
            percent_off,
            amount_off,
            max_discount: None,
            min_order: 30_000,
            show_ids: vec![],
            starts_at: Utc::now() - Duration::days(1),
            ends_at: Utc::now() + Duration::days(1),
        }
    }

    #[test]
    fn a_coupon_takes_its_amount_or_capped_percent_within_its_terms() {
        let now = Utc::now();
        assert_eq!(terms(None, Some(5_000)).discount(50_000, 1, now), Ok(5_000));
        let mut percent = terms(Some(10), None);
        assert_eq!(percent.discount(95_555, 1, now), Ok(9_555));
        percent.max_discount = Some(5_000);
        assert_eq!(percent.discount(95_555, 1, now), Ok(5_000));
        assert_eq!(
            percent.discount(29_999, 1, now),
            Err(NotApplicable::BelowMinimum)
        );
        percent.show_ids = vec![7];
        assert_eq!(
            percent.discount(50_000, 8, now),
            Err(NotApplicable::OtherShow)
        );
        assert_eq!(percent.discount(50_000, 7, now), Ok(5_000));
        let late = now + Duration::days(2);
        assert_eq!(
            percent.discount(50_000, 7, late),
            Err(NotApplicable::Expired)
        );
        let early = now - Duration::days(2);
        assert_eq!(
            percent.discount(50_000, 7, early),
            Err(NotApplicable::NotStarted)
        );
        let mut big = terms(None, Some(80_000));
        big.min_order = 0;
        assert_eq!(big.discount(50_000, 1, now), Ok(50_000));
    }

    #[test]
    fn the_discount_is_spread_over_the_tickets_to_the_won() {
        assert_eq!(spread(5_000, &[50_000, 50_000]), vec![2_500, 2_500]);
        assert_eq!(spread(1_000, &[40_000, 50_000, 0]), vec![445, 555, 0]);
        let shares = spread(10_001, &[33_333, 33_333, 33_334]);
        assert_eq!(shares.iter().sum::<i64>(), 10_001);
        assert_eq!(spread(90_000, &[50_000, 20_000]), vec![50_000, 20_000]);
        assert_eq!(spread(0, &[50_000]), vec![0]);
    }
}
