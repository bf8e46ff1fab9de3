//! The SDG catalogue (goals, targets, texts), prioritised goals per period and element links.

use super::*;

/// One SDG link of an element.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct SdgLink {
    /// Element.
    pub element_id: i64,
    /// Target code.
    pub target: String,
    /// Goal number.
    pub goal: i64,
    /// "Adapted from" rather than contributing to.
    pub adapted: bool,
}

impl Db {
    /// Loads the SDG catalogue if it is not there yet (it is reference data shared by all municipalities).
    pub async fn seed_sdg(&self) -> Result<()> {
        let goals = sdg::goals();
        let targets = sdg::targets();
        let indicators = sdg::indicators();
        on_db!(self, pool => {
            let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sdg_goals").fetch_one(pool).await?;
            if have == goals.len() as i64 {
                return Ok(());
            }
            let mut tx = pool.begin().await?;
            for g in &goals {
                sqlx::query("INSERT INTO sdg_goals (goal, colour, short_nb, title_nb, short_en, title_en) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(g.goal).bind(&g.colour).bind(&g.short_nb).bind(&g.title_nb).bind(&g.short_en).bind(&g.title_en)
                    .execute(&mut *tx).await?;
            }
            for (i, t) in targets.iter().enumerate() {
                sqlx::query("INSERT INTO sdg_targets (code, goal, text_en, text_nb, sort_key) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&t.target).bind(t.goal).bind(&t.text_en).bind((!t.text_nb.is_empty()).then_some(&t.text_nb)).bind(i as i64)
                    .execute(&mut *tx).await?;
            }
            for i in &indicators {
                sqlx::query("INSERT INTO sdg_indicators (code, target, text_en, text_nb) VALUES ($1, $2, $3, $4)")
                    .bind(&i.indicator).bind(&i.target).bind(&i.text_en).bind((!i.text_nb.is_empty()).then_some(&i.text_nb))
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Whether a target code exists in the catalogue.
    pub async fn sdg_target_exists(&self, code: &str) -> Result<bool> {
        let n: i64 = on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM sdg_targets WHERE code = $1").bind(code).fetch_one(pool).await?
        });
        Ok(n > 0)
    }

    /// Corrected target texts for this installation: `(code, lang, text)`.
    pub async fn sdg_target_texts(&self) -> Result<Vec<(String, String, String)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, (String, String, String)>("SELECT code, lang, text FROM sdg_target_texts ORDER BY code")
                .fetch_all(pool).await?
        }))
    }

    /// Corrects (or, with an empty text, restores) a target's wording in `lang` for the installation.
    pub async fn sdg_target_text_set(&self, author: &Author, code: &str, lang: &str, text: &str) -> Result<()> {
        if !self.sdg_target_exists(code).await? {
            return Err(RuleError::new("err-sdg-target-unknown").with("code", code).into());
        }
        let before: Option<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT text FROM sdg_target_texts WHERE code = $1 AND lang = $2").bind(code).bind(lang).fetch_optional(pool).await?
        });
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM sdg_target_texts WHERE code = $1 AND lang = $2").bind(code).bind(lang).execute(&mut *tx).await?;
            if !text.trim().is_empty() {
                sqlx::query("INSERT INTO sdg_target_texts (code, lang, text, updated_at) VALUES ($1, $2, $3, $4)")
                    .bind(code).bind(lang).bind(text.trim()).bind(now()).execute(&mut *tx).await?;
            }
            // The audit log is per municipality; the correction is recorded under the editor's.
            audit_in_tx!(tx, author, "sdg_target", 0, "update",
                Some(serde_json::json!({"code": code, "lang": lang, "text": before})),
                Some(serde_json::json!({"code": code, "lang": lang, "text": text.trim()})));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Goals the municipality prioritised for the period covering `year`.
    pub async fn sdg_priorities(&self, municipality_id: i64, year: i32) -> Result<Vec<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT goal FROM sdg_priorities WHERE municipality_id = $1 AND first_year <= $2 AND last_year >= $2 ORDER BY goal")
                .bind(municipality_id).bind(i64::from(year)).fetch_all(pool).await?
        }))
    }

    /// Sets the prioritised goals for a planning period (replacing that period's set).
    pub async fn sdg_set_priorities(
        &self,
        author: &Author,
        first_year: i32,
        last_year: i32,
        goals: &[i64],
    ) -> Result<()> {
        check_period(first_year, last_year)?;
        if goals.iter().any(|g| !(1..=17).contains(g)) {
            return Err(RuleError::new("err-sdg-goal-unknown").into());
        }
        let mid = author.municipality_id;
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM sdg_priorities WHERE municipality_id = $1 AND first_year = $2")
                .bind(mid).bind(i64::from(first_year)).execute(&mut *tx).await?;
            for g in goals {
                sqlx::query("INSERT INTO sdg_priorities (municipality_id, goal, first_year, last_year) VALUES ($1, $2, $3, $4)")
                    .bind(mid).bind(g).bind(i64::from(first_year)).bind(i64::from(last_year)).execute(&mut *tx).await?;
            }
            let after = serde_json::json!({"first_year": first_year, "last_year": last_year, "goals": goals});
            audit_in_tx!(tx, author, "sdg_priorities", i64::from(first_year), "update", None, Some(after));
            tx.commit().await?;
        });
        Ok(())
    }

    /// SDG links of every element in a municipality.
    pub async fn sdg_links(&self, municipality_id: i64) -> Result<Vec<SdgLink>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, SdgLink>(SDG_LINKS_SQL).bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// The SDG links of one element, in catalogue order.
    pub async fn sdg_links_of(&self, municipality_id: i64, element_id: i64) -> Result<Vec<SdgLink>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, SdgLink>(
                "SELECT l.element_id, l.target, t.goal, l.adapted FROM element_sdg_targets l
                 JOIN goal_elements e ON e.id = l.element_id JOIN sdg_targets t ON t.code = l.target
                 WHERE e.municipality_id = $1 AND l.element_id = $2 ORDER BY t.sort_key")
                .bind(municipality_id).bind(element_id).fetch_all(pool).await?
        }))
    }
}

const SDG_LINKS_SQL: &str = "SELECT l.element_id, l.target, t.goal, l.adapted FROM element_sdg_targets l
     JOIN goal_elements e ON e.id = l.element_id JOIN sdg_targets t ON t.code = l.target
     WHERE e.municipality_id = $1 ORDER BY t.sort_key";

/// The SDG links of a municipality's elements, read inside `tx`.
pub async fn sdg_links_in(tx: &mut Tx, municipality_id: i64) -> Result<Vec<SdgLink>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, SdgLink>(SDG_LINKS_SQL).bind(municipality_id).fetch_all(&mut *c).await?))
}
