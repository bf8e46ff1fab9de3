//! Indicators (issue #14 §1–3): definitions with targets and bands, values with who entered them,
//! 409 on stale versions, the progress class on crafted series (every class), the chart and its
//! table, CSV/XLSX of the values, the API, who may write, and the import with its preview.

use crate::api::json;
use crate::both;
use crate::harness::{Client, Res, TestApp};
use crate::plans::{new_element, new_plan};
use axum::body::Body;
use axum::http::Method;

/// A unit plan of school X with a main goal, a sub-goal and an indicator under it; returns (plan, indicator).
async fn indicator(c: &mut Client, unit: i64, text: &str) -> (i64, i64) {
    let plan = new_plan(c, "unit_plan", &format!("Plan for {text}"), Some(unit), &[]).await;
    let goal = new_element(c, plan, None, "main_goal", "Elevene lærer").await;
    let sub = new_element(c, plan, Some(goal), "sub_goal", "Elevene trives").await;
    (plan, new_element(c, plan, Some(sub), "indicator", text).await)
}

async fn define(c: &mut Client, id: i64, direction: &str, baseline: (&str, &str), targets: &str) -> Res {
    let version = c
        .get(&format!("/elements/{id}/indicator/definition"))
        .await
        .expect(200)
        .input_value("version")
        .unwrap_or_default();
    c.post(
        &format!("/elements/{id}/indicator/definition"),
        &[
            ("description", "Andel elever som svarer at de trives"),
            ("unit", "%"),
            ("chain", "outcome"),
            ("direction", direction),
            ("source", "survey"),
            ("frequency", "yearly"),
            ("owner", ""),
            ("baseline_year", baseline.0),
            ("baseline_value", baseline.1),
            ("targets", targets),
            ("version", &version),
        ],
    )
    .await
}

async fn enter(c: &mut Client, id: i64, period: &str, value: &str) -> Res {
    c.post(
        &format!("/elements/{id}/indicator/values"),
        &[("period", period), ("value", value), ("comment", "Målt i høst"), ("version", "")],
    )
    .await
}

