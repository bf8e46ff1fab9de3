//! Risk management (*risikostyring*, migration 0022): each municipality's risk matrix (the shipped
//! 5×5 default until its first save), the risk analyses (ROS) of its units per year, and their risk
//! items with treatment measures (existing measures of the plans) and the current acceptance.
//!
//! Every write is one transaction with its audit row. The matrix, each analysis and each item carry
//! their own version; a stale version is `Conflict`. Levels are checked against the matrix inside
//! the transaction that writes an item, and the matrix cannot shrink below a level in use, so a
//! stored item always fits the matrix in force.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::risk::{Acceptance, Category, Matrix, RiskItem, Thresholds, Treatment};
use serde::Serialize;

/// The municipality's matrix with its version (0 while the shipped default is in force).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredMatrix {
    /// The matrix.
    pub matrix: Matrix,
    /// The version a save sends back.
    pub version: i64,
}

/// A risk analysis (ROS) of a unit for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Analysis {
    /// Id.
    pub id: i64,
    /// The analysed unit (a unit, a service area or the municipality).
    pub unit_id: i64,
    /// The year.
    pub year: i64,
    /// The analysis's summary.
    pub summary: String,
    /// Version.
    pub version: i64,
    /// Who saved it last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

/// An acceptance as stored: the rule's acceptance and who gave it when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAcceptance {
    /// Level and expiry.
    #[serde(flatten)]
    pub acceptance: Acceptance,
    /// The accepting leader's name at the time.
    pub by: String,
    /// When it was given.
    pub at: DateTime<Utc>,
}

/// A measure linked to a risk as its treatment measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedMeasure {
    /// The measure (a goal element of kind measure).
    pub id: i64,
    /// Its text.
    pub text: String,
    /// Its deadline.
    pub deadline: Option<NaiveDate>,
    /// Its status code.
    pub status: String,
}

/// A risk item as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRisk {
    /// Id.
    pub id: i64,
    /// Its analysis.
    pub analysis_id: i64,
    /// The risk.
    #[serde(flatten)]
    pub item: RiskItem,
    /// The current acceptance, if any (it may have expired; see [`Acceptance::holds`]).
    pub acceptance: Option<StoredAcceptance>,
    /// Treatment measures.
    pub measures: Vec<LinkedMeasure>,
    /// Version.
    pub version: i64,
    /// Who saved it last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

/// A risk as the aggregation reads it: the analysed unit and the current levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskLevels {
    /// The analysed unit.
    pub unit_id: i64,
    /// The risk's id.
    pub id: i64,
    /// Current likelihood.
    pub likelihood: i64,
    /// Current consequence.
    pub consequence: i64,
}

/// A measure a risk may link to: a measure of a plan of the analysed unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MeasureChoice {
    /// Id.
    pub id: i64,
    /// Text.
    pub text: String,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct RiskRow {
    id: i64,
    analysis_id: i64,
    description: String,
    cause: String,
    consequence_text: String,
    category: String,
    category_label: String,
    inherent_likelihood: i64,
    inherent_consequence: i64,
    current_likelihood: i64,
    current_consequence: i64,
    residual_likelihood: i64,
    residual_consequence: i64,
    treatment: String,
    review_on: Option<NaiveDate>,
    accepted_by: Option<String>,
    accepted_level: Option<i64>,
    accepted_at: Option<DateTime<Utc>>,
    accept_expires_on: Option<NaiveDate>,
    version: i64,
    updated_by: String,
    updated_at: DateTime<Utc>,
}

const RISK_COLUMNS: &str = "r.id, r.analysis_id, r.description, r.cause, r.consequence_text, r.category, \
    r.category_label, r.inherent_likelihood, r.inherent_consequence, r.current_likelihood, r.current_consequence, \
    r.residual_likelihood, r.residual_consequence, r.treatment, r.review_on, r.accepted_by, r.accepted_level, \
    r.accepted_at, r.accept_expires_on, r.version, r.updated_by, r.updated_at";

const ANALYSIS_COLUMNS: &str = "a.id, a.unit_id, a.year, a.summary, a.version, a.updated_by, a.updated_at";

fn decode(e: RuleError) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(Box::new(e)))
}

