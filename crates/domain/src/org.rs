//! The organisation tree: municipality → service area → unit → department, plus staff units.

use crate::RuleError;
use serde::{Deserialize, Serialize};

/// What an organisation unit is; the kind decides where it may sit in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgUnitKind {
    /// The whole municipality, led by the chief executive (*kommunedirektør*).
    Municipality,
    /// *Tjenesteområde*, led by a director.
    ServiceArea,
    /// *Stab*: a staff unit directly under the chief executive.
    Staff,
    /// *Virksomhet*, led by a unit manager.
    Unit,
    /// *Avdeling*, led by a department head.
    Department,
}

impl OrgUnitKind {
    /// Every kind, in tree order.
    pub const ALL: [OrgUnitKind; 5] =
        [Self::Municipality, Self::ServiceArea, Self::Staff, Self::Unit, Self::Department];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Municipality => "municipality",
            Self::ServiceArea => "service_area",
            Self::Staff => "staff",
            Self::Unit => "unit",
            Self::Department => "department",
        }
    }

    /// Parses a stored or submitted code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL.into_iter().find(|k| k.code() == code).ok_or_else(|| RuleError::new("err-kind-unknown"))
    }

    /// i18n key of the kind's label.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Municipality => "kind-municipality",
            Self::ServiceArea => "kind-service_area",
            Self::Staff => "kind-staff",
            Self::Unit => "kind-unit",
            Self::Department => "kind-department",
        }
    }

    /// Whether a unit of this kind may sit directly under a unit of `parent` kind (`None` = no parent).
    pub fn may_sit_under(self, parent: Option<OrgUnitKind>) -> bool {
        use OrgUnitKind::*;
        matches!(
            (self, parent),
            (Municipality, None)
                | (ServiceArea | Staff, Some(Municipality))
                | (Unit, Some(ServiceArea | Staff))
                | (Department, Some(Unit | Staff))
        )
    }

    /// Kinds that may be created directly under this kind.
    pub fn child_kinds(self) -> Vec<OrgUnitKind> {
        Self::ALL.into_iter().filter(|k| k.may_sit_under(Some(self))).collect()
    }

    /// Checks placement, returning the rule error a user sees.
    pub fn check_parent(self, parent: Option<OrgUnitKind>) -> Result<(), RuleError> {
        if self.may_sit_under(parent) { Ok(()) } else { Err(RuleError::new("err-kind-placement")) }
    }
}

/// Management level (*ledernivå*) 1–4: chief executive, director, unit manager, department head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LeaderLevel(u8);

impl LeaderLevel {
    /// Derives the level from the depth of the unit in the tree (the municipality has depth 0).
    pub fn from_depth(depth: usize) -> Self {
        Self((depth.min(3) + 1) as u8)
    }

    /// The level as a number 1–4.
    pub fn get(self) -> u8 {
        self.0
    }

    /// Authority level (*fullmaktsnivå*): levels 1–2 hold authority level 1, levels 3–4 level 2.
    pub fn authority(self) -> AuthorityLevel {
        if self.0 <= 2 { AuthorityLevel(1) } else { AuthorityLevel(2) }
    }
}

/// Authority level (*fullmaktsnivå*) 1–2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AuthorityLevel(u8);

impl AuthorityLevel {
    /// The level as a number 1–2.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// Refuses a move that would make a unit its own ancestor.
///
/// `new_parent_ancestry` is the new parent followed by its ancestors up to the root.
pub fn check_no_cycle(unit_id: i64, new_parent_ancestry: &[i64]) -> Result<(), RuleError> {
    if new_parent_ancestry.contains(&unit_id) { Err(RuleError::new("err-org-cycle")) } else { Ok(()) }
}

/// Validity dates: a unit stops being valid on `valid_to` (exclusive end is not used; the last day counts).
pub fn check_validity(valid_from: chrono::NaiveDate, valid_to: Option<chrono::NaiveDate>) -> Result<(), RuleError> {
    match valid_to {
        Some(to) if to < valid_from => Err(RuleError::new("err-validity-order")),
        _ => Ok(()),
    }
}

/// Decoding a stored code: an unknown kind is an error, never a default.
impl TryFrom<String> for OrgUnitKind {
    type Error = RuleError;
    fn try_from(code: String) -> Result<Self, RuleError> {
        Self::parse(&code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrgUnitKind::*;

    #[test]
    fn tree_placement_rules() {
        assert!(Municipality.may_sit_under(None));
        assert!(!Municipality.may_sit_under(Some(Municipality)));
        assert!(ServiceArea.may_sit_under(Some(Municipality)));
        assert!(Staff.may_sit_under(Some(Municipality)));
        assert!(Unit.may_sit_under(Some(ServiceArea)));
        assert!(Department.may_sit_under(Some(Unit)));
        assert!(!Department.may_sit_under(Some(Department)));
        assert!(!Unit.may_sit_under(Some(Municipality)));
        assert!(!ServiceArea.may_sit_under(None));
        assert_eq!(Municipality.child_kinds(), vec![ServiceArea, Staff]);
        assert_eq!(Department.child_kinds(), Vec::<OrgUnitKind>::new());
        assert_eq!(Department.check_parent(Some(ServiceArea)).unwrap_err().key, "err-kind-placement");
    }

    #[test]
    fn kinds_round_trip_through_codes() {
        for kind in OrgUnitKind::ALL {
            assert_eq!(OrgUnitKind::parse(kind.code()).unwrap(), kind);
        }
        assert!(OrgUnitKind::parse("team").is_err());
    }

    #[test]
    fn leader_and_authority_levels_follow_depth() {
        let levels: Vec<(u8, u8)> =
            (0..5).map(LeaderLevel::from_depth).map(|l| (l.get(), l.authority().get())).collect();
        assert_eq!(levels, vec![(1, 1), (2, 1), (3, 2), (4, 2), (4, 2)]);
    }

    #[test]
    fn cycles_are_refused() {
        assert_eq!(check_no_cycle(5, &[7, 5, 1]).unwrap_err().key, "err-org-cycle");
        assert_eq!(check_no_cycle(5, &[5]).unwrap_err().key, "err-org-cycle");
        assert!(check_no_cycle(5, &[7, 3, 1]).is_ok());
    }

    #[test]
    fn validity_end_not_before_start() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(check_validity(d("2024-01-01"), None).is_ok());
        assert!(check_validity(d("2024-01-01"), Some(d("2024-01-01"))).is_ok());
        assert_eq!(check_validity(d("2024-01-02"), Some(d("2024-01-01"))).unwrap_err().key, "err-validity-order");
    }
}
