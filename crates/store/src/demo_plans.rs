//! The demo municipality's plans: a master plan on Asker's six prioritised SDGs plus employees and
//! economy, the five cross-cutting strategy plans, an action programme that distributes sub-goals to
//! service areas, and unit plans with measures. A few breaks are left in on purpose so the red thread
//! has something to show. The texts are written for the demo; facts follow the seeds.

use crate::org::OrgTree;
use crate::plans::{ElementInput, PlanInput};
use crate::{Author, Db, Result};
use chrono::NaiveDate;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanStatus, PlanType};
use rodtrad_domain::{Name, OrgUnitKind};

/// A sub-goal of the master plan with its whole red thread: SDG target it is adapted from, indicator,
/// strategy, the service area (or staff unit) the action programme gives it to, the assignment, and
/// the measures the area's units put in their unit plans, per kind of unit: a school, a nursing home
/// and a library serve the same goal with different work. `None` leaves a link out on purpose.
struct Sub {
    text: &'static str,
    target: &'static str,
    indicator: Option<&'static str>,
    strategy: Option<&'static str>,
    area: &'static str,
    assignment: Option<&'static str>,
    measures: &'static [(UnitType, &'static [&'static str])],
}

/// The kinds of unit in the demo organisation, each with its own service (and so its own measures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitType {
    /// *Skole* (primary and lower secondary).
    School,
    /// *Barnehage*.
    Kindergarten,
    /// *Voksenopplæring*.
    AdultEducation,
    /// *Helsestasjon og skolehelsetjeneste*.
    HealthStation,
    /// *Sykehjem*.
    NursingHome,
    /// *Hjemmetjenesten*.
    HomeCare,
    /// *Frisklivssentralen*: healthy-life courses for adults.
    HealthyLifeCentre,
    /// *Boligkontoret*: municipal housing and start-up loans.
    HousingOffice,
    /// *NAV*: social services.
    Nav,
    /// *Bibliotek*.
    Library,
    /// *Kulturskole*.
    CultureSchool,
    /// *Frivilligsentral*.
    VolunteerCentre,
    /// *Næringsutvikling*.
    BusinessDevelopment,
    /// *Byggesak*: building permits.
    BuildingPermits,
    /// *Digitalisering og innovasjon*.
    Digitalisation,
    /// *Dokumentsenteret*: records and mail.
    RecordsCentre,
    /// *Eiendomsforvaltning*: the municipality's buildings.
    PropertyManagement,
    /// *Energi og miljøbygg*.
    EnergyAndBuildings,
    /// *Renhold*: cleaning of municipal buildings.
    Cleaning,
    /// *Maskinpark og verksted*: vehicles and machines.
    MachinePark,
    /// *Vann og avløp*: water and sewerage.
    WaterAndSewerage,
    /// *Vei og park*: roads and parks.
    RoadsAndParks,
    /// *HR og organisasjonsutvikling* (staff unit).
    HumanResources,
    /// *Økonomi og virksomhetsstyring* (staff unit).
    Finance,
    /// Any other unit: it takes no measures in the demo.
    Other,
}

impl UnitType {
    /// The kind of a demo unit, told by its name.
    pub fn of(name: &str) -> UnitType {
        let n = name.to_lowercase();
        let has = |s: &str| n.contains(s);
        match () {
            _ if has("kulturskole") => UnitType::CultureSchool,
            _ if has("voksenopplæring") => UnitType::AdultEducation,
            _ if has("fagstab") || has("spesialpedagogisk") => UnitType::Other,
            _ if has("skole") && !has("skolesekken") && !has("skolehelse") => UnitType::School,
            _ if has("barnehage") => UnitType::Kindergarten,
            _ if has("helsestasjon") => UnitType::HealthStation,
            _ if has("sykehjem") => UnitType::NursingHome,
            _ if has("hjemmetjenesten") => UnitType::HomeCare,
            _ if has("frisklivs") => UnitType::HealthyLifeCentre,
            _ if has("boligkontoret") => UnitType::HousingOffice,
            _ if n.starts_with("nav ") => UnitType::Nav,
            _ if has("bibliotek") => UnitType::Library,
            _ if has("frivilligsentral") => UnitType::VolunteerCentre,
            _ if has("næringsutvikling") => UnitType::BusinessDevelopment,
            _ if has("byggesak") => UnitType::BuildingPermits,
            _ if has("digitalisering og innovasjon") => UnitType::Digitalisation,
            _ if has("dokumentsenter") => UnitType::RecordsCentre,
            _ if has("eiendomsforvaltning") => UnitType::PropertyManagement,
            _ if has("energi og miljøbygg") => UnitType::EnergyAndBuildings,
            _ if has("renhold") => UnitType::Cleaning,
            _ if has("maskinpark") => UnitType::MachinePark,
            _ if has("vann og avløp") => UnitType::WaterAndSewerage,
            _ if has("vei og park") => UnitType::RoadsAndParks,
            _ if n.starts_with("hr ") => UnitType::HumanResources,
            _ if n.starts_with("økonomi") => UnitType::Finance,
            _ => UnitType::Other,
        }
    }
}

