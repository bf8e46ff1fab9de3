//! Economy follow-up (*økonomioppfølging*): money as exact decimals (NOK), the deviation of a
//! forecast (*prognose*) from the budget and when it is flagged, the roll-up of budget, actuals and
//! forecast from units to service areas and the municipality, and the parser of the accounting
//! system's monthly actuals (CSV or rows read from XLSX).
//!
//! Sign convention, as in the accounts: costs are positive, income negative, so a unit's net is the
//! sum of its lines and a positive deviation (forecast above budget) is always the unfavourable one.

use crate::RuleError;
use crate::followup::Hierarchy;
pub use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Largest amount accepted anywhere (a thousand billion NOK): far above any municipality's
/// budget, far below `Decimal`'s range, so sums of a million lines cannot overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// Parses an amount as people and accounting systems in Norway write it: spaces, non-breaking
/// spaces or narrow non-breaking spaces as thousands separators, a decimal comma or point, `.` or
/// `,` as thousands separator when the other one is the decimal mark (`1.234.567,89`), a leading
/// `-` or `−`. Exact: the digits are kept as written (no rounding, no binary floating point), and
/// more digits than `Decimal` holds are refused rather than rounded. `None` for anything else.
pub fn parse_amount(input: &str) -> Option<Decimal> {
    match parse_plain_amount(input.trim()) {
        Some(fast) => fast,
        None => parse_amount_general(input),
    }
}

/// [`parse_amount`] for every spelling it accepts.
fn parse_amount_general(input: &str) -> Option<Decimal> {
    let mut compact = String::with_capacity(input.len());
    for c in input.trim().chars() {
        match c {
            ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' => {}
            '\u{2212}' => compact.push('-'),
            c => compact.push(c),
        }
    }
    let (negative, digits) = match compact.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, compact.strip_prefix('+').unwrap_or(&compact)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b',' || b == b'.') {
        return None;
    }
    let commas = digits.matches(',').count();
    let points = digits.matches('.').count();
    // Which mark is the decimal one: the last of two different marks, a single mark on its own;
    // a mark that appears several times alone is a thousands separator.
    let decimal_mark = match (commas, points) {
        (0, 0) => None,
        (1, 0) => Some(','),
        (0, 1) => Some('.'),
        (_, 0) | (0, _) => None,
        _ => {
            let last_comma = digits.rfind(',')?;
            let last_point = digits.rfind('.')?;
            Some(if last_comma > last_point { ',' } else { '.' })
        }
    };
    let (whole, fraction) = match decimal_mark {
        Some(mark) => {
            let at = digits.rfind(mark)?;
            (&digits[..at], &digits[at + 1..])
        }
        None => (digits, ""),
    };
    if fraction.contains([',', '.']) || (decimal_mark.is_some() && fraction.is_empty()) {
        return None;
    }
    // Thousands separators in the whole part: groups of three after the first group of one to three.
    let whole_digits: String = if whole.contains([',', '.']) {
        let separator = if whole.contains(',') { ',' } else { '.' };
        if whole.contains(',') && whole.contains('.') {
            return None;
        }
        let groups: Vec<&str> = whole.split(separator).collect();
        let first_ok = (1..=3).contains(&groups[0].len());
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
        groups.concat()
    } else {
        whole.to_owned()
    };
    if whole_digits.is_empty() {
        return None;
    }
    let text = if fraction.is_empty() { whole_digits } else { format!("{whole_digits}.{fraction}") };
    let value = Decimal::from_str_exact(&text).ok()?;
    if value > Decimal::from(MAX_AMOUNT) {
        return None;
    }
    Some(if negative { -value } else { value })
}

/// The common case of [`parse_amount`] without an allocation: ASCII digits with spaces anywhere, an
/// optional leading sign and at most one decimal mark, at most 18 digits. `None` when the input is
/// anything else (the general parser decides then); `Some(result)` is what the general parser gives.
fn parse_plain_amount(input: &str) -> Option<Option<Decimal>> {
    let bytes = input.as_bytes();
    let (negative, body) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let (mut mantissa, mut digits, mut whole_digits, mut scale, mut mark) = (0u64, 0u32, 0u32, 0u32, false);
    for &b in body {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                if digits > 18 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(b - b'0');
                if mark { scale += 1 } else { whole_digits += 1 }
            }
            b' ' => {}
            b',' | b'.' if !mark => mark = true,
            _ => return None,
        }
    }
    if whole_digits == 0 || (mark && scale == 0) {
        return Some(None);
    }
    let value = Decimal::from_i128_with_scale(i128::from(mantissa), scale);
    if value > Decimal::from(MAX_AMOUNT) {
        return Some(None);
    }
    Some(Some(if negative { -value } else { value }))
}

/// Formats an amount for a page in Norwegian style: thousands separated by a non-breaking space, a
/// decimal comma, øre shown only when there are any (`1 234 567`, `-1 234,50`).
pub fn format_nok(amount: Decimal) -> String {
    let rounded = amount.round_dp(2);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let abs = rounded.abs();
    let whole = abs.trunc();
    let fraction = abs - whole;
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    if !fraction.is_zero() {
        let cents = (fraction * Decimal::from(100)).trunc();
        out.push_str(&format!(",{cents:0>2}"));
    }
    out
}

/// When a deviation is flagged (*vesentlig avvik*), set per municipality. A deviation is flagged when
/// it is past every threshold that is not zero: more than `percent` % of the budget and more than
/// `amount` NOK. Both together keep a small unit's few thousand kroner and a large area's fraction of
/// a percent off the list; with both zero any deviation is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Thresholds {
    /// Percent of the budget (absolute value), e.g. 3.
    pub percent: Decimal,
    /// Amount in NOK, e.g. 250 000.
    pub amount: Decimal,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { percent: Decimal::from(3), amount: Decimal::from(250_000) }
    }
}

impl Thresholds {
    /// Parses the settings form: a percent from 0 to 100 and an amount from 0, both exact.
    pub fn parse(percent: &str, amount: &str) -> Result<Thresholds, RuleError> {
        let percent = parse_amount(percent)
            .filter(|p| !p.is_sign_negative() && *p <= Decimal::from(100))
            .ok_or_else(|| RuleError::new("err-economy-threshold-percent").on("percent"))?;
        let amount = parse_amount(amount)
            .filter(|a| !a.is_sign_negative())
            .ok_or_else(|| RuleError::new("err-economy-threshold-amount").on("amount"))?;
        Ok(Thresholds { percent: percent.normalize(), amount: amount.normalize() })
    }
}

