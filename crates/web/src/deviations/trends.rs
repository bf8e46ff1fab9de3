//! The trends of a year's deviations: each unit with everything under it, incidents per category
//! and per month, ideas and the still open ones. Counts only, so restricted deviations count too.

use super::*;
use rodtrad_service::deviations::TrendRow;

/// A row as the page shows it.
pub(crate) struct TrendView {
    pub(crate) name: String,
    pub(crate) depth: usize,
    pub(crate) categories: Vec<u32>,
    pub(crate) months: Vec<u32>,
    pub(crate) incidents: u32,
    pub(crate) ideas: u32,
    pub(crate) open: u32,
}

fn view(r: &TrendRow) -> TrendView {
    TrendView {
        name: r.name.clone(),
        depth: r.depth,
        categories: Category::ALL.iter().map(|c| r.by_category.get(c.code()).copied().unwrap_or(0)).collect(),
        months: r.by_month.to_vec(),
        incidents: r.by_month.iter().sum(),
        ideas: r.ideas,
        open: r.open,
    }
}

#[derive(Template)]
#[template(path = "deviations/trends.html")]
pub(crate) struct TrendsTemplate {
    p: Page,
    year: i32,
    years: Vec<Choice>,
    categories: Vec<String>,
    months: Vec<String>,
    rows: Vec<TrendView>,
    errors: FieldErrors,
}

/// `?year=`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct YearQuery {
    year: Option<String>,
}

impl YearQuery {
    fn year(&self) -> i32 {
        ListQuery { year: self.year.clone(), ..ListQuery::default() }.year()
    }
}

pub(crate) async fn trends_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let year = q.year();
    let rows = service::year_trends(&state.db, actor, year).await?;
    let t = TrendsTemplate {
        p: ctx.page(tr.t1("deviation-trends-title", "year", year), "deviations"),
        year,
        years: year_choices(),
        categories: Category::ALL.iter().map(|c| tr.t(c.label_key())).collect(),
        months: rodtrad_service::reports::MONTH_KEYS.iter().map(|k| tr.t(k)).collect(),
        rows: rows.iter().map(view).collect(),
        errors: FieldErrors::default(),
    };
    Ok(Html(t.render()?).into_response())
}

/// The trends as CSV or XLSX: one row per unit, the categories, the months, ideas and open.
pub(crate) async fn trends_export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    use rodtrad_export::Cell;
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let year = q.year();
    let rows = service::year_trends(&state.db, actor, year).await?;
    let mut head = vec![tr.t("deviation-col-unit")];
    head.extend(Category::ALL.iter().map(|c| tr.t(c.label_key())));
    head.extend(rodtrad_service::reports::MONTH_KEYS.iter().map(|k| tr.t(k)));
    head.extend(
        ["deviation-trends-incidents", "deviation-trends-ideas", "deviation-trends-open"].iter().map(|k| tr.t(k)),
    );
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let v = view(r);
            let mut row = vec![Cell::text(format!("{}{}", "  ".repeat(v.depth), v.name))];
            row.extend(v.categories.iter().chain(v.months.iter()).map(|n| Cell::number(f64::from(*n))));
            row.extend([v.incidents, v.ideas, v.open].iter().map(|n| Cell::number(f64::from(*n))));
            row
        })
        .collect();
    let title = tr.t1("deviation-trends-title", "year", year);
    crate::export::table_download(
        F::FORMAT,
        crate::export::TableNames::titled(&title, &tr.t("deviation-trends-sheet")),
        &head,
        &cells,
    )
}
