//! A coupon used by an order, and given back when the order is cancelled whole.
//!
//! Both run inside the booking transactions, after the user's row is locked (every
//! change to a person's coupons happens under their row lock, so a purchase and a
//! refund of the same person never race on a coupon). Reading a coupon's terms locks
//! nothing; using it is the order's insert, whose unique `coupon_use` alone decides
//! that a coupon is used once (`booking::store::insert_order`). No statement here
//! locks a campaign's row: that is what claims queue on.

use chrono::{DateTime, Utc};
use sqlx::MySqlConnection;

use super::{NotApplicable, Terms};
use crate::error::{Error, Result};

/// A coupon as an order about to use it sees it (read with the order's other terms by
/// `booking::price_terms`).
#[derive(Debug, Clone)]
pub struct Usable {
    pub id: i64,
    /// The campaign's terms; `show_ids` is left empty, `for_this_show` answers it.
    pub terms: Terms,
    /// The campaign lists shows and this performance's show is not among them.
    pub other_show: bool,
    pub used: bool,
    /// The database's clock, which the window is measured by.
    pub now: DateTime<Utc>,
}

impl Usable {
    /// What it takes off an order of `amount`, or why it cannot.
    pub fn discount(&self, amount: i64) -> Result<i64> {
        if self.used {
            return Err(Error::CouponNotApplicable(NotApplicable::Used));
        }
        self.terms
            .window(self.now)
            .map_err(Error::CouponNotApplicable)?;
        if self.other_show {
            return Err(Error::CouponNotApplicable(NotApplicable::OtherShow));
        }
        self.terms
            .discount(amount, 0, self.now)
            .map_err(Error::CouponNotApplicable)
    }
}

/// `give_back_if_cancelled` for each of these orders once, in id order (the order a
/// refund of several tickets, or a batch of a cancelled performance, locks them in).
pub async fn give_back_where_cancelled(
    conn: &mut MySqlConnection,
    orders: impl IntoIterator<Item = i64>,
) -> Result<()> {
    let mut orders: Vec<i64> = orders.into_iter().collect();
    orders.sort_unstable();
    orders.dedup();
    for order_id in orders {
        give_back_if_cancelled(conn, order_id).await?;
    }
    Ok(())
}

/// Gives the order's coupon back, unused, when none of the order's tickets is left
/// (all refunded) and its campaign still runs: the order stops using it
/// (`orders.coupon_use`). Called after the refund marked its tickets, under the user's
/// row lock: a concurrent refund of the order's last other ticket waits for that lock,
/// then finds this one refunded and gives it back itself.
pub async fn give_back_if_cancelled(conn: &mut MySqlConnection, order_id: i64) -> Result<()> {
    // A plain read, then an update of the order alone: an update joining the campaign
    // would lock its row, which claims queue on.
    let order = sqlx::query!(
        r#"select k.ends_at > current_timestamp(6) as "running!: bool",
                  (select count(*) from tickets t
                   where t.order_id = o.id and t.status <> 'REFUNDED') as "left!: i64"
           from orders o
           join coupons c on c.id = o.coupon_use
           join coupon_campaigns k on k.id = c.campaign_id
           where o.id = ?"#,
        order_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(order) = order {
        if order.running && order.left == 0 {
            sqlx::query!("update orders set coupon_use = null where id = ?", order_id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}
