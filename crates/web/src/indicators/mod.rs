//! Indicators (*indikatorer*): one indicator's page with its definition, targets and bands, values,
//! chart and progress class (the method explained in the reader's language), value entry, the
//! definition form, CSV/XLSX of the values, a plan's indicators with their progress, and the import
//! of values from CSV/XLSX with a preview that names every bad row.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::org::Choice;
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rodtrad_domain::indicators::{
    Assessment, Band, Direction, Frequency, ProgressClass, RateMethod, ResultChain, SourceKind, Target, Thresholds,
    period_time,
};
use rodtrad_domain::plan::ElementKind;
use rodtrad_domain::{Actor, Role, RuleError};
use rodtrad_export::chart::{IndicatorChart, IndicatorLabels, format_number};
use rodtrad_service::indicators::{self as service, IndicatorView};
use rodtrad_store::StoreError;
use rodtrad_store::plans::{Element, Plan};
use serde::Deserialize;

pub mod api;
mod definition;
mod import;
mod list;
mod page;
mod settings;
pub(crate) use definition::*;
pub(crate) use import::*;
pub(crate) use list::*;
pub(crate) use page::*;
pub(crate) use settings::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("indicators")
        .get("/elements/{id}/indicator", indicator_page)
        .post("/elements/{id}/indicator/values", value_save)
        .get("/elements/{id}/indicator/definition", definition_page)
        .post("/elements/{id}/indicator/definition", definition_save)
        .get("/elements/{id}/indicator/values.csv", values_export::<crate::export::Csv>)
        .get("/elements/{id}/indicator/values.xlsx", values_export::<crate::export::Xlsx>)
        .get("/plans/{id}/indicators", plan_indicators)
        .get("/indicators/import", import_page)
        .post("/indicators/import", import_upload)
        .post("/indicators/import/confirm", import_confirm)
        .get("/indicators/settings", settings_page)
        .post("/indicators/settings", settings_save)
}

/// Who may use the import at all: whoever may edit some plan (leaders, delegates, the
/// municipality-wide staff); each row is then checked against the indicator it names.
pub(crate) fn may_import(a: &Actor) -> bool {
    a.has(Role::SystemAdmin) || a.has(Role::Management) || !a.led_units.is_empty() || !a.delegated_units.is_empty()
}

/// An indicator element the caller may read, with its plan and whether they may change its
/// definition and enter values.
pub(crate) struct Readable {
    pub(crate) element: Element,
    pub(crate) plan: Plan,
    pub(crate) may_define: bool,
    pub(crate) may_enter: bool,
}

pub(crate) async fn readable(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Readable> {
    let (element, plan, view) = crate::plans::readable_element(state, ctx, id).await?;
    if element.kind() != ElementKind::Indicator {
        return Err(AppError::NotFound);
    }
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    // Readers of the adopted version only (politicians, the auditor) never write.
    let working = view == crate::plans::PlanView::Working;
    let def = state.db.indicator_definition(actor.municipality_id, id).await?;
    Ok(Readable {
        may_define: working && service::may_define(actor, &tree, &plan),
        may_enter: working && service::may_enter_values(actor, &tree, &plan, def.as_ref()),
        element,
        plan,
    })
}

/// Label of a progress class with its code for the badge's CSS class.
pub(crate) struct ClassBadge {
    pub(crate) code: &'static str,
    pub(crate) label: String,
}

impl ClassBadge {
    /// Designsystemet colour of the tag (the label carries the meaning; the colour only repeats it).
    pub(crate) fn color(&self) -> &'static str {
        match self.code {
            "target_met" | "on_track" => "success",
            "moderate" => "warning",
            "off_track" | "moving_away" => "danger",
            _ => "neutral",
        }
    }
}

pub(crate) fn badge(ctx: &Ctx, class: ProgressClass) -> ClassBadge {
    ClassBadge { code: class.code(), label: ctx.tr.t(class.label_key()) }
}

/// A number as the reader's language writes it.
pub(crate) fn num(value: f64) -> String {
    let decimals = if value.fract().abs() < 1e-9 { 0 } else { 2 };
    format_number(value, decimals)
}

