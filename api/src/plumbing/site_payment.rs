//! How the site's pages take a payment, read once from the gateway's configuration: a
//! simulated step with the dev gateway, PortOne's browser SDK when a store is
//! configured (with the page policy that lets its script load), or not at all.

use std::sync::Arc;

use axum::http::HeaderValue;
use marquee_core::config::GatewayConfig;

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
    pub(crate) policy: HeaderValue,
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
