//! Council reports (issue #15 §1–3) under `/reports`: the list with the form that makes a report,
//! the templates per report type, a report's page (its composed content, or the frozen content once
//! adopted) with the forms of its texts (introduction, the service areas' commentaries and their
//! workflow, the goal assessments of the annual report) and the adoption, the PDF, the workbook and
//! each table as CSV; and the adopted reports on the public pages (`/public/{number}/reports`).
//!
//! Drafts are read by those `Actor::can_read_report_drafts` lets (a draft answers 404 to others,
//! as an unknown id does); adopted reports by everybody, signed in or not. Every text form sends its
//! version: stale is 409 and bad input 422, both with the typed values kept.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{I18n, Lang, Tr};
use crate::org::Choice;
use crate::pages::{FieldErrors, Page};
use crate::routes::{NavEntry, Routes};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use rodtrad_domain::Actor;
use rodtrad_domain::followup::Status;
use rodtrad_domain::reports::{
    AdoptionDraft, CommentaryAction, CommentaryState, ReportContent, ReportDraft, ReportKind, Section, SectionContent,
    Verdict,
};
use rodtrad_export::markdown_to_safe_html;
use rodtrad_service::reports::{self as service, FrozenReport};
use rodtrad_store::org::OrgTree;
use rodtrad_store::reports::Report;
use rodtrad_store::users::Municipality;
use std::sync::Arc;

pub mod api;
pub mod demo;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("reports")
        .nav(NavEntry::all(18, "/reports", "report-nav", "reports"))
        .get("/reports", index_page)
        .post("/reports", create)
        .get("/reports/templates", templates_page)
        .post("/reports/templates/{kind}", template_save)
        .get("/reports/{id}", report_page)
        .post("/reports/{id}/introduction", introduction_save)
        .post("/reports/{id}/commentary/{area}", commentary_save)
        .post("/reports/{id}/goals/{element}", assessment_save)
        .post("/reports/{id}/adopt", adopt)
        .get("/reports/{id}/report.pdf", report_pdf)
        .get("/reports/{id}/report.xlsx", report_xlsx)
        .get("/reports/{id}/tables/{n}", report_csv)
        .get("/public/{number}/reports", public_index)
        .get("/public/{number}/reports/{id}", public_report)
        .get("/public/{number}/reports/{id}/report.pdf", public_pdf)
        .get("/public/{number}/reports/{id}/report.xlsx", public_xlsx)
}

/// A translation function of a reader's language, as the service's document builders take it.
fn words(tr: &Tr) -> impl Fn(&str) -> String + Sync + '_ {
    move |k: &str| tr.t(k)
}

/// Bokmål, the language a frozen PDF is made in (the municipality's official written language).
pub(crate) fn official_tr(i18n: Arc<I18n>) -> Tr {
    Tr::new(i18n, Lang::Nb)
}

/// A report the caller may read (404 for a draft they may not, as for an unknown id).
async fn readable(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Report, Arc<OrgTree>)> {
    let actor = ctx.actor()?;
    let report = state.db.report(actor.municipality_id, id).await?;
    if !service::may_read(Some(actor), &report) {
        return Err(AppError::NotFound);
    }
    let tree = state.org_tree(actor.municipality_id).await?;
    Ok((report, tree))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The report's content with its adoption.
async fn frozen(state: &AppState, tree: &OrgTree, report: &Report) -> AppResult<FrozenReport> {
    let content = service::content(&state.db, tree, report, today()).await?;
    Ok(FrozenReport::of(report, content))
}

/// A report's title in the reader's language.
fn report_title(tr: &Tr, report: &Report, tree: &OrgTree) -> String {
    let scope = report.unit_id.and_then(|u| tree.get(u)).map(|u| u.name.as_str());
    service::title_of(report.kind, report.month_number().unwrap_or(1), report.year, scope, &|k| tr.t(k))
}

/// A report in a list.
pub(crate) struct ReportRow {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) status: String,
}

fn row(tr: &Tr, r: &Report, tree: &OrgTree) -> ReportRow {
    let status = match (&r.decision_body, r.decided_on) {
        (Some(body), Some(d)) => tr.rule(
            &rodtrad_domain::RuleError::new("report-adopted-by")
                .with("body", body.clone())
                .with("date", tr.date(d))
                .with("case", r.case_number.clone().unwrap_or_default()),
        ),
        _ => tr.t("report-state-draft"),
    };
    ReportRow { id: r.id, title: report_title(tr, r, tree), status }
}

