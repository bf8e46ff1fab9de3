//! The annual cycle (*årshjulet*, DOMAIN.md §9, issue #15 §4): a template of activities per month
//! (the main seed's month table is the shipped default), instantiated as a one-year wheel for a
//! year or a four-year wheel over a council period, with concrete dates; each dated activity may be
//! tied to a module deadline ([`DeadlineKind`]) that dashboards and notifications read.
//!
//! Decisions, so that a hand instantiation gives the same dates:
//! - An activity of a month runs from the month's first to its last **working day**: Monday to
//!   Friday and not a Norwegian public holiday (1 January, Maundy Thursday, Good Friday, Easter
//!   Monday, 1 May, 17 May, Ascension Day, Whit Monday, 25 and 26 December). The table says
//!   "in March", so the whole month is the honest span, and the last working day is the date a
//!   deadline can fall on without landing on a weekend or a holiday.
//! - A linked deadline falls on the activity's **end** date.
//! - A four-year wheel covers the council period's four years (`first_year` is the first year after
//!   the election); its template rows name the year of the period (1–4) as well as the month.
//! - A dated activity's end is on or after its start, and both lie inside the wheel's years.

use crate::RuleError;
use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Years of a council period (*valgperiode*), the span of the four-year wheel.
pub const PERIOD_YEARS: i32 = 4;

/// Most characters of an activity's title.
pub const TITLE_MAX: usize = 300;

/// Most characters of the responsible's description.
pub const RESPONSIBLE_MAX: usize = 200;

/// Which wheel: the one-year wheel of the action programme or the four-year wheel of the council
/// period (planning strategy, master plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cycle {
    /// *Ettårshjulet*.
    Year,
    /// *Fireårshjulet*.
    Period,
}

impl Cycle {
    /// Both, the one-year wheel first.
    pub const ALL: [Cycle; 2] = [Cycle::Year, Cycle::Period];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Cycle::Year => "year",
            Cycle::Period => "period",
        }
    }

    /// Parses a stored or submitted code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL.into_iter().find(|c| c.code() == code).ok_or_else(|| RuleError::new("err-cycle-kind").on("cycle"))
    }

    /// Years the wheel covers.
    pub fn years(self) -> i32 {
        match self {
            Cycle::Year => 1,
            Cycle::Period => PERIOD_YEARS,
        }
    }

    /// Fluent key of the name.
    pub fn label_key(self) -> &'static str {
        match self {
            Cycle::Year => "cycle-kind-year",
            Cycle::Period => "cycle-kind-period",
        }
    }
}

impl TryFrom<String> for Cycle {
    type Error = RuleError;
    fn try_from(s: String) -> Result<Self, RuleError> {
        Cycle::parse(&s)
    }
}

/// Political or administrative (*politisk/administrativt*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// Handled by the council or its committees.
    Political,
    /// Work of the administration.
    Administrative,
}

impl ActivityKind {
    /// Both.
    pub const ALL: [ActivityKind; 2] = [ActivityKind::Political, ActivityKind::Administrative];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            ActivityKind::Political => "political",
            ActivityKind::Administrative => "administrative",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| RuleError::new("err-cycle-activity-kind").on("kind"))
    }

    /// Fluent key of the name.
    pub fn label_key(self) -> &'static str {
        match self {
            ActivityKind::Political => "cycle-political",
            ActivityKind::Administrative => "cycle-administrative",
        }
    }
}

impl TryFrom<String> for ActivityKind {
    type Error = RuleError;
    fn try_from(s: String) -> Result<Self, RuleError> {
        ActivityKind::parse(&s)
    }
}

/// A module deadline an activity can stand for, so that the modules read their dates from the
/// wheel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Unit plans (*virksomhetsplaner*) delivered.
    UnitPlansDue,
    /// Status reporting of the period.
    StatusReportingDue,
    /// A four-monthly report (*tertialrapport*).
    FourMonthlyReportDue,
    /// Assignment letters (*oppdragsbrev*) sent.
    AssignmentLettersSent,
    /// ISO 9001 audit (internal or external).
    IsoAudit,
    /// The annual report (*årsrapport*).
    AnnualReport,
}

