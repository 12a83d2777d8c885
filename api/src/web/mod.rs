//! The site people use, in Korean and for phones first: pages rendered on the server
//! from askama templates (checked at compile time, escaped by default), each a handler
//! that calls core the way the JSON handlers do, so there is no second business layer.
//! Every page has a stable URL and reads without JavaScript; small scripts, where a
//! page must react as you type or tap, come on top (`api/static/`).
//!
//! Pages answer HTML errors (`plumbing::html::PageError`) with the status the
//! JSON API would give. The HTML helpers, the visitor's session and the rest they share
//! with the JSON API are in `crate::plumbing`.

mod account;
mod admin;
mod admin_show_form;
mod assets;
mod checkout;
mod chips;
mod discount_words;
mod format;
mod home;
mod market;
mod me;
mod performance;
mod poster_img;
mod posters;
mod qr;
mod queue;
mod refund_rules;
mod search;
mod seat_map;
mod show;
mod social;
mod top_up;
mod visitor;

use axum::routing::{get, post};
use axum::Router;

use crate::plumbing::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/search", get(search::page))
        .route("/shows/{id}", get(show::page))
        .route("/static/{file}", get(assets::file))
        .route("/posters/{show_id}/{key}/{file}", get(posters::image))
        .route("/login", get(account::login_page).post(account::login))
        .route("/signup", get(account::signup_page).post(account::signup))
        .route("/logout", post(account::logout))
        .route("/session", get(account::session))
        .route("/auth/{provider}", get(social::start))
        .route("/auth/{provider}/callback", get(social::callback))
        .route("/me", get(me::page))
        .route(
            "/shows/{id}/book/{schedule_id}",
            get(seat_map::page).post(queue::admit),
        )
        .route("/shows/{id}/queue/{schedule_id}", get(queue::page))
        .route("/checkout/{hold_id}", get(checkout::page))
        .route("/market", get(market::page))
        .route("/admin", get(admin::index))
        .route("/admin/shows/new", get(admin_show_form::new))
        .route("/admin/shows/{id}", get(admin::show))
        .route("/admin/shows/{id}/edit", get(admin_show_form::edit))
}
