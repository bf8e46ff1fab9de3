//! JSON API of internal control, authorised as the pages are: the control activities the caller
//! reads with their standing in a year, one activity with its linked risks, its execution records
//! and their evidence files (described, downloaded from the page's link), and the reports upward
//! of a year. Dates are ISO 8601.

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_control")
        .get("/api/v1/control/activities", api_list)
        .get("/api/v1/control/activities/{activity}", api_one)
        .get("/api/v1/control/reports", api_reports)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_one, api_reports),
    components(schemas(
        ActivityDto,
        StandingDto,
        ActivityDetailDto,
        ExecutionDto,
        EvidenceDto,
        LinkedRiskDto,
        ReportDto
    ))
)]
pub struct ControlDoc;

/// A control activity.
#[derive(Serialize, ToSchema)]
pub struct ActivityDto {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// What is checked and how.
    pub description: String,
    /// Method code (`checklist`, `sample`, `reconciliation`, `document_review`, `observation`,
    /// `system_check`).
    pub method: String,
    /// Frequency code (`monthly`, `quarterly`, `four_monthly`, `half_yearly`, `yearly`).
    pub frequency: String,
    /// Owner.
    pub owner_person_id: i64,
    /// The owner's name.
    pub owner: String,
    /// Laws and regulations it secures.
    pub legal_basis: Vec<String>,
    /// The day it applies from.
    pub starts_on: String,
    /// Its standing in the year asked for.
    pub standing: StandingDto,
    /// Version.
    pub version: i64,
}

/// An activity's periods of a year counted up to today.
#[derive(Serialize, ToSchema)]
pub struct StandingDto {
    /// Executions in order.
    pub ok: u32,
    /// Executions with remarks.
    pub remarks: u32,
    /// Executions that found a failure.
    pub failed: u32,
    /// Periods over without a record.
    pub missed: u32,
    /// The period running now, not yet recorded (`2026-3`).
    pub due: Option<String>,
    /// Missed or failed.
    pub flagged: bool,
}

/// An execution record.
#[derive(Serialize, ToSchema)]
pub struct ExecutionDto {
    /// Id.
    pub id: i64,
    /// The period (`2026-3`: the third of 2026 at the activity's frequency).
    pub period: String,
    /// The day it was carried out.
    pub performed_on: String,
    /// `ok`, `remarks` or `failed`.
    pub outcome: String,
    /// Findings.
    pub findings: String,
    /// Follow-up of a failure.
    pub follow_up: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// Its evidence files.
    pub evidence: Vec<EvidenceDto>,
}

/// An evidence file.
#[derive(Serialize, ToSchema)]
pub struct EvidenceDto {
    /// Id.
    pub id: i64,
    /// File name.
    pub file_name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Where to download it (the signed-in page route).
    pub href: String,
}

/// A risk the activity reduces.
#[derive(Serialize, ToSchema)]
pub struct LinkedRiskDto {
    /// The risk item.
    pub risk_item_id: i64,
    /// Its description.
    pub description: String,
    /// The unit of its analysis.
    pub unit_id: i64,
    /// The analysis's year.
    pub year: i64,
    /// Current likelihood × consequence.
    pub score: i64,
}

/// An activity with its risks and its executions of the year.
#[derive(Serialize, ToSchema)]
pub struct ActivityDetailDto {
    /// The activity.
    pub activity: ActivityDto,
    /// Its risks.
    pub risks: Vec<LinkedRiskDto>,
    /// Its executions of the year.
    pub executions: Vec<ExecutionDto>,
}

/// A led unit's report upward.
#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    /// Unit.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// Whether its manager has sent the year's report.
    pub sent: bool,
    /// Significant risks.
    pub significant_risks: Option<String>,
    /// Failures of internal control.
    pub control_failures: Option<String>,
    /// What worked.
    pub what_worked: Option<String>,
    /// Who sent it last.
    pub submitted_by: Option<String>,
    /// When (UTC).
    pub submitted_at: Option<String>,
}

/// `?year=` (default: this year).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ApiYear {
    /// The year.
    pub year: Option<i32>,
}

impl ApiYear {
    fn year(&self) -> i32 {
        self.year.filter(|y| (2000..=2100).contains(y)).unwrap_or_else(|| today().year())
    }
}

