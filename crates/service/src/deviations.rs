//! Deviations and improvement (*avvik og forbedringsforslag*, issue #16 §3) use cases: registering
//! (everyone signed in), reading (the reporter, and for restricted health and HR deviations only
//! the handling line, see `Actor::can_read_deviation`), handling by the line (triage, cause,
//! measures, closing with an effect check; ideas along PDCA and the innovation pipeline), and the
//! trends counted per unit and category, without texts.
//!
//! A deviation the actor may not read is `NotFound`, the same as one that does not exist, so a
//! guessed id tells nothing about a restricted deviation.

use crate::ServiceError;
use chrono::{Datelike, NaiveDate};
use rodtrad_domain::Actor;
use rodtrad_domain::deviations::{CloseState, Kind, NewDeviation};
use rodtrad_store::deviations::{Deviation, DeviationFact, DeviationMeasure};
use rodtrad_store::org::OrgTree;
use rodtrad_store::{Author, Db, StoreError};
use std::collections::BTreeMap;

/// A deviation the actor may read, with its unit's ancestry (`NotFound` otherwise).
pub async fn readable(db: &Db, actor: &Actor, id: i64) -> Result<(Deviation, Vec<i64>), ServiceError> {
    let d = db.deviation(actor.municipality_id, id).await?;
    let tree = db.org_tree(actor.municipality_id).await?;
    let line = tree.ancestry(d.unit_id);
    if !actor.can_read_deviation(&line, d.category, d.reported_by_user_id) {
        return Err(StoreError::NotFound.into());
    }
    Ok((d, line))
}

/// A deviation the actor may handle: `NotFound` if they may not read it, `Forbidden` if they read
/// but do not handle it (the reporter, a colleague).
pub async fn handleable(db: &Db, actor: &Actor, id: i64) -> Result<(Deviation, Vec<i64>), ServiceError> {
    let (d, line) = readable(db, actor, id).await?;
    if !actor.can_handle_deviation(&line, d.category) {
        return Err(ServiceError::Forbidden);
    }
    Ok((d, line))
}

/// The year's deviations the actor may read, newest first.
pub async fn list(db: &Db, actor: &Actor, year: i32) -> Result<Vec<Deviation>, ServiceError> {
    let tree = db.org_tree(actor.municipality_id).await?;
    Ok(db
        .deviations(actor.municipality_id, year)
        .await?
        .into_iter()
        .filter(|d| actor.can_read_deviation(&tree.ancestry(d.unit_id), d.category, d.reported_by_user_id))
        .collect())
}

/// Registers a deviation or idea for a unit of the municipality. Returns its id.
pub async fn register(db: &Db, (actor, author): (&Actor, &Author), new: &NewDeviation) -> Result<i64, ServiceError> {
    if !actor.can_register_deviation() {
        return Err(ServiceError::Forbidden);
    }
    let tree = db.org_tree(actor.municipality_id).await?;
    if tree.get(new.unit_id).is_none() {
        return Err(rodtrad_domain::RuleError::new("err-deviation-unit").on("unit_id").into());
    }
    Ok(db.deviation_create(author, actor.user_id, new).await?)
}

/// What the closing rule needs: kind, status, whether a cause is written and the open measures.
pub fn close_state(d: &Deviation, measures: &[DeviationMeasure]) -> CloseState {
    CloseState {
        kind: d.kind,
        status: d.status,
        has_cause: !d.cause.trim().is_empty(),
        open_measures: measures.iter().filter(|m| m.done_on.is_none()).count(),
    }
}

/// One row of the trends: a unit (with everything under it) and its counts per category and month.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TrendRow {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Depth below the municipality (0 for the municipality).
    pub depth: usize,
    /// Incidents per category code (the unit and everything under it).
    pub by_category: BTreeMap<&'static str, u32>,
    /// Incidents per month 1–12.
    pub by_month: [u32; 12],
    /// Improvement ideas.
    pub ideas: u32,
    /// Still open (registered or in progress), incidents and ideas.
    pub open: u32,
}

/// The trends of a year: each unit with the counts of its subtree, in tree order, for units that
/// have any. Counts only (restricted deviations count too, since no text is shown).
pub fn trends(tree: &OrgTree, facts: &[DeviationFact]) -> Vec<TrendRow> {
    let mut rows: BTreeMap<i64, TrendRow> = BTreeMap::new();
    for f in facts {
        for unit_id in tree.ancestry(f.unit_id) {
            let row = rows.entry(unit_id).or_insert_with(|| TrendRow {
                unit_id,
                name: tree.name(unit_id),
                depth: tree.ancestry(unit_id).len().saturating_sub(1),
                by_category: BTreeMap::new(),
                by_month: [0; 12],
                ideas: 0,
                open: 0,
            });
            match f.kind {
                Kind::Incident => {
                    *row.by_category.entry(f.category.code()).or_default() += 1;
                    row.by_month[f.occurred_on.month0() as usize] += 1;
                }
                Kind::Improvement => row.ideas += 1,
            }
            if matches!(
                f.status,
                rodtrad_domain::deviations::Status::Registered | rodtrad_domain::deviations::Status::InProgress
            ) {
                row.open += 1;
            }
        }
    }
    // Tree order: depth first from the root, siblings in the tree's order.
    let mut out = Vec::new();
    let mut stack: Vec<i64> = tree.children(None).iter().rev().copied().collect();
    while let Some(id) = stack.pop() {
        if let Some(row) = rows.remove(&id) {
            out.push(row);
        }
        stack.extend(tree.children(Some(id)).iter().rev().copied());
    }
    out
}

/// The trends of the municipality's deviations in `year`, for those who may read them.
pub async fn year_trends(db: &Db, actor: &Actor, year: i32) -> Result<Vec<TrendRow>, ServiceError> {
    if !actor.can_read_deviation_trends() {
        return Err(ServiceError::Forbidden);
    }
    let tree = db.org_tree(actor.municipality_id).await?;
    Ok(trends(&tree, &db.deviation_facts(actor.municipality_id, year).await?))
}

/// Whether a measure is late on `today`: not done and past its deadline.
pub fn late(m: &DeviationMeasure, today: NaiveDate) -> bool {
    m.done_on.is_none() && m.deadline < today
}
