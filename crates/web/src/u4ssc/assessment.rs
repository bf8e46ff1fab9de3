//! The self-assessment: the overview of years, the process × phase matrix and the cell editor.

use super::*;

// ---------------------------------------------------------------- overview

#[derive(Template)]
#[template(path = "u4ssc/index.html")]
pub(crate) struct OverviewTemplate {
    pub(crate) p: Page,
    pub(crate) assessments: Vec<Assessment>,
    pub(crate) latest_year: Option<i64>,
    pub(crate) level_counts: Vec<(Level, usize)>,
    pub(crate) not_assessed: usize,
    pub(crate) kpi_years: Vec<(i64, usize)>,
    pub(crate) kpi_total: usize,
    pub(crate) can_manage: bool,
    pub(crate) errors: FieldErrors,
    pub(crate) form: StartForm,
    pub(crate) start_choices: Vec<Choice>,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct StartForm {
    #[serde(default)]
    pub(crate) year: String,
    #[serde(default)]
    pub(crate) start: String,
}

pub(crate) async fn render_overview(
    state: &AppState,
    ctx: &Ctx,
    form: StartForm,
    errors: FieldErrors,
) -> AppResult<String> {
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

pub(crate) async fn overview(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(Html(render_overview(&state, &ctx, StartForm::default(), FieldErrors::default()).await?).into_response())
}

/// Starts a new year's assessment, empty or as a copy of the latest earlier year.
pub(crate) async fn start_year(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<StartForm>,
) -> AppResult<Response> {
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
#[template(path = "u4ssc/matrix.html")]
pub(crate) struct MatrixTemplate {
    pub(crate) p: Page,
    pub(crate) year: i64,
    pub(crate) copied_from_year: Option<i64>,
    pub(crate) phases: Vec<String>,
    pub(crate) rows: Vec<(String, Vec<CellView>)>,
    pub(crate) levels: Vec<Level>,
    pub(crate) can_manage: bool,
}

pub(crate) async fn matrix(State(state): State<AppState>, ctx: Ctx, Path(year): Path<String>) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let year = path_year(&year)?;
    let mid = actor.municipality_id;
    let cells = state.db.u4ssc_cells(mid, year).await?;
    let copied_from_year =
        state.db.u4ssc_assessments(mid).await?.into_iter().find(|a| a.year == year).and_then(|a| a.copied_from_year);
    let rows = Process::ALL
        .iter()
        .map(|process| {
            let views = Phase::ALL
                .iter()
                .map(|phase| {
                    let cell = find(&cells, *process, *phase);
                    CellView {
                        element: ctx.tr.t(element_key(*process, *phase)),
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
pub(crate) struct CellForm {
    #[serde(default)]
    pub(crate) maturity: String,
    #[serde(default)]
    pub(crate) evidence: String,
    #[serde(default)]
    pub(crate) responsible: String,
    #[serde(default)]
    pub(crate) assessed_on: String,
    #[serde(default)]
    pub(crate) version: String,
}

impl CellForm {
    pub(crate) fn from_cell(cell: &Cell) -> Self {
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
#[template(path = "u4ssc/cell.html")]
pub(crate) struct CellTemplate {
    pub(crate) p: Page,
    pub(crate) year: i64,
    pub(crate) action: String,
    pub(crate) process: String,
    pub(crate) phase: String,
    pub(crate) form: CellForm,
    pub(crate) levels: Vec<Choice>,
    pub(crate) people: Vec<Choice>,
    pub(crate) errors: FieldErrors,
    /// The stored element, shown beside the form after a stale save.
    pub(crate) conflict: Option<CellView>,
}

pub(crate) fn parse_cell_path(year: &str, process: &str, phase: &str) -> AppResult<(i64, Process, Phase)> {
    let year = path_year(year)?;
    let process = Process::parse(process).ok_or(AppError::NotFound)?;
    let phase = Phase::parse(phase).ok_or(AppError::NotFound)?;
    Ok((year, process, phase))
}

pub(crate) async fn render_cell(
    state: &AppState,
    ctx: &Ctx,
    (year, process, phase): (i64, Process, Phase),
    form: CellForm,
    errors: FieldErrors,
    conflict: Option<&Cell>,
) -> AppResult<String> {
    let mid = ctx.actor()?.municipality_id;
    let element = ctx.tr.t(element_key(process, phase));
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

pub(crate) async fn cell_page(
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
pub(crate) async fn cell_save(
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
