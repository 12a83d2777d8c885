//! SQL for users, login sessions and refresh tokens.

use chrono::{DateTime, Utc};
use sqlx::{MySqlConnection, MySqlPool};

use super::role::Role;
use crate::error::Result;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub nickname: String,
    pub role: String,
    pub point_balance: i64,
    pub created_at: DateTime<Utc>,
}

const USER_COLUMNS: &str = "id, email, password_hash, nickname, role, point_balance, created_at";

/// What a social account stores as its password: no argon2 hash at all, so no
/// password ever matches it and the account signs in through its provider only.
pub(crate) const NO_PASSWORD: &str = "!social";

/// Inserts an active user. A unique violation means the email is taken.
pub async fn insert_user(
    pool: &MySqlPool,
    email: &str,
    password_hash: &str,
    nickname: &str,
    role: Role,
) -> Result<i64, sqlx::Error> {
    let result =
        sqlx::query("insert into users (email, password_hash, nickname, role) values (?, ?, ?, ?)")
            .bind(email)
            .bind(password_hash)
            .bind(nickname)
            .bind(role.as_db())
            .execute(pool)
            .await?;
    Ok(result.last_insert_id() as i64)
}

pub async fn find_active_by_email(pool: &MySqlPool, email: &str) -> Result<Option<UserRow>> {
    let sql = format!("select {USER_COLUMNS} from users where active_email = ?");
    Ok(sqlx::query_as(&sql)
        .bind(email)
        .fetch_optional(pool)
        .await?)
}

pub async fn find_active_by_id(pool: &MySqlPool, user_id: i64) -> Result<Option<UserRow>> {
    let sql = format!("select {USER_COLUMNS} from users where id = ? and deleted_at is null");
    Ok(sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_optional(pool)
        .await?)
}

/// Makes the account an admin with this password, creating it when absent.
pub async fn upsert_admin(pool: &MySqlPool, email: &str, password_hash: &str) -> Result<i64> {
    // Never a social-login account: its email may not be its owner's to give.
    let updated = sqlx::query(
        "update users set password_hash = ?, role = 'ADMIN' where active_email = ? and password_hash <> ?",
    )
    .bind(password_hash)
    .bind(email)
    .bind(NO_PASSWORD)
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        if let Some(existing) = find_active_by_email(pool, email).await? {
            if existing.password_hash == NO_PASSWORD {
                return Err(crate::error::Error::internal(format!(
                    "ADMIN_EMAIL {email} belongs to a social-login account; choose another"
                )));
            }
            // Same hash and role already: nothing changed, but the account exists.
            return Ok(existing.id);
        }
        return Ok(insert_user(pool, email, password_hash, "admin", Role::Admin).await?);
    }
    Ok(find_active_by_email(pool, email)
        .await?
        .map(|u| u.id)
        .unwrap_or_default())
}

