//! Who reads which plans (`domain::access::Actor::plan_view`): drafts stay with the administration
//! and the owner unit, a revised plan shows others its adopted version only, on every page and in
//! the API; and a unit plan is adopted by the superior leader, never by its own unit.

use crate::both;
use crate::harness::{Client, Res, TestApp};
use crate::plans::{id_in, move_to};

async fn new_plan(c: &mut Client, plan_type: &str, title: &str, owner: Option<i64>) -> i64 {
    let owner = owner.map(|o| o.to_string()).unwrap_or_default();
    let form = [
        ("plan_type", plan_type),
        ("title", title),
        ("start_year", "2024"),
        ("end_year", "2030"),
        ("owner_unit_id", owner.as_str()),
    ];
    let res = c.post("/plans", &form).await.expect(303);
    id_in(res.location(), "/plans/")
}

async fn new_element(c: &mut Client, plan: i64, kind: &str, text: &str, sdg: &str) -> i64 {
    let form = [("kind", kind), ("text", text), ("parent_id", ""), ("sdg_targets", sdg)];
    let res = c.post(&format!("/plans/{plan}/elements"), &form).await.expect(303);
    id_in(res.location(), "#e-")
}

/// Every read of one plan and one of its elements, page and API, answered 404.
async fn hidden(c: &mut Client, plan: i64, element: i64) {
    for path in [
        format!("/plans/{plan}"),
        format!("/plans/{plan}/versions"),
        format!("/plans/{plan}/export.csv"),
        format!("/plans/{plan}/export.xlsx"),
        format!("/elements/{element}"),
        format!("/api/v1/plans/{plan}"),
        format!("/api/v1/plans/{plan}/elements"),
        format!("/api/v1/elements/{element}"),
    ] {
        let status = c.get(&path).await.status.as_u16();
        assert_eq!(status, 404, "{path} must be as unknown as another municipality's id");
    }
}

fn api_plan_ids(c: &Res) -> Vec<i64> {
    c.json().as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
}

both!(drafts_are_read_by_the_administration_and_the_owner_unit_only, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let draft = new_plan(&mut m, "master_plan_social", "Utkast til samfunnsdel", Some(fx.root)).await;
    let goal = new_element(&mut m, draft, "main_goal", "Hemmelig utkastmål om ren luft", "11.6").await;
    let mut x = t.login("lederx").await;
    let unit_plan = new_plan(&mut x, "unit_plan", "Virksomhetsplan Xskolen", Some(fx.unit_x)).await;
    let unit_goal = new_element(&mut x, unit_plan, "main_goal", "Xskolens utkastmål", "").await;

    // Politicians, the auditor and employees outside the owner unit: not listed, not found, nowhere.
    for login in ["politiker", "revisor", "ansattx"] {
        let mut c = t.login(login).await;
        c.get("/plans").await.expect(200).lacks("Utkast til samfunnsdel");
        let listed = api_plan_ids(&c.get("/api/v1/plans").await.expect(200));
        assert!(!listed.contains(&draft), "{login} gets the draft from the API");
        hidden(&mut c, draft, goal).await;
        c.get("/red-thread").await.expect(200).lacks("Hemmelig utkastmål");
        c.get("/sdg/11").await.expect(200).lacks("Hemmelig utkastmål");
        c.get("/sdg").await.expect(200);
    }
    for login in ["politiker", "revisor"] {
        let mut c = t.login(login).await;
        c.get("/plans").await.expect(200).lacks("Virksomhetsplan Xskolen");
        hidden(&mut c, unit_plan, unit_goal).await;
    }
    // The employee reads their own unit's draft.
    let mut e = t.login("ansattx").await;
    e.get("/plans").await.expect(200).contains("Virksomhetsplan Xskolen");
    e.get(&format!("/plans/{unit_plan}")).await.expect(200).contains("Xskolens utkastmål");
    e.get(&format!("/api/v1/elements/{unit_goal}")).await.expect(200);
    // The administration works on drafts: every leader and the staff read both.
    for login in ["styring", "admin", "direktor", "lederx", "ledery", "avdleder"] {
        let mut c = t.login(login).await;
        c.get("/plans").await.expect(200).contains("Utkast til samfunnsdel").contains("Virksomhetsplan Xskolen");
        c.get(&format!("/plans/{draft}")).await.expect(200).contains("Hemmelig utkastmål");
        let listed = api_plan_ids(&c.get("/api/v1/plans").await.expect(200));
        assert!(listed.contains(&draft) && listed.contains(&unit_plan), "{login}");
        c.get(&format!("/api/v1/elements/{goal}")).await.expect(200);
    }
    // Sent on hearing, the draft is formally before the politicians and the public.
    move_to(&mut m, draft, "hearing").await.expect(303);
    let mut p = t.login("politiker").await;
    p.get("/plans").await.expect(200).contains("Utkast til samfunnsdel");
    p.get(&format!("/plans/{draft}")).await.expect(200).contains("Hemmelig utkastmål");
    p.get(&format!("/api/v1/elements/{goal}")).await.expect(200);
    p.get("/sdg/11").await.expect(200).contains("Hemmelig utkastmål");
});

