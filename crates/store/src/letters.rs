//! Assignment letters (*oppdragsbrev*): the guidance template, one letter per unit and year with its
//! economic frame, and its issued versions, each frozen as the content it said.

use crate::plans::{Element, SdgLink};
use crate::{Author, Db, Result, StoreError, Tx, audit_in_tx, now, on_db, on_tx};
use chrono::{DateTime, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::letters::{LetterAssignment, LetterContent, LetterGoal, diff, sdg_numbers};
use rodtrad_domain::org::OrgUnitKind;
use rodtrad_domain::plan::{ElementKind, PlanStatus, PlanType};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::types::Json;

/// A letter with its latest issued version's dates.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Letter {
    /// Id.
    pub id: i64,
    /// The unit the letter is to.
    pub unit_id: i64,
    /// The unit's name now.
    pub unit_name: String,
    /// Budget year.
    pub year: i64,
    /// The frame for the next version (exact decimal as text).
    pub frame_amount: Option<String>,
    /// Optimistic-locking version of the frame.
    pub version: i64,
    /// Number of the latest issued version (0: none yet).
    pub latest: i64,
    /// When the latest version was issued.
    pub issued_at: Option<DateTime<Utc>>,
    /// When the latest version's receipt was acknowledged.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged the latest version.
    pub acknowledged_by: Option<String>,
}

impl Letter {
    /// The frame as an exact amount.
    pub fn frame(&self) -> Option<Decimal> {
        self.frame_amount.as_deref().and_then(|f| f.parse().ok())
    }
}

/// One issued version, frozen.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct LetterVersion {
    /// Version number, from 1.
    pub number: i64,
    /// What the letter said.
    pub content: Json<LetterContent>,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Who issued it.
    pub issued_by: String,
    /// When the unit's leader acknowledged receipt.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
}

/// What "issue for every unit" did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IssueSummary {
    /// Units whose first version was issued.
    pub first: Vec<String>,
    /// Units that got a new version because something changed.
    pub reissued: Vec<String>,
    /// Units whose letter says the same as its latest version (nothing issued).
    pub unchanged: Vec<String>,
}

const LETTER_COLUMNS: &str = "l.id, l.unit_id, u.name AS unit_name, l.year, l.frame_amount, l.version,
    COALESCE((SELECT MAX(v.number) FROM assignment_letter_versions v WHERE v.letter_id = l.id), 0) AS latest,
    (SELECT v.issued_at FROM assignment_letter_versions v WHERE v.letter_id = l.id ORDER BY v.number DESC LIMIT 1) AS issued_at,
    (SELECT v.acknowledged_at FROM assignment_letter_versions v WHERE v.letter_id = l.id ORDER BY v.number DESC LIMIT 1) AS acknowledged_at,
    (SELECT v.acknowledged_by FROM assignment_letter_versions v WHERE v.letter_id = l.id ORDER BY v.number DESC LIMIT 1) AS acknowledged_by";

/// The units that get a letter: active service areas, staff units and units, in tree order.
pub fn letter_units(tree: &crate::org::OrgTree, day: chrono::NaiveDate) -> Vec<i64> {
    let mut out = Vec::new();
    let mut stack: Vec<i64> = tree.children(None).iter().rev().copied().collect();
    while let Some(id) = stack.pop() {
        let Some(unit) = tree.get(id) else { continue };
        if !unit.is_valid_on(day) {
            continue;
        }
        if matches!(unit.kind(), OrgUnitKind::ServiceArea | OrgUnitKind::Staff | OrgUnitKind::Unit) {
            out.push(id);
        }
        stack.extend(tree.children(Some(id)).iter().rev().copied());
    }
    out
}

