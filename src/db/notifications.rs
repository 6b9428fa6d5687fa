//! The inbox and the outbox of mails (API.md section 12): one row per notification, written
//! in the transaction of the change that causes it; the mail sender claims the due ones.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{notifications, users};
use super::{DbConn, new_id};
use crate::domain::notification::{MailPreference, MailStatus};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub subject: String,
    pub link: String,
    pub dossier_id: Option<String>,
    pub session_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
    pub mail: String,
    pub digest: bool,
    pub mail_due_at: Option<NaiveDateTime>,
    pub mail_attempts: i32,
    pub mail_error: Option<String>,
    pub mailed_at: Option<NaiveDateTime>,
    pub calendar: Option<String>,
    pub facts: String,
}

/// Who a notification goes to, as the writer needs them.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: String,
    pub preference: MailPreference,
}

/// The enabled accounts among `ids`, with their mail preference.
pub fn recipients(conn: &mut DbConn, ids: &[String]) -> AppResult<Vec<Recipient>> {
    let rows: Vec<(String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .filter(users::disabled.eq(false))
        .select((users::id, users::mail_preference))
        .order(users::id.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, p)| Recipient {
            id,
            preference: p.parse().unwrap_or(MailPreference::Immediate),
        })
        .collect())
}

pub fn insert(conn: &mut DbConn, mut row: NotificationRow) -> AppResult<String> {
    if row.id.is_empty() {
        row.id = new_id();
    }
    diesel::insert_into(notifications::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.id)
}

/// A user's notifications, newest first (at most 200), unread only or all.
pub fn for_user(
    conn: &mut DbConn,
    user_id: &str,
    unread: Option<bool>,
) -> AppResult<Vec<NotificationRow>> {
    let mut query = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .select(NotificationRow::as_select())
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(200)
        .into_boxed();
    match unread {
        Some(true) => query = query.filter(notifications::read_at.is_null()),
        Some(false) => query = query.filter(notifications::read_at.is_not_null()),
        None => {}
    }
    Ok(query.load(conn)?)
}

pub fn unread_count(conn: &mut DbConn, user_id: &str) -> AppResult<i64> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks one of a user's notifications read; whether it is theirs.
pub fn mark_read(conn: &mut DbConn, user_id: &str, id: &str, at: NaiveDateTime) -> AppResult<bool> {
    let mine = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::user_id.eq(user_id));
    let exists = mine.count().get_result::<i64>(conn)? > 0;
    diesel::update(mine.filter(notifications::read_at.is_null()))
        .set(notifications::read_at.eq(at))
        .execute(conn)?;
    Ok(exists)
}

/// Marks all of a user's notifications read; how many were unread.
pub fn mark_all_read(conn: &mut DbConn, user_id: &str, at: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(at))
    .execute(conn)?)
}

/// Claims up to `limit` mails due at `now` for `lease`: their due time moves to `until`, so
/// that no other sender takes them meanwhile. On PostgreSQL the rows another instance is
/// claiming are skipped (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at a time.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<NotificationRow>> {
    // The same query for each backend (its select clause is typed by the backend).
    macro_rules! due {
        () => {
            notifications::table
                .filter(notifications::mail.eq(MailStatus::Pending.as_str()))
                .filter(notifications::mail_due_at.le(now))
                .select(NotificationRow::as_select())
                .order((notifications::mail_due_at.asc(), notifications::id.asc()))
                .limit(limit)
        };
    }
    let rows: Vec<NotificationRow> = match conn {
        DbConn::Postgres(pg) => due!().for_update().skip_locked().load(pg)?,
        DbConn::Sqlite(lite) => due!().load(lite)?,
    };
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    diesel::update(notifications::table.filter(notifications::id.eq_any(&ids)))
        .set((
            notifications::mail_due_at.eq(until),
            notifications::mail_attempts.eq(notifications::mail_attempts + 1),
        ))
        .execute(conn)?;
    Ok(rows
        .into_iter()
        .map(|mut r| {
            r.mail_attempts += 1;
            r
        })
        .collect())
}

/// The other digest rows of a user due with `row` (same user, digest, pending, due by `until`).
pub fn digest_mates(
    conn: &mut DbConn,
    user_id: &str,
    until: NaiveDateTime,
) -> AppResult<Vec<NotificationRow>> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::digest.eq(true))
        .filter(notifications::mail.eq(MailStatus::Pending.as_str()))
        .filter(notifications::mail_due_at.le(until))
        .select(NotificationRow::as_select())
        .order((notifications::created_at.asc(), notifications::id.asc()))
        .load(conn)?)
}

/// Where the mail of the rows `ids` stands now.
pub fn set_mail(
    conn: &mut DbConn,
    ids: &[String],
    status: MailStatus,
    due_at: Option<NaiveDateTime>,
    error: Option<&str>,
    mailed_at: Option<NaiveDateTime>,
) -> AppResult<()> {
    diesel::update(notifications::table.filter(notifications::id.eq_any(ids)))
        .set((
            notifications::mail.eq(status.as_str()),
            notifications::mail_due_at.eq(due_at),
            notifications::mail_error.eq(error),
            notifications::mailed_at.eq(mailed_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The mails in a state (pending or failed), oldest first (at most 500), for the admin.
pub fn outbox(conn: &mut DbConn, status: MailStatus) -> AppResult<Vec<NotificationRow>> {
    Ok(notifications::table
        .filter(notifications::mail.eq(status.as_str()))
        .select(NotificationRow::as_select())
        .order((notifications::created_at.asc(), notifications::id.asc()))
        .limit(500)
        .load(conn)?)
}

/// How many mails are in each status, and when the oldest pending one was made.
pub type MailCounts = (Vec<(String, i64)>, Option<NaiveDateTime>);

/// Mails per status, and the creation time of the oldest pending one: for `/metrics`.
pub fn mail_counts(conn: &mut DbConn) -> AppResult<MailCounts> {
    let counts = notifications::table
        .group_by(notifications::mail)
        .select((notifications::mail, diesel::dsl::count_star()))
        .load(conn)?;
    let oldest = notifications::table
        .filter(notifications::mail.eq(MailStatus::Pending.as_str()))
        .select(diesel::dsl::min(notifications::created_at))
        .first(conn)?;
    Ok((counts, oldest))
}

/// The e-mail address of an enabled account.
/// An enabled user's address and language (`locale`).
pub fn address_of(conn: &mut DbConn, user_id: &str) -> AppResult<Option<(String, String)>> {
    Ok(users::table
        .find(user_id)
        .filter(users::disabled.eq(false))
        .select((users::email, users::locale))
        .first(conn)
        .optional()?)
}

/// A user's mail preference.
pub fn preference(conn: &mut DbConn, user_id: &str) -> AppResult<MailPreference> {
    let p: String = users::table
        .find(user_id)
        .select(users::mail_preference)
        .first(conn)?;
    Ok(p.parse().unwrap_or(MailPreference::Immediate))
}

pub fn set_preference(conn: &mut DbConn, user_id: &str, p: MailPreference) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::mail_preference.eq(p.as_str()))
        .execute(conn)?;
    Ok(())
}
