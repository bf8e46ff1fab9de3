//! Council reports (issue #15 §1–3): the monthly economy report, the 1st and 2nd four-monthly
//! reports (*tertialrapporter*) and the annual report (*årsrapport*).
//!
//! A report is composed from the data (statuses and their roll-up, indicators with their progress
//! class, economy, open management dialogues) plus text: the chief executive's introduction, one
//! commentary per service area (draft → submitted → compiled by the management staff) and, in the
//! annual report, an assessment of every goal of the master plan. A template per report type says
//! which sections appear and in what order; a report copies its template when it is created, so a
//! later change of the template does not move an existing report.
//!
//! When adopted the composed content is frozen ([`ReportContent`], stored as JSON with the PDF made
//! from it): the report reads the same a year later although the data have changed.

use crate::RuleError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The report types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// The monthly economy report (of the municipality, a service area or a unit).
    Monthly,
    /// The 1st four-monthly report (January–April).
    Tertial1,
    /// The 2nd four-monthly report (January–August).
    Tertial2,
    /// The annual report.
    Annual,
    /// The chief executive's yearly report to the council on internal control and the results of
    /// state inspections (kommuneloven § 25-2).
    InternalControl,
}

impl ReportKind {
    /// Every kind, in the order of the year.
    pub const ALL: [ReportKind; 5] =
        [Self::Monthly, Self::Tertial1, Self::Tertial2, Self::Annual, Self::InternalControl];

    /// Stable code (database, forms, API).
    pub fn code(self) -> &'static str {
        match self {
            Self::Monthly => "monthly",
            Self::Tertial1 => "tertial_1",
            Self::Tertial2 => "tertial_2",
            Self::Annual => "annual",
            Self::InternalControl => "internal_control",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code.trim())
            .ok_or_else(|| RuleError::new("err-report-kind").on("kind"))
    }

    /// Message key of the kind's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Monthly => "report-kind-monthly",
            Self::Tertial1 => "report-kind-tertial_1",
            Self::Tertial2 => "report-kind-tertial_2",
            Self::Annual => "report-kind-annual",
            Self::InternalControl => "report-kind-internal_control",
        }
    }

    /// The months the report covers, first and last (the economy counts from January to the last
    /// month; statuses are those as of the last month's end). `month` is the monthly report's.
    pub fn months(self, month: Option<u32>) -> (u32, u32) {
        match self {
            Self::Monthly => {
                let m = month.unwrap_or(1).clamp(1, 12);
                (m, m)
            }
            Self::Tertial1 => (1, 4),
            Self::Tertial2 => (5, 8),
            Self::Annual | Self::InternalControl => (1, 12),
        }
    }

    /// The sections of the shipped template, in order.
    pub fn default_sections(self) -> Vec<Section> {
        use Section::*;
        match self {
            Self::Monthly => vec![Economy, Commentary],
            Self::Tertial1 | Self::Tertial2 => {
                vec![Introduction, Statuses, Indicators, Economy, Dialogues, Commentary]
            }
            Self::Annual => vec![Introduction, Goals, Statuses, Indicators, Economy, Dialogues, Commentary],
            Self::InternalControl => vec![Introduction, ControlRisks, ControlActivities, ControlAudits, ControlReports],
        }
    }

    /// Whether the report may be made for one service area or unit (only the monthly economy
    /// report; the others are the municipality's).
    pub fn scoped(self) -> bool {
        self == Self::Monthly
    }
}

/// A section of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// The chief executive's introduction.
    Introduction,
    /// Assessment of goal achievement for every goal of the master plan (annual report).
    Goals,
    /// Statuses of assignments and measures, rolled up per service area, with the deviations.
    Statuses,
    /// Indicators of the master plan's goals with their progress class and charts.
    Indicators,
    /// Budget, actuals and forecast per service area.
    Economy,
    /// Open management dialogues (*lederdialog*).
    Dialogues,
    /// The service areas' commentaries.
    Commentary,
    /// The significant risks of the year's risk analyses (internal-control report).
    ControlRisks,
    /// Control activities with missed periods or failures, and their follow-up.
    ControlActivities,
    /// Inspections and audits of the year with their findings and follow-up.
    ControlAudits,
    /// The unit managers' reports upward.
    ControlReports,
}

impl Section {
    /// Every section, in the shipped annual report's order.
    pub const ALL: [Section; 11] = [
        Self::Introduction,
        Self::Goals,
        Self::Statuses,
        Self::Indicators,
        Self::Economy,
        Self::Dialogues,
        Self::Commentary,
        Self::ControlRisks,
        Self::ControlActivities,
        Self::ControlAudits,
        Self::ControlReports,
    ];

