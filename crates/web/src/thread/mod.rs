//! The red-thread page: the goal structure across every plan as one tree, filterable by SDG,
//! service area, unit and plan, with every break listed beside a link to fix it.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::org::Choice;
use crate::pages::Page;
use crate::plans::PlanView;
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use rodtrad_domain::Actor;
use rodtrad_domain::OrgUnitKind;
use rodtrad_domain::query::{ThreadFilter, ThreadQuery};
use rodtrad_domain::thread::{Break, Node, Thread};
use rodtrad_store::org::OrgTree;
use rodtrad_store::plans::AdoptedVersion;
use rodtrad_store::plans::{Element, Plan, SdgLink};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("thread")
        .nav(crate::routes::NavEntry::all(20, "/red-thread", "nav-thread", "thread"))
        .get("/red-thread", page)
}

/// The service area (or staff unit) a unit belongs to.
pub fn area_of(tree: &OrgTree, unit: i64) -> Option<i64> {
    tree.ancestry(unit)
        .into_iter()
        .find(|id| tree.get(*id).is_some_and(|u| matches!(u.kind(), OrgUnitKind::ServiceArea | OrgUnitKind::Staff)))
}

/// Everything the red thread is computed from; cached per municipality by `AppState::thread_data`,
/// and narrowed per caller by [`ThreadData::visible_to`].
#[derive(Debug)]
pub struct ThreadData {
    /// Elements by id.
    pub elements: HashMap<i64, Element>,
    /// Plans by id.
    pub plans: HashMap<i64, Plan>,
    /// SDG links.
    pub links: Vec<SdgLink>,
    /// The graph.
    pub thread: Thread,
    /// Responsible unit per element (own owner, else the plan's).
    pub unit_of: HashMap<i64, i64>,
    /// The last adopted version of each plan that has one, for callers who may read only that.
    adopted: HashMap<i64, AdoptedVersion>,
}

impl ThreadData {
    /// Loads and builds the thread for a municipality.
    pub async fn load(state: &AppState, municipality_id: i64) -> AppResult<Self> {
        let tree = state.org_tree(municipality_id).await?;
        let plans: HashMap<i64, Plan> = state.db.plans(municipality_id).await?.into_iter().map(|p| (p.id, p)).collect();
        let elements = state.db.elements_all(municipality_id).await?;
        let links = state.db.sdg_links(municipality_id).await?;
        let adopted = state.db.adopted_elements_all(municipality_id).await?;
        Ok(Self::build(&tree, plans, elements, links, adopted))
    }

    fn build(
        tree: &OrgTree,
        plans: HashMap<i64, Plan>,
        elements: Vec<Element>,
        links: Vec<SdgLink>,
        adopted: HashMap<i64, AdoptedVersion>,
    ) -> Self {
        let elements: HashMap<i64, Element> = elements.into_iter().map(|e| (e.id, e)).collect();
        let mut unit_of = HashMap::new();
        let nodes = elements
            .values()
            .map(|e| {
                let unit = e.owner_unit_id.or_else(|| plans.get(&e.plan_id).and_then(|p| p.owner_unit_id));
                if let Some(u) = unit {
                    unit_of.insert(e.id, u);
                }
                Node {
                    id: e.id,
                    plan_id: e.plan_id,
                    parent: e.parent_id,
                    kind: e.kind(),
                    source: e.source_element_id,
                    orphaned: e.orphaned(),
                    area: unit.and_then(|u| area_of(tree, u)),
                }
            })
            .collect();
        Self { thread: Thread::new(nodes), elements, plans, links, unit_of, adopted }
    }

    /// The thread as `actor` may read it (`domain::access::Actor::plan_view`): without the plans
    /// hidden from them, and with the adopted version of the plans of which they may read only
    /// that. The shared data itself when every plan reads as its working copy.
    pub fn visible_to(self: &Arc<Self>, actor: &Actor, tree: &OrgTree) -> Arc<Self> {
        let views: HashMap<i64, PlanView> =
            self.plans.values().map(|p| (p.id, crate::plans::view_of(actor, tree, p))).collect();
        if views.values().all(|v| *v == PlanView::Working) {
            return self.clone();
        }
        let mut elements: Vec<Element> = Vec::new();
        let mut links: Vec<SdgLink> = Vec::new();
        for plan in self.plans.values() {
            match views[&plan.id] {
                PlanView::Working => {
                    elements.extend(self.elements.values().filter(|e| e.plan_id == plan.id).cloned());
                }
                PlanView::Adopted => match self.adopted.get(&plan.id) {
                    Some((adopted, adopted_links)) => {
                        elements.extend(adopted.iter().cloned());
                        links.extend(adopted_links.iter().cloned());
                    }
                    // Never frozen: as in `plans::readable_elements`.
                    None if !plan.status().editable() => {
                        elements.extend(self.elements.values().filter(|e| e.plan_id == plan.id).cloned());
                    }
                    None => {}
                },
                PlanView::Hidden => {}
            }
        }
        // Links of working copies, for what the visible elements stand for; adopted ones are in.
        let working: HashSet<i64> = elements
            .iter()
            .filter(|e| views.get(&e.plan_id) == Some(&PlanView::Working))
            .map(|e| e.source_element_id.unwrap_or(e.id))
            .collect();
        for l in self.links.iter().filter(|l| working.contains(&l.element_id)) {
            if !links.iter().any(|x| x.element_id == l.element_id && x.target == l.target) {
                links.push(l.clone());
            }
        }
        let plans = self.plans.iter().filter(|(id, _)| views[*id] != PlanView::Hidden);
        let plans = plans.map(|(id, p)| (*id, p.clone())).collect();
        Arc::new(Self::build(tree, plans, elements, links, HashMap::new()))
    }
}

