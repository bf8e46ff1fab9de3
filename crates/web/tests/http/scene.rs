//! The scene the route-wide security tests share: one signed-in client per subject (anonymous and
//! every role), objects in scope and out of scope for each of them, and the filling of every path
//! parameter and form field from those objects. A new route needs no code here unless it brings a
//! new path parameter (one line in [`Scene::fill`]) or a required form field no other form has
//! (one line in [`Scene::body`]; without it the form is refused before authorisation is asked).

use crate::harness::{Client, PASSWORD, Res, TestApp};
use axum::http::Method;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanStatus, PlanType};
use rodtrad_domain::{Email, Name, Role};
use rodtrad_store::org::OrgUnitChange;
use rodtrad_store::password::{self, HashCost};
use rodtrad_store::people::PersonInput;
use rodtrad_store::plans::{ElementInput, PlanInput};
use rodtrad_store::users::NewUser;
use rodtrad_store::{Author, on_db};
use rodtrad_web::RouteInfo;

const POPULATION: &str = include_str!("../../../store/demo/statistics/07459-befolkning.json");

/// Who calls a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Anonymous,
    SystemAdmin,
    ChiefExecutive,
    Management,
    Director,
    UnitLeader,
    DepartmentHead,
    Employee,
    Politician,
    Auditor,
    Hr,
}

impl Subject {
    /// Every subject, anonymous first.
    pub const ALL: [Subject; 11] = [
        Self::Anonymous,
        Self::SystemAdmin,
        Self::ChiefExecutive,
        Self::Management,
        Self::Director,
        Self::UnitLeader,
        Self::DepartmentHead,
        Self::Employee,
        Self::Politician,
        Self::Auditor,
        Self::Hr,
    ];

    /// The fixture account (`login@a.test`), or `None` for anonymous.
    pub fn login(self) -> Option<&'static str> {
        Some(match self {
            Self::Anonymous => return None,
            Self::SystemAdmin => "admin",
            Self::ChiefExecutive => "kommunedirektor",
            Self::Management => "styring",
            Self::Director => "direktor",
            Self::UnitLeader => "lederx",
            Self::DepartmentHead => "avdleder",
            Self::Employee => "ansattx",
            Self::Politician => "politiker",
            Self::Auditor => "revisor",
            Self::Hr => "hr",
        })
    }
}

/// Where the objects a request names come from, seen from the subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The subject's own municipality and unit (school X, or its department for the department head).
    Own,
    /// Another unit of the same municipality (school Y).
    OtherUnit,
    /// Another municipality.
    OtherMunicipality,
    /// A plan of the subject's municipality under revision, with its adopted elements (the
    /// municipality-wide editors work on it; everyone else reads its adopted version).
    Revised,
    /// The same plan with an element added during the revision, not adopted yet.
    RevisedDraft,
}

impl Scope {
    /// Where every route's objects come from.
    pub const ALL: [Scope; 3] = [Self::Own, Self::OtherUnit, Self::OtherMunicipality];
    /// The cases a route on one plan or element is also called in: besides the unit plans of
    /// [`Scope::ALL`], which are drafts, the revised plan.
    pub const PLAN_CASES: [Scope; 5] =
        [Self::Own, Self::OtherUnit, Self::OtherMunicipality, Self::Revised, Self::RevisedDraft];
}

/// Objects belonging to one unit.
#[derive(Clone, Debug, Default)]
pub struct UnitObjects {
    pub unit: i64,
    pub person: i64,
    /// The unit's leader (or a person without an account): delegations name them, so that a
    /// delegation created by the test never widens a subject's rights.
    pub leader: i64,
    pub user: i64,
    pub plan: i64,
    pub element: i64,
    /// An indicator under the main goal.
    pub indicator: i64,
    pub section: i64,
    /// A measure owned by the unit (under a sub-goal of the main goal), with no responsible person.
    pub measure: i64,
    /// The open management dialogue a deviation reported on the measure opened.
    pub dialogue: i64,
    /// The leadership agreement of the unit's leader with the leader above (2026, a draft).
    pub agreement: i64,
    /// The unit's assignment letter of this year, issued once (version 1).
    pub letter: i64,
    /// The unit's risk analysis of 2026 and one risk in it.
    pub risk_analysis: i64,
    pub risk: i64,
    /// A service deviation of the unit being handled, with one open measure, and a restricted
    /// (health) deviation just registered; both reported by an account that is no subject.
    pub deviation: i64,
    pub deviation_measure: i64,
    pub deviation_restricted: i64,
    /// A control activity of the unit owned by its leader, linked to the unit's risk, with one
    /// execution (last year's fourth quarter) and its evidence file.
    pub control_activity: i64,
    pub control_execution: i64,
    pub control_evidence: i64,
    /// A state inspection of the unit with one open remark.
    pub audit: i64,
    pub audit_finding: i64,
}

/// Objects belonging to one municipality as a whole.
#[derive(Clone, Debug, Default)]
pub struct MunicipalityObjects {
    pub id: i64,
    pub number: &'static str,
    pub import: i64,
    pub table: i64,
    pub series: i64,
    /// A published, adopted plan shown on the public pages.
    pub public_plan: i64,
    /// The account that uploads statistics for requests whose own account cannot.
    pub uploader: i64,
    /// The year of the municipality's U4SSC assessment (A and B assess different years, so A's
    /// subjects asking for B's year find nothing).
    pub u4ssc_year: i64,
    /// A reporting period (January of the municipality's first reporting year).
    pub period: i64,
    /// A finished job that issued the municipality's assignment letters.
    pub letter_job: i64,
    /// The first year of the municipality's action programme (A and B start different years), an
    /// investment project and a fiscal rule of it.
    pub programme_year: i64,
    pub programme_investment: i64,
    pub programme_rule: i64,
    /// A population projection and a scenario of the long-term analysis on it.
    pub lida_projection: i64,
    pub lida_scenario: i64,
    /// A one-year wheel of the annual cycle (A and B different years) and one of its activities.
    pub cycle_wheel: i64,
    pub cycle_activity: i64,
    /// A draft annual report, the main goal of the master plan it assesses, an adopted
    /// four-monthly report (on the public pages) and the service area that writes commentaries.
    pub report_draft: i64,
    pub report_goal: i64,
    pub report_adopted: i64,
    pub report_area: i64,
}