/// Every measure the demo gives units of `unit_type`: the catalogue its unit plans draw from.
pub fn measures_of(unit_type: UnitType) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = MASTER
        .iter()
        .flat_map(|f| f.subs)
        .flat_map(|s| s.measures)
        .filter(|(t, _)| *t == unit_type)
        .flat_map(|(_, m)| m.iter().copied())
        .collect();
    if unit_type == UnitType::School {
        out.push(WITHDRAWN_MEASURE);
    }
    out
}

/// The measure a school keeps under an assignment later withdrawn from the action programme.
const WITHDRAWN_MEASURE: &str = "Rekruttere frivillige leksehjelpere";

/// A main goal of the master plan: the SDG target it builds on and its sub-goals.
struct Focus {
    sdg: &'static str,
    goal: &'static str,
    subs: &'static [Sub],
}

/// The emissions indicator, with what can be said of its target today (target values per year come
/// with indicator targets); the demo statistics feed it from SSB table 13931.
pub const EMISSIONS_INDICATOR: &str =
    "Utslipp av klimagasser i tonn CO2-ekvivalenter (utgangspunkt 2009, mål: 67 prosent lavere innen 2030)";

const MASTER: &[Focus] = &[
    Focus {
        sdg: "3.4",
        goal: "Innbyggerne i Asker har god helse og høy livskvalitet",
        subs: &[
            Sub {
                text: "Flere innbyggere er fysisk aktive i hverdagen",
                target: "3.4",
                indicator: Some("Andel voksne som er fysisk aktive minst 150 minutter i uka"),
                strategy: Some("Vi skal gjøre det enkelt å være aktiv der folk bor"),
                area: "HO",
                assignment: Some("Utvide frisklivstilbudet"),
                measures: &[
                    (UnitType::HealthyLifeCentre, &["Starte frisklivsgrupper i alle bydeler"]),
                    (UnitType::NursingHome, &["Tilby beboerne trening og hverdagsaktivitet hver dag"]),
                ],
            },
            // Demo break: no indicator.
            Sub {
                text: "Færre innbyggere opplever ensomhet",
                target: "3.4",
                indicator: None,
                strategy: Some("Vi vil skape møteplasser på tvers av generasjoner"),
                area: "KFI",
                assignment: Some("Utvikle møteplasser i bibliotekene"),
                measures: &[
                    (UnitType::Library, &["Holde åpent bibliotek med aktiviteter på kveldstid"]),
                    (UnitType::VolunteerCentre, &["Starte en besøkstjeneste for eldre som bor alene"]),
                ],
            },
            Sub {
                text: "Eldre bor trygt i eget hjem så lenge de ønsker",
                target: "3.8",
                indicator: Some("Andel innbyggere over 80 år som bor hjemme"),
                strategy: Some("Vi skal ta i bruk velferdsteknologi som gir trygghet"),
                area: "HO",
                assignment: Some("Ta i bruk velferdsteknologi i hjemmetjenesten"),
                measures: &[
                    (
                        UnitType::HomeCare,
                        &[
                            "Installere digitalt tilsyn hos brukere som ønsker det",
                            "Lære opp alle ansatte i bruk av velferdsteknologi",
                        ],
                    ),
                    (UnitType::NursingHome, &["Tilby korttidsopphold med opptrening før hjemreise"]),
                ],
            },
        ],
    },
    Focus {
        sdg: "4.1",
        goal: "Barn og unge i Asker mestrer livet og lærer godt",
        subs: &[
            Sub {
                text: "Alle barn og unge fullfører videregående opplæring",
                target: "4.1",
                indicator: Some("Andel elever som fullfører videregående opplæring"),
                strategy: Some("Vi skal gi hver elev tilpasset opplæring fra første dag"),
                area: "OPP",
                assignment: Some("Styrke lese- og regneopplæringen på barnetrinnet"),
                measures: &[(
                    UnitType::School,
                    &[
                        "Kartlegge leseferdigheter på 2. trinn og følge opp hver elev",
                        "Gi lærerne kurs i begynneropplæring i lesing",
                    ],
                )],
            },
            Sub {
                text: "Barn og familier får hjelp tidlig når de trenger det",
                target: "4.2",
                indicator: Some("Andel barn med vedtak om tiltak før skolestart"),
                strategy: Some("Vi vil se hele barnet og samarbeide tett med hjemmet"),
                area: "OPP",
                assignment: Some("Etablere tverrfaglige team rundt barnehagene"),
                measures: &[
                    (UnitType::Kindergarten, &["Ha faste møter med helsestasjonen hver måned"]),
                    (UnitType::HealthStation, &["Delta i de tverrfaglige teamene i barnehagene i området"]),
                ],
            },
            Sub {
                text: "Voksne har mulighet til livslang læring",
                target: "4.4",
                indicator: Some("Andel voksne som deltar i opplæring"),
                strategy: Some("Vi skal tilby opplæring som gjør det mulig å kombinere jobb og læring"),
                area: "OPP",
                assignment: Some("Utvide kveldstilbudet i voksenopplæringen"),
                measures: &[(UnitType::AdultEducation, &["Starte kveldsklasser i norsk og digitale ferdigheter"])],
            },
        ],
    },
    Focus {
        sdg: "9.5",
        goal: "Asker er et nyskapende samfunn med et mangfoldig næringsliv",
        subs: &[
            Sub {
                text: "Næringslivet i Asker skaper nye arbeidsplasser",
                target: "9.2",
                indicator: Some("Antall arbeidsplasser i kommunen"),
                strategy: Some("Vi skal være en tilgjengelig og forutsigbar samarbeidspartner for næringslivet"),
                area: "SAM",
                assignment: Some("Etablere næringsvennlig saksbehandling"),
                measures: &[
                    (UnitType::BusinessDevelopment, &["Gi svar på næringshenvendelser innen fem dager"]),
                    (UnitType::BuildingPermits, &["Tilby forhåndskonferanse for næringsbygg innen to uker"]),
                ],
            },
            Sub {
                text: "Innbyggerne møter digitale tjenester som er enkle å bruke",
                target: "9.c",
                indicator: Some("Andel tjenester som kan søkes digitalt"),
                strategy: Some("Vi skal utvikle tjenestene sammen med brukerne"),
                area: "ODI",
                assignment: Some("Digitalisere de ti mest brukte søknadene"),
                measures: &[
                    (UnitType::Digitalisation, &["Lage digitalt søknadsskjema for parkeringstillatelse"]),
                    (UnitType::RecordsCentre, &["Sende alle brev til innbyggere digitalt der det er mulig"]),
                ],
            },
        ],
    },
    Focus {
        sdg: "11.3",
        goal: "Asker har levende lokalsamfunn og gode bomiljø",
        subs: &[
            Sub {
                text: "Alle har et trygt og godt sted å bo",
                target: "11.1",
                indicator: Some("Antall bostedsløse"),
                strategy: Some("Vi vil bruke startlån og utleieboliger til å hjelpe flere inn på boligmarkedet"),
                area: "HO",
                assignment: Some("Følge opp boligsosial handlingsplan"),
                measures: &[
                    (UnitType::HousingOffice, &["Gi alle med startlån veiledning om privatøkonomi"]),
                    (UnitType::Nav, &["Tilby gjeldsrådgivning til alle som søker økonomisk sosialhjelp"]),
                ],
            },
            // Demo break: distributed to Samfunnsutvikling, but no assignment there yet.
            Sub {
                text: "Flere reiser kollektivt, sykler eller går",
                target: "11.2",
                indicator: Some("Andel reiser med kollektiv, sykkel og gange"),
                strategy: Some("Vi skal bygge tett rundt knutepunktene"),
                area: "SAM",
                assignment: None,
                measures: &[],
            },
            Sub {
                text: "Luften er ren og mengden restavfall går ned",
                target: "11.6",
                indicator: Some("Kilo restavfall per innbygger"),
                strategy: Some("Vi skal gjøre det enkelt å sortere og gjenbruke"),
                area: "ETD",
                assignment: Some("Innføre sortering av matavfall i alle kommunale bygg"),
                measures: &[
                    (UnitType::Cleaning, &["Sette ut sorteringsstasjoner for matavfall i alle skoler og barnehager"]),
                    (UnitType::PropertyManagement, &["Bygge om avfallsrommene i rådhusene for kildesortering"]),
                ],
            },
        ],
    },
    Focus {
        sdg: "13.2",
        goal: "Asker er et klimanøytralt samfunn",
        subs: &[
            Sub {
                text: "Klimagassutslippene er 67 prosent lavere enn i 2009",
                target: "13.2",
                indicator: Some(EMISSIONS_INDICATOR),
                strategy: Some("Vi skal gjøre det lett for innbyggere og næringsliv å velge klimavennlig"),
                area: "ETD",
                assignment: Some("Fase ut fossil energi i kommunale bygg"),
                measures: &[
                    (UnitType::EnergyAndBuildings, &["Bytte oljefyrte kjeler med varmepumper"]),
                    (UnitType::PropertyManagement, &["Installere solceller på egnede kommunale tak"]),
                    (UnitType::MachinePark, &["Bytte dieseldrevne arbeidsmaskiner med elektriske"]),
                ],
            },
            Sub {
                text: "Lokalsamfunnet er godt rustet mot klimaendringer",
                target: "13.1",
                indicator: Some("Antall hendelser med overvann som gir skade"),
                strategy: Some("Vi vil planlegge for mer nedbør og havnivåstigning"),
                area: "ETD",
                assignment: Some("Lage plan for overvannshåndtering"),
                measures: &[
                    (UnitType::WaterAndSewerage, &["Kartlegge flomveier i sentrumsområdene"]),
                    (UnitType::RoadsAndParks, &["Åpne lukkede bekker der overvann gjør skade"]),
                ],
            },
        ],
    },
    Focus {
        sdg: "17.17",
        goal: "Asker løser samfunnsoppgavene sammen med innbyggere, frivillighet og næringsliv",
        subs: &[Sub {
            text: "Flere innbyggere deltar i frivillig arbeid og medskaping",
            target: "17.17",
            indicator: Some("Antall deltakere i medskapingsprosjekter"),
            strategy: Some("Vi vil invitere innbyggerne inn tidlig i arbeidet med nye løsninger"),
            area: "KFI",
            assignment: Some("Styrke frivilligsentralene som møteplasser"),
            measures: &[(UnitType::VolunteerCentre, &["Holde åpne frivillighetskvelder hver måned"])],
        }],
    },
    Focus {
        sdg: "",
        goal: "Asker har kompetente og engasjerte medarbeidere",
        subs: &[
            Sub {
                text: "Sykefraværet er lavt og arbeidsmiljøet godt",
                target: "",
                indicator: Some("Sykefravær i prosent"),
                strategy: Some("Vi skal utvikle god ledelse og godt medarbeiderskap"),
                area: "HR",
                assignment: Some("Følge opp nærvær i alle virksomheter"),
                measures: &[(UnitType::HumanResources, &["Tilby lederopplæring i oppfølging av sykefravær"])],
            },
            Sub {
                text: "Flere medarbeidere har hele stillinger",
                target: "",
                indicator: Some("Andel ansatte i heltidsstilling"),
                strategy: Some("Vi skal ha en heltidskultur"),
                area: "HR",
                assignment: Some("Utvikle turnusordninger som gir flere hele stillinger"),
                measures: &[(UnitType::HumanResources, &["Prøve ut langvakter ved to sykehjem"])],
            },
        ],
    },
    Focus {
        sdg: "",
        goal: "Asker har en bærekraftig økonomi med handlingsrom",
        // Demo break: no strategy.
        subs: &[Sub {
            text: "Driftsresultatet er minst to prosent av inntektene",
            target: "",
            indicator: Some("Netto driftsresultat i prosent av driftsinntektene"),
            strategy: None,
            area: "OKV",
            assignment: Some("Gjennomføre effektiviseringsprogrammet"),
            measures: &[(UnitType::Finance, &["Gå gjennom alle rammeavtaler for besparelser"])],
        }],
    },
];

