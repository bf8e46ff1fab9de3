//! The deterministic Asker-like demo municipality: about 300 units and 360 people, with one
//! login per role. Loading it twice never duplicates it.

use crate::org::{NewOrgUnit, OrgUnitChange};
use crate::password::{HashCost, hash};
use crate::people::PersonInput;
use crate::users::NewUser;
use crate::{Author, Db, Result};
use chrono::NaiveDate;
use rodtrad_domain::{Email, Kommunenummer, Name, OrgUnitKind, Role};
use serde::Deserialize;

const ORGANISATION: &str = include_str!("../demo/organisation.json");
const NAMES: &str = include_str!("../demo/names.json");

/// The demo password of every demo login.
pub const DEMO_PASSWORD: &str = "rodtrad-demo";
/// The demo municipality's number.
pub const DEMO_NUMBER: &str = "3203";
const MAIL_DOMAIN: &str = "demo.rodtrad.no";

#[derive(Deserialize)]
struct Organisation {
    municipality: MunicipalityData,
    root: RootData,
    staff_units: Vec<UnitData>,
    service_areas: Vec<ServiceAreaData>,
}

#[derive(Deserialize)]
struct MunicipalityData {
    name: String,
}

#[derive(Deserialize)]
struct RootData {
    leader_title: String,
}

#[derive(Deserialize)]
struct ServiceAreaData {
    name: String,
    short: String,
    leader_title: String,
    units: Vec<UnitData>,
}

#[derive(Deserialize)]
struct UnitData {
    name: String,
    #[serde(default)]
    short: Option<String>,
    leader_title: String,
    #[serde(default)]
    departments: Vec<DepartmentData>,
}

#[derive(Deserialize)]
struct DepartmentData {
    name: String,
    leader_title: String,
}

#[derive(Deserialize)]
struct Names {
    given_names: Vec<String>,
    family_names: Vec<String>,
    employee_titles: Vec<String>,
}

/// A demo login printed at start-up.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Role the login demonstrates.
    pub role: Role,
    /// Login e-mail.
    pub email: String,
    /// What the login leads or is, e.g. "Bondi skole".
    pub note: String,
}

/// Result of loading the demo.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// Municipality id.
    pub municipality_id: i64,
    /// False when the demo was already there.
    pub created: bool,
    /// Logins, one per role.
    pub logins: Vec<DemoLogin>,
}

struct Loader<'a> {
    db: &'a Db,
    author: Author,
    names: Names,
    people: usize,
    start: NaiveDate,
}

impl Loader<'_> {
    fn next_name(&mut self) -> (String, String) {
        let i = self.people;
        self.people += 1;
        let given = &self.names.given_names[(i * 7) % self.names.given_names.len()];
        let family = &self.names.family_names[(i * 13 + i / 100) % self.names.family_names.len()];
        let name = format!("{given} {family}");
        let email = format!("{}.{}{}@{MAIL_DOMAIN}", ascii_slug(given), ascii_slug(family), i);
        (name, email)
    }

    async fn person(&mut self, unit_id: i64, title: &str) -> Result<i64> {
        let (name, email) = self.next_name();
        let input = PersonInput {
            name: Name::parse(&name)?,
            email: Some(Email::parse(&email)?),
            title: Some(title.to_owned()),
            unit_id: Some(unit_id),
            active: true,
        };
        self.db.person_create(&self.author, &input).await
    }

    /// Creates a unit with a leader and `employees` staff; returns the unit id.
    async fn unit(
        &mut self,
        parent: i64,
        kind: OrgUnitKind,
        name: &str,
        short: Option<&str>,
        leader_title: &str,
        employees: usize,
    ) -> Result<i64> {
        let new = NewOrgUnit {
            parent_id: Some(parent),
            kind,
            name: Name::parse(name)?,
            short_name: short.map(str::to_owned),
            leader_person_id: None,
            valid_from: self.start,
        };
        let id = self.db.org_unit_create(&self.author, &new).await?;
        let leader = self.person(id, leader_title).await?;
        self.set_leader(id, leader).await?;
        for k in 0..employees {
            let title = self.names.employee_titles[(self.people + k) % self.names.employee_titles.len()].clone();
            self.person(id, &title).await?;
        }
        Ok(id)
    }

    async fn set_leader(&self, unit_id: i64, person_id: i64) -> Result<()> {
        let unit = self.db.org_unit(self.author.municipality_id, unit_id).await?;
        let change = OrgUnitChange {
            parent_id: unit.parent_id,
            name: Name::parse(&unit.name)?,
            short_name: unit.short_name.clone(),
            leader_person_id: Some(person_id),
            valid_from: unit.valid_from,
            valid_to: unit.valid_to,
        };
        self.db.org_unit_update(&self.author, unit_id, unit.version, &change).await
    }
}

