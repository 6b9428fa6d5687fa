//! Who may see and do what (API.md section 6, PRODUCT.md "Least privilege").
//!
//! Things a caller may not see answer 404, so that their existence does not leak;
//! things a caller may see but not change answer 403.

use serde::Serialize;

use super::board::BoardRole;
pub use super::board_access::{
    BoardCan, BoardRelation, EXPORT_REFUSED, check_admin, check_own_account, export_scope,
};
use super::dossier::DossierStatus;

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The caller may not even know the thing exists (404).
    Hidden,
    /// The caller may see it but not do this (403).
    Forbidden(&'static str),
}

/// How the signed-in user stands towards one dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DossierRelation {
    pub is_referrer: bool,
    pub board_role: Option<BoardRole>,
    pub is_admin: bool,
}

/// What someone may try to do with a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DossierAction {
    View,
    /// Change the content, submit, withdraw.
    Refer,
    /// Put on or take off an agenda.
    Schedule,
    /// Add an attachment.
    Attach,
}

impl DossierRelation {
    pub fn can_view(&self) -> bool {
        self.is_referrer || self.board_role.is_some() || self.is_admin
    }

    pub fn is_coordinator(&self) -> bool {
        self.board_role == Some(BoardRole::Coordinator)
    }

    /// Whether the caller reads the named ballots of the dossier's decisions (API.md section
    /// 16): the board's people and administrators always; a referrer who is not on the board
    /// only where the board shows them (`show_ballots_to_referrer`), which is read only when
    /// `needs_board_setting`.
    pub fn sees_named_ballots(&self, board_shows_to_referrer: bool) -> bool {
        self.is_admin || self.board_role.is_some() || (self.is_referrer && board_shows_to_referrer)
    }

    /// Whether `sees_named_ballots` depends on the board's setting.
    pub fn needs_board_setting(&self) -> bool {
        !self.is_admin && self.board_role.is_none()
    }

    pub fn check(&self, action: DossierAction) -> Result<(), Denied> {
        if !self.can_view() {
            return Err(Denied::Hidden);
        }
        match action {
            DossierAction::View => Ok(()),
            DossierAction::Refer if self.is_referrer => Ok(()),
            DossierAction::Refer => Err(Denied::Forbidden(
                "only the referring physician may change this dossier",
            )),
            DossierAction::Schedule if self.is_coordinator() => Ok(()),
            DossierAction::Schedule => Err(Denied::Forbidden(
                "only a coordinator of the board may schedule dossiers",
            )),
            DossierAction::Attach if self.is_referrer || self.is_coordinator() => Ok(()),
            DossierAction::Attach => Err(Denied::Forbidden(
                "only the referrer or a coordinator of the board may add attachments",
            )),
        }
    }
}

/// What the caller may do with one dossier, as the server will enforce it; sent with every
/// dossier so that the browser need not re-derive the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct DossierCan {
    /// Change the content: the referrer, while a draft or submitted.
    pub edit: bool,
    /// Send to the board: the referrer, on a draft.
    pub submit: bool,
    /// Withdraw: the referrer, until decided or withdrawn, and not while a vote on it is open.
    pub withdraw: bool,
    /// Add attachments: the referrer or a coordinator of the board, until decided or withdrawn.
    pub upload: bool,
    /// Delete the attachments they uploaded: the referrer, until decided or withdrawn.
    pub delete_attachments: bool,
}

impl DossierRelation {
    /// What this caller may do with a dossier in `status`; `vote_open` if a vote on it is open.
    pub fn can(&self, status: DossierStatus, vote_open: bool) -> DossierCan {
        use super::dossier::Transition;
        let refer = self.check(DossierAction::Refer).is_ok();
        DossierCan {
            edit: refer && status.is_editable(),
            submit: refer && status.apply(Transition::Submit).is_ok(),
            withdraw: refer && check_withdraw(status, vote_open).is_ok(),
            upload: self.check(DossierAction::Attach).is_ok() && status.is_open(),
            delete_attachments: refer && status.is_open(),
        }
    }
}

/// A dossier cannot be withdrawn while a vote on it is open (409 with this message).
pub fn check_withdraw(status: DossierStatus, vote_open: bool) -> Result<DossierStatus, String> {
    use super::dossier::Transition;
    let next = status
        .apply(Transition::Withdraw)
        .map_err(|e| e.to_string())?;
    if vote_open {
        return Err(
            "a vote is open on this dossier; it can be withdrawn once the vote is closed".into(),
        );
    }
    Ok(next)
}

