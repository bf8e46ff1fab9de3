//! JSON API of the unit plan workflow: the year's overview, one plan's workflow state with its
//! history and analysis, delivering, approving, sending back (with the plan's `version`: 409 when
//! stale) and writing the analysis, authorised as the pages are.

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_unitplans")
        .get("/api/v1/unit-plans", api_list)
        .get("/api/v1/unit-plans/{id}", api_get)
        .post("/api/v1/unit-plans/{id}/deliver", api_deliver)
        .post("/api/v1/unit-plans/{id}/approve", api_approve)
        .post("/api/v1/unit-plans/{id}/send-back", api_send_back)
        .put("/api/v1/unit-plans/{id}/analysis", api_analysis_put)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_get, api_deliver, api_approve, api_send_back, api_analysis_put),
    components(schemas(UnitPlanLineDto, UnitPlanDto, EventDto, AnalysisDto, StepWrite, AnalysisWrite))
)]
pub struct UnitPlansDoc;

/// One unit's line in a year's overview; a department's line follows its unit's.
#[derive(Serialize, ToSchema)]
pub struct UnitPlanLineDto {
    /// The unit or department.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// `unit`, `staff` or `department`.
    pub kind: String,
    /// For a department: the unit it belongs to.
    pub parent_unit_id: Option<i64>,
    /// For a department: its own measures in the year's unit plans of its unit and of itself that
    /// the caller reads the working copy of (absent for a unit, or when the caller reads none).
    pub contributions: Option<i64>,
    /// Its service area.
    pub area_id: Option<i64>,
    /// The unit's plan for the year, if any.
    pub plan_id: Option<i64>,
    /// The plan's status code (`draft`, `delivered`, `adopted` = approved, …), absent without a plan.
    pub status: Option<String>,
    /// The year's delivery deadline.
    pub deadline: Option<NaiveDate>,
    /// Not delivered after the deadline.
    pub overdue: bool,
    /// Last delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Last approved.
    pub approved_at: Option<DateTime<Utc>>,
    /// Approved by.
    pub approved_by: Option<String>,
    /// The comment of the last sending back, while the plan is a draft after it.
    pub sent_back_comment: Option<String>,
}

/// One step of a plan's history.
#[derive(Serialize, ToSchema)]
pub struct EventDto {
    /// `delivered`, `approved`, `sent_back` or `other`.
    pub step: String,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// The comment.
    pub comment: Option<String>,
    /// Who.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The analysis of last year. Figures are exact decimals as strings (`"7.8"`).
#[derive(Serialize, ToSchema)]
pub struct AnalysisDto {
    /// Economy: result against the budget in NOK.
    pub economy_amount: Option<String>,
    /// Economy: text.
    pub economy_text: String,
    /// Sick leave in percent.
    pub sick_leave_percent: Option<String>,
    /// Sick leave: text.
    pub sick_leave_text: String,
    /// User survey score (1–6).
    pub user_survey_score: Option<String>,
    /// User survey: text.
    pub user_survey_text: String,
    /// Employee survey score (1–5).
    pub employee_survey_score: Option<String>,
    /// Employee survey: text.
    pub employee_survey_text: String,
    /// Internal audit findings.
    pub internal_audit_findings: Option<i64>,
    /// Internal audits: text.
    pub internal_audit_text: String,
    /// External audit findings.
    pub external_audit_findings: Option<i64>,
    /// External audits: text.
    pub external_audit_text: String,
    /// Summary of the risk analysis.
    pub risk_summary: String,
    /// The analysis version to send with the next write (0 before the first).
    pub version: i64,
}

/// A unit plan's workflow state.
#[derive(Serialize, ToSchema)]
pub struct UnitPlanDto {
    /// Plan id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Owner unit.
    pub owner_unit_id: Option<i64>,
    /// Year.
    pub year: i64,
    /// Status code.
    pub status: String,
    /// The plan version to send with a workflow step.
    pub version: i64,
    /// The year's delivery deadline.
    pub deadline: Option<NaiveDate>,
    /// History, oldest first.
    pub events: Vec<EventDto>,
    /// The analysis.
    pub analysis: AnalysisDto,
}

/// A workflow step.
#[derive(Deserialize, ToSchema)]
pub struct StepWrite {
    /// The plan version read.
    pub version: i64,
    /// Comment (required to send back).
    #[serde(default)]
    pub comment: String,
}

/// The analysis as written: figures as strings (`"7,8"` or `"7.8"`, empty for none).
#[derive(Deserialize, ToSchema)]
pub struct AnalysisWrite {
    /// The analysis version read (0 before the first).
    pub version: i64,
    /// The fields, as in the form.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub fields: AnalysisDraft,
}

#[derive(Deserialize, utoipa::IntoParams)]
struct YearQuery {
    /// Year (default: this year).
    year: Option<String>,
}

fn body<T>(payload: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    payload.map(|Json(v)| v).map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-json-invalid")))
}

/// Every unit in the caller's scope with its plan for the year, each followed by its departments.
#[utoipa::path(get, path = "/api/v1/unit-plans", params(YearQuery),
    responses((status = 200, body = [UnitPlanLineDto]), (status = 401, body = ErrorDto)))]
