//! Audits and inspections (*revisjoner og tilsyn*, issue #16 §4) use cases: reading (everyone
//! signed in), registering audits and their findings and closing them (the staff who keep the
//! quality system), following up a finding (whoever edits the audited unit), the yearly management
//! review with the figures it reviews, and the year's figures for the internal-control report.

use crate::ServiceError;
use chrono::NaiveDate;
use rodtrad_domain::audits::{AuditKind, NewAudit, NewFinding, NewReview};
use rodtrad_domain::{Actor, RuleError};
use rodtrad_store::audits::{Audit, Finding};
use rodtrad_store::{Author, Db, StoreError};

/// An audit the actor may read (`NotFound` for another municipality's), with its unit's ancestry.
pub async fn readable(db: &Db, actor: &Actor, id: i64) -> Result<(Audit, Vec<i64>), ServiceError> {
    if !actor.can_read_audits() {
        return Err(ServiceError::Forbidden);
    }
    let a = db.audit(actor.municipality_id, id).await?;
    let line = db.org_tree(actor.municipality_id).await?.ancestry(a.unit_id);
    Ok((a, line))
}

/// Registers an audit of a unit of the municipality. Returns its id.
pub async fn register(db: &Db, (actor, author): (&Actor, &Author), new: &NewAudit) -> Result<i64, ServiceError> {
    if !actor.can_manage_audits() {
        return Err(ServiceError::Forbidden);
    }
    let tree = db.org_tree(actor.municipality_id).await?;
    if tree.get(new.unit_id).is_none() {
        return Err(RuleError::new("err-audit-unit").on("unit_id").into());
    }
    Ok(db.audit_create(author, new).await?)
}

/// Adds a finding to an audit read at `expected_version`; a responsible person outside the
/// municipality is refused on its field.
pub async fn add_finding(
    db: &Db,
    (actor, author): (&Actor, &Author),
    audit: &Audit,
    expected_version: i64,
    new: &NewFinding,
) -> Result<i64, ServiceError> {
    if !actor.can_manage_audits() {
        return Err(ServiceError::Forbidden);
    }
    match db.audit_finding_add(author, audit, expected_version, new).await {
        Err(StoreError::NotFound) => Err(RuleError::new("err-audit-responsible").on("responsible_person_id").into()),
        r => Ok(r?),
    }
}

/// How many of `findings` are open.
pub fn open_findings(findings: &[Finding]) -> usize {
    findings.iter().filter(|f| f.closed_on.is_none()).count()
}

/// The figures a year's management review and internal-control report are given: audits held in
/// the year by kind, their findings, how many are open and how many are late.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearFigures {
    /// Audits held per kind, in [`AuditKind::ALL`] order.
    pub audits: Vec<(AuditKind, usize)>,
    /// Findings of those audits.
    pub findings: usize,
    /// Of them still open.
    pub open: usize,
    /// Of the open, past their deadline on `today`.
    pub late: usize,
}

/// The year's figures of audits and findings.
pub async fn year_figures(db: &Db, actor: &Actor, year: i32, today: NaiveDate) -> Result<YearFigures, ServiceError> {
    if !actor.can_read_audits() {
        return Err(ServiceError::Forbidden);
    }
    let mid = actor.municipality_id;
    let audits = db.audits(mid, Some(year)).await?;
    let findings: Vec<Finding> =
        db.audit_findings(mid, None).await?.into_iter().filter(|f| audits.iter().any(|a| a.id == f.audit_id)).collect();
    Ok(YearFigures {
        audits: AuditKind::ALL.iter().map(|k| (*k, audits.iter().filter(|a| a.kind == *k).count())).collect(),
        findings: findings.len(),
        open: open_findings(&findings),
        late: findings.iter().filter(|f| f.late(today)).count(),
    })
}

/// Saves the management review of a year: the first, or a change of the one read at
/// `expected_version`.
pub async fn save_review(
    db: &Db,
    (actor, author): (&Actor, &Author),
    year: i32,
    expected_version: Option<i64>,
    new: &NewReview,
) -> Result<i64, ServiceError> {
    if !actor.can_manage_audits() {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.review_save(author, year, expected_version, new).await?)
}
