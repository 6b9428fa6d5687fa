//! Who is present in which room, on which instance; instances beat a heartbeat so that the
//! connections of one that died are forgotten.

use diesel::prelude::*;

use crate::db::schema::{instances, room_presence, users};
use crate::db::users::UserRow;
use crate::db::{DbConn, now};
use crate::domain::room::RoomRole;
use crate::error::AppResult;

/// An instance whose heartbeat is older than this is considered gone.
pub const INSTANCE_TIMEOUT_SECS: i64 = 45;

pub fn register_instance(conn: &mut DbConn, instance_id: &str) -> AppResult<()> {
    if matches!(conn, DbConn::Sqlite(_)) {
        // SQLite serves one instance: whoever was present before this start is gone.
        diesel::delete(room_presence::table).execute(conn)?;
        diesel::delete(instances::table).execute(conn)?;
    }
    let at = now();
    diesel::insert_into(instances::table)
        .values((
            instances::id.eq(instance_id),
            instances::started_at.eq(at),
            instances::heartbeat_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn heartbeat(conn: &mut DbConn, instance_id: &str) -> AppResult<()> {
    let n = diesel::update(instances::table.find(instance_id))
        .set(instances::heartbeat_at.eq(now()))
        .execute(conn)?;
    if n == 0 {
        register_instance(conn, instance_id)?;
    }
    Ok(())
}

/// Forgets instances that stopped beating and their connections; returns the sessions whose
/// presence changed.
pub fn reap_instances(conn: &mut DbConn) -> AppResult<Vec<String>> {
    let horizon = now() - chrono::Duration::seconds(INSTANCE_TIMEOUT_SECS);
    let dead: Vec<String> = instances::table
        .filter(instances::heartbeat_at.lt(horizon))
        .select(instances::id)
        .load(conn)?;
    let orphaned = room_presence::table
        .left_join(instances::table)
        .filter(
            instances::id
                .is_null()
                .or(instances::heartbeat_at.lt(horizon)),
        )
        .select(room_presence::session_id)
        .distinct()
        .load::<String>(conn)?;
    if !orphaned.is_empty() {
        let live = instances::table
            .filter(instances::heartbeat_at.ge(horizon))
            .select(instances::id);
        diesel::delete(room_presence::table.filter(room_presence::instance_id.ne_all(live)))
            .execute(conn)?;
    }
    if !dead.is_empty() {
        diesel::delete(instances::table.filter(instances::id.eq_any(&dead))).execute(conn)?;
    }
    Ok(orphaned)
}

/// Removes an instance and its connections (graceful shutdown).
pub fn unregister_instance(conn: &mut DbConn, instance_id: &str) -> AppResult<Vec<String>> {
    let sessions_left: Vec<String> = room_presence::table
        .filter(room_presence::instance_id.eq(instance_id))
        .select(room_presence::session_id)
        .distinct()
        .load(conn)?;
    diesel::delete(room_presence::table.filter(room_presence::instance_id.eq(instance_id)))
        .execute(conn)?;
    diesel::delete(instances::table.find(instance_id)).execute(conn)?;
    Ok(sessions_left)
}

pub fn join(
    conn: &mut DbConn,
    connection_id: &str,
    session_id: &str,
    user_id: &str,
    role: RoomRole,
    instance_id: &str,
) -> AppResult<()> {
    diesel::insert_into(room_presence::table)
        .values((
            room_presence::connection_id.eq(connection_id),
            room_presence::session_id.eq(session_id),
            room_presence::user_id.eq(user_id),
            room_presence::role.eq(role.as_str()),
            room_presence::instance_id.eq(instance_id),
            room_presence::joined_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn leave(conn: &mut DbConn, connection_id: &str) -> AppResult<()> {
    diesel::delete(room_presence::table.find(connection_id)).execute(conn)?;
    Ok(())
}

/// Who is in the room now, once each, in order of arrival.
pub fn participants(conn: &mut DbConn, session_id: &str) -> AppResult<Vec<(UserRow, RoomRole)>> {
    let horizon = now() - chrono::Duration::seconds(INSTANCE_TIMEOUT_SECS);
    let rows: Vec<(UserRow, String)> = room_presence::table
        .inner_join(users::table)
        .inner_join(instances::table)
        .filter(room_presence::session_id.eq(session_id))
        .filter(instances::heartbeat_at.ge(horizon))
        .order((
            room_presence::joined_at.asc(),
            room_presence::connection_id.asc(),
        ))
        .select((UserRow::as_select(), room_presence::role))
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|(u, _)| seen.insert(u.id.clone()))
        .filter_map(|(u, r)| r.parse().ok().map(|r| (u, r)))
        .collect())
}
