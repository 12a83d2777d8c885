//! Typed configuration, read once from the environment at start-up.
//!
//! Every setting has a documented default except the secrets. A missing or invalid
//! setting is a `ConfigError` naming the variable, which the binaries print as one line
//! before exiting. Secrets are wrapped in [`Secret`] so they never reach a log.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::accounts::hashing::HashingLimits;
use crate::accounts::social::{ProviderConfig, ProviderKind};
use crate::accounts::throttle::{self, LoginLimits};
use crate::booking::booking_fee::BookingFee;
use crate::booking::refund_policy::RefundPolicy;
use crate::performance_cancellation::{CancellationRules, STANDARD_COMPENSATION_PERCENT};
use crate::queue::limits::{self, QueueLimits};
use crate::resale::ResaleRules;
use crate::secret::Secret;

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

#[derive(Debug, Clone)]
pub enum GatewayConfig {
    /// Local development: payment ids starting with `dev_` count as paid.
    Dev,
    PortOne {
        /// Checked at start-up to be an http(s) base URL that `payments/{id}` can be
        /// joined to: a bad one would otherwise fail every charge at run time.
        api_base: reqwest::Url,
        api_secret: Secret,
        /// Where the site's own pages pay through PortOne's browser SDK; None leaves
        /// top-ups to client apps (the site says it cannot take a payment).
        browser: Option<Box<PortOneBrowser>>,
    },
}

/// What PortOne's browser SDK needs to open a payment window for this store.
#[derive(Debug, Clone)]
pub struct PortOneBrowser {
    /// `PORTONE_STORE_ID` (`store-…` in PortOne's console).
    pub store_id: String,
    /// `PORTONE_CHANNEL_KEY`: the channel (PG contract) payments go through.
    pub channel_key: String,
    /// `PORTONE_SDK_URL`, PortOne's CDN by default. It is the one script the site loads
    /// from another origin, so it must be https (plain http only on loopback, for the
    /// tests' double).
    pub sdk_url: reqwest::Url,
}

#[derive(Debug, Clone)]
pub struct AdminBootstrap {
    pub email: String,
    pub password: Secret,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: Secret,
    pub read_replicas: ReadReplicaConfig,
    pub redis_url: String,
    /// Prefix of every waiting-room key in Redis, so deployments (and tests) can share one.
    pub queue_key_prefix: String,
    /// How often each api process runs a waiting-room admission tick.
    pub queue_tick: Duration,
    pub queue_limits: QueueLimits,
    pub login_limits: LoginLimits,
    pub hashing_limits: HashingLimits,
    /// Behind a reverse proxy: the header carrying the client's address (the last
    /// address in it, the one the proxy appended). Unset: the peer address of the
    /// connection. Lower case.
    pub client_ip_header: Option<String>,
    /// Origins (`https://app.example.kr`) whose pages may call the API from a browser
    /// (CORS). Empty: same-origin only.
    pub cors_allowed_origins: Vec<String>,
    /// The bearer token `/metrics` needs. Unset: `/metrics` is off (404), so the public
    /// listener never shows its counters to anyone.
    pub metrics_token: Option<Secret>,
    pub bind_addr: SocketAddr,
    pub jwt_secret: Secret,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub hold_ttl: Duration,
    pub max_seats_per_hold: u32,
    /// Seats one person may hold or own of one schedule; 0 is no limit.
    pub max_tickets_per_schedule: u32,
    pub hold_sweep_interval: Duration,
    /// How long an api process may answer the public catalog (show list, show page,
    /// seat map) from memory; zero reads the database on every request.
    pub catalog_cache_ttl: Duration,
    pub refund_policy: RefundPolicy,
    /// 예매수수료 per ticket (`BOOKING_FEE`, 원; 2,000 unless set, 0 turns it off).
    pub booking_fee: BookingFee,
    /// How an organizer's cancellation of a performance refunds: the standard's 10%
    /// compensation when `CANCELLATION_COMPENSATION` is on (off unless set), tickets per
    /// transaction (`CANCELLATION_BATCH`, 200) and a pause between batches
    /// (`CANCELLATION_BATCH_PAUSE_MS`, none).
    pub cancellation: CancellationRules,
    pub resale: ResaleRules,
    pub gateway: GatewayConfig,
    pub admin: Option<AdminBootstrap>,
    /// Load the demo catalog at start-up when the catalog is empty.
    pub demo_catalog: bool,
    /// Mark the site's cookies `Secure` (sent over HTTPS only). Off by default because
    /// the README's run command serves plain http on loopback; on when `SECURE_COOKIES`
    /// says so or `SITE_URL` is https.
    pub secure_cookies: bool,
    /// Social login providers offered (`SOCIAL_LOGIN=kakao,naver,google`), each with
    /// its client id and secret, and endpoints that default to the provider's own.
    pub social_providers: Vec<ProviderConfig>,
    /// The site's public origin (`https://marquee.example.kr`), from which social
    /// login's redirect URI is made (`{SITE_URL}/auth/{provider}/callback`, registered
    /// with the provider). Unset: the origin the browser asked for.
    pub site_url: Option<String>,
    /// Where the indexer writes the search index and the api reads it.
    pub index_dir: PathBuf,
}

