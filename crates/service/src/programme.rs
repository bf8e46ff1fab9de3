//! Action programme use cases and read model: the programme with every fiscal rule's result per
//! year (through `domain::programme::evaluate`, the one place that computes them) and the progress
//! of the efficiency target; creating a programme and applying a change, both only for those who
//! manage the economy, each in one store transaction with its version check and audit row.

use crate::ServiceError;
use rodtrad_domain::Actor;
use rodtrad_domain::economy::Decimal;
use rodtrad_domain::programme::{FiscalRule, Progress, RuleResult, evaluate, progress};
use rodtrad_store::programme::{Change, Programme};
use rodtrad_store::{Author, Db};

/// A programme as the pages and the API show it.
#[derive(Debug, Clone)]
pub struct View {
    /// The stored programme.
    pub programme: Programme,
    /// Per rule (in the programme's order), the result of each year of the period.
    pub results: Vec<Vec<RuleResult>>,
    /// The efficiency target over the period: the stated total (or, without one, the sum of the
    /// split), against everything realised.
    pub efficiency: Progress,
    /// Per year: target and realised summed over the service areas.
    pub efficiency_years: Vec<(i32, Progress)>,
}

/// The programme of `first_year` in the caller's municipality (everyone signed in reads it), with
/// its computed results; `None` when there is none.
pub async fn view(db: &Db, actor: &Actor, first_year: i32) -> Result<Option<View>, ServiceError> {
    let Some(programme) = db.programme(actor.municipality_id, first_year).await? else { return Ok(None) };
    let years = programme.head.years();
    let rules: Vec<FiscalRule> = programme.rules.iter().map(|r| r.rule.clone()).collect();
    let results = evaluate(&rules, &programme.key_figures, &years);
    let sum = |year: Option<i32>| -> (Decimal, Decimal) {
        programme
            .efficiency
            .iter()
            .filter(|e| year.is_none_or(|y| e.year == y))
            .fold((Decimal::ZERO, Decimal::ZERO), |(t, r), e| (t + e.target, r + e.realised.unwrap_or_default()))
    };
    let (split, realised) = sum(None);
    let efficiency = progress(programme.head.efficiency_target.unwrap_or(split), realised);
    let efficiency_years = years
        .iter()
        .map(|&y| {
            let (t, r) = sum(Some(y));
            (y, progress(t, r))
        })
        .collect();
    Ok(Some(View { programme, results, efficiency, efficiency_years }))
}

/// Starts a programme (the staff and administrators).
pub async fn create(
    db: &Db,
    (actor, author): (&Actor, &Author),
    first_year: i32,
    title: &str,
) -> Result<i64, ServiceError> {
    if !actor.can_manage_programme() {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.programme_create(author, first_year, title).await?)
}

/// Applies one change at `version` (the staff and administrators); the new version.
pub async fn save(
    db: &Db,
    (actor, author): (&Actor, &Author),
    first_year: i32,
    version: i64,
    change: &Change,
) -> Result<i64, ServiceError> {
    if !actor.can_manage_programme() {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.programme_save(author, first_year, version, change).await?)
}
