//! JSON API of the action programmes, authorised as the pages are: the programme with its frames,
//! investments, efficiency target, fiscal rules and their results per year (everyone signed in to
//! the municipality), and the key figures the rules are computed from (the staff). Amounts are exact
//! decimals as text ("1234.50").

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use rodtrad_domain::programme::KeyFiguresInput;
use rodtrad_store::programme::Change;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_programme")
        .get("/api/v1/economy/programmes", api_list)
        .get("/api/v1/economy/programmes/{first_year}", api_programme)
        .put("/api/v1/economy/programmes/{first_year}/key-figures", api_key_figures)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_programme, api_key_figures),
    components(schemas(
        ProgrammeHeadDto,
        ProgrammeDto,
        FrameDto,
        InvestmentDto,
        YearAmountDto,
        EfficiencyDto,
        ProgressDto,
        RuleDto,
        RuleResultDto,
        KeyFiguresDto,
        KeyFiguresWrite,
        KeyFiguresSaved
    ))
)]
pub struct ProgrammeDoc;

/// A programme's period, title and adoption decision.
#[derive(Serialize, ToSchema)]
pub struct ProgrammeHeadDto {
    /// First year of the four.
    pub first_year: i32,
    /// Last year.
    pub last_year: i32,
    /// Title.
    pub title: String,
    /// The deciding body (empty before adoption).
    pub decision_body: String,
    /// Case number.
    pub decision_case: String,
    /// Date of the decision (ISO 8601).
    pub decided_on: Option<String>,
    /// Version to send back with a change.
    pub version: i64,
}

/// The frame of a service area in a year.
#[derive(Serialize, ToSchema)]
pub struct FrameDto {
    /// The service area.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// Year.
    pub year: i32,
    /// Amount in NOK.
    pub amount: String,
}

/// An amount of a year.
#[derive(Serialize, ToSchema)]
pub struct YearAmountDto {
    /// Year.
    pub year: i32,
    /// Amount in NOK.
    pub amount: String,
}

/// An investment project.
#[derive(Serialize, ToSchema)]
pub struct InvestmentDto {
    /// Id.
    pub id: i64,
    /// Project name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Responsible unit.
    pub unit_id: Option<i64>,
    /// Amount per year.
    pub amounts: Vec<YearAmountDto>,
    /// Sum over the period.
    pub total: String,
}

/// A service area's efficiency target in a year.
#[derive(Serialize, ToSchema)]
pub struct EfficiencyDto {
    /// The service area.
    pub unit_id: i64,
    /// Year.
    pub year: i32,
    /// Target in NOK.
    pub target: String,
    /// Realised (null until reported).
    pub realised: Option<String>,
    /// Comment.
    pub comment: String,
}

/// Target against realised.
#[derive(Serialize, ToSchema)]
pub struct ProgressDto {
    /// Target.
    pub target: String,
    /// Realised.
    pub realised: String,
    /// Target − realised.
    pub remaining: String,
    /// Realised in percent of the target, one decimal; null for a zero target.
    pub percent: Option<String>,
}

fn progress_dto(p: &rodtrad_domain::programme::Progress) -> ProgressDto {
    ProgressDto {
        target: p.target.to_string(),
        realised: p.realised.to_string(),
        remaining: p.remaining.to_string(),
        percent: p.percent.map(|v| v.to_string()),
    }
}

/// A rule's result in a year.
#[derive(Serialize, ToSchema)]
pub struct RuleResultDto {
    /// Year.
    pub year: i32,
    /// The measure in percent of operating income, two decimals; null without key figures.
    pub value: Option<String>,
    /// Met (*oppfylt*); null without key figures.
    pub passed: Option<bool>,
}