both!(a_definition_with_targets_and_values_gives_progress, |t: TestApp| async move {
    let mut x = t.login("lederx").await;
    let (plan, id) = indicator(&mut x, t.fx.unit_x, "Andel elever som trives").await;
    let page = format!("/elements/{id}/indicator");
    x.get(&page).await.expect(200).contains("Indikatoren er ikke definert ennå.").contains("For lite data");
    // The element page and the plan page lead here.
    x.get(&format!("/elements/{id}")).await.expect(200).contains(&format!("href=\"{page}\""));
    x.get(&format!("/plans/{plan}")).await.expect(200).contains(&format!("/plans/{plan}/indicators"));

    // Bad input: 422, every value kept, nothing written.
    let before = t.audit_count().await;
    let bad = define(&mut x, id, "higher", ("2020", "70"), "2026: 90 / 95\n2030: 95").await.expect(422);
    bad.contains("Laveste akseptable verdi kan ikke være bedre enn ønsket verdi.")
        .contains("2030: 95")
        .contains("Andel elever som svarer at de trives");
    define(&mut x, id, "higher", ("20x0", "70"), "").await.expect(422).contains("Skriv et år mellom 1900 og 2200.");
    define(&mut x, id, "higher", ("2020", "70"), "2026 90")
        .await
        .expect(422)
        .contains("Linje 1 i målene kan ikke leses.");
    assert_eq!(t.audit_count().await, before);

    define(&mut x, id, "higher", ("2020", "70"), "2026: 90 / 80\n2030: 95").await.expect(303);
    let shown = x.get(&page).await.expect(200);
    shown
        .contains("Høyere er bedre")
        .contains("Brukereffekter")
        .contains("Spørreundersøkelse")
        .contains("70 (2020)")
        .contains("Laveste akseptable");
    assert_eq!(t.audit_count().await, before + 1);

    // A stale definition save is refused with 409 and the text kept.
    let stale = [
        ("description", "Ny tekst fra et gammelt skjema"),
        ("unit", "%"),
        ("chain", "outcome"),
        ("direction", "higher"),
        ("source", "survey"),
        ("frequency", "yearly"),
        ("baseline_year", "2020"),
        ("baseline_value", "70"),
        ("targets", ""),
        ("version", "0"),
    ];
    x.post(&format!("/elements/{id}/indicator/definition"), &stale)
        .await
        .expect(409)
        .contains("Ny tekst fra et gammelt skjema");

    // Values: the progress follows the series.
    enter(&mut x, id, "2021", "74").await.expect(303);
    x.get(&page).await.expect(200).contains("For lite data");
    enter(&mut x, id, "2022", "77,5").await.expect(303);
    let shown = x.get(&page).await.expect(200);
    shown.contains("data-progress=\"on_track\"").contains("77,5").contains("Målt i høst").contains("lederx");
    // The chart names itself and describes the figures; the same figures are in the table.
    shown
        .contains("role=\"img\"")
        .contains("<title id=\"ind-")
        .contains("Linjediagram med 2 verdier")
        .contains("Verdiene i diagrammet");

    // A value for a period that exists, sent as new, is a conflict; so is a stale version.
    enter(&mut x, id, "2022", "60").await.expect(409).contains("Noen har registrert eller endret verdien");
    let rows = t.db.indicator_value_rows(t.fx.municipality, id).await.unwrap();
    let v2022 = rows.iter().find(|r| r.period == "2022").unwrap();
    assert_eq!(v2022.value, Some(77.5));
    let stale_version = (v2022.version - 1).to_string();
    let form = [("period", "2022"), ("value", "60"), ("comment", ""), ("version", stale_version.as_str())];
    x.post(&format!("/elements/{id}/indicator/values"), &form).await.expect(409);
    let current = v2022.version.to_string();
    let form = [("period", "2022"), ("value", "71"), ("comment", "Rettet"), ("version", current.as_str())];
    x.post(&format!("/elements/{id}/indicator/values"), &form).await.expect(303);
    // 70 → 71 in two years against 70 → 90 by 2026: slower than needed.
    x.get(&page).await.expect(200).contains("data-progress=\"off_track\"").contains("Rettet");

    // Bad values: 422 with the input kept, nothing written.
    let before = t.audit_count().await;
    enter(&mut x, id, "2023", "mange").await.expect(422).contains("Skriv et tall").contains("value=\"mange\"");
    enter(&mut x, id, "23", "80").await.expect(422).contains("Skriv perioden som år");
    assert_eq!(t.audit_count().await, before);

    // The API says the same.
    let api = x.get(&format!("/api/v1/elements/{id}/indicator")).await.expect(200).json();
    assert_eq!(api["progress"]["class"], "off_track");
    assert_eq!(api["definition"]["direction"], "higher");
    assert_eq!(api["targets"][0]["acceptable"], 80.0);
    assert_eq!(api["values"].as_array().unwrap().len(), 2);
    let list = x.get(&format!("/api/v1/plans/{plan}/indicators")).await.expect(200).json();
    assert_eq!(list[0]["id"], id);

    // CSV and XLSX carry the values in the columns the import reads back.
    let csv = x.get(&format!("/elements/{id}/indicator/values.csv")).await.expect(200);
    assert!(csv.body.contains("Indikator-id;Indikator;Periode;Verdi;Kommentar;Registrert av"), "{}", csv.body);
    assert!(csv.body.contains(&format!("{id};Andel elever som trives;2022;71;Rettet;lederx")), "{}", csv.body);
    let xlsx = x.get(&format!("/elements/{id}/indicator/values.xlsx")).await.expect(200);
    let table = rodtrad_service::indicators::import::read_file(&xlsx.bytes).unwrap();
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[1].1[3], "71");
});

