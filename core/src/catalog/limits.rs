//! Bounds of what the catalog stores, shared by the shows, their discount kinds and the
//! coupons that price against them.

pub const MAX_SEATS_PER_SCHEDULE: u64 = 20_000;
/// The most a seat (and so any discount or coupon amount) may be, in won.
pub const MAX_PRICE: i64 = 10_000_000;
