//! Council report use cases (issue #15 §1–3): who reads a report, making one from its type's
//! template, the texts (introduction, service-area commentaries with their workflow, goal
//! assessments), composing the content from the data, the PDF (typst, PDF/A-2b) and the tables,
//! and the adoption that freezes content and PDF.
//!
//! Composing reads, for the report's period: the statuses of assignments and measures as of the
//! period's last day rolled up per service area, the indicators of the master plan's goals with
//! their progress class, the economy from January to the last month per service area, the open
//! management dialogues, and the texts. Every goal of the master plan is assessed in the annual
//! report: its indicators and the measures that carry it down the red thread (followed through
//! parents and inheritance) give the suggested verdict beside the one written.

use crate::ServiceError;
use crate::followup::roll_up_items;
use chrono::{Datelike, NaiveDate};
use rodtrad_domain::Actor;
use rodtrad_domain::RuleError;
use rodtrad_domain::followup::Status;
use rodtrad_domain::plan::{ElementKind, PlanStatus, PlanType};
use rodtrad_domain::reports::{
    Adoption, CommentaryAction, CommentaryLine, CommentaryState, ControlActivityLine, ControlAuditLine,
    ControlFindingLine, ControlReportLine, ControlRiskLine, DialogueLine, EconomyLine, GoalLine, ItemLine, NewReport,
    ReportContent, ReportKind, Section, SectionContent, StatusLine, Verdict, check_text, commentary_step,
    suggest_verdict,
};
use rodtrad_export::chart::{IndicatorChart, IndicatorLabels, format_number};
use rodtrad_store::org::OrgTree;
use rodtrad_store::plans::Element;
use rodtrad_store::reports::Report;
use rodtrad_store::{Author, Db};
use std::collections::{HashMap, HashSet};

/// Whether `actor` (`None`: the public) may read `report`: an adopted report is public; a draft
/// only for those who read drafts.
pub fn may_read(actor: Option<&Actor>, report: &Report) -> bool {
    report.adopted() || actor.is_some_and(|a| a.can_read_report_drafts())
}

fn manage(actor: &Actor) -> Result<(), ServiceError> {
    if actor.can_manage_reports() { Ok(()) } else { Err(ServiceError::Forbidden) }
}

/// The service areas (units directly under the municipality) that write commentaries, in tree
/// order; for a report of one part of the organisation, the service area it lies in.
pub fn commentary_areas(tree: &OrgTree, report: &Report) -> Vec<i64> {
    let areas = crate::dashboard::areas(tree);
    match report.unit_id {
        Some(unit) => {
            let ancestry = tree.ancestry(unit);
            areas.into_iter().filter(|a| ancestry.contains(a)).collect()
        }
        None => areas,
    }
}

/// Makes a report of `new`'s type with its template's sections.
pub async fn create(db: &Db, (actor, author): (&Actor, &Author), new: &NewReport) -> Result<i64, ServiceError> {
    manage(actor)?;
    let template = db.report_template(actor.municipality_id, new.kind).await?;
    Ok(db.report_create(author, new, &template.sections).await?)
}

/// Changes a report type's template (checked by `domain::reports::check_template`).
pub async fn save_template(
    db: &Db,
    (actor, author): (&Actor, &Author),
    kind: ReportKind,
    expected_version: i64,
    sections: &[Section],
) -> Result<i64, ServiceError> {
    manage(actor)?;
    rodtrad_domain::reports::check_template(kind, sections)?;
    Ok(db.report_template_save(author, kind, expected_version, sections).await?)
}

/// Saves the chief executive's introduction.
pub async fn save_introduction(
    db: &Db,
    (actor, author): (&Actor, &Author),
    report: &Report,
    expected_version: i64,
    text: &str,
) -> Result<i64, ServiceError> {
    if !actor.can_write_report_introduction() {
        return Err(ServiceError::Forbidden);
    }
    check_text(text)?;
    Ok(db.report_introduction_save(author, report.id, expected_version, text).await?)
}

/// Saves a service area's commentary and moves it along its workflow. The area's leader writes
/// and submits; the management staff may correct, return and compile.
#[allow(clippy::too_many_arguments)]
pub async fn save_commentary(
    db: &Db,
    (actor, author): (&Actor, &Author),
    tree: &OrgTree,
    report: &Report,
    area: i64,
    expected_version: i64,
    action: CommentaryAction,
    text: &str,
) -> Result<i64, ServiceError> {
    if !commentary_areas(tree, report).contains(&area) {
        return Err(ServiceError::Store(rodtrad_store::StoreError::NotFound));
    }
    if !actor.can_write_report_commentary(area) {
        return Err(ServiceError::Forbidden);
    }
    let current = db.report_commentaries(report.id).await?.into_iter().find(|c| c.area_id == area);
    let from = current.as_ref().map_or(CommentaryState::Draft, |c| c.state);
    let to = commentary_step(from, action, actor.can_manage_reports(), text)?;
    Ok(db.report_commentary_save(author, report.id, area, expected_version, text, to).await?)
}

/// Saves the assessment of a goal of the master plan in an annual report.
#[allow(clippy::too_many_arguments)]
pub async fn save_assessment(
    db: &Db,
    (actor, author): (&Actor, &Author),
    report: &Report,
    element_id: i64,
    expected_version: i64,
    verdict: Verdict,
    text: &str,
) -> Result<i64, ServiceError> {
    manage(actor)?;
    if report.kind != ReportKind::Annual {
        return Err(RuleError::new("err-report-goals-annual").into());
    }
    check_text(text)?;
    // One of the master plan's goals (every element of a plan hangs under its root, so a goal of
    // the plan is one of `goals_of`).
    let element = db.element(actor.municipality_id, element_id).await?;
    let plan = master_plan(db, actor.municipality_id).await?;
    if !plan.is_some_and(|p| p.id == element.plan_id && is_goal(element.kind)) {
        return Err(ServiceError::Store(rodtrad_store::StoreError::NotFound));
    }
    Ok(db.report_assessment_save(author, report.id, element_id, expected_version, verdict, text).await?)
}

/// The master plan's social part (*samfunnsdelen*) whose goals the reports assess: the adopted one
/// (or under revision) with the latest start, else the latest of any status.
pub async fn master_plan(db: &Db, municipality_id: i64) -> Result<Option<rodtrad_store::plans::Plan>, ServiceError> {
    let plans: Vec<_> =
        db.plans(municipality_id).await?.into_iter().filter(|p| p.plan_type() == PlanType::MasterPlanSocial).collect();
    let adopted = plans
        .iter()
        .filter(|p| matches!(p.status(), PlanStatus::Adopted | PlanStatus::UnderRevision))
        .max_by_key(|p| (p.start_year, p.id));
    Ok(adopted.or_else(|| plans.iter().max_by_key(|p| (p.start_year, p.id))).cloned())
}

