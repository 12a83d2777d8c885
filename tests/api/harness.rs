//! Test harness: a fresh, migrated MariaDB database per test and the real router.
//!
//! `TEST_DATABASE_URL` names the server (default `mysql://root@127.0.0.1:3306`). Each
//! `TestApp` creates `marquee_test_<random>` and drops it when the test ends, also when
//! it panics, so tests never see each other's rows.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use marquee_api::AppState;
use marquee_core::accounts::tokens::TokenKeys;
use marquee_core::accounts::Role;
use marquee_core::config::Config;
use marquee_core::queue::store::QueueStore;
use marquee_core::queue::WaitingRoom;
use rand::Rng;
use serde_json::{json, Value};
use sqlx::MySqlPool;
use tower::ServiceExt;

pub use crate::index_dir::{index_dir, IndexDir};
pub use crate::test_db::TestDb;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret";

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string())
}

pub fn test_config(overrides: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::new();
    vars.insert("JWT_SECRET".into(), JWT_SECRET.into());
    vars.insert("REDIS_URL".into(), redis_url());
    // Most tests read back what they just wrote (a hold, then the seat map), so the
    // catalog cache is off unless a test turns it on (tests/api/page_cache.rs does).
    vars.insert("CATALOG_CACHE_TTL_MS".into(), "0".into());
    // Prices in tests are the seats' own; tests of the booking fee (tests/api/fees.rs)
    // turn it on, and the contract and the browser journeys run with the default.
    vars.insert("BOOKING_FEE".into(), "0".into());
    for (key, value) in overrides {
        vars.insert((*key).into(), (*value).into());
    }
    Config::from_vars(vars).expect("test config is valid")
}