both!(who_may_define_and_enter_values, |t: TestApp| async move {
    let mut x = t.login("lederx").await;
    let (_, id) = indicator(&mut x, t.fx.unit_x, "Sykefravær").await;
    define(&mut x, id, "lower", ("2020", "8"), "2026: 6").await.expect(303);
    // The school's employee reads but does not write; another school's leader likewise.
    let mut e = t.login("ansattx").await;
    let mut y = t.login("ledery").await;
    let mut y_api = crate::api::token_client(&t, "ledery").await;
    e.get(&format!("/elements/{id}/indicator")).await.expect(200).lacks("Registrer verdi");
    e.get(&format!("/elements/{id}/indicator/definition")).await.expect(403);
    let before = t.audit_count().await;
    enter(&mut e, id, "2021", "7").await.expect(403);
    enter(&mut y, id, "2021", "7").await.expect(403);
    json(
        &mut y_api,
        Method::POST,
        &format!("/api/v1/elements/{id}/indicator/values"),
        serde_json::json!({"period": "2021", "value": 7.0}),
    )
    .await
    .expect(403);
    assert_eq!(t.audit_count().await, before);
    // Made the indicator's owner, the employee enters values but still does not define.
    let version =
        x.get(&format!("/elements/{id}/indicator/definition")).await.expect(200).input_value("version").unwrap();
    let owner = t.fx.employee_x.to_string();
    let form = [
        ("description", ""),
        ("unit", "%"),
        ("chain", "input"),
        ("direction", "lower"),
        ("source", "manual"),
        ("frequency", "yearly"),
        ("owner", owner.as_str()),
        ("baseline_year", "2020"),
        ("baseline_value", "8"),
        ("targets", "2026: 6"),
        ("version", version.as_str()),
    ];
    x.post(&format!("/elements/{id}/indicator/definition"), &form).await.expect(303);
    e.get(&format!("/elements/{id}/indicator")).await.expect(200).contains("Registrer verdi").contains("Erik Ansatt");
    enter(&mut e, id, "2021", "7").await.expect(303);
    e.get(&format!("/elements/{id}/indicator/definition")).await.expect(403);
    // Another municipality's administrator does not find it.
    let mut b = t.client();
    b.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    b.get(&format!("/elements/{id}/indicator")).await.expect(404);
    // An element that is no indicator has no indicator page.
    let goal = t.db.element(t.fx.municipality, id).await.unwrap().parent_id.unwrap();
    x.get(&format!("/elements/{goal}/indicator")).await.expect(404);
});

