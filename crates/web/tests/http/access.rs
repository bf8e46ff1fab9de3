//! Authorisation: scope by role and organisation, tenancy, delegation with expiry.

use crate::both;
use crate::harness::{Client, Res, TestApp};

both!(leader_reads_and_edits_only_own_subtree, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut x = t.login("lederx").await;
    // Own unit and department: people visible, edit form present.
    x.get(&format!("/org/{}", fx.unit_x)).await.expect(200).contains("Erik Ansatt").contains("Endre enheten");
    x.get(&format!("/org/{}", fx.dept_x)).await.expect(200).contains("Siri SFO-leder");
    // Unit Y: the structure is visible, its people and edit form are not.
    x.get(&format!("/org/{}", fx.unit_y))
        .await
        .expect(200)
        .contains("Yskolen")
        .lacks("Ylva Hemmelig")
        .lacks("Endre enheten");
    x.get(&format!("/people/{}", fx.employee_y)).await.expect(404).lacks("Ylva");
    let before = t.audit_count().await;
    let y = format!("/org/{}", fx.unit_y);
    x.post(&y, &[("name", "Overtatt"), ("valid_from", "2020-01-01"), ("version", "2")]).await.expect(403);
    x.post(
        &format!("/org/{}/units", fx.unit_y),
        &[("kind", "department"), ("name", "Snik"), ("valid_from", "2024-01-01")],
    )
    .await
    .expect(403);
    x.post(
        &format!("/org/{}/delegations", fx.unit_y),
        &[("person_id", &fx.employee_x.to_string()), ("valid_to", "2099-01-01")],
    )
    .await
    .expect(403);
    assert_eq!(t.audit_count().await, before, "refused writes leave no trace");
    assert_eq!(t.db.org_unit(fx.municipality, fx.unit_y).await.unwrap().name, "Yskolen");
    // API: same scope.
    let unit_y = x.get(&format!("/api/v1/org-units/{}", fx.unit_y)).await.expect(200).json();
    assert!(unit_y["people"].is_null());
    let people = x.get("/api/v1/people").await.expect(200).json();
    let names: Vec<&str> = people.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Erik Ansatt") && names.contains(&"Siri SFO-leder"));
    assert!(!names.contains(&"Ylva Hemmelig"));
    // Editing own unit works.
    let v = t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap().version.to_string();
    x.post(
        &format!("/org/{}", fx.unit_x),
        &[
            ("name", "Xskolen oppvekstsenter"),
            ("valid_from", "2020-01-01"),
            ("leader_person_id", &fx.leader_x.to_string()),
            ("version", &v),
        ],
    )
    .await
    .expect(303);
    assert_eq!(t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap().name, "Xskolen oppvekstsenter");
    // A leader cannot create service areas, only departments.
    x.post(
        &format!("/org/{}/units", fx.unit_x),
        &[("kind", "unit"), ("name", "Ny virksomhet"), ("valid_from", "2024-01-01")],
    )
    .await
    .expect(403);
    let res = x
        .post(
            &format!("/org/{}/units", fx.unit_x),
            &[("kind", "department"), ("name", "Xskolen mellomtrinn"), ("valid_from", "2024-08-01")],
        )
        .await
        .expect(303);
    assert!(res.location().starts_with("/org/"));
});

both!(roles_see_what_they_should, |t: TestApp| async move {
    let fx = t.fx.clone();
    // Employee: reads own unit's people, cannot edit, cannot see the people admin or audit log.
    let mut e = t.login("ansattx").await;
    e.get(&format!("/org/{}", fx.unit_x)).await.expect(200).contains("Siri").lacks("Endre enheten");
    e.get(&format!("/org/{}", fx.dept_x)).await.expect(200).lacks("Siri SFO-leder</a>");
    e.get("/people").await.expect(403);
    e.get("/audit").await.expect(403);
    // Politician: the tree, no people.
    let mut p = t.login("politiker").await;
    p.get("/org").await.expect(200).contains("Xskolen");
    p.get(&format!("/org/{}", fx.unit_x)).await.expect(200).lacks("Erik Ansatt");
    assert_eq!(p.get("/api/v1/people").await.expect(200).json().as_array().unwrap().len(), 0);
    // Auditor: reads all, the audit log, edits nothing.
    let mut r = t.login("revisor").await;
    r.get(&format!("/org/{}", fx.unit_y)).await.expect(200).contains("Ylva Hemmelig").lacks("Endre enheten");
    r.get("/audit").await.expect(200);
    r.post(&format!("/org/{}", fx.unit_y), &[("name", "x"), ("valid_from", "2020-01-01"), ("version", "2")])
        .await
        .expect(403);
    // Management: edits everything, people admin, no audit log.
    let mut m = t.login("styring").await;
    m.get("/people").await.expect(200).contains("Ylva Hemmelig");
    m.get("/audit").await.expect(403);
    m.get(&format!("/org/{}", fx.unit_y)).await.expect(200).contains("Endre enheten");
    // Anonymous: nothing but the login page.
    let mut anon = t.client();
    assert!(anon.get("/org").await.expect(303).location().starts_with("/login"));
    anon.get("/api/v1/org-units").await.expect(401);
});

