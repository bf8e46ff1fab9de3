//! The classification thresholds of the municipality (performance-management staff and system
//! administrators): from which share of the needed pace an indicator is on track or shows moderate
//! progress, below which it moves away, how many values a trend needs, and how rates are computed.
//! Every indicator page explains the method with the thresholds in force. A stale save is 409 and
//! bad input 422, with the typed values kept; the page and `/api/v1/indicators/settings` alike.

use super::*;
use crate::api::ErrorDto;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use rodtrad_store::indicators::IndicatorSettings;
use serde::Serialize;
use utoipa::ToSchema;

/// The classification thresholds in force in the municipality.
pub(crate) async fn thresholds(state: &AppState, municipality_id: i64) -> AppResult<Thresholds> {
    Ok(state.db.indicator_settings(municipality_id).await?.thresholds)
}

/// Who may change the thresholds.
pub(crate) fn may_configure(a: &Actor) -> bool {
    a.has(Role::SystemAdmin) || a.has(Role::Management)
}

fn configurer(ctx: &Ctx) -> AppResult<&Actor> {
    let actor = ctx.actor()?;
    if !may_configure(actor) {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

#[derive(Template)]
#[template(path = "indicators/settings.html")]
pub(crate) struct SettingsTemplate {
    pub(crate) p: Page,
    pub(crate) version: i64,
    pub(crate) on_track: String,
    pub(crate) moderate: String,
    pub(crate) moving_away: String,
    pub(crate) min_observations: String,
    pub(crate) method: String,
    pub(crate) methods: Vec<Choice>,
    pub(crate) errors: FieldErrors,
    pub(crate) saved: bool,
}

fn template(ctx: &Ctx, s: &IndicatorSettings) -> SettingsTemplate {
    let t = &s.thresholds;
    SettingsTemplate {
        p: ctx.page(ctx.tr.t("indicator-settings-title"), "plans"),
        version: s.version,
        on_track: Thresholds::percent(t.on_track),
        moderate: Thresholds::percent(t.moderate),
        moving_away: Thresholds::percent(t.moving_away),
        min_observations: t.min_observations.to_string(),
        method: t.method.code().to_owned(),
        methods: RateMethod::ALL
            .iter()
            .map(|m| Choice { value: m.code().to_owned(), label: ctx.tr.t(m.label_key()) })
            .collect(),
        errors: FieldErrors::default(),
        saved: false,
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct SavedQuery {
    pub(crate) saved: Option<String>,
}

/// The settings page.
pub(crate) async fn settings_page(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> AppResult<Response> {
    let actor = configurer(&ctx)?;
    let s = state.db.indicator_settings(actor.municipality_id).await?;
    let mut t = template(&ctx, &s);
    t.saved = q.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

#[derive(Deserialize, Default)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    on_track: String,
    #[serde(default)]
    moderate: String,
    #[serde(default)]
    moving_away: String,
    #[serde(default)]
    min_observations: String,
    #[serde(default)]
    method: String,
}

/// Saves the thresholds: 422 with the values kept for bad input, 409 when stale.
pub(crate) async fn settings_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let actor = configurer(&ctx)?;
    let mut errors = FieldErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let parsed =
        Thresholds::parse(&form.on_track, &form.moderate, &form.moving_away, &form.min_observations, &form.method);
    match (crate::forms::version(&form.version), parsed) {
        (Err(e), _) => errors.add("on_track", ctx.tr.rule(&e)),
        (_, Err(e)) => errors.add(e.field.unwrap_or("on_track"), ctx.tr.rule(&e)),
        (Ok(version), Ok(t)) => match state.db.indicator_settings_save(&ctx.author()?, version, &t).await {
            Ok(_) => return Ok(Redirect::to("/indicators/settings?saved=1").into_response()),
            Err(StoreError::Conflict) => {
                status = StatusCode::CONFLICT;
                errors.add("on_track", ctx.tr.t("err-conflict"));
            }
            Err(e) => return Err(e.into()),
        },
    }
    let s = state.db.indicator_settings(actor.municipality_id).await?;
    let mut t = template(&ctx, &s);
    t.on_track = form.on_track;
    t.moderate = form.moderate;
    t.moving_away = form.moving_away;
    t.min_observations = form.min_observations;
    t.method = form.method;
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

/// The thresholds as the API shows and takes them; ratios as fractions (0.95 is 95 %).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ThresholdsDto {
    /// Ratio of observed to needed pace from which an indicator is on track.
    pub on_track: f64,
    /// Ratio from which progress is moderate.
    pub moderate: f64,
    /// Ratio below which the indicator moves away from its target.
    pub moving_away: f64,
    /// Values after the baseline year a trend needs (1–10).
    pub min_observations: usize,
    /// `compound` or `linear`.
    pub method: String,
    /// Version (send it back when saving; 0 before the first save).
    pub version: i64,
}

fn dto(s: &IndicatorSettings) -> ThresholdsDto {
    let t = &s.thresholds;
    ThresholdsDto {
        on_track: t.on_track,
        moderate: t.moderate,
        moving_away: t.moving_away,
        min_observations: t.min_observations,
        method: t.method.code().to_owned(),
        version: s.version,
    }
}

/// The classification thresholds in force (everyone signed in: every indicator page explains them).
#[utoipa::path(get, path = "/api/v1/indicators/settings", responses((status = 200, body = ThresholdsDto)))]
pub(crate) async fn api_settings(State(state): State<AppState>, ctx: Ctx) -> AppResult<Json<ThresholdsDto>> {
    let actor = ctx.actor()?;
    Ok(Json(dto(&state.db.indicator_settings(actor.municipality_id).await?)))
}

/// Saves the thresholds (performance-management staff, system administrators); 409 for a stale
/// `version`, 422 for values out of range or out of order.
#[utoipa::path(put, path = "/api/v1/indicators/settings", request_body = ThresholdsDto,
    responses((status = 200, body = ThresholdsDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub(crate) async fn api_settings_put(
    State(state): State<AppState>,
    ctx: Ctx,
    payload: Result<Json<ThresholdsDto>, JsonRejection>,
) -> AppResult<Json<ThresholdsDto>> {
    let actor = configurer(&ctx)?;
    let Json(w) = payload.map_err(|_| AppError::Rule(RuleError::new("err-json-invalid")))?;
    let finite = [w.on_track, w.moderate, w.moving_away].iter().all(|v| v.is_finite());
    let percent = |v: f64| if finite { format!("{}", v * 100.0) } else { String::from("NaN") };
    let t = Thresholds::parse(
        &percent(w.on_track),
        &percent(w.moderate),
        &percent(w.moving_away),
        &w.min_observations.to_string(),
        &w.method,
    )?;
    state.db.indicator_settings_save(&ctx.author()?, w.version, &t).await?;
    Ok(Json(dto(&state.db.indicator_settings(actor.municipality_id).await?)))
}