/// Cross-cutting strategy plans (seed 003) with the master-plan goal they build on and a strategy.
const THEMATIC: &[(&str, usize, &str, (i32, i32))] = &[
    ("Arbeidsgiverpolitisk plattform", 6, "Vi skal ha en heltidskultur og jobbe systematisk med nærvær", (2021, 2032)),
    ("Digitaliseringsstrategi", 2, "Vi skal gjøre digitale tjenester til førstevalget for innbyggerne", (2021, 2028)),
    ("Kommunikasjonsstrategi", 5, "Vi vil bruke digitale kanaler som hovedkanal og snakke klart", (2021, 2028)),
    ("Anskaffelsesstrategi", 4, "Vi skal stille klimakrav i alle anskaffelser der det er relevant", (2021, 2028)),
    ("Innovasjonsstrategi", 2, "Vi skal prøve ut nye løsninger i små skritt og dele det vi lærer", (2021, 2028)),
];

/// The measures of the action plan against corruption and the month of this year they are due.
const ANTI_CORRUPTION: &[(&str, u32)] = &[
    ("Alle ledere gjennomfører e-læringskurset i etikk og antikorrupsjon", 6),
    ("Korrupsjonsrisiko vurderes i innkjøp, byggesak og tildeling av tjenester", 4),
    ("Varslingsrutinen gjøres kjent for alle ansatte og evalueres", 9),
    ("Ledere og saksbehandlere registrerer styreverv og økonomiske interesser", 11),
    ("Stikkprøvekontroll av direkte anskaffelser under terskelverdi", 11),
];

