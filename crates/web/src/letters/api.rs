//! JSON API of the assignment letters, authorised as the pages are: the list of a year, one letter
//! with its latest content and versions, one version with what changed, its PDF, receipt, issuing
//! (every unit or one), the frame, and the guidance template.

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_letters")
        .get("/api/v1/letters", api_list)
        .post("/api/v1/letters/issue", api_issue_all)
        .get("/api/v1/letters/template", api_template)
        .put("/api/v1/letters/template", api_template_put)
        .post("/api/v1/letters/units/{unit}/issue", api_issue_one)
        .put("/api/v1/letters/units/{unit}/frame", api_frame)
        .get("/api/v1/letters/{letter}", api_letter)
        .get("/api/v1/letters/{letter}/versions/{number}", api_version)
        .get("/api/v1/letters/{letter}/versions/{number}/pdf", api_version_pdf)
        .post("/api/v1/letters/{letter}/acknowledge", api_acknowledge)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        api_list,
        api_issue_all,
        api_template,
        api_template_put,
        api_issue_one,
        api_frame,
        api_letter,
        api_version,
        api_version_pdf,
        api_acknowledge
    ),
    components(schemas(
        LetterDto,
        LetterDetailDto,
        VersionDto,
        VersionDetailDto,
        ChangeDto,
        IssueWrite,
        IssueSummaryDto,
        FrameWrite,
        AcknowledgeWrite,
        TemplateDto
    ))
)]
pub struct LettersDoc;

/// A unit's letter of a year.
#[derive(Serialize, ToSchema)]
pub struct LetterDto {
    /// Id.
    pub id: i64,
    /// The unit it is to.
    pub unit_id: i64,
    /// The unit's name now.
    pub unit_name: String,
    /// Budget year.
    pub year: i64,
    /// The economic frame in NOK for the next version, an exact decimal as text ("4250000.50").
    pub frame: Option<String>,
    /// The frame's version (send it back when setting the frame).
    pub version: i64,
    /// Number of the latest issued version (0: not issued).
    pub latest: i64,
    /// When the latest version was issued.
    pub issued_at: Option<chrono::DateTime<Utc>>,
    /// When its receipt was acknowledged.
    pub acknowledged_at: Option<chrono::DateTime<Utc>>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
}

impl From<Letter> for LetterDto {
    fn from(l: Letter) -> Self {
        Self {
            id: l.id,
            unit_id: l.unit_id,
            unit_name: l.unit_name,
            year: l.year,
            frame: l.frame_amount,
            version: l.version,
            latest: l.latest,
            issued_at: l.issued_at,
            acknowledged_at: l.acknowledged_at,
            acknowledged_by: l.acknowledged_by,
        }
    }
}

/// An issued version.
#[derive(Serialize, ToSchema)]
pub struct VersionDto {
    /// Version number, from 1.
    pub number: i64,
    /// When it was issued.
    pub issued_at: chrono::DateTime<Utc>,
    /// Who issued it.
    pub issued_by: String,
    /// When the unit's leader acknowledged receipt.
    pub acknowledged_at: Option<chrono::DateTime<Utc>>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
}

impl From<&LetterVersion> for VersionDto {
    fn from(v: &LetterVersion) -> Self {
        Self {
            number: v.number,
            issued_at: v.issued_at,
            issued_by: v.issued_by.clone(),
            acknowledged_at: v.acknowledged_at,
            acknowledged_by: v.acknowledged_by.clone(),
        }
    }
}

/// A letter with its versions and what its latest version says.
#[derive(Serialize, ToSchema)]
pub struct LetterDetailDto {
    /// The letter.
    pub letter: LetterDto,
    /// Its issued versions, oldest first.
    pub versions: Vec<VersionDto>,
    /// The latest version's content (municipality, unit, year, programme, frame, goals with SDG
    /// numbers, assignments with expected result and deadline, guidance as Markdown); none before
    /// the first issue.
    #[schema(value_type = Object)]
    pub content: Option<serde_json::Value>,
}

/// One difference from the version before.
#[derive(Serialize, ToSchema)]
pub struct ChangeDto {
    /// What changed (`letter-change-frame`, `letter-change-goal-added`, …).
    pub kind: String,
    /// What it said before, in the caller's language.
    pub before: Option<String>,
    /// What it says now.
    pub after: Option<String>,
}

/// One version with its content and what changed since the one before.
#[derive(Serialize, ToSchema)]
pub struct VersionDetailDto {
    /// The version.
    pub version: VersionDto,
    /// What it said.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
    /// What changed since the version before (empty for the first).
    pub changes: Vec<ChangeDto>,
}

/// Issuing letters.
#[derive(Deserialize, ToSchema)]
pub struct IssueWrite {
    /// The letters' year.
    pub year: i64,
}

