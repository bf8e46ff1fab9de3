//! The unit plan (*virksomhetsplan*) workflow: the steps *utkast → levert → godkjent* and back, the
//! delivery deadline, the structured analysis of last year, and which of last year's measures are
//! carried over into this year's plan.

use crate::RuleError;
use crate::plan::{ElementKind, PlanStatus};
use chrono::{Datelike, NaiveDate};
pub use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Longest text of one analysis field (and of a send-back comment).
pub const ANALYSIS_TEXT_MAX: usize = 4000;

/// A step of the workflow, named by what happened (kept in the plan's history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// *Levert*: the unit handed the plan to its superior leader.
    Delivered,
    /// *Godkjent*: the superior leader approved it.
    Approved,
    /// *Sendt tilbake*: the superior leader sent it back to draft, with a comment.
    SentBack,
    /// *Satt under revisjon* and the like: any other status change of a unit plan.
    Other,
}

impl Step {
    /// The step a status change from `from` to `to` is.
    pub fn of(from: PlanStatus, to: PlanStatus) -> Self {
        match (from, to) {
            (_, PlanStatus::Delivered) => Self::Delivered,
            (PlanStatus::Delivered, PlanStatus::Adopted) => Self::Approved,
            (PlanStatus::Delivered, PlanStatus::Draft) => Self::SentBack,
            _ => Self::Other,
        }
    }

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Approved => "approved",
            Self::SentBack => "sent_back",
            Self::Other => "other",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        [Self::Delivered, Self::Approved, Self::SentBack, Self::Other]
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| RuleError::new("err-unit-plan-step-unknown"))
    }

    /// i18n key of the step's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Delivered => "unit-plan-step-delivered",
            Self::Approved => "unit-plan-step-approved",
            Self::SentBack => "unit-plan-step-sent_back",
            Self::Other => "unit-plan-step-other",
        }
    }
}

/// The comment that must come with sending a plan back: what the unit is to change.
pub fn send_back_comment(input: &str) -> Result<String, RuleError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(RuleError::new("err-unit-plan-comment-required").on("comment"));
    }
    if text.chars().count() > ANALYSIS_TEXT_MAX {
        return Err(RuleError::new("err-text-too-long").with("max", ANALYSIS_TEXT_MAX.to_string()).on("comment"));
    }
    Ok(text.to_owned())
}

/// Whether a plan due on `deadline` is late on `today`: not delivered (draft, or under revision)
/// after the deadline's day.
pub fn is_overdue(status: PlanStatus, deadline: NaiveDate, today: NaiveDate) -> bool {
    matches!(status, PlanStatus::Draft | PlanStatus::UnderRevision | PlanStatus::Hearing) && today > deadline
}

/// The structured analysis of last year, parsed. Figures are optional (a unit may have no audit),
/// texts may be empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Economy: the result against the budget in NOK (negative: overspent), exact.
    pub economy_amount: Option<Decimal>,
    /// Economy: the explanation.
    pub economy_text: String,
    /// Sick leave (*sykefravær*) in percent, 0–100, at most two decimals.
    pub sick_leave_percent: Option<Decimal>,
    /// Sick leave: comment.
    pub sick_leave_text: String,
    /// User survey (*brukerundersøkelse*) score on the 1–6 scale.
    pub user_survey_score: Option<Decimal>,
    /// User survey: comment.
    pub user_survey_text: String,
    /// Employee survey (*medarbeiderundersøkelse*, 10-FAKTOR) score on the 1–5 scale.
    pub employee_survey_score: Option<Decimal>,
    /// Employee survey: comment.
    pub employee_survey_text: String,
    /// Internal audits: findings (*avvik*).
    pub internal_audit_findings: Option<i64>,
    /// Internal audits: comment.
    pub internal_audit_text: String,
    /// External audits and inspections (*tilsyn*): findings.
    pub external_audit_findings: Option<i64>,
    /// External audits: comment.
    pub external_audit_text: String,
    /// Summary of the unit's risk analysis (*ROS-analyse*), free text.
    pub risk_summary: String,
}

