//! Reader and writer tests: the json-stat.org sample shapes, SSB's shapes, every kind of bad input, and
//! generated datasets that must survive a write/read round trip.

use super::*;

const OECD: &str = include_str!("../../tests/data/jsonstat/oecd.json");
const ORDER: &str = include_str!("../../tests/data/jsonstat/order.json");
const HIERARCHY: &str = include_str!("../../tests/data/jsonstat/hierarchy.json");
const US_GSP: &str = include_str!("../../tests/data/jsonstat/us-gsp.json");
const SPARSE: &str = include_str!("../../tests/data/jsonstat/sparse.json");
const COLLECTION: &str = include_str!("../../tests/data/jsonstat/collection.json");
const EMBEDDED: &str = include_str!("../../tests/data/jsonstat/oecd-canada-col.json");
const DIMENSION: &str = include_str!("../../tests/data/jsonstat/dimension.json");
const BUNDLE: &str = include_str!("../../tests/data/jsonstat/oecd-canada-bundle.json");
const SSB: &str = include_str!("../../tests/data/jsonstat/ssb-v2-07459.json");
const SAMPLES: [&str; 10] = [OECD, ORDER, HIERARCHY, US_GSP, SPARSE, COLLECTION, EMBEDDED, DIMENSION, BUNDLE, SSB];

fn dataset(text: &str) -> Dataset {
    match read(text.as_bytes()) {
        Ok(Response::Dataset(d)) => d,
        other => panic!("expected a dataset, got {other:?}"),
    }
}

fn error(text: &str) -> JsonStatError {
    match read(text.as_bytes()) {
        Err(e) => e,
        Ok(r) => panic!("expected an error, got {r:?}"),
    }
}

/// A minimal valid 2.0 dataset with dimensions A (a, b) and B (x, y, z), with `patch` applied on top.
fn small(patch: serde_json::Value) -> String {
    let mut base = serde_json::json!({
        "version": "2.0", "class": "dataset",
        "id": ["A", "B"], "size": [2, 3],
        "dimension": {
            "A": {"category": {"index": ["a", "b"]}},
            "B": {"category": {"index": {"x": 0, "y": 1, "z": 2}}}
        },
        "value": [1, 2, 3, 4, 5, 6]
    });
    merge(&mut base, patch);
    base.to_string()
}

fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(&k);
                } else if v.is_object() && b.get(&k).is_some_and(|x| x.is_object()) {
                    merge(b.get_mut(&k).unwrap(), v);
                } else {
                    b.insert(k, v);
                }
            }
        }
        (b, p) => *b = p,
    }
}

fn assert_error(text: &str, path: &str, problem_part: &str) {
    let e = error(text);
    assert_eq!(e.path, path, "wrong path for {e}");
    assert!(e.problem.contains(problem_part), "{e:?} should mention {problem_part:?}");
}

// ---- json-stat.org sample shapes --------------------------------------------------------------------------

#[test]
fn oecd_sample_reads_dimensions_units_hierarchy_notes_and_statuses() {
    let d = dataset(OECD);
    assert_eq!(d.label.as_deref(), Some("Unemployment rate in the OECD countries 2003-2006"));
    assert_eq!(d.updated.as_deref(), Some("2012-11-27"));
    assert_eq!(d.note.len(), 1);
    assert_eq!(d.extension.as_ref().unwrap()["contact"], "EconomicOutlook@oecd.org");
    assert_eq!(d.dimensions.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["concept", "area", "year"]);
    assert_eq!(d.cell_count(), 20);
    // A single category may be given by its label only.
    let concept = &d.dimensions[0];
    assert_eq!(concept.len(), 1);
    assert_eq!(concept.categories[0].id, "UNR");
    assert_eq!(concept.categories[0].label, "unemployment rate");
    let unit = concept.categories[0].unit.as_ref().unwrap();
    assert_eq!(
        (unit.label.as_deref(), unit.decimals, unit.base.as_deref()),
        (Some("percent"), Some(1), Some("per cent"))
    );
    let (_, area) = d.dimension("area").unwrap();
    assert_eq!(area.note.len(), 1);
    let (eu, eu15) = area.category("EU15").unwrap();
    assert_eq!(eu, 3);
    assert_eq!(eu15.children, ["AT", "BE", "DE"]);
    assert_eq!(eu15.parents, ["OECD"]);
    // As in json-stat.org's sample, a country is a child of both EU15 and OECD: a hierarchy is a DAG.
    assert_eq!(area.category("AT").unwrap().1.parents, ["EU15", "OECD"]);
    assert!(area.category("DE").unwrap().1.note[0].starts_with("Germany (code DE)"));
    assert!(area.category("OECD").unwrap().1.parents.is_empty());
    // Without labels, categories are labelled by their ids.
    let (_, year) = d.dimension("year").unwrap();
    assert_eq!(year.categories.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(), ["2003", "2004", "2005", "2006"]);
    assert_eq!(d.value(0), Some(4.3));
    assert_eq!(d.value(d.flat_index(&[0, 2, 2])), Some(11.0));
    assert_eq!(d.value(19), Some(6.1));
    assert_eq!(d.value(20), None);
    assert_eq!(d.status(10), Some("e"));
    assert_eq!(d.status(9), None);
    assert_eq!(d.statuses().map(|(i, _)| i).collect::<Vec<_>>(), [10, 11, 19]);
    assert_eq!((d.time_dimension(), d.geo_dimension(), d.metric_dimension()), (Some(2), Some(1), Some(0)));
    assert_eq!(d.role.geo, ["area"]);
}

