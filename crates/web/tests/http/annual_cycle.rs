//! The annual cycle (issue #15 §4): a wheel made from the default template through the form, with
//! concrete working-day dates and its deadline links read by the modules; the SVG, the list, the
//! exports, the council case and its PDF; 422 with the values kept and 409 when stale; the template
//! edited; the iCalendar feeds parsed back (every activity, its dates, the time zone, stable UIDs,
//! per person and per unit) and refused once revoked.

use crate::api::token_client;
use crate::both;
use crate::harness::{Client, TestApp};
use axum::http::Method;
use chrono::{Datelike, Duration, NaiveDate};
use icalendar::{Calendar, Component, DatePerhapsTime};
use rodtrad_domain::annual_cycle::DeadlineKind;
use rodtrad_store::on_db;

async fn scalar(t: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

const NO_FIELDS: &[(&str, &str)] = &[];

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Makes the one-year wheel of `year` through the form and returns its path.
async fn make_wheel(c: &mut Client, year: i32) -> String {
    let res = c.post("/annual-cycle", &[("cycle", "year"), ("year", &year.to_string())]).await.expect(303);
    let path = res.location().to_owned();
    assert!(path.starts_with("/annual-cycle/wheels/"), "{path}");
    path
}

/// The id of the activity titled `title`.
async fn activity_id(t: &TestApp, title: &str) -> i64 {
    scalar(t, &format!("SELECT MIN(id) FROM cycle_activities WHERE title = '{title}'")).await
}

both!(a_wheel_from_the_template_has_working_day_dates_and_deadline_links, |t: TestApp| async move {
    let mid = t.fx.municipality;
    let mut staff = t.login("styring").await;
    // Only the staff makes wheels.
    t.login("politiker").await.post("/annual-cycle", &[("cycle", "year"), ("year", "2027")]).await.expect(403);
    t.login("lederx").await.get("/annual-cycle").await.expect(200).lacks("action=\"/annual-cycle\"");
    let path = make_wheel(&mut staff, 2027).await;
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM cycle_activities").await, 26);
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'cycle_wheel'").await, 1);
    // The same wheel again: 422, the values kept, nothing written.
    let before = t.audit_count().await;
    staff
        .post("/annual-cycle", &[("cycle", "year"), ("year", "2027")])
        .await
        .expect(422)
        .contains("Dette årshjulet finnes allerede")
        .contains("value=\"2027\"");
    staff.post("/annual-cycle", &[("cycle", "year"), ("year", "27")]).await.expect(422).contains("«27» er ikke et år");
    assert_eq!(t.audit_count().await, before);

    // Everybody signed in reads the wheel: the SVG with its title and description, and the list.
    let page = t.login("politiker").await.get(&path).await.expect(200);
    page.contains("Årshjul 2027")
        .contains("role=\"img\" aria-labelledby=\"wheel-title wheel-desc\"")
        .contains("<title id=\"wheel-title\">Årshjul 2027</title>")
        .contains("11 politiske aktiviteter")
        .contains("15 administrative aktiviteter")
        .contains("Utarbeide virksomhetsplan per virksomhet")
        // February 2027: Monday 1st to Friday 26th (the 28th is a Sunday).
        .contains("01.02.2027–26.02.2027")
        .contains("Frist for virksomhetsplaner")
        // 1 January is a holiday and a Friday: January's activities start on Monday the 4th.
        .contains("04.01.2027–29.01.2027")
        .lacks("/annual-cycle/activities/");
    assert_eq!(page.body.matches("<circle class=\"mark-political\"").count(), 11);
    assert_eq!(page.body.matches("<rect class=\"mark-administrative\"").count(), 15);
    assert_eq!(page.body.matches("<path class=\"sector").count(), 12);

    // The modules read the wheel's dates: its linked date wins over a module's own.
    let own = Some(d(2027, 3, 15));
    let date =
        rodtrad_service::annual_cycle::deadline_date(&t.db, mid, DeadlineKind::UnitPlansDue, 2027, own).await.unwrap();
    assert_eq!(date, Some(d(2027, 2, 26)));
    let none =
        rodtrad_service::annual_cycle::deadline_date(&t.db, mid, DeadlineKind::UnitPlansDue, 2028, own).await.unwrap();
    assert_eq!(none, own);
    // The unit plans' own deadline gives way to the wheel's in the wheel's year only.
    let a = rodtrad_store::Author { municipality_id: mid, user_id: None, name: "Test".into() };
    t.db.unit_plan_deadline_set(&a, 2027, d(2027, 1, 15), 0).await.unwrap();
    t.db.unit_plan_deadline_set(&a, 2028, d(2028, 1, 15), 0).await.unwrap();
    let effective = |y| rodtrad_service::unit_plans::effective_deadline(&t.db, mid, y);
    assert_eq!(effective(2027).await.unwrap(), Some(d(2027, 2, 26)));
    assert_eq!(effective(2028).await.unwrap(), Some(d(2028, 1, 15)));
    staff
        .get("/unit-plans?year=2027")
        .await
        .expect(200)
        .contains("Årshjulet setter fristen for virksomhetsplanene til 26.02.2027");
    staff.get("/unit-plans?year=2028").await.expect(200).lacks("Årshjulet setter fristen");
    let next = rodtrad_service::annual_cycle::next_deadlines(&t.db, mid, d(2027, 4, 20), 60).await.unwrap();
    let kinds: Vec<_> = next.iter().map(|n| (n.kind, n.date, n.days)).collect();
    assert_eq!(kinds, [(DeadlineKind::FourMonthlyReportDue, d(2027, 5, 31), 41)]);
    // Another municipality sees none of it.
    let b = rodtrad_service::annual_cycle::next_deadlines(&t.db, t.fx.other_municipality, d(2027, 1, 1), 400)
        .await
        .unwrap();
    assert!(b.is_empty());

    // CSV, XLSX, the API.
    let csv = staff.get(&format!("{path}/export.csv")).await.expect(200);
    csv.contains("Måned;Fra;Til;Aktivitet")
        .contains("Februar;2027-02-01;2027-02-26;Utarbeide virksomhetsplan per virksomhet");
    assert_eq!(csv.body.lines().count(), 27);
    staff.get(&format!("{path}/export.xlsx")).await.expect(200);
    let id = path.rsplit('/').next().unwrap();
    let mut api = token_client(&t, "revisor").await;
    let json = api.get(&format!("/api/v1/annual-cycle/wheels/{id}")).await.expect(200).json();
    assert_eq!(json["first_year"], 2027);
    assert_eq!(json["activities"].as_array().unwrap().len(), 26);
    let plans = json["activities"].as_array().unwrap().iter().find(|a| a["deadline"] == "unit_plans_due").unwrap();
    assert_eq!(plans["ends_on"], "2027-02-26");
    // Another municipality's administrator gets 404.
    let mut b_admin = t.client();
    b_admin.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    b_admin.get(&path).await.expect(404);

    // The council case: printable page and PDF.
    staff
        .get(&format!("{path}/case"))
        .await
        .expect(200)
        .contains("Årshjulet 2027 – sak til kommunestyret")
        .contains("Testkommune")
        .contains("Handlingsprogrammet – politisk behandling");
    let pdf = staff.get(&format!("{path}/case.pdf")).await.expect(200);
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let text = rodtrad_export::pdf::pdf_text_for_tests(&pdf.bytes);
    assert!(text.contains("Årshjulet 2027"), "{text}");
    assert!(text.contains("Ledelsens gjennomgang"), "{text}");
    assert!(text.contains("01.12.2027–31.12.2027"), "{text}");

    // The four-year wheel: four sectors, the planning strategy in its first year.
    let res = staff.post("/annual-cycle", &[("cycle", "period"), ("year", "2028")]).await.expect(303);
    staff
        .get(res.location())
        .await
        .expect(200)
        .contains("Fireårshjul 2028–2031")
        .contains("Kommunal planstrategi – politisk behandling")
        .contains("02.10.2028–31.10.2028");
});

both!(activity_edits_keep_the_values_on_422_and_refuse_stale_versions_with_409, |t: TestApp| async move {
    let mut staff = t.login("styring").await;
    let path = make_wheel(&mut staff, 2027).await;
    let id = activity_id(&t, "Eierdag – møte med selskapene").await;
    let edit = format!("/annual-cycle/activities/{id}");
    // A reader is sent to the activity in the wheel's list (a notification links here).
    let res = t.login("politiker").await.get(&edit).await.expect(303);
    assert_eq!(res.location(), format!("{path}#a-{id}"));
    let form = staff.get(&edit).await.expect(200);
    let version = form.input_value("version").unwrap();
    assert_eq!(version, "1");
    let fields = |title: &'static str, start: &'static str, end: &'static str| {
        vec![
            ("version", "1"),
            ("title", title),
            ("kind", "political"),
            ("starts_on", start),
            ("ends_on", end),
            ("responsible", "Ordføreren"),
            ("unit", ""),
            ("deadline", ""),
        ]
    };
    let before = t.audit_count().await;
    staff
        .post(&edit, &fields("Eierdag flyttet", "2027-05-20", "2027-05-10"))
        .await
        .expect(422)
        .contains("Til-datoen kan ikke være før fra-datoen")
        .contains("value=\"Eierdag flyttet\"")
        .contains("value=\"2027-05-10\"")
        .contains("value=\"Ordføreren\"");
    staff
        .post(&edit, &fields("Eierdag flyttet", "2026-12-20", "2027-01-10"))
        .await
        .expect(422)
        .contains("Datoen må være fra 01.01.2027 til 31.12.2027");
    staff
        .post(&edit, &fields("Eierdag flyttet", "mai", "2027-05-10"))
        .await
        .expect(422)
        .contains("«mai» er ikke en dato");
    assert_eq!(t.audit_count().await, before);
    // A good save, then the same form again: 409 with the typed text.
    staff.post(&edit, &fields("Eierdag flyttet", "2027-05-20", "2027-05-20")).await.expect(303);
    staff
        .post(&edit, &fields("Eierdag en gang til", "2027-05-21", "2027-05-21"))
        .await
        .expect(409)
        .contains("value=\"Eierdag en gang til\"");
    staff.get(&path).await.expect(200).contains("20.05.2027</time>: <strong>Eierdag flyttet</strong>");
    assert_eq!(scalar(&t, &format!("SELECT version FROM cycle_activities WHERE id = {id}")).await, 2);
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'cycle_activity'").await, 1);

    // The API saves with the version too.
    let mut api = token_client(&t, "styring").await;
    let body = |version: i64, end: &str| {
        serde_json::json!({"version": version, "title": "Eierdag", "kind": "political", "starts_on": "2027-05-20",
            "ends_on": end, "responsible": "Ordføreren"})
        .to_string()
    };
    let ct = [("content-type", "application/json")];
    let res =
        api.send(Method::PUT, &format!("/api/v1/annual-cycle/activities/{id}"), Some(body(2, "2027-05-21")), &ct).await;
    assert_eq!(res.expect(200).json()["version"], 3);
    api.send(Method::PUT, &format!("/api/v1/annual-cycle/activities/{id}"), Some(body(2, "2027-05-21")), &ct)
        .await
        .expect(409);
    let bad =
        api.send(Method::PUT, &format!("/api/v1/annual-cycle/activities/{id}"), Some(body(3, "2028-01-01")), &ct).await;
    assert_eq!(bad.expect(422).json()["field"], "ends_on");
    let mut leader = token_client(&t, "lederx").await;
    leader
        .send(Method::PUT, &format!("/api/v1/annual-cycle/activities/{id}"), Some(body(3, "2027-05-21")), &ct)
        .await
        .expect(403);

    // Adding an activity on the wheel's page: markup in the title stays text.
    let wheel = path.rsplit('/').next().unwrap();
    let add = format!("/annual-cycle/wheels/{wheel}/activities");
    staff
        .post(
            &add,
            &[("title", ""), ("kind", "administrative"), ("starts_on", "2027-08-02"), ("ends_on", "2027-08-01")],
        )
        .await
        .expect(422)
        .contains("Skriv hva aktiviteten er")
        .contains("Til-datoen kan ikke være før fra-datoen")
        .contains("value=\"2027-08-02\"");
    let unit_y = t.fx.unit_y.to_string();
    let res = staff
        .post(
            &add,
            &[
                ("title", "<script>alert(1)</script> Budsjettsamling"),
                ("kind", "administrative"),
                ("starts_on", "2027-08-16"),
                ("ends_on", "2027-08-20"),
                ("responsible", "Økonomi"),
                ("unit", &unit_y),
                ("deadline", "status_reporting_due"),
            ],
        )
        .await
        .expect(303);
    assert!(res.location().contains("saved=1"));
    let page = staff.get(&path).await.expect(200);
    page.contains("&#60;script&#62;alert(1)&#60;/script&#62; Budsjettsamling");
    assert!(!page.body.contains("<script>alert(1)"));
    page.contains("16.08.2027–20.08.2027").contains("Yskolen");
    // In the council case's PDF the markup is text too.
    let pdf = staff.get(&format!("{path}/case.pdf")).await.expect(200);
    let text = rodtrad_export::pdf::pdf_text_for_tests(&pdf.bytes);
    assert!(text.contains("<script>alert(1)</script>"), "{text}");
    // Removing: stale is 409, current 303.
    let new = activity_id(&t, "<script>alert(1)</script> Budsjettsamling").await;
    staff.post(&format!("/annual-cycle/activities/{new}/remove"), &[("version", "7")]).await.expect(409);
    staff.post(&format!("/annual-cycle/activities/{new}/remove"), &[("version", "1")]).await.expect(303);
    assert_eq!(scalar(&t, &format!("SELECT COUNT(*) FROM cycle_activities WHERE id = {new}")).await, 0);
});

