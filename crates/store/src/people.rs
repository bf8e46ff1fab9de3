//! People: employees and leaders, each working in one unit.

use crate::audit::snapshot;
use crate::{Author, Db, Result, StoreError, audit_in_tx, bump_org_generation, now, on_db};
use rodtrad_domain::{Email, Name, RuleError};
use serde::Serialize;

const PERSON_COLUMNS: &str =
    "p.id, p.municipality_id, p.name, p.email, p.title, p.unit_id, u.name AS unit_name, p.active, p.version";

/// A person as stored, with the name of their unit.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct Person {
    /// Id.
    pub id: i64,
    /// Owning municipality.
    pub municipality_id: i64,
    /// Full name.
    pub name: String,
    /// Work e-mail.
    pub email: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// The unit the person works in.
    pub unit_id: Option<i64>,
    /// That unit's name.
    pub unit_name: Option<String>,
    /// Still employed.
    pub active: bool,
    /// Optimistic-locking version.
    pub version: i64,
}

/// Values for a person, already parsed.
#[derive(Debug, Clone)]
pub struct PersonInput {
    /// Full name.
    pub name: Name,
    /// Work e-mail.
    pub email: Option<Email>,
    /// Job title.
    pub title: Option<String>,
    /// Unit.
    pub unit_id: Option<i64>,
    /// Still employed.
    pub active: bool,
}

impl PersonInput {
    fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name.as_str(), "email": self.email.as_ref().map(Email::as_str),
            "title": self.title, "unit_id": self.unit_id, "active": self.active,
        })
    }
}

/// Which people to list.
#[derive(Debug, Clone, Default)]
pub struct PeopleFilter {
    /// Only people in these units (`None` = all units).
    pub unit_ids: Option<Vec<i64>>,
    /// Case-insensitive substring of name, e-mail or title.
    pub query: Option<String>,
}

impl Db {
    /// People of a municipality matching `filter`, by name, at most `limit`.
    pub async fn people(&self, municipality_id: i64, filter: &PeopleFilter, limit: i64) -> Result<Vec<Person>> {
        // The text match runs here, not in SQL: SQLite's LOWER() folds only ASCII (so "øko" would
        // miss "Økonomi"), and a LIKE pattern would treat `%` and `_` in the query as wildcards.
        let needle = filter.query.as_deref().map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
        // One unit is filtered in SQL; a set of units (a leader's scope) is filtered here, before the limit.
        let (single_unit, sql_limit) = match filter.unit_ids.as_deref() {
            Some([one]) if needle.is_none() => (Some(*one), limit),
            Some([one]) => (Some(*one), i64::MAX),
            Some(_) => (None, i64::MAX),
            None if needle.is_none() => (None, limit),
            None => (None, i64::MAX),
        };
        let rows = on_db!(self, pool => {
            sqlx::query_as::<_, Person>(sqlx::AssertSqlSafe(format!(
                "SELECT {PERSON_COLUMNS} FROM people p LEFT JOIN org_units u ON u.id = p.unit_id
                 WHERE p.municipality_id = $1
                   AND ($2 IS NULL OR p.unit_id = $2)
                 ORDER BY p.name, p.id LIMIT $3"
            )))
            .bind(municipality_id)
            .bind(single_unit)
            .bind(sql_limit)
            .fetch_all(pool)
            .await?
        });
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let units: Option<std::collections::HashSet<i64>> = match &filter.unit_ids {
            Some(ids) if ids.len() != 1 => Some(ids.iter().copied().collect()),
            _ => None,
        };
        let matches = |p: &Person| {
            let Some(needle) = &needle else { return true };
            [Some(p.name.as_str()), p.email.as_deref(), p.title.as_deref()]
                .into_iter()
                .flatten()
                .any(|field| field.to_lowercase().contains(needle.as_str()))
        };
        Ok(rows
            .into_iter()
            .filter(|p| units.as_ref().is_none_or(|ids| p.unit_id.is_some_and(|u| ids.contains(&u))))
            .filter(|p| matches(p))
            .take(limit)
            .collect())
    }

    /// One person, only if they belong to the municipality.
    pub async fn person(&self, municipality_id: i64, id: i64) -> Result<Person> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, Person>(sqlx::AssertSqlSafe(format!(
                "SELECT {PERSON_COLUMNS} FROM people p LEFT JOIN org_units u ON u.id = p.unit_id
                 WHERE p.municipality_id = $1 AND p.id = $2"
            )))
            .bind(municipality_id)
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    async fn check_unit_in_municipality(&self, municipality_id: i64, unit_id: Option<i64>) -> Result<()> {
        if let Some(unit) = unit_id {
            self.org_unit(municipality_id, unit).await.map_err(|_| RuleError::new("err-unit-unknown"))?;
        }
        Ok(())
    }

    /// Creates a person.
    pub async fn person_create(&self, author: &Author, input: &PersonInput) -> Result<i64> {
        self.check_unit_in_municipality(author.municipality_id, input.unit_id).await?;
        let ts = now();
        let result: Result<i64> = on_db!(self, pool => {
            async {
                let mut tx = pool.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO people (municipality_id, name, email, title, unit_id, active, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                )
                .bind(author.municipality_id)
                .bind(input.name.as_str())
                .bind(input.email.as_ref().map(Email::as_str))
                .bind(input.title.as_deref())
                .bind(input.unit_id)
                .bind(input.active)
                .bind(ts)
                .fetch_one(&mut *tx)
                .await?;
                audit_in_tx!(tx, author, "person", id, "create", None, Some(input.audit_json()));
                bump_org_generation!(tx, author.municipality_id);
                tx.commit().await?;
                Ok(id)
            }
            .await
        });
        result.map_err(|e| e.unique_as("err-email-taken"))
    }

    /// Updates a person if `expected_version` is current.
    pub async fn person_update(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        input: &PersonInput,
    ) -> Result<()> {
        let before = self.person(author.municipality_id, id).await?;
        self.check_unit_in_municipality(author.municipality_id, input.unit_id).await?;
        let result: Result<()> = on_db!(self, pool => {
            async {
                let mut tx = pool.begin().await?;
                let n = sqlx::query(
                    "UPDATE people SET name = $1, email = $2, title = $3, unit_id = $4, active = $5,
                            version = version + 1, updated_at = $6
                     WHERE id = $7 AND municipality_id = $8 AND version = $9",
                )
                .bind(input.name.as_str())
                .bind(input.email.as_ref().map(Email::as_str))
                .bind(input.title.as_deref())
                .bind(input.unit_id)
                .bind(input.active)
                .bind(now())
                .bind(id)
                .bind(author.municipality_id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict);
                }
                audit_in_tx!(tx, author, "person", id, "update", snapshot(&before), Some(input.audit_json()));
                bump_org_generation!(tx, author.municipality_id);
                tx.commit().await?;
                Ok(())
            }
            .await
        });
        result.map_err(|e| e.unique_as("err-email-taken"))
    }
}
