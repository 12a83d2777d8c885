//! The Marquee booking API: an axum router over `marquee-core`.
//!
//! `app()` builds the whole router so tests drive exactly what production serves;
//! `run()` does start-up (database, migrations, admin bootstrap, sweepers) and serves
//! until SIGTERM or Ctrl-C, finishing in-flight requests.

pub mod error;
pub mod extract;
pub mod hygiene;
pub mod openapi;
pub mod routes;
pub mod serve;
pub mod state;
pub mod telemetry;

use std::time::Duration;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use marquee_core::config::Config;
use marquee_core::db;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

pub use state::AppState;

/// Large enough for a show with 200 schedules; anything bigger is a mistake or abuse.
const BODY_LIMIT: usize = 1024 * 1024;

pub fn app(state: AppState) -> Router {
    use routes::*;
    let api = Router::new()
        .route("/auth/signup", post(auth::signup))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route(
            "/users/me",
            get(users::me)
                .patch(users::update_me)
                .delete(users::withdraw),
        )
        .route("/users/me/likes", get(users::my_likes))
        .route("/users/me/trades", get(trades::history))
        .route("/points", get(points::balance_and_history))
        .route("/points/charges", post(points::charge))
        .route("/shows", post(shows::create).get(shows::list))
        .route(
            "/shows/{id}",
            get(shows::get).patch(shows::update).delete(shows::delete),
        )
        .route(
            "/shows/{id}/schedules/{schedule_id}/seats",
            get(shows::seats),
        )
        .route("/shows/{id}/like", post(shows::like).delete(shows::unlike))
        .route("/holds", post(booking::create_hold))
        .route("/holds/{id}", axum::routing::delete(booking::release_hold))
        .route("/holds/{id}/purchase", post(booking::purchase))
        .route("/tickets", get(booking::list_tickets))
        .route("/tickets/{id}", get(booking::get_ticket))
        .route("/tickets/{id}/refund", post(booking::refund))
        .route("/tickets/{id}/lineage", get(trades::ticket_lineage))
        .route("/trades", post(trades::create).get(trades::list))
        .route(
            "/trades/{id}",
            get(trades::get)
                .patch(trades::reprice)
                .delete(trades::cancel),
        )
        .route("/trades/{id}/purchase", post(trades::purchase))
        .route(
            "/admin/queue/{schedule_id}",
            axum::routing::put(queue::configure).get(queue::report),
        )
        .route("/queue/{schedule_id}/enter", post(queue::enter))
        .route("/queue/{schedule_id}/status", get(queue::status))
        .route("/queue/{schedule_id}/events", get(queue::events))
        .route("/queue/{schedule_id}", axum::routing::delete(queue::leave))
        .route("/search", get(search::search))
        .route("/search/suggest", get(search::suggest));

    telemetry::prometheus();
    let cors = hygiene::cors(&state.cors_origins);
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(utoipa_swagger_ui::SwaggerUi::new("/docs").url("/openapi.json", openapi::ApiDoc::openapi()))
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(error::panic_layer())
        .layer(axum::middleware::from_fn(hygiene::secure_headers))
        .layer(tower::util::option_layer(cors))
        .layer(axum::middleware::from_fn(telemetry::track))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let request_id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::from_fn(hygiene::bound_request_id))
        .with_state(state)
}

/// Connects, migrates, bootstraps the admin, starts the hold sweeper and serves.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let url = config.database_url.expose();
    db::ensure_database(url)
        .await
        .context("cannot reach the database")?;
    let pool = db::connect(url)
        .await
        .context("cannot connect to the database")?;
    db::MIGRATOR.run(&pool).await.context("migrations failed")?;
    let state = AppState::new(pool.clone(), &config);
    if let Some(admin) = &config.admin {
        state
            .auth
            .bootstrap_admin(&admin.email, admin.password.expose())
            .await
            .context("ADMIN_EMAIL/ADMIN_PASSWORD: cannot create the admin account")?;
        tracing::info!("admin account ready");
    }
    if config.demo_catalog {
        let created = marquee_core::catalog::demo::seed(&pool)
            .await
            .context("loading the demo catalog failed")?;
        tracing::info!(created, "demo catalog ready");
    }
    marquee_core::sweeper::spawn(pool.clone(), config.hold_sweep_interval);
    marquee_core::queue::admission::spawn(state.waiting_room.clone(), config.queue_tick);
    let listener = tokio::net::TcpListener::bind(config.bind_addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind_addr))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "api listening");
    println!("Marquee API on http://{addr}/api/v1 (docs: http://{addr}/docs)");
    serve_until(
        listener,
        state,
        serve::Timeouts::default(),
        shutdown_signal(),
    )
    .await;
    pool.close().await;
    Ok(())
}

/// Serves the whole app on `listener` until `stop` resolves; then event streams send
/// their last event and end, and open connections drain (see `serve`).
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    state: AppState,
    timeouts: serve::Timeouts,
    stop: impl std::future::Future<Output = ()>,
) {
    let draining = state.clone();
    serve::serve(listener, app(state), timeouts, async move {
        stop.await;
        draining.begin_shutdown();
    })
    .await;
}

async fn shutdown_signal() {
    marquee_core::lifecycle::shutdown_requested().await;
    tracing::info!("shutting down, finishing in-flight requests");
    // Give load balancers a moment to notice; in-flight requests finish regardless.
    tokio::time::sleep(Duration::from_millis(100)).await;
}
