//! How much of a ticket's price a refund keeps as a fee, by days before the show.
//!
//! Days are counted in Korean calendar days (Asia/Seoul, UTC+9 with no daylight saving):
//! a refund on the 12th for a show on the 20th is 8 days before, whatever the hour. That
//! is how Korean ticket sites state their policies, so it is what buyers expect.
//!
//! The default is the consumer dispute standard (소비자분쟁해결기준, 공연업): free up to
//! 10 days before the performance day, then 10% at 9-7 days, 20% at 6-3, 30% at 2-1 and
//! 90% on the day until the start. Whatever the tiers, a cancellation within 24 hours of
//! booking is free when it is made up to 3 days before the performance day (the
//! standard's cooling-off); Saturdays and Sundays do not count towards the 24 hours, as
//! non-business days do not. Public holidays are not known to Marquee yet, so a booking
//! made before one gets a day less than the standard gives: written down in the README.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc, Weekday};

/// Tiers sorted by `min_days_before` descending. A refund `d` days before the show pays
/// the fee of the first tier with `d >= min_days_before`; below the last tier there is no
/// refund at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundPolicy {
    tiers: Vec<RefundTier>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundTier {
    pub min_days_before: u32,
    pub fee_percent: u32,
}

/// What a refund at a given moment would cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundQuote {
    /// 취소수수료: what the policy keeps of the ticket's price.
    pub fee: i64,
    /// The booking fee given back (only on the booking day: `booking_fee`).
    pub booking_fee_back: i64,
    /// What goes back to points: the price less `fee`, plus `booking_fee_back`.
    pub net: i64,
}

impl RefundPolicy {
    /// The consumer dispute standard: free until 10 days before; 10% at 9-7 days; 20%
    /// at 6-3; 30% at 2-1; 90% on the day until the start.
    pub fn korean_default() -> Self {
        Self::parse("10:0,7:10,3:20,1:30,0:90").expect("default policy is valid")
    }

    /// Parses `DAYS:PERCENT` pairs separated by commas, e.g. `10:0,7:10,3:20,1:30`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut tiers = Vec::new();
        for part in text.split(',') {
            let (days, percent) = part
                .trim()
                .split_once(':')
                .ok_or_else(|| format!("`{part}` is not DAYS:PERCENT"))?;
            let min_days_before: u32 = days
                .trim()
                .parse()
                .map_err(|_| format!("`{days}` is not a number of days"))?;
            let fee_percent: u32 = percent
                .trim()
                .parse()
                .map_err(|_| format!("`{percent}` is not a percentage"))?;
            if fee_percent > 100 {
                return Err(format!("fee {fee_percent}% is over 100%"));
            }
            tiers.push(RefundTier {
                min_days_before,
                fee_percent,
            });
        }
        if tiers.len() > 20 || tiers.iter().any(|tier| tier.min_days_before > 365) {
            return Err("at most 20 tiers, each at most 365 days before".to_string());
        }
        tiers.sort_by_key(|tier| std::cmp::Reverse(tier.min_days_before));
        if tiers
            .windows(2)
            .any(|w| w[0].min_days_before == w[1].min_days_before)
        {
            return Err("two tiers have the same number of days".to_string());
        }
        Ok(RefundPolicy { tiers })
    }

    pub fn tiers(&self) -> &[RefundTier] {
        &self.tiers
    }

    /// The policy a show's refunds follow: its own tiers when it has them (stored as
    /// validated text), else `default`.
    pub fn for_show(default: &RefundPolicy, own: Option<&str>) -> RefundPolicy {
        own.and_then(|text| Self::parse(text).ok())
            .unwrap_or_else(|| default.clone())
    }

    /// The share kept `days_before` the performance day; 100 where nothing is refunded.
    fn fee_at(&self, days_before: u32) -> u32 {
        self.tiers
            .iter()
            .find(|tier| days_before >= tier.min_days_before)
            .map_or(100, |tier| tier.fee_percent)
    }

    /// Keeps more than `other` on some day before the performance: a show's own policy
    /// stricter than the standard must say so where it is stated.
    pub fn stricter_than(&self, other: &RefundPolicy) -> bool {
        let furthest = self
            .tiers
            .iter()
            .chain(&other.tiers)
            .map(|tier| tier.min_days_before)
            .max()
            .unwrap_or(0);
        (0..=furthest + 1).any(|days| self.fee_at(days) > other.fee_at(days))
    }

    /// The tiers as `DAYS:PERCENT` text, what `parse` reads.
    pub fn to_text(&self) -> String {
        self.tiers
            .iter()
            .map(|tier| format!("{}:{}", tier.min_days_before, tier.fee_percent))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The quote for refunding `amount`, booked at `booked_at`, at `now` for a show
    /// starting at `starts_at`, or `None` when the policy allows no refund any more.
    pub fn quote(
        &self,
        amount: i64,
        now: DateTime<Utc>,
        starts_at: DateTime<Utc>,
        booked_at: DateTime<Utc>,
    ) -> Option<RefundQuote> {
        if now >= starts_at {
            return None;
        }
        let days_before = korean_days_between(now, starts_at);
        // 24 business hours end within four calendar days, weekend or not: looked at
        // only then.
        if days_before >= COOLING_OFF_MIN_DAYS_BEFORE
            && now - booked_at <= Duration::days(4)
            && business_time_between(booked_at, now) <= Duration::hours(COOLING_OFF_HOURS)
        {
            return Some(RefundQuote {
                fee: 0,
                booking_fee_back: 0,
                net: amount,
            });
        }
        let tier = self
            .tiers
            .iter()
            .find(|tier| days_before >= i64::from(tier.min_days_before))?;
        // Fees round down, in the buyer's favour.
        let fee = amount * i64::from(tier.fee_percent) / 100;
        Some(RefundQuote {
            fee,
            booking_fee_back: 0,
            net: amount - fee,
        })
    }
}