pub struct TestApp {
    pub db: TestDb,
    /// This test's waiting-room keys in Redis, deleted when the test ends (held only
    /// for its drop).
    _redis_keys: RedisKeys,
    /// The search index this app reads (empty until a test indexes into it).
    pub index_dir: IndexDir,
    pub router: Router,
    pub config: Config,
    /// What the router serves from, for tests that look behind it (read replicas).
    pub state: AppState,
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::with_config(&[]).await
    }

    pub async fn with_config(overrides: &[(&str, &str)]) -> Self {
        Self::on_database(TestDb::new().await, overrides).await
    }

    /// An app on `db` (a private server's) with `overrides`; replicas named in them
    /// are measured from the start, as `marquee_api::run` does.
    pub async fn on_database(db: TestDb, overrides: &[(&str, &str)]) -> Self {
        // Logs go through libtest's capture, so a failing test shows the api's own
        // account of what went wrong (for example the cause of a 500).
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn,marquee_api=info,marquee_core::read_replicas=info")
            .with_test_writer()
            .try_init();
        let index_dir = index_dir();
        let index_path = index_dir.display().to_string();
        let redis_keys = RedisKeys(db.name.clone());
        let mut vars: Vec<(&str, &str)> = vec![
            ("INDEX_DIR", index_path.as_str()),
            ("QUEUE_KEY_PREFIX", redis_keys.0.as_str()),
        ];
        vars.extend_from_slice(overrides);
        let config = test_config(&vars);
        let state = AppState::new(db.pool.clone(), &config);
        marquee_core::read_replicas::spawn_monitor(state.reads.clone());
        let router = marquee_api::app(state.clone());
        TestApp {
            state,
            db,
            _redis_keys: redis_keys,
            index_dir,
            router,
            config,
        }
    }

    pub fn pool(&self) -> &MySqlPool {
        &self.db.pool
    }

    /// Another handle on this app's waiting room, with its own Redis connection: what
    /// another api process would use. Tests drive admission ticks through it.
    pub fn waiting_room(&self) -> WaitingRoom {
        WaitingRoom::new(
            self.db.pool.clone(),
            &self.config.redis_url,
            &self.config.queue_key_prefix,
            JWT_SECRET,
        )
        .unwrap()
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        send(&self.router, method, path, token, body, &[]).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> TestResponse {
        self.send(Method::POST, path, token, Some(body)).await
    }

    /// POSTs as `user` with an `Idempotency-Key` header.
    pub async fn post_with_key(
        &self,
        user: &TestUser,
        path: &str,
        body: Option<Value>,
        key: &str,
    ) -> TestResponse {
        send(
            &self.router,
            Method::POST,
            path,
            Some(&user.token),
            body,
            &[("idempotency-key", key)],
        )
        .await
    }

    /// An active user with a live session, made directly in the database: argon2 is
    /// deliberately slow, and most tests are not about passwords.
    pub async fn user(&self, email: &str) -> TestUser {
        make_user(self.pool(), email, Role::User).await
    }

    pub async fn admin(&self) -> TestUser {
        let email = format!("admin-{:x}@marquee.test", rand::thread_rng().gen::<u32>());
        make_user(self.pool(), &email, Role::Admin).await
    }

    /// Credits points through the dev gateway, as a client would.
    pub async fn charge(&self, user: &TestUser, amount: i64) {
        let payment_id = format!("dev_{:x}", rand::thread_rng().gen::<u64>());
        let response = self
            .post(
                "/api/v1/points/charges",
                Some(&user.token),
                json!({"payment_id": payment_id, "amount": amount}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    }

    /// Creates a show on sale now, with one schedule `days_ahead` days out and a seat
    /// map of `seats` R seats at 50,000 in row A.
    pub async fn show_on_sale(&self, days_ahead: i64, seats: u32) -> ShowFixture {
        let admin = self.admin().await;
        let starts_at = chrono::Utc::now() + chrono::Duration::days(days_ahead);
        let response = self
            .post(
                "/api/v1/shows",
                Some(&admin.token),
                json!({
                    "title": "시카고",
                    "title_en": "Chicago",
                    "category": "MUSICAL",
                    "venue": {"name": "디큐브 링크아트센터", "address": "서울 구로구 경인로 662"},
                    "artists": ["최재림", "아이비"],
                    "booking_opens_at": "2025-01-01T00:00:00+09:00",
                    "schedules": [{
                        "starts_at": starts_at.to_rfc3339(),
                        "grades": [{"name": "R", "price": 50000, "rows": ["A"], "seats_per_row": seats}]
                    }]
                }),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
        let show_id = response.body["id"].as_i64().unwrap();
        let schedule_id = response.body["schedules"][0]["id"].as_i64().unwrap();
        let seat_ids = self.seat_ids(schedule_id).await;
        ShowFixture {
            show_id,
            schedule_id,
            seat_ids,
            admin,
        }
    }

    /// The schedule's seat ids, in seat-map order (by id), read from the primary: the
    /// public seat map may come from a read replica that has not caught up with the
    /// show the fixture just created.
    pub async fn seat_ids(&self, schedule_id: i64) -> Vec<i64> {
        sqlx::query_scalar("select id from seats where schedule_id = ? order by id")
            .bind(schedule_id)
            .fetch_all(self.pool())
            .await
            .unwrap()
    }

    /// Holds seats for `user`, which must succeed; returns the hold id.
    pub async fn hold(&self, user: &TestUser, schedule_id: i64, seat_ids: &[i64]) -> i64 {
        let response = self
            .post(
                "/api/v1/holds",
                Some(&user.token),
                json!({"schedule_id": schedule_id, "seat_ids": seat_ids}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
        response.body["id"].as_i64().unwrap()
    }

    /// Holds and buys seats for `user` (who must have the points); returns the order.
    pub async fn buy(&self, user: &TestUser, schedule_id: i64, seat_ids: &[i64]) -> Value {
        let hold_id = self.hold(user, schedule_id, seat_ids).await;
        let order = self
            .post(
                &format!("/api/v1/holds/{hold_id}/purchase"),
                Some(&user.token),
                json!({}),
            )
            .await;
        assert_eq!(order.status, StatusCode::CREATED, "{:?}", order.body);
        order.body
    }

    /// Moves a ticket's booking `days` into the past: four or more put it past the
    /// refund standard's 24 hours of cooling-off, weekends or not.
    pub async fn book_earlier(&self, ticket_id: i64, days: i64) {
        sqlx::query("update tickets set created_at = created_at - interval ? day where id = ?")
            .bind(days)
            .bind(ticket_id)
            .execute(self.pool())
            .await
            .unwrap();
    }

    /// `who` asks to cancel the performance (공연 취소).
    pub async fn cancel_performance(&self, who: &TestUser, schedule_id: i64) -> TestResponse {
        let path = format!("/api/v1/admin/schedules/{schedule_id}/cancellation");
        self.post(&path, Some(&who.token), json!({})).await
    }

    /// Polls the performance's cancellation until its refunds are finished (or fails the
    /// test after a minute); its last report.
    pub async fn cancellation_finished(&self, admin: &TestUser, schedule_id: i64) -> Value {
        let path = format!("/api/v1/admin/schedules/{schedule_id}/cancellation");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let progress = self.get(&path, Some(&admin.token)).await;
            assert_eq!(progress.status, StatusCode::OK, "{:?}", progress.body);
            if progress.body["status"] == "FINISHED" {
                return progress.body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "not finished: {:?}",
                progress.body
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn balance(&self, user: &TestUser) -> i64 {
        sqlx::query_scalar("select point_balance from users where id = ?")
            .bind(user.id)
            .fetch_one(self.pool())
            .await
            .unwrap()
    }

    pub async fn ledger_sum(&self, user: &TestUser) -> i64 {
        sqlx::query_scalar(
            "select cast(coalesce(sum(amount), 0) as signed) from point_ledger where user_id = ?",
        )
        .bind(user.id)
        .fetch_one(self.pool())
        .await
        .unwrap()
    }
}

/// A Redis key prefix of one test (the test database's name); its keys are deleted on
/// drop, also when the test panics.
pub struct RedisKeys(pub String);

impl Drop for RedisKeys {
    fn drop(&mut self) {
        let prefix = self.0.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                if let Ok(store) = QueueStore::new(&redis_url(), &prefix) {
                    let _ = store.purge().await;
                }
            });
        })
        .join();
    }
}

pub struct ShowFixture {
    pub show_id: i64,
    pub schedule_id: i64,
    pub seat_ids: Vec<i64>,
    pub admin: TestUser,
}

#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i64,
    pub token: String,
}

/// One real argon2id hash of "password123", computed once per test process.
pub fn known_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        marquee_core::accounts::Password::parse("password123")
            .unwrap()
            .hash()
            .unwrap()
    })
}

