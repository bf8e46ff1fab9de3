//! Roll-up pages: the overview (the municipality per service area for the staff, the led units for
//! a leader), one unit with its sub-units, the list behind every number, and that list as CSV/XLSX.

use super::*;

/// One cell of a tally row: a number and the list it links to.
pub(crate) struct CountLink {
    pub(crate) count: u32,
    pub(crate) href: String,
}

/// One row of a roll-up table: a unit's tally with a link per number.
pub(crate) struct TallyRow {
    pub(crate) unit_id: i64,
    pub(crate) name: String,
    pub(crate) total: CountLink,
    pub(crate) by_status: Vec<(StatusView, CountLink)>,
    pub(crate) unreported: CountLink,
    pub(crate) stale: CountLink,
    pub(crate) progress: String,
    pub(crate) dialogues: usize,
}

fn tally_row(tr: &Tr, unit_id: i64, name: String, t: &Tally, period: Option<&Period>, dialogues: usize) -> TallyRow {
    let p = period.map(|p| format!("&period={}", p.id)).unwrap_or_default();
    let base = format!("/followup/units/{unit_id}/items?");
    let link = |count: u32, q: &str| CountLink { count, href: format!("{base}{q}{p}") };
    TallyRow {
        unit_id,
        name,
        total: link(t.total(), "filter=all"),
        by_status: Status::ALL
            .iter()
            .map(|s| (StatusView::of(tr, *s), link(t.count(*s), &format!("status={}", s.code()))))
            .collect(),
        unreported: link(t.unreported, "filter=unreported"),
        stale: link(t.stale, "filter=stale"),
        progress: percent(t.progress()),
        dialogues,
    }
}

/// Open dialogues per unit subtree, counted from the items.
fn open_dialogues(tree: &OrgTree, unit: i64, items: &[ItemRow]) -> usize {
    service::items_in_subtree(tree, unit, items).iter().filter(|r| r.dialogue_id.is_some()).count()
}

#[derive(Template)]
#[template(path = "followup/rollup.html")]
pub(crate) struct RollupTemplate {
    pub(crate) p: Page,
    pub(crate) heading: String,
    pub(crate) unit_id: Option<i64>,
    pub(crate) period: Option<Period>,
    pub(crate) period_label: String,
    pub(crate) periods: Vec<Choice>,
    pub(crate) period_action: String,
    pub(crate) total: Option<TallyRow>,
    pub(crate) rows: Vec<TallyRow>,
    pub(crate) statuses: Vec<StatusView>,
    pub(crate) report_units: Vec<(i64, String)>,
    pub(crate) silent: Vec<(i64, String, String)>,
    pub(crate) stale_days: i64,
    pub(crate) sees_dialogues: bool,
}

/// The units a caller reports for: those they lead or act for.
fn report_units(tree: &OrgTree, actor: &Actor) -> Vec<(i64, String)> {
    let mut ids: Vec<i64> = actor.led_units.iter().chain(actor.delegated_units.iter()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().filter(|u| tree.get(*u).is_some()).map(|u| (u, tree.name(u))).collect()
}

fn silent_rows(snap: &Snapshot, unit: i64, period: Option<&Period>) -> Vec<(i64, String, String)> {
    let mine = service::items_in_subtree(&snap.tree, unit, &snap.items);
    let p = period.map(|p| format!("&period={}", p.id)).unwrap_or_default();
    service::silent(&mine, snap.rollup.stale_before)
        .into_iter()
        .map(|person| {
            let name = mine
                .iter()
                .find(|r| r.responsible_person_id == Some(person))
                .and_then(|r| r.responsible_name.clone())
                .unwrap_or_default();
            (person, name, format!("/followup/units/{unit}/items?owner={person}{p}"))
        })
        .collect()
}

/// The overview: the municipality and its service areas for those who read them all, otherwise
/// the units the caller leads or acts for (or their own unit).
pub(crate) async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let snap = snapshot(&state, mid, q.period.as_deref()).await?;
    let tree = snap.tree.clone();
    let root = tree.children(None).first().copied();
    let reads_all = root.is_some_and(|r| actor.can_read_status(&tree.ancestry(r)));
    let period = snap.period.as_ref();
    let (total, rows, silent) = if let (true, Some(root)) = (reads_all, root) {
        let total = tally_row(
            &ctx.tr,
            root,
            tree.name(root),
            &snap.rollup.of(root),
            period,
            open_dialogues(&tree, root, &snap.items),
        );
        let rows = tree
            .children(Some(root))
            .iter()
            .map(|u| {
                tally_row(
                    &ctx.tr,
                    *u,
                    tree.name(*u),
                    &snap.rollup.of(*u),
                    period,
                    open_dialogues(&tree, *u, &snap.items),
                )
            })
            .collect();
        (Some(total), rows, silent_rows(&snap, root, period))
    } else {
        let mut units: Vec<i64> = actor.led_units.iter().chain(actor.delegated_units.iter()).copied().collect();
        if units.is_empty() {
            units.extend(actor.own_unit);
        }
        units.sort_unstable();
        units.dedup();
        units.retain(|u| tree.get(*u).is_some());
        if units.is_empty() {
            return Err(AppError::Forbidden);
        }
        let rows = units
            .iter()
            .map(|u| {
                tally_row(
                    &ctx.tr,
                    *u,
                    tree.name(*u),
                    &snap.rollup.of(*u),
                    period,
                    open_dialogues(&tree, *u, &snap.items),
                )
            })
            .collect();
        let silent = units.iter().flat_map(|u| silent_rows(&snap, *u, period)).collect();
        (None, rows, silent)
    };
    let t = RollupTemplate {
        p: ctx.page(ctx.tr.t("followup-title"), "followup"),
        heading: ctx.tr.t("followup-title"),
        unit_id: None,
        period_label: period.map(|p| label_of(&ctx.tr, p)).unwrap_or_default(),
        periods: period_choices(&ctx.tr, &snap.periods),
        period_action: "/followup".into(),
        period: snap.period.clone(),
        total,
        rows,
        statuses: Status::ALL.iter().map(|s| StatusView::of(&ctx.tr, *s)).collect(),
        report_units: report_units(&tree, actor),
        silent,
        stale_days: snap.stale_days,
        sees_dialogues: sees_followup(actor),
    };
    Ok(Html(t.render()?).into_response())
}

