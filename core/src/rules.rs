//! The SQL rules several statements share, each pushed with its own values
//! (`db::Statement`), so a rule is written once and a statement that splices in three of
//! them still binds every value to its own placeholder.
//!
//! Each rule is a self-contained condition: a subquery over its own table aliases, so
//! it assumes nothing about the statement around it. A rule that depends on the time
//! reads the database clock (`current_timestamp(6)`), never the api's, so api processes
//! with skewed clocks agree. The hold (`booking::holds`), the purchase (`booking::purchase`), the seat map
//! and the waiting room (`queue::settings`) all decide through these.

use crate::accounts::Caller;
use crate::db::{Operand, Statement};

/// True while the caller's session is live: not revoked (logout and withdrawal revoke
/// it; a withdrawal revokes every session in the transaction that marks the account
/// deleted, and nothing else deletes one, so the account need not be read). One
/// primary-key lookup, so a hold or a purchase can confirm the session in its own
/// statement rather than in a round trip of its own.
pub fn session_live(sql: &mut Statement, caller: Caller) -> &mut Statement {
    sql.push("exists(select 1 from auth_sessions live_session where live_session.id = ")
        .bind(caller.session_id)
        .push(" and live_session.user_id = ")
        .bind(caller.user_id)
        .push(" and live_session.revoked_at is null)")
}

/// True while the schedule is on sale: it exists, its show is not deleted, booking has
/// opened, the performance has not started and its organizer has not cancelled it.
pub fn on_sale(sql: &mut Statement, schedule: impl Into<Operand>) -> &mut Statement {
    sql.push(
        "exists(select 1 from schedules sale_sc join shows sale_s on sale_s.id = sale_sc.show_id
           where sale_sc.id = ",
    )
    .operand(&schedule.into())
    .push(
        " and sale_s.deleted_at is null and sale_s.booking_opens_at <= current_timestamp(6)
           and sale_sc.starts_at > current_timestamp(6) and sale_sc.cancelled_at is null)",
    )
}

/// True while the schedule's waiting room is on: enabled, or inside its automatic
/// window before booking opens, and only until the performance starts (nothing is left
/// to queue for after that) of a show that is not deleted. While it is on, a hold needs
/// an admission (the waiting room's gate).
pub fn room_active(sql: &mut Statement, schedule: impl Into<Operand>) -> &mut Statement {
    sql.push(
        "exists(select 1 from waiting_rooms room_w
           join schedules room_sc on room_sc.id = room_w.schedule_id
           join shows room_s on room_s.id = room_sc.show_id
           where room_w.schedule_id = ",
    )
    .operand(&schedule.into())
    .push(
        " and (room_w.enabled or (room_w.auto_before_secs is not null
                 and current_timestamp(6) >= room_s.booking_opens_at - interval room_w.auto_before_secs second))
             and room_sc.starts_at > current_timestamp(6) and room_s.deleted_at is null)",
    )
}

/// How many seats of the schedule the person has: live holds and valid tickets
/// together, what the per-person limit counts.
pub fn seats_of_person(sql: &mut Statement, user_id: i64, schedule_id: i64) -> &mut Statement {
    sql.push("((select count(*) from seats where hold_user_id = ")
        .bind(user_id)
        .push(" and schedule_id = ")
        .bind(schedule_id)
        .push(
            " and not is_sold and hold_expires_at > current_timestamp(6))
             + (select count(*) from tickets where user_id = ",
        )
        .bind(user_id)
        .push(" and schedule_id = ")
        .bind(schedule_id)
        .push(" and status = 'VALID'))")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::column;

    const CALLER: Caller = Caller {
        user_id: 2002,
        session_id: 1001,
    };

    fn spelled(rule: impl FnOnce(&mut Statement) -> &mut Statement) -> String {
        let mut sql = Statement::new("select ");
        rule(&mut sql);
        sql.spelled()
    }

    #[test]
    fn session_live_binds_the_session_then_its_user() {
        assert_eq!(
            spelled(|sql| session_live(sql, CALLER)),
            "select exists(select 1 from auth_sessions live_session where live_session.id = 1001 \
             and live_session.user_id = 2002 and live_session.revoked_at is null)"
        );
    }

    #[test]
    fn on_sale_binds_the_schedule_or_names_its_column() {
        let bound = spelled(|sql| on_sale(sql, 3003));
        assert!(bound.contains("where sale_sc.id = 3003 and sale_s.deleted_at is null"));
        assert!(bound.contains("sale_s.booking_opens_at <= current_timestamp(6)"));
        assert!(bound.contains("sale_sc.starts_at > current_timestamp(6)"));
        let correlated = spelled(|sql| on_sale(sql, column("sc.id")));
        assert!(correlated.contains("where sale_sc.id = sc.id and"));
    }

    #[test]
    fn room_active_binds_the_schedule() {
        let rule = spelled(|sql| room_active(sql, 3003));
        assert!(rule.contains("where room_w.schedule_id = 3003 and (room_w.enabled or"));
    }

    #[test]
    fn seats_of_person_binds_user_and_schedule_in_both_counts() {
        let rule = spelled(|sql| seats_of_person(sql, 2002, 3003));
        assert!(rule.contains(
            "from seats where hold_user_id = 2002 and schedule_id = 3003 and not is_sold"
        ));
        assert!(rule.contains(
            "from tickets where user_id = 2002 and schedule_id = 3003 and status = 'VALID'"
        ));
    }
}
