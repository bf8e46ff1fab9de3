//! The plan register, a plan's page (facts, lifecycle, decisions, sources, goal-element tree with
//! inheritance markers and formulation warnings) and the element editor.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::{Csv, Format, TableNames, Xlsx, table_download};
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
use rodtrad_domain::plan::{
    ElementDraft, ElementKind, ElementStatus, Placement, PlanStatus, PlanType, formulation_warnings, goal_path,
    move_targets, path_changes,
};
use rodtrad_domain::{Name, RuleError};
use rodtrad_service::ServiceError;
use rodtrad_store::StoreError;
use rodtrad_store::people::PeopleFilter;
use rodtrad_store::plans::{Element, ElementInput, Plan, PlanInput, SdgLink};
use serde::Deserialize;
use std::collections::HashMap;

pub mod api;
mod elements;
mod exports;
mod labels;
mod plan_page;
mod register;
mod sections;
mod versions;
mod visibility;
pub(crate) use elements::*;
pub(crate) use exports::*;
pub(crate) use labels::*;
pub(crate) use plan_page::*;
pub(crate) use register::*;
pub(crate) use sections::*;
pub(crate) use versions::*;
pub use visibility::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("plans")
        .nav(crate::routes::NavEntry::all(10, "/plans", "nav-plans", "plans"))
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
        .get("/plans/{id}/export.csv", export::<Csv>)
        .get("/plans/{id}/export.xlsx", export::<Xlsx>)
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
        let labels = state.element_labels(municipality_id).await?;
        Ok(Self(labels.iter().map(|(k, l, x)| ((k.clone(), l.clone()), x.clone())).collect()))
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

/// Options of a select under one heading (`<optgroup>`).
pub struct ChoiceGroup {
    /// Heading: the service area or staff unit (or the municipality itself).
    pub label: String,
    /// Options, in tree order, labelled with their path below the heading.
    pub choices: Vec<Choice>,
}

/// The search that narrows an organisation-unit choice, sent by the field's own GET button (or
/// htmx while typing) together with the form's other values, which the page shows again.
#[derive(Deserialize, Default)]
pub(crate) struct UnitQuery {
    /// Part of a unit's name or path.
    pub(crate) unit_q: Option<String>,
}

/// The organisation units a plan or element may be owned by, grouped by service area (the
/// municipality's direct children) and labelled with their path below it, so ~300 units read as
/// the organisation tree. `q` narrows them to units whose path contains it (case-insensitive);
/// `selected` always stays. The second value counts the units before narrowing.
pub(crate) async fn unit_groups(
    state: &AppState,
    ctx: &Ctx,
    only_editable: bool,
    q: &str,
    selected: &str,
) -> AppResult<(Vec<ChoiceGroup>, usize)> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let today = Utc::now().date_naive();
    let q = q.trim().to_lowercase();
    let mut rows: Vec<(String, String, Choice)> = Vec::new();
    let mut total = 0;
    for u in tree.units().iter().filter(|u| u.is_valid_on(today)) {
        let ancestry = tree.ancestry(u.id);
        if only_editable && !actor.can_edit_plan(Some(&ancestry)) {
            continue;
        }
        total += 1;
        // Root first: [municipality, area, unit, department].
        let names: Vec<&str> = ancestry.iter().rev().filter_map(|id| tree.get(*id)).map(|x| x.name.as_str()).collect();
        let (group, path) = if names.len() <= 1 {
            (u.name.clone(), u.name.clone())
        } else {
            (names[1].to_owned(), names[1..].join(" › "))
        };
        let value = u.id.to_string();
        if !q.is_empty() && !names.join(" › ").to_lowercase().contains(&q) && value != selected {
            continue;
        }
        rows.push((group.to_lowercase(), path.to_lowercase(), Choice { value, label: path }));
    }
    rows.sort_by(|a, b| (a.0.as_str(), a.1.as_str()).cmp(&(b.0.as_str(), b.1.as_str())));
    let mut groups: Vec<ChoiceGroup> = Vec::new();
    for (_, _, choice) in rows {
        let head = choice.label.split(" › ").next().unwrap_or_default().to_owned();
        match groups.last_mut() {
            Some(g) if g.label == head => g.choices.push(choice),
            _ => groups.push(ChoiceGroup { label: head, choices: vec![choice] }),
        }
    }
    Ok((groups, total))
}
