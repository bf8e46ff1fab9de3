//! The plan system (*plansystemet*) and goal structure (*målstruktur*): plan types, the plan
//! lifecycle, goal-element kinds and where they may sit, and the formulation rules.

use crate::RuleError;
use serde::{Deserialize, Serialize};

/// A type of plan in the municipal plan system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlanType {
    /// *Planstrategi*: once per election period.
    PlanningStrategy,
    /// *Planprogram*: before master plan work.
    PlanningProgramme,
    /// *Analysegrunnlag* including LIDA.
    AnalysisBase,
    /// *Kommuneplanens samfunnsdel*.
    MasterPlanSocial,
    /// *Kommuneplanens arealdel*.
    MasterPlanLandUse,
    /// *Kommuneplanens handlingsdel*.
    MasterPlanAction,
    /// *Temaplan* / *kommunedelplan*.
    ThematicPlan,
    /// *Handlingsprogram* with *økonomiplan* and *årsbudsjett*.
    ActionProgramme,
    /// *Virksomhetsplan*: every unit, every year.
    UnitPlan,
    /// *Eierskapsmelding*.
    OwnershipPolicy,
}

impl PlanType {
    /// Every type, in the order of the plan system.
    pub const ALL: [PlanType; 10] = [
        Self::PlanningStrategy,
        Self::PlanningProgramme,
        Self::AnalysisBase,
        Self::MasterPlanSocial,
        Self::MasterPlanLandUse,
        Self::MasterPlanAction,
        Self::ThematicPlan,
        Self::ActionProgramme,
        Self::UnitPlan,
        Self::OwnershipPolicy,
    ];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::PlanningStrategy => "planning_strategy",
            Self::PlanningProgramme => "planning_programme",
            Self::AnalysisBase => "analysis_base",
            Self::MasterPlanSocial => "master_plan_social",
            Self::MasterPlanLandUse => "master_plan_land_use",
            Self::MasterPlanAction => "master_plan_action",
            Self::ThematicPlan => "thematic_plan",
            Self::ActionProgramme => "action_programme",
            Self::UnitPlan => "unit_plan",
            Self::OwnershipPolicy => "ownership_policy",
        }
    }

    /// Parses a stored or submitted code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL.into_iter().find(|t| t.code() == code).ok_or_else(|| RuleError::new("err-plan-type-unknown"))
    }

    /// i18n key of the type's label.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::PlanningStrategy => "plan-type-planning_strategy",
            Self::PlanningProgramme => "plan-type-planning_programme",
            Self::AnalysisBase => "plan-type-analysis_base",
            Self::MasterPlanSocial => "plan-type-master_plan_social",
            Self::MasterPlanLandUse => "plan-type-master_plan_land_use",
            Self::MasterPlanAction => "plan-type-master_plan_action",
            Self::ThematicPlan => "plan-type-thematic_plan",
            Self::ActionProgramme => "plan-type-action_programme",
            Self::UnitPlan => "plan-type-unit_plan",
            Self::OwnershipPolicy => "plan-type-ownership_policy",
        }
    }

    /// All plans but unit plans are adopted politically.
    pub fn politically_adopted(self) -> bool {
        self != Self::UnitPlan
    }

    /// Plans under the Planning and Building Act go on public hearing before adoption.
    pub fn requires_hearing(self) -> bool {
        matches!(self, Self::PlanningProgramme | Self::MasterPlanSocial | Self::MasterPlanLandUse | Self::ThematicPlan)
    }

    /// Usual horizon in years, used to warn about plans past their horizon.
    pub fn horizon_years(self) -> i32 {
        match self {
            Self::MasterPlanSocial | Self::MasterPlanLandUse | Self::ThematicPlan => 12,
            Self::AnalysisBase => 20,
            Self::PlanningStrategy | Self::ActionProgramme | Self::OwnershipPolicy => 4,
            Self::PlanningProgramme | Self::MasterPlanAction | Self::UnitPlan => 1,
        }
    }
}

/// Where a plan is in its life (*livsløp*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlanStatus {
    /// *Under arbeid*.
    Draft,
    /// *Levert*: a unit plan handed to the superior leader for approval, read-only until approved
    /// or sent back. Only unit plans are delivered.
    Delivered,
    /// *På høring*.
    Hearing,
    /// *Vedtatt*.
    Adopted,
    /// *Under revisjon*.
    UnderRevision,
    /// *Utgått*.
    Expired,
}

