//! Risk management (*risikostyring*, issue #16 §1) under `/risk`: the overview with the risk picture
//! aggregated up the organisation (heat map as a hand-written accessible SVG with the same numbers
//! as a table, the units' tallies, the significant risks) and the year's analyses (`index.rs`); an
//! analysis (ROS) of a unit with its risks, CSV/XLSX and the add form (`analysis.rs`); a risk's edit,
//! removal and acceptance forms (`item.rs`); the matrix settings (`settings.rs`); `/api/v1/risk`
//! (`api.rs`). Readers and editors follow `Actor::can_read_risk` / `can_edit_risk` on the analysed
//! unit's line. Every edit sends its version: stale is 409 and bad input 422, the values kept.

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
use chrono::NaiveDate;
use rodtrad_domain::risk::{Band, Category, Matrix, RiskItemDraft, Treatment};
use rodtrad_service::ServiceError;
use rodtrad_service::risk as service;
use rodtrad_store::risk::StoredRisk;
use serde::Deserialize;

mod analysis;
pub mod api;
mod index;
mod item;
mod settings;
mod svg;
pub(crate) use analysis::*;
pub(crate) use index::*;
pub(crate) use item::*;
pub(crate) use settings::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("risk")
        .nav(NavEntry::all(19, "/risk", "risk-nav", "risk"))
        .get("/risk", index_page)
        .post("/risk", analysis_create)
        .get("/risk/matrix", matrix_page)
        .post("/risk/matrix", matrix_save)
        .get("/risk/analyses/{analysis}", analysis_page)
        .post("/risk/analyses/{analysis}", summary_save)
        .post("/risk/analyses/{analysis}/risks", risk_add)
        .get("/risk/analyses/{analysis}/export.csv", analysis_export::<crate::export::Csv>)
        .get("/risk/analyses/{analysis}/export.xlsx", analysis_export::<crate::export::Xlsx>)
        .get("/risk/risks/{risk}", risk_edit)
        .post("/risk/risks/{risk}", risk_save)
        .post("/risk/risks/{risk}/remove", risk_remove)
        .post("/risk/risks/{risk}/accept", risk_accept)
}

pub(crate) use crate::forms::today;

/// Maps a refused write to the status and message a form shows again.
pub(crate) fn refusal(tr: &Tr, err: ServiceError) -> AppResult<(StatusCode, Option<&'static str>, String)> {
    crate::error::field_refusal(tr, err)
}

pub(crate) use crate::forms::field;

/// The choices of a level select: «3 – Mulig».
pub(crate) fn level_choices(words: &[String]) -> Vec<Choice> {
    words
        .iter()
        .enumerate()
        .map(|(i, w)| Choice { value: (i + 1).to_string(), label: format!("{} – {w}", i + 1) })
        .collect()
}

/// The choices of the category select.
pub(crate) fn category_choices(tr: &Tr) -> Vec<Choice> {
    Category::CODES.iter().map(|c| Choice { value: (*c).into(), label: tr.t(Category::label_key(c)) }).collect()
}

/// The choices of the treatment select.
pub(crate) fn treatment_choices(tr: &Tr) -> Vec<Choice> {
    Treatment::ALL.iter().map(|t| Choice { value: t.code().into(), label: tr.t(t.label_key()) }).collect()
}

/// A category as shown: the fixed name, or the municipality's own wording.
pub(crate) fn category_name(tr: &Tr, c: &Category) -> String {
    match c {
        Category::Own(label) => label.clone(),
        other => tr.t(Category::label_key(other.code())),
    }
}

/// A treatment measure as shown.
pub(crate) struct MeasureView {
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) deadline: String,
}

/// A risk as the pages show it.
pub(crate) struct RiskView {
    pub(crate) id: i64,
    pub(crate) description: String,
    pub(crate) cause: String,
    pub(crate) consequence_text: String,
    pub(crate) category: String,
    pub(crate) inherent: String,
    pub(crate) current: String,
    pub(crate) residual: String,
    pub(crate) band_code: &'static str,
    pub(crate) band: String,
    pub(crate) treatment: String,
    pub(crate) review_on: String,
    pub(crate) authority: String,
    pub(crate) acceptance: String,
    pub(crate) measures: Vec<MeasureView>,
}

/// «L × K = S».
pub(crate) fn product(a: rodtrad_domain::risk::Assessment) -> String {
    format!("{} × {} = {}", a.likelihood.get(), a.consequence.get(), a.score())
}

