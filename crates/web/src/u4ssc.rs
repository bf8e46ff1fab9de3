//! U4SSC pages: the yearly self-assessment matrix (6 processes × 5 phases) with its cell editor and a
//! comparison between any two years, and the KPI values per year with a form, CSV import (upload,
//! preview, confirm) and CSV export.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::org::Choice;
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use rodtrad_domain::u4ssc::{
    self, Dimension, Kpi, KpiRow, LineError, Maturity, NOTE_MAX, Phase, Process, element_name, kpi_by_code, kpis,
    parse_decimal, parse_kpi_csv, parse_year,
};
use rodtrad_domain::{Actor, RuleError};
use rodtrad_export::chart::format_number;
use rodtrad_store::StoreError;
use rodtrad_store::people::PeopleFilter;
use rodtrad_store::u4ssc::{Assessment, Cell, CellInput, KpiChange, KpiValue};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Longest evidence text kept for one element.
const EVIDENCE_MAX: usize = 4000;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("u4ssc")
        .get("/u4ssc", overview)
        .post("/u4ssc", start_year)
        .get("/u4ssc/compare", compare)
        .get("/u4ssc/kpi-import", import_page)
        .post("/u4ssc/kpi-import", import_upload)
        .post("/u4ssc/kpi-import/confirm", import_confirm)
        .get("/u4ssc/{year}", matrix)
        .get("/u4ssc/{year}/cells/{process}/{phase}", cell_page)
        .post("/u4ssc/{year}/cells/{process}/{phase}", cell_save)
        .get("/u4ssc/{year}/kpi", kpi_page)
        .get("/u4ssc/{year}/kpi/edit", kpi_edit_page)
        .post("/u4ssc/{year}/kpi/edit", kpi_save)
        .get("/u4ssc/{year}/kpi.csv", kpi_csv)
}

fn reader(ctx: &Ctx) -> AppResult<&Actor> {
    let actor = ctx.actor()?;
    if !actor.can_view_org_tree() {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

fn manager(ctx: &Ctx) -> AppResult<&Actor> {
    let actor = ctx.actor()?;
    if !actor.can_manage_u4ssc() {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

/// A year in a path; anything else is a page that does not exist.
fn path_year(raw: &str) -> AppResult<i64> {
    parse_year(raw).map(i64::from).map_err(|_| AppError::NotFound)
}

fn process_key(p: Process) -> &'static str {
    match p {
        Process::Standardise => "u4ssc-process-standardise",
        Process::Policy => "u4ssc-process-policy",
        Process::Partnership => "u4ssc-process-partnership",
        Process::Organisation => "u4ssc-process-organisation",
        Process::Citizens => "u4ssc-process-citizens",
        Process::Projects => "u4ssc-process-projects",
    }
}

fn phase_key(p: Phase) -> &'static str {
    match p {
        Phase::Engage => "u4ssc-phase-engage",
        Phase::Design => "u4ssc-phase-design",
        Phase::Activate => "u4ssc-phase-activate",
        Phase::Accelerate => "u4ssc-phase-accelerate",
        Phase::Support => "u4ssc-phase-support",
    }
}

fn dimension_key(d: Dimension) -> &'static str {
    match d {
        Dimension::Economic => "u4ssc-dim-economic",
        Dimension::Environmental => "u4ssc-dim-environmental",
        Dimension::Social => "u4ssc-dim-social",
    }
}

fn english(tr: &Tr) -> bool {
    tr.lang == Lang::En
}

/// A figure as shown: Norwegian number format, at most two decimals.
fn show(value: f64) -> String {
    format_number(value, 2)
}

/// A figure as typed into a form field (no thousands separators, decimal comma).
fn typed(value: f64) -> String {
    value.to_string().replace('.', ",")
}

/// A maturity level as a tag: label and colour, never colour alone.
#[derive(Clone)]
pub struct Level {
    /// Number 0–4.
    pub level: u8,
    /// Translated label.
    pub label: String,
    /// Designsystemet colour.
    pub colour: &'static str,
}

impl Level {
    fn of(tr: &Tr, maturity: Option<i64>) -> Option<Level> {
        let m = maturity.and_then(|v| u8::try_from(v).ok()).and_then(Maturity::new)?;
        Some(Level { level: m.level(), label: tr.t(m.label_key()), colour: m.colour() })
    }
}

/// The column headers of the matrix.
fn phase_headers(tr: &Tr) -> Vec<String> {
    Phase::ALL.iter().map(|p| tr.t(phase_key(*p))).collect()
}

fn find(cells: &[Cell], process: Process, phase: Phase) -> Option<&Cell> {
    cells.iter().find(|c| c.process == process.code() && c.phase == phase.code())
}

/// One cell of the matrix page.
pub struct CellView {
    /// Element name.
    pub element: String,
    /// Maturity, if assessed.
    pub level: Option<Level>,
    /// Edit link.
    pub href: String,
    /// Evidence.
    pub evidence: String,
    /// Responsible person.
    pub responsible: String,
    /// Date assessed.
    pub assessed_on: String,
}

// ---------------------------------------------------------------- overview

#[derive(Template)]
#[template(path = "u4ssc.html")]
struct OverviewTemplate {
    p: Page,
    assessments: Vec<Assessment>,
    latest_year: Option<i64>,
    level_counts: Vec<(Level, usize)>,
    not_assessed: usize,
    kpi_years: Vec<(i64, usize)>,
    kpi_total: usize,
    can_manage: bool,
    errors: FieldErrors,
    form: StartForm,
    start_choices: Vec<Choice>,
}

#[derive(Deserialize, Default, Clone)]
struct StartForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    start: String,
}

