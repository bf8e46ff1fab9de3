//! Action programmes (*handlingsprogram*, migration 0017): the period and its adoption decision,
//! frames per service area and year, the investment table, the efficiency target with realised
//! amounts, the fiscal rules and the key figures they are computed from. Amounts are exact
//! decimals stored as text.
//!
//! One version on the programme row guards all its parts: [`Db::programme_save`] applies one
//! [`Change`] in a transaction that checks and raises that version, checks that every unit belongs
//! to the municipality and every year to the period, and writes the audit row.

use crate::{Author, Db, Result, StoreError, audit_in_tx, now, on_db};
use chrono::NaiveDate;
use rodtrad_domain::RuleError;
use rodtrad_domain::economy::Decimal;
use rodtrad_domain::programme::{Comparison, FiscalRule, KeyFigures, Measure, YEARS};
use serde::Serialize;
use std::str::FromStr;

/// A programme's period, title, adoption decision and efficiency target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Head {
    /// Id.
    pub id: i64,
    /// First year of the four.
    pub first_year: i32,
    /// Title.
    pub title: String,
    /// The body that adopted it (*kommunestyret*), empty before adoption.
    pub decision_body: String,
    /// Its case number.
    pub decision_case: String,
    /// The date of the decision.
    pub decided_on: Option<NaiveDate>,
    /// The efficiency target over the whole period, in NOK.
    pub efficiency_target: Option<Decimal>,
    /// Version every save sends back.
    pub version: i64,
}

impl Head {
    /// The years of the period.
    pub fn years(&self) -> Vec<i32> {
        rodtrad_domain::programme::years(self.first_year)
    }
}

/// The frame (*ramme*) of a service area in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Frame {
    /// The service area.
    pub unit_id: i64,
    /// Year.
    pub year: i32,
    /// Amount in NOK.
    pub amount: Decimal,
}

/// An investment project with its amount per year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Investment {
    /// Id (0 before it is stored).
    pub id: i64,
    /// Project name.
    pub name: String,
    /// Category (e.g. *IKT*, *bygg*).
    pub category: String,
    /// The responsible unit.
    pub unit_id: Option<i64>,
    /// Amount per year, years without an amount left out.
    pub amounts: Vec<(i32, Decimal)>,
}

impl Investment {
    /// The amount of `year` (zero when none).
    pub fn amount(&self, year: i32) -> Decimal {
        self.amounts.iter().find(|(y, _)| *y == year).map_or(Decimal::ZERO, |(_, a)| *a)
    }

    /// The sum over the period.
    pub fn total(&self) -> Decimal {
        self.amounts.iter().map(|(_, a)| *a).sum()
    }
}

/// The efficiency target of a service area in a year and what was realised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Efficiency {
    /// The service area.
    pub unit_id: i64,
    /// Year.
    pub year: i32,
    /// Target amount in NOK.
    pub target: Decimal,
    /// Realised so far (`None` until reported).
    pub realised: Option<Decimal>,
    /// Comment on the realisation.
    pub comment: String,
}

/// A stored fiscal rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Id.
    pub id: i64,
    /// The rule.
    pub rule: FiscalRule,
}

/// A whole programme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Programme {
    /// Period, title, decision, version.
    pub head: Head,
    /// Frames per service area and year.
    pub frames: Vec<Frame>,
    /// The investment table, in its order.
    pub investments: Vec<Investment>,
    /// The efficiency target per service area and year.
    pub efficiency: Vec<Efficiency>,
    /// The fiscal rules, in their order.
    pub rules: Vec<Rule>,
    /// Key figures per year.
    pub key_figures: Vec<KeyFigures>,
}

