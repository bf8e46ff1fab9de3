//! Deviations and improvement (*avvik og forbedringsforslag*, issue #16 §3) under `/deviations`:
//! the year's list of what the reader may see, with CSV/XLSX (`index`); the registration form,
//! short enough for a phone, with a hint against names of clients (`new`); a deviation's page
//! with the line's handling forms: triage, cause, measures, closing with an effect check, and for
//! ideas PDCA and the innovation pipeline (`page`); the trends per unit, category and month,
//! counts only (`trends`); and `/api/v1/deviations` (`api`).
//!
//! A restricted (health, HR) deviation is read only by its reporter and the handling line; to
//! everyone else it does not exist (404), in lists, pages, exports and the API alike.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::org::Choice;
use crate::pages::{FieldErrors, Page};
use crate::routes::{NavEntry, Routes};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Datelike;
use rodtrad_domain::deviations::{
    Category, CloseDraft, DeviationDraft, InnovationStage, Kind, MeasureDraft, MeasureKind, Pdca, Severity, Status,
    TriageDraft, check_cause, check_innovation_step,
};
use rodtrad_service::ServiceError;
use rodtrad_service::deviations as service;
use rodtrad_store::StoreError;
use rodtrad_store::deviations::{Deviation, DeviationMeasure};
use serde::Deserialize;

pub mod api;
mod trends;
pub(crate) use trends::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("deviations")
        .nav(NavEntry::all(21, "/deviations", "deviation-nav", "deviations"))
        .get("/deviations", index_page)
        .post("/deviations", register)
        .get("/deviations/new", new_page)
        .get("/deviations/export.csv", list_export::<crate::export::Csv>)
        .get("/deviations/export.xlsx", list_export::<crate::export::Xlsx>)
        .get("/deviations/trends", trends_page)
        .get("/deviations/trends/export.csv", trends_export::<crate::export::Csv>)
        .get("/deviations/trends/export.xlsx", trends_export::<crate::export::Xlsx>)
        .get("/deviations/{deviation}", deviation_page)
        .post("/deviations/{deviation}/triage", triage)
        .post("/deviations/{deviation}/cause", cause)
        .post("/deviations/{deviation}/measures", measure_add)
        .post("/deviations/{deviation}/measures/{measure}/done", measure_done)
        .post("/deviations/{deviation}/pdca", pdca)
        .post("/deviations/{deviation}/innovation", innovation)
        .post("/deviations/{deviation}/close", close)
}

use crate::forms::{choices, today, year_choices};

use crate::forms::field;

/// A deviation in a list.
pub(crate) struct RowView {
    pub(crate) id: i64,
    pub(crate) occurred_on: String,
    pub(crate) title: String,
    pub(crate) unit: String,
    pub(crate) kind: String,
    pub(crate) category: String,
    pub(crate) restricted: bool,
    pub(crate) status: String,
    pub(crate) status_code: &'static str,
    pub(crate) severity: String,
}

fn row(tr: &Tr, tree: &rodtrad_store::org::OrgTree, d: &Deviation) -> RowView {
    RowView {
        id: d.id,
        occurred_on: tr.date(d.occurred_on),
        title: d.title.clone(),
        unit: tree.name(d.unit_id),
        kind: tr.t(d.kind.label_key()),
        category: tr.t(d.category.label_key()),
        restricted: d.restricted,
        status: tr.t(d.status.label_key()),
        status_code: d.status.code(),
        severity: d.severity().map(|s| tr.t(s.label_key())).unwrap_or_default(),
    }
}

/// `?year=&kind=&status=` of the list.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    year: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    registered: Option<String>,
}

impl ListQuery {
    fn year(&self) -> i32 {
        self.year
            .as_deref()
            .and_then(|y| y.trim().parse().ok())
            .filter(|y| (2000..=2100).contains(y))
            .unwrap_or_else(|| today().year())
    }

    fn keeps(&self, d: &Deviation) -> bool {
        let kind = self.kind.as_deref().unwrap_or("");
        let status = self.status.as_deref().unwrap_or("");
        (kind.is_empty() || d.kind.code() == kind)
            && match status {
                "" => true,
                "open" => matches!(d.status, Status::Registered | Status::InProgress),
                s => d.status.code() == s,
            }
    }
}

#[derive(Template)]
#[template(path = "deviations/index.html")]
pub(crate) struct IndexTemplate {
    p: Page,
    rows: Vec<RowView>,
    year: i32,
    years: Vec<Choice>,
    kind: String,
    kinds: Vec<Choice>,
    status: String,
    statuses: Vec<Choice>,
    query: String,
    trends: bool,
    registered: bool,
    errors: FieldErrors,
}