    /// Whether it belongs to the internal-control report only.
    pub fn internal_control(self) -> bool {
        matches!(self, Self::ControlRisks | Self::ControlActivities | Self::ControlAudits | Self::ControlReports)
    }

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Introduction => "introduction",
            Self::Goals => "goals",
            Self::Statuses => "statuses",
            Self::Indicators => "indicators",
            Self::Economy => "economy",
            Self::Dialogues => "dialogues",
            Self::Commentary => "commentary",
            Self::ControlRisks => "control_risks",
            Self::ControlActivities => "control_activities",
            Self::ControlAudits => "control_audits",
            Self::ControlReports => "control_reports",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == code.trim())
            .ok_or_else(|| RuleError::new("err-report-section").with("value", code.trim().to_owned()).on("sections"))
    }

    /// Message key of the section's heading.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Introduction => "report-section-introduction",
            Self::Goals => "report-section-goals",
            Self::Statuses => "report-section-statuses",
            Self::Indicators => "report-section-indicators",
            Self::Economy => "report-section-economy",
            Self::Dialogues => "report-section-dialogues",
            Self::Commentary => "report-section-commentary",
            Self::ControlRisks => "report-section-control_risks",
            Self::ControlActivities => "report-section-control_activities",
            Self::ControlAudits => "report-section-control_audits",
            Self::ControlReports => "report-section-control_reports",
        }
    }
}

macro_rules! try_from_code {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = RuleError;
            fn try_from(s: String) -> Result<Self, RuleError> {
                <$t>::parse(&s)
            }
        }
    )*};
}
try_from_code!(ReportKind, CommentaryState, Verdict);

/// Checks a template's sections for a report type: at least one, none twice, and the goal
/// assessment only in (and always in) the annual report, which must assess every goal.
pub fn check_template(kind: ReportKind, sections: &[Section]) -> Result<(), RuleError> {
    if sections.is_empty() {
        return Err(RuleError::new("err-report-template-empty").on("sections"));
    }
    for (i, s) in sections.iter().enumerate() {
        if sections[..i].contains(s) {
            return Err(RuleError::new("err-report-template-twice").with("section", s.code()).on("sections"));
        }
    }
    let goals = sections.contains(&Section::Goals);
    if kind == ReportKind::Annual && !goals {
        return Err(RuleError::new("err-report-template-goals-missing").on("sections"));
    }
    if kind != ReportKind::Annual && goals {
        return Err(RuleError::new("err-report-template-goals-annual").on("sections"));
    }
    let control = kind == ReportKind::InternalControl;
    if let Some(s) = sections.iter().find(|s| s.internal_control() != control && **s != Section::Introduction) {
        let key = if control { "err-report-template-control-only" } else { "err-report-template-control-section" };
        return Err(RuleError::new(key).with("section", s.code()).on("sections"));
    }
    Ok(())
}

/// Parses a template as stored or posted: section codes in order.
pub fn parse_template(kind: ReportKind, codes: &[&str]) -> Result<Vec<Section>, RuleError> {
    let sections =
        codes.iter().filter(|c| !c.trim().is_empty()).map(|c| Section::parse(c)).collect::<Result<Vec<_>, _>>()?;
    check_template(kind, &sections)?;
    Ok(sections)
}

/// Where a service area's commentary is in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentaryState {
    /// Being written by the service area.
    Draft,
    /// Handed to the management staff.
    Submitted,
    /// Taken into the report by the management staff.
    Compiled,
}

impl CommentaryState {
    /// Every state, in workflow order.
    pub const ALL: [CommentaryState; 3] = [Self::Draft, Self::Submitted, Self::Compiled];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Compiled => "compiled",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL.into_iter().find(|s| s.code() == code).ok_or_else(|| RuleError::new("err-report-commentary-state"))
    }

    /// Message key of the state's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Draft => "report-commentary-draft",
            Self::Submitted => "report-commentary-submitted",
            Self::Compiled => "report-commentary-compiled",
        }
    }
}

/// What is done to a commentary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentaryAction {
    /// Save the text (the service area while a draft; the management staff until compiled).
    Save,
    /// Hand it in (the service area).
    Submit,
    /// Send it back for more work (the management staff).
    Return,
    /// Take it into the report (the management staff).
    Compile,
}

impl CommentaryAction {
    /// Parses a form's button value.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        match code {
            "save" => Ok(Self::Save),
            "submit" => Ok(Self::Submit),
            "return" => Ok(Self::Return),
            "compile" => Ok(Self::Compile),
            _ => Err(RuleError::new("err-report-commentary-action")),
        }
    }

    /// Whether only the management staff may do it.
    pub fn staff_only(self) -> bool {
        matches!(self, Self::Return | Self::Compile)
    }
}

