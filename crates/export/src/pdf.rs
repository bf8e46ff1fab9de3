//! PDF documents through typst: a typst template and its data in, PDF bytes out.
//!
//! User text never becomes typst markup: the data goes in as typst values (`sys.inputs`, a dictionary
//! built from JSON), and the template shows them with `#inputs.field`, which typst sets as text. A
//! title holding `#`, `$`, `*`, `_`, `[`, `]`, `\` or `"` prints those characters; nothing is spliced
//! into the template's source. Markdown (guidance text, plan text) is turned into plain blocks by
//! [`markdown_blocks`], whose spans are text as well, so the template decides all formatting.
//!
//! The fonts are compiled into the binary (typst-assets: Libertinus Serif, New Computer Modern, DejaVu
//! Sans Mono), so no system font is needed and æ, ø and å render the same on every machine. The PDF
//! embeds the subsets it uses.

use std::sync::OnceLock;

use serde_json::Value as Json;
use typst::foundations::{Array, Dict, Value};
use typst::text::Font;
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;

/// Why a document could not be made. The message is for the log (it names typst's diagnostics), not
/// for a user: a template that fails is a programming error, and data cannot make it fail unless a
/// template reads a field the caller did not give.
#[derive(Debug, thiserror::Error)]
#[error("PDF: {0}")]
pub struct PdfError(String);

/// The embedded fonts, parsed once per process.
fn fonts() -> &'static [Font] {
    static FONTS: OnceLock<Vec<Font>> = OnceLock::new();
    FONTS.get_or_init(|| {
        typst_assets::fonts().flat_map(|data| Font::iter(typst::foundations::Bytes::new(data))).collect()
    })
}

/// A compiled template that renders documents from data. Build one per template and keep it (it is
/// `Send + Sync`); rendering is CPU work of tens of milliseconds, so async callers run it on a blocking
/// thread.
pub struct PdfTemplate {
    engine: TypstEngine<TypstTemplateMainFile>,
}

impl PdfTemplate {
    /// A template from typst source. The source reads its data with `#import sys: inputs`.
    pub fn new(source: &'static str) -> Self {
        let engine = TypstEngine::builder().main_file(source).fonts(fonts().iter().cloned()).build();
        Self { engine }
    }

    fn compile(&self, data: &Json) -> Result<PagedDocument, PdfError> {
        let Value::Dict(inputs) = to_value(data) else {
            return Err(PdfError("the data of a document must be a JSON object".into()));
        };
        let document: PagedDocument = self
            .engine
            .compile_with_input(inputs)
            .output
            .map_err(|e| PdfError(format!("typst could not compile the template: {e}")))?;
        Ok(document)
    }

    /// The PDF for `data`, which must be a JSON object: its fields become `inputs.<field>` in the
    /// template (strings as strings, numbers as integers or floats, `null` as `none`).
    pub fn render(&self, data: &Json) -> Result<Vec<u8>, PdfError> {
        let document = self.compile(data)?;
        typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
            .map_err(|e| PdfError(format!("typst could not write the PDF: {e:?}")))
    }

    /// The PDF for `data` as PDF/A-2b, for archiving (*arkivverdig*): fonts embedded, no
    /// transparency groups that PDF/A-2 forbids, XMP metadata with the conformance level. The
    /// template must set the document's title and date (`#set document(title: …, date: …)`),
    /// which PDF/A requires; a fixed date keeps the bytes the same for the same data.
    pub fn render_archival(&self, data: &Json) -> Result<Vec<u8>, PdfError> {
        let document = self.compile(data)?;
        let standards = typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::A_2b])
            .map_err(|e| PdfError(format!("PDF/A-2b: {e:?}")))?;
        let options = typst_pdf::PdfOptions { standards, ..typst_pdf::PdfOptions::default() };
        typst_pdf::pdf(&document, &options).map_err(|e| PdfError(format!("typst could not write the PDF: {e:?}")))
    }
}

/// A JSON value as a typst value. Numbers that fit an `i64` stay integers.
fn to_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::Str(s.as_str().into()),
        Json::Array(items) => Value::Array(items.iter().map(to_value).collect::<Array>()),
        Json::Object(fields) => {
            let mut dict = Dict::new();
            for (k, v) in fields {
                dict.insert(k.as_str().into(), to_value(v));
            }
            Value::Dict(dict)
        }
    }
}

