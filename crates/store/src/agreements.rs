//! Leadership agreements (*lederavtaler*): one per unit and year between the unit's leader and the
//! leader above, and its versions. The latest version is worked on until both parties have signed
//! it; a signed version is frozen and a change makes the next version.
//!
//! The audit rows of agreements name the agreement, the version and what was done, never the
//! content: the audit log is read by people who may not read agreements (personal data).

use crate::plans::Element;
use crate::{Author, Db, Result, StoreError, Tx, audit_in_tx, now, on_db, on_tx};
use chrono::{DateTime, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::agreements::{AgreementContent, CommittedItem, Placement, Signatures, Signer, eligible};
use rodtrad_domain::plan::{ElementKind, PlanType};
use serde::Serialize;
use sqlx::types::Json;

/// An agreement with its parties and its latest version's signatures.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Agreement {
    /// Id.
    pub id: i64,
    /// The unit the leader leads.
    pub unit_id: i64,
    /// Its name now.
    pub unit_name: String,
    /// The year.
    pub year: i64,
    /// The leader (person).
    pub leader_person_id: i64,
    /// The leader's name.
    pub leader_name: String,
    /// The unit above, whose leader is the superior.
    pub superior_unit_id: i64,
    /// Its name now.
    pub superior_unit_name: String,
    /// The superior leader (person).
    pub superior_person_id: i64,
    /// The superior's name.
    pub superior_name: String,
    /// Optimistic-locking version: every change and signature bumps it.
    pub version: i64,
    /// The latest version's number.
    pub latest: i64,
    /// When the leader signed the latest version.
    pub leader_signed_at: Option<DateTime<Utc>>,
    /// When the superior signed the latest version.
    pub superior_signed_at: Option<DateTime<Utc>>,
}

impl Agreement {
    /// The latest version's signatures.
    pub fn signatures(&self) -> Signatures {
        Signatures { leader: self.leader_signed_at.is_some(), superior: self.superior_signed_at.is_some() }
    }
}

/// One version of an agreement.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AgreementVersion {
    /// Number, from 1.
    pub number: i64,
    /// What it says.
    pub content: Json<AgreementContent>,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// When the leader signed.
    pub leader_signed_at: Option<DateTime<Utc>>,
    /// Who signed as leader.
    pub leader_signed_by: Option<String>,
    /// When the superior signed.
    pub superior_signed_at: Option<DateTime<Utc>>,
    /// Who signed as superior.
    pub superior_signed_by: Option<String>,
}

impl AgreementVersion {
    /// Its signatures.
    pub fn signatures(&self) -> Signatures {
        Signatures { leader: self.leader_signed_at.is_some(), superior: self.superior_signed_at.is_some() }
    }
}

/// A new agreement: the unit and year, and the two parties as the organisation has them now.
#[derive(Debug, Clone)]
pub struct NewAgreement {
    /// The leader's unit.
    pub unit_id: i64,
    /// The year.
    pub year: i64,
    /// The leader.
    pub leader_person_id: i64,
    /// The unit above.
    pub superior_unit_id: i64,
    /// Its leader.
    pub superior_person_id: i64,
}

/// What a save of a version's content submits: the elements picked (ids), the development points
/// and the delegated authority.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// The goal elements the leader commits to.
    pub element_ids: Vec<i64>,
    /// Development points, one text each.
    pub development_points: Vec<String>,
    /// The delegated authority in words.
    pub authority: String,
}

/// What a save did beyond saving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// The draft was changed.
    Draft,
    /// The draft had the leader's signature, which the change withdrew: the leader signs again.
    SignatureWithdrawn,
}

const AGREEMENT_COLUMNS: &str = "a.id, a.unit_id, u.name AS unit_name, a.year, a.leader_person_id,
    lp.name AS leader_name, a.superior_unit_id, su.name AS superior_unit_name, a.superior_person_id,
    sp.name AS superior_name, a.version, v.number AS latest, v.leader_signed_at, v.superior_signed_at";

const AGREEMENT_FROM: &str = "leadership_agreements a
    JOIN org_units u ON u.id = a.unit_id
    JOIN org_units su ON su.id = a.superior_unit_id
    JOIN people lp ON lp.id = a.leader_person_id
    JOIN people sp ON sp.id = a.superior_person_id
    JOIN leadership_agreement_versions v ON v.agreement_id = a.id
        AND v.number = (SELECT MAX(x.number) FROM leadership_agreement_versions x WHERE x.agreement_id = a.id)";

