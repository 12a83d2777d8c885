//! Reading trades: the public market, one trade, and each user's own history.
//!
//! Trades are read through the `trade_details` view, whose `status` is what readers
//! see: an OPEN trade whose show has started is EXPIRED whether or not the expiry sweep
//! has written it down yet, so no reader ever offers a trade that can no longer be
//! bought.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::MySqlPool;

use crate::db::{text_enum, Statement};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Trade {
    pub id: i64,
    pub status: TradeStatus,
    pub price: i64,
    /// The seat's original price; the cap is a percentage of it.
    pub face_value: i64,
    pub show_id: i64,
    pub show_title: String,
    pub venue: String,
    pub schedule_id: i64,
    pub starts_at: DateTime<Utc>,
    pub seat_id: i64,
    pub grade: String,
    /// A place of a general-admission area: the buyer gets its `entry_number`.
    pub general_admission: bool,
    pub row: String,
    pub number: i32,
    /// 입장번호 of the ticket on sale, which the buyer's new ticket keeps.
    pub entry_number: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was sold, cancelled or expired.
    pub closed_at: Option<DateTime<Utc>>,
}

/// A trade in the history of one of its parties.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MyTrade {
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub trade: Trade,
    /// SELLER or BUYER.
    pub role: String,
    /// Your ticket in this trade: the one you listed, or the one issued to you.
    pub ticket_id: Option<i64>,
    /// The platform fee kept from the price, once sold.
    pub fee: Option<i64>,
    /// What the seller received (price minus fee), once sold.
    pub proceeds: Option<i64>,
}

/// The columns of a `Trade` from `trade_details`, for the lists whose conditions are
/// built (`get` writes them in its checked statement).
const TRADE_COLUMNS: &str = "id, status, price, face_value, show_id, show_title, venue,
    schedule_id, starts_at, seat_id, grade, general_admission, row_label as row, number,
    entry_number, created_at, updated_at, closed_at";

impl Trade {
    /// The seat as the market names it (`tickets::seat_label`).
    pub fn seat_label(&self) -> String {
        crate::booking::tickets::seat_label(&self.grade, &self.row, self.number, self.entry_number)
    }
}

pub async fn get(pool: &MySqlPool, trade_id: i64) -> Result<Trade> {
    sqlx::query_as!(
        Trade,
        r#"select id, status as "status: TradeStatus", price, face_value, show_id, show_title,
                  venue, schedule_id, starts_at as "starts_at: _", seat_id, grade,
                  general_admission as "general_admission: bool", row_label as row, number,
                  entry_number, created_at as "created_at: _",
                  updated_at as "updated_at: _", closed_at as "closed_at: _"
           from trade_details where id = ?"#,
        trade_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(Error::NotFound("trade"))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TradeSort {
    /// Cheapest first.
    #[default]
    Price,
    PriceDesc,
    /// Most recently listed first.
    Newest,
}

/// Filters of the public market. Only open trades of shows that have not started.
#[derive(Debug, Clone, Default)]
pub struct MarketFilter {
    pub show_id: Option<i64>,
    pub schedule_id: Option<i64>,
    pub grade: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub sort: TradeSort,
}

pub async fn list_open(
    pool: &MySqlPool,
    filter: &MarketFilter,
    limit: u32,
    offset: u32,
) -> Result<(Vec<Trade>, i64)> {
    // The count joins only what the filters read.
    let mut count = Statement::new(
        "select count(*) from trades tr
         join schedules sc on sc.id = tr.schedule_id
         join shows s on s.id = tr.show_id
         join seat_grades g on g.id = tr.grade_id
         where tr.status = 'OPEN' and sc.starts_at > current_timestamp(6)
           and s.deleted_at is null",
    );
    push_market_filter(&mut count, filter, "tr.", "g.name");
    let total: i64 = count.query_scalar().fetch_one(pool).await?;

    let mut page = Statement::new("select ");
    page.push(TRADE_COLUMNS).push(
        " from trade_details
         where recorded_status = 'OPEN' and starts_at > current_timestamp(6)
           and show_deleted_at is null",
    );
    push_market_filter(&mut page, filter, "", "grade");
    page.push(match filter.sort {
        TradeSort::Price => " order by price, id",
        TradeSort::PriceDesc => " order by price desc, id",
        TradeSort::Newest => " order by id desc",
    });
    page.push(" limit ")
        .bind(limit)
        .push(" offset ")
        .bind(offset);
    let trades = page.query_as().fetch_all(pool).await?;
    Ok((trades, total))
}

/// The market's optional filters, on a trades table named `trades` (`tr.` or none)
/// and a grade name column `grade`.
fn push_market_filter(
    sql: &mut Statement,
    filter: &MarketFilter,
    trades: &'static str,
    grade: &'static str,
) {
    let conditions = [
        ("show_id = ", filter.show_id),
        ("schedule_id = ", filter.schedule_id),
        ("price >= ", filter.min_price),
        ("price <= ", filter.max_price),
    ];
    for (condition, value) in conditions {
        if let Some(value) = value {
            sql.push(" and ").push(trades).push(condition).bind(value);
        }
    }
    if let Some(name) = &filter.grade {
        sql.push(" and ")
            .push(grade)
            .push(" = ")
            .bind(name.as_str());
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TradeRole {
    Seller,
    Buyer,
}

/// A trade is OPEN until it is SOLD or CANCELLED; an open trade whose performance has
/// started is EXPIRED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TradeStatus {
    Open,
    Sold,
    Cancelled,
    Expired,
}
text_enum!(TradeStatus {
    Open => "OPEN",
    Sold => "SOLD",
    Cancelled => "CANCELLED",
    Expired => "EXPIRED",
});

/// Trades the user sold, bought, listed or cancelled, newest listing first.
pub async fn history(
    pool: &MySqlPool,
    user_id: i64,
    role: Option<TradeRole>,
    status: Option<TradeStatus>,
    limit: u32,
    offset: u32,
) -> Result<(Vec<MyTrade>, i64)> {
    let push_where = |sql: &mut Statement| {
        match role {
            Some(TradeRole::Seller) => sql.push(" where seller_id = ").bind(user_id),
            Some(TradeRole::Buyer) => sql.push(" where buyer_id = ").bind(user_id),
            None => sql
                .push(" where (seller_id = ")
                .bind(user_id)
                .push(" or buyer_id = ")
                .bind(user_id)
                .push(")"),
        };
        if let Some(status) = status {
            sql.push(" and status = ").bind(status.as_str());
        }
    };
    let mut count = Statement::new("select count(*) from trade_details");
    push_where(&mut count);
    let total: i64 = count.query_scalar().fetch_one(pool).await?;

    let mut page = Statement::new("select ");
    page.push(TRADE_COLUMNS)
        .push(", case when seller_id = ")
        .bind(user_id)
        .push(" then 'SELLER' else 'BUYER' end as role, case when seller_id = ")
        .bind(user_id)
        .push(
            " then ticket_id else issued_ticket_id end as ticket_id, fee,
            price - fee as proceeds from trade_details",
        );
    push_where(&mut page);
    page.push(" order by id desc limit ")
        .bind(limit)
        .push(" offset ")
        .bind(offset);
    let trades = page.query_as().fetch_all(pool).await?;
    Ok((trades, total))
}
