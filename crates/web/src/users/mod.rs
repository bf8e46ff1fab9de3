//! Account administration for system administrators: create accounts, grant roles, deactivate.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms;
use crate::org::Choice;
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rodtrad_domain::{Email, Name, Role};
use rodtrad_store::StoreError;
use rodtrad_store::password;
use rodtrad_store::people::PeopleFilter;
use rodtrad_store::users::{NewUser, UserChange, UserSummary};
use serde::Deserialize;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("users")
        .nav(crate::routes::NavEntry {
            order: 80,
            href: "/users",
            key: "nav-users",
            section: "users",
            visible: |a| a.can_admin_users(),
        })
        .get("/users", list)
        .post("/users", create)
        .get("/users/new", new_form)
        .get("/users/{id}", show)
        .post("/users/{id}", update)
}

fn require_admin(ctx: &Ctx) -> AppResult<i64> {
    let actor = ctx.actor()?;
    if actor.can_admin_users() { Ok(actor.municipality_id) } else { Err(AppError::Forbidden) }
}

/// A row of the account list.
struct Row {
    user: UserSummary,
    roles: Vec<String>,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListTemplate {
    p: Page,
    rows: Vec<Row>,
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let mid = require_admin(&ctx)?;
    let mut rows = Vec::new();
    for user in state.db.users(mid).await? {
        let roles = state.db.user_roles(user.id).await?.iter().map(|r| ctx.tr.t(r.label_key())).collect();
        rows.push(Row { user, roles });
    }
    let template = ListTemplate { p: ctx.page(ctx.tr.t("users-title"), "users"), rows };
    Ok(Html(template.render()?).into_response())
}

/// Account form values as typed. Roles arrive as repeated `role` fields.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
struct UserForm {
    email: String,
    display_name: String,
    person_id: String,
    #[serde(rename = "role")]
    roles: Vec<String>,
    #[serde(deserialize_with = "crate::forms::checkbox")]
    active: bool,
    password: String,
    version: String,
}

impl UserForm {
    fn has_role(&self, code: &str) -> bool {
        self.roles.iter().any(|r| r == code)
    }
}

/// A role checkbox.
struct RoleChoice {
    code: &'static str,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "users/user.html")]
struct UserTemplate {
    p: Page,
    user: Option<UserSummary>,
    form: UserForm,
    role_choices: Vec<RoleChoice>,
    person_choices: Vec<Choice>,
    errors: FieldErrors,
    conflict: bool,
    saved: bool,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    user: Option<UserSummary>,
    form: UserForm,
    errors: FieldErrors,
    conflict: bool,
    saved: bool,
) -> AppResult<UserTemplate> {
    let mid = require_admin(ctx)?;
    let people = state.db.people(mid, &PeopleFilter::default(), 100_000).await?;
    let person_choices = people.into_iter().filter(|p| p.active).map(|p| Choice::person(&p)).collect();
    let role_choices = Role::ALL
        .iter()
        .map(|r| RoleChoice { code: r.code(), label: ctx.tr.t(r.label_key()), checked: form.has_role(r.code()) })
        .collect();
    let title = match &user {
        Some(u) => u.display_name.clone(),
        None => ctx.tr.t("users-new"),
    };
    Ok(UserTemplate { p: ctx.page(title, "users"), user, form, role_choices, person_choices, errors, conflict, saved })
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let form = UserForm { active: true, ..UserForm::default() };
    let template = render(&state, &ctx, None, form, FieldErrors::default(), false, false).await?;
    Ok(Html(template.render()?).into_response())
}

fn parse_common(
    ctx: &Ctx,
    form: &UserForm,
    errors: &mut FieldErrors,
) -> (Option<Name>, Option<Option<i64>>, Vec<Role>) {
    let name = Name::parse(&form.display_name).map_err(|e| errors.add("display_name", ctx.tr.rule(&e))).ok();
    let person = forms::optional_id(&form.person_id).map_err(|e| errors.add("person_id", ctx.tr.rule(&e))).ok();
    let mut roles = Vec::new();
    for code in &form.roles {
        match Role::parse(code) {
            Ok(r) => roles.push(r),
            Err(e) => errors.add("roles", ctx.tr.rule(&e)),
        }
    }
    if roles.is_empty() && form.roles.is_empty() {
        errors.add("roles", ctx.tr.t("err-roles-required"));
    }
    (name, person, roles)
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    axum_extra::extract::Form(form): axum_extra::extract::Form<UserForm>,
) -> AppResult<Response> {
    let mid = require_admin(&ctx)?;
    let mut errors = FieldErrors::default();
    let email = Email::parse(&form.email).map_err(|e| errors.add("email", ctx.tr.rule(&e))).ok();
    let (name, person, roles) = parse_common(&ctx, &form, &mut errors);
    if let Err(e) = password::check_policy(&form.password) {
        errors.add("password", ctx.tr.rule(&e));
    }
    if let (Some(email), Some(display_name), Some(person_id), true) = (email, name, person, errors.is_empty()) {
        let new = NewUser {
            municipality_id: mid,
            person_id,
            email,
            display_name,
            password_hash: password::hash(&form.password, state.config.hash_cost),
            roles,
        };
        if let Some(p) = person_id
            && state.db.person(mid, p).await.is_err()
        {
            errors.add("person_id", ctx.tr.t("err-person-unknown"));
        } else {
            match state.db.user_create(&ctx.author()?, &new).await {
                Ok(id) => return Ok(Redirect::to(&format!("/users/{id}?saved=1")).into_response()),
                Err(StoreError::Rule(e)) => errors.add("email", ctx.tr.rule(&e)),
                Err(e) => return Err(e.into()),
            }
        }
    }
    let form = UserForm { password: String::new(), ..form };
    let template = render(&state, &ctx, None, form, errors, false, false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(template.render()?)).into_response())
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let mid = require_admin(&ctx)?;
    let user = state.db.user_summary(mid, id).await?;
    let roles = state.db.user_roles(id).await?;
    let form = UserForm {
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        person_id: user.person_id.map(|p| p.to_string()).unwrap_or_default(),
        roles: roles.iter().map(|r| r.code().to_owned()).collect(),
        active: user.active,
        password: String::new(),
        version: user.version.to_string(),
    };
    let template = render(&state, &ctx, Some(user), form, FieldErrors::default(), false, q.saved.is_some()).await?;
    Ok(Html(template.render()?).into_response())
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum_extra::extract::Form(form): axum_extra::extract::Form<UserForm>,
) -> AppResult<Response> {
    let mid = require_admin(&ctx)?;
    let user = state.db.user_summary(mid, id).await?;
    let form = UserForm { email: user.email.clone(), ..form };
    let mut errors = FieldErrors::default();
    let (name, person, roles) = parse_common(&ctx, &form, &mut errors);
    let version = forms::version(&form.version).map_err(|e| errors.add("display_name", ctx.tr.rule(&e))).ok();
    // An administrator cannot lock themselves out.
    if ctx.user()?.user.id == id && (!form.active || !roles.contains(&Role::SystemAdmin)) {
        errors.add("roles", ctx.tr.t("err-self-lockout"));
    }
    let mut conflict = false;
    if let (Some(display_name), Some(person_id), Some(version), true) = (name, person, version, errors.is_empty()) {
        let change = UserChange { display_name, person_id, active: form.active, roles };
        match state.db.user_update(&ctx.author()?, id, version, &change).await {
            Ok(()) => return Ok(Redirect::to(&format!("/users/{id}?saved=1")).into_response()),
            Err(StoreError::Conflict) => conflict = true,
            Err(StoreError::Rule(e)) => errors.add("person_id", ctx.tr.rule(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let template = render(&state, &ctx, Some(user), form, errors, conflict, false).await?;
    Ok((status, Html(template.render()?)).into_response())
}
