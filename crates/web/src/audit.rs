//! The audit log page for auditors and administrators: filter by entity, person and date,
//! see one entity's history, export as CSV.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms;
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rodtrad_store::audit::{AuditFilter, AuditRow, JsonValue};
use serde::Deserialize;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("audit").get("/audit", page).get("/audit.csv", csv)
}

/// Entity types that appear in the log.
pub const ENTITIES: [&str; 16] = [
    "municipality",
    "org_unit",
    "person",
    "user",
    "delegation",
    "api_token",
    "plan",
    "plan_decision",
    "plan_section",
    "goal_element",
    "sdg_priorities",
    "sdg_target",
    "element_labels",
    "u4ssc_assessment",
    "u4ssc_cell",
    "u4ssc_kpi_value",
];
const LIMIT: i64 = 500;

#[derive(Deserialize, Default, Clone)]
struct AuditQuery {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl AuditQuery {
    fn parse(&self, ctx: &Ctx) -> Result<AuditFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let entity = match self.entity.trim() {
            "" => None,
            e if ENTITIES.contains(&e) => Some(e.to_owned()),
            _ => {
                errors.add("entity", ctx.tr.t("err-entity-unknown"));
                None
            }
        };
        let mut id = |field: &'static str, v: &str| {
            forms::optional_id(v).map_err(|e| errors.add(field, ctx.tr.rule(&e))).ok().flatten()
        };
        let entity_id = id("entity_id", &self.entity_id);
        let user_id = id("user", &self.user);
        let from = forms::optional_date(&self.from).map_err(|e| errors.add("from", ctx.tr.rule(&e))).ok().flatten();
        let to = forms::optional_date(&self.to).map_err(|e| errors.add("to", ctx.tr.rule(&e))).ok().flatten();
        if errors.is_empty() { Ok(AuditFilter { entity, entity_id, user_id, from, to }) } else { Err(errors) }
    }
}

/// An audit row prepared for display.
struct Entry {
    row: AuditRow,
    entity_label: String,
    action_label: String,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    p: Page,
    q: AuditQuery,
    errors: FieldErrors,
    entries: Vec<Entry>,
    entities: Vec<(&'static str, String)>,
    limited: bool,
    csv_link: String,
}

fn entity_key(entity: &str) -> &'static str {
    match entity {
        "municipality" => "entity-municipality",
        "org_unit" => "entity-org_unit",
        "person" => "entity-person",
        "user" => "entity-user",
        "delegation" => "entity-delegation",
        "api_token" => "entity-api_token",
        "plan" => "entity-plan",
        "plan_decision" => "entity-plan_decision",
        "plan_section" => "entity-plan_section",
        "goal_element" => "entity-goal_element",
        "sdg_priorities" => "entity-sdg_priorities",
        "sdg_target" => "entity-sdg_target",
        "element_labels" => "entity-element_labels",
        "u4ssc_assessment" => "entity-u4ssc_assessment",
        "u4ssc_cell" => "entity-u4ssc_cell",
        "u4ssc_kpi_value" => "entity-u4ssc_kpi_value",
        _ => "entity-other",
    }
}

fn action_key(action: &str) -> &'static str {
    match action {
        "create" => "action-create",
        "update" => "action-update",
        "retire" => "action-retire",
        "revoke" => "action-revoke",
        "login" => "action-login",
        "logout" => "action-logout",
        "password" => "action-password",
        "status" => "action-status",
        "inherit" => "action-inherit",
        "assign" => "action-assign",
        "acknowledge" => "action-acknowledge",
        "remove" => "action-remove",
        "place" => "action-place",
        _ => "action-other",
    }
}

async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_read_audit() {
        return Err(AppError::Forbidden);
    }
    let (filter, errors) = match q.parse(&ctx) {
        Ok(f) => (Some(f), FieldErrors::default()),
        Err(e) => (None, e),
    };
    let rows = match &filter {
        Some(f) => state.db.audit_list(actor.municipality_id, f, LIMIT + 1).await?,
        None => Vec::new(),
    };
    let limited = rows.len() as i64 > LIMIT;
    let pretty = |v: &Option<JsonValue>| v.as_ref().and_then(|j| serde_json::to_string_pretty(&j.0).ok());
    let entries = rows
        .into_iter()
        .take(LIMIT as usize)
        .map(|row| Entry {
            entity_label: ctx.tr.t(entity_key(&row.entity)),
            action_label: ctx.tr.t(action_key(&row.action)),
            before: pretty(&row.before_json),
            after: pretty(&row.after_json),
            row,
        })
        .collect();
    let csv_link = format!(
        "/audit.csv?{}",
        serde_urlencoded::to_string([
            ("entity", q.entity.as_str()),
            ("entity_id", q.entity_id.as_str()),
            ("user", q.user.as_str()),
            ("from", q.from.as_str()),
            ("to", q.to.as_str()),
        ])
        .unwrap_or_default()
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let template = AuditTemplate {
        p: ctx.page(ctx.tr.t("audit-title"), "audit"),
        entities: ENTITIES.iter().map(|e| (*e, ctx.tr.t(entity_key(e)))).collect(),
        q,
        errors,
        entries,
        limited,
        csv_link,
    };
    Ok((status, Html(template.render()?)).into_response())
}

async fn csv(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_read_audit() {
        return Err(AppError::Forbidden);
    }
    let filter = q.parse(&ctx).map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-filter-invalid")))?;
    let rows = state.db.audit_list(actor.municipality_id, &filter, 100_000).await?;
    let json = |v: &Option<JsonValue>| v.as_ref().map(|j| j.0.to_string()).unwrap_or_default();
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.at.to_rfc3339(),
                r.actor_name.clone(),
                r.user_id.map(|u| u.to_string()).unwrap_or_default(),
                r.entity.clone(),
                r.entity_id.to_string(),
                r.action.clone(),
                json(&r.before_json),
                json(&r.after_json),
            ]
        })
        .collect();
    let header = ["tidspunkt", "utfort_av", "bruker_id", "entitet", "entitet_id", "handling", "for", "etter"];
    let bytes = rodtrad_export::csv_table(&header, &table).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"revisjonslogg.csv\""),
        ],
        bytes,
    )
        .into_response())
}
