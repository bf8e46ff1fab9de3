//! Organisation pages: the tree, a unit's page, editing, sub-units, retirement and delegation.

use crate::ctx::Ctx;
use crate::error::{AppError, AppResult};
use crate::forms;
use crate::pages::{FieldErrors, Page};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use rodtrad_domain::text::optional_text;
use rodtrad_domain::{Name, OrgUnitKind, RuleError};
use rodtrad_store::StoreError;
use rodtrad_store::org::{Delegation, NewOrgUnit, OrgTree, OrgUnit, OrgUnitChange};
use rodtrad_store::people::{PeopleFilter, Person};
use serde::Deserialize;

/// Routes of this module.
pub fn routes() -> Routes {
    Routes::new("org")
        .nav(crate::routes::NavEntry::all(60, "/org", "nav-org", "org"))
        .get("/org", tree_page)
        .get("/org/{id}", unit_page)
        .post("/org/{id}", update_unit)
        .post("/org/{id}/units", create_sub_unit)
        .post("/org/{id}/delegations", create_delegation)
        .post("/org/{id}/delegations/{delegation_id}/revoke", revoke_delegation)
}

/// One row of the flattened tree.
pub struct TreeRow<'a> {
    /// The unit.
    pub unit: &'a OrgUnit,
    /// Leader level 1–4.
    pub level: u8,
    /// Whether children follow.
    pub has_children: bool,
    /// How many children are shown.
    pub children: usize,
    /// Shown expanded.
    pub open: bool,
    /// Lists to close after this row.
    pub closes: usize,
    /// Retired.
    pub retired: bool,
}

/// Flattens the tree depth-first so a template can render nested lists without recursion.
pub fn flatten(tree: &OrgTree, today: NaiveDate, include_retired: bool, open_depth: usize) -> Vec<TreeRow<'_>> {
    fn visit<'a>(tree: &'a OrgTree, id: i64, depth: usize, ctx: (NaiveDate, bool, usize), out: &mut Vec<TreeRow<'a>>) {
        let (today, include_retired, open_depth) = ctx;
        let Some(unit) = tree.get(id) else { return };
        let retired = !unit.is_valid_on(today);
        let children: Vec<i64> = tree
            .children(Some(id))
            .iter()
            .copied()
            .filter(|c| include_retired || tree.get(*c).is_some_and(|u| u.is_valid_on(today)))
            .collect();
        out.push(TreeRow {
            unit,
            level: tree.leader_level(id).get(),
            has_children: !children.is_empty(),
            children: children.len(),
            open: depth < open_depth,
            closes: 0,
            retired,
        });
        for c in &children {
            visit(tree, *c, depth + 1, ctx, out);
        }
        if !children.is_empty()
            && let Some(last) = out.last_mut()
        {
            last.closes += 1;
        }
    }
    let mut out = Vec::new();
    for root in tree.children(None) {
        visit(tree, *root, 0, (today, include_retired, open_depth), &mut out);
    }
    out
}

#[derive(Template)]
#[template(path = "org/tree.html")]
struct TreeTemplate<'a> {
    p: Page,
    rows: Vec<TreeRow<'a>>,
    hits: Vec<(OrgUnit, String)>,
    q: String,
    include_retired: bool,
    total: usize,
}

#[derive(Deserialize, Default)]
struct TreeQuery {
    q: Option<String>,
    retired: Option<String>,
}

