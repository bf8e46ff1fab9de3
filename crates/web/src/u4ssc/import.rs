//! KPI values from a CSV file, with a preview that names every bad line before anything is saved.

use super::*;

// ---------------------------------------------------------------- CSV import

/// One row of the import preview.
pub struct PreviewRow {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Year.
    pub year: i32,
    /// Value as shown.
    pub value: String,
    /// Unit.
    pub unit: String,
    /// Note.
    pub note: String,
    /// The value stored now, if any.
    pub existing: String,
}

#[derive(Template)]
#[template(path = "u4ssc/import.html")]
pub(crate) struct ImportTemplate {
    pub(crate) p: Page,
    pub(crate) errors: FieldErrors,
    pub(crate) file_name: String,
    /// Problems per line: (line, message).
    pub(crate) problems: Vec<(usize, String)>,
    pub(crate) rows: Vec<PreviewRow>,
    pub(crate) csv: String,
}

pub(crate) fn import_template(ctx: &Ctx) -> ImportTemplate {
    ImportTemplate {
        p: ctx.page(ctx.tr.t("u4ssc-import-title"), "u4ssc"),
        errors: FieldErrors::default(),
        file_name: String::new(),
        problems: Vec::new(),
        rows: Vec::new(),
        csv: String::new(),
    }
}

pub(crate) async fn import_page(ctx: Ctx) -> AppResult<Response> {
    manager(&ctx)?;
    Ok(Html(import_template(&ctx).render()?).into_response())
}

pub(crate) fn problems(ctx: &Ctx, errors: &[LineError]) -> Vec<(usize, String)> {
    errors.iter().map(|e| (e.line, ctx.tr.rule(&e.problem.rule()))).collect()
}

/// Parses the file and shows either every problem (422, nothing kept) or a preview to confirm.
pub(crate) async fn preview(state: &AppState, ctx: &Ctx, file_name: String, data: &[u8]) -> AppResult<Response> {
    let mut t = import_template(ctx);
    t.file_name = file_name;
    match parse_kpi_csv(data) {
        Err(errors) => {
            t.problems = problems(ctx, &errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
        }
        Ok(rows) => {
            let values = state.db.u4ssc_kpi_values(ctx.actor()?.municipality_id).await?;
            t.rows = rows
                .iter()
                .map(|r| {
                    let kpi = kpi_by_code(&r.code);
                    PreviewRow {
                        code: r.code.clone(),
                        name: kpi.map(|k| kpi_name(k, &ctx.tr)).unwrap_or_default(),
                        year: r.year,
                        value: show(r.value),
                        unit: kpi.map(|k| k.unit.clone()).unwrap_or_default(),
                        note: r.note.clone().unwrap_or_default(),
                        existing: values
                            .iter()
                            .find(|v| v.kpi_code == r.code && v.year == i64::from(r.year))
                            .map(|v| show(v.value))
                            .unwrap_or_default(),
                    }
                })
                .collect();
            // Every line parsed, so every line is UTF-8 and so is the whole file.
            t.csv = String::from_utf8_lossy(data).into_owned();
            Ok(Html(t.render()?).into_response())
        }
    }
}

pub(crate) async fn import_upload(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    manager(&ctx)?;
    let Some((file_name, data)) = crate::forms::uploaded_file(&headers, body, "u4ssc-err-no-file", "kpi.csv").await?
    else {
        let mut t = import_template(&ctx);
        t.errors.add("file", ctx.tr.t("u4ssc-err-no-file"));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response());
    };
    preview(&state, &ctx, file_name, &data).await
}

#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    pub(crate) csv: String,
    #[serde(default)]
    pub(crate) file_name: String,
}

/// Writes a previewed file: parsed again, so a tampered or bad file writes nothing.
pub(crate) async fn import_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    manager(&ctx)?;
    let rows: Vec<KpiRow> = match parse_kpi_csv(form.csv.as_bytes()) {
        Ok(rows) => rows,
        Err(_) => return preview(&state, &ctx, form.file_name, form.csv.as_bytes()).await,
    };
    let name = form.file_name.trim();
    let source = if name.is_empty() { "CSV".to_owned() } else { name.chars().take(200).collect() };
    state.db.u4ssc_kpi_import(&ctx.author()?, &rows, &source).await?;
    let year = rows.iter().map(|r| r.year).max().unwrap_or(u4ssc::YEAR_MIN);
    Ok(Redirect::to(&format!("/u4ssc/{year}/kpi")).into_response())
}