/// One unit: its tally and that of each unit directly below it.
pub(crate) async fn unit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    readable_unit(&tree, actor, unit)?;
    let snap = snapshot(&state, mid, q.period.as_deref()).await?;
    let period = snap.period.as_ref();
    let name = tree.name(unit);
    let total =
        tally_row(&ctx.tr, unit, name.clone(), &snap.rollup.of(unit), period, open_dialogues(&tree, unit, &snap.items));
    let rows = tree
        .children(Some(unit))
        .iter()
        .map(|u| {
            tally_row(&ctx.tr, *u, tree.name(*u), &snap.rollup.of(*u), period, open_dialogues(&tree, *u, &snap.items))
        })
        .collect();
    let can_report = actor.can_edit_unit(&tree.ancestry(unit));
    let t = RollupTemplate {
        p: ctx.page(ctx.tr.t1("followup-unit-title", "unit", &name), "followup"),
        heading: ctx.tr.t1("followup-unit-title", "unit", &name),
        unit_id: Some(unit),
        period_label: period.map(|p| label_of(&ctx.tr, p)).unwrap_or_default(),
        periods: period_choices(&ctx.tr, &snap.periods),
        period_action: format!("/followup/units/{unit}"),
        period: snap.period.clone(),
        total: Some(total),
        rows,
        statuses: Status::ALL.iter().map(|s| StatusView::of(&ctx.tr, *s)).collect(),
        report_units: if can_report { vec![(unit, name)] } else { Vec::new() },
        silent: silent_rows(&snap, unit, period),
        stale_days: snap.stale_days,
        sees_dialogues: sees_followup(actor),
    };
    Ok(Html(t.render()?).into_response())
}

/// The items of a unit's subtree that a list shows: all, one status, the unreported, the stale, or
/// one owner's.
pub(crate) fn filtered<'a>(snap: &'a Snapshot, unit: i64, q: &ListQuery) -> AppResult<(Vec<&'a ItemRow>, String)> {
    let mut items = service::items_in_subtree(&snap.tree, unit, &snap.items);
    let mut what = String::new();
    if let Some(code) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let status = Status::parse(code).map_err(AppError::Rule)?;
        items.retain(|r| r.status() == Some(status));
        what = status.code().to_owned();
    }
    match q.filter.as_deref().unwrap_or("") {
        "" | "all" => {}
        "unreported" => {
            items.retain(|r| r.status.is_none());
            what = "unreported".into();
        }
        "stale" => {
            items.retain(|r| service::is_stale(r, snap.rollup.stale_before));
            what = "stale".into();
        }
        other => {
            return Err(AppError::Rule(rodtrad_domain::RuleError::new("err-followup-filter").with("value", other)));
        }
    }
    if let Some(owner) = q.owner.as_deref().filter(|s| !s.is_empty()) {
        let owner: i64 = owner.parse().map_err(|_| AppError::NotFound)?;
        items.retain(|r| r.responsible_person_id == Some(owner));
        what = "owner".into();
    }
    Ok((items, what))
}

