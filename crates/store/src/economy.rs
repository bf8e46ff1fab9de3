//! Economy follow-up (*økonomioppfølging*): the account structure and settings of a municipality,
//! budgets per unit, year and line, monthly actuals imported from the accounting system, and the
//! unit manager's forecast (*prognose*) with its comment. Amounts are exact decimals stored as text.
//!
//! The write paths are one transaction each with the version check and the audit row; a forecast
//! past the thresholds adds the management dialogue row (`status_dialogues` with the economy
//! columns, migration 0016) in the same transaction. An import is staged with its sums and written
//! on confirmation, replacing the months it covers.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::{DateTime, Utc};
use rodtrad_domain::RuleError;
use rodtrad_domain::economy::{ActualKey, ColumnMapping, Decimal, ParsedActuals, Thresholds};
use serde::Serialize;
use std::str::FromStr;

/// A line of the account structure.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct Line {
    /// Id.
    pub id: i64,
    /// Stable code (`salaries`, `operating`, `income`, or one an administrator added).
    pub code: String,
    /// Name shown.
    pub name: String,
    /// Account prefixes, comma-separated.
    pub account_prefixes: String,
    /// Order on pages.
    pub position: i64,
}

impl Line {
    /// The prefixes as a list.
    pub fn prefixes(&self) -> Vec<String> {
        self.account_prefixes.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect()
    }
}

/// The lines every municipality starts with: (code, name, prefixes). Costs positive, income negative
/// as in the accounts (KOSTRA art 10 salaries and social costs, 11–15 goods and services, 16–19 income).
pub const DEFAULT_LINES: [(&str, &str, &str); 3] = [
    ("salaries", "Lønn", "10"),
    ("operating", "Andre driftsutgifter", "11,12,13,14,15"),
    ("income", "Inntekter", "16,17,18,19"),
];

/// A municipality's thresholds and column mapping, with the version the settings forms send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// Deviation thresholds.
    pub thresholds: Thresholds,
    /// The accounting file's columns.
    pub columns: ColumnMapping,
    /// Version (0 before the first save).
    pub version: i64,
}

/// A unit's budget for a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    /// Amount per line id.
    pub amounts: Vec<(i64, Decimal)>,
    /// Version (0 before the first save).
    pub version: i64,
}

/// A forecast: the year's expected result per line, given in a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Year.
    pub year: i64,
    /// Month given (1–12).
    pub month: i64,
    /// The leader's comment.
    pub comment: String,
    /// Amount per line id.
    pub amounts: Vec<(i64, Decimal)>,
    /// Version.
    pub version: i64,
    /// Who saved it last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

impl Forecast {
    /// The sum of its lines.
    pub fn total(&self) -> Decimal {
        self.amounts.iter().map(|(_, a)| *a).sum()
    }
}

#[derive(sqlx::FromRow)]
struct ForecastRow {
    id: i64,
    unit_id: i64,
    year: i64,
    month: i64,
    comment: String,
    version: i64,
    updated_by: String,
    updated_at: DateTime<Utc>,
}

/// A forecast to save, checked by the service.
#[derive(Debug, Clone)]
pub struct NewForecast {
    /// Unit.
    pub unit_id: i64,
    /// Year.
    pub year: i32,
    /// Month (1–12).
    pub month: u32,
    /// The version the leader saw (0: none yet for this month).
    pub base_version: i64,
    /// Comment.
    pub comment: String,
    /// Amount per line id.
    pub amounts: Vec<(i64, Decimal)>,
    /// For an overrun past the thresholds: the unit and its parent, between whose leaders the
    /// dialogue runs.
    pub dialogue: Option<(i64, Option<i64>)>,
}

/// What a saved forecast made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedForecast {
    /// The forecast's id.
    pub id: i64,
    /// Its new version.
    pub version: i64,
    /// A dialogue opened by this save.
    pub dialogue_opened: Option<i64>,
}

