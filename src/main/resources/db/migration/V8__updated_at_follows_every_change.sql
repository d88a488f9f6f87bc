-- updated_at is the Last-Modified of a row's representation (see Resource.lastModified), so it must move with
-- every change of the row, whoever makes it: Enginel's own writes set it, but a writer outside Enginel may not,
-- and neither do the database's own referential actions (deleting a user sets uploaded_by, created_by and
-- author_id to NULL). A change that leaves updated_at as it was gets now() (the time its transaction began,
-- as Enginel's writes have it); a change that sets updated_at itself keeps its value; an UPDATE that changes
-- nothing changes nothing.

CREATE FUNCTION enginel_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER organizations_touch BEFORE UPDATE ON organizations
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION enginel_touch_updated_at();
CREATE TRIGGER users_touch BEFORE UPDATE ON users
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION enginel_touch_updated_at();
CREATE TRIGGER design_series_touch BEFORE UPDATE ON design_series
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION enginel_touch_updated_at();
CREATE TRIGGER design_assets_touch BEFORE UPDATE ON design_assets
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION enginel_touch_updated_at();
CREATE TRIGGER assembly_nodes_touch BEFORE UPDATE ON assembly_nodes
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION enginel_touch_updated_at();
CREATE TRIGGER analysis_jobs_touch BEFORE UPDATE ON analysis_jobs
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION enginel_touch_updated_at();
CREATE TRIGGER review_sessions_touch BEFORE UPDATE ON review_sessions
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION enginel_touch_updated_at();
CREATE TRIGGER markups_touch BEFORE UPDATE ON markups
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION enginel_touch_updated_at();
