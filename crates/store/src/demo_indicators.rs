//! Demo indicator definitions, targets and several years of values on the master plan's indicators,
//! chosen so that every progress class appears: the climate target of the master plan (67 % below the
//! 2009 level by 2030) takes its values from the demo statistics (SSB table 13931) and is off track,
//! as Asker's own reporting says; the rest are entered values.

use crate::indicators::{DefinitionInput, ValueInput};
use crate::{Author, Db, Result};
use rodtrad_domain::indicators::{Baseline, Direction, Frequency, ResultChain, SourceKind, Target};
use rodtrad_domain::plan::ElementKind;

/// One demo indicator: text of the master plan's indicator, unit, chain, direction, source,
/// baseline, targets (year, desired, lowest acceptable) and values (year, value).
struct Demo {
    text: &'static str,
    description: &'static str,
    unit: &'static str,
    chain: ResultChain,
    direction: Direction,
    source: SourceKind,
    baseline: Option<(i32, f64)>,
    targets: &'static [(i32, f64, Option<f64>)],
    values: &'static [(i32, f64)],
}

/// The harmonised Asker's emissions in 2009 (1 000 tonnes CO₂-eq.), a demo figure in line with the
/// demo series (223 in 2015, 185 in 2023).
const EMISSIONS_2009: f64 = 240.0;

const DEMO: &[Demo] = &[
    Demo {
        text: crate::demo_plans::EMISSIONS_INDICATOR,
        description: "Direkte utslipp av klimagasser i kommunen etter Miljødirektoratets klimagassregnskap (SSB tabell 13931), harmonisert over kommunesammenslåingen i 2020.",
        unit: "1 000 tonn CO₂-ekv.",
        chain: ResultChain::Impact,
        direction: Direction::Lower,
        source: SourceKind::Statistics,
        baseline: Some((2009, EMISSIONS_2009)),
        // 67 % below 2009 by 2030; half-way by 2026 as an interim target with an acceptable band.
        targets: &[(2026, 130.0, Some(160.0)), (2030, EMISSIONS_2009 * 0.33, None)],
        values: &[],
    },
    Demo {
        text: "Andel voksne som er fysisk aktive minst 150 minutter i uka",
        description: "Andel voksne som svarer i folkehelseundersøkelsen at de er fysisk aktive minst 150 minutter i uka.",
        unit: "%",
        chain: ResultChain::Outcome,
        direction: Direction::Higher,
        source: SourceKind::Survey,
        baseline: Some((2019, 62.0)),
        targets: &[(2026, 70.0, Some(66.0)), (2030, 75.0, Some(70.0))],
        values: &[(2020, 63.0), (2021, 65.0), (2022, 66.5), (2023, 68.0), (2024, 69.5)],
    },
    Demo {
        text: "Andel innbyggere over 80 år som bor hjemme",
        description: "Andel innbyggere 80 år og eldre som ikke bor i institusjon.",
        unit: "%",
        chain: ResultChain::Outcome,
        direction: Direction::Higher,
        source: SourceKind::Manual,
        baseline: Some((2019, 88.0)),
        targets: &[(2026, 92.0, Some(90.0))],
        values: &[(2020, 88.2), (2021, 88.5), (2022, 88.9), (2023, 89.3), (2024, 89.9)],
    },
    Demo {
        text: "Andel barn med vedtak om tiltak før skolestart",
        description: "Andel barn med spesialpedagogisk hjelp der vedtaket er fattet før skolestart.",
        unit: "%",
        chain: ResultChain::Output,
        direction: Direction::Higher,
        source: SourceKind::Manual,
        baseline: Some((2022, 40.0)),
        targets: &[(2026, 60.0, Some(50.0))],
        values: &[(2023, 44.0)],
    },
    Demo {
        text: "Antall arbeidsplasser i kommunen",
        description: "Sysselsatte med arbeidssted i kommunen (SSB, registerbasert sysselsetting).",
        unit: "arbeidsplasser",
        chain: ResultChain::Impact,
        direction: Direction::Higher,
        source: SourceKind::Manual,
        baseline: Some((2019, 38_500.0)),
        targets: &[(2030, 45_000.0, None)],
        values: &[(2020, 37_900.0), (2021, 38_200.0), (2022, 38_900.0), (2023, 39_600.0), (2024, 40_100.0)],
    },
    Demo {
        text: "Andel tjenester som kan søkes digitalt",
        description: "Andel av kommunens søknadsbaserte tjenester med digital søknad.",
        unit: "%",
        chain: ResultChain::Output,
        direction: Direction::Higher,
        source: SourceKind::Manual,
        baseline: Some((2019, 55.0)),
        targets: &[(2026, 85.0, Some(75.0))],
        values: &[(2021, 70.0), (2022, 78.0), (2023, 84.0), (2024, 88.0)],
    },
    Demo {
        text: "Antall bostedsløse",
        description: "Bostedsløse registrert i kommunens kartlegging.",
        unit: "personer",
        chain: ResultChain::Outcome,
        direction: Direction::Lower,
        source: SourceKind::Manual,
        baseline: Some((2020, 60.0)),
        targets: &[(2026, 40.0, Some(50.0))],
        values: &[(2021, 62.0), (2022, 65.0), (2023, 68.0), (2024, 71.0)],
    },
    Demo {
        text: "Kilo restavfall per innbygger",
        description: "Restavfall fra husholdningene delt på innbyggertallet.",
        unit: "kg",
        chain: ResultChain::Outcome,
        direction: Direction::Lower,
        source: SourceKind::Statistics,
        baseline: Some((2019, 180.0)),
        targets: &[(2030, 130.0, Some(145.0))],
        values: &[(2020, 176.0), (2021, 170.0), (2022, 163.0), (2023, 158.0), (2024, 152.0)],
    },
    Demo {
        text: "Sykefravær i prosent",
        description: "Legemeldt og egenmeldt sykefravær blant kommunens ansatte.",
        unit: "%",
        chain: ResultChain::Input,
        direction: Direction::Lower,
        source: SourceKind::Manual,
        baseline: Some((2019, 7.2)),
        targets: &[(2026, 6.0, Some(6.5))],
        values: &[(2020, 7.6), (2021, 7.4), (2022, 7.1), (2023, 6.9), (2024, 6.7)],
    },
];