#[test]
fn order_sample_is_row_major_with_the_last_dimension_fastest() {
    let d = dataset(ORDER);
    assert_eq!(d.cell_count(), 24);
    for flat in 0..24 {
        assert_eq!(d.value(flat), Some(flat as f64));
        let coords = d.coords(flat);
        assert_eq!(d.flat_index(&coords), flat);
    }
    // A2 B1 C3: 1*8 + 0*4 + 2.
    assert_eq!(d.flat_index(&[1, 0, 2]), 10);
    assert_eq!(d.coords(23), [2, 1, 3]);
    assert_eq!(d.coords(4), [0, 1, 0]);
    assert_eq!(d.dimension("C").unwrap().1.label.as_deref(), Some("C: 4-categories dimension"));
}

#[test]
fn hierarchy_sample_fills_children_and_parents_at_every_level() {
    let d = dataset(HIERARCHY);
    let (_, f) = d.dimension("function").unwrap();
    let parent = |id: &str| f.category(id).unwrap().1.parents.first().cloned();
    assert_eq!(parent("TOTAL"), None);
    assert_eq!(parent("GF01").as_deref(), Some("TOTAL"));
    assert_eq!(parent("GF0203").as_deref(), Some("GF02"));
    assert_eq!(f.category("GF02").unwrap().1.children, ["GF0201", "GF0202", "GF0203"]);
    assert!(f.category("GF0101").unwrap().1.children.is_empty());
    let unit = d.dimensions[0].categories[0].unit.clone().unwrap();
    assert_eq!((unit.symbol.as_deref(), unit.position.as_deref(), unit.decimals), (Some("€"), Some("end"), Some(0)));
    assert_eq!(d.value(7), Some(20.0));
}

#[test]
fn us_gsp_sample_reads_an_object_index_and_units_per_metric() {
    let d = dataset(US_GSP);
    let (m, concept) = d.dimension("concept").unwrap();
    assert_eq!(d.metric_dimension(), Some(m));
    assert_eq!(concept.categories.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["gsp", "pop", "gsppc"]);
    assert_eq!(concept.category("pop").unwrap().1.unit.as_ref().unwrap().decimals, Some(1));
    let (s, _) = d.dimension("state").unwrap();
    let mut coords = vec![0; 3];
    coords[s] = 1; // Alaska
    coords[m] = 2; // per capita
    assert_eq!(d.value(d.flat_index(&coords)), Some(70345.0));
    assert_eq!(d.value(1), Some(4802.7));
}

#[test]
fn sparse_values_and_statuses_may_come_before_the_dimensions() {
    let d = dataset(SPARSE);
    assert_eq!(d.cell_count(), 24);
    assert_eq!(d.value(0), Some(10.0));
    assert_eq!(d.value(5), Some(15.5));
    assert_eq!(d.value(23), Some(-2.0));
    assert_eq!(d.value(1), None);
    assert_eq!(d.value_count(), 3);
    assert_eq!(d.values().filter(Option::is_some).count(), 3);
    assert_eq!((d.status(1), d.status(2), d.status(3)), (Some(".."), Some("."), None));
    assert_eq!(d.dimension("age").unwrap().1.categories[2].id, "Y65+");
}

#[test]
fn dense_sparse_values_become_dense_and_stay_equal() {
    let sparse = small(serde_json::json!({"value": {"0": 1, "1": 2, "2": 3, "3": 4, "4": 5, "5": 6}}));
    assert_eq!(dataset(&sparse), dataset(&small(serde_json::json!({}))));
    // Nulls in a sparse object are missing cells.
    let d = dataset(&small(serde_json::json!({"value": {"0": null, "4": 2.5}})));
    assert_eq!((d.value(0), d.value(4), d.value_count()), (None, Some(2.5), 1));
}

#[test]
fn collection_of_links_has_items_but_no_datasets() {
    let Ok(Response::Collection(c)) = read(COLLECTION.as_bytes()) else { panic!("expected a collection") };
    assert_eq!(c.label.as_deref(), Some("JSON-stat Dataset Sample Collection"));
    assert_eq!(c.updated.as_deref(), Some("2015-12-24"));
    assert_eq!(c.items.len(), 3);
    assert_eq!(c.items[2].class, "collection");
    assert_eq!(c.items[1].href.as_deref(), Some("https://json-stat.org/samples/canada.json"));
    assert!(c.items.iter().all(|i| i.dataset.is_none()));
    let e = read_datasets(COLLECTION.as_bytes()).unwrap_err();
    assert_eq!(e.path, "link.item");
}

