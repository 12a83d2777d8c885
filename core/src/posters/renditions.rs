//! The copies pages use: the poster's pixels resized to each of `WIDTHS` and encoded as
//! baseline JPEG, which every browser shows. Transparency is laid on white (a PNG
//! poster with an alpha channel would otherwise turn black).

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::{DynamicImage, Rgb, RgbImage};

use super::links::WIDTHS;
use crate::error::{Error, Result};

/// Good enough that a poster's text stays crisp; a 480-pixel copy is about 40-70 KB.
const QUALITY: u8 = 82;

pub struct Rendition {
    /// The width it is served under (one of `WIDTHS`).
    pub width: u32,
    /// Its pixels: `width`, or the upload's own when that is narrower (never enlarged).
    pub pixel_width: u32,
    pub pixel_height: u32,
    pub jpeg: Vec<u8>,
}

/// One copy per width. CPU-bound: call it off the async runtime.
pub fn render(image: &DynamicImage) -> Result<Vec<Rendition>> {
    let flat = on_white(image);
    WIDTHS
        .iter()
        .map(|&width| {
            let pixel_width = width.min(flat.width());
            let pixel_height = ((u64::from(flat.height()) * u64::from(pixel_width))
                / u64::from(flat.width()))
            .max(1) as u32;
            let resized = if pixel_width == flat.width() {
                flat.clone()
            } else {
                imageops::resize(&flat, pixel_width, pixel_height, FilterType::CatmullRom)
            };
            let mut jpeg = Vec::new();
            JpegEncoder::new_with_quality(&mut jpeg, QUALITY)
                .encode_image(&resized)
                .map_err(|err| Error::internal(format!("poster encoding: {err}")))?;
            Ok(Rendition {
                width,
                pixel_width,
                pixel_height,
                jpeg,
            })
        })
        .collect()
}

fn on_white(image: &DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        Rgb([over(r), over(g), over(b)])
    })
}
