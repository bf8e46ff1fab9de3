//! Import of indicator values from CSV or XLSX, in two steps: [`preview`] reads the whole file and
//! names every bad row; only a file without bad rows may be written ([`commit`]), all in one
//! transaction, after the same checks have run again.
//!
//! The columns are found by their heading (bokmål, nynorsk or English, any order): indicator (its
//! id or its exact text), period, value and, optionally, comment. CSV files come from Norwegian
//! spreadsheets as they are: UTF-8 with or without a byte-order mark, or Windows-1252; `;`, `,` or
//! tab between fields; decimal comma or point; thousands grouped with a space or a no-break space.

use crate::ServiceError;
use rodtrad_domain::Actor;
use rodtrad_domain::indicators::parse_period;
use rodtrad_store::indicators::{COMMENT_MAX, ValueInput};
use rodtrad_store::org::OrgTree;
use rodtrad_store::{Author, Db};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Most rows a file may have.
pub const MAX_ROWS: usize = 50_000;
/// Largest absolute value accepted (beyond it a figure is surely a mistake, e.g. a pasted id).
pub const MAX_ABS: f64 = 1e12;

/// Why the file as a whole cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// Empty, or no row below the heading.
    #[error("empty")]
    Empty,
    /// A required column is missing (its name given).
    #[error("missing column {0}")]
    MissingColumn(&'static str),
    /// Neither CSV text nor an XLSX workbook.
    #[error("unreadable")]
    Unreadable,
    /// More than [`MAX_ROWS`] rows.
    #[error("too many rows")]
    TooManyRows,
}

impl FileError {
    /// i18n key and argument.
    pub fn key(&self) -> (&'static str, &'static str) {
        match self {
            Self::Empty => ("indicator-import-err-empty", ""),
            Self::MissingColumn(c) => ("indicator-import-err-column", c),
            Self::Unreadable => ("indicator-import-err-unreadable", ""),
            Self::TooManyRows => ("indicator-import-err-too-many", ""),
        }
    }
}

/// What is wrong with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowProblem {
    /// No indicator the caller may enter values for has this id or text.
    UnknownIndicator,
    /// The value is not a number.
    NotANumber,
    /// The period is no year (with month, quarter or tertial).
    BadPeriod,
    /// The same indicator and period appear in an earlier row.
    DuplicatePeriod,
    /// The value is outside what the indicator can hold (a share outside 0–100, or absurdly large).
    OutOfRange,
    /// The comment is too long.
    CommentTooLong,
}

impl RowProblem {
    /// i18n key.
    pub fn key(self) -> &'static str {
        match self {
            Self::UnknownIndicator => "indicator-import-row-unknown",
            Self::NotANumber => "indicator-import-row-number",
            Self::BadPeriod => "indicator-import-row-period",
            Self::DuplicatePeriod => "indicator-import-row-duplicate",
            Self::OutOfRange => "indicator-import-row-range",
            Self::CommentTooLong => "indicator-import-row-comment",
        }
    }
}

/// One row of the file, as read and checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// Line (CSV) or row (XLSX) number in the file, counting the heading as 1.
    pub line: usize,
    /// The indicator as written in the file.
    pub indicator: String,
    /// The indicator found.
    pub element_id: Option<i64>,
    /// Its text.
    pub element_text: Option<String>,
    /// Period as written.
    pub period: String,
    /// Value as written.
    pub raw_value: String,
    /// The value read.
    pub value: Option<f64>,
    /// Comment.
    pub comment: Option<String>,
    /// The stored value this row replaces.
    pub replaces: Option<f64>,
    /// What is wrong, if anything.
    pub problem: Option<RowProblem>,
}

/// The file read and checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// Every row.
    pub rows: Vec<PreviewRow>,
}

impl Preview {
    /// Rows with a problem.
    pub fn bad(&self) -> impl Iterator<Item = &PreviewRow> {
        self.rows.iter().filter(|r| r.problem.is_some())
    }

