//! Rules that must hold when two writes race: each round starts both writes at the same moment on
//! separate tasks (and so separate connections), then checks the invariant the rule protects.
//! A rule checked on a read before the write's transaction opens fails these within a few rounds.

use crate::both;
use crate::harness::TestApp;
use chrono::NaiveDate;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanStatus, PlanType};
use rodtrad_domain::{Name, OrgUnitKind};
use rodtrad_store::org::{NewOrgUnit, OrgUnitChange};
use rodtrad_store::plans::{ElementInput, PlanInput};
use rodtrad_store::{Author, StoreError};

const ROUNDS: usize = 40;

fn system(t: &TestApp) -> Author {
    Author { municipality_id: t.fx.municipality, user_id: None, name: "Kappløp".into() }
}

fn goal(text: &str) -> ElementInput {
    ElementInput {
        kind: ElementKind::MainGoal,
        text: text.into(),
        owner_unit_id: None,
        responsible_person_id: None,
        deadline: None,
        status: ElementStatus::Draft,
        sdg_targets: Vec::new(),
    }
}

// An element edit racing the plan's adoption either lands before the adoption, and then the
// frozen version holds it, or is refused because the plan is frozen. It never commits after.
both!(element_edit_racing_adoption_is_frozen_or_refused, |t: TestApp| async move {
    let a = system(&t);
    let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let (mut landed, mut refused) = (0, 0);
    for round in 0..ROUNDS {
        let input = PlanInput {
            plan_type: PlanType::ActionProgramme,
            title: Name::parse(&format!("Handlingsprogram {round}")).unwrap(),
            start_year: 2027,
            end_year: 2030,
            owner_unit_id: None,
            published: false,
        };
        let plan = t.db.plan_create(&a, &input, &[]).await.unwrap();
        t.db.plan_decision_add(&a, plan, "Kommunestyret", "26/1", day, None).await.unwrap();
        let element = t.db.element_create(&a, plan, None, &goal("Før vedtak")).await.unwrap();
        let (plan_version, element_version) = (
            t.db.plan(a.municipality_id, plan).await.unwrap().version,
            t.db.element(a.municipality_id, element).await.unwrap().version,
        );
        let (db1, a1) = (t.db.clone(), a.clone());
        let edit = tokio::spawn(async move {
            db1.element_update(&a1, element, element_version, &goal("Endret under vedtak")).await
        });
        let (db2, a2) = (t.db.clone(), a.clone());
        let adopt =
            tokio::spawn(async move { db2.plan_transition(&a2, plan, plan_version, PlanStatus::Adopted).await });
        let (edit, adopt) = (edit.await.unwrap(), adopt.await.unwrap());
        adopt.unwrap_or_else(|e| panic!("round {round}: adoption failed: {e}"));
        match edit {
            Ok(_) => landed += 1,
            Err(StoreError::Rule(e)) if e.key == "err-plan-frozen" => refused += 1,
            Err(e) => panic!("round {round}: the edit failed with {e}, not as refused by the frozen plan"),
        }
        let frozen = t.db.plan_version(plan, 1).await.unwrap();
        let live = t.db.element(a.municipality_id, element).await.unwrap();
        assert_eq!(
            frozen.iter().find(|e| e.id == element).map(|e| e.text.as_str()),
            Some(live.text.as_str()),
            "round {round}: the adopted version differs from the plan as it now reads (edit landed after adoption)"
        );
    }
    assert_eq!(landed + refused, ROUNDS);
    eprintln!("{:?}: {landed} edits landed before adoption, {refused} refused as frozen", t.backend);
});

