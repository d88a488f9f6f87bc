-- Searches (the `search` parameter: a case-insensitive substring of filename, description or part number) read
-- lower-cased copies of the searched text and match them with LIKE lower(pattern), which means what ILIKE means
-- (PostgreSQL's ILIKE lower-cases both sides), without lower-casing every row on every search: that was most of a
-- search's cost (see docs/query-plans.md). Trigram indexes on the copies answer a search of a rare word from the
-- index; a common word (a third of the rows) still reads the rows of the reader's organizations.
--
-- The copies are generated columns: PostgreSQL keeps them, whoever writes the row. The AFTER trigger's list of
-- changed columns then names a copy with its source, so the per-column list invalidation sees both.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE design_assets
  ADD COLUMN filename_lower text GENERATED ALWAYS AS (lower(filename)) STORED,
  ADD COLUMN description_lower text GENERATED ALWAYS AS (lower(description)) STORED;
ALTER TABLE design_series
  ADD COLUMN part_number_lower text GENERATED ALWAYS AS (lower(part_number)) STORED;

CREATE INDEX design_assets_filename_trgm_idx ON design_assets USING gin (filename_lower gin_trgm_ops);
CREATE INDEX design_assets_description_trgm_idx ON design_assets USING gin (description_lower gin_trgm_ops);
CREATE INDEX design_series_part_number_trgm_idx ON design_series USING gin (part_number_lower gin_trgm_ops);
