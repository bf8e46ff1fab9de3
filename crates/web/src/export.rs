//! Files leaving over HTTP: the one place that turns a table into a CSV or XLSX download (the bytes
//! from [`rodtrad_export::table`], the content type, and `Content-Disposition` with the file name),
//! so every list's export answers alike.

use crate::error::{AppError, AppResult};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rodtrad_export::Cell;
pub(crate) use rodtrad_export::TableFormat;

/// A table format chosen by the route, so one handler serves both files of a list:
/// `.get("/x/export.csv", export::<Csv>).get("/x/export.xlsx", export::<Xlsx>)`.
pub(crate) trait Format {
    /// The format.
    const FORMAT: TableFormat;
}

/// CSV ([`rodtrad_export::csv_table`]: UTF-8 with a BOM, `;` between cells).
pub(crate) struct Csv;

impl Format for Csv {
    const FORMAT: TableFormat = TableFormat::Csv;
}

/// XLSX ([`rodtrad_export::xlsx_table`]).
pub(crate) struct Xlsx;

impl Format for Xlsx {
    const FORMAT: TableFormat = TableFormat::Xlsx;
}

/// The names a downloaded table carries: the file (without extension), the XLSX sheet and the
/// title row above the XLSX header.
pub(crate) struct TableNames<'a> {
    /// File name, without extension.
    pub file: &'a str,
    /// XLSX sheet name.
    pub sheet: &'a str,
    /// XLSX title row.
    pub title: &'a str,
}

impl<'a> TableNames<'a> {
    /// A file and title that are the same text.
    pub(crate) fn titled(title: &'a str, sheet: &'a str) -> Self {
        Self { file: title, sheet, title }
    }
}

/// A table as a download in `format`.
pub(crate) fn table_download<C: Into<Cell> + Clone>(
    format: TableFormat,
    names: TableNames<'_>,
    header: &[String],
    rows: &[Vec<C>],
) -> AppResult<Response> {
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let bytes = rodtrad_export::table(format, names.sheet, names.title, &header, rows).map_err(AppError::internal)?;
    Ok(download(bytes, format.mime(), names.file, format.extension()))
}

/// Bytes as a file download named `name.ext`.
pub(crate) fn download(bytes: Vec<u8>, mime: &str, name: &str, ext: &str) -> Response {
    ([(header::CONTENT_TYPE, mime.to_owned()), (header::CONTENT_DISPOSITION, attachment(name, ext))], bytes)
        .into_response()
}

/// `Content-Disposition` for a download named `name.ext`: an ASCII fallback (RFC 6266) plus the
/// UTF-8 name, with everything but letters, digits and `-` made `_`.
pub fn attachment(name: &str, ext: &str) -> String {
    let safe: String = name.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' }).collect();
    let ascii: String = safe.chars().map(|c| if c.is_ascii() { c } else { '_' }).collect();
    let encoded: String = safe
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{encoded}.{ext}")
}
