//! 할인 권종: the price kinds a schedule sells besides 일반 (the grade's own price).
//!
//! An admin defines them with the schedule: a percent or an amount off the grade's
//! price, and optionally a sale window (조기예매 until a date), a most-per-order count
//! (장애인 with one companion: 2), the rule that the buyer must hold a past ticket of
//! the same show (재관람), and a note of the proof to show at the door (복지카드), which
//! the ticket carries. Booking applies them (`booking::pricing`); this module defines
//! and reads them. The show page lists them as 할인 정보.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{MySqlConnection, MySqlPool};

use super::limits::MAX_PRICE;
use crate::error::{is_unique_violation, Error, Result};

/// The most kinds one schedule may have: Korean box offices list a handful.
pub const MAX_KINDS: usize = 10;
/// The most a per-order count may be (more than a hold can take is no limit at all).
pub const MAX_PER_ORDER: u32 = 20;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDiscount {
    /// What buyers choose by: 조기예매 할인, 장애인 할인(1~3급, 동반 1인) ...
    pub name: String,
    /// Percent off the grade's price (1-100); exactly one of this and `amount_off`.
    pub percent_off: Option<u32>,
    /// Won off the grade's price (the price never goes below 0).
    pub amount_off: Option<i64>,
    /// Sold from this moment (absent: from the opening).
    pub sale_starts_at: Option<DateTime<Utc>>,
    /// Sold until this moment (조기예매 until a date; absent: until the performance).
    pub sale_ends_at: Option<DateTime<Utc>>,
    /// At most this many tickets of this kind in one order (1-20).
    pub per_order: Option<u32>,
    /// Proof to show at the door (복지카드, 학생증), printed on the ticket.
    pub proof: Option<String>,
    /// Only for a buyer who holds a ticket of the same show whose performance has
    /// started (재관람 할인), checked by the database at purchase.
    #[serde(default)]
    pub rewatch: bool,
}

/// A discount kind as buyers and the ticket API see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DiscountKind {
    pub id: i64,
    pub name: String,
    pub percent_off: Option<u32>,
    pub amount_off: Option<i64>,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
    pub per_order: Option<u32>,
    pub proof: Option<String>,
    pub rewatch: bool,
}

impl DiscountKind {
    /// The price of a ticket of this kind at the grade's `price`: never below 0, a
    /// percentage taken to the next whole won in the buyer's favour.
    pub fn price(&self, price: i64) -> i64 {
        let off = match (self.percent_off, self.amount_off) {
            (Some(percent), _) => (price * i64::from(percent) + 99) / 100,
            (None, Some(amount)) => amount,
            (None, None) => 0,
        };
        (price - off).max(0)
    }

    /// On sale at `now` by its window.
    pub fn on_sale(&self, now: DateTime<Utc>) -> bool {
        self.sale_starts_at.is_none_or(|from| from <= now)
            && self.sale_ends_at.is_none_or(|until| now < until)
    }
}

/// The reserved name of the undiscounted price, which has no row.
pub const REGULAR: &str = "일반";

