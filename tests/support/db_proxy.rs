//! A TCP proxy in front of the shared MariaDB that a test can cut and restore, so a
//! test can take "the database" away from one api without touching the server every
//! other test uses. Cutting closes every proxied connection at once and refuses new
//! ones (accepted, then closed at once), as a crashed or unreachable server would.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct DbProxy {
    pub addr: SocketAddr,
    cut: Arc<AtomicBool>,
    /// Proxied connections open now.
    open: Arc<AtomicUsize>,
    /// Bumped on every cut; each proxied connection ends when it changes.
    generation: watch::Sender<u64>,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl DbProxy {
    /// Listens on a free loopback port and forwards to `upstream` (host:port).
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(AtomicBool::new(false));
        let open = Arc::new(AtomicUsize::new(0));
        let (generation, _) = watch::channel(0u64);
        let (cut_flag, generations, opened) = (cut.clone(), generation.clone(), open.clone());
        let accept_loop = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if cut_flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let mut ended = generations.subscribe();
                let open = opened.clone();
                open.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = ended.changed() => {}
                        }
                    }
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        DbProxy {
            addr,
            cut,
            open,
            generation,
            accept_loop,
        }
    }

    /// The database goes away: open connections drop, new ones are refused. Returns
    /// once every proxied connection is closed (or after 5 s).
    pub async fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while self.open.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// The database is back.
    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
        self.generation.send_modify(|g| *g += 1);
    }
}
