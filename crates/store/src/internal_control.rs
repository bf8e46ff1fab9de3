//! Internal control (*internkontroll*, migration 0025): control activities with their risks, one
//! execution record per period with its evidence files, and the unit managers' yearly reports
//! upward.
//!
//! Every write is one transaction with its audit row, and checks what it refers to (the unit, the
//! owner, the risks) in the same statements that write, so a row of another municipality is never
//! linked. An activity carries a version: a change made from a stale form is `Conflict`.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::internal_control::{
    Evidence, Frequency, Method, NewActivity, NewExecution, NewReport, Outcome, Period,
};
use serde::Serialize;
use serde_json::json;

/// A control activity as stored, with its owner's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ControlActivity {
    /// Id.
    pub id: i64,
    /// The unit whose control it is.
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// What is checked and how.
    pub description: String,
    /// Method.
    #[sqlx(try_from = "String")]
    pub method: Method,
    /// Frequency.
    #[sqlx(try_from = "String")]
    pub frequency: Frequency,
    /// Owner.
    pub owner_person_id: i64,
    /// The owner's name.
    pub owner: String,
    /// Laws and regulations, one per line.
    pub legal_basis: String,
    /// The day it applies from.
    pub starts_on: NaiveDate,
    /// Version.
    pub version: i64,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

impl ControlActivity {
    /// The references to laws and regulations.
    pub fn legal_refs(&self) -> Vec<&str> {
        self.legal_basis.lines().filter(|l| !l.trim().is_empty()).collect()
    }
}

/// A risk a control is linked to, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LinkedRisk {
    /// The activity.
    pub activity_id: i64,
    /// The risk item.
    pub risk_item_id: i64,
    /// Its description.
    pub description: String,
    /// The unit whose analysis holds it.
    pub unit_id: i64,
    /// The analysis's year.
    pub year: i64,
    /// Current likelihood.
    pub likelihood: i64,
    /// Current consequence.
    pub consequence: i64,
}

/// An execution record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ControlExecution {
    /// Id.
    pub id: i64,
    /// Its activity.
    pub activity_id: i64,
    /// The period's year.
    pub period_year: i64,
    /// The period's number in its year.
    pub period_index: i64,
    /// The day it was carried out.
    pub performed_on: NaiveDate,
    /// What it found.
    #[sqlx(try_from = "String")]
    pub outcome: Outcome,
    /// Findings.
    pub findings: String,
    /// Follow-up of a failure.
    pub follow_up: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

impl ControlExecution {
    /// Its period, for an activity of `frequency`.
    pub fn period(&self, frequency: Frequency) -> Period {
        Period { year: self.period_year as i32, index: self.period_index as u32, frequency }
    }
}

/// An evidence file's description (the bytes are read only to download it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EvidenceFile {
    /// Id.
    pub id: i64,
    /// The execution it documents.
    pub execution_id: i64,
    /// The activity of that execution.
    pub activity_id: i64,
    /// File name.
    pub file_name: String,
    /// Media type.
    pub media_type: String,
    /// Size.
    pub size_bytes: i64,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// A unit manager's yearly report upward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ControlReport {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Year.
    pub year: i64,
    /// Significant risks.
    pub significant_risks: String,
    /// Control failures.
    pub control_failures: String,
    /// What worked.
    pub what_worked: String,
    /// Who sent it last.
    pub submitted_by: String,
    /// When.
    pub submitted_at: DateTime<Utc>,
    /// Version.
    pub version: i64,
}

const ACTIVITY: &str = "SELECT a.id, a.unit_id, a.title, a.description, a.method, a.frequency, a.owner_person_id,
    p.name AS owner, a.legal_basis, a.starts_on, a.version, a.updated_by, a.updated_at
    FROM control_activities a JOIN people p ON p.id = a.owner_person_id WHERE a.municipality_id = $1";

const EXECUTION: &str = "SELECT e.id, e.activity_id, e.period_year, e.period_index, e.performed_on, e.outcome,
    e.findings, e.follow_up, e.recorded_by, e.recorded_at
    FROM control_executions e JOIN control_activities a ON a.id = e.activity_id WHERE a.municipality_id = $1";

const EVIDENCE: &str = "SELECT f.id, f.execution_id, e.activity_id, f.file_name, f.media_type, f.size_bytes,
    f.uploaded_by, f.uploaded_at
    FROM control_evidence f JOIN control_executions e ON e.id = f.execution_id
    JOIN control_activities a ON a.id = e.activity_id WHERE a.municipality_id = $1";

const REPORT: &str = "SELECT id, unit_id, year, significant_risks, control_failures, what_worked, submitted_by,
    submitted_at, version FROM control_reports WHERE municipality_id = $1";