/// A row of the rendered tree.
struct Row<'a> {
    element: &'a Element,
    kind_label: String,
    plan_title: String,
    unit_name: Option<String>,
    sdg: Vec<&'a SdgLink>,
    breaks: Vec<String>,
    has_children: bool,
    children: usize,
    open: bool,
    closes: usize,
}

/// A listed break.
struct BreakRow<'a> {
    label: String,
    /// Where on the element's page the break is fixed: the parent choice for a missing path.
    fix_anchor: &'static str,
    element: &'a Element,
    plan_title: String,
    area_name: Option<String>,
}

#[derive(Template)]
#[template(path = "thread/page.html")]
struct ThreadTemplate<'a> {
    p: Page,
    q: ThreadQuery,
    rows: Vec<Row<'a>>,
    breaks: Vec<BreakRow<'a>>,
    area_counts: Vec<(String, Vec<usize>)>,
    break_kinds: Vec<String>,
    sdg_choices: Vec<Choice>,
    area_choices: Vec<Choice>,
    unit_choices: Vec<Choice>,
    plan_choices: Vec<Choice>,
    total_elements: usize,
    filtered: bool,
}

/// Break kinds in display order (codes and label keys).
const BREAK_KINDS: [(&str, &str); 6] = [
    ("no_path", "break-no-path"),
    ("no_strategy", "break-no-strategy"),
    ("no_measure", "break-no-measure"),
    ("no_indicator", "break-no-indicator"),
    ("area", "break-area"),
    ("orphaned", "break-orphaned"),
];

