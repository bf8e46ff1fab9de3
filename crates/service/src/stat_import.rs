//! Statistics import: a JSON-stat dataset becomes a table, its series and cells; the preview a user
//! sees before anything is written; the run with progress; and fetching saved queries from a
//! PxWebApi on a schedule. Used by the upload pages, the `rodtrad import stats` command and the
//! scheduler alike.

use crate::jobs::JobError;
use rodtrad_domain::regions;
use rodtrad_export::jsonstat::{self, Dataset, JsonStatError};
use rodtrad_store::jobs::Job;
use rodtrad_store::statistics::{Cell, ImportCounts, RowIn, SeriesMeta, TableMeta, Upload};
use rodtrad_store::{Author, Db, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Why a file cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not valid JSON-stat.
    #[error("{0}")]
    Format(JsonStatError),
    /// Valid JSON-stat, but not something that can be stored (message key and arguments).
    #[error("{0}")]
    Unusable(&'static str, String),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl From<JsonStatError> for ImportError {
    /// Text where a cell's number belongs is valid JSON-stat but no statistics this module stores:
    /// that gets its own message, naming the cell and the text, instead of the parser's wording.
    fn from(e: JsonStatError) -> Self {
        match &e.text_value {
            Some(text) => ImportError::Unusable("err-stat-text-value", format!("{} («{text}»)", e.path)),
            None => ImportError::Format(e),
        }
    }
}

/// A dataset made ready for the store.
pub struct Prepared {
    /// The table.
    pub meta: TableMeta,
    /// Its series.
    pub series: Vec<SeriesMeta>,
    /// The dataset the cells come from.
    pub dataset: Dataset,
    /// The regional dimension; `None` for a national table, stored as [`WHOLE_COUNTRY`].
    geo: Option<usize>,
    time: usize,
    /// Dimensions that make up a series, with their sizes.
    others: Vec<(usize, usize)>,
}

/// A dimension in the preview.
#[derive(Debug, Clone, Serialize)]
pub struct DimensionSummary {
    /// Id.
    pub id: String,
    /// Label.
    pub label: String,
    /// `time`, `geo`, `metric` or empty.
    pub role: &'static str,
    /// Number of categories.
    pub size: usize,
    /// The first few category labels.
    pub sample: Vec<String>,
}

/// A region in the preview, with the municipality it belongs to today.
#[derive(Debug, Clone, Serialize)]
pub struct RegionSummary {
    /// Code in the file.
    pub code: String,
    /// Label in the file.
    pub label: String,
    /// Today's code(s) of the territory, when the code is an older municipality number.
    pub current: Vec<String>,
}

/// What the user sees before confirming an import.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// Table id at the source.
    pub source_key: String,
    /// Title.
    pub label: String,
    /// Publisher.
    pub source: Option<String>,
    /// Updated at the source.
    pub updated: Option<String>,
    /// Dimensions.
    pub dimensions: Vec<DimensionSummary>,
    /// Periods, in order.
    pub periods: Vec<String>,
    /// Regions.
    pub regions: Vec<RegionSummary>,
    /// Number of series.
    pub series: usize,
    /// Cells in the file.
    pub cells: usize,
    /// Cells with a figure.
    pub with_value: usize,
    /// Cells without a figure, by status symbol (empty symbol: no status).
    pub missing: Vec<(String, usize)>,
    /// Rows of a sample table: region, period, series, value.
    pub sample: Vec<(String, String, String, String)>,
}

/// SSB's region code for the whole country, under which a table without a regional dimension is
/// stored, so that it is shown as the country line beside the municipality and its peers.
pub const WHOLE_COUNTRY: &str = "0";
/// SSB's label for [`WHOLE_COUNTRY`].
pub const WHOLE_COUNTRY_LABEL: &str = "Hele landet";

