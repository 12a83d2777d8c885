//! Waiting-room settings per schedule, in MariaDB (see the migration for why not Redis).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::MySqlPool;

use crate::db::{column, Statement};
use crate::error::{Error, Result};
use crate::rules;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomSettings {
    /// The manual switch. The room is also on from `auto_before_secs` before booking opens.
    pub enabled: bool,
    /// People let in per second (1-100,000).
    pub admission_rate: u32,
    /// At most this many admitted at once (1-1,000,000); the next one waits for a slot.
    pub active_cap: u32,
    /// How long an admission lasts (1-86,400 s) unless the purchase ends it sooner.
    pub active_window_secs: u32,
    /// Switch on by itself this many seconds before booking opens (0-604,800).
    #[serde(default)]
    pub auto_before_secs: Option<u32>,
}

impl RoomSettings {
    pub fn validate(&self) -> Result<()> {
        let bounded = |field, value: u32, low, high| {
            if (low..=high).contains(&value) {
                Ok(())
            } else {
                Err(Error::validation(
                    field,
                    format!("must be between {low} and {high}"),
                ))
            }
        };
        bounded("admission_rate", self.admission_rate, 1, 100_000)?;
        bounded("active_cap", self.active_cap, 1, 1_000_000)?;
        bounded("active_window_secs", self.active_window_secs, 1, 86_400)?;
        if let Some(secs) = self.auto_before_secs {
            bounded("auto_before_secs", secs, 0, 604_800)?;
        }
        Ok(())
    }
}

/// A schedule's room as it stands now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Room {
    pub schedule_id: i64,
    #[serde(flatten)]
    pub settings: RoomSettings,
    /// Whether the room is on right now (switched on, or its automatic time has come).
    pub active: bool,
    /// When booking opens: people who enter before wait in the pre-queue.
    pub booking_opens_at: DateTime<Utc>,
    /// True before booking opens, by the database clock.
    #[serde(skip)]
    pub before_opening: bool,
}

#[derive(sqlx::FromRow)]
struct RoomRow {
    schedule_id: i64,
    enabled: bool,
    admission_rate: i32,
    active_cap: i32,
    active_window_secs: i32,
    auto_before_secs: Option<i32>,
    active: bool,
    booking_opens_at: DateTime<Utc>,
    before_opening: bool,
}

impl From<RoomRow> for Room {
    fn from(row: RoomRow) -> Self {
        Room {
            schedule_id: row.schedule_id,
            settings: RoomSettings {
                enabled: row.enabled,
                admission_rate: row.admission_rate as u32,
                active_cap: row.active_cap as u32,
                active_window_secs: row.active_window_secs as u32,
                auto_before_secs: row.auto_before_secs.map(|secs| secs as u32),
            },
            active: row.active,
            booking_opens_at: row.booking_opens_at,
            before_opening: row.before_opening,
        }
    }
}

/// Rooms with whether each is on now (`rules::room_active`, per row), for the
/// `where` that follows.
fn select_rooms() -> Statement {
    let mut sql = Statement::new(
        "select w.schedule_id, w.enabled, w.admission_rate, w.active_cap,
            w.active_window_secs, w.auto_before_secs, ",
    );
    rules::room_active(&mut sql, column("w.schedule_id")).push(
        " as active,
            s.booking_opens_at, s.booking_opens_at > current_timestamp(6) as before_opening
        from waiting_rooms w
        join schedules sc on sc.id = w.schedule_id
        join shows s on s.id = sc.show_id",
    );
    sql
}

pub async fn put(pool: &MySqlPool, schedule_id: i64, settings: &RoomSettings) -> Result<Room> {
    settings.validate()?;
    let exists = sqlx::query_scalar!(
        "select sc.id from schedules sc join shows s on s.id = sc.show_id
         where sc.id = ? and s.deleted_at is null",
        schedule_id
    )
    .fetch_optional(pool)
    .await?;
    if exists.is_none() {
        return Err(Error::NotFound("schedule"));
    }
    sqlx::query!(
        "insert into waiting_rooms
            (schedule_id, enabled, admission_rate, active_cap, active_window_secs, auto_before_secs)
         values (?, ?, ?, ?, ?, ?)
         on duplicate key update enabled = values(enabled), admission_rate = values(admission_rate),
            active_cap = values(active_cap), active_window_secs = values(active_window_secs),
            auto_before_secs = values(auto_before_secs)",
        schedule_id,
        settings.enabled,
        settings.admission_rate,
        settings.active_cap,
        settings.active_window_secs,
        settings.auto_before_secs
    )
    .execute(pool)
    .await?;
    get(pool, schedule_id)
        .await?
        .ok_or(Error::NotFound("schedule"))
}

/// The schedule's room, or `None` when it never had one.
pub async fn get(pool: &MySqlPool, schedule_id: i64) -> Result<Option<Room>> {
    let mut sql = select_rooms();
    sql.push(" where w.schedule_id = ").bind(schedule_id);
    let row: Option<RoomRow> = sql.query_as().fetch_optional(pool).await?;
    Ok(row.map(Room::from))
}

/// Rooms that are on now: what the admission scheduler works through each tick.
pub async fn active_rooms(pool: &MySqlPool) -> Result<Vec<Room>> {
    let mut sql = select_rooms();
    sql.push(
        " where (w.enabled or w.auto_before_secs is not null)
           and sc.starts_at > current_timestamp(6)",
    );
    let rows: Vec<RoomRow> = sql.query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(Room::from)
        .filter(|room| room.active)
        .collect())
}
