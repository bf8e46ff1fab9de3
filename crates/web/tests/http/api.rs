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
    for path in ["/api/v1/org-units", "/api/v1/org-units/{id}", "/api/v1/people"] {
        assert!(paths.contains_key(path), "{path} missing from the OpenAPI document");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
});