fn is_goal(kind: ElementKind) -> bool {
    matches!(kind, ElementKind::MainGoal | ElementKind::SubGoal)
}

/// The goals of a plan (main goals and sub-goals) in the plan's order, depth first.
fn goals_of(elements: &[Element], plan_id: i64) -> Vec<&Element> {
    let mut children: HashMap<Option<i64>, Vec<&Element>> = HashMap::new();
    for e in elements.iter().filter(|e| e.plan_id == plan_id) {
        children.entry(e.parent_id).or_default().push(e);
    }
    for list in children.values_mut() {
        list.sort_by_key(|e| (e.position, e.id));
    }
    let mut out = Vec::new();
    let mut stack: Vec<&Element> = children.get(&None).map(|v| v.iter().rev().copied().collect()).unwrap_or_default();
    while let Some(e) = stack.pop() {
        if is_goal(e.kind) {
            out.push(e);
        }
        if let Some(kids) = children.get(&Some(e.id)) {
            stack.extend(kids.iter().rev().copied());
        }
    }
    out
}

/// For each element, the master plan goal it serves: the nearest goal found going up its parents,
/// at each step following its inheritance source back to the master plan (the red thread).
struct GoalOf<'a> {
    by_id: HashMap<i64, &'a Element>,
    goals: HashSet<i64>,
}

impl<'a> GoalOf<'a> {
    fn new(elements: &'a [Element], goals: &[&Element]) -> Self {
        Self { by_id: elements.iter().map(|e| (e.id, e)).collect(), goals: goals.iter().map(|g| g.id).collect() }
    }

    /// Whether `goal` is `attributed` or one of its ancestors in the master plan: a main goal is
    /// judged by everything under its sub-goals too.
    fn covers(&self, goal: i64, attributed: Option<i64>) -> bool {
        let mut node = attributed;
        let mut hops = 0;
        while let Some(n) = node {
            if n == goal {
                return true;
            }
            hops += 1;
            if hops > 64 {
                return false;
            }
            node = self.by_id.get(&n).and_then(|e| e.parent_id);
        }
        false
    }

    fn goal(&self, id: i64) -> Option<i64> {
        let mut seen = HashSet::new();
        let mut node = self.by_id.get(&id).copied();
        while let Some(e) = node {
            if !seen.insert(e.id) {
                return None;
            }
            // The element itself or its source chain.
            let mut source = Some(e.id);
            let mut hops = 0;
            while let Some(s) = source {
                if self.goals.contains(&s) {
                    return Some(s);
                }
                hops += 1;
                if hops > 64 {
                    break;
                }
                source = self.by_id.get(&s).and_then(|x| x.source_element_id);
            }
            node = e.parent_id.and_then(|p| self.by_id.get(&p).copied());
        }
        None
    }
}

/// The last day the report's figures count to: the last month's end, or `today` when that is later.
pub fn as_of(report: &Report, today: NaiveDate) -> NaiveDate {
    let (_, last) = report.kind.months(report.month_number());
    let year = report.year as i32;
    let end = if last == 12 {
        NaiveDate::from_ymd_opt(year, 12, 31)
    } else {
        NaiveDate::from_ymd_opt(year, last + 1, 1).and_then(|d| d.pred_opt())
    }
    .unwrap_or(today);
    end.min(today)
}

fn kroner(d: rust_decimal::Decimal) -> i64 {
    i64::try_from(d.round()).unwrap_or(0)
}

/// The report's content: frozen when adopted, else composed from the data now.
pub async fn content(
    db: &Db,
    tree: &OrgTree,
    report: &Report,
    today: NaiveDate,
) -> Result<ReportContent, ServiceError> {
    if report.adopted() {
        let (json, _) = db.report_frozen(report.municipality_id, report.id).await?;
        return serde_json::from_str(&json)
            .map_err(|e| ServiceError::Internal(format!("frozen report {}: {e}", report.id)));
    }
    compose(db, tree, report, today).await
}

