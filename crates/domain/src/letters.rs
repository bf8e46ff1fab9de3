//! Assignment letters (*oppdragsbrev*): what one issued version of a unit's letter holds, the economic
//! frame as an exact amount, and what changed between two versions.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::RuleError;

/// The longest guidance template, in characters.
pub const GUIDANCE_MAX: usize = 20_000;

/// The longest expected result of an assignment, in characters.
pub const EXPECTED_RESULT_MAX: usize = 2_000;

/// One issued version of a letter, frozen: everything the letter says, so later changes to goals,
/// assignments, the frame or the template never change what was issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterContent {
    /// The municipality's name.
    pub municipality: String,
    /// The unit the letter is to.
    pub unit: String,
    /// The budget year.
    pub year: i32,
    /// The action programme the goals and assignments come from.
    pub programme: String,
    /// The economic frame in NOK (exact), when entered.
    pub frame: Option<Decimal>,
    /// The goals the unit is bound to, in the programme's order.
    pub goals: Vec<LetterGoal>,
    /// The assignments given to the unit or to the service area above it.
    pub assignments: Vec<LetterAssignment>,
    /// Guidance from the municipality-wide template (Markdown).
    pub guidance: String,
}

/// A goal in a letter, with the SDGs it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterGoal {
    /// The goal element's id in the action programme (identifies the goal across versions).
    pub id: i64,
    /// The goal's text.
    pub text: String,
    /// SDG numbers (1–17), ascending, no repeats.
    pub sdg: Vec<u8>,
}

/// An assignment in a letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterAssignment {
    /// The assignment element's id in the action programme.
    pub id: i64,
    /// The assignment's text.
    pub text: String,
    /// The goal it serves (text), when it sits under one.
    pub goal: Option<String>,
    /// What the unit shall deliver.
    pub expected_result: Option<String>,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
    /// The unit it is given to (the letter's unit or the service area above it).
    pub given_to: String,
}

/// One difference between two versions of a letter, for the "what changed" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum LetterChange {
    /// The frame changed (either side may be missing).
    Frame { before: Option<Decimal>, after: Option<Decimal> },
    /// A goal was added.
    GoalAdded(String),
    /// A goal was removed.
    GoalRemoved(String),
    /// A goal's text or SDGs changed.
    GoalChanged { before: String, after: String },
    /// An assignment was added.
    AssignmentAdded(String),
    /// An assignment was removed.
    AssignmentRemoved(String),
    /// An assignment's text, expected result, deadline or goal changed.
    AssignmentChanged { before: LetterAssignment, after: LetterAssignment },
    /// The guidance text changed.
    Guidance,
}

impl LetterChange {
    /// The Fluent key that names the change.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Frame { .. } => "letter-change-frame",
            Self::GoalAdded(_) => "letter-change-goal-added",
            Self::GoalRemoved(_) => "letter-change-goal-removed",
            Self::GoalChanged { .. } => "letter-change-goal-changed",
            Self::AssignmentAdded(_) => "letter-change-assignment-added",
            Self::AssignmentRemoved(_) => "letter-change-assignment-removed",
            Self::AssignmentChanged { .. } => "letter-change-assignment-changed",
            Self::Guidance => "letter-change-guidance",
        }
    }
}

/// What changed from `before` to `after`: the frame, then goals and assignments matched by id
/// (added, removed, changed, in `after`'s order with removals last), then the guidance. Names of the
/// municipality and unit are not compared: a renamed unit is the same letter.
pub fn diff(before: &LetterContent, after: &LetterContent) -> Vec<LetterChange> {
    let mut out = Vec::new();
    if before.frame != after.frame {
        out.push(LetterChange::Frame { before: before.frame, after: after.frame });
    }
    let old_goals: BTreeMap<i64, &LetterGoal> = before.goals.iter().map(|g| (g.id, g)).collect();
    for g in &after.goals {
        match old_goals.get(&g.id) {
            None => out.push(LetterChange::GoalAdded(g.text.clone())),
            Some(o) if *o != g => out.push(LetterChange::GoalChanged { before: o.text.clone(), after: g.text.clone() }),
            Some(_) => {}
        }
    }
    for g in &before.goals {
        if !after.goals.iter().any(|n| n.id == g.id) {
            out.push(LetterChange::GoalRemoved(g.text.clone()));
        }
    }
    let old: BTreeMap<i64, &LetterAssignment> = before.assignments.iter().map(|a| (a.id, a)).collect();
    for a in &after.assignments {
        match old.get(&a.id) {
            None => out.push(LetterChange::AssignmentAdded(a.text.clone())),
            Some(o) if *o != a => out.push(LetterChange::AssignmentChanged { before: (*o).clone(), after: a.clone() }),
            Some(_) => {}
        }
    }
    for a in &before.assignments {
        if !after.assignments.iter().any(|n| n.id == a.id) {
            out.push(LetterChange::AssignmentRemoved(a.text.clone()));
        }
    }
    if before.guidance != after.guidance {
        out.push(LetterChange::Guidance);
    }
    out
}

