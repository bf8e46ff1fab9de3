//! JSON API of status reporting: periods, an item's status and history, writing a report (with the
//! status `version` read: 409 when stale), a unit's roll-up, and the management dialogues.

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_followup")
        .get("/api/v1/followup/periods", api_periods)
        .get("/api/v1/followup/items/{item}", api_item)
        .post("/api/v1/followup/items/{item}/reports", api_report)
        .get("/api/v1/followup/units/{unit}/rollup", api_rollup)
        .get("/api/v1/followup/dialogues", api_dialogues)
        .post("/api/v1/followup/dialogues/{dialogue}/close", api_dialogue_close)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_periods, api_item, api_report, api_rollup, api_dialogues, api_dialogue_close),
    components(schemas(
        PeriodDto,
        ItemStatusDto,
        ReportDto,
        ReportWrite,
        SavedDto,
        RollupDto,
        TallyDto,
        DialogueDto,
        CloseWrite
    ))
)]
pub struct FollowupDoc;

/// A reporting period.
#[derive(Serialize, ToSchema)]
pub struct PeriodDto {
    /// Id.
    pub id: i64,
    /// Year.
    pub year: i64,
    /// `month` or `tertial`.
    pub kind: String,
    /// 1–12 (months) or 1–3 (four-monthly periods).
    pub number: i64,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Closed for new reports.
    pub closed: bool,
}

/// One report of an item's history.
#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    /// Id.
    pub id: i64,
    /// Period id.
    pub period_id: i64,
    /// Status code: `not_started`, `on_track`, `at_risk`, `deviation`, `completed`, `cancelled`.
    pub status: String,
    /// Progress 0–100.
    pub progress: i64,
    /// Comment.
    pub comment: String,
    /// Who reported.
    pub reported_by: String,
    /// When.
    pub reported_at: chrono::DateTime<Utc>,
}

/// An assignment or measure with its current status and history.
#[derive(Serialize, ToSchema)]
pub struct ItemStatusDto {
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
    /// Current status code, absent before the first report.
    pub status: Option<String>,
    /// Current progress.
    pub progress: Option<i64>,
    /// The status version to send with the next report (0 before the first).
    pub version: i64,
    /// The open management dialogue, if any.
    pub dialogue_id: Option<i64>,
    /// Every report, newest first.
    pub history: Vec<ReportDto>,
}

/// A new report.
#[derive(Deserialize, ToSchema)]
pub struct ReportWrite {
    /// Period id (must be open).
    pub period_id: i64,
    /// Status code.
    pub status: String,
    /// Progress 0–100.
    pub progress: i64,
    /// Comment.
    #[serde(default)]
    pub comment: String,
    /// The status version read (0 before the first report).
    pub version: i64,
}

/// A stored report.
#[derive(Serialize, ToSchema)]
pub struct SavedDto {
    /// Report id.
    pub report_id: i64,
    /// The item's new status version.
    pub version: i64,
    /// The management dialogue this report opened, if any.
    pub dialogue_opened: Option<i64>,
}

/// Counts for a unit and everything below it.
#[derive(Serialize, ToSchema)]
pub struct TallyDto {
    /// Unit id.
    pub unit_id: i64,
    /// Unit name.
    pub name: String,
    /// Items.
    pub total: u32,
    /// Items per status code.
    pub by_status: std::collections::BTreeMap<String, u32>,
    /// Items never reported.
    pub unreported: u32,
    /// Stale items.
    pub stale: u32,
    /// Weighted progress in percent (absent when nothing counts).
    pub progress: Option<f64>,
}

/// A unit's roll-up.
#[derive(Serialize, ToSchema)]
pub struct RollupDto {
    /// The period, if any exists.
    pub period_id: Option<i64>,
    /// Items last reported before this day are stale.
    pub stale_before: NaiveDate,
    /// The unit.
    pub unit: TallyDto,
    /// The units directly below it.
    pub children: Vec<TallyDto>,
}

