//! The site's static files, embedded in the binary (the README's run command serves
//! the site, offline). Browsers keep them but ask again each time (`no-cache`) with
//! their ETag, a hash of the bytes: an unchanged file costs a 304, and a release's new
//! file is used at once, never beside a stale one.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/app.css"),
    },
    script("common.js", include_bytes!("../../static/common.js")),
    script("search.js", include_bytes!("../../static/search.js")),
    script("seats.js", include_bytes!("../../static/seats.js")),
    script("checkout.js", include_bytes!("../../static/checkout.js")),
    script("topup.js", include_bytes!("../../static/topup.js")),
    script("tickets.js", include_bytes!("../../static/tickets.js")),
    script("market.js", include_bytes!("../../static/market.js")),
    script("queue.js", include_bytes!("../../static/queue.js")),
    script("admin.js", include_bytes!("../../static/admin.js")),
    script("show_form.js", include_bytes!("../../static/show_form.js")),
    script("like.js", include_bytes!("../../static/like.js")),
];

const fn script(name: &'static str, bytes: &'static [u8]) -> Asset {
    Asset {
        name,
        content_type: "text/javascript; charset=utf-8",
        bytes,
    }
}

fn etag(bytes: &[u8]) -> String {
    // FNV-1a: stable across builds and processes, which is all an ETag needs here.
    let hash = bytes.iter().fold(0xcbf29ce484222325u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x100000001b3)
    });
    format!("\"{hash:016x}\"")
}

pub async fn file(Path(name): Path<String>, request: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let tag = etag(asset.bytes);
    tagged(
        &request,
        asset.content_type,
        "public, no-cache",
        &tag,
        asset.bytes,
    )
}

/// A file's answer under its ETag (`tag`, quoted): 304 with no body when the request
/// names that tag in `If-None-Match`, else 200 with `body`. The site's static files and
/// the poster copies answer this way.
pub(super) fn tagged(
    request: &HeaderMap,
    content_type: &'static str,
    cache_control: &'static str,
    tag: &str,
    body: impl IntoResponse,
) -> Response {
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (CACHE_CONTROL, HeaderValue::from_static(cache_control)),
        (
            ETAG,
            HeaderValue::from_str(tag).expect("a quoted tag of printable ASCII"),
        ),
    ];
    if request
        .get(IF_NONE_MATCH)
        .is_some_and(|given| given.as_bytes() == tag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, body).into_response()
}
