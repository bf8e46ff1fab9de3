//! Risk management (*risikostyring*, issue #16 §1): the municipality's risk matrix, likelihood and
//! consequence parsed against it, the score (*risiko = sannsynlighet × konsekvens*) and its band,
//! risk items as typed, who may accept a risk and until when, and the aggregation of risks up the
//! organisation tree. Pure: the store keeps the rows, the service asks these rules.

use crate::RuleError;
use crate::access::{Actor, Role};
use crate::followup::Hierarchy;
use crate::org::LeaderLevel;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Fewest levels on an axis of the matrix.
pub const LEVELS_MIN: u8 = 3;
/// Most levels on an axis of the matrix.
pub const LEVELS_MAX: u8 = 7;
/// Longest wording of a level or an own category.
pub const LABEL_MAX: usize = 60;
/// Longest description of a risk.
pub const DESCRIPTION_MAX: usize = 300;
/// Longest cause or consequence text.
pub const TEXT_MAX: usize = 4000;

/// Score band (*risikonivå*), from the matrix's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Band {
    /// Below the medium threshold.
    Low,
    /// From the medium threshold.
    Medium,
    /// From the high threshold.
    High,
    /// From the critical threshold.
    Critical,
}

impl Band {
    /// Every band, lowest first (the order of [`Band::index`]).
    pub const ALL: [Band; 4] = [Band::Low, Band::Medium, Band::High, Band::Critical];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
            Band::Critical => "critical",
        }
    }

    /// The band of a code.
    pub fn parse(code: &str) -> Result<Band, RuleError> {
        Band::ALL.into_iter().find(|b| b.code() == code).ok_or_else(|| RuleError::new("err-risk-band"))
    }

    /// Position in [`Band::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The message key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            Band::Low => "risk-band-low",
            Band::Medium => "risk-band-medium",
            Band::High => "risk-band-high",
            Band::Critical => "risk-band-critical",
        }
    }

    /// Significant risks (high or critical) are reported up to authority level 1.
    pub fn is_significant(self) -> bool {
        self >= Band::High
    }

    /// Who must accept a risk of this band.
    pub fn authority(self) -> AcceptanceAuthority {
        match self {
            Band::Critical => AcceptanceAuthority::ChiefExecutive,
            Band::High => AcceptanceAuthority::Director,
            Band::Medium | Band::Low => AcceptanceAuthority::UnitLeader,
        }
    }
}

/// The leader who may accept a risk: at or above this level in the line of the analysed unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AcceptanceAuthority {
    /// Leader level 1, the chief executive (*kommunedirektør*).
    ChiefExecutive,
    /// Leader level 2, a director (*kommunalsjef*) or above.
    Director,
    /// The leader of the analysed unit or anyone above in its line.
    UnitLeader,
}

impl AcceptanceAuthority {
    /// The highest leader level number (1 = chief executive) that may accept.
    pub fn max_level(self) -> u8 {
        match self {
            AcceptanceAuthority::ChiefExecutive => 1,
            AcceptanceAuthority::Director => 2,
            AcceptanceAuthority::UnitLeader => 4,
        }
    }

    /// The message key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            AcceptanceAuthority::ChiefExecutive => "risk-authority-chief",
            AcceptanceAuthority::Director => "risk-authority-director",
            AcceptanceAuthority::UnitLeader => "risk-authority-unit",
        }
    }
}

/// Score thresholds: a score at or above `critical` is critical, at or above `high` high, at or
/// above `medium` medium, anything below low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Lowest medium score.
    pub medium: u16,
    /// Lowest high score.
    pub high: u16,
    /// Lowest critical score.
    pub critical: u16,
}

/// A municipality's risk matrix: its wording of each likelihood and consequence level (level 1
/// first) and its score bands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    /// Wording of likelihood levels 1..=N.
    pub likelihood: Vec<String>,
    /// Wording of consequence levels 1..=N.
    pub consequence: Vec<String>,
    /// Score bands.
    pub thresholds: Thresholds,
}

impl Default for Matrix {
    /// The default 5×5 matrix: 1–4 low, 5–9 medium, 10–14 high, 15–25 critical, with the wording
    /// most Norwegian municipalities' ROS guides use; a municipality changes it on the settings page.
    fn default() -> Matrix {
        let words = |w: [&str; 5]| w.iter().map(|s| (*s).to_owned()).collect();
        Matrix {
            likelihood: words(["Svært lite sannsynlig", "Lite sannsynlig", "Mulig", "Sannsynlig", "Svært sannsynlig"]),
            consequence: words(["Ubetydelig", "Mindre alvorlig", "Alvorlig", "Svært alvorlig", "Kritisk"]),
            thresholds: Thresholds { medium: 5, high: 10, critical: 15 },
        }
    }
}

/// Likelihood (*sannsynlighet*), a level of the matrix's likelihood axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Likelihood(u8);

/// Consequence (*konsekvens*), a level of the matrix's consequence axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Consequence(u8);

