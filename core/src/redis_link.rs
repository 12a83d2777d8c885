//! One way to reach Redis for everything that keeps state there (the waiting room,
//! search counts): one server or a Redis Cluster, behind one connection type, and a
//! connection that fails fast, since a request waiting on a dead Redis helps no one and
//! the client is told to retry.
//!
//! `REDIS_URL` names either one server (`redis://host:port`) or a cluster by some of
//! its nodes: `redis+cluster://host:port,host:port,...`, or several `redis://` URLs
//! separated by commas. Any reachable node will do as a seed; the client learns the
//! rest of the cluster and its slot map from it, follows `MOVED` and `ASK` redirects
//! during resharding, and refreshes the map after a failover. Every multi-key command
//! and script of ours names keys of one hash slot (see `queue::store` and
//! `search::trends`), so each runs whole on one shard.

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Value};

/// How long connecting and answering may take before Redis counts as unavailable.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Where Redis is, as `REDIS_URL` says.
#[derive(Clone)]
pub enum RedisTarget {
    Single(redis::Client),
    Cluster(ClusterClient),
}

impl RedisTarget {
    /// Reads `REDIS_URL` (see the module comment). Does not connect.
    pub fn parse(url: &str) -> Result<Self, String> {
        let seeds = cluster_seeds(url);
        if seeds.len() == 1 && !url.starts_with("redis+cluster://") {
            return redis::Client::open(url)
                .map(RedisTarget::Single)
                .map_err(|err| err.to_string());
        }
        ClusterClient::builder(seeds)
            .connection_timeout(CONNECT_TIMEOUT)
            .response_timeout(RESPONSE_TIMEOUT)
            // A failover or a resharding redirect costs a retry, not a wrong answer;
            // a shard that stays down fails its schedules within about a second.
            .retries(3)
            .min_retry_wait(50)
            .max_retry_wait(400)
            .build()
            .map(RedisTarget::Cluster)
            .map_err(|err| err.to_string())
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self, RedisTarget::Cluster(_))
    }

    pub async fn connect(&self) -> RedisResult<RedisConn> {
        match self {
            RedisTarget::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(CONNECT_TIMEOUT)
                    .set_response_timeout(RESPONSE_TIMEOUT)
                    .set_number_of_retries(1)
                    .set_max_delay(200);
                let manager = client.get_connection_manager_with_config(config).await?;
                Ok(RedisConn::Single(manager))
            }
            RedisTarget::Cluster(client) => {
                Ok(RedisConn::Cluster(client.get_async_connection().await?))
            }
        }
    }
}

/// The seed URLs of a cluster URL: `redis+cluster://a:1,b:2` or `redis://a:1,redis://b:2`
/// become `redis://a:1` and `redis://b:2`; a plain URL is its own one seed.
fn cluster_seeds(url: &str) -> Vec<String> {
    let rest = url.strip_prefix("redis+cluster://").unwrap_or(url);
    rest.split(',')
        .map(str::trim)
        .filter(|seed| !seed.is_empty())
        .map(|seed| {
            if seed.starts_with("redis://") {
                seed.to_string()
            } else {
                format!("redis://{seed}")
            }
        })
        .collect()
}

/// A connection to one server or to a cluster; cheap to clone, shared by all requests.
#[derive(Clone)]
pub enum RedisConn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for RedisConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            RedisConn::Single(conn) => conn.req_packed_command(cmd),
            RedisConn::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            RedisConn::Single(conn) => conn.req_packed_commands(pipeline, offset, count),
            RedisConn::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            RedisConn::Single(conn) => conn.get_db(),
            RedisConn::Cluster(conn) => conn.get_db(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_is_named_by_its_seeds_in_either_form() {
        assert_eq!(
            cluster_seeds("redis+cluster://127.0.0.1:7001,127.0.0.1:7002"),
            ["redis://127.0.0.1:7001", "redis://127.0.0.1:7002"]
        );
        assert_eq!(
            cluster_seeds("redis://127.0.0.1:7001, redis://127.0.0.1:7002"),
            ["redis://127.0.0.1:7001", "redis://127.0.0.1:7002"]
        );
        assert!(RedisTarget::parse("redis+cluster://127.0.0.1:7001")
            .unwrap()
            .is_cluster());
        assert!(
            RedisTarget::parse("redis://127.0.0.1:7001,redis://127.0.0.1:7002")
                .unwrap()
                .is_cluster()
        );
        assert!(!RedisTarget::parse("redis://127.0.0.1:6379")
            .unwrap()
            .is_cluster());
    }
}