#[derive(Template)]
#[template(path = "reports/index.html")]
pub(crate) struct IndexTemplate {
    p: Page,
    rows: Vec<ReportRow>,
    manages: bool,
    errors: FieldErrors,
    draft: ReportDraft,
    kinds: Vec<Choice>,
    months: Vec<Choice>,
    units: Vec<Choice>,
}

async fn index_view(state: &AppState, ctx: &Ctx) -> AppResult<IndexTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let tree = state.org_tree(actor.municipality_id).await?;
    let rows = state
        .db
        .reports(actor.municipality_id)
        .await?
        .iter()
        .filter(|r| service::may_read(Some(actor), r))
        .map(|r| row(tr, r, &tree))
        .collect();
    let mut units: Vec<Choice> = tree
        .units()
        .iter()
        .filter(|u| u.is_valid_on(today()) && u.parent_id.is_some())
        .map(|u| Choice { value: u.id.to_string(), label: u.name.clone() })
        .collect();
    units.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(IndexTemplate {
        p: ctx.page(tr.t("report-title"), "reports"),
        rows,
        manages: actor.can_manage_reports(),
        errors: FieldErrors::default(),
        draft: ReportDraft { kind: "tertial_1".into(), year: today().year().to_string(), ..ReportDraft::default() },
        kinds: ReportKind::ALL.iter().map(|k| Choice { value: k.code().into(), label: tr.t(k.label_key()) }).collect(),
        months: (1..=12u32)
            .map(|m| Choice { value: m.to_string(), label: tr.t(service::MONTH_KEYS[m as usize - 1]) })
            .collect(),
        units,
    })
}

async fn index_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(Html(index_view(&state, &ctx).await?.render()?).into_response())
}

/// Maps a refused write to the status and message a form shows again.
fn refusal(tr: &Tr, err: rodtrad_service::ServiceError) -> AppResult<(StatusCode, String)> {
    crate::error::refusal(tr, err)
}

