//! The copies pages use: the poster's pixels resized to each of `WIDTHS` and encoded as
//! baseline JPEG, which every browser shows. Transparency is laid on white (a PNG
//! poster with an alpha channel would otherwise turn black).

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ExtendedColorType, Rgb, RgbImage};

use super::links::WIDTHS;
use crate::error::{Error, Result};

/// Good enough that a poster's text stays crisp; a 480-pixel copy is about 40-70 KB.
const QUALITY: u8 = 82;

/// Part of every poster's key (`upload::key_of`): raised when copies are made
/// differently, so browsers holding the old copies (cached as immutable) get new ones.
/// 2: the upload's EXIF orientation applied.
pub const VERSION: u32 = 2;

pub struct Rendition {
    /// The width it is served under (one of `WIDTHS`).
    pub width: u32,
    /// Its pixels: `width`, or the upload's own when that is narrower (never enlarged).
    pub pixel_width: u32,
    pub pixel_height: u32,
    pub jpeg: Vec<u8>,
}

/// One copy per width. CPU-bound: call it off the async runtime. The work is done by
/// `DynamicImage`'s own methods and the encoder's byte-slice entry, not the generic
/// ones: those are compiled into the image crate (optimised even in debug builds, see
/// the workspace's profile), where generic calls would be compiled into this one.
pub fn render(image: &DynamicImage) -> Result<Vec<Rendition>> {
    // Shrunk to the widest copy before anything else, so a 6000-pixel upload is flattened
    // and resized from a 960-pixel image rather than copied whole again.
    let widest = WIDTHS[WIDTHS.len() - 1];
    let source = if image.width() > widest {
        let height = ((u64::from(image.height()) * u64::from(widest)) / u64::from(image.width()))
            .max(1) as u32;
        image.resize_exact(widest, height, FilterType::CatmullRom)
    } else {
        image.clone()
    };
    let flat = DynamicImage::ImageRgb8(on_white(&source));
    drop(source);
    let mut copies: Vec<Rendition> = Vec::new();
    for width in WIDTHS {
        let pixel_width = width.min(flat.width());
        // A narrow upload's wider copies are the same pixels: encoded once.
        if let Some(same) = copies.iter().find(|copy| copy.pixel_width == pixel_width) {
            let jpeg = same.jpeg.clone();
            let pixel_height = same.pixel_height;
            copies.push(Rendition {
                width,
                pixel_width,
                pixel_height,
                jpeg,
            });
            continue;
        }
        let pixel_height = ((u64::from(flat.height()) * u64::from(pixel_width))
            / u64::from(flat.width()))
        .max(1) as u32;
        let resized = if pixel_width == flat.width() {
            flat.clone()
        } else {
            flat.resize_exact(pixel_width, pixel_height, FilterType::CatmullRom)
        };
        copies.push(Rendition {
            width,
            pixel_width,
            pixel_height,
            jpeg: jpeg(&resized)?,
        });
    }
    Ok(copies)
}

/// Baseline JPEG of an RGB image.
pub fn jpeg(image: &DynamicImage) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, QUALITY)
        .encode(
            image.as_bytes(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|err| Error::internal(format!("poster encoding: {err}")))?;
    Ok(bytes)
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
