//! An admin's upload, from bytes to a show's poster.

use sha2::{Digest, Sha256};
use sqlx::MySqlPool;

use super::check::{self, Checked};
use super::links::Poster;
use super::renditions::{self, Rendition};
use super::store::{self, NewPoster};
use crate::error::{Error, Result};

static RENDERING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Checks the upload, makes its copies (off the async runtime: decoding and resizing
/// take tens to hundreds of milliseconds of CPU) and makes it the show's poster.
pub async fn upload(
    pool: &MySqlPool,
    show_id: i64,
    uploaded_by: i64,
    original: Vec<u8>,
) -> Result<Poster> {
    // Decoding and copying a 6000-pixel poster takes a few hundred megabytes for a
    // moment: one upload at a time per process.
    let _turn = RENDERING
        .acquire()
        .await
        .map_err(|_| Error::internal("poster rendering closed"))?;
    let (original, (format, width, height), copies) = tokio::task::spawn_blocking(move || {
        let Checked { format, image } = check::check(&original)?;
        let copies = renditions::render(&image)?;
        // The decoded pixels go here, before the copies are saved.
        let size = (format, image.width(), image.height());
        Ok::<(Vec<u8>, _, Vec<Rendition>), Error>((original, size, copies))
    })
    .await
    .map_err(|err| Error::internal(format!("poster rendering stopped: {err}")))??;
    let key = key_of(&original);
    let saved = store::save(
        pool,
        NewPoster {
            show_id,
            key: &key,
            original: &original,
            format,
            width,
            height,
            uploaded_by: Some(uploaded_by),
            renditions: &copies,
        },
    )
    .await?;
    if !saved {
        return Err(Error::NotFound("show"));
    }
    Ok(Poster::of(show_id, Some(&key)).expect("a key was given"))
}

/// Sixteen hex digits of the SHA-256 of the original and the way copies are made
/// (`renditions::VERSION`): the same upload twice is the same key (and the browsers'
/// copies stay good); a different one, or copies made differently, a new address.
pub fn key_of(original: &[u8]) -> String {
    Sha256::new()
        .chain_update(renditions::VERSION.to_be_bytes())
        .chain_update(original)
        .finalize()
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
