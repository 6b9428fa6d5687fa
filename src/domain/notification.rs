//! Notifications and the mails that carry them (API.md section 12): what kinds exist, how a
//! user's preference decides a notification's mail, when a failed mail is tried again and when
//! it is given up, and when the daily digest goes.

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use super::schedule::local_to_utc;
use crate::string_enum;

string_enum! {
    /// What a notification tells.
    pub enum NotificationKind {
        DossierSubmitted => "dossier_submitted",
        SessionPublished => "session_published",
        SessionUpdated => "session_updated",
        SessionCancelled => "session_cancelled",
        DossierScheduled => "dossier_scheduled",
        DecisionRecorded => "decision_recorded",
        FollowUpDue => "follow_up_due",
    }
}

string_enum! {
    /// How a user wants their notifications mailed.
    pub enum MailPreference {
        Immediate => "immediate",
        DailyDigest => "daily_digest",
        Off => "off",
    }
}

string_enum! {
    /// Where a notification's mail stands.
    pub enum MailStatus {
        Pending => "pending",
        Sent => "sent",
        Failed => "failed",
        Skipped => "skipped",
    }
}

/// What writing a notification needs to know of the service: whether mail is on, the time
/// zone its dates are worded in, and the base of its links.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub smtp: bool,
    pub zone: Tz,
    /// `CONSILIUM_PUBLIC_URL`, without a trailing `/`.
    pub public_url: String,
}

impl Default for Delivery {
    fn default() -> Delivery {
        Delivery {
            smtp: false,
            zone: chrono_tz::Europe::Paris,
            public_url: "http://localhost".into(),
        }
    }
}

/// A mail is tried again for this long after its notification, then given up (`failed`).
pub const GIVE_UP_AFTER_HOURS: i64 = 24;
/// The digest goes at this local time.
pub const DIGEST_HOUR: u32 = 7;

/// What becomes of a new notification's mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailPlan {
    pub status: MailStatus,
    /// Part of the daily digest rather than a mail of its own.
    pub digest: bool,
    /// When the sender may send it.
    pub due_at: Option<NaiveDateTime>,
}

/// A new notification's mail: none without SMTP or for a user who wants none; else now, or
/// in the next digest.
pub fn plan_mail(preference: MailPreference, smtp: bool, now: DateTime<Utc>, zone: Tz) -> MailPlan {
    let skipped = MailPlan {
        status: MailStatus::Skipped,
        digest: false,
        due_at: None,
    };
    match (smtp, preference) {
        (false, _) | (_, MailPreference::Off) => skipped,
        (true, MailPreference::Immediate) => MailPlan {
            status: MailStatus::Pending,
            digest: false,
            due_at: Some(now.naive_utc()),
        },
        (true, MailPreference::DailyDigest) => MailPlan {
            status: MailStatus::Pending,
            digest: true,
            due_at: Some(next_digest(now, zone).naive_utc()),
        },
    }
}

/// The next 07:00 local time strictly after `now`.
pub fn next_digest(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let seven = NaiveTime::from_hms_opt(DIGEST_HOUR, 0, 0).expect("a valid time");
    let today = now.with_timezone(&zone).date_naive();
    let at = local_to_utc(zone, today.and_time(seven));
    if at > now {
        at
    } else {
        local_to_utc(zone, (today + Duration::days(1)).and_time(seven))
    }
}

/// The first wait after a failed try (`CONSILIUM_MAIL_RETRY_MS` may shorten it, for tests).
pub const FIRST_RETRY: Duration = Duration::minutes(1);
/// The longest wait between two tries.
pub const LONGEST_RETRY: Duration = Duration::minutes(60);

/// How long to wait after `attempts` failed tries: `first`, twice that, four times … at most
/// an hour (1, 2, 4 … minutes by default).
pub fn retry_delay(attempts: i32, first: Duration) -> Duration {
    let exponent = attempts.clamp(1, 13) - 1;
    (first * (1i32 << exponent)).min(LONGEST_RETRY)
}

/// Whether a mail whose notification was made at `created_at` is given up at `now`.
pub fn gives_up(created_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    now - created_at >= Duration::hours(GIVE_UP_AFTER_HOURS)
}

/// What happens after a failed try: tried again at the returned time, or `None`: failed.
pub fn after_failure(
    created_at: NaiveDateTime,
    attempts: i32,
    now: NaiveDateTime,
    first: Duration,
) -> Option<NaiveDateTime> {
    let next = now + retry_delay(attempts, first);
    (!gives_up(created_at, now)).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::super::schedule::testing::{paris, utc};
    use super::*;

    #[test]
    fn preferences_decide_the_mail() {
        let now = utc("2026-11-30T12:00:00Z");
        let plan = |p, smtp| plan_mail(p, smtp, now, paris());
        assert_eq!(
            plan(MailPreference::Immediate, false).status,
            MailStatus::Skipped
        );
        assert_eq!(plan(MailPreference::Off, true).status, MailStatus::Skipped);
        let now_plan = plan(MailPreference::Immediate, true);
        assert_eq!(
            (now_plan.status, now_plan.digest, now_plan.due_at),
            (MailStatus::Pending, false, Some(now.naive_utc()))
        );
        let digest = plan(MailPreference::DailyDigest, true);
        assert!(digest.digest);
        // 07:00 in Paris in winter is 06:00Z, the next morning.
        assert_eq!(digest.due_at, Some(utc("2026-12-01T06:00:00Z").naive_utc()));
    }

    #[test]
    fn the_digest_goes_at_seven_local_time() {
        assert_eq!(
            next_digest(utc("2026-12-01T05:59:00Z"), paris()),
            utc("2026-12-01T06:00:00Z")
        );
        assert_eq!(
            next_digest(utc("2026-12-01T06:00:00Z"), paris()),
            utc("2026-12-02T06:00:00Z")
        );
        // Summer time: 05:00Z.
        assert_eq!(
            next_digest(utc("2027-06-01T12:00:00Z"), paris()),
            utc("2027-06-02T05:00:00Z")
        );
    }

    #[test]
    fn retries_back_off_then_give_up_after_a_day() {
        let delays: Vec<i64> = (1..=9)
            .map(|a| retry_delay(a, FIRST_RETRY).num_minutes())
            .collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
        let made = utc("2026-11-30T12:00:00Z").naive_utc();
        let later = |h| made + Duration::hours(h);
        assert_eq!(
            after_failure(made, 1, later(1), FIRST_RETRY),
            Some(later(1) + Duration::minutes(1))
        );
        assert_eq!(
            after_failure(made, 30, later(23), FIRST_RETRY),
            Some(later(24))
        );
        assert_eq!(after_failure(made, 31, later(24), FIRST_RETRY), None);
        assert!(!gives_up(made, later(23)));
        assert!(gives_up(made, later(24)));
    }
}
