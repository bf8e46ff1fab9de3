//! The annual cycle (*årshjulet*, migration 0020): each municipality's template per wheel kind (the
//! shipped default until its first edit copies it), the wheels with their dated activities, and the
//! secret calendar feed addresses of the accounts (only the token's SHA-256 is stored).
//!
//! Every write is one transaction with its audit row. The template carries one version for all its
//! rows and each activity its own; a stale version is `Conflict`. A unit named on an activity must
//! belong to the municipality, checked inside the transaction that writes.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db, random_token, token_hash};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::annual_cycle::{
    Activity, ActivityKind, Cycle, DeadlineKind, TemplateRow, default_period_template, default_template,
};
use serde::Serialize;

/// A template row as stored (id 0 for a row of the shipped default not yet copied).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredTemplateRow {
    /// Id.
    pub id: i64,
    /// The row.
    #[serde(flatten)]
    pub row: TemplateRow,
}

/// A municipality's template of one wheel kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    /// The kind of wheel.
    pub cycle: Cycle,
    /// Rows by year of the period, month and position.
    pub rows: Vec<StoredTemplateRow>,
    /// The version every edit sends back (0 while the shipped default is used).
    pub version: i64,
    /// Whether the municipality has its own copy.
    pub customised: bool,
}

/// A wheel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Wheel {
    /// Id.
    pub id: i64,
    /// One-year or four-year.
    #[sqlx(try_from = "String")]
    pub cycle: Cycle,
    /// Its (first) year.
    pub first_year: i64,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl Wheel {
    /// The first and last day it covers.
    pub fn span(&self) -> (NaiveDate, NaiveDate) {
        rodtrad_domain::annual_cycle::span(self.cycle, self.first_year as i32)
    }
}

/// A dated activity as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredActivity {
    /// Id.
    pub id: i64,
    /// Its wheel.
    pub wheel_id: i64,
    /// The activity.
    #[serde(flatten)]
    pub activity: Activity,
    /// The unit it concerns (none: the whole municipality).
    pub unit_id: Option<i64>,
    /// Version.
    pub version: i64,
    /// Who saved it last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

/// An activity to store: the checked activity and its unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityInput {
    /// The activity.
    #[serde(flatten)]
    pub activity: Activity,
    /// The unit it concerns.
    pub unit_id: Option<i64>,
}

/// What a calendar address leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedToken {
    /// A live address of this account.
    Live(i64),
    /// An address that was revoked.
    Revoked,
}

type ActivityRow =
    (i64, i64, String, String, NaiveDate, NaiveDate, String, Option<i64>, Option<String>, i64, String, DateTime<Utc>);

const ACTIVITY_COLUMNS: &str = "a.id, a.wheel_id, a.title, a.kind, a.starts_on, a.ends_on, a.responsible, a.unit_id, \
    a.deadline, a.version, a.updated_by, a.updated_at";

fn decode(e: RuleError) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(Box::new(e)))
}

fn activity(r: ActivityRow) -> Result<StoredActivity> {
    let (
        id,
        wheel_id,
        title,
        kind,
        starts_on,
        ends_on,
        responsible,
        unit_id,
        deadline,
        version,
        updated_by,
        updated_at,
    ) = r;
    Ok(StoredActivity {
        id,
        wheel_id,
        activity: Activity {
            title,
            kind: ActivityKind::parse(&kind).map_err(decode)?,
            starts_on,
            ends_on,
            responsible,
            deadline: deadline.as_deref().map(DeadlineKind::parse).transpose().map_err(decode)?,
        },
        unit_id,
        version,
        updated_by,
        updated_at,
    })
}

type TemplateRowRow = (i64, i64, i64, String, String, String, Option<String>);

fn template_row(cycle: Cycle, r: TemplateRowRow) -> Result<StoredTemplateRow> {
    let (id, period_year, month, title, kind, responsible, deadline) = r;
    Ok(StoredTemplateRow {
        id,
        row: TemplateRow {
            cycle,
            period_year: period_year as u8,
            month: month as u8,
            title,
            kind: ActivityKind::parse(&kind).map_err(decode)?,
            responsible,
            deadline: deadline.as_deref().map(DeadlineKind::parse).transpose().map_err(decode)?,
        },
    })
}

