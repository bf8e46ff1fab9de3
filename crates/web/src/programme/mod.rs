//! Action programme frames (*handlingsprogram*, issue #14 §5), in the economy navigation: the list of
//! programmes and the form that starts one (`/economy/programme`), and a programme's page with its
//! four sections, each a table with CSV/XLSX and, for the staff, its form (`page.rs`): economic
//! frames per service area and year, the investment table, the efficiency target with what was
//! realised, and the fiscal rules with their result per year computed from the key figures
//! (`domain::programme::evaluate`, through `service::programme::view`); `/api/v1/economy/programmes`.
//! Everyone signed in to the municipality reads them (adopted political figures); the management
//! staff and system administrators edit. Every save sends the programme's version: stale is 409,
//! bad input 422 with the typed values kept.

use crate::ctx::Ctx;
use crate::economy::{decimal, money};
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
use rodtrad_domain::economy::Decimal;
use rodtrad_domain::programme::RuleResult;
use rodtrad_service::ServiceError;
use rodtrad_service::programme as service;
use rodtrad_store::StoreError;
use serde::Deserialize;

pub mod api;
mod page;
pub(crate) use page::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("programme")
        .nav(NavEntry::all(16, "/economy/programme", "programme-nav", "programme"))
        .get("/economy/programme", list_page)
        .post("/economy/programme", create)
        .get("/economy/programme/{first_year}", programme_page)
        .post("/economy/programme/{first_year}", head_save)
        .post("/economy/programme/{first_year}/frames", frames_save)
        .post("/economy/programme/{first_year}/investments", investment_add)
        .post("/economy/programme/{first_year}/investments/{investment}/remove", investment_remove)
        .post("/economy/programme/{first_year}/efficiency", efficiency_save)
        .post("/economy/programme/{first_year}/rules", rule_add)
        .post("/economy/programme/{first_year}/rules/{rule}/remove", rule_remove)
        .post("/economy/programme/{first_year}/key-figures", key_figures_save)
        .get("/economy/programme/{first_year}/export.csv", export::<crate::export::Csv>)
        .get("/economy/programme/{first_year}/export.xlsx", export::<crate::export::Xlsx>)
}

/// The first year from the path: anything but a year in range is not found.
pub(crate) fn path_year(segment: &str) -> AppResult<i32> {
    rodtrad_domain::programme::parse_first_year(segment).map_err(|_| AppError::NotFound)
}

/// A percent as the pages show it (`1,75 %`).
pub(crate) fn percent(tr: &Tr, d: Decimal) -> String {
    format!("{} %", decimal(tr, d))
}

/// The message key of a measure's name.
pub(crate) fn measure_key(m: rodtrad_domain::programme::Measure) -> &'static str {
    use rodtrad_domain::programme::Measure;
    match m {
        Measure::NetOperatingResult => "programme-measure-net-operating-result",
        Measure::NetDebt => "programme-measure-net-debt",
        Measure::DispositionFund => "programme-measure-disposition-fund",
    }
}

/// The message key of a comparison's words.
pub(crate) fn comparison_key(c: rodtrad_domain::programme::Comparison) -> &'static str {
    use rodtrad_domain::programme::Comparison;
    match c {
        Comparison::AtLeast => "programme-comparison-at-least",
        Comparison::AtMost => "programme-comparison-at-most",
    }
}

/// A rule's result in a year as a cell shows it: the value, and the verdict in words and a symbol,
/// never colour alone.
pub(crate) struct ResultCell {
    pub(crate) value: String,
    pub(crate) passed: Option<bool>,
    pub(crate) label: String,
    pub(crate) symbol: &'static str,
}

impl ResultCell {
    pub(crate) fn of(tr: &Tr, r: &RuleResult) -> ResultCell {
        let (label, symbol) = match r.passed {
            Some(true) => (tr.t("programme-passed"), "✓"),
            Some(false) => (tr.t("programme-failed"), "✗"),
            None => (tr.t("programme-no-figures"), ""),
        };
        ResultCell {
            value: r.value.map(|v| percent(tr, v)).unwrap_or_else(|| "–".into()),
            passed: r.passed,
            label,
            symbol,
        }
    }
}

/// Maps a refused save to the status and the message a form shows again.
pub(crate) fn refusal(tr: &Tr, err: ServiceError) -> AppResult<(StatusCode, String)> {
    match err {
        ServiceError::Store(StoreError::Conflict) => Ok((StatusCode::CONFLICT, tr.t("err-conflict"))),
        ServiceError::Store(StoreError::Rule(e)) | ServiceError::Rule(e) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, tr.rule(&e)))
        }
        e => Err(e.into()),
    }
}