    /// Whether every row may be written.
    pub fn valid(&self) -> bool {
        self.bad().next().is_none()
    }

    /// The rows as values to write (only meaningful when [`Preview::valid`]).
    pub fn values(&self) -> Vec<ValueInput> {
        self.rows
            .iter()
            .filter_map(|r| {
                Some(ValueInput {
                    element_id: r.element_id?,
                    period: r.period.trim().to_owned(),
                    value: r.value?,
                    comment: r.comment.clone(),
                })
            })
            .collect()
    }
}

/// A raw table: heading and rows of text, with their line numbers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawTable {
    /// Column headings.
    pub heading: Vec<String>,
    /// Rows with their line number.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Decodes CSV bytes: UTF-8 (a byte-order mark dropped) when valid, else Windows-1252.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|b| windows_1252(*b)).collect(),
    }
}

/// One Windows-1252 byte as a character (0x80–0x9F hold typographic characters; the rest is Latin-1).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    if (0x80..0xA0).contains(&b) { HIGH[usize::from(b - 0x80)] } else { char::from(b) }
}

/// Reads a CSV text: the separator is the one of `;`, tab and `,` found in the heading line (in
/// that order of preference, since `,` is also the decimal comma).
pub fn read_csv(text: &str) -> Result<RawTable, FileError> {
    let first = text.lines().find(|l| !l.trim().is_empty()).ok_or(FileError::Empty)?;
    let delimiter = [b';', b'\t', b','].into_iter().find(|d| first.contains(char::from(*d))).unwrap_or(b';');
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut all = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|_| FileError::Unreadable)?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        all.push((line, cells));
        if all.len() > MAX_ROWS + 10 {
            return Err(FileError::TooManyRows);
        }
    }
    with_heading(all)
}

/// Reads the first sheet of an XLSX workbook.
pub fn read_xlsx(bytes: &[u8]) -> Result<RawTable, FileError> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| FileError::Unreadable)?;
    let range = book.worksheet_range_at(0).ok_or(FileError::Empty)?.map_err(|_| FileError::Unreadable)?;
    let start_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut all = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Data::Empty => String::new(),
                Data::String(s) => s.trim().to_owned(),
                // A whole number (a year) reads without decimals; other numbers keep Rust's point.
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                Data::Float(f) => f.to_string(),
                Data::Int(n) => n.to_string(),
                Data::Bool(b) => b.to_string(),
                other => other.to_string(),
            })
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        all.push((start_row + i + 1, cells));
        if all.len() > MAX_ROWS + 10 {
            return Err(FileError::TooManyRows);
        }
    }
    with_heading(all)
}

/// Splits rows at the heading: the first row that names the three required columns (a title row
/// above it, as in the application's own XLSX export, is skipped), else the first row.
fn with_heading(mut all: Vec<(usize, Vec<String>)>) -> Result<RawTable, FileError> {
    if all.is_empty() {
        return Err(FileError::Empty);
    }
    let at = all.iter().position(|(_, cells)| Columns::find(cells).is_ok()).unwrap_or(0);
    let rows = all.split_off(at + 1);
    let heading = all.pop().map(|(_, c)| c).unwrap_or_default();
    if rows.len() > MAX_ROWS {
        return Err(FileError::TooManyRows);
    }
    Ok(RawTable { heading, rows })
}

/// Reads a file as XLSX (by its ZIP signature) or CSV.
pub fn read_file(bytes: &[u8]) -> Result<RawTable, FileError> {
    if bytes.starts_with(b"PK\x03\x04") { read_xlsx(bytes) } else { read_csv(&decode_text(bytes)) }
}

