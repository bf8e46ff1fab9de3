//! Follow-up of assignments and measures (*oppfølging*): the status a leader reports per period, the
//! rules a report must keep, and the roll-up of statuses to unit, service area and municipality. The
//! pages, the API and the council reports all count through [`roll_up`], so a figure is the same
//! wherever it is shown.

use crate::RuleError;
use chrono::NaiveDate;

/// The status of an assignment or measure in a period. Shown as text and symbol together, never by
/// colour alone (WCAG 1.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// *Ikke startet*.
    NotStarted,
    /// *I rute*.
    OnTrack,
    /// *Risiko for avvik*.
    AtRisk,
    /// *Avvik*.
    Deviation,
    /// *Fullført*.
    Completed,
    /// *Avbrutt*.
    Cancelled,
}

impl Status {
    /// Every status, in the order lists and tallies show them.
    pub const ALL: [Status; 6] =
        [Status::NotStarted, Status::OnTrack, Status::AtRisk, Status::Deviation, Status::Completed, Status::Cancelled];

    /// Stable code, for the database, forms, the API and exports.
    pub fn code(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::Deviation => "deviation",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Result<Status, RuleError> {
        Status::ALL.into_iter().find(|s| s.code() == code.trim()).ok_or_else(|| {
            RuleError::new("err-followup-status-unknown").with("value", code.trim().to_owned()).on("status")
        })
    }

    /// Fluent key of the status's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Status::NotStarted => "followup-status-not_started",
            Status::OnTrack => "followup-status-on_track",
            Status::AtRisk => "followup-status-at_risk",
            Status::Deviation => "followup-status-deviation",
            Status::Completed => "followup-status-completed",
            Status::Cancelled => "followup-status-cancelled",
        }
    }

    /// A symbol that tells the statuses apart without colour; always shown beside the name.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::NotStarted => "○",
            Status::OnTrack => "✓",
            Status::AtRisk => "!",
            Status::Deviation => "✕",
            Status::Completed => "●",
            Status::Cancelled => "–",
        }
    }

    /// Position in [`Status::ALL`] and in [`Tally::by_status`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The item is done with: nothing more is expected of its owner.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Cancelled)
    }

    /// A deviation or the risk of one: opens a management dialogue (*lederdialog*) with the superior.
    pub fn needs_dialogue(self) -> bool {
        matches!(self, Status::AtRisk | Status::Deviation)
    }
}

/// Progress in whole percent, 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Progress(u8);

impl Progress {
    /// Parses a form or API value: a whole number from 0 to 100, a trailing `%` allowed.
    pub fn parse(text: &str) -> Result<Progress, RuleError> {
        let t = text.trim().trim_end_matches('%').trim();
        let out_of_range =
            || RuleError::new("err-followup-progress").with("value", text.trim().to_owned()).on("progress");
        let n: u32 = t.parse().map_err(|_| out_of_range())?;
        Progress::new(n).ok_or_else(out_of_range)
    }

    /// A progress from a number, if it is 0–100.
    pub fn new(percent: u32) -> Option<Progress> {
        u8::try_from(percent).ok().filter(|p| *p <= 100).map(Progress)
    }

    /// The percentage.
    pub fn percent(self) -> u8 {
        self.0
    }
}

/// One status report as its rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// The status.
    pub status: Status,
    /// The progress.
    pub progress: Progress,
}

impl Report {
    /// Checks that a new report may follow the previous one:
    /// - *ikke startet* means 0 % and *fullført* means 100 %;
    /// - a completed or cancelled item is reopened only by someone allowed to (the superior leader or
    ///   the management staff), since the roll-up and the reports already counted it as done.
    pub fn check(self, previous: Option<Status>, may_reopen: bool) -> Result<Report, RuleError> {
        match self.status {
            Status::NotStarted if self.progress.0 != 0 => {
                return Err(RuleError::new("err-followup-not-started-progress").on("progress"));
            }
            Status::Completed if self.progress.0 != 100 => {
                return Err(RuleError::new("err-followup-completed-progress").on("progress"));
            }
            _ => {}
        }
        if let Some(prev) = previous
            && prev.is_final()
            && !self.status.is_final()
            && !may_reopen
        {
            return Err(RuleError::new("err-followup-reopen").on("status"));
        }
        Ok(self)
    }
}

/// A unit hierarchy for roll-up: units in an order where every parent comes before its children, so
/// one backward pass adds each unit's tally into its parent's.
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    ids: Vec<i64>,
    parents: Vec<u32>,
    index: rustc_hash::FxHashMap<i64, u32>,
}

