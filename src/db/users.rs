//! Accounts and their sign-in tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{auth_tokens, users};
use super::{DbConn, new_id, now};
use crate::domain::user::{Email, Locale, NewUser, Role};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub email_key: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub specialty: Option<String>,
    pub organization: Option<String>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    /// `fr` or `en`.
    pub locale: String,
    /// The person's identifier at the OpenID provider (API.md section 14).
    pub external_id: Option<String>,
}

impl UserRow {
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Clinician)
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Role::Admin
    }
}

/// Inserts a user whose password is already hashed. A taken e-mail (in any letter case) is a
/// conflict.
pub fn insert(conn: &mut DbConn, user: &NewUser, password_hash: &str) -> AppResult<UserRow> {
    insert_account(
        conn,
        &NewAccount {
            email: &user.email,
            name: &user.name,
            password_hash,
            role: user.role,
            specialty: user.specialty.as_deref(),
            organization: user.organization.as_deref(),
            external_id: None,
        },
    )
}

/// An account to store, its password already hashed (or unusable, for one that only signs in
/// through the OpenID provider).
pub struct NewAccount<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub specialty: Option<&'a str>,
    pub organization: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

/// Inserts an account. A taken e-mail (in any letter case) or external id is a conflict.
pub fn insert_account(conn: &mut DbConn, user: &NewAccount<'_>) -> AppResult<UserRow> {
    let id = new_id();
    let result = diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::email.eq(user.email.as_str()),
            users::email_key.eq(user.email.key()),
            users::name.eq(user.name),
            users::password_hash.eq(user.password_hash),
            users::role.eq(user.role.as_str()),
            users::specialty.eq(user.specialty),
            users::organization.eq(user.organization),
            users::disabled.eq(false),
            users::created_at.eq(now()),
            users::external_id.eq(user.external_id),
        ))
        .execute(conn);
    match result {
        Ok(_) => by_id(conn, &id)?.ok_or_else(|| AppError::not_found("user")),
        Err(e) if super::is_unique_violation(&e) => Err(AppError::conflict(
            "an account with this e-mail address already exists",
        )),
        Err(e) => Err(e.into()),
    }
}

pub fn by_id(conn: &mut DbConn, id: &str) -> AppResult<Option<UserRow>> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_email_key(conn: &mut DbConn, key: &str) -> AppResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::email_key.eq(key))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// The account whose identifier at the OpenID provider is `external_id`.
pub fn by_external_id(conn: &mut DbConn, external_id: &str) -> AppResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::external_id.eq(external_id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Several users at once, in no particular order.
pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> AppResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Every account, newest first.
pub fn list(conn: &mut DbConn) -> AppResult<Vec<UserRow>> {
    Ok(users::table
        .order((users::created_at.desc(), users::id.desc()))
        .select(UserRow::as_select())
        .load(conn)?)
}

pub fn count(conn: &mut DbConn) -> AppResult<i64> {
    Ok(users::table.count().get_result(conn)?)
}

/// A newly issued token: its chain is the first token's id, and the time of the sign-in that
/// started it.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub chain_id: &'a str,
    pub signed_in_at: NaiveDateTime,
}

pub fn set_locale(conn: &mut DbConn, id: &str, locale: Locale) -> AppResult<()> {
    diesel::update(users::table.find(id))
        .set(users::locale.eq(locale.as_str()))
        .execute(conn)?;
    Ok(())
}

