//! Demo statuses: reports on the demo's assignments and measures for the three months before the
//! current one, a believable mix (mostly on track, some at risk, a few deviations with open
//! management dialogues and agreed measures, some completed, a few not started), one or two owners
//! who never report and some items last reported in the first month, so that they are stale.
//! Deterministic: everything follows from the items' order.

use crate::followup::NewReport;
use crate::org::OrgTree;
use crate::{Author, Db, Result};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use rodtrad_domain::followup::{PeriodKind, Status};

/// What the last month's report says, by the item's place in the list.
fn final_status(i: usize) -> Status {
    match i % 20 {
        13..=15 => Status::AtRisk,
        16 => Status::Deviation,
        17 | 18 => Status::Completed,
        19 => Status::NotStarted,
        _ => Status::OnTrack,
    }
}

const COMMENTS_ON_TRACK: [&str; 4] = [
    "Arbeidet går etter planen.",
    "Milepælen for måneden er nådd.",
    "Gjennomført som planlagt; neste steg er avtalt.",
    "God framdrift, ingen avvik å melde.",
];
const COMMENTS_AT_RISK: [&str; 3] = [
    "Sykefravær i teamet kan forsinke arbeidet.",
    "Leveransen fra leverandøren er forsinket.",
    "Kostnadene ligger over rammen; vurderer tiltak.",
];
const COMMENTS_DEVIATION: [&str; 2] =
    ["Fristen holdes ikke: mangler fagpersonell.", "Tiltaket er stanset i påvente av budsjettavklaring."];
const AGREED: [&str; 2] = [
    "Innleie fra bemanningssenteret i tre måneder; ny vurdering på neste oppfølgingsmøte.",
    "Omdisponere midler innenfor rammen og legge fram en revidert framdriftsplan.",
];

/// The `(year, month)` of the three months before the one of `today`, oldest first.
fn last_three_months(today: NaiveDate) -> [(i32, u32); 3] {
    let back = |n: i32| {
        let m = today.year() * 12 + today.month0() as i32 - n;
        (m.div_euclid(12), m.rem_euclid(12) as u32 + 1)
    };
    [back(3), back(2), back(1)]
}

/// Loads the demo statuses (once: nothing happens when the municipality has reports already).
pub async fn load(db: &Db, a: &Author, tree: &OrgTree) -> Result<()> {
    let mid = a.municipality_id;
    if db.followup_report_count(mid).await? > 0 {
        return Ok(());
    }
    let today = Utc::now().date_naive();
    let months = last_three_months(today);
    for year in [months[0].0, today.year()] {
        if !db.followup_periods(mid).await?.iter().any(|p| p.year == i64::from(year)) {
            db.followup_periods_create(a, year).await?;
        }
    }
    let periods = db.followup_periods(mid).await?;
    let period_of = |(y, m): (i32, u32)| {
        periods
            .iter()
            .find(|p| p.year == i64::from(y) && p.kind() == PeriodKind::Month && p.number == i64::from(m))
            .map(|p| (p.id, p.ends_on))
    };
    let mut items = db.followup_items(mid, None).await?;
    items.sort_by_key(|r| r.id);
    // Owners who never report: the third and the eighth responsible person, by id.
    let mut owners: Vec<i64> = items.iter().filter_map(|r| r.responsible_person_id).collect();
    owners.sort_unstable();
    owners.dedup();
    let silent: Vec<i64> = [2usize, 7].iter().filter_map(|i| owners.get(*i).copied()).collect();
    for (i, item) in items.iter().enumerate() {
        if item.responsible_person_id.is_some_and(|p| silent.contains(&p)) {
            continue;
        }
        let last = final_status(i);
        // Every eleventh item was reported in the first month only and is stale now.
        let reported_months = if i % 11 == 5 { 1 } else { 3 };
        let author = Author {
            municipality_id: mid,
            user_id: None,
            name: item.responsible_name.clone().unwrap_or_else(|| a.name.clone()),
        };
        let start = 10 + (i * 7 % 30) as u8;
        let mut version = 0;
        for (k, month) in months.iter().take(reported_months).enumerate() {
            let Some((period, ends_on)) = period_of(*month) else { continue };
            let final_month = k + 1 == reported_months;
            let status = match last {
                Status::NotStarted => Status::NotStarted,
                s if final_month => s,
                _ => Status::OnTrack,
            };
            let progress = match status {
                Status::NotStarted => 0,
                Status::Completed => 100,
                Status::AtRisk | Status::Deviation => start + 5 * k as u8,
                _ => start + 15 * k as u8,
            };
            let comment = match status {
                Status::AtRisk => COMMENTS_AT_RISK[i % COMMENTS_AT_RISK.len()],
                Status::Deviation => COMMENTS_DEVIATION[i % COMMENTS_DEVIATION.len()],
                Status::Completed => "Fullført og evaluert.",
                Status::NotStarted => "Oppstart er utsatt til neste kvartal.",
                _ => COMMENTS_ON_TRACK[(i + k) % COMMENTS_ON_TRACK.len()],
            };
            let dialogue = match item.owner_unit_id {
                Some(unit) if status.needs_dialogue() => Some((unit, tree.get(unit).and_then(|u| u.parent_id))),
                _ => None,
            };
            let report = NewReport {
                element_id: item.id,
                period_id: period,
                status,
                progress,
                comment: comment.into(),
                base_version: version,
                dialogue,
            };
            // Reported on a working day shortly after the month ended.
            let day = ends_on + chrono::Duration::days(3 + (i % 4) as i64);
            let at = Utc
                .from_utc_datetime(&day.and_hms_opt(9 + (i % 6) as u32, (i * 13 % 60) as u32, 0).unwrap_or_default());
            let saved = db.followup_report_at(&author, &report, at.min(Utc::now())).await?;
            version = saved.version;
            if let Some(d) = saved.dialogue_opened
                && status == Status::Deviation
            {
                let follow_up = day + chrono::Duration::days(30);
                db.followup_dialogue_update(a, d, 1, AGREED[i % AGREED.len()], Some(follow_up)).await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_months_before_cross_the_new_year() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 15).unwrap();
        assert_eq!(last_three_months(d(2027, 2)), [(2026, 11), (2026, 12), (2027, 1)]);
        assert_eq!(last_three_months(d(2026, 12)), [(2026, 9), (2026, 10), (2026, 11)]);
        let mix: Vec<Status> = (0..20).map(final_status).collect();
        assert!(mix.iter().filter(|s| **s == Status::OnTrack).count() > 10, "mostly on track");
        assert!(mix.contains(&Status::Deviation) && mix.contains(&Status::AtRisk) && mix.contains(&Status::Completed));
    }
}
