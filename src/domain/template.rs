//! A board's dossier template (API.md section 13): the typed facts a board needs before it
//! can decide, checked when a referrer writes them, and the completeness gate at submission
//! (every missing item at once). Pure.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ValidationError;
use super::attachment::AttachmentKind;
use crate::string_enum;

string_enum! {
    /// What a field holds.
    pub enum FieldType {
        Text => "text",
        Number => "number",
        Date => "date",
        Choice => "choice",
        MultiChoice => "multi_choice",
        Boolean => "boolean",
    }
}

/// At most this many fields in a template, choices in a field, characters in a text value.
pub const MAX_FIELDS: usize = 100;
pub const MAX_CHOICES: usize = 100;
pub const MAX_TEXT_CHARS: usize = 5_000;
const MAX_LABEL_CHARS: usize = 200;
const MAX_HELP_CHARS: usize = 1_000;

/// One field of a template, as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Steps a number must fall on from `min` (e.g. EDSS: 0.5); an addition to the contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A board's template: its fields, and the kinds of attachment a dossier needs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Template {
    pub fields: Vec<FieldDef>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub requires_attachment: Vec<AttachmentKind>,
}

fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some('a'..='z'))
        && key.len() <= 40
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

fn words(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    super::text::line(field, value, max)
}

impl Template {
    /// Checks a template as a coordinator wrote it.
    pub fn check(self) -> Result<Template, ValidationError> {
        if self.fields.len() > MAX_FIELDS {
            return Err(ValidationError::new(
                "fields",
                format!("at most {MAX_FIELDS} fields"),
            ));
        }
        let mut keys = BTreeSet::new();
        let mut fields = Vec::with_capacity(self.fields.len());
        for (i, f) in self.fields.into_iter().enumerate() {
            let at = |name: &str| format!("fields[{i}].{name}");
            if !valid_key(&f.key) {
                return Err(ValidationError::new(
                    at("key"),
                    "must match [a-z][a-z0-9_]{0,39}",
                ));
            }
            if !keys.insert(f.key.clone()) {
                return Err(ValidationError::new(at("key"), "defined twice"));
            }
            let label = words(&at("label"), &f.label, MAX_LABEL_CHARS)?;
            let help = f
                .help
                .as_deref()
                .map(|h| super::text::paragraph(&at("help"), h, MAX_HELP_CHARS))
                .transpose()?;
            let choosing = matches!(f.kind, FieldType::Choice | FieldType::MultiChoice);
            let choices = match (choosing, f.choices) {
                (true, Some(list)) if !list.is_empty() && list.len() <= MAX_CHOICES => {
                    let mut seen = BTreeSet::new();
                    let mut out = Vec::with_capacity(list.len());
                    for (k, c) in list.iter().enumerate() {
                        let c = words(&format!("fields[{i}].choices[{k}]"), c, MAX_LABEL_CHARS)?;
                        if !seen.insert(c.clone()) {
                            return Err(ValidationError::new(
                                at("choices"),
                                "a choice is listed twice",
                            ));
                        }
                        out.push(c);
                    }
                    Some(out)
                }
                (true, _) => {
                    return Err(ValidationError::new(
                        at("choices"),
                        format!("a choice field needs 1 to {MAX_CHOICES} choices"),
                    ));
                }
                (false, Some(_)) => {
                    return Err(ValidationError::new(
                        at("choices"),
                        "only for choice fields",
                    ));
                }
                (false, None) => None,
            };
            let numeric = f.kind == FieldType::Number;
            for (name, v) in [("min", f.min), ("max", f.max), ("step", f.step)] {
                match v {
                    Some(_) if !numeric => {
                        return Err(ValidationError::new(at(name), "only for number fields"));
                    }
                    Some(x) if !x.is_finite() => {
                        return Err(ValidationError::new(at(name), "must be a finite number"));
                    }
                    _ => {}
                }
            }
            if let (Some(lo), Some(hi)) = (f.min, f.max)
                && lo > hi
            {
                return Err(ValidationError::new(at("min"), "is above max"));
            }
            if f.step.is_some_and(|s| s <= 0.0) {
                return Err(ValidationError::new(at("step"), "must be above 0"));
            }
            fields.push(FieldDef {
                label,
                help,
                choices,
                ..f
            });
        }
        let mut kinds = self.requires_attachment;
        kinds.sort_by_key(|k| k.as_str());
        kinds.dedup();
        Ok(Template {
            fields,
            requires_attachment: kinds,
        })
    }

    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Merges `patch` into `current` (a `null` removes a value) and checks every value given:
    /// 400 naming `fields.<key>` for an unknown key or a value of the wrong type or range.
    pub fn merge(
        &self,
        current: &Map<String, Value>,
        patch: &Map<String, Value>,
    ) -> Result<Map<String, Value>, ValidationError> {
        let mut out = current.clone();
        for (key, value) in patch {
            let name = format!("fields.{key}");
            let Some(def) = self.field(key) else {
                return Err(ValidationError::new(
                    name,
                    "is not a field of the board's template",
                ));
            };
            if value.is_null() {
                out.remove(key);
                continue;
            }
            out.insert(
                key.clone(),
                def.check_value(value)
                    .map_err(|m| ValidationError::new(name, m))?,
            );
        }
        Ok(out)
    }

