//! Indicators (*indikatorer*) as definitions: their place in DFØ's result chain, which direction is
//! better, where their values come from, targets with optional bands, and the progress
//! classification that compares the observed rate of change with the rate needed to reach the target.
//!
//! # Progress method
//! The method is Eurostat's for quantified targets in its SDG monitoring report (also the one Open SDG
//! offers as its "progress status"): the *observed* average annual rate of change since the baseline
//! is divided by the *required* average annual rate of change from the baseline to the target in the
//! target year. The ratio says which share of the needed pace the indicator keeps:
//!
//! | ratio (default thresholds)  | class            |
//! |-----------------------------|------------------|
//! | latest value meets target   | [`ProgressClass::TargetMet`]  |
//! | ≥ 0.95                      | [`ProgressClass::OnTrack`]    |
//! | 0.60 – 0.95                 | [`ProgressClass::Moderate`]   |
//! | 0 – 0.60                    | [`ProgressClass::OffTrack`]   |
//! | < 0 (moving the wrong way)  | [`ProgressClass::MovingAway`] |
//!
//! Rates are compound (CAGR: `(latest / baseline)^(1/years) − 1`) as Eurostat computes them. A
//! compound rate has no meaning when the baseline, the latest value or the target is zero or
//! negative (e.g. net emissions or a zero baseline); then, and when [`Thresholds::method`] asks for
//! it, the linear rate (`(latest − baseline) / years`) is used instead, and the result says so.
//! Too few observations after the baseline (fewer than [`Thresholds::min_observations`]) give
//! [`ProgressClass::InsufficientData`]: a trend from one or two points says little.

use crate::RuleError;
use serde::{Deserialize, Serialize};

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident, $err:literal, { $($(#[$vm:meta])* $v:ident => $code:literal, $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [Self] = &[$(Self::$v),+];

            /// Stable code stored in the database and used in forms and the API.
            pub fn code(self) -> &'static str {
                match self { $(Self::$v => $code),+ }
            }

            /// Parses a code.
            pub fn parse(code: &str) -> Result<Self, RuleError> {
                Self::ALL.iter().copied().find(|v| v.code() == code.trim()).ok_or_else(|| RuleError::new($err))
            }

            /// i18n key of the value's name.
            pub fn label_key(self) -> &'static str {
                match self { $(Self::$v => $label),+ }
            }
        }
    };
}

coded_enum!(
    /// DFØ's result chain (*resultatkjeden*), from effort to effect.
    ResultChain, "err-indicator-chain-unknown", {
        /// *Innsatsfaktorer*: resources put in.
        Input => "input", "indicator-chain-input",
        /// *Aktiviteter*: what is done.
        Activity => "activity", "indicator-chain-activity",
        /// *Produkter/tjenester*: what is delivered.
        Output => "output", "indicator-chain-output",
        /// *Brukereffekter*: effects for the users.
        Outcome => "outcome", "indicator-chain-outcome",
        /// *Samfunnseffekter*: effects for society.
        Impact => "impact", "indicator-chain-impact",
    }
);

coded_enum!(
    /// Which way an indicator should move.
    Direction, "err-indicator-direction-unknown", {
        /// Higher values are better (share of pupils who thrive).
        Higher => "higher", "indicator-direction-higher",
        /// Lower values are better (greenhouse-gas emissions).
        Lower => "lower", "indicator-direction-lower",
    }
);

coded_enum!(
    /// Where an indicator's values come from.
    SourceKind, "err-indicator-source-unknown", {
        /// Entered or imported by hand.
        Manual => "manual", "indicator-source-manual",
        /// From a survey (entered or imported by hand, but named as such).
        Survey => "survey", "indicator-source-survey",
        /// From a statistics series (the statistics module's link).
        Statistics => "statistics", "indicator-source-statistics",
    }
);

coded_enum!(
    /// How often an indicator is measured.
    Frequency, "err-indicator-frequency-unknown", {
        /// Once a year.
        Yearly => "yearly", "indicator-frequency-yearly",
        /// Every four months (*tertial*).
        Tertial => "tertial", "indicator-frequency-tertial",
        /// Every quarter.
        Quarterly => "quarterly", "indicator-frequency-quarterly",
        /// Every month.
        Monthly => "monthly", "indicator-frequency-monthly",
    }
);

