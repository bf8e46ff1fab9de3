//! Leadership agreements (*lederavtaler*): who may read them, starting one for a unit and year with
//! the parties the organisation names, saving, signing in order, starting a new version, the plan
//! elements a leader can commit to, and the agreement as a PDF.

use std::sync::OnceLock;

use crate::ServiceError;
use rodtrad_domain::agreements::{Signer, has_agreements};
use rodtrad_domain::{Actor, RuleError};
use rodtrad_export::pdf::{PRELUDE, PdfTemplate};
use rodtrad_store::agreements::{Agreement, AgreementVersion, Draft, NewAgreement, Saved};
use rodtrad_store::org::OrgTree;
use rodtrad_store::plans::Element;
use rodtrad_store::{Author, Db, StoreError};

/// The years an agreement can be made for.
pub const YEARS: std::ops::RangeInclusive<i64> = 2000..=2100;

/// Whether `actor` may read `agreement` ([`Actor::can_read_agreement`]).
pub fn may_read(actor: &Actor, tree: &OrgTree, agreement: &Agreement) -> bool {
    actor.can_read_agreement(
        agreement.leader_person_id,
        agreement.superior_person_id,
        &tree.ancestry(agreement.unit_id),
    )
}

/// Whether `actor` is one of the two parties of `agreement`.
pub fn is_party(actor: &Actor, agreement: &Agreement) -> bool {
    actor.is_agreement_party(agreement.leader_person_id, agreement.superior_person_id)
}

/// The parties an agreement of `unit` has now: the unit's leader and the leader of the unit above.
/// A unit that has no agreements (a service area, a staff unit), or a missing leader on either side,
/// is refused with a message.
pub fn parties(tree: &OrgTree, unit: i64, year: i64) -> Result<NewAgreement, ServiceError> {
    let u = tree.get(unit).ok_or(StoreError::NotFound)?;
    if !has_agreements(u.kind()) {
        return Err(ServiceError::Rule(RuleError::new("err-agreement-unit-kind").on("unit_id")));
    }
    if !YEARS.contains(&year) {
        return Err(ServiceError::Rule(RuleError::new("err-agreement-year").on("year")));
    }
    let leader = u
        .leader_person_id
        .ok_or_else(|| ServiceError::Rule(RuleError::new("err-agreement-no-leader").on("unit_id")))?;
    let above = u.parent_id.and_then(|p| tree.get(p)).ok_or(StoreError::NotFound)?;
    let superior = above
        .leader_person_id
        .ok_or_else(|| ServiceError::Rule(RuleError::new("err-agreement-no-superior").on("unit_id")))?;
    Ok(NewAgreement {
        unit_id: unit,
        year,
        leader_person_id: leader,
        superior_unit_id: above.id,
        superior_person_id: superior,
    })
}

/// The units whose agreements `actor` may start: the units they lead that have agreements (as the
/// leader), and those directly below the units they lead (as the superior).
pub fn units_to_start(actor: &Actor, tree: &OrgTree) -> Vec<i64> {
    let Some(person) = actor.person_id else { return Vec::new() };
    tree.units()
        .iter()
        .filter(|u| has_agreements(u.kind()) && u.valid_to.is_none())
        .filter(|u| {
            u.leader_person_id == Some(person)
                || u.parent_id.and_then(|p| tree.get(p)).is_some_and(|p| p.leader_person_id == Some(person))
        })
        .map(|u| u.id)
        .collect()
}

/// Starts the agreement of `unit` and `year`, or finds the one that exists: one of the two parties
/// only (403 for anyone else). Returns its id.
pub async fn start(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    unit: i64,
    year: i64,
) -> Result<i64, ServiceError> {
    let new = parties(tree, unit, year)?;
    if !actor.is_agreement_party(new.leader_person_id, new.superior_person_id) {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.agreement_create(author, &new).await?.0)
}

/// Saves the latest version with the development points given one per entry (the parties only; a signed version is frozen, see
/// [`rodtrad_store::Db::agreement_save`]).
pub async fn save(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    agreement: &Agreement,
    expected_version: i64,
    draft: Draft,
) -> Result<Saved, ServiceError> {
    if !is_party(actor, agreement) {
        return Err(ServiceError::Forbidden);
    }
    let ancestry = tree.ancestry(agreement.unit_id);
    let draft = Draft {
        development_points: draft
            .development_points
            .into_iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        authority: draft.authority.trim().to_owned(),
        element_ids: draft.element_ids,
    };
    Ok(db.agreement_save(author, agreement.id, expected_version, &ancestry, draft).await?)
}

/// Signs the latest version: the leader first, then the superior; anyone else is refused with
/// `err-agreement-not-party` and nothing changes.
pub async fn sign(
    db: &Db,
    (actor, author): (&Actor, &Author),
    agreement: &Agreement,
    expected_version: i64,
) -> Result<Signer, ServiceError> {
    let is_leader = actor.person_id == Some(agreement.leader_person_id);
    let is_superior = actor.person_id == Some(agreement.superior_person_id);
    if !is_leader && !is_superior {
        return Err(ServiceError::Rule(RuleError::new("err-agreement-not-party")));
    }
    Ok(db.agreement_sign(author, agreement.id, expected_version, is_leader, is_superior).await?)
}

