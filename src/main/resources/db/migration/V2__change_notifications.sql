-- Every change to a table whose rows are cached raises NOTIFY enginel_changes with the ids the
-- invalidation table needs, from the old and the new row:
--   {"table": "design_assets", "op": "update", "origin": "<application_name>",
--    "old": {"id": "…", "organization_id": "…", "series_id": "…"}, "new": {…}}
-- Enginel nodes name their connections "enginel/<node id>" and ignore their own notifications (they
-- invalidate before answering); writes from anywhere else (psql, other services, another node) are
-- invalidated by every listening node.
-- A bulk load may set enginel.bulk = 'on' in its session to skip row notifications; it must then send
-- one NOTIFY enginel_changes '{"table": "*"}', which invalidates everything.

CREATE FUNCTION enginel_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  old_row jsonb;
  new_row jsonb;
  old_refs jsonb := '{}';
  new_refs jsonb := '{}';
  col text;
BEGIN
  IF coalesce(current_setting('enginel.bulk', true), '') = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;
  FOREACH col IN ARRAY TG_ARGV LOOP
    IF old_row IS NOT NULL THEN old_refs := old_refs || jsonb_build_object(col, old_row -> col); END IF;
    IF new_row IS NOT NULL THEN new_refs := new_refs || jsonb_build_object(col, new_row -> col); END IF;
  END LOOP;
  -- A user's cached answers live under their organizations: name them.
  IF TG_TABLE_NAME = 'users' THEN
    new_refs := new_refs || jsonb_build_object('organization_ids',
      (SELECT coalesce(jsonb_agg(m.organization_id), '[]'::jsonb) FROM memberships m
        WHERE m.user_id = coalesce((new_row ->> 'id')::bigint, (old_row ->> 'id')::bigint)));
  ELSIF TG_TABLE_NAME = 'review_reviewers' THEN
    new_refs := new_refs || jsonb_build_object('organization_id',
      (SELECT r.organization_id FROM review_sessions r
        WHERE r.id = coalesce((new_row ->> 'review_id')::uuid, (old_row ->> 'review_id')::uuid)));
  END IF;
  PERFORM pg_notify('enginel_changes', jsonb_build_object(
    'table', TG_TABLE_NAME,
    'op', lower(TG_OP),
    'origin', current_setting('application_name', true),
    'old', CASE WHEN old_row IS NULL THEN NULL ELSE old_refs END,
    'new', CASE WHEN new_row IS NULL THEN NULL ELSE new_refs END)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER organizations_notify AFTER INSERT OR UPDATE OR DELETE ON organizations
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('id');
CREATE TRIGGER users_notify AFTER INSERT OR UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('id');
CREATE TRIGGER memberships_notify AFTER INSERT OR UPDATE OR DELETE ON memberships
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('organization_id', 'user_id');
CREATE TRIGGER design_series_notify AFTER INSERT OR UPDATE OR DELETE ON design_series
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('id', 'organization_id');
CREATE TRIGGER design_assets_notify AFTER INSERT OR UPDATE OR DELETE ON design_assets
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('id', 'organization_id', 'series_id');
CREATE TRIGGER assembly_nodes_notify AFTER INSERT OR UPDATE OR DELETE ON assembly_nodes
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('id', 'organization_id', 'design_id', 'parent_id');
CREATE TRIGGER geometry_metadata_notify AFTER INSERT OR UPDATE OR DELETE ON geometry_metadata
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('design_id', 'organization_id');
CREATE TRIGGER analysis_jobs_notify AFTER INSERT OR UPDATE OR DELETE ON analysis_jobs
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('id', 'organization_id', 'design_id');
CREATE TRIGGER review_sessions_notify AFTER INSERT OR UPDATE OR DELETE ON review_sessions
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('id', 'organization_id', 'design_id');
CREATE TRIGGER review_reviewers_notify AFTER INSERT OR UPDATE OR DELETE ON review_reviewers
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('review_id', 'user_id');
CREATE TRIGGER markups_notify AFTER INSERT OR UPDATE OR DELETE ON markups
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('id', 'organization_id', 'review_id');
CREATE TRIGGER audit_logs_notify AFTER INSERT OR UPDATE OR DELETE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('id', 'organization_id');
CREATE TRIGGER sessions_notify AFTER UPDATE OR DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION enginel_notify_change('token_hash', 'user_id');
