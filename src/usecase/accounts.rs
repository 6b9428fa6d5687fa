//! Accounts and their sign-in tokens: administrators create, list and change accounts (never
//! disabling or demoting themselves); disabling an account revokes its tokens and closes its
//! live connections; signing out revokes the token.

use chrono::NaiveDateTime;
use serde_json::json;

use super::{Done, Event};
use crate::db::DbConn;
use crate::db::audit::{self, Audit};
use crate::db::users::{self, UserPatch, UserRow};
use crate::domain::user::{Locale, NewUser, Role};
use crate::domain::{access, sign_in};
use crate::error::{AppError, AppResult};

/// Administrators only (403 for anyone else).
pub fn require_admin(user: &UserRow) -> AppResult<()> {
    access::check_admin(user.is_admin()).map_err(|d| AppError::denied(d, "user"))
}

/// Creates an account whose password is already hashed; `actor` is the administrator who
/// creates it (none from the command line).
pub fn create(
    conn: &mut DbConn,
    actor: Option<&UserRow>,
    new: &NewUser,
    password_hash: &str,
) -> AppResult<Done<UserRow>> {
    if let Some(actor) = actor {
        require_admin(actor)?;
    }
    let user = users::insert(conn, new, password_hash)?;
    audit::record(
        conn,
        Audit {
            actor_id: actor.map(|a| a.id.as_str()),
            action: "user.create",
            object_type: "user",
            object_id: Some(&user.id),
            detail: json!({ "role": user.role }),
        },
    )?;
    Ok(Done::quiet(user))
}

/// Every account, newest first (administrators).
pub fn list(conn: &mut DbConn, user: &UserRow) -> AppResult<Vec<UserRow>> {
    require_admin(user)?;
    users::list(conn)
}

/// Changes an account (administrators). Disabling it revokes its tokens and closes its live
/// connections; a new role has its room connections re-checked.
pub fn update(
    conn: &mut DbConn,
    by: &UserRow,
    id: &str,
    patch: &UserPatch,
) -> AppResult<Done<UserRow>> {
    require_admin(by)?;
    let disabling = patch.disabled == Some(true);
    access::check_own_account(id == by.id, disabling, patch.role == Some(Role::Clinician))
        .map_err(AppError::conflict)?;
    let user = users::update(conn, id, patch)?;
    let mut events = Vec::new();
    if disabling {
        users::revoke_all_tokens(conn, id)?;
        events.push(Event::UserDisabled {
            user_id: id.to_string(),
        });
    } else if patch.role.is_some() {
        // An administrator who becomes a clinician may lose rooms they were in.
        events.push(Event::AccessChanged {
            user_id: id.to_string(),
        });
    }
    audit::record(
        conn,
        Audit::new(&by.id, "user.update", "user", id).with_detail(json!({
            "name": patch.name.is_some(),
            "role": patch.role,
            "specialty": patch.specialty.is_some(),
            "organization": patch.organization.is_some(),
            "disabled": patch.disabled,
        })),
    )?;
    Ok(Done::with(user, events))
}

/// Whether an account whose password matched may sign in: not once disabled.
pub fn may_sign_in(user: &UserRow) -> bool {
    !user.disabled
}

/// Records a token issued at sign-in, so that it can be revoked.
pub fn signed_in(
    conn: &mut DbConn,
    user_id: &str,
    token_id: &str,
    issued_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    method: &str,
) -> AppResult<Done<()>> {
    users::insert_token(
        conn,
        &users::NewToken {
            id: token_id,
            user_id,
            issued_at,
            expires_at,
            chain_id: token_id,
            signed_in_at: issued_at,
        },
    )?;
    audit::record(
        conn,
        Audit::new(user_id, "auth.login", "user", user_id).with_detail(json!({ "method": method })),
    )?;
    Ok(Done::quiet(()))
}

