//! JSON API of leadership agreements: the list the caller may read, one agreement and its versions,
//! starting one, saving its latest version (with the `version` read: 409 when stale), signing and
//! the PDF. The visibility is the pages': an agreement the caller may not read answers 404.

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use rodtrad_store::agreements::Draft;
use serde::Serialize;
use utoipa::ToSchema;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("api_agreements")
        .get("/api/v1/agreements", api_list)
        .post("/api/v1/agreements", api_start)
        .get("/api/v1/agreements/{agreement}", api_one)
        .put("/api/v1/agreements/{agreement}", api_save)
        .get("/api/v1/agreements/{agreement}/versions", api_versions)
        .post("/api/v1/agreements/{agreement}/sign", api_sign)
        .get("/api/v1/agreements/{agreement}/pdf", api_pdf)
}

/// Paths documented in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_start, api_one, api_save, api_versions, api_sign, api_pdf),
    components(schemas(AgreementDto, VersionDto, ItemDto, StartWrite, SaveWrite, SignWrite))
)]
pub struct AgreementsDoc;

/// An agreement and where its latest version stands.
#[derive(Serialize, ToSchema)]
pub struct AgreementDto {
    /// Id.
    pub id: i64,
    /// The leader's unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Year.
    pub year: i64,
    /// The leader (person id).
    pub leader_person_id: i64,
    /// The leader's name.
    pub leader_name: String,
    /// The unit above.
    pub superior_unit_id: i64,
    /// The superior leader (person id).
    pub superior_person_id: i64,
    /// The superior's name.
    pub superior_name: String,
    /// The version to send with the next save or signature.
    pub version: i64,
    /// The latest version's number.
    pub latest: i64,
    /// `draft`, `leader-signed` or `signed`.
    pub state: String,
    /// When the leader signed the latest version.
    pub leader_signed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the superior signed it.
    pub superior_signed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A committed plan element as a version holds it.
#[derive(Serialize, ToSchema)]
pub struct ItemDto {
    /// The goal element.
    pub element_id: i64,
    /// Its kind code.
    pub kind: String,
    /// Its text when the version was saved or signed.
    pub text: String,
    /// Its text now (absent when removed from its plan).
    pub current_text: Option<String>,
    /// `current`, `changed` or `removed`.
    pub sync: String,
}

/// One version of an agreement.
#[derive(Serialize, ToSchema)]
pub struct VersionDto {
    /// Number, from 1.
    pub number: i64,
    /// The goals, assignments and measures committed to.
    pub items: Vec<ItemDto>,
    /// Development points.
    pub development_points: Vec<String>,
    /// The delegated authority in words.
    pub authority: String,
    /// When the leader signed, and who.
    pub leader_signed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who signed as leader.
    pub leader_signed_by: Option<String>,
    /// When the superior signed.
    pub superior_signed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who signed as superior.
    pub superior_signed_by: Option<String>,
}

/// Starting an agreement.
#[derive(Deserialize, ToSchema)]
pub struct StartWrite {
    /// The leader's unit (a unit or a department).
    pub unit_id: i64,
    /// Year.
    pub year: i64,
}

/// Saving the latest version.
#[derive(Deserialize, ToSchema)]
pub struct SaveWrite {
    /// The agreement's version read.
    pub version: i64,
    /// The goal elements committed to.
    #[serde(default)]
    pub element_ids: Vec<i64>,
    /// Development points.
    #[serde(default)]
    pub development_points: Vec<String>,
    /// The delegated authority in words.
    #[serde(default)]
    pub authority: String,
}

/// Signing the latest version.
#[derive(Deserialize, ToSchema)]
pub struct SignWrite {
    /// The agreement's version read.
    pub version: i64,
}

fn body<T>(payload: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    payload.map(|Json(v)| v).map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-json-invalid")))
}

fn dto(a: Agreement) -> AgreementDto {
    let state = if a.signatures().complete() {
        "signed"
    } else if a.signatures().leader {
        "leader-signed"
    } else {
        "draft"
    };
    AgreementDto {
        id: a.id,
        unit_id: a.unit_id,
        unit_name: a.unit_name,
        year: a.year,
        leader_person_id: a.leader_person_id,
        leader_name: a.leader_name,
        superior_unit_id: a.superior_unit_id,
        superior_person_id: a.superior_person_id,
        superior_name: a.superior_name,
        version: a.version,
        latest: a.latest,
        state: state.into(),
        leader_signed_at: a.leader_signed_at,
        superior_signed_at: a.superior_signed_at,
    }
}

fn version_dto(v: AgreementVersion, now: &HashMap<i64, String>) -> VersionDto {
    let content = v.content.0;
    VersionDto {
        number: v.number,
        items: content
            .items
            .into_iter()
            .map(|i| {
                let current = now.get(&i.element_id).cloned();
                let sync = match sync(&i.text, current.as_deref()) {
                    ItemSync::Current => "current",
                    ItemSync::Changed => "changed",
                    ItemSync::Removed => "removed",
                };
                ItemDto {
                    element_id: i.element_id,
                    kind: i.kind,
                    text: i.text,
                    current_text: current,
                    sync: sync.into(),
                }
            })
            .collect(),
        development_points: content.development_points,
        authority: content.authority,
        leader_signed_at: v.leader_signed_at,
        leader_signed_by: v.leader_signed_by,
        superior_signed_at: v.superior_signed_at,
        superior_signed_by: v.superior_signed_by,
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
struct YearQuery {
    /// Only this year.
    year: Option<i64>,
}

/// The agreements the caller may read (the parties, the leaders above and HR).
#[utoipa::path(get, path = "/api/v1/agreements", params(YearQuery),
    responses((status = 200, body = [AgreementDto]), (status = 401, body = ErrorDto)))]
async fn api_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> AppResult<Json<Vec<AgreementDto>>> {
    let (all, _) = readable(&state, ctx.actor()?, q.year).await?;
    Ok(Json(all.into_iter().map(dto).collect()))
}

/// Starts the agreement of a unit and year, or answers the one that exists: the unit's leader or
/// the leader above it (403 for anyone else, 422 for a unit without agreements or leaders).
#[utoipa::path(post, path = "/api/v1/agreements", request_body = StartWrite,
    responses((status = 201, body = AgreementDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_start(
    State(state): State<AppState>,
    ctx: Ctx,
    payload: Result<Json<StartWrite>, JsonRejection>,
) -> AppResult<(StatusCode, Json<AgreementDto>)> {
    let actor = ctx.actor()?;
    let w = body(payload)?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let id = service::start(&state.db, &tree, (actor, &ctx.author()?), w.unit_id, w.year).await?;
    Ok((StatusCode::CREATED, Json(dto(state.db.agreement(actor.municipality_id, id).await?))))
}

/// One agreement.
#[utoipa::path(get, path = "/api/v1/agreements/{agreement}", params(("agreement" = i64, Path, description = "Agreement id")),
    responses((status = 200, body = AgreementDto), (status = 404, body = ErrorDto)))]
async fn api_one(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<AgreementDto>> {
    Ok(Json(dto(readable_one(&state, &ctx, id).await?.0)))
}

/// Every version of an agreement, oldest first, with each item's text now.
#[utoipa::path(get, path = "/api/v1/agreements/{agreement}/versions", params(("agreement" = i64, Path, description = "Agreement id")),
    responses((status = 200, body = [VersionDto]), (status = 404, body = ErrorDto)))]
