//! The edit form of an agreement's latest version: the plan elements to commit to (checkboxes
//! grouped by plan), the development points (one per line) and the delegated authority. Only the
//! parties edit, and only a version not signed by both; a stale save answers 409 with the text kept.

use super::*;
use rodtrad_domain::agreements::parse_development_points;
use rodtrad_store::agreements::{Draft, Saved};

/// A plan element the leader can pick.
pub(crate) struct PickView {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) text: String,
    pub(crate) picked: bool,
}

#[derive(Template)]
#[template(path = "agreements/edit.html")]
pub(crate) struct EditTemplate {
    pub(crate) p: Page,
    pub(crate) a: Agreement,
    pub(crate) number: i64,
    pub(crate) groups: Vec<(String, Vec<PickView>)>,
    /// Committed elements no longer offered (removed from their plan, or moved out of the line):
    /// listed so the parties see what the next save drops.
    pub(crate) gone: Vec<String>,
    pub(crate) form: EditForm,
    pub(crate) errors: FieldErrors,
    pub(crate) conflict: bool,
    pub(crate) stored: Option<AgreementVersion>,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct EditForm {
    #[serde(default)]
    pub(crate) items: Vec<String>,
    #[serde(default)]
    pub(crate) development_points: String,
    #[serde(default)]
    pub(crate) authority: String,
    #[serde(default)]
    pub(crate) version: String,
}

async fn party_agreement(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Agreement, Arc<OrgTree>)> {
    let (a, tree) = readable_one(state, ctx, id).await?;
    if !service::is_party(ctx.actor()?, &a) {
        return Err(AppError::Forbidden);
    }
    Ok((a, tree))
}

async fn render_edit(
    state: &AppState,
    ctx: &Ctx,
    a: Agreement,
    tree: &OrgTree,
    form: Option<EditForm>,
    errors: FieldErrors,
    conflict: bool,
) -> AppResult<String> {
    let mid = ctx.actor()?.municipality_id;
    let versions = state.db.agreement_versions(mid, a.id).await?;
    let latest = versions.into_iter().next_back().ok_or(AppError::NotFound)?;
    let mut form = form.unwrap_or_else(|| EditForm {
        items: latest.content.items.iter().map(|i| i.element_id.to_string()).collect(),
        development_points: latest.content.development_points.join("\n"),
        authority: latest.content.authority.clone(),
        version: a.version.to_string(),
    });
    if conflict {
        form.version = a.version.to_string();
    }
    let picked: Vec<i64> = form.items.iter().filter_map(|i| i.trim().parse().ok()).collect();
    let candidates = service::candidates(&state.db, tree, &a).await?;
    let offered: Vec<i64> = candidates.iter().flat_map(|(_, es)| es.iter().map(|e| e.id)).collect();
    let gone = latest
        .content
        .items
        .iter()
        .filter(|i| picked.contains(&i.element_id) && !offered.contains(&i.element_id))
        .map(|i| i.text.clone())
        .collect();
    let groups = candidates
        .into_iter()
        .map(|(title, elements)| {
            let picks = elements
                .into_iter()
                .map(|e| PickView {
                    id: e.id,
                    kind: ctx.tr.t(e.kind.label_key()),
                    text: e.text,
                    picked: picked.contains(&e.id),
                })
                .collect();
            (title, picks)
        })
        .collect();
    let t = EditTemplate {
        p: ctx.page(format!("{} {} – {}", ctx.tr.t("agreements-edit"), a.year, a.unit_name), "agreements"),
        number: latest.number,
        stored: conflict.then_some(latest),
        a,
        groups,
        gone,
        form,
        errors,
        conflict,
    };
    Ok(t.render()?)
}

/// The edit form of the latest version; a version both parties signed sends the parties to the
/// agreement page, where they start a new version.
pub(crate) async fn edit_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (a, tree) = party_agreement(&state, &ctx, id).await?;
    if a.signatures().complete() {
        return Ok(Redirect::to(&format!("/agreements/{id}")).into_response());
    }
    Ok(Html(render_edit(&state, &ctx, a, &tree, None, FieldErrors::default(), false).await?).into_response())
}

/// Saves the latest version.
pub(crate) async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum_extra::extract::Form(form): axum_extra::extract::Form<EditForm>,
) -> AppResult<Response> {
    let (a, tree) = party_agreement(&state, &ctx, id).await?;
    let mut errors = FieldErrors::default();
    let version = crate::forms::version(&form.version).map_err(|e| errors.add("items", ctx.tr.rule(&e)));
    let mut ids = Vec::new();
    for raw in &form.items {
        match raw.trim().parse::<i64>() {
            Ok(id) => ids.push(id),
            Err(_) => errors.add("items", ctx.tr.t("err-id-invalid")),
        }
    }
    let mut conflict = false;
    if let (true, Ok(version)) = (errors.is_empty(), version) {
        let points = parse_development_points(&form.development_points);
        let actor = (ctx.actor()?, &ctx.author()?);
        let draft = Draft { element_ids: ids, development_points: points, authority: form.authority.clone() };
        match service::save(&state.db, &tree, actor, &a, version, draft).await {
            Ok(Saved::Draft) => return Ok(Redirect::to(&format!("/agreements/{id}")).into_response()),
            Ok(Saved::SignatureWithdrawn) => {
                return Ok(Redirect::to(&format!("/agreements/{id}?saved=withdrawn")).into_response());
            }
            Err(ServiceError::Store(StoreError::Conflict)) => {
                conflict = true;
                errors.add("items", ctx.tr.t("agreements-conflict"));
            }
            Err(ServiceError::Rule(e) | ServiceError::Store(StoreError::Rule(e))) => {
                errors.add(e.field.unwrap_or("items"), ctx.tr.rule(&e))
            }
            Err(e) => return Err(app_error(e)),
        }
    }
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let a = state.db.agreement(ctx.actor()?.municipality_id, id).await?;
    let body = render_edit(&state, &ctx, a, &tree, Some(form), errors, conflict).await?;
    Ok((status, Html(body)).into_response())
}
