//! Indicators of the plans fed from a statistics series.

use super::*;

// ---------------------------------------------------------------- indicators

#[derive(Template)]
#[template(path = "statistics/indicator.html")]
pub(crate) struct IndicatorTemplate {
    pub(crate) p: Page,
    pub(crate) element: rodtrad_store::plans::Element,
    pub(crate) plan: rodtrad_store::plans::Plan,
    pub(crate) source: Option<(rodtrad_store::statistics::IndicatorSource, String)>,
    pub(crate) values: Vec<rodtrad_store::statistics::IndicatorValue>,
    pub(crate) spark: Svg,
    pub(crate) series_choices: Vec<Choice>,
    pub(crate) form: SourceForm,
    pub(crate) errors: FieldErrors,
    pub(crate) editable: bool,
    pub(crate) conflict: bool,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct SourceForm {
    #[serde(default)]
    pub(crate) series: String,
    #[serde(default)]
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) version: String,
}

pub(crate) async fn render_indicator(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    back: Option<(SourceForm, FieldErrors, bool)>,
) -> AppResult<IndicatorTemplate> {
    let mid = reader(ctx)?.municipality_id;
    let (element, plan, view) = crate::plans::readable_element(state, ctx, id).await?;
    if element.kind() != ElementKind::Indicator {
        return Err(AppError::NotFound);
    }
    let editable =
        view == crate::plans::PlanView::Working && crate::plans::can_edit(state, ctx, plan.owner_unit_id).await?;
    let source = match state.db.indicator_source(mid, id).await? {
        Some(s) => {
            let label = state
                .db
                .stat_series(mid, s.series_id)
                .await
                .map(|x| format!("{} – {}", x.label, x.table_label))
                .unwrap_or_default();
            Some((s, label))
        }
        None => None,
    };
    let values = state.db.indicator_values(mid, id).await?;
    let spark = Svg(sparkline(
        &values.iter().filter(|v| v.kind == "actual").map(|v| v.value).collect::<Vec<_>>(),
        &ctx.tr.t("stat-indicator-values"),
    ));
    let series_choices = state
        .db
        .stat_series_list(mid, None)
        .await?
        .into_iter()
        .map(|s| Choice {
            value: s.id.to_string(),
            label: format!("{} – {} ({})", s.table_label, s.label, s.source_key),
        })
        .collect();
    let (form, errors, conflict) = match back {
        Some(b) => b,
        None => {
            let home = home_code(state, mid).await?;
            let form = match &source {
                Some((s, _)) => SourceForm {
                    series: s.series_id.to_string(),
                    region: s.region.clone(),
                    version: s.version.to_string(),
                },
                None => SourceForm { region: home, ..SourceForm::default() },
            };
            (form, FieldErrors::default(), false)
        }
    };
    Ok(IndicatorTemplate {
        p: ctx.page(ctx.tr.t("stat-indicator-title"), "plans"),
        element,
        plan,
        source,
        values,
        spark,
        series_choices,
        form,
        errors,
        editable,
        conflict,
    })
}

pub(crate) async fn indicator_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let t = render_indicator(&state, &ctx, id, None).await?;
    Ok(Html(t.render()?).into_response())
}

pub(crate) async fn set_indicator_source(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<SourceForm>,
) -> AppResult<Response> {
    let mid = ctx.actor()?.municipality_id;
    let element = state.db.element(mid, id).await?;
    let plan = state.db.plan(mid, element.plan_id).await?;
    if !crate::plans::can_edit(&state, &ctx, plan.owner_unit_id).await? {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let mut conflict = false;
    let version = if form.version.trim().is_empty() { None } else { Some(crate::forms::version(&form.version)?) };
    let series = match crate::forms::optional_id(&form.series) {
        Ok(s) => s,
        Err(e) => {
            errors.add("series", ctx.tr.rule(&e));
            None
        }
    };
    if errors.is_empty() {
        let region = form.region.trim().to_owned();
        match state.db.indicator_source_set(&ctx.author()?, id, series.map(|s| (s, region)), version).await {
            Ok(()) => return Ok(Redirect::to(&format!("/elements/{id}/statistics")).into_response()),
            Err(StoreError::Conflict) => conflict = true,
            Err(StoreError::Rule(e)) => {
                let field = if e.key == "err-stat-region-required" { "region" } else { "series" };
                errors.add(field, ctx.tr.rule(&e));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let t = render_indicator(&state, &ctx, id, Some((form, errors, conflict))).await?;
    Ok((status, Html(t.render()?)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(crate) fn peer_regions_parse() {
        assert_eq!(parse_regions("3201 Bærum\n3301, 0301;EKG13\n3201").unwrap(), vec!["3201", "3301", "0301", "EKG13"]);
        assert_eq!(parse_regions("32<script>").unwrap_err(), "32<script>");
        assert!(parse_regions("  ").unwrap().is_empty());
    }
}
