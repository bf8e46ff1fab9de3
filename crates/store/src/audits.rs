//! Audits and inspections (*revisjoner og tilsyn*, migration 0026) with their findings, and the
//! yearly management reviews.
//!
//! Every write is one transaction with its audit row. An audit carries a version that every change
//! to it or its findings raises: the service checks a rule (closing with no open finding) against
//! the audit as read, and the write goes through only at that version, or it is `Conflict`.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::audits::{AuditKind, FindingKind, NewAudit, NewFinding, NewReview};
use serde::Serialize;
use serde_json::json;

/// An audit or inspection as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Audit {
    /// Id.
    pub id: i64,
    /// The audited unit.
    pub unit_id: i64,
    /// Kind.
    #[sqlx(try_from = "String")]
    pub kind: AuditKind,
    /// Theme.
    pub title: String,
    /// Auditor.
    pub auditor: String,
    /// Carried out.
    pub held_on: NaiveDate,
    /// Final report.
    pub report_on: Option<NaiveDate>,
    /// Summary.
    pub summary: String,
    /// `open` or `closed`.
    pub status: String,
    /// How it was closed.
    pub closing_note: String,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// When.
    pub closed_at: Option<DateTime<Utc>>,
    /// Version.
    pub version: i64,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

impl Audit {
    /// Whether it is still open.
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

/// A finding of an audit, with its responsible person's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Finding {
    /// Id.
    pub id: i64,
    /// Its audit.
    pub audit_id: i64,
    /// Kind.
    #[sqlx(try_from = "String")]
    pub kind: FindingKind,
    /// What was found.
    pub description: String,
    /// The corrective measure.
    pub measure: String,
    /// Responsible.
    pub responsible_person_id: Option<i64>,
    /// The responsible person's name.
    pub responsible: Option<String>,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
    /// Closed on.
    pub closed_on: Option<NaiveDate>,
    /// What was done.
    pub closing_note: String,
    /// Who closed it.
    pub closed_by: Option<String>,
}

impl Finding {
    /// Whether it is late on `today`: open and past its deadline.
    pub fn late(&self, today: NaiveDate) -> bool {
        self.closed_on.is_none() && self.deadline.is_some_and(|d| d < today)
    }
}

/// A management review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Review {
    /// Id.
    pub id: i64,
    /// Year.
    pub year: i64,
    /// Held.
    pub held_on: NaiveDate,
    /// Participants.
    pub participants: String,
    /// Inputs.
    pub inputs: String,
    /// Decisions.
    pub decisions: String,
    /// Version.
    pub version: i64,
    /// Who saved it last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

const AUDIT: &str = "SELECT id, unit_id, kind, title, auditor, held_on, report_on, summary, status, closing_note,
    closed_by, closed_at, version, updated_by, updated_at FROM audits WHERE municipality_id = $1";

const FINDING: &str = "SELECT f.id, f.audit_id, f.kind, f.description, f.measure, f.responsible_person_id,
    p.name AS responsible, f.deadline, f.closed_on, f.closing_note, f.closed_by
    FROM audit_findings f JOIN audits a ON a.id = f.audit_id LEFT JOIN people p ON p.id = f.responsible_person_id
    WHERE a.municipality_id = $1";

const REVIEW: &str = "SELECT id, year, held_on, participants, inputs, decisions, version, updated_by, updated_at
    FROM management_reviews WHERE municipality_id = $1";

/// Raises the version of an open audit still at the version read ($5).
const RAISE_VERSION: &str = "UPDATE audits SET version = version + 1, updated_by = $1, updated_at = $2
    WHERE id = $3 AND municipality_id = $4 AND version = $5 AND status = 'open'";

