//! Status reporting: who may report, closed periods, progress bounds, concurrent saves (409), the
//! htmx row answer, the roll-up against counts built here, stale items, and the management
//! dialogue a deviation opens and its parties close.

use crate::both;
use crate::harness::{Client, Res, TestApp};
use axum::http::Method;
use rodtrad_domain::Name;
use rodtrad_domain::followup::Status;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanType};
use rodtrad_store::followup::NewReport;
use rodtrad_store::plans::{ElementInput, PlanInput};
use rodtrad_store::{Author, on_db};

fn author(t: &TestApp) -> Author {
    Author { municipality_id: t.fx.municipality, user_id: None, name: "Oppsett".into() }
}

async fn count(t: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

/// A unit plan of `unit` with one sub-goal and `n` measures (responsible `person`); returns them.
async fn measures(t: &TestApp, unit: i64, person: Option<i64>, n: usize) -> Vec<i64> {
    let a = author(t);
    let input = PlanInput {
        plan_type: PlanType::UnitPlan,
        title: Name::parse(&format!("Plan {unit}")).unwrap(),
        start_year: 2026,
        end_year: 2027,
        owner_unit_id: Some(unit),
        published: false,
    };
    let plan = t.db.plan_create(&a, &input, &[]).await.unwrap();
    let goal = ElementInput {
        kind: ElementKind::SubGoal,
        text: "Elevene mestrer lesing".into(),
        owner_unit_id: Some(unit),
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let main = ElementInput { kind: ElementKind::MainGoal, text: "Gode skoler".into(), ..goal.clone() };
    let main = t.db.element_create(&a, plan, None, &main).await.unwrap();
    let goal_id = t.db.element_create(&a, plan, Some(main), &goal).await.unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        let m = ElementInput {
            kind: ElementKind::Measure,
            text: format!("Tiltak {i} i enhet {unit}"),
            responsible_person_id: person,
            ..goal.clone()
        };
        out.push(t.db.element_create(&a, plan, Some(goal_id), &m).await.unwrap());
    }
    out
}

/// The 2026 periods; returns (January, February).
async fn periods(t: &TestApp) -> (i64, i64) {
    t.db.followup_periods_create(&author(t), 2026).await.unwrap();
    let all = t.db.followup_periods(t.fx.municipality).await.unwrap();
    let month = |n| all.iter().find(|p| p.kind == "month" && p.number == n).unwrap().id;
    (month(1), month(2))
}

async fn report(
    c: &mut Client,
    item: i64,
    period: i64,
    status: &str,
    progress: &str,
    comment: &str,
    version: i64,
) -> Res {
    let (period, version) = (period.to_string(), version.to_string());
    let fields = [
        ("period", period.as_str()),
        ("status", status),
        ("progress", progress),
        ("comment", comment),
        ("version", version.as_str()),
        ("next", "/followup"),
    ];
    c.post(&format!("/followup/items/{item}"), &fields).await
}

async fn version(t: &TestApp, item: i64) -> i64 {
    t.db.followup_current(t.fx.municipality, item).await.unwrap().map_or(0, |c| c.version)
}

both!(who_may_report_and_what_is_refused, |t: TestApp| async move {
    let fx = t.fx.clone();
    let (jan, _) = periods(&t).await;
    let mine = measures(&t, fx.unit_x, Some(fx.employee_x), 1).await[0];
    let other = measures(&t, fx.unit_y, None, 1).await[0];
    let mut employee = t.login("ansattx").await;
    let mut leader = t.login("lederx").await;
    let mut director = t.login("direktor").await;
    let mut staff = t.login("styring").await;

    // The responsible person reports; nobody else outside the line may.
    report(&mut employee, mine, jan, "on_track", "20", "Godt i gang", 0).await.expect(303);
    assert_eq!(count(&t, "status_reports").await, 1);
    for login in ["politiker", "revisor", "ledery"] {
        let mut c = t.login(login).await;
        report(&mut c, mine, jan, "on_track", "30", "Uvedkommende", 1).await.expect(403);
    }
    report(&mut employee, other, jan, "on_track", "30", "Ikke min", 0).await.expect(403);
    report(&mut leader, other, jan, "on_track", "30", "Ikke min enhet", 0).await.expect(403);
    assert_eq!(count(&t, "status_reports").await, 1, "refused reports write nothing");

    // Bad input: 422 with the message and the typed values kept, nothing written.
    let res = report(&mut leader, mine, jan, "on_track", "150", "Hundre og femti", 1).await.expect(422);
    res.contains("Fremdrift må være et helt tall fra 0 til 100").contains("Hundre og femti").contains("value=\"150\"");
    report(&mut leader, mine, jan, "green", "40", "Grønn", 1).await.expect(422).contains("Ukjent status");
    report(&mut leader, mine, jan, "not_started", "40", "", 1).await.expect(422);
    assert_eq!(count(&t, "status_reports").await, 1);

    // Two leaders from the same base version: the second gets 409 with the text kept.
    report(&mut leader, mine, jan, "at_risk", "30", "Lederen først", 1).await.expect(303);
    let res = report(&mut director, mine, jan, "on_track", "35", "Direktøren etterpå", 1).await.expect(409);
    res.contains("Direktøren etterpå").contains("Lederen først");
    assert_eq!(version(&t, mine).await, 2);

    // Completing, and reopening only by the superior leader or the staff.
    report(&mut leader, mine, jan, "completed", "100", "Ferdig", 2).await.expect(303);
    report(&mut leader, mine, jan, "on_track", "90", "Likevel ikke", 3).await.expect(422).contains("gjenåpne");
    report(&mut director, mine, jan, "on_track", "90", "Gjenåpnet", 3).await.expect(303);

    // A closed period refuses reports; only the staff close and reopen.
    leader.post(&format!("/followup/periods/{jan}/close"), &[]).await.expect(403);
    staff.post(&format!("/followup/periods/{jan}/close"), &[]).await.expect(303);
    let before = count(&t, "status_reports").await;
    report(&mut leader, mine, jan, "on_track", "95", "For sent", 4).await.expect(422).contains("Perioden er stengt");
    assert_eq!(count(&t, "status_reports").await, before);
    staff.post(&format!("/followup/periods/{jan}/close"), &[]).await.expect(422);
    staff.post(&format!("/followup/periods/{jan}/reopen"), &[]).await.expect(303);
    report(&mut leader, mine, jan, "on_track", "95", "Nå går det", 4).await.expect(303);

    // htmx gets the row alone, saved, or with its error.
    let v = version(&t, mine).await.to_string();
    let j = jan.to_string();
    let fields = [
        ("period", j.as_str()),
        ("status", "on_track"),
        ("progress", "97"),
        ("comment", "Via htmx"),
        ("version", v.as_str()),
    ];
    let body = serde_urlencoded::to_string(fields).unwrap();
    let token = leader.csrf().await;
    let headers = [
        ("hx-request", "true"),
        ("x-csrf-token", token.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let res =
        leader.send(Method::POST, &format!("/followup/items/{mine}"), Some(body.clone()), &headers).await.expect(200);
    res.contains(&format!("id=\"row-{mine}\"")).contains("Lagret").lacks("<html");
    let res = leader.send(Method::POST, &format!("/followup/items/{mine}"), Some(body), &headers).await.expect(409);
    res.contains("Via htmx").lacks("<html");

    // The history shows every report on the element's page.
    let page = leader.get(&format!("/elements/{mine}")).await.expect(200);
    for text in ["Godt i gang", "Lederen først", "Ferdig", "Gjenåpnet", "Nå går det", "Via htmx"] {
        page.contains(text);
    }
    page.lacks("Direktøren etterpå").lacks("For sent");
    assert_eq!(count(&t, "status_reports").await, 6);
});

both!(bulk_page_reports_twenty_measures_without_javascript, |t: TestApp| async move {
    let fx = t.fx.clone();
    let (jan, _) = periods(&t).await;
    let items = measures(&t, fx.unit_x, None, 20).await;
    let mut leader = t.login("lederx").await;
    let page = leader.get(&format!("/followup/units/{}/report?period={jan}", fx.unit_x)).await.expect(200);
    for id in &items {
        page.contains(&format!("action=\"/followup/items/{id}\""));
    }
    let next = format!("/followup/units/{}/report?period={jan}", fx.unit_x);
    for (i, id) in items.iter().enumerate() {
        let (j, progress) = (jan.to_string(), (i * 5).to_string());
        let fields = [
            ("period", j.as_str()),
            ("status", "on_track"),
            ("progress", progress.as_str()),
            ("comment", "Rapportert fra samlesiden"),
            ("version", "0"),
            ("next", next.as_str()),
        ];
        let res = leader.post(&format!("/followup/items/{id}"), &fields).await.expect(303);
        assert_eq!(res.location(), format!("{next}#row-{id}"));
    }
    assert_eq!(count(&t, "status_reports").await, 20);
    let api = crate::api::token_client(&t, "lederx").await;
    let mut api = api;
    let rollup = api.get(&format!("/api/v1/followup/units/{}/rollup?period={jan}", fx.unit_x)).await.expect(200).json();
    assert_eq!(rollup["unit"]["by_status"]["on_track"], 20);
    // (0 + 5 + … + 95) / 20 = 47.5 %.
    assert_eq!(rollup["unit"]["progress"], 47.5);
});

both!(roll_up_matches_counts_built_here_and_marks_stale_items, |t: TestApp| async move {
    let fx = t.fx.clone();
    // Staleness is judged on today (the default period is this month's), reports backdated from now.
    let (jan, _) = periods(&t).await;
    let a = Author { municipality_id: fx.municipality, user_id: None, name: "Oppsett".into() };
    // (unit, status or unreported, progress, days ago)
    let plan: Vec<(i64, Option<Status>, u8, i64)> = vec![
        (fx.unit_x, Some(Status::OnTrack), 40, 1),
        (fx.unit_x, Some(Status::OnTrack), 60, 100),
        (fx.unit_x, Some(Status::Deviation), 10, 2),
        (fx.dept_x, Some(Status::Completed), 100, 200),
        (fx.dept_x, None, 0, 0),
        (fx.unit_y, Some(Status::AtRisk), 50, 3),
        (fx.unit_y, Some(Status::Cancelled), 20, 300),
        (fx.unit_y, None, 0, 0),
    ];
    let now = chrono::Utc::now();
    for (unit, status, progress, ago) in &plan {
        let id = measures(&t, *unit, None, 1).await[0];
        if let Some(status) = status {
            let parent = t.db.org_unit(fx.municipality, *unit).await.unwrap().parent_id;
            let r = NewReport {
                element_id: id,
                period_id: jan,
                status: *status,
                progress: *progress,
                comment: String::new(),
                base_version: 0,
                dialogue: status.needs_dialogue().then_some((*unit, parent)),
            };
            t.db.followup_report_at(&a, &r, now - chrono::Duration::days(*ago)).await.unwrap();
        }
    }
    let stale_days = t.db.followup_stale_days(fx.municipality).await.unwrap();
    let under = |top: i64, unit: i64| match top {
        x if x == fx.area => true,
        x if x == fx.unit_x => unit == fx.unit_x || unit == fx.dept_x,
        x => unit == x,
    };
    let mut api = crate::api::token_client(&t, "direktor").await;
    for top in [fx.area, fx.unit_x, fx.unit_y, fx.dept_x] {
        let mine: Vec<_> = plan.iter().filter(|(u, ..)| under(top, *u)).collect();
        let got = api.get(&format!("/api/v1/followup/units/{top}/rollup")).await.expect(200).json();
        let unit = &got["unit"];
        assert_eq!(unit["total"], mine.len() as u64, "unit {top}");
        for s in Status::ALL {
            let n = mine.iter().filter(|(_, st, ..)| *st == Some(s)).count() as u64;
            assert_eq!(unit["by_status"][s.code()], n, "unit {top} {}", s.code());
        }
        assert_eq!(unit["unreported"], mine.iter().filter(|(_, st, ..)| st.is_none()).count() as u64);
        let stale = mine
            .iter()
            .filter(|(_, st, _, ago)| !st.is_some_and(Status::is_final) && (st.is_none() || *ago > stale_days))
            .count() as u64;
        assert_eq!(unit["stale"], stale, "unit {top}");
        let counted: Vec<_> = mine.iter().filter(|(_, st, ..)| *st != Some(Status::Cancelled)).collect();
        let expected = counted.iter().map(|(_, _, p, _)| f64::from(*p)).sum::<f64>() / counted.len() as f64;
        assert!((unit["progress"].as_f64().unwrap() - expected).abs() < 1e-9, "unit {top}");
    }
    // The page shows the same numbers as links to the lists behind them.
    let mut c = t.login("direktor").await;
    let page = c.get(&format!("/followup/units/{}", fx.area)).await.expect(200);
    page.contains(&format!("/followup/units/{}/items?filter=stale", fx.area));
    let list = c.get(&format!("/followup/units/{}/items?filter=stale", fx.area)).await.expect(200);
    list.contains("Tiltak 0 i enhet").contains("ikke oppdatert på lenge");
    let csv = c.get(&format!("/followup/units/{}/export.csv", fx.area)).await.expect(200);
    assert_eq!(csv.body.lines().count(), 1 + plan.len());
    c.get(&format!("/followup/units/{}/export.xlsx", fx.area)).await.expect(200);
    // Another unit's leader cannot read the area.
    t.login("lederx").await.get(&format!("/followup/units/{}", fx.unit_y)).await.expect(403);
});

both!(deviation_opens_a_dialogue_that_only_parties_close, |t: TestApp| async move {
    let fx = t.fx.clone();
    let (jan, _) = periods(&t).await;
    let item = measures(&t, fx.unit_x, None, 1).await[0];
    let mut leader = t.login("lederx").await;
    report(&mut leader, item, jan, "on_track", "20", "Alt vel", 0).await.expect(303);
    assert_eq!(count(&t, "status_dialogues").await, 0, "on track opens nothing");
    report(&mut leader, item, jan, "deviation", "20", "Mangler lærere", 1).await.expect(303);
    report(&mut leader, item, jan, "at_risk", "25", "Litt bedre", 2).await.expect(303);
    assert_eq!(count(&t, "status_dialogues").await, 1, "a second deviation keeps the dialogue open");
    let mut api = crate::api::token_client(&t, "lederx").await;
    let id =
        api.get(&format!("/api/v1/followup/items/{item}")).await.expect(200).json()["dialogue_id"].as_i64().unwrap();
    let path = format!("/followup/dialogues/{id}");

    for login in ["ansattx", "politiker", "revisor", "ledery"] {
        t.login(login).await.get(&path).await.expect(403);
    }
    let mut staff = t.login("styring").await;
    staff.get(&path).await.expect(200).contains("Mangler lærere");
    staff.post(&format!("{path}/close"), &[("outcome", "Ikke part")]).await.expect(403);
    let mut director = t.login("direktor").await;
    director.get("/followup/dialogues").await.expect(200).contains(&format!("href=\"{path}\""));
    t.login("ledery").await.get("/followup/dialogues").await.expect(200).lacks(&format!("href=\"{path}\""));

    let v = t.db.followup_dialogue(fx.municipality, id).await.unwrap().version.to_string();
    director
        .post(
            &path,
            &[("measures", "Vikarer fra bemanningssenteret"), ("follow_up_on", "2026-03-01"), ("version", v.as_str())],
        )
        .await
        .expect(303);
    leader
        .post(&path, &[("measures", "Gammel versjon"), ("follow_up_on", ""), ("version", v.as_str())])
        .await
        .expect(409);
    leader.post(&format!("{path}/close"), &[("outcome", "")]).await.expect(422).contains("Skriv resultatet");
    leader.post(&format!("{path}/close"), &[("outcome", "Stillingene er besatt")]).await.expect(303);
    leader.post(&format!("{path}/close"), &[("outcome", "Igjen")]).await.expect(422).contains("allerede avsluttet");
    let d = t.db.followup_dialogue(fx.municipality, id).await.unwrap();
    assert_eq!(d.outcome.as_deref(), Some("Stillingene er besatt"));
    assert_eq!(d.measures, "Vikarer fra bemanningssenteret");
    assert!(d.closed_at.is_some() && d.closed_by.is_some());
});

both!(api_reports_with_version_and_refuses_stale_writes, |t: TestApp| async move {
    let fx = t.fx.clone();
    let (jan, _) = periods(&t).await;
    let item = measures(&t, fx.unit_x, None, 1).await[0];
    let mut api = crate::api::token_client(&t, "lederx").await;
    let path = format!("/api/v1/followup/items/{item}/reports");
    let body = |v: i64, progress: i64| {
        serde_json::json!({"period_id": jan, "status": "deviation", "progress": progress, "comment": "API", "version": v}).to_string()
    };
    let json = [("content-type", "application/json")];
    let saved = api.send(Method::POST, &path, Some(body(0, 10)), &json).await.expect(201).json();
    assert_eq!(saved["version"], 1);
    assert!(saved["dialogue_opened"].as_i64().is_some());
    api.send(Method::POST, &path, Some(body(0, 20)), &json).await.expect(409);
    api.send(Method::POST, &path, Some(body(1, 101)), &json).await.expect(422);
    let periods = api.get("/api/v1/followup/periods").await.expect(200).json();
    assert_eq!(periods.as_array().unwrap().len(), 15);
    let dialogues = api.get("/api/v1/followup/dialogues").await.expect(200).json();
    let id = dialogues[0]["id"].as_i64().unwrap();
    let close = format!("/api/v1/followup/dialogues/{id}/close");
    let mut other = crate::api::token_client(&t, "ledery").await;
    other.send(Method::POST, &close, Some(r#"{"outcome":"x"}"#.into()), &json).await.expect(404);
    api.send(Method::POST, &close, Some(r#"{"outcome":"Løst"}"#.into()), &json).await.expect(200);
    api.send(Method::POST, &close, Some(r#"{"outcome":"Løst"}"#.into()), &json).await.expect(422);
    let doc = api.get("/api/v1/openapi.json").await.expect(200).json();
    assert!(doc["paths"]["/api/v1/followup/items/{item}/reports"]["post"].is_object());
});

both!(demo_statuses_are_a_believable_mix_with_dialogues_stale_items_and_silent_owners, |t: TestApp| async move {
    use rodtrad_service::followup as service;
    let cost = rodtrad_store::password::HashCost { memory_kib: 1024, iterations: 1 };
    let mid = rodtrad_store::demo::load(&t.db, cost).await.unwrap().municipality_id;
    let items = t.db.followup_items(mid, None).await.unwrap();
    let n = |s: Option<Status>| items.iter().filter(|r| r.status() == s).count();
    let on_track = n(Some(Status::OnTrack));
    assert!(on_track * 2 > items.len(), "mostly on track: {on_track} of {}", items.len());
    assert!(n(Some(Status::AtRisk)) > n(Some(Status::Deviation)) && n(Some(Status::Deviation)) > 0);
    assert!(n(Some(Status::Completed)) > 0 && n(None) > 0);
    let open = t.db.followup_dialogues(mid, true).await.unwrap();
    assert!(open.iter().any(|d| d.opened_status == "deviation" && !d.measures.is_empty()));
    let tree = t.db.org_tree(mid).await.unwrap();
    let stale_before =
        service::stale_before(chrono::Utc::now().date_naive(), t.db.followup_stale_days(mid).await.unwrap());
    let rollup = service::roll_up_items(&tree, &items, stale_before);
    let root = tree.children(None)[0];
    assert_eq!(rollup.of(root).total() as usize, items.len());
    let reported_stale = items.iter().filter(|r| r.status.is_some() && service::is_stale(r, stale_before)).count();
    assert!(reported_stale > 0, "some items were last reported long ago");
    let all: Vec<_> = items.iter().collect();
    assert!(!service::silent(&all, stale_before).is_empty(), "some owners never report");
    // The same again is no second set of reports.
    let reports = count(&t, "status_reports").await;
    rodtrad_store::demo::load(&t.db, cost).await.unwrap();
    assert_eq!(count(&t, "status_reports").await, reports);
});
