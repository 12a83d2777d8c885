//! Payment gateways: where a point charge is checked before any point is credited.
//!
//! The client pays through the gateway's own SDK, then tells us the payment id. We never
//! trust the client's word: the gateway is asked for the payment, and only a paid
//! payment of exactly the claimed amount in KRW is credited.

use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

/// A payment the gateway confirmed as paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPayment {
    pub payment_id: String,
    pub amount: i64,
}

#[async_trait::async_trait]
pub trait PaymentGateway: Send + Sync + 'static {
    /// Short name stored with each charge (`dev`, `portone`).
    fn name(&self) -> &'static str;

    /// Confirms that `payment_id` is paid for exactly `expected_amount` KRW, and, where
    /// the payment names its customer, that it is `user_id`'s.
    async fn verify(
        &self,
        payment_id: &str,
        expected_amount: i64,
        user_id: i64,
    ) -> Result<VerifiedPayment>;
}

/// Local development and demos: any payment id starting with `dev_` is paid for the
/// amount the client asks for. Never configure it in production.
pub struct DevGateway;

#[async_trait::async_trait]
impl PaymentGateway for DevGateway {
    fn name(&self) -> &'static str {
        "dev"
    }

    async fn verify(
        &self,
        payment_id: &str,
        expected_amount: i64,
        _user_id: i64,
    ) -> Result<VerifiedPayment> {
        if !payment_id.starts_with("dev_") {
            return Err(Error::PaymentNotConfirmed(
                "the dev gateway only accepts payment ids starting with dev_".to_string(),
            ));
        }
        Ok(VerifiedPayment {
            payment_id: payment_id.to_string(),
            amount: expected_amount,
        })
    }
}

/// PortOne V2: `GET {base}/payments/{paymentId}` with `Authorization: PortOne {secret}`.
pub struct PortOneGateway {
    client: reqwest::Client,
    api_base: reqwest::Url,
    api_secret: String,
}

impl PortOneGateway {
    /// `api_base` must be able to be a base (configuration checks it at start-up).
    pub fn new(api_base: reqwest::Url, api_secret: impl Into<String>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(3))
            .build()
            .expect("http client builds with static settings");
        PortOneGateway {
            client,
            api_base,
            api_secret: api_secret.into(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct PortOnePayment {
    status: String,
    #[serde(default)]
    currency: Option<String>,
    amount: Option<PortOneAmount>,
    #[serde(default)]
    customer: Option<PortOneCustomer>,
}

/// The site sends `customer.customerId` = the Marquee user id with every payment, so a
/// payment id that leaks (a shared phone, a log) cannot fund another account. A payment
/// that names no customer (an app that sends none) is checked by id and amount only.
#[derive(Debug, Deserialize)]
struct PortOneCustomer {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PortOneAmount {
    total: i64,
}

#[async_trait::async_trait]
impl PaymentGateway for PortOneGateway {
    fn name(&self) -> &'static str {
        "portone"
    }

    async fn verify(
        &self,
        payment_id: &str,
        expected_amount: i64,
        user_id: i64,
    ) -> Result<VerifiedPayment> {
        let mut url = self.api_base.clone();
        url.path_segments_mut()
            .map_err(|()| Error::internal("PORTONE_API_BASE cannot be a base url"))?
            .pop_if_empty()
            .extend(["payments", payment_id]);
        let response = self
            .client
            .get(url)
            .header("Authorization", format!("PortOne {}", self.api_secret))
            .send()
            .await
            .map_err(|err| Error::GatewayUnavailable(Box::new(err)))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(Error::PaymentNotConfirmed(
                "payment not found at the gateway".to_string(),
            ));
        }
        if !status.is_success() {
            return Err(Error::GatewayUnavailable(
                format!("portone answered {status}").into(),
            ));
        }
        let payment: PortOnePayment = response
            .json()
            .await
            .map_err(|err| Error::GatewayUnavailable(Box::new(err)))?;
        if payment.status != "PAID" {
            return Err(Error::PaymentNotConfirmed(format!(
                "payment status is {}",
                payment.status
            )));
        }
        if payment.currency.as_deref().is_some_and(|c| c != "KRW") {
            return Err(Error::PaymentNotConfirmed(
                "payment currency is not KRW".to_string(),
            ));
        }
        let customer = payment.customer.and_then(|c| c.id);
        if customer.is_some_and(|id| id != user_id.to_string()) {
            return Err(Error::PaymentNotConfirmed(
                "the payment belongs to another customer".to_string(),
            ));
        }
        let paid = payment.amount.map(|a| a.total).unwrap_or(0);
        if paid != expected_amount {
            return Err(Error::PaymentNotConfirmed(format!(
                "payment amount {paid} does not match {expected_amount}"
            )));
        }
        Ok(VerifiedPayment {
            payment_id: payment_id.to_string(),
            amount: paid,
        })
    }
}