/// Everything the roll-up of a year needs, for the whole municipality.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YearData {
    /// (unit, line, amount).
    pub budgets: Vec<(i64, i64, Decimal)>,
    /// (unit, line, month, amount).
    pub actuals: Vec<(i64, i64, i64, Decimal)>,
    /// Every forecast of the year, oldest month first per unit.
    pub forecasts: Vec<Forecast>,
}

/// An uploaded accounting file.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, PartialEq)]
pub struct Import {
    /// Id.
    pub id: i64,
    /// The file's name as uploaded.
    pub file_name: String,
    /// Data rows.
    pub row_count: i64,
    /// Months covered, `2026-01,2026-02`.
    pub months: String,
    /// Sum of all amounts.
    pub total: String,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
    /// When it was confirmed (its actuals stored).
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// The mapping form's content: the columns, each line's (id, name, prefixes), each unit's (id, codes).
pub type Mapping<'a> = (&'a ColumnMapping, &'a [(i64, String, Vec<String>)], &'a [(i64, Vec<String>)]);

/// Rows of a year as read: budgets, actuals, forecasts and forecast lines.
type YearRows = (Vec<(i64, i64, String)>, Vec<(i64, i64, i64, String)>, Vec<ForecastRow>, Vec<(i64, i64, String)>);

