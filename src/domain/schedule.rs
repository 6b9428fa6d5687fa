//! A board's weekly meeting slot and the sessions planned from it (API.md section 12). Times
//! are local to the service's time zone (`CONSILIUM_TIMEZONE`); sessions are stored in UTC, so
//! a Tuesday 17:30 slot in Paris is 16:30Z in winter and 15:30Z in summer.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::ValidationError;
use super::room::SESSION_TITLE_MAX_CHARS;
use super::text;

pub const MIN_DURATION_MINUTES: i64 = 15;
pub const MAX_DURATION_MINUTES: i64 = 480;
/// A session's length when nobody said (API.md section 12).
pub const DEFAULT_DURATION_MINUTES: i64 = 90;
pub const MAX_PLANNED_WEEKS: i64 = 26;

const WEEKDAYS: [(&str, chrono::Weekday); 7] = [
    ("monday", chrono::Weekday::Mon),
    ("tuesday", chrono::Weekday::Tue),
    ("wednesday", chrono::Weekday::Wed),
    ("thursday", chrono::Weekday::Thu),
    ("friday", chrono::Weekday::Fri),
    ("saturday", chrono::Weekday::Sat),
    ("sunday", chrono::Weekday::Sun),
];

/// A board's weekly slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub weekday: chrono::Weekday,
    /// Local wall-clock time, to the minute.
    pub time: NaiveTime,
    pub duration_minutes: i64,
    pub title: Option<String>,
    pub video_url: Option<String>,
}

/// The name of a weekday as the contract spells it.
pub fn weekday_name(day: chrono::Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(_, d)| *d == day)
        .map_or("monday", |(name, _)| name)
}

impl Schedule {
    /// Checks every field of a `PUT …/schedule` body; the error names the first bad one.
    pub fn parse(
        weekday: &str,
        time: &str,
        duration_minutes: i64,
        title: Option<&str>,
        video_url: Option<&str>,
    ) -> Result<Schedule, ValidationError> {
        let weekday = WEEKDAYS
            .iter()
            .find(|(name, _)| *name == weekday)
            .map(|(_, d)| *d)
            .ok_or_else(|| ValidationError::new("weekday", "must be monday … sunday"))?;
        let time = parse_time(time)?;
        let duration_minutes = duration(duration_minutes)?;
        let title = text::optional_line("title", title, SESSION_TITLE_MAX_CHARS)?;
        let video_url = super::room::video_url(video_url)?;
        Ok(Schedule {
            weekday,
            time,
            duration_minutes,
            title,
            video_url,
        })
    }

    /// The `weeks` slots after `now` (the first within seven days), in UTC.
    pub fn slots(&self, now: DateTime<Utc>, zone: Tz, weeks: i64) -> Vec<DateTime<Utc>> {
        let today = now.with_timezone(&zone).date_naive();
        let ahead =
            (7 + self.weekday.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
        let mut day = today + Duration::days(i64::from(ahead));
        let mut slots = Vec::new();
        while slots.len() < weeks.clamp(0, MAX_PLANNED_WEEKS) as usize {
            let at = local_to_utc(zone, day.and_time(self.time));
            if at > now {
                slots.push(at);
            }
            day += Duration::days(7);
        }
        slots
    }
}

/// `HH:MM`, 00:00 to 23:59.
fn parse_time(raw: &str) -> Result<NaiveTime, ValidationError> {
    let bad = || ValidationError::new("time", "must be HH:MM (00:00 to 23:59)");
    let (h, m) = raw.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    NaiveTime::from_hms_opt(
        h.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        0,
    )
    .ok_or_else(bad)
}

/// A session's length in minutes, 15 to 480.
pub fn duration(minutes: i64) -> Result<i64, ValidationError> {
    if (MIN_DURATION_MINUTES..=MAX_DURATION_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(ValidationError::new(
            "duration_minutes",
            format!("must be between {MIN_DURATION_MINUTES} and {MAX_DURATION_MINUTES}"),
        ))
    }
}

/// How many weeks to plan, 1 to 26.
pub fn weeks(raw: i64) -> Result<i64, ValidationError> {
    if (1..=MAX_PLANNED_WEEKS).contains(&raw) {
        Ok(raw)
    } else {
        Err(ValidationError::new(
            "weeks",
            format!("must be between 1 and {MAX_PLANNED_WEEKS}"),
        ))
    }
}

/// A local wall-clock time in UTC. In the autumn hour that happens twice, the first; in the
/// spring hour that does not happen, the same time an hour later (17:30 never falls there,
/// but 02:30 does).
pub fn local_to_utc(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let resolved = zone.from_local_datetime(&local).earliest().or_else(|| {
        zone.from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
    });
    resolved.map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
}

/// A UTC time on the wall clock of `zone`.
pub fn utc_to_local(zone: Tz, at: NaiveDateTime) -> NaiveDateTime {
    Utc.from_utc_datetime(&at)
        .with_timezone(&zone)
        .naive_local()
}

/// The local date of a UTC time.
pub fn local_date(zone: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

/// The time zone and instants the time tests of `domain` speak in.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    pub fn paris() -> Tz {
        "Europe/Paris".parse().unwrap()
    }

