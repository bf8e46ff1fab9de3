//! Audits and inspections (*revisjoner og tilsyn*, issue #16 §4) under `/audits`: the year's
//! performance audits, state inspections and ISO audits with their open and late findings, with
//! CSV/XLSX (`index`); registering one (`new`); an audit's page with its findings and the forms to
//! add a finding, close it with what was done and close the audit; and the yearly management
//! reviews (`reviews`). `/api/v1/audits` is in `api`.

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
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rodtrad_domain::RuleError;
use rodtrad_domain::audits::{AuditDraft, AuditKind, FindingDraft, FindingKind, check_audit_close, check_closing_note};
use rodtrad_service::ServiceError;
use rodtrad_service::audits as service;
use rodtrad_store::audits::{Audit, Finding};
use rodtrad_store::org::OrgTree;
use serde::Deserialize;

pub mod api;
mod reviews;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("audits")
        .nav(NavEntry::all(23, "/audits", "audit-nav", "audits"))
        .get("/audits", index_page)
        .post("/audits", register)
        .get("/audits/new", new_page)
        .get("/audits/export.csv", list_export::<crate::export::Csv>)
        .get("/audits/export.xlsx", list_export::<crate::export::Xlsx>)
        .get("/audits/reviews", reviews::index_page)
        .get("/audits/reviews/{year}", reviews::review_page)
        .post("/audits/reviews/{year}", reviews::save)
        .get("/audits/{audit}", audit_page)
        .post("/audits/{audit}/findings", finding_add)
        .post("/audits/{audit}/findings/{finding}/close", finding_close)
        .post("/audits/{audit}/close", close)
}

/// An audit in the list.
pub(crate) struct RowView {
    id: i64,
    kind: String,
    title: String,
    auditor: String,
    unit: String,
    held_on: String,
    status: String,
    open: bool,
    findings: usize,
    open_findings: usize,
    late: usize,
}

fn row(tr: &Tr, tree: &OrgTree, a: &Audit, findings: &[Finding]) -> RowView {
    let mine: Vec<&Finding> = findings.iter().filter(|f| f.audit_id == a.id).collect();
    let today = today();
    RowView {
        id: a.id,
        kind: tr.t(a.kind.label_key()),
        title: a.title.clone(),
        auditor: a.auditor.clone(),
        unit: tree.name(a.unit_id),
        held_on: tr.date(a.held_on),
        status: tr.t(if a.is_open() { "audit-status-open" } else { "audit-status-closed" }),
        open: a.is_open(),
        findings: mine.len(),
        open_findings: mine.iter().filter(|f| f.closed_on.is_none()).count(),
        late: mine.iter().filter(|f| f.late(today)).count(),
    }
}

/// `?year=&kind=` of the list (an empty year: every year).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    year: Option<String>,
    kind: Option<String>,
}

impl ListQuery {
    fn year(&self) -> Option<i32> {
        match self.year.as_deref().map(str::trim) {
            Some("") => None,
            raw => Some(year_of(raw)),
        }
    }

    fn keeps(&self, a: &Audit) -> bool {
        self.kind.as_deref().is_none_or(|k| k.is_empty() || a.kind.code() == k)
    }
}

#[derive(Template)]
#[template(path = "audits/index.html")]
pub(crate) struct IndexTemplate {
    p: Page,
    rows: Vec<RowView>,
    year: String,
    years: Vec<Choice>,
    kind: String,
    kinds: Vec<Choice>,
    query: String,
    manages: bool,
    reviews: bool,
    errors: FieldErrors,
}

async fn listed(state: &AppState, ctx: &Ctx, q: &ListQuery) -> AppResult<(Vec<Audit>, Vec<Finding>)> {
    let actor = ctx.actor()?;
    if !actor.can_read_audits() {
        return Err(AppError::Forbidden);
    }
    let audits: Vec<Audit> =
        state.db.audits(actor.municipality_id, q.year()).await?.into_iter().filter(|a| q.keeps(a)).collect();
    let findings = state.db.audit_findings(actor.municipality_id, None).await?;
    Ok((audits, findings))
}