/// Composes the report's content from the data as of [`as_of`].
pub async fn compose(
    db: &Db,
    tree: &OrgTree,
    report: &Report,
    today: NaiveDate,
) -> Result<ReportContent, ServiceError> {
    let mid = report.municipality_id;
    let as_of = as_of(report, today);
    let (_, last_month) = report.kind.months(report.month_number());
    let municipality = db.municipality(mid).await?.name;
    let scope_root = report.unit_id.or_else(|| tree.children(None).first().copied());
    let parts: Vec<i64> = match report.unit_id {
        Some(u) => {
            let kids = tree.children(Some(u)).to_vec();
            if kids.is_empty() { vec![u] } else { kids }
        }
        None => crate::dashboard::areas(tree),
    };
    let name = |id: i64| tree.name(id);
    let in_scope: HashSet<i64> = scope_root.map(|r| tree.subtree(r).into_iter().collect()).unwrap_or_default();

    let sections = report.section_list();
    let needs = |s: Section| sections.contains(&s);
    let elements =
        if needs(Section::Goals) || needs(Section::Indicators) { db.elements_all(mid).await? } else { vec![] };
    let plan = if needs(Section::Goals) || needs(Section::Indicators) { master_plan(db, mid).await? } else { None };
    let goals: Vec<&Element> = plan.as_ref().map(|p| goals_of(&elements, p.id)).unwrap_or_default();
    let goal_of = GoalOf::new(&elements, &goals);
    let items = if needs(Section::Goals) || needs(Section::Statuses) {
        db.followup_items(mid, Some(as_of)).await?
    } else {
        vec![]
    };
    let items: Vec<_> = items
        .into_iter()
        .filter(|r| report.unit_id.is_none() || r.owner_unit_id.is_some_and(|u| in_scope.contains(&u)))
        .collect();

    // Indicators of the goals, in goal order.
    let mut indicators = Vec::new();
    if needs(Section::Goals) || needs(Section::Indicators) {
        let thresholds = db.indicator_settings(mid).await?.thresholds;
        let mut list: Vec<(usize, &Element, i64)> = elements
            .iter()
            .filter(|e| e.kind == ElementKind::Indicator)
            .filter_map(|e| {
                let g = goal_of.goal(e.id)?;
                Some((goals.iter().position(|x| x.id == g)?, e, g))
            })
            .collect();
        list.sort_by_key(|(pos, e, _)| (*pos, e.plan_id != plan.as_ref().map_or(0, |p| p.id), e.position, e.id));
        for (_, e, g) in list {
            let view = crate::indicators::view(db, mid, e.id, &thresholds).await?;
            let mut values: Vec<(f64, String, f64)> = view
                .values
                .iter()
                .filter_map(|v| {
                    let t = rodtrad_domain::indicators::period_time(&v.period)?;
                    (t <= f64::from(as_of.year()) + 1.0).then_some((t, v.period.clone(), v.value?))
                })
                .collect();
            values.sort_by(|a, b| a.0.total_cmp(&b.0));
            indicators.push(rodtrad_domain::reports::IndicatorLine {
                id: e.id,
                goal: goals.iter().find(|x| x.id == g).map(|x| x.text.clone()).unwrap_or_default(),
                text: e.text.clone(),
                unit: view.definition.as_ref().map(|d| d.unit.clone()).unwrap_or_default(),
                baseline: view.definition.as_ref().and_then(|d| d.baseline()).map(|b| (b.year, b.value)),
                values,
                targets: view.targets.iter().map(|t| (t.year, t.desired, t.acceptable)).collect(),
                class: view.assessment.class.code().to_owned(),
            });
        }
    }

    let mut out = Vec::new();
    for section in &sections {
        let content = match section {
            Section::Introduction => SectionContent::Introduction { text: report.introduction.clone() },
            Section::Goals => {
                let assessments = db.report_assessments(report.id).await?;
                let mut lines = Vec::new();
                for g in &goals {
                    let classes: Vec<&str> = indicators
                        .iter()
                        .filter(|i| goal_of.covers(g.id, goal_of.goal(i.id)))
                        .map(|i| i.class.as_str())
                        .collect();
                    let statuses: Vec<&str> = items
                        .iter()
                        .filter(|r| goal_of.covers(g.id, goal_of.goal(r.id)))
                        .map(|r| r.status.as_deref().unwrap_or("unreported"))
                        .collect();
                    let suggested = suggest_verdict(classes.iter().copied(), statuses.iter().copied());
                    let written = assessments.iter().find(|a| a.element_id == g.id);
                    let mut measures: Vec<(String, u32)> = Vec::new();
                    for s in &statuses {
                        match measures.iter_mut().find(|(c, _)| c == s) {
                            Some((_, n)) => *n += 1,
                            None => measures.push(((*s).to_owned(), 1)),
                        }
                    }
                    measures.sort();
                    lines.push(GoalLine {
                        id: g.id,
                        level: if g.kind == ElementKind::MainGoal { 1 } else { 2 },
                        text: g.text.clone(),
                        verdict: written.map_or(suggested, |a| a.verdict),
                        suggested,
                        assessment: written.map(|a| a.text.clone()).unwrap_or_default(),
                        indicators: indicators
                            .iter()
                            .filter(|i| goal_of.covers(g.id, goal_of.goal(i.id)))
                            .map(|i| (i.text.clone(), i.class.clone()))
                            .collect(),
                        measures,
                    });
                }
                SectionContent::Goals { plan: plan.as_ref().map(|p| p.title.clone()).unwrap_or_default(), goals: lines }
            }
            Section::Statuses => {
                let rollup = roll_up_items(tree, &items, crate::followup::stale_before(as_of, 3650));
                let line = |id: i64| {
                    let t = rollup.of(id);
                    StatusLine {
                        name: name(id),
                        by_status: Status::ALL.iter().map(|s| (s.code().to_owned(), t.count(*s))).collect(),
                        unreported: t.unreported,
                        total: t.total(),
                        progress: t.progress().map(|p| (p * 10.0).round() / 10.0),
                    }
                };
                let rows = parts.iter().map(|p| line(*p)).filter(|l| l.total > 0).collect();
                let total = scope_root.map(line).unwrap_or_default();
                let deviations = items
                    .iter()
                    .filter(|r| matches!(r.status(), Some(Status::Deviation | Status::AtRisk)))
                    .map(|r| ItemLine {
                        text: r.text.clone(),
                        unit: r.owner_unit_name.clone().unwrap_or_else(|| municipality.clone()),
                        status: r.status.clone().unwrap_or_default(),
                        comment: r.comment.clone().unwrap_or_default(),
                    })
                    .collect();
                SectionContent::Statuses { rows, total, deviations }
            }
            Section::Indicators => SectionContent::Indicators { rows: indicators.clone() },
            Section::Economy => {
                let overview = crate::economy::overview(db, tree, mid, report.year as i32, last_month).await?;
                let line = |id: i64| {
                    let f = overview.of(id);
                    EconomyLine {
                        name: name(id),
                        budget: kroner(f.budget),
                        actual: kroner(f.actual),
                        forecast: overview
                            .has_figures(id)
                            .then(|| kroner(f.forecast))
                            .filter(|_| tree.subtree(id).iter().any(|u| overview.forecasts.contains_key(u))),
                    }
                };
                let rows = parts.iter().filter(|p| overview.has_figures(**p)).map(|p| line(*p)).collect();
                SectionContent::Economy { rows, total: scope_root.map(line).unwrap_or_default() }
            }
            Section::Dialogues => {
                let rows = db
                    .followup_dialogues(mid, true)
                    .await?
                    .into_iter()
                    .filter(|d| in_scope.contains(&d.unit_id))
                    .filter(|d| d.opened_at.date_naive() <= as_of)
                    .map(|d| DialogueLine {
                        unit: d.unit_name,
                        subject: d.element_text,
                        status: d.opened_status,
                        measures: d.measures,
                        opened_on: d.opened_at.date_naive(),
                        follow_up_on: d.follow_up_on,
                    })
                    .collect();
                SectionContent::Dialogues { rows }
            }
            Section::Commentary => {
                let written = db.report_commentaries(report.id).await?;
                let areas = commentary_areas(tree, report)
                    .into_iter()
                    .map(|a| {
                        let c = written.iter().find(|c| c.area_id == a);
                        CommentaryLine {
                            area_id: a,
                            area: name(a),
                            state: c.map_or(CommentaryState::Draft, |c| c.state),
                            text: c.map(|c| c.text.clone()).unwrap_or_default(),
                        }
                    })
                    .collect();
                SectionContent::Commentary { areas }
            }
            Section::ControlRisks => control_risks(db, tree, mid, report.year as i32, as_of).await?,
            Section::ControlActivities => control_activities(db, tree, mid, report.year as i32, as_of).await?,
            Section::ControlAudits => control_audits(db, tree, mid, report.year as i32).await?,
            Section::ControlReports => control_reports(db, tree, mid, report.year as i32).await?,
        };
        out.push(content);
    }
    Ok(ReportContent {
        municipality,
        kind: report.kind,
        year: report.year as i32,
        months: report.kind.months(report.month_number()),
        scope: report.unit_id.map(name),
        as_of,
        sections: out,
    })
}

