//! JSON API under `/api/v1`, authorised exactly like the pages, described by an OpenAPI 3.1
//! document generated from these handlers.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::routes::Routes;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{NaiveDate, Utc};
use rodtrad_store::org::{OrgTree, OrgUnit};
use rodtrad_store::people::{PeopleFilter, Person};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api")
        .get("/api/v1/org-units", list_org_units)
        .get("/api/v1/org-units/{id}", get_org_unit)
        .get("/api/v1/people", list_people)
        .get("/api/v1/openapi.json", openapi)
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Rødtråd API", description = "A municipality's organisation, people, plans, goal elements and SDG links, scoped by the caller's rights."),
    paths(list_org_units, get_org_unit, list_people),
    components(schemas(OrgUnitDto, OrgUnitDetailDto, PersonDto, ErrorDto)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Personal API token from «Min profil»"))
                    .build(),
            ),
        );
    }
}

/// An error answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorDto {
    /// Stable message key, e.g. `err-not-found`.
    pub error: String,
    /// Message in the caller's language.
    pub message: String,
    /// The input field the error is about, when it is about one (`text`, `deadline`, `sdg_targets`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An organisation unit.
#[derive(Serialize, ToSchema)]
pub struct OrgUnitDto {
    /// Id.
    pub id: i64,
    /// Parent id (absent for the municipality).
    pub parent_id: Option<i64>,
    /// `municipality`, `service_area`, `staff`, `unit` or `department`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Short name.
    pub short_name: Option<String>,
    /// Leader's person id.
    pub leader_person_id: Option<i64>,
    /// Leader's name.
    pub leader_name: Option<String>,
    /// Management level 1–4 of the unit's leader.
    pub leader_level: u8,
    /// Authority level 1–2 of the unit's leader.
    pub authority_level: u8,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day, when retired.
    pub valid_to: Option<NaiveDate>,
}

impl OrgUnitDto {
    fn new(tree: &OrgTree, u: &OrgUnit) -> Self {
        let level = tree.leader_level(u.id);
        Self {
            id: u.id,
            parent_id: u.parent_id,
            kind: u.kind.code().to_owned(),
            name: u.name.clone(),
            short_name: u.short_name.clone(),
            leader_person_id: u.leader_person_id,
            leader_name: u.leader_name.clone(),
            leader_level: level.get(),
            authority_level: level.authority().get(),
            valid_from: u.valid_from,
            valid_to: u.valid_to,
        }
    }
}

/// An organisation unit with its people, when the caller may read them.
#[derive(Serialize, ToSchema)]
pub struct OrgUnitDetailDto {
    /// The unit.
    #[serde(flatten)]
    pub unit: OrgUnitDto,
    /// Child unit ids.
    pub children: Vec<i64>,
    /// People of the unit; absent when outside the caller's read scope.
    pub people: Option<Vec<PersonDto>>,
}

/// A person.
#[derive(Serialize, ToSchema)]
pub struct PersonDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Work e-mail.
    pub email: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Unit id.
    pub unit_id: Option<i64>,
    /// Still employed.
    pub active: bool,
}

impl From<Person> for PersonDto {
    fn from(p: Person) -> Self {
        Self { id: p.id, name: p.name, email: p.email, title: p.title, unit_id: p.unit_id, active: p.active }
    }
}

/// Filters for the unit list.
#[derive(Deserialize, IntoParams)]
pub struct OrgUnitQuery {
    /// Include retired units.
    #[serde(default)]
    pub include_retired: bool,
}

/// Lists the organisation units of the caller's municipality.
#[utoipa::path(get, path = "/api/v1/org-units", params(OrgUnitQuery),
    responses((status = 200, body = [OrgUnitDto]), (status = 401, body = ErrorDto)))]
async fn list_org_units(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OrgUnitQuery>,
) -> AppResult<Json<Vec<OrgUnitDto>>> {
    let actor = ctx.actor()?;
    if !actor.can_view_org_tree() {
        return Err(AppError::Forbidden);
    }
    let tree = state.org_tree(actor.municipality_id).await?;
    let today = Utc::now().date_naive();
    Ok(Json(
        tree.units()
            .iter()
            .filter(|u| q.include_retired || u.is_valid_on(today))
            .map(|u| OrgUnitDto::new(&tree, u))
            .collect(),
    ))
}

/// One organisation unit; its people only within the caller's read scope.
#[utoipa::path(get, path = "/api/v1/org-units/{id}", params(("id" = i64, Path, description = "Unit id")),
    responses((status = 200, body = OrgUnitDetailDto), (status = 404, body = ErrorDto), (status = 401, body = ErrorDto)))]
async fn get_org_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Json<OrgUnitDetailDto>> {
    let actor = ctx.actor()?;
    if !actor.can_view_org_tree() {
        return Err(AppError::Forbidden);
    }
    let tree = state.org_tree(actor.municipality_id).await?;
    let unit = tree.get(id).ok_or(AppError::NotFound)?;
    let people = if actor.can_read_unit(&tree.ancestry(id)) {
        let filter = PeopleFilter { unit_ids: Some(vec![id]), query: None };
        Some(state.db.people(actor.municipality_id, &filter, 10_000).await?.into_iter().map(PersonDto::from).collect())
    } else {
        None
    };
    Ok(Json(OrgUnitDetailDto {
        unit: OrgUnitDto::new(&tree, unit),
        children: tree.children(Some(id)).to_vec(),
        people,
    }))
}

/// Filters for the people list.
#[derive(Deserialize, IntoParams)]
pub struct PeopleQuery {
    /// Substring of name, e-mail or title.
    pub q: Option<String>,
}

/// Lists the people the caller may read.
#[utoipa::path(get, path = "/api/v1/people", params(PeopleQuery),
    responses((status = 200, body = [PersonDto]), (status = 401, body = ErrorDto)))]
async fn list_people(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeopleQuery>,
) -> AppResult<Json<Vec<PersonDto>>> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let readable: Vec<i64> =
        tree.units().iter().map(|u| u.id).filter(|id| actor.can_read_unit(&tree.ancestry(*id))).collect();
    let filter = PeopleFilter { unit_ids: Some(readable), query: q.q.filter(|s| !s.trim().is_empty()) };
    let people = state.db.people(actor.municipality_id, &filter, 100_000).await?;
    Ok(Json(people.into_iter().map(PersonDto::from).collect()))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::plans::api::PlansDoc::openapi());
    doc.merge(crate::followup::api::FollowupDoc::openapi());
    doc.merge(crate::unitplans::api::UnitPlansDoc::openapi());
    doc.merge(crate::dashboard::api::DashboardDoc::openapi());
    doc.merge(crate::agreements::api::AgreementsDoc::openapi());
    doc.merge(crate::annual_cycle::api::AnnualCycleDoc::openapi());
    doc.merge(crate::reports::api::ReportsDoc::openapi());
    doc.merge(crate::letters::api::LettersDoc::openapi());
    doc.merge(crate::indicators::api::IndicatorsDoc::openapi());
    doc.merge(crate::economy::api::EconomyDoc::openapi());
    doc.merge(crate::programme::api::ProgrammeDoc::openapi());
    doc.merge(crate::lida::api::LidaDoc::openapi());
    doc.merge(crate::risk::api::RiskDoc::openapi());
    doc.merge(crate::deviations::api::DeviationDoc::openapi());
    doc.merge(crate::control::api::ControlDoc::openapi());
    doc.merge(crate::audits::api::AuditDoc::openapi());
    Json(doc)
}