impl DeadlineKind {
    /// Every kind.
    pub const ALL: [DeadlineKind; 6] = [
        Self::UnitPlansDue,
        Self::StatusReportingDue,
        Self::FourMonthlyReportDue,
        Self::AssignmentLettersSent,
        Self::IsoAudit,
        Self::AnnualReport,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::UnitPlansDue => "unit_plans_due",
            Self::StatusReportingDue => "status_reporting_due",
            Self::FourMonthlyReportDue => "four_monthly_report_due",
            Self::AssignmentLettersSent => "assignment_letters_sent",
            Self::IsoAudit => "iso_audit",
            Self::AnnualReport => "annual_report",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Result<Self, RuleError> {
        Self::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| RuleError::new("err-cycle-deadline").on("deadline"))
    }

    /// Parses an optional code: empty is none.
    pub fn parse_optional(code: &str) -> Result<Option<Self>, RuleError> {
        if code.trim().is_empty() { Ok(None) } else { Self::parse(code.trim()).map(Some) }
    }

    /// Fluent key of the name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::UnitPlansDue => "cycle-deadline-unit_plans_due",
            Self::StatusReportingDue => "cycle-deadline-status_reporting_due",
            Self::FourMonthlyReportDue => "cycle-deadline-four_monthly_report_due",
            Self::AssignmentLettersSent => "cycle-deadline-assignment_letters_sent",
            Self::IsoAudit => "cycle-deadline-iso_audit",
            Self::AnnualReport => "cycle-deadline-annual_report",
        }
    }
}

/// A row of a template: an activity in a month (and, for the four-year wheel, a year of the period).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TemplateRow {
    /// Which wheel it belongs to.
    pub cycle: Cycle,
    /// Year of the council period, 1–4 (always 1 for the one-year wheel).
    pub period_year: u8,
    /// Month, 1–12.
    pub month: u8,
    /// The activity.
    pub title: String,
    /// Political or administrative.
    pub kind: ActivityKind,
    /// Who is responsible (a role, e.g. *Kommunedirektøren*).
    pub responsible: String,
    /// The module deadline it stands for.
    pub deadline: Option<DeadlineKind>,
}

fn row(month: u8, title: &str, kind: ActivityKind, responsible: &str, deadline: Option<DeadlineKind>) -> TemplateRow {
    TemplateRow {
        cycle: Cycle::Year,
        period_year: 1,
        month,
        title: title.to_owned(),
        kind,
        responsible: responsible.to_owned(),
        deadline,
    }
}

