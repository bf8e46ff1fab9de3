//! Who may read and change what. Every handler asks these questions before touching data;
//! the store only answers for one municipality at a time.

use crate::RuleError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A role granted to a user account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Installation and municipality administration: users, roles, everything.
    SystemAdmin,
    /// *Virksomhetsstyring*: the chief executive's staff; edits municipality-wide.
    Management,
    /// Leads one or more units; edits their subtree.
    Leader,
    /// Reads their own unit.
    Employee,
    /// Elected representative; reads what is published to politicians.
    Politician,
    /// Auditor or control committee: reads everything, including the audit log.
    Auditor,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 6] =
        [Self::SystemAdmin, Self::Management, Self::Leader, Self::Employee, Self::Politician, Self::Auditor];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::SystemAdmin => "system_admin",
            Self::Management => "management",
            Self::Leader => "leader",
            Self::Employee => "employee",
            Self::Politician => "politician",
            Self::Auditor => "auditor",
        }
    }

    /// Parses a stored or submitted code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL.into_iter().find(|r| r.code() == code).ok_or_else(|| RuleError::new("err-role-unknown"))
    }

    /// i18n key of the role's label.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::SystemAdmin => "role-system_admin",
            Self::Management => "role-management",
            Self::Leader => "role-leader",
            Self::Employee => "role-employee",
            Self::Politician => "role-politician",
            Self::Auditor => "role-auditor",
        }
    }
}

/// The signed-in user as the rules see them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// The user account.
    pub user_id: i64,
    /// The municipality the account belongs to; all reads and writes stay inside it.
    pub municipality_id: i64,
    /// The person record linked to the account, if any.
    pub person_id: Option<i64>,
    /// Granted roles.
    pub roles: BTreeSet<Role>,
    /// The unit the person works in.
    pub own_unit: Option<i64>,
    /// Units the person leads (valid units only).
    pub led_units: BTreeSet<i64>,
    /// Units whose edit rights are delegated to the person and not yet expired.
    pub delegated_units: BTreeSet<i64>,
}

