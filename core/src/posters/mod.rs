//! Show posters: an admin uploads one image per show; Marquee checks it by its content,
//! keeps it, and serves JPEG copies at a few widths.
//!
//! Where the bytes live: in MariaDB (`posters`, `poster_renditions`). Every api node
//! then serves the same poster with nothing else to run, back up or keep in step; a
//! poster is a few hundred kilobytes, written once and read through each node's cache
//! (the api's `web::posters`), so the database sees a read per node and width, not per
//! view. An S3-compatible store would earn its keep with many large files; a catalog's
//! posters are neither.
//!
//! What is served is never what was uploaded: the upload is decoded under limits
//! (`check`) and each width re-encoded from the pixels (`renditions`), so metadata,
//! trailing bytes or anything else riding in the file stays in the kept original. The
//! address of a copy names the poster's key (a hash of the original), so a browser may
//! keep it for a year: a new poster is a new address.

pub mod check;
pub mod links;
pub mod renditions;
pub mod store;
pub mod upload;

pub use links::{path, Poster, PosterImage, WIDTHS};
pub use upload::upload;