impl Likelihood {
    /// The level, from 1.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl Consequence {
    /// The level, from 1.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// A likelihood and a consequence, placed on the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Assessment {
    /// Likelihood.
    pub likelihood: Likelihood,
    /// Consequence.
    pub consequence: Consequence,
}

impl Assessment {
    /// Risk = likelihood × consequence.
    pub fn score(self) -> u16 {
        u16::from(self.likelihood.0) * u16::from(self.consequence.0)
    }
}

fn parse_level(raw: &str, levels: usize, key: &'static str, field: &'static str) -> Result<u8, RuleError> {
    let t = raw.trim();
    let out_of_range = || RuleError::new(key).with("value", t.to_owned()).with("max", levels.to_string()).on(field);
    if t.is_empty() {
        return Err(RuleError::new("err-risk-level-missing").on(field));
    }
    match t.parse::<u8>() {
        Ok(n) if n >= 1 && usize::from(n) <= levels => Ok(n),
        _ => Err(out_of_range()),
    }
}

impl Matrix {
    /// Number of likelihood levels.
    pub fn likelihood_levels(&self) -> u8 {
        self.likelihood.len() as u8
    }

    /// Number of consequence levels.
    pub fn consequence_levels(&self) -> u8 {
        self.consequence.len() as u8
    }

    /// The highest score the matrix allows.
    pub fn max_score(&self) -> u16 {
        u16::from(self.likelihood_levels()) * u16::from(self.consequence_levels())
    }

    /// Parses a typed likelihood level; outside 1..=N it is refused, naming `field`.
    pub fn likelihood(&self, raw: &str, field: &'static str) -> Result<Likelihood, RuleError> {
        parse_level(raw, self.likelihood.len(), "err-risk-likelihood-range", field).map(Likelihood)
    }

    /// Parses a typed consequence level; outside 1..=N it is refused, naming `field`.
    pub fn consequence(&self, raw: &str, field: &'static str) -> Result<Consequence, RuleError> {
        parse_level(raw, self.consequence.len(), "err-risk-consequence-range", field).map(Consequence)
    }

    /// The assessment of stored levels, `None` when the matrix has no such cell.
    pub fn assessment(&self, likelihood: i64, consequence: i64) -> Option<Assessment> {
        let l = u8::try_from(likelihood).ok().filter(|l| *l >= 1 && *l <= self.likelihood_levels())?;
        let c = u8::try_from(consequence).ok().filter(|c| *c >= 1 && *c <= self.consequence_levels())?;
        Some(Assessment { likelihood: Likelihood(l), consequence: Consequence(c) })
    }

    /// The band of a score.
    pub fn band(&self, score: u16) -> Band {
        let t = self.thresholds;
        if score >= t.critical {
            Band::Critical
        } else if score >= t.high {
            Band::High
        } else if score >= t.medium {
            Band::Medium
        } else {
            Band::Low
        }
    }

    /// Counts assessments per cell of the matrix: `counts[(l - 1) * consequence_levels + (c - 1)]`.
    /// Assessments outside the matrix are not counted.
    pub fn heat_map(&self, cells: impl IntoIterator<Item = Assessment>) -> HeatMap {
        let cols = usize::from(self.consequence_levels());
        let mut counts = vec![0u32; usize::from(self.likelihood_levels()) * cols];
        for a in cells {
            let (l, c) = (usize::from(a.likelihood.0), usize::from(a.consequence.0));
            if l >= 1 && c >= 1 && l <= usize::from(self.likelihood_levels()) && c <= cols {
                counts[(l - 1) * cols + (c - 1)] += 1;
            }
        }
        HeatMap { likelihood_levels: self.likelihood_levels(), consequence_levels: self.consequence_levels(), counts }
    }
}

/// Risks per cell of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeatMap {
    /// Rows.
    pub likelihood_levels: u8,
    /// Columns.
    pub consequence_levels: u8,
    /// Counts, row by row from likelihood 1.
    pub counts: Vec<u32>,
}

impl HeatMap {
    /// Risks in a cell (levels from 1).
    pub fn count(&self, likelihood: u8, consequence: u8) -> u32 {
        if likelihood == 0
            || consequence == 0
            || likelihood > self.likelihood_levels
            || consequence > self.consequence_levels
        {
            return 0;
        }
        self.counts[usize::from(likelihood - 1) * usize::from(self.consequence_levels) + usize::from(consequence - 1)]
    }
}

/// The matrix settings as typed: one wording per line on each axis, three thresholds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixDraft {
    /// Likelihood wording, level 1 first, one per line.
    pub likelihood: String,
    /// Consequence wording, level 1 first, one per line.
    pub consequence: String,
    /// Lowest medium score.
    pub medium: String,
    /// Lowest high score.
    pub high: String,
    /// Lowest critical score.
    pub critical: String,
}

impl MatrixDraft {
    /// The draft of a stored matrix, for the form.
    pub fn of(m: &Matrix) -> MatrixDraft {
        MatrixDraft {
            likelihood: m.likelihood.join("\n"),
            consequence: m.consequence.join("\n"),
            medium: m.thresholds.medium.to_string(),
            high: m.thresholds.high.to_string(),
            critical: m.thresholds.critical.to_string(),
        }
    }

