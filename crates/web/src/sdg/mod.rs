//! The SDG pages: the 17 goals with the municipality's priorities, what in the plans contributes to
//! each goal, and a coverage matrix of goals × service areas.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, Utc};
use rodtrad_domain::OrgUnitKind;
use rodtrad_domain::plan::ElementKind;
use rodtrad_domain::sdg::{self, SdgGoal};
use rodtrad_store::plans::Element;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("sdg")
        .nav(crate::routes::NavEntry::all(30, "/sdg", "nav-sdg", "sdg"))
        .get("/sdg", overview)
        .post("/sdg/priorities", set_priorities)
        .get("/sdg/{goal}", goal_page)
        .post("/sdg/targets/{code}", correct_target)
}

/// A goal as shown: number and name always, colour as decoration only.
pub struct GoalView {
    /// The goal.
    pub goal: SdgGoal,
    /// Short name in the user's language.
    pub name: String,
    /// Title in the user's language.
    pub title: String,
    /// Prioritised this period.
    pub prioritised: bool,
    /// Elements linked to the goal.
    pub elements: usize,
}

/// A goal as shown in `lang`.
pub fn view(goal: SdgGoal, lang: Lang, prioritised: bool, elements: usize) -> GoalView {
    let (name, title) = (
        lang.catalogue(&goal.short_nb, &goal.short_en).to_owned(),
        lang.catalogue(&goal.title_nb, &goal.title_en).to_owned(),
    );
    GoalView { goal, name, title, prioritised, elements }
}

#[derive(Template)]
#[template(path = "sdg/goals.html")]
struct OverviewTemplate {
    p: Page,
    goals: Vec<GoalView>,
    areas: Vec<String>,
    matrix: Vec<(i64, String, Vec<usize>)>,
    year: i32,
    can_edit: bool,
    first_year: String,
    last_year: String,
    errors: FieldErrors,
}

async fn render_overview(
    state: &AppState,
    ctx: &Ctx,
    errors: FieldErrors,
    years: Option<(String, String)>,
) -> AppResult<OverviewTemplate> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let year = Utc::now().year();
    let priorities = state.db.sdg_priorities(mid, year).await?;
    let tree = state.org_tree(mid).await?;
    let data = state.thread_data(mid).await?.visible_to(actor, &tree);
    // Goal per element, through its own links or (for an inherited copy) its source's.
    let mut goals_of: std::collections::HashMap<i64, std::collections::BTreeSet<i64>> = Default::default();
    for l in &data.links {
        goals_of.entry(l.element_id).or_default().insert(l.goal);
    }
    let count = |g: i64| {
        data.links.iter().filter(|l| l.goal == g).map(|l| l.element_id).collect::<std::collections::HashSet<_>>().len()
    };
    let mut goals: Vec<GoalView> = sdg::goals()
        .into_iter()
        .map(|g| {
            let n = count(g.goal);
            view(g.clone(), ctx.tr.lang, priorities.contains(&g.goal), n)
        })
        .collect();
    goals.sort_by_key(|g| (!g.prioritised, g.goal.goal));
    let areas: Vec<&rodtrad_store::org::OrgUnit> =
        tree.units().iter().filter(|u| matches!(u.kind(), OrgUnitKind::ServiceArea | OrgUnitKind::Staff)).collect();
    // An element counts for an area when it or the element it stands for links to the goal.
    let matrix = goals
        .iter()
        .map(|g| {
            let per_area = areas
                .iter()
                .map(|a| {
                    data.elements
                        .values()
                        .filter(|e| data.thread.node(e.id).is_some_and(|n| n.area == Some(a.id)))
                        .filter(|e| {
                            let origin = data.thread.stands_for(e.id);
                            [e.id, origin].iter().any(|id| goals_of.get(id).is_some_and(|s| s.contains(&g.goal.goal)))
                        })
                        .count()
                })
                .collect();
            (g.goal.goal, g.name.clone(), per_area)
        })
        .collect();
    let (first_year, last_year) =
        years.unwrap_or_else(|| ((year - year % 4).to_string(), (year - year % 4 + 3).to_string()));
    Ok(OverviewTemplate {
        p: ctx.page(ctx.tr.t("sdg-title"), "sdg"),
        goals,
        areas: areas.iter().map(|a| a.name.clone()).collect(),
        matrix,
        year,
        can_edit: actor.can_restructure(),
        first_year,
        last_year,
        errors,
    })
}

async fn overview(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let t = render_overview(&state, &ctx, FieldErrors::default(), None).await?;
    Ok(Html(t.render()?).into_response())
}

/// The prioritised goals and the years they hold for; goals arrive as repeated `goal` fields.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PrioritiesForm {
    first_year: String,
    last_year: String,
    #[serde(rename = "goal")]
    goals: Vec<String>,
}

