//! The expected result of an assignment (what the unit given it shall deliver), which the letters
//! carry: a form on the element page of a local assignment in an editable plan.

use super::*;

#[derive(Deserialize, Default, Clone)]
pub(crate) struct ExpectedForm {
    #[serde(default)]
    pub(crate) expected_result: String,
    #[serde(default)]
    pub(crate) version: String,
}

#[derive(Template)]
#[template(path = "letters/expected_form.html")]
pub(crate) struct ExpectedTemplate {
    pub(crate) p: Page,
    pub(crate) element_id: i64,
    pub(crate) element_text: String,
    pub(crate) form: ExpectedForm,
    pub(crate) stored: String,
    pub(crate) errors: FieldErrors,
    pub(crate) conflict: bool,
}

/// Saves the expected result (the plan's editors, as every element edit): 422 with the text kept
/// for bad input or an element that is no assignment, 409 with it kept when the element changed.
pub(crate) async fn expected_result_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ExpectedForm>,
) -> AppResult<Response> {
    let (element, _) = crate::plans::element_plan(&state, &ctx, id).await?;
    let mut errors = FieldErrors::default();
    let version = crate::forms::version(&form.version).map_err(|e| errors.add("expected_result", ctx.tr.rule(&e))).ok();
    let mut conflict = false;
    if let Some(version) = version {
        let text = Some(form.expected_result.as_str()).filter(|t| !t.trim().is_empty());
        match state.db.element_expected_result_set(&ctx.author()?, id, version, text).await {
            Ok(()) => return Ok(Redirect::to(&format!("/elements/{id}?saved=1")).into_response()),
            Err(StoreError::Conflict) => {
                conflict = true;
                errors.add("expected_result", ctx.tr.t("err-conflict"));
            }
            Err(StoreError::Rule(e)) => errors.add("expected_result", ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let current = state.db.element(ctx.actor()?.municipality_id, id).await?;
    let mut form = form;
    if conflict {
        form.version = current.version.to_string();
    }
    let t = ExpectedTemplate {
        p: ctx.page(ctx.tr.t("letters-expected-result"), "plans"),
        element_id: id,
        element_text: element.text,
        form,
        stored: current.expected_result.unwrap_or_default(),
        errors,
        conflict,
    };
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(t.render()?)).into_response())
}
