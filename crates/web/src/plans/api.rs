//! JSON API for plans, goal elements and the SDG catalogue, with the same rules and authorisation
//! as the pages. Writes take the optimistic-locking `version` and answer 409 when it is stale.

use crate::api::ErrorDto;
use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::plans::{PlanView, can_edit, readable_element, readable_elements, readable_plan, readable_plans};
use crate::routes::Routes;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate, Utc};
use rodtrad_domain::plan::{ElementDraft, ElementKind, PlanType};
use rodtrad_domain::{Name, RuleError};
use rodtrad_store::plans::{Element, ElementInput, Plan, PlanInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_plans")
        .get("/api/v1/plans", list_plans)
        .post("/api/v1/plans", create_plan)
        .get("/api/v1/plans/{id}", get_plan)
        .put("/api/v1/plans/{id}", update_plan)
        .get("/api/v1/plans/{id}/elements", list_elements)
        .post("/api/v1/plans/{id}/elements", create_element)
        .get("/api/v1/elements/{id}", get_element)
        .put("/api/v1/elements/{id}", update_element)
        .get("/api/v1/sdg", list_sdg)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_plans,
        create_plan,
        get_plan,
        update_plan,
        list_elements,
        create_element,
        get_element,
        update_element,
        list_sdg
    ),
    components(schemas(PlanDto, PlanWrite, ElementDto, ElementWrite, SdgGoalDto, CreatedDto))
)]
pub struct PlansDoc;

/// A plan.
#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    /// Id.
    pub id: i64,
    /// Plan type code, e.g. `master_plan_social`, `unit_plan`.
    pub plan_type: String,
    /// Title.
    pub title: String,
    /// First year.
    pub start_year: i64,
    /// Last year.
    pub end_year: i64,
    /// Owner unit id.
    pub owner_unit_id: Option<i64>,
    /// Status code: `draft`, `hearing`, `adopted`, `under_revision`, `expired`.
    pub status: String,
    /// Plans this plan builds on.
    pub sources: Vec<i64>,
    /// Optimistic-locking version; send it back when updating.
    pub version: i64,
}

fn plan_dto(p: Plan, sources: Vec<i64>) -> PlanDto {
    PlanDto {
        id: p.id,
        plan_type: p.plan_type.code().to_owned(),
        title: p.title,
        start_year: p.start_year,
        end_year: p.end_year,
        owner_unit_id: p.owner_unit_id,
        status: p.status.code().to_owned(),
        sources,
        version: p.version,
    }
}

/// A goal element.
#[derive(Serialize, ToSchema)]
pub struct ElementDto {
    /// Id.
    pub id: i64,
    /// Plan id.
    pub plan_id: i64,
    /// Parent element id.
    pub parent_id: Option<i64>,
    /// Kind code: `vision`, `main_goal`, `sub_goal`, `strategy`, `assignment`, `measure`, `indicator`.
    pub kind: String,
    /// Text (the source's text for inherited elements).
    pub text: String,
    /// Inherited from this element.
    pub source_element_id: Option<i64>,
    /// The source text changed since this plan saw it.
    pub changed_since: bool,
    /// The source was removed.
    pub orphaned: bool,
    /// Owner unit id.
    pub owner_unit_id: Option<i64>,
    /// Responsible person id.
    pub responsible_person_id: Option<i64>,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
    /// Status code: `draft`, `active`, `done`, `cancelled`.
    pub status: String,
    /// SDG targets the element contributes to.
    pub sdg_targets: Vec<String>,
    /// SDG targets the element is adapted from.
    pub sdg_adapted: Vec<String>,
    /// Optimistic-locking version.
    pub version: i64,
}

