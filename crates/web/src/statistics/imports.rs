//! Upload with a preview, confirmation as a background job, and the import's progress page.

use super::*;

// ---------------------------------------------------------------- upload, preview, confirm

#[derive(Template)]
#[template(path = "statistics/import.html")]
pub(crate) struct UploadTemplate {
    pub(crate) p: Page,
    pub(crate) errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "statistics/preview.html")]
pub(crate) struct PreviewTemplate {
    pub(crate) p: Page,
    pub(crate) file_name: String,
    pub(crate) token: String,
    pub(crate) previews: Vec<(Preview, Option<i64>)>,
}

pub(crate) async fn upload_page(State(_state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    manager(&ctx)?;
    let t = UploadTemplate { p: ctx.page(ctx.tr.t("stat-import-title"), "statistics"), errors: FieldErrors::default() };
    Ok(Html(t.render()?).into_response())
}

/// The message a user sees for a file that cannot be imported.
pub(crate) fn import_message(ctx: &Ctx, err: &ImportError) -> Result<String, AppError> {
    match err {
        ImportError::Format(e) => Ok(ctx.tr.t1("err-stat-format", "problem", format!("{}: {}", e.path, e.problem))),
        ImportError::Unusable(key, arg) => {
            Ok(ctx.tr.rule(&rodtrad_domain::RuleError::new(key).with("value", arg.clone())))
        }
        ImportError::Store(StoreError::Rule(r)) => Ok(ctx.tr.rule(r)),
        ImportError::Store(e) => Err(AppError::Internal(e.to_string())),
    }
}

pub(crate) async fn upload_error(ctx: &Ctx, message: String) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    errors.add("file", message);
    let t = UploadTemplate { p: ctx.page(ctx.tr.t("stat-import-title"), "statistics"), errors };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

/// Takes the uploaded file, shows what it holds; nothing is imported before the user confirms.
pub(crate) async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    manager(&ctx)?;
    let Some((file_name, data)) =
        crate::forms::uploaded_file(&headers, body, "err-stat-no-file", "statistikk.json").await?
    else {
        return upload_error(&ctx, ctx.tr.t("err-stat-no-file")).await;
    };
    let prepared = match stat_import::prepare_all(data.as_slice()) {
        Ok(p) => p,
        Err(e) => return upload_error(&ctx, import_message(&ctx, &e)?).await,
    };
    let mid = ctx.actor()?.municipality_id;
    let mut previews = Vec::new();
    for p in &prepared {
        let existing = state.db.stat_table_by_key(mid, &p.meta.source_key).await?;
        previews.push((p.preview(), existing));
    }
    let token = state.db.stat_upload_put(&ctx.author()?, &file_name, &data).await?;
    let t = PreviewTemplate { p: ctx.page(ctx.tr.t("stat-preview-title"), "statistics"), file_name, token, previews };
    Ok(Html(t.render()?).into_response())
}

/// Imports a previewed upload as a background job: small files run within the request, large ones
/// on the job runner while the import page shows their progress.
pub(crate) async fn confirm(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> AppResult<Response> {
    manager(&ctx)?;
    let author = ctx.author()?;
    let upload = state.db.stat_upload_get(&author, &token).await?;
    let queued = match stat_import::queue_upload(&state.db, &author, &upload).await {
        Ok(q) => q,
        Err(ImportError::Store(e)) => return Err(e.into()),
        Err(e) => return upload_error(&ctx, import_message(&ctx, &e)?).await,
    };
    if queued.cells <= INLINE_CELLS {
        state.jobs.run_now(queued.job_id).await?;
    } else {
        state.jobs.wake();
    }
    Ok(Redirect::to(&format!("/statistics/imports/{}", queued.import_ids[0])).into_response())
}

#[derive(Template)]
#[template(path = "statistics/import_status.html")]
pub(crate) struct ImportTemplate {
    pub(crate) p: Page,
    pub(crate) import: StatImport,
    pub(crate) done_cells: u64,
    /// The background job running it, for uploads.
    pub(crate) job: Option<rodtrad_store::jobs::Job>,
}

pub(crate) async fn import_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let import = state.db.stat_import(actor.municipality_id, id).await?;
    let done_cells =
        state.jobs.progress.get(id).unwrap_or(if import.state == "done" { import.cells_total as u64 } else { 0 });
    let job = match import.job_id {
        Some(j) => Some(state.db.job(actor.municipality_id, j).await?),
        None => None,
    };
    let t = ImportTemplate { p: ctx.page(ctx.tr.t("stat-import-status"), "statistics"), import, done_cells, job };
    Ok(Html(t.render()?).into_response())
}
