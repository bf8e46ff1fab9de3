//! Organisation editing: bad input, cycles, placement, retirement, stale saves, people.

use crate::both;
use crate::harness::{Client, Res, TestApp};

async fn save_unit(c: &mut Client, id: i64, fields: &[(&str, &str)]) -> Res {
    c.post(&format!("/org/{id}"), fields).await
}

both!(bad_input_is_refused_and_changes_nothing, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let before = t.audit_count().await;
    let v = t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap().version.to_string();
    let long = "x".repeat(201);
    // Empty name: 422, message, the other typed values kept.
    let res = save_unit(
        &mut m,
        fx.unit_x,
        &[("name", "  "), ("short_name", "XSK"), ("valid_from", "2020-01-01"), ("version", &v)],
    )
    .await
    .expect(422);
    res.contains("Navnet kan ikke være tomt.");
    assert_eq!(res.input_value("short_name").as_deref(), Some("XSK"));
    save_unit(&mut m, fx.unit_x, &[("name", &long), ("valid_from", "2020-01-01"), ("version", &v)])
        .await
        .expect(422)
        .contains("Navnet kan ha høyst 200 tegn.");
    save_unit(&mut m, fx.unit_x, &[("name", "Xskolen"), ("valid_from", "2020-13-01"), ("version", &v)])
        .await
        .expect(422)
        .contains("Datoen er ikke gyldig");
    save_unit(
        &mut m,
        fx.unit_x,
        &[("name", "Xskolen"), ("valid_from", "2020-01-01"), ("valid_to", "2019-01-01"), ("version", &v)],
    )
    .await
    .expect(422)
    .contains("Sluttdatoen kan ikke være før startdatoen.");
    // Retiring a unit with a valid sub-unit is refused.
    save_unit(
        &mut m,
        fx.unit_x,
        &[("name", "Xskolen"), ("valid_from", "2020-01-01"), ("valid_to", "2025-01-01"), ("version", &v)],
    )
    .await
    .expect(422)
    .contains("underliggende enheter som fortsatt er gyldige");
    // A unit made its own ancestor: move the service area under one of its own units.
    let va = t.db.org_unit(fx.municipality, fx.area).await.unwrap().version.to_string();
    let area_move =
        [("name", "Oppvekst"), ("valid_from", "2020-01-01"), ("parent_id", &*fx.unit_x.to_string()), ("version", &va)];
    save_unit(&mut m, fx.area, &area_move).await.expect(422).contains("kan ikke ligge under seg selv");
    // A department moved directly under the municipality: wrong placement.
    let vd = t.db.org_unit(fx.municipality, fx.dept_x).await.unwrap().version.to_string();
    save_unit(
        &mut m,
        fx.dept_x,
        &[
            ("name", "Xskolen SFO"),
            ("valid_from", "2020-01-01"),
            ("parent_id", &*fx.root.to_string()),
            ("version", &vd),
        ],
    )
    .await
    .expect(422)
    .contains("Enhetstypen kan ikke ligge der");
    // Unknown ids.
    m.get("/org/999999").await.expect(404).contains("Siden finnes ikke");
    save_unit(&mut m, 999_999, &[("name", "x"), ("valid_from", "2020-01-01"), ("version", "1")]).await.expect(404);
    save_unit(
        &mut m,
        fx.unit_x,
        &[("name", "Xskolen"), ("valid_from", "2020-01-01"), ("leader_person_id", "abc"), ("version", &v)],
    )
    .await
    .expect(422);
    // A sub-unit of the wrong kind, and a person with a bad e-mail.
    m.post(
        &format!("/org/{}/units", fx.dept_x),
        &[("kind", "department"), ("name", "Under avdeling"), ("valid_from", "2024-01-01")],
    )
    .await
    .expect(422);
    let res =
        m.post("/people", &[("name", "Ny Person"), ("email", "ikke-epost"), ("title", "Rådgiver")]).await.expect(422);
    res.contains("E-postadressen er ikke gyldig");
    assert_eq!(res.input_value("name").as_deref(), Some("Ny Person"));
    m.post("/people", &[("name", "Ny Person"), ("email", "erik@test.no")])
        .await
        .expect(422)
        .contains("allerede i bruk");

    assert_eq!(t.audit_count().await, before, "no refused write left a trace");
    let unit = t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap();
    assert_eq!((unit.name.as_str(), unit.valid_to, unit.version.to_string()), ("Xskolen", None, v));
});

