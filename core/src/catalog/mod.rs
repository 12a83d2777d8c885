//! The show catalog: what admins write and everyone browses.
//!
//! Every change that a search document shows moves `shows.updated_at` (see the catalog
//! migration's triggers); this module never has to remember to do it.

pub mod demo;
pub mod demo_posters;
pub mod discounts;
pub mod likes;
pub mod limits;
pub mod model;
pub mod repo;

pub use model::{Category, NewGrade, NewSchedule, NewShow, ShowPatch, VenueInput};
