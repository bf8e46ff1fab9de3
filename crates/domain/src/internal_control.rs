//! Internal control (*internkontroll*, kommuneloven kap. 25, issue #16 §2): control activities
//! with an owner, a frequency and a method, linked to the risks they reduce and the laws and
//! regulations they secure; one execution record per period with its result and evidence; the
//! periods that passed without a record are missed, and failed or missed controls are flagged;
//! each unit manager (authority level 2) reports significant risk and control failure, and what
//! worked, to the chief executive (level 1) once a year.
//!
//! Pure: the store keeps the rows and the service asks these rules before every write.

use crate::RuleError;
use crate::access::{Actor, Role};
use crate::deviations::{parse_date, text};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Longest title.
pub const TITLE_MAX: usize = 120;
/// Longest free text (description, findings, follow-up, the report's parts).
pub const TEXT_MAX: usize = 4000;
/// Longest reference to a law or regulation, one per line.
pub const LEGAL_REF_MAX: usize = 200;
/// Most references to laws and regulations.
pub const LEGAL_REFS_MAX: usize = 12;
/// Largest evidence file, in bytes (10 MiB).
pub const EVIDENCE_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Longest stored file name, in characters.
pub const FILE_NAME_MAX: usize = 120;

coded!(
    /// How often a control is carried out: one execution record per period.
    Frequency {
        /// Every month.
        Monthly = "monthly" / "control-frequency-monthly",
        /// Every quarter.
        Quarterly = "quarterly" / "control-frequency-quarterly",
        /// Every four months (*tertial*), as the council reports.
        FourMonthly = "four_monthly" / "control-frequency-four-monthly",
        /// Every half year.
        HalfYearly = "half_yearly" / "control-frequency-half-yearly",
        /// Once a year.
        Yearly = "yearly" / "control-frequency-yearly",
    },
    "err-control-frequency",
    "frequency"
);

impl Frequency {
    /// Periods in a year.
    pub fn per_year(self) -> u32 {
        match self {
            Frequency::Monthly => 12,
            Frequency::Quarterly => 4,
            Frequency::FourMonthly => 3,
            Frequency::HalfYearly => 2,
            Frequency::Yearly => 1,
        }
    }

    fn months(self) -> u32 {
        12 / self.per_year()
    }
}

coded!(
    /// How a control is carried out.
    Method {
        /// A checklist gone through (*sjekkliste*).
        Checklist = "checklist" / "control-method-checklist",
        /// A sample of cases checked (*stikkprøve*).
        Sample = "sample" / "control-method-sample",
        /// Two sources reconciled (*avstemming*), e.g. ledger and bank.
        Reconciliation = "reconciliation" / "control-method-reconciliation",
        /// Documents or decisions reviewed (*dokumentgjennomgang*).
        DocumentReview = "document_review" / "control-method-document-review",
        /// Work observed on site (*observasjon*).
        Observation = "observation" / "control-method-observation",
        /// A system's log or access rights checked (*systemkontroll*).
        SystemCheck = "system_check" / "control-method-system-check",
    },
    "err-control-method",
    "method"
);

coded!(
    /// What an execution found.
    Outcome {
        /// In order (*i orden*).
        Ok = "ok" / "control-outcome-ok",
        /// In order with remarks (*merknader*): weaknesses to follow up.
        Remarks = "remarks" / "control-outcome-remarks",
        /// Not in order (*svikt*): the control found a failure.
        Failed = "failed" / "control-outcome-failed",
    },
    "err-control-outcome",
    "outcome"
);

/// One period of a frequency: the `index`th (1-based) of `year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Period {
    /// The year.
    pub year: i32,
    /// 1 to the frequency's periods per year.
    pub index: u32,
    /// The frequency it is a period of.
    #[serde(skip)]
    pub frequency: Frequency,
}

impl Period {
    /// The period of `frequency` that holds `day`.
    pub fn containing(frequency: Frequency, day: NaiveDate) -> Period {
        Period { year: day.year(), index: day.month0() / frequency.months() + 1, frequency }
    }

