//! The agreement page (the latest version, its signatures, signing and a new version) and the page
//! of an older version.

use super::*;

#[derive(Template)]
#[template(path = "agreements/agreement.html")]
pub(crate) struct AgreementTemplate {
    pub(crate) p: Page,
    pub(crate) a: Agreement,
    pub(crate) v: AgreementVersion,
    pub(crate) latest: bool,
    pub(crate) state: SigningView,
    pub(crate) items: Vec<ItemView>,
    pub(crate) versions: Vec<(i64, SigningView)>,
    pub(crate) party: bool,
    pub(crate) can_sign: bool,
    pub(crate) signature_withdrawn: bool,
    pub(crate) error: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    #[serde(default)]
    pub(crate) saved: Option<String>,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    number: Option<i64>,
    signature_withdrawn: bool,
    error: Option<String>,
) -> AppResult<String> {
    let (a, _) = readable_one(state, ctx, id).await?;
    let actor = ctx.actor()?;
    let versions = state.db.agreement_versions(actor.municipality_id, id).await?;
    let number = number.unwrap_or(a.latest);
    let v = versions.iter().find(|v| v.number == number).cloned().ok_or(AppError::NotFound)?;
    let now = element_texts(state, actor.municipality_id).await?;
    let latest = number == a.latest;
    let t = AgreementTemplate {
        p: ctx.page(format!("{} {} – {}", ctx.tr.t("agreements-one"), a.year, a.unit_name), "agreements"),
        state: SigningView::of(&ctx.tr, v.signatures()),
        items: item_views(&ctx.tr, &v, &now),
        versions: versions.iter().rev().map(|v| (v.number, SigningView::of(&ctx.tr, v.signatures()))).collect(),
        party: service::is_party(actor, &a),
        can_sign: latest && super::must_sign(actor, &a),
        latest,
        signature_withdrawn,
        error,
        a,
        v,
    };
    Ok(t.render()?)
}

/// One agreement: the latest version.
pub(crate) async fn agreement_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let withdrawn = q.saved.as_deref() == Some("withdrawn");
    Ok(Html(render(&state, &ctx, id, None, withdrawn, None).await?).into_response())
}

/// An agreement's version `number`, older ones included.
pub(crate) async fn version_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, number)): Path<(i64, i64)>,
) -> AppResult<Response> {
    Ok(Html(render(&state, &ctx, id, Some(number), false, None).await?).into_response())
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct VersionForm {
    #[serde(default)]
    pub(crate) version: String,
}

/// Answers a refused signature or new version with the page and the message (422), a stale one
/// with 409.
async fn refused(state: &AppState, ctx: &Ctx, id: i64, e: ServiceError) -> AppResult<Response> {
    let (status, message) = match e {
        ServiceError::Rule(r) | ServiceError::Store(StoreError::Rule(r)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, ctx.tr.rule(&r))
        }
        ServiceError::Store(StoreError::Conflict) => (StatusCode::CONFLICT, ctx.tr.t("agreements-conflict")),
        other => return Err(app_error(other)),
    };
    Ok((status, Html(render(state, ctx, id, None, false, Some(message)).await?)).into_response())
}

/// Signs the latest version: the leader first, then the superior.
pub(crate) async fn sign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> AppResult<Response> {
    let (a, _) = readable_one(&state, &ctx, id).await?;
    let version = crate::forms::version(&form.version).map_err(AppError::Rule)?;
    match service::sign(&state.db, (ctx.actor()?, &ctx.author()?), &a, version).await {
        Ok(_) => Ok(Redirect::to(&format!("/agreements/{id}")).into_response()),
        Err(e) => refused(&state, &ctx, id, e).await,
    }
}

/// Starts the next version of a signed agreement and opens its form.
pub(crate) async fn new_version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> AppResult<Response> {
    let (a, _) = readable_one(&state, &ctx, id).await?;
    if !service::is_party(ctx.actor()?, &a) {
        return Err(AppError::Forbidden);
    }
    let version = crate::forms::version(&form.version).map_err(AppError::Rule)?;
    match service::new_version(&state.db, (ctx.actor()?, &ctx.author()?), &a, version).await {
        Ok(_) => Ok(Redirect::to(&format!("/agreements/{id}/edit")).into_response()),
        Err(e) => refused(&state, &ctx, id, e).await,
    }
}
