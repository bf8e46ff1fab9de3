//! Writing imports: registering, running and failing an import, the uploads waiting for confirmation or a job, and the last scheduled fetch.

use super::*;
use crate::Tx;

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
        let mut tx = self.begin().await?;
        let id = import_begin_in(&mut tx, author, (meta, total), (origin, file_name), None).await?;
        tx.commit().await?;
        Ok(id)
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
        upload: &Upload,
        imports: &[(&TableMeta, i64)],
        kind: &str,
    ) -> Result<(i64, Vec<i64>)> {
        let upload_id = upload.id;
        let mut tx = self.begin().await?;
        let payload =
            serde_json::json!({ "upload_id": upload_id, "user_id": author.user_id, "actor_name": author.name })
                .to_string();
        let job = crate::jobs::enqueue_in(&mut tx, author.municipality_id, kind, &payload, 3).await?;
        let bound = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE stat_uploads SET job_id = $1 WHERE id = $2 AND municipality_id = $3 AND job_id IS NULL")
                .bind(job).bind(upload_id).bind(author.municipality_id).execute(&mut *conn).await?.rows_affected()
        });
        if bound == 0 {
            return Err(StoreError::NotFound);
        }
        let mut ids = Vec::new();
        for (meta, total) in imports {
            ids.push(import_begin_in(&mut tx, author, (meta, *total), ("upload", &upload.file_name), Some(job)).await?);
        }
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

    /// When the saved query at `address` was last fetched and imported.
    pub async fn stat_last_fetch(&self, address: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT MAX(started_at) FROM stat_imports WHERE origin = 'fetch' AND file_name = $1 AND state = 'done'")
                .bind(address).fetch_one(pool).await?
        }))
    }
}

/// Inside the caller's transaction: registers an import of `(table, cells)` from `(origin, file)`,
/// run by `job` when it is an upload's.
async fn import_begin_in(
    tx: &mut Tx,
    author: &Author,
    (meta, total): (&TableMeta, i64),
    (origin, file_name): (&str, &str),
    job: Option<i64>,
) -> Result<i64> {
    Ok(on_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO stat_imports (municipality_id, source_key, label, origin, file_name, state, cells_total, user_id, actor_name, started_at, job_id)
             VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8, $9, $10) RETURNING id")
            .bind(author.municipality_id).bind(&meta.source_key).bind(&meta.label).bind(origin).bind(file_name)
            .bind(total).bind(author.user_id).bind(&author.name).bind(now()).bind(job)
            .fetch_one(&mut *conn).await?
    }))
}
