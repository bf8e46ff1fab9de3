//! Properties checked by the fuzz targets, one function per parser of outside input. Each target in
//! `fuzz_targets/` is one `target!` call, so a new parser joins with one line here or there.

#[doc(hidden)]
pub use libfuzzer_sys;

use rodtrad_domain::plan::{
    ELEMENT_TEXT_MAX, ElementDraft, ElementKind, ElementStatus, formulation_warnings, parse_sdg_target,
};
use rodtrad_domain::query::{self, AuditQuery, ThreadQuery};
use rodtrad_domain::regions::{Observation, Regions, harmonise};
use rodtrad_domain::text::optional_text;
use rodtrad_domain::{Email, Name};
use rodtrad_export::jsonstat::{self, Dataset};

/// Declares a fuzz target: `rodtrad_fuzz::target!(|data| body);` where `data: &[u8]`.
#[macro_export]
macro_rules! target {
    (|$data:ident| $body:expr) => {
        $crate::libfuzzer_sys::fuzz_target!(|$data: &[u8]| {
            let _ = $body;
        });
    };
}

/// JSON-stat: any dataset that reads writes back as JSON-stat 2.0 and reads again with the same
/// dimensions, values and statuses.
pub fn jsonstat(data: &[u8]) {
    let Ok(datasets) = jsonstat::read_datasets(data) else { return };
    for first in datasets {
        let mut written = Vec::new();
        jsonstat::write_dataset(&mut written, &first).expect("writing to memory does not fail");
        let again = jsonstat::read_datasets(written.as_slice())
            .unwrap_or_else(|e| panic!("a written dataset reads back: {e}\n{}", String::from_utf8_lossy(&written)));
        assert_eq!(again.len(), 1, "one dataset written, one read");
        assert_same_cells(&first, &again[0]);
    }
}

fn assert_same_cells(a: &Dataset, b: &Dataset) {
    let shape = |d: &Dataset| d.dimensions.iter().map(|d| (d.id.clone(), d.len())).collect::<Vec<_>>();
    assert_eq!(shape(a), shape(b), "dimension ids and sizes");
    for (da, db) in a.dimensions.iter().zip(&b.dimensions) {
        let ids = |d: &jsonstat::Dimension| d.categories.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(da), ids(db), "category order of {}", da.id);
    }
    assert_eq!(a.cell_count(), b.cell_count());
    for i in 0..a.cell_count() {
        let (va, vb) = (a.value(i), b.value(i));
        assert!(va == vb || va.zip(vb).is_some_and(|(x, y)| x.to_bits() == y.to_bits()), "cell {i}: {va:?} != {vb:?}");
        assert_eq!(a.status(i), b.status(i), "status of cell {i}");
    }
}

/// Markdown: whatever the source, the HTML has no script or embedding elements, no event-handler
/// attributes and no link or image address with a scheme other than http, https or mailto.
pub fn markdown(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else { return };
    let html = rodtrad_export::markdown_to_safe_html(source);
    for tag in tags(&html) {
        let name = tag.name.to_ascii_lowercase();
        assert!(
            !["script", "style", "iframe", "object", "embed", "form", "svg", "math"].contains(&name.as_str()),
            "<{name}> in {html}"
        );
        for (attr, value) in &tag.attributes {
            let attr = attr.to_ascii_lowercase();
            assert!(!attr.starts_with("on"), "event handler {attr} in {html}");
            assert!(attr != "style", "inline style in {html}");
            if ["href", "src", "action", "formaction", "xlink:href"].contains(&attr.as_str())
                && let Some(scheme) = scheme(&browser_view(value))
            {
                assert!(["http", "https", "mailto"].contains(&scheme.as_str()), "{attr}={value:?} in {html}");
            }
        }
    }
}

struct Tag<'a> {
    name: &'a str,
    attributes: Vec<(&'a str, &'a str)>,
}

/// The start tags of serialised HTML (text and attribute values escape `<` and `"` respectively, as
/// the sanitiser's serialiser writes them).
fn tags(html: &str) -> Vec<Tag<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if rest.starts_with('/') || rest.starts_with('!') {
            continue;
        }
        let name_end = rest.find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/').unwrap_or(rest.len());
        let name = &rest[..name_end];
        rest = &rest[name_end..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if rest.is_empty() || rest.starts_with('>') {
                break;
            }
            let attr_end = rest.find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '>').unwrap_or(rest.len());
            let attr = &rest[..attr_end];
            rest = &rest[attr_end..];
            let mut value = "";
            if let Some(after) = rest.strip_prefix("=\"") {
                let end = after.find('"').unwrap_or(after.len());
                value = &after[..end];
                rest = &after[(end + 1).min(after.len())..];
            }
            attributes.push((attr, value));
        }
        out.push(Tag { name, attributes });
    }
    out
}

