//! Internal control (issue #16 §2): an activity is refused with its values kept and nothing
//! written until it names a risk or a law, and a risk of another municipality is refused; its
//! periods are recorded once each by its owner or the unit's editors, a failure needs its findings
//! and follow-up, evidence files are checked by size, name and content and downloaded only by the
//! unit's readers, as attachments; missed and failed periods are flagged in the page, the list,
//! the export and the API; the frequency is locked once a period is recorded and a stale form is
//! 409; and the unit manager's report upward is sent by the manager alone and read by the line, the
//! staff and the auditor.

use crate::both;
use crate::harness::{Client, Res, TestApp};
use axum::http::Method;
use chrono::Datelike;
use rodtrad_store::{Author, on_db};

async fn scalar(t: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

async fn post(c: &mut Client, path: &str, f: &[(&str, String)]) -> Res {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(path, &pairs).await
}

/// Posts a multipart form with text fields and an optional file.
async fn upload(c: &mut Client, path: &str, fields: &[(&str, String)], file: Option<(&str, &[u8])>) -> Res {
    let csrf = c.csrf().await;
    let boundary = "rodtradControlBoundary";
    let mut body = Vec::new();
    for (k, v) in std::iter::once(&("csrf_token", csrf)).chain(fields.iter()) {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    c.send_body(Method::POST, path, axum::body::Body::from(body), &[("content-type", ct.as_str())]).await
}

fn author(t: &TestApp) -> Author {
    Author { municipality_id: t.fx.municipality, user_id: None, name: "Testoppsett".into() }
}

/// A risk of this year's analysis of `unit` in municipality `mid`; returns its id.
async fn risk(t: &TestApp, mid: i64, unit: i64, description: &str) -> i64 {
    use rodtrad_domain::risk::{Matrix, RiskItemDraft};
    let a = Author { municipality_id: mid, ..author(t) };
    let analysis = t.db.risk_analysis_create(&a, unit, chrono::Utc::now().year(), "").await.unwrap();
    let draft = RiskItemDraft {
        description: description.into(),
        category: "services".into(),
        inherent_likelihood: "4".into(),
        inherent_consequence: "4".into(),
        current_likelihood: "4".into(),
        current_consequence: "4".into(),
        residual_likelihood: "2".into(),
        residual_consequence: "2".into(),
        treatment: "reduce".into(),
        ..RiskItemDraft::default()
    };
    let item = draft.parse(&Matrix::default()).unwrap();
    t.db.risk_item_save(&a, analysis, None, 0, Some((&item, &[][..]))).await.unwrap().0
}

fn activity_form(t: &TestApp, last_year: i32, risk: Option<i64>) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("unit_id", t.fx.unit_x.to_string()),
        ("title", "Stikkprøve av enkeltvedtak".into()),
        ("description", "Fem vedtak trekkes og kontrolleres mot sjekklisten.".into()),
        ("method", "sample".into()),
        ("frequency", "quarterly".into()),
        ("owner_person_id", t.fx.employee_x.to_string()),
        ("legal_basis", "Forvaltningsloven § 24\nForvaltningsloven § 25".into()),
        ("starts_on", format!("01.01.{last_year}")),
    ];
    if let Some(r) = risk {
        f.push(("risk_item_ids", r.to_string()));
    }
    f
}

