//! Statistics (*bærekraftstatistikk*): imported tables, series and values with the history of every
//! change, uploads waiting for confirmation, peer groups, SDG links, and indicator values fed from
//! statistics series.
//!
//! A series is stored as one row per region (`stat_cells`) holding its cells as a JSON array sorted by
//! period, because it is always read and written whole. An import writes all its rows in one
//! transaction: it reads the table's existing rows once, merges each incoming row in memory (counting
//! what is new, recording every revised figure in `stat_value_changes`) and writes only the rows that
//! changed, in a few multi-row statements.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db, on_tx};
use chrono::{DateTime, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::regions::{self, HarmonisedPoint, Observation, period_year};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Inside the open transaction `$tx`: rewrites the statistics-fed values of every indicator whose
/// source matches `$filter` (SQL on `indicator_sources s` and `stat_tables t`, with `$2` bound to
/// `$key`) from its series, harmonised across municipality-number changes. Manual values and targets
/// are left alone. Running in the caller's transaction means an import or a new source and the
/// indicator values it feeds are committed together or not at all.
macro_rules! refresh_indicators_in_tx {
    ($tx:ident, $author:expr, $filter:literal, $key:expr) => {{
        let author: &Author = $author;
        let mid = author.municipality_id;
        let sources: Vec<(i64, i64, String, i64, String, String)> = sqlx::query_as(concat!(
            "SELECT s.element_id, s.series_id, s.region, t.id, t.label, t.source_key
             FROM indicator_sources s JOIN stat_series se ON se.id = s.series_id JOIN stat_tables t ON t.id = se.table_id
             WHERE s.municipality_id = $1 AND ", $filter, " ORDER BY s.element_id"))
            .bind(mid).bind($key).fetch_all(&mut *$tx).await?;
        let ts = now();
        for (element_id, series_id, region, table_id, table_label, source_key) in sources {
            let rows: Vec<(String, String)> = sqlx::query_as("SELECT region, cells FROM stat_cells WHERE series_id = $1")
                .bind(series_id).fetch_all(&mut *$tx).await?;
            let points: Vec<HarmonisedPoint> = regions::harmonise(regions::regions(), &region, &observations(rows)?);
            let last_import: Option<(i64, DateTime<Utc>)> = sqlx::query_as(
                "SELECT id, started_at FROM stat_imports WHERE municipality_id = $1 AND table_id = $2 AND state = 'done'
                 ORDER BY id DESC LIMIT 1")
                .bind(mid).bind(table_id).fetch_optional(&mut *$tx).await?;
            let label = format!(
                "{table_label} ({source_key}){}",
                last_import.as_ref().map(|(_, at)| format!(", {}", at.format("%Y-%m-%d"))).unwrap_or_default()
            );
            let import_id = last_import.map(|(id, _)| id);
            let mut written = 0i64;
            for p in points.iter().filter(|p| p.code.is_some()) {
                written += sqlx::query(
                    "INSERT INTO indicator_values (municipality_id, element_id, period, kind, value, status, origin, stat_import_id, source_label, updated_at)
                     VALUES ($1, $2, $3, 'actual', $4, $5, 'statistics', $6, $7, $8)
                     ON CONFLICT (element_id, period, kind) DO UPDATE SET value = excluded.value, status = excluded.status,
                        stat_import_id = excluded.stat_import_id, source_label = excluded.source_label, updated_at = excluded.updated_at,
                        version = indicator_values.version + 1
                     WHERE indicator_values.origin = 'statistics'
                       AND (indicator_values.value IS DISTINCT FROM excluded.value OR indicator_values.status IS DISTINCT FROM excluded.status
                            OR indicator_values.source_label IS DISTINCT FROM excluded.source_label)")
                    .bind(mid).bind(element_id).bind(&p.period).bind(p.value).bind(&p.status).bind(import_id).bind(&label).bind(ts)
                    .execute(&mut *$tx).await?.rows_affected() as i64;
            }
            if written > 0 {
                audit_in_tx!($tx, author, "indicator_values", element_id, "update", None,
                    Some(serde_json::json!({"series_id": series_id, "region": region, "periods_written": written})));
            }
        }
    }};
}

/// Stored rows (region, cells) as observations sorted by period and region; periods without a
/// leading year are skipped.
fn observations(rows: Vec<(String, String)>) -> Result<Vec<Observation>> {
    let mut out = Vec::new();
    for (region, cells) in rows {
        for Cell(period, value, status) in decode_cells(&cells)? {
            if let Some(year) = period_year(&period) {
                out.push(Observation { region: region.clone(), period, year, value, status });
            }
        }
    }
    out.sort_by(|a, b| a.period.cmp(&b.period).then_with(|| a.region.cmp(&b.region)));
    Ok(out)
}

fn decode_cells(json: &str) -> Result<Vec<Cell>> {
    serde_json::from_str(json).map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Database(sqlx::Error::Encode(Box::new(e))))
}

/// Rows per multi-row `INSERT … VALUES` (four parameters each, positional on SQLite).
const BATCH: usize = 200;

/// Revised figures per statement. Each batch travels as one JSON array bound to a single parameter
/// and is unpacked by the database (`json_each` on SQLite, `jsonb_array_elements` on PostgreSQL).
const CHANGES_BATCH: usize = 5000;

/// Page cache of the SQLite connection running an import (KiB, as `PRAGMA cache_size` takes it
/// negative): large enough that a big table's pages are written once at commit instead of being
/// spilled to the WAL mid-transaction and written again. Reset to SQLite's default afterwards.
const IMPORT_CACHE_KIB: i64 = 64 * 1024;

/// Records revised figures; `$1` is a JSON array of `[series_id, region, period, old value, old
/// status, new value, new status]`, `$2` the import.
const WRITE_CHANGES_SQLITE: &str = "INSERT INTO stat_value_changes (series_id, region, period, import_id, old_value, old_status, new_value, new_status)
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), $2,
            json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'), json_extract(value, '$[6]')
     FROM json_each($1)";
const WRITE_CHANGES_POSTGRES: &str = "INSERT INTO stat_value_changes (series_id, region, period, import_id, old_value, old_status, new_value, new_status)
     SELECT (e->>0)::bigint, e->>1, e->>2, $2, (e->>3)::double precision, e->>4, (e->>5)::double precision, e->>6
     FROM jsonb_array_elements($1::jsonb) e";

/// One stored cell: period, figure and status symbol, stored as the JSON array `[period, value]` or,
/// when it has a status, `[period, value, status]` (most cells have none, and a shorter row is less
/// to write).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell(pub String, pub Option<f64>, pub Option<String>);

impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = serializer.serialize_tuple(if self.2.is_some() { 3 } else { 2 })?;
        t.serialize_element(&self.0)?;
        t.serialize_element(&self.1)?;
        if let Some(status) = &self.2 {
            t.serialize_element(status)?;
        }
        t.end()
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct CellVisitor;
        impl<'de> serde::de::Visitor<'de> for CellVisitor {
            type Value = Cell;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("[period, value] or [period, value, status]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Cell, A::Error> {
                use serde::de::Error;
                let period = seq.next_element()?.ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let value = seq.next_element()?.ok_or_else(|| A::Error::invalid_length(1, &self))?;
                let status = seq.next_element::<Option<String>>()?.flatten();
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::invalid_length(4, &self));
                }
                Ok(Cell(period, value, status))
            }
        }
        deserializer.deserialize_seq(CellVisitor)
    }
}

