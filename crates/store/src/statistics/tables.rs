//! Reading what was imported: tables, series, observations, the import log and revised figures.

use super::*;

impl Db {
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
}
