//! JSON API of the economy follow-up, authorised as the pages are: the roll-up the caller may read,
//! one unit's lines and forecasts, and the forecast. Amounts are exact decimals as text ("1234.50").

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_economy")
        .get("/api/v1/economy", api_overview)
        .get("/api/v1/economy/units/{unit}", api_unit)
        .put("/api/v1/economy/units/{unit}/forecast", api_forecast)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_overview, api_unit, api_forecast),
    components(schemas(FiguresDto, OverviewDto, UnitDto, LineFiguresDto, ForecastDto, ForecastWrite, AmountWrite))
)]
pub struct EconomyDoc;

/// Budget, actuals to date, forecast and deviation of a unit and everything below it (or of a line).
#[derive(Serialize, ToSchema)]
pub struct FiguresDto {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Budget for the year.
    pub budget: String,
    /// Actuals up to and including the month.
    pub actual: String,
    /// Forecast for the year (a unit without one counts with its budget).
    pub forecast: String,
    /// Forecast − budget.
    pub deviation: String,
    /// The deviation in percent of the budget, one decimal; null for a zero budget.
    pub deviation_percent: Option<String>,
    /// Past the municipality's thresholds.
    pub flagged: bool,
    /// Units below without a forecast.
    pub without_forecast: u32,
}

fn figures_dto(o: &Overview, unit_id: i64, name: String, f: Figures) -> FiguresDto {
    let d = f.deviation(&o.thresholds);
    FiguresDto {
        unit_id,
        name,
        budget: f.budget.to_string(),
        actual: f.actual.to_string(),
        forecast: f.forecast.to_string(),
        deviation: d.amount.to_string(),
        deviation_percent: d.percent.map(|p| p.to_string()),
        flagged: d.flagged,
        without_forecast: f.without_forecast,
    }
}

/// The roll-up the caller may read.
#[derive(Serialize, ToSchema)]
pub struct OverviewDto {
    /// Year.
    pub year: i32,
    /// Actuals and forecasts up to and including this month.
    pub month: u32,
    /// Threshold in percent of the budget.
    pub threshold_percent: String,
    /// Threshold in NOK.
    pub threshold_amount: String,
    /// The municipality's total, for those who read the whole municipality.
    pub total: Option<FiguresDto>,
    /// The service areas (or the units at the top of the caller's scope) and the units directly
    /// below them, each rolled up.
    pub units: Vec<FiguresDto>,
}

/// The economy the caller may read, as of `year` and `month` (default: now).
#[utoipa::path(get, path = "/api/v1/economy", params(("year" = Option<i32>, Query, description = "Year"), ("month" = Option<u32>, Query, description = "Through month 1–12")),
    responses((status = 200, body = OverviewDto), (status = 403, body = ErrorDto)))]
async fn api_overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Json<OverviewDto>> {
    let (o, total, groups) = rows(&state, &ctx, &q).await?;
    let units = groups
        .iter()
        .flat_map(|g| std::iter::once(&g.head).chain(g.rows.iter()))
        .map(|r| figures_dto(&o, r.id, r.name.clone(), r.raw))
        .collect();
    Ok(Json(OverviewDto {
        year: o.year,
        month: o.month,
        threshold_percent: o.thresholds.percent.to_string(),
        threshold_amount: o.thresholds.amount.to_string(),
        total: total.map(|t| figures_dto(&o, t.id, t.name.clone(), t.raw)),
        units,
    }))
}

/// One line of a unit.
#[derive(Serialize, ToSchema)]
pub struct LineFiguresDto {
    /// The line's code.
    pub line: String,
    /// Its figures for the unit and everything below it.
    pub figures: FiguresDto,
}

/// A forecast.
#[derive(Serialize, ToSchema)]
pub struct ForecastDto {
    /// Month given.
    pub month: i64,
    /// The leader's comment.
    pub comment: String,
    /// Amount per line code.
    pub amounts: Vec<AmountWrite>,
    /// Version (send it back to change the month's forecast).
    pub version: i64,
    /// Who saved it.
    pub updated_by: String,
}

/// A unit's economy.
#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    /// Year.
    pub year: i32,
    /// Through month.
    pub month: u32,
    /// All lines.
    pub total: FiguresDto,
    /// Per line.
    pub lines: Vec<LineFiguresDto>,
    /// The unit's own forecasts this year.
    pub forecasts: Vec<ForecastDto>,
}