/// Records a newly issued token so that it can be revoked later.
pub fn insert_token(conn: &mut DbConn, t: &NewToken<'_>) -> AppResult<()> {
    // Keep the table small: forget tokens that expired more than a day ago.
    let horizon = now() - chrono::Duration::days(1);
    diesel::delete(auth_tokens::table.filter(auth_tokens::expires_at.lt(horizon))).execute(conn)?;
    diesel::insert_into(auth_tokens::table)
        .values((
            auth_tokens::id.eq(t.id),
            auth_tokens::user_id.eq(t.user_id),
            auth_tokens::issued_at.eq(t.issued_at),
            auth_tokens::expires_at.eq(t.expires_at),
            auth_tokens::chain_id.eq(t.chain_id),
            auth_tokens::signed_in_at.eq(t.signed_in_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The chain of a token and when its sign-in was (a token from before chains is its own).
pub fn chain_of(conn: &mut DbConn, token_id: &str) -> AppResult<Option<(String, NaiveDateTime)>> {
    let row: Option<(String, Option<String>, NaiveDateTime, Option<NaiveDateTime>)> =
        auth_tokens::table
            .find(token_id)
            .select((
                auth_tokens::id,
                auth_tokens::chain_id,
                auth_tokens::issued_at,
                auth_tokens::signed_in_at,
            ))
            .first(conn)
            .optional()?;
    Ok(
        row.map(|(id, chain, issued, signed_in)| {
            (chain.unwrap_or(id), signed_in.unwrap_or(issued))
        }),
    )
}

/// Revokes every live token of a chain; their ids.
pub fn revoke_chain(conn: &mut DbConn, chain_id: &str) -> AppResult<Vec<String>> {
    let live = auth_tokens::table
        .filter(
            auth_tokens::chain_id
                .eq(chain_id)
                .or(auth_tokens::id.eq(chain_id)),
        )
        .filter(auth_tokens::revoked_at.is_null());
    let ids: Vec<String> = live.select(auth_tokens::id).load(conn)?;
    diesel::update(auth_tokens::table.filter(auth_tokens::id.eq_any(&ids)))
        .set(auth_tokens::revoked_at.eq(now()))
        .execute(conn)?;
    Ok(ids)
}

/// The user behind a live (issued, unrevoked, unexpired) token of theirs, if enabled.
pub fn by_live_token(
    conn: &mut DbConn,
    token_id: &str,
    user_id: &str,
) -> AppResult<Option<UserRow>> {
    Ok(auth_tokens::table
        .inner_join(users::table)
        .filter(auth_tokens::id.eq(token_id))
        .filter(auth_tokens::user_id.eq(user_id))
        .filter(auth_tokens::revoked_at.is_null())
        .filter(auth_tokens::expires_at.gt(now()))
        .filter(users::disabled.eq(false))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Revokes one token (sign-out). Returns whether it was live.
pub fn revoke_token(conn: &mut DbConn, token_id: &str) -> AppResult<bool> {
    let n = diesel::update(
        auth_tokens::table
            .filter(auth_tokens::id.eq(token_id))
            .filter(auth_tokens::revoked_at.is_null()),
    )
    .set(auth_tokens::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(n > 0)
}

/// Revokes every live token of a user (account disabled).
pub fn revoke_all_tokens(conn: &mut DbConn, user_id: &str) -> AppResult<usize> {
    Ok(diesel::update(
        auth_tokens::table
            .filter(auth_tokens::user_id.eq(user_id))
            .filter(auth_tokens::revoked_at.is_null()),
    )
    .set(auth_tokens::revoked_at.eq(now()))
    .execute(conn)?)
}

/// A change to an account; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub specialty: Option<Option<String>>,
    pub organization: Option<Option<String>>,
    pub disabled: Option<bool>,
    /// `Some(None)` clears it.
    pub external_id: Option<Option<String>>,
}

pub fn update(conn: &mut DbConn, id: &str, patch: &UserPatch) -> AppResult<UserRow> {
    let current = by_id(conn, id)?.ok_or_else(|| AppError::not_found("user"))?;
    diesel::update(users::table.find(id))
        .set((
            users::name.eq(patch.name.clone().unwrap_or(current.name.clone())),
            users::role.eq(patch
                .role
                .map(|r| r.as_str().to_string())
                .unwrap_or(current.role.clone())),
            users::specialty.eq(patch.specialty.clone().unwrap_or(current.specialty.clone())),
            users::organization.eq(patch
                .organization
                .clone()
                .unwrap_or(current.organization.clone())),
            users::disabled.eq(patch.disabled.unwrap_or(current.disabled)),
            users::external_id.eq(patch
                .external_id
                .clone()
                .unwrap_or(current.external_id.clone())),
        ))
        .execute(conn)
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                AppError::conflict("another account already has this external_id")
            } else {
                e.into()
            }
        })?;
    by_id(conn, id)?.ok_or_else(|| AppError::not_found("user"))
}

/// Stores the hash of a user's calendar feed secret (replacing the one they had).
pub fn set_calendar_key(conn: &mut DbConn, user_id: &str, key: &str) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::calendar_key.eq(key))
        .execute(conn)?;
    Ok(())
}

/// The enabled user whose calendar feed secret hashes to `key`.
pub fn by_calendar_key(conn: &mut DbConn, key: &str) -> AppResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::calendar_key.eq(key))
        .filter(users::disabled.eq(false))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}
