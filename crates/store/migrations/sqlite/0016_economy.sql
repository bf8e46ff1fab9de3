-- Economy follow-up (økonomioppfølging), issue #14 §4: the account structure per municipality, budgets
-- per unit, year and line, monthly actuals imported from the accounting system, the unit manager's
-- monthly forecast (prognose) with comment, the thresholds past which a deviation is flagged, and the
-- management dialogue a flagged overrun opens. Amounts are exact decimals written as text ("1234.50"):
-- the application sums them with rust_decimal, never as floating point.

-- The lines of the account structure (salaries, other operating costs, income …), each with the
-- account prefixes the import maps to it (the longest matching prefix wins).
CREATE TABLE economy_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    account_prefixes TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    UNIQUE (municipality_id, code)
);

-- Per municipality: the deviation thresholds and the column names of the accounting file.
CREATE TABLE economy_settings (
    municipality_id INTEGER PRIMARY KEY REFERENCES municipalities(id),
    threshold_percent TEXT NOT NULL,
    threshold_amount TEXT NOT NULL,
    responsibility_column TEXT NOT NULL,
    account_column TEXT NOT NULL,
    period_column TEXT NOT NULL,
    amount_column TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

-- Responsibility codes (ansvar) of the accounts and the unit each belongs to.
CREATE TABLE economy_responsibilities (
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    code TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    PRIMARY KEY (municipality_id, code)
);
CREATE INDEX economy_responsibilities_unit ON economy_responsibilities(unit_id);

-- A unit's budget for a year: the version two saves compete for, and the amount per line.
CREATE TABLE economy_budget_sets (
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    year INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (unit_id, year)
);
CREATE TABLE economy_budgets (
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    year INTEGER NOT NULL,
    line_id INTEGER NOT NULL REFERENCES economy_lines(id),
    amount TEXT NOT NULL,
    PRIMARY KEY (unit_id, year, line_id)
);
CREATE INDEX economy_budgets_year ON economy_budgets(municipality_id, year);

-- An uploaded accounting file: its sums per unit, line and month as JSON until it is confirmed,
-- then the record of what was imported.
CREATE TABLE economy_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    file_name TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    months TEXT NOT NULL,
    total TEXT NOT NULL,
    totals TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    confirmed_at TEXT
);

-- The actuals of a month per unit and line; an import replaces the months its file covers.
CREATE TABLE economy_actuals (
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    line_id INTEGER NOT NULL REFERENCES economy_lines(id),
    amount TEXT NOT NULL,
    import_id INTEGER REFERENCES economy_imports(id),
    PRIMARY KEY (unit_id, year, month, line_id)
);
CREATE INDEX economy_actuals_year ON economy_actuals(municipality_id, year, month);

-- The unit manager's forecast for the year, given in a month, with a comment and a version; its
-- amounts per line. Every save is an audit row.
CREATE TABLE economy_forecasts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    user_id INTEGER REFERENCES users(id),
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (unit_id, year, month)
);
CREATE INDEX economy_forecasts_year ON economy_forecasts(municipality_id, year);
CREATE TABLE economy_forecast_lines (
    forecast_id INTEGER NOT NULL REFERENCES economy_forecasts(id),
    line_id INTEGER NOT NULL REFERENCES economy_lines(id),
    amount TEXT NOT NULL,
    PRIMARY KEY (forecast_id, line_id)
);

-- A management dialogue is opened by a status report on an item or by a forecast past the
-- thresholds: an economy dialogue names the forecast and its month instead of an item and a report,
-- once per unit and month, and not while one of the unit's year is open.
ALTER TABLE status_dialogues ADD COLUMN economy_forecast_id INTEGER REFERENCES economy_forecasts(id);
ALTER TABLE status_dialogues ADD COLUMN economy_year INTEGER;
ALTER TABLE status_dialogues ADD COLUMN economy_month INTEGER;
CREATE TABLE status_dialogues_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    element_id INTEGER REFERENCES goal_elements(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    superior_unit_id INTEGER REFERENCES org_units(id),
    opened_report_id INTEGER REFERENCES status_reports(id),
    opened_at TEXT NOT NULL,
    measures TEXT NOT NULL DEFAULT '',
    follow_up_on TEXT,
    outcome TEXT,
    closed_at TEXT,
    closed_by TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    economy_forecast_id INTEGER REFERENCES economy_forecasts(id),
    economy_year INTEGER,
    economy_month INTEGER
);
INSERT INTO status_dialogues_new SELECT * FROM status_dialogues;
DROP TABLE status_dialogues;
ALTER TABLE status_dialogues_new RENAME TO status_dialogues;
CREATE UNIQUE INDEX status_dialogues_open ON status_dialogues(element_id) WHERE closed_at IS NULL;
CREATE INDEX status_dialogues_unit ON status_dialogues(municipality_id, unit_id);
CREATE UNIQUE INDEX status_dialogues_economy ON status_dialogues(unit_id, economy_year, economy_month) WHERE economy_year IS NOT NULL;