/// The analysis form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AnalysisDraft {
    /// Economy amount as typed.
    #[serde(default)]
    pub economy_amount: String,
    /// Economy text.
    #[serde(default)]
    pub economy_text: String,
    /// Sick leave as typed.
    #[serde(default)]
    pub sick_leave_percent: String,
    /// Sick leave text.
    #[serde(default)]
    pub sick_leave_text: String,
    /// User survey score as typed.
    #[serde(default)]
    pub user_survey_score: String,
    /// User survey text.
    #[serde(default)]
    pub user_survey_text: String,
    /// Employee survey score as typed.
    #[serde(default)]
    pub employee_survey_score: String,
    /// Employee survey text.
    #[serde(default)]
    pub employee_survey_text: String,
    /// Internal audit findings as typed.
    #[serde(default)]
    pub internal_audit_findings: String,
    /// Internal audit text.
    #[serde(default)]
    pub internal_audit_text: String,
    /// External audit findings as typed.
    #[serde(default)]
    pub external_audit_findings: String,
    /// External audit text.
    #[serde(default)]
    pub external_audit_text: String,
    /// Risk summary.
    #[serde(default)]
    pub risk_summary: String,
}

/// A decimal as typed in Norwegian or English: spaces as thousands separators, a decimal comma or
/// point, an optional sign (a real minus too). Empty is none.
fn parse_decimal(input: &str) -> Result<Option<Decimal>, ()> {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '%')
        .map(|c| if c == '\u{2212}' { '-' } else { c })
        .collect();
    if compact.is_empty() {
        return Ok(None);
    }
    let normal = compact.replace(',', ".");
    let digits = normal.strip_prefix('-').unwrap_or(&normal);
    if digits.is_empty()
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        || digits.matches('.').count() > 1
        || digits.starts_with('.')
        || digits.ends_with('.')
    {
        return Err(());
    }
    normal.parse::<Decimal>().map(|d| Some(d.normalize())).map_err(|_| ())
}

impl AnalysisDraft {
    /// Parses every field, reporting every bad one on its field.
    pub fn parse(&self) -> Result<Analysis, Vec<RuleError>> {
        let mut errors = Vec::new();
        let mut figure = |input: &str, field: &'static str, key: &'static str, range: (Decimal, Decimal), dp: u32| {
            match parse_decimal(input) {
                Ok(Some(v)) if v >= range.0 && v <= range.1 && v.scale() <= dp => Some(v),
                Ok(None) => None,
                _ => {
                    errors.push(RuleError::new(key).on(field));
                    None
                }
            }
        };
        let billion = Decimal::from(1_000_000_000i64);
        let economy_amount =
            figure(&self.economy_amount, "economy_amount", "err-analysis-amount", (-billion, billion), 2);
        let sick_leave_percent =
            figure(&self.sick_leave_percent, "sick_leave_percent", "err-analysis-percent", (0.into(), 100.into()), 2);
        let user_survey_score =
            figure(&self.user_survey_score, "user_survey_score", "err-analysis-user-score", (1.into(), 6.into()), 2);
        let employee_survey_score = figure(
            &self.employee_survey_score,
            "employee_survey_score",
            "err-analysis-employee-score",
            (1.into(), 5.into()),
            2,
        );
        let mut count = |input: &str, field: &'static str| {
            let t = input.trim();
            if t.is_empty() {
                return None;
            }
            match t.parse::<i64>() {
                Ok(n) if (0..=10_000).contains(&n) => Some(n),
                _ => {
                    errors.push(RuleError::new("err-analysis-count").on(field));
                    None
                }
            }
        };
        let internal_audit_findings = count(&self.internal_audit_findings, "internal_audit_findings");
        let external_audit_findings = count(&self.external_audit_findings, "external_audit_findings");
        let mut text = |input: &str, field: &'static str| {
            let t = input.trim();
            if t.chars().count() > ANALYSIS_TEXT_MAX {
                errors.push(RuleError::new("err-text-too-long").with("max", ANALYSIS_TEXT_MAX.to_string()).on(field));
            }
            t.to_owned()
        };
        let analysis = Analysis {
            economy_text: text(&self.economy_text, "economy_text"),
            sick_leave_text: text(&self.sick_leave_text, "sick_leave_text"),
            user_survey_text: text(&self.user_survey_text, "user_survey_text"),
            employee_survey_text: text(&self.employee_survey_text, "employee_survey_text"),
            internal_audit_text: text(&self.internal_audit_text, "internal_audit_text"),
            external_audit_text: text(&self.external_audit_text, "external_audit_text"),
            risk_summary: text(&self.risk_summary, "risk_summary"),
            economy_amount,
            sick_leave_percent,
            user_survey_score,
            employee_survey_score,
            internal_audit_findings,
            external_audit_findings,
        };
        if errors.is_empty() { Ok(analysis) } else { Err(errors) }
    }

    /// The form filled with a stored analysis (figures with a decimal comma).
    pub fn from_analysis(a: &Analysis) -> Self {
        let dec = |d: Option<Decimal>| d.map(|d| d.to_string().replace('.', ",")).unwrap_or_default();
        let int = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        Self {
            economy_amount: dec(a.economy_amount),
            economy_text: a.economy_text.clone(),
            sick_leave_percent: dec(a.sick_leave_percent),
            sick_leave_text: a.sick_leave_text.clone(),
            user_survey_score: dec(a.user_survey_score),
            user_survey_text: a.user_survey_text.clone(),
            employee_survey_score: dec(a.employee_survey_score),
            employee_survey_text: a.employee_survey_text.clone(),
            internal_audit_findings: int(a.internal_audit_findings),
            internal_audit_text: a.internal_audit_text.clone(),
            external_audit_findings: int(a.external_audit_findings),
            external_audit_text: a.external_audit_text.clone(),
            risk_summary: a.risk_summary.clone(),
        }
    }
}

