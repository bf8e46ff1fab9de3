//! Indicators fed from a statistics series: their source and values.

use super::*;

impl Db {
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