/// A forecast's deviation from the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Deviation {
    /// Forecast − budget (positive: more cost or less income than budgeted).
    pub amount: Decimal,
    /// The amount in percent of the budget's absolute value, one decimal; `None` when the budget is zero.
    pub percent: Option<Decimal>,
    /// Past the thresholds.
    pub flagged: bool,
}

impl Deviation {
    /// Unfavourable (forecast above budget) and flagged: what opens a management dialogue.
    pub fn is_flagged_overrun(&self) -> bool {
        self.flagged && self.amount > Decimal::ZERO
    }
}

/// Deviation = forecast − budget, flagged past `thresholds` (see [`Thresholds`]). Exact: the
/// percent comparison multiplies instead of dividing.
pub fn deviation(budget: Decimal, forecast: Decimal, thresholds: &Thresholds) -> Deviation {
    let amount = forecast - budget;
    let size = amount.abs();
    let base = budget.abs();
    let percent = (!base.is_zero()).then(|| (amount * Decimal::from(100) / base).round_dp(1));
    let past_percent = thresholds.percent.is_zero() || size * Decimal::from(100) > thresholds.percent * base;
    let past_amount = thresholds.amount.is_zero() || size > thresholds.amount;
    Deviation { amount, percent, flagged: !amount.is_zero() && past_percent && past_amount }
}

/// One unit's own figures (one line, or all lines summed) as the roll-up takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitFigures {
    /// The unit, as an index of the [`Hierarchy`].
    pub unit: u32,
    /// Budget for the year.
    pub budget: Decimal,
    /// Actuals to date.
    pub actual: Decimal,
    /// The leader's latest forecast for the year; `None` when none is given.
    pub forecast: Option<Decimal>,
}

/// Budget, actuals and forecast of a unit and everything below it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Figures {
    /// Budget for the year.
    pub budget: Decimal,
    /// Actuals to date.
    pub actual: Decimal,
    /// Forecast for the year; a unit without a forecast counts with its budget (no deviation
    /// assumed), and is counted in `without_forecast`.
    pub forecast: Decimal,
    /// Units (among those with figures) that have given no forecast.
    pub without_forecast: u32,
}

impl Figures {
    /// Forecast − budget, flagged past the thresholds.
    pub fn deviation(&self, thresholds: &Thresholds) -> Deviation {
        deviation(self.budget, self.forecast, thresholds)
    }

    /// Actuals in percent of the budget, one decimal; `None` when the budget is zero.
    pub fn used_percent(&self) -> Option<Decimal> {
        (!self.budget.is_zero()).then(|| (self.actual * Decimal::from(100) / self.budget.abs()).round_dp(1))
    }

    fn add(&mut self, other: &Figures) {
        self.budget += other.budget;
        self.actual += other.actual;
        self.forecast += other.forecast;
        self.without_forecast += other.without_forecast;
    }
}

/// The roll-up: for every unit of `hierarchy` (by index), the figures of its own entries and those of
/// every unit below it, the way [`crate::followup::roll_up`] counts statuses for the dashboards.
/// Entries outside the hierarchy are skipped. Exact sums in one pass over the entries and one
/// backward pass over the units.
pub fn roll_up(hierarchy: &Hierarchy, entries: &[UnitFigures]) -> Vec<Figures> {
    let mut sums = vec![Figures::default(); hierarchy.len()];
    for e in entries {
        let Some(f) = sums.get_mut(e.unit as usize) else { continue };
        f.budget += e.budget;
        f.actual += e.actual;
        f.forecast += e.forecast.unwrap_or(e.budget);
        f.without_forecast += u32::from(e.forecast.is_none());
    }
    for i in (0..hierarchy.len() as u32).rev() {
        if let Some(p) = hierarchy.parent(i) {
            let own = sums[i as usize];
            sums[p as usize].add(&own);
        }
    }
    sums
}

/// A forecast's comment: trimmed, at most [`COMMENT_MAX`] characters.
pub fn forecast_comment(input: &str) -> Result<String, RuleError> {
    let text = input.trim();
    if text.chars().count() > COMMENT_MAX {
        return Err(RuleError::new("err-economy-comment-long").with("max", COMMENT_MAX.to_string()).on("comment"));
    }
    Ok(text.to_owned())
}

/// Longest forecast comment.
pub const COMMENT_MAX: usize = 4000;

/// A forecast amount typed by the leader: exact, at most two decimals (øre).
pub fn parse_form_amount(input: &str, field: &'static str) -> Result<Decimal, RuleError> {
    parse_amount(input)
        .filter(|a| a.scale() <= 2 || a.normalize().scale() <= 2)
        .map(|a| a.normalize())
        .ok_or_else(|| RuleError::new("err-economy-amount").with("value", input.trim().to_owned()).on(field))
}

/// A month of a year, parsed from an accounting file's period column: `2026-03`, `2026-3`,
/// `202603`, `2026-03-31`, `03.2026`, `3/2026`, `31.03.2026`.
pub fn parse_period(input: &str) -> Option<(i32, u32)> {
    let t = input.trim();
    let num = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
    };
    let (year, month) = if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        (num(&t[..4])?, num(&t[4..])?)
    } else {
        let mut parts = [""; 3];
        let mut count = 0;
        for part in t.split(['-', '.', '/']) {
            if count == parts.len() {
                return None;
            }
            parts[count] = part;
            count += 1;
        }
        match &parts[..count] {
            [a, b] if a.len() == 4 => (num(a)?, num(b)?),
            [a, b] if b.len() == 4 => (num(b)?, num(a)?),
            [a, b, _day] if a.len() == 4 => (num(a)?, num(b)?),
            [_day, b, c] if c.len() == 4 => (num(c)?, num(b)?),
            _ => return None,
        }
    };
    ((2000..=2100).contains(&year) && (1..=12).contains(&month)).then_some((year as i32, month))
}

/// Decodes an uploaded text file: UTF-8 with or without a byte-order mark, otherwise Windows-1252
/// (what Norwegian Excel and older accounting systems write). Takes the bytes so that a UTF-8 file
/// becomes a string without a copy.
pub fn decode_text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            text
        }
        Err(e) => e.into_bytes().iter().map(|&b| windows_1252(b)).collect(),
    }
}

