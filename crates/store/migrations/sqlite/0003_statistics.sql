-- Statistics (bærekraftstatistikk): imported JSON-stat tables, their series and values with the
-- history of every change, peer groups, SDG links, and indicator values fed from statistics.
CREATE TABLE stat_tables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    source_key TEXT NOT NULL,
    label TEXT NOT NULL,
    source TEXT,
    source_updated TEXT,
    time_dimension TEXT,
    geo_dimension TEXT,
    metric_dimension TEXT,
    dimensions_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (municipality_id, source_key)
);

CREATE TABLE stat_series (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    table_id INTEGER NOT NULL REFERENCES stat_tables(id),
    series_key TEXT NOT NULL,
    label TEXT NOT NULL,
    unit TEXT,
    decimals INTEGER,
    UNIQUE (table_id, series_key)
);

CREATE TABLE stat_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    table_id INTEGER REFERENCES stat_tables(id),
    source_key TEXT NOT NULL,
    label TEXT NOT NULL,
    origin TEXT NOT NULL,
    file_name TEXT NOT NULL,
    state TEXT NOT NULL,
    cells_total INTEGER NOT NULL DEFAULT 0,
    cells_added INTEGER NOT NULL DEFAULT 0,
    cells_changed INTEGER NOT NULL DEFAULT 0,
    cells_unchanged INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    user_id INTEGER REFERENCES users(id),
    actor_name TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX stat_imports_table ON stat_imports(municipality_id, table_id);

CREATE TABLE stat_values (
    series_id INTEGER NOT NULL REFERENCES stat_series(id),
    region TEXT NOT NULL,
    period TEXT NOT NULL,
    value REAL,
    status TEXT,
    import_id INTEGER NOT NULL REFERENCES stat_imports(id),
    PRIMARY KEY (series_id, region, period)
);

CREATE TABLE stat_value_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id INTEGER NOT NULL REFERENCES stat_series(id),
    region TEXT NOT NULL,
    period TEXT NOT NULL,
    import_id INTEGER NOT NULL REFERENCES stat_imports(id),
    old_value REAL,
    old_status TEXT,
    new_value REAL,
    new_status TEXT
);
CREATE INDEX stat_value_changes_series ON stat_value_changes(series_id, region, period);

-- An uploaded file waiting for the user to confirm its preview.
CREATE TABLE stat_uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    user_id INTEGER REFERENCES users(id),
    token TEXT NOT NULL UNIQUE,
    file_name TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE stat_peer_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE stat_peer_group_members (
    group_id INTEGER NOT NULL REFERENCES stat_peer_groups(id),
    region TEXT NOT NULL,
    PRIMARY KEY (group_id, region)
);

CREATE TABLE stat_series_sdg (
    series_id INTEGER NOT NULL REFERENCES stat_series(id),
    goal INTEGER NOT NULL REFERENCES sdg_goals(goal),
    PRIMARY KEY (series_id, goal)
);

-- An indicator (goal element) that takes its values from a statistics series for one region.
CREATE TABLE indicator_sources (
    element_id INTEGER PRIMARY KEY REFERENCES goal_elements(id),
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    series_id INTEGER NOT NULL REFERENCES stat_series(id),
    region TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

-- Values of an indicator per period: actual figures and (later) targets, from statistics or entered by hand.
CREATE TABLE indicator_values (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    element_id INTEGER NOT NULL REFERENCES goal_elements(id),
    period TEXT NOT NULL,
    kind TEXT NOT NULL,
    value REAL,
    status TEXT,
    origin TEXT NOT NULL,
    stat_import_id INTEGER REFERENCES stat_imports(id),
    source_label TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    UNIQUE (element_id, period, kind)
);
