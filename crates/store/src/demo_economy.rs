//! Demo economy for the demo year: a responsibility code (*ansvar*) for every unit and staff unit,
//! a budget per line, the monthly actuals of every month before the current one (salaries with
//! holiday pay in June and less in July, operating costs with some spread, income), and the unit
//! manager's monthly forecast from March on. Most units land within a percent or two of the budget;
//! every seventh overruns by about five percent, which is past the default thresholds and opens a
//! management dialogue (*lederdialog*) with the leader above, and every ninth lands under budget.
//! Deterministic: everything follows from the units' order in the tree.

use crate::economy::NewForecast;
use crate::org::OrgTree;
use crate::{Author, Db, Result};
use chrono::{Datelike, Utc};
use rodtrad_domain::OrgUnitKind;
use rodtrad_domain::economy::{Decimal, deviation};

/// Share of the year's salaries per month: holiday pay (*feriepenger*) in June, holidays in July.
const SALARY_SEASON: [(i64, i64); 12] = [
    (100, 1200),
    (100, 1200),
    (100, 1200),
    (100, 1200),
    (100, 1200),
    (130, 1200),
    (75, 1200),
    (100, 1200),
    (100, 1200),
    (100, 1200),
    (100, 1200),
    (95, 1200),
];

const COMMENTS_ON_BUDGET: [&str; 4] = [
    "Forventer balanse ved årets slutt.",
    "Drift i tråd med budsjett; sykefraværet er lavere enn i fjor.",
    "Små avvik innenfor rammen; følges opp månedlig.",
    "Vakanser dekker økte kostnader til vikarer.",
];
const COMMENTS_OVERRUN: [&str; 3] = [
    "Økt behov for vikarer og overtid gir merforbruk på lønn; tiltak drøftes med direktør.",
    "Flere brukere med omfattende vedtak enn budsjettert; merforbruket kan ikke dekkes innenfor rammen.",
    "Høye kostnader til innleie etter langtidsfravær; forventer merforbruk.",
];
const COMMENT_UNDER: &str = "Vakante stillinger og lavere aktivitet gir mindreforbruk.";

fn kr(n: i64) -> Decimal {
    Decimal::from(n)
}

/// Budget of the `i`th unit: (salaries, other operating costs, income), whole kroner.
fn budget_of(i: usize, kind: OrgUnitKind) -> [i64; 3] {
    let i = i as i64;
    let size = if kind == OrgUnitKind::Staff { 12 } else { 28 + (i * 7919) % 45 }; // MNOK salaries
    let salaries = size * 1_000_000 + (i * 37_000) % 500_000;
    let operating = salaries / 100 * (14 + (i * 13) % 12);
    let income = -(salaries / 100 * (4 + (i * 11) % 9));
    [salaries, operating, income]
}

/// How the `i`th unit runs against its budget, in tenths of a percent.
fn drift_of(i: usize) -> i64 {
    match i {
        i if i % 7 == 3 => 52,
        i if i % 9 == 5 => -28,
        i => [-8, 4, 11, -3, 6, 0][i % 6],
    }
}

