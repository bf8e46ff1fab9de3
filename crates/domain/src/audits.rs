//! Audits and inspections (*revisjoner og tilsyn*, issue #16 §4): the control committee's
//! performance audits with the auditor's recommendations (*forvaltningsrevisjon*), state
//! inspections (*statlige tilsyn*) with their breaches and remarks, and the ISO 9001 internal
//! (March) and external (November) audits with their nonconformities and observations. Each
//! finding that asks for action gets a corrective measure with a responsible person and a deadline
//! and is closed with what was done; an audit closes when none of its findings is open. The
//! management review (*ledelsens gjennomgang*, April) is a yearly record of its inputs and
//! decisions.
//!
//! Pure: the store keeps the rows and the service asks these rules before every write.

use crate::RuleError;
use crate::access::{Actor, Role};
use crate::deviations::{parse_date, text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Longest title or auditor name.
pub const TITLE_MAX: usize = 160;
/// Longest free text.
pub const TEXT_MAX: usize = 6000;

coded!(
    /// What kind of audit or inspection.
    AuditKind {
        /// The control committee's performance audit by the auditor (*forvaltningsrevisjon*).
        PerformanceAudit = "performance_audit" / "audit-kind-performance",
        /// A state inspection (*statlig tilsyn*): Statsforvalteren, Arbeidstilsynet, Datatilsynet, …
        StateInspection = "state_inspection" / "audit-kind-inspection",
        /// The ISO 9001 internal audit (*internrevisjon*, March).
        IsoInternal = "iso_internal" / "audit-kind-iso-internal",
        /// The certification body's ISO 9001 audit (*eksternrevisjon*, November).
        IsoExternal = "iso_external" / "audit-kind-iso-external",
    },
    "err-audit-kind",
    "kind"
);

coded!(
    /// What an audit found.
    FindingKind {
        /// A breach of law or regulation (*lovbrudd*, *pålegg*) found by an inspection.
        Breach = "breach" / "audit-finding-breach",
        /// A remark (*merknad*): not a breach, but something to improve.
        Remark = "remark" / "audit-finding-remark",
        /// A major nonconformity (*hovedavvik*) with the ISO 9001 requirements.
        MajorNonconformity = "major_nonconformity" / "audit-finding-major",
        /// A minor nonconformity (*mindre avvik*).
        MinorNonconformity = "minor_nonconformity" / "audit-finding-minor",
        /// An observation or improvement point (*forbedringspunkt*).
        Observation = "observation" / "audit-finding-observation",
        /// An audit's recommendation (*anbefaling*), which the council asks to be followed up.
        Recommendation = "recommendation" / "audit-finding-recommendation",
    },
    "err-audit-finding-kind",
    "finding_kind"
);

impl FindingKind {
    /// The kinds of finding an audit of `kind` makes.
    pub fn of(kind: AuditKind) -> &'static [FindingKind] {
        match kind {
            AuditKind::PerformanceAudit => &[FindingKind::Recommendation],
            AuditKind::StateInspection => &[FindingKind::Breach, FindingKind::Remark],
            AuditKind::IsoInternal | AuditKind::IsoExternal => {
                &[FindingKind::MajorNonconformity, FindingKind::MinorNonconformity, FindingKind::Observation]
            }
        }
    }

    /// Whether it asks for a corrective measure with a responsible person and a deadline (a remark
    /// or an observation may be taken as advice).
    pub fn needs_measure(self) -> bool {
        !matches!(self, FindingKind::Remark | FindingKind::Observation)
    }
}

/// An audit or inspection as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDraft {
    /// Kind code.
    pub kind: String,
    /// The theme (*tema*).
    pub title: String,
    /// Who audits: the inspecting authority, the auditor or the certification body.
    pub auditor: String,
    /// The audited unit (the municipality for a municipality-wide audit).
    pub unit_id: String,
    /// The day it was carried out (or opened).
    pub held_on: String,
    /// The day the final report came (empty until it has).
    #[serde(default)]
    pub report_on: String,
    /// A summary of its conclusion.
    #[serde(default)]
    pub summary: String,
}

/// An audit that keeps every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewAudit {
    /// Kind.
    pub kind: AuditKind,
    /// Theme.
    pub title: String,
    /// Auditor.
    pub auditor: String,
    /// Unit.
    pub unit_id: i64,
    /// Carried out.
    pub held_on: NaiveDate,
    /// Final report.
    pub report_on: Option<NaiveDate>,
    /// Summary.
    pub summary: String,
}

