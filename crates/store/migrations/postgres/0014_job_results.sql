-- What a job has done so far and, once done, what it did, as JSON for its progress page (issuing
-- the assignment letters: units done out of all, and which got a first version, a new version or
-- nothing). Written by the job itself after each step, so another process's page sees it too.
ALTER TABLE jobs ADD COLUMN result TEXT;
