//! Account operations as the api offers them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::MySqlPool;

use std::net::IpAddr;

use super::credentials::{Email, Nickname, Password};
use super::hashing::{HashingGate, HashingLimits};
use super::repo;
use super::role::Role;
use super::social::{ProviderKind, SocialProfile};
use super::throttle::{self, LoginLimits};
use super::tokens::{new_refresh_token, refresh_token_digest, TokenKeys};
use crate::db::retry_on_lock_conflict;
use crate::error::{is_unique_violation, Error, Result};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Profile {
    pub id: i64,
    pub email: String,
    pub nickname: String,
    pub role: Role,
    pub point_balance: i64,
    pub created_at: DateTime<Utc>,
}

impl From<repo::UserRow> for Profile {
    fn from(row: repo::UserRow) -> Self {
        Profile {
            id: row.id,
            email: row.email,
            nickname: row.nickname,
            role: row.role,
            point_balance: row.point_balance,
            created_at: row.created_at,
        }
    }
}

/// A browser's sign-in: the cookie's secret, shown this once and stored only as its
/// digest, and how long the cookie lasts.
#[derive(Debug, Clone)]
pub struct BrowserSession {
    pub secret: String,
    pub max_age: std::time::Duration,
}

/// Who is calling, once the access token and its session have been checked.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    pub user_id: i64,
    pub session_id: i64,
    pub role: Role,
}

impl AuthUser {
    pub fn caller(&self) -> Caller {
        Caller {
            user_id: self.user_id,
            session_id: self.session_id,
        }
    }
}

/// Who is calling as far as a signed access token says, before anyone has looked up
/// whether its session is still live. Only the operations that confirm the session
/// in a statement they issue anyway take one (a hold, a purchase): on the busiest
/// paths of an on-sale, that saves the round trip of a separate session check, and
/// logout and withdrawal still refuse the very next request. No role: it is not
/// known until the session is read.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub user_id: i64,
    pub session_id: i64,
}

#[derive(Clone)]
pub struct AuthService {
    pool: MySqlPool,
    keys: TokenKeys,
    hashing: HashingGate,
    login_limits: LoginLimits,
}

impl AuthService {
    /// With the default hashing and login limits; see `with_limits`.
    pub fn new(pool: MySqlPool, keys: TokenKeys) -> Self {
        AuthService {
            pool,
            keys,
            hashing: HashingGate::new(HashingLimits::default()),
            login_limits: LoginLimits::default(),
        }
    }

    pub fn with_limits(mut self, hashing: HashingLimits, login: LoginLimits) -> Self {
        self.hashing = HashingGate::new(hashing);
        self.login_limits = login;
        self
    }

