//! Status reporting (*statusrapportering*) on assignments and measures, reporting periods and the
//! management dialogue (*lederdialog*) a deviation opens.
//!
//! The read API other features build on (dashboards, reports):
//! - [`Db::followup_items`]: every live assignment and measure of the municipality with its status
//!   as of a period (the latest report in that period or an earlier one), its responsible person,
//!   owner unit and open dialogue; filter by unit subtree with `OrgTree::subtree`, count with
//!   `domain::followup::roll_up` (see `service::followup::roll_up_for`).
//! - [`Db::followup_dialogues`]: the management dialogues, open or all, with their unit and item.
//! - [`Db::followup_periods`], [`Db::followup_current_period`], [`Db::followup_stale_days`].
//!
//! The write path of a report ([`Db::followup_report`]) is one transaction of three statements in
//! the common case: the report row (inserted only while its period is open), the item's current
//! status with its version check, and the audit row; a deviation adds the dialogue row.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::followup::{PeriodKind, Status, periods_of_year};
use serde::Serialize;

/// A reporting period.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct Period {
    /// Id.
    pub id: i64,
    /// Year.
    pub year: i64,
    /// `month` or `tertial`.
    pub kind: String,
    /// 1–12 or 1–3.
    pub number: i64,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// When it was closed, if it is.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// Optimistic-locking version.
    pub version: i64,
}

impl Period {
    /// The period's kind.
    pub fn kind(&self) -> PeriodKind {
        PeriodKind::parse(&self.kind).unwrap_or(PeriodKind::Month)
    }

    /// Closed for new reports.
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }
}

/// An assignment or measure with its status as of a period.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct ItemRow {
    /// The element's id.
    pub id: i64,
    /// Its plan.
    pub plan_id: i64,
    /// `assignment` or `measure`.
    pub kind: String,
    /// Its text.
    pub text: String,
    /// Owner unit.
    pub owner_unit_id: Option<i64>,
    /// Owner unit's name.
    pub owner_unit_name: Option<String>,
    /// Responsible person.
    pub responsible_person_id: Option<i64>,
    /// Responsible person's name.
    pub responsible_name: Option<String>,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
    /// Status code of the latest report as of the period, `None` when never reported.
    pub status: Option<String>,
    /// Progress of that report.
    pub progress: Option<i64>,
    /// Comment of that report.
    pub comment: Option<String>,
    /// When that report was made.
    pub reported_at: Option<DateTime<Utc>>,
    /// The version of the item's current status (0 before the first report); a report sends it.
    pub version: i64,
    /// The open management dialogue, if any.
    pub dialogue_id: Option<i64>,
}

impl ItemRow {
    /// The status, if reported.
    pub fn status(&self) -> Option<Status> {
        self.status.as_deref().and_then(|c| Status::parse(c).ok())
    }
}

/// One report of an item's history.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct ReportRow {
    /// Id.
    pub id: i64,
    /// The element.
    pub element_id: i64,
    /// Period id.
    pub period_id: i64,
    /// Period year.
    pub year: i64,
    /// Period kind code.
    pub period_kind: String,
    /// Period number.
    pub period_number: i64,
    /// Status code.
    pub status: String,
    /// Progress 0–100.
    pub progress: i64,
    /// Comment.
    pub comment: String,
    /// Who reported.
    pub reporter_name: String,
    /// When.
    pub reported_at: DateTime<Utc>,
    /// The item's status version this report made.
    pub item_version: i64,
}

/// The current status of an item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Current {
    /// Status.
    pub status: Status,
    /// Progress.
    pub progress: i64,
    /// Version.
    pub version: i64,
}

/// A report to write, already checked by the domain rules.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The assignment or measure.
    pub element_id: i64,
    /// The period reported in.
    pub period_id: i64,
    /// Status.
    pub status: Status,
    /// Progress 0–100.
    pub progress: u8,
    /// Comment.
    pub comment: String,
    /// The version of the current status the reporter saw (0: none yet).
    pub base_version: i64,
    /// For a deviation or a risk of one: the owner unit and its parent, between whose leaders the
    /// dialogue runs. `None` for other statuses (or an item without an owner unit).
    pub dialogue: Option<(i64, Option<i64>)>,
}