/// A target for one year: the desired value and, optionally, the bands Asker's action programmes
/// use (desired, lowest acceptable; anything worse than lowest acceptable is not acceptable).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The year the target is for.
    pub year: i32,
    /// The political ambition (*ønsket*).
    pub desired: f64,
    /// The lowest acceptable value (*akseptabelt*); worse is *ikke akseptabelt*.
    pub acceptable: Option<f64>,
}

impl Target {
    /// Checks that the acceptable limit is not better than the desired value.
    pub fn checked(self, direction: Direction) -> Result<Self, RuleError> {
        if !(1900..=2200).contains(&self.year) {
            return Err(RuleError::new("err-indicator-year").on("year"));
        }
        if !self.desired.is_finite() || self.acceptable.is_some_and(|a| !a.is_finite()) {
            return Err(RuleError::new("err-indicator-number").on("desired"));
        }
        if let Some(a) = self.acceptable
            && direction.better(a, self.desired)
        {
            return Err(RuleError::new("err-indicator-band-order").on("acceptable"));
        }
        Ok(self)
    }

    /// The band `value` falls in.
    pub fn band(&self, direction: Direction, value: f64) -> Band {
        if direction.meets(value, self.desired) {
            Band::Desired
        } else if self.acceptable.is_none_or(|a| direction.meets(value, a)) {
            Band::Acceptable
        } else {
            Band::NotAcceptable
        }
    }
}

/// Which band a value falls in against a year's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// At or better than the desired value.
    Desired,
    /// Worse than desired but not worse than the lowest acceptable value (or no limit set).
    Acceptable,
    /// Worse than the lowest acceptable value.
    NotAcceptable,
}

impl Band {
    /// i18n key of the band's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Desired => "indicator-band-desired",
            Self::Acceptable => "indicator-band-acceptable",
            Self::NotAcceptable => "indicator-band-not-acceptable",
        }
    }
}

impl Direction {
    /// Whether `a` is strictly better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Self::Higher => a > b,
            Self::Lower => a < b,
        }
    }

    /// Whether `value` reaches `target` (equal counts).
    pub fn meets(self, value: f64, target: f64) -> bool {
        match self {
            Self::Higher => value >= target,
            Self::Lower => value <= target,
        }
    }
}

/// An indicator's progress towards its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressClass {
    /// The latest value meets the target.
    TargetMet,
    /// The observed pace is at least the on-track share of the needed pace.
    OnTrack,
    /// Progress, but slower than needed.
    Moderate,
    /// Little progress: the target will not be reached at this pace.
    OffTrack,
    /// The indicator moves away from the target.
    MovingAway,
    /// Not enough values (or no usable baseline/target) to say.
    InsufficientData,
}

impl ProgressClass {
    /// Every class, best first.
    pub const ALL: [Self; 6] =
        [Self::TargetMet, Self::OnTrack, Self::Moderate, Self::OffTrack, Self::MovingAway, Self::InsufficientData];

    /// Stable code (API, CSS class).
    pub fn code(self) -> &'static str {
        match self {
            Self::TargetMet => "target_met",
            Self::OnTrack => "on_track",
            Self::Moderate => "moderate",
            Self::OffTrack => "off_track",
            Self::MovingAway => "moving_away",
            Self::InsufficientData => "insufficient_data",
        }
    }

    /// i18n key of the class's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::TargetMet => "progress-target-met",
            Self::OnTrack => "progress-on-track",
            Self::Moderate => "progress-moderate",
            Self::OffTrack => "progress-off-track",
            Self::MovingAway => "progress-moving-away",
            Self::InsufficientData => "progress-insufficient-data",
        }
    }
}

coded_enum!(
    /// How rates of change are computed.
    RateMethod, "err-indicator-method-unknown", {
        /// Compound annual growth rate (Eurostat), falling back to linear where it is undefined.
        Compound => "compound", "indicator-method-compound",
        /// Average absolute change per year.
        Linear => "linear", "indicator-method-linear",
    }
);

