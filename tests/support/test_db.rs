//! A fresh, migrated MariaDB database per test, dropped when the test ends (also when it
//! panics), shared by the test binaries of every crate.
//!
//! Each test binary uses a different part of it.
//!
//! `TEST_DATABASE_URL` names the server (default `mysql://root@127.0.0.1:3306`).

#![allow(dead_code)]

use marquee_core::db;
use rand::Rng;
use sqlx::mysql::MySqlConnectOptions;
use sqlx::MySqlPool;

pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_string())
}

pub struct TestDb {
    /// The server it lives on, which drops it at the end.
    server: String,
    pub name: String,
    pub url: String,
    pub pool: MySqlPool,
}

impl TestDb {
    pub async fn new() -> Self {
        Self::on(&server_url()).await
    }

    /// A fresh database on another server (a private primary with replicas).
    pub async fn on(server: &str) -> Self {
        let name = format!("marquee_test_{:016x}", rand::thread_rng().gen::<u64>());
        let url = format!("{}/{}", server.trim_end_matches('/'), name);
        db::ensure_database(&url)
            .await
            .expect("create test database");
        let pool = db::connect_patient(&url)
            .await
            .expect("connect to test database");
        db::MIGRATOR
            .run(&pool)
            .await
            .expect("migrate test database");
        TestDb {
            server: server.to_string(),
            name,
            url,
            pool,
        }
    }

    /// A second, independent pool on the same database: another api process.
    pub async fn second_pool(&self) -> MySqlPool {
        db::connect_patient(&self.url).await.expect("second pool")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let server = self.server.clone();
        // Drop runs outside async context (and during panics), so use a thread with
        // its own runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let options: MySqlConnectOptions = server.parse().unwrap();
                if let Ok(pool) = sqlx::pool::PoolOptions::<sqlx::MySql>::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                {
                    // The test's own pool may still hold connections (with a dropped
                    // transaction's rollback not yet flushed, since this thread blocks
                    // the test's runtime); end them so the drop cannot wait on a lock.
                    let ids: Vec<i64> =
                        sqlx::query_scalar("select cast(id as signed) from information_schema.processlist where db = ?")
                            .bind(&name)
                            .fetch_all(&pool)
                            .await
                            .expect("list test database connections");
                    for id in ids {
                        let _ = sqlx::query(&format!("kill {id}")).execute(&pool).await;
                    }
                    let _ = sqlx::query(&format!("drop database if exists `{name}`")).execute(&pool).await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}
