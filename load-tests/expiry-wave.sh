#!/usr/bin/env bash
# What a hit scenario looks like second by second from a server's start: back-to-back short wrk slices, each printed
# with its throughput, p99, the Redis commands Redis processed during it, and the server's CPU per request. It shows
# when what the server keeps in memory (near-cache copies, principals) expires and goes back to Redis: with every
# lifetime exact, all that the first second took in comes back at one instant, minute after minute.
#
#   load-tests/expiry-wave.sh [total seconds, default 130] [seconds per slice, default 2]
#   WAVE_JARS="old.jar new.jar" WAVE_SCENARIO=hot-list load-tests/expiry-wave.sh
#
# The jars run one after the other (never side by side: the slices of one are the machine's alone), each from a
# fresh start on the seeded database enginel_bench (run load-tests/bench.sh once first), near cache on, on a Redis
# flushed first (FLUSHALL: every database of BENCH_REDIS_URI's server, so never point it at a shared one). The "t s"
# column is the time from the first slice's start, read from the clock at each slice's start. wrk as in bench.sh (load-tests/wrk/enginel.lua, -t2 -c64). Any wrk error or non-2xx answer fails it.
#
# Environment:
#   WAVE_JARS      the builds, in order (default target/enginel.jar)
#   WAVE_SCENARIO  hot-list (default), hot-detail or bom
#   BENCH_PG_URI / BENCH_PORT / BENCH_JAVA_OPTS / BENCH_CONNECTIONS as for bench.sh; BENCH_REDIS_URI as
#                  redis://host:port (no password, no TLS)
#   WAVE_OUT       target/expiry-wave: the logs of the run
set -euo pipefail
COMMAND="$( (env | grep -E '^(WAVE|BENCH|ENGINEL)_[A-Z0-9_]+=' | sort | while IFS= read -r kv; do printf '%s=%q ' "${kv%%=*}" "${kv#*=}"; done) || true)"
COMMAND="$COMMAND$(printf '%q' "$0")"
[ $# -eq 0 ] || COMMAND="$COMMAND$(printf ' %q' "$@")"
STARTED="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
cd "$(dirname "$0")/.."
TOTAL="${1:-130}"
SLICE="${2:-2}"
PG_URI="${BENCH_PG_URI:-postgresql://postgres@127.0.0.1:5432/enginel_bench}"
REDIS_URI="${BENCH_REDIS_URI:-redis://127.0.0.1:6379}"
PORT="${BENCH_PORT:-8090}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
JAVA_OPTS="${BENCH_JAVA_OPTS:--Xms1g -Xmx1g}"
SCENARIO="${WAVE_SCENARIO:-hot-list}"
read -r -a JARS <<< "${WAVE_JARS:-target/enginel.jar}"
WORK="${WAVE_OUT:-target/expiry-wave}"; rm -rf "$WORK"; mkdir -p "$WORK"
PID=""
trap '[ -z "$PID" ] || kill "$PID" 2>/dev/null || true' EXIT

die() { echo "expiry-wave.sh: FAILED: $*" >&2; echo "expiry-wave.sh: command: $COMMAND (started $STARTED); logs in $WORK" >&2; exit 1; }

case "$SCENARIO" in hot-list|hot-detail|bom) ;; *) die "WAVE_SCENARIO must be hot-list, hot-detail or bom, not '$SCENARIO'" ;; esac
[[ "$TOTAL" =~ ^[1-9][0-9]*$ ]] || die "total seconds must be a positive whole number, not '$TOTAL'"
[[ "$SLICE" =~ ^[1-9][0-9]*$ ]] || die "seconds per slice must be a positive whole number, not '$SLICE'"
for j in "${!JARS[@]}"; do
  [ -f "${JARS[$j]}" ] || die "no jar ${JARS[$j]}"
  cp "${JARS[$j]}" "$WORK/jar-$((j + 1)).jar"
done
REDIS_HOST_PORT="${REDIS_URI#redis://}"; REDIS_HOST_PORT="${REDIS_HOST_PORT%%/*}"
[[ "$REDIS_URI" == redis://* && "$REDIS_HOST_PORT" =~ ^[^:@]+:[0-9]+$ ]] \
  || die "BENCH_REDIS_URI must be redis://host:port, not '$REDIS_URI'"
redis_commands() { redis-cli -h "${REDIS_HOST_PORT%:*}" -p "${REDIS_HOST_PORT#*:}" info stats | tr -d '\r' \
  | sed -n 's/^total_commands_processed://p'; }

# shellcheck source=load-tests/bench-lib.sh
. load-tests/bench-lib.sh

echo "command: $COMMAND"
echo "date:    $STARTED"
echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "load:    $SCENARIO, near cache on; slices of ${SLICE}s for ${TOTAL}s from each server's first request"
for j in "${!JARS[@]}"; do
  log="$WORK/server-jar$((j + 1)).log"
  redis-cli -h "${REDIS_HOST_PORT%:*}" -p "${REDIS_HOST_PORT#*:}" flushall > /dev/null
  if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then die "port $PORT is already served by another process"; fi
  # shellcheck disable=SC2086
  env ENGINEL_PG_URI="$PG_URI" ENGINEL_REDIS_URI="$REDIS_URI" ENGINEL_HTTP_PORT="$PORT" ENGINEL_CACHE_ENABLED=true \
    ENGINEL_CACHE_NEAR_ENABLED=true java $JAVA_OPTS -jar "$WORK/jar-$((j + 1)).jar" > "$log" 2>&1 &
  PID=$!
  up=0
  for _ in $(seq 1 60); do
    kill -0 "$PID" 2>/dev/null || die "jar $((j + 1)) exited while starting: $(tail -n 20 "$log")"
    if curl -sf -o /dev/null "http://127.0.0.1:$PORT/health"; then up=1; break; fi
    sleep 0.5
  done
  [ "$up" = 1 ] || die "jar $((j + 1)) did not answer /health within 30 s: $(tail -n 20 "$log")"
  login_all
  echo
  echo "jar $((j + 1)): ${JARS[$j]}"
  printf '%6s %10s %9s %9s %14s %10s\n' "t s" "req/s" "p99 ms" "max ms" "redis cmds/s" "cpu us/r"
  first="$(date +%s%N)"
  elapsed=0
  while [ "$elapsed" -lt "$TOTAL" ]; do
    elapsed=$(( ($(date +%s%N) - first) / 1000000000 ))
    c0="$(redis_commands)"
    wrk_run "$SCENARIO" "$SLICE" "$WORK/jar$((j + 1))-t$elapsed.wrk.log" "$PORT" "$PID"
    c1="$(redis_commands)"
    f="$WORK/jar$((j + 1))-t$elapsed.wrk.log"
    max="$(awk '$1 == "Latency" && NF >= 4 { v = $4; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
      print (u == "s" ? v * 1000 : u == "us" ? v / 1000 : v); exit }' "$f")"
    awk -v t="$elapsed" -v max="$max" -v cmds="$(( (c1 - c0) / SLICE ))" '
      function v(k,   i, x) { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) { split($i, x, "="); return x[2] } return 0 }
      $1 == "RESULT" { printf "%6d %10s %9s %9.2f %14d %10s\n", t, v("rps"), v("p99"), max, cmds, v("server_us") }' "$f"
    elapsed=$(( ($(date +%s%N) - first) / 1000000000 ))
  done
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
done