async fn render_overview(state: &AppState, ctx: &Ctx, form: StartForm, errors: FieldErrors) -> AppResult<String> {
    let actor = reader(ctx)?;
    let mid = actor.municipality_id;
    let assessments = state.db.u4ssc_assessments(mid).await?;
    let latest_year = assessments.first().map(|a| a.year);
    let mut level_counts = Vec::new();
    let mut not_assessed = 0;
    if let Some(year) = latest_year {
        let cells = state.db.u4ssc_cells(mid, year).await?;
        not_assessed = cells.iter().filter(|c| c.maturity.is_none()).count();
        for m in Maturity::all() {
            let n = cells.iter().filter(|c| c.maturity == Some(i64::from(m.level()))).count();
            if let Some(level) = Level::of(&ctx.tr, Some(i64::from(m.level()))) {
                level_counts.push((level, n));
            }
        }
    }
    let mut per_year: BTreeMap<i64, usize> = BTreeMap::new();
    for v in state.db.u4ssc_kpi_values(mid).await? {
        *per_year.entry(v.year).or_default() += 1;
    }
    let next_year = latest_year.map_or(chrono::Utc::now().format("%Y").to_string(), |y| (y + 1).to_string());
    let form = StartForm {
        year: if form.year.is_empty() { next_year } else { form.year },
        start: if form.start.is_empty() { "copy".into() } else { form.start },
    };
    let t = OverviewTemplate {
        p: ctx.page(ctx.tr.t("u4ssc-title"), "u4ssc"),
        assessments,
        latest_year,
        level_counts,
        not_assessed,
        kpi_years: per_year.into_iter().rev().collect(),
        kpi_total: kpis().len(),
        can_manage: actor.can_manage_u4ssc(),
        errors,
        form,
        start_choices: vec![
            Choice { value: "copy".into(), label: ctx.tr.t("u4ssc-start-copy") },
            Choice { value: "empty".into(), label: ctx.tr.t("u4ssc-start-empty") },
        ],
    };
    Ok(t.render()?)
}

async fn overview(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(Html(render_overview(&state, &ctx, StartForm::default(), FieldErrors::default()).await?).into_response())
}

