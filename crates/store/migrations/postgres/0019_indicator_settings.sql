-- The thresholds of the indicator progress classification (issue #14 §2) per municipality: the ratio
-- of observed to required pace from which an indicator is on track and from which its progress is
-- moderate, below which it moves away, the observations a trend needs and how rates are computed.
-- No row means Eurostat's defaults. Versioned like every edited row.
CREATE TABLE indicator_settings (
    municipality_id BIGINT PRIMARY KEY REFERENCES municipalities(id),
    on_track DOUBLE PRECISION NOT NULL,
    moderate DOUBLE PRECISION NOT NULL,
    moving_away DOUBLE PRECISION NOT NULL,
    min_observations BIGINT NOT NULL,
    method TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL
);
