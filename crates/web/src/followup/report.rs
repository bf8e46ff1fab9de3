//! Reporting: the bulk page of a unit (one form per item), the page of one item with its history,
//! and the save of one report, answered with the row alone for htmx and with a redirect otherwise.

use super::*;

/// The fields of one row's form.
#[derive(Deserialize, Default, Clone, Debug)]
pub(crate) struct RowForm {
    #[serde(default)]
    pub(crate) period: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) progress: String,
    #[serde(default)]
    pub(crate) comment: String,
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) next: String,
}

/// An item's current status as shown.
#[derive(Clone, Debug)]
pub(crate) struct CurrentView {
    pub(crate) status: StatusView,
    pub(crate) progress: i64,
    pub(crate) reported_at: Option<chrono::DateTime<Utc>>,
    pub(crate) comment: String,
}

/// One row of the bulk page: the item, its current status and its form.
pub(crate) struct RowView {
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) kind_label: String,
    pub(crate) unit_name: String,
    pub(crate) responsible: String,
    pub(crate) current: Option<CurrentView>,
    pub(crate) stale: bool,
    pub(crate) dialogue: Option<i64>,
    pub(crate) can_report: bool,
    pub(crate) form: RowForm,
    pub(crate) errors: FieldErrors,
    /// The stored status after a stale save, shown beside the kept text.
    pub(crate) conflict: Option<CurrentView>,
    pub(crate) saved: bool,
    pub(crate) statuses: Vec<Choice>,
    /// Period choices shown in the row (the item page); empty on the bulk page, which has one period.
    pub(crate) periods: Vec<Choice>,
}

fn current_of(tr: &Tr, row: &ItemRow) -> Option<CurrentView> {
    Some(CurrentView {
        status: StatusView::of(tr, row.status()?),
        progress: row.progress.unwrap_or(0),
        reported_at: row.reported_at,
        comment: row.comment.clone().unwrap_or_default(),
    })
}

fn kind_label(tr: &Tr, kind: &str) -> String {
    tr.t(if kind == "assignment" { "followup-kind-assignment" } else { "followup-kind-measure" })
}

/// A row for `item` with the form prefilled from its status in `period`.
pub(crate) fn row_view(
    tr: &Tr,
    row: &ItemRow,
    period: Option<&Period>,
    next: &str,
    can_report: bool,
    stale: bool,
) -> RowView {
    let current = current_of(tr, row);
    RowView {
        id: row.id,
        text: row.text.clone(),
        kind_label: kind_label(tr, &row.kind),
        unit_name: row.owner_unit_name.clone().unwrap_or_default(),
        responsible: row.responsible_name.clone().unwrap_or_default(),
        form: RowForm {
            period: period.map(|p| p.id.to_string()).unwrap_or_default(),
            status: row.status.clone().unwrap_or_else(|| Status::OnTrack.code().into()),
            progress: row.progress.unwrap_or(0).to_string(),
            comment: String::new(),
            version: row.version.to_string(),
            next: next.to_owned(),
        },
        current,
        stale,
        dialogue: row.dialogue_id,
        can_report,
        errors: FieldErrors::default(),
        conflict: None,
        saved: false,
        statuses: status_choices(tr),
        periods: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "followup/row.html")]
pub(crate) struct RowTemplate {
    pub(crate) p: Page,
    pub(crate) row: RowView,
}

#[derive(Template)]
#[template(path = "followup/report.html")]
pub(crate) struct ReportTemplate {
    pub(crate) p: Page,
    pub(crate) unit_id: i64,
    pub(crate) unit_name: String,
    pub(crate) period_action: String,
    pub(crate) period: Option<Period>,
    pub(crate) period_label: String,
    pub(crate) periods: Vec<Choice>,
    pub(crate) rows: Vec<RowView>,
    pub(crate) can_manage_periods: bool,
    /// The annual cycle's status reporting deadline of the period, when the wheel links one.
    pub(crate) reporting_due: Option<chrono::NaiveDate>,
}

/// The bulk reporting page of a unit and everything below it, for one period.
pub(crate) async fn report_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    readable_unit(&tree, actor, unit)?;
    let snap = snapshot(&state, mid, q.period.as_deref()).await?;
    let next = match &snap.period {
        Some(p) => format!("/followup/units/{unit}/report?period={}", p.id),
        None => format!("/followup/units/{unit}/report"),
    };
    let rows = service::items_in_subtree(&tree, unit, &snap.items)
        .into_iter()
        .map(|r| {
            let can = service::may_report_item(actor, &tree, r);
            row_view(&ctx.tr, r, snap.period.as_ref(), &next, can, service::is_stale(r, snap.rollup.stale_before))
        })
        .collect();
    let unit_name = tree.name(unit);
    let period_label = snap.period.as_ref().map(|p| label_of(&ctx.tr, p)).unwrap_or_default();
    let reporting_due = match &snap.period {
        Some(p) => rodtrad_service::annual_cycle::status_reporting_due(&state.db, mid, p.starts_on, p.ends_on).await?,
        None => None,
    };
    let t = ReportTemplate {
        p: ctx.page(ctx.tr.t1("followup-report-title", "unit", &unit_name), "followup"),
        unit_id: unit,
        unit_name,
        period_action: format!("/followup/units/{unit}/report"),
        period_label,
        periods: period_choices(&ctx.tr, &snap.periods),
        period: snap.period,
        rows,
        can_manage_periods: actor.can_manage_periods(),
        reporting_due,
    };
    Ok(Html(t.render()?).into_response())
}