impl Actor {
    /// Whether the actor holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    fn municipality_wide_editor(&self) -> bool {
        self.has(Role::SystemAdmin) || self.has(Role::Management)
    }

    fn municipality_wide_reader(&self) -> bool {
        self.municipality_wide_editor() || self.has(Role::Auditor)
    }

    /// Whether one of `units` is inside `ancestry` (the unit itself followed by its ancestors).
    fn scope_hits(units: &BTreeSet<i64>, ancestry: &[i64]) -> bool {
        ancestry.iter().any(|id| units.contains(id))
    }

    /// May see the organisation tree (names, kinds, leaders): every signed-in role.
    pub fn can_view_org_tree(&self) -> bool {
        !self.roles.is_empty()
    }

    /// May read a unit's restricted data (its people and their contact details).
    pub fn can_read_unit(&self, ancestry: &[i64]) -> bool {
        self.municipality_wide_reader()
            || Self::scope_hits(&self.led_units, ancestry)
            || Self::scope_hits(&self.delegated_units, ancestry)
            || (self.own_unit.is_some() && ancestry.first() == self.own_unit.as_ref())
    }

    /// May edit a unit (name, leader, validity, people, sub-units).
    pub fn can_edit_unit(&self, ancestry: &[i64]) -> bool {
        self.municipality_wide_editor()
            || Self::scope_hits(&self.led_units, ancestry)
            || Self::scope_hits(&self.delegated_units, ancestry)
    }

    /// May move units between parents and create service areas and staff units.
    pub fn can_restructure(&self) -> bool {
        self.municipality_wide_editor()
    }

    /// May delegate edit rights on a unit: only its own leader (or a municipality-wide editor).
    pub fn can_delegate(&self, unit_id: i64) -> bool {
        self.municipality_wide_editor() || self.led_units.contains(&unit_id)
    }

    /// May list and edit every person in the municipality.
    pub fn can_admin_people(&self) -> bool {
        self.municipality_wide_editor()
    }

    /// May grant roles and create user accounts.
    pub fn can_admin_users(&self) -> bool {
        self.has(Role::SystemAdmin)
    }

    /// May create or edit a plan owned by the unit with `owner_ancestry` (`None`: no owner unit).
    /// Municipality-wide editors edit every plan; a leader or delegate edits plans their units own,
    /// which in practice means their unit plans.
    pub fn can_edit_plan(&self, owner_ancestry: Option<&[i64]>) -> bool {
        self.municipality_wide_editor() || owner_ancestry.is_some_and(|a| self.can_edit_unit(a))
    }

    /// May import statistics, keep peer groups and link series to SDGs: municipality-wide editors.
    pub fn can_manage_statistics(&self) -> bool {
        self.municipality_wide_editor()
    }

    /// May keep the U4SSC self-assessment and KPI values: the same municipality-wide editors as statistics.
    pub fn can_manage_u4ssc(&self) -> bool {
        self.municipality_wide_editor()
    }

    /// May read the audit log.
    pub fn can_read_audit(&self) -> bool {
        self.has(Role::SystemAdmin) || self.has(Role::Auditor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: &[Role]) -> Actor {
        Actor { user_id: 1, municipality_id: 1, roles: roles.iter().copied().collect(), ..Actor::default() }
    }

    // Tree: 1 municipality > 2 service area > 3 unit > 4 department; 5 another unit under 2.
    const DEPT: [i64; 4] = [4, 3, 2, 1];
    const UNIT_Y: [i64; 3] = [5, 2, 1];

    #[test]
    fn leader_reads_and_edits_only_own_subtree() {
        let mut leader = actor(&[Role::Leader]);
        leader.led_units.insert(3);
        assert!(leader.can_read_unit(&DEPT));
        assert!(leader.can_edit_unit(&DEPT));
        assert!(!leader.can_read_unit(&UNIT_Y));
        assert!(!leader.can_edit_unit(&UNIT_Y));
        assert!(!leader.can_edit_unit(&[2, 1]), "not the parent service area");
        assert!(leader.can_delegate(3));
        assert!(!leader.can_delegate(4), "delegation only on units one leads directly");
        assert!(!leader.can_restructure());
    }

    #[test]
    fn delegate_edits_delegated_subtree_but_cannot_delegate_further() {
        let mut delegate = actor(&[Role::Employee]);
        delegate.delegated_units.insert(3);
        assert!(delegate.can_edit_unit(&DEPT));
        assert!(!delegate.can_edit_unit(&UNIT_Y));
        assert!(!delegate.can_delegate(3));
    }

    #[test]
    fn employee_reads_only_own_unit() {
        let mut employee = actor(&[Role::Employee]);
        employee.own_unit = Some(3);
        assert!(employee.can_read_unit(&[3, 2, 1]));
        assert!(!employee.can_read_unit(&DEPT), "a sub-unit is not one's own unit");
        assert!(!employee.can_edit_unit(&[3, 2, 1]));
    }

    #[test]
    fn municipality_wide_roles() {
        for role in [Role::SystemAdmin, Role::Management] {
            let a = actor(&[role]);
            assert!(a.can_edit_unit(&UNIT_Y) && a.can_restructure() && a.can_admin_people());
        }
        let auditor = actor(&[Role::Auditor]);
        assert!(auditor.can_read_unit(&UNIT_Y) && auditor.can_read_audit());
        assert!(!auditor.can_edit_unit(&UNIT_Y));
        let politician = actor(&[Role::Politician]);
        assert!(politician.can_view_org_tree());
        assert!(!politician.can_read_unit(&UNIT_Y) && !politician.can_read_audit());
        assert!(!actor(&[]).can_view_org_tree());
        assert!(!actor(&[Role::Management]).can_read_audit());
        assert!(actor(&[Role::SystemAdmin]).can_admin_users());
        assert!(!actor(&[Role::Management]).can_admin_users());
    }

    #[test]
    fn plans_are_edited_by_their_owners() {
        let mut leader = actor(&[Role::Leader]);
        leader.led_units.insert(3);
        assert!(leader.can_edit_plan(Some(&DEPT)));
        assert!(!leader.can_edit_plan(Some(&UNIT_Y)));
        assert!(!leader.can_edit_plan(None), "plans without an owner unit are the staff's");
        assert!(actor(&[Role::Management]).can_edit_plan(None));
        assert!(!actor(&[Role::Politician]).can_edit_plan(Some(&UNIT_Y)));
    }

    #[test]
    fn u4ssc_is_kept_by_municipality_wide_editors_only() {
        assert!(actor(&[Role::Management]).can_manage_u4ssc());
        assert!(actor(&[Role::SystemAdmin]).can_manage_u4ssc());
        let mut leader = actor(&[Role::Leader]);
        leader.led_units.insert(1);
        assert!(!leader.can_manage_u4ssc(), "leading the root unit is not municipality-wide editing");
        for role in [Role::Employee, Role::Politician, Role::Auditor] {
            assert!(!actor(&[role]).can_manage_u4ssc(), "{role:?}");
        }
    }

    #[test]
    fn roles_round_trip_through_codes() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()).unwrap(), role);
        }
        assert!(Role::parse("king").is_err());
    }
}
