//! JSON API of deviations and improvement, authorised as the pages are: the year's deviations the
//! caller reads (a restricted one only by its reporter and the handling line; 404 to anyone
//! else), one deviation with its measures, a registration (422 naming the field of a broken rule),
//! and the trends, counts only. Dates are ISO 8601.

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_deviations")
        .get("/api/v1/deviations", api_list)
        .post("/api/v1/deviations", api_register)
        .get("/api/v1/deviations/trends", api_trends)
        .get("/api/v1/deviations/{deviation}", api_one)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_register, api_trends, api_one),
    components(schemas(DeviationDto, DeviationWithMeasuresDto, MeasureDto, DeviationWrite, Registered, TrendDto))
)]
pub struct DeviationDoc;

/// A deviation or improvement idea.
#[derive(Serialize, ToSchema)]
pub struct DeviationDto {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// `incident` or `improvement`.
    pub kind: String,
    /// Category code.
    pub category: String,
    /// Restricted (health, HR).
    pub restricted: bool,
    /// Title.
    pub title: String,
    /// What happened, or the idea.
    pub description: String,
    /// What was done at once.
    pub immediate_action: String,
    /// When it happened.
    pub occurred_on: String,
    /// Who registered it.
    pub reported_by: String,
    /// `registered`, `in_progress`, `closed` or `rejected`.
    pub status: String,
    /// Severity code, once triaged.
    pub severity: Option<String>,
    /// The cause analysis.
    pub cause: String,
    /// An idea's PDCA stage.
    pub pdca: Option<String>,
    /// An idea's stage in the innovation pipeline.
    pub innovation_stage: Option<String>,
    /// The effect check.
    pub effect_check: String,
    /// Whether the measures worked.
    pub effective: Option<bool>,
    /// Version.
    pub version: i64,
}

/// A measure of a deviation.
#[derive(Serialize, ToSchema)]
pub struct MeasureDto {
    /// Id.
    pub id: i64,
    /// What.
    pub text: String,
    /// `corrective` or `preventive`.
    pub kind: String,
    /// Responsible person.
    pub responsible_person_id: i64,
    /// Deadline.
    pub deadline: String,
    /// Done on.
    pub done_on: Option<String>,
}

/// A deviation with its measures.
#[derive(Serialize, ToSchema)]
pub struct DeviationWithMeasuresDto {
    /// The deviation.
    pub deviation: DeviationDto,
    /// Its measures.
    pub measures: Vec<MeasureDto>,
}

/// A registration.
#[derive(Deserialize, ToSchema)]
pub struct DeviationWrite {
    /// `incident` or `improvement`.
    pub kind: String,
    /// Category code.
    pub category: String,
    /// Unit.
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// What happened, or the idea.
    pub description: String,
    /// What was done at once.
    #[serde(default)]
    pub immediate_action: String,
    /// When it happened (ISO 8601; default today).
    #[serde(default)]
    pub occurred_on: Option<String>,
    /// The text names no client (answers the name hint).
    #[serde(default)]
    pub names_checked: bool,
}

/// The answer to a registration.
#[derive(Serialize, ToSchema)]
pub struct Registered {
    /// The new deviation's id.
    pub id: i64,
}

/// A unit's counts in the trends.
#[derive(Serialize, ToSchema)]
pub struct TrendDto {
    /// Unit.
    pub unit_id: i64,
    /// Depth below the municipality.
    pub depth: usize,
    /// Incidents per category code (the unit and everything under it).
    pub by_category: std::collections::BTreeMap<String, u32>,
    /// Incidents per month, January first.
    pub by_month: Vec<u32>,
    /// Improvement ideas.
    pub ideas: u32,
    /// Still open.
    pub open: u32,
}

