//! *Mitt ansvar*: the caller's overdue items, items due soon, items still to report in the open
//! period and open management dialogues, as four numbers (on the start page too) that link to the
//! lists below them, and those lists as CSV and XLSX.

use super::*;

/// The four numbers of *Mitt ansvar*, for the start page and the top of the page.
pub(crate) struct MineSummary {
    pub(crate) overdue: usize,
    pub(crate) due_soon: usize,
    pub(crate) to_report: usize,
    pub(crate) dialogues: usize,
    /// The open period reports are due in, by name.
    pub(crate) period_label: String,
}

impl MineSummary {
    pub(crate) fn of(tr: &Tr, mine: &Mine) -> Self {
        Self {
            overdue: mine.overdue().count(),
            due_soon: mine.due_soon().count(),
            to_report: mine.to_report().count(),
            dialogues: mine.dialogues.len(),
            period_label: mine.period.as_ref().map(|p| crate::followup::label_of(tr, p)).unwrap_or_default(),
        }
    }
}

/// *Mitt ansvar* of the signed-in caller, for the start page.
pub(crate) async fn mine_summary(state: &AppState, ctx: &Ctx) -> AppResult<MineSummary> {
    let mine = service::load_mine(&state.db, ctx.actor()?, Utc::now().date_naive()).await?;
    Ok(MineSummary::of(&ctx.tr, &mine))
}

/// One line of a list of *Mitt ansvar*.
pub(crate) struct MineRow {
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) kind_label: String,
    pub(crate) unit_id: Option<i64>,
    pub(crate) unit_name: String,
    pub(crate) deadline: Option<chrono::NaiveDate>,
    pub(crate) status: Option<StatusView>,
    pub(crate) progress: String,
}

fn mine_row(tr: &Tr, item: &MyItem) -> MineRow {
    let r = &item.row;
    MineRow {
        id: r.id,
        text: r.text.clone(),
        kind_label: kind_label(tr, &r.kind),
        unit_id: r.owner_unit_id,
        unit_name: r.owner_unit_name.clone().unwrap_or_default(),
        deadline: r.deadline,
        status: r.status().map(|s| StatusView::of(tr, s)),
        progress: r.progress.map(|p| format!("{p} %")).unwrap_or_default(),
    }
}

/// One open dialogue of the caller's.
pub(crate) struct DialogueRow {
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) unit_name: String,
    pub(crate) opened: StatusView,
    pub(crate) opened_at: chrono::DateTime<Utc>,
    pub(crate) follow_up_on: Option<chrono::NaiveDate>,
}

pub(crate) fn dialogue_row(tr: &Tr, d: &rodtrad_store::followup::Dialogue) -> DialogueRow {
    DialogueRow {
        id: d.id,
        text: match d.economy() {
            Some((y, m)) => tr.t1("economy-dialogue-title", "period", format!("{y}-{m:02}")),
            None => d.element_text.clone(),
        },
        unit_name: d.unit_name.clone(),
        opened: StatusView::of(tr, Status::parse(&d.opened_status).unwrap_or(Status::Deviation)),
        opened_at: d.opened_at,
        follow_up_on: d.follow_up_on,
    }
}

#[derive(Template)]
#[template(path = "dashboard/mine.html")]
struct MineTemplate {
    p: Page,
    mine: MineSummary,
    overdue: Vec<MineRow>,
    due_soon: Vec<MineRow>,
    to_report: Vec<MineRow>,
    dialogues: Vec<DialogueRow>,
    led: Vec<(i64, String)>,
    sees_areas: bool,
    has_person: bool,
    deadlines: Vec<DeadlineRow>,
}

/// A linked deadline of the annual cycle ahead, as the page lists it.
pub(crate) struct DeadlineRow {
    pub(crate) activity: i64,
    pub(crate) label: String,
    pub(crate) title: String,
    pub(crate) date: chrono::NaiveDate,
    pub(crate) when: String,
}

/// Days ahead the page lists the annual cycle's deadlines.
const DEADLINE_DAYS: i64 = 60;

/// The municipality's next linked deadlines of the annual cycle (each kind once).
pub(crate) async fn next_deadlines(state: &AppState, ctx: &Ctx) -> AppResult<Vec<DeadlineRow>> {
    let tr = &ctx.tr;
    let today = rodtrad_domain::norwegian_time::oslo_date(Utc::now());
    let list =
        rodtrad_service::annual_cycle::next_deadlines(&state.db, ctx.actor()?.municipality_id, today, DEADLINE_DAYS)
            .await?;
    Ok(list
        .into_iter()
        .map(|d| DeadlineRow {
            activity: d.activity.id,
            label: tr.t(d.kind.label_key()),
            title: d.activity.activity.title.clone(),
            date: d.date,
            when: if d.days == 0 { tr.t("cycle-due-today") } else { tr.t1("cycle-due-in", "days", d.days) },
        })
        .collect())
}

