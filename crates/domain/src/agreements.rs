//! Leadership agreements (*lederavtaler*): what one version of an agreement between a leader and
//! their superior holds, the order of the two signatures, and how an element the leader committed
//! to compares with the plan it was picked from.

use serde::{Deserialize, Serialize};

use crate::RuleError;
use crate::org::OrgUnitKind;
use crate::plan::{ElementKind, PlanType};

/// The most development points one agreement holds.
pub const DEVELOPMENT_POINTS_MAX: usize = 20;
/// The longest development point, in characters.
pub const DEVELOPMENT_POINT_MAX: usize = 1_000;
/// The longest text of delegated authority, in characters.
pub const AUTHORITY_MAX: usize = 10_000;
/// The most plan elements one agreement commits to.
pub const ITEMS_MAX: usize = 200;

/// What one version of an agreement says. A signed version is frozen as it was signed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementContent {
    /// The goals, assignments and measures the leader commits to, as they read when saved.
    pub items: Vec<CommittedItem>,
    /// Personal development points, one text each.
    pub development_points: Vec<String>,
    /// The authority delegated to the leader, in words.
    pub authority: String,
}

/// A plan element the leader commits to: a reference and the text it had when the version was
/// saved (for a signed version: when it was signed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommittedItem {
    /// The goal element.
    pub element_id: i64,
    /// Its kind code (`main_goal`, `sub_goal`, `assignment`, `measure`).
    pub kind: String,
    /// Its text when saved.
    pub text: String,
}

/// Whether an element of `kind` can be committed to in an agreement: goals, assignments, measures.
pub fn committable(kind: ElementKind) -> bool {
    matches!(kind, ElementKind::MainGoal | ElementKind::SubGoal | ElementKind::Assignment | ElementKind::Measure)
}

/// Whether a unit of `kind` has leadership agreements with the leader above it: a unit's manager
/// with the director of the service area, a department head with the unit's manager.
pub fn has_agreements(kind: OrgUnitKind) -> bool {
    matches!(kind, OrgUnitKind::Unit | OrgUnitKind::Department)
}

/// Where a plan element sits, as far as picking it for an agreement goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The element's kind.
    pub kind: ElementKind,
    /// The type of its plan.
    pub plan_type: PlanType,
    /// The plan's first year.
    pub start_year: i64,
    /// The plan's last year.
    pub end_year: i64,
    /// The plan's owner unit.
    pub plan_owner: Option<i64>,
    /// The element's owner unit.
    pub element_owner: Option<i64>,
}

/// Whether the leader of the unit with `ancestry` (the unit first, the municipality last) can commit
/// to an element placed so in the agreement of `year`: a goal, assignment or measure of a unit plan
/// or an action programme that covers the year, in the plan of the unit or a unit above it, or given
/// to one of those units. What belongs to the municipality as a whole is not picked by itself: the
/// agreement holds what the leader's own part of the line is given.
pub fn eligible(p: &Placement, year: i64, ancestry: &[i64]) -> bool {
    let line = match ancestry.split_last() {
        Some((_, above_root)) if !above_root.is_empty() => above_root,
        _ => return false,
    };
    committable(p.kind)
        && matches!(p.plan_type, PlanType::UnitPlan | PlanType::ActionProgramme)
        && p.start_year <= year
        && year <= p.end_year
        && (p.plan_owner.is_some_and(|o| line.contains(&o)) || p.element_owner.is_some_and(|o| line.contains(&o)))
}

/// The development points of a text area: one per non-empty line, trimmed.
pub fn parse_development_points(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

impl AgreementContent {
    /// Checks the limits of what an agreement holds.
    pub fn check(&self) -> Result<(), RuleError> {
        if self.items.len() > ITEMS_MAX {
            return Err(RuleError::new("err-agreement-items-many").with("max", ITEMS_MAX.to_string()).on("items"));
        }
        if self.development_points.len() > DEVELOPMENT_POINTS_MAX {
            return Err(RuleError::new("err-agreement-points-many")
                .with("max", DEVELOPMENT_POINTS_MAX.to_string())
                .on("development_points"));
        }
        if self.development_points.iter().any(|p| p.chars().count() > DEVELOPMENT_POINT_MAX) {
            return Err(RuleError::new("err-agreement-point-long")
                .with("max", DEVELOPMENT_POINT_MAX.to_string())
                .on("development_points"));
        }
        if self.authority.chars().count() > AUTHORITY_MAX {
            return Err(RuleError::new("err-agreement-authority-long")
                .with("max", AUTHORITY_MAX.to_string())
                .on("authority"));
        }
        Ok(())
    }
}

/// Who signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// The leader the agreement is with; signs first.
    Leader,
    /// The superior leader; signs after the leader.
    Superior,
}

/// The signatures a version has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signatures {
    /// The leader has signed.
    pub leader: bool,
    /// The superior has signed.
    pub superior: bool,
}

impl Signatures {
    /// Both have signed: the version is frozen.
    pub fn complete(self) -> bool {
        self.leader && self.superior
    }

    /// Which signature the person is about to give, or why they cannot: only the two parties sign,
    /// the leader first, each once, and a complete version takes no more signatures.
    pub fn next(self, is_leader: bool, is_superior: bool) -> Result<Signer, RuleError> {
        if !is_leader && !is_superior {
            return Err(RuleError::new("err-agreement-not-party"));
        }
        if self.complete() {
            return Err(RuleError::new("err-agreement-frozen"));
        }
        if is_leader && !self.leader {
            return Ok(Signer::Leader);
        }
        if is_superior {
            if !self.leader {
                return Err(RuleError::new("err-agreement-leader-first"));
            }
            return Ok(Signer::Superior);
        }
        Err(RuleError::new("err-agreement-signed-already"))
    }
}

