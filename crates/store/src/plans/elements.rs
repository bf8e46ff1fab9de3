//! Goal elements: local ones with the measure rule, inherited references with their markers,
//! distribution to units, placement in the plan's text, and the municipality's level names.

use super::*;

/// A goal element with what the views need: its text (its source's text when inherited), the
/// inheritance markers, and names of the people and units it refers to.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct Element {
    /// Id.
    pub id: i64,
    /// Plan.
    pub plan_id: i64,
    /// Parent element in the same plan.
    pub parent_id: Option<i64>,
    /// Kind code, see [`ElementKind`].
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::as_code")]
    pub kind: ElementKind,
    /// Order among siblings.
    pub position: i64,
    /// Text (the source's current text for inherited elements).
    pub text: String,
    /// Owner unit.
    pub owner_unit_id: Option<i64>,
    /// Owner unit name.
    pub owner_unit_name: Option<String>,
    /// Responsible person (measures).
    pub responsible_person_id: Option<i64>,
    /// Responsible person's name.
    pub responsible_name: Option<String>,
    /// Deadline (measures).
    pub deadline: Option<NaiveDate>,
    /// Status (assignments and measures).
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "crate::as_code")]
    pub status: ElementStatus,
    /// Source element when inherited.
    pub source_element_id: Option<i64>,
    /// Source plan when inherited.
    pub source_plan_id: Option<i64>,
    /// Source plan's title.
    pub source_plan_title: Option<String>,
    /// Revision of the source text this plan has seen.
    pub source_revision_seen: Option<i64>,
    /// Current revision of the source text.
    pub source_revision: Option<i64>,
    /// When the source was removed (the inherited element is orphaned).
    pub source_removed_at: Option<DateTime<Utc>>,
    /// Text revision (bumped when the text changes).
    pub revision: i64,
    /// The plan-text section the element is placed in.
    pub section_id: Option<i64>,
    /// What the unit given an assignment shall deliver (the source's for inherited ones).
    pub expected_result: Option<String>,
    /// Optimistic-locking version.
    pub version: i64,
    /// What this (inherited) element's plan last saw of the goal path above its source, see
    /// [`rodtrad_domain::plan::path_signature`].
    pub source_path_seen: Option<String>,
}

impl Element {
    /// The element as a step of a goal path.
    pub fn path_node(&self) -> PathNode {
        PathNode {
            id: self.id,
            parent_id: self.parent_id,
            source_id: self.source_element_id,
            kind: self.kind,
            revision: self.revision,
        }
    }

    /// The element's kind.
    pub fn kind(&self) -> ElementKind {
        self.kind
    }

    /// Inherited from another plan (shown read-only).
    pub fn inherited(&self) -> bool {
        self.source_element_id.is_some()
    }

    /// The source's text changed since this plan last saw it.
    pub fn changed_since(&self) -> bool {
        matches!((self.source_revision, self.source_revision_seen), (Some(now), Some(seen)) if now > seen)
    }

    /// The source element was removed: this element depends on something that is gone.
    pub fn orphaned(&self) -> bool {
        self.inherited() && self.source_removed_at.is_some()
    }
}

const ELEMENT_COLUMNS: &str = "e.id, e.plan_id, e.parent_id, e.kind, e.position,
    COALESCE(s.text, e.text) AS text, e.owner_unit_id, u.name AS owner_unit_name,
    e.responsible_person_id, p.name AS responsible_name, e.deadline, COALESCE(s.status, e.status) AS status,
    e.source_element_id, s.plan_id AS source_plan_id, sp.title AS source_plan_title,
    e.source_revision_seen, s.revision AS source_revision, s.removed_at AS source_removed_at,
    e.revision, e.section_id, e.version, e.source_path_seen,
    COALESCE(s.expected_result, e.expected_result) AS expected_result";

const ELEMENT_FROM: &str = "goal_elements e
    LEFT JOIN goal_elements s ON s.id = e.source_element_id
    LEFT JOIN plans sp ON sp.id = s.plan_id
    LEFT JOIN org_units u ON u.id = e.owner_unit_id
    LEFT JOIN people p ON p.id = e.responsible_person_id";