/// Markdown as a list of blocks a template can lay out without interpreting markup:
/// `{"kind": "heading", "level": 2, "spans": […]}`, `{"kind": "paragraph", "spans": […]}` and
/// `{"kind": "item", "depth": 1, "spans": […]}`, where a span is `{"text": "…", "strong": bool,
/// "emphasis": bool}`. Links keep their text (the address follows in parentheses), images their
/// alternative text; raw HTML is dropped, as the web page's sanitiser would drop it.
pub fn markdown_blocks(source: &str) -> Json {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut blocks: Vec<Json> = Vec::new();
    let mut spans: Vec<Json> = Vec::new();
    let (mut strong, mut emphasis, mut depth) = (0u32, 0u32, 0u32);
    let mut current: Option<(&'static str, u32)> = None;
    let mut link: Vec<String> = Vec::new();
    let flush = |current: &mut Option<(&'static str, u32)>, spans: &mut Vec<Json>, blocks: &mut Vec<Json>| {
        if spans.is_empty() {
            return;
        }
        let (kind, n) = current.unwrap_or(("paragraph", 0));
        let mut block = serde_json::json!({"kind": kind, "spans": std::mem::take(spans)});
        match kind {
            "heading" => block["level"] = n.into(),
            "item" => block["depth"] = n.into(),
            _ => {}
        }
        blocks.push(block);
    };
    for event in Parser::new(source) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&mut current, &mut spans, &mut blocks);
                current = Some(("heading", level as u32));
            }
            // A paragraph inside a list item stays part of the item.
            Event::Start(Tag::Paragraph) if current.is_none_or(|(k, _)| k != "item") => {
                flush(&mut current, &mut spans, &mut blocks);
                current = Some(("paragraph", 0));
            }
            Event::Start(Tag::List(_)) => depth += 1,
            Event::End(TagEnd::List(_)) => depth = depth.saturating_sub(1),
            Event::Start(Tag::Item) => {
                flush(&mut current, &mut spans, &mut blocks);
                current = Some(("item", depth));
            }
            Event::End(TagEnd::Heading(_) | TagEnd::Paragraph | TagEnd::Item) => {
                flush(&mut current, &mut spans, &mut blocks);
                current = None;
            }
            Event::Start(Tag::Strong) => strong += 1,
            Event::End(TagEnd::Strong) => strong = strong.saturating_sub(1),
            Event::Start(Tag::Emphasis) => emphasis += 1,
            Event::End(TagEnd::Emphasis) => emphasis = emphasis.saturating_sub(1),
            Event::Start(Tag::Link { dest_url, .. }) => link.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = link.pop() {
                    spans.push(serde_json::json!({"text": format!(" ({url})"), "strong": false, "emphasis": false}));
                }
            }
            Event::Text(t) | Event::Code(t) => {
                spans.push(serde_json::json!({"text": t.as_ref(), "strong": strong > 0, "emphasis": emphasis > 0}))
            }
            Event::SoftBreak | Event::HardBreak => {
                spans.push(serde_json::json!({"text": " ", "strong": false, "emphasis": false}))
            }
            _ => {}
        }
    }
    flush(&mut current, &mut spans, &mut blocks);
    Json::Array(blocks)
}

/// Typst functions shared by the templates: `blocks(items)` lays out [`markdown_blocks`], and
/// `page-footer(label, of)` numbers pages as "Side 1 av 3". Templates start with this prelude.
///
/// No parameter may be called `list`, `text`, `block`, `par` or any other typst function the
/// bodies call: a parameter shadows the function, and `blocks` would then call the data array
/// instead of typst's `list` on the first bullet item.
pub const PRELUDE: &str = r#"
#let spans(parts) = for s in parts {
  let t = s.text
  if s.strong and s.emphasis { strong(emph(t)) } else if s.strong { strong(t) } else if s.emphasis { emph(t) } else { t }
}
#let blocks(items) = for b in items {
  if b.kind == "heading" { block(above: 1.1em, below: 0.6em, text(weight: "bold", size: if b.level <= 2 { 12pt } else { 11pt }, spans(b.spans))) }
  else if b.kind == "item" { pad(left: (b.depth - 1) * 1.2em, list(spans(b.spans))) }
  else { par(spans(b.spans)) }
}
#let page-footer(label, of) = context align(center, text(size: 9pt)[#label #counter(page).display() #of #counter(page).final().first()])
"#;