fn risk(matrix: &Matrix, r: RiskRow, measures: Vec<LinkedMeasure>) -> Result<StoredRisk> {
    let assess = |a: i64, b: i64| matrix.assessment(a, b).ok_or_else(|| decode(RuleError::new("err-risk-band")));
    let item = RiskItem {
        description: r.description,
        cause: r.cause,
        consequence_text: r.consequence_text,
        category: Category::parse(&r.category, &r.category_label).map_err(decode)?,
        inherent: assess(r.inherent_likelihood, r.inherent_consequence)?,
        current: assess(r.current_likelihood, r.current_consequence)?,
        residual: assess(r.residual_likelihood, r.residual_consequence)?,
        treatment: Treatment::parse(&r.treatment).map_err(decode)?,
        review_on: r.review_on,
    };
    let acceptance = match (r.accepted_by, r.accepted_level, r.accepted_at, r.accept_expires_on) {
        (Some(by), Some(level), Some(at), Some(expires_on)) => Some(StoredAcceptance {
            acceptance: Acceptance { level: u8::try_from(level).unwrap_or(u8::MAX), expires_on },
            by,
            at,
        }),
        _ => None,
    };
    Ok(StoredRisk {
        id: r.id,
        analysis_id: r.analysis_id,
        item,
        acceptance,
        measures,
        version: r.version,
        updated_by: r.updated_by,
        updated_at: r.updated_at,
    })
}

/// The item's levels in the order of the table's columns.
fn levels(item: &RiskItem) -> [i64; 6] {
    let n = |v: u8| i64::from(v);
    [
        n(item.inherent.likelihood.get()),
        n(item.inherent.consequence.get()),
        n(item.current.likelihood.get()),
        n(item.current.consequence.get()),
        n(item.residual.likelihood.get()),
        n(item.residual.consequence.get()),
    ]
}

type MatrixRow = (i64, i64, i64, i64, i64, i64);

/// A treatment measure's link: the risk, the measure's id, text, deadline and status.
type LinkRow = (i64, i64, String, Option<NaiveDate>, String);