/// Thresholds of the classification; [`Thresholds::default`] is Eurostat's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Ratio of observed to required pace from which an indicator is on track (Eurostat: 0.95).
    pub on_track: f64,
    /// Ratio from which progress is moderate (Eurostat: 0.6).
    pub moderate: f64,
    /// Ratio below which the indicator moves away from its target (Eurostat: 0).
    pub moving_away: f64,
    /// Observations after the baseline needed for a trend (2: with the baseline, three points, as
    /// Eurostat asks for at least three years of data).
    pub min_observations: usize,
    /// How rates are computed.
    pub method: RateMethod,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { on_track: 0.95, moderate: 0.6, moving_away: 0.0, min_observations: 2, method: RateMethod::Compound }
    }
}

impl Thresholds {
    /// Parses the settings form: the three ratios as percent (`95`, `62,5`), the observations a trend
    /// needs (1–10) and the method. The ratios must fall from on track to moderate to moving away,
    /// each between −100 % and 200 %. A problem names its field.
    pub fn parse(
        on_track: &str,
        moderate: &str,
        moving_away: &str,
        min_observations: &str,
        method: &str,
    ) -> Result<Thresholds, RuleError> {
        let percent = |input: &str, field: &'static str| -> Result<f64, RuleError> {
            let value: f64 = input
                .trim()
                .replace([' ', '\u{a0}'], "")
                .replace(',', ".")
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && (-100.0..=200.0).contains(v))
                .ok_or_else(|| {
                    RuleError::new("err-indicator-threshold-number").with("value", input.trim().to_owned()).on(field)
                })?;
            Ok(value / 100.0)
        };
        let on_track = percent(on_track, "on_track")?;
        let moderate = percent(moderate, "moderate")?;
        let moving_away = percent(moving_away, "moving_away")?;
        if moderate >= on_track {
            return Err(RuleError::new("err-indicator-threshold-order").on("moderate"));
        }
        if moving_away > moderate {
            return Err(RuleError::new("err-indicator-threshold-order").on("moving_away"));
        }
        let min_observations = min_observations
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10).contains(n))
            .ok_or_else(|| RuleError::new("err-indicator-min-observations").on("min_observations"))?;
        let method = RateMethod::parse(method).map_err(|e| e.on("method"))?;
        Ok(Thresholds { on_track, moderate, moving_away, min_observations, method })
    }

    /// A ratio as the percent the form shows (`95`, `62.5`).
    pub fn percent(ratio: f64) -> String {
        let p = (ratio * 1000.0).round() / 10.0;
        if p.fract() == 0.0 { format!("{p:.0}") } else { format!("{p:.1}") }
    }
}

/// An observed value at a point in time, in years (2024.0 for a yearly figure, 2024.5 mid-year).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    /// Time in years.
    pub time: f64,
    /// The figure.
    pub value: f64,
}

/// The baseline (*utgangsverdi*) an indicator's progress is measured from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Year of the baseline.
    pub year: i32,
    /// The figure.
    pub value: f64,
}

/// Result of the classification, with the figures that explain it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Assessment {
    /// The class.
    pub class: ProgressClass,
    /// Observed rate per year (a fraction for compound rates, units for linear), when computed.
    pub observed_rate: Option<f64>,
    /// Rate per year needed to reach the target, when computed.
    pub required_rate: Option<f64>,
    /// `observed_rate / required_rate`, when both exist and the required rate is not zero.
    pub ratio: Option<f64>,
    /// The method actually used (compound falls back to linear for zero or negative figures).
    pub method: RateMethod,
    /// The latest observation used.
    pub latest: Option<Observed>,
}

