//! Dossiers: referral, reading, listing, edits, submission and withdrawal. Who may do what is
//! asked of `domain::access`, what follows of `domain::dossier`; every read and change is
//! recorded in the audit log.

use serde_json::json;

use super::{Done, Event, templates};
use crate::db::audit::{self, Audit};
use crate::db::dossiers::{self, DossierRecord, DossierRow, ListFilter};
use crate::db::users::UserRow;
use crate::db::{DbConn, boards, sessions};
use crate::domain::ValidationError;
use crate::domain::access::{self, DossierAction, DossierCan, DossierRelation};
use crate::domain::board::BoardRole;
use crate::domain::dossier::{
    DossierContent, DossierPatch, DossierStatus, PatchError, Transition, may_change_board,
};
use crate::error::{AppError, AppResult};

/// A dossier as one caller sees it: the record and what they may do with it.
#[derive(Debug, Clone)]
pub struct DossierView {
    pub record: DossierRecord,
    pub can: DossierCan,
    /// Whether the caller reads the named ballots of its decision (API.md section 16).
    pub named_ballots: bool,
    /// The answered follow-up of its decision (API.md section 13).
    pub follow_up: Option<crate::domain::follow_up::FollowUpView>,
}

/// How `user` stands towards `dossier`.
pub fn relation(
    conn: &mut DbConn,
    dossier: &DossierRow,
    user: &UserRow,
) -> AppResult<DossierRelation> {
    Ok(relation_with(
        dossier,
        user,
        boards::role_of(conn, &dossier.board_id, &user.id)?,
    ))
}

fn relation_with(
    dossier: &DossierRow,
    user: &UserRow,
    board_role: Option<BoardRole>,
) -> DossierRelation {
    DossierRelation {
        is_referrer: dossier.referrer_id == user.id,
        board_role,
        is_admin: user.is_admin(),
    }
}

/// Loads a dossier `user` may act on as `action`: 404 if hidden from them, 403 if visible but
/// not theirs to change.
pub fn load_for(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    action: DossierAction,
) -> AppResult<(DossierRow, DossierRelation)> {
    let row = dossiers::get(conn, id)?;
    let rel = relation(conn, &row, user)?;
    rel.check(action)
        .map_err(|d| AppError::denied(d, "dossier"))?;
    Ok((row, rel))
}

/// Whether a vote on the dossier is open (votes open only on scheduled dossiers).
fn vote_open(conn: &mut DbConn, row: &DossierRow) -> AppResult<bool> {
    if row.status() == DossierStatus::Scheduled {
        sessions::has_open_vote(conn, &row.id)
    } else {
        Ok(false)
    }
}

fn view(conn: &mut DbConn, record: DossierRecord, rel: DossierRelation) -> AppResult<DossierView> {
    // Only the referrer's withdrawal depends on an open vote.
    let open = rel.is_referrer && vote_open(conn, &record.row)?;
    let can = rel.can(record.row.status(), open);
    // Ballots and a follow-up exist only once decided: no reads for the other dossiers.
    let (named_ballots, follow_up) = match &record.decision {
        Some(d) => (
            named_ballots(conn, &rel, &record.row.board_id)?,
            super::follow_ups::shown(conn, &d.id)?,
        ),
        None => (false, None),
    };
    Ok(DossierView {
        record,
        can,
        named_ballots,
        follow_up,
    })
}

/// Whether someone who stands as `rel` towards a dossier of `board_id` reads the named ballots
/// of its decisions (the board is read only for a referrer who is not on it).
pub fn named_ballots(conn: &mut DbConn, rel: &DossierRelation, board_id: &str) -> AppResult<bool> {
    Ok(if rel.needs_board_setting() {
        rel.sees_named_ballots(boards::get(conn, board_id)?.show_ballots_to_referrer)
    } else {
        rel.sees_named_ballots(false)
    })
}

/// Reloads a dossier after a change, as `rel` sees it.
fn reload(conn: &mut DbConn, id: &str, rel: DossierRelation) -> AppResult<DossierView> {
    let row = dossiers::get(conn, id)?;
    let record = dossiers::record(conn, row)?;
    view(conn, record, rel)
}

/// Refers a new draft to `board_id`; the caller is its referrer.
pub fn create(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: &str,
    content: &DossierContent,
    fields: &serde_json::Map<String, serde_json::Value>,
) -> AppResult<Done<DossierView>> {
    if boards::by_id(conn, board_id)?.is_none() {
        return Err(ValidationError::new("board_id", "no such board").into());
    }
    let id = dossiers::insert(conn, &user.id, board_id, content)?;
    // The dossier follows the board's template as it is now, whatever changes later.
    let row = dossiers::get(conn, &id)?;
    templates::write_fields(conn, &row, fields)?;
    audit::record(
        conn,
        Audit::new(&user.id, "dossier.create", "dossier", &id)
            .with_detail(json!({ "board_id": board_id })),
    )?;
    let row = dossiers::get(conn, &id)?;
    let rel = relation(conn, &row, user)?;
    let record = dossiers::record(conn, row)?;
    let view = view(conn, record, rel)?;
    Ok(Done::with(
        view,
        vec![Event::DossierCreated {
            dossier_id: id,
            board_id: board_id.to_string(),
        }],
    ))
}

