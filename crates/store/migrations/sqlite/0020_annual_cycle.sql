-- The annual cycle (årshjulet), issue #15 §4: a template of activities per month for each
-- municipality, wheels instantiated from it (the one-year wheel of a year, the four-year wheel of a
-- council period) with dated activities, some tied to a module deadline, and the secret calendar
-- feed addresses (iCalendar) of the accounts.

-- A municipality's own template of a wheel kind ('year' or 'period'). Without this row the shipped
-- default (domain::annual_cycle::default_template) is the template; the first edit copies it here.
CREATE TABLE cycle_templates (
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    cycle TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (municipality_id, cycle)
);

-- The template's activities: month (1-12) in a year of the period (1-4; always 1 for 'year').
CREATE TABLE cycle_template_rows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    cycle TEXT NOT NULL,
    period_year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    responsible TEXT NOT NULL DEFAULT '',
    deadline TEXT
);
CREATE INDEX cycle_template_rows_municipality ON cycle_template_rows(municipality_id, cycle);

-- A wheel: the one-year wheel of first_year, or the four-year wheel of the council period starting
-- in first_year. One of each per municipality and year.
CREATE TABLE cycle_wheels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    cycle TEXT NOT NULL,
    first_year INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (municipality_id, cycle, first_year)
);

-- A dated activity of a wheel; unit_id narrows it to a unit (and the units under it) in the
-- calendar feeds, none is the whole municipality. deadline names the module deadline it stands for.
CREATE TABLE cycle_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wheel_id INTEGER NOT NULL REFERENCES cycle_wheels(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    responsible TEXT NOT NULL DEFAULT '',
    unit_id INTEGER REFERENCES org_units(id),
    deadline TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cycle_activities_wheel ON cycle_activities(wheel_id, starts_on);
CREATE INDEX cycle_activities_deadline ON cycle_activities(deadline, ends_on);

-- An account's secret calendar address: only the SHA-256 of the token is kept; a revoked one stays
-- (revoked_at set) so that its address answers 410 instead of 404.
CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX calendar_feeds_user ON calendar_feeds(user_id);
