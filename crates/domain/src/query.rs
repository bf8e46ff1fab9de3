//! Query-string filters of the pages, parsed into typed filters. Query strings are outside input, so
//! these are pure functions that the handlers call and the fuzz targets exercise.

use crate::RuleError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Parses `YYYY-MM-DD`; empty gives `None`.
pub fn optional_date(input: &str) -> Result<Option<NaiveDate>, RuleError> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map(Some).map_err(|_| RuleError::new("err-date-invalid"))
}

/// Parses an optional id from a select; empty gives `None`.
pub fn optional_id(input: &str) -> Result<Option<i64>, RuleError> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value.parse::<i64>().map(Some).map_err(|_| RuleError::new("err-id-invalid"))
}

/// A free-text search as typed: trimmed, and nothing when blank.
pub fn search_term(input: Option<&str>) -> Option<String> {
    input.map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned)
}

/// The redirect target after login or a language switch: the given path when it is local, else `/`.
///
/// Local means it starts with one `/` not followed by another, has no `\` (browsers read `/\` as
/// `//`, another host), and every character is printable ASCII: browsers drop tabs and line breaks
/// inside URLs, so `/\t/evil.example` would become `//evil.example`. The application only ever sends percent-encoded
/// paths here, so nothing it produces is refused.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The red-thread page's filters as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ThreadQuery {
    /// SDG number, 1–17.
    #[serde(default)]
    pub sdg: String,
    /// Service-area id.
    #[serde(default)]
    pub area: String,
    /// Unit id (the unit and everything below it).
    #[serde(default)]
    pub unit: String,
    /// Plan id.
    #[serde(default)]
    pub plan: String,
}

/// The red-thread page's filters, parsed; `None` means "all".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThreadFilter {
    /// SDG number, 1–17.
    pub sdg: Option<i64>,
    /// Service-area id.
    pub area: Option<i64>,
    /// Unit id.
    pub unit: Option<i64>,
    /// Plan id.
    pub plan: Option<i64>,
}

impl ThreadFilter {
    /// Whether any filter is set.
    pub fn is_filtered(&self) -> bool {
        self.sdg.is_some() || self.area.is_some() || self.unit.is_some() || self.plan.is_some()
    }
}

impl ThreadQuery {
    /// Parses the filters; any malformed id or an SDG outside 1–17 rejects the whole query.
    pub fn parse(&self) -> Result<ThreadFilter, RuleError> {
        let filter = ThreadFilter {
            sdg: optional_id(&self.sdg)?,
            area: optional_id(&self.area)?,
            unit: optional_id(&self.unit)?,
            plan: optional_id(&self.plan)?,
        };
        if filter.sdg.is_some_and(|g| !(1..=17).contains(&g)) {
            return Err(RuleError::new("err-id-invalid"));
        }
        Ok(filter)
    }
}

/// The audit log's filters as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct AuditQuery {
    /// Entity type, one of the logged kinds.
    #[serde(default)]
    pub entity: String,
    /// Entity id.
    #[serde(default)]
    pub entity_id: String,
    /// Acting user's id.
    #[serde(default)]
    pub user: String,
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default)]
    pub to: String,
}

/// Filters for the audit log; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Entity type.
    pub entity: Option<String>,
    /// Entity id (with `entity`).
    pub entity_id: Option<i64>,
    /// Acting user.
    pub user_id: Option<i64>,
    /// From this date (inclusive).
    pub from: Option<NaiveDate>,
    /// To this date (inclusive).
    pub to: Option<NaiveDate>,
}

impl AuditQuery {
    /// Parses the filters against the entity types that appear in the log; every bad field is
    /// reported with its name.
    pub fn parse(&self, entities: &[&str]) -> Result<AuditFilter, Vec<(&'static str, RuleError)>> {
        let mut errors = Vec::new();
        let entity = match self.entity.trim() {
            "" => None,
            e if entities.contains(&e) => Some(e.to_owned()),
            _ => {
                errors.push(("entity", RuleError::new("err-entity-unknown")));
                None
            }
        };
        fn field<T>(
            errors: &mut Vec<(&'static str, RuleError)>,
            name: &'static str,
            parsed: Result<Option<T>, RuleError>,
        ) -> Option<T> {
            parsed.map_err(|e| errors.push((name, e))).ok().flatten()
        }
        let entity_id = field(&mut errors, "entity_id", optional_id(&self.entity_id));
        let user_id = field(&mut errors, "user", optional_id(&self.user));
        let from = field(&mut errors, "from", optional_date(&self.from));
        let to = field(&mut errors, "to", optional_date(&self.to));
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            errors.push(("to", RuleError::new("err-period-order")));
        }
        if errors.is_empty() { Ok(AuditFilter { entity, entity_id, user_id, from, to }) } else { Err(errors) }
    }

