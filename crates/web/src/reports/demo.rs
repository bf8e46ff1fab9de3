//! The demo municipality's council reports (issue #15 §5): last year's annual report adopted by
//! the council with the chief executive's introduction, every service area's commentary compiled
//! and the master plan's goals assessed; this year's 1st four-monthly report compiled and adopted
//! (once April is over); and the 2nd four-monthly report in draft, with commentaries at each step
//! of their workflow. The adoptions go through the same use case as the page's form, so the frozen
//! PDFs are made as a user's would be.

use crate::i18n::I18n;
use chrono::{Datelike, NaiveDate};
use rodtrad_domain::reports::{Adoption, CommentaryAction, NewReport, ReportKind, Verdict};
use rodtrad_domain::{Actor, Role};
use rodtrad_service::ServiceError;
use rodtrad_service::reports as service;
use rodtrad_store::org::OrgTree;
use rodtrad_store::{Author, Db};
use std::sync::Arc;

const ANNUAL_INTRO: &str = "Kommunen leverte i fjor gode tjenester innenfor en stram økonomisk ramme. \
Hovedmålene i kommuneplanens samfunnsdel er fulgt opp gjennom handlingsprogrammet og virksomhetsplanene, og \
rapporten viser hvordan målene er nådd.\n\n**Økonomi:** Netto driftsresultat ble svakere enn budsjettert, \
særlig på grunn av økte utgifter til helse og omsorg.\n\n**Videre arbeid:** Vi prioriterer tidlig innsats, \
klimakutt og et bærekraftig tjenestetilbud.";

const T1_INTRO: &str = "Første tertial viser at de fleste tiltakene går som planlagt. Flere tjenesteområder \
melder om press på budsjettet, og kommunedirektøren følger opp avvikene i lederdialogen.";

const T2_INTRO: &str = "Utkast: Andre tertial – prognosen for året og status for tiltakene per august.";

const AREA_TEXTS: [&str; 4] = [
    "Tjenesteområdet har i perioden prioritert tidlig innsats og tett oppfølging. Sykefraværet er redusert, \
og tiltakene i virksomhetsplanene er i rute.",
    "Økt etterspørsel gir press på budsjettet. Vi har iverksatt tiltak for å redusere bruken av vikarer og \
følger utviklingen månedlig.",
    "Arbeidet med klimabudsjettet og energitiltak i kommunale bygg går som planlagt. Ett prosjekt er forsinket \
på grunn av leveranseproblemer.",
    "Digitaliseringstiltakene er i gang, og innbyggerne tar i bruk flere selvbetjeningsløsninger.",
];

const GOAL_TEXTS: [(Verdict, &str); 3] = [
    (
        Verdict::PartlyAchieved,
        "Indikatorene viser framgang, men ikke i det tempoet som trengs for å nå målet i planperioden.",
    ),
    (
        Verdict::Achieved,
        "Målet er nådd for året: tiltakene er gjennomført og indikatorene ligger på eller over målverdien.",
    ),
    (Verdict::NotAchieved, "Utviklingen går feil vei. Kommunedirektøren foreslår nye tiltak i handlingsprogrammet."),
];

