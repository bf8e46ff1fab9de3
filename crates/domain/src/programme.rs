//! The action programme (*handlingsprogram*): a four-year period with its economic frames per
//! service area (*økonomiske rammer*), the investment table, the efficiency target (*omstilling og
//! effektivisering*) with its realised amounts, and the fiscal rules (*handlingsregler*), each a
//! measure computed from the year's key figures and compared with a threshold: [`evaluate`] is the
//! one place that computes the result per rule and year and whether it passed.
//!
//! Amounts are exact NOK decimals ([`crate::economy::parse_form_amount`]); a programme is adopted
//! political figures, so everyone signed in to the municipality reads it and the management staff
//! and system administrators edit it.

use crate::RuleError;
use crate::economy::{Decimal, parse_form_amount};

/// Years in a programme period.
pub const YEARS: i32 = 4;

/// The first year a programme may start in, and the last.
pub const FIRST_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The years of the period starting in `first_year`.
pub fn years(first_year: i32) -> Vec<i32> {
    (first_year..first_year + YEARS).collect()
}

/// Parses the first year of a period (a form field or a path segment).
pub fn parse_first_year(input: &str) -> Result<i32, RuleError> {
    input
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| FIRST_YEARS.contains(y))
        .ok_or_else(|| RuleError::new("err-programme-year").with("value", input.trim().to_owned()).on("first_year"))
}

/// A name or title: trimmed, 1–200 characters.
pub fn parse_name(input: &str, field: &'static str) -> Result<String, RuleError> {
    let name = input.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(RuleError::new("err-programme-name").on(field));
    }
    Ok(name.to_owned())
}

/// An optional amount: empty is `None`, otherwise exact with at most two decimals.
pub fn parse_optional_amount(input: &str, field: &'static str) -> Result<Option<Decimal>, RuleError> {
    if input.trim().is_empty() { Ok(None) } else { parse_form_amount(input, field).map(Some) }
}

/// What a fiscal rule measures, each in percent of the year's operating income (*driftsinntekter*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Net operating result (*netto driftsresultat*).
    NetOperatingResult,
    /// Net debt (*netto lånegjeld*).
    NetDebt,
    /// Disposition fund (*disposisjonsfond*).
    DispositionFund,
}

impl Measure {
    /// Every measure, in the order forms list them.
    pub const ALL: [Measure; 3] = [Measure::NetOperatingResult, Measure::NetDebt, Measure::DispositionFund];

    /// Stable code in forms, the API and the database.
    pub fn as_code(self) -> &'static str {
        match self {
            Measure::NetOperatingResult => "net_operating_result",
            Measure::NetDebt => "net_debt",
            Measure::DispositionFund => "disposition_fund",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<Measure> {
        Self::ALL.into_iter().find(|m| m.as_code() == code.trim())
    }

    /// The key figure the measure divides by the operating income.
    fn figure(self, k: &KeyFigures) -> Decimal {
        match self {
            Measure::NetOperatingResult => k.net_operating_result,
            Measure::NetDebt => k.net_debt,
            Measure::DispositionFund => k.disposition_fund,
        }
    }
}

impl TryFrom<String> for Measure {
    type Error = String;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Measure::parse(&code).ok_or(code)
    }
}

/// How a rule's value is compared with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The value must be at least the threshold (≥).
    AtLeast,
    /// The value must be at most the threshold (≤).
    AtMost,
}

impl Comparison {
    /// Both comparisons.
    pub const ALL: [Comparison; 2] = [Comparison::AtLeast, Comparison::AtMost];

    /// Stable code.
    pub fn as_code(self) -> &'static str {
        match self {
            Comparison::AtLeast => "at_least",
            Comparison::AtMost => "at_most",
        }
    }

    /// The sign shown (`≥`, `≤`).
    pub fn sign(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::AtMost => "≤",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<Comparison> {
        Self::ALL.into_iter().find(|c| c.as_code() == code.trim())
    }

    fn holds(self, value: Decimal, threshold: Decimal) -> bool {
        match self {
            Comparison::AtLeast => value >= threshold,
            Comparison::AtMost => value <= threshold,
        }
    }
}

impl TryFrom<String> for Comparison {
    type Error = String;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Comparison::parse(&code).ok_or(code)
    }
}

