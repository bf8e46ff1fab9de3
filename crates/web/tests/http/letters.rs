//! Assignment letters: issuing from the adopted action programme, freezing, re-issuing with a diff,
//! acknowledging receipt (allowed and refused), other municipalities, and the PDF's text.

use std::collections::BTreeSet;

use crate::both;
use crate::harness::TestApp;
use rodtrad_domain::letters::{LetterChange, diff};
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanStatus, PlanType};
use rodtrad_domain::{Actor, Name, Role};
use rodtrad_service::ServiceError;
use rodtrad_service::letters::{PdfLabels, acknowledge, issue_all, letter_pdf};
use rodtrad_store::plans::{ElementInput, PlanInput};
use rodtrad_store::{Author, StoreError};

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
        start_year: 2027,
        end_year: 2030,
        owner_unit_id: owner,
        published: false,
    }
}

fn actor(t: &TestApp, roles: &[Role], led: &[i64]) -> Actor {
    Actor {
        user_id: 0,
        municipality_id: t.fx.municipality,
        roles: roles.iter().copied().collect(),
        led_units: led.iter().copied().collect(),
        ..Actor::default()
    }
}

fn labels() -> PdfLabels {
    let s = |x: &str| x.to_owned();
    PdfLabels {
        title: s("Oppdragsbrev"),
        page: s("Side"),
        of: s("av"),
        frame: s("Økonomisk ramme"),
        no_frame: s("Ikke fastsatt"),
        goals: s("Mål"),
        assignments: s("Oppdrag"),
        expected: s("Forventet resultat"),
        deadline: s("Frist"),
        given_to: s("Gitt til"),
        guidance: s("Føringer"),
        version: s("Versjon"),
    }
}

async fn adopt(t: &TestApp, a: &Author, id: i64) {
    let p = t.db.plan(a.municipality_id, id).await.unwrap();
    if t.db.plan_decisions(id).await.unwrap().is_empty() {
        t.db.plan_decision_add(
            a,
            id,
            "Kommunestyret",
            "sak 131/26",
            chrono::NaiveDate::from_ymd_opt(2026, 12, 17).unwrap(),
            None,
        )
        .await
        .unwrap();
    }
    if p.status() == PlanStatus::Draft && p.plan_type().requires_hearing() {
        t.db.plan_transition(a, id, p.version, PlanStatus::Hearing).await.unwrap();
    }
    let p = t.db.plan(a.municipality_id, id).await.unwrap();
    t.db.plan_transition(a, id, p.version, PlanStatus::Adopted).await.unwrap();
}

