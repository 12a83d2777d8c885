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
use axum::http::HeaderValue;
use axum::response::Response;
use marquee_core::config::GatewayConfig;

use super::{html, PageError};
use crate::state::AppState;

/// How the site's pages can take a payment.
#[derive(Clone)]
pub enum SitePayment {
    /// The dev gateway: approving the simulated step is the payment.
    Simulated,
    PortOne(Arc<PortOneSite>),
    /// PortOne without a store: client apps pay through their own SDK; the site says
    /// it cannot.
    Unavailable,
}

/// What the page hands PortOne's SDK, and the policy that admits it.
pub struct PortOneSite {
    pub store_id: String,
    pub channel_key: String,
    pub sdk_url: String,
    policy: HeaderValue,
}

impl SitePayment {
    pub fn from_config(gateway: &GatewayConfig) -> Self {
        match gateway {
            GatewayConfig::Dev => SitePayment::Simulated,
            GatewayConfig::PortOne { browser: None, .. } => SitePayment::Unavailable,
            GatewayConfig::PortOne {
                browser: Some(browser),
                ..
            } => {
                let origin = browser.sdk_url.origin().ascii_serialization();
                SitePayment::PortOne(Arc::new(PortOneSite {
                    store_id: browser.store_id.clone(),
                    channel_key: browser.channel_key.clone(),
                    sdk_url: browser.sdk_url.to_string(),
                    policy: HeaderValue::try_from(paying_policy(&origin))
                        .expect("an URL origin is a valid header value"),
                }))
            }
        }
    }
}

/// The pages' policy plus the SDK: its script and calls from its origin and PortOne's
/// services, and frames from any https origin, because the payment window PortOne
/// opens is the card company's or the wallet's page and there are dozens of them.
/// Forms may post to https for the same reason (some PGs' phone flows submit one), and
/// inline styles are allowed because the SDK styles the window it lays over the page.
/// Scripts stay limited to this origin and the SDK's: the part that matters.
fn paying_policy(sdk_origin: &str) -> String {
    format!(
        "default-src 'self'; img-src 'self' https: http: data:; \
         style-src 'self' 'unsafe-inline'; \
         script-src 'self' {sdk_origin}; \
         connect-src 'self' {sdk_origin} https://*.portone.io https://*.iamport.co; \
         frame-src {sdk_origin} https:; object-src 'none'; base-uri 'none'; \
         form-action 'self' https:; frame-ancestors 'none'"
    )
}

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
