//! Economy follow-up (issue #14 §4): budgets, forecasts with their version and the management
//! dialogue a deviation past the thresholds opens, the roll-up to service area and municipality with
//! exact sums, who reads what, the thresholds, and the import of actuals (CSV in both encodings and
//! separators, XLSX) whose preview names every bad row and stores nothing until confirmed.

use crate::api::{json, token_client};
use crate::both;
use crate::harness::{Client, Res, TestApp};
use axum::http::Method;
use rodtrad_store::{Author, on_db};

async fn scalar(t: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

/// The ids of the default lines: salaries, other operating costs, income.
async fn lines(t: &TestApp) -> [String; 3] {
    let l = t.db.economy_lines(t.fx.municipality).await.unwrap();
    [l[0].id.to_string(), l[1].id.to_string(), l[2].id.to_string()]
}

/// Posts a line form (`budget` or `forecast`) for `unit` in year 2026, month `month`.
async fn post_lines(
    c: &mut Client,
    t: &TestApp,
    unit: i64,
    (what, month, version): (&str, &str, &str),
    amounts: [&str; 3],
    comment: &str,
) -> Res {
    let l = lines(t).await;
    let keys = [format!("line_{}", l[0]), format!("line_{}", l[1]), format!("line_{}", l[2])];
    let form = [
        ("year", "2026"),
        ("month", month),
        ("version", version),
        ("comment", comment),
        (keys[0].as_str(), amounts[0]),
        (keys[1].as_str(), amounts[1]),
        (keys[2].as_str(), amounts[2]),
    ];
    c.post(&format!("/economy/units/{unit}/{what}"), &form).await
}

both!(a_forecast_past_the_thresholds_is_flagged_and_opens_one_dialogue, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut staff = t.login("styring").await;
    // The unit manager may not set the budget; the staff may, and a stale budget save is 409.
    let mut x = t.login("lederx").await;
    let before = t.audit_count().await;
    post_lines(&mut x, &t, fx.unit_x, ("budget", "3", "0"), ["1", "1", "1"], "").await.expect(403);
    assert_eq!(t.audit_count().await, before);
    post_lines(&mut staff, &t, fx.unit_x, ("budget", "3", "0"), ["8 000 000", "2 000 000,50", "-1 000 000"], "")
        .await
        .expect(303);
    post_lines(&mut staff, &t, fx.unit_x, ("budget", "3", "0"), ["1", "1", "1"], "").await.expect(409);
    let page = format!("/economy/units/{}?year=2026&month=3", fx.unit_x);
    x.get(&page).await.expect(200).contains("9\u{a0}000\u{a0}000,50").contains("Innenfor terskel");

    // A bad amount: 422, the typed values kept, nothing written.
    let before = t.audit_count().await;
    post_lines(&mut x, &t, fx.unit_x, ("forecast", "3", "0"), ["8 500 000", "tolv", "-1 000 000"], "Vikarer")
        .await
        .expect(422)
        .contains("«tolv» er ikke et beløp")
        .contains("value=\"tolv\"")
        .contains("Vikarer");
    assert_eq!(t.audit_count().await, before);

    // 500 000 over a 9 MNOK budget is 5.6 % and past 250 000: flagged, and one dialogue opens.
    let res = post_lines(
        &mut x,
        &t,
        fx.unit_x,
        ("forecast", "3", "0"),
        ["8 500 000", "2 000 000,50", "-1 000 000"],
        "Vikarer",
    )
    .await
    .expect(303);
    assert!(res.location().contains("opened=1"), "{}", res.location());
    x.get(&page)
        .await
        .expect(200)
        .contains("Vesentlig overforbruk")
        .contains("▲")
        .contains("500\u{a0}000")
        .contains("5,6 %")
        .contains("Vikarer")
        .contains("Det er en åpen lederdialog om budsjettavvik");
    let dialogues = "SELECT COUNT(*) FROM status_dialogues WHERE economy_year = 2026";
    assert_eq!(scalar(&t, dialogues).await, 1);
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'economy_forecast'").await, 1);
    // A stale save is 409 with the text kept; the current version saves and opens no second dialogue.
    post_lines(&mut x, &t, fx.unit_x, ("forecast", "3", "0"), ["9 000 000", "0", "0"], "Ny tekst")
        .await
        .expect(409)
        .contains("Ny tekst");
    post_lines(&mut x, &t, fx.unit_x, ("forecast", "3", "1"), ["9 000 000", "2 000 000", "-1 000 000"], "Mer vikarer")
        .await
        .expect(303);
    // The next month too: still the one open dialogue.
    post_lines(&mut x, &t, fx.unit_x, ("forecast", "4", "0"), ["9 000 000", "2 000 000", "-1 000 000"], "April")
        .await
        .expect(303);
    assert_eq!(scalar(&t, dialogues).await, 1);

    // The dialogue is between the unit's leader and the director, readable by them.
    let mut d = t.login("direktor").await;
    d.get("/followup/dialogues").await.expect(200).contains("Budsjettavvik 2026-03").contains("Xskolen");
    let id = scalar(&t, "SELECT id FROM status_dialogues WHERE economy_year = 2026").await;
    d.get(&format!("/followup/dialogues/{id}"))
        .await
        .expect(200)
        .contains(&format!("/economy/units/{}?year=2026", fx.unit_x))
        .contains("Budsjettavvik 2026-03")
        .contains("Mer vikarer");
    t.login("ledery").await.get(&format!("/followup/dialogues/{id}")).await.expect(403);

    // Another unit's leader, the employee and the politician do not read the unit; the director does.
    d.get(&page).await.expect(200).contains("Vesentlig overforbruk");
    t.login("ledery").await.get(&page).await.expect(403);
    t.login("ansattx").await.get(&page).await.expect(403);
    let mut pol = t.login("politiker").await;
    pol.get(&page).await.expect(403);
    pol.get("/economy?year=2026&month=3").await.expect(200).contains("Oppvekst").contains("Vesentlig overforbruk");
    // Nor does another unit's leader forecast for it.
    let mut y = t.login("ledery").await;
    post_lines(&mut y, &t, fx.unit_x, ("forecast", "3", "2"), ["1", "1", "1"], "").await.expect(403);
});