/// The letter of `unit` from an adopted action programme's elements (as adopted) and SDG links:
/// assignments given to the unit or a unit above it (not the municipality as a whole), the goals
/// given to those units, and the goals the assignments serve. The frame and guidance are filled in
/// by the caller.
pub fn letter_content(
    municipality: &str,
    programme: &str,
    year: i32,
    tree: &crate::org::OrgTree,
    unit: i64,
    elements: &[Element],
    links: &[SdgLink],
) -> LetterContent {
    let ancestry: Vec<i64> = tree.ancestry(unit);
    let for_unit = |e: &Element| {
        e.owner_unit_id.is_some_and(|o| {
            ancestry.contains(&o) && tree.get(o).is_some_and(|u| u.kind() != OrgUnitKind::Municipality)
        })
    };
    let by_id: std::collections::HashMap<i64, &Element> = elements.iter().map(|e| (e.id, e)).collect();
    let is_goal = |e: &Element| matches!(e.kind(), ElementKind::MainGoal | ElementKind::SubGoal);
    let goal_above = |e: &Element| {
        let mut p = e.parent_id;
        while let Some(id) = p {
            let parent = by_id.get(&id)?;
            if is_goal(parent) {
                return Some(*parent);
            }
            p = parent.parent_id;
        }
        None
    };
    let assignments: Vec<&Element> =
        elements.iter().filter(|e| e.kind() == ElementKind::Assignment && for_unit(e)).collect();
    let mut goal_ids: Vec<i64> = Vec::new();
    for e in elements {
        let wanted =
            (is_goal(e) && for_unit(e)) || assignments.iter().any(|a| goal_above(a).is_some_and(|g| g.id == e.id));
        if wanted && !goal_ids.contains(&e.id) {
            goal_ids.push(e.id);
        }
    }
    let sdg_of = |e: &Element| {
        let origin = e.source_element_id.unwrap_or(e.id);
        sdg_numbers(links.iter().filter(|l| l.element_id == origin).map(|l| l.target.as_str()))
    };
    let unit_name = |id: Option<i64>| id.and_then(|i| tree.get(i)).map(|u| u.name.clone()).unwrap_or_default();
    LetterContent {
        municipality: municipality.to_owned(),
        unit: unit_name(Some(unit)),
        year,
        programme: programme.to_owned(),
        frame: None,
        goals: goal_ids
            .iter()
            .filter_map(|id| by_id.get(id))
            .map(|e| LetterGoal { id: e.id, text: e.text.clone(), sdg: sdg_of(e) })
            .collect(),
        assignments: assignments
            .iter()
            .map(|a| LetterAssignment {
                id: a.id,
                text: a.text.clone(),
                goal: goal_above(a).map(|g| g.text.clone()),
                expected_result: a.expected_result.clone(),
                deadline: a.deadline,
                given_to: unit_name(a.owner_unit_id),
            })
            .collect(),
        guidance: String::new(),
    }
}