/// A fiscal rule with its results.
#[derive(Serialize, ToSchema)]
pub struct RuleDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `net_operating_result`, `net_debt` or `disposition_fund` (each in percent of operating income).
    pub measure: String,
    /// `at_least` (≥) or `at_most` (≤).
    pub comparison: String,
    /// Threshold in percent.
    pub threshold: String,
    /// Result per year of the period.
    pub results: Vec<RuleResultDto>,
}

/// A year's key figures.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct KeyFiguresDto {
    /// Year.
    pub year: i32,
    /// Operating income (*driftsinntekter*).
    pub operating_income: String,
    /// Net operating result (*netto driftsresultat*).
    pub net_operating_result: String,
    /// Net debt (*netto lånegjeld*).
    pub net_debt: String,
    /// Disposition fund (*disposisjonsfond*).
    pub disposition_fund: String,
}

/// A whole programme.
#[derive(Serialize, ToSchema)]
pub struct ProgrammeDto {
    /// Period, title, decision, version.
    pub programme: ProgrammeHeadDto,
    /// Frames per service area and year.
    pub frames: Vec<FrameDto>,
    /// The investment table.
    pub investments: Vec<InvestmentDto>,
    /// The efficiency target per service area and year.
    pub efficiency: Vec<EfficiencyDto>,
    /// The efficiency target over the period against everything realised.
    pub efficiency_progress: ProgressDto,
    /// The fiscal rules with their results.
    pub rules: Vec<RuleDto>,
    /// Key figures per year.
    pub key_figures: Vec<KeyFiguresDto>,
}

fn head_dto(h: &rodtrad_store::programme::Head) -> ProgrammeHeadDto {
    ProgrammeHeadDto {
        first_year: h.first_year,
        last_year: h.first_year + rodtrad_domain::programme::YEARS - 1,
        title: h.title.clone(),
        decision_body: h.decision_body.clone(),
        decision_case: h.decision_case.clone(),
        decided_on: h.decided_on.map(|d| d.to_string()),
        version: h.version,
    }
}

/// The municipality's programmes.
#[utoipa::path(get, path = "/api/v1/economy/programmes", responses((status = 200, body = Vec<ProgrammeHeadDto>)))]
async fn api_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<ProgrammeHeadDto>>> {
    let actor = ctx.actor()?;
    Ok(Json(state.db.programmes(actor.municipality_id).await?.iter().map(head_dto).collect()))
}

/// A programme with its computed rule results.
#[utoipa::path(get, path = "/api/v1/economy/programmes/{first_year}", params(("first_year" = i32, Path, description = "First year of the period")),
    responses((status = 200, body = ProgrammeDto), (status = 404, body = ErrorDto)))]
async fn api_programme(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(first_year): Path<String>,
) -> AppResult<Json<ProgrammeDto>> {
    let actor = ctx.actor()?;
    let year = path_year(&first_year)?;
    let view = service::view(&state.db, actor, year).await?.ok_or(AppError::NotFound)?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let pr = &view.programme;
    Ok(Json(ProgrammeDto {
        programme: head_dto(&pr.head),
        frames: pr
            .frames
            .iter()
            .map(|f| FrameDto {
                unit_id: f.unit_id,
                unit: tree.name(f.unit_id),
                year: f.year,
                amount: f.amount.to_string(),
            })
            .collect(),
        investments: pr
            .investments
            .iter()
            .map(|i| InvestmentDto {
                id: i.id,
                name: i.name.clone(),
                category: i.category.clone(),
                unit_id: i.unit_id,
                amounts: i.amounts.iter().map(|(y, a)| YearAmountDto { year: *y, amount: a.to_string() }).collect(),
                total: i.total().to_string(),
            })
            .collect(),
        efficiency: pr
            .efficiency
            .iter()
            .map(|e| EfficiencyDto {
                unit_id: e.unit_id,
                year: e.year,
                target: e.target.to_string(),
                realised: e.realised.map(|r| r.to_string()),
                comment: e.comment.clone(),
            })
            .collect(),
        efficiency_progress: progress_dto(&view.efficiency),
        rules: pr
            .rules
            .iter()
            .zip(&view.results)
            .map(|(r, results)| RuleDto {
                id: r.id,
                name: r.rule.name.clone(),
                measure: r.rule.measure.as_code().into(),
                comparison: r.rule.comparison.as_code().into(),
                threshold: r.rule.threshold.to_string(),
                results: results
                    .iter()
                    .map(|res| RuleResultDto {
                        year: res.year,
                        value: res.value.map(|v| v.to_string()),
                        passed: res.passed,
                    })
                    .collect(),
            })
            .collect(),
        key_figures: pr
            .key_figures
            .iter()
            .map(|k| KeyFiguresDto {
                year: k.year,
                operating_income: k.operating_income.to_string(),
                net_operating_result: k.net_operating_result.to_string(),
                net_debt: k.net_debt.to_string(),
                disposition_fund: k.disposition_fund.to_string(),
            })
            .collect(),
    }))
}

