#!/usr/bin/env bash
# How big the tag sets grow under searches that never repeat (docs/invalidation.md, "Tags, not scans"): starts one
# server with every TTL at 20 s against the benchmark database, flushes the Redis first (its whole keyspace: use a
# Redis of your own), drives wrk cold-list for 100 s, and prints every 20 s the number of tag sets, their members
# (SCARD of every <prefix>:_tag:* key) and Redis's used_memory. Every search page is stored at its first ask
# (ENGINEL_CACHE_STORE_REBUILT_ON_FIRST_ASK=true): by default a page asked once is not stored at all
# (docs/searches.md), so this measures the worst case, every search asked again.
#
#   load-tests/tag-sets.sh <jar> [label]
#   BENCH_PG_URI, BENCH_PORT, BENCH_OUT (target/tag-sets), BENCH_REDIS_DB (1, the default tier's database)
#
# Needs what load-tests/bench.sh needs, and the database it seeded (its tokens are made here the same way). Traffic
# goes to 127.0.0.1 only. A sample takes a few seconds (a SCAN and an SCARD of every set), so the times are approximate.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR="${1:?usage: load-tests/tag-sets.sh <jar> [label]}"; LABEL="${2:-$(basename "$JAR")}"
PG_URI="${BENCH_PG_URI:-postgresql://postgres@127.0.0.1:5432/enginel_bench}"
REDIS_HOST=127.0.0.1; REDIS_PORT=6379; PORT="${BENCH_PORT:-8090}"
WORK="${BENCH_OUT:-target/tag-sets}"; rm -rf "$WORK"; mkdir -p "$WORK"
redis-cli -h $REDIS_HOST -p $REDIS_PORT flushall > /dev/null
export ENGINEL_CACHE_TTL_SECONDS_DEFAULT=20 ENGINEL_CACHE_TTL_SECONDS_LONGTERM=20 ENGINEL_CACHE_STORE_REBUILT_ON_FIRST_ASK=true
for r in ORGANIZATIONS USERS SERIES DESIGNS ASSEMBLY_NODES ANALYSIS_JOBS REVIEWS MARKUPS AUDIT_LOGS MEMBERS BOM METADATA; do
  export "ENGINEL_CACHE_RESOURCES_${r}_TTL_SECONDS=20"
done
ENGINEL_PG_URI="$PG_URI" ENGINEL_REDIS_URI="redis://$REDIS_HOST:$REDIS_PORT" ENGINEL_HTTP_PORT="$PORT" \
  java -Xms1g -Xmx1g -jar "$JAR" > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.5; done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" || { echo "tag-sets.sh: the server did not start" >&2; exit 1; }
# one bearer token per seeded user (user1..user100), as bench.sh makes them; the flush took the old sessions
: > "$WORK/tokens"
for n in $(seq 1 100); do
  answer="$(curl -s -XPOST "http://127.0.0.1:$PORT/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"user$n\",\"password\":\"pass$n\"}")"
  [[ "$answer" =~ \"token\":\"([A-Za-z0-9_-]{43})\" ]] || { echo "tag-sets.sh: login of user$n failed: $answer" >&2; exit 1; }
  echo "${BASH_REMATCH[1]}" >> "$WORK/tokens"
done
DB="${BENCH_REDIS_DB:-1}" # the default tier's database (redis.tierDbs.default)
wrk -t2 -c64 -d100s --timeout 10s --latency -s load-tests/wrk/enginel.lua "http://127.0.0.1:$PORT" -- cold-list \
  "$WORK/tokens" > "$WORK/wrk.log" &
WRK=$!
for t in 20 40 60 80; do
  sleep 20
  sets=$(redis-cli -h $REDIS_HOST -p $REDIS_PORT -n "$DB" --scan --pattern 'enginel:_tag:*')
  members=$(echo "$sets" | awk 'NF {print "SCARD " $0}' | redis-cli -h $REDIS_HOST -p $REDIS_PORT -n "$DB" | awk '{s += $1} END {print s + 0}')
  memory=$(redis-cli -h $REDIS_HOST -p $REDIS_PORT info memory | awk -F: '/^used_memory:/ {printf "%.0f MB", $2 / 1048576}')
  echo "$LABEL ~${t}s tag_sets=$(echo "$sets" | grep -c . || true) members=$members used_memory=$memory"
done
wait $WRK
echo "$LABEL wrk: $(grep -E 'Requests/sec' "$WORK/wrk.log" | tr -s ' ')"