fn activity_json(a: &NewActivity) -> serde_json::Value {
    json!({
        "unit_id": a.unit_id, "title": a.title, "description": a.description, "method": a.method.code(),
        "frequency": a.frequency.code(), "owner_person_id": a.owner_person_id,
        "legal_basis": a.legal_basis, "risk_item_ids": a.risk_item_ids, "starts_on": a.starts_on.to_string(),
    })
}

/// Links the activity to its risks, each checked to be of the municipality: `Rule` naming the
/// risk field when one is not.
macro_rules! link_risks {
    ($tx:expr, $mid:expr, $activity:expr, $ids:expr) => {{
        for risk in $ids {
            let n = sqlx::query(
                "INSERT INTO control_activity_risks (activity_id, risk_item_id)
                 SELECT $1, ri.id FROM risk_items ri JOIN risk_analyses ra ON ra.id = ri.analysis_id
                 WHERE ri.id = $2 AND ra.municipality_id = $3",
            )
            .bind($activity)
            .bind(*risk)
            .bind($mid)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Rule(RuleError::new("err-control-risk").on("risk_item_ids")));
            }
        }
    }};
}

impl Db {
    /// The municipality's control activities, by unit and title.
    pub async fn control_activities(&self, municipality_id: i64) -> Result<Vec<ControlActivity>> {
        let sql = format!("{ACTIVITY} ORDER BY a.unit_id, a.title, a.id");
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ControlActivity>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// One control activity of the municipality (`NotFound` for another's).
    pub async fn control_activity(&self, municipality_id: i64, id: i64) -> Result<ControlActivity> {
        let sql = format!("{ACTIVITY} AND a.id = $2");
        on_db!(self, pool => {
            sqlx::query_as::<_, ControlActivity>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(municipality_id).bind(id).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// The risks linked to the municipality's activities (to one when `activity_id` is given).
    pub async fn control_linked_risks(
        &self,
        municipality_id: i64,
        activity_id: Option<i64>,
    ) -> Result<Vec<LinkedRisk>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, LinkedRisk>("SELECT l.activity_id, ri.id AS risk_item_id, ri.description, ra.unit_id, ra.year,
                ri.current_likelihood AS likelihood, ri.current_consequence AS consequence
                FROM control_activity_risks l JOIN risk_items ri ON ri.id = l.risk_item_id
                JOIN risk_analyses ra ON ra.id = ri.analysis_id
                WHERE ra.municipality_id = $1 AND ($2 IS NULL OR l.activity_id = $2)
                ORDER BY l.activity_id, ri.current_likelihood * ri.current_consequence DESC, ri.id")
                .bind(municipality_id).bind(activity_id).fetch_all(pool).await?
        }))
    }

    /// The execution records of the municipality's activities for periods of `year` (one
    /// activity's when `activity_id` is given), by period.
    pub async fn control_executions(
        &self,
        municipality_id: i64,
        year: i32,
        activity_id: Option<i64>,
    ) -> Result<Vec<ControlExecution>> {
        let sql = format!(
            "{EXECUTION} AND e.period_year = $2 AND ($3 IS NULL OR e.activity_id = $3)
             ORDER BY e.activity_id, e.period_index"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ControlExecution>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(municipality_id).bind(i64::from(year)).bind(activity_id).fetch_all(pool).await?
        }))
    }

    /// The evidence files of an activity's executions, oldest first.
    pub async fn control_evidence_files(&self, municipality_id: i64, activity_id: i64) -> Result<Vec<EvidenceFile>> {
        let sql = format!("{EVIDENCE} AND e.activity_id = $2 ORDER BY f.id");
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, EvidenceFile>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(municipality_id).bind(activity_id).fetch_all(pool).await?
        }))
    }

    /// One evidence file with its bytes (`NotFound` for another municipality's).
    pub async fn control_evidence(&self, municipality_id: i64, id: i64) -> Result<(EvidenceFile, Vec<u8>)> {
        let sql = format!("{EVIDENCE} AND f.id = $2");
        let file = on_db!(self, pool => {
            sqlx::query_as::<_, EvidenceFile>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(municipality_id).bind(id).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)?;
        let body: Vec<u8> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT body FROM control_evidence WHERE id = $1").bind(id).fetch_one(pool).await?
        });
        Ok((file, body))
    }

    /// Sets up a control activity for a unit of the municipality with an owner of the municipality
    /// (`NotFound` if either is not) and its risks (`Rule` if one is not the municipality's).
    pub async fn control_activity_create(&self, author: &Author, new: &NewActivity) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = sqlx::query_scalar("INSERT INTO control_activities (municipality_id, unit_id, title,
                description, method, frequency, owner_person_id, legal_basis, starts_on, version, updated_by, updated_at)
                SELECT $1, u.id, $3, $4, $5, $6, p.id, $8, $9, 1, $10, $11
                FROM org_units u JOIN people p ON p.id = $7 AND p.municipality_id = $1
                WHERE u.id = $2 AND u.municipality_id = $1 RETURNING id")
                .bind(mid).bind(new.unit_id).bind(&new.title).bind(&new.description).bind(new.method.code())
                .bind(new.frequency.code()).bind(new.owner_person_id).bind(new.legal_basis.join("\n"))
                .bind(new.starts_on).bind(&author.name).bind(ts)
                .fetch_optional(&mut *tx).await?;
            let Some(id) = id else {
                return Err(StoreError::NotFound);
            };
            link_risks!(tx, mid, id, &new.risk_item_ids);
            audit_in_tx!(tx, author, "control_activity", id, "create", None, Some(activity_json(new)));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Changes an activity at `expected_version` (`Conflict` if stale). Its frequency cannot change
    /// once a period is recorded, since the records count periods of it (`Rule`).
    pub async fn control_activity_update(
        &self,
        author: &Author,
        before: &ControlActivity,
        expected_version: i64,
        new: &NewActivity,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let old_risks: Vec<i64> =
            self.control_linked_risks(mid, Some(before.id)).await?.iter().map(|r| r.risk_item_id).collect();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE control_activities SET unit_id = $1, title = $2, description = $3, method = $4,
                frequency = $5, owner_person_id = $6, legal_basis = $7, starts_on = $8, version = version + 1,
                updated_by = $9, updated_at = $10
                WHERE id = $11 AND municipality_id = $12 AND version = $13
                AND EXISTS (SELECT 1 FROM org_units WHERE id = $1 AND municipality_id = $12)
                AND EXISTS (SELECT 1 FROM people WHERE id = $6 AND municipality_id = $12)
                AND (frequency = $5 OR NOT EXISTS (SELECT 1 FROM control_executions WHERE activity_id = $11))")
                .bind(new.unit_id).bind(&new.title).bind(&new.description).bind(new.method.code())
                .bind(new.frequency.code()).bind(new.owner_person_id).bind(new.legal_basis.join("\n"))
                .bind(new.starts_on).bind(&author.name).bind(ts).bind(before.id).bind(mid).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                let version: Option<i64> = sqlx::query_scalar("SELECT version FROM control_activities WHERE id = $1")
                    .bind(before.id).fetch_optional(&mut *tx).await?;
                return Err(if version != Some(expected_version) {
                    StoreError::Conflict
                } else if new.frequency != before.frequency {
                    StoreError::Rule(RuleError::new("err-control-frequency-locked").on("frequency"))
                } else {
                    StoreError::NotFound
                });
            }
            sqlx::query("DELETE FROM control_activity_risks WHERE activity_id = $1").bind(before.id).execute(&mut *tx).await?;
            link_risks!(tx, mid, before.id, &new.risk_item_ids);
            audit_in_tx!(tx, author, "control_activity", before.id, "update", Some(json!({
                "unit_id": before.unit_id, "title": before.title, "description": before.description,
                "method": before.method.code(), "frequency": before.frequency.code(),
                "owner_person_id": before.owner_person_id, "legal_basis": before.legal_refs(),
                "risk_item_ids": old_risks, "starts_on": before.starts_on.to_string(),
            })), Some(activity_json(new)));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }

    /// Records the execution of a period of the activity, with an evidence file if one is given.
    /// A period already recorded is `Rule` (`err-control-period-done`). Returns the record's id.
    pub async fn control_execution_add(
        &self,
        author: &Author,
        activity: &ControlActivity,
        new: &NewExecution,
        evidence: Option<(&Evidence, &[u8])>,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = sqlx::query_scalar("INSERT INTO control_executions (activity_id, period_year, period_index,
                performed_on, outcome, findings, follow_up, recorded_by, recorded_at)
                SELECT id, $3, $4, $5, $6, $7, $8, $9, $10 FROM control_activities WHERE id = $1 AND municipality_id = $2
                RETURNING id")
                .bind(activity.id).bind(mid).bind(i64::from(new.period.year)).bind(i64::from(new.period.index))
                .bind(new.performed_on).bind(new.outcome.code()).bind(&new.findings).bind(&new.follow_up)
                .bind(&author.name).bind(ts)
                .fetch_optional(&mut *tx).await
                .map_err(|e| StoreError::from(e).unique_as("err-control-period-done"))?;
            let Some(id) = id else {
                return Err(StoreError::NotFound);
            };
            audit_in_tx!(tx, author, "control_execution", id, "create", None, Some(json!({
                "activity_id": activity.id, "period": new.period.code(), "performed_on": new.performed_on.to_string(),
                "outcome": new.outcome.code(), "findings": new.findings, "follow_up": new.follow_up,
            })));
            if let Some((e, bytes)) = evidence {
                let file: i64 = sqlx::query_scalar("INSERT INTO control_evidence (execution_id, file_name, media_type,
                    size_bytes, body, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                    .bind(id).bind(&e.file_name).bind(e.kind.media_type()).bind(bytes.len() as i64).bind(bytes)
                    .bind(&author.name).bind(ts)
                    .fetch_one(&mut *tx).await?;
                audit_in_tx!(tx, author, "control_evidence", file, "create", None, Some(json!({
                    "execution_id": id, "file_name": e.file_name, "media_type": e.kind.media_type(), "size_bytes": bytes.len(),
                })));
            }
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Adds an evidence file to an execution of the activity (`NotFound` if it is not one of its).
    pub async fn control_evidence_add(
        &self,
        author: &Author,
        activity: &ControlActivity,
        execution_id: i64,
        evidence: &Evidence,
        bytes: &[u8],
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = sqlx::query_scalar("INSERT INTO control_evidence (execution_id, file_name, media_type,
                size_bytes, body, uploaded_by, uploaded_at)
                SELECT e.id, $3, $4, $5, $6, $7, $8 FROM control_executions e JOIN control_activities a ON a.id = e.activity_id
                WHERE e.id = $1 AND a.id = $2 AND a.municipality_id = $9 RETURNING id")
                .bind(execution_id).bind(activity.id).bind(&evidence.file_name).bind(evidence.kind.media_type())
                .bind(bytes.len() as i64).bind(bytes).bind(&author.name).bind(ts).bind(mid)
                .fetch_optional(&mut *tx).await?;
            let Some(id) = id else {
                return Err(StoreError::NotFound);
            };
            audit_in_tx!(tx, author, "control_evidence", id, "create", None, Some(json!({
                "execution_id": execution_id, "file_name": evidence.file_name,
                "media_type": evidence.kind.media_type(), "size_bytes": bytes.len(),
            })));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// The reports upward of a year.
    pub async fn control_reports(&self, municipality_id: i64, year: i32) -> Result<Vec<ControlReport>> {
        let sql = format!("{REPORT} AND year = $2 ORDER BY unit_id");
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ControlReport>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(municipality_id).bind(i64::from(year)).fetch_all(pool).await?
        }))
    }

    /// A unit's report upward for a year, if sent.
    pub async fn control_report(&self, municipality_id: i64, unit_id: i64, year: i32) -> Result<Option<ControlReport>> {
        let sql = format!("{REPORT} AND unit_id = $2 AND year = $3");
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ControlReport>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(municipality_id).bind(unit_id).bind(i64::from(year)).fetch_optional(pool).await?
        }))
    }

    /// Sends a unit's report for a year: the first (`expected_version` `None`) or a revision of the
    /// one read at `expected_version`. Another's report sent in between is `Conflict`.
    pub async fn control_report_save(
        &self,
        author: &Author,
        unit_id: i64,
        year: i32,
        expected_version: Option<i64>,
        new: &NewReport,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let values = json!({
            "unit_id": unit_id, "year": year, "significant_risks": new.significant_risks,
            "control_failures": new.control_failures, "what_worked": new.what_worked,
        });
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = match expected_version {
                None => sqlx::query_scalar("INSERT INTO control_reports (municipality_id, unit_id, year, significant_risks,
                    control_failures, what_worked, submitted_by, submitted_at, version)
                    SELECT $1, id, $3, $4, $5, $6, $7, $8, 1 FROM org_units WHERE id = $2 AND municipality_id = $1 RETURNING id")
                    .bind(mid).bind(unit_id).bind(i64::from(year)).bind(&new.significant_risks).bind(&new.control_failures)
                    .bind(&new.what_worked).bind(&author.name).bind(ts)
                    .fetch_optional(&mut *tx).await
                    .map_err(|e| match StoreError::from(e).unique_as("err-control-report-sent") {
                        StoreError::Rule(_) => StoreError::Conflict,
                        other => other,
                    })?,
                Some(v) => {
                    let id: Option<i64> = sqlx::query_scalar("UPDATE control_reports SET significant_risks = $1,
                        control_failures = $2, what_worked = $3, submitted_by = $4, submitted_at = $5, version = version + 1
                        WHERE municipality_id = $6 AND unit_id = $7 AND year = $8 AND version = $9 RETURNING id")
                        .bind(&new.significant_risks).bind(&new.control_failures).bind(&new.what_worked)
                        .bind(&author.name).bind(ts).bind(mid).bind(unit_id).bind(i64::from(year)).bind(v)
                        .fetch_optional(&mut *tx).await?;
                    if id.is_none() {
                        return Err(StoreError::Conflict);
                    }
                    id
                }
            };
            let Some(id) = id else {
                return Err(StoreError::NotFound);
            };
            audit_in_tx!(tx, author, "control_report", id, if expected_version.is_some() { "update" } else { "create" },
                None, Some(values));
            tx.commit().await?;
            id
        });
        Ok(id)
    }
}