/// The shipped one-year template: the main seed's month table (*Hovedaktiviteter i årshjulet*),
/// with the responsible role and the module deadlines the activities stand for. The seed leaves
/// «Statsbudsjettet legges frem» without a kind; the state budget is presented to the council's
/// information, so it is political here.
pub fn default_template() -> Vec<TemplateRow> {
    use ActivityKind::{Administrative as A, Political as P};
    use DeadlineKind::*;
    let cd = "Kommunedirektøren";
    let ks = "Kommunestyret";
    let vs = "Virksomhetsstyring";
    let vl = "Virksomhetsledere";
    vec![
        row(1, "Årshjulet – politisk behandling", P, ks, None),
        row(1, "Rapportering og resultater foregående år", A, vs, Some(StatusReportingDue)),
        row(2, "Utarbeide virksomhetsplan per virksomhet", A, vl, Some(UnitPlansDue)),
        row(3, "Gjennomføre interne revisjoner (ISO 9001)", A, vs, Some(IsoAudit)),
        row(3, "Strategiseminar handlingsprogrammet", P, ks, None),
        row(3, "Årsrapport, årsregnskap og årsberetning – administrativt arbeid", A, cd, Some(AnnualReport)),
        row(4, "Ledelsens gjennomgang på overordnet nivå", A, cd, None),
        row(5, "1. tertialrapport – administrativt arbeid", A, vs, Some(FourMonthlyReportDue)),
        row(5, "Eierdag – møte med selskapene", P, ks, None),
        row(5, "Strategiske mål og økonomiske rammer for handlingsprogrammet – administrativt arbeid", A, cd, None),
        row(5, "Handlingsprogramseminar for administrasjonen", A, cd, None),
        row(6, "1. tertialrapport – politisk behandling", P, ks, None),
        row(6, "Strategiske mål og økonomiske rammer for handlingsprogrammet – politisk behandling", P, ks, None),
        row(6, "Årsrapport – politisk behandling", P, ks, None),
        row(6, "Årsregnskap og årsberetning – politisk behandling", P, ks, None),
        row(6, "Kommunedirektørens forslag til handlingsprogram – administrativt arbeid", A, cd, None),
        row(9, "Kommunedirektørens forslag til handlingsprogram – politisk sak", P, cd, None),
        row(9, "2. tertialrapport – administrativt arbeid", A, vs, Some(FourMonthlyReportDue)),
        row(10, "Statsbudsjettet legges frem", P, "Regjeringen", None),
        row(10, "Kommunedirektørens tilleggsinnstilling til handlingsprogrammet – administrativt arbeid", A, cd, None),
        row(
            11,
            "Kommunedirektørens forslag til handlingsprogram og kommunedirektørens tilleggsinnstilling til handlingsprogrammet – politisk behandling (høringsperiode 2 uker)",
            P,
            ks,
            None,
        ),
        row(11, "Gjennomføre brukerundersøkelser", A, vl, None),
        row(11, "Gjennomføre medarbeiderundersøkelse", A, vl, None),
        row(11, "Gjennomføre ekstern revisjon (ISO 9001)", A, vs, Some(IsoAudit)),
        row(12, "Handlingsprogrammet – politisk behandling", P, ks, None),
        row(
            12,
            "Kommunedirektørens oppdragsbrev til virksomhetene – iverksettelse av handlingsprogrammet",
            A,
            cd,
            Some(AssignmentLettersSent),
        ),
    ]
}

/// The shipped four-year template over a council period: the planning strategy within the first
/// year (plan- og bygningsloven § 10-1), the master plan's social and land-use parts, and the
/// period's evaluation.
pub fn default_period_template() -> Vec<TemplateRow> {
    use ActivityKind::{Administrative as A, Political as P};
    let period = |period_year: u8, month: u8, title: &str, kind: ActivityKind, responsible: &str| TemplateRow {
        cycle: Cycle::Period,
        period_year,
        month,
        title: title.to_owned(),
        kind,
        responsible: responsible.to_owned(),
        deadline: None,
    };
    vec![
        period(1, 3, "Kommunal planstrategi – administrativt arbeid", A, "Kommunedirektøren"),
        period(1, 10, "Kommunal planstrategi – politisk behandling", P, "Kommunestyret"),
        period(2, 2, "Kommuneplanens samfunnsdel – planprogram", A, "Kommunedirektøren"),
        period(2, 11, "Kommuneplanens samfunnsdel – politisk behandling", P, "Kommunestyret"),
        period(3, 4, "Kommuneplanens arealdel – høring", P, "Kommunestyret"),
        period(3, 12, "Kommuneplanens arealdel – politisk behandling", P, "Kommunestyret"),
        period(4, 6, "Evaluering av planperioden", A, "Kommunedirektøren"),
    ]
}

/// Easter Sunday of `year` (the anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a date")
}

/// Whether `d` is a Norwegian public holiday (*helligdag*).
pub fn is_public_holiday(d: NaiveDate) -> bool {
    let fixed = matches!((d.month(), d.day()), (1, 1) | (5, 1) | (5, 17) | (12, 25) | (12, 26));
    let easter = easter_sunday(d.year());
    let moving = [-3, -2, 1, 39, 50].iter().any(|days| easter + Duration::days(*days) == d);
    fixed || moving
}

/// Whether `d` is a working day: Monday to Friday and no public holiday.
pub fn is_working_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_public_holiday(d)
}

