//! The letters of a year: one row per unit the caller may read (every unit for the management
//! staff, the units led for a leader), with version, issue date, receipt and frame; CSV and XLSX.

use super::*;

/// One unit's row in the list.
pub(crate) struct LetterRow {
    pub(crate) unit_id: i64,
    pub(crate) unit_name: String,
    pub(crate) letter: Option<Letter>,
    pub(crate) frame: String,
}

#[derive(Template)]
#[template(path = "letters/index.html")]
pub(crate) struct IndexTemplate {
    pub(crate) p: Page,
    pub(crate) year: i64,
    pub(crate) years: Vec<i64>,
    pub(crate) rows: Vec<LetterRow>,
    pub(crate) can_manage: bool,
    pub(crate) issued: usize,
    pub(crate) acknowledged: usize,
    pub(crate) errors: FieldErrors,
}

/// The rows of `year` the caller may read: the units that get a letter, in the organisation's
/// order, and units no longer active that had one that year.
pub(crate) async fn rows_of_year(state: &AppState, ctx: &Ctx, year: i64) -> AppResult<Vec<LetterRow>> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    let mut letters = state.db.letters_of_year(mid, year).await?;
    let mut units = letter_units(&tree, Utc::now().date_naive());
    for l in &letters {
        if !units.contains(&l.unit_id) {
            units.push(l.unit_id);
        }
    }
    let mut rows = Vec::new();
    for unit in units {
        if !actor.can_read_letter(&tree.ancestry(unit)) {
            continue;
        }
        let letter = letters.iter().position(|l| l.unit_id == unit).map(|i| letters.swap_remove(i));
        rows.push(LetterRow {
            unit_id: unit,
            unit_name: tree.name(unit),
            frame: amount(&ctx.tr, letter.as_ref().and_then(Letter::frame)),
            letter,
        });
    }
    Ok(rows)
}

/// The years to pick from: every year with letters, this year and next.
pub(crate) async fn year_choices(state: &AppState, mid: i64) -> AppResult<Vec<i64>> {
    let mut years = state.db.letter_years(mid).await?;
    for y in [this_year(), this_year() + 1] {
        if !years.contains(&y) {
            years.push(y);
        }
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    Ok(years)
}

pub(crate) async fn render_index(state: &AppState, ctx: &Ctx, year: i64, errors: FieldErrors) -> AppResult<String> {
    let actor = ctx.actor()?;
    if !sees_letters(actor) {
        return Err(AppError::Forbidden);
    }
    let rows = rows_of_year(state, ctx, year).await?;
    let t = IndexTemplate {
        p: ctx.page(ctx.tr.t1("letters-title-year", "year", year), "letters"),
        years: year_choices(state, actor.municipality_id).await?,
        issued: rows.iter().filter(|r| r.letter.as_ref().is_some_and(|l| l.latest > 0)).count(),
        acknowledged: rows.iter().filter(|r| r.letter.as_ref().is_some_and(|l| l.acknowledged_at.is_some())).count(),
        can_manage: actor.can_manage_letters(),
        year,
        rows,
        errors,
    };
    Ok(t.render()?)
}

/// The year's letters (`?year=`, by default this year).
pub(crate) async fn index(State(state): State<AppState>, ctx: Ctx, Query(q): Query<YearQuery>) -> AppResult<Response> {
    let year = parse_year(q.year.as_deref(), this_year())?;
    Ok(Html(render_index(&state, &ctx, year, FieldErrors::default()).await?).into_response())
}

async fn export_table(
    state: &AppState,
    ctx: &Ctx,
    q: &YearQuery,
) -> AppResult<(String, Vec<String>, Vec<Vec<rodtrad_export::Cell>>)> {
    use rodtrad_export::Cell;
    if !sees_letters(ctx.actor()?) {
        return Err(AppError::Forbidden);
    }
    let year = parse_year(q.year.as_deref(), this_year())?;
    let rows = rows_of_year(state, ctx, year).await?;
    let tr = &ctx.tr;
    let header: Vec<String> = [
        "letters-col-unit",
        "letters-col-year",
        "letters-col-version",
        "letters-col-issued",
        "letters-col-acknowledged",
        "letters-col-acknowledged-by",
        "letters-col-frame",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let table = rows
        .iter()
        .map(|r| {
            let l = r.letter.as_ref();
            vec![
                Cell::text(r.unit_name.clone()),
                Cell::number(year as f64),
                Cell::number(l.map_or(0, |l| l.latest) as f64),
                Cell::text(l.and_then(|l| l.issued_at).map(|t| t.to_rfc3339()).unwrap_or_default()),
                Cell::text(l.and_then(|l| l.acknowledged_at).map(|t| t.to_rfc3339()).unwrap_or_default()),
                Cell::text(l.and_then(|l| l.acknowledged_by.clone()).unwrap_or_default()),
                match l.and_then(Letter::frame).and_then(|f| f.to_string().parse::<f64>().ok()) {
                    Some(f) => Cell::number(f),
                    None => Cell::text(""),
                },
            ]
        })
        .collect();
    Ok((tr.t1("letters-title-year", "year", year), header, table))
}

/// The year's list as CSV or XLSX.
pub(crate) async fn export<F: Format>(state: State<AppState>, ctx: Ctx, q: Query<YearQuery>) -> AppResult<Response> {
    let (title, header, rows) = export_table(&state, &ctx, &q).await?;
    table_download(F::FORMAT, TableNames::titled(&title, &ctx.tr.t("letters-sheet")), &header, &rows)
}