    /// Checks the settings: 3–7 levels on each axis, each with a wording of at most
    /// [`LABEL_MAX`] characters, and 1 < medium < high < critical ≤ the highest score. Every broken
    /// rule is returned, each naming its field.
    pub fn parse(&self) -> Result<Matrix, Vec<RuleError>> {
        let mut errors = Vec::new();
        let mut axis = |text: &str, field: &'static str| -> Vec<String> {
            let words: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
            if words.len() < usize::from(LEVELS_MIN) || words.len() > usize::from(LEVELS_MAX) {
                errors.push(
                    RuleError::new("err-risk-matrix-levels")
                        .with("min", LEVELS_MIN.to_string())
                        .with("max", LEVELS_MAX.to_string())
                        .on(field),
                );
            } else if words.iter().any(|w| w.chars().count() > LABEL_MAX) {
                errors.push(RuleError::new("err-risk-matrix-label-long").with("max", LABEL_MAX.to_string()).on(field));
            }
            words
        };
        let likelihood = axis(&self.likelihood, "likelihood");
        let consequence = axis(&self.consequence, "consequence");
        let mut number = |raw: &str, field: &'static str| -> Option<u16> {
            let n = raw.trim().parse::<u16>().ok();
            if n.is_none() {
                errors.push(RuleError::new("err-risk-threshold").with("value", raw.trim().to_owned()).on(field));
            }
            n
        };
        let (medium, high, critical) =
            (number(&self.medium, "medium"), number(&self.high, "high"), number(&self.critical, "critical"));
        if !errors.is_empty() {
            return Err(errors);
        }
        let (Some(medium), Some(high), Some(critical)) = (medium, high, critical) else { return Err(errors) };
        let max = (likelihood.len() * consequence.len()) as u16;
        if !(1 < medium && medium < high && high < critical && critical <= max) {
            errors.push(RuleError::new("err-risk-threshold-order").with("max", max.to_string()).on("medium"));
            return Err(errors);
        }
        Ok(Matrix { likelihood, consequence, thresholds: Thresholds { medium, high, critical } })
    }
}

/// Risk category (*kategori*): the fixed ones, or the municipality's own wording.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Category {
    /// Services to the inhabitants (*tjenester*).
    Services,
    /// Health, environment and safety (*HMS*).
    Hms,
    /// Information security and privacy (*informasjonssikkerhet og personvern*).
    InformationSecurity,
    /// Economy (*økonomi*).
    Economy,
    /// Reputation (*omdømme*).
    Reputation,
    /// Corruption (*korrupsjon*, the anti-corruption plan's risks).
    Corruption,
    /// The municipality's own category, by its wording.
    Own(String),
}

impl Category {
    /// The fixed categories' codes, in the order of the form.
    pub const CODES: [&'static str; 7] =
        ["services", "hms", "information_security", "economy", "reputation", "corruption", "own"];

    /// The stored code (`own` for the municipality's own; its wording is [`Category::own_label`]).
    pub fn code(&self) -> &'static str {
        match self {
            Category::Services => "services",
            Category::Hms => "hms",
            Category::InformationSecurity => "information_security",
            Category::Economy => "economy",
            Category::Reputation => "reputation",
            Category::Corruption => "corruption",
            Category::Own(_) => "own",
        }
    }

    /// The wording of an own category, empty for a fixed one.
    pub fn own_label(&self) -> &str {
        match self {
            Category::Own(label) => label,
            _ => "",
        }
    }

    /// The message key of a category code's name.
    pub fn label_key(code: &str) -> &'static str {
        match code {
            "services" => "risk-category-services",
            "hms" => "risk-category-hms",
            "information_security" => "risk-category-information-security",
            "economy" => "risk-category-economy",
            "reputation" => "risk-category-reputation",
            "corruption" => "risk-category-corruption",
            _ => "risk-category-own",
        }
    }

    /// A category from its code and, for `own`, its wording (at most [`LABEL_MAX`] characters).
    pub fn parse(code: &str, label: &str) -> Result<Category, RuleError> {
        Ok(match code.trim() {
            "services" => Category::Services,
            "hms" => Category::Hms,
            "information_security" => Category::InformationSecurity,
            "economy" => Category::Economy,
            "reputation" => Category::Reputation,
            "corruption" => Category::Corruption,
            "own" => {
                let label = label.trim();
                if label.is_empty() {
                    return Err(RuleError::new("err-risk-category-own").on("category_label"));
                }
                if label.chars().count() > LABEL_MAX {
                    return Err(RuleError::new("err-risk-category-own-long")
                        .with("max", LABEL_MAX.to_string())
                        .on("category_label"));
                }
                Category::Own(label.to_owned())
            }
            _ => return Err(RuleError::new("err-risk-category").on("category")),
        })
    }
}

/// Treatment (*tiltaksstrategi*): avoid, reduce, share or accept the risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Treatment {
    /// Stop the activity that carries the risk (*unngå*).
    Avoid,
    /// Measures lowering likelihood or consequence (*redusere*).
    Reduce,
    /// Move part of it to others: insurance, contracts (*dele*).
    Share,
    /// Live with it, by a leader with the authority to (*akseptere*).
    Accept,
}

