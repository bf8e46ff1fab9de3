//! The unit plan workflow (issue #13 §3): delivering, approving and sending back with the history
//! on the plan page, the delivered plan read-only, the analysis of last year, carrying last year's
//! unfinished measures over, the yearly overview with its deadline and exports, and the API.

use crate::api::{json, token_client};
use crate::both;
use crate::harness::{Client, Res, TestApp};
use crate::plans::{id_in, new_element, version_of};
use axum::http::Method;
use chrono::{Datelike, NaiveDate};
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanStatus, PlanType};
use rodtrad_store::Author;
use rodtrad_store::plans::{ElementInput, PlanInput};

async fn unit_plan(c: &mut Client, unit: i64, year: i32, title: &str) -> i64 {
    let (unit, year) = (unit.to_string(), year.to_string());
    let form = [
        ("plan_type", "unit_plan"),
        ("title", title),
        ("start_year", year.as_str()),
        ("end_year", year.as_str()),
        ("owner_unit_id", unit.as_str()),
    ];
    id_in(c.post("/plans", &form).await.expect(303).location(), "/plans/")
}

async fn step(c: &mut Client, plan: i64, action: &str, comment: &str) -> Res {
    let v = version_of(c, &format!("/plans/{plan}")).await;
    c.post(&format!("/unit-plans/{plan}/{action}"), &[("version", v.as_str()), ("comment", comment)]).await
}

async fn status_of(t: &TestApp, plan: i64) -> PlanStatus {
    t.db.plan(t.fx.municipality, plan).await.unwrap().status()
}

both!(a_unit_plan_is_delivered_then_approved_or_sent_back_with_a_comment, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut x = t.login("lederx").await;
    let plan = unit_plan(&mut x, fx.unit_x, 2026, "Virksomhetsplan 2026 Xskolen").await;
    let page = format!("/plans/{plan}");
    x.get(&page).await.expect(200).contains("Lever til godkjenning").contains("Planen er ikke levert ennå.");
    // A stale version is refused with 409 and nothing changes.
    new_element(&mut x, plan, None, "main_goal", "Elevene trives og lærer").await;
    let stale = (version_of(&mut x, &page).await.parse::<i64>().unwrap() - 1).to_string();
    x.post(&format!("/unit-plans/{plan}/deliver"), &[("version", stale.as_str())]).await.expect(409);
    assert_eq!(status_of(&t, plan).await, PlanStatus::Draft);
    step(&mut x, plan, "deliver", "").await.expect(303);
    x.get(&page)
        .await
        .expect(200)
        .contains("Levert til godkjenning")
        .contains("Planen er levert og kan ikke endres")
        .lacks("Lever til godkjenning")
        .lacks("Godkjenn planen");
    // Delivered, the plan is read-only for the unit, and its own leader neither approves nor sends
    // it back: refused with the reason, nothing written.
    let before = t.audit_count().await;
    x.post(&format!("/plans/{plan}/elements"), &[("kind", "main_goal"), ("text", "Et nytt mål"), ("parent_id", "")])
        .await
        .expect(422);
    x.post(&format!("/unit-plans/{plan}/analysis"), &[("sick_leave_percent", "6,1"), ("version", "0")])
        .await
        .expect(422);
    x.get(&format!("/unit-plans/{plan}/analysis")).await.expect(200).contains("Analysen kan ikke endres");
    step(&mut x, plan, "approve", "").await.expect(422).contains("godkjennes av overordnet leder");
    step(&mut x, plan, "send-back", "Nei").await.expect(422).contains("Bare overordnet leder");
    assert_eq!(t.audit_count().await, before);
    assert_eq!(status_of(&t, plan).await, PlanStatus::Delivered);

    // The director sends it back: the comment is required, and kept as typed when missing.
    let mut d = t.login("direktor").await;
    let before = t.audit_count().await;
    d.get(&page).await.expect(200).contains("Godkjenn planen").contains("Send tilbake");
    step(&mut d, plan, "send-back", "   ")
        .await
        .expect(422)
        .contains("Skriv en kommentar om hva virksomheten må endre");
    assert_eq!(t.audit_count().await, before);
    // The plain status form cannot skip the comment either.
    let v = version_of(&mut d, &page).await;
    d.post(&format!("/plans/{plan}/status"), &[("status", "draft"), ("version", &v)]).await.expect(422);
    let comment = "Tiltakene mangler frist og ansvarlig.";
    step(&mut d, plan, "send-back", comment).await.expect(303);
    assert_eq!(status_of(&t, plan).await, PlanStatus::Draft);
    x.get(&page).await.expect(200).contains("Sendt tilbake av").contains(comment).contains("Lever til godkjenning");
    // Editable again; delivered again, then approved by the director.
    new_element(&mut x, plan, None, "main_goal", "Alle elever mestrer lesing").await;
    step(&mut x, plan, "deliver", "").await.expect(303);
    x.get(&page).await.expect(200).lacks("Sendt tilbake av");
    step(&mut d, plan, "approve", "").await.expect(303);
    assert_eq!(status_of(&t, plan).await, PlanStatus::Adopted);
    let shown = x.get(&page).await.expect(200);
    let history = &shown.body[shown.body.find("workflow-history").unwrap()..];
    assert_eq!(history.matches("<tr><td>").count(), 4, "delivered, sent back, delivered, approved");
    assert!(history.contains(comment) && history.contains("Godkjent"));
    assert_eq!(t.db.unit_plan_events(fx.municipality, plan).await.unwrap().len(), 4);
    // Approved: nothing more to approve or send back.
    step(&mut d, plan, "send-back", "Igjen").await.expect(422).contains("ikke levert til godkjenning");
});