fn input(kind: ElementKind, text: &str, sdg: &[(&str, bool)]) -> ElementInput {
    ElementInput {
        kind,
        text: text.to_owned(),
        owner_unit_id: None,
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: sdg.iter().filter(|(c, _)| !c.is_empty()).map(|(c, a)| ((*c).to_owned(), *a)).collect(),
    }
}

fn plan(plan_type: PlanType, title: &str, years: (i32, i32), owner: Option<i64>) -> Result<PlanInput> {
    Ok(PlanInput {
        plan_type,
        title: Name::parse(title)?,
        start_year: years.0,
        end_year: years.1,
        owner_unit_id: owner,
        published: true,
    })
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

async fn adopt(db: &Db, a: &Author, id: i64, decision: Option<(&str, NaiveDate)>) -> Result<()> {
    let plan = db.plan(a.municipality_id, id).await?;
    if let Some((case, day)) = decision {
        db.plan_decision_add(a, id, "Kommunestyret", case, day, None).await?;
    }
    if plan.plan_type().requires_hearing() {
        db.plan_transition(a, id, plan.version, PlanStatus::Hearing).await?;
    }
    let plan = db.plan(a.municipality_id, id).await?;
    db.plan_transition(a, id, plan.version, PlanStatus::Adopted).await
}

/// Loads the demo plans into the demo municipality. Unit plans are for the year the demo is loaded,
/// so the demo always looks current.
pub async fn load(db: &Db, a: &Author, tree: &OrgTree) -> Result<()> {
    use chrono::Datelike;
    let mid = a.municipality_id;
    let year = chrono::Utc::now().year();
    let root = tree.children(None).first().copied().unwrap_or_default();
    let area = |short: &str| {
        tree.units()
            .iter()
            .find(|u| {
                matches!(u.kind(), OrgUnitKind::ServiceArea | OrgUnitKind::Staff)
                    && u.short_name.as_deref() == Some(short)
            })
            .map(|u| u.id)
    };
    let staff = tree.units().iter().find(|u| u.kind() == OrgUnitKind::Staff).map(|u| u.id);

    db.sdg_set_priorities(a, 2020, 2032, &[3, 4, 9, 11, 13, 17]).await?;

    // Planning strategy and master plan.
    let strategy = db
        .plan_create(a, &plan(PlanType::PlanningStrategy, "Planstrategi 2024–2027", (2024, 2027), Some(root))?, &[])
        .await?;
    adopt(db, a, strategy, Some(("sak 112/24", date(2024, 10, 15)))).await?;
    let master = db
        .plan_create(
            a,
            &plan(PlanType::MasterPlanSocial, "Kommuneplanens samfunnsdel 2020–2032", (2020, 2032), Some(root))?,
            &[],
        )
        .await?;
    let vision = db
        .element_create(
            a,
            master,
            None,
            &input(ElementKind::Vision, "Sammen skaper vi et godt og bærekraftig liv i Asker", &[]),
        )
        .await?;
    let mut goals = Vec::new();
    let mut subs: Vec<(&Sub, i64)> = Vec::new();
    for focus in MASTER {
        let g = db
            .element_create(a, master, Some(vision), &input(ElementKind::MainGoal, focus.goal, &[(focus.sdg, false)]))
            .await?;
        for sub in focus.subs {
            let sg = db
                .element_create(a, master, Some(g), &input(ElementKind::SubGoal, sub.text, &[(sub.target, true)]))
                .await?;
            if let Some(s) = sub.strategy {
                db.element_create(a, master, Some(sg), &input(ElementKind::Strategy, s, &[])).await?;
            }
            if let Some(ind) = sub.indicator {
                // The indicator measures the target its sub-goal is adapted from.
                db.element_create(a, master, Some(sg), &input(ElementKind::Indicator, ind, &[(sub.target, false)]))
                    .await?;
            }
            subs.push((sub, sg));
        }
        goals.push(g);
    }
    adopt(db, a, master, Some(("sak 52/20", date(2020, 6, 16)))).await?;

    // Cross-cutting strategy plans inherit the goal they serve and add a strategy.
    // Three of the five have been assessed in the current planning strategy; two not yet (a warning).
    for (i, (title, goal_index, strategy_text, years)) in THEMATIC.iter().enumerate() {
        let sources = if i < 3 { vec![master, strategy] } else { vec![master] };
        let p = db.plan_create(a, &plan(PlanType::ThematicPlan, title, *years, staff)?, &sources).await?;
        let g = db.element_inherit(a, p, goals[*goal_index]).await?;
        db.element_create(a, p, Some(g), &input(ElementKind::Strategy, strategy_text, &[])).await?;
        adopt(db, a, p, Some(("sak 48/21", date(2021, 4, 20)))).await?;
    }

    // The action plan against corruption (seed 002: adopted by the council in 2015, sak 36/15), a
    // thematic plan whose measures are followed up as any other: the staff owns them, each with its
    // deadline and responsible person.
    if let Some(goal) = goals.get(7) {
        let title = "Handlingsplan mot korrupsjon";
        let p =
            db.plan_create(a, &plan(PlanType::ThematicPlan, title, (year - 1, year + 2), staff)?, &[master]).await?;
        let g = db.element_inherit(a, p, *goal).await?;
        let strategy =
            "Vi forebygger, avdekker og håndterer korrupsjon med åpenhet, etisk bevissthet og god internkontroll";
        let st = db.element_create(a, p, Some(g), &input(ElementKind::Strategy, strategy, &[])).await?;
        let responsible = staff.and_then(|u| tree.get(u)).and_then(|u| u.leader_person_id);
        for (text, month) in ANTI_CORRUPTION {
            let mut el = input(ElementKind::Measure, text, &[]);
            el.owner_unit_id = staff;
            el.responsible_person_id = responsible;
            el.status = ElementStatus::Active;
            el.deadline = Some(date(year, *month, if *month == 2 { 28 } else { 30 }));
            db.element_create(a, p, Some(st), &el).await?;
        }
        adopt(db, a, p, Some(("sak 36/15", date(2015, 4, 21)))).await?;
    }

    // The action programme distributes every sub-goal to a service area or staff unit, with an assignment.
    let programme = db
        .plan_create(
            a,
            &plan(
                PlanType::ActionProgramme,
                &format!("Handlingsprogram {year}–{}", year + 3),
                (year, year + 3),
                Some(root),
            )?,
            &[master],
        )
        .await?;
    for g in &goals {
        db.element_inherit(a, programme, *g).await?;
    }
    let mut assignments: Vec<(&Sub, i64)> = Vec::new();
    let mut withdrawn = None;
    for (sub, origin) in &subs {
        let copy = db.element_inherit(a, programme, *origin).await?;
        let version = db.element(mid, copy).await?.version;
        db.element_assign(a, copy, version, area(sub.area)).await?;
        if let Some(text) = sub.assignment {
            let mut el = input(ElementKind::Assignment, text, &[]);
            el.owner_unit_id = area(sub.area);
            el.status = ElementStatus::Active;
            el.deadline = Some(date(year + 3, 12, 31));
            el.responsible_person_id = area(sub.area).and_then(|u| tree.get(u)).and_then(|u| u.leader_person_id);
            assignments.push((sub, db.element_create(a, programme, Some(copy), &el).await?));
        }
        if withdrawn.is_none() && sub.area == "OPP" {
            // An assignment later withdrawn from the programme after a school took it (a demo break).
            let mut el = input(ElementKind::Assignment, "Innføre leksehjelp på alle skoler", &[]);
            el.owner_unit_id = area("OPP");
            withdrawn = Some(db.element_create(a, programme, Some(copy), &el).await?);
        }
    }

    // Unit plans: in the area the sub-goal is given to, the first units of each kind it names take
    // the area's assignment and add their kind's measures, so no measure lands in a unit whose
    // service it does not fit.
    let mut first_school = true;
    for (sub, assignment) in &assignments {
        let Some(area_id) = area(sub.area) else { continue };
        let children = tree.children(Some(area_id));
        // Staff units without sub-units keep their own unit plan.
        let candidates: Vec<i64> = if children.is_empty() { vec![area_id] } else { children.to_vec() };
        for (unit_type, measures) in sub.measures {
            let take = if *unit_type == UnitType::School { 4 } else { 2 };
            let units: Vec<i64> = candidates
                .iter()
                .copied()
                .filter(|u| tree.get(*u).is_some_and(|u| UnitType::of(&u.name) == *unit_type))
                .take(take)
                .collect();
            for unit_id in units {
                let Some(unit) = tree.get(unit_id) else { continue };
                let existing = db
                    .plans(mid)
                    .await?
                    .into_iter()
                    .find(|p| p.owner_unit_id == Some(unit_id) && p.plan_type() == PlanType::UnitPlan);
                let up = match existing {
                    Some(p) => p.id,
                    None => {
                        let title = format!("Virksomhetsplan {year} – {}", unit.name);
                        db.plan_create(a, &plan(PlanType::UnitPlan, &title, (year, year), Some(unit_id))?, &[programme])
                            .await?
                    }
                };
                let copy = db.element_inherit(a, up, *assignment).await?;
                for (i, m) in measures.iter().enumerate() {
                    let mut el = input(ElementKind::Measure, m, &[(sub.target, false)]);
                    el.owner_unit_id = Some(unit_id);
                    el.responsible_person_id = unit.leader_person_id;
                    el.deadline = Some(date(year, if i == 0 { 6 } else { 11 }, if i == 0 { 20 } else { 30 }));
                    el.status = ElementStatus::Active;
                    db.element_create(a, up, Some(copy), &el).await?;
                }
                if first_school
                    && *unit_type == UnitType::School
                    && let Some(w) = withdrawn
                {
                    first_school = false;
                    let copy = db.element_inherit(a, up, w).await?;
                    let mut el = input(ElementKind::Measure, WITHDRAWN_MEASURE, &[]);
                    el.owner_unit_id = Some(unit_id);
                    db.element_create(a, up, Some(copy), &el).await?;
                }
            }
        }
    }
    // The unit plans' delivery and approval are `demo_unitplans`'.
    if let Some(w) = withdrawn {
        let version = db.element(mid, w).await?.version;
        db.element_remove(a, w, version).await?;
    }
    // The action programme is adopted in December the year before it starts.
    let case = format!("sak 131/{:02}", (year - 1) % 100);
    adopt(db, a, programme, Some((case.as_str(), date(year - 1, 12, 17)))).await?;
    Ok(())
}
