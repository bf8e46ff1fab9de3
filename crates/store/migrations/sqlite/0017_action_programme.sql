-- Action programme frames (handlingsprogram), issue #14 §5: a four-year period per municipality with
-- its adoption decision, the economic frames per service area and year, the investment table, the
-- efficiency target split by year and service area with the realised amounts, the fiscal rules
-- (handlingsregler) and the yearly key figures they are computed from. Amounts are exact decimals
-- written as text ("1234.50"), as in the economy tables. One version on the programme guards every
-- part of it: each save checks and raises it in its transaction, with its audit row.

CREATE TABLE action_programmes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    first_year INTEGER NOT NULL,
    title TEXT NOT NULL,
    decision_body TEXT NOT NULL DEFAULT '',
    decision_case TEXT NOT NULL DEFAULT '',
    decided_on TEXT,
    efficiency_target TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    UNIQUE (municipality_id, first_year)
);

-- The economic frame (ramme) of a service area in a year of the period.
CREATE TABLE action_programme_frames (
    programme_id INTEGER NOT NULL REFERENCES action_programmes(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    year INTEGER NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (programme_id, unit_id, year)
);

-- An investment project and its amount per year of the period.
CREATE TABLE action_programme_investments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER NOT NULL REFERENCES action_programmes(id),
    name TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    unit_id INTEGER REFERENCES org_units(id),
    position INTEGER NOT NULL
);
CREATE INDEX action_programme_investments_programme ON action_programme_investments(programme_id);
CREATE TABLE action_programme_investment_amounts (
    investment_id INTEGER NOT NULL REFERENCES action_programme_investments(id),
    year INTEGER NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (investment_id, year)
);

-- The efficiency target of a service area in a year: the amount to be freed and what was realised.
CREATE TABLE action_programme_efficiency (
    programme_id INTEGER NOT NULL REFERENCES action_programmes(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    year INTEGER NOT NULL,
    target TEXT NOT NULL,
    realised TEXT,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (programme_id, unit_id, year)
);

-- A fiscal rule: a measure from a fixed set (domain::programme::Measure), a comparison and a
-- threshold in percent of operating income.
CREATE TABLE action_programme_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id INTEGER NOT NULL REFERENCES action_programmes(id),
    name TEXT NOT NULL,
    measure TEXT NOT NULL,
    comparison TEXT NOT NULL,
    threshold TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX action_programme_rules_programme ON action_programme_rules(programme_id);

-- The key figures of a year the rules are computed from.
CREATE TABLE action_programme_key_figures (
    programme_id INTEGER NOT NULL REFERENCES action_programmes(id),
    year INTEGER NOT NULL,
    operating_income TEXT NOT NULL,
    net_operating_result TEXT NOT NULL,
    net_debt TEXT NOT NULL,
    disposition_fund TEXT NOT NULL,
    PRIMARY KEY (programme_id, year)
);
