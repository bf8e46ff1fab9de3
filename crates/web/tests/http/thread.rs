//! The red thread across plans: the unified tree, every break type on crafted data, filters.

use crate::both;
use crate::harness::TestApp;
use rodtrad_domain::Name;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanType};
use rodtrad_store::Author;
use rodtrad_store::plans::{ElementInput, PlanInput};

fn element(kind: ElementKind, text: &str, owner: Option<i64>, sdg: &[&str]) -> ElementInput {
    ElementInput {
        kind,
        text: text.into(),
        owner_unit_id: owner,
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: sdg.iter().map(|s| (s.to_string(), false)).collect(),
    }
}

fn plan(t: PlanType, title: &str, owner: Option<i64>) -> PlanInput {
    PlanInput {
        plan_type: t,
        title: Name::parse(title).unwrap(),
        start_year: 2024,
        end_year: 2027,
        owner_unit_id: owner,
        published: false,
    }
}

both!(every_break_type_is_found_and_linked, |t: TestApp| async move {
    let fx = t.fx.clone();
    let db = &t.db;
    let a = Author { municipality_id: fx.municipality, user_id: None, name: "Test".into() };
    let master =
        db.plan_create(&a, &plan(PlanType::MasterPlanSocial, "Kommuneplan", Some(fx.root)), &[]).await.unwrap();
    let g1 = db
        .element_create(&a, master, None, &element(ElementKind::MainGoal, "Barn og unge mestrer livet", None, &["4.1"]))
        .await
        .unwrap();
    let s1 = db
        .element_create(&a, master, Some(g1), &element(ElementKind::SubGoal, "Alle elever lærer å lese", None, &[]))
        .await
        .unwrap();
    db.element_create(
        &a,
        master,
        Some(s1),
        &element(ElementKind::Strategy, "Vi skal satse på tidlig innsats", None, &[]),
    )
    .await
    .unwrap();
    db.element_create(
        &a,
        master,
        Some(s1),
        &element(ElementKind::Indicator, "Andel elever over kritisk grense", None, &[]),
    )
    .await
    .unwrap();
    let g2 = db
        .element_create(&a, master, None, &element(ElementKind::MainGoal, "Asker er klimanøytral", None, &["13.2"]))
        .await
        .unwrap();

    // The action programme distributes S1 to Oppvekst, which follows up with two assignments.
    let ap = db
        .plan_create(&a, &plan(PlanType::ActionProgramme, "Handlingsprogram", Some(fx.root)), &[master])
        .await
        .unwrap();
    db.element_inherit(&a, ap, g1).await.unwrap();
    let s1_ap = db.element_inherit(&a, ap, s1).await.unwrap();
    let v = db.element(fx.municipality, s1_ap).await.unwrap().version;
    db.element_assign(&a, s1_ap, v, Some(fx.area)).await.unwrap();
    let a1 = db
        .element_create(
            &a,
            ap,
            Some(s1_ap),
            &element(ElementKind::Assignment, "Leseløft i alle skoler", Some(fx.unit_x), &[]),
        )
        .await
        .unwrap();
    let a2 = db
        .element_create(&a, ap, Some(s1_ap), &element(ElementKind::Assignment, "Skolebibliotek", Some(fx.unit_x), &[]))
        .await
        .unwrap();
    // The unit plan takes both assignments and adds measures.
    let up =
        db.plan_create(&a, &plan(PlanType::UnitPlan, "Virksomhetsplan Xskolen", Some(fx.unit_x)), &[ap]).await.unwrap();
    let a1_up = db.element_inherit(&a, up, a1).await.unwrap();
    db.element_create(&a, up, Some(a1_up), &element(ElementKind::Measure, "Lesekurs for 1. trinn", None, &[]))
        .await
        .unwrap();
    let a2_up = db.element_inherit(&a, up, a2).await.unwrap();
    let m2 =
        db.element_create(&a, up, Some(a2_up), &element(ElementKind::Measure, "Nye bøker", None, &[])).await.unwrap();

    let mut m = t.login("styring").await;
    // The reading chain is whole; only G2, with nothing under it, breaks (no strategy, measure, indicator).
    let page = m.get("/red-thread").await.expect(200);
    page.contains("3 brudd.")
        .contains("Lesekurs for 1. trinn")
        .contains("Virksomhetsplan Xskolen")
        .lacks("<td>Ingen vei til et mål</td>");

    // Break: the staff unit's programme also gets S1, with no follow-up there.
    let staff_plan = db
        .plan_create(&a, &plan(PlanType::ActionProgramme, "Stabens handlingsplan", Some(fx.staff)), &[master])
        .await
        .unwrap();
    db.element_inherit(&a, staff_plan, g1).await.unwrap();
    let s1_staff = db.element_inherit(&a, staff_plan, s1).await.unwrap();
    // Break: the second assignment is removed at its source; the unit plan's copy is orphaned and its
    // measure has lost its path to a goal.
    let v = db.element(fx.municipality, a2).await.unwrap().version;
    db.element_remove(&a, a2, v).await.unwrap();

    let page = m.get("/red-thread").await.expect(200);
    for label in [
        "Ingen vei til et mål",
        "Mål uten strategi",
        "Mål uten tiltak",
        "Mål uten indikator",
        "Tjenesteområdet mangler oppdrag eller tiltak",
        "Kilden er fjernet",
    ] {
        page.contains(&format!("<td>{label}</td>"));
    }
    page.contains("6 brudd.");
    // Each break links to the element to fix.
    for id in [m2, g2, s1_staff, a2_up] {
        page.contains(&format!("href=\"/elements/{id}\""));
    }
    page.contains("Brudd per tjenesteområde").contains("Økonomi");

    // Filters: by service area, SDG, plan; a bad filter is refused with the page still shown.
    let area = m.get(&format!("/red-thread?area={}", fx.area)).await.expect(200);
    area.contains("Leseløft i alle skoler").lacks("Asker er klimanøytral");
    let sdg = m.get("/red-thread?sdg=13").await.expect(200);
    sdg.contains("Asker er klimanøytral").lacks("Leseløft i alle skoler");
    m.get(&format!("/red-thread?plan={up}"))
        .await
        .expect(200)
        .contains("Lesekurs for 1. trinn")
        .lacks("Asker er klimanøytral");
    m.get("/red-thread?sdg=99").await.expect(422);
    m.get("/red-thread?area=abc").await.expect(422);

    // Following a break to its fix: give G2 a strategy, a measure path and an indicator.
    let st = db
        .element_create(&a, master, Some(g2), &element(ElementKind::Strategy, "Vi skal kutte utslipp", None, &[]))
        .await
        .unwrap();
    db.element_create(&a, master, Some(st), &element(ElementKind::Measure, "Fossilfrie byggeplasser", None, &[]))
        .await
        .unwrap();
    db.element_create(&a, master, Some(g2), &element(ElementKind::Indicator, "Tonn CO2", None, &[])).await.unwrap();
    let page = m.get("/red-thread").await.expect(200);
    page.contains("3 brudd.").lacks("<td>Mål uten strategi</td>").contains("<td>Kilden er fjernet</td>");
    // Politicians read the thread of what is put before them: not the draft, but once it is on hearing.
    let mut p = t.login("politiker").await;
    p.get("/red-thread").await.expect(200).lacks("Barn og unge mestrer livet");
    let version = db.plan(fx.municipality, master).await.unwrap().version;
    db.plan_transition(&a, master, version, rodtrad_domain::plan::PlanStatus::Hearing).await.unwrap();
    p.get("/red-thread").await.expect(200).contains("Barn og unge mestrer livet");
    // Other municipalities see none of it.
    let mut b = t.client();
    b.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    b.get("/red-thread").await.expect(200).lacks("Barn og unge mestrer livet").contains("0 elementer");
});

