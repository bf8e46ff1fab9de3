//! Internal control (*internkontroll*, issue #16 §2) under `/control`: the control activities the
//! reader may see with each one's standing in the year, missed and failed ones flagged, with
//! CSV/XLSX (`index`); setting up and changing an activity (`new`, `page`); an activity's page with
//! its periods of the year, its execution records and their evidence files, and the forms to
//! record an execution with a file and to add evidence later; evidence downloads; and the unit
//! managers' yearly reports upward (`reports`). `/api/v1/control` is in `api`.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms::{choices, field, today, year_choices, year_of};
use crate::i18n::Tr;
use crate::org::Choice;
use crate::pages::{FieldErrors, Page};
use crate::routes::{NavEntry, Routes};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Datelike;
use rodtrad_domain::internal_control::{
    ActivityDraft, ExecutionDraft, Frequency, Method, Outcome, Period, PeriodState, Standing, check_evidence,
};
use rodtrad_service::ServiceError;
use rodtrad_service::internal_control as service;
use rodtrad_store::StoreError;
use rodtrad_store::internal_control::ControlActivity;
use rodtrad_store::org::OrgTree;
use serde::Deserialize;

pub mod api;
mod reports;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("control")
        .nav(NavEntry::all(22, "/control", "control-nav", "control"))
        .get("/control", index_page)
        .post("/control", create)
        .get("/control/new", new_page)
        .get("/control/export.csv", list_export::<crate::export::Csv>)
        .get("/control/export.xlsx", list_export::<crate::export::Xlsx>)
        .get("/control/evidence/{evidence}", evidence_download)
        .get("/control/reports", reports::index_page)
        .get("/control/reports/export.csv", reports::export::<crate::export::Csv>)
        .get("/control/reports/export.xlsx", reports::export::<crate::export::Xlsx>)
        .get("/control/reports/{unit}", reports::report_page)
        .post("/control/reports/{unit}", reports::send)
        .get("/control/{activity}", activity_page)
        .post("/control/{activity}", update)
        .post("/control/{activity}/executions", record)
        .post("/control/{activity}/executions/{execution}/evidence", evidence_add)
}

/// A period's name: «mars 2026», «2. kvartal 2026», «1. tertial 2026», «2. halvår 2026», «2026».
pub(crate) fn period_label(tr: &Tr, p: Period) -> String {
    let key = match p.frequency {
        Frequency::Monthly => {
            return format!("{} {}", tr.t(&format!("economy-month-{}", p.index)), p.year);
        }
        Frequency::Quarterly => "control-period-quarter",
        Frequency::FourMonthly => "control-period-four-month",
        Frequency::HalfYearly => "control-period-half-year",
        Frequency::Yearly => return p.year.to_string(),
    };
    tr.tn(key, &[("index", p.index.to_string()), ("year", p.year.to_string())])
}

/// An activity in the list.
pub(crate) struct RowView {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) unit: String,
    pub(crate) owner: String,
    pub(crate) method: String,
    pub(crate) frequency: String,
    pub(crate) latest: String,
    pub(crate) missed: u32,
    pub(crate) failed: u32,
    pub(crate) due: String,
    pub(crate) flagged: bool,
}

pub(crate) fn row_view(tr: &Tr, tree: &OrgTree, r: &service::Row) -> RowView {
    let a = &r.activity;
    RowView {
        id: a.id,
        title: a.title.clone(),
        unit: tree.name(a.unit_id),
        owner: a.owner.clone(),
        method: tr.t(a.method.label_key()),
        frequency: tr.t(a.frequency.label_key()),
        latest: r
            .latest
            .as_ref()
            .map(|e| format!("{}: {}", period_label(tr, e.period(a.frequency)), tr.t(e.outcome.label_key())))
            .unwrap_or_default(),
        missed: r.standing.missed,
        failed: r.standing.failed,
        due: r.standing.due.map(|p| period_label(tr, p)).unwrap_or_default(),
        flagged: r.standing.flagged(),
    }
}

/// `?year=&show=flagged` of the list.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    year: Option<String>,
    show: Option<String>,
}

impl ListQuery {
    fn year(&self) -> i32 {
        year_of(self.year.as_deref())
    }

    fn flagged_only(&self) -> bool {
        self.show.as_deref() == Some("flagged")
    }
}