/// The commentary workflow: the state after `action` from `from`, or why not. `staff` says the
/// management staff acts (they may correct a submitted text before compiling it). A submitted or
/// compiled commentary needs a text.
pub fn commentary_step(
    from: CommentaryState,
    action: CommentaryAction,
    staff: bool,
    text: &str,
) -> Result<CommentaryState, RuleError> {
    use CommentaryAction as A;
    use CommentaryState as S;
    if action.staff_only() && !staff {
        return Err(RuleError::new("err-report-commentary-staff"));
    }
    let to = match (from, action) {
        (S::Draft, A::Save) => S::Draft,
        (S::Submitted, A::Save) if staff => S::Submitted,
        (S::Draft, A::Submit) => S::Submitted,
        (S::Submitted, A::Return) => S::Draft,
        (S::Submitted, A::Compile) => S::Compiled,
        (S::Compiled, A::Return) => S::Draft,
        _ => {
            return Err(RuleError::new("err-report-commentary-step").with("state", from.code()).on("text"));
        }
    };
    if to != S::Draft && text.trim().is_empty() {
        return Err(RuleError::new("err-report-commentary-empty").on("text"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(RuleError::new("err-report-text-long").with("max", MAX_TEXT.to_string()).on("text"));
    }
    Ok(to)
}

/// The longest text of an introduction, commentary or assessment, in characters.
pub const MAX_TEXT: usize = 20_000;

/// Checks an introduction or assessment text.
pub fn check_text(text: &str) -> Result<(), RuleError> {
    if text.chars().count() > MAX_TEXT {
        return Err(RuleError::new("err-report-text-long").with("max", MAX_TEXT.to_string()).on("text"));
    }
    Ok(())
}

/// The assessment of a goal's achievement in the annual report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// *Nådd*.
    Achieved,
    /// *Delvis nådd*.
    PartlyAchieved,
    /// *Ikke nådd*.
    NotAchieved,
    /// Too little to judge by.
    NotAssessed,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 4] = [Self::Achieved, Self::PartlyAchieved, Self::NotAchieved, Self::NotAssessed];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Achieved => "achieved",
            Self::PartlyAchieved => "partly_achieved",
            Self::NotAchieved => "not_achieved",
            Self::NotAssessed => "not_assessed",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL
            .into_iter()
            .find(|v| v.code() == code.trim())
            .ok_or_else(|| RuleError::new("err-report-verdict").on("verdict"))
    }

    /// Message key of the verdict's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Achieved => "report-verdict-achieved",
            Self::PartlyAchieved => "report-verdict-partly_achieved",
            Self::NotAchieved => "report-verdict-not_achieved",
            Self::NotAssessed => "report-verdict-not_assessed",
        }
    }

    /// A symbol shown beside the name, so the verdict is not told by colour alone.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Achieved => "●",
            Self::PartlyAchieved => "◐",
            Self::NotAchieved => "○",
            Self::NotAssessed => "–",
        }
    }
}

/// The verdict the data suggest for a goal, from its indicators' progress classes (codes of
/// `indicators::ProgressClass`) and its measures' status codes (`followup::Status`):
///
/// - each indicator scores 1 when its target is met or on track, ½ for moderate progress and 0
///   when off track or moving away; indicators without enough data do not count;
/// - each measure scores 1 when completed or on track, ½ at risk or not started and 0 with a
///   deviation; cancelled and unreported measures do not count;
/// - indicators weigh twice a measure (they measure the goal, measures only the effort);
/// - a mean of at least ¾ suggests *achieved*, at least ⅓ *partly achieved*, less *not achieved*;
///   with nothing to count the suggestion is *not assessed*.
pub fn suggest_verdict<'a>(
    indicator_classes: impl IntoIterator<Item = &'a str>,
    measure_statuses: impl IntoIterator<Item = &'a str>,
) -> Verdict {
    let (mut sum, mut weight) = (0.0_f64, 0.0_f64);
    for class in indicator_classes {
        let score = match class {
            "target_met" | "on_track" => 1.0,
            "moderate" => 0.5,
            "off_track" | "moving_away" => 0.0,
            _ => continue,
        };
        sum += 2.0 * score;
        weight += 2.0;
    }
    for status in measure_statuses {
        let score = match status {
            "completed" | "on_track" => 1.0,
            "at_risk" | "not_started" => 0.5,
            "deviation" => 0.0,
            _ => continue,
        };
        sum += score;
        weight += 1.0;
    }
    if weight == 0.0 {
        return Verdict::NotAssessed;
    }
    let mean = sum / weight;
    if mean >= 0.75 {
        Verdict::Achieved
    } else if mean >= 1.0 / 3.0 {
        Verdict::PartlyAchieved
    } else {
        Verdict::NotAchieved
    }
}

/// A new report as typed: kind, year, month (monthly report) and unit (monthly report; empty for
/// the municipality).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDraft {
    /// Kind code.
    pub kind: String,
    /// Year.
    pub year: String,
    /// Month (1–12) of a monthly report.
    #[serde(default)]
    pub month: String,
    /// Unit id of a monthly report for a service area or unit.
    #[serde(default)]
    pub unit: String,
}