async fn api_versions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<VersionDto>>> {
    readable_one(&state, &ctx, id).await?;
    let mid = ctx.actor()?.municipality_id;
    let now = element_texts(&state, mid).await?;
    let versions = state.db.agreement_versions(mid, id).await?;
    Ok(Json(versions.into_iter().map(|v| version_dto(v, &now)).collect()))
}

/// Saves the latest version: the parties only (403); 422 when both have signed it (start a new
/// version on the page) or an element cannot be committed to; 409 when `version` is stale.
#[utoipa::path(put, path = "/api/v1/agreements/{agreement}", params(("agreement" = i64, Path, description = "Agreement id")),
    request_body = SaveWrite,
    responses((status = 200, body = AgreementDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<SaveWrite>, JsonRejection>,
) -> AppResult<Json<AgreementDto>> {
    let (a, tree) = readable_one(&state, &ctx, id).await?;
    let w = body(payload)?;
    let draft = Draft { element_ids: w.element_ids, development_points: w.development_points, authority: w.authority };
    service::save(&state.db, &tree, (ctx.actor()?, &ctx.author()?), &a, w.version, draft).await?;
    Ok(Json(dto(state.db.agreement(ctx.actor()?.municipality_id, id).await?)))
}

/// Signs the latest version: the leader first, then the superior (422 otherwise, and for anyone
/// who is not a party); 409 when `version` is stale.
#[utoipa::path(post, path = "/api/v1/agreements/{agreement}/sign", params(("agreement" = i64, Path, description = "Agreement id")),
    request_body = SignWrite,
    responses((status = 200, body = AgreementDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
async fn api_sign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    payload: Result<Json<SignWrite>, JsonRejection>,
) -> AppResult<Json<AgreementDto>> {
    let (a, _) = readable_one(&state, &ctx, id).await?;
    let w = body(payload)?;
    service::sign(&state.db, (ctx.actor()?, &ctx.author()?), &a, w.version).await?;
    Ok(Json(dto(state.db.agreement(ctx.actor()?.municipality_id, id).await?)))
}

/// A version of the agreement (`?number=`, the latest by default) as PDF.
#[utoipa::path(get, path = "/api/v1/agreements/{agreement}/pdf", params(("agreement" = i64, Path, description = "Agreement id"), PdfQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorDto)))]
async fn api_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<PdfQuery>,
) -> AppResult<Response> {
    let (_, bytes) = pdf_bytes(&state, &ctx, id, q.number.as_deref()).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/pdf")], bytes).into_response())
}
