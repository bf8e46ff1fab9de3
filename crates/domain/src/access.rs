//! Who may read and change what. Every handler asks these questions before touching data;
//! the store only answers for one municipality at a time.

use crate::RuleError;
use crate::plan::{PlanStatus, PlanType};
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
    /// *HR*: reads every leadership agreement of the municipality (personal data), nothing more.
    Hr,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 7] =
        [Self::SystemAdmin, Self::Management, Self::Leader, Self::Employee, Self::Politician, Self::Auditor, Self::Hr];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::SystemAdmin => "system_admin",
            Self::Management => "management",
            Self::Leader => "leader",
            Self::Employee => "employee",
            Self::Politician => "politician",
            Self::Auditor => "auditor",
            Self::Hr => "hr",
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
            Self::Hr => "role-hr",
        }
    }
}

/// What of a plan a caller may read: the answer of [`Actor::plan_view`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanView {
    /// The working copy as it reads now, drafts and unadopted edits included.
    Working,
    /// Only the last adopted version (the snapshot frozen at adoption), never edits made since.
    Adopted,
    /// Nothing: the plan is not listed, and a direct link answers like an unknown id.
    Hidden,
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

    /// Works on plans before they are adopted: the administration (system administrators,
    /// performance-management staff and every leader, from the chief executive to department heads).
    fn administration(&self) -> bool {
        self.municipality_wide_editor() || self.has(Role::Leader)
    }

    /// What the actor may read of a plan in `status` owned by the unit with `owner_ancestry`
    /// (the owner followed by its ancestors; `None`: no owner unit).
    ///
    /// - The administration works on drafts and reads every plan's working copy.
    /// - Whoever may edit the plan (a delegate) and an employee of the owner unit read its working
    ///   copy: it is their own unit's work.
    /// - Everybody else signed in (politicians, the auditor, other employees) reads what has been
    ///   formally put before the elected bodies: a plan on hearing as it stands, and of an adopted,
    ///   revised or expired plan only the last adopted version, so edits made under revision stay
    ///   with the administration until they are adopted. Drafts stay hidden. The auditor gets no
    ///   more than this: the control committee audits decisions and their implementation, which
    ///   are the adopted versions (all of them, on the versions page) and the audit log; a draft
    ///   is no decision yet.
    pub fn plan_view(&self, status: PlanStatus, owner_ancestry: Option<&[i64]>) -> PlanView {
        if self.roles.is_empty() {
            return PlanView::Hidden;
        }
        let own_unit = owner_ancestry.and_then(|a| a.first()).is_some_and(|o| self.own_unit == Some(*o));
        if self.administration() || self.can_edit_plan(owner_ancestry) || own_unit {
            return PlanView::Working;
        }
        match status {
            PlanStatus::Draft | PlanStatus::Delivered => PlanView::Hidden,
            PlanStatus::Hearing => PlanView::Working,
            PlanStatus::Adopted | PlanStatus::UnderRevision | PlanStatus::Expired => PlanView::Adopted,
        }
    }

    /// May approve (adopt) a unit plan owned by the unit with `owner_ancestry`: the superior
    /// leader, i.e. a leader of a unit above the owner, or a municipality-wide editor who does not
    /// lead the owner unit. A unit plan is not adopted politically, and never by its own unit: its
    /// leader, a department head below it or a delegate of its edit rights may prepare it, not
    /// approve it.
    pub fn can_approve_unit_plan(&self, owner_ancestry: Option<&[i64]>) -> bool {
        let Some((owner, above)) = owner_ancestry.and_then(|a| a.split_first()) else {
            return self.municipality_wide_editor();
        };
        Self::scope_hits(&self.led_units, above) || (self.municipality_wide_editor() && !self.led_units.contains(owner))
    }

    /// Checks what a status change needs beyond edit rights on the plan: approving a unit plan, and
    /// sending a delivered one back, is its superior leader's decision
    /// ([`Actor::can_approve_unit_plan`]), never the unit's own.
    pub fn check_plan_status_change(
        &self,
        plan_type: PlanType,
        (from, to): (PlanStatus, PlanStatus),
        owner_ancestry: Option<&[i64]>,
    ) -> Result<(), RuleError> {
        if plan_type != PlanType::UnitPlan || self.can_approve_unit_plan(owner_ancestry) {
            return Ok(());
        }
        if to == PlanStatus::Adopted {
            return Err(RuleError::new("err-plan-self-approval"));
        }
        if from == PlanStatus::Delivered && to == PlanStatus::Draft {
            return Err(RuleError::new("err-unit-plan-send-back-superior"));
        }
        Ok(())
    }

    /// May set the yearly delivery deadline of the unit plans: the management staff.
    pub fn can_manage_unit_plans(&self) -> bool {
        self.municipality_wide_editor()
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

    /// May read the assignment letters of the unit with `ancestry` (the unit first): a letter is an
    /// administrative steering document, so the management staff, the unit's leader and the leaders
    /// above it, delegates, the unit's employees and the auditor (who reads what was decided) read
    /// it; politicians and other units' leaders do not.
    pub fn can_read_letter(&self, ancestry: &[i64]) -> bool {
        self.can_read_unit(ancestry)
    }

    /// May edit the letters' template and frames and issue letters: the management staff.
    pub fn can_manage_letters(&self) -> bool {
        self.municipality_wide_editor()
    }

    /// May read a leadership agreement (*lederavtale*) between the leader `leader` (a person id)
    /// of the unit with `ancestry` (the unit first) and their superior `superior`. An agreement
    /// holds personal data (development points), so only these read it: the two parties, the
    /// leaders of the units above the unit (the superiors in the line), and HR. Not the system
    /// administrators, the management staff, the auditor, politicians, employees or other leaders,
    /// nor the unit's own leader when that is no longer the person the agreement is with.
    pub fn can_read_agreement(&self, leader: i64, superior: i64, ancestry: &[i64]) -> bool {
        self.is_agreement_party(leader, superior)
            || Self::scope_hits(&self.led_units, ancestry.get(1..).unwrap_or_default())
            || self.has(Role::Hr)
    }

    /// Is one of the two parties of an agreement between `leader` and `superior` (person ids):
    /// the parties edit its draft, sign it and make a new version of it.
    pub fn is_agreement_party(&self, leader: i64, superior: i64) -> bool {
        self.person_id.is_some_and(|p| p == leader || p == superior)
    }

    /// May acknowledge receipt of the letter to `unit_id`: its own leader only.
    pub fn can_acknowledge_letter(&self, unit_id: i64) -> bool {
        self.has(Role::Leader) && self.led_units.contains(&unit_id)
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
    fn administration_reads_every_plan_in_every_status() {
        let mut leader = actor(&[Role::Leader]);
        leader.led_units.insert(3);
        for a in [actor(&[Role::SystemAdmin]), actor(&[Role::Management]), leader] {
            for status in PlanStatus::ALL {
                assert_eq!(a.plan_view(status, Some(&UNIT_Y)), PlanView::Working, "{a:?} {status:?}");
                assert_eq!(a.plan_view(status, None), PlanView::Working, "{a:?} {status:?}");
            }
        }
    }

    #[test]
    fn politicians_and_auditors_read_what_was_put_before_the_elected_bodies() {
        for role in [Role::Politician, Role::Auditor] {
            let a = actor(&[role]);
            for owner in [None, Some(&UNIT_Y[..])] {
                assert_eq!(a.plan_view(PlanStatus::Draft, owner), PlanView::Hidden, "{role:?}");
                assert_eq!(a.plan_view(PlanStatus::Hearing, owner), PlanView::Working, "{role:?}");
                assert_eq!(a.plan_view(PlanStatus::Adopted, owner), PlanView::Adopted, "{role:?}");
                assert_eq!(a.plan_view(PlanStatus::UnderRevision, owner), PlanView::Adopted, "{role:?}");
                assert_eq!(a.plan_view(PlanStatus::Expired, owner), PlanView::Adopted, "{role:?}");
            }
        }
        assert_eq!(actor(&[]).plan_view(PlanStatus::Adopted, None), PlanView::Hidden, "no role, no plans");
    }

    #[test]
    fn employees_read_their_own_units_work_and_adopted_plans() {
        let mut employee = actor(&[Role::Employee]);
        employee.own_unit = Some(3);
        assert_eq!(employee.plan_view(PlanStatus::Draft, Some(&[3, 2, 1])), PlanView::Working);
        assert_eq!(employee.plan_view(PlanStatus::UnderRevision, Some(&[3, 2, 1])), PlanView::Working);
        assert_eq!(employee.plan_view(PlanStatus::Draft, Some(&DEPT)), PlanView::Hidden, "not a sub-unit's draft");
        assert_eq!(employee.plan_view(PlanStatus::Draft, Some(&UNIT_Y)), PlanView::Hidden);
        assert_eq!(employee.plan_view(PlanStatus::Draft, None), PlanView::Hidden);
        assert_eq!(employee.plan_view(PlanStatus::UnderRevision, Some(&UNIT_Y)), PlanView::Adopted);
        assert_eq!(employee.plan_view(PlanStatus::Adopted, None), PlanView::Adopted);
        let mut delegate = actor(&[Role::Employee]);
        delegate.delegated_units.insert(5);
        assert_eq!(delegate.plan_view(PlanStatus::Draft, Some(&UNIT_Y)), PlanView::Working, "a delegate edits it");
        // A politician who also works in a unit reads that unit's drafts, and no other.
        let mut both = actor(&[Role::Politician, Role::Employee]);
        both.own_unit = Some(5);
        assert_eq!(both.plan_view(PlanStatus::Draft, Some(&UNIT_Y)), PlanView::Working);
        assert_eq!(both.plan_view(PlanStatus::Draft, Some(&DEPT)), PlanView::Hidden);
    }

    #[test]
    fn whoever_may_edit_a_plan_reads_its_working_copy() {
        let mut delegate = actor(&[Role::Politician]);
        delegate.delegated_units.insert(3);
        assert!(delegate.can_edit_plan(Some(&DEPT)));
        for status in PlanStatus::ALL {
            assert_eq!(delegate.plan_view(status, Some(&DEPT)), PlanView::Working, "{status:?}");
            assert_eq!(delegate.plan_view(status, Some(&UNIT_Y)), actor(&[Role::Politician]).plan_view(status, None));
        }
    }

    #[test]
    fn unit_plans_are_approved_above_their_unit() {
        // Unit 3's plan: its leader and the head of department 4 below it may not approve it.
        let mut own = actor(&[Role::Leader]);
        own.led_units.insert(3);
        assert!(!own.can_approve_unit_plan(Some(&[3, 2, 1])));
        let mut below = actor(&[Role::Leader]);
        below.led_units.insert(4);
        assert!(!below.can_approve_unit_plan(Some(&[3, 2, 1])));
        let mut delegate = actor(&[Role::Employee]);
        delegate.delegated_units.insert(2);
        assert!(!delegate.can_approve_unit_plan(Some(&[3, 2, 1])), "delegated edit rights approve nothing");
        let mut director = actor(&[Role::Leader]);
        director.led_units.insert(2);
        assert!(director.can_approve_unit_plan(Some(&[3, 2, 1])));
        let mut chief = actor(&[Role::Leader]);
        chief.led_units.insert(1);
        assert!(chief.can_approve_unit_plan(Some(&[3, 2, 1])));
        assert!(actor(&[Role::Management]).can_approve_unit_plan(Some(&[3, 2, 1])));
        assert!(actor(&[Role::SystemAdmin]).can_approve_unit_plan(None));
        let mut staff_leading_it = actor(&[Role::Management, Role::Leader]);
        staff_leading_it.led_units.insert(3);
        assert!(!staff_leading_it.can_approve_unit_plan(Some(&[3, 2, 1])), "no self-approval, whatever the role");
        assert!(!actor(&[Role::Politician]).can_approve_unit_plan(Some(&[3, 2, 1])));
        assert!(!own.can_approve_unit_plan(None));
        use PlanStatus::{Adopted, Delivered, Draft};
        let unit = PlanType::UnitPlan;
        let refused = own.check_plan_status_change(unit, (Delivered, Adopted), Some(&[3, 2, 1]));
        assert_eq!(refused.unwrap_err().key, "err-plan-self-approval");
        let refused = own.check_plan_status_change(unit, (Delivered, Draft), Some(&[3, 2, 1]));
        assert_eq!(refused.unwrap_err().key, "err-unit-plan-send-back-superior", "nor sends it back");
        assert!(own.check_plan_status_change(unit, (Draft, Delivered), Some(&[3, 2, 1])).is_ok(), "delivers");
        assert!(director.check_plan_status_change(unit, (Delivered, Adopted), Some(&[3, 2, 1])).is_ok());
        assert!(director.check_plan_status_change(unit, (Delivered, Draft), Some(&[3, 2, 1])).is_ok());
        // Other plan types are adopted politically, after a recorded decision (`PlanStatus::check_transition`).
        let thematic = PlanType::ThematicPlan;
        assert!(own.check_plan_status_change(thematic, (PlanStatus::Hearing, Adopted), Some(&[3, 2, 1])).is_ok());
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
    fn agreements_are_read_by_the_parties_the_line_above_and_hr_only() {
        // The agreement of department 4's head (person 40) with unit 3's manager (person 30).
        let (head, manager) = (40, 30);
        let person = |id: i64, roles: &[Role], led: &[i64]| {
            let mut a = actor(roles);
            a.person_id = Some(id);
            a.led_units = led.iter().copied().collect();
            a
        };
        assert!(person(40, &[Role::Leader], &[4]).can_read_agreement(head, manager, &DEPT), "the leader");
        assert!(person(30, &[Role::Leader], &[3]).can_read_agreement(head, manager, &DEPT), "the superior");
        assert!(person(20, &[Role::Leader], &[2]).can_read_agreement(head, manager, &DEPT), "the director above");
        assert!(person(10, &[Role::Leader, Role::Management], &[1]).can_read_agreement(head, manager, &DEPT));
        assert!(actor(&[Role::Hr]).can_read_agreement(head, manager, &DEPT), "HR");
        assert!(!person(41, &[Role::Leader], &[4]).can_read_agreement(head, manager, &DEPT), "a later head");
        assert!(!person(50, &[Role::Leader], &[5]).can_read_agreement(head, manager, &DEPT), "another unit");
        for role in [Role::SystemAdmin, Role::Management, Role::Employee, Role::Politician, Role::Auditor] {
            assert!(!actor(&[role]).can_read_agreement(head, manager, &DEPT), "{role:?}");
            let mut colleague = person(99, &[role], &[]);
            colleague.own_unit = Some(4);
            colleague.delegated_units.insert(3);
            assert!(!colleague.can_read_agreement(head, manager, &DEPT), "{role:?} working in the unit");
        }
        assert!(!actor(&[]).can_read_agreement(head, manager, &DEPT));
        assert!(person(40, &[Role::Leader], &[4]).is_agreement_party(head, manager));
        assert!(!person(20, &[Role::Leader], &[2]).is_agreement_party(head, manager), "the line reads, no more");
        assert!(!actor(&[Role::Hr]).is_agreement_party(head, manager));
    }

    #[test]
    fn roles_round_trip_through_codes() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()).unwrap(), role);
        }
        assert!(Role::parse("king").is_err());
    }
}