/// Replaces Norwegian letters so generated e-mail addresses stay ASCII.
fn ascii_slug(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .flat_map(|c| match c {
            'æ' => "ae".chars().collect::<Vec<_>>(),
            'ø' => vec!['o'],
            'å' => vec!['a'],
            'é' | 'è' => vec!['e'],
            c if c.is_ascii_alphanumeric() => vec![c],
            _ => vec![],
        })
        .collect()
}

/// Loads the demo municipality unless it is already there.
pub async fn load(db: &Db, cost: HashCost) -> Result<DemoSummary> {
    let org: Organisation = serde_json::from_str(ORGANISATION).map_err(|e| std::io::Error::other(e.to_string()))?;
    let names: Names = serde_json::from_str(NAMES).map_err(|e| std::io::Error::other(e.to_string()))?;
    if let Some(existing) = db.municipality_by_number(DEMO_NUMBER).await? {
        return Ok(DemoSummary {
            municipality_id: existing.id,
            created: false,
            logins: logins(db, existing.id).await?,
        });
    }
    let name = Name::parse(&org.municipality.name)?;
    let mid = db.municipality_create(&name, &Kommunenummer::parse(DEMO_NUMBER)?, "Demodata").await?;
    let author = Author { municipality_id: mid, user_id: None, name: "Demodata".into() };
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    let mut loader = Loader { db, author, names, people: 0, start };
    let tree = db.org_tree(mid).await?;
    let root = tree.children(None).first().copied().unwrap_or_default();

    let chief = loader.person(root, &org.root.leader_title).await?;
    loader.set_leader(root, chief).await?;

    let mut first_staff_department = None;
    for staff in &org.staff_units {
        let sid =
            loader.unit(root, OrgUnitKind::Staff, &staff.name, staff.short.as_deref(), &staff.leader_title, 2).await?;
        for dept in &staff.departments {
            let did = loader.unit(sid, OrgUnitKind::Department, &dept.name, None, &dept.leader_title, 1).await?;
            first_staff_department.get_or_insert(did);
        }
    }
    let mut first_area = None;
    let mut first_unit_with_departments = None;
    for area in &org.service_areas {
        let aid =
            loader.unit(root, OrgUnitKind::ServiceArea, &area.name, Some(&area.short), &area.leader_title, 1).await?;
        first_area.get_or_insert(aid);
        for unit in &area.units {
            let uid =
                loader.unit(aid, OrgUnitKind::Unit, &unit.name, unit.short.as_deref(), &unit.leader_title, 0).await?;
            let mut first_dept = None;
            for dept in &unit.departments {
                let did = loader.unit(uid, OrgUnitKind::Department, &dept.name, None, &dept.leader_title, 0).await?;
                first_dept.get_or_insert(did);
            }
            if let (None, Some(did)) = (first_unit_with_departments, first_dept) {
                first_unit_with_departments = Some((uid, did));
            }
        }
    }

    // One login per role, each tied to a person who really holds that position.
    let tree = db.org_tree(mid).await?;
    let leader_of = |id: i64| tree.get(id).and_then(|u| u.leader_person_id);
    let (school, department) = first_unit_with_departments.unwrap_or((root, root));
    let area = first_area.unwrap_or(root);
    let staff_dept = first_staff_department.unwrap_or(root);
    let employee = loader.person(school, "Lærer").await?;
    let management = loader.person(staff_dept, "Seniorrådgiver virksomhetsstyring").await?;
    let accounts: [(&str, Vec<Role>, Option<i64>, &str); 10] = [
        ("admin", vec![Role::SystemAdmin], None, "Systemadministrator"),
        ("kommunedirektor", vec![Role::Leader, Role::Management], leader_of(root), ""),
        ("styring", vec![Role::Management], Some(management), ""),
        ("direktor", vec![Role::Leader], leader_of(area), ""),
        ("leder", vec![Role::Leader], leader_of(school), ""),
        ("avdelingsleder", vec![Role::Leader], leader_of(department), ""),
        ("ansatt", vec![Role::Employee], Some(employee), ""),
        ("politiker", vec![Role::Politician], None, "Kari Politiker (demo)"),
        ("revisor", vec![Role::Auditor], None, "Revisor (demo)"),
        ("hr", vec![Role::Hr], None, "HR-rådgiver (demo)"),
    ];
    let password_hash = hash(DEMO_PASSWORD, cost);
    for (login, roles, person_id, fallback_name) in accounts {
        let display = match person_id {
            Some(p) => db.person(mid, p).await?.name,
            None => fallback_name.to_owned(),
        };
        let new = NewUser {
            municipality_id: mid,
            person_id,
            email: Email::parse(&format!("{login}@{MAIL_DOMAIN}"))?,
            display_name: Name::parse(&display)?,
            password_hash: password_hash.clone(),
            roles,
        };
        db.user_create(&loader.author, &new).await?;
    }
    // Deviations reported by staff without an account are registered through this one; its
    // password is random and never shown, so nobody logs in as it.
    let registrar = db
        .user_create(
            &loader.author,
            &NewUser {
                municipality_id: mid,
                person_id: None,
                email: Email::parse(&format!("avviksregistrering@{MAIL_DOMAIN}"))?,
                display_name: Name::parse("Avviksregistrering (demo)")?,
                password_hash: hash(&crate::random_token(24), cost),
                roles: vec![Role::Employee],
            },
        )
        .await?;
    let employee_user = db.user_by_email(&format!("ansatt@{MAIL_DOMAIN}")).await?.map(|u| u.id).unwrap_or(registrar);
    crate::demo_plans::load(db, &loader.author, &tree).await?;
    crate::demo_indicators::load(db, &loader.author).await?;
    crate::demo_lida::load(db, &loader.author).await?;
    crate::demo_unitplans::load(db, &loader.author, &tree).await?;
    crate::demo_letters::load(db, &loader.author, &tree).await?;
    crate::demo_status::load(db, &loader.author, &tree).await?;
    crate::demo_agreements::load(db, &loader.author, &tree, area, (school, department)).await?;
    crate::demo_programme::load(db, &loader.author, &tree).await?;
    crate::demo_economy::load(db, &loader.author, &tree).await?;
    crate::demo_annual_cycle::load(db, &loader.author, school).await?;
    crate::demo_risk::load(db, &loader.author, &tree).await?;
    crate::demo_deviations::load(db, &loader.author, &tree, school, employee_user, registrar).await?;
    crate::demo_control::load(db, &loader.author, &tree).await?;
    crate::demo_audits::load(db, &loader.author, &tree).await?;
    load_u4ssc(db, &loader.author, chief, management).await?;
    Ok(DemoSummary { municipality_id: mid, created: true, logins: logins(db, mid).await? })
}

