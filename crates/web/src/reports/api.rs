//! JSON API of the council reports, authorised as the pages are: the reports the caller may read,
//! one report with its content (the frozen content once adopted: the same figures as its page,
//! PDF and workbook), and a service area's commentary saved through its workflow with its version
//! (409 when stale, 422 naming the broken rule).

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_reports")
        .get("/api/v1/reports", api_reports)
        .get("/api/v1/reports/{id}", api_report)
        .put("/api/v1/reports/{id}/commentary/{area}", api_commentary_save)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_reports, api_report, api_commentary_save),
    components(schemas(ReportDto, ReportWithContentDto, CommentaryWrite, CommentarySaved))
)]
pub struct ReportsDoc;

/// A report.
#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    /// Id.
    pub id: i64,
    /// `monthly`, `tertial_1`, `tertial_2` or `annual`.
    pub kind: String,
    /// Year.
    pub year: i64,
    /// Month of a monthly report.
    pub month: Option<i64>,
    /// Unit of a monthly report for a part of the organisation.
    pub unit_id: Option<i64>,
    /// Section codes in order.
    pub sections: Vec<String>,
    /// Whether adopted (and frozen).
    pub adopted: bool,
    /// Deciding body.
    pub decision_body: Option<String>,
    /// Case number.
    pub case_number: Option<String>,
    /// Date of the decision (ISO 8601).
    pub decided_on: Option<String>,
    /// Version of the introduction.
    pub version: i64,
    /// Version of all its texts; an adoption sends it.
    pub content_version: i64,
}

/// A report with its content.
#[derive(Serialize, ToSchema)]
pub struct ReportWithContentDto {
    /// The report.
    #[serde(flatten)]
    pub report: ReportDto,
    /// The content: `municipality`, `kind`, `year`, `months` (first, last), `scope`, `as_of`, and
    /// `sections`, each tagged by `section` (`introduction`, `goals`, `statuses`, `indicators`,
    /// `economy`, `dialogues`, `commentary`) with its figures; amounts in whole kroner.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

/// A commentary to save.
#[derive(Deserialize, ToSchema)]
pub struct CommentaryWrite {
    /// The version read (0 before the first save).
    pub version: i64,
    /// `save`, `submit`, `return` or `compile`.
    pub action: String,
    /// The text (Markdown).
    #[serde(default)]
    pub text: String,
}

/// The answer to a save.
#[derive(Serialize, ToSchema)]
pub struct CommentarySaved {
    /// The new version.
    pub version: i64,
}

fn dto(r: &Report) -> ReportDto {
    ReportDto {
        id: r.id,
        kind: r.kind.code().into(),
        year: r.year,
        month: r.month,
        unit_id: r.unit_id,
        sections: r.section_list().iter().map(|s| s.code().to_owned()).collect(),
        adopted: r.adopted(),
        decision_body: r.decision_body.clone(),
        case_number: r.case_number.clone(),
        decided_on: r.decided_on.map(|d| d.to_string()),
        version: r.version,
        content_version: r.content_version,
    }
}

/// The reports the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/reports", responses((status = 200, body = Vec<ReportDto>)))]
async fn api_reports(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<ReportDto>>> {
    let actor = ctx.actor()?;
    let reports = state.db.reports(actor.municipality_id).await?;
    Ok(Json(reports.iter().filter(|r| service::may_read(Some(actor), r)).map(dto).collect()))
}

/// A report with its content.
#[utoipa::path(get, path = "/api/v1/reports/{id}",
    params(("id" = i64, Path, description = "Report id")),
    responses((status = 200, body = ReportWithContentDto), (status = 404, body = ErrorDto)))]
async fn api_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Json<ReportWithContentDto>> {
    let (report, tree) = readable(&state, &ctx, id).await?;
    let content = service::content(&state.db, &tree, &report, today()).await?;
    Ok(Json(ReportWithContentDto {
        report: dto(&report),
        content: serde_json::to_value(&content).map_err(AppError::internal)?,
    }))
}

/// Saves a service area's commentary and moves it along its workflow.
#[utoipa::path(put, path = "/api/v1/reports/{id}/commentary/{area}",
    params(("id" = i64, Path, description = "Report id"), ("area" = i64, Path, description = "Service area (unit id)")),
    request_body = CommentaryWrite,
    responses((status = 200, body = CommentarySaved), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto),
        (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_commentary_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, area)): Path<(i64, i64)>,
    payload: Result<Json<CommentaryWrite>, JsonRejection>,
) -> AppResult<Json<CommentarySaved>> {
    let actor = ctx.actor()?;
    let (report, tree) = readable(&state, &ctx, id).await?;
    if !actor.can_write_report_commentary(area) {
        return Err(AppError::Forbidden);
    }
    let Json(w) = payload.map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-json-invalid")))?;
    let action = CommentaryAction::parse(&w.action)?;
    let version =
        service::save_commentary(&state.db, (actor, &ctx.author()?), &tree, &report, area, w.version, action, &w.text)
            .await?;
    Ok(Json(CommentarySaved { version }))
}
