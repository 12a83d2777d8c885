//! Posters: an upload checked by its content, kept, and served as JPEG copies with
//! long-lived caching, the same from every api node.

use std::io::Cursor;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use image::{ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use marquee_api::AppState;
use serde_json::Value;
use tower::ServiceExt;

use crate::harness::{send_raw, TestApp, TestResponse, TestUser};

/// A poster-like picture: a gradient, so every copy has real detail to resize.
pub(crate) fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 120])
    })
}

pub(crate) fn encode(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

pub(crate) async fn put_poster(
    router: &Router,
    admin: &TestUser,
    show_id: i64,
    bytes: Vec<u8>,
    content_type: &str,
) -> TestResponse {
    let request = Request::builder()
        .method(Method::PUT)
        .uri(format!("/api/v1/admin/shows/{show_id}/poster"))
        .header("authorization", format!("Bearer {}", admin.token))
        .header("content-type", content_type)
        .body(Body::from(bytes))
        .unwrap();
    send_raw(router, request).await
}

/// An image's answer as bytes (the harness reads answers as JSON or text).
async fn fetch(
    router: &Router,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Bytes) {
    let mut request = Request::builder().uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.unwrap().to_bytes(),
    )
}

fn urls(poster: &Value) -> Vec<(u32, String)> {
    poster["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|image| {
            (
                image["width"].as_u64().unwrap() as u32,
                image["url"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn stored(app: &TestApp, show_id: i64) -> (i64, Option<String>) {
    sqlx::query_as(
        "select (select count(*) from posters where show_id = ?),
                (select cast(poster_key as char) from shows where id = ?)",
    )
    .bind(show_id)
    .bind(show_id)
    .fetch_one(app.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_poster_is_checked_by_content_kept_and_served_as_cached_copies() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    // A PNG sent as if it were a JPEG: the content decides.
    let original = encode(&picture(600, 800), ImageFormat::Png);

    let answer = put_poster(
        &app.router,
        &show.admin,
        show.show_id,
        original.clone(),
        "image/jpeg",
    )
    .await;

    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let key = answer.body["key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 16);
    let copies = urls(&answer.body);
    assert_eq!(
        copies.iter().map(|(w, _)| *w).collect::<Vec<_>>(),
        [240, 480, 960]
    );
    let (format, kept): (String, Vec<u8>) =
        sqlx::query_as("select format, original from posters where show_id = ?")
            .bind(show.show_id)
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(format, "PNG");
    assert_eq!(kept, original, "the original is kept as uploaded");

    for (width, url) in &copies {
        let (status, headers, bytes) = fetch(&app.router, url, &[]).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert_eq!(headers["content-type"], "image/jpeg");
        assert_eq!(
            headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let copy = image::load_from_memory(&bytes).unwrap();
        assert_eq!(image::guess_format(&bytes).unwrap(), ImageFormat::Jpeg);
        // Never enlarged: the 960 copy of a 600-pixel upload is 600 wide.
        let expected = (*width).min(600);
        assert_eq!(
            (copy.width(), copy.height()),
            (expected, expected * 4 / 3),
            "{url}"
        );
        let tag = headers["etag"].to_str().unwrap().to_owned();
        let (again, _, body) = fetch(&app.router, url, &[("if-none-match", &tag)]).await;
        assert_eq!(again, StatusCode::NOT_MODIFIED);
        assert!(body.is_empty());
    }
    let card = copies[0].1.clone();
    let wrong_key = card.replace(&key, "0123456789abcdef");
    let not_a_key = card.replace(&key, "..%2F..%2Fetc");
    let other_width = card.replace("/240.jpg", "/300.jpg");
    let padded_width = card.replace("/240.jpg", "/0240.jpg");
    let not_an_id = card.replace(&format!("/posters/{}/", show.show_id), "/posters/x/");
    for path in [
        &wrong_key,
        &not_a_key,
        &other_width,
        &padded_width,
        &not_an_id,
    ] {
        assert_eq!(
            fetch(&app.router, path, &[]).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The made-up addresses left the real copy in place.
    assert_eq!(fetch(&app.router, &card, &[]).await.0, StatusCode::OK);

    // The show names its poster; its page and the home page's card draw it.
    let detail = app
        .get(&format!("/api/v1/shows/{}", show.show_id), None)
        .await;
    assert_eq!(detail.body["poster"]["key"], key.as_str());
    let page = app.get(&format!("/shows/{}", show.show_id), None).await;
    let page = page.body.as_str().unwrap();
    assert!(
        page.contains(&format!("srcset=\"{}", copies[0].1)),
        "{page}"
    );
    let home = app.get("/", None).await;
    assert!(home.body.as_str().unwrap().contains(&copies[0].1));
}

#[tokio::test]
async fn what_is_not_a_poster_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let jpeg = encode(&picture(400, 600), ImageFormat::Jpeg);
    let png = encode(&picture(400, 600), ImageFormat::Png);
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="600"><script>alert(1)</script><rect width="400" height="600"/></svg>"#.to_vec();
    let mut huge_header = png_header(50_000, 50_000);
    huge_header.extend_from_slice(&png[33..]);
    let mut too_large = jpeg.clone();
    too_large.resize(8 * 1024 * 1024 + 1, 0);

    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "svg with a script",
            svg,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POSTER_TYPE_UNSUPPORTED",
        ),
        (
            "plain text",
            b"not an image at all".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POSTER_TYPE_UNSUPPORTED",
        ),
        (
            "truncated jpeg",
            jpeg[..jpeg.len() / 2].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "POSTER_UNREADABLE",
        ),
        (
            "truncated png",
            png[..png.len() / 2].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "POSTER_UNREADABLE",
        ),
        (
            "50,000 x 50,000 header",
            huge_header,
            StatusCode::UNPROCESSABLE_ENTITY,
            "POSTER_DIMENSIONS",
        ),
        (
            "too small",
            encode(&picture(120, 160), ImageFormat::Png),
            StatusCode::UNPROCESSABLE_ENTITY,
            "POSTER_DIMENSIONS",
        ),
        (
            "over 8 MiB",
            too_large,
            StatusCode::PAYLOAD_TOO_LARGE,
            "POSTER_TOO_LARGE",
        ),
        (
            "empty",
            Vec::new(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POSTER_TYPE_UNSUPPORTED",
        ),
    ];
    for (what, bytes, status, code) in cases {
        let answer = put_poster(&app.router, &show.admin, show.show_id, bytes, "image/png").await;
        assert_eq!(
            (answer.status, answer.code()),
            (status, code),
            "{what}: {:?}",
            answer.body
        );
    }
    assert_eq!(stored(&app, show.show_id).await, (0, None));

    let fan = app.user("fan@example.com").await;
    let not_admin = put_poster(&app.router, &fan, show.show_id, jpeg.clone(), "image/jpeg").await;
    assert_eq!(not_admin.status, StatusCode::FORBIDDEN);
    let no_show = put_poster(
        &app.router,
        &show.admin,
        show.show_id + 100,
        jpeg,
        "image/jpeg",
    )
    .await;
    assert_eq!(no_show.code(), "SHOW_NOT_FOUND");
    assert_eq!(stored(&app, show.show_id).await, (0, None));
}

/// A phone photo: stored 300 wide and 400 high, with EXIF orientation 6 (turn it a
/// quarter clockwise to view): the poster is 400 wide and 300 high.
#[tokio::test]
async fn a_photos_orientation_is_applied_to_its_copies() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let jpeg = encode(&picture(300, 400), ImageFormat::Jpeg);
    let exif: &[u8] = &[
        0xFF, 0xE1, 0x00, 0x22, b'E', b'x', b'i', b'f', 0, 0, // APP1, 34 bytes
        b'M', b'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF, IFD at 8
        0x00, 0x01, // one entry: Orientation (0x0112), SHORT, 1, value 6
        0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, // no next IFD
    ];
    let mut photo = jpeg[..2].to_vec();
    photo.extend_from_slice(exif);
    photo.extend_from_slice(&jpeg[2..]);

    let answer = put_poster(&app.router, &show.admin, show.show_id, photo, "image/jpeg").await;

    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let (_, card) = urls(&answer.body)[0].clone();
    let (_, _, bytes) = fetch(&app.router, &card, &[]).await;
    let copy = image::load_from_memory(&bytes).unwrap();
    assert_eq!((copy.width(), copy.height()), (240, 180));
}

/// A PNG signature and an IHDR chunk claiming these dimensions (8-bit RGB).
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&width.to_be_bytes());
    chunk.extend_from_slice(&height.to_be_bytes());
    chunk.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&13u32.to_be_bytes());
    bytes.extend_from_slice(&chunk);
    bytes.extend_from_slice(&crc32(&chunk).to_be_bytes());
    bytes
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test]
async fn two_api_nodes_serve_the_same_poster_and_follow_a_replacement() {
    let app = TestApp::spawn().await;
    let show = app.show_on_sale(30, 2).await;
    let other = marquee_api::app(AppState::new(app.db.second_pool().await, &app.config));
    let first = encode(&picture(500, 700), ImageFormat::Jpeg);
    let uploaded = put_poster(&app.router, &show.admin, show.show_id, first, "image/jpeg").await;
    let (_, url) = urls(&uploaded.body)[1].clone();

    let (here, _, mine) = fetch(&app.router, &url, &[]).await;
    let (there, _, theirs) = fetch(&other, &url, &[]).await;
    assert_eq!((here, there), (StatusCode::OK, StatusCode::OK));
    assert_eq!(mine, theirs, "both nodes serve the same bytes");

    // The other node replaces it; this node, which has the old copy cached, serves the
    // new one at its new address and no longer serves the old address.
    let mut transparent = RgbaImage::from_pixel(500, 700, Rgba([0, 0, 0, 0]));
    transparent.put_pixel(10, 10, Rgba([255, 0, 0, 255]));
    let mut second = Cursor::new(Vec::new());
    transparent
        .write_to(&mut second, ImageFormat::WebP)
        .unwrap();
    let replaced = put_poster(
        &other,
        &show.admin,
        show.show_id,
        second.into_inner(),
        "image/webp",
    )
    .await;
    assert_eq!(replaced.status, StatusCode::OK, "{:?}", replaced.body);
    let (_, new_url) = urls(&replaced.body)[1].clone();
    assert_ne!(new_url, url);
    // A node re-reads a copy for another key only once its read is a second old (so
    // made-up keys cannot make it read the database on every request).
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (status, _, bytes) = fetch(&app.router, &new_url, &[]).await;
    assert_eq!(status, StatusCode::OK);
    // Transparency is laid on white, not black.
    let corner = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert!(corner.get_pixel(400, 600).0.iter().all(|c| *c > 240));
    assert_eq!(fetch(&app.router, &url, &[]).await.0, StatusCode::NOT_FOUND);

    // Taken down through this node: gone from it at once (the other node, which had
    // only the older poster cached, asks the database and finds none).
    let removed = app
        .send(
            Method::DELETE,
            &format!("/api/v1/admin/shows/{}/poster", show.show_id),
            Some(&show.admin.token),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(fetch(&other, &new_url, &[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        fetch(&app.router, &new_url, &[]).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(stored(&app, show.show_id).await, (0, None));
    let again = app
        .send(
            Method::DELETE,
            &format!("/api/v1/admin/shows/{}/poster", show.show_id),
            Some(&show.admin.token),
            None,
        )
        .await;
    assert_eq!(again.code(), "POSTER_NOT_FOUND");
}