impl PlanStatus {
    /// Every status in lifecycle order.
    pub const ALL: [PlanStatus; 6] =
        [Self::Draft, Self::Delivered, Self::Hearing, Self::Adopted, Self::UnderRevision, Self::Expired];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Delivered => "delivered",
            Self::Hearing => "hearing",
            Self::Adopted => "adopted",
            Self::UnderRevision => "under_revision",
            Self::Expired => "expired",
        }
    }

    /// Parses a stored or submitted code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL.into_iter().find(|s| s.code() == code).ok_or_else(|| RuleError::new("err-plan-status-unknown"))
    }

    /// i18n key of the status label.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Draft => "plan-status-draft",
            Self::Delivered => "plan-status-delivered",
            Self::Hearing => "plan-status-hearing",
            Self::Adopted => "plan-status-adopted",
            Self::UnderRevision => "plan-status-under_revision",
            Self::Expired => "plan-status-expired",
        }
    }

    /// Whether goal elements may be edited in this status (an adopted plan is frozen, and so is a
    /// delivered unit plan until it is sent back).
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Hearing | Self::UnderRevision)
    }

    /// Statuses a plan of `plan_type` may move to from here. A unit plan goes *utkast → levert →
    /// godkjent*: it is delivered before it is approved, and a delivered plan goes back to draft
    /// (sent back) or on to approval; a revised unit plan is delivered again.
    pub fn next(self, plan_type: PlanType) -> Vec<PlanStatus> {
        use PlanStatus::*;
        if plan_type == PlanType::UnitPlan {
            return match self {
                Draft => vec![Delivered],
                Delivered => vec![Draft, Adopted],
                Hearing => vec![Draft],
                Adopted => vec![UnderRevision, Expired],
                UnderRevision => vec![Delivered, Expired],
                Expired => vec![],
            };
        }
        match self {
            Delivered => vec![Draft],
            Draft if plan_type.requires_hearing() => vec![Hearing],
            Draft => vec![Hearing, Adopted],
            Hearing => vec![Draft, Adopted],
            Adopted => vec![UnderRevision, Expired],
            UnderRevision => vec![Adopted, Expired],
            Expired => vec![],
        }
    }

    /// Checks a transition; adopting a politically adopted plan needs a recorded decision.
    pub fn check_transition(self, to: PlanStatus, plan_type: PlanType, has_decision: bool) -> Result<(), RuleError> {
        if !self.next(plan_type).contains(&to) {
            if to == PlanStatus::Adopted && plan_type == PlanType::UnitPlan {
                return Err(RuleError::new("err-unit-plan-deliver-first"));
            }
            if to == PlanStatus::Adopted && self == PlanStatus::Draft {
                return Err(RuleError::new("err-plan-needs-hearing"));
            }
            return Err(RuleError::new("err-plan-transition"));
        }
        if to == PlanStatus::Adopted && plan_type.politically_adopted() && !has_decision {
            return Err(RuleError::new("err-plan-adopt-needs-decision"));
        }
        Ok(())
    }
}

/// A level in the goal structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ElementKind {
    /// *Visjon*.
    Vision,
    /// *Hovedmål*.
    MainGoal,
    /// *Delmål*.
    SubGoal,
    /// *Strategi*.
    Strategy,
    /// *Oppdrag*.
    Assignment,
    /// *Tiltak*.
    Measure,
    /// *Indikator*.
    Indicator,
}

impl ElementKind {
    /// Every kind, top down.
    pub const ALL: [ElementKind; 7] =
        [Self::Vision, Self::MainGoal, Self::SubGoal, Self::Strategy, Self::Assignment, Self::Measure, Self::Indicator];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Vision => "vision",
            Self::MainGoal => "main_goal",
            Self::SubGoal => "sub_goal",
            Self::Strategy => "strategy",
            Self::Assignment => "assignment",
            Self::Measure => "measure",
            Self::Indicator => "indicator",
        }
    }

    /// Parses a stored or submitted code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL.into_iter().find(|k| k.code() == code).ok_or_else(|| RuleError::new("err-element-kind-unknown"))
    }

    /// i18n key of the default label (a municipality may rename it).
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Vision => "element-vision",
            Self::MainGoal => "element-main_goal",
            Self::SubGoal => "element-sub_goal",
            Self::Strategy => "element-strategy",
            Self::Assignment => "element-assignment",
            Self::Measure => "element-measure",
            Self::Indicator => "element-indicator",
        }
    }

    /// Goals describe a desired state.
    pub fn is_goal(self) -> bool {
        matches!(self, Self::MainGoal | Self::SubGoal)
    }

    /// Whether an element of this kind may sit under `parent` (`None` = top level of the plan).
    pub fn may_sit_under(self, parent: Option<ElementKind>) -> bool {
        use ElementKind::*;
        matches!(
            (self, parent),
            (Vision, None)
                | (MainGoal, None | Some(Vision))
                | (SubGoal, Some(MainGoal))
                | (Strategy, Some(MainGoal | SubGoal))
                | (Assignment, Some(MainGoal | SubGoal | Strategy))
                | (Measure, Some(SubGoal | Strategy | Assignment))
                | (Indicator, None | Some(MainGoal | SubGoal))
        )
    }

    /// Checks placement.
    pub fn check_parent(self, parent: Option<ElementKind>) -> Result<(), RuleError> {
        if self.may_sit_under(parent) { Ok(()) } else { Err(RuleError::new("err-element-placement")) }
    }

    /// Kinds that may be added directly under this kind.
    pub fn child_kinds(self) -> Vec<ElementKind> {
        Self::ALL.into_iter().filter(|k| k.may_sit_under(Some(self))).collect()
    }

    /// Kinds that may stand at the top of a plan.
    pub fn top_kinds() -> Vec<ElementKind> {
        Self::ALL.into_iter().filter(|k| k.may_sit_under(None)).collect()
    }
}

/// An element's place in its plan's tree, as the move rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Element id.
    pub id: i64,
    /// Parent element in the same plan (`None` at the top).
    pub parent_id: Option<i64>,
    /// Kind.
    pub kind: ElementKind,
}