both!(letters_are_issued_frozen_reissued_with_a_diff_and_acknowledged_by_the_units_leader, |t: TestApp| async move {
    let fx = t.fx.clone();
    let db = &t.db;
    let a = Author { municipality_id: fx.municipality, user_id: None, name: "Styring".into() };
    let staff = actor(&t, &[Role::Management], &[]);
    let tree = db.org_tree(fx.municipality).await.unwrap();
    let name = |id: i64| tree.get(id).unwrap().name.clone();

    // No adopted programme for 2027 yet: refused with the rule's message, nothing issued.
    match issue_all(db, (&staff, &a), 2027).await {
        Err(ServiceError::Rule(e)) => assert_eq!(e.key, "err-letter-no-programme"),
        other => panic!("{other:?}"),
    }
    assert!(db.letters_of_year(fx.municipality, 2027).await.unwrap().is_empty());

    let master =
        db.plan_create(&a, &plan(PlanType::MasterPlanSocial, "Kommuneplan", Some(fx.root)), &[]).await.unwrap();
    let g = db
        .element_create(&a, master, None, &element(ElementKind::MainGoal, "Barn og unge mestrer livet", None, &["4.1"]))
        .await
        .unwrap();
    let s = db
        .element_create(
            &a,
            master,
            Some(g),
            &element(ElementKind::SubGoal, "Alle elever lærer å lese", None, &["4.6", "10.2"]),
        )
        .await
        .unwrap();
    adopt(&t, &a, master).await;
    let programme = db
        .plan_create(&a, &plan(PlanType::ActionProgramme, "Handlingsprogram 2027–2030", Some(fx.root)), &[master])
        .await
        .unwrap();
    db.element_inherit(&a, programme, g).await.unwrap();
    let sub = db.element_inherit(&a, programme, s).await.unwrap();
    let v = db.element(fx.municipality, sub).await.unwrap().version;
    db.element_assign(&a, sub, v, Some(fx.area)).await.unwrap();
    let mut given = element(ElementKind::Assignment, "Styrke leseopplæringen på 1.–4. trinn", Some(fx.area), &[]);
    given.deadline = chrono::NaiveDate::from_ymd_opt(2027, 12, 31);
    let given = db.element_create(&a, programme, Some(sub), &given).await.unwrap();
    let v = db.element(fx.municipality, given).await.unwrap().version;
    db.element_expected_result_set(&a, given, v, Some("Flere elever over kritisk grense i lesing")).await.unwrap();
    let elsewhere = element(ElementKind::Assignment, "Oppdrag for en annen enhet", Some(fx.unit_y), &[]);
    db.element_create(&a, programme, Some(sub), &elsewhere).await.unwrap();
    adopt(&t, &a, programme).await;
    db.letter_template_save(&a, "## Føringer\n\nVi **styrker** #laget [x] $5 æøå", 0).await.unwrap();

    // Only the management staff issues.
    let leader_x = actor(&t, &[Role::Leader], &[fx.unit_x]);
    assert!(matches!(issue_all(db, (&leader_x, &a), 2027).await, Err(ServiceError::Forbidden)));

    let summary = issue_all(db, (&staff, &a), 2027).await.unwrap();
    assert!(summary.first.contains(&name(fx.unit_x)), "{summary:?}");
    assert!(summary.reissued.is_empty() && summary.unchanged.is_empty());
    let letters = db.letters_of_year(fx.municipality, 2027).await.unwrap();
    let letter = letters.iter().find(|l| l.unit_id == fx.unit_x).unwrap().clone();
    assert_eq!(letter.latest, 1);
    let v1 = db.letter_versions(fx.municipality, letter.id).await.unwrap().remove(0).content.0;
    assert_eq!(v1.unit, name(fx.unit_x));
    assert_eq!(
        v1.goals.iter().map(|g| (g.text.as_str(), g.sdg.clone())).collect::<Vec<_>>(),
        vec![("Alle elever lærer å lese", vec![4, 10])]
    );
    assert_eq!(v1.assignments.len(), 1, "the assignment given to another unit is not in this letter");
    assert_eq!(v1.assignments[0].expected_result.as_deref(), Some("Flere elever over kritisk grense i lesing"));
    assert_eq!(v1.assignments[0].given_to, name(fx.area));
    assert!(v1.guidance.contains("#laget"));
    // The other unit's letter has its own assignment and the area's.
    let y = letters.iter().find(|l| l.unit_id == fx.unit_y).unwrap();
    let vy = db.letter_versions(fx.municipality, y.id).await.unwrap().remove(0).content.0;
    assert_eq!(vy.assignments.len(), 2);

    // Issuing again with nothing changed issues nothing.
    let again = issue_all(db, (&staff, &a), 2027).await.unwrap();
    assert!(again.first.is_empty() && again.reissued.is_empty() && again.unchanged.contains(&name(fx.unit_x)));

    // Change the programme, the frame and the template: the issued letter stays as it was.
    let p = db.plan(fx.municipality, programme).await.unwrap();
    db.plan_transition(&a, programme, p.version, PlanStatus::UnderRevision).await.unwrap();
    let e = db.element(fx.municipality, given).await.unwrap();
    let mut changed = element(ElementKind::Assignment, "Styrke lese- og skriveopplæringen", Some(fx.area), &[]);
    changed.deadline = e.deadline;
    db.element_update(&a, given, e.version, &changed).await.unwrap();
    adopt(&t, &a, programme).await;
    db.letter_frame_set(&a, letter.id, Some("45000000.50".parse().unwrap()), letter.version).await.unwrap();
    assert!(matches!(db.letter_frame_set(&a, letter.id, None, letter.version).await, Err(StoreError::Conflict)));
    db.letter_template_save(&a, "Nye føringer", 1).await.unwrap();
    let still = db.letter_versions(fx.municipality, letter.id).await.unwrap();
    assert_eq!((still.len(), &still[0].content.0), (1, &v1));

    // Re-issuing makes version 2 with what changed; version 1 stays readable as it was.
    let re = issue_all(db, (&staff, &a), 2027).await.unwrap();
    assert!(re.reissued.contains(&name(fx.unit_x)), "{re:?}");
    let versions = db.letter_versions(fx.municipality, letter.id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].content.0, v1);
    let v2 = versions[1].content.0.clone();
    let changes = diff(&v1, &v2);
    let keys: BTreeSet<&str> = changes.iter().map(LetterChange::key).collect();
    assert_eq!(
        keys,
        ["letter-change-frame", "letter-change-assignment-changed", "letter-change-guidance"].into_iter().collect()
    );
    assert!(changes.contains(&LetterChange::Frame { before: None, after: Some("45000000.50".parse().unwrap()) }));

    // Acknowledging: another unit's leader is refused and nothing changes; the unit's leader may,
    // once, and only the latest version.
    let leader_y = actor(&t, &[Role::Leader], &[fx.unit_y]);
    let letter = db.letter(fx.municipality, letter.id).await.unwrap();
    let audit_before = t.audit_count().await;
    match acknowledge(db, (&leader_y, &a), &letter, 2).await {
        Err(ServiceError::Rule(e)) => assert_eq!(e.key, "err-letter-ack-not-leader"),
        other => panic!("{other:?}"),
    }
    assert_eq!(t.audit_count().await, audit_before);
    assert!(db.letter(fx.municipality, letter.id).await.unwrap().acknowledged_at.is_none());
    let lx = Author { municipality_id: fx.municipality, user_id: None, name: "Leder X".into() };
    assert!(
        matches!(acknowledge(db, (&leader_x, &lx), &letter, 1).await, Err(ServiceError::Store(StoreError::Rule(e))) if e.key == "err-letter-ack-not-latest")
    );
    acknowledge(db, (&leader_x, &lx), &letter, 2).await.unwrap();
    let versions = db.letter_versions(fx.municipality, letter.id).await.unwrap();
    assert_eq!(versions[1].acknowledged_by.as_deref(), Some("Leder X"));
    assert!(versions[1].acknowledged_at.is_some() && versions[0].acknowledged_at.is_none());
    assert!(
        matches!(acknowledge(db, (&leader_x, &lx), &letter, 2).await, Err(ServiceError::Store(StoreError::Rule(e))) if e.key == "err-letter-ack-done")
    );

    // Who reads: the administration and the unit, not politicians or other units' leaders.
    let politician = actor(&t, &[Role::Politician], &[]);
    let director = actor(&t, &[Role::Leader], &[fx.area]);
    let read = |x: &Actor| rodtrad_service::letters::may_read(x, &tree, &letter);
    assert!(read(&staff) && read(&leader_x) && read(&director));
    assert!(!read(&politician) && !read(&leader_y));
    let employee = Actor { own_unit: Some(fx.unit_x), ..actor(&t, &[Role::Employee], &[]) };
    assert!(read(&employee));

    // Other municipalities' ids are not found.
    assert!(matches!(db.letter(fx.other_municipality, letter.id).await, Err(StoreError::NotFound)));
    assert!(db.letter_versions(fx.other_municipality, letter.id).await.unwrap().is_empty());

    // The PDF holds the unit, the goals, the assignments, the frame, page numbers and the guidance
    // as text (typst markup characters printed as written).
    let pdf = letter_pdf(&v2, 2, "17.12.2026", &labels()).unwrap();
    let text = rodtrad_export::pdf::pdf_text_for_tests(&pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        name(fx.unit_x).as_str(),
        "Oppdragsbrev 2027",
        "Alle elever lærer å lese (SDG 4, SDG 10)",
        "Styrke lese- og skriveopplæringen",
        "Forventet resultat: Flere elever over kritisk grense i lesing",
        "Frist: 31.12.2027",
        "45 000 000,50 kr",
        "Nye føringer",
        "Side 1 av",
    ] {
        assert!(flat.contains(expected), "{expected:?} missing from the PDF:\n{text}");
    }
    let v1_pdf = rodtrad_export::pdf::pdf_text_for_tests(&letter_pdf(&v1, 1, "17.12.2026", &labels()).unwrap());
    let v1_flat = v1_pdf.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(v1_flat.contains("Vi styrker #laget [x] $5 æøå"), "{v1_pdf}");
    assert!(v1_flat.contains("Ikke fastsatt"));
});