    /// Its first day.
    pub fn start(self) -> NaiveDate {
        let month = (self.index - 1) * self.frequency.months() + 1;
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Its last day.
    pub fn end(self) -> NaiveDate {
        self.next().start().pred_opt().unwrap_or(NaiveDate::MIN)
    }

    /// The period after it.
    pub fn next(self) -> Period {
        if self.index >= self.frequency.per_year() {
            Period { year: self.year + 1, index: 1, frequency: self.frequency }
        } else {
            Period { index: self.index + 1, ..self }
        }
    }

    /// The form's and the API's code: `2026-3` (the third period of 2026).
    pub fn code(self) -> String {
        format!("{}-{}", self.year, self.index)
    }

    /// Parses a code of `frequency`.
    pub fn parse(frequency: Frequency, code: &str) -> Result<Period, RuleError> {
        let bad = || RuleError::new("err-control-period").on("period");
        let (y, i) = code.trim().split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let index: u32 = i.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) || index == 0 || index > frequency.per_year() {
            return Err(bad());
        }
        Ok(Period { year, index, frequency })
    }

    /// The periods of `frequency` in `year` from the one holding `starts_on` (none if it starts
    /// after the year).
    pub fn of_year(frequency: Frequency, starts_on: NaiveDate, year: i32) -> Vec<Period> {
        let first = Period::containing(frequency, starts_on);
        (1..=frequency.per_year()).map(|index| Period { year, index, frequency }).filter(|p| *p >= first).collect()
    }
}

/// Where a period of a control stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodState {
    /// Carried out, with what it found.
    Done(Outcome),
    /// Over without a record: the control was not carried out.
    Missed,
    /// Running now and not yet carried out.
    Due,
    /// Not begun.
    Upcoming,
}

impl PeriodState {
    /// Of `period` on `today`, given its execution's outcome if any.
    pub fn of(period: Period, executed: Option<Outcome>, today: NaiveDate) -> PeriodState {
        match executed {
            Some(o) => PeriodState::Done(o),
            None if period.end() < today => PeriodState::Missed,
            None if period.start() <= today => PeriodState::Due,
            None => PeriodState::Upcoming,
        }
    }

    /// The code used in pages and the API.
    pub fn code(self) -> &'static str {
        match self {
            PeriodState::Done(o) => o.code(),
            PeriodState::Missed => "missed",
            PeriodState::Due => "due",
            PeriodState::Upcoming => "upcoming",
        }
    }

    /// The message key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            PeriodState::Done(o) => o.label_key(),
            PeriodState::Missed => "control-state-missed",
            PeriodState::Due => "control-state-due",
            PeriodState::Upcoming => "control-state-upcoming",
        }
    }
}

/// A control's standing in a year, counted over its periods up to `today`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// Periods over without a record.
    pub missed: u32,
    /// Executions that found a failure.
    pub failed: u32,
    /// Executions with remarks.
    pub remarks: u32,
    /// Executions in order.
    pub ok: u32,
    /// The period running now, if not yet carried out.
    pub due: Option<Period>,
}

impl Standing {
    /// Counts the periods of a control of `frequency` from `starts_on`, in `year`, given the
    /// outcome recorded for each executed period.
    pub fn of(
        frequency: Frequency,
        starts_on: NaiveDate,
        year: i32,
        executed: &[(Period, Outcome)],
        today: NaiveDate,
    ) -> Standing {
        let mut s = Standing::default();
        for p in Period::of_year(frequency, starts_on, year) {
            let outcome = executed.iter().find(|(q, _)| *q == p).map(|(_, o)| *o);
            match PeriodState::of(p, outcome, today) {
                PeriodState::Done(Outcome::Ok) => s.ok += 1,
                PeriodState::Done(Outcome::Remarks) => s.remarks += 1,
                PeriodState::Done(Outcome::Failed) => s.failed += 1,
                PeriodState::Missed => s.missed += 1,
                PeriodState::Due => s.due = Some(p),
                PeriodState::Upcoming => {}
            }
        }
        s
    }

    /// Flagged: a period missed or an execution that found a failure.
    pub fn flagged(&self) -> bool {
        self.missed > 0 || self.failed > 0
    }
}

