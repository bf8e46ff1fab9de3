//! «Virksomhetsplaner»: every unit in the caller's scope with its plan for a year, the year's
//! deadline (set here by the management staff), filters by status and service area, CSV and XLSX.

use super::*;
use crate::org::Choice;
use chrono::Datelike;
use rodtrad_service::unit_plans::OverviewRow;

/// The overview's filters as typed.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct ListQuery {
    pub(crate) year: Option<String>,
    /// A plan status code, or `missing` for units without a plan, or `overdue`.
    pub(crate) status: Option<String>,
    pub(crate) area: Option<String>,
}

/// One line as shown and exported.
pub(crate) struct Line {
    pub(crate) row: OverviewRow,
    pub(crate) status_label: String,
    /// The reader may read the plan at all (a draft is hidden from politicians and the auditor).
    pub(crate) readable: bool,
    /// The reader reads the plan's working papers (its analysis): the page links to them.
    pub(crate) papers: bool,
}

#[derive(Template)]
#[template(path = "unitplans/list.html")]
pub(crate) struct ListTemplate {
    pub(crate) p: Page,
    pub(crate) year: i64,
    pub(crate) years: Vec<i64>,
    pub(crate) lines: Vec<Line>,
    /// Departments among the lines (the caption counts units and departments apart).
    pub(crate) departments: usize,
    pub(crate) statuses: Vec<Choice>,
    pub(crate) status: String,
    pub(crate) areas: Vec<Choice>,
    pub(crate) area: String,
    pub(crate) deadline: Option<rodtrad_store::unit_plans::Deadline>,
    /// The annual cycle's date for the unit plans, when it differs from `deadline` (it wins).
    pub(crate) wheel_deadline: Option<chrono::NaiveDate>,
    pub(crate) can_set_deadline: bool,
    pub(crate) deadline_value: String,
    pub(crate) errors: FieldErrors,
    pub(crate) query: String,
    pub(crate) saved: bool,
}

/// The year of the filters: `?year=` when it is a sensible year, else the current one.
fn year_of(q: &ListQuery) -> i64 {
    q.year
        .as_deref()
        .and_then(|y| y.trim().parse::<i64>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| i64::from(service::today().year()))
}

/// The status label of a line: the plan's status; for a department without a plan of its own, the
/// measures it contributes to the unit's plan; else «no plan».
fn status_label(tr: &crate::i18n::Tr, row: &OverviewRow) -> String {
    match (&row.plan, row.contributions) {
        (Some(p), _) if p.status() == PlanStatus::Adopted => tr.t("unitplans-status-approved"),
        (Some(p), _) => tr.t(p.status().label_key()),
        (None, Some(n)) if n > 0 => tr.t1("unitplans-status-contributes", "count", n),
        (None, Some(_)) => tr.t("unitplans-status-department-none"),
        // The reader sees no working copy to count the department's measures in.
        (None, None) if row.is_department() => tr.t("unitplans-status-department-no-plan"),
        (None, None) => tr.t("unitplans-status-missing"),
    }
}

/// The lines of the overview after the filters, and how many there were before.
async fn lines(state: &AppState, ctx: &Ctx, q: &ListQuery) -> AppResult<(i64, Vec<Line>, Vec<Choice>)> {
    let year = year_of(q);
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let (rows, _) = service::overview(&state.db, actor, year, service::today()).await?;
    let mut areas: Vec<Choice> = Vec::new();
    for r in &rows {
        if let (Some(id), Some(name)) = (r.area_id, &r.area_name)
            && !areas.iter().any(|a| a.value == id.to_string())
        {
            areas.push(Choice { value: id.to_string(), label: name.clone() });
        }
    }
    let status = q.status.as_deref().unwrap_or_default();
    let area = q.area.as_deref().unwrap_or_default();
    let lines = rows
        .into_iter()
        .filter(|r| match status {
            "" => true,
            "missing" => r.missing(),
            "overdue" => r.overdue,
            code => r.plan.as_ref().is_some_and(|p| p.status().code() == code),
        })
        .filter(|r| area.is_empty() || r.area_id.map(|a| a.to_string()).as_deref() == Some(area))
        .map(|row| {
            let view = row.plan.as_ref().map(|p| crate::plans::view_of(actor, &tree, p));
            Line {
                status_label: status_label(&ctx.tr, &row),
                readable: view.is_some_and(|v| v != crate::plans::PlanView::Hidden),
                papers: view == Some(crate::plans::PlanView::Working),
                row,
            }
        })
        .collect();
    Ok((year, lines, areas))
}

async fn render(state: &AppState, ctx: &Ctx, q: &ListQuery) -> AppResult<ListTemplate> {
    let (year, lines, areas) = lines(state, ctx, q).await?;
    let deadline = state.db.unit_plan_deadline(ctx.actor()?.municipality_id, year).await?;
    let wheel_deadline = rodtrad_service::unit_plans::effective_deadline(&state.db, ctx.actor()?.municipality_id, year)
        .await?
        .filter(|d| deadline.as_ref().map(|own| own.deadline) != Some(*d));
    let this = i64::from(service::today().year());
    let mut statuses: Vec<Choice> = [PlanStatus::Draft, PlanStatus::Delivered, PlanStatus::Adopted]
        .iter()
        .map(|s| Choice {
            value: s.code().into(),
            label: if *s == PlanStatus::Adopted {
                ctx.tr.t("unitplans-status-approved")
            } else {
                ctx.tr.t(s.label_key())
            },
        })
        .collect();
    statuses.push(Choice { value: "overdue".into(), label: ctx.tr.t("unitplans-status-overdue") });
    statuses.push(Choice { value: "missing".into(), label: ctx.tr.t("unitplans-status-missing") });
    let query = serde_urlencoded::to_string([
        ("year", year.to_string()),
        ("status", q.status.clone().unwrap_or_default()),
        ("area", q.area.clone().unwrap_or_default()),
    ])
    .unwrap_or_default();
    Ok(ListTemplate {
        wheel_deadline,
        p: ctx.page(ctx.tr.t1("unitplans-list-title", "year", year), "unitplans"),
        year,
        years: (this - 2..=this + 1).collect(),
        departments: lines.iter().filter(|l| l.row.is_department()).count(),
        lines,
        statuses,
        status: q.status.clone().unwrap_or_default(),
        areas,
        area: q.area.clone().unwrap_or_default(),
        can_set_deadline: ctx.actor()?.can_manage_unit_plans(),
        deadline_value: deadline.map(|d| d.deadline.to_string()).unwrap_or_default(),
        deadline,
        errors: FieldErrors::default(),
        query,
        saved: false,
    })
}

