//! Plans, their sources and political decisions, goal elements with inheritance, and the SDG
//! catalogue with prioritised goals and element links.

use crate::audit::snapshot;
use crate::{Author, Db, Result, StoreError, Tx, audit_in_tx, bump_plan_generation, now, on_db, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use rodtrad_domain::plan::{
    ElementKind, ElementStatus, PlanStatus, PlanType, VersionEntry, check_deadline_in_period, check_measure,
    check_no_plan_cycle, check_period,
};
use rodtrad_domain::{RuleError, sdg};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A plan as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct Plan {
    /// Id.
    pub id: i64,
    /// Owning municipality.
    pub municipality_id: i64,
    /// Type code, see [`PlanType`].
    pub plan_type: String,
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
    /// Status code, see [`PlanStatus`].
    pub status: String,
    /// Shown on public pages once adopted.
    pub published: bool,
    /// Optimistic-locking version.
    pub version: i64,
}

impl Plan {
    /// The plan's type.
    pub fn plan_type(&self) -> PlanType {
        PlanType::parse(&self.plan_type).unwrap_or(PlanType::ThematicPlan)
    }

    /// The plan's status.
    pub fn status(&self) -> PlanStatus {
        PlanStatus::parse(&self.status).unwrap_or(PlanStatus::Draft)
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
    pub kind: String,
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
    /// Status code (assignments and measures).
    pub status: String,
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
    /// Optimistic-locking version.
    pub version: i64,
}

impl Element {
    /// The element's kind.
    pub fn kind(&self) -> ElementKind {
        ElementKind::parse(&self.kind).unwrap_or(ElementKind::Measure)
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
    e.revision, e.section_id, e.version";
const ELEMENT_FROM: &str = "goal_elements e
    LEFT JOIN goal_elements s ON s.id = e.source_element_id
    LEFT JOIN plans sp ON sp.id = s.plan_id
    LEFT JOIN org_units u ON u.id = e.owner_unit_id
    LEFT JOIN people p ON p.id = e.responsible_person_id";

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
    fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({"kind": self.kind.code(), "text": self.text, "owner_unit_id": self.owner_unit_id,
            "responsible_person_id": self.responsible_person_id, "deadline": self.deadline,
            "status": self.status.code(), "sdg_targets": self.sdg_targets})
    }
}

/// One SDG link of an element.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct SdgLink {
    /// Element.
    pub element_id: i64,
    /// Target code.
    pub target: String,
    /// Goal number.
    pub goal: i64,
    /// "Adapted from" rather than contributing to.
    pub adapted: bool,
}

impl Db {
    /// Loads the SDG catalogue if it is not there yet (it is reference data shared by all municipalities).
    pub async fn seed_sdg(&self) -> Result<()> {
        let goals = sdg::goals();
        let targets = sdg::targets();
        let indicators = sdg::indicators();
        on_db!(self, pool => {
            let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sdg_goals").fetch_one(pool).await?;
            if have == goals.len() as i64 {
                return Ok(());
            }
            let mut tx = pool.begin().await?;
            for g in &goals {
                sqlx::query("INSERT INTO sdg_goals (goal, colour, short_nb, title_nb, short_en, title_en) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(g.goal).bind(&g.colour).bind(&g.short_nb).bind(&g.title_nb).bind(&g.short_en).bind(&g.title_en)
                    .execute(&mut *tx).await?;
            }
            for (i, t) in targets.iter().enumerate() {
                sqlx::query("INSERT INTO sdg_targets (code, goal, text_en, text_nb, sort_key) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&t.target).bind(t.goal).bind(&t.text_en).bind((!t.text_nb.is_empty()).then_some(&t.text_nb)).bind(i as i64)
                    .execute(&mut *tx).await?;
            }
            for i in &indicators {
                sqlx::query("INSERT INTO sdg_indicators (code, target, text_en, text_nb) VALUES ($1, $2, $3, $4)")
                    .bind(&i.indicator).bind(&i.target).bind(&i.text_en).bind((!i.text_nb.is_empty()).then_some(&i.text_nb))
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Whether a target code exists in the catalogue.
    pub async fn sdg_target_exists(&self, code: &str) -> Result<bool> {
        let n: i64 = on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM sdg_targets WHERE code = $1").bind(code).fetch_one(pool).await?
        });
        Ok(n > 0)
    }

    /// Corrected target texts for this installation: `(code, lang, text)`.
    pub async fn sdg_target_texts(&self) -> Result<Vec<(String, String, String)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, (String, String, String)>("SELECT code, lang, text FROM sdg_target_texts ORDER BY code")
                .fetch_all(pool).await?
        }))
    }

    /// Corrects (or, with an empty text, restores) a target's wording in `lang` for the installation.
    pub async fn sdg_target_text_set(&self, author: &Author, code: &str, lang: &str, text: &str) -> Result<()> {
        if !self.sdg_target_exists(code).await? {
            return Err(RuleError::new("err-sdg-target-unknown").with("code", code).into());
        }
        let before: Option<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT text FROM sdg_target_texts WHERE code = $1 AND lang = $2").bind(code).bind(lang).fetch_optional(pool).await?
        });
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM sdg_target_texts WHERE code = $1 AND lang = $2").bind(code).bind(lang).execute(&mut *tx).await?;
            if !text.trim().is_empty() {
                sqlx::query("INSERT INTO sdg_target_texts (code, lang, text, updated_at) VALUES ($1, $2, $3, $4)")
                    .bind(code).bind(lang).bind(text.trim()).bind(now()).execute(&mut *tx).await?;
            }
            // The audit log is per municipality; the correction is recorded under the editor's.
            audit_in_tx!(tx, author, "sdg_target", 0, "update",
                Some(serde_json::json!({"code": code, "lang": lang, "text": before})),
                Some(serde_json::json!({"code": code, "lang": lang, "text": text.trim()})));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Goals the municipality prioritised for the period covering `year`.
    pub async fn sdg_priorities(&self, municipality_id: i64, year: i32) -> Result<Vec<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT goal FROM sdg_priorities WHERE municipality_id = $1 AND first_year <= $2 AND last_year >= $2 ORDER BY goal")
                .bind(municipality_id).bind(i64::from(year)).fetch_all(pool).await?
        }))
    }

    /// Sets the prioritised goals for a planning period (replacing that period's set).
    pub async fn sdg_set_priorities(
        &self,
        author: &Author,
        first_year: i32,
        last_year: i32,
        goals: &[i64],
    ) -> Result<()> {
        check_period(first_year, last_year)?;
        if goals.iter().any(|g| !(1..=17).contains(g)) {
            return Err(RuleError::new("err-sdg-goal-unknown").into());
        }
        let mid = author.municipality_id;
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM sdg_priorities WHERE municipality_id = $1 AND first_year = $2")
                .bind(mid).bind(i64::from(first_year)).execute(&mut *tx).await?;
            for g in goals {
                sqlx::query("INSERT INTO sdg_priorities (municipality_id, goal, first_year, last_year) VALUES ($1, $2, $3, $4)")
                    .bind(mid).bind(g).bind(i64::from(first_year)).bind(i64::from(last_year)).execute(&mut *tx).await?;
            }
            let after = serde_json::json!({"first_year": first_year, "last_year": last_year, "goals": goals});
            audit_in_tx!(tx, author, "sdg_priorities", i64::from(first_year), "update", None, Some(after));
            tx.commit().await?;
        });
        Ok(())
    }

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
            self.org_unit(municipality_id, u).await.map_err(|_| RuleError::new("err-unit-unknown"))?;
        }
        Ok(())
    }

    /// Creates a plan deriving from `sources` (plans of the same municipality).
    pub async fn plan_create(&self, author: &Author, input: &PlanInput, sources: &[i64]) -> Result<i64> {
        let mid = author.municipality_id;
        check_period(input.start_year, input.end_year)?;
        self.check_owner_unit(mid, input.owner_unit_id).await?;
        for s in sources {
            self.plan(mid, *s).await.map_err(|_| RuleError::new("err-plan-source-unknown"))?;
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
            self.plan(mid, *s).await.map_err(|_| RuleError::new("err-plan-source-unknown"))?;
        }
        let before_sources: Vec<i64> =
            self.plan_sources_all(mid).await?.into_iter().filter(|(p, _)| *p == id).map(|(_, s)| s).collect();
        let mut t = self.begin().await?;
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
        let mid = author.municipality_id;
        let plan = self.plan(mid, id).await?;
        let has_decision = !self.plan_decisions(id).await?.is_empty();
        plan.status().check_transition(to, plan.plan_type(), has_decision)?;
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
            audit_in_tx!(tx, author, "plan", id, "status",
                Some(serde_json::json!({"status": plan.status})), Some(serde_json::json!({"status": to.code()})));
            bump_plan_generation!(tx, author.municipality_id);
        });
        t.commit().await?;
        Ok(())
    }

    /// The plan's elements as they read now, for freezing into a version or comparing with one.
    pub async fn plan_snapshot(&self, municipality_id: i64, plan_id: i64) -> Result<Vec<VersionEntry>> {
        let links = self.sdg_links(municipality_id).await?;
        Ok(snapshot_of(self.elements(municipality_id, plan_id).await?, &links))
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

    /// SDG links of every element in a municipality.
    pub async fn sdg_links(&self, municipality_id: i64) -> Result<Vec<SdgLink>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, SdgLink>(SDG_LINKS_SQL).bind(municipality_id).fetch_all(pool).await?
        }))
    }

    async fn check_element_input(&self, mid: i64, plan: &Plan, input: &ElementInput) -> Result<()> {
        check_measure(input.status, input.deadline.is_some(), input.responsible_person_id.is_some())?;
        if let Some(d) = input.deadline {
            check_deadline_in_period(d, plan.start_year as i32, plan.end_year as i32)?;
        }
        self.check_owner_unit(mid, input.owner_unit_id).await?;
        if let Some(p) = input.responsible_person_id {
            self.person(mid, p).await.map_err(|_| RuleError::new("err-person-unknown"))?;
        }
        for (code, _) in &input.sdg_targets {
            if !self.sdg_target_exists(code).await? {
                return Err(RuleError::new("err-sdg-target-unknown").with("code", code.clone()).into());
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
        self.check_element_input(mid, &plan, input).await?;
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, mid, plan_id).await?;
        // The parent is read under the plan's lock: removing it takes the same lock.
        let parent_kind = match parent_id {
            Some(p) => {
                let parent = element_in(&mut t, mid, p).await?.filter(|e| e.plan_id == plan_id);
                Some(parent.ok_or_else(|| RuleError::new("err-element-parent-unknown"))?.kind())
            }
            None => None,
        };
        input.kind.check_parent(parent_kind)?;
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
        let mid = author.municipality_id;
        let before = self.element(mid, id).await?;
        if before.inherited() {
            return Err(RuleError::new("err-element-inherited").into());
        }
        if input.kind != before.kind() {
            return Err(RuleError::new("err-element-kind-change").into());
        }
        let plan = self.plan(mid, before.plan_id).await?;
        self.check_element_input(mid, &plan, input).await?;
        let text_changed = before.text != input.text;
        let links_before: Vec<SdgLink> =
            self.sdg_links(mid).await?.into_iter().filter(|l| l.element_id == id).collect();
        let select = format!("SELECT {ELEMENT_COLUMNS} FROM {ELEMENT_FROM} WHERE e.municipality_id = $1 AND e.id = $2");
        let mut t = self.begin().await?;
        lock_editable_plan(&mut t, mid, before.plan_id).await?;
        let written = on_tx!(&mut t, tx => {
            let n = sqlx::query(
                "UPDATE goal_elements SET text = $1, owner_unit_id = $2, responsible_person_id = $3, deadline = $4, status = $5,
                        revision = revision + $6, version = version + 1, updated_at = $7
                 WHERE id = $8 AND municipality_id = $9 AND version = $10 AND removed_at IS NULL")
                .bind(&input.text).bind(input.owner_unit_id).bind(input.responsible_person_id).bind(input.deadline)
                .bind(input.status.code()).bind(i64::from(text_changed)).bind(now()).bind(id).bind(mid).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            sqlx::query("DELETE FROM element_sdg_targets WHERE element_id = $1").bind(id).execute(&mut *tx).await?;
            for (code, adapted) in &input.sdg_targets {
                sqlx::query("INSERT INTO element_sdg_targets (element_id, target, adapted) VALUES ($1, $2, $3)")
                    .bind(id).bind(code).bind(*adapted).execute(&mut *tx).await?;
            }
            let mut b = snapshot(&before).unwrap_or_default();
            b["sdg_targets"] = serde_json::json!(links_before.iter().map(|l| (&l.target, l.adapted)).collect::<Vec<_>>());
            audit_in_tx!(tx, author, "goal_element", id, "update", Some(b), Some(input.audit_json()));
            bump_plan_generation!(tx, author.municipality_id);
            // Read back inside the transaction: after the commit another writer may already have
            // replaced this version, and the caller must answer with what it wrote.
            sqlx::query_as::<_, Element>(sqlx::AssertSqlSafe(select.clone()))
                .bind(mid).bind(id).fetch_one(&mut *tx).await?
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
        let ts = now();
        let id = on_tx!(&mut t, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO goal_elements (municipality_id, plan_id, parent_id, kind, position, text, owner_unit_id, status,
                                            source_element_id, source_revision_seen, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), 0) + 1 FROM goal_elements WHERE plan_id = $2),
                         '', $5, 'draft', $6, $7, $8, $8) RETURNING id")
                .bind(mid).bind(plan_id).bind(parent).bind(&origin_el.kind).bind(origin_el.owner_unit_id)
                .bind(origin).bind(origin_el.revision).bind(ts)
                .fetch_one(&mut *tx).await?;
            let after = serde_json::json!({"plan_id": plan_id, "source_element_id": origin, "source_revision_seen": origin_el.revision, "parent_id": parent});
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
            tx.commit().await?;
        });
        Ok(())
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

    /// Marks the current text of an inherited element's source as seen.
    pub async fn element_acknowledge(&self, author: &Author, id: i64) -> Result<()> {
        let mid = author.municipality_id;
        let element = self.element(mid, id).await?;
        let (Some(revision), true) = (element.source_revision, element.inherited()) else {
            return Err(RuleError::new("err-element-not-inherited").into());
        };
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE goal_elements SET source_revision_seen = $1, version = version + 1 WHERE id = $2")
                .bind(revision).bind(id).execute(&mut *tx).await?;
            audit_in_tx!(tx, author, "goal_element", id, "acknowledge",
                Some(serde_json::json!({"source_revision_seen": element.source_revision_seen})),
                Some(serde_json::json!({"source_revision_seen": revision})));
            bump_plan_generation!(tx, author.municipality_id);
            tx.commit().await?;
        });
        Ok(())
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