/// One byte of Windows-1252 as a character (the five undefined bytes map to the C1 controls, as
/// WHATWG's decoder does).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Splits CSV text into rows of fields with their 1-based line numbers: `;` or `,` as separator
/// (whichever the first non-empty line has more of, `;` on a tie), double quotes around fields
/// (`""` is a quote; a quoted field may hold the separator and line breaks), blank lines skipped,
/// fields trimmed. An unterminated quote is reported on the line it starts. See [`csv_rows`], which
/// streams the same rows without copying them.
pub fn split_csv(text: &str) -> Vec<(usize, Result<Vec<String>, ImportProblem>)> {
    let mut rows = Vec::new();
    csv_rows(text, |line, fields| {
        rows.push((line, fields.map(|f| f.iter().map(|c| c.to_string()).collect())));
    });
    rows
}

/// The separator of a CSV text: `,` when the first non-empty line has more commas than semicolons.
fn csv_separator(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.matches(',').count() > first.matches(';').count() { b',' } else { b';' }
}

/// Streams the rows of CSV text as [`split_csv`] splits them, calling `each` with a row's first line
/// number and its fields. A field is borrowed from the text unless it was quoted (then it is
/// unescaped into its own string), so a large file is read without an allocation per field. The
/// separator, quote and line feed are ASCII, which never occurs inside a multi-byte UTF-8 character,
/// so the text is scanned as bytes.
pub fn csv_rows<'a>(text: &'a str, mut each: impl FnMut(usize, Result<&[Cow<'a, str>], ImportProblem>)) {
    let sep = csv_separator(text);
    let bytes = text.as_bytes();
    let n = bytes.len();
    let plain_end =
        |from: usize, stops: &[u8]| bytes[from..].iter().position(|b| stops.contains(b)).map_or(n, |p| from + p);
    let mut fields: Vec<Cow<'a, str>> = Vec::new();
    let (mut i, mut line, mut row_start, mut any) = (0usize, 1usize, 1usize, false);
    loop {
        let start = i;
        i = plain_end(i, &[sep, b'\n', b'"']);
        let field: Cow<'a, str> = if i < n && bytes[i] == b'"' {
            // A quoted field: unescape into a string of its own.
            let mut owned = String::from(&text[start..i]);
            let mut quoted = false;
            while i < n {
                match bytes[i] {
                    b'"' if quoted && bytes.get(i + 1) == Some(&b'"') => {
                        owned.push('"');
                        i += 2;
                    }
                    b'"' => {
                        quoted = !quoted;
                        any = true;
                        i += 1;
                    }
                    b'\n' if quoted => {
                        line += 1;
                        owned.push('\n');
                        i += 1;
                    }
                    b if !quoted && (b == sep || b == b'\n') => break,
                    _ => {
                        let stops: &[u8] = if quoted { b"\"\n" } else { &[sep, b'\n', b'"'] };
                        let end = plain_end(i, stops);
                        owned.push_str(&text[i..end]);
                        i = end;
                    }
                }
            }
            if quoted {
                each(row_start, Err(ImportProblem::Quote));
                return;
            }
            let trimmed = owned.trim();
            if trimmed.len() == owned.len() { Cow::Owned(owned) } else { Cow::Owned(trimmed.to_owned()) }
        } else {
            Cow::Borrowed(text[start..i].trim())
        };
        if i < n && bytes[i] == sep {
            fields.push(field);
            any = true;
            i += 1;
            continue;
        }
        if any || !field.is_empty() {
            fields.push(field);
            each(row_start, Ok(&fields));
        }
        fields.clear();
        any = false;
        if i >= n {
            return;
        }
        // A line feed ends the row.
        i += 1;
        line += 1;
        row_start = line;
    }
}

/// Which column of an accounting file holds what, by header name (compared without case), saved per
/// municipality.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColumnMapping {
    /// Responsibility (*ansvar*), mapped to a unit.
    pub responsibility: String,
    /// Account (*art*/*konto*), mapped to a line by prefix.
    pub account: String,
    /// Period (month).
    pub period: String,
    /// Amount (the month's sum).
    pub amount: String,
}

impl Default for ColumnMapping {
    fn default() -> Self {
        ColumnMapping {
            responsibility: "ansvar".into(),
            account: "art".into(),
            period: "periode".into(),
            amount: "beløp".into(),
        }
    }
}

impl ColumnMapping {
    /// Parses the mapping form: four header names, each given and different from the others.
    pub fn parse(responsibility: &str, account: &str, period: &str, amount: &str) -> Result<ColumnMapping, RuleError> {
        let names = [("responsibility", responsibility), ("account", account), ("period", period), ("amount", amount)];
        let mut seen: Vec<String> = Vec::new();
        for (field, name) in names {
            let n = name.trim().to_lowercase();
            if n.is_empty() || n.chars().count() > 100 {
                return Err(RuleError::new("err-economy-column-required").on(field));
            }
            if seen.contains(&n) {
                return Err(RuleError::new("err-economy-column-twice").with("name", name.trim().to_owned()).on(field));
            }
            seen.push(n);
        }
        Ok(ColumnMapping {
            responsibility: responsibility.trim().to_owned(),
            account: account.trim().to_owned(),
            period: period.trim().to_owned(),
            amount: amount.trim().to_owned(),
        })
    }
}

/// The code lists the import maps with: responsibility code → unit, account prefix → line (the
/// longest matching prefix wins, so `1010` can go elsewhere than `10`).
#[derive(Debug, Clone, Default)]
pub struct CodeMaps {
    /// Responsibility code → unit id.
    pub units: FxHashMap<String, i64>,
    /// Account prefix → line id.
    pub accounts: Vec<(String, i64)>,
}

impl CodeMaps {
    /// The line of an account: its longest mapped prefix.
    pub fn line_of(&self, account: &str) -> Option<i64> {
        self.accounts
            .iter()
            .filter(|(prefix, _)| account.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, line)| *line)
    }
}

/// Parses the account prefixes of a line as typed: codes of digits (or letters) separated by commas
/// or spaces, e.g. `10, 11`.
pub fn parse_prefixes(input: &str) -> Result<Vec<String>, RuleError> {
    let mut out: Vec<String> = Vec::new();
    for p in input.split([',', ' ', ';', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        if p.len() > 20 || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(RuleError::new("err-economy-prefix").with("value", p.to_owned()).on("prefixes"));
        }
        if !out.iter().any(|o| o == p) {
            out.push(p.to_owned());
        }
    }
    Ok(out)
}