/// What merging an incoming row into the stored one gives.
#[derive(Debug, Default, PartialEq)]
struct Merged {
    /// The row to store, sorted by period: stored cells the file does not have are kept.
    cells: Vec<Cell>,
    /// Cells the row did not have.
    added: i64,
    /// Indexes into `incoming` of cells whose figure or status differs, with the stored cell.
    revised: Vec<(usize, Cell)>,
}

/// Merges `incoming` (sorted by period, periods unique) into `stored` (the same).
fn merge(stored: Vec<Cell>, incoming: &[Cell]) -> Merged {
    let mut out = Merged { cells: Vec::with_capacity(stored.len().max(incoming.len())), ..Merged::default() };
    let mut old = stored.into_iter().peekable();
    for (i, new) in incoming.iter().enumerate() {
        while old.peek().is_some_and(|o| o.0 < new.0) {
            out.cells.extend(old.next());
        }
        match old.next_if(|o| o.0 == new.0) {
            Some(o) if o == *new => {}
            Some(o) => out.revised.push((i, o)),
            None => out.added += 1,
        }
        out.cells.push(new.clone());
    }
    out.cells.extend(old);
    out
}

/// What describes a table, taken from the imported file.
#[derive(Debug, Clone, Serialize)]
pub struct TableMeta {
    /// The source's id for the table (SSB table number), or the label when the file has none.
    pub source_key: String,
    /// Title.
    pub label: String,
    /// Publisher, e.g. *Statistisk sentralbyrå*.
    pub source: Option<String>,
    /// When the source last updated the table.
    pub source_updated: Option<String>,
    /// Id of the time dimension.
    pub time_dimension: Option<String>,
    /// Id of the geography dimension.
    pub geo_dimension: Option<String>,
    /// Id of the contents (metric) dimension.
    pub metric_dimension: Option<String>,
    /// The dimensions with their categories, as JSON for the table page.
    pub dimensions_json: String,
}

/// A series: the cells of a table for one choice in every dimension except region and time.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesMeta {
    /// Stable key, e.g. `ContentsCode=Personer80`.
    pub key: String,
    /// Human-readable label.
    pub label: String,
    /// Unit, e.g. *prosent*.
    pub unit: Option<String>,
    /// Decimals to show.
    pub decimals: Option<i64>,
}

/// The cells of one series in one region, as an import brings them.
#[derive(Debug, Clone, PartialEq)]
pub struct RowIn {
    /// Index into the import's series list.
    pub series: usize,
    /// Region code as in the file.
    pub region: String,
    /// The cells with a figure or a status, sorted by period, each period once.
    pub cells: Vec<Cell>,
}

/// How an import went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Cells in the file.
    pub total: i64,
    /// Cells not stored before.
    pub added: i64,
    /// Cells whose value or status changed.
    pub changed: i64,
    /// Cells already stored with the same value.
    pub unchanged: i64,
}