/// Loads the demo economy (once: nothing happens when the municipality has responsibility codes).
pub async fn load(db: &Db, a: &Author, tree: &OrgTree) -> Result<()> {
    let mid = a.municipality_id;
    if !db.economy_responsibilities(mid).await?.is_empty() {
        return Ok(());
    }
    let today = Utc::now().date_naive();
    let (year, last_month) =
        if today.month() == 1 { (today.year() - 1, 12u32) } else { (today.year(), today.month() - 1) };
    let lines = db.economy_lines(mid).await?;
    let settings = db.economy_settings(mid).await?;
    let units: Vec<(i64, Option<i64>, OrgUnitKind)> = tree
        .units()
        .iter()
        .filter(|u| matches!(u.kind(), OrgUnitKind::Unit | OrgUnitKind::Staff) && u.valid_to.is_none())
        .map(|u| (u.id, u.parent_id, u.kind()))
        .collect();
    // Responsibility codes: 1010, 1020, … in tree order.
    let codes: Vec<(i64, Vec<String>)> =
        units.iter().enumerate().map(|(i, (id, _, _))| (*id, vec![format!("{}", 1010 + 10 * i)])).collect();
    let line_defs: Vec<(i64, String, Vec<String>)> =
        lines.iter().map(|l| (l.id, l.name.clone(), l.prefixes())).collect();
    db.economy_settings_save(a, 0, &settings.thresholds, Some((&settings.columns, &line_defs, &codes))).await?;
    for (i, (unit, parent, kind)) in units.iter().enumerate() {
        let budget = budget_of(i, *kind);
        let amounts: Vec<(i64, Decimal)> = lines.iter().zip(budget).map(|(l, b)| (l.id, kr(b))).collect();
        db.economy_budget_save(a, *unit, year, 0, &amounts).await?;
        let drift = drift_of(i);
        // The year's outcome per line at this drift: costs move, income stays as budgeted.
        let outcome = |line: usize| -> i64 {
            let b = budget[line];
            if line == 2 { b } else { b + b / 1000 * drift }
        };
        let mut actuals = Vec::new();
        for month in 1..=last_month {
            let m = month as usize - 1;
            for (line_ix, line) in lines.iter().enumerate().take(3) {
                let year_amount = outcome(line_ix);
                let amount = match line_ix {
                    0 => year_amount / SALARY_SEASON[m].1 * SALARY_SEASON[m].0,
                    1 => year_amount / 12 / 100 * (85 + ((i + m * 7) % 31) as i64),
                    _ => year_amount / 12,
                };
                actuals.push(((*unit, line.id, year, month), kr(amount)));
            }
        }
        db.economy_actuals_set(mid, &actuals).await?;
        // Forecasts from March: the drift shows gradually, fully from May.
        for month in 3..=last_month {
            let weight = i64::from(month.min(5)) - 2; // 1, 2, 3
            let amounts: Vec<(i64, Decimal)> = lines
                .iter()
                .enumerate()
                .take(3)
                .map(|(ix, l)| {
                    let b = budget[ix];
                    (l.id, kr(b + (outcome(ix) - b) / 3 * weight))
                })
                .collect();
            let total: Decimal = amounts.iter().map(|(_, x)| *x).sum();
            let budget_total: Decimal = budget.iter().copied().map(kr).sum();
            let dev = deviation(budget_total, total, &settings.thresholds);
            let comment = if dev.is_flagged_overrun() {
                COMMENTS_OVERRUN[i % COMMENTS_OVERRUN.len()]
            } else if drift < -20 && month >= 5 {
                COMMENT_UNDER
            } else {
                COMMENTS_ON_BUDGET[(i + month as usize) % COMMENTS_ON_BUDGET.len()]
            };
            let new = NewForecast {
                unit_id: *unit,
                year,
                month,
                base_version: 0,
                comment: comment.to_owned(),
                amounts,
                dialogue: dev.is_flagged_overrun().then_some((*unit, *parent)),
            };
            db.economy_forecast_save(a, &new).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_salary_season_sums_to_a_year() {
        let sum: i64 = SALARY_SEASON.iter().map(|(n, _)| *n).sum();
        assert_eq!(sum, 1200);
    }

    #[test]
    fn some_units_overrun_past_the_default_thresholds_and_most_do_not() {
        let t = rodtrad_domain::economy::Thresholds::default();
        let flagged: Vec<bool> = (0..30)
            .map(|i| {
                let b = budget_of(i, OrgUnitKind::Unit);
                let total: i64 = b.iter().sum();
                let outcome: i64 = b[0] + b[0] / 1000 * drift_of(i) + b[1] + b[1] / 1000 * drift_of(i) + b[2];
                deviation(kr(total), kr(outcome), &t).is_flagged_overrun()
            })
            .collect();
        let n = flagged.iter().filter(|f| **f).count();
        assert!((3..=6).contains(&n), "{n} of 30 flagged");
    }
}