async fn index_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let tree = state.org_tree(actor.municipality_id).await?;
    let (audits, findings) = listed(&state, &ctx, &q).await?;
    let year = q.year().map(|y| y.to_string()).unwrap_or_default();
    let kind = q.kind.clone().unwrap_or_default();
    let t = IndexTemplate {
        p: ctx.page(tr.t("audits-title"), "audits"),
        rows: audits.iter().map(|a| row(tr, &tree, a, &findings)).collect(),
        query: format!("year={year}&kind={kind}"),
        year,
        years: year_choices(),
        kind,
        kinds: choices(tr, AuditKind::ALL),
        manages: actor.can_manage_audits(),
        reviews: actor.can_read_reviews(),
        errors: FieldErrors::default(),
    };
    Ok(Html(t.render()?).into_response())
}

/// The list as CSV or XLSX, with the filters of the page.
async fn list_export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    use rodtrad_export::Cell;
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let tree = state.org_tree(actor.municipality_id).await?;
    let (audits, findings) = listed(&state, &ctx, &q).await?;
    let head: Vec<String> = [
        "audit-col-id",
        "audit-col-held",
        "audit-col-kind",
        "audit-col-title",
        "audit-col-auditor",
        "audit-col-unit",
        "audit-col-status",
        "audit-col-findings",
        "audit-col-open",
        "audit-col-late",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let rows: Vec<Vec<Cell>> = audits
        .iter()
        .map(|a| {
            let r = row(tr, &tree, a, &findings);
            vec![
                Cell::number(a.id as f64),
                Cell::text(a.held_on.to_string()),
                Cell::text(r.kind),
                Cell::text(r.title),
                Cell::text(r.auditor),
                Cell::text(r.unit),
                Cell::text(r.status),
                Cell::number(r.findings as f64),
                Cell::number(r.open_findings as f64),
                Cell::number(r.late as f64),
            ]
        })
        .collect();
    crate::export::table_download(
        F::FORMAT,
        crate::export::TableNames::titled(&tr.t("audits-title"), &tr.t("audit-sheet")),
        &head,
        &rows,
    )
}

#[derive(Template)]
#[template(path = "audits/new.html")]
pub(crate) struct NewTemplate {
    p: Page,
    draft: AuditDraft,
    kinds: Vec<Choice>,
    unit_groups: Vec<crate::plans::ChoiceGroup>,
    errors: FieldErrors,
}

async fn new_view(state: &AppState, ctx: &Ctx, draft: AuditDraft) -> AppResult<NewTemplate> {
    let actor = ctx.actor()?;
    if !actor.can_manage_audits() {
        return Err(AppError::Forbidden);
    }
    let (unit_groups, _) = crate::plans::unit_groups(state, ctx, false, "", &draft.unit_id).await?;
    Ok(NewTemplate {
        p: ctx.page(ctx.tr.t("audit-new-title"), "audits"),
        kinds: choices(&ctx.tr, AuditKind::ALL),
        draft,
        unit_groups,
        errors: FieldErrors::default(),
    })
}

async fn new_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let draft = AuditDraft { kind: AuditKind::StateInspection.code().into(), ..AuditDraft::default() };
    Ok(Html(new_view(&state, &ctx, draft).await?.render()?).into_response())
}

