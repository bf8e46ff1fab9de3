//! Indicator definitions (what an indicator element measures, its baseline and targets per year)
//! and the values entered by hand or imported, each with who entered it and a comment. Values fed
//! from statistics series live in the same `indicator_values` table (see [`crate::statistics`]).

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::indicators::{
    Baseline, Direction, Frequency, RateMethod, ResultChain, SourceKind, Target, Thresholds,
};
use rodtrad_domain::plan::ElementKind;
use serde::Serialize;

/// An indicator's definition.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct IndicatorDefinition {
    /// The indicator element.
    pub element_id: i64,
    /// What is measured, and how.
    pub description: String,
    /// Unit of measure (per cent, tonnes CO₂-eq., NOK …).
    pub unit: String,
    /// Result-chain code ([`ResultChain`]).
    pub chain: String,
    /// Direction code ([`Direction`]).
    pub direction: String,
    /// Source code ([`SourceKind`]).
    pub source: String,
    /// Frequency code ([`Frequency`]).
    pub frequency: String,
    /// Owner (a person).
    pub owner_person_id: Option<i64>,
    /// Owner's name.
    pub owner_name: Option<String>,
    /// Baseline year.
    pub baseline_year: Option<i64>,
    /// Baseline value.
    pub baseline_value: Option<f64>,
    /// Optimistic-locking version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl IndicatorDefinition {
    /// The result-chain type.
    pub fn chain(&self) -> ResultChain {
        ResultChain::parse(&self.chain).unwrap_or(ResultChain::Outcome)
    }
    /// Which way is better.
    pub fn direction(&self) -> Direction {
        Direction::parse(&self.direction).unwrap_or(Direction::Higher)
    }
    /// Where the values come from.
    pub fn source(&self) -> SourceKind {
        SourceKind::parse(&self.source).unwrap_or(SourceKind::Manual)
    }
    /// How often it is measured.
    pub fn frequency(&self) -> Frequency {
        Frequency::parse(&self.frequency).unwrap_or(Frequency::Yearly)
    }
    /// The baseline, when both year and value are set.
    pub fn baseline(&self) -> Option<Baseline> {
        Some(Baseline { year: i32::try_from(self.baseline_year?).ok()?, value: self.baseline_value? })
    }
}

/// What a definition save writes (already parsed).
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionInput {
    /// Description.
    pub description: String,
    /// Unit of measure.
    pub unit: String,
    /// Result-chain type.
    pub chain: ResultChain,
    /// Direction.
    pub direction: Direction,
    /// Source.
    pub source: SourceKind,
    /// Frequency.
    pub frequency: Frequency,
    /// Owner.
    pub owner_person_id: Option<i64>,
    /// Baseline.
    pub baseline: Option<Baseline>,
    /// Targets per year, each year once.
    pub targets: Vec<Target>,
}

/// One value of an indicator with who entered it.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct ValueRow {
    /// Period (`2024`, `2024-06`, `2024T2` …).
    pub period: String,
    /// The figure.
    pub value: Option<f64>,
    /// `manual`, `import` or `statistics`.
    pub origin: String,
    /// Comment.
    pub comment: Option<String>,
    /// Who entered it (manual values), or the statistics table.
    pub entered_by_name: Option<String>,
    /// Statistics source label.
    pub source_label: Option<String>,
    /// Optimistic-locking version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A value to write.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueInput {
    /// The indicator element.
    pub element_id: i64,
    /// Checked period.
    pub period: String,
    /// The figure.
    pub value: f64,
    /// Comment.
    pub comment: Option<String>,
}

const DEFINITION_SELECT: &str =
    "SELECT d.element_id, d.description, d.unit, d.chain, d.direction, d.source, d.frequency,
        d.owner_person_id, p.name AS owner_name, d.baseline_year, d.baseline_value, d.version, d.updated_at
     FROM indicator_definitions d LEFT JOIN people p ON p.id = d.owner_person_id
     WHERE d.municipality_id = $1";

/// Longest description.
pub const DESCRIPTION_MAX: usize = 4000;
/// Longest comment on a value.
pub const COMMENT_MAX: usize = 1000;

