-- Background jobs: work that runs after the request that asked for it (a large statistics import
-- today). A job is a row, so it survives a restart: a worker claims a queued job, keeps a heartbeat
-- while it runs, and marks it done or failed with the reason; a job whose worker died (no heartbeat)
-- is queued again until its attempts are used up.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    error TEXT,
    run_after TEXT NOT NULL,
    heartbeat_at TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX jobs_due ON jobs(state, run_after);

-- The job importing an upload; an upload with a job can no longer be confirmed again.
ALTER TABLE stat_uploads ADD COLUMN job_id INTEGER REFERENCES jobs(id);
-- The import a job runs, so its page can show the job's attempts and reason.
ALTER TABLE stat_imports ADD COLUMN job_id INTEGER REFERENCES jobs(id);

-- Imports left running by a process that stopped before this table existed never finish.
UPDATE stat_imports SET state = 'failed', error = 'interrupted' WHERE state = 'running';
