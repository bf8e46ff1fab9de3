-- Risk management (risikostyring), issue #16 §1: each municipality's risk matrix, the risk analyses
-- (ROS) of its units, service areas and the municipality per year, and their risk items with the
-- inherent, current and residual likelihood × consequence, treatment, treatment measures and
-- acceptance. Scores and bands are not stored: they follow from the levels and the matrix in force
-- (domain::risk), so a changed threshold re-bands every risk at once.

-- A municipality's own matrix. Without this row the shipped 5×5 default (domain::risk::Matrix) is
-- in force; the first save of the settings page writes it. A score at or above critical_from is
-- critical, at or above high_from high, at or above medium_from medium, below it low.
CREATE TABLE risk_matrices (
    municipality_id INTEGER PRIMARY KEY REFERENCES municipalities(id),
    likelihood_levels INTEGER NOT NULL CHECK (likelihood_levels BETWEEN 3 AND 7),
    consequence_levels INTEGER NOT NULL CHECK (consequence_levels BETWEEN 3 AND 7),
    medium_from INTEGER NOT NULL,
    high_from INTEGER NOT NULL,
    critical_from INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (1 < medium_from AND medium_from < high_from AND high_from < critical_from)
);

-- The municipality's wording of each level of an axis ('likelihood' or 'consequence'), level 1 first.
CREATE TABLE risk_matrix_levels (
    municipality_id INTEGER NOT NULL REFERENCES risk_matrices(municipality_id),
    axis TEXT NOT NULL,
    level INTEGER NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (municipality_id, axis, level)
);

-- A risk analysis (ROS) of an organisation unit (a unit, a service area or the municipality) for a
-- year; one per unit and year. Each unit's is due before its unit plan (the annual cycle).
CREATE TABLE risk_analyses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    year INTEGER NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (unit_id, year)
);
CREATE INDEX risk_analyses_municipality ON risk_analyses(municipality_id, year);

-- A risk of an analysis. category is a fixed code or 'own' with the municipality's wording in
-- category_label. Levels are checked against the matrix by the application (the matrix may differ
-- per municipality), and the matrix cannot shrink below a level in use. accepted_* is the current
-- acceptance: by a leader (name and leader level kept as they were) until accept_expires_on.
CREATE TABLE risk_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    analysis_id INTEGER NOT NULL REFERENCES risk_analyses(id),
    description TEXT NOT NULL,
    cause TEXT NOT NULL DEFAULT '',
    consequence_text TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    category_label TEXT NOT NULL DEFAULT '',
    inherent_likelihood INTEGER NOT NULL CHECK (inherent_likelihood >= 1),
    inherent_consequence INTEGER NOT NULL CHECK (inherent_consequence >= 1),
    current_likelihood INTEGER NOT NULL CHECK (current_likelihood >= 1),
    current_consequence INTEGER NOT NULL CHECK (current_consequence >= 1),
    residual_likelihood INTEGER NOT NULL CHECK (residual_likelihood >= 1),
    residual_consequence INTEGER NOT NULL CHECK (residual_consequence >= 1),
    treatment TEXT NOT NULL,
    review_on TEXT,
    accepted_by_user_id INTEGER REFERENCES users(id),
    accepted_by TEXT,
    accepted_level INTEGER,
    accepted_at TEXT,
    accept_expires_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX risk_items_analysis ON risk_items(analysis_id);

-- Treatment measures: existing goal elements of kind measure (with their deadline and responsible
-- person, so they follow the measure rule and can sit in the unit plan) linked to a risk.
CREATE TABLE risk_item_measures (
    item_id INTEGER NOT NULL REFERENCES risk_items(id) ON DELETE CASCADE,
    element_id INTEGER NOT NULL REFERENCES goal_elements(id),
    PRIMARY KEY (item_id, element_id)
);
CREATE INDEX risk_item_measures_element ON risk_item_measures(element_id);