async fn listed(state: &AppState, ctx: &Ctx, q: &ListQuery) -> AppResult<Vec<Deviation>> {
    let actor = ctx.actor()?;
    Ok(service::list(&state.db, actor, q.year()).await?.into_iter().filter(|d| q.keeps(d)).collect())
}

async fn index_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let tree = state.org_tree(actor.municipality_id).await?;
    let year = q.year();
    let rows = listed(&state, &ctx, &q).await?.iter().map(|d| row(tr, &tree, d)).collect();
    let mut statuses = vec![Choice { value: "open".into(), label: tr.t("deviation-status-open") }];
    statuses.extend(choices(tr, Status::ALL));
    let kind = q.kind.clone().unwrap_or_default();
    let status = q.status.clone().unwrap_or_default();
    let t = IndexTemplate {
        p: ctx.page(tr.t("deviation-title"), "deviations"),
        rows,
        year,
        years: year_choices(),
        query: format!("year={year}&kind={kind}&status={status}"),
        kind,
        kinds: choices(tr, Kind::ALL),
        status,
        statuses,
        trends: actor.can_read_deviation_trends(),
        registered: q.registered.is_some(),
        errors: FieldErrors::default(),
    };
    Ok(Html(t.render()?).into_response())
}

/// The list as CSV or XLSX (dates in ISO 8601), with the filters of the page.
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
        "deviation-col-id",
        "deviation-col-occurred",
        "deviation-col-title",
        "deviation-col-unit",
        "deviation-col-kind",
        "deviation-col-category",
        "deviation-col-status",
        "deviation-col-severity",
        "deviation-col-reported-by",
        "deviation-col-closed",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let rows: Vec<Vec<Cell>> = listed(&state, &ctx, &q)
        .await?
        .iter()
        .map(|d| {
            vec![
                Cell::number(d.id as f64),
                Cell::text(d.occurred_on.to_string()),
                Cell::text(d.title.clone()),
                Cell::text(tree.name(d.unit_id)),
                Cell::text(tr.t(d.kind.label_key())),
                Cell::text(tr.t(d.category.label_key())),
                Cell::text(tr.t(d.status.label_key())),
                Cell::text(d.severity().map(|s| tr.t(s.label_key())).unwrap_or_default()),
                Cell::text(d.reported_by.clone()),
                Cell::text(
                    d.closed_at.map(|t| rodtrad_domain::norwegian_time::oslo_date(t).to_string()).unwrap_or_default(),
                ),
            ]
        })
        .collect();
    let title = format!("{} {}", tr.t("deviation-title"), q.year());
    crate::export::table_download(
        F::FORMAT,
        crate::export::TableNames::titled(&title, &tr.t("deviation-sheet")),
        &head,
        &rows,
    )
}

#[derive(Template)]
#[template(path = "deviations/new.html")]
pub(crate) struct NewTemplate {
    p: Page,
    draft: DeviationDraft,
    errors: FieldErrors,
    kinds: Vec<Choice>,
    categories: Vec<Choice>,
    unit_groups: Vec<crate::plans::ChoiceGroup>,
    /// The text looked as if it named someone: show the confirmation.
    ask_names: bool,
}

async fn new_view(state: &AppState, ctx: &Ctx, draft: DeviationDraft) -> AppResult<NewTemplate> {
    let tr = &ctx.tr;
    let (unit_groups, _) = crate::plans::unit_groups(state, ctx, false, "", &draft.unit_id).await?;
    Ok(NewTemplate {
        p: ctx.page(tr.t("deviation-new-title"), "deviations"),
        draft,
        errors: FieldErrors::default(),
        kinds: choices(tr, Kind::ALL),
        categories: choices(tr, Category::ALL),
        unit_groups,
        ask_names: false,
    })
}

async fn new_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let draft = DeviationDraft {
        kind: Kind::Incident.code().into(),
        unit_id: actor.own_unit.map(|u| u.to_string()).unwrap_or_default(),
        occurred_on: today().format("%d.%m.%Y").to_string(),
        ..DeviationDraft::default()
    };
    Ok(Html(new_view(&state, &ctx, draft).await?.render()?).into_response())
}

fn draft_of(form: &[(String, String)]) -> DeviationDraft {
    DeviationDraft {
        kind: field(form, "kind").into(),
        category: field(form, "category").into(),
        unit_id: field(form, "unit_id").into(),
        title: field(form, "title").into(),
        description: field(form, "description").into(),
        immediate_action: field(form, "immediate_action").into(),
        occurred_on: field(form, "occurred_on").into(),
        names_checked: field(form, "names_checked") == "1",
    }
}

