//! Likes: idempotent per user and show; the show's `like_count` moves in the same
//! transaction as the `likes` row, so the two never disagree.

use serde::Serialize;
use sqlx::MySqlPool;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LikeState {
    pub show_id: i64,
    pub liked: bool,
    pub like_count: i32,
}

pub async fn like(pool: &MySqlPool, user_id: i64, show_id: i64) -> Result<LikeState> {
    set(pool, user_id, show_id, true).await
}

pub async fn unlike(pool: &MySqlPool, user_id: i64, show_id: i64) -> Result<LikeState> {
    set(pool, user_id, show_id, false).await
}

async fn set(pool: &MySqlPool, user_id: i64, show_id: i64, liked: bool) -> Result<LikeState> {
    let mut tx = pool.begin().await?;
    // Lock the show first: every like of one show then runs in the same order, and a
    // deleted show cannot be liked.
    let found = sqlx::query_scalar!(
        "select id from shows where id = ? and deleted_at is null for update",
        show_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if found.is_none() {
        return Err(Error::NotFound("show"));
    }
    let changed = if liked {
        sqlx::query!(
            "insert ignore into likes (user_id, show_id) values (?, ?)",
            user_id,
            show_id
        )
        .execute(&mut *tx)
        .await?
    } else {
        sqlx::query!(
            "delete from likes where user_id = ? and show_id = ?",
            user_id,
            show_id
        )
        .execute(&mut *tx)
        .await?
    }
    .rows_affected();
    if changed == 1 {
        sqlx::query!(
            "update shows set like_count = like_count + ? where id = ?",
            if liked { 1 } else { -1 },
            show_id
        )
        .execute(&mut *tx)
        .await?;
    }
    let like_count = sqlx::query_scalar!("select like_count from shows where id = ?", show_id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(LikeState {
        show_id,
        liked,
        like_count,
    })
}
