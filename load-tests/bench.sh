#!/usr/bin/env bash
# What the cache buys: hot-list and hot-detail (shared/bench/WORKLOAD.md) with the cache on and with
# ENGINEL_CACHE_ENABLED=false, from one run, against a seeded database; prints one table with ratios.
#
#   load-tests/bench.sh [seconds per run, default 20]
#
# Needs: a JDK, wrk (Debian package "wrk"), curl, psql, a PostgreSQL and a Redis (defaults below; set
# BENCH_PG_URI / BENCH_REDIS_URI to others). Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-20}"
PG_ADMIN="${BENCH_PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}"
PG_URI="${BENCH_PG_URI:-postgresql://postgres@127.0.0.1:5432/enginel_bench}"
REDIS_URI="${BENCH_REDIS_URI:-redis://127.0.0.1:6379}"
PORT="${BENCH_PORT:-8090}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
WORK="$(mktemp -d)"
trap 'kill $(cat "$WORK"/pid 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT

[ -f target/enginel.jar ] || ./mvnw -q -B package -DskipTests
psql "$PG_ADMIN" -tAc "SELECT 1 FROM pg_database WHERE datname = 'enginel_bench'" | grep -q 1 \
  || psql "$PG_ADMIN" -qc "CREATE DATABASE enginel_bench"
ENGINEL_PG_URI="$PG_URI" ENGINEL_REDIS_URI="$REDIS_URI" java -jar target/enginel.jar seed | tail -n 1

start_server() { # $1 = cache enabled
  if curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; then
    echo "port $PORT is already served by another process: stop it first"; exit 1
  fi
  ENGINEL_PG_URI="$PG_URI" ENGINEL_REDIS_URI="$REDIS_URI" ENGINEL_HTTP_PORT="$PORT" ENGINEL_CACHE_ENABLED="$1" \
    java ${BENCH_JAVA_OPTS:--Xms1g -Xmx1g} -jar target/enginel.jar > "$WORK/server-$1.log" 2>&1 &
  echo $! > "$WORK/pid"
  for _ in $(seq 1 60); do
    if curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; then
      kill -0 "$(cat "$WORK/pid")" && return 0
      echo "the server exited"; cat "$WORK/server-$1.log"; exit 1
    fi
    sleep 0.5
  done
  echo "server did not start"; cat "$WORK/server-$1.log"; exit 1
}
stop_server() { kill "$(cat "$WORK/pid")"; wait "$(cat "$WORK/pid")" 2>/dev/null || true; }

login_all() {
  : > "$WORK/tokens"
  for n in $(seq 1 100); do
    curl -sf -XPOST "http://127.0.0.1:$PORT/api/auth/login" -H 'Content-Type: application/json' \
      -d "{\"username\":\"user$n\",\"password\":\"pass$n\"}" | sed -E 's/.*"token":"([^"]+)".*/\1\n/' >> "$WORK/tokens"
  done
  if [ "$(grep -cE '^[A-Za-z0-9_-]{43}$' "$WORK/tokens")" != 100 ]; then
    echo "login failed: $(head -n 3 "$WORK/tokens")"; exit 1
  fi
}

# The fixed pool of 1,000 design ids, each paired with a user (1-based token line) who may see it.
psql "$PG_URI" -tAc "WITH pool AS (SELECT id, organization_id FROM design_assets ORDER BY id LIMIT 1000)
  SELECT (SELECT min(m.user_id) FROM memberships m WHERE m.organization_id = p.organization_id) || ' ' || p.id
  FROM pool p" > "$WORK/pairs"

run() { # $1 scenario, $2 label
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION"s --latency -s load-tests/wrk/enginel.lua "http://127.0.0.1:$PORT" \
    -- "$1" "$WORK/tokens" "$WORK/pairs" | grep RESULT | sed "s/^RESULT/$2 $1/"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -n1); wrk -t2 -c$CONNECTIONS -d${DURATION}s"
: > "$WORK/results"
for mode in ${BENCH_MODES:-true false}; do
  start_server "$mode"
  login_all
  label=$([ "$mode" = true ] && echo cache-on || echo cache-off)
  for scenario in hot-list hot-detail; do
    # warm-up: JIT, and with the cache on every key filled once (hot-list has one key per page and
    # organization set, several hundred in all, each a ~16 ms query on a miss)
    wrk -t2 -c"$CONNECTIONS" -d"${BENCH_WARMUP:-15}"s -s load-tests/wrk/enginel.lua "http://127.0.0.1:$PORT" \
      -- "$scenario" "$WORK/tokens" "$WORK/pairs" > /dev/null
    run "$scenario" "$label" | tee -a "$WORK/results"
  done
  stop_server
done

echo
printf "%-11s %-9s %10s %9s %9s %9s %7s\n" scenario cache "req/s" "p50 ms" "p95 ms" "p99 ms" errors
awk '{ split($3,a,"="); split($4,b,"="); split($5,c,"="); split($6,d,"="); split($7,e,"=");
       printf "%-11s %-9s %10s %9s %9s %9s %7s\n", $2, $1, a[2], b[2], c[2], d[2], e[2] }' "$WORK/results"
echo
for s in hot-list hot-detail; do
  on=$(awk -v s="$s" '$1=="cache-on" && $2==s { split($3,a,"="); print a[2] }' "$WORK/results")
  off=$(awk -v s="$s" '$1=="cache-off" && $2==s { split($3,a,"="); print a[2] }' "$WORK/results")
  awk -v s="$s" -v on="$on" -v off="$off" 'BEGIN { printf "%-11s cache on / off = %.1fx\n", s, on / off }'
done
