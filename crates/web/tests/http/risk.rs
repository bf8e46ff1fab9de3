//! Risk management (issue #16 §1): an analysis made through the form, risks scored as likelihood ×
//! consequence and banded by the matrix's thresholds (re-banded when they change), levels outside
//! the matrix refused with nothing changed, the matrix refused fewer levels than a risk uses, a
//! stale edit 409 with the typed text kept, acceptance refused above the leader's authority level,
//! without a leader or with a past expiry, and the risk picture's figures on a crafted tree.

use crate::api::token_client;
use crate::both;
use crate::harness::{Client, Res, TestApp};
use rodtrad_domain::risk::{Matrix, RiskItemDraft};
use rodtrad_store::{Author, on_db};

async fn scalar(t: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    on_db!(&t.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

/// A risk's form fields: description and the six levels (inherent, current, residual).
fn fields(description: &str, levels: [&str; 6]) -> Vec<(&'static str, String)> {
    let names = [
        "inherent_likelihood",
        "inherent_consequence",
        "current_likelihood",
        "current_consequence",
        "residual_likelihood",
        "residual_consequence",
    ];
    let mut out = vec![
        ("description", description.to_owned()),
        ("cause", "Alenearbeid på kveldstid".to_owned()),
        ("consequence_text", "Skade på ansatte".to_owned()),
        ("category", "hms".to_owned()),
        ("category_label", String::new()),
        ("treatment", "reduce".to_owned()),
        ("review_on", "01.10.2027".to_owned()),
    ];
    out.extend(names.iter().zip(levels).map(|(n, v)| (*n, v.to_owned())));
    out
}

async fn post(c: &mut Client, path: &str, f: &[(&'static str, String)]) -> Res {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(path, &pairs).await
}

/// Makes school X's analysis of 2027 through the form as its leader; returns its path.
async fn make_analysis(t: &TestApp, c: &mut Client) -> String {
    let unit = t.fx.unit_x.to_string();
    let res = c.post("/risk", &[("unit_id", unit.as_str()), ("year", "2027")]).await.expect(303);
    let path = res.location().to_owned();
    assert!(path.starts_with("/risk/analyses/"), "{path}");
    path
}

fn author(t: &TestApp) -> Author {
    Author { municipality_id: t.fx.municipality, user_id: None, name: "Test".into() }
}

/// Adds a risk with current likelihood `l` and consequence `c` through the store.
async fn risk(t: &TestApp, analysis: i64, l: u8, c: u8) -> i64 {
    let (l, c) = (l.to_string(), c.to_string());
    let draft = RiskItemDraft {
        description: format!("Risiko {l}×{c}"),
        category: "services".into(),
        inherent_likelihood: l.clone(),
        inherent_consequence: c.clone(),
        current_likelihood: l,
        current_consequence: c,
        residual_likelihood: "1".into(),
        residual_consequence: "1".into(),
        treatment: "reduce".into(),
        ..RiskItemDraft::default()
    };
    let item = draft.parse(&Matrix::default()).unwrap();
    let a = Author {
        municipality_id: scalar(t, &format!("SELECT municipality_id FROM risk_analyses WHERE id = {analysis}")).await,
        ..author(t)
    };
    t.db.risk_item_save(&a, analysis, None, 0, Some((&item, &[][..]))).await.unwrap().0
}

both!(risks_are_scored_and_banded_and_levels_outside_the_matrix_change_nothing, |t: TestApp| async move {
    let mut leader = t.login("lederx").await;
    // Only those who edit the unit make its analysis.
    let unit = t.fx.unit_x.to_string();
    t.login("ansattx").await.post("/risk", &[("unit_id", unit.as_str()), ("year", "2027")]).await.expect(403);
    t.login("ledery").await.post("/risk", &[("unit_id", unit.as_str()), ("year", "2027")]).await.expect(403);
    let path = make_analysis(&t, &mut leader).await;
    leader
        .post("/risk", &[("unit_id", unit.as_str()), ("year", "2027")])
        .await
        .expect(422)
        .contains("Enheten har allerede en risikoanalyse for dette året");
    leader
        .post("/risk", &[("unit_id", unit.as_str()), ("year", "27")])
        .await
        .expect(422)
        .contains("«27» er ikke et år");
    let add = format!("{path}/risks");
    // Current 4 × 5 = 20: critical; 2 × 3 = 6: medium.
    post(&mut leader, &add, &fields("Vold og trusler", ["5", "5", "4", "5", "2", "4"])).await.expect(303);
    post(&mut leader, &add, &fields("Feil i timeplanen", ["2", "3", "2", "3", "1", "3"])).await.expect(303);
    let page = leader.get(&path).await.expect(200);
    page.contains("ROS 2027 – Xskolen")
        .contains("role=\"img\" aria-labelledby=\"heat-title heat-desc\"")
        .contains("2 risikoer plassert i en matrise med 5 sannsynlighetsnivåer og 5 konsekvensnivåer")
        .contains("4 × 5 = 20 <span class=\"band-cell band-critical\">Kritisk</span>")
        .contains("2 × 3 = 6 <span class=\"band-cell band-medium\">Middels</span>")
        .contains("5 × 5 = 25")
        .contains("Aksept krever: Kommunedirektøren (ledernivå 1).")
        .contains("Sannsynlighet 4, konsekvens 5 (skår 20, Kritisk): 1 risikoer");
    assert_eq!(page.body.matches("<rect class=\"cell band-").count(), 25);
    // The same numbers in the table: the row of likelihood 4 has its one risk under consequence 5.
    page.contains("<th scope=\"row\">4 – Sannsynlig</th><td class=\"band-cell band-low\">0 <span class=\"band-name\">(Lav)</span></td>")
        .contains("<td class=\"band-cell band-critical\">1 <span class=\"band-name\">(Kritisk)</span></td></tr>");
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM risk_items").await, 2);
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'risk_item'").await, 2);

    // Likelihood 6 and consequence 0 are outside the 5 × 5 matrix: 422, the values kept, nothing written.
    let mut api = token_client(&t, "lederx").await;
    let before = (t.audit_count().await, scalar(&t, "SELECT COUNT(*) FROM risk_items").await);
    post(&mut leader, &add, &fields("Datainnbrudd", ["6", "3", "3", "0", "1", "1"]))
        .await
        .expect(422)
        .contains("Sannsynligheten må være et helt tall fra 1 til 5, ikke «6»")
        .contains("Konsekvensen må være et helt tall fra 1 til 5, ikke «0»")
        .contains("value=\"Datainnbrudd\"")
        .contains("Alenearbeid på kveldstid");
    post(&mut leader, &add, &fields("Datainnbrudd", ["3", "3", "2", "2", "3", "3"]))
        .await
        .expect(422)
        .contains("Restrisikoen (9) kan ikke være høyere enn dagens risiko (4)");
    // The API refuses the same, naming the field.
    let id = scalar(&t, "SELECT MIN(id) FROM risk_items").await;
    let body = serde_json::json!({
        "version": 1, "description": "Vold", "category": "hms", "treatment": "reduce",
        "inherent": [5, 5], "current": [9, 5], "residual": [1, 1]
    });
    let ct = [("content-type", "application/json")];
    let res = api.send(axum::http::Method::PUT, &format!("/api/v1/risk/risks/{id}"), Some(body.to_string()), &ct).await;
    let res = res.expect(422);
    assert_eq!(res.json()["field"], "current_likelihood");
    assert_eq!(before, (t.audit_count().await, scalar(&t, "SELECT COUNT(*) FROM risk_items").await));

    // The API reads scores and bands.
    let json = api.get(&format!("/api/v1/{}", path.trim_start_matches('/'))).await.expect(200).json();
    let risks = json["risks"].as_array().unwrap();
    assert_eq!((risks[0]["score"].as_i64(), risks[0]["band"].as_str()), (Some(20), Some("critical")));
    assert_eq!((risks[1]["score"].as_i64(), risks[1]["band"].as_str()), (Some(6), Some("medium")));

    // A stale edit: 409 with the typed text kept, nothing changed.
    let edit = format!("/risk/risks/{id}");
    let form = leader.get(&edit).await.expect(200);
    assert_eq!(form.input_value("version").as_deref(), Some("1"));
    let mut first = fields("Vold og trusler mot lærere", ["5", "5", "4", "5", "2", "4"]);
    first.push(("version", "1".into()));
    post(&mut leader, &edit, &first).await.expect(303);
    let mut second = fields("Vold og trusler – andre forsøk", ["5", "5", "4", "5", "2", "4"]);
    second.push(("version", "1".into()));
    post(&mut leader, &edit, &second).await.expect(409).contains("value=\"Vold og trusler – andre forsøk\"");
    assert_eq!(scalar(&t, &format!("SELECT version FROM risk_items WHERE id = {id}")).await, 2);

    // The matrix: the staff only; it cannot lose a level in use; new thresholds re-band every risk.
    let mut staff = t.login("styring").await;
    let three = [
        ("version", "0"),
        ("likelihood", "Lav\nMiddels\nHøy"),
        ("consequence", "Liten\nMiddels\nStor\nSvært stor\nKritisk"),
        ("medium", "3"),
        ("high", "6"),
        ("critical", "10"),
    ];
    leader.post("/risk/matrix", &three).await.expect(403);
    staff.post("/risk/matrix", &three).await.expect(422).contains("En risiko bruker nivå 5");
    let mut higher = vec![("version", "0"), ("medium", "5"), ("high", "10"), ("critical", "21")];
    higher.push(("likelihood", "A\nB\nC\nD\nE"));
    higher.push(("consequence", "A\nB\nC\nD\nE"));
    staff.post("/risk/matrix", &higher).await.expect(303);
    staff.post("/risk/matrix", &higher).await.expect(409);
    leader.get(&path).await.expect(200).contains("4 × 5 = 20 <span class=\"band-cell band-high\">Høy</span>");
    t.login("ansattx").await.get("/risk/matrix").await.expect(200).contains("21–25").lacks("action=\"/risk/matrix\"");
});

both!(acceptance_needs_the_bands_authority_level_and_an_expiry_after_today, |t: TestApp| async move {
    let mut leader = t.login("lederx").await;
    let path = make_analysis(&t, &mut leader).await;
    let analysis: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let critical = risk(&t, analysis, 4, 5).await;
    let high = risk(&t, analysis, 3, 4).await;
    let medium = risk(&t, analysis, 2, 3).await;
    let accept = |id: i64| format!("/risk/risks/{id}/accept");
    let future = (chrono::Utc::now().date_naive() + chrono::Duration::days(200)).format("%d.%m.%Y").to_string();
    let (mut staff, mut other) = (t.login("styring").await, t.login("ledery").await);
    let before = t.audit_count().await;
    // The school's leader is at leader level 3: not for a critical or high risk.
    leader
        .post(&accept(critical), &[("version", "1"), ("expires_on", future.as_str())])
        .await
        .expect(422)
        .contains("Risikoen krever aksept på ledernivå 1 eller høyere; du er på ledernivå 3.");
    leader
        .post(&accept(high), &[("version", "1"), ("expires_on", future.as_str())])
        .await
        .expect(422)
        .contains("Risikoen krever aksept på ledernivå 2 eller høyere");
    // An expiry today or before, or none.
    let today = chrono::Utc::now().date_naive().format("%d.%m.%Y").to_string();
    leader
        .post(&accept(medium), &[("version", "1"), ("expires_on", today.as_str())])
        .await
        .expect(422)
        .contains("Aksepten må utløpe etter i dag");
    leader
        .post(&accept(medium), &[("version", "1"), ("expires_on", "")])
        .await
        .expect(422)
        .contains("Oppgi når aksepten utløper");
    // The staff edit the analysis but lead no unit in its line.
    staff
        .post(&accept(medium), &[("version", "1"), ("expires_on", future.as_str())])
        .await
        .expect(422)
        .contains("Bare en leder for enheten eller en enhet over den kan akseptere risikoen");
    // Someone outside the line is refused before any rule.
    other.post(&accept(medium), &[("version", "1"), ("expires_on", future.as_str())]).await.expect(403);
    assert_eq!(t.audit_count().await, before);
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM risk_items WHERE accepted_level IS NOT NULL").await, 0);

    // The leader accepts the medium risk; the director (level 2) the high one, not the critical.
    leader.post(&accept(medium), &[("version", "1"), ("expires_on", future.as_str())]).await.expect(303);
    let mut director = t.login("direktor").await;
    director.post(&accept(high), &[("version", "1"), ("expires_on", future.as_str())]).await.expect(303);
    director
        .post(&accept(critical), &[("version", "1"), ("expires_on", future.as_str())])
        .await
        .expect(422)
        .contains("ledernivå 1");
    // A stale version is 409.
    director.post(&accept(high), &[("version", "1"), ("expires_on", future.as_str())]).await.expect(409);
    let page = leader.get(&path).await.expect(200);
    page.contains("(ledernivå 3) til").contains("(ledernivå 2) til");
    assert_eq!(scalar(&t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'risk_item' AND action = 'accept'").await, 2);
    // An acceptance given at level 3 no longer holds once the risk rises to high.
    rodtrad_store::on_db!(&t.db, pool => {
        sqlx::query("UPDATE risk_items SET current_likelihood = 4, inherent_likelihood = 4 WHERE id = $1")
            .bind(medium).execute(pool).await.unwrap();
    });
    leader.get(&path).await.expect(200).contains("Aksepten gjelder ikke lenger");
});

both!(the_risk_picture_adds_up_a_crafted_tree, |t: TestApp| async move {
    let fx = t.fx.clone();
    let a = author(&t);
    let mut at = std::collections::HashMap::new();
    for unit in [fx.root, fx.area, fx.unit_x, fx.dept_x, fx.unit_y] {
        at.insert(unit, t.db.risk_analysis_create(&a, unit, 2027, "").await.unwrap());
    }
    // Scores: municipality 9; area 16; school X 20, 4, 12; its department 6, 25; school Y 10, 1.
    risk(&t, at[&fx.root], 3, 3).await;
    risk(&t, at[&fx.area], 4, 4).await;
    let x20 = risk(&t, at[&fx.unit_x], 4, 5).await;
    risk(&t, at[&fx.unit_x], 2, 2).await;
    let x12 = risk(&t, at[&fx.unit_x], 3, 4).await;
    risk(&t, at[&fx.dept_x], 2, 3).await;
    let d25 = risk(&t, at[&fx.dept_x], 5, 5).await;
    risk(&t, at[&fx.unit_y], 2, 5).await;
    risk(&t, at[&fx.unit_y], 1, 1).await;
    // Another year and another municipality do not count.
    let other_year = t.db.risk_analysis_create(&a, fx.unit_x, 2026, "").await.unwrap();
    risk(&t, other_year, 5, 5).await;
    let b = Author { municipality_id: fx.other_municipality, user_id: None, name: "B".into() };
    let b_analysis = t.db.risk_analysis_create(&b, fx.other_root, 2027, "").await.unwrap();
    risk(&t, b_analysis, 5, 5).await;

    let mut api = token_client(&t, "styring").await;
    let p = api.get("/api/v1/risk/picture?year=2027").await.expect(200).json();
    let tally = |v: &serde_json::Value| {
        ["low", "medium", "high", "critical", "total", "significant", "highest"].map(|k| v[k].as_i64().unwrap_or(-1))
    };
    assert_eq!(tally(&p["total"]), [2, 2, 2, 3, 9, 5, 25]);
    let unit = |id: i64| p["units"].as_array().unwrap().iter().find(|u| u["unit_id"] == id).unwrap()["tally"].clone();
    assert_eq!(tally(&unit(fx.area)), [2, 1, 2, 3, 8, 5, 25]);
    assert_eq!(tally(&unit(fx.unit_x)), [1, 1, 1, 2, 5, 3, 25]);
    assert_eq!(tally(&unit(fx.dept_x)), [0, 1, 0, 1, 2, 1, 25]);
    assert_eq!(tally(&unit(fx.unit_y)), [1, 0, 1, 0, 2, 1, 10]);
    assert_eq!(p["counts"][24], 1, "one risk in the 5 × 5 cell");
    // School X's subtree: its significant risks, highest first.
    let x = api.get(&format!("/api/v1/risk/picture?year=2027&unit={}", fx.unit_x)).await.expect(200).json();
    assert_eq!(tally(&x["total"]), [1, 1, 1, 2, 5, 3, 25]);
    assert_eq!(x["significant"], serde_json::json!([d25, x20, x12]));

    // The page shows the same figures; the employee sees no picture, the politician the figures but
    // no unit's risks.
    let page = t.login("styring").await.get("/risk?year=2027").await.expect(200);
    page.contains("Risikobildet for kommunen 2027")
        .contains(">Xskolen</a></th><td>1</td><td>1</td><td>1</td><td>2</td><td>5</td><td>3</td><td>25</td>")
        .contains("9 risikoer plassert i en matrise");
    t.login("ansattx").await.get("/risk?year=2027").await.expect(200).lacks("id=\"tallies\"");
    t.login("politiker")
        .await
        .get("/risk?year=2027")
        .await
        .expect(200)
        .contains("id=\"tallies\"")
        .contains("Ingen vesentlige risikoer");
    token_client(&t, "ansattx").await.get("/api/v1/risk/picture?year=2027").await.expect(403);
});

both!(the_demo_has_a_risk_analysis_per_unit_with_accepted_and_linked_risks, |t: TestApp| async move {
    use rodtrad_store::password::HashCost;
    let cost = HashCost { memory_kib: 1024, iterations: 1 };
    let mid = rodtrad_store::demo::load(&t.db, cost).await.unwrap().municipality_id;
    let units = scalar(&t, &format!(
        "SELECT COUNT(*) FROM org_units WHERE municipality_id = {mid} AND kind IN ('municipality', 'service_area', 'unit')"
    ))
    .await;
    assert_eq!(scalar(&t, &format!("SELECT COUNT(*) FROM risk_analyses WHERE municipality_id = {mid}")).await, units);
    let per = "SELECT COUNT(*) AS n FROM risk_items GROUP BY analysis_id";
    assert_eq!(scalar(&t, &format!("SELECT MIN(n) FROM ({per}) s")).await, 6);
    assert_eq!(scalar(&t, &format!("SELECT MAX(n) FROM ({per}) s")).await, 8);
    for category in ["hms", "information_security", "corruption", "own"] {
        let n = scalar(&t, &format!("SELECT COUNT(*) FROM risk_items WHERE category = '{category}'")).await;
        assert!(n > 0, "no {category} risk");
    }
    // Accepted risks hold until the end of next year, at levels 2 (directors) and 3 (unit leaders).
    assert!(scalar(&t, "SELECT COUNT(*) FROM risk_items WHERE accepted_level = 3").await > 0);
    assert!(scalar(&t, "SELECT COUNT(*) FROM risk_items WHERE accepted_level = 2").await > 0);
    assert!(scalar(&t, "SELECT COUNT(*) FROM risk_item_measures").await > 0);
    let mut c = t.client();
    c.login("kommunedirektor@demo.rodtrad.no", rodtrad_store::demo::DEMO_PASSWORD).await.expect(303);
    c.get("/risk").await.expect(200).contains("id=\"tallies\"").contains("id=\"significant-risks\"");
});