/// One dataset's place in the file (a collection or bundle may hold several).
pub fn prepare(dataset: Dataset) -> Result<Prepared, ImportError> {
    // A table without a regional dimension (national figures, common at SSB) is stored as the
    // whole country's series, under SSB's code for it.
    let geo = dataset.geo_dimension();
    let time = dataset.time_dimension().ok_or(ImportError::Unusable("err-stat-no-time", String::new()))?;
    if geo == Some(time) {
        return Err(ImportError::Unusable("err-stat-no-time", String::new()));
    }
    let metric = dataset.metric_dimension();
    let others: Vec<(usize, usize)> = (0..dataset.dimensions.len())
        .filter(|i| Some(*i) != geo && *i != time)
        .map(|i| (i, dataset.dimensions[i].len()))
        .collect();
    let label = dataset.label.clone().unwrap_or_else(|| dataset.table_id().unwrap_or("?").to_owned());
    let source_key = dataset.table_id().map(str::to_owned).unwrap_or_else(|| label.clone());
    let role_of = |i: usize| match i {
        _ if Some(i) == geo => "geo",
        _ if i == time => "time",
        _ if Some(i) == metric => "metric",
        _ => "",
    };
    let dims_json = serde_json::json!(
        dataset
            .dimensions
            .iter()
            .enumerate()
            .map(|(i, d)| serde_json::json!({
                "id": d.id,
                "label": d.label.clone().unwrap_or_else(|| d.id.clone()),
                "role": role_of(i),
                "categories": d.categories.iter().map(|c| serde_json::json!([c.id, c.label])).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>()
    );
    let meta = TableMeta {
        source_key,
        label,
        source: dataset.source.clone(),
        source_updated: dataset.updated.clone(),
        time_dimension: Some(dataset.dimensions[time].id.clone()),
        geo_dimension: geo.map(|g| dataset.dimensions[g].id.clone()),
        metric_dimension: metric.map(|m| dataset.dimensions[m].id.clone()),
        dimensions_json: dims_json.to_string(),
    };
    // Every combination of the other dimensions is a series, in the file's order.
    let count: usize = others.iter().map(|(_, n)| *n).product();
    let mut series = Vec::with_capacity(count);
    let mut choice = vec![0usize; others.len()];
    for _ in 0..count {
        let mut key = Vec::new();
        let mut label = Vec::new();
        let mut unit = None;
        let mut decimals = None;
        for (k, (d, _)) in others.iter().enumerate() {
            let dim = &dataset.dimensions[*d];
            let cat = &dim.categories[choice[k]];
            key.push(format!("{}={}", dim.id, cat.id));
            label.push(cat.label.clone());
            if let Some(u) = &cat.unit {
                unit = u.label.clone().or_else(|| u.symbol.clone()).or(unit);
                decimals = u.decimals.map(i64::from).or(decimals);
            }
        }
        series.push(SeriesMeta {
            key: if key.is_empty() { "-".into() } else { key.join(";") },
            label: if label.is_empty() { meta.label.clone() } else { label.join(", ") },
            unit,
            decimals,
        });
        advance(&mut choice, &others);
    }
    Ok(Prepared { meta, series, dataset, geo, time, others })
}

/// One bit per cell.
struct Mask(Vec<u64>);

impl Mask {
    fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// Steps an odometer over `sizes` (last position fastest).
fn advance(choice: &mut [usize], sizes: &[(usize, usize)]) {
    for k in (0..choice.len()).rev() {
        choice[k] += 1;
        if choice[k] < sizes[k].1 {
            return;
        }
        choice[k] = 0;
    }
}

impl Prepared {
    /// Every series in every region with its cells sorted by period, series by series; rows without
    /// a cell are skipped. Walks the dataset by its strides, so nothing but one row is held.
    pub fn rows(&self) -> impl Iterator<Item = RowIn> + Send + '_ {
        let d = &self.dataset;
        let sizes: Vec<usize> = d.dimensions.iter().map(|x| x.len()).collect();
        // Row-major strides: the last dimension varies fastest.
        let mut strides = vec![1usize; sizes.len()];
        for k in (0..sizes.len().saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * sizes[k + 1];
        }
        let periods = &d.dimensions[self.time].categories;
        // Time categories in period order, so every row comes out sorted.
        let mut order: Vec<usize> = (0..periods.len()).collect();
        order.sort_by(|a, b| periods[*a].id.cmp(&periods[*b].id));
        order.dedup_by(|a, b| periods[*a].id == periods[*b].id);
        let series_count: usize = self.others.iter().map(|(_, n)| *n).product();
        let regions = self.geo.map_or(1, |g| sizes[g]);
        let flagged = self.status_mask();
        (0..series_count * regions).filter_map(move |n| {
            let (series, region) = (n / regions, n % regions);
            // The flat offset of the series' own coordinates (the odometer of `others`, last fastest).
            let mut base = self.geo.map_or(0, |g| region * strides[g]);
            let mut rest = series;
            for (dim, size) in self.others.iter().rev() {
                base += (rest % size) * strides[*dim];
                rest /= size;
            }
            let cells: Vec<Cell> = order
                .iter()
                .filter_map(|t| {
                    let flat = base + t * strides[self.time];
                    let status = if flagged.has(flat) { d.status(flat) } else { None };
                    let value = d.value(flat);
                    (value.is_some() || status.is_some())
                        .then(|| Cell(periods[*t].id.clone(), value, status.map(str::to_owned)))
                })
                .collect();
            (!cells.is_empty()).then(|| RowIn {
                series,
                region: match self.geo {
                    Some(g) => d.dimensions[g].categories[region].id.clone(),
                    None => WHOLE_COUNTRY.to_owned(),
                },
                cells,
            })
        })
    }

    /// Which cells have a status: one bit per cell, so walking a million cells does not search the
    /// (sparse, sorted) status list for each of them.
    fn status_mask(&self) -> Mask {
        let n = self.dataset.cell_count();
        let mut mask = Mask(vec![0; n.div_ceil(64)]);
        for (i, _) in self.dataset.statuses().filter(|(i, _)| *i < n) {
            mask.0[i / 64] |= 1 << (i % 64);
        }
        mask
    }

    /// Number of cells that will be stored: those with a figure, and those with only a status.
    pub fn stored_cells(&self) -> usize {
        let d = &self.dataset;
        d.value_count() + d.statuses().filter(|(i, _)| *i < d.cell_count() && d.value(*i).is_none()).count()
    }

    /// The summary shown before confirming.
    pub fn preview(&self) -> Preview {
        let d = &self.dataset;
        let dimensions = d
            .dimensions
            .iter()
            .enumerate()
            .map(|(i, dim)| DimensionSummary {
                id: dim.id.clone(),
                label: dim.label.clone().unwrap_or_else(|| dim.id.clone()),
                role: if Some(i) == self.geo {
                    "geo"
                } else if i == self.time {
                    "time"
                } else if Some(i) == d.metric_dimension() {
                    "metric"
                } else {
                    ""
                },
                size: dim.len(),
                sample: dim.categories.iter().take(6).map(|c| c.label.clone()).collect(),
            })
            .collect();
        let r = regions::regions();
        let region_list = match self.geo {
            Some(g) => d.dimensions[g]
                .categories
                .iter()
                .map(|c| {
                    let current = if r.is_municipality(&c.id) { r.current_codes(&c.id) } else { Vec::new() };
                    let current = if current == [c.id.clone()] { Vec::new() } else { current };
                    RegionSummary { code: c.id.clone(), label: c.label.clone(), current }
                })
                .collect(),
            None => vec![RegionSummary {
                code: WHOLE_COUNTRY.to_owned(),
                label: WHOLE_COUNTRY_LABEL.to_owned(),
                current: Vec::new(),
            }],
        };
        let mut with_value = 0;
        let mut missing: BTreeMap<String, usize> = BTreeMap::new();
        for i in 0..d.cell_count() {
            if d.value(i).is_some() {
                with_value += 1;
            } else {
                *missing.entry(d.status(i).unwrap_or("").to_owned()).or_default() += 1;
            }
        }
        let sample = self
            .rows()
            .flat_map(|row| {
                let label = &self.series[row.series].label;
                row.cells.into_iter().map(move |Cell(period, value, status)| {
                    let value = value.map(|v| v.to_string()).or(status).unwrap_or_default();
                    (row.region.clone(), period, label.clone(), value)
                })
            })
            .take(12)
            .collect();
        Preview {
            source_key: self.meta.source_key.clone(),
            label: self.meta.label.clone(),
            source: self.meta.source.clone(),
            updated: self.meta.source_updated.clone(),
            dimensions,
            periods: d.dimensions[self.time].categories.iter().map(|c| c.id.clone()).collect(),
            regions: region_list,
            series: self.series.len(),
            cells: d.cell_count(),
            with_value,
            missing: missing.into_iter().collect(),
            sample,
        }
    }
}

/// Reads every dataset of a JSON-stat file and prepares it.
pub fn prepare_all<R: std::io::Read>(reader: R) -> Result<Vec<Prepared>, ImportError> {
    let datasets = jsonstat::read_datasets(reader)?;
    if datasets.is_empty() {
        return Err(ImportError::Unusable("err-stat-empty", String::new()));
    }
    datasets.into_iter().map(prepare).collect()
}

/// Progress of running imports in this process, by import id: cells written so far.
#[derive(Debug, Default, Clone)]
pub struct Progress(Arc<std::sync::Mutex<BTreeMap<i64, Arc<AtomicU64>>>>);

impl Progress {
    /// The counter of an import, created on first use.
    pub fn counter(&self, import_id: i64) -> Arc<AtomicU64> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(import_id).or_default().clone()
    }

    /// Cells written so far by an import running in this process.
    pub fn get(&self, import_id: i64) -> Option<u64> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&import_id).map(|c| c.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Forgets a finished import.
    pub fn finish(&self, import_id: i64) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&import_id);
    }
}

