//! Editing the goal structure (issue #12): the read-only notice of adopted plans, moving elements,
//! goal paths in unit plans and the grouped, searchable owner choice.

use crate::api::{json, token_client};
use crate::both;
use crate::harness::{Client, TestApp};
use crate::plans::{id_in, move_to, new_element, new_plan, version_of};

async fn inherit(c: &mut Client, plan: i64, source: i64) -> i64 {
    let res =
        c.post(&format!("/plans/{plan}/inherit"), &[("source_element_id", &source.to_string())]).await.expect(303);
    id_in(res.location(), "#e-")
}

/// A master plan taken through hearing and a decision to adoption.
async fn adopt(c: &mut Client, plan: i64) {
    move_to(c, plan, "hearing").await.expect(303);
    c.post(
        &format!("/plans/{plan}/decisions"),
        &[("body", "Kommunestyret"), ("case_number", "sak 1/24"), ("decided_on", "2024-02-01")],
    )
    .await
    .expect(303);
    move_to(c, plan, "adopted").await.expect(303);
}

const REVISE_BUTTON: &str = "Sett planen under revisjon</button>";

both!(adopted_plans_say_why_they_cannot_be_edited, |t: TestApp| async move {
    let mut m = t.login("styring").await;
    let plan = new_plan(&mut m, "master_plan_social", "Kommuneplan", Some(t.fx.root), &[]).await;
    let goal = new_element(&mut m, plan, None, "main_goal", "Innbyggerne lever gode liv").await;
    let element = format!("/elements/{goal}");
    m.get(&element).await.expect(200).lacks("Planen er vedtatt").lacks(REVISE_BUTTON);
    adopt(&mut m, plan).await;
    // The editor is told why and gets the button on the element page and the plan page.
    for page in [element.clone(), format!("/plans/{plan}")] {
        m.get(&page)
            .await
            .expect(200)
            .contains("Planen er vedtatt, så innholdet kan ikke endres.")
            .contains("sett planen under revisjon")
            .contains(REVISE_BUTTON);
    }
    // Someone who reads but may not edit is told the same, without the button.
    let mut x = t.login("lederx").await;
    x.get(&element)
        .await
        .expect(200)
        .contains("Planen er vedtatt, så innholdet kan ikke endres.")
        .contains("Be den som eier planen")
        .lacks(REVISE_BUTTON);
    // In English too.
    m.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    m.get(&element)
        .await
        .expect(200)
        .contains("put the plan under revision")
        .contains("Put the plan under revision</button>");
    m.post("/language", &[("lang", "nb"), ("next", "/")]).await.expect(303);
    // The button works from the element page: the plan is under revision and the element editable.
    let page = m.get(&element).await.expect(200);
    let v = page.input_value("version").unwrap();
    m.post(&format!("/plans/{plan}/status"), &[("status", "under_revision"), ("version", &v)]).await.expect(303);
    m.get(&element).await.expect(200).lacks("Planen er vedtatt").contains("Fjern elementet");
    // An expired plan cannot be revised: the notice says so and offers no button.
    move_to(&mut m, plan, "expired").await.expect(303);
    m.get(&element).await.expect(200).contains("Planen er utgått og kan ikke endres.").lacks(REVISE_BUTTON);
});

/// A measure in a unit plan that lost its path to a goal: it hangs under an inherited assignment
/// whose source was removed. Returns (unit plan, measure, the other inherited assignment, a local
/// main goal, a local sub-goal under it).
async fn broken_measure(t: &TestApp, m: &mut Client) -> (i64, i64, i64, i64, i64) {
    let master = new_plan(m, "master_plan_social", "Kommuneplan", Some(t.fx.root), &[]).await;
    let goal = new_element(m, master, None, "main_goal", "Barn og unge mestrer livet").await;
    let sub = new_element(m, master, Some(goal), "sub_goal", "Alle elever lærer å lese").await;
    let ap = new_plan(m, "action_programme", "Handlingsprogram", Some(t.fx.root), &[master]).await;
    inherit(m, ap, goal).await;
    let sub_ap = inherit(m, ap, sub).await;
    let a1 = new_element(m, ap, Some(sub_ap), "assignment", "Leseløft i alle skoler").await;
    let a2 = new_element(m, ap, Some(sub_ap), "assignment", "Skolebibliotek i alle skoler").await;
    let up = new_plan(m, "unit_plan", "Virksomhetsplan Xskolen", Some(t.fx.unit_x), &[ap]).await;
    let a1_up = inherit(m, up, a1).await;
    let a2_up = inherit(m, up, a2).await;
    let measure = new_element(m, up, Some(a2_up), "measure", "Lesekvarter hver morgen").await;
    let own_goal = new_element(m, up, None, "main_goal", "Elevene opplever mestring").await;
    let own_sub = new_element(m, up, Some(own_goal), "sub_goal", "Elevene leser godt").await;
    // The measure gets a responsible person, a deadline, a status and an SDG link.
    let v = version_of(m, &format!("/elements/{measure}")).await;
    m.post(
        &format!("/elements/{measure}"),
        &[
            ("text", "Lesekvarter hver morgen"),
            ("responsible_person_id", &t.fx.leader_x.to_string()),
            ("deadline", "2025-06-01"),
            ("status", "active"),
            ("sdg_targets", "4.1"),
            ("version", &v),
        ],
    )
    .await
    .expect(303);
    // The source of the second assignment is removed: the measure has no path to a goal.
    let v = version_of(m, &format!("/elements/{a2}")).await;
    m.post(&format!("/elements/{a2}/remove"), &[("version", &v)]).await.expect(303);
    (up, measure, a1_up, own_goal, own_sub)
}

