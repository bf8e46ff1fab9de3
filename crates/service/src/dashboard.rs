//! Dashboard read models: *Mitt ansvar* (the caller's own items and dialogues), the leader's view of
//! a unit's subtree and the chief executive's overview per service area. Status counts, weighted
//! progress and stale items come from one roll-up over the whole tree
//! (`followup::roll_up_items`, i.e. `domain::followup::roll_up`); nothing here counts statuses again.

use crate::followup::{self, RollUp};
use chrono::{Datelike, NaiveDate};
use rodtrad_domain::Actor;
use rodtrad_domain::dashboard::{Due, due, needs_report};
use rodtrad_domain::followup::Tally;
use rodtrad_domain::org::OrgUnitKind;
use rodtrad_domain::plan::PlanStatus;
use rodtrad_store::followup::{Dialogue, ItemRow, Period};
use rodtrad_store::letters::Letter;
use rodtrad_store::org::OrgTree;
use rodtrad_store::plans::Plan;
use rodtrad_store::{Db, StoreError};
use std::collections::HashSet;
use std::sync::Arc;

/// An item of the caller's with where it stands.
#[derive(Debug, Clone)]
pub struct MyItem {
    /// The assignment or measure with its latest status.
    pub row: ItemRow,
    /// Overdue or due soon.
    pub due: Option<Due>,
    /// Still to report in the open period.
    pub to_report: bool,
}

/// A deadline of the annual cycle ahead that concerns the caller: an activity of a wheel linked to
/// a module deadline (unit plans due, status reporting due, …), for *Mitt ansvar*, notifications
/// and e-mail digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleDeadline {
    /// The activity.
    pub activity_id: i64,
    /// Which module deadline.
    pub kind: rodtrad_domain::annual_cycle::DeadlineKind,
    /// The activity's title.
    pub title: String,
    /// The date (the activity's end).
    pub date: NaiveDate,
    /// Days from today.
    pub days: i64,
}

/// How many days ahead a linked deadline of the annual cycle is announced ("status reporting due in
/// 7 days").
pub const CYCLE_NOTICE_DAYS: i64 = 7;

/// *Mitt ansvar*: the running assignments and measures the caller answers for (as the responsible
/// person, or as the leader of their owner unit) and the open management dialogues they are a
/// party to (as the unit's leader or the superior leader).
#[derive(Debug, Clone, Default)]
pub struct Mine {
    /// Every item of the caller's that is overdue, due soon or to report.
    pub items: Vec<MyItem>,
    /// Open dialogues the caller is a party to.
    pub dialogues: Vec<Dialogue>,
    /// The period reports are due in (open), if any.
    pub period: Option<Period>,
    /// The annual cycle's linked deadlines within [`CYCLE_NOTICE_DAYS`], for leaders and the staff.
    pub deadlines: Vec<CycleDeadline>,
}

impl Mine {
    /// Items past their deadline.
    pub fn overdue(&self) -> impl Iterator<Item = &MyItem> {
        self.items.iter().filter(|i| i.due == Some(Due::Overdue))
    }

    /// Items due within the next days.
    pub fn due_soon(&self) -> impl Iterator<Item = &MyItem> {
        self.items.iter().filter(|i| i.due == Some(Due::Soon))
    }

    /// Items without a report in the open period.
    pub fn to_report(&self) -> impl Iterator<Item = &MyItem> {
        self.items.iter().filter(|i| i.to_report)
    }

    /// Nothing to show.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.dialogues.is_empty() && self.deadlines.is_empty()
    }
}

/// Whether the caller answers for an item: its responsible person, or a leader of its owner unit.
pub fn answers_for(actor: &Actor, row: &ItemRow) -> bool {
    (row.responsible_person_id.is_some() && row.responsible_person_id == actor.person_id)
        || row.owner_unit_id.is_some_and(|u| actor.led_units.contains(&u))
}

/// Whether the caller is a party to a dialogue as the unit's leader or as the superior leader.
pub fn my_dialogue(actor: &Actor, d: &Dialogue) -> bool {
    d.closed_at.is_none()
        && (actor.led_units.contains(&d.unit_id) || d.superior_unit_id.is_some_and(|s| actor.led_units.contains(&s)))
}

