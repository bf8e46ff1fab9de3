//! Import of values from CSV or XLSX: upload, a preview naming every bad row, and confirmation,
//! which checks every row again and writes all of them in one transaction or none.

use super::*;
use rodtrad_service::indicators::import::{self as imp, FileError, Preview, PreviewRow};

#[derive(Template)]
#[template(path = "indicators/import.html")]
pub(crate) struct ImportTemplate {
    pub(crate) p: Page,
    pub(crate) errors: FieldErrors,
    pub(crate) written: Option<usize>,
}

#[derive(Deserialize)]
pub(crate) struct WrittenQuery {
    written: Option<usize>,
}

/// One preview row as shown.
pub(crate) struct RowLine {
    pub(crate) line: usize,
    pub(crate) indicator: String,
    pub(crate) period: String,
    pub(crate) value: String,
    pub(crate) replaces: String,
    pub(crate) comment: String,
    pub(crate) problem: String,
}

#[derive(Template)]
#[template(path = "indicators/import_preview.html")]
pub(crate) struct PreviewTemplate {
    pub(crate) p: Page,
    pub(crate) file_name: String,
    pub(crate) rows: Vec<RowLine>,
    pub(crate) bad: usize,
    pub(crate) payload: String,
}

fn guard(ctx: &Ctx) -> AppResult<&Actor> {
    let actor = ctx.actor()?;
    if !may_import(actor) {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

pub(crate) async fn import_page(
    State(_state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<WrittenQuery>,
) -> AppResult<Response> {
    guard(&ctx)?;
    let t = ImportTemplate {
        p: ctx.page(ctx.tr.t("indicator-import-title"), "plans"),
        errors: FieldErrors::default(),
        written: q.written,
    };
    Ok(Html(t.render()?).into_response())
}

async fn upload_error(ctx: &Ctx, message: String) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    errors.add("file", message);
    let t = ImportTemplate { p: ctx.page(ctx.tr.t("indicator-import-title"), "plans"), errors, written: None };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

pub(crate) fn file_message(ctx: &Ctx, e: &FileError) -> String {
    let (key, column) = e.key();
    ctx.tr.t1(key, "column", column)
}

fn preview_page(ctx: &Ctx, file_name: String, preview: &Preview) -> AppResult<Response> {
    let rows: Vec<RowLine> = preview
        .rows
        .iter()
        .map(|r| RowLine {
            line: r.line,
            indicator: r.element_text.clone().unwrap_or_else(|| r.indicator.clone()),
            period: r.period.clone(),
            value: r.value.map(num).unwrap_or_else(|| r.raw_value.clone()),
            replaces: r.replaces.map(num).unwrap_or_default(),
            comment: r.comment.clone().unwrap_or_default(),
            problem: r.problem.map(|p| ctx.tr.t(p.key())).unwrap_or_default(),
        })
        .collect();
    let bad = preview.bad().count();
    let payload =
        if bad == 0 { serde_json::to_string(&preview.rows).map_err(AppError::internal)? } else { String::new() };
    let t =
        PreviewTemplate { p: ctx.page(ctx.tr.t("indicator-import-preview"), "plans"), file_name, rows, bad, payload };
    let status = if bad == 0 { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(t.render()?)).into_response())
}

/// Reads the file and shows every row; nothing is stored yet.
pub(crate) async fn import_upload(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> AppResult<Response> {
    let actor = guard(&ctx)?;
    let Some((file_name, data)) =
        crate::forms::uploaded_file(&headers, body, "indicator-import-err-no-file", "verdier.csv").await?
    else {
        return upload_error(&ctx, ctx.tr.t("indicator-import-err-no-file")).await;
    };
    let tree = state.org_tree(actor.municipality_id).await?;
    match imp::preview(&state.db, &tree, actor, &data).await? {
        Ok(preview) => preview_page(&ctx, file_name, &preview),
        Err(e) => upload_error(&ctx, file_message(&ctx, &e)).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    rows: String,
    #[serde(default)]
    file_name: String,
}

/// Writes the previewed rows after checking each again; a row that has become bad shows the
/// preview again with it named, and nothing is written.
pub(crate) async fn import_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    let actor = guard(&ctx)?;
    let Ok(rows) = serde_json::from_str::<Vec<PreviewRow>>(&form.rows) else {
        return upload_error(&ctx, ctx.tr.t("indicator-import-err-no-file")).await;
    };
    if rows.is_empty() || rows.len() > imp::MAX_ROWS {
        return upload_error(&ctx, ctx.tr.t("indicator-import-err-empty")).await;
    }
    let tree = state.org_tree(actor.municipality_id).await?;
    match imp::commit(&state.db, &tree, (actor, &ctx.author()?), &rows).await? {
        Ok(n) => Ok(Redirect::to(&format!("/indicators/import?written={n}")).into_response()),
        Err(preview) if preview.rows.is_empty() => upload_error(&ctx, ctx.tr.t("indicator-import-err-empty")).await,
        Err(preview) => preview_page(&ctx, form.file_name, &preview),
    }
}
