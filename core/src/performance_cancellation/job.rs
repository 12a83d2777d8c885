//! The refunds of a cancelled performance: batches of its valid tickets, each batch one
//! transaction, until none is left (see the module's doc for why that is every ticket,
//! once). Every api process runs the unfinished jobs it finds at start-up and every
//! `RESUME_EVERY` after, besides the one its own request started; processes running one
//! job together share it out by skipping the tickets another has locked.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::MySqlPool;

use super::model::CancellationRules;
use super::store::{self, Due, OpenJob};
use crate::coupons::usage;
use crate::db::retry_on_lock_conflict;
use crate::error::{Error, Result};
use crate::points::ledger::{self, LedgerReason};
use crate::resale::listings;

/// How often a process looks for unfinished jobs: what carries a job on after the
/// process that ran it crashed (at start-up, every process looks at once).
pub const RESUME_EVERY: Duration = Duration::from_secs(30);

/// How long a job waits when the tickets left are all locked by another transaction
/// (another process's batch), before it looks again.
const WAIT_FOR_OTHERS: Duration = Duration::from_millis(200);

/// Runs cancellation jobs in the background of an api process, each at most once at a
/// time here.
#[derive(Clone)]
pub struct CancellationWorker {
    pool: MySqlPool,
    rules: CancellationRules,
    running: Arc<Mutex<HashSet<i64>>>,
}

impl CancellationWorker {
    pub fn new(pool: MySqlPool, rules: CancellationRules) -> Self {
        CancellationWorker {
            pool,
            rules,
            running: Arc::default(),
        }
    }

    pub fn rules(&self) -> CancellationRules {
        self.rules
    }

    /// Runs the job in the background, unless this process runs it already.
    pub fn start(&self, job_id: i64) {
        if !self.running().insert(job_id) {
            return;
        }
        let worker = self.clone();
        tokio::spawn(async move {
            if let Err(err) = run(&worker.pool, worker.rules, job_id).await {
                tracing::warn!(job_id, error = %err, "cancellation job stopped; it resumes later");
            }
            worker.running().remove(&job_id);
        });
    }

    /// Starts every unfinished job now and every `RESUME_EVERY`.
    pub fn spawn_resumer(&self) -> tokio::task::JoinHandle<()> {
        let worker = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(RESUME_EVERY);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                match store::open_jobs(&worker.pool).await {
                    Ok(jobs) => jobs.iter().for_each(|job| worker.start(job.id)),
                    Err(err) => tracing::warn!(error = %err, "cannot look for cancellation jobs"),
                }
            }
        })
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashSet<i64>> {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Refunds the job's tickets until none is left and marks it finished; a job already
/// finished is left alone.
pub async fn run(pool: &MySqlPool, rules: CancellationRules, job_id: i64) -> Result<()> {
    let Some(job) = store::open_job(pool, job_id).await? else {
        return Ok(());
    };
    loop {
        let refunded = retry_on_lock_conflict(|| batch(pool, rules, job)).await?;
        if refunded > 0 {
            if !rules.pause.is_zero() {
                tokio::time::sleep(rules.pause).await;
            }
            continue;
        }
        if store::finish(pool, job.id, job.schedule_id).await? == 1 {
            tracing::info!(
                job_id,
                schedule_id = job.schedule_id,
                "cancellation refunded"
            );
            return Ok(());
        }
        if store::open_job(pool, job_id).await?.is_none() {
            return Ok(());
        }
        tokio::time::sleep(WAIT_FOR_OTHERS).await;
    }
}

/// One batch: locks up to `rules.batch` valid tickets, closes the performance's open
/// trades, marks each ticket refunded and pays it, each user's tickets together and
/// users in id order (the lock order: tickets, a trade, then users), gives back
/// coupons of orders now cancelled whole, and counts it all on the job. Answers how
/// many tickets it refunded; 0 when no unlocked valid ticket is left.
async fn batch(pool: &MySqlPool, rules: CancellationRules, job: OpenJob) -> Result<u32> {
    let mut tx = pool.begin().await?;
    let mut due = store::lock_due(&mut tx, job.schedule_id, rules.batch).await?;
    if due.is_empty() {
        return Ok(0);
    }
    listings::cancel_all_of_schedule(&mut tx, job.schedule_id).await?;
    due.sort_by_key(|ticket| (ticket.user_id, ticket.id));
    let mut points = 0;
    for ticket in &due {
        let terms = Terms::of(ticket, job.compensation_percent);
        let marked = store::mark_refunded(
            &mut tx,
            ticket.id,
            terms.refund,
            ticket.booking_fee > 0,
            terms.compensation,
        )
        .await?;
        if marked != 1 {
            return Err(Error::internal(format!(
                "locked ticket {} changed",
                ticket.id
            )));
        }
        let reference = format!("ticket:{}", ticket.id);
        if terms.refund > 0 {
            let reason = LedgerReason::Refund;
            ledger::apply(&mut tx, ticket.user_id, terms.refund, reason, &reference).await?;
        }
        if terms.compensation > 0 {
            let reason = LedgerReason::Compensation;
            ledger::apply(
                &mut tx,
                ticket.user_id,
                terms.compensation,
                reason,
                &reference,
            )
            .await?;
        }
        points += terms.refund + terms.compensation;
    }
    let orders = due.iter().filter_map(|ticket| ticket.order_id);
    usage::give_back_where_cancelled(&mut tx, orders).await?;
    let count = due.len() as u32;
    store::count_batch(&mut tx, job.id, count, points).await?;
    tx.commit().await?;
    Ok(count)
}

/// What a cancelled performance's ticket gets back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Terms {
    /// The price paid (never more than the face value, as every refund) and the
    /// booking fee, whole.
    refund: i64,
    /// `percent` of that price, rounded down.
    compensation: i64,
}

impl Terms {
    fn of(ticket: &Due, percent: u8) -> Terms {
        let price = ticket.paid_amount.min(ticket.face_value);
        Terms {
            refund: price + ticket.booking_fee,
            compensation: price * i64::from(percent) / 100,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(paid_amount: i64, face_value: i64, booking_fee: i64) -> Due {
        Due {
            id: 1,
            user_id: 2,
            order_id: Some(3),
            paid_amount,
            face_value,
            booking_fee,
        }
    }

    #[test]
    fn the_price_and_fee_come_back_whole_with_compensation_on_the_price_only() {
        assert_eq!(
            Terms::of(&ticket(50_000, 50_000, 2_000), 10),
            Terms {
                refund: 52_000,
                compensation: 5_000
            }
        );
        assert_eq!(
            Terms::of(&ticket(40_000, 50_000, 2_000), 0),
            Terms {
                refund: 42_000,
                compensation: 0
            }
        );
    }

    #[test]
    fn a_resale_price_above_face_value_is_refunded_at_face_value() {
        assert_eq!(
            Terms::of(&ticket(60_000, 50_000, 0), 10),
            Terms {
                refund: 50_000,
                compensation: 5_000
            }
        );
    }

    #[test]
    fn compensation_rounds_down_and_a_free_ticket_gets_nothing() {
        assert_eq!(Terms::of(&ticket(9_999, 9_999, 0), 10).compensation, 999);
        assert_eq!(
            Terms::of(&ticket(0, 0, 0), 10),
            Terms {
                refund: 0,
                compensation: 0
            }
        );
    }
}