/// What is wrong with an accounting file or one of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportProblem {
    /// No rows after the header.
    Empty,
    /// An XLSX upload that is not a workbook.
    NotWorkbook,
    /// A mapped column is not in the header.
    MissingColumn(String),
    /// A row has another number of fields than the header.
    Columns {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A quote is not closed.
    Quote,
    /// A responsibility code that maps to no unit.
    UnknownResponsibility(String),
    /// An account that maps to no line.
    UnknownAccount(String),
    /// An amount that is not a number.
    BadAmount(String),
    /// A period that is not a month.
    BadPeriod(String),
    /// Responsibility, account and period already on an earlier row.
    Duplicate(usize),
}

impl ImportProblem {
    /// The message key and arguments.
    pub fn rule(&self) -> RuleError {
        match self {
            Self::Empty => RuleError::new("economy-import-empty"),
            Self::NotWorkbook => RuleError::new("economy-import-not-workbook"),
            Self::MissingColumn(c) => RuleError::new("economy-import-missing-column").with("name", c.clone()),
            Self::Columns { expected, found } => RuleError::new("economy-import-columns")
                .with("expected", expected.to_string())
                .with("found", found.to_string()),
            Self::Quote => RuleError::new("economy-import-quote"),
            Self::UnknownResponsibility(v) => RuleError::new("economy-import-responsibility").with("value", v.clone()),
            Self::UnknownAccount(v) => RuleError::new("economy-import-account").with("value", v.clone()),
            Self::BadAmount(v) => RuleError::new("economy-import-amount").with("value", v.clone()),
            Self::BadPeriod(v) => RuleError::new("economy-import-period").with("value", v.clone()),
            Self::Duplicate(first) => RuleError::new("economy-import-duplicate").with("line", first.to_string()),
        }
    }
}

/// A problem on one row (its 1-based line in the file, header included; 0 for the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// Line number.
    pub row: usize,
    /// What is wrong.
    pub problem: ImportProblem,
}

/// The key of a month's actual: unit, line, year, month.
pub type ActualKey = (i64, i64, i32, u32);

/// A valid accounting file, summed per unit, line and month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedActuals {
    /// Data rows read.
    pub rows: usize,
    /// The sums, ordered.
    pub totals: BTreeMap<ActualKey, Decimal>,
}

impl ParsedActuals {
    /// The months the file covers.
    pub fn months(&self) -> Vec<(i32, u32)> {
        let mut m: Vec<(i32, u32)> = self.totals.keys().map(|k| (k.2, k.3)).collect();
        m.sort_unstable();
        m.dedup();
        m
    }

    /// Sum of every amount.
    pub fn sum(&self) -> Decimal {
        self.totals.values().copied().sum()
    }
}

/// Parses an accounting file's rows (the first is the header): the mapped columns by name, each row's
/// responsibility mapped to a unit, account to a line, period to a month, amount exactly; a second row
/// with the same responsibility, account and period is a duplicate. Either the sums per unit, line and
/// month of a wholly valid file, or every problem with its row. Any input gives one or the other,
/// never a panic.
pub fn parse_actuals(
    rows: Vec<(usize, Result<Vec<String>, ImportProblem>)>,
    columns: &ColumnMapping,
    maps: &CodeMaps,
) -> Result<ParsedActuals, Vec<RowProblem>> {
    let mut parser = ActualsParser::new(columns, maps);
    for (row, fields) in &rows {
        parser.row(*row, fields.as_ref().map(Vec::as_slice).map_err(Clone::clone));
    }
    if parser.second_pass() {
        for (row, fields) in &rows {
            parser.row(*row, fields.as_ref().map(Vec::as_slice).map_err(Clone::clone));
        }
    }
    parser.finish()
}

/// Parses an accounting CSV file from its bytes (see [`decode_text`], [`csv_rows`], [`parse_actuals`]),
/// streaming its rows: the fields are borrowed from the text, so memory grows with the distinct codes
/// and sums, not with the rows.
pub fn parse_actuals_csv(
    bytes: Vec<u8>,
    columns: &ColumnMapping,
    maps: &CodeMaps,
) -> Result<ParsedActuals, Vec<RowProblem>> {
    let text = decode_text(bytes);
    let mut parser = ActualsParser::new(columns, maps);
    csv_rows(&text, |row, fields| parser.row(row, fields));
    if parser.second_pass() {
        csv_rows(&text, |row, fields| parser.row(row, fields));
    }
    parser.finish()
}

/// The state of one parse: the header's columns, the codes seen (each interned once, so a row costs
/// no allocation), which (responsibility, account, year) had which months, the sums and the problems.
/// A duplicate is found in the first pass; only then a second pass finds the row it repeats, so a
/// valid file is read once and its row numbers are never kept.
struct ActualsParser<'m> {
    columns: &'m ColumnMapping,
    maps: &'m CodeMaps,
    header: Option<(usize, [usize; 4], usize)>,
    failed_header: bool,
    rows: usize,
    responsibilities: FxHashMap<String, u32>,
    accounts: FxHashMap<String, (u32, Option<i64>)>,
    months_seen: FxHashMap<(u32, u32, i32), u16>,
    duplicates: Vec<(usize, (u32, u32, i32, u32))>,
    first_rows: Option<FxHashMap<(u32, u32, i32, u32), usize>>,
    totals: FxHashMap<ActualKey, Decimal>,
    problems: Vec<RowProblem>,
}

impl<'m> ActualsParser<'m> {
    fn new(columns: &'m ColumnMapping, maps: &'m CodeMaps) -> Self {
        ActualsParser {
            columns,
            maps,
            header: None,
            failed_header: false,
            rows: 0,
            responsibilities: FxHashMap::default(),
            accounts: FxHashMap::default(),
            months_seen: FxHashMap::default(),
            duplicates: Vec::new(),
            first_rows: None,
            totals: FxHashMap::default(),
            problems: Vec::new(),
        }
    }

