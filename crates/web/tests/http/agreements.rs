//! Leadership agreements: who reads them (every role, pages and API, guessed ids), signing in order,
//! a signed version frozen and changed only as a new version, stale saves (409 with the text
//! kept), the marks of elements changed or removed in the plans, the audit log without content,
//! and the PDF's text.

use crate::api::{json, token_client};
use crate::both;
use crate::harness::{Client, TestApp};
use crate::scene::{Scene, Scope, Subject};
use axum::http::Method;
use rodtrad_domain::Name;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanType};
use rodtrad_store::plans::{ElementInput, PlanInput};
use rodtrad_store::{Author, on_db};

fn author(t: &TestApp) -> Author {
    Author { municipality_id: t.fx.municipality, user_id: None, name: "Oppsett".into() }
}

async fn count(t: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

/// School X's 2026 unit plan: a main goal, a sub-goal and a measure; returns (goal, sub-goal, measure).
async fn school_plan(t: &TestApp) -> (i64, i64, i64) {
    let a = author(t);
    let input = PlanInput {
        plan_type: PlanType::UnitPlan,
        title: Name::parse("Virksomhetsplan Xskolen 2026").unwrap(),
        start_year: 2026,
        end_year: 2026,
        owner_unit_id: Some(t.fx.unit_x),
        published: false,
    };
    let plan = t.db.plan_create(&a, &input, &[]).await.unwrap();
    let goal = ElementInput {
        kind: ElementKind::MainGoal,
        text: "Alle elever opplever mestring".into(),
        owner_unit_id: Some(t.fx.unit_x),
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let main = t.db.element_create(&a, plan, None, &goal).await.unwrap();
    let sub =
        ElementInput { kind: ElementKind::SubGoal, text: "Elevene leser godt på 4. trinn".into(), ..goal.clone() };
    let sub = t.db.element_create(&a, plan, Some(main), &sub).await.unwrap();
    let measure = ElementInput {
        kind: ElementKind::Measure,
        text: "Lesekurs for foreldre på småtrinnet".into(),
        deadline: chrono::NaiveDate::from_ymd_opt(2026, 6, 1),
        ..goal.clone()
    };
    let measure = t.db.element_create(&a, plan, Some(sub), &measure).await.unwrap();
    // Another unit's plan, whose elements school X's leader cannot commit to.
    let other = PlanInput {
        title: Name::parse("Virksomhetsplan Yskolen 2026").unwrap(),
        owner_unit_id: Some(t.fx.unit_y),
        ..input
    };
    let other = t.db.plan_create(&a, &other, &[]).await.unwrap();
    let y_goal = ElementInput { owner_unit_id: Some(t.fx.unit_y), text: "Ysk mål".into(), ..goal };
    t.db.element_create(&a, other, None, &y_goal).await.unwrap();
    (main, sub, measure)
}

fn id_after(location: &str, prefix: &str) -> i64 {
    location.strip_prefix(prefix).unwrap().split(['/', '?']).next().unwrap().parse().unwrap()
}

/// The agreement's optimistic-locking version as the edit form carries it.
async fn version(c: &mut Client, id: i64) -> String {
    let page = c.get(&format!("/agreements/{id}/edit")).await.expect(200);
    page.input_value("version").unwrap_or_else(|| panic!("no version field in {}", page.body))
}

/// The agreement's version as the database has it (what a page read now would carry).
async fn page_version(t: &TestApp, id: i64) -> String {
    let v: i64 = on_db!(&t.db, pool => sqlx::query_scalar("SELECT version FROM leadership_agreements WHERE id = $1")
        .bind(id).fetch_one(pool).await.unwrap());
    v.to_string()
}

both!(signing_in_order_freezes_and_a_change_makes_a_new_version, |t: TestApp| async move {
    let (main, sub, measure) = school_plan(&t).await;
    let mut director = t.login("direktor").await;
    let mut leader = t.login("lederx").await;
    // The director starts the agreement with school X's manager; starting it again opens the same one.
    let res =
        director.post("/agreements", &[("unit_id", &t.fx.unit_x.to_string()), ("year", "2026")]).await.expect(303);
    let id = id_after(res.location(), "/agreements/");
    let again =
        leader.post("/agreements", &[("unit_id", &t.fx.unit_x.to_string()), ("year", "2026")]).await.expect(303);
    assert_eq!(again.location(), format!("/agreements/{id}"));
    // A service area has no agreement of its own, and a unit one is no party to cannot be started.
    director.post("/agreements", &[("unit_id", &t.fx.area.to_string()), ("year", "2026")]).await.expect(422);
    let mut other = t.login("ledery").await;
    other.post("/agreements", &[("unit_id", &t.fx.unit_x.to_string()), ("year", "2026")]).await.expect(403);

    // The picker offers school X's plan, not school Y's.
    let edit = leader.get(&format!("/agreements/{id}/edit")).await.expect(200);
    edit.contains("Lesekurs for foreldre på småtrinnet").contains("Alle elever opplever mestring").lacks("Ysk mål");
    let v = version(&mut leader, id).await;
    let items = [main, sub, measure].map(|i| i.to_string());
    let form = [
        ("version", v.as_str()),
        ("items", items[0].as_str()),
        ("items", items[1].as_str()),
        ("items", items[2].as_str()),
        ("development_points", "Kurs i endringsledelse\n\nVeiledning i medarbeidersamtaler"),
        ("authority", "Budsjettansvar for virksomhetens ramme; personalansvar for alle ansatte."),
    ];
    leader.post(&format!("/agreements/{id}"), &form).await.expect(303);
    let page = leader.get(&format!("/agreements/{id}")).await.expect(200);
    page.contains("Kurs i endringsledelse").contains("Veiledning i medarbeidersamtaler").contains("Budsjettansvar");
    page.contains("Lesekurs for foreldre på småtrinnet").contains("Utkast");

    // An element of another unit's plan is refused, and nothing changes.
    let y_goal: i64 = on_db!(&t.db, pool => sqlx::query_scalar("SELECT id FROM goal_elements WHERE text = 'Ysk mål'").fetch_one(pool).await.unwrap());
    let v = version(&mut leader, id).await;
    let y_item = y_goal.to_string();
    let res = leader
        .post(
            &format!("/agreements/{id}"),
            &[("version", v.as_str()), ("items", y_item.as_str()), ("development_points", "Nytt punkt")],
        )
        .await
        .expect(422);
    res.contains("finnes ikke i planene").contains("Nytt punkt");
    leader.get(&format!("/agreements/{id}")).await.lacks("Nytt punkt");

    // The superior cannot sign before the leader; HR reads but is no party; another leader finds nothing.
    let mut hr = t.login("hr").await;
    let audit = t.audit_count().await;
    let v = page_version(&t, id).await;
    director
        .post(&format!("/agreements/{id}/sign"), &[("version", &v)])
        .await
        .expect(422)
        .contains("Lederen må signere først");
    hr.post(&format!("/agreements/{id}/sign"), &[("version", &v)])
        .await
        .expect(422)
        .contains("Bare lederen og den overordnede");
    other.post(&format!("/agreements/{id}/sign"), &[("version", &v)]).await.expect(404);
    assert_eq!(t.audit_count().await, audit, "refused signatures change nothing");
    // A stale signature is refused with 409.
    leader.post(&format!("/agreements/{id}/sign"), &[("version", "0")]).await.expect(409);

    // The leader signs, then the superior: the version is frozen.
    leader.post(&format!("/agreements/{id}/sign"), &[("version", &v)]).await.expect(303);
    let v = page_version(&t, id).await;
    director.post(&format!("/agreements/{id}/sign"), &[("version", &v)]).await.expect(303);
    let signed = leader.get(&format!("/agreements/{id}")).await.expect(200);
    signed.contains("Signert av begge").contains("Lag ny versjon").lacks("Signer avtalen");
    let v = signed.input_value("version").unwrap();
    // Editing the signed version in place is refused, and nothing changes.
    let res = leader
        .post(&format!("/agreements/{id}"), &[("version", v.as_str()), ("development_points", "Skjult endring")])
        .await
        .expect(422);
    res.contains("kan ikke endres");
    leader.get(&format!("/agreements/{id}")).await.lacks("Skjult endring");
    leader.get(&format!("/agreements/{id}/edit")).await.expect(303);

    // The plan changes after signing: the agreement marks the changed and the removed element.
    let a = author(&t);
    let e = t.db.element(t.fx.municipality, sub).await.unwrap();
    let input = ElementInput {
        kind: e.kind,
        text: "Elevene leser godt på 4. og 7. trinn".into(),
        owner_unit_id: e.owner_unit_id,
        responsible_person_id: None,
        deadline: None,
        status: e.status,
        sdg_targets: vec![],
    };
    t.db.element_update(&a, sub, e.version, &input).await.unwrap();
    let m = t.db.element(t.fx.municipality, measure).await.unwrap();
    t.db.element_remove(&a, measure, m.version).await.unwrap();
    let marked = leader.get(&format!("/agreements/{id}")).await.expect(200);
    marked.contains("Endret i planen etter signering").contains("Elevene leser godt på 4. og 7. trinn");
    marked.contains("Elevene leser godt på 4. trinn").contains("Fjernet fra planen");

    // A new version: a draft again, signed by neither; version 1 stays readable as signed.
    leader.post(&format!("/agreements/{id}/new-version"), &[("version", v.as_str())]).await.expect(303);
    let v2 = version(&mut leader, id).await;
    let sub_item = sub.to_string();
    let form = [
        ("version", v2.as_str()),
        ("items", sub_item.as_str()),
        ("development_points", "Mentorprogram for nye ledere"),
    ];
    // Someone else's save in between makes this one stale: 409, and the typed text is kept.
    let v_director = version(&mut director, id).await;
    director
        .post(&format!("/agreements/{id}"), &[("version", v_director.as_str()), ("authority", "Endret av direktøren")])
        .await
        .expect(303);
    let stale = leader.post(&format!("/agreements/{id}"), &form).await.expect(409);
    stale.contains("Mentorprogram for nye ledere").contains("Endret av direktøren");
    let v2 = version(&mut leader, id).await;
    let form = [
        ("version", v2.as_str()),
        ("items", sub_item.as_str()),
        ("development_points", "Mentorprogram for nye ledere"),
    ];
    leader.post(&format!("/agreements/{id}"), &form).await.expect(303);
    let latest = leader.get(&format!("/agreements/{id}")).await.expect(200);
    latest.contains("Mentorprogram for nye ledere").contains("Utkast").lacks("Kurs i endringsledelse");
    let v1 = leader.get(&format!("/agreements/{id}/versions/1")).await.expect(200);
    v1.contains("Kurs i endringsledelse").contains("Signert av begge").contains("erstattet av en nyere");
    leader.get(&format!("/agreements/{id}/versions/3")).await.expect(404);

    // The leader signs version 2; a change after that withdraws the signature.
    let v = page_version(&t, id).await;
    leader.post(&format!("/agreements/{id}/sign"), &[("version", &v)]).await.expect(303);
    let v = version(&mut director, id).await;
    let res = director
        .post(&format!("/agreements/{id}"), &[("version", v.as_str()), ("development_points", "Mentorprogram")])
        .await
        .expect(303);
    assert!(res.location().ends_with("?saved=withdrawn"));
    leader.get(res.location()).await.contains("Lederens signatur er trukket tilbake").contains("Utkast");
    assert_eq!(count(&t, "leadership_agreement_versions").await, 2);
});

both!(agreements_are_read_only_by_the_parties_the_line_above_and_hr, |t: TestApp| async move {
    let mut scene = Scene::new(&t).await;
    let x = scene.unit_objects(Subject::UnitLeader, Scope::Own).agreement;
    let dept = scene.unit_objects(Subject::DepartmentHead, Scope::Own).agreement;
    let y = scene.unit_objects(Subject::UnitLeader, Scope::OtherUnit).agreement;
    let b = scene.unit_objects(Subject::UnitLeader, Scope::OtherMunicipality).agreement;
    let guessed = b + 1000;
    // Who reads which of X's, the department's and Y's agreements.
    let readers = |s: Subject| -> [bool; 3] {
        match s {
            Subject::ChiefExecutive | Subject::Hr => [true, true, true],
            Subject::Director => [true, true, true],
            Subject::UnitLeader => [true, true, false],
            Subject::DepartmentHead => [false, true, false],
            _ => [false, false, false],
        }
    };
    for index in 0..scene.subjects.len() {
        let subject = scene.subjects[index].0;
        let c = &mut scene.subjects[index].1;
        let expected = readers(subject);
        for (id, readable) in [x, dept, y].into_iter().zip(expected) {
            for path in
                [format!("/agreements/{id}"), format!("/agreements/{id}/pdf"), format!("/agreements/{id}/versions/1")]
            {
                let res = c.get(&path).await;
                let want = if subject == Subject::Anonymous {
                    303
                } else if readable {
                    200
                } else {
                    404
                };
                assert_eq!(res.status.as_u16(), want, "{subject:?} GET {path}");
            }
        }
        for id in [b, guessed] {
            let res = c.get(&format!("/agreements/{id}")).await;
            let want = if subject == Subject::Anonymous { 303 } else { 404 };
            assert_eq!(res.status.as_u16(), want, "{subject:?} reads another municipality's or a guessed id");
        }
        if subject == Subject::Anonymous {
            continue;
        }
        // The list shows exactly the readable ones.
        let list = c.get("/agreements").await.expect(200);
        for (id, readable) in [x, dept, y].into_iter().zip(expected) {
            assert_eq!(
                list.body.contains(&format!("href=\"/agreements/{id}\"")),
                readable,
                "{subject:?} list, agreement {id}"
            );
        }
        let csv = c.get("/agreements/export.csv").await.expect(200);
        assert_eq!(csv.body.contains("Yskolen"), expected[2], "{subject:?} CSV");
        assert_eq!(csv.body.contains("Xskolen SFO"), expected[1], "{subject:?} CSV");
    }
    // The API answers the same, through every role's own token.
    for (login, expected) in [
        ("hr", vec![x, dept, y]),
        ("direktor", vec![x, dept, y]),
        ("lederx", vec![x, dept]),
        ("avdleder", vec![dept]),
        ("ledery", vec![y]),
        ("admin", vec![]),
        ("styring", vec![]),
        ("ansattx", vec![]),
        ("politiker", vec![]),
        ("revisor", vec![]),
    ] {
        let mut api = token_client(&t, login).await;
        let list = api.get("/api/v1/agreements").await.expect(200).json();
        let mut ids: Vec<i64> = list.as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
        ids.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(ids, want, "{login} API list");
        for id in [x, dept, y, b, guessed] {
            let readable = expected.contains(&id);
            for path in [
                format!("/api/v1/agreements/{id}"),
                format!("/api/v1/agreements/{id}/versions"),
                format!("/api/v1/agreements/{id}/pdf"),
            ] {
                let res = api.get(&path).await;
                assert_eq!(res.status.as_u16(), if readable { 200 } else { 404 }, "{login} GET {path}");
            }
            let res =
                json(&mut api, Method::PUT, &format!("/api/v1/agreements/{id}"), serde_json::json!({"version": 0}))
                    .await;
            assert!(
                if readable { res.status.as_u16() != 404 } else { res.status.as_u16() == 404 },
                "{login} PUT {id}: {}",
                res.status
            );
        }
    }
});

both!(the_api_starts_saves_and_signs_and_the_audit_log_keeps_no_content, |t: TestApp| async move {
    let (main, _, measure) = school_plan(&t).await;
    let mut director = token_client(&t, "direktor").await;
    let mut leader = token_client(&t, "lederx").await;
    let res = json(
        &mut director,
        Method::POST,
        "/api/v1/agreements",
        serde_json::json!({"unit_id": t.fx.unit_x, "year": 2026}),
    )
    .await
    .expect(201);
    let a = res.json();
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["state"], "draft");
    assert_eq!(a["leader_person_id"].as_i64(), Some(t.fx.leader_x));
    assert_eq!(a["superior_person_id"].as_i64(), Some(t.fx.director));
    let body = serde_json::json!({
        "version": a["version"], "element_ids": [main, measure],
        "development_points": ["Fortrolig: videreutdanning i økonomistyring"], "authority": "Innkjøp inntil 500 000 kroner."
    });
    let saved =
        json(&mut leader, Method::PUT, &format!("/api/v1/agreements/{id}"), body.clone()).await.expect(200).json();
    // The same save again is stale.
    json(&mut leader, Method::PUT, &format!("/api/v1/agreements/{id}"), body).await.expect(409);
    // The superior first: refused.
    json(
        &mut director,
        Method::POST,
        &format!("/api/v1/agreements/{id}/sign"),
        serde_json::json!({"version": saved["version"]}),
    )
    .await
    .expect(422);
    let signed = json(
        &mut leader,
        Method::POST,
        &format!("/api/v1/agreements/{id}/sign"),
        serde_json::json!({"version": saved["version"]}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(signed["state"], "leader-signed");
    let both = json(
        &mut director,
        Method::POST,
        &format!("/api/v1/agreements/{id}/sign"),
        serde_json::json!({"version": signed["version"]}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(both["state"], "signed");
    let frozen = serde_json::json!({"version": both["version"], "authority": "Endret i stillhet"});
    json(&mut leader, Method::PUT, &format!("/api/v1/agreements/{id}"), frozen).await.expect(422);
    let versions = leader.get(&format!("/api/v1/agreements/{id}/versions")).await.expect(200).json();
    assert_eq!(versions.as_array().unwrap().len(), 1);
    assert_eq!(versions[0]["authority"], "Innkjøp inntil 500 000 kroner.");
    assert_eq!(versions[0]["items"][1]["sync"], "current");
    assert!(versions[0]["superior_signed_at"].is_string());
    // HR reads; a leader of another unit does not.
    let mut hr = token_client(&t, "hr").await;
    hr.get(&format!("/api/v1/agreements/{id}")).await.expect(200);
    let mut other = token_client(&t, "ledery").await;
    other.get(&format!("/api/v1/agreements/{id}")).await.expect(404);
    json(
        &mut other,
        Method::POST,
        &format!("/api/v1/agreements/{id}/sign"),
        serde_json::json!({"version": both["version"]}),
    )
    .await
    .expect(404);
    // The audit log records what was done, never what the agreement says.
    let mut auditor = t.login("revisor").await;
    let log = auditor.get("/audit").await.expect(200);
    log.contains("Lederavtale").lacks("videreutdanning").lacks("Innkjøp inntil");
    auditor.get("/audit.csv").await.expect(200).lacks("videreutdanning");
    let leaked: i64 = on_db!(&t.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'leadership_agreement' AND (CAST(after_json AS TEXT) LIKE '%videreutdanning%' OR CAST(before_json AS TEXT) LIKE '%videreutdanning%')")
        .fetch_one(pool).await.unwrap());
    assert_eq!(leaked, 0);
    // The OpenAPI document has the routes.
    let doc = t.client().get("/api/v1/openapi.json").await.expect(200).json();
    assert!(doc["paths"]["/api/v1/agreements/{agreement}/sign"]["post"].is_object());
});

both!(the_pdf_holds_the_unit_parties_goals_assignments_and_signatures, |t: TestApp| async move {
    let (main, sub, measure) = school_plan(&t).await;
    let mut leader = t.login("lederx").await;
    let mut director = t.login("direktor").await;
    let res = leader.post("/agreements", &[("unit_id", &t.fx.unit_x.to_string()), ("year", "2026")]).await.expect(303);
    let id = id_after(res.location(), "/agreements/");
    let v = version(&mut leader, id).await;
    let items = [main, sub, measure].map(|i| i.to_string());
    let form = [
        ("version", v.as_str()),
        ("items", items[0].as_str()),
        ("items", items[1].as_str()),
        ("items", items[2].as_str()),
        ("development_points", "Øke kompetansen på særskilt språkopplæring #[x] $5"),
        ("authority", "Ansvar for økonomi, personal og fag i Xskolen."),
    ];
    leader.post(&format!("/agreements/{id}"), &form).await.expect(303);
    let v = page_version(&t, id).await;
    leader.post(&format!("/agreements/{id}/sign"), &[("version", &v)]).await.expect(303);
    let v = page_version(&t, id).await;
    director.post(&format!("/agreements/{id}/sign"), &[("version", &v)]).await.expect(303);
    let res = director.get(&format!("/agreements/{id}/pdf")).await.expect(200);
    assert_eq!(res.headers.get("content-type").unwrap(), "application/pdf");
    let text = rodtrad_export::pdf::pdf_text_for_tests(&res.bytes);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Testkommune",
        "Lederavtale 2026 – Xskolen",
        "Xavier Leder",
        "Dina Direktør",
        "Oppvekst",
        "Alle elever opplever mestring",
        "Elevene leser godt på 4. trinn",
        "Lesekurs for foreldre på småtrinnet",
        "Øke kompetansen på særskilt språkopplæring #[x] $5",
        "Ansvar for økonomi, personal og fag i Xskolen.",
        "Side 1 av",
    ] {
        assert!(flat.contains(expected), "{expected:?} missing from the PDF:\n{text}");
    }
    assert!(!flat.contains("Ikke signert"), "both signatures are in the PDF:\n{text}");
});