    /// The query string that reproduces these filters (for links such as the CSV export).
    pub fn to_query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// One field of an `application/x-www-form-urlencoded` body: its name and value with the bytes that are
/// not UTF-8 left out, and whether there were such bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// Whether the name or the value held bytes that are not UTF-8.
    pub invalid: bool,
}

impl FormField {
    /// A field from its raw (decoded) bytes.
    pub fn from_bytes(name: &[u8], value: &[u8]) -> Self {
        let text = |bytes: &[u8]| bytes.utf8_chunks().map(|chunk| chunk.valid()).collect::<String>();
        let invalid = std::str::from_utf8(name).is_err() || std::str::from_utf8(value).is_err();
        Self { name: text(name), value: text(value), invalid }
    }
}

/// Percent-decoding of one urlencoded part to bytes (`+` is a space; a `%` not followed by two hex
/// digits stays as it is).
fn form_decode(part: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        match part[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < part.len() => match (hex(part[i + 1]), hex(part[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Decodes an urlencoded form body field by field as the usual form parsers do (`&` between fields,
/// the first `=` between name and value), but keeps track of bytes that are not UTF-8 (percent-encoded
/// or raw), which those parsers silently turn into U+FFFD.
pub fn decode_form(body: &[u8]) -> Vec<FormField> {
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            FormField::from_bytes(&form_decode(name), &form_decode(value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_ids_and_search_terms() {
        assert_eq!(optional_date(" ").unwrap(), None);
        assert_eq!(optional_date("2026-02-28").unwrap(), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(optional_date("2026-02-30").unwrap_err().key, "err-date-invalid");
        assert_eq!(optional_id(" 12 ").unwrap(), Some(12));
        assert_eq!(optional_id("x").unwrap_err().key, "err-id-invalid");
        assert_eq!(optional_id("99999999999999999999").unwrap_err().key, "err-id-invalid");
        assert_eq!(optional_id("").unwrap(), None);
        assert_eq!(search_term(Some("  Kari ")), Some("Kari".into()));
        assert_eq!(search_term(Some(" \t")), None);
        assert_eq!(search_term(None), None);
    }

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(safe_next(Some("/plans/3?saved=1#top")), "/plans/3?saved=1#top");
        assert_eq!(safe_next(Some("/login?next=%2Forg")), "/login?next=%2Forg");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/a/\\/evil.example",
            "https://evil.example",
            "evil",
            "",
            // Browsers strip tabs and line breaks anywhere in a URL and spaces at its ends.
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            " //evil.example",
            "/ /evil.example",
            "/\u{0}/evil.example",
            "/\u{a0}/evil.example",
            "/\u{2028}x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn thread_filters_parse_and_reject_bad_values() {
        let q: ThreadQuery = serde_urlencoded::from_str("sdg=4&unit=+7+&plan=").unwrap();
        let f = q.parse().unwrap();
        assert_eq!(f, ThreadFilter { sdg: Some(4), area: None, unit: Some(7), plan: None });
        assert!(f.is_filtered());
        assert!(!ThreadQuery::default().parse().unwrap().is_filtered());
        for bad in ["sdg=0", "sdg=18", "sdg=x", "area=1.5", "plan=-"] {
            let q: ThreadQuery = serde_urlencoded::from_str(bad).unwrap();
            assert!(q.parse().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_audit_period_cannot_end_before_it_starts() {
        let q = |from: &str, to: &str| AuditQuery { from: from.into(), to: to.into(), ..AuditQuery::default() };
        let problems = q("2026-06-20", "2026-06-19").parse(&[]).unwrap_err();
        assert_eq!(problems.iter().map(|(f, e)| (*f, e.key)).collect::<Vec<_>>(), vec![("to", "err-period-order")]);
        assert!(q("2026-06-20", "2026-06-20").parse(&[]).is_ok());
        assert!(q("", "2000-01-01").parse(&[]).is_ok());
    }

    #[test]
    fn audit_filters_name_every_bad_field() {
        let q = AuditQuery {
            entity: "plan".into(),
            entity_id: "3".into(),
            user: "".into(),
            from: "2026-01-01".into(),
            to: "2026-12-31".into(),
        };
        let f = q.parse(&["plan", "person"]).unwrap();
        assert_eq!(f.entity.as_deref(), Some("plan"));
        assert_eq!(f.entity_id, Some(3));
        assert_eq!(f.user_id, None);
        assert_eq!(f.from, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(f.to, NaiveDate::from_ymd_opt(2026, 12, 31));

        let bad = AuditQuery {
            entity: "table".into(),
            entity_id: "x".into(),
            user: "y".into(),
            from: "1.1.2026".into(),
            to: "2026-02-30".into(),
        };
        let fields: Vec<_> = bad.parse(&["plan"]).unwrap_err().into_iter().map(|(f, e)| (f, e.key)).collect();
        assert_eq!(
            fields,
            [
                ("entity", "err-entity-unknown"),
                ("entity_id", "err-id-invalid"),
                ("user", "err-id-invalid"),
                ("from", "err-date-invalid"),
                ("to", "err-date-invalid"),
            ]
        );
    }

    #[test]
    fn audit_query_string_round_trips() {
        let q = AuditQuery {
            entity: "plan".into(),
            entity_id: "1 & 2".into(),
            user: "æ=ø".into(),
            from: "".into(),
            to: "x+y".into(),
        };
        let back: AuditQuery = serde_urlencoded::from_str(&q.to_query_string()).unwrap();
        assert_eq!(back, q);
    }

    #[test]
    fn form_bodies_decode_with_bytes_that_are_not_utf8_marked() {
        let fields = decode_form(b"name=Bj%C3%B8rn+%C3%85s&note=a%26b%3Dc&empty=&flag&&t=Bj%F8rn%FF%FE");
        let valid: Vec<(&str, &str, bool)> =
            fields.iter().map(|f| (f.name.as_str(), f.value.as_str(), f.invalid)).collect();
        assert_eq!(
            valid,
            [
                ("name", "Bjørn Ås", false),
                ("note", "a&b=c", false),
                ("empty", "", false),
                ("flag", "", false),
                ("t", "Bjrn", true)
            ]
        );
        // Raw bytes that are not UTF-8, in a value or a name, and broken escapes.
        assert!(decode_form(b"title=\xff\xfe")[0].invalid);
        assert!(decode_form(b"ti%E2%82tle=x")[0].invalid);
        assert!(decode_form(b"a=100%&b=%2&c=%zz").iter().all(|f| !f.invalid));
        assert_eq!(form_decode(b"100%"), b"100%");
        assert_eq!(form_decode(b"%e2%82%ac+%41"), "€ A".as_bytes());
    }

    /// Where every field is UTF-8, the decoding is exactly serde_urlencoded's (which the handlers
    /// use); where one is not, serde_urlencoded would have put U+FFFD in its place.
    #[test]
    fn form_decoding_agrees_with_serde_urlencoded() {
        let mut bodies: Vec<Vec<u8>> = [
            &b"a=1&b=2"[..],
            b"a",
            b"=",
            b"&&&",
            b"a=%",
            b"a=%4",
            b"%41%42=%43",
            b"x=%C3%A6%C3%B8%C3%A5+1",
            b"a=b=c",
            b"+=+",
            b"a=%FF",
            b"%FF=a",
            b"a=\xc3",
            b"a=%EF%BF%BD",
            b"a=%00%0A%0D",
            b"a=%e2%82",
        ]
        .iter()
        .map(|b| b.to_vec())
        .collect();
        let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/form_fields");
        for entry in std::fs::read_dir(corpus).into_iter().flatten().flatten() {
            bodies.push(std::fs::read(entry.path()).unwrap());
        }
        for body in bodies {
            let ours = decode_form(&body);
            let theirs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap();
            if ours.iter().all(|f| !f.invalid) {
                let ours: Vec<(String, String)> = ours.into_iter().map(|f| (f.name, f.value)).collect();
                assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(&body));
            } else {
                assert!(theirs.iter().any(|(k, v)| k.contains('\u{fffd}') || v.contains('\u{fffd}')));
            }
        }
    }
}