impl Db {
    /// The guidance template's text and version (`("", 0)` before it is first saved).
    pub async fn letter_template(&self, municipality_id: i64) -> Result<(String, i64)> {
        let row: Option<(String, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT body, version FROM letter_templates WHERE municipality_id = $1")
                .bind(municipality_id).fetch_optional(pool).await?
        });
        Ok(row.unwrap_or_default())
    }

    /// Saves the guidance template if `expected_version` is current (0 when none was saved).
    pub async fn letter_template_save(&self, author: &Author, body: &str, expected_version: i64) -> Result<()> {
        rodtrad_domain::letters::check_guidance(body)?;
        let mid = author.municipality_id;
        let mut t = self.begin().await?;
        let ts = now();
        on_tx!(&mut t, tx => {
            let before: Option<(String, i64)> = sqlx::query_as("SELECT body, version FROM letter_templates WHERE municipality_id = $1")
                .bind(mid).fetch_optional(&mut *tx).await?;
            match &before {
                None if expected_version == 0 => {
                    sqlx::query("INSERT INTO letter_templates (municipality_id, body, version, updated_at) VALUES ($1, $2, 1, $3)")
                        .bind(mid).bind(body).bind(ts).execute(&mut *tx).await?;
                }
                Some((_, v)) if *v == expected_version => {
                    sqlx::query("UPDATE letter_templates SET body = $1, version = version + 1, updated_at = $2
                                 WHERE municipality_id = $3 AND version = $4")
                        .bind(body).bind(ts).bind(mid).bind(expected_version).execute(&mut *tx).await?;
                }
                _ => return Err(StoreError::Conflict),
            }
            audit_in_tx!(tx, author, "letter_template", mid, "update",
                before.map(|(b, _)| serde_json::json!({"body": b})), Some(serde_json::json!({"body": body})));
        });
        t.commit().await?;
        Ok(())
    }

    /// The letters of a year, in the order of the organisation tree's names.
    pub async fn letters_of_year(&self, municipality_id: i64, year: i64) -> Result<Vec<Letter>> {
        let sql = format!(
            "SELECT {LETTER_COLUMNS} FROM assignment_letters l JOIN org_units u ON u.id = l.unit_id
             WHERE l.municipality_id = $1 AND l.year = $2 ORDER BY u.name, l.id"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Letter>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(year).fetch_all(pool).await?
        }))
    }

    /// The unit's letter of `year`, if it has one.
    pub async fn letter_of_unit(&self, municipality_id: i64, unit_id: i64, year: i64) -> Result<Option<Letter>> {
        let sql = format!(
            "SELECT {LETTER_COLUMNS} FROM assignment_letters l JOIN org_units u ON u.id = l.unit_id
             WHERE l.municipality_id = $1 AND l.unit_id = $2 AND l.year = $3"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Letter>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(municipality_id).bind(unit_id).bind(year).fetch_optional(pool).await?
        }))
    }

    /// The unit's letters of every year, newest first.
    pub async fn letters_of_unit(&self, municipality_id: i64, unit_id: i64) -> Result<Vec<Letter>> {
        let sql = format!(
            "SELECT {LETTER_COLUMNS} FROM assignment_letters l JOIN org_units u ON u.id = l.unit_id
             WHERE l.municipality_id = $1 AND l.unit_id = $2 ORDER BY l.year DESC"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Letter>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(unit_id).fetch_all(pool).await?
        }))
    }

    /// The years that have letters, newest first.
    pub async fn letter_years(&self, municipality_id: i64) -> Result<Vec<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT DISTINCT year FROM assignment_letters WHERE municipality_id = $1 ORDER BY year DESC")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// One letter of the municipality.
    pub async fn letter(&self, municipality_id: i64, id: i64) -> Result<Letter> {
        let sql = format!(
            "SELECT {LETTER_COLUMNS} FROM assignment_letters l JOIN org_units u ON u.id = l.unit_id
             WHERE l.municipality_id = $1 AND l.id = $2"
        );
        let row: Option<Letter> = on_db!(self, pool => {
            sqlx::query_as::<_, Letter>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// A letter's issued versions, oldest first.
    pub async fn letter_versions(&self, municipality_id: i64, letter_id: i64) -> Result<Vec<LetterVersion>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, LetterVersion>(
                "SELECT number, content, issued_at, issued_by, acknowledged_at, acknowledged_by
                 FROM assignment_letter_versions WHERE municipality_id = $1 AND letter_id = $2 ORDER BY number")
                .bind(municipality_id).bind(letter_id).fetch_all(pool).await?
        }))
    }

    /// The adopted action programme that covers `year` (the latest starting one), as its title and
    /// its elements as adopted with their SDG links; `None` when no adopted programme covers it.
    pub async fn letter_programme(
        &self,
        municipality_id: i64,
        year: i64,
    ) -> Result<Option<(String, Vec<Element>, Vec<SdgLink>)>> {
        let plans = self.plans(municipality_id).await?;
        let programme = plans
            .iter()
            .filter(|p| p.plan_type() == PlanType::ActionProgramme && p.start_year <= year && year <= p.end_year)
            .filter(|p| matches!(p.status(), PlanStatus::Adopted | PlanStatus::UnderRevision))
            .max_by_key(|p| (p.start_year, p.id));
        let Some(p) = programme else { return Ok(None) };
        let Some((elements, links)) = self.adopted_elements(municipality_id, p.id).await? else { return Ok(None) };
        Ok(Some((p.title.clone(), elements, links)))
    }

    /// Issues the letters of `year` for the units in `contents` (frame and guidance are set here):
    /// creates a unit's letter when it has none, and freezes a new version when the content differs
    /// from the latest one (or none exists). Everything in one transaction, with an audit row per
    /// version issued.
    pub async fn letters_issue(
        &self,
        author: &Author,
        year: i64,
        guidance: &str,
        contents: Vec<(i64, LetterContent)>,
    ) -> Result<IssueSummary> {
        let mid = author.municipality_id;
        let mut summary = IssueSummary::default();
        let mut t = self.begin().await?;
        let ts = now();
        for (unit_id, mut content) in contents {
            let (letter_id, frame, latest) = letter_for_update(&mut t, mid, unit_id, year).await?;
            content.frame = frame.as_deref().and_then(|f| f.parse().ok());
            content.guidance = guidance.to_owned();
            let number = match &latest {
                Some((_, old)) if diff(old, &content).is_empty() => {
                    summary.unchanged.push(content.unit.clone());
                    continue;
                }
                Some((n, _)) => {
                    summary.reissued.push(content.unit.clone());
                    n + 1
                }
                None => {
                    summary.first.push(content.unit.clone());
                    1
                }
            };
            on_tx!(&mut t, tx => {
                sqlx::query(
                    "INSERT INTO assignment_letter_versions (municipality_id, letter_id, number, content, issued_at, issued_by)
                     VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(mid).bind(letter_id).bind(number).bind(Json(&content)).bind(ts).bind(&author.name)
                    .execute(&mut *tx).await?;
                audit_in_tx!(tx, author, "assignment_letter", letter_id, "issue", None,
                    Some(serde_json::json!({"unit_id": unit_id, "year": year, "number": number})));
            });
        }
        t.commit().await?;
        Ok(summary)
    }

    /// The unit's letter of `year`, created (without a version) when missing, so its frame can be
    /// set before the first issue.
    pub async fn letter_create(&self, author: &Author, unit_id: i64, year: i64) -> Result<i64> {
        let mid = author.municipality_id;
        if self.org_tree(mid).await?.get(unit_id).is_none() {
            return Err(StoreError::NotFound);
        }
        let mut t = self.begin().await?;
        let (id, _, latest) = letter_for_update(&mut t, mid, unit_id, year).await?;
        if latest.is_none() {
            on_tx!(&mut t, tx => {
                audit_in_tx!(tx, author, "assignment_letter", id, "create", None,
                    Some(serde_json::json!({"unit_id": unit_id, "year": year})));
            });
        }
        t.commit().await?;
        Ok(id)
    }

    /// Sets the frame of the letter's next version if `expected_version` is current.
    pub async fn letter_frame_set(
        &self,
        author: &Author,
        letter_id: i64,
        frame: Option<Decimal>,
        expected_version: i64,
    ) -> Result<()> {
        let mid = author.municipality_id;
        let before = self.letter(mid, letter_id).await?;
        let text = frame.map(|f| f.to_string());
        let mut t = self.begin().await?;
        on_tx!(&mut t, tx => {
            let n = sqlx::query(
                "UPDATE assignment_letters SET frame_amount = $1, version = version + 1, updated_at = $2
                 WHERE municipality_id = $3 AND id = $4 AND version = $5")
                .bind(&text).bind(now()).bind(mid).bind(letter_id).bind(expected_version)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "assignment_letter", letter_id, "frame",
                Some(serde_json::json!({"frame": before.frame_amount})), Some(serde_json::json!({"frame": text})));
        });
        t.commit().await?;
        Ok(())
    }

    /// Records that the unit's leader received version `number` of the letter. Only the latest
    /// version can be acknowledged, and only once; the caller has checked who may.
    pub async fn letter_acknowledge(&self, author: &Author, letter_id: i64, number: i64) -> Result<()> {
        let mid = author.municipality_id;
        let mut t = self.begin().await?;
        on_tx!(&mut t, tx => {
            let latest: Option<(i64, Option<DateTime<Utc>>)> = sqlx::query_as(
                "SELECT number, acknowledged_at FROM assignment_letter_versions
                 WHERE municipality_id = $1 AND letter_id = $2 ORDER BY number DESC LIMIT 1")
                .bind(mid).bind(letter_id).fetch_optional(&mut *tx).await?;
            match latest {
                None => return Err(StoreError::NotFound),
                Some((n, _)) if n != number => return Err(RuleError::new("err-letter-ack-not-latest").into()),
                Some((_, Some(_))) => return Err(RuleError::new("err-letter-ack-done").into()),
                Some(_) => {}
            }
            let n = sqlx::query(
                "UPDATE assignment_letter_versions SET acknowledged_at = $1, acknowledged_by = $2, acknowledged_by_user_id = $3
                 WHERE municipality_id = $4 AND letter_id = $5 AND number = $6 AND acknowledged_at IS NULL")
                .bind(now()).bind(&author.name).bind(author.user_id).bind(mid).bind(letter_id).bind(number)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "assignment_letter", letter_id, "acknowledge", None,
                Some(serde_json::json!({"number": number})));
        });
        t.commit().await?;
        Ok(())
    }
}

/// The unit's letter of `year`, created when missing, with its row locked for this transaction (a
/// no-op update takes the row lock on PostgreSQL; SQLite's writer lock covers the rest): its id,
/// frame and latest version's number and content.
async fn letter_for_update(
    t: &mut Tx,
    mid: i64,
    unit_id: i64,
    year: i64,
) -> Result<(i64, Option<String>, Option<(i64, LetterContent)>)> {
    let ts = now();
    Ok(on_tx!(t, tx => {
        sqlx::query(
            "INSERT INTO assignment_letters (municipality_id, unit_id, year, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (municipality_id, unit_id, year) DO NOTHING")
            .bind(mid).bind(unit_id).bind(year).bind(ts).execute(&mut *tx).await?;
        sqlx::query("UPDATE assignment_letters SET version = version WHERE municipality_id = $1 AND unit_id = $2 AND year = $3")
            .bind(mid).bind(unit_id).bind(year).execute(&mut *tx).await?;
        let (id, frame): (i64, Option<String>) = sqlx::query_as(
            "SELECT id, frame_amount FROM assignment_letters WHERE municipality_id = $1 AND unit_id = $2 AND year = $3")
            .bind(mid).bind(unit_id).bind(year).fetch_one(&mut *tx).await?;
        let latest: Option<(i64, Json<LetterContent>)> = sqlx::query_as(
            "SELECT number, content FROM assignment_letter_versions WHERE letter_id = $1 ORDER BY number DESC LIMIT 1")
            .bind(id).fetch_optional(&mut *tx).await?;
        (id, frame, latest.map(|(n, c)| (n, c.0)))
    }))
}