/// `id` and every element under it in `tree`.
fn subtree(tree: &[Placement], id: i64) -> Vec<i64> {
    let mut out = vec![id];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        // A cycle in bad data must not loop forever: each id is taken once.
        let children: Vec<i64> =
            tree.iter().filter(|e| e.parent_id == Some(parent) && !out.contains(&e.id)).map(|e| e.id).collect();
        out.extend(children);
        i += 1;
    }
    out
}

/// Checks moving element `id` of `tree` (its plan's live elements) under `new_parent` (`None` = the
/// top of the plan): the parent must be in the plan, not the element or anything under it, and of a
/// kind the element may sit under. Errors name the field `parent_id`.
pub fn check_move(tree: &[Placement], id: i64, new_parent: Option<i64>) -> Result<(), RuleError> {
    let element = tree.iter().find(|e| e.id == id).ok_or_else(|| RuleError::new("err-element-parent-unknown"))?;
    let parent_kind = match new_parent {
        None => None,
        Some(p) if subtree(tree, id).contains(&p) => {
            return Err(RuleError::new("err-element-move-under-itself").on("parent_id"));
        }
        Some(p) => Some(
            tree.iter()
                .find(|e| e.id == p)
                .ok_or_else(|| RuleError::new("err-element-parent-unknown").on("parent_id"))?
                .kind,
        ),
    };
    element.kind.check_parent(parent_kind).map_err(|e| e.on("parent_id"))
}

/// Where element `id` may be moved in its plan: `None` (the top) first when its kind may stand
/// there, then every element it may sit under, in `tree`'s order. Its current parent is among them
/// when the current placement is valid.
pub fn move_targets(tree: &[Placement], id: i64) -> Vec<Option<i64>> {
    let Some(element) = tree.iter().find(|e| e.id == id) else { return Vec::new() };
    let own = subtree(tree, id);
    let top = element.kind.may_sit_under(None).then_some(None);
    top.into_iter()
        .chain(
            tree.iter()
                .filter(|p| !own.contains(&p.id) && element.kind.may_sit_under(Some(p.kind)))
                .map(|p| Some(p.id)),
        )
        .collect()
}

/// A goal element as the path above an inherited element sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathNode {
    /// Element id.
    pub id: i64,
    /// Parent element in its plan.
    pub parent_id: Option<i64>,
    /// The element it was inherited from, when it is a copy.
    pub source_id: Option<i64>,
    /// Kind.
    pub kind: ElementKind,
    /// Its own text revision (bumped when its text changes).
    pub revision: i64,
}

/// The goals an element serves, top down: from `origin` (the element an inherited copy stands for)
/// up its parents, each inherited copy on the way replaced by the element it stands for, so a
/// unit plan's assignment shows the master plan's main goal and sub-goal even though the action
/// programme holds only copies of them. Visions are left out (every path ends there). Stops at a
/// missing parent and never loops on bad data.
pub fn goal_path(nodes: &std::collections::HashMap<i64, PathNode>, origin: i64) -> Vec<PathNode> {
    let mut out: Vec<PathNode> = Vec::new();
    let mut next = nodes.get(&origin).and_then(|n| n.parent_id);
    while let Some(id) = next {
        let Some(node) = nodes.get(&id) else { break };
        let node = node.source_id.and_then(|s| nodes.get(&s)).unwrap_or(node);
        if out.iter().any(|n| n.id == node.id) || out.len() > 32 {
            break;
        }
        out.push(*node);
        next = node.parent_id;
    }
    out.retain(|n| n.kind != ElementKind::Vision);
    out.reverse();
    out
}

/// What an inherited element's plan has seen of its goal path: `id:revision` per step.
pub fn path_signature(path: &[PathNode]) -> String {
    path.iter().map(|n| format!("{}:{}", n.id, n.revision)).collect::<Vec<_>>().join(",")
}

/// The steps of `path` whose text changed (or that joined the path) since `seen` was recorded.
/// Without a record (`None`, elements inherited before paths were recorded) nothing is marked.
pub fn path_changes(seen: Option<&str>, path: &[PathNode]) -> Vec<i64> {
    let Some(seen) = seen else { return Vec::new() };
    let seen: Vec<(i64, i64)> = seen
        .split(',')
        .filter_map(|step| step.split_once(':'))
        .filter_map(|(id, rev)| Some((id.parse().ok()?, rev.parse().ok()?)))
        .collect();
    path.iter().filter(|n| !seen.contains(&(n.id, n.revision))).map(|n| n.id).collect()
}

/// Words that make a goal read as intent rather than a state (bokmål, nynorsk and English).
const MODAL_WORDS: [&str; 20] = [
    "skal", "vil", "bør", "må", "skulle", "ville", "burde", "måtte", "kommer", "ønsker", "ønskjer", "ynskjer", "shall",
    "will", "should", "must", "ought", "want", "wants", "wish",
];

/// Words that open a subordinate clause (bokmål, nynorsk, English), one word or the last word of a
/// two-word conjunction (`så lenge`, `selv om`, `as long as`). Ambiguous words that as often start
/// a main clause or a phrase (`om`, `da`, `der`, `før`, `til`) are left out.
const SUBORDINATORS: [&str; 25] = [
    "som", "når", "fordi", "at", "hvis", "dersom", "mens", "hvor", "inntil", "viss", "medan", "sidan", "who", "which",
    "that", "when", "whenever", "because", "if", "while", "where", "unless", "although", "until", "whether",
];

