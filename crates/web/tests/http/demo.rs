//! The demo municipality: size, leaders on all levels, one login per role, loaded only once.

use crate::both;
use crate::harness::TestApp;
use rodtrad_domain::{OrgUnitKind, Role};
use rodtrad_store::demo;
use rodtrad_store::password::HashCost;
use rodtrad_store::people::PeopleFilter;

both!(demo_loads_once_with_leaders_on_all_levels, |t: TestApp| async move {
    let cost = HashCost { memory_kib: 1024, iterations: 1 };
    let first = demo::load(&t.db, cost).await.unwrap();
    assert!(first.created);
    let tree = t.db.org_tree(first.municipality_id).await.unwrap();
    let count = |kind: OrgUnitKind| tree.units().iter().filter(|u| u.kind() == kind).count();
    assert_eq!(count(OrgUnitKind::ServiceArea), 6);
    assert!((140..=160).contains(&count(OrgUnitKind::Unit)), "{} units", count(OrgUnitKind::Unit));
    assert!(count(OrgUnitKind::Department) > 100);
    let levels: std::collections::BTreeSet<u8> =
        tree.units().iter().filter(|u| u.leader_person_id.is_some()).map(|u| tree.leader_level(u.id).get()).collect();
    assert_eq!(levels.into_iter().collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    let people = t.db.people(first.municipality_id, &PeopleFilter::default(), 100_000).await.unwrap();
    assert!((300..=400).contains(&people.len()), "{} people", people.len());
    let roles: std::collections::BTreeSet<Role> = first.logins.iter().map(|l| l.role).collect();
    for role in Role::ALL {
        assert!(roles.contains(&role), "no demo login for {role:?}");
    }
    let audit = t.db.audit_count(first.municipality_id).await.unwrap();

    let second = demo::load(&t.db, cost).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.municipality_id, first.municipality_id);
    assert_eq!(t.db.org_units(first.municipality_id).await.unwrap().len(), tree.units().len());
    assert_eq!(t.db.audit_count(first.municipality_id).await.unwrap(), audit);

    // A demo login works through the real login form and sees the demo tree.
    let mut c = t.client();
    c.login("leder@demo.rodtrad.no", demo::DEMO_PASSWORD).await.expect(303);
    c.get("/org").await.expect(200).contains("Oppvekst").contains("ledernivå 2");

    // The demo's plans: a master plan on the six prioritised SDGs, and the red thread with the
    // deliberate breaks of each kind.
    c.get("/plans")
        .await
        .expect(200)
        .contains("Kommuneplanens samfunnsdel 2020–2032")
        .contains("Arbeidsgiverpolitisk plattform");
    assert_eq!(t.db.sdg_priorities(first.municipality_id, 2025).await.unwrap(), vec![3, 4, 9, 11, 13, 17]);
    let thread = c.get("/red-thread").await.expect(200);
    for label in [
        "Mål uten indikator",
        "Mål uten strategi",
        "Tjenesteområdet mangler oppdrag eller tiltak",
        "Kilden er fjernet",
        "Ingen vei til et mål",
    ] {
        thread.contains(&format!("<td>{label}</td>"));
    }
    thread.contains("Sammen skaper vi et godt og bærekraftig liv i Asker").contains("Kartlegge leseferdigheter");
    // A unit plan for the current year, whose inherited assignment shows the source's status.
    let year = chrono::Utc::now().date_naive().format("%Y").to_string();
    let unit_plan =
        t.db.plans(first.municipality_id)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.plan_type.code() == "unit_plan" && p.title.contains("Bondi skole"))
            .unwrap();
    assert_eq!(unit_plan.start_year.to_string(), year);
    let listed = c.get(&format!("/api/v1/plans/{}/elements", unit_plan.id)).await.expect(200).json();
    let inherited = listed.as_array().unwrap().iter().find(|e| e["source_element_id"].is_i64()).unwrap();
    assert_eq!(inherited["status"], "active", "an inherited assignment shows its source's status");
    let elements = t.db.elements_all(first.municipality_id).await.unwrap();
    let goals = elements.iter().filter(|e| e.kind().is_goal() && !e.inherited()).count();
    assert!((20..=30).contains(&goals), "{goals} goals and sub-goals in the master plan");
});

