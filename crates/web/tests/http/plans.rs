//! The plan system: lifecycle, goal structure, rules and warnings, inheritance, SDG links, access.

use crate::both;
use crate::harness::{Client, Res, TestApp};

/// Id at the end of a redirect such as `/plans/12?saved=1#e-3` (the plan) or after `#e-` (the element).
pub(crate) fn id_in(location: &str, after: &str) -> i64 {
    let start = location.find(after).unwrap() + after.len();
    location[start..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

async fn create_plan(
    c: &mut Client,
    plan_type: &str,
    title: &str,
    years: (&str, &str),
    owner: Option<i64>,
    sources: &[i64],
) -> Res {
    let owner = owner.map(|o| o.to_string()).unwrap_or_default();
    let sources: Vec<String> = sources.iter().map(i64::to_string).collect();
    let mut form = vec![
        ("plan_type", plan_type),
        ("title", title),
        ("start_year", years.0),
        ("end_year", years.1),
        ("owner_unit_id", owner.as_str()),
    ];
    form.extend(sources.iter().map(|s| ("source", s.as_str())));
    c.post("/plans", &form).await
}

async fn add_element(c: &mut Client, plan: i64, parent: Option<i64>, kind: &str, text: &str) -> Res {
    let parent = parent.map(|p| p.to_string()).unwrap_or_default();
    c.post(&format!("/plans/{plan}/elements"), &[("kind", kind), ("text", text), ("parent_id", &parent)]).await
}

pub(crate) async fn new_plan(c: &mut Client, plan_type: &str, title: &str, owner: Option<i64>, sources: &[i64]) -> i64 {
    let res = create_plan(c, plan_type, title, ("2020", "2032"), owner, sources).await.expect(303);
    id_in(res.location(), "/plans/")
}

async fn new_plan_years(c: &mut Client, plan_type: &str, title: &str, years: (&str, &str)) -> i64 {
    let res = create_plan(c, plan_type, title, years, None, &[]).await.expect(303);
    id_in(res.location(), "/plans/")
}

pub(crate) async fn new_element(c: &mut Client, plan: i64, parent: Option<i64>, kind: &str, text: &str) -> i64 {
    let res = add_element(c, plan, parent, kind, text).await.expect(303);
    id_in(res.location(), "#e-")
}

pub(crate) async fn version_of(c: &mut Client, path: &str) -> String {
    c.get(path).await.expect(200).input_value("version").unwrap()
}

pub(crate) async fn move_to(c: &mut Client, plan: i64, status: &str) -> Res {
    let v = version_of(c, &format!("/plans/{plan}")).await;
    c.post(&format!("/plans/{plan}/status"), &[("status", status), ("version", &v)]).await
}

both!(plan_lifecycle_follows_the_rules, |t: TestApp| async move {
    let mut m = t.login("styring").await;
    let plan =
        new_plan(&mut m, "master_plan_social", "Kommuneplanens samfunnsdel 2020–2032", Some(t.fx.root), &[]).await;
    m.get(&format!("/plans/{plan}"))
        .await
        .expect(200)
        .contains("Under arbeid")
        .contains("Sett som «På høring»")
        .lacks("Sett som «Vedtatt»");
    move_to(&mut m, plan, "adopted").await.expect(422).contains("Planen må på høring før den kan vedtas.");
    move_to(&mut m, plan, "hearing").await.expect(303);
    move_to(&mut m, plan, "adopted").await.expect(422).contains("Registrer det politiske vedtaket");
    m.post(
        &format!("/plans/{plan}/decisions"),
        &[("body", "Kommunestyret"), ("case_number", ""), ("decided_on", "2020-06-16")],
    )
    .await
    .expect(422)
    .contains("Navnet kan ikke være tomt.");
    m.post(
        &format!("/plans/{plan}/decisions"),
        &[("body", "Kommunestyret"), ("case_number", "sak 48/20"), ("decided_on", "2020-06-16")],
    )
    .await
    .expect(303);
    move_to(&mut m, plan, "adopted").await.expect(303);
    let page = m.get(&format!("/plans/{plan}")).await.expect(200);
    page.contains("Vedtatt").contains("sak 48/20").lacks("Legg til på øverste nivå");
    // An adopted plan is frozen until put under revision.
    add_element(&mut m, plan, None, "main_goal", "Alle har gode levekår")
        .await
        .expect(422)
        .contains("Planen er vedtatt og kan ikke endres.");
    move_to(&mut m, plan, "under_revision").await.expect(303);
    new_element(&mut m, plan, None, "main_goal", "Alle har gode levekår").await;
    // Unit plans are not adopted politically: delivered by the unit, then approved above it.
    let unit_plan = new_plan(&mut m, "unit_plan", "Virksomhetsplan Xskolen", Some(t.fx.unit_x), &[plan]).await;
    move_to(&mut m, unit_plan, "adopted").await.expect(422).contains("må leveres før den kan godkjennes");
    move_to(&mut m, unit_plan, "delivered").await.expect(303);
    move_to(&mut m, unit_plan, "adopted").await.expect(303);
    let audit = t.db.audit_list(t.fx.municipality, &Default::default(), 1).await.unwrap().remove(0);
    assert_eq!((audit.entity.as_str(), audit.action.as_str()), ("plan", "status"));
});

both!(goal_structure_refuses_bad_input_and_changes_nothing, |t: TestApp| async move {
    let mut m = t.login("styring").await;
    let plan = new_plan_years(&mut m, "action_programme", "Handlingsprogram 2024–2027", ("2024", "2027")).await;
    let v = version_of(&mut m, &format!("/plans/{plan}")).await;
    let page = format!("/plans/{plan}");
    let vision = new_element(&mut m, plan, None, "vision", "Sammen skaper vi livskvalitet").await;
    let before = t.audit_count().await;
    // A measure under a vision, a sub-goal at the top, an unknown kind, an empty text.
    add_element(&mut m, plan, Some(vision), "measure", "Bygg ny skole")
        .await
        .expect(422)
        .contains("Elementet kan ikke ligge der.");
    add_element(&mut m, plan, None, "sub_goal", "Delmål uten hovedmål")
        .await
        .expect(422)
        .contains("Elementet kan ikke ligge der.");
    add_element(&mut m, plan, None, "king", "x").await.expect(422).contains("Ukjent elementtype.");
    add_element(&mut m, plan, None, "main_goal", "   ").await.expect(422).contains("Skriv en tekst.");
    add_element(&mut m, plan, Some(999_999), "main_goal", "x").await.expect(422);
    // A plan cannot derive from itself; periods must make sense.
    m.post(
        &page,
        &[
            ("title", "Handlingsprogram"),
            ("start_year", "2024"),
            ("end_year", "2027"),
            ("source", &plan.to_string()),
            ("version", &v),
        ],
    )
    .await
    .expect(422)
    .contains("En plan kan ikke bygge på seg selv");
    m.post(&page, &[("title", "Handlingsprogram"), ("start_year", "2027"), ("end_year", "2024"), ("version", &v)])
        .await
        .expect(422)
        .contains("Sluttåret kan ikke være før startåret.");
    create_plan(&mut m, "unit_plan", "", ("24", "2024"), None, &[])
        .await
        .expect(422)
        .contains("Årstallet må ha fire siffer.");
    assert_eq!(t.audit_count().await, before, "refused input left no trace");

    // Measures: SDG codes, deadline inside the period, and the hard rule for active measures.
    let goal = new_element(&mut m, plan, Some(vision), "main_goal", "Asker er et bærekraftig lokalsamfunn").await;
    let sub = new_element(&mut m, plan, Some(goal), "sub_goal", "Klimagassutslippene er redusert med 67 prosent").await;
    let measure = new_element(&mut m, plan, Some(sub), "measure", "Elektrifiser kommunens bilpark").await;
    let el = format!("/elements/{measure}");
    let v = version_of(&mut m, &el).await;
    let person = t.fx.leader_x.to_string();
    let edit = |extra: Vec<(&'static str, String)>| {
        let mut form: Vec<(&'static str, String)> =
            vec![("text", "Elektrifiser kommunens bilpark".into()), ("version", v.clone())];
        form.extend(extra);
        form
    };
    let post = async |c: &mut Client, form: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        c.post(&el, &fields).await
    };
    let before = t.audit_count().await;
    let res = post(&mut m, edit(vec![("sdg_targets", "18.1".into())])).await.expect(422);
    res.contains("er ikke et gyldig delmålnummer");
    assert_eq!(res.input_value("sdg_targets").as_deref(), Some("18.1"), "the typed value is kept");
    post(&mut m, edit(vec![("sdg_targets", "11.99".into())]))
        .await
        .expect(422)
        .contains("Bærekraftsdelmålet 11.99 finnes ikke.");
    post(&mut m, edit(vec![("deadline", "2031-01-01".into())]))
        .await
        .expect(422)
        .contains("innenfor planperioden 2024–2027");
    post(&mut m, edit(vec![("status", "active".into()), ("deadline", "2026-06-30".into())]))
        .await
        .expect(422)
        .contains("Et tiltak kan ikke være aktivt uten frist og ansvarlig person.");
    assert_eq!(t.audit_count().await, before);
    post(
        &mut m,
        edit(vec![
            ("status", "active".into()),
            ("deadline", "2026-06-30".into()),
            ("responsible_person_id", person.clone()),
            ("sdg_targets", "13.2, 11.6".into()),
            ("sdg_adapted", "13.1".into()),
        ]),
    )
    .await
    .expect(303);
    let page = m.get(&page).await.expect(200);
    page.contains("Bærekraftsmål 13.2")
        .contains("Bærekraftsmål 11.6")
        .contains("Tilpasset fra 13.1")
        .contains("Aktiv")
        .contains("Xavier Leder");

    // Two people editing one element: the second save gets 409 with their text kept.
    let stale = version_of(&mut m, &el).await;
    let mut other = t.login("admin").await;
    other.post(&el, &[("text", "Elektrifiser alle kommunale kjøretøy"), ("version", &stale)]).await.expect(303);
    let res = m.post(&el, &[("text", "Min versjon av tiltaket"), ("version", &stale)]).await.expect(409);
    res.contains("Noen andre har lagret endringer").contains("Min versjon av tiltaket");
    m.get(&el).await.contains("Elektrifiser alle kommunale kjøretøy");
});

both!(formulation_warnings_in_three_languages, |t: TestApp| async move {
    let mut m = t.login("styring").await;
    let plan = new_plan(&mut m, "thematic_plan", "Klimaplan", None, &[]).await;
    let goal = new_element(&mut m, plan, None, "main_goal", "Kommunen skal kutte utslipp").await;
    new_element(&mut m, plan, Some(goal), "strategy", "Samarbeid med næringslivet").await;
    new_element(&mut m, plan, None, "indicator", "Utslipp per innbygger").await;
    let page = format!("/plans/{plan}");
    m.get(&page)
        .await
        .expect(200)
        .contains("Ordet «skal» tyder på en intensjon.")
        .contains("En strategi bør uttrykke en intensjon")
        .contains("En indikator bør knyttes til et delmål.");
    m.post("/language", &[("lang", "nn"), ("next", "/")]).await.expect(303);
    m.get(&page)
        .await
        .expect(200)
        .contains("Ordet «skal» tyder på ein intensjon.")
        .contains("Ein indikator bør knytast til eit delmål.");
    m.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    m.get(&page)
        .await
        .expect(200)
        .contains("The word “skal” suggests an intention.")
        .contains("An indicator should be tied to a sub-goal.");
    // Warnings never block saving a draft: all three were stored.
    assert_eq!(t.db.elements(t.fx.municipality, plan).await.unwrap().len(), 3);
});

both!(inheritance_shows_changes_and_orphans, |t: TestApp| async move {
    let mut m = t.login("styring").await;
    let master = new_plan(&mut m, "master_plan_social", "Kommuneplan", None, &[]).await;
    let goal = new_element(&mut m, master, None, "main_goal", "Innbyggerne lever gode liv").await;
    let sub = new_element(&mut m, master, Some(goal), "sub_goal", "Flere er i arbeid").await;
    let unrelated = new_plan(&mut m, "thematic_plan", "Frittstående plan", None, &[]).await;
    let foreign = new_element(&mut m, unrelated, None, "main_goal", "Noe helt annet").await;
    let child = new_plan(&mut m, "action_programme", "Handlingsprogram", None, &[master]).await;
    // Only elements of plans the child builds on can be inherited.
    m.post(&format!("/plans/{child}/inherit"), &[("source_element_id", &foreign.to_string())])
        .await
        .expect(422)
        .contains("Du kan bare arve fra planer denne planen bygger på.");
    let res = m.post(&format!("/plans/{child}/inherit"), &[("source_element_id", &goal.to_string())]).await.expect(303);
    let inherited_goal = id_in(res.location(), "#e-");
    let res = m.post(&format!("/plans/{child}/inherit"), &[("source_element_id", &sub.to_string())]).await.expect(303);
    let inherited_sub = id_in(res.location(), "#e-");
    m.post(&format!("/plans/{child}/inherit"), &[("source_element_id", &sub.to_string())])
        .await
        .expect(422)
        .contains("allerede arvet");
    let elements = t.db.elements(t.fx.municipality, child).await.unwrap();
    let copy = elements.iter().find(|e| e.id == inherited_sub).unwrap();
    assert_eq!(copy.parent_id, Some(inherited_goal), "placed under the inherited copy of its parent");
    // The child adds its own assignment under the inherited sub-goal.
    new_element(&mut m, child, Some(inherited_sub), "assignment", "Oppvekst skal styrke overgangen til arbeid").await;
    // Inherited elements are read-only in the child.
    let v = version_of(&mut m, &format!("/elements/{sub}")).await;
    m.get(&format!("/elements/{inherited_sub}"))
        .await
        .expect(200)
        .contains("kan bare endres i kildeplanen")
        .lacks("Fjern elementet");
    m.post(&format!("/elements/{inherited_sub}"), &[("text", "Kapret"), ("version", "1")])
        .await
        .expect(422)
        .contains("arvet fra en annen plan");

    // The source text changes: the child shows the new text with a marker until acknowledged.
    m.post(&format!("/elements/{sub}"), &[("text", "Flere er i arbeid og utdanning"), ("version", &v)])
        .await
        .expect(303);
    let page = m.get(&format!("/plans/{child}")).await.expect(200);
    page.contains("Flere er i arbeid og utdanning").contains("Endret i kilden");
    m.post(&format!("/elements/{inherited_sub}/acknowledge"), &[]).await.expect(303);
    m.get(&format!("/plans/{child}")).await.expect(200).lacks("Endret i kilden");

    // The source is removed: the child flags the element as orphaned; nothing is deleted.
    let v = version_of(&mut m, &format!("/elements/{sub}")).await;
    m.post(&format!("/elements/{sub}/remove"), &[("version", &v)]).await.expect(303);
    let page = m.get(&format!("/plans/{child}")).await.expect(200);
    page.contains("Kilden er fjernet")
        .contains("Flere er i arbeid og utdanning")
        .contains("Oppvekst skal styrke overgangen");
    m.get(&format!("/plans/{master}")).await.expect(200).lacks("Flere er i arbeid og utdanning");

    // Cycles between plans are refused.
    let v = version_of(&mut m, &format!("/plans/{master}")).await;
    m.post(
        &format!("/plans/{master}"),
        &[
            ("title", "Kommuneplan"),
            ("start_year", "2020"),
            ("end_year", "2032"),
            ("source", &child.to_string()),
            ("version", &v),
        ],
    )
    .await
    .expect(422)
    .contains("En plan kan ikke bygge på seg selv eller på en plan som bygger på den.");
});

both!(unit_leaders_edit_only_their_own_unit_plan, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let master = new_plan(&mut m, "master_plan_social", "Kommuneplan", Some(fx.root), &[]).await;
    let mut x = t.login("lederx").await;
    create_plan(&mut x, "unit_plan", "Virksomhetsplan Yskolen", ("2025", "2025"), Some(fx.unit_y), &[])
        .await
        .expect(403);
    create_plan(&mut x, "master_plan_social", "Egen kommuneplan", ("2025", "2037"), None, &[]).await.expect(403);
    let own = {
        let res = create_plan(
            &mut x,
            "unit_plan",
            "Virksomhetsplan Xskolen 2025",
            ("2025", "2025"),
            Some(fx.unit_x),
            &[master],
        )
        .await
        .expect(303);
        id_in(res.location(), "/plans/")
    };
    new_element(&mut x, own, None, "main_goal", "Elevene opplever mestring").await;
    add_element(&mut x, master, None, "main_goal", "Leder prøver seg").await.expect(403);
    x.get(&format!("/plans/{master}")).await.expect(200).lacks("Legg til på øverste nivå");
    let mut y = t.login("ledery").await;
    add_element(&mut y, own, None, "main_goal", "Annen leder prøver seg").await.expect(403);
    y.get(&format!("/plans/{own}"))
        .await
        .expect(200)
        .contains("Elevene opplever mestring")
        .lacks("Legg til på øverste nivå");
    // A department head of X edits X's plan? No: the plan belongs to the unit, not the department.
    let mut d = t.login("avdleder").await;
    add_element(&mut d, own, None, "main_goal", "Avdelingsleder prøver seg").await.expect(403);
    // Another municipality sees nothing.
    let mut b = t.client();
    b.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    b.get(&format!("/plans/{own}")).await.expect(404);
    b.get("/plans").await.expect(200).lacks("Xskolen");
});

both!(adopting_freezes_versions_and_diff_shows_changes, |t: TestApp| async move {
    let mut m = t.login("styring").await;
    let plan = new_plan(&mut m, "master_plan_social", "Kommuneplan", None, &[]).await;
    let a = new_element(&mut m, plan, None, "main_goal", "Innbyggerne har gode liv").await;
    let b = new_element(&mut m, plan, None, "main_goal", "Veiene er trygge").await;
    move_to(&mut m, plan, "hearing").await.expect(303);
    m.post(
        &format!("/plans/{plan}/decisions"),
        &[("body", "Kommunestyret"), ("case_number", "sak 1/24"), ("decided_on", "2024-02-01")],
    )
    .await
    .expect(303);
    move_to(&mut m, plan, "adopted").await.expect(303);
    // Revise: change A, remove B, add C; adopt again.
    move_to(&mut m, plan, "under_revision").await.expect(303);
    let v = version_of(&mut m, &format!("/elements/{a}")).await;
    m.post(
        &format!("/elements/{a}"),
        &[("text", "Alle innbyggere har gode liv"), ("sdg_targets", "3.4"), ("version", &v)],
    )
    .await
    .expect(303);
    let v = version_of(&mut m, &format!("/elements/{b}")).await;
    m.post(&format!("/elements/{b}/remove"), &[("version", &v)]).await.expect(303);
    new_element(&mut m, plan, None, "main_goal", "Asker er klimanøytral").await;
    // Before the second adoption: version 1 against the draft.
    let draft = m.get(&format!("/plans/{plan}/versions?from=1&to=draft")).await.expect(200);
    draft.contains("1 lagt til.").contains("1 endret.").contains("1 fjernet.");
    move_to(&mut m, plan, "adopted").await.expect(303);
    let page = m.get(&format!("/plans/{plan}/versions?from=1&to=2")).await.expect(200);
    page.contains("Asker er klimanøytral")
        .contains("<del>Innbyggerne har gode liv</del>")
        .contains("<ins>Alle innbyggere har gode liv</ins>")
        .contains("SDG: 3.4")
        .contains("Veiene er trygge");
    m.get(&format!("/plans/{plan}/versions?from=2&to=draft"))
        .await
        .expect(200)
        .contains("0 lagt til.")
        .contains("0 endret.")
        .contains("0 fjernet.");
    m.get(&format!("/plans/{plan}/versions?from=9&to=2")).await.expect(422).contains("Versjonen finnes ikke.");
    m.get(&format!("/plans/{plan}/versions?from=x")).await.expect(422);
});

both!(goal_structure_exports_to_csv_and_xlsx, |t: TestApp| async move {
    use calamine::{Reader, Xlsx};
    let mut m = t.login("styring").await;
    let plan = new_plan(&mut m, "master_plan_social", "Kommuneplan Ås", Some(t.fx.root), &[]).await;
    let vision = new_element(&mut m, plan, None, "vision", "Sammen skaper vi livskvalitet").await;
    let goal = new_element(&mut m, plan, Some(vision), "main_goal", "Byen har ren luft").await;
    let sub = new_element(&mut m, plan, Some(goal), "sub_goal", "Utslippene er halvert").await;
    new_element(&mut m, plan, Some(goal), "sub_goal", "Flere sykler").await;
    let v = version_of(&mut m, &format!("/elements/{sub}")).await;
    m.post(
        &format!("/elements/{sub}"),
        &[("text", "Utslippene er halvert"), ("sdg_targets", "13.2"), ("sdg_adapted", "11.6"), ("version", &v)],
    )
    .await
    .expect(303);

    let csv = m.get(&format!("/plans/{plan}/export.csv")).await.expect(200);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.headers["content-disposition"].to_str().unwrap().contains("Kommuneplan_"));
    let text = csv.body.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Nr.;Type;Tekst;Arvet fra;Eier;Ansvarlig;Frist;Status;Bidrar til bærekraftsdelmål;Tilpasset fra bærekraftsdelmål"
    );
    assert_eq!(lines[1], "1;Visjon;Sammen skaper vi livskvalitet;;;;;;;");
    assert_eq!(lines[3], "1.1.1;Delmål;Utslippene er halvert;;;;;;13.2;11.6");
    assert_eq!(lines[4], "1.1.2;Delmål;Flere sykler;;;;;;;");

    let xlsx = m.get(&format!("/plans/{plan}/export.xlsx")).await.expect(200);
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.bytes.clone())).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let cell = |r: u32, c: u32| range.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default();
    assert_eq!(cell(0, 0), "Kommuneplan Ås (2020–2032)");
    assert_eq!(cell(2, 2), "Tekst");
    assert_eq!(
        (cell(5, 0), cell(5, 2), cell(5, 8), cell(5, 9)),
        ("1.1.1".into(), "Utslippene er halvert".into(), "13.2".into(), "11.6".into())
    );
    // Other municipalities cannot export it.
    let mut b = t.client();
    b.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    b.get(&format!("/plans/{plan}/export.xlsx")).await.expect(404);
});

