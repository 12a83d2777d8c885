//! The admission scheduler: every api process runs one, ticking every `QUEUE_TICK_MS`.
//!
//! Running several is safe by construction, not by a leader lock: admission is one
//! Redis script per room that pops from the head of the queue and spends a budget
//! earned by the Redis clock since the previous tick, whoever ran it. Two processes
//! ticking at once admit the same total as one; the second finds nothing to spend.

use std::time::Duration;

use super::WaitingRoom;

pub fn spawn(room: WaitingRoom, tick: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(tick);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            ticker.tick().await;
            match room.admit_all().await {
                Ok(admitted) => {
                    if failing {
                        tracing::info!("waiting room admission recovered");
                        failing = false;
                    }
                    if admitted > 0 {
                        tracing::debug!(admitted, "admitted from waiting rooms");
                    }
                }
                // Logged once per outage, not once per tick.
                Err(err) if !failing => {
                    tracing::warn!(error = %err, "waiting room admission failed");
                    failing = true;
                }
                Err(_) => {}
            }
        }
    })
}
