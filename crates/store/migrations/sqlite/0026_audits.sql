-- Audits and inspections (revisjoner og tilsyn), issue #16 §4: the control committee's performance
-- audits, state inspections and the ISO 9001 internal and external audits of a unit (or the whole
-- municipality), each with its findings. A finding that asks for action carries its corrective
-- measure with a responsible person and a deadline, and is closed with what was done; an audit
-- closes when none is open. Every change to an audit or its findings raises the audit's version,
-- so closing checked on the findings read cannot miss one added meanwhile.
CREATE TABLE audits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    kind TEXT NOT NULL CHECK (kind IN ('performance_audit', 'state_inspection', 'iso_internal', 'iso_external')),
    title TEXT NOT NULL,
    auditor TEXT NOT NULL,
    held_on TEXT NOT NULL,
    report_on TEXT,
    summary TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closing_note TEXT NOT NULL DEFAULT '',
    closed_by TEXT,
    closed_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX audits_municipality ON audits(municipality_id, held_on);

CREATE TABLE audit_findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    audit_id INTEGER NOT NULL REFERENCES audits(id),
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    measure TEXT NOT NULL DEFAULT '',
    responsible_person_id INTEGER REFERENCES people(id),
    deadline TEXT,
    closed_on TEXT,
    closing_note TEXT NOT NULL DEFAULT '',
    closed_by TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX audit_findings_audit ON audit_findings(audit_id);

-- The management review (ledelsens gjennomgang) of a year: its inputs and decisions.
CREATE TABLE management_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    year INTEGER NOT NULL,
    held_on TEXT NOT NULL,
    participants TEXT NOT NULL,
    inputs TEXT NOT NULL,
    decisions TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (municipality_id, year)
);
