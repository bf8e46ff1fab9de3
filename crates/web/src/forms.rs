//! Parsing helpers for form input: each returns the rule error a user sees.

use chrono::NaiveDate;
use rodtrad_domain::RuleError;
use serde::{Deserialize, Deserializer};

pub use rodtrad_domain::query::{optional_date, optional_id};

/// Parses a required `YYYY-MM-DD`.
pub fn required_date(input: &str) -> Result<NaiveDate, RuleError> {
    optional_date(input)?.ok_or_else(|| RuleError::new("err-date-required"))
}

/// Parses the hidden version field of an edit form.
pub fn version(input: &str) -> Result<i64, RuleError> {
    input.trim().parse::<i64>().map_err(|_| RuleError::new("err-id-invalid"))
}

/// The `file` field of a multipart upload as (file name, bytes), or `None` when the form holds no
/// non-empty file. A body without a multipart boundary is refused with the rule error `missing`;
/// a body over [`crate::ctx::MAX_UPLOAD_BYTES`] with 413.
pub async fn uploaded_file(
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    missing: &'static str,
    default_name: &str,
) -> Result<Option<(String, Vec<u8>)>, crate::error::AppError> {
    use crate::error::AppError;
    let boundary = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or_else(|| AppError::Rule(RuleError::new(missing)))?;
    let bytes =
        axum::body::to_bytes(body, crate::ctx::MAX_UPLOAD_BYTES).await.map_err(|_| AppError::PayloadTooLarge)?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or(default_name).to_owned();
            let data = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
            file = Some((name, data.to_vec()));
        }
    }
    Ok(file.filter(|(_, d)| !d.is_empty()))
}

/// A checkbox field for `#[serde(default, deserialize_with = "crate::forms::checkbox")]`: sent
/// (whatever its value) is true, absent is false.
pub fn checkbox<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    String::deserialize(d).map(|_| true)
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
