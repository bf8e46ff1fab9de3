//! The demo year's deviations and improvement ideas (*avvik og forbedringsforslag*): one to three
//! per unit from a catalogue across the categories, health and personnel ones among them
//! (restricted), reported by someone working there. Their state follows their age: those older
//! than two months are closed after triage, cause analysis, a measure carried out and an effect
//! check; those from the last two months are being handled with a measure still open (some late);
//! the last fortnight's are waiting for triage. Ideas move along PDCA and, for some, the
//! innovation pipeline.
//!
//! The school's employee account reports the school's own; elsewhere the reports stand for staff
//! without an account and are registered through one account nobody can log in to.

use crate::org::OrgTree;
use crate::people::PeopleFilter;
use crate::{Author, Db, Result};
use chrono::{Datelike, Duration, NaiveDate};
use rodtrad_domain::OrgUnitKind;
use rodtrad_domain::deviations::{
    CloseDraft, DeviationDraft, InnovationStage, Kind, MeasureKind, NewMeasure, Pdca, Severity, Triage,
};

/// A catalogue entry: kind, category, title, what happened, immediate action, cause, measure,
/// effect check.
type Entry = (Kind, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

const CATALOGUE: [Entry; 12] = [
    (
        Kind::Incident,
        "hms",
        "Ansatt utsatt for slag under stell",
        "En bruker ble urolig under morgenstell og slo etter en ansatt. Den ansatte fikk et blåmerke på armen.",
        "Kollega tilkalt, situasjonen roet ned, verneombud varslet.",
        "Stell ble gjort av én ansatt alene hos en bruker med kjent uro om morgenen.",
        "To ansatte ved morgenstell hos brukere med kjent uro",
        "Ingen nye hendelser ved morgenstell på åtte uker.",
    ),
    (
        Kind::Incident,
        "information_security",
        "E-post med personopplysninger sendt til feil mottaker",
        "Et vedtak med personopplysninger ble sendt til en ekstern adresse med nesten samme navn som mottakeren.",
        "Mottakeren ble bedt om å slette e-posten og bekreftet sletting. Personvernombudet varslet.",
        "Adressen ble foreslått av e-postprogrammet, og vedtak sendes som vedlegg i stedet for sikker post.",
        "Vedtak sendes bare som sikker digital post",
        "Ingen feilsendinger siste kvartal; alle vedtak går nå via sikker post.",
    ),
    (
        Kind::Incident,
        "health",
        "Legemiddel gitt til feil tidspunkt",
        "Kveldsmedisin ble gitt to timer for tidlig fordi dosetten var merket utydelig.",
        "Sykepleier kontaktet legevakt; bruker observert uten følger.",
        "Manglende dobbeltkontroll ved utdeling på kveldsvakt.",
        "Dobbeltkontroll ved utdeling av faste legemidler på kveld",
        "Stikkprøver i fire uker viste dobbeltkontroll ved alle utdelinger.",
    ),
    (
        Kind::Incident,
        "services",
        "Skyss til avlastning kom ikke",
        "Bestilt skyss til avlastningsbolig kom ikke, og brukeren ventet i over en time.",
        "Ansatt kjørte brukeren i tjenestebil.",
        "Bestillingen ble registrert på feil dato i bestillingssystemet.",
        "Bekreftelse av skyssbestillinger dagen før",
        "Alle skyssbestillinger bekreftet i seks uker uten avvik.",
    ),
    (
        Kind::Improvement,
        "services",
        "Digital vaktliste i stedet for papir",
        "Vaktlisten kan deles i appen, så alle ser endringer med én gang og færre vakter blir stående tomme.",
        "",
        "",
        "Prøve digital vaktliste i én turnusgruppe",
        "Tomme vakter gikk ned fra fire til én per måned i prøveperioden.",
    ),
    (
        Kind::Incident,
        "property",
        "Nødutgang blokkert av møbler",
        "Ved brannrunde ble det funnet stoler og bord foran nødutgangen i andre etasje.",
        "Møblene ble flyttet straks.",
        "Mangel på lagerplass etter ommøblering.",
        "Merke fri sone foran nødutganger og sjekke på ukentlig runde",
        "Nødutgangene var frie ved alle ukentlige runder i to måneder.",
    ),
    (
        Kind::Incident,
        "hr",
        "Gjentatte konflikter i arbeidsgruppe",
        "Flere ansatte har meldt om en vedvarende konflikt som påvirker samarbeidet på avdelingen.",
        "Leder har hatt samtaler med de involverte.",
        "Uklar arbeidsfordeling etter omorganiseringen.",
        "Tydelig arbeidsfordeling og oppfølgingsmøter med bedriftshelsetjenesten",
        "Arbeidsmiljøkartleggingen viste bedre samarbeid enn i fjor.",
    ),
    (
        Kind::Incident,
        "economy",
        "Innkjøp utenom rammeavtale",
        "Rekvisita ble kjøpt i nærbutikk for 14 000 kroner selv om kommunen har rammeavtale.",
        "Innkjøpet ble stanset og ansvarlig informert.",
        "Ansatte kjente ikke til rammeavtalen og bestillingsløsningen.",
        "Opplæring i bestillingsløsningen for alle med innkjøpsfullmakt",
        "Ingen kjøp utenom avtale i stikkprøven for andre tertial.",
    ),
    (
        Kind::Improvement,
        "hms",
        "Felles sjekkliste for alenearbeid",
        "En kort sjekkliste før hjemmebesøk alene kan gjøre det tryggere og bør deles med andre enheter.",
        "",
        "",
        "Lage sjekkliste og prøve den i to måneder",
        "Alle ansatte med alenearbeid bruker sjekklisten; to andre enheter har tatt den i bruk.",
    ),
    (
        Kind::Incident,
        "health",
        "Fall uten tilsyn",
        "En bruker falt på badet om natten og lå en stund før nattevakten kom.",
        "Bruker undersøkt av sykepleier og lege; ingen brudd.",
        "Sensoren ved sengen var slått av etter rengjøring.",
        "Sjekk av fallsensorer ved hver vaktoverlevering",
        "Sensorene var på ved alle kontroller i seks uker.",
    ),
    (
        Kind::Improvement,
        "information_security",
        "Låse skjermen automatisk etter to minutter",
        "Skjermer på fellesarbeidsplasser står ofte ulåst; automatisk lås kan innføres for hele enheten.",
        "",
        "",
        "Innføre automatisk skjermlås på fellesarbeidsplasser",
        "Ved tilsynsrunde var ingen skjermer ulåst.",
    ),
    (
        Kind::Incident,
        "services",
        "Foreldre ikke varslet om stengt avdeling",
        "Avdelingen stengte tidlig på grunn av sykdom, men flere foreldre fikk ikke melding.",
        "Ansatte ringte foreldrene som ikke hadde fått beskjed.",
        "Meldingen ble sendt fra en liste som ikke var oppdatert.",
        "Kontaktlister oppdateres ved hvert nytt barnehageår og ved endringer",
        "Alle foreldre fikk melding ved neste stenging.",
    ),
];

/// The first person of the unit (by name), for the one who reports and is responsible.
async fn people_of(db: &Db, municipality_id: i64, unit: i64) -> Result<Vec<(i64, String)>> {
    let filter = PeopleFilter { unit_ids: Some(vec![unit]), query: None };
    Ok(db.people(municipality_id, &filter, 5).await?.into_iter().map(|p| (p.id, p.name)).collect())
}

/// Loads the demo year's deviations. `employee` is the school's employee account, `registrar` the
/// account that registers on behalf of staff without one.
pub async fn load(db: &Db, a: &Author, tree: &OrgTree, school: i64, employee: i64, registrar: i64) -> Result<()> {
    let mid = a.municipality_id;
    let today = rodtrad_domain::norwegian_time::oslo_date(chrono::Utc::now());
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let mut units: Vec<&crate::org::OrgUnit> = tree.units().iter().filter(|u| u.kind() == OrgUnitKind::Unit).collect();
    units.sort_by_key(|u| (u.sort_order, u.id));
    for (index, unit) in units.iter().enumerate() {
        let people = people_of(db, mid, unit.id).await?;
        let Some((responsible, _)) = unit.leader_person_id.map(|p| (p, ())).or(people.first().map(|p| (p.0, ())))
        else {
            continue;
        };
        let leader = Author {
            municipality_id: mid,
            user_id: None,
            name: unit.leader_name.clone().unwrap_or_else(|| a.name.clone()),
        };
        let count = 1 + index % 3;
        for k in 0..count {
            let (kind, category, title, what, action, cause, measure, effect) =
                CATALOGUE[(index * 7 + k * 5) % CATALOGUE.len()];
            let age = i64::try_from((index * 23 + k * 71) % 330).unwrap_or(0);
            let occurred = (today - Duration::days(age)).max(year_start);
            let reporter_name =
                people.get(k % people.len().max(1)).map(|p| p.1.clone()).unwrap_or_else(|| a.name.clone());
            let reporter = if unit.id == school { employee } else { registrar };
            let by = Author { municipality_id: mid, user_id: Some(reporter), name: reporter_name };
            let draft = DeviationDraft {
                kind: kind.code().into(),
                category: category.into(),
                unit_id: unit.id.to_string(),
                title: title.into(),
                description: what.into(),
                immediate_action: action.into(),
                occurred_on: occurred.to_string(),
                names_checked: true,
            };
            let Ok(new) = draft.parse(today) else { continue };
            let id = db.deviation_create(&by, reporter, &new).await?;
            let days = (today - occurred).num_days();
            if days < 14 {
                continue;
            }
            let severity = [Severity::Low, Severity::Medium, Severity::Medium, Severity::High][(index + k) % 4];
            let d = db.deviation(mid, id).await?;
            let v = db.deviation_triage(&leader, &d, d.version, &Triage::Accept(severity)).await?;
            let d = db.deviation(mid, id).await?;
            let v = if kind == Kind::Incident { db.deviation_cause_save(&leader, &d, v, cause).await? } else { v };
            // Set when it was handled, so the deadline may have passed since.
            let m = NewMeasure {
                text: measure.into(),
                kind: if kind == Kind::Incident { MeasureKind::Preventive } else { MeasureKind::Corrective },
                responsible_person_id: responsible,
                deadline: occurred + Duration::days(30),
            };
            let d = db.deviation(mid, id).await?;
            let mut v = db.deviation_measure_add(&leader, &d, v, &m).await?;
            if kind == Kind::Improvement {
                let d = db.deviation(mid, id).await?;
                v = db.deviation_pdca_save(&leader, &d, v, if days < 60 { Pdca::Do } else { Pdca::Act }).await?;
                // Every other idea enters the innovation pipeline, the older ones further along.
                if (index + k) % 2 == 0 {
                    let stages: &[InnovationStage] = if days < 60 {
                        &[InnovationStage::New]
                    } else {
                        &[InnovationStage::New, InnovationStage::Useful, InnovationStage::Used]
                    };
                    for stage in stages {
                        let d = db.deviation(mid, id).await?;
                        v = db.deviation_innovation_save(&leader, &d, v, *stage).await?;
                    }
                }
            }
            if days < 60 {
                continue;
            }
            let d = db.deviation(mid, id).await?;
            let measure_id = db.deviation_measures(id).await?.first().map(|m| m.id).unwrap_or_default();
            let done = (occurred + Duration::days(25)).min(today);
            v = db.deviation_measure_done(&leader, &d, v, measure_id, done).await?;
            let d = db.deviation(mid, id).await?;
            let measures = db.deviation_measures(id).await?;
            let state = rodtrad_domain::deviations::CloseState {
                kind,
                status: d.status,
                has_cause: !d.cause.is_empty(),
                open_measures: measures.iter().filter(|m| m.done_on.is_none()).count(),
            };
            let close = CloseDraft { effect_check: effect.into(), effective: "yes".into() };
            if let Ok(closing) = close.parse(state) {
                db.deviation_close(&leader, &d, v, &closing).await?;
            }
        }
    }
    Ok(())
}