fn element_dto(e: Element, links: &[rodtrad_store::plans::SdgLink]) -> ElementDto {
    let origin = e.source_element_id.unwrap_or(e.id);
    let targets = |adapted: bool| {
        links.iter().filter(|l| l.element_id == origin && l.adapted == adapted).map(|l| l.target.clone()).collect()
    };
    ElementDto {
        changed_since: e.changed_since(),
        orphaned: e.orphaned(),
        sdg_targets: targets(false),
        sdg_adapted: targets(true),
        id: e.id,
        plan_id: e.plan_id,
        parent_id: e.parent_id,
        kind: e.kind.code().to_owned(),
        text: e.text,
        source_element_id: e.source_element_id,
        owner_unit_id: e.owner_unit_id,
        responsible_person_id: e.responsible_person_id,
        deadline: e.deadline,
        status: e.status.code().to_owned(),
        version: e.version,
    }
}

/// Values for creating or updating a plan.
#[derive(Deserialize, ToSchema)]
pub struct PlanWrite {
    /// Plan type code (ignored on update).
    pub plan_type: String,
    /// Title.
    pub title: String,
    /// First year.
    pub start_year: i32,
    /// Last year.
    pub end_year: i32,
    /// Owner unit id.
    pub owner_unit_id: Option<i64>,
    /// Plans this plan builds on.
    #[serde(default)]
    pub sources: Vec<i64>,
    /// Show on public pages once adopted.
    #[serde(default)]
    pub published: bool,
    /// Current version (updates only).
    pub version: Option<i64>,
}