/// The first working day of a month.
pub fn first_working_day(year: i32, month: u8) -> Option<NaiveDate> {
    let mut d = NaiveDate::from_ymd_opt(year, u32::from(month), 1)?;
    while !is_working_day(d) {
        d = d.succ_opt()?;
    }
    Some(d)
}

/// The last working day of a month.
pub fn last_working_day(year: i32, month: u8) -> Option<NaiveDate> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, u32::from(month) + 1, 1)?
    };
    let mut d = next.pred_opt()?;
    while !is_working_day(d) {
        d = d.pred_opt()?;
    }
    Some(d)
}

/// A dated activity as the instantiation gives it and a form or the API sends it, checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Activity {
    /// Title.
    pub title: String,
    /// Political or administrative.
    pub kind: ActivityKind,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day (the deadline's date when linked).
    pub ends_on: NaiveDate,
    /// Who is responsible.
    pub responsible: String,
    /// The module deadline it stands for.
    pub deadline: Option<DeadlineKind>,
}

/// The first and last day a wheel covers.
pub fn span(cycle: Cycle, first_year: i32) -> (NaiveDate, NaiveDate) {
    let from = NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap_or(NaiveDate::MIN);
    let to = NaiveDate::from_ymd_opt(first_year + cycle.years() - 1, 12, 31).unwrap_or(NaiveDate::MAX);
    (from, to)
}

/// Most years back and ahead of a wheel's first year.
pub const FIRST_YEAR_RANGE: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Parses a wheel's first year (`2027`).
pub fn parse_year(input: &str) -> Result<i32, RuleError> {
    input
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| FIRST_YEAR_RANGE.contains(y))
        .ok_or_else(|| RuleError::new("err-cycle-year").with("value", input.trim().to_owned()).on("year"))
}

/// Instantiates the template rows of `cycle` for the wheel starting in `first_year`: each row dated
/// from the first to the last working day of its month (in its year of the period), in date order.
pub fn instantiate(rows: &[TemplateRow], cycle: Cycle, first_year: i32) -> Vec<Activity> {
    let mut out: Vec<Activity> = rows
        .iter()
        .filter(|r| r.cycle == cycle && (1..=12).contains(&r.month))
        .filter(|r| i32::from(r.period_year) >= 1 && i32::from(r.period_year) <= cycle.years())
        .filter_map(|r| {
            let year = first_year + i32::from(r.period_year) - 1;
            Some(Activity {
                title: r.title.clone(),
                kind: r.kind,
                starts_on: first_working_day(year, r.month)?,
                ends_on: last_working_day(year, r.month)?,
                responsible: r.responsible.clone(),
                deadline: r.deadline,
            })
        })
        .collect();
    out.sort_by_key(|a| (a.starts_on, a.ends_on));
    out
}

/// Parses a date as forms and the API send it (`2027-02-26`) or as people write it (`26.02.2027`).
pub fn parse_date(input: &str, field: &'static str) -> Result<NaiveDate, RuleError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(RuleError::new("err-cycle-date-missing").on(field));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d.%m.%Y"))
        .map_err(|_| RuleError::new("err-cycle-date").with("value", t.to_owned()).on(field))
}

/// The fields of an activity as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActivityDraft {
    /// Title.
    pub title: String,
    /// Kind code.
    pub kind: String,
    /// First day.
    pub starts_on: String,
    /// Last day.
    pub ends_on: String,
    /// Who is responsible.
    pub responsible: String,
    /// Deadline code, empty for none.
    pub deadline: String,
}

impl ActivityDraft {
    /// The draft of a stored activity, for a form.
    pub fn of(a: &Activity) -> ActivityDraft {
        ActivityDraft {
            title: a.title.clone(),
            kind: a.kind.code().to_owned(),
            starts_on: a.starts_on.to_string(),
            ends_on: a.ends_on.to_string(),
            responsible: a.responsible.clone(),
            deadline: a.deadline.map(|d| d.code().to_owned()).unwrap_or_default(),
        }
    }

