//! What a caller may read of plans and their elements (`domain::access::Actor::plan_view`), for
//! every page and API read of a plan: hidden plans are left out of lists and answer 404 like an
//! unknown id, and a caller who may read only a plan's adopted version gets that version's
//! elements instead of the working copy.

use super::*;
use rodtrad_domain::Actor;
pub use rodtrad_domain::access::PlanView;
use rodtrad_store::org::OrgTree;

/// What `actor` may read of `plan`.
pub fn view_of(actor: &Actor, tree: &OrgTree, plan: &Plan) -> PlanView {
    let ancestry = plan.owner_unit_id.map(|u| tree.ancestry(u));
    actor.plan_view(plan.status(), ancestry.as_deref())
}

/// What the caller may read of `plan`.
pub async fn plan_view(state: &AppState, ctx: &Ctx, plan: &Plan) -> AppResult<PlanView> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    Ok(view_of(actor, &tree, plan))
}

/// A plan the caller may read, with what they may read of it; a plan hidden from them is not found.
pub async fn readable_plan(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Plan, PlanView)> {
    let plan = state.db.plan(ctx.actor()?.municipality_id, id).await?;
    match plan_view(state, ctx, &plan).await? {
        PlanView::Hidden => Err(AppError::NotFound),
        view => Ok((plan, view)),
    }
}

/// The plans the caller may read, in register order.
pub async fn readable_plans(state: &AppState, ctx: &Ctx) -> AppResult<Vec<Plan>> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let plans = state.db.plans(actor.municipality_id).await?;
    Ok(plans.into_iter().filter(|p| view_of(actor, &tree, p) != PlanView::Hidden).collect())
}

/// The plan's elements and the SDG links as `view` lets the caller read them.
pub async fn readable_elements(
    state: &AppState,
    municipality_id: i64,
    plan: &Plan,
    view: PlanView,
) -> AppResult<(Vec<Element>, Vec<SdgLink>)> {
    let live = async || -> AppResult<(Vec<Element>, Vec<SdgLink>)> {
        Ok((state.db.elements(municipality_id, plan.id).await?, state.db.sdg_links(municipality_id).await?))
    };
    match view {
        PlanView::Working => live().await,
        PlanView::Adopted => match state.db.adopted_elements(municipality_id, plan.id).await? {
            Some(adopted) => Ok(adopted),
            // Never frozen (set adopted outside the lifecycle): a plan that cannot be edited reads
            // as it was adopted; one under revision shows nothing rather than its edits.
            None if !plan.status().editable() => live().await,
            None => Ok((Vec::new(), Vec::new())),
        },
        PlanView::Hidden => Ok((Vec::new(), Vec::new())),
    }
}

/// An element the caller may read, as they may read it (its adopted form when that is all they
/// may read of its plan), with its plan and the view; anything else is not found.
pub async fn readable_element(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Element, Plan, PlanView)> {
    let mid = ctx.actor()?.municipality_id;
    // Removed elements too: one removed under revision is still in the adopted version.
    let plan_id = state.db.element_plan_id(mid, id).await?;
    let (plan, view) = readable_plan(state, ctx, plan_id).await?;
    if view == PlanView::Working {
        return Ok((state.db.element(mid, id).await?, plan, view));
    }
    let (elements, _) = readable_elements(state, mid, &plan, view).await?;
    let adopted = elements.into_iter().find(|e| e.id == id).ok_or(AppError::NotFound)?;
    Ok((adopted, plan, view))
}
