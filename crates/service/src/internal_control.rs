//! Internal control (*internkontroll*, issue #16 §2) use cases: the control activities the actor
//! reads with each one's standing in a year (missed and failed periods flagged), setting up and
//! changing an activity (whoever edits its unit), recording an execution with its evidence (the
//! owner and whoever edits the unit), and the unit managers' yearly reports upward, with the
//! facts they report on: the subtree's flagged controls and significant risks.
//!
//! An activity the actor may not read is `NotFound`, the same as one that does not exist.

use crate::ServiceError;
use chrono::NaiveDate;
use rodtrad_domain::internal_control::{Evidence, NewActivity, NewExecution, NewReport, Period, Standing};
use rodtrad_domain::{Actor, RuleError};
use rodtrad_store::internal_control::{ControlActivity, ControlExecution, ControlReport};
use rodtrad_store::org::OrgTree;
use rodtrad_store::{Author, Db, StoreError};

/// An activity the actor may read, with its unit's ancestry (`NotFound` otherwise).
pub async fn readable(db: &Db, actor: &Actor, id: i64) -> Result<(ControlActivity, Vec<i64>), ServiceError> {
    let a = db.control_activity(actor.municipality_id, id).await?;
    let line = db.org_tree(actor.municipality_id).await?.ancestry(a.unit_id);
    if !actor.can_read_control(&line) {
        return Err(StoreError::NotFound.into());
    }
    Ok((a, line))
}

/// An activity with its standing in a year.
#[derive(Debug, Clone)]
pub struct Row {
    /// The activity.
    pub activity: ControlActivity,
    /// Its periods of the year counted up to today.
    pub standing: Standing,
    /// Its latest execution of the year.
    pub latest: Option<ControlExecution>,
}

impl Row {
    /// `activity` with its standing in `year` and its latest execution of the year, from the
    /// executions of that year (any activity's).
    pub fn of(activity: ControlActivity, year: i32, executions: &[ControlExecution], today: NaiveDate) -> Row {
        let standing = standing(&activity, year, executions, today);
        let latest = executions.iter().filter(|e| e.activity_id == activity.id).max_by_key(|e| e.period_index).cloned();
        Row { activity, standing, latest }
    }
}

/// The standing of `a` in `year` from its executions of that year.
pub fn standing(a: &ControlActivity, year: i32, executions: &[ControlExecution], today: NaiveDate) -> Standing {
    let done: Vec<(Period, rodtrad_domain::internal_control::Outcome)> =
        executions.iter().filter(|e| e.activity_id == a.id).map(|e| (e.period(a.frequency), e.outcome)).collect();
    Standing::of(a.frequency, a.starts_on, year, &done, today)
}

/// The activities the actor reads, each with its standing in `year`, by unit and title.
pub async fn list(db: &Db, actor: &Actor, year: i32, today: NaiveDate) -> Result<Vec<Row>, ServiceError> {
    let mid = actor.municipality_id;
    let tree = db.org_tree(mid).await?;
    let executions = db.control_executions(mid, year, None).await?;
    Ok(db
        .control_activities(mid)
        .await?
        .into_iter()
        .filter(|a| actor.can_read_control(&tree.ancestry(a.unit_id)))
        .map(|a| Row::of(a, year, &executions, today))
        .collect())
}

/// Checks the unit and the owner an activity names: the unit the actor edits (`Forbidden`), the
/// unit and the owner of the municipality (a rule on the field otherwise).
async fn check_names(db: &Db, actor: &Actor, tree: &OrgTree, new: &NewActivity) -> Result<(), ServiceError> {
    if tree.get(new.unit_id).is_none() {
        return Err(RuleError::new("err-control-unit").on("unit_id").into());
    }
    if !actor.can_edit_control(&tree.ancestry(new.unit_id)) {
        return Err(ServiceError::Forbidden);
    }
    match db.person(actor.municipality_id, new.owner_person_id).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound) => Err(RuleError::new("err-control-owner").on("owner_person_id").into()),
        Err(e) => Err(e.into()),
    }
}

/// Sets up a control activity. Returns its id.
pub async fn create(db: &Db, (actor, author): (&Actor, &Author), new: &NewActivity) -> Result<i64, ServiceError> {
    let tree = db.org_tree(actor.municipality_id).await?;
    check_names(db, actor, &tree, new).await?;
    Ok(db.control_activity_create(author, new).await?)
}

/// Changes an activity read at `expected_version`: the actor edits both its unit and the one it
/// moves to. Returns the new version.
pub async fn update(
    db: &Db,
    (actor, author): (&Actor, &Author),
    id: i64,
    expected_version: i64,
    new: &NewActivity,
) -> Result<i64, ServiceError> {
    let (before, line) = readable(db, actor, id).await?;
    if !actor.can_edit_control(&line) {
        return Err(ServiceError::Forbidden);
    }
    let tree = db.org_tree(actor.municipality_id).await?;
    check_names(db, actor, &tree, new).await?;
    Ok(db.control_activity_update(author, &before, expected_version, new).await?)
}

