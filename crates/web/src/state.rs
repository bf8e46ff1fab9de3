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

/// Values computed from the database, by owner id (municipality or account), each with the key it
/// was computed at: the generations or versions its inputs raise in the same transaction as they
/// change. A value is used only while its key is current, so several application processes sharing
/// one database stay correct.
#[derive(Debug)]
pub struct KeyedCache<K, V>(Mutex<HashMap<i64, (K, Arc<V>)>>);

impl<K, V> Default for KeyedCache<K, V> {
    fn default() -> Self {
        Self(Mutex::default())
    }
}

impl<K: PartialEq + Clone, V> KeyedCache<K, V> {
    /// The value of `id` computed at `key`, or `load`'s, stored for the next caller. The key must be
    /// read before the value's inputs, so a stored value is never older than its key.
    pub async fn get_or_load<E, F>(&self, id: i64, key: K, load: F) -> Result<Arc<V>, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        if let Some((cached, value)) = self.0.lock().ok().and_then(|m| m.get(&id).cloned())
            && cached == key
        {
            return Ok(value);
        }
        let value = Arc::new(load.await?);
        if let Ok(mut map) = self.0.lock() {
            map.insert(id, (key, value.clone()));
        }
        Ok(value)
    }
}

tokio::task_local! {
    /// The signed-in municipality and its (organisation, plan) generations, read with the session
    /// when a GET request began. Such a request writes nothing that changes them, so its caches are
    /// checked against these instead of reading the generations again for every tree and thread.
    static REQUEST_GENERATIONS: (i64, (i64, i64));
}

/// Runs `f` with the generations a read-only request began at.
pub async fn with_request_generations<F: std::future::Future>(
    municipality_id: i64,
    generations: (i64, i64),
    f: F,
) -> F::Output {
    REQUEST_GENERATIONS.scope((municipality_id, generations), f).await
}

fn request_generations(municipality_id: i64) -> Option<(i64, i64)> {
    REQUEST_GENERATIONS.try_with(|(m, g)| (*m == municipality_id).then_some(*g)).ok().flatten()
}

/// A municipality's custom names of goal-structure levels: `(kind, lang, label)`.
pub type LevelNames = Vec<(String, String, String)>;

/// Everything a handler may use.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Web settings.
    pub config: Arc<WebConfig>,
    /// Translations.
    pub i18n: Arc<I18n>,
    /// Organisation trees by municipality, at the organisation generation.
    org_trees: Arc<KeyedCache<i64, OrgTree>>,
    /// Red-thread data by municipality, at the (organisation, plan) generations.
    threads: Arc<KeyedCache<(i64, i64), crate::thread::ThreadData>>,
    /// Custom names of goal-structure levels by municipality, at the plan generation.
    labels: Arc<KeyedCache<i64, LevelNames>>,
    /// Actors (roles and unit scope) by account, at (account version, organisation generation, day).
    actors: Arc<KeyedCache<(i64, i64, chrono::NaiveDate), rodtrad_domain::Actor>>,
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
            labels: Arc::default(),
            actors: Arc::default(),
        })
    }

    /// The municipality's (organisation, plan) generations: those read with the session when this is
    /// a read-only request, otherwise read now.
    async fn generations(&self, municipality_id: i64) -> AppResult<(i64, i64)> {
        match request_generations(municipality_id) {
            Some(g) => Ok(g),
            None => Ok(self.db.generations(municipality_id).await?),
        }
    }

    /// The account's actor, loaded again only when its account version, its municipality's
    /// organisation generation or the day has changed since: roles change the account version, and
    /// units, leaders, people and delegations the organisation generation, in the same transaction.
    /// The principal was read in one statement, so its version and generation belong together;
    /// several application processes sharing one database stay correct.
    pub async fn actor(
        &self,
        principal: &rodtrad_store::users::Principal,
        today: chrono::NaiveDate,
    ) -> AppResult<Arc<rodtrad_domain::Actor>> {
        let key = (principal.user_version, principal.org_generation, today);
        Ok(self.actors.get_or_load(principal.user.id, key, self.db.actor(&principal.user, today)).await?)
    }

    /// The municipality's red thread, recomputed only when its organisation or plans changed.
    /// Generations are read before the data, as for the organisation tree.
    pub async fn thread_data(&self, municipality_id: i64) -> AppResult<Arc<crate::thread::ThreadData>> {
        let generations = self.generations(municipality_id).await?;
        self.threads
            .get_or_load(municipality_id, generations, crate::thread::ThreadData::load(self, municipality_id))
            .await
    }

    /// The municipality's custom names of goal-structure levels `(kind, lang, label)`, read again
    /// only when its plan generation has changed (saving them raises it).
    pub async fn element_labels(&self, municipality_id: i64) -> AppResult<Arc<LevelNames>> {
        let generation = self.generations(municipality_id).await?.1;
        Ok(self.labels.get_or_load(municipality_id, generation, self.db.element_labels(municipality_id)).await?)
    }

    /// The municipality's organisation tree, reloaded only when its generation has changed.
    ///
    /// The generation is read before the tree, so a cached tree is never older than its generation;
    /// several application processes sharing one database stay correct.
    pub async fn org_tree(&self, municipality_id: i64) -> AppResult<Arc<OrgTree>> {
        let generation = self.generations(municipality_id).await?.0;
        Ok(self.org_trees.get_or_load(municipality_id, generation, self.db.org_tree(municipality_id)).await?)
    }
}
