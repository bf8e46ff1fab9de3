//! JSON API of the indicators, authorised as the pages are: one indicator with its definition,
//! targets, values and progress; saving the definition; entering a value; a plan's indicators.

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use rodtrad_store::indicators::ValueInput;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_indicators")
        .get("/api/v1/elements/{id}/indicator", api_indicator)
        .put("/api/v1/elements/{id}/indicator", api_definition_put)
        .post("/api/v1/elements/{id}/indicator/values", api_value_post)
        .get("/api/v1/plans/{id}/indicators", api_plan_indicators)
        .get("/api/v1/indicators/settings", api_settings)
        .put("/api/v1/indicators/settings", api_settings_put)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        api_indicator,
        api_definition_put,
        api_value_post,
        api_plan_indicators,
        super::settings::api_settings,
        super::settings::api_settings_put
    ),
    components(schemas(
        IndicatorDto,
        DefinitionDto,
        TargetDto,
        ValueDto,
        ProgressDto,
        DefinitionWrite,
        ValueWrite,
        super::settings::ThresholdsDto
    ))
)]
pub struct IndicatorsDoc;

/// An indicator's definition.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct DefinitionDto {
    /// What is measured, and how.
    pub description: String,
    /// Unit of measure.
    pub unit: String,
    /// `input`, `activity`, `output`, `outcome` or `impact` (DFØ's result chain).
    pub chain: String,
    /// `higher` or `lower` (which is better).
    pub direction: String,
    /// `manual`, `survey` or `statistics`.
    pub source: String,
    /// `yearly`, `tertial`, `quarterly` or `monthly`.
    pub frequency: String,
    /// Owner (person id).
    pub owner_person_id: Option<i64>,
    /// Baseline year.
    pub baseline_year: Option<i64>,
    /// Baseline value.
    pub baseline_value: Option<f64>,
    /// Version (send it back when saving).
    pub version: i64,
}

/// A target of a year with its band.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TargetDto {
    /// Year.
    pub year: i32,
    /// Desired value (the political ambition).
    pub desired: f64,
    /// Lowest acceptable value; worse is not acceptable.
    pub acceptable: Option<f64>,
}

/// A value of a period.
#[derive(Serialize, ToSchema)]
pub struct ValueDto {
    /// Period (`2024`, `2024-06`, `2024T2`, `2024K3`).
    pub period: String,
    /// The figure.
    pub value: Option<f64>,
    /// `manual`, `import` or `statistics`.
    pub origin: String,
    /// Comment.
    pub comment: Option<String>,
    /// Who entered it.
    pub entered_by: Option<String>,
    /// Version (send it back when changing the value).
    pub version: i64,
}

/// Progress against the applicable target.
#[derive(Serialize, ToSchema)]
pub struct ProgressDto {
    /// `target_met`, `on_track`, `moderate`, `off_track`, `moving_away` or `insufficient_data`.
    pub class: String,
    /// The class in the caller's language.
    pub label: String,
    /// Observed rate per year.
    pub observed_rate: Option<f64>,
    /// Rate per year needed to reach the target.
    pub required_rate: Option<f64>,
    /// Observed / required.
    pub ratio: Option<f64>,
    /// `compound` or `linear`.
    pub method: String,
    /// The target year used.
    pub target_year: Option<i32>,
    /// The method and figures in words.
    pub explanation: String,
}

/// An indicator.
#[derive(Serialize, ToSchema)]
pub struct IndicatorDto {
    /// Element id.
    pub id: i64,
    /// Its text.
    pub text: String,
    /// Plan.
    pub plan_id: i64,
    /// Definition (absent until one is made).
    pub definition: Option<DefinitionDto>,
    /// Targets by year.
    pub targets: Vec<TargetDto>,
    /// Values by period.
    pub values: Vec<ValueDto>,
    /// Progress.
    pub progress: ProgressDto,
}

/// A definition to save.
#[derive(Deserialize, ToSchema)]
pub struct DefinitionWrite {
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Unit of measure.
    #[serde(default)]
    pub unit: String,
    /// Result-chain code.
    pub chain: String,
    /// Direction code.
    pub direction: String,
    /// Source code.
    pub source: String,
    /// Frequency code.
    pub frequency: String,
    /// Owner (person id).
    pub owner_person_id: Option<i64>,
    /// Baseline year.
    pub baseline_year: Option<i32>,
    /// Baseline value.
    pub baseline_value: Option<f64>,
    /// Targets (replace the stored ones).
    #[serde(default)]
    pub targets: Vec<TargetDto>,
    /// The version read; absent for a new definition.
    pub version: Option<i64>,
}

/// A value to enter.
#[derive(Deserialize, ToSchema)]
pub struct ValueWrite {
    /// Period.
    pub period: String,
    /// The figure.
    pub value: f64,
    /// Comment.
    pub comment: Option<String>,
    /// The stored value's version when changing one; absent for a new period.
    pub version: Option<i64>,
}

fn body<T>(payload: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    payload.map(|Json(v)| v).map_err(|_| AppError::Rule(RuleError::new("err-json-invalid")))
}

