//! The notifications a change causes (API.md section 12, "what notifies whom"), written as
//! inbox rows inside the transaction of that change: no change without its notifications, no
//! notification of a change rolled back. Each row also holds its mail's plan and, for a
//! session, the calendar part the mail carries.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::Event;
use crate::db::notifications::{self, NotificationRow};
use crate::db::sessions::{self, SessionRow};
use crate::db::{DbConn, boards, dossiers};
use crate::domain::board::BoardRole;
use crate::domain::meeting::concerned;
use crate::domain::notification::{Delivery, NotificationKind as Kind, plan_mail};
use crate::domain::notification_text::{Facts, Lang, subject};
use crate::error::AppResult;
use crate::export::ics::{self, Method, SessionEvent};

/// Writes the notifications `events` cause; one `Notified` event per recipient.
pub fn write(conn: &mut DbConn, delivery: &Delivery, events: &[Event]) -> AppResult<Vec<Event>> {
    let mut w = Writer {
        delivery,
        now: Utc::now(),
        told: BTreeSet::new(),
        notified: BTreeSet::new(),
    };
    for event in events {
        match event {
            Event::DossierSubmitted {
                dossier_id,
                board_id,
            } => {
                let to = coordinators(conn, board_id)?;
                w.dossier(conn, &to, Kind::DossierSubmitted, dossier_id, None)?;
            }
            Event::SessionPublished { session_id } => {
                let s = About::session(conn, session_id)?;
                let ics = w.calendar(&s, Method::Request);
                let to = s.concerned(conn)?;
                w.session(conn, &to, Kind::SessionPublished, &s, &ics)?;
                // Their invitation came with `session_published`.
                for (dossier_id, referrer) in sessions::agenda_referrers(conn, session_id)? {
                    w.dossier(
                        conn,
                        &[referrer],
                        Kind::DossierScheduled,
                        &dossier_id,
                        Some((&s, None)),
                    )?;
                }
            }
            Event::AgendaChanged {
                session_id,
                dossier_id,
                scheduled,
            } => {
                let s = About::session(conn, session_id)?;
                if s.row.published_at.is_none() {
                    continue;
                }
                let referrer = dossiers::get(conn, dossier_id)?.referrer_id;
                if *scheduled {
                    let ics = w.calendar(&s, Method::Request);
                    w.dossier(
                        conn,
                        &[referrer],
                        Kind::DossierScheduled,
                        dossier_id,
                        Some((&s, Some(&ics))),
                    )?;
                } else if !s.concerned(conn)?.contains(&referrer) {
                    // Their dossier left the agenda: the meeting leaves their calendar.
                    let ics = w.calendar(&s, Method::Cancel);
                    w.session(conn, &[referrer], Kind::SessionUpdated, &s, &ics)?;
                }
            }
            Event::SessionChanged { session_id } => {
                let s = About::session(conn, session_id)?;
                let ics = w.calendar(&s, Method::Request);
                let to = s.concerned(conn)?;
                w.session(conn, &to, Kind::SessionUpdated, &s, &ics)?;
            }
            Event::SessionCancelled {
                session_id,
                published: true,
            } => {
                let s = About::session(conn, session_id)?;
                let ics = w.calendar(&s, Method::Cancel);
                let to = s.concerned(conn)?;
                w.session(conn, &to, Kind::SessionCancelled, &s, &ics)?;
            }
            Event::DecisionRecorded {
                dossier_id,
                board_id,
                ..
            } => {
                let mut to = coordinators(conn, board_id)?;
                to.push(dossiers::get(conn, dossier_id)?.referrer_id);
                w.dossier(conn, &to, Kind::DecisionRecorded, dossier_id, None)?;
            }
            Event::FollowUpDue {
                dossier_id,
                referrer_id,
                ..
            } => {
                let to = [referrer_id.clone()];
                w.dossier(conn, &to, Kind::FollowUpDue, dossier_id, None)?;
            }
            _ => {}
        }
    }
    Ok(w.notified
        .into_iter()
        .map(|user_id| Event::Notified { user_id })
        .collect())
}

fn coordinators(conn: &mut DbConn, board_id: &str) -> AppResult<Vec<String>> {
    Ok(boards::members(conn, board_id)?
        .into_iter()
        .filter(|(_, role)| *role == BoardRole::Coordinator)
        .map(|(u, _)| u.id)
        .collect())
}

/// A session a notification is about, with its board's name.
struct About {
    row: SessionRow,
    board: String,
}

