-- Plan system: plans, their sources and decisions, goal elements, SDG catalogue and links.
CREATE TABLE sdg_goals (
    goal INTEGER PRIMARY KEY,
    colour TEXT NOT NULL,
    short_nb TEXT NOT NULL,
    title_nb TEXT NOT NULL,
    short_en TEXT NOT NULL,
    title_en TEXT NOT NULL
);

CREATE TABLE sdg_targets (
    code TEXT PRIMARY KEY,
    goal INTEGER NOT NULL REFERENCES sdg_goals(goal),
    text_en TEXT NOT NULL,
    text_nb TEXT,
    sort_key INTEGER NOT NULL
);

CREATE TABLE sdg_indicators (
    code TEXT PRIMARY KEY,
    target TEXT NOT NULL REFERENCES sdg_targets(code),
    text_en TEXT NOT NULL,
    text_nb TEXT
);

CREATE TABLE sdg_priorities (
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    goal INTEGER NOT NULL REFERENCES sdg_goals(goal),
    first_year INTEGER NOT NULL,
    last_year INTEGER NOT NULL,
    PRIMARY KEY (municipality_id, goal, first_year)
);

CREATE TABLE plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    plan_type TEXT NOT NULL,
    title TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    end_year INTEGER NOT NULL,
    owner_unit_id INTEGER REFERENCES org_units(id),
    status TEXT NOT NULL DEFAULT 'draft',
    published INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX plans_municipality ON plans(municipality_id, plan_type);

CREATE TABLE plan_sources (
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    source_plan_id INTEGER NOT NULL REFERENCES plans(id),
    PRIMARY KEY (plan_id, source_plan_id)
);

CREATE TABLE plan_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    body TEXT NOT NULL,
    case_number TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    note TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE goal_elements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    parent_id INTEGER REFERENCES goal_elements(id),
    kind TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    owner_unit_id INTEGER REFERENCES org_units(id),
    responsible_person_id INTEGER REFERENCES people(id),
    deadline TEXT,
    status TEXT NOT NULL DEFAULT 'draft',
    source_element_id INTEGER REFERENCES goal_elements(id),
    source_revision_seen INTEGER,
    revision INTEGER NOT NULL DEFAULT 1,
    removed_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX goal_elements_plan ON goal_elements(plan_id, parent_id, position);
CREATE INDEX goal_elements_source ON goal_elements(source_element_id);
CREATE INDEX goal_elements_municipality ON goal_elements(municipality_id, kind);

CREATE TABLE element_sdg_targets (
    element_id INTEGER NOT NULL REFERENCES goal_elements(id),
    target TEXT NOT NULL REFERENCES sdg_targets(code),
    adapted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (element_id, target)
);
CREATE INDEX element_sdg_targets_target ON element_sdg_targets(target);

CREATE TABLE plan_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    number INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    UNIQUE (plan_id, number)
);

CREATE TABLE plan_sections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    position INTEGER NOT NULL,
    heading TEXT NOT NULL,
    body TEXT NOT NULL,
    removed_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX plan_sections_plan ON plan_sections(plan_id, position);
ALTER TABLE goal_elements ADD COLUMN section_id INTEGER REFERENCES plan_sections(id);

CREATE TABLE element_labels (
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    kind TEXT NOT NULL,
    lang TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (municipality_id, kind, lang)
);

-- Corrected target texts for this installation (the shipped bokmål texts are unofficial).
CREATE TABLE sdg_target_texts (
    code TEXT NOT NULL REFERENCES sdg_targets(code),
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (code, lang)
);

-- Bumped with every change to plans and goal elements, so caches of the red thread know when to reload.
ALTER TABLE municipalities ADD COLUMN plan_generation INTEGER NOT NULL DEFAULT 0;
