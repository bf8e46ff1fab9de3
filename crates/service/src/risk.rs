//! Risk management (*risikostyring*, issue #16 §1) use cases: a risk analysis (ROS) made per unit
//! and year, its summary and its risks added, edited and removed by whoever edits the unit
//! (`Actor::can_edit_risk`), a risk accepted by a leader in the unit's line at the level its band
//! requires and until an expiry (`domain::risk::check_acceptance`), the municipality's matrix
//! changed by the management staff; and the read model: the risk picture of a unit's subtree or
//! of the whole municipality, aggregated up the organisation (`domain::risk::aggregate`), with the
//! heat map and the significant risks reported to authority level 1.

use crate::ServiceError;
use chrono::NaiveDate;
use rodtrad_domain::followup::Hierarchy;
use rodtrad_domain::risk::{
    Band, HeatMap, Matrix, RiskItem, RiskPoint, RiskTally, TEXT_MAX, aggregate, check_acceptance,
};
use rodtrad_domain::{Actor, RuleError};
use rodtrad_store::org::OrgTree;
use rodtrad_store::risk::{Analysis, StoredRisk};
use rodtrad_store::{Author, Db, StoreError};

/// The unit's ancestry (the unit first), `NotFound` for a unit outside the municipality.
fn ancestry(tree: &OrgTree, unit_id: i64) -> Result<Vec<i64>, ServiceError> {
    if tree.get(unit_id).is_none() {
        return Err(StoreError::NotFound.into());
    }
    Ok(tree.ancestry(unit_id))
}

/// An analysis the actor may read, with its unit's ancestry (`NotFound` for another
/// municipality's, `Forbidden` for one outside the actor's reach).
pub async fn readable_analysis(db: &Db, actor: &Actor, id: i64) -> Result<(Analysis, Vec<i64>), ServiceError> {
    let analysis = db.risk_analysis(actor.municipality_id, id).await?;
    let tree = db.org_tree(actor.municipality_id).await?;
    let line = ancestry(&tree, analysis.unit_id)?;
    if !actor.can_read_risk(&line) {
        return Err(ServiceError::Forbidden);
    }
    Ok((analysis, line))
}

/// An analysis the actor may edit, with its unit's ancestry.
pub async fn editable_analysis(db: &Db, actor: &Actor, id: i64) -> Result<(Analysis, Vec<i64>), ServiceError> {
    let analysis = db.risk_analysis(actor.municipality_id, id).await?;
    let tree = db.org_tree(actor.municipality_id).await?;
    let line = ancestry(&tree, analysis.unit_id)?;
    if !actor.can_edit_risk(&line) {
        return Err(ServiceError::Forbidden);
    }
    Ok((analysis, line))
}

/// Makes the analysis of `unit_id` for `year`. Another of the same unit and year is the rule
/// error `err-risk-analysis-exists`.
pub async fn create_analysis(
    db: &Db,
    (actor, author): (&Actor, &Author),
    unit_id: i64,
    year: i32,
) -> Result<i64, ServiceError> {
    let tree = db.org_tree(actor.municipality_id).await?;
    if !actor.can_edit_risk(&ancestry(&tree, unit_id)?) {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.risk_analysis_create(author, unit_id, year, "").await?)
}

/// Parses an analysis year (2000–2100).
pub fn parse_year(raw: &str) -> Result<i32, RuleError> {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| RuleError::new("err-risk-year").with("value", raw.trim().to_owned()).on("year"))
}

/// Saves an analysis's summary at `expected_version`; returns the new version.
pub async fn save_summary(
    db: &Db,
    (actor, author): (&Actor, &Author),
    id: i64,
    expected_version: i64,
    summary: &str,
) -> Result<i64, ServiceError> {
    editable_analysis(db, actor, id).await?;
    let summary = summary.trim();
    if summary.chars().count() > TEXT_MAX {
        return Err(ServiceError::Rule(
            RuleError::new("err-risk-text-long").with("max", TEXT_MAX.to_string()).on("summary"),
        ));
    }
    Ok(db.risk_analysis_save(author, id, expected_version, summary).await?)
}

/// Adds (`id` `None`), saves or removes (`input` `None`) a risk of an analysis, the item already
/// parsed against the municipality's matrix (`RiskItemDraft::parse`); the store checks its levels
/// against the matrix again inside the transaction. Returns the id and the new version.
pub async fn save_risk(
    db: &Db,
    (actor, author): (&Actor, &Author),
    analysis_id: i64,
    id: Option<i64>,
    expected_version: i64,
    input: Option<(&RiskItem, &[i64])>,
) -> Result<(i64, i64), ServiceError> {
    editable_analysis(db, actor, analysis_id).await?;
    Ok(db.risk_item_save(author, analysis_id, id, expected_version, input).await?)
}

/// Accepts a risk read at `expected_version` until `expires_on` (as typed): the actor must edit the
/// analysis (else `Forbidden`), and the rules then want a leader in the unit's line at the level
/// the risk's band requires and an expiry after `today`. `Ok(Err(rules))` names every broken rule
/// with nothing changed; `Ok(Ok(version))` is the new version.
pub async fn accept(
    db: &Db,
    (actor, author): (&Actor, &Author),
    risk_id: i64,
    expected_version: i64,
    expires_on: &str,
    today: NaiveDate,
) -> Result<Result<i64, Vec<RuleError>>, ServiceError> {
    let (analysis, risk) = db.risk_item(actor.municipality_id, risk_id).await?;
    let (_, line) = editable_analysis(db, actor, analysis.id).await?;
    if risk.version != expected_version {
        return Err(StoreError::Conflict.into());
    }
    let matrix = db.risk_matrix(actor.municipality_id).await?.matrix;
    let band = risk.item.band(&matrix);
    match check_acceptance(band, actor.risk_acceptor_level(&line), expires_on, today) {
        Ok(acceptance) => Ok(Ok(db.risk_accept(author, risk_id, expected_version, &acceptance).await?)),
        Err(rules) => Ok(Err(rules)),
    }
}