impl Db {
    /// The municipality's matrix: its own, or the shipped default (version 0).
    pub async fn risk_matrix(&self, municipality_id: i64) -> Result<StoredMatrix> {
        let (row, labels): (Option<MatrixRow>, Vec<(String, i64, String)>) = on_db!(self, pool => {
            let row = sqlx::query_as("SELECT likelihood_levels, consequence_levels, medium_from, high_from, critical_from, version
                FROM risk_matrices WHERE municipality_id = $1")
                .bind(municipality_id).fetch_optional(pool).await?;
            let labels = sqlx::query_as("SELECT axis, level, label FROM risk_matrix_levels WHERE municipality_id = $1 ORDER BY axis, level")
                .bind(municipality_id).fetch_all(pool).await?;
            (row, labels)
        });
        let Some((l, c, medium, high, critical, version)) = row else {
            return Ok(StoredMatrix { matrix: Matrix::default(), version: 0 });
        };
        let axis = |name: &str, n: i64| -> Vec<String> {
            (1..=n)
                .map(|level| {
                    labels
                        .iter()
                        .find(|(a, lv, _)| a == name && *lv == level)
                        .map(|(_, _, label)| label.clone())
                        .unwrap_or_else(|| level.to_string())
                })
                .collect()
        };
        let t = |v: i64| u16::try_from(v).unwrap_or(u16::MAX);
        Ok(StoredMatrix {
            matrix: Matrix {
                likelihood: axis("likelihood", l),
                consequence: axis("consequence", c),
                thresholds: Thresholds { medium: t(medium), high: t(high), critical: t(critical) },
            },
            version,
        })
    }

    /// Saves the municipality's matrix at `expected_version` (0: the default, first save). A
    /// stale version is `Conflict`; fewer levels on an axis than a stored risk uses is the rule
    /// error `err-risk-matrix-in-use` on that axis. Returns the new version.
    pub async fn risk_matrix_save(&self, author: &Author, expected_version: i64, matrix: &Matrix) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let before = self.risk_matrix(mid).await?;
        let (nl, nc) = (i64::from(matrix.likelihood_levels()), i64::from(matrix.consequence_levels()));
        let t = matrix.thresholds;
        let version = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let current: Option<i64> = sqlx::query_scalar("SELECT version FROM risk_matrices WHERE municipality_id = $1")
                .bind(mid).fetch_optional(&mut *tx).await?;
            if current.unwrap_or(0) != expected_version {
                return Err(StoreError::Conflict);
            }
            let (used_l, used_c): (Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT MAX(CASE WHEN r.inherent_likelihood > r.current_likelihood THEN r.inherent_likelihood ELSE r.current_likelihood END),
                        MAX(CASE WHEN r.inherent_consequence > r.current_consequence THEN r.inherent_consequence ELSE r.current_consequence END)
                 FROM risk_items r JOIN risk_analyses a ON a.id = r.analysis_id WHERE a.municipality_id = $1")
                .bind(mid).fetch_one(&mut *tx).await?;
            // The residual is never above the current score, but each of its levels may be.
            let (res_l, res_c): (Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT MAX(r.residual_likelihood), MAX(r.residual_consequence)
                 FROM risk_items r JOIN risk_analyses a ON a.id = r.analysis_id WHERE a.municipality_id = $1")
                .bind(mid).fetch_one(&mut *tx).await?;
            let max_l = used_l.unwrap_or(0).max(res_l.unwrap_or(0));
            let max_c = used_c.unwrap_or(0).max(res_c.unwrap_or(0));
            if max_l > nl {
                return Err(StoreError::Rule(RuleError::new("err-risk-matrix-in-use").with("used", max_l.to_string()).on("likelihood")));
            }
            if max_c > nc {
                return Err(StoreError::Rule(RuleError::new("err-risk-matrix-in-use").with("used", max_c.to_string()).on("consequence")));
            }
            if current.is_none() {
                sqlx::query("INSERT INTO risk_matrices (municipality_id, likelihood_levels, consequence_levels, medium_from, high_from, critical_from, version, updated_by, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8)")
                    .bind(mid).bind(nl).bind(nc).bind(i64::from(t.medium)).bind(i64::from(t.high)).bind(i64::from(t.critical))
                    .bind(&author.name).bind(ts).execute(&mut *tx).await?;
            } else {
                sqlx::query("UPDATE risk_matrices SET likelihood_levels = $1, consequence_levels = $2, medium_from = $3, high_from = $4,
                        critical_from = $5, version = version + 1, updated_by = $6, updated_at = $7 WHERE municipality_id = $8")
                    .bind(nl).bind(nc).bind(i64::from(t.medium)).bind(i64::from(t.high)).bind(i64::from(t.critical))
                    .bind(&author.name).bind(ts).bind(mid).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM risk_matrix_levels WHERE municipality_id = $1").bind(mid).execute(&mut *tx).await?;
            for (axis, words) in [("likelihood", &matrix.likelihood), ("consequence", &matrix.consequence)] {
                for (i, label) in words.iter().enumerate() {
                    sqlx::query("INSERT INTO risk_matrix_levels (municipality_id, axis, level, label) VALUES ($1, $2, $3, $4)")
                        .bind(mid).bind(axis).bind(i as i64 + 1).bind(label).execute(&mut *tx).await?;
                }
            }
            audit_in_tx!(tx, author, "risk_matrix", mid, if current.is_none() { "create" } else { "update" },
                crate::audit::snapshot(&before.matrix), crate::audit::snapshot(matrix));
            tx.commit().await?;
            expected_version + 1
        });
        Ok(version)
    }

    /// The municipality's analyses, of one year or all, newest year first.
    pub async fn risk_analyses(&self, municipality_id: i64, year: Option<i32>) -> Result<Vec<Analysis>> {
        let filter = if year.is_some() { "AND a.year = $2" } else { "AND $2 = 0" };
        let sql = format!(
            "SELECT {ANALYSIS_COLUMNS} FROM risk_analyses a WHERE a.municipality_id = $1 {filter} ORDER BY a.year DESC, a.id"
        );
        let year = year.map_or(0, i64::from);
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Analysis>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(year).fetch_all(pool).await?
        }))
    }

    /// One analysis of the municipality (`NotFound` for another's).
    pub async fn risk_analysis(&self, municipality_id: i64, id: i64) -> Result<Analysis> {
        let sql = format!("SELECT {ANALYSIS_COLUMNS} FROM risk_analyses a WHERE a.municipality_id = $1 AND a.id = $2");
        on_db!(self, pool => {
            sqlx::query_as::<_, Analysis>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(id).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// Makes the analysis of a unit of the municipality for a year; another of the same unit and
    /// year is the rule error `err-risk-analysis-exists`, a unit of another municipality `NotFound`.
    pub async fn risk_analysis_create(&self, author: &Author, unit_id: i64, year: i32, summary: &str) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            // One statement checks the unit and writes: on SQLite a transaction that reads first
            // and writes after another connection's commit fails at once instead of waiting.
            let id: Option<i64> = sqlx::query_scalar("INSERT INTO risk_analyses (municipality_id, unit_id, year, summary, version, updated_by, updated_at)
                SELECT $1, id, $3, $4, 1, $5, $6 FROM org_units WHERE id = $2 AND municipality_id = $1 RETURNING id")
                .bind(mid).bind(unit_id).bind(i64::from(year)).bind(summary).bind(&author.name).bind(ts)
                .fetch_optional(&mut *tx).await
                .map_err(|e| StoreError::from(e).unique_as("err-risk-analysis-exists"))?;
            let Some(id) = id else {
                return Err(StoreError::NotFound);
            };
            audit_in_tx!(tx, author, "risk_analysis", id, "create", None,
                Some(serde_json::json!({"unit_id": unit_id, "year": year, "summary": summary})));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Saves an analysis's summary at `expected_version`. Returns the new version.
    pub async fn risk_analysis_save(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        summary: &str,
    ) -> Result<i64> {
        let before = self.risk_analysis(author.municipality_id, id).await?;
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE risk_analyses SET summary = $1, version = version + 1, updated_by = $2, updated_at = $3
                WHERE id = $4 AND municipality_id = $5 AND version = $6")
                .bind(summary).bind(&author.name).bind(ts).bind(id).bind(author.municipality_id).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "risk_analysis", id, "update",
                Some(serde_json::json!({"summary": before.summary})), Some(serde_json::json!({"summary": summary})));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }

    async fn risk_rows(&self, municipality_id: i64, filter: &str, id: i64) -> Result<Vec<StoredRisk>> {
        let matrix = self.risk_matrix(municipality_id).await?.matrix;
        let sql = format!(
            "SELECT {RISK_COLUMNS} FROM risk_items r JOIN risk_analyses a ON a.id = r.analysis_id
             WHERE a.municipality_id = $1 AND {filter} = $2 ORDER BY r.id"
        );
        let links_sql = format!(
            "SELECT m.item_id, e.id, e.text, e.deadline, e.status FROM risk_item_measures m
             JOIN risk_items r ON r.id = m.item_id JOIN risk_analyses a ON a.id = r.analysis_id
             JOIN goal_elements e ON e.id = m.element_id
             WHERE a.municipality_id = $1 AND {filter} = $2 ORDER BY m.item_id, e.deadline, e.id"
        );
        let (rows, links): (Vec<RiskRow>, Vec<LinkRow>) = on_db!(self, pool => {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(id).fetch_all(pool).await?;
            let links = sqlx::query_as(sqlx::AssertSqlSafe(links_sql.clone())).bind(municipality_id).bind(id).fetch_all(pool).await?;
            (rows, links)
        });
        rows.into_iter()
            .map(|r| {
                let measures = links
                    .iter()
                    .filter(|l| l.0 == r.id)
                    .map(|(_, id, text, deadline, status)| LinkedMeasure {
                        id: *id,
                        text: text.clone(),
                        deadline: *deadline,
                        status: status.clone(),
                    })
                    .collect();
                risk(&matrix, r, measures)
            })
            .collect()
    }

    /// An analysis's risks in the order they were added.
    pub async fn risk_items(&self, municipality_id: i64, analysis_id: i64) -> Result<Vec<StoredRisk>> {
        self.risk_rows(municipality_id, "r.analysis_id", analysis_id).await
    }

    /// Every risk of the municipality's analyses of `year`.
    pub async fn risk_items_of_year(&self, municipality_id: i64, year: i32) -> Result<Vec<StoredRisk>> {
        self.risk_rows(municipality_id, "a.year", i64::from(year)).await
    }

    /// One risk with its analysis (`NotFound` outside the municipality).
    pub async fn risk_item(&self, municipality_id: i64, id: i64) -> Result<(Analysis, StoredRisk)> {
        let r = self.risk_rows(municipality_id, "r.id", id).await?.into_iter().next().ok_or(StoreError::NotFound)?;
        let analysis = self.risk_analysis(municipality_id, r.analysis_id).await?;
        Ok((analysis, r))
    }

    /// The current levels of every risk in the municipality's analyses of `year`, for aggregation.
    pub async fn risk_levels(&self, municipality_id: i64, year: i32) -> Result<Vec<RiskLevels>> {
        let rows: Vec<(i64, i64, i64, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT a.unit_id, r.id, r.current_likelihood, r.current_consequence
                FROM risk_items r JOIN risk_analyses a ON a.id = r.analysis_id
                WHERE a.municipality_id = $1 AND a.year = $2")
                .bind(municipality_id).bind(i64::from(year)).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(unit_id, id, likelihood, consequence)| RiskLevels { unit_id, id, likelihood, consequence })
            .collect())
    }

    /// The measures a risk of `unit_id`'s analysis may link to: live measures of the municipality
    /// owned by the unit or sitting in a plan it owns, by deadline.
    pub async fn risk_measure_choices(&self, municipality_id: i64, unit_id: i64) -> Result<Vec<MeasureChoice>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, MeasureChoice>("SELECT e.id, e.text, e.deadline FROM goal_elements e JOIN plans p ON p.id = e.plan_id
                WHERE e.municipality_id = $1 AND e.kind = 'measure' AND e.removed_at IS NULL
                  AND (e.owner_unit_id = $2 OR p.owner_unit_id = $2)
                ORDER BY e.deadline, e.id")
                .bind(municipality_id).bind(unit_id).fetch_all(pool).await?
        }))
    }

    /// Adds (`id` `None`) or saves a risk of `analysis_id` at `expected_version`, with its treatment
    /// measures; removes it when `input` is `None`. Each level must fit the matrix in force and each
    /// measure be a live measure of the municipality, both checked inside the transaction. Returns
    /// the id and the new version (0 once removed).
    pub async fn risk_item_save(
        &self,
        author: &Author,
        analysis_id: i64,
        id: Option<i64>,
        expected_version: i64,
        input: Option<(&RiskItem, &[i64])>,
    ) -> Result<(i64, i64)> {
        let mid = author.municipality_id;
        let before = match id {
            Some(id) => {
                let (a, r) = self.risk_item(mid, id).await?;
                if a.id != analysis_id {
                    return Err(StoreError::NotFound);
                }
                Some(r)
            }
            None => None,
        };
        let ts = now();
        let saved = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let analysis: Option<i64> = sqlx::query_scalar("SELECT id FROM risk_analyses WHERE id = $1 AND municipality_id = $2")
                .bind(analysis_id).bind(mid).fetch_optional(&mut *tx).await?;
            if analysis.is_none() {
                return Err(StoreError::NotFound);
            }
            if let Some((item, measures)) = input {
                let size: Option<(i64, i64)> = sqlx::query_as("SELECT likelihood_levels, consequence_levels FROM risk_matrices WHERE municipality_id = $1")
                    .bind(mid).fetch_optional(&mut *tx).await?;
                let (nl, nc) = size.unwrap_or((5, 5));
                let l = levels(item);
                if let Some(i) = [0, 2, 4].into_iter().find(|i| l[*i] > nl) {
                    let field = ["inherent_likelihood", "", "current_likelihood", "", "residual_likelihood"][i];
                    return Err(StoreError::Rule(RuleError::new("err-risk-likelihood-range")
                        .with("value", l[i].to_string()).with("max", nl.to_string()).on(field)));
                }
                if let Some(i) = [1, 3, 5].into_iter().find(|i| l[*i] > nc) {
                    let field = ["", "inherent_consequence", "", "current_consequence", "", "residual_consequence"][i];
                    return Err(StoreError::Rule(RuleError::new("err-risk-consequence-range")
                        .with("value", l[i].to_string()).with("max", nc.to_string()).on(field)));
                }
                for m in measures {
                    let ok: Option<i64> = sqlx::query_scalar("SELECT id FROM goal_elements
                        WHERE id = $1 AND municipality_id = $2 AND kind = 'measure' AND removed_at IS NULL")
                        .bind(m).bind(mid).fetch_optional(&mut *tx).await?;
                    if ok.is_none() {
                        return Err(StoreError::Rule(RuleError::new("err-risk-measure").on("measures")));
                    }
                }
            }
            let (id, version, action) = match (id, input) {
                (None, Some((x, _))) => {
                    let l = levels(x);
                    let id: i64 = sqlx::query_scalar("INSERT INTO risk_items (analysis_id, description, cause, consequence_text, category, category_label,
                            inherent_likelihood, inherent_consequence, current_likelihood, current_consequence, residual_likelihood, residual_consequence,
                            treatment, review_on, version, updated_by, updated_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16) RETURNING id")
                        .bind(analysis_id).bind(&x.description).bind(&x.cause).bind(&x.consequence_text)
                        .bind(x.category.code()).bind(x.category.own_label())
                        .bind(l[0]).bind(l[1]).bind(l[2]).bind(l[3]).bind(l[4]).bind(l[5])
                        .bind(x.treatment.code()).bind(x.review_on).bind(&author.name).bind(ts)
                        .fetch_one(&mut *tx).await?;
                    (id, 1, "create")
                }
                (Some(id), Some((x, _))) => {
                    let l = levels(x);
                    let n = sqlx::query("UPDATE risk_items SET description = $1, cause = $2, consequence_text = $3, category = $4, category_label = $5,
                            inherent_likelihood = $6, inherent_consequence = $7, current_likelihood = $8, current_consequence = $9,
                            residual_likelihood = $10, residual_consequence = $11, treatment = $12, review_on = $13,
                            version = version + 1, updated_by = $14, updated_at = $15
                        WHERE id = $16 AND analysis_id = $17 AND version = $18")
                        .bind(&x.description).bind(&x.cause).bind(&x.consequence_text)
                        .bind(x.category.code()).bind(x.category.own_label())
                        .bind(l[0]).bind(l[1]).bind(l[2]).bind(l[3]).bind(l[4]).bind(l[5])
                        .bind(x.treatment.code()).bind(x.review_on).bind(&author.name).bind(ts)
                        .bind(id).bind(analysis_id).bind(expected_version)
                        .execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Err(StoreError::Conflict);
                    }
                    (id, expected_version + 1, "update")
                }
                (Some(id), None) => {
                    // The links go with the risk (ON DELETE CASCADE).
                    let n = sqlx::query("DELETE FROM risk_items WHERE id = $1 AND analysis_id = $2 AND version = $3")
                        .bind(id).bind(analysis_id).bind(expected_version).execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Err(StoreError::Conflict);
                    }
                    (id, 0, "delete")
                }
                (None, None) => return Err(StoreError::NotFound),
            };
            if let Some((_, measures)) = input {
                sqlx::query("DELETE FROM risk_item_measures WHERE item_id = $1").bind(id).execute(&mut *tx).await?;
                let mut unique = measures.to_vec();
                unique.sort_unstable();
                unique.dedup();
                for m in unique {
                    sqlx::query("INSERT INTO risk_item_measures (item_id, element_id) VALUES ($1, $2)")
                        .bind(id).bind(m).execute(&mut *tx).await?;
                }
            }
            let after = input.map(|(item, measures)| serde_json::json!({"item": item, "measures": measures}));
            audit_in_tx!(tx, author, "risk_item", id, action, before.as_ref().and_then(crate::audit::snapshot), after);
            tx.commit().await?;
            (id, version)
        });
        Ok(saved)
    }

    /// Records an acceptance of a risk (checked by the caller against the risk as read at
    /// `expected_version`, so a risk changed since is `Conflict`). Returns the new version.
    pub async fn risk_accept(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        acceptance: &Acceptance,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let (_, before) = self.risk_item(mid, id).await?;
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE risk_items SET accepted_by_user_id = $1, accepted_by = $2, accepted_level = $3, accepted_at = $4,
                    accept_expires_on = $5, version = version + 1, updated_by = $2, updated_at = $4
                WHERE id = $6 AND version = $7
                  AND analysis_id IN (SELECT id FROM risk_analyses WHERE municipality_id = $8)")
                .bind(author.user_id).bind(&author.name).bind(i64::from(acceptance.level)).bind(ts)
                .bind(acceptance.expires_on).bind(id).bind(expected_version).bind(mid)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "risk_item", id, "accept",
                before.acceptance.as_ref().and_then(crate::audit::snapshot), crate::audit::snapshot(acceptance));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }
}
