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

    /// The plan's last adopted version as elements, for callers who may read only that
    /// (`domain::access::PlanView::Adopted`), see [`adopted_from`]. `None` when no version was
    /// ever frozen.
    pub async fn adopted_elements(&self, municipality_id: i64, plan_id: i64) -> Result<Option<AdoptedVersion>> {
        let Some((latest, _)) = self.plan_versions(plan_id).await?.pop() else {
            return Ok(None);
        };
        let entries = self.plan_version(plan_id, latest).await?;
        let sql = super::elements::plan_elements_ever_sql();
        let rows: Vec<Element> = on_db!(self, pool => {
            sqlx::query_as::<_, Element>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(plan_id).fetch_all(pool).await?
        });
        let rows: HashMap<i64, Element> = rows.into_iter().map(|e| (e.id, e)).collect();
        Ok(Some(adopted_from(entries, &rows, &self.sdg_links(municipality_id).await?)))
    }

    /// [`Db::adopted_elements`] of every plan of the municipality that has a frozen version, by
    /// plan id, in three reads (for the red thread, which shows them all).
    pub async fn adopted_elements_all(&self, municipality_id: i64) -> Result<HashMap<i64, AdoptedVersion>> {
        type Latest = (i64, sqlx::types::Json<Vec<VersionEntry>>);
        let latest: Vec<Latest> = on_db!(self, pool => {
            sqlx::query_as::<_, Latest>(
                "SELECT v.plan_id, v.snapshot FROM plan_versions v JOIN plans p ON p.id = v.plan_id
                 WHERE p.municipality_id = $1
                   AND v.number = (SELECT MAX(w.number) FROM plan_versions w WHERE w.plan_id = v.plan_id)")
                .bind(municipality_id).fetch_all(pool).await?
        });
        if latest.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = super::elements::elements_ever_sql();
        let rows: Vec<Element> = on_db!(self, pool => {
            sqlx::query_as::<_, Element>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).fetch_all(pool).await?
        });
        let rows: HashMap<i64, Element> = rows.into_iter().map(|e| (e.id, e)).collect();
        let links = self.sdg_links(municipality_id).await?;
        Ok(latest.into_iter().map(|(plan, entries)| (plan, adopted_from(entries.0, &rows, &links))).collect())
    }
}

/// A plan's last adopted version: its elements as adopted and their SDG links.
pub type AdoptedVersion = (Vec<Element>, Vec<SdgLink>);

/// Each frozen entry laid over its element's row (`rows`, removed elements included), with the
/// parent, text, names, deadline, status and SDG targets as adopted; elements added since are
/// left out and elements removed since are back. `live_links` only tell which targets were
/// "adapted from" (the snapshot keeps the codes only).
fn adopted_from(entries: Vec<VersionEntry>, rows: &HashMap<i64, Element>, live_links: &[SdgLink]) -> AdoptedVersion {
    let mut links: Vec<SdgLink> = Vec::new();
    let mut elements = Vec::new();
    for v in entries {
        let Some(row) = rows.get(&v.id) else { continue };
        let origin = row.source_element_id.unwrap_or(row.id);
        for target in v.sdg {
            if links.iter().any(|l| l.element_id == origin && l.target == target) {
                continue;
            }
            let adapted = live_links.iter().any(|l| l.element_id == origin && l.target == target && l.adapted);
            let goal = target.split('.').next().and_then(|g| g.parse().ok()).unwrap_or_default();
            links.push(SdgLink { element_id: origin, goal, target, adapted });
        }
        // Ids of the unit and the person only while they still name what was adopted.
        let owner_unit_id = row.owner_unit_id.filter(|_| row.owner_unit_name == v.owner);
        let responsible_person_id = row.responsible_person_id.filter(|_| row.responsible_name == v.responsible);
        elements.push(Element {
            parent_id: v.parent_id,
            text: v.text,
            owner_unit_id,
            owner_unit_name: v.owner,
            responsible_person_id,
            responsible_name: v.responsible,
            deadline: v.deadline,
            status: ElementStatus::parse(&v.status).unwrap_or(row.status),
            // The adopted text is the one the plan saw: no marker of later changes at the source.
            source_revision: row.source_revision_seen,
            source_removed_at: None,
            ..row.clone()
        });
    }
    (elements, links)
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
