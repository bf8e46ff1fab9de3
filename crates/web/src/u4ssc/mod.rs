//! U4SSC pages: the yearly self-assessment matrix (6 processes × 5 phases) with its cell editor and a
//! comparison between any two years, and the KPI values per year with a form, CSV import (upload,
//! preview, confirm) and CSV export.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::org::Choice;
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use rodtrad_domain::u4ssc::{
    self, Dimension, Kpi, KpiRow, LineError, Maturity, NOTE_MAX, Phase, Process, element_key, kpi_by_code, kpis,
    parse_decimal, parse_kpi_csv, parse_year,
};
use rodtrad_domain::{Actor, RuleError};
use rodtrad_export::chart::format_number;
use rodtrad_store::StoreError;
use rodtrad_store::people::PeopleFilter;
use rodtrad_store::u4ssc::{Assessment, Cell, CellInput, KpiChange, KpiValue};
use serde::Deserialize;
use std::collections::BTreeMap;

mod assessment;
mod compare;
mod import;
mod kpis;
pub(crate) use assessment::*;
pub(crate) use compare::*;
pub(crate) use import::*;
pub(crate) use kpis::*;

/// Longest evidence text kept for one element.
const EVIDENCE_MAX: usize = 4000;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("u4ssc")
        .nav(crate::routes::NavEntry::all(50, "/u4ssc", "u4ssc-nav", "u4ssc"))
        .get("/u4ssc", overview)
        .post("/u4ssc", start_year)
        .get("/u4ssc/compare", compare)
        .get("/u4ssc/kpi-import", import_page)
        .post("/u4ssc/kpi-import", import_upload)
        .post("/u4ssc/kpi-import/confirm", import_confirm)
        .get("/u4ssc/{year}", matrix)
        .get("/u4ssc/{year}/cells/{process}/{phase}", cell_page)
        .post("/u4ssc/{year}/cells/{process}/{phase}", cell_save)
        .get("/u4ssc/{year}/kpi", kpi_page)
        .get("/u4ssc/{year}/kpi/edit", kpi_edit_page)
        .post("/u4ssc/{year}/kpi/edit", kpi_save)
        .get("/u4ssc/{year}/kpi.csv", kpi_csv)
}

fn reader(ctx: &Ctx) -> AppResult<&Actor> {
    let actor = ctx.actor()?;
    if !actor.can_view_org_tree() {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

fn manager(ctx: &Ctx) -> AppResult<&Actor> {
    let actor = ctx.actor()?;
    if !actor.can_manage_u4ssc() {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

/// A year in a path; anything else is a page that does not exist.
fn path_year(raw: &str) -> AppResult<i64> {
    parse_year(raw).map(i64::from).map_err(|_| AppError::NotFound)
}

fn process_key(p: Process) -> &'static str {
    match p {
        Process::Standardise => "u4ssc-process-standardise",
        Process::Policy => "u4ssc-process-policy",
        Process::Partnership => "u4ssc-process-partnership",
        Process::Organisation => "u4ssc-process-organisation",
        Process::Citizens => "u4ssc-process-citizens",
        Process::Projects => "u4ssc-process-projects",
    }
}

fn phase_key(p: Phase) -> &'static str {
    match p {
        Phase::Engage => "u4ssc-phase-engage",
        Phase::Design => "u4ssc-phase-design",
        Phase::Activate => "u4ssc-phase-activate",
        Phase::Accelerate => "u4ssc-phase-accelerate",
        Phase::Support => "u4ssc-phase-support",
    }
}

fn dimension_key(d: Dimension) -> &'static str {
    match d {
        Dimension::Economic => "u4ssc-dim-economic",
        Dimension::Environmental => "u4ssc-dim-environmental",
        Dimension::Social => "u4ssc-dim-social",
    }
}

/// A figure as shown: Norwegian number format, at most two decimals.
fn show(value: f64) -> String {
    format_number(value, 2)
}

/// A figure as typed into a form field (no thousands separators, decimal comma).
fn typed(value: f64) -> String {
    value.to_string().replace('.', ",")
}

/// A maturity level as a tag: label and colour, never colour alone.
#[derive(Clone)]
pub struct Level {
    /// Number 0–4.
    pub level: u8,
    /// Translated label.
    pub label: String,
    /// Designsystemet colour.
    pub colour: &'static str,
}

impl Level {
    fn of(tr: &Tr, maturity: Option<i64>) -> Option<Level> {
        let m = maturity.and_then(|v| u8::try_from(v).ok()).and_then(Maturity::new)?;
        Some(Level { level: m.level(), label: tr.t(m.label_key()), colour: m.colour() })
    }
}

/// The column headers of the matrix.
fn phase_headers(tr: &Tr) -> Vec<String> {
    Phase::ALL.iter().map(|p| tr.t(phase_key(*p))).collect()
}

fn find(cells: &[Cell], process: Process, phase: Phase) -> Option<&Cell> {
    cells.iter().find(|c| c.process == process.code() && c.phase == phase.code())
}

/// One cell of the matrix page.
pub struct CellView {
    /// Element name.
    pub element: String,
    /// Maturity, if assessed.
    pub level: Option<Level>,
    /// Edit link.
    pub href: String,
    /// Evidence.
    pub evidence: String,
    /// Responsible person.
    pub responsible: String,
    /// Date assessed.
    pub assessed_on: String,
}
