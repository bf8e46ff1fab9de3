//! In-app notifications: the caller's own list (unread first), marking one or all read, and the
//! choice on the profile page to get e-mail digests or not.

use super::*;
use axum::Form;
use axum::response::Redirect;
use rodtrad_domain::dashboard::NotificationKind;

/// One notification as listed.
pub(crate) struct NotificationRow {
    pub(crate) id: i64,
    pub(crate) symbol: &'static str,
    pub(crate) kind_label: String,
    pub(crate) text: String,
    pub(crate) href: String,
    pub(crate) due_on: Option<chrono::NaiveDate>,
    pub(crate) created_at: chrono::DateTime<Utc>,
    pub(crate) unread: bool,
}

#[derive(Template)]
#[template(path = "dashboard/notifications.html")]
struct NotificationsTemplate {
    p: Page,
    rows: Vec<NotificationRow>,
    unread: usize,
}

/// Most notifications a page lists.
pub(crate) const LIMIT: i64 = 200;

/// The page a notification is about: the dialogue, or the item with its status history.
pub(crate) fn link(n: &rodtrad_store::notifications::Notification) -> String {
    match n.kind() {
        NotificationKind::Dialogue => format!("/followup/dialogues/{}", n.subject_id),
        NotificationKind::CycleDeadline => format!("/annual-cycle/activities/{}", n.subject_id),
        _ => format!("/followup/items/{}", n.subject_id),
    }
}

/// The caller's notifications.
pub(crate) async fn notifications_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.user()?;
    let list = state.db.notifications(user.user.municipality_id, user.user.id, false, LIMIT).await?;
    let tr = &ctx.tr;
    let rows: Vec<NotificationRow> = list
        .into_iter()
        .map(|n| {
            let kind = n.kind();
            NotificationRow {
                id: n.id,
                symbol: match kind {
                    NotificationKind::Overdue => "✕",
                    NotificationKind::DueSoon => "!",
                    NotificationKind::Dialogue => "⇄",
                    NotificationKind::CycleDeadline => "◷",
                },
                kind_label: tr.t(kind.label_key()),
                href: link(&n),
                text: n.text,
                due_on: n.due_on,
                created_at: n.created_at,
                unread: n.read_at.is_none(),
            }
        })
        .collect();
    let t = NotificationsTemplate {
        p: ctx.page(tr.t("notifications-title"), "notifications"),
        unread: rows.iter().filter(|r| r.unread).count(),
        rows,
    };
    Ok(Html(t.render()?).into_response())
}

/// Marks one of the caller's notifications read (another account's is not found).
pub(crate) async fn notification_read(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.user()?;
    state.db.notification_mark_read(&ctx.author()?, user.user.id, id).await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// Marks every notification of the caller's read.
pub(crate) async fn notifications_read_all(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.user()?;
    state.db.notifications_mark_all_read(&ctx.author()?, user.user.id).await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// The profile's digest form: the box is ticked to get digests.
#[derive(Deserialize)]
pub(crate) struct DigestForm {
    #[serde(default)]
    digest: Option<String>,
}

/// Opts the caller in to or out of e-mail digests.
pub(crate) async fn digest_choice(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<DigestForm>,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let wants = form.digest.is_some_and(|v| !v.trim().is_empty());
    state.db.digest_set_opt_out(&ctx.author()?, user.user.id, !wants).await?;
    Ok(Redirect::to("/profile?digest=1").into_response())
}
