//! Sessions as iCalendar (RFC 5545) with the `icalendar` crate: one `VEVENT` per session,
//! its `UID` stable, its times in UTC, its `SEQUENCE` growing with each change that is mailed.

use chrono::{DateTime, Duration, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus, Property};

use crate::api::utc;
use crate::db::sessions::SessionRow;
use crate::domain::room::SessionStatus;

/// Why a calendar is sent: an invitation or an update (`REQUEST`), a cancellation (`CANCEL`),
/// or none for a download or a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

/// What a session's event says.
pub struct SessionEvent<'a> {
    pub session: &'a SessionRow,
    pub board_name: &'a str,
    /// The service's public base URL (`CONSILIUM_PUBLIC_URL`), without a trailing `/`.
    pub public_url: &'a str,
}

/// The stable UID of a session's event.
pub fn uid(session_id: &str) -> String {
    format!("session-{session_id}@consilium")
}

/// The link to a session's live room.
pub fn room_url(public_url: &str, session_id: &str) -> String {
    format!("{public_url}/#/sessions/{session_id}/live")
}

fn event(e: &SessionEvent<'_>, now: DateTime<Utc>) -> icalendar::Event {
    let s = e.session;
    let start = utc(s.scheduled_at);
    let mut event = icalendar::Event::new();
    event
        .uid(&uid(&s.id))
        .timestamp(now)
        .starts(start)
        .ends(start + Duration::minutes(i64::from(s.duration_minutes)))
        .summary(&format!("{} — {}", e.board_name, s.title))
        .add_property("URL", room_url(e.public_url, &s.id))
        .add_property("SEQUENCE", s.sequence.max(0).to_string());
    if let Some(video) = &s.video_url {
        event.location(video);
    }
    event.status(if s.status() == SessionStatus::Cancelled {
        EventStatus::Cancelled
    } else {
        EventStatus::Confirmed
    });
    event.done()
}

/// A calendar of `events`, with `method` for a mailed invitation, update or cancellation.
pub fn calendar(events: &[SessionEvent<'_>], method: Option<Method>, now: DateTime<Utc>) -> String {
    let mut cal = Calendar::new();
    if let Some(method) = method {
        cal.append_property(Property::new(
            "METHOD",
            match method {
                Method::Request => "REQUEST",
                Method::Cancel => "CANCEL",
            },
        ));
    }
    for e in events {
        cal.push(event(e, now));
    }
    cal.done().to_string()
}