impl AuditDraft {
    /// Checks an audit: kind, theme, auditor and unit given; the day it was held; a report not
    /// before it was held. Every broken rule is returned, each naming its field.
    pub fn parse(&self) -> Result<NewAudit, Vec<RuleError>> {
        let mut errors = Vec::new();
        let kind = AuditKind::parse(&self.kind).map_err(|e| errors.push(e)).ok();
        let title = text(&self.title, "title", Some("err-audit-title"), TITLE_MAX, &mut errors);
        let auditor = text(&self.auditor, "auditor", Some("err-audit-auditor"), TITLE_MAX, &mut errors);
        let unit_id = self.unit_id.trim().parse::<i64>().ok().filter(|id| *id > 0);
        if unit_id.is_none() {
            errors.push(RuleError::new("err-audit-unit").on("unit_id"));
        }
        let held_on = match parse_date(&self.held_on, "held_on") {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.push(RuleError::new("err-audit-held-on").on("held_on"));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let report_on = match parse_date(&self.report_on, "report_on") {
            Ok(Some(r)) if held_on.is_some_and(|h| r < h) => {
                errors.push(RuleError::new("err-audit-report-before").on("report_on"));
                None
            }
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let summary = text(&self.summary, "summary", None, TEXT_MAX, &mut errors);
        match (kind, unit_id, held_on) {
            (Some(kind), Some(unit_id), Some(held_on)) if errors.is_empty() => {
                Ok(NewAudit { kind, title, auditor, unit_id, held_on, report_on, summary })
            }
            _ => Err(errors),
        }
    }
}

/// A finding as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingDraft {
    /// Finding kind code.
    pub finding_kind: String,
    /// What was found.
    pub description: String,
    /// The corrective measure.
    #[serde(default)]
    pub measure: String,
    /// Who is responsible for it.
    #[serde(default)]
    pub responsible_person_id: String,
    /// By when.
    #[serde(default)]
    pub deadline: String,
}

/// A finding that keeps every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewFinding {
    /// Kind.
    pub kind: FindingKind,
    /// What was found.
    pub description: String,
    /// The measure (may be empty for a remark or an observation).
    pub measure: String,
    /// Responsible.
    pub responsible_person_id: Option<i64>,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
}