/// Starts a new year's assessment, empty or as a copy of the latest earlier year.
async fn start_year(State(state): State<AppState>, ctx: Ctx, Form(form): Form<StartForm>) -> AppResult<Response> {
    manager(&ctx)?;
    let mut errors = FieldErrors::default();
    let copy = match form.start.as_str() {
        "copy" => Some(true),
        "empty" => Some(false),
        _ => None,
    };
    if copy.is_none() {
        errors.add("start", ctx.tr.t("u4ssc-err-start"));
    }
    match (parse_year(&form.year), copy) {
        (Err(e), _) => errors.add("year", ctx.tr.rule(&e)),
        (Ok(year), Some(copy)) => match state.db.u4ssc_start_year(&ctx.author()?, i64::from(year), copy).await {
            Ok(_) => return Ok(Redirect::to(&format!("/u4ssc/{year}")).into_response()),
            Err(StoreError::Rule(e)) => errors.add("year", ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        },
        (Ok(_), None) => {}
    }
    let body = render_overview(&state, &ctx, form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

// ---------------------------------------------------------------- matrix

#[derive(Template)]
#[template(path = "u4ssc_matrix.html")]
struct MatrixTemplate {
    p: Page,
    year: i64,
    copied_from_year: Option<i64>,
    phases: Vec<String>,
    rows: Vec<(String, Vec<CellView>)>,
    levels: Vec<Level>,
    can_manage: bool,
}

async fn matrix(State(state): State<AppState>, ctx: Ctx, Path(year): Path<String>) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let year = path_year(&year)?;
    let mid = actor.municipality_id;
    let cells = state.db.u4ssc_cells(mid, year).await?;
    let copied_from_year =
        state.db.u4ssc_assessments(mid).await?.into_iter().find(|a| a.year == year).and_then(|a| a.copied_from_year);
    let en = english(&ctx.tr);
    let rows = Process::ALL
        .iter()
        .map(|process| {
            let views = Phase::ALL
                .iter()
                .map(|phase| {
                    let cell = find(&cells, *process, *phase);
                    CellView {
                        element: element_name(*process, *phase, en).to_owned(),
                        level: Level::of(&ctx.tr, cell.and_then(|c| c.maturity)),
                        href: format!("/u4ssc/{year}/cells/{}/{}", process.code(), phase.code()),
                        evidence: cell.map(|c| c.evidence.clone()).unwrap_or_default(),
                        responsible: cell.and_then(|c| c.responsible_name.clone()).unwrap_or_default(),
                        assessed_on: cell.and_then(|c| c.assessed_on).map(|d| d.to_string()).unwrap_or_default(),
                    }
                })
                .collect();
            (ctx.tr.t(process_key(*process)), views)
        })
        .collect();
    let t = MatrixTemplate {
        p: ctx.page(ctx.tr.t1("u4ssc-matrix-title", "year", year), "u4ssc"),
        year,
        copied_from_year,
        phases: phase_headers(&ctx.tr),
        rows,
        levels: Maturity::all().filter_map(|m| Level::of(&ctx.tr, Some(i64::from(m.level())))).collect(),
        can_manage: actor.can_manage_u4ssc(),
    };
    Ok(Html(t.render()?).into_response())
}

// ---------------------------------------------------------------- cell editor

#[derive(Deserialize, Default, Clone)]
struct CellForm {
    #[serde(default)]
    maturity: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    responsible: String,
    #[serde(default)]
    assessed_on: String,
    #[serde(default)]
    version: String,
}

impl CellForm {
    fn from_cell(cell: &Cell) -> Self {
        Self {
            maturity: cell.maturity.map(|m| m.to_string()).unwrap_or_default(),
            evidence: cell.evidence.clone(),
            responsible: cell.responsible_person_id.map(|p| p.to_string()).unwrap_or_default(),
            assessed_on: cell.assessed_on.map(|d| d.to_string()).unwrap_or_default(),
            version: cell.version.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "u4ssc_cell.html")]
struct CellTemplate {
    p: Page,
    year: i64,
    action: String,
    process: String,
    phase: String,
    form: CellForm,
    levels: Vec<Choice>,
    people: Vec<Choice>,
    errors: FieldErrors,
    /// The stored element, shown beside the form after a stale save.
    conflict: Option<CellView>,
}

fn parse_cell_path(year: &str, process: &str, phase: &str) -> AppResult<(i64, Process, Phase)> {
    let year = path_year(year)?;
    let process = Process::parse(process).ok_or(AppError::NotFound)?;
    let phase = Phase::parse(phase).ok_or(AppError::NotFound)?;
    Ok((year, process, phase))
}

async fn render_cell(
    state: &AppState,
    ctx: &Ctx,
    (year, process, phase): (i64, Process, Phase),
    form: CellForm,
    errors: FieldErrors,
    conflict: Option<&Cell>,
) -> AppResult<String> {
    let mid = ctx.actor()?.municipality_id;
    let en = english(&ctx.tr);
    let element = element_name(process, phase, en).to_owned();
    let mut levels = Vec::new();
    for m in Maturity::all() {
        levels.push(Choice {
            value: m.level().to_string(),
            label: format!("{} – {}", m.level(), ctx.tr.t(m.label_key())),
        });
    }
    let people = state
        .db
        .people(mid, &PeopleFilter::default(), 5000)
        .await?
        .into_iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: match &p.title {
                Some(t) => format!("{} ({t})", p.name),
                None => p.name.clone(),
            },
        })
        .collect();
    let conflict = conflict.map(|c| CellView {
        element: element.clone(),
        level: Level::of(&ctx.tr, c.maturity),
        href: String::new(),
        evidence: c.evidence.clone(),
        responsible: c.responsible_name.clone().unwrap_or_default(),
        assessed_on: c.assessed_on.map(|d| d.to_string()).unwrap_or_default(),
    });
    let t = CellTemplate {
        p: ctx.page(ctx.tr.t1("u4ssc-cell-title", "element", &element) + &format!(" ({year})"), "u4ssc"),
        year,
        action: format!("/u4ssc/{year}/cells/{}/{}", process.code(), phase.code()),
        process: ctx.tr.t(process_key(process)),
        phase: ctx.tr.t(phase_key(phase)),
        form,
        levels,
        people,
        errors,
        conflict,
    };
    Ok(t.render()?)
}

async fn cell_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((year, process, phase)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let at = parse_cell_path(&year, &process, &phase)?;
    let cell = state.db.u4ssc_cell(actor.municipality_id, at.0, at.1, at.2).await?;
    let body = render_cell(&state, &ctx, at, CellForm::from_cell(&cell), FieldErrors::default(), None).await?;
    Ok(Html(body).into_response())
}

/// Saves one element: bad input re-renders with the typed values (422), a stale version with the
/// stored values beside them (409); nothing is written in either case.
async fn cell_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((year, process, phase)): Path<(String, String, String)>,
    Form(form): Form<CellForm>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let at = parse_cell_path(&year, &process, &phase)?;
    let mid = actor.municipality_id;
    let stored = state.db.u4ssc_cell(mid, at.0, at.1, at.2).await?;
    let version = crate::forms::version(&form.version)?;
    let mut errors = FieldErrors::default();
    let maturity = Maturity::parse_optional(&form.maturity).map_err(|e| errors.add("maturity", ctx.tr.rule(&e))).ok();
    let responsible =
        crate::forms::optional_id(&form.responsible).map_err(|e| errors.add("responsible", ctx.tr.rule(&e))).ok();
    let assessed_on =
        crate::forms::optional_date(&form.assessed_on).map_err(|e| errors.add("assessed_on", ctx.tr.rule(&e))).ok();
    if form.evidence.chars().count() > EVIDENCE_MAX {
        errors.add("evidence", ctx.tr.t1("u4ssc-err-evidence-long", "max", EVIDENCE_MAX));
    }
    let mut conflict = None;
    if let (true, Some(maturity), Some(responsible_person_id), Some(assessed_on)) =
        (errors.is_empty(), maturity, responsible, assessed_on)
    {
        let input = CellInput {
            maturity: maturity.map(Maturity::level),
            evidence: form.evidence.clone(),
            responsible_person_id,
            assessed_on,
        };
        match state.db.u4ssc_cell_save(&ctx.author()?, at.0, at.1, at.2, &input, version).await {
            Ok(()) => return Ok(Redirect::to(&format!("/u4ssc/{}", at.0)).into_response()),
            Err(StoreError::Conflict) => conflict = Some(stored),
            Err(StoreError::Rule(e)) => errors.add("responsible", ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let status = if conflict.is_some() { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    // After a stale save the form carries the stored version, so saving again is a deliberate overwrite.
    let form = match &conflict {
        Some(c) => CellForm { version: c.version.to_string(), ..form },
        None => form,
    };
    let body = render_cell(&state, &ctx, at, form, errors, conflict.as_ref()).await?;
    Ok((status, Html(body)).into_response())
}

// ---------------------------------------------------------------- comparison

#[derive(Deserialize, Default)]
struct CompareQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// One cell of the comparison: the element, both levels and the change as text.
pub struct ChangeView {
    /// Element name.
    pub element: String,
    /// Level in the earlier year.
    pub from: Option<Level>,
    /// Level in the later year.
    pub to: Option<Level>,
    /// The change, e.g. "+1", "uendret", "ikke vurdert".
    pub change: String,
    /// Colour of the change tag.
    pub colour: &'static str,
}

#[derive(Template)]
#[template(path = "u4ssc_compare.html")]
struct CompareTemplate {
    p: Page,
    years: Vec<Choice>,
    from: i64,
    to: i64,
    phases: Vec<String>,
    rows: Vec<(String, Vec<ChangeView>)>,
    caption: String,
    improved: usize,
    declined: usize,
}

fn change_text(tr: &Tr, from: Option<i64>, to: Option<i64>) -> (String, &'static str) {
    match (from, to) {
        (Some(a), Some(b)) if b > a => (tr.t1("u4ssc-change-up", "n", b - a), "success"),
        (Some(a), Some(b)) if b < a => (tr.t1("u4ssc-change-down", "n", a - b), "danger"),
        (Some(_), Some(_)) => (tr.t("u4ssc-change-same"), "neutral"),
        (None, Some(_)) => (tr.t("u4ssc-change-new"), "info"),
        (Some(_), None) => (tr.t("u4ssc-change-dropped"), "warning"),
        (None, None) => (tr.t("u4ssc-not-assessed"), "neutral"),
    }
}

async fn compare(State(state): State<AppState>, ctx: Ctx, Query(q): Query<CompareQuery>) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let mid = actor.municipality_id;
    let assessments = state.db.u4ssc_assessments(mid).await?;
    let (Some(latest), Some(oldest)) = (assessments.first(), assessments.last()) else {
        return Err(AppError::NotFound);
    };
    let pick = |raw: &str, default: i64| -> AppResult<i64> {
        if raw.trim().is_empty() { Ok(default) } else { path_year(raw) }
    };
    let from = pick(&q.from, oldest.year)?;
    let to = pick(&q.to, latest.year)?;
    let before = state.db.u4ssc_cells(mid, from).await?;
    let after = state.db.u4ssc_cells(mid, to).await?;
    let en = english(&ctx.tr);
    let (mut improved, mut declined) = (0, 0);
    let rows = Process::ALL
        .iter()
        .map(|process| {
            let views = Phase::ALL
                .iter()
                .map(|phase| {
                    let a = find(&before, *process, *phase).and_then(|c| c.maturity);
                    let b = find(&after, *process, *phase).and_then(|c| c.maturity);
                    match (a, b) {
                        (Some(a), Some(b)) if b > a => improved += 1,
                        (Some(a), Some(b)) if b < a => declined += 1,
                        _ => {}
                    }
                    let (change, colour) = change_text(&ctx.tr, a, b);
                    ChangeView {
                        element: element_name(*process, *phase, en).to_owned(),
                        from: Level::of(&ctx.tr, a),
                        to: Level::of(&ctx.tr, b),
                        change,
                        colour,
                    }
                })
                .collect();
            (ctx.tr.t(process_key(*process)), views)
        })
        .collect();
    let years = assessments.iter().map(|a| Choice { value: a.year.to_string(), label: a.year.to_string() }).collect();
    let t = CompareTemplate {
        p: ctx.page(ctx.tr.t("u4ssc-compare-title"), "u4ssc"),
        years,
        from,
        to,
        phases: phase_headers(&ctx.tr),
        rows,
        caption: ctx
            .tr
            .rule(&RuleError::new("u4ssc-compare-caption").with("from", from.to_string()).with("to", to.to_string())),
        improved,
        declined,
    };
    Ok(Html(t.render()?).into_response())
}

// ---------------------------------------------------------------- KPI values

/// One KPI on the year page.
pub struct KpiLine {
    /// Code.
    pub code: String,
    /// Name in the user's language.
    pub name: String,
    /// Category.
    pub category: String,
    /// Unit.
    pub unit: String,
    /// This year's value as shown.
    pub value: String,
    /// Note and source.
    pub note: String,
    /// The latest earlier value as "2019: 12,5".
    pub previous: String,
    /// Change from the previous value, e.g. "+0,5".
    pub change: String,
}

fn kpi_name(kpi: &Kpi, en: bool) -> String {
    if en { kpi.name_en.clone() } else { kpi.name_nb.clone() }
}

fn kpi_category(kpi: &Kpi, en: bool) -> String {
    if en { kpi.category_en.clone() } else { kpi.category_nb.clone() }
}

/// A slug of the code for form field names and ids: `EC-ICT-ICT-1C`.
fn slug(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).map(|c| if c == ':' { '-' } else { c }).collect()
}

#[derive(Template)]
#[template(path = "u4ssc_kpi.html")]
struct KpiTemplate {
    p: Page,
    year: i64,
    groups: Vec<(String, Vec<KpiLine>)>,
    filled: usize,
    years: Vec<i64>,
    can_manage: bool,
}

async fn kpi_page(State(state): State<AppState>, ctx: Ctx, Path(year): Path<String>) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let year = path_year(&year)?;
    let values = state.db.u4ssc_kpi_values(actor.municipality_id).await?;
    let en = english(&ctx.tr);
    let mut filled = 0;
    let groups = Dimension::ALL
        .iter()
        .map(|d| {
            let lines = kpis()
                .iter()
                .filter(|k| k.dimension == *d)
                .map(|k| {
                    let current = values.iter().find(|v| v.kpi_code == k.code && v.year == year);
                    let previous =
                        values.iter().filter(|v| v.kpi_code == k.code && v.year < year).max_by_key(|v| v.year);
                    if current.is_some() {
                        filled += 1;
                    }
                    let change = match (current, previous) {
                        (Some(c), Some(p)) => {
                            let d = c.value - p.value;
                            if d.abs() < 1e-9 {
                                ctx.tr.t("u4ssc-change-same")
                            } else if d > 0.0 {
                                format!("+{}", show(d))
                            } else {
                                show(d)
                            }
                        }
                        _ => String::new(),
                    };
                    let note = current
                        .map(|c| {
                            [c.note.clone(), c.source.clone().map(|s| ctx.tr.t1("u4ssc-kpi-source", "source", s))]
                                .into_iter()
                                .flatten()
                                .collect::<Vec<_>>()
                                .join(" · ")
                        })
                        .unwrap_or_default();
                    KpiLine {
                        code: k.code.clone(),
                        name: kpi_name(k, en),
                        category: kpi_category(k, en),
                        unit: k.unit.clone(),
                        value: current.map(|c| show(c.value)).unwrap_or_default(),
                        note,
                        previous: previous.map(|p| format!("{}: {}", p.year, show(p.value))).unwrap_or_default(),
                        change,
                    }
                })
                .collect();
            (ctx.tr.t(dimension_key(*d)), lines)
        })
        .collect();
    let mut years: Vec<i64> = values.iter().map(|v| v.year).collect();
    years.sort_unstable();
    years.dedup();
    let t = KpiTemplate {
        p: ctx.page(ctx.tr.t1("u4ssc-kpi-title", "year", year), "u4ssc"),
        year,
        groups,
        filled,
        years,
        can_manage: actor.can_manage_u4ssc(),
    };
    Ok(Html(t.render()?).into_response())
}

/// One row of the KPI form.
pub struct KpiFormRow {
    /// Field id suffix.
    pub slug: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Value as typed.
    pub value: String,
    /// Note as typed.
    pub note: String,
    /// Version the form was read at ("" when there was no value).
    pub version: String,
    /// Validation message.
    pub error: Option<String>,
    /// The stored value, shown after a stale save when it differs from the typed one.
    pub stored: Option<String>,
}

#[derive(Template)]
#[template(path = "u4ssc_kpi_edit.html")]
struct KpiEditTemplate {
    p: Page,
    year: i64,
    groups: Vec<(String, Vec<KpiFormRow>)>,
    source: String,
    conflict: bool,
    has_errors: bool,
}

fn year_values(values: &[KpiValue], year: i64) -> BTreeMap<&str, &KpiValue> {
    values.iter().filter(|v| v.year == year).map(|v| (v.kpi_code.as_str(), v)).collect()
}

fn kpi_edit_render(ctx: &Ctx, year: i64, rows: Vec<KpiFormRow>, source: String, conflict: bool) -> AppResult<String> {
    let has_errors = rows.iter().any(|r| r.error.is_some());
    let mut groups: Vec<(String, Vec<KpiFormRow>)> =
        Dimension::ALL.iter().map(|d| (ctx.tr.t(dimension_key(*d)), Vec::new())).collect();
    for row in rows {
        if let Some(kpi) = kpi_by_code(&row.code) {
            let i = Dimension::ALL.iter().position(|d| *d == kpi.dimension).unwrap_or(0);
            groups[i].1.push(row);
        }
    }
    let t = KpiEditTemplate {
        p: ctx.page(ctx.tr.t1("u4ssc-kpi-edit-title", "year", year), "u4ssc"),
        year,
        groups,
        source,
        conflict,
        has_errors,
    };
    Ok(t.render()?)
}

async fn kpi_edit_page(State(state): State<AppState>, ctx: Ctx, Path(year): Path<String>) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let year = path_year(&year)?;
    let values = state.db.u4ssc_kpi_values(actor.municipality_id).await?;
    let current = year_values(&values, year);
    let en = english(&ctx.tr);
    let rows = kpis()
        .iter()
        .map(|k| {
            let v = current.get(k.code.as_str());
            KpiFormRow {
                slug: slug(&k.code),
                code: k.code.clone(),
                name: kpi_name(k, en),
                unit: k.unit.clone(),
                value: v.map(|v| typed(v.value)).unwrap_or_default(),
                note: v.and_then(|v| v.note.clone()).unwrap_or_default(),
                version: v.map(|v| v.version.to_string()).unwrap_or_default(),
                error: None,
                stored: None,
            }
        })
        .collect();
    Ok(Html(kpi_edit_render(&ctx, year, rows, String::new(), false)?).into_response())
}