    /// Checks every field against the wheel's span: a title, a kind, two dates, end ≥ start, both
    /// inside the wheel's years. Every broken rule is returned, each naming its field.
    pub fn parse(&self, (from, to): (NaiveDate, NaiveDate)) -> Result<Activity, Vec<RuleError>> {
        let mut errors = Vec::new();
        let title = self.title.trim();
        if title.is_empty() {
            errors.push(RuleError::new("err-cycle-title").on("title"));
        } else if title.chars().count() > TITLE_MAX {
            errors.push(RuleError::new("err-cycle-title-long").with("max", TITLE_MAX.to_string()).on("title"));
        }
        let responsible = self.responsible.trim();
        if responsible.chars().count() > RESPONSIBLE_MAX {
            errors.push(
                RuleError::new("err-cycle-responsible-long").with("max", RESPONSIBLE_MAX.to_string()).on("responsible"),
            );
        }
        let kind = ActivityKind::parse(self.kind.trim()).map_err(|e| errors.push(e)).ok();
        let deadline = DeadlineKind::parse_optional(&self.deadline).map_err(|e| errors.push(e)).ok().flatten();
        let start = parse_date(&self.starts_on, "starts_on").map_err(|e| errors.push(e)).ok();
        let end = parse_date(&self.ends_on, "ends_on").map_err(|e| errors.push(e)).ok();
        let outside = |field: &'static str| {
            RuleError::new("err-cycle-date-outside").with("from", from.to_string()).with("to", to.to_string()).on(field)
        };
        if start.is_some_and(|s| s < from || s > to) {
            errors.push(outside("starts_on"));
        }
        if end.is_some_and(|e| e < from || e > to) {
            errors.push(outside("ends_on"));
        }
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            errors.push(RuleError::new("err-cycle-end-before-start").on("ends_on"));
        }
        match (kind, start, end) {
            (Some(kind), Some(starts_on), Some(ends_on)) if errors.is_empty() => Ok(Activity {
                title: title.to_owned(),
                kind,
                starts_on,
                ends_on,
                responsible: responsible.to_owned(),
                deadline,
            }),
            _ => Err(errors),
        }
    }
}

/// Parses a template row as typed: a month 1–12, a year of the period 1–4 (1 for the one-year
/// wheel), a title, a kind and an optional deadline.
pub fn parse_template_row(
    cycle: Cycle,
    period_year: &str,
    month: &str,
    draft: &ActivityDraft,
) -> Result<TemplateRow, Vec<RuleError>> {
    let mut errors = Vec::new();
    let month = month
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or_else(|| {
            errors.push(RuleError::new("err-cycle-month").with("value", month.trim().to_owned()).on("month"))
        })
        .ok();
    let period_year = match cycle {
        Cycle::Year => Some(1),
        Cycle::Period => period_year
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|y| (1..=4).contains(y))
            .ok_or_else(|| errors.push(RuleError::new("err-cycle-period-year").on("period_year")))
            .ok(),
    };
    // The title, kind and deadline rules are the dated activity's; the dates are the template's own.
    let mut dated = draft.clone();
    dated.starts_on = "2000-01-01".into();
    dated.ends_on = "2000-01-01".into();
    let day = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
    let activity = dated.parse((day, day)).map_err(|e| errors.extend(e)).ok();
    match (month, period_year, activity) {
        (Some(month), Some(period_year), Some(a)) if errors.is_empty() => Ok(TemplateRow {
            cycle,
            period_year,
            month,
            title: a.title,
            kind: a.kind,
            responsible: a.responsible,
            deadline: a.deadline,
        }),
        _ => Err(errors),
    }
}

