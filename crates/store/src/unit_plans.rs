//! The unit plan (*virksomhetsplan*) workflow: the history of its steps (written by
//! [`Db::plan_transition_noted`] in the status change's transaction), the yearly delivery deadline,
//! the analysis of last year, and carrying last year's unfinished measures over.

use crate::plans::{Element, Plan, elements_in, lock_editable_plan};
use crate::{Author, Db, Result, StoreError, Tx, audit_in_tx, bump_plan_generation, now, on_db, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanType};
use rodtrad_domain::unit_plans::{
    Analysis, CarryPlan, GoalKey, LastYearMeasure, Step, Target, carry_over, place_carried,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// One step in a unit plan's history.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct UnitPlanEvent {
    /// Id.
    pub id: i64,
    /// The plan.
    pub plan_id: i64,
    /// What happened ([`Step`] code).
    pub action: String,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// The comment (required when sent back).
    pub comment: Option<String>,
    /// Who, by name at the time.
    pub actor_name: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl UnitPlanEvent {
    /// The step.
    pub fn step(&self) -> Step {
        Step::parse(&self.action).unwrap_or(Step::Other)
    }
}

/// The yearly deadline.
#[derive(Debug, Clone, Copy, sqlx::FromRow, Serialize, PartialEq)]
pub struct Deadline {
    /// Year of the plans.
    pub year: i64,
    /// Deliver by this day.
    pub deadline: NaiveDate,
    /// Optimistic-locking version.
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct AnalysisRow {
    economy_amount: Option<String>,
    economy_text: String,
    sick_leave_percent: Option<String>,
    sick_leave_text: String,
    user_survey_score: Option<String>,
    user_survey_text: String,
    employee_survey_score: Option<String>,
    employee_survey_text: String,
    internal_audit_findings: Option<i64>,
    internal_audit_text: String,
    external_audit_findings: Option<i64>,
    external_audit_text: String,
    risk_summary: String,
    version: i64,
    updated_at: DateTime<Utc>,
}

/// A stored analysis with its version (0 when none is stored yet).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StoredAnalysis {
    /// The analysis.
    pub analysis: Analysis,
    /// Optimistic-locking version; 0 before the first save.
    pub version: i64,
    /// Last saved.
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<AnalysisRow> for StoredAnalysis {
    fn from(r: AnalysisRow) -> Self {
        let dec = |s: Option<String>| s.and_then(|s| s.parse().ok());
        Self {
            analysis: Analysis {
                economy_amount: dec(r.economy_amount),
                economy_text: r.economy_text,
                sick_leave_percent: dec(r.sick_leave_percent),
                sick_leave_text: r.sick_leave_text,
                user_survey_score: dec(r.user_survey_score),
                user_survey_text: r.user_survey_text,
                employee_survey_score: dec(r.employee_survey_score),
                employee_survey_text: r.employee_survey_text,
                internal_audit_findings: r.internal_audit_findings,
                internal_audit_text: r.internal_audit_text,
                external_audit_findings: r.external_audit_findings,
                external_audit_text: r.external_audit_text,
                risk_summary: r.risk_summary,
            },
            version: r.version,
            updated_at: Some(r.updated_at),
        }
    }
}

/// One measure copied by the carry-over.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CarriedMeasure {
    /// The new measure's id.
    pub id: i64,
    /// Its text.
    pub text: String,
    /// Its deadline in the new plan.
    pub deadline: Option<NaiveDate>,
    /// The old deadline had passed and was set to 31 December of the new year.
    pub deadline_moved: bool,
    /// The text of the goal or assignment it was placed under.
    pub parent_text: String,
}

/// One of last year's unfinished measures that is not carried over yet.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PendingMeasure {
    /// Last year's measure.
    pub id: i64,
    /// Its text.
    pub text: String,
    /// Its deadline last year.
    pub deadline: Option<NaiveDate>,
    /// The goal or assignment it sat under last year.
    pub parent_text: String,
}

/// A goal, strategy or assignment of this year's plan that a measure may be placed under.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlaceChoice {
    /// The element.
    pub id: i64,
    /// Its kind.
    #[serde(serialize_with = "crate::as_code")]
    pub kind: ElementKind,
    /// Its text.
    pub text: String,
}

/// A measure in this year's plan that was carried over, as the deadline form shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CarriedRow {
    /// The measure in this year's plan.
    pub id: i64,
    /// Its text.
    pub text: String,
    /// Its deadline.
    pub deadline: Option<NaiveDate>,
    /// Its version, for the deadline form.
    pub version: i64,
}