/// Saves the year's KPI form: every value is checked first, then only the changed ones are written in
/// one transaction; a value someone else changed since the form was read gives 409.
async fn kpi_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(year): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let year = path_year(&year)?;
    let field =
        |name: String| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let source = field("source".into());
    let values = state.db.u4ssc_kpi_values(actor.municipality_id).await?;
    let current = year_values(&values, year);
    let en = english(&ctx.tr);
    let mut rows = Vec::new();
    let mut changes = Vec::new();
    for k in kpis() {
        let s = slug(&k.code);
        let value = field(format!("value-{s}"));
        let note = field(format!("note-{s}"));
        let version = field(format!("version-{s}"));
        let mut error = None;
        let parsed = if value.is_empty() { Some(None) } else { parse_decimal(&value).map(Some) };
        if parsed.is_none() {
            error = Some(ctx.tr.t1("u4ssc-err-value", "value", &value));
        } else if note.chars().count() > NOTE_MAX {
            error = Some(ctx.tr.t1("u4ssc-err-note-long", "max", NOTE_MAX));
        }
        let expected_version = if version.is_empty() { None } else { Some(crate::forms::version(&version)?) };
        if let Some(new_value) = parsed {
            let note = (!note.is_empty()).then(|| note.clone());
            let old = current.get(k.code.as_str());
            let unchanged = match (old, new_value) {
                (None, None) => true,
                (Some(o), Some(v)) => o.value == v && o.note == note,
                _ => false,
            };
            if !unchanged {
                changes.push(KpiChange { code: k.code.clone(), value: new_value, note, expected_version });
            }
        }
        rows.push(KpiFormRow {
            slug: s,
            code: k.code.clone(),
            name: kpi_name(k, en),
            unit: k.unit.clone(),
            value,
            note,
            version,
            error,
            stored: None,
        });
    }
    if rows.iter().all(|r| r.error.is_none()) {
        let source = (!source.is_empty()).then_some(source.as_str());
        match state.db.u4ssc_kpi_save(&ctx.author()?, year, &changes, source).await {
            Ok(_) => return Ok(Redirect::to(&format!("/u4ssc/{year}/kpi")).into_response()),
            Err(StoreError::Conflict) => {
                // Show what is stored now beside what the user typed, and take the current versions.
                for row in &mut rows {
                    let stored = current.get(row.code.as_str());
                    row.version = stored.map(|v| v.version.to_string()).unwrap_or_default();
                    let stored_text = stored.map(|v| typed(v.value)).unwrap_or_default();
                    if stored_text != row.value {
                        row.stored =
                            Some(if stored_text.is_empty() { ctx.tr.t("u4ssc-kpi-none") } else { stored_text });
                    }
                }
                let body = kpi_edit_render(&ctx, year, rows, source.unwrap_or_default().to_owned(), true)?;
                return Ok((StatusCode::CONFLICT, Html(body)).into_response());
            }
            Err(e) => return Err(e.into()),
        }
    }
    let body = kpi_edit_render(&ctx, year, rows, source, false)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

