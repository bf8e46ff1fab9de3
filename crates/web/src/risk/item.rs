//! A risk's page for those who edit its analysis: the edit form, the removal, and the acceptance
//! form (the leader's level and an expiry, checked by `domain::risk::check_acceptance`). Bad input
//! is 422 and a stale version 409, each with the typed values kept; readers are sent to the risk
//! in its analysis.

use super::*;

#[derive(Template)]
#[template(path = "risk/item.html")]
pub(crate) struct RiskTemplate {
    pub(crate) p: Page,
    pub(crate) id: i64,
    pub(crate) analysis_id: i64,
    pub(crate) analysis_title: String,
    pub(crate) version: i64,
    pub(crate) risk: RiskView,
    pub(crate) errors: FieldErrors,
    pub(crate) accept_errors: FieldErrors,
    pub(crate) expires_on: String,
    pub(crate) draft: RiskItemDraft,
    pub(crate) categories: Vec<Choice>,
    pub(crate) treatments: Vec<Choice>,
    pub(crate) likelihoods: Vec<Choice>,
    pub(crate) consequences: Vec<Choice>,
    pub(crate) measures: Vec<MeasureChoiceView>,
}

async fn edit_view(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(RiskTemplate, StoredRisk)> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let mid = actor.municipality_id;
    let (analysis, r) = state.db.risk_item(mid, id).await?;
    service::editable_analysis(&state.db, actor, analysis.id).await?;
    let matrix = state.db.risk_matrix(mid).await?.matrix;
    let unit = unit_name(state, mid, analysis.unit_id).await?;
    let chosen: Vec<String> = r.measures.iter().map(|m| m.id.to_string()).collect();
    Ok((
        RiskTemplate {
            p: ctx.page(tr.t1("risk-edit-title", "title", r.item.description.clone()), "risk"),
            id: r.id,
            analysis_id: analysis.id,
            analysis_title: analysis_title(tr, analysis.year, &unit),
            version: r.version,
            risk: RiskView::of(tr, &matrix, &r, today()),
            errors: FieldErrors::default(),
            accept_errors: FieldErrors::default(),
            expires_on: String::new(),
            draft: RiskItemDraft::of(&r.item),
            categories: category_choices(tr),
            treatments: treatment_choices(tr),
            likelihoods: level_choices(&matrix.likelihood),
            consequences: level_choices(&matrix.consequence),
            measures: measure_choices(state, tr, mid, analysis.unit_id, &chosen, &r.measures).await?,
        },
        r,
    ))
}

/// A risk's page for its editors; anyone else who reads the analysis is sent to the risk there.
pub(crate) async fn risk_edit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (analysis, _) = state.db.risk_item(actor.municipality_id, id).await?;
    let (_, line) = service::readable_analysis(&state.db, actor, analysis.id).await?;
    if !actor.can_edit_risk(&line) {
        return Ok(Redirect::to(&format!("/risk/analyses/{}#r-{id}", analysis.id)).into_response());
    }
    Ok(Html(edit_view(&state, &ctx, id).await?.0.render()?).into_response())
}

/// Saves a risk at the version the form was read at.
pub(crate) async fn risk_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (mut t, stored) = edit_view(&state, &ctx, id).await?;
    let matrix = state.db.risk_matrix(actor.municipality_id).await?.matrix;
    let (draft, chosen) = draft_of(&form);
    let version: i64 = field(&form, "version").parse().unwrap_or(-1);
    let (status, errors) = match parse_risk(&ctx.tr, &matrix, &draft, &chosen) {
        Ok((item, measures)) => {
            let author = ctx.author()?;
            match service::save_risk(
                &state.db,
                (actor, &author),
                t.analysis_id,
                Some(id),
                version,
                Some((&item, measures.as_slice())),
            )
            .await
            {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("/risk/analyses/{}?saved=1#r-{id}", t.analysis_id)).into_response()
                    );
                }
                Err(e) => {
                    let (status, field, message) = refusal(&ctx.tr, e)?;
                    let mut errors = FieldErrors::default();
                    errors.add(field.unwrap_or("description"), message);
                    (status, errors)
                }
            }
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    // The version stays the one typed against, so a second try after a conflict is still refused
    // until the page is read again.
    let unit = state.db.risk_analysis(actor.municipality_id, t.analysis_id).await?.unit_id;
    t.measures = measure_choices(&state, &ctx.tr, actor.municipality_id, unit, &chosen, &stored.measures).await?;
    t.version = version;
    t.draft = draft;
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

/// Removes a risk at the version the form was read at (409 when stale).
pub(crate) async fn risk_remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (mut t, _) = edit_view(&state, &ctx, id).await?;
    let version: i64 = field(&form, "version").parse().unwrap_or(-1);
    match service::save_risk(&state.db, (actor, &ctx.author()?), t.analysis_id, Some(id), version, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/risk/analyses/{}?saved=1", t.analysis_id)).into_response()),
        Err(e) => {
            let (status, _, message) = refusal(&ctx.tr, e)?;
            t.errors.add("description", message);
            Ok((status, Html(t.render()?)).into_response())
        }
    }
}

/// Accepts a risk until the typed expiry, at the version the page was read at.
pub(crate) async fn risk_accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (mut t, _) = edit_view(&state, &ctx, id).await?;
    let version: i64 = field(&form, "version").parse().unwrap_or(-1);
    let expires_on = field(&form, "expires_on").to_owned();
    let status = match service::accept(&state.db, (actor, &ctx.author()?), id, version, &expires_on, today()).await {
        Ok(Ok(_)) => {
            return Ok(Redirect::to(&format!("/risk/analyses/{}?saved=1#r-{id}", t.analysis_id)).into_response());
        }
        Ok(Err(rules)) => {
            for e in rules {
                t.accept_errors.add(e.field.unwrap_or("expires_on"), ctx.tr.rule(&e));
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e) => {
            let (status, _, message) = refusal(&ctx.tr, e)?;
            t.accept_errors.add("expires_on", message);
            status
        }
    };
    t.expires_on = expires_on;
    Ok((status, Html(t.render()?)).into_response())
}