/// A unit named by a form or a request must be one of the caller's municipality: another
/// municipality's is `NotFound`, as every object outside it (an empty or malformed id is left to the
/// form's rules).
pub(crate) async fn unit_of_municipality(state: &AppState, actor: &rodtrad_domain::Actor, raw: &str) -> AppResult<()> {
    if let Ok(id) = raw.trim().parse::<i64>() {
        let tree = state.org_tree(actor.municipality_id).await?;
        if tree.get(id).is_none() {
            return Err(AppError::NotFound);
        }
    }
    Ok(())
}

/// Registers a deviation or idea: to its page, or 422 with the form and every value kept.
async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let draft = draft_of(&form);
    unit_of_municipality(&state, actor, &draft.unit_id).await?;
    let errors = match draft.parse(today()) {
        Ok(new) => match service::register(&state.db, (actor, &ctx.author()?), &new).await {
            Ok(id) => return Ok(Redirect::to(&format!("/deviations/{id}?registered=1")).into_response()),
            Err(ServiceError::Rule(e)) => vec![e],
            Err(e) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    let mut t = new_view(&state, &ctx, draft).await?;
    for e in &errors {
        t.ask_names |= e.key == "err-deviation-possible-name";
        t.errors.add(e.field.unwrap_or("title"), ctx.tr.rule(e));
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

/// A measure as shown.
pub(crate) struct MeasureView {
    id: i64,
    text: String,
    kind: String,
    responsible: String,
    deadline: String,
    done: String,
    late: bool,
}

#[derive(Template)]
#[template(path = "deviations/page.html")]
pub(crate) struct PageTemplate {
    p: Page,
    d: RowView,
    description: String,
    immediate_action: String,
    reported: String,
    triaged: String,
    rejection_reason: String,
    cause: String,
    effect_check: String,
    effective: String,
    closed: String,
    pdca_code: String,
    pdca: String,
    innovation: String,
    next_innovation: Option<Choice>,
    idea: bool,
    measures: Vec<MeasureView>,
    version: i64,
    handles: bool,
    /// The form a refusal is about (`triage`, `cause`, `measure`, `close`, `pdca`, `innovation`).
    form: &'static str,
    errors: FieldErrors,
    triage: TriageDraft,
    measure: MeasureDraft,
    closing: CloseDraft,
    severities: Vec<Choice>,
    measure_kinds: Vec<Choice>,
    people: Vec<Choice>,
    pdcas: Vec<Choice>,
    saved: bool,
    registered: bool,
}

async fn page_view(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<PageTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let (d, line) = service::readable(&state.db, actor, id).await?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let measures = state.db.deviation_measures(d.id).await?;
    let handles = actor.can_handle_deviation(&line, d.category);
    let today = today();
    let people = if handles {
        let filter = rodtrad_store::people::PeopleFilter { unit_ids: Some(line.clone()), query: None };
        state
            .db
            .people(actor.municipality_id, &filter, 500)
            .await?
            .into_iter()
            .map(|p| Choice { value: p.id.to_string(), label: p.name })
            .collect()
    } else {
        Vec::new()
    };
    let who_when = |who: &Option<String>, at: Option<chrono::DateTime<chrono::Utc>>| match (who, at) {
        (Some(w), Some(a)) => format!("{w}, {}", tr.datetime(a)),
        _ => String::new(),
    };
    let stage = d.innovation_stage();
    let next = match stage {
        None => Some(InnovationStage::New),
        Some(s) => s.next(),
    };
    Ok(PageTemplate {
        p: ctx.page(d.title.clone(), "deviations"),
        d: row(tr, &tree, &d),
        description: d.description.clone(),
        immediate_action: d.immediate_action.clone(),
        reported: format!("{}, {}", d.reported_by, tr.datetime(d.reported_at)),
        triaged: who_when(&d.triaged_by, d.triaged_at),
        rejection_reason: d.rejection_reason.clone(),
        cause: d.cause.clone(),
        effect_check: d.effect_check.clone(),
        effective: d
            .effective
            .map(|e| tr.t(if e { "deviation-effective-yes" } else { "deviation-effective-no" }))
            .unwrap_or_default(),
        closed: who_when(&d.closed_by, d.closed_at),
        pdca_code: d.pdca().map(|s| s.code().to_owned()).unwrap_or_default(),
        pdca: d.pdca().map(|s| tr.t(s.label_key())).unwrap_or_default(),
        innovation: stage.map(|s| tr.t(s.label_key())).unwrap_or_default(),
        next_innovation: next.map(|s| Choice { value: s.code().into(), label: tr.t(s.label_key()) }),
        idea: d.kind == Kind::Improvement,
        measures: measures
            .iter()
            .map(|m| MeasureView {
                id: m.id,
                text: m.text.clone(),
                kind: tr.t(m.kind.label_key()),
                responsible: m.responsible.clone(),
                deadline: tr.date(m.deadline),
                done: m.done_on.map(|x| tr.date(x)).unwrap_or_default(),
                late: service::late(m, today),
            })
            .collect(),
        version: d.version,
        handles,
        form: "",
        errors: FieldErrors::default(),
        triage: TriageDraft { decision: "accept".into(), ..TriageDraft::default() },
        measure: MeasureDraft { measure_kind: MeasureKind::Corrective.code().into(), ..MeasureDraft::default() },
        closing: CloseDraft::default(),
        severities: choices(tr, Severity::ALL),
        measure_kinds: choices(tr, MeasureKind::ALL),
        people,
        pdcas: choices(tr, Pdca::ALL),
        saved: false,
        registered: false,
    })
}

/// `?saved=1` or `?registered=1` after a redirect.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
    registered: Option<String>,
}

async fn deviation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let mut t = page_view(&state, &ctx, id).await?;
    t.saved = q.saved.is_some();
    t.registered = q.registered.is_some();
    Ok(Html(t.render()?).into_response())
}

/// The deviation's page again after a refused handling step: 422 for broken rules, 409 when
/// someone saved first, the typed values kept by `keep`.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: &'static str,
    status: StatusCode,
    errors: Vec<(Option<&'static str>, String)>,
    keep: impl FnOnce(&mut PageTemplate),
) -> AppResult<Response> {
    let mut t = page_view(state, ctx, id).await?;
    t.form = form;
    for (f, message) in errors {
        t.errors.add(f.unwrap_or(form), message);
    }
    keep(&mut t);
    Ok((status, Html(t.render()?)).into_response())
}

/// The outcome of a store write as a redirect to the page, or the refusal shown on it.
enum Outcome {
    Saved,
    Refused(StatusCode, Vec<(Option<&'static str>, String)>),
}

fn outcome(tr: &Tr, r: Result<i64, StoreError>) -> AppResult<Outcome> {
    match r {
        Ok(_) => Ok(Outcome::Saved),
        Err(StoreError::Conflict) => Ok(Outcome::Refused(StatusCode::CONFLICT, vec![(None, tr.t("err-conflict"))])),
        Err(StoreError::Rule(e)) => {
            Ok(Outcome::Refused(StatusCode::UNPROCESSABLE_ENTITY, vec![(e.field, tr.rule(&e))]))
        }
        Err(e) => Err(e.into()),
    }
}

fn rules(tr: &Tr, errors: Vec<rodtrad_domain::RuleError>) -> Outcome {
    Outcome::Refused(StatusCode::UNPROCESSABLE_ENTITY, errors.iter().map(|e| (e.field, tr.rule(e))).collect())
}

/// Runs a handling step: the deviation must be one the actor handles; `step` checks the rule
/// against it and writes at the version the form was read at.
async fn handle<'a, F, Fut>(
    state: &'a AppState,
    ctx: &'a Ctx,
    id: i64,
    form: &'a [(String, String)],
    name: &'static str,
    step: F,
    keep: impl FnOnce(&mut PageTemplate),
) -> AppResult<Response>
where
    F: FnOnce(Deviation, Vec<DeviationMeasure>, i64) -> Fut,
    Fut: std::future::Future<Output = AppResult<Outcome>>,
{
    let actor = ctx.actor()?;
    let (d, _) = service::handleable(&state.db, actor, id).await?;
    let measures = state.db.deviation_measures(d.id).await?;
    let version: i64 = field(form, "version").parse().unwrap_or(-1);
    match step(d, measures, version).await? {
        Outcome::Saved => {
            let anchor = match name {
                "triage" => "triage",
                "cause" => "cause-heading",
                "measure" | "measures" => "measures",
                "pdca" | "innovation" => "pdca-heading",
                _ => "closed-heading",
            };
            Ok(Redirect::to(&format!("/deviations/{id}?saved=1#{anchor}")).into_response())
        }
        Outcome::Refused(status, errors) => refused(state, ctx, id, name, status, errors, keep).await,
    }
}

async fn triage(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let draft = TriageDraft {
        decision: field(&form, "decision").into(),
        severity: field(&form, "severity").into(),
        reason: field(&form, "reason").into(),
    };
    let author = ctx.author()?;
    let (tr, db) = (&ctx.tr, &state.db);
    let kept = draft.clone();
    handle(
        &state,
        &ctx,
        id,
        &form,
        "triage",
        |d, _, version| async move {
            match draft.parse(d.status) {
                Ok(t) => outcome(tr, db.deviation_triage(&author, &d, version, &t).await),
                Err(errors) => Ok(rules(tr, errors)),
            }
        },
        |t| t.triage = kept,
    )
    .await
}

async fn cause(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let text = field(&form, "cause").to_owned();
    let author = ctx.author()?;
    let (tr, db) = (&ctx.tr, &state.db);
    let kept = text.clone();
    handle(
        &state,
        &ctx,
        id,
        &form,
        "cause",
        |d, _, version| async move {
            match check_cause(&text, d.status) {
                Ok(c) => outcome(tr, db.deviation_cause_save(&author, &d, version, &c).await),
                Err(errors) => Ok(rules(tr, errors)),
            }
        },
        |t| t.cause = kept,
    )
    .await
}

async fn measure_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let draft = MeasureDraft {
        text: field(&form, "text").into(),
        measure_kind: field(&form, "measure_kind").into(),
        responsible_person_id: field(&form, "responsible_person_id").into(),
        deadline: field(&form, "deadline").into(),
    };
    let author = ctx.author()?;
    let (tr, db) = (&ctx.tr, &state.db);
    let kept = draft.clone();
    handle(
        &state,
        &ctx,
        id,
        &form,
        "measure",
        |d, _, version| async move {
            match draft.parse(d.status, today()) {
                Ok(m) => match db.deviation_measure_add(&author, &d, version, &m).await {
                    // A person outside the municipality is no choice of the form.
                    Err(StoreError::NotFound) => Ok(rules(
                        tr,
                        vec![
                            rodtrad_domain::RuleError::new("err-deviation-measure-responsible")
                                .on("responsible_person_id"),
                        ],
                    )),
                    r => outcome(tr, r),
                },
                Err(errors) => Ok(rules(tr, errors)),
            }
        },
        |t| t.measure = kept,
    )
    .await
}

async fn measure_done(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, measure)): Path<(i64, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let author = ctx.author()?;
    let (tr, db) = (&ctx.tr, &state.db);
    handle(
        &state,
        &ctx,
        id,
        &form,
        "measures",
        |d, measures, version| async move {
            match measures.iter().find(|m| m.id == measure) {
                None => return Err(AppError::NotFound),
                Some(m) if m.done_on.is_some() => {
                    return Ok(rules(tr, vec![rodtrad_domain::RuleError::new("err-deviation-measure-done")]));
                }
                Some(_) => {}
            }
            outcome(tr, db.deviation_measure_done(&author, &d, version, measure, today()).await)
        },
        |_| {},
    )
    .await
}