/// The year's values as CSV in the import format (`code;year;value;note`, decimal comma).
async fn kpi_csv(State(state): State<AppState>, ctx: Ctx, Path(year): Path<String>) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let year = path_year(&year)?;
    let values = state.db.u4ssc_kpi_values(actor.municipality_id).await?;
    let current = year_values(&values, year);
    let mut out = String::from("code;year;value;note\n");
    for k in kpis() {
        if let Some(v) = current.get(k.code.as_str()) {
            let note = v.note.clone().unwrap_or_default().replace(['\n', '\r'], " ").replace('"', "\"\"");
            out.push_str(&format!("{};{};{};\"{}\"\n", k.code, year, typed(v.value), note));
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"u4ssc-kpi-{year}.csv\"")),
        ],
        out,
    )
        .into_response())
}

// ---------------------------------------------------------------- CSV import

/// One row of the import preview.
pub struct PreviewRow {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Year.
    pub year: i32,
    /// Value as shown.
    pub value: String,
    /// Unit.
    pub unit: String,
    /// Note.
    pub note: String,
    /// The value stored now, if any.
    pub existing: String,
}

#[derive(Template)]
#[template(path = "u4ssc_import.html")]
struct ImportTemplate {
    p: Page,
    errors: FieldErrors,
    file_name: String,
    /// Problems per line: (line, message).
    problems: Vec<(usize, String)>,
    rows: Vec<PreviewRow>,
    csv: String,
}

