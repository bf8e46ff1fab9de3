//! A plan's adopted versions and what changed between them.

use super::*;

#[derive(Deserialize, Default)]
pub(crate) struct VersionQuery {
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
}

/// A diff entry as shown: kind label and the entry.
pub(crate) struct DiffRow {
    pub(crate) kind_label: String,
    pub(crate) entry: rodtrad_domain::plan::VersionEntry,
}

#[derive(Template)]
#[template(path = "plans/versions.html")]
pub(crate) struct VersionsTemplate {
    pub(crate) p: Page,
    pub(crate) plan: Plan,
    pub(crate) choices: Vec<Choice>,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) added: Vec<DiffRow>,
    pub(crate) changed: Vec<(DiffRow, DiffRow)>,
    pub(crate) removed: Vec<DiffRow>,
    pub(crate) compared: bool,
}

pub(crate) async fn versions_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> AppResult<Response> {
    let mid = ctx.actor()?.municipality_id;
    let (plan, view) = readable_plan(&state, &ctx, id).await?;
    let labels = Labels::load(&state, mid).await?;
    let versions = state.db.plan_versions(id).await?;
    // The working copy is a version to compare only for those who may read it.
    let working = view == PlanView::Working;
    let mut choices: Vec<Choice> = versions
        .iter()
        .map(|(n, at)| Choice {
            value: n.to_string(),
            label: ctx.tr.t1("version-label", "number", n) + &format!(" ({})", ctx.tr.date(at)),
        })
        .collect();
    if working {
        choices.push(Choice { value: "draft".into(), label: ctx.tr.t("version-current") });
    }
    let latest = versions.last().map(|(n, _)| n.to_string());
    let before_latest = versions.iter().rev().nth(1).map(|(n, _)| n.to_string());
    let newest = if working { "draft".to_owned() } else { latest.clone().unwrap_or_default() };
    let from = q.from.or(before_latest).or(latest.clone()).unwrap_or_else(|| newest.clone());
    let to =
        q.to.or_else(|| if versions.len() >= 2 || !working { latest } else { Some(newest.clone()) }).unwrap_or(newest);
    let load = async |which: &str| -> AppResult<Vec<rodtrad_domain::plan::VersionEntry>> {
        if which.is_empty() {
            return Ok(Vec::new());
        }
        if which == "draft" && working {
            return Ok(state.db.plan_snapshot(mid, id).await?);
        }
        let n: i64 = which.parse().map_err(|_| AppError::Rule(RuleError::new("err-version-unknown")))?;
        state.db.plan_version(id, n).await.map_err(|e| match e {
            StoreError::NotFound => AppError::Rule(RuleError::new("err-version-unknown")),
            other => other.into(),
        })
    };
    let older = load(&from).await?;
    let newer = load(&to).await?;
    let diff = rodtrad_domain::plan::diff_versions(&older, &newer);
    let row = |entry: rodtrad_domain::plan::VersionEntry| DiffRow {
        kind_label: ElementKind::parse(&entry.kind).map(|k| labels.kind(&ctx.tr, k)).unwrap_or_default(),
        entry,
    };
    let template = VersionsTemplate {
        p: ctx.page(ctx.tr.t1("versions-title", "plan", &plan.title), "plans"),
        compared: !versions.is_empty(),
        added: diff.added.into_iter().map(row).collect(),
        changed: diff.changed.into_iter().map(|(a, b)| (row(a), row(b))).collect(),
        removed: diff.removed.into_iter().map(row).collect(),
        choices,
        from,
        to,
        plan,
    };
    Ok(Html(template.render()?).into_response())
}