/// A new report, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewReport {
    /// Its type.
    pub kind: ReportKind,
    /// Its year.
    pub year: i32,
    /// The month of a monthly report.
    pub month: Option<u32>,
    /// The unit of a monthly report for a part of the organisation.
    pub unit_id: Option<i64>,
}

impl ReportDraft {
    /// Checks the fields; every problem with its field.
    pub fn parse(&self) -> Result<NewReport, Vec<RuleError>> {
        let mut errors = Vec::new();
        let kind = ReportKind::parse(&self.kind).map_err(|e| errors.push(e)).ok();
        let year = match self.year.trim().parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => Some(y),
            _ => {
                errors.push(RuleError::new("err-report-year").with("value", self.year.trim().to_owned()).on("year"));
                None
            }
        };
        let monthly = kind == Some(ReportKind::Monthly);
        let month = if monthly {
            match self.month.trim().parse::<u32>() {
                Ok(m) if (1..=12).contains(&m) => Some(m),
                _ => {
                    errors.push(RuleError::new("err-report-month").on("month"));
                    None
                }
            }
        } else {
            None
        };
        let unit_id = match self.unit.trim() {
            "" => None,
            u => match u.parse::<i64>() {
                Ok(id) if monthly => Some(id),
                Ok(_) => {
                    errors.push(RuleError::new("err-report-unit-monthly").on("unit"));
                    None
                }
                Err(_) => {
                    errors.push(RuleError::new("err-report-unit").on("unit"));
                    None
                }
            },
        };
        match (kind, year) {
            (Some(kind), Some(year)) if errors.is_empty() => Ok(NewReport { kind, year, month, unit_id }),
            _ => Err(errors),
        }
    }
}

/// The adoption as typed: the deciding body, the case number and the date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdoptionDraft {
    /// Deciding body (e.g. «Kommunestyret»).
    pub body: String,
    /// Case number (e.g. «PS 45/27»).
    pub case_number: String,
    /// Date of the decision, `2027-06-18` or `18.06.2027`.
    pub decided_on: String,
}

/// An adoption, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adoption {
    /// Deciding body.
    pub body: String,
    /// Case number.
    pub case_number: String,
    /// Date of the decision.
    pub decided_on: NaiveDate,
}

impl AdoptionDraft {
    /// Checks the fields against `today` (a decision is not in the future); every problem with its
    /// field.
    pub fn parse(&self, today: NaiveDate) -> Result<Adoption, Vec<RuleError>> {
        let mut errors = Vec::new();
        let body = self.body.trim();
        if body.is_empty() {
            errors.push(RuleError::new("err-report-body").on("body"));
        } else if body.chars().count() > 200 {
            errors.push(RuleError::new("err-report-body-long").on("body"));
        }
        let case_number = self.case_number.trim();
        if case_number.is_empty() {
            errors.push(RuleError::new("err-report-case").on("case_number"));
        } else if case_number.chars().count() > 100 {
            errors.push(RuleError::new("err-report-case-long").on("case_number"));
        }
        let t = self.decided_on.trim();
        let decided_on = if t.is_empty() {
            errors.push(RuleError::new("err-report-date-missing").on("decided_on"));
            None
        } else {
            match NaiveDate::parse_from_str(t, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(t, "%d.%m.%Y")) {
                Ok(d) if d > today => {
                    errors.push(RuleError::new("err-report-date-future").on("decided_on"));
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(RuleError::new("err-report-date").with("value", t.to_owned()).on("decided_on"));
                    None
                }
            }
        };
        match decided_on {
            Some(decided_on) if errors.is_empty() => {
                Ok(Adoption { body: body.to_owned(), case_number: case_number.to_owned(), decided_on })
            }
            _ => Err(errors),
        }
    }
}

/// A report's content as composed (and, once adopted, frozen): every figure and text of every
/// section, in the template's order. Texts are the data's; labels are codes the outputs translate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportContent {
    /// The municipality's name.
    pub municipality: String,
    /// Type.
    pub kind: ReportKind,
    /// Year.
    pub year: i32,
    /// First and last month covered.
    pub months: (u32, u32),
    /// The unit of a monthly report for a part of the organisation.
    pub scope: Option<String>,
    /// The day the figures were read (the adoption's for a frozen report).
    pub as_of: NaiveDate,
    /// The sections in order.
    pub sections: Vec<SectionContent>,
}