/// Starts the next version of a signed agreement (the parties only).
pub async fn new_version(
    db: &Db,
    (actor, author): (&Actor, &Author),
    agreement: &Agreement,
    expected_version: i64,
) -> Result<i64, ServiceError> {
    if !is_party(actor, agreement) {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.agreement_new_version(author, agreement.id, expected_version).await?)
}

/// The plan elements the leader of `agreement` can commit to, grouped by plan (title), in plan
/// order: see [`rodtrad_domain::agreements::eligible`].
pub async fn candidates(
    db: &Db,
    tree: &OrgTree,
    agreement: &Agreement,
) -> Result<Vec<(String, Vec<Element>)>, ServiceError> {
    let mid = tree.get(agreement.unit_id).map(|u| u.municipality_id).ok_or(StoreError::NotFound)?;
    Ok(db.agreement_candidates(mid, agreement.year, &tree.ancestry(agreement.unit_id)).await?)
}

/// The words of the PDF that are not content, in the reader's language.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PdfLabels {
    /// "Lederavtale".
    pub title: String,
    /// "Side".
    pub page: String,
    /// "av".
    pub of: String,
    /// "Leder".
    pub leader: String,
    /// "Overordnet leder".
    pub superior: String,
    /// "Mål, oppdrag og tiltak".
    pub items: String,
    /// "Personlige utviklingspunkter".
    pub development: String,
    /// "Delegert myndighet".
    pub authority: String,
    /// "Signaturer".
    pub signatures: String,
    /// "Ikke signert".
    pub unsigned: String,
    /// "Versjon".
    pub version: String,
    /// "Ingen" (an empty list).
    pub none: String,
    /// Element kind names by code.
    pub kinds: serde_json::Value,
}

const AGREEMENT_TEMPLATE: &str = r#"#import sys: inputs
#set document(title: inputs.labels.title + " " + inputs.unit)
#set page(paper: "a4", margin: (x: 2.4cm, y: 2.4cm), footer: page-footer(inputs.labels.page, inputs.labels.of))
#set text(lang: "nb", size: 11pt)
#set par(justify: false)
#text(size: 10pt, inputs.municipality) #h(1fr) #text(size: 10pt, inputs.labels.version + " " + str(inputs.number))
#v(1.2em)
#text(size: 18pt, weight: "bold", inputs.labels.title + " " + str(inputs.year) + " – " + inputs.unit)
#v(0.6em)
#grid(columns: (auto, 1fr), gutter: 0.6em,
  text(weight: "bold", inputs.labels.leader + ":"), inputs.leader + " (" + inputs.unit + ")",
  text(weight: "bold", inputs.labels.superior + ":"), inputs.superior + " (" + inputs.superior_unit + ")",
)
#heading(level: 2, inputs.labels.items)
#if inputs.items.len() == 0 [#inputs.labels.none]
#for i in inputs.items [
  - #text(style: "italic", i.kind): #i.text
]
#heading(level: 2, inputs.labels.development)
#if inputs.development_points.len() == 0 [#inputs.labels.none]
#for p in inputs.development_points [
  - #p
]
#heading(level: 2, inputs.labels.authority)
#if inputs.authority == "" [#inputs.labels.none] else [#inputs.authority]
#heading(level: 2, inputs.labels.signatures)
#grid(columns: (auto, 1fr), gutter: 0.6em,
  text(weight: "bold", inputs.labels.leader + ":"), inputs.leader_signed,
  text(weight: "bold", inputs.labels.superior + ":"), inputs.superior_signed,
)
"#;

/// Version `version` of `agreement` as a PDF. `municipality` is the municipality's name and
/// `datetime` writes a signature's time as the reader writes it.
pub fn agreement_pdf(
    municipality: &str,
    agreement: &Agreement,
    version: &AgreementVersion,
    labels: &PdfLabels,
    datetime: impl Fn(chrono::DateTime<chrono::Utc>) -> String,
) -> Result<Vec<u8>, String> {
    static TEMPLATE: OnceLock<PdfTemplate> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let source: &'static str = Box::leak(format!("{PRELUDE}\n{AGREEMENT_TEMPLATE}").into_boxed_str());
        PdfTemplate::new(source)
    });
    let signed = |at: Option<chrono::DateTime<chrono::Utc>>, by: &Option<String>| match at {
        Some(at) => format!("{}, {}", by.clone().unwrap_or_default(), datetime(at)),
        None => labels.unsigned.clone(),
    };
    let content = &version.content.0;
    let items: Vec<serde_json::Value> = content
        .items
        .iter()
        .map(|i| {
            let kind = labels.kinds.get(&i.kind).and_then(|k| k.as_str()).unwrap_or(&i.kind).to_owned();
            serde_json::json!({"kind": kind, "text": i.text})
        })
        .collect();
    let data = serde_json::json!({
        "municipality": municipality,
        "unit": agreement.unit_name,
        "superior_unit": agreement.superior_unit_name,
        "leader": agreement.leader_name,
        "superior": agreement.superior_name,
        "year": agreement.year,
        "number": version.number,
        "items": items,
        "development_points": content.development_points,
        "authority": content.authority,
        "leader_signed": signed(version.leader_signed_at, &version.leader_signed_by),
        "superior_signed": signed(version.superior_signed_at, &version.superior_signed_by),
        "labels": labels,
    });
    template.render(&data).map_err(|e| e.to_string())
}