#[derive(Template)]
#[template(path = "control/index.html")]
pub(crate) struct IndexTemplate {
    p: Page,
    rows: Vec<RowView>,
    year: i32,
    years: Vec<Choice>,
    show: String,
    shows: Vec<Choice>,
    flagged: usize,
    total: usize,
    query: String,
    can_create: bool,
    overview: bool,
    errors: FieldErrors,
}

async fn listed(state: &AppState, ctx: &Ctx, q: &ListQuery) -> AppResult<Vec<service::Row>> {
    let actor = ctx.actor()?;
    Ok(service::list(&state.db, actor, q.year(), today()).await?)
}

async fn index_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let tree = state.org_tree(actor.municipality_id).await?;
    let all = listed(&state, &ctx, &q).await?;
    let flagged = all.iter().filter(|r| r.standing.flagged()).count();
    let total = all.len();
    let rows =
        all.iter().filter(|r| !q.flagged_only() || r.standing.flagged()).map(|r| row_view(tr, &tree, r)).collect();
    let year = q.year();
    let show = if q.flagged_only() { "flagged".to_owned() } else { String::new() };
    let can_create = tree.units().iter().any(|u| actor.can_edit_control(&tree.ancestry(u.id)));
    let t = IndexTemplate {
        p: ctx.page(tr.t("control-title"), "control"),
        rows,
        year,
        years: year_choices(),
        query: format!("year={year}&show={show}"),
        show,
        shows: vec![Choice { value: "flagged".into(), label: tr.t("control-show-flagged") }],
        flagged,
        total,
        can_create,
        overview: actor.can_read_control_overview(),
        errors: FieldErrors::default(),
    };
    Ok(Html(t.render()?).into_response())
}

/// The list as CSV or XLSX, with the filter of the page.
async fn list_export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    use rodtrad_export::Cell;
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let tree = state.org_tree(actor.municipality_id).await?;
    let head: Vec<String> = [
        "control-col-id",
        "control-col-title",
        "control-col-unit",
        "control-col-owner",
        "control-col-method",
        "control-col-frequency",
        "control-col-legal",
        "control-col-done",
        "control-col-remarks",
        "control-col-failed",
        "control-col-missed",
        "control-col-due",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let rows: Vec<Vec<Cell>> = listed(&state, &ctx, &q)
        .await?
        .iter()
        .filter(|r| !q.flagged_only() || r.standing.flagged())
        .map(|r| {
            let a = &r.activity;
            let s = &r.standing;
            vec![
                Cell::number(a.id as f64),
                Cell::text(a.title.clone()),
                Cell::text(tree.name(a.unit_id)),
                Cell::text(a.owner.clone()),
                Cell::text(tr.t(a.method.label_key())),
                Cell::text(tr.t(a.frequency.label_key())),
                Cell::text(a.legal_refs().join("; ")),
                Cell::number(f64::from(s.ok)),
                Cell::number(f64::from(s.remarks)),
                Cell::number(f64::from(s.failed)),
                Cell::number(f64::from(s.missed)),
                Cell::text(s.due.map(|p| period_label(tr, p)).unwrap_or_default()),
            ]
        })
        .collect();
    let title = format!("{} {}", tr.t("control-title"), q.year());
    crate::export::table_download(
        F::FORMAT,
        crate::export::TableNames::titled(&title, &tr.t("control-sheet")),
        &head,
        &rows,
    )
}

/// The choices of an activity form: units the actor edits, people of the unit's line, and the
/// risks of the analyses of the unit and the units above it, this year and last.
#[derive(Default)]
pub(crate) struct FormChoices {
    unit_groups: Vec<crate::plans::ChoiceGroup>,
    people: Vec<Choice>,
    risks: Vec<Choice>,
    methods: Vec<Choice>,
    frequencies: Vec<Choice>,
}

