//! Translations: every key in every language, every key used, language switching.

use crate::both;
use crate::harness::TestApp;
use rodtrad_web::i18n::{FEATURES, I18n, Lang, message_keys};
use std::collections::BTreeSet;
use std::path::Path;

fn sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs" || e == "html")
            && !path.to_string_lossy().contains("/tests/")
        {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// Every key of a language, over all its feature resources.
fn keys_of(lang: Lang) -> BTreeSet<String> {
    lang.sources().iter().flat_map(|(_, source)| message_keys(source)).collect()
}

#[test]
fn every_feature_resource_has_the_same_keys_in_every_language() {
    for (i, feature) in FEATURES.iter().enumerate() {
        let per_lang: Vec<Vec<String>> = Lang::ALL.iter().map(|l| message_keys(l.sources()[i].1)).collect();
        assert_eq!(Lang::ALL.map(|l| l.sources()[i].0), [*feature; 3]);
        assert!(!per_lang[0].is_empty(), "{feature}.ftl is empty");
        for (lang, keys) in Lang::ALL.iter().zip(&per_lang) {
            assert_eq!(keys, &per_lang[0], "{}/{feature}.ftl differs from nb/{feature}.ftl", lang.code());
        }
    }
    // A key lives in one feature's resource only.
    let mut seen = BTreeSet::new();
    for (feature, source) in Lang::Nb.sources() {
        for key in message_keys(source) {
            assert!(seen.insert(key.clone()), "{key} is defined twice (again in {feature}.ftl)");
        }
    }
}

#[test]
fn every_language_has_every_key_and_every_key_is_used() {
    let keys: Vec<BTreeSet<String>> = Lang::ALL.iter().map(|l| keys_of(*l)).collect();
    let all: BTreeSet<String> = keys.iter().flatten().cloned().collect();
    for (lang, set) in Lang::ALL.iter().zip(&keys) {
        let missing: Vec<&String> = all.difference(set).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
    }
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut code = String::new();
    sources(crates, &mut code);
    let unused: Vec<&String> = all.iter().filter(|k| !code.contains(&format!("\"{k}\""))).collect();
    assert!(unused.is_empty(), "keys defined but never used: {unused:?}");
    // And every literal key the code asks for exists.
    let i18n = I18n::load().unwrap();
    for key in ["err-not-found", "err-conflict", "kind-unit", "role-auditor"] {
        assert!(Lang::ALL.iter().all(|l| i18n.has(*l, key)));
    }
}

#[test]
fn keys_used_in_code_exist() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut code = String::new();
    sources(crates, &mut code);
    let defined = keys_of(Lang::Nb);
    // Keys are string literals passed to t(), t1(), RuleError::new() or ErrorPage.
    let mut missing = BTreeSet::new();
    for marker in [".t(\"", ".t1(\"", "RuleError::new(\""] {
        for piece in code.split(marker).skip(1) {
            let key = piece.split('"').next().unwrap();
            if key.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
                && key.contains('-')
                && !defined.contains(key)
            {
                missing.insert(key.to_owned());
            }
        }
    }
    assert!(missing.is_empty(), "keys used but not defined: {missing:?}");
}

both!(language_switch_applies_everywhere, |t: TestApp| async move {
    let mut c = t.login("lederx").await;
    c.get("/org").await.expect(200).contains("<html lang=\"nb\">").contains("Organisasjon");
    c.post("/language", &[("lang", "nn"), ("next", "/org")]).await.expect(303);
    c.get("/org").await.expect(200).contains("<html lang=\"nn\">").contains("Vis nedlagde einingar");
    c.post("/language", &[("lang", "en"), ("next", "/")]).await.expect(303);
    c.get("/finnes-ikke").await.expect(404).contains("The page does not exist");
    let res = c
        .post(&format!("/org/{}", t.fx.unit_x), &[("name", ""), ("valid_from", "2020-01-01"), ("version", "1")])
        .await
        .expect(422);
    res.contains("The name cannot be empty.");
    // The choice is stored on the account: a new session keeps it.
    let mut again = t.login("lederx").await;
    again.get("/").await.contains("Welcome, lederx");
    c.post("/language", &[("lang", "klingon"), ("next", "/")]).await.expect(422).contains("Unknown language.");
    // Anonymous visitors get a cookie, and Accept-Language is honoured.
    let mut anon = t.client();
    anon.post("/language", &[("lang", "en"), ("next", "/login")]).await.expect(303);
    anon.get("/login").await.contains("Log in");
    let mut browser = t.client();
    let res = browser.send(axum::http::Method::GET, "/login", None, &[("accept-language", "nn-NO,nn;q=0.9")]).await;
    res.contains("<html lang=\"nn\">");
});
