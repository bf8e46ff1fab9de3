//! A unit's letters with its economic frame and re-issue, one letter with its versions, an old
//! version with what changed since the one before, receipt by the unit's leader, and the PDF.

use super::*;

// ---------------------------------------------------------------- a unit's letters and frame

#[derive(Template)]
#[template(path = "letters/unit.html")]
pub(crate) struct UnitTemplate {
    pub(crate) p: Page,
    pub(crate) unit_id: i64,
    pub(crate) unit_name: String,
    pub(crate) letters: Vec<(Letter, String)>,
    pub(crate) can_manage: bool,
    pub(crate) year: i64,
    pub(crate) years: Vec<i64>,
    pub(crate) form: FrameForm,
    pub(crate) stored_frame: String,
    pub(crate) errors: FieldErrors,
    pub(crate) conflict: bool,
    pub(crate) saved: bool,
    pub(crate) issued: String,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct FrameForm {
    #[serde(default)]
    pub(crate) year: String,
    #[serde(default)]
    pub(crate) frame: String,
    #[serde(default)]
    pub(crate) version: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct UnitQuery {
    #[serde(default)]
    pub(crate) year: Option<String>,
    #[serde(default)]
    pub(crate) saved: Option<String>,
    #[serde(default)]
    pub(crate) issued: Option<String>,
}

/// The frame as typed back into the form: "4 250 000,50".
fn frame_text(letter: Option<&Letter>) -> String {
    letter.and_then(Letter::frame).map(format_frame).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn render_unit(
    state: &AppState,
    ctx: &Ctx,
    unit: i64,
    tree: &OrgTree,
    year: i64,
    form: Option<FrameForm>,
    errors: FieldErrors,
    conflict: bool,
    (saved, issued): (bool, String),
) -> AppResult<String> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let letters = state.db.letters_of_unit(mid, unit).await?;
    let current = letters.iter().find(|l| l.year == year);
    let stored = FrameForm {
        year: year.to_string(),
        frame: frame_text(current),
        version: current.map_or(0, |l| l.version).to_string(),
    };
    let stored_frame = amount(&ctx.tr, current.and_then(Letter::frame));
    let mut form = form.unwrap_or_else(|| stored.clone());
    if conflict {
        form.version = stored.version;
    }
    let unit_name = tree.name(unit);
    let t = UnitTemplate {
        p: ctx.page(ctx.tr.t1("letters-unit-title", "unit", &unit_name), "letters"),
        unit_id: unit,
        unit_name,
        letters: letters.into_iter().map(|l| (l.frame(), l)).map(|(f, l)| (l, amount(&ctx.tr, f))).collect(),
        can_manage: actor.can_manage_letters(),
        year,
        years: year_choices(state, mid).await?,
        form,
        stored_frame,
        errors,
        conflict,
        saved,
        issued,
    };
    Ok(t.render()?)
}

/// A unit's letters of every year; for the management staff the frame and re-issue forms.
pub(crate) async fn unit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Query(q): Query<UnitQuery>,
) -> AppResult<Response> {
    let tree = readable_unit(&state, &ctx, unit).await?;
    let year = parse_year(q.year.as_deref(), this_year())?;
    let notice = (q.saved.is_some(), q.issued.unwrap_or_default());
    let body = render_unit(&state, &ctx, unit, &tree, year, None, FieldErrors::default(), false, notice).await?;
    Ok(Html(body).into_response())
}

/// The unit page again with a message on `field` (422), or the conflict (409) with `form` kept.
pub(crate) async fn unit_form_error(
    state: &AppState,
    ctx: &Ctx,
    unit: i64,
    tree: &OrgTree,
    field: &'static str,
    message: String,
    form: Option<FrameForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    errors.add(field, message);
    let year = form.as_ref().and_then(|f| parse_year(Some(&f.year), this_year()).ok()).unwrap_or_else(this_year);
    let body = render_unit(state, ctx, unit, tree, year, form, errors, false, (false, String::new())).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

/// Sets the unit's economic frame of a year (management staff): an amount as typed in Norwegian
/// ("12 345 678,50") or with a decimal point; empty removes it. 422 with the values kept for bad
/// input, 409 with them kept when someone else saved first.
pub(crate) async fn frame_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Form(form): Form<FrameForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tree = readable_unit(&state, &ctx, unit).await?;
    if !actor.can_manage_letters() {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let year = parse_year(Some(&form.year), this_year()).map_err(|e| errors.add("year", ctx.tr.rule(&e))).ok();
    let frame = parse_frame(&form.frame).map_err(|e| errors.add("frame", ctx.tr.rule(&e))).ok();
    let version = crate::forms::version(&form.version).map_err(|e| errors.add("frame", ctx.tr.rule(&e))).ok();
    let mut conflict = false;
    if let (Some(year), Some(frame), Some(version)) = (year, frame, version) {
        match service::set_frame(&state.db, (actor, &ctx.author()?), unit, year, frame, version).await {
            Ok(_) => return Ok(Redirect::to(&format!("/letters/units/{unit}?year={year}&saved=1")).into_response()),
            Err(ServiceError::Store(StoreError::Conflict)) => {
                conflict = true;
                errors.add("frame", ctx.tr.t("err-conflict"));
            }
            Err(ServiceError::Rule(e) | ServiceError::Store(StoreError::Rule(e))) => {
                errors.add(if e.field == Some("year") { "year" } else { "frame" }, ctx.tr.rule(&e))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let shown_year = year.unwrap_or_else(this_year);
    let body = render_unit(&state, &ctx, unit, &tree, shown_year, Some(form), errors, conflict, (false, String::new()))
        .await?;
    Ok((status, Html(body)).into_response())
}

// ---------------------------------------------------------------- one letter

/// A goal as the letter shows it.
pub(crate) struct GoalView {
    pub(crate) text: String,
    pub(crate) sdg: String,
}

/// The version shown on the letter page.
pub(crate) struct Shown {
    pub(crate) version: LetterVersion,
    pub(crate) content: LetterContent,
    pub(crate) frame: String,
    pub(crate) goals: Vec<GoalView>,
    pub(crate) guidance: Markup,
}

#[derive(Template)]
#[template(path = "letters/letter.html")]
pub(crate) struct LetterTemplate {
    pub(crate) p: Page,
    pub(crate) letter: Letter,
    pub(crate) versions: Vec<LetterVersion>,
    pub(crate) shown: Option<Shown>,
    pub(crate) is_latest: bool,
    pub(crate) changes: Vec<ChangeView>,
    pub(crate) previous: Option<i64>,
    pub(crate) can_manage: bool,
    pub(crate) can_acknowledge: bool,
    pub(crate) notice: String,
    pub(crate) error: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct LetterQuery {
    #[serde(default)]
    pub(crate) acknowledged: Option<String>,
}

async fn render_letter(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    number: Option<i64>,
    notice: String,
    error: String,
) -> AppResult<String> {
    let (letter, _) = readable_letter(state, ctx, id).await?;
    let actor = ctx.actor()?;
    let versions = state.db.letter_versions(actor.municipality_id, id).await?;
    let index = match number {
        Some(n) => Some(versions.iter().position(|v| v.number == n).ok_or(AppError::NotFound)?),
        None => versions.len().checked_sub(1),
    };
    let is_latest = index.is_some_and(|i| i + 1 == versions.len());
    let changes = match index {
        Some(i) if i > 0 => change_views(&ctx.tr, &versions[i - 1].content.0, &versions[i].content.0),
        _ => Vec::new(),
    };
    let previous = index.filter(|i| *i > 0).map(|i| versions[i - 1].number);
    let shown = index.map(|i| {
        let version = versions[i].clone();
        let content = version.content.0.clone();
        Shown {
            frame: amount(&ctx.tr, content.frame),
            goals: content
                .goals
                .iter()
                .map(|g| GoalView {
                    text: g.text.clone(),
                    sdg: g.sdg.iter().map(|n| format!("SDG {n}")).collect::<Vec<_>>().join(", "),
                })
                .collect(),
            guidance: Markup::markdown(&content.guidance),
            content,
            version,
        }
    });
    let can_acknowledge = is_latest
        && actor.can_acknowledge_letter(letter.unit_id)
        && shown.as_ref().is_some_and(|s| s.version.acknowledged_at.is_none());
    let title = match &shown {
        Some(s) => ctx.tr.t1("letters-letter-title", "unit", format!("{} {}", s.content.unit, letter.year)),
        None => ctx.tr.t1("letters-letter-title", "unit", format!("{} {}", letter.unit_name, letter.year)),
    };
    let t = LetterTemplate {
        p: ctx.page(title, "letters"),
        can_manage: actor.can_manage_letters(),
        letter,
        versions,
        shown,
        is_latest,
        changes,
        previous,
        can_acknowledge,
        notice,
        error,
    };
    Ok(t.render()?)
}

/// A letter as last issued, its versions, receipt and PDF.
pub(crate) async fn letter_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<LetterQuery>,
) -> AppResult<Response> {
    let notice = if q.acknowledged.is_some() { ctx.tr.t("letters-acknowledged-notice") } else { String::new() };
    Ok(Html(render_letter(&state, &ctx, id, None, notice, String::new()).await?).into_response())
}

/// An issued version as it was, and what changed since the version before it.
pub(crate) async fn version_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, number)): Path<(i64, i64)>,
) -> AppResult<Response> {
    Ok(Html(render_letter(&state, &ctx, id, Some(number), String::new(), String::new()).await?).into_response())
}

/// An issued version as PDF, named after the unit and year.
pub(crate) async fn version_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, number)): Path<(i64, i64)>,
) -> AppResult<Response> {
    readable_letter(&state, &ctx, id).await?;
    let mid = ctx.actor()?.municipality_id;
    let versions = state.db.letter_versions(mid, id).await?;
    let version = versions.into_iter().find(|v| v.number == number).ok_or(AppError::NotFound)?;
    let content = version.content.0.clone();
    let disposition = pdf_disposition(&ctx.tr, &content, number);
    let pdf = render_pdf(&ctx.tr, content, &version).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub(crate) struct AcknowledgeForm {
    #[serde(default)]
    pub(crate) number: String,
}

/// The unit's leader acknowledges receipt of the latest version. Anyone else who reads the letter
/// is refused (403) with the rule's message and nothing changes.
pub(crate) async fn acknowledge(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<AcknowledgeForm>,
) -> AppResult<Response> {
    let (letter, _) = readable_letter(&state, &ctx, id).await?;
    let actor = ctx.actor()?;
    if !actor.can_acknowledge_letter(letter.unit_id) {
        return Ok(refused("err-letter-ack-not-leader"));
    }
    let outcome = match crate::forms::version(&form.number) {
        Ok(number) => service::acknowledge(&state.db, (actor, &ctx.author()?), &letter, number).await,
        Err(e) => Err(ServiceError::Rule(e)),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/letters/{id}?acknowledged=1")).into_response()),
        Err(ServiceError::Rule(e) | ServiceError::Store(StoreError::Rule(e))) => {
            let body = render_letter(&state, &ctx, id, None, String::new(), ctx.tr.rule(&e)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(e) => Ok(service_error(e)),
    }
}
