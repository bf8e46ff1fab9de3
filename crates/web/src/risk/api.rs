//! JSON API of risk management, authorised as the pages are: the matrix, the year's analyses the
//! caller reads, one analysis with its risks (scores and bands computed on the matrix in force), the
//! risk picture aggregated up the organisation, and a risk saved with its version (409 when stale,
//! 422 naming the field of a broken rule). Dates are ISO 8601.

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_risk")
        .get("/api/v1/risk/matrix", api_matrix)
        .get("/api/v1/risk/analyses", api_analyses)
        .get("/api/v1/risk/analyses/{analysis}", api_analysis)
        .get("/api/v1/risk/picture", api_picture)
        .put("/api/v1/risk/risks/{risk}", api_risk_save)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_matrix, api_analyses, api_analysis, api_picture, api_risk_save),
    components(schemas(
        MatrixDto,
        AnalysisDto,
        AnalysisWithRisksDto,
        RiskDto,
        AcceptanceDto,
        PictureDto,
        TallyDto,
        UnitTallyDto,
        RiskWrite,
        RiskSaved
    ))
)]
pub struct RiskDoc;

/// The municipality's risk matrix.
#[derive(Serialize, ToSchema)]
pub struct MatrixDto {
    /// Wording of the likelihood levels, level 1 first.
    pub likelihood: Vec<String>,
    /// Wording of the consequence levels, level 1 first.
    pub consequence: Vec<String>,
    /// Lowest medium score.
    pub medium: u16,
    /// Lowest high score.
    pub high: u16,
    /// Lowest critical score.
    pub critical: u16,
    /// Version (0 while the shipped default is in force).
    pub version: i64,
}

/// A risk analysis (ROS) of a unit for a year.
#[derive(Serialize, ToSchema)]
pub struct AnalysisDto {
    /// Id.
    pub id: i64,
    /// The analysed unit.
    pub unit_id: i64,
    /// The year.
    pub year: i64,
    /// Summary.
    pub summary: String,
    /// Version to send back with a change.
    pub version: i64,
}

/// An acceptance.
#[derive(Serialize, ToSchema)]
pub struct AcceptanceDto {
    /// Who accepted, by name at the time.
    pub by: String,
    /// Their leader level (1 = chief executive).
    pub level: u8,
    /// The last day it holds.
    pub expires_on: String,
    /// Whether it covers the risk today (not expired, and the band still within the level).
    pub holds: bool,
}

/// A risk with its scores.
#[derive(Serialize, ToSchema)]
pub struct RiskDto {
    /// Id.
    pub id: i64,
    /// What can go wrong.
    pub description: String,
    /// Why.
    pub cause: String,
    /// What happens.
    pub consequence_text: String,
    /// `services`, `hms`, `information_security`, `economy`, `reputation`, `corruption` or `own`.
    pub category: String,
    /// The own category's wording.
    pub category_label: String,
    /// Inherent likelihood and consequence.
    pub inherent: Vec<u8>,
    /// Current likelihood and consequence.
    pub current: Vec<u8>,
    /// Residual likelihood and consequence.
    pub residual: Vec<u8>,
    /// Current score (likelihood × consequence).
    pub score: u16,
    /// Band of the current score: `low`, `medium`, `high`, `critical`.
    pub band: String,
    /// `avoid`, `reduce`, `share`, `accept`.
    pub treatment: String,
    /// Review date.
    pub review_on: Option<String>,
    /// Treatment measures (goal element ids).
    pub measures: Vec<i64>,
    /// The acceptance, if any.
    pub acceptance: Option<AcceptanceDto>,
    /// Version to send back with a change.
    pub version: i64,
}

/// An analysis with its risks.
#[derive(Serialize, ToSchema)]
pub struct AnalysisWithRisksDto {
    /// The analysis.
    #[serde(flatten)]
    pub analysis: AnalysisDto,
    /// Its risks.
    pub risks: Vec<RiskDto>,
}

/// Risks counted per band.
#[derive(Serialize, ToSchema)]
pub struct TallyDto {
    /// Low.
    pub low: u32,
    /// Medium.
    pub medium: u32,
    /// High.
    pub high: u32,
    /// Critical.
    pub critical: u32,
    /// All.
    pub total: u32,
    /// High and critical, reported to authority level 1.
    pub significant: u32,
    /// The highest score.
    pub highest: Option<u16>,
}

