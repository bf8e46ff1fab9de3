//! JSON API of audits and inspections, authorised as the pages are: the audits of a year (or every
//! year) and one audit with its findings. Dates are ISO 8601.

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_audits").get("/api/v1/audits", api_list).get("/api/v1/audits/{audit}", api_one)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_list, api_one), components(schemas(AuditDto, FindingDto, AuditWithFindingsDto)))]
pub struct AuditDoc;

/// An audit or inspection.
#[derive(Serialize, ToSchema)]
pub struct AuditDto {
    /// Id.
    pub id: i64,
    /// `performance_audit`, `state_inspection`, `iso_internal` or `iso_external`.
    pub kind: String,
    /// Theme.
    pub title: String,
    /// Who audits.
    pub auditor: String,
    /// The audited unit.
    pub unit_id: i64,
    /// Carried out.
    pub held_on: String,
    /// Final report.
    pub report_on: Option<String>,
    /// Summary.
    pub summary: String,
    /// `open` or `closed`.
    pub status: String,
    /// How it was closed.
    pub closing_note: String,
    /// Version.
    pub version: i64,
}

/// A finding.
#[derive(Serialize, ToSchema)]
pub struct FindingDto {
    /// Id.
    pub id: i64,
    /// `breach`, `remark`, `major_nonconformity`, `minor_nonconformity`, `observation` or
    /// `recommendation`.
    pub kind: String,
    /// What was found.
    pub description: String,
    /// The corrective measure.
    pub measure: String,
    /// Responsible person.
    pub responsible_person_id: Option<i64>,
    /// Deadline.
    pub deadline: Option<String>,
    /// Closed on.
    pub closed_on: Option<String>,
    /// What was done.
    pub closing_note: String,
    /// Open and past its deadline.
    pub late: bool,
}

/// An audit with its findings.
#[derive(Serialize, ToSchema)]
pub struct AuditWithFindingsDto {
    /// The audit.
    pub audit: AuditDto,
    /// Its findings.
    pub findings: Vec<FindingDto>,
}

/// `?year=` (empty: every year).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ApiYear {
    /// The year the audits were held in.
    pub year: Option<i32>,
}

fn dto(a: &Audit) -> AuditDto {
    AuditDto {
        id: a.id,
        kind: a.kind.code().into(),
        title: a.title.clone(),
        auditor: a.auditor.clone(),
        unit_id: a.unit_id,
        held_on: a.held_on.to_string(),
        report_on: a.report_on.map(|d| d.to_string()),
        summary: a.summary.clone(),
        status: a.status.clone(),
        closing_note: a.closing_note.clone(),
        version: a.version,
    }
}

/// The audits of the year (every year without one), newest first.
#[utoipa::path(get, path = "/api/v1/audits", params(ApiYear), responses((status = 200, body = Vec<AuditDto>)))]
async fn api_list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ApiYear>) -> AppResult<Json<Vec<AuditDto>>> {
    let actor = ctx.actor()?;
    if !actor.can_read_audits() {
        return Err(AppError::Forbidden);
    }
    Ok(Json(state.db.audits(actor.municipality_id, q.year).await?.iter().map(dto).collect()))
}

/// One audit with its findings.
#[utoipa::path(get, path = "/api/v1/audits/{audit}",
    params(("audit" = i64, Path, description = "Audit id")),
    responses((status = 200, body = AuditWithFindingsDto), (status = 404, body = ErrorDto)))]
async fn api_one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Json<AuditWithFindingsDto>> {
    let actor = ctx.actor()?;
    let (a, _) = service::readable(&state.db, actor, id).await?;
    let today = today();
    let findings = state.db.audit_findings(actor.municipality_id, Some(a.id)).await?;
    Ok(Json(AuditWithFindingsDto {
        audit: dto(&a),
        findings: findings
            .iter()
            .map(|f| FindingDto {
                id: f.id,
                kind: f.kind.code().into(),
                description: f.description.clone(),
                measure: f.measure.clone(),
                responsible_person_id: f.responsible_person_id,
                deadline: f.deadline.map(|d| d.to_string()),
                closed_on: f.closed_on.map(|d| d.to_string()),
                closing_note: f.closing_note.clone(),
                late: f.late(today),
            })
            .collect(),
    }))
}