both!(stale_save_gets_409_and_keeps_the_text, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut first = t.login("styring").await;
    let mut second = t.login("admin").await;
    let page = second.get(&format!("/org/{}", fx.unit_y)).await.expect(200);
    let stale = page.input_value("version").unwrap();
    save_unit(
        &mut first,
        fx.unit_y,
        &[("name", "Yskolen (første)"), ("valid_from", "2020-01-01"), ("version", &stale)],
    )
    .await
    .expect(303);
    let res = save_unit(
        &mut second,
        fx.unit_y,
        &[("name", "Yskolen (andre)"), ("valid_from", "2020-01-01"), ("version", &stale)],
    )
    .await
    .expect(409);
    res.contains("Noen andre har lagret endringer");
    assert_eq!(res.input_value("name").as_deref(), Some("Yskolen (andre)"), "the second editor's text is kept");
    assert_eq!(t.db.org_unit(fx.municipality, fx.unit_y).await.unwrap().name, "Yskolen (første)");

    // The same for people.
    let person = format!("/people/{}", fx.employee_y);
    let stale = second.get(&person).await.expect(200).input_value("version").unwrap();
    first
        .post(
            &person,
            &[("name", "Ylva Først"), ("unit_id", &fx.unit_y.to_string()), ("active", "1"), ("version", &stale)],
        )
        .await
        .expect(303);
    let res = second
        .post(
            &person,
            &[("name", "Ylva Andre"), ("unit_id", &fx.unit_y.to_string()), ("active", "1"), ("version", &stale)],
        )
        .await
        .expect(409);
    assert_eq!(res.input_value("name").as_deref(), Some("Ylva Andre"));
    assert_eq!(t.db.person(fx.municipality, fx.employee_y).await.unwrap().name, "Ylva Først");
});

both!(units_are_retired_not_deleted, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let vd = t.db.org_unit(fx.municipality, fx.dept_x).await.unwrap().version.to_string();
    save_unit(
        &mut m,
        fx.dept_x,
        &[("name", "Xskolen SFO"), ("valid_from", "2020-01-01"), ("valid_to", "2024-07-31"), ("version", &vd)],
    )
    .await
    .expect(303);
    m.get("/org").await.expect(200).lacks("Xskolen SFO");
    m.get("/org?retired=1").await.expect(200).contains("Xskolen SFO").contains("Nedlagt");
    m.get(&format!("/org/{}", fx.dept_x)).await.expect(200).contains("Enheten er nedlagt");
    // Now the parent can be retired too; the history stays.
    let v = t.db.org_unit(fx.municipality, fx.unit_x).await.unwrap().version.to_string();
    save_unit(
        &mut m,
        fx.unit_x,
        &[
            ("name", "Xskolen"),
            ("valid_from", "2020-01-01"),
            ("valid_to", "2024-07-31"),
            ("leader_person_id", &fx.leader_x.to_string()),
            ("version", &v),
        ],
    )
    .await
    .expect(303);
    let rows =
        t.db.audit_list(
            fx.municipality,
            &rodtrad_store::audit::AuditFilter {
                entity: Some("org_unit".into()),
                entity_id: Some(fx.unit_x),
                ..Default::default()
            },
            50,
        )
        .await
        .unwrap();
    assert_eq!(rows[0].action, "retire");
    // A retired unit no longer gives its leader edit rights.
    let mut x = t.login("lederx").await;
    x.get("/").await.expect(200).lacks("Du leder:");
});

both!(moving_a_unit_changes_leader_level, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    m.get(&format!("/org/{}", fx.unit_y)).await.expect(200).contains("<dt>Ledernivå</dt><dd>3</dd>");
    let v = t.db.org_unit(fx.municipality, fx.unit_y).await.unwrap().version.to_string();
    save_unit(
        &mut m,
        fx.unit_y,
        &[
            ("name", "Yskolen"),
            ("valid_from", "2020-01-01"),
            ("parent_id", &fx.staff.to_string()),
            ("leader_person_id", &fx.leader_y.to_string()),
            ("version", &v),
        ],
    )
    .await
    .expect(303);
    let api = m.get(&format!("/api/v1/org-units/{}", fx.unit_y)).await.expect(200).json();
    assert_eq!(api["parent_id"], fx.staff);
    assert_eq!(api["leader_level"], 3);
    assert_eq!(api["authority_level"], 2);
    let area = m.get(&format!("/api/v1/org-units/{}", fx.area)).await.json();
    assert_eq!((area["leader_level"].as_i64(), area["authority_level"].as_i64()), (Some(2), Some(1)));
});

