//! Peer groups and the SDG goals a series is linked to.

use super::*;

impl Db {
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
}