async fn tree_page(State(state): State<AppState>, ctx: Ctx, Query(query): Query<TreeQuery>) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_view_org_tree() {
        return Err(AppError::Forbidden);
    }
    let tree = state.org_tree(actor.municipality_id).await?;
    let today = Utc::now().date_naive();
    let include_retired = query.retired.is_some();
    let q = query.q.unwrap_or_default().trim().to_owned();
    let hits = if q.is_empty() {
        Vec::new()
    } else {
        let needle = q.to_lowercase();
        tree.units()
            .iter()
            .filter(|u| include_retired || u.is_valid_on(today))
            .filter(|u| {
                u.name.to_lowercase().contains(&needle)
                    || u.leader_name.as_deref().is_some_and(|l| l.to_lowercase().contains(&needle))
            })
            .map(|u| (u.clone(), path_text(&tree, u.id)))
            .collect()
    };
    let rows = if q.is_empty() { flatten(&tree, today, include_retired, 1) } else { Vec::new() };
    let template = TreeTemplate {
        p: ctx.page(ctx.tr.t("org-title"), "org"),
        total: tree.units().iter().filter(|u| u.is_valid_on(today)).count(),
        rows,
        hits,
        q,
        include_retired,
    };
    Ok(Html(template.render()?).into_response())
}

fn path_text(tree: &OrgTree, id: i64) -> String {
    let mut names: Vec<&str> =
        tree.ancestry(id).iter().skip(1).filter_map(|a| tree.get(*a)).map(|u| u.name.as_str()).collect();
    names.reverse();
    names.join(" › ")
}

/// Values of the unit edit form, kept as typed so a refused save shows them again.
#[derive(Deserialize, Clone, Default)]
pub struct UnitForm {
    name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    leader_person_id: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    version: String,
}

impl UnitForm {
    fn from_unit(unit: &OrgUnit) -> Self {
        Self {
            name: unit.name.clone(),
            short_name: unit.short_name.clone().unwrap_or_default(),
            leader_person_id: unit.leader_person_id.map(|i| i.to_string()).unwrap_or_default(),
            valid_from: unit.valid_from.to_string(),
            valid_to: unit.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            parent_id: unit.parent_id.map(|i| i.to_string()).unwrap_or_default(),
            version: unit.version.to_string(),
        }
    }
}

/// Values of the new sub-unit form.
#[derive(Deserialize, Clone, Default)]
pub struct NewUnitForm {
    kind: String,
    name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    valid_from: String,
}

/// Values of the delegation form.
#[derive(Deserialize, Clone, Default)]
pub struct DelegationForm {
    person_id: String,
    valid_to: String,
}

/// An option in a select.
pub struct Choice {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
}

impl Choice {
    /// A person, labelled with their unit so namesakes can be told apart.
    pub fn person(p: &Person) -> Self {
        let label = match &p.unit_name {
            Some(u) => format!("{} ({u})", p.name),
            None => p.name.clone(),
        };
        Self { value: p.id.to_string(), label }
    }
}

#[derive(Template)]
#[template(path = "org/unit.html")]
struct UnitTemplate {
    p: Page,
    unit: OrgUnit,
    kind_label: String,
    level: u8,
    authority: u8,
    retired: bool,
    breadcrumbs: Vec<OrgUnit>,
    children: Vec<(OrgUnit, bool)>,
    people: Option<Vec<Person>>,
    can_edit: bool,
    can_restructure: bool,
    can_delegate: bool,
    delegations: Vec<Delegation>,
    person_choices: Vec<Choice>,
    leader_choices: Vec<Choice>,
    parent_choices: Vec<Choice>,
    kind_choices: Vec<Choice>,
    edit: UnitForm,
    edit_errors: FieldErrors,
    conflict: bool,
    new_unit: NewUnitForm,
    new_errors: FieldErrors,
    delegation: DelegationForm,
    delegation_errors: FieldErrors,
    saved: bool,
}

/// Which form (if any) comes back with the user's values and messages.
enum Returned {
    None,
    Edit(UnitForm, FieldErrors, bool),
    NewUnit(NewUnitForm, FieldErrors),
    Delegation(DelegationForm, FieldErrors),
}