both!(the_demo_year_has_a_letter_for_every_unit_some_acknowledged_one_reissued, |t: TestApp| async move {
    use chrono::Datelike;
    let cost = rodtrad_store::password::HashCost { memory_kib: 1024, iterations: 1 };
    let mid = rodtrad_store::demo::load(&t.db, cost).await.unwrap().municipality_id;
    let tree = t.db.org_tree(mid).await.unwrap();
    let year = i64::from(chrono::Utc::now().year());
    let units = rodtrad_store::letters::letter_units(&tree, chrono::Utc::now().date_naive());
    let letters = t.db.letters_of_year(mid, year).await.unwrap();
    assert!(units.len() > 20, "{}", units.len());
    assert_eq!(letters.iter().map(|l| l.unit_id).collect::<BTreeSet<_>>(), units.iter().copied().collect());
    assert!(letters.iter().all(|l| l.latest >= 1 && l.frame().is_some()));
    let acknowledged = letters.iter().filter(|l| l.acknowledged_at.is_some()).count();
    assert!(acknowledged > 5 && acknowledged < letters.len(), "{acknowledged} of {}", letters.len());
    let reissued: Vec<_> = letters.iter().filter(|l| l.latest == 2).collect();
    assert_eq!(reissued.len(), 1);
    let versions = t.db.letter_versions(mid, reissued[0].id).await.unwrap();
    let changes = diff(&versions[0].content.0, &versions[1].content.0);
    assert!(matches!(changes.as_slice(), [LetterChange::Frame { .. }]), "{changes:?}");
    // A school's letter carries its service area's goals with SDG numbers and assignments.
    let school = letters.iter().find(|l| l.unit_name.contains("skole")).expect("a school's letter");
    let content = t.db.letter_versions(mid, school.id).await.unwrap().pop().unwrap().content.0;
    assert!(!content.goals.is_empty() && content.goals.iter().any(|g| !g.sdg.is_empty()), "{content:?}");
    assert!(!content.assignments.is_empty(), "{content:?}");
    assert!(content.guidance.contains("Kommunedirektørens føringer"));
});