/// A stored table.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct StatTable {
    /// Id.
    pub id: i64,
    /// Source's table id.
    pub source_key: String,
    /// Title.
    pub label: String,
    /// Publisher.
    pub source: Option<String>,
    /// Updated at the source.
    pub source_updated: Option<String>,
    /// Time dimension id.
    pub time_dimension: Option<String>,
    /// Geography dimension id.
    pub geo_dimension: Option<String>,
    /// Contents dimension id.
    pub metric_dimension: Option<String>,
    /// Dimensions as JSON.
    pub dimensions_json: String,
    /// Last import.
    pub updated_at: DateTime<Utc>,
    /// Number of series.
    pub series_count: i64,
}

/// A stored series with its table.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct StatSeries {
    /// Id.
    pub id: i64,
    /// Table id.
    pub table_id: i64,
    /// Table title.
    pub table_label: String,
    /// Source's table id.
    pub source_key: String,
    /// Publisher.
    pub source: Option<String>,
    /// Key within the table.
    pub series_key: String,
    /// Label.
    pub label: String,
    /// Unit.
    pub unit: Option<String>,
    /// Decimals.
    pub decimals: Option<i64>,
}

/// One import run.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct StatImport {
    /// Id.
    pub id: i64,
    /// The table, once known.
    pub table_id: Option<i64>,
    /// Source's table id.
    pub source_key: String,
    /// Title.
    pub label: String,
    /// `upload`, `cli` or `fetch`.
    pub origin: String,
    /// File name or URL.
    pub file_name: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// Cells in the file.
    pub cells_total: i64,
    /// New cells.
    pub cells_added: i64,
    /// Changed cells.
    pub cells_changed: i64,
    /// Unchanged cells.
    pub cells_unchanged: i64,
    /// Why it failed.
    pub error: Option<String>,
    /// Who imported.
    pub actor_name: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub finished_at: Option<DateTime<Utc>>,
    /// The background job that runs it, for uploads.
    pub job_id: Option<i64>,
}

/// A changed cell.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ValueChange {
    /// Series label.
    pub series_label: String,
    /// Region code.
    pub region: String,
    /// Period.
    pub period: String,
    /// Value before.
    pub old_value: Option<f64>,
    /// Status before.
    pub old_status: Option<String>,
    /// Value after.
    pub new_value: Option<f64>,
    /// Status after.
    pub new_status: Option<String>,
    /// When it was imported.
    pub imported_at: DateTime<Utc>,
}

/// An uploaded file waiting for confirmation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Upload {
    /// Id.
    pub id: i64,
    /// File name as uploaded.
    pub file_name: String,
    /// The bytes.
    pub body: Vec<u8>,
}

/// A saved group of regions to compare with.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PeerGroup {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `kostra`, `neighbours` or `custom`.
    pub kind: String,
    /// Optimistic-locking version.
    pub version: i64,
}

/// Where an indicator takes its values from.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct IndicatorSource {
    /// The indicator element.
    pub element_id: i64,
    /// The series.
    pub series_id: i64,
    /// Today's region code.
    pub region: String,
    /// Optimistic-locking version.
    pub version: i64,
}

/// One value of an indicator.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct IndicatorValue {
    /// Period.
    pub period: String,
    /// `actual` or `target`.
    pub kind: String,
    /// The figure.
    pub value: Option<f64>,
    /// Status symbol.
    pub status: Option<String>,
    /// `statistics` or `manual`.
    pub origin: String,
    /// Source table and import, for values from statistics.
    pub source_label: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A municipality's tables with their number of series; callers add the ordering or the id.
const TABLE_SELECT: &str =
    "SELECT t.id, t.source_key, t.label, t.source, t.source_updated, t.time_dimension, t.geo_dimension,
        t.metric_dimension, t.dimensions_json, t.updated_at,
        (SELECT COUNT(*) FROM stat_series s WHERE s.table_id = t.id) AS series_count
    FROM stat_tables t WHERE t.municipality_id = $1";

/// Peer-group kinds.
pub const PEER_GROUP_KINDS: [&str; 3] = ["kostra", "neighbours", "custom"];