    /// What a dossier still lacks to be submitted: each required field without a value
    /// (`fields.<key>`) and each required kind of attachment (`attachments.<kind>`).
    pub fn missing(&self, values: &Map<String, Value>, kinds: &[AttachmentKind]) -> Vec<String> {
        let fields = self
            .fields
            .iter()
            .filter(|f| f.required && !has_value(values.get(&f.key)))
            .map(|f| format!("fields.{}", f.key));
        let attachments = self
            .requires_attachment
            .iter()
            .filter(|k| !kinds.contains(k))
            .map(|k| format!("attachments.{}", k.as_str()));
        fields.chain(attachments).collect()
    }

    /// Counts per value of each `choice`/`boolean` field over `dossiers` (the report, §13).
    pub fn counts<'a>(
        &self,
        dossiers: impl Iterator<Item = &'a Map<String, Value>> + Clone,
    ) -> BTreeMap<String, BTreeMap<String, u64>> {
        let mut out = BTreeMap::new();
        for f in &self.fields {
            let values: Vec<String> = match f.kind {
                FieldType::Choice | FieldType::MultiChoice => f.choices.clone().unwrap_or_default(),
                FieldType::Boolean => vec!["true".into(), "false".into()],
                _ => continue,
            };
            let mut counts: BTreeMap<String, u64> = values.into_iter().map(|v| (v, 0)).collect();
            for d in dossiers.clone() {
                let chosen: Vec<String> = match d.get(&f.key) {
                    Some(Value::String(s)) => vec![s.clone()],
                    Some(Value::Bool(b)) => vec![b.to_string()],
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect(),
                    _ => Vec::new(),
                };
                for c in chosen {
                    if let Some(n) = counts.get_mut(&c) {
                        *n += 1;
                    }
                }
            }
            out.insert(f.key.clone(), counts);
        }
        out
    }
}

fn has_value(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

impl FieldDef {
    /// The value as stored, or why it does not fit the field.
    pub fn check_value(&self, value: &Value) -> Result<Value, String> {
        match (self.kind, value) {
            (FieldType::Text, Value::String(s)) => {
                let s = s.trim();
                if s.chars().count() > MAX_TEXT_CHARS {
                    return Err(format!("at most {MAX_TEXT_CHARS} characters"));
                }
                if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                    return Err("control characters are not allowed".into());
                }
                Ok(Value::String(s.to_string()))
            }
            (FieldType::Number, Value::Number(n)) => {
                let x = n
                    .as_f64()
                    .filter(|x| x.is_finite())
                    .ok_or("must be a finite number")?;
                if self.min.is_some_and(|lo| x < lo) || self.max.is_some_and(|hi| x > hi) {
                    return Err(match (self.min, self.max) {
                        (Some(lo), Some(hi)) => format!("must be between {lo} and {hi}"),
                        (Some(lo), None) => format!("must be at least {lo}"),
                        (_, Some(hi)) => format!("must be at most {hi}"),
                        _ => unreachable!("a bound was crossed"),
                    });
                }
                if let Some(step) = self.step {
                    let from = self.min.unwrap_or(0.0);
                    let k = (x - from) / step;
                    if (k - k.round()).abs() > 1e-9 {
                        return Err(format!("must be a multiple of {step}"));
                    }
                }
                Ok(value.clone())
            }
            (FieldType::Date, Value::String(s)) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| d.format("%Y-%m-%d").to_string() == *s)
                .map(|_| value.clone())
                .ok_or_else(|| "must be a date YYYY-MM-DD".to_string()),
            (FieldType::Choice, Value::String(s)) => {
                if self.choices.as_ref().is_some_and(|c| c.contains(s)) {
                    Ok(value.clone())
                } else {
                    Err("is not one of the field's choices".into())
                }
            }
            (FieldType::MultiChoice, Value::Array(items)) => {
                let choices = self.choices.clone().unwrap_or_default();
                let mut seen = BTreeSet::new();
                for item in items {
                    let Some(s) = item.as_str().filter(|s| choices.iter().any(|c| c == s)) else {
                        return Err("each value must be one of the field's choices".into());
                    };
                    if !seen.insert(s) {
                        return Err("a choice is given twice".into());
                    }
                }
                Ok(value.clone())
            }
            (FieldType::Boolean, Value::Bool(_)) => Ok(value.clone()),
            (kind, _) => Err(format!("must be a {} value", kind.as_str())),
        }
    }
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