    pub async fn signup(
        &self,
        email: Email,
        password: Password,
        nickname: Nickname,
    ) -> Result<Profile> {
        let hash = self.hash(password).await?;
        let user_id = repo::insert_user(
            &self.pool,
            email.as_str(),
            &hash,
            nickname.as_str(),
            Role::User,
        )
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                Error::EmailTaken
            } else {
                err.into()
            }
        })?;
        self.profile(user_id).await
    }

    /// `address` is the client's, for the per-address limit (None: not known).
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<TokenPair> {
        let user = self.check_login(email, password, address).await?;
        self.open_session(user.id, user.role).await
    }

    /// Logs a browser in: the same checks and throttle as `login`, answered with a
    /// cookie session instead of tokens.
    pub async fn login_browser(
        &self,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<BrowserSession> {
        let user = self.check_login(email, password, address).await?;
        self.open_browser_session(user.id).await
    }

    /// The account whose email and password these are, through the login throttle.
    async fn check_login(
        &self,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<repo::UserRow> {
        // Throttle by the normalised email; malformed input gets the same answer as a
        // wrong password, without touching the throttle table.
        let Ok(email) = Email::parse(email) else {
            return Err(Error::InvalidCredentials);
        };
        let attempt =
            throttle::reserve(&self.pool, self.login_limits, email.as_str(), address).await?;
        let user = repo::find_active_by_email(&self.pool, email.as_str()).await?;
        // Verify against a fixed hash when the account does not exist, so the answer
        // takes as long either way and does not reveal which emails are registered.
        let stored = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| UNKNOWN_USER_HASH.to_string());
        let matches = self.check(password, stored).await?;
        match user {
            Some(user) if matches => {
                throttle::succeeded(&self.pool, attempt).await?;
                Ok(user)
            }
            _ => Err(Error::InvalidCredentials),
        }
    }

    /// A new login session for a browser, held by a cookie that lasts as long as a
    /// refresh token would.
    pub async fn open_browser_session(&self, user_id: i64) -> Result<BrowserSession> {
        let (secret, digest) = new_refresh_token();
        let max_age = self.keys.refresh_ttl;
        let expires_at = Utc::now() + max_age;
        repo::insert_cookie_session(&self.pool, user_id, &digest, expires_at).await?;
        Ok(BrowserSession { secret, max_age })
    }

    /// The caller behind a browser's session cookie; like `authenticate`, the session
    /// and account are checked in the database on every request.
    pub async fn authenticate_browser(&self, secret: &str) -> Result<AuthUser> {
        if secret.is_empty() || secret.len() > 200 {
            return Err(Error::Unauthenticated);
        }
        let (user_id, session_id, role) =
            repo::live_cookie_session(&self.pool, &refresh_token_digest(secret))
                .await?
                .ok_or(Error::Unauthenticated)?;
        Ok(AuthUser {
            user_id,
            session_id,
            role,
        })
    }

    /// Hashes a new password through the gate.
    async fn hash(&self, password: Password) -> Result<String> {
        self.hashing.run(move || password.hash()).await?
    }

    /// Checks a password against a stored hash through the gate; a password that could
    /// never have been set (too short or long) does not match.
    async fn check(&self, password: &str, stored_hash: String) -> Result<bool> {
        let password = password.to_string();
        self.hashing
            .run(move || {
                Password::parse(&password)
                    .map(|p| p.verify(&stored_hash))
                    .unwrap_or(false)
            })
            .await
    }

    async fn open_session(&self, user_id: i64, role: Role) -> Result<TokenPair> {
        let mut tx = self.pool.begin().await?;
        let session_id = repo::insert_session(&mut tx, user_id).await?;
        let refresh_token = self.store_refresh_token(&mut tx, session_id).await?;
        tx.commit().await?;
        self.pair(user_id, session_id, role, refresh_token)
    }

    async fn store_refresh_token(
        &self,
        conn: &mut sqlx::MySqlConnection,
        session_id: i64,
    ) -> Result<String> {
        let (token, digest) = new_refresh_token();
        let expires_at = Utc::now() + self.keys.refresh_ttl;
        repo::insert_refresh_token(conn, session_id, &digest, expires_at).await?;
        Ok(token)
    }

    fn pair(
        &self,
        user_id: i64,
        session_id: i64,
        role: Role,
        refresh_token: String,
    ) -> Result<TokenPair> {
        Ok(TokenPair {
            access_token: self.keys.issue_access(user_id, session_id, role)?,
            refresh_token,
            token_type: "Bearer",
            expires_in: self.keys.access_ttl.as_secs(),
        })
    }

    /// Rotates the refresh token. Presenting an already-rotated token revokes the session.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair> {
        if refresh_token.is_empty() || refresh_token.len() > 200 {
            return Err(Error::InvalidRefreshToken);
        }
        let digest = refresh_token_digest(refresh_token);
        let mut tx = self.pool.begin().await?;
        let Some(row) = repo::lock_refresh_token(&mut tx, &digest).await? else {
            return Err(Error::InvalidRefreshToken);
        };
        if row.used {
            repo::revoke_session(&mut tx, row.session_id).await?;
            tx.commit().await?;
            tracing::warn!(
                session_id = row.session_id,
                "refresh token reuse, session revoked"
            );
            return Err(Error::InvalidRefreshToken);
        }
        if row.expired || row.session_revoked || row.user_deleted {
            return Err(Error::InvalidRefreshToken);
        }
        repo::mark_refresh_token_used(&mut tx, row.id).await?;
        let next = self.store_refresh_token(&mut tx, row.session_id).await?;
        tx.commit().await?;
        self.pair(row.user_id, row.session_id, row.role, next)
    }

    pub async fn logout(&self, auth: AuthUser) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        repo::revoke_session(&mut conn, auth.session_id).await
    }

    /// Checks the access token, then that its session is live and the account active.
    /// The caller a valid access token names, without reading the session (see
    /// `Caller`: whoever acts on it must confirm the session itself).
    pub fn unconfirmed_caller(&self, access_token: &str) -> Result<Caller> {
        let claims = self.keys.verify_access(access_token)?;
        Ok(Caller {
            user_id: claims.sub,
            session_id: claims.sid,
        })
    }

    /// The role comes from the database, so a demotion takes effect at once.
    pub async fn authenticate(&self, access_token: &str) -> Result<AuthUser> {
        let claims = self.keys.verify_access(access_token)?;
        let role = repo::live_session_role(&self.pool, claims.sub, claims.sid)
            .await?
            .ok_or(Error::Unauthenticated)?;
        Ok(AuthUser {
            user_id: claims.sub,
            session_id: claims.sid,
            role,
        })
    }

    pub async fn profile(&self, user_id: i64) -> Result<Profile> {
        repo::find_active_by_id(&self.pool, user_id)
            .await?
            .map(Profile::from)
            .ok_or(Error::NotFound("user"))
    }

    /// Changes the nickname and/or the password; a new password needs the current one.
    pub async fn update_profile(
        &self,
        user_id: i64,
        nickname: Option<Nickname>,
        password_change: Option<(String, Password)>,
    ) -> Result<Profile> {
        if let Some((current, new_password)) = password_change {
            let user = repo::find_active_by_id(&self.pool, user_id)
                .await?
                .ok_or(Error::NotFound("user"))?;
            if !self.check(&current, user.password_hash).await? {
                return Err(Error::InvalidCredentials);
            }
            let hash = self.hash(new_password).await?;
            repo::update_password_hash(&self.pool, user_id, &hash).await?;
        }
        if let Some(nickname) = nickname {
            repo::update_nickname(&self.pool, user_id, nickname.as_str()).await?;
        }
        self.profile(user_id).await
    }

    /// A token session for an account a social login identified (the API's flow).
    pub async fn social_tokens(&self, user_id: i64) -> Result<TokenPair> {
        let profile = self.profile(user_id).await?;
        self.open_session(user_id, profile.role).await
    }

    /// The account a provider's subject signs in to; the first login with it creates
    /// the account (a withdrawn one is not revived: the identity moves to a new
    /// account). Two first logins at once create one account: whichever loses a race
    /// (the identity's primary key, the made-up address, or a deadlock between their
    /// gap locks) rolls back and reads what the winner linked.
    pub async fn social_account(&self, kind: ProviderKind, profile: &SocialProfile) -> Result<i64> {
        for _ in 0..4 {
            if let Some(user_id) =
                retry_on_lock_conflict(|| self.try_social_account(kind, profile)).await?
            {
                return Ok(user_id);
            }
        }
        Err(Error::internal(
            "social identity kept changing while linking",
        ))
    }

    /// One attempt: the linked account, or a new one linked; None when another login
    /// won a race meanwhile.
    async fn try_social_account(
        &self,
        kind: ProviderKind,
        profile: &SocialProfile,
    ) -> Result<Option<i64>> {
        let provider = kind.key();
        let mut tx = self.pool.begin().await?;
        let linked = repo::social_identity_user(&mut tx, provider, &profile.subject).await?;
        if let Some((user_id, true)) = linked {
            tx.commit().await?;
            return Ok(Some(user_id));
        }
        let nickname = profile
            .nickname
            .as_deref()
            .and_then(|n| Nickname::parse(n).ok())
            .map(|n| n.as_str().to_string())
            .unwrap_or_else(|| format!("{} 사용자", kind_name(kind)));
        let created = match create_social_user(&mut tx, kind, profile, &nickname).await {
            Ok(user_id) => Ok(user_id),
            Err(err) if is_unique_violation(&err) => {
                tx.rollback().await?;
                return Ok(None);
            }
            Err(err) => Err(err),
        }?;
        let link = if linked.is_some() {
            repo::link_social_identity(&mut tx, provider, &profile.subject, created).await
        } else {
            repo::insert_social_identity(&mut tx, provider, &profile.subject, created).await
        };
        match link {
            Ok(()) => {
                tx.commit().await?;
                Ok(Some(created))
            }
            Err(err) if is_unique_violation(&err) => {
                tx.rollback().await?;
                Ok(None)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Creates or updates the admin account named in the configuration.
    pub async fn bootstrap_admin(&self, email: &str, password: &str) -> Result<i64> {
        let email = Email::parse(email)?;
        let hash = self.hash(Password::parse(password)?).await?;
        repo::upsert_admin(&self.pool, email.as_str(), &hash).await
    }
}

fn kind_name(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Kakao => "카카오",
        ProviderKind::Naver => "네이버",
        ProviderKind::Google => "Google",
    }
}

/// A social account's row: the provider's email when it is valid and free, otherwise
/// an address of our own under `.invalid` (a name that can never receive mail), so an
/// email someone already uses is never taken over by a social login.
async fn create_social_user(
    tx: &mut sqlx::MySqlConnection,
    kind: ProviderKind,
    profile: &SocialProfile,
    nickname: &str,
) -> std::result::Result<i64, sqlx::Error> {
    if let Some(email) = profile.email.as_deref().and_then(|e| Email::parse(e).ok()) {
        match repo::insert_user_in(tx, email.as_str(), repo::NO_PASSWORD, nickname).await {
            Ok(id) => return Ok(id),
            Err(err) if is_unique_violation(&err) => {}
            Err(err) => return Err(err),
        }
    }
    let digest = refresh_token_digest(&profile.subject);
    let tag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let email = format!("{}-{tag}@social.marquee.invalid", kind.key());
    repo::insert_user_in(tx, &email, repo::NO_PASSWORD, nickname).await
}

/// An argon2id hash of a random string nobody knows; see `login`.
const UNKNOWN_USER_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$N0Iq8S6Mb7y0cCFaYH2fCkJ1X7kk8vJ5uQ6t6Qm0Y9w";
