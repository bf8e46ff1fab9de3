//! The in-memory shape of JSON-stat responses: datasets with compactly stored cells.

use super::error::JsonStatError;

/// A whole JSON-stat response, by its class.
// One response is read at a time and matched at once, so boxing the dataset would only cost an indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// A JSON-stat 2.0 `dataset`.
    Dataset(Dataset),
    /// A JSON-stat 2.0 `collection` (a list of links, maybe with embedded datasets).
    Collection(Collection),
    /// A JSON-stat 2.0 `dimension` on its own.
    Dimension(Dimension),
    /// A JSON-stat 1.x bundle: an object whose keys name datasets (SSB's older API).
    Bundle(Vec<Dataset>),
}

/// A JSON-stat 2.0 collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// The collection's label.
    pub label: Option<String>,
    /// Where the collection lives.
    pub href: Option<String>,
    /// When it was last updated (as given, usually ISO 8601).
    pub updated: Option<String>,
    /// The `link.item` entries in their order.
    pub items: Vec<CollectionItem>,
}

/// One `link.item` entry of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionItem {
    /// The class of the linked response: `dataset`, `dimension` or `collection`.
    pub class: String,
    /// Where the item can be fetched.
    pub href: Option<String>,
    /// The item's label.
    pub label: Option<String>,
    /// The dataset itself when the collection embeds it.
    pub dataset: Option<Dataset>,
}

/// Roles of dimensions: ids of the time, geographic and metric dimensions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    /// Dimension ids with role `time`.
    pub time: Vec<String>,
    /// Dimension ids with role `geo`.
    pub geo: Vec<String>,
    /// Dimension ids with role `metric`.
    pub metric: Vec<String>,
}

/// One dimension with its categories in index order.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// The dimension's id (its key in `dimension`).
    pub id: String,
    /// The dimension's label.
    pub label: Option<String>,
    /// Notes on the dimension.
    pub note: Vec<String>,
    /// The categories in `category.index` order.
    pub categories: Vec<Category>,
    /// The dimension's `extension`, kept as-is.
    pub extension: Option<serde_json::Value>,
}

impl Dimension {
    /// The position and category with this id.
    pub fn category(&self, id: &str) -> Option<(usize, &Category)> {
        self.categories.iter().enumerate().find(|(_, c)| c.id == id)
    }

    /// The number of categories (the dimension's size).
    pub fn len(&self) -> usize {
        self.categories.len()
    }

    /// Whether the dimension has no categories (then the dataset has no cells).
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }
}

/// One category of a dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    /// The category's id.
    pub id: String,
    /// The category's label, or its id when the input gives none.
    pub label: String,
    /// The unit, for categories of a metric dimension.
    pub unit: Option<Unit>,
    /// Ids of the child categories (`category.child`).
    pub children: Vec<String>,
    /// Ids of the categories that list this one as a child, in the order they appear. A hierarchy
    /// is a directed acyclic graph, not a tree: json-stat.org's own OECD sample lists Austria under
    /// both EU15 and OECD.
    pub parents: Vec<String>,
    /// Notes on the category.
    pub note: Vec<String>,
}

impl Category {
    /// A category with only an id and a label.
    pub fn new(id: impl Into<String>, label: impl Into<String>) -> Category {
        Category {
            id: id.into(),
            label: label.into(),
            unit: None,
            children: Vec::new(),
            parents: Vec::new(),
            note: Vec::new(),
        }
    }
}

/// The unit of measure of a metric category.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unit {
    /// The unit's label (e.g. "prosent").
    pub label: Option<String>,
    /// The unit's symbol (e.g. "%").
    pub symbol: Option<String>,
    /// Where the symbol goes: `start` or `end`.
    pub position: Option<String>,
    /// Number of decimals the values are meant to be shown with.
    pub decimals: Option<u32>,
    /// The base unit (SSB writes e.g. "personer", "prosent" here).
    pub base: Option<String>,
}

/// Cell values: dense with NaN for a missing value, or sparse (sorted flat index, value).
#[derive(Debug, Clone)]
pub(crate) enum Values {
    Dense(Vec<f64>),
    Sparse(Vec<(usize, f64)>),
}