both!(a_measure_moves_to_another_parent_and_keeps_its_history, |t: TestApp| async move {
    let mut m = t.login("styring").await;
    let (up, measure, a1_up, own_goal, own_sub) = broken_measure(&t, &mut m).await;
    let page = format!("/elements/{measure}");
    // The red thread lists the break and links straight to the parent choice.
    m.get("/red-thread")
        .await
        .expect(200)
        .contains("<td>Ingen vei til et mål</td>")
        .contains(&format!("href=\"/elements/{measure}#f-parent_id\""));
    // The choice lists only valid parents: assignments and sub-goals, not the main goal or the top.
    let res = m.get(&page).await.expect(200);
    res.contains("<label class=\"ds-label\" for=\"f-parent_id\">Ligger under</label>")
        .contains(&format!("<option value=\"{a1_up}\">Oppdrag: Leseløft i alle skoler</option>"))
        .contains(&format!("<option value=\"{own_sub}\">Delmål: Elevene leser godt</option>"))
        .lacks("Hovedmål: Elevene opplever mestring")
        .lacks("Øverste nivå i planen");
    let v = res.input_value("version").unwrap();
    let audit_before = t.audit_count().await;
    let form = |parent: String, version: String| {
        vec![
            ("text".to_owned(), "Lesekvarter hver morgen".to_owned()),
            ("parent_id".to_owned(), parent),
            ("responsible_person_id".to_owned(), t.fx.leader_x.to_string()),
            ("deadline".to_owned(), "2025-06-01".to_owned()),
            ("status".to_owned(), "active".to_owned()),
            ("sdg_targets".to_owned(), "4.1".to_owned()),
            ("version".to_owned(), version),
        ]
    };
    let send = |f: &Vec<(String, String)>| f.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
    // A parent it may not sit under, or the top of the plan: 422, the choice kept, nothing written.
    for bad in [own_goal.to_string(), String::new()] {
        let f = send(&form(bad.clone(), v.clone()));
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        m.post(&page, &f).await.expect(422).contains("Elementet kan ikke ligge der.");
    }
    assert_eq!(t.audit_count().await, audit_before);
    // A stale version: 409 and no move.
    let f = send(&form(a1_up.to_string(), "0".to_owned()));
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    m.post(&page, &f).await.expect(409).contains("Noen andre har lagret endringer");
    assert_eq!(t.audit_count().await, audit_before);
    // The move: same element, same status, responsible, deadline and SDG link; audited.
    let f = send(&form(a1_up.to_string(), v.clone()));
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    m.post(&page, &f).await.expect(303);
    let moved = t.db.element(t.fx.municipality, measure).await.unwrap();
    assert_eq!(moved.parent_id, Some(a1_up));
    assert_eq!(moved.status.code(), "active");
    assert_eq!(moved.responsible_person_id, Some(t.fx.leader_x));
    assert_eq!(moved.deadline.map(|d| d.to_string()).as_deref(), Some("2025-06-01"));
    let links = t.db.sdg_links(t.fx.municipality).await.unwrap();
    assert!(links.iter().any(|l| l.element_id == measure && l.target == "4.1"));
    let audit = t.db.audit_list(t.fx.municipality, &Default::default(), 1).await.unwrap().remove(0);
    assert_eq!((audit.entity.as_str(), audit.action.as_str(), audit.entity_id), ("goal_element", "update", measure));
    assert!(audit.after_json.as_ref().unwrap().0.to_string().contains(&format!("\"parent_id\":{a1_up}")));
    // The break is gone.
    m.get("/red-thread").await.expect(200).lacks("<td>Ingen vei til et mål</td>");
    m.get(&format!("/plans/{up}")).await.expect(200).contains("Lesekvarter hver morgen");

    // Moving under itself or under something below it is refused.
    let v = version_of(&mut m, &format!("/elements/{own_goal}")).await;
    for target in [own_goal, own_sub] {
        m.post(
            &format!("/elements/{own_goal}"),
            &[("text", "Elevene opplever mestring"), ("parent_id", &target.to_string()), ("version", &v)],
        )
        .await
        .expect(422)
        .contains("Et element kan ikke flyttes under seg selv");
    }
    // A save without the field leaves the element where it is.
    m.post(&format!("/elements/{own_sub}"), &[("text", "Elevene leser svært godt"), ("version", "1")])
        .await
        .expect(303);
    assert_eq!(t.db.element(t.fx.municipality, own_sub).await.unwrap().parent_id, Some(own_goal));
});

