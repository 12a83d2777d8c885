use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::harness::TestApp;

fn show_body(title: &str, category: &str, starts_at: &str) -> Value {
    json!({
        "title": title,
        "category": category,
        "venue": {"name": "예술의전당 오페라극장"},
        "artists": ["조승우"],
        "booking_opens_at": "2025-01-01T00:00:00Z",
        "schedules": [{"starts_at": starts_at, "grades": [{"name": "VIP", "price": 170000, "rows": ["A", "B"], "seats_per_row": 5}]}]
    })
}

async fn updated_at(app: &TestApp, show_id: i64) -> DateTime<Utc> {
    sqlx::query_scalar("select updated_at from shows where id = ?")
        .bind(show_id)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn only_admins_write_the_catalog() {
    let app = TestApp::spawn().await;
    let user = app.user("fan@example.com").await;
    let body = show_body("오페라의 유령", "MUSICAL", "2030-03-01T19:30:00+09:00");

    let anonymous = app.post("/api/v1/shows", None, body.clone()).await;
    let as_user = app
        .post("/api/v1/shows", Some(&user.token), body.clone())
        .await;
    let as_admin = app
        .post("/api/v1/shows", Some(&app.admin().await.token), body)
        .await;

    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(as_user.status, StatusCode::FORBIDDEN);
    assert_eq!(as_user.code(), "FORBIDDEN");
    assert_eq!(as_admin.status, StatusCode::CREATED);
    assert_eq!(
        as_admin.body["schedules"][0]["grades"][0]["total_seats"],
        10
    );
    assert_eq!(as_admin.body["artists"], json!(["조승우"]));
}

#[tokio::test]
async fn list_filters_by_category_and_korean_dates_and_pages() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // 2030-05-01 00:30 KST is still 2030-04-30 in UTC: the filter must use Korean days.
    for (title, category, starts) in [
        ("레미제라블", "MUSICAL", "2030-05-01T00:30:00+09:00"),
        ("아이유 콘서트", "CONCERT", "2030-05-20T18:00:00+09:00"),
        ("햄릿", "PLAY", "2030-06-10T19:00:00+09:00"),
    ] {
        app.post(
            "/api/v1/shows",
            Some(&admin.token),
            show_body(title, category, starts),
        )
        .await;
    }

    let musicals = app.get("/api/v1/shows?category=MUSICAL", None).await;
    let may = app
        .get("/api/v1/shows?from=2030-05-01&to=2030-05-31", None)
        .await;
    let april = app
        .get("/api/v1/shows?from=2030-04-01&to=2030-04-30", None)
        .await;
    let page = app.get("/api/v1/shows?limit=2&offset=2", None).await;

    assert_eq!(musicals.body["total"], 1);
    assert_eq!(musicals.body["items"][0]["title"], "레미제라블");
    assert_eq!(may.body["total"], 2);
    assert_eq!(april.body["total"], 0);
    assert_eq!(page.body["total"], 3);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        page.body["items"][0]["title"], "레미제라블",
        "newest first, so the oldest is last"
    );
}

#[tokio::test]
async fn detail_availability_counts_live_holds_but_not_expired_ones() {
    let app = TestApp::with_config(&[("HOLD_TTL_SECS", "1")]).await;
    let show = app.show_on_sale(30, 4).await;
    let user = app.user("fan@example.com").await;
    app.post(
        "/api/v1/holds",
        Some(&user.token),
        json!({"schedule_id": show.schedule_id, "seat_ids": &show.seat_ids[..2]}),
    )
    .await;

    let during = app
        .get(&format!("/api/v1/shows/{}", show.show_id), None)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let after = app
        .get(&format!("/api/v1/shows/{}", show.show_id), None)
        .await;

    assert_eq!(
        during.body["schedules"][0]["grades"][0]["available_seats"],
        2
    );
    assert_eq!(
        after.body["schedules"][0]["grades"][0]["available_seats"],
        4
    );
}

#[tokio::test]
async fn patch_changes_fields_adds_schedules_and_clears_with_empty_strings() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let path = format!("/api/v1/shows/{}", show.show_id);

    let patched = app
        .send(
            Method::PATCH,
            &path,
            Some(&show.admin.token),
            Some(json!({
                "title": "시카고 25주년",
                "title_en": "",
                "artists": ["아이비", "정선아"],
                "add_schedules": [{"starts_at": "2031-01-01T19:00:00+09:00", "grades": [{"name": "S", "price": 90000, "rows": ["Z"], "seats_per_row": 3}]}]
            })),
        )
        .await;

    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    assert_eq!(patched.body["title"], "시카고 25주년");
    assert_eq!(patched.body["title_en"], Value::Null);
    assert_eq!(patched.body["artists"], json!(["아이비", "정선아"]));
    assert_eq!(patched.body["schedules"].as_array().unwrap().len(), 2);
    assert_eq!(patched.body["category"], "MUSICAL", "absent fields stay");
}