/// Reads a number as Norwegian spreadsheets write it: `1 234,5`, `1\u{a0}234,5`, `-3.25`, `1,234.5`,
/// `−2` (minus sign). With both `,` and `.`, the last one is the decimal mark.
pub fn parse_number(raw: &str) -> Option<f64> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}'))
        .map(|c| if c == '\u{2212}' { '-' } else { c })
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    let (last_comma, last_point) = (cleaned.rfind(','), cleaned.rfind('.'));
    let normalised = match (last_comma, last_point) {
        (Some(c), Some(p)) if c > p => cleaned.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => cleaned.replace(',', ""),
        (Some(_), None) if cleaned.matches(',').count() == 1 => cleaned.replace(',', "."),
        (Some(_), None) => return None,
        _ => cleaned,
    };
    if !normalised.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')) {
        return None;
    }
    normalised.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn column(heading: &[String], names: &[&str]) -> Option<usize> {
    heading.iter().position(|h| {
        let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
        names.iter().any(|n| h == *n)
    })
}

/// Where the columns are.
struct Columns {
    indicator: usize,
    period: usize,
    value: usize,
    comment: Option<usize>,
}

impl Columns {
    fn find(heading: &[String]) -> Result<Self, FileError> {
        Ok(Self {
            indicator: column(heading, &["indikator", "indicator", "id", "indikator-id", "indicator id"])
                .ok_or(FileError::MissingColumn("indikator"))?,
            period: column(heading, &["periode", "period", "år", "year", "aar"])
                .ok_or(FileError::MissingColumn("periode"))?,
            value: column(heading, &["verdi", "value", "resultat", "result"])
                .ok_or(FileError::MissingColumn("verdi"))?,
            comment: column(heading, &["kommentar", "merknad", "comment"]),
        })
    }
}

/// An indicator values may be imported to.
#[derive(Debug, Clone)]
pub struct Target {
    /// Element id.
    pub id: i64,
    /// Its text.
    pub text: String,
    /// Whether its unit is a percentage (values 0–100).
    pub percent: bool,
    /// Stored values by period.
    pub stored: HashMap<String, f64>,
}

/// Checks every row of `table` against the indicators the caller may write (by id or exact text).
pub fn check(table: &RawTable, targets: &[Target]) -> Result<Preview, FileError> {
    let Columns { indicator: col_indicator, period: col_period, value: col_value, comment: col_comment } =
        Columns::find(&table.heading)?;
    if table.rows.is_empty() {
        return Err(FileError::Empty);
    }
    let by_id: HashMap<i64, &Target> = targets.iter().map(|t| (t.id, t)).collect();
    let mut by_text: HashMap<String, Option<&Target>> = HashMap::new();
    for t in targets {
        by_text.entry(t.text.trim().to_lowercase()).and_modify(|e| *e = None).or_insert(Some(t));
    }
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    for (line, cells) in &table.rows {
        let cell = |i: usize| cells.get(i).cloned().unwrap_or_default();
        let indicator = cell(col_indicator);
        let period = cell(col_period);
        // More cells than headings: a decimal comma split an unquoted value in a `,`-separated
        // file. The value is shown as it was written and refused, never read as its first part.
        let split = cells.len() > table.heading.len();
        let raw_value = if split {
            cells[col_value.min(cells.len() - 1)..=col_value + cells.len() - table.heading.len()].join(",")
        } else {
            cell(col_value)
        };
        let comment = col_comment.map(cell).filter(|c| !c.is_empty());
        // By id, else by the exact text when only one indicator has it.
        let target = indicator
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| by_id.get(&id).copied())
            .or_else(|| by_text.get(&indicator.trim().to_lowercase()).copied().flatten());
        let value = if split { None } else { parse_number(&raw_value) };
        let checked_period = parse_period(&period).ok();
        let problem = if target.is_none() {
            Some(RowProblem::UnknownIndicator)
        } else if checked_period.is_none() {
            Some(RowProblem::BadPeriod)
        } else if value.is_none() {
            Some(RowProblem::NotANumber)
        } else if value
            .is_some_and(|v| v.abs() > MAX_ABS || (target.is_some_and(|t| t.percent) && !(0.0..=100.0).contains(&v)))
        {
            Some(RowProblem::OutOfRange)
        } else if comment.as_ref().is_some_and(|c| c.chars().count() > COMMENT_MAX) {
            Some(RowProblem::CommentTooLong)
        } else if !seen.insert((target.map(|t| t.id), checked_period.clone())) {
            Some(RowProblem::DuplicatePeriod)
        } else {
            None
        };
        rows.push(PreviewRow {
            line: *line,
            indicator,
            element_id: target.map(|t| t.id),
            element_text: target.map(|t| t.text.clone()),
            replaces: target.and_then(|t| t.stored.get(checked_period.as_deref().unwrap_or("")).copied()),
            period: checked_period.unwrap_or(period),
            raw_value,
            value,
            comment,
            problem,
        });
    }
    Ok(Preview { rows })
}