/// A management dialogue.
#[derive(Serialize, ToSchema)]
pub struct DialogueDto {
    /// Id.
    pub id: i64,
    /// The item; null for a dialogue opened by a budget deviation.
    pub element_id: Option<i64>,
    /// The owner unit.
    pub unit_id: i64,
    /// The superior unit.
    pub superior_unit_id: Option<i64>,
    /// The status that opened it (`deviation` for a budget deviation).
    pub opened_status: String,
    /// For a budget deviation: the year and month of the forecast that opened it.
    pub economy_period: Option<String>,
    /// When.
    pub opened_at: chrono::DateTime<Utc>,
    /// Agreed measures.
    pub measures: String,
    /// Follow-up date.
    pub follow_up_on: Option<NaiveDate>,
    /// Outcome, when closed.
    pub outcome: Option<String>,
    /// When closed.
    pub closed_at: Option<chrono::DateTime<Utc>>,
}

/// Closing a dialogue.
#[derive(Deserialize, ToSchema)]
pub struct CloseWrite {
    /// The outcome (required).
    pub outcome: String,
}

fn body<T>(payload: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    payload.map(|Json(v)| v).map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-json-invalid")))
}

fn dialogue_dto(d: Dialogue) -> DialogueDto {
    let economy_period = d.economy().map(|(y, m)| format!("{y}-{m:02}"));
    DialogueDto {
        id: d.id,
        element_id: d.element_id,
        unit_id: d.unit_id,
        superior_unit_id: d.superior_unit_id,
        opened_status: d.opened_status,
        economy_period,
        opened_at: d.opened_at,
        measures: d.measures,
        follow_up_on: d.follow_up_on,
        outcome: d.outcome,
        closed_at: d.closed_at,
    }
}