/// A URL as a browser reads it before finding the scheme: leading and trailing C0 controls and spaces
/// dropped, tabs and line breaks removed anywhere. Other controls stay and make the URL relative.
fn browser_view(url: &str) -> String {
    url.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect()
}

/// The scheme of a URL, if it has one (a relative path has none).
fn scheme(address: &str) -> Option<String> {
    let colon = address.find(':')?;
    let candidate = &address[..colon];
    let mut chars = candidate.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .then(|| candidate.to_ascii_lowercase())
}

/// Login redirect: the target is always a local path, and either the input itself or `/`.
pub fn safe_next(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let out = query::safe_next(Some(&input));
    assert!(out.starts_with('/') && !out.starts_with("//") && !out.contains('\\'), "{out:?}");
    assert!(out.bytes().all(|b| b.is_ascii_graphic()), "{out:?}");
    assert!(out == input || out == "/", "{out:?} from {input:?}");
    assert_eq!(query::safe_next(Some(&out)), out, "idempotent");
}

/// Query-string filters: parsing never panics, accepted filters are in range, and a decoded query
/// re-encodes to the same query.
pub fn query_filters(data: &[u8]) {
    if let Ok(q) = serde_urlencoded::from_bytes::<ThreadQuery>(data) {
        if let Ok(filter) = q.parse() {
            assert!(filter.sdg.is_none_or(|g| (1..=17).contains(&g)));
        }
        let encoded = serde_urlencoded::to_string(&q).expect("strings encode");
        assert_eq!(serde_urlencoded::from_str::<ThreadQuery>(&encoded).as_ref(), Ok(&q), "{encoded}");
    }
    if let Ok(q) = serde_urlencoded::from_bytes::<AuditQuery>(data) {
        match q.parse(&["plan", "person", "org_unit"]) {
            Ok(filter) => {
                assert!(filter.entity.as_deref().is_none_or(|e| ["plan", "person", "org_unit"].contains(&e)));
                assert!(filter.from.zip(filter.to).is_none_or(|(from, to)| from <= to));
            }
            Err(errors) => assert!(!errors.is_empty()),
        }
        let encoded = q.to_query_string();
        assert_eq!(serde_urlencoded::from_str::<AuditQuery>(&encoded).as_ref(), Ok(&q), "{encoded}");
    }
    if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, Option<String>)>>(data) {
        let q = pairs.iter().find(|(k, _)| k == "q").and_then(|(_, v)| v.as_deref());
        if let Some(term) = query::search_term(q) {
            assert!(!term.is_empty() && term.trim() == term);
        }
    }
}

/// Form bodies: a urlencoded body decodes into fields (as the CSRF check and the forms read it), and
/// every field value goes through the validators the goal-element and measure forms use; what they
/// accept is canonical (parsing it again gives the same value).
pub fn form_fields(data: &[u8]) {
    // The UTF-8 check every form passes: where it finds only text, it decodes exactly as the handlers'
    // parser does; where it finds bytes that are not UTF-8, that parser would have made U+FFFD of them.
    let fields = query::decode_form(data);
    if let Ok(theirs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) {
        if fields.iter().all(|f| !f.invalid) {
            let ours: Vec<(String, String)> = fields.into_iter().map(|f| (f.name, f.value)).collect();
            assert_eq!(ours, theirs);
        } else {
            assert!(theirs.iter().any(|(k, v)| k.contains('\u{fffd}') || v.contains('\u{fffd}')));
        }
    }
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) else { return };
    let encoded = serde_urlencoded::to_string(&pairs).expect("strings encode");
    assert_eq!(serde_urlencoded::from_str::<Vec<(String, String)>>(&encoded).as_ref(), Ok(&pairs));
    for (_, value) in &pairs {
        if let Ok(name) = Name::parse(value) {
            let s = name.as_str();
            assert!(!s.is_empty() && s.trim() == s && !s.chars().any(char::is_control));
            assert!(s.chars().count() <= rodtrad_domain::text::NAME_MAX_CHARS);
            assert_eq!(Name::parse(s).as_ref(), Ok(&name));
        }
        if let Ok(email) = Email::parse(value) {
            assert_eq!(Email::parse(email.as_str()).as_ref(), Ok(&email));
        }
        if let Ok(Some(text)) = optional_text(value, 500) {
            assert!(text.chars().count() <= 500 && text.trim() == text);
        }
        if let Ok(Some(date)) = query::optional_date(value) {
            assert_eq!(query::optional_date(&date.format("%Y-%m-%d").to_string()), Ok(Some(date)));
        }
        let _ = query::optional_id(value);
        if let Ok((goal, code)) = parse_sdg_target(value) {
            assert_eq!(parse_sdg_target(&code), Ok((goal, code.clone())));
        }
        if let Ok(kind) = ElementKind::parse(value) {
            assert_eq!(ElementKind::parse(kind.code()), Ok(kind));
        }
        if let Ok(status) = ElementStatus::parse(value) {
            assert_eq!(ElementStatus::parse(status.code()), Ok(status));
        }
        for kind in ElementKind::ALL {
            let _ = formulation_warnings(kind, value, None);
            for parent in ElementKind::ALL {
                let _ = formulation_warnings(kind, value, Some(parent));
            }
        }
    }
}

