//! Organisation units, the tree they form, and delegation of edit rights.

use crate::audit::snapshot;
use crate::{Author, Db, Result, StoreError, Tx, audit_in_tx, bump_org_generation, now, on_db, on_tx};
use chrono::NaiveDate;
use rodtrad_domain::org::{check_no_cycle, check_validity};
use rodtrad_domain::{LeaderLevel, Name, OrgUnitKind, RuleError};
use serde::Serialize;
use std::collections::HashMap;

const UNIT_COLUMNS: &str = "u.id, u.municipality_id, u.parent_id, u.kind, u.name, u.short_name, u.leader_person_id,
    p.name AS leader_name, u.valid_from, u.valid_to, u.sort_order, u.version";

/// An organisation unit as stored, with its leader's name.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct OrgUnit {
    /// Id.
    pub id: i64,
    /// Owning municipality.
    pub municipality_id: i64,
    /// Parent unit; `None` only for the municipality itself.
    pub parent_id: Option<i64>,
    /// Kind code, see [`OrgUnitKind`].
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::as_code")]
    pub kind: OrgUnitKind,
    /// Name.
    pub name: String,
    /// Short name or code.
    pub short_name: Option<String>,
    /// Leader (a person).
    pub leader_person_id: Option<i64>,
    /// Leader's name.
    pub leader_name: Option<String>,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day; set when a unit is retired.
    pub valid_to: Option<NaiveDate>,
    /// Order among siblings.
    pub sort_order: i64,
    /// Optimistic-locking version.
    pub version: i64,
}

impl OrgUnit {
    /// The unit's kind.
    pub fn kind(&self) -> OrgUnitKind {
        self.kind
    }

    /// Whether the unit is valid on `day`.
    pub fn is_valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }
}

/// Values for a new unit, already parsed.
#[derive(Debug, Clone)]
pub struct NewOrgUnit {
    /// Parent (required for everything but the municipality root).
    pub parent_id: Option<i64>,
    /// Kind.
    pub kind: OrgUnitKind,
    /// Name.
    pub name: Name,
    /// Short name.
    pub short_name: Option<String>,
    /// Leader.
    pub leader_person_id: Option<i64>,
    /// First valid day.
    pub valid_from: NaiveDate,
}

/// Editable values of an existing unit, already parsed.
#[derive(Debug, Clone)]
pub struct OrgUnitChange {
    /// New parent (moving requires restructuring rights; checked by the caller).
    pub parent_id: Option<i64>,
    /// Name.
    pub name: Name,
    /// Short name.
    pub short_name: Option<String>,
    /// Leader.
    pub leader_person_id: Option<i64>,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day (retirement).
    pub valid_to: Option<NaiveDate>,
}

impl OrgUnitChange {
    /// Whether saving this would leave `unit` as it is.
    pub fn same_as(&self, unit: &OrgUnit) -> bool {
        self.parent_id == unit.parent_id
            && self.name.as_str() == unit.name
            && self.short_name == unit.short_name
            && self.leader_person_id == unit.leader_person_id
            && self.valid_from == unit.valid_from
            && self.valid_to == unit.valid_to
    }
}

/// The rules a change to `before` must keep, checked on `tree`, which already holds the change:
/// a new parent exists, is not the unit or below it and may hold its kind; a retired unit has no
/// child valid longer than itself; a unit valid longer than its (retiring) parent may not sit under it.
fn check_tree_change(tree: &OrgTree, before: &OrgUnit, change: &OrgUnitChange) -> Result<()> {
    let id = before.id;
    if change.parent_id != before.parent_id {
        let parent = change.parent_id.and_then(|p| tree.get(p)).ok_or_else(|| RuleError::new("err-parent-unknown"))?;
        check_no_cycle(id, &tree.ancestry(parent.id))?;
        before.kind().check_parent(Some(parent.kind()))?;
        if let Some(pto) = parent.valid_to
            && change.valid_to.is_none_or(|to| to > pto)
        {
            return Err(RuleError::new("err-parent-retired").into());
        }
    }
    if let Some(to) = change.valid_to {
        let retiring_over_valid_child =
            tree.children(Some(id)).iter().filter_map(|c| tree.get(*c)).any(|c| c.valid_to.is_none_or(|cto| cto > to));
        if retiring_over_valid_child {
            return Err(RuleError::new("err-retire-has-children").into());
        }
    }
    Ok(())
}

