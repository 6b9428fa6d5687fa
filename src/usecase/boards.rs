//! Boards and their members: administrators create boards; administrators and the board's
//! coordinators manage its members; everyone signed in sees the boards, and what they may do
//! with each.

use serde_json::json;

use super::{Done, Event, accounts};
use crate::db::DbConn;
use crate::db::audit::{self, Audit};
use crate::db::boards::{self, BoardRow};
use crate::db::users::{self, UserRow};
use crate::domain::access::{BoardCan, BoardRelation};
use crate::domain::board::{BoardPatch, BoardRole, NewBoard};
use crate::error::{AppError, AppResult};

/// A board as one caller sees it.
#[derive(Debug, Clone)]
pub struct BoardView {
    pub row: BoardRow,
    pub can: BoardCan,
}

/// The members of a board, and whether the caller may see their contact details.
#[derive(Debug, Clone)]
pub struct Members {
    pub members: Vec<(UserRow, BoardRole)>,
    pub contacts: bool,
}

fn view(row: BoardRow, rel: BoardRelation) -> BoardView {
    BoardView {
        row,
        can: rel.can(),
    }
}

/// Creates a board (administrators).
pub fn create(conn: &mut DbConn, user: &UserRow, new: &NewBoard) -> AppResult<Done<BoardView>> {
    accounts::require_admin(user)?;
    let row = boards::insert(conn, new)?;
    audit::record(conn, Audit::new(&user.id, "board.create", "board", &row.id))?;
    let rel = boards::relation(conn, &row.id, user)?;
    Ok(Done::quiet(view(row, rel)))
}

/// Changes a board's name, description, quorum or ballot visibility (administrators and the
/// board's coordinators; API.md section 16). A vote is decided by the rule in force when it
/// closes; a referrer already in a live room keeps the ballot visibility it joined with.
pub fn update(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    patch: &BoardPatch,
) -> AppResult<Done<BoardView>> {
    boards::get(conn, id)?;
    let rel = boards::relation(conn, id, user)?;
    rel.check_edit().map_err(|d| AppError::denied(d, "board"))?;
    let row = boards::update(conn, id, patch)?;
    let changed: Vec<&str> = [
        ("name", patch.name.is_some()),
        ("description", patch.description.is_some()),
        ("quorum", patch.quorum.is_some()),
        (
            "show_ballots_to_referrer",
            patch.show_ballots_to_referrer.is_some(),
        ),
        ("follow_up_days", patch.follow_up_days.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, given)| given.then_some(field))
    .collect();
    audit::record(
        conn,
        Audit::new(&user.id, "board.update", "board", id).with_detail(json!({
            "fields": changed,
            "show_ballots_to_referrer": row.show_ballots_to_referrer,
        })),
    )?;
    Ok(Done::quiet(view(row, rel)))
}

/// Every board, newest first.
pub fn list(conn: &mut DbConn, user: &UserRow) -> AppResult<Vec<BoardView>> {
    let roles = boards::memberships(conn, &user.id)?;
    Ok(boards::list(conn)?
        .into_iter()
        .map(|row| {
            let board_role = roles
                .iter()
                .find(|(board, _)| *board == row.id)
                .map(|(_, role)| *role);
            let rel = BoardRelation {
                board_role,
                is_admin: user.is_admin(),
            };
            view(row, rel)
        })
        .collect())
}

/// One board, or 404.
pub fn get(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<BoardView> {
    let row = boards::get(conn, id)?;
    let rel = boards::relation(conn, id, user)?;
    Ok(view(row, rel))
}

/// The members of a board.
pub fn members(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<Members> {
    boards::get(conn, id)?;
    let members = boards::members(conn, id)?;
    let contacts = boards::relation(conn, id, user)?.can_see_member_contacts();
    Ok(Members { members, contacts })
}

/// The board, once `user` may manage its members.
fn check_manage(conn: &mut DbConn, user: &UserRow, board_id: &str) -> AppResult<()> {
    boards::get(conn, board_id)?;
    boards::relation(conn, board_id, user)?
        .check_manage_members()
        .map_err(|d| AppError::denied(d, "board"))
}

/// Adds a member or changes their role (administrators and the board's coordinators). Their
/// room connections are re-checked.
pub fn put_member(
    conn: &mut DbConn,
    by: &UserRow,
    board_id: &str,
    user_id: &str,
    role: BoardRole,
) -> AppResult<Done<(UserRow, BoardRole)>> {
    check_manage(conn, by, board_id)?;
    let user = users::by_id(conn, user_id)?.ok_or_else(|| AppError::not_found("user"))?;
    let previous = boards::put_member(conn, board_id, user_id, role)?;
    audit::record(
        conn,
        Audit::new(&by.id, "board.member_put", "board", board_id).with_detail(json!({
            "user_id": user_id,
            "role": role,
            "previous_role": previous,
        })),
    )?;
    Ok(Done::with((user, role), access_changed(user_id)))
}

/// Removes a member (administrators and the board's coordinators).
pub fn remove_member(
    conn: &mut DbConn,
    by: &UserRow,
    board_id: &str,
    user_id: &str,
) -> AppResult<Done<()>> {
    check_manage(conn, by, board_id)?;
    if !boards::remove_member(conn, board_id, user_id)? {
        return Err(AppError::not_found("member"));
    }
    audit::record(
        conn,
        Audit::new(&by.id, "board.member_remove", "board", board_id)
            .with_detail(json!({ "user_id": user_id })),
    )?;
    Ok(Done::with((), access_changed(user_id)))
}

fn access_changed(user_id: &str) -> Vec<Event> {
    vec![Event::AccessChanged {
        user_id: user_id.to_string(),
    }]
}
