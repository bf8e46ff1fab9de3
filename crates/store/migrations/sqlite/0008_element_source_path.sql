-- What an inherited element's plan last saw of the goal path above its source (`id:revision` per
-- step, see domain::plan::path_signature), so a changed master-plan goal on that path is marked in
-- the unit plan too. NULL for elements inherited before this was recorded: nothing is marked until
-- the change is next acknowledged.
ALTER TABLE goal_elements ADD COLUMN source_path_seen TEXT;