impl RiskView {
    pub(crate) fn of(tr: &Tr, matrix: &Matrix, r: &StoredRisk, today: NaiveDate) -> RiskView {
        let x = &r.item;
        let band = x.band(matrix);
        let acceptance = match &r.acceptance {
            Some(a) if a.acceptance.holds(band, today) => tr.rule(
                &rodtrad_domain::RuleError::new("risk-accepted-by")
                    .with("name", a.by.clone())
                    .with("level", a.acceptance.level.to_string())
                    .with("until", tr.date(a.acceptance.expires_on)),
            ),
            Some(a) => tr.t1("risk-acceptance-lapsed", "until", tr.date(a.acceptance.expires_on)),
            None => String::new(),
        };
        RiskView {
            id: r.id,
            description: x.description.clone(),
            cause: x.cause.clone(),
            consequence_text: x.consequence_text.clone(),
            category: category_name(tr, &x.category),
            inherent: product(x.inherent),
            current: product(x.current),
            residual: product(x.residual),
            band_code: band.code(),
            band: tr.t(band.label_key()),
            treatment: tr.t(x.treatment.label_key()),
            review_on: x.review_on.map(|d| tr.date(d)).unwrap_or_default(),
            authority: tr.t(band.authority().label_key()),
            acceptance,
            measures: r
                .measures
                .iter()
                .map(|m| MeasureView {
                    id: m.id,
                    text: m.text.clone(),
                    deadline: m.deadline.map(|d| tr.date(d)).unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// A band's name with its code, for the legend and the tables.
pub(crate) struct BandView {
    pub(crate) code: &'static str,
    pub(crate) label: String,
}

/// Every band, lowest first.
pub(crate) fn bands(tr: &Tr) -> Vec<BandView> {
    Band::ALL.iter().map(|b| BandView { code: b.code(), label: tr.t(b.label_key()) }).collect()
}

/// The risk fields of a posted form and the chosen treatment measures.
pub(crate) fn draft_of(form: &[(String, String)]) -> (RiskItemDraft, Vec<String>) {
    let f = |n: &str| field(form, n).to_owned();
    let draft = RiskItemDraft {
        description: f("description"),
        cause: f("cause"),
        consequence_text: f("consequence_text"),
        category: f("category"),
        category_label: f("category_label"),
        inherent_likelihood: f("inherent_likelihood"),
        inherent_consequence: f("inherent_consequence"),
        current_likelihood: f("current_likelihood"),
        current_consequence: f("current_consequence"),
        residual_likelihood: f("residual_likelihood"),
        residual_consequence: f("residual_consequence"),
        treatment: f("treatment"),
        review_on: f("review_on"),
    };
    let measures = form.iter().filter(|(k, _)| k == "measures").map(|(_, v)| v.clone()).collect();
    (draft, measures)
}

/// A risk's fields checked against the matrix, with the measure ids; or the messages by field.
pub(crate) fn parse_risk(
    tr: &Tr,
    matrix: &Matrix,
    draft: &RiskItemDraft,
    measures: &[String],
) -> Result<(rodtrad_domain::risk::RiskItem, Vec<i64>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let ids: Vec<i64> = measures.iter().filter_map(|m| m.trim().parse().ok()).collect();
    if ids.len() != measures.len() {
        errors.add("measures", tr.t("err-risk-measure"));
    }
    match draft.parse(matrix) {
        Ok(item) if errors.is_empty() => Ok((item, ids)),
        Ok(_) => Err(errors),
        Err(list) => {
            for e in list {
                errors.add(e.field.unwrap_or("description"), tr.rule(&e));
            }
            Err(errors)
        }
    }
}

/// A measure a risk may link to, with whether it is chosen.
pub(crate) struct MeasureChoiceView {
    pub(crate) id: i64,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

/// The measures of the analysed unit as checkboxes, the chosen ones checked (and kept even when
/// they are not the unit's own any more).
pub(crate) async fn measure_choices(
    state: &AppState,
    tr: &Tr,
    municipality_id: i64,
    unit_id: i64,
    chosen: &[String],
    linked: &[rodtrad_store::risk::LinkedMeasure],
) -> AppResult<Vec<MeasureChoiceView>> {
    let mut out: Vec<MeasureChoiceView> = state
        .db
        .risk_measure_choices(municipality_id, unit_id)
        .await?
        .into_iter()
        .map(|m| MeasureChoiceView {
            id: m.id,
            label: match m.deadline {
                Some(d) => format!("{} ({})", m.text, tr.date(d)),
                None => m.text,
            },
            checked: chosen.contains(&m.id.to_string()),
        })
        .collect();
    for l in linked {
        if !out.iter().any(|m| m.id == l.id) {
            out.push(MeasureChoiceView {
                id: l.id,
                label: l.text.clone(),
                checked: chosen.contains(&l.id.to_string()),
            });
        }
    }
    Ok(out)
}

/// `?saved=1` after a redirect.
#[derive(Debug, Deserialize)]
pub(crate) struct SavedQuery {
    pub(crate) saved: Option<String>,
}

/// The unit's name, or its id when it is gone.
pub(crate) async fn unit_name(state: &AppState, municipality_id: i64, unit_id: i64) -> AppResult<String> {
    let tree = state.org_tree(municipality_id).await?;
    Ok(tree.get(unit_id).map(|u| u.name.clone()).unwrap_or_else(|| unit_id.to_string()))
}

/// An analysis's title: «ROS 2027 – Xskolen».
pub(crate) fn analysis_title(tr: &Tr, year: i64, unit: &str) -> String {
    tr.rule(
        &rodtrad_domain::RuleError::new("risk-analysis-title")
            .with("year", year.to_string())
            .with("unit", unit.to_owned()),
    )
}
