//! Status reporting (*statusrapportering*): reporting periods, a leader's bulk reporting page (one
//! form per assignment or measure, saved by htmx without a reload or by a plain post), the roll-up
//! per unit, service area and municipality with the lists behind every number, CSV and XLSX of a
//! status list, and the management dialogues (*lederdialog*) that deviations open.

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
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use rodtrad_domain::followup::{PeriodKind, Progress, Status, Tally};
use rodtrad_domain::{Actor, Role};
use rodtrad_service::ServiceError;
use rodtrad_service::followup::{self as service, ReportInput, RollUp};
use rodtrad_store::StoreError;
use rodtrad_store::followup::{Dialogue, ItemRow, Period, ReportRow};
use rodtrad_store::org::OrgTree;
use serde::Deserialize;

pub mod api;
mod dialogues;
mod periods;
mod report;
mod rollup;
pub(crate) use dialogues::*;
pub(crate) use periods::*;
pub(crate) use report::*;
pub(crate) use rollup::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("followup")
        .nav(NavEntry {
            order: 15,
            href: "/followup",
            key: "followup-nav",
            section: "followup",
            visible: sees_followup,
        })
        .get("/followup", overview)
        .get("/followup/periods", periods_page)
        .post("/followup/periods", periods_create)
        .post("/followup/periods/{period}/close", period_close)
        .post("/followup/periods/{period}/reopen", period_reopen)
        .get("/followup/units/{unit}", unit_page)
        .get("/followup/units/{unit}/items", items_page)
        .get("/followup/units/{unit}/report", report_page)
        .get("/followup/units/{unit}/export.csv", export::<Csv>)
        .get("/followup/units/{unit}/export.xlsx", export::<Xlsx>)
        .get("/followup/items/{item}", item_page)
        .post("/followup/items/{item}", item_save)
        .get("/followup/dialogues", dialogues_page)
        .get("/followup/dialogues/{dialogue}", dialogue_page)
        .post("/followup/dialogues/{dialogue}", dialogue_save)
        .post("/followup/dialogues/{dialogue}/close", dialogue_close)
}

/// Who finds status reporting in the navigation: leaders, delegates, the management staff and the
/// auditor (everyone else reaches their unit's statuses from the unit page).
fn sees_followup(a: &Actor) -> bool {
    !a.led_units.is_empty()
        || !a.delegated_units.is_empty()
        || a.has(Role::SystemAdmin)
        || a.has(Role::Management)
        || a.has(Role::Auditor)
}

const MONTH_KEYS: [&str; 12] = [
    "followup-month-1",
    "followup-month-2",
    "followup-month-3",
    "followup-month-4",
    "followup-month-5",
    "followup-month-6",
    "followup-month-7",
    "followup-month-8",
    "followup-month-9",
    "followup-month-10",
    "followup-month-11",
    "followup-month-12",
];

/// A period's name: "mars 2027", "2. tertial 2027".
pub(crate) fn period_label(tr: &Tr, kind: PeriodKind, number: i64, year: i64) -> String {
    match kind {
        PeriodKind::Month => {
            let month = usize::try_from(number - 1).ok().and_then(|i| MONTH_KEYS.get(i)).map(|k| tr.t(k));
            format!("{} {year}", month.unwrap_or_else(|| number.to_string()))
        }
        PeriodKind::Tertial => {
            let msg = rodtrad_domain::RuleError::new("followup-period-tertial")
                .with("number", number.to_string())
                .with("year", year.to_string());
            tr.rule(&msg)
        }
    }
}

pub(crate) fn label_of(tr: &Tr, p: &Period) -> String {
    period_label(tr, p.kind(), p.number, p.year)
}

/// Period choices for a select, with the closed ones marked.
fn period_choices(tr: &Tr, periods: &[Period]) -> Vec<Choice> {
    periods
        .iter()
        .map(|p| {
            let mut label = label_of(tr, p);
            if p.is_closed() {
                label = format!("{label} ({})", tr.t("followup-closed"));
            }
            Choice { value: p.id.to_string(), label }
        })
        .collect()
}