const VERSION_COLUMNS: &str = "number, content, created_at, updated_at, leader_signed_at, leader_signed_by,
    superior_signed_at, superior_signed_by";

impl Db {
    /// The plan elements the leader of the unit with `ancestry` (the unit first) can commit to in
    /// the agreement of `year` ([`eligible`]), grouped by plan (its title), in plan order.
    pub async fn agreement_candidates(
        &self,
        municipality_id: i64,
        year: i64,
        ancestry: &[i64],
    ) -> Result<Vec<(String, Vec<Element>)>> {
        let plans = self.plans(municipality_id).await?;
        let elements = self.elements_all(municipality_id).await?;
        let mut out: Vec<(String, Vec<Element>)> = Vec::new();
        for plan in &plans {
            let picked: Vec<Element> = elements
                .iter()
                .filter(|e| e.plan_id == plan.id)
                .filter(|e| {
                    let p = Placement {
                        kind: e.kind,
                        plan_type: plan.plan_type(),
                        start_year: plan.start_year,
                        end_year: plan.end_year,
                        plan_owner: plan.owner_unit_id,
                        element_owner: e.owner_unit_id,
                    };
                    eligible(&p, year, ancestry)
                })
                .cloned()
                .collect();
            if !picked.is_empty() {
                out.push((plan.title.clone(), picked));
            }
        }
        Ok(out)
    }

