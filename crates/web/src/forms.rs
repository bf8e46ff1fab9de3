//! Parsing helpers for form input: each returns the rule error a user sees.

use chrono::NaiveDate;
use rodtrad_domain::RuleError;

/// Parses `YYYY-MM-DD`; empty gives `None`.
pub fn optional_date(input: &str) -> Result<Option<NaiveDate>, RuleError> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map(Some).map_err(|_| RuleError::new("err-date-invalid"))
}

/// Parses a required `YYYY-MM-DD`.
pub fn required_date(input: &str) -> Result<NaiveDate, RuleError> {
    optional_date(input)?.ok_or_else(|| RuleError::new("err-date-required"))
}

/// Parses an optional id from a select; empty gives `None`.
pub fn optional_id(input: &str) -> Result<Option<i64>, RuleError> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value.parse::<i64>().map(Some).map_err(|_| RuleError::new("err-id-invalid"))
}

/// Parses the hidden version field of an edit form.
pub fn version(input: &str) -> Result<i64, RuleError> {
    input.trim().parse::<i64>().map_err(|_| RuleError::new("err-id-invalid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_ids() {
        assert_eq!(optional_date(" ").unwrap(), None);
        assert_eq!(optional_date("2026-02-28").unwrap(), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(optional_date("2026-02-30").unwrap_err().key, "err-date-invalid");
        assert_eq!(required_date("").unwrap_err().key, "err-date-required");
        assert_eq!(optional_id("12").unwrap(), Some(12));
        assert_eq!(optional_id("x").unwrap_err().key, "err-id-invalid");
        assert_eq!(optional_id("").unwrap(), None);
    }
}