both!(the_roll_up_sums_exactly_to_the_area_and_the_municipality, |t: TestApp| async move {
    let fx = t.fx.clone();
    let a = Author { municipality_id: fx.municipality, user_id: None, name: "Test".into() };
    let l = t.db.economy_lines(fx.municipality).await.unwrap();
    let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    for (unit, salaries) in [(fx.unit_x, "1000000.10"), (fx.dept_x, "200000.05"), (fx.unit_y, "2000000.20")] {
        t.db.economy_budget_save(&a, unit, 2026, 0, &[(l[0].id, d(salaries))]).await.unwrap();
    }
    for (unit, month, amount) in
        [(fx.unit_x, 1, "80000.01"), (fx.unit_x, 2, "90000.02"), (fx.unit_y, 1, "150000.03"), (fx.unit_x, 3, "1")]
    {
        t.db.economy_actual_set(fx.municipality, (unit, l[0].id, 2026, month), d(amount)).await.unwrap();
    }
    // Yskolen forecasts 300 000 over (15 %): flagged; Xskolen gives none and counts with its budget.
    let mut y = t.login("ledery").await;
    let id = l[0].id.to_string();
    let key = format!("line_{id}");
    y.post(
        &format!("/economy/units/{}/forecast", fx.unit_y),
        &[("year", "2026"), ("month", "2"), ("version", "0"), (key.as_str(), "2300000.20")],
    )
    .await
    .expect(303);
    let mut api = token_client(&t, "styring").await;
    let o = api.get("/api/v1/economy?year=2026&month=2").await.expect(200).json();
    let total = &o["total"];
    assert_eq!(total["budget"], "3200000.35");
    assert_eq!(total["actual"], "320000.06", "March is after the month asked for");
    assert_eq!(total["forecast"], "3500000.35");
    assert_eq!(total["deviation"], "300000.00");
    assert_eq!(total["without_forecast"], 2, "Xskolen and its department gave none");
    let unit = |id: i64| o["units"].as_array().unwrap().iter().find(|u| u["unit_id"] == id).cloned().unwrap();
    assert_eq!(unit(fx.area)["budget"], "3200000.35");
    assert_eq!(unit(fx.unit_x)["budget"], "1200000.15", "the department rolls into its school");
    assert_eq!(unit(fx.unit_y)["flagged"], true);
    assert_eq!(unit(fx.unit_y)["deviation_percent"], "15.0");
    assert_eq!(unit(fx.unit_x)["flagged"], false);
    // The unit manager's own view names only the own subtree.
    let mut x = token_client(&t, "lederx").await;
    let mine = x.get("/api/v1/economy?year=2026&month=2").await.expect(200).json();
    assert!(mine["total"].is_null());
    let ids: Vec<i64> = mine["units"].as_array().unwrap().iter().map(|u| u["unit_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![fx.unit_x, fx.dept_x]);
    x.get(&format!("/api/v1/economy/units/{}", fx.unit_y)).await.expect(403);
    let detail = x.get(&format!("/api/v1/economy/units/{}?year=2026&month=2", fx.unit_x)).await.expect(200).json();
    assert_eq!(detail["lines"][0]["line"], "salaries");
    assert_eq!(detail["lines"][0]["figures"]["actual"], "170000.03");
    // The forecast through the API: 409 when stale, 422 for an unknown line.
    let put = |v: i64, line: &str| {
        serde_json::json!({"year": 2026, "month": 2, "version": v, "comment": "API",
        "amounts": [{"line": line, "amount": "1200000.15"}]})
    };
    let path = format!("/api/v1/economy/units/{}/forecast", fx.unit_x);
    json(&mut x, Method::PUT, &path, put(0, "salaries")).await.expect(200);
    json(&mut x, Method::PUT, &path, put(0, "salaries")).await.expect(409);
    json(&mut x, Method::PUT, &path, put(1, "travel")).await.expect(422);
    // The exports carry the exact amounts.
    let mut staff = t.login("styring").await;
    let csv = staff.get("/economy/export.csv?year=2026&month=2").await.expect(200);
    assert!(csv.body.contains("3200000.35") && csv.body.contains("Yskolen"), "{}", csv.body);
    staff.get("/economy/export.xlsx?year=2026&month=2").await.expect(200);
    staff
        .get("/economy?year=2026&month=2")
        .await
        .expect(200)
        .contains("Vesentlig overforbruk")
        .contains("3\u{a0}200\u{a0}000,35");
});

both!(thresholds_are_set_with_their_version_and_refused_when_bad, |t: TestApp| async move {
    let mut staff = t.login("styring").await;
    staff.get("/economy/settings").await.expect(200).contains("value=\"3\"").contains("value=\"250000\"");
    let before = t.audit_count().await;
    staff
        .post("/economy/settings/thresholds", &[("percent", "150"), ("amount", "100 000"), ("version", "0")])
        .await
        .expect(422)
        .contains("Oppgi en prosent fra 0 til 100")
        .contains("value=\"150\"");
    assert_eq!(t.audit_count().await, before);
    staff
        .post("/economy/settings/thresholds", &[("percent", "1,5"), ("amount", "100 000"), ("version", "0")])
        .await
        .expect(303);
    staff
        .post("/economy/settings/thresholds", &[("percent", "2"), ("amount", "1"), ("version", "0")])
        .await
        .expect(409);
    let s = t.db.economy_settings(t.fx.municipality).await.unwrap();
    assert_eq!(
        (s.thresholds.percent.to_string(), s.thresholds.amount.to_string(), s.version),
        ("1.5".into(), "100000".into(), 1)
    );
    t.login("lederx")
        .await
        .post("/economy/settings/thresholds", &[("percent", "2"), ("amount", "1"), ("version", "1")])
        .await
        .expect(403);
});

/// Uploads an accounting file through the import form, as bytes.
async fn upload(c: &mut Client, name: &str, body: &[u8]) -> Res {
    let csrf = c.csrf().await;
    let boundary = "rodtradEconomyBoundary";
    let mut multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    multipart.extend_from_slice(body);
    multipart.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    c.send_body(Method::POST, "/economy/import", axum::body::Body::from(multipart), &[("content-type", ct.as_str())])
        .await
}

/// Maps responsibility 1100 to Xskolen and 1200 to Yskolen through the mapping page.
async fn map_codes(t: &TestApp, c: &mut Client) {
    let l = lines(t).await;
    let (x, y) = (format!("codes_{}", t.fx.unit_x), format!("codes_{}", t.fx.unit_y));
    let names: Vec<(String, String)> = l
        .iter()
        .zip([("Lønn", "10"), ("Andre driftsutgifter", "11, 12, 13, 14, 15"), ("Inntekter", "16,17,18,19")])
        .flat_map(|(id, (n, p))| {
            [(format!("line_name_{id}"), n.to_owned()), (format!("line_prefixes_{id}"), p.to_owned())]
        })
        .collect();
    let mut form: Vec<(&str, &str)> = vec![
        ("version", "0"),
        ("responsibility", "Ansvar"),
        ("account", "Art"),
        ("period", "Periode"),
        ("amount", "Beløp"),
        (x.as_str(), "1100"),
        (y.as_str(), "1200, 1201"),
    ];
    form.extend(names.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    c.post("/economy/settings/mapping", &form).await.expect(303);
    // A code given to two units is refused with the values kept.
    let mut twice = form.clone();
    twice[0] = ("version", "1");
    twice[6] = (y.as_str(), "1100");
    c.post("/economy/settings/mapping", &twice).await.expect(422).contains("gitt til to enheter");
}

both!(an_import_names_every_bad_row_and_stores_only_a_whole_valid_file, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut staff = t.login("styring").await;
    map_codes(&t, &mut staff).await;
    // Windows-1252 (the ø of Beløp), semicolons, decimal comma: every bad row named, nothing stored.
    let mut bad = b"Ansvar;Art;Periode;Bel\xf8p\r\n".to_vec();
    bad.extend_from_slice(
        b"1100;10100;2026-01;1 000,50\r\n9999;10100;2026-01;1\r\n1100;77000;2026-01;1\r\n1100;10100;2026-02;tolv\r\n\
          1200;11000;2026-13;1\r\n1200;11000;2026-02;1\r\n1200;11000;2026-02;2\r\n1200;11000\r\n",
    );
    let res = upload(&mut staff, "feil.csv", &bad).await.expect(422);
    res.contains("Ingenting er lagret")
        .contains("Ukjent ansvar «9999»")
        .contains("Ukjent art «77000»")
        .contains("«tolv» er ikke et beløp")
        .contains("«2026-13» er ikke en måned")
        .contains("Samme ansvar, art og periode som rad 7")
        .contains("Raden har 2 kolonner; overskriften har 4");
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM economy_imports").await, 0);
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM economy_actuals").await, 0);
    // Wrong columns name the missing one.
    upload(&mut staff, "kolonner.csv", "Ansvar;Konto;Periode;Beløp\n1100;10100;2026-01;1\n".as_bytes())
        .await
        .expect(422)
        .contains("Kolonnen «Art» mangler");

    // UTF-8 with BOM, commas, quoted decimal commas with non-breaking spaces: previewed, not stored.
    let good = "\u{feff}Ansvar,Art,Periode,Beløp\n1100,10100,2026-01,\"1\u{a0}000,50\"\n1100,10200,2026-01,\"0,01\"\n\
                1201,16000,01.2026,-300\n1200,11000,2026-02,\"2 000\"\n";
    let preview = upload(&mut staff, "jan.csv", good.as_bytes()).await.expect(200);
    preview.contains("4 rader").contains("2026-01, 2026-02").contains("1\u{a0}000,51").contains("Yskolen");
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM economy_actuals").await, 0);
    let id = scalar(&t, "SELECT MAX(id) FROM economy_imports").await;
    let before = t.audit_count().await;
    staff.post(&format!("/economy/uploads/{id}/confirm"), &[]).await.expect(303);
    assert_eq!(t.audit_count().await, before + 1);
    staff.post(&format!("/economy/uploads/{id}/confirm"), &[]).await.expect(422).contains("allerede lagret");
    let l = t.db.economy_lines(fx.municipality).await.unwrap();
    let data = t.db.economy_year(fx.municipality, 2026).await.unwrap();
    let actual = |unit: i64, line: i64, month: i64| {
        data.actuals.iter().find(|a| a.0 == unit && a.1 == line && a.2 == month).map(|a| a.3.to_string())
    };
    assert_eq!(actual(fx.unit_x, l[0].id, 1).as_deref(), Some("1000.51"), "øre kept exactly");
    assert_eq!(actual(fx.unit_y, l[2].id, 1).as_deref(), Some("-300"));
    assert_eq!(actual(fx.unit_y, l[1].id, 2).as_deref(), Some("2000"));

    // An XLSX file replaces the months it covers.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Ansvar", "Art", "Periode", "Beløp"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "1100").unwrap();
    sheet.write_number(1, 1, 10100.0).unwrap();
    sheet.write_string(1, 2, "2026-02").unwrap();
    sheet.write_number(1, 3, 1234.56).unwrap();
    let xlsx = book.save_to_buffer().unwrap();
    upload(&mut staff, "feb.xlsx", &xlsx).await.expect(200).contains("1\u{a0}234,56");
    let id = scalar(&t, "SELECT MAX(id) FROM economy_imports").await;
    staff.post(&format!("/economy/uploads/{id}/confirm"), &[]).await.expect(303);
    let data = t.db.economy_year(fx.municipality, 2026).await.unwrap();
    let feb: Vec<String> = data.actuals.iter().filter(|a| a.2 == 2).map(|a| a.3.to_string()).collect();
    assert_eq!(feb, vec!["1234.56".to_owned()], "February replaced, January kept");
    assert_eq!(data.actuals.iter().filter(|a| a.2 == 1).count(), 2);
    staff.get("/economy/import").await.expect(200).contains("feb.xlsx").contains("jan.csv");
    // Only the staff import.
    t.login("lederx").await.get("/economy/import").await.expect(403);
});