/// A decimal as a reader writes it: a decimal comma and no-break spaces between thousands in
/// Norwegian (`−1 250 000,5`), a point and commas in English.
pub fn format_decimal(value: Decimal, english: bool) -> String {
    let text = value.normalize().to_string();
    let (sign, text) = text.strip_prefix('-').map_or(("", text.as_str()), |t| ("\u{2212}", t));
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut out = String::from(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(if english { ',' } else { '\u{a0}' });
        }
        out.push(c);
    }
    if !fraction.is_empty() {
        out.push(if english { '.' } else { ',' });
        out.push_str(fraction);
    }
    out
}

/// A goal, strategy or assignment as the carry-over matches it between two years' plans.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalKey {
    /// The origin it is inherited from (`source_element_id`, which always names the origin, never
    /// an inherited copy), if inherited.
    pub origin: Option<i64>,
    /// Its kind.
    pub kind: ElementKind,
    /// Its text (an inherited element's is its source's).
    pub text: String,
}

impl GoalKey {
    /// Whether `other` is the same goal by text: the same kind and the same words, ignoring case
    /// and spacing.
    fn same_text(&self, other: &GoalKey) -> bool {
        let words = |t: &str| t.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
        self.kind == other.kind && !self.text.trim().is_empty() && words(&self.text) == words(&other.text)
    }
}

/// One of last year's measures, as the carry-over sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct LastYearMeasure {
    /// The measure's id.
    pub id: i64,
    /// Its parent and the parent's ancestors in last year's plan, nearest first.
    pub path: Vec<GoalKey>,
    /// Its deadline.
    pub deadline: Option<NaiveDate>,
    /// Whether it is finished (*fullført* or *avbrutt*, by its reported status or its own).
    pub finished: bool,
}

/// An element of this year's plan that a measure may be placed under.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Its id.
    pub id: i64,
    /// What it is.
    pub key: GoalKey,
}

/// Where and how one measure is copied.
#[derive(Debug, Clone, PartialEq)]
pub struct CarryPlan {
    /// The measure copied.
    pub from: i64,
    /// The element of this year's plan it goes under.
    pub parent: i64,
    /// Its deadline in this year's plan.
    pub deadline: Option<NaiveDate>,
    /// The old deadline had passed before this year began and was moved to the year's end.
    pub deadline_moved: bool,
}

/// What the carry-over does: the measures it copies, and those it cannot place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CarryOver {
    /// Measures to copy, each under its new parent.
    pub copy: Vec<CarryPlan>,
    /// Unfinished measures for which this year's plan has no matching goal or assignment (or
    /// several equally good ones): a measure cannot stand at the top of a plan
    /// ([`crate::plan::ElementKind::may_sit_under`]), so the unit picks the place
    /// ([`place_carried`]).
    pub unplaced: Vec<i64>,
}

