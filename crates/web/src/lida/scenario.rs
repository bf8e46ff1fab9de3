//! A scenario: its yearly operating and investment needs as a table of totals, one table per
//! service and an accessible SVG chart (`export::chart`), as CSV/XLSX; and its form (name, base
//! year, projection and a row per service: ages, coverage, capacity today, operating cost per
//! place, investment cost per new place, real growth). One version guards the whole scenario: a
//! stale save is 409 and a bad value 422, both with every typed value kept.

use super::*;
use rodtrad_domain::lida::{AssumptionDraft, MAX_ASSUMPTIONS, YEARS, base_year, scenario_name};
use rodtrad_export::chart::{ChartSeries, LineChart};
use rodtrad_service::lida::Computed;
use rodtrad_store::lida::ScenarioInput;

/// Empty rows the form offers beyond the saved services.
const SPARE_ROWS: usize = 3;

#[derive(Template)]
#[template(path = "lida/form.html")]
pub(crate) struct FormTemplate {
    pub(crate) p: Page,
    /// `None` for a new scenario.
    pub(crate) id: Option<i64>,
    pub(crate) version: i64,
    pub(crate) scenario_name: String,
    /// The stored name, for the way back to the scenario (the typed one may be empty or wrong).
    pub(crate) stored_name: String,
    pub(crate) base_year: String,
    pub(crate) projection: String,
    pub(crate) projections: Vec<Choice>,
    pub(crate) rows: Vec<AssumptionDraft>,
    pub(crate) errors: FieldErrors,
}

impl FormTemplate {
    pub(crate) fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/economy/lida/scenarios/{id}"),
            None => "/economy/lida/scenarios".into(),
        }
    }
}

async fn form_template(state: &AppState, ctx: &Ctx, id: Option<i64>) -> AppResult<FormTemplate> {
    let actor = editor(ctx)?;
    let mid = actor.municipality_id;
    let projections: Vec<Choice> = state
        .db
        .lida_projections(mid)
        .await?
        .into_iter()
        .map(|p| Choice { value: p.id.to_string(), label: p.name })
        .collect();
    let tr = &ctx.tr;
    let mut t = FormTemplate {
        p: ctx.page(tr.t("lida-new-title"), "economy"),
        id,
        version: 0,
        scenario_name: String::new(),
        stored_name: String::new(),
        base_year: (chrono::Datelike::year(&chrono::Utc::now().date_naive())).to_string(),
        projection: projections.first().map(|c| c.value.clone()).unwrap_or_default(),
        projections,
        rows: Vec::new(),
        errors: FieldErrors::default(),
    };
    if let Some(id) = id {
        let s = state.db.lida_scenario(mid, id).await?;
        t.p = ctx.page(tr.t1("lida-edit-title", "name", &s.info.name), "economy");
        t.version = s.info.version;
        t.scenario_name = s.info.name.clone();
        t.stored_name = s.info.name.clone();
        t.base_year = s.info.base_year.to_string();
        t.projection = s.info.projection_id.to_string();
        t.rows = s.assumptions.iter().map(AssumptionDraft::from).collect();
    }
    let spare = (t.rows.len() + SPARE_ROWS).min(MAX_ASSUMPTIONS.max(t.rows.len()));
    t.rows.resize(spare, AssumptionDraft::default());
    Ok(t)
}

/// The form for a new scenario.
pub(crate) async fn scenario_new(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let t = form_template(&state, &ctx, None).await?;
    Ok(Html(t.render()?).into_response())
}

/// The form of a saved scenario.
pub(crate) async fn scenario_edit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let t = form_template(&state, &ctx, Some(id)).await?;
    Ok(Html(t.render()?).into_response())
}

/// The typed rows of the form (`service_0`, `ages_0` … in order), blank rows dropped.
fn typed_rows(form: &[(String, String)]) -> Vec<AssumptionDraft> {
    let mut rows = Vec::new();
    for i in 0..MAX_ASSUMPTIONS + SPARE_ROWS {
        let get = |name: &str| field(form, &format!("{name}_{i}")).to_owned();
        let row = AssumptionDraft {
            service: get("service"),
            ages: get("ages"),
            coverage: get("coverage"),
            capacity: get("capacity"),
            operating_cost: get("operating_cost"),
            investment_cost: get("investment_cost"),
            growth_percent: get("growth_percent"),
        };
        if !row.is_blank() {
            rows.push(row);
        }
    }
    rows
}

