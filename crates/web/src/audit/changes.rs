//! An audit row's JSON snapshots as people read them: one line per changed field, the field's name
//! in the reader's language, before → after, ids as names, codes as their labels, dates in the
//! reader's format. The JSON itself stays as it is for the CSV export.

use crate::i18n::{Lang, Tr};
use rodtrad_domain::OrgUnitKind;
use rodtrad_domain::plan::{ElementKind, ElementStatus, PlanStatus, PlanType};
use serde_json::Value;
use std::collections::HashMap;

/// One changed field.
pub(crate) struct Change {
    /// The field's name in the reader's language (the stored name when it has no translation).
    pub(crate) field: String,
    /// The value before, when there was one.
    pub(crate) before: Option<String>,
    /// The value after, when there is one.
    pub(crate) after: Option<String>,
}

/// Names for the ids the snapshots hold.
#[derive(Default)]
pub(crate) struct Names {
    /// Organisation units.
    pub(crate) units: HashMap<i64, String>,
    /// People.
    pub(crate) people: HashMap<i64, String>,
    /// Plans.
    pub(crate) plans: HashMap<i64, String>,
}

/// Bookkeeping columns that say nothing to a reader, and names copied beside the ids they name.
const HIDDEN: [&str; 12] = [
    "id",
    "municipality_id",
    "version",
    "position",
    "sort_order",
    "revision",
    "source_revision",
    "source_revision_seen",
    "owner_unit_name",
    "responsible_name",
    "leader_name",
    "source_plan_title",
];

/// The changes an audit row records: for an update the fields whose value differs, for a creation
/// the values set, for a removal the values that were there.
pub(crate) fn changes(
    tr: &Tr,
    names: &Names,
    entity: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Vec<Change> {
    let show = |field: &str, v: &Value| value_text(tr, names, entity, field, v);
    let shown = |(k, _): &(&String, &Value)| !HIDDEN.contains(&k.as_str());
    match (before.map(|v| (v, v.as_object())), after.map(|v| (v, v.as_object()))) {
        (Some((_, Some(b))), Some((_, Some(a)))) => a
            .iter()
            .filter(shown)
            .filter_map(|(k, av)| {
                let bv = b.get(k).unwrap_or(&Value::Null);
                (!same(bv, av)).then(|| Change {
                    field: field_label(tr, entity, k),
                    before: Some(show(k, bv)),
                    after: Some(show(k, av)),
                })
            })
            .collect(),
        (None, Some((_, Some(fields)))) | (Some((_, Some(fields))), None) => {
            let is_after = after.is_some();
            fields
                .iter()
                .filter(shown)
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let text = Some(show(k, v));
                    Change {
                        field: field_label(tr, entity, k),
                        before: if is_after { None } else { text.clone() },
                        after: if is_after { text } else { None },
                    }
                })
                .collect()
        }
        (None, None) => Vec::new(),
        (b, a) => vec![Change {
            field: field_label(tr, entity, "value"),
            before: b.map(|(v, _)| show("value", v)),
            after: a.map(|(v, _)| show("value", v)),
        }],
    }
}

/// Equal as stored, counting a list as a set (SDG targets, roles, sources come in any order).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            let key = |v: &Value| v.to_string();
            let mut x: Vec<String> = x.iter().map(key).collect();
            let mut y: Vec<String> = y.iter().map(key).collect();
            x.sort();
            y.sort();
            x == y
        }
        _ => a == b,
    }
}