async fn render_unit(state: &AppState, ctx: &Ctx, id: i64, returned: Returned, saved: bool) -> AppResult<UnitTemplate> {
    let actor = ctx.actor()?;
    if !actor.can_view_org_tree() {
        return Err(AppError::Forbidden);
    }
    let tree = state.org_tree(actor.municipality_id).await?;
    let unit = tree.get(id).cloned().ok_or(AppError::NotFound)?;
    let today = Utc::now().date_naive();
    let ancestry = tree.ancestry(id);
    let can_read = actor.can_read_unit(&ancestry);
    let can_edit = actor.can_edit_unit(&ancestry);
    let can_restructure = actor.can_restructure();
    let can_delegate = actor.can_delegate(id);
    let level = tree.leader_level(id);
    let mut breadcrumbs: Vec<OrgUnit> = ancestry.iter().skip(1).filter_map(|a| tree.get(*a).cloned()).collect();
    breadcrumbs.reverse();
    let children = tree
        .children(Some(id))
        .iter()
        .filter_map(|c| tree.get(*c))
        .map(|c| (c.clone(), !c.is_valid_on(today)))
        .collect();
    let people = if can_read {
        let filter = PeopleFilter { unit_ids: Some(vec![id]), query: None };
        Some(state.db.people(actor.municipality_id, &filter, 10_000).await?)
    } else {
        None
    };
    let needs_people = can_edit || can_delegate;
    let person_choices = if needs_people {
        // Leaders are chosen among the unit's subtree; municipality-wide editors may pick anyone.
        let scope = if can_restructure { None } else { Some(tree.subtree(id)) };
        let filter = PeopleFilter { unit_ids: scope, query: None };
        state
            .db
            .people(actor.municipality_id, &filter, 10_000)
            .await?
            .into_iter()
            .filter(|p| p.active)
            .map(|p| Choice::person(&p))
            .collect()
    } else {
        Vec::new()
    };
    let mut leader_choices: Vec<Choice> = Vec::new();
    if let (Some(lid), Some(lname)) = (unit.leader_person_id, &unit.leader_name)
        && !person_choices.iter().any(|c| c.value == lid.to_string())
    {
        leader_choices.push(Choice { value: lid.to_string(), label: lname.clone() });
    }
    leader_choices.extend(person_choices.iter().map(|c| Choice { value: c.value.clone(), label: c.label.clone() }));
    let parent_choices = if can_restructure && unit.parent_id.is_some() {
        let subtree = tree.subtree(id);
        tree.units()
            .iter()
            .filter(|u| u.is_valid_on(today) && !subtree.contains(&u.id))
            .filter(|u| unit.kind().may_sit_under(Some(u.kind())))
            .map(|u| Choice { value: u.id.to_string(), label: u.name.clone() })
            .collect()
    } else {
        Vec::new()
    };
    let kind_choices = unit
        .kind()
        .child_kinds()
        .into_iter()
        .filter(|k| can_restructure || *k == OrgUnitKind::Department)
        .map(|k| Choice { value: k.code().to_owned(), label: ctx.tr.t(k.label_key()) })
        .collect();
    let delegations =
        if can_delegate { state.db.delegations_for_unit(actor.municipality_id, id, today).await? } else { Vec::new() };

    let mut template = UnitTemplate {
        p: ctx.page(unit.name.clone(), "org"),
        kind_label: ctx.tr.t(unit.kind().label_key()),
        level: level.get(),
        authority: level.authority().get(),
        retired: !unit.is_valid_on(today),
        breadcrumbs,
        children,
        people,
        can_edit,
        can_restructure,
        can_delegate,
        delegations,
        person_choices,
        leader_choices,
        parent_choices,
        kind_choices,
        edit: UnitForm::from_unit(&unit),
        edit_errors: FieldErrors::default(),
        conflict: false,
        new_unit: NewUnitForm { valid_from: today.to_string(), ..NewUnitForm::default() },
        new_errors: FieldErrors::default(),
        delegation: DelegationForm::default(),
        delegation_errors: FieldErrors::default(),
        saved,
        unit,
    };
    match returned {
        Returned::None => {}
        Returned::Edit(form, errors, conflict) => {
            template.edit = form;
            template.edit_errors = errors;
            template.conflict = conflict;
        }
        Returned::NewUnit(form, errors) => {
            template.new_unit = form;
            template.new_errors = errors;
        }
        Returned::Delegation(form, errors) => {
            template.delegation = form;
            template.delegation_errors = errors;
        }
    }
    Ok(template)
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn unit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let template = render_unit(&state, &ctx, id, Returned::None, q.saved.is_some()).await?;
    Ok(Html(template.render()?).into_response())
}