/// The significant risks of the year's analyses, highest score first.
async fn control_risks(
    db: &Db,
    tree: &OrgTree,
    mid: i64,
    year: i32,
    as_of: NaiveDate,
) -> Result<SectionContent, ServiceError> {
    let matrix = db.risk_matrix(mid).await?.matrix;
    let analyses = db.risk_analyses(mid, Some(year)).await?;
    let mut rows: Vec<ControlRiskLine> = db
        .risk_items_of_year(mid, year)
        .await?
        .into_iter()
        .filter_map(|r| {
            let band = r.item.band(&matrix);
            let unit = analyses.iter().find(|a| a.id == r.analysis_id)?.unit_id;
            band.is_significant().then(|| ControlRiskLine {
                unit: tree.name(unit),
                description: r.item.description.clone(),
                score: r.item.current.score(),
                band: band.code().to_owned(),
                treatment: r.item.treatment.code().to_owned(),
                accepted: crate::risk::accepted(&r, &matrix, as_of),
            })
        })
        .collect();
    rows.sort_by(|a, b| b.score.cmp(&a.score).then(a.unit.cmp(&b.unit)).then(a.description.cmp(&b.description)));
    Ok(SectionContent::ControlRisks { rows })
}

/// The year's control activities counted, with the flagged ones and their latest follow-up.
async fn control_activities(
    db: &Db,
    tree: &OrgTree,
    mid: i64,
    year: i32,
    as_of: NaiveDate,
) -> Result<SectionContent, ServiceError> {
    let activities = db.control_activities(mid).await?;
    let executions = db.control_executions(mid, year, None).await?;
    let (mut recorded, mut missed, mut failed) = (0, 0, 0);
    let mut rows = Vec::new();
    for a in &activities {
        let standing = crate::internal_control::standing(a, year, &executions, as_of);
        recorded += standing.ok + standing.remarks + standing.failed;
        missed += standing.missed;
        failed += standing.failed;
        if standing.flagged() {
            let follow_up = executions
                .iter()
                .filter(|e| e.activity_id == a.id && !e.follow_up.is_empty())
                .max_by_key(|e| e.period_index)
                .map(|e| e.follow_up.clone())
                .unwrap_or_default();
            rows.push(ControlActivityLine {
                unit: tree.name(a.unit_id),
                title: a.title.clone(),
                missed: standing.missed,
                failed: standing.failed,
                follow_up,
            });
        }
    }
    rows.sort_by(|a, b| (b.failed, b.missed).cmp(&(a.failed, a.missed)).then(a.unit.cmp(&b.unit)));
    let total = u32::try_from(activities.len()).unwrap_or(u32::MAX);
    Ok(SectionContent::ControlActivities { total, recorded, missed, failed, rows })
}

/// The year's audits and inspections, with the findings still open and those closed in the year.
async fn control_audits(db: &Db, tree: &OrgTree, mid: i64, year: i32) -> Result<SectionContent, ServiceError> {
    let audits = db.audits(mid, Some(year)).await?;
    let all = db.audit_findings(mid, None).await?;
    let count = |id: i64, open: bool| {
        u32::try_from(all.iter().filter(|f| f.audit_id == id && (!open || f.closed_on.is_none())).count()).unwrap_or(0)
    };
    let rows = audits
        .iter()
        .map(|a| ControlAuditLine {
            kind: a.kind.code().to_owned(),
            title: a.title.clone(),
            auditor: a.auditor.clone(),
            unit: tree.name(a.unit_id),
            held_on: a.held_on,
            findings: count(a.id, false),
            open: count(a.id, true),
            closed: !a.is_open(),
        })
        .collect();
    let every = db.audits(mid, None).await?;
    let findings = all
        .iter()
        .filter(|f| f.closed_on.is_none_or(|d| d.year() == year))
        .filter_map(|f| {
            let a = every.iter().find(|a| a.id == f.audit_id)?;
            Some(ControlFindingLine {
                audit: a.title.clone(),
                kind: f.kind.code().to_owned(),
                description: f.description.clone(),
                measure: f.measure.clone(),
                deadline: f.deadline,
                closed_on: f.closed_on,
                closing_note: f.closing_note.clone(),
            })
        })
        .collect();
    Ok(SectionContent::ControlAudits { rows, findings })
}

/// The unit managers' reports of the year, and the led units that have not reported.
async fn control_reports(db: &Db, tree: &OrgTree, mid: i64, year: i32) -> Result<SectionContent, ServiceError> {
    let sent = db.control_reports(mid, year).await?;
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    let mut stack: Vec<i64> = tree.children(None).iter().rev().copied().collect();
    while let Some(id) = stack.pop() {
        stack.extend(tree.children(Some(id)).iter().rev().copied());
        let Some(u) = tree.get(id) else { continue };
        match sent.iter().find(|r| r.unit_id == id) {
            Some(r) => rows.push(ControlReportLine {
                unit: u.name.clone(),
                significant_risks: r.significant_risks.clone(),
                control_failures: r.control_failures.clone(),
                what_worked: r.what_worked.clone(),
            }),
            // Every unit manager (authority level 2) reports.
            None if u.kind() == rodtrad_domain::OrgUnitKind::Unit && u.leader_person_id.is_some() => {
                missing.push(u.name.clone())
            }
            None => {}
        }
    }
    Ok(SectionContent::ControlReports { missing, rows })
}

/// Records the adoption (checked by `AdoptionDraft::parse`): composes the content now, makes its
/// PDF (in the municipality's official language, through `tr`) and stores both with the decision,
/// if no text changed since the caller's `content_version`.
#[allow(clippy::too_many_arguments)]
pub async fn adopt(
    db: &Db,
    (actor, author): (&Actor, &Author),
    tree: &OrgTree,
    report: &Report,
    content_version: i64,
    adoption: &Adoption,
    today: NaiveDate,
    tr: &(dyn Fn(&str) -> String + Sync),
) -> Result<(), ServiceError> {
    manage(actor)?;
    if report.adopted() {
        return Err(RuleError::new("err-report-adopted").into());
    }
    let content = compose(db, tree, report, today).await?;
    let frozen = FrozenReport { content, adoption: Some(adoption.clone()) };
    let pdf = pdf(&frozen, tr)?;
    let json = serde_json::to_string(&frozen.content).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(db.report_adopt(author, report.id, content_version, adoption, &json, &pdf).await?)
}

/// What a PDF or table is made from: the content and, when adopted, the decision.
#[derive(Debug, Clone)]
pub struct FrozenReport {
    /// The content.
    pub content: ReportContent,
    /// The adoption, if any.
    pub adoption: Option<rodtrad_domain::reports::Adoption>,
}

impl FrozenReport {
    /// Of a stored report and its content.
    pub fn of(report: &Report, content: ReportContent) -> Self {
        let adoption = match (&report.decision_body, &report.case_number, report.decided_on) {
            (Some(body), Some(case_number), Some(decided_on)) => Some(rodtrad_domain::reports::Adoption {
                body: body.clone(),
                case_number: case_number.clone(),
                decided_on,
            }),
            _ => None,
        };
        Self { content, adoption }
    }
}

