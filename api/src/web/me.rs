//! My page: who is signed in, their points, and the way out. Tickets, points history,
//! likes and trades join it as the booking pages land.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use marquee_core::accounts::tokens::csrf_token;

use super::account::require_visitor;
use super::{format, html, PageError};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    csrf: String,
    nickname: String,
    email: String,
    balance: String,
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (user, secret) = match require_visitor(&state, &headers, "/me").await? {
        Ok(found) => found,
        Err(to_login) => return Ok(to_login),
    };
    let profile = state.auth.profile(user.user_id).await?;
    html(&MePage {
        csrf: csrf_token(&secret),
        nickname: profile.nickname,
        email: profile.email,
        balance: format::won(profile.point_balance),
    })
}
