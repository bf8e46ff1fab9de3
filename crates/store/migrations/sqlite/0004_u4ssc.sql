-- U4SSC: the self-assessment of the framework's 30 elements (6 processes × 5 phases) per year, the
-- baseline KPI catalogue, and the municipality's KPI values per year.
CREATE TABLE u4ssc_assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    year INTEGER NOT NULL,
    copied_from_year INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (municipality_id, year)
);

-- One row per element; maturity NULL means not assessed yet.
CREATE TABLE u4ssc_cells (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assessment_id INTEGER NOT NULL REFERENCES u4ssc_assessments(id),
    process TEXT NOT NULL,
    phase TEXT NOT NULL,
    maturity INTEGER CHECK (maturity BETWEEN 0 AND 4),
    evidence TEXT NOT NULL DEFAULT '',
    responsible_person_id INTEGER REFERENCES people(id),
    assessed_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    UNIQUE (assessment_id, process, phase)
);

-- Seeded from the catalogue in the domain crate at every start.
CREATE TABLE u4ssc_kpis (
    code TEXT PRIMARY KEY,
    dimension TEXT NOT NULL,
    category_nb TEXT NOT NULL,
    category_en TEXT NOT NULL,
    name_nb TEXT NOT NULL,
    name_en TEXT NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,
    sort_key INTEGER NOT NULL
);

CREATE TABLE u4ssc_kpi_values (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    kpi_code TEXT NOT NULL REFERENCES u4ssc_kpis(code),
    year INTEGER NOT NULL,
    value REAL NOT NULL,
    note TEXT,
    source TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    UNIQUE (municipality_id, kpi_code, year)
);
