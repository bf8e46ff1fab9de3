//! Shared application state and web configuration.

use crate::i18n::I18n;
use rodtrad_store::Db;
use rodtrad_store::password::HashCost;
use std::sync::Arc;

/// Settings the web layer needs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over https).
    pub secure_cookies: bool,
    /// Session lifetime since last use, in minutes.
    pub session_minutes: i64,
    /// argon2 cost for new password hashes.
    pub hash_cost: HashCost,
    /// Failed logins per account within the window before refusing.
    pub max_failures_per_account: i64,
    /// Failed logins per IP address within the window before refusing.
    pub max_failures_per_ip: i64,
    /// Throttling window in minutes.
    pub throttle_minutes: i64,
    /// Trust `X-Forwarded-For` from a reverse proxy for the client address.
    pub trust_proxy: bool,
    /// Show the demo logins on the login page.
    pub show_demo_logins: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_minutes: 8 * 60,
            hash_cost: HashCost::default(),
            max_failures_per_account: 5,
            max_failures_per_ip: 30,
            throttle_minutes: 15,
            trust_proxy: false,
            show_demo_logins: false,
        }
    }
}

/// Everything a handler may use.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Web settings.
    pub config: Arc<WebConfig>,
    /// Translations.
    pub i18n: Arc<I18n>,
}

impl AppState {
    /// Builds the state; fails only if the embedded translations do not parse.
    pub fn new(db: Db, config: WebConfig) -> Result<Self, String> {
        Ok(Self { db, config: Arc::new(config), i18n: Arc::new(I18n::load()?) })
    }
}
