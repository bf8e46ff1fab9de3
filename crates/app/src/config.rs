//! Typed configuration: defaults, then `rodtrad.toml` (or the file named by `RODTRAD_CONFIG`),
//! then `RODTRAD_*` environment variables.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use rodtrad_store::password::HashCost;
use rodtrad_web::WebConfig;
use serde::{Deserialize, Serialize};

/// Everything the binary can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// `sqlite://rodtrad.db` (default) or `postgres://user@host/db`.
    pub database_url: String,
    /// Address to listen on.
    pub listen: String,
    /// Public URL when behind a proxy, e.g. `https://styring.kommune.no`; https turns on secure cookies.
    pub public_url: Option<String>,
    /// Session lifetime since last use, in minutes.
    pub session_minutes: i64,
    /// Trust `X-Forwarded-For` (only behind a reverse proxy you control).
    pub trust_proxy: bool,
    /// `text` or `json` logs.
    pub log_format: String,
    /// argon2 memory cost in KiB.
    pub argon_memory_kib: u32,
    /// argon2 iterations.
    pub argon_iterations: u32,
    /// Saved statistics queries fetched from a PxWebApi on a schedule (`[[stats_fetch]]` tables).
    #[serde(default)]
    pub stats_fetch: Vec<rodtrad_service::stat_import::FetchSpec>,
    /// SMTP server for the e-mail digests (`[smtp]`: host, port, from, tls = "none" | "starttls" |
    /// "tls", optional username and password); without it no e-mail is sent.
    #[serde(default)]
    pub smtp: Option<rodtrad_service::mail::SmtpConfig>,
    /// Norwegian hour of the day from which the day's digests are sent.
    pub digest_hour: u32,
}

impl Default for Config {
    fn default() -> Self {
        let cost = HashCost::default();
        Self {
            database_url: "sqlite://rodtrad.db".into(),
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            session_minutes: 8 * 60,
            trust_proxy: false,
            log_format: "text".into(),
            argon_memory_kib: cost.memory_kib,
            argon_iterations: cost.iterations,
            stats_fetch: Vec::new(),
            smtp: None,
            digest_hour: 7,
        }
    }
}

impl Config {
    /// Loads the configuration.
    pub fn load() -> Result<Self, Box<figment::Error>> {
        let file = std::env::var("RODTRAD_CONFIG").unwrap_or_else(|_| "rodtrad.toml".into());
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            // `RODTRAD_SMTP__HOST` sets `smtp.host`.
            .merge(Env::prefixed("RODTRAD_").ignore(&["config"]).split("__"))
            .extract()
            .map_err(Box::new)
    }

    /// argon2 cost for new hashes.
    pub fn hash_cost(&self) -> HashCost {
        HashCost { memory_kib: self.argon_memory_kib, iterations: self.argon_iterations }
    }

    /// The address links in e-mails point to: the public URL, or the listening address.
    pub fn base_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// Settings for the web layer.
    pub fn web(&self, show_demo_logins: bool) -> WebConfig {
        WebConfig {
            secure_cookies: self.public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
            session_minutes: self.session_minutes,
            hash_cost: self.hash_cost(),
            trust_proxy: self.trust_proxy,
            show_demo_logins,
            ..WebConfig::default()
        }
    }
}
