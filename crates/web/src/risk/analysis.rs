//! An analysis's page: its heat map and table, its risks, the summary form and the form that adds a
//! risk (for those who edit the unit), and its risks as CSV/XLSX.

use super::*;

#[derive(Template)]
#[template(path = "risk/analysis.html")]
pub(crate) struct AnalysisTemplate {
    pub(crate) p: Page,
    pub(crate) id: i64,
    pub(crate) year: i64,
    pub(crate) summary: String,
    pub(crate) version: i64,
    pub(crate) heat: svg::HeatMapView,
    pub(crate) bands: Vec<BandView>,
    pub(crate) risks: Vec<RiskView>,
    pub(crate) edits: bool,
    pub(crate) saved: bool,
    pub(crate) summary_errors: FieldErrors,
    pub(crate) errors: FieldErrors,
    pub(crate) draft: RiskItemDraft,
    pub(crate) categories: Vec<Choice>,
    pub(crate) treatments: Vec<Choice>,
    pub(crate) likelihoods: Vec<Choice>,
    pub(crate) consequences: Vec<Choice>,
    pub(crate) measures: Vec<MeasureChoiceView>,
}

/// The analysis's page, its forms empty.
pub(crate) async fn analysis_view(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<AnalysisTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let (analysis, line) = service::readable_analysis(&state.db, actor, id).await?;
    let mid = actor.municipality_id;
    let matrix = state.db.risk_matrix(mid).await?.matrix;
    let risks = state.db.risk_items(mid, analysis.id).await?;
    let unit = unit_name(state, mid, analysis.unit_id).await?;
    let title = analysis_title(tr, analysis.year, &unit);
    let map = matrix.heat_map(risks.iter().map(|r| r.item.current));
    let edits = actor.can_edit_risk(&line);
    let today = today();
    Ok(AnalysisTemplate {
        p: ctx.page(title.clone(), "risk"),
        id: analysis.id,
        year: analysis.year,
        summary: analysis.summary.clone(),
        version: analysis.version,
        heat: svg::heat_map(tr, "heat", tr.t1("risk-heat-title", "title", title), &matrix, &map),
        bands: bands(tr),
        risks: risks.iter().map(|r| RiskView::of(tr, &matrix, r, today)).collect(),
        edits,
        saved: false,
        summary_errors: FieldErrors::default(),
        errors: FieldErrors::default(),
        draft: RiskItemDraft { treatment: Treatment::Reduce.code().into(), ..RiskItemDraft::default() },
        categories: category_choices(tr),
        treatments: treatment_choices(tr),
        likelihoods: level_choices(&matrix.likelihood),
        consequences: level_choices(&matrix.consequence),
        measures: if edits { measure_choices(state, tr, mid, analysis.unit_id, &[], &[]).await? } else { Vec::new() },
    })
}

/// An analysis with its risks.
pub(crate) async fn analysis_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let mut t = analysis_view(&state, &ctx, id).await?;
    t.saved = q.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

/// Saves the analysis's summary at the version the form was read at.
pub(crate) async fn summary_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    service::editable_analysis(&state.db, actor, id).await?;
    let summary = field(&form, "summary").to_owned();
    let version: i64 = field(&form, "version").parse().unwrap_or(-1);
    match service::save_summary(&state.db, (actor, &ctx.author()?), id, version, &summary).await {
        Ok(_) => Ok(Redirect::to(&format!("/risk/analyses/{id}?saved=1")).into_response()),
        Err(e) => {
            let (status, _, message) = refusal(&ctx.tr, e)?;
            let mut t = analysis_view(&state, &ctx, id).await?;
            t.summary = summary;
            t.version = version;
            t.summary_errors.add("summary", message);
            Ok((status, Html(t.render()?)).into_response())
        }
    }
}

/// Adds a risk to the analysis; 422 with the analysis's page and the typed values.
pub(crate) async fn risk_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (analysis, _) = service::editable_analysis(&state.db, actor, id).await?;
    let matrix = state.db.risk_matrix(actor.municipality_id).await?.matrix;
    let (draft, chosen) = draft_of(&form);
    let (status, errors) = match parse_risk(&ctx.tr, &matrix, &draft, &chosen) {
        Ok((item, measures)) => {
            match service::save_risk(
                &state.db,
                (actor, &ctx.author()?),
                analysis.id,
                None,
                0,
                Some((&item, measures.as_slice())),
            )
            .await
            {
                Ok((rid, _)) => {
                    return Ok(Redirect::to(&format!("/risk/analyses/{}?saved=1#r-{rid}", analysis.id)).into_response());
                }
                Err(e) => {
                    let (status, field, message) = refusal(&ctx.tr, e)?;
                    let mut errors = FieldErrors::default();
                    errors.add(field.unwrap_or("description"), message);
                    (status, errors)
                }
            }
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    let mut t = analysis_view(&state, &ctx, id).await?;
    t.measures = measure_choices(&state, &ctx.tr, actor.municipality_id, analysis.unit_id, &chosen, &[]).await?;
    t.draft = draft;
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

/// The columns of the export.
fn head(tr: &Tr) -> Vec<String> {
    [
        "risk-col-description",
        "risk-col-cause",
        "risk-col-consequence-text",
        "risk-col-category",
        "risk-col-inherent",
        "risk-col-current",
        "risk-col-residual",
        "risk-col-score",
        "risk-col-band",
        "risk-col-treatment",
        "risk-col-measures",
        "risk-col-review",
        "risk-col-acceptance",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect()
}

/// The analysis's risks as CSV or XLSX (dates in ISO 8601).
pub(crate) async fn analysis_export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    use rodtrad_export::Cell;
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let (analysis, _) = service::readable_analysis(&state.db, actor, id).await?;
    let mid = actor.municipality_id;
    let matrix = state.db.risk_matrix(mid).await?.matrix;
    let today = today();
    let rows: Vec<Vec<Cell>> = state
        .db
        .risk_items(mid, analysis.id)
        .await?
        .iter()
        .map(|r| {
            let x = &r.item;
            let band = x.band(&matrix);
            let acceptance = match &r.acceptance {
                Some(a) if a.acceptance.holds(band, today) => {
                    format!("{} ({}) {}", a.by, a.acceptance.level, a.acceptance.expires_on)
                }
                _ => String::new(),
            };
            vec![
                Cell::text(x.description.clone()),
                Cell::text(x.cause.clone()),
                Cell::text(x.consequence_text.clone()),
                Cell::text(category_name(tr, &x.category)),
                Cell::text(product(x.inherent)),
                Cell::text(product(x.current)),
                Cell::text(product(x.residual)),
                Cell::number(f64::from(x.current.score())),
                Cell::text(tr.t(band.label_key())),
                Cell::text(tr.t(x.treatment.label_key())),
                Cell::text(r.measures.iter().map(|m| m.text.clone()).collect::<Vec<_>>().join("; ")),
                Cell::text(x.review_on.map(|d| d.to_string()).unwrap_or_default()),
                Cell::text(acceptance),
            ]
        })
        .collect();
    let unit = unit_name(&state, mid, analysis.unit_id).await?;
    let title = analysis_title(tr, analysis.year, &unit);
    crate::export::table_download(F::FORMAT, crate::export::TableNames::titled(&title, "ROS"), &head(tr), &rows)
}
