//! Coupon campaigns (admin) and people's coupons.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marquee_core::coupons::campaigns::{self, Campaign, NewCampaign};
use marquee_core::coupons::claims::{self, ClaimBy, Coupon};
use serde::Deserialize;

use super::Page;
use crate::plumbing::codes::api_errors;
use crate::plumbing::error::ApiResult;
use crate::plumbing::extract::{Admin, ApiJson, ApiQuery, CurrentUser, Paging};
use crate::plumbing::state::AppState;

api_errors!(CreateCampaignErrors = [Forbidden, ValidationFailed]);

/// Start a coupon campaign (admin)
///
/// An amount or a percent (with an optional cap) off orders of at least `min_order`, of
/// the listed shows (none: every show), within a window, issuing at most `total_limit`
/// coupons, one per person: claimed from a page, or registered by its `code`.
#[utoipa::path(post, path = "/api/v1/admin/coupon-campaigns", tag = "coupons",
    request_body = NewCampaign, security(("bearer" = [])),
    responses((status = 201, body = Campaign), CreateCampaignErrors,))]
pub async fn create_campaign(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiJson(body): ApiJson<NewCampaign>,
) -> ApiResult<(StatusCode, Json<Campaign>)> {
    let campaign = campaigns::create(&state.pool, &body).await?;
    Ok((StatusCode::CREATED, Json(campaign)))
}

api_errors!(ListCampaignErrors = [Forbidden]);

/// Coupon campaigns (admin)
///
/// Newest first, each with how many coupons it has issued.
#[utoipa::path(get, path = "/api/v1/admin/coupon-campaigns", tag = "coupons", params(Paging),
    security(("bearer" = [])),
    responses((status = 200, body = Page<Campaign>), ListCampaignErrors,))]
pub async fn list_campaigns(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<Page<Campaign>>> {
    let (limit, offset) = paging.resolve()?;
    let (items, total) = campaigns::list(&state.pool, limit, offset).await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// Which coupon to get: a campaign claimed from a page, or a code entered.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    campaign_id: Option<i64>,
    code: Option<String>,
}

api_errors!(
    ClaimErrors = [
        CouponNotFound,
        CouponExhausted,
        CouponAlreadyClaimed,
        CouponNotApplicable,
        ValidationFailed
    ]
);

/// Get a coupon
///
/// Claims a campaign's coupon (`campaign_id`) or registers one by its code (`code`,
/// letters and digits, any case): one per person, while the campaign runs and has
/// coupons left.
#[utoipa::path(post, path = "/api/v1/coupons", tag = "coupons", request_body = ClaimRequest,
    security(("bearer" = [])),
    responses((status = 201, body = Coupon), ClaimErrors,))]
pub async fn claim(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<ClaimRequest>,
) -> ApiResult<(StatusCode, Json<Coupon>)> {
    let by = match (body.campaign_id, body.code) {
        (Some(id), None) => ClaimBy::Campaign(id),
        (None, Some(code)) => ClaimBy::Code(code),
        _ => {
            return Err(marquee_core::Error::validation(
                "campaign_id",
                "give either campaign_id or code",
            )
            .into())
        }
    };
    let coupon = claims::claim(&state.pool, user.user_id, by).await?;
    metrics::counter!("marquee_coupons_claimed_total").increment(1);
    Ok((StatusCode::CREATED, Json(coupon)))
}

/// Your coupons
///
/// Newest first; `order_id` names the order that used one.
#[utoipa::path(get, path = "/api/v1/coupons", tag = "coupons", security(("bearer" = [])),
    responses((status = 200, body = Vec<Coupon>),))]
pub async fn mine(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<Coupon>>> {
    Ok(Json(claims::mine(&state.pool, user.user_id).await?))
}