impl About {
    fn session(conn: &mut DbConn, id: &str) -> AppResult<About> {
        let row = sessions::get_record(conn, id)?.row;
        let board = boards::get(conn, &row.board_id)?.name;
        Ok(About { row, board })
    }

    /// Its board's members and coordinators, and the referrers of the dossiers on its agenda.
    fn concerned(&self, conn: &mut DbConn) -> AppResult<Vec<String>> {
        let members: Vec<String> = boards::members(conn, &self.row.board_id)?
            .into_iter()
            .map(|(u, _)| u.id)
            .collect();
        let referrers: Vec<String> = sessions::agenda_referrers(conn, &self.row.id)?
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        Ok(concerned(
            members.iter().map(String::as_str),
            referrers.iter().map(String::as_str),
        ))
    }

    fn at(&self) -> DateTime<Utc> {
        self.row.scheduled_at.and_utc()
    }
}

struct Writer<'a> {
    delivery: &'a Delivery,
    now: DateTime<Utc>,
    /// (user, session) pairs already told of a session in this transaction: one message each.
    told: BTreeSet<(String, String)>,
    notified: BTreeSet<String>,
}

impl Writer<'_> {
    fn calendar(&self, s: &About, method: Method) -> String {
        ics::calendar(
            &[SessionEvent {
                session: &s.row,
                board_name: &s.board,
                public_url: &self.delivery.public_url,
            }],
            Some(method),
            self.now,
        )
    }

    fn session(
        &mut self,
        conn: &mut DbConn,
        to: &[String],
        kind: Kind,
        s: &About,
        ics: &str,
    ) -> AppResult<()> {
        let facts = Facts {
            board: s.board.clone(),
            reference: None,
            session_at: Some(s.at()),
        };
        let link = format!("/#/sessions/{}", s.row.id);
        self.add(
            conn,
            to,
            kind,
            facts,
            link,
            None,
            Some((&s.row.id, Some(ics))),
        )
    }

    fn dossier(
        &mut self,
        conn: &mut DbConn,
        to: &[String],
        kind: Kind,
        dossier_id: &str,
        session: Option<(&About, Option<&str>)>,
    ) -> AppResult<()> {
        let dossier = dossiers::get(conn, dossier_id)?;
        let board = match session {
            Some((s, _)) => s.board.clone(),
            None => boards::get(conn, &dossier.board_id)?.name,
        };
        let facts = Facts {
            board,
            reference: Some(dossier.reference.clone()),
            session_at: session.map(|(s, _)| s.at()),
        };
        let link = format!("/#/dossiers/{dossier_id}");
        let session = session.map(|(s, ics)| (s.row.id.as_str(), ics));
        self.add(conn, to, kind, facts, link, Some(dossier_id), session)
    }

    /// One row per enabled recipient. A recipient already told of the same session in this
    /// transaction gets no second session message (`dossier_scheduled` is always written: it
    /// says more).
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        conn: &mut DbConn,
        to: &[String],
        kind: Kind,
        facts: Facts,
        link: String,
        dossier_id: Option<&str>,
        session: Option<(&str, Option<&str>)>,
    ) -> AppResult<()> {
        let ids: Vec<String> = to
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let now = crate::db::now();
        let zone = self.delivery.zone;
        let subject = subject(kind, &facts, zone, Lang::Fr);
        let facts_json = serde_json::to_string(&facts).unwrap_or_else(|_| "{}".into());
        for user in notifications::recipients(conn, &ids)? {
            if let Some((session_id, _)) = session
                && !self.told.insert((user.id.clone(), session_id.to_string()))
                && kind != Kind::DossierScheduled
            {
                continue;
            }
            let plan = plan_mail(user.preference, self.delivery.smtp, self.now, zone);
            notifications::insert(
                conn,
                NotificationRow {
                    id: String::new(),
                    user_id: user.id.clone(),
                    kind: kind.as_str().into(),
                    subject: subject.clone(),
                    link: link.clone(),
                    dossier_id: dossier_id.map(String::from),
                    session_id: session.map(|(id, _)| id.to_string()),
                    created_at: now,
                    read_at: None,
                    mail: plan.status.as_str().into(),
                    digest: plan.digest,
                    mail_due_at: plan.due_at,
                    mail_attempts: 0,
                    mail_error: None,
                    mailed_at: None,
                    calendar: session.and_then(|(_, ics)| ics.map(String::from)),
                    facts: facts_json.clone(),
                },
            )?;
            self.notified.insert(user.id);
        }
        Ok(())
    }
}
