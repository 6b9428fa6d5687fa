//! Request ids: a command sent twice (a retry after a drop) is applied once.

use diesel::prelude::*;

use crate::db::schema::room_requests;
use crate::db::{DbConn, is_unique_violation, now};
use crate::error::AppResult;

/// Claims `request_id` for this user and session. `Some(seq)` means it was seen before (the
/// command is not applied again); `None` means the caller goes on and then calls
/// [`finish_request`]. A concurrent duplicate waits for the first to commit, then sees it.
pub fn begin_request(
    conn: &mut DbConn,
    session_id: &str,
    user_id: &str,
    request_id: &str,
) -> AppResult<Option<Option<i64>>> {
    let claim = conn.transaction(|conn| {
        diesel::insert_into(room_requests::table)
            .values((
                room_requests::session_id.eq(session_id),
                room_requests::user_id.eq(user_id),
                room_requests::request_id.eq(request_id),
                room_requests::created_at.eq(now()),
            ))
            .execute(conn)
    });
    match claim {
        Ok(_) => Ok(None),
        Err(e) if is_unique_violation(&e) => {
            let seq: Option<i64> = room_requests::table
                .find((session_id, user_id, request_id))
                .select(room_requests::seq)
                .first(conn)?;
            Ok(Some(seq))
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether `request_id` was claimed already (read-only: a retry about to be acknowledged).
pub fn seen(
    conn: &mut DbConn,
    session_id: &str,
    user_id: &str,
    request_id: &str,
) -> AppResult<bool> {
    Ok(room_requests::table
        .find((session_id, user_id, request_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn finish_request(
    conn: &mut DbConn,
    session_id: &str,
    user_id: &str,
    request_id: &str,
    seq: Option<i64>,
) -> AppResult<()> {
    diesel::update(room_requests::table.find((session_id, user_id, request_id)))
        .set(room_requests::seq.eq(seq))
        .execute(conn)?;
    Ok(())
}
