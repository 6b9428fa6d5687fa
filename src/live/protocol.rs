//! The room protocol of API.md section 9: parsing client frames (pure, fuzzed) and writing
//! the server's messages.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::User;
use crate::db::room::Committed;
use crate::domain::ValidationError;
use crate::domain::imaging::{View, ViewFields};
use crate::domain::room_visibility::{Sight, Viewer};
use crate::error::AppError;
use crate::input::parse_value;

/// Largest frame accepted; a bigger one closes the socket with 1009.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// A client command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Hello {
        token: String,
        since: Option<i64>,
    },
    Chat {
        text: String,
    },
    Focus {
        dossier_id: String,
    },
    OpenVote {
        dossier_id: String,
        proposal: String,
        options: Vec<String>,
    },
    Cast {
        vote_id: String,
        option: String,
        comment: Option<String>,
    },
    CloseVote {
        vote_id: String,
        summary: String,
    },
    /// The chair hands the presenter's role on (API.md section 11).
    Present {
        user_id: String,
    },
    /// A member or coordinator marks a key image.
    Mark {
        attachment_id: String,
        series_uid: String,
        frame: u32,
        note: String,
    },
    /// The presenter shows the room a frame (ephemeral; relayed, coalesced).
    View(View),
    Ping,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Hello { .. } => "hello",
            Command::Chat { .. } => "chat",
            Command::Focus { .. } => "focus",
            Command::OpenVote { .. } => "open_vote",
            Command::Cast { .. } => "cast",
            Command::CloseVote { .. } => "close_vote",
            Command::Present { .. } => "present",
            Command::Mark { .. } => "mark",
            Command::View(_) => "view",
            Command::Ping => "ping",
        }
    }
}

/// A parsed frame: the command and its idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub command: Command,
    pub request_id: Option<String>,
}

/// Why a frame was refused: the `error` message to send back (the socket stays open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub request_id: Option<String>,
}

impl Refusal {
    pub fn invalid(err: ValidationError, request_id: Option<String>) -> Refusal {
        Refusal {
            code: "invalid_input",
            message: err.to_string(),
            field: Some(err.field),
            request_id,
        }
    }

    /// The refusal of a command that failed when applied.
    pub fn from_error(err: &AppError, request_id: Option<String>) -> Refusal {
        let code = match err {
            AppError::Invalid(_) | AppError::Incomplete(_) => "invalid_input",
            AppError::Forbidden(_) | AppError::Unauthenticated(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::TooLarge(_)
            | AppError::Unsupported(_)
            | AppError::RangeNotSatisfiable { .. }
            | AppError::BodyTimeout => "invalid_input",
            AppError::Unavailable(_)
            | AppError::BadGateway(_)
            | AppError::GatewayTimeout(_)
            | AppError::Internal(_) => "internal",
        };
        Refusal {
            code,
            message: err.public_detail(),
            field: match err {
                AppError::Invalid(v) => Some(v.field.clone()),
                _ => None,
            },
            request_id,
        }
    }

    pub fn to_json(&self) -> String {
        let mut m = Map::new();
        m.insert("type".into(), json!("error"));
        m.insert("code".into(), json!(self.code));
        m.insert("message".into(), json!(self.message));
        if let Some(f) = &self.field {
            m.insert("field".into(), json!(f));
        }
        if let Some(r) = &self.request_id {
            m.insert("request_id".into(), json!(r));
        }
        Value::Object(m).to_string()
    }
}

#[derive(Deserialize)]
struct Hello {
    token: String,
    since: Option<i64>,
}

#[derive(Deserialize)]
struct Chat {
    text: String,
}

#[derive(Deserialize)]
struct Focus {
    dossier_id: String,
}

#[derive(Deserialize)]
struct OpenVote {
    dossier_id: String,
    proposal: String,
    options: Vec<String>,
}

#[derive(Deserialize)]
struct Cast {
    vote_id: String,
    option: String,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct CloseVote {
    vote_id: String,
    summary: String,
}

#[derive(Deserialize)]
struct Present {
    user_id: String,
}

#[derive(Deserialize)]
struct Mark {
    attachment_id: String,
    series_uid: String,
    frame: u32,
    #[serde(default)]
    note: String,
}

/// Parses one text frame. Unknown members are ignored (the protocol may grow); a missing or
/// mistyped member is named in the refusal, which carries the frame's `request_id` when it
/// could be read.
pub fn parse(text: &str) -> Result<Incoming, Refusal> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Refusal::invalid(
            ValidationError::new("frame", format!("malformed JSON: {e}")),
            None,
        )
    })?;
    let Value::Object(mut map) = value else {
        return Err(Refusal::invalid(
            ValidationError::new("frame", "must be a JSON object"),
            None,
        ));
    };
    let request_id = match map.remove("request_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) => {
            Some(crate::domain::room::request_id(&r).map_err(|e| Refusal::invalid(e, None))?)
        }
        Some(_) => {
            return Err(Refusal::invalid(
                ValidationError::new("request_id", "must be a string"),
                None,
            ));
        }
    };
    let kind = match map.remove("type") {
        Some(Value::String(t)) => t,
        Some(_) => {
            return Err(Refusal::invalid(
                ValidationError::new("type", "must be a string"),
                request_id,
            ));
        }
        None => {
            return Err(Refusal::invalid(
                ValidationError::new("type", "is required"),
                request_id,
            ));
        }
    };
    let body = Value::Object(map);
    let fail = |e: ValidationError| Refusal::invalid(e, request_id.clone());
    let command = match kind.as_str() {
        "hello" => {
            let h: Hello = parse_value(body).map_err(fail)?;
            if h.since.is_some_and(|s| s < 0) {
                return Err(fail(ValidationError::new("since", "must not be negative")));
            }
            Command::Hello {
                token: h.token,
                since: h.since,
            }
        }
        "chat" => Command::Chat {
            text: parse_value::<Chat>(body).map_err(fail)?.text,
        },
        "focus" => Command::Focus {
            dossier_id: parse_value::<Focus>(body).map_err(fail)?.dossier_id,
        },
        "open_vote" => {
            let o: OpenVote = parse_value(body).map_err(fail)?;
            Command::OpenVote {
                dossier_id: o.dossier_id,
                proposal: o.proposal,
                options: o.options,
            }
        }
        "cast" => {
            let c: Cast = parse_value(body).map_err(fail)?;
            Command::Cast {
                vote_id: c.vote_id,
                option: c.option,
                comment: c.comment,
            }
        }
        "close_vote" => {
            let c: CloseVote = parse_value(body).map_err(fail)?;
            Command::CloseVote {
                vote_id: c.vote_id,
                summary: c.summary,
            }
        }
        "present" => Command::Present {
            user_id: parse_value::<Present>(body).map_err(fail)?.user_id,
        },
        "mark" => {
            let m: Mark = parse_value(body).map_err(fail)?;
            Command::Mark {
                attachment_id: m.attachment_id,
                series_uid: m.series_uid,
                frame: m.frame,
                note: m.note,
            }
        }
        "view" => Command::View(
            View::parse(parse_value::<ViewFields>(body).map_err(fail)?).map_err(fail)?,
        ),
        "ping" => Command::Ping,
        other => {
            let shown: String = other.chars().take(40).collect();
            return Err(fail(ValidationError::new(
                "type",
                format!("unknown message type {shown:?}"),
            )));
        }
    };
    Ok(Incoming {
        command,
        request_id,
    })
}