/// Key figures to save.
#[derive(Deserialize, ToSchema)]
pub struct KeyFiguresWrite {
    /// The programme's version read.
    #[serde(default)]
    pub version: i64,
    /// The figures of each year (replacing every stored year; a year left out has none).
    #[serde(default)]
    pub key_figures: Vec<KeyFiguresDto>,
}

/// What a save of key figures made.
#[derive(Serialize, ToSchema)]
pub struct KeyFiguresSaved {
    /// The programme's new version.
    pub version: i64,
    /// The rules with their results computed from the new figures.
    pub rules: Vec<RuleDto>,
}

/// Saves the key figures of the period (the staff): 422 for an amount that does not parse, an
/// operating income not above zero or a year outside the period, 409 for a stale `version`. The
/// answer carries every rule's new result.
#[utoipa::path(put, path = "/api/v1/economy/programmes/{first_year}/key-figures", params(("first_year" = i32, Path, description = "First year of the period")),
    request_body = KeyFiguresWrite,
    responses((status = 200, body = KeyFiguresSaved), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_key_figures(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(first_year): Path<String>,
    payload: Result<Json<KeyFiguresWrite>, JsonRejection>,
) -> AppResult<Json<KeyFiguresSaved>> {
    let actor = ctx.actor()?;
    if !actor.can_manage_programme() {
        return Err(AppError::Forbidden);
    }
    let year = path_year(&first_year)?;
    let Json(w) = payload.map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-json-invalid")))?;
    let mut figures = Vec::new();
    for k in w.key_figures {
        let input = KeyFiguresInput {
            operating_income: k.operating_income,
            net_operating_result: k.net_operating_result,
            net_debt: k.net_debt,
            disposition_fund: k.disposition_fund,
        };
        let parsed = input.parse(k.year, "key_figures")?.ok_or_else(|| {
            AppError::Rule(
                rodtrad_domain::RuleError::new("err-programme-figure")
                    .with("year", k.year.to_string())
                    .with("value", "")
                    .on("key_figures"),
            )
        })?;
        figures.push(parsed);
    }
    let version =
        service::save(&state.db, (actor, &ctx.author()?), year, w.version, &Change::KeyFigures(figures)).await?;
    let view = service::view(&state.db, actor, year).await?.ok_or(AppError::NotFound)?;
    let rules = view
        .programme
        .rules
        .iter()
        .zip(&view.results)
        .map(|(r, results)| RuleDto {
            id: r.id,
            name: r.rule.name.clone(),
            measure: r.rule.measure.as_code().into(),
            comparison: r.rule.comparison.as_code().into(),
            threshold: r.rule.threshold.to_string(),
            results: results
                .iter()
                .map(|res| RuleResultDto {
                    year: res.year,
                    value: res.value.map(|v| v.to_string()),
                    passed: res.passed,
                })
                .collect(),
        })
        .collect();
    Ok(Json(KeyFiguresSaved { version, rules }))
}
