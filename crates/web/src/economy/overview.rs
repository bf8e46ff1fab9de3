//! «Økonomi»: the roll-up of budget, actuals to date, forecast and deviation. Those who read the
//! whole municipality (the staff, the auditor, the chief executive, politicians) get the municipality
//! and every service area with its units; a director or unit manager gets the units of their scope.
//! Every unit a reader may open links to its page (the drill-down); CSV and XLSX of the same rows.

use super::*;

/// A group: a unit at the top of the reader's view and the units directly below it.
pub(crate) struct Group {
    pub(crate) head: FigureRow,
    pub(crate) rows: Vec<FigureRow>,
}

#[derive(Template)]
#[template(path = "economy/overview.html")]
pub(crate) struct OverviewTemplate {
    pub(crate) p: Page,
    pub(crate) year: i32,
    pub(crate) month: u32,
    pub(crate) years: Vec<i32>,
    pub(crate) months: Vec<(u32, String)>,
    pub(crate) total: Option<FigureRow>,
    pub(crate) groups: Vec<Group>,
    pub(crate) thresholds: String,
    pub(crate) query: String,
    pub(crate) manages: bool,
}

/// The roll-up as the reader may see it: the municipality's total (for whole-municipality readers)
/// and the groups.
pub(crate) async fn rows(
    state: &AppState,
    ctx: &Ctx,
    q: &PeriodQuery,
) -> AppResult<(Overview, Option<FigureRow>, Vec<Group>)> {
    let actor = ctx.actor()?;
    if !sees_economy(actor) {
        return Err(AppError::Forbidden);
    }
    let tree = state.org_tree(actor.municipality_id).await?;
    let (year, month) = q.resolve();
    let o = service::overview(&state.db, &tree, actor.municipality_id, year, month).await?;
    let tr = &ctx.tr;
    let today = chrono::Utc::now().date_naive();
    let valid = |id: &i64| tree.get(*id).is_some_and(|u| u.is_valid_on(today) || o.has_figures(*id));
    let link = |id: i64| {
        actor.can_read_economy(&tree.ancestry(id)).then(|| format!("/economy/units/{id}?{}", query(year, month)))
    };
    let row = |id: i64| {
        let name = tree.name(id);
        figure_row(tr, &o, id, name, link(id), o.of(id))
    };
    let group = |id: i64| Group {
        head: row(id),
        rows: tree.children(Some(id)).iter().filter(|c| valid(c)).map(|c| row(*c)).collect(),
    };
    let roots: Vec<i64> = tree.children(None).to_vec();
    let whole = roots.iter().any(|r| actor.can_read_economy_rollup(&tree.ancestry(*r)));
    let (total, tops): (Option<FigureRow>, Vec<i64>) = if whole {
        let total = roots.first().map(|r| row(*r));
        let areas = roots.iter().flat_map(|r| tree.children(Some(*r)).iter().copied()).filter(|a| valid(a)).collect();
        (total, areas)
    } else {
        let tops = tree
            .units()
            .iter()
            .map(|u| u.id)
            .filter(|id| valid(id) && actor.can_read_economy(&tree.ancestry(*id)))
            .filter(|id| {
                tree.get(*id).and_then(|u| u.parent_id).is_none_or(|p| !actor.can_read_economy(&tree.ancestry(p)))
            })
            .collect();
        (None, tops)
    };
    let groups = tops.into_iter().map(group).collect();
    Ok((o, total, groups))
}

pub(crate) fn query(year: i32, month: u32) -> String {
    format!("year={year}&month={month}")
}

/// The overview page.
pub(crate) async fn overview_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (o, total, groups) = rows(&state, &ctx, &q).await?;
    let tr = &ctx.tr;
    let this = chrono::Utc::now().date_naive().year();
    let t = OverviewTemplate {
        p: ctx.page(tr.t1("economy-title", "year", o.year), "economy"),
        year: o.year,
        month: o.month,
        years: (this - 2..=this + 1).collect(),
        months: months(tr),
        total,
        groups,
        thresholds: thresholds_text(tr, &o.thresholds),
        query: query(o.year, o.month),
        manages: ctx.actor()?.can_manage_economy(),
    };
    Ok(Html(t.render()?).into_response())
}

/// The export's table in the reader's language: one line per unit shown, amounts exact.
async fn table(
    state: &AppState,
    ctx: &Ctx,
    q: &PeriodQuery,
) -> AppResult<(String, Vec<String>, Vec<Vec<rodtrad_export::Cell>>)> {
    use rodtrad_export::Cell;
    let (o, total, groups) = rows(state, ctx, q).await?;
    let tr = &ctx.tr;
    let header = [
        "economy-col-group",
        "economy-col-unit",
        "economy-col-budget",
        "economy-col-actual",
        "economy-col-forecast",
        "economy-col-deviation",
        "economy-col-deviation-percent",
        "economy-col-flag",
        "economy-col-without-forecast",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let line = |group: &str, r: &FigureRow| {
        let d = r.raw.deviation(&o.thresholds);
        vec![
            Cell::text(group.to_owned()),
            Cell::text(r.name.clone()),
            Cell::exact(&r.raw.budget.to_string()),
            Cell::exact(&r.raw.actual.to_string()),
            Cell::exact(&r.raw.forecast.to_string()),
            Cell::exact(&d.amount.to_string()),
            d.percent.map(|p| Cell::exact(&p.to_string())).unwrap_or_else(|| Cell::text("")),
            Cell::text(if d.flagged { r.deviation.label.clone() } else { String::new() }),
            Cell::exact(&r.raw.without_forecast.to_string()),
        ]
    };
    let mut out = Vec::new();
    if let Some(t) = &total {
        out.push(line("", t));
    }
    for g in &groups {
        out.push(line(&g.head.name, &g.head));
        for r in &g.rows {
            out.push(line(&g.head.name, r));
        }
    }
    let title = format!("{} {}-{:02}", tr.t1("economy-title", "year", o.year), o.year, o.month);
    Ok((title, header, out))
}

/// The overview as CSV or XLSX.
pub(crate) async fn export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (title, header, rows) = table(&state, &ctx, &q).await?;
    let sheet = ctx.tr.t("economy-sheet");
    crate::export::table_download(F::FORMAT, crate::export::TableNames::titled(&title, &sheet), &header, &rows)
}
