//! SQL for users, login sessions and refresh tokens.

use chrono::{DateTime, Utc};
use sqlx::{MySqlConnection, MySqlPool};

use super::role::Role;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub nickname: String,
    pub role: Role,
    pub point_balance: i64,
    pub created_at: DateTime<Utc>,
}

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
    let result = sqlx::query!(
        "insert into users (email, password_hash, nickname, role) values (?, ?, ?, ?)",
        email,
        password_hash,
        nickname,
        role
    )
    .execute(pool)
    .await?;
    Ok(result.last_insert_id() as i64)
}

pub async fn find_active_by_email(pool: &MySqlPool, email: &str) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as!(
        UserRow,
        r#"select id, email, password_hash, nickname, role as "role: Role", point_balance,
                  created_at as "created_at: _"
           from users where active_email = ?"#,
        email
    )
    .fetch_optional(pool)
    .await?)
}

pub async fn find_active_by_id(pool: &MySqlPool, user_id: i64) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as!(
        UserRow,
        r#"select id, email, password_hash, nickname, role as "role: Role", point_balance,
                  created_at as "created_at: _"
           from users where id = ? and deleted_at is null"#,
        user_id
    )
    .fetch_optional(pool)
    .await?)
}

/// Makes the account an admin with this password, creating it when absent.
pub async fn upsert_admin(pool: &MySqlPool, email: &str, password_hash: &str) -> Result<i64> {
    // Never a social-login account: its email may not be its owner's to give.
    let updated = sqlx::query!(
        "update users set password_hash = ?, role = 'ADMIN'
         where active_email = ? and password_hash <> ?",
        password_hash,
        email,
        NO_PASSWORD
    )
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
    sqlx::query!(
        "update users set nickname = ? where id = ? and deleted_at is null",
        nickname,
        user_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn update_password_hash(
    pool: &MySqlPool,
    user_id: i64,
    password_hash: &str,
) -> Result<()> {
    sqlx::query!(
        "update users set password_hash = ? where id = ? and deleted_at is null",
        password_hash,
        user_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Soft-deletes the user and revokes every session, inside the caller's transaction
/// (`crate::withdrawal`); false when there is no such active account.
pub async fn close_account(conn: &mut MySqlConnection, user_id: i64) -> Result<bool> {
    let updated = sqlx::query!(
        "update users set deleted_at = current_timestamp(6) where id = ? and deleted_at is null",
        user_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "update auth_sessions set revoked_at = current_timestamp(6)
         where user_id = ? and revoked_at is null",
        user_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn insert_session(conn: &mut MySqlConnection, user_id: i64) -> Result<i64> {
    let result = sqlx::query!("insert into auth_sessions (user_id) values (?)", user_id)
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
    let result = sqlx::query!(
        "insert into auth_sessions (user_id, cookie_hash, cookie_expires_at) values (?, ?, ?)",
        user_id,
        &digest[..],
        expires_at
    )
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
    let row = sqlx::query!(
        r#"select s.user_id, s.id, u.role as "role: Role"
           from auth_sessions s join users u on u.id = s.user_id
           where s.cookie_hash = ? and s.revoked_at is null
             and s.cookie_expires_at > current_timestamp(6) and u.deleted_at is null"#,
        &digest[..]
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| (row.user_id, row.id, row.role)))
}

pub async fn insert_refresh_token(
    conn: &mut MySqlConnection,
    session_id: i64,
    digest: &[u8; 32],
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query!(
        "insert into refresh_tokens (session_id, token_hash, expires_at) values (?, ?, ?)",
        session_id,
        &digest[..],
        expires_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug)]
pub struct RefreshTokenRow {
    pub id: i64,
    pub session_id: i64,
    pub user_id: i64,
    pub role: Role,
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
    let locked = sqlx::query_scalar!(
        "select id from refresh_tokens where token_hash = ? for update",
        &digest[..]
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(token_id) = locked else {
        return Ok(None);
    };
    Ok(sqlx::query_as!(
        RefreshTokenRow,
        r#"select rt.id, rt.session_id, s.user_id, u.role as "role: Role",
                  rt.expires_at <= current_timestamp(6) as "expired!: bool",
                  rt.used_at is not null as "used!: bool",
                  s.revoked_at is not null as "session_revoked!: bool",
                  u.deleted_at is not null as "user_deleted!: bool"
           from refresh_tokens rt
           join auth_sessions s on s.id = rt.session_id
           join users u on u.id = s.user_id
           where rt.id = ?"#,
        token_id
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn mark_refresh_token_used(conn: &mut MySqlConnection, token_id: i64) -> Result<()> {
    sqlx::query!(
        "update refresh_tokens set used_at = current_timestamp(6) where id = ?",
        token_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn revoke_session(conn: &mut MySqlConnection, session_id: i64) -> Result<()> {
    sqlx::query!(
        "update auth_sessions set revoked_at = current_timestamp(6)
         where id = ? and revoked_at is null",
        session_id
    )
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
    Ok(sqlx::query_scalar!(
        r#"select u.role as "role: Role" from auth_sessions s join users u on u.id = s.user_id
           where s.id = ? and s.user_id = ? and s.revoked_at is null and u.deleted_at is null"#,
        session_id,
        user_id
    )
    .fetch_optional(pool)
    .await?)
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
    sqlx::query!(
        "insert into oauth_requests (state_hash, provider, code_verifier, next_path, expires_at)
         values (?, ?, ?, ?, ?)",
        &state_digest[..],
        provider,
        code_verifier,
        next_path,
        expires_at
    )
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
    // Not checked at compile time: MariaDB does not describe the columns a prepared
    // DELETE ... RETURNING answers, so sqlx's macros would see none.
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
    sqlx::query!("delete from oauth_requests where expires_at <= current_timestamp(6) limit 100")
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
    let row = sqlx::query!(
        r#"select u.id, u.deleted_at is null as "active!: bool"
           from social_identities i join users u on u.id = i.user_id
           where i.provider = ? and i.subject = ? for update"#,
        provider,
        subject.as_bytes()
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| (row.id, row.active)))
}

/// Links a new subject to an account; a duplicate key means another login linked it.
pub async fn insert_social_identity(
    conn: &mut MySqlConnection,
    provider: &str,
    subject: &str,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into social_identities (provider, subject, user_id) values (?, ?, ?)",
        provider,
        subject.as_bytes(),
        user_id
    )
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
    sqlx::query!(
        "update social_identities set user_id = ?, created_at = current_timestamp(6)
         where provider = ? and subject = ?",
        user_id,
        provider,
        subject.as_bytes()
    )
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
    let result = sqlx::query!(
        "insert into users (email, password_hash, nickname, role) values (?, ?, ?, 'USER')",
        email,
        password_hash,
        nickname
    )
    .execute(conn)
    .await?;
    Ok(result.last_insert_id() as i64)
}
