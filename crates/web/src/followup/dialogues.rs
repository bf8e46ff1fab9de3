//! Management dialogues (*lederdialog*): the list per service area, one dialogue with its agreed
//! measures and follow-up date, and closing it with the outcome. Only the parties (the owner
//! unit's leader and the leaders above) and the management staff see a dialogue.

use super::*;

/// One dialogue as listed.
pub(crate) struct DialogueRow {
    pub(crate) id: i64,
    pub(crate) element_text: String,
    pub(crate) unit_name: String,
    pub(crate) status: StatusView,
    pub(crate) opened_at: chrono::DateTime<Utc>,
    pub(crate) follow_up_on: Option<NaiveDate>,
    pub(crate) closed_at: Option<chrono::DateTime<Utc>>,
}

#[derive(Template)]
#[template(path = "followup/dialogues.html")]
pub(crate) struct DialoguesTemplate {
    pub(crate) p: Page,
    pub(crate) areas: Vec<(String, Vec<DialogueRow>)>,
    pub(crate) show_closed: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct DialoguesQuery {
    #[serde(default)]
    pub(crate) closed: Option<String>,
}

/// Whether the caller can be shown any dialogue at all: leaders and the management staff.
fn may_list_dialogues(actor: &Actor) -> bool {
    !actor.led_units.is_empty() || actor.has(Role::SystemAdmin) || actor.has(Role::Management)
}

/// The service area (the unit directly below the municipality) a unit belongs to.
fn area_of(tree: &OrgTree, unit: i64) -> Option<i64> {
    let chain = tree.ancestry(unit);
    if chain.len() >= 2 { Some(chain[chain.len() - 2]) } else { chain.first().copied() }
}

/// The dialogues the caller may read, open ones (or all with `?closed=1`), grouped by service area.
pub(crate) async fn dialogues_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DialoguesQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !may_list_dialogues(actor) {
        return Err(AppError::Forbidden);
    }
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    let show_closed = q.closed.as_deref().is_some_and(|c| !c.is_empty() && c != "0");
    let mut areas: Vec<(i64, String, Vec<DialogueRow>)> = Vec::new();
    for d in state.db.followup_dialogues(mid, !show_closed).await? {
        if !service::may_read_dialogue(actor, &tree, &d) {
            continue;
        }
        let area = area_of(&tree, d.unit_id).unwrap_or(d.unit_id);
        let row = DialogueRow {
            id: d.id,
            element_text: match d.economy() {
                Some((y, m)) => ctx.tr.t1("economy-dialogue-title", "period", format!("{y}-{m:02}")),
                None => d.element_text.clone(),
            },
            unit_name: d.unit_name.clone(),
            status: StatusView::of(&ctx.tr, Status::parse(&d.opened_status).unwrap_or(Status::Deviation)),
            opened_at: d.opened_at,
            follow_up_on: d.follow_up_on,
            closed_at: d.closed_at,
        };
        match areas.iter_mut().find(|(a, ..)| *a == area) {
            Some((.., rows)) => rows.push(row),
            None => areas.push((area, tree.name(area), vec![row])),
        }
    }
    areas.sort_by(|a, b| a.1.cmp(&b.1));
    let t = DialoguesTemplate {
        p: ctx.page(ctx.tr.t("followup-dialogues-title"), "followup"),
        areas: areas.into_iter().map(|(_, name, rows)| (name, rows)).collect(),
        show_closed,
    };
    Ok(Html(t.render()?).into_response())
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct DialogueForm {
    #[serde(default)]
    pub(crate) measures: String,
    #[serde(default)]
    pub(crate) follow_up_on: String,
    #[serde(default)]
    pub(crate) version: String,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct CloseForm {
    #[serde(default)]
    pub(crate) outcome: String,
}

#[derive(Template)]
#[template(path = "followup/dialogue.html")]
pub(crate) struct DialogueTemplate {
    pub(crate) p: Page,
    pub(crate) d: Dialogue,
    pub(crate) status: StatusView,
    pub(crate) party: bool,
    pub(crate) form: DialogueForm,
    pub(crate) outcome: String,
    pub(crate) errors: FieldErrors,
    pub(crate) conflict: bool,
}

async fn readable_dialogue(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Dialogue, std::sync::Arc<OrgTree>)> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let d = state.db.followup_dialogue(mid, id).await?;
    let tree = state.org_tree(mid).await?;
    if !service::may_read_dialogue(actor, &tree, &d) {
        return Err(AppError::Forbidden);
    }
    Ok((d, tree))
}

async fn render_dialogue(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: Option<DialogueForm>,
    outcome: String,
    errors: FieldErrors,
    conflict: bool,
) -> AppResult<String> {
    let (d, tree) = readable_dialogue(state, ctx, id).await?;
    let party = ctx.actor()?.is_dialogue_party(&tree.ancestry(d.unit_id));
    let mut form = form.unwrap_or_else(|| DialogueForm {
        measures: d.measures.clone(),
        follow_up_on: d.follow_up_on.map(|f| f.to_string()).unwrap_or_default(),
        version: d.version.to_string(),
    });
    if conflict {
        form.version = d.version.to_string();
    }
    let t = DialogueTemplate {
        p: ctx.page(ctx.tr.t("followup-dialogue-title"), "followup"),
        status: StatusView::of(&ctx.tr, Status::parse(&d.opened_status).unwrap_or(Status::Deviation)),
        d,
        party,
        form,
        outcome,
        errors,
        conflict,
    };
    Ok(t.render()?)
}

/// One dialogue.
pub(crate) async fn dialogue_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Html(render_dialogue(&state, &ctx, id, None, String::new(), FieldErrors::default(), false).await?)
        .into_response())
}

