//! Long-term analysis (LIDA): population projections stored as rows (year, age group, persons) and
//! scenarios with their assumptions per service (migration 0018). Persons and amounts are exact
//! decimals stored as text. A projection is written whole in one transaction with its audit row; a
//! scenario is saved whole (its assumptions replaced) with a version check and an audit row.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, Utc};
use rodtrad_domain::economy::Decimal;
use rodtrad_domain::lida::{AgeBand, Assumption, ProjectionRow};
use serde::Serialize;
use std::str::FromStr;

/// A projection as listed.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct ProjectionInfo {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Where its figures came from: `csv` (an uploaded file) or `demo`.
    pub source: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A scenario without its assumptions.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct ScenarioInfo {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The year before the 20 years analysed.
    pub base_year: i64,
    /// The projection it reads.
    pub projection_id: i64,
    /// Version.
    pub version: i64,
    /// Who saved it last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

/// A scenario with its assumptions in order.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scenario {
    /// The scenario.
    #[serde(flatten)]
    pub info: ScenarioInfo,
    /// One per service.
    pub assumptions: Vec<Assumption>,
}

/// A scenario to save, checked by the caller.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioInput {
    /// Name.
    pub name: String,
    /// Base year.
    pub base_year: i32,
    /// Projection (of the same municipality).
    pub projection_id: i64,
    /// The services.
    pub assumptions: Vec<Assumption>,
}

type AssumptionRow = (String, i64, i64, String, String, String, String, String);

/// A projection row as read: year, age from, age to, persons.
type StoredRow = (i64, i64, i64, String);

