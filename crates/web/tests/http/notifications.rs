//! In-app notifications (made once per account, kind and subject however often the run repeats;
//! read only by their owner) and e-mail digests received by a real SMTP server on loopback: the
//! one `scripts/test` starts (`RODTRAD_TEST_SMTP_PORT`, `RODTRAD_TEST_SMTP_DIR`), or else one this
//! test starts from `scripts/smtp-sink.py` (Python with aiosmtpd, Debian's python3-aiosmtpd).

use crate::both;
use crate::harness::TestApp;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use rodtrad_domain::Name;
use rodtrad_domain::followup::Status;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanType};
use rodtrad_service::mail::{Mailer, SmtpConfig, TlsMode};
use rodtrad_store::followup::NewReport;
use rodtrad_store::plans::{ElementInput, PlanInput};
use rodtrad_store::{Author, on_db};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn author(t: &TestApp) -> Author {
    Author { municipality_id: t.fx.municipality, user_id: None, name: "Oppsett".into() }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Xskolen's plan with an overdue and a due-soon measure of the employee's and a measure with a
/// deviation (which opens a dialogue between Xskolen's leader and the director); returns
/// (overdue, due soon, deviation).
async fn scene(t: &TestApp, overdue_text: &str) -> (i64, i64, i64) {
    let fx = t.fx.clone();
    let a = author(t);
    let year = today().year();
    t.db.followup_periods_create(&a, year).await.unwrap();
    let period = t.db.followup_current_period(fx.municipality, today()).await.unwrap().unwrap().id;
    let input = PlanInput {
        plan_type: PlanType::UnitPlan,
        title: Name::parse("Virksomhetsplan Xskolen").unwrap(),
        start_year: year - 1,
        end_year: year + 1,
        owner_unit_id: Some(fx.unit_x),
        published: false,
    };
    let plan = t.db.plan_create(&a, &input, &[]).await.unwrap();
    let el = |kind, text: &str, responsible, deadline| ElementInput {
        kind,
        text: text.into(),
        owner_unit_id: Some(fx.unit_x),
        responsible_person_id: responsible,
        deadline,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let main =
        t.db.element_create(&a, plan, None, &el(ElementKind::MainGoal, "Gode skoler", None, None)).await.unwrap();
    let sub = el(ElementKind::SubGoal, "Elevene leser godt", None, None);
    let goal = t.db.element_create(&a, plan, Some(main), &sub).await.unwrap();
    let day = |d: i64| Some(today() + Duration::days(d));
    let measure = |text: &str, responsible, deadline| el(ElementKind::Measure, text, responsible, deadline);
    let overdue =
        t.db.element_create(&a, plan, Some(goal), &measure(overdue_text, Some(fx.employee_x), day(-3))).await.unwrap();
    let soon =
        t.db.element_create(&a, plan, Some(goal), &measure("Leseuke", Some(fx.employee_x), day(4))).await.unwrap();
    let deviation = t.db.element_create(&a, plan, Some(goal), &measure("Redusere fravær", None, None)).await.unwrap();
    let report = NewReport {
        element_id: deviation,
        period_id: period,
        status: Status::Deviation,
        progress: 10,
        comment: "Fraværet øker".into(),
        base_version: 0,
        dialogue: Some((fx.unit_x, Some(fx.area))),
    };
    t.db.followup_report(&a, &report).await.unwrap();
    (overdue, soon, deviation)
}

async fn scalar(t: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

both!(notifications_are_made_once_and_read_by_their_owner, |t: TestApp| async move {
    let fx = t.fx.clone();
    let (overdue, soon, _) = scene(&t, "Kartlegge leseferdigheter").await;
    // The employee: overdue and due soon; Xskolen's leader: the same two and the dialogue; the
    // director: the dialogue.
    let made = rodtrad_service::notify::run(&t.db, fx.municipality, today()).await.unwrap();
    assert_eq!(made, 6);
    let again = rodtrad_service::notify::run_all(&t.db, today()).await.unwrap();
    assert_eq!(again, 0, "a second run makes nothing new");
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM notifications").await, 6);

    let mut employee = t.login("ansattx").await;
    employee.get("/").await.expect(200).contains("href=\"/notifications\"").contains("Varsler, 2 uleste");
    let page = employee.get("/notifications").await.expect(200);
    page.contains("Kartlegge leseferdigheter").contains("Leseuke").contains("Forfalt").contains("Frist snart");
    page.contains(&format!("href=\"/followup/items/{overdue}\"")).lacks("Redusere fravær");
    let user = scalar(&t, "SELECT id FROM users WHERE email = 'ansattx@a.test'").await;
    let id_of =
        |subject: i64| format!("SELECT id FROM notifications WHERE user_id = {user} AND subject_id = {subject}");
    let first = scalar(&t, &id_of(overdue)).await;
    let second = scalar(&t, &id_of(soon)).await;
    employee.post(&format!("/notifications/{first}/read"), &[]).await.expect(303);
    assert_eq!(t.db.notifications_unread(user).await.unwrap(), 1);
    employee.get("/").await.contains("Varsler, 1 uleste");

    // Nobody else reads or marks them: another account's id is not found.
    let mut leader = t.login("lederx").await;
    leader.post(&format!("/notifications/{second}/read"), &[]).await.expect(404);
    assert_eq!(t.db.notifications_unread(user).await.unwrap(), 1);
    leader.get("/notifications").await.expect(200).contains("Redusere fravær").contains("Ny lederdialog");

    employee.post("/notifications/read-all", &[]).await.expect(303);
    assert_eq!(t.db.notifications_unread(user).await.unwrap(), 0);
    employee.get("/notifications").await.expect(200).lacks("Merk som lest</button>");
    assert_eq!(
        rodtrad_service::notify::run(&t.db, fx.municipality, today()).await.unwrap(),
        0,
        "read ones are not made again"
    );
});

both!(notifications_through_the_api_are_the_callers_own, |t: TestApp| async move {
    use crate::api::token_client;
    use axum::http::Method;
    let fx = t.fx.clone();
    let (overdue, soon, _) = scene(&t, "Kartlegge leseferdigheter").await;
    rodtrad_service::notify::run(&t.db, fx.municipality, today()).await.unwrap();
    let user = scalar(&t, "SELECT id FROM users WHERE email = 'ansattx@a.test'").await;
    let id_of =
        |subject: i64| format!("SELECT id FROM notifications WHERE user_id = {user} AND subject_id = {subject}");
    let (a, b) = (scalar(&t, &id_of(overdue)).await, scalar(&t, &id_of(soon)).await);
    let (older, newer) = (a.min(b), a.max(b));
    let ids = |v: &Value| -> Vec<i64> {
        v["notifications"].as_array().unwrap().iter().map(|n| n["id"].as_i64().unwrap()).collect()
    };

    let mut api = token_client(&t, "ansattx").await;
    let list = api.get("/api/v1/notifications").await.expect(200).json();
    assert_eq!(list["unread"], 2);
    assert_eq!(ids(&list), vec![newer, older], "newest first");
    let first = list["notifications"].as_array().unwrap().iter().find(|n| n["id"] == a).unwrap().clone();
    assert_eq!(first["kind"], "overdue");
    assert_eq!(first["text"], "Kartlegge leseferdigheter");
    assert_eq!(first["link"], format!("/followup/items/{overdue}"));
    assert!(first["read_at"].is_null() && first["due_on"].is_string());

    // A signed-in browser session marks one read only with its CSRF token; nothing changes without.
    let mut session = t.login("ansattx").await;
    let read_newer = format!("/api/v1/notifications/{newer}/read");
    session.send(Method::POST, &read_newer, None, &[]).await.expect(403);
    assert_eq!(t.db.notifications_unread(user).await.unwrap(), 2);
    let csrf = session.csrf().await;
    let res = session.send(Method::POST, &read_newer, None, &[("x-csrf-token", csrf.as_str())]).await.expect(200);
    assert_eq!(res.json()["id"], newer);
    assert!(res.json()["read_at"].is_string());
    assert_eq!(t.db.notifications_unread(user).await.unwrap(), 1);
    // Marking it again changes nothing and writes nothing.
    let audit = t.audit_count().await;
    api.send(Method::POST, &read_newer, None, &[]).await.expect(200);
    assert_eq!(t.audit_count().await, audit);

    // Unread first: the older unread one now comes before the newer read one.
    let list = api.get("/api/v1/notifications").await.expect(200).json();
    assert_eq!((list["unread"].as_i64(), ids(&list)), (Some(1), vec![older, newer]));
    let unread = api.get("/api/v1/notifications?unread=true").await.expect(200).json();
    assert_eq!((unread["unread"].as_i64(), ids(&unread)), (Some(1), vec![older]));
    assert_eq!(ids(&api.get("/api/v1/notifications?unread=false").await.expect(200).json()), vec![older, newer]);
    let bad = api.get("/api/v1/notifications?unread=kanskje").await.expect(422).json();
    assert_eq!(bad["error"], "err-notifications-unread-filter");
    assert!(bad["message"].as_str().unwrap().contains("kanskje"), "{bad}");

    // Another account sees only its own, and another account's id is not found, like an unknown one.
    let mut leader = token_client(&t, "lederx").await;
    let theirs = ids(&leader.get("/api/v1/notifications").await.expect(200).json());
    assert_eq!(theirs.len(), 3);
    assert!(!theirs.contains(&older) && !theirs.contains(&newer));
    let audit = t.audit_count().await;
    let guessed = leader.send(Method::POST, &format!("/api/v1/notifications/{older}/read"), None, &[]).await;
    let unknown = leader.send(Method::POST, &format!("/api/v1/notifications/{}/read", newer + 1000), None, &[]).await;
    assert_eq!((guessed.status.as_u16(), unknown.status.as_u16()), (404, 404));
    assert_eq!(guessed.json()["error"], unknown.json()["error"]);
    assert_eq!(t.db.notifications_unread(user).await.unwrap(), 1, "the guess marked nothing");
    assert_eq!(t.audit_count().await, audit);
    // Without an account: 401.
    t.client().get("/api/v1/notifications").await.expect(401);

    // The OpenAPI document describes both routes.
    let doc = api.get("/api/v1/openapi.json").await.expect(200).json();
    assert!(doc["paths"]["/api/v1/notifications"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/notifications/{notification}/read"]["post"].is_object());
    assert!(doc["components"]["schemas"]["NotificationsDto"].is_object());
});

/// The SMTP server the digests go to.
struct Sink {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Sink {
    /// The server `scripts/test` started, or a new one from `scripts/smtp-sink.py`.
    fn start() -> Sink {
        if let (Ok(port), Ok(dir)) = (std::env::var("RODTRAD_TEST_SMTP_PORT"), std::env::var("RODTRAD_TEST_SMTP_DIR")) {
            return Sink {
                port: port.parse().expect("RODTRAD_TEST_SMTP_PORT is a port"),
                dir: dir.into(),
                child: None,
            };
        }
        let dir = std::env::temp_dir().join(format!("rodtrad-smtp-{}", rodtrad_store::random_token(8)));
        std::fs::create_dir_all(&dir).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp-sink.py");
        let python = std::env::var("RODTRAD_TEST_PYTHON").unwrap_or_else(|_| {
            if Path::new("/usr/bin/python3").exists() { "/usr/bin/python3".into() } else { "python3".into() }
        });
        let port_file = dir.join("port");
        let mut child = Command::new(&python)
            .arg(&script)
            .arg("--dir")
            .arg(&dir)
            .arg("--port-file")
            .arg(&port_file)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python} {}: {e}", script.display()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Ok(port) = std::fs::read_to_string(&port_file) {
                return Sink { port: port.trim().parse().unwrap(), dir, child: Some(child) };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the SMTP sink stopped ({status}); it needs Python with aiosmtpd (apt-get install python3-aiosmtpd)"
                );
            }
            assert!(std::time::Instant::now() < deadline, "the SMTP sink did not start within 20 seconds");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// The messages received for `address` so far.
    fn messages_to(&self, address: &str) -> Vec<Value> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                // SMTP carries lines ended by CRLF; the text was written with LF.
                let body = m["body"].as_str().unwrap_or_default().replace("\r\n", "\n");
                m["body"] = Value::String(body);
                if m["rcpt_tos"].as_array().unwrap().iter().any(|r| r == address) {
                    out.push(m);
                }
            }
        }
        out
    }

    /// The one message received for `address`, waiting up to 20 seconds; fails when none arrives.
    async fn message_to(&self, address: &str) -> Value {
        for _ in 0..200 {
            let mut found = self.messages_to(address);
            if !found.is_empty() {
                assert_eq!(found.len(), 1, "one digest for {address}");
                return found.remove(0);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no message for {address} arrived at the SMTP server");
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

both!(digests_reach_a_real_smtp_server_in_each_users_language, |t: TestApp| async move {
    let sink = Sink::start();
    let fx = t.fx.clone();
    let (overdue, _, deviation) = scene(&t, "Kartlegge leseferdigheter – æøå ÆØÅ").await;
    // Addresses of this run only (the sink may be shared with the other database's run).
    let token = rodtrad_store::random_token(8).to_lowercase();
    let address = |login: &str| format!("{login}-{token}@a.test");
    for login in ["ansattx", "lederx", "direktor", "ledery"] {
        let sql = format!("UPDATE users SET email = '{}' WHERE email = '{login}@a.test'", address(login));
        on_db!(&t.db, pool => { sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await.unwrap(); });
    }
    on_db!(&t.db, pool => {
        sqlx::query("UPDATE users SET locale = 'en' WHERE email = $1").bind(address("lederx")).execute(pool).await.unwrap();
    });
    // Yskolen's leader has an overdue measure but opts out on the profile page.
    let year = today().year();
    let input = PlanInput {
        plan_type: PlanType::UnitPlan,
        title: Name::parse("Virksomhetsplan Yskolen").unwrap(),
        start_year: year - 1,
        end_year: year + 1,
        owner_unit_id: Some(fx.unit_y),
        published: false,
    };
    let plan = t.db.plan_create(&author(&t), &input, &[]).await.unwrap();
    let goal = |kind, text: &str| ElementInput {
        kind,
        text: text.into(),
        owner_unit_id: Some(fx.unit_y),
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let main = t.db.element_create(&author(&t), plan, None, &goal(ElementKind::MainGoal, "Gode skoler")).await.unwrap();
    let sub =
        t.db.element_create(&author(&t), plan, Some(main), &goal(ElementKind::SubGoal, "Trygge elever")).await.unwrap();
    let m = ElementInput {
        kind: ElementKind::Measure,
        text: "Yskolens forfalte tiltak".into(),
        owner_unit_id: Some(fx.unit_y),
        responsible_person_id: Some(fx.leader_y),
        deadline: Some(today() - Duration::days(1)),
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    t.db.element_create(&author(&t), plan, Some(sub), &m).await.unwrap();
    let mut other = t.client();
    other.login(&address("ledery"), crate::harness::PASSWORD).await.expect(303);
    other.get("/profile").await.expect(200).contains("name=\"digest\"").contains("checked");
    other.post("/profile/digest", &[]).await.expect(303);
    other.get("/profile").await.expect(200).lacks(" checked");

    let mailer = Mailer::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port: sink.port,
        from: "Rødtråd <rodtrad@a.test>".into(),
        tls: TlsMode::None,
        username: None,
        password: None,
    })
    .unwrap();
    let i18n = std::sync::Arc::new(rodtrad_web::i18n::I18n::load().unwrap());
    let send =
        || rodtrad_web::dashboard::digest::send_digests(&t.db, i18n.clone(), &mailer, "https://rodtrad.test/", today());
    let summary = send().await.unwrap();
    assert_eq!((summary.sent, summary.failed), (3, 0), "{summary:?}");

    // The employee's digest, in bokmål, decoded from its transfer encoding.
    let m = sink.message_to(&address("ansattx")).await;
    assert_eq!(m["rcpt_tos"], serde_json::json!([address("ansattx")]));
    assert_eq!(m["subject"], "Rødtråd: 1 forfalt, 1 med frist snart, 0 åpne lederdialoger");
    assert!(m["from"].as_str().unwrap().contains("rodtrad@a.test"));
    // The text went over the wire encoded (æøå are not 7-bit); the sink decoded it.
    let encoding = m["transfer_encoding"].as_str().unwrap().to_ascii_lowercase();
    assert!(encoding == "quoted-printable" || encoding == "base64", "{encoding}");
    let body = m["body"].as_str().unwrap();
    let deadline = (today() - Duration::days(3)).format("%d.%m.%Y").to_string();
    for text in [
        "Hei ansattx,",
        "Forfalt (1)",
        "Kartlegge leseferdigheter – æøå ÆØÅ (Xskolen, frist ",
        deadline.as_str(),
        &format!("https://rodtrad.test/followup/items/{overdue}"),
        "Frist snart (1)",
        "https://rodtrad.test/dashboard",
        "https://rodtrad.test/profile",
    ] {
        assert!(body.contains(text), "{text:?} missing from:\n{body}");
    }
    assert!(!body.contains("Redusere fravær"), "the employee is no party to the dialogue");

    // Xskolen's leader reads English and is a party to the dialogue; so is the director.
    let m = sink.message_to(&address("lederx")).await;
    assert_eq!(m["subject"], "Rødtråd: 1 overdue, 1 due soon, 1 open management dialogues");
    let body = m["body"].as_str().unwrap();
    assert!(body.starts_with("Hello lederx,"), "{body}");
    let dialogue = scalar(&t, &format!("SELECT id FROM status_dialogues WHERE element_id = {deviation}")).await;
    assert!(
        body.contains(&format!("Redusere fravær (Xskolen)\n  https://rodtrad.test/followup/dialogues/{dialogue}")),
        "{body}"
    );
    let m = sink.message_to(&address("direktor")).await;
    assert!(m["body"].as_str().unwrap().contains("Åpne lederdialoger (1)"));
    assert!(sink.messages_to(&address("ledery")).is_empty(), "opted out");

    // One digest a day: a second run sends nothing.
    let again = send().await.unwrap();
    assert_eq!(again.sent, 0);
    assert_eq!(sink.messages_to(&address("ansattx")).len(), 1);
});
