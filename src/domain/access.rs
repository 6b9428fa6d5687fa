//! Who may see and do what (API.md section 6, PRODUCT.md "Least privilege").
//!
//! Things a caller may not see answer 404, so that their existence does not leak;
//! things a caller may see but not change answer 403.

use super::board::BoardRole;

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

/// How the signed-in user stands towards one board (boards themselves are visible to all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BoardRelation {
    pub board_role: Option<BoardRole>,
    pub is_admin: bool,
}

impl BoardRelation {
    pub fn is_coordinator(&self) -> bool {
        self.board_role == Some(BoardRole::Coordinator)
    }

    /// Add, change or remove members: admins and the board's coordinators.
    pub fn check_manage_members(&self) -> Result<(), Denied> {
        if self.is_admin || self.is_coordinator() {
            Ok(())
        } else {
            Err(Denied::Forbidden(
                "only an administrator or a coordinator of the board may manage its members",
            ))
        }
    }

    /// Plan sessions, build agendas, chair: the board's coordinators.
    pub fn check_coordinate(&self) -> Result<(), Denied> {
        if self.is_coordinator() {
            Ok(())
        } else {
            Err(Denied::Forbidden(
                "only a coordinator of the board may do this",
            ))
        }
    }

    /// See the board's sessions and decisions: its members, coordinators and admins.
    pub fn can_see_board_work(&self) -> bool {
        self.is_admin || self.board_role.is_some()
    }

    /// See the members' e-mail addresses: the board's own people and admins. Anyone else
    /// (a referrer choosing a board) sees names, specialties and organisations only.
    pub fn can_see_member_contacts(&self) -> bool {
        self.is_admin || self.board_role.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_contacts_are_for_the_board_and_admins() {
        let rel = |board_role, is_admin| BoardRelation {
            board_role,
            is_admin,
        };
        assert!(rel(Some(BoardRole::Member), false).can_see_member_contacts());
        assert!(rel(Some(BoardRole::Coordinator), false).can_see_member_contacts());
        assert!(rel(None, true).can_see_member_contacts());
        assert!(!rel(None, false).can_see_member_contacts());
    }

    fn rel(is_referrer: bool, board_role: Option<BoardRole>, is_admin: bool) -> DossierRelation {
        DossierRelation {
            is_referrer,
            board_role,
            is_admin,
        }
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
    fn board_rules() {
        let coordinator = BoardRelation {
            board_role: Some(BoardRole::Coordinator),
            is_admin: false,
        };
        let member = BoardRelation {
            board_role: Some(BoardRole::Member),
            is_admin: false,
        };
        let admin = BoardRelation {
            board_role: None,
            is_admin: true,
        };
        assert!(coordinator.check_manage_members().is_ok());
        assert!(admin.check_manage_members().is_ok());
        assert!(member.check_manage_members().is_err());
        assert!(coordinator.check_coordinate().is_ok());
        assert!(admin.check_coordinate().is_err());
        assert!(member.can_see_board_work() && admin.can_see_board_work());
        assert!(!BoardRelation::default().can_see_board_work());
    }
}
