//! Reads the dashboards need beside the follow-up read API (`followup_items`, `followup_dialogues`):
//! which items were reported on in a period, and the unit plans of a year with their status.

use crate::plans::Plan;
use crate::{Db, Result, on_db};
use std::collections::HashSet;

impl Db {
    /// The assignments and measures that have a report in `period_id` (the "to report this
    /// period" list is every running item of the caller's that is not among them).
    pub async fn dashboard_reported_in(&self, municipality_id: i64, period_id: i64) -> Result<HashSet<i64>> {
        let ids: Vec<i64> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT DISTINCT element_id FROM status_reports WHERE municipality_id = $1 AND period_id = $2")
                .bind(municipality_id).bind(period_id).fetch_all(pool).await?
        });
        Ok(ids.into_iter().collect())
    }

    /// The unit plans whose period covers `year`, with their owner unit and status.
    pub async fn dashboard_unit_plans(&self, municipality_id: i64, year: i64) -> Result<Vec<Plan>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Plan>(
                "SELECT pl.id, pl.municipality_id, pl.plan_type, pl.title, pl.start_year, pl.end_year, pl.owner_unit_id,
                        u.name AS owner_unit_name, pl.status, pl.published, pl.version
                 FROM plans pl LEFT JOIN org_units u ON u.id = pl.owner_unit_id
                 WHERE pl.municipality_id = $1 AND pl.plan_type = 'unit_plan' AND pl.start_year <= $2 AND pl.end_year >= $2
                 ORDER BY u.name, pl.id")
                .bind(municipality_id).bind(year).fetch_all(pool).await?
        }))
    }
}