async fn create(State(state): State<AppState>, ctx: Ctx, Form(draft): Form<ReportDraft>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_reports() {
        return Err(AppError::Forbidden);
    }
    let tr = &ctx.tr;
    let mut errors = FieldErrors::default();
    let status = match draft.parse() {
        Ok(new) => match service::create(&state.db, (actor, &ctx.author()?), &new).await {
            Ok(id) => return Ok(Redirect::to(&format!("/reports/{id}")).into_response()),
            Err(e) => {
                let (status, message) = refusal(tr, e)?;
                errors.add("kind", message);
                status
            }
        },
        Err(list) => {
            for e in list {
                errors.add(e.field.unwrap_or("kind"), tr.rule(&e));
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let mut t = index_view(&state, &ctx).await?;
    t.errors = errors;
    t.draft = draft;
    Ok((status, Html(t.render()?)).into_response())
}

/// A report type's template as its form shows it.
pub(crate) struct TemplateForm {
    kind: String,
    label: String,
    version: i64,
    /// Every section with its position (empty: left out).
    sections: Vec<(String, String, String)>,
    error: String,
}

#[derive(Template)]
#[template(path = "reports/templates.html")]
pub(crate) struct TemplatesTemplate {
    p: Page,
    forms: Vec<TemplateForm>,
    errors: FieldErrors,
}

async fn templates_view(state: &AppState, ctx: &Ctx) -> AppResult<TemplatesTemplate> {
    let actor = ctx.actor()?;
    if !actor.can_manage_reports() {
        return Err(AppError::Forbidden);
    }
    let tr = &ctx.tr;
    let mut forms = Vec::new();
    for kind in ReportKind::ALL {
        let t = state.db.report_template(actor.municipality_id, kind).await?;
        let sections = Section::ALL
            .iter()
            .filter(|s| **s == Section::Introduction || s.internal_control() == (kind == ReportKind::InternalControl))
            .map(|s| {
                let pos = t.sections.iter().position(|x| x == s).map(|p| (p + 1).to_string()).unwrap_or_default();
                (s.code().to_owned(), tr.t(s.label_key()), pos)
            })
            .collect();
        forms.push(TemplateForm {
            kind: kind.code().into(),
            label: tr.t(kind.label_key()),
            version: t.version,
            sections,
            error: String::new(),
        });
    }
    Ok(TemplatesTemplate {
        p: ctx.page(tr.t("report-templates-title"), "reports"),
        forms,
        errors: FieldErrors::default(),
    })
}

async fn templates_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(Html(templates_view(&state, &ctx).await?.render()?).into_response())
}

/// The posted positions (`pos-<section>`) as the sections in order; `None` for a position that is
/// not a number.
fn posted_sections(form: &[(String, String)]) -> Result<Vec<Section>, (String, String)> {
    let mut placed: Vec<(u32, usize, Section)> = Vec::new();
    for (i, s) in Section::ALL.iter().enumerate() {
        let value = crate::forms::field(form, &format!("pos-{}", s.code())).trim().to_owned();
        if value.is_empty() {
            continue;
        }
        match value.parse::<u32>() {
            Ok(p) if (1..=20).contains(&p) => placed.push((p, i, *s)),
            _ => return Err((s.code().to_owned(), value)),
        }
    }
    placed.sort_by_key(|(position, index, _)| (*position, *index));
    Ok(placed.into_iter().map(|(_, _, s)| s).collect())
}

async fn template_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(kind): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_reports() {
        return Err(AppError::Forbidden);
    }
    let tr = &ctx.tr;
    let kind = ReportKind::parse(&kind).map_err(|_| AppError::NotFound)?;
    let version: i64 = crate::forms::field(&form, "version").parse().unwrap_or(-1);
    let result = match posted_sections(&form) {
        Ok(sections) => service::save_template(&state.db, (actor, &ctx.author()?), kind, version, &sections)
            .await
            .map_err(|e| refusal(tr, e))
            .map(|_| ()),
        Err((_, value)) => Err(Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            tr.rule(&rodtrad_domain::RuleError::new("err-report-position").with("value", value)),
        ))),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/reports/templates?saved={}#t-{}", kind.code(), kind.code())).into_response())
        }
        Err(e) => {
            let (status, message) = e?;
            let mut t = templates_view(&state, &ctx).await?;
            if let Some(f) = t.forms.iter_mut().find(|f| f.kind == kind.code()) {
                f.error = message.clone();
                for (code, _, pos) in f.sections.iter_mut() {
                    *pos = crate::forms::field(&form, &format!("pos-{code}")).to_owned();
                }
            }
            t.errors.add("templates", message);
            Ok((status, Html(t.render()?)).into_response())
        }
    }
}

/// A table of a report as pages show it.
pub(crate) struct TableView {
    pub(crate) index: usize,
    pub(crate) id: String,
    pub(crate) caption: String,
    pub(crate) header: Vec<String>,
    pub(crate) numeric: Vec<bool>,
    pub(crate) rows: Vec<Vec<String>>,
    /// The last row is a total.
    pub(crate) total: bool,
}

/// A goal with its assessment.
pub(crate) struct GoalView {
    pub(crate) id: i64,
    pub(crate) level: u8,
    pub(crate) text: String,
    pub(crate) verdict: String,
    pub(crate) verdict_code: String,
    pub(crate) suggested: String,
    pub(crate) facts: Vec<String>,
    pub(crate) html: String,
    pub(crate) assessment: String,
    pub(crate) version: i64,
    /// The ids of its form's fields (`verdict`/`assessment` when the form was refused).
    pub(crate) vid: String,
    pub(crate) aid: String,
}

/// A service area's commentary.
pub(crate) struct AreaView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) state: String,
    pub(crate) html: String,
    pub(crate) text: String,
    pub(crate) version: i64,
    /// The buttons the caller may press: (action code, label).
    pub(crate) actions: Vec<(String, String)>,
    /// The caller may change the text.
    pub(crate) editable: bool,
    /// The id of its text field (`commentary` when the form was refused).
    pub(crate) tid: String,
}

/// A chart.
pub(crate) struct ChartView {
    pub(crate) svg: String,
}

/// A section as pages show it.
pub(crate) struct SectionView {
    pub(crate) id: String,
    pub(crate) heading: String,
    pub(crate) html: String,
    pub(crate) empty: String,
    pub(crate) tables: Vec<TableView>,
    pub(crate) goals: Vec<GoalView>,
    pub(crate) charts: Vec<ChartView>,
    pub(crate) areas: Vec<AreaView>,
    pub(crate) note: String,
}

