//! Test harness: a fresh database per test (a temp SQLite file, or a new PostgreSQL schema),
//! a small two-municipality fixture, and a client that keeps cookies and CSRF tokens.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use rodtrad_domain::{Email, Kommunenummer, Name, OrgUnitKind, Role};
use rodtrad_store::org::{NewOrgUnit, OrgUnitChange};
use rodtrad_store::password::{self, HashCost};
use rodtrad_store::people::PersonInput;
use rodtrad_store::users::NewUser;
use rodtrad_store::{Author, Db};
use rodtrad_web::{AppState, WebConfig};
use sqlx::postgres::PgConnectOptions;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::str::FromStr;
use tower::ServiceExt;

/// Password of every fixture account.
pub const PASSWORD: &str = "passord-for-test";
const CHEAP: HashCost = HashCost { memory_kib: 1024, iterations: 1 };

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Ids of the fixture: municipality A with a service area, two schools (X with a department),
/// a staff unit, people and one account per role; municipality B with one account.
#[derive(Clone, Debug, Default)]
pub struct Fixture {
    pub municipality: i64,
    pub other_municipality: i64,
    pub root: i64,
    pub area: i64,
    pub staff: i64,
    pub unit_x: i64,
    pub dept_x: i64,
    pub unit_y: i64,
    pub leader_x: i64,
    pub leader_y: i64,
    pub employee_x: i64,
    pub employee_y: i64,
    pub dept_head: i64,
    pub director: i64,
    pub other_root: i64,
}

pub struct TestApp {
    pub app: Router,
    pub db: Db,
    pub fx: Fixture,
    pub backend: Backend,
}

fn postgres_url() -> String {
    std::env::var("RODTRAD_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Runs `body` against a fresh database of `backend`, then removes that database.
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    let suffix = rodtrad_store::random_token(6);
    let (db, cleanup) = match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("rodtrad-test-{suffix}.db"));
            let db = Db::connect(&format!("sqlite://{}", path.display())).await.expect("open SQLite");
            (db, Cleanup::SqliteFile(path))
        }
        Backend::Postgres => {
            if std::env::var("RODTRAD_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
                eprintln!("PostgreSQL skipped (RODTRAD_TEST_SKIP_POSTGRES=1)");
                return;
            }
            let url = postgres_url();
            let schema = format!("rt_test_{suffix}");
            let admin = sqlx::PgPool::connect(&url).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is required for the test suite but unreachable at {url}: {e}. \
                     Start it, point RODTRAD_TEST_POSTGRES_URL at one, or (locally only) set RODTRAD_TEST_SKIP_POSTGRES=1."
                )
            });
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin)
                .await
                .expect("create schema");
            // A test's schema is dropped at its end, so its commits need not wait for the disk
            // (`synchronous_commit = off` changes durability after a crash, nothing a test sees:
            // locking, isolation and constraints are the same).
            let options = PgConnectOptions::from_str(&url)
                .expect("PostgreSQL URL")
                .options([("search_path", schema.as_str()), ("synchronous_commit", "off")]);
            let db = Db::connect_postgres(options).await.expect("connect to schema");
            (db, Cleanup::PostgresSchema { admin, schema })
        }
    };
    db.migrate().await.expect("migrate");
    let fx = fixture(&db).await;
    body(TestApp { app: app_on(&db), db: db.clone(), fx, backend }).await;
    db.close().await;
    cleanup.run().await;
}

/// The test configuration: the defaults with a cheap password hash.
fn test_config() -> WebConfig {
    WebConfig { hash_cost: CHEAP, ..WebConfig::default() }
}

/// A router on `db` with `config`, as a separate application process would have.
fn app_with(db: &Db, config: WebConfig) -> Router {
    rodtrad_web::router(AppState::new(db.clone(), config).expect("i18n loads"))
}

/// A router on `db` with the test configuration.
fn app_on(db: &Db) -> Router {
    app_with(db, test_config())
}

/// What to remove after a test.
enum Cleanup {
    SqliteFile(std::path::PathBuf),
    PostgresSchema { admin: sqlx::PgPool, schema: String },
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::SqliteFile(path) => {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
                }
            }
            Cleanup::PostgresSchema { admin, schema } => {
                let drop = format!("DROP SCHEMA {schema} CASCADE");
                let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&admin).await;
                admin.close().await;
            }
        }
    }
}

/// Generates `mod $name { sqlite(), postgres() }` so every behaviour is tested on both databases.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::harness::run($crate::harness::Backend::Sqlite, $body).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::harness::run($crate::harness::Backend::Postgres, $body).await
            }
        }
    };
}

