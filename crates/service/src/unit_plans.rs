//! The unit plan (*virksomhetsplan*) workflow: delivering, approving and sending back (through
//! [`crate::plans::change_status_noted`], so the page, the API and the plain status form share one
//! rule), the yearly deadline, the analysis, carrying last year's measures over, and the overview of
//! every unit's plan for a year.

use crate::ServiceError;
use crate::plans::{change_status_noted, may_edit_plan};
use chrono::{NaiveDate, Utc};
use rodtrad_domain::access::PlanView;
use rodtrad_domain::org::OrgUnitKind;
use rodtrad_domain::plan::{PlanStatus, PlanType};
use rodtrad_domain::unit_plans::{Analysis, Step, check_carried_deadline, is_overdue};
use rodtrad_domain::{Actor, RuleError};
use rodtrad_store::org::OrgTree;
use rodtrad_store::plans::Plan;
use rodtrad_store::unit_plans::{CarriedMeasure, CarrySummary, UnitPlanEvent};
use rodtrad_store::{Author, Db, StoreError};
use serde::Serialize;

fn unit_plan(plan: &Plan) -> Result<(), ServiceError> {
    if plan.plan_type() != PlanType::UnitPlan {
        return Err(StoreError::NotFound.into());
    }
    Ok(())
}

/// Hands a draft (or a plan under revision) to the superior leader: whoever may edit the plan.
pub async fn deliver(
    db: &Db,
    tree: &OrgTree,
    who: (&Actor, &Author),
    plan: &Plan,
    version: i64,
) -> Result<(), ServiceError> {
    unit_plan(plan)?;
    change_status_noted(db, tree, who, plan, version, PlanStatus::Delivered, None).await
}

/// Approves a delivered plan: its superior leader, never its own unit.
pub async fn approve(
    db: &Db,
    tree: &OrgTree,
    who: (&Actor, &Author),
    plan: &Plan,
    version: i64,
    comment: Option<&str>,
) -> Result<(), ServiceError> {
    unit_plan(plan)?;
    if !may_edit_plan(who.0, tree, plan.owner_unit_id) {
        return Err(ServiceError::Forbidden);
    }
    if plan.status() != PlanStatus::Delivered {
        return Err(StoreError::Rule(RuleError::new("err-unit-plan-not-delivered")).into());
    }
    change_status_noted(db, tree, who, plan, version, PlanStatus::Adopted, comment).await
}

/// Sends a delivered plan back to draft with a required comment: its superior leader.
pub async fn send_back(
    db: &Db,
    tree: &OrgTree,
    who: (&Actor, &Author),
    plan: &Plan,
    version: i64,
    comment: &str,
) -> Result<(), ServiceError> {
    unit_plan(plan)?;
    if !may_edit_plan(who.0, tree, plan.owner_unit_id) {
        return Err(ServiceError::Forbidden);
    }
    if plan.status() != PlanStatus::Delivered {
        return Err(StoreError::Rule(RuleError::new("err-unit-plan-not-delivered")).into());
    }
    change_status_noted(db, tree, who, plan, version, PlanStatus::Draft, Some(comment)).await
}

/// Sets the delivery deadline of `year`'s unit plans: the management staff.
pub async fn set_deadline(
    db: &Db,
    (actor, author): (&Actor, &Author),
    year: i64,
    deadline: NaiveDate,
    version: i64,
) -> Result<(), ServiceError> {
    if !actor.can_manage_unit_plans() {
        return Err(ServiceError::Forbidden);
    }
    db.unit_plan_deadline_set(author, year, deadline, version).await?;
    Ok(())
}

/// Saves the analysis of last year on a unit plan: whoever may edit the plan, while it is editable.
pub async fn save_analysis(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    plan: &Plan,
    version: i64,
    analysis: &Analysis,
) -> Result<(), ServiceError> {
    unit_plan(plan)?;
    if !may_edit_plan(actor, tree, plan.owner_unit_id) {
        return Err(ServiceError::Forbidden);
    }
    db.unit_plan_analysis_save(author, plan.id, version, analysis).await?;
    Ok(())
}

