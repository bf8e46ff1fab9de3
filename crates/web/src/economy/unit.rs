//! A unit's economy: budget, actuals to date, forecast and deviation per line for the unit and
//! everything below it, its units (the drill-down), the forecasts given this year with comments,
//! the forecast form for whoever may forecast for the unit (its leader, those above, delegates, the
//! staff), and the budget form for the management staff. A stale save is 409 with the typed values
//! kept; a bad amount 422.

use super::*;

/// A form line: the line's id, name and the typed value.
pub(crate) struct InputLine {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) value: String,
}

/// A forecast as listed.
pub(crate) struct ForecastRow {
    pub(crate) month: String,
    pub(crate) total: String,
    pub(crate) comment: String,
    pub(crate) by: String,
    pub(crate) at: chrono::DateTime<chrono::Utc>,
}

#[derive(Template)]
#[template(path = "economy/unit.html")]
pub(crate) struct UnitTemplate {
    pub(crate) p: Page,
    pub(crate) unit_id: i64,
    /// The period form's target.
    pub(crate) action: String,
    pub(crate) year: i32,
    pub(crate) month: u32,
    pub(crate) month_name: String,
    pub(crate) years: Vec<i32>,
    pub(crate) months: Vec<(u32, String)>,
    pub(crate) parent: Option<(i64, String)>,
    pub(crate) lines: Vec<FigureRow>,
    pub(crate) total: FigureRow,
    pub(crate) children: Vec<FigureRow>,
    pub(crate) forecasts: Vec<ForecastRow>,
    pub(crate) dialogue: Option<i64>,
    pub(crate) thresholds: String,
    pub(crate) can_forecast: bool,
    pub(crate) forecast_lines: Vec<InputLine>,
    pub(crate) forecast_comment: String,
    pub(crate) forecast_version: i64,
    pub(crate) forecast_errors: FieldErrors,
    pub(crate) can_budget: bool,
    pub(crate) budget_lines: Vec<InputLine>,
    pub(crate) budget_version: i64,
    pub(crate) budget_errors: FieldErrors,
    pub(crate) saved: bool,
    pub(crate) opened: bool,
    pub(crate) query: String,
    /// The form error summary (`form_errors.html`) lists these.
    pub(crate) errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub(crate) struct UnitQuery {
    pub(crate) year: Option<String>,
    pub(crate) month: Option<String>,
    pub(crate) saved: Option<String>,
    pub(crate) opened: Option<String>,
}

/// The page as stored now.
pub(crate) async fn render_unit(state: &AppState, ctx: &Ctx, unit: i64, q: &PeriodQuery) -> AppResult<UnitTemplate> {
    let tree = readable_unit(state, ctx, unit).await?;
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let (year, month) = q.resolve();
    let o = service::overview(&state.db, &tree, mid, year, month).await?;
    let tr = &ctx.tr;
    let today = chrono::Utc::now().date_naive();
    let name = tree.name(unit);
    let qs = super::query(year, month);
    let lines: Vec<FigureRow> = o
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| figure_row(tr, &o, l.id, l.name.clone(), None, o.line_of(unit, i)))
        .collect();
    let total = figure_row(tr, &o, unit, tr.t("economy-total"), None, o.of(unit));
    let children = tree
        .children(Some(unit))
        .iter()
        .filter(|c| tree.get(**c).is_some_and(|u| u.is_valid_on(today)) || o.has_figures(**c))
        .map(|c| {
            let link = actor.can_read_economy(&tree.ancestry(*c)).then(|| format!("/economy/units/{c}?{qs}"));
            figure_row(tr, &o, *c, tree.name(*c), link, o.of(*c))
        })
        .collect();
    let parent = tree
        .get(unit)
        .and_then(|u| u.parent_id)
        .filter(|p| actor.can_read_economy(&tree.ancestry(*p)))
        .and_then(|p| tree.get(p))
        .map(|p| (p.id, p.name.clone()));
    let stored = state.db.economy_forecasts(mid, unit, year).await?;
    let month_names = months(tr);
    let month_name =
        |m: i64| month_names.iter().find(|(n, _)| i64::from(*n) == m).map(|(_, s)| s.clone()).unwrap_or_default();
    let forecasts = stored
        .iter()
        .rev()
        .map(|f| ForecastRow {
            month: month_name(f.month),
            total: money(f.total()),
            comment: f.comment.clone(),
            by: f.updated_by.clone(),
            at: f.updated_at,
        })
        .collect();
    let budget = state.db.economy_budget(mid, unit, year).await?;
    let this_month = stored.iter().find(|f| f.month == i64::from(month));
    let basis = stored.iter().rev().find(|f| f.month <= i64::from(month));
    let amount_of = |amounts: &[(i64, Decimal)], line: i64| amounts.iter().find(|(l, _)| *l == line).map(|(_, a)| *a);
    let forecast_lines = o
        .lines
        .iter()
        .map(|l| InputLine {
            id: l.id,
            name: l.name.clone(),
            value: basis
                .and_then(|f| amount_of(&f.amounts, l.id))
                .or_else(|| amount_of(&budget.amounts, l.id))
                .map(|a| a.to_string())
                .unwrap_or_default(),
        })
        .collect();
    let budget_lines = o
        .lines
        .iter()
        .map(|l| InputLine {
            id: l.id,
            name: l.name.clone(),
            value: amount_of(&budget.amounts, l.id).map(|a| a.to_string()).unwrap_or_default(),
        })
        .collect();
    let dialogue = state
        .db
        .followup_dialogues(mid, true)
        .await?
        .into_iter()
        .find(|d| d.unit_id == unit && d.economy().is_some_and(|(y, _)| y == i64::from(year)))
        .filter(|d| actor.can_read_dialogue(&tree.ancestry(d.unit_id)))
        .map(|d| d.id);
    let this = today.year();
    Ok(UnitTemplate {
        p: ctx.page(
            tr.rule(
                &rodtrad_domain::RuleError::new("economy-unit-title").with("unit", name).with("year", year.to_string()),
            ),
            "economy",
        ),
        unit_id: unit,
        action: format!("/economy/units/{unit}"),
        year,
        month,
        month_name: month_name(i64::from(month)),
        years: (this - 2..=this + 1).collect(),
        months: month_names.clone(),
        parent,
        lines,
        total,
        children,
        forecasts,
        dialogue,
        thresholds: thresholds_text(tr, &o.thresholds),
        can_forecast: actor.can_forecast(&tree.ancestry(unit)),
        forecast_lines,
        forecast_comment: this_month.map(|f| f.comment.clone()).unwrap_or_default(),
        forecast_version: this_month.map_or(0, |f| f.version),
        forecast_errors: FieldErrors::default(),
        can_budget: actor.can_manage_economy(),
        budget_lines,
        budget_version: budget.version,
        budget_errors: FieldErrors::default(),
        saved: false,
        opened: false,
        query: qs,
        errors: FieldErrors::default(),
    })
}