/// What one carry-over did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CarrySummary {
    /// Last year's plan.
    pub from_plan_id: i64,
    /// Measures copied now.
    pub copied: Vec<CarriedMeasure>,
    /// Unfinished measures for which this year's plan has no matching goal: the unit places them.
    pub unplaced: Vec<PendingMeasure>,
    /// Unfinished measures copied by an earlier run.
    pub already: usize,
    /// Finished measures (not copied).
    pub finished: usize,
}

/// Where the carry-over of a plan stands: what was carried into it, what is left, and where a
/// measure may go.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CarryState {
    /// Last year's plan, if the unit has one.
    pub last_year: Option<Plan>,
    /// The measures carried into the plan.
    pub carried: Vec<CarriedRow>,
    /// Last year's unfinished measures not carried yet.
    pub pending: Vec<PendingMeasure>,
    /// The goals, strategies and assignments of the plan a measure may be placed under, in the
    /// plan's order.
    pub places: Vec<PlaceChoice>,
}

/// What the carry-over reads of both plans, inside its transaction.
struct CarryInputs {
    old: Vec<Element>,
    new: Vec<Element>,
    measures: Vec<LastYearMeasure>,
    targets: Vec<Target>,
    already: HashSet<i64>,
}

impl CarryInputs {
    fn pending(&self, id: i64) -> Option<PendingMeasure> {
        let e = self.old.iter().find(|e| e.id == id)?;
        let parent = e.parent_id.and_then(|p| self.old.iter().find(|o| o.id == p));
        Some(PendingMeasure {
            id,
            text: e.text.clone(),
            deadline: e.deadline,
            parent_text: parent.map(|p| p.text.clone()).unwrap_or_default(),
        })
    }
}