#[tokio::test]
async fn soft_deleted_shows_disappear_from_reads_and_writes() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let path = format!("/api/v1/shows/{}", show.show_id);

    let deleted = app
        .send(Method::DELETE, &path, Some(&show.admin.token), None)
        .await;
    let again = app
        .send(Method::DELETE, &path, Some(&show.admin.token), None)
        .await;

    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(again.code(), "SHOW_NOT_FOUND");
    assert_eq!(app.get(&path, None).await.code(), "SHOW_NOT_FOUND");
    assert_eq!(app.get("/api/v1/shows", None).await.body["total"], 0);
    let row: i64 = sqlx::query_scalar("select count(*) from shows where deleted_at is not null")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(row, 1);
}

/// The search indexer reads changes by `updated_at`, so every change a search document
/// shows must move it - including ones that do not touch the shows row itself.
#[tokio::test]
async fn updated_at_moves_on_every_change_a_search_document_shows() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let other = app.show_on_sale(40, 2).await; // same venue and artists
    let path = format!("/api/v1/shows/{}", show.show_id);
    let admin = Some(show.admin.token.as_str());
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(5));

    let mut last = updated_at(&app, show.show_id).await;
    let mut moved = |label: &str, now: DateTime<Utc>| {
        assert!(now > last, "{label} did not move updated_at");
        last = now;
    };

    pause().await;
    app.send(
        Method::PATCH,
        &path,
        admin,
        Some(json!({"title": "새 제목"})),
    )
    .await;
    moved("title change", updated_at(&app, show.show_id).await);

    pause().await;
    app.send(
        Method::PATCH,
        &path,
        admin,
        Some(json!({"artists": ["새 배우"]})),
    )
    .await;
    moved("artist list change", updated_at(&app, show.show_id).await);

    pause().await;
    app.send(
        Method::PATCH,
        &path,
        admin,
        Some(json!({"aliases": ["새 별명"]})),
    )
    .await;
    moved("alias list change", updated_at(&app, show.show_id).await);

    pause().await;
    let schedule = json!({"add_schedules": [{"starts_at": "2031-01-01T19:00:00Z", "grades": [{"name": "R", "price": 1, "rows": ["A"], "seats_per_row": 1}]}]});
    app.send(Method::PATCH, &path, admin, Some(schedule)).await;
    moved("new schedule", updated_at(&app, show.show_id).await);

    pause().await;
    sqlx::query("update schedules set starts_at = starts_at + interval 1 hour where show_id = ?")
        .bind(show.show_id)
        .execute(app.pool())
        .await
        .unwrap();
    moved("schedule time change", updated_at(&app, show.show_id).await);

    pause().await;
    app.post(
        &format!("{path}/like"),
        Some(&app.user("fan@example.com").await.token),
        json!({}),
    )
    .await;
    moved("like (popularity)", updated_at(&app, show.show_id).await);

    // Renaming the venue or an artist changes the documents of every show using them.
    pause().await;
    let other_before = updated_at(&app, other.show_id).await;
    app.send(
        Method::PATCH,
        &format!("/api/v1/shows/{}", other.show_id),
        admin,
        Some(json!({"venue": {"name": "디큐브 링크아트센터", "address": "서울 구로구 새 주소 1"}})),
    )
    .await;
    moved(
        "venue address change made through another show",
        updated_at(&app, show.show_id).await,
    );
    assert!(updated_at(&app, other.show_id).await > other_before);

    pause().await;
    sqlx::query("update artists set name = '아이비 (IVY)' where name = '아이비'")
        .execute(app.pool())
        .await
        .unwrap();
    assert!(
        updated_at(&app, other.show_id).await > other_before,
        "artist rename"
    );

    pause().await;
    app.send(Method::DELETE, &path, admin, None).await;
    moved("soft delete", updated_at(&app, show.show_id).await);
}