both!(each_unit_takes_measures_that_fit_its_service_and_sdg_13_shows_the_climate_goal, |t: TestApp| async move {
    use rodtrad_store::demo_plans::{EMISSIONS_INDICATOR, UnitType, measures_of};
    use std::collections::{BTreeMap, BTreeSet};
    let cost = HashCost { memory_kib: 1024, iterations: 1 };
    let mid = demo::load(&t.db, cost).await.unwrap().municipality_id;
    rodtrad_service::stat_import::load_demo(&t.db, mid).await.unwrap();
    let tree = t.db.org_tree(mid).await.unwrap();
    let plans = t.db.plans(mid).await.unwrap();
    let mut kinds_by_measure: BTreeMap<String, BTreeSet<UnitType>> = BTreeMap::new();
    for e in t.db.elements_all(mid).await.unwrap() {
        let plan = plans.iter().find(|p| p.id == e.plan_id).unwrap();
        if e.kind() != rodtrad_domain::plan::ElementKind::Measure || plan.plan_type.code() != "unit_plan" {
            continue;
        }
        let unit = &tree.get(plan.owner_unit_id.unwrap()).unwrap().name;
        let kind = UnitType::of(unit);
        // A unit's measures come from its own kind's catalogue.
        assert!(measures_of(kind).contains(&e.text.as_str()), "«{}» does not fit {unit} ({kind:?})", e.text);
        kinds_by_measure.entry(e.text.clone()).or_default().insert(kind);
    }
    // No measure is copied into units of different kinds (the issue's fitness groups in nursing
    // homes, evening library opening in the culture school, kindergarten and adult-education
    // measures in primary schools).
    for (text, kinds) in &kinds_by_measure {
        assert_eq!(kinds.len(), 1, "«{text}» in units of kinds {kinds:?}");
    }
    let kinds: BTreeSet<UnitType> = kinds_by_measure.values().flatten().copied().collect();
    assert!(kinds.len() >= 15, "measures for {} kinds of unit: {kinds:?}", kinds.len());
    assert!(!kinds.contains(&UnitType::Other) && !kinds.contains(&UnitType::CultureSchool));

    // The SDG 13 page: the climate goal, its measures and the emissions indicator with its baseline
    // and target, fed from a statistics series.
    let mut c = t.client();
    c.login("kommunedirektor@demo.rodtrad.no", demo::DEMO_PASSWORD).await.expect(303);
    let page = c.get("/sdg/13").await.expect(200);
    page.contains("Asker er et klimanøytralt samfunn")
        .contains("Klimagassutslippene er 67 prosent lavere enn i 2009")
        .contains("Bytte oljefyrte kjeler med varmepumper")
        .contains("Kartlegge flomveier i sentrumsområdene")
        .contains(EMISSIONS_INDICATOR);
    assert!(EMISSIONS_INDICATOR.contains("2009") && EMISSIONS_INDICATOR.contains("67 prosent"));
    let indicator =
        t.db.elements_all(mid)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.text == EMISSIONS_INDICATOR && !e.inherited())
            .unwrap();
    c.get(&format!("/elements/{}/statistics", indicator.id)).await.expect(200).contains("13931");
});

