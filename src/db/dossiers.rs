//! Dossier rows: creation with a unique reference, the visible list, content and status
//! writes. The rules that decide who may do what are in `usecase::dossiers`.

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;

use super::attachments::{self, AttachmentRow};
use super::decisions::{self, DecisionRow};
use super::schema::{board_members, dossiers};
use super::users::{self, UserRow};
use super::{DbConn, counters, new_id, now};
use crate::domain::dossier::{DossierContent, DossierStatus, Patient, reference};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = dossiers)]
pub struct DossierRow {
    pub id: String,
    pub reference: String,
    pub board_id: String,
    pub referrer_id: String,
    pub title: String,
    pub patient_pseudonym: String,
    pub patient_birth_year: Option<i32>,
    pub patient_sex: Option<String>,
    pub question: String,
    pub history: String,
    pub urgency: String,
    pub consent: bool,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    /// The template fields' values, a JSON object (API.md section 13).
    pub fields: String,
    pub template_version: Option<i32>,
}

impl DossierRow {
    /// The template fields' values (an empty object when unreadable).
    pub fn field_values(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }

    pub fn status(&self) -> DossierStatus {
        self.status.parse().unwrap_or(DossierStatus::Draft)
    }

    pub fn patient(&self) -> Patient {
        Patient {
            pseudonym: self.patient_pseudonym.clone(),
            birth_year: self.patient_birth_year,
            sex: self.patient_sex.as_deref().and_then(|s| s.parse().ok()),
        }
    }

    pub fn content(&self) -> DossierContent {
        DossierContent {
            title: self.title.clone(),
            patient: self.patient(),
            question: self.question.clone(),
            history: self.history.clone(),
            urgency: self.urgency.parse().unwrap_or_default(),
            consent: self.consent,
        }
    }
}

/// A dossier with what its JSON shows besides its own row.
#[derive(Debug, Clone)]
pub struct DossierRecord {
    pub row: DossierRow,
    pub referrer: UserRow,
    pub decision: Option<DecisionRow>,
    pub attachments: Vec<AttachmentRow>,
}

pub fn by_id(conn: &mut DbConn, id: &str) -> AppResult<Option<DossierRow>> {
    Ok(dossiers::table
        .find(id)
        .select(DossierRow::as_select())
        .first(conn)
        .optional()?)
}

/// Adds what the JSON shows besides the row.
pub fn record(conn: &mut DbConn, row: DossierRow) -> AppResult<DossierRecord> {
    let referrer = users::by_id(conn, &row.referrer_id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("dossier without referrer")))?;
    let decision = decisions::latest_for_dossier(conn, &row.id)?;
    let attachments = attachments::for_dossiers(conn, std::slice::from_ref(&row.id))?;
    Ok(DossierRecord {
        row,
        referrer,
        decision,
        attachments,
    })
}

fn records(conn: &mut DbConn, rows: Vec<DossierRow>) -> AppResult<Vec<DossierRecord>> {
    let mut ids: Vec<String> = rows.iter().map(|r| r.referrer_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let referrers = users::by_ids(conn, &ids)?;
    let dossier_ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut attachments_of: std::collections::HashMap<String, Vec<AttachmentRow>> =
        std::collections::HashMap::new();
    for a in attachments::for_dossiers(conn, &dossier_ids)? {
        attachments_of
            .entry(a.dossier_id.clone())
            .or_default()
            .push(a);
    }
    rows.into_iter()
        .map(|row| {
            let referrer = referrers
                .iter()
                .find(|u| u.id == row.referrer_id)
                .cloned()
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("dossier without referrer")))?;
            let decision = decisions::latest_for_dossier(conn, &row.id)?;
            let attachments = attachments_of.remove(&row.id).unwrap_or_default();
            Ok(DossierRecord {
                row,
                referrer,
                decision,
                attachments,
            })
        })
        .collect()
}