/// The municipality's reporting periods.
#[utoipa::path(get, path = "/api/v1/followup/periods", responses((status = 200, body = [PeriodDto]), (status = 401, body = ErrorDto)))]
async fn api_periods(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<PeriodDto>>> {
    let mid = ctx.actor()?.municipality_id;
    let periods = state.db.followup_periods(mid).await?;
    Ok(Json(
        periods
            .into_iter()
            .map(|p| PeriodDto {
                closed: p.is_closed(),
                id: p.id,
                year: p.year,
                kind: p.kind,
                number: p.number,
                starts_on: p.starts_on,
                ends_on: p.ends_on,
            })
            .collect(),
    ))
}

async fn api_visible_item(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> AppResult<(rodtrad_store::plans::Element, std::sync::Arc<OrgTree>, bool)> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let element = state.db.element(mid, id).await?;
    if !service::reportable(&element) {
        return Err(AppError::NotFound);
    }
    let tree = state.org_tree(mid).await?;
    let can_report = service::may_report(actor, &tree, &element);
    let unit = element.owner_unit_id.or_else(|| tree.children(None).first().copied());
    if !can_report && !unit.is_some_and(|u| actor.can_read_status(&tree.ancestry(u))) {
        return Err(AppError::Forbidden);
    }
    Ok((element, tree, can_report))
}

/// An assignment's or measure's current status, version and history.
#[utoipa::path(get, path = "/api/v1/followup/items/{item}", params(("item" = i64, Path, description = "Element id")),
    responses((status = 200, body = ItemStatusDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn api_item(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ItemStatusDto>> {
    api_visible_item(&state, &ctx, id).await?;
    let mid = ctx.actor()?.municipality_id;
    let row = state.db.followup_item(mid, id).await?.ok_or(AppError::NotFound)?;
    let history = state
        .db
        .followup_history(mid, id)
        .await?
        .into_iter()
        .map(|r| ReportDto {
            id: r.id,
            period_id: r.period_id,
            status: r.status,
            progress: r.progress,
            comment: r.comment,
            reported_by: r.reporter_name,
            reported_at: r.reported_at,
        })
        .collect();
    Ok(Json(ItemStatusDto {
        id: row.id,
        kind: row.kind,
        text: row.text,
        owner_unit_id: row.owner_unit_id,
        responsible_person_id: row.responsible_person_id,
        status: row.status,
        progress: row.progress,
        version: row.version,
        dialogue_id: row.dialogue_id,
        history,
    }))
}

/// Reports a status; 409 when `version` is stale, 422 for bad input, a closed period or a reopening
/// the caller may not make, 403 for someone who may not report on the item.
#[utoipa::path(post, path = "/api/v1/followup/items/{item}/reports", params(("item" = i64, Path, description = "Element id")),
    request_body = ReportWrite,
    responses((status = 201, body = SavedDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<ReportWrite>, JsonRejection>,
) -> AppResult<(StatusCode, Json<SavedDto>)> {
    let (element, tree, can_report) = api_visible_item(&state, &ctx, id).await?;
    if !can_report {
        return Err(AppError::Forbidden);
    }
    let w = body(payload)?;
    let status = Status::parse(&w.status)?;
    let progress = u32::try_from(w.progress).ok().and_then(Progress::new).ok_or_else(|| {
        rodtrad_domain::RuleError::new("err-followup-progress").with("value", w.progress.to_string()).on("progress")
    })?;
    let input = ReportInput { period_id: w.period_id, status, progress, comment: w.comment, base_version: w.version };
    let saved = service::report(&state.db, &tree, (ctx.actor()?, &ctx.author()?), &element, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(SavedDto { report_id: saved.report_id, version: saved.version, dialogue_opened: saved.dialogue_opened }),
    ))
}

fn tally_dto(tree: &OrgTree, unit: i64, t: &Tally) -> TallyDto {
    TallyDto {
        unit_id: unit,
        name: tree.name(unit),
        total: t.total(),
        by_status: Status::ALL.iter().map(|s| (s.code().to_owned(), t.count(*s))).collect(),
        unreported: t.unreported,
        stale: t.stale,
        progress: t.progress(),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
struct RollupQuery {
    /// Period id (default: the current month).
    period: Option<String>,
}

/// A unit's roll-up (counts per status, unreported, stale, weighted progress) and that of each
/// unit directly below it, as of a period.
#[utoipa::path(get, path = "/api/v1/followup/units/{unit}/rollup", params(("unit" = i64, Path, description = "Unit id"), RollupQuery),
    responses((status = 200, body = RollupDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn api_rollup(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Query(q): Query<RollupQuery>,
) -> AppResult<Json<RollupDto>> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    readable_unit(&tree, actor, unit)?;
    let snap = snapshot(&state, mid, q.period.as_deref()).await?;
    Ok(Json(RollupDto {
        period_id: snap.period.as_ref().map(|p| p.id),
        stale_before: snap.rollup.stale_before,
        unit: tally_dto(&tree, unit, &snap.rollup.of(unit)),
        children: tree.children(Some(unit)).iter().map(|c| tally_dto(&tree, *c, &snap.rollup.of(*c))).collect(),
    }))
}

/// The management dialogues the caller may read (parties and the management staff), newest first.
#[utoipa::path(get, path = "/api/v1/followup/dialogues", responses((status = 200, body = [DialogueDto]), (status = 401, body = ErrorDto)))]
async fn api_dialogues(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<Vec<DialogueDto>>> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    let all = state.db.followup_dialogues(mid, false).await?;
    Ok(Json(all.into_iter().filter(|d| service::may_read_dialogue(actor, &tree, d)).map(dialogue_dto).collect()))
}

/// Closes a dialogue with its outcome: the parties only (403), not twice (422).
#[utoipa::path(post, path = "/api/v1/followup/dialogues/{dialogue}/close", params(("dialogue" = i64, Path, description = "Dialogue id")),
    request_body = CloseWrite,
    responses((status = 200, body = DialogueDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_dialogue_close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<CloseWrite>, JsonRejection>,
) -> AppResult<Json<DialogueDto>> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let d = state.db.followup_dialogue(mid, id).await?;
    let tree = state.org_tree(mid).await?;
    if !service::may_read_dialogue(actor, &tree, &d) {
        return Err(AppError::NotFound);
    }
    if !actor.is_dialogue_party(&tree.ancestry(d.unit_id)) {
        return Err(AppError::Forbidden);
    }
    let w = body(payload)?;
    service::close_dialogue(&state.db, &tree, (actor, &ctx.author()?), &d, &w.outcome).await?;
    Ok(Json(dialogue_dto(state.db.followup_dialogue(mid, id).await?)))
}