/// Every unit of a municipality, read inside `tx`.
pub async fn org_units_in(tx: &mut Tx, municipality_id: i64) -> Result<Vec<OrgUnit>> {
    let sql = org_units_sql();
    Ok(on_tx!(tx, c => {
        sqlx::query_as::<_, OrgUnit>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).fetch_all(&mut *c).await?
    }))
}

fn org_units_sql() -> String {
    format!(
        "SELECT {UNIT_COLUMNS} FROM org_units u LEFT JOIN people p ON p.id = u.leader_person_id
         WHERE u.municipality_id = $1 ORDER BY u.sort_order, u.name"
    )
}

/// All units of a municipality, indexed as a tree.
#[derive(Debug, Clone, Default)]
pub struct OrgTree {
    units: Vec<OrgUnit>,
    index: HashMap<i64, usize>,
    children: HashMap<Option<i64>, Vec<i64>>,
}

impl OrgTree {
    /// Builds the tree; children are ordered by `sort_order`, then name.
    pub fn new(units: Vec<OrgUnit>) -> Self {
        let index: HashMap<i64, usize> = units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let mut children: HashMap<Option<i64>, Vec<i64>> = HashMap::new();
        for unit in &units {
            children.entry(unit.parent_id).or_default().push(unit.id);
        }
        for ids in children.values_mut() {
            ids.sort_by(|a, b| {
                let (a, b) = (&units[index[a]], &units[index[b]]);
                (a.sort_order, &a.name).cmp(&(b.sort_order, &b.name))
            });
        }
        Self { units, index, children }
    }

    /// A unit by id.
    pub fn get(&self, id: i64) -> Option<&OrgUnit> {
        self.index.get(&id).map(|&i| &self.units[i])
    }

    /// A unit's name, empty for an id not in the tree.
    pub fn name(&self, id: i64) -> String {
        self.get(id).map(|u| u.name.clone()).unwrap_or_default()
    }

    /// All units.
    pub fn units(&self) -> &[OrgUnit] {
        &self.units
    }

    /// Children of `id` (`None` for roots).
    pub fn children(&self, id: Option<i64>) -> &[i64] {
        self.children.get(&id).map(Vec::as_slice).unwrap_or_default()
    }

    /// The unit followed by its ancestors up to the root. Stops on a (corrupt) cycle.
    pub fn ancestry(&self, id: i64) -> Vec<i64> {
        let mut chain = Vec::new();
        let mut current = Some(id);
        while let Some(cid) = current {
            if chain.contains(&cid) {
                break;
            }
            let Some(unit) = self.get(cid) else { break };
            chain.push(cid);
            current = unit.parent_id;
        }
        chain
    }

    /// Management level of the unit's leader, from its depth.
    pub fn leader_level(&self, id: i64) -> LeaderLevel {
        LeaderLevel::from_depth(self.ancestry(id).len().saturating_sub(1))
    }

    /// The unit and every unit below it, depth first.
    pub fn subtree(&self, id: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(cid) = stack.pop() {
            if out.contains(&cid) {
                continue;
            }
            out.push(cid);
            stack.extend(self.children(Some(cid)).iter().rev());
        }
        out
    }
}

/// A delegation of edit rights on a unit to a person, until a date.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Delegation {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Delegate.
    pub person_id: i64,
    /// Delegate's name.
    pub person_name: String,
    /// Granting account.
    pub granted_by: i64,
    /// Last valid day.
    pub valid_to: NaiveDate,
}

