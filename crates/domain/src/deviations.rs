//! Deviations and improvement (*avvik og forbedringsforslag*, issue #16 §3): anyone signed in
//! registers an unwanted incident or an improvement idea in under a minute; the unit's leader
//! triages it; the handling line analyses the cause, sets corrective and preventive measures with a
//! responsible person and a deadline, and closes it with an effect check. Health and HR incidents
//! are restricted to the handling line and the reporter. Ideas follow plan–do–check–act, and the
//! larger ones the innovation pipeline (*nytt → nyttig → nyttiggjort → erfaringsdeling*).
//!
//! Pure: the store keeps the rows and the service asks these rules before every write.

use crate::RuleError;
use crate::access::{Actor, Role};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Longest title.
pub const TITLE_MAX: usize = 120;
/// Longest free text (what happened, immediate action, cause, effect check, a measure).
pub const TEXT_MAX: usize = 4000;

coded!(
    /// An unwanted incident (*avvik / uønsket hendelse*) or an improvement idea.
    Kind {
        /// Something went wrong, or nearly did.
        Incident = "incident" / "deviation-kind-incident",
        /// A way to do it better (*forbedringsforslag*).
        Improvement = "improvement" / "deviation-kind-improvement",
    },
    "err-deviation-kind",
    "kind"
);

coded!(
    /// What the registration is about.
    Category {
        /// The service to the inhabitants (*tjenestekvalitet*).
        Services = "services" / "deviation-category-services",
        /// Health, environment and safety at work (*HMS*).
        Hms = "hms" / "deviation-category-hms",
        /// Information security and privacy (*informasjonssikkerhet og personvern*).
        InformationSecurity = "information_security" / "deviation-category-information-security",
        /// A client's or patient's health (*helse, pasient- og brukersikkerhet*): restricted.
        Health = "health" / "deviation-category-health",
        /// A personnel matter (*personal / HR*): restricted.
        Hr = "hr" / "deviation-category-hr",
        /// Buildings, equipment and the environment (*bygg, utstyr og miljø*).
        Property = "property" / "deviation-category-property",
        /// Money and procurement (*økonomi og innkjøp*).
        Economy = "economy" / "deviation-category-economy",
        /// Anything else (*annet*).
        Other = "other" / "deviation-category-other",
    },
    "err-deviation-category",
    "category"
);

impl Category {
    /// Restricted (*skjermet*): visible only to the handling line and the reporter, since the text
    /// is about a person's health or employment.
    pub fn restricted(self) -> bool {
        matches!(self, Category::Health | Category::Hr)
    }
}

coded!(
    /// Severity, set at triage (*alvorlighetsgrad*).
    Severity {
        /// No harm, a lesson.
        Low = "low" / "deviation-severity-low",
        /// Some harm or a near miss that could have been serious.
        Medium = "medium" / "deviation-severity-medium",
        /// Serious harm.
        High = "high" / "deviation-severity-high",
        /// Critical: life, health or rights at stake; the level above is told.
        Critical = "critical" / "deviation-severity-critical",
    },
    "err-deviation-severity",
    "severity"
);

coded!(
    /// Where a registration is in its handling.
    Status {
        /// Registered, waiting for the leader's triage (*meldt*).
        Registered = "registered" / "deviation-status-registered",
        /// Accepted and being handled (*under behandling*).
        InProgress = "in_progress" / "deviation-status-in-progress",
        /// Handled and closed after the effect check (*lukket*).
        Closed = "closed" / "deviation-status-closed",
        /// Not a deviation, or one registered already (*avvist*).
        Rejected = "rejected" / "deviation-status-rejected",
    },
    "err-deviation-status",
    "status"
);

coded!(
    /// The improvement loop an idea follows (*planlegge, utføre, følge opp, forbedre*).
    Pdca {
        /// Plan the change.
        Plan = "plan" / "deviation-pdca-plan",
        /// Try it.
        Do = "do" / "deviation-pdca-do",
        /// See whether it worked.
        Check = "check" / "deviation-pdca-check",
        /// Make it the way of working.
        Act = "act" / "deviation-pdca-act",
    },
    "err-deviation-pdca",
    "pdca"
);