/// One change of a programme, applied by [`Db::programme_save`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "change", content = "data")]
pub enum Change {
    /// Title, adoption decision and the efficiency target of the period.
    Head {
        /// Title.
        title: String,
        /// Deciding body.
        decision_body: String,
        /// Case number.
        decision_case: String,
        /// Date of the decision.
        decided_on: Option<NaiveDate>,
        /// Efficiency target over the period.
        efficiency_target: Option<Decimal>,
    },
    /// Every frame of the programme (replacing the stored ones).
    Frames(Vec<Frame>),
    /// Every efficiency cell of the programme (replacing the stored ones).
    Efficiency(Vec<Efficiency>),
    /// Every year's key figures (replacing the stored ones).
    KeyFigures(Vec<KeyFigures>),
    /// A new investment project at the end of the table.
    AddInvestment(Investment),
    /// Removes an investment project.
    RemoveInvestment(i64),
    /// A new fiscal rule at the end.
    AddRule(FiscalRule),
    /// Removes a fiscal rule.
    RemoveRule(i64),
}

impl Change {
    fn entity(&self) -> &'static str {
        match self {
            Change::Head { .. } => "action_programme",
            Change::Frames(_) => "action_programme_frames",
            Change::Efficiency(_) => "action_programme_efficiency",
            Change::KeyFigures(_) => "action_programme_key_figures",
            Change::AddInvestment(_) | Change::RemoveInvestment(_) => "action_programme_investment",
            Change::AddRule(_) | Change::RemoveRule(_) => "action_programme_rule",
        }
    }

    /// The units and years the change names, checked against the municipality and the period.
    fn units_and_years(&self) -> (Vec<i64>, Vec<i32>) {
        match self {
            Change::Frames(f) => (f.iter().map(|f| f.unit_id).collect(), f.iter().map(|f| f.year).collect()),
            Change::Efficiency(e) => (e.iter().map(|e| e.unit_id).collect(), e.iter().map(|e| e.year).collect()),
            Change::KeyFigures(k) => (Vec::new(), k.iter().map(|k| k.year).collect()),
            Change::AddInvestment(i) => (i.unit_id.into_iter().collect(), i.amounts.iter().map(|(y, _)| *y).collect()),
            _ => (Vec::new(), Vec::new()),
        }
    }
}