/// A provider's settings: client id, secret, and the three endpoints.
fn provider_vars(kind: ProviderKind) -> [&'static str; 5] {
    match kind {
        ProviderKind::Kakao => [
            "OAUTH_KAKAO_CLIENT_ID",
            "OAUTH_KAKAO_CLIENT_SECRET",
            "OAUTH_KAKAO_AUTHORIZE_URL",
            "OAUTH_KAKAO_TOKEN_URL",
            "OAUTH_KAKAO_USERINFO_URL",
        ],
        ProviderKind::Naver => [
            "OAUTH_NAVER_CLIENT_ID",
            "OAUTH_NAVER_CLIENT_SECRET",
            "OAUTH_NAVER_AUTHORIZE_URL",
            "OAUTH_NAVER_TOKEN_URL",
            "OAUTH_NAVER_USERINFO_URL",
        ],
        ProviderKind::Google => [
            "OAUTH_GOOGLE_CLIENT_ID",
            "OAUTH_GOOGLE_CLIENT_SECRET",
            "OAUTH_GOOGLE_AUTHORIZE_URL",
            "OAUTH_GOOGLE_TOKEN_URL",
            "OAUTH_GOOGLE_USERINFO_URL",
        ],
    }
}

/// MariaDB read replicas for reads that may be a moment stale (`core::read_replicas`).
#[derive(Debug, Clone, Default)]
pub struct ReadReplicaConfig {
    /// `DATABASE_READ_URL`: comma-separated `mysql://` URLs; empty for none.
    pub urls: Vec<Secret>,
    /// `READ_REPLICA_MAX_LAG_SECS`: a replica further behind than this serves nothing.
    pub max_lag: Duration,
}

/// The indexer's settings: it needs the database and the index, nothing else.
#[derive(Debug, Clone)]
pub struct IndexerConfig {
    pub database_url: Secret,
    /// Where the change feed is read from when a replica keeps up.
    pub read_replicas: ReadReplicaConfig,
    pub index_dir: PathBuf,
    /// Cron expression with seconds, for `serve`.
    pub schedule: String,
    /// How far before its watermark each pass re-reads, for transactions that commit
    /// late with an older `updated_at`.
    pub overlap: Duration,
    pub page_size: u32,
}

