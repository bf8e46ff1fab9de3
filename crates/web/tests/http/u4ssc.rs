//! U4SSC: the yearly self-assessment matrix, cell editing with validation and stale-version checks,
//! new years copied from the last, comparison between years, KPI values by form and CSV import,
//! export, scoping to the municipality and roles.

use crate::both;
use crate::harness::{Client, Res, TestApp};
use axum::http::Method;
use rodtrad_store::on_db;

const CELL: &str = "/u4ssc/2019/cells/policy/accelerate";

async fn count(t: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

async fn start(c: &mut Client, year: &str, how: &str) -> Res {
    c.post("/u4ssc", &[("year", year), ("start", how)]).await
}

async fn save_cell(c: &mut Client, path: &str, maturity: &str, evidence: &str, version: &str) -> Res {
    c.post(
        path,
        &[
            ("maturity", maturity),
            ("evidence", evidence),
            ("responsible", ""),
            ("assessed_on", "2019-10-15"),
            ("version", version),
        ],
    )
    .await
}

async fn upload(c: &mut Client, name: &str, body: &[u8]) -> Res {
    let csrf = c.csrf().await;
    let boundary = "rodtradU4sscBoundary";
    let mut multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    multipart.extend_from_slice(body);
    multipart.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    // The harness sends text bodies, so the files in these tests are UTF-8.
    let text = String::from_utf8(multipart).unwrap();
    c.send(Method::POST, "/u4ssc/kpi-import", Some(text), &[("content-type", ct.as_str())]).await
}

both!(matrix_renders_and_a_cell_is_edited_with_audit, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    c.get("/u4ssc").await.expect(200).contains("Ingen år er vurdert ennå.").contains("Start et nytt år");
    start(&mut c, "2019", "empty").await.expect(303);
    assert_eq!(count(&t, "u4ssc_cells").await, 30);
    let page = c.get("/u4ssc/2019").await.expect(200);
    page.contains("<caption>Modenhet per element i 2019")
        .contains("<th scope=\"col\">Engasjere</th>")
        .contains("<th scope=\"row\">Utforme politikk</th>")
        .contains("Budsjettere")
        .contains(&format!("href=\"{CELL}\""))
        .contains("Ikke vurdert");
    let form = c.get(CELL).await.expect(200);
    form.contains("Vurder «Budsjettere»");
    let version = form.input_value("version").unwrap();
    let audit = t.audit_count().await;
    save_cell(&mut c, CELL, "2", "Handlingsprogrammet 2020–2023 knytter rammer til mål.", &version).await.expect(303);
    assert_eq!(t.audit_count().await, audit + 1);
    let row = t.db.audit_list(t.fx.municipality, &Default::default(), 1).await.unwrap().remove(0);
    assert_eq!((row.entity.as_str(), row.action.as_str()), ("u4ssc_cell", "update"));
    c.get("/u4ssc/2019")
        .await
        .expect(200)
        .contains("data-color=\"info\">2 Under utvikling</span>")
        .contains("Handlingsprogrammet 2020–2023 knytter rammer til mål.");
    // Nynorsk element names (UI text, not catalogue data), then English.
    c.post("/language", &[("lang", "nn"), ("next", "/")]).await.expect(303);
    c.get("/u4ssc/2019")
        .await
        .expect(200)
        .contains("Planleggje")
        .contains("Gje rom for sjølvorganisering")
        .lacks("Planlegge<");
    c.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    c.get("/u4ssc/2019").await.expect(200).contains("Budget").contains("2 Developing").contains("Shape policy");
});