impl Treatment {
    /// Every treatment, in the order of the form.
    pub const ALL: [Treatment; 4] = [Treatment::Avoid, Treatment::Reduce, Treatment::Share, Treatment::Accept];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Treatment::Avoid => "avoid",
            Treatment::Reduce => "reduce",
            Treatment::Share => "share",
            Treatment::Accept => "accept",
        }
    }

    /// The message key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            Treatment::Avoid => "risk-treatment-avoid",
            Treatment::Reduce => "risk-treatment-reduce",
            Treatment::Share => "risk-treatment-share",
            Treatment::Accept => "risk-treatment-accept",
        }
    }

    /// The treatment of a code.
    pub fn parse(code: &str) -> Result<Treatment, RuleError> {
        Treatment::ALL
            .into_iter()
            .find(|t| t.code() == code.trim())
            .ok_or_else(|| RuleError::new("err-risk-treatment").on("treatment"))
    }
}

/// A risk item as the rules accept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskItem {
    /// What can go wrong.
    pub description: String,
    /// Why it can happen.
    pub cause: String,
    /// What happens if it does.
    pub consequence_text: String,
    /// Category.
    pub category: Category,
    /// Before any control (*iboende risiko*).
    pub inherent: Assessment,
    /// With today's controls (*nåværende risiko*).
    pub current: Assessment,
    /// The target after the treatment (*restrisiko*), never above the current score.
    pub residual: Assessment,
    /// Treatment.
    pub treatment: Treatment,
    /// When the risk is next reviewed.
    pub review_on: Option<NaiveDate>,
}

impl RiskItem {
    /// The band of the current score, which decides who may accept the risk.
    pub fn band(&self, matrix: &Matrix) -> Band {
        matrix.band(self.current.score())
    }
}

/// The fields of a risk item as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskItemDraft {
    /// What can go wrong.
    pub description: String,
    /// Why.
    #[serde(default)]
    pub cause: String,
    /// What happens.
    #[serde(default)]
    pub consequence_text: String,
    /// Category code.
    pub category: String,
    /// The own category's wording.
    #[serde(default)]
    pub category_label: String,
    /// Inherent likelihood.
    pub inherent_likelihood: String,
    /// Inherent consequence.
    pub inherent_consequence: String,
    /// Current likelihood.
    pub current_likelihood: String,
    /// Current consequence.
    pub current_consequence: String,
    /// Residual likelihood.
    pub residual_likelihood: String,
    /// Residual consequence.
    pub residual_consequence: String,
    /// Treatment code.
    pub treatment: String,
    /// Review date, empty for none.
    #[serde(default)]
    pub review_on: String,
}

fn parse_optional_date(input: &str, field: &'static str) -> Result<Option<NaiveDate>, RuleError> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d.%m.%Y"))
        .map(Some)
        .map_err(|_| RuleError::new("err-risk-date").with("value", t.to_owned()).on(field))
}