both!(plan_text_and_public_page, |t: TestApp| async move {
    let mut m = t.login("styring").await;
    let plan = new_plan(&mut m, "master_plan_social", "Kommuneplan", Some(t.fx.root), &[]).await;
    let goal = new_element(&mut m, plan, None, "main_goal", "Alle har en trygg bolig").await;
    new_element(&mut m, plan, Some(goal), "sub_goal", "Ingen er bostedsløse").await;
    let other = new_element(&mut m, plan, None, "main_goal", "Luften er ren").await;
    // Sections: bad input refused; Markdown rendered, scripts never.
    m.post(&format!("/plans/{plan}/sections"), &[("heading", ""), ("body", "x")])
        .await
        .expect(422)
        .contains("Navnet kan ikke være tomt.");
    let body =
        "Asker skal være et **godt sted å bo**.\n\n<script>alert('x')</script>\n\n[les mer](javascript:alert(1))";
    let res =
        m.post(&format!("/plans/{plan}/sections"), &[("heading", "Bolig for alle"), ("body", body)]).await.expect(303);
    let section = id_in(res.location(), "#s-");
    let page = m.get(&format!("/plans/{plan}")).await.expect(200);
    page.contains("<strong>godt sted å bo</strong>");
    let rendered = page.body.split("<div class=\"markdown\">").nth(1).unwrap().split("</div>").next().unwrap();
    assert!(
        !rendered.contains("<script") && !rendered.contains("javascript:"),
        "Markdown output is sanitised: {rendered}"
    );
    assert!(!page.body.contains("<script>alert"), "the source in the edit form is escaped");
    m.post(&format!("/elements/{goal}/place"), &[("section_id", &section.to_string())]).await.expect(303);
    m.post(&format!("/elements/{goal}/place"), &[("section_id", "999999")])
        .await
        .expect(422)
        .contains("Kapittelet finnes ikke");

    // Not public until adopted and published.
    let public = format!("/public/0301/plans/{plan}");
    let mut anon = t.client();
    anon.get(&public).await.expect(404);
    let v = version_of(&mut m, &format!("/plans/{plan}")).await;
    m.post(
        &format!("/plans/{plan}"),
        &[
            ("title", "Kommuneplan"),
            ("start_year", "2020"),
            ("end_year", "2032"),
            ("owner_unit_id", &t.fx.root.to_string()),
            ("published", "1"),
            ("version", &v),
        ],
    )
    .await
    .expect(303);
    anon.get(&public).await.expect(404);
    move_to(&mut m, plan, "hearing").await.expect(303);
    m.post(
        &format!("/plans/{plan}/decisions"),
        &[("body", "Kommunestyret"), ("case_number", "sak 12/25"), ("decided_on", "2025-03-04")],
    )
    .await
    .expect(303);
    move_to(&mut m, plan, "adopted").await.expect(303);
    let page = anon.get(&public).await.expect(200);
    page.contains("Bolig for alle").contains("<strong>godt sted å bo</strong>").contains("sak 12/25");
    // The goal placed in the section comes with its sub-goal, before the unplaced goal.
    let pos = |s: &str| page.body.find(s).unwrap();
    assert!(
        pos("Bolig for alle") < pos("Alle har en trygg bolig") && pos("Ingen er bostedsløse") < pos("Luften er ren")
    );
    anon.get("/public/0301/plans").await.expect(200).contains("Kommuneplan");
    // Under revision: the public keeps seeing the last adopted version, never the draft.
    move_to(&mut m, plan, "under_revision").await.expect(303);
    let v = version_of(&mut m, &format!("/elements/{other}")).await;
    m.post(&format!("/elements/{other}"), &[("text", "Utkast som ikke er vedtatt"), ("version", &v)]).await.expect(303);
    let page = anon.get(&public).await.expect(200);
    page.contains("Planen er under revisjon. Her vises sist vedtatte versjon.")
        .contains("Luften er ren")
        .lacks("Utkast som ikke er vedtatt");
    anon.get("/public/9999/plans").await.expect(404);
    // The other municipality's number does not reach this plan.
    anon.get(&format!("/public/4601/plans/{plan}")).await.expect(404);
    // Anonymous visitors still cannot reach anything else.
    assert!(anon.get(&format!("/plans/{plan}")).await.expect(303).location().starts_with("/login"));
});

