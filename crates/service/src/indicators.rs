//! Indicators: who may change a definition or enter values, the use cases that do it, the read model
//! of one indicator (definition, targets, values, progress) and of a plan's indicators.
//!
//! Definitions and targets are changed by the plan's editors (its owner unit's leaders and the
//! municipality-wide staff), values also by the indicator's owner. Neither is part of a plan's
//! adopted text, so both may change while the plan is adopted: values arrive every year of an
//! action programme's period.

use crate::ServiceError;
use crate::plans::may_edit_plan;
use rodtrad_domain::Actor;
use rodtrad_domain::indicators::{
    Assessment, Band, Observed, Target, Thresholds, applicable_target, classify, period_time,
};
use rodtrad_store::indicators::{DefinitionInput, IndicatorDefinition, ValueInput, ValueRow};
use rodtrad_store::org::OrgTree;
use rodtrad_store::plans::Plan;
use rodtrad_store::{Author, Db};

pub mod import;

/// Whether `actor` may change the definition and targets of an indicator in `plan`.
pub fn may_define(actor: &Actor, tree: &OrgTree, plan: &Plan) -> bool {
    may_edit_plan(actor, tree, plan.owner_unit_id)
}

/// Whether `actor` may enter values: the plan's editors and the indicator's owner.
pub fn may_enter_values(actor: &Actor, tree: &OrgTree, plan: &Plan, def: Option<&IndicatorDefinition>) -> bool {
    may_define(actor, tree, plan) || actor.person_id.is_some_and(|p| def.and_then(|d| d.owner_person_id) == Some(p))
}

/// Saves a definition with its targets.
pub async fn save_definition(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    plan: &Plan,
    element_id: i64,
    input: &DefinitionInput,
    version: Option<i64>,
) -> Result<(), ServiceError> {
    if !may_define(actor, tree, plan) {
        return Err(ServiceError::Forbidden);
    }
    db.indicator_definition_save(author, element_id, input, version).await?;
    Ok(())
}

/// Enters one value.
pub async fn enter_value(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    plan: &Plan,
    value: &ValueInput,
    version: Option<i64>,
) -> Result<(), ServiceError> {
    let def = db.indicator_definition(author.municipality_id, value.element_id).await?;
    if !may_enter_values(actor, tree, plan, def.as_ref()) {
        return Err(ServiceError::Forbidden);
    }
    db.indicator_value_save(author, value, version).await?;
    Ok(())
}

/// One indicator as its page and the API show it.
#[derive(Debug, Clone)]
pub struct IndicatorView {
    /// The definition, if one was made.
    pub definition: Option<IndicatorDefinition>,
    /// Targets by year.
    pub targets: Vec<Target>,
    /// Actual values by period.
    pub values: Vec<ValueRow>,
    /// Progress against the applicable target.
    pub assessment: Assessment,
    /// The target the assessment used.
    pub target: Option<Target>,
    /// Band of the latest value against its own year's target (or the applicable one).
    pub band: Option<Band>,
}

/// The observations of a value list: periods with a time and a figure.
pub fn observations(values: &[ValueRow]) -> Vec<Observed> {
    values.iter().filter_map(|v| Some(Observed { time: period_time(&v.period)?, value: v.value? })).collect()
}

/// Assesses an indicator from what is stored.
pub fn assess(
    definition: Option<&IndicatorDefinition>,
    targets: &[Target],
    values: &[ValueRow],
    thresholds: &Thresholds,
) -> (Assessment, Option<Target>, Option<Band>) {
    let observed = observations(values);
    let latest = observed.iter().copied().max_by(|a, b| a.time.total_cmp(&b.time));
    let latest_year = latest.map(|o| o.time.ceil() as i32);
    let target = applicable_target(targets, latest_year);
    let direction = definition.map(|d| d.direction()).unwrap_or(rodtrad_domain::indicators::Direction::Higher);
    let assessment = classify(definition.and_then(|d| d.baseline()), target, direction, &observed, thresholds);
    let band = latest.and_then(|l| {
        let own_year = targets.iter().find(|t| Some(t.year) == latest_year).copied().or(target)?;
        Some(own_year.band(direction, l.value))
    });
    (assessment, target, band)
}

/// Reads one indicator.
pub async fn view(db: &Db, mid: i64, element_id: i64, thresholds: &Thresholds) -> Result<IndicatorView, ServiceError> {
    let definition = db.indicator_definition(mid, element_id).await?;
    let targets = db.indicator_targets(mid, element_id).await?;
    let values = db.indicator_value_rows(mid, element_id).await?;
    let (assessment, target, band) = assess(definition.as_ref(), &targets, &values, thresholds);
    Ok(IndicatorView { definition, targets, values, assessment, target, band })
}