/// Direction, baseline, target, values by year, expected class.
type Case = (&'static str, f64, f64, &'static [(i32, f64)], &'static str);

both!(every_progress_class_on_crafted_series, |t: TestApp| async move {
    let mut x = t.login("lederx").await;
    let mut api = crate::api::token_client(&t, "lederx").await;
    let plan = new_plan(&mut x, "unit_plan", "Plan med indikatorer", Some(t.fx.unit_x), &[]).await;
    let goal = new_element(&mut x, plan, None, "main_goal", "Mål").await;
    let sub = new_element(&mut x, plan, Some(goal), "sub_goal", "Delmål").await;
    // (direction, baseline, target, values, expected class); from 50 (2020) to 70 (2030) needs 3.4 % a year.
    let cases: [Case; 7] = [
        ("higher", 50.0, 70.0, &[(2021, 52.0), (2022, 54.0)], "on_track"),
        ("higher", 50.0, 70.0, &[(2021, 51.0), (2022, 52.6)], "moderate"),
        ("higher", 50.0, 70.0, &[(2021, 50.5), (2022, 51.0)], "off_track"),
        ("higher", 50.0, 70.0, &[(2021, 49.0), (2022, 48.0)], "moving_away"),
        ("lower", 100.0, 33.0, &[(2015, 60.0), (2020, 30.0)], "target_met"),
        ("higher", 50.0, 70.0, &[(2022, 55.0)], "insufficient_data"),
        ("higher", 0.0, 10.0, &[(2021, 1.0), (2022, 2.0)], "on_track"),
    ];
    let mut ids = Vec::new();
    for (i, (direction, base, target, values, _)) in cases.iter().enumerate() {
        let id = new_element(&mut x, plan, Some(sub), "indicator", &format!("Indikator {i}")).await;
        let body = serde_json::json!({
            "chain": "outcome", "direction": direction, "source": "manual", "frequency": "yearly",
            "baseline_year": 2020, "baseline_value": base,
            "targets": [{"year": 2030, "desired": target, "acceptable": null}],
        });
        let body = if *direction == "lower" {
            let mut b = body;
            b["baseline_year"] = 2009.into();
            b
        } else {
            body
        };
        json(&mut api, Method::PUT, &format!("/api/v1/elements/{id}/indicator"), body).await.expect(200);
        for (year, value) in values.iter() {
            json(
                &mut api,
                Method::POST,
                &format!("/api/v1/elements/{id}/indicator/values"),
                serde_json::json!({"period": year.to_string(), "value": value}),
            )
            .await
            .expect(200);
        }
        ids.push(id);
    }
    for (id, case) in ids.iter().zip(&cases) {
        let got = api.get(&format!("/api/v1/elements/{id}/indicator")).await.expect(200).json();
        assert_eq!(got["progress"]["class"], case.4, "{case:?}: {got}");
    }
    let zero = api.get(&format!("/api/v1/elements/{}/indicator", ids[6])).await.expect(200).json();
    assert_eq!(zero["progress"]["method"], "linear");
    // The plan's list shows each class.
    let list = x.get(&format!("/plans/{plan}/indicators")).await.expect(200);
    for class in ["on_track", "moderate", "off_track", "moving_away", "target_met", "insufficient_data"] {
        list.contains(&format!("data-progress=\"{class}\""));
    }
    // The API refuses a bad write with 422 and a stale one with 409.
    let id = ids[0];
    json(
        &mut api,
        Method::PUT,
        &format!("/api/v1/elements/{id}/indicator"),
        serde_json::json!({"chain": "x", "direction": "higher", "source": "manual", "frequency": "yearly"}),
    )
    .await
    .expect(422);
    json(&mut api, Method::PUT, &format!("/api/v1/elements/{id}/indicator"), serde_json::json!({"chain": "impact", "direction": "higher", "source": "manual", "frequency": "yearly", "version": 99}))
        .await
        .expect(409);
    json(
        &mut api,
        Method::POST,
        &format!("/api/v1/elements/{id}/indicator/values"),
        serde_json::json!({"period": "2022", "value": 1.0}),
    )
    .await
    .expect(409);
});

async fn upload(c: &mut Client, name: &str, content_type: &str, file: &[u8]) -> Res {
    let csrf = c.csrf().await;
    let boundary = "rodtradTestBoundary7MA4YWxk";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    c.send_body(Method::POST, "/indicators/import", Body::from(body), &[("content-type", ct.as_str())]).await
}

async fn confirm(c: &mut Client, preview: &Res) -> Res {
    let rows = preview.input_value("rows").expect("a confirm form");
    let rows = rows
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&");
    c.post("/indicators/import/confirm", &[("rows", rows.as_str()), ("file_name", "f.csv")]).await
}

both!(import_names_every_bad_row_and_stores_nothing_until_valid, |t: TestApp| async move {
    let mut x = t.login("lederx").await;
    let (_, id) = indicator(&mut x, t.fx.unit_x, "Elever som trives").await;
    define(&mut x, id, "higher", ("2020", "70"), "2026: 90").await.expect(303);
    enter(&mut x, id, "2020", "70").await.expect(303);
    // Another school's indicator is unknown to this leader.
    let mut y = t.login("ledery").await;
    let (_, other) = indicator(&mut y, t.fx.unit_y, "Yskolens indikator").await;
    x.get("/indicators/import").await.expect(200).contains("enctype=\"multipart/form-data\"");

    let before = t.audit_count().await;
    let bad = format!(
        "indikator;periode;verdi;kommentar\n\
         {id};2021;72;God\n\
         {other};2021;50;\n\
         99999;2021;50;\n\
         {id};2022;mye;\n\
         {id};2023;120;\n\
         {id};20x4;80;\n\
         {id};2021;73;\n"
    );
    let res = upload(&mut x, "verdier.csv", "text/csv", bad.as_bytes()).await.expect(422);
    res.contains("6 rader har feil")
        .contains("Ukjent indikator")
        .contains("Verdien er ikke et tall")
        .contains("Verdien er utenfor det indikatoren kan ha")
        .contains("Perioden er ikke et år")
        .contains("Samme indikator og periode står på en tidligere linje")
        .lacks("Lagre verdiene");
    assert_eq!(t.audit_count().await, before);
    assert_eq!(t.db.indicator_value_rows(t.fx.municipality, id).await.unwrap().len(), 1);

    // Windows-1252, `;`, decimal comma and a no-break space between thousands (a share of
    // 100 % would be out of range, so the thousands go in a plain indicator's file below).
    let w1252: Vec<u8> =
        [b"Indikator;\xc5r;Verdi;Kommentar\n".as_slice(), format!("{id};2021;72,5;M").as_bytes(), b"\xe5lt i \xf8kt\n"]
            .concat();
    let preview = upload(&mut x, "verdier.csv", "text/csv", &w1252).await.expect(200);
    preview.contains("Alle 1 radene er gyldige").contains("Målt i økt").contains("72,5");
    assert_eq!(t.audit_count().await, before, "a preview stores nothing");
    confirm(&mut x, &preview).await.expect(303);
    let rows = t.db.indicator_value_rows(t.fx.municipality, id).await.unwrap();
    let v = rows.iter().find(|r| r.period == "2021").unwrap();
    assert_eq!((v.value, v.comment.as_deref(), v.origin.as_str()), (Some(72.5), Some("Målt i økt"), "import"));
    assert_eq!(t.audit_count().await, before + 1);

    // UTF-8 with a byte-order mark, `,` between fields, the indicator by name, thousands with NBSP.
    let (_, count) = indicator(&mut x, t.fx.unit_x, "Antall besøk").await;
    let bom = format!("\u{feff}indicator,period,value\nAntall besøk,2022,\"1\u{a0}234,5\"\n{count},2023,\"2 000\"\n");
    let preview = upload(&mut x, "besok.csv", "text/csv", bom.as_bytes()).await.expect(200);
    confirm(&mut x, &preview).await.expect(303);
    let values: Vec<_> =
        t.db.indicator_value_rows(t.fx.municipality, count).await.unwrap().into_iter().map(|v| v.value).collect();
    assert_eq!(values, vec![Some(1234.5), Some(2000.0)]);

    // XLSX: the application's own export reads back (a title row above the heading is skipped).
    let xlsx = x.get(&format!("/elements/{count}/indicator/values.xlsx")).await.expect(200);
    upload(&mut x, "besok.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &xlsx.bytes)
        .await
        .expect(200)
        .contains("Alle 2 radene er gyldige")
        .contains("2\u{a0}000");

    // A file without a value column, and an empty one.
    upload(&mut x, "feil.csv", "text/csv", b"indikator;periode\n1;2020\n")
        .await
        .expect(422)
        .contains("Filen mangler kolonnen «verdi».");
    upload(&mut x, "tom.csv", "text/csv", b"").await.expect(422);

    // A confirmation whose rows were changed after the preview is checked again: nothing stored.
    let before = t.audit_count().await;
    let tampered = serde_json::json!([{
        "line": 2, "indicator": other.to_string(), "element_id": other, "element_text": null, "period": "2024",
        "raw_value": "1", "value": 1.0, "comment": null, "replaces": null, "problem": null
    }]);
    x.post("/indicators/import/confirm", &[("rows", tampered.to_string().as_str()), ("file_name", "f.csv")])
        .await
        .expect(422)
        .contains("Ukjent indikator");
    assert_eq!(t.audit_count().await, before);
    assert!(t.db.indicator_value_rows(t.fx.municipality, other).await.unwrap().is_empty());

    // Employees and politicians have no import.
    let mut e = t.login("ansattx").await;
    e.get("/indicators/import").await.expect(403);
});

async fn post_settings(c: &mut Client, form: Vec<(&'static str, String)>) -> Res {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post("/indicators/settings", &pairs).await
}

both!(configured_thresholds_change_the_class_and_the_explanation, |t: TestApp| async move {
    let mut x = t.login("lederx").await;
    let mut api = crate::api::token_client(&t, "lederx").await;
    let (_, id) = indicator(&mut x, t.fx.unit_x, "Andel elever som trives").await;
    // From 50 (2020) to 70 (2030) needs 3.4 % a year; 51 and 52.6 is about 75 % of that: moderate.
    define(&mut x, id, "higher", ("2020", "50"), "2030: 70").await.expect(303);
    enter(&mut x, id, "2021", "51").await.expect(303);
    enter(&mut x, id, "2022", "52,6").await.expect(303);
    let class = |v: &serde_json::Value| v["progress"]["class"].as_str().unwrap_or_default().to_owned();
    assert_eq!(class(&api.get(&format!("/api/v1/elements/{id}/indicator")).await.expect(200).json()), "moderate");
    x.get(&format!("/elements/{id}/indicator")).await.expect(200).contains("Minst 95 %").lacks("/indicators/settings");

    // Only the staff configure; everyone reads the thresholds in force.
    x.get("/indicators/settings").await.expect(403);
    let before = api.get("/api/v1/indicators/settings").await.expect(200).json();
    assert_eq!((before["on_track"].as_f64(), before["version"].as_i64()), (Some(0.95), Some(0)));
    json(&mut api, Method::PUT, "/api/v1/indicators/settings", before.clone()).await.expect(403);
    let mut s = t.login("styring").await;
    let page = s.get("/indicators/settings").await.expect(200);
    page.contains("value=\"95\"").contains("value=\"60\"");
    let version = page.input_value("version").unwrap();
    let form = |on_track: &'static str, moderate: &'static str, version: String| {
        vec![
            ("on_track", on_track.to_owned()),
            ("moderate", moderate.to_owned()),
            ("moving_away", "0".to_owned()),
            ("min_observations", "2".to_owned()),
            ("method", "compound".to_owned()),
            ("version", version),
        ]
    };
    // Out of order or out of range: 422, the typed values kept, nothing saved.
    let audit = t.audit_count().await;
    post_settings(&mut s, form("50", "60", version.clone()))
        .await
        .expect(422)
        .contains("value=\"50\"")
        .contains("må synke");
    post_settings(&mut s, form("abc", "60", version.clone())).await.expect(422).contains("«abc» er ikke et tall");
    assert_eq!(t.audit_count().await, audit);
    // A valid save; on track from 70 % turns the indicator on track, and its page says so.
    post_settings(&mut s, form("70", "40", version.clone())).await.expect(303);
    assert_eq!(t.audit_count().await, audit + 1);
    assert_eq!(class(&api.get(&format!("/api/v1/elements/{id}/indicator")).await.expect(200).json()), "on_track");
    x.get(&format!("/elements/{id}/indicator")).await.expect(200).contains("Minst 70 %").contains("minst 40 %");
    // The stale form is refused with 409 and its values kept.
    post_settings(&mut s, form("90", "40", version)).await.expect(409).contains("value=\"90\"");
    // The API: 422 for values out of order, 409 for a stale version, 200 back to the defaults.
    let mut staff = crate::api::token_client(&t, "styring").await;
    let now = staff.get("/api/v1/indicators/settings").await.expect(200).json();
    assert_eq!(now["version"], 1);
    let mut bad = now.clone();
    bad["moderate"] = 0.99.into();
    json(&mut staff, Method::PUT, "/api/v1/indicators/settings", bad).await.expect(422);
    json(&mut staff, Method::PUT, "/api/v1/indicators/settings", before.clone()).await.expect(409);
    let mut back = before;
    back["version"] = 1.into();
    let saved = json(&mut staff, Method::PUT, "/api/v1/indicators/settings", back).await.expect(200).json();
    assert_eq!((saved["on_track"].as_f64(), saved["version"].as_i64()), (Some(0.95), Some(2)));
    assert_eq!(class(&api.get(&format!("/api/v1/elements/{id}/indicator")).await.expect(200).json()), "moderate");
});