impl Db {
    /// Registers an import about to run, so its progress and outcome can be shown.
    pub async fn stat_import_begin(
        &self,
        author: &Author,
        meta: &TableMeta,
        origin: &str,
        file_name: &str,
        total: i64,
    ) -> Result<i64> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO stat_imports (municipality_id, source_key, label, origin, file_name, state, cells_total, user_id, actor_name, started_at)
                 VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8, $9) RETURNING id")
                .bind(author.municipality_id).bind(&meta.source_key).bind(&meta.label).bind(origin).bind(file_name)
                .bind(total).bind(author.user_id).bind(&author.name).bind(now())
                .fetch_one(pool).await?
        }))
    }

    /// Marks an import as failed; nothing of it was written.
    pub async fn stat_import_fail(&self, import_id: i64, error: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("UPDATE stat_imports SET state = 'failed', error = $1, finished_at = $2 WHERE id = $3")
                .bind(error).bind(now()).bind(import_id).execute(pool).await?;
        });
        Ok(())
    }

    /// Writes an import's cells in one transaction: new cells are added, changed cells are updated
    /// with their old values kept in the change history, and indicators fed from the table are
    /// refreshed. `progress` counts the cells processed so far.
    pub async fn stat_import_run(
        &self,
        author: &Author,
        import_id: i64,
        meta: &TableMeta,
        series: &[SeriesMeta],
        cells: &mut (dyn Iterator<Item = RowIn> + Send),
        progress: &AtomicU64,
    ) -> Result<ImportCounts> {
        let mid = author.municipality_id;
        let ts = now();
        let postgres = matches!(self, Db::Postgres(_));
        let counts = on_db!(self, pool => {
            let mut conn = pool.acquire().await?;
            if !postgres {
                sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))).execute(&mut *conn).await?;
            }
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            let table_id: i64 = sqlx::query_scalar(
                "INSERT INTO stat_tables (municipality_id, source_key, label, source, source_updated, time_dimension, geo_dimension,
                                          metric_dimension, dimensions_json, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
                 ON CONFLICT (municipality_id, source_key) DO UPDATE SET label = excluded.label, source = excluded.source,
                    source_updated = excluded.source_updated, time_dimension = excluded.time_dimension,
                    geo_dimension = excluded.geo_dimension, metric_dimension = excluded.metric_dimension,
                    dimensions_json = excluded.dimensions_json, updated_at = excluded.updated_at
                 RETURNING id")
                .bind(mid).bind(&meta.source_key).bind(&meta.label).bind(&meta.source).bind(&meta.source_updated)
                .bind(&meta.time_dimension).bind(&meta.geo_dimension).bind(&meta.metric_dimension).bind(&meta.dimensions_json).bind(ts)
                .fetch_one(&mut *tx).await?;
            let mut series_ids = Vec::with_capacity(series.len());
            for s in series {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO stat_series (municipality_id, table_id, series_key, label, unit, decimals) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (table_id, series_key) DO UPDATE SET label = excluded.label, unit = excluded.unit, decimals = excluded.decimals
                     RETURNING id")
                    .bind(mid).bind(table_id).bind(&s.key).bind(&s.label).bind(&s.unit).bind(s.decimals)
                    .fetch_one(&mut *tx).await?;
                series_ids.push(id);
            }
            // The table's stored rows, read once; a first import finds none.
            let stored: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT c.series_id, c.region, c.cells FROM stat_cells c JOIN stat_series s ON s.id = c.series_id WHERE s.table_id = $1")
                .bind(table_id).fetch_all(&mut *tx).await?;
            let mut stored: HashMap<(i64, String), String> =
                stored.into_iter().map(|(sid, region, cells)| ((sid, region), cells)).collect();
            let (mut total, mut added, mut changed) = (0i64, 0i64, 0i64);
            let mut rows_out: Vec<(i64, String, String)> = Vec::with_capacity(BATCH);
            let mut changes_json = String::new();
            let mut changes_batched = 0usize;
            let mut done = false;
            while !done {
                let row = cells.next();
                done = row.is_none();
                if let Some(row) = row {
                    let sid = *series_ids.get(row.series).ok_or(StoreError::Rule(RuleError::new("err-stat-series-unknown")))?;
                    total += row.cells.len() as i64;
                    let write = match stored.remove(&(sid, row.region.clone())) {
                        None => {
                            added += row.cells.len() as i64;
                            Some(encode(&row.cells)?)
                        }
                        Some(old) => {
                            let m = merge(decode_cells(&old)?, &row.cells);
                            added += m.added;
                            changed += m.revised.len() as i64;
                            for (i, o) in &m.revised {
                                let n = &row.cells[*i];
                                changes_json.push(if changes_batched == 0 { '[' } else { ',' });
                                changes_json.push_str(&encode(&(sid, &row.region, &n.0, o.1, &o.2, n.1, &n.2))?);
                                changes_batched += 1;
                            }
                            (m.added > 0 || !m.revised.is_empty()).then(|| encode(&m.cells)).transpose()?
                        }
                    };
                    if let Some(cells_json) = write {
                        rows_out.push((sid, row.region, cells_json));
                    }
                }
                if !rows_out.is_empty() && (done || rows_out.len() >= BATCH) {
                    let mut insert = sqlx::QueryBuilder::new("INSERT INTO stat_cells (series_id, region, cells, import_id) ");
                    insert.push_values(&rows_out, |mut b, (sid, region, cells)| {
                        b.push_bind(*sid).push_bind(region.as_str()).push_bind(cells.as_str()).push_bind(import_id);
                    });
                    insert.push(" ON CONFLICT (series_id, region) DO UPDATE SET cells = excluded.cells, import_id = excluded.import_id");
                    insert.build().execute(&mut *tx).await?;
                    rows_out.clear();
                }
                if changes_batched > 0 && (done || changes_batched >= CHANGES_BATCH) {
                    changes_json.push(']');
                    sqlx::query(if postgres { WRITE_CHANGES_POSTGRES } else { WRITE_CHANGES_SQLITE })
                        .bind(&changes_json).bind(import_id).execute(&mut *tx).await?;
                    changes_json.clear();
                    changes_batched = 0;
                }
                progress.store(total as u64, Ordering::Relaxed);
            }
            let counts = ImportCounts { total, added, changed, unchanged: total - added - changed };
            sqlx::query(
                "UPDATE stat_imports SET table_id = $1, state = 'done', cells_total = $2, cells_added = $3, cells_changed = $4,
                        cells_unchanged = $5, finished_at = $6 WHERE id = $7 AND municipality_id = $8")
                .bind(table_id).bind(counts.total).bind(counts.added).bind(counts.changed).bind(counts.unchanged)
                .bind(now()).bind(import_id).bind(mid).execute(&mut *tx).await?;
            let after = serde_json::json!({"table": meta.source_key, "label": meta.label, "counts": counts});
            audit_in_tx!(tx, author, "stat_import", import_id, "import", None, Some(after));
            refresh_indicators_in_tx!(tx, author, "t.id = $2", table_id);
            tx.commit().await?;
            if !postgres {
                sqlx::query("PRAGMA cache_size = -2000").execute(&mut *conn).await?;
            }
            counts
        });
        Ok(counts)
    }

    /// Every table of a municipality with its number of series, latest first.
    pub async fn stat_tables(&self, municipality_id: i64) -> Result<Vec<StatTable>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, StatTable>(
                sqlx::AssertSqlSafe(format!("{TABLE_SELECT} ORDER BY t.label")))
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// One table.
    pub async fn stat_table(&self, municipality_id: i64, id: i64) -> Result<StatTable> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, StatTable>(
                sqlx::AssertSqlSafe(format!("{TABLE_SELECT} AND t.id = $2")))
                .bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The table with `source_key`, if imported before.
    pub async fn stat_table_by_key(&self, municipality_id: i64, source_key: &str) -> Result<Option<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT id FROM stat_tables WHERE municipality_id = $1 AND source_key = $2")
                .bind(municipality_id).bind(source_key).fetch_optional(pool).await?
        }))
    }

    /// Series of the municipality, optionally of one table.
    pub async fn stat_series_list(&self, municipality_id: i64, table_id: Option<i64>) -> Result<Vec<StatSeries>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, StatSeries>(
                "SELECT s.id, s.table_id, t.label AS table_label, t.source_key, t.source, s.series_key, s.label, s.unit, s.decimals
                 FROM stat_series s JOIN stat_tables t ON t.id = s.table_id
                 WHERE s.municipality_id = $1 AND ($2 IS NULL OR s.table_id = $2) ORDER BY t.label, s.id")
                .bind(municipality_id).bind(table_id).fetch_all(pool).await?
        }))
    }

    /// One series.
    pub async fn stat_series(&self, municipality_id: i64, id: i64) -> Result<StatSeries> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, StatSeries>(
                "SELECT s.id, s.table_id, t.label AS table_label, t.source_key, t.source, s.series_key, s.label, s.unit, s.decimals
                 FROM stat_series s JOIN stat_tables t ON t.id = s.table_id WHERE s.municipality_id = $1 AND s.id = $2")
                .bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Every stored cell of a series (the caller checked the series belongs to the municipality).
    pub async fn stat_observations(&self, series_id: i64) -> Result<Vec<Observation>> {
        let rows = on_db!(self, pool => {
            sqlx::query_as("SELECT region, cells FROM stat_cells WHERE series_id = $1").bind(series_id).fetch_all(pool).await?
        });
        observations(rows)
    }

    /// Regions with stored cells in a series, with their label from the table's dimension.
    pub async fn stat_regions(&self, series_id: i64) -> Result<Vec<String>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT region FROM stat_cells WHERE series_id = $1 ORDER BY region")
                .bind(series_id).fetch_all(pool).await?
        }))
    }

    /// Imports of the municipality, newest first, optionally of one table.
    pub async fn stat_imports(
        &self,
        municipality_id: i64,
        table_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<StatImport>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, StatImport>(
                "SELECT id, table_id, source_key, label, origin, file_name, state, cells_total, cells_added, cells_changed,
                        cells_unchanged, error, actor_name, started_at, finished_at, job_id
                 FROM stat_imports WHERE municipality_id = $1 AND ($2 IS NULL OR table_id = $2) ORDER BY id DESC LIMIT $3")
                .bind(municipality_id).bind(table_id).bind(limit).fetch_all(pool).await?
        }))
    }

    /// One import.
    pub async fn stat_import(&self, municipality_id: i64, id: i64) -> Result<StatImport> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, StatImport>(
                "SELECT id, table_id, source_key, label, origin, file_name, state, cells_total, cells_added, cells_changed,
                        cells_unchanged, error, actor_name, started_at, finished_at, job_id
                 FROM stat_imports WHERE municipality_id = $1 AND id = $2")
                .bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The latest changes to a table's cells by re-imports, newest first.
    pub async fn stat_changes(&self, municipality_id: i64, table_id: i64, limit: i64) -> Result<Vec<ValueChange>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, ValueChange>(
                "SELECT s.label AS series_label, c.region, c.period, c.old_value, c.old_status, c.new_value, c.new_status,
                        i.started_at AS imported_at
                 FROM stat_value_changes c JOIN stat_series s ON s.id = c.series_id JOIN stat_imports i ON i.id = c.import_id
                 WHERE s.municipality_id = $1 AND s.table_id = $2 ORDER BY c.id DESC LIMIT $3")
                .bind(municipality_id).bind(table_id).bind(limit).fetch_all(pool).await?
        }))
    }

    /// Keeps an uploaded file until the user confirms its preview; returns the token that names it.
    pub async fn stat_upload_put(&self, author: &Author, file_name: &str, body: &[u8]) -> Result<String> {
        let token = crate::random_token(16);
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            // Uploads nobody confirmed within a day are dropped.
            sqlx::query("DELETE FROM stat_uploads WHERE created_at < $1 AND job_id IS NULL")
                .bind(now() - chrono::Duration::days(1)).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO stat_uploads (municipality_id, user_id, token, file_name, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(author.municipality_id).bind(author.user_id).bind(&token).bind(file_name).bind(body).bind(now())
                .execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(token)
    }

    /// The upload named by `token`, if it is the caller's.
    pub async fn stat_upload_get(&self, author: &Author, token: &str) -> Result<Upload> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, Upload>(
                "SELECT id, file_name, body FROM stat_uploads WHERE token = $1 AND municipality_id = $2 AND user_id IS NOT DISTINCT FROM $3 AND job_id IS NULL")
                .bind(token).bind(author.municipality_id).bind(author.user_id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Queues the import of a confirmed upload in one transaction: an import row per dataset
    /// (`(table, cells)`), a job of `kind` that runs them, and the upload bound to the job so it
    /// cannot be confirmed twice. Returns the job and the imports; `NotFound` when the upload is gone
    /// or already queued.
    pub async fn stat_upload_queue(
        &self,
        author: &Author,
        upload_id: i64,
        imports: &[(&TableMeta, i64)],
        kind: &str,
    ) -> Result<(i64, Vec<i64>)> {
        let mut tx = self.begin().await?;
        let payload =
            serde_json::json!({ "upload_id": upload_id, "user_id": author.user_id, "actor_name": author.name })
                .to_string();
        let job = crate::jobs::enqueue_in(&mut tx, author.municipality_id, kind, &payload, 3).await?;
        let mut ids = Vec::new();
        on_tx!(&mut tx, conn => {
            let bound = sqlx::query("UPDATE stat_uploads SET job_id = $1 WHERE id = $2 AND municipality_id = $3 AND job_id IS NULL")
                .bind(job).bind(upload_id).bind(author.municipality_id).execute(&mut *conn).await?.rows_affected();
            if bound == 0 {
                return Err(StoreError::NotFound);
            }
            let file_name: String = sqlx::query_scalar("SELECT file_name FROM stat_uploads WHERE id = $1")
                .bind(upload_id).fetch_one(&mut *conn).await?;
            for (meta, total) in imports {
                ids.push(sqlx::query_scalar(
                    "INSERT INTO stat_imports (municipality_id, source_key, label, origin, file_name, state, cells_total, user_id, actor_name, started_at, job_id)
                     VALUES ($1, $2, $3, 'upload', $4, 'running', $5, $6, $7, $8, $9) RETURNING id")
                    .bind(author.municipality_id).bind(&meta.source_key).bind(&meta.label).bind(&file_name)
                    .bind(*total).bind(author.user_id).bind(&author.name).bind(now()).bind(job)
                    .fetch_one(&mut *conn).await?);
            }
        });
        tx.commit().await?;
        Ok((job, ids))
    }

    /// The upload a job imports (gone once imported), and the imports it runs in order with their state.
    pub async fn stat_upload_of_job(&self, job_id: i64) -> Result<(Option<Upload>, Vec<(i64, String)>)> {
        Ok(on_db!(self, pool => {
            let upload = sqlx::query_as::<_, Upload>("SELECT id, file_name, body FROM stat_uploads WHERE job_id = $1")
                .bind(job_id).fetch_optional(pool).await?;
            let imports = sqlx::query_as::<_, (i64, String)>("SELECT id, state FROM stat_imports WHERE job_id = $1 ORDER BY id")
                .bind(job_id).fetch_all(pool).await?;
            (upload, imports)
        }))
    }

    /// Forgets an upload once imported.
    pub async fn stat_upload_delete(&self, id: i64) -> Result<()> {
        on_db!(self, pool => { sqlx::query("DELETE FROM stat_uploads WHERE id = $1").bind(id).execute(pool).await?; });
        Ok(())
    }

    /// The municipality's peer groups with their member regions.
    pub async fn peer_groups(&self, municipality_id: i64) -> Result<Vec<(PeerGroup, Vec<String>)>> {
        let (groups, members): (Vec<PeerGroup>, Vec<(i64, String)>) = on_db!(self, pool => {
            let g = sqlx::query_as::<_, PeerGroup>("SELECT id, name, kind, version FROM stat_peer_groups WHERE municipality_id = $1 ORDER BY name")
                .bind(municipality_id).fetch_all(pool).await?;
            let m = sqlx::query_as::<_, (i64, String)>(
                "SELECT m.group_id, m.region FROM stat_peer_group_members m JOIN stat_peer_groups g ON g.id = m.group_id
                 WHERE g.municipality_id = $1 ORDER BY m.region")
                .bind(municipality_id).fetch_all(pool).await?;
            (g, m)
        });
        Ok(groups
            .into_iter()
            .map(|g| {
                let regions = members.iter().filter(|(id, _)| *id == g.id).map(|(_, r)| r.clone()).collect();
                (g, regions)
            })
            .collect())
    }

    /// Creates a peer group (`expected_version` `None`) or replaces one if the version is current.
    pub async fn peer_group_save(
        &self,
        author: &Author,
        id: Option<(i64, i64)>,
        name: &str,
        kind: &str,
        regions: &[String],
    ) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() {
            return Err(RuleError::new("err-name-empty").into());
        }
        if !PEER_GROUP_KINDS.contains(&kind) {
            return Err(RuleError::new("err-peer-kind").into());
        }
        if regions.is_empty() {
            return Err(RuleError::new("err-peer-empty").into());
        }
        let mid = author.municipality_id;
        let ts = now();
        let after = serde_json::json!({"name": name, "kind": kind, "regions": regions});
        Ok(on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let gid = match id {
                None => sqlx::query_scalar(
                    "INSERT INTO stat_peer_groups (municipality_id, name, kind, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id")
                    .bind(mid).bind(name).bind(kind).bind(ts).fetch_one(&mut *tx).await?,
                Some((gid, version)) => {
                    let n = sqlx::query(
                        "UPDATE stat_peer_groups SET name = $1, kind = $2, version = version + 1, updated_at = $3
                         WHERE id = $4 AND municipality_id = $5 AND version = $6")
                        .bind(name).bind(kind).bind(ts).bind(gid).bind(mid).bind(version).execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM stat_peer_groups WHERE id = $1 AND municipality_id = $2")
                            .bind(gid).bind(mid).fetch_optional(&mut *tx).await?;
                        return Err(if exists.is_some() { StoreError::Conflict } else { StoreError::NotFound });
                    }
                    sqlx::query("DELETE FROM stat_peer_group_members WHERE group_id = $1").bind(gid).execute(&mut *tx).await?;
                    gid
                }
            };
            for r in regions {
                sqlx::query("INSERT INTO stat_peer_group_members (group_id, region) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(gid).bind(r).execute(&mut *tx).await?;
            }
            let action = if id.is_some() { "update" } else { "create" };
            audit_in_tx!(tx, author, "peer_group", gid, action, None, Some(after));
            tx.commit().await?;
            gid
        }))
    }

    /// SDG goals linked to every series of the municipality: `(series, goal)`.
    pub async fn stat_series_goals(&self, municipality_id: i64) -> Result<Vec<(i64, i64)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT g.series_id, g.goal FROM stat_series_sdg g JOIN stat_series s ON s.id = g.series_id
                 WHERE s.municipality_id = $1 ORDER BY g.goal")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// Replaces the SDG goals a series is linked to.
    pub async fn stat_series_set_goals(&self, author: &Author, series_id: i64, goals: &[i64]) -> Result<()> {
        if goals.iter().any(|g| !(1..=17).contains(g)) {
            return Err(RuleError::new("err-sdg-goal-unknown").into());
        }
        self.stat_series(author.municipality_id, series_id).await?;
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM stat_series_sdg WHERE series_id = $1").bind(series_id).execute(&mut *tx).await?;
            for g in goals {
                sqlx::query("INSERT INTO stat_series_sdg (series_id, goal) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(series_id).bind(g).execute(&mut *tx).await?;
            }
            audit_in_tx!(tx, author, "stat_series", series_id, "update", None, Some(serde_json::json!({"sdg_goals": goals})));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Where an indicator takes its values from, if anywhere.
    pub async fn indicator_source(&self, municipality_id: i64, element_id: i64) -> Result<Option<IndicatorSource>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, IndicatorSource>(
                "SELECT element_id, series_id, region, version FROM indicator_sources WHERE municipality_id = $1 AND element_id = $2")
                .bind(municipality_id).bind(element_id).fetch_optional(pool).await?
        }))
    }

    /// Every indicator source of the municipality.
    pub async fn indicator_sources(&self, municipality_id: i64) -> Result<Vec<IndicatorSource>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, IndicatorSource>(
                "SELECT element_id, series_id, region, version FROM indicator_sources WHERE municipality_id = $1")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// Values of an indicator, by period.
    pub async fn indicator_values(&self, municipality_id: i64, element_id: i64) -> Result<Vec<IndicatorValue>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, IndicatorValue>(
                "SELECT period, kind, value, status, origin, source_label, updated_at FROM indicator_values
                 WHERE municipality_id = $1 AND element_id = $2 ORDER BY period, kind")
                .bind(municipality_id).bind(element_id).fetch_all(pool).await?
        }))
    }

    /// Lets an indicator take its values from `series` for `region` (today's code), or stops it
    /// (`series` `None`); the values are filled at once. `expected_version` guards an existing link.
    pub async fn indicator_source_set(
        &self,
        author: &Author,
        element_id: i64,
        series: Option<(i64, String)>,
        expected_version: Option<i64>,
    ) -> Result<()> {
        let mid = author.municipality_id;
        let element = self.element(mid, element_id).await?;
        if element.kind() != rodtrad_domain::plan::ElementKind::Indicator {
            return Err(RuleError::new("err-indicator-only").into());
        }
        if let Some((sid, region)) = &series {
            self.stat_series(mid, *sid).await.map_err(|_| RuleError::new("err-stat-series-unknown"))?;
            if region.trim().is_empty() {
                return Err(RuleError::new("err-stat-region-required").into());
            }
        }
        let before = self.indicator_source(mid, element_id).await?;
        if before.as_ref().map(|b| b.version) != expected_version {
            return Err(StoreError::Conflict);
        }
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM indicator_sources WHERE element_id = $1 AND municipality_id = $2")
                .bind(element_id).bind(mid).execute(&mut *tx).await?;
            if let Some((sid, region)) = &series {
                sqlx::query("INSERT INTO indicator_sources (element_id, municipality_id, series_id, region, version, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(element_id).bind(mid).bind(sid).bind(region.trim()).bind(before.as_ref().map_or(1, |b| b.version + 1)).bind(now())
                    .execute(&mut *tx).await?;
            } else {
                sqlx::query("DELETE FROM indicator_values WHERE element_id = $1 AND origin = 'statistics'")
                    .bind(element_id).execute(&mut *tx).await?;
            }
            audit_in_tx!(tx, author, "indicator_source", element_id, if series.is_some() { "update" } else { "delete" },
                before.as_ref().and_then(crate::audit::snapshot),
                series.as_ref().map(|(s, r)| serde_json::json!({"series_id": s, "region": r})));
            refresh_indicators_in_tx!(tx, author, "s.element_id = $2", element_id);
            tx.commit().await?;
        });
        Ok(())
    }
}

