//! The municipality's own names for the element kinds of each plan type.

use super::*;

/// A level on the labels page: code, default label, and per language `(code, language name, custom label)`.
pub(crate) type LabelRow = (String, String, Vec<(String, String, String)>);

#[derive(Template)]
#[template(path = "plans/labels.html")]
pub(crate) struct LabelsTemplate {
    pub(crate) p: Page,
    pub(crate) rows: Vec<LabelRow>,
    pub(crate) saved: bool,
}

pub(crate) async fn labels_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_restructure() {
        return Err(AppError::Forbidden);
    }
    let labels = Labels::load(&state, actor.municipality_id).await?;
    let rows = ElementKind::ALL
        .iter()
        .map(|k| {
            let fields = crate::i18n::Lang::ALL
                .iter()
                .map(|l| (l.code().to_owned(), l.native_name().to_owned(), labels.custom(*k, l.code())))
                .collect();
            (k.code().to_owned(), ctx.tr.t(k.label_key()), fields)
        })
        .collect();
    let t = LabelsTemplate { p: ctx.page(ctx.tr.t("labels-title"), "plans"), rows, saved: q.saved.is_some() };
    Ok(Html(t.render()?).into_response())
}

pub(crate) async fn save_labels(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    if !ctx.actor()?.can_restructure() {
        return Err(AppError::Forbidden);
    }
    let mut labels = Vec::new();
    for (key, value) in pairs {
        // Fields are named `label-{kind}-{lang}`.
        let Some(rest) = key.strip_prefix("label-") else { continue };
        let Some((kind, lang)) = rest.rsplit_once('-') else { continue };
        let kind = ElementKind::parse(kind)?;
        if crate::i18n::Lang::parse(lang).is_none() {
            return Err(AppError::Rule(RuleError::new("err-lang-unknown")));
        }
        if value.trim().chars().count() > 60 {
            return Err(AppError::Rule(RuleError::new("err-text-too-long").with("max", "60")));
        }
        labels.push((kind, lang.to_owned(), value));
    }
    state.db.element_labels_set(&ctx.author()?, &labels).await?;
    Ok(Redirect::to("/plans/labels?saved=1").into_response())
}
