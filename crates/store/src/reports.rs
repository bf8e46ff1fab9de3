//! Council reports (migration 0023): each municipality's template per report type (the shipped
//! default until the first edit), the reports with their introduction, the service areas'
//! commentaries and the goal assessments, and the adoption that freezes the composed content and
//! its PDF.
//!
//! Every write is one transaction with its audit row, and refuses a report that is adopted: what
//! the council decided never changes afterwards. The introduction, each commentary and each
//! assessment carry their own version (0 before the first save); a stale version is `Conflict`.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::reports::{Adoption, CommentaryState, NewReport, ReportKind, Section, Verdict, parse_template};
use serde::Serialize;

/// A municipality's template of a report type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportTemplate {
    /// The report type.
    pub kind: ReportKind,
    /// Its sections in order.
    pub sections: Vec<Section>,
    /// The version an edit sends back (0 while the shipped default is used).
    pub version: i64,
}

/// A report (without its frozen content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Report {
    /// Id.
    pub id: i64,
    /// The municipality.
    pub municipality_id: i64,
    /// Type.
    #[sqlx(try_from = "String")]
    pub kind: ReportKind,
    /// Year.
    pub year: i64,
    /// Month of a monthly report.
    pub month: Option<i64>,
    /// Unit of a monthly report for a part of the organisation.
    pub unit_id: Option<i64>,
    /// The unit's name.
    pub unit_name: Option<String>,
    /// Section codes, comma-separated, as copied from the template.
    pub sections: String,
    /// The chief executive's introduction (Markdown).
    pub introduction: String,
    /// Version of the introduction.
    pub version: i64,
    /// Version of all the report's texts (introduction, commentaries, assessments): the adoption
    /// sends it, so a text saved after the content was composed is not silently left out.
    pub content_version: i64,
    /// Made by.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last changed by.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
    /// Deciding body, once adopted.
    pub decision_body: Option<String>,
    /// Case number, once adopted.
    pub case_number: Option<String>,
    /// Date of the decision, once adopted.
    pub decided_on: Option<NaiveDate>,
    /// Who recorded the adoption.
    pub adopted_by: Option<String>,
    /// When.
    pub adopted_at: Option<DateTime<Utc>>,
}

impl Report {
    /// Whether the report is adopted (and frozen).
    pub fn adopted(&self) -> bool {
        self.adopted_at.is_some()
    }

    /// The sections in order.
    pub fn section_list(&self) -> Vec<Section> {
        self.sections.split(',').filter_map(|c| Section::parse(c).ok()).collect()
    }

    /// The month of a monthly report as a number.
    pub fn month_number(&self) -> Option<u32> {
        self.month.and_then(|m| u32::try_from(m).ok())
    }
}

/// A service area's commentary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Commentary {
    /// Id.
    pub id: i64,
    /// The service area.
    pub area_id: i64,
    /// The text (Markdown).
    pub text: String,
    /// Workflow state.
    #[sqlx(try_from = "String")]
    pub state: CommentaryState,
    /// Version.
    pub version: i64,
    /// Last saved by.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

/// The assessment of a goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct GoalAssessment {
    /// Id.
    pub id: i64,
    /// The goal element.
    pub element_id: i64,
    /// The verdict.
    #[sqlx(try_from = "String")]
    pub verdict: Verdict,
    /// The text (Markdown).
    pub text: String,
    /// Version.
    pub version: i64,
    /// Last saved by.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

const REPORT_SELECT: &str = "SELECT r.id, r.municipality_id, r.kind, r.year, r.month, r.unit_id, u.name AS unit_name, \
    r.sections, r.introduction, r.version, r.content_version, r.created_by, r.created_at, r.updated_by, r.updated_at, r.decision_body, \
    r.case_number, r.decided_on, r.adopted_by, r.adopted_at FROM reports r LEFT JOIN org_units u ON u.id = r.unit_id";

fn codes(sections: &[Section]) -> String {
    sections.iter().map(|s| s.code()).collect::<Vec<_>>().join(",")
}

