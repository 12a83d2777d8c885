//! The Marquee booking API: an axum router over `marquee-core`.
//!
//! `app()` builds the whole router so tests drive exactly what production serves;
//! `run()` does start-up (database, migrations, admin bootstrap, sweepers) and serves
//! until SIGTERM or Ctrl-C, finishing in-flight requests.

pub mod openapi;
pub mod plumbing;
pub mod routes;
pub mod serve;
pub mod telemetry;
pub mod web;

use std::time::Duration;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use marquee_core::config::Config;
use marquee_core::db;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use plumbing::state::AppState;
use plumbing::{error, fallback, hygiene};

/// Large enough for a show with 200 schedules; anything bigger is a mistake or abuse.
const BODY_LIMIT: usize = 1024 * 1024;

/// Every route of the JSON API with its OpenAPI entry: `routes!` takes the path and
/// method from each handler's `#[utoipa::path]`, so a route, its handler and its
/// documentation are declared once, together (handlers sharing a path go in one
/// `routes!`).
fn api_routes() -> OpenApiRouter<AppState> {
    use routes::*;
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(utoipa_axum::routes!(auth::signup))
        .routes(utoipa_axum::routes!(auth::login))
        .routes(utoipa_axum::routes!(auth::refresh))
        .routes(utoipa_axum::routes!(auth::logout))
        .routes(utoipa_axum::routes!(auth::social))
        .routes(utoipa_axum::routes!(
            users::me,
            users::update_me,
            users::withdraw
        ))
        .routes(utoipa_axum::routes!(users::my_likes))
        .routes(utoipa_axum::routes!(trades::history))
        .routes(utoipa_axum::routes!(points::balance_and_history))
        .routes(utoipa_axum::routes!(points::charge))
        .routes(utoipa_axum::routes!(shows::create, shows::list))
        .routes(utoipa_axum::routes!(
            shows::get,
            shows::update,
            shows::delete
        ))
        .routes(utoipa_axum::routes!(shows::seats))
        .routes(utoipa_axum::routes!(posters::upload, posters::remove))
        .routes(utoipa_axum::routes!(shows::like, shows::unlike))
        .routes(utoipa_axum::routes!(booking::create_hold))
        .routes(utoipa_axum::routes!(booking::release_hold))
        .routes(utoipa_axum::routes!(booking::purchase))
        .routes(utoipa_axum::routes!(booking::list_orders))
        .routes(utoipa_axum::routes!(booking::get_order))
        .routes(utoipa_axum::routes!(booking::cancel_order_tickets))
        .routes(utoipa_axum::routes!(booking::quote))
        .routes(utoipa_axum::routes!(
            cancellations::cancel,
            cancellations::progress
        ))
        .routes(utoipa_axum::routes!(
            coupons::create_campaign,
            coupons::list_campaigns
        ))
        .routes(utoipa_axum::routes!(coupons::claim, coupons::mine))
        .routes(utoipa_axum::routes!(booking::list_tickets))
        .routes(utoipa_axum::routes!(booking::get_ticket))
        .routes(utoipa_axum::routes!(booking::refund))
        .routes(utoipa_axum::routes!(trades::ticket_lineage))
        .routes(utoipa_axum::routes!(trades::create, trades::list))
        .routes(utoipa_axum::routes!(
            trades::get,
            trades::reprice,
            trades::cancel
        ))
        .routes(utoipa_axum::routes!(trades::purchase))
        .routes(utoipa_axum::routes!(queue::configure, queue::report))
        .routes(utoipa_axum::routes!(queue::enter))
        .routes(utoipa_axum::routes!(queue::status))
        .routes(utoipa_axum::routes!(queue::events))
        .routes(utoipa_axum::routes!(queue::leave))
        .routes(utoipa_axum::routes!(search::search))
        .routes(utoipa_axum::routes!(search::suggest))
        .routes(utoipa_axum::routes!(search::popular))
        .routes(utoipa_axum::routes!(search::misses))
        .routes(utoipa_axum::routes!(search::blocklist_terms))
        .routes(utoipa_axum::routes!(
            search::block_term,
            search::unblock_term
        ))
        .routes(utoipa_axum::routes!(ops::healthz))
        .routes(utoipa_axum::routes!(ops::readyz))
        .routes(utoipa_axum::routes!(ops::metrics))
}

/// The OpenAPI document of every route, with the generic error answers added.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, document) = api_routes().split_for_parts();
    openapi::finish(document)
}

pub fn app(state: AppState) -> Router {
    let (api, document) = api_routes().split_for_parts();
    let document = openapi::finish(document);

    telemetry::prometheus();
    let cors = hygiene::cors(&state.cors_origins);
    Router::new()
        .merge(api)
        .merge(web::routes())
        .merge(utoipa_swagger_ui::SwaggerUi::new("/docs").url("/openapi.json", document))
        .fallback(fallback::not_found)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .layer(error::panic_layer())
        .layer(tower::util::option_layer(cors))
        .layer(axum::middleware::from_fn(hygiene::secure_headers))
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
        let mut created = marquee_core::catalog::demo::seed(&pool)
            .await
            .context("loading the demo catalog failed")?;
        tracing::info!(created = created.len(), "demo catalog ready");
        // Their posters are drawn in the background, newest show first (the order the
        // home page lists them in), so serving starts at once; a restart before they
        // are all drawn leaves the rest without one.
        created.reverse();
        let posters_pool = pool.clone();
        tokio::spawn(async move {
            match marquee_core::catalog::demo_posters::add(&posters_pool, &created).await {
                Ok(()) => tracing::info!(drawn = created.len(), "demo posters ready"),
                Err(err) => tracing::warn!(error = %err, "drawing the demo posters failed"),
            }
        });
        if marquee_core::coupons::campaigns::seed_demo(&pool)
            .await
            .context("creating the demo coupon campaign failed")?
        {
            tracing::info!("demo coupon WELCOME3000 ready");
        }
    }
    marquee_core::sweeper::spawn(pool.clone(), config.hold_sweep_interval);
    // Cancellations a crashed process left half-refunded carry on here.
    state.cancellations.spawn_resumer();
    marquee_core::read_replicas::spawn_monitor(state.reads.clone());
    marquee_core::queue::admission::spawn(state.waiting_room.clone(), config.queue_tick);
    marquee_core::search::trends::spawn_flusher(state.trends.clone());
    let listener = tokio::net::TcpListener::bind(config.bind_addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind_addr))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "api listening");
    println!("Marquee on http://{addr}/ (API: http://{addr}/api/v1, docs: http://{addr}/docs)");
    serve_until(
        listener,
        state,
        serve::Timeouts::default(),
        shutdown_signal(),
    )
    .await;
    // Every request task has ended or been aborted; a connection the server still owes
    // an answer must not hold the exit.
    if tokio::time::timeout(Duration::from_secs(5), pool.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections did not close in time");
    }
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
