//! The demo action programme (*handlingsprogram*) for the four years from the demo year: adopted
//! by the municipal council, frames for every service area, the investment table with the ICT split
//! of the seed (common administrative and specialised systems 5 million, infrastructure 4.0 million,
//! risk buffer 1.0 million a year) and the pupils' digital tools (14 million a year), the efficiency
//! target of 80 million kroner over four years split by year and service area with realised amounts
//! for the first year, and three fiscal rules with key figures for every year, of which the net
//! operating result falls short in the second year, so both verdicts show.

use crate::org::OrgTree;
use crate::programme::{Change, Efficiency, Frame, Investment};
use crate::{Author, Db, Result};
use rodtrad_domain::OrgUnitKind;
use rodtrad_domain::programme::{FiscalRule, KeyFigures};
use rust_decimal::Decimal;

fn million(tenths: i64) -> Decimal {
    Decimal::new(tenths * 100_000, 0)
}

/// Loads the programme starting in the demo year.
pub async fn load(db: &Db, a: &Author, tree: &OrgTree) -> Result<()> {
    use chrono::Datelike;
    let first = chrono::Utc::now().year();
    let years: Vec<i32> = rodtrad_domain::programme::years(first);
    db.programme_create(a, first, "Handlingsprogram med økonomiplan").await?;
    let mut changes = vec![Change::Head {
        title: "Handlingsprogram med økonomiplan".into(),
        decision_body: "Kommunestyret".into(),
        decision_case: format!("{}/112", (first - 1) % 100),
        decided_on: chrono::NaiveDate::from_ymd_opt(first - 1, 12, 15),
        efficiency_target: Some(million(800)),
    }];

    // Frames in tenths of a million per area, growing 2 % a year; the areas in tree order.
    let mut areas: Vec<i64> =
        tree.units().iter().filter(|u| u.kind() == OrgUnitKind::ServiceArea).map(|u| u.id).collect();
    areas.sort_unstable();
    const BASE: [i64; 6] = [29_500, 21_800, 6_400, 4_100, 7_300, 3_900];
    let mut frames = Vec::new();
    for (i, area) in areas.iter().enumerate() {
        let base = BASE[i % BASE.len()];
        let mut amount = million(base);
        for year in &years {
            frames.push(Frame { unit_id: *area, year: *year, amount });
            amount = (amount * Decimal::new(102, 2)).round_dp(0);
        }
    }
    changes.push(Change::Frames(frames));

    let ict = tree.units().iter().find(|u| u.kind() == OrgUnitKind::Staff).map(|u| u.id);
    let school = areas.first().copied();
    for (name, category, unit, tenths) in [
        ("Fellesadministrative og fagspesifikke systemer", "IKT", ict, 50),
        ("Infrastruktur", "IKT", ict, 40),
        ("Risikobuffer", "IKT", ict, 10),
        ("Digitale verktøy i skolen", "IKT", school, 140),
    ] {
        let amounts = years.iter().map(|y| (*y, million(tenths))).collect();
        changes.push(Change::AddInvestment(Investment {
            id: 0,
            name: name.into(),
            category: category.into(),
            unit_id: unit,
            amounts,
        }));
    }

    // 80 million over four years: 20 a year, split by the areas' share of the frames (in whole
    // hundred thousands), realised for the first year, short in one area.
    let weight = |i: usize| BASE[i % BASE.len()];
    let total: i64 = (0..areas.len()).map(weight).sum();
    let shares: Vec<i64> = (0..areas.len()).map(|i| 200 * weight(i) / total.max(1)).collect();
    let mut cells = Vec::new();
    for (i, area) in areas.iter().enumerate() {
        // The first area takes what rounding left, so the split adds up to 20 million a year.
        let share = if i == 0 { 200 - shares[1..].iter().sum::<i64>() } else { shares[i] };
        for (n, year) in years.iter().enumerate() {
            let target = million(share);
            let (realised, comment) = match (n, i) {
                (0, 1) => (Some(million(share / 2)), "Omleggingen av hjemmetjenesten er forsinket til høsten."),
                (0, _) => (Some(target), "Realisert som planlagt."),
                _ => (None, ""),
            };
            cells.push(Efficiency { unit_id: *area, year: *year, target, realised, comment: comment.into() });
        }
    }
    changes.push(Change::Efficiency(cells));

    for (name, measure, comparison, threshold) in [
        ("Netto driftsresultat skal være minst 1,75 % av driftsinntektene", "net_operating_result", "at_least", "1,75"),
        ("Netto lånegjeld skal ikke overstige 90 % av driftsinntektene", "net_debt", "at_most", "90"),
        ("Disposisjonsfondet skal være minst 8 % av driftsinntektene", "disposition_fund", "at_least", "8"),
    ] {
        changes.push(Change::AddRule(FiscalRule::parse(name, measure, comparison, threshold)?));
    }
    // Operating income about 8 billion; the second year's net operating result is 1.4 %.
    let figures = years
        .iter()
        .zip([
            (80_000, 1_520, 68_000, 7_200),
            (81_600, 1_140, 70_500, 6_900),
            (83_200, 1_500, 72_000, 6_800),
            (84_900, 1_600, 73_100, 7_000),
        ])
        .map(|(year, (income, result, debt, fund))| KeyFigures {
            year: *year,
            operating_income: million(income),
            net_operating_result: million(result),
            net_debt: million(debt),
            disposition_fund: million(fund),
        })
        .collect();
    changes.push(Change::KeyFigures(figures));
    let mut version = 1;
    for change in &changes {
        version = db.programme_save(a, first, version, change).await?;
    }
    Ok(())
}
