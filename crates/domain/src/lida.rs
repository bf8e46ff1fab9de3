//! Long-term analysis (*langsiktig investerings- og driftsanalyse*, LIDA): a population projection
//! (*befolkningsframskriving*) by age group, per-service assumptions (*dekningsgrad*, *kapasitet*,
//! *driftsutgift per plass*, *investeringskostnad per plass*) and the one pure computation of the
//! yearly operating and investment needs over the 20 years after a base year, plus the parser of a
//! projection file (CSV in SSB's or a hand-made shape).
//!
//! Decisions, so a hand computation gives the same figures:
//! - A scenario covers the [`YEARS`] years after its base year; the capacity given is the base
//!   year's, and growth factors count years after the base year (the first year has one year's growth).
//! - Persons in a service's age range are summed from the projection's age groups; a group only
//!   partly inside the range counts with the share of its single ages inside it (persons spread
//!   evenly over the ages of the group). An open group (`90+`) spans the ages up to [`MAX_AGE`].
//! - Places are whole: demand = persons × coverage rounded **up** to a whole place (half a place
//!   cannot be built or staffed). New places = demand − capacity when positive; the capacity grows
//!   by what is built and never shrinks (places are not torn down when demand falls).
//! - Investment need = new places × investment cost per place; operating need = demand × operating
//!   cost per place × (1 + real growth %)^(years after the base year). The growth factor is kept
//!   to 12 decimals and each amount is rounded to whole øre (half away from zero).

use crate::RuleError;
use crate::economy::{Decimal, decode_text, parse_amount, split_csv};
use rust_decimal::RoundingStrategy;
use std::collections::BTreeMap;

/// Years a scenario covers after its base year.
pub const YEARS: i32 = 20;

/// The highest age an open age group (`90+`) reaches.
pub const MAX_AGE: u8 = 120;

/// Most assumptions (services) in one scenario.
pub const MAX_ASSUMPTIONS: usize = 30;

/// Most rows in one projection.
pub const MAX_ROWS: usize = 200_000;

/// An age group, both ends included (`1–5`); `to == MAX_AGE` is open (`90+`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct AgeBand {
    /// First age.
    pub from: u8,
    /// Last age.
    pub to: u8,
}

impl AgeBand {
    /// A band when `from <= to <= MAX_AGE`.
    pub fn new(from: u8, to: u8) -> Option<AgeBand> {
        (from <= to && to <= MAX_AGE).then_some(AgeBand { from, to })
    }

    /// Ages in the band.
    pub fn width(&self) -> u32 {
        u32::from(self.to - self.from) + 1
    }

    /// Ages shared with `other`.
    pub fn overlap(&self, other: &AgeBand) -> u32 {
        let from = self.from.max(other.from);
        let to = self.to.min(other.to);
        if from > to { 0 } else { u32::from(to - from) + 1 }
    }

    /// Parses an age group as people and SSB write it: `0`, `1-5`, `1–5`, `6 - 15 år`, `90+`,
    /// `90 år eller eldre`, `105 år og eldre`, `90 and older`.
    pub fn parse(input: &str) -> Option<AgeBand> {
        let mut t = input.trim().to_lowercase();
        let mut open = false;
        for suffix in ["år eller eldre", "år og eldre", "år og over", "or older", "and older", "and over", "+"] {
            if let Some(rest) = t.strip_suffix(suffix) {
                t = rest.trim().to_owned();
                open = true;
                break;
            }
        }
        for suffix in [" år", "år", " years", " year"] {
            if let Some(rest) = t.strip_suffix(suffix) {
                t = rest.trim().to_owned();
            }
        }
        let number = |s: &str| -> Option<u8> {
            let s = s.trim();
            (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
        };
        if open {
            return AgeBand::new(number(&t)?, MAX_AGE);
        }
        match t.split_once(['-', '–', '—']) {
            Some((a, b)) => AgeBand::new(number(a)?, number(b.trim().trim_end_matches("år").trim())?),
            None => {
                let age = number(&t)?;
                AgeBand::new(age, age)
            }
        }
    }

    /// As shown: `0`, `1–5`, `90+`.
    pub fn label(&self) -> String {
        if self.to == MAX_AGE && self.from < MAX_AGE {
            format!("{}+", self.from)
        } else if self.from == self.to {
            self.from.to_string()
        } else {
            format!("{}–{}", self.from, self.to)
        }
    }
}

/// One figure of a projection: persons of an age group in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ProjectionRow {
    /// Year.
    pub year: i32,
    /// Age group.
    pub band: AgeBand,
    /// Persons (SSB gives whole persons; a hand-made projection may have decimals).
    pub persons: Decimal,
}