/// What issuing did, by unit name.
#[derive(Serialize, ToSchema)]
pub struct IssueSummaryDto {
    /// Units whose first version was issued.
    pub first: Vec<String>,
    /// Units that got a new version because something changed.
    pub reissued: Vec<String>,
    /// Units whose letter was unchanged (nothing issued).
    pub unchanged: Vec<String>,
}

/// Setting a unit's economic frame.
#[derive(Deserialize, ToSchema)]
pub struct FrameWrite {
    /// The letters' year (default: this year).
    #[serde(default)]
    pub year: Option<i64>,
    /// The amount in NOK as text ("12 345 678,50" or "12345678.50"); none or empty removes it.
    #[serde(default)]
    pub frame: Option<String>,
    /// The letter's `version` as read (0 when the unit has no letter that year yet).
    pub version: i64,
}

/// Acknowledging receipt.
#[derive(Deserialize, ToSchema)]
pub struct AcknowledgeWrite {
    /// The version received (the latest).
    pub number: i64,
}

/// The guidance template.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TemplateDto {
    /// Markdown.
    pub body: String,
    /// Version as read (0 before the first save); stale → 409.
    pub version: i64,
}

fn body<T>(payload: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    payload.map(|Json(v)| v).map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-json-invalid")))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// The year (default: this year).
    year: Option<String>,
}

/// The letters of a year the caller may read (every unit's for the management staff, the units
/// led for a leader); 403 for callers who read no letters (politicians).
#[utoipa::path(get, path = "/api/v1/letters", params(ListQuery),
    responses((status = 200, body = [LetterDto]), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto)))]
async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Vec<LetterDto>>> {
    let actor = ctx.actor()?;
    if !sees_letters(actor) {
        return Err(AppError::Forbidden);
    }
    let year = parse_year(q.year.as_deref(), this_year())?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let letters = state.db.letters_of_year(actor.municipality_id, year).await?;
    Ok(Json(letters.into_iter().filter(|l| service::may_read(actor, &tree, l)).map(LetterDto::from).collect()))
}