/// A new token in the chain of `old_token_id` (the caller's live token), expiring `ttl_secs`
/// from `now` but never after twelve hours from the sign-in (401 after). Its expiry.
pub fn refresh(
    conn: &mut DbConn,
    user: &UserRow,
    old_token_id: &str,
    new_token_id: &str,
    now: NaiveDateTime,
    ttl_secs: i64,
) -> AppResult<Done<NaiveDateTime>> {
    let (chain_id, signed_in_at) = users::chain_of(conn, old_token_id)?
        .ok_or(AppError::Unauthenticated("the token is not valid"))?;
    let expires_at = crate::domain::user::refreshed_expiry(signed_in_at, now, ttl_secs).ok_or(
        AppError::Unauthenticated("the sign-in is more than 12 hours old: please sign in again"),
    )?;
    users::insert_token(
        conn,
        &users::NewToken {
            id: new_token_id,
            user_id: &user.id,
            issued_at: now,
            expires_at,
            chain_id: &chain_id,
            signed_in_at,
        },
    )?;
    audit::record(conn, Audit::new(&user.id, "auth.refresh", "user", &user.id))?;
    Ok(Done::quiet(expires_at))
}

/// Records a refused sign-in (`user_id` if the address names an account).
pub fn sign_in_refused(
    conn: &mut DbConn,
    user_id: Option<&str>,
    email_key: &str,
) -> AppResult<Done<()>> {
    login_failed(conn, user_id, json!({ "email": email_key }))?;
    Ok(Done::quiet(()))
}

/// The audit row of a refused sign-in, whatever the way (`detail` says why; never a password).
pub fn login_failed(
    conn: &mut DbConn,
    user_id: Option<&str>,
    detail: serde_json::Value,
) -> AppResult<()> {
    audit::record(
        conn,
        Audit {
            actor_id: None,
            action: "auth.login_failed",
            object_type: "user",
            object_id: user_id,
            detail,
        },
    )?;
    Ok(())
}

/// Whether `user`, whose password was right, may sign in with it: not once password sign-in
/// is switched off (`password_login` false), unless they administer the service. A refusal is
/// audited.
pub fn password_sign_in(
    conn: &mut DbConn,
    user: &UserRow,
    email_key: &str,
    password_login: bool,
) -> AppResult<Done<bool>> {
    let allowed = sign_in::password_sign_in_allowed(password_login, user.is_admin());
    if !allowed {
        login_failed(
            conn,
            Some(&user.id),
            json!({ "email": email_key, "reason": "password_login_off" }),
        )?;
    }
    Ok(Done::quiet(allowed))
}

/// Signs out: the token is revoked, and the live connections opened with it close.
pub fn sign_out(conn: &mut DbConn, user: &UserRow, token_id: &str) -> AppResult<Done<()>> {
    let chain = users::chain_of(conn, token_id)?.map_or_else(|| token_id.to_string(), |(c, _)| c);
    let mut revoked = users::revoke_chain(conn, &chain)?;
    if !revoked.iter().any(|t| t == token_id) {
        revoked.push(token_id.to_string());
    }
    audit::record(conn, Audit::new(&user.id, "auth.logout", "user", &user.id))?;
    Ok(Done::with(
        (),
        revoked
            .into_iter()
            .map(|token_id| Event::TokenRevoked { token_id })
            .collect(),
    ))
}

/// Sets the caller's language (audited); the account as it now is.
pub fn set_locale(conn: &mut DbConn, user: &UserRow, locale: Locale) -> AppResult<Done<UserRow>> {
    users::set_locale(conn, &user.id, locale)?;
    audit::record(
        conn,
        Audit::new(&user.id, "user.locale", "user", &user.id)
            .with_detail(json!({ "locale": locale.as_str() })),
    )?;
    let row = users::by_id(conn, &user.id)?.ok_or_else(|| AppError::not_found("user"))?;
    Ok(Done::quiet(row))
}