/// An adopted action programme for 2027 from an adopted master plan: the sub-goal "Alle elever
/// lærer å lese" (SDG 4.6 and 10.2) given to the service area, under it an assignment given to
/// the area with expected result and deadline and one given to unit Y. Returns the programme's id.
async fn programme_2027(t: &TestApp, a: &Author) -> i64 {
    let fx = t.fx.clone();
    let db = &t.db;
    let master = db.plan_create(a, &plan(PlanType::MasterPlanSocial, "Kommuneplan", Some(fx.root)), &[]).await.unwrap();
    let g = db
        .element_create(a, master, None, &element(ElementKind::MainGoal, "Barn og unge mestrer livet", None, &["4.1"]))
        .await
        .unwrap();
    let s = db
        .element_create(
            a,
            master,
            Some(g),
            &element(ElementKind::SubGoal, "Alle elever lærer å lese", None, &["4.6", "10.2"]),
        )
        .await
        .unwrap();
    adopt(t, a, master).await;
    let programme = db
        .plan_create(a, &plan(PlanType::ActionProgramme, "Handlingsprogram 2027–2030", Some(fx.root)), &[master])
        .await
        .unwrap();
    db.element_inherit(a, programme, g).await.unwrap();
    let sub = db.element_inherit(a, programme, s).await.unwrap();
    let v = db.element(fx.municipality, sub).await.unwrap().version;
    db.element_assign(a, sub, v, Some(fx.area)).await.unwrap();
    let mut given = element(ElementKind::Assignment, "Styrke leseopplæringen på 1.–4. trinn", Some(fx.area), &[]);
    given.deadline = chrono::NaiveDate::from_ymd_opt(2027, 12, 31);
    let given = db.element_create(a, programme, Some(sub), &given).await.unwrap();
    let v = db.element(fx.municipality, given).await.unwrap().version;
    db.element_expected_result_set(a, given, v, Some("Flere elever over kritisk grense i lesing")).await.unwrap();
    let elsewhere = element(ElementKind::Assignment, "Oppdrag for en annen enhet", Some(fx.unit_y), &[]);
    db.element_create(a, programme, Some(sub), &elsewhere).await.unwrap();
    adopt(t, a, programme).await;
    db.letter_template_save(a, "## Føringer\n\nVi **styrker** laget.\n\n- Første punkt\n  - underpunkt", 0)
        .await
        .unwrap();
    programme
}

fn staff_author(t: &TestApp) -> Author {
    Author { municipality_id: t.fx.municipality, user_id: None, name: "Styring".into() }
}

