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