#[test]
fn collection_with_embedded_datasets_gives_every_dataset() {
    let datasets = read_datasets(EMBEDDED.as_bytes()).unwrap();
    assert_eq!(datasets.len(), 2);
    assert_eq!(datasets[0].value(3), Some(4.9));
    let canada = &datasets[1];
    assert_eq!(canada.source.as_deref(), Some("Statistics Canada, CANSIM, table 051-0001"));
    assert_eq!(canada.cell_count(), 18);
    let (a, age) = canada.dimension("age").unwrap();
    assert_eq!(a, 2);
    assert_eq!(age.category("0-4").unwrap().1.parents, ["T"]);
    let coords = [0, 0, 1, 1, 2]; // 0-4, percent, female
    assert_eq!(canada.value(canada.flat_index(&coords)), Some(5.3));
}

#[test]
fn dimension_response_reads_categories_labels_and_notes() {
    let Ok(Response::Dimension(d)) = read(DIMENSION.as_bytes()) else { panic!("expected a dimension") };
    assert_eq!(d.label.as_deref(), Some("kjønn"));
    assert_eq!(d.len(), 3);
    assert_eq!(d.category("2").unwrap().1.label, "Kvinner");
    assert_eq!(d.category("1").unwrap().1.parents, ["0"]);
    assert_eq!(d.note, ["Kjønn slik det er registrert i Folkeregisteret."]);
    let e = read_datasets(DIMENSION.as_bytes()).unwrap_err();
    assert_eq!(e.path, "class");
}

#[test]
fn bundle_1x_reads_every_dataset_with_metadata_inside_dimension() {
    let Ok(Response::Bundle(ds)) = read(BUNDLE.as_bytes()) else { panic!("expected a bundle") };
    assert_eq!(ds.len(), 2);
    let (oecd, canada) = (&ds[0], &ds[1]);
    assert_eq!(oecd.id.as_deref(), Some("oecd"));
    assert_eq!(oecd.table_id(), Some("oecd"));
    assert_eq!(oecd.dimensions.iter().map(|d| d.len()).collect::<Vec<_>>(), [1, 2, 2]);
    assert_eq!(oecd.role.time, ["year"]);
    assert_eq!(oecd.time_dimension(), Some(2));
    // Status as an array: one per cell, null for none.
    assert_eq!((oecd.status(0), oecd.status(1), oecd.status(3)), (Some("e"), None, Some("e")));
    // Category notes in 1.x may be plain strings.
    assert_eq!(oecd.dimensions[1].categories[0].note, ["Data for Australia are estimates."]);
    assert_eq!(canada.id.as_deref(), Some("canada"));
    // A note object and a status string for every cell.
    assert_eq!(canada.note, ["Statistics Canada estimates."]);
    assert!((0..3).all(|i| canada.status(i) == Some("a")));
    assert_eq!(canada.status(3), None);
    assert_eq!(canada.metric_dimension(), None);
    assert_eq!(read_datasets(BUNDLE.as_bytes()).unwrap().len(), 2);
}

#[test]
fn ssb_pxwebapi_v2_dataset_reads_table_id_units_statuses_and_labels() {
    let d = dataset(SSB);
    assert_eq!(d.table_id(), Some("07459"));
    assert_eq!(d.id.as_deref(), Some("07459"));
    assert_eq!(d.source.as_deref(), Some("Statistisk sentralbyrå"));
    assert_eq!((d.geo_dimension(), d.metric_dimension(), d.time_dimension()), (Some(0), Some(1), Some(2)));
    let (_, region) = d.dimension("Region").unwrap();
    assert_eq!(region.category("3025").unwrap().1.label, "Asker (2020-2023)");
    assert_eq!(region.extension.as_ref().unwrap()["eliminationValueCode"], "0");
    let unit = d.dimensions[1].categories[0].unit.clone().unwrap();
    assert_eq!((unit.base.as_deref(), unit.decimals), (Some("personer"), Some(0)));
    assert_eq!(d.dimensions[2].label.as_deref(), Some("år"));
    assert_eq!(d.value(0), Some(61523.0));
    assert_eq!((d.value(1), d.status(1)), (None, Some(".")));
    assert_eq!(d.value(8), Some(98412.0));
    assert_eq!(d.status(8), None);
}

#[test]
fn roles_fall_back_to_ssb_dimension_ids() {
    let d = dataset(&small(serde_json::json!({
        "id": ["ContentsCode", "Region", "Tid"], "size": [1, 2, 1],
        "dimension": {"A": null, "B": null,
            "ContentsCode": {"category": {"label": {"Andel": "Andel 80 år og over"}}},
            "Region": {"category": {"index": ["3203", "0301"]}},
            "Tid": {"category": {"index": ["2024"]}}},
        "value": [4.1, 3.9]
    })));
    assert_eq!((d.metric_dimension(), d.geo_dimension(), d.time_dimension()), (Some(0), Some(1), Some(2)));
    assert_eq!(d.table_id(), None);
    let d = dataset(&small(serde_json::json!({})));
    assert_eq!((d.metric_dimension(), d.geo_dimension(), d.time_dimension()), (None, None, None));
}