#[derive(Template)]
#[template(path = "followup/item.html")]
pub(crate) struct ItemTemplate {
    pub(crate) p: Page,
    pub(crate) element_id: i64,
    pub(crate) row: RowView,
    pub(crate) history: Vec<HistoryView>,
}

/// One report of the history as shown.
pub(crate) struct HistoryView {
    pub(crate) period: String,
    pub(crate) status: StatusView,
    pub(crate) progress: i64,
    pub(crate) comment: String,
    pub(crate) reporter: String,
    pub(crate) reported_at: chrono::DateTime<Utc>,
}

pub(crate) fn history_views(tr: &Tr, history: Vec<ReportRow>) -> Vec<HistoryView> {
    history
        .into_iter()
        .map(|r| HistoryView {
            period: period_label(
                tr,
                PeriodKind::parse(&r.period_kind).unwrap_or(PeriodKind::Month),
                r.period_number,
                r.year,
            ),
            status: StatusView::of(tr, Status::parse(&r.status).unwrap_or(Status::NotStarted)),
            progress: r.progress,
            comment: r.comment,
            reporter: r.reporter_name,
            reported_at: r.reported_at,
        })
        .collect()
}

/// An item the caller may see the statuses of: a live, reportable element of the municipality
/// (404 otherwise) that the caller may report on or whose unit they may read (403 otherwise).
async fn visible_item(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> AppResult<(rodtrad_store::plans::Element, std::sync::Arc<OrgTree>, bool)> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let element = state.db.element(mid, id).await?;
    if !service::reportable(&element) {
        return Err(AppError::NotFound);
    }
    let tree = state.org_tree(mid).await?;
    let can_report = service::may_report(actor, &tree, &element);
    let unit = element.owner_unit_id.or_else(|| tree.children(None).first().copied());
    let readable = unit.is_some_and(|u| actor.can_read_status(&tree.ancestry(u)));
    if !can_report && !readable {
        return Err(AppError::Forbidden);
    }
    Ok((element, tree, can_report))
}

/// The row of one item, read fresh (for the item page and after a save).
async fn fresh_row(state: &AppState, mid: i64, id: i64) -> AppResult<ItemRow> {
    state.db.followup_item(mid, id).await?.ok_or(AppError::NotFound)
}

pub(crate) async fn render_item(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: Option<RowForm>,
    errors: FieldErrors,
    conflict: bool,
) -> AppResult<String> {
    let (_, _, can_report) = visible_item(state, ctx, id).await?;
    let mid = ctx.actor()?.municipality_id;
    let row = fresh_row(state, mid, id).await?;
    let periods = state.db.followup_periods(mid).await?;
    let period = state.db.followup_current_period(mid, Utc::now().date_naive()).await?;
    let stale_days = state.db.followup_stale_days(mid).await?;
    let stale = service::is_stale(&row, service::stale_before(Utc::now().date_naive(), stale_days));
    let mut view = row_view(&ctx.tr, &row, period.as_ref(), &format!("/followup/items/{id}"), can_report, stale);
    if conflict {
        view.conflict = view.current.clone();
    }
    if let Some(mut form) = form {
        if conflict {
            // Saving again after a conflict is a deliberate overwrite of what is stored now.
            form.version = row.version.to_string();
        }
        view.form = form;
    }
    view.errors = errors;
    // Only open periods take reports; the current one is chosen unless the form said otherwise.
    let open: Vec<Period> =
        periods.into_iter().filter(|p| !p.is_closed() || p.id.to_string() == view.form.period).collect();
    view.periods = period_choices(&ctx.tr, &open);
    let history = history_views(&ctx.tr, state.db.followup_history(mid, id).await?);
    let t = ItemTemplate {
        p: ctx.page(ctx.tr.t1("followup-item-title", "item", &view.text), "followup"),
        element_id: id,
        row: view,
        history,
    };
    Ok(t.render()?)
}

/// One item's status, history and report form.
pub(crate) async fn item_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Html(render_item(&state, &ctx, id, None, FieldErrors::default(), false).await?).into_response())
}

