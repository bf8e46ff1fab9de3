//! Deviations and improvement (issue #16 §3): a registration refused with its values kept and
//! nothing written (no title, a national identity number, a name until the reporter confirms), the
//! workflow from triage through cause and measures to closing with an effect check (closing
//! without it, or with a measure open, changes nothing; a stale form is 409), restricted health and
//! HR deviations seen only by the reporter and the line in pages, lists, exports and the API while
//! the trends count them without text, their audit rows without the text, and ideas moving along
//! the innovation pipeline one step at a time.

use crate::api::{json, token_client};
use crate::both;
use crate::harness::{Client, Res, TestApp};
use axum::http::Method;
use rodtrad_store::on_db;

async fn scalar(t: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

async fn count(t: &TestApp) -> i64 {
    scalar(t, "SELECT COUNT(*) FROM deviations").await
}

async fn post(c: &mut Client, path: &str, f: &[(&str, String)]) -> Res {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(path, &pairs).await
}

/// A registration's fields for school X.
fn registration(t: &TestApp, category: &str, title: &str, description: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "incident".into()),
        ("category", category.into()),
        ("unit_id", t.fx.unit_x.to_string()),
        ("title", title.into()),
        ("description", description.into()),
        ("immediate_action", "Varslet leder straks.".into()),
        ("occurred_on", "01.12.2026".into()),
    ]
}

/// Registers through the form; returns the new deviation's id.
async fn register(c: &mut Client, f: &[(&str, String)]) -> i64 {
    let res = post(c, "/deviations", f).await.expect(303);
    let id = res.location().strip_prefix("/deviations/").unwrap().split('?').next().unwrap();
    id.parse().unwrap()
}

async fn version(t: &TestApp, id: i64) -> String {
    scalar(t, &format!("SELECT version FROM deviations WHERE id = {id}")).await.to_string()
}

