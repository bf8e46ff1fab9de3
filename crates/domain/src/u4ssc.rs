//! U4SSC (United for Smart Sustainable Cities): the framework of six processes × five phases used as a
//! self-assessment matrix with a maturity scale, and the baseline KPI catalogue (see `data/u4ssc/SOURCE.md`)
//! with a parser for KPI values delivered as CSV.

use crate::RuleError;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Lowest year an assessment or a KPI value may belong to.
pub const YEAR_MIN: i32 = 1990;
/// Highest year an assessment or a KPI value may belong to.
pub const YEAR_MAX: i32 = 2100;

/// One of the framework's six processes (the matrix rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Process {
    /// *Standardisere*.
    Standardise,
    /// *Utforme politikk*.
    Policy,
    /// *Etablere innovasjonspartnerskap*.
    Partnership,
    /// *Endre organisasjonen*.
    Organisation,
    /// *Involvere innbyggerne*.
    Citizens,
    /// *Skape prosjekter*.
    Projects,
}

impl Process {
    /// The six processes in the framework's order.
    pub const ALL: [Process; 6] =
        [Self::Standardise, Self::Policy, Self::Partnership, Self::Organisation, Self::Citizens, Self::Projects];

    /// Stable code stored in the database and used in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Standardise => "standardise",
            Self::Policy => "policy",
            Self::Partnership => "partnership",
            Self::Organisation => "organisation",
            Self::Citizens => "citizens",
            Self::Projects => "projects",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// One of the framework's five phases (the matrix columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// *Engasjere*.
    Engage,
    /// *Designere*.
    Design,
    /// *Aktivere*.
    Activate,
    /// *Akselerere*.
    Accelerate,
    /// *Støtte*.
    Support,
}

impl Phase {
    /// The five phases in order.
    pub const ALL: [Phase; 5] = [Self::Engage, Self::Design, Self::Activate, Self::Accelerate, Self::Support];

    /// Stable code stored in the database and used in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Engage => "engage",
            Self::Design => "design",
            Self::Activate => "activate",
            Self::Accelerate => "accelerate",
            Self::Support => "support",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// The 30 elements: `[process][phase]` → (bokmål as in the master plan, English, our translation).
/// The message keys of the framework's elements, by process and phase (the names are UI text in
/// the Fluent resources, nynorsk included).
const ELEMENTS: [[&str; 5]; 6] = [
    [
        "u4ssc-element-standardise-engage",
        "u4ssc-element-standardise-design",
        "u4ssc-element-standardise-activate",
        "u4ssc-element-standardise-accelerate",
        "u4ssc-element-standardise-support",
    ],
    [
        "u4ssc-element-policy-engage",
        "u4ssc-element-policy-design",
        "u4ssc-element-policy-activate",
        "u4ssc-element-policy-accelerate",
        "u4ssc-element-policy-support",
    ],
    [
        "u4ssc-element-partnership-engage",
        "u4ssc-element-partnership-design",
        "u4ssc-element-partnership-activate",
        "u4ssc-element-partnership-accelerate",
        "u4ssc-element-partnership-support",
    ],
    [
        "u4ssc-element-organisation-engage",
        "u4ssc-element-organisation-design",
        "u4ssc-element-organisation-activate",
        "u4ssc-element-organisation-accelerate",
        "u4ssc-element-organisation-support",
    ],
    [
        "u4ssc-element-citizens-engage",
        "u4ssc-element-citizens-design",
        "u4ssc-element-citizens-activate",
        "u4ssc-element-citizens-accelerate",
        "u4ssc-element-citizens-support",
    ],
    [
        "u4ssc-element-projects-engage",
        "u4ssc-element-projects-design",
        "u4ssc-element-projects-activate",
        "u4ssc-element-projects-accelerate",
        "u4ssc-element-projects-support",
    ],
];

/// The message key of the element where `process` meets `phase`.
pub fn element_key(process: Process, phase: Phase) -> &'static str {
    ELEMENTS[process.index()][phase.index()]
}

/// How far the municipality has come in one element, 0 (not started) to 4 (embedded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Maturity(u8);