/// Values of a local (not inherited) element, already parsed.
#[derive(Debug, Clone)]
pub struct ElementInput {
    /// Kind.
    pub kind: ElementKind,
    /// Text.
    pub text: String,
    /// Owner unit.
    pub owner_unit_id: Option<i64>,
    /// Responsible person.
    pub responsible_person_id: Option<i64>,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
    /// Status.
    pub status: ElementStatus,
    /// SDG target codes (already checked for format) with "adapted from" flags.
    pub sdg_targets: Vec<(String, bool)>,
}

impl ElementInput {
    /// The input from a parsed draft and the references the caller parsed.
    pub fn new(
        kind: ElementKind,
        draft: rodtrad_domain::plan::ElementDraft,
        owner_unit_id: Option<i64>,
        responsible_person_id: Option<i64>,
        deadline: Option<NaiveDate>,
    ) -> Self {
        let rodtrad_domain::plan::ElementDraft { text, status, sdg_targets } = draft;
        Self { kind, text, owner_unit_id, responsible_person_id, deadline, status, sdg_targets }
    }

    /// Whether saving this would leave `element` and its SDG links (`links`) as they are.
    pub fn same_as(&self, element: &Element, links: &[SdgLink]) -> bool {
        self.kind == element.kind()
            && self.text == element.text
            && self.owner_unit_id == element.owner_unit_id
            && self.responsible_person_id == element.responsible_person_id
            && self.deadline == element.deadline
            && self.status == element.status
            && self.same_links(links)
    }

    /// Whether this names the same SDG targets, each adapted or not, as `links`.
    pub fn same_links(&self, links: &[SdgLink]) -> bool {
        use std::collections::BTreeSet;
        let wanted: BTreeSet<(&str, bool)> = self.sdg_targets.iter().map(|(c, a)| (c.as_str(), *a)).collect();
        wanted == links.iter().map(|l| (l.target.as_str(), l.adapted)).collect()
    }

    fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({"kind": self.kind.code(), "text": self.text, "owner_unit_id": self.owner_unit_id,
            "responsible_person_id": self.responsible_person_id, "deadline": self.deadline,
            "status": self.status.code(), "sdg_targets": self.sdg_targets})
    }
}