/// A projection as the computation reads it: per year, the age groups and their persons.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    years: BTreeMap<i32, Vec<(AgeBand, Decimal)>>,
}

impl Projection {
    /// From rows (rows of the same year and group are summed).
    pub fn new(rows: &[ProjectionRow]) -> Projection {
        let mut sums: BTreeMap<(i32, AgeBand), Decimal> = BTreeMap::new();
        for r in rows {
            *sums.entry((r.year, r.band)).or_default() += r.persons;
        }
        let mut years: BTreeMap<i32, Vec<(AgeBand, Decimal)>> = BTreeMap::new();
        for ((year, band), persons) in sums {
            years.entry(year).or_default().push((band, persons));
        }
        Projection { years }
    }

    /// The years with figures.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// The age groups of a year, youngest first, with their persons.
    pub fn groups(&self, year: i32) -> &[(AgeBand, Decimal)] {
        self.years.get(&year).map_or(&[][..], Vec::as_slice)
    }

    /// Persons in `range` in `year`, `None` when the projection has no figures for the year. A
    /// group partly inside the range counts with the share of its ages inside it.
    pub fn persons(&self, year: i32, range: &AgeBand) -> Option<Decimal> {
        let groups = self.years.get(&year)?;
        let mut sum = Decimal::ZERO;
        for (band, persons) in groups {
            let inside = band.overlap(range);
            if inside == band.width() {
                sum += *persons;
            } else if inside > 0 {
                sum += *persons * Decimal::from(inside) / Decimal::from(band.width());
            }
        }
        Some(sum)
    }
}

/// One service's assumption in a scenario.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Assumption {
    /// The service (kindergarten, primary school …).
    pub service: String,
    /// The ages it serves.
    pub band: AgeBand,
    /// Places per resident of the ages served (*dekningsgrad*), e.g. 0.92.
    pub coverage: Decimal,
    /// Places in the base year.
    pub capacity: Decimal,
    /// Operating cost per place and year, NOK.
    pub operating_cost: Decimal,
    /// Investment cost per new place, NOK.
    pub investment_cost: Decimal,
    /// Yearly real growth of the operating cost per place, percent (0 for none).
    pub growth_percent: Decimal,
}

/// Longest service name.
pub const SERVICE_MAX: usize = 200;

/// An assumption as typed in the form, every field text.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AssumptionDraft {
    /// Service name.
    pub service: String,
    /// Age group, `1-5` or `80+`.
    pub ages: String,
    /// Coverage.
    pub coverage: String,
    /// Capacity today.
    pub capacity: String,
    /// Operating cost per place.
    pub operating_cost: String,
    /// Investment cost per place.
    pub investment_cost: String,
    /// Real growth percent (empty: 0).
    pub growth_percent: String,
}

impl AssumptionDraft {
    /// Whether every field is empty (an unused row of the form).
    pub fn is_blank(&self) -> bool {
        [
            &self.service,
            &self.ages,
            &self.coverage,
            &self.capacity,
            &self.operating_cost,
            &self.investment_cost,
            &self.growth_percent,
        ]
        .iter()
        .all(|f| f.trim().is_empty())
    }