/// How a committed element compares with its plan now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemSync {
    /// The element reads as it did.
    Current,
    /// The element's text changed since the version was saved or signed.
    Changed,
    /// The element was removed from its plan.
    Removed,
}

/// Compares the text an agreement holds with the element's text now (`None`: removed).
pub fn sync(stored: &str, now: Option<&str>) -> ItemSync {
    match now {
        None => ItemSync::Removed,
        Some(t) if t == stored => ItemSync::Current,
        Some(_) => ItemSync::Changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leader_signs_before_the_superior() {
        let none = Signatures::default();
        assert_eq!(none.next(true, false), Ok(Signer::Leader));
        assert_eq!(none.next(false, true).unwrap_err().key, "err-agreement-leader-first");
        assert_eq!(none.next(false, false).unwrap_err().key, "err-agreement-not-party");
        let leader = Signatures { leader: true, superior: false };
        assert_eq!(leader.next(false, true), Ok(Signer::Superior));
        assert_eq!(leader.next(true, false).unwrap_err().key, "err-agreement-signed-already");
        let both = Signatures { leader: true, superior: true };
        assert!(both.complete() && !leader.complete());
        assert_eq!(both.next(true, false).unwrap_err().key, "err-agreement-frozen");
        assert_eq!(both.next(false, true).unwrap_err().key, "err-agreement-frozen");
        // Someone who is both (a leader of two levels) signs as leader first, then as superior.
        assert_eq!(none.next(true, true), Ok(Signer::Leader));
        assert_eq!(leader.next(true, true), Ok(Signer::Superior));
    }

    #[test]
    fn elements_of_the_line_and_the_year_are_eligible() {
        // Department 4 under unit 3 under service area 2 under the municipality 1.
        let line = [4, 3, 2, 1];
        let p = Placement {
            kind: ElementKind::Measure,
            plan_type: PlanType::UnitPlan,
            start_year: 2026,
            end_year: 2026,
            plan_owner: Some(3),
            element_owner: None,
        };
        assert!(eligible(&p, 2026, &line), "the unit's own plan");
        assert!(!eligible(&p, 2027, &line), "another year");
        assert!(!eligible(&Placement { plan_owner: Some(5), ..p }, 2026, &line), "another unit's plan");
        assert!(eligible(&Placement { plan_owner: Some(5), element_owner: Some(4), ..p }, 2026, &line));
        assert!(!eligible(&Placement { kind: ElementKind::Indicator, ..p }, 2026, &line));
        let programme = Placement {
            kind: ElementKind::Assignment,
            plan_type: PlanType::ActionProgramme,
            start_year: 2026,
            end_year: 2029,
            plan_owner: None,
            element_owner: Some(2),
        };
        assert!(eligible(&programme, 2027, &line), "given to the service area above");
        assert!(!eligible(&Placement { element_owner: Some(1), ..programme }, 2027, &line), "the whole municipality");
        assert!(!eligible(&Placement { element_owner: None, ..programme }, 2027, &line));
        assert!(!eligible(&Placement { plan_type: PlanType::ThematicPlan, ..programme }, 2027, &line));
        assert!(!eligible(&programme, 2027, &[1]), "no line below the municipality");
    }

    #[test]
    fn items_are_marked_changed_or_removed() {
        assert_eq!(sync("Øke lesing", Some("Øke lesing")), ItemSync::Current);
        assert_eq!(sync("Øke lesing", Some("Øke lesing i 1.–4. trinn")), ItemSync::Changed);
        assert_eq!(sync("Øke lesing", None), ItemSync::Removed);
    }

    #[test]
    fn content_limits() {
        let mut c = AgreementContent {
            items: vec![],
            development_points: parse_development_points("  Lederutvikling \n\n Veiledning  \n"),
            authority: "Budsjett".into(),
        };
        assert_eq!(c.development_points, vec!["Lederutvikling", "Veiledning"]);
        assert!(c.check().is_ok());
        c.development_points = vec!["x".repeat(DEVELOPMENT_POINT_MAX + 1)];
        assert_eq!(c.check().unwrap_err().field, Some("development_points"));
        c.development_points = vec!["p".into(); DEVELOPMENT_POINTS_MAX + 1];
        assert_eq!(c.check().unwrap_err().key, "err-agreement-points-many");
        c.development_points = vec![];
        c.authority = "a".repeat(AUTHORITY_MAX + 1);
        assert_eq!(c.check().unwrap_err().field, Some("authority"));
    }

    #[test]
    fn only_goals_assignments_and_measures_are_committed_to() {
        assert!(committable(ElementKind::Measure) && committable(ElementKind::Assignment));
        assert!(committable(ElementKind::SubGoal) && committable(ElementKind::MainGoal));
        assert!(!committable(ElementKind::Vision) && !committable(ElementKind::Indicator));
        assert!(!committable(ElementKind::Strategy));
        assert!(has_agreements(OrgUnitKind::Unit) && has_agreements(OrgUnitKind::Department));
        assert!(!has_agreements(OrgUnitKind::ServiceArea) && !has_agreements(OrgUnitKind::Municipality));
    }
}
