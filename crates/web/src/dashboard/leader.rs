//! The leader's view of a unit's subtree (`/dashboard/units/{unit}`) and the chief executive's
//! overview per service area (`/dashboard/areas`): the same figures, one row per unit, each number a
//! link to its list.

use super::*;

/// A number and the list it links to.
pub(crate) struct CountLink {
    pub(crate) count: usize,
    pub(crate) href: String,
}

/// One unit's figures as a table row.
pub(crate) struct FigureRow {
    pub(crate) unit_id: i64,
    pub(crate) name: String,
    pub(crate) total: CountLink,
    pub(crate) by_status: Vec<(StatusView, CountLink)>,
    pub(crate) unreported: CountLink,
    pub(crate) stale: CountLink,
    pub(crate) progress: String,
    pub(crate) silent: CountLink,
    pub(crate) dialogues: CountLink,
    pub(crate) plans: CountLink,
    pub(crate) letters: CountLink,
}

pub(crate) fn figure_row(tr: &Tr, f: &UnitFigures) -> FigureRow {
    let u = f.unit_id;
    let list =
        |count: u32, q: &str| CountLink { count: count as usize, href: format!("/followup/units/{u}/items?{q}") };
    let here = |count: usize, anchor: &str| CountLink { count, href: format!("/dashboard/units/{u}#{anchor}") };
    let t: &Tally = &f.tally;
    FigureRow {
        unit_id: u,
        name: f.name.clone(),
        total: list(t.total(), "filter=all"),
        by_status: Status::ALL
            .iter()
            .map(|s| (StatusView::of(tr, *s), list(t.count(*s), &format!("status={}", s.code()))))
            .collect(),
        unreported: list(t.unreported, "filter=unreported"),
        stale: list(t.stale, "filter=stale"),
        progress: percent(t.progress()),
        silent: here(f.silent.len(), "silent"),
        dialogues: here(f.dialogues.len(), "dialogues"),
        plans: here(f.plans.len(), "plans"),
        letters: here(f.letters.len(), "letters"),
    }
}

/// A unit whose plan is missing or not approved.
pub(crate) struct PlanRow {
    pub(crate) unit_name: String,
    /// The plan's id and title, when the caller may open it.
    pub(crate) link: Option<(i64, String)>,
    /// Its status by name, or "no unit plan".
    pub(crate) status: String,
}

/// An issued letter whose receipt is not acknowledged.
pub(crate) struct LetterRow {
    pub(crate) unit_name: String,
    pub(crate) version: i64,
    pub(crate) issued_at: Option<chrono::DateTime<Utc>>,
}

#[derive(Template)]
#[template(path = "dashboard/unit.html")]
struct UnitTemplate {
    p: Page,
    row: FigureRow,
    parent: Option<(i64, String)>,
    year: i64,
    silent: Vec<(String, String)>,
    dialogues: Vec<DialogueRow>,
    plans: Vec<PlanRow>,
    letters: Vec<LetterRow>,
    children: Vec<FigureRow>,
    statuses: Vec<StatusView>,
    sees_areas: bool,
}

/// The leader's view of `unit` and everything below it.
pub(crate) async fn unit_page(State(state): State<AppState>, ctx: Ctx, Path(unit): Path<i64>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    readable_unit(&tree, actor, unit)?;
    let data = data(&state, actor).await?;
    let tr = &ctx.tr;
    let f = service::figures(&data, actor, unit);
    let parent = tree
        .get(unit)
        .and_then(|u| u.parent_id)
        .filter(|p| actor.can_read_status(&tree.ancestry(*p)))
        .and_then(|p| tree.get(p))
        .map(|p| (p.id, p.name.clone()));
    let silent = f
        .silent
        .iter()
        .map(|s| (s.name.clone(), format!("/followup/units/{unit}/items?owner={}", s.person_id)))
        .collect();
    let plans = f
        .plans
        .iter()
        .map(|p| PlanRow {
            unit_name: p.unit_name.clone(),
            link: p.plan.as_ref().filter(|_| p.readable).map(|pl| (pl.id, pl.title.clone())),
            status: p.plan.as_ref().map_or_else(|| tr.t("dashboard-no-unit-plan"), |pl| tr.t(pl.status().label_key())),
        })
        .collect();
    let letters = f
        .letters
        .iter()
        .map(|l| LetterRow { unit_name: l.unit_name.clone(), version: l.latest, issued_at: l.issued_at })
        .collect();
    let children = tree
        .children(Some(unit))
        .iter()
        .filter(|c| tree.get(**c).is_some_and(|u| u.is_valid_on(data.today)))
        .map(|c| figure_row(tr, &service::figures(&data, actor, *c)))
        .collect();
    let t = UnitTemplate {
        p: ctx.page(tr.t1("dashboard-unit-title", "unit", &f.name), "dashboard"),
        row: figure_row(tr, &f),
        parent,
        year: data.year,
        silent,
        dialogues: f.dialogues.iter().map(|d| dialogue_row(tr, d)).collect(),
        plans,
        letters,
        children,
        statuses: Status::ALL.iter().map(|s| StatusView::of(tr, *s)).collect(),
        sees_areas: readable_root(&tree, actor).is_some(),
    };
    Ok(Html(t.render()?).into_response())
}

#[derive(Template)]
#[template(path = "dashboard/areas.html")]
struct AreasTemplate {
    p: Page,
    /// The municipality's row alone (a list, so the table partial takes it like the others).
    total: Vec<FigureRow>,
    rows: Vec<FigureRow>,
    statuses: Vec<StatusView>,
    year: i64,
}

/// The overview per service area: the municipality's figures and those of every unit directly
/// under it, for those who read the whole municipality (403 for the others).
pub(crate) async fn areas_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let root = readable_root(&tree, actor).ok_or(AppError::Forbidden)?;
    let data = data(&state, actor).await?;
    let tr = &ctx.tr;
    let rows = service::areas(&tree)
        .into_iter()
        .filter(|a| tree.get(*a).is_some_and(|u| u.is_valid_on(data.today)))
        .map(|a| figure_row(tr, &service::figures(&data, actor, a)))
        .collect();
    let t = AreasTemplate {
        p: ctx.page(tr.t("dashboard-areas-title"), "areas"),
        total: vec![figure_row(tr, &service::figures(&data, actor, root))],
        rows,
        statuses: Status::ALL.iter().map(|s| StatusView::of(tr, *s)).collect(),
        year: data.year,
    };
    Ok(Html(t.render()?).into_response())
}