/// Regions CSV: any table parses, and following codes through it ends (cycles in the successor
/// lists must not loop).
pub fn regions_csv(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let regions = Regions::parse(text);
    let codes: Vec<&str> = text
        .split("municip_nor")
        .skip(1)
        .map(|rest| rest.split([',', '\n', '\r', '"']).next().unwrap_or("").trim())
        .filter(|c| !c.is_empty())
        .collect();
    for code in codes.iter().take(16) {
        let _ = regions.current_codes(code);
        let _ = regions.lineage(code);
        let _ = regions.name(code, Some(2020));
        for year in [1900, 2019, 2020, 2024] {
            let _ = regions.code_in_year(code, year);
        }
        let observations: Vec<Observation> = codes
            .iter()
            .zip([2019, 2020, 2023, 2024].into_iter().cycle())
            .map(|(c, year)| Observation {
                region: (*c).to_owned(),
                period: year.to_string(),
                year,
                value: Some(1.0),
                status: None,
            })
            .collect();
        let _ = harmonise(&regions, code, &observations);
    }
}

/// U4SSC KPI values: every accepted row names a catalogue KPI, a year in range and a finite value,
/// and no code and year come twice.
pub fn u4ssc_csv(data: &[u8]) {
    use rodtrad_domain::u4ssc;
    let Ok(rows) = u4ssc::parse_kpi_csv(data) else { return };
    let mut seen = std::collections::HashSet::new();
    for row in &rows {
        assert!(u4ssc::kpis().iter().any(|k| k.code == row.code), "unknown code accepted: {:?}", row.code);
        assert!(u4ssc::parse_year(&row.year.to_string()).is_ok(), "year out of range accepted: {}", row.year);
        assert!(row.value.is_finite(), "non-finite value accepted: {}", row.value);
        assert!(seen.insert((row.code.clone(), row.year)), "duplicate row accepted: {} {}", row.code, row.year);
    }
}

/// Accounting actuals: any bytes give sums or named problems; an accepted file's sums hold only
/// mapped units and lines, months of a year, and equal the file's amounts added one by one.
pub fn economy_csv(data: &[u8]) {
    use rodtrad_domain::economy::{CodeMaps, ColumnMapping, parse_actuals_csv};
    let mut maps = CodeMaps::default();
    maps.units.insert("1100".into(), 11);
    maps.units.insert("1200".into(), 12);
    maps.accounts = vec![("10".into(), 1), ("11".into(), 2), ("16".into(), 3)];
    match parse_actuals_csv(data.to_vec(), &ColumnMapping::default(), &maps) {
        Ok(parsed) => {
            assert!(parsed.rows > 0, "an empty file accepted");
            for (unit, line, _year, month) in parsed.totals.keys() {
                assert!([11, 12].contains(unit) && [1, 2, 3].contains(line) && (1..=12).contains(month));
            }
        }
        Err(problems) => assert!(!problems.is_empty(), "refused without a reason"),
    }
}

/// The import of indicator values (CSV or XLSX): any bytes read as a table or a file problem, never a
/// panic; a checked table has one preview row per data row, and when every row is valid each value
/// belongs to a known indicator, is finite and within range, and no indicator has a period twice.
pub fn indicator_values(data: &[u8]) {
    use rodtrad_service::indicators::import::{Target, check, read_file};
    let Ok(table) = read_file(data) else { return };
    let targets = [
        Target { id: 7, text: "Andel elever som trives".into(), percent: true, stored: Default::default() },
        Target { id: 8, text: "Antall bostedsløse".into(), percent: false, stored: Default::default() },
    ];
    let Ok(preview) = check(&table, &targets) else { return };
    assert_eq!(preview.rows.len(), table.rows.len(), "one preview row per data row");
    if preview.valid() {
        let values = preview.values();
        assert_eq!(values.len(), preview.rows.len(), "every valid row is written");
        let mut seen = std::collections::HashSet::new();
        for v in &values {
            assert!([7, 8].contains(&v.element_id) && v.value.is_finite());
            assert!(v.element_id != 7 || (0.0..=100.0).contains(&v.value), "a percentage within 0–100");
            assert!(seen.insert((v.element_id, v.period.clone())), "a period twice for one indicator");
        }
    }
}