/// A fiscal rule (*handlingsregel*): e.g. net operating result ≥ 1.75 % of operating income.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FiscalRule {
    /// Name shown.
    pub name: String,
    /// What is measured.
    pub measure: Measure,
    /// How the value is compared.
    pub comparison: Comparison,
    /// The threshold in percent of operating income.
    pub threshold: Decimal,
}

impl FiscalRule {
    /// Parses the rule form: a name, a measure code, a comparison code and a threshold percent
    /// (-1000 to 1000, at most two decimals).
    pub fn parse(name: &str, measure: &str, comparison: &str, threshold: &str) -> Result<FiscalRule, RuleError> {
        let name = parse_name(name, "rule_name")?;
        let measure = Measure::parse(measure).ok_or_else(|| RuleError::new("err-programme-measure").on("measure"))?;
        let comparison =
            Comparison::parse(comparison).ok_or_else(|| RuleError::new("err-programme-comparison").on("comparison"))?;
        let threshold = parse_form_amount(threshold, "threshold")
            .ok()
            .filter(|t| t.abs() <= Decimal::from(1000))
            .ok_or_else(|| RuleError::new("err-programme-threshold").with("value", threshold.trim()).on("threshold"))?;
        Ok(FiscalRule { name, measure, comparison, threshold })
    }
}

/// A year's key figures (*nøkkeltall*) the fiscal rules are computed from, in NOK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct KeyFigures {
    /// Year.
    pub year: i32,
    /// Operating income (*driftsinntekter*).
    pub operating_income: Decimal,
    /// Net operating result (*netto driftsresultat*).
    pub net_operating_result: Decimal,
    /// Net debt (*netto lånegjeld*).
    pub net_debt: Decimal,
    /// Disposition fund (*disposisjonsfond*).
    pub disposition_fund: Decimal,
}

/// The four key figures of a year as typed, before parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct KeyFiguresInput {
    /// Operating income.
    pub operating_income: String,
    /// Net operating result.
    pub net_operating_result: String,
    /// Net debt.
    pub net_debt: String,
    /// Disposition fund.
    pub disposition_fund: String,
}

impl KeyFiguresInput {
    /// Parses a year's figures: all four empty means none entered (`None`); otherwise all four
    /// must be exact amounts and the operating income above zero. `field` names the year's inputs.
    pub fn parse(&self, year: i32, field: &'static str) -> Result<Option<KeyFigures>, RuleError> {
        let all = [&self.operating_income, &self.net_operating_result, &self.net_debt, &self.disposition_fund];
        if all.iter().all(|v| v.trim().is_empty()) {
            return Ok(None);
        }
        let amount = |v: &str| {
            parse_form_amount(v, field).map_err(|_| {
                RuleError::new("err-programme-figure").with("year", year.to_string()).with("value", v.trim()).on(field)
            })
        };
        let operating_income = amount(&self.operating_income)?;
        if operating_income <= Decimal::ZERO {
            return Err(RuleError::new("err-programme-income").with("year", year.to_string()).on(field));
        }
        Ok(Some(KeyFigures {
            year,
            operating_income,
            net_operating_result: amount(&self.net_operating_result)?,
            net_debt: amount(&self.net_debt)?,
            disposition_fund: amount(&self.disposition_fund)?,
        }))
    }
}

/// A rule's result in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RuleResult {
    /// Year.
    pub year: i32,
    /// The measure in percent of operating income, with exactly two decimals; `None` without key figures for the
    /// year (or with an operating income of zero).
    pub value: Option<Decimal>,
    /// Whether the rule is met (*oppfylt*); `None` when there is no value.
    pub passed: Option<bool>,
}

/// The result of every rule in every year of `years`: one row per rule, one cell per year, from
/// the key figures of those years (a year without figures gives no value and no verdict). The
/// value is rounded to two decimals and the comparison made on the rounded value, so the page, the
/// export and the verdict never disagree.
pub fn evaluate(rules: &[FiscalRule], figures: &[KeyFigures], years: &[i32]) -> Vec<Vec<RuleResult>> {
    rules
        .iter()
        .map(|rule| {
            years
                .iter()
                .map(|&year| {
                    let value =
                        figures.iter().find(|k| k.year == year).filter(|k| !k.operating_income.is_zero()).map(|k| {
                            let mut v = (rule.measure.figure(k) * Decimal::from(100) / k.operating_income).round_dp(2);
                            v.rescale(2);
                            v
                        });
                    RuleResult { year, value, passed: value.map(|v| rule.comparison.holds(v, rule.threshold)) }
                })
                .collect()
        })
        .collect()
}