both!(invalid_input_is_refused_in_the_users_language_and_changes_nothing, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    start(&mut c, "2019", "empty").await.expect(303);
    let before = t.db.u4ssc_cells(t.fx.municipality, 2019).await.unwrap();
    let audit = t.audit_count().await;
    let res = c
        .post(
            CELL,
            &[
                ("maturity", "7"),
                ("evidence", "Mitt utkast"),
                ("responsible", ""),
                ("assessed_on", "2019-13-40"),
                ("version", "1"),
            ],
        )
        .await
        .expect(422);
    res.contains("Velg et modenhetsnivå fra 0 til 4")
        .contains("id=\"error-summary\"")
        .contains("id=\"f-maturity-err\"")
        .contains("Datoen er ikke gyldig")
        .contains("Mitt utkast")
        .contains("value=\"2019-13-40\"");
    assert_eq!(t.db.u4ssc_cells(t.fx.municipality, 2019).await.unwrap(), before);
    assert_eq!(t.audit_count().await, audit);
    // A person from another municipality cannot be made responsible.
    let other_person = on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>("SELECT MAX(id) FROM people").fetch_one(pool).await.unwrap())
        + 1000;
    c.post(
        CELL,
        &[
            ("maturity", "1"),
            ("evidence", ""),
            ("responsible", &other_person.to_string()),
            ("assessed_on", ""),
            ("version", "1"),
        ],
    )
    .await
    .expect(422)
    .contains("Den ansvarlige finnes ikke i kommunen.");
    // Nynorsk message.
    c.post("/language", &[("lang", "nn"), ("next", "/")]).await.expect(303);
    c.post(CELL, &[("maturity", "x"), ("evidence", ""), ("responsible", ""), ("assessed_on", ""), ("version", "1")])
        .await
        .expect(422)
        .contains("Vel eit modningsnivå frå 0 til 4");
    assert_eq!(t.db.u4ssc_cells(t.fx.municipality, 2019).await.unwrap(), before);
    // A bad year on the overview form.
    start(&mut c, "19", "copy").await.expect(422).contains("Skriv eit årstal mellom 1990 og 2100.");
    start(&mut c, "2019", "copy").await.expect(422).contains("Det finst alt ei vurdering for 2019.");
});

both!(a_stale_cell_save_is_refused_with_409, |t: TestApp| async move {
    let mut a = t.login("styring").await;
    let mut b = t.login("admin").await;
    start(&mut a, "2019", "empty").await.expect(303);
    let version = a.get(CELL).await.expect(200).input_value("version").unwrap();
    save_cell(&mut b, CELL, "3", "Lagret av en annen", &version).await.expect(303);
    let res = save_cell(&mut a, CELL, "1", "Min tekst", &version).await.expect(409);
    res.contains("Noen andre har lagret endringer")
        .contains("Min tekst")
        .contains("Lagret av en annen")
        .contains("3 Etablert");
    let cell = t.db.u4ssc_cells(t.fx.municipality, 2019).await.unwrap();
    let stored = cell.iter().find(|c| c.process == "policy" && c.phase == "accelerate").unwrap();
    assert_eq!((stored.maturity, stored.evidence.as_str()), (Some(3), "Lagret av en annen"));
    // The re-rendered form carries the current version: saving again is a deliberate overwrite.
    assert_eq!(res.input_value("version").unwrap(), stored.version.to_string());
});

both!(a_new_year_starts_as_a_copy_of_the_last_and_years_compare, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    start(&mut c, "2019", "empty").await.expect(303);
    save_cell(&mut c, CELL, "1", "Nullpunktsmålingen", "1").await.expect(303);
    save_cell(&mut c, "/u4ssc/2019/cells/citizens/engage", "2", "Medvirkning", "1").await.expect(303);
    start(&mut c, "2024", "copy").await.expect(303);
    c.get("/u4ssc/2024")
        .await
        .expect(200)
        .contains("Startet som kopi av vurderingen for 2019.")
        .contains("Nullpunktsmålingen");
    let copied = t.db.u4ssc_cells(t.fx.municipality, 2024).await.unwrap();
    let cell = copied.iter().find(|c| c.process == "policy" && c.phase == "accelerate").unwrap();
    assert_eq!((cell.maturity, cell.evidence.as_str(), cell.version), (Some(1), "Nullpunktsmålingen", 1));
    // Editing the new year leaves the old one as it was.
    save_cell(&mut c, "/u4ssc/2024/cells/policy/accelerate", "3", "Budsjett etter mål", "1").await.expect(303);
    save_cell(&mut c, "/u4ssc/2024/cells/citizens/engage", "1", "Færre møter", "1").await.expect(303);
    let old = t.db.u4ssc_cells(t.fx.municipality, 2019).await.unwrap();
    assert_eq!(old.iter().find(|c| c.process == "policy" && c.phase == "accelerate").unwrap().maturity, Some(1));
    let cmp = c.get("/u4ssc/compare?from=2019&to=2024").await.expect(200);
    cmp.contains("Endring i modenhet fra 2019 til 2024")
        .contains("1 elementer har høyere modenhet.")
        .contains("1 elementer har lavere modenhet.")
        .contains("Opp 2")
        .contains("Ned 1");
    // An empty start has nothing assessed.
    start(&mut c, "2025", "empty").await.expect(303);
    assert!(t.db.u4ssc_cells(t.fx.municipality, 2025).await.unwrap().iter().all(|c| c.maturity.is_none()));
    c.get("/u4ssc").await.expect(200).contains("Siste vurdering (2025)").contains("2 av 30");
    c.get("/u4ssc/compare?from=2019&to=2031").await.expect(404);
});

