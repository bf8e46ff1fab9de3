//! The JSON API: personal tokens, scoping, and the OpenAPI document.

use crate::both;
use crate::harness::TestApp;

both!(api_tokens_authenticate_and_can_be_revoked, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut x = t.login("lederx").await;
    let page = x.post("/profile/tokens", &[("name", "Power BI"), ("days", "90")]).await.expect(201);
    page.contains("Kopier den nå");
    let start = page.body.find("rt_").expect("token shown once");
    let token = page.body[start..].split('<').next().unwrap().to_owned();
    x.get("/profile").await.expect(200).contains("Power BI").lacks(&token);
    x.post("/profile/tokens", &[("name", ""), ("days", "9999")])
        .await
        .expect(422)
        .contains("Navnet kan ikke være tomt.")
        .contains("1 til 730");

    let mut api = t.client();
    api.bearer = Some(token.clone());
    let people = api.get("/api/v1/people").await.expect(200).json();
    assert!(people.as_array().unwrap().iter().any(|p| p["id"] == fx.employee_x));
    assert!(!people.as_array().unwrap().iter().any(|p| p["id"] == fx.employee_y));
    // Token requests carry no cookies, so they need no CSRF token, but the API is read-only here.
    api.send(axum::http::Method::POST, "/api/v1/people", Some(String::new()), &[]).await.expect(405);

    let mut wrong = t.client();
    wrong.bearer = Some("rt_feil".into());
    let res = wrong.get("/api/v1/org-units").await.expect(401);
    assert_eq!(res.json()["error"], "err-login-required");

    let id = t.db.api_tokens(t.db.user_by_email("lederx@a.test").await.unwrap().unwrap().id).await.unwrap()[0].id;
    x.post(&format!("/profile/tokens/{id}/revoke"), &[]).await.expect(303);
    api.get("/api/v1/people").await.expect(401);
});

both!(api_answers_in_json_with_scoped_units, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let units = m.get("/api/v1/org-units").await.expect(200).json();
    let units = units.as_array().unwrap();
    assert_eq!(units.len(), 6);
    let x = units.iter().find(|u| u["id"] == fx.unit_x).unwrap();
    assert_eq!(
        (x["kind"].as_str(), x["leader_name"].as_str(), x["leader_level"].as_i64()),
        (Some("unit"), Some("Xavier Leder"), Some(3))
    );
    let detail = m.get(&format!("/api/v1/org-units/{}", fx.unit_x)).await.expect(200).json();
    assert_eq!(detail["children"], serde_json::json!([fx.dept_x]));
    assert_eq!(detail["people"].as_array().unwrap().len(), 2);
    let res = m.get("/api/v1/org-units/424242").await.expect(404);
    assert_eq!(res.json()["message"], "Siden finnes ikke, eller du har ikke tilgang til den.");
    let found = m.get("/api/v1/people?q=ylva").await.expect(200).json();
    assert_eq!(found.as_array().unwrap().len(), 1);
});