both!(demo_agreements_at_both_levels_some_signed_read_by_hr_not_by_politicians_or_auditors, |t: TestApp| async move {
    use std::collections::BTreeMap;
    let cost = HashCost { memory_kib: 1024, iterations: 1 };
    let mid = demo::load(&t.db, cost).await.unwrap().municipality_id;
    let tree = t.db.org_tree(mid).await.unwrap();
    let mut hr = t.client();
    hr.login("hr@demo.rodtrad.no", demo::DEMO_PASSWORD).await.expect(303);
    let list = hr.get("/api/v1/agreements").await.expect(200).json();
    let list = list.as_array().unwrap();
    // Per level (director ↔ unit manager, unit manager ↔ department head): how many in each state.
    let mut states: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
    for a in list {
        let unit = tree.get(a["unit_id"].as_i64().unwrap()).unwrap();
        let above = tree.get(a["superior_unit_id"].as_i64().unwrap()).unwrap();
        assert_eq!(unit.parent_id, Some(above.id), "{a}: the superior is the leader of the unit above");
        assert_eq!(a["leader_person_id"].as_i64(), unit.leader_person_id, "{a}");
        assert_eq!(a["superior_person_id"].as_i64(), above.leader_person_id, "{a}");
        let level = match (unit.kind(), above.kind()) {
            (OrgUnitKind::Unit, OrgUnitKind::ServiceArea) => "director-unit manager",
            (OrgUnitKind::Department, OrgUnitKind::Unit) => "unit manager-department head",
            other => panic!("{a}: an agreement between {other:?}"),
        };
        // Signed in order: the superior's signature only after the leader's.
        let leader = a["leader_signed_at"].as_str().map(|s| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap());
        let superior = a["superior_signed_at"].as_str().map(|s| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap());
        let state = a["state"].as_str().unwrap();
        match (leader, superior) {
            (Some(l), Some(s)) => {
                assert!(l <= s, "{a}: the superior signed before the leader");
                assert_eq!(state, "signed", "{a}");
            }
            (Some(_), None) => assert_eq!(state, "leader-signed", "{a}"),
            (None, None) => assert_eq!(state, "draft", "{a}"),
            (None, Some(_)) => panic!("{a}: signed by the superior alone"),
        }
        *states.entry(level).or_default().entry(state.to_owned()).or_default() += 1;
    }
    eprintln!("demo agreements per level and state: {states:?}");
    for level in ["director-unit manager", "unit manager-department head"] {
        let s = states.get(level).unwrap_or_else(|| panic!("no agreement at level {level}: {states:?}"));
        assert!(s.get("signed").copied().unwrap_or(0) > 0, "{level}: none signed by both: {s:?}");
        let unsigned = s.get("draft").copied().unwrap_or(0) + s.get("leader-signed").copied().unwrap_or(0);
        assert!(unsigned > 0, "{level}: every one signed: {s:?}");
    }
    // Every service area has some.
    let areas: std::collections::BTreeSet<i64> = list
        .iter()
        .map(|a| {
            let ancestry = tree.ancestry(a["unit_id"].as_i64().unwrap());
            ancestry[ancestry.len() - 2]
        })
        .collect();
    assert_eq!(areas.len(), tree.units().iter().filter(|u| u.kind() == OrgUnitKind::ServiceArea).count());

    // HR reads them on the pages too: the list links each one, a signed one shows both signatures.
    let page = hr.get("/agreements").await.expect(200);
    let signed = list.iter().find(|a| a["state"] == "signed").unwrap();
    let draft = list.iter().find(|a| a["state"] == "draft").unwrap();
    for a in [signed, draft] {
        page.contains(&format!("href=\"/agreements/{}\"", a["id"]));
    }
    hr.get(&format!("/agreements/{}", signed["id"]))
        .await
        .expect(200)
        .contains("Signert av begge")
        .contains(signed["leader_name"].as_str().unwrap());
    hr.get(&format!("/agreements/{}", draft["id"])).await.expect(200).lacks("Signert av begge");
    hr.get(&format!("/agreements/{}/pdf", signed["id"])).await.expect(200);

    // The politician and the auditor read none of them: empty lists, and each one not found.
    for login in ["politiker", "revisor"] {
        let mut c = t.client();
        c.login(&format!("{login}@demo.rodtrad.no"), demo::DEMO_PASSWORD).await.expect(303);
        let api = c.get("/api/v1/agreements").await.expect(200).json();
        assert_eq!(api.as_array().map(Vec::len), Some(0), "{login}: {api}");
        let page = c.get("/agreements").await.expect(200);
        let csv = c.get("/agreements/export.csv").await.expect(200);
        for a in [signed, draft] {
            let id = &a["id"];
            page.lacks(&format!("/agreements/{id}\""));
            csv.lacks(a["leader_name"].as_str().unwrap());
            for path in [
                format!("/agreements/{id}"),
                format!("/agreements/{id}/versions/1"),
                format!("/agreements/{id}/pdf"),
                format!("/api/v1/agreements/{id}"),
                format!("/api/v1/agreements/{id}/versions"),
            ] {
                c.get(&path).await.expect(404);
            }
        }
    }
});