impl Db {
    /// When the saved query at `address` was last fetched and imported.
    pub async fn stat_last_fetch(&self, address: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT MAX(started_at) FROM stat_imports WHERE origin = 'fetch' AND file_name = $1 AND state = 'done'")
                .bind(address).fetch_one(pool).await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(period: &str, value: Option<f64>, status: Option<&str>) -> Cell {
        Cell(period.to_owned(), value, status.map(str::to_owned))
    }

    #[test]
    fn cells_are_stored_short_when_they_have_no_status() {
        let row = vec![cell("2020", Some(0.1 + 0.2), None), cell("2021", None, Some("..")), cell("2022", None, None)];
        let json = encode(&row).unwrap();
        assert_eq!(json, r#"[["2020",0.30000000000000004],["2021",null,".."],["2022",null]]"#);
        assert_eq!(decode_cells(&json).unwrap(), row, "the figure reads back as the same double");
        assert_eq!(decode_cells(r#"[["2020", 1.5, null]]"#).unwrap(), vec![cell("2020", Some(1.5), None)]);
        for bad in [r#"[["2020"]]"#, r#"[["2020",1,"a","b"]]"#, r#"[[2020,1]]"#, r#"[["2020","x"]]"#, "{}"] {
            assert!(decode_cells(bad).is_err(), "{bad} is refused");
        }
    }

    #[test]
    fn merging_into_nothing_adds_every_cell() {
        let incoming = vec![cell("2020", Some(1.0), None), cell("2021", None, Some(".."))];
        let m = merge(Vec::new(), &incoming);
        assert_eq!(m, Merged { cells: incoming, added: 2, revised: Vec::new() });
    }

    #[test]
    fn merging_the_same_row_changes_nothing() {
        let row = vec![cell("2020", Some(1.5), None), cell("2021", None, Some("."))];
        let m = merge(row.clone(), &row);
        assert_eq!((m.added, m.revised.len()), (0, 0));
        assert_eq!(m.cells, row);
    }

    #[test]
    fn merging_keeps_stored_cells_the_file_lacks_and_reports_each_revision() {
        let stored = vec![
            cell("2018", Some(7.0), None),
            cell("2020", Some(1.0), None),
            cell("2022", None, Some("..")),
            cell("2024", Some(3.0), None),
        ];
        let incoming = vec![
            cell("2019", Some(9.0), None),
            cell("2020", Some(1.25), None),
            cell("2022", Some(4.0), None),
            cell("2023", None, Some(".")),
        ];
        let m = merge(stored, &incoming);
        let periods: Vec<&str> = m.cells.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(periods, ["2018", "2019", "2020", "2022", "2023", "2024"]);
        assert_eq!(m.added, 2, "2019 and 2023 are new");
        assert_eq!(
            m.revised,
            vec![(1, cell("2020", Some(1.0), None)), (2, cell("2022", None, Some("..")))],
            "each revision points at the incoming cell and carries the stored one"
        );
        assert_eq!(m.cells[2], incoming[1], "the new figure wins");
        assert_eq!(m.cells[5], cell("2024", Some(3.0), None), "a stored cell the file lacks stays");
    }

    #[test]
    fn a_status_change_alone_is_a_revision() {
        let m = merge(vec![cell("2020", None, Some(".."))], &[cell("2020", None, Some("."))]);
        assert_eq!((m.added, m.revised.len()), (0, 1));
    }

    #[test]
    fn stored_rows_decode_to_observations_sorted_by_period_then_region() {
        let rows = vec![
            ("3203".to_owned(), encode(&[cell("2021", Some(2.0), None), cell("2022", None, Some(".."))]).unwrap()),
            (
                "0301".to_owned(),
                encode(&[cell("2021", Some(0.1 + 0.2), None), cell("uten år", Some(1.0), None)]).unwrap(),
            ),
        ];
        let obs = observations(rows).unwrap();
        let got: Vec<(&str, &str, Option<f64>)> =
            obs.iter().map(|o| (o.period.as_str(), o.region.as_str(), o.value)).collect();
        assert_eq!(got, [("2021", "0301", Some(0.1 + 0.2)), ("2021", "3203", Some(2.0)), ("2022", "3203", None)]);
        assert_eq!(obs[2].status.as_deref(), Some(".."));
        assert!(
            observations(vec![("x".into(), "[[\"2020\"".into())]).is_err(),
            "a broken row is an error, not a panic"
        );
    }
}