/// *Mitt ansvar* from the follow-up read API's rows: `reported` holds the items with a report in
/// `period` (ignored when the period is closed or missing).
pub fn mine(
    actor: &Actor,
    items: &[ItemRow],
    dialogues: &[Dialogue],
    reported: &HashSet<i64>,
    period: Option<&Period>,
    today: NaiveDate,
) -> Mine {
    let open = period.is_some_and(|p| !p.is_closed());
    let items = items
        .iter()
        .filter(|r| answers_for(actor, r))
        .filter_map(|r| {
            let status = r.status();
            let item = MyItem {
                due: due(r.deadline, status, today),
                to_report: needs_report(status, reported.contains(&r.id), open),
                row: r.clone(),
            };
            (item.due.is_some() || item.to_report).then_some(item)
        })
        .collect();
    Mine {
        items,
        dialogues: dialogues.iter().filter(|d| my_dialogue(actor, d)).cloned().collect(),
        period: period.filter(|p| !p.is_closed()).cloned(),
        deadlines: Vec::new(),
    }
}

/// The linked deadlines among `activities` that concern `actor` from `today` to
/// [`CYCLE_NOTICE_DAYS`] ahead: for the leaders and the staff, the municipality-wide ones and
/// those of a unit the actor works in or leads.
pub fn cycle_deadlines(
    actor: &Actor,
    activities: &[rodtrad_store::annual_cycle::StoredActivity],
    today: NaiveDate,
) -> Vec<CycleDeadline> {
    if actor.led_units.is_empty() && !actor.can_manage_annual_cycle() {
        return Vec::new();
    }
    let last = today + chrono::Duration::days(CYCLE_NOTICE_DAYS);
    let mut out: Vec<CycleDeadline> = activities
        .iter()
        .filter(|a| a.activity.ends_on >= today && a.activity.ends_on <= last)
        .filter(|a| a.unit_id.is_none_or(|u| actor.own_unit == Some(u) || actor.led_units.contains(&u)))
        .filter_map(|a| {
            Some(CycleDeadline {
                activity_id: a.id,
                kind: a.activity.deadline?,
                title: a.activity.title.clone(),
                date: a.activity.ends_on,
                days: (a.activity.ends_on - today).num_days(),
            })
        })
        .collect();
    out.sort_by_key(|d| (d.date, d.kind, d.activity_id));
    out
}

/// What *Mitt ansvar* is computed from, loaded once per municipality (the notification run and the
/// digests compute it for every account).
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Every live original assignment and measure with its latest status.
    pub items: Vec<ItemRow>,
    /// The open management dialogues.
    pub dialogues: Vec<Dialogue>,
    /// The period reports are due in.
    pub period: Option<Period>,
    /// The items with a report in that period (empty when it is closed).
    pub reported: HashSet<i64>,
    /// The annual cycle's activities ending within [`CYCLE_NOTICE_DAYS`].
    pub cycle: Vec<rodtrad_store::annual_cycle::StoredActivity>,
}

impl Inputs {
    /// Loads the inputs of a municipality on `today`.
    pub async fn load(db: &Db, municipality_id: i64, today: NaiveDate) -> Result<Inputs, StoreError> {
        let period = db.followup_current_period(municipality_id, today).await?;
        let reported = match &period {
            Some(p) if !p.is_closed() => db.dashboard_reported_in(municipality_id, p.id).await?,
            _ => HashSet::new(),
        };
        Ok(Inputs {
            items: db.followup_items(municipality_id, None).await?,
            dialogues: db.followup_dialogues(municipality_id, true).await?,
            period,
            reported,
            cycle: db
                .cycle_activities_between(municipality_id, today, today + chrono::Duration::days(CYCLE_NOTICE_DAYS))
                .await?,
        })
    }

    /// *Mitt ansvar* of `actor`.
    pub fn mine(&self, actor: &Actor, today: NaiveDate) -> Mine {
        let mut m = mine(actor, &self.items, &self.dialogues, &self.reported, self.period.as_ref(), today);
        m.deadlines = cycle_deadlines(actor, &self.cycle, today);
        m
    }
}

/// Loads *Mitt ansvar* for `actor` on `today`.
pub async fn load_mine(db: &Db, actor: &Actor, today: NaiveDate) -> Result<Mine, StoreError> {
    if actor.person_id.is_none() && actor.led_units.is_empty() && !actor.can_manage_annual_cycle() {
        return Ok(Mine::default());
    }
    Ok(Inputs::load(db, actor.municipality_id, today).await?.mine(actor, today))
}

