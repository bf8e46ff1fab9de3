//! The annual cycle (*årshjul*, issue #15 §4) under `/annual-cycle`: the list of wheels with the
//! form that makes one from the template (`wheel.rs`), a wheel as an accessible SVG with the same
//! activities as a list grouped by month, CSV/XLSX, the January *årshjul case* for the council as a
//! printable page, the activity forms (`activity.rs`) and the template page (`template.rs`).
//! Everybody signed in to the municipality reads; the performance-management staff and system
//! administrators edit (`Actor::can_manage_annual_cycle`). Every edit sends its version: stale is
//! 409 and bad input 422, both with the typed values kept.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
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
use chrono::{Datelike, NaiveDate};
use rodtrad_domain::Actor;
use rodtrad_domain::annual_cycle::{ActivityKind, Cycle, DeadlineKind};
use rodtrad_service::annual_cycle as service;
use rodtrad_store::annual_cycle::{StoredActivity, Wheel};
use serde::Deserialize;

mod activity;
pub mod api;
pub mod calendar;
mod svg;
mod template;
mod wheel;
pub(crate) use activity::*;
pub(crate) use calendar::*;
pub(crate) use template::*;
pub(crate) use wheel::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("annual_cycle")
        .nav(NavEntry::all(17, "/annual-cycle", "cycle-nav", "annual_cycle"))
        .get("/annual-cycle", index_page)
        .post("/annual-cycle", wheel_create)
        .get("/annual-cycle/template", template_page)
        .post("/annual-cycle/template", template_add)
        .post("/annual-cycle/template/remove", template_remove)
        .get("/annual-cycle/wheels/{wheel}", wheel_page)
        .post("/annual-cycle/wheels/{wheel}/activities", activity_add)
        .get("/annual-cycle/wheels/{wheel}/export.csv", wheel_export::<crate::export::Csv>)
        .get("/annual-cycle/wheels/{wheel}/export.xlsx", wheel_export::<crate::export::Xlsx>)
        .get("/annual-cycle/wheels/{wheel}/case", case_page)
        .get("/annual-cycle/wheels/{wheel}/case.pdf", case_pdf)
        .get("/annual-cycle/activities/{activity}", activity_edit)
        .post("/annual-cycle/activities/{activity}", activity_save)
        .post("/annual-cycle/activities/{activity}/remove", activity_remove)
        .get("/calendar/{token}/mine.ics", calendar_mine)
        .get("/calendar/{token}/units/{unit}/calendar.ics", calendar_unit)
}

/// The caller, when they may edit the wheels (403 otherwise).
pub(crate) fn manager(ctx: &Ctx) -> AppResult<&Actor> {
    let actor = ctx.actor()?;
    if !actor.can_manage_annual_cycle() {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

pub(crate) use crate::error::refusal;

pub(crate) use crate::forms::field;

/// Message keys of the months' names (the reports name months with the same keys).
const MONTHS: [&str; 12] = rodtrad_service::reports::MONTH_KEYS;

/// Message keys of the months' short names, for the wheel's sectors.
const MONTHS_SHORT: [&str; 12] = [
    "cycle-month-short-1",
    "cycle-month-short-2",
    "cycle-month-short-3",
    "cycle-month-short-4",
    "cycle-month-short-5",
    "cycle-month-short-6",
    "cycle-month-short-7",
    "cycle-month-short-8",
    "cycle-month-short-9",
    "cycle-month-short-10",
    "cycle-month-short-11",
    "cycle-month-short-12",
];

/// The name of a month (1–12) in the reader's language.
pub(crate) fn month_name(tr: &Tr, month: u32) -> String {
    MONTHS.get(month.wrapping_sub(1) as usize).map(|k| tr.t(k)).unwrap_or_default()
}

/// The short name of a month (1–12).
pub(crate) fn month_short(tr: &Tr, month: u32) -> String {
    MONTHS_SHORT.get(month.wrapping_sub(1) as usize).map(|k| tr.t(k)).unwrap_or_default()
}

/// A wheel's title: «Årshjul 2027» or «Fireårshjul 2024–2027».
pub(crate) fn wheel_title(tr: &Tr, w: &Wheel) -> String {
    match w.cycle {
        Cycle::Year => tr.t1("cycle-title-year", "year", w.first_year),
        Cycle::Period => tr.t1("cycle-title-period", "years", format!("{}–{}", w.first_year, w.first_year + 3)),
    }
}

/// The choices of the kind select.
pub(crate) fn kind_choices(tr: &Tr) -> Vec<Choice> {
    ActivityKind::ALL.iter().map(|k| Choice { value: k.code().into(), label: tr.t(k.label_key()) }).collect()
}

/// The choices of the deadline select.
pub(crate) fn deadline_choices(tr: &Tr) -> Vec<Choice> {
    DeadlineKind::ALL.iter().map(|k| Choice { value: k.code().into(), label: tr.t(k.label_key()) }).collect()
}

/// The choices of the wheel-kind select.
pub(crate) fn cycle_choices(tr: &Tr) -> Vec<Choice> {
    Cycle::ALL.iter().map(|k| Choice { value: k.code().into(), label: tr.t(k.label_key()) }).collect()
}

/// The municipality's valid units as choices, by name.
pub(crate) async fn unit_choices(state: &AppState, ctx: &Ctx) -> AppResult<Vec<Choice>> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let today = chrono::Utc::now().date_naive();
    let mut units: Vec<Choice> = tree
        .units()
        .iter()
        .filter(|u| u.is_valid_on(today))
        .map(|u| Choice { value: u.id.to_string(), label: u.name.clone() })
        .collect();
    units.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(units)
}

/// An activity as the pages show it.
pub(crate) struct ActivityView {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) kind: String,
    pub(crate) dates: String,
    pub(crate) starts_on: String,
    pub(crate) responsible: String,
    pub(crate) unit: String,
    pub(crate) deadline: String,
}

