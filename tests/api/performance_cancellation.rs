//! 공연 취소: an organizer cancels a performance, against MariaDB. Every valid ticket
//! is refunded in full once (fees and compensation included), the performance goes off
//! sale with its holds and trades, and the job survives its process being killed.

use std::process::Child;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use marquee_core::performance_cancellation::job;
use marquee_core::performance_cancellation::CancellationRules;
use serde_json::{json, Value};
use sqlx::MySqlPool;

use crate::harness::{spawn_post, TestApp, TestDb, TestUser};

const FEE: (&str, &str) = ("BOOKING_FEE", "2000");
const COMPENSATION: (&str, &str) = ("CANCELLATION_COMPENSATION", "true");

fn cancellation_path(schedule_id: i64) -> String {
    format!("/api/v1/admin/schedules/{schedule_id}/cancellation")
}

/// The ledger entries naming this ticket, in order: (reason, amount).
async fn entries_of(pool: &MySqlPool, ticket_id: i64) -> Vec<(String, i64)> {
    sqlx::query_as(
        "select cast(reason as char), amount from point_ledger where reference = ? order by id",
    )
    .bind(format!("ticket:{ticket_id}"))
    .fetch_all(pool)
    .await
    .unwrap()
}

fn ticket_ids(order: &Value) -> Vec<i64> {
    order["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_cancelled_performance_refunds_every_ticket_in_full_once() {
    let app = TestApp::with_config(&[FEE, COMPENSATION]).await;
    let show = app.show_on_sale(20, 8).await;
    let seats = &show.seat_ids;
    let (fan, early, holder, seller) = (
        app.user("fan@marquee.test").await,
        app.user("early@marquee.test").await,
        app.user("holder@marquee.test").await,
        app.user("seller@marquee.test").await,
    );
    for user in [&fan, &early, &holder, &seller] {
        app.charge(user, 200_000).await;
    }
    let order = app.buy(&fan, show.schedule_id, &seats[0..2]).await;
    // A ticket its holder refunded before the cancellation keeps its own terms.
    let early_order = app.buy(&early, show.schedule_id, &seats[2..3]).await;
    let early_ticket = ticket_ids(&early_order)[0];
    app.book_earlier(early_ticket, 4).await;
    let refunded = app
        .post(
            &format!("/api/v1/tickets/{early_ticket}/refund"),
            Some(&early.token),
            json!({}),
        )
        .await;
    assert_eq!(refunded.status, StatusCode::OK, "{:?}", refunded.body);
    let early_refund = refunded.body["refund_amount"].as_i64().unwrap();
    let hold_id = app.hold(&holder, show.schedule_id, &seats[3..4]).await;
    let listed_order = app.buy(&seller, show.schedule_id, &seats[4..5]).await;
    let listed_ticket = ticket_ids(&listed_order)[0];
    let listing = app
        .post(
            "/api/v1/trades",
            Some(&seller.token),
            json!({"ticket_id": listed_ticket, "price": 40_000}),
        )
        .await;
    assert_eq!(listing.status, StatusCode::CREATED, "{:?}", listing.body);

    // Only an admin may cancel.
    let refused = app.cancel_performance(&fan, show.schedule_id).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let cancelled = app.cancel_performance(&show.admin, show.schedule_id).await;
    assert_eq!(
        cancelled.status,
        StatusCode::ACCEPTED,
        "{:?}",
        cancelled.body
    );
    assert_eq!(cancelled.body["compensation_percent"], 10);

    let report = app
        .cancellation_finished(&show.admin, show.schedule_id)
        .await;
    // Three valid tickets (the fan's two and the listed one): 50,000 + 2,000 fee each,
    // and 5,000 compensation each.
    assert_eq!(report["tickets_refunded"], 3);
    assert_eq!(report["tickets_left"], 0);
    assert_eq!(report["points_refunded"], 3 * (52_000 + 5_000));

    // The fan: everything back and 10% on top, one refund and one compensation entry
    // per ticket; the order reads 공연 취소.
    assert_eq!(app.balance(&fan).await, 200_000 + 2 * 5_000);
    let number = order["number"].as_str().unwrap();
    let detail = app
        .get(&format!("/api/v1/orders/{number}"), Some(&fan.token))
        .await;
    assert_eq!(detail.body["status"], "PERFORMANCE_CANCELLED");
    assert_eq!(detail.body["refunded"], 2 * 52_000);
    for ticket in detail.body["tickets"].as_array().unwrap() {
        assert_eq!(ticket["status"], "REFUNDED");
        assert_eq!(ticket["performance_cancelled"], true);
        assert_eq!(ticket["refund_fee"], 0);
        assert_eq!(ticket["refund_amount"], 52_000);
        assert_eq!(ticket["booking_fee_refunded"], true);
        assert_eq!(ticket["compensation"], 5_000);
        let id = ticket["id"].as_i64().unwrap();
        let entries = entries_of(app.pool(), id).await;
        assert_eq!(
            entries,
            vec![
                ("REFUND".to_string(), 52_000),
                ("COMPENSATION".into(), 5_000)
            ]
        );
    }
    // The early refund was not paid again.
    assert_eq!(
        entries_of(app.pool(), early_ticket).await,
        vec![("REFUND".to_string(), early_refund)]
    );
    let early_view = app
        .get(
            &format!("/api/v1/tickets/{early_ticket}"),
            Some(&early.token),
        )
        .await;
    assert_eq!(early_view.body["compensation"], Value::Null);
    // The listing was cancelled and its ticket refunded in full.
    let trade = app
        .get(&format!("/api/v1/trades/{}", listing.body["id"]), None)
        .await;
    assert_eq!(trade.body["status"], "CANCELLED");
    assert_eq!(app.balance(&seller).await, 200_000 + 5_000);
    for user in [&fan, &early, &holder, &seller] {
        assert_eq!(app.balance(user).await, app.ledger_sum(user).await);
    }

    // Off sale: the hold is gone (released, as if its holder had let it go), and no
    // new hold or purchase can be made.
    let purchase = app
        .post(
            &format!("/api/v1/holds/{hold_id}/purchase"),
            Some(&holder.token),
            json!({}),
        )
        .await;
    assert_eq!(
        purchase.status,
        StatusCode::NOT_FOUND,
        "{:?}",
        purchase.body
    );
    assert_eq!(purchase.body["error"]["code"], "HOLD_NOT_FOUND");
    let hold = app
        .post(
            "/api/v1/holds",
            Some(&holder.token),
            json!({"schedule_id": show.schedule_id, "seat_ids": [seats[5]]}),
        )
        .await;
    assert_eq!(hold.status, StatusCode::CONFLICT);
    assert_eq!(hold.body["error"]["code"], "NOT_ON_SALE");
    assert_eq!(app.balance(&holder).await, 200_000);
    let page = app
        .get(&format!("/api/v1/shows/{}", show.show_id), None)
        .await;
    let schedule = &page.body["schedules"][0];
    assert_eq!(schedule["cancelled"], true);
    assert_eq!(schedule["grades"][0]["available_seats"], 0);

    // Asking again answers the same cancellation, and pays nothing more.
    let again = app.cancel_performance(&show.admin, show.schedule_id).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["tickets_refunded"], 3);
    assert_eq!(again.body["requested_at"], cancelled.body["requested_at"]);
    assert_eq!(app.balance(&fan).await, 200_000 + 2 * 5_000);
}