async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<Vec<UnitPlanLineDto>>> {
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.parse::<i64>().ok())
        .unwrap_or_else(|| i64::from(chrono::Datelike::year(&service::today())));
    let (rows, deadline) = service::overview(&state.db, ctx.actor()?, year, service::today()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| UnitPlanLineDto {
                unit_id: r.unit_id,
                unit_name: r.unit_name,
                kind: r.kind.code().to_owned(),
                parent_unit_id: r.parent_unit_id,
                contributions: r.contributions,
                area_id: r.area_id,
                plan_id: r.plan.as_ref().map(|p| p.id),
                status: r.plan.as_ref().map(|p| p.status().code().to_owned()),
                deadline: deadline.map(|d| d.deadline),
                overdue: r.overdue,
                delivered_at: r.workflow.delivered.as_ref().map(|e| e.created_at),
                approved_at: r.workflow.approved.as_ref().map(|e| e.created_at),
                approved_by: r.workflow.approved.as_ref().map(|e| e.actor_name.clone()),
                sent_back_comment: r.workflow.sent_back.and_then(|e| e.comment),
            })
            .collect(),
    ))
}

async fn plan_dto(state: &AppState, plan: Plan) -> AppResult<UnitPlanDto> {
    let mid = plan.municipality_id;
    let events = state.db.unit_plan_events(mid, plan.id).await?;
    let deadline = rodtrad_service::unit_plans::effective_deadline(&state.db, mid, plan.start_year).await?;
    let stored = state.db.unit_plan_analysis(mid, plan.id).await?;
    let a = stored.analysis;
    let dec = |d: Option<Decimal>| d.map(|d| d.to_string());
    Ok(UnitPlanDto {
        id: plan.id,
        title: plan.title,
        owner_unit_id: plan.owner_unit_id,
        year: plan.start_year,
        status: plan.status.code().to_owned(),
        version: plan.version,
        deadline,
        events: events
            .into_iter()
            .map(|e| EventDto {
                step: e.action,
                from_status: e.from_status,
                to_status: e.to_status,
                comment: e.comment,
                by: e.actor_name,
                at: e.created_at,
            })
            .collect(),
        analysis: AnalysisDto {
            economy_amount: dec(a.economy_amount),
            economy_text: a.economy_text,
            sick_leave_percent: dec(a.sick_leave_percent),
            sick_leave_text: a.sick_leave_text,
            user_survey_score: dec(a.user_survey_score),
            user_survey_text: a.user_survey_text,
            employee_survey_score: dec(a.employee_survey_score),
            employee_survey_text: a.employee_survey_text,
            internal_audit_findings: a.internal_audit_findings,
            internal_audit_text: a.internal_audit_text,
            external_audit_findings: a.external_audit_findings,
            external_audit_text: a.external_audit_text,
            risk_summary: a.risk_summary,
            version: stored.version,
        },
    })
}

