//! Box-office benchmark: does choosing a discount kind and a coupon slow a purchase?
//!
//! Run with `scripts/bench box_office`. In one process, interleaved for BENCH_ROUNDS
//! rounds (default 5), BENCH_CLIENTS workers (default 16) each hold one seat and pay it
//! through `marquee-core` (no HTTP, so the difference is the booking's own):
//!  1. plain: every seat 일반, the default booking fee;
//!  2. kind + coupon: the seat as a 20% kind (the schedule's kinds read, the window and
//!     count checked) and one of the buyer's coupons locked, checked, spread and marked.
//!
//! BENCH_SEATS seats per phase per round (default 2000). Reports each phase's median
//! round and the median of the per-round ratios (kind + coupon / plain).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use marquee_core::accounts::Caller;
use marquee_core::booking::booking_fee::BookingFee;
use marquee_core::booking::holds::{self, no_room, HoldRules};
use marquee_core::booking::pricing::KindChoice;
use marquee_core::booking::purchase::{self, Terms};
use marquee_core::db::Statement;
use sqlx::MySqlPool;

mod support;
use support::{env_usize, funded_user, run_partitioned, schedule_with_seats, BenchDb, Stats};

const FEE: BookingFee = BookingFee::per_ticket(BookingFee::KOREAN_DEFAULT);

async fn buyers(pool: &MySqlPool, count: usize) -> Vec<Caller> {
    let mut callers = Vec::new();
    for i in 0..count {
        callers.push(funded_user(pool, &format!("box{i}@example.com")).await);
    }
    callers
}

/// A 20% kind on the schedule; its id.
async fn kind_on(pool: &MySqlPool, schedule: i64) -> i64 {
    sqlx::query(
        "insert into discount_kinds (schedule_id, position, name, percent_off, per_order)
         values (?, 0, '조기예매 할인', 20, 4)",
    )
    .bind(schedule)
    .execute(pool)
    .await
    .unwrap()
    .last_insert_id() as i64
}

/// `per_buyer` unused coupons (3,000원 off, one campaign each) for every buyer, by
/// buyer: what the kind + coupon phase spends, one per purchase.
async fn coupons(pool: &MySqlPool, buyers: &[Caller], per_buyer: usize) -> HashMap<i64, Vec<i64>> {
    let mut wallets: HashMap<i64, Vec<i64>> = HashMap::new();
    for _ in 0..per_buyer {
        let campaign = sqlx::query(
            "insert into coupon_campaigns (name, amount_off, min_order, starts_at, ends_at, issued)
             values ('벤치 쿠폰', 3000, 0, ?, ?, ?)",
        )
        .bind(Utc::now() - chrono::Duration::days(1))
        .bind(Utc::now() + chrono::Duration::days(1))
        .bind(buyers.len() as u32)
        .execute(pool)
        .await
        .unwrap()
        .last_insert_id() as i64;
        let mut insert = Statement::new("insert into coupons (campaign_id, user_id) values ");
        for (i, buyer) in buyers.iter().enumerate() {
            insert
                .push(if i == 0 { "(" } else { ", (" })
                .bind(campaign)
                .push(", ")
                .bind(buyer.user_id)
                .push(")");
        }
        insert.query().execute(pool).await.unwrap();
        let ids: Vec<(i64, i64)> =
            sqlx::query_as("select user_id, id from coupons where campaign_id = ?")
                .bind(campaign)
                .fetch_all(pool)
                .await
                .unwrap();
        for (user, id) in ids {
            wallets.entry(user).or_default().push(id);
        }
    }
    wallets
}

async fn plain_phase(
    pool: &MySqlPool,
    buyers: Arc<Vec<Caller>>,
    clients: usize,
    seats: usize,
) -> Stats {
    let (schedule, seats) = schedule_with_seats(pool, seats).await;
    let pool = pool.clone();
    run_partitioned(
        "core: hold + purchase, 일반",
        clients,
        &seats,
        move |worker, seat| {
            let (pool, buyers) = (pool.clone(), buyers.clone());
            async move {
                let buyer = buyers[worker];
                let hold = holds::create(&pool, rules(), buyer, schedule, &[seat], false, no_room)
                    .await
                    .unwrap();
                let terms = Terms {
                    booking_fee: FEE,
                    kinds: &[],
                    coupon_id: None,
                };
                purchase::purchase(&pool, buyer, hold.id, terms, None)
                    .await
                    .map_err(|err| eprintln!("purchase failed: {err:?}"))
                    .is_ok()
            }
        },
    )
    .await
}

