//! Parsing what a person or a program sends: JSON values and query strings into typed values,
//! with errors that name the offending field (`patient.sex: unknown variant ...`), ids, times
//! and list bounds. No framework here: the HTTP extractors (`http::input`), the live room and
//! the command line all use these.

use serde::de::DeserializeOwned;

use crate::domain::ValidationError;
use crate::error::{AppError, AppResult};

/// Parses JSON into `T`, naming the field of the first error. Syntax is checked first, on the
/// whole body, so that a value of the wrong kind is never mistaken for malformed JSON. Every
/// body of the API is an object (serde would otherwise accept an array for a struct).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> AppResult<T> {
    let StrictValue(value) = serde_json::from_slice(bytes)
        .map_err(|e| ValidationError::new("body", format!("malformed JSON: {e}")))?;
    if !value.is_object() {
        return Err(ValidationError::new("body", "must be a JSON object").into());
    }
    Ok(parse_value(value)?)
}

/// A JSON value in which no object names a key twice. RFC 8259 leaves duplicate names to the
/// parser, and serde keeps the last one silently: `{"consent":false,"consent":true}` would
/// read differently here and in a proxy or log reader that keeps the first.
struct StrictValue(serde_json::Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error;
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(A::Error::custom(format!("the key `{key}` appears twice")));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

/// Deserializes an already parsed JSON value into `T`, naming the field of the first error.
pub fn parse_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ValidationError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        field_error(&path, &e.into_inner().to_string())
    })
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> AppResult<T> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        field_error(&path, &e.into_inner().to_string()).into()
    })
}

/// Turns serde's message and path into a field error. Serde reports a missing field at its
/// parent, so its name is taken from the message; an unknown field is reported at itself.
fn field_error(path: &str, message: &str) -> ValidationError {
    let parent = if path == "." { "" } else { path };
    if let Some(rest) = message.strip_prefix("missing field `")
        && let Some(name) = rest.split('`').next()
    {
        let field = if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        };
        return ValidationError::new(field, "is required");
    }
    if message.starts_with("unknown field `") && !parent.is_empty() {
        // The path already ends with the unknown field's name.
        return ValidationError::new(parent, "is not a known field");
    }
    let field = if parent.is_empty() { "body" } else { parent };
    // Drop serde_json's "at line 1 column 42" suffix: the field name says where.
    let message = match message.find(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    ValidationError::new(field, message)
}

/// An id from the path. Anything that is not a UUID cannot name a thing: 404.
/// For `#[serde(default, deserialize_with = "present")]` on an `Option<Option<T>>`: absent is
/// `None`, `null` is `Some(None)`, a value is `Some(Some(v))`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

pub fn path_id(raw: &str, what: &str) -> AppResult<String> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| AppError::not_found(what))
}

/// An id in a body or query field: 400 naming the field if it is not a UUID.
pub fn field_id(field: &str, raw: &str) -> Result<String, ValidationError> {
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| u.to_string())
        .map_err(|_| ValidationError::new(field, "must be an id (UUID)"))
}

/// A time in a body or query: RFC 3339 (`2026-11-24T16:30:00Z`), stored as naive UTC.
pub fn field_time(field: &str, raw: &str) -> Result<chrono::NaiveDateTime, ValidationError> {
    let t = chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map_err(|_| {
            ValidationError::new(field, "must be an RFC 3339 time like 2026-11-24T16:30:00Z")
        })?
        .naive_utc();
    if !(2000..=2200).contains(&chrono::Datelike::year(&t)) {
        return Err(ValidationError::new(
            field,
            "must be between the years 2000 and 2200",
        ));
    }
    Ok(t)
}

/// A bound of a date range in a query: a day (`2026-11-24`) or an RFC 3339 time. A day as the
/// upper bound includes the whole day.
pub fn date_bound(
    field: &str,
    raw: &str,
    upper: bool,
) -> Result<chrono::NaiveDateTime, ValidationError> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
        let day = if upper {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        return day
            .and_hms_opt(0, 0, 0)
            .ok_or_else(|| ValidationError::new(field, "is not a valid date"));
    }
    field_time(field, raw)
        .map_err(|_| ValidationError::new(field, "must be a date (2026-11-24) or an RFC 3339 time"))
}

/// Default and largest `limit` of a list.
pub const LIST_DEFAULT_LIMIT: i64 = 200;
pub const LIST_MAX_LIMIT: i64 = 500;

