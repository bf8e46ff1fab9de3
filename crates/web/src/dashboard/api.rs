//! JSON API of the dashboards: *Mitt ansvar*, the leader's figures of a unit's subtree, and the
//! overview per service area; the same figures as the pages, from the same read model. The caller's
//! own in-app notifications and marking one read (another account's id answers 404 like an unknown one).

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use chrono::NaiveDate;
use rodtrad_domain::dashboard::Due;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_dashboard")
        .get("/api/v1/dashboard/mine", api_mine)
        .get("/api/v1/dashboard/units/{unit}", api_unit)
        .get("/api/v1/dashboard/areas", api_areas)
        .get("/api/v1/notifications", api_notifications)
        .post("/api/v1/notifications/{notification}/read", api_notification_read)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_mine, api_unit, api_areas, api_notifications, api_notification_read),
    components(schemas(
        NotificationDto,
        NotificationsDto,
        MineDto,
        MyItemDto,
        MyDialogueDto,
        FiguresDto,
        UnitDashboardDto,
        PendingPlanDto,
        PendingLetterDto,
        AreasDto
    ))
)]
pub struct DashboardDoc;

/// An assignment or measure of the caller's.
#[derive(Serialize, ToSchema)]
pub struct MyItemDto {
    /// Element id.
    pub id: i64,
    /// `assignment` or `measure`.
    pub kind: String,
    /// Text.
    pub text: String,
    /// Owner unit.
    pub owner_unit_id: Option<i64>,
    /// Responsible person.
    pub responsible_person_id: Option<i64>,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
    /// Latest status code, absent before the first report.
    pub status: Option<String>,
    /// Latest progress.
    pub progress: Option<i64>,
    /// `overdue`, `due_soon` or absent.
    pub due: Option<String>,
    /// No report yet in the open period.
    pub to_report: bool,
}

/// An open management dialogue the caller is a party to.
#[derive(Serialize, ToSchema)]
pub struct MyDialogueDto {
    /// Id.
    pub id: i64,
    /// The item; null for a dialogue opened by a budget deviation.
    pub element_id: Option<i64>,
    /// The item's text.
    pub element_text: String,
    /// The owner unit.
    pub unit_id: i64,
    /// The superior unit.
    pub superior_unit_id: Option<i64>,
    /// The status that opened it.
    pub opened_status: String,
    /// Follow-up date.
    pub follow_up_on: Option<NaiveDate>,
}

/// *Mitt ansvar*.
#[derive(Serialize, ToSchema)]
pub struct MineDto {
    /// The open period reports are due in.
    pub period_id: Option<i64>,
    /// Items overdue.
    pub overdue: usize,
    /// Items due within 14 days.
    pub due_soon: usize,
    /// Items without a report in the open period.
    pub to_report: usize,
    /// Every item counted above, each once.
    pub items: Vec<MyItemDto>,
    /// Open dialogues the caller is a party to.
    pub dialogues: Vec<MyDialogueDto>,
}

/// A unit's plan for the year that is missing or not approved.
#[derive(Serialize, ToSchema)]
pub struct PendingPlanDto {
    /// The unit.
    pub unit_id: i64,
    /// The plan, if it exists and the caller may read it.
    pub plan_id: Option<i64>,
    /// Its status code; absent when the unit has no plan.
    pub status: Option<String>,
}

/// An issued letter whose receipt is not acknowledged.
#[derive(Serialize, ToSchema)]
pub struct PendingLetterDto {
    /// Letter id.
    pub id: i64,
    /// The unit.
    pub unit_id: i64,
    /// Latest issued version.
    pub version: i64,
}

