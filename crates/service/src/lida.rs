//! Long-term analysis (LIDA) use cases: a projection from an uploaded CSV file (parsed whole
//! before anything is stored), a scenario saved with its assumptions (authorised, checked, one
//! transaction with the version check and the audit row), and the read model: a scenario computed
//! over its projection by `domain::lida::compute`, and two scenarios side by side.

use crate::ServiceError;
use rodtrad_domain::Actor;
use rodtrad_domain::economy::Decimal;
use rodtrad_domain::lida::{Analysis, Projection, ProjectionRowProblem, compute, parse_projection_csv};
use rodtrad_store::lida::{ProjectionInfo, Scenario, ScenarioInput};
use rodtrad_store::{Author, Db};

/// Parses an uploaded projection file and, when every row is valid, stores it: `Ok(Ok(id))`, or
/// `Ok(Err(problems))` with nothing stored. The management staff and system administrators only.
pub async fn create_projection(
    db: &Db,
    (actor, author): (&Actor, &Author),
    name: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Result<i64, Vec<ProjectionRowProblem>>, ServiceError> {
    if !actor.can_edit_lida() {
        return Err(ServiceError::Forbidden);
    }
    let name = rodtrad_domain::lida::scenario_name(name).map_err(ServiceError::Rule)?;
    match parse_projection_csv(bytes) {
        Ok(rows) => Ok(Ok(db.lida_projection_create(author, &name, ("csv", file_name), &rows).await?)),
        Err(problems) => Ok(Err(problems)),
    }
}

/// Creates (`id` `None`) or saves a scenario: the staff only; the store checks the projection and
/// the version. Returns the id and the new version.
pub async fn save_scenario(
    db: &Db,
    (actor, author): (&Actor, &Author),
    id: Option<i64>,
    expected_version: i64,
    input: &ScenarioInput,
) -> Result<(i64, i64), ServiceError> {
    if !actor.can_edit_lida() {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.lida_scenario_save(author, id, expected_version, input).await?)
}

/// A scenario computed over its projection.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The scenario with its assumptions.
    pub scenario: Scenario,
    /// The projection it reads.
    pub projection: ProjectionInfo,
    /// The yearly needs.
    pub analysis: Analysis,
}

/// Loads and computes a scenario of the municipality (`NotFound` for another's).
pub async fn computed(db: &Db, municipality_id: i64, id: i64) -> Result<Computed, ServiceError> {
    let scenario = db.lida_scenario(municipality_id, id).await?;
    let (projection, rows) = db.lida_projection(municipality_id, scenario.info.projection_id).await?;
    let analysis = compute(scenario.info.base_year as i32, &Projection::new(&rows), &scenario.assumptions);
    Ok(Computed { scenario, projection, analysis })
}

/// One year of a comparison: the total needs of each scenario and B − A.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompareYear {
    /// The year.
    pub year: i32,
    /// A's investment and operating needs (`None` when A does not cover the year).
    pub a: Option<(Decimal, Decimal)>,
    /// B's.
    pub b: Option<(Decimal, Decimal)>,
}

impl CompareYear {
    /// B − A of investment, operating and both, treating a year a scenario lacks as zero.
    pub fn difference(&self) -> (Decimal, Decimal, Decimal) {
        let (ai, ao) = self.a.unwrap_or_default();
        let (bi, bo) = self.b.unwrap_or_default();
        (bi - ai, bo - ao, (bi + bo) - (ai + ao))
    }
}

/// Two scenarios year by year over the union of their years.
pub fn compare(a: &Analysis, b: &Analysis) -> Vec<CompareYear> {
    let mut years: Vec<i32> = a.years.iter().chain(b.years.iter()).map(|y| y.year).collect();
    years.sort_unstable();
    years.dedup();
    let find = |an: &Analysis, year: i32| {
        an.years.iter().find(|y| y.year == year && !y.missing).map(|y| (y.investment, y.operating))
    };
    years.into_iter().map(|year| CompareYear { year, a: find(a, year), b: find(b, year) }).collect()
}