both!(elements_move_through_the_api, |t: TestApp| async move {
    use axum::http::Method;
    let mut m = t.login("styring").await;
    let (_, measure, a1_up, own_goal, own_sub) = broken_measure(&t, &mut m).await;
    let mut api = token_client(&t, "styring").await;
    let path = format!("/api/v1/elements/{measure}");
    let el = api.get(&path).await.expect(200).json();
    let body = |parent: serde_json::Value, version: &serde_json::Value| {
        serde_json::json!({"kind": "measure", "text": el["text"], "parent_id": parent,
            "responsible_person_id": el["responsible_person_id"], "deadline": el["deadline"],
            "status": el["status"], "sdg_targets": el["sdg_targets"], "version": version})
    };
    let res = json(&mut api, Method::PUT, &path, body(own_goal.into(), &el["version"])).await.expect(422);
    assert_eq!(res.json()["error"], "err-element-placement");
    json(&mut api, Method::PUT, &path, body(serde_json::Value::Null, &el["version"])).await.expect(422);
    let moved = json(&mut api, Method::PUT, &path, body(a1_up.into(), &el["version"])).await.expect(200).json();
    assert_eq!((moved["parent_id"].as_i64(), moved["status"].as_str()), (Some(a1_up), Some("active")));
    // The same stale version again: 409.
    json(&mut api, Method::PUT, &path, body(own_sub.into(), &el["version"])).await.expect(409);
    assert_eq!(t.db.element(t.fx.municipality, measure).await.unwrap().parent_id, Some(a1_up));
    // The OpenAPI document describes the field.
    let doc = api.get("/api/v1/openapi.json").await.expect(200).json();
    let props = &doc["components"]["schemas"]["ElementWrite"]["properties"];
    assert!(props["parent_id"]["description"].as_str().unwrap().contains("On update, a value moves"));
});