impl ActivityView {
    pub(crate) fn of(tr: &Tr, a: &StoredActivity, unit: String) -> ActivityView {
        let x = &a.activity;
        ActivityView {
            id: a.id,
            title: x.title.clone(),
            kind: tr.t(x.kind.label_key()),
            dates: dates(tr, x.starts_on, x.ends_on),
            starts_on: x.starts_on.to_string(),
            responsible: x.responsible.clone(),
            unit,
            deadline: x.deadline.map(|d| tr.t(d.label_key())).unwrap_or_default(),
        }
    }
}

/// A date or a span of dates as shown.
pub(crate) fn dates(tr: &Tr, from: NaiveDate, to: NaiveDate) -> String {
    if from == to { tr.date(from) } else { format!("{}–{}", tr.date(from), tr.date(to)) }
}

/// A group of activities: a month (of a year, for the four-year wheel).
pub(crate) struct MonthGroup {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) activities: Vec<ActivityView>,
}

/// Activities grouped by the month they start in, in date order.
pub(crate) fn by_month(
    tr: &Tr,
    wheel: &Wheel,
    activities: &[StoredActivity],
    unit_name: impl Fn(Option<i64>) -> String,
) -> Vec<MonthGroup> {
    let mut groups: Vec<MonthGroup> = Vec::new();
    for a in activities {
        let d = a.activity.starts_on;
        let id = format!("m-{}-{:02}", d.year(), d.month());
        let name = match wheel.cycle {
            Cycle::Year => month_name(tr, d.month()),
            Cycle::Period => format!("{} {}", month_name(tr, d.month()), d.year()),
        };
        let view = ActivityView::of(tr, a, unit_name(a.unit_id));
        match groups.last_mut() {
            Some(g) if g.id == id => g.activities.push(view),
            _ => groups.push(MonthGroup { id, name, activities: vec![view] }),
        }
    }
    groups
}

/// `?saved=1` after a redirect.
#[derive(Debug, Deserialize)]
pub(crate) struct SavedQuery {
    pub(crate) saved: Option<String>,
}

/// The help text of the date fields: the wheel's first and last day.
pub(crate) fn span_help(tr: &Tr, (from, to): (NaiveDate, NaiveDate)) -> String {
    tr.rule(
        &rodtrad_domain::RuleError::new("cycle-field-span-help").with("from", tr.date(from)).with("to", tr.date(to)),
    )
}

/// A rule's message with its ISO dates (the wheel's span) written as the reader writes dates.
pub(crate) fn rule_message(tr: &Tr, e: &rodtrad_domain::RuleError) -> String {
    let mut e = e.clone();
    for (_, v) in e.args.iter_mut() {
        if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            *v = tr.date(d);
        }
    }
    tr.rule(&e)
}