impl Db {
    /// The template of a report type: the municipality's own, or the shipped default.
    pub async fn report_template(&self, municipality_id: i64, kind: ReportKind) -> Result<ReportTemplate> {
        let row: Option<(String, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT sections, version FROM report_templates WHERE municipality_id = $1 AND kind = $2")
                .bind(municipality_id).bind(kind.code()).fetch_optional(pool).await?
        });
        Ok(match row {
            Some((sections, version)) => {
                let list: Vec<&str> = sections.split(',').collect();
                let sections = parse_template(kind, &list).unwrap_or_else(|_| kind.default_sections());
                ReportTemplate { kind, sections, version }
            }
            None => ReportTemplate { kind, sections: kind.default_sections(), version: 0 },
        })
    }

    /// Saves the template of a report type (sections checked by the caller). Returns the new version.
    pub async fn report_template_save(
        &self,
        author: &Author,
        kind: ReportKind,
        expected_version: i64,
        sections: &[Section],
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let before = self.report_template(mid, kind).await?;
        let ts = now();
        let list = codes(sections);
        let version = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = if expected_version == 0 {
                sqlx::query("INSERT INTO report_templates (municipality_id, kind, sections, version, updated_by, updated_at)
                    VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (municipality_id, kind) DO NOTHING")
                    .bind(mid).bind(kind.code()).bind(&list).bind(&author.name).bind(ts)
                    .execute(&mut *tx).await?.rows_affected()
            } else {
                sqlx::query("UPDATE report_templates SET sections = $1, version = version + 1, updated_by = $2, updated_at = $3
                    WHERE municipality_id = $4 AND kind = $5 AND version = $6")
                    .bind(&list).bind(&author.name).bind(ts).bind(mid).bind(kind.code()).bind(expected_version)
                    .execute(&mut *tx).await?.rows_affected()
            };
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "report_template", 0, "update",
                Some(serde_json::json!({"kind": kind.code(), "sections": codes(&before.sections)})),
                Some(serde_json::json!({"kind": kind.code(), "sections": list})));
            tx.commit().await?;
            expected_version + 1
        });
        Ok(version)
    }

    /// The municipality's reports, newest first.
    pub async fn reports(&self, municipality_id: i64) -> Result<Vec<Report>> {
        let sql = format!(
            "{REPORT_SELECT} WHERE r.municipality_id = $1 ORDER BY r.year DESC, r.kind DESC, r.month DESC, r.id DESC"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Report>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// The municipality's adopted reports, newest decision first (the public list).
    pub async fn public_reports(&self, municipality_id: i64) -> Result<Vec<Report>> {
        let sql = format!(
            "{REPORT_SELECT} WHERE r.municipality_id = $1 AND r.adopted_at IS NOT NULL ORDER BY r.decided_on DESC, r.id DESC"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Report>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// One report of the municipality.
    pub async fn report(&self, municipality_id: i64, id: i64) -> Result<Report> {
        let sql = format!("{REPORT_SELECT} WHERE r.municipality_id = $1 AND r.id = $2");
        on_db!(self, pool => {
            sqlx::query_as::<_, Report>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).bind(id).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// The frozen content (JSON) and PDF of an adopted report.
    pub async fn report_frozen(&self, municipality_id: i64, id: i64) -> Result<(String, Vec<u8>)> {
        let row: Option<(Option<String>, Option<Vec<u8>>)> = on_db!(self, pool => {
            sqlx::query_as("SELECT frozen_content, frozen_pdf FROM reports WHERE municipality_id = $1 AND id = $2")
                .bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        match row {
            Some((Some(content), Some(pdf))) => Ok((content, pdf)),
            _ => Err(StoreError::NotFound),
        }
    }

    /// Makes a report with the template's sections. The same type, year, month and unit twice is
    /// the rule error `err-report-exists`; a unit must belong to the municipality.
    pub async fn report_create(&self, author: &Author, new: &NewReport, sections: &[Section]) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let month = new.month.map(i64::from);
        let list = codes(sections);
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(unit) = new.unit_id {
                let ok: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE id = $1 AND municipality_id = $2")
                    .bind(unit).bind(mid).fetch_optional(&mut *tx).await?;
                if ok.is_none() {
                    return Err(StoreError::Rule(RuleError::new("err-report-unit").on("unit")));
                }
            }
            let same: Option<i64> = sqlx::query_scalar("SELECT id FROM reports WHERE municipality_id = $1 AND kind = $2 AND year = $3
                    AND COALESCE(month, 0) = $4 AND COALESCE(unit_id, 0) = $5")
                .bind(mid).bind(new.kind.code()).bind(i64::from(new.year)).bind(month.unwrap_or(0)).bind(new.unit_id.unwrap_or(0))
                .fetch_optional(&mut *tx).await?;
            if same.is_some() {
                return Err(StoreError::Rule(RuleError::new("err-report-exists").on("kind")));
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO reports (municipality_id, kind, year, month, unit_id, sections, introduction,
                    version, created_by, created_at, updated_by, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, '', 1, $7, $8, $7, $8) RETURNING id")
                .bind(mid).bind(new.kind.code()).bind(i64::from(new.year)).bind(month).bind(new.unit_id).bind(&list)
                .bind(&author.name).bind(ts).fetch_one(&mut *tx).await?;
            audit_in_tx!(tx, author, "report", id, "create", None,
                Some(serde_json::json!({"kind": new.kind.code(), "year": new.year, "month": month, "unit_id": new.unit_id, "sections": list})));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Saves the introduction. Returns the new version.
    pub async fn report_introduction_save(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        text: &str,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let before = self.report(mid, id).await?;
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE reports SET introduction = $1, version = version + 1, content_version = content_version + 1, updated_by = $2, updated_at = $3
                WHERE id = $4 AND municipality_id = $5 AND version = $6 AND adopted_at IS NULL")
                .bind(text).bind(&author.name).bind(ts).bind(id).bind(mid).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(if before.adopted() { adopted_error() } else { StoreError::Conflict });
            }
            audit_in_tx!(tx, author, "report_introduction", id, "update",
                Some(serde_json::json!({"text": before.introduction})), Some(serde_json::json!({"text": text})));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }

    /// The commentaries of a report.
    pub async fn report_commentaries(&self, report_id: i64) -> Result<Vec<Commentary>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Commentary>("SELECT id, area_id, text, state, version, updated_by, updated_at
                FROM report_commentaries WHERE report_id = $1 ORDER BY area_id")
                .bind(report_id).fetch_all(pool).await?
        }))
    }

    /// Saves a service area's commentary with its new state (the workflow checked by the caller);
    /// `expected_version` 0 makes it. Returns the new version.
    pub async fn report_commentary_save(
        &self,
        author: &Author,
        report_id: i64,
        area_id: i64,
        expected_version: i64,
        text: &str,
        state: CommentaryState,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let report = self.report(mid, report_id).await?;
        if report.adopted() {
            return Err(adopted_error());
        }
        let before = self.report_commentaries(report_id).await?.into_iter().find(|c| c.area_id == area_id);
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(TOUCH_DRAFT).bind(report_id).bind(mid).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(adopted_error());
            }
            let area: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE id = $1 AND municipality_id = $2")
                .bind(area_id).bind(mid).fetch_optional(&mut *tx).await?;
            if area.is_none() {
                return Err(StoreError::NotFound);
            }
            let n = if expected_version == 0 {
                sqlx::query("INSERT INTO report_commentaries (report_id, area_id, text, state, version, updated_by, updated_at)
                    VALUES ($1, $2, $3, $4, 1, $5, $6) ON CONFLICT (report_id, area_id) DO NOTHING")
                    .bind(report_id).bind(area_id).bind(text).bind(state.code()).bind(&author.name).bind(ts)
                    .execute(&mut *tx).await?.rows_affected()
            } else {
                sqlx::query("UPDATE report_commentaries SET text = $1, state = $2, version = version + 1, updated_by = $3, updated_at = $4
                    WHERE report_id = $5 AND area_id = $6 AND version = $7")
                    .bind(text).bind(state.code()).bind(&author.name).bind(ts).bind(report_id).bind(area_id).bind(expected_version)
                    .execute(&mut *tx).await?.rows_affected()
            };
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "report_commentary", report.id, if expected_version == 0 { "create" } else { "update" },
                before.as_ref().map(|b| serde_json::json!({"area_id": area_id, "state": b.state.code(), "text": b.text})),
                Some(serde_json::json!({"area_id": area_id, "state": state.code(), "text": text})));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }

    /// The goal assessments of a report.
    pub async fn report_assessments(&self, report_id: i64) -> Result<Vec<GoalAssessment>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, GoalAssessment>("SELECT id, element_id, verdict, text, version, updated_by, updated_at
                FROM report_goal_assessments WHERE report_id = $1 ORDER BY element_id")
                .bind(report_id).fetch_all(pool).await?
        }))
    }

    /// Saves the assessment of a goal (an element of the municipality, checked by the caller to be
    /// a goal of the master plan); `expected_version` 0 makes it. Returns the new version.
    pub async fn report_assessment_save(
        &self,
        author: &Author,
        report_id: i64,
        element_id: i64,
        expected_version: i64,
        verdict: Verdict,
        text: &str,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        if self.report(mid, report_id).await?.adopted() {
            return Err(adopted_error());
        }
        let before = self.report_assessments(report_id).await?.into_iter().find(|a| a.element_id == element_id);
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(TOUCH_DRAFT).bind(report_id).bind(mid).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(adopted_error());
            }
            let n = if expected_version == 0 {
                sqlx::query("INSERT INTO report_goal_assessments (report_id, element_id, verdict, text, version, updated_by, updated_at)
                    VALUES ($1, $2, $3, $4, 1, $5, $6) ON CONFLICT (report_id, element_id) DO NOTHING")
                    .bind(report_id).bind(element_id).bind(verdict.code()).bind(text).bind(&author.name).bind(ts)
                    .execute(&mut *tx).await?.rows_affected()
            } else {
                sqlx::query("UPDATE report_goal_assessments SET verdict = $1, text = $2, version = version + 1, updated_by = $3, updated_at = $4
                    WHERE report_id = $5 AND element_id = $6 AND version = $7")
                    .bind(verdict.code()).bind(text).bind(&author.name).bind(ts).bind(report_id).bind(element_id).bind(expected_version)
                    .execute(&mut *tx).await?.rows_affected()
            };
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "report_assessment", report_id, if expected_version == 0 { "create" } else { "update" },
                before.as_ref().map(|b| serde_json::json!({"element_id": element_id, "verdict": b.verdict.code(), "text": b.text})),
                Some(serde_json::json!({"element_id": element_id, "verdict": verdict.code(), "text": text})));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }

    /// Records the adoption and freezes the content and its PDF, if the report's content version is
    /// still `expected_content_version` (so what was composed is what is frozen: a text saved in
    /// between makes the adoption a `Conflict`).
    pub async fn report_adopt(
        &self,
        author: &Author,
        id: i64,
        expected_content_version: i64,
        adoption: &Adoption,
        content: &str,
        pdf: &[u8],
    ) -> Result<()> {
        let mid = author.municipality_id;
        let before = self.report(mid, id).await?;
        if before.adopted() {
            return Err(adopted_error());
        }
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE reports SET decision_body = $1, case_number = $2, decided_on = $3, adopted_by = $4,
                    adopted_at = $5, frozen_content = $6, frozen_pdf = $7, version = version + 1, updated_by = $4, updated_at = $5
                WHERE id = $8 AND municipality_id = $9 AND content_version = $10 AND adopted_at IS NULL")
                .bind(&adoption.body).bind(&adoption.case_number).bind(adoption.decided_on).bind(&author.name).bind(ts)
                .bind(content).bind(pdf).bind(id).bind(mid).bind(expected_content_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "report", id, "adopt", None,
                Some(serde_json::json!({"body": adoption.body, "case_number": adoption.case_number, "decided_on": adoption.decided_on})));
            tx.commit().await?;
        });
        Ok(())
    }
}

fn adopted_error() -> StoreError {
    StoreError::Rule(RuleError::new("err-report-adopted"))
}

/// Bumps a draft report's content version inside a write transaction (which also takes the row's
/// lock on PostgreSQL, so a text write and an adoption serialise); no row: unknown or adopted.
const TOUCH_DRAFT: &str = "UPDATE reports SET content_version = content_version + 1 WHERE id = $1 AND municipality_id = $2 AND adopted_at IS NULL";
