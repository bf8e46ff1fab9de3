//! Deviations and improvement ideas (*avvik og forbedringsforslag*, migration 0024) with their
//! corrective and preventive measures.
//!
//! Every write is one transaction with its audit row. A deviation carries a version, and every
//! change to it or its measures raises it: the service checks a rule (triage only once, closing
//! with no open measure) against the deviation as read, and the write goes through only if the
//! version is still the one read, so the rule holds for what is stored or the write is `Conflict`.
//!
//! The audit rows of restricted deviations (health, HR) name the fields changed, never their text:
//! the audit log is read by the auditor and the staff, who may not read those deviations.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::deviations::{
    Category, Closing, InnovationStage, Kind, MeasureKind, NewDeviation, NewMeasure, Pdca, Severity, Status, Triage,
};
use serde::Serialize;
use serde_json::json;

/// A deviation or improvement idea as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Deviation {
    /// Id.
    pub id: i64,
    /// The unit it is registered for.
    pub unit_id: i64,
    /// Incident or idea.
    #[sqlx(try_from = "String")]
    pub kind: Kind,
    /// Category.
    #[sqlx(try_from = "String")]
    pub category: Category,
    /// Restricted (health, HR): only the handling line and the reporter read it.
    pub restricted: bool,
    /// Title.
    pub title: String,
    /// What happened, or the idea.
    pub description: String,
    /// What was done at once.
    pub immediate_action: String,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// The reporter's user account.
    pub reported_by_user_id: i64,
    /// The reporter's name at the time.
    pub reported_by: String,
    /// When it was registered.
    pub reported_at: DateTime<Utc>,
    /// Where it is in its handling.
    #[sqlx(try_from = "String")]
    pub status: Status,
    /// Severity code, set at triage.
    pub severity: Option<String>,
    /// Who triaged it.
    pub triaged_by: Option<String>,
    /// When.
    pub triaged_at: Option<DateTime<Utc>>,
    /// Why it was rejected.
    pub rejection_reason: String,
    /// The cause analysis.
    pub cause: String,
    /// An idea's PDCA stage code.
    pub pdca: Option<String>,
    /// An idea's stage in the innovation pipeline, if it is in it.
    pub innovation_stage: Option<String>,
    /// The effect check written at closing.
    pub effect_check: String,
    /// Whether the measures worked, answered at closing.
    pub effective: Option<bool>,
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

impl Deviation {
    /// Its severity, once triaged.
    pub fn severity(&self) -> Option<Severity> {
        self.severity.as_deref().and_then(|s| Severity::parse(s).ok())
    }

    /// An idea's PDCA stage.
    pub fn pdca(&self) -> Option<Pdca> {
        self.pdca.as_deref().and_then(|s| Pdca::parse(s).ok())
    }

    /// An idea's stage in the innovation pipeline.
    pub fn innovation_stage(&self) -> Option<InnovationStage> {
        self.innovation_stage.as_deref().and_then(|s| InnovationStage::parse(s).ok())
    }
}

/// A corrective or preventive measure of a deviation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DeviationMeasure {
    /// Id.
    pub id: i64,
    /// Its deviation.
    pub deviation_id: i64,
    /// What is to be done.
    pub text: String,
    /// Corrective or preventive.
    #[sqlx(try_from = "String")]
    pub kind: MeasureKind,
    /// The responsible person.
    pub responsible_person_id: i64,
    /// The responsible person's name.
    pub responsible: String,
    /// The deadline.
    pub deadline: NaiveDate,
    /// When it was carried out.
    pub done_on: Option<NaiveDate>,
}

/// A deviation as the trends count it: no texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DeviationFact {
    /// Unit.
    pub unit_id: i64,
    /// Incident or idea.
    #[sqlx(try_from = "String")]
    pub kind: Kind,
    /// Category.
    #[sqlx(try_from = "String")]
    pub category: Category,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// Status.
    #[sqlx(try_from = "String")]
    pub status: Status,
}

