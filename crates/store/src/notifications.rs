//! In-app notifications (one per account, kind and subject, so making them again changes nothing)
//! and the bookkeeping of e-mail digests: who opted out, and the day each account last got one.

use crate::users::User;
use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::dashboard::NotificationKind;
use serde::Serialize;

/// A notification as its page lists it.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// Kind code (`due_soon`, `overdue`, `dialogue`).
    pub kind: String,
    /// The assignment or measure, or the dialogue.
    pub subject_id: i64,
    /// The subject's text when the notification was made.
    pub text: String,
    /// The deadline it is about.
    pub due_on: Option<NaiveDate>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When its reader marked it read.
    pub read_at: Option<DateTime<Utc>>,
}

impl Notification {
    /// The kind (an unknown stored code reads as a dialogue notification, which links nowhere harmful).
    pub fn kind(&self) -> NotificationKind {
        NotificationKind::parse(&self.kind).unwrap_or(NotificationKind::Dialogue)
    }
}

/// A notification to make.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    /// The account.
    pub user_id: i64,
    /// What about.
    pub kind: NotificationKind,
    /// The item or dialogue.
    pub subject_id: i64,
    /// Its text.
    pub text: String,
    /// The deadline it is about.
    pub due_on: Option<NaiveDate>,
}

/// An account that may get a digest today.
#[derive(Debug, Clone)]
pub struct DigestRecipient {
    /// The account.
    pub user: User,
}

const NOTIFICATION_COLUMNS: &str = "id, kind, subject_id, text, due_on, created_at, read_at";

