-- A statistics series is always read and written whole for one region (the comparison chart, the
-- indicator refresh, the re-import diff), so its cells are stored as one row per series and region:
-- `cells` is a JSON array of [period, value] or, with a status symbol, [period, value, status],
-- sorted by period. A 1,000,000-cell table is then 20,000 rows instead of a million, and an import
-- writes it in a fraction of the time. The history of revised figures stays per cell in
-- stat_value_changes.
CREATE TABLE stat_cells (
    series_id INTEGER NOT NULL REFERENCES stat_series(id),
    region TEXT NOT NULL,
    cells TEXT NOT NULL,
    -- The import that last changed a cell of this row.
    import_id INTEGER NOT NULL REFERENCES stat_imports(id),
    PRIMARY KEY (series_id, region)
);

-- The array is built as text so values keep 17 significant digits, which read back as the same double.
INSERT INTO stat_cells (series_id, region, cells, import_id)
SELECT series_id, region, '[' || group_concat(cell, ',') || ']', MAX(import_id)
FROM (SELECT series_id, region, import_id,
             '[' || json_quote(period) || ',' || CASE WHEN value IS NULL THEN 'null' ELSE printf('%!.17g', value) END
                 || CASE WHEN status IS NULL THEN '' ELSE ',' || json_quote(status) END || ']' AS cell
      FROM stat_values ORDER BY series_id, region, period)
GROUP BY series_id, region;

DROP TABLE stat_values;
