//! Background jobs as rows: queued by the request that asks for the work, claimed by a worker with
//! a compare-and-swap on the state, kept alive with a heartbeat, and finished as done or failed with
//! the reason. A job whose worker died stays `running` with an old heartbeat until
//! [`Db::jobs_recover`] queues it again; [`Job::attempts`] counts every claim, so a job that keeps
//! killing its worker is given up after [`Job::max_attempts`].

use crate::{Db, Result, StoreError, Tx, now, on_db, on_tx};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A job's state.
pub mod state {
    /// Waiting for a worker (again, after a retryable failure or a dead worker).
    pub const QUEUED: &str = "queued";
    /// Claimed by a worker.
    pub const RUNNING: &str = "running";
    /// Finished.
    pub const DONE: &str = "done";
    /// Given up, with the reason in `error`.
    pub const FAILED: &str = "failed";
}

/// A background job.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// The municipality the work is for.
    pub municipality_id: i64,
    /// What to do (the runner's dispatch key).
    pub kind: String,
    /// The job's arguments, as JSON.
    pub payload: String,
    /// See [`state`].
    pub state: String,
    /// Claims so far, this one included while running.
    pub attempts: i64,
    /// Claims allowed before the job is given up.
    pub max_attempts: i64,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Not claimed before this time (back-off after a failure).
    pub run_after: DateTime<Utc>,
    /// Last sign of life of the worker running it.
    pub heartbeat_at: Option<DateTime<Utc>>,
    /// Queued at.
    pub created_at: DateTime<Utc>,
    /// Done or failed at.
    pub finished_at: Option<DateTime<Utc>>,
    /// What the job has done so far (JSON written by the job, see [`Db::job_set_result`]).
    pub result: Option<String>,
}

/// Every column of a job, as a literal for `concat!`.
macro_rules! job_columns {
    () => {
        "id, municipality_id, kind, payload, state, attempts, max_attempts, error, run_after, heartbeat_at, created_at, finished_at, result"
    };
}

/// `SELECT <every column> FROM jobs <rest>`, as a literal.
macro_rules! select_jobs {
    ($rest:literal) => {
        concat!("SELECT ", job_columns!(), " FROM jobs ", $rest)
    };
}

/// Queues a job inside the caller's transaction, so it exists exactly when the rows it works on do.
pub async fn enqueue_in(
    tx: &mut Tx,
    municipality_id: i64,
    kind: &str,
    payload: &str,
    max_attempts: i64,
) -> Result<i64> {
    let at = now();
    Ok(on_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO jobs (municipality_id, kind, payload, state, attempts, max_attempts, run_after, created_at)
             VALUES ($1, $2, $3, 'queued', 0, $4, $5, $5) RETURNING id")
            .bind(municipality_id).bind(kind).bind(payload).bind(max_attempts).bind(at)
            .fetch_one(&mut *conn).await?
    }))
}

impl Db {
    /// Queues a job on its own.
    pub async fn job_enqueue(&self, municipality_id: i64, kind: &str, payload: &str, max_attempts: i64) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = enqueue_in(&mut tx, municipality_id, kind, payload, max_attempts).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims a queued job: `Some` only for the one caller whose compare-and-swap from `queued` to
    /// `running` succeeded.
    pub async fn job_claim(&self, id: i64) -> Result<Option<Job>> {
        let at = now();
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Job>(concat!(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, heartbeat_at = $1
                 WHERE id = $2 AND state = 'queued' AND run_after <= $1 RETURNING ",
                job_columns!()
            ))
            .bind(at).bind(id).fetch_optional(pool).await?
        }))
    }

    /// Claims the oldest due job, if any.
    pub async fn job_claim_next(&self) -> Result<Option<Job>> {
        // Another worker may win a candidate; try the next one.
        for _ in 0..8 {
            let Some(id) = self.job_next_due().await? else { return Ok(None) };
            if let Some(job) = self.job_claim(id).await? {
                return Ok(Some(job));
            }
        }
        Ok(None)
    }

    /// The oldest queued job that is due, if any.
    pub async fn job_next_due(&self) -> Result<Option<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT id FROM jobs WHERE state = 'queued' AND run_after <= $1 ORDER BY run_after, id LIMIT 1")
                .bind(now()).fetch_optional(pool).await?
        }))
    }

    /// Marks a running job as alive.
    pub async fn job_heartbeat(&self, id: i64) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("UPDATE jobs SET heartbeat_at = $1 WHERE id = $2 AND state = 'running'")
                .bind(now()).bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// Marks a running job as done.
    pub async fn job_done(&self, id: i64) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("UPDATE jobs SET state = 'done', error = NULL, finished_at = $1 WHERE id = $2")
                .bind(now()).bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// Records a failed attempt: queued again at `retry_at`, or failed for good when `None`.
    pub async fn job_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        on_db!(self, pool => {
            match retry_at {
                Some(at) => sqlx::query("UPDATE jobs SET state = 'queued', error = $1, run_after = $2, heartbeat_at = NULL WHERE id = $3")
                    .bind(error).bind(at).bind(id).execute(pool).await?,
                None => sqlx::query("UPDATE jobs SET state = 'failed', error = $1, finished_at = $2 WHERE id = $3")
                    .bind(error).bind(now()).bind(id).execute(pool).await?,
            };
        });
        Ok(())
    }

    /// Queues again every running job whose worker has not shown a sign of life since
    /// `stale_before` (its process stopped); returns their ids.
    pub async fn jobs_recover(&self, stale_before: DateTime<Utc>) -> Result<Vec<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar(
                "UPDATE jobs SET state = 'queued', error = 'interrupted', heartbeat_at = NULL
                 WHERE state = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1) RETURNING id")
                .bind(stale_before).fetch_all(pool).await?
        }))
    }

    /// Records what a running job has done so far (its progress, and at the end its outcome), so
    /// its page can show it from any process.
    pub async fn job_set_result(&self, id: i64, result: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("UPDATE jobs SET result = $1, heartbeat_at = $2 WHERE id = $3 AND state = 'running'")
                .bind(result).bind(now()).bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// A job of the municipality.
    pub async fn job(&self, municipality_id: i64, id: i64) -> Result<Job> {
        let row = on_db!(self, pool => {
            sqlx::query_as::<_, Job>(select_jobs!("WHERE id = $1 AND municipality_id = $2")).bind(id).bind(municipality_id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The municipality's latest jobs, newest first.
    pub async fn jobs(&self, municipality_id: i64, limit: i64) -> Result<Vec<Job>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as::<_, Job>(select_jobs!("WHERE municipality_id = $1 ORDER BY id DESC LIMIT $2")).bind(municipality_id).bind(limit).fetch_all(pool).await?
        }))
    }
}