/// The next date of each deadline kind on or after `today` among `activities` (end dates), soonest
/// first.
pub fn next_deadlines<'a>(
    activities: impl IntoIterator<Item = &'a Activity>,
    today: NaiveDate,
) -> Vec<(DeadlineKind, NaiveDate, &'a Activity)> {
    let mut best: Vec<(DeadlineKind, NaiveDate, &'a Activity)> = Vec::new();
    for a in activities {
        let Some(kind) = a.deadline else { continue };
        if a.ends_on < today {
            continue;
        }
        match best.iter_mut().find(|(k, _, _)| *k == kind) {
            Some(b) if a.ends_on < b.1 => *b = (kind, a.ends_on, a),
            Some(_) => {}
            None => best.push((kind, a.ends_on, a)),
        }
    }
    best.sort_by_key(|(k, d, _)| (*d, *k));
    best
}

/// The date of the deadline of `kind` that a module's own date stands for: the wheel's linked date
/// in the same year when there is one, else the module's own.
pub fn linked_or<'a>(
    activities: impl IntoIterator<Item = &'a Activity>,
    kind: DeadlineKind,
    year: i32,
    own: Option<NaiveDate>,
) -> Option<NaiveDate> {
    activities
        .into_iter()
        .filter(|a| a.deadline == Some(kind) && a.ends_on.year() == year)
        .map(|a| a.ends_on)
        .min()
        .or(own)
}

