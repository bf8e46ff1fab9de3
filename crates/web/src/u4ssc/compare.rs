//! The self-assessment of two years side by side, with what moved.

use super::*;

// ---------------------------------------------------------------- comparison

#[derive(Deserialize, Default)]
pub(crate) struct CompareQuery {
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default)]
    pub(crate) to: String,
}

/// One cell of the comparison: the element, both levels and the change as text.
pub struct ChangeView {
    /// Element name.
    pub element: String,
    /// Level in the earlier year.
    pub from: Option<Level>,
    /// Level in the later year.
    pub to: Option<Level>,
    /// The change, e.g. "+1", "uendret", "ikke vurdert".
    pub change: String,
    /// Colour of the change tag.
    pub colour: &'static str,
}

#[derive(Template)]
#[template(path = "u4ssc/compare.html")]
pub(crate) struct CompareTemplate {
    pub(crate) p: Page,
    pub(crate) years: Vec<Choice>,
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) phases: Vec<String>,
    pub(crate) rows: Vec<(String, Vec<ChangeView>)>,
    pub(crate) caption: String,
    pub(crate) improved: usize,
    pub(crate) declined: usize,
}

pub(crate) fn change_text(tr: &Tr, from: Option<i64>, to: Option<i64>) -> (String, &'static str) {
    match (from, to) {
        (Some(a), Some(b)) if b > a => (tr.t1("u4ssc-change-up", "n", b - a), "success"),
        (Some(a), Some(b)) if b < a => (tr.t1("u4ssc-change-down", "n", a - b), "danger"),
        (Some(_), Some(_)) => (tr.t("u4ssc-change-same"), "neutral"),
        (None, Some(_)) => (tr.t("u4ssc-change-new"), "info"),
        (Some(_), None) => (tr.t("u4ssc-change-dropped"), "warning"),
        (None, None) => (tr.t("u4ssc-not-assessed"), "neutral"),
    }
}

pub(crate) async fn compare(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    let actor = reader(&ctx)?;
    let mid = actor.municipality_id;
    let assessments = state.db.u4ssc_assessments(mid).await?;
    let (Some(latest), Some(oldest)) = (assessments.first(), assessments.last()) else {
        return Err(AppError::NotFound);
    };
    let pick = |raw: &str, default: i64| -> AppResult<i64> {
        if raw.trim().is_empty() { Ok(default) } else { path_year(raw) }
    };
    let from = pick(&q.from, oldest.year)?;
    let to = pick(&q.to, latest.year)?;
    let before = state.db.u4ssc_cells(mid, from).await?;
    let after = state.db.u4ssc_cells(mid, to).await?;
    let (mut improved, mut declined) = (0, 0);
    let rows = Process::ALL
        .iter()
        .map(|process| {
            let views = Phase::ALL
                .iter()
                .map(|phase| {
                    let a = find(&before, *process, *phase).and_then(|c| c.maturity);
                    let b = find(&after, *process, *phase).and_then(|c| c.maturity);
                    match (a, b) {
                        (Some(a), Some(b)) if b > a => improved += 1,
                        (Some(a), Some(b)) if b < a => declined += 1,
                        _ => {}
                    }
                    let (change, colour) = change_text(&ctx.tr, a, b);
                    ChangeView {
                        element: ctx.tr.t(element_key(*process, *phase)),
                        from: Level::of(&ctx.tr, a),
                        to: Level::of(&ctx.tr, b),
                        change,
                        colour,
                    }
                })
                .collect();
            (ctx.tr.t(process_key(*process)), views)
        })
        .collect();
    let years = assessments.iter().map(|a| Choice { value: a.year.to_string(), label: a.year.to_string() }).collect();
    let t = CompareTemplate {
        p: ctx.page(ctx.tr.t("u4ssc-compare-title"), "u4ssc"),
        years,
        from,
        to,
        phases: phase_headers(&ctx.tr),
        rows,
        caption: ctx
            .tr
            .rule(&RuleError::new("u4ssc-compare-caption").with("from", from.to_string()).with("to", to.to_string())),
        improved,
        declined,
    };
    Ok(Html(t.render()?).into_response())
}
