//! A plan's indicators with their latest value and progress class.

use super::*;

/// One indicator of a plan.
pub(crate) struct IndicatorLine {
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) chain: String,
    pub(crate) latest: String,
    pub(crate) target: String,
    pub(crate) class: ClassBadge,
}

#[derive(Template)]
#[template(path = "indicators/list.html")]
pub(crate) struct ListTemplate {
    pub(crate) p: Page,
    pub(crate) plan: Plan,
    pub(crate) lines: Vec<IndicatorLine>,
    pub(crate) counts: Vec<(ClassBadge, usize)>,
    pub(crate) may_import: bool,
}

/// The indicators of a plan as the caller may read them, each with its view.
pub(crate) async fn plan_views(
    state: &AppState,
    ctx: &Ctx,
    plan_id: i64,
) -> AppResult<(Plan, Vec<(Element, IndicatorView)>)> {
    let (plan, view) = crate::plans::readable_plan(state, ctx, plan_id).await?;
    let mid = ctx.actor()?.municipality_id;
    let (elements, _) = crate::plans::readable_elements(state, mid, &plan, view).await?;
    let thresholds = thresholds(state, mid).await?;
    let mut out = Vec::new();
    for e in elements.into_iter().filter(|e| e.kind() == ElementKind::Indicator) {
        let v = service::view(&state.db, mid, e.id, &thresholds).await?;
        out.push((e, v));
    }
    Ok((plan, out))
}

pub(crate) async fn plan_indicators(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (plan, views) = plan_views(&state, &ctx, id).await?;
    let mut lines = Vec::new();
    for (e, v) in &views {
        let unit = v.definition.as_ref().map(|d| d.unit.clone()).unwrap_or_default();
        let latest =
            v.assessment.latest.map(|l| format!("{} {unit}", num(l.value)).trim().to_owned()).unwrap_or_default();
        lines.push(IndicatorLine {
            id: e.id,
            text: e.text.clone(),
            chain: v.definition.as_ref().map(|d| ctx.tr.t(d.chain().label_key())).unwrap_or_default(),
            latest,
            target: v.target.map(|t| format!("{} ({})", num(t.desired), t.year)).unwrap_or_default(),
            class: badge(&ctx, v.assessment.class),
        });
    }
    let counts = ProgressClass::ALL
        .iter()
        .map(|c| (badge(&ctx, *c), views.iter().filter(|(_, v)| v.assessment.class == *c).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    let t = ListTemplate {
        p: ctx.page(ctx.tr.t1("indicator-list-title", "plan", &plan.title), "plans"),
        may_import: may_import(ctx.actor()?),
        plan,
        lines,
        counts,
    };
    Ok(Html(t.render()?).into_response())
}