/// Two-word subordinating conjunctions whose words alone mean something else (`så` alone is "so",
/// `lenge` alone "long").
const SUBORDINATOR_PAIRS: [(&str, &str); 4] = [("så", "lenge"), ("selv", "om"), ("sjølv", "om"), ("long", "as")];

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// The words of `text` with whether each stands in a subordinate clause: from a subordinating
/// conjunction or relative pronoun to the next punctuation mark (a clause boundary), so "så lenge de
/// ønsker" does not make a goal read as intent while "Innbyggere som ønsker det, skal få tilbud"
/// still does. A relative `som`/`that` needs a word before it in its clause to refer to; first in a
/// clause it means "as" ("Som kommune skal vi …").
fn clause_words(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for clause in text.split([',', ';', ':', '.', '!', '?', '(', ')', '–', '—']) {
        let ws: Vec<String> = words(clause).collect();
        let mut subordinate = false;
        for (i, w) in ws.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| ws[p].as_str());
            let relative_without_antecedent = matches!(w.as_str(), "som" | "that") && i == 0;
            if (SUBORDINATORS.contains(&w.as_str()) && !relative_without_antecedent)
                || prev.is_some_and(|p| SUBORDINATOR_PAIRS.contains(&(p, w.as_str())))
            {
                subordinate = true;
            }
            out.push((w.clone(), subordinate));
        }
    }
    out
}

/// A formulation warning: shown in the editor and the quality report, never blocks a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Message key.
    pub key: &'static str,
    /// The word or value the warning is about.
    pub detail: String,
}

/// The formulation rules of the *begrepsapparat* for one element.
pub fn formulation_warnings(kind: ElementKind, text: &str, parent: Option<ElementKind>) -> Vec<Warning> {
    let mut out = Vec::new();
    match kind {
        k if k.is_goal() => {
            // "kommer til å" is the only multi-word form; "kommer" alone is common in goals. A verb
            // in a subordinate clause ("så lenge de ønsker") says nothing about the goal's tense.
            let ws = clause_words(text);
            for (i, (w, subordinate)) in ws.iter().enumerate() {
                let modal = !subordinate
                    && MODAL_WORDS.contains(&w.as_str())
                    && (w != "kommer" || ws.get(i + 1).map(|(n, _)| n.as_str()) == Some("til"));
                if modal && !out.iter().any(|x: &Warning| x.detail == *w) {
                    out.push(Warning { key: "warn-goal-tense", detail: w.clone() });
                }
            }
        }
        ElementKind::Strategy if !words(text).any(|w| w == "skal" || w == "vil") => {
            out.push(Warning { key: "warn-strategy-intent", detail: String::new() });
        }
        ElementKind::Indicator if parent != Some(ElementKind::SubGoal) => {
            out.push(Warning { key: "warn-indicator-sub-goal", detail: String::new() });
        }
        _ => {}
    }
    out
}

/// Status of an assignment or measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ElementStatus {
    /// *Utkast*.
    Draft,
    /// *Aktiv*.
    Active,
    /// *Fullført*.
    Done,
    /// *Avbrutt*.
    Cancelled,
}

impl ElementStatus {
    /// Every status.
    pub const ALL: [ElementStatus; 4] = [Self::Draft, Self::Active, Self::Done, Self::Cancelled];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL.into_iter().find(|s| s.code() == code).ok_or_else(|| RuleError::new("err-element-status-unknown"))
    }

    /// i18n key of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Draft => "element-status-draft",
            Self::Active => "element-status-active",
            Self::Done => "element-status-done",
            Self::Cancelled => "element-status-cancelled",
        }
    }
}

/// The hard rule: a measure cannot be active (or done) without a deadline and a responsible person.
pub fn check_measure(status: ElementStatus, has_deadline: bool, has_responsible: bool) -> Result<(), RuleError> {
    if matches!(status, ElementStatus::Active | ElementStatus::Done) && !(has_deadline && has_responsible) {
        return Err(RuleError::new("err-measure-needs-deadline-responsible").on("status"));
    }
    Ok(())
}

/// A plan's period: four-digit years, end not before start, at most 30 years.
pub fn check_period(start: i32, end: i32) -> Result<(), RuleError> {
    if !(1900..=2200).contains(&start) || !(1900..=2200).contains(&end) {
        return Err(RuleError::new("err-plan-year").on("end_year"));
    }
    if end < start {
        return Err(RuleError::new("err-plan-period-order").on("end_year"));
    }
    if end - start > 30 {
        return Err(RuleError::new("err-plan-period-long").on("end_year"));
    }
    Ok(())
}

/// A deadline must fall within the plan's period.
pub fn check_deadline_in_period(deadline: chrono::NaiveDate, start: i32, end: i32) -> Result<(), RuleError> {
    use chrono::Datelike;
    if deadline.year() < start || deadline.year() > end {
        return Err(RuleError::new("err-deadline-outside-period")
            .with("start", start.to_string())
            .with("end", end.to_string())
            .on("deadline"));
    }
    Ok(())
}

/// Refuses a plan deriving from itself or from one of its descendants.
///
/// `ancestors_of_source` are the source plan and every plan it (transitively) derives from.
pub fn check_no_plan_cycle(plan_id: i64, ancestors_of_source: &[i64]) -> Result<(), RuleError> {
    if ancestors_of_source.contains(&plan_id) { Err(RuleError::new("err-plan-cycle").on("sources")) } else { Ok(()) }
}

