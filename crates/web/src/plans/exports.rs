//! A plan's goal structure as CSV and XLSX.

use super::*;

/// The plan's goal structure as a table: outline number, level, text, inheritance, owner,
/// responsible, deadline, status, SDG targets.
pub(crate) async fn export_table(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> AppResult<(Plan, Vec<String>, Vec<Vec<String>>)> {
    let mid = ctx.actor()?.municipality_id;
    let (plan, view) = readable_plan(state, ctx, id).await?;
    let (elements, links) = readable_elements(state, mid, &plan, view).await?;
    let labels = Labels::load(state, mid).await?;
    let rows = element_rows(ctx, &labels, elements, &links);
    let header = [
        "export-number",
        "element-kind",
        "element-text",
        "element-source",
        "element-owner",
        "element-responsible",
        "element-deadline",
        "element-status",
        "element-sdg-targets",
        "element-sdg-adapted",
    ]
    .iter()
    .map(|k| ctx.tr.t(k))
    .collect();
    let mut counters: Vec<usize> = Vec::new();
    let table = rows
        .into_iter()
        .map(|r| {
            counters.truncate(r.depth + 1);
            while counters.len() <= r.depth {
                counters.push(0);
            }
            counters[r.depth] += 1;
            let number = counters.iter().map(usize::to_string).collect::<Vec<_>>().join(".");
            let targets = |adapted: bool| {
                r.sdg.iter().filter(|l| l.adapted == adapted).map(|l| l.target.clone()).collect::<Vec<_>>().join(", ")
            };
            let e = &r.element;
            vec![
                number,
                r.kind_label.clone(),
                e.text.clone(),
                e.source_plan_title.clone().unwrap_or_default(),
                e.owner_unit_name.clone().unwrap_or_default(),
                e.responsible_name.clone().unwrap_or_default(),
                e.deadline.map(|d| d.to_string()).unwrap_or_default(),
                r.status_label.clone().unwrap_or_default(),
                targets(false),
                targets(true),
            ]
        })
        .collect();
    Ok((plan, header, table))
}

/// The plan's goal structure as CSV or XLSX.
pub(crate) async fn export<F: Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (plan, header, rows) = export_table(&state, &ctx, id).await?;
    let title = format!("{} ({}–{})", plan.title, plan.start_year, plan.end_year);
    let names = TableNames { file: &plan.title, sheet: &plan.title, title: &title };
    table_download(F::FORMAT, names, &header, &rows)
}
