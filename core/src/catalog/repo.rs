//! SQL for the catalog.

use chrono::{DateTime, Utc};
use sqlx::{MySqlConnection, MySqlPool};

use super::discounts;
use super::model::*;
use crate::db::{column, retry_on_lock_conflict, Statement};
use crate::error::{is_unique_violation, Error, Result};
use crate::posters::Poster;
use crate::rules;

/// Creates a show with its venue, artists and schedules in one transaction. Catalog
/// writes run concurrently (shows sharing a new venue or artist included): the
/// find-or-create steps tolerate each other, and a deadlock reruns the whole write.
pub async fn create_show(pool: &MySqlPool, show: &NewShow) -> Result<i64> {
    retry_on_lock_conflict(|| try_create_show(pool, show)).await
}

async fn try_create_show(pool: &MySqlPool, show: &NewShow) -> Result<i64> {
    let mut tx = pool.begin().await?;
    let venue_id = venue_id(&mut tx, &show.venue).await?;
    let inserted = sqlx::query!(
        "insert into shows (title, title_en, description, category, venue_id, poster_url,
                            refund_policy, booking_opens_at, running_minutes,
                            intermission_minutes, min_age)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        show.title.trim(),
        non_empty(show.title_en.as_deref()),
        show.description,
        show.category.as_db(),
        venue_id,
        non_empty(show.poster_url.as_deref()),
        stored_refund_policy(show.refund_policy.as_deref()),
        show.booking_opens_at,
        show.running_minutes,
        show.intermission_minutes,
        show.min_age
    )
    .execute(&mut *tx)
    .await?;
    let show_id = inserted.last_insert_id() as i64;
    replace_artists(&mut tx, show_id, &show.artists).await?;
    replace_aliases(&mut tx, show_id, &show.aliases).await?;
    for schedule in &show.schedules {
        insert_schedule(&mut tx, show_id, schedule).await?;
    }
    tx.commit().await?;
    Ok(show_id)
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Finds the venue by name, creating it when new. The address is only written when
/// given and different, so unchanged venues do not bump every show held there.
async fn venue_id(conn: &mut MySqlConnection, venue: &VenueInput) -> Result<i64> {
    let name = venue.name.trim();
    let address = venue.address.trim();
    let (id, current) = match find_venue(conn, name).await? {
        Some(found) => found,
        None => match sqlx::query!(
            "insert into venues (name, address) values (?, ?)",
            name,
            address
        )
        .execute(&mut *conn)
        .await
        {
            Ok(result) => return Ok(result.last_insert_id() as i64),
            // Another show named this new venue at the same moment and committed first:
            // its row is the venue (READ COMMITTED sees it now).
            Err(err) if is_unique_violation(&err) => find_venue(conn, name)
                .await?
                .ok_or_else(|| Error::internal("venue vanished after a unique violation"))?,
            Err(err) => return Err(err.into()),
        },
    };
    if !address.is_empty() && address != current {
        sqlx::query!("update venues set address = ? where id = ?", address, id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

async fn find_venue(conn: &mut MySqlConnection, name: &str) -> Result<Option<(i64, String)>> {
    let found = sqlx::query!("select id, address from venues where name = ?", name)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.map(|venue| (venue.id, venue.address)))
}

/// Finds or creates an artist. Two shows naming a new artist at once may both try to
/// insert; the loser of the unique key reads the winner's row.
async fn artist_id(conn: &mut MySqlConnection, name: &str) -> Result<i64> {
    if let Some(id) = find_artist(conn, name).await? {
        return Ok(id);
    }
    match sqlx::query!("insert into artists (name) values (?)", name)
        .execute(&mut *conn)
        .await
    {
        Ok(result) => Ok(result.last_insert_id() as i64),
        Err(err) if is_unique_violation(&err) => find_artist(conn, name)
            .await?
            .ok_or_else(|| Error::internal("artist vanished after a unique violation")),
        Err(err) => Err(err.into()),
    }
}

async fn find_artist(conn: &mut MySqlConnection, name: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar!("select id from artists where name = ?", name)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

async fn replace_aliases(
    conn: &mut MySqlConnection,
    show_id: i64,
    aliases: &[String],
) -> Result<()> {
    sqlx::query!("delete from show_aliases where show_id = ?", show_id)
        .execute(&mut *conn)
        .await?;
    for (position, alias) in aliases.iter().enumerate() {
        sqlx::query!(
            "insert into show_aliases (show_id, position, alias) values (?, ?, ?)",
            show_id,
            position as i32,
            alias.trim()
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn replace_artists(conn: &mut MySqlConnection, show_id: i64, names: &[String]) -> Result<()> {
    sqlx::query!("delete from show_artists where show_id = ?", show_id)
        .execute(&mut *conn)
        .await?;
    // New artists are created in one order (case-folded name) whatever order the show
    // lists them in, so two shows naming the same new artists wait for each other on
    // the unique key instead of deadlocking.
    let mut by_name: Vec<&str> = names.iter().map(|name| name.trim()).collect();
    by_name.sort_by_cached_key(|name| name.to_lowercase());
    by_name.dedup();
    let mut ids = std::collections::HashMap::new();
    for name in by_name {
        ids.insert(name, artist_id(conn, name).await?);
    }
    let mut seen = std::collections::HashSet::new();
    for (position, name) in names.iter().enumerate() {
        let id = ids[name.trim()];
        if seen.insert(id) {
            sqlx::query!(
                "insert into show_artists (show_id, artist_id, position) values (?, ?, ?)",
                show_id,
                id,
                position as i32
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

async fn insert_schedule(
    conn: &mut MySqlConnection,
    show_id: i64,
    schedule: &NewSchedule,
) -> Result<i64> {
    let schedule_id = sqlx::query!(
        "insert into schedules (show_id, starts_at) values (?, ?)",
        show_id,
        schedule.starts_at
    )
    .execute(&mut *conn)
    .await?
    .last_insert_id() as i64;
    discounts::insert(conn, schedule_id, &schedule.discounts).await?;
    insert_cast(conn, schedule_id, &schedule.cast).await?;
    // Validation refuses labels equal but for case; the collation also equates some
    // others (full-width "Ａ" and "A"), which only the unique keys see: those are
    // refused as the same validation errors, not 500s.
    // General-admission places have no row ('') and are numbered through the
    // schedule's areas, so they never meet a seat (whose row is never empty) or each
    // other on the position key.
    let mut places = 0u32;
    for grade in &schedule.grades {
        let grade_id = sqlx::query!(
            "insert into seat_grades (schedule_id, name, price, general_admission)
             values (?, ?, ?, ?)",
            schedule_id,
            grade.name.trim(),
            grade.price,
            grade.general_admission.is_some()
        )
        .execute(&mut *conn)
        .await
        .map_err(|err| {
            label_clash(
                err,
                "grades.name",
                "grade names must be unique, ignoring case",
            )
        })?
        .last_insert_id() as i64;
        let seats: Vec<(&str, u32)> = match grade.general_admission {
            Some(count) => {
                let first = places + 1;
                places += count;
                (first..=places).map(|number| ("", number)).collect()
            }
            None => grade
                .rows
                .iter()
                .flat_map(|row| (1..=grade.seats_per_row).map(move |number| (row.trim(), number)))
                .collect(),
        };
        // Multi-row inserts in chunks keep a 20,000-seat hall to a few round trips.
        for chunk in seats.chunks(1_000) {
            let mut insert = Statement::new(
                "insert into seats (schedule_id, grade_id, row_label, seat_number) values ",
            );
            for (i, (label, number)) in chunk.iter().enumerate() {
                insert
                    .push(if i == 0 { "(" } else { ", (" })
                    .bind(schedule_id)
                    .push(", ")
                    .bind(grade_id)
                    .push(", ")
                    .bind(*label)
                    .push(", ")
                    .bind(*number)
                    .push(")");
            }
            insert.query().execute(&mut *conn).await.map_err(|err| {
                label_clash(
                    err,
                    "grades.rows",
                    "row labels must be unique, ignoring case",
                )
            })?;
        }
    }
    Ok(schedule_id)
}

/// The performance's cast, in the order given. Actors are artists, found or created in
/// one order (case-folded name) for the reason `replace_artists` gives.
async fn insert_cast(
    conn: &mut MySqlConnection,
    schedule_id: i64,
    cast: &[CastMember],
) -> Result<()> {
    let mut by_name: Vec<&str> = cast.iter().map(|member| member.actor.trim()).collect();
    by_name.sort_by_cached_key(|name| name.to_lowercase());
    by_name.dedup();
    let mut ids = std::collections::HashMap::new();
    for name in by_name {
        ids.insert(name, artist_id(conn, name).await?);
    }
    for (position, member) in cast.iter().enumerate() {
        sqlx::query!(
            "insert into performance_cast (schedule_id, role, position, artist_id)
             values (?, ?, ?, ?)",
            schedule_id,
            member.role.trim(),
            position as i32,
            ids[member.actor.trim()]
        )
        .execute(&mut *conn)
        .await
        // Roles equal to the collation but not to validation (full-width letters).
        .map_err(|err| label_clash(err, "cast.role", "a role is named once a performance"))?;
    }
    Ok(())
}

fn label_clash(err: sqlx::Error, field: &'static str, message: &str) -> Error {
    if is_unique_violation(&err) {
        Error::validation(field, message)
    } else {
        err.into()
    }
}

/// Applies a patch; false when the show does not exist (or was deleted).
pub async fn update_show(pool: &MySqlPool, show_id: i64, patch: &ShowPatch) -> Result<bool> {
    retry_on_lock_conflict(|| try_update_show(pool, show_id, patch)).await
}

async fn try_update_show(pool: &MySqlPool, show_id: i64, patch: &ShowPatch) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let exists = sqlx::query_scalar!(
        "select id from shows where id = ? and deleted_at is null for update",
        show_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if exists.is_none() {
        return Ok(false);
    }
    let venue_id = match &patch.venue {
        Some(venue) => Some(venue_id(&mut tx, venue).await?),
        None => None,
    };
    // `coalesce(?, column)` keeps a column when its field is absent; for the optional
    // text columns an empty string (mapped to '' here) clears the value.
    sqlx::query!(
        "update shows set
            title = coalesce(?, title),
            title_en = if(? is null, title_en, nullif(?, '')),
            description = coalesce(?, description),
            category = coalesce(?, category),
            venue_id = coalesce(?, venue_id),
            poster_url = if(? is null, poster_url, nullif(?, '')),
            refund_policy = if(? is null, refund_policy, ?),
            booking_opens_at = coalesce(?, booking_opens_at),
            running_minutes = coalesce(?, running_minutes),
            intermission_minutes = coalesce(?, intermission_minutes),
            min_age = coalesce(?, min_age)
         where id = ?",
        patch.title.as_deref().map(str::trim),
        patch.title_en.as_deref(),
        patch.title_en.as_deref().map(str::trim),
        patch.description.as_deref(),
        patch.category.map(Category::as_db),
        venue_id,
        patch.poster_url.as_deref(),
        patch.poster_url.as_deref().map(str::trim),
        patch.refund_policy.as_deref(),
        stored_refund_policy(patch.refund_policy.as_deref()),
        patch.booking_opens_at,
        patch.running_minutes,
        patch.intermission_minutes,
        patch.min_age,
        show_id
    )
    .execute(&mut *tx)
    .await?;
    if let Some(names) = &patch.artists {
        replace_artists(&mut tx, show_id, names).await?;
    }
    if let Some(aliases) = &patch.aliases {
        replace_aliases(&mut tx, show_id, aliases).await?;
    }
    for schedule in patch.add_schedules.iter().flatten() {
        insert_schedule(&mut tx, show_id, schedule).await?;
    }
    tx.commit().await?;
    Ok(true)
}

pub async fn soft_delete_show(pool: &MySqlPool, show_id: i64) -> Result<bool> {
    let result = sqlx::query!(
        "update shows set deleted_at = current_timestamp(6) where id = ? and deleted_at is null",
        show_id
    )
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A page of summaries costs the page, not the catalog: shows are read first, in the
/// list's order (`straight_join`: driven from venues, MariaDB read every show and
/// sorted them), and each show's first and last performance come from its own
/// `ix_schedules_show` entries, not from a grouping of every schedule.
const SUMMARY_SELECT: &str =
    "select s.id, s.title, s.title_en, s.category, v.name as venue, s.poster_url,
        cast(s.poster_key as char) as poster_key, s.booking_opens_at,
        (select min(x.starts_at) from schedules x where x.show_id = s.id) as first_starts_at,
        (select max(x.starts_at) from schedules x where x.show_id = s.id) as last_starts_at,
        s.like_count
    from shows s
    straight_join venues v on v.id = s.venue_id";

/// Newest shows first, with the total matching count for pagination.
pub async fn list_shows(
    pool: &MySqlPool,
    filter: &ShowFilter,
    limit: u32,
    offset: u32,
) -> Result<(Vec<ShowSummary>, i64)> {
    let build = |select: &str| {
        let mut query = Statement::new(select);
        query.push(" where s.deleted_at is null");
        if let Some(category) = filter.category {
            query.push(" and s.category = ").bind(category.as_db());
        }
        if !filter.days.is_unbounded() {
            query.push(" and exists (select 1 from schedules x where x.show_id = s.id");
            if let Some(start) = filter.days.start() {
                query.push(" and x.starts_at >= ").bind(start);
            }
            if let Some(end) = filter.days.end() {
                query.push(" and x.starts_at < ").bind(end);
            }
            query.push(")");
        }
        query
    };
    let total: i64 = build("select count(*) from shows s")
        .query_scalar()
        .fetch_one(pool)
        .await?;
    let mut page = build(SUMMARY_SELECT);
    page.push(" order by s.id desc limit ")
        .bind(limit)
        .push(" offset ")
        .bind(offset);
    let shows = page.query_as().fetch_all(pool).await?;
    Ok((shows, total))
}

/// Shows whose booking is open and that still have a performance ahead (one its
/// organizer has not cancelled), newest first: the home page's "on sale now". "A performance ahead" is the show's last one, from
/// its own `ix_schedules_show` entries, checked while walking shows newest first: as
/// an `exists`, MariaDB could plan it as a materialised list of every show with a
/// future performance (30-95 ms at 100,000 shows against about 1 ms).
pub async fn on_sale_now(
    pool: &MySqlPool,
    category: Option<Category>,
    limit: u32,
) -> Result<Vec<ShowSummary>> {
    let mut query = Statement::new(SUMMARY_SELECT);
    query.push(
        " where s.deleted_at is null and s.booking_opens_at <= current_timestamp(6)
          and (select max(x.starts_at) from schedules x
               where x.show_id = s.id and x.cancelled_at is null) > current_timestamp(6)",
    );
    if let Some(category) = category {
        query.push(" and s.category = ").bind(category.as_db());
    }
    query.push(" order by s.id desc limit ").bind(limit);
    Ok(query.query_as().fetch_all(pool).await?)
}

/// Shows whose booking opens later, soonest first (`ix_shows_opens`).
pub async fn opening_soon(
    pool: &MySqlPool,
    category: Option<Category>,
    limit: u32,
) -> Result<Vec<ShowSummary>> {
    let mut query = Statement::new(SUMMARY_SELECT);
    query.push(" where s.deleted_at is null and s.booking_opens_at > current_timestamp(6)");
    if let Some(category) = category {
        query.push(" and s.category = ").bind(category.as_db());
    }
    query
        .push(" order by s.booking_opens_at, s.id limit ")
        .bind(limit);
    Ok(query.query_as().fetch_all(pool).await?)
}

pub async fn liked_shows(
    pool: &MySqlPool,
    user_id: i64,
    limit: u32,
    offset: u32,
) -> Result<(Vec<ShowSummary>, i64)> {
    let total = sqlx::query_scalar!(
        "select count(*) from likes l join shows s on s.id = l.show_id
         where l.user_id = ? and s.deleted_at is null",
        user_id
    )
    .fetch_one(pool)
    .await?;
    // Summaries share one column list with the filtered lists above, so this one is
    // built the same way rather than written out again.
    let mut page = Statement::new(SUMMARY_SELECT);
    page.push(" join likes l on l.show_id = s.id and l.user_id = ")
        .bind(user_id)
        .push(" where s.deleted_at is null order by l.created_at desc, s.id desc limit ")
        .bind(limit)
        .push(" offset ")
        .bind(offset);
    let shows = page.query_as().fetch_all(pool).await?;
    Ok((shows, total))
}

struct ShowRow {
    id: i64,
    title: String,
    title_en: Option<String>,
    description: String,
    category: String,
    venue_name: String,
    venue_address: String,
    poster_url: Option<String>,
    poster_key: Option<String>,
    refund_policy: Option<String>,
    booking_opens_at: DateTime<Utc>,
    like_count: i32,
    updated_at: DateTime<Utc>,
    running_minutes: Option<i16>,
    intermission_minutes: Option<i16>,
    min_age: Option<i8>,
}

pub async fn show_detail(pool: &MySqlPool, show_id: i64) -> Result<Option<ShowDetail>> {
    let row = sqlx::query_as!(
        ShowRow,
        r#"select s.id, s.title, s.title_en, s.description, s.category, v.name as venue_name,
                  v.address as venue_address, s.poster_url,
                  cast(s.poster_key as char) as poster_key,
                  cast(s.refund_policy as char) as refund_policy,
                  s.booking_opens_at as "booking_opens_at: _", s.like_count,
                  s.updated_at as "updated_at: _", s.running_minutes, s.intermission_minutes,
                  s.min_age
           from shows s join venues v on v.id = s.venue_id
           where s.id = ? and s.deleted_at is null"#,
        show_id
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let artists = sqlx::query_scalar!(
        "select a.name from show_artists sa join artists a on a.id = sa.artist_id
         where sa.show_id = ? order by sa.position",
        show_id
    )
    .fetch_all(pool)
    .await?;
    let aliases = sqlx::query_scalar!(
        r#"select cast(alias as char) as "alias!" from show_aliases
           where show_id = ? order by position"#,
        show_id
    )
    .fetch_all(pool)
    .await?;
    let schedules = sqlx::query!(
        r#"select id, starts_at as "starts_at: DateTime<Utc>",
                  cancelled_at is not null as "cancelled!: bool"
           from schedules where show_id = ? order by starts_at, id"#,
        show_id
    )
    .fetch_all(pool)
    .await?;
    // Availability counts a seat free when it is unsold and its hold (if any) has
    // expired: the same condition a hold uses, so the numbers never promise a seat
    // that a hold would refuse. The join order is fixed (this show's schedules, their
    // grades, each grade's seats by `grade_id`): left to itself MariaDB sometimes
    // planned it as a scan of every seat in the catalog, so a page cost more as the
    // catalog grew.
    let grades = sqlx::query_as!(
        GradeAvailability,
        r#"select g.schedule_id, g.id, g.name, g.price,
                  g.general_admission as "general_admission: bool", count(*) as total_seats,
                  cast(coalesce(sum(not st.is_sold
                      and (st.hold_expires_at is null or st.hold_expires_at <= current_timestamp(6))), 0) as signed)
                      as "available_seats!"
           from schedules sc
           straight_join seat_grades g on g.schedule_id = sc.id
           straight_join seats st on st.grade_id = g.id
           where sc.show_id = ?
           group by g.schedule_id, g.id, g.name, g.price, g.general_admission
           order by g.schedule_id, g.price desc, g.id"#,
        show_id
    )
    .fetch_all(pool)
    .await?;
    let schedule_ids: Vec<i64> = schedules.iter().map(|schedule| schedule.id).collect();
    let kinds = discounts::for_schedules(pool, &schedule_ids).await?;
    let casts = sqlx::query!(
        "select pc.schedule_id, pc.role, a.name as actor
         from schedules sc
         straight_join performance_cast pc on pc.schedule_id = sc.id
         straight_join artists a on a.id = pc.artist_id
         where sc.show_id = ?
         order by pc.schedule_id, pc.position",
        show_id
    )
    .fetch_all(pool)
    .await?;
    let schedules = schedules
        .into_iter()
        .map(|schedule| ScheduleDetail {
            id: schedule.id,
            starts_at: schedule.starts_at,
            cancelled: schedule.cancelled,
            // A cancelled performance sells nothing, whatever its seats say.
            grades: grades
                .iter()
                .filter(|g| g.schedule_id == schedule.id)
                .map(|g| GradeAvailability {
                    available_seats: if schedule.cancelled {
                        0
                    } else {
                        g.available_seats
                    },
                    ..g.clone()
                })
                .collect(),
            discounts: kinds
                .iter()
                .filter(|(schedule_id, _)| *schedule_id == schedule.id)
                .map(|(_, kind)| kind.clone())
                .collect(),
            cast: casts
                .iter()
                .filter(|member| member.schedule_id == schedule.id)
                .map(|member| CastMember {
                    role: member.role.clone(),
                    actor: member.actor.clone(),
                })
                .collect(),
        })
        .collect();
    // The columns' checks keep them in range; a value outside (impossible) reads as not
    // announced rather than failing the page.
    let facts = ShowFacts {
        running_minutes: row.running_minutes.and_then(|m| u16::try_from(m).ok()),
        intermission_minutes: row.intermission_minutes.and_then(|m| u16::try_from(m).ok()),
        min_age: row.min_age.and_then(|age| u8::try_from(age).ok()),
    };
    Ok(Some(ShowDetail {
        running_minutes: facts.running_minutes,
        intermission_minutes: facts.intermission_minutes,
        min_age: facts.min_age,
        age_rating: facts.age_rating(),
        id: row.id,
        title: row.title,
        title_en: row.title_en,
        description: row.description,
        category: row.category,
        venue: Venue {
            name: row.venue_name,
            address: row.venue_address,
        },
        artists,
        aliases,
        poster_url: row.poster_url,
        poster: Poster::of(row.id, row.poster_key.as_deref()),
        refund_policy: row.refund_policy,
        booking_opens_at: row.booking_opens_at,
        like_count: row.like_count,
        updated_at: row.updated_at,
        schedules,
    }))
}

/// The seat map of one schedule of a visible show, and whether it is on sale now by
/// the rule a hold is taken under; `None` when either is unknown.
pub async fn seats(
    pool: &MySqlPool,
    show_id: i64,
    schedule_id: i64,
) -> Result<Option<ScheduleSeats>> {
    let mut found = Statement::new("select ");
    rules::on_sale(&mut found, column("sc.id"))
        .push(" from schedules sc join shows s on s.id = sc.show_id where sc.id = ")
        .bind(schedule_id)
        .push(" and s.id = ")
        .bind(show_id)
        .push(" and s.deleted_at is null");
    let Some(on_sale) = found.query_scalar().fetch_optional(pool).await? else {
        return Ok(None);
    };
    let seats = sqlx::query_as!(
        SeatView,
        r#"select st.id, g.name as grade, g.price, st.row_label as `row`, st.seat_number as number,
                  case when st.is_sold then 'SOLD'
                       when st.hold_expires_at > current_timestamp(6) then 'HELD'
                       else 'AVAILABLE' end as "status!: SeatState"
           from seats st join seat_grades g on g.id = st.grade_id
           where st.schedule_id = ? and not g.general_admission
           order by st.id"#,
        schedule_id
    )
    .fetch_all(pool)
    .await?;
    // Free by the condition a hold takes a place under, as for seats.
    let areas = sqlx::query_as!(
        AreaView,
        r#"select g.id as grade_id, g.name as grade, g.price, count(*) as places,
                  cast(coalesce(sum(not st.is_sold
                      and (st.hold_expires_at is null or st.hold_expires_at <= current_timestamp(6))), 0) as signed)
                      as "available!"
           from seat_grades g straight_join seats st on st.grade_id = g.id
           where g.schedule_id = ? and g.general_admission
           group by g.id, g.name, g.price
           order by g.price desc, g.id"#,
        schedule_id
    )
    .fetch_all(pool)
    .await?;
    Ok(Some(ScheduleSeats {
        on_sale,
        seats,
        areas,
    }))
}

pub async fn show_exists(pool: &MySqlPool, show_id: i64) -> Result<()> {
    let found = sqlx::query_scalar!(
        "select id from shows where id = ? and deleted_at is null",
        show_id
    )
    .fetch_optional(pool)
    .await?;
    found.map(|_| ()).ok_or(Error::NotFound("show"))
}