both!(municipalities_rename_levels_without_changing_types, |t: TestApp| async move {
    let mut m = t.login("styring").await;
    let plan = new_plan(&mut m, "master_plan_social", "Kommuneplan", None, &[]).await;
    new_element(&mut m, plan, None, "main_goal", "Alle har gode liv").await;
    m.post(
        "/plans/labels",
        &[("label-main_goal-nb", "Satsingsområde"), ("label-main_goal-en", "Focus area"), ("label-measure-nb", "")],
    )
    .await
    .expect(303);
    m.get("/plans/labels").await.expect(200).contains("value=\"Satsingsområde\"");
    let page = m.get(&format!("/plans/{plan}")).await.expect(200);
    page.contains(">Satsingsområde</span>").contains("<option value=\"main_goal\">Satsingsområde</option>");
    let csv = m.get(&format!("/plans/{plan}/export.csv")).await.expect(200);
    assert!(csv.body.contains("1;Satsingsområde;Alle har gode liv"));
    m.post("/language", &[("lang", "nn"), ("next", "/")]).await.expect(303);
    m.get(&format!("/plans/{plan}")).await.expect(200).contains(">Hovudmål</span>");
    m.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    m.get(&format!("/plans/{plan}")).await.expect(200).contains(">Focus area</span>");
    // The type is unchanged: the rules still treat it as a main goal.
    assert_eq!(t.db.elements(t.fx.municipality, plan).await.unwrap()[0].kind.code(), "main_goal");
    m.post("/plans/labels", &[("label-main_goal-xx", "x")]).await.expect(422);
    m.post("/plans/labels", &[("label-king-nb", "x")]).await.expect(422);
    let mut x = t.login("lederx").await;
    x.get("/plans/labels").await.expect(403);
    x.post("/plans/labels", &[("label-main_goal-nb", "Kapret")]).await.expect(403);
    // Other municipalities keep their own names.
    let mut b = t.client();
    b.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    b.get("/plans/labels").await.expect(200).lacks("value=\"Satsingsområde\"");
});