/// An SDG target code such as `11.6` or `17.a`: goal 1–17, then a number or a letter.
pub fn parse_sdg_target(code: &str) -> Result<(u8, String), RuleError> {
    let code = code.trim();
    let bad = || RuleError::new("err-sdg-target-format").with("code", code);
    let (goal, target) = code.split_once('.').ok_or_else(bad)?;
    let goal: u8 = goal.parse().map_err(|_| bad())?;
    let valid_target = (!target.is_empty() && target.len() <= 2 && target.bytes().all(|b| b.is_ascii_digit()))
        || (target.len() == 1 && target.bytes().all(|b| b.is_ascii_lowercase()));
    if !(1..=17).contains(&goal) || !valid_target {
        return Err(bad());
    }
    Ok((goal, format!("{goal}.{target}")))
}

/// Decoding a stored code (`#[sqlx(try_from = "String")]` in the store): an unknown code is an
/// error, never a default.
macro_rules! try_from_code {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = RuleError;
            fn try_from(code: String) -> Result<Self, RuleError> {
                Self::parse(&code)
            }
        }
    )*};
}
try_from_code!(PlanType, PlanStatus, ElementKind, ElementStatus);

#[cfg(test)]
mod tests {
    use super::*;
    use ElementKind::*;

    #[test]
    fn lifecycle_transitions() {
        use PlanStatus::*;
        let master = PlanType::MasterPlanSocial;
        let unit = PlanType::UnitPlan;
        assert_eq!(Draft.check_transition(Adopted, master, true).unwrap_err().key, "err-plan-needs-hearing");
        assert!(Draft.check_transition(Hearing, master, false).is_ok());
        assert_eq!(Hearing.check_transition(Adopted, master, false).unwrap_err().key, "err-plan-adopt-needs-decision");
        assert!(Hearing.check_transition(Adopted, master, true).is_ok());
        // Unit plans are not adopted politically, but delivered first and then approved.
        assert_eq!(Draft.check_transition(Adopted, unit, false).unwrap_err().key, "err-unit-plan-deliver-first");
        assert!(Draft.check_transition(Delivered, unit, false).is_ok());
        assert!(Delivered.check_transition(Adopted, unit, false).is_ok(), "unit plans are not adopted politically");
        assert!(Delivered.check_transition(Draft, unit, false).is_ok(), "sent back");
        assert!(UnderRevision.check_transition(Delivered, unit, false).is_ok());
        assert_eq!(
            UnderRevision.check_transition(Adopted, unit, false).unwrap_err().key,
            "err-unit-plan-deliver-first"
        );
        assert!(Draft.check_transition(Delivered, master, false).is_err(), "only unit plans are delivered");
        assert!(!Delivered.editable());
        assert!(Adopted.check_transition(UnderRevision, master, true).is_ok());
        assert_eq!(Adopted.check_transition(Draft, master, true).unwrap_err().key, "err-plan-transition");
        assert!(Expired.next(master).is_empty());
        assert!(!Adopted.editable() && Draft.editable() && UnderRevision.editable());
    }

    #[test]
    fn element_placement() {
        assert!(Vision.may_sit_under(None));
        assert!(MainGoal.may_sit_under(Some(Vision)));
        assert!(Measure.may_sit_under(Some(Assignment)));
        assert!(!Measure.may_sit_under(Some(Vision)), "a measure under a vision is refused");
        assert!(!SubGoal.may_sit_under(None));
        assert_eq!(Measure.check_parent(Some(Vision)).unwrap_err().key, "err-element-placement");
        assert_eq!(Vision.child_kinds(), vec![MainGoal]);
        assert_eq!(ElementKind::top_kinds(), vec![Vision, MainGoal, Indicator]);
    }

    #[test]
    fn elements_move_only_to_valid_parents_outside_their_subtree() {
        let p = |id, parent_id, kind| Placement { id, parent_id, kind };
        // 1 vision → 2 main goal → 3 sub-goal → 4 strategy → 5 assignment → 6 measure; 7 main goal.
        let tree = [
            p(1, None, Vision),
            p(2, Some(1), MainGoal),
            p(3, Some(2), SubGoal),
            p(4, Some(3), Strategy),
            p(5, Some(4), Assignment),
            p(6, Some(5), Measure),
            p(7, None, MainGoal),
        ];
        assert_eq!(
            move_targets(&tree, 6),
            vec![Some(3), Some(4), Some(5)],
            "a measure: sub-goal, strategy, assignment"
        );
        assert_eq!(move_targets(&tree, 2), vec![None, Some(1)], "a main goal: the top or under the vision");
        assert_eq!(move_targets(&tree, 3), vec![Some(2), Some(7)]);
        assert!(check_move(&tree, 6, Some(3)).is_ok());
        assert!(check_move(&tree, 3, Some(7)).is_ok());
        assert!(check_move(&tree, 2, None).is_ok());
        let err = check_move(&tree, 6, Some(1)).unwrap_err();
        assert_eq!((err.key, err.field), ("err-element-placement", Some("parent_id")));
        assert_eq!(check_move(&tree, 6, None).unwrap_err().key, "err-element-placement");
        // Under itself or anything below it: refused before the kinds are compared.
        for target in [2, 3, 6] {
            let err = check_move(&tree, 2, Some(target)).unwrap_err();
            assert_eq!((err.key, err.field), ("err-element-move-under-itself", Some("parent_id")), "{target}");
        }
        assert_eq!(check_move(&tree, 6, Some(99)).unwrap_err().key, "err-element-parent-unknown");
        assert!(move_targets(&tree, 99).is_empty());
    }

