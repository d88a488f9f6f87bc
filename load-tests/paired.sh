#!/usr/bin/env bash
# Paired rounds: one hit scenario against several servers running side by side — Enginel builds, and the bare Vert.x
# ceiling of that scenario — measured in alternation, round after round, so that every server meets the same moments
# of a noisy machine; prints each round and, per server, the median of the rounds and its ratio to the first server
# and to the ceiling.
#
#   load-tests/paired.sh [seconds per round, default 8]
#   PAIRED_JARS="old.jar new.jar" PAIRED_SCENARIO=bom load-tests/paired.sh
#
# Why: on this machine one run of a build moves by ±25 % from the next (docs/performance.md), so a ratio of two runs
# made minutes apart (what load-tests/bench.sh prints) can show a gain that is not there, or hide one. Servers started
# together, warmed once, then loaded in turn for short rounds, share the machine's slow and fast minutes; the median
# of the rounds leaves out a round disturbed by something else.
#
# Each server gets its own port from BENCH_PORT (8090) on, all on the seeded database enginel_bench (run
# load-tests/bench.sh once first: it seeds it) and the same Redis; the ceiling answers every request with the body the
# first build answers the scenario's first request with (src/test/java/io/enginel/bench/CeilingServer.java). wrk as in
# bench.sh (load-tests/wrk/enginel.lua, -t2 -c64); "cpu us/r" is the server's CPU time over the round divided by the
# requests answered. Any wrk error, non-2xx answer or server exit fails the script.
#
# Environment:
#   PAIRED_JARS      the builds, in order (default target/enginel.jar); the first is the one ratios are taken to
#   PAIRED_SCENARIO  hot-list, hot-detail (default) or bom
#   PAIRED_MODE      redis (default: near cache off, every hit a Redis lookup) or true (near cache on)
#   PAIRED_CEILING   the ceiling's kind: redis (one Redis GET + inflate per request; default for PAIRED_MODE=redis),
#                    memory (the body from memory; default for true), or none
#   PAIRED_ROUNDS    rounds (default 5); PAIRED_WARMUP seconds of unmeasured load per server first (default 60: with
#                    20, Enginel's JIT was still deoptimizing and recompiling its hot path, hundreds of methods per
#                    8 s, and its rounds swung by ±20 % where the ceiling's did not; docs/performance.md)
#   BENCH_PG_URI / BENCH_REDIS_URI / BENCH_PORT / BENCH_JAVA_OPTS / BENCH_CONNECTIONS as for bench.sh
#   PAIRED_OUT       target/paired: the logs of the run
set -euo pipefail
COMMAND="$( (env | grep -E '^(PAIRED|BENCH|ENGINEL)_[A-Z0-9_]+=' | sort | while IFS= read -r kv; do printf '%s=%q ' "${kv%%=*}" "${kv#*=}"; done) || true)"
COMMAND="$COMMAND$(printf '%q' "$0")"
[ $# -eq 0 ] || COMMAND="$COMMAND$(printf ' %q' "$@")"
STARTED="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
cd "$(dirname "$0")/.."
ROUND="${1:-8}"
PG_URI="${BENCH_PG_URI:-postgresql://postgres@127.0.0.1:5432/enginel_bench}"
REDIS_URI="${BENCH_REDIS_URI:-redis://127.0.0.1:6379}"
PORT="${BENCH_PORT:-8090}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
JAVA_OPTS="${BENCH_JAVA_OPTS:--Xms1g -Xmx1g}"
SCENARIO="${PAIRED_SCENARIO:-hot-detail}"
MODE="${PAIRED_MODE:-redis}"
CEILING="${PAIRED_CEILING:-$([ "$MODE" = true ] && echo memory || echo redis)}"
ROUNDS="${PAIRED_ROUNDS:-5}"
WARMUP="${PAIRED_WARMUP:-60}"
read -r -a JARS <<< "${PAIRED_JARS:-target/enginel.jar}"
WORK="${PAIRED_OUT:-target/paired}"; rm -rf "$WORK"; mkdir -p "$WORK"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

die() { echo "paired.sh: FAILED: $*" >&2; echo "paired.sh: command: $COMMAND (started $STARTED); logs in $WORK" >&2; exit 1; }

case "$SCENARIO" in hot-list|hot-detail|bom) ;; *) die "PAIRED_SCENARIO must be hot-list, hot-detail or bom, not '$SCENARIO'" ;; esac
case "$MODE" in true|redis) ;; *) die "PAIRED_MODE must be true or redis, not '$MODE'" ;; esac
case "$CEILING" in memory|redis|none) ;; *) die "PAIRED_CEILING must be memory, redis or none, not '$CEILING'" ;; esac
for j in "${!JARS[@]}"; do
  [ -f "${JARS[$j]}" ] || die "no jar ${JARS[$j]}"
  cp "${JARS[$j]}" "$WORK/jar-$((j + 1)).jar" # a rebuild during the run changes nothing
done
if [ "$CEILING" != none ] && [ ! -d target/test-classes/io/enginel/bench ]; then
  ./mvnw -q -B test-compile || die "./mvnw test-compile (CeilingServer) failed"
fi

# shellcheck source=load-tests/bench-lib.sh
. load-tests/bench-lib.sh