/// Classifies an indicator's progress: see the module documentation for the method.
pub fn classify(
    baseline: Option<Baseline>,
    target: Option<Target>,
    direction: Direction,
    observed: &[Observed],
    thresholds: &Thresholds,
) -> Assessment {
    let latest = observed.iter().copied().filter(|o| o.value.is_finite()).max_by(|a, b| a.time.total_cmp(&b.time));
    let mut out = Assessment {
        class: ProgressClass::InsufficientData,
        observed_rate: None,
        required_rate: None,
        ratio: None,
        method: thresholds.method,
        latest,
    };
    let (Some(baseline), Some(target), Some(latest)) = (baseline, target, latest) else {
        return out;
    };
    let t0 = f64::from(baseline.year);
    let after = observed.iter().filter(|o| o.value.is_finite() && o.time > t0).count();
    if after < thresholds.min_observations || f64::from(target.year) <= t0 || !baseline.value.is_finite() {
        return out;
    }
    // Met first: a target reached is reached, whatever the pace.
    if direction.meets(latest.value, target.desired) {
        out.class = ProgressClass::TargetMet;
        return out;
    }
    // The baseline already met the target (a "hold the level" target) and the latest value no
    // longer does: there is no required pace to compare with, and the indicator has moved away.
    if direction.meets(baseline.value, target.desired) {
        out.class = ProgressClass::MovingAway;
        return out;
    }
    let compound_ok = baseline.value > 0.0 && latest.value > 0.0 && target.desired > 0.0;
    let method = if thresholds.method == RateMethod::Compound && compound_ok {
        RateMethod::Compound
    } else {
        RateMethod::Linear
    };
    let years_observed = latest.time - t0;
    let years_required = f64::from(target.year) - t0;
    let rate = |from: f64, to: f64, years: f64| match method {
        RateMethod::Compound => (to / from).powf(1.0 / years) - 1.0,
        RateMethod::Linear => (to - from) / years,
    };
    let observed_rate = rate(baseline.value, latest.value, years_observed);
    let required_rate = rate(baseline.value, target.desired, years_required);
    out.method = method;
    out.observed_rate = Some(observed_rate);
    out.required_rate = Some(required_rate);
    // The required rate is non-zero here: the baseline does not meet the target, so they differ.
    let ratio = observed_rate / required_rate;
    out.ratio = Some(ratio);
    out.class = if ratio >= thresholds.on_track {
        ProgressClass::OnTrack
    } else if ratio >= thresholds.moderate {
        ProgressClass::Moderate
    } else if ratio >= thresholds.moving_away {
        ProgressClass::OffTrack
    } else {
        ProgressClass::MovingAway
    };
    out
}

/// The target that applies when judging progress now: the first target in or after the year of the
/// latest observation (the next milestone), else the last one (a target year already passed).
pub fn applicable_target(targets: &[Target], latest_year: Option<i32>) -> Option<Target> {
    let mut sorted: Vec<Target> = targets.to_vec();
    sorted.sort_by_key(|t| t.year);
    match latest_year {
        Some(y) => sorted.iter().copied().find(|t| t.year >= y).or_else(|| sorted.last().copied()),
        None => sorted.last().copied(),
    }
}

/// The time of a period text in years: `2024` → 2024.0, `2024-07` or `2024M07` → 2024.5,
/// `2024K2`/`2024Q2` → 2024.375, `2024T2` (tertial) → 2024.5833…; `None` without a leading year.
/// A period's time is its end, so a yearly figure and the December figure of the same year coincide.
pub fn period_time(period: &str) -> Option<f64> {
    let p = period.trim();
    let year: i32 = p.get(..4)?.parse().ok()?;
    let rest = &p[4..];
    let base = f64::from(year);
    if rest.is_empty() {
        return Some(base);
    }
    let (kind, num) = rest.split_at(rest.char_indices().nth(1).map_or(rest.len(), |(i, _)| i));
    let n: u32 = num.parse().ok()?;
    let parts = match kind {
        "-" | "M" | "m" => 12,
        "K" | "Q" | "k" | "q" => 4,
        "T" | "t" => 3,
        _ => return None,
    };
    if n == 0 || n > parts {
        return None;
    }
    // The end of the period, minus one year: 2024-12 is 2024.0 like the yearly 2024 figure.
    Some(base - 1.0 + f64::from(n) / f64::from(parts))
}

