//! The plan page: its elements, sections and decisions, the plan form, status changes and decisions.

use super::*;

#[derive(Template)]
#[template(path = "plans/plan.html")]
pub(crate) struct PlanTemplate {
    pub(crate) p: Page,
    pub(crate) plan: Plan,
    pub(crate) type_label: String,
    pub(crate) status_label: String,
    pub(crate) can_edit: bool,
    pub(crate) editable: bool,
    /// Whether the caller may put the (adopted) plan under revision from the read-only notice.
    pub(crate) can_revise: bool,
    pub(crate) warnings: Vec<String>,
    pub(crate) sources: Vec<Plan>,
    pub(crate) derived: Vec<Plan>,
    pub(crate) decisions: Vec<rodtrad_store::plans::Decision>,
    pub(crate) sections: Vec<SectionView>,
    pub(crate) section_errors: FieldErrors,
    pub(crate) municipality_number: String,
    pub(crate) next_statuses: Vec<Choice>,
    /// The plan is ready for adoption by someone else (a unit plan's superior leader).
    pub(crate) approval_elsewhere: bool,
    pub(crate) rows: Vec<ElementRow>,
    pub(crate) top_kinds: Vec<Choice>,
    pub(crate) inheritable: Vec<Choice>,
    pub(crate) form: PlanForm,
    pub(crate) unit_groups: Vec<ChoiceGroup>,
    /// The owner search as typed, and whether the page answers one (the plan form opens).
    pub(crate) unit_q: String,
    pub(crate) unit_search: bool,
    pub(crate) source_choices: Vec<Choice>,
    pub(crate) plan_errors: FieldErrors,
    pub(crate) conflict: bool,
    pub(crate) element_errors: FieldErrors,
    pub(crate) decision: DecisionForm,
    pub(crate) decision_errors: FieldErrors,
    pub(crate) status_error: Option<String>,
    pub(crate) saved: bool,
    /// A unit plan's workflow, deadline, analysis and departments' contributions.
    pub(crate) unit_plan: Option<crate::unitplans::UnitPlanPanel>,
}

pub(crate) enum Back {
    None,
    Section(FieldErrors),
    Plan(PlanForm, FieldErrors, bool),
    Element(FieldErrors),
    Decision(DecisionForm, FieldErrors),
    Status(String),
    /// The plan form sent to narrow its owner choice: shown again with its values.
    UnitSearch(PlanForm, String),
}

pub(crate) async fn render_plan(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    back: Back,
    saved: bool,
) -> AppResult<PlanTemplate> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let (plan, view) = readable_plan(state, ctx, id).await?;
    let all = readable_plans(state, ctx).await?;
    let links = state.db.plan_sources_all(mid).await?;
    let source_ids: Vec<i64> = links.iter().filter(|(p, _)| *p == id).map(|(_, s)| *s).collect();
    let derived_ids: Vec<i64> = links.iter().filter(|(_, s)| *s == id).map(|(p, _)| *p).collect();
    let can_edit = can_edit(state, ctx, plan.owner_unit_id).await?;
    let editable = can_edit && plan.status().editable();
    let (elements, sdg) = readable_elements(state, mid, &plan, view).await?;
    let labels = Labels::load(state, mid).await?;
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
    let tree = state.org_tree(mid).await?;
    let may_adopt = rodtrad_service::plans::may_adopt(ctx.actor()?, &tree, &plan);
    let mut approval_elsewhere = false;
    let unit_plan = plan.plan_type() == PlanType::UnitPlan;
    let next_statuses = if can_edit {
        plan.status()
            .next(plan.plan_type())
            .into_iter()
            .filter(|s| {
                let refused = *s == PlanStatus::Adopted && !may_adopt;
                approval_elsewhere |= refused;
                !refused
            })
            // A unit plan is delivered, approved and sent back from its workflow panel.
            .filter(|s| {
                !unit_plan
                    || !(matches!(s, PlanStatus::Delivered | PlanStatus::Adopted)
                        || plan.status() == PlanStatus::Delivered && *s == PlanStatus::Draft)
            })
            .map(|s| Choice { value: s.code().into(), label: ctx.tr.t(s.label_key()) })
            .collect()
    } else {
        Vec::new()
    };
    if unit_plan && can_edit && !may_adopt && plan.status() != PlanStatus::Adopted {
        approval_elsewhere = true;
    }
    let unit_plan = crate::unitplans::panel(state, ctx, &plan, view).await?;
    let mut t = PlanTemplate {
        p: ctx.page(plan.title.clone(), "plans"),
        type_label: ctx.tr.t(plan.plan_type().label_key()),
        status_label: ctx.tr.t(plan.status().label_key()),
        can_edit,
        editable,
        can_revise: can_edit && plan.status().next(plan.plan_type()).contains(&PlanStatus::UnderRevision),
        warnings: revision_warnings(ctx, &plan, &RevisionContext::new(&all, links.clone())),
        sources: all.iter().filter(|p| source_ids.contains(&p.id)).cloned().collect(),
        derived: all.iter().filter(|p| derived_ids.contains(&p.id)).cloned().collect(),
        decisions,
        // Sections are not frozen with a version: under revision their text may be unadopted.
        sections: if view == PlanView::Adopted && plan.status().editable() {
            Vec::new()
        } else {
            state.db.sections(id).await?.into_iter().map(SectionView::from).collect()
        },
        section_errors: FieldErrors::default(),
        municipality_number: state.db.municipality(mid).await?.number,
        next_statuses,
        approval_elsewhere,
        rows: {
            let mut rows = element_rows(ctx, &labels, elements, &sdg);
            if rows.iter().any(|r| r.element.inherited()) {
                // The goals as the caller may read them: none of hidden plans, and the adopted
                // version of plans they may read only as adopted.
                let tree = state.org_tree(mid).await?;
                let thread = state.thread_data(mid).await?.visible_to(ctx.actor()?, &tree);
                let goals: Vec<Element> = thread.elements.values().cloned().collect();
                add_goal_paths(ctx, &labels, &mut rows, &goals);
            }
            rows
        },
        top_kinds: labels.choices(&ctx.tr, ElementKind::top_kinds()),
        inheritable,
        form: PlanForm::from_plan(&plan, source_ids),
        unit_groups: Vec::new(),
        unit_q: String::new(),
        unit_search: false,
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
        unit_plan,
        plan,
    };
    match back {
        Back::None => {}
        Back::UnitSearch(form, q) => {
            t.form = form;
            t.unit_q = q;
            t.unit_search = true;
        }
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
    t.unit_groups = unit_groups(state, ctx, false, &t.unit_q, &t.form.owner_unit_id).await?.0;
    Ok(t)
}