/// One unit plan's workflow state, history and analysis; 404 unless the caller reads its working
/// copy (the administration, whoever may edit it, its unit's employees).
#[utoipa::path(get, path = "/api/v1/unit-plans/{id}", params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = UnitPlanDto), (status = 404, body = ErrorDto)))]
async fn api_get(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<UnitPlanDto>> {
    let plan = working_unit_plan(&state, &ctx, id).await?;
    Ok(Json(plan_dto(&state, plan).await?))
}

async fn step(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    payload: Result<Json<StepWrite>, JsonRejection>,
    which: rodtrad_domain::unit_plans::Step,
) -> AppResult<Json<UnitPlanDto>> {
    use rodtrad_domain::unit_plans::Step;
    let plan = working_unit_plan(state, ctx, id).await?;
    let w = body(payload)?;
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let who = (actor, &ctx.author()?);
    let comment = Some(w.comment.as_str()).filter(|c| !c.trim().is_empty());
    match which {
        Step::Delivered => service::deliver(&state.db, &tree, who, &plan, w.version).await?,
        Step::Approved => service::approve(&state.db, &tree, who, &plan, w.version, comment).await?,
        _ => service::send_back(&state.db, &tree, who, &plan, w.version, &w.comment).await?,
    }
    let plan = state.db.plan(actor.municipality_id, id).await?;
    Ok(Json(plan_dto(state, plan).await?))
}

/// Delivers a draft to the superior leader (whoever may edit the plan).
#[utoipa::path(post, path = "/api/v1/unit-plans/{id}/deliver", params(("id" = i64, Path, description = "Plan id")),
    request_body = StepWrite,
    responses((status = 200, body = UnitPlanDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_deliver(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<StepWrite>, JsonRejection>,
) -> AppResult<Json<UnitPlanDto>> {
    step(&state, &ctx, id, payload, rodtrad_domain::unit_plans::Step::Delivered).await
}

/// Approves a delivered plan (the superior leader; never the plan's own unit: 422).
#[utoipa::path(post, path = "/api/v1/unit-plans/{id}/approve", params(("id" = i64, Path, description = "Plan id")),
    request_body = StepWrite,
    responses((status = 200, body = UnitPlanDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<StepWrite>, JsonRejection>,
) -> AppResult<Json<UnitPlanDto>> {
    step(&state, &ctx, id, payload, rodtrad_domain::unit_plans::Step::Approved).await
}

/// Sends a delivered plan back to draft (the superior leader; the plan's own unit gets 422); the
/// comment is required (422 without).
#[utoipa::path(post, path = "/api/v1/unit-plans/{id}/send-back", params(("id" = i64, Path, description = "Plan id")),
    request_body = StepWrite,
    responses((status = 200, body = UnitPlanDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_send_back(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<StepWrite>, JsonRejection>,
) -> AppResult<Json<UnitPlanDto>> {
    step(&state, &ctx, id, payload, rodtrad_domain::unit_plans::Step::SentBack).await
}

/// Writes the analysis of a draft plan (whoever may edit it): 422 on a bad figure, naming the
/// field, 409 when `version` is stale.
#[utoipa::path(put, path = "/api/v1/unit-plans/{id}/analysis", params(("id" = i64, Path, description = "Plan id")),
    request_body = AnalysisWrite,
    responses((status = 200, body = UnitPlanDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_analysis_put(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<AnalysisWrite>, JsonRejection>,
) -> AppResult<Json<UnitPlanDto>> {
    let plan = working_unit_plan(&state, &ctx, id).await?;
    let w = body(payload)?;
    let analysis = w.fields.parse().map_err(|mut all| AppError::Rule(all.swap_remove(0)))?;
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    service::save_analysis(&state.db, &tree, (actor, &ctx.author()?), &plan, w.version, &analysis).await?;
    let plan = state.db.plan(actor.municipality_id, id).await?;
    Ok(Json(plan_dto(&state, plan).await?))
}
