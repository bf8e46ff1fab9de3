//! The form for the analysis of last year on a unit plan (read-only once the plan is delivered).

use super::*;

#[derive(Template)]
#[template(path = "unitplans/analysis.html")]
pub(crate) struct AnalysisTemplate {
    pub(crate) p: Page,
    pub(crate) plan: Plan,
    pub(crate) form: AnalysisDraft,
    pub(crate) version: i64,
    pub(crate) editable: bool,
    pub(crate) errors: FieldErrors,
    pub(crate) conflict: bool,
    pub(crate) lines: Vec<AnalysisLine>,
    pub(crate) risk_summary: String,
}

/// The analysis form as posted.
#[derive(Deserialize)]
pub(crate) struct AnalysisForm {
    #[serde(flatten)]
    pub(crate) draft: AnalysisDraft,
    #[serde(default)]
    pub(crate) version: String,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    plan: Plan,
    stored: &StoredAnalysis,
    form: Option<(AnalysisDraft, i64)>,
) -> AppResult<AnalysisTemplate> {
    let tree = state.org_tree(ctx.actor()?.municipality_id).await?;
    let editable =
        rodtrad_service::plans::may_edit_plan(ctx.actor()?, &tree, plan.owner_unit_id) && plan.status().editable();
    let (form, version) = form.unwrap_or_else(|| (AnalysisDraft::from_analysis(&stored.analysis), stored.version));
    Ok(AnalysisTemplate {
        p: ctx.page(ctx.tr.t1("unitplans-analysis-title", "plan", &plan.title), "unitplans"),
        plan,
        form,
        version,
        editable,
        errors: FieldErrors::default(),
        conflict: false,
        lines: analysis_lines(&ctx.tr, &stored.analysis),
        risk_summary: stored.analysis.risk_summary.clone(),
    })
}

/// The analysis of a unit plan the caller reads in its working copy: a form while the caller may
/// edit the plan and it is a draft, the figures and texts otherwise.
pub(crate) async fn analysis_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let plan = working_unit_plan(&state, &ctx, id).await?;
    let stored = state.db.unit_plan_analysis(plan.municipality_id, id).await?;
    let t = page(&state, &ctx, plan, &stored, None).await?;
    Ok(Html(t.render()?).into_response())
}

/// A unit plan whose working papers (analysis, history) the caller reads: as the plan page's panel.
pub(crate) async fn working_unit_plan(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Plan> {
    let (plan, view) = crate::plans::readable_plan(state, ctx, id).await?;
    if plan.plan_type() != PlanType::UnitPlan || view != crate::plans::PlanView::Working {
        return Err(AppError::NotFound);
    }
    Ok(plan)
}

/// Saves the analysis: 422 with the values kept on bad input, 409 with them kept on a stale version.
pub(crate) async fn analysis_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<AnalysisForm>,
) -> AppResult<Response> {
    let plan = working_unit_plan(&state, &ctx, id).await?;
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    if !rodtrad_service::plans::may_edit_plan(actor, &tree, plan.owner_unit_id) {
        return Err(AppError::Forbidden);
    }
    let version = crate::forms::version(&form.version)?;
    let mut errors = FieldErrors::default();
    let mut conflict = false;
    match form.draft.parse() {
        Ok(analysis) => {
            let who = (actor, &ctx.author()?);
            match service::save_analysis(&state.db, &tree, who, &plan, version, &analysis).await {
                Ok(()) => return Ok(Redirect::to(&format!("/plans/{id}?saved=1#analysis")).into_response()),
                Err(ServiceError::Store(StoreError::Conflict)) => conflict = true,
                Err(ServiceError::Store(StoreError::Rule(e))) => {
                    errors.add(e.field.unwrap_or("risk_summary"), ctx.tr.rule(&e))
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(list) => {
            for e in list {
                errors.add(e.field.unwrap_or("risk_summary"), ctx.tr.rule(&e));
            }
        }
    }
    let stored = state.db.unit_plan_analysis(plan.municipality_id, id).await?;
    let mut t = page(&state, &ctx, plan, &stored, Some((form.draft, version))).await?;
    t.errors = errors;
    t.conflict = conflict;
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(t.render()?)).into_response())
}
