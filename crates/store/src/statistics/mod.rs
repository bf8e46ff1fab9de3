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
            // No date in the label: the pages show the value's own date in the reader's format.
            let label = format!("{table_label} ({source_key})");
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

mod imports;
mod indicators;
mod peers;
mod tables;

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
