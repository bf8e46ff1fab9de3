//! Validated text values: names and e-mail addresses.

use crate::RuleError;
use serde::{Deserialize, Serialize};

/// Longest name we accept for a unit, person or municipality.
pub const NAME_MAX_CHARS: usize = 200;

/// A trimmed, non-empty name of at most [`NAME_MAX_CHARS`] characters without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    /// Parses user input into a name.
    pub fn parse(input: &str) -> Result<Self, RuleError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(RuleError::new("err-name-empty"));
        }
        let chars = trimmed.chars().count();
        if chars > NAME_MAX_CHARS {
            return Err(RuleError::new("err-name-too-long").with("max", NAME_MAX_CHARS.to_string()));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(RuleError::new("err-name-control"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Name {
    type Error = RuleError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Name> for String {
    fn from(value: Name) -> Self {
        value.0
    }
}

/// An e-mail address, lower-cased, with one `@`, a non-empty local part and a dotted domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses user input into an e-mail address.
    pub fn parse(input: &str) -> Result<Self, RuleError> {
        let value = input.trim().to_lowercase();
        if value.is_empty() {
            return Err(RuleError::new("err-email-empty"));
        }
        let valid = value.len() <= 254
            && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && match value.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid { Ok(Self(value)) } else { Err(RuleError::new("err-email-invalid")) }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = RuleError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

/// Optional free text (titles, notes): trimmed, at most `max` characters; empty becomes `None`.
pub fn optional_text(input: &str, max: usize) -> Result<Option<String>, RuleError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().count() > max {
        return Err(RuleError::new("err-text-too-long").with("max", max.to_string()));
    }
    Ok(Some(trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("  Bondi skole ").unwrap().as_str(), "Bondi skole");
        assert_eq!(Name::parse("   ").unwrap_err().key, "err-name-empty");
        let long = "å".repeat(NAME_MAX_CHARS + 1);
        assert_eq!(Name::parse(&long).unwrap_err().key, "err-name-too-long");
        assert!(Name::parse(&"å".repeat(NAME_MAX_CHARS)).is_ok());
        assert_eq!(Name::parse("a\u{0007}b").unwrap_err().key, "err-name-control");
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse(" Kari@Asker.Kommune.NO ").unwrap().as_str(), "kari@asker.kommune.no");
        for bad in ["", "kari", "kari@", "@asker.no", "kari@asker", "ka ri@asker.no", "a@b@c.no", "a@.no", "a@no."] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn optional_text_is_none_when_blank() {
        assert_eq!(optional_text("  ", 10).unwrap(), None);
        assert_eq!(optional_text(" Rådgiver ", 10).unwrap().as_deref(), Some("Rådgiver"));
        assert_eq!(optional_text("abcdefghijk", 10).unwrap_err().key, "err-text-too-long");
    }
}