/// The reader's name for a stored field; a field without a translation keeps its stored name.
pub(crate) fn field_label(tr: &Tr, entity: &str, field: &str) -> String {
    let key = match (entity, field) {
        ("plan_decision", "body") => "audit-field-decision_body",
        (_, "active") => "audit-field-active",
        (_, "assessed_on") => "audit-field-assessed_on",
        (_, "body") => "audit-field-body",
        (_, "case_number") => "audit-field-case_number",
        (_, "copied_from_year") => "audit-field-copied_from_year",
        (_, "counts") => "audit-field-counts",
        (_, "deadline") => "audit-field-deadline",
        (_, "decided_on") => "audit-field-decided_on",
        (_, "display_name") => "audit-field-display_name",
        (_, "email") => "audit-field-email",
        (_, "end_year") => "audit-field-end_year",
        (_, "evidence") => "audit-field-evidence",
        (_, "expires_at") => "audit-field-expires_at",
        (_, "first_year") => "audit-field-first_year",
        (_, "goals" | "sdg_goals") => "audit-field-goals",
        (_, "heading") => "audit-field-heading",
        (_, "kind") => "audit-field-kind",
        (_, "kpi") => "audit-field-kpi",
        (_, "label") => "audit-field-label",
        (_, "last_year") => "audit-field-last_year",
        (_, "leader_person_id") => "audit-field-leader_person_id",
        (_, "locale") => "audit-field-locale",
        (_, "maturity") => "audit-field-maturity",
        (_, "name") => "audit-field-name",
        (_, "note") => "audit-field-note",
        (_, "number") => "audit-field-number",
        (_, "owner_unit_id") => "audit-field-owner_unit_id",
        (_, "parent_id") => "audit-field-parent_id",
        (_, "periods_written") => "audit-field-periods_written",
        (_, "person_id") => "audit-field-person_id",
        (_, "phase") => "audit-field-phase",
        (_, "plan_id") => "audit-field-plan_id",
        (_, "plan_type") => "audit-field-plan_type",
        (_, "process") => "audit-field-process",
        (_, "published") => "audit-field-published",
        (_, "region" | "regions") => "audit-field-region",
        (_, "removed_with_children") => "audit-field-removed_with_children",
        (_, "responsible_person_id") => "audit-field-responsible_person_id",
        (_, "roles") => "audit-field-roles",
        (_, "sdg_targets") => "audit-field-sdg_targets",
        (_, "section_id") => "audit-field-section_id",
        (_, "series_id") => "audit-field-series_id",
        (_, "short_name") => "audit-field-short_name",
        (_, "source") => "audit-field-source",
        (_, "source_element_id") => "audit-field-source_element_id",
        (_, "source_plan_id") => "audit-field-source_plan_id",
        (_, "source_removed_at") => "audit-field-source_removed_at",
        (_, "sources") => "audit-field-sources",
        (_, "start_year") => "audit-field-start_year",
        (_, "status") => "audit-field-status",
        (_, "table") => "audit-field-table",
        (_, "text") => "audit-field-text",
        (_, "title") => "audit-field-title",
        (_, "unit_id") => "audit-field-unit_id",
        (_, "valid_from") => "audit-field-valid_from",
        (_, "valid_to") => "audit-field-valid_to",
        (_, "value") => "audit-field-value",
        (_, "year") => "audit-field-year",
        _ => return field.to_owned(),
    };
    tr.t(key)
}