/// A control activity as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityDraft {
    /// The unit whose control it is.
    pub unit_id: String,
    /// A short title.
    pub title: String,
    /// What is checked and how (*kontrollbeskrivelse*).
    pub description: String,
    /// Method code.
    pub method: String,
    /// Frequency code.
    pub frequency: String,
    /// The owner (a person of the municipality).
    pub owner_person_id: String,
    /// Laws and regulations it secures, one per line (`Kommuneloven § 25-1`).
    #[serde(default)]
    pub legal_basis: String,
    /// Ids of the risks it reduces.
    #[serde(default)]
    pub risk_item_ids: Vec<String>,
    /// The day it applies from (empty for today).
    #[serde(default)]
    pub starts_on: String,
}

/// A control activity that keeps every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewActivity {
    /// Unit.
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Method.
    pub method: Method,
    /// Frequency.
    pub frequency: Frequency,
    /// Owner.
    pub owner_person_id: i64,
    /// The references, trimmed, one per line.
    pub legal_basis: Vec<String>,
    /// Risk ids, sorted, no repeats.
    pub risk_item_ids: Vec<i64>,
    /// From.
    pub starts_on: NaiveDate,
}

fn positive_id(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|id| *id > 0)
}

impl ActivityDraft {
    /// Checks an activity: unit, title, description, method, frequency and owner given; at most
    /// [`LEGAL_REFS_MAX`] references of at most [`LEGAL_REF_MAX`] characters; and linked to at least
    /// one risk or one law or regulation, since a control that secures nothing is no internal
    /// control. Every broken rule is returned, each naming its field.
    pub fn parse(&self, today: NaiveDate) -> Result<NewActivity, Vec<RuleError>> {
        let mut errors = Vec::new();
        let unit_id = positive_id(&self.unit_id);
        if unit_id.is_none() {
            errors.push(RuleError::new("err-control-unit").on("unit_id"));
        }
        let title = text(&self.title, "title", Some("err-control-title"), TITLE_MAX, &mut errors);
        let description =
            text(&self.description, "description", Some("err-control-description"), TEXT_MAX, &mut errors);
        let method = Method::parse(&self.method).map_err(|e| errors.push(e)).ok();
        let frequency = Frequency::parse(&self.frequency).map_err(|e| errors.push(e)).ok();
        let owner = positive_id(&self.owner_person_id);
        if owner.is_none() {
            errors.push(RuleError::new("err-control-owner").on("owner_person_id"));
        }
        let legal_basis: Vec<String> =
            self.legal_basis.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
        if legal_basis.len() > LEGAL_REFS_MAX {
            errors.push(
                RuleError::new("err-control-legal-many").with("max", LEGAL_REFS_MAX.to_string()).on("legal_basis"),
            );
        } else if let Some(long) = legal_basis.iter().find(|l| l.chars().count() > LEGAL_REF_MAX) {
            errors.push(
                RuleError::new("err-control-legal-long")
                    .with("line", long.chars().take(40).collect::<String>())
                    .with("max", LEGAL_REF_MAX.to_string())
                    .on("legal_basis"),
            );
        }
        let mut risk_item_ids = Vec::new();
        for raw in self.risk_item_ids.iter().filter(|r| !r.trim().is_empty()) {
            match positive_id(raw) {
                Some(id) => risk_item_ids.push(id),
                None => {
                    errors.push(RuleError::new("err-control-risk").on("risk_item_ids"));
                    break;
                }
            }
        }
        risk_item_ids.sort_unstable();
        risk_item_ids.dedup();
        if legal_basis.is_empty() && risk_item_ids.is_empty() {
            errors.push(RuleError::new("err-control-link").on("legal_basis"));
        }
        let starts_on = match parse_date(&self.starts_on, "starts_on") {
            Ok(d) => Some(d.unwrap_or(today)),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        match (unit_id, method, frequency, owner, starts_on) {
            (Some(unit_id), Some(method), Some(frequency), Some(owner_person_id), Some(starts_on))
                if errors.is_empty() =>
            {
                Ok(NewActivity {
                    unit_id,
                    title,
                    description,
                    method,
                    frequency,
                    owner_person_id,
                    legal_basis,
                    risk_item_ids,
                    starts_on,
                })
            }
            _ => Err(errors),
        }
    }
}

/// An execution record as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionDraft {
    /// The period carried out, as [`Period::code`].
    pub period: String,
    /// The day it was carried out (empty for today).
    #[serde(default)]
    pub performed_on: String,
    /// Outcome code.
    pub outcome: String,
    /// What was found (required unless in order).
    #[serde(default)]
    pub findings: String,
    /// What is done about a failure (required when failed).
    #[serde(default)]
    pub follow_up: String,
}