    /// Parses the row; the error names the field (`service`, `ages`, `coverage`, `capacity`,
    /// `operating_cost`, `investment_cost`, `growth_percent`).
    pub fn parse(&self) -> Result<Assumption, RuleError> {
        let service = self.service.trim();
        if service.is_empty() || service.chars().count() > SERVICE_MAX {
            return Err(RuleError::new("err-lida-service").with("max", SERVICE_MAX.to_string()).on("service"));
        }
        let band = AgeBand::parse(&self.ages)
            .ok_or_else(|| RuleError::new("err-lida-ages").with("value", self.ages.trim().to_owned()).on("ages"))?;
        let number = |text: &str, field: &'static str, key: &'static str, max: i64| {
            parse_amount(text)
                .filter(|v| !v.is_sign_negative() && *v <= Decimal::from(max))
                .map(|v| v.normalize())
                .ok_or_else(|| RuleError::new(key).with("value", text.trim().to_owned()).on(field))
        };
        let coverage = number(&self.coverage, "coverage", "err-lida-coverage", 10)?;
        let capacity = number(&self.capacity, "capacity", "err-lida-capacity", 10_000_000)?;
        if capacity.fract() != Decimal::ZERO {
            return Err(RuleError::new("err-lida-capacity")
                .with("value", self.capacity.trim().to_owned())
                .on("capacity"));
        }
        let operating_cost = number(&self.operating_cost, "operating_cost", "err-lida-cost", 1_000_000_000)?;
        let investment_cost = number(&self.investment_cost, "investment_cost", "err-lida-cost", 1_000_000_000)?;
        let growth_percent = if self.growth_percent.trim().is_empty() {
            Decimal::ZERO
        } else {
            let g = parse_amount(&self.growth_percent)
                .filter(|g| *g >= Decimal::from(-50) && *g <= Decimal::from(50))
                .ok_or_else(|| {
                    RuleError::new("err-lida-growth")
                        .with("value", self.growth_percent.trim().to_owned())
                        .on("growth_percent")
                })?;
            g.normalize()
        };
        Ok(Assumption {
            service: service.to_owned(),
            band,
            coverage,
            capacity,
            operating_cost,
            investment_cost,
            growth_percent,
        })
    }
}

impl From<&Assumption> for AssumptionDraft {
    fn from(a: &Assumption) -> Self {
        AssumptionDraft {
            service: a.service.clone(),
            ages: a.band.label(),
            coverage: a.coverage.to_string(),
            capacity: a.capacity.to_string(),
            operating_cost: a.operating_cost.to_string(),
            investment_cost: a.investment_cost.to_string(),
            growth_percent: if a.growth_percent.is_zero() { String::new() } else { a.growth_percent.to_string() },
        }
    }
}

/// A scenario's name: trimmed, 1–200 characters.
pub fn scenario_name(input: &str) -> Result<String, RuleError> {
    let t = input.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(RuleError::new("err-lida-name").on("name"));
    }
    Ok(t.to_owned())
}

/// A base year from 2000 to 2100.
pub fn base_year(input: &str) -> Result<i32, RuleError> {
    input
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| RuleError::new("err-lida-base-year").with("value", input.trim().to_owned()).on("base_year"))
}

/// One service in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct ServiceYear {
    /// Persons in the ages served (`None`: the projection has no figures for the year).
    pub persons: Option<Decimal>,
    /// Places needed (whole, rounded up).
    pub demand: Decimal,
    /// Capacity at the end of the year, after building.
    pub capacity: Decimal,
    /// New places built this year.
    pub new_places: Decimal,
    /// Investment need, NOK.
    pub investment: Decimal,
    /// Operating need, NOK.
    pub operating: Decimal,
}

/// One year of the analysis: each service (in the order of the assumptions) and the totals.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct YearResult {
    /// Year.
    pub year: i32,
    /// Per service, as the assumptions are ordered.
    pub services: Vec<ServiceYear>,
    /// Investment need of every service.
    pub investment: Decimal,
    /// Operating need of every service.
    pub operating: Decimal,
    /// Whether the projection had no figures for the year.
    pub missing: bool,
}

/// The analysis: the years and the totals over them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Analysis {
    /// The years after the base year.
    pub years: Vec<YearResult>,
    /// Investment over all years.
    pub investment: Decimal,
    /// Operating over all years.
    pub operating: Decimal,
}