#[test]
fn ints_floats_exponents_and_big_numbers_are_values() {
    let d = dataset(&small(
        serde_json::json!({"value": [0, -1, 2.5, 1e3, 18446744073709551615u64, -9223372036854775808i64]}),
    ));
    assert_eq!(
        d.values().collect::<Vec<_>>(),
        [Some(0.0), Some(-1.0), Some(2.5), Some(1000.0), Some(1.8446744073709552e19), Some(-9.223372036854776e18)]
    );
}

#[test]
fn unknown_fields_links_errors_and_extensions_are_tolerated() {
    let d = dataset(&small(serde_json::json!({
        "error": [{"status": "418", "label": "ignored"}],
        "link": {"alternate": [{"type": "text/csv", "href": "x.csv"}]},
        "future": {"nested": [1, {"a": null}]},
        "dimension": {"A": {"link": {"describedby": []}, "extension": {"show": "code"}, "category": {"coordinates": {"a": [10.7, 59.9]}}}}
    })));
    assert_eq!(d.cell_count(), 6);
    assert_eq!(d.dimensions[0].extension.as_ref().unwrap()["show"], "code");
}

#[test]
fn status_array_of_one_applies_to_all_cells() {
    let d = dataset(&small(serde_json::json!({"status": ["p"]})));
    assert!((0..6).all(|i| d.status(i) == Some("p")));
}

#[test]
fn norwegian_and_escaped_labels_survive() {
    let d = dataset(&small(serde_json::json!({
        "label": "Klimagassutslipp, etter region, år og statistikkvariabel",
        "dimension": {"A": {"label": "Område \"æøå\"\n", "category": {"label": {"a": "Bærum", "b": "Røyken \u{2013} Hurum"}}}}
    })));
    assert_eq!(d.dimensions[0].label.as_deref(), Some("Område \"æøå\"\n"));
    assert_eq!(d.dimensions[0].categories[1].label, "Røyken – Hurum");
    let raw = r#"{"class":"dataset","id":["A"],"size":[1],"dimension":{"A":{"category":{"label":{"\u00e6":"\u00c6tt \ud83d\ude00"}}}},"value":[1]}"#;
    assert_eq!(dataset(raw).dimensions[0].categories[0].label, "Ætt 😀");
    assert_eq!(dataset(raw).dimensions[0].categories[0].id, "æ");
}

#[test]
fn a_reader_that_hands_out_one_byte_at_a_time_works() {
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }
    let d = match read(Trickle(SSB.as_bytes())).unwrap() {
        Response::Dataset(d) => d,
        _ => panic!(),
    };
    assert_eq!(d, dataset(SSB));
}

#[test]
fn a_failing_reader_is_reported_not_panicked() {
    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let e = read(Broken).unwrap_err();
    assert!(e.problem.contains("could not read") && e.problem.contains("disk on fire"), "{e}");
}

// ---- bad input ------------------------------------------------------------------------------------------

#[test]
fn error_displays_path_then_problem() {
    let e = JsonStatError::new("dimension.Region.category.index", "category \"0220\" appears twice");
    assert_eq!(e.to_string(), "dimension.Region.category.index: category \"0220\" appears twice");
    assert_eq!(JsonStatError::new("", "x").path, "document");
}

#[test]
fn value_count_must_match_the_size_product() {
    assert_error(&small(serde_json::json!({"value": [1, 2, 3, 4, 5]})), "value", "5 values");
    assert_error(&small(serde_json::json!({"value": [1, 2, 3, 4, 5, 6, 7]})), "value", "multiply to 6");
}

#[test]
fn id_and_size_must_pair_up() {
    assert_error(&small(serde_json::json!({"size": [2, 3, 1]})), "size", "3 sizes for 2 dimension ids");
    assert_error(&small(serde_json::json!({"id": ["A", "A"]})), "id[1]", "twice");
}

#[test]
fn sizes_must_match_category_counts() {
    assert_error(&small(serde_json::json!({"size": [2, 4]})), "size[1]", "size of \"B\" is 4, but it has 3 categories");
}

#[test]
fn a_missing_size_is_taken_from_the_categories() {
    assert_eq!(dataset(&small(serde_json::json!({"size": null}))).cell_count(), 6);
}

#[test]
fn dimension_ids_must_be_known_everywhere() {
    assert_error(&small(serde_json::json!({"id": ["A", "C"]})), "dimension.B", "not listed in id");
    assert_error(
        &small(serde_json::json!({"id": ["A", "C"], "dimension": {"B": null}})),
        "dimension.C",
        "listed in id but not described",
    );
    assert_error(&small(serde_json::json!({"role": {"time": ["Tid"]}})), "role.time", "\"Tid\"");
    assert_error(&small(serde_json::json!({"role": {"geo": ["A"], "metric": ["X"]}})), "role.metric", "\"X\"");
}

