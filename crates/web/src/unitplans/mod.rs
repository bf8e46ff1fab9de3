//! The unit plan (*virksomhetsplan*) workflow: the workflow panel on a unit plan's page (status,
//! deadline, history, deliver / approve / send back, the analysis of last year, the carry-over of
//! last year's unfinished measures and the departments' contributions), the analysis form, the
//! carry-over summary, the overview of every unit's plan for a year with its deadline and its
//! CSV/XLSX, and the `/api/v1/unit-plans` routes.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::{Csv, Format, TableNames, Xlsx, table_download};
use crate::pages::{FieldErrors, Page};
use crate::plans::{Back, render_plan};
use crate::routes::{NavEntry, Routes};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::Actor;
use rodtrad_domain::plan::{ElementKind, PlanStatus, PlanType};
use rodtrad_domain::unit_plans::Decimal;
use rodtrad_domain::unit_plans::{Analysis, AnalysisDraft};
use rodtrad_service::ServiceError;
use rodtrad_service::unit_plans::{self as service, Workflow};
use rodtrad_store::StoreError;
use rodtrad_store::plans::Plan;
use rodtrad_store::unit_plans::StoredAnalysis;
use serde::Deserialize;

mod analysis;
pub mod api;
mod carry;
mod list;
mod panel;
pub(crate) use analysis::*;
pub(crate) use carry::*;
pub(crate) use list::*;
pub(crate) use panel::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("unitplans")
        .nav(NavEntry {
            order: 12,
            href: "/unit-plans",
            key: "unitplans-nav",
            section: "unitplans",
            visible: sees_list,
        })
        .get("/unit-plans", list_page)
        .post("/unit-plans/deadline", set_deadline)
        .get("/unit-plans/export.csv", export::<Csv>)
        .get("/unit-plans/export.xlsx", export::<Xlsx>)
        .post("/unit-plans/{id}/deliver", deliver)
        .post("/unit-plans/{id}/approve", approve)
        .post("/unit-plans/{id}/send-back", send_back)
        .get("/unit-plans/{id}/analysis", analysis_page)
        .post("/unit-plans/{id}/analysis", analysis_save)
        .get("/unit-plans/{id}/carry-over", carry_page)
        .post("/unit-plans/{id}/carry-over", carry_over)
        .post("/unit-plans/{id}/carry-over/place", carry_place)
        .post("/unit-plans/{id}/carry-over/deadlines", carry_deadlines)
}

/// Who finds the overview in the navigation: the administration and whoever reads a unit's data
/// (leaders, delegates, the management staff, the auditor); an employee reaches the own unit's plan
/// from the plan register.
fn sees_list(a: &Actor) -> bool {
    !a.led_units.is_empty()
        || !a.delegated_units.is_empty()
        || a.has(rodtrad_domain::Role::SystemAdmin)
        || a.has(rodtrad_domain::Role::Management)
        || a.has(rodtrad_domain::Role::Auditor)
}

/// A unit plan of the caller's municipality that the caller may read (404 otherwise, as on the plan
/// page; a plan of another type is no unit plan here).
pub(crate) async fn readable_unit_plan(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Plan> {
    let (plan, _) = crate::plans::readable_plan(state, ctx, id).await?;
    if plan.plan_type() != PlanType::UnitPlan {
        return Err(AppError::NotFound);
    }
    Ok(plan)
}

/// A decimal as the reader writes it ([`rodtrad_domain::unit_plans::format_decimal`]).
pub(crate) fn number(tr: &crate::i18n::Tr, value: Decimal) -> String {
    rodtrad_domain::unit_plans::format_decimal(value, tr.code() == "en")
}

/// Maps a workflow refusal to the page: a rule (approving one's own plan, sending it back without
/// being its superior leader, a missing comment, a plan not delivered) is 422 with its message, as
/// the API answers it and as a signature on an agreement one is no party to is answered; a stale
/// version 409. The plan page comes back with the message. Having no rights on the plan at all stays
/// 403 ([`ServiceError::Forbidden`], passed on).
pub(crate) async fn workflow_refused(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    err: ServiceError,
    comment: String,
) -> AppResult<Response> {
    let (status, message) = match err {
        ServiceError::Rule(e) | ServiceError::Store(StoreError::Rule(e)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, ctx.tr.rule(&e))
        }
        ServiceError::Store(StoreError::Conflict) => (StatusCode::CONFLICT, ctx.tr.t("err-conflict")),
        e => return Err(e.into()),
    };
    let mut t = render_plan(state, ctx, id, Back::None, false).await?;
    if let Some(panel) = t.unit_plan.as_mut() {
        panel.error = Some(message);
        panel.comment = comment;
    }
    Ok((status, Html(t.render()?)).into_response())
}