/// A unit's line of the picture: its risks and those of every unit below it.
#[derive(Serialize, ToSchema)]
pub struct UnitTallyDto {
    /// The unit.
    pub unit_id: i64,
    /// Depth below the picture's top.
    pub depth: usize,
    /// Its tally.
    pub tally: TallyDto,
}

/// The risk picture of a year.
#[derive(Serialize, ToSchema)]
pub struct PictureDto {
    /// The year.
    pub year: i32,
    /// Every risk below the top.
    pub total: TallyDto,
    /// Units with risks in their subtree.
    pub units: Vec<UnitTallyDto>,
    /// Risks per cell, row by row from likelihood 1: `counts[(l - 1) * consequence_levels + (c - 1)]`.
    pub counts: Vec<u32>,
    /// Columns of `counts`.
    pub consequence_levels: u8,
    /// The significant risks the caller may read, highest score first.
    pub significant: Vec<i64>,
}

/// A risk to save.
#[derive(Deserialize, ToSchema)]
pub struct RiskWrite {
    /// The version read.
    pub version: i64,
    /// What can go wrong.
    pub description: String,
    /// Why.
    #[serde(default)]
    pub cause: String,
    /// What happens.
    #[serde(default)]
    pub consequence_text: String,
    /// Category code.
    pub category: String,
    /// The own category's wording (for `own`).
    #[serde(default)]
    pub category_label: String,
    /// Inherent likelihood and consequence.
    pub inherent: Vec<u8>,
    /// Current likelihood and consequence.
    pub current: Vec<u8>,
    /// Residual likelihood and consequence.
    pub residual: Vec<u8>,
    /// Treatment code.
    pub treatment: String,
    /// Review date (ISO 8601).
    #[serde(default)]
    pub review_on: Option<String>,
    /// Treatment measures (goal element ids of kind measure).
    #[serde(default)]
    pub measures: Vec<i64>,
}

/// The answer to a save.
#[derive(Serialize, ToSchema)]
pub struct RiskSaved {
    /// The new version.
    pub version: i64,
}

fn tally(t: &rodtrad_domain::risk::RiskTally) -> TallyDto {
    TallyDto {
        low: t.count(Band::Low),
        medium: t.count(Band::Medium),
        high: t.count(Band::High),
        critical: t.count(Band::Critical),
        total: t.total(),
        significant: t.significant(),
        highest: t.highest(),
    }
}

fn analysis_dto(a: &rodtrad_store::risk::Analysis) -> AnalysisDto {
    AnalysisDto { id: a.id, unit_id: a.unit_id, year: a.year, summary: a.summary.clone(), version: a.version }
}

fn risk_dto(matrix: &Matrix, r: &StoredRisk, today: NaiveDate) -> RiskDto {
    let x = &r.item;
    let pair = |a: rodtrad_domain::risk::Assessment| vec![a.likelihood.get(), a.consequence.get()];
    let band = x.band(matrix);
    RiskDto {
        id: r.id,
        description: x.description.clone(),
        cause: x.cause.clone(),
        consequence_text: x.consequence_text.clone(),
        category: x.category.code().into(),
        category_label: x.category.own_label().into(),
        inherent: pair(x.inherent),
        current: pair(x.current),
        residual: pair(x.residual),
        score: x.current.score(),
        band: band.code().into(),
        treatment: x.treatment.code().into(),
        review_on: x.review_on.map(|d| d.to_string()),
        measures: r.measures.iter().map(|m| m.id).collect(),
        acceptance: r.acceptance.as_ref().map(|a| AcceptanceDto {
            by: a.by.clone(),
            level: a.acceptance.level,
            expires_on: a.acceptance.expires_on.to_string(),
            holds: a.acceptance.holds(band, today),
        }),
        version: r.version,
    }
}

/// The municipality's matrix.
#[utoipa::path(get, path = "/api/v1/risk/matrix", responses((status = 200, body = MatrixDto)))]
async fn api_matrix(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<MatrixDto>> {
    let actor = ctx.actor()?;
    let s = state.db.risk_matrix(actor.municipality_id).await?;
    let t = s.matrix.thresholds;
    Ok(Json(MatrixDto {
        likelihood: s.matrix.likelihood,
        consequence: s.matrix.consequence,
        medium: t.medium,
        high: t.high,
        critical: t.critical,
        version: s.version,
    }))
}

/// `?year=` (default: every year).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// The year.
    pub year: Option<i32>,
    /// The top unit of the picture (default: the whole municipality).
    pub unit: Option<i64>,
}