/// One section's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "section", rename_all = "snake_case")]
pub enum SectionContent {
    /// The chief executive's introduction (Markdown).
    Introduction {
        /// The text.
        text: String,
    },
    /// Goal assessments.
    Goals {
        /// The master plan assessed.
        plan: String,
        /// Every goal.
        goals: Vec<GoalLine>,
    },
    /// Status roll-up.
    Statuses {
        /// Per service area.
        rows: Vec<StatusLine>,
        /// The municipality.
        total: StatusLine,
        /// Items with a deviation or at risk.
        deviations: Vec<ItemLine>,
    },
    /// Indicators.
    Indicators {
        /// Every indicator of the master plan's goals.
        rows: Vec<IndicatorLine>,
    },
    /// Economy in whole kroner.
    Economy {
        /// Per service area (or unit below the report's unit).
        rows: Vec<EconomyLine>,
        /// The total.
        total: EconomyLine,
    },
    /// Open management dialogues.
    Dialogues {
        /// Every open dialogue.
        rows: Vec<DialogueLine>,
    },
    /// The service areas' commentaries.
    Commentary {
        /// One per service area.
        areas: Vec<CommentaryLine>,
    },
    /// Significant risks.
    ControlRisks {
        /// Highest score first.
        rows: Vec<ControlRiskLine>,
    },
    /// Control activities.
    ControlActivities {
        /// Activities in all.
        total: u32,
        /// Periods recorded, missed and failed over all activities.
        recorded: u32,
        /// Missed periods.
        missed: u32,
        /// Failed executions.
        failed: u32,
        /// The flagged activities.
        rows: Vec<ControlActivityLine>,
    },
    /// Inspections and audits.
    ControlAudits {
        /// The year's audits.
        rows: Vec<ControlAuditLine>,
        /// Their findings that are still open, and those closed during the year.
        findings: Vec<ControlFindingLine>,
    },
    /// The reports upward.
    ControlReports {
        /// Led units that have not reported.
        missing: Vec<String>,
        /// The reports sent.
        rows: Vec<ControlReportLine>,
    },
}

/// A significant risk in the internal-control report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlRiskLine {
    /// The analysed unit.
    pub unit: String,
    /// The risk.
    pub description: String,
    /// Likelihood × consequence now.
    pub score: u16,
    /// Band code.
    pub band: String,
    /// Treatment code.
    pub treatment: String,
    /// Whether an acceptance covers it.
    pub accepted: bool,
}

/// A flagged control activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlActivityLine {
    /// Its unit.
    pub unit: String,
    /// Title.
    pub title: String,
    /// Missed periods.
    pub missed: u32,
    /// Failed executions.
    pub failed: u32,
    /// The follow-up of the latest failure.
    pub follow_up: String,
}

/// An audit or inspection of the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlAuditLine {
    /// Kind code.
    pub kind: String,
    /// Theme.
    pub title: String,
    /// Who audited.
    pub auditor: String,
    /// Audited unit.
    pub unit: String,
    /// Held.
    pub held_on: NaiveDate,
    /// Findings.
    pub findings: u32,
    /// Still open.
    pub open: u32,
    /// Closed.
    pub closed: bool,
}

/// A finding and its follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlFindingLine {
    /// The audit's theme.
    pub audit: String,
    /// Finding kind code.
    pub kind: String,
    /// What was found.
    pub description: String,
    /// The measure.
    pub measure: String,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
    /// Closed on, with what was done.
    pub closed_on: Option<NaiveDate>,
    /// What was done.
    pub closing_note: String,
}

/// A unit manager's report upward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlReportLine {
    /// Unit.
    pub unit: String,
    /// Significant risks.
    pub significant_risks: String,
    /// Control failures.
    pub control_failures: String,
    /// What worked.
    pub what_worked: String,
}

impl SectionContent {
    /// Which section this is.
    pub fn section(&self) -> Section {
        match self {
            Self::Introduction { .. } => Section::Introduction,
            Self::Goals { .. } => Section::Goals,
            Self::Statuses { .. } => Section::Statuses,
            Self::Indicators { .. } => Section::Indicators,
            Self::Economy { .. } => Section::Economy,
            Self::Dialogues { .. } => Section::Dialogues,
            Self::Commentary { .. } => Section::Commentary,
            Self::ControlRisks { .. } => Section::ControlRisks,
            Self::ControlActivities { .. } => Section::ControlActivities,
            Self::ControlAudits { .. } => Section::ControlAudits,
            Self::ControlReports { .. } => Section::ControlReports,
        }
    }
}

/// A goal and its assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalLine {
    /// The goal element's id.
    pub id: i64,
    /// Main goal (1) or sub-goal (2).
    pub level: u8,
    /// Its text.
    pub text: String,
    /// The verdict given (the suggestion until one is written).
    pub verdict: Verdict,
    /// The data's suggestion.
    pub suggested: Verdict,
    /// The written assessment.
    pub assessment: String,
    /// Its indicators: text and progress class code.
    pub indicators: Vec<(String, String)>,
    /// Its measures by status code (code, count).
    pub measures: Vec<(String, u32)>,
}