both!(revision_warnings_follow_the_planning_strategy, |t: TestApp| async move {
    let mut m = t.login("styring").await;
    let year = chrono::Utc::now().date_naive().format("%Y").to_string();
    let next = (year.parse::<i32>().unwrap() + 3).to_string();
    let strategy = {
        let res = create_plan(&mut m, "planning_strategy", "Planstrategi", (&year, &next), None, &[]).await.expect(303);
        id_in(res.location(), "/plans/")
    };
    m.post(
        &format!("/plans/{strategy}/decisions"),
        &[("body", "Kommunestyret"), ("case_number", "sak 9/24"), ("decided_on", "2024-10-01")],
    )
    .await
    .expect(303);
    move_to(&mut m, strategy, "adopted").await.expect(303);
    let adopt = async |m: &mut Client, plan: i64| {
        move_to(m, plan, "hearing").await.expect(303);
        m.post(
            &format!("/plans/{plan}/decisions"),
            &[("body", "Kommunestyret"), ("case_number", "sak 1/21"), ("decided_on", "2021-01-01")],
        )
        .await
        .expect(303);
        move_to(m, plan, "adopted").await.expect(303);
    };
    let assessed = new_plan(&mut m, "thematic_plan", "Vurdert temaplan", None, &[strategy]).await;
    let unassessed = new_plan(&mut m, "thematic_plan", "Glemt temaplan", None, &[]).await;
    let old = {
        let res = create_plan(&mut m, "thematic_plan", "Utløpt temaplan", ("2010", "2020"), None, &[strategy])
            .await
            .expect(303);
        id_in(res.location(), "/plans/")
    };
    for p in [assessed, unassessed, old] {
        adopt(&mut m, p).await;
    }
    m.get(&format!("/plans/{unassessed}")).await.expect(200).contains("ikke vurdert i gjeldende planstrategi");
    m.get(&format!("/plans/{assessed}")).await.expect(200).lacks("ikke vurdert i gjeldende planstrategi");
    m.get(&format!("/plans/{old}")).await.expect(200).contains("Planperioden gikk ut i 2020");
});

