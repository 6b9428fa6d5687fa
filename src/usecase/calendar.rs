//! Sessions in calendar applications (API.md section 12): a session's invitation, for whoever
//! may join its room. The event names the board, the session's title, its times and links:
//! nothing of any dossier.

use super::room::visible;
use crate::db::sessions::SessionRow;
use crate::db::users::UserRow;
use crate::db::{DbConn, boards};
use crate::error::AppResult;

/// A session `user` may join (404 otherwise), with its board's name.
pub fn invite(
    conn: &mut DbConn,
    user: &UserRow,
    session_id: &str,
) -> AppResult<(SessionRow, String)> {
    let (row, _) = visible(conn, user, session_id)?;
    let board = boards::get(conn, &row.board_id)?;
    Ok((row, board.name))
}
