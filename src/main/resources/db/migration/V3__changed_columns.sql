-- Updates now also say which columns they changed ("changed": [...]), so that list pages that do not
-- depend on those columns keep their cache entries (see InvalidationRules). Everything else as in V2.

CREATE OR REPLACE FUNCTION enginel_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  old_row jsonb;
  new_row jsonb;
  old_refs jsonb := '{}';
  new_refs jsonb := '{}';
  changed jsonb;
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
  IF TG_OP = 'UPDATE' THEN
    SELECT coalesce(jsonb_agg(n.key), '[]'::jsonb) INTO changed
      FROM jsonb_each(new_row) n WHERE n.value IS DISTINCT FROM old_row -> n.key;
  END IF;
  IF TG_TABLE_NAME = 'users' THEN
    new_refs := new_refs || jsonb_build_object('organization_ids',
      (SELECT coalesce(jsonb_agg(m.organization_id), '[]'::jsonb) FROM memberships m
        WHERE m.user_id = coalesce((new_row ->> 'id')::bigint, (old_row ->> 'id')::bigint)));
  ELSIF TG_TABLE_NAME = 'review_reviewers' THEN
    new_refs := new_refs || jsonb_build_object('organization_id',
      (SELECT r.organization_id FROM review_sessions r
        WHERE r.id = coalesce((new_row ->> 'review_id')::uuid, (old_row ->> 'review_id')::uuid)));
  END IF;
  PERFORM pg_notify('enginel_changes', jsonb_strip_nulls(jsonb_build_object(
    'table', TG_TABLE_NAME,
    'op', lower(TG_OP),
    'origin', current_setting('application_name', true),
    'old', CASE WHEN old_row IS NULL THEN NULL ELSE old_refs END,
    'new', CASE WHEN new_row IS NULL THEN NULL ELSE new_refs END,
    'changed', changed))::text);
  RETURN NULL;
END;
$$;