/// The standard's cooling-off: this long after booking (business time)...
pub const COOLING_OFF_HOURS: i64 = 24;
/// ...when cancelled at least this many Korean days before the performance day.
pub const COOLING_OFF_MIN_DAYS_BEFORE: i64 = 3;

fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("valid offset")
}

/// Calendar days from `from`'s Korean date to `to`'s (0 on the same Korean day).
pub(crate) fn korean_days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    let from_day = from.with_timezone(&kst()).date_naive();
    let to_day = to.with_timezone(&kst()).date_naive();
    (to_day - from_day).num_days()
}

/// The time from `from` to `to` that falls on Korean weekdays (Saturdays and Sundays in
/// Asia/Seoul left out); zero when `to` is not after `from`.
fn business_time_between(from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    let is_weekday = |day: NaiveDate| !matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    let mut counted = Duration::zero();
    let mut at = from;
    while at < to {
        let day = at.with_timezone(&kst()).date_naive();
        let next_midnight = day
            .succ_opt()
            .and_then(|next| next.and_hms_opt(0, 0, 0))
            .and_then(|midnight| midnight.and_local_timezone(kst()).single())
            .map_or(to, |midnight| midnight.with_timezone(&Utc));
        let until = next_midnight.min(to);
        if is_weekday(day) {
            counted += until - at;
        }
        at = until;
    }
    counted
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn kst(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        FixedOffset::east_opt(9 * 3600)
            .unwrap()
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// Booked long enough ago that the cooling-off is over.
    fn long_ago() -> DateTime<Utc> {
        kst(2026, 11, 1, 12)
    }

    #[test]
    fn the_default_is_the_standard_by_korean_calendar_days() {
        let policy = RefundPolicy::korean_default();
        let show = kst(2026, 12, 20, 19);
        let quote = |now| policy.quote(100_000, now, show, long_ago());
        assert_eq!(quote(kst(2026, 12, 10, 23)).unwrap().fee, 0);
        assert_eq!(quote(kst(2026, 12, 11, 0)).unwrap().fee, 10_000);
        assert_eq!(quote(kst(2026, 12, 13, 12)).unwrap().fee, 10_000);
        assert_eq!(quote(kst(2026, 12, 13, 23)).unwrap().fee, 10_000);
        assert_eq!(quote(kst(2026, 12, 14, 1)).unwrap().fee, 20_000);
        assert_eq!(quote(kst(2026, 12, 17, 22)).unwrap().fee, 20_000);
        assert_eq!(quote(kst(2026, 12, 18, 9)).unwrap().fee, 30_000);
        assert_eq!(quote(kst(2026, 12, 19, 23)).unwrap().net, 70_000);
        // On the day, until the start: 90% kept.
        assert_eq!(quote(kst(2026, 12, 20, 0)).unwrap().fee, 90_000);
        assert_eq!(quote(kst(2026, 12, 20, 18)).unwrap().net, 10_000);
        assert_eq!(quote(kst(2026, 12, 20, 19)), None, "no refund once started");
        assert_eq!(
            quote(kst(2026, 12, 21, 0)),
            None,
            "no refund after the show"
        );
    }

    #[test]
    fn a_refund_one_minute_before_midnight_kst_counts_the_korean_day() {
        // 14:59 UTC on the 10th is 23:59 KST on the 10th: still 10 days before the 20th.
        let show = kst(2026, 12, 20, 19);
        let now = Utc.with_ymd_and_hms(2026, 12, 10, 14, 59, 0).unwrap();
        assert_eq!(
            RefundPolicy::korean_default()
                .quote(5_000, now, show, long_ago())
                .unwrap()
                .fee,
            0
        );
    }

    #[test]
    fn within_24_hours_of_booking_and_3_days_before_a_refund_is_free() {
        let policy = RefundPolicy::korean_default();
        // Booked on Tuesday 8 December at 10:00 for Sunday the 13th (5 days: 20%).
        let booked = kst(2026, 12, 8, 10);
        let show = kst(2026, 12, 13, 19);
        let fee = |now| policy.quote(100_000, now, show, booked).unwrap().fee;
        assert_eq!(fee(kst(2026, 12, 8, 11)), 0);
        assert_eq!(fee(kst(2026, 12, 9, 10)), 0, "24 hours to the minute");
        assert_eq!(fee(kst(2026, 12, 9, 11)), 20_000);
        // Fewer than 3 days before the performance day, the tiers apply at once.
        let near = kst(2026, 12, 10, 19);
        let quote = policy.quote(100_000, kst(2026, 12, 8, 11), near, booked);
        assert_eq!(quote.unwrap().fee, 30_000);
        // A generous operator's tiers stay; the cooling-off only ever gives back more.
        let generous = RefundPolicy::parse("0:0").unwrap();
        assert_eq!(
            generous
                .quote(100_000, kst(2026, 12, 9, 11), show, booked)
                .unwrap()
                .fee,
            0
        );
    }

    #[test]
    fn weekends_do_not_count_towards_the_24_hours() {
        let policy = RefundPolicy::korean_default();
        // Booked on Friday 11 December at 18:00 (KST) for Saturday the 19th (20%).
        let booked = kst(2026, 12, 11, 18);
        let show = kst(2026, 12, 19, 19);
        let fee = |now| policy.quote(100_000, now, show, booked).unwrap().fee;
        assert_eq!(
            fee(kst(2026, 12, 13, 23)),
            0,
            "Sunday night: 6 hours counted"
        );
        assert_eq!(fee(kst(2026, 12, 14, 17)), 0, "Monday 17:00: 23 hours");
        assert_eq!(fee(kst(2026, 12, 14, 19)), 20_000, "Monday 19:00: 25 hours");
    }

    #[test]
    fn business_time_leaves_out_korean_weekends() {
        let hours = |from, to| business_time_between(from, to).num_hours();
        assert_eq!(hours(kst(2026, 12, 11, 18), kst(2026, 12, 14, 18)), 24);
        assert_eq!(hours(kst(2026, 12, 12, 0), kst(2026, 12, 14, 0)), 0);
        assert_eq!(hours(kst(2026, 12, 7, 0), kst(2026, 12, 14, 0)), 120);
        assert_eq!(hours(kst(2026, 12, 8, 0), kst(2026, 12, 7, 0)), 0);
        // Midnight in Seoul, not in UTC: Saturday 00:00 KST is Friday 15:00 UTC.
        let friday_15_utc = Utc.with_ymd_and_hms(2026, 12, 11, 15, 0, 0).unwrap();
        assert_eq!(hours(kst(2026, 12, 11, 12), friday_15_utc), 12);
    }

    #[test]
    fn fees_round_down_in_the_buyers_favour() {
        let policy = RefundPolicy::parse("0:33").unwrap();
        let quote = policy
            .quote(1_001, kst(2026, 1, 1, 0), kst(2026, 1, 1, 1), long_ago())
            .unwrap();
        assert_eq!((quote.fee, quote.net), (330, 671));
    }

    #[test]
    fn a_policy_is_stricter_when_it_keeps_more_on_any_day() {
        let standard = RefundPolicy::korean_default();
        let parse = |text| RefundPolicy::parse(text).unwrap();
        assert!(!standard.stricter_than(&standard));
        assert!(!parse("0:0").stricter_than(&standard), "free to the day");
        assert!(!parse("7:0,3:10,1:20,0:50").stricter_than(&standard));
        assert!(
            parse("7:0,3:10,0:50").stricter_than(&standard),
            "50% at 2-1 days"
        );
        assert!(
            parse("10:0,1:30").stricter_than(&standard),
            "30% at 6-3 days"
        );
        assert!(
            parse("10:0,7:10,3:20,1:30").stricter_than(&standard),
            "nothing on the day"
        );
        assert!(
            parse("14:0,0:10").stricter_than(&standard),
            "10% at 13-10 days"
        );
        assert_eq!(parse(" 7:10, 10:0").to_text(), "10:0,7:10");
    }

    #[test]
    fn parse_rejects_malformed_policies() {
        assert!(RefundPolicy::parse("10").is_err());
        assert!(RefundPolicy::parse("10:abc").is_err());
        assert!(RefundPolicy::parse("10:101").is_err());
        assert!(RefundPolicy::parse("3:10,3:20").is_err());
        assert_eq!(
            RefundPolicy::parse(" 1:30 , 10:0 ").unwrap().tiers()[0].min_days_before,
            10
        );
    }
}
