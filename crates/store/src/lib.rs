//! The database: one [`Db`] over SQLite (embedded default) or PostgreSQL (production),
//! migrations per database, one repository module per aggregate, and the audit log
//! written in the same transaction as every change.
//!
//! SQL is written once with `$n` placeholders, which both SQLite and PostgreSQL accept,
//! and [`on_db!`] compiles each query body once per backend.

pub mod agreements;
pub mod annual_cycle;
pub mod audit;
pub mod audits;
pub mod backup;
pub mod dashboard;
pub mod demo;
pub mod demo_agreements;
pub mod demo_annual_cycle;
pub mod demo_audits;
pub mod demo_control;
pub mod demo_deviations;
pub mod demo_economy;
pub mod demo_indicators;
pub mod demo_letters;
pub mod demo_lida;
pub mod demo_plans;
pub mod demo_programme;
pub mod demo_risk;
pub mod demo_status;
pub mod demo_unitplans;
pub mod deviations;
pub mod economy;
pub mod followup;
pub mod indicators;
pub mod internal_control;
pub mod jobs;
pub mod letters;
pub mod lida;
pub mod notifications;
pub mod org;
pub mod password;
pub mod people;
pub mod plans;
pub mod programme;
pub mod reports;
pub mod risk;
pub mod statistics;
pub mod u4ssc;
pub mod unit_plans;
pub mod users;

use chrono::{DateTime, SubsecRound, Utc};
use rodtrad_domain::RuleError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// Runs `$body` with `$pool` bound to the concrete pool of whichever backend `$db` is.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool, _) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the open connection of a [`Tx`] (`&mut SqliteConnection` or
/// `&mut PgConnection`), so that repository functions can compose in one caller's transaction.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $conn: &mut sqlx::SqliteConnection = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $conn: &mut sqlx::PgConnection = &mut **t;
                $body
            }
        }
    };
}

/// An open transaction on either backend. Repository functions that take `&mut Tx` read and write
/// inside the caller's transaction, so that a use case checks its rules on what it is about to
/// change and commits everything, audit rows included, at once. Dropping it rolls back.
#[derive(Debug)]
pub enum Tx {
    /// A SQLite transaction holding the database's write lock and this process's write gate.
    Sqlite(SqliteTx),
    /// A PostgreSQL transaction.
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.tx.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// A SQLite write transaction: begun with `BEGIN IMMEDIATE` (the database's write lock is taken at
/// once, so what the use case reads is what it writes on) while holding the process's write gate.
/// SQLite has one writer at a time; without the gate, writers that find the lock taken wait in
/// SQLite's busy handler, which sleeps 1, 2, 5, 10… ms between tries, and a few dozen concurrent
/// writers spend most of their time asleep. The gate queues them in order instead. (Other
/// processes on the same file, such as a command-line import, still meet the busy handler.)
#[derive(Debug)]
pub struct SqliteTx {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _gate: tokio::sync::OwnedMutexGuard<()>,
}

impl std::ops::Deref for SqliteTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// This process's write gate for one SQLite database: see [`SqliteTx`].
#[derive(Clone, Debug, Default)]
pub struct WriteGate(std::sync::Arc<tokio::sync::Mutex<()>>);

/// How long a writer waits for the gate before it gives up, as SQLite's own busy timeout.
const WRITE_GATE_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection pool to one of the supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    /// Embedded SQLite file in WAL mode, with the process's write gate.
    Sqlite(SqlitePool, WriteGate),
    /// PostgreSQL server; several app processes may share it.
    Postgres(PgPool),
}

/// What went wrong in the store, in terms a handler can turn into a status code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist in the caller's municipality.
    #[error("not found")]
    NotFound,
    /// The row changed since the caller read it (optimistic locking).
    #[error("stale version")]
    Conflict,
    /// A domain rule refused the change.
    #[error("rule: {0}")]
    Rule(#[from] RuleError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Reading or writing a file failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// Maps a unique-constraint violation to a rule error with `key`, leaving other errors as they are.
    pub fn unique_as(self, key: &'static str) -> Self {
        match &self {
            StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                StoreError::Rule(RuleError::new(key))
            }
            _ => self,
        }
    }
}