both!(a_control_is_set_up_recorded_with_evidence_and_flagged_when_missed_or_failed, |t: TestApp| async move {
    let last_year = chrono::Utc::now().year() - 1;
    let own_risk = risk(&t, t.fx.municipality, t.fx.unit_x, "Vedtak uten begrunnelse").await;
    let foreign_risk = risk(&t, t.fx.other_municipality, t.fx.other_root, "Annen kommunes risiko").await;
    let activities = || scalar(&t, "SELECT COUNT(*) FROM control_activities");
    let links = || scalar(&t, "SELECT COUNT(*) FROM control_activity_risks");
    let executions = || scalar(&t, "SELECT COUNT(*) FROM control_executions");
    let files = || scalar(&t, "SELECT COUNT(*) FROM control_evidence");

    let mut leader = t.login("lederx").await;
    leader
        .get(&format!("/control/new?unit_id={}", t.fx.unit_x))
        .await
        .expect(200)
        .contains("Vedtak uten begrunnelse")
        .contains("Erik Ansatt");
    t.login("ansattx").await.get("/control/new").await.expect(403);

    // Refused: no link to a risk or a law; a risk of another municipality. Nothing is written.
    let mut f = activity_form(&t, last_year, None);
    f[6].1 = " \n ".into();
    post(&mut leader, "/control", &f).await.expect(422).contains("Knytt kontrollen").contains("Fem vedtak trekkes");
    let f = activity_form(&t, last_year, Some(foreign_risk));
    post(&mut leader, "/control", &f).await.expect(422).contains("Velg risikoer fra kommunens risikoanalyser");
    assert_eq!((activities().await, links().await), (0, 0), "a refused activity leaves no row and no link");
    post(&mut t.login("ledery").await, "/control", &activity_form(&t, last_year, None)).await.expect(403);
    assert_eq!(activities().await, 0);

    let res = post(&mut leader, "/control", &activity_form(&t, last_year, Some(own_risk))).await.expect(303);
    let id: i64 = res.location().strip_prefix("/control/").unwrap().split('?').next().unwrap().parse().unwrap();
    let page = format!("/control/{id}");
    assert_eq!(links().await, 1);
    let res = leader.get(&format!("{page}?year={last_year}")).await.expect(200);
    res.contains("Forvaltningsloven § 25").contains("Vedtak uten begrunnelse").contains("Uteblitt: 4");
    t.login("ledery").await.get(&page).await.expect(404);
    t.login("ledery").await.get(&format!("/api/v1/control/activities/{id}")).await.expect(404);

    // The owner (the school's employee) records; a colleague who neither owns nor edits may not.
    let mut owner = t.login("ansattx").await;
    owner.get(&page).await.expect(200).contains(&format!("action=\"/control/{id}/executions\""));
    let record = format!("{page}/executions");
    let ok = |period: &str| {
        vec![
            ("period", format!("{last_year}-{period}")),
            ("performed_on", format!("15.{:02}.{last_year}", period.parse::<u32>().unwrap() * 3)),
            ("outcome", "ok".to_owned()),
        ]
    };
    let pdf: &[u8] = b"%PDF-1.7\nkontrollskjema";
    // A program renamed .pdf is refused, and so is the record with it: nothing is written.
    let res = upload(&mut owner, &record, &ok("2"), Some(("skjema.pdf", b"MZ\x90\x00program"))).await.expect(422);
    res.contains("stemmer ikke med filtypen").contains(&format!("{last_year}-2"));
    let big = vec![b'a'; rodtrad_domain::internal_control::EVIDENCE_MAX_BYTES + 1];
    upload(&mut owner, &record, &ok("2"), Some(("stor.txt", &big))).await.expect(422).contains("større enn 10 MB");
    assert_eq!((executions().await, files().await), (0, 0));
    upload(&mut owner, &record, &ok("2"), Some(("Skjema Q2.pdf", pdf))).await.expect(303);
    assert_eq!((executions().await, files().await), (1, 1));
    // The same period again is refused.
    upload(&mut owner, &record, &ok("2"), None).await.expect(422).contains("allerede registrert");
    // A failure needs findings and follow-up; a period not begun and a day after today are refused.
    let mut failed = ok("3");
    failed[2].1 = "failed".into();
    let res = upload(&mut owner, &record, &failed, None).await.expect(422);
    res.contains("Beskriv funnene").contains("Beskriv oppfølgingen");
    let next_year = vec![("period", format!("{}-1", last_year + 2)), ("outcome", "ok".to_owned())];
    upload(&mut owner, &record, &next_year, None).await.expect(422).contains("har ikke begynt");
    assert_eq!(executions().await, 1);
    failed.push(("findings", "Tre av fem vedtak manglet begrunnelse.".into()));
    failed.push(("follow_up", "Malen er rettet; ny stikkprøve neste kvartal.".into()));
    upload(&mut owner, &record, &failed, None).await.expect(303);
    let mut colleague = t.login("hr").await;
    upload(&mut colleague, &record, &ok("4"), None).await.expect(404);
    assert_eq!(executions().await, 2);

    // Standing of last year: one in order, one failed, two missed.
    let detail = leader.get(&format!("/api/v1/control/activities/{id}?year={last_year}")).await.expect(200).json();
    let standing = &detail["activity"]["standing"];
    assert_eq!(
        (&standing["ok"], &standing["failed"], &standing["missed"], &standing["flagged"]),
        (&1.into(), &1.into(), &2.into(), &true.into())
    );
    assert_eq!(detail["risks"][0]["score"], 16);
    let evidence_href = detail["executions"][0]["evidence"][0]["href"].as_str().unwrap().to_owned();
    let res = leader.get(&format!("{page}?year={last_year}")).await.expect(200);
    res.contains("Svikt: 1").contains("Uteblitt: 2").contains("Tre av fem vedtak manglet begrunnelse.");
    let res = leader.get(&format!("/control?year={last_year}&show=flagged")).await.expect(200);
    res.contains("Stikkprøve av enkeltvedtak").contains("Flagget for uteblitt kontroll eller svikt: 1");
    let csv = leader.get(&format!("/control/export.csv?year={last_year}&show=flagged")).await.expect(200);
    csv.contains("Stikkprøve av enkeltvedtak").contains("Forvaltningsloven § 24; Forvaltningsloven § 25");

    // Evidence is an attachment of its checked type, for the unit's readers only.
    let res = leader.get(&evidence_href).await.expect(200);
    let header = |name: &str| res.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(header("content-type"), "application/pdf");
    assert!(header("content-disposition").starts_with("attachment; filename=\"Skjema_Q2.pdf\""));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(res.bytes, pdf);
    t.login("ledery").await.get(&evidence_href).await.expect(404);
    // More evidence later: an empty choice is refused, a CSV is taken.
    let execution = detail["executions"][0]["id"].as_i64().unwrap();
    let add = format!("{page}/executions/{execution}/evidence");
    upload(&mut owner, &add, &[], None).await.expect(422).contains("Velg en fil");
    upload(&mut owner, &add, &[], Some(("utvalg.csv", "vedtak;resultat\n1;ok\n".as_bytes()))).await.expect(303);
    assert_eq!(files().await, 2);

    // Editing: the frequency is locked once a period is recorded; a stale form is 409.
    let v = scalar(&t, &format!("SELECT version FROM control_activities WHERE id = {id}")).await.to_string();
    let mut edit = activity_form(&t, last_year, Some(own_risk));
    edit.push(("version", v.clone()));
    edit[4].1 = "monthly".into();
    post(&mut leader, &page, &edit).await.expect(422).contains("Frekvensen kan ikke endres");
    edit[4].1 = "quarterly".into();
    edit[1].1 = "Stikkprøve av vedtak etter forvaltningsloven".into();
    let audit = t.audit_count().await;
    post(&mut leader, &page, &edit).await.expect(303);
    assert_eq!(t.audit_count().await, audit + 1);
    post(&mut leader, &page, &edit).await.expect(409).contains("Stikkprøve av vedtak etter forvaltningsloven");
    post(&mut owner, &page, &edit).await.expect(403);
});