NAMES=() # per server: "jar N" or "ceiling-<kind>"
PORTS=()
serve() { # $1 name, $2 log, then the command
  local name="$1" log="$2" port=$((PORT + ${#PIDS[@]}))
  shift 2
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    die "port $port is already served by another process: stop it first"
  fi
  "$@" > "$log" 2>&1 &
  PIDS+=($!); NAMES+=("$name"); PORTS+=("$port")
  for _ in $(seq 1 60); do
    kill -0 "${PIDS[-1]}" 2>/dev/null || die "$name exited while starting: $(tail -n 20 "$log")"
    curl -s -o /dev/null "http://127.0.0.1:$port/health" && return 0
    sleep 0.5
  done
  die "$name did not answer within 30 s: $(tail -n 20 "$log")"
}

near=$([ "$MODE" = true ] && echo true || echo false)
for j in "${!JARS[@]}"; do
  # shellcheck disable=SC2086
  serve "jar $((j + 1))" "$WORK/server-jar$((j + 1)).log" env ENGINEL_PG_URI="$PG_URI" ENGINEL_REDIS_URI="$REDIS_URI" \
    ENGINEL_HTTP_PORT="$((PORT + j))" ENGINEL_CACHE_ENABLED=true ENGINEL_CACHE_NEAR_ENABLED="$near" \
    java $JAVA_OPTS -jar "$WORK/jar-$((j + 1)).jar"
done
PORT="${PORTS[0]}" login_all # sessions are shared: the tokens serve every build

if [ "$CEILING" != none ]; then
  read -r user path <<< "$(first_request "$SCENARIO")"
  curl -sf -H "Authorization: Bearer $(sed -n "${user}p" "$WORK/tokens")" "http://127.0.0.1:${PORTS[0]}$path" \
    > "$WORK/body.json" || die "cannot read the $SCENARIO body for the ceiling ($path)"
  # shellcheck disable=SC2086
  serve "ceiling-$CEILING" "$WORK/ceiling.log" java $JAVA_OPTS -cp "target/test-classes:$WORK/jar-1.jar" \
    io.enginel.bench.CeilingServer "$((PORT + ${#PIDS[@]}))" "$REDIS_URI" "$WORK/body.json" "$CEILING"
fi

echo "command: $COMMAND"
echo "date:    $STARTED"
echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' + uncommitted changes')"
for j in "${!JARS[@]}"; do
  echo "jar $((j + 1)):   ${JARS[$j]} (sha256 $(sha256sum "$WORK/jar-$((j + 1)).jar" | cut -c1-16))"
done
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -n1)"
echo "load:    $SCENARIO, near cache $([ "$MODE" = true ] && echo on || echo off), ceiling $CEILING; a ${WARMUP}s warm-up per server, then $ROUNDS rounds of ${ROUND}s, servers in turn"
echo

for i in "${!PIDS[@]}"; do
  wrk_run "$SCENARIO" "$WARMUP" "$WORK/warmup-$i.wrk.log" "${PORTS[$i]}" "${PIDS[$i]}"
done
: > "$WORK/results"
for r in $(seq 1 "$ROUNDS"); do
  for i in "${!PIDS[@]}"; do
    kill -0 "${PIDS[$i]}" 2>/dev/null || die "${NAMES[$i]} exited during the run"
    wrk_run "$SCENARIO" "$ROUND" "$WORK/round$r-$i.wrk.log" "${PORTS[$i]}" "${PIDS[$i]}"
    grep '^RESULT ' "$WORK/round$r-$i.wrk.log" | sed "s/^RESULT/$i round=$r/" >> "$WORK/results"
  done
done

echo "results of: $COMMAND (started $STARTED; latencies in ms)"
names="$(printf '%s|' "${NAMES[@]}")"
awk -v names="$names" '
  function v(k,   i, x) { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) { split($i, x, "="); return x[2] } return 0 }
  function median(a, n,   i, j, t, b) { for (i = 1; i <= n; i++) b[i] = a[i]
    for (i = 2; i <= n; i++) { t = b[i]; for (j = i - 1; j >= 1 && b[j] > t; j--) b[j + 1] = b[j]; b[j + 1] = t }
    return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2 }
  BEGIN { k = split(names, name, "|") - 1
          printf "%-16s %6s %10s %9s %9s %10s\n", "server", "round", "req/s", "p50 ms", "p99 ms", "cpu us/r" }
  { s = $1 + 1; n[s]++; rps[s, n[s]] = v("rps"); p50[s, n[s]] = v("p50"); p99[s, n[s]] = v("p99"); us[s, n[s]] = v("server_us")
    printf "%-16s %6s %10s %9s %9s %10s\n", name[s], v("round"), v("rps"), v("p50"), v("p99"), v("server_us") }
  END {
    printf "\nmedians of the rounds, and ratios to %s%s\n", name[1], name[k] ~ /^ceiling/ ? " and to " name[k] : ""
    printf "%-16s %10s %9s %10s %14s %14s\n", "server", "req/s", "p99 ms", "cpu us/r", "req/s / first", "req/s / ceil"
    for (s = 1; s <= k; s++) {
      for (i = 1; i <= n[s]; i++) { a[i] = rps[s, i]; b[i] = p99[s, i]; c[i] = us[s, i] }
      m[s] = median(a, n[s]); q[s] = median(b, n[s]); u[s] = median(c, n[s]) }
    for (s = 1; s <= k; s++)
      printf "%-16s %10.0f %9.2f %10.1f %13.2fx %14s\n", name[s], m[s], q[s], u[s], m[s] / m[1],
        name[k] ~ /^ceiling/ ? sprintf("%.2fx", m[s] / m[k]) : "-"
  }' "$WORK/results"