/// The unit's economy page.
pub(crate) async fn unit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Query(q): Query<UnitQuery>,
) -> AppResult<Response> {
    let period = PeriodQuery { year: q.year.clone(), month: q.month.clone() };
    let mut t = render_unit(&state, &ctx, unit, &period).await?;
    t.saved = q.saved.is_some();
    t.opened = q.opened.is_some();
    Ok(Html(t.render()?).into_response())
}

use crate::forms::field;

/// Amounts per line id, or the first problem.
type Parsed = Result<Vec<(i64, Decimal)>, rodtrad_domain::RuleError>;

/// The `line_<id>` amounts of a form, parsed against the account structure; the typed values and
/// the first problem.
fn amounts(form: &[(String, String)], lines: &[rodtrad_store::economy::Line]) -> (Vec<InputLine>, Parsed) {
    let mut typed = Vec::new();
    let mut parsed = Vec::new();
    let mut problem = None;
    for l in lines {
        let value = field(form, &format!("line_{}", l.id)).to_owned();
        if value.trim().is_empty() {
            parsed.push((l.id, Decimal::ZERO));
        } else {
            match rodtrad_domain::economy::parse_form_amount(&value, "amounts") {
                Ok(a) => parsed.push((l.id, a)),
                Err(e) => {
                    problem.get_or_insert(e.with("line", l.name.clone()));
                }
            }
        }
        typed.push(InputLine { id: l.id, name: l.name.clone(), value });
    }
    (typed, problem.map_or(Ok(parsed), Err))
}