/// Attachments are added or removed while the dossier is open (409 with this message).
pub fn check_attachments_open(status: DossierStatus) -> Result<(), String> {
    if status.is_open() {
        Ok(())
    } else {
        Err(format!(
            "the dossier is {}: its attachments can no longer change",
            status.as_str()
        ))
    }
}

/// Only the person who uploaded an attachment may delete it (403 otherwise).
pub fn check_delete_attachment(is_uploader: bool) -> Result<(), Denied> {
    if is_uploader {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "only the person who uploaded an attachment may delete it",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(is_referrer: bool, board_role: Option<BoardRole>, is_admin: bool) -> DossierRelation {
        DossierRelation {
            is_referrer,
            board_role,
            is_admin,
        }
    }

    #[test]
    fn named_ballots_reach_referrers_only_where_the_board_allows() {
        let referrer = rel(true, None, false);
        assert!(!referrer.sees_named_ballots(false));
        assert!(referrer.sees_named_ballots(true));
        assert!(referrer.needs_board_setting());
        // A referrer who is also on the board reads them as a member.
        for who in [
            rel(true, Some(BoardRole::Member), false),
            rel(false, Some(BoardRole::Coordinator), false),
            rel(false, None, true),
        ] {
            assert!(who.sees_named_ballots(false), "{who:?}");
            assert!(!who.needs_board_setting());
        }
        assert!(!rel(false, None, false).sees_named_ballots(true));
    }

    #[test]
    fn dossier_matrix() {
        use DossierAction::*;
        let referrer = rel(true, None, false);
        let stranger = rel(false, None, false);
        let member = rel(false, Some(BoardRole::Member), false);
        let coordinator = rel(false, Some(BoardRole::Coordinator), false);
        let admin = rel(false, None, true);
        let ok = Ok(());
        let hidden = Err(Denied::Hidden);
        let cases = [
            (referrer, [ok, ok, Err(()), ok]),
            (member, [ok, Err(()), Err(()), Err(())]),
            (coordinator, [ok, Err(()), ok, ok]),
            (admin, [ok, Err(()), Err(()), Err(())]),
        ];
        for (who, expected) in cases {
            for (action, exp) in [View, Refer, Schedule, Attach].into_iter().zip(expected) {
                let got = who.check(action).map_err(|_| ());
                assert_eq!(got, exp, "{who:?} {action:?}");
                if exp.is_err() {
                    assert!(matches!(who.check(action), Err(Denied::Forbidden(_))));
                }
            }
        }
        for action in [View, Refer, Schedule, Attach] {
            assert_eq!(stranger.check(action), hidden);
        }
    }

    #[test]
    fn dossier_can_follows_the_rules() {
        use DossierStatus::*;
        let referrer = rel(true, None, false);
        let coordinator = rel(false, Some(BoardRole::Coordinator), false);
        let member = rel(false, Some(BoardRole::Member), false);
        let admin = rel(false, None, true);
        let all = DossierCan {
            edit: true,
            submit: true,
            withdraw: true,
            upload: true,
            delete_attachments: true,
        };
        assert_eq!(referrer.can(Draft, false), all);
        assert_eq!(
            referrer.can(Submitted, false),
            DossierCan {
                submit: false,
                ..all
            }
        );
        let scheduled = referrer.can(Scheduled, false);
        assert!(!scheduled.edit && !scheduled.submit && scheduled.withdraw && scheduled.upload);
        assert!(!referrer.can(Scheduled, true).withdraw);
        assert_eq!(referrer.can(Decided, false), DossierCan::default());
        assert_eq!(referrer.can(Withdrawn, false), DossierCan::default());
        assert_eq!(
            coordinator.can(Submitted, false),
            DossierCan {
                upload: true,
                ..DossierCan::default()
            }
        );
        assert!(!coordinator.can(Decided, false).upload);
        assert_eq!(member.can(Draft, false), DossierCan::default());
        assert_eq!(admin.can(Submitted, false), DossierCan::default());
    }

    #[test]
    fn withdrawal_and_attachment_rules() {
        use DossierStatus::*;
        assert_eq!(check_withdraw(Scheduled, false), Ok(Withdrawn));
        assert!(
            check_withdraw(Scheduled, true)
                .unwrap_err()
                .contains("vote is open")
        );
        assert!(check_withdraw(Decided, false).is_err());
        assert!(check_attachments_open(Submitted).is_ok());
        assert_eq!(
            check_attachments_open(Decided).unwrap_err(),
            "the dossier is decided: its attachments can no longer change"
        );
        assert!(check_delete_attachment(true).is_ok());
        assert!(matches!(
            check_delete_attachment(false),
            Err(Denied::Forbidden(_))
        ));
    }
}
