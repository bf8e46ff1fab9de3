//! Statistics (*bærekraftstatistikk*): imported tables, series and values with the history of every
//! change, uploads waiting for confirmation, peer groups, SDG links, and indicator values fed from
//! statistics series.
//!
//! An import writes all its cells in one transaction: incoming cells go to a temporary table first,
//! then set-based statements count what is new, record what changed and upsert the values, so a
//! re-import of a large table is a few statements, not one round trip per cell.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::regions::{self, HarmonisedPoint, Observation, period_year};
use serde::Serialize;
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
            let rows: Vec<(String, String, Option<f64>, Option<String>)> = sqlx::query_as(
                "SELECT region, period, value, status FROM stat_values WHERE series_id = $1 ORDER BY period, region")
                .bind(series_id).fetch_all(&mut *$tx).await?;
            let points: Vec<HarmonisedPoint> = regions::harmonise(regions::regions(), &region, &observations(rows));
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

/// Stored cells as observations; periods without a leading year are skipped.
fn observations(rows: Vec<(String, String, Option<f64>, Option<String>)>) -> Vec<Observation> {
    rows.into_iter()
        .filter_map(|(region, period, value, status)| {
            let year = period_year(&period)?;
            Some(Observation { region, period, year, value, status })
        })
        .collect()
}

/// Cells per staging statement. Each chunk travels as one JSON array bound to a single parameter and
/// is unpacked by the database (`json_each` on SQLite, `jsonb_array_elements` on PostgreSQL): binding
/// thousands of separate parameters is quadratic in SQLite's parameter-name lookup, which made a
/// 1,000,000-cell import spend 70 % of its time there.
const CHUNK: usize = 5000;

/// Staging statements per backend: `$1` is a JSON array of `[series_id, region, period, value, status]`.
const STAGE_SQLITE: &str = "INSERT INTO stat_incoming (series_id, region, period, value, status)
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
            json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each($1)";
const STAGE_POSTGRES: &str = "INSERT INTO stat_incoming (series_id, region, period, value, status)
     SELECT (e->>0)::bigint, e->>1, e->>2, (e->>3)::double precision, e->>4 FROM jsonb_array_elements($1::jsonb) e";

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

/// One incoming cell: the series (index into the series list), region, period, value and status.
#[derive(Debug, Clone, PartialEq)]
pub struct CellIn {
    /// Index into the import's series list.
    pub series: usize,
    /// Region code as in the file.
    pub region: String,
    /// Period as in the file.
    pub period: String,
    /// The figure.
    pub value: Option<f64>,
    /// Status symbol.
    pub status: Option<String>,
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
    /// refreshed. `progress` counts the cells staged so far.
    pub async fn stat_import_run(
        &self,
        author: &Author,
        import_id: i64,
        meta: &TableMeta,
        series: &[SeriesMeta],
        cells: &mut (dyn Iterator<Item = CellIn> + Send),
        progress: &AtomicU64,
    ) -> Result<ImportCounts> {
        let mid = author.municipality_id;
        let ts = now();
        let postgres = matches!(self, Db::Postgres(_));
        let counts = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
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
            if postgres {
                sqlx::query("CREATE TEMP TABLE stat_incoming (series_id BIGINT, region TEXT, period TEXT, value DOUBLE PRECISION, status TEXT) ON COMMIT DROP")
                    .execute(&mut *tx).await?;
            } else {
                sqlx::query("CREATE TEMP TABLE IF NOT EXISTS stat_incoming (series_id INTEGER, region TEXT, period TEXT, value REAL, status TEXT)")
                    .execute(&mut *tx).await?;
                sqlx::query("DELETE FROM stat_incoming").execute(&mut *tx).await?;
            }
            let mut total: i64 = 0;
            let mut batch: Vec<CellIn> = Vec::with_capacity(CHUNK);
            loop {
                batch.clear();
                batch.extend((&mut *cells).take(CHUNK));
                if batch.is_empty() {
                    break;
                }
                let mut rows = Vec::with_capacity(batch.len());
                for c in &batch {
                    let sid = *series_ids.get(c.series).ok_or(StoreError::Rule(RuleError::new("err-stat-series-unknown")))?;
                    rows.push((sid, c.region.as_str(), c.period.as_str(), c.value, c.status.as_deref()));
                }
                let json = serde_json::to_string(&rows).map_err(|e| StoreError::Database(sqlx::Error::Encode(Box::new(e))))?;
                sqlx::query(if postgres { STAGE_POSTGRES } else { STAGE_SQLITE }).bind(json).execute(&mut *tx).await?;
                total += batch.len() as i64;
                progress.store(total as u64, Ordering::Relaxed);
            }
            let added: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM stat_incoming i
                 WHERE NOT EXISTS (SELECT 1 FROM stat_values v WHERE v.series_id = i.series_id AND v.region = i.region AND v.period = i.period)")
                .fetch_one(&mut *tx).await?;
            let changed = sqlx::query(
                "INSERT INTO stat_value_changes (series_id, region, period, import_id, old_value, old_status, new_value, new_status)
                 SELECT i.series_id, i.region, i.period, $1, v.value, v.status, i.value, i.status
                 FROM stat_incoming i JOIN stat_values v ON v.series_id = i.series_id AND v.region = i.region AND v.period = i.period
                 WHERE v.value IS DISTINCT FROM i.value OR v.status IS DISTINCT FROM i.status")
                .bind(import_id).execute(&mut *tx).await?.rows_affected() as i64;
            sqlx::query(
                "INSERT INTO stat_values (series_id, region, period, value, status, import_id)
                 SELECT series_id, region, period, value, status, $1 FROM stat_incoming WHERE true
                 ON CONFLICT (series_id, region, period) DO UPDATE SET value = excluded.value, status = excluded.status, import_id = excluded.import_id
                 WHERE stat_values.value IS DISTINCT FROM excluded.value OR stat_values.status IS DISTINCT FROM excluded.status")
                .bind(import_id).execute(&mut *tx).await?;
            if !postgres {
                sqlx::query("DELETE FROM stat_incoming").execute(&mut *tx).await?;
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
            sqlx::query_as("SELECT region, period, value, status FROM stat_values WHERE series_id = $1 ORDER BY period, region")
                .bind(series_id).fetch_all(pool).await?
        });
        Ok(observations(rows))
    }

    /// Regions with stored cells in a series, with their label from the table's dimension.
    pub async fn stat_regions(&self, series_id: i64) -> Result<Vec<String>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT DISTINCT region FROM stat_values WHERE series_id = $1 ORDER BY region")
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
                        cells_unchanged, error, actor_name, started_at, finished_at
                 FROM stat_imports WHERE municipality_id = $1 AND ($2 IS NULL OR table_id = $2) ORDER BY id DESC LIMIT $3")
                .bind(municipality_id).bind(table_id).bind(limit).fetch_all(pool).await?
        }))
    }

    /// One import.
    pub async fn stat_import(&self, municipality_id: i64, id: i64) -> Result<StatImport> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, StatImport>(
                "SELECT id, table_id, source_key, label, origin, file_name, state, cells_total, cells_added, cells_changed,
                        cells_unchanged, error, actor_name, started_at, finished_at
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
            sqlx::query("DELETE FROM stat_uploads WHERE created_at < $1")
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
                "SELECT id, file_name, body FROM stat_uploads WHERE token = $1 AND municipality_id = $2 AND user_id IS NOT DISTINCT FROM $3")
                .bind(token).bind(author.municipality_id).bind(author.user_id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
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