/// Builds the sections of a report for a page. `editor` lets a draft's forms show.
pub(crate) fn sections(
    tr: &Tr,
    report: &FrozenReport,
    editor: Option<(&Actor, &[rodtrad_store::reports::Commentary], &[rodtrad_store::reports::GoalAssessment])>,
) -> Vec<SectionView> {
    let w = words(tr);
    let sheets = service::sheets(report, &w);
    let tables_for = |keys: &[&str]| -> Vec<TableView> {
        sheets
            .iter()
            .enumerate()
            .filter(|(_, s)| keys.contains(&s.key))
            .map(|(index, s)| TableView {
                index,
                id: format!("t-{}", s.key.trim_start_matches("report-")),
                caption: tr.t(s.key),
                header: s.sheet.header.clone(),
                numeric: (0..s.sheet.header.len())
                    .map(|c| s.sheet.rows.iter().any(|r| r.get(c).is_some_and(|x| x.is_number())))
                    .collect(),
                rows: service::display_cells(&s.sheet),
                total: matches!(s.key, "report-section-statuses" | "report-section-economy"),
            })
            .collect()
    };
    let mut out = Vec::new();
    for s in &report.content.sections {
        let section = s.section();
        let mut v = SectionView {
            id: format!("s-{}", section.code()),
            heading: tr.t(section.label_key()),
            html: String::new(),
            empty: String::new(),
            tables: Vec::new(),
            goals: Vec::new(),
            charts: Vec::new(),
            areas: Vec::new(),
            note: String::new(),
        };
        match s {
            SectionContent::Introduction { text } => {
                v.html = markdown_to_safe_html(text);
                if text.trim().is_empty() {
                    v.empty = tr.t("report-empty");
                }
            }
            SectionContent::Goals { plan, goals } => {
                if !plan.is_empty() {
                    v.heading = format!("{}: {plan}", v.heading);
                }
                if goals.is_empty() {
                    v.empty = tr.t("report-goals-none");
                }
                v.goals = goals
                    .iter()
                    .map(|g| {
                        let written = editor.and_then(|(_, _, a)| a.iter().find(|x| x.element_id == g.id));
                        let mut facts = Vec::new();
                        for (text, class) in &g.indicators {
                            facts.push(format!("{text}: {}", tr.t(service::class_key(class))));
                        }
                        let measures: Vec<String> = g
                            .measures
                            .iter()
                            .map(|(s, n)| {
                                let label = Status::parse(s)
                                    .map(|s| tr.t(s.label_key()))
                                    .unwrap_or_else(|_| tr.t("report-col-unreported"));
                                format!("{label}: {n}")
                            })
                            .collect();
                        if !measures.is_empty() {
                            facts.push(format!("{} – {}", tr.t("report-col-measures-status"), measures.join(", ")));
                        }
                        GoalView {
                            id: g.id,
                            level: g.level,
                            text: g.text.clone(),
                            verdict: format!("{} {}", g.verdict.symbol(), tr.t(g.verdict.label_key())),
                            verdict_code: g.verdict.code().into(),
                            suggested: tr.t(g.suggested.label_key()),
                            facts,
                            html: markdown_to_safe_html(&g.assessment),
                            assessment: g.assessment.clone(),
                            version: written.map_or(0, |a| a.version),
                            vid: format!("v-{}", g.id),
                            aid: format!("a-{}", g.id),
                        }
                    })
                    .collect();
            }
            SectionContent::Statuses { deviations, .. } => {
                v.tables = tables_for(&["report-section-statuses", "report-deviations"]);
                if deviations.is_empty() {
                    v.tables.retain(|t| t.id != "t-deviations");
                    v.note = tr.t("report-deviations-none");
                }
            }
            SectionContent::Indicators { rows } => {
                v.tables = tables_for(&["report-section-indicators"]);
                if rows.is_empty() {
                    v.empty = tr.t("report-indicators-none");
                }
                v.charts = rows
                    .iter()
                    .filter(|i| !i.values.is_empty())
                    .map(|i| ChartView { svg: service::indicator_svg(i, &w, &format!("ind-{}", i.id)) })
                    .collect();
            }
            SectionContent::Economy { rows, .. } => {
                v.tables = tables_for(&["report-section-economy"]);
                v.note = tr.t("report-economy-note");
                if rows.is_empty() {
                    v.empty = tr.t("report-economy-none");
                }
            }
            SectionContent::Dialogues { rows } => {
                v.tables = tables_for(&["report-section-dialogues"]);
                if rows.is_empty() {
                    v.tables.clear();
                    v.empty = tr.t("report-dialogues-none");
                }
            }
            SectionContent::ControlRisks { .. }
            | SectionContent::ControlActivities { .. }
            | SectionContent::ControlAudits { .. }
            | SectionContent::ControlReports { .. } => {
                if let Some((keys, empty, note)) = service::control_section(s, &w) {
                    match empty {
                        Some(e) => v.empty = e,
                        None => v.tables = tables_for(keys),
                    }
                    v.note = note;
                }
            }
            SectionContent::Commentary { areas } => {
                v.areas = areas
                    .iter()
                    .map(|a| {
                        let stored = editor.and_then(|(_, c, _)| c.iter().find(|x| x.area_id == a.area_id));
                        let state = a.state;
                        let (actions, editable) = match editor {
                            Some((actor, _, _)) if actor.can_write_report_commentary(a.area_id) => {
                                commentary_actions(tr, actor.can_manage_reports(), state)
                            }
                            _ => (Vec::new(), false),
                        };
                        AreaView {
                            id: a.area_id,
                            name: a.area.clone(),
                            state: tr.t(state.label_key()),
                            html: markdown_to_safe_html(&a.text),
                            text: a.text.clone(),
                            version: stored.map_or(0, |c| c.version),
                            actions,
                            editable,
                            tid: format!("c-{}-text", a.area_id),
                        }
                    })
                    .collect();
            }
        }
        out.push(v);
    }
    out
}

