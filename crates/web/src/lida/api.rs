//! JSON API of the long-term analysis, authorised as the pages are: the scenarios and projections
//! of the caller's municipality, and one scenario computed year by year. Amounts and persons are
//! exact decimals as text ("1234.50").

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_lida")
        .get("/api/v1/lida/scenarios", api_scenarios)
        .get("/api/v1/lida/scenarios/{scenario}", api_scenario)
        .get("/api/v1/lida/projections", api_projections)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_scenarios, api_scenario, api_projections),
    components(schemas(ScenarioListDto, ScenarioDto, AssumptionDto, YearDto, ServiceYearDto, ProjectionDto))
)]
pub struct LidaDoc;

/// A scenario as listed.
#[derive(Serialize, ToSchema)]
pub struct ScenarioListDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The year before the 20 years analysed.
    pub base_year: i64,
    /// The projection it reads.
    pub projection_id: i64,
    /// Version.
    pub version: i64,
}

/// The municipality's scenarios.
#[utoipa::path(get, path = "/api/v1/lida/scenarios",
    responses((status = 200, body = Vec<ScenarioListDto>), (status = 403, body = ErrorDto)))]
async fn api_scenarios(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<ScenarioListDto>>> {
    let actor = reader(&ctx)?;
    let list = state.db.lida_scenarios(actor.municipality_id).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| ScenarioListDto {
                id: s.id,
                name: s.name,
                base_year: s.base_year,
                projection_id: s.projection_id,
                version: s.version,
            })
            .collect(),
    ))
}

/// A service's assumption.
#[derive(Serialize, ToSchema)]
pub struct AssumptionDto {
    /// Service.
    pub service: String,
    /// First age served.
    pub age_from: u8,
    /// Last age served (120 for an open group such as 80+).
    pub age_to: u8,
    /// Places per resident of the ages served.
    pub coverage: String,
    /// Places in the base year.
    pub capacity: String,
    /// Operating cost per place and year, NOK.
    pub operating_cost: String,
    /// Investment cost per new place, NOK.
    pub investment_cost: String,
    /// Yearly real growth of the operating cost, percent.
    pub growth_percent: String,
}

/// One service in one year.
#[derive(Serialize, ToSchema)]
pub struct ServiceYearDto {
    /// Persons in the ages served; null when the projection lacks the year.
    pub persons: Option<String>,
    /// Places needed (whole, rounded up).
    pub demand: String,
    /// Capacity at the end of the year.
    pub capacity: String,
    /// Places built this year.
    pub new_places: String,
    /// Investment need, NOK.
    pub investment: String,
    /// Operating need, NOK.
    pub operating: String,
}

/// One year of a scenario.
#[derive(Serialize, ToSchema)]
pub struct YearDto {
    /// Year.
    pub year: i32,
    /// Per service, in the order of `assumptions`.
    pub services: Vec<ServiceYearDto>,
    /// Investment need of all services, NOK.
    pub investment: String,
    /// Operating need of all services, NOK.
    pub operating: String,
    /// The projection has no figures for the year.
    pub missing: bool,
}

/// A scenario computed over its projection.
#[derive(Serialize, ToSchema)]
pub struct ScenarioDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Base year.
    pub base_year: i64,
    /// The projection.
    pub projection_id: i64,
    /// Version.
    pub version: i64,
    /// The services.
    pub assumptions: Vec<AssumptionDto>,
    /// The 20 years after the base year.
    pub years: Vec<YearDto>,
    /// Investment over all years, NOK.
    pub investment: String,
    /// Operating over all years, NOK.
    pub operating: String,
}

/// A scenario with its yearly operating and investment needs.
#[utoipa::path(get, path = "/api/v1/lida/scenarios/{scenario}", params(("scenario" = i64, Path, description = "Scenario id")),
    responses((status = 200, body = ScenarioDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn api_scenario(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ScenarioDto>> {
    let c = load(&state, &ctx, id).await?;
    let s = &c.scenario;
    Ok(Json(ScenarioDto {
        id: s.info.id,
        name: s.info.name.clone(),
        base_year: s.info.base_year,
        projection_id: s.info.projection_id,
        version: s.info.version,
        assumptions: s
            .assumptions
            .iter()
            .map(|a| AssumptionDto {
                service: a.service.clone(),
                age_from: a.band.from,
                age_to: a.band.to,
                coverage: a.coverage.to_string(),
                capacity: a.capacity.to_string(),
                operating_cost: a.operating_cost.to_string(),
                investment_cost: a.investment_cost.to_string(),
                growth_percent: a.growth_percent.to_string(),
            })
            .collect(),
        years: c
            .analysis
            .years
            .iter()
            .map(|y| YearDto {
                year: y.year,
                services: y
                    .services
                    .iter()
                    .map(|v| ServiceYearDto {
                        persons: v.persons.map(|p| p.round_dp(2).to_string()),
                        demand: v.demand.to_string(),
                        capacity: v.capacity.to_string(),
                        new_places: v.new_places.to_string(),
                        investment: v.investment.to_string(),
                        operating: v.operating.to_string(),
                    })
                    .collect(),
                investment: y.investment.to_string(),
                operating: y.operating.to_string(),
                missing: y.missing,
            })
            .collect(),
        investment: c.analysis.investment.to_string(),
        operating: c.analysis.operating.to_string(),
    }))
}

/// A projection as listed.
#[derive(Serialize, ToSchema)]
pub struct ProjectionDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `csv` or `demo`.
    pub source: String,
    /// The uploaded file's name.
    pub file_name: String,
}

/// The municipality's population projections.
#[utoipa::path(get, path = "/api/v1/lida/projections",
    responses((status = 200, body = Vec<ProjectionDto>), (status = 403, body = ErrorDto)))]
async fn api_projections(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<ProjectionDto>>> {
    let actor = reader(&ctx)?;
    let list = state.db.lida_projections(actor.municipality_id).await?;
    Ok(Json(
        list.into_iter()
            .map(|p| ProjectionDto { id: p.id, name: p.name, source: p.source, file_name: p.file_name })
            .collect(),
    ))
}