impl Db {
    /// The live (not removed) elements of a plan, in tree order keys (parent, position).
    pub async fn elements(&self, municipality_id: i64, plan_id: i64) -> Result<Vec<Element>> {
        let sql = plan_elements_sql();
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Element>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(plan_id).fetch_all(pool).await?
        }))
    }

    /// Every live element of a municipality (for the red thread).
    pub async fn elements_all(&self, municipality_id: i64) -> Result<Vec<Element>> {
        let sql = format!(
            "SELECT {ELEMENT_COLUMNS} FROM {ELEMENT_FROM}
             WHERE e.municipality_id = $1 AND e.removed_at IS NULL ORDER BY e.plan_id, e.position, e.id"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Element>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// One live element of the municipality.
    pub async fn element(&self, municipality_id: i64, id: i64) -> Result<Element> {
        let sql = element_sql();
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, Element>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The plan of an element of the municipality, removed or not: an element removed under
    /// revision is still part of the plan's adopted version.
    pub async fn element_plan_id(&self, municipality_id: i64, id: i64) -> Result<i64> {
        let row: Option<i64> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT plan_id FROM goal_elements WHERE municipality_id = $1 AND id = $2")
                .bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Checks an element's values. `before` is the element as stored with its SDG links, for an
    /// update: a unit, person or SDG target it already names was checked when it was saved and still
    /// exists (rows are never deleted), so only what the update changes is looked up.
    async fn check_element_input(
        &self,
        mid: i64,
        plan: &Plan,
        input: &ElementInput,
        before: Option<(&Element, &[SdgLink])>,
    ) -> Result<()> {
        check_measure(input.status, input.deadline.is_some(), input.responsible_person_id.is_some())?;
        if let Some(d) = input.deadline {
            check_deadline_in_period(d, plan.start_year as i32, plan.end_year as i32)?;
        }
        if before.is_none_or(|(e, _)| e.owner_unit_id != input.owner_unit_id) {
            self.check_owner_unit(mid, input.owner_unit_id).await?;
        }
        if let Some(p) = input.responsible_person_id
            && before.is_none_or(|(e, _)| e.responsible_person_id != Some(p))
        {
            self.person(mid, p).await.map_err(|_| RuleError::new("err-person-unknown").on("responsible_person_id"))?;
        }
        let linked = |code: &str| before.is_some_and(|(_, links)| links.iter().any(|l| l.target == code));
        for (code, _) in input.sdg_targets.iter().filter(|(code, _)| !linked(code)) {
            if !self.sdg_target_exists(code).await? {
                return Err(RuleError::new("err-sdg-target-unknown")
                    .with("code", code.clone())
                    .on("sdg_targets")
                    .into());
            }
        }
        Ok(())
    }

    /// Adds a local element under `parent_id` (or at the top) of an editable plan.
    pub async fn element_create(
        &self,
        author: &Author,
        plan_id: i64,
        parent_id: Option<i64>,
        input: &ElementInput,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let plan = self.plan(mid, plan_id).await?;
        self.check_element_input(mid, &plan, input, None).await?;
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, mid, plan_id).await?;
        // The parent is read under the plan's lock: removing it takes the same lock.
        let parent_kind = match parent_id {
            Some(p) => {
                let parent = element_in(&mut t, mid, p).await?.filter(|e| e.plan_id == plan_id);
                Some(parent.ok_or_else(|| RuleError::new("err-element-parent-unknown").on("kind"))?.kind())
            }
            None => None,
        };
        input.kind.check_parent(parent_kind).map_err(|e| e.on("kind"))?;
        let ts = now();
        let id = on_tx!(&mut t, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO goal_elements (municipality_id, plan_id, parent_id, kind, position, text, owner_unit_id,
                                            responsible_person_id, deadline, status, created_at, updated_at)
                 VALUES ($1, $2, $3, $4,
                         (SELECT COALESCE(MAX(position), 0) + 1 FROM goal_elements WHERE plan_id = $2),
                         $5, $6, $7, $8, $9, $10, $10) RETURNING id")
                .bind(mid).bind(plan_id).bind(parent_id).bind(input.kind.code()).bind(&input.text)
                .bind(input.owner_unit_id).bind(input.responsible_person_id).bind(input.deadline).bind(input.status.code()).bind(ts)
                .fetch_one(&mut *tx).await?;
            for (code, adapted) in &input.sdg_targets {
                sqlx::query("INSERT INTO element_sdg_targets (element_id, target, adapted) VALUES ($1, $2, $3)")
                    .bind(id).bind(code).bind(*adapted).execute(&mut *tx).await?;
            }
            let mut after = input.audit_json();
            after["plan_id"] = serde_json::json!(plan_id);
            after["parent_id"] = serde_json::json!(parent_id);
            audit_in_tx!(tx, author, "goal_element", id, "create", None, Some(after));
            bump_plan_generation!(tx, author.municipality_id);
            id
        });
        t.commit().await?;
        Ok(id)
    }

    /// Updates a local element if `expected_version` is current. Inherited elements are read-only.
    pub async fn element_update(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        input: &ElementInput,
    ) -> Result<Element> {
        self.element_update_moving(author, id, expected_version, input, None).await
    }

    /// Updates a local element as [`Db::element_update`] does and, when `new_parent` is given, moves
    /// it (with everything under it) under that element of the same plan, or to the top for
    /// `Some(None)`. The element keeps its id, so its history, status, responsible person and SDG
    /// links stay. The placement rules are checked against the plan's tree read under the plan's
    /// lock, so a concurrent move cannot make a cycle.
    pub async fn element_update_moving(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        input: &ElementInput,
        new_parent: Option<Option<i64>>,
    ) -> Result<Element> {
        let mid = author.municipality_id;
        let before = self.element(mid, id).await?;
        if before.inherited() {
            return Err(RuleError::new("err-element-inherited").into());
        }
        if input.kind != before.kind() {
            return Err(RuleError::new("err-element-kind-change").into());
        }
        // Versions only grow: a version already replaced when `before` was read is stale for good,
        // so the writer is told without waiting for the plan's lock or the write lock.
        if before.version != expected_version {
            return Err(StoreError::Conflict);
        }
        let plan = self.plan(mid, before.plan_id).await?;
        let links_before: Vec<SdgLink> = self.sdg_links_of(mid, id).await?;
        self.check_element_input(mid, &plan, input, Some((&before, &links_before))).await?;
        let text_changed = before.text != input.text;
        let links_changed = !input.same_links(&links_before);
        let select = format!("SELECT {ELEMENT_COLUMNS} FROM {ELEMENT_FROM} WHERE e.municipality_id = $1 AND e.id = $2");
        let mut t = self.begin().await?;
        let moving = new_parent.is_some_and(|p| p != before.parent_id);
        if moving {
            lock_editable_plan(&mut t, mid, before.plan_id).await?;
        } else {
            lock_editable_plan_shared(&mut t, mid, before.plan_id).await?;
        }
        // `before` was read outside the lock; the version check below refuses a write over a
        // change since, so its parent is the one the move starts from.
        let parent = match new_parent {
            Some(p) if p != before.parent_id => {
                let tree: Vec<Placement> = elements_in(&mut t, mid, before.plan_id)
                    .await?
                    .iter()
                    .map(|e| Placement { id: e.id, parent_id: e.parent_id, kind: e.kind() })
                    .collect();
                check_move(&tree, id, p)?;
                p
            }
            _ => before.parent_id,
        };
        if parent == before.parent_id && before.version == expected_version && input.same_as(&before, &links_before) {
            crate::audit::commit_unchanged(t, "goal_elements", mid, id, expected_version).await?;
            return Ok(before);
        }
        let written = on_tx!(&mut t, tx => {
            let n = sqlx::query(
                "UPDATE goal_elements SET text = $1, owner_unit_id = $2, responsible_person_id = $3, deadline = $4, status = $5,
                        revision = revision + $6, version = version + 1, updated_at = $7, parent_id = $11
                 WHERE id = $8 AND municipality_id = $9 AND version = $10 AND removed_at IS NULL")
                .bind(&input.text).bind(input.owner_unit_id).bind(input.responsible_person_id).bind(input.deadline)
                .bind(input.status.code()).bind(i64::from(text_changed)).bind(now()).bind(id).bind(mid).bind(expected_version)
                .bind(parent)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            if links_changed {
                sqlx::query("DELETE FROM element_sdg_targets WHERE element_id = $1").bind(id).execute(&mut *tx).await?;
                for (code, adapted) in &input.sdg_targets {
                    sqlx::query("INSERT INTO element_sdg_targets (element_id, target, adapted) VALUES ($1, $2, $3)")
                        .bind(id).bind(code).bind(*adapted).execute(&mut *tx).await?;
                }
            }
            // Read back inside the transaction: after the commit another writer may already have
            // replaced this version, and the caller must answer with what it wrote.
            let written = sqlx::query_as::<_, Element>(sqlx::AssertSqlSafe(select.clone()))
                .bind(mid).bind(id).fetch_one(&mut *tx).await?;
            let mut b = snapshot(&before).unwrap_or_default();
            b["sdg_targets"] = serde_json::json!(links_before.iter().map(|l| (&l.target, l.adapted)).collect::<Vec<_>>());
            let mut after = input.audit_json();
            after["parent_id"] = serde_json::json!(parent);
            audit_in_tx!(tx, author, "goal_element", id, "update", Some(b), Some(after));
            // Last before the commit: every plan write in the municipality waits for this row's
            // lock until the commit, so it is held as briefly as possible.
            bump_plan_generation!(tx, author.municipality_id);
            written
        });
        t.commit().await?;
        Ok(written)
    }

    /// Removes an element and everything under it in its plan. Nothing is deleted: rows are marked
    /// removed, so inherited copies in other plans show up as orphaned instead of vanishing.
    pub async fn element_remove(&self, author: &Author, id: i64, expected_version: i64) -> Result<()> {
        let mid = author.municipality_id;
        let element = self.element(mid, id).await?;
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, mid, element.plan_id).await?;
        // Children are read under the plan's lock, so one added meanwhile is removed with the rest.
        let all = elements_in(&mut t, mid, element.plan_id).await?;
        let mut doomed = vec![id];
        let mut i = 0;
        while i < doomed.len() {
            let parent = doomed[i];
            doomed.extend(all.iter().filter(|e| e.parent_id == Some(parent)).map(|e| e.id));
            i += 1;
        }
        let ts = now();
        on_tx!(&mut t, tx => {
            let n = sqlx::query("UPDATE goal_elements SET removed_at = $1, version = version + 1 WHERE id = $2 AND version = $3 AND removed_at IS NULL")
                .bind(ts).bind(id).bind(expected_version).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            for d in &doomed[1..] {
                sqlx::query("UPDATE goal_elements SET removed_at = $1, version = version + 1 WHERE id = $2").bind(ts).bind(d).execute(&mut *tx).await?;
            }
            audit_in_tx!(tx, author, "goal_element", id, "remove", snapshot(&element),
                Some(serde_json::json!({"removed_with_children": &doomed[1..]})));
            bump_plan_generation!(tx, author.municipality_id);
        });
        t.commit().await?;
        Ok(())
    }

    /// Inherits `source_id` into `plan_id` as a read-only reference. The source must belong to a plan
    /// the plan derives from (directly or further up). Placed under the inherited copy of the source's
    /// parent when the plan has one, otherwise at the top.
    pub async fn element_inherit(&self, author: &Author, plan_id: i64, source_id: i64) -> Result<i64> {
        let mid = author.municipality_id;
        self.plan(mid, plan_id).await?;
        let source = self.element(mid, source_id).await.map_err(|_| RuleError::new("err-inherit-source"))?;
        let ancestors = self.plan_ancestors(mid, plan_id).await?;
        if !ancestors.contains(&source.plan_id) {
            return Err(RuleError::new("err-inherit-source").into());
        }
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, mid, plan_id).await?;
        // Read under the plan's lock, so two concurrent inherits of one source cannot both pass.
        let existing = elements_in(&mut t, mid, plan_id).await?;
        // Inheriting an inherited element means inheriting what it points at.
        let origin = source.source_element_id.unwrap_or(source.id);
        if existing.iter().any(|e| e.source_element_id == Some(origin)) {
            return Err(RuleError::new("err-inherit-duplicate").into());
        }
        let origin_el = if origin == source.id { source.clone() } else { self.element(mid, origin).await? };
        // The source's parent may itself be an inherited copy: match on what it points at.
        let parent_origin = match origin_el.parent_id {
            Some(sp) => self.element(mid, sp).await.ok().map(|p| p.source_element_id.unwrap_or(p.id)),
            None => None,
        };
        let parent =
            parent_origin.and_then(|po| existing.iter().find(|e| e.source_element_id == Some(po)).map(|e| e.id));
        let path_seen = path_signature_in(&mut t, mid, origin).await?;
        let ts = now();
        let id = on_tx!(&mut t, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO goal_elements (municipality_id, plan_id, parent_id, kind, position, text, owner_unit_id, status,
                                            source_element_id, source_revision_seen, source_path_seen, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), 0) + 1 FROM goal_elements WHERE plan_id = $2),
                         '', $5, 'draft', $6, $7, $9, $8, $8) RETURNING id")
                .bind(mid).bind(plan_id).bind(parent).bind(origin_el.kind.code()).bind(origin_el.owner_unit_id)
                .bind(origin).bind(origin_el.revision).bind(ts).bind(&path_seen)
                .fetch_one(&mut *tx).await?;
            let after = serde_json::json!({"plan_id": plan_id, "source_element_id": origin, "source_revision_seen": origin_el.revision,
                "source_path_seen": path_seen, "parent_id": parent});
            audit_in_tx!(tx, author, "goal_element", id, "inherit", None, Some(after));
            bump_plan_generation!(tx, author.municipality_id);
            id
        });
        t.commit().await?;
        Ok(id)
    }

    /// Distributes an inherited element: sets which unit owns it in this plan (its text stays the
    /// source's). This is how the action programme hands a sub-goal to a service area.
    pub async fn element_assign(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        owner_unit_id: Option<i64>,
    ) -> Result<()> {
        let mid = author.municipality_id;
        let element = self.element(mid, id).await?;
        self.check_owner_unit(mid, owner_unit_id).await?;
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, mid, element.plan_id).await?;
        on_tx!(&mut t, tx => {
            let n = sqlx::query("UPDATE goal_elements SET owner_unit_id = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4 AND removed_at IS NULL")
                .bind(owner_unit_id).bind(now()).bind(id).bind(expected_version).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "goal_element", id, "assign",
                Some(serde_json::json!({"owner_unit_id": element.owner_unit_id})), Some(serde_json::json!({"owner_unit_id": owner_unit_id})));
            bump_plan_generation!(tx, author.municipality_id);
        });
        t.commit().await?;
        Ok(())
    }

    /// Sets the expected result of a local assignment in an editable plan if `expected_version` is
    /// current (`None` clears it).
    pub async fn element_expected_result_set(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        expected_result: Option<&str>,
    ) -> Result<()> {
        let mid = author.municipality_id;
        let element = self.element(mid, id).await?;
        if element.inherited() {
            return Err(RuleError::new("err-element-inherited").into());
        }
        if element.kind() != ElementKind::Assignment {
            return Err(RuleError::new("err-expected-result-assignment").on("expected_result").into());
        }
        let checked = rodtrad_domain::letters::parse_expected_result(expected_result.unwrap_or(""))?;
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, mid, element.plan_id).await?;
        on_tx!(&mut t, tx => {
            let n = sqlx::query("UPDATE goal_elements SET expected_result = $1, version = version + 1, updated_at = $2
                                 WHERE municipality_id = $3 AND id = $4 AND version = $5 AND removed_at IS NULL")
                .bind(&checked).bind(now()).bind(mid).bind(id).bind(expected_version).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "goal_element", id, "expected_result",
                Some(serde_json::json!({"expected_result": element.expected_result})),
                Some(serde_json::json!({"expected_result": checked})));
            bump_plan_generation!(tx, author.municipality_id);
        });
        t.commit().await?;
        Ok(())
    }

    /// Places an element (and so its subtree) in a section of its plan's text, or takes it out.
    pub async fn element_place(&self, author: &Author, id: i64, section_id: Option<i64>) -> Result<()> {
        let mid = author.municipality_id;
        let element = self.element(mid, id).await?;
        if let Some(s) = section_id
            && !self.sections(element.plan_id).await?.iter().any(|x| x.id == s)
        {
            return Err(RuleError::new("err-section-unknown").into());
        }
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE goal_elements SET section_id = $1, version = version + 1 WHERE id = $2")
                .bind(section_id).bind(id).execute(&mut *tx).await?;
            audit_in_tx!(tx, author, "goal_element", id, "place",
                Some(serde_json::json!({"section_id": element.section_id})), Some(serde_json::json!({"section_id": section_id})));
            bump_plan_generation!(tx, author.municipality_id);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The municipality's own names for goal-structure levels: `(kind, lang, label)`.
    pub async fn element_labels(&self, municipality_id: i64) -> Result<Vec<(String, String, String)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, (String, String, String)>("SELECT kind, lang, label FROM element_labels WHERE municipality_id = $1")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// Replaces the municipality's level names; an empty label restores the default.
    pub async fn element_labels_set(&self, author: &Author, labels: &[(ElementKind, String, String)]) -> Result<()> {
        let mid = author.municipality_id;
        let before = self.element_labels(mid).await?;
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM element_labels WHERE municipality_id = $1").bind(mid).execute(&mut *tx).await?;
            for (kind, lang, label) in labels.iter().filter(|(_, _, l)| !l.trim().is_empty()) {
                sqlx::query("INSERT INTO element_labels (municipality_id, kind, lang, label) VALUES ($1, $2, $3, $4)")
                    .bind(mid).bind(kind.code()).bind(lang).bind(label.trim()).execute(&mut *tx).await?;
            }
            let after: Vec<(&str, &String, &String)> = labels.iter().map(|(k, l, x)| (k.code(), l, x)).collect();
            audit_in_tx!(tx, author, "element_labels", mid, "update", Some(serde_json::json!(before)), Some(serde_json::json!(after)));
            // Pages cache the names at the plan generation.
            bump_plan_generation!(tx, mid);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Marks the current text of an inherited element's source, and of the goal path above it, as
    /// seen.
    pub async fn element_acknowledge(&self, author: &Author, id: i64) -> Result<()> {
        let mid = author.municipality_id;
        let element = self.element(mid, id).await?;
        let (Some(revision), Some(origin)) = (element.source_revision, element.source_element_id) else {
            return Err(RuleError::new("err-element-not-inherited").into());
        };
        let mut t = self.begin().await?;
        let path_seen = path_signature_in(&mut t, mid, origin).await?;
        on_tx!(&mut t, tx => {
            sqlx::query("UPDATE goal_elements SET source_revision_seen = $1, source_path_seen = $2, version = version + 1 WHERE id = $3")
                .bind(revision).bind(&path_seen).bind(id).execute(&mut *tx).await?;
            audit_in_tx!(tx, author, "goal_element", id, "acknowledge",
                Some(serde_json::json!({"source_revision_seen": element.source_revision_seen, "source_path_seen": element.source_path_seen})),
                Some(serde_json::json!({"source_revision_seen": revision, "source_path_seen": path_seen})));
            bump_plan_generation!(tx, author.municipality_id);
        });
        t.commit().await?;
        Ok(())
    }
}

fn plan_elements_sql() -> String {
    format!(
        "SELECT {ELEMENT_COLUMNS} FROM {ELEMENT_FROM}
         WHERE e.municipality_id = $1 AND e.plan_id = $2 AND e.removed_at IS NULL ORDER BY e.position, e.id"
    )
}

/// Every element a plan has had, removed ones too: the rows its frozen versions refer to.
pub(super) fn plan_elements_ever_sql() -> String {
    format!("SELECT {ELEMENT_COLUMNS} FROM {ELEMENT_FROM} WHERE e.municipality_id = $1 AND e.plan_id = $2")
}

/// Every element the municipality's plans have had, removed ones too.
pub(super) fn elements_ever_sql() -> String {
    format!("SELECT {ELEMENT_COLUMNS} FROM {ELEMENT_FROM} WHERE e.municipality_id = $1")
}

fn element_sql() -> String {
    format!(
        "SELECT {ELEMENT_COLUMNS} FROM {ELEMENT_FROM} WHERE e.municipality_id = $1 AND e.id = $2 AND e.removed_at IS NULL"
    )
}

/// Every live element of a municipality as goal-path steps, by id.
pub fn path_nodes(elements: &[Element]) -> HashMap<i64, PathNode> {
    elements.iter().map(|e| (e.id, e.path_node())).collect()
}

/// The signature of the goal path above `origin` as it stands now, read inside `tx`.
async fn path_signature_in(tx: &mut Tx, municipality_id: i64, origin: i64) -> Result<String> {
    let sql =
        format!("SELECT {ELEMENT_COLUMNS} FROM {ELEMENT_FROM} WHERE e.municipality_id = $1 AND e.removed_at IS NULL");
    let all = on_tx!(tx, c => {
        sqlx::query_as::<_, Element>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).fetch_all(&mut *c).await?
    });
    Ok(path_signature(&goal_path(&path_nodes(&all), origin)))
}

/// The live elements of a plan, read inside `tx`.
pub async fn elements_in(tx: &mut Tx, municipality_id: i64, plan_id: i64) -> Result<Vec<Element>> {
    let sql = plan_elements_sql();
    Ok(on_tx!(tx, c => {
        sqlx::query_as::<_, Element>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).bind(plan_id).fetch_all(&mut *c).await?
    }))
}

/// One live element, read inside `tx`.
pub async fn element_in(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<Option<Element>> {
    let sql = element_sql();
    Ok(on_tx!(tx, c => {
        sqlx::query_as::<_, Element>(sqlx::AssertSqlSafe(sql)).bind(municipality_id).bind(id).fetch_optional(&mut *c).await?
    }))
}
