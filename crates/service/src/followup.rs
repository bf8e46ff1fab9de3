//! Status reporting use cases and read models: who may report on an item, the report itself (rules,
//! version, closed period, the management dialogue it opens, all in one store transaction), and the
//! roll-up of statuses to every unit through `domain::followup::roll_up`, which the pages, the API
//! and the dashboards share.

use crate::ServiceError;
use chrono::NaiveDate;
use rodtrad_domain::Actor;
use rodtrad_domain::RuleError;
use rodtrad_domain::followup::{Hierarchy, Item, Progress, Report, Status, Tally, roll_up, silent_owners};
use rodtrad_domain::plan::ElementKind;
use rodtrad_store::followup::{Dialogue, ItemRow, NewReport, Saved};
use rodtrad_store::org::OrgTree;
use rodtrad_store::plans::Element;
use rodtrad_store::{Author, Db, StoreError};
use std::collections::HashSet;

/// Whether an element takes status reports: assignments and measures that are not inherited copies.
pub fn reportable(element: &Element) -> bool {
    matches!(element.kind(), ElementKind::Assignment | ElementKind::Measure) && !element.inherited()
}

/// Whether `actor` may report on `element` (see `Actor::can_report_status`).
pub fn may_report(actor: &Actor, tree: &OrgTree, element: &Element) -> bool {
    let ancestry = element.owner_unit_id.map(|u| tree.ancestry(u));
    actor.can_report_status(ancestry.as_deref(), element.responsible_person_id)
}

/// Whether `actor` may report on the item `row` (the same rule as [`may_report`]).
pub fn may_report_item(actor: &Actor, tree: &OrgTree, row: &ItemRow) -> bool {
    let ancestry = row.owner_unit_id.map(|u| tree.ancestry(u));
    actor.can_report_status(ancestry.as_deref(), row.responsible_person_id)
}

/// A report as the caller typed it, parsed.
#[derive(Debug, Clone)]
pub struct ReportInput {
    /// The period.
    pub period_id: i64,
    /// Status.
    pub status: Status,
    /// Progress.
    pub progress: Progress,
    /// Comment.
    pub comment: String,
    /// The status version the caller saw (0 before the first report).
    pub base_version: i64,
}

/// Longest comment kept.
pub const COMMENT_MAX: usize = 4000;

/// Reports a status: refused (403) for someone who may not report on the item; a stale version is a
/// conflict; the domain's rules (progress of not started and completed items, reopening a finished
/// item only by the superior leader or the management staff), then one store transaction that also
/// refuses a closed period and opens the management dialogue of a deviation.
pub async fn report(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    element: &Element,
    input: &ReportInput,
) -> Result<Saved, ServiceError> {
    if !may_report(actor, tree, element) {
        return Err(ServiceError::Forbidden);
    }
    if !reportable(element) {
        return Err(ServiceError::Rule(RuleError::new("err-followup-not-reportable")));
    }
    if input.comment.chars().count() > COMMENT_MAX {
        return Err(ServiceError::Rule(
            RuleError::new("err-followup-comment-long").with("max", COMMENT_MAX.to_string()).on("comment"),
        ));
    }
    let current = db.followup_current(author.municipality_id, element.id).await?;
    // The store's version check makes this read current: the write goes through only while the
    // status still has the version it had here.
    if current.map_or(0, |c| c.version) != input.base_version {
        return Err(StoreError::Conflict.into());
    }
    let ancestry = element.owner_unit_id.map(|u| tree.ancestry(u));
    Report { status: input.status, progress: input.progress }
        .check(current.map(|c| c.status), actor.can_reopen_status(ancestry.as_deref()))
        .map_err(ServiceError::Rule)?;
    let dialogue = match element.owner_unit_id {
        Some(unit) if input.status.needs_dialogue() => Some((unit, tree.get(unit).and_then(|u| u.parent_id))),
        _ => None,
    };
    let new = NewReport {
        element_id: element.id,
        period_id: input.period_id,
        status: input.status,
        progress: input.progress.percent(),
        comment: input.comment.clone(),
        base_version: input.base_version,
        dialogue,
    };
    Ok(db.followup_report(author, &new).await?)
}

