//! SDG catalogue, priorities, contributions and coverage per service area.

use crate::both;
use crate::harness::TestApp;
use rodtrad_domain::Name;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanType};
use rodtrad_store::Author;
use rodtrad_store::plans::{ElementInput, PlanInput};

both!(sdg_pages_show_priorities_contributions_and_coverage, |t: TestApp| async move {
    let fx = t.fx.clone();
    let a = Author { municipality_id: fx.municipality, user_id: None, name: "Test".into() };
    let input = |kind, text: &str, owner: Option<i64>, sdg: &[(&str, bool)]| ElementInput {
        kind,
        text: text.into(),
        owner_unit_id: owner,
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: sdg.iter().map(|(c, ad)| (c.to_string(), *ad)).collect(),
    };
    let plan = PlanInput {
        plan_type: PlanType::ActionProgramme,
        title: Name::parse("Handlingsprogram").unwrap(),
        start_year: 2024,
        end_year: 2027,
        owner_unit_id: Some(fx.root),
        published: false,
    };
    let p = t.db.plan_create(&a, &plan, &[]).await.unwrap();
    let g =
        t.db.element_create(&a, p, None, &input(ElementKind::MainGoal, "Byen har ren luft", None, &[("11.6", true)]))
            .await
            .unwrap();
    t.db.element_create(
        &a,
        p,
        Some(g),
        &input(
            ElementKind::Assignment,
            "Måle luftkvalitet ved skolene",
            Some(fx.unit_x),
            &[("11.6", false), ("3.9", false)],
        ),
    )
    .await
    .unwrap();

    let mut m = t.login("styring").await;
    // Priorities: bad input refused, then the six goals saved and listed first.
    m.post("/sdg/priorities", &[("first_year", "20"), ("last_year", "2027"), ("goal", "11")])
        .await
        .expect(422)
        .contains("Årstallet må ha fire siffer.");
    let year = chrono::Utc::now().date_naive().format("%Y").to_string();
    let form: Vec<(&str, &str)> = vec![("first_year", &year), ("last_year", &year), ("goal", "11"), ("goal", "3")];
    m.post("/sdg/priorities", &form).await.expect(303);
    let page = m.get("/sdg").await.expect(200);
    let pos = |s: &str| page.body.find(s).unwrap_or(usize::MAX);
    assert!(pos(">Bærekraftige byer og lokalsamfunn<") < pos(">Ingen fattigdom<"), "prioritised goals come first");
    page.contains("Prioritert").contains("2 elementer i planene").contains("Dekning per tjenesteområde");
    // Coverage: Oppvekst has the assignment (unit X belongs to it).
    let row = page
        .body
        .split("<a class=\"ds-link\" href=\"/sdg/11\">")
        .nth(1)
        .unwrap_or_default()
        .split("</tr>")
        .next()
        .unwrap_or_default();
    assert!(row.contains("<td class=\"num\">1</td>"), "Oppvekst row shows one element for goal 11");

    let goal = m.get("/sdg/11").await.expect(200);
    goal.contains("Bærekraftsmål 11")
        .contains("Byen har ren luft")
        .contains("Måle luftkvalitet ved skolene")
        .contains("11.6")
        .contains("uoffisiell oversettelse");
    m.get("/sdg/18").await.expect(404);
    m.get("/sdg/abc").await.expect(400);
    m.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    m.get("/sdg/11").await.expect(200).contains("SDG 11: Sustainable cities and communities");

    // Everyone signed in reads; only staff set priorities. The action programme is still a draft,
    // which the administration works on and the politician does not read.
    let mut p = t.login("politiker").await;
    p.get("/sdg/11").await.expect(200).contains("Bærekraftsmål 11").lacks("Byen har ren luft");
    let mut x = t.login("lederx").await;
    x.post("/sdg/priorities", &form).await.expect(403);
});

both!(administrators_correct_unofficial_target_wording, |t: TestApp| async move {
    let mut a = t.login("admin").await;
    // 1.a has no usable bokmål text in the shipped data: the English original is shown, marked.
    a.get("/sdg/1").await.expect(200).contains("norsk tekst mangler, engelsk original").contains("Rett ordlyden");
    let fixed = "Sikre betydelig mobilisering av ressurser fra mange kilder for å avskaffe fattigdom";
    a.post("/sdg/targets/1.a", &[("text", fixed), ("goal", "1")]).await.expect(303);
    let page = a.get("/sdg/1").await.expect(200);
    page.contains(fixed);
    assert!(
        !page.body.split("id=\"t-1.a\"").nth(1).unwrap().split("</tr>").next().unwrap().contains("engelsk original")
    );
    a.post("/sdg/targets/18.1", &[("text", "x"), ("goal", "1")]).await.expect(422);
    let row = t.db.audit_list(t.fx.municipality, &Default::default(), 1).await.unwrap().remove(0);
    assert_eq!((row.entity.as_str(), row.after_json.unwrap().0["code"].as_str()), ("sdg_target", Some("1.a")));
    // Only system administrators; staff and leaders see no form and are refused.
    let mut m = t.login("styring").await;
    m.get("/sdg/1").await.expect(200).contains(fixed).lacks("Rett ordlyden");
    m.post("/sdg/targets/1.a", &[("text", "x"), ("goal", "1")]).await.expect(403);
    // An empty text restores the shipped wording.
    a.post("/sdg/targets/1.a", &[("text", ""), ("goal", "1")]).await.expect(303);
    a.get("/sdg/1").await.expect(200).lacks(fixed);
    a.get("/audit?entity=sdg_target").await.expect(200).contains("Bærekraftsdelmål");
});