/// An execution record that keeps every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewExecution {
    /// Period.
    pub period: Period,
    /// Day.
    pub performed_on: NaiveDate,
    /// Outcome.
    pub outcome: Outcome,
    /// Findings.
    pub findings: String,
    /// Follow-up.
    pub follow_up: String,
}

impl ExecutionDraft {
    /// Checks a record of a control of `frequency` that applies from `starts_on`: a period of the
    /// control that has begun by `today`; a day from the period's start to `today`; an outcome;
    /// findings unless all was in order, and the follow-up of a failure.
    pub fn parse(
        &self,
        frequency: Frequency,
        starts_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<NewExecution, Vec<RuleError>> {
        let mut errors = Vec::new();
        let period = match Period::parse(frequency, &self.period) {
            Ok(p) if p < Period::containing(frequency, starts_on) => {
                errors.push(RuleError::new("err-control-period-before").on("period"));
                None
            }
            Ok(p) if p.start() > today => {
                errors.push(RuleError::new("err-control-period-future").on("period"));
                None
            }
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let performed_on = match parse_date(&self.performed_on, "performed_on") {
            Ok(d) => {
                let d = d.unwrap_or(today);
                if d > today {
                    errors.push(RuleError::new("err-control-performed-future").on("performed_on"));
                    None
                } else if period.is_some_and(|p| d < p.start()) {
                    errors.push(RuleError::new("err-control-performed-before").on("performed_on"));
                    None
                } else {
                    Some(d)
                }
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let outcome = Outcome::parse(&self.outcome).map_err(|e| errors.push(e)).ok();
        let needs_findings = outcome.is_some_and(|o| o != Outcome::Ok).then_some("err-control-findings");
        let findings = text(&self.findings, "findings", needs_findings, TEXT_MAX, &mut errors);
        let needs_follow_up = (outcome == Some(Outcome::Failed)).then_some("err-control-follow-up");
        let follow_up = text(&self.follow_up, "follow_up", needs_follow_up, TEXT_MAX, &mut errors);
        match (period, performed_on, outcome) {
            (Some(period), Some(performed_on), Some(outcome)) if errors.is_empty() => {
                Ok(NewExecution { period, performed_on, outcome, findings, follow_up })
            }
            _ => Err(errors),
        }
    }
}

/// The kinds of evidence file taken, each recognised by its first bytes and its name's ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceType {
    /// PDF.
    Pdf,
    /// PNG picture.
    Png,
    /// JPEG picture.
    Jpeg,
    /// Word document (Office Open XML).
    Docx,
    /// Excel workbook (Office Open XML).
    Xlsx,
    /// OpenDocument text.
    Odt,
    /// Plain text.
    Text,
    /// Comma- or semicolon-separated values.
    Csv,
}

impl EvidenceType {
    /// The media type it is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            EvidenceType::Pdf => "application/pdf",
            EvidenceType::Png => "image/png",
            EvidenceType::Jpeg => "image/jpeg",
            EvidenceType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            EvidenceType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            EvidenceType::Odt => "application/vnd.oasis.opendocument.text",
            EvidenceType::Text => "text/plain; charset=utf-8",
            EvidenceType::Csv => "text/csv; charset=utf-8",
        }
    }

    /// The type of a stored media type.
    pub fn of_media_type(media_type: &str) -> Option<EvidenceType> {
        Self::ALL.iter().copied().find(|t| t.media_type() == media_type)
    }

    /// Every type taken.
    pub const ALL: [EvidenceType; 8] = [
        EvidenceType::Pdf,
        EvidenceType::Png,
        EvidenceType::Jpeg,
        EvidenceType::Docx,
        EvidenceType::Xlsx,
        EvidenceType::Odt,
        EvidenceType::Text,
        EvidenceType::Csv,
    ];

    fn of_extension(ext: &str) -> Option<EvidenceType> {
        Some(match ext {
            "pdf" => EvidenceType::Pdf,
            "png" => EvidenceType::Png,
            "jpg" | "jpeg" => EvidenceType::Jpeg,
            "docx" => EvidenceType::Docx,
            "xlsx" => EvidenceType::Xlsx,
            "odt" => EvidenceType::Odt,
            "txt" => EvidenceType::Text,
            "csv" => EvidenceType::Csv,
            _ => return None,
        })
    }

    /// Whether `bytes` begin as this type's files do (the text types: UTF-8 without NUL).
    fn matches(self, bytes: &[u8]) -> bool {
        const ZIP: &[u8] = b"PK\x03\x04";
        match self {
            EvidenceType::Pdf => bytes.starts_with(b"%PDF-"),
            EvidenceType::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            EvidenceType::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
            EvidenceType::Docx | EvidenceType::Xlsx | EvidenceType::Odt => bytes.starts_with(ZIP),
            EvidenceType::Text | EvidenceType::Csv => !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok(),
        }
    }
}

/// An evidence file that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The file name to store and offer on download: the last part of the name sent, without
    /// control characters or quotes, at most [`FILE_NAME_MAX`] characters.
    pub file_name: String,
    /// Its type.
    pub kind: EvidenceType,
}

