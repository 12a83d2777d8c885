//! What every handler shares. Cheap to clone: pools and services are handles.

use std::sync::Arc;

use axum::http::{HeaderName, HeaderValue};
use marquee_core::accounts::social::{ProviderConfig, SocialClient};
use marquee_core::accounts::tokens::TokenKeys;
use marquee_core::accounts::AuthService;
use marquee_core::booking::booking_fee::BookingFee;
use marquee_core::booking::holds::HoldRules;
use marquee_core::booking::refund_policy::RefundPolicy;
use marquee_core::config::{Config, GatewayConfig};
use marquee_core::performance_cancellation::job::CancellationWorker;
use marquee_core::points::{ChargeService, DevGateway, PaymentGateway, PortOneGateway};
use marquee_core::queue::WaitingRoom;
use marquee_core::read_replicas::ReadReplicas;
use marquee_core::resale::ResaleRules;
use marquee_core::search::searcher::ShowSearch;
use marquee_core::search::trends::SearchTrends;
use marquee_core::Error;
use sqlx::MySqlPool;

use super::page_cache::PageCache;
use super::poster_cache::PosterCache;
use super::site_payment::SitePayment;

#[derive(Clone)]
pub struct AppState {
    /// The primary: every write, every decision, and what a user reads about themselves.
    pub pool: MySqlPool,
    /// Reads that may be a moment stale (the public catalog, resale listings), served
    /// by a read replica while one keeps up (`DATABASE_READ_URL`).
    pub reads: ReadReplicas,
    pub auth: AuthService,
    pub charges: ChargeService,
    pub hold_rules: HoldRules,
    pub refund_policy: Arc<RefundPolicy>,
    pub booking_fee: BookingFee,
    /// Runs the refunds of cancelled performances in this process's background.
    pub cancellations: CancellationWorker,
    pub resale: ResaleRules,
    pub waiting_room: WaitingRoom,
    /// Where the client's address comes from (see `extract::ClientIp`).
    pub client_ip_header: Option<HeaderName>,
    /// The public catalog's answers, kept for `CATALOG_CACHE_TTL_MS`.
    pub pages: PageCache,
    /// Poster images read from the database, by show and width.
    pub posters: PosterCache,
    /// Read-only view of the index under `INDEX_DIR`.
    pub search: Arc<ShowSearch>,
    /// Search counts (popular queries, misses), flushed to Redis every second.
    pub trends: Arc<SearchTrends>,
    /// Browser origins allowed by CORS (see `hygiene::cors`).
    pub cors_origins: Vec<HeaderValue>,
    /// Social login providers, in the order configured, and the client that calls them.
    pub social: Arc<[ProviderConfig]>,
    pub social_client: SocialClient,
    /// `SITE_URL`: the origin social login's redirect URI is made from.
    pub site_url: Option<Arc<str>>,
    /// How the site's pages take a top-up payment.
    pub site_payment: SitePayment,
    /// Whether the site's cookies are `Secure` (`SECURE_COOKIES`).
    pub secure_cookies: bool,
    /// What `/metrics` wants as a bearer token; None turns it off.
    pub metrics_token: Option<Arc<str>>,
    /// Turns true when the process starts shutting down: long-lived answers (event
    /// streams) end themselves so the drain can finish.
    shutting_down: Arc<tokio::sync::watch::Sender<bool>>,
}

impl AppState {
    /// The configured social login provider named in a path (`kakao`, `naver`, `google`).
    pub fn social_provider(&self, key: &str) -> Result<&ProviderConfig, Error> {
        self.social
            .iter()
            .find(|p| p.kind.key() == key)
            .ok_or(Error::NotFound("social provider"))
    }

    /// Tells every open event stream to send its last event and end.
    pub fn begin_shutdown(&self) {
        self.shutting_down.send_replace(true);
    }

    /// Resolves once shutdown has begun (at once if it already has).
    pub fn shutdown_signal(&self) -> tokio::sync::watch::Receiver<bool> {
        self.shutting_down.subscribe()
    }

    pub fn new(pool: MySqlPool, config: &Config) -> Self {
        let gateway: Arc<dyn PaymentGateway> = match &config.gateway {
            GatewayConfig::Dev => Arc::new(DevGateway),
            GatewayConfig::PortOne {
                api_base,
                api_secret,
                ..
            } => Arc::new(PortOneGateway::new(api_base.clone(), api_secret.expose())),
        };
        let keys = TokenKeys::new(
            config.jwt_secret.expose(),
            config.access_token_ttl,
            config.refresh_token_ttl,
        );
        AppState {
            auth: AuthService::new(pool.clone(), keys)
                .with_limits(config.hashing_limits, config.login_limits),
            charges: ChargeService::new(pool.clone(), gateway),
            hold_rules: HoldRules {
                ttl: config.hold_ttl,
                max_seats: config.max_seats_per_hold,
                max_per_schedule: config.max_tickets_per_schedule,
            },
            refund_policy: Arc::new(config.refund_policy.clone()),
            booking_fee: config.booking_fee,
            cancellations: CancellationWorker::new(pool.clone(), config.cancellation),
            resale: config.resale,
            waiting_room: WaitingRoom::new(
                pool.clone(),
                &config.redis_url,
                &config.queue_key_prefix,
                config.jwt_secret.expose(),
            )
            .expect("REDIS_URL was checked when the configuration was read")
            .with_limits(config.queue_limits),
            client_ip_header: config.client_ip_header.as_deref().map(|name| {
                HeaderName::from_bytes(name.as_bytes())
                    .expect("CLIENT_IP_HEADER was checked when the configuration was read")
            }),
            pages: PageCache::new(config.catalog_cache_ttl),
            posters: PosterCache::default(),
            search: Arc::new(ShowSearch::new(config.index_dir.clone())),
            trends: Arc::new(
                SearchTrends::new(&config.redis_url, &config.queue_key_prefix)
                    .expect("REDIS_URL was checked when the configuration was read"),
            ),
            cors_origins: config
                .cors_allowed_origins
                .iter()
                .map(|origin| {
                    HeaderValue::from_str(origin)
                        .expect("CORS_ALLOWED_ORIGINS was checked when the configuration was read")
                })
                .collect(),
            secure_cookies: config.secure_cookies,
            social: config.social_providers.clone().into(),
            social_client: SocialClient::default(),
            site_url: config.site_url.as_deref().map(Arc::from),
            site_payment: SitePayment::from_config(&config.gateway),
            metrics_token: config
                .metrics_token
                .as_ref()
                .map(|token| Arc::from(token.expose())),
            shutting_down: Arc::new(tokio::sync::watch::Sender::new(false)),
            reads: ReadReplicas::new(
                pool.clone(),
                &config
                    .read_replicas
                    .urls
                    .iter()
                    .map(|url| url.expose())
                    .collect::<Vec<_>>(),
                config.read_replicas.max_lag,
            )
            .expect("DATABASE_READ_URL was checked when the configuration was read"),
            pool,
        }
    }
}
