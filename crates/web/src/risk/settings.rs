//! The matrix settings: the municipality's wording of each likelihood and consequence level and
//! the score bands' thresholds. Everyone signed in reads them; the management staff and system
//! administrators change them (422 with the typed values, 409 when stale).

use super::*;
use rodtrad_domain::risk::MatrixDraft;

/// A band's scores as shown: «Høy: 10–14».
pub(crate) struct BandRange {
    pub(crate) code: &'static str,
    pub(crate) label: String,
    pub(crate) range: String,
}

#[derive(Template)]
#[template(path = "risk/matrix.html")]
pub(crate) struct MatrixTemplate {
    pub(crate) p: Page,
    pub(crate) manages: bool,
    pub(crate) customised: bool,
    pub(crate) version: i64,
    pub(crate) likelihood: Vec<String>,
    pub(crate) consequence: Vec<String>,
    pub(crate) ranges: Vec<BandRange>,
    pub(crate) draft: MatrixDraft,
    pub(crate) errors: FieldErrors,
    pub(crate) saved: bool,
}

async fn view(state: &AppState, ctx: &Ctx) -> AppResult<MatrixTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let stored = state.db.risk_matrix(actor.municipality_id).await?;
    let m = &stored.matrix;
    let t = m.thresholds;
    let range = |from: u16, to: u16| if from == to { from.to_string() } else { format!("{from}–{to}") };
    let ranges = vec![
        (Band::Low, range(1, t.medium - 1)),
        (Band::Medium, range(t.medium, t.high - 1)),
        (Band::High, range(t.high, t.critical - 1)),
        (Band::Critical, range(t.critical, m.max_score())),
    ]
    .into_iter()
    .map(|(b, r)| BandRange { code: b.code(), label: tr.t(b.label_key()), range: r })
    .collect();
    Ok(MatrixTemplate {
        p: ctx.page(tr.t("risk-matrix-title"), "risk"),
        manages: actor.can_manage_risk_matrix(),
        customised: stored.version > 0,
        version: stored.version,
        likelihood: m.likelihood.clone(),
        consequence: m.consequence.clone(),
        ranges,
        draft: MatrixDraft::of(m),
        errors: FieldErrors::default(),
        saved: false,
    })
}

/// The matrix and, for the staff, its form.
pub(crate) async fn matrix_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let mut t = view(&state, &ctx).await?;
    t.saved = q.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

/// Saves the matrix at the version the form was read at.
pub(crate) async fn matrix_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_risk_matrix() {
        return Err(AppError::Forbidden);
    }
    let draft = MatrixDraft {
        likelihood: field(&form, "likelihood").to_owned(),
        consequence: field(&form, "consequence").to_owned(),
        medium: field(&form, "medium").to_owned(),
        high: field(&form, "high").to_owned(),
        critical: field(&form, "critical").to_owned(),
    };
    let version: i64 = field(&form, "version").parse().unwrap_or(-1);
    let mut errors = FieldErrors::default();
    let status = match draft.parse() {
        Ok(matrix) => match service::save_matrix(&state.db, (actor, &ctx.author()?), version, &matrix).await {
            Ok(_) => return Ok(Redirect::to("/risk/matrix?saved=1").into_response()),
            Err(e) => {
                let (status, field, message) = refusal(&ctx.tr, e)?;
                errors.add(field.unwrap_or("likelihood"), message);
                status
            }
        },
        Err(list) => {
            for e in list {
                errors.add(e.field.unwrap_or("likelihood"), ctx.tr.rule(&e));
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let mut t = view(&state, &ctx).await?;
    t.version = version;
    t.draft = draft;
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}
