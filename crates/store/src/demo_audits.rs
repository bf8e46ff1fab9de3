//! The demo year's audits and inspections: a state inspection of a school's pupils' environment
//! by the County Governor with two breaches (one put right, one open with its deadline) and a
//! remark; a Labour Inspection Authority inspection of a nursing home, closed; the control
//! committee's performance audit of sickness absence with three recommendations; the ISO 9001
//! internal audits in March with nonconformities and an observation; and, when November has come,
//! the certification body's external audit. The management reviews of last year and, from late
//! April, of this year.

use crate::org::OrgTree;
use crate::{Author, Db, Result};
use chrono::{Datelike, Duration, NaiveDate};
use rodtrad_domain::OrgUnitKind;
use rodtrad_domain::audits::{AuditDraft, FindingDraft, ReviewDraft};

/// A finding of the catalogue: kind, description, measure, days from the report to its deadline,
/// closed with this note (or left open).
type FindingEntry = (&'static str, &'static str, &'static str, i64, Option<&'static str>);

/// An audit of the catalogue: kind, theme, auditor, the unit it is of, month and day held, days
/// to the report, summary, findings, closed with this note (or left open).
struct Entry {
    kind: &'static str,
    title: &'static str,
    auditor: &'static str,
    unit: Target,
    held: (u32, u32),
    report_after: i64,
    summary: &'static str,
    findings: &'static [FindingEntry],
    closing: Option<&'static str>,
}

/// Which unit an audit is of.
#[derive(Clone, Copy)]
enum Target {
    Municipality,
    FirstSchool,
    FirstCare,
}

const CATALOGUE: [Entry; 5] = [
    Entry {
        kind: "state_inspection",
        title: "Skolemiljø – opplæringslova kapittel 9 A",
        auditor: "Statsforvalteren i Oslo og Viken",
        unit: Target::FirstSchool,
        held: (2, 11),
        report_after: 45,
        summary: "Statsforvalteren fant to lovbrudd: skolen følger ikke godt nok med på elevenes skolemiljø, og aktivitetsplanene mangler tidsfrister og evaluering.",
        findings: &[
            (
                "breach",
                "Skolen har ikke rutiner som sikrer at alle ansatte følger med på elevenes skolemiljø og griper inn ved krenkelser.",
                "Rutine for aktivitetsplikt vedtas, gjøres kjent for alle ansatte og følges opp i personalmøter.",
                60,
                Some(
                    "Rutinen er vedtatt 12. mai og gjennomgått med alle ansatte; Statsforvalteren har mottatt dokumentasjonen.",
                ),
            ),
            (
                "breach",
                "Aktivitetsplanene mangler tidsfrister for tiltakene og når de skal evalueres.",
                "Ny mal for aktivitetsplan med frister og evaluering; alle aktive planer revideres.",
                400,
                None,
            ),
            ("remark", "Elevrådet kjenner ikke godt nok til skolens arbeid med skolemiljøet.", "", 0, None),
        ],
        closing: None,
    },
    Entry {
        kind: "state_inspection",
        title: "Arbeidsmiljø og forebygging av vold og trusler",
        auditor: "Arbeidstilsynet",
        unit: Target::FirstCare,
        held: (1, 19),
        report_after: 20,
        summary: "Arbeidstilsynet ga ett pålegg om risikovurdering av vold og trusler.",
        findings: &[(
            "breach",
            "Virksomheten har ikke kartlagt og risikovurdert faren for vold og trusler i hjemmebaserte tjenester.",
            "Risikovurdering gjennomføres med verneombud, og tiltak legges inn i virksomhetsplanen.",
            60,
            Some("Risikovurderingen er gjennomført og sendt Arbeidstilsynet 20. mars."),
        )],
        closing: Some("Arbeidstilsynet avsluttet tilsynet i brev av 2. april."),
    },
    Entry {
        kind: "performance_audit",
        title: "Sykefravær og arbeidsmiljø",
        auditor: "Kommunerevisjonen på oppdrag fra kontrollutvalget",
        unit: Target::Municipality,
        held: (3, 4),
        report_after: 70,
        summary: "Revisjonen fant at kommunen har gode rutiner for oppfølging av sykmeldte, men at tiltak på arbeidsplassene følges for lite opp.",
        findings: &[
            (
                "recommendation",
                "Kommunen bør sikre at lederne følger opp sykmeldte innen fristene i folketrygdloven.",
                "Varsling til ledere før hver frist i personalsystemet.",
                120,
                Some("Varslingen er innført fra 1. september."),
            ),
            (
                "recommendation",
                "Kommunen bør evaluere effekten av tilretteleggingstiltakene.",
                "Årlig evaluering i HMS-rapporten.",
                300,
                None,
            ),
            (
                "recommendation",
                "Kommunen bør gi verneombudene opplæring i arbeidsmiljøkartlegging.",
                "Kurs for alle verneombud høsten.",
                180,
                None,
            ),
        ],
        closing: None,
    },
    Entry {
        kind: "iso_internal",
        title: "Internrevisjon av kvalitetssystemet: avvikshåndtering og dokumentstyring",
        auditor: "Kvalitetsrådgiverne i kommunedirektørens stab",
        unit: Target::Municipality,
        held: (3, 17),
        report_after: 14,
        summary: "Revisjonen fant ett mindre avvik og ett forbedringspunkt.",
        findings: &[
            (
                "minor_nonconformity",
                "Flere rutiner i kvalitetssystemet var ikke revidert innen fastsatt dato.",
                "Rutineeierne varsles automatisk tre måneder før revisjonsdato.",
                75,
                Some("Varslingen er satt opp, og alle forfalte rutiner er revidert."),
            ),
            (
                "observation",
                "Lukkede avvik mangler ofte effektkontroll.",
                "",
                30,
                Some("Tatt inn i ledelsens gjennomgang, som vedtok krav om effektkontroll."),
            ),
        ],
        closing: Some("Alle avvik er lukket; rapporten er lagt fram for ledelsens gjennomgang."),
    },
    Entry {
        kind: "iso_external",
        title: "Oppfølgingsrevisjon ISO 9001:2015",
        auditor: "DNV",
        unit: Target::Municipality,
        held: (11, 6),
        report_after: 10,
        summary: "Sertifikatet opprettholdes. Revisjonen fant ett mindre avvik.",
        findings: &[(
            "minor_nonconformity",
            "Kompetansekrav for rollene i innkjøp er ikke dokumentert.",
            "Kompetansekravene dokumenteres i rollebeskrivelsene.",
            90,
            None,
        )],
        closing: None,
    },
];