/// The shipped default rows of a wheel kind.
pub fn shipped(cycle: Cycle) -> Vec<TemplateRow> {
    match cycle {
        Cycle::Year => default_template(),
        Cycle::Period => default_period_template(),
    }
}

/// A change of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "change", content = "data")]
pub enum TemplateChange {
    /// Adds a row.
    Add(TemplateRow),
    /// Removes a row (by its id, or for the shipped default its position from 1).
    Remove(i64),
}

impl Db {
    /// The municipality's template of `cycle`: its own copy, or the shipped default.
    pub async fn cycle_template(&self, municipality_id: i64, cycle: Cycle) -> Result<Template> {
        let (version, rows): (Option<i64>, Vec<TemplateRowRow>) = on_db!(self, pool => {
            let version = sqlx::query_scalar("SELECT version FROM cycle_templates WHERE municipality_id = $1 AND cycle = $2")
                .bind(municipality_id).bind(cycle.code()).fetch_optional(pool).await?;
            let rows = sqlx::query_as("SELECT id, period_year, month, title, kind, responsible, deadline FROM cycle_template_rows
                WHERE municipality_id = $1 AND cycle = $2 ORDER BY period_year, month, position, id")
                .bind(municipality_id).bind(cycle.code()).fetch_all(pool).await?;
            (version, rows)
        });
        match version {
            Some(version) => Ok(Template {
                cycle,
                rows: rows.into_iter().map(|r| template_row(cycle, r)).collect::<Result<_>>()?,
                version,
                customised: true,
            }),
            None => Ok(Template {
                cycle,
                rows: shipped(cycle)
                    .into_iter()
                    .enumerate()
                    .map(|(i, row)| StoredTemplateRow { id: -(i as i64 + 1), row })
                    .collect(),
                version: 0,
                customised: false,
            }),
        }
    }

    /// Applies one change to the template of `cycle` at `expected_version` (0: the shipped default,
    /// which the change first copies). A stale version is `Conflict`; an unknown row `NotFound`.
    /// Rows of the shipped default carry negative ids (−1 for the first) until copied.
    pub async fn cycle_template_change(
        &self,
        author: &Author,
        cycle: Cycle,
        expected_version: i64,
        change: &TemplateChange,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let defaults = shipped(cycle);
        let version = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let current: Option<i64> = sqlx::query_scalar("SELECT version FROM cycle_templates WHERE municipality_id = $1 AND cycle = $2")
                .bind(mid).bind(cycle.code()).fetch_optional(&mut *tx).await?;
            if current.unwrap_or(0) != expected_version {
                return Err(StoreError::Conflict);
            }
            // Ids of the copied default rows, in the default's order.
            let mut copied: Vec<i64> = Vec::new();
            if current.is_none() {
                sqlx::query("INSERT INTO cycle_templates (municipality_id, cycle, version, updated_by, updated_at) VALUES ($1, $2, 0, $3, $4)")
                    .bind(mid).bind(cycle.code()).bind(&author.name).bind(ts).execute(&mut *tx).await?;
                for (i, r) in defaults.iter().enumerate() {
                    let id: i64 = sqlx::query_scalar("INSERT INTO cycle_template_rows (municipality_id, cycle, period_year, month, position, title, kind, responsible, deadline)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                        .bind(mid).bind(cycle.code()).bind(i64::from(r.period_year)).bind(i64::from(r.month)).bind(i as i64 + 1)
                        .bind(&r.title).bind(r.kind.code()).bind(&r.responsible).bind(r.deadline.map(|d| d.code()))
                        .fetch_one(&mut *tx).await?;
                    copied.push(id);
                }
            }
            let (row_id, action) = match change {
                TemplateChange::Add(r) => {
                    let position: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM cycle_template_rows WHERE municipality_id = $1 AND cycle = $2")
                        .bind(mid).bind(cycle.code()).fetch_one(&mut *tx).await?;
                    let id: i64 = sqlx::query_scalar("INSERT INTO cycle_template_rows (municipality_id, cycle, period_year, month, position, title, kind, responsible, deadline)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                        .bind(mid).bind(cycle.code()).bind(i64::from(r.period_year)).bind(i64::from(r.month)).bind(position)
                        .bind(&r.title).bind(r.kind.code()).bind(&r.responsible).bind(r.deadline.map(|d| d.code()))
                        .fetch_one(&mut *tx).await?;
                    (id, "add_row")
                }
                TemplateChange::Remove(id) => {
                    let id = if *id < 0 {
                        *copied.get((-id - 1) as usize).ok_or(StoreError::NotFound)?
                    } else {
                        *id
                    };
                    let n = sqlx::query("DELETE FROM cycle_template_rows WHERE id = $1 AND municipality_id = $2 AND cycle = $3")
                        .bind(id).bind(mid).bind(cycle.code()).execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Err(StoreError::NotFound);
                    }
                    (id, "remove_row")
                }
            };
            sqlx::query("UPDATE cycle_templates SET version = version + 1, updated_by = $1, updated_at = $2 WHERE municipality_id = $3 AND cycle = $4")
                .bind(&author.name).bind(ts).bind(mid).bind(cycle.code()).execute(&mut *tx).await?;
            audit_in_tx!(tx, author, "cycle_template_row", row_id, action, None, crate::audit::snapshot(change));
            tx.commit().await?;
            expected_version + 1
        });
        Ok(version)
    }

