//! Dashboards (issue #13 §7): *Mitt ansvar* (on the start page and as its own page, with CSV/XLSX),
//! the leader's view of a unit's subtree, and the chief executive's overview per service area. The
//! figures come from `service::dashboard`, whose status counts are one call of
//! `domain::followup::roll_up`; every number links to the list behind it (the status lists of
//! `followup`, or a list on the same page).

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::{Csv, Format, TableNames, Xlsx, table_download};
use crate::followup::StatusView;
use crate::i18n::Tr;
use crate::pages::Page;
use crate::routes::{NavEntry, Routes};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use rodtrad_domain::followup::{Status, Tally};
use rodtrad_domain::{Actor, Role};
use rodtrad_service::dashboard::{self as service, Data, Mine, MyItem, UnitFigures};
use rodtrad_store::org::OrgTree;
use serde::Deserialize;

pub mod api;
pub mod digest;
mod leader;
mod mine;
mod notifications;
pub(crate) use leader::*;
pub(crate) use mine::*;
pub(crate) use notifications::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("dashboard")
        .nav(NavEntry::all(1, "/dashboard", "dashboard-nav", "dashboard"))
        .nav(NavEntry {
            order: 14,
            href: "/dashboard/areas",
            key: "dashboard-areas-nav",
            section: "areas",
            visible: sees_areas,
        })
        .get("/dashboard", mine_page)
        .get("/dashboard/export.csv", mine_export::<Csv>)
        .get("/dashboard/export.xlsx", mine_export::<Xlsx>)
        .get("/dashboard/areas", areas_page)
        .get("/dashboard/units/{unit}", unit_page)
        .get("/notifications", notifications_page)
        .post("/notifications/read-all", notifications_read_all)
        .post("/notifications/{notification}/read", notification_read)
        .post("/profile/digest", digest_choice)
}

/// Who finds the overview per service area in the navigation: the municipality-wide staff and the
/// auditor (the chief executive reaches it from *Mitt ansvar*, as the leader of the municipality).
fn sees_areas(a: &Actor) -> bool {
    a.has(Role::SystemAdmin) || a.has(Role::Management) || a.has(Role::Auditor)
}

/// A unit of the caller's municipality whose statuses the caller may read (404 otherwise, and for
/// another municipality's ids; 403 when it exists but is out of scope).
fn readable_unit(tree: &OrgTree, actor: &Actor, unit: i64) -> AppResult<()> {
    if tree.get(unit).is_none() {
        return Err(AppError::NotFound);
    }
    if !actor.can_read_status(&tree.ancestry(unit)) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// The municipality's root unit, if the caller may read everything below it.
fn readable_root(tree: &OrgTree, actor: &Actor) -> Option<i64> {
    tree.children(None).first().copied().filter(|r| actor.can_read_status(&tree.ancestry(*r)))
}

/// Loads the dashboard data of the caller's municipality for today.
async fn data(state: &AppState, actor: &Actor) -> AppResult<Data> {
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    Ok(service::load(&state.db, tree, mid, Utc::now().date_naive()).await?)
}

fn percent(p: Option<f64>) -> String {
    p.map(|v| format!("{v:.0} %")).unwrap_or_else(|| "–".into())
}

fn kind_label(tr: &Tr, kind: &str) -> String {
    tr.t(if kind == "assignment" { "followup-kind-assignment" } else { "followup-kind-measure" })
}
