//! Campaigns as an admin creates and reads them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{MySqlConnection, MySqlPool};

use super::Terms;
use crate::catalog::limits::MAX_PRICE;
use crate::db::Statement;
use crate::error::{is_unique_violation, Error, Result};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    /// What people see: 겨울 뮤지컬 5,000원 할인.
    pub name: String,
    /// A code anyone may enter (4-32 letters and digits, matched without regard to
    /// case); absent for a coupon people claim from a page.
    pub code: Option<String>,
    pub percent_off: Option<u32>,
    pub amount_off: Option<i64>,
    /// The most a percent coupon takes off.
    pub max_discount: Option<i64>,
    #[serde(default)]
    pub min_order: i64,
    /// The shows it is for; empty or absent for every show.
    #[serde(default)]
    pub show_ids: Vec<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// How many coupons it may issue in all; absent for no limit.
    pub total_limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    pub id: i64,
    pub code: Option<String>,
    #[serde(flatten)]
    pub terms: Terms,
    pub total_limit: Option<u32>,
    /// Coupons issued so far.
    pub issued: u32,
}

/// A code as it is stored and compared: trimmed, ASCII letters upper-cased. None when
/// it is not 4 to 32 letters and digits.
pub fn normalize_code(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    ((4..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(code)
}

impl NewCampaign {
    pub fn validate(&self) -> Result<()> {
        let name = self.name.trim().chars().count();
        if !(1..=60).contains(&name)
            || self.name.chars().count() > 60
            || self.name.chars().any(char::is_control)
        {
            return Err(Error::validation("name", "must be 1 to 60 characters"));
        }
        if let Some(code) = &self.code {
            if normalize_code(code).is_none() {
                return Err(Error::validation(
                    "code",
                    "must be 4 to 32 letters and digits",
                ));
            }
        }
        match (self.percent_off, self.amount_off) {
            (Some(percent), None) if (1..=100).contains(&percent) => {}
            (None, Some(amount)) if (1..=MAX_PRICE).contains(&amount) => {}
            _ => {
                return Err(Error::validation(
                    "percent_off",
                    "give either percent_off (1-100) or amount_off (1-10,000,000)",
                ))
            }
        }
        if self
            .max_discount
            .is_some_and(|cap| !(1..=MAX_PRICE).contains(&cap))
        {
            return Err(Error::validation(
                "max_discount",
                "must be between 1 and 10,000,000",
            ));
        }
        if !(0..=MAX_PRICE * 100).contains(&self.min_order) {
            return Err(Error::validation(
                "min_order",
                "must be between 0 and 1,000,000,000",
            ));
        }
        if self.starts_at >= self.ends_at {
            return Err(Error::validation("ends_at", "must be after starts_at"));
        }
        if self.show_ids.len() > 100 {
            return Err(Error::validation("show_ids", "at most 100 shows"));
        }
        if self.total_limit == Some(0) || self.total_limit.is_some_and(|n| n > 10_000_000) {
            return Err(Error::validation(
                "total_limit",
                "must be between 1 and 10,000,000",
            ));
        }
        Ok(())
    }
}

pub async fn create(pool: &MySqlPool, campaign: &NewCampaign) -> Result<Campaign> {
    campaign.validate()?;
    let code = campaign.code.as_deref().and_then(normalize_code);
    let mut shows = campaign.show_ids.clone();
    shows.sort_unstable();
    shows.dedup();
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query!(
        "insert into coupon_campaigns (name, code, percent_off, amount_off, max_discount,
             min_order, starts_at, ends_at, total_limit)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        campaign.name.trim(),
        code,
        campaign.percent_off,
        campaign.amount_off,
        campaign.max_discount,
        campaign.min_order,
        campaign.starts_at,
        campaign.ends_at,
        campaign.total_limit
    )
    .execute(&mut *tx)
    .await
    .map_err(|err| {
        if is_unique_violation(&err) {
            Error::validation("code", "another campaign has this code")
        } else {
            err.into()
        }
    })?;
    let id = inserted.last_insert_id() as i64;
    for show_id in &shows {
        sqlx::query!(
            "insert into coupon_campaign_shows (campaign_id, show_id)
             select ?, id from shows where id = ? and deleted_at is null",
            id,
            show_id
        )
        .execute(&mut *tx)
        .await?;
    }
    let found: i64 = sqlx::query_scalar!(
        "select count(*) from coupon_campaign_shows where campaign_id = ?",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    if found != shows.len() as i64 {
        return Err(Error::validation(
            "show_ids",
            "names a show that does not exist",
        ));
    }
    tx.commit().await?;
    get(pool, id).await?.ok_or(Error::NotFound("coupon"))
}

#[derive(sqlx::FromRow)]
struct CampaignRow {
    id: i64,
    code: Option<String>,
    name: String,
    percent_off: Option<u32>,
    amount_off: Option<i64>,
    max_discount: Option<i64>,
    min_order: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    total_limit: Option<u32>,
    issued: u32,
}

pub async fn get(pool: &MySqlPool, id: i64) -> Result<Option<Campaign>> {
    Ok(get_many(pool, &[id]).await?.pop())
}

/// These campaigns (those that exist), in two reads whatever their number: a person's
/// coupons list one campaign each.
pub async fn get_many(pool: &MySqlPool, ids: &[i64]) -> Result<Vec<Campaign>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = pool.acquire().await?;
    let mut sql = Statement::new(
        "select id, cast(code as char) as code, name, percent_off, amount_off, max_discount,
                min_order, starts_at, ends_at, total_limit, issued
         from coupon_campaigns where id in (",
    );
    sql.bind_list(ids).push(")");
    let rows: Vec<CampaignRow> = sql.query_as().fetch_all(&mut *conn).await?;
    let shows = show_ids(&mut conn, ids).await?;
    Ok(rows.into_iter().map(|row| campaign(row, &shows)).collect())
}

/// Campaigns newest first, for the admin.
pub async fn list(pool: &MySqlPool, limit: u32, offset: u32) -> Result<(Vec<Campaign>, i64)> {
    let mut conn = pool.acquire().await?;
    let total = sqlx::query_scalar!("select count(*) from coupon_campaigns")
        .fetch_one(&mut *conn)
        .await?;
    let rows = sqlx::query_as!(
        CampaignRow,
        r#"select id, cast(code as char) as code, name, percent_off as "percent_off: u32",
                  amount_off, max_discount, min_order, starts_at as "starts_at: _",
                  ends_at as "ends_at: _", total_limit as "total_limit: u32",
                  issued as "issued: u32"
           from coupon_campaigns order by id desc limit ? offset ?"#,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let shows = show_ids(&mut conn, &ids).await?;
    Ok((
        rows.into_iter().map(|row| campaign(row, &shows)).collect(),
        total,
    ))
}

/// The demo's campaign: a welcome code anyone may register, 3,000원 off an order of at
/// least 30,000원, for every show, for 60 days from the first start. Created once.
pub async fn seed_demo(pool: &MySqlPool) -> Result<bool> {
    let existing = sqlx::query_scalar!("select count(*) from coupon_campaigns")
        .fetch_one(pool)
        .await?;
    if existing > 0 {
        return Ok(false);
    }
    let now = Utc::now();
    create(
        pool,
        &NewCampaign {
            name: "첫 예매 3,000원 할인".to_string(),
            code: Some("WELCOME3000".to_string()),
            percent_off: None,
            amount_off: Some(3_000),
            max_discount: None,
            min_order: 30_000,
            show_ids: Vec::new(),
            starts_at: now - chrono::Duration::days(1),
            ends_at: now + chrono::Duration::days(60),
            total_limit: Some(10_000),
        },
    )
    .await?;
    Ok(true)
}

/// (campaign, show) pairs of these campaigns.
pub(super) async fn show_ids(
    conn: &mut MySqlConnection,
    campaign_ids: &[i64],
) -> Result<Vec<(i64, i64)>> {
    if campaign_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Statement::new(
        "select campaign_id, show_id from coupon_campaign_shows where campaign_id in (",
    );
    sql.bind_list(campaign_ids)
        .push(") order by campaign_id, show_id");
    Ok(sql.query_as::<(i64, i64)>().fetch_all(conn).await?)
}

fn campaign(row: CampaignRow, shows: &[(i64, i64)]) -> Campaign {
    Campaign {
        id: row.id,
        code: row.code,
        terms: Terms {
            name: row.name,
            percent_off: row.percent_off,
            amount_off: row.amount_off,
            max_discount: row.max_discount,
            min_order: row.min_order,
            show_ids: shows
                .iter()
                .filter(|(campaign, _)| *campaign == row.id)
                .map(|(_, show)| *show)
                .collect(),
            starts_at: row.starts_at,
            ends_at: row.ends_at,
        },
        total_limit: row.total_limit,
        issued: row.issued,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_compared_upper_cased_and_must_be_letters_and_digits() {
        assert_eq!(
            normalize_code(" winter5000 ").as_deref(),
            Some("WINTER5000")
        );
        assert_eq!(normalize_code("abc"), None);
        assert_eq!(normalize_code("WINTER-5000"), None);
        assert_eq!(normalize_code("겨울할인쿠폰"), None);
        assert_eq!(normalize_code(&"A".repeat(33)), None);
    }
}