fn import_template(ctx: &Ctx) -> ImportTemplate {
    ImportTemplate {
        p: ctx.page(ctx.tr.t("u4ssc-import-title"), "u4ssc"),
        errors: FieldErrors::default(),
        file_name: String::new(),
        problems: Vec::new(),
        rows: Vec::new(),
        csv: String::new(),
    }
}

async fn import_page(ctx: Ctx) -> AppResult<Response> {
    manager(&ctx)?;
    Ok(Html(import_template(&ctx).render()?).into_response())
}

fn problems(ctx: &Ctx, errors: &[LineError]) -> Vec<(usize, String)> {
    errors.iter().map(|e| (e.line, ctx.tr.rule(&e.problem.rule()))).collect()
}

/// Parses the file and shows either every problem (422, nothing kept) or a preview to confirm.
async fn preview(state: &AppState, ctx: &Ctx, file_name: String, data: &[u8]) -> AppResult<Response> {
    let mut t = import_template(ctx);
    t.file_name = file_name;
    match parse_kpi_csv(data) {
        Err(errors) => {
            t.problems = problems(ctx, &errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
        }
        Ok(rows) => {
            let values = state.db.u4ssc_kpi_values(ctx.actor()?.municipality_id).await?;
            let en = english(&ctx.tr);
            t.rows = rows
                .iter()
                .map(|r| {
                    let kpi = kpi_by_code(&r.code);
                    PreviewRow {
                        code: r.code.clone(),
                        name: kpi.map(|k| kpi_name(k, en)).unwrap_or_default(),
                        year: r.year,
                        value: show(r.value),
                        unit: kpi.map(|k| k.unit.clone()).unwrap_or_default(),
                        note: r.note.clone().unwrap_or_default(),
                        existing: values
                            .iter()
                            .find(|v| v.kpi_code == r.code && v.year == i64::from(r.year))
                            .map(|v| show(v.value))
                            .unwrap_or_default(),
                    }
                })
                .collect();
            // Every line parsed, so every line is UTF-8 and so is the whole file.
            t.csv = String::from_utf8_lossy(data).into_owned();
            Ok(Html(t.render()?).into_response())
        }
    }
}

async fn import_upload(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap, body: Body) -> AppResult<Response> {
    manager(&ctx)?;
    let Some((file_name, data)) = crate::forms::uploaded_file(&headers, body, "u4ssc-err-no-file", "kpi.csv").await?
    else {
        let mut t = import_template(&ctx);
        t.errors.add("file", ctx.tr.t("u4ssc-err-no-file"));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response());
    };
    preview(&state, &ctx, file_name, &data).await
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    csv: String,
    #[serde(default)]
    file_name: String,
}

/// Writes a previewed file: parsed again, so a tampered or bad file writes nothing.
async fn import_confirm(State(state): State<AppState>, ctx: Ctx, Form(form): Form<ConfirmForm>) -> AppResult<Response> {
    manager(&ctx)?;
    let rows: Vec<KpiRow> = match parse_kpi_csv(form.csv.as_bytes()) {
        Ok(rows) => rows,
        Err(_) => return preview(&state, &ctx, form.file_name, form.csv.as_bytes()).await,
    };
    let name = form.file_name.trim();
    let source = if name.is_empty() { "CSV".to_owned() } else { name.chars().take(200).collect() };
    state.db.u4ssc_kpi_import(&ctx.author()?, &rows, &source).await?;
    let year = rows.iter().map(|r| r.year).max().unwrap_or(u4ssc::YEAR_MIN);
    Ok(Redirect::to(&format!("/u4ssc/{year}/kpi")).into_response())
}
