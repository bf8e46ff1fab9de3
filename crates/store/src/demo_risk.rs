//! The demo risk analyses (ROS) of the demo year: one per unit (school, nursing home, …), per
//! service area and for the municipality, each with risks drawn from a catalogue of the kind the
//! seed names (services, HMS, information security and privacy, economy, reputation, corruption, an
//! own category), their levels varied per unit so the municipal risk picture has a spread; the low
//! and medium risks a unit lives with accepted by its leader until the end of next year, one high
//! risk per service area accepted by its director, and the first measure of each unit's plans linked
//! to its first risk treated by reduction.

use crate::org::OrgTree;
use crate::{Author, Db, Result};
use rodtrad_domain::OrgUnitKind;
use rodtrad_domain::risk::{Acceptance, Band, Matrix, RiskItemDraft};

/// A catalogue risk: description, cause, consequence, category (code, own wording), levels
/// (inherent L C, current L C, residual L C) and treatment.
type Entry = (&'static str, &'static str, &'static str, (&'static str, &'static str), [u8; 6], &'static str);

const CATALOGUE: [Entry; 12] = [
    (
        "Vold og trusler mot ansatte",
        "Brukere i krise, alenearbeid",
        "Skade på ansatte, sykefravær",
        ("hms", ""),
        [4, 4, 3, 4, 2, 3],
        "reduce",
    ),
    (
        "Personopplysninger sendes til feil mottaker",
        "Manuell utsending av e-post med vedlegg",
        "Brudd på personvernet, avviksmelding til Datatilsynet",
        ("information_security", ""),
        [4, 3, 3, 3, 2, 3],
        "reduce",
    ),
    (
        "Fagsystemet er nede i mer enn ett døgn",
        "Ingen reserveløsning hos leverandøren",
        "Tjenester stopper, dokumentasjon mangler",
        ("information_security", ""),
        [3, 4, 2, 4, 2, 3],
        "share",
    ),
    (
        "Ansatte tar imot gaver fra leverandører",
        "Uklare regler for gaver og representasjon",
        "Mistanke om korrupsjon, tapt tillit",
        ("corruption", ""),
        [3, 4, 2, 4, 1, 4],
        "reduce",
    ),
    (
        "Innkjøp utenom rammeavtale",
        "Hastebehov og lite kjennskap til avtalene",
        "Brudd på anskaffelsesregelverket, merkostnader",
        ("corruption", ""),
        [3, 3, 2, 3, 1, 3],
        "reduce",
    ),
    (
        "Mangel på kvalifiserte vikarer",
        "Høyt sykefravær og vanskelig rekruttering",
        "Redusert kvalitet på tjenesten",
        ("services", ""),
        [4, 3, 4, 3, 3, 3],
        "reduce",
    ),
    (
        "Budsjettoverskridelse på vikarutgifter",
        "Sykefravær over budsjettert nivå",
        "Merforbruk som må dekkes inn neste år",
        ("economy", ""),
        [4, 2, 3, 2, 3, 2],
        "accept",
    ),
    (
        "Negativ omtale i sosiale medier",
        "Misfornøyde brukere eller pårørende",
        "Svekket omdømme og tillit",
        ("reputation", ""),
        [3, 2, 2, 2, 2, 2],
        "accept",
    ),
    (
        "Brann i bygget",
        "Eldre elektrisk anlegg",
        "Personskade, tap av lokaler",
        ("hms", ""),
        [2, 5, 1, 5, 1, 4],
        "reduce",
    ),
    (
        "Langvarig strømbrudd",
        "Ekstremvær",
        "Tjenesten kan ikke gis som normalt",
        ("own", "Beredskap"),
        [2, 4, 2, 3, 2, 2],
        "share",
    ),
    (
        "Svikt i legemiddelhåndteringen",
        "Manglende dobbeltkontroll",
        "Feilmedisinering",
        ("services", ""),
        [3, 5, 3, 4, 2, 4],
        "reduce",
    ),
    (
        "Tap av nøkkelkompetanse",
        "Få personer kan oppgaven",
        "Oppgaver blir ikke løst når de slutter",
        ("services", ""),
        [3, 3, 3, 2, 2, 2],
        "accept",
    ),
];

