-- Long-term analysis (langsiktig investerings- og driftsanalyse, LIDA), issue #14 §6: population
-- projections by age group (befolkningsframskriving) and scenarios with one assumption per service
-- (dekningsgrad, kapasitet, driftsutgift og investeringskostnad per plass). Persons and amounts are
-- exact decimals written as text; the yearly needs are computed from these rows, never stored.

-- A projection: where it came from (an uploaded CSV file), who made it and when.
CREATE TABLE lida_projections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    file_name TEXT NOT NULL DEFAULT '',
    user_id INTEGER REFERENCES users(id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX lida_projections_municipality ON lida_projections(municipality_id);

-- Persons of an age group (both ends included; 120 closes an open group such as 90+) in a year.
CREATE TABLE lida_projection_rows (
    projection_id INTEGER NOT NULL REFERENCES lida_projections(id),
    year INTEGER NOT NULL,
    age_from INTEGER NOT NULL,
    age_to INTEGER NOT NULL,
    persons TEXT NOT NULL,
    PRIMARY KEY (projection_id, year, age_from)
);

-- A scenario: the 20 years after its base year on one projection, with the version two saves
-- compete for.
CREATE TABLE lida_scenarios (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    name TEXT NOT NULL,
    base_year INTEGER NOT NULL,
    projection_id INTEGER NOT NULL REFERENCES lida_projections(id),
    version INTEGER NOT NULL DEFAULT 1,
    user_id INTEGER REFERENCES users(id),
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX lida_scenarios_municipality ON lida_scenarios(municipality_id);

-- The services of a scenario in the order shown, replaced whole on every save.
CREATE TABLE lida_assumptions (
    scenario_id INTEGER NOT NULL REFERENCES lida_scenarios(id),
    position INTEGER NOT NULL,
    service TEXT NOT NULL,
    age_from INTEGER NOT NULL,
    age_to INTEGER NOT NULL,
    coverage TEXT NOT NULL,
    capacity TEXT NOT NULL,
    operating_cost TEXT NOT NULL,
    investment_cost TEXT NOT NULL,
    growth_percent TEXT NOT NULL,
    PRIMARY KEY (scenario_id, position)
);
