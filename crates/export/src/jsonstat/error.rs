//! The one error type of the JSON-stat module.

use std::fmt;

/// Anything wrong with the input: where (a JSON path like `dimension.Region.category.index`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonStatError {
    /// Where in the document the problem is; `document` when it concerns the whole input.
    pub path: String,
    /// What is wrong, in English, for logs and for users who know the format.
    pub problem: String,
    /// The text found where a cell's number belongs (`value` holding strings): valid JSON-stat, but
    /// not statistics that can be stored, so the caller can say so in the user's language.
    pub text_value: Option<String>,
}

impl JsonStatError {
    /// An error at `path` (empty means the whole document).
    pub fn new(path: impl Into<String>, problem: impl Into<String>) -> JsonStatError {
        let path = path.into();
        JsonStatError {
            path: if path.is_empty() { "document".into() } else { path },
            problem: problem.into(),
            text_value: None,
        }
    }
}

impl fmt::Display for JsonStatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

impl std::error::Error for JsonStatError {}