/// A report's title: «Årsrapport 2026», «1. tertialrapport 2027», «Månedsrapport mars 2027 –
/// Oppvekst».
pub fn title(content: &ReportContent, tr: &dyn Fn(&str) -> String) -> String {
    title_of(content.kind, content.months.1, i64::from(content.year), content.scope.as_deref(), tr)
}

/// A report's title from its type, last month (named for a monthly report), year and scope (a
/// unit or service area, or none for the municipality).
pub fn title_of(
    kind: ReportKind,
    last_month: u32,
    year: i64,
    scope: Option<&str>,
    tr: &dyn Fn(&str) -> String,
) -> String {
    let label = tr(kind.label_key());
    let mut t = match kind {
        ReportKind::Monthly => format!("{label} {} {year}", tr(MONTH_KEYS[(last_month as usize).clamp(1, 12) - 1])),
        _ => format!("{label} {year}"),
    };
    if let Some(scope) = scope {
        t.push_str(" – ");
        t.push_str(scope);
    }
    t
}

/// Message keys of the months' names (shared with the annual cycle's).
pub const MONTH_KEYS: [&str; 12] = [
    "cycle-month-1",
    "cycle-month-2",
    "cycle-month-3",
    "cycle-month-4",
    "cycle-month-5",
    "cycle-month-6",
    "cycle-month-7",
    "cycle-month-8",
    "cycle-month-9",
    "cycle-month-10",
    "cycle-month-11",
    "cycle-month-12",
];

/// Message key of a progress class's name, by its code.
pub fn class_key(code: &str) -> &'static str {
    rodtrad_domain::indicators::ProgressClass::ALL
        .into_iter()
        .find(|c| c.code() == code)
        .unwrap_or(rodtrad_domain::indicators::ProgressClass::InsufficientData)
        .label_key()
}

/// A date as Norwegian documents write it.
fn date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// An amount in whole kroner with thin grouping, minus as a real minus sign.
pub fn amount(v: i64) -> String {
    let s = format_number(v as f64, 0);
    if v < 0 { format!("−{s}") } else { s }
}

/// A value with at most two decimals, decimal comma.
pub fn value(v: f64) -> String {
    let s = format_number(v, 2).replace('.', ",");
    if v < 0.0 { format!("−{s}") } else { s }
}

/// The chart of an indicator as SVG, labels in the reader's language.
pub fn indicator_svg(line: &rodtrad_domain::reports::IndicatorLine, tr: &dyn Fn(&str) -> String, id: &str) -> String {
    let first = line.values.first().map(|v| format!("{} ({})", value(v.2), v.1)).unwrap_or_else(|| "–".into());
    let last = line.values.last().map(|v| format!("{} ({})", value(v.2), v.1)).unwrap_or_else(|| "–".into());
    IndicatorChart {
        title: line.text.clone(),
        description: format!("{}: {first} → {last}", tr("report-chart-desc")),
        unit: line.unit.clone(),
        values: line.values.clone(),
        baseline: line.baseline,
        targets: line.targets.clone(),
        labels: IndicatorLabels {
            observed: tr("indicator-legend-observed"),
            target: tr("indicator-legend-target"),
            band: tr("indicator-legend-band"),
            baseline: tr("indicator-legend-baseline"),
            path: tr("indicator-legend-path"),
        },
    }
    .to_svg(id)
}

