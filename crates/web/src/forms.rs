//! Parsing helpers for form input: each returns the rule error a user sees.

use chrono::NaiveDate;
use rodtrad_domain::RuleError;
use serde::{Deserialize, Deserializer};

pub use rodtrad_domain::query::{optional_date, optional_id};

/// A posted form's value by name, empty when the form has no such field.
pub fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// Today in Norway (Europe/Oslo), the day deadlines and dates on forms are judged by.
pub fn today() -> NaiveDate {
    rodtrad_domain::norwegian_time::oslo_date(chrono::Utc::now())
}

/// The choices of a form for every value of a coded enum, in its order, labelled in `tr`'s language.
pub fn choices<T: rodtrad_domain::Coded>(tr: &crate::i18n::Tr, all: &[T]) -> Vec<crate::org::Choice> {
    all.iter().map(|x| crate::org::Choice { value: x.code().into(), label: tr.t(x.label_key()) }).collect()
}

/// The years a list can show: this one and the four before, newest first.
pub fn year_choices() -> Vec<crate::org::Choice> {
    use chrono::Datelike;
    let this = today().year();
    (this - 4..=this).rev().map(|y| crate::org::Choice { value: y.to_string(), label: y.to_string() }).collect()
}

/// A year from a query, this year when absent or outside 2000–2100.
pub fn year_of(raw: Option<&str>) -> i32 {
    use chrono::Datelike;
    raw.and_then(|y| y.trim().parse().ok()).filter(|y| (2000..=2100).contains(y)).unwrap_or_else(|| today().year())
}

/// Parses a required `YYYY-MM-DD`.
pub fn required_date(input: &str) -> Result<NaiveDate, RuleError> {
    optional_date(input)?.ok_or_else(|| RuleError::new("err-date-required"))
}

/// The hidden version field of a form that saves a record once and revises it after: `None`
/// (not saved yet) when empty, else the version read, or -1, which no record has, when it is not a
/// number, so the write is refused as stale.
pub fn version_if_saved(input: &str) -> Option<i64> {
    match input.trim() {
        "" => None,
        v => Some(v.parse::<i64>().unwrap_or(-1)),
    }
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
    Ok(multipart_form(headers, body, missing, default_name).await?.1)
}

/// A multipart form: its text fields (the middleware has refused any that is not UTF-8) and its
/// `file` field as (file name, bytes), `None` when no non-empty file was sent. A body without a
/// multipart boundary is refused with the rule error `missing`; a body over
/// [`crate::ctx::MAX_UPLOAD_BYTES`] with 413.
pub async fn multipart_form(
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    missing: &'static str,
    default_name: &str,
) -> Result<(Vec<(String, String)>, Option<(String, Vec<u8>)>), crate::error::AppError> {
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
    let mut fields = Vec::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or(default_name).to_owned();
            let data = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
            file = Some((file_name, data.to_vec()));
        } else if field.file_name().is_none() {
            let Ok(value) = field.text().await else { break };
            fields.push((name, value));
        }
    }
    Ok((fields, file.filter(|(_, d)| !d.is_empty())))
}

pub use rodtrad_domain::query::FormField;

/// Fields whose values are never shown again on a page.
const SECRET_FIELDS: [&str; 5] = ["password", "current", "new_password", "repeat", crate::ctx::CSRF_FIELD];

/// Keeps the fields to show again when one of them is not UTF-8 text; `None` when all are text.
fn refused(fields: Vec<FormField>) -> Option<Vec<FormField>> {
    fields
        .iter()
        .any(|f| f.invalid)
        .then(|| fields.into_iter().filter(|f| f.invalid || !SECRET_FIELDS.contains(&f.name.as_str())).collect())
}

/// The fields of an urlencoded form body when a name or value is not UTF-8 text once decoded
/// (`%FF`, or such bytes sent raw); `None` when every field is text. Axum's and serde's form
/// parsing would put U+FFFD in their place and let the handler store it.
pub fn invalid_text_urlencoded(body: &[u8]) -> Option<Vec<FormField>> {
    refused(rodtrad_domain::query::decode_form(body))
}

/// The text fields (those without a file name) of a multipart body when one is not UTF-8 text;
/// `None` when all are. Files are the importers' business: they report a file that is not text.
pub async fn invalid_text_multipart(body: axum::body::Bytes, boundary: &str) -> Option<Vec<FormField>> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.file_name().is_some() {
            continue;
        }
        let name = field.name().unwrap_or_default().to_owned();
        let Ok(value) = field.bytes().await else { break };
        fields.push(FormField::from_bytes(name.as_bytes(), &value));
    }
    refused(fields)
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
    fn urlencoded_bodies_that_are_not_utf8_are_refused_without_showing_secrets() {
        assert_eq!(invalid_text_urlencoded(b"name=Bj%C3%B8rn+%C3%85s&note=a%26b%3Dc&empty=&flag"), None);
        let fields =
            invalid_text_urlencoded(b"csrf_token=abc&name=Bj%F8rn%FF%FE&password=hemmelig&note=ok%2B").unwrap();
        assert_eq!(
            fields,
            vec![
                FormField { name: "name".into(), value: "Bjrn".into(), invalid: true },
                FormField { name: "note".into(), value: "ok+".into(), invalid: false },
            ],
            "the bad bytes are left out, secrets are never shown again"
        );
    }

    #[tokio::test]
    async fn multipart_text_fields_that_are_not_utf8_are_found_and_files_are_left_alone() {
        let body = |name_value: &[u8]| {
            let mut b =
                b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n\xff\xfe\r\n"
                    .to_vec();
            b.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n");
            b.extend_from_slice(name_value);
            b.extend_from_slice(b"\r\n--XyZ--\r\n");
            axum::body::Bytes::from(b)
        };
        assert_eq!(invalid_text_multipart(body("Åpen tekst".as_bytes()), "XyZ").await, None);
        let fields = invalid_text_multipart(body(b"ok\xffikke"), "XyZ").await.unwrap();
        assert_eq!(fields, vec![FormField { name: "note".into(), value: "okikke".into(), invalid: true }]);
    }

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
