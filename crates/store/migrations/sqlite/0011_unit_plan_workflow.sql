-- Unit plan workflow (virksomhetsplan): delivery, approval and sending back kept as history, the
-- yearly delivery deadline, the analysis of last year, and measures carried over from last year.

-- Every step of a unit plan's workflow (delivered, approved, sent back, reopened), never changed.
CREATE TABLE unit_plan_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    comment TEXT,
    actor_name TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX unit_plan_events_plan ON unit_plan_events(plan_id, id);

-- The date by which every unit delivers its plan for a year, set by the management staff.
CREATE TABLE unit_plan_deadlines (
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    year INTEGER NOT NULL,
    deadline TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (municipality_id, year)
);

-- The analysis of last year on a unit plan. Figures are exact decimals written as text ("7.8"),
-- audit findings are counts; each has its text.
CREATE TABLE unit_plan_analyses (
    plan_id INTEGER PRIMARY KEY REFERENCES plans(id),
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    economy_amount TEXT,
    economy_text TEXT NOT NULL DEFAULT '',
    sick_leave_percent TEXT,
    sick_leave_text TEXT NOT NULL DEFAULT '',
    user_survey_score TEXT,
    user_survey_text TEXT NOT NULL DEFAULT '',
    employee_survey_score TEXT,
    employee_survey_text TEXT NOT NULL DEFAULT '',
    internal_audit_findings INTEGER,
    internal_audit_text TEXT NOT NULL DEFAULT '',
    external_audit_findings INTEGER,
    external_audit_text TEXT NOT NULL DEFAULT '',
    risk_summary TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

-- A measure copied from last year's plan names the measure it came from, once per plan.
ALTER TABLE goal_elements ADD COLUMN carried_from_id INTEGER REFERENCES goal_elements(id);
CREATE UNIQUE INDEX goal_elements_carried ON goal_elements(plan_id, carried_from_id);