fn dto(ctx: &Ctx, element: &Element, v: IndicatorView) -> IndicatorDto {
    let unit = v.definition.as_ref().map(|d| d.unit.clone()).unwrap_or_default();
    let a = v.assessment;
    IndicatorDto {
        id: element.id,
        text: element.text.clone(),
        plan_id: element.plan_id,
        progress: ProgressDto {
            class: a.class.code().into(),
            label: ctx.tr.t(a.class.label_key()),
            observed_rate: a.observed_rate,
            required_rate: a.required_rate,
            ratio: a.ratio,
            method: match a.method {
                RateMethod::Compound => "compound".into(),
                RateMethod::Linear => "linear".into(),
            },
            target_year: v.target.map(|t| t.year),
            explanation: explain(ctx, &a, v.target.as_ref(), &unit),
        },
        definition: v.definition.map(|d| DefinitionDto {
            description: d.description,
            unit: d.unit,
            chain: d.chain,
            direction: d.direction,
            source: d.source,
            frequency: d.frequency,
            owner_person_id: d.owner_person_id,
            baseline_year: d.baseline_year,
            baseline_value: d.baseline_value,
            version: d.version,
        }),
        targets: v
            .targets
            .iter()
            .map(|t| TargetDto { year: t.year, desired: t.desired, acceptable: t.acceptable })
            .collect(),
        values: v
            .values
            .into_iter()
            .map(|x| ValueDto {
                period: x.period,
                value: x.value,
                origin: x.origin,
                comment: x.comment,
                entered_by: x.entered_by_name,
                version: x.version,
            })
            .collect(),
    }
}

async fn one(state: &AppState, ctx: &Ctx, element: &Element) -> AppResult<IndicatorDto> {
    let mid = ctx.actor()?.municipality_id;
    let view = service::view(&state.db, mid, element.id, &thresholds(state, mid).await?).await?;
    Ok(dto(ctx, element, view))
}

/// One indicator with its definition, targets, values and progress (readers of its plan).
#[utoipa::path(get, path = "/api/v1/elements/{id}/indicator", params(("id" = i64, Path, description = "Indicator element id")),
    responses((status = 200, body = IndicatorDto), (status = 404, body = ErrorDto)))]
async fn api_indicator(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<IndicatorDto>> {
    let r = readable(&state, &ctx, id).await?;
    Ok(Json(one(&state, &ctx, &r.element).await?))
}

/// Saves the definition and targets (the plan's editors); 409 for a stale `version`, 422 for bad input.
#[utoipa::path(put, path = "/api/v1/elements/{id}/indicator", params(("id" = i64, Path, description = "Indicator element id")),
    request_body = DefinitionWrite,
    responses((status = 200, body = IndicatorDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_definition_put(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<DefinitionWrite>, JsonRejection>,
) -> AppResult<Json<IndicatorDto>> {
    let r = readable(&state, &ctx, id).await?;
    if !r.may_define {
        return Err(AppError::Forbidden);
    }
    let w = body(payload)?;
    let direction = Direction::parse(&w.direction).map_err(|e| e.on("direction"))?;
    let baseline = match (w.baseline_year, w.baseline_value) {
        (Some(year), Some(value)) if (1900..=2200).contains(&year) && value.is_finite() => {
            Some(rodtrad_domain::indicators::Baseline { year, value })
        }
        (None, None) => None,
        _ => return Err(RuleError::new("err-indicator-baseline").on("baseline_year").into()),
    };
    let input = rodtrad_store::indicators::DefinitionInput {
        description: w.description,
        unit: w.unit,
        chain: ResultChain::parse(&w.chain).map_err(|e| e.on("chain"))?,
        direction,
        source: SourceKind::parse(&w.source).map_err(|e| e.on("source"))?,
        frequency: Frequency::parse(&w.frequency).map_err(|e| e.on("frequency"))?,
        owner_person_id: w.owner_person_id,
        baseline,
        targets: w
            .targets
            .iter()
            .map(|t| Target { year: t.year, desired: t.desired, acceptable: t.acceptable })
            .collect(),
    };
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    service::save_definition(&state.db, &tree, (actor, &ctx.author()?), &r.plan, id, &input, w.version).await?;
    Ok(Json(one(&state, &ctx, &r.element).await?))
}

/// Enters a value (the plan's editors and the indicator's owner); 409 when the period was entered
/// or changed since `version`, 422 for a bad period or value.
#[utoipa::path(post, path = "/api/v1/elements/{id}/indicator/values", params(("id" = i64, Path, description = "Indicator element id")),
    request_body = ValueWrite,
    responses((status = 200, body = IndicatorDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_value_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<ValueWrite>, JsonRejection>,
) -> AppResult<Json<IndicatorDto>> {
    let r = readable(&state, &ctx, id).await?;
    if !r.may_enter {
        return Err(AppError::Forbidden);
    }
    let w = body(payload)?;
    let period = rodtrad_domain::indicators::parse_period(&w.period)?;
    if !w.value.is_finite() || w.value.abs() > rodtrad_service::indicators::import::MAX_ABS {
        return Err(RuleError::new("err-indicator-number").on("value").into());
    }
    let input =
        ValueInput { element_id: id, period, value: w.value, comment: w.comment.filter(|c| !c.trim().is_empty()) };
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    service::enter_value(&state.db, &tree, (actor, &ctx.author()?), &r.plan, &input, w.version).await?;
    Ok(Json(one(&state, &ctx, &r.element).await?))
}

/// The indicators of a plan with their progress (readers of the plan).
#[utoipa::path(get, path = "/api/v1/plans/{id}/indicators", params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = Vec<IndicatorDto>), (status = 404, body = ErrorDto)))]
async fn api_plan_indicators(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<IndicatorDto>>> {
    let (_, views) = plan_views(&state, &ctx, id).await?;
    Ok(Json(views.into_iter().map(|(e, v)| dto(&ctx, &e, v)).collect()))
}