    /// The municipality's agreements (of one year, or all), by year (newest first) and unit name.
    pub async fn agreements(&self, municipality_id: i64, year: Option<i64>) -> Result<Vec<Agreement>> {
        let sql = format!(
            "SELECT {AGREEMENT_COLUMNS} FROM {AGREEMENT_FROM}
             WHERE a.municipality_id = $1 AND ($2 IS NULL OR a.year = $2) ORDER BY a.year DESC, u.name, a.id"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Agreement>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(year).fetch_all(pool).await?
        }))
    }

    /// One agreement of the municipality.
    pub async fn agreement(&self, municipality_id: i64, id: i64) -> Result<Agreement> {
        let sql =
            format!("SELECT {AGREEMENT_COLUMNS} FROM {AGREEMENT_FROM} WHERE a.municipality_id = $1 AND a.id = $2");
        let row: Option<Agreement> = on_db!(self, pool => {
            sqlx::query_as::<_, Agreement>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// An agreement's versions, oldest first.
    pub async fn agreement_versions(&self, municipality_id: i64, id: i64) -> Result<Vec<AgreementVersion>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM leadership_agreement_versions
             WHERE municipality_id = $1 AND agreement_id = $2 ORDER BY number"
        );
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, AgreementVersion>(sqlx::AssertSqlSafe(sql.clone())).bind(municipality_id).bind(id).fetch_all(pool).await?
        }))
    }

    /// Creates the agreement of a unit and year with an empty first version, or finds the one that
    /// exists (two parties starting it at once get the same agreement). Returns its id and whether
    /// it was created. The caller has checked the parties against the organisation.
    pub async fn agreement_create(&self, author: &Author, new: &NewAgreement) -> Result<(i64, bool)> {
        let mid = author.municipality_id;
        let ts = now();
        let mut t = self.begin().await?;
        let created = on_tx!(&mut t, tx => {
            let n = sqlx::query(
                "INSERT INTO leadership_agreements (municipality_id, unit_id, year, leader_person_id, superior_unit_id,
                    superior_person_id, version, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) ON CONFLICT (municipality_id, unit_id, year) DO NOTHING")
                .bind(mid).bind(new.unit_id).bind(new.year).bind(new.leader_person_id).bind(new.superior_unit_id)
                .bind(new.superior_person_id).bind(ts).execute(&mut *tx).await?.rows_affected();
            n == 1
        });
        let id: i64 = on_tx!(&mut t, tx => {
            sqlx::query_scalar("SELECT id FROM leadership_agreements WHERE municipality_id = $1 AND unit_id = $2 AND year = $3")
                .bind(mid).bind(new.unit_id).bind(new.year).fetch_one(&mut *tx).await?
        });
        if created {
            on_tx!(&mut t, tx => {
                sqlx::query(
                    "INSERT INTO leadership_agreement_versions (municipality_id, agreement_id, number, content, created_at, updated_at)
                     VALUES ($1, $2, 1, $3, $4, $4)")
                    .bind(mid).bind(id).bind(Json(AgreementContent::default())).bind(ts).execute(&mut *tx).await?;
                audit_in_tx!(tx, author, "leadership_agreement", id, "create", None, Some(serde_json::json!({
                    "unit_id": new.unit_id, "year": new.year, "leader_person_id": new.leader_person_id,
                    "superior_person_id": new.superior_person_id
                })));
            });
        }
        t.commit().await?;
        Ok((id, created))
    }

    /// Saves the latest version's content if `expected_version` is current (409 otherwise). The
    /// elements are looked up inside the transaction: each must be a goal, assignment or measure the
    /// leader can commit to ([`eligible`]), and its text now goes into the version. A version both
    /// parties signed is frozen (`err-agreement-frozen`); a change to one only the leader signed
    /// withdraws that signature.
    pub async fn agreement_save(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        ancestry: &[i64],
        draft: Draft,
    ) -> Result<Saved> {
        let mid = author.municipality_id;
        let mut t = self.begin().await?;
        let (year, number, signatures) = lock(&mut t, mid, id, expected_version).await?;
        if signatures.complete() {
            return Err(RuleError::new("err-agreement-frozen").into());
        }
        let mut items = Vec::new();
        for element in &draft.element_ids {
            if items.iter().any(|i: &CommittedItem| i.element_id == *element) {
                continue;
            }
            let item = committable_item(&mut t, mid, *element, year, ancestry).await?.ok_or_else(|| {
                RuleError::new("err-agreement-item-unknown").with("id", element.to_string()).on("items")
            })?;
            items.push(item);
        }
        let content =
            AgreementContent { items, development_points: draft.development_points, authority: draft.authority };
        content.check()?;
        let ts = now();
        on_tx!(&mut t, tx => {
            sqlx::query(
                "UPDATE leadership_agreement_versions SET content = $1, updated_at = $2, leader_signed_at = NULL,
                    leader_signed_by = NULL
                 WHERE agreement_id = $3 AND number = $4")
                .bind(Json(&content)).bind(ts).bind(id).bind(number).execute(&mut *tx).await?;
            audit_in_tx!(tx, author, "leadership_agreement", id, "update", None, Some(serde_json::json!({
                "number": number, "items": content.items.len(),
                "development_points": content.development_points.len(),
                "leader_signature_withdrawn": signatures.leader
            })));
        });
        t.commit().await?;
        Ok(if signatures.leader { Saved::SignatureWithdrawn } else { Saved::Draft })
    }

    /// Starts the next version of a signed agreement as a copy of the signed one, if
    /// `expected_version` is current. Refused while the latest version is not signed by both
    /// (`err-agreement-draft-open`). Returns the new version's number.
    pub async fn agreement_new_version(&self, author: &Author, id: i64, expected_version: i64) -> Result<i64> {
        let mid = author.municipality_id;
        let mut t = self.begin().await?;
        let (_, number, signatures) = lock(&mut t, mid, id, expected_version).await?;
        if !signatures.complete() {
            return Err(RuleError::new("err-agreement-draft-open").into());
        }
        let ts = now();
        on_tx!(&mut t, tx => {
            let content: Json<AgreementContent> = sqlx::query_scalar(
                "SELECT content FROM leadership_agreement_versions WHERE agreement_id = $1 AND number = $2")
                .bind(id).bind(number).fetch_one(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO leadership_agreement_versions (municipality_id, agreement_id, number, content, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)")
                .bind(mid).bind(id).bind(number + 1).bind(content).bind(ts).execute(&mut *tx).await?;
            audit_in_tx!(tx, author, "leadership_agreement", id, "new_version", None,
                Some(serde_json::json!({"number": number + 1})));
        });
        t.commit().await?;
        Ok(number + 1)
    }

    /// Signs the latest version as leader or superior, if `expected_version` is current. The order
    /// is checked here, inside the transaction ([`Signatures::next`]): `is_leader` and
    /// `is_superior` say which parties the signer is. Returns who signed.
    pub async fn agreement_sign(
        &self,
        author: &Author,
        id: i64,
        expected_version: i64,
        is_leader: bool,
        is_superior: bool,
    ) -> Result<Signer> {
        let mid = author.municipality_id;
        let mut t = self.begin().await?;
        let (_, number, signatures) = lock(&mut t, mid, id, expected_version).await?;
        let signer = signatures.next(is_leader, is_superior)?;
        let ts = now();
        let (sql, role) = match signer {
            Signer::Leader => (
                "UPDATE leadership_agreement_versions SET leader_signed_at = $1, leader_signed_by = $2
                 WHERE agreement_id = $3 AND number = $4 AND leader_signed_at IS NULL",
                "leader",
            ),
            Signer::Superior => (
                "UPDATE leadership_agreement_versions SET superior_signed_at = $1, superior_signed_by = $2
                 WHERE agreement_id = $3 AND number = $4 AND superior_signed_at IS NULL AND leader_signed_at IS NOT NULL",
                "superior",
            ),
        };
        on_tx!(&mut t, tx => {
            let n = sqlx::query(sql).bind(ts).bind(&author.name).bind(id).bind(number).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            audit_in_tx!(tx, author, "leadership_agreement", id, "sign", None,
                Some(serde_json::json!({"number": number, "as": role})));
        });
        t.commit().await?;
        Ok(signer)
    }
}

/// Takes the agreement's row for this transaction by bumping its version if it is
/// `expected_version` (409 otherwise; 404 for an unknown id), and returns its year and the latest
/// version's number and signatures.
async fn lock(t: &mut Tx, mid: i64, id: i64, expected_version: i64) -> Result<(i64, i64, Signatures)> {
    let ts = now();
    Ok(on_tx!(t, tx => {
        let n = sqlx::query(
            "UPDATE leadership_agreements SET version = version + 1, updated_at = $1
             WHERE municipality_id = $2 AND id = $3 AND version = $4")
            .bind(ts).bind(mid).bind(id).bind(expected_version).execute(&mut *tx).await?.rows_affected();
        if n == 0 {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM leadership_agreements WHERE municipality_id = $1 AND id = $2")
                .bind(mid).bind(id).fetch_optional(&mut *tx).await?;
            return Err(if exists.is_some() { StoreError::Conflict } else { StoreError::NotFound });
        }
        let year: i64 = sqlx::query_scalar("SELECT year FROM leadership_agreements WHERE id = $1")
            .bind(id).fetch_one(&mut *tx).await?;
        let (number, leader, superior): (i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT number, leader_signed_at, superior_signed_at FROM leadership_agreement_versions
             WHERE agreement_id = $1 ORDER BY number DESC LIMIT 1")
            .bind(id).fetch_one(&mut *tx).await?;
        (year, number, Signatures { leader: leader.is_some(), superior: superior.is_some() })
    }))
}

/// The element as an item of the agreement of `year` for the unit with `ancestry`, or `None` when it
/// is unknown, removed, of another municipality or not [`eligible`].
async fn committable_item(
    t: &mut Tx,
    mid: i64,
    element: i64,
    year: i64,
    ancestry: &[i64],
) -> Result<Option<CommittedItem>> {
    type Row = (String, String, Option<i64>, String, i64, i64, Option<i64>);
    let row: Option<Row> = on_tx!(t, tx => {
        sqlx::query_as(
            "SELECT e.kind, COALESCE(s.text, e.text), e.owner_unit_id, pl.plan_type, pl.start_year, pl.end_year, pl.owner_unit_id
             FROM goal_elements e JOIN plans pl ON pl.id = e.plan_id
             LEFT JOIN goal_elements s ON s.id = e.source_element_id
             WHERE e.municipality_id = $1 AND e.id = $2 AND e.removed_at IS NULL")
            .bind(mid).bind(element).fetch_optional(&mut *tx).await?
    });
    let Some((kind, text, element_owner, plan_type, start_year, end_year, plan_owner)) = row else { return Ok(None) };
    let (Ok(kind), Ok(plan_type)) = (ElementKind::parse(&kind), PlanType::parse(&plan_type)) else { return Ok(None) };
    let placement = Placement { kind, plan_type, start_year, end_year, plan_owner, element_owner };
    Ok(eligible(&placement, year, ancestry).then(|| CommittedItem {
        element_id: element,
        kind: kind.code().to_owned(),
        text,
    }))
}