both!(people_admin_creates_and_edits, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let res = m
        .post(
            "/people",
            &[
                ("name", "Nora Ny"),
                ("email", "Nora@Test.no"),
                ("title", "Rådgiver"),
                ("unit_id", &fx.staff.to_string()),
                ("active", "1"),
            ],
        )
        .await
        .expect(303);
    let page = m.get(res.location()).await.expect(200);
    page.contains("Nora Ny").contains("nora@test.no").contains("Økonomi");
    m.get("/people?q=nora").await.expect(200).contains("Nora Ny").lacks("Erik Ansatt");
    // A leader edits people in own unit only, and cannot move them out of scope.
    let mut x = t.login("lederx").await;
    let erik = format!("/people/{}", fx.employee_x);
    let v = x.get(&erik).await.expect(200).input_value("version").unwrap();
    x.post(
        &erik,
        &[
            ("name", "Erik Ansatt"),
            ("title", "Lærer"),
            ("unit_id", &fx.dept_x.to_string()),
            ("active", "1"),
            ("version", &v),
        ],
    )
    .await
    .expect(303);
    let v = x.get(&erik).await.input_value("version").unwrap();
    x.post(&erik, &[("name", "Erik Ansatt"), ("unit_id", &fx.unit_y.to_string()), ("active", "1"), ("version", &v)])
        .await
        .expect(403);
    assert_eq!(t.db.person(fx.municipality, fx.employee_x).await.unwrap().unit_id, Some(fx.dept_x));
});

both!(output_is_escaped, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let payload = "<script>alert('x')</script>";
    let v = t.db.org_unit(fx.municipality, fx.unit_y).await.unwrap().version.to_string();
    save_unit(&mut m, fx.unit_y, &[("name", payload), ("valid_from", "2020-01-01"), ("version", &v)]).await.expect(303);
    for page in ["/org".to_owned(), format!("/org/{}", fx.unit_y), format!("/org/{}", fx.area)] {
        let res = m.get(&page).await.expect(200);
        assert!(!res.body.contains(payload), "{page} must escape the name");
        assert!(res.body.contains("&#60;script&#62;"), "{page} shows the escaped name");
    }
});

both!(tree_cache_follows_changes_from_any_process, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut here = t.login("styring").await;
    here.get("/org?retired=1").await.expect(200).contains("Yskolen");
    // A second application process on the same database: its writes must show up here at once.
    let other = t.second_process();
    let mut there = other.login("admin").await;
    let v = t.db.org_unit(fx.municipality, fx.unit_y).await.unwrap().version.to_string();
    save_unit(&mut there, fx.unit_y, &[("name", "Yskolen omdøpt"), ("valid_from", "2020-01-01"), ("version", &v)])
        .await
        .expect(303);
    here.get("/org?retired=1").await.expect(200).contains("Yskolen omdøpt");
    // Leader names come from people: renaming a leader shows in the cached tree too.
    let v = t.db.person(fx.municipality, fx.leader_x).await.unwrap().version.to_string();
    there
        .post(
            &format!("/people/{}", fx.leader_x),
            &[("name", "Xenia Leder"), ("unit_id", &fx.unit_x.to_string()), ("active", "1"), ("version", &v)],
        )
        .await
        .expect(303);
    here.get("/org?q=Xskolen").await.expect(200).contains("Xenia Leder");
    let api = here.get(&format!("/api/v1/org-units/{}", fx.unit_x)).await.json();
    assert_eq!(api["leader_name"], "Xenia Leder");
});

both!(people_search_matches_literally_and_folds_norwegian_letters, |t: TestApp| async move {
    let a = rodtrad_store::Author { municipality_id: t.fx.municipality, user_id: None, name: "Test".into() };
    for name in ["Ørjan Æsøy", "Åse 100% Berg", "Per Under_strek", "Pia Understrek"] {
        let input = rodtrad_store::people::PersonInput {
            name: rodtrad_domain::Name::parse(name).unwrap(),
            email: None,
            title: None,
            unit_id: Some(t.fx.unit_x),
            active: true,
        };
        t.db.person_create(&a, &input).await.unwrap();
    }
    let mut c = t.login("styring").await;
    let cases: [(&str, &[&str], &[&str]); 5] = [
        ("ørjan", &["Ørjan Æsøy"], &["Åse 100% Berg"]),
        ("ÆSØY", &["Ørjan Æsøy"], &[]),
        ("åse", &["Åse 100% Berg"], &[]),
        ("%", &["Åse 100% Berg"], &["Ørjan Æsøy", "Pia Understrek"]),
        ("r_s", &["Per Under_strek"], &["Pia Understrek"]),
    ];
    for (q, found, missing) in cases {
        let query = serde_urlencoded::to_string([("q", q)]).unwrap();
        let page = c.get(&format!("/people?{query}")).await.expect(200);
        let api = c.get(&format!("/api/v1/people?{query}")).await.expect(200).json();
        let api_names: Vec<&str> = api.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        for name in found {
            page.contains(name);
            assert!(api_names.contains(name), "{q}: {api_names:?}");
        }
        for name in missing {
            page.lacks(name);
            assert!(!api_names.contains(name), "{q}: {api_names:?}");
        }
    }
});