/// Reads last year's measures with their goal paths and statuses, this year's places for a
/// measure, and what was carried before.
async fn carry_inputs(t: &mut Tx, mid: i64, plan_id: i64, last_id: i64) -> Result<CarryInputs> {
    let old = elements_in(t, mid, last_id).await?;
    let new = elements_in(t, mid, plan_id).await?;
    let reported: HashMap<i64, String> = on_tx!(t, tx => {
        sqlx::query_as::<_, (i64, String)>(
            "SELECT s.element_id, s.status FROM item_status s JOIN goal_elements e ON e.id = s.element_id
             WHERE e.plan_id = $1 AND s.municipality_id = $2")
            .bind(last_id).bind(mid).fetch_all(&mut *tx).await?
    })
    .into_iter()
    .collect();
    let already: HashSet<i64> = on_tx!(t, tx => {
        sqlx::query_scalar::<_, i64>(
            "SELECT carried_from_id FROM goal_elements WHERE plan_id = $1 AND carried_from_id IS NOT NULL")
            .bind(plan_id).fetch_all(&mut *tx).await?
    })
    .into_iter()
    .collect();
    let by_id: HashMap<i64, &Element> = old.iter().map(|e| (e.id, e)).collect();
    let key = |e: &Element| GoalKey { origin: e.source_element_id, kind: e.kind(), text: e.text.clone() };
    let measures: Vec<LastYearMeasure> = old
        .iter()
        .filter(|e| e.kind() == ElementKind::Measure && !e.inherited())
        .map(|e| {
            let mut path = Vec::new();
            let mut at = e.parent_id.and_then(|p| by_id.get(&p));
            // The tree has no cycles (moves are checked); the bound only guards against a bad row.
            while let Some(p) = at.filter(|_| path.len() < 32) {
                path.push(key(p));
                at = p.parent_id.and_then(|q| by_id.get(&q));
            }
            LastYearMeasure {
                id: e.id,
                path,
                deadline: e.deadline,
                finished: matches!(e.status, ElementStatus::Done | ElementStatus::Cancelled)
                    || reported.get(&e.id).is_some_and(|s| s == "completed" || s == "cancelled"),
            }
        })
        .collect();
    let targets = new
        .iter()
        .filter(|e| ElementKind::Measure.may_sit_under(Some(e.kind())))
        .map(|e| Target { id: e.id, key: key(e) })
        .collect();
    Ok(CarryInputs { old, new, measures, targets, already })
}

impl Db {
    /// The history of a unit plan, oldest first.
    pub async fn unit_plan_events(&self, municipality_id: i64, plan_id: i64) -> Result<Vec<UnitPlanEvent>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, UnitPlanEvent>(
                "SELECT id, plan_id, action, from_status, to_status, comment, actor_name, created_at
                 FROM unit_plan_events WHERE municipality_id = $1 AND plan_id = $2 ORDER BY id")
                .bind(municipality_id).bind(plan_id).fetch_all(pool).await?
        }))
    }

    /// The history of every unit plan of a municipality, oldest first.
    pub async fn unit_plan_events_all(&self, municipality_id: i64) -> Result<Vec<UnitPlanEvent>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, UnitPlanEvent>(
                "SELECT id, plan_id, action, from_status, to_status, comment, actor_name, created_at
                 FROM unit_plan_events WHERE municipality_id = $1 ORDER BY id")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// The delivery deadline of `year`'s unit plans, if the management staff set one.
    pub async fn unit_plan_deadline(&self, municipality_id: i64, year: i64) -> Result<Option<Deadline>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Deadline>(
                "SELECT year, deadline, version FROM unit_plan_deadlines WHERE municipality_id = $1 AND year = $2")
                .bind(municipality_id).bind(year).fetch_optional(pool).await?
        }))
    }

    /// Sets the deadline of `year`'s unit plans. `expected_version` is the version the form showed
    /// (0: none set then); a stale one is a conflict.
    pub async fn unit_plan_deadline_set(
        &self,
        author: &Author,
        year: i64,
        deadline: NaiveDate,
        expected_version: i64,
    ) -> Result<()> {
        let mid = author.municipality_id;
        let mut t = self.begin().await?;
        let before: Option<Deadline> = on_tx!(&mut t, tx => {
            sqlx::query_as::<_, Deadline>(
                "SELECT year, deadline, version FROM unit_plan_deadlines WHERE municipality_id = $1 AND year = $2")
                .bind(mid).bind(year).fetch_optional(&mut *tx).await?
        });
        if before.map_or(0, |b| b.version) != expected_version {
            return Err(StoreError::Conflict);
        }
        if before.is_some_and(|b| b.deadline == deadline) {
            return t.commit().await;
        }
        let ts = now();
        on_tx!(&mut t, tx => {
            // The version in the WHERE clause and the primary key make a concurrent first save
            // or change fail instead of overwriting.
            let n = if before.is_some() {
                sqlx::query("UPDATE unit_plan_deadlines SET deadline = $1, version = version + 1, updated_at = $2
                             WHERE municipality_id = $3 AND year = $4 AND version = $5")
                    .bind(deadline).bind(ts).bind(mid).bind(year).bind(expected_version)
                    .execute(&mut *tx).await?.rows_affected()
            } else {
                sqlx::query("INSERT INTO unit_plan_deadlines (municipality_id, year, deadline, updated_at) VALUES ($1, $2, $3, $4)")
                    .bind(mid).bind(year).bind(deadline).bind(ts).execute(&mut *tx).await?.rows_affected()
            };
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "unit_plan_deadline", year, "update",
                before.map(|b| serde_json::json!({"deadline": b.deadline})),
                Some(serde_json::json!({"deadline": deadline})));
        });
        t.commit().await?;
        Ok(())
    }

    /// The analysis on a unit plan (empty, version 0, when none is saved).
    pub async fn unit_plan_analysis(&self, municipality_id: i64, plan_id: i64) -> Result<StoredAnalysis> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, AnalysisRow>(SELECT_ANALYSIS)
                .bind(municipality_id).bind(plan_id).fetch_optional(pool).await?
        });
        Ok(row.map(StoredAnalysis::from).unwrap_or_default())
    }

    /// Saves the analysis of an editable unit plan (a delivered or approved plan is read-only);
    /// `expected_version` is the version the form showed (0: none saved then).
    pub async fn unit_plan_analysis_save(
        &self,
        author: &Author,
        plan_id: i64,
        expected_version: i64,
        a: &Analysis,
    ) -> Result<()> {
        let mid = author.municipality_id;
        let mut t = self.locked_unit_plan(mid, plan_id).await?;
        let before = on_tx!(&mut t, tx => {
            sqlx::query_as::<_, AnalysisRow>(SELECT_ANALYSIS)
                .bind(mid).bind(plan_id).fetch_optional(&mut *tx).await?
        })
        .map(StoredAnalysis::from);
        if before.as_ref().map_or(0, |b| b.version) != expected_version {
            return Err(StoreError::Conflict);
        }
        if before.as_ref().is_some_and(|b| &b.analysis == a) {
            return t.commit().await;
        }
        let dec = |d: Option<rust_decimal::Decimal>| d.map(|d| d.to_string());
        let ts = now();
        on_tx!(&mut t, tx => {
            let q = if before.is_some() {
                sqlx::query(
                    "UPDATE unit_plan_analyses SET economy_amount = $3, economy_text = $4, sick_leave_percent = $5,
                        sick_leave_text = $6, user_survey_score = $7, user_survey_text = $8, employee_survey_score = $9,
                        employee_survey_text = $10, internal_audit_findings = $11, internal_audit_text = $12,
                        external_audit_findings = $13, external_audit_text = $14, risk_summary = $15,
                        version = version + 1, updated_at = $16
                     WHERE municipality_id = $1 AND plan_id = $2 AND version = $17")
            } else {
                sqlx::query(
                    "INSERT INTO unit_plan_analyses (municipality_id, plan_id, economy_amount, economy_text, sick_leave_percent,
                        sick_leave_text, user_survey_score, user_survey_text, employee_survey_score, employee_survey_text,
                        internal_audit_findings, internal_audit_text, external_audit_findings, external_audit_text,
                        risk_summary, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
            };
            let mut q = q.bind(mid).bind(plan_id).bind(dec(a.economy_amount)).bind(&a.economy_text)
                .bind(dec(a.sick_leave_percent)).bind(&a.sick_leave_text).bind(dec(a.user_survey_score))
                .bind(&a.user_survey_text).bind(dec(a.employee_survey_score)).bind(&a.employee_survey_text)
                .bind(a.internal_audit_findings).bind(&a.internal_audit_text).bind(a.external_audit_findings)
                .bind(&a.external_audit_text).bind(&a.risk_summary).bind(ts);
            if before.is_some() {
                q = q.bind(expected_version);
            }
            if q.execute(&mut *tx).await?.rows_affected() == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "unit_plan_analysis", plan_id, "update",
                before.as_ref().and_then(|b| crate::audit::snapshot(&b.analysis)), crate::audit::snapshot(a));
        });
        t.commit().await?;
        Ok(())
    }

    /// How many of its own live measures (not inherited) each unit is responsible for in each unit
    /// plan of `year`: `(plan, owner unit, count)`. The overview counts the departments'
    /// contributions with it.
    pub async fn unit_plan_measure_owners(&self, municipality_id: i64, year: i64) -> Result<Vec<(i64, i64, i64)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, (i64, i64, i64)>(
                "SELECT e.plan_id, e.owner_unit_id, COUNT(*) FROM goal_elements e JOIN plans p ON p.id = e.plan_id
                 WHERE e.municipality_id = $1 AND p.plan_type = 'unit_plan' AND p.start_year = $2
                   AND e.kind = 'measure' AND e.source_element_id IS NULL AND e.removed_at IS NULL
                   AND e.owner_unit_id IS NOT NULL
                 GROUP BY e.plan_id, e.owner_unit_id ORDER BY e.plan_id, e.owner_unit_id")
                .bind(municipality_id).bind(year).fetch_all(pool).await?
        }))
    }

    /// Last year's unit plan of the unit owning `plan`: the same owner, the year before (the
    /// newest such plan).
    pub async fn unit_plan_last_year(&self, plan: &Plan) -> Result<Option<Plan>> {
        let plans = self.plans(plan.municipality_id).await?;
        Ok(plans
            .into_iter()
            .filter(|p| {
                p.plan_type() == PlanType::UnitPlan
                    && p.owner_unit_id == plan.owner_unit_id
                    && p.start_year == plan.start_year - 1
                    && p.id != plan.id
            })
            .max_by_key(|p| p.id))
    }

    /// Copies last year's unfinished measures (neither *fullført* nor *avbrutt*, by their own status
    /// or their reported one) into `plan_id`, each under the element of this year's plan that
    /// matches its goal ([`rodtrad_domain::unit_plans::matching_target`]), with its responsible
    /// person, owner, SDG links and deadline (a passed one set to 31 December of the new year).
    /// Measures copied before are not copied again. One transaction, under the plan's lock, with
    /// an audit row per copy.
    pub async fn unit_plan_carry_over(&self, author: &Author, plan_id: i64) -> Result<CarrySummary> {
        let mid = author.municipality_id;
        let (plan, last) = self.carry_plans(mid, plan_id).await?;
        let last = last.ok_or_else(|| RuleError::new("err-carry-no-last-year"))?;
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, mid, plan_id).await?;
        let inputs = carry_inputs(&mut t, mid, plan_id, last.id).await?;
        let todo = carry_over(&inputs.measures, &inputs.targets, &inputs.already, plan.start_year as i32);
        let summary = CarrySummary {
            from_plan_id: last.id,
            already: inputs.measures.iter().filter(|m| !m.finished && inputs.already.contains(&m.id)).count(),
            finished: inputs.measures.iter().filter(|m| m.finished).count(),
            unplaced: todo.unplaced.iter().filter_map(|id| inputs.pending(*id)).collect(),
            copied: copy_measures(&mut t, author, plan_id, &inputs, &todo.copy).await?,
        };
        t.commit().await?;
        Ok(summary)
    }

    /// Copies measures the carry-over could not place under the elements the unit chose:
    /// `(last year's measure, element of this plan)`, checked by
    /// [`rodtrad_domain::unit_plans::place_carried`] against the rows read under the plan's lock.
    /// A measure copied before is skipped; any bad pair writes nothing. Returns the copies.
    pub async fn unit_plan_carry_place(
        &self,
        author: &Author,
        plan_id: i64,
        choices: &[(i64, i64)],
    ) -> Result<Vec<CarriedMeasure>> {
        let mid = author.municipality_id;
        let (plan, last) = self.carry_plans(mid, plan_id).await?;
        let last = last.ok_or_else(|| RuleError::new("err-carry-no-last-year"))?;
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, mid, plan_id).await?;
        let inputs = carry_inputs(&mut t, mid, plan_id, last.id).await?;
        let todo = place_carried(choices, &inputs.measures, &inputs.targets, &inputs.already, plan.start_year as i32)?;
        let copied = copy_measures(&mut t, author, plan_id, &inputs, &todo).await?;
        t.commit().await?;
        Ok(copied)
    }

    /// Where the carry-over of `plan_id` stands (read only): the measures carried into it, last
    /// year's unfinished measures not carried yet, and the places a measure may go.
    pub async fn unit_plan_carry_state(&self, municipality_id: i64, plan_id: i64) -> Result<CarryState> {
        let (_, last) = self.carry_plans(municipality_id, plan_id).await?;
        let Some(last) = last else { return Ok(CarryState::default()) };
        let mut t = self.begin().await?;
        let carried: HashSet<i64> = on_tx!(&mut t, tx => {
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM goal_elements
                 WHERE municipality_id = $1 AND plan_id = $2 AND carried_from_id IS NOT NULL AND removed_at IS NULL")
                .bind(municipality_id).bind(plan_id).fetch_all(&mut *tx).await?
        })
        .into_iter()
        .collect();
        let inputs = carry_inputs(&mut t, municipality_id, plan_id, last.id).await?;
        t.commit().await?;
        let carried = inputs
            .new
            .iter()
            .filter(|e| carried.contains(&e.id))
            .map(|e| CarriedRow { id: e.id, text: e.text.clone(), deadline: e.deadline, version: e.version })
            .collect();
        let pending = inputs
            .measures
            .iter()
            .filter(|m| !m.finished && !inputs.already.contains(&m.id))
            .filter_map(|m| inputs.pending(m.id))
            .collect();
        let places = inputs
            .targets
            .iter()
            .map(|t| PlaceChoice { id: t.id, kind: t.key.kind, text: t.key.text.clone() })
            .collect();
        Ok(CarryState { last_year: Some(last), carried, pending, places })
    }

    /// Sets new deadlines on measures carried into `plan_id`: `(measure, version read, deadline)`.
    /// Each must be a live measure of the plan that was carried over, at the version read (else a
    /// conflict); one transaction under the plan's lock with an audit row per change, so one bad
    /// row writes nothing. Returns how many changed.
    pub async fn unit_plan_carried_deadlines(
        &self,
        author: &Author,
        plan_id: i64,
        rows: &[(i64, i64, NaiveDate)],
    ) -> Result<usize> {
        let mid = author.municipality_id;
        let mut t = self.locked_unit_plan(mid, plan_id).await?;
        let ts = now();
        let mut changed = 0;
        for &(id, version, deadline) in rows {
            let before: Option<(Option<NaiveDate>, i64)> = on_tx!(&mut t, tx => {
                sqlx::query_as::<_, (Option<NaiveDate>, i64)>(
                    "SELECT deadline, version FROM goal_elements
                     WHERE municipality_id = $1 AND plan_id = $2 AND id = $3 AND kind = 'measure'
                       AND carried_from_id IS NOT NULL AND removed_at IS NULL")
                    .bind(mid).bind(plan_id).bind(id).fetch_optional(&mut *tx).await?
            });
            let Some((old, current)) = before else {
                return Err(RuleError::new("err-carry-deadline-measure").into());
            };
            if current != version {
                return Err(StoreError::Conflict);
            }
            if old == Some(deadline) {
                continue;
            }
            on_tx!(&mut t, tx => {
                let n = sqlx::query(
                    "UPDATE goal_elements SET deadline = $1, version = version + 1, updated_at = $2
                     WHERE id = $3 AND municipality_id = $4 AND version = $5 AND removed_at IS NULL")
                    .bind(deadline).bind(ts).bind(id).bind(mid).bind(version)
                    .execute(&mut *tx).await?.rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict);
                }
                audit_in_tx!(tx, author, "goal_element", id, "update",
                    Some(serde_json::json!({"deadline": old})), Some(serde_json::json!({"deadline": deadline})));
            });
            changed += 1;
        }
        if changed > 0 {
            on_tx!(&mut t, tx => { bump_plan_generation!(tx, mid); });
        }
        t.commit().await?;
        Ok(changed)
    }

    /// A transaction holding the lock of an editable unit plan (not found for another plan type).
    async fn locked_unit_plan(&self, mid: i64, plan_id: i64) -> Result<Tx> {
        if self.plan(mid, plan_id).await?.plan_type() != PlanType::UnitPlan {
            return Err(StoreError::NotFound);
        }
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, mid, plan_id).await?;
        Ok(t)
    }

    /// A unit plan and last year's plan of its unit.
    async fn carry_plans(&self, mid: i64, plan_id: i64) -> Result<(Plan, Option<Plan>)> {
        let plan = self.plan(mid, plan_id).await?;
        if plan.plan_type() != PlanType::UnitPlan {
            return Err(StoreError::NotFound);
        }
        let last = self.unit_plan_last_year(&plan).await?;
        Ok((plan, last))
    }
}