const PLAN_SOURCES_SQL: &str = "SELECT ps.plan_id, ps.source_plan_id FROM plan_sources ps
     JOIN plans p ON p.id = ps.plan_id WHERE p.municipality_id = $1";

const SDG_LINKS_SQL: &str = "SELECT l.element_id, l.target, t.goal, l.adapted FROM element_sdg_targets l
     JOIN goal_elements e ON e.id = l.element_id JOIN sdg_targets t ON t.code = l.target
     WHERE e.municipality_id = $1 ORDER BY t.sort_key";

fn plan_elements_sql() -> String {
    format!(
        "SELECT {ELEMENT_COLUMNS} FROM {ELEMENT_FROM}
         WHERE e.municipality_id = $1 AND e.plan_id = $2 AND e.removed_at IS NULL ORDER BY e.position, e.id"
    )
}

fn element_sql() -> String {
    format!(
        "SELECT {ELEMENT_COLUMNS} FROM {ELEMENT_FROM} WHERE e.municipality_id = $1 AND e.id = $2 AND e.removed_at IS NULL"
    )
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

/// The SDG links of a municipality's elements, read inside `tx`.
pub async fn sdg_links_in(tx: &mut Tx, municipality_id: i64) -> Result<Vec<SdgLink>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, SdgLink>(SDG_LINKS_SQL).bind(municipality_id).fetch_all(&mut *c).await?))
}

/// Source links `(plan, source plan)` of a municipality, read inside `tx`.
pub async fn plan_sources_in(tx: &mut Tx, municipality_id: i64) -> Result<Vec<(i64, i64)>> {
    Ok(on_tx!(tx, c => {
        sqlx::query_as::<_, (i64, i64)>(PLAN_SOURCES_SQL).bind(municipality_id).fetch_all(&mut *c).await?
    }))
}

/// A plan's elements as a version entry each, with the SDG targets of what they point at.
fn snapshot_of(elements: Vec<Element>, links: &[SdgLink]) -> Vec<VersionEntry> {
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
                kind: e.kind,
                text: e.text,
                owner: e.owner_unit_name,
                responsible: e.responsible_name,
                deadline: e.deadline,
                status: e.status,
                sdg,
            }
        })
        .collect()
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
