//! Economy follow-up (*økonomioppfølging*, issue #14 §4): the roll-up to service areas and the
//! municipality with drill-down to units (`overview.rs`, CSV/XLSX), a unit's budget, actuals to date,
//! forecast and deviation per line with the leader's forecast form and the staff's budget form
//! (`unit.rs`), the account structure, thresholds and import mapping (`settings.rs`), the import of
//! monthly actuals with a preview that names every bad row (`import.rs`), and `/api/v1/economy`.
//! Figures come from `service::economy::overview`, one roll-up through `domain::economy::roll_up`.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::{FieldErrors, Page};
use crate::routes::{NavEntry, Routes};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Datelike;
use rodtrad_domain::economy::{Decimal, Deviation, Figures, format_nok};
use rodtrad_domain::{Actor, Role};
use rodtrad_service::ServiceError;
use rodtrad_service::economy::{self as service, Overview};
use rodtrad_store::StoreError;
use rodtrad_store::org::OrgTree;
use serde::Deserialize;
use std::sync::Arc;

pub mod api;
mod import;
mod overview;
mod settings;
mod unit;
pub(crate) use import::*;
pub(crate) use overview::*;
pub(crate) use settings::*;
pub(crate) use unit::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("economy")
        .nav(NavEntry { order: 15, href: "/economy", key: "economy-nav", section: "economy", visible: sees_economy })
        .get("/economy", overview_page)
        .get("/economy/export.csv", export::<crate::export::Csv>)
        .get("/economy/export.xlsx", export::<crate::export::Xlsx>)
        .get("/economy/units/{unit}", unit_page)
        .post("/economy/units/{unit}/forecast", forecast_save)
        .post("/economy/units/{unit}/budget", budget_save)
        .get("/economy/settings", settings_page)
        .post("/economy/settings/thresholds", thresholds_save)
        .post("/economy/settings/mapping", mapping_save)
        .post("/economy/settings/lines", line_add)
        .get("/economy/import", import_page)
        .post("/economy/import", import_upload)
        .post("/economy/uploads/{upload}/confirm", import_confirm)
}

/// Who reads any economy at all: leaders and delegates (their units), the management staff, system
/// administrators and the auditor (everything), politicians (the roll-up).
pub(crate) fn sees_economy(a: &Actor) -> bool {
    !a.led_units.is_empty()
        || !a.delegated_units.is_empty()
        || a.has(Role::SystemAdmin)
        || a.has(Role::Management)
        || a.has(Role::Auditor)
        || a.has(Role::Politician)
}

/// The year and month the pages show: `?year=` and `?month=` when sensible, else the current ones.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct PeriodQuery {
    pub(crate) year: Option<String>,
    pub(crate) month: Option<String>,
}

impl PeriodQuery {
    pub(crate) fn resolve(&self) -> (i32, u32) {
        let today = chrono::Utc::now().date_naive();
        let year = self
            .year
            .as_deref()
            .and_then(|y| y.trim().parse::<i32>().ok())
            .filter(|y| (2000..=2100).contains(y))
            .unwrap_or(today.year());
        let default_month = if year < today.year() { 12 } else { today.month() };
        let month = self
            .month
            .as_deref()
            .and_then(|m| m.trim().parse::<u32>().ok())
            .filter(|m| (1..=12).contains(m))
            .unwrap_or(default_month);
        (year, month)
    }
}

/// A unit of the caller's municipality whose economy the caller may read (404 for an unknown id,
/// 403 out of scope).
pub(crate) async fn readable_unit(state: &AppState, ctx: &Ctx, unit: i64) -> AppResult<Arc<OrgTree>> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    if tree.get(unit).is_none() {
        return Err(AppError::NotFound);
    }
    if !actor.can_read_economy(&tree.ancestry(unit)) {
        return Err(AppError::Forbidden);
    }
    Ok(tree)
}

