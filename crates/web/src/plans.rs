//! The plan register, a plan's page (facts, lifecycle, decisions, sources, goal-element tree with
//! inheritance markers and formulation warnings) and the element editor.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms;
use crate::org::Choice;
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, Utc};
use rodtrad_domain::plan::{ElementDraft, ElementKind, ElementStatus, PlanStatus, PlanType, formulation_warnings};
use rodtrad_domain::{Name, RuleError};
use rodtrad_service::ServiceError;
use rodtrad_store::StoreError;
use rodtrad_store::people::PeopleFilter;
use rodtrad_store::plans::{Element, ElementInput, Plan, PlanInput, SdgLink};
use serde::Deserialize;
use std::collections::HashMap;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("plans")
        .get("/plans", register)
        .post("/plans", create_plan)
        .get("/plans/labels", labels_page)
        .post("/plans/labels", save_labels)
        .get("/plans/{id}", plan_page)
        .post("/plans/{id}", update_plan)
        .post("/plans/{id}/status", change_status)
        .post("/plans/{id}/decisions", add_decision)
        .post("/plans/{id}/elements", create_element)
        .post("/plans/{id}/inherit", inherit_element)
        .get("/plans/{id}/versions", versions_page)
        .post("/plans/{id}/sections", create_section)
        .post("/plans/{id}/sections/{section}", update_section)
        .post("/elements/{id}/place", place_element)
        .get("/plans/{id}/export.csv", export_csv)
        .get("/plans/{id}/export.xlsx", export_xlsx)
        .get("/elements/{id}", element_page)
        .post("/elements/{id}", update_element)
        .post("/elements/{id}/remove", remove_element)
        .post("/elements/{id}/acknowledge", acknowledge_element)
        .post("/elements/{id}/assign", assign_element)
}

/// The municipality's names for the goal-structure levels, falling back to the translations.
#[derive(Default)]
pub struct Labels(HashMap<(String, String), String>);

impl Labels {
    /// Loads the municipality's custom level names.
    pub async fn load(state: &AppState, municipality_id: i64) -> AppResult<Self> {
        Ok(Self(state.db.element_labels(municipality_id).await?.into_iter().map(|(k, l, x)| ((k, l), x)).collect()))
    }

    /// The label of `kind` in the translator's language.
    pub fn kind(&self, tr: &crate::i18n::Tr, kind: ElementKind) -> String {
        self.0.get(&(kind.code().to_owned(), tr.code().to_owned())).cloned().unwrap_or_else(|| tr.t(kind.label_key()))
    }

    /// The custom label for `kind` in `lang`, if any (for the settings form).
    pub fn custom(&self, kind: ElementKind, lang: &str) -> String {
        self.0.get(&(kind.code().to_owned(), lang.to_owned())).cloned().unwrap_or_default()
    }

    /// Select options for `kinds`.
    pub fn choices(&self, tr: &crate::i18n::Tr, kinds: Vec<ElementKind>) -> Vec<Choice> {
        kinds.into_iter().map(|k| Choice { value: k.code().into(), label: self.kind(tr, k) }).collect()
    }
}

/// Whether the caller may edit `plan` (owner unit in scope, or municipality-wide editor).
pub async fn can_edit(state: &AppState, ctx: &Ctx, owner_unit: Option<i64>) -> AppResult<bool> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    Ok(rodtrad_service::plans::may_edit_plan(actor, &tree, owner_unit))
}

fn type_choices(ctx: &Ctx) -> Vec<Choice> {
    PlanType::ALL.iter().map(|t| Choice { value: t.code().to_owned(), label: ctx.tr.t(t.label_key()) }).collect()
}

async fn unit_choices(state: &AppState, ctx: &Ctx, only_editable: bool) -> AppResult<Vec<Choice>> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let today = Utc::now().date_naive();
    let mut out: Vec<Choice> = tree
        .units()
        .iter()
        .filter(|u| u.is_valid_on(today))
        .filter(|u| !only_editable || actor.can_edit_plan(Some(&tree.ancestry(u.id))))
        .map(|u| Choice { value: u.id.to_string(), label: u.name.clone() })
        .collect();
    out.sort_by_key(|c| c.label.to_lowercase());
    Ok(out)
}

/// A plan row in the register.
struct PlanRow {
    plan: Plan,
    type_label: String,
    status_label: String,
    warnings: Vec<String>,
}

/// What the revision warnings need to know about the plan system.
pub struct RevisionContext {
    year: i32,
    /// The adopted planning strategy covering this year, if any.
    strategy: Option<i64>,
    /// `(plan, source)` links.
    links: Vec<(i64, i64)>,
}

impl RevisionContext {
    async fn load(state: &AppState, municipality_id: i64, plans: &[Plan]) -> AppResult<Self> {
        Ok(Self::new(plans, state.db.plan_sources_all(municipality_id).await?))
    }

    fn new(plans: &[Plan], links: Vec<(i64, i64)>) -> Self {
        let year = Utc::now().year();
        let strategy = plans
            .iter()
            .find(|p| {
                p.plan_type() == PlanType::PlanningStrategy
                    && p.status() == PlanStatus::Adopted
                    && p.start_year <= i64::from(year)
                    && i64::from(year) <= p.end_year
            })
            .map(|p| p.id);
        Self { year, strategy, links }
    }
}