    /// The municipality's wheels, newest year first, the four-year wheels after the one-year ones
    /// of the same year.
    pub async fn cycle_wheels(&self, municipality_id: i64) -> Result<Vec<Wheel>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Wheel>("SELECT id, cycle, first_year, created_by, created_at FROM cycle_wheels
                WHERE municipality_id = $1 ORDER BY first_year DESC, cycle DESC")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// One wheel of the municipality (`NotFound` for another's).
    pub async fn cycle_wheel(&self, municipality_id: i64, id: i64) -> Result<Wheel> {
        on_db!(self, pool => {
            sqlx::query_as::<_, Wheel>("SELECT id, cycle, first_year, created_by, created_at FROM cycle_wheels
                WHERE municipality_id = $1 AND id = $2")
                .bind(municipality_id).bind(id).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// The wheel of a kind and year, if made.
    pub async fn cycle_wheel_of(&self, municipality_id: i64, cycle: Cycle, first_year: i32) -> Result<Option<Wheel>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Wheel>("SELECT id, cycle, first_year, created_by, created_at FROM cycle_wheels
                WHERE municipality_id = $1 AND cycle = $2 AND first_year = $3")
                .bind(municipality_id).bind(cycle.code()).bind(i64::from(first_year)).fetch_optional(pool).await?
        }))
    }

    /// Makes a wheel with its activities (checked by the caller against its span) in one
    /// transaction with the audit row; a wheel of the same kind and year is the rule error
    /// `err-cycle-exists`.
    pub async fn cycle_wheel_create(
        &self,
        author: &Author,
        cycle: Cycle,
        first_year: i32,
        activities: &[ActivityInput],
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let ts = now();
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO cycle_wheels (municipality_id, cycle, first_year, created_by, created_at)
                VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(mid).bind(cycle.code()).bind(i64::from(first_year)).bind(&author.name).bind(ts)
                .fetch_one(&mut *tx).await
                .map_err(|e| StoreError::from(e).unique_as("err-cycle-exists"))?;
            for a in activities {
                if let Some(unit) = a.unit_id {
                    let ok: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE id = $1 AND municipality_id = $2")
                        .bind(unit).bind(mid).fetch_optional(&mut *tx).await?;
                    if ok.is_none() {
                        return Err(StoreError::Rule(RuleError::new("err-cycle-unit").on("unit")));
                    }
                }
                let x = &a.activity;
                sqlx::query("INSERT INTO cycle_activities (wheel_id, title, kind, starts_on, ends_on, responsible, unit_id, deadline, version, updated_by, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)")
                    .bind(id).bind(&x.title).bind(x.kind.code()).bind(x.starts_on).bind(x.ends_on).bind(&x.responsible)
                    .bind(a.unit_id).bind(x.deadline.map(|d| d.code())).bind(&author.name).bind(ts)
                    .execute(&mut *tx).await?;
            }
            audit_in_tx!(tx, author, "cycle_wheel", id, "create", None,
                Some(serde_json::json!({"cycle": cycle.code(), "first_year": first_year, "activities": activities.len()})));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// A wheel's activities in date order.
    pub async fn cycle_activities(&self, wheel_id: i64) -> Result<Vec<StoredActivity>> {
        let sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM cycle_activities a WHERE a.wheel_id = $1 ORDER BY a.starts_on, a.ends_on, a.id"
        );
        let rows: Vec<ActivityRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(wheel_id).fetch_all(pool).await?
        });
        rows.into_iter().map(activity).collect()
    }