#[tokio::test]
async fn while_refunds_run_a_holder_can_neither_refund_nor_list_a_cancelled_ticket() {
    // One ticket a batch, with a long pause after it: the second ticket stays valid
    // for a while after the performance was cancelled.
    let app = TestApp::with_config(&[
        ("CANCELLATION_BATCH", "1"),
        ("CANCELLATION_BATCH_PAUSE_MS", "3000"),
    ])
    .await;
    let show = app.show_on_sale(20, 4).await;
    let fan = app.user("fan@marquee.test").await;
    app.charge(&fan, 100_000).await;
    let order = app.buy(&fan, show.schedule_id, &show.seat_ids[0..2]).await;
    let tickets = ticket_ids(&order);
    let cancelled = app.cancel_performance(&show.admin, show.schedule_id).await;
    assert_eq!(cancelled.status, StatusCode::ACCEPTED);
    assert_eq!(cancelled.body["compensation_percent"], 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    let still_valid = loop {
        let refunded: Vec<i64> = sqlx::query_scalar(
            "select id from tickets where schedule_id = ? and status = 'REFUNDED'",
        )
        .bind(show.schedule_id)
        .fetch_all(app.pool())
        .await
        .unwrap();
        if refunded.len() == 1 {
            break *tickets.iter().find(|id| !refunded.contains(id)).unwrap();
        }
        assert!(Instant::now() < deadline, "the first batch never came");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let refund = app
        .post(
            &format!("/api/v1/tickets/{still_valid}/refund"),
            Some(&fan.token),
            json!({}),
        )
        .await;
    assert_eq!(refund.status, StatusCode::CONFLICT, "{:?}", refund.body);
    assert_eq!(refund.body["error"]["code"], "PERFORMANCE_CANCELLED");
    let listing = app
        .post(
            "/api/v1/trades",
            Some(&fan.token),
            json!({"ticket_id": still_valid, "price": 10_000}),
        )
        .await;
    assert_eq!(listing.status, StatusCode::CONFLICT, "{:?}", listing.body);
    assert_eq!(listing.body["error"]["code"], "PERFORMANCE_CANCELLED");
    let progress = app
        .get(
            &cancellation_path(show.schedule_id),
            Some(&show.admin.token),
        )
        .await;
    assert_eq!(progress.body["status"], "REFUNDING");
    assert_eq!(progress.body["tickets_left"], 1);

    app.cancellation_finished(&show.admin, show.schedule_id)
        .await;
    assert_eq!(app.balance(&fan).await, 100_000);
    assert_eq!(app.balance(&fan).await, app.ledger_sum(&fan).await);
}

#[tokio::test]
async fn unknown_and_long_past_performances_are_refused() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(20, 2).await;
    let missing = app.cancel_performance(&show.admin, 999_999_999).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"]["code"], "SCHEDULE_NOT_FOUND");
    let none = app
        .get(
            &cancellation_path(show.schedule_id),
            Some(&show.admin.token),
        )
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert_eq!(none.body["error"]["code"], "CANCELLATION_NOT_FOUND");
    sqlx::query("update schedules set starts_at = now() - interval 31 day where id = ?")
        .bind(show.schedule_id)
        .execute(app.pool())
        .await
        .unwrap();
    let late = app.cancel_performance(&show.admin, show.schedule_id).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(late.body["error"]["code"], "CANCELLATION_TOO_LATE");
    assert_eq!(late.body["error"]["limit"], 30);
}

/// Every user's balance equals their ledger, and each ticket of the schedule has been
/// paid back by at most one REFUND entry: (refunded tickets, refund entries).
async fn books_balance(pool: &MySqlPool, schedule_id: i64) -> (i64, i64) {
    let off: i64 = sqlx::query_scalar(
        "select count(*) from users u
         where u.point_balance <> (select coalesce(sum(amount), 0) from point_ledger l
                                   where l.user_id = u.id)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(off, 0, "a balance differs from its ledger");
    let twice: i64 = sqlx::query_scalar(
        "select count(*) from (select reference from point_ledger where reason = 'REFUND'
                               group by reference having count(*) > 1) paid_twice",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(twice, 0, "a ticket was refunded twice");
    let refunded: i64 = sqlx::query_scalar(
        "select count(*) from tickets where schedule_id = ? and status = 'REFUNDED'",
    )
    .bind(schedule_id)
    .fetch_one(pool)
    .await
    .unwrap();
    let entries: i64 = sqlx::query_scalar(
        "select count(*) from point_ledger l
         join tickets t on t.id = cast(substring(l.reference, 8) as unsigned)
         where l.reference like 'ticket:%' and t.schedule_id = ? and l.reason = 'REFUND'",
    )
    .bind(schedule_id)
    .fetch_one(pool)
    .await
    .unwrap();
    (refunded, entries)
}

/// `users` fans with four tickets each of one performance of `seats` seats.
async fn sold_out(app: &TestApp, users: usize) -> (crate::harness::ShowFixture, Vec<TestUser>) {
    let show = app.show_on_sale(20, (users * 4) as u32).await;
    let mut fans = Vec::new();
    for (n, seats) in show.seat_ids.chunks(4).enumerate() {
        let fan = app.user(&format!("fan{n}@marquee.test")).await;
        app.charge(&fan, 300_000).await;
        app.buy(&fan, show.schedule_id, seats).await;
        fans.push(fan);
    }
    (show, fans)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_running_one_job_together_pay_each_ticket_once() {
    let app = TestApp::with_config(&[FEE, COMPENSATION, ("CANCELLATION_BATCH", "3")]).await;
    let (show, fans) = sold_out(&app, 15).await;
    let cancelled = app.cancel_performance(&show.admin, show.schedule_id).await;
    assert_eq!(cancelled.status, StatusCode::ACCEPTED);
    let job_id: i64 =
        sqlx::query_scalar("select id from performance_cancellations where schedule_id = ?")
            .bind(show.schedule_id)
            .fetch_one(app.pool())
            .await
            .unwrap();
    // Two more "processes" run the same job at once, each with its own pool, beside
    // the app's own worker.
    let rules = CancellationRules {
        compensation_percent: 10,
        batch: 2,
        pause: Duration::ZERO,
    };
    let mut others = Vec::new();
    for _ in 0..2 {
        let pool = app.db.second_pool().await;
        others.push(tokio::spawn(
            async move { job::run(&pool, rules, job_id).await },
        ));
    }
    for other in others {
        other.await.unwrap().unwrap();
    }
    let report = app
        .cancellation_finished(&show.admin, show.schedule_id)
        .await;
    assert_eq!(report["tickets_refunded"], 60);
    assert_eq!(report["points_refunded"], 60 * (52_000 + 5_000));
    assert_eq!(books_balance(app.pool(), show.schedule_id).await, (60, 60));
    for fan in &fans {
        assert_eq!(app.balance(fan).await, 300_000 + 4 * 5_000);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn purchases_racing_the_cancellation_are_refunded_or_refused() {
    let app = TestApp::spawn().await;
    let other = marquee_api::app(marquee_api::AppState::new(
        app.db.second_pool().await,
        &app.config,
    ));
    let show = app.show_on_sale(20, 40).await;
    let mut buyers = Vec::new();
    for (n, seats) in show.seat_ids.chunks(2).enumerate() {
        let fan = app.user(&format!("racer{n}@marquee.test")).await;
        app.charge(&fan, 100_000).await;
        let hold_id = app.hold(&fan, show.schedule_id, seats).await;
        buyers.push((fan, hold_id));
    }
    // Twenty purchases through two api instances, and the cancellation among them.
    let mut purchases = Vec::new();
    for (n, (fan, hold_id)) in buyers.iter().enumerate() {
        let router = if n % 2 == 0 { &app.router } else { &other };
        let path = format!("/api/v1/holds/{hold_id}/purchase");
        purchases.push(spawn_post(router, &path, &fan.token, None, &[]));
        if n == 9 {
            let cancel = app.cancel_performance(&show.admin, show.schedule_id).await;
            assert_eq!(cancel.status, StatusCode::ACCEPTED);
        }
    }
    let mut bought = 0;
    for purchase in purchases {
        let answer = purchase.await.unwrap();
        match answer.status {
            StatusCode::CREATED => bought += 1,
            StatusCode::NOT_FOUND | StatusCode::CONFLICT => {}
            status => panic!("{status}: {:?}", answer.body),
        }
    }
    let report = app
        .cancellation_finished(&show.admin, show.schedule_id)
        .await;
    // Whatever the order, every ticket sold was refunded and nobody lost a point.
    assert_eq!(report["tickets_refunded"], bought * 2);
    assert_eq!(report["tickets_left"], 0);
    assert_eq!(
        books_balance(app.pool(), show.schedule_id).await,
        (bought * 2, bought * 2)
    );
    for (fan, _) in &buyers {
        assert_eq!(app.balance(fan).await, 100_000);
    }
}

/// The real binary with the booking fee and compensation on, as the kill test runs it.
fn start_binary(db_url: &str, extra: &[(&str, &str)]) -> (Child, String) {
    let mut settings = vec![("BOOKING_FEE", "2000"), COMPENSATION];
    settings.extend_from_slice(extra);
    crate::binary::start(db_url, &settings)
}

async fn job_row(pool: &MySqlPool, schedule_id: i64) -> Option<(i64, bool)> {
    sqlx::query_as(
        "select cast(tickets_refunded as signed), finished_at is not null
         from performance_cancellations where schedule_id = ?",
    )
    .bind(schedule_id)
    .fetch_optional(pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_killed_midway_resumes_and_pays_each_ticket_exactly_once() {
    let db = TestDb::new().await;
    let app = TestApp::on_database(db, &[FEE]).await;
    let (show, fans) = sold_out(&app, 30).await;
    let url = app.db.url.clone();

    // Slowly: five tickets a batch, a pause after each, so the kill lands midway.
    let (mut first, base) = start_binary(
        &url,
        &[
            ("CANCELLATION_BATCH", "5"),
            ("CANCELLATION_BATCH_PAUSE_MS", "150"),
        ],
    );
    let http = reqwest::Client::new();
    let answer = http
        .post(format!("{base}{}", cancellation_path(show.schedule_id)))
        .bearer_auth(&show.admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::ACCEPTED);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some((refunded, _)) = job_row(app.pool(), show.schedule_id).await {
            if refunded >= 20 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "the job did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();

    // Killed midway: part refunded, and what was refunded is exactly what was paid.
    let (refunded, finished) = job_row(app.pool(), show.schedule_id).await.unwrap();
    assert!(!finished);
    assert!((20..120).contains(&refunded), "{refunded} refunded");
    assert_eq!(
        books_balance(app.pool(), show.schedule_id).await,
        (refunded, refunded)
    );

    // A new process finds the job at start-up and finishes it.
    let (mut second, _) = start_binary(&url, &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !job_row(app.pool(), show.schedule_id).await.unwrap().1 {
        assert!(Instant::now() < deadline, "the job was not resumed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(job_row(app.pool(), show.schedule_id).await.unwrap().0, 120);
    assert_eq!(
        books_balance(app.pool(), show.schedule_id).await,
        (120, 120)
    );
    for fan in &fans {
        // Four tickets of 50,000 and a 2,000 fee each, back whole, and 5,000 each.
        assert_eq!(app.balance(fan).await, 300_000 + 4 * 5_000);
    }
}
