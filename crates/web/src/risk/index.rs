//! The overview: the year's risk picture of the municipality or of one unit's subtree (for those
//! who read the picture), the year's analyses the caller may read, and the form that makes an
//! analysis for a unit the caller edits.

use super::*;

/// `?year=` and `?unit=` of the overview.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct OverviewQuery {
    pub(crate) year: Option<String>,
    pub(crate) unit: Option<String>,
}

/// A unit's line of the picture.
pub(crate) struct TallyRow {
    pub(crate) unit_id: i64,
    pub(crate) name: String,
    pub(crate) indent: String,
    pub(crate) counts: [u32; 4],
    pub(crate) total: u32,
    pub(crate) significant: u32,
    pub(crate) highest: String,
}

/// A significant risk as listed.
pub(crate) struct SignificantRow {
    pub(crate) id: i64,
    pub(crate) unit: String,
    pub(crate) description: String,
    pub(crate) score: u16,
    pub(crate) band_code: &'static str,
    pub(crate) band: String,
    pub(crate) accepted: String,
}

/// An analysis as listed.
pub(crate) struct AnalysisRow {
    pub(crate) id: i64,
    pub(crate) unit: String,
    pub(crate) risks: usize,
    pub(crate) significant: usize,
}

#[derive(Template)]
#[template(path = "risk/index.html")]
pub(crate) struct IndexTemplate {
    pub(crate) p: Page,
    pub(crate) year: i32,
    pub(crate) unit: String,
    pub(crate) heading: String,
    pub(crate) heat: Option<svg::HeatMapView>,
    pub(crate) bands: Vec<BandView>,
    pub(crate) tallies: Vec<TallyRow>,
    pub(crate) significant: Vec<SignificantRow>,
    pub(crate) analyses: Vec<AnalysisRow>,
    pub(crate) units: Vec<Choice>,
    pub(crate) editable_units: Vec<Choice>,
    pub(crate) errors: FieldErrors,
    pub(crate) new_unit: String,
    pub(crate) new_year: String,
}

fn year_of(raw: Option<&str>) -> i32 {
    use chrono::Datelike;
    raw.and_then(|y| service::parse_year(y).ok()).unwrap_or_else(|| today().year())
}

async fn index(state: &AppState, ctx: &Ctx, q: &OverviewQuery) -> AppResult<IndexTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let mid = actor.municipality_id;
    let year = year_of(q.year.as_deref());
    let tree = state.org_tree(mid).await?;
    let top = q.unit.as_deref().and_then(|u| u.trim().parse::<i64>().ok()).filter(|u| tree.get(*u).is_some());
    let name = |id: i64| tree.name(id);
    let (mut heat, mut tallies, mut significant) = (None, Vec::new(), Vec::new());
    let heading = match top {
        Some(u) => tr.rule(
            &rodtrad_domain::RuleError::new("risk-picture-unit").with("unit", name(u)).with("year", year.to_string()),
        ),
        None => tr.t1("risk-picture-municipality", "year", year),
    };
    if actor.can_read_risk_picture() {
        let picture = service::picture(&state.db, actor, year, top, today()).await?;
        heat = Some(svg::heat_map(tr, "heat", heading.clone(), &picture.matrix, &picture.heat_map));
        tallies = picture
            .units
            .iter()
            .map(|u| TallyRow {
                unit_id: u.unit_id,
                name: u.name.clone(),
                indent: format!("depth-{}", u.depth.min(6)),
                counts: u.tally.by_band,
                total: u.tally.total(),
                significant: u.tally.significant(),
                highest: u.tally.highest().map(|h| h.to_string()).unwrap_or_else(|| "–".into()),
            })
            .collect();
        significant = picture
            .significant
            .iter()
            .map(|s| SignificantRow {
                id: s.risk.id,
                unit: s.unit.clone(),
                description: s.risk.item.description.clone(),
                score: s.score,
                band_code: s.band.code(),
                band: tr.t(s.band.label_key()),
                accepted: if s.accepted { tr.t("risk-accepted-yes") } else { tr.t("risk-accepted-no") },
            })
            .collect();
    }
    let all = state.db.risk_items_of_year(mid, year).await?;
    let matrix = state.db.risk_matrix(mid).await?.matrix;
    let mut analyses: Vec<AnalysisRow> = state
        .db
        .risk_analyses(mid, Some(year))
        .await?
        .into_iter()
        .filter(|a| actor.can_read_risk(&tree.ancestry(a.unit_id)))
        .map(|a| {
            let mine: Vec<_> = all.iter().filter(|r| r.analysis_id == a.id).collect();
            AnalysisRow {
                id: a.id,
                unit: name(a.unit_id),
                risks: mine.len(),
                significant: mine.iter().filter(|r| r.item.band(&matrix).is_significant()).count(),
            }
        })
        .collect();
    analyses.sort_by(|a, b| a.unit.cmp(&b.unit));
    let valid = |u: &&rodtrad_store::org::OrgUnit| u.is_valid_on(today());
    let mut units: Vec<Choice> =
        tree.units().iter().filter(valid).map(|u| Choice { value: u.id.to_string(), label: u.name.clone() }).collect();
    units.sort_by(|a, b| a.label.cmp(&b.label));
    let editable_units: Vec<Choice> = tree
        .units()
        .iter()
        .filter(valid)
        .filter(|u| actor.can_edit_risk(&tree.ancestry(u.id)))
        .map(|u| Choice { value: u.id.to_string(), label: u.name.clone() })
        .collect();
    let mut editable_units = editable_units;
    editable_units.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(IndexTemplate {
        p: ctx.page(tr.t("risk-title"), "risk"),
        year,
        unit: top.map(|u| u.to_string()).unwrap_or_default(),
        heading,
        heat,
        bands: bands(tr),
        tallies,
        significant,
        analyses,
        units,
        editable_units,
        errors: FieldErrors::default(),
        new_unit: String::new(),
        new_year: year.to_string(),
    })
}

/// The overview.
pub(crate) async fn index_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OverviewQuery>,
) -> AppResult<Response> {
    Ok(Html(index(&state, &ctx, &q).await?.render()?).into_response())
}

/// Makes the analysis of a unit for a year; 422 with the values kept (a taken year too).
pub(crate) async fn analysis_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (unit, year) = (field(&form, "unit_id").to_owned(), field(&form, "year").to_owned());
    let mut errors = FieldErrors::default();
    let unit_id = unit.trim().parse::<i64>().ok();
    if unit_id.is_none() {
        errors.add("unit_id", ctx.tr.t("err-risk-unit"));
    }
    let parsed_year = service::parse_year(&year);
    if let Err(e) = &parsed_year {
        errors.add("year", ctx.tr.rule(e));
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let (Some(u), Ok(y)) = (unit_id, &parsed_year) {
        match service::create_analysis(&state.db, (actor, &ctx.author()?), u, *y).await {
            Ok(id) => return Ok(Redirect::to(&format!("/risk/analyses/{id}")).into_response()),
            Err(e) => {
                let (s, _, message) = refusal(&ctx.tr, e)?;
                status = s;
                errors.add("unit_id", message);
            }
        }
    }
    let q = OverviewQuery { year: parsed_year.ok().map(|y| y.to_string()), unit: None };
    let mut t = index(&state, &ctx, &q).await?;
    if t.editable_units.is_empty() {
        // Someone who edits no unit's analysis has no form to be shown again.
        return Err(AppError::Forbidden);
    }
    t.new_unit = unit;
    t.new_year = year;
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}