/// Registers an import about to run, so its progress can be shown; returns its id.
pub async fn start(
    db: &Db,
    author: &Author,
    prepared: &Prepared,
    origin: &str,
    file_name: &str,
) -> Result<i64, ImportError> {
    Ok(db.stat_import_begin(author, &prepared.meta, origin, file_name, prepared.stored_cells() as i64).await?)
}

/// Writes a registered import's cells in one transaction; a failure leaves the stored values as
/// they were and the import as it was.
async fn write(
    db: &Db,
    author: &Author,
    import_id: i64,
    prepared: &Prepared,
    progress: &Progress,
) -> Result<ImportCounts, StoreError> {
    let counter = progress.counter(import_id);
    let result =
        db.stat_import_run(author, import_id, &prepared.meta, &prepared.series, &mut prepared.rows(), &counter).await;
    progress.finish(import_id);
    result
}

/// Runs a registered import; a failure is recorded on the import and leaves the stored values as
/// they were.
pub async fn execute(
    db: &Db,
    author: &Author,
    import_id: i64,
    prepared: &Prepared,
    progress: &Progress,
) -> Result<ImportCounts, ImportError> {
    match write(db, author, import_id, prepared, progress).await {
        Ok(counts) => Ok(counts),
        Err(e) => {
            tracing::error!(import_id, error = %e, "statistics import failed");
            db.stat_import_fail(import_id, &e.to_string()).await?;
            Err(e.into())
        }
    }
}

