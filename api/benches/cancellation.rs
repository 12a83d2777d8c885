//! 공연 취소 benchmark: how fast does an organizer's cancellation refund a sold-out
//! performance?
//!
//! Run with `scripts/bench cancellation`. Each round sells a performance of
//! BENCH_TICKETS tickets (default 20,000: four each to a quarter as many buyers, with
//! the booking fee, written straight into the database), cancels it with the standard's
//! compensation on, and times its job to the end through `marquee-core`: first one
//! worker (one api process), then, on a second performance, two workers with their own
//! pools (two api processes sharing the job). BENCH_BATCH tickets per transaction
//! (default 200, the service's default), BENCH_ROUNDS rounds (default 3). Reports each
//! set-up's median round and the median ratio of two workers to one.

use std::time::{Duration, Instant};

use marquee_core::db::{self, Statement};
use marquee_core::performance_cancellation::{self, job, CancellationRules};
use sqlx::MySqlPool;

mod support;
use support::{env_usize, funded_user, schedule_with_seats, BenchDb};

const PRICE: i64 = 1_000;
const FEE: i64 = 2_000;
const CHUNK: usize = 1_000;

/// Sells every seat of the schedule: orders of four tickets to `seats / 4` new buyers.
async fn sold_out(pool: &MySqlPool, round: usize, schedule: i64, seats: &[i64]) {
    let buyers = seats.len().div_ceil(4);
    let first_user: i64 = {
        let mut first = None;
        for chunk in (0..buyers).collect::<Vec<_>>().chunks(CHUNK) {
            let mut insert =
                Statement::new("insert into users (email, password_hash, nickname) values ");
            for (n, i) in chunk.iter().enumerate() {
                insert
                    .push(if n == 0 { "(" } else { ", (" })
                    .bind(format!("fan{round}-{schedule}-{i}@example.com"))
                    .push(", 'x', 'bench')");
            }
            let id = insert.query().execute(pool).await.unwrap().last_insert_id() as i64;
            first.get_or_insert(id);
        }
        first.unwrap()
    };
    let first_order: i64 = {
        let mut first = None;
        for chunk in (0..buyers).collect::<Vec<_>>().chunks(CHUNK) {
            let mut insert = Statement::new(
                "insert into orders (number, user_id, hold_id, total, booking_fees) values ",
            );
            for (n, i) in chunk.iter().enumerate() {
                let number = format!("8{:09}", (schedule as usize * 100_000 + i) % 1_000_000_000);
                let count = 4.min(seats.len() - i * 4) as i64;
                insert
                    .push(if n == 0 { "(" } else { ", (" })
                    .bind(number)
                    .push(", ")
                    .bind(first_user + *i as i64)
                    .push(", ")
                    .bind(schedule * 1_000_000 + *i as i64)
                    .push(", ")
                    .bind(count * (PRICE + FEE))
                    .push(", ")
                    .bind(count * FEE)
                    .push(")");
            }
            let id = insert.query().execute(pool).await.unwrap().last_insert_id() as i64;
            first.get_or_insert(id);
        }
        first.unwrap()
    };
    for (c, chunk) in seats.chunks(CHUNK).enumerate() {
        let mut insert = Statement::new(
            "insert into tickets (code, order_id, user_id, seat_id, schedule_id, face_value,
                                  paid_amount, booking_fee) values ",
        );
        for (n, seat) in chunk.iter().enumerate() {
            let i = c * CHUNK + n;
            let buyer = (i / 4) as i64;
            insert
                .push(if n == 0 { "(" } else { ", (" })
                .bind(format!("b{round:02}{schedule:09}{i:010}"))
                .push(", ")
                .bind(first_order + buyer)
                .push(", ")
                .bind(first_user + buyer)
                .push(", ")
                .bind(*seat)
                .push(", ")
                .bind(schedule)
                .push(", ")
                .bind(PRICE)
                .push(", ")
                .bind(PRICE)
                .push(", ")
                .bind(FEE)
                .push(")");
        }
        insert.query().execute(pool).await.unwrap();
    }
    sqlx::query("update seats set is_sold = true where schedule_id = ?")
        .bind(schedule)
        .execute(pool)
        .await
        .unwrap();
}

/// Cancels the schedule and runs its job with `workers` pools at once; the seconds the
/// job took, checked to have refunded every ticket once.
async fn cancel(
    db: &BenchDb,
    admin: i64,
    schedule: i64,
    tickets: usize,
    workers: usize,
    rules: CancellationRules,
) -> Duration {
    let (job_id, made) = performance_cancellation::request(&db.pool, rules, admin, schedule)
        .await
        .unwrap();
    assert!(made);
    let mut pools = Vec::new();
    for _ in 0..workers {
        pools.push(db::connect_patient(&db.url).await.unwrap());
    }
    let started = Instant::now();
    let runs: Vec<_> = pools
        .into_iter()
        .map(|pool| tokio::spawn(async move { job::run(&pool, rules, job_id).await }))
        .collect();
    for run in runs {
        run.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    let report = performance_cancellation::get(&db.pool, schedule)
        .await
        .unwrap();
    assert_eq!(report.tickets_refunded as usize, tickets);
    assert_eq!(report.tickets_left, 0);
    let per_ticket = PRICE + FEE + PRICE * 10 / 100;
    assert_eq!(report.points_refunded, tickets as i64 * per_ticket);
    let entries: i64 = sqlx::query_scalar(
        "select count(*) from point_ledger l
         join tickets t on t.id = cast(substring(l.reference, 8) as unsigned)
         where l.reference like 'ticket:%' and t.schedule_id = ?",
    )
    .bind(schedule)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        entries as usize,
        2 * tickets,
        "one refund and one compensation each"
    );
    elapsed
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let tickets = env_usize("BENCH_TICKETS", 20_000);
    let rounds = env_usize("BENCH_ROUNDS", 3).max(1);
    let rules = CancellationRules {
        compensation_percent: 10,
        batch: env_usize("BENCH_BATCH", 200) as u32,
        pause: Duration::ZERO,
    };
    let db = BenchDb::create().await;
    let admin = funded_user(&db.pool, "admin@example.com").await.user_id;

    let mut one = Vec::new();
    let mut two = Vec::new();
    for round in 0..rounds {
        for (workers, rates) in [(1, &mut one), (2, &mut two)] {
            let (schedule, seats) = schedule_with_seats(&db.pool, tickets).await;
            sold_out(&db.pool, round, schedule, &seats).await;
            let took = cancel(&db, admin, schedule, seats.len(), workers, rules).await;
            let rate = seats.len() as f64 / took.as_secs_f64();
            println!(
                "round {round}: {workers} worker(s), {} tickets in {:.2} s: {rate:.0} refunds/s",
                seats.len(),
                took.as_secs_f64()
            );
            rates.push(rate);
        }
    }
    let ratios: Vec<f64> = one.iter().zip(&two).map(|(a, b)| b / a).collect();
    println!(
        "\ntickets: {tickets}, batch: {}, rounds: {rounds}\n",
        rules.batch
    );
    println!("| workers | refunds per second (median) | one performance of {tickets} |");
    println!("|---|---|---|");
    for (workers, rates) in [(1, &one), (2, &two)] {
        let rate = median(rates.clone());
        println!("| {workers} | {rate:.0} | {:.1} s |", tickets as f64 / rate);
    }
    println!(
        "\ntwo workers / one: {:.2} (rounds: {})",
        median(ratios.clone()),
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    db.drop().await;
}
