//! A real Redis Cluster on loopback for one test: `masters` redis-server processes from
//! Debian's package, each with its own port and data directory, joined by
//! `redis-cli --cluster create`, and stopped by their own pids when the test ends (also
//! when it panics). The shared Redis on 6379 is never touched.
//!
//! Nodes give up on a silent peer after a second (`cluster-node-timeout`) and keep
//! serving their own slots while another shard is down
//! (`cluster-require-full-coverage no`): with one master gone, only the schedules in its
//! slots fail.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisCluster {
    pub ports: Vec<u16>,
    nodes: Vec<Option<Child>>,
    dir: PathBuf,
}

impl RedisCluster {
    pub fn start(masters: usize) -> Self {
        Self::start_with_replicas(masters, 0)
    }

    /// `masters` shards, each with `replicas` replicas that take over when it dies.
    pub fn start_with_replicas(masters: usize, replicas: usize) -> Self {
        let dir = std::env::temp_dir().join(format!("marquee-redis-cluster-{}", rand_suffix()));
        let mut ports = Vec::new();
        let mut nodes = Vec::new();
        for _ in 0..masters * (1 + replicas) {
            // A port free when picked may be taken before redis binds it (another
            // test's connection): redis then exits, and the node starts on another.
            let (port, child) = (0..5)
                .find_map(|_| {
                    let port = free_port();
                    if ports.contains(&port) {
                        return None;
                    }
                    let mut child = spawn_node(&dir, port);
                    let mut up = false;
                    wait_for(&format!("redis on {port}"), || {
                        up = cli(port, &["PING"]).is_some_and(|out| out.trim() == "PONG");
                        up || matches!(child.try_wait(), Ok(Some(_)))
                    });
                    up.then_some((port, child))
                })
                .expect("redis-server (Debian's redis-server package) starts on a free port");
            ports.push(port);
            nodes.push(Some(child));
        }
        let cluster = RedisCluster { ports, nodes, dir };
        let addresses: Vec<String> = cluster
            .ports
            .iter()
            .map(|port| format!("127.0.0.1:{port}"))
            .collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(created.success(), "redis-cli --cluster create failed");
        for port in &cluster.ports {
            wait_for(&format!("cluster state on {port}"), || {
                cli(*port, &["CLUSTER", "INFO"]).is_some_and(|info| {
                    info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384")
                })
            });
        }
        cluster
    }

    /// `REDIS_URL` for this cluster, naming every node as a seed.
    pub fn url(&self) -> String {
        let seeds: Vec<String> = self
            .ports
            .iter()
            .map(|port| format!("127.0.0.1:{port}"))
            .collect();
        format!("redis+cluster://{}", seeds.join(","))
    }

    /// The port of the master serving `key`'s hash slot.
    pub fn master_of(&self, key: &str) -> u16 {
        let asked = *self
            .ports
            .iter()
            .zip(&self.nodes)
            .find(|(_, node)| node.is_some())
            .expect("a node is running")
            .0;
        self.master_of_via(asked, key)
            .unwrap_or_else(|| panic!("no master serves {key}"))
    }