/// The buttons of a commentary in `state` for the area (`staff`: the management staff) and
/// whether the text may change.
fn commentary_actions(tr: &Tr, staff: bool, state: CommentaryState) -> (Vec<(String, String)>, bool) {
    let b = |code: &str| {
        let key = match code {
            "save" => "report-commentary-action-save",
            "submit" => "report-commentary-action-submit",
            "compile" => "report-commentary-action-compile",
            _ => "report-commentary-action-return",
        };
        (code.to_owned(), tr.t(key))
    };
    match (state, staff) {
        (CommentaryState::Draft, _) => (vec![b("save"), b("submit")], true),
        (CommentaryState::Submitted, true) => (vec![b("save"), b("compile"), b("return")], true),
        (CommentaryState::Submitted, false) => (Vec::new(), false),
        (CommentaryState::Compiled, true) => (vec![b("return")], false),
        (CommentaryState::Compiled, false) => (Vec::new(), false),
    }
}

/// What a re-shown form had typed, so a refused write keeps it.
#[derive(Default)]
pub(crate) struct Typed {
    introduction: Option<String>,
    commentary: Option<(i64, String)>,
    goal: Option<(i64, String, String)>,
    adoption: AdoptionDraft,
}

#[derive(Template)]
#[template(path = "reports/report.html")]
pub(crate) struct ReportTemplate {
    p: Page,
    id: i64,
    status: String,
    period: String,
    sections: Vec<SectionView>,
    toc: Vec<(String, String)>,
    can_intro: bool,
    manages: bool,
    introduction: String,
    version: i64,
    content_version: i64,
    verdicts: Vec<Choice>,
    errors: FieldErrors,
    adoption: AdoptionDraft,
    csv_base: String,
}

fn period(tr: &Tr, c: &ReportContent) -> String {
    let from = tr.t(service::MONTH_KEYS[c.months.0 as usize - 1]);
    let to = tr.t(service::MONTH_KEYS[c.months.1 as usize - 1]);
    let months = if c.months.0 == c.months.1 { from } else { format!("{from}–{to}") };
    tr.rule(
        &rodtrad_domain::RuleError::new("report-period-line")
            .with("months", months)
            .with("year", c.year.to_string())
            .with("date", tr.date(c.as_of)),
    )
}