both!(a_plan_under_revision_reads_as_adopted_for_politicians_and_as_edited_for_staff, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let plan = new_plan(&mut m, "master_plan_social", "Samfunnsdelen", Some(fx.root)).await;
    let goal = new_element(&mut m, plan, "main_goal", "Alle har en trygg oppvekst", "4.1").await;
    let dropped = new_element(&mut m, plan, "main_goal", "Et mål revisjonen fjerner", "").await;
    let form = [("kind", "assignment"), ("text", "Skolene følger opp trivsel"), ("parent_id", &goal.to_string())];
    let res = m.post(&format!("/plans/{plan}/elements"), &form).await.expect(303);
    let assignment = id_in(res.location(), "#e-");
    move_to(&mut m, plan, "hearing").await.expect(303);
    let decision = [("body", "Kommunestyret"), ("case_number", "24/7"), ("decided_on", "2024-06-20")];
    m.post(&format!("/plans/{plan}/decisions"), &decision).await.expect(303);
    move_to(&mut m, plan, "adopted").await.expect(303);
    // A unit plan serving the goal inherits the assignment and is approved above the school.
    let form = [
        ("plan_type", "unit_plan"),
        ("title", "Virksomhetsplan Xskolen"),
        ("start_year", "2024"),
        ("end_year", "2030"),
        ("owner_unit_id", &fx.unit_x.to_string()),
        ("source", &plan.to_string()),
    ];
    let unit_plan = id_in(m.post("/plans", &form).await.expect(303).location(), "/plans/");
    let inherit = [("source_element_id", assignment.to_string())];
    let inherit: Vec<(&str, &str)> = inherit.iter().map(|(k, v)| (*k, v.as_str())).collect();
    m.post(&format!("/plans/{unit_plan}/inherit"), &inherit).await.expect(303);
    move_to(&mut m, unit_plan, "delivered").await.expect(303);
    move_to(&mut m, unit_plan, "adopted").await.expect(303);
    move_to(&mut m, plan, "under_revision").await.expect(303);
    // Revision: the goal is reworded and a new goal is added; neither is adopted yet.
    let version = m.get(&format!("/elements/{goal}")).await.expect(200).input_value("version").unwrap();
    let edit = [("text", "Alle barn og unge har en trygg og god oppvekst"), ("status", "draft"), ("version", &version)];
    m.post(&format!("/elements/{goal}"), &edit).await.expect(303);
    let added = new_element(&mut m, plan, "main_goal", "Nytt mål fra revisjonen", "13.2").await;
    let version = m.get(&format!("/elements/{dropped}")).await.expect(200).input_value("version").unwrap();
    m.post(&format!("/elements/{dropped}/remove"), &[("version", &version)]).await.expect(303);

    for login in ["politiker", "revisor", "ansattx"] {
        let mut c = t.login(login).await;
        c.get(&format!("/plans/{plan}"))
            .await
            .expect(200)
            .contains("Alle har en trygg oppvekst")
            .lacks("Alle barn og unge")
            .lacks("Nytt mål fra revisjonen");
        c.get(&format!("/elements/{goal}")).await.expect(200).contains("Alle har en trygg oppvekst").lacks("Alle barn");
        // Removing is an unadopted edit too: the removed goal is still part of what was adopted.
        c.get(&format!("/plans/{plan}")).await.expect(200).contains("Et mål revisjonen fjerner");
        c.get(&format!("/elements/{dropped}")).await.expect(200).contains("Et mål revisjonen fjerner");
        c.get(&format!("/elements/{added}")).await.expect(404);
        // The unit plan shows the goal its assignment serves as adopted too.
        c.get(&format!("/plans/{unit_plan}"))
            .await
            .expect(200)
            .contains("Skolene følger opp trivsel")
            .contains("Alle har en trygg oppvekst")
            .lacks("Alle barn og unge");
        c.get(&format!("/api/v1/elements/{added}")).await.expect(404);
        let api = c.get(&format!("/api/v1/elements/{goal}")).await.expect(200).json();
        assert_eq!(api["text"], "Alle har en trygg oppvekst", "{login}");
        assert_eq!(api["sdg_targets"], serde_json::json!(["4.1"]), "{login}");
        let texts: Vec<String> = c
            .get(&format!("/api/v1/plans/{plan}/elements"))
            .await
            .expect(200)
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["text"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            texts,
            ["Alle har en trygg oppvekst", "Skolene følger opp trivsel", "Et mål revisjonen fjerner"],
            "{login}"
        );
        let csv = c.get(&format!("/plans/{plan}/export.csv")).await.expect(200);
        csv.contains("Alle har en trygg oppvekst").lacks("Alle barn og unge").lacks("Nytt mål fra revisjonen");
        c.get("/red-thread").await.expect(200).contains("Alle har en trygg oppvekst").lacks("Nytt mål fra revisjonen");
        c.get("/sdg/13").await.expect(200).lacks("Nytt mål fra revisjonen");
        // The versions page compares adopted versions only; the working copy is not offered.
        c.get(&format!("/plans/{plan}/versions")).await.expect(200).lacks("Gjeldende utkast");
        c.get(&format!("/plans/{plan}/versions?from=1&to=draft")).await.expect(422);
    }
    // The staff working on the revision read the new text.
    for login in ["styring", "lederx"] {
        let mut c = t.login(login).await;
        c.get(&format!("/plans/{plan}"))
            .await
            .expect(200)
            .contains("Alle barn og unge har en trygg og god oppvekst")
            .contains("Nytt mål fra revisjonen")
            .lacks("Et mål revisjonen fjerner");
        c.get(&format!("/elements/{dropped}")).await.expect(404);
        let api = c.get(&format!("/api/v1/elements/{goal}")).await.expect(200).json();
        assert_eq!(api["text"], "Alle barn og unge har en trygg og god oppvekst");
        c.get(&format!("/plans/{unit_plan}"))
            .await
            .expect(200)
            .contains("Alle barn og unge har en trygg og god oppvekst");
        c.get("/sdg/13").await.expect(200).contains("Nytt mål fra revisjonen");
        c.get(&format!("/plans/{plan}/versions?from=1&to=draft")).await.expect(200).contains("Nytt mål fra revisjonen");
    }
    // Adopted again, the new text is what everyone reads.
    move_to(&mut m, plan, "adopted").await.expect(303);
    let mut p = t.login("politiker").await;
    p.get(&format!("/plans/{plan}"))
        .await
        .expect(200)
        .contains("Alle barn og unge")
        .contains("Nytt mål fra revisjonen");
});