/// No parent.
const ROOT: u32 = u32::MAX;

impl Hierarchy {
    /// Orders `(unit, parent)` pairs parents-first (breadth-first from the units whose parent is not
    /// among them). Units on a cycle, which the organisation rules never let in, are left out.
    pub fn new(units: &[(i64, Option<i64>)]) -> Hierarchy {
        let known: rustc_hash::FxHashSet<i64> = units.iter().map(|(id, _)| *id).collect();
        let mut children: rustc_hash::FxHashMap<i64, Vec<i64>> = rustc_hash::FxHashMap::default();
        let mut queue: std::collections::VecDeque<(i64, u32)> = std::collections::VecDeque::new();
        let mut sorted: Vec<(i64, Option<i64>)> = units.to_vec();
        sorted.sort_unstable();
        sorted.dedup_by_key(|(id, _)| *id);
        for (id, parent) in &sorted {
            match parent.filter(|p| known.contains(p) && p != id) {
                Some(p) => children.entry(p).or_default().push(*id),
                None => queue.push_back((*id, ROOT)),
            }
        }
        let mut h = Hierarchy::default();
        while let Some((id, parent)) = queue.pop_front() {
            let at = h.ids.len() as u32;
            h.ids.push(id);
            h.parents.push(parent);
            h.index.insert(id, at);
            for &c in children.get(&id).map(Vec::as_slice).unwrap_or_default() {
                queue.push_back((c, at));
            }
        }
        h
    }

    /// The index of a unit, for [`Item::unit`].
    pub fn index(&self, unit: i64) -> Option<u32> {
        self.index.get(&unit).copied()
    }

    /// The unit at an index.
    pub fn unit(&self, index: u32) -> i64 {
        self.ids[index as usize]
    }

    /// The parent's index of the unit at `index`, `None` at the top.
    pub fn parent(&self, index: u32) -> Option<u32> {
        self.parents.get(index as usize).copied().filter(|p| *p != ROOT)
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// No units.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// One assignment or measure as the roll-up sees it: its unit, its latest report and its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// The responsible unit, as an index of the [`Hierarchy`].
    pub unit: u32,
    /// The latest status; `None` when nobody has reported on it yet.
    pub status: Option<Status>,
    /// The latest progress in percent (0 when never reported).
    pub progress: u8,
    /// Its weight in the weighted progress (1 unless the plan says otherwise).
    pub weight: u32,
    /// When it was last reported on.
    pub updated: Option<NaiveDate>,
}

impl Item {
    /// Not reported on since `stale_before` (or never), and not completed or cancelled.
    pub fn is_stale(&self, stale_before: NaiveDate) -> bool {
        !self.status.is_some_and(Status::is_final) && self.updated.is_none_or(|d| d < stale_before)
    }
}

/// Counts for a unit and everything below it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Items per status, indexed by [`Status::index`].
    pub by_status: [u32; 6],
    /// Items nobody has reported on.
    pub unreported: u32,
    /// Items that are stale (see [`Item::is_stale`]).
    pub stale: u32,
    /// Sum of the weights of the items that count towards progress (all but cancelled ones).
    pub weight: u64,
    /// Sum of weight × progress over the same items.
    pub weighted: u64,
}

impl Tally {
    /// Items counted, reported or not.
    pub fn total(&self) -> u32 {
        self.by_status.iter().sum::<u32>() + self.unreported
    }

    /// Items with a status.
    pub fn count(&self, status: Status) -> u32 {
        self.by_status[status.index()]
    }

    /// Weighted progress in percent, `None` when nothing counts towards it. Unreported items count
    /// as 0 %, cancelled ones not at all.
    pub fn progress(&self) -> Option<f64> {
        (self.weight > 0).then(|| self.weighted as f64 / self.weight as f64)
    }

    fn add(&mut self, other: &Tally) {
        for (a, b) in self.by_status.iter_mut().zip(other.by_status) {
            *a += b;
        }
        self.unreported += other.unreported;
        self.stale += other.stale;
        self.weight += other.weight;
        self.weighted += other.weighted;
    }
}