/// The tables of a report, one per section with figures (the status roll-up also lists its
/// deviations), in the template's order: the sheets of its XLSX file and the tables of its PDF.
pub fn sheets(report: &FrozenReport, tr: &dyn Fn(&str) -> String) -> Vec<ReportSheet> {
    use rodtrad_export::{Cell, Sheet};
    let c = &report.content;
    let report_title = title(c, tr);
    let mut out = Vec::new();
    let sheet = |key: &'static str, header: Vec<String>, rows: Vec<Vec<Cell>>| ReportSheet {
        key,
        sheet: Sheet { name: tr(key), title: format!("{report_title} – {}", tr(key)), header, rows },
    };
    for s in &c.sections {
        match s {
            SectionContent::Goals { goals, .. } => out.push(sheet(
                "report-section-goals",
                vec![
                    tr("report-col-goal"),
                    tr("report-col-verdict"),
                    tr("report-col-suggested"),
                    tr("report-col-assessment"),
                ],
                goals
                    .iter()
                    .map(|g| {
                        vec![
                            Cell::text(&g.text),
                            Cell::text(tr(g.verdict.label_key())),
                            Cell::text(tr(g.suggested.label_key())),
                            Cell::text(&g.assessment),
                        ]
                    })
                    .collect(),
            )),
            SectionContent::Statuses { rows, total, deviations } => {
                let mut header = vec![tr("report-col-area")];
                header.extend(Status::ALL.iter().map(|s| tr(s.label_key())));
                header.extend([tr("report-col-unreported"), tr("report-col-total"), tr("report-col-progress")]);
                let row = |l: &StatusLine| {
                    let mut r = vec![Cell::text(&l.name)];
                    r.extend(l.by_status.iter().map(|(_, n)| Cell::number(f64::from(*n))));
                    r.push(Cell::number(f64::from(l.unreported)));
                    r.push(Cell::number(f64::from(l.total)));
                    r.push(l.progress.map_or(Cell::text(""), Cell::number));
                    r
                };
                let mut body: Vec<Vec<Cell>> = rows.iter().map(row).collect();
                body.push(row(total));
                out.push(sheet("report-section-statuses", header, body));
                out.push(sheet(
                    "report-deviations",
                    vec![
                        tr("report-col-item"),
                        tr("report-col-unit"),
                        tr("report-col-status"),
                        tr("report-col-comment"),
                    ],
                    deviations
                        .iter()
                        .map(|d| {
                            vec![
                                Cell::text(&d.text),
                                Cell::text(&d.unit),
                                Cell::text(Status::parse(&d.status).map(|s| tr(s.label_key())).unwrap_or_default()),
                                Cell::text(&d.comment),
                            ]
                        })
                        .collect(),
                ));
            }
            SectionContent::Indicators { rows } => out.push(sheet(
                "report-section-indicators",
                vec![
                    tr("report-col-goal"),
                    tr("report-col-indicator"),
                    tr("report-col-period"),
                    tr("report-col-value"),
                    tr("report-col-target"),
                    tr("report-col-class"),
                ],
                rows.iter()
                    .map(|i| {
                        let latest = i.latest();
                        let target =
                            i.targets.iter().map(|t| t.0).max().and_then(|y| i.targets.iter().find(|t| t.0 == y));
                        vec![
                            Cell::text(&i.goal),
                            Cell::text(&i.text),
                            Cell::text(latest.map(|l| l.1.clone()).unwrap_or_default()),
                            latest.map_or(Cell::text(""), |l| Cell::number(l.2)),
                            target.map_or(Cell::text(""), |t| Cell::number(t.1)),
                            Cell::text(tr(class_key(&i.class))),
                        ]
                    })
                    .collect(),
            )),
            SectionContent::Economy { rows, total } => {
                let row = |l: &EconomyLine| {
                    vec![
                        Cell::text(&l.name),
                        Cell::exact(&l.budget.to_string()),
                        Cell::exact(&l.actual.to_string()),
                        l.forecast.map_or(Cell::text(""), |f| Cell::exact(&f.to_string())),
                        l.deviation().map_or(Cell::text(""), |d| Cell::exact(&d.to_string())),
                    ]
                };
                let mut body: Vec<Vec<Cell>> = rows.iter().map(row).collect();
                body.push(row(total));
                out.push(sheet(
                    "report-section-economy",
                    vec![
                        tr("report-col-area"),
                        tr("report-col-budget"),
                        tr("report-col-actual"),
                        tr("report-col-forecast"),
                        tr("report-col-deviation"),
                    ],
                    body,
                ));
            }
            SectionContent::Dialogues { rows } => out.push(sheet(
                "report-section-dialogues",
                vec![
                    tr("report-col-unit"),
                    tr("report-col-item"),
                    tr("report-col-measures"),
                    tr("report-col-opened"),
                    tr("report-col-follow-up"),
                ],
                rows.iter()
                    .map(|d| {
                        vec![
                            Cell::text(&d.unit),
                            Cell::text(&d.subject),
                            Cell::text(&d.measures),
                            Cell::text(date(d.opened_on)),
                            Cell::text(d.follow_up_on.map(date).unwrap_or_default()),
                        ]
                    })
                    .collect(),
            )),
            SectionContent::ControlRisks { rows } => out.push(sheet(
                "report-section-control_risks",
                [
                    "report-col-unit",
                    "report-col-risk",
                    "report-col-band",
                    "report-col-treatment",
                    "report-col-accepted",
                    "report-col-score",
                ]
                .iter()
                .map(|k| tr(k))
                .collect(),
                rows.iter()
                    .map(|r| {
                        vec![
                            Cell::text(&r.unit),
                            Cell::text(&r.description),
                            Cell::text(tr(&format!("risk-band-{}", r.band))),
                            Cell::text(tr(&format!("risk-treatment-{}", r.treatment))),
                            Cell::text(if r.accepted { tr("report-yes") } else { String::new() }),
                            Cell::number(f64::from(r.score)),
                        ]
                    })
                    .collect(),
            )),
            SectionContent::ControlActivities { rows, .. } => out.push(sheet(
                "report-section-control_activities",
                [
                    "report-col-unit",
                    "report-col-control",
                    "report-col-follow-up-text",
                    "report-col-missed",
                    "report-col-failed",
                ]
                .iter()
                .map(|k| tr(k))
                .collect(),
                rows.iter()
                    .map(|r| {
                        vec![
                            Cell::text(&r.unit),
                            Cell::text(&r.title),
                            Cell::text(&r.follow_up),
                            Cell::number(f64::from(r.missed)),
                            Cell::number(f64::from(r.failed)),
                        ]
                    })
                    .collect(),
            )),
            SectionContent::ControlAudits { rows, findings } => {
                out.push(sheet(
                    "report-section-control_audits",
                    [
                        "report-col-theme",
                        "report-col-audit-kind",
                        "report-col-auditor",
                        "report-col-unit",
                        "report-col-held",
                        "report-col-audit-status",
                        "report-col-findings",
                        "report-col-open",
                    ]
                    .iter()
                    .map(|k| tr(k))
                    .collect(),
                    rows.iter()
                        .map(|r| {
                            vec![
                                Cell::text(&r.title),
                                Cell::text(tr(&format!("audit-kind-{}", audit_kind_key(&r.kind)))),
                                Cell::text(&r.auditor),
                                Cell::text(&r.unit),
                                Cell::text(date(r.held_on)),
                                Cell::text(tr(if r.closed { "audit-status-closed" } else { "audit-status-open" })),
                                Cell::number(f64::from(r.findings)),
                                Cell::number(f64::from(r.open)),
                            ]
                        })
                        .collect(),
                ));
                out.push(sheet(
                    "report-control-findings",
                    [
                        "report-col-theme",
                        "report-col-finding",
                        "report-col-found",
                        "report-col-measure",
                        "report-col-deadline",
                        "report-col-closed-on",
                        "report-col-done",
                    ]
                    .iter()
                    .map(|k| tr(k))
                    .collect(),
                    findings
                        .iter()
                        .map(|f| {
                            vec![
                                Cell::text(&f.audit),
                                Cell::text(tr(&format!("audit-finding-{}", finding_kind_key(&f.kind)))),
                                Cell::text(&f.description),
                                Cell::text(&f.measure),
                                Cell::text(f.deadline.map(date).unwrap_or_default()),
                                Cell::text(f.closed_on.map(date).unwrap_or_default()),
                                Cell::text(&f.closing_note),
                            ]
                        })
                        .collect(),
                ));
            }
            SectionContent::ControlReports { rows, .. } => out.push(sheet(
                "report-section-control_reports",
                [
                    "report-col-unit",
                    "control-report-field-risks",
                    "control-report-field-failures",
                    "control-report-field-worked",
                ]
                .iter()
                .map(|k| tr(k))
                .collect(),
                rows.iter()
                    .map(|r| {
                        vec![
                            Cell::text(&r.unit),
                            Cell::text(&r.significant_risks),
                            Cell::text(&r.control_failures),
                            Cell::text(&r.what_worked),
                        ]
                    })
                    .collect(),
            )),
            SectionContent::Introduction { .. } | SectionContent::Commentary { .. } => {}
        }
    }
    out
}

/// The message-key part of an audit kind code (`audit-kind-…`).
fn audit_kind_key(code: &str) -> &'static str {
    match rodtrad_domain::audits::AuditKind::parse(code) {
        Ok(k) => k.label_key().trim_start_matches("audit-kind-"),
        Err(_) => "inspection",
    }
}

/// The message-key part of a finding kind code (`audit-finding-…`).
fn finding_kind_key(code: &str) -> &'static str {
    match rodtrad_domain::audits::FindingKind::parse(code) {
        Ok(k) => k.label_key().trim_start_matches("audit-finding-"),
        Err(_) => "remark",
    }
}

