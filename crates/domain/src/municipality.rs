//! Municipality numbers (*kommunenummer*) checked against SSB's official lists.

use crate::RuleError;
use serde::{Deserialize, Serialize};

const LIST_2024: &str = include_str!("../data/kommuner_2024.csv");
const LIST_2020_2023: &str = include_str!("../data/kommuner_2020_2023.csv");

/// A four-digit municipality number that exists in the 2024 or the 2020–2023 classification.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Kommunenummer(String);

impl Kommunenummer {
    /// Parses a municipality number; it must be four digits and a real municipality.
    pub fn parse(input: &str) -> Result<Self, RuleError> {
        let value = input.trim();
        if value.len() != 4 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RuleError::new("err-kommunenummer-format"));
        }
        if official_name(value).is_none() {
            return Err(RuleError::new("err-kommunenummer-unknown").with("number", value));
        }
        Ok(Self(value.to_owned()))
    }

    /// The number as text, e.g. `3203`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The official name of the municipality with this number.
    pub fn official_name(&self) -> &'static str {
        official_name(&self.0).unwrap_or_default()
    }
}

impl TryFrom<String> for Kommunenummer {
    type Error = RuleError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Kommunenummer> for String {
    fn from(value: Kommunenummer) -> Self {
        value.0
    }
}

/// Looks a number up in the current (2024) list first, then the 2020–2023 list.
fn official_name(number: &str) -> Option<&'static str> {
    [LIST_2024, LIST_2020_2023].into_iter().find_map(|list| {
        list.lines().skip(1).find_map(|line| {
            let mut fields = line.split(',');
            (fields.next() == Some(number)).then(|| fields.next().unwrap_or_default())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_numbers_across_reforms() {
        assert_eq!(Kommunenummer::parse("3203").unwrap().official_name(), "Asker");
        assert_eq!(Kommunenummer::parse("3025").unwrap().official_name(), "Asker");
        assert_eq!(Kommunenummer::parse("0301").unwrap().official_name(), "Oslo");
    }

    #[test]
    fn rejects_bad_format_and_unknown_numbers() {
        for bad in ["", "320", "32033", "32a3", "-320"] {
            assert_eq!(Kommunenummer::parse(bad).unwrap_err().key, "err-kommunenummer-format", "{bad:?}");
        }
        assert_eq!(Kommunenummer::parse("9999").unwrap_err().key, "err-kommunenummer-unknown");
        // Asker's pre-2020 number is not in either list.
        assert!(Kommunenummer::parse("0220").is_err());
    }
}
