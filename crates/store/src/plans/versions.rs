//! Plan versions: the plan's elements frozen at adoption.

use super::*;

impl Db {
    /// The plan's elements as they read now, for freezing into a version or comparing with one.
    pub async fn plan_snapshot(&self, municipality_id: i64, plan_id: i64) -> Result<Vec<VersionEntry>> {
        let links = self.sdg_links(municipality_id).await?;
        Ok(snapshot_of(self.elements(municipality_id, plan_id).await?, &links))
    }

    /// Frozen versions of a plan: `(number, frozen at)`, oldest first.
    pub async fn plan_versions(&self, plan_id: i64) -> Result<Vec<(i64, DateTime<Utc>)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, (i64, DateTime<Utc>)>("SELECT number, created_at FROM plan_versions WHERE plan_id = $1 ORDER BY number")
                .bind(plan_id).fetch_all(pool).await?
        }))
    }

    /// One frozen version's elements.
    pub async fn plan_version(&self, plan_id: i64, number: i64) -> Result<Vec<VersionEntry>> {
        let row: Option<sqlx::types::Json<Vec<VersionEntry>>> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT snapshot FROM plan_versions WHERE plan_id = $1 AND number = $2")
                .bind(plan_id).bind(number).fetch_optional(pool).await?
        });
        row.map(|j| j.0).ok_or(StoreError::NotFound)
    }
}

/// A plan's elements as a version entry each, with the SDG targets of what they point at.
pub(super) fn snapshot_of(elements: Vec<Element>, links: &[SdgLink]) -> Vec<VersionEntry> {
    elements
        .into_iter()
        .map(|e| {
            let origin = e.source_element_id.unwrap_or(e.id);
            let mut sdg: Vec<String> =
                links.iter().filter(|l| l.element_id == origin).map(|l| l.target.clone()).collect();
            sdg.sort();
            VersionEntry {
                id: e.id,
                parent_id: e.parent_id,
                kind: e.kind.code().to_owned(),
                text: e.text,
                owner: e.owner_unit_name,
                responsible: e.responsible_name,
                deadline: e.deadline,
                status: e.status.code().to_owned(),
                sdg,
            }
        })
        .collect()
}