#[test]
fn category_index_positions_must_be_0_to_n_minus_1() {
    let gap = small(serde_json::json!({"dimension": {"B": {"category": {"index": {"x": 0, "y": 1, "z": 3}}}}}));
    assert_error(&gap, "dimension.B.category.index.z", "position 3 is out of range");
    let dup = small(serde_json::json!({"dimension": {"B": {"category": {"index": {"x": 0, "y": 1, "z": 1}}}}}));
    assert_error(&dup, "dimension.B.category.index.z", "position 1 is given to both \"y\" and \"z\"");
    let neg = small(serde_json::json!({"dimension": {"B": {"category": {"index": {"x": 0, "y": -1, "z": 2}}}}}));
    assert_error(&neg, "dimension.B.category.index.y", "invalid value");
    let twice = small(serde_json::json!({"dimension": {"A": {"category": {"index": ["a", "a"]}}}}));
    assert_error(&twice, "dimension.A.category.index", "\"a\" appears twice");
    let raw_dup =
        r#"{"class":"dataset","id":["A"],"dimension":{"A":{"category":{"index":{"a":0,"a":1}}}},"value":[1,2]}"#;
    assert_error(raw_dup, "dimension.A.category.index", "\"a\" appears twice");
}

#[test]
fn category_parts_must_name_categories_in_the_index() {
    let label = small(serde_json::json!({"dimension": {"A": {"category": {"label": {"q": "Q"}}}}}));
    assert_error(&label, "dimension.A.category.label.q", "not a category");
    let unit = small(serde_json::json!({"dimension": {"A": {"category": {"unit": {"q": {"decimals": 1}}}}}}));
    assert_error(&unit, "dimension.A.category.unit.q", "not a category");
    let child = small(serde_json::json!({"dimension": {"A": {"category": {"child": {"a": ["q"]}}}}}));
    assert_error(&child, "dimension.A.category.child.a", "child \"q\"");
    let own = small(serde_json::json!({"dimension": {"A": {"category": {"child": {"a": ["a"]}}}}}));
    assert_error(&own, "dimension.A.category.child.a", "own child");
    let twice = small(serde_json::json!({"dimension": {"B": {"category": {"child": {"x": ["z", "z"]}}}}}));
    assert_error(&twice, "dimension.B.category.child.x", "listed twice as a child");
    let circle = small(serde_json::json!({"dimension": {"B": {"category": {"child": {"x": ["y"], "y": ["x"]}}}}}));
    assert_error(&circle, "dimension.B.category.child", "its own ancestor");
    let multi =
        small(serde_json::json!({"dimension": {"A": {"category": {"index": null, "label": {"a": "A", "b": "B"}}}}}));
    assert_error(&multi, "dimension.A.category.index", "required when there is more than one category");
    let none = small(serde_json::json!({"dimension": {"A": {"category": {"index": null}}}}));
    assert_error(&none, "dimension.A.category", "neither");
    assert_error(
        &small(serde_json::json!({"dimension": {"A": {"category": null}}})),
        "dimension.A.category",
        "no \"category\"",
    );
}

#[test]
fn wrong_json_types_name_the_path() {
    assert_error(&small(serde_json::json!({"id": 5})), "id", "invalid type");
    assert_error(&small(serde_json::json!({"id": ["A", 5]})), "id", "invalid type");
    assert_error(&small(serde_json::json!({"size": "2"})), "size", "invalid type");
    assert_error(&small(serde_json::json!({"size": [2, 3.5]})), "size", "invalid type");
    assert_error(&small(serde_json::json!({"value": "many"})), "value", "invalid type");
    assert_error(&small(serde_json::json!({"dimension": []})), "dimension", "invalid type");
    assert_error(&small(serde_json::json!({"label": 7})), "label", "invalid type");
    assert_error(&small(serde_json::json!({"role": {"time": "A"}})), "role", "invalid type");
    assert_error(
        &small(serde_json::json!({"dimension": {"A": {"category": {"index": 3}}}})),
        "dimension.A.category.index",
        "invalid type",
    );
    assert_error(
        &small(serde_json::json!({"dimension": {"A": {"category": {"index": ["a", 1]}}}})),
        "dimension.A.category.index[1]",
        "invalid type",
    );
    assert_error(
        &small(serde_json::json!({"dimension": {"A": {"category": {"label": {"a": 1}}}}})),
        "dimension.A.category.label.a",
        "invalid type",
    );
    assert_error(
        &small(serde_json::json!({"dimension": {"A": {"category": {"unit": {"a": {"decimals": "1"}}}}}})),
        "dimension.A.category.unit.a",
        "invalid type",
    );
    assert_error(
        &small(serde_json::json!({"dimension": {"A": {"category": {"unit": {"a": {"decimals": -1}}}}}})),
        "dimension.A.category.unit.a",
        "invalid value",
    );
    assert_error(&small(serde_json::json!({"dimension": {"A": "A"}})), "dimension.A", "invalid type");
    assert_error(&small(serde_json::json!({"status": 3})), "status", "invalid type");
    assert_error(&small(serde_json::json!({"status": {"1": 3}})), "status.1", "invalid type");
    assert_error(&small(serde_json::json!({"class": 2})), "class", "invalid type");
    assert_error(&small(serde_json::json!({"note": [1]})), "note", "invalid type");
    assert_error("[1, 2]", "document", "invalid type");
    assert_error("\"dataset\"", "document", "invalid type");
}