both!(kpi_values_are_filled_compared_and_exported, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    let form = c.get("/u4ssc/2019/kpi/edit").await.expect(200);
    form.contains("Husholdninger med internettilgang").contains("name=\"value-EC-ICT-ICT-1C\"");
    let audit = t.audit_count().await;
    c.post(
        "/u4ssc/2019/kpi/edit",
        &[
            ("source", "SSB"),
            ("value-EC-ICT-ICT-1C", "95,5"),
            ("note-EC-ICT-ICT-1C", "Anslag"),
            ("version-EC-ICT-ICT-1C", ""),
        ],
    )
    .await
    .expect(303);
    assert_eq!(t.audit_count().await, audit + 1);
    c.post("/u4ssc/2023/kpi/edit", &[("value-EC-ICT-ICT-1C", "98"), ("version-EC-ICT-ICT-1C", "")]).await.expect(303);
    let page = c.get("/u4ssc/2023/kpi").await.expect(200);
    page.contains("Økonomisk bærekraft").contains("Sosial bærekraft").contains("2019: 95,5").contains("+2,5");
    c.get("/u4ssc/2019/kpi").await.expect(200).contains("Anslag · Kilde: SSB");
    // A bad value keeps what was typed and writes nothing.
    let res = c
        .post(
            "/u4ssc/2023/kpi/edit",
            &[("value-EC-ICT-ICT-1C", "mye"), ("value-EC-P-EM-1C", "2,1"), ("version-EC-ICT-ICT-1C", "1")],
        )
        .await
        .expect(422);
    res.contains("«mye» er ikke et tall.")
        .contains("value=\"mye\"")
        .contains("value=\"2,1\"")
        .contains("id=\"error-summary\"");
    assert_eq!(count(&t, "u4ssc_kpi_values").await, 2);
    // A stale version is refused.
    c.post("/u4ssc/2023/kpi/edit", &[("value-EC-ICT-ICT-1C", "99"), ("version-EC-ICT-ICT-1C", "1")]).await.expect(303);
    c.post("/u4ssc/2023/kpi/edit", &[("value-EC-ICT-ICT-1C", "97"), ("version-EC-ICT-ICT-1C", "1")])
        .await
        .expect(409)
        .contains("Noen andre har lagret endringer")
        .contains("Lagret nå: 99");
    let csv = c.get("/u4ssc/2019/kpi.csv").await.expect(200);
    csv.contains("code;year;value;note\n").contains("EC: ICT: ICT: 1C;2019;95,5;Anslag\n");
    // An emptied field removes the value.
    c.post("/u4ssc/2023/kpi/edit", &[("value-EC-ICT-ICT-1C", ""), ("version-EC-ICT-ICT-1C", "2")]).await.expect(303);
    assert_eq!(count(&t, "u4ssc_kpi_values").await, 1);
});

// A note that a spreadsheet would run as a formula is neutralised in the export, while a negative
// value, which the application writes as a number, stays a number; the file still imports.
both!(kpi_export_neutralises_formulas_and_keeps_negative_numbers, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    let formula = "=HYPERLINK(\"https://evil.example\";\"Klikk\")";
    c.post(
        "/u4ssc/2021/kpi/edit",
        &[
            ("value-EC-ICT-ICT-1C", "-3,5"),
            ("note-EC-ICT-ICT-1C", formula),
            ("version-EC-ICT-ICT-1C", ""),
            ("value-EC-P-EM-1C", "2"),
            ("note-EC-P-EM-1C", "@SUM(1+1)"),
            ("version-EC-P-EM-1C", ""),
        ],
    )
    .await
    .expect(303);
    let csv = c.get("/u4ssc/2021/kpi.csv").await.expect(200);
    csv.contains("EC: ICT: ICT: 1C;2021;-3,5;\"'=HYPERLINK(\"\"https://evil.example\"\";\"\"Klikk\"\")\"\n")
        .contains("EC: P: EM: 1C;2021;2;'@SUM(1+1)\n");
    for line in csv.body.trim_start_matches('\u{feff}').lines() {
        for cell in line.split(';') {
            assert!(!cell.starts_with(['=', '+', '@', '\t', '\r']), "{cell:?} in {line:?}");
        }
    }
    let preview = upload(&mut c, "eksport.csv", &csv.bytes).await.expect(200);
    preview.contains("2 verdier klare til import");
});

