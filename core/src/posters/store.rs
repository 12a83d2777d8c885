//! The posters' rows: the kept original, its copies, and the show's key.

use sqlx::{MySqlConnection, MySqlPool};

use super::check::Format;
use super::renditions::Rendition;
use crate::error::Result;

/// What `save` records of one upload.
pub struct NewPoster<'a> {
    pub show_id: i64,
    pub key: &'a str,
    pub original: &'a [u8],
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// None for a poster Marquee drew (the demo's).
    pub uploaded_by: Option<i64>,
    pub renditions: &'a [Rendition],
}

/// Replaces the show's poster: the original, every copy and the key, in one
/// transaction (a page never names a key whose copies are not all there). The show's
/// row is locked first, so two uploads for one show apply one after the other.
/// False when the show does not exist or was deleted.
pub async fn save(pool: &MySqlPool, poster: NewPoster<'_>) -> Result<bool> {
    let mut tx = pool.begin().await?;
    if !lock_show(&mut tx, poster.show_id).await? {
        return Ok(false);
    }
    sqlx::query!(
        "insert into posters (show_id, original, format, width, height, uploaded_by)
         values (?, ?, ?, ?, ?, ?)
         on duplicate key update original = values(original), format = values(format),
             width = values(width), height = values(height),
             uploaded_by = values(uploaded_by), uploaded_at = current_timestamp(6)",
        poster.show_id,
        poster.original,
        poster.format.as_db(),
        poster.width,
        poster.height,
        poster.uploaded_by
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "delete from poster_renditions where show_id = ?",
        poster.show_id
    )
    .execute(&mut *tx)
    .await?;
    for copy in poster.renditions {
        sqlx::query!(
            "insert into poster_renditions (show_id, width, height, jpeg) values (?, ?, ?, ?)",
            poster.show_id,
            copy.width,
            copy.pixel_height,
            copy.jpeg
        )
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query!(
        "update shows set poster_key = ? where id = ?",
        poster.key,
        poster.show_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Takes the show's poster down; false when it had none (or the show is gone).
pub async fn remove(pool: &MySqlPool, show_id: i64) -> Result<bool> {
    let mut tx = pool.begin().await?;
    if !lock_show(&mut tx, show_id).await? {
        return Ok(false);
    }
    let removed = sqlx::query!("delete from posters where show_id = ?", show_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query!(
        "update shows set poster_key = null where id = ? and poster_key is not null",
        show_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(removed == 1)
}

async fn lock_show(conn: &mut MySqlConnection, show_id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        "select id from shows where id = ? and deleted_at is null for update",
        show_id
    )
    .fetch_optional(conn)
    .await?
    .is_some())
}

/// One copy of a visible show's current poster, with that poster's key; none when the
/// show, its poster or this width is not there.
pub async fn copy(pool: &MySqlPool, show_id: i64, width: u32) -> Result<Option<(String, Vec<u8>)>> {
    let row = sqlx::query!(
        r#"select cast(s.poster_key as char) as "key!", r.jpeg
           from shows s join poster_renditions r on r.show_id = s.id
           where s.id = ? and s.deleted_at is null and s.poster_key is not null
             and r.width = ?"#,
        show_id,
        width
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| (row.key, row.jpeg)))
}
