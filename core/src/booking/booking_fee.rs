//! 예매수수료: the booking fee charged per ticket on top of its price.
//!
//! Korean box offices charge 1,000 to 2,000원 a ticket and give it back only when the
//! ticket is cancelled on the day it was booked (Korean calendar day, Asia/Seoul); a
//! cancellation on any later day keeps it, whatever the refund policy gives back of the
//! price. The default is 2,000원; `BOOKING_FEE=0` turns fees off. A free ticket (price
//! 0, an invitation) is charged no fee, and neither is a ticket issued by a resale: the
//! market has its own fee (`RESALE_FEE_PERCENT`).

use chrono::{DateTime, Utc};

use crate::refund_policy::korean_days_between;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingFee {
    per_ticket: i64,
}

impl BookingFee {
    /// What Korean box offices commonly charge a ticket.
    pub const KOREAN_DEFAULT: i64 = 2_000;
    /// The most a ticket may be charged: higher is a configuration mistake.
    pub const MAX: i64 = 10_000;

    pub const fn per_ticket(amount: i64) -> Self {
        let per_ticket = if amount < 0 {
            0
        } else if amount > Self::MAX {
            Self::MAX
        } else {
            amount
        };
        Self { per_ticket }
    }

    pub const fn off() -> Self {
        Self::per_ticket(0)
    }

    /// The fee of one ticket at this price.
    pub fn for_price(self, price: i64) -> i64 {
        if price > 0 {
            self.per_ticket
        } else {
            0
        }
    }

    /// The fee per ticket as configured (what a priced ticket pays).
    pub fn amount(self) -> i64 {
        self.per_ticket
    }
}

/// How much of a ticket's booking fee a cancellation at `now` gives back: all of it on
/// the Korean day it was booked, nothing after.
pub fn refunded(fee: i64, booked_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    if korean_days_between(booked_at, now) == 0 {
        fee
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn kst(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        chrono::FixedOffset::east_opt(9 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 12, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_fee_comes_back_only_on_the_korean_booking_day() {
        // Booked at 00:10 KST (the previous day in UTC): the same Korean day until
        // 23:59 KST, whatever UTC says.
        assert_eq!(refunded(2_000, kst(10, 0, 10), kst(10, 23, 59)), 2_000);
        assert_eq!(refunded(2_000, kst(10, 0, 10), kst(11, 0, 0)), 0);
        // Booked at 23:50: ten minutes later is already the next day.
        assert_eq!(refunded(2_000, kst(10, 23, 50), kst(10, 23, 59)), 2_000);
        assert_eq!(refunded(2_000, kst(10, 23, 50), kst(11, 0, 1)), 0);
    }

    #[test]
    fn free_tickets_pay_no_fee_and_the_amount_is_bounded() {
        let fee = BookingFee::per_ticket(2_000);
        assert_eq!(fee.for_price(50_000), 2_000);
        assert_eq!(fee.for_price(0), 0);
        assert_eq!(BookingFee::off().for_price(50_000), 0);
        assert_eq!(BookingFee::per_ticket(1_000_000).amount(), BookingFee::MAX);
    }
}
