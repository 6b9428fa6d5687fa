//! The public JSON shapes of the contract (API.md), built from rows. Never a password hash.

use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::attachments::{AttachmentRow, DicomMetadata};
use crate::db::boards::BoardRow;
use crate::db::decisions::DecisionRow;
use crate::db::sessions::SessionRecord;
use crate::db::users::UserRow;
use crate::domain::access::{BoardCan, DossierCan};
use crate::domain::attachment::AttachmentKind;
use crate::domain::board::{BoardRole, QuorumRule};
use crate::domain::dossier::{DossierStatus, Patient, Urgency};
use crate::domain::follow_up::FollowUpView;
use crate::domain::quorum::QuorumResult;
use crate::domain::room::SessionStatus;
use crate::domain::room_access::SessionCan;
use crate::domain::user::{Locale, Role};
use crate::usecase::dossiers::DossierView;

/// A stored naive UTC time as the contract's RFC 3339 UTC time.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// `{"items": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

impl<T> Items<T> {
    pub fn collect<I: IntoIterator<Item = T>>(iter: I) -> Items<T> {
        Items {
            items: iter.into_iter().collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub specialty: Option<String>,
    pub organization: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The language of their pages, records and mails: `fr` (default) or `en`.
    pub locale: Locale,
    /// The person's identifier at the identity provider (e.g. an RPPS number), or null.
    pub external_id: Option<String>,
}

impl From<&UserRow> for User {
    fn from(u: &UserRow) -> Self {
        User {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role(),
            specialty: u.specialty.clone(),
            organization: u.organization.clone(),
            created_at: utc(u.created_at),
            locale: u.locale.parse().unwrap_or(Locale::Fr),
            external_id: u.external_id.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Board {
    pub id: String,
    pub name: String,
    pub description: String,
    pub quorum: QuorumRule,
    /// Whether referrers off the board read named ballots (API.md section 16).
    pub show_ballots_to_referrer: bool,
    /// Days after a decision when its referrer is asked for the follow-up (0: never).
    pub follow_up_days: i32,
    pub created_at: DateTime<Utc>,
    /// What the caller may do with this board.
    pub can: BoardCan,
}

impl Board {
    pub fn new(b: &BoardRow, can: BoardCan) -> Self {
        Board {
            id: b.id.clone(),
            name: b.name.clone(),
            description: b.description.clone(),
            quorum: b.quorum(),
            show_ballots_to_referrer: b.show_ballots_to_referrer,
            follow_up_days: b.follow_up_days,
            created_at: utc(b.created_at),
            can,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub user: MemberUser,
    pub role: BoardRole,
}

/// A board member as the caller may see them: whole for the board's members, coordinators and
/// administrators; for anyone else (a referrer choosing where to refer) only what referring
/// needs, without e-mail address.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum MemberUser {
    Full(User),
    Summary(UserSummary),
}

// `anyOf`, not the `oneOf` that a derive would write: a whole `User` also matches
// `UserSummary`, and `oneOf` requires exactly one match.
impl utoipa::PartialSchema for MemberUser {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::AnyOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name("User"))
            .item(utoipa::openapi::Ref::from_schema_name("UserSummary"))
            .into()
    }
}

impl ToSchema for MemberUser {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push(("User".into(), User::schema()));
        <User as ToSchema>::schemas(schemas);
        schemas.push(("UserSummary".into(), UserSummary::schema()));
        <UserSummary as ToSchema>::schemas(schemas);
    }
}

/// Who someone is, without their contact details.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSummary {
    pub id: String,
    pub name: String,
    pub specialty: Option<String>,
    pub organization: Option<String>,
}

impl From<&UserRow> for UserSummary {
    fn from(u: &UserRow) -> Self {
        UserSummary {
            id: u.id.clone(),
            name: u.name.clone(),
            specialty: u.specialty.clone(),
            organization: u.organization.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dossier {
    pub id: String,
    pub reference: String,
    pub board_id: String,
    pub referrer: User,
    pub title: String,
    pub patient: Patient,
    pub question: String,
    pub history: String,
    pub urgency: Urgency,
    pub consent: bool,
    pub status: DossierStatus,
    /// Oldest first.
    pub attachments: Vec<Attachment>,
    /// The latest decision on this dossier (a decided, tied or no-quorum attempt), if any.
    pub decision: Option<Decision>,
    /// Values of the board template's fields (API.md section 13).
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The version of the board's template the values follow (`null`: none).
    pub template_version: Option<i32>,
    /// The largest attachment this service accepts, in bytes (a page checks it before sending).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_upload_bytes: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// What the caller may do with this dossier.
    pub can: DossierCan,
}

impl From<DossierView> for Dossier {
    fn from(view: DossierView) -> Self {
        let rec = view.record;
        let r = rec.row;
        let fields = r.field_values();
        Dossier {
            fields,
            template_version: r.template_version,
            patient: r.patient(),
            urgency: r.urgency.parse().unwrap_or_default(),
            status: r.status(),
            id: r.id,
            reference: r.reference,
            board_id: r.board_id,
            referrer: User::from(&rec.referrer),
            title: r.title,
            question: r.question,
            history: r.history,
            consent: r.consent,
            attachments: rec.attachments.iter().map(Attachment::from).collect(),
            decision: rec
                .decision
                .as_ref()
                .and_then(|d| Decision::try_from(d).ok())
                .map(|d| {
                    d.for_reader(view.named_ballots)
                        .with_follow_up(view.follow_up.clone())
                }),
            max_upload_bytes: None,
            created_at: utc(r.created_at),
            submitted_at: r.submitted_at.map(utc),
            can: view.can,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Attachment {
    pub id: String,
    pub dossier_id: String,
    /// Sanitised: no path, no control characters, at most 200 characters.
    pub filename: String,
    pub content_type: String,
    pub kind: AttachmentKind,
    /// Bytes stored (after de-identification).
    pub size: u64,
    /// SHA-256 of the bytes stored, hex; also the download's ETag.
    pub sha256: String,
    /// Whether DICOM content was de-identified before it was stored.
    pub deidentified: bool,
    pub dicom: Option<DicomMetadata>,
    pub created_at: DateTime<Utc>,
}

impl From<&AttachmentRow> for Attachment {
    fn from(a: &AttachmentRow) -> Self {
        Attachment {
            id: a.id.clone(),
            dossier_id: a.dossier_id.clone(),
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            kind: a.kind.parse().unwrap_or(AttachmentKind::Other),
            size: u64::try_from(a.size).unwrap_or(0),
            sha256: a.sha256.clone(),
            deidentified: a.deidentified,
            dicom: a.dicom(),
            created_at: utc(a.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaItem {
    pub dossier_id: String,
    pub reference: String,
    pub title: String,
    pub status: DossierStatus,
    pub position: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub id: String,
    pub board_id: String,
    pub title: String,
    pub scheduled_at: DateTime<Utc>,
    pub video_url: Option<String>,
    pub status: SessionStatus,
    pub agenda: Vec<AgendaItem>,
    pub created_at: DateTime<Utc>,
    /// How long the meeting lasts (15–480 minutes, default 90).
    pub duration_minutes: i32,
    /// When the agenda was sent to the board and the referrers; `null` until then.
    pub published_at: Option<DateTime<Utc>>,
    /// What the caller may do with this session.
    pub can: SessionCan,
}

impl Session {
    /// The session as its caller sees it (the use case has filtered the agenda), with what
    /// they may do.
    pub fn of(rec: SessionRecord, can: SessionCan) -> Self {
        let r = rec.row;
        Session {
            status: r.status(),
            id: r.id,
            board_id: r.board_id,
            title: r.title,
            scheduled_at: utc(r.scheduled_at),
            video_url: r.video_url,
            agenda: rec
                .agenda
                .into_iter()
                .map(|a| AgendaItem {
                    status: a.status.parse().unwrap_or(DossierStatus::Scheduled),
                    dossier_id: a.dossier_id,
                    reference: a.reference,
                    title: a.title,
                    position: a.position,
                })
                .collect(),
            created_at: utc(r.created_at),
            duration_minutes: r.duration_minutes,
            published_at: r.published_at.map(utc),
            can,
        }
    }
}

/// A frame the board marked during the review (API.md section 11).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct KeyImage {
    pub attachment_id: String,
    pub series_uid: String,
    pub frame: u32,
    pub note: String,
    pub by: User,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Ballot {
    pub voter: User,
    pub option: String,
    pub comment: Option<String>,
}

/// An immutable decision record, hash-chained to the previous decision of its board.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Decision {
    pub id: String,
    pub dossier_id: String,
    pub session_id: String,
    pub vote_id: String,
    /// `decided`, `no_quorum` or `tied`.
    pub status: String,
    pub outcome: Option<String>,
    pub summary: String,
    pub proposal: String,
    pub tally: BTreeMap<String, u32>,
    pub ballots: Vec<Ballot>,
    pub quorum: QuorumResult,
    pub present: Vec<User>,
    pub decided_at: String,
    pub decided_by: User,
    pub hash: String,
    pub previous_hash: String,
    /// The key images marked on the dossier in the session (empty before imaging review).
    #[serde(default)]
    pub key_images: Vec<KeyImage>,
    /// The referrer's answer to the follow-up, once given (outside the hashed record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUpView>,
}

impl Decision {
    /// For a reader who may not see named ballots (API.md section 16): `ballots` empty, the
    /// rest intact (the hash verifies only with the full record).
    pub fn for_reader(mut self, named_ballots: bool) -> Decision {
        if !named_ballots {
            self.ballots.clear();
        }
        self
    }

    /// With the referrer's answer to its follow-up, once given.
    pub fn with_follow_up(mut self, f: Option<FollowUpView>) -> Decision {
        self.follow_up = f;
        self
    }
}

impl TryFrom<&DecisionRow> for Decision {
    type Error = serde_json::Error;

    fn try_from(row: &DecisionRow) -> Result<Self, Self::Error> {
        serde_json::from_str(&row.body)
    }
}