    pub fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{paris, utc};
    use super::*;

    fn tuesday() -> Schedule {
        Schedule::parse("tuesday", "17:30", 90, None, None).unwrap()
    }

    #[test]
    fn twenty_six_tuesdays_across_both_changes_of_time() {
        // Monday 2026-11-30 noon UTC: the first slot is the next day.
        let slots = tuesday().slots(utc("2026-11-30T12:00:00Z"), paris(), 26);
        assert_eq!(slots.len(), 26);
        assert_eq!(slots[0], utc("2026-12-01T16:30:00Z"));
        for pair in slots.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap == Duration::days(7) || (gap - Duration::days(7)).num_hours().abs() == 1);
        }
        for at in &slots {
            let local = at.with_timezone(&paris());
            assert_eq!(local.format("%A %H:%M").to_string(), "Tuesday 17:30");
            // Summer time in Paris from 2027-03-28 to 2027-10-31.
            let summer = *at > utc("2027-03-28T01:00:00Z");
            let hour = if summer { 15 } else { 16 };
            assert_eq!(at.format("%H:%M").to_string(), format!("{hour}:30"), "{at}");
        }
        assert_eq!(slots[25], utc("2027-05-25T15:30:00Z"));
    }

    #[test]
    fn the_first_slot_is_within_seven_days_and_after_now() {
        // On the Tuesday itself, before and after the meeting.
        let before = tuesday().slots(utc("2026-12-01T10:00:00Z"), paris(), 1);
        assert_eq!(before, vec![utc("2026-12-01T16:30:00Z")]);
        let after = tuesday().slots(utc("2026-12-01T17:00:00Z"), paris(), 1);
        assert_eq!(after, vec![utc("2026-12-08T16:30:00Z")]);
        // Late Monday evening UTC is already Tuesday in Paris: the slot is twenty minutes away.
        let s = Schedule::parse("tuesday", "00:30", 60, None, None).unwrap();
        let late = s.slots(utc("2026-11-30T23:10:00Z"), paris(), 1);
        assert_eq!(late, vec![utc("2026-11-30T23:30:00Z")]);
    }

    #[test]
    fn times_that_do_not_happen_or_happen_twice() {
        let z = paris();
        let gap = NaiveDate::from_ymd_opt(2027, 3, 28)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(local_to_utc(z, gap), utc("2027-03-28T01:30:00Z"));
        let twice = NaiveDate::from_ymd_opt(2027, 10, 31)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(local_to_utc(z, twice), utc("2027-10-31T00:30:00Z"));
        assert_eq!(
            utc_to_local(z, utc("2027-06-01T15:30:00Z").naive_utc()),
            NaiveDate::from_ymd_opt(2027, 6, 1)
                .unwrap()
                .and_hms_opt(17, 30, 0)
                .unwrap()
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let field = |r: Result<Schedule, ValidationError>| r.unwrap_err().field;
        assert_eq!(
            field(Schedule::parse("Tuesday", "17:30", 90, None, None)),
            "weekday"
        );
        assert_eq!(
            field(Schedule::parse("mardi", "17:30", 90, None, None)),
            "weekday"
        );
        for t in [
            "24:00",
            "17:60",
            "7:30",
            "17h30",
            "17:30:00",
            "",
            "+1:30",
            "١٧:٣٠",
        ] {
            assert_eq!(
                field(Schedule::parse("tuesday", t, 90, None, None)),
                "time",
                "{t}"
            );
        }
        for d in [0, 14, 481, -90] {
            assert_eq!(
                field(Schedule::parse("tuesday", "17:30", d, None, None)),
                "duration_minutes"
            );
        }
        assert_eq!(
            field(Schedule::parse(
                "tuesday",
                "17:30",
                90,
                None,
                Some("javascript:x")
            )),
            "video_url"
        );
        let long = "x".repeat(SESSION_TITLE_MAX_CHARS + 1);
        assert_eq!(
            field(Schedule::parse("tuesday", "17:30", 90, Some(&long), None)),
            "title"
        );
        assert_eq!(weeks(0).unwrap_err().field, "weeks");
        assert_eq!(weeks(27).unwrap_err().field, "weeks");
        assert_eq!(weeks(26), Ok(26));
        assert_eq!(weekday_name(chrono::Weekday::Sun), "sunday");
    }
}
