//! Council reports (issue #15 §1–3): each report type composed from its template with the data of
//! its period (statuses as of the period's end, the master plan's goals and indicators, the service
//! areas), the commentary workflow and who may take each step, the introduction and the goal
//! assessments with 409 when stale and 422 with the values kept, the templates; and freezing: after
//! the adoption the data change, and the page, the PDF and the workbook stay the same, the PDF's
//! text holding every goal and its assessment and a `<script>` title as text, the public reading
//! the same bytes while a politician is refused the drafts.

use crate::both;
use crate::harness::{Client, TestApp};
use rodtrad_domain::Name;
use rodtrad_domain::followup::Status;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanType};
use rodtrad_store::followup::NewReport;
use rodtrad_store::plans::{ElementInput, PlanInput};
use rodtrad_store::{Author, on_db};

fn author(t: &TestApp) -> Author {
    Author { municipality_id: t.fx.municipality, user_id: None, name: "Oppsett".into() }
}

async fn scalar(t: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

fn element(kind: ElementKind, text: &str, unit: Option<i64>) -> ElementInput {
    ElementInput {
        kind,
        text: text.into(),
        owner_unit_id: unit,
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: vec![],
    }
}

/// The master plan's goals and the measures that carry them.
struct Goals {
    /// Main goals: «Gode oppvekstvilkår» (with a sub-goal and a measure of school X that reported a
    /// deviation in January) and «Et klimavennlig samfunn» (with an indicator that met its target).
    main: [i64; 2],
    sub: i64,
    /// The measure under the sub-goal, titled with markup.
    measure: i64,
}

const SCRIPT_TITLE: &str = "<script>alert(1)</script> Leseløft";

/// An adopted master plan (social part) with two main goals, a sub-goal, an indicator with a
/// baseline, a target and a value that meets it, and a measure with a deviation reported in January
/// 2026.
async fn master_plan(t: &TestApp) -> Goals {
    let a = author(t);
    let input = PlanInput {
        plan_type: PlanType::MasterPlanSocial,
        title: Name::parse("Kommuneplanens samfunnsdel 2024–2036").unwrap(),
        start_year: 2024,
        end_year: 2036,
        owner_unit_id: None,
        published: true,
    };
    let plan = t.db.plan_create(&a, &input, &[]).await.unwrap();
    let g1 =
        t.db.element_create(&a, plan, None, &element(ElementKind::MainGoal, "Gode oppvekstvilkår", None))
            .await
            .unwrap();
    let sub =
        t.db.element_create(&a, plan, Some(g1), &element(ElementKind::SubGoal, "Alle barn leser godt", None))
            .await
            .unwrap();
    let measure =
        t.db.element_create(&a, plan, Some(sub), &element(ElementKind::Measure, SCRIPT_TITLE, Some(t.fx.unit_x)))
            .await
            .unwrap();
    let g2 =
        t.db.element_create(&a, plan, None, &element(ElementKind::MainGoal, "Et klimavennlig samfunn", None))
            .await
            .unwrap();
    let indicator =
        t.db.element_create(&a, plan, Some(g2), &element(ElementKind::Indicator, "Klimagassutslipp (tonn)", None))
            .await
            .unwrap();
    on_db!(&t.db, pool => {
        sqlx::query("UPDATE plans SET status = 'adopted' WHERE id = $1").bind(plan).execute(pool).await.unwrap();
    });
    // The indicator: lower is better, 1000 t in 2020, target 800 t in 2025, 780 t measured in 2025.
    use rodtrad_domain::indicators::{Baseline, Direction, Frequency, ResultChain, SourceKind, Target};
    let definition = rodtrad_store::indicators::DefinitionInput {
        description: String::new(),
        unit: "tonn".into(),
        chain: ResultChain::Impact,
        direction: Direction::Lower,
        source: SourceKind::Manual,
        frequency: Frequency::Yearly,
        owner_person_id: None,
        baseline: Some(Baseline { year: 2020, value: 1000.0 }),
        targets: vec![Target { year: 2025, desired: 800.0, acceptable: Some(900.0) }],
    };
    t.db.indicator_definition_save(&a, indicator, &definition, None).await.unwrap();
    for (period, value) in [("2022", 950.0), ("2024", 850.0), ("2025", 780.0)] {
        let v = rodtrad_store::indicators::ValueInput {
            element_id: indicator,
            period: period.into(),
            value,
            comment: None,
        };
        t.db.indicator_value_save(&a, &v, None).await.unwrap();
    }
    t.db.followup_periods_create(&a, 2026).await.unwrap();
    let periods = t.db.followup_periods(t.fx.municipality).await.unwrap();
    let jan = periods.iter().find(|p| p.kind == "month" && p.number == 1 && p.year == 2026).unwrap().id;
    let r = NewReport {
        element_id: measure,
        period_id: jan,
        status: Status::Deviation,
        progress: 10,
        comment: "Mangler lærere".into(),
        base_version: 0,
        dialogue: Some((t.fx.unit_x, Some(t.fx.area))),
    };
    t.db.followup_report(&a, &r).await.unwrap();
    Goals { main: [g1, g2], sub, measure }
}

/// Makes a report through the form and returns its path.
async fn create(c: &mut Client, kind: &str, year: &str, month: &str, unit: &str) -> String {
    let res = c.post("/reports", &[("kind", kind), ("year", year), ("month", month), ("unit", unit)]).await.expect(303);
    let path = res.location().to_owned();
    assert!(path.starts_with("/reports/"), "{path}");
    path
}

both!(each_report_type_is_composed_and_its_texts_follow_their_workflow, |t: TestApp| async move {
    let fx = t.fx.clone();
    let goals = master_plan(&t).await;
    let mut staff = t.login("styring").await;
    let mut director = t.login("direktor").await;
    // (Signing in writes audit rows of its own.)
    let before = t.audit_count().await;
    // Only the staff makes reports; bad input is 422 with the values kept and nothing written.
    director.post("/reports", &[("kind", "annual"), ("year", "2026")]).await.expect(403);
    staff
        .post("/reports", &[("kind", "monthly"), ("year", "2026"), ("month", ""), ("unit", "")])
        .await
        .expect(422)
        .contains("Velg måneden for månedsrapporten.");
    staff
        .post("/reports", &[("kind", "tertial_1"), ("year", "26"), ("month", ""), ("unit", "")])
        .await
        .expect(422)
        .contains("Skriv året med fire sifre (2000–2100), ikke «26».")
        .contains("value=\"26\"");
    assert_eq!(t.audit_count().await, before);

    // The 1st four-monthly report: its template's sections, statuses as of 30 April 2026.
    let t1 = create(&mut staff, "tertial_1", "2026", "", "").await;
    staff
        .post("/reports", &[("kind", "tertial_1"), ("year", "2026"), ("month", ""), ("unit", "")])
        .await
        .expect(422)
        .contains("Det finnes allerede en slik rapport for denne perioden.");
    let page = staff.get(&t1).await.expect(200);
    page.contains("1. tertialrapport 2026")
        .contains("Periode: Januar–April 2026. Tallene gjelder per 30.04.2026.")
        .contains("Kommunedirektørens innledning")
        .contains("Status for oppdrag og tiltak")
        .contains("Indikatorer")
        .contains("Åpne lederdialoger")
        .contains("Tjenesteområdenes kommentarer")
        .lacks("Måloppnåelse")
        // The deviation reported in January is in the list, its markup as text.
        .contains(&crate::harness::escape(SCRIPT_TITLE))
        .contains("Mangler lærere")
        // The indicator met its target.
        .contains("Klimagassutslipp (tonn)")
        .contains("role=\"img\"");
    assert!(!page.body.contains(SCRIPT_TITLE));
    // The service area's commentary form.
    assert!(page.body.contains(&format!("/commentary/{}", fx.area)));

    // A monthly report of the service area: economy and commentary only, titled with the area.
    let monthly = create(&mut staff, "monthly", "2026", "3", &fx.area.to_string()).await;
    staff
        .get(&monthly)
        .await
        .expect(200)
        .contains("Månedsrapport Mars 2026 – Oppvekst")
        .contains("Økonomi")
        .lacks("Status for oppdrag og tiltak");
    // The annual report assesses every goal of the master plan, with the data's suggestion.
    let annual = create(&mut staff, "annual", "2026", "", "").await;
    let page = staff.get(&annual).await.expect(200);
    page.contains("Måloppnåelse: Kommuneplanens samfunnsdel 2024–2036")
        .contains("Gode oppvekstvilkår")
        .contains("Alle barn leser godt")
        .contains("Et klimavennlig samfunn")
        .contains("Forslag fra dataene: Ikke nådd")
        .contains("Forslag fra dataene: Nådd");
    let json = crate::api::token_client(&t, "styring").await.get(&format!("/api/v1{annual}")).await.expect(200).json();
    let goals_json = json["content"]["sections"].as_array().unwrap().iter().find(|s| s["section"] == "goals").unwrap();
    let listed: Vec<i64> = goals_json["goals"].as_array().unwrap().iter().map(|g| g["id"].as_i64().unwrap()).collect();
    assert_eq!(listed, vec![goals.main[0], goals.sub, goals.main[1]]);
    let verdicts: Vec<&str> =
        goals_json["goals"].as_array().unwrap().iter().map(|g| g["suggested"].as_str().unwrap()).collect();
    // The measure's deviation counts against goal 1 and its sub-goal; the met target for goal 2.
    assert_eq!(verdicts, vec!["not_achieved", "not_achieved", "achieved"]);

    // Drafts: the politician and the employee are refused (as an unknown id), the auditor reads.
    t.login("politiker").await.get(&t1).await.expect(404);
    t.login("ansattx").await.get(&format!("{t1}/report.pdf")).await.expect(404);
    t.login("politiker").await.get("/reports").await.expect(200).lacks(&format!("href=\"{t1}\""));
    t.login("revisor").await.get(&t1).await.expect(200).lacks("/introduction\"");

    // The commentary workflow: the director writes and submits, a unit leader may not, the staff
    // send it back or compile it; each step sends the version it read.
    let path = format!("{t1}/commentary/{}", fx.area);
    t.login("lederx").await.post(&path, &[("version", "0"), ("action", "save"), ("text", "x")]).await.expect(403);
    director
        .post(&path, &[("version", "0"), ("action", "submit"), ("text", " ")])
        .await
        .expect(422)
        .contains("Skriv kommentaren før du leverer den.");
    director.post(&path, &[("version", "0"), ("action", "save"), ("text", "Første utkast")]).await.expect(303);
    director
        .post(&path, &[("version", "0"), ("action", "save"), ("text", "Mitt eget utkast")])
        .await
        .expect(409)
        .contains("Mitt eget utkast");
    director
        .post(&path, &[("version", "1"), ("action", "submit"), ("text", "Oppvekst leverer **godt**.")])
        .await
        .expect(303);
    director
        .post(&path, &[("version", "2"), ("action", "save"), ("text", "Endret etterpå")])
        .await
        .expect(422)
        .contains("Kommentaren kan ikke endres slik nå");
    director
        .post(&path, &[("version", "2"), ("action", "compile"), ("text", "x")])
        .await
        .expect(422)
        .contains("Bare kommunedirektørens stab");
    staff
        .post(&path, &[("version", "2"), ("action", "return"), ("text", "Oppvekst leverer **godt**.")])
        .await
        .expect(303);
    director
        .post(&path, &[("version", "3"), ("action", "submit"), ("text", "Oppvekst leverer **godt**.")])
        .await
        .expect(303);
    staff
        .post(&path, &[("version", "4"), ("action", "compile"), ("text", "Oppvekst leverer **godt**.")])
        .await
        .expect(303);
    staff
        .get(&t1)
        .await
        .expect(200)
        .contains("Tatt inn i rapporten")
        .contains("Oppvekst leverer <strong>godt</strong>.");
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'report_commentary'").await, 5);
    // A unit that is no service area writes no commentary.
    staff
        .post(&format!("{t1}/commentary/{}", fx.unit_x), &[("version", "0"), ("action", "save"), ("text", "x")])
        .await
        .expect(404);

    // The introduction: 409 when stale with the text kept, nothing written.
    staff.post(&format!("{t1}/introduction"), &[("version", "1"), ("text", "Innledning")]).await.expect(303);
    staff
        .post(&format!("{t1}/introduction"), &[("version", "1"), ("text", "Min versjon")])
        .await
        .expect(409)
        .contains("Min versjon");
    // Goal assessments: only in the annual report, for goals of the master plan, a known verdict.
    let g = goals.main[0];
    staff
        .post(&format!("{annual}/goals/{g}"), &[("version", "0"), ("verdict", "kanskje"), ("text", "Vurdert")])
        .await
        .expect(422)
        .contains("Velg en vurdering.")
        .contains("Vurdert");
    staff
        .post(&format!("{annual}/goals/{}", goals.measure), &[("version", "0"), ("verdict", "achieved"), ("text", "")])
        .await
        .expect(404);
    staff
        .post(&format!("{t1}/goals/{g}"), &[("version", "0"), ("verdict", "achieved"), ("text", "")])
        .await
        .expect(422);
    staff
        .post(
            &format!("{annual}/goals/{g}"),
            &[("version", "0"), ("verdict", "partly_achieved"), ("text", "Lesing går fram.")],
        )
        .await
        .expect(303);
    staff.get(&annual).await.expect(200).contains("Vurdering: ◐ Delvis nådd").contains("Lesing går fram.");

    // Templates: the staff leave the dialogues out of the 2nd four-monthly report; a report made
    // afterwards follows, one made before keeps its sections; bad positions are refused.
    t.login("direktor").await.get("/reports/templates").await.expect(403);
    let positions = [("version", "0"), ("pos-introduction", "1"), ("pos-economy", "2"), ("pos-statuses", "3")];
    staff
        .post("/reports/templates/annual", &positions)
        .await
        .expect(422)
        .contains("Årsrapporten må ha seksjonen om måloppnåelse");
    staff
        .post("/reports/templates/tertial_2", &[("version", "0"), ("pos-economy", "første")])
        .await
        .expect(422)
        .contains("Plassen må være et tall fra 1 til 20, ikke «første».");
    staff.post("/reports/templates/tertial_2", &positions).await.expect(303);
    let t2 = create(&mut staff, "tertial_2", "2026", "", "").await;
    let page = staff.get(&t2).await.expect(200);
    page.lacks("Åpne lederdialoger").contains("Periode: Mai–August 2026.");
    let economy = page.body.find("id=\"s-economy\"").unwrap();
    assert!(page.body.find("id=\"s-introduction\"").unwrap() < economy);
    assert!(economy < page.body.find("id=\"s-statuses\"").unwrap());
    staff.get(&t1).await.expect(200).contains("Åpne lederdialoger");
    // The staff's stale template edit is 409.
    staff.post("/reports/templates/tertial_2", &positions).await.expect(409);
});

/// Every text of a page between its `<h1` and the end of `<main>`.
fn main_part(body: &str) -> &str {
    let start = body.find("<h1").unwrap();
    let end = body.rfind("</main>").unwrap();
    &body[start..end]
}

both!(an_adopted_report_is_frozen_public_and_the_same_a_year_later, |t: TestApp| async move {
    let fx = t.fx.clone();
    let goals = master_plan(&t).await;
    let mut staff = t.login("styring").await;
    let annual = create(&mut staff, "annual", "2026", "", "").await;
    for (g, verdict, text) in [
        (goals.main[0], "not_achieved", "Lesingen går tilbake – *tiltak* trengs."),
        (goals.sub, "not_achieved", "Færre leser på forventet nivå."),
        (goals.main[1], "achieved", "Utslippene er under målet for 2025."),
    ] {
        staff
            .post(&format!("{annual}/goals/{g}"), &[("version", "0"), ("verdict", verdict), ("text", text)])
            .await
            .expect(303);
    }
    let id: i64 = annual.rsplit('/').next().unwrap().parse().unwrap();
    let content_version = scalar(&t, &format!("SELECT content_version FROM reports WHERE id = {id}")).await;

    // Bad adoptions are refused with the values kept, and change nothing.
    let mut director = t.login("direktor").await;
    let before = t.audit_count().await;
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).format("%d.%m.%Y").to_string();
    let cv = content_version.to_string();
    staff
        .post(
            &format!("{annual}/adopt"),
            &[
                ("content_version", &cv),
                ("body", "Kommunestyret"),
                ("case_number", "PS 12/27"),
                ("decided_on", &tomorrow),
            ],
        )
        .await
        .expect(422)
        .contains("Vedtaksdatoen kan ikke være fram i tid.")
        .contains("value=\"PS 12/27\"");
    staff
        .post(
            &format!("{annual}/adopt"),
            &[("content_version", &cv), ("body", ""), ("case_number", ""), ("decided_on", "31.02.2027")],
        )
        .await
        .expect(422)
        .contains("Skriv hvilket organ som vedtok rapporten.")
        .contains("«31.02.2027» er ikke en dato.");
    // A text saved after the page was read: the adoption is stale.
    staff
        .post(&format!("{annual}/introduction"), &[("version", "1"), ("text", "Et godt år for kommunen.")])
        .await
        .expect(303);
    director.post(&format!("{annual}/adopt"), &[("content_version", &cv)]).await.expect(403);
    let after_intro = t.audit_count().await;
    assert_eq!(after_intro, before + 1);
    staff
        .post(
            &format!("{annual}/adopt"),
            &[
                ("content_version", &cv),
                ("body", "Kommunestyret"),
                ("case_number", "PS 12/27"),
                ("decided_on", "18.06.2026"),
            ],
        )
        .await
        .expect(409);
    assert_eq!(t.audit_count().await, after_intro);
    assert_eq!(scalar(&t, &format!("SELECT COUNT(*) FROM reports WHERE id = {id} AND adopted_at IS NULL")).await, 1);

    let cv = (content_version + 1).to_string();
    staff
        .post(
            &format!("{annual}/adopt"),
            &[
                ("content_version", &cv),
                ("body", "Kommunestyret"),
                ("case_number", "PS 12/27"),
                ("decided_on", "18.06.2026"),
            ],
        )
        .await
        .expect(303);
    let page = staff.get(&annual).await.expect(200);
    page.contains("Vedtatt i Kommunestyret 18.06.2026 (sak PS 12/27)")
        .lacks(&format!("{annual}/adopt"))
        .lacks("/introduction\"");
    let pdf = staff.get(&format!("{annual}/report.pdf")).await.expect(200).bytes;
    let xlsx = staff.get(&format!("{annual}/report.xlsx")).await.expect(200).bytes;
    let csv = staff.get(&format!("{annual}/tables/1.csv")).await.expect(200).body;

    // The PDF: PDF/A-2b, every goal with its assessment, the measure's markup as text.
    assert!(pdf.starts_with(b"%PDF-"));
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("<pdfaid:part>2</pdfaid:part>") && raw.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
    let text = rodtrad_export::pdf::pdf_text_for_tests(&pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Årsrapport 2026",
        "Innhold",
        "Vedtatt: Kommunestyret 18.06.2026, sak PS 12/27",
        "Et godt år for kommunen.",
        "Gode oppvekstvilkår",
        "Lesingen går tilbake – tiltak trengs.",
        "Alle barn leser godt",
        "Færre leser på forventet nivå.",
        "Et klimavennlig samfunn",
        "Utslippene er under målet for 2025.",
        "● Nådd",
        "○ Ikke nådd",
        "Klimagassutslipp (tonn)",
        SCRIPT_TITLE,
        "Side 2 av",
    ] {
        assert!(flat.contains(expected), "{expected:?} missing from the PDF's text:\n{text}");
    }
    // The workbook: one sheet per table, the title as text.
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.clone())).unwrap();
    use calamine::Reader;
    let names = book.sheet_names().to_vec();
    assert_eq!(
        names,
        [
            "Måloppnåelse",
            "Status for oppdrag og tiltak",
            "Avvik og risiko for avvik",
            "Indikatorer",
            "Økonomi",
            "Åpne lederdialoger"
        ]
    );
    let deviations = book.worksheet_range("Avvik og risiko for avvik").unwrap();
    assert!(deviations.rows().any(|r| r.iter().any(|c| matches!(c, calamine::Data::String(s) if s == SCRIPT_TITLE))));

    // The data change: a unit renamed, the measure's status reported on track, the goal's text
    // and a commentary cannot change (the report is adopted).
    let a = author(&t);
    let unit = t.db.org_unit(fx.municipality, fx.area).await.unwrap();
    let change = rodtrad_store::org::OrgUnitChange {
        parent_id: unit.parent_id,
        name: Name::parse("Barn og unge").unwrap(),
        short_name: None,
        leader_person_id: unit.leader_person_id,
        valid_from: unit.valid_from,
        valid_to: None,
    };
    t.db.org_unit_update(&a, fx.area, unit.version, &change).await.unwrap();
    on_db!(&t.db, pool => {
        sqlx::query("UPDATE status_reports SET status = 'on_track', comment = 'Løst'").execute(pool).await.unwrap();
        sqlx::query("UPDATE goal_elements SET text = 'Endret mål' WHERE id = $1").bind(goals.main[0]).execute(pool).await.unwrap();
    });
    staff
        .post(&format!("{annual}/commentary/{}", fx.area), &[("version", "0"), ("action", "save"), ("text", "Sent")])
        .await
        .expect(422)
        .contains("Rapporten er vedtatt og kan ikke endres.");
    staff.post(&format!("{annual}/introduction"), &[("version", "2"), ("text", "Endret")]).await.expect(422);

    // The same page, the same bytes.
    let again = staff.get(&annual).await.expect(200);
    assert_eq!(main_part(&again.body), main_part(&page.body));
    again.contains("Gode oppvekstvilkår").lacks("Endret mål").contains("Oppvekst").lacks("Barn og unge");
    assert_eq!(staff.get(&format!("{annual}/report.pdf")).await.expect(200).bytes, pdf);
    assert_eq!(staff.get(&format!("{annual}/report.xlsx")).await.expect(200).bytes, xlsx);
    assert_eq!(staff.get(&format!("{annual}/tables/1.csv")).await.expect(200).body, csv);
    // A draft composed now sees the new data.
    let draft = create(&mut staff, "tertial_1", "2026", "", "").await;
    staff.get(&draft).await.expect(200).contains("Barn og unge").lacks("Mangler lærere");

    // The politician reads the adopted report; the public reads the same bytes without signing in.
    t.login("politiker").await.get(&annual).await.expect(200).contains("Lesingen går tilbake");
    let mut public = t.client();
    let number = t.db.municipality(fx.municipality).await.unwrap().number;
    public
        .get(&format!("/public/{number}/reports"))
        .await
        .expect(200)
        .contains(&format!("/public/{number}/reports/{id}"))
        .lacks("1. tertialrapport");
    let public_page = public.get(&format!("/public/{number}/reports/{id}")).await.expect(200);
    public_page
        .contains("Lesingen går tilbake")
        .contains(&crate::harness::escape(SCRIPT_TITLE))
        .lacks("<form method=\"post\" action=\"/reports");
    assert_eq!(public.get(&format!("/public/{number}/reports/{id}/report.pdf")).await.expect(200).bytes, pdf);
    assert_eq!(public.get(&format!("/public/{number}/reports/{id}/report.xlsx")).await.expect(200).bytes, xlsx);
    let draft_id = draft.rsplit('/').next().unwrap();
    public.get(&format!("/public/{number}/reports/{draft_id}")).await.expect(404);
    public.get(&format!("/public/9999/reports/{id}")).await.expect(404);
});