pub struct Scene {
    pub subjects: Vec<(Subject, Client)>,
    x: UnitObjects,
    dept: UnitObjects,
    y: UnitObjects,
    b_unit: UnitObjects,
    revised: UnitObjects,
    revised_draft: UnitObjects,
    a: MunicipalityObjects,
    b: MunicipalityObjects,
    /// The API token of each subject's account (for the revoke route), and one of B's admin.
    tokens: Vec<(Subject, i64)>,
    b_token: i64,
    users: Vec<(Subject, i64)>,
    /// A fresh client address per request that tries a password, so the login throttle never trips.
    next_ip: u32,
}

fn author(municipality_id: i64) -> Author {
    Author { municipality_id, user_id: None, name: "Testoppsett".into() }
}

/// A one-year wheel of the annual cycle for `year` with one activity.
async fn wheel(t: &TestApp, mid: i64, year: i32) -> (i64, i64) {
    use rodtrad_domain::annual_cycle::{Activity, ActivityKind};
    use rodtrad_store::annual_cycle::ActivityInput;
    let a = author(mid);
    let day = chrono::NaiveDate::from_ymd_opt(year, 3, 1).unwrap();
    let activity = Activity {
        title: "Matrise".into(),
        kind: ActivityKind::Administrative,
        starts_on: day,
        ends_on: day,
        responsible: String::new(),
        deadline: None,
    };
    let id =
        t.db.cycle_wheel_create(
            &a,
            rodtrad_domain::annual_cycle::Cycle::Year,
            year,
            &[ActivityInput { activity, unit_id: None }],
        )
        .await
        .unwrap();
    (id, t.db.cycle_activities(id).await.unwrap()[0].id)
}

/// An action programme starting in `year` with one investment project and one fiscal rule.
async fn programme(t: &TestApp, mid: i64, year: i32) -> (i64, i64, i64) {
    use rodtrad_store::programme::{Change, Investment};
    let a = author(mid);
    t.db.programme_create(&a, year, "Handlingsprogram").await.unwrap();
    let amounts = vec![(year, rodtrad_domain::economy::Decimal::from(1_000_000))];
    let investment = Investment { id: 0, name: "Skolebygg".into(), category: "Bygg".into(), unit_id: None, amounts };
    t.db.programme_save(&a, year, 1, &Change::AddInvestment(investment)).await.unwrap();
    let rule = rodtrad_domain::programme::FiscalRule::parse(
        "Netto driftsresultat",
        "net_operating_result",
        "at_least",
        "1,75",
    )
    .unwrap();
    t.db.programme_save(&a, year, 2, &Change::AddRule(rule)).await.unwrap();
    let p = t.db.programme(mid, year).await.unwrap().unwrap();
    (i64::from(year), p.investments[0].id, p.rules[0].id)
}

/// Starts a U4SSC assessment for `year`.
async fn u4ssc_year(t: &TestApp, mid: i64, year: i64) -> i64 {
    t.db.u4ssc_start_year(&author(mid), year, false).await.expect("start U4SSC year");
    year
}