/// The indicators `actor` may enter values for, with their stored values.
pub async fn targets(db: &Db, tree: &OrgTree, actor: &Actor) -> Result<Vec<Target>, ServiceError> {
    let mid = actor.municipality_id;
    let mut out = Vec::new();
    let mut plans = HashMap::new();
    for (id, text, plan_id) in db.indicator_elements(mid).await? {
        if let std::collections::hash_map::Entry::Vacant(e) = plans.entry(plan_id) {
            e.insert(db.plan(mid, plan_id).await?);
        }
        let plan = &plans[&plan_id];
        let def = db.indicator_definition(mid, id).await?;
        if !super::may_enter_values(actor, tree, plan, def.as_ref()) {
            continue;
        }
        let percent = def.as_ref().is_some_and(|d| {
            let u = d.unit.trim().to_lowercase();
            u == "%" || u == "prosent" || u == "per cent" || u == "percent"
        });
        let stored =
            db.indicator_value_rows(mid, id).await?.into_iter().filter_map(|v| Some((v.period, v.value?))).collect();
        out.push(Target { id, text, percent, stored });
    }
    Ok(out)
}

/// Reads and checks a file for `actor`.
pub async fn preview(
    db: &Db,
    tree: &OrgTree,
    actor: &Actor,
    bytes: &[u8],
) -> Result<Result<Preview, FileError>, ServiceError> {
    let table = match read_file(bytes) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    let targets = targets(db, tree, actor).await?;
    Ok(check(&table, &targets))
}