/// A table as text for a snapshot: one line per row, cells separated by ` | `.
fn rows_text(rows: &[(usize, Vec<String>)]) -> String {
    rows.iter().map(|(_, cells)| cells.join(" | ")).collect::<Vec<_>>().join("\n")
}

both!(demo_exports_match_their_snapshots, |t: TestApp| async move {
    use chrono::Datelike;
    let cost = HashCost { memory_kib: 1024, iterations: 1 };
    let mid = demo::load(&t.db, cost).await.unwrap().municipality_id;
    let mut c = t.client();
    c.login("kommunedirektor@demo.rodtrad.no", demo::DEMO_PASSWORD).await.expect(303);
    // The demo economy's year; its January is there whatever the day (see demo_economy).
    let today = chrono::Utc::now().date_naive();
    let year = if today.month() == 1 { today.year() - 1 } else { today.year() };
    let economy_csv = c.get(&format!("/economy/export.csv?year={year}&month=1")).await.expect(200);
    let economy_xlsx = c.get(&format!("/economy/export.xlsx?year={year}&month=1")).await.expect(200);
    let economy_rows = rodtrad_export::xlsx_rows(&economy_xlsx.bytes).unwrap();
    assert!(economy_rows.len() > 10, "the municipality, its areas and units");
    // An indicator with values entered by hand (the emissions figures come from the statistics).
    let elements = t.db.elements_all(mid).await.unwrap();
    let active =
        elements.iter().find(|e| e.text.starts_with("Andel voksne som er fysisk aktive") && !e.inherited()).unwrap();
    let values_csv = c.get(&format!("/elements/{}/indicator/values.csv", active.id)).await.expect(200);
    let values_xlsx = c.get(&format!("/elements/{}/indicator/values.xlsx", active.id)).await.expect(200);
    assert!(values_csv.body.lines().count() > 3, "{}", values_csv.body);
    let values_rows = rodtrad_export::xlsx_rows(&values_xlsx.bytes).unwrap();
    // The year the demo is loaded, and times of the day, differ from run to run; the rest must not.
    insta::with_settings!({filters => vec![
        (r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", "[timestamp]"),
        (&format!(r"\b{year}\b") as &str, "[year]"),
    ]}, {
        insta::assert_snapshot!("demo_economy_csv", economy_csv.body);
        insta::assert_snapshot!("demo_economy_xlsx", rows_text(&economy_rows));
        insta::assert_snapshot!("demo_indicator_values_csv", values_csv.body);
        insta::assert_snapshot!("demo_indicator_values_xlsx", rows_text(&values_rows));
    });
    // The action programme starts in the year the demo is loaded: its four years are redacted.
    let first = today.year();
    let mut programme = Vec::new();
    for table in ["frames", "investments", "efficiency", "rules"] {
        let csv = c.get(&format!("/economy/programme/{first}/export.csv?table={table}")).await.expect(200);
        let xlsx = c.get(&format!("/economy/programme/{first}/export.xlsx?table={table}")).await.expect(200);
        assert!(csv.body.lines().count() > 2, "{table}: {}", csv.body);
        programme.push((table, csv.body, rows_text(&rodtrad_export::xlsx_rows(&xlsx.bytes).unwrap())));
    }
    let years: Vec<(String, String)> =
        (0..4).map(|i| (format!(r"\b{}\b", first + i), format!("[year {}]", i + 1))).collect();
    insta::with_settings!({filters => years.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect::<Vec<_>>()}, {
        for (table, csv, xlsx) in &programme {
            insta::assert_snapshot!(format!("demo_programme_{table}_csv"), csv);
            insta::assert_snapshot!(format!("demo_programme_{table}_xlsx"), xlsx);
        }
    });
    // The council reports: the adopted 1st four-monthly report's economy table as CSV and its
    // workbook, the same bytes every time it is fetched (frozen at adoption).
    let i18n = std::sync::Arc::new(rodtrad_web::i18n::I18n::load().unwrap());
    rodtrad_web::reports::demo::load(&t.db, i18n.clone(), mid).await.unwrap();
    rodtrad_web::reports::demo::load(&t.db, i18n, mid).await.unwrap();
    let reports = t.db.reports(mid).await.unwrap();
    assert_eq!(reports.len(), 4, "loading twice adds nothing");
    assert!(reports.iter().any(|r| r.kind == rodtrad_domain::reports::ReportKind::InternalControl && !r.adopted()));
    if let Some(t1) = reports.iter().find(|r| r.kind == rodtrad_domain::reports::ReportKind::Tertial1 && r.adopted()) {
        let page = c.get(&format!("/reports/{}", t1.id)).await.expect(200);
        page.contains("Tatt inn i rapporten").contains("Vedtatt i Kommunestyret");
        let economy = page.body.split("/tables/").nth(1).and_then(|s| s.split(".csv").next()).unwrap().to_owned();
        let csv = c.get(&format!("/reports/{}/tables/{economy}.csv", t1.id)).await.expect(200);
        let xlsx = c.get(&format!("/reports/{}/report.xlsx", t1.id)).await.expect(200);
        assert_eq!(c.get(&format!("/reports/{}/report.xlsx", t1.id)).await.expect(200).bytes, xlsx.bytes);
        insta::with_settings!({filters => vec![(&format!(r"\b{year}\b") as &str, "[year]")]}, {
            insta::assert_snapshot!("demo_report_tertial_1_first_table_csv", csv.body);
            insta::assert_snapshot!("demo_report_tertial_1_xlsx", rows_text(&rodtrad_export::xlsx_rows(&xlsx.bytes).unwrap()));
        });
    }
    let annual = reports.iter().find(|r| r.kind == rodtrad_domain::reports::ReportKind::Annual).unwrap();
    assert!(annual.adopted() && annual.year == i64::from(year) - 1);
    let pdf = c.get(&format!("/reports/{}/report.pdf", annual.id)).await.expect(200);
    let text = rodtrad_export::pdf::pdf_text_for_tests(&pdf.bytes);
    assert!(text.contains("Årsrapport"), "{text}");
    let draft = reports.iter().find(|r| r.kind == rodtrad_domain::reports::ReportKind::Tertial2).unwrap();
    assert!(!draft.adopted());
    c.get(&format!("/reports/{}", draft.id)).await.expect(200).contains("Levert").contains("Utkast");
    // The LIDA scenario (fixed years: base year 2026, projection 2027–2046).
    let scenario = t.db.lida_scenarios(mid).await.unwrap().into_iter().next().expect("the demo scenario");
    let lida_csv = c.get(&format!("/economy/lida/scenarios/{}/export.csv", scenario.id)).await.expect(200);
    let lida_xlsx = c.get(&format!("/economy/lida/scenarios/{}/export.xlsx", scenario.id)).await.expect(200);
    assert!(lida_csv.body.lines().count() > 20, "{}", lida_csv.body);
    insta::assert_snapshot!("demo_lida_scenario_csv", lida_csv.body);
    insta::assert_snapshot!(
        "demo_lida_scenario_xlsx",
        rows_text(&rodtrad_export::xlsx_rows(&lida_xlsx.bytes).unwrap())
    );
});