both!(the_template_is_copied_on_its_first_edit_and_new_wheels_follow_it, |t: TestApp| async move {
    let mut staff = t.login("styring").await;
    let page = staff.get("/annual-cycle/template").await.expect(200);
    page.contains("standardmalen").contains("Statsbudsjettet legges frem");
    assert_eq!(page.input_value("version").as_deref(), Some("0"));
    let row = [
        ("cycle", "year"),
        ("version", "0"),
        ("month", "8"),
        ("title", "Budsjettsamling"),
        ("kind", "administrative"),
        ("responsible", "Økonomi"),
        ("deadline", ""),
    ];
    let mut bad = row;
    bad[2] = ("month", "13");
    staff
        .post("/annual-cycle/template", &bad)
        .await
        .expect(422)
        .contains("«13» er ikke en måned")
        .contains("value=\"Budsjettsamling\"");
    t.login("lederx").await.post("/annual-cycle/template", &row).await.expect(403);
    staff.post("/annual-cycle/template", &row).await.expect(303);
    // The same form again is stale.
    staff.post("/annual-cycle/template", &row).await.expect(409);
    let page = staff.get("/annual-cycle/template").await.expect(200);
    page.contains("egen mal").contains("Budsjettsamling");
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM cycle_template_rows").await, 27);
    // Remove the state budget row.
    let state_budget =
        scalar(&t, "SELECT id FROM cycle_template_rows WHERE title = 'Statsbudsjettet legges frem'").await.to_string();
    staff
        .post("/annual-cycle/template/remove", &[("cycle", "year"), ("version", "0"), ("row", &state_budget)])
        .await
        .expect(409);
    staff
        .post("/annual-cycle/template/remove", &[("cycle", "year"), ("version", "1"), ("row", &state_budget)])
        .await
        .expect(303);
    let path = make_wheel(&mut staff, 2029).await;
    staff
        .get(&path)
        .await
        .expect(200)
        .contains("Budsjettsamling")
        .contains("01.08.2029–31.08.2029")
        .lacks("Statsbudsjettet");
    // The four-year template is its own.
    staff
        .get("/annual-cycle/template?cycle=period")
        .await
        .expect(200)
        .contains("Kommunal planstrategi")
        .lacks("Budsjettsamling");
});