both!(the_analysis_of_last_year_is_validated_kept_and_exact, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut x = t.login("lederx").await;
    let plan = unit_plan(&mut x, fx.unit_x, 2026, "Virksomhetsplan 2026 Xskolen").await;
    let path = format!("/unit-plans/{plan}/analysis");
    x.get(&format!("/plans/{plan}")).await.expect(200).contains("Analysen er ikke fylt ut ennå.");
    let before = t.audit_count().await;
    let bad = [
        ("version", "0"),
        ("economy_amount", "-412 000"),
        ("sick_leave_percent", "107"),
        ("sick_leave_text", "Langtidsfraværet øker"),
        ("user_survey_score", "mye"),
    ];
    x.post(&path, &bad)
        .await
        .expect(422)
        .contains("Skriv en prosent mellom 0 og 100")
        .contains("Skriv en skår mellom 1 og 6")
        .contains("value=\"107\"")
        .contains("Langtidsfraværet øker");
    assert_eq!(t.audit_count().await, before, "nothing written");
    let good = [
        ("version", "0"),
        ("economy_amount", "-412 000,50"),
        ("sick_leave_percent", "7,8"),
        ("sick_leave_text", "Langtidsfraværet øker"),
        ("user_survey_score", "4,9"),
        ("employee_survey_score", "4.3"),
        ("internal_audit_findings", "2"),
        ("external_audit_findings", "0"),
        ("risk_summary", "Vikarmangel ved langtidsfravær"),
    ];
    x.post(&path, &good).await.expect(303);
    x.get(&format!("/plans/{plan}"))
        .await
        .expect(200)
        .contains("7,8 %")
        .contains("−412\u{a0}000,5 kr")
        .contains("2 avvik")
        .contains("Vikarmangel ved langtidsfravær");
    let stored = t.db.unit_plan_analysis(fx.municipality, plan).await.unwrap();
    assert_eq!(stored.analysis.sick_leave_percent.unwrap().to_string(), "7.8", "an exact decimal");
    assert_eq!(stored.version, 1);
    // A second save over the same version is stale: 409 with the typed text kept.
    let again = [("version", "0"), ("risk_summary", "Ny vurdering fra et annet vindu")];
    x.post(&path, &again).await.expect(409).contains("Ny vurdering fra et annet vindu");
    assert_eq!(t.db.unit_plan_analysis(fx.municipality, plan).await.unwrap().version, 1);
    // English readers see the figure their way.
    x.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    x.get(&format!("/plans/{plan}")).await.expect(200).contains("7.8 %").contains("−412,000.5 kr");
    // Another unit's employee does not get the analysis; the politician neither.
    for login in ["politiker", "revisor"] {
        t.login(login).await.get(&path).await.expect(404);
    }
});