coded!(
    /// The innovation pipeline a larger idea moves along (the seed's words).
    InnovationStage {
        /// New (*nytt*): the idea is described.
        New = "new" / "deviation-innovation-new",
        /// Useful (*nyttig*): tried and found to help.
        Useful = "useful" / "deviation-innovation-useful",
        /// Put to use (*nyttiggjort*): part of how the service works.
        Used = "used" / "deviation-innovation-used",
        /// Shared learning (*erfaringsdeling*): others have been told and may take it up.
        Shared = "shared" / "deviation-innovation-shared",
    },
    "err-deviation-innovation",
    "innovation_stage"
);

impl InnovationStage {
    /// The next stage, `None` after the last.
    pub fn next(self) -> Option<InnovationStage> {
        match self {
            InnovationStage::New => Some(InnovationStage::Useful),
            InnovationStage::Useful => Some(InnovationStage::Used),
            InnovationStage::Used => Some(InnovationStage::Shared),
            InnovationStage::Shared => None,
        }
    }
}

/// Parses a date as typed: `2026-12-07` or `07.12.2026`.
pub(crate) fn parse_date(input: &str, field: &'static str) -> Result<Option<NaiveDate>, RuleError> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d.%m.%Y"))
        .map(Some)
        .map_err(|_| RuleError::new("err-deviation-date").with("value", t.to_owned()).on(field))
}

/// Checks a free text: required or not, at most `max` characters, and no national identity
/// number in it. Pushes what is wrong and returns the trimmed text.
pub(crate) fn text(
    value: &str,
    field: &'static str,
    required: Option<&'static str>,
    max: usize,
    errors: &mut Vec<RuleError>,
) -> String {
    let t = value.trim();
    if t.is_empty() {
        if let Some(key) = required {
            errors.push(RuleError::new(key).on(field));
        }
    } else if t.chars().count() > max {
        errors.push(RuleError::new("err-deviation-text-long").with("max", max.to_string()).on(field));
    } else if contains_national_id(t) {
        errors.push(RuleError::new("err-deviation-national-id").on(field));
    }
    t.to_owned()
}

/// Whether the text holds a Norwegian national identity number (*fødselsnummer* or D-number):
/// eleven digits in a row, not part of a longer number, whose two check digits hold (MOD11).
/// Such a number identifies a person and never belongs in a deviation's free text.
pub fn contains_national_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        if !bytes[start].is_ascii_digit() {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_digit() || (bytes[end] == b' ' && end == start + 6)) {
            end += 1;
        }
        let digits: Vec<u8> = bytes[start..end].iter().filter(|b| b.is_ascii_digit()).map(|b| b - b'0').collect();
        if digits.len() == 11 && national_id_checks(&digits) {
            return true;
        }
        start = end.max(start + 1);
    }
    false
}

fn national_id_checks(d: &[u8]) -> bool {
    const W1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
    const W2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let check = |weights: &[u32]| -> Option<u8> {
        let sum: u32 = weights.iter().zip(d).map(|(w, x)| w * u32::from(*x)).sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            k => Some(k as u8),
        }
    };
    let day = d[0] * 10 + d[1];
    let month = d[2] * 10 + d[3];
    // A D-number adds 4 to the day's first digit; an H-number 4 to the month's.
    let day_ok = (1..=31).contains(&day) || (41..=71).contains(&day);
    let month_ok = (1..=12).contains(&month) || (41..=52).contains(&month);
    day_ok && month_ok && check(&W1) == Some(d[9]) && check(&W2) == Some(d[10])
}

/// Words that look like a person's name: two capitalised words in a row, the first not opening
/// a sentence (*«… der Ola Nordmann falt …»*). A hint for the reporter, not a proof: the form asks
/// once whether names of clients are left out, and takes the text when they say so.
pub fn possible_names(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let capitalised = |w: &str| {
        let mut c = w.chars();
        c.next().is_some_and(char::is_uppercase)
            && c.clone().next().is_some_and(char::is_lowercase)
            && c.all(|ch| ch.is_alphabetic() || ch == '-')
    };
    let mut found = Vec::new();
    for i in 1..words.len() {
        let opens_sentence = i == 1 || words[i - 2].ends_with(['.', '!', '?', ':']);
        let (a, b) = (words[i - 1], words[i].trim_end_matches([',', '.', '!', '?', ':', ';']));
        if !opens_sentence && capitalised(a) && capitalised(b) {
            found.push(format!("{a} {b}"));
        }
    }
    found
}

