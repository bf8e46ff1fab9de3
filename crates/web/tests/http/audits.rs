//! Audits and inspections (issue #16 §4): a state inspection registered by the staff, refused with
//! its values kept when incomplete; its findings fit its kind and those asking for action carry a
//! measure, a responsible person and a deadline; the audited unit's leaders close a finding with
//! what was done, others may not; the inspection closes only when no finding is open, and a stale
//! form is 409; the list, the export and the API show the open and late findings; and the yearly
//! management review is saved by the staff beside the year's figures and read by leaders and the
//! auditor, not by employees.

use crate::both;
use crate::harness::{Client, Res, TestApp};
use chrono::Datelike;
use rodtrad_store::on_db;

async fn scalar(t: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

async fn post(c: &mut Client, path: &str, f: &[(&str, String)]) -> Res {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(path, &pairs).await
}

async fn version(t: &TestApp, id: i64) -> String {
    scalar(t, &format!("SELECT version FROM audits WHERE id = {id}")).await.to_string()
}

both!(an_inspection_is_followed_up_finding_by_finding_and_closed_when_none_is_open, |t: TestApp| async move {
    let today = chrono::Utc::now().date_naive();
    let deadline = (today + chrono::Duration::days(60)).format("%d.%m.%Y").to_string();
    let mut staff = t.login("styring").await;
    let mut form = vec![
        ("kind", "state_inspection".to_owned()),
        ("title", "Skolemiljø – opplæringslova kapittel 9 A".to_owned()),
        ("auditor", String::new()),
        ("unit_id", t.fx.unit_x.to_string()),
        ("held_on", format!("02.01.{}", today.year())),
        ("report_on", String::new()),
        ("summary", "To lovbrudd.".to_owned()),
    ];
    post(&mut staff, "/audits", &form).await.expect(422).contains("Skriv hvem som reviderer").contains("To lovbrudd.");
    form[2].1 = "Statsforvalteren i Oslo og Viken".into();
    post(&mut t.login("lederx").await, "/audits", &form).await.expect(403);
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM audits").await, 0);
    let res = post(&mut staff, "/audits", &form).await.expect(303);
    let id: i64 = res.location().strip_prefix("/audits/").unwrap().split('?').next().unwrap().parse().unwrap();
    let page = format!("/audits/{id}");
    // Everyone signed in reads it; another municipality's administrator does not find it.
    t.login("ansattx").await.get(&page).await.expect(200).contains("Statsforvalteren i Oslo og Viken");
    let mut b = t.client();
    b.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    b.get(&page).await.expect(404);

    // A finding fits the audit's kind; a breach needs a measure, a responsible person and a deadline.
    let findings = format!("{page}/findings");
    let mut finding = vec![
        ("finding_kind", "major_nonconformity".to_owned()),
        ("description", "Skolen følger ikke med på skolemiljøet.".to_owned()),
        ("measure", String::new()),
        ("responsible_person_id", String::new()),
        ("deadline", String::new()),
        ("version", version(&t, id).await),
    ];
    post(&mut staff, &findings, &finding).await.expect(422).contains("hører ikke til denne typen");
    finding[0].1 = "breach".into();
    let res = post(&mut staff, &findings, &finding).await.expect(422);
    res.contains("Beskriv det korrigerende tiltaket").contains("Velg en ansvarlig").contains("Skriv en frist");
    finding[2].1 = "Rutine for aktivitetsplikt vedtas.".into();
    finding[3].1 = t.fx.leader_x.to_string();
    finding[4].1 = deadline.clone();
    post(&mut t.login("lederx").await, &findings, &finding).await.expect(403);
    post(&mut staff, &findings, &finding).await.expect(303);
    // The same form again is stale.
    post(&mut staff, &findings, &finding).await.expect(409);
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM audit_findings").await, 1);
    let remark = vec![
        ("finding_kind", "remark".to_owned()),
        ("description", "Elevrådet kjenner ikke arbeidet.".to_owned()),
        ("version", version(&t, id).await),
    ];
    post(&mut staff, &findings, &remark).await.expect(303);

    // Closing with findings open is refused and changes nothing.
    let close = |note: &str, v: String| vec![("closing_note", note.to_owned()), ("version", v)];
    let res = post(&mut staff, &format!("{page}/close"), &close("Avsluttet.", version(&t, id).await)).await;
    res.expect(422).contains("2 funn er fortsatt åpne");
    assert_eq!(scalar(&t, &format!("SELECT COUNT(*) FROM audits WHERE id = {id} AND status = 'open'")).await, 1);

    // The list and the API show the open findings.
    staff.get("/audits").await.expect(200).contains("2 funn, 2 åpne");
    let csv = staff.get(&format!("/audits/export.csv?year={}", today.year())).await.expect(200);
    csv.contains("Skolemiljø – opplæringslova kapittel 9 A").contains("Statlig tilsyn");
    let api = staff.get(&format!("/api/v1/audits/{id}")).await.expect(200).json();
    assert_eq!(api["findings"].as_array().unwrap().len(), 2);
    assert_eq!(api["findings"][0]["deadline"], (today + chrono::Duration::days(60)).to_string());

    // The school's leader closes a finding with what was done; the other school's leader may not.
    let ids: Vec<i64> = api["findings"].as_array().unwrap().iter().map(|f| f["id"].as_i64().unwrap()).collect();
    let close_finding = |fid: i64, note: &str, v: String| {
        vec![(format!("closing_note_{fid}"), note.to_owned()), ("version".to_owned(), v)]
    };
    let pairs = |f: Vec<(String, String)>| f;
    let mut leader = t.login("lederx").await;
    for (fid, who) in [(ids[0], "ledery"), (ids[0], "ansattx")] {
        let f = pairs(close_finding(fid, "Gjort.", version(&t, id).await));
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        t.login(who).await.post(&format!("{page}/findings/{fid}/close"), &f).await.expect(403);
    }
    for fid in &ids {
        let empty = pairs(close_finding(*fid, " ", version(&t, id).await));
        let empty: Vec<(&str, &str)> = empty.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        leader
            .post(&format!("{page}/findings/{fid}/close"), &empty)
            .await
            .expect(422)
            .contains("Beskriv hva som er gjort");
        let f = pairs(close_finding(*fid, "Rutinen er vedtatt og gjennomgått.", version(&t, id).await));
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        leader.post(&format!("{page}/findings/{fid}/close"), &f).await.expect(303);
    }
    let stale = close("Tilsynet avsluttet i brev av 3. juni.", "1".into());
    post(&mut staff, &format!("{page}/close"), &stale).await.expect(409);
    let ok = close("Tilsynet avsluttet i brev av 3. juni.", version(&t, id).await);
    post(&mut staff, &format!("{page}/close"), &ok).await.expect(303);
    staff.get(&page).await.expect(200).contains("Tilsynet avsluttet i brev av 3. juni.").lacks("action=\"/audits/");
    post(&mut staff, &findings, &remark).await.expect(422).contains("er avsluttet");
});

both!(the_management_review_is_kept_by_the_staff_and_read_by_leaders_and_the_auditor, |t: TestApp| async move {
    let year = chrono::Utc::now().year();
    let page = format!("/audits/reviews/{year}");
    let mut staff = t.login("styring").await;
    staff
        .get(&page)
        .await
        .expect(200)
        .contains("Årets gjennomgang er ikke registrert")
        .contains("id=\"review-figures\"");
    let mut review = vec![
        ("held_on", format!("23.04.{}", year - 1)),
        ("participants", "Kommunedirektørens ledergruppe".to_owned()),
        ("inputs", "Internrevisjonene i mars.".to_owned()),
        ("decisions", String::new()),
        ("version", String::new()),
    ];
    let res = post(&mut staff, &page, &review).await.expect(422);
    res.contains(&format!("Datoen må være i {year}"))
        .contains("Skriv beslutningene")
        .contains("Internrevisjonene i mars.");
    review[0].1 = format!("23.04.{year}");
    review[3].1 = "Effektkontroll kreves før avvik lukkes.".into();
    post(&mut t.login("lederx").await, &page, &review).await.expect(403);
    post(&mut staff, &page, &review).await.expect(303);
    post(&mut staff, &page, &review).await.expect(409);
    for reader in ["lederx", "revisor", "direktor"] {
        t.login(reader).await.get(&page).await.expect(200).contains("Effektkontroll kreves før avvik lukkes.");
    }
    t.login("ansattx").await.get(&page).await.expect(403);
    t.login("revisor").await.get("/audits/reviews").await.expect(200).contains(&format!("/audits/reviews/{year}"));
    staff.get("/audits/reviews/1850").await.expect(404);
});
