//! Annual cycle (*årshjul*) use cases: a wheel made from the municipality's template
//! (`domain::annual_cycle::instantiate`), its activities added, edited and removed, the template
//! edited (each: the performance-management staff only, the domain's rules, one store transaction
//! with the version check and the audit row), and the read models the other modules use: the next
//! linked deadlines and the wheel's date of a module deadline.

use crate::ServiceError;
use chrono::{Datelike, NaiveDate};
use rodtrad_domain::Actor;
use rodtrad_domain::annual_cycle::{Cycle, DeadlineKind, instantiate, linked_or};
use rodtrad_store::annual_cycle::{ActivityInput, StoredActivity, TemplateChange};
use rodtrad_store::{Author, Db};

fn manage(actor: &Actor) -> Result<(), ServiceError> {
    if actor.can_manage_annual_cycle() { Ok(()) } else { Err(ServiceError::Forbidden) }
}

/// Makes the wheel of `cycle` starting in `first_year` from the municipality's template, with
/// concrete dates. A wheel of the same kind and year is the rule error `err-cycle-exists`.
pub async fn create_wheel(
    db: &Db,
    (actor, author): (&Actor, &Author),
    cycle: Cycle,
    first_year: i32,
) -> Result<i64, ServiceError> {
    manage(actor)?;
    let template = db.cycle_template(actor.municipality_id, cycle).await?;
    let rows: Vec<_> = template.rows.into_iter().map(|r| r.row).collect();
    let activities: Vec<ActivityInput> = instantiate(&rows, cycle, first_year)
        .into_iter()
        .map(|activity| ActivityInput { activity, unit_id: None })
        .collect();
    Ok(db.cycle_wheel_create(author, cycle, first_year, &activities).await?)
}

/// Adds (`id` `None`), saves or removes (`input` `None`) an activity of a wheel, checked by the
/// caller against the wheel's span (`ActivityDraft::parse`). Returns the id and the new version.
pub async fn save_activity(
    db: &Db,
    (actor, author): (&Actor, &Author),
    wheel_id: i64,
    id: Option<i64>,
    expected_version: i64,
    input: Option<&ActivityInput>,
) -> Result<(i64, i64), ServiceError> {
    manage(actor)?;
    Ok(db.cycle_activity_save(author, wheel_id, id, expected_version, input).await?)
}

/// Changes the template of `cycle`. Returns the new version.
pub async fn change_template(
    db: &Db,
    (actor, author): (&Actor, &Author),
    cycle: Cycle,
    expected_version: i64,
    change: &TemplateChange,
) -> Result<i64, ServiceError> {
    manage(actor)?;
    Ok(db.cycle_template_change(author, cycle, expected_version, change).await?)
}

/// A linked deadline ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// Which module deadline.
    pub kind: DeadlineKind,
    /// Its date (the activity's end).
    pub date: NaiveDate,
    /// Days from today.
    pub days: i64,
    /// The activity.
    pub activity: StoredActivity,
}

/// The municipality's linked deadlines from `today` to `days` ahead, soonest first, each kind once
/// (its next date).
pub async fn next_deadlines(
    db: &Db,
    municipality_id: i64,
    today: NaiveDate,
    days: i64,
) -> Result<Vec<Deadline>, ServiceError> {
    let to = today + chrono::Duration::days(days);
    let all = db.cycle_activities_between(municipality_id, today, to).await?;
    let activities: Vec<_> = all.iter().filter(|a| a.activity.ends_on <= to).map(|a| &a.activity).collect();
    let next = rodtrad_domain::annual_cycle::next_deadlines(activities.iter().copied(), today);
    Ok(next
        .into_iter()
        .filter_map(|(kind, date, act)| {
            let stored = all.iter().find(|s| std::ptr::eq(&s.activity, act))?.clone();
            Some(Deadline { kind, date, days: (date - today).num_days(), activity: stored })
        })
        .collect())
}