/// A registration as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviationDraft {
    /// `incident` or `improvement`.
    pub kind: String,
    /// Category code.
    pub category: String,
    /// The unit it happened in, or the idea is for.
    pub unit_id: String,
    /// A short title.
    pub title: String,
    /// What happened, or the idea.
    pub description: String,
    /// What was done at once (incidents).
    #[serde(default)]
    pub immediate_action: String,
    /// When it happened (incidents; empty for today).
    #[serde(default)]
    pub occurred_on: String,
    /// The reporter has checked that no client is named (answers the name hint).
    #[serde(default)]
    pub names_checked: bool,
}

/// A registration that keeps every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewDeviation {
    /// Incident or idea.
    pub kind: Kind,
    /// Category.
    pub category: Category,
    /// Unit.
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// What happened.
    pub description: String,
    /// What was done at once.
    pub immediate_action: String,
    /// When.
    pub occurred_on: NaiveDate,
}

impl DeviationDraft {
    /// Checks a registration: kind, category and unit given; a title and a description within
    /// their lengths; no national identity number anywhere; an incident's date not after
    /// `today` (empty is today); and, when the text looks as if it names someone, the reporter's
    /// answer that no client is named. Every broken rule is returned, each naming its field.
    pub fn parse(&self, today: NaiveDate) -> Result<NewDeviation, Vec<RuleError>> {
        let mut errors = Vec::new();
        let kind = Kind::parse(&self.kind).map_err(|e| errors.push(e)).ok();
        let category = Category::parse(&self.category).map_err(|e| errors.push(e)).ok();
        let unit_id = self.unit_id.trim().parse::<i64>().ok().filter(|id| *id > 0);
        if unit_id.is_none() {
            errors.push(RuleError::new("err-deviation-unit").on("unit_id"));
        }
        let title = text(&self.title, "title", Some("err-deviation-title"), TITLE_MAX, &mut errors);
        let description =
            text(&self.description, "description", Some("err-deviation-description"), TEXT_MAX, &mut errors);
        let immediate_action = text(&self.immediate_action, "immediate_action", None, TEXT_MAX, &mut errors);
        let occurred_on = match parse_date(&self.occurred_on, "occurred_on") {
            Ok(Some(d)) if d > today => {
                errors.push(RuleError::new("err-deviation-date-future").on("occurred_on"));
                None
            }
            Ok(d) => Some(d.unwrap_or(today)),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        if !self.names_checked {
            let names: Vec<String> =
                [&title, &description, &immediate_action].iter().flat_map(|t| possible_names(t)).collect();
            if let Some(first) = names.first() {
                errors.push(
                    RuleError::new("err-deviation-possible-name").with("words", first.clone()).on("names_checked"),
                );
            }
        }
        match (kind, category, unit_id, occurred_on) {
            (Some(kind), Some(category), Some(unit_id), Some(occurred_on)) if errors.is_empty() => {
                Ok(NewDeviation { kind, category, unit_id, title, description, immediate_action, occurred_on })
            }
            _ => Err(errors),
        }
    }
}

/// The leader's triage as typed: accept with a severity, or reject with a reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageDraft {
    /// `accept` or `reject`.
    pub decision: String,
    /// Severity code (when accepting).
    #[serde(default)]
    pub severity: String,
    /// Why it is rejected.
    #[serde(default)]
    pub reason: String,
}

/// The outcome of a triage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Triage {
    /// Accepted for handling at this severity.
    Accept(Severity),
    /// Rejected for this reason.
    Reject(String),
}