impl Maturity {
    /// Highest level.
    pub const MAX: u8 = 4;

    /// Every level, lowest first.
    pub fn all() -> impl Iterator<Item = Maturity> {
        (0..=Self::MAX).map(Maturity)
    }

    /// A level from its number.
    pub fn new(level: u8) -> Option<Self> {
        (level <= Self::MAX).then_some(Self(level))
    }

    /// Parses a submitted level; empty means "not assessed" (`None`).
    pub fn parse_optional(input: &str) -> Result<Option<Self>, RuleError> {
        let value = input.trim();
        if value.is_empty() {
            return Ok(None);
        }
        value.parse::<u8>().ok().and_then(Self::new).map(Some).ok_or_else(|| RuleError::new("u4ssc-err-maturity"))
    }

    /// The level as a number.
    pub fn level(self) -> u8 {
        self.0
    }

    /// i18n key of the level's label.
    pub fn label_key(self) -> &'static str {
        match self.0 {
            0 => "u4ssc-maturity-0",
            1 => "u4ssc-maturity-1",
            2 => "u4ssc-maturity-2",
            3 => "u4ssc-maturity-3",
            _ => "u4ssc-maturity-4",
        }
    }

    /// Designsystemet colour of the level's tag; always shown together with the label.
    pub fn colour(self) -> &'static str {
        match self.0 {
            0 => "danger",
            1 => "warning",
            2 => "info",
            3 => "accent",
            _ => "success",
        }
    }
}

/// Parses a year for an assessment or KPI values.
pub fn parse_year(input: &str) -> Result<i32, RuleError> {
    input.trim().parse::<i32>().ok().filter(|y| (YEAR_MIN..=YEAR_MAX).contains(y)).ok_or_else(|| {
        RuleError::new("u4ssc-err-year").with("min", YEAR_MIN.to_string()).with("max", YEAR_MAX.to_string())
    })
}

/// The three dimensions of sustainability the KPIs are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Economy (EC).
    Economic,
    /// Environment (EN).
    Environmental,
    /// Society and culture (SC).
    Social,
}

impl Dimension {
    /// The dimensions in the methodology's order.
    pub const ALL: [Dimension; 3] = [Self::Economic, Self::Environmental, Self::Social];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Economic => "economic",
            Self::Environmental => "environmental",
            Self::Social => "social",
        }
    }
}

/// One KPI of the catalogue.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Kpi {
    /// The methodology's KPI number, e.g. `EC: ICT: ICT: 1C`.
    pub code: String,
    /// Dimension.
    pub dimension: Dimension,
    /// Category in English.
    pub category_en: String,
    /// Category in bokmål (our translation).
    pub category_nb: String,
    /// Name in English (ITU).
    pub name_en: String,
    /// Name in bokmål (our translation).
    pub name_nb: String,
    /// Unit.
    pub unit: String,
    /// `core` or `advanced`.
    pub kind: String,
}

/// The KPI catalogue shipped with Rødtråd, in file order.
pub fn kpis() -> &'static [Kpi] {
    static KPIS: OnceLock<Vec<Kpi>> = OnceLock::new();
    KPIS.get_or_init(|| {
        csv::Reader::from_reader(include_str!("../data/u4ssc/kpis.csv").as_bytes())
            .deserialize()
            .filter_map(Result::ok)
            .collect()
    })
}

/// The code without spaces, upper-case, with `-` read as `:`; `ec-ict-ict-1c` and `EC: ICT: ICT: 1C` match.
fn compact(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).map(|c| if c == '-' { ':' } else { c.to_ascii_uppercase() }).collect()
}

/// The catalogue KPI a typed code means, if any.
pub fn kpi_by_code(code: &str) -> Option<&'static Kpi> {
    static INDEX: OnceLock<HashMap<String, usize>> = OnceLock::new();
    let index = INDEX.get_or_init(|| kpis().iter().enumerate().map(|(i, k)| (compact(&k.code), i)).collect());
    index.get(&compact(code)).map(|i| &kpis()[*i])
}

