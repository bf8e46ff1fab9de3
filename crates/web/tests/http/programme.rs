//! Action programme frames (issue #14 §5): a programme started by the staff and read by everyone
//! signed in; frames per service area with exact sums; the investment table with totals; the
//! efficiency target with realised, remaining and percent; fiscal rules computed per year from the
//! key figures with a clear pass and fail, on the page, in the export and through the API; bad input
//! 422 with the values kept and nothing written, stale 409.

use crate::api::{json, token_client};
use crate::both;
use crate::harness::{Client, TestApp};
use axum::http::Method;
use rodtrad_store::on_db;

async fn scalar(t: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

async fn version(c: &mut Client) -> String {
    c.get("/economy/programme/2027").await.expect(200).input_value("version").unwrap()
}

/// Starts the 2027–2030 programme as the staff.
async fn started(t: &TestApp) -> Client {
    let mut staff = t.login("styring").await;
    staff.post("/economy/programme", &[("first_year", "2027"), ("title", "Handlingsprogram")]).await.expect(303);
    staff
}

both!(the_staff_starts_and_edits_a_programme_everyone_reads_it, |t: TestApp| async move {
    let fx = t.fx.clone();
    // Only the staff and administrators start one; a leader is refused without a trace.
    let mut leader = t.login("lederx").await;
    let before = t.audit_count().await;
    leader.post("/economy/programme", &[("first_year", "2027"), ("title", "X")]).await.expect(403);
    assert_eq!(t.audit_count().await, before);
    let mut staff = t.login("styring").await;
    let before = t.audit_count().await;
    staff
        .post("/economy/programme", &[("first_year", "27"), ("title", "Handlingsprogram")])
        .await
        .expect(422)
        .contains("«27» er ikke et årstall")
        .contains("value=\"Handlingsprogram\"");
    assert_eq!(t.audit_count().await, before);
    let res = staff.post("/economy/programme", &[("first_year", "2027"), ("title", "Handlingsprogram")]).await;
    assert_eq!(res.expect(303).location(), "/economy/programme/2027");
    staff
        .post("/economy/programme", &[("first_year", "2027"), ("title", "Igjen")])
        .await
        .expect(422)
        .contains("finnes allerede");

    // The decision and the efficiency target; a bad date is 422 with the values kept.
    let v = version(&mut staff).await;
    let head = |v: String, date: &'static str| {
        vec![
            ("version".to_owned(), v),
            ("title".into(), "Handlingsprogram med økonomiplan".into()),
            ("decision_body".into(), "Kommunestyret".into()),
            ("decision_case".into(), "26/123".into()),
            ("decided_on".into(), date.into()),
            ("efficiency_target".into(), "80 000 000".into()),
        ]
    };
    let form = head(v.clone(), "18.12.2026");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    staff.post("/economy/programme/2027", &pairs).await.expect(422).contains("åååå-mm-dd").contains("value=\"26/123\"");
    let form = head(v.clone(), "2026-12-18");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    staff.post("/economy/programme/2027", &pairs).await.expect(303);
    // The same version again is stale.
    staff.post("/economy/programme/2027", &pairs).await.expect(409).contains("26/123");

    // Frames: two years of the service area, summed exactly; a bad amount stores nothing.
    let v = version(&mut staff).await;
    let area = fx.area;
    let (f27, f28) = (format!("frame_{area}_2027"), format!("frame_{area}_2028"));
    let before = t.audit_count().await;
    staff
        .post("/economy/programme/2027/frames", &[("version", &v), (&f27, "1 250 000 000,50"), (&f28, "mange")])
        .await
        .expect(422)
        .contains("«mange» er ikke et beløp")
        .contains("value=\"mange\"")
        .contains("value=\"1 250 000 000,50\"");
    assert_eq!(t.audit_count().await, before);
    staff
        .post("/economy/programme/2027/frames", &[("version", &v), (&f27, "1 250 000 000,50"), (&f28, "1 300 000 000")])
        .await
        .expect(303);
    // A year outside the period is refused.
    let v = version(&mut staff).await;
    let outside = format!("frame_{area}_2031");
    staff.post("/economy/programme/2027/frames", &[("version", &v), (&outside, "1")]).await.expect(422);

    // Investments: the ICT split of the seed, with totals per year and over the period.
    for (name, category, a27, a28) in [
        ("Fellesadministrative og fagspesifikke systemer", "IKT", "3 000 000", "2 000 000"),
        ("Infrastruktur", "IKT", "2 000 000", "2 000 000"),
        ("Risikobuffer", "IKT", "500 000", "500 000"),
    ] {
        let v = version(&mut staff).await;
        let unit = fx.staff.to_string();
        staff
            .post(
                "/economy/programme/2027/investments",
                &[
                    ("version", &v),
                    ("inv_name", name),
                    ("inv_category", category),
                    ("inv_unit", &unit),
                    ("amount_2027", a27),
                    ("amount_2028", a28),
                ],
            )
            .await
            .expect(303);
    }
    let v = version(&mut staff).await;
    staff
        .post("/economy/programme/2027/investments", &[("version", &v), ("inv_name", " "), ("amount_2027", "1")])
        .await
        .expect(422)
        .contains("Skriv et navn");

    // Efficiency: targets per year with realised amounts and a comment.
    let v = version(&mut staff).await;
    let k = |what: &str, y: u32| format!("{what}_{area}_{y}");
    let keys = [k("target", 2027), k("realised", 2027), k("comment", 2027), k("target", 2028), k("realised", 2028)];
    staff
        .post(
            "/economy/programme/2027/efficiency",
            &[
                ("version", &v),
                (&keys[0], "20 000 000"),
                (&keys[1], "14 000 000"),
                (&keys[2], "Færre innleide vikarer"),
                (&keys[3], "20 000 000"),
                (&keys[4], "12 000 000"),
            ],
        )
        .await
        .expect(303);

    // Everyone signed in reads it, an employee and a politician too.
    for login in ["ansattx", "politiker", "lederx"] {
        let mut c = t.login(login).await;
        c.get("/economy/programme").await.expect(200).contains("/economy/programme/2027");
        c.get("/economy/programme/2027")
            .await
            .expect(200)
            .contains("Handlingsprogram med økonomiplan 2027–2030")
            .contains("Kommunestyret, 26/123, 18.12.2026")
            .contains("1\u{a0}250\u{a0}000\u{a0}000,50")
            .contains("2\u{a0}550\u{a0}000\u{a0}000,50")
            .contains("Risikobuffer")
            // 3 + 2 + 0.5 in 2027, 10 million over the period.
            .contains("5\u{a0}500\u{a0}000")
            .contains("10\u{a0}000\u{a0}000")
            // 26 of 80 million realised: 54 million remain, 32.5 %.
            .contains("26\u{a0}000\u{a0}000")
            .contains("54\u{a0}000\u{a0}000")
            .contains("32,5 %")
            .contains("Færre innleide vikarer")
            .lacks("/economy/programme/2027/frames\"");
    }
    // Editing forms only for the staff.
    staff.get("/economy/programme/2027").await.expect(200).contains("/economy/programme/2027/frames\"");
    let mut politician = t.login("politiker").await;
    politician.post("/economy/programme/2027/frames", &[("version", &version(&mut staff).await)]).await.expect(403);
    // Another municipality's programme year is simply not there.
    politician.get("/economy/programme/2031").await.expect(404);

    // Every save wrote its audit row.
    assert!(scalar(&t, "SELECT COUNT(*) FROM audit_log WHERE entity LIKE 'action_programme%'").await >= 7);

    // The tables as CSV and XLSX.
    let csv = staff.get("/economy/programme/2027/export.csv?table=frames").await.expect(200);
    assert!(csv.body.contains("Oppvekst") && csv.body.contains("1250000000.5"), "{}", csv.body);
    let csv = staff.get("/economy/programme/2027/export.csv?table=investments").await.expect(200);
    assert!(csv.body.contains("Infrastruktur") && csv.body.contains("5000000"), "{}", csv.body);
    let csv = staff.get("/economy/programme/2027/export.csv?table=efficiency").await.expect(200);
    assert!(csv.body.contains("14000000") && csv.body.contains("Færre innleide vikarer"), "{}", csv.body);
    staff.get("/economy/programme/2027/export.xlsx?table=investments").await.expect(200);
    staff.get("/economy/programme/2027/export.csv?table=nothing").await.expect(404);

    // Removing a project.
    let p = t.db.programme(fx.municipality, 2027).await.unwrap().unwrap();
    let v = p.head.version.to_string();
    let id = p.investments[2].id;
    staff.post(&format!("/economy/programme/2027/investments/{id}/remove"), &[("version", &v)]).await.expect(303);
    staff.get("/economy/programme/2027").await.expect(200).lacks("Risikobuffer");
});

