//! The plan register: the list of plans by type, with their revision warnings, and creating a plan.

use super::*;

/// A plan row in the register.
pub(crate) struct PlanRow {
    pub(crate) plan: Plan,
    pub(crate) type_label: String,
    pub(crate) status_label: String,
    pub(crate) warnings: Vec<String>,
}

/// What the revision warnings need to know about the plan system.
pub struct RevisionContext {
    pub(crate) year: i32,
    /// The adopted planning strategy covering this year, if any.
    pub(crate) strategy: Option<i64>,
    /// `(plan, source)` links.
    pub(crate) links: Vec<(i64, i64)>,
}

impl RevisionContext {
    pub(crate) async fn load(state: &AppState, municipality_id: i64, plans: &[Plan]) -> AppResult<Self> {
        Ok(Self::new(plans, state.db.plan_sources_all(municipality_id).await?))
    }

    pub(crate) fn new(plans: &[Plan], links: Vec<(i64, i64)>) -> Self {
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
pub(crate) fn revision_warnings(ctx: &Ctx, plan: &Plan, rc: &RevisionContext) -> Vec<String> {
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
#[template(path = "plans/register.html")]
pub(crate) struct RegisterTemplate {
    pub(crate) p: Page,
    pub(crate) rows: Vec<PlanRow>,
    pub(crate) can_create: bool,
    pub(crate) can_label: bool,
    pub(crate) form: PlanForm,
    pub(crate) errors: FieldErrors,
    pub(crate) type_choices: Vec<Choice>,
    pub(crate) unit_groups: Vec<ChoiceGroup>,
    /// The owner search as typed, and whether the page answers one (the form opens).
    pub(crate) unit_q: String,
    pub(crate) unit_search: bool,
    pub(crate) source_choices: Vec<Choice>,
}

/// Plan form values as typed; sources arrive as repeated `source` fields.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PlanForm {
    pub(crate) plan_type: String,
    pub(crate) title: String,
    pub(crate) start_year: String,
    pub(crate) end_year: String,
    pub(crate) owner_unit_id: String,
    #[serde(rename = "source")]
    pub(crate) sources: Vec<String>,
    #[serde(deserialize_with = "crate::forms::checkbox")]
    pub(crate) published: bool,
    pub(crate) version: String,
}

impl PlanForm {
    pub(crate) fn from_plan(plan: &Plan, sources: Vec<i64>) -> Self {
        Self {
            plan_type: plan.plan_type.code().to_owned(),
            title: plan.title.clone(),
            start_year: plan.start_year.to_string(),
            end_year: plan.end_year.to_string(),
            owner_unit_id: plan.owner_unit_id.map(|u| u.to_string()).unwrap_or_default(),
            sources: sources.iter().map(i64::to_string).collect(),
            published: plan.published,
            version: plan.version.to_string(),
        }
    }

    pub(crate) fn has_source(&self, id: &str) -> bool {
        self.sources.iter().any(|s| s == id)
    }

    pub(crate) fn parse(&self, ctx: &Ctx, errors: &mut FieldErrors) -> Option<(PlanInput, Vec<i64>)> {
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

pub(crate) async fn register_page(
    state: &AppState,
    ctx: &Ctx,
    form: PlanForm,
    errors: FieldErrors,
    unit_search: Option<String>,
) -> AppResult<RegisterTemplate> {
    let actor = ctx.actor()?;
    let plans = readable_plans(state, ctx).await?;
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
    let unit_q = unit_search.clone().unwrap_or_default();
    let (unit_groups, owners) = unit_groups(state, ctx, true, &unit_q, &form.owner_unit_id).await?;
    Ok(RegisterTemplate {
        p: ctx.page(ctx.tr.t("plans-title"), "plans"),
        rows,
        can_create: actor.can_restructure() || owners > 0,
        can_label: actor.can_restructure(),
        form,
        errors,
        type_choices: type_choices(ctx),
        unit_groups,
        unit_search: unit_search.is_some(),
        unit_q,
        source_choices,
    })
}

pub(crate) async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(uq): Query<UnitQuery>,
    axum_extra::extract::Form(typed): axum_extra::extract::Form<PlanForm>,
) -> AppResult<Response> {
    let form = if uq.unit_q.is_some() {
        typed
    } else {
        let year = Utc::now().year().to_string();
        PlanForm { plan_type: "unit_plan".into(), start_year: year.clone(), end_year: year, ..PlanForm::default() }
    };
    let t = register_page(&state, &ctx, form, FieldErrors::default(), uq.unit_q).await?;
    Ok(Html(t.render()?).into_response())
}

pub(crate) async fn create_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    axum_extra::extract::Form(form): axum_extra::extract::Form<PlanForm>,
) -> AppResult<Response> {
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
    let t = register_page(&state, &ctx, form, errors, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

/// The field a rule error is shown beside on the plan form: the one it names, else the title.
pub(crate) fn field_of(e: &RuleError) -> &'static str {
    e.field.unwrap_or("title")
}