impl IndexerConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().collect())
    }

    pub fn from_vars(vars: HashMap<String, String>) -> Result<Self, ConfigError> {
        let env = Env(vars);
        Ok(IndexerConfig {
            database_url: env.database_url()?,
            read_replicas: env.read_replicas()?,
            index_dir: env.index_dir(),
            schedule: env
                .get("INDEXER_SCHEDULE")
                .unwrap_or("*/2 * * * * *")
                .to_string(),
            overlap: env.seconds("INDEXER_OVERLAP_SECS", 10, 0..=3_600)?,
            page_size: env.bounded("INDEXER_PAGE_SIZE", 1_000, 1..=50_000)?,
        })
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().collect())
    }

    /// Reads from a map, so tests can check the rules without touching the process env.
    pub fn from_vars(vars: HashMap<String, String>) -> Result<Self, ConfigError> {
        let env = Env(vars);
        let jwt_secret = env.required("JWT_SECRET")?;
        if jwt_secret.len() < 32 {
            return Err(env.invalid("JWT_SECRET", "must be at least 32 characters"));
        }
        let gateway = match env.get("PAYMENT_GATEWAY").unwrap_or("dev") {
            "dev" => GatewayConfig::Dev,
            "portone" => GatewayConfig::PortOne {
                api_base: env.portone_api_base()?,
                api_secret: Secret::new(env.required("PORTONE_API_SECRET")?),
                browser: env.portone_browser()?,
            },
            other => {
                return Err(env.invalid(
                    "PAYMENT_GATEWAY",
                    &format!("expected `dev` or `portone`, got `{other}`"),
                ))
            }
        };
        let admin = match (env.get("ADMIN_EMAIL"), env.get("ADMIN_PASSWORD")) {
            (None, None) => None,
            (Some(email), Some(password)) => Some(AdminBootstrap {
                email: email.to_string(),
                password: Secret::new(password),
            }),
            (Some(_), None) => {
                return Err(env.invalid("ADMIN_PASSWORD", "required with ADMIN_EMAIL"))
            }
            (None, Some(_)) => {
                return Err(env.invalid("ADMIN_EMAIL", "required with ADMIN_PASSWORD"))
            }
        };
        let refund_policy = match env.get("REFUND_POLICY") {
            None => RefundPolicy::korean_default(),
            Some(text) => RefundPolicy::parse(text)
                .map_err(|message| env.invalid("REFUND_POLICY", &message))?,
        };
        let redis_url = env
            .get("REDIS_URL")
            .unwrap_or("redis://127.0.0.1:6379")
            .to_string();
        // One server, or a Redis Cluster by its seed nodes (see `redis_link`).
        let known_scheme =
            redis_url.starts_with("redis://") || redis_url.starts_with("redis+cluster://");
        if !known_scheme {
            return Err(env.invalid(
                "REDIS_URL",
                "must start with redis:// (one server, or several comma-separated for a cluster) or redis+cluster://",
            ));
        }
        if let Err(err) = crate::redis_link::RedisTarget::parse(&redis_url) {
            return Err(env.invalid("REDIS_URL", &err));
        }
        Ok(Config {
            database_url: env.database_url()?,
            read_replicas: env.read_replicas()?,
            redis_url,
            queue_key_prefix: env.get("QUEUE_KEY_PREFIX").unwrap_or("marquee").to_string(),
            queue_tick: Duration::from_millis(
                env.bounded("QUEUE_TICK_MS", 250, 20..=5_000)?.into(),
            ),
            queue_limits: QueueLimits {
                per_user: env.bounded(
                    "QUEUE_LIMIT_PER_USER",
                    limits::DEFAULT_PER_USER,
                    0..=100_000,
                )?,
                per_address: env.bounded(
                    "QUEUE_LIMIT_PER_ADDRESS",
                    limits::DEFAULT_PER_ADDRESS,
                    0..=1_000_000,
                )?,
                window: env.seconds(
                    "QUEUE_LIMIT_WINDOW_SECS",
                    limits::DEFAULT_WINDOW_SECS,
                    1..=3_600,
                )?,
            },
            login_limits: LoginLimits {
                per_email: env.bounded(
                    "LOGIN_LIMIT_PER_EMAIL",
                    throttle::DEFAULT_PER_EMAIL,
                    1..=10_000,
                )?,
                per_address: env.bounded(
                    "LOGIN_LIMIT_PER_ADDRESS",
                    throttle::DEFAULT_PER_ADDRESS,
                    0..=1_000_000,
                )?,
                window: env.seconds(
                    "LOGIN_LIMIT_WINDOW_SECS",
                    throttle::DEFAULT_WINDOW_SECS,
                    1..=86_400,
                )?,
            },
            hashing_limits: HashingLimits {
                concurrency: env.bounded(
                    "PASSWORD_HASH_CONCURRENCY",
                    HashingLimits::default().concurrency as u32,
                    1..=256,
                )? as usize,
                max_wait: Duration::from_millis(
                    env.bounded("PASSWORD_HASH_WAIT_MS", 2_000, 0..=60_000)?
                        .into(),
                ),
            },
            client_ip_header: env.header_name("CLIENT_IP_HEADER")?,
            cors_allowed_origins: env.origins("CORS_ALLOWED_ORIGINS")?,
            metrics_token: match env.get("METRICS_TOKEN") {
                None => None,
                Some(token) if token.trim().len() >= 16 => Some(Secret::new(token.trim())),
                Some(_) => {
                    return Err(env.invalid("METRICS_TOKEN", "must be at least 16 characters"))
                }
            },
            bind_addr: env.parsed("BIND_ADDR", "127.0.0.1:8080")?,
            jwt_secret: Secret::new(jwt_secret),
            access_token_ttl: env.seconds("ACCESS_TOKEN_TTL_SECS", 900, 10..=86_400)?,
            refresh_token_ttl: env.seconds(
                "REFRESH_TOKEN_TTL_SECS",
                14 * 86_400,
                60..=365 * 86_400,
            )?,
            hold_ttl: env.seconds("HOLD_TTL_SECS", 300, 1..=3_600)?,
            max_seats_per_hold: env.bounded("MAX_SEATS_PER_HOLD", 4, 1..=20)?,
            max_tickets_per_schedule: env.bounded("MAX_TICKETS_PER_SCHEDULE", 4, 0..=1_000)?,
            hold_sweep_interval: env.seconds("HOLD_SWEEP_INTERVAL_SECS", 30, 1..=3_600)?,
            catalog_cache_ttl: Duration::from_millis(
                env.bounded("CATALOG_CACHE_TTL_MS", 1_000, 0..=60_000)?
                    .into(),
            ),
            refund_policy,
            booking_fee: BookingFee::per_ticket(
                env.bounded(
                    "BOOKING_FEE",
                    BookingFee::KOREAN_DEFAULT as u32,
                    0..=BookingFee::MAX as u32,
                )?
                .into(),
            ),
            cancellation: CancellationRules {
                compensation_percent: if env.flag("CANCELLATION_COMPENSATION")? {
                    STANDARD_COMPENSATION_PERCENT
                } else {
                    0
                },
                batch: env.bounded("CANCELLATION_BATCH", 200, 1..=1_000)?,
                pause: Duration::from_millis(
                    env.bounded("CANCELLATION_BATCH_PAUSE_MS", 0, 0..=60_000)?
                        .into(),
                ),
            },
            resale: ResaleRules {
                price_cap_percent: env.bounded("RESALE_PRICE_CAP_PERCENT", 100, 1..=200)?,
                fee_percent: env.bounded("RESALE_FEE_PERCENT", 0, 0..=50)?,
            },
            gateway,
            admin,
            demo_catalog: env.flag("DEMO_CATALOG")?,
            social_providers: env.social_providers()?,
            site_url: env.site_url()?,
            // Served over HTTPS (SITE_URL says so): Secure whatever the flag says.
            secure_cookies: env.flag("SECURE_COOKIES")?
                || env
                    .site_url()?
                    .is_some_and(|site| site.starts_with("https://")),
            index_dir: env.index_dir(),
        })
    }
}