/// Checks an uploaded evidence file: not empty, at most [`EVIDENCE_MAX_BYTES`], a name ending in
/// one of the types taken (PDF, PNG, JPEG, DOCX, XLSX, ODT, TXT, CSV), and content that begins as
/// that type's files do, so a program renamed `.pdf` is refused.
pub fn check_evidence(file_name: &str, bytes: &[u8]) -> Result<Evidence, RuleError> {
    let name: String = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect::<String>()
        .trim()
        .to_owned();
    let shown: String = name.chars().take(60).collect();
    if bytes.is_empty() {
        return Err(RuleError::new("err-control-evidence-empty").with("name", shown).on("file"));
    }
    if bytes.len() > EVIDENCE_MAX_BYTES {
        return Err(RuleError::new("err-control-evidence-large")
            .with("name", shown)
            .with("max", (EVIDENCE_MAX_BYTES / (1024 * 1024)).to_string())
            .on("file"));
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let kind = EvidenceType::of_extension(&ext)
        .ok_or_else(|| RuleError::new("err-control-evidence-type").with("name", shown.clone()).on("file"))?;
    if !kind.matches(bytes) {
        return Err(RuleError::new("err-control-evidence-content").with("name", shown).on("file"));
    }
    // Keep the ending when a long name is cut.
    let file_name = if name.chars().count() > FILE_NAME_MAX {
        let stem: String = name.chars().take(FILE_NAME_MAX - ext.chars().count() - 1).collect();
        format!("{stem}.{ext}")
    } else {
        name
    };
    Ok(Evidence { file_name, kind })
}

/// The unit manager's yearly report upward (level 2 → 1) as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDraft {
    /// Significant risks, as the manager sees them.
    pub significant_risks: String,
    /// Failures of internal control and what is done about them.
    pub control_failures: String,
    /// Measures that worked and that others can learn from.
    #[serde(default)]
    pub what_worked: String,
}

/// A report that keeps the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewReport {
    /// Significant risks.
    pub significant_risks: String,
    /// Control failures.
    pub control_failures: String,
    /// What worked.
    pub what_worked: String,
}

impl ReportDraft {
    /// Checks a report: significant risks and control failures are both answered (a unit with
    /// none says so), each within [`TEXT_MAX`] characters.
    pub fn parse(&self) -> Result<NewReport, Vec<RuleError>> {
        let mut errors = Vec::new();
        let significant_risks =
            text(&self.significant_risks, "significant_risks", Some("err-control-report-risks"), TEXT_MAX, &mut errors);
        let control_failures = text(
            &self.control_failures,
            "control_failures",
            Some("err-control-report-failures"),
            TEXT_MAX,
            &mut errors,
        );
        let what_worked = text(&self.what_worked, "what_worked", None, TEXT_MAX, &mut errors);
        if errors.is_empty() { Ok(NewReport { significant_risks, control_failures, what_worked }) } else { Err(errors) }
    }
}