/// Checks a period text for an indicator value: a year, optionally with month, quarter or tertial.
pub fn parse_period(period: &str) -> Result<String, RuleError> {
    let p = period.trim();
    match period_time(p) {
        Some(t) if (1900.0..=2200.0).contains(&t) => Ok(p.to_owned()),
        _ => Err(RuleError::new("err-indicator-period").on("period")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(points: &[(i32, f64)]) -> Vec<Observed> {
        points.iter().map(|(y, v)| Observed { time: f64::from(*y), value: *v }).collect()
    }

    fn run(base: (i32, f64), target: (i32, f64), direction: Direction, points: &[(i32, f64)]) -> Assessment {
        classify(
            Some(Baseline { year: base.0, value: base.1 }),
            Some(Target { year: target.0, desired: target.1, acceptable: None }),
            direction,
            &obs(points),
            &Thresholds::default(),
        )
    }

    #[test]
    fn each_class_is_reached() {
        use ProgressClass::*;
        // Higher is better, from 50 in 2020 to 70 in 2030: 3.42 % a year needed.
        let up = |pts: &[(i32, f64)]| run((2020, 50.0), (2030, 70.0), Direction::Higher, pts).class;
        assert_eq!(up(&[(2021, 52.0), (2022, 54.0)]), OnTrack);
        assert_eq!(up(&[(2021, 51.0), (2022, 52.6)]), Moderate);
        assert_eq!(up(&[(2021, 50.5), (2022, 51.0)]), OffTrack);
        assert_eq!(up(&[(2021, 49.0), (2022, 48.0)]), MovingAway);
        assert_eq!(up(&[(2021, 60.0), (2022, 71.0)]), TargetMet);
        assert_eq!(up(&[(2022, 71.0)]), InsufficientData);
    }

    #[test]
    fn ratio_is_the_share_of_needed_pace() {
        let a = run((2020, 100.0), (2030, 200.0), Direction::Higher, &[(2021, 105.0), (2025, 141.0)]);
        let needed = 2f64.powf(0.1) - 1.0;
        let seen = 1.41f64.powf(0.2) - 1.0;
        assert!((a.required_rate.unwrap() - needed).abs() < 1e-12);
        assert!((a.ratio.unwrap() - seen / needed).abs() < 1e-12);
        assert_eq!(a.method, RateMethod::Compound);
        assert_eq!(a.class, ProgressClass::OnTrack);
    }

    #[test]
    fn lower_is_better_climate_target() {
        // Asker: −67 % from the 2009 level by 2030. 100 → 33 in 21 years is −5.14 % a year.
        let down = |pts: &[(i32, f64)]| run((2009, 100.0), (2030, 33.0), Direction::Lower, pts);
        assert_eq!(down(&[(2015, 80.0), (2020, 57.0)]).class, ProgressClass::OnTrack);
        assert_eq!(down(&[(2015, 90.0), (2020, 70.0)]).class, ProgressClass::Moderate);
        assert_eq!(down(&[(2015, 98.0), (2020, 95.0)]).class, ProgressClass::OffTrack);
        assert_eq!(down(&[(2015, 101.0), (2020, 104.0)]).class, ProgressClass::MovingAway);
        assert_eq!(down(&[(2015, 60.0), (2020, 30.0)]).class, ProgressClass::TargetMet);
        // A higher value is "better" only for higher-is-better indicators.
        let up = run((2009, 100.0), (2030, 33.0), Direction::Higher, &[(2015, 90.0), (2020, 70.0)]);
        assert_eq!(up.class, ProgressClass::TargetMet);
    }

    #[test]
    fn too_few_values_or_missing_parts() {
        let t = Thresholds::default();
        let target = Some(Target { year: 2030, desired: 70.0, acceptable: None });
        let base = Some(Baseline { year: 2020, value: 50.0 });
        assert_eq!(classify(base, target, Direction::Higher, &[], &t).class, ProgressClass::InsufficientData);
        // Values before or at the baseline year do not count as a trend.
        let before = obs(&[(2019, 40.0), (2020, 50.0), (2021, 60.0)]);
        assert_eq!(classify(base, target, Direction::Higher, &before, &t).class, ProgressClass::InsufficientData);
        let enough = obs(&[(2021, 55.0), (2022, 60.0)]);
        assert_eq!(classify(None, target, Direction::Higher, &enough, &t).class, ProgressClass::InsufficientData);
        assert_eq!(classify(base, None, Direction::Higher, &enough, &t).class, ProgressClass::InsufficientData);
        // A target year at or before the baseline cannot be paced.
        let past = Some(Target { year: 2020, desired: 70.0, acceptable: None });
        assert_eq!(classify(base, past, Direction::Higher, &enough, &t).class, ProgressClass::InsufficientData);
        // A stricter threshold asks for more values.
        let strict = Thresholds { min_observations: 3, ..t };
        assert_eq!(classify(base, target, Direction::Higher, &enough, &strict).class, ProgressClass::InsufficientData);
        // NaN is not a value.
        let nan = obs(&[(2021, 55.0), (2022, f64::NAN)]);
        assert_eq!(classify(base, target, Direction::Higher, &nan, &t).class, ProgressClass::InsufficientData);
    }

    #[test]
    fn target_already_met_at_baseline() {
        // A "hold the level" target: baseline 80 already meets 75.
        let hold = |pts: &[(i32, f64)]| run((2020, 80.0), (2026, 75.0), Direction::Higher, pts).class;
        assert_eq!(hold(&[(2021, 79.0), (2022, 76.0)]), ProgressClass::TargetMet);
        assert_eq!(hold(&[(2021, 76.0), (2022, 70.0)]), ProgressClass::MovingAway);
    }

    #[test]
    fn zero_baseline_falls_back_to_linear() {
        // From 0 to 10 charging points per 1,000 inhabitants by 2030: compound growth from zero is
        // undefined, linear needs 1 a year.
        let a = run((2020, 0.0), (2030, 10.0), Direction::Higher, &[(2021, 1.0), (2022, 2.0)]);
        assert_eq!(a.method, RateMethod::Linear);
        assert_eq!(a.required_rate, Some(1.0));
        assert_eq!(a.class, ProgressClass::OnTrack);
        let slow = run((2020, 0.0), (2030, 10.0), Direction::Higher, &[(2021, 0.5), (2022, 1.4)]);
        assert_eq!(slow.class, ProgressClass::Moderate);
        // Negative figures (net emissions) also use linear rates.
        let neg = run((2020, 5.0), (2030, -5.0), Direction::Lower, &[(2021, 4.0), (2022, 3.0)]);
        assert_eq!(neg.method, RateMethod::Linear);
        assert_eq!(neg.class, ProgressClass::OnTrack);
    }

    #[test]
    fn thresholds_are_configurable() {
        let pts = obs(&[(2021, 51.0), (2022, 52.6)]);
        let base = Some(Baseline { year: 2020, value: 50.0 });
        let target = Some(Target { year: 2030, desired: 70.0, acceptable: None });
        let lenient = Thresholds { on_track: 0.7, ..Thresholds::default() };
        assert_eq!(classify(base, target, Direction::Higher, &pts, &lenient).class, ProgressClass::OnTrack);
        let linear = Thresholds { method: RateMethod::Linear, ..Thresholds::default() };
        let a = classify(base, target, Direction::Higher, &pts, &linear);
        assert_eq!(a.method, RateMethod::Linear);
        assert!((a.ratio.unwrap() - 1.3 / 2.0).abs() < 1e-9);
    }

    #[test]
    fn bands_and_their_order() {
        let t = Target { year: 2026, desired: 90.0, acceptable: Some(80.0) };
        assert_eq!(t.band(Direction::Higher, 92.0), Band::Desired);
        assert_eq!(t.band(Direction::Higher, 80.0), Band::Acceptable);
        assert_eq!(t.band(Direction::Higher, 79.9), Band::NotAcceptable);
        assert!(t.checked(Direction::Higher).is_ok());
        assert_eq!(t.checked(Direction::Lower).unwrap_err().key, "err-indicator-band-order");
        let low = Target { year: 2026, desired: 10.0, acceptable: Some(15.0) };
        assert_eq!(low.band(Direction::Lower, 12.0), Band::Acceptable);
        assert_eq!(low.band(Direction::Lower, 16.0), Band::NotAcceptable);
    }

    #[test]
    fn periods_and_targets() {
        assert_eq!(period_time("2024"), Some(2024.0));
        assert_eq!(period_time("2024-12"), Some(2024.0));
        assert_eq!(period_time("2024-06"), Some(2023.5));
        assert_eq!(period_time("2024K4"), Some(2024.0));
        assert_eq!(period_time("2024T1"), Some(2023.0 + 1.0 / 3.0));
        assert_eq!(period_time("2024-13"), None);
        assert_eq!(period_time("abc"), None);
        assert!(parse_period("20x4").is_err());
        let ts = [
            Target { year: 2030, desired: 1.0, acceptable: None },
            Target { year: 2026, desired: 2.0, acceptable: None },
        ];
        assert_eq!(applicable_target(&ts, Some(2024)).unwrap().year, 2026);
        assert_eq!(applicable_target(&ts, Some(2027)).unwrap().year, 2030);
        assert_eq!(applicable_target(&ts, Some(2031)).unwrap().year, 2030);
        assert_eq!(ResultChain::parse("impact").unwrap(), ResultChain::Impact);
        assert!(ResultChain::parse("x").is_err());
    }
}
