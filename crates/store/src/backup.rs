//! Consistent online backup and restore of the embedded SQLite database.
//! PostgreSQL installations use `pg_dump`/`pg_restore` (see README).

use crate::{Db, Result, StoreError};
use rodtrad_domain::RuleError;
use std::path::Path;

impl Db {
    /// Writes a consistent copy of a live SQLite database to `target` (which must not exist).
    pub async fn backup_to(&self, target: &Path) -> Result<()> {
        let Db::Sqlite(pool, _) = self else {
            return Err(RuleError::new("err-backup-postgres").into());
        };
        if target.exists() {
            return Err(RuleError::new("err-backup-exists").into());
        }
        let path = target.to_str().ok_or_else(|| StoreError::Rule(RuleError::new("err-backup-path")))?;
        // VACUUM INTO reads one snapshot, so writers may go on while it runs.
        sqlx::query("VACUUM INTO $1").bind(path).execute(pool).await?;
        Ok(())
    }

    /// Checks a SQLite file's integrity; returns SQLite's answer (`ok` when sound).
    pub async fn integrity_check(&self) -> Result<String> {
        match self {
            Db::Sqlite(pool, _) => Ok(sqlx::query_scalar("PRAGMA integrity_check").fetch_one(pool).await?),
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
                Ok("ok".into())
            }
        }
    }
}

/// Restores `backup` over the SQLite database at `target`, after checking the backup's integrity.
/// The application must be stopped; the old file is kept beside it with a `.before-restore` suffix.
pub async fn restore_sqlite(backup: &Path, target: &Path) -> Result<()> {
    use sqlx::Connection;
    // A bare read-only connection: the backup file is only read, never switched to WAL.
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(backup).read_only(true);
    let answer: std::result::Result<String, sqlx::Error> = async {
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
        let answer = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await?;
        conn.close().await?;
        Ok(answer)
    }
    .await;
    if !matches!(answer.as_deref(), Ok("ok")) {
        return Err(RuleError::new("err-backup-corrupt").into());
    }
    if target.exists() {
        let keep = target.with_extension("db.before-restore");
        std::fs::rename(target, keep)?;
    }
    for suffix in ["-wal", "-shm"] {
        let side = format!("{}{suffix}", target.display());
        let _ = std::fs::remove_file(side);
    }
    std::fs::copy(backup, target)?;
    Ok(())
}
