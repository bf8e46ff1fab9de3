//! The goal structure's elements: rows for the plan page and the API, the element form and page, inheritance, assignment, acknowledgement and removal.

use super::*;

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
    /// For an inherited assignment or measure: the goals it serves in its source plans, top down.
    pub path: Vec<PathStep>,
    /// A goal on that path changed since this plan last acknowledged.
    pub path_changed: bool,
}

/// One goal above an inherited element.
pub struct PathStep {
    /// Kind label (translated).
    pub kind_label: String,
    /// Text.
    pub text: String,
    /// Its text changed since the inheriting plan last acknowledged.
    pub changed: bool,
}

/// Adds the goal path above each inherited assignment and measure of `rows`, with "changed at
/// source" marks, from `all` (every live element of the municipality).
pub fn add_goal_paths(ctx: &Ctx, labels: &Labels, rows: &mut [ElementRow], all: &[Element]) {
    let nodes = rodtrad_store::plans::path_nodes(all);
    let by_id: HashMap<i64, &Element> = all.iter().map(|e| (e.id, e)).collect();
    for row in rows.iter_mut() {
        let e = &row.element;
        let Some(origin) = e.source_element_id else { continue };
        if !matches!(e.kind(), ElementKind::Assignment | ElementKind::Measure) {
            continue;
        }
        let path = goal_path(&nodes, origin);
        let changed = path_changes(e.source_path_seen.as_deref(), &path);
        row.path_changed = !changed.is_empty();
        row.path = path
            .iter()
            .filter_map(|n| by_id.get(&n.id))
            .map(|g| PathStep {
                kind_label: labels.kind(&ctx.tr, g.kind()),
                text: g.text.clone(),
                changed: changed.contains(&g.id),
            })
            .collect();
    }
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
            .then(|| ctx.tr.t(element.status.label_key()));
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
            path: Vec::new(),
            path_changed: false,
            element,
            depth,
        });
    }
    out
}

/// Element form values as typed.
#[derive(Deserialize, Clone, Default)]
pub struct ElementForm {
    #[serde(default)]
    pub(crate) kind: String,
    /// Absent: the element stays where it is (on update); empty: the top of the plan.
    #[serde(default)]
    pub(crate) parent_id: Option<String>,
    pub(crate) text: String,
    #[serde(default)]
    pub(crate) owner_unit_id: String,
    #[serde(default)]
    pub(crate) responsible_person_id: String,
    #[serde(default)]
    pub(crate) deadline: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) sdg_targets: String,
    #[serde(default)]
    pub(crate) sdg_adapted: String,
    #[serde(default)]
    pub(crate) version: String,
}

