//! The template page: the municipality's template of the one-year or the four-year wheel
//! (`?cycle=period`), the shipped default until the first edit, with the staff's forms that add and
//! remove a row. The template's version guards both.

use super::*;
use rodtrad_domain::annual_cycle::{ActivityDraft, parse_template_row};
use rodtrad_store::annual_cycle::TemplateChange;

/// A template row as shown.
pub(crate) struct TemplateRowView {
    pub(crate) id: i64,
    pub(crate) when: String,
    pub(crate) title: String,
    pub(crate) kind: String,
    pub(crate) responsible: String,
    pub(crate) deadline: String,
}

#[derive(Template)]
#[template(path = "annual_cycle/template.html")]
pub(crate) struct TemplateTemplate {
    pub(crate) p: Page,
    pub(crate) cycle: String,
    pub(crate) is_year: bool,
    pub(crate) customised: bool,
    pub(crate) version: i64,
    pub(crate) rows: Vec<TemplateRowView>,
    pub(crate) manages: bool,
    pub(crate) errors: FieldErrors,
    pub(crate) draft: ActivityDraft,
    pub(crate) month: String,
    pub(crate) period_year: String,
    pub(crate) kinds: Vec<Choice>,
    pub(crate) deadlines: Vec<Choice>,
    pub(crate) months: Vec<Choice>,
    pub(crate) saved: bool,
}

/// `?cycle=year|period`.
#[derive(Debug, Deserialize)]
pub(crate) struct CycleQuery {
    pub(crate) cycle: Option<String>,
    pub(crate) saved: Option<String>,
}

fn cycle_of(code: Option<&str>) -> AppResult<Cycle> {
    match code.filter(|c| !c.is_empty()) {
        None => Ok(Cycle::Year),
        Some(c) => Cycle::parse(c).map_err(|_| AppError::NotFound),
    }
}

async fn view(state: &AppState, ctx: &Ctx, cycle: Cycle) -> AppResult<TemplateTemplate> {
    let actor = ctx.actor()?;
    let tr = &ctx.tr;
    let template = state.db.cycle_template(actor.municipality_id, cycle).await?;
    let rows = template
        .rows
        .iter()
        .map(|r| TemplateRowView {
            id: r.id,
            when: match cycle {
                Cycle::Year => month_name(tr, u32::from(r.row.month)),
                Cycle::Period => {
                    format!(
                        "{} {}",
                        tr.t1("cycle-period-year", "n", r.row.period_year),
                        month_name(tr, u32::from(r.row.month))
                    )
                }
            },
            title: r.row.title.clone(),
            kind: tr.t(r.row.kind.label_key()),
            responsible: r.row.responsible.clone(),
            deadline: r.row.deadline.map(|d| tr.t(d.label_key())).unwrap_or_default(),
        })
        .collect();
    Ok(TemplateTemplate {
        p: ctx.page(tr.t1("cycle-template-title", "kind", tr.t(cycle.label_key())), "annual_cycle"),
        cycle: cycle.code().into(),
        is_year: cycle == Cycle::Year,
        customised: template.customised,
        version: template.version,
        rows,
        manages: actor.can_manage_annual_cycle(),
        errors: FieldErrors::default(),
        draft: ActivityDraft { kind: ActivityKind::Administrative.code().into(), ..ActivityDraft::default() },
        month: String::new(),
        period_year: "1".into(),
        kinds: kind_choices(tr),
        deadlines: deadline_choices(tr),
        months: (1..=12).map(|m| Choice { value: m.to_string(), label: month_name(tr, m) }).collect(),
        saved: false,
    })
}

/// The template of a wheel kind.
pub(crate) async fn template_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CycleQuery>,
) -> AppResult<Response> {
    let mut t = view(&state, &ctx, cycle_of(q.cycle.as_deref())?).await?;
    t.saved = q.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

/// Adds a row to a template; 422 or 409 with the typed values.
pub(crate) async fn template_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let cycle = cycle_of(Some(field(&form, "cycle")))?;
    let version: i64 = field(&form, "version").parse().unwrap_or(-1);
    let draft = ActivityDraft {
        title: field(&form, "title").to_owned(),
        kind: field(&form, "kind").to_owned(),
        starts_on: String::new(),
        ends_on: String::new(),
        responsible: field(&form, "responsible").to_owned(),
        deadline: field(&form, "deadline").to_owned(),
    };
    let (month, period_year) = (field(&form, "month").to_owned(), field(&form, "period_year").to_owned());
    let mut errors = FieldErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    match parse_template_row(cycle, &period_year, &month, &draft) {
        Ok(row) => {
            match service::change_template(
                &state.db,
                (actor, &ctx.author()?),
                cycle,
                version,
                &TemplateChange::Add(row),
            )
            .await
            {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("/annual-cycle/template?cycle={}&saved=1", cycle.code())).into_response()
                    );
                }
                Err(e) => {
                    let (s, message) = refusal(&ctx.tr, e)?;
                    status = s;
                    errors.add("title", message);
                }
            }
        }
        Err(list) => {
            for e in list {
                errors.add(e.field.unwrap_or("title"), ctx.tr.rule(&e));
            }
        }
    }
    let mut t = view(&state, &ctx, cycle).await?;
    t.version = version;
    t.draft = draft;
    t.month = month;
    t.period_year = period_year;
    t.errors = errors;
    Ok((status, Html(t.render()?)).into_response())
}

/// Removes a row of a template (409 when the template changed since it was read).
pub(crate) async fn template_remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = manager(&ctx)?;
    let cycle = cycle_of(Some(field(&form, "cycle")))?;
    let version: i64 = field(&form, "version").parse().unwrap_or(-1);
    let Ok(row) = field(&form, "row").parse::<i64>() else {
        let mut t = view(&state, &ctx, cycle).await?;
        t.errors.add("title", ctx.tr.t("err-cycle-row"));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(t.render()?)).into_response());
    };
    match service::change_template(&state.db, (actor, &ctx.author()?), cycle, version, &TemplateChange::Remove(row))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/annual-cycle/template?cycle={}&saved=1", cycle.code())).into_response()),
        Err(e) => {
            let (status, message) = refusal(&ctx.tr, e)?;
            let mut t = view(&state, &ctx, cycle).await?;
            t.errors.add("title", message);
            Ok((status, Html(t.render()?)).into_response())
        }
    }
}
