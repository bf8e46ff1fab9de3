//! Parsing helpers for form input: each returns the rule error a user sees.

use chrono::NaiveDate;
use rodtrad_domain::RuleError;

pub use rodtrad_domain::query::{optional_date, optional_id};

/// Parses a required `YYYY-MM-DD`.
pub fn required_date(input: &str) -> Result<NaiveDate, RuleError> {
    optional_date(input)?.ok_or_else(|| RuleError::new("err-date-required"))
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