both!(letter_pages_issue_with_progress_keep_frames_and_take_receipts, |t: TestApp| async move {
    let fx = t.fx.clone();
    let mid = fx.municipality;
    let a = staff_author(&t);
    let tree = t.db.org_tree(mid).await.unwrap();
    let name = |id: i64| tree.get(id).unwrap().name.clone();
    let mut m = t.login("styring").await;

    // Without an adopted programme the issue is refused with the reason, the year kept, nothing issued.
    m.post("/letters/issue", &[("year", "2027")])
        .await
        .expect(422)
        .contains("Det finnes ikke noe vedtatt handlingsprogram for 2027")
        .contains("value=\"2027\"");
    assert!(t.db.letters_of_year(mid, 2027).await.unwrap().is_empty());
    let programme = programme_2027(&t, &a).await;

    // The frame of unit X before the first issue, typed the Norwegian way; bad input and a stale
    // form keep what was typed.
    let frame_url = format!("/letters/units/{}/frame", fx.unit_x);
    m.get(&format!("/letters/units/{}?year=2027", fx.unit_x)).await.expect(200).contains("Økonomisk ramme for 2027");
    let audit = t.audit_count().await;
    m.post(&frame_url, &[("year", "2027"), ("frame", "12,345"), ("version", "0")])
        .await
        .expect(422)
        .contains("Rammen må være et beløp i kroner")
        .contains("value=\"12,345\"");
    assert_eq!(t.audit_count().await, audit);
    m.post(&frame_url, &[("year", "2027"), ("frame", "12 345 678,50"), ("version", "0")]).await.expect(303);
    m.post(&frame_url, &[("year", "2027"), ("frame", "13 000 000"), ("version", "0")])
        .await
        .expect(409)
        .contains("value=\"13 000 000\"")
        .contains("Lagret nå: 12 345 678,50 kr");

    // Issuing every unit: the job's page shows the summary.
    let res = m.post("/letters/issue", &[("year", "2027")]).await.expect(303);
    assert!(res.location().starts_with("/letters/jobs/"), "{}", res.location());
    m.get(res.location()).await.expect(200).contains("Første versjon utstedt").contains(&name(fx.unit_x));
    let letters = t.db.letters_of_year(mid, 2027).await.unwrap();
    let lx = letters.iter().find(|l| l.unit_id == fx.unit_x).unwrap().clone();
    assert_eq!(lx.latest, 1);
    assert_eq!(lx.frame(), Some("12345678.50".parse().unwrap()));

    // The list: every unit for the staff, only their own for a unit's leader.
    m.get("/letters?year=2027")
        .await
        .expect(200)
        .contains(&name(fx.unit_x))
        .contains(&name(fx.unit_y))
        .contains("12 345 678,50 kr")
        .contains("Ikke kvittert");
    let mut x = t.login("lederx").await;
    x.get("/letters?year=2027").await.expect(200).contains(&name(fx.unit_x)).lacks(&name(fx.unit_y));
    t.login("politiker").await.get("/letters").await.expect(403);

    // The letter page: goals with SDG numbers, the assignment with its expected result and
    // deadline, the frame, the guidance as sanitised HTML, the receipt button for the leader.
    let page = format!("/letters/{}", lx.id);
    x.get(&page)
        .await
        .expect(200)
        .contains("Alle elever lærer å lese")
        .contains("(SDG 4, SDG 10)")
        .contains("Styrke leseopplæringen på 1.–4. trinn")
        .contains("Flere elever over kritisk grense i lesing")
        .contains("31.12.2027")
        .contains("12 345 678,50 kr")
        .contains("<strong>styrker</strong>")
        .contains("Kvitter for mottatt oppdragsbrev</button>");
    t.login("ledery").await.get(&page).await.expect(403);

    // Receipt: the director reads the letter but may not acknowledge it; nothing changes.
    let mut d = t.login("direktor").await;
    d.get(&page).await.expect(200).lacks("Kvitter for mottatt oppdragsbrev</button>");
    let audit = t.audit_count().await;
    d.post(&format!("{page}/acknowledge"), &[("number", "1")])
        .await
        .expect(403)
        .contains("Bare lederen av enheten kan kvittere for oppdragsbrevet");
    assert_eq!(t.audit_count().await, audit);
    assert!(t.db.letter(mid, lx.id).await.unwrap().acknowledged_at.is_none());
    let res = x.post(&format!("{page}/acknowledge"), &[("number", "1")]).await.expect(303);
    x.get(res.location())
        .await
        .expect(200)
        .contains("Du har kvittert for oppdragsbrevet.")
        .contains("Kvittert")
        .lacks("Kvitter for mottatt oppdragsbrev</button>");
    x.post(&format!("{page}/acknowledge"), &[("number", "1")]).await.expect(422).contains("allerede kvittert");
    m.get("/letters?year=2027").await.expect(200).contains("Kvittert").contains("lederx");

    // Frames and issuing are the staff's: a leader is refused and nothing changes.
    let audit = t.audit_count().await;
    x.post(&frame_url, &[("year", "2027"), ("frame", "1"), ("version", "2")]).await.expect(403);
    x.post(&format!("/letters/units/{}/issue", fx.unit_x), &[("year", "2027")]).await.expect(403);
    x.post("/letters/issue", &[("year", "2027")]).await.expect(403);
    assert_eq!(t.audit_count().await, audit);
    // Another municipality's administrator finds nothing.
    let mut b = t.client();
    b.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    b.get(&page).await.expect(404);
    b.post(&frame_url, &[("year", "2027"), ("frame", "1"), ("version", "2")]).await.expect(404);

    // The guidance template: preview, save, and a stale save keeps the text.
    let v = m.get("/letters/template").await.expect(200).input_value("version").unwrap();
    let guidance = "## Nye føringer\n\n- **Økonomi:** hold rammen <script>alert(1)</script>";
    let preview =
        m.post("/letters/template", &[("body", guidance), ("version", &v), ("action", "preview")]).await.expect(200);
    preview.contains("<strong>Økonomi:</strong>");
    assert!(!preview.body.contains("<script>alert(1)</script>"), "the preview is sanitised");
    m.post("/letters/template", &[("body", guidance), ("version", &v), ("action", "save")]).await.expect(303);
    m.post("/letters/template", &[("body", "Utdatert tekst"), ("version", &v), ("action", "save")])
        .await
        .expect(409)
        .contains("Utdatert tekst");

    // A new frame and a re-issue of X: version 2 says what changed, version 1 stays as it was.
    let version = t.db.letter(mid, lx.id).await.unwrap().version.to_string();
    m.post(&frame_url, &[("year", "2027"), ("frame", "13000000"), ("version", &version)]).await.expect(303);
    let res = m.post(&format!("/letters/units/{}/issue", fx.unit_x), &[("year", "2027")]).await.expect(303);
    assert!(res.location().ends_with("issued=new"), "{}", res.location());
    let res = m.post(&format!("/letters/units/{}/issue", fx.unit_x), &[("year", "2027")]).await.expect(303);
    assert!(res.location().ends_with("issued=same"), "{}", res.location());
    m.get(&format!("{page}/versions/2"))
        .await
        .expect(200)
        .contains("Endret siden versjon 1")
        .contains("Økonomisk ramme endret")
        .contains("Før: 12 345 678,50 kr")
        .contains("Nå: 13 000 000 kr")
        .contains("Føringene er endret");
    m.get(&format!("{page}/versions/1"))
        .await
        .expect(200)
        .contains("Dette er versjon 1")
        .contains("12 345 678,50 kr")
        .contains("<strong>styrker</strong>");
    m.get(&format!("{page}/versions/3")).await.expect(404);
    // The new version awaits a new receipt.
    x.get(&page).await.expect(200).contains("Kvitter for mottatt oppdragsbrev</button>");

    // The PDF of version 2, named after unit and year, holds the letter as text.
    let pdf = x.get(&format!("{page}/versions/2/pdf")).await.expect(200);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let disposition = pdf.headers["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains("Oppdragsbrev_") && disposition.contains("_2027_v2.pdf"), "{disposition}");
    let text = rodtrad_export::pdf::pdf_text_for_tests(&pdf.bytes);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        name(fx.unit_x).as_str(),
        "Alle elever lærer å lese (SDG 4, SDG 10)",
        "Styrke leseopplæringen på 1.–4. trinn",
        "Forventet resultat: Flere elever over kritisk grense i lesing",
        "13 000 000 kr",
        "Nye føringer",
        "Økonomi: hold rammen",
        "Side 1 av",
    ] {
        assert!(flat.contains(expected), "{expected:?} missing from the PDF:\n{text}");
    }

    // CSV and XLSX of the year's list.
    let csv = m.get("/letters/export.csv?year=2027").await.expect(200);
    assert!(csv.body.contains(&name(fx.unit_x)) && csv.body.contains("13000000"), "{}", csv.body);
    assert!(csv.body.lines().next().unwrap().contains("Økonomisk ramme"));
    let xlsx = m.get("/letters/export.xlsx?year=2027").await.expect(200);
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes)).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert!(sheet.rows().any(|r| r.iter().any(|c| c.to_string() == name(fx.unit_x))));

    // Reached from the unit page and from the adopted action programme's page.
    m.get(&format!("/org/{}", fx.unit_x)).await.expect(200).contains(&format!("/letters/units/{}", fx.unit_x));
    m.get(&format!("/plans/{programme}")).await.expect(200).contains("href=\"/letters?year=2027\"");
    t.login("politiker").await.get(&format!("/plans/{programme}")).await.expect(200).lacks("/letters?year=2027");
});

