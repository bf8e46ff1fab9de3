//! The audit log: a row for every write, in the same transaction; filters; entity history.

use crate::both;
use crate::harness::{PASSWORD, TestApp};
use rodtrad_store::audit::{AuditFilter, AuditRow};

async fn last(t: &TestApp) -> AuditRow {
    t.db.audit_list(t.fx.municipality, &AuditFilter::default(), 1).await.unwrap().remove(0)
}

both!(every_write_leaves_an_audit_row, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let user_id = t.db.user_by_email("styring@a.test").await.unwrap().unwrap().id;
    let mut count = t.audit_count().await;
    let mut check = async |t: &TestApp, (entity, action): (&str, &str)| {
        let row = last(t).await;
        let now = t.audit_count().await;
        assert_eq!(now, count + 1, "exactly one row for {entity}/{action}");
        count = now;
        assert_eq!((row.entity.as_str(), row.action.as_str(), row.user_id), (entity, action, Some(user_id)));
        row
    };

    let v = t.db.org_unit(fx.municipality, fx.unit_y).await.unwrap().version.to_string();
    m.post(
        &format!("/org/{}", fx.unit_y),
        &[
            ("name", "Yskolen ny"),
            ("valid_from", "2020-01-01"),
            ("leader_person_id", &fx.leader_y.to_string()),
            ("version", &v),
        ],
    )
    .await
    .expect(303);
    let row = check(&t, ("org_unit", "update")).await;
    assert_eq!(row.before_json.unwrap().0["name"], "Yskolen");
    assert_eq!(row.after_json.unwrap().0["name"], "Yskolen ny");

    m.post(
        &format!("/org/{}/units", fx.unit_y),
        &[("kind", "department"), ("name", "Y SFO"), ("valid_from", "2024-08-01")],
    )
    .await
    .expect(303);
    check(&t, ("org_unit", "create")).await;

    let res = m
        .post("/people", &[("name", "Per Son"), ("unit_id", &fx.unit_y.to_string()), ("active", "1")])
        .await
        .expect(303);
    check(&t, ("person", "create")).await;
    let v = m.get(res.location()).await.input_value("version").unwrap();
    m.post(res.location().split('?').next().unwrap(), &[("name", "Per Sonsen"), ("active", "1"), ("version", &v)])
        .await
        .expect(303);
    let row = check(&t, ("person", "update")).await;
    assert_eq!(row.before_json.unwrap().0["name"], "Per Son");

    m.post(
        &format!("/org/{}/delegations", fx.unit_y),
        &[("person_id", &fx.employee_y.to_string()), ("valid_to", "2099-12-31")],
    )
    .await
    .expect(303);
    let row = check(&t, ("delegation", "create")).await;
    m.post(&format!("/org/{}/delegations/{}/revoke", fx.unit_y, row.entity_id), &[]).await.expect(303);
    check(&t, ("delegation", "revoke")).await;

    m.post("/profile/tokens", &[("name", "Rapportverktøy"), ("days", "30")]).await.expect(201);
    let row = check(&t, ("api_token", "create")).await;
    m.post(&format!("/profile/tokens/{}/revoke", row.entity_id), &[]).await.expect(303);
    check(&t, ("api_token", "revoke")).await;

    m.post("/language", &[("lang", "nn"), ("next", "/")]).await.expect(303);
    check(&t, ("user", "update")).await;
    m.post(
        "/profile/password",
        &[("current", PASSWORD), ("new_password", "nytt-passord-1"), ("repeat", "nytt-passord-1")],
    )
    .await
    .expect(303);
    check(&t, ("user", "password")).await;
    m.post("/logout", &[]).await.expect(303);
    check(&t, ("user", "logout")).await;
});