both!(carrying_last_years_unfinished_measures_over_copies_each_once, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mid = fx.municipality;
    let a = Author { municipality_id: mid, user_id: None, name: "Testoppsett".into() };
    let plan = |title: &str, year: i32, unit: Option<i64>, plan_type: PlanType| PlanInput {
        plan_type,
        title: rodtrad_domain::Name::parse(title).unwrap(),
        start_year: year,
        end_year: year + if plan_type == PlanType::UnitPlan { 0 } else { 3 },
        owner_unit_id: unit,
        published: false,
    };
    let el = |kind: ElementKind, text: &str| ElementInput {
        kind,
        text: text.into(),
        owner_unit_id: None,
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let programme =
        t.db.plan_create(&a, &plan("Handlingsprogram 2025–2028", 2025, Some(fx.root), PlanType::ActionProgramme), &[])
            .await
            .unwrap();
    let goal = t.db.element_create(&a, programme, None, &el(ElementKind::MainGoal, "Alle barn lærer")).await.unwrap();
    let sub = t.db.element_create(&a, programme, Some(goal), &el(ElementKind::SubGoal, "Elevene mestrer lesing")).await;
    let sub = sub.unwrap();
    let reading =
        t.db.element_create(&a, programme, Some(sub), &el(ElementKind::Assignment, "Styrke leseopplæringen")).await;
    let reading = reading.unwrap();
    let other = t.db.element_create(&a, programme, Some(sub), &el(ElementKind::Assignment, "Redusere fraværet")).await;
    let other = other.unwrap();
    // Last year's plan: four measures under the reading assignment, one under the other one.
    let last_input = plan("Virksomhetsplan 2025", 2025, Some(fx.unit_x), PlanType::UnitPlan);
    let last = t.db.plan_create(&a, &last_input, &[programme]).await.unwrap();
    let (reading_25, other_25) =
        (t.db.element_inherit(&a, last, reading).await.unwrap(), t.db.element_inherit(&a, last, other).await.unwrap());
    let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d);
    let measure = |text: &str, status: ElementStatus, deadline: Option<NaiveDate>| ElementInput {
        status,
        deadline,
        responsible_person_id: Some(fx.leader_x),
        owner_unit_id: Some(fx.unit_x),
        ..el(ElementKind::Measure, text)
    };
    let done = measure("Lesekurs for foreldre", ElementStatus::Done, day(3, 1));
    t.db.element_create(&a, last, Some(reading_25), &done).await.unwrap();
    let late = measure("Kartlegge leseferdigheter på 2. trinn", ElementStatus::Active, day(6, 1));
    let late = t.db.element_create(&a, last, Some(reading_25), &late).await.unwrap();
    let draft = measure("Lesevenner på tvers av trinn", ElementStatus::Draft, None);
    t.db.element_create(&a, last, Some(reading_25), &draft).await.unwrap();
    let reported = measure("Bibliotekbesøk hver måned", ElementStatus::Active, day(12, 1));
    let reported = t.db.element_create(&a, last, Some(reading_25), &reported).await.unwrap();
    let unplaced = measure("Oppfølging av fravær over 10 %", ElementStatus::Active, day(12, 1));
    t.db.element_create(&a, last, Some(other_25), &unplaced).await.unwrap();
    // The last one was reported completed: finished by its status report, not its own status.
    let mut x = t.login("lederx").await;
    t.db.followup_periods_create(&a, 2025).await.unwrap();
    let periods = t.db.followup_periods(mid).await.unwrap();
    let period = periods.iter().find(|p| p.year == 2025).unwrap().id;
    let report = serde_json::json!({"period_id": period, "status": "completed", "progress": 100, "version": 0});
    let mut api = token_client(&t, "lederx").await;
    json(&mut api, Method::POST, &format!("/api/v1/followup/items/{reported}/reports"), report).await.expect(201);

    // This year's plan inherits the reading assignment only.
    let this_input = plan("Virksomhetsplan 2026", 2026, Some(fx.unit_x), PlanType::UnitPlan);
    let this = t.db.plan_create(&a, &this_input, &[programme]).await.unwrap();
    let this_reading = t.db.element_inherit(&a, this, reading).await.unwrap();
    let page = x.get(&format!("/plans/{this}")).await.expect(200);
    page.contains("Overfør uferdige tiltak fra fjorårets plan").contains("får frist 31.12.2026");
    let before = t.audit_count().await;
    let done = x.post(&format!("/unit-plans/{this}/carry-over"), &[]).await.expect(200);
    done.contains("2 tiltak ble overført.")
        .contains("2 var fullført eller avbrutt")
        .contains("Kartlegge leseferdigheter på 2. trinn")
        .contains("31.12.2026")
        .contains("Fristen var passert")
        .contains("Lesevenner på tvers av trinn")
        .contains("Oppfølging av fravær over 10 %")
        .lacks("Lesekurs for foreldre")
        .lacks("Bibliotekbesøk hver måned");
    assert_eq!(t.audit_count().await, before + 2, "one audit row per copy");
    let copied: Vec<_> = t.db.elements(mid, this).await.unwrap().into_iter().filter(|e| !e.inherited()).collect();
    assert_eq!(copied.len(), 2);
    assert!(copied.iter().all(|e| e.parent_id == Some(this_reading) && e.responsible_person_id == Some(fx.leader_x)));
    let moved = copied.iter().find(|e| e.text.starts_with("Kartlegge")).unwrap();
    assert_eq!((moved.deadline, moved.status), (NaiveDate::from_ymd_opt(2026, 12, 31), ElementStatus::Active));
    assert!(t.db.element(mid, late).await.is_ok(), "last year's measure stays where it was");
    // Idempotent: a second run copies nothing twice and writes nothing.
    x.post(&format!("/unit-plans/{this}/carry-over"), &[])
        .await
        .expect(200)
        .contains("0 tiltak ble overført.")
        .contains("2 var overført tidligere");
    assert_eq!(t.db.elements(mid, this).await.unwrap().iter().filter(|e| !e.inherited()).count(), 2);
    assert_eq!(t.audit_count().await, before + 2);
    // Someone who may not edit the plan is refused; a delivered plan takes nothing.
    t.login("ledery").await.post(&format!("/unit-plans/{this}/carry-over"), &[]).await.expect(403);
    step(&mut x, this, "deliver", "").await.expect(303);
    x.post(&format!("/unit-plans/{this}/carry-over"), &[]).await.expect(422);
    // A plan without last year's plan says so.
    let y = unit_plan(&mut t.login("ledery").await, fx.unit_y, 2026, "Virksomhetsplan 2026 Y").await;
    t.login("ledery")
        .await
        .post(&format!("/unit-plans/{y}/carry-over"), &[])
        .await
        .expect(422)
        .contains("ingen virksomhetsplan for året før");
});

both!(the_overview_lists_every_unit_with_its_plan_deadline_and_exports, |t: TestApp| async move {
    let fx = t.fx.clone();
    // The deadline was yesterday, so a draft of this year is late.
    let deadline = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let year = deadline.year();
    let mut m = t.login("styring").await;
    let form = |d: &str| {
        vec![("year".to_owned(), year.to_string()), ("deadline".into(), d.into()), ("version".into(), "0".into())]
    };
    let iso = deadline.to_string();
    let bad = [("year", year.to_string()), ("deadline", "15.01".to_owned()), ("version", "0".to_owned())];
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    m.post("/unit-plans/deadline", &bad).await.expect(422).contains("value=\"15.01\"");
    let good = form(&iso);
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    m.post("/unit-plans/deadline", &good).await.expect(303);
    // Set again over the old version: 409.
    m.post("/unit-plans/deadline", &good).await.expect(409);
    // Leaders may not set it.
    t.login("lederx").await.post("/unit-plans/deadline", &good).await.expect(403);

    let mut x = t.login("lederx").await;
    let plan_x = unit_plan(&mut x, fx.unit_x, year, "Virksomhetsplan Xskolen").await;
    let mut y = t.login("ledery").await;
    let plan_y = unit_plan(&mut y, fx.unit_y, year, "Virksomhetsplan Yskolen").await;
    step(&mut y, plan_y, "deliver", "").await.expect(303);
    let shown = format!("Frist {}", deadline.format("%d.%m.%Y"));
    x.get(&format!("/plans/{plan_x}")).await.expect(200).contains(&shown).contains("Fristen er passert");
    y.get(&format!("/plans/{plan_y}")).await.expect(200).contains(&shown).lacks("Fristen er passert");

    let list = format!("/unit-plans?year={year}");
    let page = m.get(&list).await.expect(200);
    page.contains(&shown).contains("Xskolen").contains("Yskolen").contains("Fristen er passert").contains("Levert");
    let filtered = m.get(&format!("{list}&status=delivered")).await.expect(200);
    filtered.contains("Yskolen").lacks(">Xskolen<");
    m.get(&format!("{list}&status=overdue")).await.expect(200).contains("Xskolen").lacks("Yskolen");
    // A leader sees the units in their scope only.
    x.get(&list).await.expect(200).contains("Xskolen").lacks("Yskolen");
    // CSV and XLSX of the filtered list.
    let csv = m.get(&format!("/unit-plans/export.csv?year={year}")).await.expect(200);
    csv.contains("Virksomhet").contains("Yskolen").contains(&iso);
    let line = csv.body.lines().find(|l| l.contains("Xskolen")).unwrap().to_owned();
    assert!(line.contains("ja") && line.contains("Under arbeid"), "{line}");
    let xlsx = m.get(&format!("/unit-plans/export.xlsx?year={year}")).await.expect(200);
    assert!(xlsx.body.len() > 100);
    // The page links to the plans and their analyses, so a crawl reaches them; not for readers
    // who get no working papers.
    page.contains(&format!("href=\"/plans/{plan_y}\"")).contains(&format!("href=\"/unit-plans/{plan_y}/analysis\""));
    let audit = t.login("revisor").await.get(&list).await.expect(200);
    audit.contains("Yskolen").lacks(&format!("/unit-plans/{plan_y}/analysis")).lacks(&format!("/plans/{plan_y}\""));
});

