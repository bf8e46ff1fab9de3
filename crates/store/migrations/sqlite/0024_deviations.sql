-- Deviations and improvement (avvik og forbedringsforslag), issue #16 §3: unwanted incidents and
-- improvement ideas registered by anyone signed in, triaged by the unit's leader, handled with a
-- cause analysis and corrective and preventive measures, and closed with an effect check. Health
-- and HR incidents are restricted (category 'health' or 'hr', kept in `restricted` so every list
-- can filter them in SQL): only the handling line and the reporter read them (domain::deviations).
-- Ideas carry their PDCA stage, and the larger ones a stage in the innovation pipeline.
CREATE TABLE deviations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    kind TEXT NOT NULL CHECK (kind IN ('incident', 'improvement')),
    category TEXT NOT NULL,
    restricted INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    immediate_action TEXT NOT NULL DEFAULT '',
    occurred_on TEXT NOT NULL,
    reported_by_user_id INTEGER NOT NULL REFERENCES users(id),
    reported_by TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('registered', 'in_progress', 'closed', 'rejected')),
    severity TEXT,
    triaged_by TEXT,
    triaged_at TEXT,
    rejection_reason TEXT NOT NULL DEFAULT '',
    cause TEXT NOT NULL DEFAULT '',
    pdca TEXT,
    innovation_stage TEXT,
    effect_check TEXT NOT NULL DEFAULT '',
    effective INTEGER,
    closed_by TEXT,
    closed_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX deviations_unit ON deviations(municipality_id, unit_id, status);
CREATE INDEX deviations_reporter ON deviations(reported_by_user_id);

-- Corrective and preventive measures of a deviation, each with its responsible person and deadline;
-- done_on is set when it is carried out. A deviation closes only when none is open.
CREATE TABLE deviation_measures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    deviation_id INTEGER NOT NULL REFERENCES deviations(id),
    text TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('corrective', 'preventive')),
    responsible_person_id INTEGER NOT NULL REFERENCES people(id),
    deadline TEXT NOT NULL,
    done_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX deviation_measures_deviation ON deviation_measures(deviation_id);
