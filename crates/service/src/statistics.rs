//! Statistics read models: a series for the municipality beside its peers, county and country,
//! harmonised across municipality-number changes, and its peer ranking. Shared by the series page,
//! its CSV/XLSX/JSON-stat exports, the SDG dashboard and the indicator page.

use crate::ServiceError;
use rodtrad_domain::regions::{self, HarmonisedPoint, RegionChange};
use rodtrad_store::statistics::{PeerGroup, StatSeries, StatTable};
use rodtrad_store::{Db, StoreError};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// A dimension of a stored table, from its JSON.
#[derive(Deserialize)]
pub struct StoredDimension {
    /// Id.
    pub id: String,
    /// Label.
    pub label: String,
    /// `time`, `geo`, `metric` or empty.
    pub role: String,
    /// Categories: code and label.
    pub categories: Vec<(String, String)>,
}

/// The dimensions of a stored table.
pub fn dimensions(table: &StatTable) -> Vec<StoredDimension> {
    serde_json::from_str(&table.dimensions_json).unwrap_or_default()
}

/// Region labels from the table's geography dimension.
pub fn region_labels(table: &StatTable) -> BTreeMap<String, String> {
    dimensions(table).into_iter().filter(|d| d.role == "geo").flat_map(|d| d.categories).collect()
}

/// Today's code of the municipality itself.
pub async fn home_code(db: &Db, municipality_id: i64) -> Result<String, StoreError> {
    let number = db.municipality(municipality_id).await?.number;
    Ok(regions::regions().current_codes(&number).into_iter().next().unwrap_or(number))
}

/// One line of a comparison.
pub struct CompareRow {
    /// Today's code.
    pub code: String,
    /// Name.
    pub label: String,
    /// `home`, `peer`, `county` or `country`.
    pub kind: &'static str,
    /// The harmonised series, one point per period of the comparison.
    pub points: Vec<Option<HarmonisedPoint>>,
}

impl CompareRow {
    /// Renumberings in the row's series (no break), for the notes: period, old code, new code.
    pub fn renumberings(&self) -> Vec<(String, String, String)> {
        self.points
            .iter()
            .flatten()
            .filter_map(|p| match &p.change {
                Some(RegionChange::Renumbered { from }) => {
                    Some((p.period.clone(), from.clone(), p.code.clone().unwrap_or_default()))
                }
                _ => None,
            })
            .collect()
    }

    /// The value in period `i`, if any.
    pub fn value(&self, i: usize) -> Option<f64> {
        self.points.get(i)?.as_ref()?.value
    }
}

/// A series for the municipality beside its peers.
pub struct Comparison {
    /// The series.
    pub series: StatSeries,
    /// Periods in order.
    pub periods: Vec<String>,
    /// Lines: the municipality first.
    pub rows: Vec<CompareRow>,
    /// The peer group used.
    pub group: Option<PeerGroup>,
}

impl Comparison {
    /// The municipality's line.
    pub fn home(&self) -> &CompareRow {
        &self.rows[0]
    }

    /// The municipality's latest known value: period and value.
    pub fn latest(&self) -> Option<(String, f64)> {
        self.home().points.iter().flatten().filter_map(|p| Some((p.period.clone(), p.value?))).next_back()
    }

    /// The municipality's place among itself and its peers in its latest period, counted from the
    /// highest value: `(rank, of)`; `None` without a latest value or without a peer with a value.
    pub fn peer_rank(&self) -> Option<(usize, usize)> {
        let (period, value) = self.latest()?;
        let i = self.periods.iter().position(|p| *p == period)?;
        let values: Vec<f64> =
            self.rows.iter().filter(|r| matches!(r.kind, "home" | "peer")).filter_map(|r| r.value(i)).collect();
        (values.len() > 1).then(|| (values.iter().filter(|v| **v > value).count() + 1, values.len()))
    }
}

/// The comparison of series `series_id` of the municipality with peer group `group_id` (the first
/// group when `None`), the county and the country where the table has them. `NotFound` for a
/// series or group of another municipality.
pub async fn comparison(
    db: &Db,
    municipality_id: i64,
    series_id: i64,
    group_id: Option<i64>,
) -> Result<Comparison, ServiceError> {
    let mid = municipality_id;
    let series = db.stat_series(mid, series_id).await?;
    let table = db.stat_table(mid, series.table_id).await?;
    let labels = region_labels(&table);
    let observations = db.stat_observations(series.id).await?;
    let home = home_code(db, mid).await?;
    let groups = db.peer_groups(mid).await?;
    let chosen = match group_id {
        Some(g) => Some(groups.iter().find(|(pg, _)| pg.id == g).cloned().ok_or(StoreError::NotFound)?),
        None => groups.first().cloned(),
    };
    let present: BTreeSet<&str> = observations.iter().map(|o| o.region.as_str()).collect();
    let r = regions::regions();
    let mut wanted: Vec<(String, &'static str)> = vec![(home.clone(), "home")];
    for code in chosen.iter().flat_map(|(_, m)| m.iter()) {
        let current = r.current_codes(code).into_iter().next().unwrap_or_else(|| code.clone());
        if !wanted.iter().any(|(c, _)| *c == current) {
            wanted.push((current, "peer"));
        }
    }
    let county = home.get(..2).unwrap_or_default().to_owned();
    if present.contains(county.as_str()) {
        wanted.push((county, "county"));
    }
    if present.contains("0") {
        wanted.push(("0".into(), "country"));
    }
    let periods: Vec<String> =
        observations.iter().map(|o| o.period.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let rows = wanted
        .into_iter()
        .map(|(code, kind)| {
            let points = regions::harmonise(r, &code, &observations);
            let by_period: BTreeMap<&str, &HarmonisedPoint> = points.iter().map(|p| (p.period.as_str(), p)).collect();
            let label = labels
                .get(&code)
                .cloned()
                .or_else(|| r.name(&code, None).map(str::to_owned))
                .unwrap_or_else(|| code.clone());
            CompareRow {
                points: periods.iter().map(|p| by_period.get(p.as_str()).map(|x| (*x).clone())).collect(),
                code,
                label,
                kind,
            }
        })
        .collect();
    Ok(Comparison { series, periods, rows, group: chosen.map(|(g, _)| g) })
}