both!(
    an_unknown_kind_or_status_in_the_database_fails_the_read_instead_of_becoming_a_default,
    |t: TestApp| async move {
        let mut m = t.login("styring").await;
        let plan = new_plan(&mut m, "master_plan_social", "Samfunnsdelen", Some(t.fx.root), &[]).await;
        let goal = new_element(&mut m, plan, None, "main_goal", "Alle har gode liv").await;
        let mid = t.fx.municipality;
        assert_eq!(t.db.elements(mid, plan).await.unwrap()[0].kind.code(), "main_goal");
        rodtrad_store::on_db!(&t.db, pool => {
            sqlx::query("UPDATE goal_elements SET kind = 'mesure' WHERE id = $1").bind(goal).execute(pool).await.unwrap();
        });
        // Before, the row read back as a measure; now the read fails and nothing is shown as if it held.
        assert!(t.db.elements(mid, plan).await.is_err());
        m.get(&format!("/plans/{plan}")).await.expect(500);
        rodtrad_store::on_db!(&t.db, pool => {
            sqlx::query("UPDATE goal_elements SET kind = 'main_goal' WHERE id = $1").bind(goal).execute(pool).await.unwrap();
            sqlx::query("UPDATE plans SET status = 'vedtatt' WHERE id = $1").bind(plan).execute(pool).await.unwrap();
        });
        assert!(t.db.plan(mid, plan).await.is_err());
        m.get(&format!("/api/v1/plans/{plan}")).await.expect(500);
    }
);