both!(issuing_runs_as_a_job_in_steps_with_visible_progress, |t: TestApp| async move {
    let fx = t.fx.clone();
    let a = staff_author(&t);
    programme_2027(&t, &a).await;
    let staff = actor(&t, &[Role::Management], &[]);
    let queued = rodtrad_service::letters::queue_issue_all(&t.db, (&staff, &a), 2027).await.unwrap();
    assert!(queued.units >= 4, "{queued:?}");
    // Queued: the page polls (htmx) and reloads without JavaScript, showing 0 of all units.
    let mut m = t.login("styring").await;
    let page = format!("/letters/jobs/{}", queued.job_id);
    m.get(&page)
        .await
        .expect(200)
        .contains("hx-trigger=\"every 1s\"")
        .contains("<noscript><meta http-equiv=\"refresh\" content=\"2\"></noscript>")
        .contains(&format!("max=\"{}\" value=\"0\"", queued.units));
    t.login("lederx").await.get(&page).await.expect(403);
    // The runner issues it in steps and records the progress on the job after each.
    let runner = rodtrad_service::jobs::Runner::new(t.db.clone());
    assert!(runner.run_now(queued.job_id).await.unwrap());
    let job = t.db.job(fx.municipality, queued.job_id).await.unwrap();
    assert_eq!(job.state, "done");
    let progress = rodtrad_service::letters::IssueProgress::of(&job);
    assert_eq!((progress.done, progress.total, progress.first.len()), (queued.units, queued.units, queued.units));
    m.get(&page).await.expect(200).lacks("hx-trigger").contains("Første versjon utstedt");
    // A job with nothing to change reports every unit unchanged.
    let again = rodtrad_service::letters::queue_issue_all(&t.db, (&staff, &a), 2027).await.unwrap();
    runner.run_now(again.job_id).await.unwrap();
    let p = rodtrad_service::letters::IssueProgress::of(&t.db.job(fx.municipality, again.job_id).await.unwrap());
    assert_eq!((p.first.len(), p.reissued.len(), p.unchanged.len()), (0, 0, queued.units));
    // Another municipality's job id is not found; a leader may not queue.
    let leader = actor(&t, &[Role::Leader], &[fx.unit_x]);
    assert!(matches!(
        rodtrad_service::letters::queue_issue_all(&t.db, (&leader, &a), 2027).await,
        Err(ServiceError::Forbidden)
    ));
    let mut b = t.client();
    b.login("admin@b.test", crate::harness::PASSWORD).await.expect(303);
    b.get(&page).await.expect(404);
});