async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ThreadQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_view_org_tree() {
        return Err(AppError::Forbidden);
    }
    let (filter, status) = match q.parse() {
        Ok(f) => (f, StatusCode::OK),
        Err(_) => (ThreadFilter::default(), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    let data = state.thread_data(mid).await?.visible_to(actor, &tree);
    let t = &data.thread;
    let all_breaks = t.breaks();
    let labels = crate::plans::Labels::load(&state, mid).await?;

    // Which elements match the filters: by SDG goal (own links, or its source's), area, unit subtree, plan.
    let unit_scope: Option<HashSet<i64>> = filter.unit.map(|u| tree.subtree(u).into_iter().collect());
    let matches = |id: i64| -> bool {
        let Some(node) = t.node(id) else { return false };
        let origin = t.stands_for(id);
        filter
            .sdg
            .is_none_or(|g| data.links.iter().any(|l| l.goal == g && (l.element_id == id || l.element_id == origin)))
            && filter.area.is_none_or(|a| node.area == Some(a))
            && unit_scope.as_ref().is_none_or(|s| data.unit_of.get(&id).is_some_and(|u| s.contains(u)))
            && filter.plan.is_none_or(|p| node.plan_id == p)
    };
    let filtered = filter.is_filtered();
    // A copy that matches makes its source visible; show matches with their context above and below.
    let mut visible: HashSet<i64> = HashSet::new();
    if filtered {
        for id in data.elements.keys().copied().filter(|id| matches(*id)) {
            let id = t.stands_for(id);
            let mut up = Some(id);
            while let Some(u) = up {
                if !visible.insert(u) {
                    break;
                }
                up = t.parent(u);
            }
            let mut stack = t.children(id).collect::<Vec<i64>>();
            while let Some(c) = stack.pop() {
                if visible.insert(c) {
                    stack.extend(t.children(c));
                }
            }
        }
    }
    let shown = |id: &i64| !filtered || visible.contains(id);

    let mut breaks_by_element: HashMap<i64, Vec<&Break>> = HashMap::new();
    for b in &all_breaks {
        breaks_by_element.entry(b.element()).or_default().push(b);
        // A break on an inherited copy also shows on the element the tree displays for it.
        let origin = t.stands_for(b.element());
        if origin != b.element() {
            breaks_by_element.entry(origin).or_default().push(b);
        }
    }
    let plan_title = |e: &Element| data.plans.get(&e.plan_id).map(|p| p.title.clone()).unwrap_or_default();
    let unit_name = |id: i64| data.unit_of.get(&id).and_then(|u| tree.get(*u)).map(|u| u.name.clone());

    // Flatten the unified tree depth-first with explicit closes, like the organisation tree.
    let mut rows: Vec<Row> = Vec::new();
    fn visit(
        id: i64,
        depth: usize,
        t: &Thread,
        shown: &dyn Fn(&i64) -> bool,
        out: &mut Vec<(i64, usize, usize, usize)>,
        seen: &mut HashSet<i64>,
    ) {
        if !seen.insert(id) {
            return;
        }
        let kids: Vec<i64> = t.children(id).filter(|c| shown(c)).collect();
        out.push((id, depth, kids.len(), 0));
        for c in &kids {
            visit(c.to_owned(), depth + 1, t, shown, out, seen);
        }
        if !kids.is_empty()
            && let Some(last) = out.last_mut()
        {
            last.3 += 1;
        }
    }
    let mut flat = Vec::new();
    let mut seen = HashSet::new();
    for root in t.roots().iter().filter(|r| shown(r)) {
        visit(*root, 0, t, &shown, &mut flat, &mut seen);
    }
    for (id, depth, children, closes) in flat {
        let Some(element) = data.elements.get(&id) else { continue };
        rows.push(Row {
            kind_label: labels.kind(&ctx.tr, element.kind()),
            plan_title: plan_title(element),
            unit_name: unit_name(id),
            sdg: data.links.iter().filter(|l| l.element_id == id).collect(),
            breaks: breaks_by_element.get(&id).into_iter().flatten().map(|b| ctx.tr.t(b.label_key())).collect(),
            has_children: children > 0,
            children,
            open: depth < 2 || filtered,
            closes,
            element,
        });
    }

    let areas: Vec<&rodtrad_store::org::OrgUnit> =
        tree.units().iter().filter(|u| matches!(u.kind(), OrgUnitKind::ServiceArea | OrgUnitKind::Staff)).collect();
    let area_name = |a: Option<i64>| a.and_then(|a| tree.get(a)).map(|u| u.name.clone());
    let listed: Vec<&Break> =
        all_breaks.iter().filter(|b| shown(&t.stands_for(b.element())) || shown(&b.element())).collect();
    let breaks = listed
        .iter()
        .filter_map(|b| {
            let element = data.elements.get(&b.element())?;
            let area = match b {
                Break::AreaWithoutFollowUp { area, .. } => Some(*area),
                _ => t.node(element.id).and_then(|n| n.area),
            };
            Some(BreakRow {
                label: ctx.tr.t(b.label_key()),
                fix_anchor: if matches!(b, Break::NoPathToGoal { .. }) { "#f-parent_id" } else { "" },
                plan_title: plan_title(element),
                area_name: area_name(area),
                element,
            })
        })
        .collect();
    let area_counts = areas
        .iter()
        .map(|a| {
            let counts = BREAK_KINDS
                .iter()
                .map(|(code, _)| {
                    all_breaks
                        .iter()
                        .filter(|b| b.code() == *code)
                        .filter(|b| match b {
                            Break::AreaWithoutFollowUp { area, .. } => *area == a.id,
                            _ => t.node(b.element()).is_some_and(|n| n.area == Some(a.id)),
                        })
                        .count()
                })
                .collect();
            (a.name.clone(), counts)
        })
        .filter(|(_, c): &(String, Vec<usize>)| c.iter().any(|n| *n > 0))
        .collect();
    let goals = rodtrad_domain::sdg::goals();
    let template = ThreadTemplate {
        p: ctx.page(ctx.tr.t("thread-title"), "thread"),
        rows,
        breaks,
        area_counts,
        break_kinds: BREAK_KINDS.iter().map(|(_, k)| ctx.tr.t(k)).collect(),
        sdg_choices: goals
            .iter()
            .map(|g| Choice {
                value: g.goal.to_string(),
                label: format!("{} {}", g.goal, ctx.tr.catalogue(&g.short_nb, &g.short_en)),
            })
            .collect(),
        area_choices: areas.iter().map(|a| Choice { value: a.id.to_string(), label: a.name.clone() }).collect(),
        unit_choices: {
            let mut c: Vec<Choice> = tree
                .units()
                .iter()
                .filter(|u| u.is_valid_on(chrono::Utc::now().date_naive()))
                .map(|u| Choice { value: u.id.to_string(), label: u.name.clone() })
                .collect();
            c.sort_by_cached_key(|c| c.label.to_lowercase());
            c
        },
        plan_choices: {
            let mut c: Vec<Choice> =
                data.plans.values().map(|p| Choice { value: p.id.to_string(), label: p.title.clone() }).collect();
            c.sort_by_cached_key(|c| c.label.to_lowercase());
            c
        },
        total_elements: data.elements.len(),
        filtered,
        q,
    };
    Ok((status, Html(template.render()?)).into_response())
}