/// A confirmed upload, queued as a job.
#[derive(Debug, Clone)]
pub struct QueuedUpload {
    /// The job that imports it.
    pub job_id: i64,
    /// Its imports, one per dataset in the file.
    pub import_ids: Vec<i64>,
    /// Cells in the file.
    pub cells: usize,
}

/// Queues the import of a previewed upload as a durable job (see [`crate::jobs`]): the file is
/// checked again, an import is registered per dataset and the upload is bound to the job, all in one
/// transaction. The caller runs the job at once or wakes the runner.
pub async fn queue_upload(db: &Db, author: &Author, upload: &Upload) -> Result<QueuedUpload, ImportError> {
    let prepared = prepare_all(upload.body.as_slice())?;
    let imports: Vec<(&TableMeta, i64)> = prepared.iter().map(|p| (&p.meta, p.stored_cells() as i64)).collect();
    let (job_id, import_ids) = db.stat_upload_queue(author, upload, &imports, crate::jobs::kind::STAT_UPLOAD).await?;
    Ok(QueuedUpload { job_id, import_ids, cells: prepared.iter().map(|p| p.dataset.cell_count()).sum() })
}

/// The payload of an upload job.
#[derive(Deserialize)]
struct UploadJob {
    user_id: Option<i64>,
    actor_name: String,
}