/// The roll-up: for every unit of `hierarchy` (by index), the tally of its own items and those of
/// every unit below it. Items whose unit index is outside the hierarchy are skipped. One pass over
/// the items and one backward pass over the units.
pub fn roll_up(hierarchy: &Hierarchy, items: &[Item], stale_before: NaiveDate) -> Vec<Tally> {
    /// The per-unit accumulator of the item pass, laid out so that the pass has no branches but
    /// the bounds check: slot 6 of `counts` counts the unreported.
    #[derive(Clone, Copy, Default)]
    struct Acc {
        counts: [u32; 7],
        stale: u32,
        weight: u64,
        weighted: u64,
    }
    let mut acc = vec![Acc::default(); hierarchy.len()];
    for item in items {
        let Some(a) = acc.get_mut(item.unit as usize) else { continue };
        let slot = item.status.map_or(6, Status::index);
        a.counts[slot] += 1;
        a.stale += u32::from(item.is_stale(stale_before));
        let w = u64::from(item.weight) * u64::from(item.status != Some(Status::Cancelled));
        a.weight += w;
        a.weighted += w * u64::from(item.progress.min(100));
    }
    let mut tallies: Vec<Tally> = acc
        .into_iter()
        .map(|a| Tally {
            by_status: [a.counts[0], a.counts[1], a.counts[2], a.counts[3], a.counts[4], a.counts[5]],
            unreported: a.counts[6],
            stale: a.stale,
            weight: a.weight,
            weighted: a.weighted,
        })
        .collect();
    for i in (0..hierarchy.len()).rev() {
        let p = hierarchy.parents[i];
        if p != ROOT {
            let own = tallies[i];
            tallies[p as usize].add(&own);
        }
    }
    tallies
}

/// The owners (responsible people) who have items still running and have reported on none of them
/// since `since`: most owners stop updating, so the dashboards name them. Sorted, each once.
pub fn silent_owners(items: &[(i64, Option<Status>, Option<NaiveDate>)], since: NaiveDate) -> Vec<i64> {
    let mut running: Vec<(i64, bool)> = items
        .iter()
        .filter(|(_, status, _)| !status.is_some_and(Status::is_final))
        .map(|(owner, _, updated)| (*owner, updated.is_some_and(|d| d >= since)))
        .collect();
    running.sort_unstable();
    let mut out: Vec<i64> = Vec::new();
    for chunk in running.chunk_by(|a, b| a.0 == b.0) {
        if chunk.iter().all(|(_, reported)| !reported) {
            out.push(chunk[0].0);
        }
    }
    out
}

/// The kind of a reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKind {
    /// A calendar month (number 1–12).
    Month,
    /// A four-monthly period of the council reports (*tertial*, number 1–3; the third is the annual report).
    Tertial,
}

impl PeriodKind {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Tertial => "tertial",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<PeriodKind> {
        match code {
            "month" => Some(PeriodKind::Month),
            "tertial" => Some(PeriodKind::Tertial),
            _ => None,
        }
    }
}

/// One reporting period of a year, before it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodSpec {
    /// Month or four-monthly period.
    pub kind: PeriodKind,
    /// 1–12 for months, 1–3 for four-monthly periods.
    pub number: u32,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
}

/// Years a period may be created for.
pub const PERIOD_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Parses the year of a new set of periods.
pub fn parse_period_year(text: &str) -> Result<i32, RuleError> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| PERIOD_YEARS.contains(y))
        .ok_or_else(|| RuleError::new("err-followup-year").with("value", text.trim().to_owned()).on("year"))
}

/// The fifteen reporting periods of a year: the twelve months, then the three four-monthly periods
/// (January–April, May–August, September–December).
pub fn periods_of_year(year: i32) -> Vec<PeriodSpec> {
    let first = |m: u32| NaiveDate::from_ymd_opt(year, m, 1).expect("valid month");
    let last = |m: u32| {
        if m == 12 {
            NaiveDate::from_ymd_opt(year, 12, 31).expect("valid day")
        } else {
            first(m + 1).pred_opt().expect("valid day")
        }
    };
    let mut out: Vec<PeriodSpec> = (1..=12)
        .map(|m| PeriodSpec { kind: PeriodKind::Month, number: m, starts_on: first(m), ends_on: last(m) })
        .collect();
    for t in 1..=3u32 {
        let (from, to) = (4 * t - 3, 4 * t);
        out.push(PeriodSpec { kind: PeriodKind::Tertial, number: t, starts_on: first(from), ends_on: last(to) });
    }
    out
}

/// Whether a report in a period that is closed (`closed`) may be written: never.
pub fn check_period_open(closed: bool) -> Result<(), RuleError> {
    if closed { Err(RuleError::new("err-followup-period-closed").on("period")) } else { Ok(()) }
}

