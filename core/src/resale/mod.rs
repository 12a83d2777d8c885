//! The price-capped resale market.
//!
//! A holder lists a VALID ticket as a trade at no more than the cap; a buyer pays the
//! trade with points and gets a new ticket for the same seat while the seller's becomes
//! RESOLD. The platform is the middle: the seat never leaves `is_sold`, and the points
//! move buyer -> seller (minus a recorded fee) in the same transaction.
//!
//! Lock order, everywhere a trade changes: the ticket row, then the trade row, then user
//! rows in ascending id. Refunds lock the ticket first too, so a refund and a listing of
//! one ticket queue instead of deadlocking, and a purchase and a cancellation of one
//! trade run one after the other - the second sees what the first did.
//!
//! An OPEN trade whose show has started reads as EXPIRED everywhere and can no longer be
//! bought or changed; `expiry` only writes that state down.

pub mod expiry;
pub mod lineage;
pub mod listings;
pub mod purchase;
pub mod store;
pub mod trades;

/// The market's two knobs, from `RESALE_PRICE_CAP_PERCENT` and `RESALE_FEE_PERCENT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResaleRules {
    /// The highest price as a percentage of the original face value (100 = face value).
    pub price_cap_percent: u32,
    /// The platform's share of a sale, kept from the seller's proceeds.
    pub fee_percent: u32,
}

impl ResaleRules {
    /// The cap rounds down: a cap of 110% on 45,455 is 50,000, never 50,000.5.
    pub fn max_price(&self, face_value: i64) -> i64 {
        face_value * i64::from(self.price_cap_percent) / 100
    }

    /// The fee rounds down, in the seller's favour. It is the rate in force at the sale.
    pub fn fee(&self, price: i64) -> i64 {
        price * i64::from(self.fee_percent) / 100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_and_fee_round_down() {
        let rules = ResaleRules {
            price_cap_percent: 110,
            fee_percent: 3,
        };
        assert_eq!(rules.max_price(45_455), 50_000);
        assert_eq!(rules.max_price(50_000), 55_000);
        assert_eq!(rules.fee(55_000), 1_650);
        assert_eq!(rules.fee(33), 0);
    }

    #[test]
    fn the_default_cap_is_face_value_and_no_fee() {
        let rules = ResaleRules {
            price_cap_percent: 100,
            fee_percent: 0,
        };
        assert_eq!(rules.max_price(77_000), 77_000);
        assert_eq!(rules.fee(77_000), 0);
    }
}