/// One line of a list.
pub(crate) struct ListRow {
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) kind_label: String,
    pub(crate) unit_name: String,
    pub(crate) responsible: String,
    pub(crate) status: Option<StatusView>,
    pub(crate) progress: String,
    pub(crate) reported_at: Option<chrono::DateTime<Utc>>,
    pub(crate) stale: bool,
    pub(crate) dialogue: Option<i64>,
}

#[derive(Template)]
#[template(path = "followup/items.html")]
pub(crate) struct ItemsTemplate {
    pub(crate) p: Page,
    pub(crate) unit_id: i64,
    pub(crate) period_label: String,
    pub(crate) query: String,
    pub(crate) rows: Vec<ListRow>,
}

/// The list behind a number of the roll-up.
pub(crate) async fn items_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(unit): Path<i64>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    readable_unit(&tree, actor, unit)?;
    let snap = snapshot(&state, mid, q.period.as_deref()).await?;
    let (items, _) = filtered(&snap, unit, &q)?;
    let rows = items
        .into_iter()
        .map(|r| ListRow {
            id: r.id,
            text: r.text.clone(),
            kind_label: ctx.tr.t(if r.kind == "assignment" {
                "followup-kind-assignment"
            } else {
                "followup-kind-measure"
            }),
            unit_name: r.owner_unit_name.clone().unwrap_or_default(),
            responsible: r.responsible_name.clone().unwrap_or_default(),
            status: r.status().map(|s| StatusView::of(&ctx.tr, s)),
            progress: r.progress.map(|p| format!("{p} %")).unwrap_or_default(),
            reported_at: r.reported_at,
            stale: service::is_stale(r, snap.rollup.stale_before),
            dialogue: r
                .dialogue_id
                .filter(|_| r.owner_unit_id.is_some_and(|u| actor.can_read_dialogue(&tree.ancestry(u)))),
        })
        .collect();
    let query = serde_urlencoded::to_string([
        ("period", snap.period.as_ref().map(|p| p.id.to_string()).unwrap_or_default()),
        ("status", q.status.clone().unwrap_or_default()),
        ("filter", q.filter.clone().unwrap_or_default()),
        ("owner", q.owner.clone().unwrap_or_default()),
    ])
    .map_err(AppError::internal)?;
    let name = tree.name(unit);
    let t = ItemsTemplate {
        p: ctx.page(ctx.tr.t1("followup-items-title", "unit", &name), "followup"),
        unit_id: unit,
        period_label: snap.period.as_ref().map(|p| label_of(&ctx.tr, p)).unwrap_or_default(),
        query,
        rows,
    };
    Ok(Html(t.render()?).into_response())
}

/// The status list as a table: header and rows, ISO dates and codes beside the names.
async fn export_table(
    state: &AppState,
    ctx: &Ctx,
    unit: i64,
    q: &ListQuery,
) -> AppResult<(String, Vec<String>, Vec<Vec<String>>)> {
    let actor = ctx.actor()?;
    let mid = actor.municipality_id;
    let tree = state.org_tree(mid).await?;
    readable_unit(&tree, actor, unit)?;
    let snap = snapshot(state, mid, q.period.as_deref()).await?;
    let (items, _) = filtered(&snap, unit, q)?;
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
        "followup-col-comment",
        "followup-col-reported",
        "followup-col-stale",
    ]
    .iter()
    .map(|k| ctx.tr.t(k))
    .collect();
    let rows = items
        .into_iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                ctx.tr.t(if r.kind == "assignment" { "followup-kind-assignment" } else { "followup-kind-measure" }),
                r.text.clone(),
                r.owner_unit_name.clone().unwrap_or_default(),
                r.responsible_name.clone().unwrap_or_default(),
                r.deadline.map(|d| d.to_string()).unwrap_or_default(),
                r.status().map(|s| ctx.tr.t(s.label_key())).unwrap_or_else(|| ctx.tr.t("followup-unreported")),
                r.status.clone().unwrap_or_default(),
                r.progress.map(|p| p.to_string()).unwrap_or_default(),
                r.comment.clone().unwrap_or_default(),
                r.reported_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                if service::is_stale(r, snap.rollup.stale_before) { ctx.tr.t("followup-yes") } else { String::new() },
            ]
        })
        .collect();
    let period = snap.period.as_ref().map(|p| label_of(&ctx.tr, p)).unwrap_or_default();
    let title = format!("{} – {}", tree.name(unit), period);
    Ok((title, header, rows))
}

/// A unit's list as CSV or XLSX.
pub(crate) async fn export<F: Format>(
    state: State<AppState>,
    ctx: Ctx,
    unit: Path<i64>,
    q: Query<ListQuery>,
) -> AppResult<Response> {
    let (title, header, rows) = export_table(&state, &ctx, *unit, &q).await?;
    table_download(F::FORMAT, TableNames::titled(&title, &ctx.tr.t("followup-sheet")), &header, &rows)
}
