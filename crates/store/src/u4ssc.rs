//! U4SSC: yearly self-assessments of the framework's 30 elements, the KPI catalogue seeded from the
//! domain crate, and KPI values per year. Every write checks versions and writes its audit rows in the
//! same transaction.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::u4ssc::{KpiRow, Phase, Process, kpis};
use serde::Serialize;

/// One year's assessment.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Assessment {
    /// Id.
    pub id: i64,
    /// The year assessed.
    pub year: i64,
    /// The year it was started as a copy of, if any.
    pub copied_from_year: Option<i64>,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// Number of elements with a maturity level.
    pub assessed: i64,
}

/// One element of an assessment.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct Cell {
    /// Id.
    pub id: i64,
    /// Process code.
    pub process: String,
    /// Phase code.
    pub phase: String,
    /// Maturity level 0–4, `None` when not assessed.
    pub maturity: Option<i64>,
    /// What the level rests on.
    pub evidence: String,
    /// Responsible person.
    pub responsible_person_id: Option<i64>,
    /// The responsible person's name.
    pub responsible_name: Option<String>,
    /// When the element was assessed.
    pub assessed_on: Option<NaiveDate>,
    /// Optimistic-locking version.
    pub version: i64,
}

/// What a user saves for one element.
#[derive(Debug, Clone, Serialize)]
pub struct CellInput {
    /// Maturity level 0–4, or `None`.
    pub maturity: Option<u8>,
    /// Evidence text.
    pub evidence: String,
    /// Responsible person (must belong to the municipality).
    pub responsible_person_id: Option<i64>,
    /// Date of the assessment.
    pub assessed_on: Option<NaiveDate>,
}

/// One stored KPI value.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct KpiValue {
    /// Id.
    pub id: i64,
    /// Catalogue code.
    pub kpi_code: String,
    /// Year.
    pub year: i64,
    /// Value.
    pub value: f64,
    /// Note.
    pub note: Option<String>,
    /// Where the value comes from (a file name, or what the user typed).
    pub source: Option<String>,
    /// Optimistic-locking version.
    pub version: i64,
}

/// A change to one KPI value from the form: `value` `None` removes it.
#[derive(Debug, Clone)]
pub struct KpiChange {
    /// Catalogue code.
    pub code: String,
    /// New value, or `None` to remove.
    pub value: Option<f64>,
    /// Note.
    pub note: Option<String>,
    /// The version the user saw, `None` when there was no value.
    pub expected_version: Option<i64>,
}

const CELL_SELECT: &str = "SELECT c.id, c.process, c.phase, c.maturity, c.evidence, c.responsible_person_id,
        p.name AS responsible_name, c.assessed_on, c.version
    FROM u4ssc_cells c JOIN u4ssc_assessments a ON a.id = c.assessment_id
    LEFT JOIN people p ON p.id = c.responsible_person_id
    WHERE a.municipality_id = $1 AND a.year = $2";

const VALUE_SELECT: &str =
    "SELECT id, kpi_code, year, value, note, source, version FROM u4ssc_kpi_values WHERE municipality_id = $1";

