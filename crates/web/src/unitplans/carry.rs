//! Carrying last year's unfinished measures over into this year's unit plan, and the summary.

use super::*;
use rodtrad_store::unit_plans::CarrySummary;

#[derive(Template)]
#[template(path = "unitplans/carried.html")]
pub(crate) struct CarriedTemplate {
    pub(crate) p: Page,
    pub(crate) plan: Plan,
    pub(crate) last_year: Option<Plan>,
    pub(crate) summary: CarrySummary,
}

/// Copies the measures and answers with what it did. The action is idempotent (a second run copies
/// nothing twice), so the summary is the POST's own answer rather than a redirect.
pub(crate) async fn carry_over(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let plan = readable_unit_plan(&state, &ctx, id).await?;
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let summary = service::carry_over(&state.db, &tree, (actor, &ctx.author()?), &plan).await?;
    let last_year = state.db.plan(actor.municipality_id, summary.from_plan_id).await.ok();
    let t = CarriedTemplate {
        p: ctx.page(ctx.tr.t1("unitplans-carried-title", "plan", &plan.title), "unitplans"),
        plan,
        last_year,
        summary,
    };
    Ok(Html(t.render()?).into_response())
}