/// Writes the rows of a preview after checking them again against what the caller may write now;
/// returns the preview with problems (and writes nothing) when a row has become bad.
pub async fn commit(
    db: &Db,
    tree: &OrgTree,
    (actor, author): (&Actor, &Author),
    rows: &[PreviewRow],
) -> Result<Result<usize, Preview>, ServiceError> {
    let table = RawTable {
        heading: vec!["indikator".into(), "periode".into(), "verdi".into(), "kommentar".into()],
        rows: rows
            .iter()
            .map(|r| {
                let id = r.element_id.map_or_else(|| r.indicator.clone(), |i| i.to_string());
                (r.line, vec![id, r.period.clone(), r.raw_value.clone(), r.comment.clone().unwrap_or_default()])
            })
            .collect(),
    };
    let targets = targets(db, tree, actor).await?;
    let checked = match check(&table, &targets) {
        Ok(p) => p,
        Err(_) => return Ok(Err(Preview { rows: Vec::new() })),
    };
    if !checked.valid() {
        return Ok(Err(checked));
    }
    Ok(Ok(db.indicator_values_import(author, &checked.values()).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> Vec<Target> {
        vec![
            Target {
                id: 7,
                text: "Klimagassutslipp".into(),
                percent: false,
                stored: HashMap::from([("2020".into(), 5.0)]),
            },
            Target { id: 8, text: "Andel elever som trives".into(), percent: true, stored: HashMap::new() },
        ]
    }

    #[test]
    fn numbers_as_norwegians_write_them() {
        assert_eq!(parse_number("1 234,5"), Some(1234.5));
        assert_eq!(parse_number("1\u{a0}234,5"), Some(1234.5));
        assert_eq!(parse_number("1\u{202f}234"), Some(1234.0));
        assert_eq!(parse_number("-3.25"), Some(-3.25));
        assert_eq!(parse_number("\u{2212}2"), Some(-2.0));
        assert_eq!(parse_number("1.234,5"), Some(1234.5));
        assert_eq!(parse_number("1,234.5"), Some(1234.5));
        assert_eq!(parse_number("12,5 %"), None);
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("1,2,3"), None);
    }

    #[test]
    fn encodings_and_separators() {
        let w1252 = b"indikator;periode;verdi;kommentar\n8;2024;88,5;M\xe5lt i \xf8kt\n";
        let t = read_csv(&decode_text(w1252)).unwrap();
        assert_eq!(t.rows[0].1[3], "Målt i økt");
        let bom = "\u{feff}indicator,period,value\n7,2024,\"1 234,5\"\n".as_bytes();
        let t = read_csv(&decode_text(bom)).unwrap();
        assert_eq!(t.heading, vec!["indicator", "period", "value"]);
        let p = check(&t, &targets()).unwrap();
        assert!(p.valid(), "{p:?}");
        assert_eq!(p.rows[0].value, Some(1234.5));
        // An unquoted decimal comma in a `,`-separated file is refused, not read as 72.
        let split = read_csv("indikator,periode,verdi\n7,2024,72,5\n").unwrap();
        let p = check(&split, &targets()).unwrap();
        assert_eq!((p.rows[0].problem, p.rows[0].raw_value.as_str()), (Some(RowProblem::NotANumber), "72,5"));
        let tabs = read_csv("Indikator\tÅr\tVerdi\nKlimagassutslipp\t2021\t4\n").unwrap();
        let p = check(&tabs, &targets()).unwrap();
        assert_eq!(p.rows[0].element_id, Some(7));
    }

    #[test]
    fn every_bad_row_is_named() {
        let csv = "indikator;periode;verdi\n\
                   99;2024;1\n\
                   7;2024;mye\n\
                   7;20x4;1\n\
                   8;2024;120\n\
                   7;2021;1\n\
                   7;2021;2\n\
                   7;2020;3\n";
        let p = check(&read_csv(csv).unwrap(), &targets()).unwrap();
        let problems: Vec<_> = p.rows.iter().map(|r| (r.line, r.problem)).collect();
        assert_eq!(
            problems,
            vec![
                (2, Some(RowProblem::UnknownIndicator)),
                (3, Some(RowProblem::NotANumber)),
                (4, Some(RowProblem::BadPeriod)),
                (5, Some(RowProblem::OutOfRange)),
                (6, None),
                (7, Some(RowProblem::DuplicatePeriod)),
                (8, None),
            ]
        );
        assert!(!p.valid());
        assert_eq!(p.rows[6].replaces, Some(5.0));
    }

    #[test]
    fn missing_columns_and_empty_files() {
        assert_eq!(
            check(&read_csv("indikator;verdi\n7;1\n").unwrap(), &targets()),
            Err(FileError::MissingColumn("periode"))
        );
        assert_eq!(read_csv("\n\n"), Err(FileError::Empty));
        assert_eq!(read_csv(";;\n"), Err(FileError::Empty));
        assert_eq!(check(&read_csv("indikator;periode;verdi\n").unwrap(), &targets()), Err(FileError::Empty));
        assert_eq!(read_file(b"PK\x03\x04garbage"), Err(FileError::Unreadable));
    }

    #[test]
    fn xlsx_is_read_like_csv() {
        let bytes = rodtrad_export::xlsx_table(
            "Ark",
            "Tittel",
            &["indikator", "periode", "verdi"],
            &[vec!["7", "2023", "4,5"]],
        )
        .unwrap();
        // The export writes a title row and a blank row above the heading: skipped.
        let t = read_file(&bytes).unwrap();
        assert_eq!(t.heading, vec!["indikator", "periode", "verdi"]);
        let p = check(&t, &targets()).unwrap();
        assert_eq!(p.rows[0].value, Some(4.5));
        assert_eq!(p.rows[0].line, 4);
    }
}