/// Saves the agreed measures and the follow-up date (the parties only).
pub(crate) async fn dialogue_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<DialogueForm>,
) -> AppResult<Response> {
    let (d, tree) = readable_dialogue(&state, &ctx, id).await?;
    if !ctx.actor()?.is_dialogue_party(&tree.ancestry(d.unit_id)) {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let follow_up =
        crate::forms::optional_date(&form.follow_up_on).map_err(|e| errors.add("follow_up_on", ctx.tr.rule(&e)));
    let version = crate::forms::version(&form.version).map_err(|e| errors.add("measures", ctx.tr.rule(&e)));
    if form.measures.chars().count() > service::COMMENT_MAX {
        errors.add("measures", ctx.tr.t1("err-followup-comment-long", "max", service::COMMENT_MAX));
    }
    let mut conflict = false;
    if let (true, Ok(follow_up), Ok(version)) = (errors.is_empty(), follow_up, version) {
        match state.db.followup_dialogue_update(&ctx.author()?, id, version, &form.measures, follow_up).await {
            Ok(()) => return Ok(Redirect::to(&format!("/followup/dialogues/{id}")).into_response()),
            Err(StoreError::Conflict) => {
                conflict = true;
                errors.add("measures", ctx.tr.t("err-conflict"));
            }
            Err(StoreError::Rule(e)) => errors.add("measures", ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = render_dialogue(&state, &ctx, id, Some(form), String::new(), errors, conflict).await?;
    Ok((status, Html(body)).into_response())
}

/// Closes a dialogue with its outcome (the parties only; closing twice is refused).
pub(crate) async fn dialogue_close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> AppResult<Response> {
    let (d, tree) = readable_dialogue(&state, &ctx, id).await?;
    let actor = ctx.actor()?;
    match service::close_dialogue(&state.db, &tree, (actor, &ctx.author()?), &d, &form.outcome)
        .await
        .map_err(FollowupError::from)
    {
        Ok(()) => Ok(Redirect::to(&format!("/followup/dialogues/{id}")).into_response()),
        Err(FollowupError::Rule(e)) => {
            let mut errors = FieldErrors::default();
            errors.add("outcome", ctx.tr.rule(&e));
            let body = render_dialogue(&state, &ctx, id, None, form.outcome, errors, false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(FollowupError::Conflict) => Err(AppError::Conflict),
        Err(FollowupError::App(e)) => Err(e),
    }
}
