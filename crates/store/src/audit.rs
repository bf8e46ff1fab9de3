//! The audit log: who changed what and when, with before/after as JSON.

use crate::{Author, Db, Result, on_db};
use chrono::{DateTime, Utc};
use rodtrad_domain::norwegian_time::oslo_day_start;
use serde::Serialize;
use serde_json::Value;
use sqlx::types::Json;

/// Inserts one audit row using the given transaction; call it before `commit`.
#[macro_export]
macro_rules! audit_in_tx {
    ($tx:expr, $author:expr, $entity:expr, $entity_id:expr, $action:expr, $before:expr, $after:expr) => {{
        let author: &$crate::Author = $author;
        // Typed here so an untyped literal cannot be sent as a 32-bit integer to a BIGINT column.
        let entity_id: i64 = $entity_id;
        let before: Option<serde_json::Value> = $before;
        let after: Option<serde_json::Value> = $after;
        sqlx::query(
            "INSERT INTO audit_log (municipality_id, at, user_id, actor_name, entity, entity_id, action, before_json, after_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(author.municipality_id)
        .bind($crate::now())
        .bind(author.user_id)
        .bind(&author.name)
        .bind($entity)
        .bind(entity_id)
        .bind($action)
        .bind(before.map(sqlx::types::Json))
        .bind(after.map(sqlx::types::Json))
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Ends a save that changes nothing: confirms, inside `t`, that the row still has the version the
/// caller read (a stale save is refused like any other) and commits without writing a row, an audit
/// entry or a new version. `table` is one of the versioned tables named in code, never input.
pub(crate) async fn commit_unchanged(
    mut t: crate::Tx,
    table: &'static str,
    municipality_id: i64,
    id: i64,
    expected_version: i64,
) -> Result<()> {
    let sql = format!("SELECT version FROM {table} WHERE id = $1 AND municipality_id = $2");
    let version: Option<i64> = crate::on_tx!(&mut t, tx => {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(id).bind(municipality_id).fetch_optional(&mut *tx).await?
    });
    if version != Some(expected_version) {
        return Err(crate::StoreError::Conflict);
    }
    t.commit().await
}

/// Serialises a row for the audit log.
pub fn snapshot<T: Serialize>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// One row of the audit log.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AuditRow {
    /// Row id.
    pub id: i64,
    /// When the change was committed.
    pub at: DateTime<Utc>,
    /// The acting account, if any.
    pub user_id: Option<i64>,
    /// The actor's name at the time.
    pub actor_name: String,
    /// Entity type, e.g. `org_unit`.
    pub entity: String,
    /// Entity id.
    pub entity_id: i64,
    /// `create`, `update`, `retire`, `delete`, `login` …
    pub action: String,
    /// State before the change.
    pub before_json: Option<Json<Value>>,
    /// State after the change.
    pub after_json: Option<Json<Value>>,
}

pub use rodtrad_domain::query::AuditFilter;

impl Db {
    /// Lists audit rows of one municipality, newest first, at most `limit`.
    pub async fn audit_list(&self, municipality_id: i64, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditRow>> {
        // Days are Norwegian days, as the log shows its times in Norwegian time.
        let from = filter.from.map(oslo_day_start);
        let to = filter.to.and_then(|d| d.succ_opt()).map(oslo_day_start);
        let sql = "SELECT id, at, user_id, actor_name, entity, entity_id, action, before_json, after_json
                   FROM audit_log
                   WHERE municipality_id = $1
                     AND ($2 IS NULL OR entity = $2)
                     AND ($3 IS NULL OR entity_id = $3)
                     AND ($4 IS NULL OR user_id = $4)
                     AND ($5 IS NULL OR at >= $5)
                     AND ($6 IS NULL OR at < $6)
                   ORDER BY id DESC
                   LIMIT $7";
        let rows = on_db!(self, pool => {
            sqlx::query_as::<_, AuditRow>(sql)
                .bind(municipality_id)
                .bind(filter.entity.as_deref())
                .bind(filter.entity_id)
                .bind(filter.user_id)
                .bind(from)
                .bind(to)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Number of audit rows in a municipality (used by tests and the overview).
    pub async fn audit_count(&self, municipality_id: i64) -> Result<i64> {
        let n: i64 = on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE municipality_id = $1")
                .bind(municipality_id)
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }

    /// Records an event that is not itself a row change (login, logout, token use) in its own transaction.
    pub async fn audit_event(&self, author: &Author, entity: &str, entity_id: i64, action: &str) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            crate::audit_in_tx!(tx, author, entity, entity_id, action, None, None);
            tx.commit().await?;
        });
        Ok(())
    }
}

/// A stored JSON snapshot.
pub type JsonValue = Json<Value>;
