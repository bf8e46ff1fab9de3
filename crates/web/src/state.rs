//! Shared application state and web configuration.

use crate::error::AppResult;
use crate::i18n::I18n;
use rodtrad_domain::throttle::Throttle;
use rodtrad_store::Db;
use rodtrad_store::org::OrgTree;
use rodtrad_store::password::HashCost;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;

/// Settings the web layer needs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over https).
    pub secure_cookies: bool,
    /// Session lifetime since last use, in minutes.
    pub session_minutes: i64,
    /// argon2 cost for new password hashes.
    pub hash_cost: HashCost,
    /// Login delays per account, counting devices that never signed in to it; also used per device.
    pub account_throttle: Throttle,
    /// Login delays per source address.
    pub address_throttle: Throttle,
    /// Trust `X-Forwarded-For` from a reverse proxy for the client address.
    pub trust_proxy: bool,
    /// Show the demo logins on the login page.
    pub show_demo_logins: bool,
    /// How long a request may take before it is answered with 408.
    pub request_timeout: std::time::Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_minutes: 8 * 60,
            hash_cost: HashCost::default(),
            account_throttle: Throttle::ACCOUNT,
            address_throttle: Throttle::ADDRESS,
            trust_proxy: false,
            show_demo_logins: false,
            request_timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// An organisation tree and the generation it was read at.
type CachedTree = (i64, Arc<OrgTree>);

/// The red thread and the (organisation, plan) generations it was computed at.
type CachedThread = ((i64, i64), Arc<crate::thread::ThreadData>);

/// Everything a handler may use.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Web settings.
    pub config: Arc<WebConfig>,
    /// Translations.
    pub i18n: Arc<I18n>,
    /// Organisation trees by municipality, with the generation they were read at.
    org_trees: Arc<Mutex<HashMap<i64, CachedTree>>>,
    /// Red-thread data by municipality.
    threads: Arc<Mutex<HashMap<i64, CachedThread>>>,
    /// The runner of background jobs in this process, with the progress of the imports it runs.
    pub jobs: rodtrad_service::jobs::Runner,
    /// What a login for an unknown account verifies against, made once at the configured cost.
    pub dummy_hash: Arc<rodtrad_store::password::DummyHash>,
    /// The key signing device cookies, read from the database at the first login.
    pub device_key: Arc<std::sync::OnceLock<String>>,
}

impl AppState {
    /// Builds the state; fails only if the embedded translations do not parse.
    pub fn new(db: Db, config: WebConfig) -> Result<Self, String> {
        Ok(Self {
            jobs: rodtrad_service::jobs::Runner::new(db.clone()),
            db,
            dummy_hash: Arc::new(rodtrad_store::password::DummyHash::new(config.hash_cost)),
            device_key: Arc::default(),
            config: Arc::new(config),
            i18n: Arc::new(I18n::load()?),
            org_trees: Arc::default(),
            threads: Arc::default(),
        })
    }

    /// The municipality's red thread, recomputed only when its organisation or plans changed.
    /// Generations are read before the data, as for the organisation tree.
    pub async fn thread_data(&self, municipality_id: i64) -> AppResult<Arc<crate::thread::ThreadData>> {
        let generations = self.db.generations(municipality_id).await?;
        if let Some((cached, data)) = self.threads.lock().ok().and_then(|m| m.get(&municipality_id).cloned())
            && cached == generations
        {
            return Ok(data);
        }
        let data = Arc::new(crate::thread::ThreadData::load(self, municipality_id).await?);
        if let Ok(mut threads) = self.threads.lock() {
            threads.insert(municipality_id, (generations, data.clone()));
        }
        Ok(data)
    }

    /// The municipality's organisation tree, reloaded only when its generation has changed.
    ///
    /// The generation is read before the tree, so a cached tree is never older than its generation;
    /// several application processes sharing one database stay correct.
    pub async fn org_tree(&self, municipality_id: i64) -> AppResult<Arc<OrgTree>> {
        let generation = self.db.org_generation(municipality_id).await?;
        if let Some((cached, tree)) = self.org_trees.lock().ok().and_then(|m| m.get(&municipality_id).cloned())
            && cached == generation
        {
            return Ok(tree);
        }
        let tree = Arc::new(self.db.org_tree(municipality_id).await?);
        if let Ok(mut trees) = self.org_trees.lock() {
            trees.insert(municipality_id, (generation, tree.clone()));
        }
        Ok(tree)
    }
}
