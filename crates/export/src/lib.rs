//! Everything that leaves Rødtråd as a file: CSV and XLSX tables, JSON-stat datasets (which are also read here).

pub mod jsonstat;

pub mod chart;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Writes a table as CSV with a header row, in UTF-8 with a BOM so spreadsheet programs
/// used in Norwegian municipalities open æ, ø and å correctly; `;` separates, as Excel expects
/// with Norwegian regional settings.
pub fn csv_table(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, csv::Error> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(&mut out);
        writer.write_record(header)?;
        for row in rows {
            writer.write_record(row)?;
        }
        writer.flush()?;
    }
    Ok(out)
}

/// Writes a table as an XLSX workbook: a title row, a bold header row with a filter, frozen
/// panes below it, and column widths fitted to the content (within bounds).
pub fn xlsx_table(sheet: &str, title: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    // Sheet names are limited to 31 characters and some punctuation.
    let name: String = sheet.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    ws.set_name(if name.is_empty() { "Ark1" } else { &name })?;
    let bold = Format::new().set_bold();
    let title_format = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap();
    ws.write_string_with_format(0, 0, title, &title_format)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            ws.write_string_with_format(3 + r as u32, c as u16, value, &wrap)?;
        }
    }
    for (c, h) in header.iter().enumerate() {
        let longest = rows.iter().filter_map(|r| r.get(c)).map(|v| v.chars().count()).chain([h.chars().count()]).max();
        ws.set_column_width(c as u16, longest.unwrap_or(10).clamp(8, 60) as f64 + 2.0)?;
    }
    if !header.is_empty() {
        ws.autofilter(2, 0, 2 + rows.len() as u32, header.len() as u16 - 1)?;
        ws.set_freeze_panes(3, 0)?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Reader, Xlsx};

    #[test]
    fn csv_quotes_separators_and_keeps_norwegian_letters() {
        let bytes = csv_table(&["navn", "notat"], &[vec!["Bjørnstad; Ås".into(), "sa \"hei\"".into()]]).unwrap();
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "navn;notat\n\"Bjørnstad; Ås\";\"sa \"\"hei\"\"\"\n");
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