const COLUMNS: &str = "d.id, d.unit_id, d.kind, d.category, d.restricted, d.title, d.description, d.immediate_action, \
    d.occurred_on, d.reported_by_user_id, d.reported_by, d.reported_at, d.status, d.severity, d.triaged_by, d.triaged_at, \
    d.rejection_reason, d.cause, d.pdca, d.innovation_stage, d.effect_check, d.effective, d.closed_by, d.closed_at, \
    d.version, d.updated_by, d.updated_at";

/// Raises the version of a deviation being handled, if still at the version read ($5): a change to
/// its measures is a change to it, so a closing checked on the measures read cannot miss one.
const RAISE_VERSION: &str = "UPDATE deviations SET version = version + 1, updated_by = $1, updated_at = $2
    WHERE id = $3 AND municipality_id = $4 AND version = $5 AND status = 'in_progress'";

/// What the audit row of a change shows: the values, or for a restricted deviation only that the
/// field changed.
fn shown(restricted: bool, value: serde_json::Value) -> serde_json::Value {
    if !restricted {
        return value;
    }
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter().map(|(k, v)| (k, if v.is_string() { json!("***") } else { v })).collect(),
        ),
        other => other,
    }
}

impl Db {
    /// The deviations of the municipality registered in a year (by the day they happened), newest
    /// first. Who may read which is the service's to decide (`Actor::can_read_deviation`).
    pub async fn deviations(&self, municipality_id: i64, year: i32) -> Result<Vec<Deviation>> {
        let (from, to) = year_bounds(year);
        let sql = format!(
            "SELECT {COLUMNS} FROM deviations d WHERE d.municipality_id = $1 AND d.occurred_on >= $2 AND d.occurred_on < $3
             ORDER BY d.occurred_on DESC, d.id DESC"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Deviation>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(municipality_id).bind(from).bind(to).fetch_all(pool).await?
        }))
    }

    /// One deviation of the municipality (`NotFound` for another's).
    pub async fn deviation(&self, municipality_id: i64, id: i64) -> Result<Deviation> {
        let sql = format!("SELECT {COLUMNS} FROM deviations d WHERE d.municipality_id = $1 AND d.id = $2");
        on_db!(self, pool => {
            sqlx::query_as::<_, Deviation>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(id).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// A deviation's measures, by deadline.
    pub async fn deviation_measures(&self, deviation_id: i64) -> Result<Vec<DeviationMeasure>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, DeviationMeasure>("SELECT m.id, m.deviation_id, m.text, m.kind, m.responsible_person_id,
                p.name AS responsible, m.deadline, m.done_on
                FROM deviation_measures m JOIN people p ON p.id = m.responsible_person_id
                WHERE m.deviation_id = $1 ORDER BY m.deadline, m.id")
                .bind(deviation_id).fetch_all(pool).await?
        }))
    }

    /// The facts the trends count, for a year: unit, kind, category, day and status.
    pub async fn deviation_facts(&self, municipality_id: i64, year: i32) -> Result<Vec<DeviationFact>> {
        let (from, to) = year_bounds(year);
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, DeviationFact>("SELECT unit_id, kind, category, occurred_on, status FROM deviations
                WHERE municipality_id = $1 AND occurred_on >= $2 AND occurred_on < $3")
                .bind(municipality_id).bind(from).bind(to).fetch_all(pool).await?
        }))
    }

    /// Registers a deviation or idea for a unit of the municipality (`NotFound` for another's) by
    /// `reporter_user_id`. An idea starts at the PDCA stage «plan». Returns its id.
    pub async fn deviation_create(&self, author: &Author, reporter_user_id: i64, new: &NewDeviation) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let restricted = new.category.restricted();
        let pdca = (new.kind == Kind::Improvement).then_some(Pdca::Plan.code());
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            // The unit is checked by the write itself: on SQLite a transaction that reads first and
            // writes after another connection's commit fails at once instead of waiting its turn.
            let id: Option<i64> = sqlx::query_scalar("INSERT INTO deviations (municipality_id, unit_id, kind, category, restricted, title,
                description, immediate_action, occurred_on, reported_by_user_id, reported_by, reported_at, status, pdca,
                version, updated_by, updated_at)
                SELECT $1, id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'registered', $13, 1, $11, $12
                FROM org_units WHERE id = $2 AND municipality_id = $1 RETURNING id")
                .bind(mid).bind(new.unit_id).bind(new.kind.code()).bind(new.category.code()).bind(restricted)
                .bind(&new.title).bind(&new.description).bind(&new.immediate_action).bind(new.occurred_on)
                .bind(reporter_user_id).bind(&author.name).bind(ts).bind(pdca)
                .fetch_optional(&mut *tx).await?;
            let Some(id) = id else {
                return Err(StoreError::NotFound);
            };
            audit_in_tx!(tx, author, "deviation", id, "create", None, Some(shown(restricted, json!({
                "kind": new.kind.code(), "category": new.category.code(), "unit_id": new.unit_id,
                "title": new.title, "description": new.description, "immediate_action": new.immediate_action,
                "occurred_on": new.occurred_on.to_string(),
            }))));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Updates a deviation at `expected_version` with `set` (SQL assignments using $5 on) and the
    /// audit values; a stale version is `Conflict`. Returns the new version.
    async fn deviation_update(
        &self,
        author: &Author,
        before: &Deviation,
        expected_version: i64,
        set: &str,
        values: &[Value<'_>],
        audit: (&str, serde_json::Value, serde_json::Value),
    ) -> Result<i64> {
        let sql = format!(
            "UPDATE deviations SET {set}, version = version + 1, updated_by = $1, updated_at = $2
             WHERE id = $3 AND municipality_id = $4 AND version = ${}",
            values.len() + 5
        );
        let ts = now();
        let (action, old, new) = audit;
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(&author.name).bind(ts).bind(before.id).bind(author.municipality_id);
            for v in values {
                q = match v {
                    Value::Text(t) => q.bind(*t),
                    Value::Bool(b) => q.bind(*b),
                    Value::Time(t) => q.bind(*t),
                };
            }
            let n = q.bind(expected_version).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "deviation", before.id, action,
                Some(shown(before.restricted, old)), Some(shown(before.restricted, new)));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }

    /// Records the triage (checked by the caller against the deviation as read).
    pub async fn deviation_triage(
        &self,
        author: &Author,
        before: &Deviation,
        expected_version: i64,
        triage: &Triage,
    ) -> Result<i64> {
        let ts = now();
        match triage {
            Triage::Accept(severity) => {
                self.deviation_update(
                    author,
                    before,
                    expected_version,
                    "status = 'in_progress', severity = $5, triaged_by = $6, triaged_at = $7",
                    &[Value::Text(severity.code()), Value::Text(&author.name), Value::Time(ts)],
                    (
                        "triage",
                        json!({"status": before.status.code()}),
                        json!({"status": "in_progress", "severity": severity.code()}),
                    ),
                )
                .await
            }
            Triage::Reject(reason) => {
                self.deviation_update(
                    author,
                    before,
                    expected_version,
                    "status = 'rejected', rejection_reason = $5, triaged_by = $6, triaged_at = $7",
                    &[Value::Text(reason), Value::Text(&author.name), Value::Time(ts)],
                    (
                        "triage",
                        json!({"status": before.status.code()}),
                        json!({"status": "rejected", "rejection_reason": reason}),
                    ),
                )
                .await
            }
        }
    }

    /// Saves the cause analysis.
    pub async fn deviation_cause_save(
        &self,
        author: &Author,
        before: &Deviation,
        expected_version: i64,
        cause: &str,
    ) -> Result<i64> {
        self.deviation_update(
            author,
            before,
            expected_version,
            "cause = $5",
            &[Value::Text(cause)],
            ("update", json!({"cause": before.cause}), json!({"cause": cause})),
        )
        .await
    }

    /// Moves an idea to a PDCA stage.
    pub async fn deviation_pdca_save(
        &self,
        author: &Author,
        before: &Deviation,
        expected_version: i64,
        stage: Pdca,
    ) -> Result<i64> {
        self.deviation_update(
            author,
            before,
            expected_version,
            "pdca = $5",
            &[Value::Text(stage.code())],
            ("update", json!({"pdca": before.pdca}), json!({"pdca": stage.code()})),
        )
        .await
    }

    /// Moves an idea along the innovation pipeline (the step checked by the caller).
    pub async fn deviation_innovation_save(
        &self,
        author: &Author,
        before: &Deviation,
        expected_version: i64,
        stage: InnovationStage,
    ) -> Result<i64> {
        self.deviation_update(
            author,
            before,
            expected_version,
            "innovation_stage = $5",
            &[Value::Text(stage.code())],
            ("update", json!({"innovation_stage": before.innovation_stage}), json!({"innovation_stage": stage.code()})),
        )
        .await
    }

    /// Closes the deviation with its effect check (the rule checked by the caller against the
    /// deviation and measures as read at `expected_version`).
    pub async fn deviation_close(
        &self,
        author: &Author,
        before: &Deviation,
        expected_version: i64,
        closing: &Closing,
    ) -> Result<i64> {
        let ts = now();
        self.deviation_update(
            author,
            before,
            expected_version,
            "status = 'closed', effect_check = $5, effective = $6, closed_by = $7, closed_at = $8",
            &[
                Value::Text(&closing.effect_check),
                Value::Bool(closing.effective),
                Value::Text(&author.name),
                Value::Time(ts),
            ],
            (
                "close",
                json!({"status": before.status.code()}),
                json!({"status": "closed", "effect_check": closing.effect_check, "effective": closing.effective}),
            ),
        )
        .await
    }

    /// Adds a measure with a responsible person of the municipality (`NotFound` otherwise) to a
    /// deviation being handled at `expected_version`. Returns the deviation's new version.
    pub async fn deviation_measure_add(
        &self,
        author: &Author,
        before: &Deviation,
        expected_version: i64,
        measure: &NewMeasure,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            // Write first (SQLite takes the write lock with the first write), then check the person.
            let n = sqlx::query(RAISE_VERSION)
                .bind(&author.name).bind(ts).bind(before.id).bind(mid).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            let person: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1 AND municipality_id = $2")
                .bind(measure.responsible_person_id).bind(mid).fetch_optional(&mut *tx).await?;
            if person.is_none() {
                return Err(StoreError::NotFound);
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO deviation_measures (deviation_id, text, kind, responsible_person_id,
                deadline, version, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7) RETURNING id")
                .bind(before.id).bind(&measure.text).bind(measure.kind.code()).bind(measure.responsible_person_id)
                .bind(measure.deadline).bind(&author.name).bind(ts)
                .fetch_one(&mut *tx).await?;
            audit_in_tx!(tx, author, "deviation_measure", id, "create", None, Some(shown(before.restricted, json!({
                "deviation_id": before.id, "text": measure.text, "kind": measure.kind.code(),
                "responsible_person_id": measure.responsible_person_id, "deadline": measure.deadline.to_string(),
            }))));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }

    /// Marks a measure of the deviation done on `done_on`, at the deviation's `expected_version`.
    /// Returns the deviation's new version.
    pub async fn deviation_measure_done(
        &self,
        author: &Author,
        before: &Deviation,
        expected_version: i64,
        measure_id: i64,
        done_on: NaiveDate,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(RAISE_VERSION)
                .bind(&author.name).bind(ts).bind(before.id).bind(mid).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            let n = sqlx::query("UPDATE deviation_measures SET done_on = $1, version = version + 1, updated_by = $2, updated_at = $3
                WHERE id = $4 AND deviation_id = $5 AND done_on IS NULL")
                .bind(done_on).bind(&author.name).bind(ts).bind(measure_id).bind(before.id)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit_in_tx!(tx, author, "deviation_measure", measure_id, "update",
                Some(json!({"done_on": null})), Some(json!({"done_on": done_on.to_string()})));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }
}

/// A value bound in [`Db::deviation_update`].
enum Value<'a> {
    Text(&'a str),
    Bool(bool),
    Time(DateTime<Utc>),
}

/// The first day of `year` and of the next.
fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    let first = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN);
    (first(year), first(year + 1))
}
