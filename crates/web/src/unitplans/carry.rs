//! Carrying last year's unfinished measures over into this year's unit plan: the action, the page
//! that shows what was carried and what is left, the unit's own placing of the measures no goal of
//! this year's plan matched, and new deadlines for several carried measures at once.

use super::*;
use rodtrad_domain::RuleError;
use rodtrad_store::org::OrgTree;
use rodtrad_store::unit_plans::{CarryState, CarrySummary, PendingMeasure};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "unitplans/carried.html")]
pub(crate) struct CarriedTemplate {
    pub(crate) p: Page,
    pub(crate) plan: Plan,
    /// What the carry-over just did (its POST's answer).
    pub(crate) summary: Option<CarrySummary>,
    pub(crate) state: CarryState,
    /// The caller may edit the plan and it is editable: the forms are shown.
    pub(crate) editable: bool,
    /// What the last placing or deadline form did.
    pub(crate) notice: Option<String>,
    /// Why the placing form was refused.
    pub(crate) place_error: Option<String>,
    pub(crate) pending: Vec<PendingRow>,
    /// Where an unplaced measure may go: the element's id, and its kind and text.
    pub(crate) places: Vec<crate::org::Choice>,
    /// Why the deadline form was refused as a whole (a stale version, no rows).
    pub(crate) deadline_error: Option<String>,
    pub(crate) rows: Vec<DeadlineRow>,
}

/// An unplaced measure with the place chosen in the form.
pub(crate) struct PendingRow {
    pub(crate) m: PendingMeasure,
    pub(crate) selected: String,
}

/// A carried measure's line in the deadline form, with the typed value and its error.
pub(crate) struct DeadlineRow {
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) current: Option<NaiveDate>,
    pub(crate) version: i64,
    pub(crate) value: String,
    pub(crate) error: Option<String>,
}

impl CarriedTemplate {
    /// Row errors of the deadline form, for the summary above it.
    pub(crate) fn row_errors(&self) -> Vec<&DeadlineRow> {
        self.rows.iter().filter(|r| r.error.is_some()).collect()
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    plan: Plan,
    summary: Option<CarrySummary>,
    typed: Option<&HashMap<String, String>>,
) -> AppResult<CarriedTemplate> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let editable = rodtrad_service::plans::may_edit_plan(actor, &tree, plan.owner_unit_id) && plan.status().editable();
    let carry = state.db.unit_plan_carry_state(actor.municipality_id, plan.id).await?;
    let typed_value = |key: String| typed.and_then(|t| t.get(&key)).cloned();
    let pending = carry
        .pending
        .iter()
        .map(|m| PendingRow { selected: typed_value(format!("parent-{}", m.id)).unwrap_or_default(), m: m.clone() })
        .collect();
    let rows = carry
        .carried
        .iter()
        .map(|c| DeadlineRow {
            id: c.id,
            text: c.text.clone(),
            current: c.deadline,
            version: c.version,
            value: typed_value(format!("deadline-{}", c.id))
                .unwrap_or_else(|| c.deadline.map(|d| d.to_string()).unwrap_or_default()),
            error: None,
        })
        .collect();
    let places = carry
        .places
        .iter()
        .map(|c| crate::org::Choice {
            value: c.id.to_string(),
            label: format!("{}: {}", ctx.tr.t(c.kind.label_key()), c.text),
        })
        .collect();
    Ok(CarriedTemplate {
        places,
        p: ctx.page(ctx.tr.t1("unitplans-carried-title", "plan", &plan.title), "unitplans"),
        plan,
        summary,
        state: carry,
        editable,
        notice: None,
        place_error: None,
        pending,
        deadline_error: None,
        rows,
    })
}

/// What the last form did, from the redirect after it.
#[derive(Deserialize)]
pub(crate) struct CarryNotice {
    placed: Option<String>,
    deadlines: Option<String>,
}

/// The carry-over page of a unit plan whose working copy the caller reads: what was carried in,
/// last year's unfinished measures still to place, and, for whoever may edit the plan, the forms.
pub(crate) async fn carry_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(n): Query<CarryNotice>,
) -> AppResult<Response> {
    let plan = working_unit_plan(&state, &ctx, id).await?;
    let mut t = page(&state, &ctx, plan, None, None).await?;
    let count = |v: &Option<String>| v.as_deref().and_then(|v| v.parse::<usize>().ok());
    t.notice = match (count(&n.placed), count(&n.deadlines)) {
        (Some(c), _) => Some(ctx.tr.t1("unitplans-carried-placed", "count", c)),
        (_, Some(c)) => Some(ctx.tr.t1("unitplans-carried-deadlines-saved", "count", c)),
        _ => None,
    };
    Ok(Html(t.render()?).into_response())
}

/// Copies the measures and answers with what it did. The action is idempotent (a second run copies
/// nothing twice), so the summary is the POST's own answer rather than a redirect.
pub(crate) async fn carry_over(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let plan = readable_unit_plan(&state, &ctx, id).await?;
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let summary = service::carry_over(&state.db, &tree, (actor, &ctx.author()?), &plan).await?;
    let t = page(&state, &ctx, plan, Some(summary), None).await?;
    Ok(Html(t.render()?).into_response())
}