/// Revision warnings: a plan past its period; a thematic plan the current planning strategy has not
/// assessed (it does not build on that strategy).
fn revision_warnings(ctx: &Ctx, plan: &Plan, rc: &RevisionContext) -> Vec<String> {
    let mut out = Vec::new();
    let status = plan.status();
    if matches!(status, PlanStatus::Adopted | PlanStatus::UnderRevision) && plan.end_year < i64::from(rc.year) {
        out.push(ctx.tr.t1("plan-warn-past-horizon", "year", plan.end_year));
    }
    if plan.plan_type() == PlanType::ThematicPlan
        && status == PlanStatus::Adopted
        && let Some(strategy) = rc.strategy
        && !rc.links.contains(&(plan.id, strategy))
    {
        out.push(ctx.tr.t("plan-warn-assess"));
    }
    out
}

#[derive(Template)]
#[template(path = "plans.html")]
struct RegisterTemplate {
    p: Page,
    rows: Vec<PlanRow>,
    can_create: bool,
    can_label: bool,
    form: PlanForm,
    errors: FieldErrors,
    type_choices: Vec<Choice>,
    unit_choices: Vec<Choice>,
    source_choices: Vec<Choice>,
}

/// Plan form values as typed; sources arrive as repeated `source` fields.
#[derive(Clone, Default)]
struct PlanForm {
    plan_type: String,
    title: String,
    start_year: String,
    end_year: String,
    owner_unit_id: String,
    sources: Vec<String>,
    published: bool,
    version: String,
}

impl PlanForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = PlanForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "plan_type" => f.plan_type = v,
                "title" => f.title = v,
                "start_year" => f.start_year = v,
                "end_year" => f.end_year = v,
                "owner_unit_id" => f.owner_unit_id = v,
                "source" => f.sources.push(v),
                "published" => f.published = true,
                "version" => f.version = v,
                _ => {}
            }
        }
        f
    }

    fn from_plan(plan: &Plan, sources: Vec<i64>) -> Self {
        Self {
            plan_type: plan.plan_type.clone(),
            title: plan.title.clone(),
            start_year: plan.start_year.to_string(),
            end_year: plan.end_year.to_string(),
            owner_unit_id: plan.owner_unit_id.map(|u| u.to_string()).unwrap_or_default(),
            sources: sources.iter().map(i64::to_string).collect(),
            published: plan.published,
            version: plan.version.to_string(),
        }
    }

    fn has_source(&self, id: &str) -> bool {
        self.sources.iter().any(|s| s == id)
    }

    fn parse(&self, ctx: &Ctx, errors: &mut FieldErrors) -> Option<(PlanInput, Vec<i64>)> {
        let plan_type = PlanType::parse(&self.plan_type).map_err(|e| errors.add("plan_type", ctx.tr.rule(&e))).ok();
        let title = Name::parse(&self.title).map_err(|e| errors.add("title", ctx.tr.rule(&e))).ok();
        let year = |v: &str, field: &'static str, errors: &mut FieldErrors| match v.trim().parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => {
                errors.add(field, ctx.tr.t("err-plan-year"));
                None
            }
        };
        let start = year(&self.start_year, "start_year", errors);
        let end = year(&self.end_year, "end_year", errors);
        let owner =
            forms::optional_id(&self.owner_unit_id).map_err(|e| errors.add("owner_unit_id", ctx.tr.rule(&e))).ok();
        let mut sources = Vec::new();
        for s in &self.sources {
            match forms::optional_id(s) {
                Ok(Some(id)) => sources.push(id),
                Ok(None) => {}
                Err(e) => errors.add("sources", ctx.tr.rule(&e)),
            }
        }
        if let (Some(s), Some(e)) = (start, end)
            && let Err(err) = rodtrad_domain::plan::check_period(s, e)
        {
            errors.add("end_year", ctx.tr.rule(&err));
        }
        match (plan_type, title, start, end, owner) {
            (Some(plan_type), Some(title), Some(start_year), Some(end_year), Some(owner_unit_id))
                if errors.is_empty() =>
            {
                Some((
                    PlanInput { plan_type, title, start_year, end_year, owner_unit_id, published: self.published },
                    sources,
                ))
            }
            _ => None,
        }
    }
}

async fn register_page(
    state: &AppState,
    ctx: &Ctx,
    form: PlanForm,
    errors: FieldErrors,
) -> AppResult<RegisterTemplate> {
    let actor = ctx.actor()?;
    let plans = state.db.plans(actor.municipality_id).await?;
    let rc = RevisionContext::load(state, actor.municipality_id, &plans).await?;
    let source_choices = plans.iter().map(|p| Choice { value: p.id.to_string(), label: p.title.clone() }).collect();
    let rows = plans
        .into_iter()
        .map(|plan| PlanRow {
            type_label: ctx.tr.t(plan.plan_type().label_key()),
            status_label: ctx.tr.t(plan.status().label_key()),
            warnings: revision_warnings(ctx, &plan, &rc),
            plan,
        })
        .collect();
    let unit_choices = unit_choices(state, ctx, true).await?;
    Ok(RegisterTemplate {
        p: ctx.page(ctx.tr.t("plans-title"), "plans"),
        rows,
        can_create: actor.can_restructure() || !unit_choices.is_empty(),
        can_label: actor.can_restructure(),
        form,
        errors,
        type_choices: type_choices(ctx),
        unit_choices,
        source_choices,
    })
}

async fn register(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let year = Utc::now().year().to_string();
    let form =
        PlanForm { plan_type: "unit_plan".into(), start_year: year.clone(), end_year: year, ..PlanForm::default() };
    let t = register_page(&state, &ctx, form, FieldErrors::default()).await?;
    Ok(Html(t.render()?).into_response())
}