/// One letter, its versions and its latest content.
#[utoipa::path(get, path = "/api/v1/letters/{letter}", params(("letter" = i64, Path, description = "Letter id")),
    responses((status = 200, body = LetterDetailDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn api_letter(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<LetterDetailDto>> {
    let (letter, _) = readable_letter(&state, &ctx, id).await?;
    let versions = state.db.letter_versions(ctx.actor()?.municipality_id, id).await?;
    let content =
        versions.last().map(|v| serde_json::to_value(&v.content.0)).transpose().map_err(AppError::internal)?;
    Ok(Json(LetterDetailDto {
        letter: letter.into(),
        versions: versions.iter().map(VersionDto::from).collect(),
        content,
    }))
}

/// One issued version as it was, with what changed since the version before.
#[utoipa::path(get, path = "/api/v1/letters/{letter}/versions/{number}",
    params(("letter" = i64, Path, description = "Letter id"), ("number" = i64, Path, description = "Version number")),
    responses((status = 200, body = VersionDetailDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn api_version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, number)): Path<(i64, i64)>,
) -> AppResult<Json<VersionDetailDto>> {
    readable_letter(&state, &ctx, id).await?;
    let versions = state.db.letter_versions(ctx.actor()?.municipality_id, id).await?;
    let i = versions.iter().position(|v| v.number == number).ok_or(AppError::NotFound)?;
    let v = &versions[i];
    let changes = if i > 0 {
        let keys = diff(&versions[i - 1].content.0, &v.content.0);
        let views = change_views(&ctx.tr, &versions[i - 1].content.0, &v.content.0);
        keys.iter()
            .zip(views)
            .map(|(k, c)| ChangeDto { kind: k.key().to_owned(), before: c.before, after: c.after })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Json(VersionDetailDto {
        version: v.into(),
        content: serde_json::to_value(&v.content.0).map_err(AppError::internal)?,
        changes,
    }))
}

/// One issued version as PDF.
#[utoipa::path(get, path = "/api/v1/letters/{letter}/versions/{number}/pdf",
    params(("letter" = i64, Path, description = "Letter id"), ("number" = i64, Path, description = "Version number")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn api_version_pdf(state: State<AppState>, ctx: Ctx, path: Path<(i64, i64)>) -> AppResult<Response> {
    version_pdf(state, ctx, path).await
}

/// The unit's leader acknowledges receipt of the latest version; anyone else who reads the letter
/// gets 403 with `err-letter-ack-not-leader`; an older version or a second receipt 422.
#[utoipa::path(post, path = "/api/v1/letters/{letter}/acknowledge", params(("letter" = i64, Path, description = "Letter id")),
    request_body = AcknowledgeWrite,
    responses((status = 200, body = LetterDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_acknowledge(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<AcknowledgeWrite>, JsonRejection>,
) -> AppResult<Response> {
    let (letter, _) = readable_letter(&state, &ctx, id).await?;
    let actor = ctx.actor()?;
    if !actor.can_acknowledge_letter(letter.unit_id) {
        return Ok(refused("err-letter-ack-not-leader"));
    }
    let w = body(payload)?;
    if let Err(e) = service::acknowledge(&state.db, (actor, &ctx.author()?), &letter, w.number).await {
        return Ok(service_error(e));
    }
    let letter = state.db.letter(actor.municipality_id, id).await?;
    Ok(Json(LetterDto::from(letter)).into_response())
}

fn summary_dto(s: rodtrad_store::letters::IssueSummary) -> IssueSummaryDto {
    IssueSummaryDto { first: s.first, reissued: s.reissued, unchanged: s.unchanged }
}

/// Issues the year's letters for every unit at once (management staff): a first version where a
/// unit has none, a new one where something changed. 422 when no adopted action programme covers
/// the year.
#[utoipa::path(post, path = "/api/v1/letters/issue", request_body = IssueWrite,
    responses((status = 200, body = IssueSummaryDto), (status = 403, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_issue_all(
    State(state): State<AppState>,
    ctx: Ctx,
    payload: Result<Json<IssueWrite>, JsonRejection>,
) -> AppResult<Json<IssueSummaryDto>> {
    let actor = ctx.actor()?;
    if !actor.can_manage_letters() {
        return Err(AppError::Forbidden);
    }
    let w = body(payload)?;
    let year = parse_year(Some(&w.year.to_string()), this_year())?;
    Ok(Json(summary_dto(service::issue_all(&state.db, (actor, &ctx.author()?), year).await?)))
}

/// Issues one unit's letter of a year again (management staff).
#[utoipa::path(post, path = "/api/v1/letters/units/{unit}/issue", params(("unit" = i64, Path, description = "Unit id")),
    request_body = IssueWrite,
    responses((status = 200, body = IssueSummaryDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_issue_one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    payload: Result<Json<IssueWrite>, JsonRejection>,
) -> AppResult<Json<IssueSummaryDto>> {
    readable_unit(&state, &ctx, unit).await?;
    let actor = ctx.actor()?;
    if !actor.can_manage_letters() {
        return Err(AppError::Forbidden);
    }
    let w = body(payload)?;
    let year = parse_year(Some(&w.year.to_string()), this_year())?;
    Ok(Json(summary_dto(service::issue_one(&state.db, (actor, &ctx.author()?), unit, year).await?)))
}

/// Sets a unit's economic frame of a year for its next version (management staff); 422 for an
/// amount that does not parse, 409 for a stale `version`.
#[utoipa::path(put, path = "/api/v1/letters/units/{unit}/frame", params(("unit" = i64, Path, description = "Unit id")),
    request_body = FrameWrite,
    responses((status = 200, body = LetterDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_frame(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    payload: Result<Json<FrameWrite>, JsonRejection>,
) -> AppResult<Json<LetterDto>> {
    readable_unit(&state, &ctx, unit).await?;
    let actor = ctx.actor()?;
    if !actor.can_manage_letters() {
        return Err(AppError::Forbidden);
    }
    let w = body(payload)?;
    let year = parse_year(w.year.map(|y| y.to_string()).as_deref(), this_year())?;
    let frame = parse_frame(w.frame.as_deref().unwrap_or(""))?;
    let id = service::set_frame(&state.db, (actor, &ctx.author()?), unit, year, frame, w.version).await?;
    Ok(Json(state.db.letter(actor.municipality_id, id).await?.into()))
}

/// The guidance template (management staff).
#[utoipa::path(get, path = "/api/v1/letters/template",
    responses((status = 200, body = TemplateDto), (status = 403, body = ErrorDto)))]
async fn api_template(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<TemplateDto>> {
    let actor = ctx.actor()?;
    if !actor.can_manage_letters() {
        return Err(AppError::Forbidden);
    }
    let (body, version) = state.db.letter_template(actor.municipality_id).await?;
    Ok(Json(TemplateDto { body, version }))
}

/// Saves the guidance template (management staff); 409 for a stale `version`, 422 when too long.
#[utoipa::path(put, path = "/api/v1/letters/template", request_body = TemplateDto,
    responses((status = 200, body = TemplateDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_template_put(
    State(state): State<AppState>,
    ctx: Ctx,
    payload: Result<Json<TemplateDto>, JsonRejection>,
) -> AppResult<Json<TemplateDto>> {
    let actor = ctx.actor()?;
    if !actor.can_manage_letters() {
        return Err(AppError::Forbidden);
    }
    let w = body(payload)?;
    service::save_template(&state.db, (actor, &ctx.author()?), &w.body, w.version).await?;
    let (body, version) = state.db.letter_template(actor.municipality_id).await?;
    Ok(Json(TemplateDto { body, version }))
}