/// Copies last year's unfinished measures into the plan: whoever may edit it, while it is editable.
pub async fn carry_over(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    plan: &Plan,
) -> Result<CarrySummary, ServiceError> {
    unit_plan(plan)?;
    if !may_edit_plan(actor, tree, plan.owner_unit_id) {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.unit_plan_carry_over(author, plan.id).await?)
}

/// Copies the measures the carry-over could not place under the elements the unit chose
/// (`(last year's measure, element of this plan)`): whoever may edit the plan, while it is editable.
pub async fn carry_place(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    plan: &Plan,
    choices: &[(i64, i64)],
) -> Result<Vec<CarriedMeasure>, ServiceError> {
    unit_plan(plan)?;
    if !may_edit_plan(actor, tree, plan.owner_unit_id) {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.unit_plan_carry_place(author, plan.id, choices).await?)
}

/// Sets new deadlines on measures carried into the plan (`(measure, version read, deadline)`), each
/// in the plan's year or later: whoever may edit the plan, while it is editable. All or nothing.
pub async fn carried_deadlines(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    plan: &Plan,
    rows: &[(i64, i64, NaiveDate)],
) -> Result<usize, ServiceError> {
    unit_plan(plan)?;
    if !may_edit_plan(actor, tree, plan.owner_unit_id) {
        return Err(ServiceError::Forbidden);
    }
    for (_, _, date) in rows {
        check_carried_deadline(*date, plan.start_year as i32).map_err(StoreError::Rule)?;
    }
    Ok(db.unit_plan_carried_deadlines(author, plan.id, rows).await?)
}

/// Where a unit plan stands in its workflow, from its status and history.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Workflow {
    /// When it was last delivered, and by whom.
    pub delivered: Option<UnitPlanEvent>,
    /// When it was last approved, and by whom.
    pub approved: Option<UnitPlanEvent>,
    /// The last sending back, while the plan is still a draft after it (with its comment).
    pub sent_back: Option<UnitPlanEvent>,
}

impl Workflow {
    /// From a plan's status and its events, oldest first.
    pub fn of(status: PlanStatus, events: &[UnitPlanEvent]) -> Self {
        let last = |step: Step| events.iter().rev().find(|e| e.step() == step).cloned();
        let sent_back = last(Step::SentBack).filter(|s| {
            status == PlanStatus::Draft && !events.iter().any(|e| e.id > s.id && e.step() == Step::Delivered)
        });
        Self { delivered: last(Step::Delivered), approved: last(Step::Approved), sent_back }
    }
}

/// One unit's line in the year's overview: a unit (or staff unit), or a department nested under
/// the unit above it.
#[derive(Debug, Clone, Serialize)]
pub struct OverviewRow {
    /// The unit or department.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// What kind of unit it is ([`OrgUnitKind::Unit`], `Staff` or `Department`).
    pub kind: OrgUnitKind,
    /// For a department: the unit it belongs to (whose line comes just before its departments').
    pub parent_unit_id: Option<i64>,
    /// For a department: that unit's name.
    pub parent_unit_name: Option<String>,
    /// Its service area (the municipality's child above it).
    pub area_id: Option<i64>,
    /// The service area's name.
    pub area_name: Option<String>,
    /// The unit's plan for the year, if it has one.
    pub plan: Option<Plan>,
    /// The plan's workflow.
    pub workflow: Workflow,
    /// Not delivered after the deadline.
    pub overdue: bool,
    /// For a department: its own measures in the year's unit plans of its unit and of itself
    /// (*avdelingens bidrag*), counted in the plans whose working copy the reader reads; `None`
    /// for a unit, or when the reader reads none of those plans.
    pub contributions: Option<i64>,
}

impl OverviewRow {
    /// A department's line.
    pub fn is_department(&self) -> bool {
        self.kind == OrgUnitKind::Department
    }

    /// Has neither a plan of its own nor, for a department, a measure in its unit's plan that the
    /// reader sees: a department contributes through the unit's plan and needs no plan of its own.
    pub fn missing(&self) -> bool {
        self.plan.is_none() && self.contributions.unwrap_or(0) == 0
    }
}