/// A roll-up line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusLine {
    /// The service area.
    pub name: String,
    /// Items per status code, in `followup::Status` order.
    pub by_status: Vec<(String, u32)>,
    /// Items never reported.
    pub unreported: u32,
    /// All items.
    pub total: u32,
    /// Weighted progress in percent.
    pub progress: Option<f64>,
}

/// An assignment or measure in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemLine {
    /// Its text.
    pub text: String,
    /// The owner unit.
    pub unit: String,
    /// Status code.
    pub status: String,
    /// The report's comment.
    pub comment: String,
}

/// An indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorLine {
    /// The indicator element's id.
    pub id: i64,
    /// The goal it measures.
    pub goal: String,
    /// Its text.
    pub text: String,
    /// Unit of measurement.
    pub unit: String,
    /// Baseline (year, value).
    pub baseline: Option<(i32, f64)>,
    /// Observed values (time in years, period label, value), by time.
    pub values: Vec<(f64, String, f64)>,
    /// Targets (year, desired, lowest acceptable).
    pub targets: Vec<(i32, f64, Option<f64>)>,
    /// Progress class code.
    pub class: String,
}

impl IndicatorLine {
    /// The latest value with its period.
    pub fn latest(&self) -> Option<&(f64, String, f64)> {
        self.values.last()
    }
}

/// Economy of a part of the organisation, in whole kroner.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EconomyLine {
    /// The part.
    pub name: String,
    /// Budget for the year.
    pub budget: i64,
    /// Actuals to the end of the last month.
    pub actual: i64,
    /// Forecast for the year, when given.
    pub forecast: Option<i64>,
}

impl EconomyLine {
    /// Forecast deviation from the budget (positive: under budget), when forecast.
    pub fn deviation(&self) -> Option<i64> {
        self.forecast.map(|f| self.budget - f)
    }

    /// Actuals as a share of the budget, in percent.
    pub fn used_percent(&self) -> Option<f64> {
        (self.budget != 0).then(|| self.actual as f64 * 100.0 / self.budget as f64)
    }
}

/// An open management dialogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DialogueLine {
    /// The unit.
    pub unit: String,
    /// What it is about.
    pub subject: String,
    /// Status code that opened it.
    pub status: String,
    /// The agreed measures.
    pub measures: String,
    /// Opened.
    pub opened_on: NaiveDate,
    /// Follow-up date.
    pub follow_up_on: Option<NaiveDate>,
}

/// A service area's commentary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentaryLine {
    /// The service area's unit id.
    pub area_id: i64,
    /// Its name.
    pub area: String,
    /// Workflow state.
    pub state: CommentaryState,
    /// The text (Markdown).
    pub text: String,
}

impl crate::Actor {
    /// May read reports not yet adopted: the management staff, system administrators, the auditor
    /// and every leader (service areas write their commentaries). Politicians, employees and the
    /// public read adopted reports only.
    pub fn can_read_report_drafts(&self) -> bool {
        use crate::Role::*;
        self.has(SystemAdmin) || self.has(Management) || self.has(Auditor) || !self.led_units.is_empty()
    }

    /// May create reports, edit templates, compile commentaries, assess goals and adopt: the
    /// management staff and system administrators.
    pub fn can_manage_reports(&self) -> bool {
        self.has(crate::Role::SystemAdmin) || self.has(crate::Role::Management)
    }

    /// May write the chief executive's introduction: the chief executive's staff (who also manage
    /// reports).
    pub fn can_write_report_introduction(&self) -> bool {
        self.can_manage_reports()
    }

    /// May write and submit the commentary of the service area `area`: its leader, a delegate of
    /// it, and the management staff.
    pub fn can_write_report_commentary(&self, area: i64) -> bool {
        self.can_manage_reports() || self.led_units.contains(&area) || self.delegated_units.contains(&area)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Actor, Role};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn each_kind_covers_its_months_and_its_template_passes_its_own_check() {
        assert_eq!(ReportKind::Tertial1.months(None), (1, 4));
        assert_eq!(ReportKind::Tertial2.months(None), (5, 8));
        assert_eq!(ReportKind::Annual.months(None), (1, 12));
        assert_eq!(ReportKind::Monthly.months(Some(10)), (10, 10));
        for kind in ReportKind::ALL {
            assert_eq!(ReportKind::parse(kind.code()).unwrap(), kind);
            check_template(kind, &kind.default_sections()).unwrap();
        }
        assert!(ReportKind::Annual.default_sections().contains(&Section::Goals));
        assert!(!ReportKind::Tertial1.default_sections().contains(&Section::Goals));
        assert_eq!(ReportKind::parse("quarterly").unwrap_err().key, "err-report-kind");
    }