impl crate::Actor {
    /// May create wheels and edit their activities and the template: the performance-management
    /// staff and system administrators. Everybody signed in to the municipality reads the wheel.
    pub fn can_manage_annual_cycle(&self) -> bool {
        self.has(crate::Role::SystemAdmin) || self.has(crate::Role::Management)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_and_holidays() {
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert!(is_public_holiday(d(2027, 3, 25))); // Maundy Thursday
        assert!(is_public_holiday(d(2027, 3, 26))); // Good Friday
        assert!(is_public_holiday(d(2027, 3, 29))); // Easter Monday
        assert!(is_public_holiday(d(2027, 5, 6))); // Ascension Day
        assert!(is_public_holiday(d(2027, 5, 17)));
        assert!(!is_public_holiday(d(2027, 3, 24)));
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // 1 January 2027 is a Friday and a holiday; the first working day is Monday 4th.
        assert_eq!(first_working_day(2027, 1), Some(d(2027, 1, 4)));
        // 28 February 2027 is a Sunday.
        assert_eq!(last_working_day(2027, 2), Some(d(2027, 2, 26)));
        // 31 March 2029 is a Saturday, 30 March Good Friday, 29 Maundy Thursday.
        assert_eq!(last_working_day(2029, 3), Some(d(2029, 3, 28)));
        // 31 December 2027 is a Friday.
        assert_eq!(last_working_day(2027, 12), Some(d(2027, 12, 31)));
        assert_eq!(first_working_day(2027, 13), None);
    }

    #[test]
    fn the_default_template_instantiates_every_row_inside_the_year() {
        let rows = default_template();
        assert_eq!(rows.len(), 26);
        let wheel = instantiate(&rows, Cycle::Year, 2027);
        assert_eq!(wheel.len(), 26);
        let (from, to) = span(Cycle::Year, 2027);
        for a in &wheel {
            assert!(a.starts_on >= from && a.ends_on <= to && a.starts_on <= a.ends_on, "{a:?}");
            assert!(is_working_day(a.starts_on) && is_working_day(a.ends_on));
        }
        let plans = wheel.iter().find(|a| a.deadline == Some(DeadlineKind::UnitPlansDue)).unwrap();
        assert_eq!((plans.starts_on, plans.ends_on), (d(2027, 2, 1), d(2027, 2, 26)));
        // Date order.
        assert!(wheel.windows(2).all(|w| w[0].starts_on <= w[1].starts_on));
        // The four-year rows do not leak into the one-year wheel.
        assert!(instantiate(&default_period_template(), Cycle::Year, 2027).is_empty());
    }

    #[test]
    fn the_period_template_spreads_over_four_years() {
        let wheel = instantiate(&default_period_template(), Cycle::Period, 2024);
        assert_eq!(wheel.len(), 7);
        assert_eq!(wheel.first().unwrap().starts_on.year(), 2024);
        assert_eq!(wheel.last().unwrap().ends_on.year(), 2027);
        let (from, to) = span(Cycle::Period, 2024);
        assert_eq!((from, to), (d(2024, 1, 1), d(2027, 12, 31)));
    }

    fn draft(start: &str, end: &str) -> ActivityDraft {
        ActivityDraft {
            title: " Tertial ".into(),
            kind: "administrative".into(),
            starts_on: start.into(),
            ends_on: end.into(),
            responsible: "Virksomhetsstyring".into(),
            deadline: "four_monthly_report_due".into(),
        }
    }

    #[test]
    fn an_activity_must_end_after_it_starts_and_stay_inside_the_wheel() {
        let year = span(Cycle::Year, 2027);
        let a = draft("2027-05-03", "31.05.2027").parse(year).unwrap();
        assert_eq!(a.title, "Tertial");
        assert_eq!(a.ends_on, d(2027, 5, 31));
        assert_eq!(a.deadline, Some(DeadlineKind::FourMonthlyReportDue));
        let keys = |e: Vec<RuleError>| e.into_iter().map(|e| (e.key, e.field.unwrap())).collect::<Vec<_>>();
        assert_eq!(
            keys(draft("2027-05-31", "2027-05-03").parse(year).unwrap_err()),
            [("err-cycle-end-before-start", "ends_on")]
        );
        assert_eq!(
            keys(draft("2026-12-31", "2027-01-05").parse(year).unwrap_err()),
            [("err-cycle-date-outside", "starts_on")]
        );
        assert_eq!(keys(draft("2027-05-03", "mai").parse(year).unwrap_err()), [("err-cycle-date", "ends_on")]);
        let mut bad = draft("", "2027-05-03");
        bad.title = " ".into();
        bad.kind = "x".into();
        bad.deadline = "y".into();
        assert_eq!(
            keys(bad.parse(year).unwrap_err()),
            [
                ("err-cycle-title", "title"),
                ("err-cycle-activity-kind", "kind"),
                ("err-cycle-deadline", "deadline"),
                ("err-cycle-date-missing", "starts_on")
            ]
        );
    }

    #[test]
    fn template_rows_parse() {
        let mut dr = draft("", "");
        dr.deadline = String::new();
        let r = parse_template_row(Cycle::Year, "", "3", &dr).unwrap();
        assert_eq!((r.month, r.period_year, r.deadline), (3, 1, None));
        assert_eq!(parse_template_row(Cycle::Year, "", "13", &dr).unwrap_err()[0].key, "err-cycle-month");
        assert_eq!(parse_template_row(Cycle::Period, "5", "1", &dr).unwrap_err()[0].key, "err-cycle-period-year");
        assert_eq!(parse_template_row(Cycle::Period, "2", "1", &dr).unwrap().period_year, 2);
    }

    #[test]
    fn next_deadlines_take_the_soonest_of_each_kind() {
        let wheel = instantiate(&default_template(), Cycle::Year, 2027);
        let next = next_deadlines(&wheel, d(2027, 3, 1));
        let kinds: Vec<_> = next.iter().map(|(k, day, _)| (*k, *day)).collect();
        assert_eq!(kinds[0], (DeadlineKind::IsoAudit, d(2027, 3, 31)));
        assert!(kinds.contains(&(DeadlineKind::FourMonthlyReportDue, d(2027, 5, 31))));
        assert!(!kinds.iter().any(|(k, _)| *k == DeadlineKind::UnitPlansDue));
        assert_eq!(linked_or(&wheel, DeadlineKind::UnitPlansDue, 2027, Some(d(2027, 3, 15))), Some(d(2027, 2, 26)));
        assert_eq!(linked_or(&wheel, DeadlineKind::UnitPlansDue, 2028, Some(d(2028, 3, 15))), Some(d(2028, 3, 15)));
    }

    #[test]
    fn codes_round_trip() {
        for k in DeadlineKind::ALL {
            assert_eq!(DeadlineKind::parse(k.code()), Ok(k));
        }
        for c in Cycle::ALL {
            assert_eq!(Cycle::parse(c.code()), Ok(c));
        }
        assert_eq!(parse_year("2027"), Ok(2027));
        assert_eq!(parse_year("27").unwrap_err().key, "err-cycle-year");
    }
}