    fn read_header<F: AsRef<str>>(&mut self, row: usize, header: Result<&[F], ImportProblem>) {
        let header = match header {
            Ok(h) => h,
            Err(problem) => {
                self.problems.push(RowProblem { row, problem });
                self.failed_header = true;
                return;
            }
        };
        let find = |name: &str| {
            let name = name.trim().to_lowercase();
            header.iter().position(|h| h.as_ref().trim().trim_start_matches('\u{feff}').to_lowercase() == name)
        };
        let mut at = [0usize; 4];
        let names = [&self.columns.responsibility, &self.columns.account, &self.columns.period, &self.columns.amount];
        for (i, name) in names.into_iter().enumerate() {
            match find(name) {
                Some(p) => at[i] = p,
                None => {
                    self.problems.push(RowProblem { row, problem: ImportProblem::MissingColumn(name.clone()) });
                    self.failed_header = true;
                }
            }
        }
        self.header = Some((row, at, header.len()));
    }

    /// Feeds one row (the first call is the header).
    fn row<F: AsRef<str>>(&mut self, row: usize, fields: Result<&[F], ImportProblem>) {
        let Some((header_row, at, width)) = self.header else {
            if !self.failed_header {
                self.read_header(row, fields);
            }
            return;
        };
        if self.failed_header || row == header_row {
            return;
        }
        if let Some(first_rows) = &mut self.first_rows {
            // Second pass: only the first row of each duplicated key is wanted.
            if let Ok(f) = fields
                && f.len() == width
                && let Some(key) = key_of(
                    self.maps,
                    &self.responsibilities,
                    &self.accounts,
                    [&f[at[0]], &f[at[1]], &f[at[2]], &f[at[3]]],
                )
                && let Some(first) = first_rows.get_mut(&key)
                && *first == 0
            {
                *first = row;
            }
            return;
        }
        self.rows += 1;
        let fields = match fields {
            Ok(f) if f.len() == width => f,
            Ok(f) => {
                self.problems
                    .push(RowProblem { row, problem: ImportProblem::Columns { expected: width, found: f.len() } });
                return;
            }
            Err(problem) => {
                self.problems.push(RowProblem { row, problem });
                return;
            }
        };
        let (resp, account, period, amount) =
            (fields[at[0]].as_ref(), fields[at[1]].as_ref(), fields[at[2]].as_ref(), fields[at[3]].as_ref());
        let before = self.problems.len();
        let unit = self.maps.units.get(resp).copied();
        if unit.is_none() {
            self.problems.push(RowProblem { row, problem: ImportProblem::UnknownResponsibility(resp.to_owned()) });
        }
        let next_account = self.accounts.len() as u32;
        let (account_id, line) = match self.accounts.get(account) {
            Some(a) => *a,
            None => {
                let entry = (next_account, self.maps.line_of(account).filter(|_| !account.is_empty()));
                self.accounts.insert(account.to_owned(), entry);
                entry
            }
        };
        if line.is_none() {
            self.problems.push(RowProblem { row, problem: ImportProblem::UnknownAccount(account.to_owned()) });
        }
        let month = parse_period(period);
        if month.is_none() {
            self.problems.push(RowProblem { row, problem: ImportProblem::BadPeriod(period.to_owned()) });
        }
        let value = parse_amount(amount);
        if value.is_none() {
            self.problems.push(RowProblem { row, problem: ImportProblem::BadAmount(amount.to_owned()) });
        }
        let (Some(unit), Some(line), Some((year, month)), Some(value)) = (unit, line, month, value) else { return };
        if self.problems.len() != before {
            return;
        }
        let next_resp = self.responsibilities.len() as u32;
        let resp_id = match self.responsibilities.get(resp) {
            Some(id) => *id,
            None => {
                self.responsibilities.insert(resp.to_owned(), next_resp);
                next_resp
            }
        };
        let seen = self.months_seen.entry((resp_id, account_id, year)).or_default();
        let bit = 1u16 << month;
        if *seen & bit != 0 {
            self.duplicates.push((row, (resp_id, account_id, year, month)));
            return;
        }
        *seen |= bit;
        *self.totals.entry((unit, line, year, month)).or_default() += value;
    }

    /// Whether the rows must be fed again to name the rows the duplicates repeat.
    fn second_pass(&mut self) -> bool {
        if self.duplicates.is_empty() {
            return false;
        }
        self.first_rows = Some(self.duplicates.iter().map(|(_, key)| (*key, 0)).collect());
        true
    }

    fn finish(mut self) -> Result<ParsedActuals, Vec<RowProblem>> {
        if let Some(first_rows) = &self.first_rows {
            for (row, key) in &self.duplicates {
                let first = first_rows.get(key).copied().unwrap_or(0);
                self.problems.push(RowProblem { row: *row, problem: ImportProblem::Duplicate(first) });
            }
            self.problems.sort_by_key(|p| p.row);
        }
        if let Some((header_row, _, _)) = self.header
            && self.rows == 0
            && self.problems.is_empty()
        {
            self.problems.push(RowProblem { row: header_row, problem: ImportProblem::Empty });
        }
        if self.header.is_none() && self.problems.is_empty() {
            self.problems.push(RowProblem { row: 0, problem: ImportProblem::Empty });
        }
        if self.problems.is_empty() {
            Ok(ParsedActuals { rows: self.rows, totals: self.totals.into_iter().collect() })
        } else {
            Err(self.problems)
        }
    }
}

/// The interned key of a row in the second pass, if the row is valid (`None` for a row the first
/// pass refused, which cannot be the first of a duplicated key).
fn key_of<F: AsRef<str>>(
    maps: &CodeMaps,
    responsibilities: &FxHashMap<String, u32>,
    accounts: &FxHashMap<String, (u32, Option<i64>)>,
    [resp, account, period, amount]: [&F; 4],
) -> Option<(u32, u32, i32, u32)> {
    maps.units.get(resp.as_ref())?;
    let resp_id = *responsibilities.get(resp.as_ref())?;
    let (account_id, line) = accounts.get(account.as_ref())?;
    line.as_ref()?;
    let (year, month) = parse_period(period.as_ref())?;
    parse_amount(amount.as_ref())?;
    Some((resp_id, *account_id, year, month))
}

impl crate::Actor {
    fn economy_staff(&self) -> bool {
        self.has(crate::Role::SystemAdmin) || self.has(crate::Role::Management)
    }