impl Db {
    /// Makes the notifications that do not exist yet (the same account, kind and subject is made
    /// once), in one transaction with one audit row for the run when anything was new. Returns
    /// how many were made.
    pub async fn notifications_add(&self, author: &Author, new: &[NewNotification]) -> Result<u64> {
        let mid = author.municipality_id;
        let at = now();
        let made = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut made = 0u64;
            for n in new {
                made += sqlx::query(
                    "INSERT INTO notifications (municipality_id, user_id, kind, subject_id, text, due_on, created_at)
                     SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM users WHERE id = $2 AND municipality_id = $1)
                     ON CONFLICT (user_id, kind, subject_id) DO NOTHING")
                    .bind(mid).bind(n.user_id).bind(n.kind.code()).bind(n.subject_id).bind(&n.text).bind(n.due_on).bind(at)
                    .execute(&mut *tx).await?.rows_affected();
            }
            if made > 0 {
                let count = i64::try_from(made).unwrap_or(i64::MAX);
                audit_in_tx!(tx, author, "notification", 0, "create", None, Some(serde_json::json!({"count": count})));
            }
            tx.commit().await?;
            made
        });
        Ok(made)
    }

    /// An account's notifications (only the unread ones when `unread_only`), unread first, newest
    /// first, at most `limit`.
    pub async fn notifications(
        &self,
        municipality_id: i64,
        user_id: i64,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        let sql = format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications
             WHERE municipality_id = $1 AND user_id = $2 AND ($3 = FALSE OR read_at IS NULL)
             ORDER BY CASE WHEN read_at IS NULL THEN 0 ELSE 1 END, id DESC LIMIT $4"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Notification>(sqlx::AssertSqlSafe(sql))
                .bind(municipality_id).bind(user_id).bind(unread_only).bind(limit)
                .fetch_all(pool).await?
        }))
    }

    /// One notification of the account; another account's (or an unknown id) is not found.
    pub async fn notification(&self, municipality_id: i64, user_id: i64, id: i64) -> Result<Notification> {
        let sql = format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE id = $1 AND user_id = $2 AND municipality_id = $3"
        );
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, Notification>(sqlx::AssertSqlSafe(sql)).bind(id).bind(user_id).bind(municipality_id)
                .fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// How many notifications of the account are unread (the header shows it).
    pub async fn notifications_unread(&self, user_id: i64) -> Result<i64> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                .bind(user_id).fetch_one(pool).await?
        }))
    }

    /// Marks one of the account's notifications read (another account's is not found; marking a
    /// read one again changes nothing).
    pub async fn notification_mark_read(&self, author: &Author, user_id: i64, id: i64) -> Result<()> {
        let mid = author.municipality_id;
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE notifications SET read_at = $1
                                 WHERE id = $2 AND user_id = $3 AND municipality_id = $4 AND read_at IS NULL")
                .bind(now()).bind(id).bind(user_id).bind(mid).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                let exists: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM notifications WHERE id = $1 AND user_id = $2 AND municipality_id = $3")
                    .bind(id).bind(user_id).bind(mid).fetch_optional(&mut *tx).await?;
                return match exists {
                    None => Err(StoreError::NotFound),
                    Some(_) => Ok(()),
                };
            }
            audit_in_tx!(tx, author, "notification", id, "read", None, None);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Marks every unread notification of the account read; returns how many.
    pub async fn notifications_mark_all_read(&self, author: &Author, user_id: i64) -> Result<u64> {
        let mid = author.municipality_id;
        let n = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND municipality_id = $3 AND read_at IS NULL")
                .bind(now()).bind(user_id).bind(mid).execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                let count = i64::try_from(n).unwrap_or(i64::MAX);
                audit_in_tx!(tx, author, "notification", 0, "read", None, Some(serde_json::json!({"count": count})));
            }
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// The active accounts of a municipality, for the scheduled run.
    pub async fn notification_accounts(&self, municipality_id: i64) -> Result<Vec<User>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, User>(
                "SELECT id, municipality_id, person_id, email, display_name, password_hash, locale, active
                 FROM users WHERE municipality_id = $1 AND active = TRUE ORDER BY id")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// Every municipality's id, for the scheduled run.
    pub async fn municipality_ids(&self) -> Result<Vec<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT id FROM municipalities ORDER BY id").fetch_all(pool).await?
        }))
    }

    /// The active accounts of a municipality that get digests and have not had one on `day`.
    pub async fn digest_recipients(&self, municipality_id: i64, day: NaiveDate) -> Result<Vec<DigestRecipient>> {
        let users: Vec<User> = on_db!(self, pool => {
            sqlx::query_as::<_, User>(
                "SELECT id, municipality_id, person_id, email, display_name, password_hash, locale, active
                 FROM users WHERE municipality_id = $1 AND active = TRUE AND digest_opt_out = FALSE
                   AND (digest_sent_on IS NULL OR digest_sent_on <> $2) ORDER BY id")
                .bind(municipality_id).bind(day).fetch_all(pool).await?
        });
        Ok(users.into_iter().map(|user| DigestRecipient { user }).collect())
    }

    /// Claims the account's digest of `day` before it is sent: `false` when another application
    /// node (or an earlier run) has claimed it already, so with several nodes each digest goes once.
    /// Returns the claim's previous day, for [`Db::digest_release`] if sending fails.
    pub async fn digest_claim(
        &self,
        author: &Author,
        user_id: i64,
        day: NaiveDate,
    ) -> Result<Option<Option<NaiveDate>>> {
        Ok(on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let previous: Option<Option<NaiveDate>> = sqlx::query_scalar(
                "SELECT digest_sent_on FROM users WHERE id = $1 AND municipality_id = $2")
                .bind(user_id).bind(author.municipality_id).fetch_optional(&mut *tx).await?;
            let claimed = sqlx::query(
                "UPDATE users SET digest_sent_on = $1
                 WHERE id = $2 AND municipality_id = $3 AND (digest_sent_on IS NULL OR digest_sent_on <> $1)")
                .bind(day).bind(user_id).bind(author.municipality_id).execute(&mut *tx).await?.rows_affected() == 1;
            tx.commit().await?;
            previous.filter(|_| claimed)
        }))
    }

    /// Records in the audit log that the account got its digest on `day` (an e-mail left the system).
    pub async fn digest_mark_sent(&self, author: &Author, user_id: i64, day: NaiveDate) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            audit_in_tx!(tx, author, "user", user_id, "digest", None, Some(serde_json::json!({"digest_sent_on": day})));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Gives back a claim of [`Db::digest_claim`] whose e-mail could not be sent, so the next run
    /// tries again.
    pub async fn digest_release(&self, user_id: i64, day: NaiveDate, previous: Option<NaiveDate>) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("UPDATE users SET digest_sent_on = $1 WHERE id = $2 AND digest_sent_on = $3")
                .bind(previous).bind(user_id).bind(day).execute(pool).await?;
        });
        Ok(())
    }

    /// Whether the account has opted out of e-mail digests.
    pub async fn digest_opt_out(&self, user_id: i64) -> Result<bool> {
        let row: Option<bool> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT digest_opt_out FROM users WHERE id = $1").bind(user_id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Opts the account out of e-mail digests (`true`) or back in; choosing what is chosen changes nothing.
    pub async fn digest_set_opt_out(&self, author: &Author, user_id: i64, opt_out: bool) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let before: Option<bool> = sqlx::query_scalar("SELECT digest_opt_out FROM users WHERE id = $1 AND municipality_id = $2")
                .bind(user_id).bind(author.municipality_id).fetch_optional(&mut *tx).await?;
            let before = before.ok_or(StoreError::NotFound)?;
            if before == opt_out {
                return Ok(());
            }
            sqlx::query("UPDATE users SET digest_opt_out = $1 WHERE id = $2").bind(opt_out).bind(user_id).execute(&mut *tx).await?;
            audit_in_tx!(tx, author, "user", user_id, "update",
                Some(serde_json::json!({"digest_opt_out": before})), Some(serde_json::json!({"digest_opt_out": opt_out})));
            tx.commit().await?;
        });
        Ok(())
    }
}