/// Parses a decimal number written with a point or a Norwegian decimal comma (`12,5`), allowing
/// spaces as thousands separators. Infinite and NaN values are refused.
pub fn parse_decimal(input: &str) -> Option<f64> {
    let cleaned: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Longest note kept from a CSV line or a form.
pub const NOTE_MAX: usize = 500;

/// One KPI value read from a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiRow {
    /// The catalogue code, as the catalogue writes it.
    pub code: String,
    /// Year.
    pub year: i32,
    /// Value.
    pub value: f64,
    /// Note, if any.
    pub note: Option<String>,
}

/// What is wrong with one line of a KPI file.
#[derive(Debug, Clone, PartialEq)]
pub enum CsvProblem {
    /// The file holds no data rows.
    Empty,
    /// The line is not valid UTF-8 text.
    NotText,
    /// Wrong number of columns (found).
    Columns(usize),
    /// A quoted field is not closed.
    Quote,
    /// The code is not in the catalogue.
    UnknownCode(String),
    /// The year is not a year in range.
    BadYear(String),
    /// The value is not a number.
    BadValue(String),
    /// The note is longer than [`NOTE_MAX`].
    NoteTooLong,
    /// The same code and year appeared before, on this line.
    Duplicate(usize),
}

impl CsvProblem {
    /// The problem as a rule error (message key and arguments) for the translator.
    pub fn rule(&self) -> RuleError {
        match self {
            Self::Empty => RuleError::new("u4ssc-csv-empty"),
            Self::NotText => RuleError::new("u4ssc-csv-not-text"),
            Self::Columns(n) => RuleError::new("u4ssc-csv-columns").with("count", n.to_string()),
            Self::Quote => RuleError::new("u4ssc-csv-quote"),
            Self::UnknownCode(c) => RuleError::new("u4ssc-csv-code").with("value", c.clone()),
            Self::BadYear(y) => RuleError::new("u4ssc-csv-year").with("value", y.clone()),
            Self::BadValue(v) => RuleError::new("u4ssc-csv-value").with("value", v.clone()),
            Self::NoteTooLong => RuleError::new("u4ssc-csv-note").with("max", NOTE_MAX.to_string()),
            Self::Duplicate(first) => RuleError::new("u4ssc-csv-duplicate").with("line", first.to_string()),
        }
    }
}

/// A problem on one line (1-based) of a KPI file.
#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    /// Line number, counting from 1 (header included).
    pub line: usize,
    /// What is wrong.
    pub problem: CsvProblem,
}

/// Splits one line into fields on `delimiter`, honouring double quotes (`""` inside quotes is a quote).
fn split_fields(line: &str, delimiter: char) -> Result<Vec<String>, CsvProblem> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' {
            quoted = true;
        } else if c == delimiter {
            fields.push(std::mem::take(&mut field));
        } else {
            field.push(c);
        }
    }
    if quoted {
        return Err(CsvProblem::Quote);
    }
    fields.push(field);
    Ok(fields.into_iter().map(|f| f.trim().to_owned()).collect())
}

/// Whether a line is the optional header (`code;year;value;note`, or Norwegian `kode;år;verdi;merknad`).
fn is_header(first_field: &str) -> bool {
    matches!(first_field.to_lowercase().as_str(), "code" | "kode" | "kpi")
}

