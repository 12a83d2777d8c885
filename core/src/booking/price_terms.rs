//! What a purchase (and a quote) is priced by, read in one round trip that locks
//! nothing: whether the performance is still on sale, the held grades' prices, and -
//! only when asked for - the schedule's discount kinds and the buyer's coupon with its
//! campaign's terms, all at the database's clock. Each used to be a round trip of its
//! own, and a purchase is made of round trips: with kinds and a coupon it now costs as
//! many statements as 일반 (the coupon's use is the order's insert), not four more
//! (BENCHMARKS.md, box office).
//!
//! The parts are one `union all` whose rows are tagged with their part - 'S' the sale
//! (always one row), 'G' a grade, 'K' a kind, 'C' the coupon - in columns the parts
//! share. Integers are cast to signed so each column has one type whatever the parts.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::MySqlConnection;

use crate::catalog::discounts::DiscountKind;
use crate::coupons::usage::Usable;
use crate::coupons::Terms;
use crate::db::Statement;
use crate::error::{Error, Result};
use crate::rules;

/// What to read besides the sale: these grades' prices, the schedule's kinds, and the
/// user's coupon (`(user_id, coupon_id)`).
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub schedule_id: i64,
    pub grade_ids: &'a [i64],
    pub kinds: bool,
    pub coupon: Option<(i64, i64)>,
}

#[derive(Debug, Clone)]
pub struct PriceTerms {
    /// The rule the hold was taken under (`rules::on_sale`), asked again.
    pub on_sale: bool,
    /// The database's clock, which windows are measured by.
    pub now: DateTime<Utc>,
    pub grade_prices: HashMap<i64, i64>,
    /// Which of those grades are general admission, whose tickets get an 입장번호.
    pub general_grades: HashSet<i64>,
    /// The schedule's kinds in their order; empty unless asked for.
    pub kinds: Vec<DiscountKind>,
    /// The coupon asked for; someone else's, or none, is COUPON_NOT_FOUND.
    pub coupon: Option<Usable>,
}

/// One row of the union, in the columns its parts share: part, id, four integers, two
/// texts, two times, two flags (as integers) and the clock.
type Row = (
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<i64>,
    Option<i64>,
    DateTime<Utc>,
);

pub async fn read(conn: &mut MySqlConnection, ask: Ask<'_>) -> Result<PriceTerms> {
    let rows: Vec<Row> = statement(ask).query_as().fetch_all(conn).await?;
    let mut terms = PriceTerms {
        on_sale: false,
        now: Utc::now(),
        grade_prices: HashMap::new(),
        general_grades: HashSet::new(),
        kinds: Vec::new(),
        coupon: None,
    };
    let mut kinds: Vec<(i64, DiscountKind)> = Vec::new();
    for (part, id, n1, n2, n3, n4, t1, t2, d1, d2, f1, f2, now) in rows {
        match part.as_str() {
            "S" => {
                terms.on_sale = f1 == Some(1);
                terms.now = now;
            }
            "G" => {
                terms.grade_prices.insert(id, n1.unwrap_or_default());
                if f1 == Some(1) {
                    terms.general_grades.insert(id);
                }
            }
            "K" => kinds.push((
                n4.unwrap_or_default(),
                DiscountKind {
                    id,
                    name: t1.unwrap_or_default(),
                    percent_off: n1.map(|percent| percent as u32),
                    amount_off: n2,
                    sale_starts_at: d1,
                    sale_ends_at: d2,
                    per_order: n3.map(|count| count as u32),
                    proof: t2,
                    rewatch: f1 == Some(1),
                },
            )),
            "C" => {
                terms.coupon = Some(Usable {
                    id,
                    terms: Terms {
                        name: t1.unwrap_or_default(),
                        percent_off: n1.map(|percent| percent as u32),
                        amount_off: n2,
                        max_discount: n3,
                        min_order: n4.unwrap_or_default(),
                        show_ids: Vec::new(),
                        starts_at: d1.unwrap_or(now),
                        ends_at: d2.unwrap_or(now),
                    },
                    used: f1 == Some(1),
                    other_show: f2 == Some(1),
                    now,
                })
            }
            other => return Err(Error::internal(format!("price terms: part {other:?}"))),
        }
    }
    kinds.sort_by_key(|(position, kind)| (*position, kind.id));
    terms.kinds = kinds.into_iter().map(|(_, kind)| kind).collect();
    if ask.coupon.is_some() && terms.coupon.is_none() {
        return Err(Error::NotFound("coupon"));
    }
    Ok(terms)
}

fn statement(ask: Ask<'_>) -> Statement {
    let mut sql = Statement::new(
        "select 'S', cast(0 as signed), cast(null as signed), cast(null as signed),
                cast(null as signed), cast(null as signed), null, null,
                cast(null as datetime(6)), cast(null as datetime(6)), cast(",
    );
    rules::on_sale(&mut sql, ask.schedule_id)
        .push(" as signed), cast(null as signed), current_timestamp(6)");
    if !ask.grade_ids.is_empty() {
        sql.push(
            " union all
             select 'G', g.id, g.price, null, null, null, null, null, null, null,
                    cast(g.general_admission as signed), null, current_timestamp(6)
             from seat_grades g where g.id in (",
        )
        .bind_list(ask.grade_ids)
        .push(")");
    }
    if ask.kinds {
        sql.push(
            " union all
             select 'K', d.id, cast(d.percent_off as signed), d.amount_off,
                    cast(d.per_order as signed), cast(d.position as signed), d.name, d.proof,
                    d.sale_starts_at, d.sale_ends_at, cast(d.rewatch as signed), null,
                    current_timestamp(6)
             from discount_kinds d where d.schedule_id = ",
        )
        .bind(ask.schedule_id);
    }
    if let Some((user_id, coupon_id)) = ask.coupon {
        // Other show: the campaign lists shows and this performance's is not among them.
        sql.push(
            " union all
             select 'C', c.id, cast(k.percent_off as signed), k.amount_off, k.max_discount,
                    k.min_order, k.name, null, k.starts_at, k.ends_at,
                    cast(exists(select 1 from orders o where o.coupon_use = c.id) as signed),
                    cast(exists(select 1 from coupon_campaign_shows cs where cs.campaign_id = k.id)
                         and not exists(select 1 from coupon_campaign_shows cs
                                        join schedules sc on sc.show_id = cs.show_id
                                        where cs.campaign_id = k.id and sc.id = ",
        )
        .bind(ask.schedule_id)
        .push(
            ") as signed), current_timestamp(6)
             from coupons c join coupon_campaigns k on k.id = c.campaign_id
             where c.id = ",
        )
        .bind(coupon_id)
        .push(" and c.user_id = ")
        .bind(user_id);
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_parts_asked_for_are_read_each_with_its_values() {
        let bare = statement(Ask {
            schedule_id: 3003,
            grade_ids: &[],
            kinds: false,
            coupon: None,
        })
        .spelled();
        assert!(bare.contains("where sale_sc.id = 3003"));
        assert!(!bare.contains("union all"));

        let all = statement(Ask {
            schedule_id: 3003,
            grade_ids: &[11, 12],
            kinds: true,
            coupon: Some((2002, 77)),
        })
        .spelled();
        assert_eq!(all.matches("union all").count(), 3);
        assert!(all.contains("where g.id in (11, 12)"));
        assert!(all.contains("from discount_kinds d where d.schedule_id = 3003"));
        assert!(all.contains("cs.campaign_id = k.id and sc.id = 3003)"));
        assert!(all.contains("where c.id = 77 and c.user_id = 2002"));
    }
}
