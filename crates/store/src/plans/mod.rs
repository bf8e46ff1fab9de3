//! Plans, their sources and political decisions, and the rule that a plan's content changes only
//! while the plan is editable. Goal elements, sections, versions and the SDG catalogue are in the
//! submodules; their types are re-exported here.

use crate::audit::snapshot;
use crate::{Author, Db, Result, StoreError, Tx, audit_in_tx, bump_plan_generation, now, on_db, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::plan::{
    ElementKind, ElementStatus, PathNode, Placement, PlanStatus, PlanType, VersionEntry, check_deadline_in_period,
    check_measure, check_move, check_no_plan_cycle, check_period, goal_path, path_signature,
};
use rodtrad_domain::{RuleError, sdg};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

mod elements;
mod sdg_catalogue;
mod sections;
mod versions;

pub use elements::{Element, ElementInput, element_in, elements_in, path_nodes};
pub use sdg_catalogue::{SdgLink, sdg_links_in};
pub use sections::{Section, SectionChange};
pub use versions::AdoptedVersion;
use versions::snapshot_of;

/// A plan as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct Plan {
    /// Id.
    pub id: i64,
    /// Owning municipality.
    pub municipality_id: i64,
    /// Type.
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::as_code")]
    pub plan_type: PlanType,
    /// Title.
    pub title: String,
    /// First year of the period.
    pub start_year: i64,
    /// Last year of the period.
    pub end_year: i64,
    /// Unit that owns the plan.
    pub owner_unit_id: Option<i64>,
    /// Owner unit's name.
    pub owner_unit_name: Option<String>,
    /// Status.
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::as_code")]
    pub status: PlanStatus,
    /// Shown on public pages once adopted.
    pub published: bool,
    /// Optimistic-locking version.
    pub version: i64,
}

impl Plan {
    /// The plan's type.
    pub fn plan_type(&self) -> PlanType {
        self.plan_type
    }

    /// The plan's status.
    pub fn status(&self) -> PlanStatus {
        self.status
    }
}

/// A political decision on a plan.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Decision {
    /// Id.
    pub id: i64,
    /// Body, e.g. *kommunestyret*.
    pub body: String,
    /// Case number, e.g. "sak 48/16".
    pub case_number: String,
    /// Date of the decision.
    pub decided_on: NaiveDate,
    /// Note.
    pub note: Option<String>,
}

/// Values for a plan, already parsed.
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// Type.
    pub plan_type: PlanType,
    /// Title.
    pub title: rodtrad_domain::Name,
    /// First year.
    pub start_year: i32,
    /// Last year.
    pub end_year: i32,
    /// Owner unit.
    pub owner_unit_id: Option<i64>,
    /// Shown on public pages once adopted.
    pub published: bool,
}

impl PlanInput {
    /// Whether saving this would leave the editable fields of `plan` as they are (the type is not
    /// editable).
    pub fn same_as(&self, plan: &Plan) -> bool {
        self.title.as_str() == plan.title
            && i64::from(self.start_year) == plan.start_year
            && i64::from(self.end_year) == plan.end_year
            && self.owner_unit_id == plan.owner_unit_id
            && self.published == plan.published
    }
}