/// The element of this year's plan that matches last year's parent of a measure, looking at the
/// parent first and then up its goal path: the one inherited from the same origin; else the only
/// one of the same kind and text (an own goal written again, or a goal inherited from a new
/// edition of the parent plan). Two of the same text at the nearest level that has any are a
/// question for the unit, not a guess: no match.
pub fn matching_target(path: &[GoalKey], targets: &[Target]) -> Option<i64> {
    for key in path {
        if let Some(t) = key.origin.and_then(|o| targets.iter().find(|t| t.key.origin == Some(o))) {
            return Some(t.id);
        }
        let same: Vec<&Target> = targets.iter().filter(|t| t.key.same_text(key)).collect();
        match same.as_slice() {
            [one] => return Some(one.id),
            [] => continue,
            _ => return None,
        }
    }
    None
}

/// A carried measure's deadline: unchanged, or moved to 31 December of `year` when it had passed
/// before the year began (`true` when moved).
fn carried_deadline_of(deadline: Option<NaiveDate>, year: i32) -> (Option<NaiveDate>, bool) {
    let start = NaiveDate::from_ymd_opt(year, 1, 1);
    let moved = matches!((deadline, start), (Some(d), Some(s)) if d < s);
    if moved { (NaiveDate::from_ymd_opt(year, 12, 31), true) } else { (deadline, false) }
}

/// Which of last year's measures to copy into this year's plan (`year`), and where: unfinished
/// measures not copied before (`already` holds the ids copied earlier), under the element of this
/// year's plan that [`matching_target`] finds among `targets`. A deadline before the new year is
/// moved to 31 December of the new year, and marked so the page can ask for a better date.
pub fn carry_over(
    measures: &[LastYearMeasure],
    targets: &[Target],
    already: &std::collections::HashSet<i64>,
    year: i32,
) -> CarryOver {
    let mut out = CarryOver::default();
    for m in measures.iter().filter(|m| !m.finished && !already.contains(&m.id)) {
        let Some(parent) = matching_target(&m.path, targets) else {
            out.unplaced.push(m.id);
            continue;
        };
        let (deadline, deadline_moved) = carried_deadline_of(m.deadline, year);
        out.copy.push(CarryPlan { from: m.id, parent, deadline, deadline_moved });
    }
    out
}

/// The unit's own choice of where unplaced measures go: `(measure, element of this year's plan)`.
/// Each must be an unfinished measure of last year's plan (`measures`) and each place one of
/// `targets`; a measure copied before (`already`) is skipped, so sending the form twice copies
/// nothing twice. Any bad pair refuses the whole choice.
pub fn place_carried(
    choices: &[(i64, i64)],
    measures: &[LastYearMeasure],
    targets: &[Target],
    already: &std::collections::HashSet<i64>,
    year: i32,
) -> Result<Vec<CarryPlan>, RuleError> {
    let mut out = Vec::new();
    for &(from, parent) in choices {
        let Some(m) = measures.iter().find(|m| m.id == from && !m.finished) else {
            return Err(RuleError::new("err-carry-place-measure"));
        };
        if !targets.iter().any(|t| t.id == parent) {
            return Err(RuleError::new("err-carry-place-target"));
        }
        if already.contains(&from) || out.iter().any(|p: &CarryPlan| p.from == from) {
            continue;
        }
        let (deadline, deadline_moved) = carried_deadline_of(m.deadline, year);
        out.push(CarryPlan { from, parent, deadline, deadline_moved });
    }
    Ok(out)
}

