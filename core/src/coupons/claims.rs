//! Getting a coupon: claiming a campaign's from a page, or entering its code. One per
//! person per campaign, and never more than the campaign's limit in all.
//!
//! The limit is the conditional update `issued = issued + 1 where issued < total_limit`
//! on the campaign's row, inside the transaction that inserts the coupon: claims of one
//! campaign queue on that row lock, each sees the count the one before committed, and
//! the one that finds it at the limit changes nothing. A second claim by the same person
//! fails on the unique key (campaign, user) and rolls its increment back with it. So
//! the count is exactly the coupons that exist, from any number of api processes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::MySqlPool;

use super::campaigns::{self, normalize_code};
use super::{NotApplicable, Terms};
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, Error, Result};

/// Which campaign a claim is for.
#[derive(Debug, Clone)]
pub enum ClaimBy {
    /// A campaign claimed from a page (one without a code).
    Campaign(i64),
    /// A code entered by hand.
    Code(String),
}

/// A person's coupon.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Coupon {
    pub id: i64,
    pub campaign_id: i64,
    #[serde(flatten)]
    pub terms: Terms,
    /// The order that used it; None while it can be used.
    pub order_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub async fn claim(pool: &MySqlPool, user_id: i64, by: ClaimBy) -> Result<Coupon> {
    let campaign_id = match by {
        ClaimBy::Campaign(id) => {
            sqlx::query_scalar!(
                "select id from coupon_campaigns where id = ? and code is null",
                id
            )
            .fetch_optional(pool)
            .await?
        }
        ClaimBy::Code(code) => match normalize_code(&code) {
            Some(code) => {
                sqlx::query_scalar!("select id from coupon_campaigns where code = ?", code)
                    .fetch_optional(pool)
                    .await?
            }
            None => None,
        },
    }
    .ok_or(Error::NotFound("coupon"))?;
    let coupon_id = retry_on_lock_conflict(|| try_claim(pool, user_id, campaign_id)).await?;
    get_for_user(pool, user_id, coupon_id).await
}

async fn try_claim(pool: &MySqlPool, user_id: i64, campaign_id: i64) -> Result<i64> {
    let mut tx = pool.begin().await?;
    let issued = sqlx::query!(
        "update coupon_campaigns set issued = issued + 1
         where id = ? and (total_limit is null or issued < total_limit)
           and starts_at <= current_timestamp(6) and current_timestamp(6) < ends_at",
        campaign_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if issued == 0 {
        tx.rollback().await?;
        return Err(why_not_issued(pool, user_id, campaign_id).await?);
    }
    let inserted = sqlx::query!(
        "insert into coupons (campaign_id, user_id) values (?, ?)",
        campaign_id,
        user_id
    )
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(done) => {
            tx.commit().await?;
            Ok(done.last_insert_id() as i64)
        }
        Err(err) if is_unique_violation(&err) => Err(Error::CouponAlreadyClaimed),
        Err(err) => Err(err.into()),
    }
}

/// The campaign issued nothing: outside its window, or all given out (a person who has
/// one is told so first).
async fn why_not_issued(pool: &MySqlPool, user_id: i64, campaign_id: i64) -> Result<Error> {
    let row = sqlx::query!(
        r#"select starts_at > current_timestamp(6) as "early!: bool",
                  ends_at <= current_timestamp(6) as "late!: bool",
                  exists(select 1 from coupons where campaign_id = k.id and user_id = ?) as "mine!: bool"
           from coupon_campaigns k where k.id = ?"#,
        user_id,
        campaign_id
    )
    .fetch_one(pool)
    .await?;
    Ok(if row.mine {
        Error::CouponAlreadyClaimed
    } else if row.early {
        Error::CouponNotApplicable(NotApplicable::NotStarted)
    } else if row.late {
        Error::CouponNotApplicable(NotApplicable::Expired)
    } else {
        Error::CouponExhausted
    })
}

struct CouponRow {
    id: i64,
    campaign_id: i64,
    order_id: Option<i64>,
    created_at: DateTime<Utc>,
}

/// The user's coupon; someone else's is not found alike.
pub async fn get_for_user(pool: &MySqlPool, user_id: i64, coupon_id: i64) -> Result<Coupon> {
    let row = sqlx::query_as!(
        CouponRow,
        r#"select c.id, c.campaign_id, o.id as "order_id?", c.created_at as "created_at: _"
           from coupons c left join orders o on o.coupon_use = c.id
           where c.id = ? and c.user_id = ?"#,
        coupon_id,
        user_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(Error::NotFound("coupon"))?;
    with_terms(pool, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound("coupon"))
}

/// The user's coupons, newest first: unused ones and used ones alike.
pub async fn mine(pool: &MySqlPool, user_id: i64) -> Result<Vec<Coupon>> {
    let rows = sqlx::query_as!(
        CouponRow,
        r#"select c.id, c.campaign_id, o.id as "order_id?", c.created_at as "created_at: _"
           from coupons c left join orders o on o.coupon_use = c.id
           where c.user_id = ? order by c.id desc limit 100"#,
        user_id
    )
    .fetch_all(pool)
    .await?;
    with_terms(pool, rows).await
}

async fn with_terms(pool: &MySqlPool, rows: Vec<CouponRow>) -> Result<Vec<Coupon>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.campaign_id).collect();
    let campaigns = campaigns::get_many(pool, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let campaign = campaigns
                .iter()
                .find(|campaign| campaign.id == row.campaign_id)
                .ok_or_else(|| Error::internal("a coupon without its campaign"))?;
            Ok(Coupon {
                id: row.id,
                campaign_id: row.campaign_id,
                terms: campaign.terms.clone(),
                order_id: row.order_id,
                created_at: row.created_at,
            })
        })
        .collect()
}
