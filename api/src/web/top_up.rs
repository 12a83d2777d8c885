//! Topping up points from a page: what the section in `parts/top_up.html` offers for
//! the configured gateway, and the one policy that lets a page load a script from
//! another origin.
//!
//! With the dev gateway the section is a simulated payment step. With PortOne and a
//! store configured, the page loads PortOne's browser SDK, which opens the payment
//! window (an iframe on a computer, a redirect to the card company on a phone) and
//! hands back a payment id; the page then asks `POST /api/v1/points/charges`, and the
//! server credits only what PortOne confirms as paid. Every other page keeps the
//! offline policy: the SDK's origin is allowed on pages with a top-up section only.

use std::sync::Arc;

use askama::Template;
use axum::http::header::CONTENT_SECURITY_POLICY;
use axum::response::Response;

use crate::plumbing::html::html;
use crate::plumbing::html::PageError;
use crate::plumbing::site_payment::{PortOneSite, SitePayment};
use crate::plumbing::state::AppState;

/// What `parts/top_up.html` draws: amounts to choose from (label, points) and how to pay.
pub struct TopUp {
    /// The signed-in account, sent to PortOne as the payment's customer so the payment
    /// can fund this account only.
    pub user_id: i64,
    pub amounts: Vec<(String, i64)>,
    pub simulated: bool,
    pub portone: Option<Arc<PortOneSite>>,
}

impl TopUp {
    pub fn new(state: &AppState, user_id: i64, amounts: Vec<(String, i64)>) -> Self {
        let (simulated, portone) = match &state.site_payment {
            SitePayment::Simulated => (true, None),
            SitePayment::PortOne(site) => (false, Some(site.clone())),
            SitePayment::Unavailable => (false, None),
        };
        TopUp {
            user_id,
            amounts,
            simulated,
            portone,
        }
    }
}

/// A page with a top-up section, under the policy its gateway needs.
pub fn html_paying(template: &impl Template, top_up: &TopUp) -> Result<Response, PageError> {
    let mut response = html(template)?;
    if let Some(site) = &top_up.portone {
        response
            .headers_mut()
            .insert(CONTENT_SECURITY_POLICY, site.policy.clone());
    }
    Ok(response)
}