async fn fixture(db: &Db) -> Fixture {
    let mid = db
        .municipality_create(&Name::parse("Testkommune").unwrap(), &Kommunenummer::parse("0301").unwrap(), "test")
        .await
        .unwrap();
    let a = Author { municipality_id: mid, user_id: None, name: "Testoppsett".into() };
    let root = db.org_tree(mid).await.unwrap().children(None)[0];
    let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let unit = |parent: i64, kind: OrgUnitKind, name: &str| NewOrgUnit {
        parent_id: Some(parent),
        kind,
        name: Name::parse(name).unwrap(),
        short_name: None,
        leader_person_id: None,
        valid_from: day,
    };
    let area = db.org_unit_create(&a, &unit(root, OrgUnitKind::ServiceArea, "Oppvekst")).await.unwrap();
    let staff = db.org_unit_create(&a, &unit(root, OrgUnitKind::Staff, "Økonomi")).await.unwrap();
    let unit_x = db.org_unit_create(&a, &unit(area, OrgUnitKind::Unit, "Xskolen")).await.unwrap();
    let dept_x = db.org_unit_create(&a, &unit(unit_x, OrgUnitKind::Department, "Xskolen SFO")).await.unwrap();
    let unit_y = db.org_unit_create(&a, &unit(area, OrgUnitKind::Unit, "Yskolen")).await.unwrap();
    let person = |name: &str, email: &str, unit: i64| PersonInput {
        name: Name::parse(name).unwrap(),
        email: Some(Email::parse(email).unwrap()),
        title: Some("Tittel".into()),
        unit_id: Some(unit),
        active: true,
    };
    let director = db.person_create(&a, &person("Dina Direktør", "dina@test.no", area)).await.unwrap();
    let leader_x = db.person_create(&a, &person("Xavier Leder", "xavier@test.no", unit_x)).await.unwrap();
    let leader_y = db.person_create(&a, &person("Yvonne Leder", "yvonne@test.no", unit_y)).await.unwrap();
    let employee_x = db.person_create(&a, &person("Erik Ansatt", "erik@test.no", unit_x)).await.unwrap();
    let employee_y = db.person_create(&a, &person("Ylva Hemmelig", "ylva@test.no", unit_y)).await.unwrap();
    let dept_head = db.person_create(&a, &person("Siri SFO-leder", "siri@test.no", dept_x)).await.unwrap();
    for (unit_id, leader) in [(area, director), (unit_x, leader_x), (unit_y, leader_y), (dept_x, dept_head)] {
        let u = db.org_unit(mid, unit_id).await.unwrap();
        let change = OrgUnitChange {
            parent_id: u.parent_id,
            name: Name::parse(&u.name).unwrap(),
            short_name: None,
            leader_person_id: Some(leader),
            valid_from: u.valid_from,
            valid_to: None,
        };
        db.org_unit_update(&a, unit_id, u.version, &change).await.unwrap();
    }
    let hash = password::hash(PASSWORD, CHEAP);
    let accounts: [(&str, Role, Option<i64>); 10] = [
        ("admin", Role::SystemAdmin, None),
        ("styring", Role::Management, None),
        ("direktor", Role::Leader, Some(director)),
        ("lederx", Role::Leader, Some(leader_x)),
        ("ledery", Role::Leader, Some(leader_y)),
        ("ansattx", Role::Employee, Some(employee_x)),
        ("avdleder", Role::Leader, Some(dept_head)),
        ("politiker", Role::Politician, None),
        ("revisor", Role::Auditor, None),
        ("hr", Role::Hr, None),
    ];
    for (login, role, person_id) in accounts {
        let new = NewUser {
            municipality_id: mid,
            person_id,
            email: Email::parse(&format!("{login}@a.test")).unwrap(),
            display_name: Name::parse(login).unwrap(),
            password_hash: hash.clone(),
            roles: vec![role],
        };
        db.user_create(&a, &new).await.unwrap();
    }
    let other = db
        .municipality_create(&Name::parse("Annen kommune").unwrap(), &Kommunenummer::parse("4601").unwrap(), "test")
        .await
        .unwrap();
    let b = Author { municipality_id: other, user_id: None, name: "Testoppsett".into() };
    let new = NewUser {
        municipality_id: other,
        person_id: None,
        email: Email::parse("admin@b.test").unwrap(),
        display_name: Name::parse("B-admin").unwrap(),
        password_hash: hash,
        roles: vec![Role::SystemAdmin],
    };
    db.user_create(&b, &new).await.unwrap();
    let other_root = db.org_tree(other).await.unwrap().children(None)[0];
    Fixture {
        municipality: mid,
        other_municipality: other,
        root,
        area,
        staff,
        unit_x,
        dept_x,
        unit_y,
        leader_x,
        leader_y,
        employee_x,
        employee_y,
        dept_head,
        director,
        other_root,
    }
}

