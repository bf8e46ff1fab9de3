//! The municipal risk picture (issue #16 §1): 100,000 risk items in 2,000 units counted per band
//! with the highest score for every unit's subtree by `domain::risk::aggregate`, beside a bare loop
//! over the same `Vec` reading the same fields.

use crate::report::{Table, median, ms};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rodtrad_domain::risk::{Matrix, RiskPoint, aggregate};
use std::hint::black_box;
use std::time::Instant;

/// Risk items generated.
pub const RISKS: usize = 100_000;
/// Units, as in the status roll-up.
pub const UNITS: usize = 2_000;

/// Runs the benchmark.
pub fn run(quick: bool) -> Table {
    let runs = if quick { 15 } else { 51 };
    let (hierarchy, _) = crate::rollup::generate(0, UNITS, 11);
    let risks = points(RISKS, hierarchy.len(), 11);
    let mut floor = Vec::new();
    let mut picture = Vec::new();
    let mut check = 0u32;
    for _ in 0..runs {
        let started = Instant::now();
        black_box(bare_loop(black_box(&risks)));
        floor.push(started.elapsed());
        let started = Instant::now();
        let tallies = aggregate(black_box(&hierarchy), black_box(&risks));
        picture.push(started.elapsed());
        check = black_box(&tallies)[0].total();
    }
    let (floor, picture) = (median(&mut floor), median(&mut picture));
    let mut table = Table::new(
        "Municipal risk picture, 100,000 risk items in 2,000 units",
        &["step", "median", "ns/risk", "× bare loop"],
    );
    for (name, d) in [("bare loop over the risks (floor)", floor), ("risk::aggregate (every unit's subtree)", picture)]
    {
        table.row(vec![
            name.to_owned(),
            ms(d),
            format!("{:.1}", d.as_nanos() as f64 / risks.len() as f64),
            format!("{:.2}", d.as_secs_f64() / floor.as_secs_f64().max(1e-9)),
        ]);
    }
    table.note(format!(
        "Median of {runs} runs. {} units in the hierarchy, {check} risks counted at the top. The bare loop reads each \
         risk's unit, band and score once and sums them; the picture counts each risk per band in its unit, keeps the \
         highest score, and adds each unit into its parent so every unit's figure covers its whole subtree.",
        hierarchy.len()
    ));
    table
}

/// The floor: one pass over the risks reading every field the aggregation reads.
fn bare_loop(risks: &[RiskPoint]) -> u64 {
    let mut acc = 0u64;
    for r in risks {
        acc = acc.wrapping_add(u64::from(r.unit)).wrapping_add(r.band.index() as u64).wrapping_add(u64::from(r.score));
    }
    acc
}

/// `n` risks spread over `units` unit indices with scores on the default 5×5 matrix.
pub fn points(n: usize, units: usize, seed: u64) -> Vec<RiskPoint> {
    let mut rng = StdRng::seed_from_u64(seed);
    let matrix = Matrix::default();
    (0..n)
        .map(|_| {
            let score: u16 = rng.random_range(1..=5) * rng.random_range(1..=5);
            RiskPoint { unit: rng.random_range(0..units as u32), score, band: matrix.band(score) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_risk_is_counted_at_the_top_with_the_highest_score() {
        let (h, _) = crate::rollup::generate(0, 300, 1);
        let risks = points(5_000, h.len(), 1);
        let tallies = aggregate(&h, &risks);
        let top = tallies[h.index(1).unwrap() as usize];
        assert_eq!(top.total() as usize, risks.len());
        assert_eq!(top.highest, risks.iter().map(|r| r.score).max().unwrap());
        assert!(top.by_band.iter().all(|n| *n > 0), "every band: {:?}", top.by_band);
    }
}