/// Runs an upload job: every import of it not yet done, then forgets the file. An attempt after a
/// failure or a restart picks up where the last one stopped, since each import commits whole.
pub(crate) async fn run_upload_job(db: &Db, job: &Job, progress: &Progress) -> Result<(), JobError> {
    let payload: UploadJob = serde_json::from_str(&job.payload).map_err(|e| JobError::Permanent(e.to_string()))?;
    let author = Author { municipality_id: job.municipality_id, user_id: payload.user_id, name: payload.actor_name };
    let (upload, imports) = db.stat_upload_of_job(job.id).await?;
    let Some(upload) = upload else {
        return Err(JobError::Permanent("the uploaded file is no longer stored".into()));
    };
    let prepared = prepare_all(upload.body.as_slice()).map_err(|e| JobError::Permanent(e.to_string()))?;
    if prepared.len() != imports.len() {
        return Err(JobError::Permanent("the uploaded file no longer matches its imports".into()));
    }
    for ((import_id, state), p) in imports.iter().zip(&prepared) {
        if state != "done" {
            write(db, &author, *import_id, p, progress).await?;
        }
    }
    db.stat_upload_delete(upload.id).await?;
    Ok(())
}

/// Records a given-up upload job on its imports and forgets the file.
pub(crate) async fn give_up_upload_job(db: &Db, job: &Job, reason: &str) -> Result<(), StoreError> {
    let (upload, imports) = db.stat_upload_of_job(job.id).await?;
    for (import_id, state) in imports {
        if state != "done" {
            db.stat_import_fail(import_id, reason).await?;
        }
    }
    if let Some(upload) = upload {
        db.stat_upload_delete(upload.id).await?;
    }
    Ok(())
}

/// Registers and runs one prepared dataset's import.
pub async fn run(
    db: &Db,
    author: &Author,
    prepared: &Prepared,
    origin: &str,
    file_name: &str,
    progress: &Progress,
) -> Result<(i64, ImportCounts), ImportError> {
    let import_id = start(db, author, prepared, origin, file_name).await?;
    Ok((import_id, execute(db, author, import_id, prepared, progress).await?))
}

/// A saved query to fetch from a PxWebApi on a schedule.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct FetchSpec {
    /// The municipality (kommunenummer) the statistics are imported for.
    pub municipality: String,
    /// Base URL of the table's data, e.g. `https://data.ssb.no/api/pxwebapi/v2/tables/07459/data`.
    pub url: String,
    /// The saved query: a query string (`lang=no&valueCodes[Region]=3203`) sent with GET, or a JSON
    /// body (starting with `{`) sent with POST, as the older API takes it.
    #[serde(default)]
    pub query: String,
    /// Hours between fetches.
    #[serde(default = "default_every_hours")]
    pub every_hours: u64,
}