fn dto(a: &ControlActivity, s: &Standing) -> ActivityDto {
    ActivityDto {
        id: a.id,
        unit_id: a.unit_id,
        title: a.title.clone(),
        description: a.description.clone(),
        method: a.method.code().into(),
        frequency: a.frequency.code().into(),
        owner_person_id: a.owner_person_id,
        owner: a.owner.clone(),
        legal_basis: a.legal_refs().iter().map(|s| (*s).to_owned()).collect(),
        starts_on: a.starts_on.to_string(),
        standing: StandingDto {
            ok: s.ok,
            remarks: s.remarks,
            failed: s.failed,
            missed: s.missed,
            due: s.due.map(|p| p.code()),
            flagged: s.flagged(),
        },
        version: a.version,
    }
}

/// The control activities the caller reads, with their standing in the year.
#[utoipa::path(get, path = "/api/v1/control/activities", params(ApiYear),
    responses((status = 200, body = Vec<ActivityDto>)))]
async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ApiYear>,
) -> AppResult<Json<Vec<ActivityDto>>> {
    let actor = ctx.actor()?;
    let rows = service::list(&state.db, actor, q.year(), today()).await?;
    Ok(Json(rows.iter().map(|r| dto(&r.activity, &r.standing)).collect()))
}

/// One activity with its risks and its executions of the year (404 also for one the caller may
/// not read).
#[utoipa::path(get, path = "/api/v1/control/activities/{activity}",
    params(("activity" = i64, Path, description = "Activity id"), ApiYear),
    responses((status = 200, body = ActivityDetailDto), (status = 404, body = ErrorDto)))]
async fn api_one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ApiYear>,
) -> AppResult<Json<ActivityDetailDto>> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let (a, _) = service::readable(&state.db, actor, id).await?;
    let year = q.year();
    let executions = state.db.control_executions(mid, year, Some(a.id)).await?;
    let files = state.db.control_evidence_files(mid, a.id).await?;
    let standing = service::standing(&a, year, &executions, today());
    let risks = state.db.control_linked_risks(mid, Some(a.id)).await?;
    Ok(Json(ActivityDetailDto {
        activity: dto(&a, &standing),
        risks: risks
            .into_iter()
            .map(|r| LinkedRiskDto {
                risk_item_id: r.risk_item_id,
                description: r.description,
                unit_id: r.unit_id,
                year: r.year,
                score: r.likelihood * r.consequence,
            })
            .collect(),
        executions: executions
            .iter()
            .map(|e| ExecutionDto {
                id: e.id,
                period: e.period(a.frequency).code(),
                performed_on: e.performed_on.to_string(),
                outcome: e.outcome.code().into(),
                findings: e.findings.clone(),
                follow_up: e.follow_up.clone(),
                recorded_by: e.recorded_by.clone(),
                evidence: files
                    .iter()
                    .filter(|f| f.execution_id == e.id)
                    .map(|f| EvidenceDto {
                        id: f.id,
                        file_name: f.file_name.clone(),
                        media_type: f.media_type.clone(),
                        size_bytes: f.size_bytes,
                        href: format!("/control/evidence/{}", f.id),
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// The reports upward of the year, one line per led unit the caller reads.
#[utoipa::path(get, path = "/api/v1/control/reports", params(ApiYear),
    responses((status = 200, body = Vec<ReportDto>), (status = 403, body = ErrorDto)))]
async fn api_reports(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ApiYear>,
) -> AppResult<Json<Vec<ReportDto>>> {
    let actor = ctx.actor()?;
    let lines = service::reports(&state.db, actor, q.year()).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| {
                let r = l.report.as_ref();
                ReportDto {
                    unit_id: l.unit_id,
                    unit: l.name.clone(),
                    sent: r.is_some(),
                    significant_risks: r.map(|r| r.significant_risks.clone()),
                    control_failures: r.map(|r| r.control_failures.clone()),
                    what_worked: r.map(|r| r.what_worked.clone()),
                    submitted_by: r.map(|r| r.submitted_by.clone()),
                    submitted_at: r.map(|r| r.submitted_at.to_rfc3339()),
                }
            })
            .collect(),
    ))
}