/// Everything the leader's view and the overview are computed from, loaded once per request.
#[derive(Debug, Clone)]
pub struct Data {
    /// The organisation.
    pub tree: Arc<OrgTree>,
    /// Every live original assignment and measure with its latest status.
    pub items: Vec<ItemRow>,
    /// The roll-up of `items` over the whole tree.
    pub rollup: RollUp,
    /// The open management dialogues.
    pub dialogues: Vec<Dialogue>,
    /// The unit plans of the year.
    pub plans: Vec<Plan>,
    /// The assignment letters of the year.
    pub letters: Vec<Letter>,
    /// The year plans and letters are looked at for.
    pub year: i64,
    /// The day figures are judged on.
    pub today: NaiveDate,
}

/// Loads the dashboard data of a municipality on `today`.
///
/// The statuses are those as of the current reporting period, as the follow-up lists show them by
/// default, so a number and the list it links to agree.
pub async fn load(db: &Db, tree: Arc<OrgTree>, municipality_id: i64, today: NaiveDate) -> Result<Data, StoreError> {
    let period = db.followup_current_period(municipality_id, today).await?;
    let items = db.followup_items(municipality_id, period.as_ref().map(|p| p.ends_on)).await?;
    let stale_days = db.followup_stale_days(municipality_id).await?;
    let as_of = period.as_ref().map_or(today, |p| p.ends_on.min(today));
    let rollup = followup::roll_up_items(&tree, &items, followup::stale_before(as_of, stale_days));
    let year = i64::from(today.year());
    Ok(Data {
        dialogues: db.followup_dialogues(municipality_id, true).await?,
        plans: db.dashboard_unit_plans(municipality_id, year).await?,
        letters: db.letters_of_year(municipality_id, year).await?,
        tree,
        items,
        rollup,
        year,
        today,
    })
}

/// A unit of a subtree whose unit plan for the year is not approved: its plan (and whether the
/// caller may open it), or none at all.
#[derive(Debug, Clone)]
pub struct PendingPlan {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Its plan for the year, if it has one.
    pub plan: Option<Plan>,
    /// The caller may open the plan.
    pub readable: bool,
}

/// A responsible person who has running items and no report since the stale limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilentOwner {
    /// Person id.
    pub person_id: i64,
    /// Name.
    pub name: String,
}

/// The leader's figures for a unit and everything below it.
#[derive(Debug, Clone)]
pub struct UnitFigures {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// The roll-up tally of the subtree (`domain::followup::roll_up`).
    pub tally: Tally,
    /// Owners who stopped reporting.
    pub silent: Vec<SilentOwner>,
    /// Open management dialogues in the subtree that the caller may read.
    pub dialogues: Vec<Dialogue>,
    /// Units whose unit plan for the year is missing or not approved.
    pub plans: Vec<PendingPlan>,
    /// Issued letters of the year whose receipt is not acknowledged.
    pub letters: Vec<Letter>,
}

/// Whether a unit plan status counts as approved (*godkjent*): adopted, or beyond (under revision
/// and expired plans were approved once).
fn approved(status: PlanStatus) -> bool {
    matches!(status, PlanStatus::Adopted | PlanStatus::UnderRevision | PlanStatus::Expired)
}

/// The figures of `unit` (and its subtree) as `actor` may see them.
pub fn figures(data: &Data, actor: &Actor, unit: i64) -> UnitFigures {
    let tree = &data.tree;
    let units: HashSet<i64> = tree.subtree(unit).into_iter().collect();
    let mine = followup::items_in_subtree(tree, unit, &data.items);
    let silent = followup::silent(&mine, data.rollup.stale_before)
        .into_iter()
        .map(|person_id| SilentOwner {
            person_id,
            name: mine
                .iter()
                .find(|r| r.responsible_person_id == Some(person_id))
                .and_then(|r| r.responsible_name.clone())
                .unwrap_or_default(),
        })
        .collect();
    let dialogues = data
        .dialogues
        .iter()
        .filter(|d| units.contains(&d.unit_id) && actor.can_read_dialogue(&tree.ancestry(d.unit_id)))
        .cloned()
        .collect();
    let mut plans = Vec::new();
    for id in tree.subtree(unit) {
        let Some(u) = tree.get(id) else { continue };
        if u.kind() != OrgUnitKind::Unit || !u.is_valid_on(data.today) {
            continue;
        }
        let plan = data.plans.iter().filter(|p| p.owner_unit_id == Some(id)).max_by_key(|p| (p.start_year, p.id));
        if plan.is_some_and(|p| approved(p.status())) {
            continue;
        }
        let readable = plan.is_some_and(|p| {
            actor.plan_view(p.status(), Some(&tree.ancestry(id))) != rodtrad_domain::access::PlanView::Hidden
        });
        plans.push(PendingPlan { unit_id: id, unit_name: u.name.clone(), plan: plan.cloned(), readable });
    }
    plans.sort_by(|a, b| a.unit_name.cmp(&b.unit_name));
    let letters = data
        .letters
        .iter()
        .filter(|l| units.contains(&l.unit_id) && l.latest > 0 && l.acknowledged_at.is_none())
        .cloned()
        .collect();
    UnitFigures { unit_id: unit, name: tree.name(unit), tally: data.rollup.of(unit), silent, dialogues, plans, letters }
}