/// Parses a row's form into a report, collecting every message.
fn parse_row(tr: &Tr, form: &RowForm) -> Result<ReportInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let period = form.period.trim().parse::<i64>().map_err(|_| {
        errors.add("period", tr.rule(&rodtrad_domain::RuleError::new("err-followup-period-unknown")));
    });
    let status = Status::parse(&form.status).map_err(|e| errors.add("status", tr.rule(&e)));
    let progress = Progress::parse(&form.progress).map_err(|e| errors.add("progress", tr.rule(&e)));
    let version = crate::forms::version(&form.version).map_err(|e| errors.add("status", tr.rule(&e)));
    if form.comment.chars().count() > service::COMMENT_MAX {
        errors.add("comment", tr.t1("err-followup-comment-long", "max", service::COMMENT_MAX));
    }
    match (period, status, progress, version) {
        (Ok(period_id), Ok(status), Ok(progress), Ok(base_version)) if errors.is_empty() => {
            Ok(ReportInput { period_id, status, progress, comment: form.comment.clone(), base_version })
        }
        _ => Err(errors),
    }
}

/// Saves one report. For htmx the answer is the row alone (saved, or with its messages: 422 bad
/// input or a closed period, 409 when someone saved the item first); without JavaScript a
/// redirect back to the page the form came from, or the item's page with the messages.
pub(crate) async fn item_save(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<RowForm>,
) -> AppResult<Response> {
    let (element, tree, can_report) = visible_item(&state, &ctx, id).await?;
    if !can_report {
        return Err(AppError::Forbidden);
    }
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let outcome = match parse_row(&ctx.tr, &form) {
        Err(errors) => Err((errors, false)),
        Ok(input) => {
            match service::report(&state.db, &tree, (actor, &ctx.author()?), &element, &input)
                .await
                .map_err(FollowupError::from)
            {
                Ok(_) => Ok(()),
                Err(FollowupError::Rule(e)) => {
                    let mut errors = FieldErrors::default();
                    errors.add(e.field.unwrap_or("status"), ctx.tr.rule(&e));
                    Err((errors, false))
                }
                Err(FollowupError::Conflict) => {
                    let mut errors = FieldErrors::default();
                    errors.add("status", ctx.tr.t("err-conflict"));
                    Err((errors, true))
                }
                Err(FollowupError::App(e)) => return Err(e),
            }
        }
    };
    let htmx = is_htmx(&headers);
    match outcome {
        Ok(()) if !htmx => {
            let next = rodtrad_domain::query::safe_next(Some(&form.next));
            let next = if next == "/" { format!("/followup/items/{id}") } else { next };
            Ok(Redirect::to(&format!("{next}#row-{id}")).into_response())
        }
        Ok(()) => {
            let row = fresh_row(&state, mid, id).await?;
            let periods = state.db.followup_periods(mid).await?;
            let period = periods.iter().find(|p| p.id.to_string() == form.period.trim());
            let mut view = row_view(&ctx.tr, &row, period, &form.next, true, false);
            view.saved = true;
            let t = RowTemplate { p: ctx.page(String::new(), "followup"), row: view };
            Ok(Html(t.render()?).into_response())
        }
        Err((errors, conflict)) => {
            let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            if htmx {
                let row = fresh_row(&state, mid, id).await?;
                let stale_days = state.db.followup_stale_days(mid).await?;
                let stale = service::is_stale(&row, service::stale_before(Utc::now().date_naive(), stale_days));
                let mut view = row_view(&ctx.tr, &row, None, &form.next, true, stale);
                if conflict {
                    view.conflict = view.current.clone();
                }
                view.form =
                    RowForm { version: if conflict { row.version.to_string() } else { form.version.clone() }, ..form };
                view.errors = errors;
                let t = RowTemplate { p: ctx.page(String::new(), "followup"), row: view };
                return Ok((status, Html(t.render()?)).into_response());
            }
            let body = render_item(&state, &ctx, id, Some(form), errors, conflict).await?;
            Ok((status, Html(body)).into_response())
        }
    }
}

/// The status block of an element's page: current status, full history and a link to report.
pub(crate) struct ElementStatus {
    pub(crate) current: Option<CurrentView>,
    pub(crate) history: Vec<HistoryView>,
    pub(crate) can_report: bool,
    pub(crate) dialogue: Option<i64>,
}

/// The status block for the element page (`None` for elements that take no reports).
pub(crate) async fn element_status(
    state: &AppState,
    ctx: &Ctx,
    element: &rodtrad_store::plans::Element,
) -> AppResult<Option<ElementStatus>> {
    if !service::reportable(element) {
        return Ok(None);
    }
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    let can_report = service::may_report(actor, &tree, element);
    let unit = element.owner_unit_id.or_else(|| tree.children(None).first().copied());
    if !can_report && !unit.is_some_and(|u| actor.can_read_status(&tree.ancestry(u))) {
        return Ok(None);
    }
    let Some(row) = state.db.followup_item(mid, element.id).await? else { return Ok(None) };
    Ok(Some(ElementStatus {
        current: current_of(&ctx.tr, &row),
        history: history_views(&ctx.tr, state.db.followup_history(mid, element.id).await?),
        can_report,
        dialogue: row
            .dialogue_id
            .filter(|_| row.owner_unit_id.is_some_and(|u| actor.can_read_dialogue(&tree.ancestry(u)))),
    }))
}
