//! The iCalendar feeds at a secret per-account address (calendar clients cannot sign in): the
//! account's own feed (`/calendar/{token}/mine.ics`: the municipality-wide activities and those of
//! the units the person works in or leads, and the units above them) and a unit's feed
//! (`/calendar/{token}/units/{unit}/calendar.ics`: the municipality-wide activities and those of the
//! unit and the units above it). The token is stored hashed; an unknown token is 404 and a revoked
//! one 410. The account makes and revokes its address on its profile page (`auth`).

use super::*;
use axum::http::header;
use rodtrad_export::ical::{AllDayEvent, calendar};
use rodtrad_store::annual_cycle::FeedToken;

/// How far back and ahead the feeds reach.
const DAYS_BACK: i64 = 366;
const DAYS_AHEAD: i64 = 4 * 366;

/// The account behind a live token, with its actor: `None` for a revoked address or a deactivated
/// account (410), 404 for an unknown token.
async fn owner(state: &AppState, token: &str) -> AppResult<Option<Actor>> {
    match state.db.calendar_feed_token(token).await? {
        None => Err(AppError::NotFound),
        Some(FeedToken::Revoked) => Ok(None),
        Some(FeedToken::Live(user_id)) => {
            let user = state.db.user(user_id).await?;
            if !user.active {
                return Ok(None);
            }
            Ok(Some(state.db.actor(&user, chrono::Utc::now().date_naive()).await?))
        }
    }
}

/// 410 Gone: the address was revoked, and a calendar client should stop asking; a person who
/// opens it sees the page that says so.
fn gone() -> Response {
    let mut response = StatusCode::GONE.into_response();
    response.extensions_mut().insert(crate::error::ErrorPage {
        key: "cycle-feed-revoked",
        args: Vec::new(),
        field: None,
    });
    response
}

/// The events of the activities whose unit passes `keep` (none: the whole municipality).
async fn feed(state: &AppState, actor: &Actor, name: &str, keep: impl Fn(Option<i64>) -> bool) -> AppResult<Response> {
    let today = chrono::Utc::now().date_naive();
    let mid = actor.municipality_id;
    let number = state.db.municipality(mid).await?.number;
    let activities = state
        .db
        .cycle_activities_between(
            mid,
            today - chrono::Duration::days(DAYS_BACK),
            today + chrono::Duration::days(DAYS_AHEAD),
        )
        .await?;
    let i18n = rodtrad_web_tr(state);
    let events: Vec<AllDayEvent> =
        activities.iter().filter(|a| keep(a.unit_id)).map(|a| event(&i18n, &number, a)).collect();
    let body = calendar(name, &events);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, crate::export::attachment(name, "ics")),
        ],
        body,
    )
        .into_response())
}

/// Feeds are read by calendar clients without a language choice: bokmål.
fn rodtrad_web_tr(state: &AppState) -> Tr {
    Tr::new(state.i18n.clone(), crate::i18n::Lang::Nb)
}

/// An activity as an all-day event; its UID names the activity and the municipality, never a date,
/// so a moved activity moves in the client instead of appearing twice.
pub(crate) fn event(tr: &Tr, municipality_number: &str, a: &StoredActivity) -> AllDayEvent {
    let x = &a.activity;
    let mut description = vec![tr.t(x.kind.label_key())];
    if !x.responsible.is_empty() {
        description.push(format!("{}: {}", tr.t("cycle-col-responsible"), x.responsible));
    }
    if let Some(d) = x.deadline {
        description.push(format!("{}: {}", tr.t("cycle-col-deadline"), tr.t(d.label_key())));
    }
    AllDayEvent {
        uid: format!("cycle-activity-{}@{}.rodtrad", a.id, municipality_number),
        summary: x.title.clone(),
        description: description.join("\n"),
        categories: vec![tr.t(x.kind.label_key())],
        first: x.starts_on,
        last: x.ends_on,
        changed: a.updated_at,
    }
}

/// The account's own feed.
pub(crate) async fn calendar_mine(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let Some(actor) = owner(&state, &token).await? else { return Ok(gone()) };
    let tree = state.org_tree(actor.municipality_id).await?;
    let mut mine: Vec<i64> = Vec::new();
    for u in actor.own_unit.iter().chain(actor.led_units.iter()) {
        mine.extend(tree.ancestry(*u));
    }
    let name = rodtrad_web_tr(&state).t("cycle-feed-mine");
    feed(&state, &actor, &name, |unit| unit.is_none_or(|u| mine.contains(&u))).await
}

/// A unit's feed (404 for a unit of another municipality).
pub(crate) async fn calendar_unit(
    State(state): State<AppState>,
    Path((token, unit)): Path<(String, i64)>,
) -> AppResult<Response> {
    let Some(actor) = owner(&state, &token).await? else { return Ok(gone()) };
    let tree = state.org_tree(actor.municipality_id).await?;
    let Some(u) = tree.get(unit) else { return Err(AppError::NotFound) };
    let above = tree.ancestry(unit);
    let name = format!("{} – {}", rodtrad_web_tr(&state).t("cycle-nav"), u.name);
    feed(&state, &actor, &name, |x| x.is_none_or(|x| above.contains(&x))).await
}
