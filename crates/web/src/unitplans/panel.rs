//! The workflow panel on a unit plan's page and the three workflow actions.

use super::*;

/// One step of the history as shown.
pub(crate) struct EventView {
    pub(crate) at: DateTime<Utc>,
    pub(crate) label: String,
    pub(crate) who: String,
    pub(crate) comment: Option<String>,
}

/// One line of the analysis as shown: the area, its figure in the reader's format, its text.
pub(crate) struct AnalysisLine {
    pub(crate) label: String,
    pub(crate) figure: Option<String>,
    pub(crate) text: String,
}

/// A department's measures that serve the unit's plan.
pub(crate) struct Contribution {
    pub(crate) department: String,
    pub(crate) measures: Vec<ContributionMeasure>,
}

/// One measure of a department.
pub(crate) struct ContributionMeasure {
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) plan_title: String,
    pub(crate) deadline: Option<NaiveDate>,
    pub(crate) responsible: Option<String>,
}

/// What the plan page shows of a unit plan's workflow (for those who read its working copy).
pub(crate) struct UnitPlanPanel {
    pub(crate) year: i64,
    pub(crate) delivered: bool,
    pub(crate) deadline: Option<NaiveDate>,
    pub(crate) overdue: bool,
    pub(crate) workflow: Workflow,
    pub(crate) events: Vec<EventView>,
    pub(crate) can_deliver: bool,
    pub(crate) can_decide: bool,
    pub(crate) approval_elsewhere: bool,
    pub(crate) editable: bool,
    pub(crate) analysis: Vec<AnalysisLine>,
    pub(crate) analysis_saved: bool,
    pub(crate) risk_summary: String,
    pub(crate) last_year: Option<Plan>,
    pub(crate) contributions: Vec<Contribution>,
    /// A refused action's message, and the send-back comment as typed.
    pub(crate) error: Option<String>,
    pub(crate) comment: String,
}

/// The analysis as lines in the reader's language.
pub(crate) fn analysis_lines(tr: &crate::i18n::Tr, a: &Analysis) -> Vec<AnalysisLine> {
    let dec = |d: Option<Decimal>, unit: &str| d.map(|d| format!("{}{unit}", number(tr, d)));
    let count = |n: Option<i64>| n.map(|n| tr.t1("unitplans-findings", "count", n));
    vec![
        AnalysisLine {
            label: tr.t("unitplans-economy"),
            figure: dec(a.economy_amount, " kr"),
            text: a.economy_text.clone(),
        },
        AnalysisLine {
            label: tr.t("unitplans-sick-leave"),
            figure: dec(a.sick_leave_percent, " %"),
            text: a.sick_leave_text.clone(),
        },
        AnalysisLine {
            label: tr.t("unitplans-user-survey"),
            figure: dec(a.user_survey_score, " / 6"),
            text: a.user_survey_text.clone(),
        },
        AnalysisLine {
            label: tr.t("unitplans-employee-survey"),
            figure: dec(a.employee_survey_score, " / 5"),
            text: a.employee_survey_text.clone(),
        },
        AnalysisLine {
            label: tr.t("unitplans-internal-audit"),
            figure: count(a.internal_audit_findings),
            text: a.internal_audit_text.clone(),
        },
        AnalysisLine {
            label: tr.t("unitplans-external-audit"),
            figure: count(a.external_audit_findings),
            text: a.external_audit_text.clone(),
        },
    ]
}

