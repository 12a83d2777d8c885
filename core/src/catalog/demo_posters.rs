//! Posters Marquee draws itself, for the demo catalog: no request leaves the machine
//! and no image file ships with the code. Each is a 3:4 picture made from the show's
//! id and category: a two-colour gradient from the category's palette, the category's
//! motif (spotlights for musicals, an equaliser for concerts, stripes for plays, a
//! gallery grid for exhibitions, waves for classical, arcs for dance) and a dark band
//! where a printed poster has its title. Pages put the title beside it.

use image::{DynamicImage, Rgb, RgbImage};
use sqlx::MySqlPool;

use super::model::Category;
use crate::error::{Error, Result};
use crate::posters::check::Format;
use crate::posters::renditions;
use crate::posters::store::{self, NewPoster};
use crate::posters::upload::key_of;

/// Drawn at the size of the show page's copy on a phone; wider copies are never
/// enlarged from it.
pub const WIDTH: u32 = 360;
pub const HEIGHT: u32 = 480;

/// Draws and stores the posters of these shows, one after another, in the order given
/// (each takes a few milliseconds of CPU in a release build, off the async runtime).
pub async fn add(pool: &MySqlPool, shows: &[(i64, Category)]) -> Result<()> {
    for &(id, category) in shows {
        let (original, copies) = tokio::task::spawn_blocking(move || {
            let copies = renditions::render(&DynamicImage::ImageRgb8(draw(id, category)))?;
            // The drawing is its own original: the full-size copy's bytes.
            let original = copies
                .last()
                .map(|copy| copy.jpeg.clone())
                .unwrap_or_default();
            Ok::<_, Error>((original, copies))
        })
        .await
        .map_err(|err| Error::internal(format!("demo poster stopped: {err}")))??;
        store::save(
            pool,
            NewPoster {
                show_id: id,
                key: &key_of(&original),
                original: &original,
                format: Format::Jpeg,
                width: WIDTH,
                height: HEIGHT,
                uploaded_by: None,
                renditions: &copies,
            },
        )
        .await?;
    }
    Ok(())
}

/// The poster of show `id` in `category`: the same picture every time.
pub fn draw(id: i64, category: Category) -> RgbImage {
    let mut seed = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5EED;
    let mut next = move |bound: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % u64::from(bound.max(1))) as u32
    };
    let palette = palette(category);
    let top = palette[next(palette.len() as u32) as usize];
    let bottom = palette[next(palette.len() as u32) as usize];
    let accent = [255 - top[0] / 2, 255 - top[1] / 3, 230];
    let (cx, cy) = (
        (WIDTH / 4 + next(WIDTH / 2)) as f32,
        (HEIGHT / 5 + next(HEIGHT / 3)) as f32,
    );
    let period = 24 + next(40) as i32;
    RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let t = y as f32 / HEIGHT as f32;
        let base = mix(top, bottom, t);
        let (fx, fy) = (x as f32, y as f32);
        let strength = match category {
            Category::Musical => {
                let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
                (1.0 - d / (WIDTH as f32 * 0.55)).max(0.0) * 0.8
            }
            Category::Concert => {
                let bar = x as i32 / period;
                let height = (HEIGHT as i32 / 3) + ((bar * 97 + period * 13) % (HEIGHT as i32 / 3));
                if (x as i32 % period) < period * 2 / 3 && (HEIGHT as i32 - y as i32) < height {
                    0.35
                } else {
                    0.0
                }
            }
            Category::Play => {
                if ((x as i32 + y as i32) / period) % 2 == 0 {
                    0.18
                } else {
                    0.0
                }
            }
            Category::Exhibition => {
                let cell = period * 2;
                if (x as i32 % cell) > cell / 6 && (y as i32 % cell) > cell / 6 {
                    0.22
                } else {
                    0.0
                }
            }
            Category::Classic => {
                let wave = (fx / period as f32).sin() * 18.0;
                if ((fy + wave) as i32 / (period / 2 + 6)) % 2 == 0 {
                    0.2
                } else {
                    0.0
                }
            }
            Category::Dance => {
                let d = ((fx - cx).powi(2) + (fy - HEIGHT as f32).powi(2)).sqrt();
                if (d as i32 / period) % 2 == 0 {
                    0.25
                } else {
                    0.0
                }
            }
        };
        let lit = mix(base, accent, strength);
        // The title band: the lower fifth, darkened.
        if y > HEIGHT * 4 / 5 {
            Rgb(mix(lit, [12, 12, 20], 0.6))
        } else {
            Rgb(lit)
        }
    })
}

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    let channel = |i: usize| (f32::from(a[i]) * (1.0 - t) + f32::from(b[i]) * t) as u8;
    [channel(0), channel(1), channel(2)]
}

fn palette(category: Category) -> &'static [[u8; 3]] {
    match category {
        Category::Musical => &[[120, 20, 60], [200, 40, 90], [60, 20, 110], [20, 30, 80]],
        Category::Concert => &[[10, 20, 60], [30, 10, 80], [0, 90, 120], [120, 0, 100]],
        Category::Play => &[[90, 60, 30], [40, 40, 40], [140, 100, 60], [60, 30, 30]],
        Category::Exhibition => &[
            [220, 210, 190],
            [120, 150, 160],
            [200, 180, 150],
            [90, 110, 120],
        ],
        Category::Classic => &[[20, 40, 70], [80, 60, 30], [30, 60, 60], [110, 90, 50]],
        Category::Dance => &[[150, 30, 30], [30, 30, 30], [200, 90, 40], [70, 20, 90]],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_show_gets_its_own_picture_and_the_same_one_every_time() {
        let one = draw(1, Category::Musical);
        assert_eq!(one, draw(1, Category::Musical));
        assert_ne!(one, draw(2, Category::Musical));
        assert_ne!(draw(3, Category::Concert), draw(3, Category::Dance));
        assert_eq!((one.width(), one.height()), (WIDTH, HEIGHT));
    }
}
