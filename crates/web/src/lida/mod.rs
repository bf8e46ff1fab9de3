//! Long-term analysis (*langsiktig investerings- og driftsanalyse*, LIDA, issue #14 §6) under
//! «Økonomi»: the list of scenarios and population projections with the projection upload
//! (`index.rs`), a projection's figures, a scenario's yearly operating and investment needs as a
//! table and an accessible SVG chart, its edit form with the assumptions per service
//! (`scenario.rs`), two scenarios side by side (`compare.rs`), CSV/XLSX of each table, and
//! `/api/v1/lida`. Figures come from `service::lida::computed`, one `domain::lida::compute`.
//! Reading follows the economy roll-up (leaders, delegates, the staff, the auditor, politicians);
//! the management staff and system administrators edit.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rodtrad_domain::Actor;
use rodtrad_domain::economy::{Decimal, format_nok};
use rodtrad_service::ServiceError;
use rodtrad_service::lida as service;
use rodtrad_store::StoreError;
use serde::Deserialize;

pub mod api;
mod compare;
mod index;
mod scenario;
pub(crate) use compare::*;
pub(crate) use index::*;
pub(crate) use scenario::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("lida")
        .get("/economy/lida", index_page)
        .post("/economy/lida/projections", projection_upload)
        .get("/economy/lida/projections/{projection}", projection_page)
        .get("/economy/lida/projections/{projection}/export.csv", projection_export::<crate::export::Csv>)
        .get("/economy/lida/projections/{projection}/export.xlsx", projection_export::<crate::export::Xlsx>)
        .get("/economy/lida/scenarios/new", scenario_new)
        .post("/economy/lida/scenarios", scenario_create)
        .get("/economy/lida/scenarios/{scenario}", scenario_page)
        .get("/economy/lida/scenarios/{scenario}/edit", scenario_edit)
        .post("/economy/lida/scenarios/{scenario}", scenario_save)
        .get("/economy/lida/scenarios/{scenario}/export.csv", scenario_export::<crate::export::Csv>)
        .get("/economy/lida/scenarios/{scenario}/export.xlsx", scenario_export::<crate::export::Xlsx>)
        .get("/economy/lida/compare", compare_page)
        .get("/economy/lida/compare.csv", compare_export::<crate::export::Csv>)
        .get("/economy/lida/compare.xlsx", compare_export::<crate::export::Xlsx>)
}

/// The caller, when they may read the analyses (403 otherwise).
pub(crate) fn reader(ctx: &Ctx) -> AppResult<&Actor> {
    let actor = ctx.actor()?;
    if !actor.can_read_lida() {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

/// The caller, when they may edit the analyses (403 otherwise).
pub(crate) fn editor(ctx: &Ctx) -> AppResult<&Actor> {
    let actor = ctx.actor()?;
    if !actor.can_edit_lida() {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

/// An amount in NOK as the pages show it (`1 234 567`).
pub(crate) fn money(d: Decimal) -> String {
    format_nok(d)
}

/// A plain decimal in the reader's notation (`0,92`).
pub(crate) fn decimal(tr: &Tr, d: Decimal) -> String {
    rodtrad_domain::unit_plans::format_decimal(d, tr.code() == "en")
}

/// Persons as shown: whole persons, or one decimal when a group was shared between ranges.
pub(crate) fn persons(tr: &Tr, d: Decimal) -> String {
    let rounded = d.round_dp(1);
    if rounded.fract().is_zero() { money(rounded) } else { decimal(tr, rounded) }
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

pub(crate) use crate::forms::field;

/// A choice of a select.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
}
