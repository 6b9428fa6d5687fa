//! Boards and their members.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{board_members, boards, users};
use super::users::UserRow;
use super::{DbConn, new_id, now};
use crate::domain::access::BoardRelation;
use crate::domain::board::{BoardPatch, BoardRole, NewBoard, QuorumRule};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = boards)]
pub struct BoardRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub min_voters: i32,
    pub min_specialties: i32,
    pub required_specialties: String,
    pub created_at: NaiveDateTime,
    pub show_ballots_to_referrer: bool,
    /// Days after a decision when its referrer is asked for the follow-up (0: never).
    pub follow_up_days: i32,
}

impl BoardRow {
    pub fn quorum(&self) -> QuorumRule {
        QuorumRule {
            min_voters: self.min_voters.max(0) as u32,
            min_specialties: self.min_specialties.max(0) as u32,
            required_specialties: serde_json::from_str(&self.required_specialties)
                .unwrap_or_default(),
        }
    }
}

pub fn insert(conn: &mut DbConn, board: &NewBoard) -> AppResult<BoardRow> {
    let id = new_id();
    diesel::insert_into(boards::table)
        .values((
            boards::id.eq(&id),
            boards::name.eq(&board.name),
            boards::description.eq(&board.description),
            boards::min_voters.eq(board.quorum.min_voters as i32),
            boards::min_specialties.eq(board.quorum.min_specialties as i32),
            boards::required_specialties
                .eq(serde_json::to_string(&board.quorum.required_specialties)
                    .map_err(AppError::internal)?),
            boards::created_at.eq(now()),
            boards::show_ballots_to_referrer.eq(board.show_ballots_to_referrer),
        ))
        .execute(conn)?;
    get(conn, &id)
}

/// Applies a validated change to a board.
pub fn update(conn: &mut DbConn, id: &str, patch: &BoardPatch) -> AppResult<BoardRow> {
    let current = get(conn, id)?;
    let quorum = patch.quorum.clone().unwrap_or_else(|| current.quorum());
    diesel::update(boards::table.find(id))
        .set((
            boards::name.eq(patch.name.as_deref().unwrap_or(&current.name)),
            boards::description.eq(patch.description.as_deref().unwrap_or(&current.description)),
            boards::min_voters.eq(quorum.min_voters as i32),
            boards::min_specialties.eq(quorum.min_specialties as i32),
            boards::required_specialties
                .eq(serde_json::to_string(&quorum.required_specialties)
                    .map_err(AppError::internal)?),
            boards::show_ballots_to_referrer.eq(patch
                .show_ballots_to_referrer
                .unwrap_or(current.show_ballots_to_referrer)),
            boards::follow_up_days.eq(patch.follow_up_days.unwrap_or(current.follow_up_days)),
        ))
        .execute(conn)?;
    get(conn, id)
}

pub fn by_id(conn: &mut DbConn, id: &str) -> AppResult<Option<BoardRow>> {
    Ok(boards::table
        .find(id)
        .select(BoardRow::as_select())
        .first(conn)
        .optional()?)
}

/// The board, or 404.
pub fn get(conn: &mut DbConn, id: &str) -> AppResult<BoardRow> {
    by_id(conn, id)?.ok_or_else(|| AppError::not_found("board"))
}

/// Every board, newest first.
pub fn list(conn: &mut DbConn) -> AppResult<Vec<BoardRow>> {
    Ok(boards::table
        .order((boards::created_at.desc(), boards::id.desc()))
        .select(BoardRow::as_select())
        .load(conn)?)
}

/// The role of a user on a board, if any.
pub fn role_of(conn: &mut DbConn, board_id: &str, user_id: &str) -> AppResult<Option<BoardRole>> {
    let role: Option<String> = board_members::table
        .find((board_id, user_id))
        .select(board_members::role)
        .first(conn)
        .optional()?;
    Ok(role.and_then(|r| r.parse().ok()))
}

/// How a user stands towards a board.
pub fn relation(conn: &mut DbConn, board_id: &str, user: &UserRow) -> AppResult<BoardRelation> {
    Ok(BoardRelation {
        board_role: role_of(conn, board_id, &user.id)?,
        is_admin: user.is_admin(),
    })
}

/// The boards a user belongs to, with their role.
pub fn memberships(conn: &mut DbConn, user_id: &str) -> AppResult<Vec<(String, BoardRole)>> {
    let rows: Vec<(String, String)> = board_members::table
        .filter(board_members::user_id.eq(user_id))
        .select((board_members::board_id, board_members::role))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(b, r)| r.parse().ok().map(|r| (b, r)))
        .collect())
}

/// Members with their accounts, coordinators first, then by name.
pub fn members(conn: &mut DbConn, board_id: &str) -> AppResult<Vec<(UserRow, BoardRole)>> {
    let rows: Vec<(UserRow, String)> = board_members::table
        .inner_join(users::table)
        .filter(board_members::board_id.eq(board_id))
        .order((board_members::role.asc(), users::name.asc()))
        .select((UserRow::as_select(), board_members::role))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(u, r)| r.parse().ok().map(|r| (u, r)))
        .collect())
}

/// Adds a member or changes their role. Returns the previous role, if any.
pub fn put_member(
    conn: &mut DbConn,
    board_id: &str,
    user_id: &str,
    role: BoardRole,
) -> AppResult<Option<BoardRole>> {
    let previous = role_of(conn, board_id, user_id)?;
    if previous.is_some() {
        diesel::update(board_members::table.find((board_id, user_id)))
            .set(board_members::role.eq(role.as_str()))
            .execute(conn)?;
    } else {
        diesel::insert_into(board_members::table)
            .values((
                board_members::board_id.eq(board_id),
                board_members::user_id.eq(user_id),
                board_members::role.eq(role.as_str()),
                board_members::added_at.eq(now()),
            ))
            .execute(conn)
            .map_err(|e| {
                if super::is_unique_violation(&e) {
                    AppError::conflict("this member was just added by someone else")
                } else {
                    e.into()
                }
            })?;
    }
    Ok(previous)
}

/// Removes a member. Returns whether they were one.
pub fn remove_member(conn: &mut DbConn, board_id: &str, user_id: &str) -> AppResult<bool> {
    let n = diesel::delete(board_members::table.find((board_id, user_id))).execute(conn)?;
    Ok(n > 0)
}