/// Records an execution of an activity the actor may record, with an evidence file if given.
pub async fn record(
    db: &Db,
    (actor, author): (&Actor, &Author),
    activity: &ControlActivity,
    line: &[i64],
    new: &NewExecution,
    evidence: Option<(&Evidence, &[u8])>,
) -> Result<i64, ServiceError> {
    if !actor.can_record_control(line, activity.owner_person_id) {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.control_execution_add(author, activity, new, evidence).await?)
}

/// What a unit's report upward is about: the flagged controls of its subtree in the year and the
/// significant risks of its subtree's analyses.
#[derive(Debug, Clone, Default)]
pub struct ReportFacts {
    /// Activities of the subtree with a missed period or a failed execution.
    pub flagged: Vec<Row>,
    /// Activities of the subtree in all.
    pub activities: usize,
    /// Significant (high or critical) risks in the subtree's analyses of the year.
    pub significant_risks: Vec<crate::risk::SignificantRisk>,
}

/// A unit's report upward with its facts, for those who read it (`NotFound` otherwise).
pub async fn report(
    db: &Db,
    actor: &Actor,
    unit_id: i64,
    year: i32,
    today: NaiveDate,
) -> Result<(Option<ControlReport>, ReportFacts), ServiceError> {
    let mid = actor.municipality_id;
    let tree = db.org_tree(mid).await?;
    if tree.get(unit_id).is_none() || !actor.can_read_control_report(&tree.ancestry(unit_id)) {
        return Err(StoreError::NotFound.into());
    }
    let subtree: std::collections::HashSet<i64> = tree.subtree(unit_id).into_iter().collect();
    let executions = db.control_executions(mid, year, None).await?;
    let mut facts = ReportFacts::default();
    for a in db.control_activities(mid).await?.into_iter().filter(|a| subtree.contains(&a.unit_id)) {
        facts.activities += 1;
        let row = Row::of(a, year, &executions, today);
        if row.standing.flagged() {
            facts.flagged.push(row);
        }
    }
    facts.significant_risks = match crate::risk::picture(db, actor, year, Some(unit_id), today).await {
        Ok(p) => p.significant,
        Err(ServiceError::Forbidden) => Vec::new(),
        Err(e) => return Err(e),
    };
    Ok((db.control_report(mid, unit_id, year).await?, facts))
}

/// Sends a unit's report upward for a year, by its manager: the first, or a revision of the one
/// read at `expected_version`.
pub async fn send_report(
    db: &Db,
    (actor, author): (&Actor, &Author),
    unit_id: i64,
    year: i32,
    expected_version: Option<i64>,
    new: &NewReport,
) -> Result<i64, ServiceError> {
    if !actor.can_write_control_report(unit_id) {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.control_report_save(author, unit_id, year, expected_version, new).await?)
}

/// One line of the overview of reports upward: a led unit and its report, if sent.
#[derive(Debug, Clone)]
pub struct ReportLine {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Depth below the municipality.
    pub depth: usize,
    /// Its report of the year.
    pub report: Option<ControlReport>,
}

/// The reports of a year for the units whose reports the actor reads: every unit with a manager
/// (authority level 2, who owes the report), and any other unit that has sent one, in tree order.
/// The council report names the same units as not reported.
pub async fn reports(db: &Db, actor: &Actor, year: i32) -> Result<Vec<ReportLine>, ServiceError> {
    if !actor.can_read_control_overview() {
        return Err(ServiceError::Forbidden);
    }
    let mid = actor.municipality_id;
    let tree = db.org_tree(mid).await?;
    let mut sent = db.control_reports(mid, year).await?;
    let mut out = Vec::new();
    let mut stack: Vec<i64> = tree.children(None).iter().rev().copied().collect();
    while let Some(id) = stack.pop() {
        stack.extend(tree.children(Some(id)).iter().rev().copied());
        let line = tree.ancestry(id);
        let owes =
            tree.get(id).is_some_and(|u| u.kind() == rodtrad_domain::OrgUnitKind::Unit && u.leader_person_id.is_some());
        let report = sent.iter().position(|r| r.unit_id == id).map(|i| sent.swap_remove(i));
        if line.len() < 2 || !(owes || report.is_some()) || !actor.can_read_control_report(&line) {
            continue;
        }
        let name = tree.name(id);
        out.push(ReportLine { unit_id: id, name, depth: line.len() - 1, report });
    }
    Ok(out)
}
