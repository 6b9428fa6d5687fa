//! Sessions in calendar applications (API.md section 12): a session's invitation, for whoever
//! may join its room, and each user's secret feed of their sessions. An event names the
//! board, the session's title, its times and links: nothing of any dossier.

use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Done;
use super::room::visible;
use crate::db::audit::{self, Audit};
use crate::db::sessions::{self, SessionRow};
use crate::db::users::{self, UserRow};
use crate::db::{DbConn, boards};
use crate::error::{AppError, AppResult};

/// What is stored of a feed secret: its SHA-256, so that the table does not hold a credential.
fn key_of(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new secret for `user`'s calendar feed, replacing the old one (whose URL then answers
/// 404). The secret itself is returned once and not kept.
pub fn rotate_feed(conn: &mut DbConn, user: &UserRow) -> AppResult<Done<String>> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    users::set_calendar_key(conn, &user.id, &key_of(&secret))?;
    audit::record(
        conn,
        Audit::new(&user.id, "calendar.rotate", "user", &user.id).with_detail(json!({})),
    )?;
    Ok(Done::quiet(secret))
}

/// The sessions of the feed whose secret is `secret` (404 for any other).
pub fn feed(conn: &mut DbConn, secret: &str) -> AppResult<Vec<(SessionRow, String)>> {
    let valid = secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    let user = valid
        .then(|| users::by_calendar_key(conn, &key_of(secret)))
        .transpose()?
        .flatten()
        .ok_or_else(|| AppError::not_found("calendar"))?;
    sessions::for_calendar(conn, &user.id)
}

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