/// What the 2019 baseline (*nullpunktsmåling*) found per process, and what had changed by 2024.
const U4SSC_EVIDENCE: [(&str, &str); 6] = [
    (
        "Nullpunktsmålingen høsten 2019 kartla dagens praksis; standarder brukes i enkeltprosjekter.",
        "U4SSC-indikatorene og ISO 37120 brukes i planarbeidet; resultatene deles i årsrapporten.",
    ),
    (
        "Kommuneplanens samfunnsdel bygger på bærekraftsmålene; budsjettet følger ennå ikke målene.",
        "Handlingsprogrammet knytter budsjettrammer til delmålene; analysene legges fram for politikerne.",
    ),
    (
        "Enkelte samarbeidsavtaler med næringsliv og FoU-miljøer; ingen samlet oversikt.",
        "Partnerskapsavtaler er samlet i en portefølje som prioriteres i handlingsprogrammet.",
    ),
    (
        "Ledersamlinger om omstilling; lite rom for å prøve nye løsninger i linjen.",
        "Innovasjonsprogram for ansatte; tjenestedesign tas i bruk på tvers av tjenesteområdene.",
    ),
    (
        "Medvirkning følger plan- og bygningslovens minstekrav.",
        "Nærmiljøutvalg og innbyggerpaneler deltar i å beskrive utfordringene og skape løsninger.",
    ),
    (
        "Prosjekter startes i tjenesteområdene uten felles prosjektmodell.",
        "Prosjektveiviseren er felles modell; gevinster kartlegges og følges opp av linjen.",
    ),
];

/// Maturity per element (rows: processes, columns: phases) in 2019 and 2024; `None`: not assessed.
const U4SSC_LEVELS: [[[Option<u8>; 5]; 6]; 2] = [
    [
        [Some(1), Some(1), Some(0), Some(0), None],
        [Some(2), Some(1), Some(2), Some(1), Some(1)],
        [Some(1), Some(1), Some(1), Some(0), None],
        [Some(1), Some(1), Some(0), Some(0), Some(1)],
        [Some(1), Some(2), Some(1), None, None],
        [Some(1), Some(1), Some(1), Some(0), Some(0)],
    ],
    [
        [Some(3), Some(2), Some(1), Some(2), Some(2)],
        [Some(3), Some(3), Some(3), Some(2), Some(2)],
        [Some(2), Some(3), Some(2), Some(2), Some(1)],
        [Some(2), Some(2), Some(2), Some(1), Some(2)],
        [Some(3), Some(3), Some(2), Some(2), None],
        [Some(2), Some(3), Some(3), Some(2), Some(1)],
    ],
];