impl crate::Actor {
    fn followup_staff(&self) -> bool {
        self.has(crate::Role::SystemAdmin) || self.has(crate::Role::Management)
    }

    /// May report the status of an item owned by the unit with `owner_ancestry` (the unit first, then
    /// its ancestors; `None` without an owner unit) whose responsible person is `responsible`: that
    /// person, whoever may edit the owner unit (its leaders and those above, delegates), and the
    /// management staff.
    pub fn can_report_status(&self, owner_ancestry: Option<&[i64]>, responsible: Option<i64>) -> bool {
        (responsible.is_some() && self.person_id == responsible)
            || self.followup_staff()
            || owner_ancestry.is_some_and(|a| self.can_edit_unit(a))
    }

    /// May reopen a completed or cancelled item: the superior leader (a leader of a unit above the
    /// owner unit) and the management staff, not the owner unit's own leader or the responsible person.
    pub fn can_reopen_status(&self, owner_ancestry: Option<&[i64]>) -> bool {
        self.followup_staff()
            || owner_ancestry
                .and_then(|a| a.split_first())
                .is_some_and(|(_, above)| above.iter().any(|u| self.led_units.contains(u)))
    }

    /// Is a party to the management dialogue of an item of the unit with `owner_ancestry`: a leader
    /// of that unit or of a unit above it (the superior line). Closing needs this.
    pub fn is_dialogue_party(&self, owner_ancestry: &[i64]) -> bool {
        owner_ancestry.iter().any(|u| self.led_units.contains(u))
    }

    /// May read a management dialogue: its parties and the management staff; nobody else
    /// (employees, politicians, the auditor, leaders of other units).
    pub fn can_read_dialogue(&self, owner_ancestry: &[i64]) -> bool {
        self.followup_staff() || self.is_dialogue_party(owner_ancestry)
    }

    /// May read the statuses and roll-up of a unit: whoever may read the unit (its staff, the
    /// leaders above, delegates, municipality-wide readers).
    pub fn can_read_status(&self, ancestry: &[i64]) -> bool {
        self.can_read_unit(ancestry)
    }

    /// May create, close and reopen reporting periods: the management staff.
    pub fn can_manage_periods(&self) -> bool {
        self.followup_staff()
    }
}

#[cfg(test)]
mod period_and_access_tests {
    use super::*;
    use crate::{Actor, Role};

    #[test]
    fn a_year_has_twelve_months_and_three_tertials_covering_it() {
        let p = periods_of_year(2028);
        assert_eq!(p.len(), 15);
        assert_eq!(p[1].ends_on, NaiveDate::from_ymd_opt(2028, 2, 29).unwrap(), "leap year");
        let t: Vec<_> = p.iter().filter(|s| s.kind == PeriodKind::Tertial).collect();
        assert_eq!(t[0].starts_on, NaiveDate::from_ymd_opt(2028, 1, 1).unwrap());
        assert_eq!(t[0].ends_on, NaiveDate::from_ymd_opt(2028, 4, 30).unwrap());
        assert_eq!(t[1].starts_on, NaiveDate::from_ymd_opt(2028, 5, 1).unwrap());
        assert_eq!(t[2].ends_on, NaiveDate::from_ymd_opt(2028, 12, 31).unwrap());
        for w in p[..12].windows(2) {
            assert_eq!(w[0].ends_on.succ_opt(), Some(w[1].starts_on), "months are contiguous");
        }
        assert_eq!(parse_period_year("1999").unwrap_err().key, "err-followup-year");
        assert_eq!(parse_period_year(" 2027 "), Ok(2027));
        assert!(check_period_open(true).is_err() && check_period_open(false).is_ok());
    }