fn dto(d: &Deviation) -> DeviationDto {
    DeviationDto {
        id: d.id,
        unit_id: d.unit_id,
        kind: d.kind.code().into(),
        category: d.category.code().into(),
        restricted: d.restricted,
        title: d.title.clone(),
        description: d.description.clone(),
        immediate_action: d.immediate_action.clone(),
        occurred_on: d.occurred_on.to_string(),
        reported_by: d.reported_by.clone(),
        status: d.status.code().into(),
        severity: d.severity.clone(),
        cause: d.cause.clone(),
        pdca: d.pdca.clone(),
        innovation_stage: d.innovation_stage.clone(),
        effect_check: d.effect_check.clone(),
        effective: d.effective,
        version: d.version,
    }
}

/// `?year=` (default: this year).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ApiYear {
    /// The year the deviations happened in.
    pub year: Option<i32>,
}

impl ApiYear {
    fn year(&self) -> i32 {
        self.year.unwrap_or_else(|| today().year())
    }
}

/// The year's deviations the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/deviations", params(ApiYear), responses((status = 200, body = Vec<DeviationDto>)))]
async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ApiYear>,
) -> AppResult<Json<Vec<DeviationDto>>> {
    let actor = ctx.actor()?;
    Ok(Json(service::list(&state.db, actor, q.year()).await?.iter().map(dto).collect()))
}

/// One deviation with its measures (404 also for one the caller may not read).
#[utoipa::path(get, path = "/api/v1/deviations/{deviation}",
    params(("deviation" = i64, Path, description = "Deviation id")),
    responses((status = 200, body = DeviationWithMeasuresDto), (status = 404, body = ErrorDto)))]
async fn api_one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Json<DeviationWithMeasuresDto>> {
    let actor = ctx.actor()?;
    let (d, _) = service::readable(&state.db, actor, id).await?;
    let measures = state.db.deviation_measures(d.id).await?;
    Ok(Json(DeviationWithMeasuresDto {
        deviation: dto(&d),
        measures: measures
            .iter()
            .map(|m| MeasureDto {
                id: m.id,
                text: m.text.clone(),
                kind: m.kind.code().into(),
                responsible_person_id: m.responsible_person_id,
                deadline: m.deadline.to_string(),
                done_on: m.done_on.map(|x| x.to_string()),
            })
            .collect(),
    }))
}

/// Registers a deviation or idea.
#[utoipa::path(post, path = "/api/v1/deviations", request_body = DeviationWrite,
    responses((status = 201, body = Registered), (status = 422, body = ErrorDto)))]
async fn api_register(
    State(state): State<AppState>,
    ctx: Ctx,
    payload: Result<Json<DeviationWrite>, JsonRejection>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let Json(w) = payload.map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-json-invalid")))?;
    unit_of_municipality(&state, actor, &w.unit_id.to_string()).await?;
    let draft = DeviationDraft {
        kind: w.kind,
        category: w.category,
        unit_id: w.unit_id.to_string(),
        title: w.title,
        description: w.description,
        immediate_action: w.immediate_action,
        occurred_on: w.occurred_on.unwrap_or_default(),
        names_checked: w.names_checked,
    };
    let new = draft.parse(today()).map_err(|e| {
        AppError::Rule(e.into_iter().next().unwrap_or_else(|| rodtrad_domain::RuleError::new("err-json-invalid")))
    })?;
    let id = service::register(&state.db, (actor, &ctx.author()?), &new).await?;
    Ok((StatusCode::CREATED, Json(Registered { id })).into_response())
}

/// The year's trends per unit (counts only).
#[utoipa::path(get, path = "/api/v1/deviations/trends", params(ApiYear),
    responses((status = 200, body = Vec<TrendDto>), (status = 403, body = ErrorDto)))]
async fn api_trends(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ApiYear>,
) -> AppResult<Json<Vec<TrendDto>>> {
    let actor = ctx.actor()?;
    let rows = service::year_trends(&state.db, actor, q.year()).await?;
    Ok(Json(
        rows.iter()
            .map(|r| TrendDto {
                unit_id: r.unit_id,
                depth: r.depth,
                by_category: r.by_category.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
                by_month: r.by_month.to_vec(),
                ideas: r.ideas,
                open: r.open,
            })
            .collect(),
    ))
}
