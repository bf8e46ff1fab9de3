-- A statistics series is always read and written whole for one region (the comparison chart, the
-- indicator refresh, the re-import diff), so its cells are stored as one row per series and region:
-- `cells` is a JSON array of [period, value] or, with a status symbol, [period, value, status],
-- sorted by period. A 1,000,000-cell table is then 20,000 rows instead of a million, and an import
-- writes it in a fraction of the time. The history of revised figures stays per cell in
-- stat_value_changes.
CREATE TABLE stat_cells (
    series_id BIGINT NOT NULL REFERENCES stat_series(id),
    region TEXT NOT NULL,
    cells TEXT NOT NULL,
    -- The import that last changed a cell of this row.
    import_id BIGINT NOT NULL REFERENCES stat_imports(id),
    PRIMARY KEY (series_id, region)
);

INSERT INTO stat_cells (series_id, region, cells, import_id)
SELECT series_id, region, json_agg(CASE WHEN status IS NULL THEN json_build_array(period, value) ELSE json_build_array(period, value, status) END
                         ORDER BY period)::text, MAX(import_id)
FROM stat_values GROUP BY series_id, region;

DROP TABLE stat_values;