impl Db {
    /// Every plan of a municipality, by type order then period.
    pub async fn plans(&self, municipality_id: i64) -> Result<Vec<Plan>> {
        let mut rows = on_db!(self, pool => {
            sqlx::query_as::<_, Plan>(
                "SELECT pl.id, pl.municipality_id, pl.plan_type, pl.title, pl.start_year, pl.end_year, pl.owner_unit_id,
                        u.name AS owner_unit_name, pl.status, pl.published, pl.version
                 FROM plans pl LEFT JOIN org_units u ON u.id = pl.owner_unit_id
                 WHERE pl.municipality_id = $1 ORDER BY pl.start_year DESC, pl.title")
                .bind(municipality_id).fetch_all(pool).await?
        });
        let order = |p: &Plan| PlanType::ALL.iter().position(|t| *t == p.plan_type()).unwrap_or(99);
        rows.sort_by_key(order);
        Ok(rows)
    }

    /// One plan of the municipality.
    pub async fn plan(&self, municipality_id: i64, id: i64) -> Result<Plan> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, Plan>(
                "SELECT pl.id, pl.municipality_id, pl.plan_type, pl.title, pl.start_year, pl.end_year, pl.owner_unit_id,
                        u.name AS owner_unit_name, pl.status, pl.published, pl.version
                 FROM plans pl LEFT JOIN org_units u ON u.id = pl.owner_unit_id
                 WHERE pl.municipality_id = $1 AND pl.id = $2")
                .bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Source-plan links of every plan in a municipality: `(plan, source)`.
    pub async fn plan_sources_all(&self, municipality_id: i64) -> Result<Vec<(i64, i64)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, (i64, i64)>(PLAN_SOURCES_SQL).bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// The plans `plan_id` derives from, directly or through its sources.
    pub async fn plan_ancestors(&self, municipality_id: i64, plan_id: i64) -> Result<Vec<i64>> {
        let links = self.plan_sources_all(municipality_id).await?;
        Ok(ancestors(&links, plan_id))
    }

    async fn check_owner_unit(&self, municipality_id: i64, unit: Option<i64>) -> Result<()> {
        if let Some(u) = unit {
            self.org_unit(municipality_id, u)
                .await
                .map_err(|_| RuleError::new("err-unit-unknown").on("owner_unit_id"))?;
        }
        Ok(())
    }

    /// Creates a plan deriving from `sources` (plans of the same municipality).
    pub async fn plan_create(&self, author: &Author, input: &PlanInput, sources: &[i64]) -> Result<i64> {
        let mid = author.municipality_id;
        check_period(input.start_year, input.end_year)?;
        self.check_owner_unit(mid, input.owner_unit_id).await?;
        for s in sources {
            self.plan(mid, *s).await.map_err(|_| RuleError::new("err-plan-source-unknown").on("sources"))?;
        }
        let ts = now();
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO plans (municipality_id, plan_type, title, start_year, end_year, owner_unit_id, published, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id")
                .bind(mid).bind(input.plan_type.code()).bind(input.title.as_str())
                .bind(i64::from(input.start_year)).bind(i64::from(input.end_year)).bind(input.owner_unit_id)
                .bind(input.published).bind(ts)
                .fetch_one(&mut *tx).await?;
            for s in sources {
                sqlx::query("INSERT INTO plan_sources (plan_id, source_plan_id) VALUES ($1, $2)").bind(id).bind(s).execute(&mut *tx).await?;
            }
            let after = serde_json::json!({"plan_type": input.plan_type.code(), "title": input.title.as_str(),
                "start_year": input.start_year, "end_year": input.end_year, "owner_unit_id": input.owner_unit_id, "sources": sources});
            audit_in_tx!(tx, author, "plan", id, "create", None, Some(after));
            bump_plan_generation!(tx, author.municipality_id);
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Updates a plan's title, period, owner, publication and sources if `expected_version` is current.
    pub async fn plan_update(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        input: &PlanInput,
        sources: &[i64],
    ) -> Result<()> {
        let mid = author.municipality_id;
        let before = self.plan(mid, id).await?;
        check_period(input.start_year, input.end_year)?;
        self.check_owner_unit(mid, input.owner_unit_id).await?;
        for s in sources {
            self.plan(mid, *s).await.map_err(|_| RuleError::new("err-plan-source-unknown").on("sources"))?;
        }
        let before_sources: Vec<i64> =
            self.plan_sources_all(mid).await?.into_iter().filter(|(p, _)| *p == id).map(|(_, s)| s).collect();
        let mut t = self.begin().await?;
        let same_sources = {
            let set = |ids: &[i64]| ids.iter().copied().collect::<std::collections::BTreeSet<i64>>();
            set(&before_sources) == set(sources)
        };
        if before.version == expected_version && input.same_as(&before) && same_sources {
            return crate::audit::commit_unchanged(t, "plans", mid, id, expected_version).await;
        }
        on_tx!(&mut t, tx => {
            let n = sqlx::query(
                "UPDATE plans SET title = $1, start_year = $2, end_year = $3, owner_unit_id = $4, published = $5,
                        version = version + 1, updated_at = $6
                 WHERE id = $7 AND municipality_id = $8 AND version = $9")
                .bind(input.title.as_str()).bind(i64::from(input.start_year)).bind(i64::from(input.end_year))
                .bind(input.owner_unit_id).bind(input.published).bind(now()).bind(id).bind(mid).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            sqlx::query("DELETE FROM plan_sources WHERE plan_id = $1").bind(id).execute(&mut *tx).await?;
            for s in sources {
                sqlx::query("INSERT INTO plan_sources (plan_id, source_plan_id) VALUES ($1, $2)").bind(id).bind(s).execute(&mut *tx).await?;
            }
            let mut b = snapshot(&before).unwrap_or_default();
            b["sources"] = serde_json::json!(before_sources);
            let after = serde_json::json!({"title": input.title.as_str(), "start_year": input.start_year, "end_year": input.end_year,
                "owner_unit_id": input.owner_unit_id, "published": input.published, "sources": sources});
            audit_in_tx!(tx, author, "plan", id, "update", Some(b), Some(after));
            // Serialises plan writes of the municipality before the cycle check below.
            bump_plan_generation!(tx, author.municipality_id);
        });
        // Checked on the links as they are after this write, with every other committed one: two
        // plans made each other's source at the same moment cannot both pass.
        let links = plan_sources_in(&mut t, mid).await?;
        for s in sources {
            let mut up = ancestors(&links, *s);
            up.push(*s);
            check_no_plan_cycle(id, &up)?;
        }
        t.commit().await?;
        Ok(())
    }

    /// Moves a plan through its lifecycle.
    pub async fn plan_transition(&self, author: &Author, id: i64, expected_version: i64, to: PlanStatus) -> Result<()> {
        self.plan_transition_noted(author, id, expected_version, to, None).await
    }

    /// Moves a plan through its lifecycle with a comment. A unit plan's step (delivered, approved,
    /// sent back, …) goes into its history (`unit_plan_events`) in the same transaction, with the
    /// comment.
    pub async fn plan_transition_noted(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        to: PlanStatus,
        comment: Option<&str>,
    ) -> Result<()> {
        let mid = author.municipality_id;
        let plan = self.plan(mid, id).await?;
        let has_decision = !self.plan_decisions(id).await?.is_empty();
        plan.status().check_transition(to, plan.plan_type(), has_decision)?;
        // A unit plan sent back says why, so the unit knows what to change.
        let comment = match comment {
            _ if rodtrad_domain::unit_plans::Step::of(plan.status(), to)
                == rodtrad_domain::unit_plans::Step::SentBack =>
            {
                Some(rodtrad_domain::unit_plans::send_back_comment(comment.unwrap_or_default())?)
            }
            Some(c) if !c.trim().is_empty() => Some(c.trim().to_owned()),
            _ => None,
        };
        let comment = comment.as_deref();
        let mut t = self.begin().await?;
        // The status change comes first: it takes the plan row that every content write locks (see
        // `lock_editable_plan`), so the snapshot below sees every edit committed before it and no
        // edit can commit after it. The version check makes the rule checked above still hold.
        let n = on_tx!(&mut t, tx => {
            sqlx::query("UPDATE plans SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND municipality_id = $4 AND version = $5")
                .bind(to.code()).bind(now()).bind(id).bind(mid).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        // Adopting freezes the plan as it reads now, inside the adoption's transaction.
        let snapshot = if to == PlanStatus::Adopted {
            let (elements, links) = (elements_in(&mut t, mid, id).await?, sdg_links_in(&mut t, mid).await?);
            Some(serde_json::to_value(snapshot_of(elements, &links)).unwrap_or_default())
        } else {
            None
        };
        on_tx!(&mut t, tx => {
            if let Some(snapshot) = &snapshot {
                sqlx::query(
                    "INSERT INTO plan_versions (plan_id, number, created_at, snapshot)
                     VALUES ($1, (SELECT COALESCE(MAX(number), 0) + 1 FROM plan_versions WHERE plan_id = $1), $2, $3)")
                    .bind(id).bind(now()).bind(sqlx::types::Json(snapshot)).execute(&mut *tx).await?;
            }
            if plan.plan_type() == PlanType::UnitPlan {
                let step = rodtrad_domain::unit_plans::Step::of(plan.status(), to);
                sqlx::query(
                    "INSERT INTO unit_plan_events (municipality_id, plan_id, action, from_status, to_status, comment, actor_name, user_id, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                    .bind(mid).bind(id).bind(step.code()).bind(plan.status().code()).bind(to.code()).bind(comment)
                    .bind(&author.name).bind(author.user_id).bind(now()).execute(&mut *tx).await?;
            }
            let mut after = serde_json::json!({"status": to.code()});
            if let Some(c) = comment {
                after["comment"] = serde_json::json!(c);
            }
            audit_in_tx!(tx, author, "plan", id, "status", Some(serde_json::json!({"status": plan.status})), Some(after));
            bump_plan_generation!(tx, author.municipality_id);
        });
        t.commit().await?;
        Ok(())
    }

    /// The generations of the municipality's organisation and plans: together they tell when
    /// anything the red thread is computed from has changed.
    pub async fn generations(&self, municipality_id: i64) -> Result<(i64, i64)> {
        let row: Option<(i64, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT org_generation, plan_generation FROM municipalities WHERE id = $1")
                .bind(municipality_id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Political decisions on a plan, newest first.
    pub async fn plan_decisions(&self, plan_id: i64) -> Result<Vec<Decision>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Decision>("SELECT id, body, case_number, decided_on, note FROM plan_decisions WHERE plan_id = $1 ORDER BY decided_on DESC, id DESC")
                .bind(plan_id).fetch_all(pool).await?
        }))
    }

    /// Records a political decision.
    pub async fn plan_decision_add(
        &self,
        author: &Author,
        plan_id: i64,
        body: &str,
        case_number: &str,
        decided_on: NaiveDate,
        note: Option<&str>,
    ) -> Result<i64> {
        self.plan(author.municipality_id, plan_id).await?;
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO plan_decisions (plan_id, body, case_number, decided_on, note, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(plan_id).bind(body).bind(case_number).bind(decided_on).bind(note).bind(now())
                .fetch_one(&mut *tx).await?;
            let after = serde_json::json!({"plan_id": plan_id, "body": body, "case_number": case_number, "decided_on": decided_on, "note": note});
            audit_in_tx!(tx, author, "plan_decision", id, "create", None, Some(after));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// A municipality's published plans with an adopted version, for the public pages: adopted plans,
    /// and plans under revision (whose last adopted version is shown, never the draft).
    pub async fn public_plans(&self, municipality_id: i64) -> Result<Vec<Plan>> {
        let mut out = Vec::new();
        for plan in self.plans(municipality_id).await? {
            let shown = match plan.status() {
                PlanStatus::Adopted => true,
                PlanStatus::UnderRevision => !self.plan_versions(plan.id).await?.is_empty(),
                _ => false,
            };
            if plan.published && shown {
                out.push(plan);
            }
        }
        Ok(out)
    }
}

/// The statuses in which a plan's content may change, as an SQL list made from the domain's rule.
fn editable_statuses_sql() -> String {
    let codes: Vec<String> =
        PlanStatus::ALL.iter().filter(|s| s.editable()).map(|s| format!("'{}'", s.code())).collect();
    codes.join(", ")
}

/// Locks the plan's row for the rest of `tx` if the plan is in an editable status, and refuses with
/// `err-plan-frozen` otherwise. Every write to a plan's content (elements, sections) calls this
/// first in its transaction, and a status change writes the same row, so the two serialise on both
/// databases: an edit either commits before the adoption takes its snapshot, or waits and then sees
/// the plan adopted. It writes nothing that changes (the version stays, so forms holding the
/// plan's version do not go stale).
pub async fn lock_editable_plan(tx: &mut Tx, municipality_id: i64, plan_id: i64) -> Result<()> {
    let sql = format!(
        "UPDATE plans SET version = version WHERE id = $1 AND municipality_id = $2 AND status IN ({})",
        editable_statuses_sql()
    );
    let n = on_tx!(tx, c => {
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(plan_id).bind(municipality_id).execute(&mut *c).await?.rows_affected()
    });
    if n == 0 {
        return Err(RuleError::new("err-plan-frozen").into());
    }
    Ok(())
}

/// Checks that the plan may be edited and holds that for the transaction, as
/// [`lock_editable_plan`] does, but lets other transactions hold it too: for a change to one element
/// that does not move it, so writers of different elements in one plan do not wait for each other on
/// PostgreSQL. Freezing the plan, moves and removals take the exclusive lock and wait for these. (On
/// SQLite the transaction already holds the database's only write lock.)
pub async fn lock_editable_plan_shared(tx: &mut Tx, municipality_id: i64, plan_id: i64) -> Result<()> {
    let found = match tx {
        Tx::Sqlite(_) => return lock_editable_plan(tx, municipality_id, plan_id).await,
        Tx::Postgres(t) => {
            let sql = format!(
                "SELECT id FROM plans WHERE id = $1 AND municipality_id = $2 AND status IN ({}) FOR SHARE",
                editable_statuses_sql()
            );
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .bind(plan_id)
                .bind(municipality_id)
                .fetch_optional(&mut **t)
                .await?
        }
    };
    if found.is_none() {
        return Err(RuleError::new("err-plan-frozen").into());
    }
    Ok(())
}

const PLAN_SOURCES_SQL: &str = "SELECT ps.plan_id, ps.source_plan_id FROM plan_sources ps
     JOIN plans p ON p.id = ps.plan_id WHERE p.municipality_id = $1";

/// Source links `(plan, source plan)` of a municipality, read inside `tx`.
pub async fn plan_sources_in(tx: &mut Tx, municipality_id: i64) -> Result<Vec<(i64, i64)>> {
    Ok(on_tx!(tx, c => {
        sqlx::query_as::<_, (i64, i64)>(PLAN_SOURCES_SQL).bind(municipality_id).fetch_all(&mut *c).await?
    }))
}

/// Every plan reachable upwards from `plan_id` through source links, nearest first.
pub fn ancestors(links: &[(i64, i64)], plan_id: i64) -> Vec<i64> {
    let by_plan: HashMap<i64, Vec<i64>> = links.iter().fold(HashMap::new(), |mut m, (p, s)| {
        m.entry(*p).or_default().push(*s);
        m
    });
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut queue = vec![plan_id];
    while let Some(p) = queue.pop() {
        for s in by_plan.get(&p).into_iter().flatten() {
            if seen.insert(*s) {
                out.push(*s);
                queue.push(*s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ancestors;

    #[test]
    fn ancestors_follow_sources_and_survive_cycles() {
        let links = [(3, 2), (2, 1), (4, 2), (4, 1), (1, 3)];
        let mut up = ancestors(&links, 4);
        up.sort();
        assert_eq!(up, vec![1, 2, 3]);
        assert!(ancestors(&links, 9).is_empty());
    }
}
