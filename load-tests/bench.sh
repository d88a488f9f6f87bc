#!/usr/bin/env bash
# What the cache buys: every scenario of shared/bench/WORKLOAD.md (hot-list, hot-detail, cold-list, bom,
# mixed) with the cache on and with ENGINEL_CACHE_ENABLED=false, from one run, against the seeded data set;
# prints one table (requests/s, p50 / p95 / p99, errors, stale reads) and the ratios on / off.
#
#   load-tests/bench.sh [seconds per run, default 20]
#
# hot-list, hot-detail, cold-list and bom are driven by wrk (load-tests/wrk/enginel.lua, -t2 -c64); mixed by
# the Gatling MixedSimulation, which checks every read against the last acknowledged write and counts stale
# reads. Then, unless BENCH_CEILING=0, the ceiling: a bare Vert.x server doing one Redis GET + inflate of the
# real hot-list page per request (src/test/java/io/enginel/bench/CeilingServer.java), and hits / ceiling.
# Environment: BENCH_SCENARIOS (default all five), BENCH_MODES ("true redis false": cache on, cache on with
# the near cache off (Redis only), then cache off),
# BENCH_WARMUP (seconds of unmeasured load before each run, default 15), BENCH_CONNECTIONS (64),
# BENCH_JAVA_OPTS (-Xms1g -Xmx1g), BENCH_PG_URI / BENCH_REDIS_URI (the local services by default), BENCH_OUT
# (target/bench: the server and Gatling logs of the run; Gatling leaves its HTML report in load-tests/results).
# Needs: a JDK, wrk (Debian package "wrk"), curl, psql, a PostgreSQL and a Redis. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-20}"
PG_ADMIN="${BENCH_PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}"
PG_URI="${BENCH_PG_URI:-postgresql://postgres@127.0.0.1:5432/enginel_bench}"
REDIS_URI="${BENCH_REDIS_URI:-redis://127.0.0.1:6379}"
PORT="${BENCH_PORT:-8090}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
WORK="${BENCH_OUT:-target/bench}"; rm -rf "$WORK"; mkdir -p "$WORK"
trap 'kill $(cat "$WORK"/pid 2>/dev/null) 2>/dev/null || true' EXIT

[ -f target/enginel.jar ] || ./mvnw -q -B package -DskipTests
psql "$PG_ADMIN" -tAc "SELECT 1 FROM pg_database WHERE datname = 'enginel_bench'" | grep -q 1 \
  || psql "$PG_ADMIN" -qc "CREATE DATABASE enginel_bench"
ENGINEL_PG_URI="$PG_URI" ENGINEL_REDIS_URI="$REDIS_URI" java -jar target/enginel.jar seed | tail -n 1

start_server() { # $1 = true (cache on), redis (cache on, near cache off) or false (cache off)
  if curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; then
    echo "port $PORT is already served by another process: stop it first"; exit 1
  fi
  local enabled=true near=true
  [ "$1" = false ] && enabled=false
  [ "$1" = redis ] && near=false
  ENGINEL_PG_URI="$PG_URI" ENGINEL_REDIS_URI="$REDIS_URI" ENGINEL_HTTP_PORT="$PORT" ENGINEL_CACHE_ENABLED="$enabled" \
    ENGINEL_CACHE_NEAR_ENABLED="$near" java ${BENCH_JAVA_OPTS:--Xms1g -Xmx1g} -jar target/enginel.jar > "$WORK/server-$1.log" 2>&1 &
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

# The request pools (load-tests/make-pools.sh wrote them from the same deterministic data set): design ids,
# each paired with a user (= the 1-based line of the tokens file) who may see it.
tail -n +2 load-tests/src/test/resources/pools/hot-detail.csv | awk -F, '{ print $2 " " $1 }' > "$WORK/pairs-hot"
tail -n +2 load-tests/src/test/resources/pools/bom.csv | awk -F, '{ print $2 " " $1 }' > "$WORK/pairs-bom"
pairs_of() { [ "$1" = bom ] && echo "$WORK/pairs-bom" || echo "$WORK/pairs-hot"; }

wrk_run() { # $1 scenario, $2 seconds
  wrk -t2 -c"$CONNECTIONS" -d"$2"s --latency -s load-tests/wrk/enginel.lua "http://127.0.0.1:$PORT" \
    -- "$1" "$WORK/tokens" "$(pairs_of "$1")"
}

# mixed through Gatling; its summary lines become one RESULT line like the wrk script's
gatling_mixed() { # $1 seconds, $2 log file
  ./mvnw -q -B -f load-tests/pom.xml gatling:test -Dgatling.simulationClass=io.enginel.load.MixedSimulation \
    -DbaseUrl="http://127.0.0.1:$PORT" -Dusers="$CONNECTIONS" -Dduration="$1" > "$2" 2>&1 || true
  awk -F'|' '
    function num(x) { gsub(/[^0-9.]/, "", x); return x == "" ? 0 : x }
    /^> request count/             { n = num($2); ko = num($4) }
    /^> response time 50th/        { p50 = num($2) }
    /^> response time 95th/        { p95 = num($2) }
    /^> response time 99th/        { p99 = num($2) }
    /^> mean throughput/           { rps = num($2) }
    /^MIXED /                      { split($0, w, "stale-reads="); stale = w[2] + 0 }
    END { printf "RESULT rps=%.0f p50=%s p95=%s p99=%s errors=%s requests=%s stale=%s\n", rps, p50, p95, p99, ko, n, stale }' "$2"
}

run() { # $1 scenario, $2 label
  if [ "$1" = mixed ]; then
    gatling_mixed "$DURATION" "$WORK/gatling-$2.log" | sed "s/^RESULT/$2 $1/"
  else
    wrk_run "$1" "$DURATION" | grep RESULT | sed "s/^RESULT/$2 $1/"
  fi
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -n1); wrk -t2 -c$CONNECTIONS -d${DURATION}s"
: > "$WORK/results"
for mode in ${BENCH_MODES:-true redis false}; do
  start_server "$mode"
  login_all
  label=$(case "$mode" in true) echo cache-on ;; redis) echo redis-only ;; *) echo cache-off ;; esac)
  for scenario in ${BENCH_SCENARIOS:-hot-list hot-detail cold-list bom mixed}; do
    # warm-up: JIT, and with the cache on every hot key filled once (hot-list has one key per page and
    # organization set, several hundred in all, each a ~16 ms query on a miss); mixed warms with reads
    warm=$([ "$scenario" = mixed ] && echo hot-detail || echo "$scenario")
    wrk_run "$warm" "${BENCH_WARMUP:-15}" > /dev/null
    run "$scenario" "$label" | tee -a "$WORK/results"
  done
  stop_server