pub fn ack(request_id: Option<&str>, seq: Option<i64>) -> String {
    let mut m = Map::new();
    m.insert("type".into(), json!("ack"));
    m.insert("request_id".into(), json!(request_id));
    if let Some(s) = seq {
        m.insert("seq".into(), json!(s));
    }
    Value::Object(m).to_string()
}

/// A view as relayed to the others: `{"type":"view","by":User,...}` with the fields it was
/// sent with (`attachment_id` as stored).
pub fn view(by: &User, attachment_id: &str, v: &View) -> String {
    let mut m = Map::new();
    m.insert("type".into(), json!("view"));
    m.insert("by".into(), json!(by));
    m.insert("attachment_id".into(), json!(attachment_id));
    m.insert("series_uid".into(), json!(v.series_uid));
    m.insert("frame".into(), json!(v.frame));
    if let Some(w) = v.window {
        m.insert("wc".into(), json!(w.center));
        m.insert("ww".into(), json!(w.width));
    }
    if let Some(p) = v.preset {
        m.insert("preset".into(), json!(p.as_str()));
    }
    if let Some(z) = v.zoom {
        m.insert("zoom".into(), json!(z));
    }
    if let Some(c) = v.center {
        m.insert("center".into(), json!(c));
    }
    Value::Object(m).to_string()
}

pub fn pong() -> String {
    json!({"type": "pong"}).to_string()
}

/// How many have voted, who (never for what) and the quorum as if the vote closed now.
pub fn tally(vote_id: &str, cast: i64, standing: &crate::domain::decision::Standing) -> String {
    json!({
        "type": "tally",
        "vote_id": vote_id,
        "cast": cast,
        "voters": standing.voters,
        "quorum": standing.quorum,
    })
    .to_string()
}

pub fn presence(participants: Value) -> String {
    json!({"type": "presence", "participants": participants}).to_string()
}

/// A durable event as `viewer` may see it (`domain::room_visibility`): `None` when that is the
/// committed text itself, else the text to send instead. Hidden events keep their `seq` and
/// time, so that the sequence stays gap-free.
pub fn event_for(viewer: &Viewer, event: &Committed) -> Option<String> {
    let sight = viewer.event(&event.kind, event.dossier_id.as_deref(), &event.author_id);
    if sight == Sight::Whole {
        return None;
    }
    let parsed: Option<Value> = serde_json::from_str(&event.payload).ok();
    match (sight, parsed) {
        (Sight::FocusElsewhere, Some(mut focus)) if focus.is_object() => {
            focus["dossier_id"] = Value::Null;
            Some(focus.to_string())
        }
        (Sight::WithoutBallots, Some(mut closed)) if closed["decision"].is_object() => {
            closed["decision"]["ballots"] = json!([]);
            Some(closed.to_string())
        }
        (_, parsed) => {
            let at = parsed.as_ref().map_or(Value::Null, |p| p["at"].clone());
            Some(json!({"type": "hidden", "seq": event.seq, "at": at}).to_string())
        }
    }
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