impl RiskItemDraft {
    /// The draft of a stored item, for the form.
    pub fn of(item: &RiskItem) -> RiskItemDraft {
        let n = |v: u8| v.to_string();
        RiskItemDraft {
            description: item.description.clone(),
            cause: item.cause.clone(),
            consequence_text: item.consequence_text.clone(),
            category: item.category.code().to_owned(),
            category_label: item.category.own_label().to_owned(),
            inherent_likelihood: n(item.inherent.likelihood.get()),
            inherent_consequence: n(item.inherent.consequence.get()),
            current_likelihood: n(item.current.likelihood.get()),
            current_consequence: n(item.current.consequence.get()),
            residual_likelihood: n(item.residual.likelihood.get()),
            residual_consequence: n(item.residual.consequence.get()),
            treatment: item.treatment.code().to_owned(),
            review_on: item.review_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    /// Checks every field against the matrix: a description, texts within their length, a
    /// category, all six levels inside the matrix, a residual score no higher than the current
    /// one, a treatment and an optional review date. Every broken rule is returned, each naming
    /// its field.
    pub fn parse(&self, matrix: &Matrix) -> Result<RiskItem, Vec<RuleError>> {
        let mut errors = Vec::new();
        let description = self.description.trim();
        if description.is_empty() {
            errors.push(RuleError::new("err-risk-description").on("description"));
        } else if description.chars().count() > DESCRIPTION_MAX {
            errors
                .push(RuleError::new("err-risk-text-long").with("max", DESCRIPTION_MAX.to_string()).on("description"));
        }
        for (text, field) in [(&self.cause, "cause"), (&self.consequence_text, "consequence_text")] {
            if text.trim().chars().count() > TEXT_MAX {
                errors.push(RuleError::new("err-risk-text-long").with("max", TEXT_MAX.to_string()).on(field));
            }
        }
        let category = Category::parse(&self.category, &self.category_label).map_err(|e| errors.push(e)).ok();
        let mut assess = |l: &str, lf: &'static str, c: &str, cf: &'static str| {
            let l = matrix.likelihood(l, lf).map_err(|e| errors.push(e)).ok();
            let c = matrix.consequence(c, cf).map_err(|e| errors.push(e)).ok();
            Some(Assessment { likelihood: l?, consequence: c? })
        };
        let inherent = assess(
            &self.inherent_likelihood,
            "inherent_likelihood",
            &self.inherent_consequence,
            "inherent_consequence",
        );
        let current =
            assess(&self.current_likelihood, "current_likelihood", &self.current_consequence, "current_consequence");
        let residual = assess(
            &self.residual_likelihood,
            "residual_likelihood",
            &self.residual_consequence,
            "residual_consequence",
        );
        if let (Some(cur), Some(res)) = (current, residual)
            && res.score() > cur.score()
        {
            errors.push(
                RuleError::new("err-risk-residual-above-current")
                    .with("residual", res.score().to_string())
                    .with("current", cur.score().to_string())
                    .on("residual_likelihood"),
            );
        }
        let treatment = Treatment::parse(&self.treatment).map_err(|e| errors.push(e)).ok();
        let review_on = parse_optional_date(&self.review_on, "review_on").map_err(|e| errors.push(e)).ok().flatten();
        match (category, inherent, current, residual, treatment) {
            (Some(category), Some(inherent), Some(current), Some(residual), Some(treatment)) if errors.is_empty() => {
                Ok(RiskItem {
                    description: description.to_owned(),
                    cause: self.cause.trim().to_owned(),
                    consequence_text: self.consequence_text.trim().to_owned(),
                    category,
                    inherent,
                    current,
                    residual,
                    treatment,
                    review_on,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A risk acceptance (*risikoaksept*): by whom, at which leader level, until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Acceptance {
    /// The accepting leader's level (1 = chief executive).
    pub level: u8,
    /// The last day the acceptance holds.
    pub expires_on: NaiveDate,
}

impl Acceptance {
    /// Whether the acceptance still covers the risk on `today` in its band now: not expired, and
    /// given at a level the band still allows (a risk that rose to a higher band needs a new one).
    pub fn holds(&self, band: Band, today: NaiveDate) -> bool {
        today <= self.expires_on && self.level <= band.authority().max_level()
    }
}

/// Checks a risk acceptance: the acceptor must lead the analysed unit or a unit above it
/// (`acceptor`, see [`Actor::risk_acceptor_level`]) at or above the level the band requires, and
/// must give an expiry date after `today`. Every broken rule is returned.
pub fn check_acceptance(
    band: Band,
    acceptor: Option<LeaderLevel>,
    expires_on: &str,
    today: NaiveDate,
) -> Result<Acceptance, Vec<RuleError>> {
    let mut errors = Vec::new();
    let authority = band.authority();
    let level = match acceptor {
        None => {
            errors.push(RuleError::new("err-risk-accept-not-leader"));
            None
        }
        Some(l) if l.get() > authority.max_level() => {
            errors.push(
                RuleError::new("err-risk-accept-level")
                    .with("band", band.code())
                    .with("required", authority.max_level().to_string())
                    .with("level", l.get().to_string()),
            );
            None
        }
        Some(l) => Some(l.get()),
    };
    let expires = match parse_optional_date(expires_on, "expires_on") {
        Ok(None) => {
            errors.push(RuleError::new("err-risk-accept-expiry").on("expires_on"));
            None
        }
        Ok(Some(d)) if d <= today => {
            errors.push(RuleError::new("err-risk-accept-expiry-past").on("expires_on"));
            None
        }
        Ok(Some(d)) => Some(d),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    match (level, expires) {
        (Some(level), Some(expires_on)) => Ok(Acceptance { level, expires_on }),
        _ => Err(errors),
    }
}

impl Actor {
    /// The highest leader level (lowest number) the actor holds in the line of the unit with
    /// `ancestry` (the unit first, the municipality last): leading the municipality is level 1,
    /// a service area level 2 and so on. `None` when the actor leads none of them; delegates and
    /// the staff edit an analysis but do not accept its risks.
    pub fn risk_acceptor_level(&self, ancestry: &[i64]) -> Option<LeaderLevel> {
        let top = ancestry.len().checked_sub(1)?;
        ancestry
            .iter()
            .enumerate()
            .filter(|(_, id)| self.led_units.contains(id))
            .map(|(i, _)| LeaderLevel::from_depth(top - i))
            .min()
    }

    /// May edit the risk analysis of the unit with `ancestry`: its leaders and those above,
    /// delegates, and the management staff and system administrators everywhere.
    pub fn can_edit_risk(&self, ancestry: &[i64]) -> bool {
        self.can_edit_unit(ancestry)
    }

    /// May read the risk analysis of the unit with `ancestry`: whoever reads the unit (the
    /// auditor and the staff everywhere, leaders and delegates in their line, employees their own
    /// unit), and politicians the municipality-level analysis (`ancestry` of length 1).
    pub fn can_read_risk(&self, ancestry: &[i64]) -> bool {
        self.can_read_unit(ancestry) || (self.has(Role::Politician) && ancestry.len() == 1)
    }

    /// May read the municipal risk picture aggregated up the tree: the staff, the auditor,
    /// leaders and politicians.
    pub fn can_read_risk_picture(&self) -> bool {
        [Role::SystemAdmin, Role::Management, Role::Auditor, Role::Leader, Role::Politician]
            .iter()
            .any(|r| self.has(*r))
    }

    /// May change the municipality's risk matrix: the management staff and system administrators.
    pub fn can_manage_risk_matrix(&self) -> bool {
        self.has(Role::SystemAdmin) || self.has(Role::Management)
    }
}

/// A risk as the aggregation sees it: its unit (an index of the [`Hierarchy`]), score and band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskPoint {
    /// The unit whose analysis holds the risk.
    pub unit: u32,
    /// Its current score.
    pub score: u16,
    /// Its band.
    pub band: Band,
}

/// Risks of a unit and every unit below it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RiskTally {
    /// Risks per band, indexed by [`Band::index`].
    pub by_band: [u32; 4],
    /// The highest score, 0 when there are no risks.
    pub highest: u16,
}

impl RiskTally {
    /// Risks counted.
    pub fn total(&self) -> u32 {
        self.by_band.iter().sum()
    }

    /// Risks in a band.
    pub fn count(&self, band: Band) -> u32 {
        self.by_band[band.index()]
    }

    /// Significant risks: high or critical.
    pub fn significant(&self) -> u32 {
        self.count(Band::High) + self.count(Band::Critical)
    }

    /// The highest score, `None` without risks.
    pub fn highest(&self) -> Option<u16> {
        (self.total() > 0).then_some(self.highest)
    }
}

/// The aggregation: for every unit of `hierarchy` (by index), the tally of the risks in its own
/// analyses and in those of every unit below it. Risks whose unit is outside the hierarchy are
/// skipped. One pass over the risks and one backward pass over the units (parents come first).
pub fn aggregate(hierarchy: &Hierarchy, risks: &[RiskPoint]) -> Vec<RiskTally> {
    let mut tallies = vec![RiskTally::default(); hierarchy.len()];
    for r in risks {
        let Some(t) = tallies.get_mut(r.unit as usize) else { continue };
        t.by_band[r.band.index()] += 1;
        t.highest = t.highest.max(r.score);
    }
    for i in (0..hierarchy.len()).rev() {
        if let Some(p) = hierarchy.parent(i as u32) {
            let own = tallies[i];
            let parent = &mut tallies[p as usize];
            for (a, b) in parent.by_band.iter_mut().zip(own.by_band) {
                *a += b;
            }
            parent.highest = parent.highest.max(own.highest);
        }
    }
    tallies
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn draft() -> RiskItemDraft {
        RiskItemDraft {
            description: "Svikt i journalsystemet".into(),
            cause: "Ingen reserveløsning".into(),
            consequence_text: "Feilmedisinering".into(),
            category: "information_security".into(),
            inherent_likelihood: "4".into(),
            inherent_consequence: "5".into(),
            current_likelihood: "3".into(),
            current_consequence: "5".into(),
            residual_likelihood: "2".into(),
            residual_consequence: "4".into(),
            treatment: "reduce".into(),
            review_on: "2027-03-01".into(),
            ..RiskItemDraft::default()
        }
    }

    fn keys(errors: &[RuleError]) -> Vec<(&'static str, Option<&'static str>)> {
        errors.iter().map(|e| (e.key, e.field)).collect()
    }

    #[test]
    fn score_is_likelihood_times_consequence_and_bands_follow_the_thresholds() {
        let m = Matrix::default();
        let item = draft().parse(&m).unwrap();
        assert_eq!((item.inherent.score(), item.current.score(), item.residual.score()), (20, 15, 8));
        assert_eq!(item.band(&m), Band::Critical);
        let bands: Vec<Band> = [1, 4, 5, 9, 10, 14, 15, 25].into_iter().map(|s| m.band(s)).collect();
        use Band::*;
        assert_eq!(bands, vec![Low, Low, Medium, Medium, High, High, Critical, Critical]);
        assert!(High.is_significant() && Critical.is_significant() && !Medium.is_significant());
        for b in Band::ALL {
            assert_eq!(Band::parse(b.code()).unwrap(), b);
        }
    }

    #[test]
    fn levels_outside_the_matrix_are_refused_naming_their_field() {
        let m = Matrix::default();
        let mut d = draft();
        d.inherent_likelihood = "6".into();
        d.current_consequence = "0".into();
        d.residual_likelihood = "tre".into();
        d.residual_consequence = String::new();
        let errors = d.parse(&m).unwrap_err();
        assert_eq!(
            keys(&errors),
            vec![
                ("err-risk-likelihood-range", Some("inherent_likelihood")),
                ("err-risk-consequence-range", Some("current_consequence")),
                ("err-risk-likelihood-range", Some("residual_likelihood")),
                ("err-risk-level-missing", Some("residual_consequence")),
            ]
        );
        assert_eq!(errors[0].args, vec![("value", "6".to_owned()), ("max", "5".to_owned())]);
        // A 3×4 matrix refuses likelihood 4 but takes consequence 4.
        let small = MatrixDraft {
            likelihood: "Lav\nMiddels\nHøy".into(),
            consequence: "A\nB\nC\nD".into(),
            medium: "3".into(),
            high: "6".into(),
            critical: "9".into(),
        }
        .parse()
        .unwrap();
        assert!(small.likelihood("4", "l").is_err());
        assert_eq!(small.consequence("4", "c").unwrap().get(), 4);
        assert_eq!(small.max_score(), 12);
        assert_eq!(small.assessment(3, 4).map(Assessment::score), Some(12));
        assert_eq!(small.assessment(4, 1), None);
    }

    #[test]
    fn residual_above_current_other_fields_and_own_categories() {
        let m = Matrix::default();
        let mut d = draft();
        d.residual_likelihood = "5".into();
        d.residual_consequence = "5".into();
        d.description = "  ".into();
        d.category = "own".into();
        d.treatment = "ignore".into();
        d.review_on = "31.02.2027".into();
        let errors = d.parse(&m).unwrap_err();
        assert_eq!(
            keys(&errors),
            vec![
                ("err-risk-description", Some("description")),
                ("err-risk-category-own", Some("category_label")),
                ("err-risk-residual-above-current", Some("residual_likelihood")),
                ("err-risk-treatment", Some("treatment")),
                ("err-risk-date", Some("review_on")),
            ]
        );
        let mut own = draft();
        own.category = "own".into();
        own.category_label = " Beredskap ".into();
        own.review_on = "01.03.2027".into();
        let item = own.parse(&m).unwrap();
        assert_eq!(item.category, Category::Own("Beredskap".into()));
        assert_eq!(item.review_on, Some(day("2027-03-01")));
        assert_eq!(RiskItemDraft::of(&item).parse(&m).unwrap(), item);
        assert_eq!(Category::parse("weather", "").unwrap_err().key, "err-risk-category");
    }

    #[test]
    fn matrix_settings_are_checked() {
        let m = Matrix::default();
        assert_eq!(MatrixDraft::of(&m).parse().unwrap(), m);
        let bad = MatrixDraft {
            likelihood: "A\nB".into(),
            consequence: (1..=8).map(|i| i.to_string()).collect::<Vec<_>>().join("\n"),
            medium: "x".into(),
            high: "10".into(),
            critical: "15".into(),
        };
        assert_eq!(
            keys(&bad.parse().unwrap_err()),
            vec![
                ("err-risk-matrix-levels", Some("likelihood")),
                ("err-risk-matrix-levels", Some("consequence")),
                ("err-risk-threshold", Some("medium")),
            ]
        );
        for (medium, high, critical) in [("1", "10", "15"), ("10", "10", "15"), ("5", "16", "15"), ("5", "10", "26")] {
            let d = MatrixDraft {
                medium: medium.into(),
                high: high.into(),
                critical: critical.into(),
                ..MatrixDraft::of(&m)
            };
            assert_eq!(
                keys(&d.parse().unwrap_err()),
                vec![("err-risk-threshold-order", Some("medium"))],
                "{medium} {high} {critical}"
            );
        }
        let long = MatrixDraft { likelihood: format!("{}\nB\nC", "x".repeat(61)), ..MatrixDraft::of(&m) };
        assert_eq!(keys(&long.parse().unwrap_err()), vec![("err-risk-matrix-label-long", Some("likelihood"))]);
    }

    #[test]
    fn acceptance_needs_the_bands_authority_and_an_expiry() {
        let today = day("2026-12-07");
        let level = |depth| Some(LeaderLevel::from_depth(depth));
        // Critical: only the chief executive (level 1).
        assert_eq!(check_acceptance(Band::Critical, level(0), "2027-12-31", today).unwrap().level, 1);
        let refused = check_acceptance(Band::Critical, level(1), "2027-12-31", today).unwrap_err();
        assert_eq!(keys(&refused), vec![("err-risk-accept-level", None)]);
        assert_eq!(refused[0].args[1], ("required", "1".to_owned()));
        // High: a director or above.
        assert!(check_acceptance(Band::High, level(1), "2027-12-31", today).is_ok());
        assert!(check_acceptance(Band::High, level(2), "2027-12-31", today).is_err());
        // Medium and low: any leader in the unit's line, a department head included.
        assert!(check_acceptance(Band::Medium, level(3), "2027-12-31", today).is_ok());
        assert!(check_acceptance(Band::Low, level(3), "2027-12-31", today).is_ok());
        // Nobody in the line, no expiry, a past one, a bad one.
        assert_eq!(
            keys(&check_acceptance(Band::Low, None, "", today).unwrap_err()),
            vec![("err-risk-accept-not-leader", None), ("err-risk-accept-expiry", Some("expires_on"))]
        );
        assert_eq!(
            keys(&check_acceptance(Band::Low, level(0), "2026-12-07", today).unwrap_err()),
            vec![("err-risk-accept-expiry-past", Some("expires_on"))]
        );
        assert_eq!(
            keys(&check_acceptance(Band::Low, level(0), "snart", today).unwrap_err()),
            vec![("err-risk-date", Some("expires_on"))]
        );
        // It holds until its last day, and not once the risk rose above the acceptor's authority.
        let a = check_acceptance(Band::Medium, level(2), "2027-01-31", today).unwrap();
        assert!(a.holds(Band::Medium, day("2027-01-31")));
        assert!(!a.holds(Band::Medium, day("2027-02-01")));
        assert!(!a.holds(Band::High, today));
    }

    #[test]
    fn acceptor_level_is_the_highest_led_unit_in_the_line() {
        // Ancestry: department 40 → unit 30 → service area 20 → municipality 10.
        let ancestry = [40, 30, 20, 10];
        let actor = |led: &[i64]| Actor {
            user_id: 1,
            municipality_id: 1,
            person_id: None,
            roles: BTreeSet::from([Role::Leader]),
            own_unit: None,
            led_units: led.iter().copied().collect(),
            delegated_units: BTreeSet::from([40]),
        };
        let get = |led: &[i64]| actor(led).risk_acceptor_level(&ancestry).map(LeaderLevel::get);
        assert_eq!(get(&[40]), Some(4));
        assert_eq!(get(&[30]), Some(3));
        assert_eq!(get(&[30, 20]), Some(2));
        assert_eq!(get(&[10]), Some(1));
        assert_eq!(get(&[99]), None);
        assert_eq!(actor(&[]).risk_acceptor_level(&[]), None);
        // A delegate edits but does not accept.
        assert!(actor(&[]).can_edit_risk(&ancestry));
        assert_eq!(get(&[]), None);
    }

    #[test]
    fn who_reads_the_analyses_and_the_picture() {
        let with = |role: Role, own: Option<i64>| Actor {
            user_id: 1,
            municipality_id: 1,
            person_id: None,
            roles: BTreeSet::from([role]),
            own_unit: own,
            led_units: BTreeSet::new(),
            delegated_units: BTreeSet::new(),
        };
        let unit = [30, 20, 10];
        let politician = with(Role::Politician, None);
        assert!(politician.can_read_risk(&[10]) && !politician.can_read_risk(&unit));
        assert!(politician.can_read_risk_picture() && !politician.can_edit_risk(&[10]));
        let employee = with(Role::Employee, Some(30));
        assert!(employee.can_read_risk(&unit) && !employee.can_read_risk(&[20, 10]));
        assert!(!employee.can_read_risk_picture() && !employee.can_edit_risk(&unit));
        let auditor = with(Role::Auditor, None);
        assert!(auditor.can_read_risk(&unit) && !auditor.can_edit_risk(&unit) && !auditor.can_manage_risk_matrix());
        let staff = with(Role::Management, None);
        assert!(staff.can_edit_risk(&unit) && staff.can_manage_risk_matrix());
    }

    #[test]
    fn heat_map_counts_each_cell() {
        let m = Matrix::default();
        let a = |l, c| m.assessment(l, c).unwrap();
        let map = m.heat_map([a(1, 1), a(5, 5), a(5, 5), a(2, 3)]);
        assert_eq!((map.count(5, 5), map.count(2, 3), map.count(3, 2), map.count(1, 1)), (2, 1, 0, 1));
        assert_eq!(map.counts.iter().sum::<u32>(), 4);
        assert_eq!(map.count(6, 1), 0);
    }

    #[test]
    fn aggregation_counts_bands_up_a_crafted_tree() {
        // Municipality 1 → service areas 2 and 3; 2 → units 4 and 5; 4 → department 6; 7 stands alone.
        let h = Hierarchy::new(&[
            (1, None),
            (2, Some(1)),
            (3, Some(1)),
            (4, Some(2)),
            (5, Some(2)),
            (6, Some(4)),
            (7, None),
        ]);
        let m = Matrix::default();
        let at = |unit: i64, score: u16| RiskPoint { unit: h.index(unit).unwrap(), score, band: m.band(score) };
        let risks = [at(6, 20), at(6, 4), at(4, 12), at(5, 6), at(5, 1), at(3, 16), at(1, 9), at(7, 25)];
        let tallies = aggregate(&h, &risks);
        let of = |unit: i64| tallies[h.index(unit).unwrap() as usize];
        assert_eq!(of(6).by_band, [1, 0, 0, 1]);
        assert_eq!(of(4).by_band, [1, 0, 1, 1]);
        assert_eq!((of(4).highest(), of(4).significant()), (Some(20), 2));
        assert_eq!(of(2).by_band, [2, 1, 1, 1]);
        assert_eq!(of(1).by_band, [2, 2, 1, 2]);
        assert_eq!((of(1).total(), of(1).significant(), of(1).highest()), (7, 3, Some(20)));
        assert_eq!((of(3).total(), of(3).highest()), (1, Some(16)));
        assert_eq!((of(7).total(), of(7).highest()), (1, Some(25)));
        // A unit without risks has no highest score; a risk outside the tree is skipped.
        let empty = aggregate(&h, &[RiskPoint { unit: 99, score: 25, band: Band::Critical }]);
        assert!(empty.iter().all(|t| t.total() == 0 && t.highest().is_none()));
    }
}
