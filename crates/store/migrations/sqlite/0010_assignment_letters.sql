-- Assignment letters (oppdragsbrev): the yearly letter from the chief executive to every unit.

-- What the unit given an assignment shall deliver (assignments only; NULL elsewhere).
ALTER TABLE goal_elements ADD COLUMN expected_result TEXT;

-- The municipality-wide guidance text of the letters (Markdown), edited by the management staff.
CREATE TABLE letter_templates (
    municipality_id INTEGER PRIMARY KEY REFERENCES municipalities(id),
    body TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

-- One letter per unit and year. frame_amount is the economic frame in NOK as an exact decimal
-- written as text ("12345678.50"), entered by hand until the economy module fills it; it goes into
-- the next issued version.
CREATE TABLE assignment_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    year INTEGER NOT NULL,
    frame_amount TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (municipality_id, unit_id, year)
);
CREATE INDEX assignment_letters_year ON assignment_letters(municipality_id, year);

-- Issued versions, frozen: the letter's whole content as JSON (domain::letters::LetterContent).
-- Receipt is acknowledged per version by the unit's leader.
CREATE TABLE assignment_letter_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    letter_id INTEGER NOT NULL REFERENCES assignment_letters(id),
    number INTEGER NOT NULL,
    content TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    acknowledged_by_user_id INTEGER REFERENCES users(id),
    UNIQUE (letter_id, number)
);