/// A unit's economy (its leader and those above, delegates, the staff and the auditor).
#[utoipa::path(get, path = "/api/v1/economy/units/{unit}", params(("unit" = i64, Path, description = "Unit id"), ("year" = Option<i32>, Query, description = "Year"), ("month" = Option<u32>, Query, description = "Through month 1–12")),
    responses((status = 200, body = UnitDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn api_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Json<UnitDto>> {
    let tree = readable_unit(&state, &ctx, unit).await?;
    let actor = ctx.actor()?;
    let (year, month) = q.resolve();
    let o = service::overview(&state.db, &tree, actor.municipality_id, year, month).await?;
    let name = tree.name(unit);
    let lines = o
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineFiguresDto {
            line: l.code.clone(),
            figures: figures_dto(&o, unit, name.clone(), o.line_of(unit, i)),
        })
        .collect();
    let code = |id: i64| o.lines.iter().find(|l| l.id == id).map(|l| l.code.clone()).unwrap_or_default();
    let forecasts = state
        .db
        .economy_forecasts(actor.municipality_id, unit, year)
        .await?
        .into_iter()
        .map(|f| ForecastDto {
            month: f.month,
            comment: f.comment.clone(),
            amounts: f.amounts.iter().map(|(l, a)| AmountWrite { line: code(*l), amount: a.to_string() }).collect(),
            version: f.version,
            updated_by: f.updated_by.clone(),
        })
        .collect();
    Ok(Json(UnitDto { year, month, total: figures_dto(&o, unit, name, o.of(unit)), lines, forecasts }))
}

/// An amount of a line.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct AmountWrite {
    /// The line's code (`salaries`, `operating`, `income` …).
    pub line: String,
    /// Exact amount in NOK as text, costs positive and income negative (`"1234.50"`).
    pub amount: String,
}

/// A forecast to save.
#[derive(Deserialize, ToSchema)]
pub struct ForecastWrite {
    /// Year.
    pub year: i32,
    /// Month the forecast is given in (1–12).
    pub month: u32,
    /// The version read (0 for the month's first forecast).
    #[serde(default)]
    pub version: i64,
    /// Comment.
    #[serde(default)]
    pub comment: String,
    /// Amount per line; lines left out count as 0.
    #[serde(default)]
    pub amounts: Vec<AmountWrite>,
}

/// What a saved forecast made.
#[derive(Serialize, ToSchema)]
pub struct SavedDto {
    /// The new version.
    pub version: i64,
    /// The management dialogue the forecast opened (past the thresholds above budget), if any.
    pub dialogue_opened: Option<i64>,
}

/// Saves a unit's forecast of a month (whoever may forecast for the unit): 422 for an amount or a
/// line that does not parse, 409 for a stale `version`. Past the thresholds above budget it opens a
/// management dialogue.
#[utoipa::path(put, path = "/api/v1/economy/units/{unit}/forecast", params(("unit" = i64, Path, description = "Unit id")),
    request_body = ForecastWrite,
    responses((status = 200, body = SavedDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_forecast(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    payload: Result<Json<ForecastWrite>, JsonRejection>,
) -> AppResult<Json<SavedDto>> {
    let tree = readable_unit(&state, &ctx, unit).await?;
    let actor = ctx.actor()?;
    if !actor.can_forecast(&tree.ancestry(unit)) {
        return Err(AppError::Forbidden);
    }
    let Json(w) = payload.map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-json-invalid")))?;
    if !(2000..=2100).contains(&w.year) || !(1..=12).contains(&w.month) {
        return Err(AppError::Rule(rodtrad_domain::RuleError::new("err-economy-period").on("month")));
    }
    let lines = state.db.economy_lines(actor.municipality_id).await?;
    let mut amounts = Vec::new();
    for a in &w.amounts {
        let line = lines.iter().find(|l| l.code == a.line).ok_or_else(|| {
            AppError::Rule(
                rodtrad_domain::RuleError::new("err-economy-line-unknown").with("value", a.line.clone()).on("amounts"),
            )
        })?;
        amounts.push((line.id, rodtrad_domain::economy::parse_form_amount(&a.amount, "amounts")?));
    }
    let input =
        service::ForecastInput { year: w.year, month: w.month, amounts, comment: w.comment, base_version: w.version };
    let saved = service::save_forecast(&state.db, &tree, (actor, &ctx.author()?), unit, input).await?;
    Ok(Json(SavedDto { version: saved.version, dialogue_opened: saved.dialogue_opened }))
}