    #[test]
    fn who_reports_reopens_and_sees_dialogues() {
        // 1 municipality > 2 area > 3 unit; 5 another unit under 2.
        let unit = [3i64, 2, 1];
        let other = [5i64, 2, 1];
        let mut leader = Actor { roles: [Role::Leader].into(), ..Actor::default() };
        leader.led_units.insert(3);
        let mut director = Actor { roles: [Role::Leader].into(), ..Actor::default() };
        director.led_units.insert(2);
        let responsible = Actor { person_id: Some(77), roles: [Role::Employee].into(), ..Actor::default() };
        let staff = Actor { roles: [Role::Management].into(), ..Actor::default() };
        let politician = Actor { roles: [Role::Politician].into(), ..Actor::default() };
        assert!(leader.can_report_status(Some(&unit), None));
        assert!(!leader.can_report_status(Some(&other), None));
        assert!(responsible.can_report_status(Some(&other), Some(77)));
        assert!(!responsible.can_report_status(Some(&other), Some(78)));
        assert!(!responsible.can_report_status(Some(&other), None), "no responsible person is nobody's");
        assert!(staff.can_report_status(None, None));
        assert!(!politician.can_report_status(Some(&unit), None));
        assert!(!leader.can_reopen_status(Some(&unit)), "the unit's own leader does not reopen");
        assert!(director.can_reopen_status(Some(&unit)) && staff.can_reopen_status(Some(&unit)));
        assert!(leader.is_dialogue_party(&unit) && director.is_dialogue_party(&unit));
        assert!(!leader.is_dialogue_party(&other));
        assert!(staff.can_read_dialogue(&unit) && !staff.is_dialogue_party(&unit));
        assert!(!politician.can_read_dialogue(&unit) && !responsible.can_read_dialogue(&unit));
        assert!(staff.can_manage_periods() && !director.can_manage_periods());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, d).unwrap()
    }

    fn item(unit: u32, status: Option<Status>, progress: u8, updated: Option<u32>) -> Item {
        Item { unit, status, progress, weight: 1, updated: updated.map(day) }
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Ok(s));
            assert_eq!(Status::ALL[s.index()], s);
        }
        let e = Status::parse("green").unwrap_err();
        assert_eq!((e.key, e.field), ("err-followup-status-unknown", Some("status")));
        let symbols: std::collections::BTreeSet<_> = Status::ALL.iter().map(|s| s.symbol()).collect();
        assert_eq!(symbols.len(), 6, "every status has its own symbol");
    }

    #[test]
    fn progress_is_a_whole_percentage_from_0_to_100() {
        assert_eq!(Progress::parse("0").unwrap().percent(), 0);
        assert_eq!(Progress::parse(" 100 % ").unwrap().percent(), 100);
        for bad in ["101", "-1", "50.5", "", "femti", "256", "99999999999"] {
            assert_eq!(Progress::parse(bad).unwrap_err().key, "err-followup-progress", "{bad:?}");
        }
    }

    #[test]
    fn reports_keep_status_and_progress_consistent_and_reopening_needs_the_right() {
        let r = |status, p| Report { status, progress: Progress::new(p).unwrap() };
        assert!(r(OnTrack, 40).check(None, false).is_ok());
        assert_eq!(r(NotStarted, 10).check(None, false).unwrap_err().key, "err-followup-not-started-progress");
        assert_eq!(r(Completed, 90).check(None, false).unwrap_err().key, "err-followup-completed-progress");
        assert!(r(Completed, 100).check(Some(Deviation), false).is_ok());
        assert_eq!(r(OnTrack, 50).check(Some(Completed), false).unwrap_err().key, "err-followup-reopen");
        assert!(r(OnTrack, 50).check(Some(Cancelled), true).is_ok());
        assert!(r(Cancelled, 30).check(Some(Completed), false).is_ok(), "final to final is no reopening");
    }

    /// Municipality 1 > area 2 > units 3 and 4; area 5 with no items. Given children first and
    /// shuffled, as a query may return them.
    fn tree() -> Hierarchy {
        Hierarchy::new(&[(4, Some(2)), (3, Some(2)), (5, Some(1)), (2, Some(1)), (1, None)])
    }

    #[test]
    fn roll_up_counts_each_status_and_weights_progress_up_the_tree() {
        let h = tree();
        let at = |id| h.index(id).unwrap();
        let mut items = vec![
            item(at(3), Some(OnTrack), 50, Some(20)),
            item(at(3), Some(Deviation), 20, Some(2)),
            item(at(4), Some(Completed), 100, Some(1)),
            item(at(4), None, 0, None),
            item(at(4), Some(Cancelled), 30, Some(25)),
            item(at(2), Some(AtRisk), 60, Some(28)),
        ];
        items[1].weight = 3;
        let t = roll_up(&h, &items, day(15));
        let unit3 = t[at(3) as usize];
        assert_eq!((unit3.total(), unit3.count(OnTrack), unit3.count(Deviation)), (2, 1, 1));
        // (50·1 + 20·3) / 4 = 27.5 %.
        assert_eq!(unit3.progress(), Some(27.5));
        assert_eq!(unit3.stale, 1, "the deviation was last reported on the 2nd");
        let unit4 = t[at(4) as usize];
        assert_eq!((unit4.total(), unit4.unreported, unit4.count(Cancelled)), (3, 1, 1));
        // The cancelled item does not count; the unreported one counts as 0 %: (100 + 0) / 2.
        assert_eq!(unit4.progress(), Some(50.0));
        assert_eq!(unit4.stale, 1, "completed is never stale, never reported is");
        let area = t[at(2) as usize];
        assert_eq!(area.total(), 6);
        assert_eq!(area.count(AtRisk), 1);
        // (50 + 60 + 100 + 0 + 60) / (1 + 3 + 1 + 1 + 1) = 270 / 7.
        assert_eq!(area.progress(), Some(270.0 / 7.0));
        let municipality = t[at(1) as usize];
        assert_eq!(municipality, area, "area 5 has nothing to add");
        assert_eq!(t[at(5) as usize].progress(), None);
        assert_eq!(t[at(5) as usize].total(), 0);
    }

    #[test]
    fn roll_up_equals_summing_each_subtree_directly() {
        // A deeper tree: unit k's parent is k / 3 (unit 0 the root), 120 units, items spread over them.
        let units: Vec<(i64, Option<i64>)> = (0..120).rev().map(|k| (k, (k > 0).then_some(k / 3))).collect();
        let h = Hierarchy::new(&units);
        assert_eq!(h.len(), 120);
        let items: Vec<Item> = (0..5_000u32)
            .map(|n| Item {
                unit: h.index(i64::from(n * 7919 % 120)).unwrap(),
                status: [
                    None,
                    Some(NotStarted),
                    Some(OnTrack),
                    Some(AtRisk),
                    Some(Deviation),
                    Some(Completed),
                    Some(Cancelled),
                ][(n % 7) as usize],
                progress: (n * 37 % 101) as u8,
                weight: 1 + n % 4,
                updated: (n % 5 != 0).then(|| day(1 + n % 28)),
            })
            .collect();
        let t = roll_up(&h, &items, day(10));
        let under = |top: i64, mut unit: i64| loop {
            if unit == top {
                return true;
            }
            if unit == 0 {
                return false;
            }
            unit /= 3;
        };
        for top in [0i64, 1, 5, 17, 100] {
            let mine: Vec<&Item> = items.iter().filter(|i| under(top, h.unit(i.unit))).collect();
            let got = t[h.index(top).unwrap() as usize];
            assert_eq!(got.total() as usize, mine.len(), "unit {top}");
            for s in Status::ALL {
                assert_eq!(got.count(s) as usize, mine.iter().filter(|i| i.status == Some(s)).count());
            }
            assert_eq!(got.stale as usize, mine.iter().filter(|i| i.is_stale(day(10))).count());
            let counted: Vec<&&Item> = mine.iter().filter(|i| i.status != Some(Cancelled)).collect();
            let weight: u64 = counted.iter().map(|i| u64::from(i.weight)).sum();
            let weighted: u64 = counted.iter().map(|i| u64::from(i.weight) * u64::from(i.progress)).sum();
            assert_eq!((got.weight, got.weighted), (weight, weighted), "unit {top}");
        }
    }

    #[test]
    fn hierarchy_orders_parents_first_and_leaves_cycles_out() {
        let h = Hierarchy::new(&[(10, Some(11)), (11, Some(10)), (1, None), (2, Some(1)), (3, Some(99))]);
        assert_eq!(h.len(), 3, "10 and 11 form a cycle; 3's parent is unknown, so it is a root");
        assert!(h.index(10).is_none());
        let (one, two) = (h.index(1).unwrap(), h.index(2).unwrap());
        assert!(one < two);
        let t = roll_up(&h, &[item(two, Some(OnTrack), 10, Some(1)), item(999, Some(OnTrack), 10, None)], day(1));
        assert_eq!(t[one as usize].total(), 1, "an item of an unknown unit index is skipped");
    }

    #[test]
    fn silent_owners_have_running_items_and_no_recent_report() {
        let items = [
            (1, Some(OnTrack), Some(day(20))),
            (1, Some(AtRisk), Some(day(1))),
            (2, Some(OnTrack), Some(day(3))),
            (2, None, None),
            (3, Some(Completed), Some(day(1))),
            (4, None, None),
        ];
        assert_eq!(silent_owners(&items, day(10)), vec![2, 4], "1 reported on the 20th; 3 is done");
    }
}