both!(a_unit_plan_is_adopted_by_the_superior_leader_not_by_its_own_unit, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut x = t.login("lederx").await;
    let plan = new_plan(&mut x, "unit_plan", "Virksomhetsplan Xskolen", Some(fx.unit_x)).await;
    // The unit's own leader: no approve button, a hint, and delivering is the next step.
    x.get(&format!("/plans/{plan}"))
        .await
        .expect(200)
        .lacks("Sett som «Vedtatt»")
        .lacks("Godkjenn planen")
        .contains("Lever til godkjenning")
        .contains("Virksomhetsplanen godkjennes av overordnet leder");
    // Not even the superior approves a plan that was never delivered.
    let mut d = t.login("direktor").await;
    move_to(&mut d, plan, "adopted").await.expect(422).contains("må leveres før den kan godkjennes");
    move_to(&mut x, plan, "delivered").await.expect(303);
    // Delivered, the own leader still may not approve it: refused with nothing changed.
    x.get(&format!("/plans/{plan}")).await.expect(200).lacks("Godkjenn planen");
    let before = t.audit_count().await;
    move_to(&mut x, plan, "adopted").await.expect(422).contains("godkjennes av overordnet leder, ikke av virksomheten");
    assert_eq!(t.audit_count().await, before, "a refused adoption writes nothing");
    let api = x.get(&format!("/api/v1/plans/{plan}")).await.expect(200).json();
    assert_eq!(api["status"], "delivered");
    // The API has no way around it: a PUT carrying a status changes the plan's fields only.
    let put = serde_json::json!({"plan_type": "unit_plan", "title": "Virksomhetsplan Xskolen", "start_year": 2024,
        "end_year": 2030, "owner_unit_id": fx.unit_x, "status": "adopted", "version": api["version"]});
    let mut token = t.login("lederx").await;
    let csrf = token.csrf().await;
    token
        .send(
            axum::http::Method::PUT,
            &format!("/api/v1/plans/{plan}"),
            Some(put.to_string()),
            &[("content-type", "application/json"), ("x-csrf-token", &csrf)],
        )
        .await
        .expect(200);
    assert_eq!(x.get(&format!("/api/v1/plans/{plan}")).await.expect(200).json()["status"], "delivered");
    // In the user's language.
    x.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    move_to(&mut x, plan, "adopted").await.expect(422).contains("approved by the superior leader");
    x.post("/language", &[("lang", "nn"), ("next", "/")]).await.expect(303);
    move_to(&mut x, plan, "adopted").await.expect(422).contains("overordna leiar");
    x.post("/language", &[("lang", "nb"), ("next", "/")]).await.expect(303);

    // A department's plan: its head delivers it and may not approve it, the school's leader above may.
    let mut head = t.login("avdleder").await;
    let sfo = new_plan(&mut head, "unit_plan", "Virksomhetsplan SFO", Some(fx.dept_x)).await;
    move_to(&mut head, sfo, "delivered").await.expect(303);
    move_to(&mut head, sfo, "adopted").await.expect(422);
    let mut x = t.login("lederx").await;
    x.get(&format!("/plans/{sfo}")).await.expect(200).contains("Godkjenn planen");
    move_to(&mut x, sfo, "adopted").await.expect(303);
    // The director above the school approves the school's plan; it freezes a version as usual.
    d.get(&format!("/plans/{plan}")).await.expect(200).contains("Godkjenn planen").lacks("godkjennes av overordnet");
    move_to(&mut d, plan, "adopted").await.expect(303);
    assert_eq!(d.get(&format!("/api/v1/plans/{plan}")).await.expect(200).json()["status"], "adopted");
    assert_eq!(t.db.plan_versions(plan).await.unwrap().len(), 1);
    // The municipality-wide staff may too, once it is delivered.
    let mut m = t.login("styring").await;
    let y = new_plan(&mut m, "unit_plan", "Virksomhetsplan Yskolen", Some(fx.unit_y)).await;
    move_to(&mut m, y, "delivered").await.expect(303);
    move_to(&mut m, y, "adopted").await.expect(303);
});