impl Db {
    /// Adds catalogue KPIs missing from the database and refreshes the names of the others.
    pub async fn seed_u4ssc_kpis(&self) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for (i, k) in kpis().iter().enumerate() {
                sqlx::query(
                    "INSERT INTO u4ssc_kpis (code, dimension, category_nb, category_en, name_nb, name_en, unit, kind, sort_key)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (code) DO UPDATE SET dimension = excluded.dimension, category_nb = excluded.category_nb,
                        category_en = excluded.category_en, name_nb = excluded.name_nb, name_en = excluded.name_en,
                        unit = excluded.unit, kind = excluded.kind, sort_key = excluded.sort_key")
                    .bind(&k.code).bind(k.dimension.code()).bind(&k.category_nb).bind(&k.category_en)
                    .bind(&k.name_nb).bind(&k.name_en).bind(&k.unit).bind(&k.kind).bind(i as i64)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The municipality's assessments, newest year first.
    pub async fn u4ssc_assessments(&self, municipality_id: i64) -> Result<Vec<Assessment>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Assessment>(
                "SELECT a.id, a.year, a.copied_from_year, a.created_at,
                    (SELECT COUNT(*) FROM u4ssc_cells c WHERE c.assessment_id = a.id AND c.maturity IS NOT NULL) AS assessed
                 FROM u4ssc_assessments a WHERE a.municipality_id = $1 ORDER BY a.year DESC")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// The 30 elements of one year's assessment; `NotFound` when the year has none.
    pub async fn u4ssc_cells(&self, municipality_id: i64, year: i64) -> Result<Vec<Cell>> {
        let cells = on_db!(self, pool => {
            sqlx::query_as::<_, Cell>(sqlx::AssertSqlSafe(format!("{CELL_SELECT} ORDER BY c.id")))
                .bind(municipality_id).bind(year).fetch_all(pool).await?
        });
        if cells.is_empty() { Err(StoreError::NotFound) } else { Ok(cells) }
    }

    /// One element of one year's assessment.
    pub async fn u4ssc_cell(&self, municipality_id: i64, year: i64, process: Process, phase: Phase) -> Result<Cell> {
        let cell = on_db!(self, pool => {
            sqlx::query_as::<_, Cell>(sqlx::AssertSqlSafe(format!("{CELL_SELECT} AND c.process = $3 AND c.phase = $4")))
                .bind(municipality_id).bind(year).bind(process.code()).bind(phase.code()).fetch_optional(pool).await?
        });
        cell.ok_or(StoreError::NotFound)
    }

    /// Starts the assessment of `year`: a copy of the latest earlier year when `copy` is set and there is
    /// one, otherwise 30 empty elements. Returns the year copied from.
    pub async fn u4ssc_start_year(&self, author: &Author, year: i64, copy: bool) -> Result<Option<i64>> {
        let mid = author.municipality_id;
        let ts = now();
        Ok(on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM u4ssc_assessments WHERE municipality_id = $1 AND year = $2")
                .bind(mid).bind(year).fetch_optional(&mut *tx).await?;
            if exists.is_some() {
                return Err(RuleError::new("u4ssc-err-year-exists").with("year", year.to_string()).into());
            }
            let source: Option<(i64, i64)> = if copy {
                sqlx::query_as("SELECT id, year FROM u4ssc_assessments WHERE municipality_id = $1 AND year < $2 ORDER BY year DESC LIMIT 1")
                    .bind(mid).bind(year).fetch_optional(&mut *tx).await?
            } else {
                None
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO u4ssc_assessments (municipality_id, year, copied_from_year, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(mid).bind(year).bind(source.map(|s| s.1)).bind(ts).fetch_one(&mut *tx).await
                .map_err(|e| StoreError::from(e).unique_as("u4ssc-err-year-exists"))?;
            match source {
                Some((from, _)) => {
                    sqlx::query(
                        "INSERT INTO u4ssc_cells (assessment_id, process, phase, maturity, evidence, responsible_person_id, assessed_on, updated_at)
                         SELECT $1, process, phase, maturity, evidence, responsible_person_id, assessed_on, $2 FROM u4ssc_cells WHERE assessment_id = $3")
                        .bind(id).bind(ts).bind(from).execute(&mut *tx).await?;
                }
                None => {
                    for process in Process::ALL {
                        for phase in Phase::ALL {
                            sqlx::query("INSERT INTO u4ssc_cells (assessment_id, process, phase, updated_at) VALUES ($1, $2, $3, $4)")
                                .bind(id).bind(process.code()).bind(phase.code()).bind(ts).execute(&mut *tx).await?;
                        }
                    }
                }
            }
            let after = serde_json::json!({"year": year, "copied_from_year": source.map(|s| s.1)});
            audit_in_tx!(tx, author, "u4ssc_assessment", id, "create", None, Some(after));
            tx.commit().await?;
            source.map(|s| s.1)
        }))
    }

    /// Saves one element if `expected_version` is still current (`Conflict` otherwise).
    pub async fn u4ssc_cell_save(
        &self,
        author: &Author,
        year: i64,
        process: Process,
        phase: Phase,
        input: &CellInput,
        expected_version: i64,
    ) -> Result<()> {
        let mid = author.municipality_id;
        let before = self.u4ssc_cell(mid, year, process, phase).await?;
        let ts = now();
        let maturity = input.maturity.map(i64::from);
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(pid) = input.responsible_person_id {
                let ok: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1 AND municipality_id = $2")
                    .bind(pid).bind(mid).fetch_optional(&mut *tx).await?;
                if ok.is_none() {
                    return Err(RuleError::new("u4ssc-err-person").into());
                }
            }
            let n = sqlx::query(
                "UPDATE u4ssc_cells SET maturity = $1, evidence = $2, responsible_person_id = $3, assessed_on = $4,
                    version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7")
                .bind(maturity).bind(input.evidence.trim()).bind(input.responsible_person_id).bind(input.assessed_on)
                .bind(ts).bind(before.id).bind(expected_version).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            let after = serde_json::json!({"year": year, "process": process.code(), "phase": phase.code(), "maturity": maturity,
                "evidence": input.evidence.trim(), "responsible_person_id": input.responsible_person_id, "assessed_on": input.assessed_on});
            audit_in_tx!(tx, author, "u4ssc_cell", before.id, "update", crate::audit::snapshot(&before), Some(after));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every KPI value of the municipality, by year then catalogue order.
    pub async fn u4ssc_kpi_values(&self, municipality_id: i64) -> Result<Vec<KpiValue>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, KpiValue>(sqlx::AssertSqlSafe(format!("{VALUE_SELECT} ORDER BY year, kpi_code")))
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// Applies the form's changes to one year's values in one transaction; a value changed or removed by
    /// someone else since the form was read gives `Conflict` and nothing is written.
    pub async fn u4ssc_kpi_save(
        &self,
        author: &Author,
        year: i64,
        changes: &[KpiChange],
        source: Option<&str>,
    ) -> Result<usize> {
        let mid = author.municipality_id;
        let ts = now();
        let mut written = 0;
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for c in changes {
                let current: Option<KpiValue> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{VALUE_SELECT} AND kpi_code = $2 AND year = $3")))
                    .bind(mid).bind(&c.code).bind(year).fetch_optional(&mut *tx).await?;
                if current.as_ref().map(|v| v.version) != c.expected_version {
                    return Err(StoreError::Conflict);
                }
                let after = serde_json::json!({"kpi": c.code, "year": year, "value": c.value, "note": c.note, "source": source});
                match (current, c.value) {
                    (None, None) => continue,
                    (Some(old), None) => {
                        sqlx::query("DELETE FROM u4ssc_kpi_values WHERE id = $1").bind(old.id).execute(&mut *tx).await?;
                        audit_in_tx!(tx, author, "u4ssc_kpi_value", old.id, "remove", crate::audit::snapshot(&old), None);
                    }
                    (Some(old), Some(value)) => {
                        if old.value == value && old.note == c.note {
                            continue;
                        }
                        sqlx::query("UPDATE u4ssc_kpi_values SET value = $1, note = $2, source = $3, version = version + 1, updated_at = $4 WHERE id = $5")
                            .bind(value).bind(&c.note).bind(source).bind(ts).bind(old.id).execute(&mut *tx).await?;
                        audit_in_tx!(tx, author, "u4ssc_kpi_value", old.id, "update", crate::audit::snapshot(&old), Some(after));
                    }
                    (None, Some(value)) => {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO u4ssc_kpi_values (municipality_id, kpi_code, year, value, note, source, updated_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                            .bind(mid).bind(&c.code).bind(year).bind(value).bind(&c.note).bind(source).bind(ts)
                            .fetch_one(&mut *tx).await?;
                        audit_in_tx!(tx, author, "u4ssc_kpi_value", id, "create", None, Some(after));
                    }
                }
                written += 1;
            }
            tx.commit().await?;
        });
        Ok(written)
    }

    /// Writes imported rows (already checked against the catalogue) in one transaction, replacing
    /// existing values of the same KPI and year. Returns how many values were new and how many changed.
    pub async fn u4ssc_kpi_import(&self, author: &Author, rows: &[KpiRow], source: &str) -> Result<(usize, usize)> {
        let mid = author.municipality_id;
        let ts = now();
        let (mut added, mut changed) = (0, 0);
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for r in rows {
                let year = i64::from(r.year);
                let current: Option<KpiValue> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{VALUE_SELECT} AND kpi_code = $2 AND year = $3")))
                    .bind(mid).bind(&r.code).bind(year).fetch_optional(&mut *tx).await?;
                let after = serde_json::json!({"kpi": r.code, "year": year, "value": r.value, "note": r.note, "source": source});
                match current {
                    Some(old) if old.value == r.value && old.note == r.note => {}
                    Some(old) => {
                        sqlx::query("UPDATE u4ssc_kpi_values SET value = $1, note = $2, source = $3, version = version + 1, updated_at = $4 WHERE id = $5")
                            .bind(r.value).bind(&r.note).bind(source).bind(ts).bind(old.id).execute(&mut *tx).await?;
                        audit_in_tx!(tx, author, "u4ssc_kpi_value", old.id, "update", crate::audit::snapshot(&old), Some(after));
                        changed += 1;
                    }
                    None => {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO u4ssc_kpi_values (municipality_id, kpi_code, year, value, note, source, updated_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                            .bind(mid).bind(&r.code).bind(year).bind(r.value).bind(&r.note).bind(source).bind(ts)
                            .fetch_one(&mut *tx).await?;
                        audit_in_tx!(tx, author, "u4ssc_kpi_value", id, "create", None, Some(after));
                        added += 1;
                    }
                }
            }
            tx.commit().await?;
        });
        Ok((added, changed))
    }
}
