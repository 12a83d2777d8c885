//! The OpenAPI document is a reviewed artifact: snapshot-tested, and checked against
//! the router so it cannot describe a route that does not exist.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode};

use crate::harness::{send_raw, TestApp};

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/api/snapshots/openapi.json"
);

#[test]
fn the_openapi_document_matches_its_snapshot() {
    let current = marquee_api::openapi_document().to_pretty_json().unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &current).unwrap();
    }
    let recorded = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        recorded == current,
        "the OpenAPI document changed; review it and run `UPDATE_SNAPSHOTS=1 scripts/test openapi`"
    );
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::spawn().await;
    let document = serde_json::to_value(marquee_api::openapi_document()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 20);

    for (path, operations) in paths {
        let concrete = path.replace("{id}", "1").replace("{schedule_id}", "1");
        for method in operations.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.send(method.clone(), &concrete, None, None).await;
            assert_ne!(response.code(), "ROUTE_NOT_FOUND", "{method} {path}");
            assert_ne!(
                response.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn docs_page_and_document_are_served_without_network() {
    let app = TestApp::spawn().await;

    let document = app.get("/openapi.json", None).await;
    let page = app.get("/docs/", None).await;

    assert_eq!(document.status, StatusCode::OK);
    assert_eq!(document.body["info"]["title"], "Marquee API");
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body.as_str().unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("unpkg.com") && !html.contains("cdn."),
        "assets must be local"
    );
    let bundle = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(bundle.status, StatusCode::OK);
}

/// A few hostile variations of a request to `path`: no token, broken JSON, a body
/// without its content type, JSON of the wrong shape, ids that are not numbers, a query
/// that does not parse, and an Idempotency-Key that is not text.
fn hostile_requests(
    method: &Method,
    path: &str,
    token: &str,
) -> Vec<(&'static str, Request<Body>)> {
    let concrete = path.replace("{id}", "1").replace("{schedule_id}", "1");
    let bad_ids = path.replace("{id}", "x").replace("{schedule_id}", "x");
    let request = |uri: &str| {
        Request::builder()
            .method(method.clone())
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
    };
    vec![
        (
            "no token",
            Request::builder()
                .method(method.clone())
                .uri(&concrete)
                .body(Body::empty())
                .unwrap(),
        ),
        (
            "broken JSON",
            request(&concrete)
                .header("content-type", "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
        ),
        (
            "no content type",
            request(&concrete).body(Body::from("{}")).unwrap(),
        ),
        (
            "wrong shape",
            request(&concrete)
                .header("content-type", "application/json")
                .body(Body::from(r#"{"unknown": [1]}"#))
                .unwrap(),
        ),
        (
            "ids that are not numbers",
            request(&bad_ids).body(Body::empty()).unwrap(),
        ),
        (
            "a query that does not parse",
            request(&format!("{concrete}?limit=many&from=yesterday&offset=-1"))
                .body(Body::empty())
                .unwrap(),
        ),
        (
            "a key that is not text",
            request(&concrete)
                .header(
                    "idempotency-key",
                    HeaderValue::from_bytes(b"k\xff").unwrap(),
                )
                .body(Body::empty())
                .unwrap(),
        ),
    ]
}

#[tokio::test]
async fn every_status_a_hostile_request_gets_is_documented_for_its_operation() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let document = serde_json::to_value(marquee_api::openapi_document()).unwrap();
    let mut undocumented = Vec::new();

    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            if path.ends_with("/events") {
                continue; // a stream that stays open; its answers are covered in queue.rs
            }
            let operation_id = operation["operationId"].as_str().unwrap_or_default();
            if ["auth_logout", "users_withdraw"].contains(&operation_id) {
                continue; // they would end the token every other request relies on
            }
            for (variation, request) in hostile_requests(&method, path, &admin.token) {
                let response = send_raw(&app.router, request).await;
                let status = response.status.as_str().to_string();
                if operation["responses"].get(&status).is_none() {
                    undocumented.push(format!(
                        "{method} {path} ({variation}): {status} {}",
                        response.code()
                    ));
                }
            }
        }
    }

    // Had a request ended the session, every later one would have been a 401, which
    // every secured operation documents: the check would have proved nothing.
    let still_signed_in = app.get("/api/v1/users/me", Some(&admin.token)).await;
    assert_eq!(still_signed_in.status, StatusCode::OK);
    assert!(
        undocumented.is_empty(),
        "undocumented answers:\n{}",
        undocumented.join("\n")
    );
}

#[test]
fn every_operation_has_a_summary_a_description_and_a_unique_id() {
    let document = serde_json::to_value(marquee_api::openapi_document()).unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let named = |field: &str| {
                operation[field]
                    .as_str()
                    .is_some_and(|s| !s.trim().is_empty())
            };
            assert!(named("summary"), "{method} {path} has no summary");
            assert!(named("description"), "{method} {path} has no description");
            let id = operation["operationId"].as_str().unwrap().to_string();
            assert!(ids.insert(id.clone()), "operationId {id} repeats");
        }
    }
}

#[test]
fn every_reference_in_the_document_names_one_of_its_components() {
    let document = serde_json::to_value(marquee_api::openapi_document()).unwrap();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let mut references = Vec::new();
    let mut stack = vec![&document];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::Object(object) => {
                if let Some(serde_json::Value::String(target)) = object.get("$ref") {
                    references.push(target.clone());
                }
                stack.extend(object.values());
            }
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    assert!(references.iter().any(|r| r.ends_with("/ErrorResponse")));
    for target in references {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target} is not a schema reference"));
        assert!(schemas.contains_key(name), "{target} names no component");
    }
}
