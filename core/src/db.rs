//! Connecting to MySQL and applying migrations.

use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::MySqlPool;

/// The schema, embedded in every binary so start-up can migrate without the source tree.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub async fn connect(database_url: &str) -> Result<MySqlPool, sqlx::Error> {
    let options: MySqlConnectOptions = database_url.parse()?;
    pool_options().connect_with(options).await
}

/// Pool settings shared by the binaries and the tests. Sessions run in UTC (sqlx sets
/// `time_zone = '+00:00'`), so `current_timestamp(6)` and the app agree on instants.
pub fn pool_options() -> MySqlPoolOptions {
    MySqlPoolOptions::new()
        .max_connections(32)
        .acquire_timeout(Duration::from_secs(5))
}

/// Creates the database named in the URL when it does not exist yet.
pub async fn ensure_database(database_url: &str) -> Result<(), sqlx::Error> {
    let options: MySqlConnectOptions = database_url.parse()?;
    let Some(name) = options.get_database().map(str::to_string) else {
        return Ok(());
    };
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(sqlx::Error::Configuration(
            format!("database name `{name}` must be [A-Za-z0-9_]").into(),
        ));
    }
    let server = pool_options()
        .max_connections(1)
        .connect_with(options.database(""))
        .await;
    // `database("")` is not accepted by every server; fall back to `mysql`.
    let server = match server {
        Ok(pool) => pool,
        Err(_) => {
            let options: MySqlConnectOptions = database_url.parse()?;
            pool_options()
                .max_connections(1)
                .connect_with(options.database("mysql"))
                .await?
        }
    };
    sqlx::query(&format!(
        "create database if not exists `{name}` character set utf8mb4 collate utf8mb4_unicode_ci"
    ))
    .execute(&server)
    .await?;
    server.close().await;
    Ok(())
}
