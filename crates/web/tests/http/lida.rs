//! Long-term analysis (LIDA, issue #14 §6): a projection uploaded through the form (every bad row
//! named, nothing stored), a scenario made through the form and checked against a hand
//! computation on the page, in CSV and XLSX and over the API; 422 with the values kept, 409 when
//! stale, audit rows, who reads and who edits, and two scenarios compared.

use crate::api::token_client;
use crate::both;
use crate::harness::{Client, Res, TestApp};
use axum::http::Method;
use rodtrad_store::on_db;

async fn scalar(t: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

/// Uploads a projection file with a name through the form on the LIDA page.
async fn upload(c: &mut Client, name: &str, file_name: &str, body: &[u8]) -> Res {
    let csrf = c.csrf().await;
    let boundary = "rodtradLidaBoundary";
    let mut multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n{name}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    multipart.extend_from_slice(body);
    multipart.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    c.send_body(
        Method::POST,
        "/economy/lida/projections",
        axum::body::Body::from(multipart),
        &[("content-type", ct.as_str())],
    )
    .await
}

/// Two years of a projection in SSB's age groups, Norwegian notation, UTF-8 with a BOM.
const PROJECTION: &str = "\u{feff}År;Aldersgruppe;Personer\n\
    2027;0;50\n2027;1-5;300\n2027;6-15;700\n2027;80+;400\n\
    2028;0;52\n2028;1-5;310\n2028;6-15;720\n2028;80+;430\n";

/// The scenario form: kindergarten and nursing home with real growth.
fn scenario_form<'a>(
    projection: &'a str,
    version: &'a str,
    name: &'a str,
    coverage: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("version", version),
        ("name", name),
        ("base_year", "2026"),
        ("projection", projection),
        ("service_0", "Barnehage"),
        ("ages_0", "1-5"),
        ("coverage_0", coverage),
        ("capacity_0", "270"),
        ("operating_cost_0", "200 000"),
        ("investment_cost_0", "1 500 000"),
        ("growth_percent_0", ""),
        ("service_1", "Sykehjem"),
        ("ages_1", "80+"),
        ("coverage_1", "0,125"),
        ("capacity_1", "50"),
        ("operating_cost_1", "1 200 000,50"),
        ("investment_cost_1", "4 000 000"),
        ("growth_percent_1", "2"),
        ("service_2", ""),
        ("ages_2", ""),
    ]
}