// Retiring a unit racing a move of a department under it: either the move lands first and the
// retirement is refused (a valid child), or the retirement lands and the move is refused. Never a
// retired unit with a department that is still valid.
both!(retirement_racing_a_move_under_it_never_leaves_a_valid_child, |t: TestApp| async move {
    let a = system(&t);
    let mid = a.municipality_id;
    let day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let retire_on = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    for round in 0..ROUNDS {
        let new = |parent: i64, kind: OrgUnitKind, name: String| NewOrgUnit {
            parent_id: Some(parent),
            kind,
            name: Name::parse(&name).unwrap(),
            short_name: None,
            leader_person_id: None,
            valid_from: day,
        };
        let school =
            t.db.org_unit_create(&a, &new(t.fx.area, OrgUnitKind::Unit, format!("Skole {round}"))).await.unwrap();
        let dept =
            t.db.org_unit_create(&a, &new(t.fx.unit_x, OrgUnitKind::Department, format!("Avd {round}"))).await.unwrap();
        let (s, d) = (t.db.org_unit(mid, school).await.unwrap(), t.db.org_unit(mid, dept).await.unwrap());
        let change = |u: &rodtrad_store::org::OrgUnit, parent: i64, valid_to: Option<NaiveDate>| OrgUnitChange {
            parent_id: Some(parent),
            name: Name::parse(&u.name).unwrap(),
            short_name: None,
            leader_person_id: None,
            valid_from: u.valid_from,
            valid_to,
        };
        let (retire, mv) = (change(&s, t.fx.area, Some(retire_on)), change(&d, school, None));
        let (db1, a1, v1) = (t.db.clone(), a.clone(), s.version);
        let retiring = tokio::spawn(async move { db1.org_unit_update(&a1, school, v1, &retire).await });
        let (db2, a2, v2) = (t.db.clone(), a.clone(), d.version);
        let moving = tokio::spawn(async move { db2.org_unit_update(&a2, dept, v2, &mv).await });
        let (retiring, moving) = (retiring.await.unwrap(), moving.await.unwrap());
        let tree = t.db.org_tree(mid).await.unwrap();
        let (s, d) = (tree.get(school).unwrap(), tree.get(dept).unwrap());
        assert!(
            !(s.valid_to.is_some() && d.parent_id == Some(school) && d.valid_to.is_none()),
            "round {round}: retired unit with a valid department (retire: {retiring:?}, move: {moving:?})"
        );
        assert!(retiring.is_ok() || moving.is_ok(), "round {round}: both refused: {retiring:?} {moving:?}");
    }
});

// Two plans made each other's source at the same moment: at most one of the two links lands.
both!(two_plans_made_each_others_source_at_once_never_form_a_cycle, |t: TestApp| async move {
    let a = system(&t);
    for round in 0..ROUNDS {
        let input = |title: String| PlanInput {
            plan_type: PlanType::ThematicPlan,
            title: Name::parse(&title).unwrap(),
            start_year: 2027,
            end_year: 2038,
            owner_unit_id: None,
            published: false,
        };
        let (i1, i2) = (input(format!("Temaplan A{round}")), input(format!("Temaplan B{round}")));
        let p1 = t.db.plan_create(&a, &i1, &[]).await.unwrap();
        let p2 = t.db.plan_create(&a, &i2, &[]).await.unwrap();
        let (v1, v2) = (
            t.db.plan(a.municipality_id, p1).await.unwrap().version,
            t.db.plan(a.municipality_id, p2).await.unwrap().version,
        );
        let (db1, a1) = (t.db.clone(), a.clone());
        let first = tokio::spawn(async move { db1.plan_update(&a1, p1, v1, &i1, &[p2]).await });
        let (db2, a2) = (t.db.clone(), a.clone());
        let second = tokio::spawn(async move { db2.plan_update(&a2, p2, v2, &i2, &[p1]).await });
        let (first, second) = (first.await.unwrap(), second.await.unwrap());
        let links = t.db.plan_sources_all(a.municipality_id).await.unwrap();
        let both_landed = links.contains(&(p1, p2)) && links.contains(&(p2, p1));
        assert!(!both_landed, "round {round}: plans {p1} and {p2} are each other's source ({first:?}, {second:?})");
        assert!(first.is_ok() || second.is_ok(), "round {round}: both refused: {first:?} {second:?}");
    }
});
