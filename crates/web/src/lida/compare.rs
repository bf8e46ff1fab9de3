//! Two scenarios side by side (*sammenlign*): per year each one's investment and operating needs
//! and the difference B − A, with a chart of both totals, as CSV/XLSX. Without a choice the
//! first two scenarios of the list are compared.

use super::*;
use rodtrad_export::chart::{ChartSeries, LineChart};
use rodtrad_service::lida::{CompareYear, Computed, compare};

#[derive(Deserialize, Default)]
pub(crate) struct CompareQuery {
    pub(crate) a: Option<String>,
    pub(crate) b: Option<String>,
}

/// A year as the page shows it.
pub(crate) struct CompareRow {
    pub(crate) year: i32,
    pub(crate) a_investment: String,
    pub(crate) a_operating: String,
    pub(crate) b_investment: String,
    pub(crate) b_operating: String,
    pub(crate) difference: String,
}

#[derive(Template)]
#[template(path = "lida/compare.html")]
pub(crate) struct CompareTemplate {
    pub(crate) p: Page,
    pub(crate) choices: Vec<Choice>,
    pub(crate) a: String,
    pub(crate) b: String,
    pub(crate) names: Option<(String, String)>,
    pub(crate) rows: Vec<CompareRow>,
    pub(crate) sums: Option<CompareRow>,
    pub(crate) chart: String,
    pub(crate) query: String,
}

/// The scenarios chosen (or the first two), computed, and the comparison.
async fn compared(
    state: &AppState,
    ctx: &Ctx,
    q: &CompareQuery,
) -> AppResult<(Vec<Choice>, Option<(Computed, Computed, Vec<CompareYear>)>)> {
    let actor = reader(ctx)?;
    let list = state.db.lida_scenarios(actor.municipality_id).await?;
    let choices: Vec<Choice> = list.iter().map(|s| Choice { value: s.id.to_string(), label: s.name.clone() }).collect();
    let pick = |given: &Option<String>, fallback: usize| {
        given
            .as_deref()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .or_else(|| list.get(fallback).or(list.first()).map(|s| s.id))
    };
    let (Some(a), Some(b)) = (pick(&q.a, 0), pick(&q.b, 1)) else { return Ok((choices, None)) };
    let ca = load(state, ctx, a).await?;
    let cb = load(state, ctx, b).await?;
    let years = compare(&ca.analysis, &cb.analysis);
    Ok((choices, Some((ca, cb, years))))
}

fn cell(v: Option<Decimal>) -> String {
    v.map(money).unwrap_or_else(|| "–".into())
}

/// The compare page.
pub(crate) async fn compare_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    let (choices, found) = compared(&state, &ctx, &q).await?;
    let tr = &ctx.tr;
    let mut t = CompareTemplate {
        p: ctx.page(tr.t("lida-compare-title"), "economy"),
        choices,
        a: String::new(),
        b: String::new(),
        names: None,
        rows: Vec::new(),
        sums: None,
        chart: String::new(),
        query: String::new(),
    };
    if let Some((ca, cb, years)) = found {
        t.a = ca.scenario.info.id.to_string();
        t.b = cb.scenario.info.id.to_string();
        t.query = format!("a={}&b={}", t.a, t.b);
        t.rows = years
            .iter()
            .map(|y| CompareRow {
                year: y.year,
                a_investment: cell(y.a.map(|v| v.0)),
                a_operating: cell(y.a.map(|v| v.1)),
                b_investment: cell(y.b.map(|v| v.0)),
                b_operating: cell(y.b.map(|v| v.1)),
                difference: money(y.difference().2),
            })
            .collect();
        let (a, b) = (&ca.analysis, &cb.analysis);
        t.sums = Some(CompareRow {
            year: 0,
            a_investment: money(a.investment),
            a_operating: money(a.operating),
            b_investment: money(b.investment),
            b_operating: money(b.operating),
            difference: money((b.investment + b.operating) - (a.investment + a.operating)),
        });
        let series =
            |label: String, pick: fn(&CompareYear) -> Option<(Decimal, Decimal)>, emphasis: bool| ChartSeries {
                label,
                values: years.iter().map(|y| pick(y).and_then(|(i, o)| super::millions(i + o))).collect(),
                emphasis,
            };
        t.chart = LineChart {
            title: tr.t("lida-compare-chart-title"),
            description: tr.t("lida-compare-chart-desc"),
            periods: years.iter().map(|y| y.year.to_string()).collect(),
            series: vec![
                series(format!("A: {}", ca.scenario.info.name), |y| y.a, true),
                series(format!("B: {}", cb.scenario.info.name), |y| y.b, false),
            ],
            breaks: Vec::new(),
            unit: tr.t("lida-chart-unit"),
        }
        .to_svg("lida-compare-chart");
        t.names = Some((ca.scenario.info.name, cb.scenario.info.name));
    }
    Ok(Html(t.render()?).into_response())
}

/// The comparison as CSV or XLSX, amounts exact.
pub(crate) async fn compare_export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    use rodtrad_export::Cell;
    let (_, found) = compared(&state, &ctx, &q).await?;
    let tr = &ctx.tr;
    let header: Vec<String> = [
        "lida-col-year",
        "lida-col-investment-a",
        "lida-col-operating-a",
        "lida-col-investment-b",
        "lida-col-operating-b",
        "lida-col-difference",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let opt = |v: Option<Decimal>| v.map(|d| Cell::exact(&d.to_string())).unwrap_or_else(|| Cell::text(""));
    let rows: Vec<Vec<Cell>> = found
        .as_ref()
        .map(|(_, _, years)| {
            years
                .iter()
                .map(|y| {
                    vec![
                        Cell::exact(&y.year.to_string()),
                        opt(y.a.map(|v| v.0)),
                        opt(y.a.map(|v| v.1)),
                        opt(y.b.map(|v| v.0)),
                        opt(y.b.map(|v| v.1)),
                        Cell::exact(&y.difference().2.to_string()),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    let title = tr.t("lida-compare-title");
    let sheet = tr.t("lida-sheet");
    crate::export::table_download(F::FORMAT, crate::export::TableNames::titled(&title, &sheet), &header, &rows)
}