both!(fiscal_rules_are_computed_per_year_with_pass_and_fail, |t: TestApp| async move {
    let mut staff = started(&t).await;
    for (name, measure, comparison, threshold) in [
        ("Netto driftsresultat minst 1,75 %", "net_operating_result", "at_least", "1,75"),
        ("Netto lånegjeld høyst 90 %", "net_debt", "at_most", "90"),
        ("Disposisjonsfond minst 8 %", "disposition_fund", "at_least", "8"),
    ] {
        let v = version(&mut staff).await;
        staff
            .post(
                "/economy/programme/2027/rules",
                &[
                    ("version", &v),
                    ("rule_name", name),
                    ("measure", measure),
                    ("comparison", comparison),
                    ("threshold", threshold),
                ],
            )
            .await
            .expect(303);
    }
    // A measure outside the fixed set is refused with the values kept.
    let v = version(&mut staff).await;
    staff
        .post(
            "/economy/programme/2027/rules",
            &[
                ("version", &v),
                ("rule_name", "Egen regel"),
                ("measure", "tax"),
                ("comparison", "at_least"),
                ("threshold", "1"),
            ],
        )
        .await
        .expect(422)
        .contains("Velg et måltall")
        .contains("value=\"Egen regel\"");

    // Key figures for 2027 and 2028; 2028's net operating result is 1.5 % and fails.
    let v = version(&mut staff).await;
    let before = t.audit_count().await;
    staff
        .post(
            "/economy/programme/2027/key-figures",
            &[
                ("version", &v),
                ("income_2027", "4 000 000 000"),
                ("result_2027", "70 000 000"),
                ("debt_2027", "3 600 000 000"),
                ("fund_2027", "320 000 000"),
                ("income_2028", "4 000 000 000"),
                ("result_2028", "60 000 000"),
                ("debt_2028", ""),
                ("fund_2028", "330 000 000"),
            ],
        )
        .await
        .expect(422)
        .contains("Nøkkeltallene for 2028 må fylles ut alle fire")
        .contains("value=\"60 000 000\"");
    assert_eq!(t.audit_count().await, before);
    staff
        .post(
            "/economy/programme/2027/key-figures",
            &[
                ("version", &v),
                ("income_2027", "4 000 000 000"),
                ("result_2027", "70 000 000"),
                ("debt_2027", "3 600 000 000"),
                ("fund_2027", "320 000 000"),
                ("income_2028", "4 000 000 000"),
                ("result_2028", "60 000 000"),
                ("debt_2028", "3 700 000 000"),
                ("fund_2028", "330 000 000"),
            ],
        )
        .await
        .expect(303);
    let page = t.login("politiker").await.get("/economy/programme/2027").await.expect(200);
    page.contains("Netto driftsresultat ≥ 1,75 % av driftsinntektene")
        .contains("1,75 %")
        .contains("1,5 %")
        .contains("Ikke oppfylt")
        .contains("✗")
        .contains("Oppfylt")
        .contains("92,5 %")
        .contains("Mangler nøkkeltall");
    // Net operating result: met in 2027, not met in 2028, no figures for 2029 and 2030.
    let rules = page.body.split("id=\"rules-table\"").nth(1).unwrap().split("</table>").next().unwrap();
    let first = rules.split("<tr>").nth(2).unwrap();
    let verdicts: Vec<&str> =
        ["Ikke oppfylt", "Oppfylt", "Mangler nøkkeltall"].into_iter().filter(|w| first.contains(w)).collect();
    assert_eq!(verdicts, vec!["Ikke oppfylt", "Oppfylt", "Mangler nøkkeltall"], "{first}");
    assert!(first.find("Oppfylt").unwrap() < first.find("Ikke oppfylt").unwrap(), "2027 passes before 2028 fails");

    // The export names every rule and year with its verdict.
    let csv = staff.get("/economy/programme/2027/export.csv?table=rules").await.expect(200);
    assert!(csv.body.contains("2028;1.50;Ikke oppfylt"), "{}", csv.body);
    assert!(csv.body.contains("2027;1.75;Oppfylt"), "{}", csv.body);

    // The API gives the same results and takes key figures from the staff.
    let mut api = token_client(&t, "styring").await;
    let doc = api.get("/api/v1/economy/programmes/2027").await.expect(200).json();
    let rule = &doc["rules"][0];
    assert_eq!(rule["measure"], "net_operating_result");
    assert_eq!(rule["results"][0]["value"], "1.75");
    assert_eq!(rule["results"][0]["passed"], true);
    assert_eq!(rule["results"][1]["value"], "1.50");
    assert_eq!(rule["results"][1]["passed"], false);
    assert!(rule["results"][2]["passed"].is_null());
    assert_eq!(doc["rules"][1]["results"][1]["value"], "92.50");
    assert_eq!(doc["rules"][1]["results"][1]["passed"], false);
    let version = doc["programme"]["version"].as_i64().unwrap();
    let figures = serde_json::json!([{"year": 2029, "operating_income": "4100000000", "net_operating_result": "82000000",
        "net_debt": "3500000000", "disposition_fund": "340000000"}]);
    let path = "/api/v1/economy/programmes/2027/key-figures";
    json(&mut api, Method::PUT, path, serde_json::json!({"version": version - 1, "key_figures": figures.clone()}))
        .await
        .expect(409);
    let bad = serde_json::json!([{"year": 2029, "operating_income": "0", "net_operating_result": "1", "net_debt": "1", "disposition_fund": "1"}]);
    json(&mut api, Method::PUT, path, serde_json::json!({"version": version, "key_figures": bad})).await.expect(422);
    let outside = serde_json::json!([{"year": 2035, "operating_income": "1", "net_operating_result": "1", "net_debt": "1", "disposition_fund": "1"}]);
    json(&mut api, Method::PUT, path, serde_json::json!({"version": version, "key_figures": outside}))
        .await
        .expect(422);
    let saved = json(&mut api, Method::PUT, path, serde_json::json!({"version": version, "key_figures": figures}))
        .await
        .expect(200)
        .json();
    assert_eq!(saved["version"], version + 1);
    // 82 / 4100 = 2 %: met in 2029; 2027 and 2028 were replaced, so they have no figures now.
    assert_eq!(saved["rules"][0]["results"][2]["value"], "2.00");
    assert_eq!(saved["rules"][0]["results"][2]["passed"], true);
    assert!(saved["rules"][0]["results"][0]["passed"].is_null());
    let mut reader = token_client(&t, "ansattx").await;
    reader.get("/api/v1/economy/programmes").await.expect(200);
    json(&mut reader, Method::PUT, path, serde_json::json!({"version": version + 1, "key_figures": []}))
        .await
        .expect(403);
    let doc = api.get("/api/v1/openapi.json").await.expect(200).json();
    assert!(doc["paths"]["/api/v1/economy/programmes/{first_year}"].is_object());
    assert!(doc["paths"]["/api/v1/economy/programmes/{first_year}/key-figures"]["put"].is_object());
});