impl FindingDraft {
    /// Checks a finding of an open audit of `kind`: a kind that audit makes, a description, and
    /// for a finding that asks for action a measure, a responsible person and a deadline not before
    /// `today` (a remark or an observation may have them too, all three or none).
    pub fn parse(&self, kind: AuditKind, open: bool, today: NaiveDate) -> Result<NewFinding, Vec<RuleError>> {
        if !open {
            return Err(vec![RuleError::new("err-audit-closed")]);
        }
        let mut errors = Vec::new();
        let finding = match FindingKind::parse(&self.finding_kind) {
            Ok(f) if FindingKind::of(kind).contains(&f) => Some(f),
            Ok(_) => {
                errors.push(RuleError::new("err-audit-finding-kind-fits").on("finding_kind"));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let description = text(&self.description, "description", Some("err-audit-finding-text"), TEXT_MAX, &mut errors);
        let measure = text(&self.measure, "measure", None, TEXT_MAX, &mut errors);
        let responsible = self.responsible_person_id.trim().parse::<i64>().ok().filter(|id| *id > 0);
        let deadline = match parse_date(&self.deadline, "deadline") {
            Ok(Some(d)) if d < today => {
                errors.push(RuleError::new("err-audit-deadline-past").on("deadline"));
                None
            }
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let given =
            [!measure.is_empty(), responsible.is_some(), deadline.is_some() || !self.deadline.trim().is_empty()];
        if finding.is_some_and(FindingKind::needs_measure) || given.iter().any(|g| *g) {
            if measure.is_empty() {
                errors.push(RuleError::new("err-audit-measure").on("measure"));
            }
            if responsible.is_none() {
                errors.push(RuleError::new("err-audit-responsible").on("responsible_person_id"));
            }
            if self.deadline.trim().is_empty() {
                errors.push(RuleError::new("err-audit-deadline").on("deadline"));
            }
        }
        match finding {
            Some(kind) if errors.is_empty() => {
                Ok(NewFinding { kind, description, measure, responsible_person_id: responsible, deadline })
            }
            _ => Err(errors),
        }
    }
}

/// Checks what closes a finding: what was done, required.
pub fn check_closing_note(note: &str) -> Result<String, Vec<RuleError>> {
    let mut errors = Vec::new();
    let t = text(note, "closing_note", Some("err-audit-closing-note"), TEXT_MAX, &mut errors);
    if errors.is_empty() { Ok(t) } else { Err(errors) }
}

/// Checks the closing of an audit with `open_findings` still open: none may be, and the closing
/// (e.g. the authority's letter closing the inspection) is described.
pub fn check_audit_close(note: &str, open: bool, open_findings: usize) -> Result<String, Vec<RuleError>> {
    if !open {
        return Err(vec![RuleError::new("err-audit-closed")]);
    }
    if open_findings > 0 {
        return Err(vec![
            RuleError::new("err-audit-open-findings").with("count", open_findings.to_string()).on("closing_note"),
        ]);
    }
    check_closing_note(note)
}

/// The management review of a year as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDraft {
    /// The day it was held.
    pub held_on: String,
    /// Who took part.
    pub participants: String,
    /// What it reviewed (audit results, deviations, risks, goal achievement, feedback).
    pub inputs: String,
    /// What it decided.
    pub decisions: String,
}

/// A review that keeps the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewReview {
    /// Held.
    pub held_on: NaiveDate,
    /// Participants.
    pub participants: String,
    /// Inputs.
    pub inputs: String,
    /// Decisions.
    pub decisions: String,
}

impl ReviewDraft {
    /// Checks a review of `year`: held that year, with participants, inputs and decisions.
    pub fn parse(&self, year: i32) -> Result<NewReview, Vec<RuleError>> {
        use chrono::Datelike;
        let mut errors = Vec::new();
        let held_on = match parse_date(&self.held_on, "held_on") {
            Ok(Some(d)) if d.year() == year => Some(d),
            Ok(Some(_)) => {
                errors.push(RuleError::new("err-review-year").with("year", year.to_string()).on("held_on"));
                None
            }
            Ok(None) => {
                errors.push(RuleError::new("err-audit-held-on").on("held_on"));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let participants =
            text(&self.participants, "participants", Some("err-review-participants"), TEXT_MAX, &mut errors);
        let inputs = text(&self.inputs, "inputs", Some("err-review-inputs"), TEXT_MAX, &mut errors);
        let decisions = text(&self.decisions, "decisions", Some("err-review-decisions"), TEXT_MAX, &mut errors);
        match held_on {
            Some(held_on) if errors.is_empty() => Ok(NewReview { held_on, participants, inputs, decisions }),
            _ => Err(errors),
        }
    }
}

impl Actor {
    /// May read audits and inspections: everyone signed in (their reports are public documents).
    pub fn can_read_audits(&self) -> bool {
        !self.roles.is_empty()
    }

    /// May register audits, record their findings and close them: the management staff and system
    /// administrators, who keep the municipality's quality system.
    pub fn can_manage_audits(&self) -> bool {
        self.has(Role::SystemAdmin) || self.has(Role::Management)
    }

    /// May close a finding of an audit of the unit with `ancestry` with what was done: whoever edits
    /// the unit (its leaders and those above, delegates, the staff).
    pub fn can_follow_up_finding(&self, ancestry: &[i64]) -> bool {
        self.can_edit_unit(ancestry)
    }

    /// May read the management reviews: the staff, leaders and the auditor.
    pub fn can_read_reviews(&self) -> bool {
        [Role::SystemAdmin, Role::Management, Role::Auditor, Role::Leader].iter().any(|r| self.has(*r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn audit() -> AuditDraft {
        AuditDraft {
            kind: "state_inspection".into(),
            title: "Skolemiljø – opplæringslova kapittel 9 A".into(),
            auditor: "Statsforvalteren i Oslo og Viken".into(),
            unit_id: "4".into(),
            held_on: "12.03.2026".into(),
            report_on: "2026-05-02".into(),
            summary: String::new(),
        }
    }

    #[test]
    fn an_audit_needs_kind_theme_auditor_unit_and_a_report_not_before_it() {
        let a = audit().parse().unwrap();
        assert_eq!(
            (a.kind, a.held_on, a.report_on),
            (AuditKind::StateInspection, day("2026-03-12"), Some(day("2026-05-02")))
        );
        let bad = AuditDraft {
            kind: "rumour".into(),
            title: "".into(),
            auditor: " ".into(),
            unit_id: "x".into(),
            held_on: "".into(),
            ..audit()
        };
        let fields: Vec<_> = bad.parse().unwrap_err().iter().map(|e| e.field.unwrap()).collect();
        assert_eq!(fields, ["kind", "title", "auditor", "unit_id", "held_on"]);
        let early = AuditDraft { report_on: "01.03.2026".into(), ..audit() };
        assert_eq!(early.parse().unwrap_err()[0].key, "err-audit-report-before");
    }

    #[test]
    fn findings_fit_their_audit_and_those_asking_for_action_get_a_measure() {
        let today = day("2026-06-01");
        let breach = FindingDraft {
            finding_kind: "breach".into(),
            description: "Skolen har ikke rutiner for å følge med på elevenes skolemiljø.".into(),
            measure: "Rutine for aktivitetsplikt vedtas og gjøres kjent.".into(),
            responsible_person_id: "9".into(),
            deadline: "01.09.2026".into(),
        };
        let f = breach.parse(AuditKind::StateInspection, true, today).unwrap();
        assert_eq!(
            (f.kind, f.responsible_person_id, f.deadline),
            (FindingKind::Breach, Some(9), Some(day("2026-09-01")))
        );
        let keys = |d: FindingDraft, k: AuditKind| -> Vec<&'static str> {
            d.parse(k, true, today).unwrap_err().iter().map(|e| e.key).collect()
        };
        assert_eq!(keys(breach.clone(), AuditKind::IsoInternal), ["err-audit-finding-kind-fits"]);
        let bare = FindingDraft {
            measure: "".into(),
            responsible_person_id: "".into(),
            deadline: "".into(),
            ..breach.clone()
        };
        assert_eq!(
            keys(bare.clone(), AuditKind::StateInspection),
            ["err-audit-measure", "err-audit-responsible", "err-audit-deadline"]
        );
        // A remark may stand alone, but a measure begun is a whole measure.
        let remark = FindingDraft { finding_kind: "remark".into(), ..bare.clone() };
        assert!(remark.parse(AuditKind::StateInspection, true, today).unwrap().measure.is_empty());
        let half = FindingDraft { measure: "Noe".into(), ..remark };
        assert_eq!(keys(half, AuditKind::StateInspection), ["err-audit-responsible", "err-audit-deadline"]);
        let late = FindingDraft { deadline: "31.05.2026".into(), ..breach.clone() };
        assert_eq!(keys(late, AuditKind::StateInspection), ["err-audit-deadline-past"]);
        assert_eq!(breach.parse(AuditKind::StateInspection, false, today).unwrap_err()[0].key, "err-audit-closed");
        for k in AuditKind::ALL {
            assert!(!FindingKind::of(*k).is_empty());
        }
    }

    #[test]
    fn an_audit_closes_only_with_no_open_finding_and_a_note() {
        assert_eq!(
            check_audit_close("Avsluttet i brev 3. juni.", true, 1).unwrap_err()[0].key,
            "err-audit-open-findings"
        );
        assert_eq!(check_audit_close("", true, 0).unwrap_err()[0].key, "err-audit-closing-note");
        assert_eq!(check_audit_close("Avsluttet.", false, 0).unwrap_err()[0].key, "err-audit-closed");
        assert_eq!(check_audit_close(" Avsluttet. ", true, 0).unwrap(), "Avsluttet.");
    }

    #[test]
    fn a_review_is_held_in_its_year_with_its_inputs_and_decisions() {
        let r = ReviewDraft {
            held_on: "22.04.2026".into(),
            participants: "Kommunedirektørens ledergruppe".into(),
            inputs: "Resultater fra internrevisjonene i mars.".into(),
            decisions: "Rutinen for avvik forenkles.".into(),
        };
        assert_eq!(r.parse(2026).unwrap().held_on, day("2026-04-22"));
        assert_eq!(r.parse(2025).unwrap_err()[0].key, "err-review-year");
        let keys: Vec<_> = ReviewDraft::default().parse(2026).unwrap_err().iter().map(|e| e.key).collect();
        assert_eq!(keys, ["err-audit-held-on", "err-review-participants", "err-review-inputs", "err-review-decisions"]);
    }
}