fn default_every_hours() -> u64 {
    24
}

impl FetchSpec {
    /// The address fetched, for the import log.
    pub fn address(&self) -> String {
        if self.query.is_empty() || self.query.trim_start().starts_with('{') {
            self.url.clone()
        } else {
            format!("{}?{}", self.url, self.query.trim_start_matches('?'))
        }
    }

    /// Whether the query is due, given when it last ran.
    pub fn due(&self, last_run: Option<chrono::DateTime<chrono::Utc>>, now: chrono::DateTime<chrono::Utc>) -> bool {
        last_run.is_none_or(|t| now - t >= chrono::Duration::hours(self.every_hours.max(1) as i64))
    }
}

/// Fetches a saved query and imports every dataset in the answer.
pub async fn fetch_and_import(
    db: &Db,
    client: &reqwest::Client,
    spec: &FetchSpec,
    progress: &Progress,
) -> Result<Vec<(i64, ImportCounts)>, ImportError> {
    let municipality = db
        .municipality_by_number(&spec.municipality)
        .await?
        .ok_or(ImportError::Unusable("err-municipality-unknown", spec.municipality.clone()))?;
    let author = Author { municipality_id: municipality.id, user_id: None, name: "PxWebApi".into() };
    let request = if spec.query.trim_start().starts_with('{') {
        client.post(&spec.url).header("content-type", "application/json").body(spec.query.clone())
    } else {
        client.get(spec.address())
    };
    let unusable = |e: reqwest::Error| ImportError::Unusable("err-stat-fetch", e.to_string());
    let response = request.send().await.map_err(unusable)?.error_for_status().map_err(unusable)?;
    let body = response.bytes().await.map_err(unusable)?;
    let prepared = prepare_all(body.as_ref())?;
    let mut out = Vec::new();
    for p in &prepared {
        out.push(run(db, &author, p, "fetch", &spec.address(), progress).await?);
    }
    Ok(out)
}

/// Runs every due saved query once; returns how many ran. Errors are logged, not fatal.
pub async fn fetch_due(db: &Db, client: &reqwest::Client, specs: &[FetchSpec], progress: &Progress) -> usize {
    let mut ran = 0;
    for spec in specs {
        let last = match db.stat_last_fetch(&spec.address()).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "statistics fetch: cannot read last run");
                continue;
            }
        };
        if !spec.due(last, chrono::Utc::now()) {
            continue;
        }
        ran += 1;
        match fetch_and_import(db, client, spec, progress).await {
            Ok(runs) => tracing::info!(url = %spec.address(), imports = runs.len(), "statistics fetched"),
            Err(e) => tracing::error!(url = %spec.address(), error = %e, "statistics fetch failed"),
        }
    }
    ran
}

/// The demo statistics: hand-made files in SSB's shapes (see `crates/store/demo/statistics/README.md`).
const DEMO_FILES: [(&str, &[u8], &[i64]); 4] = [
    ("07459-befolkning.json", include_bytes!("../../store/demo/statistics/07459-befolkning.json"), &[11]),
    (
        "12210-andel-80-aar-og-over.json",
        include_bytes!("../../store/demo/statistics/12210-andel-80-aar-og-over.json"),
        &[3],
    ),
    (
        "12971-gjennomforing-vgo-v0.json",
        include_bytes!("../../store/demo/statistics/12971-gjennomforing-vgo-v0.json"),
        &[4],
    ),
    ("13931-klimagassutslipp.json", include_bytes!("../../store/demo/statistics/13931-klimagassutslipp.json"), &[13]),
];

/// Indicators of the demo plans that take their values from a demo series: indicator text, table, series key.
const DEMO_INDICATORS: [(&str, &str, &str); 2] = [
    ("Andel elever som fullfører videregående opplæring", "12971", "ContentsCode=KOSgjennomf0000"),
    (rodtrad_store::demo_plans::EMISSIONS_INDICATOR, "13931", "ContentsCode=Utslipp"),
];

