//! Issuing: every unit's letter of a year as a background job with a progress page (polled by htmx,
//! reloaded without JavaScript) and its summary, and one unit's letter again.

use super::*;

/// Up to this many units the job runs within the request (the page then shows the summary at
/// once); more go to the job runner while the progress page follows them.
const INLINE_UNITS: usize = 40;

#[derive(Deserialize, Default)]
pub(crate) struct IssueForm {
    #[serde(default)]
    pub(crate) year: String,
}

/// Queues the job that issues the year's letters for every unit and shows its progress. Refused
/// (422, nothing queued) when no adopted action programme covers the year.
pub(crate) async fn issue_all(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<IssueForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_letters() {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let year = match parse_year(Some(&form.year), this_year()) {
        Ok(y) => y,
        Err(e) => {
            errors.add("year", ctx.tr.rule(&e));
            let body = render_index(&state, &ctx, this_year(), errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response());
        }
    };
    match service::queue_issue_all(&state.db, (actor, &ctx.author()?), year).await {
        Ok(queued) => {
            if queued.units <= INLINE_UNITS {
                state.jobs.run_now(queued.job_id).await?;
            } else {
                state.jobs.wake();
            }
            Ok(Redirect::to(&format!("/letters/jobs/{}", queued.job_id)).into_response())
        }
        Err(ServiceError::Rule(e)) => {
            errors.add("year", ctx.tr.rule(&e));
            let body = render_index(&state, &ctx, year, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "letters/job.html")]
pub(crate) struct JobTemplate {
    pub(crate) p: Page,
    pub(crate) job: rodtrad_store::jobs::Job,
    pub(crate) year: i64,
    pub(crate) progress: IssueProgress,
    pub(crate) running: bool,
}

/// The progress of an issue job, and its summary when done.
pub(crate) async fn job_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_letters() {
        return Err(AppError::Forbidden);
    }
    let job = state.db.job(actor.municipality_id, id).await?;
    if job.kind != rodtrad_service::jobs::kind::LETTERS_ISSUE {
        return Err(AppError::NotFound);
    }
    let progress = IssueProgress::of(&job);
    let year = IssueProgress::year_of(&job).unwrap_or(progress.year);
    let running = matches!(job.state.as_str(), "queued" | "running");
    let t = JobTemplate {
        p: ctx.page(ctx.tr.t1("letters-job-title", "year", year), "letters"),
        job,
        year,
        progress,
        running,
    };
    Ok(Html(t.render()?).into_response())
}

/// Issues one unit's letter of a year again (a new version only when something changed).
pub(crate) async fn issue_one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Form(form): Form<IssueForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tree = readable_unit(&state, &ctx, unit).await?;
    if !actor.can_manage_letters() {
        return Err(AppError::Forbidden);
    }
    let year = match parse_year(Some(&form.year), this_year()) {
        Ok(y) => y,
        Err(e) => return unit_form_error(&state, &ctx, unit, &tree, "issue_year", ctx.tr.rule(&e), None).await,
    };
    match service::issue_one(&state.db, (actor, &ctx.author()?), unit, year).await {
        Ok(summary) => {
            let outcome = if !summary.first.is_empty() {
                "first"
            } else if !summary.reissued.is_empty() {
                "new"
            } else {
                "same"
            };
            Ok(Redirect::to(&format!("/letters/units/{unit}?year={year}&issued={outcome}")).into_response())
        }
        Err(ServiceError::Rule(e)) => {
            unit_form_error(&state, &ctx, unit, &tree, "issue_year", ctx.tr.rule(&e), None).await
        }
        Err(e) => Err(e.into()),
    }
}
