-- Internal control (internkontroll, kommuneloven kap. 25), issue #16 §2: control activities of a
-- unit with an owner, a method and a frequency, linked to the risks they reduce (risk_items) and
-- to the laws and regulations they secure (legal_basis, one reference per line). An execution
-- records one period of its activity (the frequency's periods of a year, numbered from 1) with
-- what it found; a period that ends without one is missed (domain::internal_control). Evidence
-- files are kept in the database, size-limited and type-checked by the application.
CREATE TABLE control_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    method TEXT NOT NULL,
    frequency TEXT NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'four_monthly', 'half_yearly', 'yearly')),
    owner_person_id INTEGER NOT NULL REFERENCES people(id),
    legal_basis TEXT NOT NULL DEFAULT '',
    starts_on TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX control_activities_unit ON control_activities(municipality_id, unit_id);

CREATE TABLE control_activity_risks (
    activity_id INTEGER NOT NULL REFERENCES control_activities(id) ON DELETE CASCADE,
    risk_item_id INTEGER NOT NULL REFERENCES risk_items(id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, risk_item_id)
);
CREATE INDEX control_activity_risks_item ON control_activity_risks(risk_item_id);

CREATE TABLE control_executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id INTEGER NOT NULL REFERENCES control_activities(id),
    period_year INTEGER NOT NULL,
    period_index INTEGER NOT NULL CHECK (period_index BETWEEN 1 AND 12),
    performed_on TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'remarks', 'failed')),
    findings TEXT NOT NULL DEFAULT '',
    follow_up TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (activity_id, period_year, period_index)
);

CREATE TABLE control_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id INTEGER NOT NULL REFERENCES control_executions(id),
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    body BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX control_evidence_execution ON control_evidence(execution_id);

-- A unit manager's yearly report upward (authority level 2 to 1): significant risk, failures of
-- internal control and what worked. One per unit and year, sent again as it is revised.
CREATE TABLE control_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    year INTEGER NOT NULL,
    significant_risks TEXT NOT NULL,
    control_failures TEXT NOT NULL,
    what_worked TEXT NOT NULL DEFAULT '',
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (unit_id, year)
);
CREATE INDEX control_reports_municipality ON control_reports(municipality_id, year);