both!(auditors_filter_the_log_and_see_history, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    for name in ["Xskolen A", "Xskolen B"] {
        let v = t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap().version.to_string();
        m.post(
            &format!("/org/{}", fx.unit_x),
            &[
                ("name", name),
                ("valid_from", "2020-01-01"),
                ("leader_person_id", &fx.leader_x.to_string()),
                ("version", &v),
            ],
        )
        .await
        .expect(303);
    }
    let mut r = t.login("revisor").await;
    let history = r.get(&format!("/audit?entity=org_unit&entity_id={}", fx.unit_x)).await.expect(200);
    history.contains("Xskolen A").contains("Xskolen B").contains("Endret").lacks("Erik Ansatt");
    let user = t.db.user_by_email("styring@a.test").await.unwrap().unwrap().id;
    let by_user = r.get(&format!("/audit?user={user}")).await.expect(200);
    by_user.contains("Xskolen B").lacks("Testoppsett");
    // The log's date filter is in Norwegian time; between 23:00 and 24:00 UTC the UTC date is yesterday.
    let today = rodtrad_domain::norwegian_time::oslo_date(chrono::Utc::now());
    r.get(&format!("/audit?from={today}&to={today}")).await.expect(200).contains("Xskolen B");
    r.get("/audit?from=2000-01-01&to=2000-01-02").await.expect(200).contains("0 hendelser");
    r.get("/audit?from=31.12.2024").await.expect(422).contains("Datoen er ikke gyldig");
    let csv = r.get(&format!("/audit.csv?entity=org_unit&entity_id={}", fx.unit_x)).await.expect(200);
    assert!(csv.body.contains("tidspunkt;utfort_av") && csv.body.contains("Xskolen B"));
    // Reading the log is not itself a write.
    let before = t.audit_count().await;
    r.get("/audit").await.expect(200);
    assert_eq!(t.audit_count().await, before);
});

/// The id at the end of a redirect, after `after` (`/plans/12?saved=1#e-3`).
fn id_in(location: &str, after: &str) -> i64 {
    let start = location.find(after).unwrap() + after.len();
    location[start..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

both!(saves_that_change_nothing_leave_no_trace, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    // Choosing the language already chosen (en → en) is not a change.
    m.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    let count = t.audit_count().await;
    m.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    assert_eq!(t.audit_count().await, count, "en → en is not logged");

    // A unit saved as it is keeps its version and leaves no row; a real change still does.
    let unit = t.db.org_unit(fx.municipality, fx.unit_y).await.unwrap();
    let form = |name: &'static str, version: String| {
        vec![
            ("name", name.to_owned()),
            ("valid_from", "2020-01-01".to_owned()),
            ("leader_person_id", fx.leader_y.to_string()),
            ("version", version),
        ]
    };
    let send = async |m: &mut crate::harness::Client, path: &str, fields: Vec<(&str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        m.post(path, &pairs).await
    };
    let unit_path = format!("/org/{}", fx.unit_y);
    send(&mut m, &unit_path, form("Yskolen", unit.version.to_string())).await.expect(303);
    assert_eq!(t.audit_count().await, count, "an unchanged unit is not logged");
    let after = t.db.org_unit(fx.municipality, fx.unit_y).await.unwrap();
    assert_eq!(after.version, unit.version, "an unchanged unit keeps its version");
    // A stale version is still refused, even when nothing would change.
    send(&mut m, &unit_path, form("Yskolen", (unit.version - 1).to_string())).await.expect(409);
    send(&mut m, &unit_path, form("Yskolen Y", unit.version.to_string())).await.expect(303);
    assert_eq!(t.audit_count().await, count + 1);

    // A plan saved as it is.
    let res = m
        .post(
            "/plans",
            &[
                ("plan_type", "unit_plan"),
                ("title", "Virksomhetsplan Yskolen"),
                ("start_year", "2026"),
                ("end_year", "2026"),
                ("owner_unit_id", &fx.unit_y.to_string()),
            ],
        )
        .await
        .expect(303);
    let plan_id = id_in(res.location(), "/plans/");
    let plan = t.db.plan(fx.municipality, plan_id).await.unwrap();
    let count = t.audit_count().await;
    let mut fields = vec![
        ("title", plan.title.clone()),
        ("start_year", plan.start_year.to_string()),
        ("end_year", plan.end_year.to_string()),
        ("owner_unit_id", fx.unit_y.to_string()),
        ("version", plan.version.to_string()),
    ];
    if plan.published {
        fields.push(("published", "on".to_owned()));
    }
    send(&mut m, &format!("/plans/{plan_id}"), fields).await.expect(303);
    assert_eq!(t.audit_count().await, count, "an unchanged plan is not logged");
    assert_eq!(t.db.plan(fx.municipality, plan_id).await.unwrap().version, plan.version);

    // An element saved as it is, through the form and through the API.
    let res = m
        .post(&format!("/plans/{plan_id}/elements"), &[("kind", "main_goal"), ("text", "Alle elever mestrer lesing")])
        .await
        .expect(303);
    let element = id_in(res.location(), "#e-");
    let count = t.audit_count().await;
    let version = t.db.element(fx.municipality, element).await.unwrap().version;
    m.post(
        &format!("/elements/{element}"),
        &[("kind", "main_goal"), ("text", "Alle elever mestrer lesing"), ("version", &version.to_string())],
    )
    .await
    .expect(303);
    assert_eq!(t.audit_count().await, count, "an unchanged element is not logged");
    let dto = m.get(&format!("/api/v1/elements/{element}")).await.expect(200).json();
    assert_eq!(dto["version"], version);
    let body = serde_json::json!({"kind": "main_goal", "text": dto["text"], "version": version}).to_string();
    let token = m.csrf().await;
    m.send(
        axum::http::Method::PUT,
        &format!("/api/v1/elements/{element}"),
        Some(body),
        &[("content-type", "application/json"), ("x-csrf-token", &token)],
    )
    .await
    .expect(200);
    assert_eq!(t.audit_count().await, count, "an unchanged element is not logged through the API either");
    assert_eq!(t.db.element(fx.municipality, element).await.unwrap().version, version);
});

