//! Translations with Fluent: bokmål (default), nynorsk and English, embedded in the binary, one
//! resource per feature and language (`i18n/<lang>/<feature>.ftl`).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::collections::HashMap;
use std::sync::Arc;

/// Declares [`FEATURES`] and `feature_sources!(lang)`, the `[(feature, include_str!(…))]` array of
/// a language, from one list, so the two cannot disagree.
macro_rules! features {
    ($($feature:literal),*) => {
        /// The features with a Fluent resource of their own in `i18n/<lang>/<feature>.ftl`: `core`
        /// holds the page frame, the navigation and the domain's rule messages; each feature's pages
        /// hold the rest. A key defined in two resources is refused when the bundle is built.
        pub const FEATURES: [&str; [$($feature),*].len()] = [$($feature),*];

        macro_rules! feature_sources {
            ($lang:literal) => {
                [$(($feature, include_str!(concat!("../i18n/", $lang, "/", $feature, ".ftl")))),*]
            };
        }
    };
}

features!(
    "core",
    "account",
    "org",
    "people",
    "users",
    "audit",
    "plans",
    "thread",
    "sdg",
    "public",
    "statistics",
    "u4ssc",
    "followup",
    "risk",
    "deviations",
    "control",
    "audits",
    "unitplans",
    "dashboard",
    "agreements",
    "annual_cycle",
    "letters",
    "indicators",
    "economy",
    "programme",
    "lida",
    "reports"
);

/// A supported UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Norsk bokmål.
    #[default]
    Nb,
    /// Norsk nynorsk.
    Nn,
    /// English.
    En,
}

impl Lang {
    /// All languages, default first.
    pub const ALL: [Lang; 3] = [Lang::Nb, Lang::Nn, Lang::En];

    /// BCP 47 code used in `lang` attributes, cookies and the database.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::Nn => "nn",
            Lang::En => "en",
        }
    }

    /// Parses a code; unknown codes give `None`.
    pub fn parse(code: &str) -> Option<Lang> {
        Self::ALL.into_iter().find(|l| l.code() == code.trim())
    }

    /// Picks a text of a reference catalogue published in bokmål and English only (the UN's SDG
    /// goals, targets and indicators, the U4SSC KPIs): English in English, otherwise bokmål, so
    /// nynorsk readers get the bokmål edition, as no nynorsk edition exists; English also where the
    /// bokmål text is missing. The one place this is decided: the UI's own text is Fluent.
    pub fn catalogue<'a>(self, nb: &'a str, en: &'a str) -> &'a str {
        if self == Lang::En || nb.is_empty() { en } else { nb }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Nb => "Norsk bokmål",
            Lang::Nn => "Norsk nynorsk",
            Lang::En => "English",
        }
    }

    /// The Fluent resources of this language, one per feature: `(feature, source)`.
    pub fn sources(self) -> [(&'static str, &'static str); FEATURES.len()] {
        match self {
            Lang::Nb => feature_sources!("nb"),
            Lang::Nn => feature_sources!("nn"),
            Lang::En => feature_sources!("en"),
        }
    }
}

/// All translation bundles.
pub struct I18n {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("I18n")
    }
}

impl I18n {
    /// Parses the embedded Fluent files; a syntax error is a build bug and is reported as such.
    pub fn load() -> Result<Self, String> {
        let mut bundles = HashMap::new();
        for lang in Lang::ALL {
            let langid = lang.code().parse().map_err(|e| format!("{e:?}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            bundle.set_use_isolating(false);
            for (feature, source) in lang.sources() {
                let file = format!("{}/{feature}.ftl", lang.code());
                let resource =
                    FluentResource::try_new(source.to_owned()).map_err(|(_, errs)| format!("{file}: {errs:?}"))?;
                bundle.add_resource(resource).map_err(|errs| format!("{file}: {errs:?}"))?;
            }
            bundles.insert(lang, bundle);
        }
        Ok(Self { bundles })
    }

    /// Translates `key` with named arguments; a missing key shows the key itself (and the i18n test fails).
    pub fn format(&self, lang: Lang, key: &str, args: &[(&str, String)]) -> String {
        let Some(bundle) = self.bundles.get(&lang) else { return key.to_owned() };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut fargs = FluentArgs::new();
        for (name, value) in args {
            fargs.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, Some(&fargs), &mut errors).into_owned()
    }

    /// Whether `key` exists in `lang`.
    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundles.get(&lang).is_some_and(|b| b.has_message(key))
    }
}

/// A translator bound to one request's language.
#[derive(Clone, Debug)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
    i18n: Arc<I18n>,
}

impl Tr {
    /// Binds `i18n` to `lang`.
    pub fn new(i18n: Arc<I18n>, lang: Lang) -> Self {
        Self { lang, i18n }
    }

    /// Translates a message without arguments.
    pub fn t(&self, key: &str) -> String {
        self.i18n.format(self.lang, key, &[])
    }

    /// Translates a message with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl ToString) -> String {
        self.i18n.format(self.lang, key, &[(name, value.to_string())])
    }

    /// Translates a message with named arguments.
    pub fn tn(&self, key: &str, args: &[(&str, String)]) -> String {
        self.i18n.format(self.lang, key, args)
    }

    /// Translates a rule error with its arguments.
    pub fn rule(&self, err: &rodtrad_domain::RuleError) -> String {
        let args: Vec<(&str, String)> = err.args.iter().map(|(k, v)| (*k, v.clone())).collect();
        self.i18n.format(self.lang, err.key, &args)
    }

    /// A reference catalogue's text in this language, see [`Lang::catalogue`].
    pub fn catalogue<'a>(&self, nb: &'a str, en: &'a str) -> &'a str {
        self.lang.catalogue(nb, en)
    }

    /// A date (or the day of a timestamp) in this language's convention, see [`crate::dates`].
    pub fn date(&self, value: impl crate::dates::Displayable) -> String {
        value.show_date(self.lang)
    }

    /// A date and time in this language's convention, in Norwegian time, see [`crate::dates`].
    pub fn datetime(&self, value: impl crate::dates::Displayable) -> String {
        value.show_datetime(self.lang)
    }

    /// The language code for `lang` attributes.
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

/// Every message key defined in a Fluent source.
pub fn message_keys(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .collect()
}
