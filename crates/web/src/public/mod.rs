//! Public pages: a municipality's adopted, published plans, readable without logging in and
//! printable. Anything else answers 404, whoever asks.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::Page;
use crate::plans::{Labels, SectionView, element_rows};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use rodtrad_domain::plan::{ElementKind, PlanStatus, VersionEntry};
use rodtrad_store::plans::{Decision, Plan};
use rodtrad_store::users::Municipality;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("public").get("/public/{number}/plans", index).get("/public/{number}/plans/{id}", plan_page)
}

async fn municipality(state: &AppState, number: &str) -> AppResult<Municipality> {
    state.db.municipality_by_number(number).await?.ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "public/plans.html")]
struct IndexTemplate {
    p: Page,
    municipality: Municipality,
    plans: Vec<(Plan, String)>,
}

async fn index(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> AppResult<Response> {
    let m = municipality(&state, &number).await?;
    let plans = state.db.public_plans(m.id).await?.into_iter().map(|p| {
        let label = ctx.tr.t(p.plan_type().label_key());
        (p, label)
    });
    let template = IndexTemplate {
        p: ctx.page(ctx.tr.t1("public-title", "municipality", &m.name), "public"),
        plans: plans.collect(),
        municipality: m,
    };
    Ok(Html(template.render()?).into_response())
}

/// An element as the public sees it.
struct PublicRow {
    depth: usize,
    kind_label: String,
    text: String,
    responsible: Option<String>,
    deadline: Option<chrono::NaiveDate>,
    /// `(goal number, target code, adapted from)`.
    sdg: Vec<(i64, String, bool)>,
}

/// A section with the elements placed in it.
struct PublicSection {
    view: Option<SectionView>,
    rows: Vec<PublicRow>,
}

/// The elements of a frozen version, depth first.
fn frozen_rows(ctx: &Ctx, labels: &Labels, entries: &[VersionEntry]) -> Vec<PublicRow> {
    let ids: std::collections::HashSet<i64> = entries.iter().map(|e| e.id).collect();
    let mut out = Vec::new();
    let mut stack: Vec<(&VersionEntry, usize)> =
        entries.iter().filter(|e| e.parent_id.is_none_or(|p| !ids.contains(&p))).rev().map(|e| (e, 0)).collect();
    while let Some((e, depth)) = stack.pop() {
        stack.extend(entries.iter().filter(|c| c.parent_id == Some(e.id)).rev().map(|c| (c, depth + 1)));
        let goal = |code: &str| code.split('.').next().and_then(|g| g.parse().ok()).unwrap_or(0);
        out.push(PublicRow {
            depth,
            kind_label: ElementKind::parse(&e.kind).map(|k| labels.kind(&ctx.tr, k)).unwrap_or_default(),
            text: e.text.clone(),
            responsible: e.responsible.clone(),
            deadline: e.deadline,
            sdg: e.sdg.iter().map(|c| (goal(c), c.clone(), false)).collect(),
        });
    }
    out
}

#[derive(Template)]
#[template(path = "public/plan.html")]
struct PlanTemplate {
    p: Page,
    municipality: Municipality,
    plan: Plan,
    type_label: String,
    decisions: Vec<Decision>,
    sections: Vec<PublicSection>,
    frozen: bool,
}

async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((number, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let m = municipality(&state, &number).await?;
    let plan = state.db.public_plans(m.id).await?.into_iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
    let labels = Labels::load(&state, m.id).await?;
    let frozen = plan.status() == PlanStatus::UnderRevision;
    let mut sections: Vec<PublicSection> = Vec::new();
    if frozen {
        // Under revision: the last adopted version, without the draft's text.
        let versions = state.db.plan_versions(id).await?;
        let latest = versions.last().map(|(n, _)| *n).ok_or(AppError::NotFound)?;
        let entries = state.db.plan_version(id, latest).await?;
        sections.push(PublicSection { view: None, rows: frozen_rows(&ctx, &labels, &entries) });
    } else {
        let links = state.db.sdg_links(m.id).await?;
        let rows = element_rows(&ctx, &labels, state.db.elements(m.id, id).await?, &links);
        // Each top-level element takes its subtree along into the section it is placed in.
        let mut placed: Vec<(Option<i64>, PublicRow)> = Vec::new();
        let mut current = None;
        for row in rows {
            if row.depth == 0 {
                current = row.element.section_id;
            }
            let public = PublicRow {
                depth: row.depth,
                kind_label: row.kind_label,
                text: row.element.text.clone(),
                responsible: row.element.responsible_name.clone(),
                deadline: row.element.deadline,
                sdg: row.sdg.iter().map(|l| (l.goal, l.target.clone(), l.adapted)).collect(),
            };
            placed.push((current, public));
        }
        for section in state.db.sections(id).await? {
            let (rows, rest): (Vec<_>, Vec<_>) = placed.into_iter().partition(|(p, _)| *p == Some(section.id));
            placed = rest;
            sections.push(PublicSection {
                view: Some(SectionView::from(section)),
                rows: rows.into_iter().map(|(_, r)| r).collect(),
            });
        }
        let unplaced: Vec<PublicRow> = placed.into_iter().map(|(_, r)| r).collect();
        if !unplaced.is_empty() {
            sections.push(PublicSection { view: None, rows: unplaced });
        }
    }
    let template = PlanTemplate {
        p: ctx.page(plan.title.clone(), "public"),
        type_label: ctx.tr.t(plan.plan_type().label_key()),
        decisions: state.db.plan_decisions(id).await?,
        sections,
        frozen,
        municipality: m,
        plan,
    };
    Ok(Html(template.render()?).into_response())
}