/// Values for creating or updating an element.
#[derive(Deserialize, ToSchema)]
pub struct ElementWrite {
    /// Kind code (ignored on update).
    pub kind: String,
    /// Parent element in the same plan; `null` for the top of the plan. On update, a value moves
    /// the element (with everything under it) there, within the placement rules; leaving the field
    /// out keeps it where it is.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    /// Text.
    pub text: String,
    /// Owner unit id.
    pub owner_unit_id: Option<i64>,
    /// Responsible person id.
    pub responsible_person_id: Option<i64>,
    /// Deadline, `YYYY-MM-DD`.
    pub deadline: Option<NaiveDate>,
    /// Status code; `draft` when absent.
    pub status: Option<String>,
    /// SDG targets contributed to, e.g. `["11.6"]`.
    #[serde(default)]
    pub sdg_targets: Vec<String>,
    /// SDG targets adapted from.
    #[serde(default)]
    pub sdg_adapted: Vec<String>,
    /// Current version (updates only).
    pub version: Option<i64>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`, by `#[serde(default)]`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// The id of something created.
#[derive(Serialize, ToSchema)]
pub struct CreatedDto {
    /// Id.
    pub id: i64,
}

/// An SDG with its targets.
#[derive(Serialize, ToSchema)]
pub struct SdgGoalDto {
    /// 1–17.
    pub goal: i64,
    /// Official colour.
    pub colour: String,
    /// Short name in bokmål.
    pub name_nb: String,
    /// Short name in English.
    pub name_en: String,
    /// Prioritised by the municipality this year.
    pub prioritised: bool,
    /// Target codes.
    pub targets: Vec<String>,
}

fn body<T>(payload: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    payload.map(|Json(v)| v).map_err(|_| AppError::Rule(RuleError::new("err-json-invalid")))
}

fn element_input(w: &ElementWrite, kind: ElementKind) -> AppResult<ElementInput> {
    let (contributes, adapted) = (w.sdg_targets.iter().map(String::as_str), w.sdg_adapted.iter().map(String::as_str));
    let draft = ElementDraft::parse(&w.text, w.status.as_deref(), contributes, adapted)
        .map_err(|mut all| AppError::Rule(all.swap_remove(0)))?;
    Ok(ElementInput::new(kind, draft, w.owner_unit_id, w.responsible_person_id, w.deadline))
}

fn plan_input(w: &PlanWrite, plan_type: PlanType) -> AppResult<PlanInput> {
    Ok(PlanInput {
        plan_type,
        title: Name::parse(&w.title)?,
        start_year: w.start_year,
        end_year: w.end_year,
        owner_unit_id: w.owner_unit_id,
        published: w.published,
    })
}

async fn sources_of(state: &AppState, mid: i64, id: i64) -> AppResult<Vec<i64>> {
    Ok(state.db.plan_sources_all(mid).await?.into_iter().filter(|(p, _)| *p == id).map(|(_, s)| s).collect())
}

/// Lists the municipality's plans the caller may read: politicians, the auditor and employees
/// outside the owner unit do not get drafts.
#[utoipa::path(get, path = "/api/v1/plans", responses((status = 200, body = [PlanDto]), (status = 401, body = ErrorDto)))]
async fn list_plans(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<PlanDto>>> {
    let mid = ctx.actor()?.municipality_id;
    let links = state.db.plan_sources_all(mid).await?;
    let plans = readable_plans(&state, &ctx).await?;
    Ok(Json(
        plans
            .into_iter()
            .map(|p| {
                let sources = links.iter().filter(|(pl, _)| *pl == p.id).map(|(_, s)| *s).collect();
                plan_dto(p, sources)
            })
            .collect(),
    ))
}

/// Creates a plan (staff: any plan; leaders: plans of units they may edit).
#[utoipa::path(post, path = "/api/v1/plans", request_body = PlanWrite,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn create_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    payload: Result<Json<PlanWrite>, JsonRejection>,
) -> AppResult<(StatusCode, Json<CreatedDto>)> {
    let w = body(payload)?;
    let input = plan_input(&w, PlanType::parse(&w.plan_type)?)?;
    if !can_edit(&state, &ctx, input.owner_unit_id).await? {
        return Err(AppError::Forbidden);
    }
    let id = state.db.plan_create(&ctx.author()?, &input, &w.sources).await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One plan; 404 when the caller may not read it.
#[utoipa::path(get, path = "/api/v1/plans/{id}", params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = PlanDto), (status = 404, body = ErrorDto)))]
async fn get_plan(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<PlanDto>> {
    let mid = ctx.actor()?.municipality_id;
    let (plan, _) = readable_plan(&state, &ctx, id).await?;
    Ok(Json(plan_dto(plan, sources_of(&state, mid, id).await?)))
}

/// Updates a plan's title, period, owner, sources and publication; 409 when `version` is stale.
#[utoipa::path(put, path = "/api/v1/plans/{id}", params(("id" = i64, Path, description = "Plan id")), request_body = PlanWrite,
    responses((status = 200, body = PlanDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn update_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<PlanWrite>, JsonRejection>,
) -> AppResult<Json<PlanDto>> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let current = state.db.plan(mid, id).await?;
    let w = body(payload)?;
    let input = plan_input(&w, current.plan_type())?;
    let version = w.version.ok_or_else(|| AppError::Rule(RuleError::new("err-version-missing")))?;
    let tree = state.org_tree(mid).await?;
    let who = (actor, &ctx.author()?);
    rodtrad_service::plans::update_plan(&state.db, &tree, who, &current, version, (&input, &w.sources)).await?;
    let plan = state.db.plan(mid, id).await?;
    Ok(Json(plan_dto(plan, sources_of(&state, mid, id).await?)))
}

/// A plan's live elements in tree order; for callers who may read only the adopted version of
/// a plan (politicians, the auditor, employees outside the owner unit), that version's elements.
#[utoipa::path(get, path = "/api/v1/plans/{id}/elements", params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = [ElementDto]), (status = 404, body = ErrorDto)))]
async fn list_elements(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<ElementDto>>> {
    let mid = ctx.actor()?.municipality_id;
    let (plan, view) = readable_plan(&state, &ctx, id).await?;
    let (elements, links) = readable_elements(&state, mid, &plan, view).await?;
    let rows = crate::plans::element_rows(&ctx, &crate::plans::Labels::default(), elements, &links);
    Ok(Json(rows.into_iter().map(|r| element_dto(r.element, &links)).collect()))
}

/// Adds an element to an editable plan.
#[utoipa::path(post, path = "/api/v1/plans/{id}/elements", params(("id" = i64, Path, description = "Plan id")), request_body = ElementWrite,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn create_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<ElementWrite>, JsonRejection>,
) -> AppResult<(StatusCode, Json<CreatedDto>)> {
    let mid = ctx.actor()?.municipality_id;
    let plan = state.db.plan(mid, id).await?;
    if !can_edit(&state, &ctx, plan.owner_unit_id).await? {
        return Err(AppError::Forbidden);
    }
    let w = body(payload)?;
    let input = element_input(&w, ElementKind::parse(&w.kind)?)?;
    let eid = state.db.element_create(&ctx.author()?, id, w.parent_id.flatten(), &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: eid })))
}

