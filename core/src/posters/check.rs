//! What an upload must be to become a poster, decided by its bytes alone (the name and
//! the Content-Type it came with say nothing): a JPEG, PNG or WebP image, at most
//! `MAX_BYTES`, between `MIN_SIDE` and `MAX_SIDE` pixels a side, that decodes whole.
//!
//! The dimensions are read from the header before any pixel is, and the decoder runs
//! under limits too: a small file that claims 50,000 x 50,000 pixels is refused before it
//! can ask for gigabytes. SVG is not a raster format and is refused like any other.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use crate::error::{Error, PosterProblem, Result};

/// Larger than any poster needs (a 4,000-pixel JPEG is about 3 MB).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
pub const MAX_SIDE: u32 = 6_000;
/// Below this a poster is a thumbnail of something: too small to show on a page.
pub const MIN_SIDE: u32 = 200;
/// What decoding may allocate: the largest allowed image, four bytes a pixel, and room.
const MAX_ALLOC: u64 = (MAX_SIDE as u64) * (MAX_SIDE as u64) * 4 + 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
}

impl Format {
    pub fn as_db(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Webp => "WEBP",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Format::Jpeg => ImageFormat::Jpeg,
            Format::Png => ImageFormat::Png,
            Format::Webp => ImageFormat::WebP,
        }
    }
}

/// An upload that is a poster, decoded.
pub struct Checked {
    pub format: Format,
    pub image: DynamicImage,
}

/// Checks and decodes an upload. CPU-bound (a large JPEG takes tens of milliseconds):
/// call it off the async runtime.
pub fn check(bytes: &[u8]) -> Result<Checked> {
    if bytes.len() > MAX_BYTES {
        return Err(Error::PosterRejected(PosterProblem::TooLarge));
    }
    let format = match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => Format::Jpeg,
        Ok(ImageFormat::Png) => Format::Png,
        Ok(ImageFormat::WebP) => Format::Webp,
        _ => return Err(Error::PosterRejected(PosterProblem::UnsupportedType)),
    };
    let (width, height) = reader(bytes, format).into_dimensions().map_err(refusal)?;
    if width.max(height) > MAX_SIDE || width.min(height) < MIN_SIDE {
        return Err(Error::PosterRejected(PosterProblem::Dimensions));
    }
    if format == Format::Jpeg && !ends_whole(bytes) {
        return Err(Error::PosterRejected(PosterProblem::Unreadable));
    }
    // Phones record a photo's rotation in its metadata rather than its pixels; the
    // copies carry no metadata, so the rotation is applied to the pixels here.
    let mut decoder = reader(bytes, format).into_decoder().map_err(refusal)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    image.apply_orientation(orientation);
    Ok(Checked { format, image })
}

/// A decoder's limits refuse a header claiming too many pixels before our own check
/// sees it; anything else it cannot read is a broken file.
fn refusal(err: ImageError) -> Error {
    match err {
        ImageError::Limits(_) => Error::PosterRejected(PosterProblem::Dimensions),
        _ => Error::PosterRejected(PosterProblem::Unreadable),
    }
}

fn reader(bytes: &[u8], format: Format) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    reader
}

/// A JPEG's decoder draws what a cut-off file lacks as grey rather than failing, so a
/// truncated upload is caught by its missing end-of-image marker (0xFFD9), allowing
/// the few bytes of padding some encoders add after it.
fn ends_whole(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(64)..];
    tail.windows(2).any(|pair| pair == [0xFF, 0xD9])
}
