//! Assignment letters (*oppdragsbrev*): the list per year with CSV and XLSX, issuing every unit's
//! letter as a background job with a progress page, a unit's letters with its economic frame and
//! re-issue, one letter with its versions, what changed between them, receipt and the PDF, the
//! guidance template editor, and the expected result of an assignment.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult, ErrorPage};
use crate::export::{Csv, Format, TableNames, Xlsx, table_download};
use crate::i18n::Tr;
use crate::pages::{FieldErrors, Page};
use crate::routes::{NavEntry, Routes};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, Utc};
use rodtrad_domain::letters::{LetterChange, LetterContent, diff, format_frame, parse_frame};
use rodtrad_domain::{Actor, Role};
use rodtrad_service::ServiceError;
use rodtrad_service::letters::{self as service, IssueProgress, PdfLabels};
use rodtrad_store::StoreError;
use rodtrad_store::letters::{Letter, LetterVersion, letter_units};
use rodtrad_store::org::OrgTree;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::sync::Arc;

pub mod api;
mod expected;
mod issue;
mod letter;
mod list;
mod template;
pub(crate) use expected::*;
pub(crate) use issue::*;
pub(crate) use letter::*;
pub(crate) use list::*;
pub(crate) use template::*;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("letters")
        .nav(NavEntry { order: 14, href: "/letters", key: "letters-nav", section: "letters", visible: sees_letters })
        .get("/letters", index)
        .get("/letters/export.csv", export::<Csv>)
        .get("/letters/export.xlsx", export::<Xlsx>)
        .post("/letters/issue", issue_all)
        .get("/letters/jobs/{job}", job_page)
        .get("/letters/template", template_page)
        .post("/letters/template", template_save)
        .get("/letters/units/{unit}", unit_page)
        .post("/letters/units/{unit}/frame", frame_save)
        .post("/letters/units/{unit}/issue", issue_one)
        .get("/letters/{letter}", letter_page)
        .get("/letters/{letter}/versions/{number}", version_page)
        .get("/letters/{letter}/versions/{number}/pdf", version_pdf)
        .post("/letters/{letter}/acknowledge", acknowledge)
        .post("/elements/{id}/expected-result", expected_result_save)
}

/// Who may read any letter at all, and so finds them in the navigation: the management staff, the
/// auditor, leaders, delegates and the employees of a unit (each then sees what
/// `Actor::can_read_letter` allows). Politicians do not.
pub(crate) fn sees_letters(a: &Actor) -> bool {
    a.has(Role::SystemAdmin)
        || a.has(Role::Management)
        || a.has(Role::Auditor)
        || !a.led_units.is_empty()
        || !a.delegated_units.is_empty()
        || a.own_unit.is_some()
}

/// The current year (the default of the year fields).
pub(crate) fn this_year() -> i64 {
    i64::from(Utc::now().year())
}

/// A year from a query or form field: empty is `default`; anything but a year 2000–2100 is refused.
pub(crate) fn parse_year(raw: Option<&str>, default: i64) -> Result<i64, rodtrad_domain::RuleError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| rodtrad_domain::RuleError::new("err-letter-year").on("year")),
    }
}

/// An amount in kroner as the reader writes it ("4 250 000 kr", "NOK 4 250 000").
pub(crate) fn amount(tr: &Tr, value: Option<Decimal>) -> String {
    match value {
        Some(v) => tr.t1("letters-amount", "amount", format_frame(v)),
        None => tr.t("letters-no-frame"),
    }
}

/// The letter of the caller's municipality, if the caller may read it (403 otherwise; another
/// municipality's ids are not found).
pub(crate) async fn readable_letter(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Letter, Arc<OrgTree>)> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let letter = state.db.letter(mid, id).await?;
    let tree = state.org_tree(mid).await?;
    if !service::may_read(actor, &tree, &letter) {
        return Err(AppError::Forbidden);
    }
    Ok((letter, tree))
}

/// A unit of the caller's municipality whose letters the caller may read.
pub(crate) async fn readable_unit(state: &AppState, ctx: &Ctx, unit: i64) -> AppResult<Arc<OrgTree>> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    if tree.get(unit).is_none() {
        return Err(AppError::NotFound);
    }
    if !actor.can_read_letter(&tree.ancestry(unit)) {
        return Err(AppError::Forbidden);
    }
    Ok(tree)
}