/// Population projections (LIDA): any bytes give rows or named problems; accepted rows are sorted
/// by year and age group, within the years and ages allowed, never negative, and no two groups of
/// a year overlap, so no person counts twice in a service's age range.
pub fn lida_projection_csv(data: &[u8]) {
    use rodtrad_domain::lida::{MAX_AGE, parse_projection_csv};
    match parse_projection_csv(data.to_vec()) {
        Ok(rows) => {
            assert!(!rows.is_empty(), "an empty file accepted");
            for pair in rows.windows(2) {
                assert!((pair[0].year, pair[0].band) < (pair[1].year, pair[1].band), "rows sorted and unique");
                if pair[0].year == pair[1].year {
                    assert_eq!(pair[0].band.overlap(&pair[1].band), 0, "overlapping groups accepted");
                }
            }
            for r in &rows {
                assert!((2000..=2100).contains(&r.year) && r.band.from <= r.band.to && r.band.to <= MAX_AGE);
                assert!(!r.persons.is_sign_negative());
            }
        }
        Err(problems) => assert!(!problems.is_empty(), "refused without a reason"),
    }
}

/// The goal-element draft that the page form and the API share: never panics; a draft that parses
/// has its text trimmed, non-empty and within the limit, unique SDG codes, and parses again from its
/// own values to itself; a refusal names a field for every error.
pub fn element_draft(data: &[u8]) {
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) else { return };
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let (text, status) = (get("text").unwrap_or(""), get("status"));
    let contributes = ElementDraft::split_codes(get("sdg_targets").unwrap_or(""));
    let adapted = ElementDraft::split_codes(get("sdg_adapted").unwrap_or(""));
    match ElementDraft::parse(text, status, contributes, adapted) {
        Ok(draft) => {
            assert!(!draft.text.is_empty() && draft.text.trim() == draft.text);
            assert!(draft.text.chars().count() <= ELEMENT_TEXT_MAX);
            let mut codes: Vec<&str> = draft.sdg_targets.iter().map(|(c, _)| c.as_str()).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), draft.sdg_targets.len(), "SDG codes are unique");
            let own =
                |adapted: bool| draft.sdg_targets.iter().filter(move |(_, a)| *a == adapted).map(|(c, _)| c.as_str());
            let again = ElementDraft::parse(&draft.text, Some(draft.status.code()), own(false), own(true));
            assert_eq!(again.as_ref(), Ok(&draft));
        }
        Err(errors) => {
            assert!(!errors.is_empty() && errors.iter().all(|e| e.field.is_some()), "{errors:?}");
        }
    }
}

/// Evidence uploads of internal control: the first byte says how long the file name is, the rest
/// splits into name and content. Any input is taken or refused with a rule on the file field,
/// never a panic; a taken file is within the size limit, its stored name has no path, quote or
/// control character and at most the longest length, ends in the ending of its checked type, and
/// its content begins as that type's files do.
pub fn control_evidence(data: &[u8]) {
    use rodtrad_domain::internal_control::{EVIDENCE_MAX_BYTES, EvidenceType, FILE_NAME_MAX, check_evidence};
    let Some((&n, rest)) = data.split_first() else { return };
    let (name, content) = rest.split_at(usize::from(n).min(rest.len()));
    let name = String::from_utf8_lossy(name);
    match check_evidence(&name, content) {
        Ok(e) => {
            assert!(!content.is_empty() && content.len() <= EVIDENCE_MAX_BYTES);
            assert!(e.file_name.chars().count() <= FILE_NAME_MAX, "{:?}", e.file_name);
            assert!(!e.file_name.contains(['/', '\\', '"']) && !e.file_name.chars().any(char::is_control));
            let ext = e.file_name.rsplit_once('.').map(|(_, x)| x.to_ascii_lowercase()).unwrap_or_default();
            let endings: &[&str] = match e.kind {
                EvidenceType::Pdf => &["pdf"],
                EvidenceType::Png => &["png"],
                EvidenceType::Jpeg => &["jpg", "jpeg"],
                EvidenceType::Docx => &["docx"],
                EvidenceType::Xlsx => &["xlsx"],
                EvidenceType::Odt => &["odt"],
                EvidenceType::Text => &["txt"],
                EvidenceType::Csv => &["csv"],
            };
            assert!(endings.contains(&ext.as_str()), "{:?} taken as {:?}", e.file_name, e.kind);
            match e.kind {
                EvidenceType::Pdf => assert!(content.starts_with(b"%PDF-")),
                EvidenceType::Text | EvidenceType::Csv => assert!(std::str::from_utf8(content).is_ok()),
                _ => {}
            }
        }
        Err(err) => assert_eq!(err.field, Some("file"), "{}", err.key),
    }
}