impl Actor {
    /// May read the control activities of the unit with `ancestry`: whoever reads the unit.
    pub fn can_read_control(&self, ancestry: &[i64]) -> bool {
        self.can_read_unit(ancestry)
    }

    /// May set up and change the control activities of the unit with `ancestry`: whoever edits the
    /// unit (its leaders and those above, delegates, the management staff).
    pub fn can_edit_control(&self, ancestry: &[i64]) -> bool {
        self.can_edit_unit(ancestry)
    }

    /// May record an execution of a control of the unit with `ancestry` owned by `owner_person_id`:
    /// its owner, and whoever edits the unit.
    pub fn can_record_control(&self, ancestry: &[i64], owner_person_id: i64) -> bool {
        self.person_id == Some(owner_person_id) || self.can_edit_unit(ancestry)
    }

    /// May write the yearly report upward of `unit_id`: its manager (who leads the unit itself).
    pub fn can_write_control_report(&self, unit_id: i64) -> bool {
        self.led_units.contains(&unit_id)
    }

    /// May read the report upward of the unit with `ancestry`: the leaders of the line and the
    /// staff (who edit the unit), and the auditor.
    pub fn can_read_control_report(&self, ancestry: &[i64]) -> bool {
        self.can_edit_unit(ancestry) || self.has(Role::Auditor)
    }