both!(csv_import_previews_then_writes_and_a_bad_file_changes_nothing, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    let good = "kode;år;verdi;merknad\nEC: P: EM: 1C;2019;2,1;NAV\nSC: EH: H: 2C;2019;83,4\nEN: E: E: 1C;2023;68\n";
    let preview = upload(&mut c, "kpi.csv", good.as_bytes()).await.expect(200);
    preview.contains("Forhåndsvisning av kpi.csv").contains("3 verdier klare til import").contains("Arbeidsledighet");
    assert_eq!(count(&t, "u4ssc_kpi_values").await, 0, "nothing before confirming");
    let audit = t.audit_count().await;
    c.post("/u4ssc/kpi-import/confirm", &[("csv", good), ("file_name", "kpi.csv")]).await.expect(303);
    assert_eq!(count(&t, "u4ssc_kpi_values").await, 3);
    assert_eq!(t.audit_count().await, audit + 3);
    c.get("/u4ssc/2019/kpi").await.expect(200).contains("Kilde: kpi.csv");
    // One bad line among good ones: every problem listed, nothing written.
    let bad =
        "EC: P: EM: 1C;2019;9\nXX: 9;2019;1\nSC: EH: H: 2C;år;1\nSC: EH: H: 4C;2019;mange\nEC: P: EM: 1C;2019;3\n";
    let res = upload(&mut c, "feil.csv", bad.as_bytes()).await.expect(422);
    res.contains("Filen feil.csv kan ikke importeres")
        .contains("«XX: 9» er ikke en kjent U4SSC-indikator.")
        .contains("«år» er ikke et gyldig årstall.")
        .contains("«mange» er ikke et tall.")
        .contains("Samme indikator og år står allerede på linje 1.")
        .contains("<th scope=\"row\">5</th>")
        .lacks("Importer verdiene");
    // Confirming a bad file directly (bypassing the preview) writes nothing either.
    c.post("/u4ssc/kpi-import/confirm", &[("csv", bad), ("file_name", "feil.csv")]).await.expect(422);
    upload(&mut c, "tom.csv", b"\xEF\xBB\xBF").await.expect(422).contains("Filen har ingen verdier.");
    let values = t.db.u4ssc_kpi_values(t.fx.municipality).await.unwrap();
    let unemployment = values.iter().find(|v| v.kpi_code == "EC: P: EM: 1C").unwrap();
    assert_eq!((unemployment.value, values.len()), (2.1, 3));
    assert_eq!(t.audit_count().await, audit + 3);
});

both!(other_municipalities_get_404_and_roles_without_rights_403, |t: TestApp| async move {
    let mut c = t.login("styring").await;
    start(&mut c, "2019", "empty").await.expect(303);
    c.post("/u4ssc/2019/kpi/edit", &[("value-EC-ICT-ICT-1C", "95")]).await.expect(303);
    let mut other = t.client();
    other.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    other.get("/u4ssc/2019").await.expect(404);
    other.get(CELL).await.expect(404);
    save_cell(&mut other, CELL, "4", "Fra B", "1").await.expect(404);
    other.get("/u4ssc/compare").await.expect(404);
    other.get("/u4ssc/2019/kpi").await.expect(200).contains("0 indikatorer har verdi");
    other.get("/u4ssc/2019/kpi.csv").await.expect(200).lacks("EC: ICT");
    // Readers see the matrix but may not change it.
    let mut leader = t.login("lederx").await;
    leader.get("/u4ssc/2019").await.expect(200).lacks(&format!("href=\"{CELL}\""));
    leader.get(CELL).await.expect(403);
    save_cell(&mut leader, CELL, "4", "Leder", "1").await.expect(403);
    let mut employee = t.login("ansattx").await;
    employee.get("/u4ssc/2019/kpi").await.expect(200);
    employee.get("/u4ssc/2019/kpi/edit").await.expect(403);
    employee.post("/u4ssc/2019/kpi/edit", &[("value-EC-ICT-ICT-1C", "1")]).await.expect(403);
    employee.get("/u4ssc/kpi-import").await.expect(403);
    employee
        .post("/u4ssc/kpi-import/confirm", &[("csv", "EC: P: EM: 1C;2019;1"), ("file_name", "x.csv")])
        .await
        .expect(403);
    start(&mut employee, "2020", "copy").await.expect(403);
    t.login("revisor").await.get("/u4ssc").await.expect(200).lacks("Start et nytt år");
    assert_eq!(
        t.db.u4ssc_cells(t.fx.municipality, 2019).await.unwrap().iter().filter(|c| c.maturity.is_some()).count(),
        0
    );
    assert_eq!(count(&t, "u4ssc_kpi_values").await, 1);
    assert_eq!(count(&t, "u4ssc_assessments").await, 1);
    // Years out of range are pages that do not exist.
    c.get("/u4ssc/1800").await.expect(404);
    c.get("/u4ssc/abc/kpi").await.expect(404);
});