    #[test]
    fn templates_refuse_empty_twice_and_goals_in_the_wrong_report() {
        assert_eq!(parse_template(ReportKind::Tertial1, &[]).unwrap_err().key, "err-report-template-empty");
        assert_eq!(
            parse_template(ReportKind::Tertial1, &["economy", "economy"]).unwrap_err().key,
            "err-report-template-twice"
        );
        assert_eq!(
            parse_template(ReportKind::Annual, &["introduction", "economy"]).unwrap_err().key,
            "err-report-template-goals-missing"
        );
        assert_eq!(
            parse_template(ReportKind::Monthly, &["goals", "economy"]).unwrap_err().key,
            "err-report-template-goals-annual"
        );
        assert_eq!(parse_template(ReportKind::Monthly, &["risks"]).unwrap_err().key, "err-report-section");
        assert_eq!(
            parse_template(ReportKind::Annual, &["goals", "control_audits"]).unwrap_err().key,
            "err-report-template-control-section"
        );
        assert_eq!(
            parse_template(ReportKind::InternalControl, &["introduction", "economy"]).unwrap_err().key,
            "err-report-template-control-only"
        );
        assert!(check_template(ReportKind::InternalControl, &ReportKind::InternalControl.default_sections()).is_ok());
        assert_eq!(
            parse_template(ReportKind::Tertial2, &["economy", "", "introduction"]).unwrap(),
            vec![Section::Economy, Section::Introduction]
        );
    }

    #[test]
    fn the_commentary_workflow_goes_draft_submitted_compiled_and_back() {
        use CommentaryAction as A;
        use CommentaryState as S;
        assert_eq!(commentary_step(S::Draft, A::Save, false, "").unwrap(), S::Draft);
        assert_eq!(commentary_step(S::Draft, A::Submit, false, "Tekst").unwrap(), S::Submitted);
        assert_eq!(commentary_step(S::Draft, A::Submit, false, "  ").unwrap_err().key, "err-report-commentary-empty");
        // The area cannot change a submitted text; the staff can, and return or compile it.
        assert_eq!(commentary_step(S::Submitted, A::Save, false, "x").unwrap_err().key, "err-report-commentary-step");
        assert_eq!(commentary_step(S::Submitted, A::Save, true, "x").unwrap(), S::Submitted);
        assert_eq!(
            commentary_step(S::Submitted, A::Compile, false, "x").unwrap_err().key,
            "err-report-commentary-staff"
        );
        assert_eq!(commentary_step(S::Submitted, A::Compile, true, "x").unwrap(), S::Compiled);
        assert_eq!(commentary_step(S::Submitted, A::Return, true, "x").unwrap(), S::Draft);
        assert_eq!(commentary_step(S::Compiled, A::Save, true, "x").unwrap_err().key, "err-report-commentary-step");
        assert_eq!(commentary_step(S::Compiled, A::Return, true, "x").unwrap(), S::Draft);
        assert_eq!(commentary_step(S::Draft, A::Compile, true, "x").unwrap_err().key, "err-report-commentary-step");
        let long = "å".repeat(MAX_TEXT + 1);
        assert_eq!(commentary_step(S::Draft, A::Save, false, &long).unwrap_err().key, "err-report-text-long");
    }

    #[test]
    fn the_suggested_verdict_weighs_indicators_twice_and_ignores_what_cannot_count() {
        assert_eq!(suggest_verdict([], []), Verdict::NotAssessed);
        assert_eq!(suggest_verdict(["insufficient_data"], ["cancelled"]), Verdict::NotAssessed);
        assert_eq!(suggest_verdict(["target_met", "on_track"], []), Verdict::Achieved);
        assert_eq!(suggest_verdict(["moderate"], []), Verdict::PartlyAchieved);
        assert_eq!(suggest_verdict(["moving_away"], ["completed"]), Verdict::PartlyAchieved); // exactly ⅓
        assert_eq!(suggest_verdict(["moving_away", "off_track"], ["completed"]), Verdict::NotAchieved); // ⅕
        assert_eq!(suggest_verdict(["off_track"], ["completed", "completed"]), Verdict::PartlyAchieved); // 2/4
        // One indicator met (2 of 2) and two measures with a deviation (0 of 2): ½ → partly.
        assert_eq!(suggest_verdict(["target_met"], ["deviation", "deviation"]), Verdict::PartlyAchieved);
        // Three of four by measures alone: achieved.
        assert_eq!(suggest_verdict([], ["completed", "on_track", "at_risk", "at_risk"]), Verdict::Achieved);
        assert_eq!(suggest_verdict([], ["deviation", "deviation", "at_risk"]), Verdict::NotAchieved);
    }

