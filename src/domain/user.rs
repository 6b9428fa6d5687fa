//! Accounts: e-mail addresses, passwords, roles and the fields of a new user.

use super::{ValidationError, text};
use crate::string_enum;

string_enum! {
    /// What an account may do across the service. Board roles are separate (see `board`).
    pub enum Role { Admin => "admin", Clinician => "clinician" }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 1024;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const NAME_MAX_CHARS: usize = 200;
pub const SPECIALTY_MAX_CHARS: usize = 100;
pub const ORGANIZATION_MAX_CHARS: usize = 200;

/// An e-mail address as typed, plus the key that makes it unique regardless of letter case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    display: String,
    key: String,
}

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Email, ValidationError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(ValidationError::new(field, "must not be empty"));
        }
        if value.chars().count() > EMAIL_MAX_CHARS {
            return Err(ValidationError::new(
                field,
                format!("must be at most {EMAIL_MAX_CHARS} characters"),
            ));
        }
        let invalid =
            || ValidationError::new(field, "must be an e-mail address like name@example.org");
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || domain.is_empty()
            || local.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(invalid());
        }
        Ok(Email {
            display: value.to_string(),
            key: Email::key_of(value),
        })
    }

    /// The case-insensitive lookup key of an address (also used at login).
    pub fn key_of(raw: &str) -> String {
        raw.trim().to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.display
    }

    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A password that meets the policy. Never logged, never returned.
pub struct Password(String);

impl Password {
    pub fn parse(field: &str, raw: &str) -> Result<Password, ValidationError> {
        let count = raw.chars().count();
        if count < PASSWORD_MIN_CHARS {
            return Err(ValidationError::new(
                field,
                format!("must be at least {PASSWORD_MIN_CHARS} characters"),
            ));
        }
        if count > PASSWORD_MAX_CHARS {
            return Err(ValidationError::new(
                field,
                format!("must be at most {PASSWORD_MAX_CHARS} characters"),
            ));
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A validated new account.
#[derive(Debug)]
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub password: Password,
    pub role: Role,
    pub specialty: Option<String>,
    pub organization: Option<String>,
}

impl NewUser {
    pub fn parse(
        email: &str,
        name: &str,
        password: &str,
        role: Option<Role>,
        specialty: Option<&str>,
        organization: Option<&str>,
    ) -> Result<NewUser, ValidationError> {
        Ok(NewUser {
            email: Email::parse("email", email)?,
            name: text::line("name", name, NAME_MAX_CHARS)?,
            password: Password::parse("password", password)?,
            role: role.unwrap_or(Role::Clinician),
            specialty: text::optional_line("specialty", specialty, SPECIALTY_MAX_CHARS)?,
            organization: text::optional_line(
                "organization",
                organization,
                ORGANIZATION_MAX_CHARS,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_key_ignores_case() {
        let a = Email::parse("email", "Ada.Lovelace@Example.org").unwrap();
        let b = Email::parse("email", "ada.lovelace@example.ORG").unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(a.as_str(), "Ada.Lovelace@Example.org");
    }

    #[test]
    fn email_rejects_garbage() {
        for bad in [
            "",
            "plain",
            "a@b",
            "@x.org",
            "a@.org",
            "a b@x.org",
            "a@x..org",
            "a@x.org.",
        ] {
            let err = Email::parse("email", bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(Email::parse("email", &long).is_err());
    }

    #[test]
    fn password_policy() {
        assert!(Password::parse("password", "short").is_err());
        assert!(Password::parse("password", "0123456789").is_ok());
        assert!(Password::parse("password", &"x".repeat(1025)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("p", "0123456789").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn new_user_defaults_to_clinician() {
        let u = NewUser::parse("a@b.org", "Ada", "0123456789", None, Some(" "), None).unwrap();
        assert_eq!(u.role, Role::Clinician);
        assert_eq!(u.specialty, None);
    }

    #[test]
    fn role_round_trips_as_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), *role);
        }
        assert!(
            "root"
                .parse::<Role>()
                .unwrap_err()
                .contains("admin, clinician")
        );
    }
}

/// How long after a sign-in the tokens of its chain may still be refreshed (API.md section 16).
pub const SIGN_IN_LASTS_HOURS: i64 = 12;

/// When a token refreshed at `now` expires: `ttl_secs` later, but never after the sign-in's
/// twelve hours; `None` once they are over (the user signs in again).
pub fn refreshed_expiry(
    signed_in_at: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
    ttl_secs: i64,
) -> Option<chrono::NaiveDateTime> {
    let end = signed_in_at + chrono::Duration::hours(SIGN_IN_LASTS_HOURS);
    (now < end).then(|| (now + chrono::Duration::seconds(ttl_secs)).min(end))
}

#[cfg(test)]
mod refresh_tests {
    use super::*;

    #[test]
    fn a_sign_in_is_refreshed_for_twelve_hours_at_most() {
        let at = |h: i64, m: i64| {
            chrono::DateTime::from_timestamp(1_796_000_000 + h * 3600 + m * 60, 0)
                .unwrap()
                .naive_utc()
        };
        let signed_in = at(0, 0);
        assert_eq!(
            refreshed_expiry(signed_in, at(0, 50), 3600),
            Some(at(1, 50))
        );
        // The last hour: capped at the twelfth.
        assert_eq!(
            refreshed_expiry(signed_in, at(11, 30), 3600),
            Some(at(12, 0))
        );
        assert_eq!(refreshed_expiry(signed_in, at(12, 0), 3600), None);
        assert_eq!(refreshed_expiry(signed_in, at(13, 0), 3600), None);
    }
}

crate::string_enum! {
    /// The language of a user's pages, printable records and mails (French by default).
    pub enum Locale { Fr => "fr", En => "en" }
}
