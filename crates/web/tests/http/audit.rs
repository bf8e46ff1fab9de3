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
    let today = chrono::Utc::now().date_naive();
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
