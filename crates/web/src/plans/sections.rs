//! A plan's text sections (Markdown, sanitised) and the placing of elements in them.

use super::*;

/// Sanitised HTML rendered from a user's Markdown; the only HTML templates print unescaped.
pub struct SafeHtml(String);

impl std::fmt::Display for SafeHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A section with its Markdown rendered.
pub struct SectionView {
    /// The section.
    pub section: rodtrad_store::plans::Section,
    /// Its body as sanitised HTML.
    pub html: SafeHtml,
}

impl From<rodtrad_store::plans::Section> for SectionView {
    fn from(section: rodtrad_store::plans::Section) -> Self {
        Self { html: SafeHtml(rodtrad_export::markdown_to_safe_html(&section.body)), section }
    }
}

/// Longest section text.
pub(crate) const SECTION_MAX: usize = 50_000;

#[derive(Deserialize)]
pub(crate) struct SectionForm {
    pub(crate) heading: String,
    #[serde(default)]
    pub(crate) body: String,
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) remove: Option<String>,
}

pub(crate) fn parse_section(ctx: &Ctx, form: &SectionForm, errors: &mut FieldErrors) -> Option<Name> {
    let heading = Name::parse(&form.heading).map_err(|e| errors.add("heading", ctx.tr.rule(&e))).ok();
    if form.body.chars().count() > SECTION_MAX {
        errors.add("body", ctx.tr.t1("err-text-too-long", "max", SECTION_MAX));
    }
    heading.filter(|_| errors.is_empty())
}

pub(crate) async fn create_section(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<SectionForm>,
) -> AppResult<Response> {
    require_plan_editor(&state, &ctx, id).await?;
    let mut errors = FieldErrors::default();
    if let Some(heading) = parse_section(&ctx, &form, &mut errors) {
        match state.db.section_create(&ctx.author()?, id, &heading, form.body.trim()).await {
            Ok(sid) => return Ok(Redirect::to(&format!("/plans/{id}?saved=1#s-{sid}")).into_response()),
            Err(StoreError::Rule(e)) => errors.add("heading", ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let t = render_plan(&state, &ctx, id, Back::Section(errors), false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

pub(crate) async fn update_section(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, section)): Path<(i64, i64)>,
    Form(form): Form<SectionForm>,
) -> AppResult<Response> {
    require_plan_editor(&state, &ctx, id).await?;
    let mut errors = FieldErrors::default();
    let version = forms::version(&form.version)?;
    if let Some(heading) = parse_section(&ctx, &form, &mut errors) {
        match state
            .db
            .section_update(
                &ctx.author()?,
                id,
                section,
                version,
                &rodtrad_store::plans::SectionChange {
                    heading,
                    body: form.body.trim().to_owned(),
                    remove: form.remove.is_some(),
                },
            )
            .await
        {
            Ok(()) => return Ok(Redirect::to(&format!("/plans/{id}?saved=1")).into_response()),
            Err(StoreError::Conflict) => errors.add("heading", ctx.tr.t("err-conflict")),
            Err(StoreError::Rule(e)) => errors.add("heading", ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let status = if errors.get("heading") == Some(ctx.tr.t("err-conflict").as_str()) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let t = render_plan(&state, &ctx, id, Back::Section(errors), false).await?;
    Ok((status, Html(t.render()?)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct PlaceForm {
    pub(crate) section_id: String,
}

pub(crate) async fn place_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PlaceForm>,
) -> AppResult<Response> {
    let (element, _) = element_plan(&state, &ctx, id).await?;
    state.db.element_place(&ctx.author()?, id, forms::optional_id(&form.section_id)?).await?;
    Ok(Redirect::to(&format!("/elements/{}?saved=1", element.id)).into_response())
}
