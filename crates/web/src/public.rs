//! Public pages: a municipality's adopted, published plans, readable without logging in and
//! printable. Anything else answers 404, whoever asks.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::Page;
use crate::plans::{ElementRow, SectionView, element_rows};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use rodtrad_store::plans::{Decision, Plan};
use rodtrad_store::users::Municipality;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new().route("/public/{number}/plans", get(index)).route("/public/{number}/plans/{id}", get(plan_page))
}

async fn municipality(state: &AppState, number: &str) -> AppResult<Municipality> {
    state.db.municipality_by_number(number).await?.ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "public_plans.html")]
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

/// A section with the elements placed in it.
struct PublicSection {
    view: Option<SectionView>,
    rows: Vec<ElementRow>,
}

#[derive(Template)]
#[template(path = "public_plan.html")]
struct PlanTemplate {
    p: Page,
    municipality: Municipality,
    plan: Plan,
    type_label: String,
    decisions: Vec<Decision>,
    sections: Vec<PublicSection>,
}

async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((number, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let m = municipality(&state, &number).await?;
    let plan = state.db.public_plans(m.id).await?.into_iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
    let links = state.db.sdg_links(m.id).await?;
    let labels = crate::plans::Labels::load(&state, m.id).await?;
    let rows = element_rows(&ctx, &labels, state.db.elements(m.id, id).await?, &links);
    // Each top-level element takes its subtree along into the section it is placed in.
    let mut placed: Vec<(Option<i64>, ElementRow)> = Vec::new();
    let mut current = None;
    for row in rows {
        if row.depth == 0 {
            current = row.element.section_id;
        }
        placed.push((current, row));
    }
    let mut sections: Vec<PublicSection> = Vec::new();
    for section in state.db.sections(id).await? {
        let (rows, rest): (Vec<_>, Vec<_>) = placed.into_iter().partition(|(p, _)| *p == Some(section.id));
        placed = rest;
        sections.push(PublicSection {
            view: Some(SectionView::from(section)),
            rows: rows.into_iter().map(|(_, r)| r).collect(),
        });
    }
    let unplaced: Vec<ElementRow> = placed.into_iter().map(|(_, r)| r).collect();
    if !unplaced.is_empty() {
        sections.push(PublicSection { view: None, rows: unplaced });
    }
    let template = PlanTemplate {
        p: ctx.page(plan.title.clone(), "public"),
        type_label: ctx.tr.t(plan.plan_type().label_key()),
        decisions: state.db.plan_decisions(id).await?,
        sections,
        municipality: m,
        plan,
    };
    Ok(Html(template.render()?).into_response())
}
