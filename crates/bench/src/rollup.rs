//! Status roll-up (issue #13): 1,000,000 assignments and measures in 2,000 units counted per status,
//! stale and weighted progress for every unit, service area and the municipality by
//! `domain::followup::roll_up`, beside a bare loop over the same `Vec` reading the same fields.

use crate::report::{Table, median, ms};
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rodtrad_domain::followup::{Hierarchy, Item, Status, roll_up};
use std::hint::black_box;
use std::time::Instant;

/// Items generated.
pub const ITEMS: usize = 1_000_000;
/// Units: the municipality, 12 service areas and their units and departments.
pub const UNITS: usize = 2_000;

/// Runs the benchmark.
pub fn run(quick: bool) -> Table {
    let runs = if quick { 5 } else { 15 };
    let (hierarchy, items) = generate(ITEMS, UNITS, 7);
    let stale_before = NaiveDate::from_ymd_opt(2027, 3, 1).expect("a date");
    let mut floor = Vec::new();
    let mut rolled = Vec::new();
    let mut check = 0u64;
    for _ in 0..runs {
        let started = Instant::now();
        black_box(bare_loop(black_box(&items), stale_before));
        floor.push(started.elapsed());
        let started = Instant::now();
        let tallies = roll_up(black_box(&hierarchy), black_box(&items), stale_before);
        rolled.push(started.elapsed());
        check = u64::from(black_box(&tallies)[0].total());
    }
    let (floor, rolled) = (median(&mut floor), median(&mut rolled));
    let mut table =
        Table::new("Status roll-up, 1,000,000 items in 2,000 units", &["step", "median", "ns/item", "× bare loop"]);
    for (name, d) in [("bare loop over the items (floor)", floor), ("followup::roll_up (every unit's subtree)", rolled)]
    {
        table.row(vec![
            name.to_owned(),
            ms(d),
            format!("{:.1}", d.as_nanos() as f64 / items.len() as f64),
            format!("{:.2}", d.as_secs_f64() / floor.as_secs_f64().max(1e-9)),
        ]);
    }
    table.note(format!(
        "Median of {runs} runs; goal ≤ 3× the bare loop. {} units in the hierarchy, {check} items counted at the top. \
         The bare loop reads each item's unit, status, progress, weight and date once and sums them; the roll-up also \
         adds each unit into its parent, so every unit's figure covers its whole subtree.",
        hierarchy.len()
    ));
    table
}

/// The floor: one pass over the items reading every field the roll-up reads.
fn bare_loop(items: &[Item], stale_before: NaiveDate) -> u64 {
    let mut acc = 0u64;
    for i in items {
        acc = acc
            .wrapping_add(u64::from(i.unit))
            .wrapping_add(i.status.map_or(7, |s| s.index() as u64))
            .wrapping_add(u64::from(i.progress) * u64::from(i.weight))
            .wrapping_add(u64::from(i.updated.is_some_and(|d| d < stale_before)));
    }
    acc
}

/// A municipality (unit 1) with 12 service areas, units under them and departments under some units,
/// `units` in all; items spread over the units with every status, some never reported.
pub fn generate(items: usize, units: usize, seed: u64) -> (Hierarchy, Vec<Item>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut pairs: Vec<(i64, Option<i64>)> = vec![(1, None)];
    for area in 0..12 {
        pairs.push((2 + area, Some(1)));
    }
    while pairs.len() < units {
        let id = pairs.len() as i64 + 1;
        // Units under areas; later ones often departments under a unit.
        let parent =
            if id < 600 || rng.random_bool(0.3) { 2 + rng.random_range(0..12) } else { rng.random_range(14..id) };
        pairs.push((id, Some(parent)));
    }
    let hierarchy = Hierarchy::new(&pairs);
    let first = NaiveDate::from_ymd_opt(2027, 1, 1).expect("a date");
    let items = (0..items)
        .map(|_| {
            let reported = rng.random_bool(0.85);
            let status = reported.then(|| Status::ALL[rng.random_range(0..Status::ALL.len())]);
            Item {
                unit: rng.random_range(0..hierarchy.len() as u32),
                status,
                progress: match status {
                    None | Some(Status::NotStarted) => 0,
                    Some(Status::Completed) => 100,
                    _ => rng.random_range(0..=100),
                },
                weight: if rng.random_bool(0.9) { 1 } else { rng.random_range(2..5) },
                updated: reported.then(|| first + chrono::Days::new(rng.random_range(0..90))),
            }
        })
        .collect();
    (hierarchy, items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_items_cover_every_status_and_roll_up_to_the_top() {
        let (h, items) = generate(10_000, 300, 1);
        assert_eq!(h.len(), 300, "every unit reaches the municipality");
        let tallies = roll_up(&h, &items, NaiveDate::from_ymd_opt(2027, 3, 1).unwrap());
        let top = tallies[h.index(1).unwrap() as usize];
        assert_eq!(top.total() as usize, items.len());
        for s in Status::ALL {
            assert!(top.count(s) > 0, "{s:?} missing");
        }
        assert!(top.unreported > 0 && top.stale > 0);
    }
}
