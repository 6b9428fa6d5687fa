//! What happened: the typed events the use cases return. The next features hang their side
//! effects here (a notification row, a room broadcast), never inside `db/` or a handler.

use crate::db::room::Committed;

#[derive(Debug, Clone)]
pub enum Event {
    /// An event was appended to a session's room log (chat, focus, vote opened or closed…).
    RoomEvent(Committed),
    /// A ballot was cast or changed; `cast` ballots so far.
    BallotCast {
        session_id: String,
        vote_id: String,
        cast: i64,
    },
    /// Someone entered or left a room.
    PresenceChanged {
        session_id: String,
    },
    /// This instance's room relayed what the presenter shows (`view`, ephemeral: nothing was
    /// written); the other instances relay it to their own connections.
    ViewRelayed {
        session_id: String,
        dossier_id: String,
        /// The relayed message.
        view: String,
    },
    /// A vote closed and its decision was written (decided, no quorum or tied).
    DecisionRecorded {
        decision_id: String,
        board_id: String,
        dossier_id: String,
        session_id: String,
        status: String,
    },
    /// A decision's follow-up came due: its referrer is asked whether the advice was applied.
    FollowUpDue {
        decision_id: String,
        dossier_id: String,
        referrer_id: String,
    },
    /// A dossier went back to `submitted` to be presented again (no quorum, tied).
    DossierRequeued {
        dossier_id: String,
        session_id: String,
    },
    DossierCreated {
        dossier_id: String,
        board_id: String,
    },
    DossierSubmitted {
        dossier_id: String,
        board_id: String,
    },
    DossierWithdrawn {
        dossier_id: String,
        board_id: String,
    },
    SessionCreated {
        session_id: String,
        board_id: String,
    },
    /// A dossier was put on or taken off a session's agenda.
    AgendaChanged {
        session_id: String,
        dossier_id: String,
        scheduled: bool,
    },
    SessionClosed {
        session_id: String,
    },
    /// A session's agenda was sent to those concerned.
    SessionPublished {
        session_id: String,
    },
    /// A published session changed (time, title, video link, agenda, closing): its calendar
    /// SEQUENCE grew.
    SessionChanged {
        session_id: String,
    },
    /// A planned session was cancelled; whether it had been published.
    SessionCancelled {
        session_id: String,
        published: bool,
    },
    /// A notification was written for this user (their inbox badge changes).
    Notified {
        user_id: String,
    },
    AttachmentAdded {
        attachment_id: String,
        dossier_id: String,
    },
    AttachmentDeleted {
        attachment_id: String,
        dossier_id: String,
    },
    /// A user's board roles changed: their room connections are re-checked.
    AccessChanged {
        user_id: String,
    },
    /// An account was disabled: its connections close.
    UserDisabled {
        user_id: String,
    },
    /// A token was revoked (sign-out): the connections opened with it close.
    TokenRevoked {
        token_id: String,
    },
}
