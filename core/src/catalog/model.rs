//! Catalog inputs, validated before any SQL runs, and the shapes read back.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use sqlx::mysql::MySqlRow;
use sqlx::Row;

use super::discounts::{self, DiscountKind, NewDiscount};
use crate::db::text_enum;
use crate::error::{Error, Result};
use crate::posters::Poster;
use crate::refund_policy::RefundPolicy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Category {
    Musical,
    Concert,
    Play,
    Exhibition,
    Classic,
    Dance,
}

impl Category {
    pub fn as_db(self) -> &'static str {
        match self {
            Category::Musical => "MUSICAL",
            Category::Concert => "CONCERT",
            Category::Play => "PLAY",
            Category::Exhibition => "EXHIBITION",
            Category::Classic => "CLASSIC",
            Category::Dance => "DANCE",
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueInput {
    pub name: String,
    #[serde(default)]
    pub address: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGrade {
    pub name: String,
    pub price: i64,
    /// Row labels in seat-map order, e.g. `["A", "B", "C"]`; none for general admission.
    #[serde(default)]
    pub rows: Vec<String>,
    #[serde(default)]
    pub seats_per_row: u32,
    /// General admission (스탠딩, 자유석, an exhibition's entry): the grade is an area sold
    /// by count, with this many places and no rows; its tickets carry an 입장번호 in the
    /// order of purchase.
    #[schema(minimum = 1)]
    pub general_admission: Option<u32>,
}

impl NewGrade {
    /// The seats or places this grade puts on sale.
    pub fn capacity(&self) -> u64 {
        match self.general_admission {
            Some(places) => u64::from(places),
            None => self.rows.len() as u64 * u64::from(self.seats_per_row),
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    pub starts_at: DateTime<Utc>,
    pub grades: Vec<NewGrade>,
    /// 할인 권종 besides 일반 (the grades' prices).
    #[serde(default)]
    pub discounts: Vec<NewDiscount>,
    /// 캐스팅: who plays which role at this performance, in the order pages list them.
    #[serde(default)]
    pub cast: Vec<CastMember>,
}

/// One role of a performance and the actor who plays it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CastMember {
    /// 배역, e.g. 빌리 플린.
    pub role: String,
    /// The actor, e.g. 최재림: searching for the name finds the show.
    pub actor: String,
}

/// 관람 정보 as admins give it: running time and intermission in minutes, and the age
/// rating as the youngest age admitted (만 나이): 0 전체관람가, 1 to 18 만 N세 이상, 19
/// 청소년관람불가. Absent: not announced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShowFacts {
    pub running_minutes: Option<u16>,
    pub intermission_minutes: Option<u16>,
    pub min_age: Option<u8>,
}

/// The three facts of a show, a patch or a show page, as one value.
macro_rules! facts_of {
    ($($name:ty),*) => {$(
        impl $name {
            pub fn facts(&self) -> ShowFacts {
                ShowFacts {
                    running_minutes: self.running_minutes,
                    intermission_minutes: self.intermission_minutes,
                    min_age: self.min_age,
                }
            }
        }
    )*};
}
facts_of!(NewShow, ShowPatch, ShowDetail);

impl ShowFacts {
    fn validate(&self) -> Result<()> {
        if self
            .running_minutes
            .is_some_and(|m| !(1..=1440).contains(&m))
        {
            return Err(Error::validation(
                "running_minutes",
                "must be between 1 and 1440",
            ));
        }
        if self.intermission_minutes.is_some_and(|m| m > 240) {
            return Err(Error::validation(
                "intermission_minutes",
                "must be between 0 and 240",
            ));
        }
        if self.min_age.is_some_and(|age| age > 19) {
            return Err(Error::validation(
                "min_age",
                "must be between 0 (전체관람가) and 19 (청소년관람불가)",
            ));
        }
        Ok(())
    }

    /// 관람등급 in the words Korean box offices print.
    pub fn age_rating(&self) -> Option<String> {
        self.min_age.map(|age| match age {
            0 => "전체관람가".to_string(),
            19.. => "청소년관람불가".to_string(),
            age => format!("만 {age}세 이상"),
        })
    }
}

/// At most 40 roles a performance, each role named once (ignoring case, as the key
/// compares) and 1 to 50 characters, each actor 1 to 200 (an artist's name).
fn cast(list: &[CastMember]) -> Result<()> {
    if list.len() > 40 {
        return Err(Error::validation("cast", "at most 40 roles a performance"));
    }
    let mut roles = std::collections::HashSet::new();
    for member in list {
        text("cast.role", &member.role, 1, 50)?;
        text("cast.actor", &member.actor, 1, 200)?;
        if !roles.insert(member.role.trim().to_lowercase()) {
            return Err(Error::validation(
                "cast.role",
                "a role is named once a performance",
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShow {
    pub title: String,
    pub title_en: Option<String>,
    #[serde(default)]
    pub description: String,
    pub category: Category,
    pub venue: VenueInput,
    #[serde(default)]
    pub artists: Vec<String>,
    /// Short names fans search by (레미즈), matched like the title.
    #[serde(default)]
    pub aliases: Vec<String>,
    pub poster_url: Option<String>,
    /// The show's own refund tiers (`DAYS:PERCENT,...`, 0 the performance day); absent
    /// follows the service's policy.
    pub refund_policy: Option<String>,
    pub booking_opens_at: DateTime<Utc>,
    /// 관람시간 in minutes, intermission included.
    pub running_minutes: Option<u16>,
    /// 인터미션 in minutes (0: none).
    pub intermission_minutes: Option<u16>,
    /// 관람등급 as the youngest age admitted (만 나이): 0 전체관람가, 1 to 18 만 N세
    /// 이상, 19 청소년관람불가.
    pub min_age: Option<u8>,
    pub schedules: Vec<NewSchedule>,
}

/// A partial update. Absent fields stay as they are; for `title_en` and `poster_url` an
/// empty string clears the value. Schedules are only ever added here: a schedule with
/// tickets sold cannot simply disappear.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowPatch {
    pub title: Option<String>,
    pub title_en: Option<String>,
    pub description: Option<String>,
    pub category: Option<Category>,
    pub venue: Option<VenueInput>,
    pub artists: Option<Vec<String>>,
    /// The whole list: it replaces the one before.
    pub aliases: Option<Vec<String>>,
    pub poster_url: Option<String>,
    /// The show's own refund tiers; an empty string returns it to the service's policy.
    pub refund_policy: Option<String>,
    pub booking_opens_at: Option<DateTime<Utc>>,
    /// 관람시간 in minutes, intermission included (absent fields stay as they are).
    pub running_minutes: Option<u16>,
    /// 인터미션 in minutes (0: none).
    pub intermission_minutes: Option<u16>,
    /// 관람등급 as the youngest age admitted (만 나이): 0 전체관람가, 1 to 18 만 N세
    /// 이상, 19 청소년관람불가.
    pub min_age: Option<u8>,
    pub add_schedules: Option<Vec<NewSchedule>>,
}

pub use super::limits::{MAX_PRICE, MAX_SEATS_PER_SCHEDULE};

fn text(field: &'static str, value: &str, min: usize, max: usize) -> Result<()> {
    let length = value.trim().chars().count();
    if length < min
        || value.chars().count() > max
        || value.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(Error::validation(
            field,
            format!("must be {min} to {max} characters"),
        ));
    }
    Ok(())
}

/// A show's refund tiers as REFUND_POLICY takes them; empty is allowed where it clears.
fn refund_policy(value: &str) -> Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    RefundPolicy::parse(value)
        .map(|_| ())
        .map_err(|why| Error::validation("refund_policy", format!("DAYS:PERCENT tiers: {why}")))
}

/// The tiers as stored: sorted, spaces gone; None to follow the service's policy.
pub fn stored_refund_policy(value: Option<&str>) -> Option<String> {
    value
        .filter(|text| !text.trim().is_empty())
        .and_then(|text| RefundPolicy::parse(text).ok())
        .map(|policy| policy.to_text())
}

fn poster_url(value: &str) -> Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    text("poster_url", value, 1, 500)?;
    if !(value.starts_with("https://") || value.starts_with("http://")) {
        return Err(Error::validation("poster_url", "must be an http(s) URL"));
    }
    Ok(())
}

fn artists(list: &[String]) -> Result<()> {
    if list.len() > 30 {
        return Err(Error::validation("artists", "at most 30 artists"));
    }
    for name in list {
        text("artists", name, 1, 200)?;
    }
    Ok(())
}

/// At most 20, each 1-100 characters (what `show_aliases.alias` holds) on one line and
/// without commas, no two the same once trimmed: the list is a set and the store keeps
/// it unique.
fn aliases(list: &[String]) -> Result<()> {
    if list.len() > 20 {
        return Err(Error::validation("aliases", "at most 20 aliases"));
    }
    for (i, alias) in list.iter().enumerate() {
        text("aliases", alias, 1, 100)?;
        if alias.contains(['\n', '\u{2028}', '\u{2029}']) {
            return Err(Error::validation("aliases", "must be one line each"));
        }
        // Forms and lists show aliases comma-separated: a comma inside one would split it.
        if alias.contains([',', '，']) {
            return Err(Error::validation("aliases", "must not contain a comma"));
        }
        if list[..i].iter().any(|a| a.trim() == alias.trim()) {
            return Err(Error::validation("aliases", "must be distinct"));
        }
    }
    Ok(())
}

impl VenueInput {
    fn validate(&self) -> Result<()> {
        text("venue.name", &self.name, 1, 200)?;
        text("venue.address", &self.address, 0, 300)
    }
}

impl NewSchedule {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<()> {
        if self.starts_at <= now {
            return Err(Error::validation(
                "schedules.starts_at",
                "must be in the future",
            ));
        }
        if self.grades.is_empty() || self.grades.len() > 10 {
            return Err(Error::validation(
                "schedules.grades",
                "must have 1 to 10 grades",
            ));
        }
        let mut names = std::collections::HashSet::new();
        let mut rows = std::collections::HashSet::new();
        let mut seats: u64 = 0;
        for grade in &self.grades {
            text("grades.name", &grade.name, 1, 20)?;
            // Labels compare as the database compares them (case-insensitively):
            // rows "A" and "a" would be one row to the unique key.
            if !names.insert(grade.name.trim().to_lowercase()) {
                return Err(Error::validation(
                    "grades.name",
                    "grade names must be unique, ignoring case",
                ));
            }
            if !(0..=MAX_PRICE).contains(&grade.price) {
                return Err(Error::validation(
                    "grades.price",
                    format!("must be between 0 and {MAX_PRICE}"),
                ));
            }
            match grade.general_admission {
                Some(places) => general_admission(grade, places)?,
                None => seated(grade, &mut rows)?,
            }
            seats += grade.capacity();
        }
        if seats > MAX_SEATS_PER_SCHEDULE {
            return Err(Error::validation(
                "schedules.grades",
                format!("at most {MAX_SEATS_PER_SCHEDULE} seats per schedule"),
            ));
        }
        cast(&self.cast)?;
        discounts::validate(&self.discounts)
    }
}

/// A seated grade: 1 to 100 rows, each in this grade alone (`rows` holds every label
/// of the schedule so far, lowercased), of 1 to 200 seats.
fn seated(grade: &NewGrade, rows: &mut std::collections::HashSet<String>) -> Result<()> {
    if grade.rows.is_empty() || grade.rows.len() > 100 {
        return Err(Error::validation("grades.rows", "must have 1 to 100 rows"));
    }
    for row in &grade.rows {
        text("grades.rows", row, 1, 8)?;
        if !rows.insert(row.trim().to_lowercase()) {
            return Err(Error::validation(
                "grades.rows",
                "a row belongs to one grade only, and row labels are unique ignoring case",
            ));
        }
    }
    if !(1..=200).contains(&grade.seats_per_row) {
        return Err(Error::validation(
            "grades.seats_per_row",
            "must be between 1 and 200",
        ));
    }
    Ok(())
}

/// A general-admission area: at least one place, and no rows (its places have none).
fn general_admission(grade: &NewGrade, places: u32) -> Result<()> {
    if !grade.rows.is_empty() || grade.seats_per_row != 0 {
        return Err(Error::validation(
            "grades.general_admission",
            "an area sold by count has no rows or seats_per_row",
        ));
    }
    if places == 0 || u64::from(places) > MAX_SEATS_PER_SCHEDULE {
        return Err(Error::validation(
            "grades.general_admission",
            format!("must be between 1 and {MAX_SEATS_PER_SCHEDULE}"),
        ));
    }
    Ok(())
}

fn schedules(list: &[NewSchedule], now: DateTime<Utc>, min: usize) -> Result<()> {
    if list.len() < min || list.len() > 200 {
        return Err(Error::validation(
            "schedules",
            format!("must have {min} to 200 schedules"),
        ));
    }
    list.iter().try_for_each(|schedule| schedule.validate(now))
}

impl NewShow {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<()> {
        text("title", &self.title, 1, 200)?;
        if let Some(title_en) = &self.title_en {
            text("title_en", title_en, 0, 200)?;
        }
        text("description", &self.description, 0, 5_000)?;
        self.venue.validate()?;
        artists(&self.artists)?;
        aliases(&self.aliases)?;
        if let Some(url) = &self.poster_url {
            poster_url(url)?;
        }
        if let Some(policy) = &self.refund_policy {
            refund_policy(policy)?;
        }
        self.facts().validate()?;
        schedules(&self.schedules, now, 1)
    }
}

impl ShowPatch {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<()> {
        if let Some(title) = &self.title {
            text("title", title, 1, 200)?;
        }
        if let Some(title_en) = &self.title_en {
            text("title_en", title_en, 0, 200)?;
        }
        if let Some(description) = &self.description {
            text("description", description, 0, 5_000)?;
        }
        if let Some(venue) = &self.venue {
            venue.validate()?;
        }
        if let Some(list) = &self.artists {
            artists(list)?;
        }
        if let Some(list) = &self.aliases {
            aliases(list)?;
        }
        if let Some(url) = &self.poster_url {
            poster_url(url)?;
        }
        if let Some(policy) = &self.refund_policy {
            refund_policy(policy)?;
        }
        self.facts().validate()?;
        if let Some(list) = &self.add_schedules {
            schedules(list, now, 0)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShowSummary {
    pub id: i64,
    pub title: String,
    pub title_en: Option<String>,
    pub category: String,
    pub venue: String,
    pub poster_url: Option<String>,
    /// The uploaded poster's copies; pages show it before `poster_url`.
    pub poster: Option<Poster>,
    pub booking_opens_at: DateTime<Utc>,
    pub first_starts_at: Option<DateTime<Utc>>,
    pub last_starts_at: Option<DateTime<Utc>>,
    pub like_count: i32,
}

/// By hand, for the one field that is not a column: the poster's addresses, made from
/// the show's id and its `poster_key`.
impl<'r> sqlx::FromRow<'r, MySqlRow> for ShowSummary {
    fn from_row(row: &'r MySqlRow) -> sqlx::Result<Self> {
        let id: i64 = row.try_get("id")?;
        let poster_key: Option<String> = row.try_get("poster_key")?;
        Ok(ShowSummary {
            id,
            title: row.try_get("title")?,
            title_en: row.try_get("title_en")?,
            category: row.try_get("category")?,
            venue: row.try_get("venue")?,
            poster_url: row.try_get("poster_url")?,
            poster: Poster::of(id, poster_key.as_deref()),
            booking_opens_at: row.try_get("booking_opens_at")?,
            first_starts_at: row.try_get("first_starts_at")?,
            last_starts_at: row.try_get("last_starts_at")?,
            like_count: row.try_get("like_count")?,
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShowDetail {
    pub id: i64,
    pub title: String,
    pub title_en: Option<String>,
    pub description: String,
    pub category: String,
    pub venue: Venue,
    pub artists: Vec<String>,
    pub aliases: Vec<String>,
    pub poster_url: Option<String>,
    /// The uploaded poster's copies; pages show it before `poster_url`.
    pub poster: Option<Poster>,
    /// The show's own refund tiers (`DAYS:PERCENT,...`); null follows the service's.
    pub refund_policy: Option<String>,
    pub booking_opens_at: DateTime<Utc>,
    pub like_count: i32,
    pub updated_at: DateTime<Utc>,
    /// 관람시간 in minutes, intermission included.
    pub running_minutes: Option<u16>,
    /// 인터미션 in minutes (0: none).
    pub intermission_minutes: Option<u16>,
    /// 관람등급 as the youngest age admitted (만 나이): 0 전체관람가, 1 to 18 만 N세
    /// 이상, 19 청소년관람불가.
    pub min_age: Option<u8>,
    /// 관람등급 in words (전체관람가, 만 8세 이상, 청소년관람불가); null when not announced.
    pub age_rating: Option<String>,
    pub schedules: Vec<ScheduleDetail>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Venue {
    pub name: String,
    pub address: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleDetail {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    /// 공연 취소: the organizer cancelled this performance; it is not on sale and its
    /// tickets are refunded in full.
    pub cancelled: bool,
    pub grades: Vec<GradeAvailability>,
    /// 할인 권종 besides 일반, in the order buyers see them.
    pub discounts: Vec<DiscountKind>,
    /// 캐스팅: who plays which role at this performance.
    pub cast: Vec<CastMember>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GradeAvailability {
    #[serde(skip)]
    pub schedule_id: i64,
    pub id: i64,
    pub name: String,
    pub price: i64,
    /// Sold by count (스탠딩, 자유석, entry), not by seat: its seats are places.
    pub general_admission: bool,
    pub total_seats: i64,
    pub available_seats: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeatView {
    pub id: i64,
    pub grade: String,
    pub price: i64,
    pub row: String,
    pub number: i32,
    pub status: SeatState,
}

/// A seat is AVAILABLE, HELD by a live hold, or SOLD. Availability as a picture: the
/// hold itself decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SeatState {
    Available,
    Held,
    Sold,
}
text_enum!(SeatState {
    Available => "AVAILABLE",
    Held => "HELD",
    Sold => "SOLD",
});

/// A schedule's seats, and whether it is on sale now (`rules::on_sale`, by the
/// database clock): what the seat map page draws.
#[derive(Debug, Clone)]
pub struct ScheduleSeats {
    pub on_sale: bool,
    /// The seats of seated grades; general-admission places are counted in `areas`.
    pub seats: Vec<SeatView>,
    pub areas: Vec<AreaView>,
}

/// A general-admission grade as a seat map shows it: how many places it has and how
/// many are free now. A hold names the grade and a count (`POST /holds`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AreaView {
    pub grade_id: i64,
    pub grade: String,
    pub price: i64,
    pub places: i64,
    pub available: i64,
}

/// The instant a Korean calendar day starts: the unit people pick dates in. Only for
/// days a `DayRange` accepts; at chrono's extremes the instant does not exist.
fn kst_day_start(day: NaiveDate) -> DateTime<Utc> {
    FixedOffset::east_opt(9 * 3600)
        .expect("valid offset")
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .single()
        .expect("fixed offsets have no gaps")
        .with_timezone(&Utc)
}

/// An inclusive span of Korean calendar days (`from`, `to`, each optional), as the
/// show list and search filter by. Built only by `parse`, which refuses what cannot be
/// represented: a day outside 1970-01-01..=9999-12-31 (MariaDB's DATETIME ends there;
/// the start of the day after 9999-12-31 in Seoul is still inside it), or `from` after
/// `to`. Everything downstream can then turn days
/// into instants without a failure case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRange {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// Why a `DayRange` was refused, for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidDayRange(&'static str);

impl DayRange {
    pub fn first_day() -> NaiveDate {
        NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")
    }

    pub fn last_day() -> NaiveDate {
        NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid date")
    }

    pub fn parse(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> std::result::Result<Self, InvalidDayRange> {
        let in_range = |day: Option<NaiveDate>| {
            day.is_none_or(|day| (Self::first_day()..=Self::last_day()).contains(&day))
        };
        if !in_range(from) || !in_range(to) {
            return Err(InvalidDayRange(
                "dates must be between 1970-01-01 and 9999-12-31",
            ));
        }
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(InvalidDayRange("from must not be after to"));
            }
        }
        Ok(DayRange { from, to })
    }

    pub fn is_unbounded(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    /// The first instant inside the range, if it has a first day.
    pub fn start(&self) -> Option<DateTime<Utc>> {
        self.from.map(kst_day_start)
    }

    /// The first instant after the range (the next day's start), if it has a last day.
    pub fn end(&self) -> Option<DateTime<Utc>> {
        self.to
            .map(|to| kst_day_start(to.succ_opt().expect("parse keeps a day after `to`")))
    }
}

/// Filters of the public show list.
#[derive(Debug, Clone, Default)]
pub struct ShowFilter {
    pub category: Option<Category>,
    pub days: DayRange,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(hours_ahead: i64) -> NewSchedule {
        NewSchedule {
            starts_at: Utc::now() + chrono::Duration::hours(hours_ahead),
            grades: vec![NewGrade {
                name: "R".into(),
                price: 100_000,
                rows: vec!["A".into(), "B".into()],
                seats_per_row: 10,
                general_admission: None,
            }],
            discounts: vec![],
            cast: vec![],
        }
    }

    #[test]
    fn a_schedule_in_the_past_is_rejected() {
        assert!(schedule(-1).validate(Utc::now()).is_err());
        assert!(schedule(1).validate(Utc::now()).is_ok());
    }

    #[test]
    fn seat_maps_are_bounded() {
        let mut at_cap = schedule(1);
        at_cap.grades[0].rows = (0..100).map(|i| format!("R{i}")).collect();
        at_cap.grades[0].seats_per_row = 200;
        assert!(at_cap.validate(Utc::now()).is_ok(), "exactly 20,000 seats");
        let mut over = at_cap.clone();
        over.grades.push(NewGrade {
            name: "S".into(),
            price: 1,
            rows: vec!["Z".into()],
            seats_per_row: 1,
            general_admission: None,
        });
        assert!(over.validate(Utc::now()).is_err(), "20,001 seats");
        let mut standing_over = at_cap.clone();
        standing_over.grades.push(NewGrade {
            name: "스탠딩".into(),
            price: 1,
            rows: vec![],
            seats_per_row: 0,
            general_admission: Some(1),
        });
        assert!(
            standing_over.validate(Utc::now()).is_err(),
            "a place counts as a seat"
        );
        let mut shared_row = schedule(1);
        let mut second = shared_row.grades[0].clone();
        second.name = "S".into();
        shared_row.grades.push(second);
        assert!(
            shared_row.validate(Utc::now()).is_err(),
            "row A in two grades"
        );
        let mut negative = schedule(1);
        negative.grades[0].price = -1;
        assert!(negative.validate(Utc::now()).is_err());
    }

    #[test]
    fn day_ranges_refuse_what_cannot_be_represented() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        for (from, to) in [
            (Some(NaiveDate::MIN), None),
            (None, Some(NaiveDate::MAX)),
            (day(1969, 12, 31), None),
            (None, day(10_000, 1, 1)),
            (day(2026, 12, 2), day(2026, 12, 1)),
        ] {
            assert!(DayRange::parse(from, to).is_err(), "{from:?}..{to:?}");
        }
        let widest = DayRange::parse(day(1970, 1, 1), day(9999, 12, 31)).unwrap();
        assert_eq!(
            widest.start().unwrap().to_rfc3339(),
            "1969-12-31T15:00:00+00:00"
        );
        assert_eq!(
            widest.end().unwrap().to_rfc3339(),
            "9999-12-31T15:00:00+00:00"
        );
        let one_day = DayRange::parse(day(2026, 12, 1), day(2026, 12, 1)).unwrap();
        assert_eq!(
            one_day.end().unwrap() - one_day.start().unwrap(),
            chrono::Duration::days(1)
        );
        assert!(DayRange::parse(None, None).unwrap().is_unbounded());
    }
}
