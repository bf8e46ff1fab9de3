-- Login throttling by growing delays instead of locking an account (issue #12). A failed attempt made
-- with a device cookie of the account names that device, so the account's delays count only devices
-- that never signed in to it, and a device that keeps failing gets delays of its own. The key signs
-- the device cookies; it is made once and shared by every application process on this database.
ALTER TABLE login_attempts ADD COLUMN device TEXT;
CREATE INDEX login_attempts_device ON login_attempts(device, at);

CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL
);