/// A response, with the body as text.
#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Res {
    /// The `Location` header.
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// Asserts the status and returns self.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body:\n{}",
            &self.body[..self.body.len().min(3000)]
        );
        self
    }

    /// Asserts the body contains `text` (HTML-escaped as the templates escape it).
    #[track_caller]
    pub fn contains(&self, text: &str) -> &Self {
        assert!(
            self.body.contains(text) || self.body.contains(&escape(text)),
            "expected body to contain {text:?}; body:\n{}",
            &self.body[..self.body.len().min(4000)]
        );
        self
    }

    /// Asserts the body does not contain `text`.
    #[track_caller]
    pub fn lacks(&self, text: &str) -> &Self {
        assert!(!self.body.contains(text) && !self.body.contains(&escape(text)), "body must not contain {text:?}");
        self
    }

    /// The first CSRF token in a form.
    pub fn csrf(&self) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        Some(self.body[start..].split('"').next()?.to_owned())
    }

    /// The value of the first input named `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\"");
        let start = self.body.find(&marker)?;
        let rest = &self.body[start..];
        let end = rest.find('>')?;
        let tag = &rest[..end];
        let v = tag.find("value=\"")? + 7;
        Some(tag[v..].split('"').next()?.to_owned())
    }

    /// Parses the body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

/// HTML escaping as askama does it.
pub fn escape(text: &str) -> String {
    text.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;").replace('\'', "&#39;")
}

/// A browser-like client: keeps cookies, knows its client address.
pub struct Client {
    app: Router,
    cookies: HashMap<String, String>,
    pub ip: [u8; 4],
    pub bearer: Option<String>,
}

impl TestApp {
    /// A new anonymous client.
    pub fn client(&self) -> Client {
        Client { app: self.app.clone(), cookies: HashMap::new(), ip: [127, 0, 0, 1], bearer: None }
    }

    /// A client signed in as `login@a.test`.
    pub async fn login(&self, login: &str) -> Client {
        let mut c = self.client();
        c.login(&format!("{login}@a.test"), PASSWORD).await.expect(303);
        c
    }

    /// Another application process on the same database, with its own caches.
    pub fn second_process(&self) -> TestApp {
        TestApp { app: app_on(&self.db), db: self.db.clone(), fx: self.fx.clone(), backend: self.backend }
    }

    /// Another application process on the same database, with `change` applied to its configuration.
    pub fn configured(&self, change: impl FnOnce(&mut WebConfig)) -> TestApp {
        let mut config = test_config();
        change(&mut config);
        TestApp { app: app_with(&self.db, config), db: self.db.clone(), fx: self.fx.clone(), backend: self.backend }
    }

    /// Number of audit rows in municipality A.
    pub async fn audit_count(&self) -> i64 {
        self.db.audit_count(self.fx.municipality).await.unwrap()
    }
}

impl Client {
    /// Sends a request and records cookies.
    pub async fn send(&mut self, method: Method, path: &str, body: Option<String>, headers: &[(&str, &str)]) -> Res {
        let form = body.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        let form_type = [("content-type", "application/x-www-form-urlencoded")];
        let headers: Vec<(&str, &str)> =
            headers.iter().copied().chain(form_type.into_iter().filter(|_| form)).collect();
        self.send_body(method, path, body.map(Body::from).unwrap_or_else(Body::empty), &headers).await
    }

    /// Sends a request with any body and records cookies.
    pub async fn send_body(&mut self, method: Method, path: &str, body: Body, headers: &[(&str, &str)]) -> Res {
        let mut req = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let cookie: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header(header::COOKIE, cookie.join("; "));
        }
        if let Some(token) = &self.bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = req.body(body).unwrap();
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from((self.ip, 40000))));
        let response = self.app.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let parsed = cookie::Cookie::parse(set.to_str().unwrap().to_owned()).unwrap();
            if parsed.max_age().is_some_and(|a| a.is_zero()) || parsed.value().is_empty() {
                self.cookies.remove(parsed.name());
            } else {
                self.cookies.insert(parsed.name().to_owned(), parsed.value().to_owned());
            }
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Res { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    /// GET.
    pub async fn get(&mut self, path: &str) -> Res {
        self.send(Method::GET, path, None, &[]).await
    }

    /// POST a form as is (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, form: &[(&str, &str)]) -> Res {
        let body = serde_urlencoded::to_string(form).unwrap();
        self.send(Method::POST, path, Some(body), &[]).await
    }

    /// The CSRF token a page would give this client.
    pub async fn csrf(&mut self) -> String {
        if self.cookies.contains_key("rodtrad_session")
            && let Some(token) = self.get("/profile").await.csrf()
        {
            return token;
        }
        self.get("/login").await.csrf().expect("page has a CSRF token")
    }

    /// POST a form with a valid CSRF token.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Res {
        let token = self.csrf().await;
        let mut fields: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        fields.extend_from_slice(form);
        self.post_raw(path, &fields).await
    }

    /// Logs in through the form.
    pub async fn login(&mut self, email: &str, password: &str) -> Res {
        self.post("/login", &[("email", email), ("password", password), ("next", "/")]).await
    }

    /// A cookie's value.
    pub fn cookie(&self, name: &str) -> Option<&String> {
        self.cookies.get(name)
    }

    /// Sets a cookie by hand.
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }
}
