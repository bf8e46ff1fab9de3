//! Demo unit plans (*virksomhetsplaner*) for the demo year: every unit and staff unit has one. The
//! plans the demo plans filled are delivered by the unit's leader and most of them approved by the
//! leader above; one is sent back with a comment; the other units have a draft (a few of them
//! delivered). Several plans carry the analysis of last year with believable figures, the deadline
//! is 15 January, and a few schools and kindergartens have last year's plan with unfinished
//! measures, so carrying them over does something.

use crate::demo_plans::{UnitType, measures_of};
use crate::org::OrgTree;
use crate::plans::{ElementInput, PlanInput};
use crate::{Author, Db, Result};
use chrono::NaiveDate;
use rodtrad_domain::Name;
use rodtrad_domain::org::OrgUnitKind;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanStatus, PlanType};
use rodtrad_domain::unit_plans::{Analysis, Decimal};

/// The comment of the plan sent back.
pub const SENT_BACK_COMMENT: &str = "Tiltakene under oppdraget om tidlig innsats mangler ansvarlig og frist. \
Beskriv også hvordan dere følger opp det høye sykefraværet i avdelingene.";

/// A decimal as mantissa and scale (`(78, 1)` is 7,8).
type Exact = (i64, u32);
/// One demo analysis: economy result in kroner, sick leave %, user survey 1–6, employee survey
/// 1–5, internal findings, external findings, and the texts.
type DemoAnalysis = (i64, Exact, Exact, Exact, i64, i64, [&'static str; 7]);

/// The analyses, in order.
const ANALYSES: [DemoAnalysis; 4] = [
    (
        -412_000,
        (78, 1),
        (49, 1),
        (43, 1),
        2,
        1,
        [
            "Merforbruk på 412 000 kroner, hovedsakelig vikarutgifter i andre halvår. Innkjøpsstopp fra oktober.",
            "Sykefraværet var 7,8 %, opp fra 6,9 % året før. Langtidsfraværet står for to tredjedeler.",
            "Elevundersøkelsen viser god trivsel, men svakere resultater på vurdering for læring på 7. trinn.",
            "Høy skår på mestring og relasjon til nærmeste leder; lavere på arbeidsbelastning.",
            "Internrevisjon av avvikssystemet: to avvik om manglende lukking av meldte avvik.",
            "Tilsyn fra Statsforvalteren om skolemiljø (opplæringslova kapittel 12): ett avvik, lukket i november.",
            "Størst risiko: vikarmangel ved langtidsfravær, og brudd på aktivitetsplikten ved sen oppfølging av \
meldte saker. Tiltakene om tidlig innsats og skolemiljø er prioritert for å redusere begge.",
        ],
    ),
    (
        185_500,
        (64, 1),
        (52, 1),
        (45, 1),
        0,
        0,
        [
            "Mindreforbruk på 185 500 kroner etter lavere energikostnader enn budsjettert.",
            "Sykefraværet gikk ned til 6,4 % etter tettere oppfølging av korttidsfravær.",
            "Foreldreundersøkelsen gir 5,2 av 6 i snitt; lavest skår på informasjon fra barnehagen.",
            "10-FAKTOR viser 4,5 i snitt; medarbeiderne etterlyser mer tid til faglig refleksjon.",
            "Ingen avvik i årets internrevisjon.",
            "Tilsyn fra kommunen som barnehagemyndighet uten avvik.",
            "Risiko for at språkarbeidet stopper opp når pedagogisk leder er borte; kompetansedeling i team reduserer den.",
        ],
    ),
    (
        -1_250_000,
        (112, 1),
        (46, 1),
        (39, 1),
        3,
        2,
        [
            "Merforbruk på 1,25 millioner kroner, særlig innleie av sykepleiere i sommerferien.",
            "Sykefraværet var 11,2 %, høyest i nattevaktene.",
            "Pårørendeundersøkelsen gir 4,6 av 6; lavest på kontinuitet i personalet.",
            "Arbeidsbelastning og turnus trekker ned; godt kollegialt fellesskap.",
            "Tre avvik i internrevisjonen av legemiddelhåndtering.",
            "Tilsyn fra Statsforvalteren om bruk av tvang: to avvik, plan for lukking er sendt.",
            "Høy risiko for feil i legemiddelhåndteringen ved stor bruk av vikarer; opplæring og dobbeltkontroll er \
tiltak i planen.",
        ],
    ),
    (
        0,
        (53, 1),
        (50, 1),
        (44, 1),
        1,
        0,
        [
            "Drift i balanse.",
            "Sykefraværet var 5,3 %, lavere enn målet på 6 %.",
            "Brukerundersøkelsen gir 5,0 av 6.",
            "10-FAKTOR viser 4,4 i snitt.",
            "Ett avvik om arkivering av saksdokumenter, lukket.",
            "Ingen eksterne tilsyn i året.",
            "Risiko for forsinkede svar til innbyggerne i ferieavvikling; bemanningsplan for sommeren er på plass.",
        ],
    ),
];

fn analysis(i: usize) -> Analysis {
    let (economy, sick, user, employee, internal, external, t) = ANALYSES[i % ANALYSES.len()];
    Analysis {
        economy_amount: Some(Decimal::from(economy)),
        economy_text: t[0].into(),
        sick_leave_percent: Some(Decimal::new(sick.0, sick.1)),
        sick_leave_text: t[1].into(),
        user_survey_score: Some(Decimal::new(user.0, user.1)),
        user_survey_text: t[2].into(),
        employee_survey_score: Some(Decimal::new(employee.0, employee.1)),
        employee_survey_text: t[3].into(),
        internal_audit_findings: Some(internal),
        internal_audit_text: t[4].into(),
        external_audit_findings: Some(external),
        external_audit_text: t[5].into(),
        risk_summary: t[6].into(),
    }
}

/// The author of a step: the leader of `unit` by name (the demo has no accounts for most leaders).
fn leader_of(tree: &OrgTree, mid: i64, unit: Option<i64>, fallback: &Author) -> Author {
    let name = unit.and_then(|u| tree.get(u)).and_then(|u| u.leader_name.clone());
    Author { municipality_id: mid, user_id: None, name: name.unwrap_or_else(|| fallback.name.clone()) }
}

async fn step(db: &Db, by: &Author, plan: i64, to: PlanStatus, comment: Option<&str>) -> Result<()> {
    let version = db.plan(by.municipality_id, plan).await?.version;
    db.plan_transition_noted(by, plan, version, to, comment).await
}

/// Loads the demo year's unit plans (after the demo plans and before the statuses).
pub async fn load(db: &Db, a: &Author, tree: &OrgTree) -> Result<()> {
    use chrono::Datelike;
    let mid = a.municipality_id;
    let today = chrono::Utc::now().date_naive();
    let year = today.year();
    let year64 = i64::from(year);
    if let Some(d) = NaiveDate::from_ymd_opt(year, 1, 15) {
        db.unit_plan_deadline_set(a, year64, d, 0).await?;
    }
    let plans = db.plans(mid).await?;
    let programme = plans.iter().find(|p| p.plan_type() == PlanType::ActionProgramme && p.start_year == year64);
    let filled: Vec<(i64, i64)> = plans
        .iter()
        .filter(|p| p.plan_type() == PlanType::UnitPlan && p.start_year == year64)
        .filter_map(|p| p.owner_unit_id.map(|u| (u, p.id)))
        .collect();
    // Last year's plans for a few units with measures of their own kind that this year's plan does
    // not have: one completed, one active whose deadline has passed, one draft without a deadline.
    let mut with_last_year = 0;
    for (unit_id, plan_id) in &filled {
        let Some(unit) = tree.get(*unit_id) else { continue };
        // Bondi skole keeps a single plan: other demo checks look it up by name.
        if with_last_year >= 4 || unit.name.contains("Bondi") {
            continue;
        }
        let elements = db.elements(mid, *plan_id).await?;
        let Some(assignment) = elements.iter().find_map(|e| e.source_element_id) else { continue };
        let have: Vec<&str> = elements.iter().map(|e| e.text.as_str()).collect();
        let spare: Vec<&str> =
            measures_of(UnitType::of(&unit.name)).into_iter().filter(|m| !have.contains(m)).take(3).collect();
        if spare.len() < 3 {
            continue;
        }
        with_last_year += 1;
        let input = PlanInput {
            plan_type: PlanType::UnitPlan,
            title: Name::parse(&format!("Virksomhetsplan {} – {}", year - 1, unit.name))?,
            start_year: year - 1,
            end_year: year - 1,
            owner_unit_id: Some(*unit_id),
            published: false,
        };
        let sources: Vec<i64> = programme.map(|p| vec![p.id]).unwrap_or_default();
        let last = db.plan_create(a, &input, &sources).await?;
        let copy = db.element_inherit(a, last, assignment).await?;
        for (i, text) in spare.iter().enumerate() {
            let (status, deadline) = match i {
                0 => (ElementStatus::Done, NaiveDate::from_ymd_opt(year - 1, 5, 31)),
                1 => (ElementStatus::Active, NaiveDate::from_ymd_opt(year - 1, 11, 30)),
                _ => (ElementStatus::Draft, None),
            };
            let el = ElementInput {
                kind: ElementKind::Measure,
                text: (*text).to_owned(),
                owner_unit_id: Some(*unit_id),
                responsible_person_id: unit.leader_person_id,
                deadline,
                status,
                sdg_targets: Vec::new(),
            };
            db.element_create(a, last, Some(copy), &el).await?;
        }
        let leader = leader_of(tree, mid, Some(*unit_id), a);
        let superior = leader_of(tree, mid, unit.parent_id, a);
        step(db, &leader, last, PlanStatus::Delivered, None).await?;
        step(db, &superior, last, PlanStatus::Adopted, None).await?;
    }
    // This year's filled plans: all delivered by their leader; every fifth waits for approval, one
    // was sent back, the rest are approved. The first four carry the analysis.
    for (i, (unit_id, plan_id)) in filled.iter().enumerate() {
        let unit = tree.get(*unit_id);
        let leader = leader_of(tree, mid, Some(*unit_id), a);
        let superior = leader_of(tree, mid, unit.and_then(|u| u.parent_id), a);
        if i < 6 {
            let stored = db.unit_plan_analysis(mid, *plan_id).await?;
            db.unit_plan_analysis_save(&leader, *plan_id, stored.version, &analysis(i)).await?;
        }
        step(db, &leader, *plan_id, PlanStatus::Delivered, None).await?;
        if i == 1 {
            step(db, &superior, *plan_id, PlanStatus::Draft, Some(SENT_BACK_COMMENT)).await?;
        } else if i % 5 != 4 {
            step(db, &superior, *plan_id, PlanStatus::Adopted, Some("Godkjent. Godt arbeid med tiltakene.")).await?;
        }
    }
    // Every other unit and staff unit has a draft that inherits the programme's goals given to its
    // service area; every seventh is delivered already.
    let planned: Vec<i64> = filled.iter().map(|(u, _)| *u).collect();
    let mut stack: Vec<i64> = tree.children(None).to_vec();
    let mut n = 0;
    while let Some(id) = stack.pop() {
        stack.extend(tree.children(Some(id)).iter().copied());
        let Some(unit) = tree.get(id) else { continue };
        if !unit.is_valid_on(today)
            || !matches!(unit.kind(), OrgUnitKind::Unit | OrgUnitKind::Staff)
            || planned.contains(&id)
        {
            continue;
        }
        let input = PlanInput {
            plan_type: PlanType::UnitPlan,
            title: Name::parse(&format!("Virksomhetsplan {year} – {}", unit.name))?,
            start_year: year,
            end_year: year,
            owner_unit_id: Some(id),
            published: false,
        };
        let sources: Vec<i64> = programme.map(|p| vec![p.id]).unwrap_or_default();
        let plan = db.plan_create(a, &input, &sources).await?;
        n += 1;
        if n % 7 == 0 {
            step(db, &leader_of(tree, mid, Some(id), a), plan, PlanStatus::Delivered, None).await?;
        }
    }
    Ok(())
}