    #[test]
    fn a_new_report_needs_a_month_only_when_monthly_and_a_unit_only_then() {
        let draft = |kind: &str, year: &str, month: &str, unit: &str| ReportDraft {
            kind: kind.into(),
            year: year.into(),
            month: month.into(),
            unit: unit.into(),
        };
        assert_eq!(
            draft("monthly", "2027", "3", "12").parse().unwrap(),
            NewReport { kind: ReportKind::Monthly, year: 2027, month: Some(3), unit_id: Some(12) }
        );
        assert_eq!(
            draft("annual", "2026", "", "").parse().unwrap(),
            NewReport { kind: ReportKind::Annual, year: 2026, month: None, unit_id: None }
        );
        let keys = |r: Result<NewReport, Vec<RuleError>>| r.unwrap_err().iter().map(|e| e.key).collect::<Vec<_>>();
        assert_eq!(keys(draft("monthly", "2027", "13", "").parse()), vec!["err-report-month"]);
        assert_eq!(keys(draft("tertial_1", "2027", "", "5").parse()), vec!["err-report-unit-monthly"]);
        assert_eq!(keys(draft("x", "1850", "", "").parse()), vec!["err-report-kind", "err-report-year"]);
    }

    #[test]
    fn an_adoption_needs_body_case_and_a_date_not_in_the_future_in_either_format() {
        let today = d(2027, 6, 20);
        let ok = AdoptionDraft {
            body: " Kommunestyret ".into(),
            case_number: "PS 45/27".into(),
            decided_on: "18.06.2027".into(),
        };
        assert_eq!(
            ok.parse(today).unwrap(),
            Adoption { body: "Kommunestyret".into(), case_number: "PS 45/27".into(), decided_on: d(2027, 6, 18) }
        );
        let iso = AdoptionDraft { decided_on: "2027-06-18".into(), ..ok.clone() };
        assert_eq!(iso.parse(today).unwrap().decided_on, d(2027, 6, 18));
        let fields =
            |a: AdoptionDraft| a.parse(today).unwrap_err().iter().map(|e| (e.key, e.field)).collect::<Vec<_>>();
        assert_eq!(
            fields(AdoptionDraft::default()),
            vec![
                ("err-report-body", Some("body")),
                ("err-report-case", Some("case_number")),
                ("err-report-date-missing", Some("decided_on"))
            ]
        );
        assert_eq!(
            fields(AdoptionDraft { decided_on: "21.06.2027".into(), ..ok.clone() }),
            vec![("err-report-date-future", Some("decided_on"))]
        );
        assert_eq!(
            fields(AdoptionDraft { decided_on: "18/06/2027".into(), ..ok }),
            vec![("err-report-date", Some("decided_on"))]
        );
    }

    #[test]
    fn who_reads_drafts_and_who_writes_what() {
        let actor = |roles: &[Role], led: &[i64]| Actor {
            roles: roles.iter().copied().collect(),
            led_units: led.iter().copied().collect(),
            ..Actor::default()
        };
        let staff = actor(&[Role::Management], &[]);
        let director = actor(&[Role::Leader], &[7]);
        let politician = actor(&[Role::Politician], &[]);
        let employee = actor(&[Role::Employee], &[]);
        let auditor = actor(&[Role::Auditor], &[]);
        assert!(staff.can_read_report_drafts() && staff.can_manage_reports() && staff.can_write_report_introduction());
        assert!(director.can_read_report_drafts() && !director.can_manage_reports());
        assert!(director.can_write_report_commentary(7) && !director.can_write_report_commentary(8));
        assert!(staff.can_write_report_commentary(8));
        assert!(!politician.can_read_report_drafts() && !employee.can_read_report_drafts());
        assert!(
            auditor.can_read_report_drafts()
                && !auditor.can_manage_reports()
                && !auditor.can_write_report_commentary(7)
        );
    }

    #[test]
    fn content_round_trips_through_json_unchanged() {
        let content = ReportContent {
            municipality: "Asker".into(),
            kind: ReportKind::Tertial1,
            year: 2027,
            months: (1, 4),
            scope: None,
            as_of: d(2027, 5, 20),
            sections: vec![
                SectionContent::Introduction { text: "**Godt** i gang <script>".into() },
                SectionContent::Economy {
                    rows: vec![EconomyLine { name: "Oppvekst".into(), budget: 100, actual: 40, forecast: Some(110) }],
                    total: EconomyLine { name: "Asker".into(), budget: 100, actual: 40, forecast: Some(110) },
                },
            ],
        };
        let json = serde_json::to_string(&content).unwrap();
        assert_eq!(serde_json::from_str::<ReportContent>(&json).unwrap(), content);
        assert_eq!(content.sections[1].section(), Section::Economy);
        let SectionContent::Economy { total, .. } = &content.sections[1] else { unreachable!() };
        assert_eq!(total.deviation(), Some(-10));
        assert_eq!(total.used_percent(), Some(40.0));
    }
}
