-- Council reports, issue #15 §1-3: the monthly economy report, the four-monthly reports and the
-- annual report. A report keeps the sections of its type's template as they were when it was made,
-- its introduction, one commentary per service area and (annual report) an assessment per goal of
-- the master plan. Adoption records the decision and freezes the composed content (JSON) and the
-- PDF made from it, so the report reads the same however the data change afterwards.

-- A municipality's own template of a report type: section codes in order, comma-separated. Without
-- a row the shipped default (domain::reports::ReportKind::default_sections) applies.
CREATE TABLE report_templates (
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    kind TEXT NOT NULL,
    sections TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (municipality_id, kind)
);

-- A report. month is set for monthly reports, unit_id for a monthly report of a service area or
-- unit. version counts edits of the introduction, content_version edits of any of its texts.
-- The frozen_* columns are set once, at adoption, and never change afterwards.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id INTEGER NOT NULL REFERENCES municipalities(id),
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    month INTEGER,
    unit_id INTEGER REFERENCES org_units(id),
    sections TEXT NOT NULL,
    introduction TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    content_version INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    decision_body TEXT,
    case_number TEXT,
    decided_on TEXT,
    adopted_by TEXT,
    adopted_at TEXT,
    frozen_content TEXT,
    frozen_pdf BLOB
);
CREATE INDEX reports_municipality ON reports(municipality_id, year);

-- A service area's commentary: state draft, submitted or compiled.
CREATE TABLE report_commentaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    area_id INTEGER NOT NULL REFERENCES org_units(id),
    text TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (report_id, area_id)
);

-- The management staff's assessment of a goal of the master plan in an annual report.
CREATE TABLE report_goal_assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    element_id INTEGER NOT NULL REFERENCES goal_elements(id),
    verdict TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (report_id, element_id)
);