async fn report_view(state: &AppState, ctx: &Ctx, id: i64, typed: Typed) -> AppResult<ReportTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let (report, tree) = readable(state, ctx, id).await?;
    let frozen = frozen(state, &tree, &report).await?;
    let (commentaries, assessments) = if report.adopted() {
        (Vec::new(), Vec::new())
    } else {
        (state.db.report_commentaries(report.id).await?, state.db.report_assessments(report.id).await?)
    };
    let editor = (!report.adopted()).then_some((actor, commentaries.as_slice(), assessments.as_slice()));
    let mut sections = sections(tr, &frozen, editor);
    if let Some((area, text)) = &typed.commentary {
        for a in sections.iter_mut().flat_map(|s| s.areas.iter_mut()).filter(|a| a.id == *area) {
            a.text = text.clone();
            a.tid = "commentary".into();
        }
    }
    if let Some((goal, verdict, text)) = &typed.goal {
        for g in sections.iter_mut().flat_map(|s| s.goals.iter_mut()).filter(|g| g.id == *goal) {
            g.verdict_code = verdict.clone();
            g.assessment = text.clone();
            g.vid = "verdict".into();
            g.aid = "assessment".into();
        }
    }
    let toc = sections.iter().map(|s| (s.id.clone(), s.heading.clone())).collect();
    let r = row(tr, &report, &tree);
    Ok(ReportTemplate {
        p: ctx.page(r.title, "reports"),
        id: report.id,
        status: r.status,
        period: period(tr, &frozen.content),
        sections,
        toc,
        can_intro: !report.adopted()
            && actor.can_write_report_introduction()
            && report.section_list().contains(&Section::Introduction),
        manages: !report.adopted() && actor.can_manage_reports(),
        introduction: typed.introduction.unwrap_or_else(|| report.introduction.clone()),
        version: report.version,
        content_version: report.content_version,
        verdicts: Verdict::ALL.iter().map(|v| Choice { value: v.code().into(), label: tr.t(v.label_key()) }).collect(),
        errors: FieldErrors::default(),
        adoption: typed.adoption,
        csv_base: format!("/reports/{}", report.id),
    })
}

async fn report_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Html(report_view(&state, &ctx, id, Typed::default()).await?.render()?).into_response())
}

/// Shows the report again with a refused form's values and message.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    typed: Typed,
    field: &'static str,
    (status, message): (StatusCode, String),
) -> AppResult<Response> {
    let mut t = report_view(state, ctx, id, typed).await?;
    t.errors.add(field, message);
    Ok((status, Html(t.render()?)).into_response())
}

fn version(form: &[(String, String)]) -> i64 {
    crate::forms::field(form, "version").trim().parse().unwrap_or(-1)
}

async fn introduction_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (report, _) = readable(&state, &ctx, id).await?;
    let text = crate::forms::field(&form, "text").to_owned();
    match service::save_introduction(&state.db, (actor, &ctx.author()?), &report, version(&form), &text).await {
        Ok(_) => Ok(Redirect::to(&format!("/reports/{id}?saved=1#s-introduction")).into_response()),
        Err(e) => {
            let r = refusal(&ctx.tr, e)?;
            refused(&state, &ctx, id, Typed { introduction: Some(text), ..Typed::default() }, "introduction", r).await
        }
    }
}

async fn commentary_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, area)): Path<(i64, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (report, tree) = readable(&state, &ctx, id).await?;
    if !actor.can_write_report_commentary(area) {
        return Err(AppError::Forbidden);
    }
    let text = crate::forms::field(&form, "text").to_owned();
    let typed = Typed { commentary: Some((area, text.clone())), ..Typed::default() };
    let action = match CommentaryAction::parse(crate::forms::field(&form, "action")) {
        Ok(a) => a,
        Err(e) => {
            return refused(&state, &ctx, id, typed, "commentary", (StatusCode::UNPROCESSABLE_ENTITY, ctx.tr.rule(&e)))
                .await;
        }
    };
    let who = (actor, &ctx.author()?);
    match service::save_commentary(&state.db, who, &tree, &report, area, version(&form), action, &text).await {
        Ok(_) => Ok(Redirect::to(&format!("/reports/{id}?saved=1#c-{area}")).into_response()),
        Err(e) => {
            let r = refusal(&ctx.tr, e)?;
            refused(&state, &ctx, id, typed, "commentary", r).await
        }
    }
}

