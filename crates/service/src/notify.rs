//! In-app notifications, made by a scheduled run (`rodtrad serve`) or the `rodtrad notify` command:
//! for every active account, its overdue items, its items due soon and the open management dialogues
//! it is a party to, and the annual cycle's linked deadlines of the coming week, from the same read
//! model as *Mitt ansvar*. Making them again changes nothing
//! (one notification per account, kind and subject).

use crate::dashboard::{Inputs, Mine};
use chrono::NaiveDate;
use rodtrad_domain::dashboard::NotificationKind;
use rodtrad_store::notifications::NewNotification;
use rodtrad_store::{Author, Db, StoreError};

/// The notifications an account with *Mitt ansvar* `mine` should have.
pub fn notifications_for(user_id: i64, mine: &Mine) -> Vec<NewNotification> {
    let mut out: Vec<NewNotification> = mine
        .items
        .iter()
        .filter_map(|i| {
            i.due.map(|due| NewNotification {
                user_id,
                kind: NotificationKind::of_due(due),
                subject_id: i.row.id,
                text: i.row.text.clone(),
                due_on: i.row.deadline,
            })
        })
        .collect();
    out.extend(mine.dialogues.iter().map(|d| NewNotification {
        user_id,
        kind: NotificationKind::Dialogue,
        subject_id: d.id,
        text: d.element_text.clone(),
        due_on: d.follow_up_on,
    }));
    out.extend(mine.deadlines.iter().map(|d| NewNotification {
        user_id,
        kind: NotificationKind::CycleDeadline,
        subject_id: d.activity_id,
        text: d.title.clone(),
        due_on: Some(d.date),
    }));
    out
}

/// Makes the notifications of every active account of a municipality on `today`; returns how
/// many were new.
pub async fn run(db: &Db, municipality_id: i64, today: NaiveDate) -> Result<u64, StoreError> {
    let users = db.notification_accounts(municipality_id).await?;
    let inputs = Inputs::load(db, municipality_id, today).await?;
    let mut new = Vec::new();
    for user in users {
        let actor = db.actor(&user, today).await?;
        if actor.person_id.is_none() && actor.led_units.is_empty() && !actor.can_manage_annual_cycle() {
            continue;
        }
        new.extend(notifications_for(user.id, &inputs.mine(&actor, today)));
    }
    let author = Author { municipality_id, user_id: None, name: "Rødtråd".into() };
    db.notifications_add(&author, &new).await
}

/// [`run`] for every municipality.
pub async fn run_all(db: &Db, today: NaiveDate) -> Result<u64, StoreError> {
    let mut made = 0;
    for mid in db.municipality_ids().await? {
        made += run(db, mid, today).await?;
    }
    Ok(made)
}
