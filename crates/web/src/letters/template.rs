//! The municipality-wide guidance every letter carries (Markdown, sanitised as plan text is):
//! the management staff edits it with a preview; a stale save answers 409 with the text kept.

use super::*;

#[derive(Template)]
#[template(path = "letters/template.html")]
pub(crate) struct GuidanceTemplate {
    pub(crate) p: Page,
    pub(crate) form: GuidanceForm,
    pub(crate) preview: Option<Markup>,
    pub(crate) stored: String,
    pub(crate) errors: FieldErrors,
    pub(crate) conflict: bool,
    pub(crate) saved: bool,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct GuidanceForm {
    #[serde(default)]
    pub(crate) body: String,
    #[serde(default)]
    pub(crate) version: String,
    /// `preview` shows the text as letters will; anything else saves.
    #[serde(default)]
    pub(crate) action: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct SavedQuery {
    #[serde(default)]
    pub(crate) saved: Option<String>,
}

fn manager(ctx: &Ctx) -> AppResult<&Actor> {
    let actor = ctx.actor()?;
    if !actor.can_manage_letters() {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

async fn render_guidance(
    state: &AppState,
    ctx: &Ctx,
    form: Option<GuidanceForm>,
    (preview, errors, conflict, saved): (Option<Markup>, FieldErrors, bool, bool),
) -> AppResult<String> {
    let actor = manager(ctx)?;
    let (body, version) = state.db.letter_template(actor.municipality_id).await?;
    let mut form =
        form.unwrap_or(GuidanceForm { body: body.clone(), version: version.to_string(), action: String::new() });
    if conflict {
        form.version = version.to_string();
    }
    let t = GuidanceTemplate {
        p: ctx.page(ctx.tr.t("letters-template-title"), "letters"),
        form,
        preview,
        stored: body,
        errors,
        conflict,
        saved,
    };
    Ok(t.render()?)
}

/// The guidance editor.
pub(crate) async fn template_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let body = render_guidance(&state, &ctx, None, (None, FieldErrors::default(), false, q.saved.is_some())).await?;
    Ok(Html(body).into_response())
}

/// Previews or saves the guidance.
pub(crate) async fn template_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<GuidanceForm>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let mut errors = FieldErrors::default();
    if let Err(e) = rodtrad_domain::letters::check_guidance(&form.body) {
        errors.add("body", ctx.tr.rule(&e));
    }
    if form.action == "preview" {
        let preview = Some(Markup::markdown(&form.body));
        let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
        let body = render_guidance(&state, &ctx, Some(form), (preview, errors, false, false)).await?;
        return Ok((status, Html(body)).into_response());
    }
    let version = crate::forms::version(&form.version).map_err(|e| errors.add("body", ctx.tr.rule(&e))).ok();
    let mut conflict = false;
    if let (true, Some(version)) = (errors.is_empty(), version) {
        match service::save_template(&state.db, (actor, &ctx.author()?), &form.body, version).await {
            Ok(()) => return Ok(Redirect::to("/letters/template?saved=1").into_response()),
            Err(ServiceError::Store(StoreError::Conflict)) => {
                conflict = true;
                errors.add("body", ctx.tr.t("err-conflict"));
            }
            Err(ServiceError::Rule(e) | ServiceError::Store(StoreError::Rule(e))) => {
                errors.add("body", ctx.tr.rule(&e))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = render_guidance(&state, &ctx, Some(form), (None, errors, conflict, false)).await?;
    Ok((status, Html(body)).into_response())
}
