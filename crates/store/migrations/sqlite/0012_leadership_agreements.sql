-- Leadership agreements (lederavtaler): one per unit and year between the unit's leader and the
-- leader of the unit above (director and unit manager, unit manager and department head). The
-- parties are the persons who led the two units when the agreement was made.
CREATE TABLE leadership_agreements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    year INTEGER NOT NULL,
    leader_person_id INTEGER NOT NULL REFERENCES people(id),
    superior_unit_id INTEGER NOT NULL REFERENCES org_units(id),
    superior_person_id INTEGER NOT NULL REFERENCES people(id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (municipality_id, unit_id, year)
);
CREATE INDEX leadership_agreements_year ON leadership_agreements(municipality_id, year);

-- The versions of an agreement, numbered from 1. The latest is the one being worked on until both
-- parties have signed it; a signed version is never changed (a change makes the next version).
-- content is domain::agreements::AgreementContent as JSON.
CREATE TABLE leadership_agreement_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    agreement_id INTEGER NOT NULL REFERENCES leadership_agreements(id),
    number INTEGER NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    leader_signed_at TEXT,
    leader_signed_by TEXT,
    superior_signed_at TEXT,
    superior_signed_by TEXT,
    UNIQUE (agreement_id, number)
);