async fn form_choices(state: &AppState, ctx: &Ctx, draft: &ActivityDraft) -> AppResult<FormChoices> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let mid = actor.municipality_id;
    let (unit_groups, _) = crate::plans::unit_groups(state, ctx, true, "", &draft.unit_id).await?;
    let tree = state.org_tree(mid).await?;
    let unit: Option<i64> = draft.unit_id.trim().parse().ok().filter(|u| tree.get(*u).is_some());
    let line = unit.map(|u| tree.ancestry(u)).unwrap_or_default();
    let filter = rodtrad_store::people::PeopleFilter { unit_ids: unit.map(|_| line.clone()), query: None };
    let people = state
        .db
        .people(mid, &filter, 500)
        .await?
        .into_iter()
        .map(|p| Choice { value: p.id.to_string(), label: p.name })
        .collect();
    let mut risks = Vec::new();
    if unit.is_some() {
        let this = today().year();
        for year in [this, this - 1] {
            let analyses = state.db.risk_analyses(mid, Some(year)).await?;
            for r in state.db.risk_items_of_year(mid, year).await? {
                let Some(a) = analyses.iter().find(|a| a.id == r.analysis_id && line.contains(&a.unit_id)) else {
                    continue;
                };
                let label = format!("{} ({}, {year})", r.item.description, tree.name(a.unit_id));
                risks.push(Choice { value: r.id.to_string(), label });
            }
        }
    }
    Ok(FormChoices {
        unit_groups,
        people,
        risks,
        methods: choices(tr, Method::ALL),
        frequencies: choices(tr, Frequency::ALL),
    })
}

#[derive(Template)]
#[template(path = "control/new.html")]
pub(crate) struct NewTemplate {
    p: Page,
    draft: ActivityDraft,
    c: FormChoices,
    errors: FieldErrors,
    /// The unit is chosen in a step of its own (its people and risks fill the form).
    unit_fixed: bool,
    /// Its name, empty until one of the municipality is chosen.
    unit_label: String,
}

async fn new_view(state: &AppState, ctx: &Ctx, draft: ActivityDraft) -> AppResult<NewTemplate> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let unit_label = draft.unit_id.trim().parse::<i64>().ok().map(|u| tree.name(u)).unwrap_or_default();
    let c = form_choices(state, ctx, &draft).await?;
    Ok(NewTemplate {
        p: ctx.page(ctx.tr.t("control-new-title"), "control"),
        draft,
        c,
        errors: FieldErrors::default(),
        unit_fixed: true,
        unit_label,
    })
}

async fn new_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<UnitQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    if !tree.units().iter().any(|u| actor.can_edit_control(&tree.ancestry(u.id))) {
        return Err(AppError::Forbidden);
    }
    let draft = ActivityDraft {
        unit_id: q.unit_id.clone().or(actor.own_unit.map(|u| u.to_string())).unwrap_or_default(),
        method: Method::Checklist.code().into(),
        frequency: Frequency::FourMonthly.code().into(),
        owner_person_id: actor.person_id.map(|p| p.to_string()).unwrap_or_default(),
        starts_on: today().format("%d.%m.%Y").to_string(),
        ..ActivityDraft::default()
    };
    Ok(Html(new_view(&state, &ctx, draft).await?.render()?).into_response())
}

/// `?unit_id=` to start the form for a unit (and show its people and risks).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct UnitQuery {
    unit_id: Option<String>,
}

fn draft_of(form: &[(String, String)]) -> ActivityDraft {
    ActivityDraft {
        unit_id: field(form, "unit_id").into(),
        title: field(form, "title").into(),
        description: field(form, "description").into(),
        method: field(form, "method").into(),
        frequency: field(form, "frequency").into(),
        owner_person_id: field(form, "owner_person_id").into(),
        legal_basis: field(form, "legal_basis").into(),
        risk_item_ids: form.iter().filter(|(k, _)| k == "risk_item_ids").map(|(_, v)| v.clone()).collect(),
        starts_on: field(form, "starts_on").into(),
    }
}

