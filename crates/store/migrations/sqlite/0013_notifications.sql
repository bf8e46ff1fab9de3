-- In-app notifications and e-mail digests (issue #13 §7).

-- One notification per account, kind and subject (an assignment or measure for `due_soon` and
-- `overdue`, a management dialogue for `dialogue`): the scheduled run makes them again every time,
-- and the unique key keeps it to one. The subject's text is kept as it read when it was made.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    due_on TEXT,
    created_at TEXT NOT NULL,
    read_at TEXT,
    UNIQUE (user_id, kind, subject_id)
);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;

-- E-mail digests: an account may opt out on its profile; the day of the last digest keeps a
-- scheduled run from sending two the same day.
ALTER TABLE users ADD COLUMN digest_opt_out INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN digest_sent_on TEXT;