/// Inserts a draft with the next reference of the year; returns its id.
pub fn insert(
    conn: &mut DbConn,
    referrer_id: &str,
    board_id: &str,
    content: &DossierContent,
) -> AppResult<String> {
    let created_at = now();
    let year = created_at.year();
    let number = counters::next(conn, &format!("dossier-{year}"))?;
    let id = new_id();
    diesel::insert_into(dossiers::table)
        .values((
            dossiers::id.eq(&id),
            dossiers::reference.eq(reference(year, number)),
            dossiers::board_id.eq(board_id),
            dossiers::referrer_id.eq(referrer_id),
            dossiers::title.eq(&content.title),
            dossiers::patient_pseudonym.eq(&content.patient.pseudonym),
            dossiers::patient_birth_year.eq(content.patient.birth_year),
            dossiers::patient_sex.eq(content.patient.sex.map(|s| s.as_str())),
            dossiers::question.eq(&content.question),
            dossiers::history.eq(&content.history),
            dossiers::urgency.eq(content.urgency.as_str()),
            dossiers::consent.eq(content.consent),
            dossiers::status.eq(DossierStatus::Draft.as_str()),
            dossiers::created_at.eq(created_at),
            dossiers::updated_at.eq(created_at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Sets a dossier's template fields and the template version they follow.
pub fn set_fields(
    conn: &mut DbConn,
    id: &str,
    values: &serde_json::Map<String, serde_json::Value>,
    template_version: Option<i32>,
) -> AppResult<()> {
    diesel::update(dossiers::table.find(id))
        .set((
            dossiers::fields.eq(serde_json::Value::Object(values.clone()).to_string()),
            dossiers::template_version.eq(template_version),
            dossiers::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The dossier, or 404.
pub fn get(conn: &mut DbConn, id: &str) -> AppResult<DossierRow> {
    by_id(conn, id)?.ok_or_else(|| AppError::not_found("dossier"))
}

/// Filters of the dossier list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub board_id: Option<String>,
    pub status: Option<DossierStatus>,
    pub limit: i64,
    pub offset: i64,
}

/// Dossiers newest first: those referred by `visible_to` or referred to a board they belong
/// to, or every dossier if `None`.
pub fn list(
    conn: &mut DbConn,
    visible_to: Option<&str>,
    filter: &ListFilter,
) -> AppResult<Vec<DossierRecord>> {
    let mut query = dossiers::table.select(DossierRow::as_select()).into_boxed();
    if let Some(user_id) = visible_to {
        let my_boards = board_members::table
            .filter(board_members::user_id.eq(user_id.to_string()))
            .select(board_members::board_id);
        query = query.filter(
            dossiers::referrer_id
                .eq(user_id.to_string())
                .or(dossiers::board_id.eq_any(my_boards)),
        );
    }
    if let Some(board_id) = &filter.board_id {
        query = query.filter(dossiers::board_id.eq(board_id.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(dossiers::status.eq(status.as_str()));
    }
    let rows = query
        .order((dossiers::created_at.desc(), dossiers::id.desc()))
        .limit(filter.limit)
        .offset(filter.offset)
        .load(conn)?;
    records(conn, rows)
}

/// Writes new content, provided the status is still `status`.
pub fn update_content(
    conn: &mut DbConn,
    id: &str,
    status: DossierStatus,
    next: &DossierContent,
) -> AppResult<()> {
    let n = diesel::update(
        dossiers::table
            .filter(dossiers::id.eq(id))
            .filter(dossiers::status.eq(status.as_str())),
    )
    .set((
        dossiers::title.eq(&next.title),
        dossiers::patient_pseudonym.eq(&next.patient.pseudonym),
        dossiers::patient_birth_year.eq(next.patient.birth_year),
        dossiers::patient_sex.eq(next.patient.sex.map(|s| s.as_str())),
        dossiers::question.eq(&next.question),
        dossiers::history.eq(&next.history),
        dossiers::urgency.eq(next.urgency.as_str()),
        dossiers::consent.eq(next.consent),
        dossiers::updated_at.eq(now()),
    ))
    .execute(conn)?;
    changed_once(n)
}

/// Moves a draft to another board.
pub fn set_board(conn: &mut DbConn, id: &str, board_id: &str) -> AppResult<()> {
    let n = diesel::update(
        dossiers::table
            .filter(dossiers::id.eq(id))
            .filter(dossiers::status.eq(DossierStatus::Draft.as_str())),
    )
    .set((
        dossiers::board_id.eq(board_id),
        dossiers::updated_at.eq(now()),
    ))
    .execute(conn)?;
    changed_once(n)
}

fn changed_once(n: usize) -> AppResult<()> {
    if n == 1 {
        Ok(())
    } else {
        Err(AppError::conflict(
            "the dossier changed meanwhile; try again",
        ))
    }
}

/// Moves `row` to `next`, provided nobody changed its status meanwhile. The caller has checked
/// the transition and records it in the audit log.
pub fn set_status(conn: &mut DbConn, row: &DossierRow, next: DossierStatus) -> AppResult<()> {
    let at = now();
    let submitted_at = if next == DossierStatus::Submitted && row.submitted_at.is_none() {
        Some(at)
    } else {
        row.submitted_at
    };
    let n = diesel::update(
        dossiers::table
            .filter(dossiers::id.eq(&row.id))
            .filter(dossiers::status.eq(&row.status)),
    )
    .set((
        dossiers::status.eq(next.as_str()),
        dossiers::submitted_at.eq(submitted_at),
        dossiers::updated_at.eq(at),
    ))
    .execute(conn)?;
    changed_once(n)
}
