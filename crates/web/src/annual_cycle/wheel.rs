//! The list of wheels with the form that makes one from the template, a wheel's page (the SVG, the
//! list by month, the form that adds an activity), its CSV/XLSX, and the January *årshjul case* as
//! a printable page and a PDF.

use super::*;
use rodtrad_domain::annual_cycle::ActivityDraft;

/// A wheel as listed.
pub(crate) struct WheelRow {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) kind: String,
    pub(crate) created: String,
}

#[derive(Template)]
#[template(path = "annual_cycle/index.html")]
pub(crate) struct IndexTemplate {
    pub(crate) p: Page,
    pub(crate) rows: Vec<WheelRow>,
    pub(crate) manages: bool,
    pub(crate) cycles: Vec<Choice>,
    pub(crate) cycle: String,
    pub(crate) year: String,
    pub(crate) errors: FieldErrors,
}

async fn index(state: &AppState, ctx: &Ctx) -> AppResult<IndexTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let rows = state
        .db
        .cycle_wheels(actor.municipality_id)
        .await?
        .iter()
        .map(|w| WheelRow {
            id: w.id,
            title: wheel_title(tr, w),
            kind: tr.t(w.cycle.label_key()),
            created: format!("{}, {}", w.created_by, tr.datetime(w.created_at)),
        })
        .collect();
    Ok(IndexTemplate {
        p: ctx.page(tr.t("cycle-list-title"), "annual_cycle"),
        rows,
        manages: actor.can_manage_annual_cycle(),
        cycles: cycle_choices(tr),
        cycle: Cycle::Year.code().into(),
        year: String::new(),
        errors: FieldErrors::default(),
    })
}

/// The municipality's wheels.
pub(crate) async fn index_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(Html(index(&state, &ctx).await?.render()?).into_response())
}

/// Makes a wheel from the template: a kind and a year; 422 with the values kept (a taken year too).
pub(crate) async fn wheel_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let (cycle, year) = (field(&form, "cycle").to_owned(), field(&form, "year").to_owned());
    let mut errors = FieldErrors::default();
    let parsed_cycle = Cycle::parse(&cycle);
    if let Err(e) = &parsed_cycle {
        errors.add("cycle", ctx.tr.rule(e));
    }
    let parsed_year = rodtrad_domain::annual_cycle::parse_year(&year);
    if let Err(e) = &parsed_year {
        errors.add("year", ctx.tr.rule(e));
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let (Ok(c), Ok(y)) = (parsed_cycle, parsed_year) {
        match service::create_wheel(&state.db, (actor, &ctx.author()?), c, y).await {
            Ok(id) => return Ok(Redirect::to(&format!("/annual-cycle/wheels/{id}")).into_response()),
            Err(e) => {
                let (s, message) = refusal(&ctx.tr, e)?;
                status = s;
                errors.add("year", message);
            }
        }
    }
    let mut t = index(&state, &ctx).await?;
    t.cycle = cycle;
    t.year = year;
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "annual_cycle/wheel.html")]
pub(crate) struct WheelTemplate {
    pub(crate) p: Page,
    pub(crate) id: i64,
    pub(crate) is_year: bool,
    pub(crate) view_box: String,
    pub(crate) centre: String,
    pub(crate) sectors: Vec<svg::Sector>,
    pub(crate) marks: Vec<svg::Mark>,
    pub(crate) summary: String,
    pub(crate) groups: Vec<MonthGroup>,
    pub(crate) manages: bool,
    pub(crate) saved: bool,
    pub(crate) errors: FieldErrors,
    pub(crate) draft: ActivityDraft,
    pub(crate) unit: String,
    pub(crate) kinds: Vec<Choice>,
    pub(crate) deadlines: Vec<Choice>,
    pub(crate) units: Vec<Choice>,
    pub(crate) span_help: String,
}

/// A wheel of the caller's municipality with its activities (404 for another's).
pub(crate) async fn load_wheel(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Wheel, Vec<StoredActivity>)> {
    let actor = ctx.actor()?;
    let wheel = state.db.cycle_wheel(actor.municipality_id, id).await?;
    let activities = state.db.cycle_activities(wheel.id).await?;
    Ok((wheel, activities))
}

/// A unit's name by id, empty for none.
pub(crate) async fn unit_names(state: &AppState, ctx: &Ctx) -> AppResult<impl Fn(Option<i64>) -> String> {
    let tree = state.org_tree(ctx.actor()?.municipality_id).await?;
    Ok(move |id: Option<i64>| id.and_then(|id| tree.get(id)).map(|u| u.name.clone()).unwrap_or_default())
}