impl Db {
    /// An indicator's definition, if it has one.
    pub async fn indicator_definition(&self, mid: i64, element_id: i64) -> Result<Option<IndicatorDefinition>> {
        let sql = format!("{DEFINITION_SELECT} AND d.element_id = $2");
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, IndicatorDefinition>(sqlx::AssertSqlSafe(sql.clone())).bind(mid).bind(element_id).fetch_optional(pool).await?
        }))
    }

    /// Definitions of the indicators of one plan.
    pub async fn indicator_definitions_of_plan(&self, mid: i64, plan_id: i64) -> Result<Vec<IndicatorDefinition>> {
        let sql = format!(
            "{DEFINITION_SELECT} AND d.element_id IN (SELECT id FROM goal_elements WHERE plan_id = $2 AND municipality_id = $1)"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, IndicatorDefinition>(sqlx::AssertSqlSafe(sql.clone())).bind(mid).bind(plan_id).fetch_all(pool).await?
        }))
    }

    /// An indicator's targets, by year.
    pub async fn indicator_targets(&self, mid: i64, element_id: i64) -> Result<Vec<Target>> {
        let rows: Vec<(i64, f64, Option<f64>)> = on_db!(self, pool => {
            sqlx::query_as("SELECT year, desired, acceptable FROM indicator_targets WHERE municipality_id = $1 AND element_id = $2 ORDER BY year")
                .bind(mid).bind(element_id).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(year, desired, acceptable)| Target { year: year as i32, desired, acceptable })
            .collect())
    }

    /// The actual values of an indicator with who entered them, by period.
    pub async fn indicator_value_rows(&self, mid: i64, element_id: i64) -> Result<Vec<ValueRow>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ValueRow>(
                "SELECT period, value, origin, comment, entered_by_name, source_label, version, updated_at FROM indicator_values
                 WHERE municipality_id = $1 AND element_id = $2 AND kind = 'actual' ORDER BY period")
                .bind(mid).bind(element_id).fetch_all(pool).await?
        }))
    }

    /// Every indicator element of the municipality (id, text, plan), for the import's lookups.
    pub async fn indicator_elements(&self, mid: i64) -> Result<Vec<(i64, String, i64)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as("SELECT id, text, plan_id FROM goal_elements WHERE municipality_id = $1 AND kind = 'indicator' AND removed_at IS NULL ORDER BY id")
                .bind(mid).fetch_all(pool).await?
        }))
    }

    async fn indicator_element_check(&self, mid: i64, element_id: i64) -> Result<()> {
        let element = self.element(mid, element_id).await?;
        if element.kind() != ElementKind::Indicator {
            return Err(RuleError::new("err-indicator-only").into());
        }
        Ok(())
    }

    /// Creates (`expected_version` `None`) or updates an indicator's definition and replaces its
    /// targets. A stale version, or a definition created meanwhile, is a conflict.
    pub async fn indicator_definition_save(
        &self,
        author: &Author,
        element_id: i64,
        input: &DefinitionInput,
        expected_version: Option<i64>,
    ) -> Result<()> {
        let mid = author.municipality_id;
        self.indicator_element_check(mid, element_id).await?;
        if input.description.chars().count() > DESCRIPTION_MAX {
            return Err(RuleError::new("err-indicator-description-long").on("description").into());
        }
        if let Some(owner) = input.owner_person_id {
            let found: Option<i64> = on_db!(self, pool => {
                sqlx::query_scalar("SELECT id FROM people WHERE id = $1 AND municipality_id = $2")
                    .bind(owner).bind(mid).fetch_optional(pool).await?
            });
            if found.is_none() {
                return Err(RuleError::new("err-indicator-owner-unknown").on("owner").into());
            }
        }
        let mut years = std::collections::BTreeSet::new();
        for t in &input.targets {
            t.checked(input.direction)?;
            if !years.insert(t.year) {
                return Err(RuleError::new("err-indicator-target-year-twice").on("targets").into());
            }
        }
        let before = self.indicator_definition(mid, element_id).await?;
        let ts = now();
        let after = serde_json::json!({
            "description": input.description, "unit": input.unit, "chain": input.chain.code(),
            "direction": input.direction.code(), "source": input.source.code(), "frequency": input.frequency.code(),
            "owner_person_id": input.owner_person_id,
            "baseline": input.baseline.map(|b| (b.year, b.value)),
            "targets": input.targets.iter().map(|t| (t.year, t.desired, t.acceptable)).collect::<Vec<_>>(),
        });
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            macro_rules! fields {
                ($q:expr) => {
                    $q.bind(element_id).bind(mid).bind(input.description.trim()).bind(input.unit.trim()).bind(input.chain.code())
                        .bind(input.direction.code()).bind(input.source.code()).bind(input.frequency.code()).bind(input.owner_person_id)
                        .bind(input.baseline.map(|b| i64::from(b.year))).bind(input.baseline.map(|b| b.value)).bind(ts)
                };
            }
            let n = match expected_version {
                None => fields!(sqlx::query(
                    "INSERT INTO indicator_definitions (element_id, municipality_id, description, unit, chain, direction, source, frequency,
                        owner_person_id, baseline_year, baseline_value, version, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12) ON CONFLICT (element_id) DO NOTHING"))
                    .execute(&mut *tx).await?.rows_affected(),
                Some(version) => fields!(sqlx::query(
                    "UPDATE indicator_definitions SET description = $3, unit = $4, chain = $5, direction = $6, source = $7, frequency = $8,
                        owner_person_id = $9, baseline_year = $10, baseline_value = $11, version = version + 1, updated_at = $12
                     WHERE element_id = $1 AND municipality_id = $2 AND version = $13"))
                    .bind(version).execute(&mut *tx).await?.rows_affected(),
            };
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            sqlx::query("DELETE FROM indicator_targets WHERE element_id = $1 AND municipality_id = $2")
                .bind(element_id).bind(mid).execute(&mut *tx).await?;
            for t in &input.targets {
                sqlx::query("INSERT INTO indicator_targets (element_id, municipality_id, year, desired, acceptable) VALUES ($1, $2, $3, $4, $5)")
                    .bind(element_id).bind(mid).bind(i64::from(t.year)).bind(t.desired).bind(t.acceptable)
                    .execute(&mut *tx).await?;
            }
            audit_in_tx!(tx, author, "indicator_definition", element_id, if before.is_some() { "update" } else { "create" },
                before.as_ref().and_then(crate::audit::snapshot), Some(after));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Enters one value: a new period (`expected_version` `None`) or a change of the stored value
    /// with the version the caller read. A value entered meanwhile, or a stale version, is a conflict.
    pub async fn indicator_value_save(
        &self,
        author: &Author,
        v: &ValueInput,
        expected_version: Option<i64>,
    ) -> Result<()> {
        let mid = author.municipality_id;
        self.indicator_element_check(mid, v.element_id).await?;
        check_comment(v.comment.as_deref())?;
        let before = self.indicator_value_rows(mid, v.element_id).await?.into_iter().find(|r| r.period == v.period);
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = match expected_version {
                None => sqlx::query(
                    "INSERT INTO indicator_values (municipality_id, element_id, period, kind, value, origin, comment, entered_by, entered_by_name, updated_at)
                     VALUES ($1, $2, $3, 'actual', $4, 'manual', $5, $6, $7, $8) ON CONFLICT (element_id, period, kind) DO NOTHING")
                    .bind(mid).bind(v.element_id).bind(&v.period).bind(v.value).bind(&v.comment).bind(author.user_id).bind(&author.name).bind(now())
                    .execute(&mut *tx).await?.rows_affected(),
                Some(version) => sqlx::query(
                    "UPDATE indicator_values SET value = $1, origin = 'manual', status = NULL, comment = $2, entered_by = $3, entered_by_name = $4,
                        updated_at = $5, version = version + 1
                     WHERE municipality_id = $6 AND element_id = $7 AND period = $8 AND kind = 'actual' AND version = $9")
                    .bind(v.value).bind(&v.comment).bind(author.user_id).bind(&author.name).bind(now())
                    .bind(mid).bind(v.element_id).bind(&v.period).bind(version)
                    .execute(&mut *tx).await?.rows_affected(),
            };
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "indicator_value", v.element_id, if before.is_some() { "update" } else { "create" },
                before.as_ref().map(|b| serde_json::json!({"period": b.period, "value": b.value, "comment": b.comment})),
                Some(serde_json::json!({"period": v.period, "value": v.value, "comment": v.comment})));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Writes every value of an import in one transaction (new periods added, existing ones
    /// replaced), with one audit row per indicator naming the periods written.
    pub async fn indicator_values_import(&self, author: &Author, values: &[ValueInput]) -> Result<usize> {
        let mid = author.municipality_id;
        for v in values {
            check_comment(v.comment.as_deref())?;
        }
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut per_element: std::collections::BTreeMap<i64, Vec<&str>> = Default::default();
            for v in values {
                let kind: Option<String> = sqlx::query_scalar(
                    "SELECT kind FROM goal_elements WHERE id = $1 AND municipality_id = $2 AND removed_at IS NULL")
                    .bind(v.element_id).bind(mid).fetch_optional(&mut *tx).await?;
                if kind.as_deref() != Some("indicator") {
                    return Err(RuleError::new("err-indicator-only").into());
                }
                sqlx::query(
                    "INSERT INTO indicator_values (municipality_id, element_id, period, kind, value, origin, comment, entered_by, entered_by_name, updated_at)
                     VALUES ($1, $2, $3, 'actual', $4, 'import', $5, $6, $7, $8)
                     ON CONFLICT (element_id, period, kind) DO UPDATE SET value = excluded.value, origin = 'import', status = NULL,
                        comment = excluded.comment, entered_by = excluded.entered_by, entered_by_name = excluded.entered_by_name,
                        updated_at = excluded.updated_at, version = indicator_values.version + 1")
                    .bind(mid).bind(v.element_id).bind(&v.period).bind(v.value).bind(&v.comment).bind(author.user_id).bind(&author.name).bind(ts)
                    .execute(&mut *tx).await?;
                per_element.entry(v.element_id).or_default().push(&v.period);
            }
            for (element_id, periods) in &per_element {
                audit_in_tx!(tx, author, "indicator_value", *element_id, "import", None,
                    Some(serde_json::json!({"periods": periods})));
            }
            tx.commit().await?;
        });
        Ok(values.len())
    }
}

fn check_comment(comment: Option<&str>) -> Result<()> {
    if comment.is_some_and(|c| c.chars().count() > COMMENT_MAX) {
        return Err(RuleError::new("err-indicator-comment-long").on("comment").into());
    }
    Ok(())
}

/// The classification thresholds of a municipality with the version the settings form sends
/// (Eurostat's at version 0 before the first save).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IndicatorSettings {
    /// The thresholds.
    pub thresholds: Thresholds,
    /// Version.
    pub version: i64,
}

impl Db {
    /// The classification thresholds (migration 0019).
    pub async fn indicator_settings(&self, municipality_id: i64) -> Result<IndicatorSettings> {
        let row: Option<(f64, f64, f64, i64, String, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT on_track, moderate, moving_away, min_observations, method, version
                            FROM indicator_settings WHERE municipality_id = $1")
                .bind(municipality_id).fetch_optional(pool).await?
        });
        Ok(match row {
            None => IndicatorSettings { thresholds: Thresholds::default(), version: 0 },
            Some((on_track, moderate, moving_away, min_observations, method, version)) => IndicatorSettings {
                thresholds: Thresholds {
                    on_track,
                    moderate,
                    moving_away,
                    min_observations: usize::try_from(min_observations).unwrap_or(2),
                    method: RateMethod::parse(&method)
                        .map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))?,
                },
                version,
            },
        })
    }

    /// Saves the classification thresholds at `expected_version` (0: the first save), with the
    /// audit row; a stale version is `Conflict`.
    pub async fn indicator_settings_save(
        &self,
        author: &Author,
        expected_version: i64,
        thresholds: &Thresholds,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let before = self.indicator_settings(mid).await?;
        let ts = now();
        let t = thresholds;
        let (method, min_obs) = (t.method.code(), t.min_observations as i64);
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = if expected_version == 0 {
                sqlx::query("INSERT INTO indicator_settings (municipality_id, on_track, moderate, moving_away, min_observations,
                                method, version, updated_at)
                             VALUES ($1, $2, $3, $4, $5, $6, 1, $7) ON CONFLICT (municipality_id) DO NOTHING")
                    .bind(mid).bind(t.on_track).bind(t.moderate).bind(t.moving_away).bind(min_obs).bind(method).bind(ts)
                    .execute(&mut *tx).await?.rows_affected()
            } else {
                sqlx::query("UPDATE indicator_settings SET on_track = $2, moderate = $3, moving_away = $4,
                                min_observations = $5, method = $6, version = version + 1, updated_at = $7
                             WHERE municipality_id = $1 AND version = $8")
                    .bind(mid).bind(t.on_track).bind(t.moderate).bind(t.moving_away).bind(min_obs).bind(method).bind(ts)
                    .bind(expected_version).execute(&mut *tx).await?.rows_affected()
            };
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "indicator_settings", mid, "update", crate::audit::snapshot(&before.thresholds),
                Some(serde_json::to_value(thresholds).unwrap_or_default()));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }
}