#[derive(Deserialize)]
pub(crate) struct SavedQuery {
    pub(crate) saved: Option<String>,
}

pub(crate) async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
    Query(uq): Query<UnitQuery>,
    axum_extra::extract::Form(form): axum_extra::extract::Form<PlanForm>,
) -> AppResult<Response> {
    let back = match uq.unit_q {
        Some(q) => Back::UnitSearch(form, q),
        None => Back::None,
    };
    let t = render_plan(&state, &ctx, id, back, q.saved.is_some()).await?;
    Ok(Html(t.render()?).into_response())
}

pub(crate) async fn require_plan_editor(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Plan> {
    let plan = state.db.plan(ctx.actor()?.municipality_id, id).await?;
    if !can_edit(state, ctx, plan.owner_unit_id).await? {
        return Err(AppError::Forbidden);
    }
    Ok(plan)
}

pub(crate) async fn update_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum_extra::extract::Form(form): axum_extra::extract::Form<PlanForm>,
) -> AppResult<Response> {
    let plan = require_plan_editor(&state, &ctx, id).await?;
    let form = PlanForm { plan_type: plan.plan_type.code().to_owned(), ..form };
    let mut errors = FieldErrors::default();
    let version = forms::version(&form.version).map_err(|e| errors.add("title", ctx.tr.rule(&e))).ok();
    let mut conflict = false;
    if let (Some((input, sources)), Some(version)) = (form.parse(&ctx, &mut errors), version) {
        let actor = ctx.actor()?;
        let tree = state.org_tree(actor.municipality_id).await?;
        let who = (actor, &ctx.author()?);
        match rodtrad_service::plans::update_plan(&state.db, &tree, who, &plan, version, (&input, &sources)).await {
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
pub(crate) struct StatusForm {
    pub(crate) status: String,
    pub(crate) version: String,
}

pub(crate) async fn change_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let plan = require_plan_editor(&state, &ctx, id).await?;
    let to = PlanStatus::parse(&form.status)?;
    let version = forms::version(&form.version)?;
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let who = (actor, &ctx.author()?);
    match rodtrad_service::plans::change_status(&state.db, &tree, who, &plan, version, to).await {
        Ok(()) => Ok(Redirect::to(&format!("/plans/{id}?saved=1")).into_response()),
        // Not the caller's to decide (a unit plan's own unit adopting it), or not allowed from this
        // status: refused with the reason, 422 as the unit plan panel and the API answer it.
        Err(ServiceError::Rule(e) | ServiceError::Store(StoreError::Rule(e))) => {
            let t = render_plan(&state, &ctx, id, Back::Status(ctx.tr.rule(&e)), false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
        }
        Err(ServiceError::Store(StoreError::Conflict)) => {
            let t = render_plan(&state, &ctx, id, Back::Status(ctx.tr.t("err-conflict")), false).await?;
            Ok((StatusCode::CONFLICT, Html(t.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Decision form values as typed.
#[derive(Deserialize, Clone, Default)]
pub struct DecisionForm {
    pub(crate) body: String,
    pub(crate) case_number: String,
    pub(crate) decided_on: String,
    #[serde(default)]
    pub(crate) note: String,
}

pub(crate) async fn add_decision(
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
