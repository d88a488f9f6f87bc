#!/usr/bin/env bash
# What the long-term tier buys (issue: expensive computations): for a 1,000,000-triangle STL, the time to
# compute its geometry metadata (by the job worker, and on demand by GET …/metadata on a miss) against the
# time to serve it from the cache; and for the BOM trees of the data set, a miss (recursive query) against
# a hit. Prints one table. Same services and data set as bench.sh; traffic to 127.0.0.1 only.
#
#   load-tests/compute-bench.sh [hits to time, default 200]
set -euo pipefail
cd "$(dirname "$0")/.."
HITS="${1:-200}"
PG_ADMIN="${BENCH_PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}"
PG_URI="${BENCH_PG_URI:-postgresql://postgres@127.0.0.1:5432/enginel_bench}"
REDIS_URI="${BENCH_REDIS_URI:-redis://127.0.0.1:6379}"
PORT="${BENCH_PORT:-8090}"
BASE="http://127.0.0.1:$PORT"
WORK="${BENCH_OUT:-target/compute-bench}"; rm -rf "$WORK"; mkdir -p "$WORK"
trap 'kill $(cat "$WORK"/pid 2>/dev/null) 2>/dev/null || true' EXIT

[ -f target/enginel.jar ] || ./mvnw -q -B package -DskipTests
psql "$PG_ADMIN" -tAc "SELECT 1 FROM pg_database WHERE datname = 'enginel_bench'" | grep -q 1 \
  || psql "$PG_ADMIN" -qc "CREATE DATABASE enginel_bench"
ENGINEL_PG_URI="$PG_URI" ENGINEL_REDIS_URI="$REDIS_URI" java -jar target/enginel.jar seed | tail -n 1
if curl -s -o /dev/null "$BASE/health"; then echo "port $PORT is already served by another process: stop it first"; exit 1; fi
ENGINEL_PG_URI="$PG_URI" ENGINEL_REDIS_URI="$REDIS_URI" ENGINEL_HTTP_PORT="$PORT" ENGINEL_STORAGE_DIR="$WORK/files" \
  java ${BENCH_JAVA_OPTS:--Xms1g -Xmx1g} -jar target/enginel.jar > "$WORK/server.log" 2>&1 &
echo $! > "$WORK/pid"
for _ in $(seq 1 60); do curl -sf "$BASE/health" > /dev/null && break; sleep 0.5; done

login() { curl -sf -XPOST "$BASE/api/auth/login" -H 'Content-Type: application/json' \
  -d "{\"username\":\"user$1\",\"password\":\"pass$1\"}" | sed -E 's/.*"token":"([^"]+)".*/\1/'; }