/// The analyses the caller may read.
#[utoipa::path(get, path = "/api/v1/risk/analyses", params(YearQuery), responses((status = 200, body = Vec<AnalysisDto>)))]
async fn api_analyses(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<Vec<AnalysisDto>>> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let list = state.db.risk_analyses(actor.municipality_id, q.year).await?;
    Ok(Json(list.iter().filter(|a| actor.can_read_risk(&tree.ancestry(a.unit_id))).map(analysis_dto).collect()))
}

/// An analysis with its risks.
#[utoipa::path(get, path = "/api/v1/risk/analyses/{analysis}",
    params(("analysis" = i64, Path, description = "Analysis id")),
    responses((status = 200, body = AnalysisWithRisksDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn api_analysis(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Json<AnalysisWithRisksDto>> {
    let actor = ctx.actor()?;
    let (analysis, _) = service::readable_analysis(&state.db, actor, id).await?;
    let matrix = state.db.risk_matrix(actor.municipality_id).await?.matrix;
    let risks = state.db.risk_items(actor.municipality_id, analysis.id).await?;
    let today = today();
    Ok(Json(AnalysisWithRisksDto {
        analysis: analysis_dto(&analysis),
        risks: risks.iter().map(|r| risk_dto(&matrix, r, today)).collect(),
    }))
}

/// The risk picture of a year, aggregated up the organisation.
#[utoipa::path(get, path = "/api/v1/risk/picture", params(YearQuery),
    responses((status = 200, body = PictureDto), (status = 403, body = ErrorDto)))]
async fn api_picture(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<PictureDto>> {
    use chrono::Datelike;
    let actor = ctx.actor()?;
    let year = q.year.unwrap_or_else(|| today().year());
    let p = service::picture(&state.db, actor, year, q.unit, today()).await?;
    Ok(Json(PictureDto {
        year,
        total: tally(&p.total),
        units: p
            .units
            .iter()
            .map(|u| UnitTallyDto { unit_id: u.unit_id, depth: u.depth, tally: tally(&u.tally) })
            .collect(),
        counts: p.heat_map.counts.clone(),
        consequence_levels: p.heat_map.consequence_levels,
        significant: p.significant.iter().map(|s| s.risk.id).collect(),
    }))
}

/// Saves a risk at the version read.
#[utoipa::path(put, path = "/api/v1/risk/risks/{risk}",
    params(("risk" = i64, Path, description = "Risk id")),
    request_body = RiskWrite,
    responses((status = 200, body = RiskSaved), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto),
        (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_risk_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<RiskWrite>, JsonRejection>,
) -> AppResult<Json<RiskSaved>> {
    let actor = ctx.actor()?;
    let (analysis, _) = state.db.risk_item(actor.municipality_id, id).await?;
    service::editable_analysis(&state.db, actor, analysis.id).await?;
    let Json(w) = payload.map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-json-invalid")))?;
    let matrix = state.db.risk_matrix(actor.municipality_id).await?.matrix;
    let n = |v: &[u8], i: usize| v.get(i).map(u8::to_string).unwrap_or_default();
    let draft = RiskItemDraft {
        description: w.description,
        cause: w.cause,
        consequence_text: w.consequence_text,
        category: w.category,
        category_label: w.category_label,
        inherent_likelihood: n(&w.inherent, 0),
        inherent_consequence: n(&w.inherent, 1),
        current_likelihood: n(&w.current, 0),
        current_consequence: n(&w.current, 1),
        residual_likelihood: n(&w.residual, 0),
        residual_consequence: n(&w.residual, 1),
        treatment: w.treatment,
        review_on: w.review_on.unwrap_or_default(),
    };
    let item = draft.parse(&matrix).map_err(|e| {
        AppError::Rule(e.into_iter().next().unwrap_or_else(|| rodtrad_domain::RuleError::new("err-json-invalid")))
    })?;
    let (_, version) = service::save_risk(
        &state.db,
        (actor, &ctx.author()?),
        analysis.id,
        Some(id),
        w.version,
        Some((&item, w.measures.as_slice())),
    )
    .await?;
    Ok(Json(RiskSaved { version }))
}
