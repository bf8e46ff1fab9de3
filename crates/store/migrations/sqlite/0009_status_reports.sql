-- Status reporting on assignments and measures (*statusrapportering*) and the management dialogue
-- it opens (*lederdialog*), issue #13 §5–6.

-- How many days without a report make a running item stale (shown on the roll-up pages).
ALTER TABLE municipalities ADD COLUMN stale_after_days INTEGER NOT NULL DEFAULT 45;

-- Reporting periods per municipality and year: the twelve months (kind 'month', number 1–12) and
-- the three four-monthly periods of the council reports (kind 'tertial', number 1–3). A closed
-- period takes no new reports; management staff close and reopen it.
CREATE TABLE reporting_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    number INTEGER NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (municipality_id, year, kind, number)
);

-- The current status of each reported item: its latest report, and the version that two leaders
-- saving at once compete for (the second gets 409).
CREATE TABLE item_status (
    element_id INTEGER PRIMARY KEY REFERENCES goal_elements(id),
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    report_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL,
    reported_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

-- Every report ever made, never changed: the history on the element's page.
CREATE TABLE status_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    element_id INTEGER NOT NULL REFERENCES goal_elements(id),
    period_id INTEGER NOT NULL REFERENCES reporting_periods(id),
    status TEXT NOT NULL,
    progress INTEGER NOT NULL,
    comment TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    reporter_name TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    item_version INTEGER NOT NULL
);
CREATE INDEX status_reports_element ON status_reports(element_id, id);
CREATE INDEX status_reports_period ON status_reports(municipality_id, period_id);

-- A management dialogue between the owner unit's leader and the superior leader, opened by a
-- report of deviation or risk of deviation, kept open by the next ones, closed with an outcome.
CREATE TABLE status_dialogues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    element_id INTEGER NOT NULL REFERENCES goal_elements(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    superior_unit_id INTEGER REFERENCES org_units(id),
    opened_report_id INTEGER NOT NULL REFERENCES status_reports(id),
    opened_at TEXT NOT NULL,
    measures TEXT NOT NULL DEFAULT '',
    follow_up_on TEXT,
    outcome TEXT,
    closed_at TEXT,
    closed_by TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX status_dialogues_open ON status_dialogues(element_id) WHERE closed_at IS NULL;
CREATE INDEX status_dialogues_unit ON status_dialogues(municipality_id, unit_id);
