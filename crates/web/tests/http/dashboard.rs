//! Dashboards on crafted data: *Mitt ansvar* (overdue, due soon, to report in the open period, open
//! dialogues as leader and as superior), the leader's view of a subtree (status distribution,
//! weighted progress, stale items, silent owners, open dialogues, unit plans not approved, letters
//! not acknowledged, drill-down), the overview per service area, the lists behind the numbers, the
//! exports and who may see what.

use crate::both;
use crate::harness::TestApp;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use rodtrad_domain::Name;
use rodtrad_domain::followup::Status;
use rodtrad_domain::org::OrgUnitKind;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanType};
use rodtrad_store::followup::NewReport;
use rodtrad_store::org::NewOrgUnit;
use rodtrad_store::plans::{ElementInput, PlanInput};
use rodtrad_store::{Author, on_db};
use serde_json::Value;

fn author(t: &TestApp) -> Author {
    Author { municipality_id: t.fx.municipality, user_id: None, name: "Oppsett".into() }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// A unit plan of `unit` for this year with a sub-goal; returns (plan, sub-goal).
async fn unit_plan(t: &TestApp, unit: i64) -> (i64, i64) {
    let a = author(t);
    let year = today().year();
    let input = PlanInput {
        plan_type: PlanType::UnitPlan,
        title: Name::parse(&format!("Virksomhetsplan {unit}")).unwrap(),
        // Deadlines a few weeks either side of today stay inside the plan's period.
        start_year: year - 1,
        end_year: year + 1,
        owner_unit_id: Some(unit),
        published: false,
    };
    let plan = t.db.plan_create(&a, &input, &[]).await.unwrap();
    let goal = ElementInput {
        kind: ElementKind::MainGoal,
        text: "Gode tjenester".into(),
        owner_unit_id: Some(unit),
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    let main = t.db.element_create(&a, plan, None, &goal).await.unwrap();
    let sub = ElementInput { kind: ElementKind::SubGoal, text: "Brukerne er fornøyde".into(), ..goal };
    (plan, t.db.element_create(&a, plan, Some(main), &sub).await.unwrap())
}

/// A measure under `goal` of `plan`, owned by `unit`.
async fn measure(
    t: &TestApp,
    (plan, goal): (i64, i64),
    unit: i64,
    text: &str,
    responsible: Option<i64>,
    deadline: Option<NaiveDate>,
) -> i64 {
    let input = ElementInput {
        kind: ElementKind::Measure,
        text: text.into(),
        owner_unit_id: Some(unit),
        responsible_person_id: responsible,
        deadline,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    };
    t.db.element_create(&author(t), plan, Some(goal), &input).await.unwrap()
}

/// This year's periods; returns the open month containing today.
async fn current_period(t: &TestApp) -> i64 {
    t.db.followup_periods_create(&author(t), today().year()).await.unwrap();
    t.db.followup_current_period(t.fx.municipality, today()).await.unwrap().unwrap().id
}

/// Reports `status` on an item (its first report), opening the dialogue a deviation opens.
async fn report(t: &TestApp, item: i64, period: i64, status: Status, progress: u8, unit: i64) {
    let parent = t.db.org_unit(t.fx.municipality, unit).await.unwrap().parent_id;
    let new = NewReport {
        element_id: item,
        period_id: period,
        status,
        progress,
        comment: "Rapportert".into(),
        base_version: 0,
        dialogue: status.needs_dialogue().then_some((unit, parent)),
    };
    t.db.followup_report(&author(t), &new).await.unwrap();
}

fn ids(v: &Value) -> Vec<i64> {
    let mut out: Vec<i64> = v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    out.sort_unstable();
    out
}

both!(mine_lists_overdue_due_soon_to_report_and_dialogues, |t: TestApp| async move {
    let fx = t.fx.clone();
    let period = current_period(&t).await;
    let x = unit_plan(&t, fx.unit_x).await;
    let y = unit_plan(&t, fx.unit_y).await;
    let day = |d: i64| Some(today() + Duration::days(d));
    let overdue = measure(&t, x, fx.unit_x, "Kartlegge leseferdigheter", Some(fx.employee_x), day(-3)).await;
    let soon = measure(&t, x, fx.unit_x, "Leseuke for 3. trinn", Some(fx.employee_x), day(5)).await;
    let later = measure(&t, x, fx.unit_x, "Nytt bibliotek", Some(fx.employee_x), day(60)).await;
    let done = measure(&t, x, fx.unit_x, "Ferdig tiltak", Some(fx.employee_x), day(-10)).await;
    let deviation = measure(&t, x, fx.unit_x, "Redusere fravær", None, day(90)).await;
    let elsewhere = measure(&t, y, fx.unit_y, "Yskolens tiltak", Some(fx.employee_y), day(-1)).await;
    report(&t, later, period, Status::OnTrack, 30, fx.unit_x).await;
    report(&t, done, period, Status::Completed, 100, fx.unit_x).await;
    report(&t, deviation, period, Status::Deviation, 10, fx.unit_x).await;

    // The responsible employee: overdue, due soon, and to report (the two not reported this period).
    let mut employee = t.login("ansattx").await;
    let mine = employee.get("/api/v1/dashboard/mine").await.expect(200).json();
    assert_eq!(mine["period_id"], period);
    assert_eq!(
        (mine["overdue"].as_i64(), mine["due_soon"].as_i64(), mine["to_report"].as_i64()),
        (Some(1), Some(1), Some(2))
    );
    let listed: Vec<i64> = mine["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert!(listed.contains(&overdue) && listed.contains(&soon), "{listed:?}");
    assert!(!listed.contains(&done) && !listed.contains(&later) && !listed.contains(&elsewhere), "{listed:?}");
    let item = mine["items"].as_array().unwrap().iter().find(|i| i["id"] == overdue).unwrap();
    assert_eq!((item["due"].as_str(), item["to_report"].as_bool()), (Some("overdue"), Some(true)));
    assert_eq!(mine["dialogues"].as_array().unwrap().len(), 0, "an employee is no party to dialogues");

    let page = employee.get("/dashboard").await.expect(200);
    page.contains("Forfalt (1)").contains("Frist snart (1)").contains("Kartlegge leseferdigheter");
    page.contains("Leseuke for 3. trinn").lacks("Yskolens tiltak").lacks("Ferdig tiltak");
    page.contains(&format!("href=\"/followup/items/{overdue}\""));
    // The start page shows the same numbers, linking to the lists.
    employee.get("/").await.expect(200).contains("href=\"/dashboard#overdue\"").contains("Mitt ansvar");

    // The unit's leader answers for every item of the unit and is party to the dialogue; the
    // director is party as the superior; the other school's leader sees neither.
    let mut leader = t.login("lederx").await;
    let mine = leader.get("/api/v1/dashboard/mine").await.expect(200).json();
    let listed: Vec<i64> = mine["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(listed, vec![overdue, soon], "reported and far from its deadline, the deviation asks nothing");
    assert_eq!(mine["dialogues"].as_array().unwrap().len(), 1);
    assert_eq!(mine["dialogues"][0]["element_id"], deviation);
    leader.get("/dashboard").await.expect(200).contains("Åpne lederdialoger (1)").contains("Redusere fravær");
    let mut director = t.login("direktor").await;
    let mine = director.get("/api/v1/dashboard/mine").await.expect(200).json();
    assert_eq!(mine["dialogues"].as_array().unwrap().len(), 1, "the superior sees the dialogue too");
    assert_eq!(mine["items"].as_array().unwrap().len(), 0, "the area's own items are none");
    let mut other = t.login("ledery").await;
    let mine = other.get("/api/v1/dashboard/mine").await.expect(200).json();
    assert_eq!(mine["dialogues"].as_array().unwrap().len(), 0);
    assert_eq!(mine["overdue"], 1, "Yskolen's overdue measure is its leader's");

    // The export holds the same items; an unknown list is refused in words.
    let csv = employee.get("/dashboard/export.csv?list=overdue").await.expect(200);
    csv.contains("Kartlegge leseferdigheter").lacks("Leseuke for 3. trinn");
    employee.get("/dashboard/export.xlsx").await.expect(200);
    employee.get("/dashboard/export.csv?list=alt").await.expect(422).contains("Ukjent liste");

    // Closing every period: nothing is asked for any more (closing only this month would move
    // the reports to the latest open month, where they are still taken).
    for p in t.db.followup_periods(fx.municipality).await.unwrap() {
        t.db.followup_period_set_closed(&author(&t), p.id, true).await.unwrap();
    }
    let mine = employee.get("/api/v1/dashboard/mine").await.expect(200).json();
    assert_eq!(mine["to_report"], 0);
    assert_eq!(mine["overdue"], 1, "the deadline still counts");
});

both!(leader_view_and_overview_count_through_the_roll_up, |t: TestApp| async move {
    let fx = t.fx.clone();
    let period = current_period(&t).await;
    let x = unit_plan(&t, fx.unit_x).await;
    let y = unit_plan(&t, fx.unit_y).await;
    let dept = unit_plan(&t, fx.dept_x).await;
    let on_track = measure(&t, x, fx.unit_x, "Tiltak i rute", Some(fx.leader_x), None).await;
    let deviation = measure(&t, x, fx.unit_x, "Tiltak med avvik", Some(fx.leader_x), None).await;
    measure(&t, x, fx.unit_x, "Tiltak uten rapport", Some(fx.employee_x), None).await;
    let completed = measure(&t, y, fx.unit_y, "Fullført tiltak", Some(fx.leader_y), None).await;
    let at_risk = measure(&t, dept, fx.dept_x, "SFO-tiltak i risiko", Some(fx.dept_head), None).await;
    report(&t, on_track, period, Status::OnTrack, 40, fx.unit_x).await;
    report(&t, deviation, period, Status::Deviation, 20, fx.unit_x).await;
    report(&t, completed, period, Status::Completed, 100, fx.unit_y).await;
    report(&t, at_risk, period, Status::AtRisk, 50, fx.dept_x).await;
    // A new kindergarten without a unit plan, Yskolen's plan approved, and an issued letter to
    // each school of which Yskolen's is acknowledged.
    let new_unit = NewOrgUnit {
        parent_id: Some(fx.area),
        kind: OrgUnitKind::Unit,
        name: Name::parse("Zbarnehagen").unwrap(),
        short_name: None,
        leader_person_id: None,
        valid_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
    };
    let z = t.db.org_unit_create(&author(&t), &new_unit).await.unwrap();
    on_db!(&t.db, pool => {
        sqlx::query("UPDATE plans SET status = 'adopted' WHERE id = $1").bind(y.0).execute(pool).await.unwrap();
    });
    let year = i64::from(today().year());
    let mut letters = Vec::new();
    for unit in [fx.unit_x, fx.unit_y] {
        let letter = t.db.letter_create(&author(&t), unit, year).await.unwrap();
        on_db!(&t.db, pool => {
            sqlx::query("INSERT INTO assignment_letter_versions (municipality_id, letter_id, number, content, issued_at, issued_by)
                         VALUES ($1, $2, 1, $3, $4, 'Styring')")
                .bind(fx.municipality).bind(letter).bind(sqlx::types::Json(serde_json::json!({})))
                .bind(Utc::now()).execute(pool).await.unwrap();
        });
        letters.push(letter);
    }
    let y_leader = Author { municipality_id: fx.municipality, user_id: None, name: "Yvonne Leder".into() };
    t.db.letter_acknowledge(&y_leader, letters[1], 1).await.unwrap();

    let mut director = t.login("direktor").await;
    let view = director.get(&format!("/api/v1/dashboard/units/{}", fx.area)).await.expect(200).json();
    let area = &view["unit"];
    assert_eq!(area["total"], 5);
    for (status, n) in [("on_track", 1), ("deviation", 1), ("at_risk", 1), ("completed", 1), ("not_started", 0)] {
        assert_eq!(area["by_status"][status], n, "{status}");
    }
    assert_eq!(area["unreported"], 1);
    // (40 + 20 + 0 + 100 + 50) / 5 = 42 %.
    assert_eq!(area["progress"].as_f64(), Some(42.0));
    assert_eq!(area["stale"], 1, "the measure nobody reported on");
    assert_eq!(ids(&area["silent_owners"]), vec![fx.employee_x]);
    assert_eq!(area["open_dialogues"].as_array().unwrap().len(), 2, "the deviation and the risk");
    let pending: Vec<(i64, Option<String>)> = area["plans_pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["unit_id"].as_i64().unwrap(), p["status"].as_str().map(str::to_owned)))
        .collect();
    assert!(pending.contains(&(fx.unit_x, Some("draft".into()))), "{pending:?}");
    assert!(pending.contains(&(z, None)), "a unit without a plan: {pending:?}");
    assert!(!pending.iter().any(|(u, _)| *u == fx.unit_y || *u == fx.dept_x), "approved, or a department: {pending:?}");
    let letters_pending: Vec<i64> =
        area["letters_pending"].as_array().unwrap().iter().map(|l| l["unit_id"].as_i64().unwrap()).collect();
    assert_eq!(letters_pending, vec![fx.unit_x]);
    // Drill-down: the schools add up to the area (the department counts under Xskolen).
    let children = view["children"].as_array().unwrap();
    let child = |u: i64| children.iter().find(|c| c["unit_id"] == u).unwrap();
    assert_eq!((child(fx.unit_x)["total"].as_i64(), child(fx.unit_y)["total"].as_i64()), (Some(4), Some(1)));
    assert_eq!(child(fx.unit_x)["open_dialogues"].as_array().unwrap().len(), 2);

    // The page shows the same figures as links to their lists, and the lists hold the items.
    let page = director.get(&format!("/dashboard/units/{}", fx.area)).await.expect(200);
    page.contains(&format!("href=\"/followup/units/{}/items?status=deviation\"", fx.area));
    page.contains(&format!("href=\"/dashboard/units/{}\"", fx.unit_x))
        .contains("Zbarnehagen")
        .contains("Ingen virksomhetsplan");
    page.contains("Tiltak med avvik").contains("Erik Ansatt").contains("42 %");
    director
        .get(&format!("/followup/units/{}/items?status=deviation", fx.area))
        .await
        .expect(200)
        .contains("Tiltak med avvik")
        .lacks("Tiltak i rute");
    director.get(&format!("/dashboard/units/{}", fx.unit_x)).await.expect(200).contains("Xskolen SFO");

    // Who may look: the unit's own staff read their unit, not the area; other municipalities' ids
    // are unknown.
    let mut employee = t.login("ansattx").await;
    employee.get(&format!("/dashboard/units/{}", fx.unit_x)).await.expect(200);
    employee.get(&format!("/dashboard/units/{}", fx.unit_y)).await.expect(403);
    let mut staff = t.login("styring").await;
    staff.get(&format!("/dashboard/units/{}", fx.other_root)).await.expect(404);
    staff.get(&format!("/api/v1/dashboard/units/{}", fx.other_root)).await.expect(404);
    // A unit's leader sees the dialogue figures of their unit, not the employee.
    let unit = employee.get(&format!("/api/v1/dashboard/units/{}", fx.unit_x)).await.expect(200).json();
    assert_eq!(unit["unit"]["open_dialogues"].as_array().unwrap().len(), 0, "dialogues are for their parties");

    // The overview: the municipality equals the sum of its areas; leaders of a unit get 403.
    let overview = staff.get("/api/v1/dashboard/areas").await.expect(200).json();
    assert_eq!(overview["municipality"]["total"], 5);
    let areas = overview["areas"].as_array().unwrap();
    let sum: i64 = areas.iter().map(|a| a["total"].as_i64().unwrap()).sum();
    assert_eq!(sum, 5);
    assert_eq!(areas.iter().find(|a| a["unit_id"] == fx.area).unwrap()["progress"].as_f64(), Some(42.0));
    staff.get("/dashboard/areas").await.expect(200).contains("Oppvekst").contains("Økonomi");
    let mut leader = t.login("lederx").await;
    leader.get("/dashboard/areas").await.expect(403);
    leader.get("/api/v1/dashboard/areas").await.expect(403);
});