async fn kind_and_coupon_phase(
    pool: &MySqlPool,
    buyers: Arc<Vec<Caller>>,
    clients: usize,
    seats: usize,
) -> Stats {
    let (schedule, seats) = schedule_with_seats(pool, seats).await;
    let kind_id = kind_on(pool, schedule).await;
    let per_buyer = seats.len().div_ceil(clients);
    let wallets = Arc::new(Mutex::new(coupons(pool, &buyers, per_buyer).await));
    let pool = pool.clone();
    run_partitioned(
        "core: hold + purchase, kind + coupon",
        clients,
        &seats,
        move |worker, seat| {
            let (pool, buyers, wallets) = (pool.clone(), buyers.clone(), wallets.clone());
            async move {
                let buyer = buyers[worker];
                let coupon = wallets
                    .lock()
                    .unwrap()
                    .get_mut(&buyer.user_id)
                    .unwrap()
                    .pop();
                let hold = holds::create(&pool, rules(), buyer, schedule, &[seat], false, no_room)
                    .await
                    .unwrap();
                let kinds = [KindChoice {
                    seat_id: seat,
                    kind_id,
                }];
                let terms = Terms {
                    booking_fee: FEE,
                    kinds: &kinds,
                    coupon_id: coupon,
                };
                match purchase::purchase(&pool, buyer, hold.id, terms, None).await {
                    Ok(paid) => paid.order.tickets[0].discount_name.is_some(),
                    Err(err) => {
                        eprintln!("purchase failed: {err:?}");
                        false
                    }
                }
            }
        },
    )
    .await
}

fn rules() -> HoldRules {
    HoldRules {
        ttl: Duration::from_secs(300),
        max_seats: 4,
        // One buyer per worker buys a whole partition: no per-person limit here.
        max_per_schedule: 0,
    }
}

#[tokio::main]
async fn main() {
    let clients = env_usize("BENCH_CLIENTS", 16);
    let seats = env_usize("BENCH_SEATS", 2_000);
    let rounds_count = env_usize("BENCH_ROUNDS", 5).max(1);
    let db = BenchDb::create().await;
    let pool = db.pool.clone();
    let buyers = Arc::new(buyers(&pool, clients).await);
    // Warm the pool and the caches once, unmeasured.
    plain_phase(&pool, buyers.clone(), clients, clients * 4).await;

    let mut rounds: Vec<[Stats; 2]> = Vec::new();
    for _ in 0..rounds_count {
        rounds.push([
            plain_phase(&pool, buyers.clone(), clients, seats).await,
            kind_and_coupon_phase(&pool, buyers.clone(), clients, seats).await,
        ]);
    }
    let used: i64 = sqlx::query_scalar("select count(*) from orders where coupon_use is not null")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        used as usize,
        rounds_count * seats,
        "every kind + coupon purchase used a coupon"
    );

    println!("\nclients: {clients}, seats per phase: {seats}, rounds: {rounds_count}\n");
    println!("| phase | operations | per second | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|");
    for phase in 0..2 {
        let mut by_rate: Vec<&Stats> = rounds.iter().map(|round| &round[phase]).collect();
        by_rate.sort_by(|a, b| a.per_second().total_cmp(&b.per_second()));
        let median = by_rate[by_rate.len() / 2];
        println!(
            "{}",
            median.row_labelled(&format!("{} (median of {rounds_count})", median.label))
        );
    }
    let mut ratios: Vec<f64> = rounds
        .iter()
        .map(|r| r[1].per_second() / r[0].per_second())
        .collect();
    ratios.sort_by(f64::total_cmp);
    let all: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    println!(
        "\nkind + coupon / plain purchases per second: {:.2} (rounds: {}; target >= 0.9)",
        ratios[ratios.len() / 2],
        all.join(", ")
    );
    db.drop().await;
}