both!(the_unit_manager_reports_upward_and_the_line_the_staff_and_the_auditor_read_it, |t: TestApp| async move {
    let year = chrono::Utc::now().year();
    let page = format!("/control/reports/{}", t.fx.unit_x);
    let reports = || scalar(&t, "SELECT COUNT(*) FROM control_reports");
    let mut manager = t.login("lederx").await;
    manager.get(&page).await.expect(200).contains("action=\"/control/reports/").contains("ikke sendt");
    for reader in ["styring", "revisor", "direktor"] {
        t.login(reader).await.get(&page).await.expect(200).contains("ikke sendt").lacks("id=\"f-report\"");
    }
    for outsider in ["ansattx", "ledery", "politiker"] {
        t.login(outsider).await.get(&page).await.expect(404);
    }
    let year_field = ("year", year.to_string());
    let empty = [("significant_risks", String::new()), ("control_failures", String::new()), year_field.clone()];
    post(&mut manager, &page, &empty).await.expect(422).contains("Beskriv vesentlig risiko").contains("Beskriv svikt");
    assert_eq!(reports().await, 0);
    let mut report = vec![
        ("significant_risks", "Bemanning i SFO om ettermiddagen.".to_owned()),
        ("control_failures", "Én stikkprøve av vedtak uteble i mars.".to_owned()),
        ("what_worked", "Faste kontrolldager i årshjulet.".to_owned()),
        year_field.clone(),
        ("version", String::new()),
    ];
    // Only the unit's own manager sends it: not the director above, not the staff.
    post(&mut t.login("direktor").await, &page, &report).await.expect(403);
    post(&mut t.login("styring").await, &page, &report).await.expect(403);
    post(&mut manager, &page, &report).await.expect(303);
    assert_eq!(reports().await, 1);
    t.login("styring").await.get(&page).await.expect(200).contains("Bemanning i SFO om ettermiddagen.");
    let overview = t.login("revisor").await.get(&format!("/control/reports?year={year}")).await.expect(200);
    overview.contains("Xskolen").contains("1 av");
    // Sending it as new again, from a form read before it was sent, is 409 and changes nothing.
    report[0].1 = "Endret tekst".into();
    post(&mut manager, &page, &report).await.expect(409);
    report[4].1 = "1".into();
    post(&mut manager, &page, &report).await.expect(303);
    let api = t.login("styring").await.get(&format!("/api/v1/control/reports?year={year}")).await.expect(200).json();
    let line = api.as_array().unwrap().iter().find(|l| l["unit_id"] == t.fx.unit_x).unwrap().clone();
    assert_eq!((&line["sent"], &line["significant_risks"]), (&true.into(), &"Endret tekst".into()));
    t.login("ansattx").await.get("/api/v1/control/reports").await.expect(403);
});