/// How far the efficiency target has come: target, realised, what remains, percent realised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// The target amount.
    pub target: Decimal,
    /// Realised so far.
    pub realised: Decimal,
    /// Target − realised (negative when more was realised than targeted).
    pub remaining: Decimal,
    /// Realised in percent of the target, one decimal; `None` for a zero target.
    pub percent: Option<Decimal>,
}

/// The progress of `realised` against `target`.
pub fn progress(target: Decimal, realised: Decimal) -> Progress {
    Progress {
        target,
        realised,
        remaining: target - realised,
        percent: (!target.is_zero()).then(|| (realised * Decimal::from(100) / target).round_dp(1)),
    }
}

/// Everyone signed in to the municipality reads its programmes (adopted political figures), so
/// reading needs no rule beyond the municipality of the session.
impl crate::Actor {
    /// May edit an action programme (frames, investments, efficiency, fiscal rules and key
    /// figures): the management staff and system administrators, who also manage the economy.
    pub fn can_manage_programme(&self) -> bool {
        self.can_manage_economy()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Actor, Role};
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn figures(year: i32, income: &str, result: &str, debt: &str, fund: &str) -> KeyFigures {
        KeyFigures {
            year,
            operating_income: d(income),
            net_operating_result: d(result),
            net_debt: d(debt),
            disposition_fund: d(fund),
        }
    }

    fn rule(measure: Measure, comparison: Comparison, threshold: &str) -> FiscalRule {
        FiscalRule { name: "r".into(), measure, comparison, threshold: d(threshold) }
    }

    #[test]
    fn rules_are_computed_per_year_with_pass_and_fail() {
        let years = years(2027);
        assert_eq!(years, vec![2027, 2028, 2029, 2030]);
        let figures = [
            figures(2027, "4000000000", "70000000", "3600000000", "320000000"),
            figures(2028, "4100000000", "61500000", "3900000000", "300000000"),
            // 2029 has no figures; 2030's income of zero cannot occur through parsing but must not divide.
            figures(2030, "0", "1", "1", "1"),
        ];
        let rules = [
            rule(Measure::NetOperatingResult, Comparison::AtLeast, "1.75"),
            rule(Measure::NetDebt, Comparison::AtMost, "95"),
            rule(Measure::DispositionFund, Comparison::AtLeast, "8"),
        ];
        let r = evaluate(&rules, &figures, &years);
        assert_eq!(r.len(), 3);
        // 70 / 4000 = 1.75 % exactly: the boundary passes ≥.
        assert_eq!(r[0][0], RuleResult { year: 2027, value: Some(d("1.75")), passed: Some(true) });
        // 61.5 / 4100 = 1.5 %: fails.
        assert_eq!(r[0][1], RuleResult { year: 2028, value: Some(d("1.50")), passed: Some(false) });
        assert_eq!(r[0][2], RuleResult { year: 2029, value: None, passed: None });
        assert_eq!(r[0][3], RuleResult { year: 2030, value: None, passed: None });
        // 3600 / 4000 = 90 % ≤ 95 passes; 3900 / 4100 = 95.12 % fails.
        assert_eq!(r[1][0].value, Some(d("90")));
        assert_eq!(r[1][0].passed, Some(true));
        assert_eq!(r[1][1].value, Some(d("95.12")));
        assert_eq!(r[1][1].passed, Some(false));
        // 320 / 4000 = 8 % passes ≥ 8; 300 / 4100 = 7.32 % fails.
        assert_eq!(r[2][0].passed, Some(true));
        assert_eq!(r[2][1].value, Some(d("7.32")));
        assert_eq!(r[2][1].passed, Some(false));
    }

