//! How much of a ticket's price a refund keeps as a fee, by days before the show.
//!
//! Days are counted in Korean calendar days (Asia/Seoul, UTC+9 with no daylight saving):
//! a refund on the 12th for a show on the 20th is 8 days before, whatever the hour. That
//! is how Korean ticket sites state their policies, so it is what buyers expect.

use chrono::{DateTime, FixedOffset, Utc};

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
    pub fee: i64,
    pub net: i64,
}

impl RefundPolicy {
    /// Free until 10 days before; 10% at 9-7 days; 20% at 6-3; 30% at 2-1; none on the day.
    pub fn korean_default() -> Self {
        Self::parse("10:0,7:10,3:20,1:30").expect("default policy is valid")
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

    /// The quote for refunding `amount` at `now` for a show starting at `starts_at`, or
    /// `None` when the policy allows no refund any more.
    pub fn quote(
        &self,
        amount: i64,
        now: DateTime<Utc>,
        starts_at: DateTime<Utc>,
    ) -> Option<RefundQuote> {
        if now >= starts_at {
            return None;
        }
        let days_before = korean_days_between(now, starts_at);
        let tier = self
            .tiers
            .iter()
            .find(|tier| days_before >= i64::from(tier.min_days_before))?;
        // Fees round down, in the buyer's favour.
        let fee = amount * i64::from(tier.fee_percent) / 100;
        Some(RefundQuote {
            fee,
            net: amount - fee,
        })
    }
}

fn korean_days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    let kst = FixedOffset::east_opt(9 * 3600).expect("valid offset");
    let from_day = from.with_timezone(&kst).date_naive();
    let to_day = to.with_timezone(&kst).date_naive();
    (to_day - from_day).num_days()
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

    #[test]
    fn default_policy_charges_by_korean_calendar_days() {
        let policy = RefundPolicy::korean_default();
        let show = kst(2026, 12, 20, 19);
        let quote = |now| policy.quote(100_000, now, show);
        assert_eq!(quote(kst(2026, 12, 10, 23)).unwrap().fee, 0);
        assert_eq!(quote(kst(2026, 12, 11, 0)).unwrap().fee, 10_000);
        assert_eq!(quote(kst(2026, 12, 13, 12)).unwrap().fee, 10_000);
        assert_eq!(quote(kst(2026, 12, 14, 1)).unwrap().fee, 20_000);
        assert_eq!(quote(kst(2026, 12, 17, 22)).unwrap().fee, 20_000);
        assert_eq!(quote(kst(2026, 12, 18, 9)).unwrap().fee, 30_000);
        assert_eq!(quote(kst(2026, 12, 19, 23)).unwrap().net, 70_000);
        assert_eq!(quote(kst(2026, 12, 20, 0)), None, "no refund on the day");
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
                .quote(5_000, now, show)
                .unwrap()
                .fee,
            0
        );
    }

    #[test]
    fn fees_round_down_in_the_buyers_favour() {
        let policy = RefundPolicy::parse("0:33").unwrap();
        let quote = policy
            .quote(1_001, kst(2026, 1, 1, 0), kst(2026, 1, 1, 1))
            .unwrap();
        assert_eq!((quote.fee, quote.net), (330, 671));
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