fn dec(text: &str) -> Result<Decimal> {
    Decimal::from_str(text).map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

fn opt_dec(text: Option<String>) -> Result<Option<Decimal>> {
    text.as_deref().map(dec).transpose()
}

type HeadRow = (i64, i64, String, String, String, Option<NaiveDate>, Option<String>, i64);
type InvestmentRow = (i64, String, String, Option<i64>);
type EfficiencyRow = (i64, i64, String, Option<String>, String);
type RuleRow = (i64, String, String, String, String);
type FiguresRow = (i64, String, String, String, String);

fn head(r: HeadRow) -> Result<Head> {
    let (id, first_year, title, decision_body, decision_case, decided_on, efficiency_target, version) = r;
    Ok(Head {
        id,
        first_year: first_year as i32,
        title,
        decision_body,
        decision_case,
        decided_on,
        efficiency_target: opt_dec(efficiency_target)?,
        version,
    })
}

const HEAD_COLUMNS: &str =
    "id, first_year, title, decision_body, decision_case, decided_on, efficiency_target, version";

impl Db {
    /// The municipality's programmes, latest period first.
    pub async fn programmes(&self, municipality_id: i64) -> Result<Vec<Head>> {
        let sql =
            format!("SELECT {HEAD_COLUMNS} FROM action_programmes WHERE municipality_id = $1 ORDER BY first_year DESC");
        let rows: Vec<HeadRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(municipality_id).fetch_all(pool).await?
        });
        rows.into_iter().map(head).collect()
    }

    /// The programme of the municipality starting in `first_year`, whole; `None` when there is none.
    pub async fn programme(&self, municipality_id: i64, first_year: i32) -> Result<Option<Programme>> {
        let sql =
            format!("SELECT {HEAD_COLUMNS} FROM action_programmes WHERE municipality_id = $1 AND first_year = $2");
        type Rows = (
            Option<HeadRow>,
            Vec<(i64, i64, String)>,
            Vec<InvestmentRow>,
            Vec<(i64, i64, String)>,
            Vec<EfficiencyRow>,
            Vec<RuleRow>,
            Vec<FiguresRow>,
        );
        let (h, frames, investments, amounts, efficiency, rules, figures): Rows = on_db!(self, pool => {
            let h: Option<HeadRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(municipality_id).bind(i64::from(first_year)).fetch_optional(pool).await?;
            let Some(row) = h else { return Ok(None) };
            let id = row.0;
            let f = sqlx::query_as("SELECT unit_id, year, amount FROM action_programme_frames WHERE programme_id = $1 ORDER BY unit_id, year")
                .bind(id).fetch_all(pool).await?;
            let i = sqlx::query_as("SELECT id, name, category, unit_id FROM action_programme_investments WHERE programme_id = $1 ORDER BY position, id")
                .bind(id).fetch_all(pool).await?;
            let a = sqlx::query_as("SELECT a.investment_id, a.year, a.amount FROM action_programme_investment_amounts a
                    JOIN action_programme_investments i ON i.id = a.investment_id WHERE i.programme_id = $1 ORDER BY a.year")
                .bind(id).fetch_all(pool).await?;
            let e = sqlx::query_as("SELECT unit_id, year, target, realised, comment FROM action_programme_efficiency WHERE programme_id = $1 ORDER BY unit_id, year")
                .bind(id).fetch_all(pool).await?;
            let r = sqlx::query_as("SELECT id, name, measure, comparison, threshold FROM action_programme_rules WHERE programme_id = $1 ORDER BY position, id")
                .bind(id).fetch_all(pool).await?;
            let k = sqlx::query_as("SELECT year, operating_income, net_operating_result, net_debt, disposition_fund
                    FROM action_programme_key_figures WHERE programme_id = $1 ORDER BY year")
                .bind(id).fetch_all(pool).await?;
            (Some(row), f, i, a, e, r, k)
        });
        let Some(h) = h else { return Ok(None) };
        let decode = |code: String| StoreError::Database(sqlx::Error::Decode(format!("unknown code {code}").into()));
        Ok(Some(Programme {
            head: head(h)?,
            frames: frames
                .into_iter()
                .map(|(unit_id, year, amount)| Ok(Frame { unit_id, year: year as i32, amount: dec(&amount)? }))
                .collect::<Result<_>>()?,
            investments: investments
                .into_iter()
                .map(|(id, name, category, unit_id)| {
                    let amounts = amounts
                        .iter()
                        .filter(|(i, _, _)| *i == id)
                        .map(|(_, y, a)| Ok((*y as i32, dec(a)?)))
                        .collect::<Result<_>>()?;
                    Ok(Investment { id, name, category, unit_id, amounts })
                })
                .collect::<Result<_>>()?,
            efficiency: efficiency
                .into_iter()
                .map(|(unit_id, year, target, realised, comment)| {
                    Ok(Efficiency {
                        unit_id,
                        year: year as i32,
                        target: dec(&target)?,
                        realised: opt_dec(realised)?,
                        comment,
                    })
                })
                .collect::<Result<_>>()?,
            rules: rules
                .into_iter()
                .map(|(id, name, measure, comparison, threshold)| {
                    let measure = Measure::try_from(measure).map_err(decode)?;
                    let comparison = Comparison::try_from(comparison).map_err(decode)?;
                    Ok(Rule { id, rule: FiscalRule { name, measure, comparison, threshold: dec(&threshold)? } })
                })
                .collect::<Result<_>>()?,
            key_figures: figures
                .into_iter()
                .map(|(year, income, result, debt, fund)| {
                    Ok(KeyFigures {
                        year: year as i32,
                        operating_income: dec(&income)?,
                        net_operating_result: dec(&result)?,
                        net_debt: dec(&debt)?,
                        disposition_fund: dec(&fund)?,
                    })
                })
                .collect::<Result<_>>()?,
        }))
    }

    /// Starts the programme of a period with its title; a second one of the same first year is
    /// refused (`err-programme-exists`).
    pub async fn programme_create(&self, author: &Author, first_year: i32, title: &str) -> Result<i64> {
        let mid = author.municipality_id;
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO action_programmes (municipality_id, first_year, title, version, updated_at) VALUES ($1, $2, $3, 1, $4) RETURNING id")
                .bind(mid).bind(i64::from(first_year)).bind(title).bind(now())
                .fetch_one(&mut *tx).await.map_err(|e| StoreError::from(e).unique_as("err-programme-exists"))?;
            audit_in_tx!(tx, author, "action_programme", id, "create", None,
                Some(serde_json::json!({"first_year": first_year, "title": title})));
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Applies `change` to the programme of `first_year` at `expected_version`, in one transaction
    /// with the audit row: `Conflict` when stale, `NotFound` for an unknown programme, unit, project
    /// or rule, a rule error for a year outside the period. Returns the new version.
    pub async fn programme_save(
        &self,
        author: &Author,
        first_year: i32,
        expected_version: i64,
        change: &Change,
    ) -> Result<i64> {
        let mid = author.municipality_id;
        let (units, years) = change.units_and_years();
        if let Some(y) = years.iter().find(|y| !(first_year..first_year + YEARS).contains(y)) {
            return Err(RuleError::new("err-programme-year-outside").with("year", y.to_string()).into());
        }
        let Some(before) = self.programme(mid, first_year).await? else { return Err(StoreError::NotFound) };
        let id = before.head.id;
        let before_part = match change {
            Change::Head { .. } => crate::audit::snapshot(&before.head),
            Change::Frames(_) => crate::audit::snapshot(&before.frames),
            Change::Efficiency(_) => crate::audit::snapshot(&before.efficiency),
            Change::KeyFigures(_) => crate::audit::snapshot(&before.key_figures),
            Change::RemoveInvestment(i) => crate::audit::snapshot(&before.investments.iter().find(|x| x.id == *i)),
            Change::RemoveRule(r) => crate::audit::snapshot(&before.rules.iter().find(|x| x.id == *r)),
            Change::AddInvestment(_) | Change::AddRule(_) => None,
        };
        let (action, entity_id) = match change {
            Change::RemoveInvestment(i) | Change::RemoveRule(i) => ("remove", *i),
            Change::AddInvestment(_) | Change::AddRule(_) => ("create", id),
            _ => ("update", id),
        };
        // The change's fields at the top level of the audit row, where the audit page shows dates in
        // the reader's format (a nested object would show as JSON with ISO dates).
        let mut after = serde_json::json!({"first_year": first_year, "version": expected_version + 1});
        if let (Some(row), Ok(serde_json::Value::Object(fields))) =
            (after.as_object_mut(), serde_json::to_value(change))
        {
            for (key, value) in fields {
                match value {
                    serde_json::Value::Object(data) if key == "data" => row.extend(data),
                    value => {
                        row.insert(key, value);
                    }
                }
            }
        }
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE action_programmes SET version = version + 1, updated_at = $1
                                 WHERE id = $2 AND municipality_id = $3 AND version = $4")
                .bind(now()).bind(id).bind(mid).bind(expected_version).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            for unit in &units {
                let ok: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE id = $1 AND municipality_id = $2")
                    .bind(unit).bind(mid).fetch_optional(&mut *tx).await?;
                if ok.is_none() {
                    return Err(StoreError::NotFound);
                }
            }
            let mut entity_id = entity_id;
            match change {
                Change::Head { title, decision_body, decision_case, decided_on, efficiency_target } => {
                    sqlx::query("UPDATE action_programmes SET title = $1, decision_body = $2, decision_case = $3, decided_on = $4,
                                 efficiency_target = $5 WHERE id = $6")
                        .bind(title).bind(decision_body).bind(decision_case).bind(decided_on)
                        .bind(efficiency_target.map(|t| t.to_string())).bind(id).execute(&mut *tx).await?;
                }
                Change::Frames(frames) => {
                    sqlx::query("DELETE FROM action_programme_frames WHERE programme_id = $1").bind(id).execute(&mut *tx).await?;
                    for f in frames {
                        sqlx::query("INSERT INTO action_programme_frames (programme_id, unit_id, year, amount) VALUES ($1, $2, $3, $4)")
                            .bind(id).bind(f.unit_id).bind(i64::from(f.year)).bind(f.amount.to_string()).execute(&mut *tx).await?;
                    }
                }
                Change::Efficiency(cells) => {
                    sqlx::query("DELETE FROM action_programme_efficiency WHERE programme_id = $1").bind(id).execute(&mut *tx).await?;
                    for e in cells {
                        sqlx::query("INSERT INTO action_programme_efficiency (programme_id, unit_id, year, target, realised, comment)
                                     VALUES ($1, $2, $3, $4, $5, $6)")
                            .bind(id).bind(e.unit_id).bind(i64::from(e.year)).bind(e.target.to_string())
                            .bind(e.realised.map(|r| r.to_string())).bind(&e.comment).execute(&mut *tx).await?;
                    }
                }
                Change::KeyFigures(figures) => {
                    sqlx::query("DELETE FROM action_programme_key_figures WHERE programme_id = $1").bind(id).execute(&mut *tx).await?;
                    for k in figures {
                        sqlx::query("INSERT INTO action_programme_key_figures (programme_id, year, operating_income, net_operating_result, net_debt, disposition_fund)
                                     VALUES ($1, $2, $3, $4, $5, $6)")
                            .bind(id).bind(i64::from(k.year)).bind(k.operating_income.to_string()).bind(k.net_operating_result.to_string())
                            .bind(k.net_debt.to_string()).bind(k.disposition_fund.to_string()).execute(&mut *tx).await?;
                    }
                }
                Change::AddInvestment(i) => {
                    let new_id: i64 = sqlx::query_scalar(
                        "INSERT INTO action_programme_investments (programme_id, name, category, unit_id, position)
                         VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), 0) + 1 FROM action_programme_investments WHERE programme_id = $1))
                         RETURNING id")
                        .bind(id).bind(&i.name).bind(&i.category).bind(i.unit_id).fetch_one(&mut *tx).await?;
                    for (year, amount) in &i.amounts {
                        sqlx::query("INSERT INTO action_programme_investment_amounts (investment_id, year, amount) VALUES ($1, $2, $3)")
                            .bind(new_id).bind(i64::from(*year)).bind(amount.to_string()).execute(&mut *tx).await?;
                    }
                    entity_id = new_id;
                }
                Change::RemoveInvestment(i) => {
                    sqlx::query("DELETE FROM action_programme_investment_amounts WHERE investment_id =
                                 (SELECT id FROM action_programme_investments WHERE id = $1 AND programme_id = $2)")
                        .bind(i).bind(id).execute(&mut *tx).await?;
                    let n = sqlx::query("DELETE FROM action_programme_investments WHERE id = $1 AND programme_id = $2")
                        .bind(i).bind(id).execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Err(StoreError::NotFound);
                    }
                }
                Change::AddRule(r) => {
                    entity_id = sqlx::query_scalar(
                        "INSERT INTO action_programme_rules (programme_id, name, measure, comparison, threshold, position)
                         VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(MAX(position), 0) + 1 FROM action_programme_rules WHERE programme_id = $1))
                         RETURNING id")
                        .bind(id).bind(&r.name).bind(r.measure.as_code()).bind(r.comparison.as_code())
                        .bind(r.threshold.to_string()).fetch_one(&mut *tx).await?;
                }
                Change::RemoveRule(r) => {
                    let n = sqlx::query("DELETE FROM action_programme_rules WHERE id = $1 AND programme_id = $2")
                        .bind(r).bind(id).execute(&mut *tx).await?.rows_affected();
                    if n == 0 {
                        return Err(StoreError::NotFound);
                    }
                }
            }
            audit_in_tx!(tx, author, change.entity(), entity_id, action, before_part, Some(after.clone()));
            tx.commit().await?;
        });
        Ok(expected_version + 1)
    }
}
