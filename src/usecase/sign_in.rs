//! Signing in through the hospital's OpenID provider (API.md section 14), in three steps that
//! may each run on a different instance: `begin` keeps the pending login, `take_pending` finds
//! it again at the callback (once), `complete` maps the verified identity to an account and
//! leaves a one-time code, `exchange` turns that code into a sign-in. Every refusal is audited
//! in the same transaction; the adapter only sends the browser back with the failure's code.

use chrono::NaiveDateTime;
use serde_json::json;

use super::Done;
use crate::db::DbConn;
use crate::db::audit::{self, Audit};
use crate::db::sign_in::{self, PendingLogin, SignInCode};
use crate::db::users::{self, NewAccount, UserRow};
use crate::domain::sign_in::{AccountMatch, Identity, Provisioning, SignInFailure, match_account};
use crate::domain::text;
use crate::domain::user::{Email, NAME_MAX_CHARS, Role};
use crate::error::AppResult;

/// Keeps a sign-in under way until the provider sends the browser back.
pub fn begin(conn: &mut DbConn, login: &PendingLogin, now: NaiveDateTime) -> AppResult<Done<()>> {
    sign_in::insert_pending(conn, login, now)?;
    Ok(Done::quiet(()))
}

/// The pending login of `state_hash`, taken once: it must have been started by this browser
/// (`browser_hash`, from its cookie) less than ten minutes ago.
pub fn take_pending(
    conn: &mut DbConn,
    state_hash: &str,
    browser_hash: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<Done<Result<PendingLogin, SignInFailure>>> {
    let outcome = match sign_in::take_pending(conn, state_hash)? {
        None => Err(SignInFailure::BadState),
        Some(login) if Some(login.browser_hash.as_str()) != browser_hash => {
            Err(SignInFailure::BadState)
        }
        Some(login) if login.expires_at <= now => Err(SignInFailure::Expired),
        Some(login) => Ok(login),
    };
    if let Err(failure) = outcome {
        record_refusal(conn, failure, None, None)?;
    }
    Ok(Done::quiet(outcome))
}

/// Maps a verified identity to its account (creating it in `create` mode) and stores the
/// one-time code (`code_hash`) that the signed-in page exchanges; the account's id.
pub fn complete(
    conn: &mut DbConn,
    mode: Provisioning,
    identity: &Identity,
    code_hash: &str,
    return_to: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<Done<Result<String, SignInFailure>>> {
    let linked = users::by_external_id(conn, &identity.external_id)?;
    let email = identity
        .email
        .as_deref()
        .and_then(|e| Email::parse("email", e).ok());
    let email_taken = match &email {
        Some(email) => users::by_email_key(conn, email.key())?.is_some(),
        None => false,
    };
    let usable = Identity {
        email: email.as_ref().map(|e| e.as_str().to_string()),
        ..identity.clone()
    };
    let matched = match_account(
        mode,
        &usable,
        linked.as_ref().map(|u| (u.id.as_str(), u.disabled)),
        email_taken,
    );
    let user_id = match matched {
        AccountMatch::Refused(failure) => {
            let user_id = linked.as_ref().map(|u| u.id.as_str());
            record_refusal(conn, failure, user_id, Some(&identity.external_id))?;
            return Ok(Done::quiet(Err(failure)));
        }
        AccountMatch::Existing(id) => id,
        AccountMatch::Create { name, .. } => create_account(conn, &usable, email, &name)?.id,
    };
    sign_in::insert_code(
        conn,
        &SignInCode {
            code_hash: code_hash.to_string(),
            user_id: user_id.clone(),
            return_to: return_to.to_string(),
            expires_at,
        },
        now,
    )?;
    Ok(Done::quiet(Ok(user_id)))
}

/// A clinician account for a person the provider vouches for (`create` mode): no usable
/// password, linked to their identifier.
fn create_account(
    conn: &mut DbConn,
    identity: &Identity,
    email: Option<Email>,
    name: &str,
) -> AppResult<UserRow> {
    let email = email.ok_or_else(|| {
        crate::error::AppError::internal(anyhow::anyhow!("an account to create has no e-mail"))
    })?;
    // A name the provider sends that is not one line of text stands aside for the e-mail.
    let name = text::line("name", name, NAME_MAX_CHARS)
        .unwrap_or_else(|_| email.as_str().chars().take(NAME_MAX_CHARS).collect());
    let user = users::insert_account(
        conn,
        &NewAccount {
            email: &email,
            name: &name,
            password_hash: crate::auth::password::NO_PASSWORD,
            role: Role::Clinician,
            specialty: None,
            organization: None,
            external_id: Some(&identity.external_id),
        },
    )?;
    audit::record(
        conn,
        Audit {
            actor_id: None,
            action: "user.create",
            object_type: "user",
            object_id: Some(&user.id),
            detail: json!({ "role": user.role, "via": "oidc" }),
        },
    )?;
    Ok(user)
}

/// The account a one-time code was left for, and where its page goes next; `None` (audited)
/// when the code is unknown, used, expired, or its account was disabled meanwhile.
pub fn exchange(
    conn: &mut DbConn,
    code_hash: &str,
    now: NaiveDateTime,
) -> AppResult<Done<Option<(UserRow, String)>>> {
    let found = match sign_in::take_code(conn, code_hash)? {
        Some(code) if code.expires_at > now => Some(code),
        _ => None,
    };
    let Some(code) = found else {
        record_refusal_reason(conn, "bad_code", None, None)?;
        return Ok(Done::quiet(None));
    };
    match users::by_id(conn, &code.user_id)? {
        Some(user) if crate::usecase::accounts::may_sign_in(&user) => {
            Ok(Done::quiet(Some((user, code.return_to))))
        }
        _ => {
            record_refusal(conn, SignInFailure::Disabled, Some(&code.user_id), None)?;
            Ok(Done::quiet(None))
        }
    }
}

/// Records a sign-in through the provider that failed before any account was looked at (the
/// provider's error, an unanswered token endpoint, a token that failed its checks).
pub fn refused(conn: &mut DbConn, failure: SignInFailure) -> AppResult<Done<()>> {
    record_refusal(conn, failure, None, None)?;
    Ok(Done::quiet(()))
}

fn record_refusal(
    conn: &mut DbConn,
    failure: SignInFailure,
    user_id: Option<&str>,
    external_id: Option<&str>,
) -> AppResult<()> {
    record_refusal_reason(conn, failure.code(), user_id, external_id)
}

/// The audit row of a refused sign-in. The identifier at the provider is kept (a
/// practitioner's professional number, never a patient's), so that an administrator can link
/// the account of a person refused in `link` mode.
fn record_refusal_reason(
    conn: &mut DbConn,
    reason: &str,
    user_id: Option<&str>,
    external_id: Option<&str>,
) -> AppResult<()> {
    let mut detail = json!({ "reason": reason, "method": "oidc" });
    if let Some(external_id) = external_id {
        detail["external_id"] = json!(external_id);
    }
    super::accounts::login_failed(conn, user_id, detail)
}
