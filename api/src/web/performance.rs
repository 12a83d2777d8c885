//! A show and one of its performances, as the booking pages (the seat map, the
//! waiting room) read them.

use marquee_core::catalog::model::{ScheduleDetail, ShowDetail};
use marquee_core::catalog::repo as catalog;
use marquee_core::Error;

use crate::plumbing::state::AppState;

/// A show and one of its performances, or SCHEDULE_NOT_FOUND.
pub async fn performance(
    state: &AppState,
    show_id: i64,
    schedule_id: i64,
) -> Result<(ShowDetail, ScheduleDetail), Error> {
    let show = catalog::show_detail(&state.pool, show_id)
        .await?
        .ok_or(Error::NotFound("schedule"))?;
    let schedule = show
        .schedules
        .iter()
        .find(|s| s.id == schedule_id)
        .cloned()
        .ok_or(Error::NotFound("schedule"))?;
    Ok((show, schedule))
}