/// Parses an amount in NOK as typed: digits with spaces (also no-break spaces) or dots as thousands
/// separators and a decimal comma (`12 345 678,50`), or a decimal point (`12345678.50`). At most two
/// decimals, not negative, below a thousand billion. Empty input is no frame.
pub fn parse_frame(input: &str) -> Result<Option<Decimal>, RuleError> {
    let bad = || RuleError::new("err-letter-frame-invalid").on("frame");
    let compact: String = input.chars().filter(|c| !c.is_whitespace() && *c != '\u{202f}').collect();
    if compact.is_empty() {
        return Ok(None);
    }
    let normal = if compact.contains(',') {
        // Decimal comma: dots are thousands separators.
        compact.replace('.', "").replace(',', ".")
    } else if compact.matches('.').count() > 1 {
        compact.replace('.', "")
    } else {
        compact
    };
    if normal.is_empty() || !normal.chars().all(|c| c.is_ascii_digit() || c == '.') || normal.matches('.').count() > 1 {
        return Err(bad());
    }
    let value: Decimal = normal.parse().map_err(|_| bad())?;
    if value.scale() > 2 || value.is_sign_negative() || value >= Decimal::from(1_000_000_000_000i64) {
        return Err(bad());
    }
    Ok(Some(value.normalize().max(Decimal::ZERO)))
}

/// The amount as Norwegian text: thousands separated by a space, a decimal comma when there are
/// øre (`12 345 678,50`, `4 000 000`).
pub fn format_frame(value: Decimal) -> String {
    let rounded = value.round_dp(2);
    let text = rounded.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    if !fraction.is_empty() && fraction.chars().any(|c| c != '0') {
        out.push(',');
        out.push_str(&format!("{fraction:0<2}"));
    }
    out
}

/// Checks an expected result: trimmed, at most [`EXPECTED_RESULT_MAX`] characters; empty is none.
pub fn parse_expected_result(input: &str) -> Result<Option<String>, RuleError> {
    let t = input.trim();
    if t.chars().count() > EXPECTED_RESULT_MAX {
        return Err(RuleError::new("err-expected-result-too-long")
            .with("max", EXPECTED_RESULT_MAX.to_string())
            .on("expected_result"));
    }
    Ok((!t.is_empty()).then(|| t.to_owned()))
}

/// Checks the guidance template: at most [`GUIDANCE_MAX`] characters.
pub fn check_guidance(body: &str) -> Result<(), RuleError> {
    if body.chars().count() > GUIDANCE_MAX {
        return Err(RuleError::new("err-letter-guidance-too-long").with("max", GUIDANCE_MAX.to_string()).on("body"));
    }
    Ok(())
}