pub async fn make_user(pool: &MySqlPool, email: &str, role: Role) -> TestUser {
    let id = sqlx::query(
        "insert into users (email, password_hash, nickname, role) values (?, ?, 'tester', ?)",
    )
    .bind(email)
    .bind(known_hash())
    .bind(role.as_str())
    .execute(pool)
    .await
    .expect("insert user")
    .last_insert_id() as i64;
    let session_id = sqlx::query("insert into auth_sessions (user_id) values (?)")
        .bind(id)
        .execute(pool)
        .await
        .unwrap()
        .last_insert_id() as i64;
    let keys = TokenKeys::new(
        JWT_SECRET,
        std::time::Duration::from_secs(900),
        std::time::Duration::from_secs(3600),
    );
    TestUser {
        id,
        token: keys.issue_access(id, session_id, role).unwrap(),
    }
}

pub async fn send(
    router: &Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    send_raw(router, request).await
}

/// POSTs on a task of its own, so many requests race: what the racing tests share.
pub fn spawn_post(
    router: &Router,
    path: &str,
    token: &str,
    body: Option<Value>,
    headers: &[(&'static str, &'static str)],
) -> tokio::task::JoinHandle<TestResponse> {
    let (router, path, token, headers) = (
        router.clone(),
        path.to_string(),
        token.to_string(),
        headers.to_vec(),
    );
    tokio::spawn(
        async move { send(&router, Method::POST, &path, Some(&token), body, &headers).await },
    )
}

pub async fn send_raw(router: &Router, request: Request<Body>) -> TestResponse {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    TestResponse {
        status,
        headers,
        body,
    }
}