async fn assessment_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, element)): Path<(i64, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (report, _) = readable(&state, &ctx, id).await?;
    if !actor.can_manage_reports() {
        return Err(AppError::Forbidden);
    }
    let verdict_code = crate::forms::field(&form, "verdict").to_owned();
    let text = crate::forms::field(&form, "text").to_owned();
    let typed = Typed { goal: Some((element, verdict_code.clone(), text.clone())), ..Typed::default() };
    let verdict = match Verdict::parse(&verdict_code) {
        Ok(v) => v,
        Err(e) => {
            return refused(&state, &ctx, id, typed, "verdict", (StatusCode::UNPROCESSABLE_ENTITY, ctx.tr.rule(&e)))
                .await;
        }
    };
    let who = (actor, &ctx.author()?);
    match service::save_assessment(&state.db, who, &report, element, version(&form), verdict, &text).await {
        Ok(_) => Ok(Redirect::to(&format!("/reports/{id}?saved=1#g-{element}")).into_response()),
        Err(e) => {
            let r = refusal(&ctx.tr, e)?;
            refused(&state, &ctx, id, typed, "assessment", r).await
        }
    }
}

async fn adopt(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_reports() {
        return Err(AppError::Forbidden);
    }
    let (report, tree) = readable(&state, &ctx, id).await?;
    let draft = AdoptionDraft {
        body: crate::forms::field(&form, "body").to_owned(),
        case_number: crate::forms::field(&form, "case_number").to_owned(),
        decided_on: crate::forms::field(&form, "decided_on").to_owned(),
    };
    let content_version: i64 = crate::forms::field(&form, "content_version").trim().parse().unwrap_or(-1);
    let typed = |draft: AdoptionDraft| Typed { adoption: draft, ..Typed::default() };
    let adoption = match draft.parse(today()) {
        Ok(a) => a,
        Err(list) => {
            let mut t = report_view(&state, &ctx, id, typed(draft)).await?;
            for e in list {
                t.errors.add(e.field.unwrap_or("body"), ctx.tr.rule(&e));
            }
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response());
        }
    };
    let official = official_tr(state.i18n.clone());
    let w = words(&official);
    let who = (actor, &ctx.author()?);
    match service::adopt(&state.db, who, &tree, &report, content_version, &adoption, today(), &w).await {
        Ok(()) => Ok(Redirect::to(&format!("/reports/{id}?adopted=1")).into_response()),
        Err(e) => {
            let r = refusal(&ctx.tr, e)?;
            refused(&state, &ctx, id, typed(draft), "body", r).await
        }
    }
}

/// The PDF of a report: the frozen bytes once adopted, else made now in the reader's language.
async fn pdf_of(state: &AppState, tr: &Tr, tree: &OrgTree, report: &Report) -> AppResult<Vec<u8>> {
    if report.adopted() {
        return Ok(state.db.report_frozen(report.municipality_id, report.id).await?.1);
    }
    let frozen = frozen(state, tree, report).await?;
    let tr = tr.clone();
    tokio::task::spawn_blocking(move || service::pdf(&frozen, &words(&tr)))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::from)
}

fn file_name(tr: &Tr, report: &Report, tree: &OrgTree) -> String {
    report_title(tr, report, tree)
}

/// The PDF as a download, for the staff's and the public route alike.
async fn pdf_download(state: &AppState, tr: &Tr, tree: &OrgTree, report: &Report) -> AppResult<Response> {
    let bytes = pdf_of(state, tr, tree, report).await?;
    Ok(crate::export::download(bytes, "application/pdf", &file_name(tr, report, tree), "pdf"))
}

async fn report_pdf(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (report, tree) = readable(&state, &ctx, id).await?;
    pdf_download(&state, &ctx.tr, &tree, &report).await
}