async fn create_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = PlanForm::from_pairs(pairs);
    let mut errors = FieldErrors::default();
    let parsed = form.parse(&ctx, &mut errors);
    if let Some((input, sources)) = parsed {
        if !can_edit(&state, &ctx, input.owner_unit_id).await? {
            return Err(AppError::Forbidden);
        }
        match state.db.plan_create(&ctx.author()?, &input, &sources).await {
            Ok(id) => return Ok(Redirect::to(&format!("/plans/{id}?saved=1")).into_response()),
            Err(StoreError::Rule(e)) => errors.add(field_of(&e), ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let t = register_page(&state, &ctx, form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

/// The field a rule error is shown beside on the plan form: the one it names, else the title.
fn field_of(e: &RuleError) -> &'static str {
    e.field.unwrap_or("title")
}

/// One row of the flattened element tree.
pub struct ElementRow {
    /// The element.
    pub element: Element,
    /// Depth in the plan's tree.
    pub depth: usize,
    /// Kind label (translated).
    pub kind_label: String,
    /// Status label for assignments and measures.
    pub status_label: Option<String>,
    /// Formulation warnings (translated).
    pub warnings: Vec<String>,
    /// SDG targets linked.
    pub sdg: Vec<SdgLink>,
    /// Kinds that can be added under it.
    pub child_kinds: Vec<Choice>,
}

/// Orders a plan's elements depth first and decorates them for display.
pub fn element_rows(ctx: &Ctx, labels: &Labels, elements: Vec<Element>, links: &[SdgLink]) -> Vec<ElementRow> {
    let kinds: HashMap<i64, ElementKind> = elements.iter().map(|e| (e.id, e.kind())).collect();
    let mut children: HashMap<Option<i64>, Vec<Element>> = HashMap::new();
    for e in elements {
        let parent = e.parent_id.filter(|p| kinds.contains_key(p));
        children.entry(parent).or_default().push(e);
    }
    let mut out = Vec::new();
    let mut stack: Vec<(Element, usize)> =
        children.remove(&None).unwrap_or_default().into_iter().rev().map(|e| (e, 0)).collect();
    while let Some((element, depth)) = stack.pop() {
        if let Some(kids) = children.remove(&Some(element.id)) {
            stack.extend(kids.into_iter().rev().map(|k| (k, depth + 1)));
        }
        let kind = element.kind();
        let parent_kind = element.parent_id.and_then(|p| kinds.get(&p).copied());
        let warnings = if element.inherited() {
            Vec::new()
        } else {
            formulation_warnings(kind, &element.text, parent_kind)
                .into_iter()
                .map(|w| ctx.tr.t1(w.key, "detail", &w.detail))
                .collect()
        };
        let status_label = matches!(kind, ElementKind::Assignment | ElementKind::Measure)
            .then(|| ElementStatus::parse(&element.status).map(|s| ctx.tr.t(s.label_key())).unwrap_or_default());
        out.push(ElementRow {
            kind_label: labels.kind(&ctx.tr, kind),
            status_label,
            warnings,
            sdg: links
                .iter()
                .filter(|l| l.element_id == element.source_element_id.unwrap_or(element.id))
                .cloned()
                .collect(),
            child_kinds: labels.choices(&ctx.tr, kind.child_kinds()),
            element,
            depth,
        });
    }
    out
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanTemplate {
    p: Page,
    plan: Plan,
    type_label: String,
    status_label: String,
    can_edit: bool,
    editable: bool,
    warnings: Vec<String>,
    sources: Vec<Plan>,
    derived: Vec<Plan>,
    decisions: Vec<rodtrad_store::plans::Decision>,
    sections: Vec<SectionView>,
    section_errors: FieldErrors,
    municipality_number: String,
    next_statuses: Vec<Choice>,
    rows: Vec<ElementRow>,
    top_kinds: Vec<Choice>,
    inheritable: Vec<Choice>,
    form: PlanForm,
    unit_choices: Vec<Choice>,
    source_choices: Vec<Choice>,
    plan_errors: FieldErrors,
    conflict: bool,
    element_errors: FieldErrors,
    decision: DecisionForm,
    decision_errors: FieldErrors,
    status_error: Option<String>,
    saved: bool,
}

enum Back {
    None,
    Section(FieldErrors),
    Plan(PlanForm, FieldErrors, bool),
    Element(FieldErrors),
    Decision(DecisionForm, FieldErrors),
    Status(String),
}

async fn render_plan(state: &AppState, ctx: &Ctx, id: i64, back: Back, saved: bool) -> AppResult<PlanTemplate> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let plan = state.db.plan(mid, id).await?;
    let all = state.db.plans(mid).await?;
    let links = state.db.plan_sources_all(mid).await?;
    let source_ids: Vec<i64> = links.iter().filter(|(p, _)| *p == id).map(|(_, s)| *s).collect();
    let derived_ids: Vec<i64> = links.iter().filter(|(_, s)| *s == id).map(|(p, _)| *p).collect();
    let can_edit = can_edit(state, ctx, plan.owner_unit_id).await?;
    let editable = can_edit && plan.status().editable();
    let elements = state.db.elements(mid, id).await?;
    let labels = Labels::load(state, mid).await?;
    let sdg = state.db.sdg_links(mid).await?;
    // Elements of the plans this plan builds on that are not inherited yet.
    let ancestors = state.db.plan_ancestors(mid, id).await?;
    let inherited: Vec<i64> = elements.iter().filter_map(|e| e.source_element_id).collect();
    let mut inheritable = Vec::new();
    if editable {
        for a in &ancestors {
            let title = all.iter().find(|p| p.id == *a).map(|p| p.title.clone()).unwrap_or_default();
            for e in state.db.elements(mid, *a).await? {
                let origin = e.source_element_id.unwrap_or(e.id);
                if !inherited.contains(&origin)
                    && !e.orphaned()
                    && !inheritable.iter().any(|c: &Choice| c.value == origin.to_string())
                {
                    let kind = labels.kind(&ctx.tr, e.kind());
                    inheritable
                        .push(Choice { value: origin.to_string(), label: format!("{title} – {kind}: {}", e.text) });
                }
            }
        }
    }
    let decisions = state.db.plan_decisions(id).await?;
    let next_statuses = if can_edit {
        plan.status()
            .next(plan.plan_type())
            .into_iter()
            .map(|s| Choice { value: s.code().into(), label: ctx.tr.t(s.label_key()) })
            .collect()
    } else {
        Vec::new()
    };
    let mut t = PlanTemplate {
        p: ctx.page(plan.title.clone(), "plans"),
        type_label: ctx.tr.t(plan.plan_type().label_key()),
        status_label: ctx.tr.t(plan.status().label_key()),
        can_edit,
        editable,
        warnings: revision_warnings(ctx, &plan, &RevisionContext::new(&all, links.clone())),
        sources: all.iter().filter(|p| source_ids.contains(&p.id)).cloned().collect(),
        derived: all.iter().filter(|p| derived_ids.contains(&p.id)).cloned().collect(),
        decisions,
        sections: state.db.sections(id).await?.into_iter().map(SectionView::from).collect(),
        section_errors: FieldErrors::default(),
        municipality_number: state.db.municipality(mid).await?.number,
        next_statuses,
        rows: element_rows(ctx, &labels, elements, &sdg),
        top_kinds: labels.choices(&ctx.tr, ElementKind::top_kinds()),
        inheritable,
        form: PlanForm::from_plan(&plan, source_ids),
        unit_choices: unit_choices(state, ctx, false).await?,
        source_choices: all
            .iter()
            .filter(|p| p.id != id)
            .map(|p| Choice { value: p.id.to_string(), label: p.title.clone() })
            .collect(),
        plan_errors: FieldErrors::default(),
        conflict: false,
        element_errors: FieldErrors::default(),
        decision: DecisionForm { body: ctx.tr.t("decision-default-body"), ..DecisionForm::default() },
        decision_errors: FieldErrors::default(),
        status_error: None,
        saved,
        plan,
    };
    match back {
        Back::None => {}
        Back::Plan(form, errors, conflict) => {
            t.form = form;
            t.plan_errors = errors;
            t.conflict = conflict;
        }
        Back::Element(errors) => t.element_errors = errors,
        Back::Decision(form, errors) => {
            t.decision = form;
            t.decision_errors = errors;
        }
        Back::Status(message) => t.status_error = Some(message),
        Back::Section(errors) => t.section_errors = errors,
    }
    Ok(t)
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let t = render_plan(&state, &ctx, id, Back::None, q.saved.is_some()).await?;
    Ok(Html(t.render()?).into_response())
}

async fn require_plan_editor(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Plan> {
    let plan = state.db.plan(ctx.actor()?.municipality_id, id).await?;
    if !can_edit(state, ctx, plan.owner_unit_id).await? {
        return Err(AppError::Forbidden);
    }
    Ok(plan)
}

async fn update_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let plan = require_plan_editor(&state, &ctx, id).await?;
    let form = PlanForm { plan_type: plan.plan_type.clone(), ..PlanForm::from_pairs(pairs) };
    let mut errors = FieldErrors::default();
    let version = forms::version(&form.version).map_err(|e| errors.add("title", ctx.tr.rule(&e))).ok();
    let mut conflict = false;
    if let (Some((input, sources)), Some(version)) = (form.parse(&ctx, &mut errors), version) {
        let actor = ctx.actor()?;
        let tree = state.org_tree(actor.municipality_id).await?;
        let who = (actor, &ctx.author()?);
        match rodtrad_service::plans::update_plan(&state.db, &tree, who, id, version, (&input, &sources)).await {
            Ok(()) => return Ok(Redirect::to(&format!("/plans/{id}?saved=1")).into_response()),
            Err(ServiceError::Store(StoreError::Conflict)) => conflict = true,
            Err(ServiceError::Store(StoreError::Rule(e))) => errors.add(field_of(&e), ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let t = render_plan(&state, &ctx, id, Back::Plan(form, errors, conflict), false).await?;
    Ok((status, Html(t.render()?)).into_response())
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
    version: String,
}

async fn change_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    require_plan_editor(&state, &ctx, id).await?;
    let to = PlanStatus::parse(&form.status)?;
    let version = forms::version(&form.version)?;
    match state.db.plan_transition(&ctx.author()?, id, version, to).await {
        Ok(()) => Ok(Redirect::to(&format!("/plans/{id}?saved=1")).into_response()),
        Err(StoreError::Rule(e)) => {
            let t = render_plan(&state, &ctx, id, Back::Status(ctx.tr.rule(&e)), false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
        }
        Err(StoreError::Conflict) => {
            let t = render_plan(&state, &ctx, id, Back::Status(ctx.tr.t("err-conflict")), false).await?;
            Ok((StatusCode::CONFLICT, Html(t.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Decision form values as typed.
#[derive(Deserialize, Clone, Default)]
pub struct DecisionForm {
    body: String,
    case_number: String,
    decided_on: String,
    #[serde(default)]
    note: String,
}

async fn add_decision(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    require_plan_editor(&state, &ctx, id).await?;
    let mut errors = FieldErrors::default();
    let body = Name::parse(&form.body).map_err(|e| errors.add("body", ctx.tr.rule(&e))).ok();
    let case = Name::parse(&form.case_number).map_err(|e| errors.add("case_number", ctx.tr.rule(&e))).ok();
    let date = forms::required_date(&form.decided_on).map_err(|e| errors.add("decided_on", ctx.tr.rule(&e))).ok();
    let note =
        rodtrad_domain::text::optional_text(&form.note, 2000).map_err(|e| errors.add("note", ctx.tr.rule(&e))).ok();
    if let (Some(body), Some(case), Some(date), Some(note), true) = (body, case, date, note, errors.is_empty()) {
        state.db.plan_decision_add(&ctx.author()?, id, body.as_str(), case.as_str(), date, note.as_deref()).await?;
        return Ok(Redirect::to(&format!("/plans/{id}?saved=1")).into_response());
    }
    let t = render_plan(&state, &ctx, id, Back::Decision(form, errors), false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

/// Element form values as typed.
#[derive(Deserialize, Clone, Default)]
pub struct ElementForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent_id: String,
    text: String,
    #[serde(default)]
    owner_unit_id: String,
    #[serde(default)]
    responsible_person_id: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    sdg_targets: String,
    #[serde(default)]
    sdg_adapted: String,
    #[serde(default)]
    version: String,
}

impl ElementForm {
    fn parse(&self, ctx: &Ctx, kind: ElementKind, errors: &mut FieldErrors) -> Option<ElementInput> {
        let draft = ElementDraft::parse(
            &self.text,
            Some(&self.status),
            ElementDraft::split_codes(&self.sdg_targets),
            ElementDraft::split_codes(&self.sdg_adapted),
        )
        .map_err(|all| all.iter().for_each(|e| errors.add(e.field.unwrap_or("text"), ctx.tr.rule(e))))
        .ok();
        let owner =
            forms::optional_id(&self.owner_unit_id).map_err(|e| errors.add("owner_unit_id", ctx.tr.rule(&e))).ok();
        let responsible = forms::optional_id(&self.responsible_person_id)
            .map_err(|e| errors.add("responsible_person_id", ctx.tr.rule(&e)))
            .ok();
        let deadline = forms::optional_date(&self.deadline).map_err(|e| errors.add("deadline", ctx.tr.rule(&e))).ok();
        match (draft, owner, responsible, deadline) {
            (Some(draft), Some(owner_unit_id), Some(responsible_person_id), Some(deadline)) if errors.is_empty() => {
                Some(ElementInput::new(kind, draft, owner_unit_id, responsible_person_id, deadline))
            }
            _ => None,
        }
    }
}

/// The field a rule error from the store is shown beside: the one it names, else the text.
fn element_field(e: &RuleError) -> &'static str {
    e.field.unwrap_or("text")
}

async fn create_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ElementForm>,
) -> AppResult<Response> {
    require_plan_editor(&state, &ctx, id).await?;
    let mut errors = FieldErrors::default();
    let kind = ElementKind::parse(&form.kind).map_err(|e| errors.add("kind", ctx.tr.rule(&e))).ok();
    let parent = forms::optional_id(&form.parent_id).map_err(|e| errors.add("kind", ctx.tr.rule(&e))).ok();
    let input = kind.and_then(|k| form.parse(&ctx, k, &mut errors));
    if let (Some(input), Some(parent)) = (input, parent) {
        match state.db.element_create(&ctx.author()?, id, parent, &input).await {
            Ok(eid) => return Ok(Redirect::to(&format!("/plans/{id}?saved=1#e-{eid}")).into_response()),
            Err(StoreError::Rule(e)) => errors.add(element_field(&e), ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let t = render_plan(&state, &ctx, id, Back::Element(errors), false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

#[derive(Deserialize)]
struct InheritForm {
    source_element_id: String,
}

async fn inherit_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<InheritForm>,
) -> AppResult<Response> {
    require_plan_editor(&state, &ctx, id).await?;
    let source = forms::optional_id(&form.source_element_id)?
        .ok_or_else(|| AppError::Rule(RuleError::new("err-inherit-source")))?;
    match state.db.element_inherit(&ctx.author()?, id, source).await {
        Ok(eid) => Ok(Redirect::to(&format!("/plans/{id}?saved=1#e-{eid}")).into_response()),
        Err(StoreError::Rule(e)) => {
            let mut errors = FieldErrors::default();
            errors.add("source_element_id", ctx.tr.rule(&e));
            let t = render_plan(&state, &ctx, id, Back::Element(errors), false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "element.html")]
struct ElementTemplate {
    p: Page,
    plan: Plan,
    element: Element,
    kind_label: String,
    warnings: Vec<String>,
    form: ElementForm,
    errors: FieldErrors,
    conflict: bool,
    editable: bool,
    assignable: bool,
    is_measure: bool,
    unit_choices: Vec<Choice>,
    person_choices: Vec<Choice>,
    status_choices: Vec<Choice>,
    section_choices: Vec<Choice>,
    section_value: String,
    plan_editable: bool,
    saved: bool,
}

async fn render_element(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    back: Option<(ElementForm, FieldErrors, bool)>,
    saved: bool,
) -> AppResult<ElementTemplate> {
    let mid = ctx.actor()?.municipality_id;
    let element = state.db.element(mid, id).await?;
    let labels = Labels::load(state, mid).await?;
    let plan = state.db.plan(mid, element.plan_id).await?;
    let plan_editable = can_edit(state, ctx, plan.owner_unit_id).await? && plan.status().editable();
    let editable = plan_editable && !element.inherited();
    let assignable = plan_editable && element.inherited();
    let links: Vec<SdgLink> = state.db.sdg_links(mid).await?.into_iter().filter(|l| l.element_id == id).collect();
    let join = |adapted: bool| {
        links.iter().filter(|l| l.adapted == adapted).map(|l| l.target.clone()).collect::<Vec<_>>().join(", ")
    };
    let form = ElementForm {
        kind: element.kind.clone(),
        parent_id: element.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        text: element.text.clone(),
        owner_unit_id: element.owner_unit_id.map(|u| u.to_string()).unwrap_or_default(),
        responsible_person_id: element.responsible_person_id.map(|u| u.to_string()).unwrap_or_default(),
        deadline: element.deadline.map(|d| d.to_string()).unwrap_or_default(),
        status: element.status.clone(),
        sdg_targets: join(false),
        sdg_adapted: join(true),
        version: element.version.to_string(),
    };
    let kind = element.kind();
    let parent_kind = match element.parent_id {
        Some(p) => state.db.element(mid, p).await.ok().map(|e| e.kind()),
        None => None,
    };
    let (form, errors, conflict) = back.unwrap_or((form, FieldErrors::default(), false));
    let warnings = formulation_warnings(kind, &form.text, parent_kind)
        .into_iter()
        .map(|w| ctx.tr.t1(w.key, "detail", &w.detail))
        .collect();
    let person_choices = if matches!(kind, ElementKind::Measure | ElementKind::Assignment) {
        state
            .db
            .people(mid, &PeopleFilter::default(), 100_000)
            .await?
            .iter()
            .filter(|p| p.active)
            .map(Choice::person)
            .collect()
    } else {
        Vec::new()
    };
    Ok(ElementTemplate {
        p: ctx.page(labels.kind(&ctx.tr, kind), "plans"),
        kind_label: labels.kind(&ctx.tr, kind),
        warnings,
        form,
        errors,
        conflict,
        editable,
        assignable,
        is_measure: matches!(kind, ElementKind::Measure | ElementKind::Assignment),
        unit_choices: unit_choices(state, ctx, false).await?,
        person_choices,
        status_choices: ElementStatus::ALL
            .iter()
            .map(|s| Choice { value: s.code().into(), label: ctx.tr.t(s.label_key()) })
            .collect(),
        section_choices: state
            .db
            .sections(plan.id)
            .await?
            .into_iter()
            .map(|s| Choice { value: s.id.to_string(), label: s.heading })
            .collect(),
        section_value: element.section_id.map(|s| s.to_string()).unwrap_or_default(),
        plan_editable,
        saved,
        plan,
        element,
    })
}

async fn element_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let t = render_element(&state, &ctx, id, None, q.saved.is_some()).await?;
    Ok(Html(t.render()?).into_response())
}

async fn element_plan(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Element, Plan)> {
    let mid = ctx.actor()?.municipality_id;
    let element = state.db.element(mid, id).await?;
    let plan = require_plan_editor(state, ctx, element.plan_id).await?;
    Ok((element, plan))
}

async fn update_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ElementForm>,
) -> AppResult<Response> {
    let (element, _) = element_plan(&state, &ctx, id).await?;
    if element.inherited() {
        return Err(AppError::Rule(RuleError::new("err-element-inherited")));
    }
    let mut errors = FieldErrors::default();
    let version = forms::version(&form.version).map_err(|e| errors.add("text", ctx.tr.rule(&e))).ok();
    let mut conflict = false;
    if let (Some(input), Some(version)) = (form.parse(&ctx, element.kind(), &mut errors), version) {
        match state.db.element_update(&ctx.author()?, id, version, &input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/elements/{id}?saved=1")).into_response()),
            Err(StoreError::Conflict) => conflict = true,
            Err(StoreError::Rule(e)) => errors.add(element_field(&e), ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let t = render_element(&state, &ctx, id, Some((form, errors, conflict)), false).await?;
    Ok((status, Html(t.render()?)).into_response())
}

#[derive(Deserialize)]
struct VersionForm {
    version: String,
}

async fn remove_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> AppResult<Response> {
    let (element, _) = element_plan(&state, &ctx, id).await?;
    state.db.element_remove(&ctx.author()?, id, forms::version(&form.version)?).await?;
    Ok(Redirect::to(&format!("/plans/{}?saved=1", element.plan_id)).into_response())
}

#[derive(Deserialize)]
struct AssignForm {
    owner_unit_id: String,
    version: String,
}

async fn assign_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> AppResult<Response> {
    let (element, _) = element_plan(&state, &ctx, id).await?;
    let owner = forms::optional_id(&form.owner_unit_id)?;
    match state.db.element_assign(&ctx.author()?, id, forms::version(&form.version)?, owner).await {
        Ok(()) => Ok(Redirect::to(&format!("/plans/{}?saved=1#e-{id}", element.plan_id)).into_response()),
        Err(StoreError::Conflict) => {
            let t = render_element(&state, &ctx, id, None, false).await?;
            let mut t = t;
            t.conflict = true;
            Ok((StatusCode::CONFLICT, Html(t.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn acknowledge_element(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (element, _) = element_plan(&state, &ctx, id).await?;
    state.db.element_acknowledge(&ctx.author()?, id).await?;
    Ok(Redirect::to(&format!("/plans/{}?saved=1#e-{id}", element.plan_id)).into_response())
}

#[derive(Deserialize, Default)]
struct VersionQuery {
    from: Option<String>,
    to: Option<String>,
}

/// A diff entry as shown: kind label and the entry.
struct DiffRow {
    kind_label: String,
    entry: rodtrad_domain::plan::VersionEntry,
}

#[derive(Template)]
#[template(path = "plan_versions.html")]
struct VersionsTemplate {
    p: Page,
    plan: Plan,
    choices: Vec<Choice>,
    from: String,
    to: String,
    added: Vec<DiffRow>,
    changed: Vec<(DiffRow, DiffRow)>,
    removed: Vec<DiffRow>,
    compared: bool,
}

async fn versions_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> AppResult<Response> {
    let mid = ctx.actor()?.municipality_id;
    let plan = state.db.plan(mid, id).await?;
    let labels = Labels::load(&state, mid).await?;
    let versions = state.db.plan_versions(id).await?;
    let mut choices: Vec<Choice> = versions
        .iter()
        .map(|(n, at)| Choice {
            value: n.to_string(),
            label: ctx.tr.t1("version-label", "number", n) + &format!(" ({})", at.format("%Y-%m-%d")),
        })
        .collect();
    choices.push(Choice { value: "draft".into(), label: ctx.tr.t("version-current") });
    let latest = versions.last().map(|(n, _)| n.to_string());
    let before_latest = versions.iter().rev().nth(1).map(|(n, _)| n.to_string());
    let from = q.from.or(before_latest).or(latest.clone()).unwrap_or_else(|| "draft".into());
    let to =
        q.to.or_else(|| if versions.len() >= 2 { latest } else { Some("draft".into()) })
            .unwrap_or_else(|| "draft".into());
    let load = async |which: &str| -> AppResult<Vec<rodtrad_domain::plan::VersionEntry>> {
        if which == "draft" {
            return Ok(state.db.plan_snapshot(mid, id).await?);
        }
        let n: i64 = which.parse().map_err(|_| AppError::Rule(RuleError::new("err-version-unknown")))?;
        state.db.plan_version(id, n).await.map_err(|e| match e {
            StoreError::NotFound => AppError::Rule(RuleError::new("err-version-unknown")),
            other => other.into(),
        })
    };
    let older = load(&from).await?;
    let newer = load(&to).await?;
    let diff = rodtrad_domain::plan::diff_versions(&older, &newer);
    let row = |entry: rodtrad_domain::plan::VersionEntry| DiffRow {
        kind_label: ElementKind::parse(&entry.kind).map(|k| labels.kind(&ctx.tr, k)).unwrap_or_default(),
        entry,
    };
    let template = VersionsTemplate {
        p: ctx.page(ctx.tr.t1("versions-title", "plan", &plan.title), "plans"),
        compared: !versions.is_empty(),
        added: diff.added.into_iter().map(row).collect(),
        changed: diff.changed.into_iter().map(|(a, b)| (row(a), row(b))).collect(),
        removed: diff.removed.into_iter().map(row).collect(),
        choices,
        from,
        to,
        plan,
    };
    Ok(Html(template.render()?).into_response())
}

/// The plan's goal structure as a table: outline number, level, text, inheritance, owner,
/// responsible, deadline, status, SDG targets.
async fn export_table(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Plan, Vec<String>, Vec<Vec<String>>)> {
    let mid = ctx.actor()?.municipality_id;
    let plan = state.db.plan(mid, id).await?;
    let links = state.db.sdg_links(mid).await?;
    let labels = Labels::load(state, mid).await?;
    let rows = element_rows(ctx, &labels, state.db.elements(mid, id).await?, &links);
    let header = [
        "export-number",
        "element-kind",
        "element-text",
        "element-source",
        "element-owner",
        "element-responsible",
        "element-deadline",
        "element-status",
        "element-sdg-targets",
        "element-sdg-adapted",
    ]
    .iter()
    .map(|k| ctx.tr.t(k))
    .collect();
    let mut counters: Vec<usize> = Vec::new();
    let table = rows
        .into_iter()
        .map(|r| {
            counters.truncate(r.depth + 1);
            while counters.len() <= r.depth {
                counters.push(0);
            }
            counters[r.depth] += 1;
            let number = counters.iter().map(usize::to_string).collect::<Vec<_>>().join(".");
            let targets = |adapted: bool| {
                r.sdg.iter().filter(|l| l.adapted == adapted).map(|l| l.target.clone()).collect::<Vec<_>>().join(", ")
            };
            let e = &r.element;
            vec![
                number,
                r.kind_label.clone(),
                e.text.clone(),
                e.source_plan_title.clone().unwrap_or_default(),
                e.owner_unit_name.clone().unwrap_or_default(),
                e.responsible_name.clone().unwrap_or_default(),
                e.deadline.map(|d| d.to_string()).unwrap_or_default(),
                r.status_label.clone().unwrap_or_default(),
                targets(false),
                targets(true),
            ]
        })
        .collect();
    Ok((plan, header, table))
}

pub fn attachment(name: &str, ext: &str) -> String {
    let safe: String = name.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' }).collect();
    let ascii: String = safe.chars().map(|c| if c.is_ascii() { c } else { '_' }).collect();
    // RFC 6266: an ASCII fallback plus the UTF-8 name.
    let encoded: String = safe
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{encoded}.{ext}")
}

async fn export_csv(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (plan, header, rows) = export_table(&state, &ctx, id).await?;
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let bytes = rodtrad_export::csv_table(&header, &rows).map_err(AppError::internal)?;
    let disposition = attachment(&plan.title, "csv");
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

async fn export_xlsx(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (plan, header, rows) = export_table(&state, &ctx, id).await?;
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let title = format!("{} ({}–{})", plan.title, plan.start_year, plan.end_year);
    let bytes = rodtrad_export::xlsx_table(&plan.title, &title, &header, &rows).map_err(AppError::internal)?;
    let disposition = attachment(&plan.title, "xlsx");
    let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned();
    Ok(([(axum::http::header::CONTENT_TYPE, mime), (axum::http::header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// Sanitised HTML rendered from a user's Markdown; the only HTML templates print unescaped.
pub struct SafeHtml(String);

impl std::fmt::Display for SafeHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A section with its Markdown rendered.
pub struct SectionView {
    /// The section.
    pub section: rodtrad_store::plans::Section,
    /// Its body as sanitised HTML.
    pub html: SafeHtml,
}

impl From<rodtrad_store::plans::Section> for SectionView {
    fn from(section: rodtrad_store::plans::Section) -> Self {
        Self { html: SafeHtml(rodtrad_export::markdown_to_safe_html(&section.body)), section }
    }
}

/// Longest section text.
const SECTION_MAX: usize = 50_000;

#[derive(Deserialize)]
struct SectionForm {
    heading: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    remove: Option<String>,
}

fn parse_section(ctx: &Ctx, form: &SectionForm, errors: &mut FieldErrors) -> Option<Name> {
    let heading = Name::parse(&form.heading).map_err(|e| errors.add("heading", ctx.tr.rule(&e))).ok();
    if form.body.chars().count() > SECTION_MAX {
        errors.add("body", ctx.tr.t1("err-text-too-long", "max", SECTION_MAX));
    }
    heading.filter(|_| errors.is_empty())
}

async fn create_section(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<SectionForm>,
) -> AppResult<Response> {
    require_plan_editor(&state, &ctx, id).await?;
    let mut errors = FieldErrors::default();
    if let Some(heading) = parse_section(&ctx, &form, &mut errors) {
        match state.db.section_create(&ctx.author()?, id, &heading, form.body.trim()).await {
            Ok(sid) => return Ok(Redirect::to(&format!("/plans/{id}?saved=1#s-{sid}")).into_response()),
            Err(StoreError::Rule(e)) => errors.add("heading", ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let t = render_plan(&state, &ctx, id, Back::Section(errors), false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

async fn update_section(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, section)): Path<(i64, i64)>,
    Form(form): Form<SectionForm>,
) -> AppResult<Response> {
    require_plan_editor(&state, &ctx, id).await?;
    let mut errors = FieldErrors::default();
    let version = forms::version(&form.version)?;
    if let Some(heading) = parse_section(&ctx, &form, &mut errors) {
        match state
            .db
            .section_update(
                &ctx.author()?,
                id,
                section,
                version,
                &rodtrad_store::plans::SectionChange {
                    heading,
                    body: form.body.trim().to_owned(),
                    remove: form.remove.is_some(),
                },
            )
            .await
        {
            Ok(()) => return Ok(Redirect::to(&format!("/plans/{id}?saved=1")).into_response()),
            Err(StoreError::Conflict) => errors.add("heading", ctx.tr.t("err-conflict")),
            Err(StoreError::Rule(e)) => errors.add("heading", ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let status = if errors.get("heading") == Some(ctx.tr.t("err-conflict").as_str()) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let t = render_plan(&state, &ctx, id, Back::Section(errors), false).await?;
    Ok((status, Html(t.render()?)).into_response())
}

#[derive(Deserialize)]
struct PlaceForm {
    section_id: String,
}

async fn place_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PlaceForm>,
) -> AppResult<Response> {
    let (element, _) = element_plan(&state, &ctx, id).await?;
    state.db.element_place(&ctx.author()?, id, forms::optional_id(&form.section_id)?).await?;
    Ok(Redirect::to(&format!("/elements/{}?saved=1", element.id)).into_response())
}

/// A level on the labels page: code, default label, and per language `(code, language name, custom label)`.
type LabelRow = (String, String, Vec<(String, String, String)>);

#[derive(Template)]
#[template(path = "plan_labels.html")]
struct LabelsTemplate {
    p: Page,
    rows: Vec<LabelRow>,
    saved: bool,
}

async fn labels_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<SavedQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_restructure() {
        return Err(AppError::Forbidden);
    }
    let labels = Labels::load(&state, actor.municipality_id).await?;
    let rows = ElementKind::ALL
        .iter()
        .map(|k| {
            let fields = crate::i18n::Lang::ALL
                .iter()
                .map(|l| (l.code().to_owned(), l.native_name().to_owned(), labels.custom(*k, l.code())))
                .collect();
            (k.code().to_owned(), ctx.tr.t(k.label_key()), fields)
        })
        .collect();
    let t = LabelsTemplate { p: ctx.page(ctx.tr.t("labels-title"), "plans"), rows, saved: q.saved.is_some() };
    Ok(Html(t.render()?).into_response())
}

async fn save_labels(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    if !ctx.actor()?.can_restructure() {
        return Err(AppError::Forbidden);
    }
    let mut labels = Vec::new();
    for (key, value) in pairs {
        // Fields are named `label-{kind}-{lang}`.
        let Some(rest) = key.strip_prefix("label-") else { continue };
        let Some((kind, lang)) = rest.rsplit_once('-') else { continue };
        let kind = ElementKind::parse(kind)?;
        if crate::i18n::Lang::parse(lang).is_none() {
            return Err(AppError::Rule(RuleError::new("err-lang-unknown")));
        }
        if value.trim().chars().count() > 60 {
            return Err(AppError::Rule(RuleError::new("err-text-too-long").with("max", "60")));
        }
        labels.push((kind, lang.to_owned(), value));
    }
    state.db.element_labels_set(&ctx.author()?, &labels).await?;
    Ok(Redirect::to("/plans/labels?saved=1").into_response())
}
