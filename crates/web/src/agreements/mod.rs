//! Leadership agreements (*lederavtaler*): the list of the agreements one may read (to sign, one's
//! own, those of the line below and, for HR, all), starting one, the agreement page with its
//! versions and signatures, the edit form with the plan-element picker, signing, a new version of a
//! signed agreement, the PDF, and the list as CSV and XLSX. An agreement holds personal data: one
//! that the caller may not read answers 404 like an unknown id.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::{Csv, Format, TableNames, Xlsx, table_download};
use crate::i18n::Tr;
use crate::org::Choice;
use crate::pages::{FieldErrors, Page};
use crate::routes::{NavEntry, Routes};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rodtrad_domain::agreements::{ItemSync, Signatures, sync};
use rodtrad_domain::plan::ElementKind;
use rodtrad_domain::{Actor, Role};
use rodtrad_service::ServiceError;
use rodtrad_service::agreements as service;
use rodtrad_store::StoreError;
use rodtrad_store::agreements::{Agreement, AgreementVersion};
use rodtrad_store::org::OrgTree;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

pub mod api;
mod edit;
mod export;
mod page;
pub(crate) use edit::*;
pub(crate) use export::*;
pub(crate) use page::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("agreements")
        .nav(NavEntry {
            order: 17,
            href: "/agreements",
            key: "agreements-nav",
            section: "agreements",
            visible: sees_agreements,
        })
        .get("/agreements", list_page)
        .post("/agreements", start)
        .get("/agreements/export.csv", export::<Csv>)
        .get("/agreements/export.xlsx", export::<Xlsx>)
        .get("/agreements/{agreement}", agreement_page)
        .post("/agreements/{agreement}", save)
        .get("/agreements/{agreement}/edit", edit_page)
        .post("/agreements/{agreement}/sign", sign)
        .post("/agreements/{agreement}/new-version", new_version)
        .get("/agreements/{agreement}/versions/{number}", version_page)
        .get("/agreements/{agreement}/pdf", pdf)
}

/// Who finds the agreements in the navigation: leaders (who have one with their superior, or with
/// those they lead) and HR. Everyone else has none to read.
fn sees_agreements(a: &Actor) -> bool {
    (a.person_id.is_some() && !a.led_units.is_empty()) || a.has(Role::Hr)
}

/// Where an agreement's latest version stands, as text and symbol (never colour alone).
#[derive(Clone, Debug)]
pub(crate) struct SigningView {
    pub(crate) code: &'static str,
    pub(crate) symbol: &'static str,
    pub(crate) label: String,
}

impl SigningView {
    pub(crate) fn of(tr: &Tr, s: Signatures) -> Self {
        if s.complete() {
            Self { code: "signed", symbol: "✔", label: tr.t("agreements-state-signed") }
        } else if s.leader {
            Self { code: "leader-signed", symbol: "◐", label: tr.t("agreements-state-leader-signed") }
        } else {
            Self { code: "draft", symbol: "✎", label: tr.t("agreements-state-draft") }
        }
    }
}

/// An agreement as listed.
pub(crate) struct Row {
    pub(crate) a: Agreement,
    pub(crate) state: SigningView,
}

/// Whether `actor` is the one to sign the agreement's latest version next.
fn must_sign(actor: &Actor, a: &Agreement) -> bool {
    let is_leader = actor.person_id == Some(a.leader_person_id);
    let is_superior = actor.person_id == Some(a.superior_person_id);
    a.signatures().next(is_leader, is_superior).is_ok()
}

/// The agreements `actor` may read, with the organisation tree.
pub(crate) async fn readable(
    state: &AppState,
    actor: &Actor,
    year: Option<i64>,
) -> AppResult<(Vec<Agreement>, Arc<OrgTree>)> {
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    let all = state.db.agreements(mid, year).await?;
    Ok((all.into_iter().filter(|a| service::may_read(actor, &tree, a)).collect(), tree))
}

/// One agreement the caller may read; 404 for one they may not, as for an unknown id.
pub(crate) async fn readable_one(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Agreement, Arc<OrgTree>)> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let a = state.db.agreement(mid, id).await?;
    let tree = state.org_tree(mid).await?;
    if !service::may_read(actor, &tree, &a) {
        return Err(AppError::NotFound);
    }
    Ok((a, tree))
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    #[serde(default)]
    pub(crate) year: Option<String>,
}

fn parse_year(raw: Option<&str>) -> Option<i64> {
    raw.map(str::trim).filter(|s| !s.is_empty()).and_then(|s| s.parse().ok())
}