/// Result alias for the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The current time at whole seconds, so SQLite's text timestamps sort correctly.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// Bumps the municipality's organisation generation inside a transaction.
#[macro_export]
macro_rules! bump_org_generation {
    ($tx:expr, $municipality_id:expr) => {
        sqlx::query("UPDATE municipalities SET org_generation = org_generation + 1 WHERE id = $1")
            .bind($municipality_id)
            .execute(&mut *$tx)
            .await?;
    };
}

/// Bumps the municipality's plan generation inside a transaction.
#[macro_export]
macro_rules! bump_plan_generation {
    ($tx:expr, $municipality_id:expr) => {
        sqlx::query("UPDATE municipalities SET plan_generation = plan_generation + 1 WHERE id = $1")
            .bind($municipality_id)
            .execute(&mut *$tx)
            .await?;
    };
}

/// Who makes a change: written into the audit log with it.
#[derive(Debug, Clone)]
pub struct Author {
    /// The municipality the change belongs to.
    pub municipality_id: i64,
    /// The user account, or `None` for the system (demo loader, CLI).
    pub user_id: Option<i64>,
    /// Display name at the time of the change.
    pub name: String,
}

impl Db {
    /// Connects to `url`: `sqlite://path` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            Self::connect_postgres(options).await
        } else {
            let options = SqliteConnectOptions::from_str(url)?;
            Self::connect_sqlite(options).await
        }
    }

    /// Connects for loading many small transactions that can be loaded again, such as the demo
    /// municipality: on PostgreSQL a commit returns before its WAL record is flushed
    /// (`synchronous_commit = off`), so thousands of commits do not each wait for the disk. A crash
    /// can lose the last commits, never corrupt the database; the rest of the application keeps
    /// every commit on disk before it answers. On SQLite this is [`Db::connect`]: in WAL mode with
    /// `synchronous = NORMAL` a commit does not wait for the disk already.
    pub async fn connect_for_bulk_load(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?.options([("synchronous_commit", "off")]);
            Self::connect_postgres(options).await
        } else {
            Self::connect(url).await
        }
    }

    /// Connects to SQLite with WAL, foreign keys and a busy timeout.
    pub async fn connect_sqlite(options: SqliteConnectOptions) -> Result<Self> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        Ok(Db::Sqlite(pool, WriteGate::default()))
    }

    /// Connects to PostgreSQL.
    pub async fn connect_postgres(options: PgConnectOptions) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Db::Postgres(pool))
    }

    /// Opens a transaction for a use case that writes. On SQLite it holds the write lock from the
    /// start (see [`SqliteTx`]); on PostgreSQL a use case that must see the latest committed state
    /// locks what its rule depends on (see [`crate::plans::lock_editable_plan`]) before reading it.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(pool, gate) => {
                let gate = tokio::time::timeout(WRITE_GATE_TIMEOUT, gate.0.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                Tx::Sqlite(SqliteTx { tx: pool.begin_with("BEGIN IMMEDIATE").await?, _gate: gate })
            }
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Which backend this is, for logs and the health check.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(..) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Applies pending migrations for this backend.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(pool, _) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        self.seed_sdg().await?;
        self.seed_u4ssc_kpis().await
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        on_db!(self, pool => { sqlx::query("SELECT 1").execute(pool).await?; });
        Ok(())
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

/// Random URL-safe token of `bytes` random bytes, hex-encoded.
pub fn random_token(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// SHA-256 of a secret token, hex-encoded; only hashes of session and API tokens are stored.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// Domain enums stored as their code: `#[sqlx(try_from = "String")]` decodes a column and fails the
/// read on an unknown code; `#[serde(serialize_with = "crate::as_code")]` keeps the code in audit
/// snapshots and JSON.
pub trait Code: Copy {
    /// The stored code.
    fn code(self) -> &'static str;
}

macro_rules! impl_code {
    ($($t:ty),*) => {$(
        impl Code for $t {
            fn code(self) -> &'static str {
                <$t>::code(self)
            }
        }
    )*};
}
impl_code!(
    rodtrad_domain::plan::PlanType,
    rodtrad_domain::plan::PlanStatus,
    rodtrad_domain::plan::ElementKind,
    rodtrad_domain::plan::ElementStatus,
    rodtrad_domain::org::OrgUnitKind
);

/// Serialises a [`Code`] as its code.
pub fn as_code<T: Code, S: serde::Serializer>(value: &T, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(value.code())
}
