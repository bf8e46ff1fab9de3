//! The demo year's internal control (*internkontroll*): two control activities per unit from a
//! catalogue of the controls Norwegian municipal units keep (access rights, invoice attestation,
//! fire rounds, individual decisions, medicine handling, police certificates, confidentiality
//! declarations, safety rounds), each owned by the unit's leader and linked to its law and, where
//! the unit's risk analysis has one, to a risk. The periods of the year that have ended are
//! recorded, mostly in order, some with remarks or a failure with its follow-up, and some left
//! unrecorded so the overview flags them as missed. Every fourth record has its checklist attached.
//! Two of three unit leaders have sent their report upward.

use crate::org::OrgTree;
use crate::{Author, Db, Result};
use chrono::{Datelike, NaiveDate};
use rodtrad_domain::OrgUnitKind;
use rodtrad_domain::internal_control::{ActivityDraft, ExecutionDraft, Outcome, Period, ReportDraft, check_evidence};

/// A catalogue entry: title, description, method, frequency, legal basis, what a remark found,
/// what a failure found, its follow-up.
type Entry =
    (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

const CATALOGUE: [Entry; 8] = [
    (
        "Gjennomgang av tilganger i fagsystemet",
        "Lederen går gjennom hvem som har tilgang til fagsystemet, og fjerner tilganger for ansatte som har sluttet eller byttet oppgaver.",
        "system_check",
        "four_monthly",
        "Personopplysningsloven § 1 (GDPR art. 32)\nForskrift om ledelse og kvalitetsforbedring § 7",
        "To vikarer hadde fortsatt tilgang en måned etter siste vakt.",
        "Fem tidligere ansatte hadde fortsatt tilgang, én av dem i over et halvt år.",
        "Tilgangene er fjernet. Sluttsjekklisten får et punkt om tilganger, og HR varsler lederen ved hver avslutning.",
    ),
    (
        "Attestasjon av inngående fakturaer",
        "Stikkprøve av ti fakturaer: varen er mottatt, prisen følger avtalen, og attestant og anviser er ulike personer.",
        "sample",
        "quarterly",
        "Kommuneloven § 14-2\nKommunens økonomireglement kap. 5",
        "Én faktura var attestert uten at mottaket var kontrollert.",
        "Tre fakturaer var attestert og anvist av samme person.",
        "Rollene er skilt i økonomisystemet. Alle med attestasjonsfullmakt får opplæring innen neste kvartal.",
    ),
    (
        "Brannvernrunde",
        "Runde med sjekkliste: rømningsveier frie, slukkeutstyr kontrollert, brannalarm testet og branninstruks oppslått.",
        "checklist",
        "half_yearly",
        "Forskrift om brannforebygging § 3\nForskrift om brannforebygging § 4",
        "Branninstruksen manglet i ett rom.",
        "Nødutgangen i andre etasje var sperret av møbler.",
        "Møblene er fjernet samme dag. Vaktmester sjekker nødutgangene hver uke, og saken er meldt som avvik.",
    ),
    (
        "Stikkprøve av enkeltvedtak",
        "Fem vedtak trekkes tilfeldig og kontrolleres mot sjekklisten: begrunnelse, klageadgang og frist.",
        "sample",
        "four_monthly",
        "Forvaltningsloven § 24\nForvaltningsloven § 25\nForvaltningsloven § 27",
        "Ett vedtak manglet opplysning om retten til å se sakens dokumenter.",
        "Fire av fem vedtak manglet begrunnelse for skjønnet.",
        "Vedtaksmalen er rettet, og saksbehandlerne har hatt gjennomgang med kommuneadvokaten.",
    ),
    (
        "Kontroll av legemiddelhåndtering",
        "Stikkprøve av legemiddellister, dosetter og signaturer ved utdeling på alle vakter.",
        "sample",
        "monthly",
        "Forskrift om legemiddelhåndtering § 4\nHelse- og omsorgstjenesteloven § 4-1",
        "To utdelinger manglet signatur.",
        "En legemiddelliste var ikke oppdatert etter endret dosering.",
        "Listen er rettet med legen. Dobbeltkontroll ved endringer innføres, og saken er meldt som avvik.",
    ),
    (
        "Kontroll av politiattester",
        "Gjennomgang av at alle ansatte og vikarer som skal ha politiattest, har levert den før første arbeidsdag.",
        "document_review",
        "yearly",
        "Barnehageloven § 30\nOpplæringslova § 10-9\nHelse- og omsorgstjenesteloven § 5-4",
        "Én attest var levert etter første arbeidsdag.",
        "To vikarer manglet politiattest.",
        "Vikarene er tatt ut av vaktlisten til attesten foreligger. Vikarbyrået må bekrefte attest før oppdrag.",
    ),
    (
        "Kontroll av taushetserklæringer",
        "Gjennomgang av at alle ansatte, vikarer og praksisstudenter har signert taushetserklæring.",
        "document_review",
        "yearly",
        "Forvaltningsloven § 13\nKommuneloven § 25-1",
        "To praksisstudenter signerte først etter første uke.",
        "Fire ansatte manglet signert erklæring.",
        "Erklæringene er signert. Signering er lagt inn i sjekklisten for nyansatte.",
    ),
    (
        "HMS-vernerunde",
        "Leder og verneombud går runde med sjekkliste for arbeidsmiljø, ergonomi og sikkerhet.",
        "checklist",
        "yearly",
        "Arbeidsmiljøloven § 3-1\nInternkontrollforskriften § 5",
        "Ergonomisk utstyr mangler på to arbeidsplasser.",
        "Alarmen for alenearbeid virket ikke.",
        "Alarmen er reparert og testes månedlig. Saken er meldt som avvik.",
    ),
];

/// Loads the demo year's internal control.
pub async fn load(db: &Db, a: &Author, tree: &OrgTree) -> Result<()> {
    let mid = a.municipality_id;
    let today = rodtrad_domain::norwegian_time::oslo_date(chrono::Utc::now());
    let year = today.year();
    let year_start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let analyses = db.risk_analyses(mid, Some(year)).await?;
    let risks = db.risk_items_of_year(mid, year).await?;
    let mut units: Vec<&crate::org::OrgUnit> = tree.units().iter().filter(|u| u.kind() == OrgUnitKind::Unit).collect();
    units.sort_by_key(|u| (u.sort_order, u.id));
    let mut record = 0usize;
    for (index, unit) in units.iter().enumerate() {
        let Some(owner) = unit.leader_person_id else { continue };
        let leader = Author {
            municipality_id: mid,
            user_id: None,
            name: unit.leader_name.clone().unwrap_or_else(|| a.name.clone()),
        };
        let risk = analyses
            .iter()
            .find(|x| x.unit_id == unit.id)
            .and_then(|x| risks.iter().find(|r| r.analysis_id == x.id))
            .map(|r| r.id);
        // Medicines are handled only in health and care.
        let health = tree.ancestry(unit.id).iter().any(|id| {
            tree.get(*id).is_some_and(|u| {
                let n = u.name.to_lowercase();
                n.contains("helse") || n.contains("omsorg") || n.contains("sykehjem")
            })
        });
        let catalogue: Vec<&Entry> = CATALOGUE.iter().filter(|e| health || !e.0.contains("legemiddel")).collect();
        let mut failures = Vec::new();
        let mut missed = Vec::new();
        for k in 0..2 {
            let (title, description, method, frequency, legal, remark, failure, follow_up) =
                *catalogue[(index * 3 + k * 4) % catalogue.len()];
            let draft = ActivityDraft {
                unit_id: unit.id.to_string(),
                title: title.into(),
                description: description.into(),
                method: method.into(),
                frequency: frequency.into(),
                owner_person_id: owner.to_string(),
                legal_basis: legal.into(),
                risk_item_ids: if k == 0 { risk.map(|r| r.to_string()).into_iter().collect() } else { Vec::new() },
                starts_on: year_start.to_string(),
            };
            let Ok(new) = draft.parse(today) else { continue };
            let id = db.control_activity_create(&leader, &new).await?;
            let activity = db.control_activity(mid, id).await?;
            for p in Period::of_year(new.frequency, new.starts_on, year).into_iter().filter(|p| p.end() < today) {
                record += 1;
                if record % 7 == 3 {
                    missed.push(title);
                    continue;
                }
                let outcome = match record % 11 {
                    5 => Outcome::Failed,
                    2 | 8 => Outcome::Remarks,
                    _ => Outcome::Ok,
                };
                let performed = p.end().min(today) - chrono::Duration::days(i64::try_from(record % 9).unwrap_or(0));
                let e = ExecutionDraft {
                    period: p.code(),
                    performed_on: performed.max(p.start()).to_string(),
                    outcome: outcome.code().into(),
                    findings: match outcome {
                        Outcome::Ok => String::new(),
                        Outcome::Remarks => remark.into(),
                        Outcome::Failed => failure.into(),
                    },
                    follow_up: if outcome == Outcome::Failed { follow_up.into() } else { String::new() },
                };
                let Ok(new_execution) = e.parse(new.frequency, new.starts_on, today) else { continue };
                if outcome == Outcome::Failed {
                    failures.push(title);
                }
                let checklist = format!(
                    "Sjekkliste: {title}\nEnhet: {}\nPeriode: {}\nGjennomført: {}\nResultat: {}\n",
                    unit.name,
                    p.code(),
                    new_execution.performed_on,
                    outcome.code()
                );
                let evidence = if record.is_multiple_of(4) {
                    check_evidence("sjekkliste.txt", checklist.as_bytes()).ok()
                } else {
                    None
                };
                db.control_execution_add(
                    &leader,
                    &activity,
                    &new_execution,
                    evidence.as_ref().map(|e| (e, checklist.as_bytes())),
                )
                .await?;
            }
        }
        if index % 3 == 2 {
            continue;
        }
        let report = ReportDraft {
            significant_risks: if risk.is_some() {
                "Risikoene i enhetens risikoanalyse er fulgt opp med tiltak i virksomhetsplanen. Ingen nye vesentlige risikoer.".into()
            } else {
                "Ingen vesentlige risikoer utover dem som er omtalt i tjenesteområdets risikoanalyse.".into()
            },
            control_failures: match (failures.first(), missed.first()) {
                (None, None) => "Ingen. Alle kontroller er gjennomført uten svikt.".into(),
                (Some(f), _) => {
                    format!("«{f}» avdekket svikt. Svikten er rettet, og kontrollen følges opp ekstra neste periode.")
                }
                (None, Some(m)) => format!(
                    "«{m}» ble ikke gjennomført i én periode på grunn av sykefravær. Den er lagt inn i årshjulet med stedfortreder."
                ),
            },
            what_worked:
                "Faste tidspunkter for kontrollene i enhetens årshjul har gjort det lettere å gjennomføre dem.".into(),
        };
        if let Ok(new) = report.parse() {
            db.control_report_save(&leader, unit.id, year, None, &new).await?;
        }
    }
    Ok(())
}