#[tokio::test]
async fn likes_are_idempotent_counted_and_listed() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let fan = app.user("fan@example.com").await;
    let other = app.user("other@example.com").await;
    let like = format!("/api/v1/shows/{}/like", show.show_id);

    app.post(&like, Some(&fan.token), json!({})).await;
    let twice = app.post(&like, Some(&fan.token), json!({})).await;
    let by_other = app.post(&like, Some(&other.token), json!({})).await;
    let mine = app.get("/api/v1/users/me/likes", Some(&fan.token)).await;
    let unliked = app
        .send(Method::DELETE, &like, Some(&other.token), None)
        .await;
    let unliked_again = app
        .send(Method::DELETE, &like, Some(&other.token), None)
        .await;
    let missing = app
        .post("/api/v1/shows/999999/like", Some(&fan.token), json!({}))
        .await;

    assert_eq!(twice.body["like_count"], 1);
    assert_eq!(by_other.body["like_count"], 2);
    assert_eq!(mine.body["total"], 1);
    assert_eq!(mine.body["items"][0]["id"], show.show_id);
    assert_eq!(unliked.body["like_count"], 1);
    assert_eq!(unliked_again.body["like_count"], 1);
    assert_eq!(missing.code(), "SHOW_NOT_FOUND");
    let detail = app
        .get(&format!("/api/v1/shows/{}", show.show_id), None)
        .await;
    assert_eq!(detail.body["like_count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_shows_sharing_a_new_venue_and_artists_are_all_created() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let creations = (0..12).map(|i| {
        let mut body = show_body(
            &format!("합동 공연 {i}"),
            "CONCERT",
            "2030-03-01T19:30:00+09:00",
        );
        body["venue"] = json!({"name": "새 공연장", "address": "서울 마포구"});
        // The same new artists, listed in a different order by half of the writers.
        body["artists"] = if i % 2 == 0 {
            json!(["새 가수", "새 밴드", "새 지휘자"])
        } else {
            json!(["새 지휘자", "새 밴드", "새 가수"])
        };
        crate::harness::spawn_post(&app.router, "/api/v1/shows", &admin.token, Some(body), &[])
    });
    let answers = futures::future::join_all(creations).await;

    for answer in answers {
        let answer = answer.unwrap();
        assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    }
    let venues: i64 = sqlx::query_scalar("select count(*) from venues where name = '새 공연장'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let artists: i64 = sqlx::query_scalar("select count(*) from artists where name like '새 %'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let credits: i64 = sqlx::query_scalar("select count(*) from show_artists")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!((venues, artists, credits), (1, 3, 36));
}

#[tokio::test]
async fn dates_the_catalog_cannot_represent_are_400_on_list_and_search() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/shows?",
        "/api/v1/search?q=%EC%8B%9C%EC%B9%B4%EA%B3%A0&",
    ] {
        for range in [
            "from=-262143-01-01",
            "to=-262143-01-01",
            "from=+262142-12-31",
            "to=+262142-12-31",
            "from=1969-12-31",
            "to=10000-01-01",
            "from=2030-03-02&to=2030-03-01",
        ] {
            let response = app.get(&format!("{path}{range}"), None).await;
            assert_eq!(
                response.status,
                StatusCode::BAD_REQUEST,
                "{path}{range}: {:?}",
                response.body
            );
            assert_eq!(response.code(), "INVALID_QUERY", "{path}{range}");
        }
        let widest = app
            .get(&format!("{path}from=1970-01-01&to=9999-12-31"), None)
            .await;
        assert_eq!(widest.status, StatusCode::OK, "{path}: {:?}", widest.body);
    }
}

#[tokio::test]
async fn aliases_are_kept_in_order_replaced_whole_and_refused_when_repeated() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut body = show_body("레미제라블", "MUSICAL", "2030-03-01T19:30:00+09:00");
    body["aliases"] = json!(["레미즈", " 레미 "]);
    let created = app
        .post("/api/v1/shows", Some(&admin.token), body.clone())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let path = format!("/api/v1/shows/{}", created.body["id"]);
    let detail = app.get(&path, None).await;
    assert_eq!(detail.body["aliases"], json!(["레미즈", "레미"]));

    let patched = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin.token),
            Some(json!({"aliases": ["Les Mis"]})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    assert_eq!(
        app.get(&path, None).await.body["aliases"],
        json!(["Les Mis"])
    );

    for aliases in [
        json!(["레미즈", "레미즈 "]),
        json!(["두 줄\n별명"]),
        json!(["Les Mis, 25th"]),
        json!((0..21).map(|i| format!("별명{i}")).collect::<Vec<_>>()),
        json!(["  "]),
    ] {
        let refused = app
            .send(
                Method::PATCH,
                &path,
                Some(&admin.token),
                Some(json!({"aliases": aliases})),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{aliases}: {:?}",
            refused.body
        );
        assert_eq!(refused.body["error"]["field"], "aliases");
    }
    assert_eq!(
        app.get(&path, None).await.body["aliases"],
        json!(["Les Mis"])
    );
}
