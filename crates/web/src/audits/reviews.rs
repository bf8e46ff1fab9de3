//! The management review (*ledelsens gjennomgang*, April in the annual cycle): `/audits/reviews`
//! lists the years held; `/audits/reviews/{year}` shows a year's record of inputs and decisions
//! beside the year's figures (audits, findings, deviations, flagged controls), with the staff's
//! form.

use super::*;
use rodtrad_domain::audits::ReviewDraft;

/// A year in the list.
pub(crate) struct YearView {
    year: i64,
    held_on: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "audits/reviews.html")]
pub(crate) struct ReviewsTemplate {
    p: Page,
    years: Vec<YearView>,
    this_year: i32,
    manages: bool,
}

fn reader(ctx: &Ctx) -> AppResult<&rodtrad_domain::Actor> {
    let actor = ctx.actor()?;
    if !actor.can_read_reviews() {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

pub(crate) async fn index_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let tr = &ctx.tr;
    let t = ReviewsTemplate {
        p: ctx.page(tr.t("review-title"), "audits"),
        years: state
            .db
            .reviews(actor.municipality_id)
            .await?
            .into_iter()
            .map(|r| YearView {
                year: r.year,
                held_on: tr.date(r.held_on),
                updated: format!("{}, {}", r.updated_by, tr.datetime(r.updated_at)),
            })
            .collect(),
        this_year: chrono::Datelike::year(&today()),
        manages: actor.can_manage_audits(),
    };
    Ok(Html(t.render()?).into_response())
}

#[derive(Template)]
#[template(path = "audits/review.html")]
pub(crate) struct ReviewTemplate {
    p: Page,
    year: i32,
    held: bool,
    updated: String,
    shown: ReviewDraft,
    figures: Vec<(String, String)>,
    manages: bool,
    version: String,
    draft: ReviewDraft,
    errors: FieldErrors,
    saved: bool,
}

/// The year's figures the review looks at, as (label, value).
async fn figures(state: &AppState, ctx: &Ctx, year: i32) -> AppResult<Vec<(String, String)>> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let today = today();
    let f = service::year_figures(&state.db, actor, year, today).await?;
    let mut out: Vec<(String, String)> = f.audits.iter().map(|(k, n)| (tr.t(k.label_key()), n.to_string())).collect();
    out.push((tr.t("review-fig-findings"), f.findings.to_string()));
    out.push((tr.t("review-fig-open"), format!("{} ({} {})", f.open, f.late, tr.t("review-fig-late"))));
    let facts = state.db.deviation_facts(actor.municipality_id, year).await?;
    let incidents = facts.iter().filter(|d| d.kind == rodtrad_domain::deviations::Kind::Incident).count();
    out.push((tr.t("review-fig-deviations"), incidents.to_string()));
    out.push((tr.t("review-fig-ideas"), (facts.len() - incidents).to_string()));
    let rows = rodtrad_service::internal_control::list(&state.db, actor, year, today).await?;
    out.push((
        tr.t("review-fig-controls"),
        format!("{} / {}", rows.iter().filter(|r| r.standing.flagged()).count(), rows.len()),
    ));
    Ok(out)
}

async fn review_view(state: &AppState, ctx: &Ctx, year: i32) -> AppResult<ReviewTemplate> {
    let actor = reader(ctx)?;
    let tr = &ctx.tr;
    let review = state.db.review(actor.municipality_id, year).await?;
    let shown = review
        .as_ref()
        .map(|r| ReviewDraft {
            held_on: tr.date(r.held_on),
            participants: r.participants.clone(),
            inputs: r.inputs.clone(),
            decisions: r.decisions.clone(),
        })
        .unwrap_or_default();
    Ok(ReviewTemplate {
        p: ctx.page(format!("{} {year}", tr.t("review-title")), "audits"),
        year,
        held: review.is_some(),
        updated: review
            .as_ref()
            .map(|r| format!("{}, {}", r.updated_by, tr.datetime(r.updated_at)))
            .unwrap_or_default(),
        draft: ReviewDraft {
            held_on: review.as_ref().map(|r| r.held_on.format("%d.%m.%Y").to_string()).unwrap_or_default(),
            ..shown.clone()
        },
        shown,
        figures: figures(state, ctx, year).await?,
        manages: actor.can_manage_audits(),
        version: review.map(|r| r.version.to_string()).unwrap_or_default(),
        errors: FieldErrors::default(),
        saved: false,
    })
}

/// A year from the path: 2000 to 2100, else 404.
fn year_in(raw: &str) -> AppResult<i32> {
    raw.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y)).ok_or(AppError::NotFound)
}

pub(crate) async fn review_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(year): Path<String>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let mut t = review_view(&state, &ctx, year_in(&year)?).await?;
    t.saved = q.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

/// Saves the year's review: to the page, or 422/409 with the text kept.
pub(crate) async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(year): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let year = year_in(&year)?;
    let actor = reader(&ctx)?;
    if !actor.can_manage_audits() {
        return Err(AppError::Forbidden);
    }
    let draft = ReviewDraft {
        held_on: field(&form, "held_on").into(),
        participants: field(&form, "participants").into(),
        inputs: field(&form, "inputs").into(),
        decisions: field(&form, "decisions").into(),
    };
    let version = crate::forms::version_if_saved(field(&form, "version"));
    let errors: Vec<(Option<&'static str>, String)>;
    let status = match draft.parse(year) {
        Ok(new) => match service::save_review(&state.db, (actor, &ctx.author()?), year, version, &new).await {
            Ok(_) => return Ok(Redirect::to(&format!("/audits/reviews/{year}?saved=1")).into_response()),
            Err(e) => {
                let (status, field, message) = crate::error::field_refusal(&ctx.tr, e)?;
                errors = vec![(field, message)];
                status
            }
        },
        Err(e) => {
            errors = e.iter().map(|e| (e.field, ctx.tr.rule(e))).collect();
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let mut t = review_view(&state, &ctx, year).await?;
    for (f, m) in errors {
        t.errors.add(f.unwrap_or("held_on"), m);
    }
    t.draft = draft;
    Ok((status, Html(t.render()?)).into_response())
}
