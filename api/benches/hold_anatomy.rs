//! Where a hold's database time goes: the hold transaction and variants of it, each
//! issued straight on the pool (no HTTP) by 32 workers on 3,000 fresh seats, against the
//! ceiling (the conditional UPDATE + COMMIT alone). Three interleaved rounds.
//!
//! Run: `TEST_DATABASE_URL=mysql://root@127.0.0.1:3306 cargo bench -p marquee-api --bench hold_anatomy`
//! (or `scripts/bench hold_anatomy`). Only the variants' SQL lives here; the product's
//! hold is `marquee_core::booking::holds::create`, measured as "current".

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use marquee_core::booking::holds::{self, HoldRules};
use marquee_core::catalog::model::{Category, NewGrade, NewSchedule, NewShow, VenueInput};
use marquee_core::catalog::repo as catalog;
use marquee_core::db;
use rand::Rng;
use sqlx::MySqlPool;

const WORKERS: usize = 32;
const SEATS: usize = 3_000;
const TAKE: &str = "update seats force index (primary) set hold_id = ?, hold_expires_at = ?
     where schedule_id = ? and not is_sold
       and (hold_expires_at is null or hold_expires_at <= current_timestamp(6)) and id in (?)";
const ON_SALE: &str = "select current_timestamp(6) + interval 5 minute from schedules sc join shows s on s.id = sc.show_id
     where sc.id = ? and s.deleted_at is null and s.booking_opens_at <= current_timestamp(6)
       and sc.starts_at > current_timestamp(6)";

type Step = Pin<Box<dyn Future<Output = ()> + Send>>;
type Variant = fn(MySqlPool, i64, i64, i64) -> Step;

async fn seats(pool: &MySqlPool) -> (i64, Vec<i64>) {
    let show = NewShow {
        title: format!("anatomy {}", rand::thread_rng().gen::<u32>()),
        title_en: None,
        description: String::new(),
        category: Category::Musical,
        venue: VenueInput {
            name: "anatomy hall".into(),
            address: String::new(),
        },
        artists: vec![],
        poster_url: None,
        booking_opens_at: Utc::now() - chrono::Duration::days(1),
        schedules: vec![NewSchedule {
            starts_at: Utc::now() + chrono::Duration::days(9),
            grades: vec![NewGrade {
                name: "R".into(),
                price: 1_000,
                rows: (0..SEATS.div_ceil(100)).map(|r| format!("R{r}")).collect(),
                seats_per_row: 100,
            }],
        }],
    };
    let show_id = catalog::create_show(pool, &show).await.unwrap();
    let schedule: i64 = sqlx::query_scalar("select id from schedules where show_id = ?")
        .bind(show_id)
        .fetch_one(pool)
        .await
        .unwrap();
    let ids = sqlx::query_scalar("select id from seats where schedule_id = ? order by id")
        .bind(schedule)
        .fetch_all(pool)
        .await
        .unwrap();
    (schedule, ids)
}

async fn rate(pool: &MySqlPool, user: i64, variant: Variant) -> f64 {
    let (schedule, ids) = seats(pool).await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let chunk: Vec<i64> = ids.iter().skip(worker).step_by(WORKERS).copied().collect();
            let pool = pool.clone();
            tokio::spawn(async move {
                for seat in chunk {
                    variant(pool.clone(), user, schedule, seat).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    ids.len() as f64 / started.elapsed().as_secs_f64()
}

fn ceiling(pool: MySqlPool, _user: i64, schedule: i64, seat: i64) -> Step {
    Box::pin(async move {
        let mut tx = pool.begin().await.unwrap();
        let expires: DateTime<Utc> = Utc::now() + chrono::Duration::minutes(5);
        let taken = sqlx::query(TAKE)
            .bind(-seat)
            .bind(expires)
            .bind(schedule)
            .bind(seat)
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(taken.rows_affected(), 1);
        tx.commit().await.unwrap();
    })
}

fn current(pool: MySqlPool, user: i64, schedule: i64, seat: i64) -> Step {
    Box::pin(async move {
        let rules = HoldRules {
            ttl: Duration::from_secs(300),
            max_seats: 4,
        };
        holds::create(&pool, rules, user, schedule, &[seat])
            .await
            .unwrap();
    })
}

/// The current hold without pricing the seats: PK on-sale check, hold row, take, commit.
fn without_pricing(pool: MySqlPool, user: i64, schedule: i64, seat: i64) -> Step {
    Box::pin(async move {
        let mut tx = pool.begin().await.unwrap();
        let expires: DateTime<Utc> = sqlx::query_scalar(ON_SALE)
            .bind(schedule)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let hold = sqlx::query("insert into holds (user_id, schedule_id, seat_count, total_price, expires_at) values (?, ?, 1, 0, ?)")
            .bind(user)
            .bind(schedule)
            .bind(expires)
            .execute(&mut *tx)
            .await
            .unwrap()
            .last_insert_id() as i64;
        let taken = sqlx::query(TAKE)
            .bind(hold)
            .bind(expires)
            .bind(schedule)
            .bind(seat)
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(taken.rows_affected(), 1);
        tx.commit().await.unwrap();
    })
}

/// No hold row: the seat mark is the hold (PK on-sale check, take, commit).
fn without_hold_row(pool: MySqlPool, _user: i64, schedule: i64, seat: i64) -> Step {
    Box::pin(async move {
        let mut tx = pool.begin().await.unwrap();
        let expires: DateTime<Utc> = sqlx::query_scalar(ON_SALE)
            .bind(schedule)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let taken = sqlx::query(TAKE)
            .bind(-seat)
            .bind(expires)
            .bind(schedule)
            .bind(seat)
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(taken.rows_affected(), 1);
        tx.commit().await.unwrap();
    })
}

#[tokio::main]
async fn main() {
    let server =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let name = format!("marquee_anatomy_{:08x}", rand::thread_rng().gen::<u32>());
    let url = format!("{server}/{name}");
    db::ensure_database(&url).await.unwrap();
    let pool = db::connect(&url).await.unwrap();
    db::MIGRATOR.run(&pool).await.unwrap();
    let user = sqlx::query("insert into users (email, password_hash, nickname) values ('anatomy@example.com', 'x', 'x')")
        .execute(&pool)
        .await
        .unwrap()
        .last_insert_id() as i64;
    let variants: [(&str, Variant); 4] = [
        ("ceiling: BEGIN, take, COMMIT", ceiling),
        ("current holds::create", current),
        ("without pricing the seats", without_pricing),
        ("without a hold row (seat mark only)", without_hold_row),
    ];
    let mut ratios = vec![Vec::new(); variants.len()];
    for _ in 0..3 {
        let rates: Vec<f64> = {
            let mut rates = Vec::new();
            for (_, variant) in &variants {
                rates.push(rate(&pool, user, *variant).await);
            }
            rates
        };
        for (i, rate) in rates.iter().enumerate() {
            ratios[i].push((*rate, rate / rates[0]));
        }
    }
    println!("| variant | per second (median of 3) | / ceiling (median) |");
    println!("|---|---|---|");
    for (i, (label, _)) in variants.iter().enumerate() {
        let mut by_rate: Vec<(f64, f64)> = ratios[i].clone();
        by_rate.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut rates: Vec<f64> = ratios[i].iter().map(|r| r.0).collect();
        rates.sort_by(f64::total_cmp);
        println!("| {label} | {:.0} | {:.2} |", rates[1], by_rate[1].1);
    }
    let admin = db::connect(&format!("{server}/mysql")).await.unwrap();
    sqlx::query(&format!("drop database `{name}`"))
        .execute(&admin)
        .await
        .unwrap();
}