async fn status(t: &TestApp, id: i64) -> String {
    let sql = format!("SELECT status FROM deviations WHERE id = {id}");
    on_db!(&t.db, pool => sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

both!(a_deviation_is_registered_triaged_analysed_and_closed_with_an_effect_check, |t: TestApp| async move {
    let mut reporter = t.login("ansattx").await;
    reporter.get("/deviations/new").await.expect(200).contains("fødselsnummer");
    // Refused registrations keep what was typed and write nothing.
    let mut f = registration(&t, "services", "", "Dør til lager stod ulåst over natten.");
    let res = post(&mut reporter, "/deviations", &f).await.expect(422);
    res.contains("Skriv en kort tittel.").contains("Dør til lager stod ulåst over natten.");
    f[3].1 = "Ulåst lager".into();
    f[4].1 = "Nøkkel lånt av 01010750160 ble ikke levert.".into();
    post(&mut reporter, "/deviations", &f).await.expect(422).contains("fødselsnummer");
    f[4].1 = "Etter vakt ble Ola Nordmann sett ved lageret.".into();
    let res = post(&mut reporter, "/deviations", &f).await.expect(422);
    res.contains("Ola Nordmann").contains("name=\"names_checked\"");
    let mut other_municipality = f.clone();
    other_municipality[2].1 = t.fx.other_root.to_string();
    post(&mut reporter, "/deviations", &other_municipality).await.expect(404);
    assert_eq!(count(&t).await, 0);
    f[4].1 = "Døren til lageret stod ulåst over natten.".into();
    let id = register(&mut reporter, &f).await;
    let page = format!("/deviations/{id}");
    reporter.get(&format!("{page}?registered=1")).await.expect(200).contains("Meldt").lacks("action=\"/deviations/");
    // The reporter reads it but does not handle it; the leader of another unit does not see it.
    let v = version(&t, id).await;
    let triage = |v: &str, severity: &str| {
        vec![
            ("version", v.to_owned()),
            ("decision", "accept".to_owned()),
            ("severity", severity.to_owned()),
            ("reason", String::new()),
        ]
    };
    post(&mut reporter, &format!("{page}/triage"), &triage(&v, "high")).await.expect(403);
    t.login("ledery").await.get(&page).await.expect(404);

    let mut leader = t.login("lederx").await;
    post(&mut leader, &format!("{page}/triage"), &triage(&v, "")).await.expect(422).contains("Velg alvorlighetsgrad.");
    assert_eq!(status(&t, id).await, "registered");
    post(&mut leader, &format!("{page}/triage"), &triage(&v, "high")).await.expect(303);
    assert_eq!(status(&t, id).await, "in_progress");
    // Triage happens once.
    let v = version(&t, id).await;
    post(&mut leader, &format!("{page}/triage"), &triage(&v, "low")).await.expect(422).contains("allerede vurdert");

    // Closing at once: no cause, no effect check; nothing changes.
    let close = |v: &str, check: &str, effective: &str| {
        vec![("version", v.to_owned()), ("effect_check", check.to_owned()), ("effective", effective.to_owned())]
    };
    let res = post(&mut leader, &format!("{page}/close"), &close(&v, "", "")).await.expect(422);
    res.contains("Skriv årsaksanalysen").contains("Skriv effektkontrollen");
    assert_eq!(status(&t, id).await, "in_progress");

    post(
        &mut leader,
        &format!("{page}/cause"),
        &[("version", v.clone()), ("cause", "Rutinen for låsing er uklar.".into())],
    )
    .await
    .expect(303);
    // A stale form is 409 with the typed text kept.
    let res = post(
        &mut leader,
        &format!("{page}/cause"),
        &[("version", v.clone()), ("cause", "Annen årsak skrevet samtidig".into())],
    )
    .await
    .expect(409);
    res.contains("Annen årsak skrevet samtidig");

    let v = version(&t, id).await;
    let employee = t.fx.employee_x.to_string();
    let measure = |v: &str, deadline: &str| {
        vec![
            ("version", v.to_owned()),
            ("text", "Ny sjekkliste ved vaktslutt".to_owned()),
            ("measure_kind", "preventive".to_owned()),
            ("responsible_person_id", employee.clone()),
            ("deadline", deadline.to_owned()),
        ]
    };
    post(&mut leader, &format!("{page}/measures"), &measure(&v, "01.01.2020"))
        .await
        .expect(422)
        .contains("Ny sjekkliste ved vaktslutt");
    post(&mut leader, &format!("{page}/measures"), &measure(&v, "31.01.2099")).await.expect(303);
    let measure_id = scalar(&t, &format!("SELECT id FROM deviation_measures WHERE deviation_id = {id}")).await;

    // A measure still open keeps it open.
    let v = version(&t, id).await;
    let res = post(&mut leader, &format!("{page}/close"), &close(&v, "Ingen nye funn på fire uker.", "yes"))
        .await
        .expect(422);
    res.contains("1 tiltak er ikke gjennomført").contains("Ingen nye funn på fire uker.");
    assert_eq!(status(&t, id).await, "in_progress");

    post(&mut leader, &format!("{page}/measures/{measure_id}/done"), &[("version", v.clone())]).await.expect(303);
    let v = version(&t, id).await;
    let audit_before = t.audit_count().await;
    post(&mut leader, &format!("{page}/close"), &close(&v, "Ingen nye funn på fire uker.", "yes")).await.expect(303);
    assert_eq!(status(&t, id).await, "closed");
    assert_eq!(t.audit_count().await, audit_before + 1);
    reporter.get(&page).await.expect(200).contains("Lukket").contains("Ingen nye funn på fire uker.");

    // The list and its export, and the trends of the year.
    leader.get("/deviations?year=2026").await.expect(200).contains("Ulåst lager");
    let csv = leader.get("/deviations/export.csv?year=2026").await.expect(200);
    csv.contains("Ulåst lager").contains("2026-12-01");
    let trends = leader.get("/deviations/trends?year=2026").await.expect(200);
    trends.lacks("Ulåst lager");
    reporter.get("/deviations/trends?year=2026").await.expect(403);
});

both!(restricted_deviations_are_read_only_by_the_reporter_and_the_line, |t: TestApp| async move {
    let mut reporter = t.login("ansattx").await;
    let f = registration(&t, "health", "Feil medisin gitt", "Kveldsmedisin gitt to timer for tidlig.");
    let id = register(&mut reporter, &f).await;
    let open = registration(&t, "services", "Vaskemaskin i stykker", "Maskinen lekker.");
    register(&mut reporter, &open).await;
    let page = format!("/deviations/{id}");
    // The reporter, the unit's leader and the director above read it; everyone else gets 404, in
    // the page, the list, the export and the API alike.
    for (login, reads) in [
        ("ansattx", true),
        ("lederx", true),
        ("direktor", true),
        ("avdleder", false),
        ("ledery", false),
        ("styring", false),
        ("admin", false),
        ("revisor", false),
        ("politiker", false),
        ("hr", false),
    ] {
        let mut c = t.login(login).await;
        let list = c.get("/deviations?year=2026").await.expect(200);
        let csv = c.get("/deviations/export.csv?year=2026").await.expect(200);
        let mut api = token_client(&t, login).await;
        let listed = api.get("/api/v1/deviations?year=2026").await.expect(200).body;
        if reads {
            c.get(&page).await.expect(200).contains("Kveldsmedisin gitt to timer for tidlig.");
            list.contains("Feil medisin gitt");
            csv.contains("Feil medisin gitt");
            assert!(listed.contains("Feil medisin gitt"), "{login}");
            api.get(&format!("/api/v1/deviations/{id}")).await.expect(200).contains("Kveldsmedisin");
        } else {
            c.get(&page).await.expect(404).lacks("Kveldsmedisin");
            list.lacks("Feil medisin gitt");
            csv.lacks("Feil medisin gitt");
            assert!(!listed.contains("Feil medisin gitt"), "{login}");
            api.get(&format!("/api/v1/deviations/{id}")).await.expect(404).lacks("Kveldsmedisin");
            // Nor can they handle it: the write is refused as if it did not exist, and nothing changes.
            let v = version(&t, id).await;
            c.post(&format!("{page}/triage"), &[("version", v.as_str()), ("decision", "reject"), ("reason", "x")])
                .await
                .expect(404);
        }
    }
    assert_eq!(status(&t, id).await, "registered");
    // The staff see that it exists only as a count in the trends.
    let trends = t.login("politiker").await.get("/deviations/trends?year=2026").await.expect(200);
    trends.lacks("Feil medisin gitt").contains("Helse, pasient- og brukersikkerhet");
    let mut api = token_client(&t, "styring").await;
    let rows = api.get("/api/v1/deviations/trends?year=2026").await.expect(200).json();
    let x = rows.as_array().unwrap().iter().find(|r| r["unit_id"] == t.fx.unit_x).unwrap().clone();
    assert_eq!((x["by_category"]["health"].as_u64(), x["by_category"]["services"].as_u64()), (Some(1), Some(1)));
    assert_eq!(x["by_month"][11].as_u64(), Some(2));
    // The audit log, which the auditor reads, names the fields of a restricted one but not its text.
    let sql = format!("SELECT CAST(after_json AS TEXT) FROM audit_log WHERE entity = 'deviation' AND entity_id = {id}");
    let audit: String =
        on_db!(&t.db, pool => sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap());
    assert!(audit.contains("\"description\"") && !audit.contains("Kveldsmedisin"), "{audit}");
    // The line handles it.
    let v = version(&t, id).await;
    let mut leader = t.login("lederx").await;
    post(
        &mut leader,
        &format!("{page}/triage"),
        &[("version", v), ("decision", "accept".into()), ("severity", "critical".into())],
    )
    .await
    .expect(303);
    assert_eq!(status(&t, id).await, "in_progress");
});

both!(ideas_move_along_pdca_and_the_innovation_pipeline_one_step_at_a_time, |t: TestApp| async move {
    let mut api = token_client(&t, "ansattx").await;
    let body = serde_json::json!({
        "kind": "improvement", "category": "services", "unit_id": t.fx.unit_x,
        "title": "Digital vaktliste", "description": "Vaktlisten kan deles i appen i stedet for på papir.",
    });
    let res = json(&mut api, Method::POST, "/api/v1/deviations", body.clone()).await.expect(201);
    let id = res.json()["id"].as_i64().unwrap();
    // A bad registration names its field and writes nothing.
    let mut bad = body.clone();
    bad["title"] = "".into();
    let res = json(&mut api, Method::POST, "/api/v1/deviations", bad).await.expect(422);
    assert_eq!(res.json()["field"], "title");
    assert_eq!(count(&t).await, 1);
    let page = format!("/deviations/{id}");
    let mut leader = t.login("lederx").await;
    let v = version(&t, id).await;
    post(
        &mut leader,
        &format!("{page}/triage"),
        &[("version", v), ("decision", "accept".into()), ("severity", "low".into())],
    )
    .await
    .expect(303);
    let step = |v: String, stage: &str| vec![("version", v), ("innovation_stage", stage.to_owned())];
    // Straight to «nyttiggjort» is refused; «nytt» then «nyttig» are taken.
    post(&mut leader, &format!("{page}/innovation"), &step(version(&t, id).await, "used"))
        .await
        .expect(422)
        .contains("ett steg om gangen");
    post(&mut leader, &format!("{page}/innovation"), &step(version(&t, id).await, "new")).await.expect(303);
    post(&mut leader, &format!("{page}/innovation"), &step(version(&t, id).await, "useful")).await.expect(303);
    post(&mut leader, &format!("{page}/pdca"), &[("version", version(&t, id).await), ("pdca", "check".into())])
        .await
        .expect(303);
    let one = api.get(&format!("/api/v1/deviations/{id}")).await.expect(200).json();
    assert_eq!(
        (one["deviation"]["innovation_stage"].as_str(), one["deviation"]["pdca"].as_str()),
        (Some("useful"), Some("check"))
    );
    leader.get(&page).await.expect(200).contains("Nyttig").contains("Følge opp").contains("Flytt til «Nyttiggjort»");
    // An idea closes with its effect check and no cause analysis.
    let close = [
        ("version", version(&t, id).await),
        ("effect_check", "Alle bruker appen.".into()),
        ("effective", "yes".into()),
    ];
    post(&mut leader, &format!("{page}/close"), &close).await.expect(303);
    assert_eq!(status(&t, id).await, "closed");
});

both!(
    the_demo_has_deviations_in_every_state_controls_with_misses_and_audits_with_open_findings,
    |t: TestApp| async move {
        use rodtrad_store::password::HashCost;
        let cost = HashCost { memory_kib: 1024, iterations: 1 };
        let mid = rodtrad_store::demo::load(&t.db, cost).await.unwrap().municipality_id;
        let n = |sql: String| {
            let t = &t;
            async move { scalar(t, &sql).await }
        };
        let units = n(format!("SELECT COUNT(*) FROM org_units WHERE municipality_id = {mid} AND kind = 'unit'")).await;
        let with = n(format!("SELECT COUNT(DISTINCT unit_id) FROM deviations WHERE municipality_id = {mid}")).await;
        assert_eq!(with, units, "every unit has a deviation or an idea");
        for status in ["registered", "in_progress", "closed"] {
            assert!(n(format!("SELECT COUNT(*) FROM deviations WHERE status = '{status}'")).await > 0, "none {status}");
        }
        for category in ["hms", "information_security", "health", "hr", "services", "economy", "property"] {
            assert!(
                n(format!("SELECT COUNT(*) FROM deviations WHERE category = '{category}'")).await > 0,
                "no {category}"
            );
        }
        // Closed ones have their effect check and no open measure; ideas reached the pipeline.
        assert_eq!(n("SELECT COUNT(*) FROM deviations WHERE status = 'closed' AND effect_check = ''".into()).await, 0);
        let open_in_closed = "SELECT COUNT(*) FROM deviation_measures m JOIN deviations d ON d.id = m.deviation_id
        WHERE d.status = 'closed' AND m.done_on IS NULL";
        assert_eq!(n(open_in_closed.into()).await, 0);
        assert!(n("SELECT COUNT(*) FROM deviations WHERE innovation_stage = 'used'".into()).await > 0);
        // The restricted ones are flagged, and the account that registers for staff cannot log in.
        assert_eq!(
            n("SELECT COUNT(*) FROM deviations WHERE category IN ('health', 'hr') AND restricted = FALSE".into()).await,
            0
        );
        let mut c = t.client();
        c.login("avviksregistrering@demo.rodtrad.no", rodtrad_store::demo::DEMO_PASSWORD).await.expect(401);
        // The politician sees the trends; the list shows no restricted text to the staff.
        c.login("politiker@demo.rodtrad.no", rodtrad_store::demo::DEMO_PASSWORD).await.expect(303);
        c.get("/deviations/trends").await.expect(200).contains("id=\"by-category\"");
        let mut staff = t.client();
        staff.login("styring@demo.rodtrad.no", rodtrad_store::demo::DEMO_PASSWORD).await.expect(303);
        let list = staff.get("/deviations").await.expect(200);
        list.contains("E-post med personopplysninger")
            .lacks("Legemiddel gitt til feil tidspunkt")
            .lacks("Gjentatte konflikter");

        // Internal control: two activities per led unit, each linked to a law; records in every
        // outcome with some evidence, missed periods flagged, and two of three managers reported.
        let led = n(format!(
        "SELECT COUNT(*) FROM org_units WHERE municipality_id = {mid} AND kind = 'unit' AND leader_person_id IS NOT NULL"
    ))
    .await;
        assert_eq!(n(format!("SELECT COUNT(*) FROM control_activities WHERE municipality_id = {mid}")).await, 2 * led);
        assert_eq!(n("SELECT COUNT(*) FROM control_activities WHERE legal_basis = ''".into()).await, 0);
        assert!(n("SELECT COUNT(*) FROM control_activity_risks".into()).await > led / 2, "most units link a risk");
        if chrono::Datelike::month(&chrono::Utc::now().date_naive()) > 2 {
            for outcome in ["ok", "remarks", "failed"] {
                assert!(
                    n(format!("SELECT COUNT(*) FROM control_executions WHERE outcome = '{outcome}'")).await > 0,
                    "{outcome}"
                );
            }
            assert!(n("SELECT COUNT(*) FROM control_evidence".into()).await > 0);
            staff.get("/control?show=flagged").await.expect(200).contains("Uteblitt: ");
        }
        let failed_without_follow_up =
            "SELECT COUNT(*) FROM control_executions WHERE outcome = 'failed' AND follow_up = ''";
        assert_eq!(n(failed_without_follow_up.into()).await, 0);
        let reports = n(format!("SELECT COUNT(*) FROM control_reports WHERE municipality_id = {mid}")).await;
        assert!(reports * 3 >= led * 2 - 3 && reports < led, "{reports} of {led} managers reported");
        // Audits and inspections: last year's management review, and this year's audits with findings.
        let year = chrono::Datelike::year(&chrono::Utc::now().date_naive());
        assert_eq!(n(format!("SELECT COUNT(*) FROM management_reviews WHERE year = {}", year - 1)).await, 1);
        let audits = n(format!("SELECT COUNT(*) FROM audits WHERE municipality_id = {mid}")).await;
        assert!(audits >= 1, "an inspection in January");
        if chrono::Datelike::month(&chrono::Utc::now().date_naive()) >= 6 {
            assert!(audits >= 4, "{audits} audits by June");
            assert!(n("SELECT COUNT(*) FROM audit_findings WHERE closed_on IS NULL".into()).await > 0);
            assert!(n("SELECT COUNT(*) FROM audits WHERE status = 'closed'".into()).await > 0);
            staff
                .get("/audits")
                .await
                .expect(200)
                .contains("Skolemiljø – opplæringslova kapittel 9 A")
                .contains("Arbeidstilsynet");
        }
    }
);
