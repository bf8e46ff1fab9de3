//! Reporting periods: the list per year, creating a year's periods, closing and reopening one.

use super::*;

/// One period as listed.
pub(crate) struct PeriodRow {
    pub(crate) id: i64,
    pub(crate) label: String,
    pub(crate) starts_on: NaiveDate,
    pub(crate) ends_on: NaiveDate,
    pub(crate) closed_at: Option<chrono::DateTime<Utc>>,
    pub(crate) closed_by: String,
}

#[derive(Template)]
#[template(path = "followup/periods.html")]
pub(crate) struct PeriodsTemplate {
    pub(crate) p: Page,
    pub(crate) years: Vec<(i64, Vec<PeriodRow>)>,
    pub(crate) can_manage: bool,
    pub(crate) year: String,
    pub(crate) errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub(crate) struct YearForm {
    #[serde(default)]
    pub(crate) year: String,
}

async fn render_periods(state: &AppState, ctx: &Ctx, year: String, errors: FieldErrors) -> AppResult<String> {
    let actor = ctx.actor()?;
    let periods = state.db.followup_periods(actor.municipality_id).await?;
    let mut years: Vec<(i64, Vec<PeriodRow>)> = Vec::new();
    for p in &periods {
        let row = PeriodRow {
            id: p.id,
            label: label_of(&ctx.tr, p),
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            closed_at: p.closed_at,
            closed_by: p.closed_by.clone().unwrap_or_default(),
        };
        match years.last_mut() {
            Some((y, rows)) if *y == p.year => rows.push(row),
            _ => years.push((p.year, vec![row])),
        }
    }
    let year = if year.is_empty() {
        let next = periods.iter().map(|p| p.year + 1).max();
        next.unwrap_or_else(|| i64::from(chrono::Datelike::year(&Utc::now().date_naive()))).to_string()
    } else {
        year
    };
    let t = PeriodsTemplate {
        p: ctx.page(ctx.tr.t("followup-periods-title"), "followup"),
        years,
        can_manage: actor.can_manage_periods(),
        year,
        errors,
    };
    Ok(t.render()?)
}

/// The periods of every year.
pub(crate) async fn periods_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    Ok(Html(render_periods(&state, &ctx, String::new(), FieldErrors::default()).await?).into_response())
}

/// Creates a year's fifteen periods (management staff only).
pub(crate) async fn periods_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<YearForm>,
) -> AppResult<Response> {
    if !ctx.actor()?.can_manage_periods() {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    match rodtrad_domain::followup::parse_period_year(&form.year) {
        Err(e) => errors.add("year", ctx.tr.rule(&e)),
        Ok(year) => match state.db.followup_periods_create(&ctx.author()?, year).await {
            Ok(_) => return Ok(Redirect::to("/followup/periods").into_response()),
            Err(StoreError::Rule(e)) => errors.add("year", ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        },
    }
    let body = render_periods(&state, &ctx, form.year, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

async fn set_closed(state: &AppState, ctx: &Ctx, id: i64, close: bool) -> AppResult<Response> {
    if !ctx.actor()?.can_manage_periods() {
        return Err(AppError::Forbidden);
    }
    match state.db.followup_period_set_closed(&ctx.author()?, id, close).await {
        Ok(()) => Ok(Redirect::to("/followup/periods").into_response()),
        Err(StoreError::Rule(e)) => {
            let mut errors = FieldErrors::default();
            errors.add("period", ctx.tr.rule(&e));
            let body = render_periods(state, ctx, String::new(), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Closes a period: it takes no more reports.
pub(crate) async fn period_close(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    set_closed(&state, &ctx, id, true).await
}

/// Reopens a closed period.
pub(crate) async fn period_reopen(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    set_closed(&state, &ctx, id, false).await
}
