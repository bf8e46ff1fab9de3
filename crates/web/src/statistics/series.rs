//! A series compared with peers, county and country: the page with its chart and table, the CSV, XLSX and JSON-stat exports, and its SDG links.

use super::*;

// ---------------------------------------------------------------- comparison

/// Breaks in a comparison row's series, as `(period index, description)`: mergers and splits
/// (renumberings carry on the series and are listed as notes).
pub(crate) fn breaks_in(tr: &crate::i18n::Tr, row: &CompareRow) -> Vec<(usize, String)> {
    row.points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let change = p.as_ref()?.change.as_ref()?;
            let text = match change {
                RegionChange::Merged { from } => tr.t1(
                    "stat-break-merged",
                    "regions",
                    from.iter().map(|(c, n)| format!("{c} {n}")).collect::<Vec<_>>().join(", "),
                ),
                RegionChange::Split { from } => tr.t1("stat-break-split", "region", format!("{} {}", from.0, from.1)),
                RegionChange::Renumbered { .. } => return None,
            };
            Some((i, text))
        })
        .collect()
}

/// The comparison of a series for the caller's municipality.
pub(crate) async fn comparison(
    state: &AppState,
    ctx: &Ctx,
    series_id: i64,
    group_id: Option<i64>,
) -> AppResult<Comparison> {
    let mid = reader(ctx)?.municipality_id;
    Ok(rodtrad_service::statistics::comparison(&state.db, mid, series_id, group_id).await?)
}

pub(crate) async fn home_code(state: &AppState, municipality_id: i64) -> AppResult<String> {
    Ok(rodtrad_service::statistics::home_code(&state.db, municipality_id).await?)
}

#[derive(Deserialize, Default)]
pub(crate) struct CompareQuery {
    #[serde(default)]
    pub(crate) group: String,
}

impl CompareQuery {
    pub(crate) fn group(&self) -> AppResult<Option<i64>> {
        Ok(crate::forms::optional_id(&self.group)?)
    }
}

#[derive(Template)]
#[template(path = "statistics/series.html")]
pub(crate) struct SeriesTemplate {
    pub(crate) p: Page,
    pub(crate) c: Comparison,
    pub(crate) chart: Svg,
    pub(crate) table_rows: Vec<(String, &'static str, Vec<String>)>,
    pub(crate) notes: Vec<String>,
    pub(crate) groups: Vec<Choice>,
    pub(crate) group_value: String,
    pub(crate) query: String,
    pub(crate) goals: Vec<(i64, String, bool)>,
    pub(crate) can_manage: bool,
    pub(crate) indicators: Vec<(i64, String)>,
}

pub(crate) async fn series_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let mid = actor.municipality_id;
    let c = comparison(&state, &ctx, id, q.group()?).await?;
    let home_row = &c.rows[0];
    let breaks = breaks_in(&ctx.tr, home_row);
    let chart = LineChart {
        title: format!("{} – {}", c.series.label, c.series.table_label),
        description: ctx.tr.t1(
            "stat-chart-desc",
            "regions",
            c.rows.iter().map(|r| r.label.clone()).collect::<Vec<_>>().join(", "),
        ),
        periods: c.periods.clone(),
        series: c
            .rows
            .iter()
            .map(|r| ChartSeries {
                label: r.label.clone(),
                values: r.points.iter().map(|p| p.as_ref().and_then(|p| p.value)).collect(),
                emphasis: r.kind == "home",
            })
            .collect(),
        breaks: breaks.iter().map(|(i, _)| (*i, ctx.tr.t("stat-break"))).collect(),
        unit: c.series.unit.clone().unwrap_or_default(),
    };
    let table_rows = c
        .rows
        .iter()
        .map(|r| {
            let cells = r
                .points
                .iter()
                .map(|p| {
                    let Some(p) = p else { return String::new() };
                    let mark = if p.change.as_ref().is_some_and(RegionChange::is_break) { " †" } else { "" };
                    format!("{}{mark}", show(p.value, p.status.as_deref(), c.series.decimals))
                })
                .collect();
            (r.label.clone(), r.kind, cells)
        })
        .collect();
    let mut notes = Vec::new();
    for row in &c.rows {
        for (i, text) in breaks_in(&ctx.tr, row) {
            notes.push(format!("† {} {}: {text}", row.label, c.periods[i]));
        }
        for (period, from, to) in row.renumberings() {
            notes.push(ctx.tr.t1("stat-renumbered", "change", format!("{} {period}: {from} → {to}", row.label)));
        }
    }
    let groups = state
        .db
        .peer_groups(mid)
        .await?
        .into_iter()
        .map(|(g, _)| Choice { value: g.id.to_string(), label: g.name })
        .collect();
    let linked: BTreeSet<i64> =
        state.db.stat_series_goals(mid).await?.into_iter().filter(|(s, _)| *s == id).map(|(_, g)| g).collect();
    let goals = sdg::goals()
        .into_iter()
        .map(|g| {
            let name = ctx.tr.catalogue(&g.short_nb, &g.short_en).to_owned();
            (g.goal, name, linked.contains(&g.goal))
        })
        .collect();
    let indicators = state
        .db
        .indicator_sources(mid)
        .await?
        .into_iter()
        .filter(|s| s.series_id == id)
        .map(|s| s.element_id)
        .collect::<Vec<_>>();
    let mut indicator_rows = Vec::new();
    for e in indicators {
        // Only indicators of plans the caller may read, as they may read them.
        if let Ok((el, _, _)) = crate::plans::readable_element(&state, &ctx, e).await {
            indicator_rows.push((el.id, el.text));
        }
    }
    let group_value = c.group.as_ref().map(|g| g.id.to_string()).unwrap_or_default();
    let query = if group_value.is_empty() { String::new() } else { format!("?group={group_value}") };
    let t = SeriesTemplate {
        p: ctx.page(format!("{} – {}", c.series.label, c.series.table_label), "statistics"),
        chart: Svg(chart.to_svg("chart")),
        table_rows,
        notes,
        groups,
        group_value,
        query,
        goals,
        can_manage: actor.can_manage_statistics(),
        indicators: indicator_rows,
        c,
    };
    Ok(Html(t.render()?).into_response())
}

