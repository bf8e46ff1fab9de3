//! E-mail digests over SMTP: once a day, every active account that has not opted out gets its
//! overdue items, items due soon and open management dialogues as a plain-text message in its own
//! language, with links into the application. Accounts with nothing of that get nothing. Run by
//! the scheduled task of `rodtrad serve` and by `rodtrad notify --digest`.

use super::*;
use crate::i18n::{I18n, Lang};
use rodtrad_service::mail::Mailer;
use rodtrad_store::{Author, Db, StoreError};
use std::fmt::Write;
use std::sync::Arc;

/// What a digest run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DigestSummary {
    /// Messages the SMTP server accepted.
    pub sent: usize,
    /// Accounts with nothing overdue, due soon or open.
    pub nothing: usize,
    /// Messages the server refused or could not take (tried again on the next run).
    pub failed: usize,
}

/// A digest as it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// The digest of *Mitt ansvar* `mine` for `name`, in `tr`'s language, with links under `base_url`;
/// `None` when nothing is overdue, due soon or open.
pub fn compose(tr: &Tr, name: &str, mine: &Mine, base_url: &str) -> Option<Digest> {
    let overdue: Vec<&MyItem> = mine.overdue().collect();
    let soon: Vec<&MyItem> = mine.due_soon().collect();
    if overdue.is_empty() && soon.is_empty() && mine.dialogues.is_empty() && mine.deadlines.is_empty() {
        return None;
    }
    let base = base_url.trim_end_matches('/');
    let subject = tr.rule(
        &rodtrad_domain::RuleError::new("digest-subject")
            .with("overdue", overdue.len().to_string())
            .with("soon", soon.len().to_string())
            .with("dialogues", mine.dialogues.len().to_string()),
    );
    let mut body = String::new();
    let _ = writeln!(body, "{}\n\n{}\n", tr.t1("digest-greeting", "name", name), tr.t("digest-intro"));
    for (heading, items) in [("dashboard-overdue", &overdue), ("dashboard-due-soon", &soon)] {
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(body, "{} ({})", tr.t(heading), items.len());
        for i in items.iter() {
            let r = &i.row;
            let unit = r.owner_unit_name.clone().unwrap_or_default();
            let deadline = r.deadline.map(|d| tr.t1("digest-deadline", "date", tr.date(d))).unwrap_or_default();
            let _ = writeln!(body, "- {} ({unit}, {deadline})\n  {base}/followup/items/{}", r.text, r.id);
        }
        body.push('\n');
    }
    if !mine.dialogues.is_empty() {
        let _ = writeln!(body, "{} ({})", tr.t("dashboard-open-dialogues"), mine.dialogues.len());
        for d in &mine.dialogues {
            let _ = writeln!(body, "- {} ({})\n  {base}/followup/dialogues/{}", d.element_text, d.unit_name, d.id);
        }
        body.push('\n');
    }
    if !mine.deadlines.is_empty() {
        let _ = writeln!(body, "{} ({})", tr.t("digest-cycle-deadlines"), mine.deadlines.len());
        for d in &mine.deadlines {
            let line = tr.rule(
                &rodtrad_domain::RuleError::new("digest-cycle-deadline")
                    .with("deadline", tr.t(d.kind.label_key()))
                    .with("title", d.title.clone())
                    .with("date", tr.date(d.date))
                    .with("days", d.days.to_string()),
            );
            let _ = writeln!(body, "- {line}\n  {base}/annual-cycle/activities/{}", d.activity_id);
        }
        body.push('\n');
    }
    let _ = writeln!(body, "{}", tr.t1("digest-see-all", "url", format!("{base}/dashboard")));
    let _ = writeln!(body, "\n-- \n{}", tr.t1("digest-opt-out", "url", format!("{base}/profile")));
    Some(Digest { subject, body })
}

/// Sends today's digests of every municipality. An account gets at most one a day, whichever
/// application node runs this (each digest is claimed in the database before it is sent); a failure
/// gives the claim back, is logged and tried again on the next run.
pub async fn send_digests(
    db: &Db,
    i18n: Arc<I18n>,
    mailer: &Mailer,
    base_url: &str,
    today: chrono::NaiveDate,
) -> Result<DigestSummary, StoreError> {
    let mut summary = DigestSummary::default();
    for mid in db.municipality_ids().await? {
        let recipients = db.digest_recipients(mid, today).await?;
        if recipients.is_empty() {
            continue;
        }
        let inputs = service::Inputs::load(db, mid, today).await?;
        let author = Author { municipality_id: mid, user_id: None, name: "Rødtråd".into() };
        for r in recipients {
            let actor = db.actor(&r.user, today).await?;
            let mine = inputs.mine(&actor, today);
            let tr = Tr::new(i18n.clone(), Lang::parse(&r.user.locale).unwrap_or_default());
            let Some(digest) = compose(&tr, &r.user.display_name, &mine, base_url) else {
                summary.nothing += 1;
                continue;
            };
            // Claimed before it is sent, so two application nodes never both send it.
            let Some(previous) = db.digest_claim(&author, r.user.id, today).await? else { continue };
            match mailer.send(&r.user.display_name, &r.user.email, &digest.subject, digest.body).await {
                Ok(()) => {
                    db.digest_mark_sent(&author, r.user.id, today).await?;
                    summary.sent += 1;
                }
                Err(e) => {
                    tracing::warn!(user = r.user.id, error = %e, "digest not sent");
                    db.digest_release(r.user.id, today, previous).await?;
                    summary.failed += 1;
                }
            }
        }
    }
    Ok(summary)
}
