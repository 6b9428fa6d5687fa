//! The rules of signing in through an OpenID provider (API.md section 14): where the browser
//! may be sent back to, which account a person's claim names, why a sign-in fails, and who may
//! still sign in with a password when that is switched off.

use super::ValidationError;
use super::text;

/// A sign-in under way is valid this long after `/start`.
pub const PENDING_SECS: i64 = 600;
/// The one-time code of `/#/signed-in?code=` works once, this long.
pub const CODE_SECS: i64 = 60;
/// The longest `return_to` kept.
pub const RETURN_TO_MAX_CHARS: usize = 1000;
/// The longest identifier at the provider (an RPPS number is 11 digits, a `sub` often a UUID).
pub const EXTERNAL_ID_MAX_CHARS: usize = 255;

/// Why a sign-in through the provider failed: the `error` of `/#/sign-in?error=<code>`, which
/// the sign-in page shows in words, and the reason kept in the audit row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInFailure {
    /// The person cancelled at the provider (`access_denied`).
    Cancelled,
    /// The provider answered with another error.
    ProviderError,
    /// No sign-in under way matches: the state is unknown, altered, already used, or was
    /// started in another browser.
    BadState,
    /// The sign-in was started more than ten minutes ago.
    Expired,
    /// The provider's token endpoint refused the code or did not answer.
    TokenExchange,
    /// The ID token failed a check: signature, issuer, audience, expiry or nonce.
    BadToken,
    /// The token names nobody: the configured claim (or, to create an account, the e-mail) is
    /// missing or malformed.
    MissingClaim,
    /// `link` mode: no account carries this identifier.
    UnknownAccount,
    /// `create` mode: an account with this e-mail exists but is not linked to this identifier.
    AccountExists,
    /// The account is disabled.
    Disabled,
    /// Sign-in through a provider is not configured.
    Unavailable,
    /// `return_to` is not a path of this service.
    BadReturnTo,
}

impl SignInFailure {
    pub const ALL: [SignInFailure; 12] = [
        SignInFailure::Cancelled,
        SignInFailure::ProviderError,
        SignInFailure::BadState,
        SignInFailure::Expired,
        SignInFailure::TokenExchange,
        SignInFailure::BadToken,
        SignInFailure::MissingClaim,
        SignInFailure::UnknownAccount,
        SignInFailure::AccountExists,
        SignInFailure::Disabled,
        SignInFailure::Unavailable,
        SignInFailure::BadReturnTo,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SignInFailure::Cancelled => "cancelled",
            SignInFailure::ProviderError => "provider_error",
            SignInFailure::BadState => "bad_state",
            SignInFailure::Expired => "expired",
            SignInFailure::TokenExchange => "token_exchange",
            SignInFailure::BadToken => "bad_token",
            SignInFailure::MissingClaim => "missing_claim",
            SignInFailure::UnknownAccount => "unknown_account",
            SignInFailure::AccountExists => "account_exists",
            SignInFailure::Disabled => "disabled",
            SignInFailure::Unavailable => "unavailable",
            SignInFailure::BadReturnTo => "bad_return_to",
        }
    }

    /// What the provider's `error` parameter means for the person.
    pub fn of_provider_error(error: &str) -> SignInFailure {
        match error {
            "access_denied" | "consent_required" | "login_required" => SignInFailure::Cancelled,
            _ => SignInFailure::ProviderError,
        }
    }
}

/// Where the browser goes once signed in: a path of this service (`/`, `/#/dossiers/…`), never
/// another site. Absent or empty: `/`.
pub fn return_to(raw: Option<&str>) -> Result<String, SignInFailure> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok("/".to_string());
    };
    let local = raw.starts_with('/')
        // `//host` and `/\host` are other sites to a browser.
        && !raw[1..].starts_with(['/', '\\'])
        && !raw.contains('\\')
        && !raw.chars().any(|c| c.is_control() || c.is_whitespace())
        && raw.chars().count() <= RETURN_TO_MAX_CHARS;
    if local {
        Ok(raw.to_string())
    } else {
        Err(SignInFailure::BadReturnTo)
    }
}

/// An identifier at the provider as an administrator sets it: one line, trimmed, at most 255
/// characters; blank clears it.
pub fn external_id(field: &str, raw: Option<&str>) -> Result<Option<String>, ValidationError> {
    text::optional_line(field, raw, EXTERNAL_ID_MAX_CHARS)
}

/// The person a verified token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The configured claim's value (e.g. the RPPS number of `SubjectNameID`).
    pub external_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
}

/// The configured claim's value as an identifier: a non-empty string (or an integer, written
/// out) of at most 255 characters, without control characters.
pub fn claim_value(value: Option<&serde_json::Value>) -> Option<String> {
    let text = match value? {
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        _ => return None,
    };
    let fine = !text.is_empty()
        && text.chars().count() <= EXTERNAL_ID_MAX_CHARS
        && !text.chars().any(char::is_control);
    fine.then_some(text)
}

/// How the first sign-in of an unknown person is handled (`CONSILIUM_OIDC_PROVISION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisioning {
    /// Only accounts whose `external_id` equals the claim may sign in.
    Link,
    /// The first sign-in creates a clinician account from `email` and `name`.
    Create,
}

impl std::str::FromStr for Provisioning {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "link" => Ok(Provisioning::Link),
            "create" => Ok(Provisioning::Create),
            other => Err(format!("{other:?} is neither link nor create")),
        }
    }
}

/// What a verified identity leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountMatch {
    /// The linked account (by its id).
    Existing(String),
    /// A new clinician account with this e-mail and name.
    Create {
        email: String,
        name: String,
    },
    Refused(SignInFailure),
}

/// The account a person's identity names. `linked`: the account whose `external_id` is the
/// claim, with whether it is disabled; `email_taken`: whether the identity's e-mail already
/// names an account. An account is never linked by its e-mail alone: a provider's e-mail is
/// not proof that the person owns that account here.
pub fn match_account(
    mode: Provisioning,
    identity: &Identity,
    linked: Option<(&str, bool)>,
    email_taken: bool,
) -> AccountMatch {
    match (linked, mode) {
        (Some((_, true)), _) => AccountMatch::Refused(SignInFailure::Disabled),
        (Some((id, false)), _) => AccountMatch::Existing(id.to_string()),
        (None, Provisioning::Link) => AccountMatch::Refused(SignInFailure::UnknownAccount),
        (None, Provisioning::Create) => {
            let Some(email) = identity.email.clone().filter(|e| !e.trim().is_empty()) else {
                return AccountMatch::Refused(SignInFailure::MissingClaim);
            };
            if email_taken {
                return AccountMatch::Refused(SignInFailure::AccountExists);
            }
            let name = identity
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| email.clone());
            AccountMatch::Create { email, name }
        }
    }
}

/// Whether a password sign-in is allowed: always while password sign-in is on; only for
/// administrators (who must keep a way in when the provider is down) once it is off.
pub fn password_sign_in_allowed(password_login: bool, is_admin: bool) -> bool {
    password_login || is_admin
}

#[cfg(test)]
#[path = "sign_in_tests.rs"]
mod tests;