#[test]
fn values_must_be_numbers_or_null() {
    assert_error(&small(serde_json::json!({"value": [1, 2, "..", 4, 5, 6]})), "value[2]", "holds the text \"..\"");
    assert_eq!(error(&small(serde_json::json!({"value": [1, 2, "..", 4, 5, 6]}))).text_value.as_deref(), Some(".."));
    assert_eq!(error(&small(serde_json::json!({"value": [1, 2, 3, true, 5, 6]}))).text_value, None);
    assert_error(&small(serde_json::json!({"value": [1, 2, 3, true, 5, 6]})), "value[3]", "invalid type: boolean");
    assert_error(&small(serde_json::json!({"value": [[1], 2, 3, 4, 5, 6]})), "value[0]", "invalid type");
    assert_error(&small(serde_json::json!({"value": {"4": "x"}})), "value.4", "holds the text \"x\"");
    let d = dataset(&small(serde_json::json!({"value": [null, 2, null, 4, 5, null]})));
    assert_eq!(d.value_count(), 3);
}

#[test]
fn sparse_indexes_must_be_cell_numbers_in_range() {
    assert_error(&small(serde_json::json!({"value": {"6": 1}})), "value.6", "out of range: the dataset has 6 cells");
    assert_error(&small(serde_json::json!({"value": {"-1": 1}})), "value", "\"-1\" is not a cell index");
    assert_error(&small(serde_json::json!({"value": {"1.5": 1}})), "value", "\"1.5\" is not a cell index");
    assert_error(&small(serde_json::json!({"value": {"+1": 1}})), "value", "not a cell index");
    assert_error(&small(serde_json::json!({"value": {"99999999999999999999999": 1}})), "value", "not a cell index");
    assert_error(
        r#"{"class":"dataset","id":["A"],"dimension":{"A":{"category":{"index":["a","b","c","d"]}}},"value":{"1":1,"1":2}}"#,
        "value.1",
        "twice",
    );
    assert_error(&small(serde_json::json!({"status": {"6": "e"}})), "status", "status for cell 6");
    assert_error(&small(serde_json::json!({"status": {"x": "e"}})), "status", "not a cell index");
}

#[test]
fn status_arrays_need_one_per_cell() {
    assert_error(
        &small(serde_json::json!({"status": ["a", "b"]})),
        "status",
        "2 statuses, but the dataset has 6 cells",
    );
    assert_error(&small(serde_json::json!({"status": ["a", "b", 3]})), "status[2]", "invalid type");
}

#[test]
fn an_overflowing_size_product_is_an_error() {
    let huge = small(serde_json::json!({"size": [4294967296u64, 4294967296u64]}));
    assert_error(&huge, "size", "more cells than fit");
}

#[test]
fn missing_parts_are_errors() {
    assert_error(&small(serde_json::json!({"value": null})), "value", "no \"value\"");
    assert_error(&small(serde_json::json!({"dimension": null})), "dimension", "no \"dimension\"");
    assert_error(&small(serde_json::json!({"id": null})), "id", "no \"id\"");
    assert_error(&small(serde_json::json!({"class": "table"})), "class", "\"table\"");
    assert_error("{}", "document", "not a JSON-stat response");
    assert_error(r#"{"version": "2.0", "note": "x"}"#, "document", "not a JSON-stat response");
}

#[test]
fn empty_truncated_and_non_json_input_are_errors() {
    assert_error("", "document", "empty");
    assert_error("   \n", "document", "ends too early");
    assert_error(&SSB[..SSB.len() / 2], &error(&SSB[..SSB.len() / 2]).path, "truncated");
    assert_error("<html>502 Bad Gateway</html>", "document", "not valid JSON");
    assert_error("{\"class\": \"dataset\",}", "document", "not valid JSON");
    assert_error(&format!("{} x", small(serde_json::json!({}))), "document", "after the JSON object");
    assert_error("{\"value\": [1, 2,, 3]}", "value[2]", "not valid JSON");
    assert!(error("\u{feff}{}").problem.contains("not valid JSON"));
    let deep_array = format!("{{\"x\":{}", "[".repeat(10_000));
    assert!(error(&deep_array).problem.contains("truncated"), "{}", error(&deep_array));
    assert!(error(&"{\"x\":".repeat(10_000)).problem.contains("truncated"));
    // Nesting through the parts the reader descends into is bounded by serde_json's recursion limit.
    let deep_items = "{\"link\":{\"item\":[".repeat(10_000);
    assert!(error(&deep_items).problem.contains("recursion limit"), "{}", error(&deep_items));
}

#[test]
fn errors_inside_a_bundle_or_collection_name_the_dataset() {
    let bundle = r#"{"ds1":{"value":[1],"dimension":{"id":["A"],"size":[3],"A":{"category":{"index":["a","b"]}}}}}"#;
    assert_error(bundle, "ds1.dimension.size[0]", "size of \"A\" is 3, but it has 2 categories");
    let bundle = r#"{"ds1":{"value":[1],"dimension":{"id":["A"],"size":[2],"A":{"category":{"index":["a","b"]}}}}}"#;
    assert_error(bundle, "ds1.value", "1 values");
    let collection = r#"{"class":"collection","link":{"item":[{"class":"dataset","label":"ok"},{"class":"dataset","id":["A"],"dimension":{"A":{"category":{"index":["a"]}}},"value":[1,2]}]}}"#;
    assert_error(collection, "link.item[1].value", "2 values");
    let typed = r#"{"class":"collection","link":{"item":[{"class":"dataset"},{"label":5}]}}"#;
    assert_error(typed, "link.item[1].label", "invalid type");
}

#[test]
fn truncating_any_sample_anywhere_gives_an_error_not_a_panic() {
    for sample in SAMPLES {
        for cut in (0..sample.len()).filter(|i| sample.is_char_boundary(*i)) {
            let text = &sample[..cut];
            if text.trim_end().ends_with('}') && serde_json::from_str::<serde_json::Value>(text).is_ok() {
                continue;
            }
            assert!(read(text.as_bytes()).is_err(), "cut at {cut} read fine: {text}");
        }
    }
}

#[test]
fn flipping_bytes_of_samples_never_panics() {
    let mut rng = Lcg(7);
    for sample in SAMPLES {
        for _ in 0..300 {
            let mut bytes = sample.as_bytes().to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] = b"{}[]\",:0-9.enul ax"[rng.below(18)];
            }
            let _ = read(bytes.as_slice());
        }
    }
}