    #[test]
    fn goal_paths_reach_through_copies_to_the_master_plan() {
        use std::collections::HashMap;
        let n = |id, parent_id, source_id, kind, revision| PathNode { id, parent_id, source_id, kind, revision };
        // Master plan: 1 vision → 2 main goal → 3 sub-goal. Action programme: 12 copy of 2 →
        // 13 copy of 3 → 14 assignment. Unit plan: 24 copy of 14.
        let nodes: HashMap<i64, PathNode> = [
            n(1, None, None, Vision, 1),
            n(2, Some(1), None, MainGoal, 1),
            n(3, Some(2), None, SubGoal, 1),
            n(12, None, Some(2), MainGoal, 1),
            n(13, Some(12), Some(3), SubGoal, 1),
            n(14, Some(13), None, Assignment, 1),
            n(24, None, Some(14), Assignment, 1),
        ]
        .into_iter()
        .map(|x| (x.id, x))
        .collect();
        let path = goal_path(&nodes, 14);
        assert_eq!(path.iter().map(|x| x.id).collect::<Vec<_>>(), vec![2, 3], "main goal → sub-goal, no vision");
        let seen = path_signature(&path);
        assert_eq!(seen, "2:1,3:1");
        assert!(path_changes(Some(&seen), &path).is_empty());
        // The master plan's sub-goal changes its text: that step is marked, only that one.
        let mut changed = nodes.clone();
        changed.get_mut(&3).unwrap().revision = 2;
        assert_eq!(path_changes(Some(&seen), &goal_path(&changed, 14)), vec![3]);
        assert!(path_changes(None, &goal_path(&changed, 14)).is_empty(), "no record, no marker");
        // A cycle in bad data ends.
        let mut cyclic = nodes.clone();
        cyclic.get_mut(&2).unwrap().parent_id = Some(3);
        assert!(goal_path(&cyclic, 14).len() <= 2);
    }

    #[test]
    fn goals_in_present_tense() {
        let w = formulation_warnings(SubGoal, "Kommunen skal redusere utslippene, og vi bør kutte mer.", None);
        assert_eq!(w.iter().map(|x| x.detail.as_str()).collect::<Vec<_>>(), vec!["skal", "bør"]);
        assert!(formulation_warnings(MainGoal, "Innbyggerne i Asker har gode levekår.", None).is_empty());
        assert!(formulation_warnings(MainGoal, "Flere kommer i arbeid.", None).is_empty(), "«kommer» alone is fine");
        assert_eq!(formulation_warnings(MainGoal, "Vi kommer til å lykkes", None)[0].detail, "kommer");
        assert_eq!(formulation_warnings(MainGoal, "Vi MÅ gjere meir", None)[0].detail, "må");
    }

    fn tense_words(text: &str) -> Vec<String> {
        formulation_warnings(SubGoal, text, None).into_iter().map(|w| w.detail).collect()
    }

    #[test]
    fn verbs_in_subordinate_clauses_do_not_make_a_goal_intent() {
        // Bokmål: the sentence from issue #12 and its relatives.
        assert!(tense_words("Eldre kan bo hjemme så lenge de ønsker.").is_empty());
        assert!(tense_words("Innbyggere som ønsker det, får tilbud om aktivitet.").is_empty());
        assert!(tense_words("Barn får hjelp når de trenger det og fordi de må.").is_empty());
        assert!(tense_words("Alle får jobbe deltid dersom de vil, og hvis de bør.").is_empty());
        assert!(tense_words("Vi sørger for at alle skal ha en trygg bolig.").is_empty());
        assert!(tense_words("Eldre bor hjemme selv om de ønsker annet.").is_empty());
        // Nynorsk.
        assert!(tense_words("Eldre kan bu heime så lenge dei ønskjer.").is_empty());
        assert!(tense_words("Innbyggjarar som ynskjer det, får tilbod.").is_empty());
        assert!(tense_words("Born får hjelp viss dei vil, og medan dei må.").is_empty());
        // English.
        assert!(tense_words("Older people live at home for as long as they wish.").is_empty());
        assert!(tense_words("Residents who want a job have one.").is_empty());
        assert!(tense_words("Children get help when they need it and if they must.").is_empty());
    }

    #[test]
    fn verbs_in_main_clauses_still_make_a_goal_intent() {
        // A main clause after the subordinate one, or before it, keeps its modal.
        assert_eq!(tense_words("Innbyggere som ønsker det, skal få tilbud."), vec!["skal"]);
        assert_eq!(tense_words("Eldre skal bo hjemme så lenge de ønsker."), vec!["skal"]);
        assert_eq!(tense_words("Når barna trenger det, vil kommunen hjelpe."), vec!["vil"]);
        assert_eq!(tense_words("Som kommune skal vi kutte utslipp."), vec!["skal"], "«som» first means «as»");
        assert_eq!(tense_words("Så vil vi lenge leve."), vec!["vil"], "«så» alone is no conjunction");
        // Nynorsk.
        assert_eq!(tense_words("Eldre skal bu heime så lenge dei ønskjer."), vec!["skal"]);
        assert_eq!(tense_words("Kommunen ynskjer at alle har bustad."), vec!["ynskjer"]);
        // English.
        assert_eq!(tense_words("The municipality will cut emissions as long as it must."), vec!["will"]);
        assert_eq!(tense_words("Residents who wish to, should get an offer."), vec!["should"]);
        assert_eq!(tense_words("We must act; children who want help get it."), vec!["must"]);
    }