impl TriageDraft {
    /// Checks a triage of a registration in `status`: only a registered one is triaged; accepting
    /// needs a severity, rejecting a reason.
    pub fn parse(&self, status: Status) -> Result<Triage, Vec<RuleError>> {
        if status != Status::Registered {
            return Err(vec![RuleError::new("err-deviation-not-registered")]);
        }
        let mut errors = Vec::new();
        let triage = match self.decision.trim() {
            "accept" => Severity::parse(&self.severity).map(Triage::Accept).map_err(|e| errors.push(e)).ok(),
            "reject" => {
                let reason = text(&self.reason, "reason", Some("err-deviation-reason"), TEXT_MAX, &mut errors);
                Some(Triage::Reject(reason))
            }
            _ => {
                errors.push(RuleError::new("err-deviation-decision").on("decision"));
                None
            }
        };
        match triage {
            Some(t) if errors.is_empty() => Ok(t),
            _ => Err(errors),
        }
    }
}

coded!(
    /// Corrective (*korrigerende*) or preventive (*forebyggende*).
    MeasureKind {
        /// Puts right what went wrong.
        Corrective = "corrective" / "deviation-measure-corrective",
        /// Keeps it from happening again.
        Preventive = "preventive" / "deviation-measure-preventive",
    },
    "err-deviation-measure-kind",
    "measure_kind"
);

/// A corrective or preventive measure as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureDraft {
    /// What is to be done.
    pub text: String,
    /// `corrective` or `preventive`.
    pub measure_kind: String,
    /// The responsible person's id.
    pub responsible_person_id: String,
    /// The deadline.
    pub deadline: String,
}

/// A measure that keeps the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewMeasure {
    /// What.
    pub text: String,
    /// Corrective or preventive.
    pub kind: MeasureKind,
    /// Who.
    pub responsible_person_id: i64,
    /// By when.
    pub deadline: NaiveDate,
}

impl MeasureDraft {
    /// Checks a measure for a deviation in `status` (only one being handled gets measures): a text,
    /// a kind, a responsible person and a deadline not before `today`, as every measure has.
    pub fn parse(&self, status: Status, today: NaiveDate) -> Result<NewMeasure, Vec<RuleError>> {
        if status != Status::InProgress {
            return Err(vec![RuleError::new("err-deviation-not-in-progress")]);
        }
        let mut errors = Vec::new();
        let text = text(&self.text, "text", Some("err-deviation-measure-text"), TEXT_MAX, &mut errors);
        let kind = MeasureKind::parse(&self.measure_kind).map_err(|e| errors.push(e)).ok();
        let responsible = self.responsible_person_id.trim().parse::<i64>().ok().filter(|id| *id > 0);
        if responsible.is_none() {
            errors.push(RuleError::new("err-deviation-measure-responsible").on("responsible_person_id"));
        }
        let deadline = match parse_date(&self.deadline, "deadline") {
            Ok(None) => {
                errors.push(RuleError::new("err-deviation-measure-deadline").on("deadline"));
                None
            }
            Ok(Some(d)) if d < today => {
                errors.push(RuleError::new("err-deviation-measure-deadline-past").on("deadline"));
                None
            }
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        match (kind, responsible, deadline) {
            (Some(kind), Some(responsible_person_id), Some(deadline)) if errors.is_empty() => {
                Ok(NewMeasure { text, kind, responsible_person_id, deadline })
            }
            _ => Err(errors),
        }
    }
}

/// The closing as typed: the effect check and whether the measures worked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseDraft {
    /// What was checked and found (*effektkontroll*).
    pub effect_check: String,
    /// `yes` when the measures had the effect wanted, `no` when not.
    pub effective: String,
}

/// A closing that keeps the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closing {
    /// The effect check.
    pub effect_check: String,
    /// Whether the measures worked.
    pub effective: bool,
}

/// What the closing rule needs to know of the deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseState {
    /// Its kind.
    pub kind: Kind,
    /// Its status.
    pub status: Status,
    /// A cause analysis is written.
    pub has_cause: bool,
    /// Measures not yet done.
    pub open_measures: usize,
}

