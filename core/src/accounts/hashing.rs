//! Password hashing, bounded per process.
//!
//! argon2id is slow and memory-hard on purpose: each hash or check takes ~19 MiB and
//! tens of milliseconds of one core. Run unbounded on the blocking pool, 32 concurrent
//! wrong-password logins took the api past 2.5 GB (5.9 GB seen), and every login
//! queued behind every other. At most `concurrency` hashes run at once here; others
//! wait up to `max_wait` for a turn and are then refused as `Overloaded` (503 with
//! Retry-After), so memory stays bounded whatever the login concurrency.
//!
//! This bounds a resource of one process, not an invariant, so it lives in memory: each
//! api process has its own gate.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingLimits {
    /// Hashes running at once in this process.
    pub concurrency: usize,
    /// How long a request waits for a turn before it is refused.
    pub max_wait: Duration,
}

impl Default for HashingLimits {
    /// One hash per core: more would only share the cores and multiply the memory.
    fn default() -> Self {
        HashingLimits {
            concurrency: std::thread::available_parallelism().map_or(2, usize::from),
            max_wait: Duration::from_secs(2),
        }
    }
}

#[derive(Clone)]
pub struct HashingGate {
    permits: Arc<Semaphore>,
    max_wait: Duration,
}

impl HashingGate {
    pub fn new(limits: HashingLimits) -> Self {
        HashingGate {
            permits: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            max_wait: limits.max_wait,
        }
    }

    /// Runs `work` (a hash or a check) on the blocking pool once a turn is free. The
    /// turn is held until the work ends, also when the client has gone away meanwhile:
    /// the hash runs to completion regardless, and its memory with it.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permit = tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Error::Overloaded {
                retry_after_secs: 1,
            })?
            .map_err(|_| Error::internal("password hashing gate closed"))?;
        tokio::task::spawn_blocking(move || {
            let _turn = permit;
            work()
        })
        .await
        .map_err(|err| Error::internal(format!("password hashing panicked: {err}")))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn no_more_than_the_limit_run_at_once_and_late_arrivals_are_refused() {
        let gate = HashingGate::new(HashingLimits {
            concurrency: 2,
            max_wait: Duration::from_millis(100),
        });
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let calls = (0..6).map(|_| {
            let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
            tokio::spawn(async move {
                gate.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(300));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            })
        });
        let results: Vec<_> = joined(calls).await;

        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(Error::Overloaded { .. })))
            .count();
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(refused, 4, "four waited past 100 ms for a 300 ms turn");
    }

    async fn joined<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::new();
        for handle in handles.collect::<Vec<_>>() {
            out.push(handle.await.unwrap());
        }
        out
    }
}
