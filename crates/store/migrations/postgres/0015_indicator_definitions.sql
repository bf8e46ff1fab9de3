-- Indicators as first-class definitions (issue #14 §1): what a goal element of kind indicator
-- measures, in which unit, where in DFØ's result chain it sits, which way is better, where its values
-- come from (a statistics series stays linked through indicator_sources), how often it is measured,
-- who owns it and its baseline. One row per indicator element; versioned like every edited row.
CREATE TABLE indicator_definitions (
    element_id BIGINT PRIMARY KEY REFERENCES goal_elements(id),
    municipality_id BIGINT NOT NULL REFERENCES municipalities(id),
    description TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    chain TEXT NOT NULL,
    direction TEXT NOT NULL,
    source TEXT NOT NULL,
    frequency TEXT NOT NULL,
    owner_person_id BIGINT REFERENCES people(id),
    baseline_year BIGINT,
    baseline_value DOUBLE PRECISION,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX indicator_definitions_municipality ON indicator_definitions(municipality_id);

-- The target per year (the political ambition) and, optionally, the lowest acceptable value; worse
-- than that is not acceptable. Saved as a set with the definition (its version guards them).
CREATE TABLE indicator_targets (
    element_id BIGINT NOT NULL REFERENCES goal_elements(id),
    municipality_id BIGINT NOT NULL REFERENCES municipalities(id),
    year BIGINT NOT NULL,
    desired DOUBLE PRECISION NOT NULL,
    acceptable DOUBLE PRECISION,
    PRIMARY KEY (element_id, year)
);

-- Values entered by hand carry a comment and who entered them (statistics-fed values name their
-- import instead).
ALTER TABLE indicator_values ADD COLUMN comment TEXT;
ALTER TABLE indicator_values ADD COLUMN entered_by BIGINT REFERENCES users(id);
ALTER TABLE indicator_values ADD COLUMN entered_by_name TEXT;
