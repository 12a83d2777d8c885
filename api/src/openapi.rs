//! The OpenAPI 3 document, served at `/openapi.json` and browsed at `/docs` (Swagger
//! UI bundled into the binary, so the page works with no network).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::*;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Marquee API",
        description = "Korean show and concert ticketing: accounts, catalog, seat holds, purchase with points, refunds, a price-capped resale market, a fair waiting room, likes.\n\nErrors always have the shape `{\"error\": {\"code\": \"...\", \"message\": \"...\"}}`; branch on `code`."
    ),
    paths(
        auth::signup, auth::login, auth::refresh, auth::logout,
        users::me, users::update_me, users::withdraw, users::my_likes,
        points::balance_and_history, points::charge,
        shows::create, shows::list, shows::get, shows::update, shows::delete, shows::seats,
        shows::like, shows::unlike,
        booking::create_hold, booking::release_hold, booking::purchase,
        booking::list_tickets, booking::get_ticket, booking::refund,
        trades::create, trades::list, trades::get, trades::reprice, trades::cancel,
        trades::purchase, trades::history, trades::ticket_lineage,
        queue::configure, queue::report, queue::enter, queue::status, queue::events,
        queue::leave,
        search::search, search::suggest,
        ops::healthz, ops::readyz, ops::metrics,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-up, login, rotating refresh tokens"),
        (name = "users", description = "The signed-in account"),
        (name = "shows", description = "The catalog; writes are admin-only"),
        (name = "likes", description = "Liking shows"),
        (name = "booking", description = "Holds, purchase, tickets, refunds"),
        (name = "points", description = "The points wallet"),
        (name = "resale", description = "The price-capped resale market and ticket lineage"),
        (name = "queue", description = "The fair waiting room for on-sale spikes"),
        (name = "search", description = "Typo-tolerant show search and suggestions"),
        (name = "ops", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("the METRICS_TOKEN setting"))
                    .build(),
            ),
        );
    }
}