both!(openapi_document_describes_every_api_route, |t: TestApp| async move {
    let mut c = t.client();
    let doc = c.get("/api/v1/openapi.json").await.expect(200).json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    // Every API route the router serves is in the document with its method, and the document
    // describes nothing the router does not serve (the document itself excepted).
    let served: Vec<(String, String)> = rodtrad_web::route_table()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
        .map(|r| (r.method.as_str().to_lowercase(), r.path.to_owned()))
        .collect();
    assert!(served.len() >= 12, "only {} API routes in the route table", served.len());
    let mut missing = Vec::new();
    for (method, path) in &served {
        if paths.get(path).and_then(|p| p.get(method)).is_none() {
            missing.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert!(missing.is_empty(), "served but missing from the OpenAPI document: {missing:?}");
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            assert!(
                served.iter().any(|(m, p)| m == method && p == path),
                "the OpenAPI document describes {} {path}, which the router does not serve",
                method.to_uppercase()
            );
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
});

/// Sends JSON with a bearer token.
pub(crate) async fn json(
    c: &mut crate::harness::Client,
    method: axum::http::Method,
    path: &str,
    body: serde_json::Value,
) -> crate::harness::Res {
    c.send(method, path, Some(body.to_string()), &[("content-type", "application/json")]).await
}

pub(crate) async fn token_client(t: &TestApp, login: &str) -> crate::harness::Client {
    let mut c = t.login(login).await;
    let page = c.post("/profile/tokens", &[("name", "api")]).await.expect(201);
    let start = page.body.find("rt_").unwrap();
    let token = page.body[start..].split('<').next().unwrap().to_owned();
    let mut api = t.client();
    api.bearer = Some(token);
    api
}

both!(plans_and_elements_through_the_api, |t: TestApp| async move {
    use axum::http::Method;
    let fx = t.fx.clone();
    let mut api = token_client(&t, "styring").await;
    let res = json(&mut api, Method::POST, "/api/v1/plans", serde_json::json!({
        "plan_type": "action_programme", "title": "Handlingsprogram 2025–2028", "start_year": 2025, "end_year": 2028, "owner_unit_id": fx.root
    })).await.expect(201);
    let plan = res.json()["id"].as_i64().unwrap();
    let res = json(
        &mut api,
        Method::POST,
        &format!("/api/v1/plans/{plan}/elements"),
        serde_json::json!({
            "kind": "main_goal", "text": "Asker er klimanøytral", "sdg_targets": ["13.2"]
        }),
    )
    .await
    .expect(201);
    let goal = res.json()["id"].as_i64().unwrap();
    let res = json(
        &mut api,
        Method::POST,
        &format!("/api/v1/plans/{plan}/elements"),
        serde_json::json!({
            "kind": "sub_goal", "parent_id": goal, "text": "Utslippene er halvert"
        }),
    )
    .await
    .expect(201);
    let sub = res.json()["id"].as_i64().unwrap();
    // Rules answer 422 with the message in the caller's language; nothing is stored.
    let before = t.audit_count().await;
    let res = json(
        &mut api,
        Method::POST,
        &format!("/api/v1/plans/{plan}/elements"),
        serde_json::json!({
            "kind": "measure", "parent_id": sub, "text": "Kjøp elbiler", "status": "active"
        }),
    )
    .await
    .expect(422);
    assert_eq!(res.json()["error"], "err-measure-needs-deadline-responsible");
    assert_eq!(res.json()["field"], "status", "a rule error names the field it is about");
    let res = json(
        &mut api,
        Method::POST,
        &format!("/api/v1/plans/{plan}/elements"),
        serde_json::json!({"kind": "measure", "parent_id": sub, "text": "Kjøp elbiler", "sdg_targets": ["11.6", "99.9"]}),
    )
    .await
    .expect(422);
    assert_eq!(
        (res.json()["error"].as_str(), res.json()["field"].as_str()),
        (Some("err-sdg-target-format"), Some("sdg_targets"))
    );
    json(
        &mut api,
        Method::POST,
        &format!("/api/v1/plans/{plan}/elements"),
        serde_json::json!({"kind": "vision", "parent_id": goal, "text": "x"}),
    )
    .await
    .expect(422);
    json(
        &mut api,
        Method::POST,
        &format!("/api/v1/plans/{plan}/elements"),
        serde_json::json!({"kind": "main_goal", "text": "x", "sdg_targets": ["11.99"]}),
    )
    .await
    .expect(422);
    let res = api
        .send(
            Method::POST,
            &format!("/api/v1/plans/{plan}/elements"),
            Some("{not json".into()),
            &[("content-type", "application/json")],
        )
        .await
        .expect(422);
    assert_eq!(res.json()["message"], "Innholdet er ikke gyldig JSON i riktig form.");
    assert_eq!(t.audit_count().await, before);

    let el = api.get(&format!("/api/v1/elements/{goal}")).await.expect(200).json();
    assert_eq!((el["text"].as_str(), el["sdg_targets"][0].as_str()), (Some("Asker er klimanøytral"), Some("13.2")));
    let version = el["version"].as_i64().unwrap();
    let update =
        serde_json::json!({"kind": "main_goal", "text": "Asker er et klimanøytralt samfunn", "version": version});
    let updated =
        json(&mut api, Method::PUT, &format!("/api/v1/elements/{goal}"), update.clone()).await.expect(200).json();
    assert_eq!(updated["text"], "Asker er et klimanøytralt samfunn");
    // The same stale version again: 409.
    let res = json(&mut api, Method::PUT, &format!("/api/v1/elements/{goal}"), update).await.expect(409);
    assert_eq!(res.json()["error"], "err-conflict");
    let list = api.get(&format!("/api/v1/plans/{plan}/elements")).await.expect(200).json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    let plans = api.get("/api/v1/plans").await.expect(200).json();
    assert!(plans.as_array().unwrap().iter().any(|p| p["id"] == plan && p["status"] == "draft"));
    let sdg = api.get("/api/v1/sdg").await.expect(200).json();
    assert_eq!(sdg.as_array().unwrap().len(), 17);
    assert_eq!(sdg[10]["targets"].as_array().unwrap().len(), 10);

    // Same authorisation as the pages: a leader cannot write the staff's plan or create one for another unit.
    let mut leader = token_client(&t, "lederx").await;
    json(
        &mut leader,
        Method::POST,
        &format!("/api/v1/plans/{plan}/elements"),
        serde_json::json!({"kind": "main_goal", "text": "x"}),
    )
    .await
    .expect(403);
    json(&mut leader, Method::POST, "/api/v1/plans", serde_json::json!({
        "plan_type": "unit_plan", "title": "Yskolen", "start_year": 2025, "end_year": 2025, "owner_unit_id": fx.unit_y
    })).await.expect(403);
    json(&mut leader, Method::POST, "/api/v1/plans", serde_json::json!({
        "plan_type": "unit_plan", "title": "Xskolen", "start_year": 2025, "end_year": 2025, "owner_unit_id": fx.unit_x
    })).await.expect(201);
    // A browser session writing the API needs the CSRF token like any form.
    let mut browser = t.login("styring").await;
    json(
        &mut browser,
        Method::POST,
        "/api/v1/plans",
        serde_json::json!({"plan_type": "unit_plan", "title": "x", "start_year": 2025, "end_year": 2025}),
    )
    .await
    .expect(403);
    // The OpenAPI document has the new paths.
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    for path in
        ["/api/v1/plans", "/api/v1/plans/{id}", "/api/v1/plans/{id}/elements", "/api/v1/elements/{id}", "/api/v1/sdg"]
    {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
});

// Text that looks like HTML is data: the page form and the API store it as typed, a GET → PUT round
// trip through the API gives it back byte for byte, and only the page escapes it, on output.
both!(api_round_trip_keeps_html_looking_text_exactly, |t: TestApp| async move {
    use crate::harness::escape;
    use axum::http::Method;
    let mut api = token_client(&t, "styring").await;
    let res = json(&mut api, Method::POST, "/api/v1/plans", serde_json::json!({
        "plan_type": "action_programme", "title": "Handlingsprogram <b>2025</b>", "start_year": 2025, "end_year": 2028
    })).await.expect(201);
    let plan = res.json()["id"].as_i64().unwrap();
    let by_api = "Mål <img src=x onerror=alert(1)> når a < b & c > d, \"sitert\" og 'enkelt' &amp; &lt;";
    let res = json(
        &mut api,
        Method::POST,
        &format!("/api/v1/plans/{plan}/elements"),
        serde_json::json!({"kind": "main_goal", "text": by_api, "sdg_targets": ["13.2"]}),
    )
    .await
    .expect(201);
    let goal = res.json()["id"].as_i64().unwrap();
    // The page form stores the same kind of text verbatim too.
    let mut page = t.login("styring").await;
    let by_form = "Delmål <script>alert(1)</script> med a < b && c <i>kursiv</i>";
    let res = page
        .post(
            &format!("/plans/{plan}/elements"),
            &[("kind", "sub_goal"), ("text", by_form), ("parent_id", &goal.to_string())],
        )
        .await
        .expect(303);
    let location = res.location().to_owned();
    let sub: i64 = location[location.find("#e-").unwrap() + 3..].parse().unwrap();

    for (id, text) in [(goal, by_api), (sub, by_form)] {
        let path = format!("/api/v1/elements/{id}");
        let got = api.get(&path).await.expect(200).json();
        assert_eq!(got["text"], text, "GET gives the text as stored");
        // PUT back exactly what GET gave: the answer and the next GET carry the same text.
        let put = json(&mut api, Method::PUT, &path, got.clone()).await.expect(200).json();
        assert_eq!(put["text"], text, "the PUT's answer keeps the text");
        let again = api.get(&path).await.expect(200).json();
        assert_eq!(again["text"], text, "the round trip keeps the text");
        for field in ["kind", "parent_id", "sdg_targets", "sdg_adapted", "status", "owner_unit_id", "deadline"] {
            assert_eq!(again[field], got[field], "{field} survives the round trip");
        }
        // A changed text with more markup-looking parts is written and answered as sent, too.
        let mut changed = again.clone();
        changed["text"] = format!("{text} <b>ny</b> & mer").into();
        let put = json(&mut api, Method::PUT, &path, changed.clone()).await.expect(200).json();
        assert_eq!(put["text"], changed["text"]);
        assert_eq!(put["version"].as_i64(), again["version"].as_i64().map(|v| v + 1), "a change is a new version");
        assert_eq!(api.get(&path).await.expect(200).json()["text"], changed["text"]);
        // And back again, through the same round trip.
        let mut back = put.clone();
        back["text"] = text.into();
        assert_eq!(json(&mut api, Method::PUT, &path, back).await.expect(200).json()["text"], text);
        let stored = t.db.element(t.fx.municipality, id).await.unwrap().text;
        assert_eq!(stored, text, "the database holds the text as typed");
        // The pages show it escaped, never as markup.
        for shown in [page.get(&format!("/elements/{id}")).await, page.get(&format!("/plans/{plan}")).await] {
            let shown = shown.expect(200);
            assert!(shown.body.contains(&escape(text)), "the page shows {text:?} escaped");
            for raw in ["<img src=x", "<script>alert", "<i>kursiv", "<b>2025"] {
                assert!(!shown.body.contains(raw), "raw {raw:?} on the page");
            }
        }
    }
    // The API's list gives the same text as the single element.
    let list = api.get(&format!("/api/v1/plans/{plan}/elements")).await.expect(200).json();
    assert!(list.as_array().unwrap().iter().any(|e| e["text"] == by_api));
    assert!(list.as_array().unwrap().iter().any(|e| e["text"] == by_form));
});