struct Env(HashMap<String, String>);

impl Env {
    fn database_url(&self) -> Result<Secret, ConfigError> {
        let database_url = self
            .get("DATABASE_URL")
            .unwrap_or("mysql://root@127.0.0.1:3306/marquee");
        if !database_url.starts_with("mysql://") && !database_url.starts_with("mariadb://") {
            return Err(self.invalid("DATABASE_URL", "must start with mysql://"));
        }
        Ok(Secret::new(database_url))
    }

    fn read_replicas(&self) -> Result<ReadReplicaConfig, ConfigError> {
        let urls = match self.get("DATABASE_READ_URL").map(str::trim) {
            None | Some("") => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .map(|url| {
                    let scheme_ok = url.starts_with("mysql://") || url.starts_with("mariadb://");
                    let parses = url.parse::<sqlx::mysql::MySqlConnectOptions>().is_ok();
                    if scheme_ok && parses {
                        Ok(Secret::new(url))
                    } else {
                        Err(self.invalid(
                            "DATABASE_READ_URL",
                            "must be one or more comma-separated mysql:// URLs",
                        ))
                    }
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(ReadReplicaConfig {
            urls,
            max_lag: self.seconds("READ_REPLICA_MAX_LAG_SECS", 5, 1..=3_600)?,
        })
    }

    /// An HTTP header name (letters, digits, `-`), lower-cased.
    fn header_name(&self, var: &'static str) -> Result<Option<String>, ConfigError> {
        match self.get(var).map(str::trim) {
            None => Ok(None),
            Some(name) if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
                Ok(Some(name.to_ascii_lowercase()))
            }
            Some(name) => Err(self.invalid(var, &format!("`{name}` is not a header name"))),
        }
    }

    /// A comma-separated list of web origins: scheme, host and optional port, nothing
    /// else (no path, no `*`), each kept in its canonical form.
    fn origins(&self, var: &'static str) -> Result<Vec<String>, ConfigError> {
        let Some(raw) = self.get(var) else {
            return Ok(Vec::new());
        };
        raw.split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(|origin| {
                let url = reqwest::Url::parse(origin)
                    .ok()
                    .filter(|url| matches!(url.scheme(), "http" | "https"))
                    .filter(|url| url.host().is_some() && url.path() == "/")
                    .filter(|url| url.query().is_none() && url.fragment().is_none())
                    .filter(|url| url.username().is_empty() && url.password().is_none())
                    .ok_or_else(|| {
                        self.invalid(
                            var,
                            &format!("`{origin}` is not an origin like https://app.example.kr"),
                        )
                    })?;
                Ok(url.origin().ascii_serialization())
            })
            .collect()
    }

    fn social_providers(&self) -> Result<Vec<ProviderConfig>, ConfigError> {
        const VAR: &str = "SOCIAL_LOGIN";
        let Some(list) = self.get(VAR) else {
            return Ok(Vec::new());
        };
        let mut providers = Vec::new();
        for key in list.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            let kind = ProviderKind::from_key(key).ok_or_else(|| {
                self.invalid(VAR, &format!("`{key}` is not one of kakao, naver, google"))
            })?;
            let [id, secret, authorize, token, userinfo] = provider_vars(kind);
            let [default_authorize, default_token, default_userinfo] = kind.default_endpoints();
            providers.push(ProviderConfig {
                kind,
                client_id: self.required(id)?,
                client_secret: Secret::new(self.required(secret)?),
                authorize_url: self.http_url(authorize, default_authorize)?,
                token_url: self.http_url(token, default_token)?,
                userinfo_url: self.http_url(userinfo, default_userinfo)?,
            });
        }
        Ok(providers)
    }

    fn site_url(&self) -> Result<Option<String>, ConfigError> {
        const VAR: &str = "SITE_URL";
        let Some(raw) = self.get(VAR) else {
            return Ok(None);
        };
        let url = reqwest::Url::parse(raw.trim())
            .map_err(|err| self.invalid(VAR, &format!("`{raw}` is not a URL: {err}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(self.invalid(VAR, "must be an http(s) origin"));
        }
        Ok(Some(url.origin().ascii_serialization()))
    }

    /// An http(s) URL with a host, `default` when unset.
    fn http_url(&self, var: &'static str, default: &str) -> Result<reqwest::Url, ConfigError> {
        let raw = self.get(var).unwrap_or(default).trim();
        let url = reqwest::Url::parse(raw)
            .map_err(|err| self.invalid(var, &format!("`{raw}` is not a URL: {err}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(self.invalid(var, "must be an http(s) URL with a host"));
        }
        Ok(url)
    }

    fn portone_api_base(&self) -> Result<reqwest::Url, ConfigError> {
        const VAR: &str = "PORTONE_API_BASE";
        let raw = self.get(VAR).unwrap_or("https://api.portone.io").trim();
        let invalid = |why: &str| self.invalid(VAR, &format!("`{raw}` {why}"));
        let url =
            reqwest::Url::parse(raw).map_err(|err| invalid(&format!("is not a URL: {err}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(invalid("must be an http(s) URL with a host"));
        }
        if url.cannot_be_a_base()
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(invalid(
                "must be a base URL: no query, fragment or credentials",
            ));
        }
        Ok(url)
    }

    /// Both of store id and channel key, or neither: one alone is a typo, and would
    /// otherwise show a payment button that can never work.
    fn portone_browser(&self) -> Result<Option<Box<PortOneBrowser>>, ConfigError> {
        let store_id = self.portone_key("PORTONE_STORE_ID")?;
        let channel_key = self.portone_key("PORTONE_CHANNEL_KEY")?;
        const VAR: &str = "PORTONE_SDK_URL";
        let (store_id, channel_key) = match (store_id, channel_key) {
            (None, None) if self.get(VAR).is_some() => {
                return Err(self.invalid(
                    VAR,
                    "is used only with PORTONE_STORE_ID and PORTONE_CHANNEL_KEY",
                ))
            }
            (None, None) => return Ok(None),
            (Some(store_id), Some(channel_key)) => (store_id, channel_key),
            (None, Some(_)) => {
                return Err(self.invalid("PORTONE_STORE_ID", "is required with PORTONE_CHANNEL_KEY"))
            }
            (Some(_), None) => {
                return Err(self.invalid("PORTONE_CHANNEL_KEY", "is required with PORTONE_STORE_ID"))
            }
        };
        let sdk_url = self.http_url(VAR, "https://cdn.portone.io/v2/browser-sdk.js")?;
        // A page's policy names the SDK's origin, and a policy cannot name an IPv6
        // address: plain http is for a double on 127.0.0.1 or localhost only.
        let loopback = matches!(sdk_url.host_str(), Some("127.0.0.1" | "localhost"));
        if sdk_url.scheme() != "https" && !loopback {
            return Err(self.invalid(VAR, "must be https (http only on 127.0.0.1 or localhost)"));
        }
        if sdk_url.query().is_some()
            || sdk_url.fragment().is_some()
            || !sdk_url.username().is_empty()
            || sdk_url.password().is_some()
        {
            return Err(self.invalid(VAR, "must have no query, fragment or credentials"));
        }
        Ok(Some(Box::new(PortOneBrowser {
            store_id,
            channel_key,
            sdk_url,
        })))
    }

    /// PortOne's ids are ASCII words and dashes (`store-4f2…`, `channel-key-…`); anything
    /// else is a paste gone wrong.
    fn portone_key(&self, var: &'static str) -> Result<Option<String>, ConfigError> {
        let Some(raw) = self.get(var) else {
            return Ok(None);
        };
        let raw = raw.trim();
        if raw.len() > 100
            || !raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(self.invalid(var, "must be ASCII letters, digits, - and _ (at most 100)"));
        }
        Ok(Some(raw.to_string()))
    }

    fn index_dir(&self) -> PathBuf {
        PathBuf::from(self.get("INDEX_DIR").unwrap_or("data/index"))
    }

    fn get(&self, var: &str) -> Option<&str> {
        self.0
            .get(var)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    fn required(&self, var: &'static str) -> Result<String, ConfigError> {
        self.get(var)
            .map(str::to_string)
            .ok_or_else(|| self.invalid(var, "is required"))
    }

    fn invalid(&self, var: &'static str, message: &str) -> ConfigError {
        ConfigError {
            var,
            message: message.to_string(),
        }
    }

    fn parsed<T: std::str::FromStr>(
        &self,
        var: &'static str,
        default: &str,
    ) -> Result<T, ConfigError> {
        let raw = self.get(var).unwrap_or(default);
        raw.trim()
            .parse()
            .map_err(|_| self.invalid(var, &format!("cannot parse `{raw}`")))
    }

    fn flag(&self, var: &'static str) -> Result<bool, ConfigError> {
        match self.get(var).map(str::to_ascii_lowercase).as_deref() {
            None | Some("0" | "false" | "no") => Ok(false),
            Some("1" | "true" | "yes") => Ok(true),
            Some(other) => {
                Err(self.invalid(var, &format!("expected true or false, got `{other}`")))
            }
        }
    }

    fn bounded(
        &self,
        var: &'static str,
        default: u32,
        range: std::ops::RangeInclusive<u32>,
    ) -> Result<u32, ConfigError> {
        let value: u32 = self.parsed(var, &default.to_string())?;
        if !range.contains(&value) {
            return Err(self.invalid(
                var,
                &format!("must be between {} and {}", range.start(), range.end()),
            ));
        }
        Ok(value)
    }

    fn seconds(
        &self,
        var: &'static str,
        default: u32,
        range: std::ops::RangeInclusive<u32>,
    ) -> Result<Duration, ConfigError> {
        self.bounded(var, default, range)
            .map(|secs| Duration::from_secs(secs.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const SECRET: (&str, &str) = ("JWT_SECRET", "0123456789abcdef0123456789abcdef");
    const PORTONE: (&str, &str) = ("PAYMENT_GATEWAY", "portone");
    const PORTONE_SECRET: (&str, &str) = ("PORTONE_API_SECRET", "portone-secret");

    #[test]
    fn read_replicas_are_a_comma_separated_list_with_a_lag_bound() {
        let none = Config::from_vars(vars(&[SECRET])).unwrap().read_replicas;
        assert!(none.urls.is_empty());
        assert_eq!(none.max_lag, Duration::from_secs(5));

        let two = IndexerConfig::from_vars(vars(&[
            (
                "DATABASE_READ_URL",
                "mysql://reader:pw@10.0.0.2:3306/marquee, mysql://reader:pw@10.0.0.3/marquee",
            ),
            ("READ_REPLICA_MAX_LAG_SECS", "2"),
        ]))
        .unwrap()
        .read_replicas;
        let urls: Vec<&str> = two.urls.iter().map(Secret::expose).collect();
        assert_eq!(
            urls,
            [
                "mysql://reader:pw@10.0.0.2:3306/marquee",
                "mysql://reader:pw@10.0.0.3/marquee"
            ]
        );
        assert_eq!(two.max_lag, Duration::from_secs(2));

        for (var, value) in [
            ("DATABASE_READ_URL", "postgres://10.0.0.2/marquee"),
            ("DATABASE_READ_URL", "mysql://10.0.0.2/marquee,"),
            ("READ_REPLICA_MAX_LAG_SECS", "0"),
        ] {
            let err = Config::from_vars(vars(&[SECRET, (var, value)])).unwrap_err();
            assert_eq!(err.var, var, "{value}");
        }
    }

    #[test]
    fn cors_origins_are_kept_in_canonical_form() {
        let config = Config::from_vars(vars(&[
            SECRET,
            (
                "CORS_ALLOWED_ORIGINS",
                "https://App.Example.kr, http://localhost:5173/,",
            ),
        ]))
        .unwrap();
        assert_eq!(
            config.cors_allowed_origins,
            ["https://app.example.kr", "http://localhost:5173"]
        );
    }

    #[test]
    fn a_portone_base_with_a_path_is_kept_for_joining() {
        let config = Config::from_vars(vars(&[
            SECRET,
            PORTONE,
            PORTONE_SECRET,
            ("PORTONE_API_BASE", "http://127.0.0.1:9/v2"),
        ]))
        .unwrap();
        let GatewayConfig::PortOne { api_base, .. } = config.gateway else {
            panic!("expected the portone gateway");
        };
        assert_eq!(api_base.as_str(), "http://127.0.0.1:9/v2");
    }

    #[test]
    fn the_browser_sdk_is_configured_only_with_a_store_and_a_channel() {
        let gateway = |extra: &[(&str, &str)]| {
            let mut all = vec![SECRET, PORTONE, PORTONE_SECRET];
            all.extend_from_slice(extra);
            match Config::from_vars(vars(&all)).unwrap().gateway {
                GatewayConfig::PortOne { browser, .. } => browser,
                GatewayConfig::Dev => panic!("expected the portone gateway"),
            }
        };
        assert!(
            gateway(&[]).is_none(),
            "no store: apps pay, the site cannot"
        );
        let store = ("PORTONE_STORE_ID", "store-4f2a");
        let channel = ("PORTONE_CHANNEL_KEY", "channel-key-9b1c");
        let browser = gateway(&[store, channel]).unwrap();
        assert_eq!(
            (browser.store_id.as_str(), browser.channel_key.as_str()),
            ("store-4f2a", "channel-key-9b1c")
        );
        assert_eq!(
            browser.sdk_url.as_str(),
            "https://cdn.portone.io/v2/browser-sdk.js"
        );
        let double = gateway(&[
            store,
            channel,
            ("PORTONE_SDK_URL", "http://127.0.0.1:4000/v2/browser-sdk.js"),
        ])
        .unwrap();
        assert_eq!(
            double.sdk_url.origin().ascii_serialization(),
            "http://127.0.0.1:4000"
        );
    }

    #[test]
    fn defaults_apply_when_only_the_secret_is_set() {
        let config = Config::from_vars(vars(&[SECRET])).unwrap();
        assert_eq!(config.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.hold_ttl, Duration::from_secs(300));
        assert_eq!(config.catalog_cache_ttl, Duration::from_secs(1));
        assert_eq!(config.max_seats_per_hold, 4);
        assert_eq!(config.max_tickets_per_schedule, 4);
        assert_eq!(config.refund_policy, RefundPolicy::korean_default());
        assert_eq!(config.booking_fee, BookingFee::per_ticket(2_000));
        assert_eq!(
            config.resale,
            ResaleRules {
                price_cap_percent: 100,
                fee_percent: 0
            }
        );
        assert!(matches!(config.gateway, GatewayConfig::Dev));
        assert!(config.admin.is_none());
        assert!(!config.demo_catalog);
        assert_eq!(config.queue_limits, QueueLimits::default());
        assert_eq!(config.client_ip_header, None);
        assert!(
            !format!("{config:?}").contains("0123456789abcdef"),
            "secrets never print"
        );
    }

    #[test]
    fn the_client_address_header_is_lower_cased_and_a_limit_of_zero_is_off() {
        let config = Config::from_vars(vars(&[
            SECRET,
            ("CLIENT_IP_HEADER", "X-Forwarded-For"),
            ("QUEUE_LIMIT_PER_ADDRESS", "0"),
        ]))
        .unwrap();
        assert_eq!(config.client_ip_header.as_deref(), Some("x-forwarded-for"));
        assert_eq!(config.queue_limits.per_address, 0);
    }

    #[test]
    fn each_bad_setting_is_named() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "JWT_SECRET"),
            (&[("JWT_SECRET", "short")], "JWT_SECRET"),
            (&[SECRET, ("BIND_ADDR", "nowhere")], "BIND_ADDR"),
            (&[SECRET, ("HOLD_TTL_SECS", "0")], "HOLD_TTL_SECS"),
            (
                &[SECRET, ("MAX_SEATS_PER_HOLD", "many")],
                "MAX_SEATS_PER_HOLD",
            ),
            (&[SECRET, ("REFUND_POLICY", "10:200")], "REFUND_POLICY"),
            (
                &[SECRET, ("RESALE_PRICE_CAP_PERCENT", "0")],
                "RESALE_PRICE_CAP_PERCENT",
            ),
            (
                &[SECRET, ("RESALE_FEE_PERCENT", "51")],
                "RESALE_FEE_PERCENT",
            ),
            (&[SECRET, ("PAYMENT_GATEWAY", "paypal")], "PAYMENT_GATEWAY"),
            (&[SECRET, ("SOCIAL_LOGIN", "facebook")], "SOCIAL_LOGIN"),
            (
                &[SECRET, ("SOCIAL_LOGIN", "kakao")],
                "OAUTH_KAKAO_CLIENT_ID",
            ),
            (
                &[
                    SECRET,
                    ("SOCIAL_LOGIN", "naver"),
                    ("OAUTH_NAVER_CLIENT_ID", "id"),
                    ("OAUTH_NAVER_CLIENT_SECRET", "secret"),
                    ("OAUTH_NAVER_TOKEN_URL", "nid.naver.com/token"),
                ],
                "OAUTH_NAVER_TOKEN_URL",
            ),
            (&[SECRET, ("SITE_URL", "marquee.example.kr")], "SITE_URL"),
            (
                &[SECRET, ("PAYMENT_GATEWAY", "portone")],
                "PORTONE_API_SECRET",
            ),
            (
                &[
                    SECRET,
                    PORTONE,
                    PORTONE_SECRET,
                    ("PORTONE_API_BASE", "api.portone.io"),
                ],
                "PORTONE_API_BASE",
            ),
            (
                &[
                    SECRET,
                    PORTONE,
                    PORTONE_SECRET,
                    ("PORTONE_API_BASE", "ftp://api.portone.io"),
                ],
                "PORTONE_API_BASE",
            ),
            (
                &[
                    SECRET,
                    PORTONE,
                    PORTONE_SECRET,
                    ("PORTONE_API_BASE", "mailto:pay@portone.io"),
                ],
                "PORTONE_API_BASE",
            ),
            (
                &[
                    SECRET,
                    PORTONE,
                    PORTONE_SECRET,
                    ("PORTONE_API_BASE", "https://api.portone.io/?v=2"),
                ],
                "PORTONE_API_BASE",
            ),
            (
                &[
                    SECRET,
                    PORTONE,
                    PORTONE_SECRET,
                    ("PORTONE_STORE_ID", "store-1"),
                ],
                "PORTONE_CHANNEL_KEY",
            ),
            (
                &[
                    SECRET,
                    PORTONE,
                    PORTONE_SECRET,
                    ("PORTONE_CHANNEL_KEY", "channel-key-1"),
                ],
                "PORTONE_STORE_ID",
            ),
            (
                &[
                    SECRET,
                    PORTONE,
                    PORTONE_SECRET,
                    ("PORTONE_STORE_ID", "store-1\" onload=\"x"),
                    ("PORTONE_CHANNEL_KEY", "channel-key-1"),
                ],
                "PORTONE_STORE_ID",
            ),
            (
                &[
                    SECRET,
                    PORTONE,
                    PORTONE_SECRET,
                    ("PORTONE_STORE_ID", "store-1"),
                    ("PORTONE_CHANNEL_KEY", "channel-key-1"),
                    ("PORTONE_SDK_URL", "http://cdn.example.kr/sdk.js"),
                ],
                "PORTONE_SDK_URL",
            ),
            (
                &[
                    SECRET,
                    PORTONE,
                    PORTONE_SECRET,
                    ("PORTONE_STORE_ID", "store-1"),
                    ("PORTONE_CHANNEL_KEY", "channel-key-1"),
                    ("PORTONE_SDK_URL", "http://[::1]:4000/sdk.js"),
                ],
                "PORTONE_SDK_URL",
            ),
            (
                &[
                    SECRET,
                    PORTONE,
                    PORTONE_SECRET,
                    ("PORTONE_STORE_ID", "store-1"),
                    ("PORTONE_CHANNEL_KEY", "channel-key-1"),
                    (
                        "PORTONE_SDK_URL",
                        "https://cdn.portone.io/v2/browser-sdk.js?v=1",
                    ),
                ],
                "PORTONE_SDK_URL",
            ),
            (
                &[
                    SECRET,
                    PORTONE,
                    PORTONE_SECRET,
                    (
                        "PORTONE_SDK_URL",
                        "https://cdn.portone.io/v2/browser-sdk.js",
                    ),
                ],
                "PORTONE_SDK_URL",
            ),
            (&[SECRET, ("ADMIN_EMAIL", "a@b.co")], "ADMIN_PASSWORD"),
            (
                &[SECRET, ("CORS_ALLOWED_ORIGINS", "*")],
                "CORS_ALLOWED_ORIGINS",
            ),
            (
                &[
                    SECRET,
                    ("CORS_ALLOWED_ORIGINS", "https://app.example.kr/path"),
                ],
                "CORS_ALLOWED_ORIGINS",
            ),
            (&[SECRET, ("METRICS_TOKEN", "short")], "METRICS_TOKEN"),
            (&[SECRET, ("DATABASE_URL", "postgres://x")], "DATABASE_URL"),
            (&[SECRET, ("REDIS_URL", "localhost")], "REDIS_URL"),
            (
                &[SECRET, ("REDIS_URL", "redis+cluster://127.0.0.1:x")],
                "REDIS_URL",
            ),
            (&[SECRET, ("DEMO_CATALOG", "maybe")], "DEMO_CATALOG"),
            (
                &[SECRET, ("CLIENT_IP_HEADER", "X-Forwarded-For:")],
                "CLIENT_IP_HEADER",
            ),
            (
                &[SECRET, ("QUEUE_LIMIT_WINDOW_SECS", "0")],
                "QUEUE_LIMIT_WINDOW_SECS",
            ),
            (
                &[SECRET, ("LOGIN_LIMIT_PER_EMAIL", "0")],
                "LOGIN_LIMIT_PER_EMAIL",
            ),
            (
                &[SECRET, ("PASSWORD_HASH_CONCURRENCY", "0")],
                "PASSWORD_HASH_CONCURRENCY",
            ),
        ];
        for (pairs, var) in cases {
            let err = Config::from_vars(vars(pairs)).unwrap_err();
            assert_eq!(err.var, *var);
            assert!(err
                .to_string()
                .starts_with(&format!("invalid configuration: {var}: ")));
        }
    }
}