/// Refuses what the table could not store or would store wrongly.
pub fn validate(kinds: &[NewDiscount]) -> Result<()> {
    if kinds.len() > MAX_KINDS {
        return Err(Error::validation(
            "discounts",
            format!("at most {MAX_KINDS} discount kinds per schedule"),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for kind in kinds {
        let name = kind.name.trim();
        let length = name.chars().count();
        if !(1..=40).contains(&length)
            || kind.name.chars().count() > 40
            || kind.name.chars().any(char::is_control)
        {
            return Err(Error::validation(
                "discounts.name",
                "must be 1 to 40 characters on one line",
            ));
        }
        if name == REGULAR || !names.insert(name.to_lowercase()) {
            return Err(Error::validation(
                "discounts.name",
                "names are unique, ignoring case, and 일반 is the undiscounted price",
            ));
        }
        match (kind.percent_off, kind.amount_off) {
            (Some(percent), None) if (1..=100).contains(&percent) => {}
            (None, Some(amount)) if (1..=MAX_PRICE).contains(&amount) => {}
            _ => {
                return Err(Error::validation(
                    "discounts",
                    "each kind takes either percent_off (1-100) or amount_off (1-10,000,000)",
                ))
            }
        }
        if let (Some(from), Some(until)) = (kind.sale_starts_at, kind.sale_ends_at) {
            if from >= until {
                return Err(Error::validation(
                    "discounts.sale_ends_at",
                    "must be after sale_starts_at",
                ));
            }
        }
        if kind
            .per_order
            .is_some_and(|n| !(1..=MAX_PER_ORDER).contains(&n))
        {
            return Err(Error::validation(
                "discounts.per_order",
                format!("must be between 1 and {MAX_PER_ORDER}"),
            ));
        }
        if let Some(proof) = &kind.proof {
            let length = proof.trim().chars().count();
            if !(1..=100).contains(&length)
                || proof.chars().count() > 100
                || proof.chars().any(char::is_control)
            {
                return Err(Error::validation(
                    "discounts.proof",
                    "must be 1 to 100 characters on one line",
                ));
            }
        }
    }
    Ok(())
}

/// Writes a new schedule's kinds, in the order given.
pub async fn insert(
    conn: &mut MySqlConnection,
    schedule_id: i64,
    kinds: &[NewDiscount],
) -> Result<()> {
    for (position, kind) in kinds.iter().enumerate() {
        sqlx::query!(
            "insert into discount_kinds (schedule_id, position, name, percent_off, amount_off,
                 sale_starts_at, sale_ends_at, per_order, proof, rewatch)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            schedule_id,
            position as u32,
            kind.name.trim(),
            kind.percent_off,
            kind.amount_off,
            kind.sale_starts_at,
            kind.sale_ends_at,
            kind.per_order,
            kind.proof.as_deref().map(str::trim),
            kind.rewatch
        )
        .execute(&mut *conn)
        .await
        .map_err(|err| {
            // Names the collation equates beyond case (full-width letters).
            if is_unique_violation(&err) {
                Error::validation("discounts.name", "names are unique, ignoring case")
            } else {
                err.into()
            }
        })?;
    }
    Ok(())
}

/// The kinds of these schedules, each schedule's in its order.
pub async fn for_schedules(
    pool: &MySqlPool,
    schedule_ids: &[i64],
) -> Result<Vec<(i64, DiscountKind)>> {
    if schedule_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = crate::db::Statement::new(
        "select schedule_id, id, name, percent_off, amount_off, sale_starts_at, sale_ends_at,
                per_order, proof, rewatch
         from discount_kinds where schedule_id in (",
    );
    sql.bind_list(schedule_ids)
        .push(") order by schedule_id, position");
    let rows = sql.query_as::<KindRow>().fetch_all(pool).await?;
    Ok(rows.into_iter().map(KindRow::split).collect())
}

#[derive(sqlx::FromRow)]
struct KindRow {
    schedule_id: i64,
    id: i64,
    name: String,
    percent_off: Option<u32>,
    amount_off: Option<i64>,
    sale_starts_at: Option<DateTime<Utc>>,
    sale_ends_at: Option<DateTime<Utc>>,
    per_order: Option<u32>,
    proof: Option<String>,
    rewatch: bool,
}

impl KindRow {
    fn split(self) -> (i64, DiscountKind) {
        (
            self.schedule_id,
            DiscountKind {
                id: self.id,
                name: self.name,
                percent_off: self.percent_off,
                amount_off: self.amount_off,
                sale_starts_at: self.sale_starts_at,
                sale_ends_at: self.sale_ends_at,
                per_order: self.per_order,
                proof: self.proof,
                rewatch: self.rewatch,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(percent_off: Option<u32>, amount_off: Option<i64>) -> DiscountKind {
        DiscountKind {
            id: 1,
            name: "할인".into(),
            percent_off,
            amount_off,
            sale_starts_at: None,
            sale_ends_at: None,
            per_order: None,
            proof: None,
            rewatch: false,
        }
    }

    #[test]
    fn a_discount_takes_its_share_off_rounded_for_the_buyer_and_never_below_zero() {
        assert_eq!(kind(Some(20), None).price(50_000), 40_000);
        // 30% of 45,500 is 13,650: the buyer pays 31,850.
        assert_eq!(kind(Some(30), None).price(45_500), 31_850);
        // 15% of 33,333 is 4,999.95: taken as 5,000, the buyer pays 28,333.
        assert_eq!(kind(Some(15), None).price(33_333), 28_333);
        assert_eq!(kind(Some(100), None).price(50_000), 0);
        assert_eq!(kind(None, Some(5_000)).price(50_000), 45_000);
        assert_eq!(kind(None, Some(80_000)).price(50_000), 0);
    }

    #[test]
    fn validation_refuses_what_the_table_cannot_hold() {
        let new = |name: &str, percent: Option<u32>, amount: Option<i64>| NewDiscount {
            name: name.into(),
            percent_off: percent,
            amount_off: amount,
            sale_starts_at: None,
            sale_ends_at: None,
            per_order: None,
            proof: None,
            rewatch: false,
        };
        assert!(validate(&[new("조기예매", Some(20), None)]).is_ok());
        assert!(validate(&[new("조기예매", Some(20), Some(1))]).is_err());
        assert!(validate(&[new("조기예매", None, None)]).is_err());
        assert!(validate(&[new("조기예매", Some(101), None)]).is_err());
        assert!(validate(&[new("일반", Some(10), None)]).is_err());
        assert!(validate(&[new("A", Some(10), None), new("a", Some(10), None)]).is_err());
        assert!(validate(&[new(&"가".repeat(41), Some(10), None)]).is_err());
        let mut late = new("조기예매", Some(20), None);
        late.sale_starts_at = Some(Utc::now());
        late.sale_ends_at = Some(Utc::now() - chrono::Duration::days(1));
        assert!(validate(&[late]).is_err());
        let mut many = new("장애인", Some(50), None);
        many.per_order = Some(0);
        assert!(validate(&[many]).is_err());
    }
}