#[derive(Template)]
#[template(path = "agreements/list.html")]
pub(crate) struct ListTemplate {
    pub(crate) p: Page,
    pub(crate) to_sign: Vec<Row>,
    pub(crate) own: Vec<Row>,
    pub(crate) others: Vec<Row>,
    pub(crate) years: Vec<i64>,
    pub(crate) year: String,
    pub(crate) units: Vec<Choice>,
    pub(crate) form: StartForm,
    pub(crate) errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct StartForm {
    #[serde(default)]
    pub(crate) unit_id: String,
    #[serde(default)]
    pub(crate) year: String,
}

async fn render_list(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    form: Option<StartForm>,
    errors: FieldErrors,
) -> AppResult<String> {
    let actor = ctx.actor()?;
    let year = parse_year(q.year.as_deref());
    let (all, tree) = readable(state, actor, None).await?;
    let mut years: Vec<i64> = all.iter().map(|a| a.year).collect();
    years.dedup();
    let (mut to_sign, mut own, mut others) = (Vec::new(), Vec::new(), Vec::new());
    for a in all.into_iter().filter(|a| year.is_none_or(|y| a.year == y)) {
        let row = Row { state: SigningView::of(&ctx.tr, a.signatures()), a };
        if must_sign(actor, &row.a) {
            to_sign.push(row);
        } else if service::is_party(actor, &row.a) {
            own.push(row);
        } else {
            others.push(row);
        }
    }
    let units = service::units_to_start(actor, &tree)
        .into_iter()
        .filter_map(|u| tree.get(u))
        .map(|u| Choice { value: u.id.to_string(), label: u.name.clone() })
        .collect();
    let this_year = chrono::Datelike::year(&chrono::Utc::now().date_naive()).to_string();
    let t = ListTemplate {
        p: ctx.page(ctx.tr.t("agreements-title"), "agreements"),
        to_sign,
        own,
        others,
        years,
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        units,
        form: form.unwrap_or(StartForm { unit_id: String::new(), year: this_year }),
        errors,
    };
    Ok(t.render()?)
}

/// The agreements the caller may read: to sign, their own, and the others they see.
pub(crate) async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    Ok(Html(render_list(&state, &ctx, &q, None, FieldErrors::default()).await?).into_response())
}

/// Starts the agreement of a unit and year (or opens the one that exists): its leader or the
/// leader above it.
pub(crate) async fn start(State(state): State<AppState>, ctx: Ctx, Form(form): Form<StartForm>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let mut errors = FieldErrors::default();
    let unit: Option<i64> = form.unit_id.trim().parse().ok();
    let year: Option<i64> = form.year.trim().parse().ok();
    if unit.is_none() {
        errors.add("unit_id", ctx.tr.t("err-agreement-unit-missing"));
    }
    if year.is_none() {
        errors.add("year", ctx.tr.t("err-agreement-year"));
    }
    if let (Some(unit), Some(year)) = (unit, year) {
        match service::start(&state.db, &tree, (actor, &ctx.author()?), unit, year).await {
            Ok(id) => return Ok(Redirect::to(&format!("/agreements/{id}")).into_response()),
            Err(ServiceError::Rule(e)) => errors.add(e.field.unwrap_or("unit_id"), ctx.tr.rule(&e)),
            Err(e) => return Err(app_error(e)),
        }
    }
    let body = render_list(&state, &ctx, &ListQuery::default(), Some(form), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

/// A service error as the web layer answers it.
pub(crate) fn app_error(e: ServiceError) -> AppError {
    e.into()
}

/// A committed element as shown: its text now (or as stored when removed) and how it compares.
pub(crate) struct ItemView {
    pub(crate) kind: String,
    pub(crate) element_id: i64,
    pub(crate) text: String,
    pub(crate) stored: String,
    pub(crate) mark: &'static str,
}

/// The items of `version` against the elements' texts now.
pub(crate) fn item_views(tr: &Tr, version: &AgreementVersion, now: &HashMap<i64, String>) -> Vec<ItemView> {
    version
        .content
        .items
        .iter()
        .map(|i| {
            let current = now.get(&i.element_id);
            let mark = match sync(&i.text, current.map(String::as_str)) {
                ItemSync::Current => "current",
                ItemSync::Changed => "changed",
                ItemSync::Removed => "removed",
            };
            ItemView {
                kind: ElementKind::parse(&i.kind).map(|k| tr.t(k.label_key())).unwrap_or_else(|_| i.kind.clone()),
                element_id: i.element_id,
                text: current.cloned().unwrap_or_else(|| i.text.clone()),
                stored: i.text.clone(),
                mark,
            }
        })
        .collect()
}

/// The current text of every live goal element of the municipality.
pub(crate) async fn element_texts(state: &AppState, mid: i64) -> AppResult<HashMap<i64, String>> {
    Ok(state.db.elements_all(mid).await?.into_iter().map(|e| (e.id, e.text)).collect())
}
