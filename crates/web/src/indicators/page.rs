//! One indicator's page, value entry and the values as CSV/XLSX.

use super::*;

/// One row of the values table.
pub(crate) struct ValueLine {
    pub(crate) period: String,
    pub(crate) value: String,
    pub(crate) band: String,
    pub(crate) comment: String,
    pub(crate) entered_by: String,
    pub(crate) updated: String,
}

/// One row of the targets table.
pub(crate) struct TargetLine {
    pub(crate) year: i32,
    pub(crate) desired: String,
    pub(crate) acceptable: String,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct ValueForm {
    #[serde(default)]
    pub(crate) period: String,
    #[serde(default)]
    pub(crate) value: String,
    #[serde(default)]
    pub(crate) comment: String,
    /// The stored value's version when changing one; empty for a new period.
    #[serde(default)]
    pub(crate) version: String,
}

#[derive(Template)]
#[template(path = "indicators/indicator.html")]
pub(crate) struct IndicatorTemplate {
    pub(crate) p: Page,
    pub(crate) element: Element,
    pub(crate) plan: Plan,
    pub(crate) has_definition: bool,
    pub(crate) may_configure: bool,
    pub(crate) description: String,
    pub(crate) unit: String,
    pub(crate) chain: String,
    pub(crate) direction: String,
    pub(crate) source: String,
    pub(crate) source_is_statistics: bool,
    pub(crate) frequency: String,
    pub(crate) owner: String,
    pub(crate) baseline: String,
    pub(crate) targets: Vec<TargetLine>,
    pub(crate) values: Vec<ValueLine>,
    pub(crate) class: ClassBadge,
    pub(crate) explanation: String,
    pub(crate) method: String,
    pub(crate) chart: crate::statistics::Svg,
    pub(crate) sdg_targets: Vec<String>,
    pub(crate) parent: Option<(i64, String)>,
    pub(crate) may_define: bool,
    pub(crate) may_enter: bool,
    pub(crate) form: ValueForm,
    pub(crate) errors: FieldErrors,
    pub(crate) conflict: bool,
    pub(crate) saved: bool,
}

pub(crate) async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    back: Option<(ValueForm, FieldErrors, bool)>,
    saved: bool,
) -> AppResult<IndicatorTemplate> {
    let r = readable(state, ctx, id).await?;
    let mid = ctx.actor()?.municipality_id;
    let thresholds = thresholds(state, mid).await?;
    let view = service::view(&state.db, mid, id, &thresholds).await?;
    let def = view.definition.as_ref();
    let direction = def.map(|d| d.direction()).unwrap_or(Direction::Higher);
    let unit = def.map(|d| d.unit.clone()).unwrap_or_default();
    let values = view
        .values
        .iter()
        .map(|v| {
            let year = period_time(&v.period).map(|t| t.ceil() as i32);
            let band = v.value.and_then(|x| {
                let t = view.targets.iter().find(|t| Some(t.year) == year)?;
                Some(t.band(direction, x))
            });
            ValueLine {
                period: v.period.clone(),
                value: v.value.map(num).unwrap_or_default(),
                band: band_label(ctx, band),
                comment: v.comment.clone().unwrap_or_default(),
                entered_by: v
                    .entered_by_name
                    .clone()
                    .or_else(|| v.source_label.clone())
                    .unwrap_or_else(|| ctx.tr.t("indicator-origin-statistics")),
                updated: ctx.tr.date(v.updated_at),
            }
        })
        .collect();
    let targets = view
        .targets
        .iter()
        .map(|t| TargetLine {
            year: t.year,
            desired: num(t.desired),
            acceptable: t.acceptable.map(num).unwrap_or_else(|| "–".into()),
        })
        .collect();
    let sdg_targets =
        state.db.sdg_links(mid).await?.into_iter().filter(|l| l.element_id == id).map(|l| l.target).collect();
    let parent = match r.element.parent_id {
        Some(pid) => state.db.element(mid, pid).await.ok().map(|e| (e.id, e.text)),
        None => None,
    };
    let (form, errors, conflict) = back.unwrap_or_default();
    let method = ctx.tr.rule(
        &RuleError::new("indicator-method")
            .with(
                "rate",
                ctx.tr.t(match thresholds.method {
                    RateMethod::Compound => "indicator-rate-compound",
                    RateMethod::Linear => "indicator-rate-linear",
                }),
            )
            .with("on_track", Thresholds::percent(thresholds.on_track))
            .with("moderate", Thresholds::percent(thresholds.moderate))
            .with("moving_away", Thresholds::percent(thresholds.moving_away))
            .with("min_observations", thresholds.min_observations.to_string()),
    );
    Ok(IndicatorTemplate {
        p: ctx.page(ctx.tr.t("indicator-title"), "plans"),
        has_definition: def.is_some(),
        may_configure: may_configure(ctx.actor()?),
        description: def.map(|d| d.description.clone()).unwrap_or_default(),
        chain: def.map(|d| ctx.tr.t(d.chain().label_key())).unwrap_or_default(),
        direction: direction_label(ctx, direction),
        source: def.map(|d| ctx.tr.t(d.source().label_key())).unwrap_or_default(),
        source_is_statistics: def.is_some_and(|d| d.source() == SourceKind::Statistics),
        frequency: def.map(|d| ctx.tr.t(d.frequency().label_key())).unwrap_or_default(),
        owner: def.and_then(|d| d.owner_name.clone()).unwrap_or_default(),
        baseline: def.and_then(|d| d.baseline()).map(|b| format!("{} ({})", num(b.value), b.year)).unwrap_or_default(),
        explanation: explain(ctx, &view.assessment, view.target.as_ref(), &unit),
        class: badge(ctx, view.assessment.class),
        chart: crate::statistics::Svg(chart(ctx, &r.element, &view)),
        unit,
        targets,
        values,
        method,
        sdg_targets,
        parent,
        may_define: r.may_define,
        may_enter: r.may_enter,
        element: r.element,
        plan: r.plan,
        form,
        errors,
        conflict,
        saved,
    })
}