/// Saves the forecast of a month: 403 for whoever may not forecast for the unit (before anything is
/// parsed), 422 with the typed values for a bad amount or comment, 409 when someone saved since.
/// Past the thresholds it opens a management dialogue, and the page says so.
pub(crate) async fn forecast_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tree = readable_unit(&state, &ctx, unit).await?;
    let actor = ctx.actor()?;
    if !actor.can_forecast(&tree.ancestry(unit)) {
        return Err(AppError::Forbidden);
    }
    let period =
        PeriodQuery { year: Some(field(&form, "year").to_owned()), month: Some(field(&form, "month").to_owned()) };
    let (year, month) = period.resolve();
    let lines = state.db.economy_lines(actor.municipality_id).await?;
    let (typed, parsed) = amounts(&form, &lines);
    let comment = field(&form, "comment").to_owned();
    let mut errors = FieldErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    match (crate::forms::version(field(&form, "version")), parsed) {
        (Err(e), _) => errors.add("version", ctx.tr.rule(&e)),
        (_, Err(e)) => errors.add("amounts", ctx.tr.rule(&e)),
        (Ok(version), Ok(amounts)) => {
            let input =
                service::ForecastInput { year, month, amounts, comment: comment.clone(), base_version: version };
            match service::save_forecast(&state.db, &tree, (actor, &ctx.author()?), unit, input).await {
                Ok(saved) => {
                    let opened = if saved.dialogue_opened.is_some() { "&opened=1" } else { "" };
                    return Ok(Redirect::to(&format!(
                        "/economy/units/{unit}?year={year}&month={month}&saved=1{opened}"
                    ))
                    .into_response());
                }
                Err(e) => {
                    let (s, message) = refusal(&ctx.tr, e)?;
                    status = s;
                    let field = if s == StatusCode::CONFLICT { "amounts" } else { "comment" };
                    errors.add(field, message);
                }
            }
        }
    }
    let mut t = render_unit(&state, &ctx, unit, &period).await?;
    t.forecast_lines = typed;
    t.forecast_comment = comment;
    t.errors = errors.clone();
    t.forecast_errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

/// Saves the unit's budget of a year (the management staff): 422 for a bad amount, 409 when stale.
pub(crate) async fn budget_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tree = readable_unit(&state, &ctx, unit).await?;
    let actor = ctx.actor()?;
    if !actor.can_manage_economy() {
        return Err(AppError::Forbidden);
    }
    let period =
        PeriodQuery { year: Some(field(&form, "year").to_owned()), month: Some(field(&form, "month").to_owned()) };
    let (year, month) = period.resolve();
    let lines = state.db.economy_lines(actor.municipality_id).await?;
    let (typed, parsed) = amounts(&form, &lines);
    let mut errors = FieldErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    match (crate::forms::version(field(&form, "version")), parsed) {
        (Err(e), _) => errors.add("version", ctx.tr.rule(&e)),
        (_, Err(e)) => errors.add("amounts", ctx.tr.rule(&e)),
        (Ok(version), Ok(amounts)) => {
            match service::save_budget(&state.db, &tree, (actor, &ctx.author()?), unit, year, version, &amounts).await {
                Ok(_) => {
                    return Ok(Redirect::to(&format!("/economy/units/{unit}?year={year}&month={month}&saved=1"))
                        .into_response());
                }
                Err(e) => {
                    let (s, message) = refusal(&ctx.tr, e)?;
                    status = s;
                    errors.add("amounts", message);
                }
            }
        }
    }
    let mut t = render_unit(&state, &ctx, unit, &period).await?;
    t.budget_lines = typed;
    t.errors = errors.clone();
    t.budget_errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}
