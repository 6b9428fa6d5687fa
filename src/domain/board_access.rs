//! Who may do what with boards and accounts (API.md section 6): managing members, planning
//! sessions, exporting, administering accounts. Re-exported by `access`.

use serde::Serialize;

use super::access::Denied;
use super::board::BoardRole;

/// What the caller may do with one board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct BoardCan {
    /// Add, change or remove members: administrators and the board's coordinators.
    pub manage_members: bool,
    /// Change the name, description, quorum and ballot visibility: the same people.
    pub edit: bool,
    /// Plan sessions, build agendas, chair: the board's coordinators.
    pub plan_sessions: bool,
    /// Export decisions and read the activity report: coordinators and administrators.
    pub export: bool,
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

    /// Change the board itself (`PATCH /api/boards/{id}`): admins and the board's coordinators.
    pub fn check_edit(&self) -> Result<(), Denied> {
        if self.is_admin || self.is_coordinator() {
            Ok(())
        } else {
            Err(Denied::Forbidden(
                "only an administrator or a coordinator of the board may change it",
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

    /// Export decisions and read the activity report: admins and the board's coordinators.
    pub fn check_export(&self) -> Result<(), Denied> {
        if self.is_admin || self.is_coordinator() {
            Ok(())
        } else {
            Err(Denied::Forbidden(EXPORT_REFUSED))
        }
    }

    pub fn can(&self) -> BoardCan {
        BoardCan {
            manage_members: self.check_manage_members().is_ok(),
            edit: self.check_edit().is_ok(),
            plan_sessions: self.check_coordinate().is_ok(),
            export: self.check_export().is_ok(),
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

pub const EXPORT_REFUSED: &str =
    "exports and reports are for the board's coordinators and administrators";

/// The boards an export or report covers (`None`: every board). `asked` is the board asked
/// for with the caller's relation to it; without one, an admin exports every board and a
/// coordinator the boards they coordinate (`coordinated`).
pub fn export_scope(
    is_admin: bool,
    asked: Option<(&str, BoardRelation)>,
    coordinated: Vec<String>,
) -> Result<Option<Vec<String>>, Denied> {
    match asked {
        Some((id, rel)) => rel.check_export().map(|()| Some(vec![id.to_string()])),
        None if is_admin => Ok(None),
        None if coordinated.is_empty() => Err(Denied::Forbidden(EXPORT_REFUSED)),
        None => Ok(Some(coordinated)),
    }
}

/// Account management is for administrators (403 otherwise).
pub fn check_admin(is_admin: bool) -> Result<(), Denied> {
    if is_admin {
        Ok(())
    } else {
        Err(Denied::Forbidden("administrators only"))
    }
}

/// An administrator may not disable or demote themselves (409 with this message), so that
/// the service always keeps one.
pub fn check_own_account(
    is_self: bool,
    disabling: bool,
    demoting: bool,
) -> Result<(), &'static str> {
    if is_self && (disabling || demoting) {
        Err("administrators cannot disable or demote themselves")
    } else {
        Ok(())
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

    #[test]
    fn board_can_and_export_scope() {
        let rel = |board_role, is_admin| BoardRelation {
            board_role,
            is_admin,
        };
        let coordinator = rel(Some(BoardRole::Coordinator), false);
        let member = rel(Some(BoardRole::Member), false);
        let admin = rel(None, true);
        assert_eq!(
            coordinator.can(),
            BoardCan {
                manage_members: true,
                edit: true,
                plan_sessions: true,
                export: true
            }
        );
        assert_eq!(member.can(), BoardCan::default());
        assert_eq!(
            admin.can(),
            BoardCan {
                manage_members: true,
                edit: true,
                plan_sessions: false,
                export: true
            }
        );
        assert_eq!(
            export_scope(false, Some(("b", coordinator)), vec![]),
            Ok(Some(vec!["b".to_string()]))
        );
        assert!(export_scope(false, Some(("b", member)), vec!["c".into()]).is_err());
        assert_eq!(
            export_scope(true, Some(("b", admin)), vec![])
                .unwrap()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(export_scope(true, None, vec![]), Ok(None));
        assert_eq!(
            export_scope(false, None, vec!["c".into()]),
            Ok(Some(vec!["c".to_string()]))
        );
        assert_eq!(
            export_scope(false, None, vec![]),
            Err(Denied::Forbidden(EXPORT_REFUSED))
        );
    }

    #[test]
    fn account_rules() {
        assert!(check_admin(true).is_ok());
        assert_eq!(
            check_admin(false),
            Err(Denied::Forbidden("administrators only"))
        );
        assert!(check_own_account(true, true, false).is_err());
        assert!(check_own_account(true, false, true).is_err());
        assert!(check_own_account(true, false, false).is_ok());
        assert!(check_own_account(false, true, true).is_ok());
    }
}