both!(a_lida_scenario_on_crafted_data_matches_a_hand_computation, |t: TestApp| async move {
    let mut staff = t.login("styring").await;
    // A file with bad rows: every one named, nothing stored.
    let bad = "år;alder;personer\n2027;1-5;300\n1999;1-5;1\n2027;fem;2\n2027;6-15;-3\n2027;3-7;1\n";
    let before = t.audit_count().await;
    upload(&mut staff, "Feil", "feil.csv", bad.as_bytes())
        .await
        .expect(422)
        .contains("Ingenting er lagret")
        .contains("«1999» er ikke et år fra 2000 til 2100")
        .contains("«fem» er ikke en alder eller aldersgruppe")
        .contains("«-3» er ikke et antall personer")
        .contains("Aldersgruppen 3–7 i 2027 overlapper 1–5")
        .contains("value=\"Feil\"");
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM lida_projections").await, 0);
    assert_eq!(t.audit_count().await, before);
    // A unit manager may not upload.
    t.login("lederx").await.get("/economy/lida").await.expect(200).lacks("/economy/lida/projections\" enctype");
    upload(&mut t.login("lederx").await, "X", "x.csv", PROJECTION.as_bytes()).await.expect(403);

    let res = upload(&mut staff, "SSB 2026", "framskriving.csv", PROJECTION.as_bytes()).await.expect(303);
    let projection_path = res.location().split('?').next().unwrap().to_owned();
    let projection = projection_path.rsplit('/').next().unwrap().to_owned();
    staff
        .get(&projection_path)
        .await
        .expect(200)
        .contains("SSB 2026")
        .contains("80+")
        .contains("1–5")
        .contains("1\u{a0}450")
        .contains("1\u{a0}512");
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM lida_projection_rows").await, 8);
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'lida_projection'").await, 1);

    // A bad coverage: 422, the typed values kept, nothing written.
    let before = t.audit_count().await;
    staff
        .post("/economy/lida/scenarios", &scenario_form(&projection, "0", "Hovedalternativet", "mye"))
        .await
        .expect(422)
        .contains("Rad 1, Dekningsgrad: «mye» er ikke en dekningsgrad fra 0 til 10.")
        .contains("value=\"mye\"")
        .contains("value=\"Hovedalternativet\"")
        .contains("value=\"1 200 000,50\"");
    assert_eq!(t.audit_count().await, before);
    // The leader may not make one.
    t.login("lederx")
        .await
        .post("/economy/lida/scenarios", &scenario_form(&projection, "0", "X", "0,9"))
        .await
        .expect(403);

    let res = staff
        .post("/economy/lida/scenarios", &scenario_form(&projection, "0", "Hovedalternativet", "0,9"))
        .await
        .expect(303);
    let page = res.location().split('?').next().unwrap().to_owned();
    let id = page.rsplit('/').next().unwrap().to_owned();
    // By hand, base year 2026 (capacity 270 kindergarten places, 50 nursing-home places):
    // 2027: kindergarten 300 × 0,9 = 270 places, none new, 270 × 200 000 = 54 000 000; nursing
    //   home 400 × 0,125 = 50 places, none new, 50 × 1 200 000,50 × 1,02 = 61 200 025,50.
    //   Operating 115 200 025,50, investment 0.
    // 2028: kindergarten 310 × 0,9 = 279: 9 new × 1 500 000 = 13 500 000, operating 55 800 000;
    //   nursing home 430 × 0,125 = 53,75 → 54 places: 4 new × 4 000 000 = 16 000 000, operating
    //   54 × 1 200 000,50 × 1,02² = 64 800 027 × 1,0404 = 67 417 948,0908 → 67 417 948,09.
    //   Investment 29 500 000, operating 123 217 948,09.
    let mut pol = t.login("politiker").await;
    pol.get(&page)
        .await
        .expect(200)
        .contains("Scenario: Hovedalternativet")
        .contains("115\u{a0}200\u{a0}025,50")
        .contains("29\u{a0}500\u{a0}000")
        .contains("123\u{a0}217\u{a0}948,09")
        .contains("67\u{a0}417\u{a0}948,09")
        .contains("<svg")
        .contains("Befolkningsframskrivingen har ingen tall for dette året")
        .lacks("/edit\"");
    let csv = staff.get(&format!("{page}/export.csv")).await.expect(200);
    assert!(csv.body.contains("2028;Sykehjem;430;54;54;4;16000000;67417948.09"), "{}", csv.body);
    assert!(csv.body.contains("2028;Sum;;;;;29500000;123217948.09"), "{}", csv.body);
    staff.get(&format!("{page}/export.xlsx")).await.expect(200);
    let mut api = token_client(&t, "politiker").await;
    let json = api.get(&format!("/api/v1/lida/scenarios/{id}")).await.expect(200).json();
    assert_eq!(json["years"][0]["operating"], "115200025.50");
    assert_eq!(json["years"][1]["investment"], "29500000");
    assert_eq!(json["years"][1]["services"][1]["demand"], "54");
    assert_eq!(json["years"][2]["missing"], true);
    assert_eq!(json["investment"], "29500000");
    let list = api.get("/api/v1/lida/scenarios").await.expect(200).json();
    assert_eq!(list[0]["name"], "Hovedalternativet");
    api.get("/api/v1/openapi.json").await.expect(200).contains("/api/v1/lida/scenarios/{scenario}");
    // Employees do not read the analyses.
    t.login("ansattx").await.get(&page).await.expect(403);

    // Editing: the form shows the saved values; a stale save is 409 with the typed name kept.
    let edit = staff.get(&format!("{page}/edit")).await.expect(200);
    edit.contains("value=\"Sykehjem\"").contains("value=\"80+\"").contains("value=\"0.125\"");
    staff.post(&page, &scenario_form(&projection, "1", "Høy dekning", "0,95")).await.expect(303);
    staff
        .post(&page, &scenario_form(&projection, "1", "Gammel versjon", "0,9"))
        .await
        .expect(409)
        .contains("value=\"Gammel versjon\"");
    // An emptied name is refused, and the way back still names the stored scenario (a link
    // without text would fail the accessibility check).
    staff
        .post(&page, &scenario_form(&projection, "2", "", "0,9"))
        .await
        .expect(422)
        .contains(&format!("href=\"{page}\">Høy dekning</a>"));
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'lida_scenario'").await, 2);
    // 2027 at 95 %: 285 kindergarten places, 15 new: 22 500 000 more than the first scenario.
    staff
        .post("/economy/lida/scenarios", &scenario_form(&projection, "0", "Hovedalternativet", "0,9"))
        .await
        .expect(303);
    let second = scalar(&t, "SELECT MAX(id) FROM lida_scenarios").await;
    let compare = staff.get(&format!("/economy/lida/compare?a={second}&b={id}")).await.expect(200);
    compare.contains("Høy dekning").contains("<svg");
    let csv = staff.get(&format!("/economy/lida/compare.csv?a={second}&b={id}")).await.expect(200);
    // 2027: 15 × 1 500 000 + 15 × 200 000 = 25 500 000 more.
    assert!(csv.body.contains("2027;0;115200025.50;22500000;118200025.50;25500000.00"), "{}", csv.body);
    staff.get("/economy/lida/compare.xlsx").await.expect(200);
    pol.get("/economy/lida").await.expect(200).contains("Høy dekning").contains("SSB 2026");
});