both!(municipalities_never_see_each_other, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut b = t.client();
    b.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    b.get(&format!("/org/{}", fx.unit_x)).await.expect(404).lacks("Xskolen");
    b.get(&format!("/people/{}", fx.employee_x)).await.expect(404);
    b.get(&format!("/api/v1/org-units/{}", fx.unit_x)).await.expect(404);
    let units = b.get("/api/v1/org-units").await.expect(200).json();
    assert_eq!(units.as_array().unwrap().len(), 1, "only B's own root");
    b.get("/org").await.expect(200).lacks("Xskolen");
    b.get("/audit").await.expect(200).lacks("Xskolen");
    let before = t.audit_count().await;
    b.post(&format!("/org/{}", fx.unit_x), &[("name", "B eier deg"), ("valid_from", "2020-01-01"), ("version", "2")])
        .await
        .expect(404);
    assert_eq!(t.audit_count().await, before);
    let mut a = t.login("admin").await;
    a.get(&format!("/org/{}", fx.other_root)).await.expect(404);
});

/// Saves unit X's edit form with the current version, as the given client.
async fn edit_unit_x(t: &TestApp, c: &mut Client, name: &str) -> Res {
    let fx = &t.fx;
    let version = t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap().version.to_string();
    let leader = fx.leader_x.to_string();
    let form = [
        ("name", name),
        ("valid_from", "2020-01-01"),
        ("leader_person_id", leader.as_str()),
        ("version", version.as_str()),
    ];
    c.post(&format!("/org/{}", fx.unit_x), &form).await
}

/// Moves the delegations' end date, standing in for the days passing. The application keys its
/// cached actors by the day and the organisation generation; a change made behind its back raises
/// the generation as every write path that touches delegations does.
async fn set_delegation_end(t: &TestApp, days_from_today: i64) {
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(days_from_today);
    rodtrad_store::on_db!(&t.db, pool => {
        sqlx::query("UPDATE delegations SET valid_to = $1").bind(day).execute(pool).await.unwrap();
        sqlx::query("UPDATE municipalities SET org_generation = org_generation + 1").execute(pool).await.unwrap();
    });
}

both!(delegation_grants_edit_rights_until_expiry, |t: TestApp| async move {
    let fx = t.fx.clone();
    let unit = format!("/org/{}", fx.unit_x);
    let mut e = t.login("ansattx").await;
    edit_unit_x(&t, &mut e, "Forsøk").await.expect(403);

    let mut x = t.login("lederx").await;
    let person = fx.employee_x.to_string();
    x.post(&format!("{unit}/delegations"), &[("person_id", &person), ("valid_to", "2001-01-01")])
        .await
        .expect(422)
        .contains("Sluttdatoen kan ikke ha passert.");
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(10);
    let until = day.to_string();
    x.post(&format!("{unit}/delegations"), &[("person_id", &person), ("valid_to", &until)]).await.expect(303);
    // The form takes ISO (a date input); the page shows the Norwegian date.
    x.get(&unit).await.expect(200).contains("Erik Ansatt").contains(&day.format("%d.%m.%Y").to_string());

    // The delegate may now edit, and sees the unit on the start page.
    e.get("/").await.expect(200).contains("delegert redigeringsrett");
    edit_unit_x(&t, &mut e, "Xskolen delegert").await.expect(303);
    assert_eq!(t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap().name, "Xskolen delegert");
    // …but cannot delegate further.
    e.post(&format!("{unit}/delegations"), &[("person_id", &fx.dept_head.to_string()), ("valid_to", &until)])
        .await
        .expect(403);

    // Once the end date has passed, the right is gone.
    set_delegation_end(&t, -1).await;
    edit_unit_x(&t, &mut e, "Etter utløp").await.expect(403);
    // The end date itself still counts.
    set_delegation_end(&t, 0).await;
    edit_unit_x(&t, &mut e, "Siste dag").await.expect(303);

    // Revocation ends it at once.
    let id =
        t.db.delegations_for_unit(fx.municipality, fx.unit_x, chrono::Utc::now().date_naive()).await.unwrap()[0].id;
    x.post(&format!("{unit}/delegations/{id}/revoke"), &[]).await.expect(303);
    edit_unit_x(&t, &mut e, "Etter tilbaketrekking").await.expect(403);
    assert_eq!(t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap().name, "Siste dag");
});
