//! The OpenAPI document is a reviewed artifact: snapshot-tested, and checked against
//! the router so it cannot describe a route that does not exist.

use axum::http::{Method, StatusCode};
use marquee_api::openapi::ApiDoc;
use utoipa::OpenApi;

use crate::harness::TestApp;

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/api/snapshots/openapi.json"
);

#[test]
fn the_openapi_document_matches_its_snapshot() {
    let current = ApiDoc::openapi().to_pretty_json().unwrap() + "\n";
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
    let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
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