/// Cell statuses: none, one for every cell, or per cell sorted by flat index.
#[derive(Debug, Clone)]
pub(crate) enum Statuses {
    None,
    All(String),
    Cells(Vec<(usize, String)>),
}

/// A JSON-stat dataset: dimensions, and a value and a status per cell.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The 1.x bundle key, or the table id (`extension.px.tableid`) when known.
    pub id: Option<String>,
    /// The dataset's label.
    pub label: Option<String>,
    /// Who published the figures.
    pub source: Option<String>,
    /// When the figures were last updated (as given, usually ISO 8601).
    pub updated: Option<String>,
    /// Where the dataset can be fetched.
    pub href: Option<String>,
    /// Notes on the dataset.
    pub note: Vec<String>,
    /// The dataset's `extension`, kept as-is.
    pub extension: Option<serde_json::Value>,
    /// The dimensions in the dataset's `id` order.
    pub dimensions: Vec<Dimension>,
    /// Which dimensions are time, geography and metric.
    pub role: Roles,
    pub(crate) values: Values,
    pub(crate) statuses: Statuses,
}

impl PartialEq for Dataset {
    fn eq(&self, other: &Dataset) -> bool {
        self.id == other.id
            && self.label == other.label
            && self.source == other.source
            && self.updated == other.updated
            && self.href == other.href
            && self.note == other.note
            && self.extension == other.extension
            && self.dimensions == other.dimensions
            && self.role == other.role
            && (0..self.cell_count())
                .all(|i| same_value(self.value(i), other.value(i)) && self.status(i) == other.status(i))
    }
}

fn same_value(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b || a.to_bits() == b.to_bits(),
        (None, None) => true,
        _ => false,
    }
}

/// The product of sizes, or None when it overflows.
pub(crate) fn checked_product(sizes: impl IntoIterator<Item = usize>) -> Option<usize> {
    sizes.into_iter().try_fold(1usize, |acc, s| acc.checked_mul(s))
}

impl Dataset {
    /// Builds a dataset for export; `values` has one entry per cell in row-major order, `statuses` are
    /// (flat index, status) pairs.
    pub fn new(
        label: Option<String>,
        dimensions: Vec<Dimension>,
        values: Vec<Option<f64>>,
        statuses: Vec<(usize, String)>,
    ) -> Result<Dataset, JsonStatError> {
        let cells = checked_product(dimensions.iter().map(Dimension::len))
            .ok_or_else(|| JsonStatError::new("size", "the product of the dimension sizes overflows"))?;
        if values.len() != cells {
            return Err(JsonStatError::new(
                "value",
                format!("{} values given, but the dimension sizes multiply to {cells}", values.len()),
            ));
        }
        for (i, d) in dimensions.iter().enumerate() {
            if dimensions[..i].iter().any(|e| e.id == d.id) {
                return Err(JsonStatError::new("id", format!("dimension id {:?} appears twice", d.id)));
            }
        }
        let values = Values::Dense(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect());
        let statuses = cell_statuses(statuses, cells, "status")?;
        Ok(Dataset {
            id: None,
            label,
            source: None,
            updated: None,
            href: None,
            note: Vec::new(),
            extension: None,
            dimensions,
            role: Roles::default(),
            values,
            statuses,
        })
    }

    /// The number of cells: the product of the dimension sizes.
    pub fn cell_count(&self) -> usize {
        // Checked when the dataset was made.
        self.dimensions.iter().map(Dimension::len).product()
    }

    /// The value of a cell by flat index; None when missing (null) or out of range.
    pub fn value(&self, flat: usize) -> Option<f64> {
        match &self.values {
            Values::Dense(v) => v.get(flat).copied().filter(|v| !v.is_nan()),
            Values::Sparse(v) => v.binary_search_by_key(&flat, |(i, _)| *i).ok().map(|i| v[i].1),
        }
    }