/// A deviation as a page shows it: the amount, the percent, and when flagged a word and a symbol
/// besides the colour, so it never rests on colour alone.
pub(crate) struct DeviationView {
    pub(crate) amount: String,
    pub(crate) percent: String,
    pub(crate) flagged: bool,
    pub(crate) over: bool,
    pub(crate) label: String,
    pub(crate) symbol: &'static str,
}

impl DeviationView {
    pub(crate) fn of(tr: &Tr, d: &Deviation) -> DeviationView {
        let over = d.amount > Decimal::ZERO;
        let (label, symbol) = match (d.flagged, over) {
            (true, true) => (tr.t("economy-flag-over"), "▲"),
            (true, false) => (tr.t("economy-flag-under"), "▼"),
            (false, _) => (tr.t("economy-flag-none"), ""),
        };
        DeviationView {
            amount: money(d.amount),
            percent: d.percent.map(|p| format!("{} %", decimal(tr, p))).unwrap_or_else(|| "–".into()),
            flagged: d.flagged,
            over,
            label,
            symbol,
        }
    }
}

/// An amount in NOK as the pages show it (`1 234 567`, `-1 234,50`).
pub(crate) fn money(d: Decimal) -> String {
    format_nok(d)
}

/// A plain decimal in the reader's notation.
pub(crate) fn decimal(tr: &Tr, d: Decimal) -> String {
    rodtrad_domain::unit_plans::format_decimal(d, tr.code() == "en")
}

/// One row of figures: a unit (all lines) or a line of a unit.
pub(crate) struct FigureRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    /// Where the name links to, when the reader may follow it.
    pub(crate) link: Option<String>,
    pub(crate) budget: String,
    pub(crate) actual: String,
    pub(crate) used: String,
    pub(crate) forecast: String,
    pub(crate) deviation: DeviationView,
    pub(crate) without_forecast: u32,
    pub(crate) raw: Figures,
}

pub(crate) fn figure_row(tr: &Tr, o: &Overview, id: i64, name: String, link: Option<String>, f: Figures) -> FigureRow {
    FigureRow {
        id,
        name,
        link,
        budget: money(f.budget),
        actual: money(f.actual),
        used: f.used_percent().map(|p| format!("{} %", decimal(tr, p))).unwrap_or_else(|| "–".into()),
        forecast: money(f.forecast),
        deviation: DeviationView::of(tr, &f.deviation(&o.thresholds)),
        without_forecast: f.without_forecast,
        raw: f,
    }
}

/// The month names of the period selector.
pub(crate) fn months(tr: &Tr) -> Vec<(u32, String)> {
    MONTHS.iter().zip(1..).map(|(k, m)| (m, tr.t(k))).collect()
}

const MONTHS: [&str; 12] = [
    "economy-month-1",
    "economy-month-2",
    "economy-month-3",
    "economy-month-4",
    "economy-month-5",
    "economy-month-6",
    "economy-month-7",
    "economy-month-8",
    "economy-month-9",
    "economy-month-10",
    "economy-month-11",
    "economy-month-12",
];

/// The thresholds in a sentence.
pub(crate) fn thresholds_text(tr: &Tr, t: &rodtrad_domain::economy::Thresholds) -> String {
    tr.rule(
        &rodtrad_domain::RuleError::new("economy-thresholds-are")
            .with("percent", decimal(tr, t.percent))
            .with("amount", money(t.amount)),
    )
}

/// Maps a store refusal of a write to the status and message a form shows again.
pub(crate) fn refusal(tr: &Tr, err: ServiceError) -> AppResult<(StatusCode, String)> {
    match err {
        ServiceError::Store(StoreError::Conflict) => Ok((StatusCode::CONFLICT, tr.t("err-conflict"))),
        ServiceError::Store(StoreError::Rule(e)) | ServiceError::Rule(e) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, tr.rule(&e)))
        }
        e => Err(e.into()),
    }
}
