//! The agreements one may read as CSV and XLSX (unit, year, parties, signing state and times), and
//! one agreement's version as a PDF.

use super::*;
use rodtrad_service::agreements::PdfLabels;

fn signed_cell(tr: &Tr, at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(|t| t.to_rfc3339()).unwrap_or_else(|| tr.t("agreements-unsigned"))
}

async fn export_table(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
) -> AppResult<(String, Vec<String>, Vec<Vec<String>>)> {
    let actor = ctx.actor()?;
    let (all, _) = readable(state, actor, parse_year(q.year.as_deref())).await?;
    let tr = &ctx.tr;
    let header = [
        "agreements-unit",
        "agreements-year",
        "agreements-leader",
        "agreements-superior-unit",
        "agreements-superior",
        "agreements-version",
        "agreements-state",
        "agreements-leader-signed",
        "agreements-superior-signed",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let rows = all
        .iter()
        .map(|a| {
            vec![
                a.unit_name.clone(),
                a.year.to_string(),
                a.leader_name.clone(),
                a.superior_unit_name.clone(),
                a.superior_name.clone(),
                a.latest.to_string(),
                SigningView::of(tr, a.signatures()).label,
                signed_cell(tr, a.leader_signed_at),
                signed_cell(tr, a.superior_signed_at),
            ]
        })
        .collect();
    Ok((tr.t("agreements-title"), header, rows))
}

/// The agreements the caller may read as CSV or XLSX.
pub(crate) async fn export<F: Format>(state: State<AppState>, ctx: Ctx, q: Query<ListQuery>) -> AppResult<Response> {
    let (title, header, rows) = export_table(&state, &ctx, &q).await?;
    table_download(F::FORMAT, TableNames::titled(&title, &ctx.tr.t("agreements-sheet")), &header, &rows)
}

/// The PDF's words in the reader's language.
pub(crate) fn pdf_labels(tr: &Tr) -> PdfLabels {
    let kinds: serde_json::Map<String, serde_json::Value> =
        [ElementKind::MainGoal, ElementKind::SubGoal, ElementKind::Assignment, ElementKind::Measure]
            .into_iter()
            .map(|k| (k.code().to_owned(), tr.t(k.label_key()).into()))
            .collect();
    PdfLabels {
        title: tr.t("agreements-one"),
        page: tr.t("agreements-pdf-page"),
        of: tr.t("agreements-pdf-of"),
        leader: tr.t("agreements-leader"),
        superior: tr.t("agreements-superior"),
        items: tr.t("agreements-items"),
        development: tr.t("agreements-development"),
        authority: tr.t("agreements-authority"),
        signatures: tr.t("agreements-signatures"),
        unsigned: tr.t("agreements-unsigned"),
        version: tr.t("agreements-version"),
        none: tr.t("agreements-none"),
        kinds: kinds.into(),
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub(crate) struct PdfQuery {
    /// The version's number (default: the latest).
    #[serde(default)]
    pub(crate) number: Option<String>,
}

/// An agreement's version (`?number=`, the latest by default) as PDF bytes.
pub(crate) async fn pdf_bytes(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    number: Option<&str>,
) -> AppResult<(Agreement, Vec<u8>)> {
    let (a, _) = readable_one(state, ctx, id).await?;
    let mid = ctx.actor()?.municipality_id;
    let number = match number.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.parse::<i64>().map_err(|_| AppError::NotFound)?,
        None => a.latest,
    };
    let versions = state.db.agreement_versions(mid, id).await?;
    let v = versions.into_iter().find(|v| v.number == number).ok_or(AppError::NotFound)?;
    let municipality = state.db.municipality(mid).await?.name;
    let labels = pdf_labels(&ctx.tr);
    let tr = ctx.tr.clone();
    let agreement = a.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        service::agreement_pdf(&municipality, &agreement, &v, &labels, |t| tr.datetime(t))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::Internal)?;
    Ok((a, bytes))
}

/// An agreement's version as PDF.
pub(crate) async fn pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<PdfQuery>,
) -> AppResult<Response> {
    let (a, bytes) = pdf_bytes(&state, &ctx, id, q.number.as_deref()).await?;
    let name = format!("{} {} {}", ctx.tr.t("agreements-one"), a.year, a.unit_name);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, crate::export::attachment(&name, "pdf")),
        ],
        bytes,
    )
        .into_response())
}