/// The explanation of an assessment in words: which figures gave which class.
pub(crate) fn explain(ctx: &Ctx, a: &Assessment, target: Option<&Target>, unit: &str) -> String {
    let rate = |r: f64| match a.method {
        RateMethod::Compound => format!("{} %", format_number(r * 100.0, 2)),
        RateMethod::Linear => format!("{} {unit}", format_number(r, 2)),
    };
    match (a.class, a.observed_rate, a.required_rate, a.ratio) {
        (ProgressClass::InsufficientData, ..) => ctx.tr.t("indicator-explain-insufficient"),
        (ProgressClass::TargetMet, ..) => match (a.latest, target) {
            (Some(l), Some(t)) => ctx.tr.rule(
                &RuleError::new("indicator-explain-met")
                    .with("value", num(l.value))
                    .with("target", num(t.desired))
                    .with("year", t.year.to_string()),
            ),
            _ => ctx.tr.t("progress-target-met"),
        },
        (_, Some(o), Some(r), Some(q)) => ctx.tr.rule(
            &RuleError::new(if a.method == RateMethod::Compound {
                "indicator-explain-ratio-compound"
            } else {
                "indicator-explain-ratio-linear"
            })
            .with("observed", rate(o))
            .with("required", rate(r))
            .with("ratio", format!("{} %", format_number(q * 100.0, 0))),
        ),
        _ => ctx.tr.t("indicator-explain-moving-away-hold"),
    }
}

/// The chart of one indicator.
pub(crate) fn chart(ctx: &Ctx, element: &Element, view: &IndicatorView) -> String {
    let unit = view.definition.as_ref().map(|d| d.unit.clone()).unwrap_or_default();
    let mut values: Vec<(f64, String, f64)> =
        view.values.iter().filter_map(|v| Some((period_time(&v.period)?, v.period.clone(), v.value?))).collect();
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let baseline = view.definition.as_ref().and_then(|d| d.baseline()).map(|b| (b.year, b.value));
    let description = ctx.tr.rule(
        &RuleError::new("indicator-chart-desc")
            .with("count", values.len().to_string())
            .with("first", values.first().map(|v| format!("{} ({})", num(v.2), v.1)).unwrap_or_default())
            .with("last", values.last().map(|v| format!("{} ({})", num(v.2), v.1)).unwrap_or_default())
            .with(
                "target",
                view.target.map(|t| format!("{} ({})", num(t.desired), t.year)).unwrap_or_else(|| "–".into()),
            ),
    );
    IndicatorChart {
        title: element.text.clone(),
        description,
        unit,
        values,
        baseline,
        targets: view.targets.iter().map(|t| (t.year, t.desired, t.acceptable)).collect(),
        labels: IndicatorLabels {
            observed: ctx.tr.t("indicator-legend-observed"),
            target: ctx.tr.t("indicator-legend-target"),
            band: ctx.tr.t("indicator-legend-band"),
            baseline: ctx.tr.t("indicator-legend-baseline"),
            path: ctx.tr.t("indicator-legend-path"),
        },
    }
    .to_svg(&format!("ind-{}", element.id))
}

/// Choices of a coded enum.
pub(crate) fn choices<T: Copy>(
    ctx: &Ctx,
    all: &[T],
    code: fn(T) -> &'static str,
    key: fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter().map(|v| Choice { value: code(*v).to_owned(), label: ctx.tr.t(key(*v)) }).collect()
}

/// The band label of a value, if any.
pub(crate) fn band_label(ctx: &Ctx, band: Option<Band>) -> String {
    band.map(|b| ctx.tr.t(b.label_key())).unwrap_or_default()
}

/// A direction's label.
pub(crate) fn direction_label(ctx: &Ctx, d: Direction) -> String {
    ctx.tr.t(d.label_key())
}

/// Keeps the compiler honest about the coded enums the forms offer.
pub(crate) fn all_codes() -> (&'static [ResultChain], &'static [Direction], &'static [SourceKind], &'static [Frequency])
{
    (ResultChain::ALL, Direction::ALL, SourceKind::ALL, Frequency::ALL)
}
