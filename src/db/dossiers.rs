//! Dossiers: creation with a unique reference, visibility, edits and status changes.
//! The rules come from `domain::dossier` and `domain::access`; this module applies them to rows
//! and records every read and change in the audit log.

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use super::attachments::{self, AttachmentRow};
use super::audit::{self, Audit};
use super::decisions::{self, DecisionRow};
use super::schema::{board_members, dossiers};
use super::users::{self, UserRow};
use super::{DbConn, boards, counters, new_id, now};
use crate::domain::ValidationError;
use crate::domain::access::{DossierAction, DossierRelation};
use crate::domain::dossier::{
    DossierContent, DossierPatch, DossierStatus, PatchError, Patient, Transition, reference,
};
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
}

impl DossierRow {
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

/// How `user` stands towards `dossier`.
pub fn relation(
    conn: &mut DbConn,
    dossier: &DossierRow,
    user: &UserRow,
) -> AppResult<DossierRelation> {
    Ok(DossierRelation {
        is_referrer: dossier.referrer_id == user.id,
        board_role: boards::role_of(conn, &dossier.board_id, &user.id)?,
        is_admin: user.is_admin(),
    })
}

/// Loads a dossier `user` may act on as `action`: 404 if hidden from them, 403 if visible but
/// not theirs to change.
pub fn load_for(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    action: DossierAction,
) -> AppResult<(DossierRow, DossierRelation)> {
    let row = by_id(conn, id)?.ok_or_else(|| AppError::not_found("dossier"))?;
    let rel = relation(conn, &row, user)?;
    rel.check(action)
        .map_err(|d| AppError::denied(d, "dossier"))?;
    Ok((row, rel))
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

/// Creates a draft referred by `user` to `board_id`.
pub fn create(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: &str,
    content: &DossierContent,
) -> AppResult<DossierRecord> {
    if boards::by_id(conn, board_id)?.is_none() {
        return Err(ValidationError::new("board_id", "no such board").into());
    }
    let created_at = now();
    let year = created_at.year();
    let number = counters::next(conn, &format!("dossier-{year}"))?;
    let id = new_id();
    diesel::insert_into(dossiers::table)
        .values((
            dossiers::id.eq(&id),
            dossiers::reference.eq(reference(year, number)),
            dossiers::board_id.eq(board_id),
            dossiers::referrer_id.eq(&user.id),
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
    audit::record(
        conn,
        Audit::new(&user.id, "dossier.create", "dossier", &id)
            .with_detail(json!({ "board_id": board_id })),
    )?;
    let row = by_id(conn, &id)?.ok_or_else(|| AppError::not_found("dossier"))?;
    record(conn, row)
}

/// Reads one dossier, recording the read.
pub fn read(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<DossierRecord> {
    let (row, _) = load_for(conn, user, id, DossierAction::View)?;
    audit::record(conn, Audit::new(&user.id, "dossier.read", "dossier", id))?;
    record(conn, row)
}

/// Filters of the dossier list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub board_id: Option<String>,
    pub status: Option<DossierStatus>,
    pub limit: i64,
    pub offset: i64,
}

/// The dossiers `user` may see, newest first, recording which were listed.
pub fn list(
    conn: &mut DbConn,
    user: &UserRow,
    filter: &ListFilter,
) -> AppResult<Vec<DossierRecord>> {
    let mut query = dossiers::table.select(DossierRow::as_select()).into_boxed();
    if !user.is_admin() {
        let my_boards = board_members::table
            .filter(board_members::user_id.eq(user.id.clone()))
            .select(board_members::board_id);
        query = query.filter(
            dossiers::referrer_id
                .eq(user.id.clone())
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
    audit::record_list(
        conn,
        &user.id,
        "dossier.list",
        "dossier",
        rows.iter().map(|r| r.id.as_str()),
        json!({}),
    )?;
    records(conn, rows)
}

/// Changes the content (referrer only, while draft or submitted).
pub fn update(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    patch: DossierPatch,
) -> AppResult<DossierRecord> {
    let (row, _) = load_for(conn, user, id, DossierAction::Refer)?;
    let status = row.status();
    let changed = changed_fields(&patch);
    let next = patch
        .apply_to(status, &row.content())
        .map_err(|e| match e {
            PatchError::NotEditable(s) => {
                AppError::conflict(format!("a dossier that is {s} can no longer be edited"))
            }
            PatchError::Invalid(v) => v.into(),
        })?;
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
    if n != 1 {
        return Err(AppError::conflict(
            "the dossier changed meanwhile; try again",
        ));
    }
    audit::record(
        conn,
        Audit::new(&user.id, "dossier.update", "dossier", id)
            .with_detail(json!({ "fields": changed })),
    )?;
    let row = by_id(conn, id)?.ok_or_else(|| AppError::not_found("dossier"))?;
    record(conn, row)
}

fn changed_fields(patch: &DossierPatch) -> Vec<&'static str> {
    [
        ("title", patch.title.is_some()),
        ("patient", patch.patient.is_some()),
        ("question", patch.question.is_some()),
        ("history", patch.history.is_some()),
        ("urgency", patch.urgency.is_some()),
        ("consent", patch.consent.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect()
}

/// Submits or withdraws a dossier (referrer only).
pub fn refer(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    transition: Transition,
) -> AppResult<DossierRecord> {
    let (row, _) = load_for(conn, user, id, DossierAction::Refer)?;
    let next = row
        .status()
        .apply(transition)
        .map_err(|e| AppError::conflict(e.to_string()))?;
    if transition == Transition::Submit {
        row.content().check_submittable()?;
    }
    if transition == Transition::Withdraw {
        if super::sessions::has_open_vote(conn, id)? {
            return Err(AppError::conflict(
                "a vote is open on this dossier; it can be withdrawn once the vote is closed",
            ));
        }
        super::sessions::remove_from_open_agendas(conn, id)?;
    }
    set_status(conn, &row, next)?;
    let action = match transition {
        Transition::Submit => "dossier.submit",
        Transition::Withdraw => "dossier.withdraw",
        _ => "dossier.status",
    };
    audit::record(
        conn,
        Audit::new(&user.id, action, "dossier", id)
            .with_detail(json!({ "from": row.status, "to": next.as_str() })),
    )?;
    let row = by_id(conn, id)?.ok_or_else(|| AppError::not_found("dossier"))?;
    record(conn, row)
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
    if n == 1 {
        Ok(())
    } else {
        Err(AppError::conflict(
            "the dossier changed meanwhile; try again",
        ))
    }
}
