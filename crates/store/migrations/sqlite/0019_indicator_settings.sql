-- The thresholds of the indicator progress classification (issue #14 §2) per municipality: the ratio
-- of observed to required pace from which an indicator is on track and from which its progress is
-- moderate, below which it moves away, the observations a trend needs and how rates are computed.
-- No row means Eurostat's defaults. Versioned like every edited row.
CREATE TABLE indicator_settings (
    municipality_id INTEGER PRIMARY KEY REFERENCES municipalities(id),
    on_track REAL NOT NULL,
    moderate REAL NOT NULL,
    moving_away REAL NOT NULL,
    min_observations INTEGER NOT NULL,
    method TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