/// The comparison as rows: region code, region, kind, period, value, status, code used, break.
/// The value is a number cell, so a negative value stays a number in the CSV; all else is text.
pub(crate) fn export_rows(tr: &crate::i18n::Tr, c: &Comparison) -> (Vec<String>, Vec<Vec<Cell>>) {
    let header = [
        "stat-col-code",
        "stat-col-region",
        "stat-col-kind",
        "stat-col-period",
        "stat-col-value",
        "stat-col-status",
        "stat-col-code-used",
        "stat-col-break",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let mut rows = Vec::new();
    for r in &c.rows {
        let breaks: BTreeMap<usize, String> = breaks_in(tr, r).into_iter().collect();
        for (i, p) in r.points.iter().enumerate() {
            let Some(p) = p else { continue };
            rows.push(vec![
                Cell::text(r.code.clone()),
                Cell::text(r.label.clone()),
                Cell::text(tr.t(code_key("kind", r.kind))),
                Cell::text(p.period.clone()),
                p.value.map(Cell::number).unwrap_or_else(|| Cell::text("")),
                Cell::text(p.status.clone().unwrap_or_default()),
                Cell::text(p.code.clone().unwrap_or_default()),
                Cell::text(breaks.get(&i).cloned().unwrap_or_default()),
            ]);
        }
    }
    (header, rows)
}

/// The comparison as one row per region and period, as CSV or as an XLSX sheet.
pub(crate) async fn compare_table<F: Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    let c = comparison(&state, &ctx, id, q.group()?).await?;
    let (header, rows) = export_rows(&ctx.tr, &c);
    let title = format!("{} – {} ({})", c.series.label, c.series.table_label, c.series.source_key);
    let names = TableNames { file: &c.series.label, sheet: &c.series.source_key, title: &title };
    table_download(F::FORMAT, names, &header, &rows)
}

/// The comparison as a JSON-stat 2.0 dataset: region × period, harmonised to today's codes.
pub(crate) async fn compare_jsonstat(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    let c = comparison(&state, &ctx, id, q.group()?).await?;
    let regions_dim = jsonstat::Dimension {
        id: "Region".into(),
        label: Some(ctx.tr.t("stat-col-region")),
        note: Vec::new(),
        categories: c.rows.iter().map(|r| jsonstat::Category::new(r.code.clone(), r.label.clone())).collect(),
        extension: None,
    };
    let time_dim = jsonstat::Dimension {
        id: "Tid".into(),
        label: Some(ctx.tr.t("stat-col-period")),
        note: Vec::new(),
        categories: c.periods.iter().map(|p| jsonstat::Category::new(p.clone(), p.clone())).collect(),
        extension: None,
    };
    let mut values = Vec::new();
    let mut statuses = Vec::new();
    for r in &c.rows {
        for p in &r.points {
            if let Some(s) = p.as_ref().and_then(|p| p.status.clone()) {
                statuses.push((values.len(), s));
            }
            values.push(p.as_ref().and_then(|p| p.value));
        }
    }
    let mut dataset = jsonstat::Dataset::new(
        Some(format!("{} – {}", c.series.label, c.series.table_label)),
        vec![regions_dim, time_dim],
        values,
        statuses,
    )
    .map_err(AppError::internal)?;
    dataset.source = c.series.source.clone();
    dataset.id = Some(c.series.source_key.clone());
    dataset.role = jsonstat::Roles { time: vec!["Tid".into()], geo: vec!["Region".into()], metric: Vec::new() };
    let mut bytes = Vec::new();
    jsonstat::write_dataset(&mut bytes, &dataset).map_err(AppError::internal)?;
    Ok(download(bytes, "application/json", &c.series.label, "json"))
}

/// The SDG goals ticked for a series: repeated `goal` fields.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct GoalsForm {
    #[serde(rename = "goal")]
    pub(crate) goals: Vec<String>,
}

pub(crate) async fn set_goals(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum_extra::extract::Form(form): axum_extra::extract::Form<GoalsForm>,
) -> AppResult<Response> {
    manager(&ctx)?;
    let goals = form
        .goals
        .iter()
        .map(|v| {
            v.trim().parse::<i64>().map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-sdg-goal-unknown")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    state.db.stat_series_set_goals(&ctx.author()?, id, &goals).await?;
    Ok(Redirect::to(&format!("/statistics/series/{id}#goals")).into_response())
}