/// Parses and saves the form: 422 (every problem listed, values kept), 409 when stale.
async fn save(state: &AppState, ctx: &Ctx, id: Option<i64>, form: &[(String, String)]) -> AppResult<Response> {
    let actor = editor(ctx)?;
    if let Some(id) = id {
        state.db.lida_scenario(actor.municipality_id, id).await?;
    }
    let tr = &ctx.tr;
    let mut errors = FieldErrors::default();
    let name = scenario_name(field(form, "name")).map_err(|e| errors.add("name", tr.rule(&e))).ok();
    let year = base_year(field(form, "base_year")).map_err(|e| errors.add("base_year", tr.rule(&e))).ok();
    let projection = field(form, "projection").trim().parse::<i64>().ok();
    if projection.is_none() {
        errors.add("projection", tr.t("err-lida-projection"));
    }
    let version = crate::forms::version(field(form, "version")).map_err(|e| errors.add("name", tr.rule(&e))).ok();
    let rows = typed_rows(form);
    let mut assumptions = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match row.parse() {
            Ok(a) => assumptions.push(a),
            Err(e) => {
                let label = tr.t(&format!("lida-col-{}", e.field.unwrap_or("service").replace('_', "-")));
                errors.add(
                    "assumptions",
                    tr.rule(
                        &rodtrad_domain::RuleError::new("lida-row-problem")
                            .with("row", (i + 1).to_string())
                            .with("field", label)
                            .with("message", tr.rule(&e)),
                    ),
                );
            }
        }
    }
    if rows.len() > MAX_ASSUMPTIONS {
        errors.add("assumptions", tr.t1("err-lida-too-many", "max", MAX_ASSUMPTIONS));
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if errors.is_empty()
        && let (Some(name), Some(base_year), Some(projection_id), Some(version)) = (name, year, projection, version)
    {
        let input = ScenarioInput { name, base_year, projection_id, assumptions };
        match service::save_scenario(&state.db, (actor, &ctx.author()?), id, version, &input).await {
            Ok((id, _)) => return Ok(Redirect::to(&format!("/economy/lida/scenarios/{id}?saved=1")).into_response()),
            Err(e) => {
                let (s, message) = refusal(tr, e)?;
                status = s;
                errors.add(if s == StatusCode::CONFLICT { "name" } else { "projection" }, message);
            }
        }
    }
    let mut t = form_template(state, ctx, id).await?;
    t.scenario_name = field(form, "name").to_owned();
    t.base_year = field(form, "base_year").to_owned();
    t.projection = field(form, "projection").to_owned();
    t.rows = rows;
    t.rows.resize(t.rows.len() + SPARE_ROWS, AssumptionDraft::default());
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

/// Creates a scenario.
pub(crate) async fn scenario_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    save(&state, &ctx, None, &form).await
}

/// Saves a scenario at the version the form was read with.
pub(crate) async fn scenario_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    save(&state, &ctx, Some(id), &form).await
}

/// A year of the totals table.
pub(crate) struct TotalRow {
    pub(crate) year: i32,
    pub(crate) investment: String,
    pub(crate) operating: String,
    pub(crate) total: String,
    pub(crate) missing: bool,
}

/// A year of one service.
pub(crate) struct ServiceRow {
    pub(crate) year: i32,
    pub(crate) persons: String,
    pub(crate) demand: String,
    pub(crate) capacity: String,
    pub(crate) new_places: String,
    pub(crate) investment: String,
    pub(crate) operating: String,
}

/// A service's assumption and its years.
pub(crate) struct ServiceTable {
    pub(crate) index: usize,
    pub(crate) service: String,
    pub(crate) ages: String,
    pub(crate) coverage: String,
    pub(crate) capacity: String,
    pub(crate) operating_cost: String,
    pub(crate) investment_cost: String,
    pub(crate) growth: String,
    pub(crate) rows: Vec<ServiceRow>,
}

#[derive(Template)]
#[template(path = "lida/scenario.html")]
pub(crate) struct ScenarioTemplate {
    pub(crate) p: Page,
    pub(crate) id: i64,
    pub(crate) c: Computed,
    pub(crate) first_year: i32,
    pub(crate) last_year: i32,
    pub(crate) totals: Vec<TotalRow>,
    pub(crate) sum_investment: String,
    pub(crate) sum_operating: String,
    pub(crate) sum_total: String,
    pub(crate) services: Vec<ServiceTable>,
    pub(crate) chart: String,
    pub(crate) edits: bool,
    pub(crate) saved: bool,
    pub(crate) others: Vec<Choice>,
}

/// Million NOK for the chart's axis.
pub(crate) fn millions(d: Decimal) -> Option<f64> {
    (d / Decimal::from(1_000_000)).round_dp(3).to_string().parse().ok()
}