/// Loads the demo statistics into the demo municipality once: tables, peer groups, SDG links and
/// indicators fed from statistics. Returns false when they were already there.
pub async fn load_demo(db: &Db, municipality_id: i64) -> Result<bool, ImportError> {
    if !db.stat_tables(municipality_id).await?.is_empty() {
        return Ok(false);
    }
    let author = Author { municipality_id, user_id: None, name: "Demo".into() };
    let progress = Progress::default();
    for (name, bytes, goals) in DEMO_FILES {
        for p in prepare_all(bytes)? {
            run(db, &author, &p, "demo", name, &progress).await?;
            let table = db.stat_table_by_key(municipality_id, &p.meta.source_key).await?;
            for s in db.stat_series_list(municipality_id, table).await? {
                db.stat_series_set_goals(&author, s.id, goals).await?;
            }
        }
    }
    let neighbours = ["3201".to_owned(), "3301".to_owned()];
    db.peer_group_save(&author, None, "Nabokommuner", "neighbours", &neighbours).await?;
    let large = ["0301".to_owned(), "3201".to_owned(), "3301".to_owned()];
    db.peer_group_save(&author, None, "Store kommuner på Østlandet", "custom", &large).await?;
    let series = db.stat_series_list(municipality_id, None).await?;
    let elements = db.elements_all(municipality_id).await?;
    for (text, table, key) in DEMO_INDICATORS {
        let element =
            elements.iter().find(|e| e.text == text && e.kind() == rodtrad_domain::plan::ElementKind::Indicator);
        let s = series.iter().find(|s| s.source_key == table && s.series_key == key);
        if let (Some(e), Some(s)) = (element, s) {
            db.indicator_source_set(&author, e.id, Some((s.id, "3203".into())), None).await?;
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Time first, unsorted periods, two contents and two regions; cells with a figure, with only a
    /// status, and with neither.
    const FILE: &str = r#"{"version":"2.0","class":"dataset","label":"t","id":["Tid","ContentsCode","Region"],"size":[3,2,2],
      "role":{"time":["Tid"],"geo":["Region"],"metric":["ContentsCode"]},
      "dimension":{"Tid":{"category":{"index":["2021","2019","2020"]}},
                   "ContentsCode":{"category":{"index":["A","B"]}},
                   "Region":{"category":{"index":["3203","0301"]}}},
      "value":[1,2,3,null, 5,6,7,8, null,10,11,12],
      "status":{"3":"..","8":"."}}"#;

    /// A national table as SSB publishes many: time and contents, no region dimension.
    const NATIONAL: &str = r#"{"version":"2.0","class":"dataset","label":"Konsumprisindeksen","id":["ContentsCode","Tid"],
      "size":[2,3],"role":{"time":["Tid"],"metric":["ContentsCode"]},
      "dimension":{"ContentsCode":{"category":{"index":["KPI","Endring"]}},"Tid":{"category":{"index":["2022","2023","2024"]}}},
      "value":[120.5,127.6,131.6,5.8,5.5,3.1]}"#;

    #[test]
    fn a_table_without_regions_is_stored_as_the_whole_country() {
        let p = prepare_all(NATIONAL.as_bytes()).expect("a national table is importable").remove(0);
        assert_eq!(p.meta.geo_dimension, None);
        let rows: Vec<RowIn> = p.rows().collect();
        assert_eq!(rows.len(), 2, "one row per series");
        assert!(
            rows.iter().all(|r| r.region == WHOLE_COUNTRY),
            "{:?}",
            rows.iter().map(|r| &r.region).collect::<Vec<_>>()
        );
        assert_eq!(rows[1].cells[2], Cell("2024".into(), Some(3.1), None));
        assert_eq!(p.stored_cells(), 6);
        let preview = p.preview();
        assert_eq!(preview.regions.len(), 1);
        assert_eq!(preview.regions[0].code, "0");
        assert!(preview.dimensions.iter().all(|d| d.role != "geo"));
    }

    #[test]
    fn text_values_are_refused_naming_the_cell_and_the_text() {
        let text = NATIONAL.replace("127.6", r#""ikke tilgjengelig""#);
        match prepare_all(text.as_bytes()) {
            Err(ImportError::Unusable(key, value)) => {
                assert_eq!(key, "err-stat-text-value");
                assert_eq!(value, "value[1] («ikke tilgjengelig»)");
            }
            Err(e) => panic!("wrong error: {e:?}"),
            Ok(_) => panic!("text values were accepted"),
        }
        let sparse = NATIONAL.replace("[120.5,127.6,131.6,5.8,5.5,3.1]", r#"{"0":1,"4":"n/a"}"#);
        match prepare_all(sparse.as_bytes()) {
            Err(ImportError::Unusable("err-stat-text-value", value)) => assert_eq!(value, "value.4 («n/a»)"),
            other => panic!("wrong answer: {:?}", other.err()),
        }
    }

    fn prepared() -> Prepared {
        let mut sets = jsonstat::read_datasets(FILE.as_bytes()).expect("valid JSON-stat");
        prepare(sets.remove(0)).expect("preparable")
    }

    #[test]
    fn rows_hold_each_series_and_region_sorted_by_period() {
        let p = prepared();
        let rows: Vec<RowIn> = p.rows().collect();
        assert_eq!(rows.len(), 4, "2 contents × 2 regions");
        let key = |r: &RowIn| (p.series[r.series].key.clone(), r.region.clone());
        let a_3203 = rows.iter().find(|r| key(r) == ("ContentsCode=A".into(), "3203".into())).unwrap();
        // Flat index = t*4 + contents*2 + region: 2021 → 0, 2019 → 4, 2020 → 8 (null with ".").
        assert_eq!(
            a_3203.cells,
            vec![
                Cell("2019".into(), Some(5.0), None),
                Cell("2020".into(), None, Some(".".into())),
                Cell("2021".into(), Some(1.0), None),
            ]
        );
        let b_0301 = rows.iter().find(|r| key(r) == ("ContentsCode=B".into(), "0301".into())).unwrap();
        assert_eq!(b_0301.cells[2], Cell("2021".into(), None, Some("..".into())));
        let stored: usize = rows.iter().map(|r| r.cells.len()).sum();
        assert_eq!(stored, p.stored_cells());
    }

    #[test]
    fn rows_agree_with_decoding_every_flat_index() {
        let p = prepared();
        let d = &p.dataset;
        let sizes: Vec<usize> = d.dimensions.iter().map(|x| x.len()).collect();
        let mut expected: BTreeMap<(usize, String), Vec<Cell>> = BTreeMap::new();
        for flat in 0..d.cell_count() {
            let (value, status) = (d.value(flat), d.status(flat));
            if value.is_none() && status.is_none() {
                continue;
            }
            let mut coords = vec![0; sizes.len()];
            let mut rest = flat;
            for k in (0..sizes.len()).rev() {
                coords[k] = rest % sizes[k];
                rest /= sizes[k];
            }
            let series = coords[1];
            let region = d.dimensions[2].categories[coords[2]].id.clone();
            let period = d.dimensions[0].categories[coords[0]].id.clone();
            expected.entry((series, region)).or_default().push(Cell(period, value, status.map(str::to_owned)));
        }
        for v in expected.values_mut() {
            v.sort_by(|a, b| a.0.cmp(&b.0));
        }
        let got: BTreeMap<(usize, String), Vec<Cell>> = p.rows().map(|r| ((r.series, r.region), r.cells)).collect();
        assert_eq!(got, expected);
    }
}
