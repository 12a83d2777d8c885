//! Where a show's poster copies are: addresses made from the show and its poster's key.

use serde::Serialize;

/// The widths copies are made at, in pixels: a card or a list's thumbnail (two device
/// pixels per CSS pixel on a phone), the show page on a phone, and on a desktop.
pub const WIDTHS: [u32; 3] = [240, 480, 960];

/// Where a show's poster can be fetched, at each width.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Poster {
    /// Changes whenever the poster does.
    pub key: String,
    /// The 480-pixel copy: what a page shows by default.
    pub url: String,
    /// Every copy, narrowest first (a copy is never wider than the upload).
    pub images: Vec<PosterImage>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PosterImage {
    pub width: u32,
    pub url: String,
}

impl Poster {
    /// The poster of a show whose `shows.poster_key` is `key`; none without one.
    pub fn of(show_id: i64, key: Option<&str>) -> Option<Poster> {
        let key = key?;
        Some(Poster {
            key: key.to_owned(),
            url: path(show_id, key, WIDTHS[1]),
            images: WIDTHS
                .iter()
                .map(|&width| PosterImage {
                    width,
                    url: path(show_id, key, width),
                })
                .collect(),
        })
    }

    /// `srcset` for an `<img>`: each copy with its width.
    pub fn srcset(&self) -> String {
        self.images
            .iter()
            .map(|image| format!("{} {}w", image.url, image.width))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The address of one copy.
pub fn path(show_id: i64, key: &str, width: u32) -> String {
    format!("/posters/{show_id}/{key}/{width}.jpg")
}