/// The sheets each internal-control section shows, the message key of its text when it has no
/// rows, and the line of figures under it: the same in the page and the PDF.
pub fn control_section(
    s: &SectionContent,
    tr: &dyn Fn(&str) -> String,
) -> Option<(&'static [&'static str], Option<String>, String)> {
    let figures = |pairs: &[(&str, u32)]| {
        pairs.iter().map(|(key, n)| format!("{}: {n}", tr(key))).collect::<Vec<_>>().join(". ") + "."
    };
    Some(match s {
        SectionContent::ControlRisks { rows } => (
            &["report-section-control_risks"][..],
            rows.is_empty().then(|| tr("report-control-risks-none")),
            String::new(),
        ),
        SectionContent::ControlActivities { total, recorded, missed, failed, rows } => (
            &["report-section-control_activities"][..],
            rows.is_empty().then(|| tr("report-control-activities-none")),
            figures(&[
                ("report-control-total", *total),
                ("report-control-recorded", *recorded),
                ("report-col-missed", *missed),
                ("report-col-failed", *failed),
            ]),
        ),
        SectionContent::ControlAudits { rows, .. } => (
            &["report-section-control_audits", "report-control-findings"][..],
            rows.is_empty().then(|| tr("report-control-audits-none")),
            String::new(),
        ),
        SectionContent::ControlReports { missing, rows } => (
            &["report-section-control_reports"][..],
            rows.is_empty().then(|| tr("report-control-reports-none")),
            if missing.is_empty() {
                String::new()
            } else {
                format!("{}: {}", tr("report-control-reports-missing"), missing.join(", "))
            },
        ),
        _ => return None,
    })
}

/// A table of a report: the message key of its heading (its id) and the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSheet {
    /// Message key of the table's heading (`report-section-economy`, `report-deviations`, …).
    pub key: &'static str,
    /// The table.
    pub sheet: rodtrad_export::Sheet,
}

/// A table's cells as the web page and the PDF show them: numbers the application wrote grouped
/// with a decimal comma, text as it is.
pub fn display_cells(sheet: &rodtrad_export::Sheet) -> Vec<Vec<String>> {
    sheet
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|cell| match cell.as_str().parse::<f64>() {
                    Ok(v) if cell.is_number() && cell.as_str().contains('.') => value(v),
                    Ok(v) if cell.is_number() => amount(v as i64),
                    _ => cell.as_str().to_owned(),
                })
                .collect()
        })
        .collect()
}

/// The report as XLSX: [`sheets`], dated by the adoption (or the content's day).
pub fn xlsx(report: &FrozenReport, tr: &dyn Fn(&str) -> String) -> Result<Vec<u8>, ServiceError> {
    let d = report.adoption.as_ref().map_or(report.content.as_of, |a| a.decided_on);
    rodtrad_export::xlsx_workbook(
        &title(&report.content, tr),
        &sheets(report, tr).into_iter().map(|s| s.sheet).collect::<Vec<_>>(),
        (d.year() as u16, d.month() as u8, d.day() as u8),
    )
    .map_err(|e| ServiceError::Internal(e.to_string()))
}

const PDF_TEMPLATE: &str = r#"#import sys: inputs
#set document(title: inputs.title, author: inputs.municipality, date: datetime(year: inputs.date.at(0), month: inputs.date.at(1), day: inputs.date.at(2)))
#set text(lang: inputs.lang, size: 10pt)
#set page(paper: "a4", margin: (x: 2.2cm, top: 2.6cm, bottom: 2.4cm),
  header: context if counter(page).get().first() > 1 [
    #set text(size: 8.5pt)
    #inputs.municipality #h(1fr) #inputs.title
    #v(-0.6em) #line(length: 100%, stroke: 0.4pt + luma(150))
  ],
  footer: context if counter(page).get().first() > 1 { page-footer(inputs.labels.page, inputs.labels.of) })
#set heading(numbering: "1.1")
#show heading.where(level: 1): it => { v(0.6em); text(size: 15pt, it); v(0.3em) }
#set table(stroke: 0.4pt + luma(170), inset: 4pt)
#show table.cell.where(y: 0): set text(weight: "bold")

// Cover
#v(3cm)
#text(size: 12pt, inputs.municipality)
#v(0.5em)
#text(size: 24pt, weight: "bold", inputs.title)
#v(0.8em)
#text(size: 11pt, inputs.period)
#v(2em)
#text(size: 11pt, inputs.status)
#pagebreak()
#outline(title: inputs.labels.contents, depth: 2)
#pagebreak()

#for s in inputs.sections [
  = #s.heading
  #if s.kind == "text" [
    #if s.blocks.len() == 0 [ #emph(inputs.labels.empty) ] else [ #blocks(s.blocks) ]
  ]
  #if s.kind == "table" [
    #table(columns: s.columns.map(c => if c == "auto" { auto } else { 1fr }),
      align: (x, y) => if s.numeric.at(x) { right } else { left },
      table.header(..s.header),
      ..s.rows.flatten())
    #for n in s.notes [ #par(text(size: 9pt, n)) ]
  ]
  #if s.kind == "goals" [
    #for g in s.goals [
      #heading(level: 2, numbering: none, g.text)
      #text(weight: "bold", g.verdict) #h(1em) #text(size: 9pt, g.suggested)
      #if g.facts.len() > 0 [ #par(text(size: 9pt, g.facts)) ]
      #if g.blocks.len() > 0 [ #blocks(g.blocks) ]
    ]
  ]
  #if s.kind == "indicators" [
    #table(columns: (1fr, 1fr, auto, auto, auto, auto),
      align: (x, y) => if x >= 3 and x <= 4 { right } else { left },
      table.header(..s.header),
      ..s.rows.flatten())
    #for c in s.charts [
      #block(breakable: false)[
        #heading(level: 2, numbering: none, c.title)
        #image(bytes(c.svg), format: "svg", width: 100%, alt: c.alt)
      ]
    ]
  ]
  #if s.kind == "commentary" [
    #for a in s.areas [
      #heading(level: 2, numbering: none, a.area)
      #text(size: 9pt, a.state)
      #if a.blocks.len() == 0 [ #par(emph(inputs.labels.empty)) ] else [ #blocks(a.blocks) ]
    ]
  ]
]
"#;