/// Ancestry of a unit in the caller's municipality, or 404.
async fn ancestry_of(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(std::sync::Arc<OrgTree>, Vec<i64>)> {
    let tree = state.org_tree(ctx.actor()?.municipality_id).await?;
    let ancestry = tree.ancestry(id);
    if ancestry.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok((tree, ancestry))
}

fn rule_into<'a>(errors: &'a mut FieldErrors, ctx: &Ctx, field: &'static str) -> impl FnMut(RuleError) + use<'a> {
    let tr = ctx.tr.clone();
    move |e| errors.add(field, tr.rule(&e))
}

async fn update_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<UnitForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (tree, ancestry) = ancestry_of(&state, &ctx, id).await?;
    if !actor.can_edit_unit(&ancestry) {
        return Err(AppError::Forbidden);
    }
    let current = tree.get(id).ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let name = Name::parse(&form.name).map_err(rule_into(&mut errors, &ctx, "name")).ok();
    let short_name = optional_text(&form.short_name, 20).map_err(rule_into(&mut errors, &ctx, "short_name")).ok();
    let leader =
        forms::optional_id(&form.leader_person_id).map_err(rule_into(&mut errors, &ctx, "leader_person_id")).ok();
    let valid_from = forms::required_date(&form.valid_from).map_err(rule_into(&mut errors, &ctx, "valid_from")).ok();
    let valid_to = forms::optional_date(&form.valid_to).map_err(rule_into(&mut errors, &ctx, "valid_to")).ok();
    let version = forms::version(&form.version).map_err(rule_into(&mut errors, &ctx, "name")).ok();
    // Only municipality-wide editors move units; an absent or empty field keeps the parent.
    let parent_id = if actor.can_restructure() && current.parent_id.is_some() {
        forms::optional_id(&form.parent_id)
            .map_err(rule_into(&mut errors, &ctx, "parent_id"))
            .ok()
            .flatten()
            .or(current.parent_id)
    } else {
        current.parent_id
    };
    if let Some(Some(leader_id)) = leader {
        // Leaders outside the unit's subtree can only be chosen by municipality-wide editors.
        if !actor.can_restructure() {
            let person = state.db.person(actor.municipality_id, leader_id).await.ok();
            let in_subtree = person.and_then(|p| p.unit_id).is_some_and(|u| tree.subtree(id).contains(&u));
            if !in_subtree && current.leader_person_id != Some(leader_id) {
                errors.add("leader_person_id", ctx.tr.t("err-leader-outside"));
            }
        }
    }
    let parsed = match (name, short_name, leader, valid_from, valid_to, version) {
        (Some(name), Some(short_name), Some(leader), Some(valid_from), Some(valid_to), Some(version))
            if errors.is_empty() =>
        {
            Some((
                OrgUnitChange { parent_id, name, short_name, leader_person_id: leader, valid_from, valid_to },
                version,
            ))
        }
        _ => None,
    };
    let Some((change, version)) = parsed else {
        let t = render_unit(&state, &ctx, id, Returned::Edit(form, errors, false), false).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response());
    };
    match state.db.org_unit_update(&ctx.author()?, id, version, &change).await {
        Ok(()) => Ok(Redirect::to(&format!("/org/{id}?saved=1")).into_response()),
        Err(StoreError::Conflict) => {
            let t = render_unit(&state, &ctx, id, Returned::Edit(form, FieldErrors::default(), true), false).await?;
            Ok((StatusCode::CONFLICT, Html(t.render()?)).into_response())
        }
        Err(StoreError::Rule(e)) => {
            let field = match e.key {
                "err-org-cycle" | "err-kind-placement" | "err-parent-unknown" => "parent_id",
                "err-validity-order" | "err-retire-has-children" => "valid_to",
                "err-person-unknown" => "leader_person_id",
                _ => "name",
            };
            let mut errors = FieldErrors::default();
            errors.add(field, ctx.tr.rule(&e));
            let t = render_unit(&state, &ctx, id, Returned::Edit(form, errors, false), false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_sub_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<NewUnitForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let (tree, ancestry) = ancestry_of(&state, &ctx, id).await?;
    if !actor.can_edit_unit(&ancestry) {
        return Err(AppError::Forbidden);
    }
    let parent = tree.get(id).ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let kind = OrgUnitKind::parse(&form.kind).map_err(rule_into(&mut errors, &ctx, "kind")).ok();
    if let Some(k) = kind {
        if !actor.can_restructure() && k != OrgUnitKind::Department {
            return Err(AppError::Forbidden);
        }
        if let Err(e) = k.check_parent(Some(parent.kind())) {
            errors.add("kind", ctx.tr.rule(&e));
        }
    }
    let name = Name::parse(&form.name).map_err(rule_into(&mut errors, &ctx, "new_name")).ok();
    let short_name = optional_text(&form.short_name, 20).map_err(rule_into(&mut errors, &ctx, "new_short_name")).ok();
    let valid_from =
        forms::required_date(&form.valid_from).map_err(rule_into(&mut errors, &ctx, "new_valid_from")).ok();
    let (Some(kind), Some(name), Some(short_name), Some(valid_from), true) =
        (kind, name, short_name, valid_from, errors.is_empty())
    else {
        let t = render_unit(&state, &ctx, id, Returned::NewUnit(form, errors), false).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response());
    };
    let new = NewOrgUnit { parent_id: Some(id), kind, name, short_name, leader_person_id: None, valid_from };
    let new_id = state.db.org_unit_create(&ctx.author()?, &new).await?;
    Ok(Redirect::to(&format!("/org/{new_id}?saved=1")).into_response())
}

async fn create_delegation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<DelegationForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    ancestry_of(&state, &ctx, id).await?;
    if !actor.can_delegate(id) {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let person = match forms::optional_id(&form.person_id) {
        Ok(Some(p)) => Some(p),
        Ok(None) => {
            errors.add("person_id", ctx.tr.t("err-person-required"));
            None
        }
        Err(e) => {
            errors.add("person_id", ctx.tr.rule(&e));
            None
        }
    };
    let valid_to =
        forms::required_date(&form.valid_to).map_err(rule_into(&mut errors, &ctx, "delegation_valid_to")).ok();
    let result = match (person, valid_to) {
        (Some(person), Some(valid_to)) if errors.is_empty() => {
            match state.db.delegation_create(&ctx.author()?, id, person, valid_to).await {
                Ok(_) => return Ok(Redirect::to(&format!("/org/{id}?saved=1")).into_response()),
                Err(StoreError::Rule(e)) => Err(e),
                Err(e) => return Err(e.into()),
            }
        }
        _ => Ok(()),
    };
    if let Err(e) = result {
        let field = if e.key == "err-delegation-past" { "delegation_valid_to" } else { "person_id" };
        errors.add(field, ctx.tr.rule(&e));
    }
    let t = render_unit(&state, &ctx, id, Returned::Delegation(form, errors), false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response())
}

async fn revoke_delegation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, delegation_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    ancestry_of(&state, &ctx, id).await?;
    if !actor.can_delegate(id) {
        return Err(AppError::Forbidden);
    }
    state.db.delegation_revoke(&ctx.author()?, id, delegation_id).await?;
    Ok(Redirect::to(&format!("/org/{id}?saved=1")).into_response())
}