/// Copies last year's measures into `plan_id` as `todo` says, inside the caller's transaction, with
/// an audit row per copy.
async fn copy_measures(
    t: &mut Tx,
    author: &Author,
    plan_id: i64,
    inputs: &CarryInputs,
    todo: &[CarryPlan],
) -> Result<Vec<CarriedMeasure>> {
    let mid = author.municipality_id;
    let ts = now();
    let mut copied = Vec::new();
    for c in todo {
        let Some(from) = inputs.old.iter().find(|e| e.id == c.from) else { continue };
        let id = on_tx!(t, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO goal_elements (municipality_id, plan_id, parent_id, kind, position, text, owner_unit_id,
                                            responsible_person_id, deadline, status, carried_from_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $4,
                         (SELECT COALESCE(MAX(position), 0) + 1 FROM goal_elements WHERE plan_id = $2),
                         $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id")
                .bind(mid).bind(plan_id).bind(c.parent).bind(ElementKind::Measure.code()).bind(&from.text)
                .bind(from.owner_unit_id).bind(from.responsible_person_id).bind(c.deadline)
                .bind(from.status.code()).bind(c.from).bind(ts)
                .fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO element_sdg_targets (element_id, target, adapted)
                         SELECT $1, target, adapted FROM element_sdg_targets WHERE element_id = $2")
                .bind(id).bind(c.from).execute(&mut *tx).await?;
            let after = serde_json::json!({"plan_id": plan_id, "parent_id": c.parent, "kind": "measure",
                "text": from.text, "deadline": c.deadline, "carried_from_id": c.from,
                "responsible_person_id": from.responsible_person_id, "status": from.status.code()});
            audit_in_tx!(tx, author, "goal_element", id, "carry_over", None, Some(after));
            id
        });
        copied.push(CarriedMeasure {
            id,
            text: from.text.clone(),
            deadline: c.deadline,
            deadline_moved: c.deadline_moved,
            parent_text: inputs.new.iter().find(|e| e.id == c.parent).map(|e| e.text.clone()).unwrap_or_default(),
        });
    }
    if !copied.is_empty() {
        on_tx!(t, tx => { bump_plan_generation!(tx, mid); });
    }
    Ok(copied)
}

const SELECT_ANALYSIS: &str = "SELECT economy_amount, economy_text, sick_leave_percent, sick_leave_text,
    user_survey_score, user_survey_text, employee_survey_score, employee_survey_text, internal_audit_findings,
    internal_audit_text, external_audit_findings, external_audit_text, risk_summary, version, updated_at
    FROM unit_plan_analyses WHERE municipality_id = $1 AND plan_id = $2";