/// The risks of the unit at `index` among the analysed units: 6 to 8 catalogue entries, levels
/// nudged so units differ.
fn risks_of(index: usize) -> Vec<RiskItemDraft> {
    let count = 6 + index % 3;
    (0..count)
        .map(|k| {
            let (description, cause, consequence, (category, label), l, treatment) =
                CATALOGUE[(index * 5 + k) % CATALOGUE.len()];
            // Every third unit has one likelihood step more on its current risk, every fifth one less.
            let nudge = |v: u8, i: usize| -> u8 {
                match (i, index % 3, index % 5) {
                    (2, 0, _) => (v + 1).min(5),
                    (2, _, 0) => v.saturating_sub(1).max(1),
                    _ => v,
                }
            };
            let cur_l = nudge(l[2], 2);
            let res_l = l[4].min(cur_l);
            RiskItemDraft {
                description: description.into(),
                cause: cause.into(),
                consequence_text: consequence.into(),
                category: category.into(),
                category_label: label.into(),
                inherent_likelihood: l[0].max(cur_l).to_string(),
                inherent_consequence: l[1].to_string(),
                current_likelihood: cur_l.to_string(),
                current_consequence: l[3].to_string(),
                residual_likelihood: res_l.to_string(),
                residual_consequence: l[5].to_string(),
                treatment: treatment.into(),
                review_on: String::new(),
            }
        })
        .collect()
}

/// A leader's author, by the unit's leader name.
fn leader(tree: &OrgTree, a: &Author, unit: i64) -> Author {
    let name = tree.get(unit).and_then(|u| u.leader_name.clone()).unwrap_or_else(|| a.name.clone());
    Author { municipality_id: a.municipality_id, user_id: None, name }
}

/// Loads the demo year's analyses.
pub async fn load(db: &Db, a: &Author, tree: &OrgTree) -> Result<()> {
    use chrono::Datelike;
    let year = chrono::Utc::now().year();
    let matrix = Matrix::default();
    let expires = chrono::NaiveDate::from_ymd_opt(year + 1, 12, 31).unwrap_or_default();
    let review = chrono::NaiveDate::from_ymd_opt(year, 10, 1).unwrap_or_default();
    let mut units: Vec<&crate::org::OrgUnit> = tree
        .units()
        .iter()
        .filter(|u| matches!(u.kind(), OrgUnitKind::Municipality | OrgUnitKind::ServiceArea | OrgUnitKind::Unit))
        .collect();
    units.sort_by_key(|u| (tree.ancestry(u.id).len(), u.sort_order, u.id));
    for (index, unit) in units.iter().enumerate() {
        let analysis = db.risk_analysis_create(a, unit.id, year, "").await?;
        let depth = tree.ancestry(unit.id).len();
        let measures = db.risk_measure_choices(a.municipality_id, unit.id).await?;
        let mut linked = false;
        let mut director_accepted = false;
        for draft in risks_of(index) {
            let Ok(mut item) = draft.parse(&matrix) else { continue };
            item.review_on = Some(review);
            let link: Vec<i64> = match measures.first() {
                Some(m) if !linked && draft.treatment == "reduce" => {
                    linked = true;
                    vec![m.id]
                }
                _ => Vec::new(),
            };
            let (id, version) = db.risk_item_save(a, analysis, None, 0, Some((&item, link.as_slice()))).await?;
            let band = item.band(&matrix);
            // The unit's leader accepts what its level allows; a service area's director one high risk.
            let level = u8::try_from(depth).unwrap_or(u8::MAX);
            let by = if draft.treatment == "accept" && level <= band.authority().max_level() {
                Some(leader(tree, a, unit.id))
            } else if unit.kind() == OrgUnitKind::ServiceArea && band == Band::High && !director_accepted {
                director_accepted = true;
                Some(leader(tree, a, unit.id))
            } else {
                None
            };
            if let Some(by) = by {
                db.risk_accept(&by, id, version, &Acceptance { level, expires_on: expires }).await?;
            }
        }
        let summary = format!("Risikoanalyse for {} {year}, gjennomgått i ledermøtet.", unit.name);
        db.risk_analysis_save(a, analysis, 1, &summary).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rodtrad_domain::risk::Category;

    #[test]
    fn every_catalogue_risk_parses_on_the_default_matrix_for_every_unit() {
        let m = Matrix::default();
        for index in 0..30 {
            let risks = risks_of(index);
            assert!((6..=8).contains(&risks.len()));
            for d in risks {
                let item = d.parse(&m).unwrap_or_else(|e| panic!("{index} {}: {e:?}", d.description));
                assert!(item.residual.score() <= item.current.score());
            }
        }
        let categories: std::collections::BTreeSet<&str> = CATALOGUE.iter().map(|e| e.3.0).collect();
        for c in ["hms", "information_security", "corruption", "own"] {
            assert!(categories.contains(c), "{c}");
        }
        assert!(matches!(Category::parse("own", "Beredskap"), Ok(Category::Own(_))));
    }
}