/// Loads the demo reports of municipality `mid` unless it has reports already.
pub async fn load(db: &Db, i18n: Arc<I18n>, mid: i64) -> Result<(), ServiceError> {
    if !db.reports(mid).await?.is_empty() {
        return Ok(());
    }
    let today = chrono::Utc::now().date_naive();
    // The demo economy's year: this year, or last year in January (see store::demo_economy).
    let year = if today.month() == 1 { today.year() - 1 } else { today.year() };
    let tree = db.org_tree(mid).await?;
    let actor = Actor { municipality_id: mid, roles: [Role::Management].into_iter().collect(), ..Actor::default() };
    let author = Author { municipality_id: mid, user_id: None, name: "Kommunedirektørens stab".into() };
    let who = (&actor, &author);
    let official = super::official_tr(i18n);
    let tr = super::words(&official);
    let june = |y: i32| NaiveDate::from_ymd_opt(y, 6, 18).unwrap_or(today).min(today);

    // Last year's annual report, adopted.
    let annual = create(db, who, ReportKind::Annual, year - 1).await?;
    write(db, who, &tree, annual, ANNUAL_INTRO, &[CommentaryAction::Submit, CommentaryAction::Compile]).await?;
    let report = db.report(mid, annual).await?;
    let content = service::compose(db, &tree, &report, today).await?;
    let goals: Vec<i64> = content
        .sections
        .iter()
        .flat_map(|s| match s {
            rodtrad_domain::reports::SectionContent::Goals { goals, .. } => goals.iter().map(|g| g.id).collect(),
            _ => Vec::new(),
        })
        .collect();
    for (goal, (verdict, text)) in goals.iter().zip(GOAL_TEXTS) {
        service::save_assessment(db, who, &report, *goal, 0, verdict, text).await?;
    }
    adopt(
        db,
        who,
        &tree,
        annual,
        Adoption {
            body: "Kommunestyret".into(),
            case_number: format!("PS 41/{:02}", year % 100),
            decided_on: june(year),
        },
        today,
        &tr,
    )
    .await?;

    // This year's 1st four-monthly report: compiled, and adopted once the period is over.
    let t1 = create(db, who, ReportKind::Tertial1, year).await?;
    write(db, who, &tree, t1, T1_INTRO, &[CommentaryAction::Submit, CommentaryAction::Compile]).await?;
    if today > NaiveDate::from_ymd_opt(year, 5, 15).unwrap_or(today) {
        adopt(
            db,
            who,
            &tree,
            t1,
            Adoption {
                body: "Kommunestyret".into(),
                case_number: format!("PS 42/{:02}", year % 100),
                decided_on: june(year),
            },
            today,
            &tr,
        )
        .await?;
    }

    // The 2nd four-monthly report in draft: one commentary compiled, one submitted, one a draft.
    let t2 = create(db, who, ReportKind::Tertial2, year).await?;
    let report = db.report(mid, t2).await?;
    service::save_introduction(db, who, &report, report.version, T2_INTRO).await?;
    let areas = service::commentary_areas(&tree, &report);
    let steps: [&[CommentaryAction]; 3] = [
        &[CommentaryAction::Submit, CommentaryAction::Compile],
        &[CommentaryAction::Submit],
        &[CommentaryAction::Save],
    ];
    for ((area, text), actions) in areas.iter().zip(AREA_TEXTS).zip(steps) {
        commentary(db, who, &tree, &report, *area, text, actions).await?;
    }

    // This year's report on internal control, in draft with the chief executive's introduction.
    let control = create(db, who, ReportKind::InternalControl, year).await?;
    let report = db.report(mid, control).await?;
    service::save_introduction(db, who, &report, report.version, CONTROL_INTRO).await?;
    Ok(())
}

const CONTROL_INTRO: &str = "Kommunedirektøren skal minst én gang i året rapportere til kommunestyret om \
internkontrollen og resultatene fra statlige tilsyn (kommuneloven § 25-2). Rapporten bygger på virksomhetenes \
rapportering til kommunedirektøren, registrerte kontrollaktiviteter, risikoanalysene og årets tilsyn og revisjoner.\n\n\
Internkontrollen fungerer i hovedsak godt. Der kontroller har uteblitt eller avdekket svikt, er det satt inn tiltak, \
og de følges opp i lederdialogen.";

async fn create(db: &Db, who: (&Actor, &Author), kind: ReportKind, year: i32) -> Result<i64, ServiceError> {
    service::create(db, who, &NewReport { kind, year, month: None, unit_id: None }).await
}

/// The introduction and every service area's commentary taken through `actions`.
async fn write(
    db: &Db,
    who: (&Actor, &Author),
    tree: &OrgTree,
    id: i64,
    intro: &str,
    actions: &[CommentaryAction],
) -> Result<(), ServiceError> {
    let report = db.report(who.1.municipality_id, id).await?;
    service::save_introduction(db, who, &report, report.version, intro).await?;
    for (i, area) in service::commentary_areas(tree, &report).into_iter().enumerate() {
        commentary(db, who, tree, &report, area, AREA_TEXTS[i % AREA_TEXTS.len()], actions).await?;
    }
    Ok(())
}

async fn commentary(
    db: &Db,
    who: (&Actor, &Author),
    tree: &OrgTree,
    report: &rodtrad_store::reports::Report,
    area: i64,
    text: &str,
    actions: &[CommentaryAction],
) -> Result<(), ServiceError> {
    let mut version = 0;
    for action in actions {
        version = service::save_commentary(db, who, tree, report, area, version, *action, text).await?;
    }
    Ok(())
}

async fn adopt(
    db: &Db,
    who: (&Actor, &Author),
    tree: &OrgTree,
    id: i64,
    adoption: Adoption,
    today: NaiveDate,
    tr: &(dyn Fn(&str) -> String + Sync),
) -> Result<(), ServiceError> {
    let report = db.report(who.1.municipality_id, id).await?;
    service::adopt(db, who, tree, &report, report.content_version, &adoption, today, tr).await
}
