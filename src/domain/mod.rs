//! Plain Rust rules of the service: no I/O, no framework types. Most unit tests live here.

pub mod access;
pub mod attachment;
pub mod audit;
pub mod board;
pub mod board_access;
pub mod canonical;
pub mod decision;
pub mod dossier;
pub mod follow_up;
pub mod imaging;
pub mod meeting;
pub mod notification;
pub mod notification_text;
pub mod pacs;
pub mod quorum;
pub mod report;
pub mod resample;
pub mod room;
pub mod room_access;
pub mod room_visibility;
pub mod schedule;
pub mod sign_in;
pub mod sniff;
pub mod template;
pub mod text;
pub mod user;

use std::fmt;

/// Input that breaks a rule, with the field that broke it (dotted path for nested fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error seen from an enclosing object: `pseudonym` becomes `patient.pseudonym`.
    pub fn within(self, parent: &str) -> Self {
        ValidationError {
            field: format!("{parent}.{}", self.field),
            message: self.message,
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}

/// A closed set of lowercase words, stored as text and sent as JSON strings.
/// Generates `as_str`, `ALL`, `FromStr` (error lists the allowed values) and `Display`.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        // Written by hand: the derive does not see `serde(rename)` through the macro, and the
        // schema must list the words as they travel.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "unknown value {:?}; expected one of: {}",
                        s,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