    #[test]
    fn the_rounded_value_decides() {
        // 17.499 / 1000 = 1.7499 % rounds to 1.75, which meets ≥ 1.75: page and verdict agree.
        let r = evaluate(
            &[rule(Measure::NetOperatingResult, Comparison::AtLeast, "1.75")],
            &[figures(2027, "1000", "17.499", "0", "0")],
            &[2027],
        );
        assert_eq!(r[0][0].value, Some(d("1.75")));
        assert_eq!(r[0][0].passed, Some(true));
        // A negative result is compared as such.
        let r = evaluate(
            &[rule(Measure::NetOperatingResult, Comparison::AtLeast, "0")],
            &[figures(2027, "1000", "-5", "0", "0")],
            &[2027],
        );
        assert_eq!((r[0][0].value, r[0][0].passed), (Some(d("-0.5")), Some(false)));
        assert!(evaluate(&[], &[], &[2027]).is_empty());
    }

    #[test]
    fn rule_form_parses_or_names_the_field() {
        let r = FiscalRule::parse(" Netto driftsresultat ", "net_operating_result", "at_least", "1,75").unwrap();
        assert_eq!(r.name, "Netto driftsresultat");
        assert_eq!(
            (r.measure, r.comparison, r.threshold),
            (Measure::NetOperatingResult, Comparison::AtLeast, d("1.75"))
        );
        assert_eq!(FiscalRule::parse("", "net_debt", "at_most", "90").unwrap_err().field, Some("rule_name"));
        assert_eq!(FiscalRule::parse("x", "debt", "at_most", "90").unwrap_err().field, Some("measure"));
        assert_eq!(FiscalRule::parse("x", "net_debt", ">=", "90").unwrap_err().field, Some("comparison"));
        assert_eq!(FiscalRule::parse("x", "net_debt", "at_most", "ni").unwrap_err().field, Some("threshold"));
        assert_eq!(FiscalRule::parse("x", "net_debt", "at_most", "2000").unwrap_err().field, Some("threshold"));
        for m in Measure::ALL {
            assert_eq!(Measure::try_from(m.as_code().to_owned()), Ok(m));
        }
        for c in Comparison::ALL {
            assert_eq!(Comparison::try_from(c.as_code().to_owned()), Ok(c));
        }
    }

    #[test]
    fn key_figures_parse_all_or_nothing() {
        let empty = KeyFiguresInput::default();
        assert_eq!(empty.parse(2027, "figures_2027"), Ok(None));
        let input = KeyFiguresInput {
            operating_income: "4 000 000 000".into(),
            net_operating_result: "-12 500 000,50".into(),
            net_debt: "3600000000".into(),
            disposition_fund: "320 000 000".into(),
        };
        let k = input.parse(2027, "figures_2027").unwrap().unwrap();
        assert_eq!(k.net_operating_result, d("-12500000.5"));
        let half = KeyFiguresInput { net_debt: String::new(), ..input.clone() };
        let e = half.parse(2027, "figures_2027").unwrap_err();
        assert_eq!((e.key, e.field), ("err-programme-figure", Some("figures_2027")));
        let zero = KeyFiguresInput { operating_income: "0".into(), ..input };
        assert_eq!(zero.parse(2027, "figures_2027").unwrap_err().key, "err-programme-income");
    }

    #[test]
    fn years_names_and_progress() {
        assert_eq!(parse_first_year(" 2027 "), Ok(2027));
        assert!(parse_first_year("27").is_err() && parse_first_year("abc").is_err());
        assert_eq!(parse_name("  Handlingsprogram  ", "title"), Ok("Handlingsprogram".into()));
        assert!(parse_name(" ", "title").is_err() && parse_name(&"x".repeat(201), "title").is_err());
        assert_eq!(parse_optional_amount(" ", "a"), Ok(None));
        assert_eq!(parse_optional_amount("5 000 000", "a"), Ok(Some(d("5000000"))));
        assert!(parse_optional_amount("fem", "a").is_err());
        let p = progress(d("80000000"), d("26000000"));
        assert_eq!((p.remaining, p.percent), (d("54000000"), Some(d("32.5"))));
        assert_eq!(progress(Decimal::ZERO, d("1")).percent, None);
    }

    #[test]
    fn the_staff_and_administrators_edit() {
        let with = |r: Role| Actor { roles: [r].into(), ..Actor::default() };
        assert!(with(Role::Management).can_manage_programme() && with(Role::SystemAdmin).can_manage_programme());
        assert!(!with(Role::Leader).can_manage_programme() && !with(Role::Politician).can_manage_programme());
    }
}