both!(letters_api_reads_issues_sets_frames_and_takes_receipts_as_the_pages_do, |t: TestApp| async move {
    use crate::api::{json, token_client};
    use axum::http::Method;
    let fx = t.fx.clone();
    let a = staff_author(&t);
    programme_2027(&t, &a).await;
    let mut m = token_client(&t, "styring").await;
    let res = json(
        &mut m,
        Method::PUT,
        &format!("/api/v1/letters/units/{}/frame", fx.unit_x),
        serde_json::json!({
            "year": 2027, "frame": "4 250 000,50", "version": 0
        }),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(res["frame"], "4250000.5");
    json(
        &mut m,
        Method::PUT,
        &format!("/api/v1/letters/units/{}/frame", fx.unit_x),
        serde_json::json!({
            "year": 2027, "frame": "1", "version": 0
        }),
    )
    .await
    .expect(409);
    let bad = json(
        &mut m,
        Method::PUT,
        &format!("/api/v1/letters/units/{}/frame", fx.unit_x),
        serde_json::json!({
            "year": 2027, "frame": "fire millioner", "version": res["version"]
        }),
    )
    .await
    .expect(422)
    .json();
    assert_eq!(bad["error"], "err-letter-frame-invalid");
    let summary =
        json(&mut m, Method::POST, "/api/v1/letters/issue", serde_json::json!({"year": 2027})).await.expect(200).json();
    assert!(summary["first"].as_array().unwrap().len() >= 4);
    let list = m.get("/api/v1/letters?year=2027").await.expect(200).json();
    let lx = list.as_array().unwrap().iter().find(|l| l["unit_id"] == fx.unit_x).unwrap().clone();
    assert_eq!((lx["latest"].as_i64(), lx["frame"].as_str()), (Some(1), Some("4250000.5")));
    let id = lx["id"].as_i64().unwrap();
    let detail = m.get(&format!("/api/v1/letters/{id}")).await.expect(200).json();
    assert_eq!(detail["content"]["goals"][0]["sdg"], serde_json::json!([4, 10]));
    assert_eq!(detail["content"]["assignments"][0]["expected_result"], "Flere elever over kritisk grense i lesing");
    assert_eq!(detail["versions"].as_array().unwrap().len(), 1);

    // A leader reads their own unit only; another unit's leader may not acknowledge.
    let mut x = token_client(&t, "lederx").await;
    let mine = x.get("/api/v1/letters?year=2027").await.expect(200).json();
    assert!(mine.as_array().unwrap().iter().all(|l| l["unit_id"] == fx.unit_x || l["unit_id"] == fx.dept_x));
    let mut d = token_client(&t, "direktor").await;
    let refused =
        json(&mut d, Method::POST, &format!("/api/v1/letters/{id}/acknowledge"), serde_json::json!({"number": 1}))
            .await
            .expect(403)
            .json();
    assert_eq!(refused["error"], "err-letter-ack-not-leader");
    assert!(refused["message"].as_str().unwrap().contains("Bare lederen av enheten"));
    let acked =
        json(&mut x, Method::POST, &format!("/api/v1/letters/{id}/acknowledge"), serde_json::json!({"number": 1}))
            .await
            .expect(200)
            .json();
    assert_eq!(acked["acknowledged_by"], "lederx");
    json(&mut x, Method::POST, "/api/v1/letters/issue", serde_json::json!({"year": 2027})).await.expect(403);
    json(&mut x, Method::PUT, "/api/v1/letters/template", serde_json::json!({"body": "x", "version": 1}))
        .await
        .expect(403);

    // Template, re-issue one with what changed, the PDF.
    let tpl = m.get("/api/v1/letters/template").await.expect(200).json();
    json(
        &mut m,
        Method::PUT,
        "/api/v1/letters/template",
        serde_json::json!({"body": "Nye føringer", "version": tpl["version"]}),
    )
    .await
    .expect(200);
    json(
        &mut m,
        Method::PUT,
        "/api/v1/letters/template",
        serde_json::json!({"body": "Gammel", "version": tpl["version"]}),
    )
    .await
    .expect(409);
    let re = json(
        &mut m,
        Method::POST,
        &format!("/api/v1/letters/units/{}/issue", fx.unit_x),
        serde_json::json!({"year": 2027}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(re["reissued"].as_array().unwrap().len(), 1);
    let v2 = m.get(&format!("/api/v1/letters/{id}/versions/2")).await.expect(200).json();
    assert_eq!(v2["changes"][0]["kind"], "letter-change-guidance");
    assert_eq!(v2["content"]["guidance"], "Nye føringer");
    let v1 = m.get(&format!("/api/v1/letters/{id}/versions/1")).await.expect(200).json();
    assert_eq!(v1["version"]["acknowledged_by"], "lederx");
    let pdf = x.get(&format!("/api/v1/letters/{id}/versions/2/pdf")).await.expect(200);
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    t.login("ledery").await.get(&format!("/api/v1/letters/{id}")).await.expect(403);
    let doc = t.client().get("/api/v1/openapi.json").await.expect(200).json();
    assert!(doc["paths"]["/api/v1/letters/{letter}/acknowledge"]["post"].is_object());
});

both!(expected_results_are_edited_on_the_assignment_page, |t: TestApp| async move {
    use crate::plans::{new_element, new_plan, version_of};
    let mut m = t.login("styring").await;
    let ap = new_plan(&mut m, "action_programme", "Handlingsprogram", Some(t.fx.root), &[]).await;
    let goal = new_element(&mut m, ap, None, "main_goal", "Barn og unge mestrer livet").await;
    let assignment = new_element(&mut m, ap, Some(goal), "assignment", "Leseløft i alle skoler").await;
    let page = format!("/elements/{assignment}");
    m.get(&page).await.expect(200).contains(&format!("action=\"/elements/{assignment}/expected-result\""));
    let v = version_of(&mut m, &page).await;
    let url = format!("/elements/{assignment}/expected-result");
    let long = "å".repeat(2001);
    m.post(&url, &[("expected_result", &long), ("version", &v)])
        .await
        .expect(422)
        .contains("høyst 2000 tegn")
        .contains(&long);
    m.post(&url, &[("expected_result", "Alle skoler har leseplan"), ("version", &v)]).await.expect(303);
    m.get(&page).await.expect(200).contains("Alle skoler har leseplan");
    m.post(&url, &[("expected_result", "Foreldet"), ("version", &v)]).await.expect(409).contains("Foreldet");
    // Only assignments have one; the unit's leader of another unit may not set it.
    let gv = version_of(&mut m, &format!("/elements/{goal}")).await;
    m.post(&format!("/elements/{goal}/expected-result"), &[("expected_result", "x"), ("version", &gv)])
        .await
        .expect(422)
        .contains("Bare oppdrag har forventet resultat");
    let v = version_of(&mut m, &page).await;
    t.login("ledery").await.post(&url, &[("expected_result", "Kapret"), ("version", &v)]).await.expect(403);
});

both!(a_unit_adds_its_own_measures_under_inherited_goals_and_assignments, |t: TestApp| async move {
    use crate::plans::{id_in, new_element, new_plan, version_of};
    let fx = t.fx.clone();
    let mut m = t.login("styring").await;
    let ap = new_plan(&mut m, "action_programme", "Handlingsprogram", Some(fx.root), &[]).await;
    let goal = new_element(&mut m, ap, None, "main_goal", "Barn og unge mestrer livet").await;
    let sub = new_element(&mut m, ap, Some(goal), "sub_goal", "Alle elever lærer å lese").await;
    let assignment = new_element(&mut m, ap, Some(sub), "assignment", "Leseløft i alle skoler").await;
    // The unit's leader makes the unit plan on the programme and inherits the goal and assignment.
    let mut x = t.login("lederx").await;
    let up = new_plan(&mut x, "unit_plan", "Virksomhetsplan Xskolen", Some(fx.unit_x), &[ap]).await;
    async fn inherit(c: &mut crate::harness::Client, plan: i64, source: i64) -> i64 {
        let res =
            c.post(&format!("/plans/{plan}/inherit"), &[("source_element_id", &source.to_string())]).await.expect(303);
        id_in(res.location(), "#e-")
    }
    inherit(&mut x, up, goal).await;
    let sub_up = inherit(&mut x, up, sub).await;
    let assignment_up = inherit(&mut x, up, assignment).await;
    // Its own measures under the inherited sub-goal and under the inherited assignment.
    let own_under_goal = new_element(&mut x, up, Some(sub_up), "measure", "Lesekvarter hver morgen").await;
    let own_under_assignment = new_element(&mut x, up, Some(assignment_up), "measure", "Lesekurs for foreldre").await;
    let elements = t.db.elements(fx.municipality, up).await.unwrap();
    let parent_of = |id: i64| elements.iter().find(|e| e.id == id).unwrap().parent_id;
    assert_eq!(parent_of(own_under_goal), Some(sub_up));
    assert_eq!(parent_of(own_under_assignment), Some(assignment_up));
    assert!(elements.iter().find(|e| e.id == own_under_assignment).unwrap().source_element_id.is_none());
    x.get(&format!("/plans/{up}"))
        .await
        .expect(200)
        .contains("Lesekvarter hver morgen")
        .contains("Lesekurs for foreldre");
    // The inherited assignment stays bound: the unit cannot rewrite it.
    let v = version_of(&mut x, &format!("/elements/{assignment_up}")).await;
    x.post(&format!("/elements/{assignment_up}"), &[("text", "Kapret"), ("version", &v)]).await.expect(422);
    assert_eq!(t.db.element(fx.municipality, assignment_up).await.unwrap().text, "Leseløft i alle skoler");
});

both!(every_demo_letter_renders_to_a_pdf_with_its_unit_goals_and_assignments, |t: TestApp| async move {
    use chrono::Datelike;
    let cost = rodtrad_store::password::HashCost { memory_kib: 1024, iterations: 1 };
    let mid = rodtrad_store::demo::load(&t.db, cost).await.unwrap().municipality_id;
    let year = i64::from(chrono::Utc::now().year());
    let letters = t.db.letters_of_year(mid, year).await.unwrap();
    assert!(letters.len() > 20);
    let mut contents = Vec::new();
    for l in &letters {
        let v = t.db.letter_versions(mid, l.id).await.unwrap().pop().unwrap();
        contents.push((v.number, v.content.0));
    }
    // The demo guidance has a bullet list, which every letter carries.
    assert!(contents.iter().all(|(_, c)| c.guidance.contains("\n- **Økonomi:**")));
    // Rendered on both cores; each PDF must hold its unit, every goal and every assignment.
    let halves: Vec<Vec<(i64, rodtrad_domain::letters::LetterContent)>> =
        contents.chunks(contents.len().div_ceil(2)).map(<[_]>::to_vec).collect();
    let handles: Vec<_> = halves
        .into_iter()
        .map(|half| {
            std::thread::spawn(move || {
                for (number, c) in half {
                    let pdf =
                        letter_pdf(&c, number, "17.12.2026", &labels()).unwrap_or_else(|e| panic!("{}: {e}", c.unit));
                    let text = rodtrad_export::pdf::pdf_text_for_tests(&pdf);
                    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
                    assert!(flat.contains(&words(&c.unit)), "{} missing:\n{text}", c.unit);
                    assert!(flat.contains("Økonomi: Virksomheten skal drive innenfor tildelt ramme"), "{text}");
                    for g in &c.goals {
                        let start: String = words(&g.text).chars().take(40).collect();
                        assert!(flat.contains(&start), "goal {start:?} missing from {}:\n{text}", c.unit);
                    }
                    for a in &c.assignments {
                        let start: String = words(&a.text).chars().take(40).collect();
                        assert!(flat.contains(&start), "assignment {start:?} missing from {}:\n{text}", c.unit);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
});