both!(
    the_internal_control_report_gathers_risks_controls_audits_and_reports_and_is_frozen_at_adoption,
    |t: TestApp| async move {
        use rodtrad_domain::audits::{AuditDraft, FindingDraft};
        use rodtrad_domain::internal_control::{ActivityDraft, ExecutionDraft, ReportDraft};
        let today = chrono::Utc::now().date_naive();
        let year = today.year();
        let a = author(&t);
        risk(&t, t.fx.municipality, t.fx.unit_x, "Mangelfull oppfølging av elever med vedtak").await;
        let draft = ActivityDraft {
            unit_id: t.fx.unit_x.to_string(),
            title: "Årlig gjennomgang av taushetserklæringer".into(),
            description: "Alle ansatte har signert.".into(),
            method: "document_review".into(),
            frequency: "yearly".into(),
            owner_person_id: t.fx.leader_x.to_string(),
            legal_basis: "Forvaltningsloven § 13".into(),
            risk_item_ids: vec![],
            starts_on: format!("{year}-01-01"),
        };
        let activity = t.db.control_activity_create(&a, &draft.parse(today).unwrap()).await.unwrap();
        let stored = t.db.control_activity(t.fx.municipality, activity).await.unwrap();
        let failed = ExecutionDraft {
            period: format!("{year}-1"),
            performed_on: String::new(),
            outcome: "failed".into(),
            findings: "Fire ansatte manglet erklæring.".into(),
            follow_up: "Erklæringene er innhentet; sjekklisten for nyansatte er rettet.".into(),
        };
        let e = failed.parse(stored.frequency, stored.starts_on, today).unwrap();
        t.db.control_execution_add(&a, &stored, &e, None).await.unwrap();
        let inspection = AuditDraft {
            kind: "state_inspection".into(),
            title: "Tilsyn med skolemiljø".into(),
            auditor: "Statsforvalteren".into(),
            unit_id: t.fx.unit_x.to_string(),
            held_on: format!("{year}-01-02"),
            ..AuditDraft::default()
        };
        let audit = t.db.audit_create(&a, &inspection.parse().unwrap()).await.unwrap();
        let breach = FindingDraft {
            finding_kind: "breach".into(),
            description: "Aktivitetsplanene mangler frister.".into(),
            measure: "Ny mal for aktivitetsplan.".into(),
            responsible_person_id: t.fx.leader_x.to_string(),
            deadline: (today + chrono::Duration::days(30)).to_string(),
        };
        let breach = breach.parse(rodtrad_domain::audits::AuditKind::StateInspection, true, today).unwrap();
        let stored_audit = t.db.audit(t.fx.municipality, audit).await.unwrap();
        t.db.audit_finding_add(&a, &stored_audit, 1, &breach).await.unwrap();
        let sent = ReportDraft {
            significant_risks: "Oppfølging av elever med vedtak.".into(),
            control_failures: "Taushetserklæringer manglet.".into(),
            what_worked: String::new(),
        };
        t.db.control_report_save(&a, t.fx.unit_x, year, None, &sent.parse().unwrap()).await.unwrap();

        let mut staff = t.login("styring").await;
        let res =
            post(&mut staff, "/reports", &[("kind", "internal_control".into()), ("year", year.to_string())]).await;
        let path = res.expect(303).location().to_owned();
        let page = staff.get(&path).await.expect(200);
        page.contains("Mangelfull oppfølging av elever med vedtak")
            .contains("Årlig gjennomgang av taushetserklæringer")
            .contains("Erklæringene er innhentet; sjekklisten for nyansatte er rettet.")
            .contains("Aktivitetsplanene mangler frister.")
            .contains("Taushetserklæringer manglet.")
            .contains("Ikke rapportert: Yskolen");
        let cv = page.input_value("content_version").unwrap();
        let adopt = [
            ("content_version", cv),
            ("body", "Kommunestyret".to_owned()),
            ("case_number", "PS 7/27".to_owned()),
            ("decided_on", today.format("%d.%m.%Y").to_string()),
        ];
        post(&mut staff, &format!("{path}/adopt"), &adopt).await.expect(303);
        let pdf = staff.get(&format!("{path}/report.pdf")).await.expect(200).bytes;
        let text = rodtrad_export::pdf::pdf_text_for_tests(&pdf).split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in ["Lovbrudd (pålegg)", "Ny mal for aktivitetsplan.", "Ikke rapportert: Yskolen", "Svikt: 1."] {
            assert!(text.contains(expected), "{expected} not in {text}");
        }
        // Frozen: closing the finding afterwards leaves the adopted report as it was.
        let stored_audit = t.db.audit(t.fx.municipality, audit).await.unwrap();
        let finding = t.db.audit_findings(t.fx.municipality, Some(audit)).await.unwrap()[0].id;
        t.db.audit_finding_close(&a, &stored_audit, stored_audit.version, finding, today, "Malen er tatt i bruk.")
            .await
            .unwrap();
        staff
            .get(&path)
            .await
            .expect(200)
            .lacks("Malen er tatt i bruk.")
            .contains("Aktivitetsplanene mangler frister.");
        assert_eq!(staff.get(&format!("{path}/report.pdf")).await.expect(200).bytes, pdf);
        let csv = staff.get(&format!("{path}/report.xlsx")).await.expect(200);
        assert!(csv.bytes.starts_with(b"PK"));
        // A section of the internal-control report is refused in another report's template.
        let form = [("version", "0"), ("pos-goals", "1"), ("pos-control_audits", "2")];
        let res = staff.post("/reports/templates/annual", &form).await;
        res.expect(422).contains("hører bare hjemme i rapporten om internkontroll");
    }
);