/// Registers an audit: to its page, or 422 with the form and every value kept.
async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_audits() {
        return Err(AppError::Forbidden);
    }
    let draft = AuditDraft {
        kind: field(&form, "kind").into(),
        title: field(&form, "title").into(),
        auditor: field(&form, "auditor").into(),
        unit_id: field(&form, "unit_id").into(),
        held_on: field(&form, "held_on").into(),
        report_on: field(&form, "report_on").into(),
        summary: field(&form, "summary").into(),
    };
    crate::deviations::unit_of_municipality(&state, actor, &draft.unit_id).await?;
    let errors = match draft.parse() {
        Ok(new) => match service::register(&state.db, (actor, &ctx.author()?), &new).await {
            Ok(id) => return Ok(Redirect::to(&format!("/audits/{id}?saved=1")).into_response()),
            Err(ServiceError::Rule(e)) => vec![e],
            Err(e) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    let mut t = new_view(&state, &ctx, draft).await?;
    for e in &errors {
        t.errors.add(e.field.unwrap_or("title"), ctx.tr.rule(e));
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

/// A finding as shown.
pub(crate) struct FindingView {
    id: i64,
    kind: String,
    description: String,
    measure: String,
    responsible: String,
    deadline: String,
    late: bool,
    closed: String,
    closing_note: String,
}

#[derive(Template)]
#[template(path = "audits/page.html")]
pub(crate) struct PageTemplate {
    p: Page,
    a: RowView,
    report_on: String,
    summary: String,
    closing_note: String,
    closed: String,
    findings: Vec<FindingView>,
    version: i64,
    manages: bool,
    follows_up: bool,
    /// The form a refusal is about (`finding`, `close-finding`, `close`).
    form: &'static str,
    errors: FieldErrors,
    finding: FindingDraft,
    finding_kinds: Vec<Choice>,
    people: Vec<Choice>,
    closing: String,
    saved: bool,
}

async fn page_view(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<PageTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let (a, line) = service::readable(&state.db, actor, id).await?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let findings = state.db.audit_findings(actor.municipality_id, Some(a.id)).await?;
    let manages = actor.can_manage_audits();
    let people = if manages {
        let filter = rodtrad_store::people::PeopleFilter { unit_ids: Some(tree.subtree(a.unit_id)), query: None };
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
    let today = today();
    Ok(PageTemplate {
        p: ctx.page(a.title.clone(), "audits"),
        a: row(tr, &tree, &a, &findings),
        report_on: a.report_on.map(|d| tr.date(d)).unwrap_or_default(),
        summary: a.summary.clone(),
        closing_note: a.closing_note.clone(),
        closed: match (&a.closed_by, a.closed_at) {
            (Some(w), Some(at)) => format!("{w}, {}", tr.datetime(at)),
            _ => String::new(),
        },
        findings: findings
            .iter()
            .map(|f| FindingView {
                id: f.id,
                kind: tr.t(f.kind.label_key()),
                description: f.description.clone(),
                measure: f.measure.clone(),
                responsible: f.responsible.clone().unwrap_or_default(),
                deadline: f.deadline.map(|d| tr.date(d)).unwrap_or_default(),
                late: f.late(today),
                closed: match (&f.closed_by, f.closed_on) {
                    (Some(w), Some(d)) => format!("{}, {w}", tr.date(d)),
                    _ => String::new(),
                },
                closing_note: f.closing_note.clone(),
            })
            .collect(),
        version: a.version,
        manages,
        follows_up: actor.can_follow_up_finding(&line),
        form: "",
        errors: FieldErrors::default(),
        finding: FindingDraft::default(),
        finding_kinds: FindingKind::of(a.kind)
            .iter()
            .map(|k| Choice { value: k.code().into(), label: tr.t(k.label_key()) })
            .collect(),
        people,
        closing: String::new(),
        saved: false,
    })
}

/// `?saved=1` after a redirect.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let mut t = page_view(&state, &ctx, id).await?;
    t.saved = q.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

/// The page again after a refusal on `form`: 422 for broken rules, 409 when someone saved first.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: &'static str,
    r: ServiceError,
    keep: impl FnOnce(&mut PageTemplate),
) -> AppResult<Response> {
    let (status, field, message) = crate::error::field_refusal(&ctx.tr, r)?;
    let mut t = page_view(state, ctx, id).await?;
    t.form = form;
    t.errors.add(field.unwrap_or(form), message);
    keep(&mut t);
    Ok((status, Html(t.render()?)).into_response())
}

/// Every broken rule of a form, shown on the page.
async fn broken(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: &'static str,
    errors: Vec<RuleError>,
    keep: impl FnOnce(&mut PageTemplate),
) -> AppResult<Response> {
    let mut t = page_view(state, ctx, id).await?;
    t.form = form;
    for e in &errors {
        t.errors.add(e.field.unwrap_or(form), ctx.tr.rule(e));
    }
    keep(&mut t);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

fn version_of(form: &[(String, String)]) -> i64 {
    field(form, "version").parse().unwrap_or(-1)
}

async fn finding_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (a, _) = service::readable(&state.db, actor, id).await?;
    if !actor.can_manage_audits() {
        return Err(AppError::Forbidden);
    }
    let draft = FindingDraft {
        finding_kind: field(&form, "finding_kind").into(),
        description: field(&form, "description").into(),
        measure: field(&form, "measure").into(),
        responsible_person_id: field(&form, "responsible_person_id").into(),
        deadline: field(&form, "deadline").into(),
    };
    let kept = draft.clone();
    match draft.parse(a.kind, a.is_open(), today()) {
        Ok(new) => match service::add_finding(&state.db, (actor, &ctx.author()?), &a, version_of(&form), &new).await {
            Ok(_) => Ok(Redirect::to(&format!("/audits/{id}?saved=1#findings")).into_response()),
            Err(e) => refused(&state, &ctx, id, "finding", e, |t| t.finding = kept).await,
        },
        Err(errors) => broken(&state, &ctx, id, "finding", errors, |t| t.finding = kept).await,
    }
}

async fn finding_close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, finding)): Path<(i64, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (a, line) = service::readable(&state.db, actor, id).await?;
    if !actor.can_follow_up_finding(&line) {
        return Err(AppError::Forbidden);
    }
    let findings = state.db.audit_findings(actor.municipality_id, Some(a.id)).await?;
    match findings.iter().find(|f| f.id == finding) {
        None => return Err(AppError::NotFound),
        Some(f) if f.closed_on.is_some() => {
            return broken(&state, &ctx, id, "close-finding", vec![RuleError::new("err-audit-finding-closed")], |_| {})
                .await;
        }
        Some(_) if !a.is_open() => {
            return broken(&state, &ctx, id, "close-finding", vec![RuleError::new("err-audit-closed")], |_| {}).await;
        }
        Some(_) => {}
    }
    let note = field(&form, &format!("closing_note_{finding}")).to_owned();
    match check_closing_note(&note) {
        Ok(note) => {
            let r = state.db.audit_finding_close(&ctx.author()?, &a, version_of(&form), finding, today(), &note).await;
            match r {
                Ok(_) => Ok(Redirect::to(&format!("/audits/{id}?saved=1#f-{finding}")).into_response()),
                Err(e) => refused(&state, &ctx, id, "close-finding", e.into(), |_| {}).await,
            }
        }
        Err(errors) => {
            let errors = errors.into_iter().map(|e| RuleError { field: None, ..e }).collect();
            broken(&state, &ctx, id, "close-finding", errors, |_| {}).await
        }
    }
}

async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (a, _) = service::readable(&state.db, actor, id).await?;
    if !actor.can_manage_audits() {
        return Err(AppError::Forbidden);
    }
    let findings = state.db.audit_findings(actor.municipality_id, Some(a.id)).await?;
    let note = field(&form, "closing_note").to_owned();
    let kept = note.clone();
    match check_audit_close(&note, a.is_open(), service::open_findings(&findings)) {
        Ok(note) => match state.db.audit_close(&ctx.author()?, &a, version_of(&form), &note).await {
            Ok(_) => Ok(Redirect::to(&format!("/audits/{id}?saved=1")).into_response()),
            Err(e) => refused(&state, &ctx, id, "close", e.into(), |t| t.closing = kept).await,
        },
        Err(errors) => broken(&state, &ctx, id, "close", errors, |t| t.closing = kept).await,
    }
}