/// The wheel's page, its add form empty.
pub(crate) async fn wheel_view(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<WheelTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let (wheel, activities) = load_wheel(state, ctx, id).await?;
    let names = unit_names(state, ctx).await?;
    let span = wheel.span();
    let labels: Vec<String> = match wheel.cycle {
        Cycle::Year => (1..=12).map(|m| month_short(tr, m)).collect(),
        Cycle::Period => (0..4).map(|i| (wheel.first_year + i).to_string()).collect(),
    };
    let items: Vec<(NaiveDate, bool, String)> = activities
        .iter()
        .map(|a| {
            let x = &a.activity;
            (
                x.ends_on,
                x.kind == ActivityKind::Political,
                format!("{} ({})", x.title, dates(tr, x.starts_on, x.ends_on)),
            )
        })
        .collect();
    let political = items.iter().filter(|i| i.1).count();
    let summary = format!(
        "{} {}",
        tr.t1("cycle-svg-political", "count", political),
        tr.t1("cycle-svg-administrative", "count", items.len() - political)
    );
    let manages = actor.can_manage_annual_cycle();
    Ok(WheelTemplate {
        p: ctx.page(wheel_title(tr, &wheel), "annual_cycle"),
        id: wheel.id,
        is_year: wheel.cycle == Cycle::Year,
        view_box: format!("0 0 {0} {0}", 2.0 * svg::C),
        centre: format!("{}", svg::C),
        sectors: svg::sectors(&labels),
        marks: svg::marks(&items, span),
        summary,
        groups: by_month(tr, &wheel, &activities, names),
        manages,
        saved: false,
        errors: FieldErrors::default(),
        draft: ActivityDraft { kind: ActivityKind::Administrative.code().into(), ..ActivityDraft::default() },
        unit: String::new(),
        kinds: kind_choices(tr),
        deadlines: deadline_choices(tr),
        units: if manages { unit_choices(state, ctx).await? } else { Vec::new() },
        span_help: span_help(tr, span),
    })
}

/// A wheel: the SVG, the list by month and, for the staff, the add form.
pub(crate) async fn wheel_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let mut t = wheel_view(&state, &ctx, id).await?;
    t.saved = q.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

/// The columns of the export and the case.
fn head(tr: &Tr) -> Vec<String> {
    [
        "cycle-col-month",
        "cycle-col-starts",
        "cycle-col-ends",
        "cycle-col-activity",
        "cycle-col-kind",
        "cycle-col-responsible",
        "cycle-col-unit",
        "cycle-col-deadline",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect()
}

/// The wheel's activities as CSV or XLSX (dates in ISO 8601).
pub(crate) async fn wheel_export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    use rodtrad_export::Cell;
    let tr = &ctx.tr;
    let (wheel, activities) = load_wheel(&state, &ctx, id).await?;
    let names = unit_names(&state, &ctx).await?;
    let rows: Vec<Vec<Cell>> = activities
        .iter()
        .map(|a| {
            let x = &a.activity;
            vec![
                Cell::text(month_name(tr, x.starts_on.month())),
                Cell::text(x.starts_on.to_string()),
                Cell::text(x.ends_on.to_string()),
                Cell::text(x.title.clone()),
                Cell::text(tr.t(x.kind.label_key())),
                Cell::text(x.responsible.clone()),
                Cell::text(names(a.unit_id)),
                Cell::text(x.deadline.map(|d| tr.t(d.label_key())).unwrap_or_default()),
            ]
        })
        .collect();
    let title = wheel_title(tr, &wheel);
    crate::export::table_download(F::FORMAT, crate::export::TableNames::titled(&title, &title), &head(tr), &rows)
}

#[derive(Template)]
#[template(path = "annual_cycle/case.html")]
pub(crate) struct CaseTemplate {
    pub(crate) p: Page,
    pub(crate) id: i64,
    pub(crate) municipality: String,
    pub(crate) intro: String,
    pub(crate) groups: Vec<MonthGroup>,
}

async fn case(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<CaseTemplate> {
    let tr = &ctx.tr;
    let (wheel, activities) = load_wheel(state, ctx, id).await?;
    let names = unit_names(state, ctx).await?;
    let municipality = state.db.municipality(ctx.actor()?.municipality_id).await?.name;
    let years = match wheel.cycle {
        Cycle::Year => wheel.first_year.to_string(),
        Cycle::Period => format!("{}–{}", wheel.first_year, wheel.first_year + 3),
    };
    Ok(CaseTemplate {
        p: ctx.page(tr.t1("cycle-case-title", "years", years.clone()), "annual_cycle"),
        id: wheel.id,
        municipality,
        intro: tr.t1("cycle-case-intro", "years", years),
        groups: by_month(tr, &wheel, &activities, names),
    })
}

/// The January *årshjul case* for the council: the year's dated activities by month, printable.
pub(crate) async fn case_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Html(case(&state, &ctx, id).await?.render()?).into_response())
}

/// The *årshjul case* as a PDF.
pub(crate) async fn case_pdf(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let tr = &ctx.tr;
    let c = case(&state, &ctx, id).await?;
    let doc = service::CaseDocument {
        municipality: c.municipality.clone(),
        title: c.p.title.clone(),
        intro: c.intro.clone(),
        heads: [
            tr.t("cycle-col-dates"),
            tr.t("cycle-col-activity"),
            tr.t("cycle-col-kind"),
            tr.t("cycle-col-responsible"),
        ],
        months: c
            .groups
            .iter()
            .map(|g| service::CaseMonth {
                name: g.name.clone(),
                rows: g
                    .activities
                    .iter()
                    .map(|a| [a.dates.clone(), a.title.clone(), a.kind.clone(), a.responsible.clone()])
                    .collect(),
            })
            .collect(),
        page: [tr.t("letters-pdf-page"), tr.t("letters-pdf-of")],
    };
    let title = c.p.title.clone();
    let bytes = tokio::task::spawn_blocking(move || service::case_pdf(&doc))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::Internal)?;
    Ok(crate::export::download(bytes, "application/pdf", &title, "pdf"))
}