/// What a refused write shows: its status and each message on its field.
type Refusal = (StatusCode, Vec<(Option<&'static str>, String)>);

/// A refusal of a service call, or the error to pass on.
fn refusal(tr: &Tr, e: ServiceError) -> AppResult<Refusal> {
    let (status, field, message) = crate::error::field_refusal(tr, e)?;
    Ok((status, vec![(field, message)]))
}

fn broken(tr: &Tr, errors: &[rodtrad_domain::RuleError]) -> Refusal {
    (StatusCode::UNPROCESSABLE_ENTITY, errors.iter().map(|e| (e.field, tr.rule(e))).collect())
}

/// Sets up an activity: to its page, or 422 with the form and every value kept.
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let draft = draft_of(&form);
    crate::deviations::unit_of_municipality(&state, actor, &draft.unit_id).await?;
    let (status, errors) = match draft.parse(today()) {
        Ok(new) => match service::create(&state.db, (actor, &ctx.author()?), &new).await {
            Ok(id) => return Ok(Redirect::to(&format!("/control/{id}?saved=1")).into_response()),
            Err(e) => refusal(&ctx.tr, e)?,
        },
        Err(errors) => broken(&ctx.tr, &errors),
    };
    let mut t = new_view(&state, &ctx, draft).await?;
    for (f, m) in errors {
        t.errors.add(f.unwrap_or("title"), m);
    }
    Ok((status, Html(t.render()?)).into_response())
}

/// A period of the year as the activity page shows it.
pub(crate) struct PeriodView {
    label: String,
    state: String,
    state_code: &'static str,
    execution: Option<ExecutionView>,
}

/// An execution record as shown.
pub(crate) struct ExecutionView {
    id: i64,
    period: String,
    performed_on: String,
    findings: String,
    follow_up: String,
    recorded: String,
    evidence: Vec<EvidenceView>,
}

/// An evidence file as listed.
pub(crate) struct EvidenceView {
    id: i64,
    file_name: String,
    size: String,
    uploaded: String,
}

/// A linked risk as shown.
pub(crate) struct RiskView {
    description: String,
    unit: String,
    year: i64,
    score: i64,
    analysis_href: String,
}

fn size_label(bytes: i64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{} kB", (bytes + 512) / 1024)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

#[derive(Template)]
#[template(path = "control/page.html")]
pub(crate) struct PageTemplate {
    p: Page,
    a: RowView,
    description: String,
    starts_on: String,
    legal: Vec<String>,
    risks: Vec<RiskView>,
    updated: String,
    year: i32,
    years: Vec<Choice>,
    periods: Vec<PeriodView>,
    /// Periods that can be recorded: begun, not recorded, this year or the one before.
    open_periods: Vec<Choice>,
    outcomes: Vec<Choice>,
    records: bool,
    edits: bool,
    version: i64,
    /// The form a refusal is about (`record`, `evidence`, `edit`).
    form: &'static str,
    errors: FieldErrors,
    execution: ExecutionDraft,
    draft: ActivityDraft,
    c: FormChoices,
    saved: bool,
    max_mb: usize,
    unit_fixed: bool,
    unit_label: String,
}

async fn page_view(state: &AppState, ctx: &Ctx, id: i64, year: i32) -> AppResult<PageTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let mid = actor.municipality_id;
    let (a, line) = service::readable(&state.db, actor, id).await?;
    let tree = state.org_tree(mid).await?;
    let today = today();
    let this_year = today.year();
    let mut executions = state.db.control_executions(mid, year, Some(a.id)).await?;
    if year != this_year {
        executions.extend(state.db.control_executions(mid, this_year, Some(a.id)).await?);
    }
    let last_year = state.db.control_executions(mid, this_year - 1, Some(a.id)).await?;
    let evidence = state.db.control_evidence_files(mid, a.id).await?;
    let view = |e: &rodtrad_store::internal_control::ControlExecution| ExecutionView {
        id: e.id,
        period: period_label(tr, e.period(a.frequency)),
        performed_on: tr.date(e.performed_on),
        findings: e.findings.clone(),
        follow_up: e.follow_up.clone(),
        recorded: format!("{}, {}", e.recorded_by, tr.datetime(e.recorded_at)),
        evidence: evidence
            .iter()
            .filter(|f| f.execution_id == e.id)
            .map(|f| EvidenceView {
                id: f.id,
                file_name: f.file_name.clone(),
                size: size_label(f.size_bytes),
                uploaded: format!("{}, {}", f.uploaded_by, tr.datetime(f.uploaded_at)),
            })
            .collect(),
    };
    let periods = Period::of_year(a.frequency, a.starts_on, year)
        .into_iter()
        .map(|p| {
            let e = executions.iter().find(|e| e.period(a.frequency) == p);
            let s = PeriodState::of(p, e.map(|e| e.outcome), today);
            PeriodView {
                label: period_label(tr, p),
                state: tr.t(s.label_key()),
                state_code: s.code(),
                execution: e.map(view),
            }
        })
        .collect();
    let mut open_periods = Vec::new();
    for y in [this_year, this_year - 1] {
        let done = if y == this_year { &executions } else { &last_year };
        for p in Period::of_year(a.frequency, a.starts_on, y).into_iter().rev() {
            if p.start() <= today && !done.iter().any(|e| e.period(a.frequency) == p) {
                open_periods.push(Choice { value: p.code(), label: period_label(tr, p) });
            }
        }
    }
    let year_executions: Vec<_> = executions.iter().filter(|e| e.period_year == i64::from(year)).cloned().collect();
    let row = service::Row::of(a.clone(), year, &year_executions, today);
    let linked = state.db.control_linked_risks(mid, Some(a.id)).await?;
    let draft = activity_draft(&a, &linked);
    let risks = linked
        .into_iter()
        .map(|r| RiskView {
            description: r.description,
            unit: tree.name(r.unit_id),
            year: r.year,
            score: r.likelihood * r.consequence,
            analysis_href: format!("/risk?unit={}&year={}", r.unit_id, r.year),
        })
        .collect::<Vec<_>>();
    let edits = actor.can_edit_control(&line);
    Ok(PageTemplate {
        p: ctx.page(a.title.clone(), "control"),
        a: row_view(tr, &tree, &row),
        description: a.description.clone(),
        starts_on: tr.date(a.starts_on),
        legal: a.legal_refs().iter().map(|s| (*s).to_owned()).collect(),
        risks,
        updated: format!("{}, {}", a.updated_by, tr.datetime(a.updated_at)),
        year,
        years: year_choices(),
        periods,
        open_periods,
        outcomes: choices(tr, Outcome::ALL),
        records: actor.can_record_control(&line, a.owner_person_id),
        edits,
        version: a.version,
        form: "",
        errors: FieldErrors::default(),
        execution: ExecutionDraft {
            outcome: Outcome::Ok.code().into(),
            performed_on: today.format("%d.%m.%Y").to_string(),
            ..ExecutionDraft::default()
        },
        c: if edits { form_choices(state, ctx, &draft).await? } else { FormChoices::default() },
        draft,
        saved: false,
        max_mb: rodtrad_domain::internal_control::EVIDENCE_MAX_BYTES / (1024 * 1024),
        unit_fixed: false,
        unit_label: String::new(),
    })
}

fn activity_draft(a: &ControlActivity, risks: &[rodtrad_store::internal_control::LinkedRisk]) -> ActivityDraft {
    ActivityDraft {
        unit_id: a.unit_id.to_string(),
        title: a.title.clone(),
        description: a.description.clone(),
        method: a.method.code().into(),
        frequency: a.frequency.code().into(),
        owner_person_id: a.owner_person_id.to_string(),
        legal_basis: a.legal_basis.clone(),
        risk_item_ids: risks.iter().map(|r| r.risk_item_id.to_string()).collect(),
        starts_on: a.starts_on.format("%d.%m.%Y").to_string(),
    }
}

/// `?year=&saved=1` of an activity's page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    year: Option<String>,
    saved: Option<String>,
}