/// A scenario of the caller's municipality, computed (404 for another's, 403 for non-readers).
pub(crate) async fn load(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Computed> {
    let actor = reader(ctx)?;
    Ok(service::computed(&state.db, actor.municipality_id, id).await?)
}

/// The scenario page.
pub(crate) async fn scenario_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let c = load(&state, &ctx, id).await?;
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let a = &c.analysis;
    let totals = a
        .years
        .iter()
        .map(|y| TotalRow {
            year: y.year,
            investment: money(y.investment),
            operating: money(y.operating),
            total: money(y.investment + y.operating),
            missing: y.missing,
        })
        .collect();
    let services = c
        .scenario
        .assumptions
        .iter()
        .enumerate()
        .map(|(i, s)| ServiceTable {
            index: i,
            service: s.service.clone(),
            ages: s.band.label(),
            coverage: decimal(tr, s.coverage),
            capacity: money(s.capacity),
            operating_cost: money(s.operating_cost),
            investment_cost: money(s.investment_cost),
            growth: format!("{} %", decimal(tr, s.growth_percent)),
            rows: a
                .years
                .iter()
                .map(|y| {
                    let v = y.services[i];
                    ServiceRow {
                        year: y.year,
                        persons: v.persons.map(|p| persons(tr, p)).unwrap_or_else(|| "–".into()),
                        demand: money(v.demand),
                        capacity: money(v.capacity),
                        new_places: money(v.new_places),
                        investment: money(v.investment),
                        operating: money(v.operating),
                    }
                })
                .collect(),
        })
        .collect();
    let chart = LineChart {
        title: tr.t1("lida-chart-title", "name", &c.scenario.info.name),
        description: tr.t("lida-chart-desc"),
        periods: a.years.iter().map(|y| y.year.to_string()).collect(),
        series: vec![
            ChartSeries {
                label: tr.t("lida-col-investment"),
                values: a.years.iter().map(|y| (!y.missing).then(|| millions(y.investment)).flatten()).collect(),
                emphasis: false,
            },
            ChartSeries {
                label: tr.t("lida-col-operating"),
                values: a.years.iter().map(|y| (!y.missing).then(|| millions(y.operating)).flatten()).collect(),
                emphasis: true,
            },
        ],
        breaks: Vec::new(),
        unit: tr.t("lida-chart-unit"),
    }
    .to_svg("lida-chart");
    let others = state
        .db
        .lida_scenarios(actor.municipality_id)
        .await?
        .into_iter()
        .filter(|s| s.id != id)
        .map(|s| Choice { value: s.id.to_string(), label: s.name })
        .collect();
    let base = c.scenario.info.base_year as i32;
    let t = ScenarioTemplate {
        p: ctx.page(tr.t1("lida-scenario-title", "name", &c.scenario.info.name), "economy"),
        id,
        first_year: base + 1,
        last_year: base + YEARS,
        totals,
        sum_investment: money(a.investment),
        sum_operating: money(a.operating),
        sum_total: money(a.investment + a.operating),
        services,
        chart,
        edits: actor.can_edit_lida(),
        saved: q.saved.is_some(),
        others,
        c,
    };
    Ok(Html(t.render()?).into_response())
}

/// The scenario as CSV or XLSX: per year and service persons, places and needs, then the year's
/// totals; amounts exact.
pub(crate) async fn scenario_export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    use rodtrad_export::Cell;
    let c = load(&state, &ctx, id).await?;
    let tr = &ctx.tr;
    let header: Vec<String> = [
        "lida-col-year",
        "lida-col-service",
        "lida-col-persons",
        "lida-col-demand",
        "lida-col-capacity-end",
        "lida-col-new-places",
        "lida-col-investment",
        "lida-col-operating",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let exact = |d: Decimal| Cell::exact(&d.to_string());
    let mut rows = Vec::new();
    for y in &c.analysis.years {
        for (a, v) in c.scenario.assumptions.iter().zip(&y.services) {
            rows.push(vec![
                exact(Decimal::from(y.year)),
                Cell::text(a.service.clone()),
                v.persons.map(|p| exact(p.round_dp(2))).unwrap_or_else(|| Cell::text("")),
                exact(v.demand),
                exact(v.capacity),
                exact(v.new_places),
                exact(v.investment),
                exact(v.operating),
            ]);
        }
        rows.push(vec![
            exact(Decimal::from(y.year)),
            Cell::text(tr.t("lida-total")),
            Cell::text(""),
            Cell::text(""),
            Cell::text(""),
            Cell::text(""),
            exact(y.investment),
            exact(y.operating),
        ]);
    }
    let title = tr.t1("lida-scenario-title", "name", &c.scenario.info.name);
    let sheet = tr.t("lida-sheet");
    crate::export::table_download(F::FORMAT, crate::export::TableNames::titled(&title, &sheet), &header, &rows)
}