fn ore(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The computation (see the module's decisions): for each of the [`YEARS`] years after
/// `base_year` and each assumption, demand, new places, capacity, investment and operating needs,
/// and the yearly totals. A year the projection lacks has no demand, builds nothing and costs
/// nothing, and is marked `missing`.
pub fn compute(base_year: i32, projection: &Projection, assumptions: &[Assumption]) -> Analysis {
    let mut capacity: Vec<Decimal> = assumptions.iter().map(|a| a.capacity).collect();
    let mut factor: Vec<Decimal> = vec![Decimal::ONE; assumptions.len()];
    let mut years = Vec::with_capacity(YEARS as usize);
    let (mut investment_all, mut operating_all) = (Decimal::ZERO, Decimal::ZERO);
    for year in base_year + 1..=base_year + YEARS {
        let mut services = Vec::with_capacity(assumptions.len());
        let (mut investment, mut operating) = (Decimal::ZERO, Decimal::ZERO);
        let mut missing = false;
        for (i, a) in assumptions.iter().enumerate() {
            factor[i] = (factor[i] * (Decimal::ONE + a.growth_percent / Decimal::ONE_HUNDRED)).round_dp(12);
            let Some(persons) = projection.persons(year, &a.band) else {
                missing = true;
                services.push(ServiceYear { persons: None, capacity: capacity[i], ..ServiceYear::default() });
                continue;
            };
            let demand = (persons * a.coverage).ceil();
            let new_places = (demand - capacity[i]).max(Decimal::ZERO);
            capacity[i] += new_places;
            let s = ServiceYear {
                persons: Some(persons),
                demand,
                capacity: capacity[i],
                new_places,
                investment: ore(new_places * a.investment_cost),
                operating: ore(demand * a.operating_cost * factor[i]),
            };
            investment += s.investment;
            operating += s.operating;
            services.push(s);
        }
        if assumptions.is_empty() {
            missing = projection.groups(year).is_empty();
        }
        investment_all += investment;
        operating_all += operating;
        years.push(YearResult { year, services, investment, operating, missing });
    }
    Analysis { years, investment: investment_all, operating: operating_all }
}

/// What is wrong with a projection file or one of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectionProblem {
    /// No data rows.
    Empty,
    /// A column the file must have is missing (`year`, `age` or `persons`).
    MissingColumn(&'static str),
    /// A row has another number of fields than the header.
    Columns {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A quote is not closed.
    Quote,
    /// A year that is not from 2000 to 2100.
    BadYear(String),
    /// An age group that does not parse.
    BadAge(String),
    /// A number of persons that is not a number from 0.
    BadPersons(String),
    /// An age group overlapping another of the same year.
    Overlap {
        /// The year.
        year: i32,
        /// The group.
        band: String,
        /// The other group.
        other: String,
    },
    /// More rows than [`MAX_ROWS`].
    TooMany,
}

impl ProjectionProblem {
    /// The message key and arguments.
    pub fn rule(&self) -> RuleError {
        match self {
            Self::Empty => RuleError::new("lida-import-empty"),
            Self::MissingColumn(c) => RuleError::new("lida-import-missing-column").with("name", *c),
            Self::Columns { expected, found } => RuleError::new("lida-import-columns")
                .with("expected", expected.to_string())
                .with("found", found.to_string()),
            Self::Quote => RuleError::new("lida-import-quote"),
            Self::BadYear(v) => RuleError::new("lida-import-year").with("value", v.clone()),
            Self::BadAge(v) => RuleError::new("lida-import-age").with("value", v.clone()),
            Self::BadPersons(v) => RuleError::new("lida-import-persons").with("value", v.clone()),
            Self::Overlap { year, band, other } => RuleError::new("lida-import-overlap")
                .with("year", year.to_string())
                .with("band", band.clone())
                .with("other", other.clone()),
            Self::TooMany => RuleError::new("lida-import-too-many").with("max", MAX_ROWS.to_string()),
        }
    }
}

/// A problem on a row (1-based line of the file; 0 for the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionRowProblem {
    /// Line.
    pub row: usize,
    /// What is wrong.
    pub problem: ProjectionProblem,
}

const YEAR_NAMES: [&str; 4] = ["år", "year", "aar", "tid"];
const AGE_NAMES: [&str; 4] = ["alder", "aldersgruppe", "age", "age group"];
const PERSONS_NAMES: [&str; 6] = ["personer", "antall", "persons", "count", "folkemengde", "value"];

/// Parses a projection file: UTF-8 (with or without BOM) or Windows-1252, `;` or `,`, a header
/// naming a year column (`år`/`year`), an age column (`alder`/`aldersgruppe`/`age`) and a persons
/// column (`personer`/`antall`/`persons`/`count`, or SSB's `Framskrevet folkemengde …`); other
/// columns (region, sex, alternative) are ignored and rows of the same year and age group are
/// summed, so SSB's table 13600 split by sex reads as is. Without a header the columns are year;
/// age; persons. Every bad row is named and nothing is returned then.
pub fn parse_projection_csv(bytes: Vec<u8>) -> Result<Vec<ProjectionRow>, Vec<ProjectionRowProblem>> {
    let text = decode_text(bytes);
    let rows = split_csv(&text);
    let mut problems = Vec::new();
    let mut iter = rows.into_iter();
    let Some((header_row, header)) = iter.next() else {
        return Err(vec![ProjectionRowProblem { row: 0, problem: ProjectionProblem::Empty }]);
    };
    let header = match header {
        Ok(h) => h,
        Err(_) => return Err(vec![ProjectionRowProblem { row: header_row, problem: ProjectionProblem::Quote }]),
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().trim_matches('"').to_lowercase()).collect();
    let find = |candidates: &[&str], starts: &[&str]| {
        names.iter().position(|n| candidates.contains(&n.as_str())).or_else(|| {
            names.iter().position(|n| starts.iter().any(|s| n.starts_with(s) || n.contains(&format!(": {s}"))))
        })
    };
    let headed = header.first().is_some_and(|f| f.trim().parse::<i32>().is_err());
    let (year_col, age_col, persons_col, mut pending) = if headed {
        let year = find(&YEAR_NAMES, &["år"]);
        let age = find(&AGE_NAMES, &["alder"]);
        let persons = find(&PERSONS_NAMES, &["framskrevet", "personer", "folkemengde"]);
        for (col, name) in [(year, "year"), (age, "age"), (persons, "persons")] {
            if col.is_none() {
                problems
                    .push(ProjectionRowProblem { row: header_row, problem: ProjectionProblem::MissingColumn(name) });
            }
        }
        let (Some(y), Some(a), Some(p)) = (year, age, persons) else { return Err(problems) };
        (y, a, p, None)
    } else {
        (0, 1, 2, Some((header_row, Ok(header.clone()))))
    };
    let width = header.len();
    let mut sums: BTreeMap<(i32, AgeBand), (Decimal, usize)> = BTreeMap::new();
    let mut count = 0usize;
    let rest = pending.take().into_iter().chain(iter);
    for (row, fields) in rest {
        let fields = match fields {
            Ok(f) => f,
            Err(_) => {
                problems.push(ProjectionRowProblem { row, problem: ProjectionProblem::Quote });
                continue;
            }
        };
        count += 1;
        if count > MAX_ROWS {
            problems.push(ProjectionRowProblem { row, problem: ProjectionProblem::TooMany });
            break;
        }
        if fields.len() != width {
            problems.push(ProjectionRowProblem {
                row,
                problem: ProjectionProblem::Columns { expected: width, found: fields.len() },
            });
            continue;
        }
        let (year_text, age_text, persons_text) = (&fields[year_col], &fields[age_col], &fields[persons_col]);
        let year = year_text.trim().parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
        if year.is_none() {
            problems.push(ProjectionRowProblem { row, problem: ProjectionProblem::BadYear(year_text.clone()) });
        }
        let band = AgeBand::parse(age_text);
        if band.is_none() {
            problems.push(ProjectionRowProblem { row, problem: ProjectionProblem::BadAge(age_text.clone()) });
        }
        let persons = parse_amount(persons_text).filter(|p| !p.is_sign_negative());
        if persons.is_none() {
            problems.push(ProjectionRowProblem { row, problem: ProjectionProblem::BadPersons(persons_text.clone()) });
        }
        if let (Some(year), Some(band), Some(persons)) = (year, band, persons) {
            sums.entry((year, band)).or_insert((Decimal::ZERO, row)).0 += persons;
        }
    }
    // Groups of one year must not overlap: a person would count twice.
    let mut previous: Option<(i32, AgeBand)> = None;
    for ((year, band), (_, row)) in &sums {
        if let Some((py, pb)) = previous
            && py == *year
            && pb.overlap(band) > 0
        {
            problems.push(ProjectionRowProblem {
                row: *row,
                problem: ProjectionProblem::Overlap { year: *year, band: band.label(), other: pb.label() },
            });
            continue;
        }
        previous = Some((*year, *band));
    }
    if sums.is_empty() && problems.is_empty() {
        problems.push(ProjectionRowProblem { row: header_row, problem: ProjectionProblem::Empty });
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        return Err(problems);
    }
    Ok(sums.into_iter().map(|((year, band), (persons, _))| ProjectionRow { year, band, persons }).collect())
}

impl crate::Actor {
    /// May read the long-term analyses: as the economy roll-up (leaders and delegates, the
    /// management staff, system administrators, the auditor and politicians), since a LIDA shows
    /// municipality-wide figures only.
    pub fn can_read_lida(&self) -> bool {
        !self.led_units.is_empty()
            || !self.delegated_units.is_empty()
            || self.has(crate::Role::SystemAdmin)
            || self.has(crate::Role::Management)
            || self.has(crate::Role::Auditor)
            || self.has(crate::Role::Politician)
    }

    /// May make and change projections and scenarios: the management staff and system administrators.
    pub fn can_edit_lida(&self) -> bool {
        self.can_manage_economy()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn band(from: u8, to: u8) -> AgeBand {
        AgeBand::new(from, to).unwrap()
    }

    #[test]
    fn age_groups_parse_as_people_and_ssb_write_them() {
        for (text, want) in [
            ("0", band(0, 0)),
            ("1-5", band(1, 5)),
            ("1–5", band(1, 5)),
            ("6 - 15 år", band(6, 15)),
            ("90+", band(90, MAX_AGE)),
            ("90 år eller eldre", band(90, MAX_AGE)),
            ("105 år og eldre", band(105, MAX_AGE)),
            ("7 år", band(7, 7)),
            ("80 and older", band(80, MAX_AGE)),
        ] {
            assert_eq!(AgeBand::parse(text), Some(want), "{text}");
        }
        for bad in ["", "-", "5-1", "abc", "1-", "200", "1-2-3", "+"] {
            assert_eq!(AgeBand::parse(bad), None, "{bad}");
        }
        assert_eq!(band(90, MAX_AGE).label(), "90+");
        assert_eq!(band(1, 5).label(), "1–5");
        assert_eq!(band(0, 0).label(), "0");
    }

    #[test]
    fn persons_in_a_range_count_partial_groups_by_their_share_of_ages() {
        let rows = [
            ProjectionRow { year: 2027, band: band(0, 0), persons: d("50") },
            ProjectionRow { year: 2027, band: band(1, 5), persons: d("300") },
            ProjectionRow { year: 2027, band: band(6, 15), persons: d("700") },
        ];
        let p = Projection::new(&rows);
        assert_eq!(p.persons(2027, &band(1, 5)), Some(d("300")));
        assert_eq!(p.persons(2027, &band(0, 5)), Some(d("350")));
        // 6–15 has ten ages: 6–12 is seven of them, 490 persons.
        assert_eq!(p.persons(2027, &band(6, 12)), Some(d("490")));
        assert_eq!(p.persons(2027, &band(3, 5)), Some(d("180")));
        assert_eq!(p.persons(2028, &band(1, 5)), None);
    }

    fn kindergarten() -> Assumption {
        Assumption {
            service: "Barnehage".into(),
            band: band(1, 5),
            coverage: d("0.9"),
            capacity: d("270"),
            operating_cost: d("200000"),
            investment_cost: d("1500000"),
            growth_percent: Decimal::ZERO,
        }
    }

    #[test]
    fn a_scenario_computed_by_hand() {
        // Base year 2026; 1–5-year-olds 300, 310, 305, 320 in 2027–2030; 90 % coverage.
        let mut rows = Vec::new();
        for (year, persons) in (2027..).zip(["300", "310", "305", "320"]) {
            rows.push(ProjectionRow { year, band: band(1, 5), persons: d(persons) });
        }
        let p = Projection::new(&rows);
        let a = compute(2026, &p, &[kindergarten()]);
        assert_eq!(a.years.len(), 20);
        assert_eq!(a.years[0].year, 2027);
        let s = |i: usize| a.years[i].services[0];
        // 2027: 300 × 0.9 = 270 places, capacity 270: nothing to build; 270 × 200 000 = 54 000 000.
        assert_eq!(
            (s(0).demand, s(0).new_places, s(0).investment, s(0).operating),
            (d("270"), d("0"), d("0"), d("54000000"))
        );
        // 2028: 310 × 0.9 = 279: 9 new places × 1 500 000 = 13 500 000; operating 279 × 200 000.
        assert_eq!((s(1).demand, s(1).new_places, s(1).capacity), (d("279"), d("9"), d("279")));
        assert_eq!((s(1).investment, s(1).operating), (d("13500000"), d("55800000")));
        // 2029: 305 × 0.9 = 274.5, rounded up to 275 places; capacity stays 279, nothing built.
        assert_eq!((s(2).demand, s(2).new_places, s(2).capacity), (d("275"), d("0"), d("279")));
        // 2030: 320 × 0.9 = 288: 9 more places.
        assert_eq!((s(3).new_places, s(3).investment), (d("9"), d("13500000")));
        // 2031 onwards: no projection, marked missing, nothing built or spent.
        assert!(a.years[4].missing && s(4).persons.is_none() && s(4).operating.is_zero());
        assert_eq!(a.investment, d("27000000"));
        assert_eq!(a.operating, d("54000000") + d("55800000") + d("55000000") + d("57600000"));
    }

    #[test]
    fn real_growth_compounds_from_the_base_year() {
        let rows: Vec<ProjectionRow> =
            (2027..=2046).map(|year| ProjectionRow { year, band: band(1, 5), persons: d("100") }).collect();
        let a = Assumption { coverage: d("1"), capacity: d("100"), growth_percent: d("10"), ..kindergarten() };
        let r = compute(2026, &Projection::new(&rows), &[a]);
        // 100 places × 200 000 × 1.1 in the first year, × 1.21 in the second.
        assert_eq!(r.years[0].operating, d("22000000"));
        assert_eq!(r.years[1].operating, d("24200000"));
        assert_eq!(r.years[2].operating, d("26620000"));
        assert!(r.years.iter().all(|y| !y.missing && y.investment.is_zero()));
    }

    #[test]
    fn totals_sum_the_services() {
        let rows = [
            ProjectionRow { year: 2027, band: band(1, 5), persons: d("10") },
            ProjectionRow { year: 2027, band: band(80, MAX_AGE), persons: d("100") },
        ];
        let home = Assumption {
            service: "Sykehjem".into(),
            band: band(80, MAX_AGE),
            coverage: d("0.125"),
            capacity: d("10"),
            operating_cost: d("1200000.50"),
            investment_cost: d("4000000"),
            growth_percent: Decimal::ZERO,
        };
        let k = Assumption { capacity: d("0"), ..kindergarten() };
        let r = compute(2026, &Projection::new(&rows), &[k, home]);
        let y = &r.years[0];
        // Kindergarten: 9 places new; nursing home: 12.5 → 13 places, 3 new.
        assert_eq!(y.investment, d("13500000") + d("12000000"));
        assert_eq!(y.operating, d("1800000") + d("15600006.50"));
    }

    #[test]
    fn assumption_rows_parse_or_name_the_field() {
        let draft = AssumptionDraft {
            service: " Barnehage ".into(),
            ages: "1-5".into(),
            coverage: "0,92".into(),
            capacity: "1 200".into(),
            operating_cost: "210 000".into(),
            investment_cost: "1 500 000,50".into(),
            growth_percent: "".into(),
        };
        let a = draft.parse().unwrap();
        assert_eq!((a.service.as_str(), a.coverage, a.capacity), ("Barnehage", d("0.92"), d("1200")));
        assert_eq!(a.investment_cost, d("1500000.5"));
        assert_eq!(AssumptionDraft::from(&a).parse().unwrap(), a);
        for (change, field) in [
            (AssumptionDraft { service: " ".into(), ..draft.clone() }, "service"),
            (AssumptionDraft { ages: "5-1".into(), ..draft.clone() }, "ages"),
            (AssumptionDraft { coverage: "-1".into(), ..draft.clone() }, "coverage"),
            (AssumptionDraft { capacity: "10,5".into(), ..draft.clone() }, "capacity"),
            (AssumptionDraft { operating_cost: "mye".into(), ..draft.clone() }, "operating_cost"),
            (AssumptionDraft { growth_percent: "80".into(), ..draft.clone() }, "growth_percent"),
        ] {
            assert_eq!(change.parse().unwrap_err().field, Some(field));
        }
        assert!(AssumptionDraft::default().is_blank() && !draft.is_blank());
    }

    #[test]
    fn a_projection_file_in_ssb_shape_sums_the_sexes() {
        let file = "\u{feff}\"region\";\"kjønn\";\"alder\";\"år\";\"13600: Framskrevet folkemengde\"\n\
            \"3203 Asker\";\"Menn\";\"0 år\";\"2027\";\"400\"\n\
            \"3203 Asker\";\"Kvinner\";\"0 år\";\"2027\";\"380\"\n\
            \"3203 Asker\";\"Menn\";\"105 år eller eldre\";\"2027\";\"1\"\n";
        let rows = parse_projection_csv(file.as_bytes().to_vec()).unwrap();
        assert_eq!(
            rows,
            vec![
                ProjectionRow { year: 2027, band: band(0, 0), persons: d("780") },
                ProjectionRow { year: 2027, band: band(105, MAX_AGE), persons: d("1") },
            ]
        );
        // Hand-made, Windows-1252 header, no header at all.
        let file = b"\xc5r;Aldersgruppe;Personer\n2027;1-5;1 234\n2027;6-15;2 345,5\n".to_vec();
        assert_eq!(parse_projection_csv(file).unwrap()[1].persons, d("2345.5"));
        let bare = parse_projection_csv(b"2027;90+;10\n2028;90+;12\n".to_vec()).unwrap();
        assert_eq!(bare.len(), 2);
    }

    #[test]
    fn every_bad_projection_row_is_named() {
        let file =
            "år;alder;personer\n2027;1-5;100\n1999;1-5;1\n2027;fem;1\n2027;6-15;-3\n2027;3-7;1\n2027\n2028;0;\"1\n";
        let got: Vec<(usize, ProjectionProblem)> = parse_projection_csv(file.as_bytes().to_vec())
            .unwrap_err()
            .into_iter()
            .map(|p| (p.row, p.problem))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, ProjectionProblem::BadYear("1999".into())),
                (4, ProjectionProblem::BadAge("fem".into())),
                (5, ProjectionProblem::BadPersons("-3".into())),
                (6, ProjectionProblem::Overlap { year: 2027, band: "3–7".into(), other: "1–5".into() }),
                (7, ProjectionProblem::Columns { expected: 3, found: 1 }),
                (8, ProjectionProblem::Quote),
            ]
        );
        let missing = parse_projection_csv(b"region;alder;personer\n1;1;1\n".to_vec()).unwrap_err();
        assert_eq!(missing[0].problem, ProjectionProblem::MissingColumn("year"));
        assert_eq!(parse_projection_csv(Vec::new()).unwrap_err()[0].problem, ProjectionProblem::Empty);
        assert_eq!(
            parse_projection_csv(b"ar;alder;personer\n".to_vec()).unwrap_err()[0].problem,
            ProjectionProblem::MissingColumn("year")
        );
        assert_eq!(
            parse_projection_csv("år;alder;personer\n".as_bytes().to_vec()).unwrap_err()[0].problem,
            ProjectionProblem::Empty
        );
        for bytes in [&b"\xff\xfe\x00"[..], b"\"", b";;;\n;;;", b"\r\r\n\n", b"1;2;3\n\"", b"2027;0-120;1"] {
            let _ = parse_projection_csv(bytes.to_vec());
        }
    }

    #[test]
    fn who_reads_and_edits_lida() {
        use crate::{Actor, Role};
        let leader = Actor { roles: [Role::Leader].into(), led_units: [3].into(), ..Actor::default() };
        assert!(leader.can_read_lida() && !leader.can_edit_lida());
        let politician = Actor { roles: [Role::Politician].into(), ..Actor::default() };
        assert!(politician.can_read_lida() && !politician.can_edit_lida());
        let employee = Actor { roles: [Role::Employee].into(), own_unit: Some(3), ..Actor::default() };
        assert!(!employee.can_read_lida());
        let staff = Actor { roles: [Role::Management].into(), ..Actor::default() };
        assert!(staff.can_read_lida() && staff.can_edit_lida());
    }
}