/// One element (as adopted, or 404, when the caller may read only its plan's adopted version).
#[utoipa::path(get, path = "/api/v1/elements/{id}", params(("id" = i64, Path, description = "Element id")),
    responses((status = 200, body = ElementDto), (status = 404, body = ErrorDto)))]
async fn get_element(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ElementDto>> {
    let mid = ctx.actor()?.municipality_id;
    let (e, plan, view) = readable_element(&state, &ctx, id).await?;
    let links = if view == PlanView::Working {
        state.db.sdg_links(mid).await?
    } else {
        readable_elements(&state, mid, &plan, view).await?.1
    };
    Ok(Json(element_dto(e, &links)))
}

/// Updates a local element; 409 when `version` is stale, 422 when a rule refuses it.
#[utoipa::path(put, path = "/api/v1/elements/{id}", params(("id" = i64, Path, description = "Element id")), request_body = ElementWrite,
    responses((status = 200, body = ElementDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn update_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<ElementWrite>, JsonRejection>,
) -> AppResult<Json<ElementDto>> {
    let mid = ctx.actor()?.municipality_id;
    let e = state.db.element(mid, id).await?;
    let plan = state.db.plan(mid, e.plan_id).await?;
    if !can_edit(&state, &ctx, plan.owner_unit_id).await? {
        return Err(AppError::Forbidden);
    }
    let w = body(payload)?;
    let input = element_input(&w, e.kind())?;
    let version = w.version.ok_or_else(|| AppError::Rule(RuleError::new("err-version-missing")))?;
    let written = state.db.element_update_moving(&ctx.author()?, id, version, &input, w.parent_id).await?;
    // The SDG links as written, not as re-read after the commit (another writer may follow).
    let links: Vec<rodtrad_store::plans::SdgLink> = input
        .sdg_targets
        .iter()
        .map(|(target, adapted)| rodtrad_store::plans::SdgLink {
            element_id: id,
            goal: target.split('.').next().and_then(|g| g.parse().ok()).unwrap_or_default(),
            target: target.clone(),
            adapted: *adapted,
        })
        .collect();
    Ok(Json(element_dto(written, &links)))
}

/// The 17 SDGs with their targets and the municipality's priorities.
#[utoipa::path(get, path = "/api/v1/sdg", responses((status = 200, body = [SdgGoalDto])))]
async fn list_sdg(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<SdgGoalDto>>> {
    let mid = ctx.actor()?.municipality_id;
    let priorities = state.db.sdg_priorities(mid, Utc::now().year()).await?;
    let targets = rodtrad_domain::sdg::targets();
    Ok(Json(
        rodtrad_domain::sdg::goals()
            .into_iter()
            .map(|g| SdgGoalDto {
                prioritised: priorities.contains(&g.goal),
                targets: targets.iter().filter(|t| t.goal == g.goal).map(|t| t.target.clone()).collect(),
                goal: g.goal,
                colour: g.colour,
                name_nb: g.short_nb,
                name_en: g.short_en,
            })
            .collect(),
    ))
}
