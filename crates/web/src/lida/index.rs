//! «Langsiktig analyse (LIDA)»: the scenarios and projections of the municipality, the compare
//! form, and for the staff the upload of a projection (CSV: year; age group or single age;
//! persons, or SSB's table 13600 as downloaded). A file with any bad row shows every problem with
//! its row (422) and stores nothing; the name typed is kept.

use super::*;
use axum::body::Body;
use axum::http::HeaderMap;
use rodtrad_store::lida::{ProjectionInfo, ScenarioInfo};

/// Problems shown at most; the rest are counted.
const PROBLEMS_SHOWN: usize = 1000;

#[derive(Template)]
#[template(path = "lida/index.html")]
pub(crate) struct IndexTemplate {
    pub(crate) p: Page,
    pub(crate) scenarios: Vec<ScenarioInfo>,
    pub(crate) projections: Vec<ProjectionInfo>,
    pub(crate) projection_names: Vec<(i64, String)>,
    pub(crate) edits: bool,
    pub(crate) typed_name: String,
    pub(crate) file_name: String,
    pub(crate) problems: Vec<(usize, String)>,
    pub(crate) more_problems: usize,
    pub(crate) errors: FieldErrors,
    pub(crate) saved: bool,
}

impl IndexTemplate {
    /// The name of a projection.
    pub(crate) fn projection_name(&self, id: &i64) -> String {
        self.projection_names.iter().find(|(p, _)| p == id).map(|(_, n)| n.clone()).unwrap_or_default()
    }
}

