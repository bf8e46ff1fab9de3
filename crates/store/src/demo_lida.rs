//! The demo long-term analysis (LIDA): a population projection for 2027–2046 shaped like SSB's
//! table 13600 (main alternative) in the age groups municipalities plan by, with a slowly shrinking
//! number of children and a strongly growing number of residents over 80, and one scenario with
//! kindergarten, primary school, nursing home and home care on it (base year 2026).

use crate::lida::ScenarioInput;
use crate::{Author, Db, Result};
use rodtrad_domain::economy::Decimal;
use rodtrad_domain::lida::{AgeBand, Assumption, MAX_AGE, ProjectionRow};

/// Age group (from, to), persons in 2027 and yearly growth in percent.
const GROUPS: [(u8, u8, f64, f64); 8] = [
    (0, 0, 950.0, -0.4),
    (1, 5, 5_200.0, -0.7),
    (6, 15, 12_600.0, -0.5),
    (16, 19, 5_300.0, 0.2),
    (20, 66, 58_000.0, 0.4),
    (67, 79, 10_200.0, 1.4),
    (80, 89, 4_100.0, 4.2),
    (90, MAX_AGE, 900.0, 3.6),
];

/// The demo projection's rows: each group grows by its yearly rate, in whole persons.
pub fn projection_rows() -> Vec<ProjectionRow> {
    let mut rows = Vec::new();
    for year in 2027..=2046 {
        for (from, to, first, growth) in GROUPS {
            let persons = (first * (1.0 + growth / 100.0).powi(year - 2027)).round() as i64;
            if let Some(band) = AgeBand::new(from, to) {
                rows.push(ProjectionRow { year, band, persons: Decimal::from(persons) });
            }
        }
    }
    rows
}

fn assumption(service: &str, (from, to): (u8, u8), numbers: [i64; 3], coverage: &str, growth: &str) -> Assumption {
    let [capacity, operating, investment] = numbers;
    Assumption {
        service: service.to_owned(),
        band: AgeBand::new(from, to).unwrap_or(AgeBand { from: 0, to: 0 }),
        coverage: coverage.parse().unwrap_or_default(),
        capacity: Decimal::from(capacity),
        operating_cost: Decimal::from(operating),
        investment_cost: Decimal::from(investment),
        growth_percent: growth.parse().unwrap_or_default(),
    }
}

/// Loads the projection and the scenario.
pub async fn load(db: &Db, author: &Author) -> Result<()> {
    let projection =
        db.lida_projection_create(author, "SSB hovedalternativ 2026 (demo)", ("demo", ""), &projection_rows()).await?;
    let input = ScenarioInput {
        name: "Hovedalternativet 2027–2046".into(),
        base_year: 2026,
        projection_id: projection,
        assumptions: vec![
            assumption("Barnehage", (1, 5), [4_850, 235_000, 1_400_000], "0.92", "0.5"),
            assumption("Grunnskole", (6, 15), [12_800, 135_000, 1_100_000], "1", "0.5"),
            assumption("Sykehjem", (80, MAX_AGE), [520, 1_350_000, 4_500_000], "0.11", "1"),
            assumption("Hjemmetjenester", (67, MAX_AGE), [1_350, 380_000, 0], "0.07", "1"),
        ],
    };
    db.lida_scenario_save(author, None, 0, &input).await?;
    Ok(())
}
