//! The runner of durable background jobs (see [`rodtrad_store::jobs`]).
//!
//! A request queues a job in the same transaction as the rows it works on and wakes the runner,
//! which drains the due jobs on a task of its own; small jobs may instead be run at once by the
//! request ([`Runner::run_now`]). The application also polls ([`Runner::start`]) so that retries
//! after a back-off and jobs queued by another process are picked up, and on start it queues again
//! the jobs a stopped process left running. A failure is either retryable (the store failed: queued
//! again after a back-off until the attempts are used up) or permanent (the input cannot be used),
//! and either way the reason is kept on the job for its page.

use crate::stat_import::{self, Progress};
use rodtrad_store::jobs::Job;
use rodtrad_store::{Db, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A job's kinds.
pub mod kind {
    /// Imports a confirmed statistics upload.
    pub const STAT_UPLOAD: &str = "stat_upload";
    /// Issues the assignment letters of a year for every unit.
    pub const LETTERS_ISSUE: &str = "letters_issue";
}

/// Why an attempt failed.
#[derive(Debug)]
pub enum JobError {
    /// Worth another attempt (the store or the network failed).
    Retry(String),
    /// Another attempt would fail the same way.
    Permanent(String),
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        JobError::Retry(e.to_string())
    }
}

/// How long a running job may go without a heartbeat before it counts as abandoned.
pub const STALE_AFTER: Duration = Duration::from_secs(120);
/// How often a running job shows it is alive.
const HEARTBEAT: Duration = Duration::from_secs(20);

/// Runs the jobs of one process. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Runner {
    db: Db,
    /// Cells written so far by the imports running here.
    pub progress: Progress,
    draining: Arc<AtomicBool>,
}

impl Runner {
    /// A runner over `db`.
    pub fn new(db: Db) -> Self {
        Self { db, progress: Progress::default(), draining: Arc::default() }
    }

    /// Starts draining the due jobs on a task of its own, unless a drain is already running.
    pub fn wake(&self) {
        if self.draining.swap(true, Ordering::AcqRel) {
            return;
        }
        let runner = self.clone();
        tokio::spawn(async move {
            loop {
                runner.run_due().await;
                runner.draining.store(false, Ordering::Release);
                // A job queued after the last claim and before the flag was cleared would wait
                // for the next poll; look once more.
                let due = matches!(runner.db.job_next_due().await, Ok(Some(_)));
                if !due || runner.draining.swap(true, Ordering::AcqRel) {
                    break;
                }
            }
        });
    }

    /// Queues again the jobs of stopped processes, then polls every `every` for due jobs until the
    /// task is aborted.
    pub fn start(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let runner = self.clone();
        tokio::spawn(async move {
            match runner.recover(STALE_AFTER).await {
                Ok(ids) if !ids.is_empty() => {
                    tracing::warn!(?ids, "jobs left running by a stopped process queued again")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "cannot recover jobs"),
            }
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                runner.wake();
            }
        })
    }

    /// Queues again the running jobs without a heartbeat for `stale`; returns their ids.
    pub async fn recover(&self, stale: Duration) -> Result<Vec<i64>, StoreError> {
        let before = rodtrad_store::now() - chrono::Duration::from_std(stale).unwrap_or(chrono::Duration::MAX);
        self.db.jobs_recover(before).await
    }

    /// Claims and runs due jobs until none is left; returns how many ran.
    pub async fn run_due(&self) -> usize {
        let mut ran = 0;
        loop {
            match self.db.job_claim_next().await {
                Ok(Some(job)) => {
                    self.run(job).await;
                    ran += 1;
                }
                Ok(None) => return ran,
                Err(e) => {
                    tracing::error!(error = %e, "cannot claim a job");
                    return ran;
                }
            }
        }
    }

    /// Runs the job `id` now if it is still queued (another worker may have claimed it); returns
    /// whether this call ran it.
    pub async fn run_now(&self, id: i64) -> Result<bool, StoreError> {
        match self.db.job_claim(id).await? {
            Some(job) => {
                self.run(job).await;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Runs one claimed job and records its outcome.
    async fn run(&self, job: Job) {
        let outcome = if job.attempts > job.max_attempts {
            let reason = job.error.clone().unwrap_or_else(|| "interrupted".into());
            Err(JobError::Permanent(format!("gave up after {} attempts: {reason}", job.max_attempts)))
        } else {
            let beat = self.heartbeat(job.id);
            let outcome = self.dispatch(&job).await;
            beat.abort();
            outcome
        };
        let recorded = match &outcome {
            Ok(()) => self.db.job_done(job.id).await,
            Err(JobError::Retry(reason)) if job.attempts < job.max_attempts => {
                let back_off = chrono::Duration::seconds(30 * job.attempts);
                tracing::warn!(job = job.id, kind = %job.kind, %reason, "job failed, will retry");
                self.db.job_failed(job.id, reason, Some(rodtrad_store::now() + back_off)).await
            }
            Err(JobError::Retry(reason) | JobError::Permanent(reason)) => {
                tracing::error!(job = job.id, kind = %job.kind, %reason, "job failed");
                self.give_up(&job, reason).await;
                self.db.job_failed(job.id, reason, None).await
            }
        };
        if let Err(e) = recorded {
            tracing::error!(job = job.id, error = %e, "cannot record a job's outcome");
        }
    }

    fn heartbeat(&self, id: i64) -> tokio::task::JoinHandle<()> {
        let db = self.db.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = db.job_heartbeat(id).await {
                    tracing::warn!(job = id, error = %e, "job heartbeat failed");
                }
            }
        })
    }

    async fn dispatch(&self, job: &Job) -> Result<(), JobError> {
        match job.kind.as_str() {
            kind::STAT_UPLOAD => stat_import::run_upload_job(&self.db, job, &self.progress).await,
            kind::LETTERS_ISSUE => crate::letters::run_issue_job(&self.db, job).await,
            other => Err(JobError::Permanent(format!("unknown job kind {other}"))),
        }
    }

    /// What a job leaves behind when it is given up.
    async fn give_up(&self, job: &Job, reason: &str) {
        let result = match job.kind.as_str() {
            kind::STAT_UPLOAD => stat_import::give_up_upload_job(&self.db, job, reason).await,
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::error!(job = job.id, error = %e, "cannot clean up a failed job");
        }
    }
}