    #[test]
    fn strategies_state_intent_and_indicators_tie_to_sub_goals() {
        assert_eq!(formulation_warnings(Strategy, "Samarbeid med frivilligheten", None)[0].key, "warn-strategy-intent");
        assert!(formulation_warnings(Strategy, "Vi skal samarbeide med frivilligheten", None).is_empty());
        assert!(formulation_warnings(Indicator, "Andel", Some(SubGoal)).is_empty());
        assert_eq!(formulation_warnings(Indicator, "Andel", None)[0].key, "warn-indicator-sub-goal");
        assert!(formulation_warnings(Measure, "Vi skal bygge", None).is_empty());
    }

    #[test]
    fn measures_need_deadline_and_responsible_to_be_active() {
        use ElementStatus::*;
        assert!(check_measure(Draft, false, false).is_ok());
        assert_eq!(check_measure(Active, true, false).unwrap_err().key, "err-measure-needs-deadline-responsible");
        assert_eq!(check_measure(Done, false, true).unwrap_err().key, "err-measure-needs-deadline-responsible");
        assert!(check_measure(Active, true, true).is_ok());
    }

    #[test]
    fn periods_deadlines_cycles_and_sdg_codes() {
        assert!(check_period(2020, 2032).is_ok());
        assert_eq!(check_period(2032, 2020).unwrap_err().key, "err-plan-period-order");
        assert_eq!(check_period(20, 2020).unwrap_err().key, "err-plan-year");
        assert_eq!(check_period(2020, 2060).unwrap_err().key, "err-plan-period-long");
        let d = chrono::NaiveDate::from_ymd_opt(2033, 1, 1).unwrap();
        assert_eq!(check_deadline_in_period(d, 2020, 2032).unwrap_err().key, "err-deadline-outside-period");
        assert!(check_no_plan_cycle(3, &[4, 5]).is_ok());
        assert_eq!(check_no_plan_cycle(3, &[4, 3]).unwrap_err().key, "err-plan-cycle");
        assert_eq!(parse_sdg_target(" 11.6 ").unwrap(), (11, "11.6".into()));
        assert_eq!(parse_sdg_target("17.a").unwrap().1, "17.a");
        for bad in ["18.1", "11", "11.", "x.1", "11.aa", "11.A", "0.1", "11.123"] {
            assert_eq!(parse_sdg_target(bad).unwrap_err().key, "err-sdg-target-format", "{bad}");
        }
    }
}

/// One element as frozen in an adopted version of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionEntry {
    /// Element id (stable across versions).
    pub id: i64,
    /// Parent element id.
    pub parent_id: Option<i64>,
    /// Kind code.
    pub kind: String,
    /// Text as it read when the version was frozen.
    pub text: String,
    /// Owner unit name.
    pub owner: Option<String>,
    /// Responsible person's name.
    pub responsible: Option<String>,
    /// Deadline.
    pub deadline: Option<chrono::NaiveDate>,
    /// Status code.
    pub status: String,
    /// SDG targets, sorted.
    pub sdg: Vec<String>,
}

/// What changed between two versions of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionDiff {
    /// In the newer version only.
    pub added: Vec<VersionEntry>,
    /// In both, with something different: (older, newer).
    pub changed: Vec<(VersionEntry, VersionEntry)>,
    /// In the older version only.
    pub removed: Vec<VersionEntry>,
}

/// Compares two versions element by element (by id), keeping the newer version's order.
pub fn diff_versions(older: &[VersionEntry], newer: &[VersionEntry]) -> VersionDiff {
    use std::collections::HashMap;
    let old: HashMap<i64, &VersionEntry> = older.iter().map(|e| (e.id, e)).collect();
    let new_ids: std::collections::HashSet<i64> = newer.iter().map(|e| e.id).collect();
    let mut diff = VersionDiff::default();
    for e in newer {
        match old.get(&e.id) {
            None => diff.added.push(e.clone()),
            Some(o) if *o != e => diff.changed.push(((*o).clone(), e.clone())),
            Some(_) => {}
        }
    }
    diff.removed = older.iter().filter(|e| !new_ids.contains(&e.id)).cloned().collect();
    diff
}

#[cfg(test)]
mod version_tests {
    use super::*;

    fn entry(id: i64, text: &str) -> VersionEntry {
        VersionEntry {
            id,
            parent_id: None,
            kind: "main_goal".into(),
            text: text.into(),
            owner: None,
            responsible: None,
            deadline: None,
            status: "draft".into(),
            sdg: vec![],
        }
    }