both!(the_unit_plan_api_follows_the_same_rules, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut x = t.login("lederx").await;
    let plan = unit_plan(&mut x, fx.unit_x, 2026, "Virksomhetsplan 2026 Xskolen").await;
    let mut api_x = token_client(&t, "lederx").await;
    let got = api_x.get(&format!("/api/v1/unit-plans/{plan}")).await.expect(200).json();
    assert_eq!((got["status"].as_str(), got["analysis"]["version"].as_i64()), (Some("draft"), Some(0)));
    let version = got["version"].as_i64().unwrap();
    // The analysis: a bad figure names its field, a good one is stored exactly.
    let analysis = format!("/api/v1/unit-plans/{plan}/analysis");
    let bad = serde_json::json!({"version": 0, "sick_leave_percent": "-3"});
    let res = json(&mut api_x, Method::PUT, &analysis, bad).await.expect(422);
    assert_eq!(res.json()["field"], "sick_leave_percent");
    let res = json(
        &mut api_x,
        Method::PUT,
        &format!("/api/v1/unit-plans/{plan}/analysis"),
        serde_json::json!({"version": 0, "sick_leave_percent": "7,8", "risk_summary": "Vikarmangel"}),
    )
    .await
    .expect(200);
    assert_eq!(res.json()["analysis"]["sick_leave_percent"], "7.8");
    json(&mut api_x, Method::PUT, &format!("/api/v1/unit-plans/{plan}/analysis"), serde_json::json!({"version": 0}))
        .await
        .expect(409);
    // Deliver with a stale version: 409; with the current one: delivered.
    let deliver = format!("/api/v1/unit-plans/{plan}/deliver");
    json(&mut api_x, Method::POST, &deliver, serde_json::json!({"version": version - 1})).await.expect(409);
    let res = json(&mut api_x, Method::POST, &deliver, serde_json::json!({"version": version})).await.expect(200);
    let version = res.json()["version"].as_i64().unwrap();
    assert_eq!(res.json()["status"], "delivered");
    // The own leader may not approve; the director must comment to send back, then approves.
    let approve = format!("/api/v1/unit-plans/{plan}/approve");
    let res = json(&mut api_x, Method::POST, &approve, serde_json::json!({"version": version})).await.expect(422);
    assert_eq!(res.json()["error"], "err-plan-self-approval");
    let mut api_d = token_client(&t, "direktor").await;
    let back = format!("/api/v1/unit-plans/{plan}/send-back");
    let res = json(&mut api_d, Method::POST, &back, serde_json::json!({"version": version})).await.expect(422);
    assert_eq!(res.json()["error"], "err-unit-plan-comment-required");
    let res = json(&mut api_d, Method::POST, &approve, serde_json::json!({"version": version})).await.expect(200);
    let body = res.json();
    assert_eq!(body["status"], "adopted");
    let steps: Vec<&str> = body["events"].as_array().unwrap().iter().map(|e| e["step"].as_str().unwrap()).collect();
    assert_eq!(steps, vec!["delivered", "approved"]);
    // The year's list, in the caller's scope; a politician gets no working papers.
    let list = api_d.get("/api/v1/unit-plans?year=2026").await.expect(200).json();
    let line = list.as_array().unwrap().iter().find(|l| l["plan_id"] == plan).unwrap();
    assert_eq!((line["status"].as_str(), line["unit_id"].as_i64()), (Some("adopted"), Some(fx.unit_x)));
    assert!(line["approved_at"].is_string());
    let mut pol = token_client(&t, "politiker").await;
    pol.get(&format!("/api/v1/unit-plans/{plan}")).await.expect(404);
    assert!(pol.get("/api/v1/unit-plans?year=2026").await.expect(200).json().as_array().unwrap().is_empty());
    // The OpenAPI document describes the routes.
    let doc = api_d.get("/api/v1/openapi.json").await.expect(200).json();
    assert!(doc["paths"]["/api/v1/unit-plans/{id}/send-back"]["post"].is_object());
});