/// Closes a management dialogue: only its parties (the owner unit's leader and the leaders above);
/// an empty outcome and a dialogue closed already are refused.
pub async fn close_dialogue(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    dialogue: &Dialogue,
    outcome: &str,
) -> Result<(), ServiceError> {
    if !actor.is_dialogue_party(&tree.ancestry(dialogue.unit_id)) {
        return Err(ServiceError::Forbidden);
    }
    if outcome.trim().is_empty() {
        return Err(ServiceError::Rule(RuleError::new("err-followup-outcome-empty").on("outcome")));
    }
    if outcome.chars().count() > COMMENT_MAX {
        return Err(ServiceError::Rule(
            RuleError::new("err-followup-comment-long").with("max", COMMENT_MAX.to_string()).on("outcome"),
        ));
    }
    db.followup_dialogue_close(author, dialogue.id, outcome).await?;
    Ok(())
}

/// Whether `actor` may read `dialogue`.
pub fn may_read_dialogue(actor: &Actor, tree: &OrgTree, dialogue: &Dialogue) -> bool {
    actor.can_read_dialogue(&tree.ancestry(dialogue.unit_id))
}

/// The first day that still counts as recent: items last reported before it are stale.
pub fn stale_before(as_of: NaiveDate, stale_days: i64) -> NaiveDate {
    as_of - chrono::Duration::days(stale_days.max(0))
}

/// The statuses of every unit of the tree rolled up, for one set of items.
#[derive(Debug, Clone)]
pub struct RollUp {
    hierarchy: Hierarchy,
    tallies: Vec<Tally>,
    /// Items last reported before this day are stale.
    pub stale_before: NaiveDate,
}

impl RollUp {
    /// The tally of a unit and everything below it (empty for an unknown unit).
    pub fn of(&self, unit: i64) -> Tally {
        self.hierarchy.index(unit).map(|i| self.tallies[i as usize]).unwrap_or_default()
    }
}

/// The unit an item counts under: its owner unit, or the municipality (the tree's root) without one.
fn counting_unit(tree: &OrgTree, row: &ItemRow) -> Option<i64> {
    row.owner_unit_id.or_else(|| tree.children(None).first().copied())
}

/// The domain's roll-up item of a row.
pub fn item_of(hierarchy: &Hierarchy, tree: &OrgTree, row: &ItemRow) -> Option<Item> {
    let unit = hierarchy.index(counting_unit(tree, row)?)?;
    Some(Item {
        unit,
        status: row.status(),
        progress: row.progress.and_then(|p| u8::try_from(p).ok()).unwrap_or(0),
        weight: 1,
        updated: row.reported_at.map(|t| t.date_naive()),
    })
}

/// Rolls `items` up the whole organisation tree (one call of `domain::followup::roll_up`).
pub fn roll_up_items(tree: &OrgTree, items: &[ItemRow], stale_before: NaiveDate) -> RollUp {
    let units: Vec<(i64, Option<i64>)> = tree.units().iter().map(|u| (u.id, u.parent_id)).collect();
    let hierarchy = Hierarchy::new(&units);
    let domain_items: Vec<Item> = items.iter().filter_map(|r| item_of(&hierarchy, tree, r)).collect();
    let tallies = roll_up(&hierarchy, &domain_items, stale_before);
    RollUp { hierarchy, tallies, stale_before }
}

/// The items of `unit` and every unit below it (the municipality's root takes those without owner).
pub fn items_in_subtree<'a>(tree: &OrgTree, unit: i64, items: &'a [ItemRow]) -> Vec<&'a ItemRow> {
    let units: HashSet<i64> = tree.subtree(unit).into_iter().collect();
    items.iter().filter(|r| counting_unit(tree, r).is_some_and(|u| units.contains(&u))).collect()
}

/// Whether an item is stale (see `domain::followup::Item::is_stale`).
pub fn is_stale(row: &ItemRow, stale_before: NaiveDate) -> bool {
    let item = Item {
        unit: 0,
        status: row.status(),
        progress: 0,
        weight: 1,
        updated: row.reported_at.map(|t| t.date_naive()),
    };
    item.is_stale(stale_before)
}

/// The responsible people of `items` who have running items and no report since `since`.
pub fn silent(items: &[&ItemRow], since: NaiveDate) -> Vec<i64> {
    let owned: Vec<(i64, Option<Status>, Option<NaiveDate>)> = items
        .iter()
        .filter_map(|r| r.responsible_person_id.map(|p| (p, r.status(), r.reported_at.map(|t| t.date_naive()))))
        .collect();
    silent_owners(&owned, since)
}