    /// May read the economy of the unit with `ancestry` (the unit first, then its ancestors): its
    /// leader and the leaders above (a director their area, the chief executive everything),
    /// delegates, the management staff, system administrators and the auditor. Not its employees,
    /// not leaders of other units, not politicians (they read the roll-ups).
    pub fn can_read_economy(&self, ancestry: &[i64]) -> bool {
        self.economy_staff()
            || self.has(crate::Role::Auditor)
            || ancestry.iter().any(|u| self.led_units.contains(u) || self.delegated_units.contains(u))
    }

    /// May read the roll-up of a service area or the municipality (totals per unit, no comments):
    /// whoever may read its economy, and politicians, who read the same figures in the reports.
    pub fn can_read_economy_rollup(&self, ancestry: &[i64]) -> bool {
        self.can_read_economy(ancestry) || self.has(crate::Role::Politician)
    }

    /// May give the forecast of a unit: whoever may edit the unit (its leader and those above,
    /// delegates, the management staff).
    pub fn can_forecast(&self, ancestry: &[i64]) -> bool {
        self.can_edit_unit(ancestry)
    }

    /// May set budgets, the account structure, thresholds and the import mapping, and import
    /// actuals: the management staff and system administrators.
    pub fn can_manage_economy(&self) -> bool {
        self.economy_staff()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_in_norwegian_and_english_notation_parse_exactly() {
        for (text, want) in [
            ("1234", "1234"),
            ("1 234 567,89", "1234567.89"),
            ("1\u{a0}234\u{a0}567,89", "1234567.89"),
            ("1\u{202f}234,5", "1234.5"),
            ("-1 234,50", "-1234.50"),
            ("\u{2212}12,3", "-12.3"),
            ("1.234.567,89", "1234567.89"),
            ("1,234,567.89", "1234567.89"),
            ("1234.56", "1234.56"),
            ("0,01", "0.01"),
            ("12,345", "12.345"),
            ("0.1234567890123456789", "0.1234567890123456789"),
        ] {
            assert_eq!(parse_amount(text), Some(d(want)), "{text}");
        }
        for bad in ["", "-", "abc", "1,2,3", "12,34.5,6", "1.23.4", ",5", "5,", "1e5", "12 kr", "--1", "1.2345.678,9"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
        assert_eq!(parse_amount("99999999999999999999999999999"), None, "past the maximum, not rounded");
    }

    #[test]
    fn amounts_format_with_spaces_and_a_decimal_comma() {
        assert_eq!(format_nok(d("1234567")), "1\u{a0}234\u{a0}567");
        assert_eq!(format_nok(d("-1234.5")), "-1\u{a0}234,50");
        assert_eq!(format_nok(d("999")), "999");
        assert_eq!(format_nok(d("0.05")), "0,05");
    }

    #[test]
    fn a_million_ore_exact_amounts_sum_exactly() {
        // 0,01 + 0,02 + … a million amounts with øre: in f64 this drifts; in Decimal it must not.
        let mut sum = Decimal::ZERO;
        let mut float = 0f64;
        let mut expected_ore: i128 = 0;
        for i in 1..=1_000_000i64 {
            let ore = (i * 7919) % 1_000_003 - 500_000;
            let text = format!("{},{:02}", ore / 100, (ore % 100).abs());
            let text = if ore < 0 && ore / 100 == 0 { format!("-{text}") } else { text };
            let amount = parse_amount(&text).unwrap();
            sum += amount;
            float += amount.to_string().parse::<f64>().unwrap();
            expected_ore += i128::from(ore);
        }
        assert_eq!(sum, Decimal::from_i128_with_scale(expected_ore, 2));
        assert_ne!(float.to_string(), sum.to_string(), "f64 would have lost øre (the test proves the point)");
    }

    #[test]
    fn deviations_are_flagged_past_both_thresholds() {
        let t = Thresholds { percent: d("3"), amount: d("250000") };
        // 10 MNOK budget: 400 000 over is 4 % and past 250 000.
        let dev = deviation(d("10000000"), d("10400000"), &t);
        assert_eq!((dev.amount, dev.percent, dev.flagged), (d("400000"), Some(d("4.0")), true));
        assert!(dev.is_flagged_overrun());
        // 300 000 is 3 %: not past 3 %.
        assert!(!deviation(d("10000000"), d("10300000"), &t).flagged);
        // A small unit: 20 % but only 100 000.
        assert!(!deviation(d("500000"), d("600000"), &t).flagged);
        // Under budget by as much is flagged too, but is no overrun.
        let under = deviation(d("10000000"), d("9500000"), &t);
        assert!(under.flagged && !under.is_flagged_overrun());
        // Income lines are negative: less income than budgeted is a positive deviation.
        let income = deviation(d("-2000000"), d("-1500000"), &t);
        assert_eq!((income.amount, income.percent), (d("500000"), Some(d("25.0"))));
        assert!(income.is_flagged_overrun());
        // Zero budget: no percent, the amount threshold alone decides.
        let zero = deviation(Decimal::ZERO, d("300000"), &t);
        assert_eq!((zero.percent, zero.flagged), (None, true));
        // Thresholds of zero flag any deviation, none when there is none.
        let none = Thresholds { percent: Decimal::ZERO, amount: Decimal::ZERO };
        assert!(deviation(d("1"), d("1.01"), &none).flagged);
        assert!(!deviation(d("1"), d("1"), &none).flagged);
    }

    #[test]
    fn threshold_settings_parse_or_name_the_field() {
        assert_eq!(Thresholds::parse("2,5", "100 000").unwrap(), Thresholds { percent: d("2.5"), amount: d("100000") });
        assert_eq!(Thresholds::parse("101", "1").unwrap_err().field, Some("percent"));
        assert_eq!(Thresholds::parse("5", "-1").unwrap_err().field, Some("amount"));
        assert_eq!(Thresholds::parse("x", "1").unwrap_err().key, "err-economy-threshold-percent");
    }

    #[test]
    fn roll_up_sums_units_into_areas_and_the_municipality() {
        // 1 municipality ← 2 area ← {3, 4} units; 5 another area.
        let h = Hierarchy::new(&[(1, None), (2, Some(1)), (3, Some(2)), (4, Some(2)), (5, Some(1))]);
        let ix = |u| h.index(u).unwrap();
        let entries = [
            UnitFigures { unit: ix(3), budget: d("100.10"), actual: d("50.05"), forecast: Some(d("110.10")) },
            UnitFigures { unit: ix(4), budget: d("200"), actual: d("90"), forecast: None },
            UnitFigures { unit: ix(5), budget: d("300"), actual: d("160"), forecast: Some(d("290")) },
            UnitFigures { unit: 99, budget: d("1"), actual: d("1"), forecast: None },
        ];
        let r = roll_up(&h, &entries);
        let area = r[ix(2) as usize];
        assert_eq!(
            (area.budget, area.actual, area.forecast, area.without_forecast),
            (d("300.10"), d("140.05"), d("310.10"), 1)
        );
        let all = r[ix(1) as usize];
        assert_eq!((all.budget, all.actual, all.forecast), (d("600.10"), d("300.05"), d("600.10")));
        assert_eq!(all.deviation(&Thresholds { percent: Decimal::ZERO, amount: Decimal::ZERO }).amount, Decimal::ZERO);
        assert_eq!(r[ix(3) as usize].deviation(&Thresholds::default()).amount, d("10.00"));
        // The roll-up equals summing each subtree directly.
        for unit in [1, 2, 3, 4, 5] {
            let below: Vec<u32> = [1, 2, 3, 4, 5]
                .into_iter()
                .filter(|u| {
                    let mut at = Some(ix(*u));
                    while let Some(i) = at {
                        if i == ix(unit) {
                            return true;
                        }
                        at = h.parent(i);
                    }
                    false
                })
                .map(ix)
                .collect();
            let direct: Decimal = entries.iter().filter(|e| below.contains(&e.unit)).map(|e| e.budget).sum();
            assert_eq!(r[ix(unit) as usize].budget, direct, "unit {unit}");
        }
    }

    #[test]
    fn periods_parse_in_the_usual_spellings() {
        for t in ["2026-03", "2026-3", "202603", "2026-03-31", "03.2026", "3/2026", "31.03.2026"] {
            assert_eq!(parse_period(t), Some((2026, 3)), "{t}");
        }
        for t in ["2026-13", "2026", "13.2026", "abc", "1999-01", "", "2026-03-31-1"] {
            assert_eq!(parse_period(t), None, "{t}");
        }
    }

    #[test]
    fn text_decodes_from_utf8_with_or_without_bom_and_windows_1252() {
        assert_eq!(decode_text("\u{feff}Ansvar;Beløp".as_bytes().to_vec()), "Ansvar;Beløp");
        assert_eq!(decode_text("Ansvar;Beløp".as_bytes().to_vec()), "Ansvar;Beløp");
        assert_eq!(decode_text(b"Bel\xf8p \x80 \xe6\xc5".to_vec()), "Beløp € æÅ");
    }

    /// Splits CSV text into rows of fields with their 1-based line numbers: `;` or `,` as separator
    /// (whichever the first non-empty line has more of, `;` on a tie), double quotes around fields
    /// (`""` is a quote; a quoted field may hold the separator and line breaks), blank lines skipped,
    /// fields trimmed. An unterminated quote is reported on the line it starts.
    fn split_csv_reference(text: &str) -> Vec<(usize, Result<Vec<String>, ImportProblem>)> {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let separator = if first.matches(',').count() > first.matches(';').count() { ',' } else { ';' };
        let mut rows = Vec::new();
        let mut fields: Vec<String> = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut line = 1usize;
        let mut row_start = 1usize;
        let mut chars = text.chars().peekable();
        let mut any = false;
        while let Some(c) = chars.next() {
            if quoted {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        field.push('"');
                        chars.next();
                    }
                    '"' => quoted = false,
                    '\n' => {
                        line += 1;
                        field.push('\n');
                    }
                    c => field.push(c),
                }
                continue;
            }
            match c {
                '"' => {
                    quoted = true;
                    any = true;
                }
                c if c == separator => {
                    fields.push(std::mem::take(&mut field).trim().to_owned());
                    any = true;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => {
                    if any || !field.trim().is_empty() {
                        fields.push(std::mem::take(&mut field).trim().to_owned());
                        rows.push((row_start, Ok(std::mem::take(&mut fields))));
                    }
                    field.clear();
                    any = false;
                    line += 1;
                    row_start = line;
                }
                c => field.push(c),
            }
        }
        if quoted {
            rows.push((row_start, Err(ImportProblem::Quote)));
        } else if any || !field.trim().is_empty() {
            fields.push(field.trim().to_owned());
            rows.push((row_start, Ok(fields)));
        }
        rows
    }

    /// A small deterministic generator (xorshift), so the comparisons below cover many inputs
    /// without a dependency and fail the same way every run.
    fn random_strings(alphabet: &[&str], count: usize, max_len: usize) -> Vec<String> {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..count)
            .map(|_| {
                let len = (next() % (max_len as u64 + 1)) as usize;
                (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect()
            })
            .collect()
    }

    #[test]
    fn the_streaming_csv_reader_splits_as_the_reference_does() {
        let alphabet = ["a", "1", " ", ";", ",", "\"", "\"\"", "\n", "\r\n", "\r", "ø", "\u{a0}", "\t"];
        for text in random_strings(&alphabet, 20_000, 24) {
            assert_eq!(split_csv(&text), split_csv_reference(&text), "{text:?}");
        }
        // Borrowed unless quoted.
        csv_rows("a; b ;\"c\"\"d\"\n", |line, fields| {
            let fields = fields.unwrap();
            assert_eq!(line, 1);
            assert!(matches!(fields[0], Cow::Borrowed("a")) && matches!(fields[1], Cow::Borrowed("b")));
            assert_eq!(fields[2], "c\"d");
        });
    }

    #[test]
    fn the_fast_amount_path_agrees_with_the_general_parser() {
        let alphabet = ["0", "1", "5", "9", " ", ",", ".", "-", "+"];
        let mut fast = 0;
        for text in random_strings(&alphabet, 50_000, 14) {
            if let Some(result) = parse_plain_amount(text.trim()) {
                fast += 1;
                let general = parse_amount_general(&text);
                assert_eq!(result, general, "{text:?}");
                assert_eq!(result.map(|d| d.scale()), general.map(|d| d.scale()), "{text:?}");
            }
        }
        assert!(fast > 10_000, "the fast path was taken {fast} times");
        assert_eq!(parse_amount("1234567890123456789"), parse_amount_general("1234567890123456789"));
    }

    #[test]
    fn a_duplicate_names_the_first_valid_row_it_repeats() {
        let file = "Ansvar;Art;Periode;Beløp\n\
            1100;10100;2026-01;tolv\n\
            1100;10100;2026-01;1\n\
            1200;16000;2026-01;1\n\
            1100;10100;2026-01;2\n\
            1100;10100;2026-01;3\n";
        let problems = parse_actuals_csv(file.as_bytes().to_vec(), &ColumnMapping::default(), &maps()).unwrap_err();
        let got: Vec<(usize, ImportProblem)> = problems.into_iter().map(|p| (p.row, p.problem)).collect();
        assert_eq!(
            got,
            vec![
                (2, ImportProblem::BadAmount("tolv".into())),
                (5, ImportProblem::Duplicate(3)),
                (6, ImportProblem::Duplicate(3)),
            ]
        );
        // The same through the row API the XLSX import uses.
        let rows = split_csv(file);
        let problems = parse_actuals(rows, &ColumnMapping::default(), &maps()).unwrap_err();
        assert_eq!(problems.iter().map(|p| p.row).collect::<Vec<_>>(), vec![2, 5, 6]);
    }

    fn maps() -> CodeMaps {
        let mut m = CodeMaps::default();
        m.units.insert("1100".into(), 11);
        m.units.insert("1200".into(), 12);
        m.accounts = vec![("10".into(), 1), ("11".into(), 2), ("1090".into(), 2), ("16".into(), 3)];
        m
    }

    #[test]
    fn a_valid_file_is_summed_per_unit_line_and_month() {
        let file = "\u{feff}Ansvar;Art;Periode;Beløp\r\n1100;10100;2026-01;1 000,50\r\n1100;10200;2026-01;\"2\u{a0}000,25\"\r\n\r\n1100;10900;2026-01;5\n1200;16000;202602;-300\n";
        let cols = ColumnMapping::default();
        let p = parse_actuals_csv(file.as_bytes().to_vec(), &cols, &maps()).unwrap();
        assert_eq!(p.rows, 4);
        assert_eq!(p.totals[&(11, 1, 2026, 1)], d("3000.75"));
        assert_eq!(p.totals[&(11, 2, 2026, 1)], d("5"), "1090 is the longer prefix");
        assert_eq!(p.totals[&(12, 3, 2026, 2)], d("-300"));
        assert_eq!(p.months(), vec![(2026, 1), (2026, 2)]);
        // Comma-separated, decimal comma quoted, Windows-1252 header.
        let file = b"ansvar,art,periode,bel\xf8p\n1100,10100,01.2026,\"1,5\"\n".to_vec();
        assert_eq!(parse_actuals_csv(file, &cols, &maps()).unwrap().totals[&(11, 1, 2026, 1)], d("1.5"));
    }

    #[test]
    fn every_bad_row_is_named_and_nothing_is_returned() {
        let file = "Ansvar;Art;Periode;Beløp\n\
            9999;10100;2026-01;1\n\
            1100;77000;2026-01;1\n\
            1100;10100;2026-01;tolv\n\
            1100;10100;2026-13;1\n\
            1100;10100;2026-02;1\n\
            1100;10100;2026-02;2\n\
            1100;10100\n\
            1100;10100;2026-03;\"1\n";
        let problems = parse_actuals_csv(file.as_bytes().to_vec(), &ColumnMapping::default(), &maps()).unwrap_err();
        let got: Vec<(usize, ImportProblem)> = problems.into_iter().map(|p| (p.row, p.problem)).collect();
        assert_eq!(
            got,
            vec![
                (2, ImportProblem::UnknownResponsibility("9999".into())),
                (3, ImportProblem::UnknownAccount("77000".into())),
                (4, ImportProblem::BadAmount("tolv".into())),
                (5, ImportProblem::BadPeriod("2026-13".into())),
                (7, ImportProblem::Duplicate(6)),
                (8, ImportProblem::Columns { expected: 4, found: 2 }),
                (9, ImportProblem::Quote),
            ]
        );
        let wrong = parse_actuals_csv(b"a;b;c\n1;2;3\n".to_vec(), &ColumnMapping::default(), &maps()).unwrap_err();
        assert_eq!(wrong.len(), 4, "each missing column named");
        assert!(matches!(&wrong[0].problem, ImportProblem::MissingColumn(c) if c == "ansvar"));
        let empty =
            parse_actuals_csv(b"Ansvar;Art;Periode;Bel\xc3\xb8p\n".to_vec(), &ColumnMapping::default(), &maps());
        assert_eq!(empty.unwrap_err()[0].problem, ImportProblem::Empty);
        assert_eq!(parse_actuals_csv(Vec::new(), &ColumnMapping::default(), &maps()).unwrap_err()[0].row, 0);
    }

    #[test]
    fn any_bytes_give_rows_or_problems_without_panicking() {
        let cols = ColumnMapping::default();
        for bytes in [&b"\xff\xfe\x00"[..], b"\"", b";;;\n;;;", b"ansvar;art;periode;bel\xf8p\n\"", b"\r\r\n\n"] {
            let _ = parse_actuals_csv(bytes.to_vec(), &cols, &maps());
        }
    }

    #[test]
    fn who_reads_and_writes_economy() {
        use crate::{Actor, Role};
        let ancestry = [3, 2, 1];
        let leader = |unit| Actor { roles: [Role::Leader].into(), led_units: [unit].into(), ..Actor::default() };
        assert!(leader(3).can_read_economy(&ancestry) && leader(3).can_forecast(&ancestry));
        assert!(leader(2).can_read_economy(&ancestry), "the director reads the area's units");
        assert!(!leader(4).can_read_economy(&ancestry), "another unit's leader does not");
        let delegate = Actor { roles: [Role::Employee].into(), delegated_units: [3].into(), ..Actor::default() };
        assert!(delegate.can_read_economy(&ancestry));
        let employee = Actor { roles: [Role::Employee].into(), own_unit: Some(3), ..Actor::default() };
        assert!(!employee.can_read_economy(&ancestry));
        let politician = Actor { roles: [Role::Politician].into(), ..Actor::default() };
        assert!(!politician.can_read_economy(&ancestry) && politician.can_read_economy_rollup(&ancestry));
        let staff = Actor { roles: [Role::Management].into(), ..Actor::default() };
        assert!(staff.can_manage_economy() && staff.can_read_economy(&ancestry));
        assert!(!leader(3).can_manage_economy());
    }
}