both!(the_demo_scenario_covers_twenty_years_of_an_ssb_shaped_projection, |t: TestApp| async move {
    let a = rodtrad_store::Author { municipality_id: t.fx.municipality, user_id: None, name: "Demodata".into() };
    rodtrad_store::demo_lida::load(&t.db, &a).await.unwrap();
    let rows = rodtrad_store::demo_lida::projection_rows();
    assert_eq!(rows.len(), 20 * 8, "2027–2046 in SSB's eight age groups");
    let over_80 = |year: i32| -> i64 {
        rows.iter()
            .filter(|r| r.year == year && r.band.from >= 80)
            .map(|r| r.persons.to_string().parse::<i64>().unwrap())
            .sum()
    };
    assert!(over_80(2046) > over_80(2027) * 2, "the number over 80 more than doubles");
    let mut api = token_client(&t, "politiker").await;
    let list = api.get("/api/v1/lida/scenarios").await.expect(200).json();
    let id = list[0]["id"].as_i64().unwrap();
    let s = api.get(&format!("/api/v1/lida/scenarios/{id}")).await.expect(200).json();
    let years = s["years"].as_array().unwrap();
    assert_eq!((years[0]["year"].as_i64(), years[19]["year"].as_i64()), (Some(2027), Some(2046)));
    assert!(years.iter().all(|y| y["missing"] == false));
    let services: Vec<&str> =
        s["assumptions"].as_array().unwrap().iter().map(|a| a["service"].as_str().unwrap()).collect();
    assert_eq!(services, ["Barnehage", "Grunnskole", "Sykehjem", "Hjemmetjenester"]);
    assert_ne!(s["investment"], "0", "the growth over 80 needs nursing-home places");
    t.login("politiker").await.get(&format!("/economy/lida/scenarios/{id}")).await.expect(200).contains("Sykehjem");
});
