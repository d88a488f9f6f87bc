#!/usr/bin/env bash
# Regenerates the request pools of shared/bench/WORKLOAD.md from a seeded database (the data set is
# deterministic, so the committed files are the same for every seeded database):
#   hot-detail.csv  the fixed pool of 1,000 design ids, each with a user (1..100) who may see it
#   bom.csv         the 2,000 designs with a BOM, each with a user who may see it
#   writable.csv    mixed's writes: the 100 designs that appear most often in the users' hot-list pages 1..5
#                   (GET /api/designs/?upload_status=COMPLETED&ordering=-created_at&page={1..5}&page_size=20 as
#                   each of the 100 users sees it: the COMPLETED designs of the user's organizations, newest
#                   first, then by id, as the server orders them), each with the first user who may change it
#                   (EDITOR or ADMIN in its organization); designs nobody may change are left out; ties in the
#                   number of users who see a design are broken by id, so the file is the same on every run.
#                   The list rows of these designs are then read, and checked by the stale-read referee, all
#                   the time (about a quarter of all hot-list rows).
set -euo pipefail
PG="${1:-postgresql://postgres@127.0.0.1:5432/enginel_bench}"
OUT="$(dirname "$0")/src/test/resources/pools"
psql "$PG" -tA -F, -c "WITH pool AS (SELECT id, organization_id FROM design_assets ORDER BY id LIMIT 1000)
  SELECT p.id, (SELECT min(m.user_id) FROM memberships m WHERE m.organization_id = p.organization_id)
  FROM pool p ORDER BY p.id" | sed '1i design,user' > "$OUT/hot-detail.csv"
psql "$PG" -tA -F, -c "SELECT d.id, (SELECT min(m.user_id) FROM memberships m WHERE m.organization_id = d.organization_id)
  FROM design_assets d WHERE EXISTS (SELECT 1 FROM assembly_nodes n WHERE n.design_id = d.id) ORDER BY d.id" \
  | sed '1i design,user' > "$OUT/bom.csv"
psql "$PG" -v ON_ERROR_STOP=1 -tA -F, -c "
  WITH scope AS (        -- the organizations of each of the 100 users
    SELECT u.id AS user_id, array_agg(m.organization_id) AS orgs
    FROM users u JOIN memberships m ON m.user_id = u.id
    WHERE u.username ~ '^user([1-9][0-9]?|100)\$'
    GROUP BY u.id),
  hot AS (               -- the rows of each user's hot-list pages 1..5 (20 rows each)
    SELECT h.id, h.organization_id
    FROM scope s CROSS JOIN LATERAL (
      SELECT d.id, d.organization_id FROM design_assets d
      WHERE d.organization_id = ANY(s.orgs) AND d.upload_status = 'COMPLETED'
      ORDER BY d.created_at DESC, d.id LIMIT 5 * 20) h),
  seen AS (              -- how many users see each design there
    SELECT id, organization_id, count(*) AS users FROM hot GROUP BY id, organization_id)
  SELECT s.id, w.user_id
  FROM seen s CROSS JOIN LATERAL (
    SELECT min(m.user_id) AS user_id FROM memberships m
    WHERE m.organization_id = s.organization_id AND m.role IN ('EDITOR', 'ADMIN')) w
  WHERE w.user_id IS NOT NULL
  ORDER BY s.users DESC, s.id
  LIMIT 100" | sed '1i design,user' > "$OUT/writable.csv"
[ "$(wc -l < "$OUT/writable.csv")" = 101 ] || { echo "writable.csv: expected 100 designs, got $(($(wc -l < "$OUT/writable.csv") - 1))" >&2; exit 1; }
wc -l "$OUT"/*.csv
