//! Import of monthly actuals from the accounting system (management staff): upload a CSV or XLSX
//! file, read whole with the municipality's mapping; a file with any bad row shows every problem
//! with its row (422) and nothing is stored; a valid file is staged and previewed (sums per month,
//! unit and line) and stored only when confirmed, replacing the months it covers.

use super::*;
use axum::body::Body;
use axum::http::HeaderMap;
use rodtrad_domain::economy::ParsedActuals;

/// Problems shown at most; the rest are counted.
const PROBLEMS_SHOWN: usize = 1000;

/// A sum of the preview.
pub(crate) struct PreviewRow {
    pub(crate) period: String,
    pub(crate) unit: String,
    pub(crate) line: String,
    pub(crate) amount: String,
}

#[derive(Template)]
#[template(path = "economy/import.html")]
pub(crate) struct ImportTemplate {
    pub(crate) p: Page,
    pub(crate) errors: FieldErrors,
    pub(crate) file_name: String,
    pub(crate) problems: Vec<(usize, String)>,
    pub(crate) more_problems: usize,
    pub(crate) staged: Option<i64>,
    pub(crate) rows: usize,
    pub(crate) months: String,
    pub(crate) total: String,
    pub(crate) preview: Vec<PreviewRow>,
    pub(crate) columns: String,
    pub(crate) imports: Vec<rodtrad_store::economy::Import>,
    pub(crate) done: Option<String>,
}

async fn template(state: &AppState, ctx: &Ctx) -> AppResult<ImportTemplate> {
    let actor = ctx.actor()?;
    if !actor.can_manage_economy() {
        return Err(AppError::Forbidden);
    }
    let settings = state.db.economy_settings(actor.municipality_id).await?;
    let c = &settings.columns;
    Ok(ImportTemplate {
        p: ctx.page(ctx.tr.t("economy-import-title"), "economy"),
        errors: FieldErrors::default(),
        file_name: String::new(),
        problems: Vec::new(),
        more_problems: 0,
        staged: None,
        rows: 0,
        months: String::new(),
        total: String::new(),
        preview: Vec::new(),
        columns: [c.responsibility.as_str(), c.account.as_str(), c.period.as_str(), c.amount.as_str()].join(" ; "),
        imports: state.db.economy_imports(actor.municipality_id).await?.into_iter().take(20).collect(),
        done: None,
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct DoneQuery {
    pub(crate) done: Option<String>,
}

/// The upload page with the recent imports.
pub(crate) async fn import_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    let mut t = template(&state, &ctx).await?;
    t.done = q.done;
    Ok(Html(t.render()?).into_response())
}

fn preview_rows(
    state_lines: &[rodtrad_store::economy::Line],
    tree: &OrgTree,
    parsed: &ParsedActuals,
) -> Vec<PreviewRow> {
    parsed
        .totals
        .iter()
        .map(|((unit, line, year, month), amount)| PreviewRow {
            period: format!("{year}-{month:02}"),
            unit: tree.name(*unit),
            line: state_lines.iter().find(|l| l.id == *line).map(|l| l.name.clone()).unwrap_or_default(),
            amount: money(*amount),
        })
        .collect()
}

/// Reads an uploaded file: every problem (422, nothing stored) or the staged preview to confirm.
pub(crate) async fn import_upload(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let mut t = template(&state, &ctx).await?;
    let actor = ctx.actor()?;
    let Some((file_name, data)) =
        crate::forms::uploaded_file(&headers, body, "economy-err-no-file", "regnskap.csv").await?
    else {
        t.errors.add("file", ctx.tr.t("economy-err-no-file"));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response());
    };
    t.file_name = file_name.clone();
    match service::stage_import(&state.db, (actor, &ctx.author()?), &file_name, data).await? {
        Err(problems) => {
            t.more_problems = problems.len().saturating_sub(PROBLEMS_SHOWN);
            t.problems =
                problems.iter().take(PROBLEMS_SHOWN).map(|p| (p.row, ctx.tr.rule(&p.problem.rule()))).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
        }
        Ok((id, parsed)) => {
            let lines = state.db.economy_lines(actor.municipality_id).await?;
            let tree = state.org_tree(actor.municipality_id).await?;
            t.staged = Some(id);
            t.rows = parsed.rows;
            t.months = parsed.months().iter().map(|(y, m)| format!("{y}-{m:02}")).collect::<Vec<_>>().join(", ");
            t.total = money(parsed.sum());
            t.preview = preview_rows(&lines, &tree, &parsed);
            Ok(Html(t.render()?).into_response())
        }
    }
}

/// Stores a staged import; confirming twice is refused (422) and stores nothing more.
pub(crate) async fn import_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(upload): Path<i64>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_economy() {
        return Err(AppError::Forbidden);
    }
    let import = state.db.economy_import(actor.municipality_id, upload).await?;
    match service::confirm_import(&state.db, (actor, &ctx.author()?), upload).await {
        Ok(_) => Ok(Redirect::to(&format!("/economy/import?done={}", urlencode(&import.months))).into_response()),
        Err(e) => {
            let (status, message) = refusal(&ctx.tr, e)?;
            let mut t = template(&state, &ctx).await?;
            t.errors.add("file", message);
            Ok((status, Html(t.render()?)).into_response())
        }
    }
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).unwrap_or_default().trim_start_matches('=').to_owned()
}