impl CloseDraft {
    /// Checks a closing: only a deviation being handled is closed; an incident needs its cause
    /// analysis; no measure may still be open; and the effect check must be written and answered.
    pub fn parse(&self, state: CloseState) -> Result<Closing, Vec<RuleError>> {
        if state.status != Status::InProgress {
            return Err(vec![RuleError::new("err-deviation-not-in-progress")]);
        }
        let mut errors = Vec::new();
        if state.kind == Kind::Incident && !state.has_cause {
            errors.push(RuleError::new("err-deviation-cause-missing").on("cause"));
        }
        if state.open_measures > 0 {
            errors.push(RuleError::new("err-deviation-measures-open").with("count", state.open_measures.to_string()));
        }
        let effect_check =
            text(&self.effect_check, "effect_check", Some("err-deviation-effect-check"), TEXT_MAX, &mut errors);
        let effective = match self.effective.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                errors.push(RuleError::new("err-deviation-effective").on("effective"));
                None
            }
        };
        match effective {
            Some(effective) if errors.is_empty() => Ok(Closing { effect_check, effective }),
            _ => Err(errors),
        }
    }
}

/// Checks a cause analysis for a deviation in `status`: being handled, and within its length.
pub fn check_cause(cause: &str, status: Status) -> Result<String, Vec<RuleError>> {
    if status != Status::InProgress {
        return Err(vec![RuleError::new("err-deviation-not-in-progress")]);
    }
    let mut errors = Vec::new();
    let t = text(cause, "cause", Some("err-deviation-cause-missing"), TEXT_MAX, &mut errors);
    if errors.is_empty() { Ok(t) } else { Err(errors) }
}

/// Checks a move of an idea along the innovation pipeline: only an improvement idea, one stage
/// at a time forward (or into the pipeline at its first stage).
pub fn check_innovation_step(
    kind: Kind,
    from: Option<InnovationStage>,
    to: &str,
) -> Result<InnovationStage, RuleError> {
    if kind != Kind::Improvement {
        return Err(RuleError::new("err-deviation-innovation-idea-only"));
    }
    let to = InnovationStage::parse(to)?;
    let expected = match from {
        None => Some(InnovationStage::New),
        Some(stage) => stage.next(),
    };
    if expected == Some(to) {
        Ok(to)
    } else {
        Err(RuleError::new("err-deviation-innovation-step").on("innovation_stage"))
    }
}

impl Actor {
    fn leads_in_line(&self, ancestry: &[i64]) -> bool {
        ancestry.iter().any(|id| self.led_units.contains(id))
    }

    /// May register a deviation or an idea: everyone signed in.
    pub fn can_register_deviation(&self) -> bool {
        !self.roles.is_empty()
    }

    /// May read a deviation in the unit with `ancestry`, registered by `reporter_user_id`: its
    /// reporter always; a restricted one (health, HR) only the leaders of its unit and the units
    /// above (the handling line), not the staff, the auditor or delegates; any other whoever
    /// reads the unit.
    pub fn can_read_deviation(&self, ancestry: &[i64], category: Category, reporter_user_id: i64) -> bool {
        if reporter_user_id == self.user_id {
            return true;
        }
        if category.restricted() { self.leads_in_line(ancestry) } else { self.can_read_unit(ancestry) }
    }

    /// May triage, analyse, set measures on and close a deviation in the unit with `ancestry`: a
    /// restricted one its handling line; any other whoever edits the unit (leaders in the line,
    /// delegates, the management staff).
    pub fn can_handle_deviation(&self, ancestry: &[i64], category: Category) -> bool {
        if category.restricted() { self.leads_in_line(ancestry) } else { self.can_edit_unit(ancestry) }
    }