/// Every unit (and staff unit) in the actor's reading scope with its plan for `year`, each followed
/// by its departments with theirs and their contributions, in tree order, and the year's deadline.
pub async fn overview(
    db: &Db,
    actor: &Actor,
    year: i64,
    today: NaiveDate,
) -> Result<(Vec<OverviewRow>, Option<rodtrad_store::unit_plans::Deadline>), ServiceError> {
    let mid = actor.municipality_id;
    let tree = db.org_tree(mid).await?;
    let deadline = db.unit_plan_deadline(mid, year).await?;
    let due_on = effective_deadline(db, mid, year).await?;
    let plans: Vec<Plan> = db
        .plans(mid)
        .await?
        .into_iter()
        .filter(|p| p.plan_type() == PlanType::UnitPlan && p.start_year == year)
        .collect();
    let events = db.unit_plan_events_all(mid).await?;
    let owners = db.unit_plan_measure_owners(mid, year).await?;
    let plan_of = |unit: i64| plans.iter().filter(|p| p.owner_unit_id == Some(unit)).max_by_key(|p| p.id).cloned();
    let works_on = |p: &Plan| {
        actor.plan_view(p.status(), p.owner_unit_id.map(|u| tree.ancestry(u)).as_deref()) == PlanView::Working
    };
    let mut rows = Vec::new();
    let mut stack: Vec<i64> = tree.children(None).iter().rev().copied().collect();
    while let Some(id) = stack.pop() {
        stack.extend(tree.children(Some(id)).iter().rev().copied());
        let Some(unit) = tree.get(id) else { continue };
        let kind = unit.kind();
        if !unit.is_valid_on(today) || !matches!(kind, OrgUnitKind::Unit | OrgUnitKind::Staff | OrgUnitKind::Department)
        {
            continue;
        }
        let ancestry = tree.ancestry(id);
        if !actor.can_read_unit(&ancestry) {
            continue;
        }
        // [unit, …, area, municipality]: the area is the second from the root.
        let area_id = (ancestry.len() >= 3).then(|| ancestry[ancestry.len() - 2]);
        let plan = plan_of(id);
        let workflow = plan.as_ref().map_or_else(Workflow::default, |p| {
            let mine: Vec<UnitPlanEvent> = events.iter().filter(|e| e.plan_id == p.id).cloned().collect();
            Workflow::of(p.status(), &mine)
        });
        let status = plan.as_ref().map_or(PlanStatus::Draft, Plan::status);
        let parent_unit_id = unit.parent_id.filter(|_| kind == OrgUnitKind::Department);
        let contributions = parent_unit_id.and_then(|parent| {
            let seen: Vec<i64> =
                [plan_of(parent), plan.clone()].into_iter().flatten().filter(|p| works_on(p)).map(|p| p.id).collect();
            (!seen.is_empty()).then(|| {
                owners.iter().filter(|(p, owner, _)| *owner == id && seen.contains(p)).map(|(_, _, n)| n).sum()
            })
        });
        // A unit's plan is due by the deadline; a department's own plan, when it makes one, too.
        let overdue =
            (kind != OrgUnitKind::Department || plan.is_some()) && due_on.is_some_and(|d| is_overdue(status, d, today));
        rows.push(OverviewRow {
            unit_id: id,
            unit_name: unit.name.clone(),
            kind,
            parent_unit_name: parent_unit_id.and_then(|p| tree.get(p)).map(|p| p.name.clone()),
            parent_unit_id,
            area_id,
            area_name: area_id.and_then(|a| tree.get(a)).map(|a| a.name.clone()),
            overdue,
            plan,
            workflow,
            contributions,
        });
    }
    Ok((rows, deadline))
}

/// Today in Norway, for deadlines.
pub fn today() -> NaiveDate {
    rodtrad_domain::norwegian_time::oslo_date(Utc::now())
}

/// The date the unit plans of `year` are due: the annual cycle's linked date (*frist for
/// virksomhetsplaner*) when the year's wheel has one, else the deadline the staff set.
pub async fn effective_deadline(db: &Db, municipality_id: i64, year: i64) -> Result<Option<NaiveDate>, ServiceError> {
    let own = db.unit_plan_deadline(municipality_id, year).await?.map(|d| d.deadline);
    crate::annual_cycle::deadline_date(
        db,
        municipality_id,
        rodtrad_domain::annual_cycle::DeadlineKind::UnitPlansDue,
        year as i32,
        own,
    )
    .await
}
