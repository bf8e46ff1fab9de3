//! Municipality codes across the 2020 and 2024 reforms: which historic codes a municipality's
//! statistics were published under, and where a series breaks because the territory changed.
//!
//! The history comes from FHI's `norway_locations` table (see `data/SOURCE.md`): every code with
//! its years of validity and its successor. A series for today's municipality is read under the code
//! valid each year. A renumbering (Bærum 0219 → 3024 → 3201) joins the series seamlessly; a merger
//! (Asker, Røyken and Hurum into Asker 3025 in 2020) or a split (Ålesund 1507 in 2024) is marked as a
//! break, and values are never summed across the old codes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

const LOCATIONS: &str = include_str!("../data/sources/csdata_norway_locations.csv");

/// One code in use for a span of years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSpan {
    /// Four-digit municipality code.
    pub code: String,
    /// Name while the code was in use.
    pub name: String,
    /// First year the code was in use (`None`: long before any statistics here).
    pub first_year: Option<i32>,
    /// Last year the code was in use (`None`: still in use).
    pub last_year: Option<i32>,
    /// The codes its territory passed to when it ended.
    pub successors: Vec<String>,
}

impl CodeSpan {
    /// Whether the code was in use in `year`.
    pub fn valid_in(&self, year: i32) -> bool {
        self.first_year.is_none_or(|f| f <= year) && self.last_year.is_none_or(|l| year <= l)
    }
}

/// How the territory behind a series changed from the year before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionChange {
    /// Same territory under a new code: no break.
    Renumbered {
        /// The code used the year before.
        from: String,
    },
    /// Several municipalities merged: a break in the series.
    Merged {
        /// The codes (with names) that merged.
        from: Vec<(String, String)>,
    },
    /// A municipality was divided: a break in the series.
    Split {
        /// The divided code (with name).
        from: (String, String),
    },
}

impl RegionChange {
    /// A break means the figures before and after describe different territories.
    pub fn is_break(&self) -> bool {
        !matches!(self, RegionChange::Renumbered { .. })
    }
}

/// The municipality code history.
#[derive(Debug, Default)]
pub struct Regions {
    spans: BTreeMap<String, Vec<CodeSpan>>,
    predecessors: BTreeMap<String, BTreeSet<String>>,
}

/// The history shipped with the application.
pub fn regions() -> &'static Regions {
    static REGIONS: OnceLock<Regions> = OnceLock::new();
    REGIONS.get_or_init(|| Regions::parse(LOCATIONS))
}

fn strip(value: &str, prefix: &str) -> Option<String> {
    value.strip_prefix(prefix).map(str::to_owned).filter(|s| !s.is_empty())
}

impl Regions {
    /// Reads FHI's `norway_locations` CSV. Rows with unusable codes are skipped.
    pub fn parse(csv_text: &str) -> Self {
        let mut regions = Regions::default();
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        for record in reader.records().flatten() {
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let Some(code) = strip(field(4), "municip_nor") else { continue };
            let first: Option<i32> = field(0).parse().ok();
            let last: Option<i32> = field(1).parse().ok();
            // FHI marks the codes that took effect on 1 January 2024 with 2023; they were first used in 2024.
            let first = match (first, last) {
                (Some(2023), None) => Some(2024),
                (Some(y), _) if y < 1900 => None,
                (f, _) => f,
            };
            let successor = strip(field(2), "municip_nor");
            let name = field(5).to_owned();
            let spans = regions.spans.entry(code.clone()).or_default();
            match spans.iter_mut().find(|s| s.first_year == first && s.last_year == last) {
                // A split is one row per successor.
                Some(span) => span.successors.extend(successor.clone()),
                None => spans.push(CodeSpan {
                    code: code.clone(),
                    name,
                    first_year: first,
                    last_year: last,
                    successors: successor.clone().into_iter().collect(),
                }),
            }
            if let Some(s) = successor {
                regions.predecessors.entry(s).or_default().insert(code);
            }
        }
        regions
    }