impl ElementForm {
    pub(crate) fn parse(&self, ctx: &Ctx, kind: ElementKind, errors: &mut FieldErrors) -> Option<ElementInput> {
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
pub(crate) fn element_field(e: &RuleError) -> &'static str {
    e.field.unwrap_or("text")
}

pub(crate) async fn create_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ElementForm>,
) -> AppResult<Response> {
    require_plan_editor(&state, &ctx, id).await?;
    let mut errors = FieldErrors::default();
    let kind = ElementKind::parse(&form.kind).map_err(|e| errors.add("kind", ctx.tr.rule(&e))).ok();
    let parent = forms::optional_id(form.parent_id.as_deref().unwrap_or(""))
        .map_err(|e| errors.add("kind", ctx.tr.rule(&e)))
        .ok();
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
pub(crate) struct InheritForm {
    pub(crate) source_element_id: String,
}

pub(crate) async fn inherit_element(
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
#[template(path = "plans/element.html")]
pub(crate) struct ElementTemplate {
    pub(crate) p: Page,
    pub(crate) plan: Plan,
    pub(crate) element: Element,
    pub(crate) kind_label: String,
    pub(crate) warnings: Vec<String>,
    pub(crate) form: ElementForm,
    pub(crate) errors: FieldErrors,
    pub(crate) conflict: bool,
    pub(crate) editable: bool,
    pub(crate) assignable: bool,
    pub(crate) is_measure: bool,
    pub(crate) unit_groups: Vec<ChoiceGroup>,
    pub(crate) person_choices: Vec<Choice>,
    pub(crate) status_choices: Vec<Choice>,
    pub(crate) section_choices: Vec<Choice>,
    pub(crate) section_value: String,
    pub(crate) plan_editable: bool,
    /// Whether the caller may put the (adopted) plan under revision from the read-only notice.
    pub(crate) can_revise: bool,
    /// Where the element may be moved (its current parent included).
    pub(crate) parent_choices: Vec<Choice>,
    /// Label of the "top of the plan" choice, empty when the element may not stand there.
    pub(crate) parent_top: String,
    pub(crate) parent_value: String,
    pub(crate) saved: bool,
    /// Status reporting: the current status and the full history (assignments and measures).
    pub(crate) followup: Option<crate::followup::ElementStatus>,
}

pub(crate) async fn render_element(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    back: Option<(ElementForm, FieldErrors, bool)>,
    saved: bool,
) -> AppResult<ElementTemplate> {
    let mid = ctx.actor()?.municipality_id;
    let (element, plan, view) = readable_element(state, ctx, id).await?;
    let labels = Labels::load(state, mid).await?;
    let may_edit = view == PlanView::Working && can_edit(state, ctx, plan.owner_unit_id).await?;
    let plan_editable = may_edit && plan.status().editable();
    let can_revise = may_edit && plan.status().next(plan.plan_type()).contains(&PlanStatus::UnderRevision);
    let editable = plan_editable && !element.inherited();
    let assignable = plan_editable && element.inherited();
    let links: Vec<SdgLink> =
        readable_elements(state, mid, &plan, view).await?.1.into_iter().filter(|l| l.element_id == id).collect();
    let join = |adapted: bool| {
        links.iter().filter(|l| l.adapted == adapted).map(|l| l.target.clone()).collect::<Vec<_>>().join(", ")
    };
    let form = ElementForm {
        kind: element.kind.code().to_owned(),
        parent_id: Some(element.parent_id.map(|p| p.to_string()).unwrap_or_default()),
        text: element.text.clone(),
        owner_unit_id: element.owner_unit_id.map(|u| u.to_string()).unwrap_or_default(),
        responsible_person_id: element.responsible_person_id.map(|u| u.to_string()).unwrap_or_default(),
        deadline: element.deadline.map(|d| d.to_string()).unwrap_or_default(),
        status: element.status.code().to_owned(),
        sdg_targets: join(false),
        sdg_adapted: join(true),
        version: element.version.to_string(),
    };
    let kind = element.kind();
    let parent_kind = match element.parent_id {
        Some(p) => readable_element(state, ctx, p).await.ok().map(|(e, _, _)| e.kind()),
        None => None,
    };
    let (form, errors, conflict) = back.unwrap_or((form, FieldErrors::default(), false));
    let (parent_choices, parent_top) =
        if editable { move_choices(state, ctx, &labels, &element).await? } else { (Vec::new(), String::new()) };
    let parent_value = form.parent_id.clone().unwrap_or_default();
    let unit_groups = unit_groups(state, ctx, false, "", &form.owner_unit_id).await?.0;
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
    let followup = crate::followup::element_status(state, ctx, &element).await?;
    Ok(ElementTemplate {
        followup,
        p: ctx.page(labels.kind(&ctx.tr, kind), "plans"),
        kind_label: labels.kind(&ctx.tr, kind),
        warnings,
        form,
        errors,
        conflict,
        editable,
        assignable,
        is_measure: matches!(kind, ElementKind::Measure | ElementKind::Assignment),
        unit_groups,
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
        can_revise,
        parent_choices,
        parent_top,
        parent_value,
        saved,
        plan,
        element,
    })
}

/// The parents an element may be moved under in its plan, as select options labelled with kind and
/// text (its current parent always among them, so saving other fields never moves it), and the
/// label of the top-of-plan option when its kind may stand there.
async fn move_choices(
    state: &AppState,
    ctx: &Ctx,
    labels: &Labels,
    element: &Element,
) -> AppResult<(Vec<Choice>, String)> {
    let elements = state.db.elements(ctx.actor()?.municipality_id, element.plan_id).await?;
    let tree: Vec<Placement> =
        elements.iter().map(|e| Placement { id: e.id, parent_id: e.parent_id, kind: e.kind() }).collect();
    let targets = move_targets(&tree, element.id);
    let top = if targets.contains(&None) { ctx.tr.t("element-parent-top") } else { String::new() };
    let choices = elements
        .iter()
        .filter(|e| targets.contains(&Some(e.id)) || element.parent_id == Some(e.id))
        .map(|e| {
            let text: String = e.text.chars().take(90).collect();
            let more = if e.text.chars().count() > 90 { "…" } else { "" };
            Choice { value: e.id.to_string(), label: format!("{}: {text}{more}", labels.kind(&ctx.tr, e.kind())) }
        })
        .collect();
    Ok((choices, top))
}

pub(crate) async fn element_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let t = render_element(&state, &ctx, id, None, q.saved.is_some()).await?;
    Ok(Html(t.render()?).into_response())
}

pub(crate) async fn element_plan(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Element, Plan)> {
    let mid = ctx.actor()?.municipality_id;
    let element = state.db.element(mid, id).await?;
    let plan = require_plan_editor(state, ctx, element.plan_id).await?;
    Ok((element, plan))
}

pub(crate) async fn update_element(
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
    let new_parent = match form.parent_id.as_deref() {
        None => Some(None),
        Some(raw) => forms::optional_id(raw).map(Some).map_err(|e| errors.add("parent_id", ctx.tr.rule(&e))).ok(),
    };
    let mut conflict = false;
    if let (Some(input), Some(version), Some(new_parent)) =
        (form.parse(&ctx, element.kind(), &mut errors), version, new_parent)
    {
        match state.db.element_update_moving(&ctx.author()?, id, version, &input, new_parent).await {
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
pub(crate) struct VersionForm {
    pub(crate) version: String,
}

pub(crate) async fn remove_element(
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
pub(crate) struct AssignForm {
    pub(crate) owner_unit_id: String,
    pub(crate) version: String,
}

pub(crate) async fn assign_element(
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

pub(crate) async fn acknowledge_element(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (element, _) = element_plan(&state, &ctx, id).await?;
    state.db.element_acknowledge(&ctx.author()?, id).await?;
    Ok(Redirect::to(&format!("/plans/{}?saved=1#e-{id}", element.plan_id)).into_response())
}