/// A stored value as text: names for ids, labels for codes, dates in the reader's format.
fn value_text(tr: &Tr, names: &Names, entity: &str, field: &str, value: &Value) -> String {
    let named = |map: &HashMap<i64, String>, id: i64| map.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    match value {
        Value::Null => "–".to_owned(),
        Value::Bool(b) => tr.t(if *b { "audit-yes" } else { "audit-no" }),
        Value::Number(n) => match (field, n.as_i64()) {
            ("owner_unit_id" | "unit_id", Some(id)) => named(&names.units, id),
            ("parent_id", Some(id)) if entity == "org_unit" => named(&names.units, id),
            ("leader_person_id" | "responsible_person_id" | "person_id", Some(id)) => named(&names.people, id),
            ("plan_id" | "source_plan_id" | "sources", Some(id)) => named(&names.plans, id),
            _ => n.to_string(),
        },
        Value::String(s) => code_label(tr, entity, field, s).unwrap_or_else(|| tr.datetime(s.as_str())),
        Value::Array(items) if field == "sdg_targets" => items
            .iter()
            .map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([Value::String(code), Value::Bool(true)]) => format!("{code} ({})", tr.t("audit-adapted")),
                Some([Value::String(code), _]) => code.clone(),
                _ => pair.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Array(items) => {
            items.iter().map(|v| value_text(tr, names, entity, field, v)).collect::<Vec<_>>().join(", ")
        }
        // A nested record (a risk's acceptance, a report's decision): each field in the same words.
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| format!("{k}: {}", value_text(tr, names, entity, k, v)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The label of a stored code (a status, a kind, a plan type, a language), when the field holds one.
fn code_label(tr: &Tr, entity: &str, field: &str, code: &str) -> Option<String> {
    let key = match (entity, field) {
        ("plan", "status") => PlanStatus::parse(code).ok()?.label_key(),
        ("goal_element", "status") => ElementStatus::parse(code).ok()?.label_key(),
        ("goal_element", "kind") => ElementKind::parse(code).ok()?.label_key(),
        ("org_unit", "kind") => OrgUnitKind::parse(code).ok()?.label_key(),
        (_, "plan_type") => PlanType::parse(code).ok()?.label_key(),
        (_, "roles") => rodtrad_domain::Role::parse(code).ok()?.label_key(),
        (_, "locale") => return Lang::parse(code).map(|l| l.native_name().to_owned()),
        _ => return None,
    };
    Some(tr.t(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    fn tr(lang: Lang) -> Tr {
        Tr::new(Arc::new(crate::i18n::I18n::load().unwrap()), lang)
    }

    fn lines(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| {
                format!("{}: {} → {}", c.field, c.before.as_deref().unwrap_or(""), c.after.as_deref().unwrap_or(""))
            })
            .collect()
    }

    #[test]
    fn an_update_lists_only_what_changed_in_the_readers_words() {
        let mut names = Names::default();
        names.people.insert(7, "Kari Nordmann".into());
        let before = json!({"id": 3, "version": 4, "text": "Gammel", "deadline": "2026-06-20", "responsible_person_id": null,
            "status": "draft", "sdg_targets": [["4.1", false]], "owner_unit_name": "X", "colour": "red"});
        let after = json!({"text": "Gammel", "deadline": "2026-11-30", "responsible_person_id": 7, "status": "active",
            "sdg_targets": [["4.1", false]], "colour": "blue"});
        let nb = changes(&tr(Lang::Nb), &names, "goal_element", Some(&before), Some(&after));
        assert_eq!(
            lines(&nb),
            vec![
                "colour: red → blue",
                "Frist: 20.06.2026 → 30.11.2026",
                "Ansvarlig: – → Kari Nordmann",
                "Status: Utkast → Aktiv"
            ]
        );
        let en = changes(&tr(Lang::En), &names, "goal_element", Some(&before), Some(&after));
        assert_eq!(lines(&en)[1], "Deadline: 20 Jun 2026 → 30 Nov 2026");
    }

    #[test]
    fn a_creation_lists_what_was_set_and_a_bare_value_is_shown_as_a_value() {
        let names = Names::default();
        let after = json!({"name": "Xskolen", "short_name": null, "published": true, "sdg_targets": [["13.2", true]]});
        let nb = changes(&tr(Lang::Nb), &names, "plan", None, Some(&after));
        assert_eq!(lines(&nb), vec!["Navn:  → Xskolen", "Publisert:  → ja", "Bærekraftsdelmål:  → 13.2 (tilpasset)"]);
        assert_eq!(lines(&changes(&tr(Lang::Nb), &names, "x", None, Some(&json!([3, 4])))), vec!["Verdi:  → 3, 4"]);
        assert!(changes(&tr(Lang::Nb), &names, "user", None, None).is_empty());
    }
}