/// Reads one dossier, recording the read.
pub fn read(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<Done<DossierView>> {
    let (row, rel) = load_for(conn, user, id, DossierAction::View)?;
    audit::record(conn, Audit::new(&user.id, "dossier.read", "dossier", id))?;
    let record = dossiers::record(conn, row)?;
    Ok(Done::quiet(view(conn, record, rel)?))
}

/// The dossiers `user` may see (all of them for an admin), newest first, recording which
/// were listed.
pub fn list(
    conn: &mut DbConn,
    user: &UserRow,
    filter: &ListFilter,
) -> AppResult<Done<Vec<DossierView>>> {
    let visible_to = (!user.is_admin()).then_some(user.id.as_str());
    let records = dossiers::list(conn, visible_to, filter)?;
    audit::record_list(
        conn,
        &user.id,
        "dossier.list",
        "dossier",
        records.iter().map(|r| r.row.id.as_str()),
        json!({}),
    )?;
    let roles = boards::memberships(conn, &user.id)?;
    let views = records
        .into_iter()
        .map(|record| {
            let role = roles
                .iter()
                .find(|(board, _)| *board == record.row.board_id)
                .map(|(_, role)| *role);
            let rel = relation_with(&record.row, user, role);
            view(conn, record, rel)
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Done::quiet(views))
}

/// Changes the content (the referrer, while draft or submitted).
pub fn update(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    patch: DossierPatch,
) -> AppResult<Done<DossierView>> {
    let (row, rel) = load_for(conn, user, id, DossierAction::Refer)?;
    let status = row.status();
    let changed = changed_fields(&patch);
    let board_id = patch.board_id.clone().filter(|b| *b != row.board_id);
    let fields = patch.fields.clone();
    let next = patch
        .apply_to(status, &row.content())
        .map_err(patch_error)?;
    if let Some(board_id) = board_id.as_deref() {
        may_change_board(status).map_err(patch_error)?;
        if boards::by_id(conn, board_id)?.is_none() {
            return Err(AppError::invalid("board_id", "no such board"));
        }
        dossiers::set_board(conn, id, board_id)?;
        templates::follow_new_board(conn, &row, board_id)?;
    }
    dossiers::update_content(conn, id, status, &next)?;
    if let Some(fields) = fields {
        let row = dossiers::get(conn, id)?;
        templates::write_fields(conn, &row, &fields)?;
        // A submitted dossier stays complete: its required values cannot be removed.
        if status == DossierStatus::Submitted {
            let row = dossiers::get(conn, id)?;
            let missing = templates::missing(conn, &row)?;
            if !missing.is_empty() {
                return Err(AppError::Incomplete(missing));
            }
        }
    }
    audit::record(
        conn,
        Audit::new(&user.id, "dossier.update", "dossier", id)
            .with_detail(json!({ "fields": changed })),
    )?;
    Ok(Done::quiet(reload(conn, id, rel)?))
}

fn patch_error(e: PatchError) -> AppError {
    match e {
        PatchError::NotEditable(s) => {
            AppError::conflict(format!("a dossier that is {s} can no longer be edited"))
        }
        PatchError::BoardFixed(s) => AppError::conflict(format!(
            "the board of a dossier that is {s} cannot change (only a draft's can)"
        )),
        PatchError::Invalid(v) => v.into(),
    }
}

fn changed_fields(patch: &DossierPatch) -> Vec<&'static str> {
    [
        ("board_id", patch.board_id.is_some()),
        ("fields", patch.fields.is_some()),
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

/// Sends a draft to its board (the referrer; needs consent and a clinical question).
pub fn submit(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<Done<DossierView>> {
    let (row, rel) = load_for(conn, user, id, DossierAction::Refer)?;
    let next = row
        .status()
        .apply(Transition::Submit)
        .map_err(|e| AppError::conflict(e.to_string()))?;
    // Every item missing at once: the content's, then the template's.
    let mut missing = row.content().missing_for_submission();
    missing.extend(templates::missing(conn, &row)?);
    if !missing.is_empty() {
        return Err(AppError::Incomplete(missing));
    }
    change_status(conn, user, &row, next, "dossier.submit")?;
    let event = Event::DossierSubmitted {
        dossier_id: row.id.clone(),
        board_id: row.board_id.clone(),
    };
    Ok(Done::with(reload(conn, id, rel)?, vec![event]))
}

/// Withdraws a dossier (the referrer; not once decided, not while a vote on it is open). It
/// leaves the agendas of the sessions not yet closed.
pub fn withdraw(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<Done<DossierView>> {
    let (row, rel) = load_for(conn, user, id, DossierAction::Refer)?;
    let open = sessions::has_open_vote(conn, id)?;
    let next = access::check_withdraw(row.status(), open).map_err(AppError::conflict)?;
    sessions::remove_from_open_agendas(conn, id)?;
    change_status(conn, user, &row, next, "dossier.withdraw")?;
    let event = Event::DossierWithdrawn {
        dossier_id: row.id.clone(),
        board_id: row.board_id.clone(),
    };
    Ok(Done::with(reload(conn, id, rel)?, vec![event]))
}

fn change_status(
    conn: &mut DbConn,
    user: &UserRow,
    row: &DossierRow,
    next: DossierStatus,
    action: &str,
) -> AppResult<()> {
    dossiers::set_status(conn, row, next)?;
    audit::record(
        conn,
        Audit::new(&user.id, action, "dossier", &row.id)
            .with_detail(json!({ "from": row.status, "to": next.as_str() })),
    )?;
    Ok(())
}