/// The events of a feed: (UID, summary, first day, day after the last).
fn events(body: &str) -> Vec<(String, String, NaiveDate, NaiveDate)> {
    let cal: Calendar = body.parse().expect("an iCalendar file");
    assert_eq!(cal.get_timezone(), Some("Europe/Oslo"));
    let date = |d: Option<DatePerhapsTime>| match d {
        Some(DatePerhapsTime::Date(d)) => d,
        other => panic!("an all-day date, not {other:?}"),
    };
    cal.components
        .iter()
        .filter_map(|c| c.as_event())
        .map(|e| {
            (
                e.get_uid().unwrap().to_owned(),
                e.get_summary().unwrap().to_owned(),
                date(e.get_start()),
                date(e.get_end()),
            )
        })
        .collect()
}

both!(the_calendar_feeds_carry_every_activity_and_are_refused_once_revoked, |t: TestApp| async move {
    let mut staff = t.login("styring").await;
    // Next year's wheel, so that it lies inside the feeds' window whatever today is.
    let year = chrono::Utc::now().year() + 1;
    let path = make_wheel(&mut staff, year).await;
    let wheel = path.rsplit('/').next().unwrap().to_owned();
    let unit_y = t.fx.unit_y.to_string();
    staff
        .post(
            &format!("/annual-cycle/wheels/{wheel}/activities"),
            &[
                ("title", "Medarbeidersamtaler Yskolen"),
                ("kind", "administrative"),
                ("starts_on", &format!("{year}-09-06")),
                ("ends_on", &format!("{year}-09-10")),
                ("unit", &unit_y),
            ],
        )
        .await
        .expect(303);

    let mut employee = t.login("ansattx").await;
    employee.get("/profile").await.expect(200).contains("Lag kalenderadresse");
    let page = employee.post("/profile/calendar", NO_FIELDS).await.expect(201);
    page.contains("Ny kalenderadresse");
    let marker = "Mitt årshjul: <code class=\"token\">";
    let shown = page.body[page.body.find(marker).unwrap() + marker.len()..].split('<').next().unwrap();
    let mine = shown[shown.find("/calendar/").unwrap()..].to_owned();
    assert!(mine.ends_with("/mine.ics"), "{mine}");
    let token = mine.split('/').nth(2).unwrap().to_owned();
    // Only the hash is stored.
    assert_eq!(scalar(&t, &format!("SELECT COUNT(*) FROM calendar_feeds WHERE token_hash = '{token}'")).await, 0);

    // The calendar client has no session.
    let mut client = t.client();
    let res = client.get(&mine).await.expect(200);
    assert!(res.headers["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let list = events(&res.body);
    // Every activity of the wheel but the one of another unit, with its dates (DTEND the day after).
    assert_eq!(list.len(), 26);
    assert!(!list.iter().any(|e| e.1 == "Medarbeidersamtaler Yskolen"));
    let plans = list.iter().find(|e| e.1 == "Utarbeide virksomhetsplan per virksomhet").unwrap();
    let (from, to) = (
        rodtrad_domain::annual_cycle::first_working_day(year, 2).unwrap(),
        rodtrad_domain::annual_cycle::last_working_day(year, 2).unwrap(),
    );
    assert_eq!((plans.2, plans.3), (from, to + Duration::days(1)));
    let stored = scalar(&t, "SELECT COUNT(*) FROM cycle_activities").await;
    assert_eq!(stored, 27);
    for (uid, _, first, end) in &list {
        assert!(uid.starts_with("cycle-activity-") && uid.ends_with("@0301.rodtrad"), "{uid}");
        assert!(first < end && first.year() == year);
    }
    // Stable UIDs: the same feed twice gives the same bytes.
    assert_eq!(client.get(&mine).await.expect(200).body, res.body);

    // Yskolen's feed has its own activity; Xskolen's does not.
    let unit = |u: i64| format!("/calendar/{token}/units/{u}/calendar.ics");
    let y = events(&client.get(&unit(t.fx.unit_y)).await.expect(200).body);
    assert_eq!(y.len(), 27);
    assert_eq!(events(&client.get(&unit(t.fx.unit_x)).await.expect(200).body).len(), 26);
    // A unit of another municipality is not found.
    client.get(&unit(t.fx.other_root)).await.expect(404);

    // A new address revokes the old; revoking ends the feed (410), an unknown token is 404.
    employee.get("/profile").await.expect(200).contains("Trekk tilbake kalenderadressen");
    employee.post("/profile/calendar/revoke", NO_FIELDS).await.expect(303);
    client.get(&mine).await.expect(410).contains("trukket tilbake");
    client.get(&unit(t.fx.unit_y)).await.expect(410);
    client.get("/calendar/0000/mine.ics").await.expect(404);
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'calendar_feed'").await, 2);
    employee.post("/profile/calendar/revoke", NO_FIELDS).await.expect(303);
});

both!(the_demo_wheel_as_icalendar_and_csv_matches_its_snapshots, |t: TestApp| async move {
    use rodtrad_domain::annual_cycle::{first_working_day, last_working_day};
    let cost = rodtrad_store::password::HashCost { memory_kib: 1024, iterations: 1 };
    let mid = rodtrad_store::demo::load(&t.db, cost).await.unwrap().municipality_id;
    let year = chrono::Utc::now().year();
    let wheels = t.db.cycle_wheels(mid).await.unwrap();
    let wheel = wheels.iter().find(|w| w.cycle == rodtrad_domain::annual_cycle::Cycle::Year).unwrap();
    assert_eq!(wheel.first_year, i64::from(year));
    assert!(wheels.iter().any(|w| w.cycle == rodtrad_domain::annual_cycle::Cycle::Period));
    // The deadline links of the seed's table, on the last working day of their month.
    let activities = t.db.cycle_activities(wheel.id).await.unwrap();
    let linked = |kind: DeadlineKind| -> Vec<NaiveDate> {
        activities.iter().filter(|a| a.activity.deadline == Some(kind)).map(|a| a.activity.ends_on).collect()
    };
    let last = |m: u8| last_working_day(year, m).unwrap();
    assert_eq!(linked(DeadlineKind::UnitPlansDue), [last(2)]);
    assert_eq!(linked(DeadlineKind::FourMonthlyReportDue), [last(5), last(9)]);
    assert_eq!(linked(DeadlineKind::AssignmentLettersSent), [last(12)]);
    assert_eq!(linked(DeadlineKind::IsoAudit), [last(3), last(4), last(11)]);

    let mut c = t.client();
    c.login("ansatt@demo.rodtrad.no", rodtrad_store::demo::DEMO_PASSWORD).await.expect(303);
    let page = c.post("/profile/calendar", NO_FIELDS).await.expect(201);
    let marker = "Mitt årshjul: <code class=\"token\">";
    let shown = page.body[page.body.find(marker).unwrap() + marker.len()..].split('<').next().unwrap();
    let mine = shown[shown.find("/calendar/").unwrap()..].to_owned();
    let feed = t.client().get(&mine).await.expect(200).body;
    // The feed also holds the four-year wheel's activities near today; the snapshot keeps the
    // demo year's wheel, whose events do not depend on the day it runs.
    let uids: Vec<String> = activities.iter().map(|a| format!("UID:cycle-activity-{}@", a.id)).collect();
    let ics = only_events(&feed, &uids);
    let list = events(&ics);
    assert_eq!(list.len(), activities.len());
    assert!(events(&feed).len() > list.len());
    let review = list.iter().find(|e| e.1 == "Medarbeidersamtaler ved skolen").unwrap();
    assert_eq!((review.2, review.3), (first_working_day(year, 10).unwrap(), last(10) + Duration::days(1)));
    let csv = c.get(&format!("/annual-cycle/wheels/{}/export.csv", wheel.id)).await.expect(200).body;
    assert_eq!(csv.lines().count(), activities.len() + 1);
    // The demo year and its weekdays change from year to year: the year and the day are redacted,
    // the month stays.
    let (y, next) = (year.to_string(), (year + 1).to_string());
    let filters = [
        (r"DTSTAMP:\d{8}T\d{6}Z".to_owned(), "DTSTAMP:[timestamp]".to_owned()),
        (format!(r"\b{y}(\d{{2}})\d{{2}}\b"), "[year]$1[day]".to_owned()),
        (format!(r"\b{next}(\d{{2}})\d{{2}}\b"), "[next year]$1[day]".to_owned()),
        (format!(r"\b{y}-(\d{{2}})-\d{{2}}\b"), "[year]-$1-[day]".to_owned()),
        (format!(r"\b{y}\b"), "[year]".to_owned()),
    ];
    insta::with_settings!({filters => filters.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect::<Vec<_>>()}, {
        insta::assert_snapshot!("demo_annual_cycle_ics", ics);
        insta::assert_snapshot!("demo_annual_cycle_csv", csv);
    });
});

/// The calendar `ics` with only the events whose UID line starts with one of `uids`.
fn only_events(ics: &str, uids: &[String]) -> String {
    let (mut out, mut block, mut in_event) = (String::new(), String::new(), false);
    for line in ics.split_inclusive("\r\n") {
        if line.starts_with("BEGIN:VEVENT") {
            in_event = true;
            block.clear();
        }
        if !in_event {
            out.push_str(line);
            continue;
        }
        block.push_str(line);
        if line.starts_with("END:VEVENT") {
            in_event = false;
            if uids.iter().any(|u| block.contains(&format!("\r\n{u}"))) {
                out.push_str(&block);
            }
        }
    }
    out
}

both!(linked_deadlines_reach_the_dashboard_notifications_and_the_digest, |t: TestApp| async move {
    let mid = t.fx.municipality;
    let mut staff = t.login("styring").await;
    // A Monday a week before the first four-monthly report of 2027 is due (Monday 31 May).
    let path = make_wheel(&mut staff, 2027).await;
    let wheel = path.rsplit('/').next().unwrap().to_owned();
    let unit_x = t.fx.unit_x.to_string();
    staff
        .post(
            &format!("/annual-cycle/wheels/{wheel}/activities"),
            &[
                ("title", "Statusrapportering Xskolen"),
                ("kind", "administrative"),
                ("starts_on", "2027-05-24"),
                ("ends_on", "2027-05-28"),
                ("unit", &unit_x),
                ("deadline", "status_reporting_due"),
            ],
        )
        .await
        .expect(303);
    let today = d(2027, 5, 24);
    rodtrad_service::notify::run(&t.db, mid, today).await.unwrap();
    let count = |login: &'static str| {
        let sql = format!(
            "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
             WHERE u.email = '{login}@a.test' AND n.kind = 'cycle_deadline'"
        );
        let t = &t;
        async move { scalar(t, &sql).await }
    };
    // Xskolen's leader: the municipality's report and the school's own; Yskolen's leader and the
    // staff: the municipality's only; an employee leads nothing.
    assert_eq!(count("lederx").await, 2);
    assert_eq!(count("ledery").await, 1);
    assert_eq!(count("styring").await, 1);
    assert_eq!(count("ansattx").await, 0);
    // Again: nothing new.
    assert_eq!(rodtrad_service::notify::run(&t.db, mid, today).await.unwrap(), 0);
    let report = activity_id(&t, "1. tertialrapport – administrativt arbeid").await;
    t.login("lederx")
        .await
        .get("/notifications")
        .await
        .expect(200)
        .contains("Frist i årshjulet")
        .contains("Statusrapportering Xskolen")
        .contains(&format!("/annual-cycle/activities/{report}"));

    // The status reporting page of May shows the wheel's deadline for it.
    let a = rodtrad_store::Author { municipality_id: mid, user_id: None, name: "Test".into() };
    t.db.followup_periods_create(&a, 2027).await.unwrap();
    let may = scalar(&t, "SELECT id FROM reporting_periods WHERE year = 2027 AND kind = 'month' AND number = 5").await;
    let march =
        scalar(&t, "SELECT id FROM reporting_periods WHERE year = 2027 AND kind = 'month' AND number = 3").await;
    let reporting = |p: i64| format!("/followup/units/{}/report?period={p}", t.fx.unit_x);
    let mut leader = t.login("lederx").await;
    leader.get(&reporting(may)).await.expect(200).contains("Frist for statusrapportering i årshjulet: 28.05.2027.");
    // January's row of the template (last year's results) is too early for March; nothing later is linked.
    leader.get(&reporting(march)).await.expect(200).lacks("Frist for statusrapportering i årshjulet");

    // The digest says how many days are left.
    let user_id = scalar(&t, "SELECT id FROM users WHERE email = 'lederx@a.test'").await;
    let user = t.db.user(user_id).await.unwrap();
    let actor = t.db.actor(&user, today).await.unwrap();
    let mine = rodtrad_service::dashboard::load_mine(&t.db, &actor, today).await.unwrap();
    let i18n = std::sync::Arc::new(rodtrad_web::i18n::I18n::load().unwrap());
    let tr = rodtrad_web::i18n::Tr::new(i18n, rodtrad_web::i18n::Lang::Nb);
    let digest = rodtrad_web::dashboard::digest::compose(&tr, "Xavier", &mine, "https://rodtrad.test/").unwrap();
    assert!(digest.body.contains("Frister i årshjulet (2)"), "{}", digest.body);
    assert!(
        digest.body.contains("Frist for statusrapportering: Statusrapportering Xskolen, 28.05.2027 (om 4 dager)"),
        "{}",
        digest.body
    );
    assert!(
        digest
            .body
            .contains("Frist for tertialrapport: 1. tertialrapport – administrativt arbeid, 31.05.2027 (om 7 dager)")
    );
    assert!(digest.body.contains(&format!("https://rodtrad.test/annual-cycle/activities/{report}")));

    // Mitt ansvar lists the municipality's next deadline of each kind from today.
    let today = rodtrad_domain::norwegian_time::oslo_date(chrono::Utc::now());
    let now = make_wheel(&mut staff, today.year()).await;
    let now = now.rsplit('/').next().unwrap().to_owned();
    staff
        .post(
            &format!("/annual-cycle/wheels/{now}/activities"),
            &[
                ("title", "Revisjon i dag"),
                ("kind", "administrative"),
                ("starts_on", &today.to_string()),
                ("ends_on", &today.to_string()),
                ("deadline", "iso_audit"),
            ],
        )
        .await
        .expect(303);
    t.login("politiker")
        .await
        .get("/dashboard")
        .await
        .expect(200)
        .contains("Neste frister i årshjulet")
        .contains("ISO-revisjon: <a class=\"ds-link\"")
        .contains("Revisjon i dag</a>")
        .contains("(i dag)");
});
