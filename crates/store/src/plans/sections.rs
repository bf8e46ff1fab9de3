//! The plan's text: sections in Markdown, in order.

use super::*;

/// A section of a plan's text, in Markdown.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct Section {
    /// Id.
    pub id: i64,
    /// Plan.
    pub plan_id: i64,
    /// Order in the plan.
    pub position: i64,
    /// Heading.
    pub heading: String,
    /// Body in Markdown (rendered through the sanitiser).
    pub body: String,
    /// Optimistic-locking version.
    pub version: i64,
}

/// New values of a section.
#[derive(Debug, Clone)]
pub struct SectionChange {
    /// Heading.
    pub heading: rodtrad_domain::Name,
    /// Markdown body.
    pub body: String,
    /// Remove the section instead.
    pub remove: bool,
}

impl Db {
    /// The live sections of a plan, in order.
    pub async fn sections(&self, plan_id: i64) -> Result<Vec<Section>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Section>(
                "SELECT id, plan_id, position, heading, body, version FROM plan_sections WHERE plan_id = $1 AND removed_at IS NULL ORDER BY position, id")
                .bind(plan_id).fetch_all(pool).await?
        }))
    }

    /// Adds a section at the end of an editable plan's text.
    pub async fn section_create(
        &self,
        author: &Author,
        plan_id: i64,
        heading: &rodtrad_domain::Name,
        body: &str,
    ) -> Result<i64> {
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, author.municipality_id, plan_id).await?;
        let ts = now();
        let id = on_tx!(&mut t, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO plan_sections (plan_id, position, heading, body, created_at, updated_at)
                 VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM plan_sections WHERE plan_id = $1), $2, $3, $4, $4) RETURNING id")
                .bind(plan_id).bind(heading.as_str()).bind(body).bind(ts).fetch_one(&mut *tx).await?;
            audit_in_tx!(tx, author, "plan_section", id, "create", None,
                Some(serde_json::json!({"plan_id": plan_id, "heading": heading.as_str(), "body": body})));
            id
        });
        t.commit().await?;
        Ok(id)
    }

    /// Changes a section's heading and text (or marks it removed) if `expected_version` is current.
    pub async fn section_update(
        &self,
        author: &Author,
        plan_id: i64,
        id: i64,
        expected_version: i64,
        change: &SectionChange,
    ) -> Result<()> {
        let SectionChange { heading, body, remove } = change;
        let (body, remove) = (body.as_str(), *remove);
        let before = self.sections(plan_id).await?.into_iter().find(|s| s.id == id).ok_or(StoreError::NotFound)?;
        let ts = now();
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, author.municipality_id, plan_id).await?;
        on_tx!(&mut t, tx => {
            let n = sqlx::query(
                "UPDATE plan_sections SET heading = $1, body = $2, removed_at = $3, version = version + 1, updated_at = $4
                 WHERE id = $5 AND plan_id = $6 AND version = $7 AND removed_at IS NULL")
                .bind(heading.as_str()).bind(body).bind(remove.then_some(ts)).bind(ts).bind(id).bind(plan_id).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            if remove {
                sqlx::query("UPDATE goal_elements SET section_id = NULL WHERE section_id = $1").bind(id).execute(&mut *tx).await?;
            }
            audit_in_tx!(tx, author, "plan_section", id, if remove { "remove" } else { "update" }, snapshot(&before),
                Some(serde_json::json!({"heading": heading.as_str(), "body": body})));
        });
        t.commit().await?;
        Ok(())
    }
}