impl Db {
    /// The municipality's audits held in `year` (every year with `None`), newest first.
    pub async fn audits(&self, municipality_id: i64, year: Option<i32>) -> Result<Vec<Audit>> {
        let (from, to) = match year {
            Some(y) => (ymd(y, 1, 1), ymd(y + 1, 1, 1)),
            None => (ymd(1900, 1, 1), ymd(9999, 12, 31)),
        };
        let sql = format!("{AUDIT} AND held_on >= $2 AND held_on < $3 ORDER BY held_on DESC, id DESC");
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Audit>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(from).bind(to).fetch_all(pool).await?
        }))
    }

    /// One audit of the municipality (`NotFound` for another's).
    pub async fn audit(&self, municipality_id: i64, id: i64) -> Result<Audit> {
        let sql = format!("{AUDIT} AND id = $2");
        on_db!(self, pool => {
            sqlx::query_as::<_, Audit>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(id).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// The findings of one audit (of every audit with `None`), by audit and id.
    pub async fn audit_findings(&self, municipality_id: i64, audit_id: Option<i64>) -> Result<Vec<Finding>> {
        let sql = format!("{FINDING} AND ($2 IS NULL OR f.audit_id = $2) ORDER BY f.audit_id, f.id");
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Finding>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(audit_id).fetch_all(pool).await?
        }))
    }

    /// Registers an audit of a unit of the municipality (`NotFound` otherwise). Returns its id.
    pub async fn audit_create(&self, author: &Author, new: &NewAudit) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = sqlx::query_scalar("INSERT INTO audits (municipality_id, unit_id, kind, title, auditor,
                held_on, report_on, summary, status, version, updated_by, updated_at)
                SELECT $1, id, $3, $4, $5, $6, $7, $8, 'open', 1, $9, $10 FROM org_units WHERE id = $2 AND municipality_id = $1
                RETURNING id")
                .bind(mid).bind(new.unit_id).bind(new.kind.code()).bind(&new.title).bind(&new.auditor)
                .bind(new.held_on).bind(new.report_on).bind(&new.summary).bind(&author.name).bind(ts)
                .fetch_optional(&mut *tx).await?;
            let Some(id) = id else {
                return Err(StoreError::NotFound);
            };
            audit_in_tx!(tx, author, "audit", id, "create", None, Some(json!({
                "kind": new.kind.code(), "title": new.title, "auditor": new.auditor, "unit_id": new.unit_id,
                "held_on": new.held_on.to_string(), "report_on": new.report_on.map(|d| d.to_string()), "summary": new.summary,
            })));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Adds a finding to an open audit at `expected_version`, its responsible person one of the
    /// municipality's (`NotFound` otherwise). Returns the audit's new version.
    pub async fn audit_finding_add(
        &self,
        author: &Author,
        audit: &Audit,
        expected_version: i64,
        new: &NewFinding,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(RAISE_VERSION)
                .bind(&author.name).bind(ts).bind(audit.id).bind(mid).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            let id: Option<i64> = sqlx::query_scalar("INSERT INTO audit_findings (audit_id, kind, description, measure,
                responsible_person_id, deadline, updated_by, updated_at)
                SELECT $1, $2, $3, $4, $5, $6, $7, $8
                WHERE $5 IS NULL OR EXISTS (SELECT 1 FROM people WHERE id = $5 AND municipality_id = $9) RETURNING id")
                .bind(audit.id).bind(new.kind.code()).bind(&new.description).bind(&new.measure)
                .bind(new.responsible_person_id).bind(new.deadline).bind(&author.name).bind(ts).bind(mid)
                .fetch_optional(&mut *tx).await?;
            let Some(id) = id else {
                return Err(StoreError::NotFound);
            };
            audit_in_tx!(tx, author, "audit_finding", id, "create", None, Some(json!({
                "audit_id": audit.id, "kind": new.kind.code(), "description": new.description, "measure": new.measure,
                "responsible_person_id": new.responsible_person_id, "deadline": new.deadline.map(|d| d.to_string()),
            })));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }

    /// Closes an open finding of the audit with what was done, at the audit's `expected_version`.
    /// Returns the audit's new version.
    pub async fn audit_finding_close(
        &self,
        author: &Author,
        audit: &Audit,
        expected_version: i64,
        finding_id: i64,
        closed_on: NaiveDate,
        note: &str,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(RAISE_VERSION)
                .bind(&author.name).bind(ts).bind(audit.id).bind(mid).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            let n = sqlx::query("UPDATE audit_findings SET closed_on = $1, closing_note = $2, closed_by = $3, updated_by = $3,
                updated_at = $4 WHERE id = $5 AND audit_id = $6 AND closed_on IS NULL")
                .bind(closed_on).bind(note).bind(&author.name).bind(ts).bind(finding_id).bind(audit.id)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit_in_tx!(tx, author, "audit_finding", finding_id, "close", Some(json!({"closed_on": null})),
                Some(json!({"closed_on": closed_on.to_string(), "closing_note": note})));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }

    /// Closes an open audit at `expected_version` (the rule checked by the caller on the findings
    /// read at that version).
    pub async fn audit_close(&self, author: &Author, audit: &Audit, expected_version: i64, note: &str) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE audits SET status = 'closed', closing_note = $1, closed_by = $2, closed_at = $3,
                version = version + 1, updated_by = $2, updated_at = $3
                WHERE id = $4 AND municipality_id = $5 AND version = $6 AND status = 'open'")
                .bind(note).bind(&author.name).bind(ts).bind(audit.id).bind(mid).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "audit", audit.id, "close", Some(json!({"status": "open"})),
                Some(json!({"status": "closed", "closing_note": note})));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }

    /// The management reviews, newest first.
    pub async fn reviews(&self, municipality_id: i64) -> Result<Vec<Review>> {
        let sql = format!("{REVIEW} ORDER BY year DESC");
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Review>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// The review of a year, if held.
    pub async fn review(&self, municipality_id: i64, year: i32) -> Result<Option<Review>> {
        let sql = format!("{REVIEW} AND year = $2");
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Review>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(i64::from(year)).fetch_optional(pool).await?
        }))
    }

    /// Saves the review of a year: the first (`expected_version` `None`; one saved meanwhile is
    /// `Conflict`) or a change of the one read at `expected_version`.
    pub async fn review_save(
        &self,
        author: &Author,
        year: i32,
        expected_version: Option<i64>,
        new: &NewReview,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let values = json!({
            "year": year, "held_on": new.held_on.to_string(), "participants": new.participants,
            "inputs": new.inputs, "decisions": new.decisions,
        });
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = match expected_version {
                None => sqlx::query_scalar("INSERT INTO management_reviews (municipality_id, year, held_on, participants,
                    inputs, decisions, version, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) RETURNING id")
                    .bind(mid).bind(i64::from(year)).bind(new.held_on).bind(&new.participants).bind(&new.inputs)
                    .bind(&new.decisions).bind(&author.name).bind(ts)
                    .fetch_optional(&mut *tx).await
                    .map_err(|e| match StoreError::from(e).unique_as("err-conflict") {
                        StoreError::Rule(_) => StoreError::Conflict,
                        other => other,
                    })?,
                Some(v) => sqlx::query_scalar("UPDATE management_reviews SET held_on = $1, participants = $2, inputs = $3,
                    decisions = $4, version = version + 1, updated_by = $5, updated_at = $6
                    WHERE municipality_id = $7 AND year = $8 AND version = $9 RETURNING id")
                    .bind(new.held_on).bind(&new.participants).bind(&new.inputs).bind(&new.decisions)
                    .bind(&author.name).bind(ts).bind(mid).bind(i64::from(year)).bind(v)
                    .fetch_optional(&mut *tx).await?,
            };
            let Some(id) = id else {
                return Err(StoreError::Conflict);
            };
            audit_in_tx!(tx, author, "management_review", id, if expected_version.is_some() { "update" } else { "create" },
                None, Some(values));
            tx.commit().await?;
            id
        });
        Ok(id)
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}