/// The leader's figures of a unit and its subtree.
#[derive(Serialize, ToSchema)]
pub struct FiguresDto {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Items counted.
    pub total: u32,
    /// Items per status code.
    pub by_status: std::collections::BTreeMap<String, u32>,
    /// Items never reported on.
    pub unreported: u32,
    /// Stale items.
    pub stale: u32,
    /// Weighted progress in percent.
    pub progress: Option<f64>,
    /// Person ids of owners who stopped reporting.
    pub silent_owners: Vec<i64>,
    /// Ids of the open dialogues the caller may read.
    pub open_dialogues: Vec<i64>,
    /// Units whose plan for the year is missing or not approved.
    pub plans_pending: Vec<PendingPlanDto>,
    /// Letters not acknowledged.
    pub letters_pending: Vec<PendingLetterDto>,
}

/// The leader's view: a unit's figures and those of each unit directly below it.
#[derive(Serialize, ToSchema)]
pub struct UnitDashboardDto {
    /// The unit and its subtree.
    pub unit: FiguresDto,
    /// Each unit directly below, with its subtree.
    pub children: Vec<FiguresDto>,
}

/// The overview per service area.
#[derive(Serialize, ToSchema)]
pub struct AreasDto {
    /// The year plans and letters are counted for.
    pub year: i64,
    /// The municipality.
    pub municipality: FiguresDto,
    /// The service areas and staff units.
    pub areas: Vec<FiguresDto>,
}

fn figures_dto(f: &UnitFigures) -> FiguresDto {
    let t = &f.tally;
    FiguresDto {
        unit_id: f.unit_id,
        name: f.name.clone(),
        total: t.total(),
        by_status: Status::ALL.iter().map(|s| (s.code().to_owned(), t.count(*s))).collect(),
        unreported: t.unreported,
        stale: t.stale,
        progress: t.progress(),
        silent_owners: f.silent.iter().map(|s| s.person_id).collect(),
        open_dialogues: f.dialogues.iter().map(|d| d.id).collect(),
        plans_pending: f
            .plans
            .iter()
            .map(|p| PendingPlanDto {
                unit_id: p.unit_id,
                plan_id: p.plan.as_ref().filter(|_| p.readable).map(|pl| pl.id),
                status: p.plan.as_ref().map(|pl| pl.status().code().to_owned()),
            })
            .collect(),
        letters_pending: f
            .letters
            .iter()
            .map(|l| PendingLetterDto { id: l.id, unit_id: l.unit_id, version: l.latest })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/dashboard/mine",
    responses((status = 200, body = MineDto), (status = 401, body = ErrorDto)))]