#[derive(Deserialize)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

pub(crate) async fn indicator_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> AppResult<Response> {
    let t = render(&state, &ctx, id, None, q.saved.is_some()).await?;
    Ok(Html(t.render()?).into_response())
}

/// Parses a value form into what the store writes; errors by field.
pub(crate) fn parse_value(
    ctx: &Ctx,
    id: i64,
    form: &ValueForm,
    errors: &mut FieldErrors,
) -> Option<rodtrad_store::indicators::ValueInput> {
    let period =
        rodtrad_domain::indicators::parse_period(&form.period).map_err(|e| errors.add("period", ctx.tr.rule(&e))).ok();
    let value = rodtrad_service::indicators::import::parse_number(&form.value)
        .filter(|v| v.abs() <= rodtrad_service::indicators::import::MAX_ABS);
    if value.is_none() {
        errors.add("value", ctx.tr.t("err-indicator-number"));
    }
    let comment = Some(form.comment.trim().to_owned()).filter(|c| !c.is_empty());
    Some(rodtrad_store::indicators::ValueInput { element_id: id, period: period?, value: value?, comment })
}

/// Enters a value: 422 with the form kept for bad input, 409 when the period was entered or changed
/// meanwhile.
pub(crate) async fn value_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ValueForm>,
) -> AppResult<Response> {
    let r = readable(&state, &ctx, id).await?;
    if !r.may_enter {
        return Err(AppError::Forbidden);
    }
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let mut errors = FieldErrors::default();
    let version = if form.version.trim().is_empty() {
        None
    } else {
        crate::forms::version(&form.version).map_err(|e| errors.add("value", ctx.tr.rule(&e))).ok()
    };
    let mut conflict = false;
    if let Some(input) = parse_value(&ctx, id, &form, &mut errors)
        && errors.is_empty()
    {
        match service::enter_value(&state.db, &tree, (actor, &ctx.author()?), &r.plan, &input, version).await {
            Ok(()) => return Ok(Redirect::to(&format!("/elements/{id}/indicator?saved=1")).into_response()),
            Err(rodtrad_service::ServiceError::Store(StoreError::Conflict)) => {
                conflict = true;
                errors.add("value", ctx.tr.t("err-indicator-value-conflict"));
            }
            Err(rodtrad_service::ServiceError::Store(StoreError::Rule(e))) => {
                errors.add(e.field.unwrap_or("value"), ctx.tr.rule(&e));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut form = form;
    if conflict {
        // The stored value's version, so a second save overwrites knowingly.
        let rows = state.db.indicator_value_rows(actor.municipality_id, id).await?;
        form.version =
            rows.iter().find(|v| v.period == form.period.trim()).map(|v| v.version.to_string()).unwrap_or_default();
    }
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let t = render(&state, &ctx, id, Some((form, errors, conflict)), false).await?;
    Ok((status, Html(t.render()?)).into_response())
}

async fn export_rows(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> AppResult<(String, Vec<String>, Vec<Vec<rodtrad_export::Cell>>)> {
    let r = readable(state, ctx, id).await?;
    let mid = ctx.actor()?.municipality_id;
    let values = state.db.indicator_value_rows(mid, id).await?;
    let header = [
        "indicator-col-id",
        "indicator-col-indicator",
        "indicator-col-period",
        "indicator-col-value",
        "indicator-col-comment",
        "indicator-col-entered-by",
    ]
    .iter()
    .map(|k| ctx.tr.t(k))
    .collect();
    let rows = values
        .into_iter()
        .map(|v| {
            vec![
                rodtrad_export::Cell::text(id.to_string()),
                rodtrad_export::Cell::text(r.element.text.clone()),
                rodtrad_export::Cell::text(v.period),
                v.value.map(rodtrad_export::Cell::decimal_comma).unwrap_or_else(|| rodtrad_export::Cell::text("")),
                rodtrad_export::Cell::text(v.comment.unwrap_or_default()),
                rodtrad_export::Cell::text(v.entered_by_name.or(v.source_label).unwrap_or_default()),
            ]
        })
        .collect();
    Ok((r.element.text, header, rows))
}

/// The values as CSV (in the columns the import reads back) or XLSX.
pub(crate) async fn values_export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (title, header, rows) = export_rows(&state, &ctx, id).await?;
    let sheet = ctx.tr.t("indicator-values");
    crate::export::table_download(F::FORMAT, crate::export::TableNames::titled(&title, &sheet), &header, &rows)
}