    #[test]
    fn diff_lists_added_changed_and_removed() {
        let a = vec![entry(1, "Gode liv"), entry(2, "Ren luft"), entry(3, "Trygge veier")];
        let mut changed = entry(2, "Ren luft for alle");
        changed.sdg = vec!["11.6".into()];
        let b = vec![entry(1, "Gode liv"), changed.clone(), entry(4, "Nye arbeidsplasser")];
        let d = diff_versions(&a, &b);
        assert_eq!(d.added, vec![entry(4, "Nye arbeidsplasser")]);
        assert_eq!(d.changed, vec![(entry(2, "Ren luft"), changed)]);
        assert_eq!(d.removed, vec![entry(3, "Trygge veier")]);
        assert_eq!(diff_versions(&a, &a), VersionDiff::default());
    }
}

/// Longest text of a goal element, in characters.
pub const ELEMENT_TEXT_MAX: usize = 2000;

/// The values of a goal element that the page form and the API body both carry, parsed by one
/// function for both (and for the fuzz target): text trimmed, required and at most
/// [`ELEMENT_TEXT_MAX`] characters; status draft when not given; SDG target codes checked and
/// de-duplicated, a code given as both contributing and adapted keeping the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementDraft {
    /// Text, trimmed.
    pub text: String,
    /// Status.
    pub status: ElementStatus,
    /// SDG target codes in canonical form, with "adapted from" flags.
    pub sdg_targets: Vec<(String, bool)>,
}

impl ElementDraft {
    /// Parses the raw values; every error names its field (`text`, `status`, `sdg_targets`,
    /// `sdg_adapted`), so a form can show all of them and an API answer the first.
    pub fn parse<'a>(
        text: &str,
        status: Option<&str>,
        contributes: impl IntoIterator<Item = &'a str>,
        adapted: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, Vec<RuleError>> {
        let mut errors = Vec::new();
        let text = text.trim();
        if text.is_empty() {
            errors.push(RuleError::new("err-element-text-empty").on("text"));
        } else if text.chars().count() > ELEMENT_TEXT_MAX {
            errors.push(RuleError::new("err-text-too-long").with("max", ELEMENT_TEXT_MAX.to_string()).on("text"));
        }
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            None => ElementStatus::Draft,
            Some(code) => ElementStatus::parse(code).unwrap_or_else(|e| {
                errors.push(e.on("status"));
                ElementStatus::Draft
            }),
        };
        let mut sdg_targets: Vec<(String, bool)> = Vec::new();
        let groups: [(&'static str, Vec<&str>, bool); 2] = [
            ("sdg_targets", contributes.into_iter().collect(), false),
            ("sdg_adapted", adapted.into_iter().collect(), true),
        ];
        for (field, codes, is_adapted) in groups {
            for code in codes.into_iter().filter(|c| !c.trim().is_empty()) {
                match parse_sdg_target(code) {
                    Ok((_, code)) if !sdg_targets.iter().any(|(c, _)| *c == code) => {
                        sdg_targets.push((code, is_adapted))
                    }
                    Ok(_) => {}
                    Err(e) => errors.push(e.on(field)),
                }
            }
        }
        if errors.is_empty() { Ok(Self { text: text.to_owned(), status, sdg_targets }) } else { Err(errors) }
    }

    /// Splits a form field of SDG target codes (`11.6, 3.4; 13.2`) into codes.
    pub fn split_codes(raw: &str) -> impl Iterator<Item = &str> {
        raw.split([',', ';', ' ']).map(str::trim).filter(|c| !c.is_empty())
    }
}

#[cfg(test)]
mod draft_tests {
    use super::{ELEMENT_TEXT_MAX, ElementDraft, ElementStatus};

    #[test]
    fn a_draft_is_trimmed_defaulted_and_deduplicated() {
        let d = ElementDraft::parse("  Trygg skolevei  ", None, ["11.2", "11.2", "3.6"], ["3.6", "13.1"]).unwrap();
        assert_eq!(d.text, "Trygg skolevei");
        assert_eq!(d.status, ElementStatus::Draft);
        assert_eq!(
            d.sdg_targets,
            vec![("11.2".to_owned(), false), ("3.6".to_owned(), false), ("13.1".to_owned(), true)]
        );
        let active = ElementDraft::parse("Tekst", Some("active"), [], []).unwrap();
        assert_eq!(active.status, ElementStatus::Active);
        assert_eq!(ElementDraft::split_codes(" 11.6, 3.4;13.2  ").collect::<Vec<_>>(), vec!["11.6", "3.4", "13.2"]);
    }

    #[test]
    fn every_bad_value_is_reported_on_its_field() {
        let long = "x".repeat(ELEMENT_TEXT_MAX + 1);
        let errors = ElementDraft::parse(&long, Some("finished"), ["99.1"], ["1.x!"]).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field, e.key)).collect();
        assert_eq!(fields[0], (Some("text"), "err-text-too-long"));
        assert_eq!(fields[1].0, Some("status"));
        assert_eq!(fields[2], (Some("sdg_targets"), "err-sdg-target-format"));
        assert_eq!(fields[3], (Some("sdg_adapted"), "err-sdg-target-format"));
        let empty = ElementDraft::parse("   ", None, [], []).unwrap_err();
        assert_eq!((empty[0].field, empty[0].key), (Some("text"), "err-element-text-empty"));
        // Exactly the maximum is accepted, counted in characters, not bytes.
        assert!(ElementDraft::parse(&"æ".repeat(ELEMENT_TEXT_MAX), None, [], []).is_ok());
    }
}
