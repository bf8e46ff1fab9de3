//! Plan use cases: who may change a plan, and the change itself.

use crate::ServiceError;
use rodtrad_domain::Actor;
use rodtrad_domain::plan::PlanStatus;
use rodtrad_store::org::OrgTree;
use rodtrad_store::plans::{Plan, PlanInput};
use rodtrad_store::{Author, Db};

/// Whether `actor` may edit a plan owned by `owner_unit` (`None`: no owner unit, municipality-wide).
pub fn may_edit_plan(actor: &Actor, tree: &OrgTree, owner_unit: Option<i64>) -> bool {
    let ancestry = owner_unit.map(|u| tree.ancestry(u));
    actor.can_edit_plan(ancestry.as_deref())
}

/// Whether `actor` may give a plan owned by `from` the owner `to`: moving a plan to another owner
/// needs edit rights where it is and where it goes.
pub fn may_move_plan(actor: &Actor, tree: &OrgTree, from: Option<i64>, to: Option<i64>) -> bool {
    may_edit_plan(actor, tree, from) && may_edit_plan(actor, tree, to)
}

/// Updates a plan's title, period, owner, sources and publication for the page and the API alike.
/// The owner is checked on `current`, the plan as the caller read it; the store's version check
/// refuses the write when the plan (its owner included) changed since `expected_version`, so the
/// check cannot go stale.
pub async fn update_plan(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    current: &Plan,
    expected_version: i64,
    (input, sources): (&PlanInput, &[i64]),
) -> Result<(), ServiceError> {
    if !may_move_plan(actor, tree, current.owner_unit_id, input.owner_unit_id) {
        return Err(ServiceError::Forbidden);
    }
    db.plan_update(author, current.id, expected_version, input, sources).await?;
    Ok(())
}

/// Moves a plan through its lifecycle for the page (and any other caller): edit rights on the
/// plan, then what the status needs from the caller (a unit plan is approved and sent back by the
/// superior leader, never by its own unit), then the store's transition with its version check.
pub async fn change_status(
    db: &Db,
    tree: &OrgTree,
    who: (&Actor, &Author),
    plan: &Plan,
    expected_version: i64,
    to: PlanStatus,
) -> Result<(), ServiceError> {
    change_status_noted(db, tree, who, plan, expected_version, to, None).await
}

/// [`change_status`] with a comment, kept in a unit plan's history (required when it is sent back).
pub async fn change_status_noted(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    plan: &Plan,
    expected_version: i64,
    to: PlanStatus,
    comment: Option<&str>,
) -> Result<(), ServiceError> {
    if !may_edit_plan(actor, tree, plan.owner_unit_id) {
        return Err(ServiceError::Forbidden);
    }
    let ancestry = plan.owner_unit_id.map(|u| tree.ancestry(u));
    actor
        .check_plan_status_change(plan.plan_type(), (plan.status(), to), ancestry.as_deref())
        .map_err(ServiceError::Rule)?;
    db.plan_transition_noted(author, plan.id, expected_version, to, comment).await?;
    Ok(())
}

/// Whether `actor` may adopt a plan (shown as a button): not when it is a unit plan of their own unit.
pub fn may_adopt(actor: &Actor, tree: &OrgTree, plan: &Plan) -> bool {
    let ancestry = plan.owner_unit_id.map(|u| tree.ancestry(u));
    actor.check_plan_status_change(plan.plan_type(), (plan.status(), PlanStatus::Adopted), ancestry.as_deref()).is_ok()
}
