//! Use cases, read models and background work: the layer between the web handlers (and the command
//! line) and the store. A use case here authorises, applies the domain rules, writes in one store
//! transaction and leaves the audit rows to the store; a read model assembles what several store
//! reads give into what a page, an API route or a report shows; background work runs as durable
//! jobs ([`jobs`]). Nothing here knows HTTP or HTML, so the web crate, the CLI and the benchmarks
//! call the same code.

pub mod agreements;
pub mod annual_cycle;
pub mod audits;
pub mod dashboard;
pub mod deviations;
pub mod economy;
pub mod followup;
pub mod indicators;
pub mod internal_control;
pub mod jobs;
pub mod letters;
pub mod lida;
pub mod mail;
pub mod notify;
pub mod plans;
pub mod programme;
pub mod reports;
pub mod risk;
pub mod stat_import;
pub mod statistics;
pub mod unit_plans;

use rodtrad_store::StoreError;

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller may not do this.
    #[error("forbidden")]
    Forbidden,
    /// A rule about the caller refused it (the message key names the rule).
    #[error("rule: {0:?}")]
    Rule(rodtrad_domain::RuleError),
    /// The store refused or failed (not found, stale version, a rule, the database).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A document could not be made (a template or writer failed: a bug, not the caller's input).
    #[error("internal: {0}")]
    Internal(String),
}

impl From<rodtrad_domain::RuleError> for ServiceError {
    fn from(e: rodtrad_domain::RuleError) -> Self {
        ServiceError::Rule(e)
    }
}