/// The *Mitt ansvar* page.
pub(crate) async fn mine_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let tree = state.org_tree(actor.municipality_id).await?;
    let mine = service::load_mine(&state.db, actor, Utc::now().date_naive()).await?;
    let tr = &ctx.tr;
    let led = actor.led_units.iter().filter_map(|u| tree.get(*u)).map(|u| (u.id, u.name.clone())).collect();
    let t = MineTemplate {
        p: ctx.page(tr.t("dashboard-mine-title"), "dashboard"),
        deadlines: next_deadlines(&state, &ctx).await?,
        overdue: mine.overdue().map(|i| mine_row(tr, i)).collect(),
        due_soon: mine.due_soon().map(|i| mine_row(tr, i)).collect(),
        to_report: mine.to_report().map(|i| mine_row(tr, i)).collect(),
        dialogues: mine.dialogues.iter().map(|d| dialogue_row(tr, d)).collect(),
        mine: MineSummary::of(tr, &mine),
        led,
        sees_areas: readable_root(&tree, actor).is_some(),
        has_person: actor.person_id.is_some() || !actor.led_units.is_empty(),
    };
    Ok(Html(t.render()?).into_response())
}

/// The query of the exports: which list (`overdue`, `due_soon`, `to_report`; empty: all three).
#[derive(Deserialize, Default)]
pub(crate) struct ExportQuery {
    #[serde(default)]
    list: Option<String>,
}

/// The caller's items as a table: header and rows, ISO dates and codes beside the names.
async fn export_table(state: &AppState, ctx: &Ctx, q: &ExportQuery) -> AppResult<(Vec<String>, Vec<Vec<String>>)> {
    let actor = ctx.actor()?;
    let mine = service::load_mine(&state.db, actor, Utc::now().date_naive()).await?;
    let keep = |i: &&MyItem| match q.list.as_deref().unwrap_or("") {
        "" | "all" => Ok(true),
        "overdue" => Ok(i.due == Some(rodtrad_domain::dashboard::Due::Overdue)),
        "due_soon" => Ok(i.due == Some(rodtrad_domain::dashboard::Due::Soon)),
        "to_report" => Ok(i.to_report),
        other => Err(AppError::Rule(rodtrad_domain::RuleError::new("err-dashboard-list").with("value", other))),
    };
    let mut items = Vec::new();
    for i in &mine.items {
        if keep(&i)? {
            items.push(i);
        }
    }
    let tr = &ctx.tr;
    let header = [
        "followup-col-id",
        "followup-col-kind",
        "followup-col-text",
        "followup-col-unit",
        "followup-col-responsible",
        "followup-col-deadline",
        "followup-col-status",
        "followup-col-status-code",
        "followup-col-progress",
        "dashboard-col-due",
        "dashboard-col-to-report",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let rows = items
        .into_iter()
        .map(|i| {
            let r = &i.row;
            vec![
                r.id.to_string(),
                kind_label(tr, &r.kind),
                r.text.clone(),
                r.owner_unit_name.clone().unwrap_or_default(),
                r.responsible_name.clone().unwrap_or_default(),
                r.deadline.map(|d| d.to_string()).unwrap_or_default(),
                r.status().map(|s| tr.t(s.label_key())).unwrap_or_else(|| tr.t("followup-unreported")),
                r.status.clone().unwrap_or_default(),
                r.progress.map(|p| p.to_string()).unwrap_or_default(),
                match i.due {
                    Some(rodtrad_domain::dashboard::Due::Overdue) => tr.t("dashboard-overdue"),
                    Some(rodtrad_domain::dashboard::Due::Soon) => tr.t("dashboard-due-soon"),
                    None => String::new(),
                },
                if i.to_report { tr.t("followup-yes") } else { String::new() },
            ]
        })
        .collect();
    Ok((header, rows))
}

/// *Mitt ansvar* as CSV or XLSX.
pub(crate) async fn mine_export<F: Format>(
    state: State<AppState>,
    ctx: Ctx,
    q: Query<ExportQuery>,
) -> AppResult<Response> {
    let (header, rows) = export_table(&state, &ctx, &q).await?;
    let title = ctx.tr.t("dashboard-mine-title");
    table_download(F::FORMAT, TableNames::titled(&title, &title), &header, &rows)
}