pub async fn update_nickname(pool: &MySqlPool, user_id: i64, nickname: &str) -> Result<()> {
    sqlx::query("update users set nickname = ? where id = ? and deleted_at is null")
        .bind(nickname)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn update_password_hash(
    pool: &MySqlPool,
    user_id: i64,
    password_hash: &str,
) -> Result<()> {
    sqlx::query("update users set password_hash = ? where id = ? and deleted_at is null")
        .bind(password_hash)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Soft-deletes the user and revokes every session, inside the caller's transaction
/// (`crate::withdrawal`); false when there is no such active account.
pub async fn close_account(conn: &mut MySqlConnection, user_id: i64) -> Result<bool> {
    let updated = sqlx::query(
        "update users set deleted_at = current_timestamp(6) where id = ? and deleted_at is null",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("update auth_sessions set revoked_at = current_timestamp(6) where user_id = ? and revoked_at is null")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn insert_session(conn: &mut MySqlConnection, user_id: i64) -> Result<i64> {
    let result = sqlx::query("insert into auth_sessions (user_id) values (?)")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(result.last_insert_id() as i64)
}

/// Opens a login session held by a browser cookie, stored as its digest.
pub async fn insert_cookie_session(
    pool: &MySqlPool,
    user_id: i64,
    digest: &[u8; 32],
    expires_at: DateTime<Utc>,
) -> Result<i64> {
    let result = sqlx::query(
        "insert into auth_sessions (user_id, cookie_hash, cookie_expires_at) values (?, ?, ?)",
    )
    .bind(user_id)
    .bind(&digest[..])
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(result.last_insert_id() as i64)
}

/// The user, session and current role behind a browser cookie, when the session is
/// live, unexpired and the account active.
pub async fn live_cookie_session(
    pool: &MySqlPool,
    digest: &[u8; 32],
) -> Result<Option<(i64, i64, Role)>> {
    let row: Option<(i64, i64, String)> = sqlx::query_as(
        "select s.user_id, s.id, u.role from auth_sessions s join users u on u.id = s.user_id
         where s.cookie_hash = ? and s.revoked_at is null and s.cookie_expires_at > current_timestamp(6)
           and u.deleted_at is null",
    )
    .bind(&digest[..])
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(user_id, session_id, role)| (user_id, session_id, Role::from_db(&role))))
}

pub async fn insert_refresh_token(
    conn: &mut MySqlConnection,
    session_id: i64,
    digest: &[u8; 32],
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("insert into refresh_tokens (session_id, token_hash, expires_at) values (?, ?, ?)")
        .bind(session_id)
        .bind(&digest[..])
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct RefreshTokenRow {
    pub id: i64,
    pub session_id: i64,
    pub user_id: i64,
    pub role: String,
    pub expired: bool,
    pub used: bool,
    pub session_revoked: bool,
    pub user_deleted: bool,
}

/// Locks the token row so two refreshes with one token run one after the other: the
/// second then sees the token used and treats it as reuse. Only the token row is
/// locked; the session and user are read without locks (a locking read over the join
/// would also lock the user row that purchases and charges take).
pub async fn lock_refresh_token(
    conn: &mut MySqlConnection,
    digest: &[u8; 32],
) -> Result<Option<RefreshTokenRow>> {
    let locked: Option<i64> =
        sqlx::query_scalar("select id from refresh_tokens where token_hash = ? for update")
            .bind(&digest[..])
            .fetch_optional(&mut *conn)
            .await?;
    let Some(token_id) = locked else {
        return Ok(None);
    };
    Ok(sqlx::query_as(
        "select rt.id, rt.session_id, s.user_id, u.role,
                rt.expires_at <= current_timestamp(6) as expired,
                rt.used_at is not null as used,
                s.revoked_at is not null as session_revoked,
                u.deleted_at is not null as user_deleted
         from refresh_tokens rt
         join auth_sessions s on s.id = rt.session_id
         join users u on u.id = s.user_id
         where rt.id = ?",
    )
    .bind(token_id)
    .fetch_optional(conn)
    .await?)
}

pub async fn mark_refresh_token_used(conn: &mut MySqlConnection, token_id: i64) -> Result<()> {
    sqlx::query("update refresh_tokens set used_at = current_timestamp(6) where id = ?")
        .bind(token_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn revoke_session(conn: &mut MySqlConnection, session_id: i64) -> Result<()> {
    sqlx::query("update auth_sessions set revoked_at = current_timestamp(6) where id = ? and revoked_at is null")
        .bind(session_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The user's current role when the session is live and the account active.
pub async fn live_session_role(
    pool: &MySqlPool,
    user_id: i64,
    session_id: i64,
) -> Result<Option<Role>> {
    let role: Option<String> = sqlx::query_scalar(
        "select u.role from auth_sessions s join users u on u.id = s.user_id
         where s.id = ? and s.user_id = ? and s.revoked_at is null and u.deleted_at is null",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    Ok(role.as_deref().map(Role::from_db))
}

/// Keeps a browser's authorization request until its callback takes it.
pub async fn insert_oauth_request(
    pool: &MySqlPool,
    state_digest: &[u8; 32],
    provider: &str,
    code_verifier: &str,
    next_path: &str,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "insert into oauth_requests (state_hash, provider, code_verifier, next_path, expires_at)
         values (?, ?, ?, ?, ?)",
    )
    .bind(&state_digest[..])
    .bind(provider)
    .bind(code_verifier)
    .bind(next_path)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Takes (deletes) the live request with this state for this provider: each answers
/// one callback. Answers its PKCE verifier and where to go after.
pub async fn take_oauth_request(
    pool: &MySqlPool,
    state_digest: &[u8; 32],
    provider: &str,
) -> Result<Option<(String, String)>> {
    let taken = sqlx::query_as(
        "delete from oauth_requests
         where state_hash = ? and provider = ? and expires_at > current_timestamp(6)
         returning code_verifier, next_path",
    )
    .bind(&state_digest[..])
    .bind(provider)
    .fetch_optional(pool)
    .await?;
    // Stale requests nobody came back for are cleared as others are taken.
    sqlx::query("delete from oauth_requests where expires_at <= current_timestamp(6) limit 100")
        .execute(pool)
        .await?;
    Ok(taken)
}

/// The active account linked to a provider's subject.
pub async fn social_identity_user(
    conn: &mut MySqlConnection,
    provider: &str,
    subject: &str,
) -> Result<Option<(i64, bool)>> {
    Ok(sqlx::query_as(
        "select u.id, u.deleted_at is null from social_identities i join users u on u.id = i.user_id
         where i.provider = ? and i.subject = ? for update",
    )
    .bind(provider)
    .bind(subject.as_bytes())
    .fetch_optional(conn)
    .await?)
}

/// Links a new subject to an account; a duplicate key means another login linked it.
pub async fn insert_social_identity(
    conn: &mut MySqlConnection,
    provider: &str,
    subject: &str,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("insert into social_identities (provider, subject, user_id) values (?, ?, ?)")
        .bind(provider)
        .bind(subject.as_bytes())
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a subject whose account was withdrawn to a new account (the row is locked by
/// `social_identity_user`).
pub async fn link_social_identity(
    conn: &mut MySqlConnection,
    provider: &str,
    subject: &str,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update social_identities set user_id = ?, created_at = current_timestamp(6)
         where provider = ? and subject = ?",
    )
    .bind(user_id)
    .bind(provider)
    .bind(subject.as_bytes())
    .execute(conn)
    .await?;
    Ok(())
}

/// Creates an account inside the caller's transaction.
pub async fn insert_user_in(
    conn: &mut MySqlConnection,
    email: &str,
    password_hash: &str,
    nickname: &str,
) -> Result<i64, sqlx::Error> {
    let result = sqlx::query(
        "insert into users (email, password_hash, nickname, role) values (?, ?, ?, 'USER')",
    )
    .bind(email)
    .bind(password_hash)
    .bind(nickname)
    .execute(conn)
    .await?;
    Ok(result.last_insert_id() as i64)
}