    /// Every span of `code`.
    pub fn spans(&self, code: &str) -> &[CodeSpan] {
        self.spans.get(code).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether `code` is a municipality code known to the history.
    pub fn is_municipality(&self, code: &str) -> bool {
        self.spans.contains_key(code)
    }

    /// The name of `code` in `year`, or its latest name.
    pub fn name(&self, code: &str, year: Option<i32>) -> Option<&str> {
        let spans = self.spans(code);
        year.and_then(|y| spans.iter().find(|s| s.valid_in(y))).or_else(|| spans.last()).map(|s| s.name.as_str())
    }

    /// The codes in use today whose territory includes (part of) `code`'s.
    pub fn current_codes(&self, code: &str) -> Vec<String> {
        let mut out = BTreeSet::new();
        let mut todo = vec![code.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(c) = todo.pop() {
            if !seen.insert(c.clone()) {
                continue;
            }
            let spans = self.spans(&c);
            if spans.is_empty() || spans.iter().any(|s| s.last_year.is_none()) {
                out.insert(c.clone());
            }
            todo.extend(spans.iter().flat_map(|s| s.successors.iter().cloned()));
        }
        out.into_iter().collect()
    }

    /// `current` and every earlier code whose territory passed (wholly or partly) into it.
    pub fn lineage(&self, current: &str) -> Vec<&CodeSpan> {
        let mut codes = BTreeSet::new();
        let mut todo = vec![current.to_owned()];
        while let Some(c) = todo.pop() {
            if codes.insert(c.clone()) {
                todo.extend(self.predecessors.get(&c).into_iter().flatten().cloned());
            }
        }
        codes.iter().flat_map(|c| self.spans(c)).collect()
    }

    /// The code to read `current`'s figures under in `year`: the one valid that year in its lineage,
    /// preferring the one with today's name (Asker 0220 rather than Røyken 0627 before 2020). `None`
    /// when the only code that year is a divided one with another name (Haram's years inside Ålesund).
    pub fn code_in_year(&self, current: &str, year: i32) -> Option<&CodeSpan> {
        let name = self.name(current, None).unwrap_or_default();
        let candidates: Vec<&CodeSpan> = self.lineage(current).into_iter().filter(|s| s.valid_in(year)).collect();
        if let Some(own) = candidates.iter().find(|s| s.code == current) {
            return Some(own);
        }
        let same_name = candidates.iter().find(|s| s.name == name).copied();
        match same_name {
            Some(s) => Some(s),
            None if candidates.iter().any(|s| s.successors.len() > 1) => None,
            None => candidates.first().copied(),
        }
    }

    /// How the territory behind a series changed from `prev` (the code used last time) to `next`
    /// (the code used now), following the successors between them; `None` when the code is the same.
    pub fn change(&self, prev: &CodeSpan, next: &CodeSpan) -> Option<RegionChange> {
        if prev.code == next.code {
            return None;
        }
        let named = |c: &str| (c.to_owned(), self.name(c, prev.last_year).unwrap_or_default().to_owned());
        // Codes from `prev` to `next` along successors (breadth first, so the shortest way).
        let mut parent: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([prev.code.clone()]);
        while let Some(c) = queue.pop_front() {
            if c == next.code {
                break;
            }
            for s in self.spans(&c).iter().flat_map(|s| s.successors.iter()) {
                if !parent.contains_key(s) && *s != prev.code {
                    parent.insert(s.clone(), c.clone());
                    queue.push_back(s.clone());
                }
            }
        }
        let mut path = vec![next.code.clone()];
        while let Some(p) = parent.get(path.last().map(String::as_str).unwrap_or_default()) {
            path.push(p.clone());
        }
        path.reverse();
        for (i, code) in path.iter().enumerate() {
            let successors: BTreeSet<&String> = self.spans(code).iter().flat_map(|s| s.successors.iter()).collect();
            if i + 1 < path.len() && successors.len() > 1 {
                return Some(RegionChange::Split { from: named(code) });
            }
            let merged = self.predecessors.get(code).map(BTreeSet::len).unwrap_or(0);
            if i > 0 && merged > 1 {
                let from = self.predecessors[code].iter().map(|c| named(c)).collect();
                return Some(RegionChange::Merged { from });
            }
        }
        Some(RegionChange::Renumbered { from: prev.code.clone() })
    }
}

/// One observation as imported: the region code used in the file, the year, the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Region code as in the source table.
    pub region: String,
    /// Period as in the source table: `2024`, `2024K1`, `2024M03` …
    pub period: String,
    /// Year of the period.
    pub year: i32,
    /// The figure, if published.
    pub value: Option<f64>,
    /// SSB status symbol, e.g. `.` (not applicable) or `..` (not available).
    pub status: Option<String>,
}

/// The year a period belongs to: its first four digits (`2024K1` → 2024).
pub fn period_year(period: &str) -> Option<i32> {
    period.get(..4).and_then(|y| y.parse().ok())
}

/// One period of a harmonised series for today's municipality.
#[derive(Debug, Clone, PartialEq)]
pub struct HarmonisedPoint {
    /// Period as in the source.
    pub period: String,
    /// Year of the period.
    pub year: i32,
    /// The figure, if published under the code valid that year.
    pub value: Option<f64>,
    /// Status symbol of that cell.
    pub status: Option<String>,
    /// The code the figure was read under (`None` when no code covers the territory that year).
    pub code: Option<String>,
    /// How the territory changed from the year before.
    pub change: Option<RegionChange>,
}

/// Reads `current`'s series out of `observations` (any codes, any years): for each year the code
/// valid that year, marking renumberings and breaks. A code that is not a municipality (county,
/// country) is taken as it is.
pub fn harmonise(regions: &Regions, current: &str, observations: &[Observation]) -> Vec<HarmonisedPoint> {
    let periods: BTreeSet<(i32, &str)> = observations.iter().map(|o| (o.year, o.period.as_str())).collect();
    if !regions.is_municipality(current) {
        return periods
            .into_iter()
            .map(|(year, period)| {
                let o = observations.iter().find(|o| o.region == current && o.period == period);
                HarmonisedPoint {
                    period: period.to_owned(),
                    year,
                    value: o.and_then(|o| o.value),
                    status: o.and_then(|o| o.status.clone()),
                    code: o.map(|_| current.to_owned()),
                    change: None,
                }
            })
            .collect();
    }
    let mut prev: Option<&CodeSpan> = None;
    let mut out = Vec::new();
    for (year, period) in periods {
        let span = regions.code_in_year(current, year);
        let change = match (prev, span) {
            (Some(p), Some(s)) => regions.change(p, s),
            _ => None,
        };
        let o = span.and_then(|s| observations.iter().find(|o| o.region == s.code && o.period == period));
        out.push(HarmonisedPoint {
            period: period.to_owned(),
            year,
            value: o.and_then(|o| o.value),
            status: o.and_then(|o| o.status.clone()),
            code: span.map(|s| s.code.clone()),
            change,
        });
        if span.is_some() {
            prev = span;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(region: &str, year: i32, value: Option<f64>) -> Observation {
        Observation {
            region: region.into(),
            period: year.to_string(),
            year,
            value,
            status: value.is_none().then(|| ".".into()),
        }
    }

    #[test]
    fn asker_lineage_covers_three_reforms() {
        let r = regions();
        let codes: BTreeSet<&str> = r.lineage("3203").iter().map(|s| s.code.as_str()).collect();
        assert_eq!(codes, ["0220", "0627", "0628", "3025", "3203"].into_iter().collect());
        assert_eq!(r.code_in_year("3203", 2019).unwrap().code, "0220");
        assert_eq!(r.code_in_year("3203", 2021).unwrap().code, "3025");
        assert_eq!(r.code_in_year("3203", 2024).unwrap().code, "3203");
        assert_eq!(r.current_codes("0627"), vec!["3203".to_owned()]);
        assert_eq!(r.name("0627", Some(2019)), Some("Røyken"));
    }

    #[test]
    fn shipped_number_changes_agree_with_the_history() {
        let table = include_str!("../data/number_changes.csv");
        let mut reader = csv::Reader::from_reader(table.as_bytes());
        let r = regions();
        let mut rows = 0;
        for rec in reader.records() {
            let rec = rec.unwrap();
            let (old, mid, new) = (&rec[1], &rec[2], &rec[3]);
            rows += 1;
            if old == new {
                assert_eq!(r.code_in_year(new, 2019).unwrap().code, new);
                continue;
            }
            assert!(r.current_codes(old).contains(&new.to_owned()), "{old} → {new}");
            assert!(r.current_codes(mid).contains(&new.to_owned()), "{mid} → {new}");
            assert_eq!(r.code_in_year(new, 2022).map(|s| s.code.as_str()), Some(mid).filter(|_| new != "1580"));
        }
        assert_eq!(rows, 9);
    }

    #[test]
    fn merger_is_a_break_and_renumbering_is_not() {
        let data = vec![
            obs("0220", 2019, Some(61_000.0)),
            obs("0627", 2019, Some(21_000.0)),
            obs("0628", 2019, Some(9_500.0)),
            obs("3025", 2019, None),
            obs("0220", 2020, None),
            obs("3025", 2020, Some(94_000.0)),
            obs("3025", 2023, Some(96_000.0)),
            obs("3203", 2024, Some(97_000.0)),
        ];
        let s = harmonise(regions(), "3203", &data);
        let years: Vec<i32> = s.iter().map(|p| p.year).collect();
        assert_eq!(years, vec![2019, 2020, 2023, 2024]);
        // Never summed: 2019 is Asker alone.
        assert_eq!(s[0].value, Some(61_000.0));
        assert_eq!(s[0].code.as_deref(), Some("0220"));
        match &s[1].change {
            Some(RegionChange::Merged { from }) => {
                let codes: Vec<&str> = from.iter().map(|(c, _)| c.as_str()).collect();
                assert_eq!(codes, vec!["0220", "0627", "0628"]);
                assert!(s[1].change.as_ref().unwrap().is_break());
            }
            other => panic!("expected a merger, got {other:?}"),
        }
        assert_eq!(s[2].change, None);
        assert_eq!(s[3].change, Some(RegionChange::Renumbered { from: "3025".into() }));
        assert!(!s[3].change.as_ref().unwrap().is_break());
    }

    #[test]
    fn baerum_is_one_series_without_break() {
        let data = vec![obs("0219", 2019, Some(1.0)), obs("3024", 2020, Some(2.0)), obs("3201", 2024, Some(3.0))];
        let s = harmonise(regions(), "3201", &data);
        assert_eq!(s.iter().map(|p| p.value).collect::<Vec<_>>(), vec![Some(1.0), Some(2.0), Some(3.0)]);
        assert!(s.iter().all(|p| p.change.as_ref().is_none_or(|c| !c.is_break())));
    }

    #[test]
    fn split_marks_a_break_and_never_lends_the_bigger_area() {
        let data = vec![obs("1534", 2019, Some(9.0)), obs("1507", 2021, Some(66.0)), obs("1580", 2024, Some(9.5))];
        let haram = harmonise(regions(), "1580", &data);
        assert_eq!(haram[0].value, Some(9.0));
        assert_eq!(haram[1].value, None, "Ålesund 2020–2023 is not Haram");
        assert_eq!(haram[1].code, None);
        let alesund = harmonise(regions(), "1508", &[obs("1507", 2023, Some(66.0)), obs("1508", 2024, Some(57.0))]);
        assert!(matches!(&alesund[1].change, Some(RegionChange::Split { from }) if from.0 == "1507"));
        // Haram's series resumes in 2024 after its years inside Ålesund: a break, not a renumbering.
        assert!(haram[2].change.as_ref().is_some_and(RegionChange::is_break), "{:?}", haram[2].change);
    }

    #[test]
    fn counties_and_country_pass_through() {
        let data = vec![obs("0", 2020, Some(5.0)), obs("0", 2021, None)];
        let s = harmonise(regions(), "0", &data);
        assert_eq!(s[0].value, Some(5.0));
        assert_eq!(s[1].status.as_deref(), Some("."));
    }
}