    /// Every activity of the municipality's wheels (both kinds) that ends on or after `from` and
    /// starts on or before `to`, in date order.
    pub async fn cycle_activities_between(
        &self,
        municipality_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<StoredActivity>> {
        let sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM cycle_activities a JOIN cycle_wheels w ON w.id = a.wheel_id
             WHERE w.municipality_id = $1 AND a.ends_on >= $2 AND a.starts_on <= $3 ORDER BY a.starts_on, a.ends_on, a.id"
        );
        let rows: Vec<ActivityRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(from).bind(to).fetch_all(pool).await?
        });
        rows.into_iter().map(activity).collect()
    }

    /// One activity with its wheel (`NotFound` outside the municipality).
    pub async fn cycle_activity(&self, municipality_id: i64, id: i64) -> Result<(Wheel, StoredActivity)> {
        let sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM cycle_activities a JOIN cycle_wheels w ON w.id = a.wheel_id
             WHERE w.municipality_id = $1 AND a.id = $2"
        );
        let row: Option<ActivityRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        let a = activity(row.ok_or(StoreError::NotFound)?)?;
        let wheel = self.cycle_wheel(municipality_id, a.wheel_id).await?;
        Ok((wheel, a))
    }

    /// Adds (`id` `None`, to `wheel_id`) or saves an activity at `expected_version`; removes it when
    /// `input` is `None`. The unit must be the municipality's; a stale version is `Conflict`.
    /// Returns the id and the new version (0 once removed).
    pub async fn cycle_activity_save(
        &self,
        author: &Author,
        wheel_id: i64,
        id: Option<i64>,
        expected_version: i64,
        input: Option<&ActivityInput>,
    ) -> Result<(i64, i64)> {
        let mid = author.municipality_id;
        let before = match id {
            Some(id) => Some(self.cycle_activity(mid, id).await?.1),
            None => None,
        };
        if before.as_ref().is_some_and(|b| b.wheel_id != wheel_id) {
            return Err(StoreError::NotFound);
        }
        let ts = now();
        let saved = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let wheel: Option<i64> = sqlx::query_scalar("SELECT id FROM cycle_wheels WHERE id = $1 AND municipality_id = $2")
                .bind(wheel_id).bind(mid).fetch_optional(&mut *tx).await?;
            if wheel.is_none() {
                return Err(StoreError::NotFound);
            }
            if let Some(unit) = input.and_then(|i| i.unit_id) {
                let ok: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE id = $1 AND municipality_id = $2")
                    .bind(unit).bind(mid).fetch_optional(&mut *tx).await?;
                if ok.is_none() {
                    return Err(StoreError::Rule(RuleError::new("err-cycle-unit").on("unit")));
                }
            }
            let (id, version, action) = match (id, input) {
                (None, Some(a)) => {
                    let x = &a.activity;
                    let id: i64 = sqlx::query_scalar("INSERT INTO cycle_activities (wheel_id, title, kind, starts_on, ends_on, responsible, unit_id, deadline, version, updated_by, updated_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10) RETURNING id")
                        .bind(wheel_id).bind(&x.title).bind(x.kind.code()).bind(x.starts_on).bind(x.ends_on).bind(&x.responsible)
                        .bind(a.unit_id).bind(x.deadline.map(|d| d.code())).bind(&author.name).bind(ts)
                        .fetch_one(&mut *tx).await?;
                    (id, 1, "create")
                }
                (Some(id), Some(a)) => {
                    let x = &a.activity;
                    let n = sqlx::query("UPDATE cycle_activities SET title = $1, kind = $2, starts_on = $3, ends_on = $4, responsible = $5,
                            unit_id = $6, deadline = $7, version = version + 1, updated_by = $8, updated_at = $9
                        WHERE id = $10 AND wheel_id = $11 AND version = $12")
                        .bind(&x.title).bind(x.kind.code()).bind(x.starts_on).bind(x.ends_on).bind(&x.responsible)
                        .bind(a.unit_id).bind(x.deadline.map(|d| d.code())).bind(&author.name).bind(ts)
                        .bind(id).bind(wheel_id).bind(expected_version)
                        .execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Err(StoreError::Conflict);
                    }
                    (id, expected_version + 1, "update")
                }
                (Some(id), None) => {
                    let n = sqlx::query("DELETE FROM cycle_activities WHERE id = $1 AND wheel_id = $2 AND version = $3")
                        .bind(id).bind(wheel_id).bind(expected_version).execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Err(StoreError::Conflict);
                    }
                    (id, 0, "delete")
                }
                (None, None) => return Err(StoreError::NotFound),
            };
            audit_in_tx!(tx, author, "cycle_activity", id, action,
                before.as_ref().and_then(crate::audit::snapshot), input.and_then(crate::audit::snapshot));
            tx.commit().await?;
            (id, version)
        });
        Ok(saved)
    }

    /// A new secret calendar address for the account: revokes its live ones and returns the new
    /// token, which is shown once and never stored.
    pub async fn calendar_feed_create(&self, author: &Author, user_id: i64) -> Result<String> {
        let secret = random_token(24);
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE calendar_feeds SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(ts).bind(user_id).execute(&mut *tx).await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(user_id).bind(token_hash(&secret)).bind(ts).fetch_one(&mut *tx).await?;
            audit_in_tx!(tx, author, "calendar_feed", id, "create", None, Some(serde_json::json!({"user_id": user_id})));
            tx.commit().await?;
        });
        Ok(secret)
    }

    /// Revokes the account's live calendar address (`NotFound` when it has none).
    pub async fn calendar_feed_revoke(&self, author: &Author, user_id: i64) -> Result<()> {
        let ts = now();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM calendar_feeds WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(user_id).fetch_optional(&mut *tx).await?;
            let Some(id) = id else { return Err(StoreError::NotFound) };
            sqlx::query("UPDATE calendar_feeds SET revoked_at = $1 WHERE id = $2").bind(ts).bind(id).execute(&mut *tx).await?;
            audit_in_tx!(tx, author, "calendar_feed", id, "revoke", None, None);
            tx.commit().await?;
        });
        Ok(())
    }

    /// When the account's live calendar address was made, if it has one.
    pub async fn calendar_feed_live(&self, user_id: i64) -> Result<Option<DateTime<Utc>>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT created_at FROM calendar_feeds WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(user_id).fetch_optional(pool).await?
        }))
    }

    /// What a calendar token leads to: a live account, a revoked address, or nothing.
    pub async fn calendar_feed_token(&self, secret: &str) -> Result<Option<FeedToken>> {
        let row: Option<(i64, Option<DateTime<Utc>>)> = on_db!(self, pool => {
            sqlx::query_as("SELECT user_id, revoked_at FROM calendar_feeds WHERE token_hash = $1")
                .bind(token_hash(secret)).fetch_optional(pool).await?
        });
        Ok(row.map(|(user, revoked)| if revoked.is_some() { FeedToken::Revoked } else { FeedToken::Live(user) }))
    }
}
