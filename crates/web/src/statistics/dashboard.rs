//! The SDG statistics dashboard: series and indicators per goal with trend and position among peers.

use super::*;

// ---------------------------------------------------------------- SDG dashboard

/// One line of the dashboard: a statistics series or an indicator.
#[derive(Clone)]
pub struct DashboardLine {
    /// Name.
    pub label: String,
    /// Link to its page.
    pub href: String,
    /// Latest period and figure.
    pub latest: String,
    /// Trend as text.
    pub trend: String,
    /// Trend as a small chart.
    pub spark: Svg,
    /// Position among peers, e.g. "2 av 6".
    pub position: String,
    /// Where the figures come from.
    pub source: String,
}

#[derive(Template)]
#[template(path = "statistics/sdg.html")]
pub(crate) struct DashboardTemplate {
    pub(crate) p: Page,
    pub(crate) goals: Vec<(crate::sdg::GoalView, Vec<DashboardLine>)>,
    pub(crate) year: i32,
    pub(crate) groups: Vec<Choice>,
    pub(crate) group_value: String,
}

pub(crate) fn trend_text(tr: &crate::i18n::Tr, known: &[(String, f64)], decimals: Option<i64>) -> String {
    match (known.first(), known.last()) {
        (Some(first), Some(last)) if known.len() > 1 => {
            let key = if last.1 > first.1 {
                "stat-trend-up"
            } else if last.1 < first.1 {
                "stat-trend-down"
            } else {
                "stat-trend-flat"
            };
            let d = decimals.unwrap_or(1).clamp(0, 6) as usize;
            tr.t1(
                key,
                "change",
                format!("{} {} → {} {}", first.0, format_number(first.1, d), last.0, format_number(last.1, d)),
            )
        }
        _ => tr.t("stat-trend-none"),
    }
}

pub(crate) async fn sdg_dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let mid = actor.municipality_id;
    let year = Utc::now().year();
    let priorities = state.db.sdg_priorities(mid, year).await?;
    let series_goals = state.db.stat_series_goals(mid).await?;
    let tree = state.org_tree(mid).await?;
    let data = state.thread_data(mid).await?.visible_to(actor, &tree);
    let group = q.group()?;
    let mut lines_by_goal: BTreeMap<i64, Vec<DashboardLine>> = BTreeMap::new();
    let mut cache: BTreeMap<i64, DashboardLine> = BTreeMap::new();
    for (series_id, goal) in &series_goals {
        if !cache.contains_key(series_id) {
            let c = comparison(&state, &ctx, *series_id, group).await?;
            let home = &c.rows[0];
            let values: Vec<Option<f64>> = home.points.iter().map(|p| p.as_ref().and_then(|p| p.value)).collect();
            let known: Vec<(String, f64)> =
                home.points.iter().flatten().filter_map(|p| Some((p.period.clone(), p.value?))).collect();
            let latest = c.latest();
            let position = match c.peer_rank() {
                Some((rank, of)) => ctx.tr.t1("stat-position", "rank", format!("{rank}/{of}")),
                None => ctx.tr.t("stat-position-none"),
            };
            let last_import = state.db.stat_imports(mid, Some(c.series.table_id), 1).await?.into_iter().next();
            cache.insert(
                *series_id,
                DashboardLine {
                    label: format!("{} – {}", c.series.label, c.series.table_label),
                    href: format!("/statistics/series/{series_id}"),
                    latest: latest
                        .as_ref()
                        .map(|(p, v)| {
                            format!(
                                "{}: {} {}",
                                p,
                                show(Some(*v), None, c.series.decimals),
                                c.series.unit.clone().unwrap_or_default()
                            )
                        })
                        .unwrap_or_default(),
                    trend: trend_text(&ctx.tr, &known, c.series.decimals),
                    spark: Svg(sparkline(&values, &trend_text(&ctx.tr, &known, c.series.decimals))),
                    position,
                    source: format!(
                        "{} {} ({}){}",
                        c.series.source.clone().unwrap_or_default(),
                        c.series.source_key,
                        c.series.table_label,
                        last_import.map(|i| format!(", {}", ctx.tr.date(i.started_at))).unwrap_or_default()
                    ),
                },
            );
        }
        lines_by_goal.entry(*goal).or_default().push(cache[series_id].clone());
    }
    // Indicators in the plans linked to a goal, with their values.
    let mut seen: BTreeSet<(i64, i64)> = BTreeSet::new();
    for link in &data.links {
        let Some(e) = data.elements.get(&link.element_id) else { continue };
        if e.kind() != ElementKind::Indicator || !seen.insert((link.goal, e.id)) {
            continue;
        }
        let values = state.db.indicator_values(mid, e.id).await?;
        let actual: Vec<&rodtrad_store::statistics::IndicatorValue> =
            values.iter().filter(|v| v.kind == "actual").collect();
        let known: Vec<(String, f64)> = actual.iter().filter_map(|v| Some((v.period.clone(), v.value?))).collect();
        let source = actual.last().and_then(|v| v.source_label.clone()).unwrap_or_else(|| ctx.tr.t("stat-source-plan"));
        let trend = trend_text(&ctx.tr, &known, Some(1));
        lines_by_goal.entry(link.goal).or_default().push(DashboardLine {
            label: e.text.clone(),
            href: format!("/elements/{}/statistics", e.id),
            latest: known.last().map(|(p, v)| format!("{p}: {}", format_number(*v, 1))).unwrap_or_default(),
            spark: Svg(sparkline(&actual.iter().map(|v| v.value).collect::<Vec<_>>(), &trend)),
            trend,
            position: String::new(),
            source,
        });
    }
    let mut goals: Vec<(crate::sdg::GoalView, Vec<DashboardLine>)> = sdg::goals()
        .into_iter()
        .filter_map(|g| {
            let lines = lines_by_goal.remove(&g.goal).unwrap_or_default();
            let prioritised = priorities.contains(&g.goal);
            (prioritised || !lines.is_empty()).then(|| {
                let n = lines.len();
                (crate::sdg::view(g, ctx.tr.lang, prioritised, n), lines)
            })
        })
        .collect();
    goals.sort_by_key(|(g, _)| (!g.prioritised, g.goal.goal));
    let groups: Vec<Choice> = state
        .db
        .peer_groups(mid)
        .await?
        .into_iter()
        .map(|(g, _)| Choice { value: g.id.to_string(), label: g.name })
        .collect();
    let group_value =
        group.map(|g| g.to_string()).or_else(|| groups.first().map(|g| g.value.clone())).unwrap_or_default();
    let t =
        DashboardTemplate { p: ctx.page(ctx.tr.t("stat-sdg-title"), "statistics"), goals, year, groups, group_value };
    Ok(Html(t.render()?).into_response())
}