/// KPI values for the 2019 baseline and 2023 (illustrative figures for the demo).
const U4SSC_KPIS: [(&str, f64, f64); 14] = [
    ("EC: ICT: ICT: 1C", 95.0, 98.0),
    ("EC: ICT: ICT: 2C", 86.0, 91.0),
    ("EC: P: EM: 1C", 2.1, 1.6),
    ("EC: P: EM: 2C", 3.4, 2.8),
    ("EC: I: T: 3C", 62.0, 71.0),
    ("EC: I: T: 8A", 38.0, 61.0),
    ("EN: EN: AQ: 2C", 2.9, 2.2),
    ("EN: EN: WS: 2C", 180.0, 172.0),
    ("EN: EN: WA: 1C", 41.0, 47.0),
    ("EN: E: E: 1C", 61.0, 68.0),
    ("SC: EH: ED: 3C", 38_500.0, 40_200.0),
    ("SC: EH: H: 2C", 83.4, 83.9),
    ("SC: SH: SI: 3C", 7.1, 6.8),
    ("SC: SH: SI: 4C", 66.0, 68.0),
];

/// The 2019 baseline and a 2024 assessment started from it, and KPI values for 2019 and 2023.
async fn load_u4ssc(db: &Db, author: &Author, chief: i64, management: i64) -> Result<()> {
    use rodtrad_domain::u4ssc::{Phase, Process};
    for (i, year) in [2019_i64, 2024].into_iter().enumerate() {
        db.u4ssc_start_year(author, year, true).await?;
        for (r, process) in Process::ALL.into_iter().enumerate() {
            for (c, phase) in Phase::ALL.into_iter().enumerate() {
                let Some(level) = U4SSC_LEVELS[i][r][c] else { continue };
                let cell = db.u4ssc_cell(author.municipality_id, year, process, phase).await?;
                let evidence = if i == 0 { U4SSC_EVIDENCE[r].0 } else { U4SSC_EVIDENCE[r].1 };
                let input = crate::u4ssc::CellInput {
                    maturity: Some(level),
                    evidence: evidence.to_owned(),
                    responsible_person_id: Some(if r % 2 == 0 { management } else { chief }),
                    assessed_on: NaiveDate::from_ymd_opt(
                        year as i32,
                        if i == 0 { 10 } else { 9 },
                        1 + (r * 5 + c) as u32,
                    ),
                };
                db.u4ssc_cell_save(author, year, process, phase, &input, cell.version).await?;
            }
        }
    }
    for (year, column) in [(2019, 0), (2023, 1)] {
        let rows: Vec<_> = U4SSC_KPIS
            .iter()
            .map(|(code, a, b)| rodtrad_domain::u4ssc::KpiRow {
                code: (*code).to_owned(),
                year,
                value: if column == 0 { *a } else { *b },
                note: None,
            })
            .collect();
        db.u4ssc_kpi_import(author, &rows, "Demodata").await?;
    }
    Ok(())
}

/// The demo logins with what each one leads.
async fn logins(db: &Db, municipality_id: i64) -> Result<Vec<DemoLogin>> {
    let tree = db.org_tree(municipality_id).await?;
    let mut out = Vec::new();
    for login in [
        "admin",
        "kommunedirektor",
        "styring",
        "direktor",
        "leder",
        "avdelingsleder",
        "ansatt",
        "politiker",
        "revisor",
        "hr",
    ] {
        let email = format!("{login}@{MAIL_DOMAIN}");
        let Some(user) = db.user_by_email(&email).await? else { continue };
        let roles = db.user_roles(user.id).await?;
        let led = user.person_id.and_then(|p| tree.units().iter().find(|u| u.leader_person_id == Some(p)));
        let note = match led {
            Some(unit) => format!("{} – {}", user.display_name, unit.name),
            None => user.display_name.clone(),
        };
        let role = *roles.iter().find(|r| **r != Role::Management).or(roles.first()).unwrap_or(&Role::Employee);
        out.push(DemoLogin { role, email, note });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(ascii_slug("Bjørn Ærlig-Å"), "bjornaerliga");
    }

    #[test]
    fn demo_data_parses_and_has_the_promised_size() {
        let org: Organisation = serde_json::from_str(ORGANISATION).unwrap();
        let units: usize = org.service_areas.iter().map(|a| a.units.len()).sum();
        assert_eq!(org.service_areas.len(), 6);
        assert!((140..=160).contains(&units), "{units} units");
        let names: Names = serde_json::from_str(NAMES).unwrap();
        assert!(names.given_names.len() >= 100 && names.family_names.len() >= 100);
    }
}
