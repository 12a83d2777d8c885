//! Lua scripts run by their hash, and by their source on the one node that lacks them.
//!
//! redis-rs's own `Script` answers a `NOSCRIPT` with `SCRIPT LOAD`, which a cluster
//! client sends to every node and which fails while any one node is down. A node's
//! script cache is empty after a restart, a failover to a replica that never saw the
//! load, or when it joins the cluster; if that happened while another shard was down,
//! every schedule on the healthy node would fail closed with the dead shard's. So a
//! `NOSCRIPT` is answered here with `EVAL`, which goes only to the keys' node and
//! caches the script there: one shard's outage stays that shard's.

use redis::{Cmd, ErrorKind, FromRedisValue, RedisResult, ToRedisArgs};

use crate::redis_link::RedisConn;

pub struct LuaScript {
    source: String,
    hash: String,
}

impl LuaScript {
    pub fn new(source: &str) -> Self {
        LuaScript {
            source: source.to_string(),
            hash: redis::Script::new(source).get_hash().to_string(),
        }
    }

    /// A call with no keys or arguments yet.
    pub fn call(&self) -> LuaCall<'_> {
        LuaCall {
            script: self,
            keys: Vec::new(),
            args: Vec::new(),
        }
    }

    pub fn key(&self, key: impl ToRedisArgs) -> LuaCall<'_> {
        let mut call = self.call();
        call.key(key);
        call
    }
}

/// One call's keys (`KEYS[i]`) and arguments (`ARGV[i]`), in order.
pub struct LuaCall<'s> {
    script: &'s LuaScript,
    keys: Vec<Vec<u8>>,
    args: Vec<Vec<u8>>,
}

impl LuaCall<'_> {
    pub fn key(&mut self, key: impl ToRedisArgs) -> &mut Self {
        key.write_redis_args(&mut self.keys);
        self
    }

    pub fn arg(&mut self, arg: impl ToRedisArgs) -> &mut Self {
        arg.write_redis_args(&mut self.args);
        self
    }

    pub async fn run<T: FromRedisValue>(&self, conn: &mut RedisConn) -> RedisResult<T> {
        match self
            .command("EVALSHA", &self.script.hash)
            .query_async(conn)
            .await
        {
            Err(err) if err.kind() == ErrorKind::NoScriptError => {
                self.command("EVAL", &self.script.source)
                    .query_async(conn)
                    .await
            }
            answer => answer,
        }
    }

    fn command(&self, verb: &str, script: &str) -> Cmd {
        let mut cmd = redis::cmd(verb);
        cmd.arg(script).arg(self.keys.len());
        for key in &self.keys {
            cmd.arg(key.as_slice());
        }
        for arg in &self.args {
            cmd.arg(arg.as_slice());
        }
        cmd
    }
}