async fn activity_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let mut t = page_view(&state, &ctx, id, year_of(q.year.as_deref())).await?;
    t.saved = q.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

/// The page again after a refusal on `form`, with `keep` putting back what was typed.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: &'static str,
    (status, errors): Refusal,
    keep: impl FnOnce(&mut PageTemplate),
) -> AppResult<Response> {
    let mut t = page_view(state, ctx, id, today().year()).await?;
    t.form = form;
    for (f, message) in errors {
        t.errors.add(f.unwrap_or(form), message);
    }
    keep(&mut t);
    Ok((status, Html(t.render()?)).into_response())
}

/// Changes an activity: to its page, or 422/409 with the form and every value kept.
async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (_, line) = service::readable(&state.db, actor, id).await?;
    if !actor.can_edit_control(&line) {
        return Err(AppError::Forbidden);
    }
    let draft = draft_of(&form);
    crate::deviations::unit_of_municipality(&state, actor, &draft.unit_id).await?;
    let version: i64 = field(&form, "version").parse().unwrap_or(-1);
    let refusal = match draft.parse(today()) {
        Ok(new) => match service::update(&state.db, (actor, &ctx.author()?), id, version, &new).await {
            Ok(_) => return Ok(Redirect::to(&format!("/control/{id}?saved=1")).into_response()),
            Err(e) => refusal(&ctx.tr, e)?,
        },
        Err(errors) => broken(&ctx.tr, &errors),
    };
    refused(&state, &ctx, id, "edit", refusal, |t| t.draft = draft).await
}