/// The service areas and staff units (the units directly under the municipality), in tree order.
pub fn areas(tree: &OrgTree) -> Vec<i64> {
    tree.children(None).first().map(|root| tree.children(Some(*root)).to_vec()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn row(
        id: i64,
        owner: Option<i64>,
        responsible: Option<i64>,
        deadline: Option<NaiveDate>,
        status: &str,
    ) -> ItemRow {
        ItemRow {
            id,
            plan_id: 1,
            kind: "measure".into(),
            text: format!("Tiltak {id}"),
            owner_unit_id: owner,
            owner_unit_name: None,
            responsible_person_id: responsible,
            responsible_name: None,
            deadline,
            status: (!status.is_empty()).then(|| status.to_owned()),
            progress: None,
            comment: None,
            reported_at: None,
            version: 0,
            dialogue_id: None,
        }
    }

    fn dialogue(id: i64, unit: i64, superior: Option<i64>) -> Dialogue {
        Dialogue {
            id,
            element_id: Some(id),
            element_text: String::new(),
            element_kind: "measure".into(),
            unit_id: unit,
            unit_name: String::new(),
            superior_unit_id: superior,
            superior_unit_name: None,
            opened_status: "deviation".into(),
            opened_comment: String::new(),
            opened_at: Utc::now(),
            measures: String::new(),
            follow_up_on: None,
            outcome: None,
            closed_at: None,
            closed_by: None,
            version: 1,
            economy_year: None,
            economy_month: None,
        }
    }

    fn period(closed: bool) -> Period {
        Period {
            id: 7,
            year: 2027,
            kind: "month".into(),
            number: 3,
            starts_on: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
            closed_at: closed.then(Utc::now),
            closed_by: None,
            version: 1,
        }
    }

    #[test]
    fn mine_takes_what_i_answer_for_and_sorts_it_by_deadline_and_report() {
        let today = NaiveDate::from_ymd_opt(2027, 3, 10).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2027, 3, d);
        // Person 5 leads unit 20; unit 30 is someone else's.
        let mut me = Actor { person_id: Some(5), ..Actor::default() };
        me.led_units.insert(20);
        let items = vec![
            row(1, Some(30), Some(5), day(1), "on_track"), // mine as responsible, overdue, reported
            row(2, Some(20), None, day(20), ""),           // my unit's, due soon, not reported
            row(3, Some(30), None, day(1), "deviation"),   // not mine
            row(4, Some(20), Some(9), day(2), "completed"), // done: neither due nor to report
            row(5, Some(20), None, None, "on_track"),      // no deadline, not reported
        ];
        let reported: HashSet<i64> = [1].into();
        let dialogues = vec![dialogue(1, 20, Some(2)), dialogue(2, 40, Some(20)), dialogue(3, 30, Some(2))];
        let m = mine(&me, &items, &dialogues, &reported, Some(&period(false)), today);
        let ids = |it: &mut dyn Iterator<Item = &MyItem>| it.map(|i| i.row.id).collect::<Vec<_>>();
        assert_eq!(ids(&mut m.overdue()), vec![1]);
        assert_eq!(ids(&mut m.due_soon()), vec![2]);
        assert_eq!(ids(&mut m.to_report()), vec![2, 5]);
        assert_eq!(m.dialogues.iter().map(|d| d.id).collect::<Vec<_>>(), vec![1, 2], "as leader and as superior");
        let closed = mine(&me, &items, &dialogues, &reported, Some(&period(true)), today);
        assert_eq!(closed.to_report().count(), 0, "a closed period asks for no reports");
        assert!(closed.period.is_none());
        let nobody = mine(&Actor::default(), &items, &dialogues, &reported, None, today);
        assert!(nobody.is_empty(), "no person and no units: nothing is mine");
    }
}
