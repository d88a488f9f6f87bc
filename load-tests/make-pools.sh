#!/usr/bin/env bash
# Regenerates the request pools of shared/bench/WORKLOAD.md from a seeded database (the data set is
# deterministic, so the committed files are the same for every seeded database):
#   hot-detail.csv  the fixed pool of 1,000 design ids, each with a user (1..100) who may see it
#   bom.csv         the 2,000 designs with a BOM, each with a user who may see it
#   writable.csv    designs of the hot pool with a user who may change them (EDITOR or ADMIN): mixed's writes
set -euo pipefail
PG="${1:-postgresql://postgres@127.0.0.1:5432/enginel_bench}"
OUT="$(dirname "$0")/src/test/resources/pools"
psql "$PG" -tA -F, -c "WITH pool AS (SELECT id, organization_id FROM design_assets ORDER BY id LIMIT 1000)
  SELECT p.id, (SELECT min(m.user_id) FROM memberships m WHERE m.organization_id = p.organization_id)
  FROM pool p ORDER BY p.id" | sed '1i design,user' > "$OUT/hot-detail.csv"
psql "$PG" -tA -F, -c "SELECT d.id, (SELECT min(m.user_id) FROM memberships m WHERE m.organization_id = d.organization_id)
  FROM design_assets d WHERE EXISTS (SELECT 1 FROM assembly_nodes n WHERE n.design_id = d.id) ORDER BY d.id" \
  | sed '1i design,user' > "$OUT/bom.csv"
psql "$PG" -tA -F, -c "WITH pool AS (SELECT id, organization_id FROM design_assets ORDER BY id LIMIT 1000)
  SELECT p.id, (SELECT min(m.user_id) FROM memberships m WHERE m.organization_id = p.organization_id
                AND m.role IN ('EDITOR', 'ADMIN'))
  FROM pool p ORDER BY p.id" | grep -v ',$' | sed '1i design,user' > "$OUT/writable.csv"
wc -l "$OUT"/*.csv
