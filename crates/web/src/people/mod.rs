//! People: the admin list for municipality-wide editors, and a person's page and edit form.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms;
use crate::org::Choice;
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rodtrad_domain::text::optional_text;
use rodtrad_domain::{Email, Name};
use rodtrad_store::StoreError;
use rodtrad_store::people::{PeopleFilter, Person, PersonInput};
use serde::Deserialize;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("people")
        .nav(crate::routes::NavEntry {
            order: 70,
            href: "/people",
            key: "nav-people",
            section: "people",
            visible: |a| a.can_admin_people(),
        })
        .get("/people", list)
        .post("/people", create)
        .get("/people/new", new_form)
        .get("/people/{id}", show)
        .post("/people/{id}", update)
}

const PAGE_SIZE: i64 = 500;

#[derive(Template)]
#[template(path = "people/list.html")]
struct ListTemplate {
    p: Page,
    people: Vec<Person>,
    q: String,
    limited: bool,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
}

async fn list(State(state): State<AppState>, ctx: Ctx, Query(query): Query<ListQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_admin_people() {
        return Err(AppError::Forbidden);
    }
    let search = rodtrad_domain::query::search_term(query.q.as_deref());
    let q = search.clone().unwrap_or_default();
    let filter = PeopleFilter { unit_ids: None, query: search };
    let people = state.db.people(actor.municipality_id, &filter, PAGE_SIZE + 1).await?;
    let limited = people.len() as i64 > PAGE_SIZE;
    let template = ListTemplate {
        p: ctx.page(ctx.tr.t("people-title"), "people"),
        people: people.into_iter().take(PAGE_SIZE as usize).collect(),
        q,
        limited,
    };
    Ok(Html(template.render()?).into_response())
}

/// Person form values as typed.
#[derive(Deserialize, Clone, Default)]
pub struct PersonForm {
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    version: String,
}

impl PersonForm {
    fn from_person(p: &Person) -> Self {
        Self {
            name: p.name.clone(),
            email: p.email.clone().unwrap_or_default(),
            title: p.title.clone().unwrap_or_default(),
            unit_id: p.unit_id.map(|u| u.to_string()).unwrap_or_default(),
            active: p.active.then(|| "1".to_owned()),
            version: p.version.to_string(),
        }
    }

    fn parse(&self, ctx: &Ctx) -> Result<PersonInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut field = |name: &'static str, e: rodtrad_domain::RuleError| errors.add(name, ctx.tr.rule(&e));
        let name = Name::parse(&self.name).map_err(|e| field("name", e)).ok();
        let email = if self.email.trim().is_empty() {
            Some(None)
        } else {
            Email::parse(&self.email).map(Some).map_err(|e| field("email", e)).ok()
        };
        let title = optional_text(&self.title, 200).map_err(|e| field("title", e)).ok();
        let unit_id = forms::optional_id(&self.unit_id).map_err(|e| field("unit_id", e)).ok();
        match (name, email, title, unit_id) {
            (Some(name), Some(email), Some(title), Some(unit_id)) if errors.is_empty() => {
                Ok(PersonInput { name, email, title, unit_id, active: self.active.is_some() })
            }
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "people/person.html")]
struct PersonTemplate {
    p: Page,
    person: Option<Person>,
    form: PersonForm,
    errors: FieldErrors,
    conflict: bool,
    can_edit: bool,
    unit_choices: Vec<Choice>,
    saved: bool,
}

async fn unit_choices(state: &AppState, ctx: &Ctx, limit_to: Option<Vec<i64>>) -> AppResult<Vec<Choice>> {
    let tree = state.org_tree(ctx.actor()?.municipality_id).await?;
    let today = chrono::Utc::now().date_naive();
    let mut choices: Vec<Choice> = tree
        .units()
        .iter()
        .filter(|u| u.is_valid_on(today))
        .filter(|u| limit_to.as_ref().is_none_or(|ids| ids.contains(&u.id)))
        .map(|u| Choice { value: u.id.to_string(), label: u.name.clone() })
        .collect();
    choices.sort_by_cached_key(|c| c.label.to_lowercase());
    Ok(choices)
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if !ctx.actor()?.can_admin_people() {
        return Err(AppError::Forbidden);
    }
    let template = PersonTemplate {
        p: ctx.page(ctx.tr.t("people-new"), "people"),
        person: None,
        form: PersonForm { active: Some("1".into()), ..PersonForm::default() },
        errors: FieldErrors::default(),
        conflict: false,
        can_edit: true,
        unit_choices: unit_choices(&state, &ctx, None).await?,
        saved: false,
    };
    Ok(Html(template.render()?).into_response())
}

