//! The audit log page for auditors and administrators: filter by object (type and id), person and
//! period, see one object's history as readable changes, export as CSV (with the JSON snapshots).

mod changes;

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rodtrad_domain::query::{AuditFilter, AuditQuery};
use rodtrad_store::audit::{AuditRow, JsonValue};

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("audit")
        .nav(crate::routes::NavEntry {
            order: 90,
            href: "/audit",
            key: "nav-audit",
            section: "audit",
            visible: |a| a.can_read_audit(),
        })
        .get("/audit", page)
        .get("/audit.csv", csv)
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

/// Parses the filters; each bad field gets its message beside the field.
fn parse_filter(q: &AuditQuery, ctx: &Ctx) -> Result<AuditFilter, FieldErrors> {
    q.parse(&ENTITIES).map_err(|problems| {
        let mut errors = FieldErrors::default();
        for (field, problem) in problems {
            errors.add(field, ctx.tr.rule(&problem));
        }
        errors
    })
}

/// An audit row prepared for display.
struct Entry {
    row: AuditRow,
    entity_label: String,
    action_label: String,
    changes: Vec<changes::Change>,
}

#[derive(Template)]
#[template(path = "audit/log.html")]
struct AuditTemplate {
    p: Page,
    q: AuditQuery,
    errors: FieldErrors,
    entries: Vec<Entry>,
    entities: Vec<(&'static str, String)>,
    /// The accounts of the municipality, `(id, name)`, for the person filter.
    users: Vec<(String, String)>,
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
        "leadership_agreement" => "entity-leadership_agreement",
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
        "sign" => "action-sign",
        "new_version" => "action-new_version",
        _ => "action-other",
    }
}

async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_read_audit() {
        return Err(AppError::Forbidden);
    }
    let (filter, errors) = match parse_filter(&q, &ctx) {
        Ok(f) => (Some(f), FieldErrors::default()),
        Err(e) => (None, e),
    };
    let rows = match &filter {
        Some(f) => state.db.audit_list(actor.municipality_id, f, LIMIT + 1).await?,
        None => Vec::new(),
    };
    let limited = rows.len() as i64 > LIMIT;
    let names = if rows.is_empty() { changes::Names::default() } else { names(&state, actor.municipality_id).await? };
    let json = |v: &Option<JsonValue>| v.as_ref().map(|j| j.0.clone());
    let entries = rows
        .into_iter()
        .take(LIMIT as usize)
        .map(|row| Entry {
            entity_label: ctx.tr.t(entity_key(&row.entity)),
            action_label: ctx.tr.t(action_key(&row.action)),
            changes: changes::changes(
                &ctx.tr,
                &names,
                &row.entity,
                json(&row.before_json).as_ref(),
                json(&row.after_json).as_ref(),
            ),
            row,
        })
        .collect();
    let mut users: Vec<(String, String)> =
        state.db.users(actor.municipality_id).await?.into_iter().map(|u| (u.id.to_string(), u.display_name)).collect();
    users.sort_by_cached_key(|u| u.1.to_lowercase());
    let csv_link = format!("/audit.csv?{}", q.to_query_string());
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let template = AuditTemplate {
        p: ctx.page(ctx.tr.t("audit-title"), "audit"),
        entities: ENTITIES.iter().map(|e| (*e, ctx.tr.t(entity_key(e)))).collect(),
        users,
        q,
        errors,
        entries,
        limited,
        csv_link,
    };
    Ok((status, Html(template.render()?)).into_response())
}

/// Names of the units, people and plans the snapshots refer to by id.
async fn names(state: &AppState, municipality_id: i64) -> AppResult<changes::Names> {
    let tree = state.org_tree(municipality_id).await?;
    let people = state.db.people(municipality_id, &rodtrad_store::people::PeopleFilter::default(), 1_000_000).await?;
    let plans = state.db.plans(municipality_id).await?;
    Ok(changes::Names {
        units: tree.units().iter().map(|u| (u.id, u.name.clone())).collect(),
        people: people.into_iter().map(|p| (p.id, p.name)).collect(),
        plans: plans.into_iter().map(|p| (p.id, p.title)).collect(),
    })
}

async fn csv(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_read_audit() {
        return Err(AppError::Forbidden);
    }
    let filter =
        parse_filter(&q, &ctx).map_err(|_| AppError::Rule(rodtrad_domain::RuleError::new("err-filter-invalid")))?;
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