async fn api_mine(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<MineDto>> {
    let mine = service::load_mine(&state.db, ctx.actor()?, Utc::now().date_naive()).await?;
    Ok(Json(MineDto {
        period_id: mine.period.as_ref().map(|p| p.id),
        overdue: mine.overdue().count(),
        due_soon: mine.due_soon().count(),
        to_report: mine.to_report().count(),
        items: mine
            .items
            .iter()
            .map(|i| MyItemDto {
                id: i.row.id,
                kind: i.row.kind.clone(),
                text: i.row.text.clone(),
                owner_unit_id: i.row.owner_unit_id,
                responsible_person_id: i.row.responsible_person_id,
                deadline: i.row.deadline,
                status: i.row.status.clone(),
                progress: i.row.progress,
                due: i.due.map(|d| if d == Due::Overdue { "overdue" } else { "due_soon" }.to_owned()),
                to_report: i.to_report,
            })
            .collect(),
        dialogues: mine
            .dialogues
            .iter()
            .map(|d| MyDialogueDto {
                id: d.id,
                element_id: d.element_id,
                element_text: d.element_text.clone(),
                unit_id: d.unit_id,
                superior_unit_id: d.superior_unit_id,
                opened_status: d.opened_status.clone(),
                follow_up_on: d.follow_up_on,
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/dashboard/units/{unit}", params(("unit" = i64, Path, description = "Unit id")),
    responses((status = 200, body = UnitDashboardDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn api_unit(State(state): State<AppState>, ctx: Ctx, Path(unit): Path<i64>) -> AppResult<Json<UnitDashboardDto>> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    readable_unit(&tree, actor, unit)?;
    let data = data(&state, actor).await?;
    let children = tree
        .children(Some(unit))
        .iter()
        .filter(|c| tree.get(**c).is_some_and(|u| u.is_valid_on(data.today)))
        .map(|c| figures_dto(&service::figures(&data, actor, *c)))
        .collect();
    Ok(Json(UnitDashboardDto { unit: figures_dto(&service::figures(&data, actor, unit)), children }))
}

#[utoipa::path(get, path = "/api/v1/dashboard/areas",
    responses((status = 200, body = AreasDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)))]
async fn api_areas(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<AreasDto>> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let root = readable_root(&tree, actor).ok_or(AppError::Forbidden)?;
    let data = data(&state, actor).await?;
    let areas = service::areas(&tree)
        .into_iter()
        .filter(|a| tree.get(*a).is_some_and(|u| u.is_valid_on(data.today)))
        .map(|a| figures_dto(&service::figures(&data, actor, a)))
        .collect();
    Ok(Json(AreasDto { year: data.year, municipality: figures_dto(&service::figures(&data, actor, root)), areas }))
}

/// An in-app notification of the caller's.
#[derive(Serialize, ToSchema)]
pub struct NotificationDto {
    /// Id.
    pub id: i64,
    /// `overdue`, `due_soon` or `dialogue`.
    pub kind: String,
    /// The assignment or measure (`overdue`, `due_soon`), or the management dialogue (`dialogue`).
    pub subject_id: i64,
    /// The subject's text when the notification was made.
    pub text: String,
    /// The deadline it is about.
    pub due_on: Option<NaiveDate>,
    /// The page it is about.
    pub link: String,
    /// When it was made.
    pub created_at: chrono::DateTime<Utc>,
    /// When the caller marked it read; absent while unread.
    pub read_at: Option<chrono::DateTime<Utc>>,
}

/// The caller's notifications, unread first and newest first within each.
#[derive(Serialize, ToSchema)]
pub struct NotificationsDto {
    /// How many of the caller's notifications are unread (all of them, whatever the filter).
    pub unread: i64,
    /// The notifications (at most 200).
    pub notifications: Vec<NotificationDto>,
}

fn notification_dto(n: rodtrad_store::notifications::Notification) -> NotificationDto {
    NotificationDto {
        link: link(&n),
        id: n.id,
        kind: n.kind().code().to_owned(),
        subject_id: n.subject_id,
        text: n.text,
        due_on: n.due_on,
        created_at: n.created_at,
        read_at: n.read_at,
    }
}

/// Filter of the notification list.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct NotificationsQuery {
    /// `true` for the unread ones only (default `false`).
    pub unread: Option<String>,
}

/// The caller's own notifications, unread first, newest first, with the unread count.
#[utoipa::path(get, path = "/api/v1/notifications", params(NotificationsQuery),
    responses((status = 200, body = NotificationsDto), (status = 401, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_notifications(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NotificationsQuery>,
) -> AppResult<Json<NotificationsDto>> {
    let user = ctx.user()?;
    let unread_only = match q.unread.as_deref().map(str::trim) {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(AppError::Rule(
                rodtrad_domain::RuleError::new("err-notifications-unread-filter").with("value", other.to_owned()),
            ));
        }
    };
    let (mid, id) = (user.user.municipality_id, user.user.id);
    let list = state.db.notifications(mid, id, unread_only, LIMIT).await?;
    let unread = state.db.notifications_unread(id).await?;
    Ok(Json(NotificationsDto { unread, notifications: list.into_iter().map(notification_dto).collect() }))
}

/// Marks one of the caller's notifications read and answers it; another account's id is not found
/// (404), as an unknown one. Marking a read one again changes nothing.
#[utoipa::path(post, path = "/api/v1/notifications/{notification}/read",
    params(("notification" = i64, Path, description = "Notification id")),
    responses((status = 200, body = NotificationDto), (status = 401, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn api_notification_read(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Json<NotificationDto>> {
    let user = ctx.user()?;
    state.db.notification_mark_read(&ctx.author()?, user.user.id, id).await?;
    Ok(Json(notification_dto(state.db.notification(user.user.municipality_id, user.user.id, id).await?)))
}