/// What a saved report made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// The report's id.
    pub report_id: i64,
    /// The item's new status version.
    pub version: i64,
    /// A dialogue opened by this report.
    pub dialogue_opened: Option<i64>,
}

/// A management dialogue.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct Dialogue {
    /// Id.
    pub id: i64,
    /// The item; `None` for a dialogue opened by a budget deviation.
    pub element_id: Option<i64>,
    /// The item's text.
    pub element_text: String,
    /// The item's kind code.
    pub element_kind: String,
    /// The owner unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The superior unit.
    pub superior_unit_id: Option<i64>,
    /// Its name.
    pub superior_unit_name: Option<String>,
    /// The status of the report that opened it.
    pub opened_status: String,
    /// The comment of that report.
    pub opened_comment: String,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// The agreed corrective or preventive measures.
    pub measures: String,
    /// Follow-up date.
    pub follow_up_on: Option<NaiveDate>,
    /// Outcome, when closed.
    pub outcome: Option<String>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// Optimistic-locking version.
    pub version: i64,
    /// For a budget deviation: the year of the forecast that opened it.
    pub economy_year: Option<i64>,
    /// And its month.
    pub economy_month: Option<i64>,
}

impl Dialogue {
    /// The year and month of the forecast, for a dialogue opened by a budget deviation.
    pub fn economy(&self) -> Option<(i64, i64)> {
        self.economy_year.zip(self.economy_month)
    }
}

const ITEM_SELECT: &str = "SELECT e.id, e.plan_id, e.kind, e.text, e.owner_unit_id, u.name AS owner_unit_name,
        e.responsible_person_id, p.name AS responsible_name, e.deadline,
        r.status, r.progress, r.comment, r.reported_at, COALESCE(s.version, 0) AS version,
        (SELECT d.id FROM status_dialogues d WHERE d.element_id = e.id AND d.closed_at IS NULL) AS dialogue_id
    FROM goal_elements e
    LEFT JOIN org_units u ON u.id = e.owner_unit_id
    LEFT JOIN people p ON p.id = e.responsible_person_id
    LEFT JOIN item_status s ON s.element_id = e.id
    LEFT JOIN status_reports r ON r.id = (
        SELECT r2.id FROM status_reports r2 JOIN reporting_periods rp ON rp.id = r2.period_id
        WHERE r2.element_id = e.id AND ($2 IS NULL OR rp.ends_on <= $2)
        ORDER BY r2.id DESC LIMIT 1)
    WHERE e.municipality_id = $1 AND e.kind IN ('assignment', 'measure') AND e.removed_at IS NULL
      AND e.source_element_id IS NULL";

const PERIOD_COLUMNS: &str = "id, year, kind, number, starts_on, ends_on, closed_at, closed_by, version";

// An economy dialogue (migration 0016) has no item and no report: its text names the month (pages
// show their own translated title, see `Dialogue::economy`), its comment is the forecast's.
const DIALOGUE_SELECT: &str = "SELECT d.id, d.element_id,
        COALESCE(e.text, 'Budsjettavvik ' || d.economy_year || '-' || d.economy_month, '') AS element_text,
        COALESCE(e.kind, 'economy') AS element_kind,
        d.unit_id, u.name AS unit_name, d.superior_unit_id, su.name AS superior_unit_name,
        COALESCE(r.status, 'deviation') AS opened_status, COALESCE(r.comment, f.comment, '') AS opened_comment,
        d.opened_at, d.measures, d.follow_up_on,
        d.outcome, d.closed_at, d.closed_by, d.version, d.economy_year, d.economy_month
    FROM status_dialogues d
    LEFT JOIN goal_elements e ON e.id = d.element_id
    JOIN org_units u ON u.id = d.unit_id
    LEFT JOIN org_units su ON su.id = d.superior_unit_id
    LEFT JOIN status_reports r ON r.id = d.opened_report_id
    LEFT JOIN economy_forecasts f ON f.id = d.economy_forecast_id
    WHERE d.municipality_id = $1";