// ---- writing and round trips ----------------------------------------------------------------------------

fn roundtrip(d: &Dataset) -> Dataset {
    let mut out = Vec::new();
    write_dataset(&mut out, d).unwrap();
    let text = String::from_utf8(out).unwrap();
    match read(text.as_bytes()) {
        Ok(Response::Dataset(back)) => back,
        other => panic!("{other:?} from {text}"),
    }
}

#[test]
fn every_sample_dataset_survives_write_then_read() {
    for sample in SAMPLES {
        let datasets = match read(sample.as_bytes()).unwrap() {
            Response::Dataset(d) => vec![d],
            Response::Bundle(ds) => ds,
            Response::Collection(c) => c.items.into_iter().filter_map(|i| i.dataset).collect(),
            Response::Dimension(_) => continue,
        };
        for mut d in datasets {
            if d.extension.is_none() {
                d.id = None; // a bundle key has no place in a 2.0 dataset
            }
            assert_eq!(roundtrip(&d), d);
        }
    }
}

#[test]
fn writer_emits_json_stat_2_with_sparse_statuses() {
    let dims = vec![
        Dimension {
            id: "Region".into(),
            label: Some("region".into()),
            note: vec![],
            categories: vec![Category::new("3203", "Asker"), Category::new("3201", "Bærum")],
            extension: None,
        },
        Dimension {
            id: "Tid".into(),
            label: Some("år".into()),
            note: vec![],
            categories: vec![Category::new("2024", "2024")],
            extension: None,
        },
    ];
    let mut d = Dataset::new(Some("Test".into()), dims, vec![Some(1.0), None], vec![(1, "..".into())]).unwrap();
    d.role.time = vec!["Tid".into()];
    let mut out = Vec::new();
    write_dataset(&mut out, &d).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["version"], "2.0");
    assert_eq!(v["class"], "dataset");
    assert_eq!(v["id"], serde_json::json!(["Region", "Tid"]));
    assert_eq!(v["size"], serde_json::json!([2, 1]));
    assert_eq!(v["role"], serde_json::json!({"time": ["Tid"]}));
    assert_eq!(v["dimension"]["Region"]["category"]["label"]["3201"], "Bærum");
    assert_eq!(v["value"], serde_json::json!([1, null]));
    assert_eq!(v["status"], serde_json::json!({"1": ".."}));
    assert!(v["dimension"]["Region"]["category"].get("unit").is_none());
}

#[test]
fn new_checks_the_value_count_and_statuses() {
    let dim = |id: &str, n: usize| Dimension {
        id: id.into(),
        label: None,
        note: vec![],
        categories: (0..n).map(|i| Category::new(i.to_string(), i.to_string())).collect(),
        extension: None,
    };
    assert_eq!(Dataset::new(None, vec![dim("A", 2), dim("B", 2)], vec![None; 3], vec![]).unwrap_err().path, "value");
    assert!(Dataset::new(None, vec![dim("A", 2)], vec![None; 2], vec![(2, "x".into())]).is_err());
    assert!(Dataset::new(None, vec![dim("A", 2)], vec![None; 2], vec![(1, "x".into()), (1, "y".into())]).is_err());
    assert!(Dataset::new(None, vec![dim("A", 2), dim("A", 1)], vec![None; 2], vec![]).is_err());
    let empty = Dataset::new(None, vec![dim("A", 0), dim("B", 3)], vec![], vec![]).unwrap();
    assert_eq!(empty.cell_count(), 0);
    assert_eq!(roundtrip(&empty), empty);
    let scalar = Dataset::new(None, vec![], vec![Some(42.0)], vec![(0, "p".into())]).unwrap();
    assert_eq!(roundtrip(&scalar).value(0), Some(42.0));
}

/// A tiny deterministic generator for property-style tests.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
    fn text(&mut self) -> String {
        const PARTS: [&str; 10] = ["Asker", "Bærum", "Røyken", "Å", "\"q\"", "\\", "\n", "0220", " ", "😀"];
        (0..1 + self.below(3)).map(|_| PARTS[self.below(PARTS.len())]).collect()
    }
}