#[derive(Deserialize)]
pub(crate) struct SavedFlag {
    pub(crate) saved: Option<String>,
}

/// The overview page.
pub(crate) async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
    Query(s): Query<SavedFlag>,
) -> AppResult<Response> {
    let mut t = render(&state, &ctx, &q).await?;
    t.saved = s.saved.is_some();
    Ok(Html(t.render()?).into_response())
}

/// The deadline form.
#[derive(Deserialize)]
#[serde(default)]
#[derive(Default)]
pub(crate) struct DeadlineForm {
    pub(crate) year: String,
    pub(crate) deadline: String,
    pub(crate) version: String,
}

/// Sets the year's deadline (management staff): 422 with the value kept on a bad date, 409 when
/// someone else set it since the page was read.
pub(crate) async fn set_deadline(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<DeadlineForm>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    if !actor.can_manage_unit_plans() {
        return Err(AppError::Forbidden);
    }
    let q = ListQuery { year: Some(form.year.clone()), ..ListQuery::default() };
    let year = year_of(&q);
    let version = crate::forms::version(&form.version)?;
    let mut errors = FieldErrors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    match crate::forms::required_date(&form.deadline) {
        Ok(date) => match service::set_deadline(&state.db, (actor, &ctx.author()?), year, date, version).await {
            Ok(()) => return Ok(Redirect::to(&format!("/unit-plans?year={year}&saved=1")).into_response()),
            Err(ServiceError::Store(StoreError::Conflict)) => {
                status = StatusCode::CONFLICT;
                errors.add("deadline", ctx.tr.t("err-conflict"));
            }
            Err(e) => return Err(e.into()),
        },
        Err(e) => errors.add("deadline", ctx.tr.rule(&e)),
    }
    let mut t = render(&state, &ctx, &q).await?;
    t.errors = errors;
    t.deadline_value = form.deadline;
    Ok((status, Html(t.render()?)).into_response())
}

/// The export's table: header and rows in the reader's language.
async fn table(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
) -> AppResult<(String, Vec<String>, Vec<Vec<rodtrad_export::Cell>>)> {
    use rodtrad_export::Cell;
    let (year, lines, _) = lines(state, ctx, q).await?;
    let deadline = state.db.unit_plan_deadline(ctx.actor()?.municipality_id, year).await?;
    let header = [
        "unitplans-col-area",
        "unitplans-col-unit",
        "unitplans-col-department",
        "unitplans-col-plan",
        "unitplans-col-status",
        "unitplans-col-deadline",
        "unitplans-col-overdue",
        "unitplans-col-delivered",
        "unitplans-col-approved",
        "unitplans-col-approved-by",
        "unitplans-col-sent-back",
        "unitplans-col-contributions",
    ]
    .iter()
    .map(|k| ctx.tr.t(k))
    .collect();
    let iso = |d: Option<DateTime<Utc>>| {
        d.map(|d| rodtrad_domain::norwegian_time::oslo_date(d).to_string()).unwrap_or_default()
    };
    let rows = lines
        .into_iter()
        .map(|l| {
            let w = &l.row.workflow;
            vec![
                Cell::text(l.row.area_name.clone().unwrap_or_default()),
                // A department's line names its unit, then itself.
                Cell::text(l.row.parent_unit_name.clone().unwrap_or_else(|| l.row.unit_name.clone())),
                Cell::text(if l.row.is_department() { l.row.unit_name.clone() } else { String::new() }),
                Cell::text(l.row.plan.as_ref().map(|p| p.title.clone()).unwrap_or_default()),
                Cell::text(l.status_label.clone()),
                Cell::text(deadline.map(|d| d.deadline.to_string()).unwrap_or_default()),
                Cell::text(if l.row.overdue { ctx.tr.t("unitplans-overdue-yes") } else { String::new() }),
                Cell::text(iso(w.delivered.as_ref().map(|e| e.created_at))),
                Cell::text(iso(w.approved.as_ref().map(|e| e.created_at))),
                Cell::text(w.approved.as_ref().map(|e| e.actor_name.clone()).unwrap_or_default()),
                Cell::text(w.sent_back.as_ref().and_then(|e| e.comment.clone()).unwrap_or_default()),
                l.row.contributions.map_or_else(|| Cell::text(""), |n| Cell::number(n as f64)),
            ]
        })
        .collect();
    Ok((ctx.tr.t1("unitplans-list-title", "year", year), header, rows))
}

/// The overview as CSV or XLSX.
pub(crate) async fn export<F: Format>(state: State<AppState>, ctx: Ctx, q: Query<ListQuery>) -> AppResult<Response> {
    let (title, header, rows) = table(&state, &ctx, &q).await?;
    table_download(F::FORMAT, TableNames::titled(&title, &ctx.tr.t("unitplans-sheet")), &header, &rows)
}
