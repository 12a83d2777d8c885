//! 관람 정보 (running time, intermission, age rating) and 캐스팅 일정 (who plays which
//! role at which performance): stored, answered, shown, and searchable by actor.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::{TestApp, TestUser};
use crate::search::{encode_query, indexer_config};

/// 지킬 앤 하이드 with two performances, double-cast: 홍광호 then 신성록 as 지킬/하이드.
fn musical(days: [i64; 2]) -> Value {
    let at = |d: i64| (chrono::Utc::now() + chrono::Duration::days(d)).to_rfc3339();
    let grades = json!([{"name": "R", "price": 150000, "rows": ["A"], "seats_per_row": 2}]);
    json!({
        "title": "지킬 앤 하이드",
        "category": "MUSICAL",
        "venue": {"name": "블루스퀘어 신한카드홀", "address": "서울 용산구 이태원로 294"},
        "artists": ["홍광호"],
        "booking_opens_at": "2025-01-01T00:00:00+09:00",
        "running_minutes": 170,
        "intermission_minutes": 20,
        "min_age": 8,
        "schedules": [
            {"starts_at": at(days[0]), "grades": grades, "cast": [
                {"role": "지킬/하이드", "actor": "홍광호"}, {"role": "루시", "actor": "윤공주"}]},
            {"starts_at": at(days[1]), "grades": grades, "cast": [
                {"role": "지킬/하이드", "actor": "신성록"}, {"role": "루시", "actor": "아이비"}]}
        ]
    })
}

async fn create(app: &TestApp, admin: &TestUser, body: Value) -> i64 {
    let created = app.post("/api/v1/shows", Some(&admin.token), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    created.body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_show_states_its_running_time_age_rating_and_each_performances_cast() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show_id = create(&app, &admin, musical([20, 21])).await;

    let show = app
        .get(&format!("/api/v1/shows/{show_id}"), None)
        .await
        .body;
    assert_eq!(show["running_minutes"], 170);
    assert_eq!(show["intermission_minutes"], 20);
    assert_eq!(show["min_age"], 8);
    assert_eq!(show["age_rating"], "만 8세 이상");
    assert_eq!(
        show["schedules"][0]["cast"],
        json!([{"role": "지킬/하이드", "actor": "홍광호"}, {"role": "루시", "actor": "윤공주"}])
    );
    assert_eq!(show["schedules"][1]["cast"][0]["actor"], "신성록");

    // The page says it in words, with the cast under each performance and the
    // schedule of roles.
    let page = app.get(&format!("/shows/{show_id}"), None).await;
    let html = page.body.as_str().unwrap();
    for words in [
        "170분 (인터미션 20분)",
        "만 8세 이상",
        "캐스팅 일정",
        "지킬/하이드 홍광호 · 루시 윤공주",
        "신성록",
    ] {
        assert!(html.contains(words), "{words} on the page");
    }

    // A patch changes the facts it names and keeps the others.
    let patched = app
        .send(
            Method::PATCH,
            &format!("/api/v1/shows/{show_id}"),
            Some(&admin.token),
            Some(json!({"min_age": 19})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    let show = app
        .get(&format!("/api/v1/shows/{show_id}"), None)
        .await
        .body;
    assert_eq!(show["age_rating"], "청소년관람불가");
    assert_eq!(show["running_minutes"], 170);
}

#[tokio::test]
async fn a_show_without_facts_or_cast_says_nothing_of_them() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(20, 2).await;
    let body = app
        .get(&format!("/api/v1/shows/{}", show.show_id), None)
        .await
        .body;
    assert!(body["running_minutes"].is_null() && body["age_rating"].is_null());
    assert_eq!(body["schedules"][0]["cast"], json!([]));
    let page = app.get(&format!("/shows/{}", show.show_id), None).await;
    let html = page.body.as_str().unwrap();
    assert!(!html.contains("관람시간") && !html.contains("캐스팅 일정"));
}

#[tokio::test]
async fn facts_and_casts_out_of_bounds_are_refused_by_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let refused = async |change: &dyn Fn(&mut Value), field: &str| {
        let mut body = musical([20, 21]);
        change(&mut body);
        let answer = app.post("/api/v1/shows", Some(&admin.token), body).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {:?}",
            answer.body
        );
        assert_eq!(answer.body["error"]["field"], field, "{:?}", answer.body);
    };
    refused(&|b| b["min_age"] = json!(20), "min_age").await;
    refused(&|b| b["running_minutes"] = json!(0), "running_minutes").await;
    refused(
        &|b| b["intermission_minutes"] = json!(241),
        "intermission_minutes",
    )
    .await;
    refused(
        &|b| b["schedules"][0]["cast"][1]["role"] = json!("지킬/하이드 "),
        "cast.role",
    )
    .await;
    refused(
        &|b| b["schedules"][0]["cast"][0]["actor"] = json!(" "),
        "cast.actor",
    )
    .await;
    // Beyond what the column holds is refused before it reaches it.
    let mut body = musical([20, 21]);
    body["running_minutes"] = json!(70_000);
    let answer = app.post("/api/v1/shows", Some(&admin.token), body).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        answer.body
    );
    let shows: i64 = sqlx::query_scalar("select count(*) from shows")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(shows, 0, "nothing refused was stored");
}

#[tokio::test]
async fn an_actor_who_is_only_in_the_cast_finds_the_show() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create(&app, &admin, musical([20, 21])).await;
    marquee_indexer::run_once(&indexer_config(&app))
        .await
        .unwrap();
    // 신성록 is not among the show's artists, only in its second performance's cast.
    let found = app
        .get(
            &format!("/api/v1/search?q={}", encode_query("신성록")),
            None,
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
    assert_eq!(
        found.body["items"][0]["title"], "지킬 앤 하이드",
        "{:?}",
        found.body
    );
}