fn generated(rng: &mut Lcg) -> Dataset {
    let mut dims = Vec::new();
    for d in 0..rng.below(5) {
        let n = rng.below(6);
        let mut categories: Vec<Category> = (0..n)
            .map(|i| {
                Category::new(format!("c{d}_{i}"), if rng.below(3) == 0 { format!("c{d}_{i}") } else { rng.text() })
            })
            .collect();
        for c in &mut categories {
            if rng.below(4) == 0 {
                c.unit = Some(Unit {
                    label: Some(rng.text()),
                    symbol: (rng.below(2) == 0).then(|| "%".to_string()),
                    position: (rng.below(2) == 0).then(|| "end".to_string()),
                    decimals: (rng.below(2) == 0).then(|| rng.below(4) as u32),
                    base: (rng.below(2) == 0).then(|| "prosent".to_string()),
                });
            }
            if rng.below(5) == 0 {
                c.note = vec![rng.text()];
            }
        }
        if n >= 3 && rng.below(2) == 0 {
            let kids: Vec<String> = categories[1..].iter().map(|c| c.id.clone()).collect();
            for c in &mut categories[1..] {
                c.parents = vec![categories_first_id(d)];
            }
            categories[0].children = kids;
        }
        dims.push(Dimension {
            id: format!("D{d}{}", rng.text()),
            label: (rng.below(2) == 0).then(|| rng.text()),
            note: if rng.below(4) == 0 { vec![rng.text(), rng.text()] } else { vec![] },
            categories,
            extension: (rng.below(4) == 0).then(|| serde_json::json!({"show": "value", "n": rng.below(9)})),
        });
    }
    let cells: usize = dims.iter().map(Dimension::len).product();
    let values = (0..cells)
        .map(|_| match rng.below(5) {
            0 => None,
            1 => Some(rng.below(1000) as f64),
            2 => Some(-(rng.below(1000) as f64) / 7.0),
            3 => Some(rng.next() as f64 * 1e-3),
            _ => Some(f64::from_bits(0x3ff0_0000_0000_0000 | rng.next())),
        })
        .collect();
    let statuses =
        (0..cells).filter(|_| rng.below(4) == 0).map(|i| (i, [".", "..", ":", "e"][i % 4].to_string())).collect();
    let mut d = Dataset::new((rng.below(2) == 0).then(|| rng.text()), dims, values, statuses).unwrap();
    if !d.dimensions.is_empty() && rng.below(2) == 0 {
        d.role.time = vec![d.dimensions[0].id.clone()];
    }
    if d.dimensions.len() > 1 && rng.below(2) == 0 {
        d.role.geo = vec![d.dimensions[1].id.clone()];
        d.role.metric = vec![d.dimensions.last().unwrap().id.clone()];
    }
    d.source = (rng.below(2) == 0).then(|| "Statistisk sentralbyrå".to_string());
    d.updated = (rng.below(2) == 0).then(|| "2025-02-20T07:00:00Z".to_string());
    d.href = (rng.below(3) == 0).then(|| "https://data.ssb.no/api/pxwebapi/v2/tables/07459/data".to_string());
    d.note = if rng.below(3) == 0 { vec![rng.text()] } else { vec![] };
    if rng.below(3) == 0 {
        d.extension = Some(serde_json::json!({"px": {"tableid": format!("{:05}", rng.below(99999))}}));
        d.id = d.table_id().map(str::to_string);
    }
    d
}

fn categories_first_id(d: usize) -> String {
    format!("c{d}_0")
}

#[test]
fn generated_datasets_survive_write_then_read() {
    let mut rng = Lcg(2026);
    for _ in 0..500 {
        let d = generated(&mut rng);
        let back = roundtrip(&d);
        assert_eq!(back, d);
        for flat in 0..d.cell_count() {
            assert_eq!(d.flat_index(&d.coords(flat)), flat);
        }
    }
}

#[test]
fn generated_datasets_read_the_same_with_sparse_values_and_shuffled_keys() {
    let mut rng = Lcg(99);
    for _ in 0..200 {
        let d = generated(&mut rng);
        let mut out = Vec::new();
        write_dataset(&mut out, &d).unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let sparse: serde_json::Map<String, serde_json::Value> =
            d.values().enumerate().filter_map(|(i, x)| x.map(|x| (i.to_string(), serde_json::json!(x)))).collect();
        let obj = v.as_object_mut().unwrap();
        obj.insert("value".into(), serde_json::Value::Object(sparse));
        // Put value and status first: readers must not depend on key order.
        let mut entries: Vec<(String, serde_json::Value)> = std::mem::take(obj).into_iter().collect();
        entries.sort_by_key(|(k, _)| (k != "value", k != "status", rng.below(10)));
        let mut text = String::from("{");
        for (i, (k, val)) in entries.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&serde_json::to_string(k).unwrap());
            text.push(':');
            text.push_str(&val.to_string());
        }
        text.push('}');
        assert!(text.starts_with("{\"value\""));
        assert_eq!(dataset(&text), d);
    }
}
