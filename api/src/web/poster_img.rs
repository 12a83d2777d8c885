//! A poster as an `<img>` gets it: the uploaded poster's copies with their widths, so
//! the browser fetches the one the layout needs (a phone's card thumbnail takes the
//! 240-pixel copy, a desktop's show page the 960), or else the address an admin gave.

use marquee_core::posters::Poster;

pub struct PosterImg {
    pub src: String,
    /// Empty for an address an admin gave (one size only).
    pub srcset: String,
}

impl PosterImg {
    pub fn of(uploaded: Option<Poster>, url: Option<String>) -> Option<PosterImg> {
        match (uploaded, url) {
            (Some(poster), _) => Some(PosterImg {
                srcset: poster.srcset(),
                src: poster.url,
            }),
            (None, Some(url)) => Some(PosterImg {
                src: url,
                srcset: String::new(),
            }),
            (None, None) => None,
        }
    }
}
