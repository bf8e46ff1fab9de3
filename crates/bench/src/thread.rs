//! (b) Red-thread break detection over a generated goal structure of 1,000,000 elements, beside a
//! bare loop over the same nodes touching the same fields (the floor any analysis pays).

use crate::report::{Table, median, ms};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rodtrad_domain::plan::ElementKind;
use rodtrad_domain::thread::{Node, Thread};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Elements generated.
pub const ELEMENTS: usize = 1_000_000;

/// Runs the benchmark.
pub fn run(quick: bool) -> Table {
    let runs = if quick { 3 } else { 7 };
    let nodes = generate(ELEMENTS, 5);
    let mut floor = Vec::new();
    let mut build = Vec::new();
    let mut detect = Vec::new();
    let mut breaks = 0;
    for _ in 0..runs {
        let started = Instant::now();
        black_box(bare_loop(black_box(&nodes)));
        floor.push(started.elapsed());

        let input = nodes.clone();
        let started = Instant::now();
        let thread = Thread::new(black_box(input));
        build.push(started.elapsed());
        let started = Instant::now();
        breaks = black_box(thread.breaks()).len();
        detect.push(started.elapsed());
    }
    let total: Vec<Duration> = build.iter().zip(&detect).map(|(b, d)| *b + *d).collect();
    let floor = median(&mut floor);
    let per = |d: Duration| format!("{:.1}", d.as_nanos() as f64 / nodes.len() as f64);
    let mut table = Table::new(
        "(b) Red-thread break detection, 1,000,000 elements",
        &["step", "median", "ns/element", "× bare loop"],
    );
    let mut add = |name: &str, d: Duration| {
        table.row(vec![
            name.to_owned(),
            ms(d),
            per(d),
            format!("{:.1}", d.as_secs_f64() / floor.as_secs_f64().max(1e-9)),
        ]);
    };
    add("bare loop over the nodes (floor)", floor);
    add("Thread::new (graph)", median(&mut build));
    add("Thread::breaks (detection)", median(&mut detect));
    add("graph + detection", median(&mut total.clone()));
    let kinds = ElementKind::ALL.map(|k| nodes.iter().filter(|n| n.kind == k).count());
    table.note(format!(
        "Median of {runs} runs. Generated: {} elements in {} plans ({} visions, {} main goals, {} sub-goals, {} strategies, {} assignments, {} measures, {} indicators), {} inherited copies; {breaks} breaks found.",
        nodes.len(),
        nodes.iter().map(|n| n.plan_id).max().unwrap_or(0),
        kinds[0],
        kinds[1],
        kinds[2],
        kinds[3],
        kinds[4],
        kinds[5],
        kinds[6],
        nodes.iter().filter(|n| n.source.is_some()).count(),
    ));
    table.note("The bare loop reads every field the analysis reads (id, plan, parent, kind, source, orphaned, area) once, in order.");
    table
}

/// The floor: one pass over the nodes reading every field the analysis uses.
fn bare_loop(nodes: &[Node]) -> i64 {
    let mut acc = 0i64;
    for n in nodes {
        acc = acc
            .wrapping_add(n.id ^ n.plan_id)
            .wrapping_add(n.parent.unwrap_or(-1))
            .wrapping_add(n.source.unwrap_or(-1))
            .wrapping_add(n.area.unwrap_or(-1))
            .wrapping_add(n.kind as i64 + i64::from(n.orphaned));
    }
    acc
}

/// A deterministic plan system: per municipality-sized family, a master plan (vision, main goals,
/// sub-goals with strategies and mostly indicators), service-area plans that inherit sub-goals and
/// follow them up with measures and assignments, and unit plans with measures under inherited
/// sub-goals; about 1–5 % of each kind of break is planted.
pub fn generate(count: usize, seed: u64) -> Vec<Node> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut nodes = Vec::with_capacity(count + 512);
    let mut next_id = 0i64;
    let mut next_plan = 0i64;
    let mut push = |nodes: &mut Vec<Node>, plan, parent, kind, source, orphaned, area| {
        next_id += 1;
        nodes.push(Node { id: next_id, plan_id: plan, parent, kind, source, orphaned, area });
        next_id
    };
    let mut area_id = 0i64;
    while nodes.len() < count {
        next_plan += 1;
        let master = next_plan;
        let vision = push(&mut nodes, master, None, ElementKind::Vision, None, false, None);
        let mut sub_goals = Vec::new();
        for _ in 0..4 {
            let main = push(&mut nodes, master, Some(vision), ElementKind::MainGoal, None, false, None);
            for _ in 0..3 {
                let sub = push(&mut nodes, master, Some(main), ElementKind::SubGoal, None, false, None);
                push(&mut nodes, master, Some(sub), ElementKind::Strategy, None, false, None);
                if rng.random_bool(0.95) {
                    push(&mut nodes, master, Some(sub), ElementKind::Indicator, None, false, None);
                }
                sub_goals.push(sub);
            }
        }
        for _ in 0..6 {
            area_id += 1;
            let area = Some(area_id);
            next_plan += 1;
            let area_plan = next_plan;
            for &sub in &sub_goals {
                let orphaned = rng.random_bool(0.01);
                let source = if orphaned { -sub } else { sub };
                let copy = push(&mut nodes, area_plan, None, ElementKind::SubGoal, Some(source), orphaned, area);
                if rng.random_bool(0.97) {
                    push(&mut nodes, area_plan, Some(copy), ElementKind::Measure, None, false, area);
                    push(&mut nodes, area_plan, Some(copy), ElementKind::Assignment, None, false, area);
                }
            }
            if rng.random_bool(0.3) {
                push(&mut nodes, area_plan, None, ElementKind::Measure, None, false, area);
            }
            for _ in 0..3 {
                next_plan += 1;
                let unit_plan = next_plan;
                for _ in 0..4 {
                    let sub = sub_goals[rng.random_range(0..sub_goals.len())];
                    let copy = push(&mut nodes, unit_plan, None, ElementKind::SubGoal, Some(sub), false, None);
                    push(&mut nodes, unit_plan, Some(copy), ElementKind::Measure, None, false, area);
                }
            }
        }
    }
    nodes.truncate(count);
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_structure_has_every_kind_and_some_breaks() {
        let nodes = generate(5_000, 1);
        assert_eq!(nodes.len(), 5_000);
        for kind in ElementKind::ALL {
            assert!(nodes.iter().any(|n| n.kind == kind), "{kind:?} missing");
        }
        let breaks = Thread::new(nodes).breaks();
        assert!(!breaks.is_empty());
        let codes: std::collections::BTreeSet<_> = breaks.iter().map(|b| b.code()).collect();
        for code in ["no_path", "no_indicator", "area", "orphaned"] {
            assert!(codes.contains(code), "no {code} break planted");
        }
    }
}