/// SDG numbers from target codes (`"3.4"` → 3), ascending without repeats; codes that do not start
/// with a goal number 1–17 are skipped.
pub fn sdg_numbers<'a>(targets: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut out: Vec<u8> = targets
        .into_iter()
        .filter_map(|t| t.split('.').next()?.parse::<u8>().ok())
        .filter(|g| (1..=17).contains(g))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> LetterContent {
        LetterContent {
            municipality: "Asker kommune".into(),
            unit: "Hvalstad skole".into(),
            year: 2027,
            programme: "Handlingsprogram 2027–2030".into(),
            frame: Some(Decimal::new(450_000_000, 2)),
            goals: vec![
                LetterGoal { id: 1, text: "Alle barn mestrer".into(), sdg: vec![4] },
                LetterGoal { id: 2, text: "Trygge skoleveier".into(), sdg: vec![3, 11] },
            ],
            assignments: vec![LetterAssignment {
                id: 10,
                text: "Styrke lesing".into(),
                goal: Some("Alle barn mestrer".into()),
                expected_result: Some("Flere leser".into()),
                deadline: NaiveDate::from_ymd_opt(2027, 12, 31),
                given_to: "Oppvekst".into(),
            }],
            guidance: "Vi styrker laget.".into(),
        }
    }

    #[test]
    fn same_content_has_no_changes_and_a_renamed_unit_is_the_same_letter() {
        let a = content();
        let mut b = content();
        b.unit = "Hvalstad barneskole".into();
        assert!(diff(&a, &b).is_empty());
    }

    #[test]
    fn every_kind_of_change_is_listed() {
        let a = content();
        let mut b = content();
        b.frame = Some(Decimal::new(475_000_000, 2));
        b.goals[1].sdg = vec![3];
        b.goals.remove(0);
        b.goals.push(LetterGoal { id: 3, text: "Grønn drift".into(), sdg: vec![13] });
        b.assignments[0].expected_result = Some("Alle leser".into());
        b.assignments.push(LetterAssignment {
            id: 11,
            text: "Kutte utslipp".into(),
            goal: None,
            expected_result: None,
            deadline: None,
            given_to: "Hvalstad skole".into(),
        });
        b.guidance.push_str(" Mer.");
        let changes = diff(&a, &b);
        let keys: Vec<&str> = changes.iter().map(LetterChange::key).collect();
        assert_eq!(
            keys,
            vec![
                "letter-change-frame",
                "letter-change-goal-changed",
                "letter-change-goal-added",
                "letter-change-goal-removed",
                "letter-change-assignment-changed",
                "letter-change-assignment-added",
                "letter-change-guidance",
            ]
        );
        assert_eq!(changes[2], LetterChange::GoalAdded("Grønn drift".into()));
        assert_eq!(changes[3], LetterChange::GoalRemoved("Alle barn mestrer".into()));
        let mut c = content();
        c.assignments.clear();
        assert_eq!(diff(&a, &c), vec![LetterChange::AssignmentRemoved("Styrke lesing".into())]);
    }

    #[test]
    fn frames_parse_exactly_and_format_in_norwegian() {
        assert_eq!(parse_frame("  ").unwrap(), None);
        assert_eq!(parse_frame("12 345 678,50").unwrap(), Some(Decimal::new(1_234_567_850, 2)));
        assert_eq!(parse_frame("12.345.678,5").unwrap(), Some(Decimal::new(123_456_785, 1)));
        assert_eq!(parse_frame("12345678.50").unwrap(), Some(Decimal::new(1_234_567_850, 2)));
        assert_eq!(parse_frame("4\u{a0}000\u{a0}000").unwrap(), Some(Decimal::new(4_000_000, 0)));
        // 0.1 + 0.2 is exact.
        let sum = parse_frame("0,1").unwrap().unwrap() + parse_frame("0,2").unwrap().unwrap();
        assert_eq!(sum, parse_frame("0,3").unwrap().unwrap());
        for bad in ["-5", "1,234", "abc", "1e6", "1.2.3,4,5", "1000000000000", ","] {
            assert_eq!(parse_frame(bad).unwrap_err().key, "err-letter-frame-invalid", "{bad}");
        }
        assert_eq!(format_frame(Decimal::new(1_234_567_850, 2)), "12 345 678,50");
        assert_eq!(format_frame(Decimal::new(4_000_000, 0)), "4 000 000");
        assert_eq!(format_frame(Decimal::new(999, 0)), "999");
        assert_eq!(format_frame(Decimal::new(12_345, 1)), "1 234,50");
    }

    #[test]
    fn expected_results_guidance_and_sdg_numbers() {
        assert_eq!(parse_expected_result("  ").unwrap(), None);
        assert_eq!(parse_expected_result(" Alle leser ").unwrap().as_deref(), Some("Alle leser"));
        assert!(parse_expected_result(&"æ".repeat(EXPECTED_RESULT_MAX + 1)).is_err());
        assert!(parse_expected_result(&"æ".repeat(EXPECTED_RESULT_MAX)).is_ok());
        assert!(check_guidance(&"x".repeat(GUIDANCE_MAX + 1)).is_err());
        assert_eq!(sdg_numbers(["11.2", "3.4", "3.6", "x", "18.1", "13.a"]), vec![3, 11, 13]);
    }

    #[test]
    fn content_round_trips_through_json_with_the_exact_frame() {
        let c = content();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["frame"], "4500000.00");
        assert_eq!(serde_json::from_value::<LetterContent>(json).unwrap(), c);
    }
}
