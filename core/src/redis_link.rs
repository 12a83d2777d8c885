//! One way to reach Redis for everything that keeps state there (the waiting room,
//! search counts): a connection manager that fails fast, since a request waiting on a
//! dead Redis helps no one and the client is told to retry.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub async fn fail_fast(client: &redis::Client) -> redis::RedisResult<ConnectionManager> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Duration::from_millis(500))
        .set_response_timeout(Duration::from_secs(2))
        .set_number_of_retries(1)
        .set_max_delay(200);
    client.get_connection_manager_with_config(config).await
}