both!(a_refused_approval_is_answered_alike_on_the_page_and_through_the_api, |t: TestApp| async move {
    use crate::harness::escape;
    let fx = t.fx.clone();
    let mut x = t.login("lederx").await;
    let plan = unit_plan(&mut x, fx.unit_x, 2026, "Virksomhetsplan 2026 Xskolen").await;
    step(&mut x, plan, "deliver", "").await.expect(303);
    let mut api_x = token_client(&t, "lederx").await;
    let version = api_x.get(&format!("/api/v1/unit-plans/{plan}")).await.expect(200).json()["version"].clone();
    // The plan's own leader may edit it but neither approves nor sends it back: the page's two
    // forms, the plain status form and the API all answer 422 with the same words.
    for (action, comment, key, status_form) in [
        ("approve", "", "err-plan-self-approval", Some("adopted")),
        ("send-back", "Mangler frister", "err-unit-plan-send-back-superior", None),
    ] {
        let before = t.audit_count().await;
        let body = serde_json::json!({"version": version, "comment": comment});
        let api = json(&mut api_x, Method::POST, &format!("/api/v1/unit-plans/{plan}/{action}"), body).await;
        let api = api.expect(422).json();
        assert_eq!(api["error"], key);
        let message = api["message"].as_str().unwrap().to_owned();
        assert!(!message.is_empty() && message != key, "{action}: the API gives the message, not only its key");
        let page = step(&mut x, plan, action, comment).await;
        page.expect(422).contains(&escape(&message));
        if let Some(status) = status_form {
            let v = version_of(&mut x, &format!("/plans/{plan}")).await;
            let form = x.post(&format!("/plans/{plan}/status"), &[("status", status), ("version", v.as_str())]).await;
            form.expect(422).contains(&escape(&message));
        }
        assert_eq!(t.audit_count().await, before, "{action}: refused steps write nothing");
        // In the user's language (kept on the account) on both paths.
        x.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
        let body = serde_json::json!({"version": version, "comment": comment});
        let api = json(&mut api_x, Method::POST, &format!("/api/v1/unit-plans/{plan}/{action}"), body).await;
        let english = api.expect(422).json()["message"].as_str().unwrap().to_owned();
        assert_ne!(english, message, "{action}: the English message is the bokmål one");
        step(&mut x, plan, action, comment).await.expect(422).contains(&escape(&english));
        x.post("/language", &[("lang", "nb"), ("next", "/")]).await.expect(303);
    }
    assert_eq!(status_of(&t, plan).await, PlanStatus::Delivered);

    // Someone with no rights on the plan at all is refused alike on both paths too (not a rule).
    let mut y = t.login("ledery").await;
    let mut api_y = token_client(&t, "ledery").await;
    let page = y.post(&format!("/unit-plans/{plan}/approve"), &[("version", "1")]).await.status;
    let api = json(
        &mut api_y,
        Method::POST,
        &format!("/api/v1/unit-plans/{plan}/approve"),
        serde_json::json!({"version": 1}),
    )
    .await
    .status;
    assert_eq!(page, api, "another unit's leader");
    assert!(matches!(page.as_u16(), 403 | 404), "{page}");

    // The superior leader approves it.
    let mut api_d = token_client(&t, "direktor").await;
    let body = serde_json::json!({"version": version});
    json(&mut api_d, Method::POST, &format!("/api/v1/unit-plans/{plan}/approve"), body).await.expect(200);
    assert_eq!(status_of(&t, plan).await, PlanStatus::Adopted);
});

/// The carry-over's fixture: last year's plan of school X with measures under an inherited
/// assignment, an own strategy, an inherited assignment this year's plan does not inherit, an
/// inherited sub-goal and an own goal; this year's plan inheriting from last year's action programme
/// and from its new edition, with the own strategy written again.
struct CarryScene {
    this: i64,
    /// Measure ids of last year, by what the carry-over does with them.
    by_origin: i64,
    by_text: i64,
    up_the_path: i64,
    new_edition: i64,
    unplaced: i64,
    /// Places in this year's plan.
    reading_this: i64,
    strategy_this: i64,
    sub_goal_this: i64,
    /// An assignment of the action programme: no place in this year's plan.
    foreign: i64,
}