impl Db {
    /// Every unit of a municipality.
    pub async fn org_units(&self, municipality_id: i64) -> Result<Vec<OrgUnit>> {
        let sql = org_units_sql();
        let rows = on_db!(self, pool => {
            sqlx::query_as::<_, OrgUnit>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// The municipality's organisation generation: changes whenever a unit or person changes.
    pub async fn org_generation(&self, municipality_id: i64) -> Result<i64> {
        let generation: Option<i64> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT org_generation FROM municipalities WHERE id = $1")
                .bind(municipality_id)
                .fetch_optional(pool)
                .await?
        });
        generation.ok_or(StoreError::NotFound)
    }

    /// The municipality's organisation tree.
    pub async fn org_tree(&self, municipality_id: i64) -> Result<OrgTree> {
        Ok(OrgTree::new(self.org_units(municipality_id).await?))
    }

    /// One unit, only if it belongs to the municipality.
    pub async fn org_unit(&self, municipality_id: i64, id: i64) -> Result<OrgUnit> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM org_units u LEFT JOIN people p ON p.id = u.leader_person_id
             WHERE u.municipality_id = $1 AND u.id = $2"
        );
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, OrgUnit>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Creates a unit under a parent in the same municipality.
    pub async fn org_unit_create(&self, author: &Author, new: &NewOrgUnit) -> Result<i64> {
        let mid = author.municipality_id;
        let parent_kind = match new.parent_id {
            Some(pid) => Some(self.org_unit(mid, pid).await.map_err(|_| RuleError::new("err-parent-unknown"))?.kind()),
            None => None,
        };
        new.kind.check_parent(parent_kind)?;
        if let Some(leader) = new.leader_person_id {
            self.person(mid, leader).await.map_err(|_| RuleError::new("err-person-unknown"))?;
        }
        let ts = now();
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO org_units (municipality_id, parent_id, kind, name, short_name, leader_person_id, valid_from, sort_order, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7,
                         (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM org_units WHERE municipality_id = $1 AND parent_id = $2), $8, $8)
                 RETURNING id",
            )
            .bind(mid)
            .bind(new.parent_id)
            .bind(new.kind.code())
            .bind(new.name.as_str())
            .bind(new.short_name.as_deref())
            .bind(new.leader_person_id)
            .bind(new.valid_from)
            .bind(ts)
            .fetch_one(&mut *tx)
            .await?;
            let after = serde_json::json!({
                "parent_id": new.parent_id, "kind": new.kind.code(), "name": new.name.as_str(),
                "short_name": new.short_name, "leader_person_id": new.leader_person_id, "valid_from": new.valid_from,
            });
            audit_in_tx!(tx, author, "org_unit", id, "create", None, Some(after));
            bump_org_generation!(tx, mid);
            // After the generation bump, which serialises organisation writes: a parent retired
            // meanwhile is seen here, and a new unit is never valid under a retired one.
            let parent_retired: Option<NaiveDate> = match new.parent_id {
                Some(p) => sqlx::query_scalar("SELECT valid_to FROM org_units WHERE id = $1")
                    .bind(p).fetch_one(&mut *tx).await?,
                None => None,
            };
            if parent_retired.is_some() {
                return Err(RuleError::new("err-parent-retired").into());
            }
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Updates a unit if `expected_version` is current; refuses cycles and misplaced kinds.
    pub async fn org_unit_update(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        change: &OrgUnitChange,
    ) -> Result<()> {
        let mid = author.municipality_id;
        let before = self.org_unit(mid, id).await?;
        check_validity(change.valid_from, change.valid_to)?;
        if let Some(leader) = change.leader_person_id {
            self.person(mid, leader).await.map_err(|_| RuleError::new("err-person-unknown"))?;
        }
        let mut t = self.begin().await?;
        if before.version == expected_version && change.same_as(&before) {
            return crate::audit::commit_unchanged(t, "org_units", mid, id, expected_version).await;
        }
        on_tx!(&mut t, tx => {
            let updated = sqlx::query(
                "UPDATE org_units SET parent_id = $1, name = $2, short_name = $3, leader_person_id = $4,
                        valid_from = $5, valid_to = $6, version = version + 1, updated_at = $7
                 WHERE id = $8 AND municipality_id = $9 AND version = $10",
            )
            .bind(change.parent_id)
            .bind(change.name.as_str())
            .bind(change.short_name.as_deref())
            .bind(change.leader_person_id)
            .bind(change.valid_from)
            .bind(change.valid_to)
            .bind(now())
            .bind(id)
            .bind(mid)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Err(StoreError::Conflict);
            }
            // Serialises the municipality's organisation writes before the tree is checked below.
            bump_org_generation!(tx, mid);
        });
        // The tree rules are checked on the tree as it is after this write, with every other
        // committed change: two moves or a move and a retirement at the same moment cannot both pass
        // on a tree that neither saw. (The version check above makes `before` the row replaced.)
        check_tree_change(&OrgTree::new(org_units_in(&mut t, mid).await?), &before, change)?;
        on_tx!(&mut t, tx => {
            let after = serde_json::json!({
                "parent_id": change.parent_id, "name": change.name.as_str(), "short_name": change.short_name,
                "leader_person_id": change.leader_person_id, "valid_from": change.valid_from, "valid_to": change.valid_to,
            });
            let action = if change.valid_to.is_some() && before.valid_to.is_none() { "retire" } else { "update" };
            audit_in_tx!(tx, author, "org_unit", id, action, snapshot(&before), Some(after));
        });
        t.commit().await?;
        Ok(())
    }

    /// Active (not revoked, not expired on `today`) delegations on a unit.
    pub async fn delegations_for_unit(
        &self,
        municipality_id: i64,
        unit_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<Delegation>> {
        let rows = on_db!(self, pool => {
            sqlx::query_as::<_, Delegation>(
                "SELECT d.id, d.unit_id, d.person_id, p.name AS person_name, d.granted_by, d.valid_to
                 FROM delegations d JOIN people p ON p.id = d.person_id
                 WHERE d.municipality_id = $1 AND d.unit_id = $2 AND d.revoked_at IS NULL AND d.valid_to >= $3
                 ORDER BY d.valid_to, p.name",
            )
            .bind(municipality_id)
            .bind(unit_id)
            .bind(today)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Delegates edit rights on a unit to a person until `valid_to` (inclusive).
    pub async fn delegation_create(
        &self,
        author: &Author,
        unit_id: i64,
        person_id: i64,
        valid_to: NaiveDate,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        self.org_unit(mid, unit_id).await?;
        self.person(mid, person_id).await.map_err(|_| RuleError::new("err-person-unknown"))?;
        if valid_to < chrono::Utc::now().date_naive() {
            return Err(RuleError::new("err-delegation-past").into());
        }
        let granted_by = author.user_id.ok_or(StoreError::NotFound)?;
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO delegations (municipality_id, unit_id, person_id, granted_by, valid_to, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(mid)
            .bind(unit_id)
            .bind(person_id)
            .bind(granted_by)
            .bind(valid_to)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
            let after = serde_json::json!({"unit_id": unit_id, "person_id": person_id, "valid_to": valid_to});
            audit_in_tx!(tx, author, "delegation", id, "create", None, Some(after));
            // A delegation widens who may act on the unit: cached actors of this generation go.
            bump_org_generation!(tx, mid);
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Revokes a delegation on a unit.
    pub async fn delegation_revoke(&self, author: &Author, unit_id: i64, delegation_id: i64) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE delegations SET revoked_at = $1 WHERE id = $2 AND unit_id = $3 AND municipality_id = $4 AND revoked_at IS NULL",
            )
            .bind(now())
            .bind(delegation_id)
            .bind(unit_id)
            .bind(author.municipality_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit_in_tx!(tx, author, "delegation", delegation_id, "revoke", None, None);
            bump_org_generation!(tx, author.municipality_id);
            tx.commit().await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, parent: Option<i64>, name: &str) -> OrgUnit {
        OrgUnit {
            id,
            municipality_id: 1,
            parent_id: parent,
            kind: OrgUnitKind::Unit,
            name: name.into(),
            short_name: None,
            leader_person_id: None,
            leader_name: None,
            valid_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            valid_to: None,
            sort_order: 0,
            version: 1,
        }
    }

    #[test]
    fn tree_ancestry_subtree_and_levels() {
        let tree = OrgTree::new(vec![
            unit(1, None, "Kommune"),
            unit(2, Some(1), "Oppvekst"),
            unit(3, Some(2), "Bondi skole"),
            unit(4, Some(3), "SFO"),
            unit(5, Some(2), "Asker skole"),
        ]);
        assert_eq!(tree.ancestry(4), vec![4, 3, 2, 1]);
        assert_eq!(tree.subtree(2), vec![2, 5, 3, 4]);
        assert_eq!(tree.children(Some(2)), &[5, 3], "siblings sorted by name");
        assert_eq!(tree.leader_level(1).get(), 1);
        assert_eq!(tree.leader_level(4).get(), 4);
        assert!(tree.ancestry(99).is_empty());
    }

    #[test]
    fn corrupt_cycles_do_not_hang() {
        let tree = OrgTree::new(vec![unit(1, Some(2), "A"), unit(2, Some(1), "B")]);
        assert_eq!(tree.ancestry(1), vec![1, 2]);
        assert_eq!(tree.subtree(1), vec![1, 2]);
    }
}
