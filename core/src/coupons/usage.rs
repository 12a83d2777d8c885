//! A coupon used by an order, and given back when the order is cancelled whole.
//!
//! Both run inside the booking transactions, after the user's row is locked (every
//! change to a person's coupons happens under their row lock, so a purchase and a
//! refund of the same person never race on a coupon). The statements lock coupon rows
//! alone, never a campaign's: the campaign row is what claims queue on.

use chrono::{DateTime, Utc};
use sqlx::MySqlConnection;

use super::{campaigns, NotApplicable, Terms};
use crate::error::{Error, Result};

/// A coupon about to be used, locked.
#[derive(Debug, Clone)]
pub struct Usable {
    pub id: i64,
    pub terms: Terms,
    pub used: bool,
    /// The database's clock, which the window is measured by.
    pub now: DateTime<Utc>,
}

impl Usable {
    /// What it takes off an order of `amount` for `show_id`, or why it cannot.
    pub fn discount(&self, amount: i64, show_id: i64) -> Result<i64> {
        if self.used {
            return Err(Error::CouponNotApplicable(NotApplicable::Used));
        }
        self.terms
            .discount(amount, show_id, self.now)
            .map_err(Error::CouponNotApplicable)
    }
}

/// Locks the user's coupon and reads its terms; someone else's is not found.
pub async fn lock(conn: &mut MySqlConnection, user_id: i64, coupon_id: i64) -> Result<Usable> {
    let row = sqlx::query!(
        r#"select campaign_id, order_id is not null as "used!: bool"
           from coupons where id = ? and user_id = ? for update"#,
        coupon_id,
        user_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound("coupon"))?;
    usable(conn, coupon_id, row.campaign_id, row.used).await
}

/// The user's coupon as a quote sees it, locking nothing.
pub async fn peek(conn: &mut MySqlConnection, user_id: i64, coupon_id: i64) -> Result<Usable> {
    let row = sqlx::query!(
        r#"select campaign_id, order_id is not null as "used!: bool"
           from coupons where id = ? and user_id = ?"#,
        coupon_id,
        user_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound("coupon"))?;
    usable(conn, coupon_id, row.campaign_id, row.used).await
}

async fn usable(
    conn: &mut MySqlConnection,
    coupon_id: i64,
    campaign_id: i64,
    used: bool,
) -> Result<Usable> {
    let terms = terms(conn, campaign_id).await?;
    let now = sqlx::query_scalar!(r#"select current_timestamp(6) as "now!: DateTime<Utc>""#)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Usable {
        id: coupon_id,
        terms,
        used,
        now,
    })
}

/// A campaign's terms, read without locking it.
async fn terms(conn: &mut MySqlConnection, campaign_id: i64) -> Result<Terms> {
    let row = sqlx::query!(
        r#"select name, percent_off as "percent_off: u32", amount_off, max_discount, min_order,
                  starts_at as "starts_at: DateTime<Utc>", ends_at as "ends_at: DateTime<Utc>"
           from coupon_campaigns where id = ?"#,
        campaign_id
    )
    .fetch_one(&mut *conn)
    .await?;
    let show_ids = campaigns::show_ids(conn, &[campaign_id])
        .await?
        .into_iter()
        .map(|(_, show)| show)
        .collect();
    Ok(Terms {
        name: row.name,
        percent_off: row.percent_off,
        amount_off: row.amount_off,
        max_discount: row.max_discount,
        min_order: row.min_order,
        show_ids,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
    })
}

/// Marks the locked coupon used by the order.
pub async fn mark_used(conn: &mut MySqlConnection, coupon_id: i64, order_id: i64) -> Result<()> {
    let marked = sqlx::query!(
        "update coupons set order_id = ?, used_at = current_timestamp(6)
         where id = ? and order_id is null",
        order_id,
        coupon_id
    )
    .execute(conn)
    .await?
    .rows_affected();
    if marked == 1 {
        Ok(())
    } else {
        Err(Error::CouponNotApplicable(NotApplicable::Used))
    }
}

/// Gives the order's coupon back, unused, when none of the order's tickets is left
/// (all refunded) and its campaign still runs. Called after the refund marked its
/// tickets, under the user's row lock: a concurrent refund of the order's last other
/// ticket waits for that lock, then finds this one refunded and gives it back itself.
pub async fn give_back_if_cancelled(conn: &mut MySqlConnection, order_id: i64) -> Result<()> {
    let order = sqlx::query!(
        r#"select o.coupon_id, k.ends_at > current_timestamp(6) as "running: bool",
                  (select count(*) from tickets t
                   where t.order_id = o.id and t.status <> 'REFUNDED') as "left!: i64"
           from orders o
           left join coupons c on c.id = o.coupon_id
           left join coupon_campaigns k on k.id = c.campaign_id
           where o.id = ?"#,
        order_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(order) = order else { return Ok(()) };
    if let (Some(coupon_id), Some(true), 0) = (order.coupon_id, order.running, order.left) {
        sqlx::query!(
            "update coupons set order_id = null, used_at = null where id = ? and order_id = ?",
            coupon_id,
            order_id
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}
