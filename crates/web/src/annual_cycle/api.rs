//! JSON API of the annual cycle, authorised as the pages are: the municipality's wheels, one wheel
//! with its dated activities, the next linked deadlines, and an activity saved with its version
//! (409 when stale, 422 naming the field of a broken rule). Dates are ISO 8601.

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use rodtrad_domain::annual_cycle::ActivityDraft;
use rodtrad_store::annual_cycle::ActivityInput;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_annual_cycle")
        .get("/api/v1/annual-cycle/wheels", api_wheels)
        .get("/api/v1/annual-cycle/wheels/{wheel}", api_wheel)
        .get("/api/v1/annual-cycle/deadlines", api_deadlines)
        .put("/api/v1/annual-cycle/activities/{activity}", api_activity_save)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_wheels, api_wheel, api_deadlines, api_activity_save),
    components(schemas(WheelDto, WheelWithActivitiesDto, ActivityDto, DeadlineDto, ActivityWrite, ActivitySaved))
)]
pub struct AnnualCycleDoc;

/// A wheel.
#[derive(Serialize, ToSchema)]
pub struct WheelDto {
    /// Id.
    pub id: i64,
    /// `year` (one-year wheel) or `period` (four-year wheel of a council period).
    pub cycle: String,
    /// Its (first) year.
    pub first_year: i64,
    /// Its last year.
    pub last_year: i64,
}

/// A dated activity.
#[derive(Serialize, ToSchema)]
pub struct ActivityDto {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// `political` or `administrative`.
    pub kind: String,
    /// First day.
    pub starts_on: String,
    /// Last day (the deadline's date when linked).
    pub ends_on: String,
    /// Who is responsible.
    pub responsible: String,
    /// The unit it concerns (none: the whole municipality).
    pub unit_id: Option<i64>,
    /// The module deadline it stands for: `unit_plans_due`, `status_reporting_due`,
    /// `four_monthly_report_due`, `assignment_letters_sent`, `iso_audit`, `annual_report`.
    pub deadline: Option<String>,
    /// Version to send back with a change.
    pub version: i64,
}

/// A wheel with its activities in date order.
#[derive(Serialize, ToSchema)]
pub struct WheelWithActivitiesDto {
    /// The wheel.
    #[serde(flatten)]
    pub wheel: WheelDto,
    /// Its activities.
    pub activities: Vec<ActivityDto>,
}

/// A linked deadline ahead.
#[derive(Serialize, ToSchema)]
pub struct DeadlineDto {
    /// The module deadline.
    pub kind: String,
    /// Its date.
    pub date: String,
    /// Days from today.
    pub days: i64,
    /// The activity.
    pub activity: ActivityDto,
}

/// An activity to save.
#[derive(Deserialize, ToSchema)]
pub struct ActivityWrite {
    /// The version read.
    pub version: i64,
    /// Title.
    pub title: String,
    /// `political` or `administrative`.
    pub kind: String,
    /// First day (ISO 8601).
    pub starts_on: String,
    /// Last day (ISO 8601).
    pub ends_on: String,
    /// Who is responsible.
    #[serde(default)]
    pub responsible: String,
    /// The unit it concerns.
    #[serde(default)]
    pub unit_id: Option<i64>,
    /// The module deadline it stands for.
    #[serde(default)]
    pub deadline: Option<String>,
}

/// The answer to a save.
#[derive(Serialize, ToSchema)]
pub struct ActivitySaved {
    /// The new version.
    pub version: i64,
}

fn wheel_dto(w: &Wheel) -> WheelDto {
    WheelDto {
        id: w.id,
        cycle: w.cycle.code().into(),
        first_year: w.first_year,
        last_year: w.first_year + i64::from(w.cycle.years()) - 1,
    }
}

pub(crate) fn activity_dto(a: &StoredActivity) -> ActivityDto {
    let x = &a.activity;
    ActivityDto {
        id: a.id,
        title: x.title.clone(),
        kind: x.kind.code().into(),
        starts_on: x.starts_on.to_string(),
        ends_on: x.ends_on.to_string(),
        responsible: x.responsible.clone(),
        unit_id: a.unit_id,
        deadline: x.deadline.map(|d| d.code().into()),
        version: a.version,
    }
}

/// The municipality's wheels.
#[utoipa::path(get, path = "/api/v1/annual-cycle/wheels", responses((status = 200, body = Vec<WheelDto>)))]
async fn api_wheels(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<WheelDto>>> {
    let actor = ctx.actor()?;
    Ok(Json(state.db.cycle_wheels(actor.municipality_id).await?.iter().map(wheel_dto).collect()))
}

/// A wheel with its activities.
#[utoipa::path(get, path = "/api/v1/annual-cycle/wheels/{wheel}",
    params(("wheel" = i64, Path, description = "Wheel id")),
    responses((status = 200, body = WheelWithActivitiesDto), (status = 404, body = ErrorDto)))]
async fn api_wheel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Json<WheelWithActivitiesDto>> {
    let (wheel, activities) = load_wheel(&state, &ctx, id).await?;
    Ok(Json(WheelWithActivitiesDto {
        wheel: wheel_dto(&wheel),
        activities: activities.iter().map(activity_dto).collect(),
    }))
}

/// `?days=` ahead (default 60, at most 400).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeadlinesQuery {
    /// Days ahead.
    pub days: Option<i64>,
}

/// The next date of each linked deadline from today.
#[utoipa::path(get, path = "/api/v1/annual-cycle/deadlines", params(DeadlinesQuery),
    responses((status = 200, body = Vec<DeadlineDto>)))]
async fn api_deadlines(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DeadlinesQuery>,
) -> AppResult<Json<Vec<DeadlineDto>>> {
    let actor = ctx.actor()?;
    let days = q.days.unwrap_or(60).clamp(0, 400);
    let today = rodtrad_domain::norwegian_time::oslo_date(chrono::Utc::now());
    let list = service::next_deadlines(&state.db, actor.municipality_id, today, days).await?;
    Ok(Json(
        list.iter()
            .map(|d| DeadlineDto {
                kind: d.kind.code().into(),
                date: d.date.to_string(),
                days: d.days,
                activity: activity_dto(&d.activity),
            })
            .collect(),
    ))
}

/// Saves an activity at the version read.
#[utoipa::path(put, path = "/api/v1/annual-cycle/activities/{activity}",
    params(("activity" = i64, Path, description = "Activity id")),
    request_body = ActivityWrite,
    responses((status = 200, body = ActivitySaved), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto),
        (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_activity_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<ActivityWrite>, JsonRejection>,
) -> AppResult<Json<ActivitySaved>> {
    let actor = manager(&ctx)?;
    let (wheel, _) = state.db.cycle_activity(actor.municipality_id, id).await?;
    let Json(w) = payload.map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-json-invalid")))?;
    let draft = ActivityDraft {
        title: w.title,
        kind: w.kind,
        starts_on: w.starts_on,
        ends_on: w.ends_on,
        responsible: w.responsible,
        deadline: w.deadline.unwrap_or_default(),
    };
    let activity = draft.parse(wheel.span()).map_err(|mut e| AppError::Rule(e.remove(0)))?;
    let input = ActivityInput { activity, unit_id: w.unit_id };
    let (_, version) =
        service::save_activity(&state.db, (actor, &ctx.author()?), wheel.id, Some(id), w.version, Some(&input)).await?;
    Ok(Json(ActivitySaved { version }))
}