    /// May read the trends (counts per unit, category and month, no texts): the staff, the
    /// auditor, leaders and politicians.
    pub fn can_read_deviation_trends(&self) -> bool {
        [Role::SystemAdmin, Role::Management, Role::Auditor, Role::Leader, Role::Politician]
            .iter()
            .any(|r| self.has(*r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn draft() -> DeviationDraft {
        DeviationDraft {
            kind: "incident".into(),
            category: "services".into(),
            unit_id: "7".into(),
            title: "Feil medisin utlevert".into(),
            description: "En bruker fikk kveldsmedisinen to timer for tidlig.".into(),
            immediate_action: "Lege kontaktet, bruker observert.".into(),
            occurred_on: "05.12.2026".into(),
            names_checked: false,
        }
    }

    fn keys(errors: &[RuleError]) -> Vec<&'static str> {
        errors.iter().map(|e| e.key).collect()
    }

    #[test]
    fn a_registration_is_parsed_with_its_date_in_either_format() {
        let d = draft().parse(day("2026-12-07")).unwrap();
        assert_eq!((d.kind, d.category, d.unit_id), (Kind::Incident, Category::Services, 7));
        assert_eq!(d.occurred_on, day("2026-12-05"));
        let iso = DeviationDraft { occurred_on: "2026-12-05".into(), ..draft() }.parse(day("2026-12-07")).unwrap();
        assert_eq!(iso.occurred_on, d.occurred_on);
        let today = DeviationDraft { occurred_on: " ".into(), ..draft() }.parse(day("2026-12-07")).unwrap();
        assert_eq!(today.occurred_on, day("2026-12-07"));
    }

    #[test]
    fn every_broken_rule_of_a_registration_is_reported_on_its_field() {
        let bad = DeviationDraft {
            kind: "accident".into(),
            category: "".into(),
            unit_id: "x".into(),
            title: " ".into(),
            description: "a".repeat(TEXT_MAX + 1),
            immediate_action: String::new(),
            occurred_on: "08.12.2026".into(),
            names_checked: false,
        };
        let errors = bad.parse(day("2026-12-07")).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.key, e.field)).collect();
        assert_eq!(
            fields,
            [
                ("err-deviation-kind", Some("kind")),
                ("err-deviation-category", Some("category")),
                ("err-deviation-unit", Some("unit_id")),
                ("err-deviation-title", Some("title")),
                ("err-deviation-text-long", Some("description")),
                ("err-deviation-date-future", Some("occurred_on")),
            ]
        );
        let bad_date = DeviationDraft { occurred_on: "31.02.2026".into(), ..draft() };
        assert_eq!(keys(&bad_date.parse(day("2026-12-07")).unwrap_err()), ["err-deviation-date"]);
    }

