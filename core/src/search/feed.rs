//! The search's change feed: what the indexer reads from the catalog. Shows changed
//! after a point in `(updated_at, id)` order, and all visible shows in id order for a
//! rebuild, each joined with what a search document needs.
//!
//! Pages are keyset pages on `ix_shows_updated (updated_at, id)`; the artist and
//! alias and schedule lists of a page are read in one query each, not per show.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::MySqlPool;

use crate::db::Statement;
use crate::error::Result;
use crate::search::schema::ShowDocument;

/// A position in the change feed: everything up to and including it was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct FeedPosition {
    pub updated_at: DateTime<Utc>,
    pub id: i64,
}

/// One changed show: its document, or only its id when it is deleted.
#[derive(Debug, Clone)]
pub struct Change {
    pub position: FeedPosition,
    /// `None` when the show is soft-deleted and must leave the index.
    pub document: Option<ShowDocument>,
}

struct ShowRow {
    id: i64,
    title: String,
    title_en: Option<String>,
    category: String,
    venue: String,
    poster_url: Option<String>,
    poster_key: Option<String>,
    booking_opens_at: DateTime<Utc>,
    like_count: i32,
    updated_at: DateTime<Utc>,
    deleted: bool,
}

/// Shows with what a search document needs of their own row, by the rest of the
/// statement (its condition, order and limit), whose values follow it.
///
/// `straight_join` keeps shows the driving table, read in page order along the page's
/// index. Left to itself, MariaDB judged a freshly loaded catalog's statistics to
/// favour reading the small venues table first and sorting every show after the page
/// start (`Using temporary; Using filesort`) for each page: a 100,000-show rebuild then
/// spent 17 of its 20 s in these reads, and each page cost more than the one before.
macro_rules! select_shows {
    ($rest:literal $(, $value:expr)* $(,)?) => {
        sqlx::query_as!(
            ShowRow,
            r#"select s.id, s.title, s.title_en, cast(s.category as char) as "category!",
                      v.name as venue, s.poster_url, cast(s.poster_key as char) as poster_key,
                      s.booking_opens_at as "booking_opens_at: _",
                      s.like_count, s.updated_at as "updated_at: _",
                      s.deleted_at is not null as "deleted!: bool"
               from shows s straight_join venues v on v.id = s.venue_id "# + $rest
            $(, $value)*
        )
    };
}

/// Up to `limit` shows whose `(updated_at, id)` comes after `after`, oldest first,
/// deleted ones included (as deletions).
pub async fn changed_after(
    pool: &MySqlPool,
    after: FeedPosition,
    limit: u32,
) -> Result<Vec<Change>> {
    // The OR form keeps MariaDB on a range scan of (updated_at, id); a row-constructor
    // comparison may not.
    let rows = select_shows!(
        "where s.updated_at > ? or (s.updated_at = ? and s.id > ?)
         order by s.updated_at, s.id
         limit ?",
        after.updated_at,
        after.updated_at,
        after.id,
        limit
    )
    .fetch_all(pool)
    .await?;
    with_details(pool, rows).await
}

/// Up to `limit` visible shows with an id above `after_id`, in id order: a rebuild's
/// pages.
pub async fn visible_after(pool: &MySqlPool, after_id: i64, limit: u32) -> Result<Vec<Change>> {
    let rows = select_shows!(
        "where s.id > ? and s.deleted_at is null order by s.id limit ?",
        after_id,
        limit
    )
    .fetch_all(pool)
    .await?;
    with_details(pool, rows).await
}

/// How many visible shows there are: a rebuild's progress total.
pub async fn visible_count(pool: &MySqlPool) -> Result<u64> {
    let count = sqlx::query_scalar!("select count(*) from shows where deleted_at is null")
        .fetch_one(pool)
        .await?;
    Ok(count as u64)
}

/// A rebuild's starting point in the change feed: the database clock, or on a read
/// replica (`read_only`) the newest heartbeat it has applied (`core::read_replicas`).
/// A replica's own clock runs ahead of what it has applied by its lag, and a rebuild
/// starting from it would skip whatever the primary committed in that gap; the beat is
/// the primary's clock at a commit the replica has already applied.
pub async fn database_now(pool: &MySqlPool) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar!(
        r#"select if(@@read_only,
                     least(current_timestamp(6), coalesce(
                         (select beat from replication_heartbeat where id = 1),
                         current_timestamp(6))),
                     current_timestamp(6)) as "now!: DateTime<Utc>""#
    )
    .fetch_one(pool)
    .await?)
}

async fn with_details(pool: &MySqlPool, rows: Vec<ShowRow>) -> Result<Vec<Change>> {
    let live: Vec<i64> = rows.iter().filter(|r| !r.deleted).map(|r| r.id).collect();
    let mut artists: HashMap<i64, Vec<String>> = HashMap::new();
    let mut aliases: HashMap<i64, Vec<String>> = HashMap::new();
    let mut starts: HashMap<i64, Vec<DateTime<Utc>>> = HashMap::new();
    if !live.is_empty() {
        let mut query = Statement::new(
            "select show_id, cast(alias as char) from show_aliases where show_id in (",
        );
        query.bind_list(&live).push(") order by show_id, position");
        for (show_id, alias) in query.query_as::<(i64, String)>().fetch_all(pool).await? {
            aliases.entry(show_id).or_default().push(alias);
        }

        let mut query = Statement::new(
            "select sa.show_id, a.name from show_artists sa join artists a on a.id = sa.artist_id
             where sa.show_id in (",
        );
        query
            .bind_list(&live)
            .push(") order by sa.show_id, sa.position");
        for (show_id, name) in query.query_as::<(i64, String)>().fetch_all(pool).await? {
            artists.entry(show_id).or_default().push(name);
        }

        // The actors of every performance's cast after the show's own artists, each
        // once: a fan searching for an actor finds the shows they play in.
        let mut query = Statement::new(
            "select distinct sc.show_id, a.name
             from schedules sc
             straight_join performance_cast pc on pc.schedule_id = sc.id
             straight_join artists a on a.id = pc.artist_id
             where sc.show_id in (",
        );
        query.bind_list(&live).push(") order by sc.show_id, a.name");
        for (show_id, name) in query.query_as::<(i64, String)>().fetch_all(pool).await? {
            let listed = artists.entry(show_id).or_default();
            if !listed.contains(&name) {
                listed.push(name);
            }
        }

        let mut query =
            Statement::new("select show_id, starts_at from schedules where show_id in (");
        query.bind_list(&live).push(") order by show_id, starts_at");
        for (show_id, starts_at) in query
            .query_as::<(i64, DateTime<Utc>)>()
            .fetch_all(pool)
            .await?
        {
            starts.entry(show_id).or_default().push(starts_at);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| Change {
            position: FeedPosition {
                updated_at: row.updated_at,
                id: row.id,
            },
            document: (!row.deleted).then(|| ShowDocument {
                id: row.id,
                artists: artists.remove(&row.id).unwrap_or_default(),
                aliases: aliases.remove(&row.id).unwrap_or_default(),
                starts_at: starts.remove(&row.id).unwrap_or_default(),
                title: row.title,
                title_en: row.title_en,
                venue: row.venue,
                category: row.category,
                poster_url: row.poster_url,
                poster_key: row.poster_key,
                booking_opens_at: row.booking_opens_at,
                like_count: i64::from(row.like_count),
                updated_at: row.updated_at,
            }),
        })
        .collect())
}