/// The report as a PDF/A-2b document: a cover, a table of contents, page numbers, a running
/// header with the municipality and the report, every section in its template's order with its
/// tables (headers repeated on every page a table runs over) and the indicators' charts as vector
/// graphics. User text goes in as data and is never typst markup.
pub fn pdf(report: &FrozenReport, tr: &(dyn Fn(&str) -> String + Sync)) -> Result<Vec<u8>, ServiceError> {
    use rodtrad_export::pdf::{PRELUDE, PdfTemplate, markdown_blocks};
    use serde_json::json;
    use std::sync::OnceLock;
    static TEMPLATE: OnceLock<PdfTemplate> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let source: &'static str = Box::leak(format!("{PRELUDE}\n{PDF_TEMPLATE}").into_boxed_str());
        PdfTemplate::new(source)
    });
    let c = &report.content;
    let t = title(c, tr);
    let status = match &report.adoption {
        Some(a) => format!(
            "{}: {} {}, {} {}",
            tr("report-adopted"),
            a.body,
            date(a.decided_on),
            tr("report-case-number"),
            a.case_number
        ),
        None => format!("{} {}", tr("report-draft-as-of"), date(c.as_of)),
    };
    let period = format!(
        "{} {}–{} {}",
        tr("report-period"),
        tr(MONTH_KEYS[c.months.0 as usize - 1]),
        tr(MONTH_KEYS[c.months.1 as usize - 1]),
        c.year
    );
    let tables = sheets(report, tr);
    let table_of = |key: &str| tables.iter().find(|s| s.key == key).map(|s| &s.sheet);
    let cells = display_cells;
    let table_json = |heading: String, sheet: &rodtrad_export::Sheet, numeric_from: usize, notes: Vec<String>| {
        let n = sheet.header.len();
        json!({
            "heading": heading, "kind": "table",
            "columns": (0..n).map(|i| if i == 0 { "1fr" } else { "auto" }).collect::<Vec<_>>(),
            "numeric": (0..n).map(|i| i >= numeric_from).collect::<Vec<_>>(),
            "header": sheet.header, "rows": cells(sheet), "notes": notes,
        })
    };
    let mut sections = Vec::new();
    for s in &c.sections {
        let heading = tr(s.section().label_key());
        match s {
            SectionContent::Introduction { text } => {
                sections.push(json!({"heading": heading, "kind": "text", "blocks": markdown_blocks(text)}));
            }
            SectionContent::Goals { plan, goals } => {
                let goals: Vec<_> = goals
                    .iter()
                    .map(|g| {
                        let inds: Vec<String> = g
                            .indicators
                            .iter()
                            .map(|(text, class)| format!("{text}: {}", tr(class_key(class))))
                            .collect();
                        let measures: Vec<String> = g
                            .measures
                            .iter()
                            .map(|(s, n)| {
                                let label = Status::parse(s)
                                    .map(|s| tr(s.label_key()))
                                    .unwrap_or_else(|_| tr("report-col-unreported"));
                                format!("{label} {n}")
                            })
                            .collect();
                        let mut facts = Vec::new();
                        if !inds.is_empty() {
                            facts.push(format!("{}: {}", tr("report-col-indicators"), inds.join("; ")));
                        }
                        if !measures.is_empty() {
                            facts.push(format!("{}: {}", tr("report-col-measures-status"), measures.join(", ")));
                        }
                        json!({
                            "text": g.text,
                            "verdict": format!("{} {}", g.verdict.symbol(), tr(g.verdict.label_key())),
                            "suggested": format!("({}: {})", tr("report-col-suggested"), tr(g.suggested.label_key())),
                            "facts": facts.join(". "),
                            "blocks": markdown_blocks(&g.assessment),
                        })
                    })
                    .collect();
                let heading = if plan.is_empty() { heading } else { format!("{heading}: {plan}") };
                sections.push(json!({"heading": heading, "kind": "goals", "goals": goals}));
            }
            SectionContent::Statuses { deviations, .. } => {
                if let Some(sheet) = table_of("report-section-statuses") {
                    sections.push(table_json(heading, sheet, 1, vec![]));
                }
                if let Some(sheet) = table_of("report-deviations").filter(|_| !deviations.is_empty()) {
                    sections.push(table_json(tr("report-deviations"), sheet, 9, vec![]));
                }
            }
            SectionContent::Indicators { rows } => {
                let Some(sheet) = table_of("report-section-indicators") else { continue };
                let charts: Vec<_> = rows
                    .iter()
                    .filter(|i| !i.values.is_empty())
                    .map(|i| {
                        json!({
                            "title": i.text,
                            "svg": indicator_svg(i, tr, &format!("pdf-ind-{}", i.id)),
                            "alt": format!("{}: {}", i.text, tr(class_key(&i.class))),
                        })
                    })
                    .collect();
                sections.push(json!({"heading": heading, "kind": "indicators", "header": sheet.header, "rows": cells(sheet), "charts": charts}));
            }
            SectionContent::Economy { .. } => {
                if let Some(sheet) = table_of("report-section-economy") {
                    sections.push(table_json(heading, sheet, 1, vec![tr("report-economy-note")]));
                }
            }
            SectionContent::Dialogues { rows } => {
                if let Some(sheet) = table_of("report-section-dialogues") {
                    let notes = if rows.is_empty() { vec![tr("report-dialogues-none")] } else { vec![] };
                    sections.push(table_json(heading, sheet, 9, notes));
                }
            }
            SectionContent::ControlRisks { .. }
            | SectionContent::ControlActivities { .. }
            | SectionContent::ControlAudits { .. }
            | SectionContent::ControlReports { .. } => {
                let Some((keys, empty, note)) = control_section(s, tr) else { continue };
                if let Some(empty) = empty {
                    let text = [empty, note].into_iter().filter(|n| !n.is_empty()).collect::<Vec<_>>().join("\n\n");
                    sections.push(json!({"heading": heading, "kind": "text", "blocks": markdown_blocks(&text)}));
                    continue;
                }
                for (i, key) in keys.iter().enumerate() {
                    let Some(sheet) = table_of(key) else { continue };
                    let numeric = sheet.rows.first().map_or(99, |r| r.iter().position(|c| c.is_number()).unwrap_or(99));
                    let notes = if i == 0 && !note.is_empty() { vec![note.clone()] } else { vec![] };
                    let h = if i == 0 { heading.clone() } else { tr(key) };
                    sections.push(table_json(h, sheet, numeric, notes));
                }
            }
            SectionContent::Commentary { areas } => {
                let areas: Vec<_> = areas
                    .iter()
                    .map(|a| json!({"area": a.area, "state": tr(a.state.label_key()), "blocks": markdown_blocks(&a.text)}))
                    .collect();
                sections.push(json!({"heading": heading, "kind": "commentary", "areas": areas}));
            }
        }
    }
    let d = report.adoption.as_ref().map_or(c.as_of, |a| a.decided_on);
    let data = json!({
        "title": t, "municipality": c.municipality, "period": period, "status": status,
        "lang": Some(tr("report-lang")).filter(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase())).unwrap_or_else(|| "nb".into()),
        "date": [d.year(), d.month(), d.day()],
        "labels": {"page": tr("report-page"), "of": tr("report-page-of"), "contents": tr("report-contents"), "empty": tr("report-empty")},
        "sections": sections,
    });
    template.render_archival(&data).map_err(|e| ServiceError::Internal(e.to_string()))
}