    /// Every cell's value in flat index order.
    pub fn values(&self) -> impl Iterator<Item = Option<f64>> + '_ {
        (0..self.cell_count()).map(|i| self.value(i))
    }

    /// The number of cells that have a value.
    pub fn value_count(&self) -> usize {
        match &self.values {
            Values::Dense(v) => v.iter().filter(|v| !v.is_nan()).count(),
            Values::Sparse(v) => v.len(),
        }
    }

    /// The status of a cell by flat index (e.g. SSB's "." or ".."), if any.
    pub fn status(&self, flat: usize) -> Option<&str> {
        match &self.statuses {
            Statuses::None => None,
            Statuses::All(s) => (flat < self.cell_count()).then_some(s.as_str()),
            Statuses::Cells(v) => v.binary_search_by_key(&flat, |(i, _)| *i).ok().map(|i| v[i].1.as_str()),
        }
    }

    /// Every (flat index, status) pair, in flat index order.
    pub fn statuses(&self) -> Box<dyn Iterator<Item = (usize, &str)> + '_> {
        match &self.statuses {
            Statuses::None => Box::new(std::iter::empty()),
            Statuses::All(s) => Box::new((0..self.cell_count()).map(move |i| (i, s.as_str()))),
            Statuses::Cells(v) => Box::new(v.iter().map(|(i, s)| (*i, s.as_str()))),
        }
    }

    /// The flat index of the cell at these category positions: row-major, last dimension fastest.
    /// Panics when `coords` does not have one in-range position per dimension (a caller's bug).
    pub fn flat_index(&self, coords: &[usize]) -> usize {
        assert_eq!(coords.len(), self.dimensions.len(), "one coordinate per dimension");
        self.dimensions.iter().zip(coords).fold(0, |acc, (d, &c)| {
            assert!(c < d.len(), "coordinate {c} out of range for dimension {}", d.id);
            acc * d.len() + c
        })
    }

    /// The category positions of the cell with this flat index (the inverse of `flat_index`).
    pub fn coords(&self, flat: usize) -> Vec<usize> {
        let mut coords = vec![0; self.dimensions.len()];
        let mut rest = flat;
        for (i, d) in self.dimensions.iter().enumerate().rev() {
            let n = d.len().max(1);
            coords[i] = rest % n;
            rest /= n;
        }
        coords
    }

    /// The position and dimension with this id.
    pub fn dimension(&self, id: &str) -> Option<(usize, &Dimension)> {
        self.dimensions.iter().enumerate().find(|(_, d)| d.id == id)
    }

    /// The statistics table's id: SSB PxWebApi's `extension.px.tableid`, else `id`.
    pub fn table_id(&self) -> Option<&str> {
        self.extension
            .as_ref()
            .and_then(|e| e.get("px"))
            .and_then(|px| px.get("tableid"))
            .and_then(|t| t.as_str())
            .or(self.id.as_deref())
    }

    /// The position of the time dimension: by `role`, else SSB's `Tid`.
    pub fn time_dimension(&self) -> Option<usize> {
        self.role_dimension(&self.role.time, &["Tid", "tid", "Time", "time", "Year", "year", "År", "år"])
    }

    /// The position of the geographic dimension: by `role`, else SSB's `Region`.
    pub fn geo_dimension(&self) -> Option<usize> {
        self.role_dimension(&self.role.geo, &["Region", "region", "geo", "Geo"])
    }

    /// The position of the metric dimension: by `role`, else SSB's `ContentsCode`.
    pub fn metric_dimension(&self) -> Option<usize> {
        self.role_dimension(&self.role.metric, &["ContentsCode", "contentscode", "metric", "Metric"])
    }

    fn role_dimension(&self, by_role: &[String], fallback: &[&str]) -> Option<usize> {
        match by_role.first() {
            Some(id) => self.dimension(id).map(|(i, _)| i),
            None => fallback.iter().find_map(|id| self.dimension(id).map(|(i, _)| i)),
        }
    }
}

/// Sorts per-cell statuses and checks their indexes.
pub(crate) fn cell_statuses(
    mut statuses: Vec<(usize, String)>,
    cells: usize,
    path: &str,
) -> Result<Statuses, JsonStatError> {
    if statuses.is_empty() {
        return Ok(Statuses::None);
    }
    statuses.sort_by_key(|(i, _)| *i);
    if let Some(w) = statuses.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(JsonStatError::new(path, format!("two statuses for cell {}", w[0].0)));
    }
    if let Some((i, _)) = statuses.last().filter(|(i, _)| *i >= cells) {
        return Err(JsonStatError::new(path, format!("status for cell {i}, but the dataset has {cells} cells")));
    }
    Ok(Statuses::Cells(statuses))
}