/// Saves the municipality's matrix (the management staff and system administrators).
pub async fn save_matrix(
    db: &Db,
    (actor, author): (&Actor, &Author),
    expected_version: i64,
    matrix: &Matrix,
) -> Result<i64, ServiceError> {
    if !actor.can_manage_risk_matrix() {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.risk_matrix_save(author, expected_version, matrix).await?)
}

/// Whether an acceptance covers a risk on `today` in its band now.
pub fn accepted(risk: &StoredRisk, matrix: &Matrix, today: NaiveDate) -> bool {
    risk.acceptance.as_ref().is_some_and(|a| a.acceptance.holds(risk.item.band(matrix), today))
}

/// A unit's line of the risk picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitTally {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Depth below the picture's top (0 for the top).
    pub depth: usize,
    /// Its risks and those of every unit below it.
    pub tally: RiskTally,
}

/// A significant risk (high or critical), reported up to authority level 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignificantRisk {
    /// The analysed unit's name.
    pub unit: String,
    /// The risk.
    pub risk: StoredRisk,
    /// Its current score.
    pub score: u16,
    /// Its band.
    pub band: Band,
    /// Whether an acceptance covers it today.
    pub accepted: bool,
}

/// The risk picture of a year: of one unit's subtree, or of the whole municipality.
#[derive(Debug, Clone)]
pub struct Picture {
    /// The matrix in force.
    pub matrix: Matrix,
    /// Current assessments per cell, over the subtree.
    pub heat_map: HeatMap,
    /// All risks of the subtree.
    pub total: RiskTally,
    /// The units with risks in their subtree (the top always), depth first.
    pub units: Vec<UnitTally>,
    /// The significant risks whose analysis the actor may read, highest score first.
    pub significant: Vec<SignificantRisk>,
}

/// The risk picture of `year` below `top` (`None`: every root of the municipality). Those who
/// read the picture get the figures of the whole subtree; the list of significant risks shows only
/// those in analyses they may read.
pub async fn picture(
    db: &Db,
    actor: &Actor,
    year: i32,
    top: Option<i64>,
    today: NaiveDate,
) -> Result<Picture, ServiceError> {
    if !actor.can_read_risk_picture() {
        return Err(ServiceError::Forbidden);
    }
    let mid = actor.municipality_id;
    let tree = db.org_tree(mid).await?;
    let roots: Vec<i64> = match top {
        Some(unit) => {
            ancestry(&tree, unit)?;
            vec![unit]
        }
        None => tree.children(None).to_vec(),
    };
    let matrix = db.risk_matrix(mid).await?.matrix;
    let pairs: Vec<(i64, Option<i64>)> = tree.units().iter().map(|u| (u.id, u.parent_id)).collect();
    let hierarchy = Hierarchy::new(&pairs);
    let levels = db.risk_levels(mid, year).await?;
    let mut in_scope = std::collections::HashSet::new();
    let mut order: Vec<(i64, usize)> = Vec::new();
    for root in &roots {
        let base = tree.ancestry(*root).len();
        for id in tree.subtree(*root) {
            in_scope.insert(id);
            order.push((id, tree.ancestry(id).len() - base));
        }
    }
    let mut points = Vec::new();
    let mut cells = Vec::new();
    for l in &levels {
        let (Some(unit), Some(a)) = (hierarchy.index(l.unit_id), matrix.assessment(l.likelihood, l.consequence)) else {
            continue;
        };
        let score = a.score();
        points.push(RiskPoint { unit, score, band: matrix.band(score) });
        if in_scope.contains(&l.unit_id) {
            cells.push(a);
        }
    }
    let tallies = aggregate(&hierarchy, &points);
    let tally_of = |id: i64| hierarchy.index(id).map(|i| tallies[i as usize]).unwrap_or_default();
    let mut total = RiskTally::default();
    for root in &roots {
        let t = tally_of(*root);
        for (a, b) in total.by_band.iter_mut().zip(t.by_band) {
            *a += b;
        }
        total.highest = total.highest.max(t.highest);
    }
    let units = order
        .into_iter()
        .filter_map(|(id, depth)| {
            let tally = tally_of(id);
            let name = tree.get(id)?.name.clone();
            (depth == 0 || tally.total() > 0).then_some(UnitTally { unit_id: id, name, depth, tally })
        })
        .collect();
    let analyses = db.risk_analyses(mid, Some(year)).await?;
    let mut significant = Vec::new();
    for risk in db.risk_items_of_year(mid, year).await? {
        let score = risk.item.current.score();
        let band = matrix.band(score);
        let Some(analysis) = analyses.iter().find(|a| a.id == risk.analysis_id) else { continue };
        if !band.is_significant()
            || !in_scope.contains(&analysis.unit_id)
            || !actor.can_read_risk(&tree.ancestry(analysis.unit_id))
        {
            continue;
        }
        let unit = tree.name(analysis.unit_id);
        let accepted = accepted(&risk, &matrix, today);
        significant.push(SignificantRisk { unit, risk, score, band, accepted });
    }
    significant.sort_by(|a, b| b.score.cmp(&a.score).then(a.unit.cmp(&b.unit)).then(a.risk.id.cmp(&b.risk.id)));
    let heat_map = matrix.heat_map(cells);
    Ok(Picture { matrix, heat_map, total, units, significant })
}