async fn set_priorities(
    State(state): State<AppState>,
    ctx: Ctx,
    axum_extra::extract::Form(form): axum_extra::extract::Form<PrioritiesForm>,
) -> AppResult<Response> {
    if !ctx.actor()?.can_restructure() {
        return Err(AppError::Forbidden);
    }
    let (first, last) = (form.first_year.trim().to_owned(), form.last_year.trim().to_owned());
    let mut errors = FieldErrors::default();
    let goals: Vec<i64> = form.goals.iter().filter_map(|v| v.trim().parse().ok()).collect();
    match (first.parse::<i32>(), last.parse::<i32>()) {
        (Ok(f), Ok(l)) => match state.db.sdg_set_priorities(&ctx.author()?, f, l, &goals).await {
            Ok(()) => return Ok(Redirect::to("/sdg").into_response()),
            Err(rodtrad_store::StoreError::Rule(e)) => errors.add("first_year", ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        },
        _ => errors.add("first_year", ctx.tr.t("err-plan-year")),
    }
    let t = render_overview(&state, &ctx, errors, Some((first, last))).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

/// A target as shown, with a marker when the text is unofficial or English.
struct TargetView {
    code: String,
    text: String,
    corrected_nb: String,
    note: Option<String>,
    elements: usize,
    indicators: Vec<(String, String)>,
}

/// A contributing element with its target code and plan, and its unit.
type Contribution<'a> = (&'a Element, String, String);

#[derive(Template)]
#[template(path = "sdg/goal.html")]
struct GoalTemplate<'a> {
    p: Page,
    can_correct: bool,
    goal: GoalView,
    targets: Vec<TargetView>,
    contributions: Vec<(String, Vec<Contribution<'a>>)>,
}

async fn goal_page(State(state): State<AppState>, ctx: Ctx, Path(goal): Path<i64>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let g = sdg::goals().into_iter().find(|x| x.goal == goal).ok_or(AppError::NotFound)?;
    let priorities = state.db.sdg_priorities(mid, Utc::now().year()).await?;
    let tree = state.org_tree(mid).await?;
    let data = state.thread_data(mid).await?.visible_to(actor, &tree);
    let linked: Vec<(i64, String)> =
        data.links.iter().filter(|l| l.goal == goal).map(|l| (l.element_id, l.target.clone())).collect();
    let indicators = sdg::indicators();
    let corrections = state.db.sdg_target_texts().await?;
    let corrected =
        |code: &str, lang: &str| corrections.iter().find(|(c, l, _)| c == code && l == lang).map(|(_, _, t)| t.clone());
    let targets = sdg::targets()
        .into_iter()
        .filter(|t| t.goal == goal)
        .map(|t| {
            let corrected_nb = corrected(&t.target, "nb");
            let (text, note) = match (ctx.tr.lang, &corrected_nb) {
                (Lang::En, _) => (t.text_en.clone(), None),
                (_, Some(fixed)) => (fixed.clone(), None),
                _ if t.text_nb.is_empty() => (t.text_en.clone(), Some(ctx.tr.t("sdg-text-english"))),
                _ => (t.text_nb.clone(), Some(ctx.tr.t("sdg-text-unofficial"))),
            };
            let corrected_nb = corrected_nb.unwrap_or_default();
            let indicators = indicators
                .iter()
                .filter(|i| i.target == t.target)
                .map(|i| (i.indicator.clone(), ctx.tr.catalogue(&i.text_nb, &i.text_en).to_owned()))
                .collect();
            TargetView {
                elements: linked.iter().filter(|(_, c)| *c == t.target).count(),
                code: t.target,
                text,
                corrected_nb,
                note,
                indicators,
            }
        })
        .collect();
    let labels = crate::plans::Labels::load(&state, mid).await?;
    let contributions = ElementKind::ALL
        .iter()
        .map(|k| {
            let mut items: Vec<Contribution> = linked
                .iter()
                .filter_map(|(id, code)| data.elements.get(id).map(|e| (e, code.clone())))
                .filter(|(e, _)| e.kind() == *k)
                .map(|(e, code)| {
                    let plan = data.plans.get(&e.plan_id).map(|p| p.title.clone()).unwrap_or_default();
                    let unit =
                        data.unit_of.get(&e.id).and_then(|u| tree.get(*u)).map(|u| u.name.clone()).unwrap_or_default();
                    (e, format!("{code} · {plan}"), unit)
                })
                .collect();
            items.sort_by(|a, b| a.1.cmp(&b.1));
            (labels.kind(&ctx.tr, *k), items)
        })
        .filter(|(_, items)| !items.is_empty())
        .collect();
    let elements = linked.len();
    let template = GoalTemplate {
        can_correct: actor.can_admin_users(),
        p: ctx.page(format!("{} {}", g.goal, ctx.tr.catalogue(&g.short_nb, &g.short_en)), "sdg"),
        goal: view(g.clone(), ctx.tr.lang, priorities.contains(&goal), elements),
        targets,
        contributions,
    };
    Ok(Html(template.render()?).into_response())
}

#[derive(serde::Deserialize)]
struct CorrectionForm {
    text: String,
    goal: i64,
}

/// System administrators correct a target's bokmål wording for the installation (empty restores it).
async fn correct_target(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(form): Form<CorrectionForm>,
) -> AppResult<Response> {
    if !ctx.actor()?.can_admin_users() {
        return Err(AppError::Forbidden);
    }
    let (_, code) = rodtrad_domain::plan::parse_sdg_target(&code)?;
    if form.text.chars().count() > 1000 {
        return Err(AppError::Rule(rodtrad_domain::RuleError::new("err-text-too-long").with("max", "1000")));
    }
    state.db.sdg_target_text_set(&ctx.author()?, &code, "nb", &form.text).await?;
    Ok(Redirect::to(&format!("/sdg/{}#t-{code}", form.goal)).into_response())
}