/// Loads the demo year's audits and reviews.
pub async fn load(db: &Db, a: &Author, tree: &OrgTree) -> Result<()> {
    let mid = a.municipality_id;
    let today = rodtrad_domain::norwegian_time::oslo_date(chrono::Utc::now());
    let year = today.year();
    let root = tree.children(None).first().copied();
    let find = |words: &[&str]| {
        let mut units: Vec<&crate::org::OrgUnit> = tree
            .units()
            .iter()
            .filter(|u| u.kind() == OrgUnitKind::Unit && words.iter().any(|w| u.name.to_lowercase().contains(w)))
            .collect();
        units.sort_by_key(|u| (u.sort_order, u.id));
        units.first().map(|u| (u.id, u.leader_person_id))
    };
    let school = find(&["skole"]);
    let care = find(&["sykehjem", "omsorg", "hjemmetjeneste", "helsehus"]);
    for entry in &CATALOGUE {
        let (unit, leader) = match entry.unit {
            Target::Municipality => (root, root.and_then(|r| tree.get(r)).and_then(|u| u.leader_person_id)),
            Target::FirstSchool => school.map_or((None, None), |(u, l)| (Some(u), l)),
            Target::FirstCare => care.map_or((None, None), |(u, l)| (Some(u), l)),
        };
        let Some(unit) = unit else { continue };
        let Some(held) = NaiveDate::from_ymd_opt(year, entry.held.0, entry.held.1) else { continue };
        if held > today {
            continue;
        }
        let report = held + Duration::days(entry.report_after);
        let draft = AuditDraft {
            kind: entry.kind.into(),
            title: entry.title.into(),
            auditor: entry.auditor.into(),
            unit_id: unit.to_string(),
            held_on: held.to_string(),
            report_on: if report <= today { report.to_string() } else { String::new() },
            summary: entry.summary.into(),
        };
        let Ok(new) = draft.parse() else { continue };
        let id = db.audit_create(a, &new).await?;
        if report > today {
            continue;
        }
        let mut version = 1;
        let mut all_closed = true;
        for (kind, description, measure, days, closed) in entry.findings {
            let with_measure = !measure.is_empty();
            let f = FindingDraft {
                finding_kind: (*kind).into(),
                description: (*description).into(),
                measure: (*measure).into(),
                responsible_person_id: if with_measure {
                    leader.map(|p| p.to_string()).unwrap_or_default()
                } else {
                    String::new()
                },
                deadline: if with_measure { (report + Duration::days(*days)).to_string() } else { String::new() },
            };
            // The deadline was set when the report came, so it may have passed since.
            let Ok(new_finding) = f.parse(new.kind, true, report) else { continue };
            let audit = db.audit(mid, id).await?;
            version = db.audit_finding_add(a, &audit, version, &new_finding).await?;
            let finding = db.audit_findings(mid, Some(id)).await?.last().map(|f| f.id).unwrap_or_default();
            let done = report + Duration::days((*days).min(60));
            match closed {
                Some(note) if done <= today => {
                    let audit = db.audit(mid, id).await?;
                    version = db.audit_finding_close(a, &audit, version, finding, done, note).await?;
                }
                _ => all_closed = false,
            }
        }
        if let (Some(note), true) = (entry.closing, all_closed) {
            let audit = db.audit(mid, id).await?;
            db.audit_close(a, &audit, version, note).await?;
        }
    }
    for (y, held) in
        [(year - 1, NaiveDate::from_ymd_opt(year - 1, 4, 24)), (year, NaiveDate::from_ymd_opt(year, 4, 23))]
    {
        let Some(held) = held.filter(|h| *h <= today) else { continue };
        let review = ReviewDraft {
            held_on: held.to_string(),
            participants: "Kommunedirektøren og kommunedirektørens ledergruppe; kvalitetsrådgiver (sekretær); hovedverneombud".into(),
            inputs: "Resultatene fra internrevisjonene i mars og fjorårets eksternrevisjon.\nStatlige tilsyn og forvaltningsrevisjoner med åpne funn.\nAvvik og forbedringsforslag per tjenesteområde.\nInternkontrollen: uteblitte kontroller og kontroller med svikt.\nKommunens risikobilde og brukerundersøkelsene.".into(),
            decisions: "Alle lukkede avvik skal ha effektkontroll før de lukkes.\nKontrollaktiviteter med to uteblitte perioder følges opp i lederdialogen.\nForbedringsforslag som spres til flere enheter, presenteres på ledersamlingen i juni.".into(),
        };
        if let Ok(new) = review.parse(y) {
            db.review_save(a, y, None, &new).await?;
        }
    }
    Ok(())
}
