//! An admin's upload, from bytes to a show's poster.

use sha2::{Digest, Sha256};
use sqlx::MySqlPool;

use super::check::{self, Checked};
use super::links::Poster;
use super::renditions::{self, Rendition};
use super::store::{self, NewPoster};
use crate::error::{Error, Result};

/// Checks the upload, makes its copies (off the async runtime: decoding and resizing
/// take tens to hundreds of milliseconds of CPU) and makes it the show's poster.
pub async fn upload(
    pool: &MySqlPool,
    show_id: i64,
    uploaded_by: i64,
    original: Vec<u8>,
) -> Result<Poster> {
    let (original, checked, copies) = tokio::task::spawn_blocking(move || {
        let checked = check::check(&original)?;
        let copies = renditions::render(&checked.image)?;
        Ok::<(Vec<u8>, Checked, Vec<Rendition>), Error>((original, checked, copies))
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
            format: checked.format,
            width: checked.image.width(),
            height: checked.image.height(),
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

/// Sixteen hex digits of the original's SHA-256: the same upload twice is the same key
/// (and the browsers' copies stay good); a different one is a new address.
pub fn key_of(original: &[u8]) -> String {
    Sha256::digest(original)
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