/// A new deadline for a measure carried into the plan of `year`: the plan's year or later.
pub fn check_carried_deadline(date: NaiveDate, year: i32) -> Result<NaiveDate, RuleError> {
    if date.year() < year {
        return Err(RuleError::new("err-carry-deadline-before-year").with("year", year.to_string()));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn steps_are_named_by_the_transition() {
        use PlanStatus::*;
        assert_eq!(Step::of(Draft, Delivered), Step::Delivered);
        assert_eq!(Step::of(UnderRevision, Delivered), Step::Delivered);
        assert_eq!(Step::of(Delivered, Adopted), Step::Approved);
        assert_eq!(Step::of(Delivered, Draft), Step::SentBack);
        assert_eq!(Step::of(Adopted, UnderRevision), Step::Other);
        for s in [Step::Delivered, Step::Approved, Step::SentBack, Step::Other] {
            assert_eq!(Step::parse(s.code()).unwrap(), s);
        }
    }

    #[test]
    fn sending_back_needs_a_comment() {
        assert_eq!(send_back_comment("  \n ").unwrap_err().key, "err-unit-plan-comment-required");
        assert_eq!(send_back_comment(" Tiltakene mangler frist ").unwrap(), "Tiltakene mangler frist");
        assert!(send_back_comment(&"x".repeat(ANALYSIS_TEXT_MAX + 1)).is_err());
    }

    #[test]
    fn only_undelivered_plans_are_overdue() {
        let deadline = d(2027, 1, 15);
        assert!(!is_overdue(PlanStatus::Draft, deadline, deadline), "the deadline's own day is in time");
        assert!(is_overdue(PlanStatus::Draft, deadline, d(2027, 1, 16)));
        assert!(!is_overdue(PlanStatus::Delivered, deadline, d(2027, 3, 1)));
        assert!(!is_overdue(PlanStatus::Adopted, deadline, d(2027, 3, 1)));
    }

    #[test]
    fn analysis_figures_are_exact_and_checked() {
        let draft = AnalysisDraft {
            economy_amount: "-1 250 000,50".into(),
            sick_leave_percent: "7,8".into(),
            user_survey_score: "4.9".into(),
            employee_survey_score: "4,3".into(),
            internal_audit_findings: "2".into(),
            risk_summary: "  Høy risiko ved vikarmangel  ".into(),
            ..AnalysisDraft::default()
        };
        let a = draft.parse().unwrap();
        assert_eq!(a.economy_amount, Some(Decimal::new(-125000050, 2)));
        assert_eq!(a.sick_leave_percent, Some(Decimal::new(78, 1)));
        assert_eq!(a.user_survey_score, Some(Decimal::new(49, 1)));
        assert_eq!(a.internal_audit_findings, Some(2));
        assert_eq!(a.external_audit_findings, None);
        assert_eq!(a.risk_summary, "Høy risiko ved vikarmangel");
        assert_eq!(AnalysisDraft::from_analysis(&a).sick_leave_percent, "7,8");
        assert_eq!(format_decimal(a.economy_amount.unwrap(), false), "\u{2212}1\u{a0}250\u{a0}000,5");
        assert_eq!(format_decimal(a.economy_amount.unwrap(), true), "\u{2212}1,250,000.5");
        assert_eq!(format_decimal(Decimal::new(78, 1), false), "7,8");
        let bad = AnalysisDraft {
            sick_leave_percent: "107".into(),
            user_survey_score: "0,5".into(),
            employee_survey_score: "mye".into(),
            economy_amount: "1,234".into(),
            external_audit_findings: "-1".into(),
            ..AnalysisDraft::default()
        };
        let fields: Vec<_> = bad.parse().unwrap_err().into_iter().filter_map(|e| e.field).collect();
        assert_eq!(
            fields,
            vec![
                "economy_amount",
                "sick_leave_percent",
                "user_survey_score",
                "employee_survey_score",
                "external_audit_findings"
            ]
        );
        assert_eq!(AnalysisDraft::default().parse().unwrap(), Analysis::default());
    }

    fn key(origin: Option<i64>, kind: ElementKind, text: &str) -> GoalKey {
        GoalKey { origin, kind, text: text.into() }
    }

    #[test]
    fn carry_over_copies_unfinished_measures_once_under_matching_goals() {
        let reading = key(Some(100), ElementKind::Assignment, "Styrke leseopplæringen");
        let absence = key(Some(200), ElementKind::Assignment, "Redusere fraværet");
        let m = |id, path: Vec<GoalKey>, deadline, finished| LastYearMeasure { id, path, deadline, finished };
        let measures = vec![
            m(1, vec![reading.clone()], Some(d(2026, 6, 1)), false),
            m(2, vec![reading.clone()], Some(d(2027, 3, 1)), false),
            m(3, vec![reading.clone()], None, true),
            m(4, vec![absence.clone()], None, false),
            m(5, vec![], None, false),
        ];
        let targets = vec![Target { id: 10, key: reading.clone() }];
        let plan = carry_over(&measures, &targets, &HashSet::new(), 2027);
        assert_eq!(plan.copy.iter().map(|p| p.from).collect::<Vec<_>>(), vec![1, 2], "not the finished one");
        assert_eq!(
            plan.copy[0],
            CarryPlan { from: 1, parent: 10, deadline: Some(d(2027, 12, 31)), deadline_moved: true }
        );
        assert_eq!(
            plan.copy[1],
            CarryPlan { from: 2, parent: 10, deadline: Some(d(2027, 3, 1)), deadline_moved: false }
        );
        assert_eq!(plan.unplaced, vec![4, 5], "no matching goal this year: listed, not copied");
        let again = carry_over(&measures, &targets, &HashSet::from([1, 2]), 2027);
        assert!(again.copy.is_empty(), "a second run copies nothing twice");
    }

    #[test]
    fn a_measure_finds_its_goal_by_origin_then_by_text_then_higher_up() {
        use ElementKind::*;
        let targets = vec![
            // Inherited from the same origin, though its text was reworded since.
            Target { id: 10, key: key(Some(100), Assignment, "Styrke leseopplæringen i alle trinn") },
            // The unit's own strategy, written again this year.
            Target { id: 11, key: key(None, Strategy, "Tidlig  innsats i småskolen ") },
            // A sub-goal inherited from this year's edition of the action programme.
            Target { id: 12, key: key(Some(300), SubGoal, "Elevene mestrer lesing") },
            // Two own assignments with one text: ambiguous.
            Target { id: 13, key: key(None, Assignment, "Kartlegging") },
            Target { id: 14, key: key(None, Assignment, "Kartlegging") },
        ];
        let at = |path: Vec<GoalKey>| matching_target(&path, &targets);
        assert_eq!(at(vec![key(Some(100), Assignment, "Styrke leseopplæringen")]), Some(10), "same origin");
        assert_eq!(
            at(vec![key(None, Strategy, "tidlig innsats i småskolen")]),
            Some(11),
            "same text, case and spacing aside"
        );
        assert_eq!(
            at(vec![key(Some(99), SubGoal, "Elevene mestrer lesing")]),
            Some(12),
            "last edition's goal, same text"
        );
        assert_eq!(at(vec![key(None, SubGoal, "Tidlig innsats i småskolen")]), None, "the text of another kind");
        assert_eq!(
            at(vec![key(None, Assignment, "Leksehjelp"), key(Some(300), SubGoal, "Elevene mestrer lesing")]),
            Some(12),
            "the parent is gone: the goal above it"
        );
        assert_eq!(
            at(vec![key(None, Assignment, "Kartlegging"), key(Some(300), SubGoal, "Elevene mestrer lesing")]),
            None,
            "two candidates are the unit's choice, not a guess higher up"
        );
        assert_eq!(at(vec![key(None, Assignment, "")]), None, "an empty text matches nothing");
    }

    #[test]
    fn the_unit_places_the_rest_itself() {
        let measures = vec![
            LastYearMeasure { id: 1, path: vec![], deadline: Some(d(2026, 5, 1)), finished: false },
            LastYearMeasure { id: 2, path: vec![], deadline: None, finished: true },
            LastYearMeasure { id: 3, path: vec![], deadline: Some(d(2027, 5, 1)), finished: false },
        ];
        let targets = vec![Target { id: 10, key: key(None, ElementKind::SubGoal, "Mål") }];
        let placed = place_carried(&[(1, 10), (3, 10)], &measures, &targets, &HashSet::from([3]), 2027).unwrap();
        assert_eq!(
            placed,
            vec![CarryPlan { from: 1, parent: 10, deadline: Some(d(2027, 12, 31)), deadline_moved: true }]
        );
        let err = |choices: &[(i64, i64)]| {
            place_carried(choices, &measures, &targets, &HashSet::new(), 2027).unwrap_err().key
        };
        assert_eq!(err(&[(1, 10), (2, 10)]), "err-carry-place-measure", "a finished measure");
        assert_eq!(err(&[(9, 10)]), "err-carry-place-measure", "not last year's");
        assert_eq!(err(&[(1, 11)]), "err-carry-place-target", "not a place in this year's plan");
    }

    #[test]
    fn a_carried_deadline_is_in_the_plan_year_or_later() {
        assert_eq!(check_carried_deadline(d(2027, 1, 1), 2027).unwrap(), d(2027, 1, 1));
        assert!(check_carried_deadline(d(2028, 6, 30), 2027).is_ok());
        let err = check_carried_deadline(d(2026, 12, 31), 2027).unwrap_err();
        assert_eq!(
            (err.key, err.args.first().map(|(_, v)| v.as_str())),
            ("err-carry-deadline-before-year", Some("2027"))
        );
    }
}