    #[test]
    fn national_identity_numbers_are_refused_and_other_numbers_are_not() {
        // Valid check digits (a synthetic test number), with and without the space.
        assert!(contains_national_id("gjelder 01010750160 i går"));
        assert!(contains_national_id("gjelder 010107 50160"));
        // A D-number: the day plus 40.
        assert!(contains_national_id("41010750154"));
        // Wrong check digit, too long, a phone number, a case number.
        assert!(!contains_national_id("01010750161"));
        assert!(!contains_national_id("010107501601"));
        assert!(!contains_national_id("ring 66 75 00 00"));
        assert!(!contains_national_id("sak 2026/01234"));
        let d = DeviationDraft { description: "Brukeren med fnr 01010750160 falt.".into(), ..draft() };
        let errors = d.parse(day("2026-12-07")).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| (e.key, e.field)).collect::<Vec<_>>(),
            [("err-deviation-national-id", Some("description"))]
        );
    }

    #[test]
    fn a_name_in_the_text_asks_once_and_is_taken_when_checked() {
        let named = DeviationDraft { description: "På kjøkkenet falt Ola Nordmann og slo seg.".into(), ..draft() };
        let errors = named.parse(day("2026-12-07")).unwrap_err();
        assert_eq!(keys(&errors), ["err-deviation-possible-name"]);
        assert_eq!(errors[0].args, [("words", "Ola Nordmann".to_owned())]);
        assert!(DeviationDraft { names_checked: true, ..named }.parse(day("2026-12-07")).is_ok());
        // A sentence's first words and single capitals are no names.
        assert!(possible_names("Etter lunsj. Bruker falt i Asker sentrum").is_empty());
        assert_eq!(possible_names("møtte Kari Hansen, og så"), ["Kari Hansen"]);
    }

    #[test]
    fn restricted_categories_are_health_and_hr() {
        let restricted: Vec<_> = Category::ALL.iter().filter(|c| c.restricted()).collect();
        assert_eq!(restricted, [&Category::Health, &Category::Hr]);
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()), Ok(*c));
        }
    }

    #[test]
    fn triage_accepts_with_a_severity_or_rejects_with_a_reason_and_only_once() {
        let accept = TriageDraft { decision: "accept".into(), severity: "high".into(), reason: String::new() };
        assert_eq!(accept.parse(Status::Registered), Ok(Triage::Accept(Severity::High)));
        assert_eq!(keys(&accept.parse(Status::InProgress).unwrap_err()), ["err-deviation-not-registered"]);
        let no_severity = TriageDraft { severity: String::new(), ..accept.clone() };
        assert_eq!(keys(&no_severity.parse(Status::Registered).unwrap_err()), ["err-deviation-severity"]);
        let reject =
            TriageDraft { decision: "reject".into(), severity: String::new(), reason: "Meldt før, sak 12".into() };
        assert_eq!(reject.parse(Status::Registered), Ok(Triage::Reject("Meldt før, sak 12".into())));
        let no_reason = TriageDraft { reason: " ".into(), ..reject };
        assert_eq!(keys(&no_reason.parse(Status::Registered).unwrap_err()), ["err-deviation-reason"]);
        let nothing = TriageDraft::default();
        assert_eq!(keys(&nothing.parse(Status::Registered).unwrap_err()), ["err-deviation-decision"]);
    }

    #[test]
    fn a_measure_needs_text_kind_responsible_and_a_deadline_not_past() {
        let m = MeasureDraft {
            text: "Ny rutine for dobbeltkontroll".into(),
            measure_kind: "preventive".into(),
            responsible_person_id: "12".into(),
            deadline: "31.01.2027".into(),
        };
        let today = day("2026-12-07");
        assert_eq!(
            m.parse(Status::InProgress, today),
            Ok(NewMeasure {
                text: m.text.clone(),
                kind: MeasureKind::Preventive,
                responsible_person_id: 12,
                deadline: day("2027-01-31")
            })
        );
        assert_eq!(keys(&m.parse(Status::Registered, today).unwrap_err()), ["err-deviation-not-in-progress"]);
        let past = MeasureDraft { deadline: "06.12.2026".into(), ..m.clone() };
        assert_eq!(keys(&past.parse(Status::InProgress, today).unwrap_err()), ["err-deviation-measure-deadline-past"]);
        let empty = MeasureDraft::default();
        assert_eq!(
            keys(&empty.parse(Status::InProgress, today).unwrap_err()),
            [
                "err-deviation-measure-text",
                "err-deviation-measure-kind",
                "err-deviation-measure-responsible",
                "err-deviation-measure-deadline"
            ]
        );
    }

    #[test]
    fn closing_needs_the_cause_no_open_measures_and_an_effect_check() {
        let ready = CloseState { kind: Kind::Incident, status: Status::InProgress, has_cause: true, open_measures: 0 };
        let close = CloseDraft { effect_check: "Ingen nye hendelser på seks uker".into(), effective: "yes".into() };
        assert_eq!(close.parse(ready), Ok(Closing { effect_check: close.effect_check.clone(), effective: true }));
        let without_check = CloseDraft { effect_check: " ".into(), effective: String::new() };
        assert_eq!(
            keys(&without_check.parse(ready).unwrap_err()),
            ["err-deviation-effect-check", "err-deviation-effective"]
        );
        let unready = CloseState { has_cause: false, open_measures: 2, ..ready };
        let errors = close.parse(unready).unwrap_err();
        assert_eq!(keys(&errors), ["err-deviation-cause-missing", "err-deviation-measures-open"]);
        assert_eq!(errors[1].args, [("count", "2".to_owned())]);
        // An idea has no cause analysis; a closed one is not closed again.
        assert!(close.parse(CloseState { kind: Kind::Improvement, has_cause: false, ..ready }).is_ok());
        assert_eq!(
            keys(&close.parse(CloseState { status: Status::Closed, ..ready }).unwrap_err()),
            ["err-deviation-not-in-progress"]
        );
    }

    #[test]
    fn ideas_move_along_the_innovation_pipeline_one_stage_at_a_time() {
        assert_eq!(check_innovation_step(Kind::Improvement, None, "new"), Ok(InnovationStage::New));
        assert_eq!(
            check_innovation_step(Kind::Improvement, Some(InnovationStage::New), "useful"),
            Ok(InnovationStage::Useful)
        );
        assert_eq!(
            check_innovation_step(Kind::Improvement, Some(InnovationStage::Used), "shared"),
            Ok(InnovationStage::Shared)
        );
        assert_eq!(
            check_innovation_step(Kind::Improvement, Some(InnovationStage::New), "used").unwrap_err().key,
            "err-deviation-innovation-step"
        );
        assert_eq!(
            check_innovation_step(Kind::Improvement, None, "useful").unwrap_err().key,
            "err-deviation-innovation-step"
        );
        assert_eq!(
            check_innovation_step(Kind::Improvement, Some(InnovationStage::Shared), "new").unwrap_err().key,
            "err-deviation-innovation-step"
        );
        assert_eq!(
            check_innovation_step(Kind::Incident, None, "new").unwrap_err().key,
            "err-deviation-innovation-idea-only"
        );
    }

    fn actor(user_id: i64, roles: &[Role], led: &[i64], delegated: &[i64], own: Option<i64>) -> Actor {
        Actor {
            user_id,
            municipality_id: 1,
            person_id: Some(user_id),
            roles: roles.iter().copied().collect(),
            own_unit: own,
            led_units: led.iter().copied().collect::<BTreeSet<_>>(),
            delegated_units: delegated.iter().copied().collect(),
        }
    }

    #[test]
    fn restricted_deviations_are_read_and_handled_by_the_line_and_read_by_the_reporter_only() {
        // Unit 30 under service area 20 under the municipality 10; the reporter is user 5.
        let ancestry = [30, 20, 10];
        let reporter = actor(5, &[Role::Employee], &[], &[], Some(30));
        let colleague = actor(6, &[Role::Employee], &[], &[], Some(30));
        let leader = actor(7, &[Role::Leader], &[30], &[], Some(30));
        let director = actor(8, &[Role::Leader], &[20], &[], Some(20));
        let other_leader = actor(9, &[Role::Leader], &[31], &[], Some(31));
        let delegate = actor(11, &[Role::Employee], &[], &[30], Some(30));
        let staff = actor(12, &[Role::Management], &[], &[], None);
        let auditor = actor(13, &[Role::Auditor], &[], &[], None);
        let politician = actor(14, &[Role::Politician], &[], &[], None);
        let read = |a: &Actor, c| a.can_read_deviation(&ancestry, c, 5);
        let handle = |a: &Actor, c| a.can_handle_deviation(&ancestry, c);
        for c in [Category::Health, Category::Hr] {
            let readers: Vec<i64> =
                [&reporter, &colleague, &leader, &director, &other_leader, &delegate, &staff, &auditor, &politician]
                    .iter()
                    .filter(|a| read(a, c))
                    .map(|a| a.user_id)
                    .collect();
            assert_eq!(readers, [5, 7, 8], "{c:?}");
            assert!(handle(&leader, c) && handle(&director, c));
            assert!(!handle(&reporter, c) && !handle(&delegate, c) && !handle(&staff, c));
        }
        let readers: Vec<i64> =
            [&reporter, &colleague, &leader, &director, &other_leader, &delegate, &staff, &auditor, &politician]
                .iter()
                .filter(|a| read(a, Category::Services))
                .map(|a| a.user_id)
                .collect();
        assert_eq!(readers, [5, 6, 7, 8, 11, 12, 13]);
        assert!(handle(&delegate, Category::Services) && handle(&staff, Category::Services));
        assert!(!handle(&colleague, Category::Services) && !handle(&auditor, Category::Services));
        assert!(politician.can_read_deviation_trends() && !colleague.can_read_deviation_trends());
        assert!(colleague.can_register_deviation());
    }
}