/// Parses KPI values from CSV: columns `code;year;value;note` (the note may be left out), `;` or `,` as
/// delimiter (decided by the first line), decimal point or comma (quote a decimal comma when the delimiter is
/// `,`), an optional header line and UTF-8 byte-order mark, blank lines ignored. Every bad line is reported
/// with its number and reason; any bytes give either rows or errors, never a panic.
pub fn parse_kpi_csv(bytes: &[u8]) -> Result<Vec<KpiRow>, Vec<LineError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<(String, i32), usize> = HashMap::new();
    let mut delimiter: Option<char> = None;
    let mut first_line = true;
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let number = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let Ok(line) = std::str::from_utf8(raw) else {
            errors.push(LineError { line: number, problem: CsvProblem::NotText });
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        let delim = *delimiter.get_or_insert(if line.contains(';') { ';' } else { ',' });
        let fields = match split_fields(line, delim) {
            Ok(f) if std::mem::take(&mut first_line) && is_header(&f[0]) => continue,
            Ok(f) => f,
            Err(problem) => {
                errors.push(LineError { line: number, problem });
                continue;
            }
        };
        if !(3..=4).contains(&fields.len()) {
            errors.push(LineError { line: number, problem: CsvProblem::Columns(fields.len()) });
            continue;
        }
        let mut problems = Vec::new();
        let kpi = kpi_by_code(&fields[0]);
        if kpi.is_none() {
            problems.push(CsvProblem::UnknownCode(fields[0].clone()));
        }
        let year = parse_year(&fields[1]).ok();
        if year.is_none() {
            problems.push(CsvProblem::BadYear(fields[1].clone()));
        }
        let value = parse_decimal(&fields[2]);
        if value.is_none() {
            problems.push(CsvProblem::BadValue(fields[2].clone()));
        }
        let note = fields.get(3).filter(|n| !n.is_empty()).cloned();
        if note.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX) {
            problems.push(CsvProblem::NoteTooLong);
        }
        if let (Some(kpi), Some(year), true) = (kpi, year, problems.is_empty()) {
            let key = (kpi.code.clone(), year);
            if let Some(first) = seen.get(&key) {
                problems.push(CsvProblem::Duplicate(*first));
            } else {
                seen.insert(key, number);
            }
        }
        match (kpi, year, value) {
            (Some(kpi), Some(year), Some(value)) if problems.is_empty() => {
                rows.push(KpiRow { code: kpi.code.clone(), year, value, note })
            }
            _ => errors.extend(problems.into_iter().map(|problem| LineError { line: number, problem })),
        }
    }
    if errors.is_empty() && rows.is_empty() {
        errors.push(LineError { line: 1, problem: CsvProblem::Empty });
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_has_thirty_named_elements() {
        let mut names = std::collections::BTreeSet::new();
        for p in Process::ALL {
            assert_eq!(Process::parse(p.code()), Some(p));
            for f in Phase::ALL {
                assert_eq!(Phase::parse(f.code()), Some(f));
                assert_eq!(element_key(p, f), format!("u4ssc-element-{}-{}", p.code(), f.code()));
                names.insert(element_key(p, f));
            }
        }
        assert_eq!(names.len(), 30, "every element has its own key");
        assert_eq!(Process::parse("nope"), None);
    }

    #[test]
    fn maturity_scale() {
        assert_eq!(Maturity::parse_optional(" ").unwrap(), None);
        assert_eq!(Maturity::parse_optional("3").unwrap().map(Maturity::level), Some(3));
        for bad in ["5", "-1", "x", "2.5", "256"] {
            assert_eq!(Maturity::parse_optional(bad).unwrap_err().key, "u4ssc-err-maturity", "{bad}");
        }
        assert_eq!(Maturity::all().count(), 5);
        let colours: std::collections::BTreeSet<_> = Maturity::all().map(Maturity::colour).collect();
        assert_eq!(colours.len(), 5, "every level has its own colour");
    }

    #[test]
    fn catalogue_covers_three_dimensions_with_unique_codes() {
        let all = kpis();
        assert!(all.len() >= 40, "{} KPIs", all.len());
        for d in Dimension::ALL {
            assert!(all.iter().filter(|k| k.dimension == d).count() >= 8, "{d:?}");
        }
        let codes: std::collections::BTreeSet<_> = all.iter().map(|k| compact(&k.code)).collect();
        assert_eq!(codes.len(), all.len());
        for k in all {
            let prefix = match k.dimension {
                Dimension::Economic => "EC:",
                Dimension::Environmental => "EN:",
                Dimension::Social => "SC:",
            };
            assert!(k.code.starts_with(prefix), "{}", k.code);
            let expected = if k.code.ends_with('C') { "core" } else { "advanced" };
            assert_eq!(k.kind, expected, "{}", k.code);
        }
        assert_eq!(kpi_by_code("ec-ict-ict-1c").map(|k| k.name_en.as_str()), Some("Household Internet Access"));
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("12,5"), Some(12.5));
        assert_eq!(parse_decimal("1 234.5"), Some(1234.5));
        assert_eq!(parse_decimal("-3"), Some(-3.0));
        assert_eq!(parse_decimal("inf"), None);
        assert_eq!(parse_decimal("NaN"), None);
        assert_eq!(parse_decimal("1e400"), None);
        assert_eq!(parse_decimal(""), None);
    }

    #[test]
    fn csv_with_header_bom_semicolons_and_decimal_comma() {
        let file = "\u{feff}kode;år;verdi;merknad\r\nEC: ICT: ICT: 1C;2023;97,5;SSB\r\n\r\nsc-eh-h-2c;2023;83,1\n";
        let rows = parse_kpi_csv(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            KpiRow { code: "EC: ICT: ICT: 1C".into(), year: 2023, value: 97.5, note: Some("SSB".into()) }
        );
        assert_eq!(rows[1].code, "SC: EH: H: 2C");
        assert_eq!(rows[1].note, None);
    }

    #[test]
    fn csv_with_commas_and_quotes() {
        let file = "code,year,value,note\nEC: P: EM: 1C,2019,2.1,\"NAV, registrert\"\nEC: P: EM: 2C,2019,\"3,4\",\n";
        let rows = parse_kpi_csv(file.as_bytes()).unwrap();
        assert_eq!(rows[0].note.as_deref(), Some("NAV, registrert"));
        assert_eq!(rows[1].value, 3.4);
    }

    #[test]
    fn every_bad_line_is_reported_with_its_reason() {
        let file = "code;year;value\nXX: 1;2023;1\nEC: P: EM: 1C;20x3;1\nEC: P: EM: 1C;2023;abc\nEC: P: EM: 1C;2023;2\nEC: P: EM: 1C;2023;3\nEC: P: EM: 1C;2023\n\"open;2023;1\n";
        let errors = parse_kpi_csv(file.as_bytes()).unwrap_err();
        let got: Vec<(usize, CsvProblem)> = errors.into_iter().map(|e| (e.line, e.problem)).collect();
        assert_eq!(
            got,
            vec![
                (2, CsvProblem::UnknownCode("XX: 1".into())),
                (3, CsvProblem::BadYear("20x3".into())),
                (4, CsvProblem::BadValue("abc".into())),
                (6, CsvProblem::Duplicate(5)),
                (7, CsvProblem::Columns(2)),
                (8, CsvProblem::Quote),
            ]
        );
        assert_eq!(parse_kpi_csv(b"EC: P: EM: 1C;1850;1").unwrap_err()[0].problem, CsvProblem::BadYear("1850".into()));
        let long = format!("EC: P: EM: 1C;2023;1;{}", "x".repeat(NOTE_MAX + 1));
        assert_eq!(parse_kpi_csv(long.as_bytes()).unwrap_err()[0].problem, CsvProblem::NoteTooLong);
    }

    #[test]
    fn empty_and_garbage_files() {
        for empty in [&b""[..], b"\xEF\xBB\xBF", b"\n\r\n  \n", b"code;year;value;note\n"] {
            assert_eq!(parse_kpi_csv(empty).unwrap_err(), vec![LineError { line: 1, problem: CsvProblem::Empty }]);
        }
        let garbage = [0xff, 0xfe, 0x00, 0x9f, b'\n', b'"', b';', 0xc3, b'\n', b'a'];
        let errors = parse_kpi_csv(&garbage).unwrap_err();
        assert_eq!(errors[0], LineError { line: 1, problem: CsvProblem::NotText });
        assert_eq!(errors[1].line, 2);
        assert_eq!(errors.len(), 3);
        // A pseudo-random walk over bytes: never panics, always answers.
        let mut state: u32 = 7;
        for _ in 0..2000 {
            let bytes: Vec<u8> = (0..64)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    [b';', b',', b'"', b'\n', b'1', b'E', b'C', b':', 0xc3, 0xa5, 0xff][(state >> 16) as usize % 11]
                })
                .collect();
            let _ = parse_kpi_csv(&bytes);
        }
    }
}