# one request: "<status> <seconds> <x-cache>"
timed() { curl -s -o "$WORK/body" -w '%{http_code} %{time_total} %header{x-cache}\n' -H "Authorization: Bearer $1" "$BASE$2"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
p99() { sort -n | awk '{ a[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; print a[i] }'; }
ms() { awk '{ printf "%.3f", $1 * 1000 }'; }

STAFF=$(login 1)

# ---------------------------------------------------------------- geometry metadata of a 1,000,000-triangle STL
python3 load-tests/compute/torus_stl.py "$WORK/torus.stl" 1000 500
# an STL design that an EDITOR or ADMIN may change, and that user
read -r DESIGN EDITOR < <(psql "$PG_URI" -tA -F' ' -c "SELECT d.id, min(m.user_id) FROM design_assets d
  JOIN memberships m ON m.organization_id = d.organization_id AND m.role IN ('EDITOR', 'ADMIN')
  WHERE d.file_format = 'stl' GROUP BY d.id ORDER BY d.id LIMIT 1")
TOKEN=$(login "$EDITOR")
curl -sf -XPOST "$BASE/api/designs/$DESIGN/file" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/octet-stream' --data-binary @"$WORK/torus.stl" > "$WORK/upload.json"
JOB=$(sed -E 's/.*"job":"([0-9a-f-]{36})".*/\1/' "$WORK/upload.json")
for _ in $(seq 1 600); do
  STATUS=$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/analysis-jobs/$JOB/" | sed -E 's/.*"status":"([A-Z]+)".*/\1/')
  [ "$STATUS" = COMPLETED ] || [ "$STATUS" = FAILED ] && break
  sleep 0.2
done
[ "$STATUS" = COMPLETED ] || { echo "the geometry job ended $STATUS"; cat "$WORK/server.log" | tail -n 20; exit 1; }
JOB_MS=$(psql "$PG_URI" -tAc "SELECT round(extract(epoch FROM finished_at - started_at) * 1000) FROM analysis_jobs WHERE id = '$JOB'")
read -r _ STORED_MISS _ < <(timed "$TOKEN" "/api/designs/$DESIGN/metadata")
cp "$WORK/body" "$WORK/metadata.json"
# on demand: the stored result removed from outside (psql; its NOTIFY invalidates the cached answer), so the
# next miss computes the mesh again on a worker
psql "$PG_URI" -qc "DELETE FROM geometry_metadata WHERE design_id = '$DESIGN'"
for _ in $(seq 1 50); do
  [ "$(redis-cli -u "${REDIS_URI%/}/3" EXISTS "enginel:design:$DESIGN:metadata")" = 0 ] && break; sleep 0.1
done
read -r CODE COMPUTE_MISS XC < <(timed "$TOKEN" "/api/designs/$DESIGN/metadata")
[ "$CODE" = 200 ] && [ "$XC" = MISS ] || { echo "on-demand metadata: $CODE $XC $(cat "$WORK/body")"; exit 1; }
# the computing request's own fill is refused (storing the result was a write that stamped the entry's tag
# after its ticket); the next request fills from the stored result, and from then on it is a hit
timed "$TOKEN" "/api/designs/$DESIGN/metadata" > /dev/null
: > "$WORK/meta-hits"
for _ in $(seq 1 "$HITS"); do timed "$TOKEN" "/api/designs/$DESIGN/metadata" | awk '$3 == "HIT" { print $2 }' >> "$WORK/meta-hits"; done
[ "$(wc -l < "$WORK/meta-hits")" = "$HITS" ] || { echo "not every metadata request was a HIT"; exit 1; }

# ---------------------------------------------------------------- BOM trees: miss vs hit over the 20 largest
psql "$PG_URI" -tA -F' ' -c "SELECT n.design_id, count(*),
    (SELECT min(m.user_id) FROM memberships m WHERE m.organization_id = d.organization_id)
  FROM assembly_nodes n JOIN design_assets d ON d.id = n.design_id
  GROUP BY n.design_id, d.organization_id ORDER BY count(*) DESC, n.design_id LIMIT 20" > "$WORK/boms"
: > "$WORK/bom-miss"; : > "$WORK/bom-hit"
while read -r D NODES U; do
  T=$(login "$U")
  curl -sf -XPOST "$BASE/api/cache/invalidate" -H "Authorization: Bearer $STAFF" -H 'Content-Type: application/json' \
    -d "{\"keys\": [\"enginel:design:$D:bom\"], \"tier\": \"longterm\"}" > /dev/null
  timed "$T" "/api/designs/$D/bom" | awk '$3 == "MISS" { print $2 }' >> "$WORK/bom-miss"
  for _ in $(seq 1 10); do timed "$T" "/api/designs/$D/bom" | awk '$3 == "HIT" { print $2 }' >> "$WORK/bom-hit"; done
done < "$WORK/boms"
BOM_BYTES=$(wc -c < "$WORK/body")

# ---------------------------------------------------------------- compression: the hot-list page as stored
LIST_PATH="/api/designs/?upload_status=COMPLETED&ordering=-created_at&page=1&page_size=20"
curl -s -o "$WORK/list.json" -H "Authorization: Bearer $TOKEN" "$BASE$LIST_PATH"
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE$LIST_PATH"
LIST_KEY=$(redis-cli -u "${REDIS_URI%/}/1" --scan --pattern 'enginel:design:list:*' | grep 'upload_status' | grep 'page=1' \
  | grep 'ordering=-created_at' | grep 'page_size=20' | while read -r k; do
      [ "$(redis-cli -u "${REDIS_URI%/}/1" TTL "$k")" -gt 250 ] && echo "$k"; done | head -n 1)
LIST_RAW=$(wc -c < "$WORK/list.json")
LIST_STORED=$(redis-cli -u "${REDIS_URI%/}/1" STRLEN "$LIST_KEY")
NODES_MAX=$(head -n 1 "$WORK/boms" | awk '{ print $2 }')

echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -n1)"
echo "mesh: $(grep -oE '"triangle_count":[0-9]+' "$WORK/metadata.json"), $(stat -c %s "$WORK/torus.stl") bytes"
printf "%-44s %12s\n" "what" "ms"
printf "%-44s %12s\n" "metadata: geometry job (worker, parse + integrate)" "$JOB_MS"
printf "%-44s %12s\n" "metadata: GET on a miss, computed on demand" "$(echo "$COMPUTE_MISS" | ms)"
printf "%-44s %12s\n" "metadata: GET on a miss, stored result read" "$(echo "$STORED_MISS" | ms)"
printf "%-44s %12s\n" "metadata: GET on a hit (median of $HITS)" "$(median < "$WORK/meta-hits" | ms)"
printf "%-44s %12s\n" "metadata: GET on a hit (p99)" "$(p99 < "$WORK/meta-hits" | ms)"
printf "%-44s %12s\n" "bom: GET on a miss (median, 20 largest trees)" "$(median < "$WORK/bom-miss" | ms)"
printf "%-44s %12s\n" "bom: GET on a hit (median of $(wc -l < "$WORK/bom-hit"))" "$(median < "$WORK/bom-hit" | ms)"
echo "(largest tree: $NODES_MAX nodes; the last BOM answer was $BOM_BYTES bytes)"
awk -v raw="$LIST_RAW" -v stored="$LIST_STORED" 'BEGIN { printf "hot-list page: %d bytes of JSON, %d bytes stored in Redis (entry with its header): %.0f %% saved\n", raw, stored, 100 * (1 - stored / raw) }'
awk -v c="$(echo "$COMPUTE_MISS" | ms)" -v h="$(median < "$WORK/meta-hits" | ms)" \
  -v bm="$(median < "$WORK/bom-miss" | ms)" -v bh="$(median < "$WORK/bom-hit" | ms)" \
  'BEGIN { printf "metadata computed / hit = %.0fx; bom miss / hit = %.1fx\n", c / h, bm / bh }'