/// The panel of `plan` for the caller, or `None` when it is no unit plan or the caller reads only
/// its adopted version (the analysis and the history are the administration's working papers).
pub(crate) async fn panel(
    state: &AppState,
    ctx: &Ctx,
    plan: &Plan,
    view: crate::plans::PlanView,
) -> AppResult<Option<UnitPlanPanel>> {
    if plan.plan_type() != PlanType::UnitPlan || view != crate::plans::PlanView::Working {
        return Ok(None);
    }
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    let can_edit = rodtrad_service::plans::may_edit_plan(actor, &tree, plan.owner_unit_id);
    let ancestry = plan.owner_unit_id.map(|u| tree.ancestry(u));
    let may_approve = actor.can_approve_unit_plan(ancestry.as_deref());
    let status = plan.status();
    let events = state.db.unit_plan_events(mid, plan.id).await?;
    let deadline = rodtrad_service::unit_plans::effective_deadline(&state.db, mid, plan.start_year).await?;
    let stored = state.db.unit_plan_analysis(mid, plan.id).await?;
    let last_year = state.db.unit_plan_last_year(plan).await?;
    let contributions = match plan.owner_unit_id {
        Some(unit) => contributions(state, ctx, &tree, unit, plan.start_year).await?,
        None => Vec::new(),
    };
    Ok(Some(UnitPlanPanel {
        year: plan.start_year,
        delivered: status == PlanStatus::Delivered,
        deadline,
        overdue: deadline.is_some_and(|d| rodtrad_domain::unit_plans::is_overdue(status, d, service::today())),
        workflow: Workflow::of(status, &events),
        events: events
            .iter()
            .rev()
            .map(|e| EventView {
                at: e.created_at,
                label: match e.step() {
                    rodtrad_domain::unit_plans::Step::Other => {
                        let to = PlanStatus::parse(&e.to_status).map(|s| ctx.tr.t(s.label_key())).unwrap_or_default();
                        ctx.tr.t1("unit-plan-step-other", "status", to)
                    }
                    step => ctx.tr.t(step.label_key()),
                },
                who: e.actor_name.clone(),
                comment: e.comment.clone(),
            })
            .collect(),
        can_deliver: can_edit && status.next(PlanType::UnitPlan).contains(&PlanStatus::Delivered),
        can_decide: can_edit && may_approve && status == PlanStatus::Delivered,
        approval_elsewhere: !may_approve && status == PlanStatus::Delivered,
        editable: can_edit && status.editable(),
        analysis: analysis_lines(&ctx.tr, &stored.analysis),
        analysis_saved: stored.version > 0,
        risk_summary: stored.analysis.risk_summary.clone(),
        last_year,
        contributions,
        error: None,
        comment: String::new(),
    }))
}

/// The measures of `year`'s plans that the departments under `unit` are responsible for, grouped by
/// department in tree order; only from plans the caller may read.
async fn contributions(
    state: &AppState,
    ctx: &Ctx,
    tree: &rodtrad_store::org::OrgTree,
    unit: i64,
    year: i64,
) -> AppResult<Vec<Contribution>> {
    let departments: Vec<i64> = tree.subtree(unit).into_iter().filter(|d| *d != unit).collect();
    if departments.is_empty() {
        return Ok(Vec::new());
    }
    let plans: Vec<Plan> = crate::plans::readable_plans(state, ctx)
        .await?
        .into_iter()
        .filter(|p| p.start_year <= year && year <= p.end_year)
        .collect();
    let elements = state.db.elements_all(ctx.actor()?.municipality_id).await?;
    let mut out = Vec::new();
    for d in departments {
        let measures: Vec<ContributionMeasure> = elements
            .iter()
            .filter(|e| e.kind() == ElementKind::Measure && e.owner_unit_id == Some(d) && !e.inherited())
            .filter_map(|e| {
                let plan = plans.iter().find(|p| p.id == e.plan_id)?;
                Some(ContributionMeasure {
                    id: e.id,
                    text: e.text.clone(),
                    plan_title: plan.title.clone(),
                    deadline: e.deadline,
                    responsible: e.responsible_name.clone(),
                })
            })
            .collect();
        if !measures.is_empty() {
            let department = tree.name(d);
            out.push(Contribution { department, measures });
        }
    }
    Ok(out)
}

/// A workflow form: the plan's version, and the comment (required to send back).
#[derive(Deserialize)]
pub(crate) struct WorkflowForm {
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) comment: String,
}

async fn act(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: WorkflowForm,
    step: rodtrad_domain::unit_plans::Step,
) -> AppResult<Response> {
    use rodtrad_domain::unit_plans::Step;
    let plan = readable_unit_plan(state, ctx, id).await?;
    let version = crate::forms::version(&form.version)?;
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let who = (actor, &ctx.author()?);
    let comment = Some(form.comment.as_str()).filter(|c| !c.trim().is_empty());
    let done = match step {
        Step::Delivered => service::deliver(&state.db, &tree, who, &plan, version).await,
        Step::Approved => service::approve(&state.db, &tree, who, &plan, version, comment).await,
        _ => service::send_back(&state.db, &tree, who, &plan, version, &form.comment).await,
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/plans/{id}?saved=1#workflow")).into_response()),
        Err(ServiceError::Forbidden) => Err(AppError::Forbidden),
        Err(e) => workflow_refused(state, ctx, id, e, form.comment).await,
    }
}

/// Delivers the plan to the superior leader.
pub(crate) async fn deliver(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<WorkflowForm>,
) -> AppResult<Response> {
    act(&state, &ctx, id, form, rodtrad_domain::unit_plans::Step::Delivered).await
}

/// Approves a delivered plan.
pub(crate) async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<WorkflowForm>,
) -> AppResult<Response> {
    act(&state, &ctx, id, form, rodtrad_domain::unit_plans::Step::Approved).await
}

/// Sends a delivered plan back to draft with a comment.
pub(crate) async fn send_back(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<WorkflowForm>,
) -> AppResult<Response> {
    act(&state, &ctx, id, form, rodtrad_domain::unit_plans::Step::SentBack).await
}