fn dec(text: &str) -> Result<Decimal> {
    Decimal::from_str(text).map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

impl Db {
    /// Creates the default lines of a municipality that has none.
    pub async fn economy_ensure_lines(&self, municipality_id: i64) -> Result<()> {
        on_db!(self, pool => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM economy_lines WHERE municipality_id = $1")
                .bind(municipality_id).fetch_one(pool).await?;
            if n == 0 {
                let mut tx = pool.begin().await?;
                for (i, (code, name, prefixes)) in DEFAULT_LINES.iter().enumerate() {
                    sqlx::query("INSERT INTO economy_lines (municipality_id, code, name, account_prefixes, position)
                                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (municipality_id, code) DO NOTHING")
                        .bind(municipality_id).bind(*code).bind(*name).bind(*prefixes).bind(i as i64 + 1)
                        .execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        });
        Ok(())
    }

    /// The lines of the account structure, in order.
    pub async fn economy_lines(&self, municipality_id: i64) -> Result<Vec<Line>> {
        self.economy_ensure_lines(municipality_id).await?;
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Line>("SELECT id, code, name, account_prefixes, position FROM economy_lines
                                       WHERE municipality_id = $1 ORDER BY position, id")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// The thresholds and column mapping (the defaults at version 0 before the first save).
    pub async fn economy_settings(&self, municipality_id: i64) -> Result<Settings> {
        let row: Option<(String, String, String, String, String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT threshold_percent, threshold_amount, responsibility_column, account_column,
                                   period_column, amount_column, version
                            FROM economy_settings WHERE municipality_id = $1")
                .bind(municipality_id).fetch_optional(pool).await?
        });
        Ok(match row {
            None => Settings { thresholds: Thresholds::default(), columns: ColumnMapping::default(), version: 0 },
            Some((p, a, r, acc, per, amt, version)) => Settings {
                thresholds: Thresholds { percent: dec(&p)?, amount: dec(&a)? },
                columns: ColumnMapping { responsibility: r, account: acc, period: per, amount: amt },
                version,
            },
        })
    }

    /// Responsibility codes and their units, sorted by code.
    pub async fn economy_responsibilities(&self, municipality_id: i64) -> Result<Vec<(String, i64)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as("SELECT code, unit_id FROM economy_responsibilities WHERE municipality_id = $1 ORDER BY code")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// Saves the settings at `expected_version`: thresholds, and with `mapping` the columns, every
    /// line's name and prefixes and the responsibility codes of each unit (replacing all codes).
    /// Units must belong to the municipality; a code given to two units is refused.
    pub async fn economy_settings_save(
        &self,
        author: &Author,
        expected_version: i64,
        thresholds: &Thresholds,
        mapping: Option<Mapping<'_>>,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let current = self.economy_settings(mid).await?;
        let columns = mapping.map_or(&current.columns, |m| m.0).clone();
        let ts = now();
        let version = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = if expected_version == 0 {
                sqlx::query("INSERT INTO economy_settings (municipality_id, threshold_percent, threshold_amount,
                                responsibility_column, account_column, period_column, amount_column, version, updated_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) ON CONFLICT (municipality_id) DO NOTHING")
                    .bind(mid).bind(thresholds.percent.to_string()).bind(thresholds.amount.to_string())
                    .bind(&columns.responsibility).bind(&columns.account).bind(&columns.period).bind(&columns.amount).bind(ts)
                    .execute(&mut *tx).await?.rows_affected()
            } else {
                sqlx::query("UPDATE economy_settings SET threshold_percent = $2, threshold_amount = $3,
                                responsibility_column = $4, account_column = $5, period_column = $6, amount_column = $7,
                                version = version + 1, updated_at = $8
                             WHERE municipality_id = $1 AND version = $9")
                    .bind(mid).bind(thresholds.percent.to_string()).bind(thresholds.amount.to_string())
                    .bind(&columns.responsibility).bind(&columns.account).bind(&columns.period).bind(&columns.amount).bind(ts)
                    .bind(expected_version)
                    .execute(&mut *tx).await?.rows_affected()
            };
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            if let Some((_, lines, codes)) = mapping {
                for (line_id, name, prefixes) in lines {
                    let n = sqlx::query("UPDATE economy_lines SET name = $1, account_prefixes = $2 WHERE id = $3 AND municipality_id = $4")
                        .bind(name).bind(prefixes.join(",")).bind(line_id).bind(mid).execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Err(StoreError::NotFound);
                    }
                }
                sqlx::query("DELETE FROM economy_responsibilities WHERE municipality_id = $1").bind(mid).execute(&mut *tx).await?;
                for (unit_id, unit_codes) in codes {
                    let ok: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE id = $1 AND municipality_id = $2")
                        .bind(unit_id).bind(mid).fetch_optional(&mut *tx).await?;
                    if ok.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    for code in unit_codes {
                        sqlx::query("INSERT INTO economy_responsibilities (municipality_id, code, unit_id) VALUES ($1, $2, $3)")
                            .bind(mid).bind(code).bind(unit_id).execute(&mut *tx).await
                            .map_err(|e| StoreError::from(e).unique_as("err-economy-code-twice"))?;
                    }
                }
            }
            let after = serde_json::json!({"thresholds": thresholds, "columns": columns,
                "lines": mapping.map(|m| m.1.iter().map(|(id, name, p)| serde_json::json!({"id": id, "name": name, "prefixes": p})).collect::<Vec<_>>()),
                "responsibilities": mapping.map(|m| m.2.iter().map(|(u, c)| serde_json::json!({"unit_id": u, "codes": c})).collect::<Vec<_>>())});
            audit_in_tx!(tx, author, "economy_settings", mid, "update", crate::audit::snapshot(&current), Some(after));
            tx.commit().await?;
            expected_version + 1
        });
        Ok(version)
    }

    /// Adds a line to the account structure, at the end.
    pub async fn economy_line_add(&self, author: &Author, code: &str, name: &str, prefixes: &[String]) -> Result<i64> {
        let mid = author.municipality_id;
        self.economy_ensure_lines(mid).await?;
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO economy_lines (municipality_id, code, name, account_prefixes, position)
                 VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), 0) + 1 FROM economy_lines WHERE municipality_id = $1))
                 RETURNING id")
                .bind(mid).bind(code).bind(name).bind(prefixes.join(","))
                .fetch_one(&mut *tx).await.map_err(|e| StoreError::from(e).unique_as("err-economy-line-code-taken"))?;
            audit_in_tx!(tx, author, "economy_line", id, "create", None,
                Some(serde_json::json!({"code": code, "name": name, "prefixes": prefixes})));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// A unit's budget for a year.
    pub async fn economy_budget(&self, municipality_id: i64, unit_id: i64, year: i32) -> Result<Budget> {
        let (version, rows): (Option<i64>, Vec<(i64, String)>) = on_db!(self, pool => {
            let v = sqlx::query_scalar("SELECT version FROM economy_budget_sets WHERE municipality_id = $1 AND unit_id = $2 AND year = $3")
                .bind(municipality_id).bind(unit_id).bind(i64::from(year)).fetch_optional(pool).await?;
            let rows = sqlx::query_as("SELECT line_id, amount FROM economy_budgets WHERE municipality_id = $1 AND unit_id = $2 AND year = $3 ORDER BY line_id")
                .bind(municipality_id).bind(unit_id).bind(i64::from(year)).fetch_all(pool).await?;
            (v, rows)
        });
        let amounts = rows.into_iter().map(|(l, a)| Ok((l, dec(&a)?))).collect::<Result<Vec<_>>>()?;
        Ok(Budget { amounts, version: version.unwrap_or(0) })
    }

    /// Saves a unit's budget for a year at `expected_version` (its lines replaced), with the audit row.
    pub async fn economy_budget_save(
        &self,
        author: &Author,
        unit_id: i64,
        year: i32,
        expected_version: i64,
        amounts: &[(i64, Decimal)],
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let before = self.economy_budget(mid, unit_id, year).await?;
        let ts = now();
        let y = i64::from(year);
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = if expected_version == 0 {
                sqlx::query("INSERT INTO economy_budget_sets (municipality_id, unit_id, year, version, updated_at)
                             SELECT $1, $2, $3, 1, $4 WHERE EXISTS (SELECT 1 FROM org_units WHERE id = $2 AND municipality_id = $1)
                             ON CONFLICT (unit_id, year) DO NOTHING")
                    .bind(mid).bind(unit_id).bind(y).bind(ts).execute(&mut *tx).await?.rows_affected()
            } else {
                sqlx::query("UPDATE economy_budget_sets SET version = version + 1, updated_at = $4
                             WHERE municipality_id = $1 AND unit_id = $2 AND year = $3 AND version = $5")
                    .bind(mid).bind(unit_id).bind(y).bind(ts).bind(expected_version).execute(&mut *tx).await?.rows_affected()
            };
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            sqlx::query("DELETE FROM economy_budgets WHERE municipality_id = $1 AND unit_id = $2 AND year = $3")
                .bind(mid).bind(unit_id).bind(y).execute(&mut *tx).await?;
            for (line, amount) in amounts {
                sqlx::query("INSERT INTO economy_budgets (municipality_id, unit_id, year, line_id, amount)
                             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM economy_lines WHERE id = $4 AND municipality_id = $1)")
                    .bind(mid).bind(unit_id).bind(y).bind(line).bind(amount.to_string()).execute(&mut *tx).await?;
            }
            audit_in_tx!(tx, author, "economy_budget", unit_id, "update", crate::audit::snapshot(&before),
                Some(serde_json::json!({"year": year, "amounts": amounts, "version": expected_version + 1})));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }

    /// Every budget, actual and forecast of a year in the municipality, for the roll-up.
    pub async fn economy_year(&self, municipality_id: i64, year: i32) -> Result<YearData> {
        let y = i64::from(year);
        let (budgets, actuals, forecasts, lines): YearRows = on_db!(self, pool => {
            let b = sqlx::query_as("SELECT unit_id, line_id, amount FROM economy_budgets WHERE municipality_id = $1 AND year = $2")
                .bind(municipality_id).bind(y).fetch_all(pool).await?;
            let a = sqlx::query_as("SELECT unit_id, line_id, month, amount FROM economy_actuals WHERE municipality_id = $1 AND year = $2")
                .bind(municipality_id).bind(y).fetch_all(pool).await?;
            let f = sqlx::query_as::<_, ForecastRow>("SELECT id, unit_id, year, month, comment, version, updated_by, updated_at
                    FROM economy_forecasts WHERE municipality_id = $1 AND year = $2 ORDER BY unit_id, month")
                .bind(municipality_id).bind(y).fetch_all(pool).await?;
            let l = sqlx::query_as("SELECT fl.forecast_id, fl.line_id, fl.amount FROM economy_forecast_lines fl
                    JOIN economy_forecasts f ON f.id = fl.forecast_id WHERE f.municipality_id = $1 AND f.year = $2")
                .bind(municipality_id).bind(y).fetch_all(pool).await?;
            (b, a, f, l)
        });
        Ok(YearData {
            budgets: budgets.into_iter().map(|(u, l, a)| Ok((u, l, dec(&a)?))).collect::<Result<_>>()?,
            actuals: actuals.into_iter().map(|(u, l, m, a)| Ok((u, l, m, dec(&a)?))).collect::<Result<_>>()?,
            forecasts: assemble(forecasts, lines)?,
        })
    }

    /// A unit's forecasts of a year, oldest month first.
    pub async fn economy_forecasts(&self, municipality_id: i64, unit_id: i64, year: i32) -> Result<Vec<Forecast>> {
        let y = i64::from(year);
        let (rows, lines): (Vec<ForecastRow>, Vec<(i64, i64, String)>) = on_db!(self, pool => {
            let f = sqlx::query_as::<_, ForecastRow>("SELECT id, unit_id, year, month, comment, version, updated_by, updated_at
                    FROM economy_forecasts WHERE municipality_id = $1 AND unit_id = $2 AND year = $3 ORDER BY month")
                .bind(municipality_id).bind(unit_id).bind(y).fetch_all(pool).await?;
            let l = sqlx::query_as("SELECT fl.forecast_id, fl.line_id, fl.amount FROM economy_forecast_lines fl
                    JOIN economy_forecasts f ON f.id = fl.forecast_id WHERE f.municipality_id = $1 AND f.unit_id = $2 AND f.year = $3")
                .bind(municipality_id).bind(unit_id).bind(y).fetch_all(pool).await?;
            (f, l)
        });
        assemble(rows, lines)
    }

    /// Saves a forecast in one transaction: the forecast row at `base_version` (a new month's row at
    /// 0; else `Conflict`), its lines, the audit row, and for an overrun past the thresholds the
    /// management dialogue, unless the unit has one for this month or an open one this year.
    pub async fn economy_forecast_save(&self, author: &Author, f: &NewForecast) -> Result<SavedForecast> {
        let mid = author.municipality_id;
        let ts = now();
        let (y, m) = (i64::from(f.year), i64::from(f.month));
        let comment = f.comment.trim();
        let saved = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = if f.base_version == 0 {
                sqlx::query_scalar(
                    "INSERT INTO economy_forecasts (municipality_id, unit_id, year, month, comment, version, user_id, updated_by, updated_at)
                     SELECT $1, $2, $3, $4, $5, 1, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM org_units WHERE id = $2 AND municipality_id = $1)
                     ON CONFLICT (unit_id, year, month) DO NOTHING RETURNING id")
                    .bind(mid).bind(f.unit_id).bind(y).bind(m).bind(comment).bind(author.user_id).bind(&author.name).bind(ts)
                    .fetch_optional(&mut *tx).await?
            } else {
                sqlx::query_scalar(
                    "UPDATE economy_forecasts SET comment = $5, version = version + 1, user_id = $6, updated_by = $7, updated_at = $8
                     WHERE municipality_id = $1 AND unit_id = $2 AND year = $3 AND month = $4 AND version = $9 RETURNING id")
                    .bind(mid).bind(f.unit_id).bind(y).bind(m).bind(comment).bind(author.user_id).bind(&author.name).bind(ts)
                    .bind(f.base_version).fetch_optional(&mut *tx).await?
            };
            let Some(id) = id else { return Err(StoreError::Conflict) };
            sqlx::query("DELETE FROM economy_forecast_lines WHERE forecast_id = $1").bind(id).execute(&mut *tx).await?;
            for (line, amount) in &f.amounts {
                sqlx::query("INSERT INTO economy_forecast_lines (forecast_id, line_id, amount)
                             SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM economy_lines WHERE id = $2 AND municipality_id = $4)")
                    .bind(id).bind(line).bind(amount.to_string()).bind(mid).execute(&mut *tx).await?;
            }
            let version = f.base_version + 1;
            audit_in_tx!(tx, author, "economy_forecast", id, if f.base_version == 0 { "create" } else { "update" }, None,
                Some(serde_json::json!({"unit_id": f.unit_id, "year": f.year, "month": f.month, "comment": comment,
                    "amounts": f.amounts, "version": version})));
            let mut dialogue_opened = None;
            if let Some((unit, superior)) = f.dialogue {
                dialogue_opened = sqlx::query_scalar(
                    "INSERT INTO status_dialogues (municipality_id, unit_id, superior_unit_id, opened_at, economy_forecast_id,
                        economy_year, economy_month)
                     SELECT $1, $2, $3, $4, $5, $6, $7
                     WHERE NOT EXISTS (SELECT 1 FROM status_dialogues WHERE unit_id = $2 AND economy_year = $6
                                       AND (economy_month = $7 OR closed_at IS NULL))
                     RETURNING id")
                    .bind(mid).bind(unit).bind(superior).bind(ts).bind(id).bind(y).bind(m)
                    .fetch_optional(&mut *tx).await?;
                if let Some(d) = dialogue_opened {
                    audit_in_tx!(tx, author, "status_dialogue", d, "open", None,
                        Some(serde_json::json!({"economy_forecast_id": id, "unit_id": unit, "year": f.year, "month": f.month})));
                }
            }
            tx.commit().await?;
            SavedForecast { id, version, dialogue_opened }
        });
        Ok(saved)
    }

    /// Stages a valid accounting file: its sums kept on the import row until it is confirmed.
    pub async fn economy_import_stage(&self, author: &Author, file_name: &str, parsed: &ParsedActuals) -> Result<i64> {
        let mid = author.municipality_id;
        let months: Vec<String> = parsed.months().iter().map(|(y, m)| format!("{y}-{m:02}")).collect();
        let totals: Vec<(i64, i64, i32, u32, String)> =
            parsed.totals.iter().map(|((u, l, y, m), a)| (*u, *l, *y, *m, a.to_string())).collect();
        let totals = serde_json::to_string(&totals).unwrap_or_default();
        let ts = now();
        Ok(on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO economy_imports (municipality_id, file_name, row_count, months, total, totals, user_id, uploaded_by, uploaded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                .bind(mid).bind(file_name).bind(parsed.rows as i64).bind(months.join(",")).bind(parsed.sum().to_string())
                .bind(totals).bind(author.user_id).bind(&author.name).bind(ts)
                .fetch_one(pool).await?
        }))
    }

    /// An import.
    pub async fn economy_import(&self, municipality_id: i64, id: i64) -> Result<Import> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, Import>("SELECT id, file_name, row_count, months, total, uploaded_by, uploaded_at, confirmed_at
                                         FROM economy_imports WHERE municipality_id = $1 AND id = $2")
                .bind(municipality_id).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The confirmed imports, newest first.
    pub async fn economy_imports(&self, municipality_id: i64) -> Result<Vec<Import>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Import>("SELECT id, file_name, row_count, months, total, uploaded_by, uploaded_at, confirmed_at
                                         FROM economy_imports WHERE municipality_id = $1 AND confirmed_at IS NOT NULL ORDER BY id DESC")
                .bind(municipality_id).fetch_all(pool).await?
        }))
    }

    /// Confirms a staged import in one transaction: marks it confirmed (a second confirmation is
    /// refused), replaces the actuals of every month it covers with its sums, writes the audit row.
    pub async fn economy_import_confirm(&self, author: &Author, id: i64) -> Result<usize> {
        let mid = author.municipality_id;
        let ts = now();
        let written = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let totals: Option<String> = sqlx::query_scalar(
                "UPDATE economy_imports SET confirmed_at = $1 WHERE id = $2 AND municipality_id = $3 AND confirmed_at IS NULL RETURNING totals")
                .bind(ts).bind(id).bind(mid).fetch_optional(&mut *tx).await?;
            let Some(totals) = totals else {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM economy_imports WHERE id = $1 AND municipality_id = $2")
                    .bind(id).bind(mid).fetch_optional(&mut *tx).await?;
                return Err(match exists {
                    None => StoreError::NotFound,
                    Some(_) => RuleError::new("err-economy-import-done").into(),
                });
            };
            let totals: Vec<(i64, i64, i32, u32, String)> = serde_json::from_str(&totals)
                .map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))?;
            let mut months: Vec<(i32, u32)> = totals.iter().map(|t| (t.2, t.3)).collect();
            months.sort_unstable();
            months.dedup();
            for (y, m) in &months {
                sqlx::query("DELETE FROM economy_actuals WHERE municipality_id = $1 AND year = $2 AND month = $3")
                    .bind(mid).bind(i64::from(*y)).bind(i64::from(*m)).execute(&mut *tx).await?;
            }
            for chunk in totals.chunks(200) {
                let mut sql = String::from("INSERT INTO economy_actuals (municipality_id, unit_id, year, month, line_id, amount, import_id) ");
                sql.push_str("SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7 FROM (VALUES ");
                for i in 0..chunk.len() {
                    let b = i * 7;
                    if i > 0 { sql.push_str(", "); }
                    sql.push_str(&format!("(${}, ${}, ${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7));
                }
                // VALUES names its columns column1… on both backends.
                sql.push_str(") AS v JOIN org_units o ON o.id = v.column2 AND o.municipality_id = v.column1
                               JOIN economy_lines el ON el.id = v.column5 AND el.municipality_id = v.column1");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (u, l, y, m, a) in chunk {
                    q = q.bind(mid).bind(*u).bind(i64::from(*y)).bind(i64::from(*m)).bind(*l).bind(a.clone()).bind(id);
                }
                q.execute(&mut *tx).await?;
            }
            audit_in_tx!(tx, author, "economy_import", id, "confirm", None,
                Some(serde_json::json!({"months": months.iter().map(|(y, m)| format!("{y}-{m:02}")).collect::<Vec<_>>(),
                    "sums": totals.len()})));
            tx.commit().await?;
            totals.len()
        });
        Ok(written)
    }

    /// Writes one month's actual directly (the demo), replacing what is there.
    pub async fn economy_actual_set(&self, municipality_id: i64, key: ActualKey, amount: Decimal) -> Result<()> {
        self.economy_actuals_set(municipality_id, &[(key, amount)]).await
    }

    /// Writes months' actuals directly (the demo) in one transaction, replacing what is there.
    pub async fn economy_actuals_set(&self, municipality_id: i64, actuals: &[(ActualKey, Decimal)]) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for ((u, l, y, m), amount) in actuals {
                sqlx::query("INSERT INTO economy_actuals (municipality_id, unit_id, year, month, line_id, amount) VALUES ($1, $2, $3, $4, $5, $6)
                             ON CONFLICT (unit_id, year, month, line_id) DO UPDATE SET amount = excluded.amount")
                    .bind(municipality_id).bind(*u).bind(i64::from(*y)).bind(i64::from(*m)).bind(*l).bind(amount.to_string())
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

fn assemble(rows: Vec<ForecastRow>, lines: Vec<(i64, i64, String)>) -> Result<Vec<Forecast>> {
    let mut by_forecast: std::collections::HashMap<i64, Vec<(i64, Decimal)>> = std::collections::HashMap::new();
    for (f, l, a) in lines {
        by_forecast.entry(f).or_default().push((l, dec(&a)?));
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut amounts = by_forecast.remove(&r.id).unwrap_or_default();
            amounts.sort_unstable_by_key(|(l, _)| *l);
            Forecast {
                id: r.id,
                unit_id: r.unit_id,
                year: r.year,
                month: r.month,
                comment: r.comment,
                amounts,
                version: r.version,
                updated_by: r.updated_by,
                updated_at: r.updated_at,
            }
        })
        .collect())
}