impl Db {
    /// Creates the fifteen periods of `year` (those missing); refused when all exist.
    pub async fn followup_periods_create(&self, author: &Author, year: i32) -> Result<usize> {
        let mid = author.municipality_id;
        let created = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut created = 0;
            for p in periods_of_year(year) {
                created += sqlx::query(
                    "INSERT INTO reporting_periods (municipality_id, year, kind, number, starts_on, ends_on)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (municipality_id, year, kind, number) DO NOTHING")
                    .bind(mid).bind(i64::from(year)).bind(p.kind.code()).bind(i64::from(p.number))
                    .bind(p.starts_on).bind(p.ends_on).execute(&mut *tx).await?.rows_affected() as usize;
            }
            if created == 0 {
                return Err(RuleError::new("err-followup-periods-exist").with("year", year.to_string()).on("year").into());
            }
            audit_in_tx!(tx, author, "reporting_periods", i64::from(year), "create", None,
                Some(serde_json::json!({"year": year, "periods": created})));
            tx.commit().await?;
            created
        });
        Ok(created)
    }

    /// The municipality's periods: newest year first, months before four-monthly periods.
    pub async fn followup_periods(&self, municipality_id: i64) -> Result<Vec<Period>> {
        let sql = format!(
            "SELECT {PERIOD_COLUMNS} FROM reporting_periods WHERE municipality_id = $1 ORDER BY year DESC, kind, number"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Period>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// One period of the municipality.
    pub async fn followup_period(&self, municipality_id: i64, id: i64) -> Result<Period> {
        let sql = format!("SELECT {PERIOD_COLUMNS} FROM reporting_periods WHERE municipality_id = $1 AND id = $2");
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, Period>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The period to report in by default on `day`: the open month containing it, else the latest
    /// open month that has started, else the latest month there is.
    pub async fn followup_current_period(&self, municipality_id: i64, day: NaiveDate) -> Result<Option<Period>> {
        let periods = self.followup_periods(municipality_id).await?;
        let months = || periods.iter().filter(|p| p.kind() == PeriodKind::Month);
        let pick = months()
            .find(|p| p.starts_on <= day && day <= p.ends_on && !p.is_closed())
            .or_else(|| months().filter(|p| p.starts_on <= day && !p.is_closed()).max_by_key(|p| p.starts_on))
            .or_else(|| months().filter(|p| p.starts_on <= day).max_by_key(|p| p.starts_on))
            .or_else(|| months().min_by_key(|p| p.starts_on));
        Ok(pick.cloned())
    }

    /// Closes (`close`) or reopens a period. Closing a closed period, or reopening an open one, is refused.
    pub async fn followup_period_set_closed(&self, author: &Author, id: i64, close: bool) -> Result<()> {
        let mid = author.municipality_id;
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = if close {
                sqlx::query("UPDATE reporting_periods SET closed_at = $1, closed_by = $2, version = version + 1
                             WHERE id = $3 AND municipality_id = $4 AND closed_at IS NULL")
                    .bind(ts).bind(&author.name).bind(id).bind(mid).execute(&mut *tx).await?.rows_affected()
            } else {
                sqlx::query("UPDATE reporting_periods SET closed_at = NULL, closed_by = NULL, version = version + 1
                             WHERE id = $1 AND municipality_id = $2 AND closed_at IS NOT NULL")
                    .bind(id).bind(mid).execute(&mut *tx).await?.rows_affected()
            };
            if n == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM reporting_periods WHERE id = $1 AND municipality_id = $2")
                    .bind(id).bind(mid).fetch_optional(&mut *tx).await?;
                return Err(match exists {
                    None => StoreError::NotFound,
                    Some(_) if close => RuleError::new("err-followup-period-already-closed").into(),
                    Some(_) => RuleError::new("err-followup-period-already-open").into(),
                });
            }
            audit_in_tx!(tx, author, "reporting_period", id, if close { "close" } else { "reopen" }, None, None);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Days without a report after which a running item is stale.
    pub async fn followup_stale_days(&self, municipality_id: i64) -> Result<i64> {
        let row: Option<i64> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT stale_after_days FROM municipalities WHERE id = $1")
                .bind(municipality_id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Every live assignment and measure of the municipality that is not an inherited copy (a
    /// report is made on the original), with its status as of `as_of` (the end of a period: the
    /// latest report in a period ending then or before; `None`: the latest report of all).
    pub async fn followup_items(&self, municipality_id: i64, as_of: Option<NaiveDate>) -> Result<Vec<ItemRow>> {
        let sql = format!("{ITEM_SELECT} ORDER BY u.name, e.kind, e.id");
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ItemRow>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).bind(as_of).fetch_all(pool).await?
        }))
    }

    /// One item with its latest status (`None` when it is no live, original assignment or measure).
    pub async fn followup_item(&self, municipality_id: i64, id: i64) -> Result<Option<ItemRow>> {
        let sql = format!("{ITEM_SELECT} AND e.id = $3");
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ItemRow>(sqlx::AssertSqlSafe(sql))
                .bind(municipality_id).bind(None::<NaiveDate>).bind(id).fetch_optional(pool).await?
        }))
    }

    /// The current status of an item, `None` before its first report.
    pub async fn followup_current(&self, municipality_id: i64, element_id: i64) -> Result<Option<Current>> {
        let row: Option<(String, i64, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT status, progress, version FROM item_status WHERE element_id = $1 AND municipality_id = $2")
                .bind(element_id).bind(municipality_id).fetch_optional(pool).await?
        });
        Ok(row.map(|(status, progress, version)| Current {
            status: Status::parse(&status).unwrap_or(Status::NotStarted),
            progress,
            version,
        }))
    }

    /// Every report on an item, newest first.
    pub async fn followup_history(&self, municipality_id: i64, element_id: i64) -> Result<Vec<ReportRow>> {
        let sql = "SELECT r.id, r.element_id, r.period_id, rp.year, rp.kind AS period_kind, rp.number AS period_number,
                r.status, r.progress, r.comment, r.reporter_name, r.reported_at, r.item_version
            FROM status_reports r JOIN reporting_periods rp ON rp.id = r.period_id
            WHERE r.municipality_id = $1 AND r.element_id = $2 ORDER BY r.id DESC";
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ReportRow>(sql).bind(municipality_id).bind(element_id).fetch_all(pool).await?
        }))
    }

    /// Writes a report in one transaction: the report row while its period is open (else the
    /// period's rule error, nothing written), the item's current status if it still has
    /// `base_version` (else `Conflict`), the audit row, and for a deviation the dialogue unless
    /// one is open.
    pub async fn followup_report(&self, author: &Author, r: &NewReport) -> Result<Saved> {
        self.followup_report_at(author, r, now()).await
    }

    /// [`Db::followup_report`] at a given time (the demo backdates its reports).
    pub async fn followup_report_at(&self, author: &Author, r: &NewReport, at: DateTime<Utc>) -> Result<Saved> {
        let mid = author.municipality_id;
        let version = r.base_version + 1;
        let progress = i64::from(r.progress);
        let saved = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            // The insert is the first write, so on SQLite it takes the write lock before the period is read.
            let report_id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO status_reports (municipality_id, element_id, period_id, status, progress, comment, user_id,
                    reporter_name, reported_at, item_version)
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
                 WHERE EXISTS (SELECT 1 FROM reporting_periods WHERE id = $3 AND municipality_id = $1 AND closed_at IS NULL)
                 RETURNING id")
                .bind(mid).bind(r.element_id).bind(r.period_id).bind(r.status.code()).bind(progress).bind(r.comment.trim())
                .bind(author.user_id).bind(&author.name).bind(at).bind(version)
                .fetch_optional(&mut *tx).await?;
            let Some(report_id) = report_id else {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM reporting_periods WHERE id = $1 AND municipality_id = $2")
                    .bind(r.period_id).bind(mid).fetch_optional(&mut *tx).await?;
                return Err(match exists {
                    None => RuleError::new("err-followup-period-unknown").on("period").into(),
                    Some(_) => RuleError::new("err-followup-period-closed").on("period").into(),
                });
            };
            let n = if r.base_version == 0 {
                sqlx::query(
                    "INSERT INTO item_status (element_id, municipality_id, report_id, status, progress, reported_at, version)
                     VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (element_id) DO NOTHING")
                    .bind(r.element_id).bind(mid).bind(report_id).bind(r.status.code()).bind(progress).bind(at)
                    .execute(&mut *tx).await?.rows_affected()
            } else {
                sqlx::query(
                    "UPDATE item_status SET report_id = $1, status = $2, progress = $3, reported_at = $4, version = version + 1
                     WHERE element_id = $5 AND municipality_id = $6 AND version = $7")
                    .bind(report_id).bind(r.status.code()).bind(progress).bind(at)
                    .bind(r.element_id).bind(mid).bind(r.base_version)
                    .execute(&mut *tx).await?.rows_affected()
            };
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            let after = serde_json::json!({"element_id": r.element_id, "period_id": r.period_id, "status": r.status.code(),
                "progress": progress, "comment": r.comment.trim(), "version": version});
            audit_in_tx!(tx, author, "status_report", report_id, "create", None, Some(after));
            let mut dialogue_opened = None;
            if let Some((unit, superior)) = r.dialogue {
                dialogue_opened = sqlx::query_scalar(
                    "INSERT INTO status_dialogues (municipality_id, element_id, unit_id, superior_unit_id, opened_report_id, opened_at)
                     SELECT $1, $2, $3, $4, $5, $6
                     WHERE NOT EXISTS (SELECT 1 FROM status_dialogues WHERE element_id = $2 AND closed_at IS NULL)
                     RETURNING id")
                    .bind(mid).bind(r.element_id).bind(unit).bind(superior).bind(report_id).bind(at)
                    .fetch_optional(&mut *tx).await?;
                if let Some(id) = dialogue_opened {
                    audit_in_tx!(tx, author, "status_dialogue", id, "open", None,
                        Some(serde_json::json!({"element_id": r.element_id, "report_id": report_id, "unit_id": unit})));
                }
            }
            tx.commit().await?;
            Saved { report_id, version, dialogue_opened }
        });
        Ok(saved)
    }

    /// The management dialogues of the municipality (only the open ones with `open_only`), newest first.
    pub async fn followup_dialogues(&self, municipality_id: i64, open_only: bool) -> Result<Vec<Dialogue>> {
        let sql =
            format!("{DIALOGUE_SELECT} {} ORDER BY d.id DESC", if open_only { "AND d.closed_at IS NULL" } else { "" });
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Dialogue>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// One dialogue.
    pub async fn followup_dialogue(&self, municipality_id: i64, id: i64) -> Result<Dialogue> {
        let sql = format!("{DIALOGUE_SELECT} AND d.id = $2");
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, Dialogue>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Saves the agreed measures and the follow-up date of an open dialogue at `expected_version`.
    pub async fn followup_dialogue_update(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        measures: &str,
        follow_up_on: Option<NaiveDate>,
    ) -> Result<()> {
        let mid = author.municipality_id;
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE status_dialogues SET measures = $1, follow_up_on = $2, version = version + 1
                                 WHERE id = $3 AND municipality_id = $4 AND version = $5 AND closed_at IS NULL")
                .bind(measures.trim()).bind(follow_up_on).bind(id).bind(mid).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                let closed: Option<Option<DateTime<Utc>>> = sqlx::query_scalar("SELECT closed_at FROM status_dialogues WHERE id = $1 AND municipality_id = $2")
                    .bind(id).bind(mid).fetch_optional(&mut *tx).await?;
                return Err(match closed {
                    None => StoreError::NotFound,
                    Some(Some(_)) => RuleError::new("err-followup-dialogue-closed").into(),
                    Some(None) => StoreError::Conflict,
                });
            }
            audit_in_tx!(tx, author, "status_dialogue", id, "update", None,
                Some(serde_json::json!({"measures": measures.trim(), "follow_up_on": follow_up_on})));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Closes an open dialogue with its outcome; a closed one is refused (closing twice).
    pub async fn followup_dialogue_close(&self, author: &Author, id: i64, outcome: &str) -> Result<()> {
        let mid = author.municipality_id;
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE status_dialogues SET outcome = $1, closed_at = $2, closed_by = $3, version = version + 1
                                 WHERE id = $4 AND municipality_id = $5 AND closed_at IS NULL")
                .bind(outcome.trim()).bind(ts).bind(&author.name).bind(id).bind(mid)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM status_dialogues WHERE id = $1 AND municipality_id = $2")
                    .bind(id).bind(mid).fetch_optional(&mut *tx).await?;
                return Err(match exists {
                    None => StoreError::NotFound,
                    Some(_) => RuleError::new("err-followup-dialogue-closed").into(),
                });
            }
            audit_in_tx!(tx, author, "status_dialogue", id, "close", None, Some(serde_json::json!({"outcome": outcome.trim()})));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Number of status reports stored in a municipality (the benchmark's proof).
    pub async fn followup_report_count(&self, municipality_id: i64) -> Result<i64> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM status_reports WHERE municipality_id = $1")
                .bind(municipality_id).fetch_one(pool).await?
        }))
    }
}