/// The workbook: of an adopted report in the official language (the same bytes every time), of a
/// draft in the reader's.
async fn xlsx_of(state: &AppState, tr: &Tr, tree: &OrgTree, report: &Report) -> AppResult<Vec<u8>> {
    let frozen = frozen(state, tree, report).await?;
    let tr = if report.adopted() { official_tr(state.i18n.clone()) } else { tr.clone() };
    Ok(service::xlsx(&frozen, &words(&tr))?)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The workbook as a download, for the staff's and the public route alike.
async fn xlsx_download(state: &AppState, tr: &Tr, tree: &OrgTree, report: &Report) -> AppResult<Response> {
    let bytes = xlsx_of(state, tr, tree, report).await?;
    Ok(crate::export::download(bytes, XLSX, &file_name(tr, report, tree), "xlsx"))
}

async fn report_xlsx(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (report, tree) = readable(&state, &ctx, id).await?;
    xlsx_download(&state, &ctx.tr, &tree, &report).await
}

/// One table of a report as CSV (`/reports/{id}/tables/{n}.csv`, `n` counting from 0).
async fn report_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(i64, String)>,
) -> AppResult<Response> {
    let n: usize = file.strip_suffix(".csv").and_then(|n| n.parse().ok()).ok_or(AppError::NotFound)?;
    let (report, tree) = readable(&state, &ctx, id).await?;
    let frozen = frozen(&state, &tree, &report).await?;
    let w = words(&ctx.tr);
    let sheet = service::sheets(&frozen, &w).into_iter().nth(n).ok_or(AppError::NotFound)?.sheet;
    let name = format!("{} – {}", file_name(&ctx.tr, &report, &tree), sheet.name);
    crate::export::table_download(
        crate::export::TableFormat::Csv,
        crate::export::TableNames::titled(&name, &sheet.name),
        &sheet.header,
        &sheet.rows,
    )
}

/// The public reader: a municipality by number and one of its adopted reports (404 otherwise).
async fn public_report_of(state: &AppState, number: &str, id: i64) -> AppResult<(Municipality, Report, Arc<OrgTree>)> {
    let m = state.db.municipality_by_number(number).await?.ok_or(AppError::NotFound)?;
    let report = state.db.report(m.id, id).await?;
    if !service::may_read(None, &report) {
        return Err(AppError::NotFound);
    }
    let tree = state.org_tree(m.id).await?;
    Ok((m, report, tree))
}

#[derive(Template)]
#[template(path = "reports/public_index.html")]
pub(crate) struct PublicIndexTemplate {
    p: Page,
    municipality: Municipality,
    rows: Vec<ReportRow>,
}

async fn public_index(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> AppResult<Response> {
    let m = state.db.municipality_by_number(&number).await?.ok_or(AppError::NotFound)?;
    let tree = state.org_tree(m.id).await?;
    let rows = state.db.public_reports(m.id).await?.iter().map(|r| row(&ctx.tr, r, &tree)).collect();
    let t = PublicIndexTemplate {
        p: ctx.page(ctx.tr.t1("report-public-title", "municipality", &m.name), "public"),
        municipality: m,
        rows,
    };
    Ok(Html(t.render()?).into_response())
}

#[derive(Template)]
#[template(path = "reports/public_report.html")]
pub(crate) struct PublicReportTemplate {
    p: Page,
    municipality: Municipality,
    id: i64,
    status: String,
    period: String,
    sections: Vec<SectionView>,
    toc: Vec<(String, String)>,
    // The shared sections template's form fields, unused here: the public page has no forms.
    manages: bool,
    errors: FieldErrors,
    verdicts: Vec<Choice>,
    csv_base: String,
}

async fn public_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((number, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (m, report, tree) = public_report_of(&state, &number, id).await?;
    let frozen = frozen(&state, &tree, &report).await?;
    let sections = sections(&ctx.tr, &frozen, None);
    let r = row(&ctx.tr, &report, &tree);
    let t = PublicReportTemplate {
        p: ctx.page(r.title, "public"),
        municipality: m,
        id: report.id,
        status: r.status,
        period: period(&ctx.tr, &frozen.content),
        toc: sections.iter().map(|s| (s.id.clone(), s.heading.clone())).collect(),
        sections,
        manages: false,
        errors: FieldErrors::default(),
        verdicts: Vec::new(),
        csv_base: String::new(),
    };
    Ok(Html(t.render()?).into_response())
}

async fn public_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((number, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (_, report, tree) = public_report_of(&state, &number, id).await?;
    pdf_download(&state, &ctx.tr, &tree, &report).await
}

async fn public_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((number, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (_, report, tree) = public_report_of(&state, &number, id).await?;
    xlsx_download(&state, &ctx.tr, &tree, &report).await
}