/// A unit plan owned by `unit` with a goal, a measure and a section.
async fn unit_objects(t: &TestApp, mid: i64, unit: (i64, i64, i64), user: i64, title: &str) -> UnitObjects {
    let (unit, person, leader) = unit;
    let a = author(mid);
    let input = PlanInput {
        plan_type: PlanType::UnitPlan,
        title: Name::parse(title).unwrap(),
        start_year: 2024,
        end_year: 2027,
        owner_unit_id: Some(unit),
        published: true,
    };
    let plan = t.db.plan_create(&a, &input, &[]).await.unwrap();
    let element = ElementInput {
        kind: ElementKind::MainGoal,
        text: format!("{title}: hovedmål"),
        owner_unit_id: Some(unit),
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let indicator =
        ElementInput { kind: ElementKind::Indicator, text: format!("{title}: indikator"), ..element.clone() };
    let element = t.db.element_create(&a, plan, None, &element).await.unwrap();
    let indicator = t.db.element_create(&a, plan, Some(element), &indicator).await.unwrap();
    let section = t.db.section_create(&a, plan, &Name::parse("Innledning").unwrap(), "Tekst").await.unwrap();
    let sub_goal = ElementInput {
        kind: ElementKind::SubGoal,
        text: format!("{title}: delmål"),
        owner_unit_id: Some(unit),
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let sub_goal_id = t.db.element_create(&a, plan, Some(element), &sub_goal).await.unwrap();
    let measure = ElementInput { kind: ElementKind::Measure, text: format!("{title}: tiltak"), ..sub_goal.clone() };
    let measure = t.db.element_create(&a, plan, Some(sub_goal_id), &measure).await.unwrap();
    let dialogue = followup_dialogue(t, mid, unit, measure).await;
    let letter = letter(t, mid, unit, title).await;
    let (risk_analysis, risk) = risk_objects(t, mid, unit).await;
    UnitObjects {
        unit,
        person,
        leader,
        user,
        plan,
        element,
        indicator,
        section,
        measure,
        dialogue,
        agreement: 0,
        letter,
        risk_analysis,
        risk,
        ..UnitObjects::default()
    }
}

/// The unit's deviations (see [`UnitObjects::deviation`]), reported by `reporter`.
async fn with_deviations(t: &TestApp, mid: i64, u: UnitObjects, reporter: i64) -> UnitObjects {
    use rodtrad_domain::deviations::{DeviationDraft, MeasureDraft, Severity, Status, Triage};
    let a = Author { municipality_id: mid, user_id: Some(reporter), name: "Melder".into() };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let draft = |category: &str, title: &str| DeviationDraft {
        kind: "incident".into(),
        category: category.into(),
        unit_id: u.unit.to_string(),
        title: title.into(),
        description: "Matrise: hendelse".into(),
        occurred_on: "2026-05-31".into(),
        ..DeviationDraft::default()
    };
    let new = draft("services", "Matrise: tjenesteavvik").parse(today).unwrap();
    let deviation = t.db.deviation_create(&a, reporter, &new).await.unwrap();
    let d = t.db.deviation(mid, deviation).await.unwrap();
    t.db.deviation_triage(&author(mid), &d, 1, &Triage::Accept(Severity::Medium)).await.unwrap();
    let d = t.db.deviation(mid, deviation).await.unwrap();
    let m = MeasureDraft {
        text: "Matrise: tiltak".into(),
        measure_kind: "corrective".into(),
        responsible_person_id: u.person.to_string(),
        deadline: "2099-01-01".into(),
    }
    .parse(Status::InProgress, today)
    .unwrap();
    t.db.deviation_measure_add(&author(mid), &d, d.version, &m).await.unwrap();
    let deviation_measure = t.db.deviation_measures(deviation).await.unwrap()[0].id;
    let new = draft("health", "Matrise: skjermet helseavvik").parse(today).unwrap();
    let deviation_restricted = t.db.deviation_create(&a, reporter, &new).await.unwrap();
    UnitObjects { deviation, deviation_measure, deviation_restricted, ..u }
}

/// The unit's risk analysis of 2026 with one risk (version 1).
async fn risk_objects(t: &TestApp, mid: i64, unit: i64) -> (i64, i64) {
    use rodtrad_domain::risk::{Matrix, RiskItemDraft};
    let a = author(mid);
    let analysis = t.db.risk_analysis_create(&a, unit, 2026, "").await.unwrap();
    let level = |v: &str| v.to_owned();
    let draft = RiskItemDraft {
        description: "Matriserisiko".into(),
        category: "hms".into(),
        inherent_likelihood: level("3"),
        inherent_consequence: level("3"),
        current_likelihood: level("2"),
        current_consequence: level("3"),
        residual_likelihood: level("1"),
        residual_consequence: level("3"),
        treatment: "reduce".into(),
        ..RiskItemDraft::default()
    };
    let item = draft.parse(&Matrix::default()).unwrap();
    let (risk, _) = t.db.risk_item_save(&a, analysis, None, 0, Some((&item, &[][..]))).await.unwrap();
    (analysis, risk)
}

/// This year's assignment letter to `unit`, issued once; returns its id.
async fn letter(t: &TestApp, mid: i64, unit: i64, title: &str) -> i64 {
    use rodtrad_domain::letters::{LetterContent, LetterGoal};
    let year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
    let content = LetterContent {
        municipality: "Testkommune".into(),
        unit: title.into(),
        year: year as i32,
        programme: "Handlingsprogram".into(),
        frame: None,
        goals: vec![LetterGoal { id: 1, text: format!("{title}: mål"), sdg: vec![4] }],
        assignments: vec![],
        guidance: String::new(),
    };
    t.db.letters_issue(&author(mid), year, "Føringer", vec![(unit, content)]).await.unwrap();
    t.db.letter_of_unit(mid, unit, year).await.unwrap().unwrap().id
}

/// A finished job that issued the municipality's letters (its progress page shows the summary).
async fn letter_job(t: &TestApp, mid: i64) -> i64 {
    let payload = r#"{"year": 2026, "user_id": null, "by": "Testoppsett"}"#;
    let id = t.db.job_enqueue(mid, "letters_issue", payload, 3).await.unwrap();
    let result = r#"{"year": 2026, "total": 2, "done": 2, "first": ["Xplan"], "reissued": [], "unchanged": ["Yplan"]}"#;
    on_db!(&t.db, pool => {
        sqlx::query("UPDATE jobs SET state = 'done', result = $1 WHERE id = $2").bind(result).bind(id).execute(pool).await.unwrap();
    });
    id
}

/// The reporting periods of 2026 for the municipality; returns January's id.
async fn followup_period(t: &TestApp, mid: i64) -> i64 {
    if t.db.followup_periods(mid).await.unwrap().is_empty() {
        t.db.followup_periods_create(&author(mid), 2026).await.unwrap();
    }
    let periods = t.db.followup_periods(mid).await.unwrap();
    periods.iter().find(|p| p.kind == "month" && p.number == 1).unwrap().id
}

/// The unit's control activity (see [`UnitObjects::control_activity`]).
async fn with_control(t: &TestApp, mid: i64, u: UnitObjects) -> UnitObjects {
    use chrono::Datelike;
    use rodtrad_domain::internal_control::{ActivityDraft, ExecutionDraft, check_evidence};
    let a = author(mid);
    let last_year = chrono::Utc::now().year() - 1;
    let draft = ActivityDraft {
        unit_id: u.unit.to_string(),
        title: "Matrisekontroll".into(),
        description: "Stikkprøve av vedtak.".into(),
        method: "sample".into(),
        frequency: "quarterly".into(),
        owner_person_id: u.leader.to_string(),
        legal_basis: "Forvaltningsloven § 25".into(),
        risk_item_ids: if u.risk > 0 { vec![u.risk.to_string()] } else { Vec::new() },
        starts_on: format!("{last_year}-01-01"),
    };
    let today = chrono::Utc::now().date_naive();
    let new = draft.parse(today).unwrap();
    let control_activity = t.db.control_activity_create(&a, &new).await.unwrap();
    let activity = t.db.control_activity(mid, control_activity).await.unwrap();
    let e = ExecutionDraft { period: format!("{last_year}-4"), outcome: "ok".into(), ..ExecutionDraft::default() };
    let e = e.parse(new.frequency, new.starts_on, today).unwrap();
    let file = b"%PDF-1.4 matrise";
    let evidence = check_evidence("kontroll.pdf", file).unwrap();
    let control_execution = t.db.control_execution_add(&a, &activity, &e, Some((&evidence, &file[..]))).await.unwrap();
    let control_evidence = t.db.control_evidence_files(mid, control_activity).await.unwrap()[0].id;
    UnitObjects { control_activity, control_execution, control_evidence, ..u }
}

/// The unit's inspection (see [`UnitObjects::audit`]).
async fn with_audit(t: &TestApp, mid: i64, u: UnitObjects) -> UnitObjects {
    use rodtrad_domain::audits::{AuditDraft, FindingDraft};
    let a = author(mid);
    let draft = AuditDraft {
        kind: "state_inspection".into(),
        title: "Matrisetilsyn".into(),
        auditor: "Statsforvalteren".into(),
        unit_id: u.unit.to_string(),
        held_on: "2026-02-01".into(),
        ..AuditDraft::default()
    };
    let audit = t.db.audit_create(&a, &draft.parse().unwrap()).await.unwrap();
    let today = chrono::Utc::now().date_naive();
    let f = FindingDraft { finding_kind: "remark".into(), description: "Merknad.".into(), ..FindingDraft::default() };
    let f = f.parse(rodtrad_domain::audits::AuditKind::StateInspection, true, today).unwrap();
    let stored = t.db.audit(mid, audit).await.unwrap();
    t.db.audit_finding_add(&a, &stored, 1, &f).await.unwrap();
    let audit_finding = t.db.audit_findings(mid, Some(audit)).await.unwrap()[0].id;
    UnitObjects { audit, audit_finding, ..u }
}

/// A deviation reported on `measure`, which opens a management dialogue; returns its id.
async fn followup_dialogue(t: &TestApp, mid: i64, unit: i64, measure: i64) -> i64 {
    let period = followup_period(t, mid).await;
    let parent = t.db.org_unit(mid, unit).await.unwrap().parent_id;
    let report = rodtrad_store::followup::NewReport {
        element_id: measure,
        period_id: period,
        status: rodtrad_domain::followup::Status::Deviation,
        progress: 10,
        comment: "Avvik i oppsettet".into(),
        base_version: 0,
        dialogue: Some((unit, parent)),
    };
    t.db.followup_report(&author(mid), &report).await.unwrap().dialogue_opened.unwrap()
}

/// The 2026 leadership agreement of `unit`'s leader `leader` with `superior`, who leads `above`.
async fn agreement(t: &TestApp, mid: i64, unit: i64, leader: i64, above: i64, superior: i64) -> i64 {
    let new = rodtrad_store::agreements::NewAgreement {
        unit_id: unit,
        year: 2026,
        leader_person_id: leader,
        superior_unit_id: above,
        superior_person_id: superior,
    };
    t.db.agreement_create(&author(mid), &new).await.unwrap().0
}

/// A thematic plan adopted through its lifecycle (so a version is frozen) and put under revision:
/// a main goal with an indicator and a section as adopted, then an indicator added in the revision.
/// Returns the adopted objects and the same with the added indicator as element and indicator.
async fn revised_plan(t: &TestApp, mid: i64, like: &UnitObjects) -> (UnitObjects, UnitObjects) {
    let a = author(mid);
    let input = PlanInput {
        plan_type: PlanType::ThematicPlan,
        title: Name::parse("Revidert temaplan").unwrap(),
        start_year: 2024,
        end_year: 2035,
        owner_unit_id: None,
        published: true,
    };
    let plan = t.db.plan_create(&a, &input, &[]).await.unwrap();
    let goal = ElementInput {
        kind: ElementKind::MainGoal,
        text: "Revidert temaplan: vedtatt hovedmål".into(),
        owner_unit_id: None,
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let indicator = ElementInput { kind: ElementKind::Indicator, text: "Vedtatt indikator".into(), ..goal.clone() };
    let element = t.db.element_create(&a, plan, None, &goal).await.unwrap();
    let adopted_indicator = t.db.element_create(&a, plan, Some(element), &indicator).await.unwrap();
    let section = t.db.section_create(&a, plan, &Name::parse("Innledning").unwrap(), "Tekst").await.unwrap();
    let decided = chrono::NaiveDate::from_ymd_opt(2024, 6, 20).unwrap();
    t.db.plan_decision_add(&a, plan, "Kommunestyret", "24/1", decided, None).await.unwrap();
    for to in [PlanStatus::Hearing, PlanStatus::Adopted, PlanStatus::UnderRevision] {
        let version = t.db.plan(mid, plan).await.unwrap().version;
        t.db.plan_transition(&a, plan, version, to).await.unwrap();
    }
    let added = ElementInput { text: "Indikator fra revisjonen".into(), ..indicator };
    let added = t.db.element_create(&a, plan, Some(element), &added).await.unwrap();
    let adopted = UnitObjects { plan, element, indicator: adopted_indicator, section, ..like.clone() };
    let draft = UnitObjects { element: added, indicator: added, ..adopted.clone() };
    (adopted, draft)
}

/// A published plan, adopted (set directly: the lifecycle has its own tests).
async fn public_plan(t: &TestApp, mid: i64, title: &str) -> (i64, i64) {
    let input = PlanInput {
        plan_type: PlanType::MasterPlanSocial,
        title: Name::parse(title).unwrap(),
        start_year: 2024,
        end_year: 2035,
        owner_unit_id: None,
        published: true,
    };
    let id = t.db.plan_create(&author(mid), &input, &[]).await.unwrap();
    let goal = ElementInput {
        kind: ElementKind::MainGoal,
        text: format!("{title}: hovedmål"),
        owner_unit_id: None,
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let goal = t.db.element_create(&author(mid), id, None, &goal).await.unwrap();
    on_db!(&t.db, pool => {
        sqlx::query("UPDATE plans SET status = 'adopted' WHERE id = $1").bind(id).execute(pool).await.unwrap();
    });
    (id, goal)
}

/// The municipality's council reports: a draft annual report of 2025 and the 1st four-monthly
/// report of 2025, adopted (its PDF in message keys, which is all the matrix needs).
async fn reports(t: &TestApp, mid: i64) -> (i64, i64) {
    use rodtrad_domain::reports::{Adoption, NewReport, ReportKind};
    let actor = rodtrad_domain::Actor {
        municipality_id: mid,
        roles: [rodtrad_domain::Role::Management].into_iter().collect(),
        ..Default::default()
    };
    let a = author(mid);
    let new = |kind| NewReport { kind, year: 2025, month: None, unit_id: None };
    let draft = rodtrad_service::reports::create(&t.db, (&actor, &a), &new(ReportKind::Annual)).await.unwrap();
    let adopted = rodtrad_service::reports::create(&t.db, (&actor, &a), &new(ReportKind::Tertial1)).await.unwrap();
    let report = t.db.report(mid, adopted).await.unwrap();
    let tree = t.db.org_tree(mid).await.unwrap();
    let adoption = Adoption {
        body: "Kommunestyret".into(),
        case_number: "PS 1/25".into(),
        decided_on: chrono::NaiveDate::from_ymd_opt(2025, 6, 18).unwrap(),
    };
    let today = chrono::Utc::now().date_naive();
    let tr = |k: &str| k.to_owned();
    rodtrad_service::reports::adopt(&t.db, (&actor, &a), &tree, &report, report.content_version, &adoption, today, &tr)
        .await
        .unwrap();
    (draft, adopted)
}

async fn user_id(t: &TestApp, email: &str) -> i64 {
    t.db.user_by_email(email).await.unwrap().unwrap().id
}

/// Imports the population table as `c` and returns (import, table, series) of municipality `mid`.
async fn statistics(t: &TestApp, c: &mut Client, mid: i64) -> (i64, i64, i64) {
    let res = upload(c, POPULATION).await.expect(200);
    let action = res.body.split("action=\"/statistics/import/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    c.post(&format!("/statistics/import/{action}"), &[]).await.expect(303);
    on_db!(&t.db, pool => {
        let import: i64 = sqlx::query_scalar("SELECT MAX(id) FROM stat_imports WHERE municipality_id = $1")
            .bind(mid).fetch_one(pool).await.unwrap();
        let table: i64 = sqlx::query_scalar("SELECT MAX(id) FROM stat_tables WHERE municipality_id = $1")
            .bind(mid).fetch_one(pool).await.unwrap();
        let series: i64 = sqlx::query_scalar("SELECT MAX(id) FROM stat_series WHERE municipality_id = $1")
            .bind(mid).fetch_one(pool).await.unwrap();
        (import, table, series)
    })
}

/// A staged accounting import of municipality `mid`, awaiting confirmation.
async fn economy_upload(t: &TestApp, mid: i64) -> i64 {
    let a = Author { municipality_id: mid, user_id: None, name: "Testoppsett".into() };
    let parsed = rodtrad_domain::economy::ParsedActuals::default();
    t.db.economy_import_stage(&a, "regnskap.csv", &parsed).await.unwrap()
}

/// A population projection of municipality `mid` (two years, two age groups) and a scenario on it
/// with one service.
async fn lida(t: &TestApp, mid: i64) -> (i64, i64) {
    use rodtrad_domain::lida::{AgeBand, Assumption, ProjectionRow};
    let a = author(mid);
    let band = |f, to| AgeBand::new(f, to).unwrap();
    let rows: Vec<ProjectionRow> = [(2027, band(1, 5), 300), (2027, band(6, 15), 700), (2028, band(1, 5), 310)]
        .into_iter()
        .map(|(year, band, n)| ProjectionRow { year, band, persons: n.into() })
        .collect();
    let projection = t.db.lida_projection_create(&a, "Framskriving", ("csv", "framskriving.csv"), &rows).await.unwrap();
    let input = rodtrad_store::lida::ScenarioInput {
        name: "Hovedalternativet".into(),
        base_year: 2026,
        projection_id: projection,
        assumptions: vec![Assumption {
            service: "Barnehage".into(),
            band: band(1, 5),
            coverage: "0.9".parse().unwrap(),
            capacity: 270.into(),
            operating_cost: 200_000.into(),
            investment_cost: 1_500_000.into(),
            growth_percent: 0.into(),
        }],
    };
    let (scenario, _) = t.db.lida_scenario_save(&a, None, 0, &input).await.unwrap();
    (projection, scenario)
}

/// Uploads a statistics file through the import form.
pub async fn upload(c: &mut Client, body: &str) -> Res {
    let csrf = c.csrf().await;
    let boundary = "rodtradTestBoundary7MA4YWxk";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"07459.json\"\r\nContent-Type: application/json\r\n\r\n{body}\r\n\
         --{boundary}--\r\n"
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    c.send(Method::POST, "/statistics/import", Some(multipart), &[("content-type", ct.as_str())]).await
}

impl Scene {
    /// Adds a chief executive (leader of the municipality's top unit), the objects and a client per subject.
    pub async fn new(t: &TestApp) -> Scene {
        let fx = t.fx.clone();
        let a = author(fx.municipality);
        let chief =
            t.db.person_create(
                &a,
                &PersonInput {
                    name: Name::parse("Kari Kommunedirektør").unwrap(),
                    email: Some(Email::parse("kari@test.no").unwrap()),
                    title: None,
                    unit_id: Some(fx.root),
                    active: true,
                },
            )
            .await
            .unwrap();
        let root = t.db.org_unit(fx.municipality, fx.root).await.unwrap();
        let change = OrgUnitChange {
            parent_id: root.parent_id,
            name: Name::parse(&root.name).unwrap(),
            short_name: None,
            leader_person_id: Some(chief),
            valid_from: root.valid_from,
            valid_to: None,
        };
        t.db.org_unit_update(&a, fx.root, root.version, &change).await.unwrap();
        let new = NewUser {
            municipality_id: fx.municipality,
            person_id: Some(chief),
            email: Email::parse("kommunedirektor@a.test").unwrap(),
            display_name: Name::parse("kommunedirektor").unwrap(),
            password_hash: password::hash(PASSWORD, HashCost { memory_kib: 1024, iterations: 1 }),
            roles: vec![Role::Leader],
        };
        t.db.user_create(&a, &new).await.unwrap();

        let b = author(fx.other_municipality);
        let b_person =
            t.db.person_create(
                &b,
                &PersonInput {
                    name: Name::parse("Berit Bkommune").unwrap(),
                    email: None,
                    title: None,
                    unit_id: Some(fx.other_root),
                    active: true,
                },
            )
            .await
            .unwrap();
        let b_admin = user_id(t, "admin@b.test").await;
        let mid = fx.municipality;
        let x_unit = (fx.unit_x, fx.employee_x, fx.leader_x);
        let x = unit_objects(t, mid, x_unit, user_id(t, "ansattx@a.test").await, "Xplan").await;
        let dept_unit = (fx.dept_x, fx.dept_head, fx.dept_head);
        let dept = unit_objects(t, mid, dept_unit, user_id(t, "avdleder@a.test").await, "SFO-plan").await;
        let y_unit = (fx.unit_y, fx.employee_y, fx.leader_y);
        let y = unit_objects(t, mid, y_unit, user_id(t, "ledery@a.test").await, "Yplan").await;
        let b_unit_ids = (fx.other_root, b_person, b_person);
        let b_unit = unit_objects(t, fx.other_municipality, b_unit_ids, b_admin, "Bplan").await;
        let reporter = user_id(t, "ledery@a.test").await;
        let x = with_deviations(t, mid, x, reporter).await;
        let dept = with_deviations(t, mid, dept, reporter).await;
        let y = with_deviations(t, mid, y, reporter).await;
        let b_unit = with_deviations(t, fx.other_municipality, b_unit, b_admin).await;
        let x = with_control(t, mid, x).await;
        let dept = with_control(t, mid, dept).await;
        let y = with_control(t, mid, y).await;
        let b_unit = with_control(t, fx.other_municipality, b_unit).await;
        let x = with_audit(t, mid, x).await;
        let dept = with_audit(t, mid, dept).await;
        let y = with_audit(t, mid, y).await;
        let b_unit = with_audit(t, fx.other_municipality, b_unit).await;
        let (revised, revised_draft) = revised_plan(t, mid, &x).await;
        let x = UnitObjects { agreement: agreement(t, mid, fx.unit_x, fx.leader_x, fx.area, fx.director).await, ..x };
        let dept =
            UnitObjects { agreement: agreement(t, mid, fx.dept_x, fx.dept_head, fx.unit_x, fx.leader_x).await, ..dept };
        let y = UnitObjects { agreement: agreement(t, mid, fx.unit_y, fx.leader_y, fx.area, fx.director).await, ..y };
        let b_agreement = agreement(t, fx.other_municipality, fx.other_root, b_person, fx.other_root, b_person).await;
        let b_unit = UnitObjects { agreement: b_agreement, ..b_unit };

        let a_programme = programme(t, fx.municipality, 2027).await;
        let b_programme = programme(t, fx.other_municipality, 2031).await;
        let mut stats_a = t.login("styring").await;
        let (import, table, series) = statistics(t, &mut stats_a, fx.municipality).await;
        let a_lida = lida(t, fx.municipality).await;
        let a_wheel = wheel(t, fx.municipality, 2027).await;
        let a_plan = public_plan(t, fx.municipality, "Kommuneplan A").await;
        let a_reports = reports(t, fx.municipality).await;
        let a_objects = MunicipalityObjects {
            id: fx.municipality,
            number: "0301",
            import,
            table,
            series,
            public_plan: a_plan.0,
            uploader: user_id(t, "styring@a.test").await,
            u4ssc_year: u4ssc_year(t, fx.municipality, 2019).await,
            period: followup_period(t, fx.municipality).await,
            letter_job: letter_job(t, fx.municipality).await,
            programme_year: a_programme.0,
            programme_investment: a_programme.1,
            programme_rule: a_programme.2,
            lida_projection: a_lida.0,
            lida_scenario: a_lida.1,
            cycle_wheel: a_wheel.0,
            cycle_activity: a_wheel.1,
            report_draft: a_reports.0,
            report_goal: a_plan.1,
            report_adopted: a_reports.1,
            report_area: fx.area,
        };
        let mut stats_b = t.client();
        stats_b.login("admin@b.test", PASSWORD).await.expect(303);
        let (import, table, series) = statistics(t, &mut stats_b, fx.other_municipality).await;
        let b_lida = lida(t, fx.other_municipality).await;
        let b_wheel = wheel(t, fx.other_municipality, 2031).await;
        let b_plan = public_plan(t, fx.other_municipality, "Kommuneplan B").await;
        let b_reports = reports(t, fx.other_municipality).await;
        let b_objects = MunicipalityObjects {
            id: fx.other_municipality,
            number: "4601",
            import,
            table,
            series,
            public_plan: b_plan.0,
            uploader: b_admin,
            u4ssc_year: u4ssc_year(t, fx.other_municipality, 2021).await,
            period: followup_period(t, fx.other_municipality).await,
            letter_job: letter_job(t, fx.other_municipality).await,
            programme_year: b_programme.0,
            programme_investment: b_programme.1,
            programme_rule: b_programme.2,
            lida_projection: b_lida.0,
            lida_scenario: b_lida.1,
            cycle_wheel: b_wheel.0,
            cycle_activity: b_wheel.1,
            report_draft: b_reports.0,
            report_goal: b_plan.1,
            report_adopted: b_reports.1,
            report_area: fx.other_root,
        };

        let mut subjects = Vec::new();
        let mut tokens = Vec::new();
        let mut users = Vec::new();
        for (i, subject) in Subject::ALL.into_iter().enumerate() {
            let mut c = t.client();
            c.ip = [10, 1, 0, i as u8];
            if let Some(login) = subject.login() {
                c.login(&format!("{login}@a.test"), PASSWORD).await.expect(303);
                let id = user_id(t, &format!("{login}@a.test")).await;
                let (token, _) = t.db.api_token_create(&a, id, &Name::parse("matrise").unwrap(), None).await.unwrap();
                tokens.push((subject, token));
                users.push((subject, id));
            }
            subjects.push((subject, c));
        }
        let (b_token, _) = t.db.api_token_create(&b, b_admin, &Name::parse("b").unwrap(), None).await.unwrap();
        Scene {
            subjects,
            x,
            dept,
            y,
            b_unit,
            revised,
            revised_draft,
            a: a_objects,
            b: b_objects,
            tokens,
            b_token,
            users,
            next_ip: 0,
        }
    }

    /// The unit objects `subject` sees in `scope`.
    pub fn unit_objects(&self, subject: Subject, scope: Scope) -> &UnitObjects {
        match scope {
            Scope::Own if subject == Subject::DepartmentHead => &self.dept,
            Scope::Own => &self.x,
            Scope::OtherUnit => &self.y,
            Scope::OtherMunicipality => &self.b_unit,
            Scope::Revised => &self.revised,
            Scope::RevisedDraft => &self.revised_draft,
        }
    }

    fn municipality_objects(&self, scope: Scope) -> &MunicipalityObjects {
        match scope {
            Scope::OtherMunicipality => &self.b,
            _ => &self.a,
        }
    }

    /// The published plan of the municipality seen in `scope`.
    pub fn public_plan(&self, scope: Scope) -> i64 {
        self.municipality_objects(scope).public_plan
    }

    /// The id of an API token: the subject's own, another account's in the same municipality, or
    /// one in the other municipality.
    fn token(&self, subject: Subject, scope: Scope) -> i64 {
        let own = |s: Subject| self.tokens.iter().find(|(t, _)| *t == s).map(|(_, id)| *id);
        match scope {
            Scope::Own => own(subject).unwrap_or_else(|| own(Subject::Employee).unwrap()),
            Scope::OtherUnit if subject == Subject::Auditor => own(Subject::Politician).unwrap(),
            Scope::OtherUnit => own(Subject::Auditor).unwrap(),
            Scope::OtherMunicipality => self.b_token,
            Scope::Revised | Scope::RevisedDraft => panic!("a token is no object of a plan"),
        }
    }

    /// The path of `route` with every parameter filled for `subject` in `scope`. Objects a request
    /// may use up (a delegation to revoke, an upload to confirm) are created fresh for each call.
    pub async fn fill(&mut self, t: &TestApp, route: &RouteInfo, subject: Subject, scope: Scope) -> String {
        let mut out = String::new();
        let mut previous = "";
        for segment in route.path.split('/').skip(1) {
            out.push('/');
            let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                out.push_str(segment);
                previous = segment;
                continue;
            };
            let u = self.unit_objects(subject, scope).clone();
            let m = self.municipality_objects(scope).clone();
            // The parameter's meaning follows from the segment before it.
            let value = match (previous, param) {
                ("plans", "id") if route.module == "public" => m.public_plan.to_string(),
                ("elements", "id") if route.path.ends_with("/statistics") || route.path.contains("/indicator") => {
                    u.indicator.to_string()
                }
                ("org" | "org-units", "id") => u.unit.to_string(),
                ("people", "id") => u.person.to_string(),
                ("users", "id") => u.user.to_string(),
                ("plans" | "unit-plans", "id") => u.plan.to_string(),
                ("elements", "id") => u.element.to_string(),
                ("sections", "section") => u.section.to_string(),
                ("delegations", "delegation_id") => self.delegation(t, &u, m.id).await.to_string(),
                ("tokens", "id") => self.token(subject, scope).to_string(),
                ("imports", "id") => m.import.to_string(),
                ("tables", "id") => m.table.to_string(),
                ("series", "id") => m.series.to_string(),
                ("import", "token") => self.staged_upload(t, subject, scope).await,
                ("public", "number") => m.number.to_owned(),
                ("sdg", "goal") => "4".to_owned(),
                ("targets", "code") => "4.1".to_owned(),
                ("u4ssc", "year") => m.u4ssc_year.to_string(),
                ("cells", "process") => "policy".to_owned(),
                ("{process}", "phase") => "design".to_owned(),
                ("static", "*path") => "app.css".to_owned(),
                ("units", "unit") => u.unit.to_string(),
                ("items", "item") => u.measure.to_string(),
                ("periods", "period") => m.period.to_string(),
                ("dialogues", "dialogue") => u.dialogue.to_string(),
                ("agreements", "agreement") => u.agreement.to_string(),
                ("versions", "number") => "1".to_owned(),
                ("letters", "letter") => u.letter.to_string(),
                ("jobs", "job") => m.letter_job.to_string(),
                ("programme" | "programmes", "first_year") => m.programme_year.to_string(),
                ("investments", "investment") => m.programme_investment.to_string(),
                ("rules", "rule") => m.programme_rule.to_string(),
                ("uploads", "upload") => economy_upload(t, m.id).await.to_string(),
                ("projections", "projection") => m.lida_projection.to_string(),
                ("scenarios", "scenario") => m.lida_scenario.to_string(),
                ("notifications", "notification") => self.notification(t, subject, scope).await.to_string(),
                ("wheels", "wheel") => m.cycle_wheel.to_string(),
                ("activities", "activity") if route.path.starts_with("/api/v1/control/") => {
                    u.control_activity.to_string()
                }
                ("activities", "activity") => m.cycle_activity.to_string(),
                ("control", "activity") => u.control_activity.to_string(),
                ("executions", "execution") => u.control_execution.to_string(),
                ("evidence", "evidence") => u.control_evidence.to_string(),
                ("reports", "unit") => u.unit.to_string(),
                ("audits", "audit") => u.audit.to_string(),
                ("findings", "finding") => u.audit_finding.to_string(),
                ("reviews", "year") => "2026".to_owned(),
                ("calendar", "token") => self.calendar_token(t, subject, scope).await,
                ("analyses", "analysis") => u.risk_analysis.to_string(),
                ("risks", "risk") => u.risk.to_string(),
                ("deviations", "deviation") => u.deviation.to_string(),
                ("measures", "measure") => u.deviation_measure.to_string(),
                ("reports", "id") if route.path.starts_with("/public/") => m.report_adopted.to_string(),
                ("reports", "id") => m.report_draft.to_string(),
                ("templates", "kind") => "annual".to_owned(),
                ("commentary", "area") => m.report_area.to_string(),
                ("goals", "element") => m.report_goal.to_string(),
                ("tables", "n") => "0.csv".to_owned(),
                _ => panic!("no filling for parameter {{{param}}} after /{previous} in {}", route.path),
            };
            out.push_str(&value);
            previous = segment;
        }
        out
    }

    /// A live calendar address of the subject's own account in its own scope (the employee's for
    /// the anonymous caller), of another account of the municipality, or of B's administrator.
    async fn calendar_token(&self, t: &TestApp, subject: Subject, scope: Scope) -> String {
        let own = |s: Subject| self.users.iter().find(|(u, _)| *u == s).map(|(_, id)| *id);
        let (mid, user) = match scope {
            Scope::Own => (self.a.id, own(subject).unwrap_or_else(|| own(Subject::Employee).unwrap())),
            Scope::OtherUnit if subject == Subject::Auditor => (self.a.id, own(Subject::Politician).unwrap()),
            Scope::OtherUnit => (self.a.id, own(Subject::Auditor).unwrap()),
            Scope::OtherMunicipality => (self.b.id, self.b.uploader),
            Scope::Revised | Scope::RevisedDraft => panic!("a calendar address is no object of a plan"),
        };
        t.db.calendar_feed_create(&author(mid), user).await.unwrap()
    }

    async fn delegation(&self, t: &TestApp, u: &UnitObjects, mid: i64) -> i64 {
        let valid_to = chrono::Utc::now().date_naive() + chrono::Duration::days(30);
        let a = Author { municipality_id: mid, user_id: Some(u.user), name: "Testoppsett".into() };
        t.db.delegation_create(&a, u.unit, u.leader, valid_to).await.unwrap()
    }

    /// A fresh unread notification: of the subject's own account in its own scope (the employee's
    /// for the anonymous caller), of another account of the municipality, or of B's administrator.
    async fn notification(&self, t: &TestApp, subject: Subject, scope: Scope) -> i64 {
        static NEXT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);
        let own = |s: Subject| self.users.iter().find(|(u, _)| *u == s).map(|(_, id)| *id);
        let (mid, user) = match scope {
            Scope::Own => (self.a.id, own(subject).unwrap_or_else(|| own(Subject::Employee).unwrap())),
            Scope::OtherUnit if subject == Subject::Auditor => (self.a.id, own(Subject::Politician).unwrap()),
            Scope::OtherUnit => (self.a.id, own(Subject::Auditor).unwrap()),
            Scope::OtherMunicipality => (self.b.id, self.b.uploader),
            Scope::Revised | Scope::RevisedDraft => panic!("a notification is no object of a plan"),
        };
        let subject_id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let new = rodtrad_store::notifications::NewNotification {
            user_id: user,
            kind: rodtrad_domain::dashboard::NotificationKind::Overdue,
            subject_id,
            text: "Varslet tiltak".into(),
            due_on: None,
        };
        let a = Author { municipality_id: mid, user_id: None, name: "Testoppsett".into() };
        t.db.notifications_add(&a, &[new]).await.unwrap();
        let sql = format!("SELECT id FROM notifications WHERE user_id = {user} AND subject_id = {subject_id}");
        on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
    }

    /// An upload waiting for confirmation, made by the subject's own account in its own
    /// municipality (uploads belong to their uploader), or by B's administrator.
    async fn staged_upload(&self, t: &TestApp, subject: Subject, scope: Scope) -> String {
        let m = self.municipality_objects(scope);
        let own = self.users.iter().find(|(s, _)| *s == subject).map(|(_, id)| *id);
        let uploader = if scope == Scope::OtherMunicipality { m.uploader } else { own.unwrap_or(m.uploader) };
        let a = Author { municipality_id: m.id, user_id: Some(uploader), name: "Statistikk".into() };
        t.db.stat_upload_put(&a, "07459.json", POPULATION.as_bytes()).await.unwrap()
    }

    /// A form that parses for every state-changing route: every field some form requires, with
    /// values that name objects of the same scope, and a stale version so that edits of existing
    /// objects stop at the version check (409) after authorisation has passed.
    pub fn body(&mut self, route: &RouteInfo, subject: Subject, scope: Scope) -> Vec<(String, String)> {
        let u = self.unit_objects(subject, scope).clone();
        // `kind` is a unit kind in the organisation's forms and an element kind in the plans'.
        let kind = if route.module == "org" { "department" } else { "sub_goal" };
        self.next_ip += 1;
        let fields = [
            ("email", format!("matrise-{}@nowhere.test", self.next_ip)),
            ("password", "feil-passord".into()),
            ("next", "/".into()),
            ("lang", "nb".into()),
            ("current", "feil-passord".into()),
            ("new_password", "nytt-men-ulikt".into()),
            ("repeat", "nytt-men-annerledes".into()),
            ("name", "Matrise".into()),
            ("plan_type", "unit_plan".into()),
            ("title", "Matrise".into()),
            ("start_year", "2024".into()),
            ("end_year", "2027".into()),
            ("kind", kind.into()),
            ("valid_from", "2024-01-01".into()),
            ("valid_to", "2099-01-01".into()),
            ("person_id", u.leader.to_string()),
            ("status", "draft".into()),
            ("version", "0".into()),
            ("body", "Vedtak".into()),
            ("case_number", "24/1".into()),
            ("decided_on", "2024-01-01".into()),
            ("text", "Matrise".into()),
            ("source_element_id", u.element.to_string()),
            ("owner_unit_id", u.unit.to_string()),
            ("unit_id", u.unit.to_string()),
            ("heading", "Matrise".into()),
            ("section_id", u.section.to_string()),
            ("goal", "4".into()),
            ("year", "2026".into()),
        ];
        fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// The JSON body for a state-changing API route: a plan or element write naming the scope's objects.
    pub fn json_body(&self, subject: Subject, scope: Scope) -> String {
        let u = self.unit_objects(subject, scope);
        serde_json::json!({
            "plan_type": "unit_plan",
            "title": "Matrise",
            "start_year": 2024,
            "end_year": 2027,
            "owner_unit_id": u.unit,
            "kind": "sub_goal",
            "parent_id": u.element,
            "text": "Matrise",
            "version": 0,
            "unit_id": u.unit,
            "year": 2026,
        })
        .to_string()
    }

    /// A client address no other request has used, so failed logins never accumulate on one.
    pub fn fresh_ip(&mut self) -> [u8; 4] {
        self.next_ip += 1;
        let [_, a, b, c] = self.next_ip.to_be_bytes();
        [10, 100 + a, b, c]
    }

    /// Municipality A's and B's audit rows together.
    pub async fn audit_count(&self, t: &TestApp) -> i64 {
        t.db.audit_count(self.a.id).await.unwrap() + t.db.audit_count(self.b.id).await.unwrap()
    }

    /// Signs the subject's client in again if a request ended its session (logout).
    pub async fn keep_signed_in(&mut self, index: usize) {
        let (subject, c) = &mut self.subjects[index];
        if let Some(login) = subject.login()
            && c.cookie("rodtrad_session").is_none()
        {
            c.login(&format!("{login}@a.test"), PASSWORD).await.expect(303);
        }
    }

    /// Sends `route` (already filled as `path`) as subject number `index`, with the body from
    /// [`Scene::body`] (or JSON under `/api/`) and the CSRF token chosen by `token`.
    pub async fn send(&mut self, index: usize, route: &RouteInfo, path: &str, scope: Scope, token: Token) -> Res {
        let subject = self.subjects[index].0;
        let ip = self.fresh_ip();
        let json = route.path.starts_with("/api/");
        let body = if json { self.json_body(subject, scope) } else { self.form(route, subject, scope) };
        let c = &mut self.subjects[index].1;
        c.ip = ip;
        let valid = if token == Token::Valid { c.csrf().await } else { String::new() };
        let value = match token {
            Token::Valid => valid.as_str(),
            Token::Missing => "",
            Token::Wrong => "0000000000000000000000000000000000000000000000000000000000000000",
        };
        let mut headers = vec![];
        if !value.is_empty() {
            headers.push(("x-csrf-token", value));
        }
        if json {
            headers.push(("content-type", "application/json"));
        }
        c.send(route.method.clone(), path, Some(body), &headers).await
    }

    fn form(&mut self, route: &RouteInfo, subject: Subject, scope: Scope) -> String {
        serde_urlencoded::to_string(self.body(route, subject, scope)).unwrap()
    }
}

/// Which CSRF token a request carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    Valid,
    Missing,
    Wrong,
}
