//! A user's inbox and mail preference, and the administrator's view of the outbox (API.md
//! section 12). The rows themselves are written by `notify`, in the causing transaction.

use serde_json::json;

use super::Done;
use super::accounts::require_admin;
use crate::db::DbConn;
use crate::db::audit::{self, Audit};
use crate::db::notifications::{self, NotificationRow};
use crate::db::users::UserRow;
use crate::domain::notification::{MailPreference, MailStatus};
use crate::error::{AppError, AppResult};

/// The caller's notifications, newest first; `unread` filters them.
pub fn inbox(
    conn: &mut DbConn,
    user: &UserRow,
    unread: Option<bool>,
) -> AppResult<Vec<NotificationRow>> {
    notifications::for_user(conn, &user.id, unread)
}

/// How many of the caller's notifications are unread (the badge).
pub fn unread(conn: &mut DbConn, user: &UserRow) -> AppResult<i64> {
    notifications::unread_count(conn, &user.id)
}

/// Marks one of the caller's notifications read (404 for anyone else's: they are not shown).
pub fn read(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<Done<()>> {
    if !notifications::mark_read(conn, &user.id, id, crate::db::now())? {
        return Err(AppError::not_found("notification"));
    }
    Ok(Done::quiet(()))
}

pub fn read_all(conn: &mut DbConn, user: &UserRow) -> AppResult<Done<usize>> {
    Ok(Done::quiet(notifications::mark_all_read(
        conn,
        &user.id,
        crate::db::now(),
    )?))
}

pub fn preference(conn: &mut DbConn, user: &UserRow) -> AppResult<MailPreference> {
    notifications::preference(conn, &user.id)
}

/// Sets how the caller's notifications are mailed; audited. Mails already planned keep
/// their plan (a digest already due still goes).
pub fn set_preference(
    conn: &mut DbConn,
    user: &UserRow,
    preference: MailPreference,
) -> AppResult<Done<MailPreference>> {
    notifications::set_preference(conn, &user.id, preference)?;
    audit::record(
        conn,
        Audit::new(&user.id, "preferences.update", "user", &user.id)
            .with_detail(json!({ "mail": preference.as_str() })),
    )?;
    Ok(Done::quiet(preference))
}

/// The mails pending or failed (administrators).
pub fn outbox(
    conn: &mut DbConn,
    user: &UserRow,
    status: MailStatus,
) -> AppResult<Vec<NotificationRow>> {
    require_admin(user)?;
    if !matches!(status, MailStatus::Pending | MailStatus::Failed) {
        return Err(AppError::invalid("status", "expected pending or failed"));
    }
    notifications::outbox(conn, status)
}

/// Mails per status (`pending`, `sent`, `failed`, `skipped`) and the age in seconds of the
/// oldest pending one: for `/metrics`.
pub fn mail_metrics(conn: &mut DbConn) -> AppResult<(Vec<(String, i64)>, f64)> {
    let (counts, oldest) = notifications::mail_counts(conn)?;
    let age = oldest
        .map(|at| (crate::db::now() - at).num_milliseconds().max(0) as f64 / 1000.0)
        .unwrap_or(0.0);
    let counts = MailStatus::ALL
        .iter()
        .map(|s| {
            let n = counts
                .iter()
                .find(|(k, _)| k == s.as_str())
                .map_or(0, |(_, n)| *n);
            (s.as_str().to_string(), n)
        })
        .collect();
    Ok((counts, age))
}
