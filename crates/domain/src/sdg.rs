//! The UN Sustainable Development Goals catalogue shipped with Rødtråd (see `data/sdg/SOURCE.md`).

use serde::Deserialize;

/// One of the 17 goals.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SdgGoal {
    /// 1–17.
    pub goal: i64,
    /// Official colour, `#RRGGBB`.
    pub colour: String,
    /// Short name in bokmål.
    pub short_nb: String,
    /// Title in bokmål.
    pub title_nb: String,
    /// Short name in English.
    pub short_en: String,
    /// Title in English.
    pub title_en: String,
}

/// One of the 169 targets.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SdgTarget {
    /// Code, e.g. `11.6`.
    pub target: String,
    /// Goal number.
    pub goal: i64,
    /// English text (UN).
    pub text_en: String,
    /// Unofficial bokmål text, if any.
    pub text_nb: String,
}

/// A global indicator.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SdgIndicator {
    /// Code, e.g. `11.6.2`.
    pub indicator: String,
    /// Target code.
    pub target: String,
    /// English text (UN).
    pub text_en: String,
    /// Unofficial bokmål text, if any.
    pub text_nb: String,
}

fn read<T: for<'de> Deserialize<'de>>(source: &str) -> Vec<T> {
    csv::Reader::from_reader(source.as_bytes()).deserialize().filter_map(Result::ok).collect()
}

// Parsed once per process: pages that list the goals are served many times a second.
static GOALS: std::sync::LazyLock<Vec<SdgGoal>> =
    std::sync::LazyLock::new(|| read(include_str!("../data/sdg/goals.csv")));
static TARGETS: std::sync::LazyLock<Vec<SdgTarget>> =
    std::sync::LazyLock::new(|| read(include_str!("../data/sdg/targets.csv")));

/// The 17 goals.
pub fn goals() -> Vec<SdgGoal> {
    GOALS.clone()
}

/// The 169 targets, in UN order.
pub fn targets() -> Vec<SdgTarget> {
    TARGETS.clone()
}

/// The global indicators, in UN order.
pub fn indicators() -> Vec<SdgIndicator> {
    read(include_str!("../data/sdg/indicators.csv"))
}

/// Contrast colour for text on a goal's colour: WCAG relative luminance decides black or white.
pub fn text_colour_on(background: &str) -> &'static str {
    let hex = background.trim_start_matches('#');
    let channel = |i: usize| {
        let v = u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as f64 / 255.0;
        if v <= 0.03928 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    let l = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    // Contrast with white is (1.05)/(l+0.05); with black (l+0.05)/0.05: pick the larger.
    if 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 { "#FFFFFF" } else { "#000000" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_complete() {
        let goals = goals();
        assert_eq!(goals.len(), 17);
        assert_eq!(goals[10].short_nb, "Bærekraftige byer og lokalsamfunn");
        assert_eq!(goals[12].colour, "#3F7E44");
        let targets = targets();
        assert_eq!(targets.len(), 169);
        assert!(targets.iter().any(|t| t.target == "11.6" && t.goal == 11));
        assert!(targets.iter().any(|t| t.target == "17.a" || t.target == "17.19"));
        // Known-wrong bokmål texts were dropped by the derivation (1.a repeated 1.5).
        assert!(targets.iter().find(|t| t.target == "1.a").unwrap().text_nb.is_empty());
        assert!(indicators().len() >= 231);
    }

    #[test]
    fn text_colour_gives_contrast() {
        assert_eq!(text_colour_on("#FFFFFF"), "#000000");
        assert_eq!(text_colour_on("#19486A"), "#FFFFFF");
        assert_eq!(text_colour_on("#FCC30B"), "#000000");
    }
}