    /// May read the overview of internal control across the units: the staff, the auditor and
    /// leaders.
    pub fn can_read_control_overview(&self) -> bool {
        [Role::SystemAdmin, Role::Management, Role::Auditor, Role::Leader].iter().any(|r| self.has(*r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_cover_the_year_without_gaps_for_every_frequency() {
        for f in Frequency::ALL {
            let periods = Period::of_year(*f, day("2026-01-01"), 2026);
            assert_eq!(periods.len() as u32, f.per_year());
            assert_eq!(periods[0].start(), day("2026-01-01"));
            assert_eq!(periods.last().unwrap().end(), day("2026-12-31"));
            for w in periods.windows(2) {
                assert_eq!(w[0].end().succ_opt().unwrap(), w[1].start(), "{f:?}");
            }
            for p in &periods {
                assert_eq!(Period::containing(*f, p.start()), *p);
                assert_eq!(Period::containing(*f, p.end()), *p);
                assert_eq!(Period::parse(*f, &p.code()).unwrap(), *p);
            }
        }
        let t2 = Period::parse(Frequency::FourMonthly, "2026-2").unwrap();
        assert_eq!((t2.start(), t2.end()), (day("2026-05-01"), day("2026-08-31")));
        assert_eq!(Period::parse(Frequency::Monthly, "2026-2").unwrap().end(), day("2026-02-28"));
        assert!(Period::parse(Frequency::Quarterly, "2026-5").is_err());
        assert!(Period::parse(Frequency::Yearly, "2026-0").is_err());
        assert!(Period::parse(Frequency::Yearly, "x").is_err());
        // A control set up in May has no earlier period that year.
        let from_may = Period::of_year(Frequency::Quarterly, day("2026-05-12"), 2026);
        assert_eq!(from_may.iter().map(|p| p.index).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert!(Period::of_year(Frequency::Yearly, day("2027-02-01"), 2026).is_empty());
    }

    #[test]
    fn standing_counts_missed_failed_and_due_periods_up_to_today() {
        let q = |i| Period { year: 2026, index: i, frequency: Frequency::Quarterly };
        let executed = [(q(1), Outcome::Ok), (q(3), Outcome::Failed)];
        let s = Standing::of(Frequency::Quarterly, day("2025-06-01"), 2026, &executed, day("2026-11-15"));
        assert_eq!((s.ok, s.failed, s.missed, s.remarks, s.due), (1, 1, 1, 0, Some(q(4))));
        assert!(s.flagged());
        // On the last day of the second quarter it is due, not missed.
        let s = Standing::of(Frequency::Quarterly, day("2025-06-01"), 2026, &executed[..1], day("2026-06-30"));
        assert_eq!((s.missed, s.due), (0, Some(q(2))));
        assert!(!s.flagged());
        assert_eq!(PeriodState::of(q(2), None, day("2026-07-01")), PeriodState::Missed);
        assert_eq!(PeriodState::of(q(4), None, day("2026-07-01")), PeriodState::Upcoming);
    }

    fn activity() -> ActivityDraft {
        ActivityDraft {
            unit_id: "7".into(),
            title: "Stikkprøve av vedtak om skoleskyss".into(),
            description: "Ti vedtak trekkes tilfeldig og kontrolleres mot sjekklisten.".into(),
            method: "sample".into(),
            frequency: "four_monthly".into(),
            owner_person_id: "3".into(),
            legal_basis: "Opplæringslova § 7-1\n\n  Forvaltningsloven § 25  \n".into(),
            risk_item_ids: vec!["12".into(), "4".into(), "12".into()],
            starts_on: String::new(),
        }
    }

    #[test]
    fn an_activity_needs_its_fields_and_a_link_to_a_risk_or_a_law() {
        let a = activity().parse(day("2026-03-02")).unwrap();
        assert_eq!(a.legal_basis, vec!["Opplæringslova § 7-1", "Forvaltningsloven § 25"]);
        assert_eq!(a.risk_item_ids, vec![4, 12]);
        assert_eq!(a.starts_on, day("2026-03-02"));
        let unlinked = ActivityDraft { legal_basis: " \n".into(), risk_item_ids: vec![], ..activity() };
        let e = unlinked.parse(day("2026-03-02")).unwrap_err();
        assert_eq!(e.iter().map(|e| e.key).collect::<Vec<_>>(), vec!["err-control-link"]);
        let only_law = ActivityDraft { risk_item_ids: vec![], ..activity() };
        assert!(only_law.parse(day("2026-03-02")).is_ok());
        let bad = ActivityDraft {
            unit_id: "".into(),
            title: " ".into(),
            method: "guess".into(),
            frequency: "weekly".into(),
            owner_person_id: "-1".into(),
            legal_basis: "x".repeat(LEGAL_REF_MAX + 1),
            risk_item_ids: vec!["abc".into()],
            starts_on: "31.02.2026".into(),
            ..activity()
        };
        let fields: Vec<_> = bad.parse(day("2026-03-02")).unwrap_err().iter().map(|e| e.field.unwrap()).collect();
        assert_eq!(
            fields,
            vec![
                "unit_id",
                "title",
                "method",
                "frequency",
                "owner_person_id",
                "legal_basis",
                "risk_item_ids",
                "starts_on"
            ]
        );
        let national_id = ActivityDraft { description: "Gjelder 01010112345 og andre".into(), ..activity() };
        // Not a valid number (check digits), so it is taken; a valid one is refused.
        assert!(national_id.parse(day("2026-03-02")).is_ok());
        let real = ActivityDraft { description: "Gjelder 13097248022".into(), ..activity() };
        assert_eq!(real.parse(day("2026-03-02")).unwrap_err()[0].key, "err-deviation-national-id");
    }

    #[test]
    fn an_execution_is_of_a_begun_period_with_findings_and_follow_up_where_needed() {
        let f = Frequency::FourMonthly;
        let today = day("2026-06-10");
        let ok = ExecutionDraft { period: "2026-2".into(), outcome: "ok".into(), ..Default::default() };
        let e = ok.parse(f, day("2026-01-01"), today).unwrap();
        assert_eq!((e.period.index, e.performed_on, e.outcome), (2, today, Outcome::Ok));
        let keys = |d: ExecutionDraft, starts: &str| -> Vec<&'static str> {
            d.parse(f, day(starts), today).unwrap_err().iter().map(|e| e.key).collect()
        };
        assert_eq!(
            keys(ExecutionDraft { period: "2026-3".into(), ..ok.clone() }, "2026-01-01"),
            ["err-control-period-future"]
        );
        assert_eq!(keys(ok.clone(), "2026-09-01"), ["err-control-period-before"]);
        assert_eq!(
            keys(ExecutionDraft { period: "2026-4".into(), ..ok.clone() }, "2026-01-01"),
            ["err-control-period"]
        );
        assert_eq!(
            keys(ExecutionDraft { performed_on: "2026-06-11".into(), ..ok.clone() }, "2026-01-01"),
            ["err-control-performed-future"]
        );
        assert_eq!(
            keys(ExecutionDraft { performed_on: "30.04.2026".into(), ..ok.clone() }, "2026-01-01"),
            ["err-control-performed-before"]
        );
        assert_eq!(
            keys(ExecutionDraft { outcome: "remarks".into(), ..ok.clone() }, "2026-01-01"),
            ["err-control-findings"]
        );
        assert_eq!(
            keys(ExecutionDraft { outcome: "failed".into(), ..ok.clone() }, "2026-01-01"),
            ["err-control-findings", "err-control-follow-up"]
        );
        let failed = ExecutionDraft {
            period: "2026-1".into(),
            performed_on: "2026-05-02".into(),
            outcome: "failed".into(),
            findings: "Tre av ti vedtak manglet begrunnelse.".into(),
            follow_up: "Saksbehandlerne får opplæring; ny stikkprøve i juni.".into(),
        };
        assert_eq!(failed.parse(f, day("2026-01-01"), today).unwrap().outcome, Outcome::Failed);
    }

    #[test]
    fn evidence_is_recognised_by_its_content_and_its_name() {
        let pdf = b"%PDF-1.7\n...";
        assert_eq!(check_evidence("C:\\Users\\kari\\kontroll.PDF", pdf).unwrap().file_name, "kontroll.PDF");
        assert_eq!(check_evidence("a/b/bilde.png", b"\x89PNG\r\n\x1a\n....").unwrap().kind, EvidenceType::Png);
        assert_eq!(check_evidence("foto.jpeg", &[0xFF, 0xD8, 0xFF, 0xE0]).unwrap().kind, EvidenceType::Jpeg);
        assert_eq!(check_evidence("liste.xlsx", b"PK\x03\x04rest").unwrap().kind, EvidenceType::Xlsx);
        assert_eq!(
            check_evidence("notat.txt", "Kontrollert, alt i orden.".as_bytes()).unwrap().kind,
            EvidenceType::Text
        );
        let key = |name: &str, bytes: &[u8]| check_evidence(name, bytes).unwrap_err().key;
        assert_eq!(key("tom.pdf", b""), "err-control-evidence-empty");
        assert_eq!(key("program.exe", b"MZ\x90\x00"), "err-control-evidence-type");
        assert_eq!(key("uten-ending", b"%PDF-1.4"), "err-control-evidence-type");
        assert_eq!(key("program.pdf", b"MZ\x90\x00"), "err-control-evidence-content");
        assert_eq!(key("binær.txt", b"abc\x00def"), "err-control-evidence-content");
        assert_eq!(key("latin1.csv", b"\xf8l;1"), "err-control-evidence-content");
        let big = vec![b'a'; EVIDENCE_MAX_BYTES + 1];
        assert_eq!(key("stor.txt", &big), "err-control-evidence-large");
        let exact = vec![b'a'; EVIDENCE_MAX_BYTES];
        assert!(check_evidence("akkurat.txt", &exact).is_ok());
        let long = format!("{}.pdf", "n".repeat(300));
        let e = check_evidence(&format!("\"{long}\"\r\n"), pdf).unwrap();
        assert_eq!(e.file_name.chars().count(), FILE_NAME_MAX);
        assert!(e.file_name.ends_with(".pdf") && !e.file_name.contains('"'));
        for t in EvidenceType::ALL {
            assert_eq!(EvidenceType::of_media_type(t.media_type()), Some(t));
        }
    }

    #[test]
    fn a_report_answers_risks_and_failures() {
        let r = ReportDraft {
            significant_risks: "Ingen vesentlige.".into(),
            control_failures: "Én glipp i mars.".into(),
            ..Default::default()
        };
        assert_eq!(r.parse().unwrap().what_worked, "");
        let e = ReportDraft::default().parse().unwrap_err();
        assert_eq!(
            e.iter().map(|e| e.key).collect::<Vec<_>>(),
            ["err-control-report-risks", "err-control-report-failures"]
        );
    }
}