both!(cached_thread_follows_changes_from_any_process, |t: TestApp| async move {
    let fx = t.fx.clone();
    let a = Author { municipality_id: fx.municipality, user_id: None, name: "Test".into() };
    let master =
        t.db.plan_create(&a, &plan(PlanType::MasterPlanSocial, "Kommuneplan", Some(fx.root)), &[]).await.unwrap();
    let goal =
        t.db.element_create(&a, master, None, &element(ElementKind::MainGoal, "Gammel tekst", None, &[]))
            .await
            .unwrap();
    let mut here = t.login("styring").await;
    here.get("/red-thread").await.expect(200).contains("Gammel tekst");
    // A second process on the same database changes the element and the plan.
    let other = t.second_process();
    let mut there = other.login("admin").await;
    let v = there.get(&format!("/elements/{goal}")).await.expect(200).input_value("version").unwrap();
    there.post(&format!("/elements/{goal}"), &[("text", "Ny tekst"), ("version", &v)]).await.expect(303);
    here.get("/red-thread").await.expect(200).contains("Ny tekst").lacks("Gammel tekst");
    let v = there.get(&format!("/plans/{master}")).await.expect(200).input_value("version").unwrap();
    there
        .post(
            &format!("/plans/{master}"),
            &[("title", "Kommuneplan 2030"), ("start_year", "2024"), ("end_year", "2027"), ("version", &v)],
        )
        .await
        .expect(303);
    here.get("/red-thread").await.expect(200).contains("Kommuneplan 2030");
    // Adding a strategy under the goal removes that break at once.
    let before = here.get("/red-thread").await.expect(200);
    before.contains("<td>Mål uten strategi</td>");
    there
        .post(
            &format!("/plans/{master}/elements"),
            &[("kind", "strategy"), ("text", "Vi skal gjøre det"), ("parent_id", &goal.to_string())],
        )
        .await
        .expect(303);
    here.get("/red-thread").await.expect(200).lacks("<td>Mål uten strategi</td>");
});