/// A unit plan the caller may edit, for the carry-over's forms: 404 when they may not read it,
/// 403 when they read but may not edit it.
async fn editable_unit_plan(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Plan, std::sync::Arc<OrgTree>)> {
    let plan = readable_unit_plan(state, ctx, id).await?;
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    if !rodtrad_service::plans::may_edit_plan(actor, &tree, plan.owner_unit_id) {
        return Err(AppError::Forbidden);
    }
    Ok((plan, tree))
}

/// Places the measures the carry-over could not place, each under the goal the unit picked (a
/// `parent-<measure>` field; an empty one leaves the measure for later), in one transaction:
/// a bad choice refuses them all with 422 and the choices kept.
pub(crate) async fn carry_place(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (plan, tree) = editable_unit_plan(&state, &ctx, id).await?;
    let typed: HashMap<String, String> = fields.iter().cloned().collect();
    let mut choices = Vec::new();
    let mut bad = None;
    for (key, value) in &fields {
        let Some(measure) = key.strip_prefix("parent-") else { continue };
        if value.trim().is_empty() {
            continue;
        }
        match (measure.parse::<i64>(), value.trim().parse::<i64>()) {
            (Ok(m), Ok(p)) => choices.push((m, p)),
            _ => bad = Some(RuleError::new("err-carry-place-target")),
        }
    }
    if choices.is_empty() && bad.is_none() {
        bad = Some(RuleError::new("err-carry-place-none"));
    }
    let (status, message) = match bad {
        Some(e) => (StatusCode::UNPROCESSABLE_ENTITY, ctx.tr.rule(&e)),
        None => match service::carry_place(&state.db, &tree, (ctx.actor()?, &ctx.author()?), &plan, &choices).await {
            Ok(copied) => {
                let to = format!("/unit-plans/{id}/carry-over?placed={}", copied.len());
                return Ok(Redirect::to(&to).into_response());
            }
            Err(ServiceError::Store(StoreError::Rule(e))) => (StatusCode::UNPROCESSABLE_ENTITY, ctx.tr.rule(&e)),
            Err(ServiceError::Store(StoreError::Conflict)) => (StatusCode::CONFLICT, ctx.tr.t("err-conflict")),
            Err(e) => return Err(e.into()),
        },
    };
    let mut t = page(&state, &ctx, plan, None, Some(&typed)).await?;
    t.place_error = Some(message);
    Ok((status, Html(t.render()?)).into_response())
}

/// Sets new deadlines on carried measures (`deadline-<measure>` with `version-<measure>`): each
/// must be a date in the plan's year or later. Any bad row refuses the whole form with 422, every
/// bad row marked and every typed value kept; a measure changed since the page was read, 409.
pub(crate) async fn carry_deadlines(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (plan, tree) = editable_unit_plan(&state, &ctx, id).await?;
    let typed: HashMap<String, String> = fields.iter().cloned().collect();
    let mut t = page(&state, &ctx, plan.clone(), None, Some(&typed)).await?;
    let mut writes = Vec::new();
    let mut any_bad = false;
    for row in &mut t.rows {
        let Some(value) = typed.get(&format!("deadline-{}", row.id)) else { continue };
        let version = typed
            .get(&format!("version-{}", row.id))
            .map_or(Err(RuleError::new("err-id-invalid")), |v| crate::forms::version(v));
        let checked = crate::forms::required_date(value)
            .and_then(|d| rodtrad_domain::unit_plans::check_carried_deadline(d, plan.start_year as i32));
        match (checked, version) {
            (Ok(date), Ok(version)) => writes.push((row.id, version, date)),
            (Err(e), _) | (_, Err(e)) => {
                row.error = Some(ctx.tr.rule(&e));
                any_bad = true;
            }
        }
    }
    // A field for a measure that is no carried measure of this plan is refused too.
    let known = |key: &str| t.rows.iter().any(|r| key == format!("deadline-{}", r.id));
    if fields.iter().any(|(k, _)| k.starts_with("deadline-") && !known(k)) {
        t.deadline_error = Some(ctx.tr.t("err-carry-deadline-measure"));
        any_bad = true;
    } else if writes.is_empty() && !any_bad {
        t.deadline_error = Some(ctx.tr.t("err-carry-deadline-none"));
        any_bad = true;
    }
    if any_bad {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response());
    }
    let status =
        match service::carried_deadlines(&state.db, &tree, (ctx.actor()?, &ctx.author()?), &plan, &writes).await {
            Ok(n) => return Ok(Redirect::to(&format!("/unit-plans/{id}/carry-over?deadlines={n}")).into_response()),
            Err(ServiceError::Store(StoreError::Conflict)) => {
                t.deadline_error = Some(ctx.tr.t("err-conflict"));
                StatusCode::CONFLICT
            }
            Err(ServiceError::Store(StoreError::Rule(e))) => {
                t.deadline_error = Some(ctx.tr.rule(&e));
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(e) => return Err(e.into()),
        };
    Ok((status, Html(t.render()?)).into_response())
}
