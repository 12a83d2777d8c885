//! A private MariaDB primary with one read replica on loopback for one test: two
//! `mariadbd` processes from Debian's package, each on its own free port and data
//! directory under the temp dir, joined by MariaDB's own binlog replication, and stopped
//! by their own pids when the test ends (also when it panics). The shared server on
//! 3306 is never touched.
//!
//! The replica starts from a copy of the primary's freshly installed data directory and
//! replicates the primary's binlog from its first event, so every database a test
//! creates on the primary (and everything in it) arrives on the replica. It runs
//! `read_only`, as a production replica should (`search::feed::database_now` reads it).

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Replication {
    pub primary_port: u16,
    pub replica_port: u16,
    primary: Option<Child>,
    replica: Option<Child>,
    dir: PathBuf,
}

impl Replication {
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "marquee-mariadb-{}-{:x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let (primary_dir, replica_dir) = (dir.join("primary"), dir.join("replica"));
        let scratch = dir.join("tmp");
        std::fs::create_dir_all(&primary_dir).unwrap();
        std::fs::create_dir_all(&scratch).unwrap();
        // Its own tmpdir: bootstraps running at once in the shared /tmp trip over each
        // other's temporary tables.
        let installed = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", primary_dir.display()))
            .arg(format!("--tmpdir={}", scratch.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .args(["--user=root", "--innodb-log-file-size=8M"])
            .output()
            .expect("mariadb-install-db (Debian's mariadb-server package) runs");
        assert!(
            installed.status.success(),
            "mariadb-install-db failed: {}{}",
            String::from_utf8_lossy(&installed.stdout),
            String::from_utf8_lossy(&installed.stderr)
        );
        let copied = Command::new("cp")
            .arg("-a")
            .arg(&primary_dir)
            .arg(&replica_dir)
            .status()
            .unwrap();
        assert!(copied.success(), "copying the data directory failed");

        let (primary_port, replica_port) = free_ports();
        let primary = start_server(
            &primary_dir,
            primary_port,
            &["--server-id=1", "--log-bin=bin", "--binlog-format=ROW"],
        );
        let replica = start_server(
            &replica_dir,
            replica_port,
            &["--server-id=2", "--read-only=1"],
        );
        let replication = Replication {
            primary_port,
            replica_port,
            primary: Some(primary),
            replica: Some(replica),
            dir,
        };
        for port in [primary_port, replica_port] {
            wait_for(&format!("mariadbd on {port}"), || {
                sql(port, "select 1").is_some()
            });
        }
        sql(
            replica_port,
            &format!(
                "change master to master_host='127.0.0.1', master_port={primary_port}, \
                 master_user='root', master_password='', master_log_file='bin.000001', \
                 master_log_pos=4, master_connect_retry=1; start slave"
            ),
        )
        .expect("the replica is set up");
        replication.catch_up();
        replication
    }

    /// `TEST_DATABASE_URL`-style server URL of the primary, for `TestDb::on`.
    pub fn primary_server(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.primary_port)
    }

    /// `DATABASE_READ_URL` for database `name` on the replica.
    pub fn replica_url(&self, name: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{name}", self.replica_port)
    }

    /// Waits until the replica has applied everything the primary has written so far.
    pub fn catch_up(&self) {
        let status = sql(self.primary_port, "show master status").expect("the primary answers");
        let mut fields = status.split_whitespace();
        let (file, position) = (fields.next().unwrap(), fields.next().unwrap());
        let waited = sql(
            self.replica_port,
            &format!("select master_pos_wait('{file}', {position}, 30)"),
        )
        .expect("the replica answers");
        // -1 is a time-out; NULL (not a number) means the replica is not replicating.
        let caught_up = waited.trim().parse::<i64>().is_ok_and(|events| events >= 0);
        assert!(caught_up, "the replica did not catch up: {waited}");
    }

    /// Stops applying (the replica still receives the binlog): it falls behind from now.
    pub fn pause(&self) {
        sql(self.replica_port, "stop slave sql_thread").expect("the replica answers");
    }

    pub fn resume(&self) {
        sql(self.replica_port, "start slave sql_thread").expect("the replica answers");
    }

    /// Kills the replica (SIGKILL, no goodbye), as a crashed host.
    pub fn kill_replica(&mut self) {
        if let Some(mut child) = self.replica.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Replication {
    fn drop(&mut self) {
        for child in [self.replica.take(), self.primary.take()]
            .into_iter()
            .flatten()
        {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_server(data: &Path, port: u16, extra: &[&str]) -> Child {
    Command::new("mariadbd")
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", data.join("mysqld.sock").display()))
        .arg(format!("--pid-file={}", data.join("mysqld.pid").display()))
        .arg(format!("--log-error={}", data.join("error.log").display()))
        .arg(format!(
            "--tmpdir={}",
            data.parent().unwrap().join("tmp").display()
        ))
        .arg(format!("--port={port}"))
        .args([
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--user=root",
        ])
        .args(["--innodb-buffer-pool-size=32M", "--innodb-log-file-size=8M"])
        .args(["--max-connections=300", "--character-set-server=utf8mb4"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mariadbd (Debian's mariadb-server package) starts")
}

/// One statement through the `mariadb` client, its rows tab-separated; None when the
/// server does not answer.
pub fn sql(port: u16, statement: &str) -> Option<String> {
    let out = Command::new("mariadb")
        .args(["--protocol=tcp", "-h127.0.0.1", "-uroot", "-N", "-B"])
        .arg(format!("-P{port}"))
        .args(["-e", statement])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Two distinct ports free now (both listeners are held until both are known).
fn free_ports() -> (u16, u16) {
    let first = TcpListener::bind("127.0.0.1:0").unwrap();
    let second = TcpListener::bind("127.0.0.1:0").unwrap();
    (
        first.local_addr().unwrap().port(),
        second.local_addr().unwrap().port(),
    )
}
