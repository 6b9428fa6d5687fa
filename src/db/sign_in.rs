//! Sign-ins through an OpenID provider while they are under way (API.md section 14): the
//! pending logins between `/start` and `/callback`, and the one-time codes the signed-in page
//! exchanges. Kept in the database, so that any instance can finish what another began.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{oidc_codes, oidc_logins};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oidc_logins)]
pub struct PendingLogin {
    pub state_hash: String,
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oidc_codes)]
pub struct SignInCode {
    pub code_hash: String,
    pub user_id: String,
    pub return_to: String,
    pub expires_at: NaiveDateTime,
}

/// Stores a pending login, and forgets those that expired before `now`.
pub fn insert_pending(
    conn: &mut DbConn,
    login: &PendingLogin,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::delete(oidc_logins::table.filter(oidc_logins::expires_at.lt(now))).execute(conn)?;
    diesel::insert_into(oidc_logins::table)
        .values(login)
        .execute(conn)?;
    Ok(())
}

/// Takes the pending login of `state_hash`: it is deleted, so that it serves once. `None` when
/// there is none (never made, or already taken by another request).
pub fn take_pending(conn: &mut DbConn, state_hash: &str) -> AppResult<Option<PendingLogin>> {
    let found = oidc_logins::table
        .find(state_hash)
        .select(PendingLogin::as_select())
        .first(conn)
        .optional()?;
    if found.is_none() {
        return Ok(None);
    }
    // Two requests with the same state: only the one whose delete removed the row goes on.
    let deleted = diesel::delete(oidc_logins::table.find(state_hash)).execute(conn)?;
    Ok(found.filter(|_| deleted == 1))
}

/// Stores a one-time code, and forgets those that expired before `now`.
pub fn insert_code(conn: &mut DbConn, code: &SignInCode, now: NaiveDateTime) -> AppResult<()> {
    diesel::delete(oidc_codes::table.filter(oidc_codes::expires_at.lt(now))).execute(conn)?;
    diesel::insert_into(oidc_codes::table)
        .values(code)
        .execute(conn)?;
    Ok(())
}

/// Takes the one-time code of `code_hash` (deleted: it serves once).
pub fn take_code(conn: &mut DbConn, code_hash: &str) -> AppResult<Option<SignInCode>> {
    let found = oidc_codes::table
        .find(code_hash)
        .select(SignInCode::as_select())
        .first(conn)
        .optional()?;
    if found.is_none() {
        return Ok(None);
    }
    let deleted = diesel::delete(oidc_codes::table.find(code_hash)).execute(conn)?;
    Ok(found.filter(|_| deleted == 1))
}