/// The date a module's deadline of `kind` in `year` falls on: the wheel's linked date when the
/// year's wheel has one, else the module's own (`own`).
pub async fn deadline_date(
    db: &Db,
    municipality_id: i64,
    kind: DeadlineKind,
    year: i32,
    own: Option<NaiveDate>,
) -> Result<Option<NaiveDate>, ServiceError> {
    let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
        return Ok(own);
    };
    let all = db.cycle_activities_between(municipality_id, from, to).await?;
    Ok(linked_or(all.iter().map(|a| &a.activity).filter(|a| a.ends_on.year() == year), kind, year, own))
}

/// Days after a reporting period's end within which a linked *status reporting due* date counts
/// as that period's.
pub const REPORTING_GRACE_DAYS: i64 = 45;

/// The wheel's status reporting deadline of the period `starts_on..=ends_on`: the first linked
/// *status reporting due* date from the period's first day to [`REPORTING_GRACE_DAYS`] after its
/// last (statuses have no due date of their own; the wheel gives it).
pub async fn status_reporting_due(
    db: &Db,
    municipality_id: i64,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> Result<Option<NaiveDate>, ServiceError> {
    let last = ends_on + chrono::Duration::days(REPORTING_GRACE_DAYS);
    let all = db.cycle_activities_between(municipality_id, starts_on, last).await?;
    Ok(all
        .iter()
        .map(|a| &a.activity)
        .filter(|a| a.deadline == Some(DeadlineKind::StatusReportingDue) && a.ends_on >= starts_on && a.ends_on <= last)
        .map(|a| a.ends_on)
        .min())
}

/// The January *årshjul case* for the council as a document: the title, the introduction and the
/// year's activities by month, every text already in the reader's words.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseDocument {
    /// The municipality.
    pub municipality: String,
    /// Title (e.g. «Årshjulet 2027 – sak til kommunestyret»).
    pub title: String,
    /// The introduction.
    pub intro: String,
    /// The column heads: dates, activity, political/administrative, responsible.
    pub heads: [String; 4],
    /// Months with their rows (dates, title, kind, responsible).
    pub months: Vec<CaseMonth>,
    /// «Side» and «av» of the footer.
    pub page: [String; 2],
}

/// A month of the case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseMonth {
    /// The month's name.
    pub name: String,
    /// Its activities: dates, title, kind, responsible.
    pub rows: Vec<[String; 4]>,
}

const CASE_TEMPLATE: &str = r#"#import sys: inputs
#set document(title: inputs.title)
#set page(paper: "a4", margin: (x: 2.2cm, y: 2.2cm), footer: page-footer(inputs.page.at(0), inputs.page.at(1)))
#set text(lang: "nb", size: 10.5pt)
#text(size: 10pt, inputs.municipality)
#v(0.8em)
#text(size: 18pt, weight: "bold", inputs.title)
#v(0.4em)
#par(inputs.intro)
#for m in inputs.months [
  #heading(level: 2, m.name)
  #table(
    columns: (auto, 1fr, auto, auto),
    stroke: 0.4pt + luma(160),
    table.header(..inputs.heads.map(h => text(weight: "bold", h))),
    ..m.rows.flatten().map(c => c),
  )
]
"#;

/// The case as a PDF (typst; CPU work, so async callers run it on a blocking thread).
pub fn case_pdf(doc: &CaseDocument) -> Result<Vec<u8>, String> {
    use rodtrad_export::pdf::{PRELUDE, PdfTemplate};
    use std::sync::OnceLock;
    static TEMPLATE: OnceLock<PdfTemplate> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let source: &'static str = Box::leak(format!("{PRELUDE}\n{CASE_TEMPLATE}").into_boxed_str());
        PdfTemplate::new(source)
    });
    let data = serde_json::to_value(doc).map_err(|e| e.to_string())?;
    template.render(&data).map_err(|e| e.to_string())
}