fn dec(text: &str) -> Result<Decimal> {
    Decimal::from_str(text).map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

fn band(from: i64, to: i64) -> Result<AgeBand> {
    u8::try_from(from)
        .ok()
        .zip(u8::try_from(to).ok())
        .and_then(|(f, t)| AgeBand::new(f, t))
        .ok_or_else(|| StoreError::Database(sqlx::Error::Decode("age group out of range".into())))
}

fn assumption(row: AssumptionRow) -> Result<Assumption> {
    let (service, from, to, coverage, capacity, operating, investment, growth) = row;
    Ok(Assumption {
        service,
        band: band(from, to)?,
        coverage: dec(&coverage)?,
        capacity: dec(&capacity)?,
        operating_cost: dec(&operating)?,
        investment_cost: dec(&investment)?,
        growth_percent: dec(&growth)?,
    })
}

/// Rows per multi-row insert (5 parameters each, far below both backends' limits).
const CHUNK: usize = 400;

impl Db {
    /// The municipality's projections, newest first.
    pub async fn lida_projections(&self, municipality_id: i64) -> Result<Vec<ProjectionInfo>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ProjectionInfo>("SELECT id, name, source, file_name, created_by, created_at
                FROM lida_projections WHERE municipality_id = $1 ORDER BY id DESC")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// One projection with its rows (year, then age), `NotFound` outside the municipality.
    pub async fn lida_projection(&self, municipality_id: i64, id: i64) -> Result<(ProjectionInfo, Vec<ProjectionRow>)> {
        let (info, rows): (Option<ProjectionInfo>, Vec<StoredRow>) = on_db!(self, pool => {
            let info = sqlx::query_as::<_, ProjectionInfo>("SELECT id, name, source, file_name, created_by, created_at
                FROM lida_projections WHERE municipality_id = $1 AND id = $2")
                .bind(municipality_id).bind(id).fetch_optional(pool).await?;
            let rows = sqlx::query_as("SELECT year, age_from, age_to, persons FROM lida_projection_rows
                WHERE projection_id = $1 ORDER BY year, age_from")
                .bind(id).fetch_all(pool).await?;
            (info, rows)
        });
        let info = info.ok_or(StoreError::NotFound)?;
        let rows = rows
            .into_iter()
            .map(|(year, from, to, persons)| {
                Ok(ProjectionRow { year: year as i32, band: band(from, to)?, persons: dec(&persons)? })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((info, rows))
    }

    /// Stores a projection with all its rows in one transaction, with its audit row.
    pub async fn lida_projection_create(
        &self,
        author: &Author,
        name: &str,
        (source, file_name): (&str, &str),
        rows: &[ProjectionRow],
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let years: Vec<i32> = {
            let mut y: Vec<i32> = rows.iter().map(|r| r.year).collect();
            y.dedup();
            y
        };
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO lida_projections (municipality_id, name, source, file_name, user_id, created_by, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(mid).bind(name).bind(source).bind(file_name).bind(author.user_id).bind(&author.name).bind(ts)
                .fetch_one(&mut *tx).await?;
            for chunk in rows.chunks(CHUNK) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| format!("(${}, ${}, ${}, ${}, ${})", i * 5 + 1, i * 5 + 2, i * 5 + 3, i * 5 + 4, i * 5 + 5))
                    .collect();
                let sql = format!(
                    "INSERT INTO lida_projection_rows (projection_id, year, age_from, age_to, persons) VALUES {}",
                    values.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for r in chunk {
                    q = q.bind(id).bind(i64::from(r.year)).bind(i64::from(r.band.from)).bind(i64::from(r.band.to))
                        .bind(r.persons.to_string());
                }
                q.execute(&mut *tx).await?;
            }
            audit_in_tx!(tx, author, "lida_projection", id, "create", None,
                Some(serde_json::json!({"name": name, "source": source, "file_name": file_name,
                    "rows": rows.len(), "first_year": years.first(), "last_year": years.last()})));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// The municipality's scenarios, by name.
    pub async fn lida_scenarios(&self, municipality_id: i64) -> Result<Vec<ScenarioInfo>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ScenarioInfo>("SELECT id, name, base_year, projection_id, version, updated_by, updated_at
                FROM lida_scenarios WHERE municipality_id = $1 ORDER BY name, id")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// One scenario with its assumptions, `NotFound` outside the municipality.
    pub async fn lida_scenario(&self, municipality_id: i64, id: i64) -> Result<Scenario> {
        let (info, rows): (Option<ScenarioInfo>, Vec<AssumptionRow>) = on_db!(self, pool => {
            let info = sqlx::query_as::<_, ScenarioInfo>("SELECT id, name, base_year, projection_id, version, updated_by, updated_at
                FROM lida_scenarios WHERE municipality_id = $1 AND id = $2")
                .bind(municipality_id).bind(id).fetch_optional(pool).await?;
            let rows = sqlx::query_as("SELECT service, age_from, age_to, coverage, capacity, operating_cost, investment_cost, growth_percent
                FROM lida_assumptions WHERE scenario_id = $1 ORDER BY position")
                .bind(id).fetch_all(pool).await?;
            (info, rows)
        });
        let info = info.ok_or(StoreError::NotFound)?;
        let assumptions = rows.into_iter().map(assumption).collect::<Result<Vec<_>>>()?;
        Ok(Scenario { info, assumptions })
    }

    /// Creates (`id` `None`) or saves a scenario at `expected_version`, its assumptions replaced,
    /// with the audit row. The projection must belong to the municipality (a rule error otherwise);
    /// a stale version is `Conflict`. Returns the id and the new version.
    pub async fn lida_scenario_save(
        &self,
        author: &Author,
        id: Option<i64>,
        expected_version: i64,
        input: &ScenarioInput,
    ) -> Result<(i64, i64)> {
        let mid = author.municipality_id;
        let before = match id {
            Some(id) => Some(self.lida_scenario(mid, id).await?),
            None => None,
        };
        let ts = now();
        let saved = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let projection: Option<i64> = sqlx::query_scalar("SELECT id FROM lida_projections WHERE id = $1 AND municipality_id = $2")
                .bind(input.projection_id).bind(mid).fetch_optional(&mut *tx).await?;
            if projection.is_none() {
                return Err(StoreError::Rule(rodtrad_domain::RuleError::new("err-lida-projection").on("projection")));
            }
            let (id, version) = match id {
                None => {
                    let id: i64 = sqlx::query_scalar("INSERT INTO lida_scenarios (municipality_id, name, base_year, projection_id, version, user_id, updated_by, updated_at)
                        VALUES ($1, $2, $3, $4, 1, $5, $6, $7) RETURNING id")
                        .bind(mid).bind(&input.name).bind(i64::from(input.base_year)).bind(input.projection_id)
                        .bind(author.user_id).bind(&author.name).bind(ts)
                        .fetch_one(&mut *tx).await?;
                    (id, 1)
                }
                Some(id) => {
                    let n = sqlx::query("UPDATE lida_scenarios SET name = $1, base_year = $2, projection_id = $3, version = version + 1,
                            user_id = $4, updated_by = $5, updated_at = $6
                        WHERE id = $7 AND municipality_id = $8 AND version = $9")
                        .bind(&input.name).bind(i64::from(input.base_year)).bind(input.projection_id)
                        .bind(author.user_id).bind(&author.name).bind(ts)
                        .bind(id).bind(mid).bind(expected_version)
                        .execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Err(StoreError::Conflict);
                    }
                    sqlx::query("DELETE FROM lida_assumptions WHERE scenario_id = $1").bind(id).execute(&mut *tx).await?;
                    (id, expected_version + 1)
                }
            };
            for (i, a) in input.assumptions.iter().enumerate() {
                sqlx::query("INSERT INTO lida_assumptions (scenario_id, position, service, age_from, age_to, coverage, capacity,
                        operating_cost, investment_cost, growth_percent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                    .bind(id).bind(i as i64 + 1).bind(&a.service).bind(i64::from(a.band.from)).bind(i64::from(a.band.to))
                    .bind(a.coverage.to_string()).bind(a.capacity.to_string()).bind(a.operating_cost.to_string())
                    .bind(a.investment_cost.to_string()).bind(a.growth_percent.to_string())
                    .execute(&mut *tx).await?;
            }
            let action = if before.is_some() { "update" } else { "create" };
            audit_in_tx!(tx, author, "lida_scenario", id, action, before.as_ref().and_then(crate::audit::snapshot),
                crate::audit::snapshot(input));
            tx.commit().await?;
            (id, version)
        });
        Ok(saved)
    }
}