async fn template(state: &AppState, ctx: &Ctx) -> AppResult<IndexTemplate> {
    let actor = reader(ctx)?;
    let mid = actor.municipality_id;
    let projections = state.db.lida_projections(mid).await?;
    Ok(IndexTemplate {
        p: ctx.page(ctx.tr.t("lida-title"), "economy"),
        scenarios: state.db.lida_scenarios(mid).await?,
        projection_names: projections.iter().map(|p| (p.id, p.name.clone())).collect(),
        projections,
        edits: actor.can_edit_lida(),
        typed_name: String::new(),
        file_name: String::new(),
        problems: Vec::new(),
        more_problems: 0,
        errors: FieldErrors::default(),
        saved: false,
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct SavedQuery {
    pub(crate) saved: Option<String>,
}

/// The list page.
pub(crate) async fn index_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let mut t = template(&state, &ctx).await?;
    t.saved = q.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

/// The text field `name` and the file `file` of a multipart form (the file `None` when missing or
/// empty); `None` for a body that is not multipart.
async fn name_and_file(headers: &HeaderMap, body: Body) -> AppResult<Option<(String, Option<(String, Vec<u8>)>)>> {
    let Some(boundary) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
    else {
        return Ok(None);
    };
    let bytes =
        axum::body::to_bytes(body, crate::ctx::MAX_UPLOAD_BYTES).await.map_err(|_| AppError::PayloadTooLarge)?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut name = String::new();
    let mut file = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("name") => name = field.text().await.unwrap_or_default(),
            Some("file") => {
                let file_name = field.file_name().unwrap_or("framskriving.csv").to_owned();
                let data = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
                file = Some((file_name, data.to_vec()));
            }
            _ => {}
        }
    }
    Ok(Some((name, file.filter(|(_, d)| !d.is_empty()))))
}

/// Stores an uploaded projection: 422 with every bad row (nothing stored) or a missing name or
/// file, the name kept; a redirect to the projection when stored.
pub(crate) async fn projection_upload(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let actor = editor(&ctx)?;
    let mut t = template(&state, &ctx).await?;
    let (name, file) = name_and_file(&headers, body).await?.unwrap_or_default();
    t.typed_name = name.clone();
    let Some((file_name, data)) = file else {
        t.errors.add("file", ctx.tr.t("lida-err-no-file"));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response());
    };
    t.file_name = file_name.clone();
    let name = if name.trim().is_empty() { file_name.clone() } else { name };
    match service::create_projection(&state.db, (actor, &ctx.author()?), &name, &file_name, data).await {
        Ok(Ok(id)) => Ok(Redirect::to(&format!("/economy/lida/projections/{id}?saved=1")).into_response()),
        Ok(Err(problems)) => {
            t.more_problems = problems.len().saturating_sub(PROBLEMS_SHOWN);
            t.problems =
                problems.iter().take(PROBLEMS_SHOWN).map(|p| (p.row, ctx.tr.rule(&p.problem.rule()))).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
        }
        Err(e) => {
            let (status, message) = refusal(&ctx.tr, e)?;
            t.errors.add("projection_name", message);
            Ok((status, Html(t.render()?)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "lida/projection.html")]
pub(crate) struct ProjectionTemplate {
    pub(crate) p: Page,
    pub(crate) id: i64,
    pub(crate) info: ProjectionInfo,
    pub(crate) groups: Vec<String>,
    /// Per year: the persons of each group ("" when the year lacks it) and the total.
    pub(crate) rows: Vec<(i32, Vec<String>, String)>,
    pub(crate) saved: bool,
}

/// A year of a projection: persons per age group (`None` where the year lacks it) and the total.
type YearFigures = (i32, Vec<Option<Decimal>>, Decimal);

/// The projection as a table: years down, age groups across, and each year's total.
async fn projection_table(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> AppResult<(ProjectionInfo, Vec<String>, Vec<YearFigures>)> {
    let actor = reader(ctx)?;
    let (info, rows) = state.db.lida_projection(actor.municipality_id, id).await?;
    let mut bands: Vec<rodtrad_domain::lida::AgeBand> = rows.iter().map(|r| r.band).collect();
    bands.sort_unstable();
    bands.dedup();
    let projection = rodtrad_domain::lida::Projection::new(&rows);
    let table = projection
        .years()
        .into_iter()
        .map(|year| {
            let groups = projection.groups(year);
            let cells = bands.iter().map(|b| groups.iter().find(|(g, _)| g == b).map(|(_, p)| *p)).collect();
            (year, cells, groups.iter().map(|(_, p)| *p).sum())
        })
        .collect();
    Ok((info, bands.iter().map(|b| b.label()).collect(), table))
}

/// A projection's page.
pub(crate) async fn projection_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let (info, groups, table) = projection_table(&state, &ctx, id).await?;
    let tr = &ctx.tr;
    let t = ProjectionTemplate {
        p: ctx.page(tr.t1("lida-projection-title", "name", &info.name), "economy"),
        id,
        info,
        groups,
        rows: table
            .into_iter()
            .map(|(year, cells, total)| {
                (
                    year,
                    cells.into_iter().map(|c| c.map(|p| persons(tr, p)).unwrap_or_default()).collect(),
                    persons(tr, total),
                )
            })
            .collect(),
        saved: q.saved.is_some(),
    };
    Ok(Html(t.render()?).into_response())
}

/// A projection as CSV or XLSX: year, age group, persons, one line per figure.
pub(crate) async fn projection_export<F: crate::export::Format>(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    use rodtrad_export::Cell;
    let (info, groups, table) = projection_table(&state, &ctx, id).await?;
    let tr = &ctx.tr;
    let header: Vec<String> =
        ["lida-col-year", "lida-col-age-group", "lida-col-persons"].iter().map(|k| tr.t(k)).collect();
    let mut rows = Vec::new();
    for (year, cells, _) in &table {
        for (group, cell) in groups.iter().zip(cells) {
            if let Some(p) = cell {
                rows.push(vec![Cell::exact(&year.to_string()), Cell::text(group.clone()), Cell::exact(&p.to_string())]);
            }
        }
    }
    let title = tr.t1("lida-projection-title", "name", &info.name);
    let sheet = tr.t("lida-sheet");
    crate::export::table_download(F::FORMAT, crate::export::TableNames::titled(&title, &sheet), &header, &rows)
}