async fn pdca(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let code = field(&form, "pdca").to_owned();
    let author = ctx.author()?;
    let (tr, db) = (&ctx.tr, &state.db);
    handle(
        &state,
        &ctx,
        id,
        &form,
        "pdca",
        |d, _, version| async move {
            if d.kind != Kind::Improvement || d.status != Status::InProgress {
                return Ok(rules(tr, vec![rodtrad_domain::RuleError::new("err-deviation-pdca-idea")]));
            }
            match Pdca::parse(&code) {
                Ok(stage) => outcome(tr, db.deviation_pdca_save(&author, &d, version, stage).await),
                Err(e) => Ok(rules(tr, vec![e])),
            }
        },
        |_| {},
    )
    .await
}

async fn innovation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let to = field(&form, "innovation_stage").to_owned();
    let author = ctx.author()?;
    let (tr, db) = (&ctx.tr, &state.db);
    handle(
        &state,
        &ctx,
        id,
        &form,
        "innovation",
        |d, _, version| async move {
            match check_innovation_step(d.kind, d.innovation_stage(), &to) {
                Ok(stage) => outcome(tr, db.deviation_innovation_save(&author, &d, version, stage).await),
                Err(e) => Ok(rules(tr, vec![e])),
            }
        },
        |_| {},
    )
    .await
}

async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let draft =
        CloseDraft { effect_check: field(&form, "effect_check").into(), effective: field(&form, "effective").into() };
    let author = ctx.author()?;
    let (tr, db) = (&ctx.tr, &state.db);
    let kept = draft.clone();
    handle(
        &state,
        &ctx,
        id,
        &form,
        "close",
        |d, measures, version| async move {
            match draft.parse(service::close_state(&d, &measures)) {
                Ok(c) => outcome(tr, db.deviation_close(&author, &d, version, &c).await),
                Err(errors) => Ok(rules(tr, errors)),
            }
        },
        |t| t.closing = kept,
    )
    .await
}
