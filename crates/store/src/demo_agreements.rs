//! Demo leadership agreements for the demo year: every unit manager of the demo director's service
//! area with the director and every department head there with their unit manager, and one unit
//! (with a department) in each other service area. Each commits to goals, assignments and measures
//! from the plans, with development points and the delegated authority in words; about a third are
//! signed by both, a third by the leader only and the rest are drafts. The demo logins' own
//! agreements wait for a signature: the unit manager's for the director's, the department head's
//! for the department head's own.

use crate::agreements::{Draft, NewAgreement};
use crate::org::OrgTree;
use crate::{Author, Db, Result};
use rodtrad_domain::OrgUnitKind;
use rodtrad_domain::plan::ElementKind;

const DEVELOPMENT: [&str; 8] = [
    "Lederutvikling: gjennomføre kommunens lederprogram, modul 2 (endringsledelse).",
    "Styrke arbeidet med nærværsoppfølging: oppfølgingssamtaler innen fire uker ved fravær.",
    "Veiledning i vanskelige personalsaker sammen med HR.",
    "Bruke medarbeiderundersøkelsen aktivt: handlingsplan drøftet med tillitsvalgte innen 1. mars.",
    "Delta i nettverk for ledere på tvers av tjenesteområdene.",
    "Økt kompetanse i økonomistyring og månedlig prognose.",
    "Tydeligere delegering til teamledere og avdelingsledere.",
    "Gjennomføre tjenestedesignkurs og prøve ut én ny løsning sammen med brukerne.",
];

const AUTHORITY_UNIT: &str = "Virksomhetsleder har økonomi-, personal- og fagansvar for virksomheten innenfor vedtatt \
budsjettramme, jf. kommunens delegeringsreglement. Ansettelser i faste stillinger drøftes med direktør før tilsetting. \
Innkjøp over 500 000 kroner og avvik fra rammen avklares med direktør.";

const AUTHORITY_DEPARTMENT: &str = "Avdelingsleder har delegert personal- og fagansvar for avdelingen og \
budsjettansvar for avdelingens del av virksomhetens ramme. Endringer i bemanningsplan, ansettelser og innkjøp over \
100 000 kroner avklares med virksomhetsleder.";

/// Loads the demo agreements (the year the demo is loaded, as the demo plans and letters are).
/// `logins` are the units of the demo unit manager and department head.
pub async fn load(db: &Db, a: &Author, tree: &OrgTree, director_area: i64, logins: (i64, i64)) -> Result<()> {
    use chrono::Datelike;
    let mid = a.municipality_id;
    let year = i64::from(chrono::Utc::now().year());
    let mut units: Vec<i64> = Vec::new();
    let root = tree.children(None).first().copied();
    let areas: Vec<i64> = root
        .map(|r| tree.children(Some(r)).iter().copied())
        .into_iter()
        .flatten()
        .filter(|id| tree.get(*id).is_some_and(|u| u.kind() == OrgUnitKind::ServiceArea))
        .collect();
    for area in areas {
        let area_units: Vec<i64> = tree
            .children(Some(area))
            .iter()
            .copied()
            .filter(|id| tree.get(*id).is_some_and(|u| u.kind() == OrgUnitKind::Unit))
            .collect();
        let take = if area == director_area { area_units.len() } else { 1 };
        for unit in area_units.into_iter().take(take) {
            units.push(unit);
            let departments = tree.children(Some(unit)).iter().copied();
            let take = if area == director_area { usize::MAX } else { 1 };
            units.extend(departments.take(take));
        }
    }
    for (i, unit) in units.into_iter().enumerate() {
        let Some(u) = tree.get(unit) else { continue };
        let Some(above) = u.parent_id.and_then(|p| tree.get(p)) else { continue };
        let (Some(leader), Some(superior)) = (u.leader_person_id, above.leader_person_id) else { continue };
        let new = NewAgreement {
            unit_id: unit,
            year,
            leader_person_id: leader,
            superior_unit_id: above.id,
            superior_person_id: superior,
        };
        let (id, created) = db.agreement_create(a, &new).await?;
        if !created {
            continue;
        }
        let ancestry = tree.ancestry(unit);
        let candidates = db.agreement_candidates(mid, year, &ancestry).await?;
        // Assignments and measures first, then the goals above them, at most five in all.
        let mut picked: Vec<i64> = Vec::new();
        for wanted in [[ElementKind::Assignment, ElementKind::Measure], [ElementKind::SubGoal, ElementKind::MainGoal]] {
            for (_, elements) in &candidates {
                for e in elements.iter().filter(|e| wanted.contains(&e.kind)) {
                    if picked.len() < 5 && !picked.contains(&e.id) {
                        picked.push(e.id);
                    }
                }
            }
        }
        let department = u.kind() == OrgUnitKind::Department;
        let draft = Draft {
            element_ids: picked,
            development_points: vec![
                DEVELOPMENT[i % DEVELOPMENT.len()].to_owned(),
                DEVELOPMENT[(i + 3) % DEVELOPMENT.len()].to_owned(),
            ],
            authority: if department { AUTHORITY_DEPARTMENT } else { AUTHORITY_UNIT }.to_owned(),
        };
        db.agreement_save(a, id, 1, &ancestry, draft).await?;
        // Signing: both, leader only and draft in turn; the demo unit manager has signed and waits
        // for the demo director, and the demo department head has yet to sign.
        let state = if unit == logins.0 {
            1
        } else if unit == logins.1 {
            2
        } else {
            i % 3
        };
        let name =
            |p: i64| tree.units().iter().find(|u| u.leader_person_id == Some(p)).and_then(|u| u.leader_name.clone());
        let sign = |person: i64| Author { municipality_id: mid, user_id: None, name: name(person).unwrap_or_default() };
        if state == 0 || state == 1 {
            db.agreement_sign(&sign(leader), id, 2, true, false).await?;
        }
        if state == 0 {
            db.agreement_sign(&sign(superior), id, 3, false, true).await?;
        }
    }
    Ok(())
}