/// Extracts a PDF's text with poppler's `pdftotext` (test support; `scripts/test` installs
/// poppler-utils). Layout mode keeps each line's words together.
#[doc(hidden)]
pub fn pdf_text_for_tests(pdf: &[u8]) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext (Debian package poppler-utils) must be installed to test PDFs");
    child.stdin.take().expect("stdin").write_all(pdf).expect("write PDF to pdftotext");
    let out = child.wait_with_output().expect("pdftotext runs");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    static TEMPLATE: OnceLock<PdfTemplate> = OnceLock::new();

    fn template() -> &'static PdfTemplate {
        TEMPLATE.get_or_init(|| {
            PdfTemplate::new(concat!(
                "#import sys: inputs\n",
                r#"#let spans(list) = for s in list { if s.strong { strong(s.text) } else { s.text } }"#,
                "\n#set page(paper: \"a4\", footer: context align(center)[#inputs.page #counter(page).display() #inputs.of #counter(page).final().first()])\n",
                "#set text(lang: \"nb\", size: 11pt)\n",
                "= #inputs.title\n",
                "#for item in inputs.items [\n- #item.text (#item.number)\n]\n",
                "#for b in inputs.guidance { par(spans(b.spans)) }\n",
                "#for i in range(inputs.filler) [#lorem(60)\n\n]\n",
            ))
        })
    }

    #[test]
    fn data_is_text_never_markup_and_norwegian_letters_survive() {
        let nasty = r#"Skolen på Hvalstad #set page(width: 1cm) $x^2$ *fet* _kursiv_ [lenke] \ "sitat" <tag> @ref // ikke kommentar ÆØÅ æøå"#;
        let pdf = template()
            .render(&serde_json::json!({
                "title": nasty,
                "page": "Side", "of": "av",
                "items": [{"text": "Trygg skolevei for alle – førsteklassinger", "number": 11}, {"text": "#eval(\"1+1\")", "number": 3.5}],
                "guidance": markdown_blocks("Vi **styrker** laget.\n\n<script>x</script>"),
                "filler": 8,
            }))
            .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_text_for_tests(&pdf);
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "Skolen på Hvalstad",
            "#set page(width: 1cm)",
            "$x^2$",
            "*fet*",
            "_kursiv_",
            "[lenke]",
            r#"\ "sitat" <tag> @ref // ikke kommentar ÆØÅ æøå"#,
            "Trygg skolevei for alle – førsteklassinger (11)",
            "#eval(\"1+1\") (3.5)",
            "Vi styrker laget.",
            "Side 1 av 2",
            "Side 2 av 2",
        ] {
            assert!(flat.contains(expected), "{expected:?} missing from the PDF's text:\n{text}");
        }
        assert!(!flat.contains("script"), "raw HTML must not reach the PDF:\n{text}");
    }

    #[test]
    fn data_that_is_not_an_object_is_refused() {
        assert!(template().render(&serde_json::json!([1, 2])).is_err());
    }

    #[test]
    fn markdown_becomes_plain_blocks() {
        let blocks =
            markdown_blocks("## Mål\n\nVi vil **samarbeide** med _frivilligheten_.\n\n- én\n- [to](https://x.no)\n");
        assert_eq!(blocks[0]["kind"], "heading");
        assert_eq!(blocks[0]["level"], 2);
        assert_eq!(blocks[0]["spans"][0]["text"], "Mål");
        assert_eq!(blocks[1]["kind"], "paragraph");
        assert_eq!(blocks[1]["spans"][1], serde_json::json!({"text": "samarbeide", "strong": true, "emphasis": false}));
        assert_eq!(blocks[1]["spans"][3]["emphasis"], true);
        assert_eq!(
            blocks[2],
            serde_json::json!({"kind": "item", "depth": 1, "spans": [{"text": "én", "strong": false, "emphasis": false}]})
        );
        assert_eq!(blocks[3]["spans"][1]["text"], " (https://x.no)");
        assert_eq!(blocks.as_array().unwrap().len(), 4);
    }

    #[test]
    fn the_preludes_blocks_lay_out_headings_paragraphs_and_nested_bullet_lists() {
        let template = PdfTemplate::new(concat_prelude());
        let guidance = "## Føringer for året\n\nVi **styrker** laget.\n\n- **Økonomi:** innenfor rammen\n- Medarbeidere\n  - sykefraværet ned\n  - _medarbeiderundersøkelsen_ brukes\n- Bærekraft\n\nKvitter for mottatt brev.";
        let pdf = template
            .render(&serde_json::json!({"guidance": markdown_blocks(guidance), "page": "Side", "of": "av"}))
            .unwrap();
        let text = pdf_text_for_tests(&pdf);
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "Føringer for året",
            "Vi styrker laget.",
            "Økonomi: innenfor rammen",
            "Medarbeidere",
            "sykefraværet ned",
            "medarbeiderundersøkelsen brukes",
            "Bærekraft",
            "Kvitter for mottatt brev.",
            "Side 1 av 1",
        ] {
            assert!(flat.contains(expected), "{expected:?} missing from the PDF's text:\n{text}");
        }
        // Every item is a bullet point, the nested ones indented further than their parent.
        let line =
            |needle: &str| text.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle}:\n{text}"));
        let indent = |l: &str| l.len() - l.trim_start().len();
        for item in ["Økonomi", "Medarbeidere", "sykefraværet", "Bærekraft"] {
            assert!(line(item).trim_start().starts_with('•'), "{item} is not a bullet:\n{text}");
        }
        assert!(indent(line("sykefraværet")) > indent(line("Medarbeidere")), "{text}");
        assert_eq!(indent(line("Bærekraft")), indent(line("Medarbeidere")), "{text}");
    }

    fn concat_prelude() -> &'static str {
        let source = format!(
            "{PRELUDE}\n#import sys: inputs\n#set page(paper: \"a5\", footer: page-footer(inputs.page, inputs.of))\n#set text(lang: \"nb\")\n#blocks(inputs.guidance)\n"
        );
        Box::leak(source.into_boxed_str())
    }
}