/// A refusal with its own message (403 with the rule's words, as a page or as JSON under `/api/`),
/// for a rule about the caller rather than the input: acknowledging another unit's letter.
pub(crate) fn refused(key: &'static str) -> Response {
    let mut response = StatusCode::FORBIDDEN.into_response();
    response.extensions_mut().insert(ErrorPage { key, args: Vec::new(), field: None });
    response
}

/// A service failure as a handler's error: the caller-rule `err-letter-ack-not-leader` is a 403
/// with its own message; other rules are 422, stale versions 409.
pub(crate) fn service_error(e: ServiceError) -> Response {
    match e {
        ServiceError::Rule(r) if r.key == "err-letter-ack-not-leader" => refused("err-letter-ack-not-leader"),
        other => AppError::from(other).into_response(),
    }
}

/// The words of the PDF in the reader's language.
pub(crate) fn pdf_labels(tr: &Tr) -> PdfLabels {
    PdfLabels {
        title: tr.t("letters-pdf-title"),
        page: tr.t("letters-pdf-page"),
        of: tr.t("letters-pdf-of"),
        frame: tr.t("letters-frame"),
        no_frame: tr.t("letters-no-frame"),
        goals: tr.t("letters-goals"),
        assignments: tr.t("letters-assignments"),
        expected: tr.t("letters-expected-result"),
        deadline: tr.t("letters-deadline"),
        given_to: tr.t("letters-given-to"),
        guidance: tr.t("letters-guidance"),
        version: tr.t("letters-version"),
    }
}

/// The PDF of a version, rendered on a blocking thread (typst is CPU work).
pub(crate) async fn render_pdf(tr: &Tr, content: LetterContent, v: &LetterVersion) -> AppResult<Vec<u8>> {
    let labels = pdf_labels(tr);
    let date = tr.date(v.issued_at);
    let number = v.number;
    tokio::task::spawn_blocking(move || service::letter_pdf(&content, number, &date, &labels))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::Internal)
}

/// The file name of a letter's PDF: "Oppdragsbrev_Hvalstad_skole_2027_v2.pdf".
pub(crate) fn pdf_disposition(tr: &Tr, content: &LetterContent, number: i64) -> String {
    let name = format!("{} {} {} v{number}", tr.t("letters-pdf-title"), content.unit, content.year);
    crate::export::attachment(&name, "pdf")
}

/// One change between two versions, in the reader's words.
pub(crate) struct ChangeView {
    pub(crate) label: String,
    pub(crate) before: Option<String>,
    pub(crate) after: Option<String>,
}

/// What changed from `before` to `after`, for the "what changed" list.
pub(crate) fn change_views(tr: &Tr, before: &LetterContent, after: &LetterContent) -> Vec<ChangeView> {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| tr.date(d)).unwrap_or_else(|| "–".into());
    let assignment = |a: &rodtrad_domain::letters::LetterAssignment| {
        let mut parts = vec![a.text.clone()];
        if let Some(e) = &a.expected_result {
            parts.push(format!("{}: {e}", tr.t("letters-expected-result")));
        }
        parts.push(format!("{}: {}", tr.t("letters-deadline"), date(a.deadline)));
        if let Some(g) = &a.goal {
            parts.push(format!("{}: {g}", tr.t("letters-goal")));
        }
        parts.join(" · ")
    };
    diff(before, after)
        .into_iter()
        .map(|c| {
            let label = tr.t(c.key());
            let (before, after) = match c {
                LetterChange::Frame { before, after } => (Some(amount(tr, before)), Some(amount(tr, after))),
                LetterChange::GoalAdded(t) | LetterChange::AssignmentAdded(t) => (None, Some(t)),
                LetterChange::GoalRemoved(t) | LetterChange::AssignmentRemoved(t) => (Some(t), None),
                LetterChange::GoalChanged { before, after } => (Some(before), Some(after)),
                LetterChange::AssignmentChanged { before, after } => {
                    (Some(assignment(&before)), Some(assignment(&after)))
                }
                LetterChange::Guidance => (None, None),
            };
            ChangeView { label, before, after }
        })
        .collect()
}

/// HTML that is safe to show as it is: Markdown rendered and sanitised as plan text is.
pub(crate) struct Markup(pub(crate) String);

impl Markup {
    /// Markdown rendered and sanitised.
    pub(crate) fn markdown(source: &str) -> Self {
        Self(rodtrad_export::markdown_to_safe_html(source))
    }
}

impl std::fmt::Display for Markup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The year query of the list pages.
#[derive(Deserialize, Default)]
pub(crate) struct YearQuery {
    #[serde(default)]
    pub(crate) year: Option<String>,
}