    /// `key`'s master as the node on `asked` sees the cluster; None while no live
    /// master serves the slot.
    fn master_of_via(&self, asked: u16, key: &str) -> Option<u16> {
        let slot: u16 = cli(asked, &["CLUSTER", "KEYSLOT", key])
            .expect("CLUSTER KEYSLOT answers")
            .trim()
            .parse()
            .unwrap();
        let nodes = cli(asked, &["CLUSTER", "NODES"]).expect("CLUSTER NODES answers");
        // One line per node: id ip:port@bus flags master ping pong epoch link slots...
        for line in nodes.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 9 || !fields[2].contains("master") || fields[2].contains("fail") {
                continue;
            }
            let serves = fields[8..].iter().any(|range| {
                let mut ends = range.split('-').map(|n| n.parse::<u16>());
                match (ends.next(), ends.next()) {
                    (Some(Ok(start)), Some(Ok(end))) => (start..=end).contains(&slot),
                    (Some(Ok(only)), None) => only == slot,
                    _ => false,
                }
            });
            if serves {
                let address = fields[1].split('@').next().unwrap();
                return Some(address.rsplit(':').next().unwrap().parse().unwrap());
            }
        }
        None
    }

    /// Moves `key`'s hash slot, with its keys, to the master on `to`, the way
    /// resharding does: the slot is marked importing and migrating, its keys move a few
    /// at a time (clients meanwhile get `ASK` or `TRYAGAIN`), then every node is told
    /// the new owner (clients with the old map get `MOVED`).
    pub fn move_slot(&self, key: &str, to: u16) {
        let slot = cli(self.ports[0], &["CLUSTER", "KEYSLOT", key]).unwrap();
        let slot = slot.trim();
        let from = self.master_of(key);
        assert_ne!(from, to, "the slot is already there");
        let id = |port: u16| cli(port, &["CLUSTER", "MYID"]).unwrap().trim().to_string();
        let (from_id, to_id) = (id(from), id(to));
        cli(to, &["CLUSTER", "SETSLOT", slot, "IMPORTING", &from_id]).unwrap();
        cli(from, &["CLUSTER", "SETSLOT", slot, "MIGRATING", &to_id]).unwrap();
        loop {
            let keys = cli(from, &["CLUSTER", "GETKEYSINSLOT", slot, "2"]).unwrap();
            let keys: Vec<&str> = keys.lines().filter(|k| !k.is_empty()).collect();
            if keys.is_empty() {
                break;
            }
            let port = to.to_string();
            let mut args = vec!["MIGRATE", "127.0.0.1", &port, "", "0", "5000", "KEYS"];
            args.extend(keys);
            cli(from, &args).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        for port in &self.ports {
            cli(*port, &["CLUSTER", "SETSLOT", slot, "NODE", &to_id]).unwrap();
        }
    }

    /// Waits until the replicas of `key`'s master have every write it has taken, as
    /// Redis's `WAIT` counts them.
    pub fn replicated(&self, key: &str) {
        let master = self.master_of(key);
        let replicas = cli(master, &["INFO", "replication"]).unwrap();
        let count = replicas
            .lines()
            .find_map(|line| line.trim().strip_prefix("connected_slaves:"))
            .unwrap_or("0")
            .to_string();
        let acked = cli(master, &["WAIT", &count, "5000"]).unwrap();
        assert_eq!(acked.trim(), count, "the replicas did not catch up");
    }

    /// Kills `key`'s master and waits until one of its replicas serves the slot.
    /// Returns the new master's port.
    pub fn fail_over(&mut self, key: &str) -> u16 {
        let old = self.master_of(key);
        let index = self.ports.iter().position(|p| *p == old).unwrap();
        if let Some(mut child) = self.nodes[index].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let survivor = *self.ports.iter().find(|p| **p != old).unwrap();
        let mut promoted = old;
        wait_for("a replica to take over", || {
            let owner = self.master_of_via(survivor, key);
            promoted = owner.unwrap_or(old);
            owner.is_some_and(|owner| owner != old)
        });
        promoted
    }

    /// How many keys the master on `port` holds.
    pub fn keys_on(&self, port: u16) -> u64 {
        cli(port, &["DBSIZE"]).unwrap().trim().parse().unwrap()
    }

    /// Empties the script cache of the node on `port`, as a restart, a promoted replica
    /// or a newly joined node has it.
    pub fn flush_scripts(&self, port: u16) {
        assert_eq!(cli(port, &["SCRIPT", "FLUSH"]).unwrap().trim(), "OK");
    }

    /// Kills the master on `port` (SIGKILL, no goodbye), as a crashed shard.
    pub fn kill(&mut self, port: u16) {
        let index = self.ports.iter().position(|p| *p == port).unwrap();
        if let Some(mut child) = self.nodes[index].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // The survivors mark it failed after the node timeout.
        let survivor = *self.ports.iter().find(|p| **p != port).unwrap();
        wait_for("the cluster to see the dead master", || {
            cli(survivor, &["CLUSTER", "NODES"]).is_some_and(|nodes| {
                nodes
                    .lines()
                    .any(|line| line.contains(&format!(":{port}@")) && line.contains("fail"))
            })
        });
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for child in self.nodes.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `redis-cli -p port args...` in raw output mode; None when the node does not answer.
fn cli(port: u16, args: &[&str]) -> Option<String> {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "--raw"])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && !text.starts_with("Could not connect")).then_some(text)
}

/// One cluster node on `port`, its files in a directory of its own under `dir`.
fn spawn_node(dir: &std::path::Path, port: u16) -> std::process::Child {
    let node_dir = dir.join(port.to_string());
    std::fs::create_dir_all(&node_dir).unwrap();
    Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--cluster-enabled", "yes"])
        .args(["--cluster-config-file", "nodes.conf"])
        .args(["--cluster-node-timeout", "1000"])
        .args(["--cluster-require-full-coverage", "no"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(&node_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server (Debian's redis-server package) starts")
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A port free now whose cluster bus port (port + 10000) is free too.
fn free_port() -> u16 {
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        if port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

fn rand_suffix() -> String {
    format!("{}-{:x}", std::process::id(), rand::random::<u32>())
}
