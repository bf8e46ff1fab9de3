//! Account administration: system administrators create accounts, grant roles and deactivate.

use crate::both;
use crate::harness::TestApp;

both!(admins_create_accounts_and_grant_roles, |t: TestApp| async move {
    let fx = t.fx.clone();
    // Only system administrators.
    let mut m = t.login("styring").await;
    m.get("/users").await.expect(403);
    m.post(
        "/users",
        &[("email", "ny@a.test"), ("display_name", "Ny"), ("role", "system_admin"), ("password", "passord-123456")],
    )
    .await
    .expect(403);

    let mut a = t.login("admin").await;
    a.get("/users").await.expect(200).contains("lederx@a.test").contains("Revisor / kontrollutvalg");
    let before = t.audit_count().await;
    // Bad input: every problem named, values kept, nothing stored.
    let res = a
        .post(
            "/users",
            &[("email", "ikke-epost"), ("display_name", "Kari Ny"), ("password", "kort"), ("role", "konge")],
        )
        .await
        .expect(422);
    res.contains("E-postadressen er ikke gyldig").contains("Passordet må ha minst 10 tegn.").contains("Ukjent rolle.");
    assert_eq!(res.input_value("display_name").as_deref(), Some("Kari Ny"));
    a.post("/users", &[("email", "kari@a.test"), ("display_name", "Kari Ny"), ("password", "passord-123456")])
        .await
        .expect(422)
        .contains("Velg minst én rolle.");
    a.post(
        "/users",
        &[("email", "lederx@a.test"), ("display_name", "Dobbel"), ("role", "employee"), ("password", "passord-123456")],
    )
    .await
    .expect(422)
    .contains("allerede i bruk");
    assert_eq!(t.audit_count().await, before);

    let person = fx.employee_y.to_string();
    let res = a
        .post(
            "/users",
            &[
                ("email", "Ylva@A.test"),
                ("display_name", "Ylva"),
                ("person_id", &person),
                ("role", "employee"),
                ("role", "politician"),
                ("active", "1"),
                ("password", "passord-123456"),
            ],
        )
        .await
        .expect(303);
    let page = a.get(res.location()).await.expect(200);
    page.contains("Endringene er lagret.");
    let mut ylva = t.client();
    ylva.login("ylva@a.test", "passord-123456").await.expect(303);
    ylva.get(&format!("/org/{}", fx.unit_y)).await.expect(200).contains("Ylva Hemmelig");

    // Deactivation ends the sessions at once.
    let id = t.db.user_by_email("ylva@a.test").await.unwrap().unwrap().id;
    let v = a.get(&format!("/users/{id}")).await.input_value("version").unwrap();
    a.post(
        &format!("/users/{id}"),
        &[("display_name", "Ylva"), ("person_id", &person), ("role", "employee"), ("version", &v)],
    )
    .await
    .expect(303);
    ylva.get("/").await.expect(303);
    ylva.login("ylva@a.test", "passord-123456").await.expect(401);
    let row = t.db.audit_list(fx.municipality, &Default::default(), 1).await.unwrap().remove(0);
    assert_eq!((row.entity.as_str(), row.action.as_str()), ("user", "update"));
    assert_eq!(row.after_json.unwrap().0["active"], false);

    // An administrator cannot lock themselves out; a stale form gets 409.
    let me = t.db.user_by_email("admin@a.test").await.unwrap().unwrap().id;
    let v = a.get(&format!("/users/{me}")).await.input_value("version").unwrap();
    a.post(
        &format!("/users/{me}"),
        &[("display_name", "admin"), ("role", "auditor"), ("active", "1"), ("version", &v)],
    )
    .await
    .expect(422)
    .contains("Du kan ikke fjerne din egen administratorrolle");
    let stale = (t.db.user_summary(fx.municipality, id).await.unwrap().version - 1).to_string();
    let res = a
        .post(
            &format!("/users/{id}"),
            &[("display_name", "Ylva igjen"), ("role", "employee"), ("active", "1"), ("version", &stale)],
        )
        .await
        .expect(409);
    assert_eq!(res.input_value("display_name").as_deref(), Some("Ylva igjen"));
    // Other municipalities' accounts are invisible.
    let other = t.db.user_by_email("admin@b.test").await.unwrap().unwrap().id;
    a.get(&format!("/users/{other}")).await.expect(404);
});

// Every request's roles come from a per-process cache keyed by the account's version: a role granted
// or taken away applies to the account's very next request, without signing in again.
both!(a_role_change_applies_to_the_next_request, |t: TestApp| async move {
    let mut a = t.login("admin").await;
    a.post(
        "/users",
        &[("email", "rolle@a.test"), ("display_name", "Rolle"), ("role", "employee"), ("password", "passord-123456")],
    )
    .await
    .expect(303);
    let mut user = t.client();
    user.login("rolle@a.test", "passord-123456").await.expect(303);
    user.get("/users").await.expect(403);
    user.get("/users").await.expect(403);

    let id = t.db.user_by_email("rolle@a.test").await.unwrap().unwrap().id;
    save_roles(&mut a, id, &["employee", "system_admin"]).await;
    user.get("/users").await.expect(200).contains("rolle@a.test");
    save_roles(&mut a, id, &["employee"]).await;
    user.get("/users").await.expect(403);
});

async fn save_roles(a: &mut crate::harness::Client, id: i64, roles: &[&str]) {
    let v = a.get(&format!("/users/{id}")).await.input_value("version").unwrap();
    let mut form = vec![("display_name", "Rolle"), ("active", "1"), ("version", v.as_str())];
    form.extend(roles.iter().map(|r| ("role", *r)));
    a.post(&format!("/users/{id}"), &form).await.expect(303);
}