both!(unit_plans_show_the_goals_they_serve_and_their_changes, |t: TestApp| async move {
    let mut m = t.login("styring").await;
    let master = new_plan(&mut m, "master_plan_social", "Kommuneplan", Some(t.fx.root), &[]).await;
    let vision = new_element(&mut m, master, None, "vision", "Sammen skaper vi livskvalitet").await;
    let goal = new_element(&mut m, master, Some(vision), "main_goal", "Barn og unge mestrer livet").await;
    let sub = new_element(&mut m, master, Some(goal), "sub_goal", "Alle elever lærer å lese").await;
    let ap = new_plan(&mut m, "action_programme", "Handlingsprogram", Some(t.fx.root), &[master]).await;
    inherit(&mut m, ap, goal).await;
    let sub_ap = inherit(&mut m, ap, sub).await;
    let a1 = new_element(&mut m, ap, Some(sub_ap), "assignment", "Leseløft i alle skoler").await;
    let up = new_plan(&mut m, "unit_plan", "Virksomhetsplan Xskolen", Some(t.fx.unit_x), &[ap]).await;
    let a1_up = inherit(&mut m, up, a1).await;
    new_element(&mut m, up, Some(a1_up), "measure", "Lesekvarter hver morgen").await;
    let unit_page = format!("/plans/{up}");
    // The goal path from the master plan stands above the inherited assignment; nothing changed yet.
    let page = m.get(&unit_page).await.expect(200);
    page.contains("<ol class=\"goal-path\" aria-label=\"Målene elementet bidrar til\">")
        .contains("<li>Hovedmål: Barn og unge mestrer livet</li><li>Delmål: Alle elever lærer å lese</li>")
        .lacks("<li>Visjon:")
        .lacks("Endret i kilden");
    // The master plan's sub-goal changes: the unit plan marks it on the path and on the assignment.
    let v = version_of(&mut m, &format!("/elements/{sub}")).await;
    m.post(&format!("/elements/{sub}"), &[("text", "Alle elever lærer å lese og skrive"), ("version", &v)])
        .await
        .expect(303);
    let page = m.get(&unit_page).await.expect(200);
    page.contains("<li>Delmål: Alle elever lærer å lese og skrive <span class=\"ds-tag\" data-size=\"sm\" data-color=\"warning\">Endret i kilden</span></li>")
        .contains("<li>Hovedmål: Barn og unge mestrer livet</li>")
        .contains(&format!("action=\"/elements/{a1_up}/acknowledge\""));
    // In nynorsk too.
    m.post("/language", &[("lang", "nn"), ("next", "/")]).await.expect(303);
    m.get(&unit_page).await.expect(200).contains("Endra i kjelda").contains("Måla elementet bidreg til");
    m.post("/language", &[("lang", "nb"), ("next", "/")]).await.expect(303);
    // The unit plan acknowledges the change: the marker goes, audited.
    let before = t.audit_count().await;
    m.post(&format!("/elements/{a1_up}/acknowledge"), &[]).await.expect(303);
    assert_eq!(t.audit_count().await, before + 1);
    m.get(&unit_page).await.expect(200).contains("Alle elever lærer å lese og skrive").lacks("Endret i kilden");
    // A change of the main goal further up is marked as well.
    let v = version_of(&mut m, &format!("/elements/{goal}")).await;
    m.post(&format!("/elements/{goal}"), &[("text", "Barn og unge mestrer livene sine"), ("version", &v)])
        .await
        .expect(303);
    m.get(&unit_page).await.expect(200).contains("<li>Hovedmål: Barn og unge mestrer livene sine <span");
});

both!(the_owner_choice_is_grouped_and_searchable_without_javascript, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    // Grouped by service area, each unit labelled with its path below it.
    let page = m.get("/plans").await.expect(200);
    page.contains("<optgroup label=\"Oppvekst\">")
        .contains("<optgroup label=\"Økonomi\">")
        .contains(&format!("<option value=\"{}\">Oppvekst › Xskolen › Xskolen SFO</option>", fx.dept_x))
        .contains(&format!("<option value=\"{}\">Oppvekst › Yskolen</option>", fx.unit_y))
        .contains("<label class=\"ds-label\" for=\"f-owner_unit_id-q\">Søk etter enhet</label>")
        .contains("formmethod=\"get\"");
    // The search narrows the list on the server and shows the form again with what was typed.
    let res = m
        .get(
            "/plans?plan_type=thematic_plan&title=Plan+for+SFO&start_year=2025&end_year=2028&owner_unit_id=&unit_q=sfo",
        )
        .await
        .expect(200);
    res.contains(&format!("<option value=\"{}\">Oppvekst › Xskolen › Xskolen SFO</option>", fx.dept_x))
        .lacks("Oppvekst › Yskolen</option>")
        .lacks("<optgroup label=\"Økonomi\">")
        .contains("value=\"Plan for SFO\"")
        .contains("<option value=\"thematic_plan\" selected>")
        .contains("value=\"sfo\"");
    // The unit already chosen stays among the options.
    let res = m.get(&format!("/plans?title=X&owner_unit_id={}&unit_q=sfo", fx.unit_y)).await.expect(200);
    res.contains(&format!("<option value=\"{}\" selected>Oppvekst › Yskolen</option>", fx.unit_y));
    // The chosen unit is saved as the owner.
    let plan = new_plan(&mut m, "thematic_plan", "Plan for SFO", Some(fx.dept_x), &[]).await;
    let page = m.get(&format!("/plans/{plan}")).await.expect(200);
    page.contains(&format!("<option value=\"{}\" selected>Oppvekst › Xskolen › Xskolen SFO</option>", fx.dept_x));
    // The plan's edit form searches the same way and keeps its values.
    let res =
        m.get(&format!("/plans/{plan}?title=Ny+tittel&start_year=2020&end_year=2032&unit_q=yskolen")).await.expect(200);
    res.contains("value=\"Ny tittel\"")
        .contains(&format!("<option value=\"{}\">Oppvekst › Yskolen</option>", fx.unit_y))
        .lacks("Xskolen SFO</option>");
    // A unit manager sees only the units they may own plans for.
    let mut x = t.login("lederx").await;
    x.get("/plans").await.expect(200).contains("Oppvekst › Xskolen</option>").lacks("Oppvekst › Yskolen</option>");
});