/// Limit and offset of a list, within bounds.
pub fn page_bounds(limit: Option<i64>, offset: Option<i64>) -> Result<(i64, i64), ValidationError> {
    let limit = limit.unwrap_or(LIST_DEFAULT_LIMIT);
    if !(1..=LIST_MAX_LIMIT).contains(&limit) {
        return Err(ValidationError::new(
            "limit",
            format!("must be between 1 and {LIST_MAX_LIMIT}"),
        ));
    }
    let offset = offset.unwrap_or(0);
    if !(0..=1_000_000).contains(&offset) {
        return Err(ValidationError::new(
            "offset",
            "must be between 0 and 1000000",
        ));
    }
    Ok((limit, offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        sex: Option<crate::domain::dossier::Sex>,
        year: Option<i64>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        title: String,
        patient: Inner,
    }

    fn field_of(json: &str) -> String {
        match parse_json::<Outer>(json.as_bytes()) {
            Err(AppError::Invalid(v)) => v.field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn names_the_field() {
        assert_eq!(field_of(r#"{"patient":{}}"#), "title");
        assert_eq!(field_of(r#"{"title":"t"}"#), "patient");
        assert_eq!(field_of(r#"{"title":1,"patient":{}}"#), "title");
        assert_eq!(
            field_of(r#"{"title":"t","patient":{"sex":"x"}}"#),
            "patient.sex"
        );
        assert_eq!(
            field_of(r#"{"title":"t","patient":{"year":"1"}}"#),
            "patient.year"
        );
        assert_eq!(field_of(r#"{"title":"t","patient":{},"x":1}"#), "x");
        assert_eq!(field_of(r#"{"title":"t","#), "body");
        assert_eq!(field_of(r#""#), "body");
        assert_eq!(field_of(r#"{"title":"t","patient":{}} trailing"#), "body");
        assert_eq!(field_of(r#"[]"#), "body");
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        for json in [
            r#"{"title":"t","title":"u","patient":{}}"#,
            r#"{"title":"t","patient":{"year":1,"year":2}}"#,
        ] {
            match parse_json::<Outer>(json.as_bytes()) {
                Err(AppError::Invalid(v)) => {
                    assert_eq!(v.field, "body");
                    assert!(v.to_string().contains("appears twice"), "{v}");
                }
                other => panic!("{json}: expected invalid input, got {other:?}"),
            }
        }
        assert!(parse_json::<Outer>(br#"{"title":"t","patient":{"year":1.5e0}}"#).is_err());
        assert!(parse_json::<Outer>(br#"{"title":"t","patient":{"year":1}}"#).is_ok());
    }

    #[test]
    fn times_and_dates() {
        assert!(field_time("t", "2026-11-24T16:30:00Z").is_ok());
        assert!(field_time("t", "2026-11-24T16:30:00+01:00").is_ok());
        assert_eq!(field_time("t", "tomorrow").unwrap_err().field, "t");
        assert!(field_time("t", "1066-10-14T09:00:00Z").is_err());
        let from = date_bound("from", "2026-01-01", false).unwrap();
        let to = date_bound("to", "2026-01-31", true).unwrap();
        assert_eq!(from.to_string(), "2026-01-01 00:00:00");
        assert_eq!(to.to_string(), "2026-02-01 00:00:00");
        assert!(date_bound("to", "31/01/2026", true).is_err());
    }

    #[test]
    fn query_fields() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Q {
            status: Option<crate::domain::dossier::DossierStatus>,
            limit: Option<i64>,
        }
        assert!(parse_query::<Q>("status=draft&limit=5").is_ok());
        match parse_query::<Q>("status=nope") {
            Err(AppError::Invalid(v)) => assert_eq!(v.field, "status"),
            other => panic!("{other:?}"),
        }
        match parse_query::<Q>("limit=abc") {
            Err(AppError::Invalid(v)) => assert_eq!(v.field, "limit"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn page_bounds_and_ids() {
        assert_eq!(page_bounds(None, None), Ok((LIST_DEFAULT_LIMIT, 0)));
        assert_eq!(page_bounds(Some(500), Some(10)), Ok((500, 10)));
        assert_eq!(page_bounds(Some(0), None).unwrap_err().field, "limit");
        assert_eq!(page_bounds(Some(501), None).unwrap_err().field, "limit");
        assert_eq!(page_bounds(None, Some(-1)).unwrap_err().field, "offset");
        let id = "6f1c2a3e-0000-4000-8000-000000000001";
        assert_eq!(field_id("board_id", &format!(" {id} ")).unwrap(), id);
        assert_eq!(field_id("board_id", "x").unwrap_err().field, "board_id");
        assert!(path_id(id, "dossier").is_ok());
        assert!(matches!(
            path_id("x", "dossier"),
            Err(AppError::NotFound(_))
        ));
    }
}
