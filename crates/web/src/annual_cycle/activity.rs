//! An activity's forms: added on the wheel's page, edited and removed on its own page. Bad input
//! is 422 and a stale version 409, each with the typed values kept.

use super::*;
use rodtrad_domain::annual_cycle::ActivityDraft;
use rodtrad_store::annual_cycle::ActivityInput;

/// The activity fields of a posted form.
fn draft_of(form: &[(String, String)]) -> (ActivityDraft, String) {
    let d = ActivityDraft {
        title: field(form, "title").to_owned(),
        kind: field(form, "kind").to_owned(),
        starts_on: field(form, "starts_on").to_owned(),
        ends_on: field(form, "ends_on").to_owned(),
        responsible: field(form, "responsible").to_owned(),
        deadline: field(form, "deadline").to_owned(),
    };
    (d, field(form, "unit").to_owned())
}

/// Checks a posted activity against the wheel's span: the input, or the messages by field.
fn parse(tr: &Tr, wheel: &Wheel, draft: &ActivityDraft, unit: &str) -> Result<ActivityInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let unit_id = if unit.trim().is_empty() {
        None
    } else {
        match unit.trim().parse::<i64>() {
            Ok(u) => Some(u),
            Err(_) => {
                errors.add("unit", tr.rule(&rodtrad_domain::RuleError::new("err-cycle-unit")));
                None
            }
        }
    };
    match draft.parse(wheel.span()) {
        Ok(activity) if errors.is_empty() => Ok(ActivityInput { activity, unit_id }),
        Ok(_) => Err(errors),
        Err(list) => {
            for e in list {
                errors.add(e.field.unwrap_or("title"), rule_message(tr, &e));
            }
            Err(errors)
        }
    }
}

/// Adds an activity to a wheel; 422 with the wheel's page and the typed values.
pub(crate) async fn activity_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let wheel = state.db.cycle_wheel(actor.municipality_id, id).await?;
    let (draft, unit) = draft_of(&form);
    let (status, errors) = match parse(&ctx.tr, &wheel, &draft, &unit) {
        Ok(input) => match service::save_activity(&state.db, (actor, &ctx.author()?), wheel.id, None, 0, Some(&input))
            .await
        {
            Ok((aid, _)) => {
                return Ok(Redirect::to(&format!("/annual-cycle/wheels/{}?saved=1#a-{aid}", wheel.id)).into_response());
            }
            Err(e) => {
                let (status, message) = refusal(&ctx.tr, e)?;
                let mut errors = FieldErrors::default();
                errors.add("title", message);
                (status, errors)
            }
        },
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    let mut t = wheel_view(&state, &ctx, wheel.id).await?;
    t.draft = draft;
    t.unit = unit;
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "annual_cycle/activity.html")]
pub(crate) struct ActivityTemplate {
    pub(crate) p: Page,
    pub(crate) id: i64,
    pub(crate) wheel_id: i64,
    pub(crate) wheel_title: String,
    pub(crate) version: i64,
    pub(crate) errors: FieldErrors,
    pub(crate) draft: ActivityDraft,
    pub(crate) unit: String,
    pub(crate) kinds: Vec<Choice>,
    pub(crate) deadlines: Vec<Choice>,
    pub(crate) units: Vec<Choice>,
    pub(crate) span_help: String,
}

async fn edit_view(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(ActivityTemplate, Wheel)> {
    let actor = manager(ctx)?;
    let tr = &ctx.tr;
    let (wheel, a) = state.db.cycle_activity(actor.municipality_id, id).await?;
    let span = wheel.span();
    Ok((
        ActivityTemplate {
            p: ctx.page(tr.t1("cycle-activity-edit", "title", a.activity.title.clone()), "annual_cycle"),
            id: a.id,
            wheel_id: wheel.id,
            wheel_title: wheel_title(tr, &wheel),
            version: a.version,
            errors: FieldErrors::default(),
            draft: ActivityDraft::of(&a.activity),
            unit: a.unit_id.map(|u| u.to_string()).unwrap_or_default(),
            kinds: kind_choices(tr),
            deadlines: deadline_choices(tr),
            units: unit_choices(state, ctx).await?,
            span_help: span_help(tr, span),
        },
        wheel,
    ))
}

/// An activity's edit form for the staff; anyone else who reads the wheel (a notification links
/// here) is sent to the activity in the wheel's list.
pub(crate) async fn activity_edit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_annual_cycle() {
        let (wheel, a) = state.db.cycle_activity(actor.municipality_id, id).await?;
        return Ok(Redirect::to(&format!("/annual-cycle/wheels/{}#a-{}", wheel.id, a.id)).into_response());
    }
    Ok(Html(edit_view(&state, &ctx, id).await?.0.render()?).into_response())
}

/// Saves an activity at the version the form was read at.
pub(crate) async fn activity_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let (mut t, wheel) = edit_view(&state, &ctx, id).await?;
    let (draft, unit) = draft_of(&form);
    let version: i64 = field(&form, "version").parse().unwrap_or(-1);
    let (status, errors) = match parse(&ctx.tr, &wheel, &draft, &unit) {
        Ok(input) => {
            match service::save_activity(&state.db, (actor, &ctx.author()?), wheel.id, Some(id), version, Some(&input))
                .await
            {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("/annual-cycle/wheels/{}?saved=1#a-{id}", wheel.id)).into_response()
                    );
                }
                Err(e) => {
                    let (status, message) = refusal(&ctx.tr, e)?;
                    let mut errors = FieldErrors::default();
                    errors.add("title", message);
                    (status, errors)
                }
            }
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    // The version stays the one typed against, so a second try after a conflict is still refused
    // until the page is read again.
    t.version = version;
    t.draft = draft;
    t.unit = unit;
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

/// Removes an activity at the version the form was read at (409 when stale).
pub(crate) async fn activity_remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let (mut t, wheel) = edit_view(&state, &ctx, id).await?;
    let version: i64 = field(&form, "version").parse().unwrap_or(-1);
    match service::save_activity(&state.db, (actor, &ctx.author()?), wheel.id, Some(id), version, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/annual-cycle/wheels/{}?saved=1", wheel.id)).into_response()),
        Err(e) => {
            let (status, message) = refusal(&ctx.tr, e)?;
            t.errors.add("title", message);
            Ok((status, Html(t.render()?)).into_response())
        }
    }
}
