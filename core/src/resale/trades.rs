//! Reading trades: the public market, one trade, and each user's own history.
//!
//! Status is read through `STATUS`: an OPEN trade whose show has started is EXPIRED
//! whether or not the expiry sweep has written it down yet, so no reader ever offers a
//! trade that can no longer be bought.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{MySqlPool, QueryBuilder};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Trade {
    pub id: i64,
    /// OPEN, SOLD, CANCELLED or EXPIRED.
    pub status: String,
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
    #[sqlx(rename = "row_label")]
    pub row: String,
    pub number: i32,
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

/// A macro so the column list below can `concat!` it.
macro_rules! status_sql {
    () => {
        "(case when tr.status = 'OPEN' and sc.starts_at <= current_timestamp(6)
            then 'EXPIRED' else tr.status end)"
    };
}

const STATUS: &str = status_sql!();

const TRADE_COLUMNS: &str = concat!(
    "tr.id, ",
    status_sql!(),
    " as status, tr.price, t.face_value, s.id as show_id, s.title as show_title, v.name as venue,
    sc.id as schedule_id, sc.starts_at, st.id as seat_id, g.name as grade, st.row_label,
    st.seat_number as number, tr.created_at, tr.updated_at, tr.closed_at"
);

const TRADE_FROM: &str = " from trades tr
    join tickets t on t.id = tr.ticket_id
    join seats st on st.id = t.seat_id
    join seat_grades g on g.id = tr.grade_id
    join schedules sc on sc.id = tr.schedule_id
    join shows s on s.id = tr.show_id
    join venues v on v.id = s.venue_id";

fn select_trades() -> String {
    format!("select {TRADE_COLUMNS}{TRADE_FROM}")
}

pub async fn get(pool: &MySqlPool, trade_id: i64) -> Result<Trade> {
    let sql = format!("{} where tr.id = ?", select_trades());
    sqlx::query_as(&sql)
        .bind(trade_id)
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
    let mut count = QueryBuilder::new(
        "select count(*) from trades tr
         join schedules sc on sc.id = tr.schedule_id
         join shows s on s.id = tr.show_id
         join seat_grades g on g.id = tr.grade_id",
    );
    push_market_filter(&mut count, filter);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut page = QueryBuilder::new(select_trades());
    push_market_filter(&mut page, filter);
    page.push(match filter.sort {
        TradeSort::Price => " order by tr.price, tr.id",
        TradeSort::PriceDesc => " order by tr.price desc, tr.id",
        TradeSort::Newest => " order by tr.id desc",
    });
    page.push(" limit ")
        .push_bind(limit)
        .push(" offset ")
        .push_bind(offset);
    let trades = page.build_query_as().fetch_all(pool).await?;
    Ok((trades, total))
}

fn push_market_filter(query: &mut QueryBuilder<'_, sqlx::MySql>, filter: &MarketFilter) {
    query.push(
        " where tr.status = 'OPEN' and sc.starts_at > current_timestamp(6) and s.deleted_at is null",
    );
    if let Some(show_id) = filter.show_id {
        query.push(" and tr.show_id = ").push_bind(show_id);
    }
    if let Some(schedule_id) = filter.schedule_id {
        query.push(" and tr.schedule_id = ").push_bind(schedule_id);
    }
    if let Some(grade) = &filter.grade {
        query.push(" and g.name = ").push_bind(grade.clone());
    }
    if let Some(min) = filter.min_price {
        query.push(" and tr.price >= ").push_bind(min);
    }
    if let Some(max) = filter.max_price {
        query.push(" and tr.price <= ").push_bind(max);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TradeRole {
    Seller,
    Buyer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TradeStatus {
    Open,
    Sold,
    Cancelled,
    Expired,
}

impl TradeStatus {
    fn as_db(self) -> &'static str {
        match self {
            TradeStatus::Open => "OPEN",
            TradeStatus::Sold => "SOLD",
            TradeStatus::Cancelled => "CANCELLED",
            TradeStatus::Expired => "EXPIRED",
        }
    }
}

/// Trades the user sold, bought, listed or cancelled, newest listing first.
pub async fn history(
    pool: &MySqlPool,
    user_id: i64,
    role: Option<TradeRole>,
    status: Option<TradeStatus>,
    limit: u32,
    offset: u32,
) -> Result<(Vec<MyTrade>, i64)> {
    let push_where = |query: &mut QueryBuilder<'_, sqlx::MySql>| {
        match role {
            Some(TradeRole::Seller) => query.push(" where tr.seller_id = ").push_bind(user_id),
            Some(TradeRole::Buyer) => query.push(" where tr.buyer_id = ").push_bind(user_id),
            None => query
                .push(" where (tr.seller_id = ")
                .push_bind(user_id)
                .push(" or tr.buyer_id = ")
                .push_bind(user_id)
                .push(")"),
        };
        if let Some(status) = status {
            query
                .push(format!(" and {STATUS} = "))
                .push_bind(status.as_db());
        }
    };
    let mut count = QueryBuilder::new(
        "select count(*) from trades tr join schedules sc on sc.id = tr.schedule_id",
    );
    push_where(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut page = QueryBuilder::new("select ");
    page.push(TRADE_COLUMNS)
        .push(", case when tr.seller_id = ")
        .push_bind(user_id)
        .push(" then 'SELLER' else 'BUYER' end as role, case when tr.seller_id = ")
        .push_bind(user_id)
        .push(
            " then tr.ticket_id else tr.issued_ticket_id end as ticket_id, tr.fee,
            tr.price - tr.fee as proceeds",
        )
        .push(TRADE_FROM);
    push_where(&mut page);
    page.push(" order by tr.id desc limit ")
        .push_bind(limit)
        .push(" offset ")
        .push_bind(offset);
    let trades = page.build_query_as().fetch_all(pool).await?;
    Ok((trades, total))
}