async fn carry_scene(t: &TestApp) -> CarryScene {
    let fx = t.fx.clone();
    let a = Author { municipality_id: fx.municipality, user_id: None, name: "Testoppsett".into() };
    let plan = |title: &str, year: i32, unit: Option<i64>, plan_type: PlanType| PlanInput {
        plan_type,
        title: rodtrad_domain::Name::parse(title).unwrap(),
        start_year: year,
        end_year: year + if plan_type == PlanType::UnitPlan { 0 } else { 3 },
        owner_unit_id: unit,
        published: false,
    };
    let el = |kind: ElementKind, text: &str| ElementInput {
        kind,
        text: text.into(),
        owner_unit_id: None,
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let measure = |text: &str, deadline: Option<NaiveDate>| ElementInput {
        status: ElementStatus::Active,
        deadline,
        responsible_person_id: Some(fx.leader_x),
        owner_unit_id: Some(fx.unit_x),
        ..el(ElementKind::Measure, text)
    };
    let db = &t.db;
    let first = plan("Handlingsprogram 2025–2028", 2025, Some(fx.root), PlanType::ActionProgramme);
    let first = db.plan_create(&a, &first, &[]).await.unwrap();
    let goal = db.element_create(&a, first, None, &el(ElementKind::MainGoal, "Alle barn lærer")).await.unwrap();
    let sub = db.element_create(&a, first, Some(goal), &el(ElementKind::SubGoal, "Elevene mestrer lesing")).await;
    let sub = sub.unwrap();
    let reading = el(ElementKind::Assignment, "Styrke leseopplæringen");
    let reading = db.element_create(&a, first, Some(sub), &reading).await.unwrap();
    let absence = el(ElementKind::Assignment, "Redusere fraværet");
    let absence = db.element_create(&a, first, Some(sub), &absence).await.unwrap();
    // The new edition writes its own sub-goal with the same words.
    let second = plan("Handlingsprogram 2026–2029", 2026, Some(fx.root), PlanType::ActionProgramme);
    let second = db.plan_create(&a, &second, &[]).await.unwrap();
    let goal2 = db.element_create(&a, second, None, &el(ElementKind::MainGoal, "Alle barn lærer")).await.unwrap();
    let sub2 = el(ElementKind::SubGoal, "Elevene mestrer lesing");
    let sub2 = db.element_create(&a, second, Some(goal2), &sub2).await.unwrap();

    let last = plan("Virksomhetsplan 2025 Xskolen", 2025, Some(fx.unit_x), PlanType::UnitPlan);
    let last = db.plan_create(&a, &last, &[first]).await.unwrap();
    let sub_last = db.element_inherit(&a, last, sub).await.unwrap();
    let reading_last = db.element_inherit(&a, last, reading).await.unwrap();
    let absence_last = db.element_inherit(&a, last, absence).await.unwrap();
    let strategy = el(ElementKind::Strategy, "Tidlig innsats i småskolen");
    let strategy_last = db.element_create(&a, last, Some(sub_last), &strategy).await.unwrap();
    let own_goal = db.element_create(&a, last, None, &el(ElementKind::MainGoal, "Godt foreldresamarbeid")).await;
    let own_sub = el(ElementKind::SubGoal, "Foreldrene deltar");
    let own_sub = db.element_create(&a, last, Some(own_goal.unwrap()), &own_sub).await.unwrap();
    let june = NaiveDate::from_ymd_opt(2025, 6, 1);
    let mut measures = Vec::new();
    for (parent, text) in [
        (reading_last, "Kartlegge leseferdigheter på 2. trinn"),
        (strategy_last, "Lesevenner på tvers av trinn"),
        (absence_last, "Oppfølging av fravær over 10 %"),
        (sub_last, "Leseløft for hele skolen"),
        (own_sub, "Foreldremøter om lesing"),
    ] {
        measures.push(db.element_create(&a, last, Some(parent), &measure(text, june)).await.unwrap());
    }
    let [by_origin, by_text, up_the_path, new_edition, unplaced] = measures[..] else { unreachable!() };

    let this = plan("Virksomhetsplan 2026 Xskolen", 2026, Some(fx.unit_x), PlanType::UnitPlan);
    let this = db.plan_create(&a, &this, &[first, second]).await.unwrap();
    let reading_this = db.element_inherit(&a, this, reading).await.unwrap();
    let sub_goal_this = db.element_inherit(&a, this, sub2).await.unwrap();
    let strategy = el(ElementKind::Strategy, "tidlig innsats i  småskolen");
    let strategy_this = db.element_create(&a, this, Some(sub_goal_this), &strategy).await.unwrap();
    CarryScene {
        this,
        by_origin,
        by_text,
        up_the_path,
        new_edition,
        unplaced,
        reading_this,
        strategy_this,
        sub_goal_this,
        foreign: reading,
    }
}

/// The copy of last year's measure `from` in `plan`: (id, parent, deadline, version).
async fn copy_of(t: &TestApp, plan: i64, text: &str) -> Option<(i64, Option<i64>, Option<NaiveDate>, i64)> {
    let all = t.db.elements(t.fx.municipality, plan).await.unwrap();
    all.into_iter().find(|e| e.text == text && !e.inherited()).map(|e| (e.id, e.parent_id, e.deadline, e.version))
}

both!(carried_measures_find_their_goal_or_the_unit_places_them, |t: TestApp| async move {
    let s = carry_scene(&t).await;
    let mut x = t.login("lederx").await;
    let page = format!("/unit-plans/{}/carry-over", s.this);
    x.get(&format!("/plans/{}", s.this)).await.expect(200).contains(&format!("href=\"{page}\""));
    let before = t.audit_count().await;
    let done = x.post(&page, &[]).await.expect(200);
    done.contains("4 tiltak ble overført.")
        .contains("1 kunne ikke plasseres automatisk")
        .contains("Foreldremøter om lesing")
        .contains("I fjor under: Foreldrene deltar.")
        .contains(&format!("name=\"parent-{}\"", s.unplaced))
        .contains(&format!("<option value=\"{}\">", s.sub_goal_this));
    assert_eq!(t.audit_count().await, before + 4, "one audit row per copy");
    let parent = async |text: &str| copy_of(&t, s.this, text).await.and_then(|c| c.1);
    assert_eq!(parent("Kartlegge leseferdigheter på 2. trinn").await, Some(s.reading_this), "same origin");
    assert_eq!(parent("Lesevenner på tvers av trinn").await, Some(s.strategy_this), "own strategy, same words");
    assert_eq!(parent("Leseløft for hele skolen").await, Some(s.sub_goal_this), "the new edition's goal");
    assert_eq!(parent("Oppfølging av fravær over 10 %").await, Some(s.sub_goal_this), "the goal above its assignment");
    assert!(copy_of(&t, s.this, "Foreldremøter om lesing").await.is_none(), "no goal matches: not copied");

    // The unit places the last one itself. A place outside this year's plan, or no choice at all,
    // is refused with the reason and writes nothing.
    let place = format!("{page}/place");
    let field = format!("parent-{}", s.unplaced);
    let before = t.audit_count().await;
    let foreign = s.foreign.to_string();
    x.post(&place, &[(field.as_str(), foreign.as_str())])
        .await
        .expect(422)
        .contains("Velg et mål, en strategi eller et oppdrag i årets plan.");
    x.post(&place, &[(field.as_str(), "")]).await.expect(422).contains("Velg hvor minst ett tiltak skal stå.");
    // A good choice beside a "measure" that is none of last year's refuses both.
    let chosen = s.sub_goal_this.to_string();
    let not_a_measure = format!("parent-{}", s.foreign);
    x.post(&place, &[(field.as_str(), chosen.as_str()), (not_a_measure.as_str(), chosen.as_str())])
        .await
        .expect(422)
        .contains("Tiltaket er ikke et uferdig tiltak fra fjorårets plan.");
    assert_eq!(t.audit_count().await, before, "nothing written");
    assert!(copy_of(&t, s.this, "Foreldremøter om lesing").await.is_none());
    let res = x.post(&place, &[(field.as_str(), chosen.as_str())]).await.expect(303);
    assert_eq!(res.location(), format!("{page}?placed=1"));
    x.get(res.location()).await.expect(200).contains("1 tiltak ble plassert og overført.").lacks(&field);
    assert_eq!(parent("Foreldremøter om lesing").await, Some(s.sub_goal_this));
    assert_eq!(t.audit_count().await, before + 1);
    // Idempotent: the same form again, and the carry-over again, copy nothing.
    let res = x.post(&place, &[(field.as_str(), chosen.as_str())]).await.expect(303);
    assert_eq!(res.location(), format!("{page}?placed=0"));
    x.post(&page, &[]).await.expect(200).contains("0 tiltak ble overført.").contains("5 var overført tidligere");
    assert_eq!(t.audit_count().await, before + 1);
    assert_eq!(t.db.elements(t.fx.municipality, s.this).await.unwrap().iter().filter(|e| !e.inherited()).count(), 6);
    let last_year: Vec<i64> = [s.by_origin, s.by_text, s.up_the_path, s.new_edition, s.unplaced].into();
    for id in last_year {
        assert!(t.db.element(t.fx.municipality, id).await.is_ok(), "last year's measures stay where they were");
    }

    // Only whoever may edit the plan places measures; readers without its working copy get nothing.
    t.login("ledery").await.post(&place, &[(field.as_str(), chosen.as_str())]).await.expect(403);
    t.login("politiker").await.get(&page).await.expect(404);
});

both!(carried_measures_get_new_deadlines_all_at_once_or_not_at_all, |t: TestApp| async move {
    let s = carry_scene(&t).await;
    let (mut x, mut y) = (t.login("lederx").await, t.login("ledery").await);
    let page = format!("/unit-plans/{}/carry-over", s.this);
    x.post(&page, &[]).await.expect(200).contains("Nye frister for overførte tiltak");
    let a = copy_of(&t, s.this, "Kartlegge leseferdigheter på 2. trinn").await.unwrap();
    let b = copy_of(&t, s.this, "Lesevenner på tvers av trinn").await.unwrap();
    let c = copy_of(&t, s.this, "Leseløft for hele skolen").await.unwrap();
    assert_eq!(a.2, NaiveDate::from_ymd_opt(2026, 12, 31), "the passed deadline moved to the year's end");
    let shown = x.get(&page).await.expect(200);
    shown
        .contains(&format!("name=\"deadline-{}\"", a.0))
        .contains(&format!("name=\"version-{}\" value=\"{}\"", a.0, a.3));
    let names = |id: i64| (format!("deadline-{id}"), format!("version-{id}"));
    let (da, va) = names(a.0);
    let (db_, vb) = names(b.0);
    let (dc, vc) = names(c.0);
    let (ver_a, ver_b, ver_c) = (a.3.to_string(), b.3.to_string(), c.3.to_string());
    let deadlines = format!("{page}/deadlines");
    // One good row, one before the plan's year, one no date: refused whole, each bad row marked,
    // every typed value kept, nothing written.
    let before = t.audit_count().await;
    let bad = [
        (da.as_str(), "2026-09-30"),
        (va.as_str(), ver_a.as_str()),
        (db_.as_str(), "2025-12-01"),
        (vb.as_str(), ver_b.as_str()),
        (dc.as_str(), "31.13.2026"),
        (vc.as_str(), ver_c.as_str()),
    ];
    x.post(&deadlines, &bad)
        .await
        .expect(422)
        .contains("Fristen må være i 2026 eller senere.")
        .contains("Datoen er ikke gyldig")
        .contains("value=\"2026-09-30\"")
        .contains("value=\"2025-12-01\"")
        .contains("value=\"31.13.2026\"");
    assert_eq!(t.audit_count().await, before, "nothing written");
    assert_eq!(copy_of(&t, s.this, "Kartlegge leseferdigheter på 2. trinn").await.unwrap().2, a.2, "not the good row");
    // In English, in English.
    x.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    x.post(&deadlines, &bad).await.expect(422).contains("The deadline must be in 2026 or later.");
    x.post("/language", &[("lang", "nb"), ("next", "/")]).await.expect(303);
    assert_eq!(copy_of(&t, s.this, "Lesevenner på tvers av trinn").await.unwrap().2, b.2, "nothing written");
    let before = t.audit_count().await;
    // A field for a measure that was not carried into this plan refuses the form too.
    let foreign = format!("deadline-{}", s.reading_this);
    x.post(&deadlines, &[(da.as_str(), "2026-09-30"), (va.as_str(), ver_a.as_str()), (foreign.as_str(), "2026-09-30")])
        .await
        .expect(422)
        .contains("Tiltaket er ikke overført til denne planen.");
    assert_eq!(t.audit_count().await, before);
    // Good rows: both written, one audit row each; a row left as it was writes nothing.
    let unchanged = c.2.map(|d| d.to_string()).unwrap_or_default();
    let good = [
        (da.as_str(), "2026-09-30"),
        (va.as_str(), ver_a.as_str()),
        (db_.as_str(), "2027-01-15"),
        (vb.as_str(), ver_b.as_str()),
        (dc.as_str(), unchanged.as_str()),
        (vc.as_str(), ver_c.as_str()),
    ];
    let res = x.post(&deadlines, &good).await.expect(303);
    assert_eq!(res.location(), format!("{page}?deadlines=2"));
    x.get(res.location()).await.expect(200).contains("2 frister ble endret.");
    assert_eq!(t.audit_count().await, before + 2);
    let now_a = copy_of(&t, s.this, "Kartlegge leseferdigheter på 2. trinn").await.unwrap();
    let now_b = copy_of(&t, s.this, "Lesevenner på tvers av trinn").await.unwrap();
    assert_eq!((now_a.2, now_b.2), (NaiveDate::from_ymd_opt(2026, 9, 30), NaiveDate::from_ymd_opt(2027, 1, 15)));
    // The same form again carries the old versions: 409 with the typed values back, nothing written.
    x.post(&deadlines, &good).await.expect(409).contains("value=\"2027-01-15\"");
    assert_eq!(t.audit_count().await, before + 2);
    // Someone who may not edit the plan is refused before anything is read from the form.
    y.post(&deadlines, &good).await.expect(403);
    // The carry-over after new deadlines still copies nothing twice.
    x.post(&page, &[]).await.expect(200).contains("0 tiltak ble overført.");
    assert_eq!(t.audit_count().await, before + 2);
});

both!(the_overview_shows_departments_under_their_unit, |t: TestApp| async move {
    let fx = t.fx.clone();
    let year = chrono::Utc::now().date_naive().year();
    let a = Author { municipality_id: fx.municipality, user_id: None, name: "Testoppsett".into() };
    let mut x = t.login("lederx").await;
    let plan_x = unit_plan(&mut x, fx.unit_x, year, "Virksomhetsplan Xskolen").await;
    let mut m = t.login("styring").await;
    let list = format!("/unit-plans?year={year}");
    // The department comes right after its unit, without a plan or a measure yet.
    let page = m.get(&list).await.expect(200);
    let body = &page.body;
    let (unit_at, dept_at) = (body.find(">Xskolen<").unwrap(), body.find("Xskolen SFO").unwrap());
    assert!(unit_at < dept_at && dept_at < body.find(">Yskolen<").unwrap(), "nested under its unit");
    page.contains("Avdeling under Xskolen:").contains("Ingen egen plan og ingen tiltak i virksomhetsplanen");
    page.contains(", avdelinger: 1</caption>");
    m.get(&format!("{list}&status=missing")).await.expect(200).contains("Xskolen SFO");

    // A measure the department is responsible for in the unit's plan is its contribution.
    let goal = new_element(&mut x, plan_x, None, "main_goal", "Alle barn lærer").await;
    let sub = new_element(&mut x, plan_x, Some(goal), "sub_goal", "Elevene trives").await;
    let measure = ElementInput {
        kind: ElementKind::Measure,
        text: "Leksehjelp i SFO".into(),
        owner_unit_id: Some(fx.dept_x),
        responsible_person_id: Some(fx.dept_head),
        deadline: NaiveDate::from_ymd_opt(year, 12, 1),
        status: ElementStatus::Active,
        sdg_targets: vec![],
    };
    t.db.element_create(&a, plan_x, Some(sub), &measure).await.unwrap();
    m.get(&list).await.expect(200).contains("Bidrar med 1 tiltak i virksomhetsplanen");
    m.get(&format!("{list}&status=missing")).await.expect(200).lacks("Xskolen SFO");
    let csv = m.get(&format!("/unit-plans/export.csv?year={year}")).await.expect(200);
    csv.contains("Avdeling");
    let line = csv.body.lines().find(|l| l.contains("Xskolen SFO")).unwrap().to_owned();
    assert!(line.contains("Xskolen;Xskolen SFO;") && line.ends_with(";1"), "{line}");
    // The API lists it too, with its unit and contribution.
    let api = token_client(&t, "styring").await.get(&format!("/api/v1/unit-plans?year={year}")).await.expect(200);
    let lines = api.json();
    let dept = lines.as_array().unwrap().iter().find(|l| l["unit_id"] == fx.dept_x).unwrap().clone();
    assert_eq!((dept["kind"].as_str(), dept["parent_unit_id"].as_i64()), (Some("department"), Some(fx.unit_x)));
    assert_eq!(dept["contributions"].as_i64(), Some(1));

    // The auditor, who reads no drafts, gets no count.
    t.login("revisor").await.get(&list).await.expect(200).contains("Xskolen SFO").lacks("Bidrar med");
    // A plan of its own shows with its status.
    let mut h = t.login("avdleder").await;
    let plan_d = unit_plan(&mut h, fx.dept_x, year, "Avdelingsplan SFO").await;
    let page = m.get(&list).await.expect(200);
    page.contains(&format!("href=\"/plans/{plan_d}\">Xskolen SFO</a>"));
    m.get(&format!("{list}&status=draft")).await.expect(200).contains("Xskolen SFO");
    let xlsx = m.get(&format!("/unit-plans/export.xlsx?year={year}")).await.expect(200);
    assert!(xlsx.body.len() > 100);
    // The school's leader sees the department; the other school's leader does not.
    x.get(&list).await.expect(200).contains("Xskolen SFO");
    t.login("ledery").await.get(&list).await.expect(200).lacks("Xskolen SFO");
});
