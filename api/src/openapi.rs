//! The OpenAPI 3 document, served at `/openapi.json` and browsed at `/docs` (Swagger
//! UI bundled into the binary, so the page works with no network).

use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi};

use crate::plumbing::codes::{self, Code};
use crate::plumbing::error::{Rejection, Takes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Marquee API",
        description = "Korean show and concert ticketing: accounts, catalog, seat holds, purchase with points, refunds, a price-capped resale market, a fair waiting room, likes.\n\nErrors always have the shape `{\"error\": {\"code\": \"...\", \"message\": \"...\"}}`; branch on `code`."
    ),
    components(schemas(
        crate::plumbing::error::ErrorResponse,
        // A query parameter names it by reference; nothing else would register it.
        marquee_core::search::searcher::SearchSort,
    )),
    tags(
        (name = "auth", description = "Sign-up, login, rotating refresh tokens"),
        (name = "users", description = "The signed-in account"),
        (name = "shows", description = "The catalog; writes are admin-only"),
        (name = "likes", description = "Liking shows"),
        (name = "booking", description = "Holds, purchase, tickets, refunds"),
        (name = "points", description = "The points wallet"),
        (name = "coupons", description = "Coupon campaigns and people's coupons"),
        (name = "resale", description = "The price-capped resale market and ticket lineage"),
        (name = "queue", description = "The fair waiting room for on-sale spikes"),
        (name = "search", description = "Typo-tolerant show search and suggestions"),
        (name = "ops", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

/// Completes the document once every route is in it (`crate::api_routes`): the
/// security schemes, the generic error answers and unique operation ids.
pub fn finish(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for modifier in [
        &BearerAuth as &dyn Modify,
        &GenericErrors,
        &TaggedOperationIds,
        &FlattenedPartsAllowTheRest,
    ] {
        modifier.modify(&mut document);
    }
    document
}

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
            "browser",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::plumbing::browser::SESSION_COOKIE,
                "The site's own scripts: the HttpOnly session cookie set by the web login. \
                 A change (POST, PUT, PATCH, DELETE) made with it also needs the X-CSRF-Token \
                 header of the same session, or it is answered 401 CSRF_TOKEN_INVALID.",
            ))),
        );
        // Wherever a bearer token works, the browser's cookie works instead.
        for item in openapi.paths.paths.values_mut() {
            for operation in operations_mut(item) {
                let Some(security) = operation.security.as_mut() else {
                    continue;
                };
                let bearer = SecurityRequirement::new("bearer", Vec::<String>::new());
                if security.contains(&bearer) {
                    security.push(SecurityRequirement::new("browser", Vec::<String>::new()));
                }
            }
        }
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

/// Adds to every operation the error answers it can give before (or beside) its own:
/// the api's request refusals for what the operation takes (a JSON body, a query, path
/// parameters, an Idempotency-Key), 401 where it needs a token, 503 where it needs the
/// database, and 500 everywhere. Statuses and codes come from the one error table
/// (`codes`, with `error::Rejection` for what each kind of route takes), so the
/// document cannot drift from what the code answers; a status a handler documents
/// already gains the code in its description.
struct GenericErrors;

/// Routes that never touch MariaDB (search reads the index, queue status and streams read
/// Redis), and readiness, whose 503 is its own report rather than an error.
const WITHOUT_DATABASE: [&str; 6] = [
    "/api/v1/search",
    "/api/v1/queue/{schedule_id}/status",
    "/api/v1/queue/{schedule_id}/events",
    "/healthz",
    "/readyz",
    "/metrics",
];

impl Modify for GenericErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let uses_database = !WITHOUT_DATABASE.iter().any(|p| path.starts_with(p));
            let changes = [
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in changes.into_iter().flatten() {
                let by_browser = SecurityRequirement::new("browser", Vec::<String>::new());
                if operation
                    .security
                    .as_ref()
                    .is_some_and(|s| s.contains(&by_browser))
                {
                    document(operation, Code::CsrfTokenInvalid);
                }
            }
            for operation in operations_mut(item) {
                for code in generic_errors(operation, uses_database) {
                    document(operation, code);
                }
            }
        }
    }
}

/// The operations of a path, for the methods the api routes.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}

/// Operation ids are the handler names, which repeat across modules (`shows::list`,
/// `trades::list`); OpenAPI needs them unique, so each becomes `<tag>_<handler>`.
struct TaggedOperationIds;

impl Modify for TaggedOperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations_mut(item) {
                let tag = operation
                    .tags
                    .as_ref()
                    .and_then(|tags| tags.first())
                    .cloned();
                if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
                    *id = format!("{tag}_{id}");
                }
            }
        }
    }
}

/// `#[serde(flatten)]` makes utoipa compose a schema with `allOf` (the admin room
/// report is the room's own fields plus its settings). A part that forbids other
/// properties (`deny_unknown_fields` gives `additionalProperties: false`) would then
/// forbid the rest of the object, and every such answer would violate its own schema.
/// So a component used as an `allOf` part allows other properties in the document;
/// requests with unknown fields are still refused at run time (422 INVALID_BODY).
struct FlattenedPartsAllowTheRest;

impl Modify for FlattenedPartsAllowTheRest {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let parts: Vec<String> = components
            .schemas
            .values()
            .filter_map(|schema| match schema {
                RefOr::T(Schema::AllOf(all_of)) => Some(&all_of.items),
                _ => None,
            })
            .flatten()
            .filter_map(|part| match part {
                RefOr::Ref(reference) => reference
                    .ref_location
                    .rsplit('/')
                    .next()
                    .map(str::to_string),
                RefOr::T(_) => None,
            })
            .collect();
        for name in parts {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) {
                object.additional_properties = None;
            }
        }
    }
}

fn generic_errors(operation: &Operation, uses_database: bool) -> Vec<Code> {
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let takes = |what: Takes| match what {
        Takes::JsonBody => operation.request_body.is_some(),
        Takes::Query => parameters
            .iter()
            .any(|p| p.parameter_in == ParameterIn::Query),
        Takes::PathParameter => parameters
            .iter()
            .any(|p| p.parameter_in == ParameterIn::Path),
        Takes::IdempotencyKey => parameters
            .iter()
            .any(|p| p.parameter_in == ParameterIn::Header && p.name == "Idempotency-Key"),
    };
    let mut errors: Vec<Code> = Rejection::ALL
        .into_iter()
        .filter(|rejection| takes(rejection.happens_with()))
        .map(Rejection::code)
        .collect();
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        errors.push(Code::Unauthenticated);
    }
    if uses_database {
        errors.push(Code::DatabaseUnavailable);
    }
    errors.push(Code::Internal);
    errors
}

/// Adds `code` to the operation's response for its status, or that response.
fn document(operation: &mut Operation, code: Code) {
    let responses = &mut operation.responses.responses;
    match responses.get_mut(code.status().as_str()) {
        Some(RefOr::T(response)) => {
            if !response.description.contains(code.as_str()) {
                response.description.push_str("; ");
                response.description.push_str(&codes::describe(code));
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            responses.insert(
                code.status().as_str().to_string(),
                RefOr::T(codes::error_response(codes::describe(code))),
            );
        }
    }
}