/// A status as shown: symbol and name together, never colour alone.
#[derive(Clone, Debug)]
pub(crate) struct StatusView {
    pub(crate) code: &'static str,
    pub(crate) symbol: &'static str,
    pub(crate) label: String,
}

impl StatusView {
    pub(crate) fn of(tr: &Tr, s: Status) -> Self {
        Self { code: s.code(), symbol: s.symbol(), label: tr.t(s.label_key()) }
    }
}

fn status_choices(tr: &Tr) -> Vec<Choice> {
    Status::ALL
        .iter()
        .map(|s| Choice { value: s.code().into(), label: format!("{} {}", s.symbol(), tr.t(s.label_key())) })
        .collect()
}

/// The selected period: `?period=` of the municipality, or the default one for today.
async fn selected_period(state: &AppState, mid: i64, raw: Option<&str>) -> AppResult<Option<Period>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => {
            let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
            Ok(Some(state.db.followup_period(mid, id).await?))
        }
        None => Ok(state.db.followup_current_period(mid, Utc::now().date_naive()).await?),
    }
}

/// The query of the pages: the period and the filters of the lists.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct ListQuery {
    #[serde(default)]
    pub(crate) period: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) filter: Option<String>,
    #[serde(default)]
    pub(crate) owner: Option<String>,
}

/// A unit of the caller's municipality that the caller may read statuses of (404 otherwise, and
/// for another municipality's ids).
fn readable_unit(tree: &OrgTree, actor: &Actor, unit: i64) -> AppResult<()> {
    if tree.get(unit).is_none() {
        return Err(AppError::NotFound);
    }
    if !actor.can_read_status(&tree.ancestry(unit)) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Everything a status page of one unit needs: the period, the items as of it, the roll-up.
pub(crate) struct Snapshot {
    pub(crate) period: Option<Period>,
    pub(crate) periods: Vec<Period>,
    pub(crate) items: Vec<ItemRow>,
    pub(crate) rollup: RollUp,
    pub(crate) stale_days: i64,
    pub(crate) tree: std::sync::Arc<OrgTree>,
}

pub(crate) async fn snapshot(state: &AppState, mid: i64, period: Option<&str>) -> AppResult<Snapshot> {
    let tree = state.org_tree(mid).await?;
    let period = selected_period(state, mid, period).await?;
    let periods = state.db.followup_periods(mid).await?;
    let items = state.db.followup_items(mid, period.as_ref().map(|p| p.ends_on)).await?;
    let stale_days = state.db.followup_stale_days(mid).await?;
    let as_of = as_of(period.as_ref());
    let rollup = service::roll_up_items(&tree, &items, service::stale_before(as_of, stale_days));
    Ok(Snapshot { period, periods, items, rollup, stale_days, tree })
}

/// The day staleness is judged on: today, or the end of a period that is over.
pub(crate) fn as_of(period: Option<&Period>) -> NaiveDate {
    let today = Utc::now().date_naive();
    period.map_or(today, |p| p.ends_on.min(today))
}

fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v.as_bytes() == b"true")
}

fn percent(p: Option<f64>) -> String {
    p.map(|v| format!("{:.0} %", v)).unwrap_or_else(|| "–".into())
}

impl From<ServiceError> for FollowupError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Forbidden => FollowupError::App(AppError::Forbidden),
            ServiceError::Rule(r) => FollowupError::Rule(r),
            ServiceError::Store(StoreError::Rule(r)) => FollowupError::Rule(r),
            ServiceError::Store(StoreError::Conflict) => FollowupError::Conflict,
            ServiceError::Store(other) => FollowupError::App(other.into()),
            ServiceError::Internal(e) => FollowupError::App(AppError::Internal(e)),
        }
    }
}

/// The outcomes of a write that a form shows again, and the rest.
pub(crate) enum FollowupError {
    Rule(rodtrad_domain::RuleError),
    Conflict,
    App(AppError),
}