/// The evidence file of a multipart form, checked: `None` when none was sent.
fn checked_file(
    file: Option<(String, Vec<u8>)>,
) -> Result<Option<(rodtrad_domain::internal_control::Evidence, Vec<u8>)>, rodtrad_domain::RuleError> {
    match file {
        None => Ok(None),
        Some((name, bytes)) => check_evidence(&name, &bytes).map(|e| Some((e, bytes))),
    }
}

/// Records an execution of a period, with an evidence file if one is sent (multipart): to the
/// page, or 422 with the values typed kept (the file must be chosen again).
async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (a, line) = service::readable(&state.db, actor, id).await?;
    if !actor.can_record_control(&line, a.owner_person_id) {
        return Err(AppError::Forbidden);
    }
    let (form, file) = crate::forms::multipart_form(&headers, body, "err-control-multipart", "bevis").await?;
    let draft = ExecutionDraft {
        period: field(&form, "period").into(),
        performed_on: field(&form, "performed_on").into(),
        outcome: field(&form, "outcome").into(),
        findings: field(&form, "findings").into(),
        follow_up: field(&form, "follow_up").into(),
    };
    let mut errors = Vec::new();
    let parsed = draft.parse(a.frequency, a.starts_on, today()).map_err(|e| errors.extend(e)).ok();
    let file = checked_file(file).map_err(|e| errors.push(e)).ok().flatten();
    let refusal = match parsed {
        Some(new) if errors.is_empty() => {
            let evidence = file.as_ref().map(|(e, b)| (e, b.as_slice()));
            match service::record(&state.db, (actor, &ctx.author()?), &a, &line, &new, evidence).await {
                Ok(_) => {
                    let year = new.period.year;
                    return Ok(Redirect::to(&format!("/control/{id}?year={year}&saved=1#periods")).into_response());
                }
                Err(e) => refusal(&ctx.tr, e)?,
            }
        }
        _ => broken(&ctx.tr, &errors),
    };
    refused(&state, &ctx, id, "record", refusal, |t| t.execution = draft).await
}

/// Adds an evidence file to an execution (multipart): to the page, or 422 naming what is wrong.
async fn evidence_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, execution)): Path<(i64, i64)>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (a, line) = service::readable(&state.db, actor, id).await?;
    if !actor.can_record_control(&line, a.owner_person_id) {
        return Err(AppError::Forbidden);
    }
    let (_, file) = crate::forms::multipart_form(&headers, body, "err-control-multipart", "bevis").await?;
    let refusal = match checked_file(file) {
        Ok(Some((e, bytes))) => match state.db.control_evidence_add(&ctx.author()?, &a, execution, &e, &bytes).await {
            Ok(_) => return Ok(Redirect::to(&format!("/control/{id}?saved=1#e-{execution}")).into_response()),
            Err(StoreError::NotFound) => return Err(AppError::NotFound),
            Err(e) => refusal(&ctx.tr, e.into())?,
        },
        Ok(None) => broken(&ctx.tr, &[rodtrad_domain::RuleError::new("err-control-evidence-none").on("file")]),
        Err(e) => broken(&ctx.tr, &[e]),
    };
    refused(&state, &ctx, id, "evidence", refusal, |_| {}).await
}

/// Downloads an evidence file, for whoever reads its activity: as an attachment with its checked
/// type, never shown inline, so a file cannot run as a page of this site.
async fn evidence_download(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (file, body) = state.db.control_evidence(actor.municipality_id, id).await?;
    service::readable(&state.db, actor, file.activity_id).await?;
    let (stem, ext) = file.file_name.rsplit_once('.').unwrap_or((&file.file_name, "bin"));
    let media_type = rodtrad_domain::internal_control::EvidenceType::of_media_type(&file.media_type)
        .map_or("application/octet-stream", |t| t.media_type());
    Ok((
        [
            (header::CONTENT_TYPE, media_type.to_owned()),
            (header::CONTENT_DISPOSITION, crate::export::attachment(stem, ext)),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        body,
    )
        .into_response())
}
