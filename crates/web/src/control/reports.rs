//! The unit managers' yearly reports upward (level 2 → 1): `/control/reports` lists the led units
//! the reader may see with whether each has reported, with CSV/XLSX; `/control/reports/{unit}`
//! shows a unit's report beside the facts it is about (the subtree's flagged controls and
//! significant risks), with the form its manager sends it by.

use super::*;
use rodtrad_domain::internal_control::ReportDraft;

/// `?year=&sent=1`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct YearQuery {
    year: Option<String>,
    sent: Option<String>,
}

/// A unit's line in the overview.
pub(crate) struct LineView {
    unit_id: i64,
    name: String,
    depth: usize,
    submitted: String,
}

#[derive(Template)]
#[template(path = "control/reports.html")]
pub(crate) struct ReportsTemplate {
    p: Page,
    lines: Vec<LineView>,
    year: i32,
    years: Vec<Choice>,
    sent: usize,
    errors: FieldErrors,
}

pub(crate) async fn index_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let year = year_of(q.year.as_deref());
    let lines: Vec<LineView> = service::reports(&state.db, actor, year)
        .await?
        .into_iter()
        .map(|l| LineView {
            unit_id: l.unit_id,
            name: l.name,
            depth: l.depth,
            submitted: l
                .report
                .map(|r| format!("{}, {}", r.submitted_by, tr.datetime(r.submitted_at)))
                .unwrap_or_default(),
        })
        .collect();
    let t = ReportsTemplate {
        p: ctx.page(tr.t("control-reports-title"), "control"),
        sent: lines.iter().filter(|l| !l.submitted.is_empty()).count(),
        lines,
        year,
        years: year_choices(),
        errors: FieldErrors::default(),
    };
    Ok(Html(t.render()?).into_response())
}

/// The overview with the reports' texts as CSV or XLSX.
pub(crate) async fn export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    use rodtrad_export::Cell;
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let year = year_of(q.year.as_deref());
    let head: Vec<String> = [
        "control-col-unit",
        "control-report-col-sent",
        "control-report-field-risks",
        "control-report-field-failures",
        "control-report-field-worked",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let rows: Vec<Vec<Cell>> = service::reports(&state.db, actor, year)
        .await?
        .into_iter()
        .map(|l| {
            let r = l.report.as_ref();
            vec![
                Cell::text(l.name.clone()),
                Cell::text(
                    r.map(|r| rodtrad_domain::norwegian_time::oslo_date(r.submitted_at).to_string())
                        .unwrap_or_default(),
                ),
                Cell::text(r.map(|r| r.significant_risks.clone()).unwrap_or_default()),
                Cell::text(r.map(|r| r.control_failures.clone()).unwrap_or_default()),
                Cell::text(r.map(|r| r.what_worked.clone()).unwrap_or_default()),
            ]
        })
        .collect();
    let title = format!("{} {year}", tr.t("control-reports-title"));
    crate::export::table_download(
        F::FORMAT,
        crate::export::TableNames::titled(&title, &tr.t("control-reports-sheet")),
        &head,
        &rows,
    )
}

/// A significant risk as the report page lists it.
pub(crate) struct RiskLine {
    description: String,
    unit: String,
    score: u16,
    band: String,
    accepted: bool,
}

#[derive(Template)]
#[template(path = "control/report.html")]
pub(crate) struct ReportTemplate {
    p: Page,
    unit_id: i64,
    year: i32,
    years: Vec<Choice>,
    submitted: String,
    sent_text: Option<ReportDraft>,
    flagged: Vec<RowView>,
    activities: usize,
    risks: Vec<RiskLine>,
    writes: bool,
    version: String,
    draft: ReportDraft,
    errors: FieldErrors,
    sent: bool,
}

async fn report_view(state: &AppState, ctx: &Ctx, unit_id: i64, year: i32) -> AppResult<ReportTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let tree = state.org_tree(actor.municipality_id).await?;
    let (report, facts) = service::report(&state.db, actor, unit_id, year, today()).await?;
    let unit = tree.name(unit_id);
    let sent_text = report.as_ref().map(|r| ReportDraft {
        significant_risks: r.significant_risks.clone(),
        control_failures: r.control_failures.clone(),
        what_worked: r.what_worked.clone(),
    });
    Ok(ReportTemplate {
        p: ctx.page(format!("{} – {unit} {year}", tr.t("control-report-title")), "control"),
        unit_id,
        year,
        years: year_choices(),
        submitted: report
            .as_ref()
            .map(|r| format!("{}, {}", r.submitted_by, tr.datetime(r.submitted_at)))
            .unwrap_or_default(),
        draft: sent_text.clone().unwrap_or_default(),
        sent_text,
        flagged: facts.flagged.iter().map(|r| row_view(tr, &tree, r)).collect(),
        activities: facts.activities,
        risks: facts
            .significant_risks
            .iter()
            .map(|s| RiskLine {
                description: s.risk.item.description.clone(),
                unit: s.unit.clone(),
                score: s.score,
                band: tr.t(s.band.label_key()),
                accepted: s.accepted,
            })
            .collect(),
        writes: actor.can_write_control_report(unit_id),
        version: report.map(|r| r.version.to_string()).unwrap_or_default(),
        errors: FieldErrors::default(),
        sent: false,
    })
}

pub(crate) async fn report_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let mut t = report_view(&state, &ctx, unit, year_of(q.year.as_deref())).await?;
    t.sent = q.sent.is_some();
    Ok(Html(t.render()?).into_response())
}

/// Sends the report of the year in the form: to the page, or 422/409 with the text kept.
pub(crate) async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let year = year_of(Some(field(&form, "year")));
    // Read first: a unit the actor may not read the report of is 404, as on the page.
    let mut t = report_view(&state, &ctx, unit, year).await?;
    if !actor.can_write_control_report(unit) {
        return Err(AppError::Forbidden);
    }
    let draft = ReportDraft {
        significant_risks: field(&form, "significant_risks").into(),
        control_failures: field(&form, "control_failures").into(),
        what_worked: field(&form, "what_worked").into(),
    };
    let version = crate::forms::version_if_saved(field(&form, "version"));
    let (status, errors) = match draft.parse() {
        Ok(new) => match service::send_report(&state.db, (actor, &ctx.author()?), unit, year, version, &new).await {
            Ok(_) => return Ok(Redirect::to(&format!("/control/reports/{unit}?year={year}&sent=1")).into_response()),
            Err(e) => refusal(&ctx.tr, e)?,
        },
        Err(errors) => broken(&ctx.tr, &errors),
    };
    for (f, m) in errors {
        t.errors.add(f.unwrap_or("significant_risks"), m);
    }
    t.draft = draft;
    Ok((status, Html(t.render()?)).into_response())
}