async fn create(State(state): State<AppState>, ctx: Ctx, Form(form): Form<PersonForm>) -> AppResult<Response> {
    if !ctx.actor()?.can_admin_people() {
        return Err(AppError::Forbidden);
    }
    let result = match form.parse(&ctx) {
        Ok(input) => match state.db.person_create(&ctx.author()?, &input).await {
            Ok(id) => return Ok(Redirect::to(&format!("/people/{id}?saved=1")).into_response()),
            Err(StoreError::Rule(e)) => {
                let mut errors = FieldErrors::default();
                errors.add(if e.key == "err-unit-unknown" { "unit_id" } else { "email" }, ctx.tr.rule(&e));
                errors
            }
            Err(e) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    let template = PersonTemplate {
        p: ctx.page(ctx.tr.t("people-new"), "people"),
        person: None,
        form,
        errors: result,
        conflict: false,
        can_edit: true,
        unit_choices: unit_choices(&state, &ctx, None).await?,
        saved: false,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(template.render()?)).into_response())
}

/// Loads a person and decides what the caller may do: read needs read scope on the person's unit.
async fn access(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Person, bool, Option<Vec<i64>>)> {
    let actor = ctx.actor()?;
    let person = state.db.person(actor.municipality_id, id).await?;
    if actor.can_admin_people() {
        return Ok((person, true, None));
    }
    let tree = state.org_tree(actor.municipality_id).await?;
    let ancestry = person.unit_id.map(|u| tree.ancestry(u)).unwrap_or_default();
    let own = actor.person_id == Some(person.id);
    if !(own || actor.can_read_unit(&ancestry)) {
        // Out of scope looks the same as missing: no data leaks.
        return Err(AppError::NotFound);
    }
    let can_edit = actor.can_edit_unit(&ancestry);
    // A leader may move people only within the units they may edit.
    let editable_units =
        tree.units().iter().filter(|u| actor.can_edit_unit(&tree.ancestry(u.id))).map(|u| u.id).collect();
    Ok((person, can_edit, Some(editable_units)))
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
    let (person, can_edit, scope) = access(&state, &ctx, id).await?;
    let template = PersonTemplate {
        p: ctx.page(person.name.clone(), "people"),
        form: PersonForm::from_person(&person),
        unit_choices: if can_edit { unit_choices(&state, &ctx, scope).await? } else { Vec::new() },
        person: Some(person),
        errors: FieldErrors::default(),
        conflict: false,
        can_edit,
        saved: q.saved.is_some(),
    };
    Ok(Html(template.render()?).into_response())
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PersonForm>,
) -> AppResult<Response> {
    let (person, can_edit, scope) = access(&state, &ctx, id).await?;
    if !can_edit {
        return Err(AppError::Forbidden);
    }
    let mut conflict = false;
    let errors = match (form.parse(&ctx), forms::version(&form.version)) {
        (Ok(input), Ok(version)) => {
            if let (Some(allowed), Some(unit)) = (&scope, input.unit_id)
                && !allowed.contains(&unit)
            {
                return Err(AppError::Forbidden);
            }
            match state.db.person_update(&ctx.author()?, id, version, &input).await {
                Ok(()) => return Ok(Redirect::to(&format!("/people/{id}?saved=1")).into_response()),
                Err(StoreError::Conflict) => {
                    conflict = true;
                    FieldErrors::default()
                }
                Err(StoreError::Rule(e)) => {
                    let mut errors = FieldErrors::default();
                    errors.add(if e.key == "err-unit-unknown" { "unit_id" } else { "email" }, ctx.tr.rule(&e));
                    errors
                }
                Err(e) => return Err(e.into()),
            }
        }
        (Err(errors), _) => errors,
        (_, Err(e)) => {
            let mut errors = FieldErrors::default();
            errors.add("name", ctx.tr.rule(&e));
            errors
        }
    };
    let template = PersonTemplate {
        p: ctx.page(person.name.clone(), "people"),
        person: Some(person),
        form,
        errors,
        conflict,
        can_edit,
        unit_choices: unit_choices(&state, &ctx, scope).await?,
        saved: false,
    };
    let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(template.render()?)).into_response())
}