both!(the_log_shows_each_change_as_field_before_and_after, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let v = t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap().version.to_string();
    m.post(
        &format!("/org/{}", fx.unit_x),
        &[
            ("name", "Xskolen <b>nord</b>"),
            ("valid_from", "2021-08-01"),
            ("leader_person_id", &fx.leader_x.to_string()),
            ("version", &v),
        ],
    )
    .await
    .expect(303);
    let mut r = t.login("revisor").await;
    let path = format!("/audit?entity=org_unit&entity_id={}", fx.unit_x);
    let page = r.get(&path).await.expect(200);
    // Field names in the reader's language, values as people read them, no raw JSON.
    page.contains("Navn")
        .contains("Xskolen")
        .contains("Xskolen <b>nord</b>")
        .contains("01.01.2020")
        .contains("01.08.2021")
        .contains("→")
        .lacks("\"name\":")
        .lacks("<pre>");
    assert!(!page.body.contains("<b>nord</b>"), "values are escaped");
    // Unchanged fields are not listed as changes.
    assert!(!page.body.contains("Xavier Leder →"), "the unchanged leader is not a change");
    r.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    r.get(&path).await.expect(200).contains("Name").contains("1 Aug 2021").lacks("Navn");
    // The CSV export keeps the JSON for machines.
    let csv = r.get(&format!("/audit.csv?entity=org_unit&entity_id={}", fx.unit_x)).await.expect(200);
    assert!(csv.body.contains("\"\"name\"\":\"\"Xskolen <b>nord</b>\"\""), "{}", csv.body);
});

both!(the_log_filters_by_object_person_and_period_in_the_url, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let v = t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap().version.to_string();
    m.post(
        &format!("/org/{}", fx.unit_x),
        &[
            ("name", "Xskolen ny"),
            ("valid_from", "2020-01-01"),
            ("leader_person_id", &fx.leader_x.to_string()),
            ("version", &v),
        ],
    )
    .await
    .expect(303);
    let user = t.db.user_by_email("styring@a.test").await.unwrap().unwrap();
    let mut r = t.login("revisor").await;
    // The person filter offers the people who acted, by name, without JavaScript.
    let page = r.get("/audit").await.expect(200);
    page.contains(&format!("<option value=\"{}\">{}</option>", user.id, user.display_name));
    // The log's date filter is in Norwegian time; between 23:00 and 24:00 UTC the UTC date is yesterday.
    let today = rodtrad_domain::norwegian_time::oslo_date(chrono::Utc::now());
    let query = format!("entity=org_unit&entity_id={}&user={}&from={today}&to={today}", fx.unit_x, user.id);
    let page = r.get(&format!("/audit?{query}")).await.expect(200);
    page.contains("Xskolen ny")
        .contains(&format!("<option value=\"{}\" selected>{}</option>", user.id, user.display_name))
        .contains(&format!("href=\"/audit.csv?{}\"", query.replace('&', "&#38;")));
    let csv = r.get(&format!("/audit.csv?{query}")).await.expect(200);
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    // A period that ends before it starts is refused beside the field, with the filters kept.
    let bad = r.get(&format!("/audit?entity=org_unit&from={today}&to=2000-01-01")).await.expect(422);
    bad.contains("Til-datoen kan ikke være før fra-datoen.").contains("value=\"2000-01-01\"");
    r.get(&format!("/audit.csv?from={today}&to=2000-01-01")).await.expect(422);
});