/// Defines the demo indicators and enters their values, once.
pub async fn load(db: &Db, a: &Author) -> Result<()> {
    let mid = a.municipality_id;
    let elements = db.elements_all(mid).await?;
    for d in DEMO {
        let Some(e) = elements
            .iter()
            .find(|e| e.text == d.text && e.kind() == ElementKind::Indicator && e.source_element_id.is_none())
        else {
            continue;
        };
        if db.indicator_definition(mid, e.id).await?.is_some() {
            continue;
        }
        let input = DefinitionInput {
            description: d.description.into(),
            unit: d.unit.into(),
            chain: d.chain,
            direction: d.direction,
            source: d.source,
            frequency: Frequency::Yearly,
            owner_person_id: None,
            baseline: d.baseline.map(|(year, value)| Baseline { year, value }),
            targets: d
                .targets
                .iter()
                .map(|(year, desired, acceptable)| Target { year: *year, desired: *desired, acceptable: *acceptable })
                .collect(),
        };
        db.indicator_definition_save(a, e.id, &input, None).await?;
        let values: Vec<ValueInput> = d
            .values
            .iter()
            .map(|(year, value)| ValueInput {
                element_id: e.id,
                period: year.to_string(),
                value: *value,
                comment: None,
            })
            .collect();
        if !values.is_empty() {
            db.indicator_values_import(a, &values).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rodtrad_domain::indicators::{Observed, ProgressClass, Thresholds, applicable_target, classify};
    use std::collections::HashSet;

    /// Every class appears among the demo indicators (the climate target with the demo statistics'
    /// harmonised series, 2015–2023).
    #[test]
    fn every_progress_class_appears() {
        let emissions: &[(i32, f64)] =
            &[(2015, 223.1), (2019, 207.2), (2020, 198.3), (2021, 200.4), (2022, 192.9), (2023, 185.2)];
        let mut seen = HashSet::new();
        for d in DEMO {
            let values = if d.source == SourceKind::Statistics && d.values.is_empty() { emissions } else { d.values };
            let observed: Vec<Observed> =
                values.iter().map(|(y, v)| Observed { time: f64::from(*y), value: *v }).collect();
            let targets: Vec<Target> = d
                .targets
                .iter()
                .map(|(year, desired, acceptable)| Target { year: *year, desired: *desired, acceptable: *acceptable })
                .collect();
            let latest = values.iter().map(|v| v.0).max();
            let a = classify(
                d.baseline.map(|(year, value)| Baseline { year, value }),
                applicable_target(&targets, latest),
                d.direction,
                &observed,
                &Thresholds::default(),
            );
            if d.text == crate::demo_plans::EMISSIONS_INDICATOR {
                assert_eq!(a.class, ProgressClass::OffTrack, "{a:?}");
            }
            seen.insert(a.class);
        }
        for class in ProgressClass::ALL {
            assert!(seen.contains(&class), "{class:?} missing from the demo");
        }
    }
}