done

# the ceiling, in the same session: a bare Vert.x server answering one Redis GET + inflate of a real hot-list
# page per request (src/test/java/io/enginel/bench/CeilingServer.java); BENCH_CEILING=0 skips it
if [ "${BENCH_CEILING:-1}" = 1 ]; then
  start_server true
  login_all
  curl -sf -H "Authorization: Bearer $(head -n 1 "$WORK/tokens")" \
    "http://127.0.0.1:$PORT/api/designs/?upload_status=COMPLETED&ordering=-created_at&page=1&page_size=20" > "$WORK/page.json"
  stop_server
  [ -d target/test-classes/io/enginel/bench ] || ./mvnw -q -B test-compile
  java ${BENCH_JAVA_OPTS:--Xms1g -Xmx1g} -cp target/test-classes:target/enginel.jar io.enginel.bench.CeilingServer \
    "$PORT" "$REDIS_URI" "$WORK/page.json" redis > "$WORK/ceiling.log" 2>&1 &
  echo $! > "$WORK/pid"
  for _ in $(seq 1 40); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.5; done
  wrk_run ceiling "${BENCH_WARMUP:-15}" > /dev/null
  wrk_run ceiling "$DURATION" | grep RESULT | sed "s/^RESULT/ceiling redis-get/" | tee -a "$WORK/results"
  stop_server
fi

echo
printf "%-11s %-9s %10s %9s %9s %9s %7s %6s\n" scenario cache "req/s" "p50 ms" "p95 ms" "p99 ms" errors stale
awk '{ split($3,a,"="); split($4,b,"="); split($5,c,"="); split($6,d,"="); split($7,e,"="); st = "-";
       for (i = 8; i <= NF; i++) if ($i ~ /^stale=/) { split($i, x, "="); st = x[2] }
       printf "%-11s %-9s %10s %9s %9s %9s %7s %6s\n", $2, $1, a[2], b[2], c[2], d[2], e[2], st }' "$WORK/results"
echo
for s in ${BENCH_SCENARIOS:-hot-list hot-detail cold-list bom mixed}; do
  on=$(awk -v s="$s" '$1=="cache-on" && $2==s { split($3,a,"="); print a[2] }' "$WORK/results")
  off=$(awk -v s="$s" '$1=="cache-off" && $2==s { split($3,a,"="); print a[2] }' "$WORK/results")
  redis=$(awk -v s="$s" '$1=="redis-only" && $2==s { split($3,a,"="); print a[2] }' "$WORK/results")
  if [ -n "$on" ] && [ -n "$off" ]; then
    awk -v s="$s" -v on="$on" -v off="$off" \
      'BEGIN { if (off > 0) printf "%-11s cache on / off = %.2fx requests/s\n", s, on / off }'
  fi
  if [ -n "$on" ] && [ -n "$redis" ]; then
    awk -v s="$s" -v on="$on" -v r="$redis" \
      'BEGIN { if (r > 0) printf "%-11s near cache on / off (Redis only) = %.2fx requests/s\n", s, on / r }'
  fi
done
ceil=$(awk '$1=="ceiling" { split($3,a,"="); split($6,d,"="); print a[2], d[2] }' "$WORK/results")
if [ -n "$ceil" ]; then
  for s in hot-list hot-detail; do
    awk -v s="$s" -v c="$ceil" '$1=="cache-on" && $2==s { split($3,a,"="); split($6,d,"="); split(c, x, " ");
      printf "%-11s hits / ceiling = %.2fx requests/s, p99 %.2fx the ceiling'"'"'s (%s ms)\n", s, a[2] / x[1], d[2] / x[2], x[2] }' "$WORK/results"
  done
fi
