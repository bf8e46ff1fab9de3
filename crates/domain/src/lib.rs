//! Pure domain types and rules for Rødtråd. No I/O, no async.
//!
//! Errors carry message keys (resolved by the web layer's i18n) so a rule's
//! message reads the same in bokmål, nynorsk and English.

pub mod access;
pub mod agreements;
pub mod annual_cycle;
pub mod dashboard;
pub mod deviations;
pub mod economy;
pub mod followup;
pub mod indicators;
pub mod letters;
pub mod lida;
pub mod municipality;
pub mod norwegian_time;
pub mod org;
pub mod plan;
pub mod programme;
pub mod query;
pub mod regions;
pub mod reports;
pub mod risk;
pub mod sdg;
pub mod text;
pub mod thread;
pub mod throttle;
pub mod u4ssc;
pub mod unit_plans;

pub use access::{Actor, Role};
pub use municipality::Kommunenummer;
pub use org::{AuthorityLevel, LeaderLevel, OrgUnitKind};
pub use text::{Email, Name};

/// A broken rule, as a message key plus named arguments for the translator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}")]
pub struct RuleError {
    /// Fluent message id, e.g. `err-name-empty`.
    pub key: &'static str,
    /// Named arguments for the message.
    pub args: Vec<(&'static str, String)>,
    /// The input field the rule is about, when there is one (`deadline`, `sdg_targets`): the page
    /// shows the message beside that field and the API names it, with no table mapping keys back.
    pub field: Option<&'static str>,
}

impl RuleError {
    /// A rule error without arguments.
    pub fn new(key: &'static str) -> Self {
        Self { key, args: Vec::new(), field: None }
    }

    /// Names the input field the error is about.
    pub fn on(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    /// Adds a named argument.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}
