#!/usr/bin/env bash
# What the cache buys: every scenario of shared/bench/WORKLOAD.md (hot-list, hot-detail, cold-list, bom,
# mixed) with the cache on and with ENGINEL_CACHE_ENABLED=false, from one run, against the seeded data set;
# prints one table (requests/s, p50 / p95 / p99, errors, stale reads) and the ratios on / off.
#
#   load-tests/bench.sh [seconds per run, default 20]
#   BENCH_JARS="old.jar new.jar" load-tests/bench.sh          # compare two builds
#
# hot-list, hot-detail, cold-list and bom are driven by wrk (load-tests/wrk/enginel.lua, -t2 -c64); mixed by
# the Gatling MixedSimulation, which checks every read (a detail, every row of a list page) against the last
# write acknowledged before the read was sent, counts stale reads, and writes the original descriptions back
# at its end. Then, unless BENCH_CEILING=0, the ceilings of hot-list, hot-detail and bom: a bare Vert.x server
# answering the same wrk requests with the body Enginel answers them with, from memory and through one Redis GET
# (src/test/java/io/enginel/bench/CeilingServer.java), and hits / ceiling per scenario.
#
# Any failure stops the script with a non-zero exit and a line "bench.sh: FAILED: ..." on stderr, and no table:
# the server not starting or exiting during a run, a failed login, wrk exiting non-zero or counting any error
# (connect, read, write, a timeout of 10 s, non-2xx answer; warm-ups included), the Gatling run failing (any failed
# request, a failed restore of the descriptions), or any stale read.
#
# Each wrk row also gives the server's CPU time per request answered ("cpu us/r": user + system time of the
# server process over the measured run, all its threads, GC included, divided by the requests wrk counted). wrk
# shares the two cores with the server and takes about half of them, so requests/s ratios move with what wrk costs;
# the CPU per request of Enginel against its ceiling's is the cost of a hit itself, printed beside each ratio.
#
# The output starts with the exact command line (with the BENCH_* variables set, and any ENGINEL_* variable of the
# environment, which the servers inherit, e.g. ENGINEL_CACHE_NEAR_MAX_BYTES), the date, the commit and the
# jars measured (sha256), and the commands each figure comes from; the table says which tool measured each row.
#
# Environment:
#   BENCH_JAR          the server build to measure (default target/enginel.jar, built when missing)
#   BENCH_JARS         several builds to compare, e.g. "old.jar new.jar" (overrides BENCH_JAR): each selected
#                      scenario and mode runs against each jar back to back (one server per jar, restarted
#                      between them), the table gets a jar column, and a block "jar N / jar 1" prints the
#                      ratio of each later jar to the first, per row (req/s, p50, p95, p99). Relative paths are
#                      relative to the repository root. The jars are copied to BENCH_OUT first, so a rebuild
#                      during the run changes nothing; each must accept the database's schema (the first one
#                      seeds it). The ceilings, when run, run once, with the bodies of the last jar.
#   BENCH_JAR_ENVS     per jar of BENCH_JARS, in order, one word each: ENGINEL_* settings for that jar's servers only
#                      (comma-separated, e.g. "ENGINEL_CACHE_INFLATE_MEMO_BYTES=0"), or "-" for none; with the same
#                      jar twice, it compares one setting's two values back to back in one run
#   BENCH_SCENARIOS    default all five: "hot-list hot-detail cold-list bom mixed"
#   BENCH_MODES        default "true redis false": cache on, cache on with the near cache off (Redis only), off
#   BENCH_CEILING      0 skips the ceilings; BENCH_CEILING_MODES picks their kinds, default "memory redis"
#   BENCH_WARMUP       seconds of unmeasured load before each run, default 15
#   BENCH_CONNECTIONS  64 (wrk connections, Gatling users)
#   BENCH_JAVA_OPTS    -Xms1g -Xmx1g
#   BENCH_PG_URI / BENCH_REDIS_URI / BENCH_PG_ADMIN / BENCH_PORT   the local services and port by default
#   BENCH_OUT          target/bench: the server, wrk and Gatling logs of the run (Gatling leaves its HTML report
#                      in load-tests/results)
# Needs: a JDK, wrk (Debian package "wrk"), curl, psql, sha256sum, a PostgreSQL and a Redis. Traffic goes to
# 127.0.0.1 only.
set -euo pipefail
COMMAND="$( (env | grep -E '^(BENCH|ENGINEL)_[A-Z0-9_]+=' | sort | while IFS= read -r kv; do printf '%s=%q ' "${kv%%=*}" "${kv#*=}"; done) || true)"
COMMAND="$COMMAND$(printf '%q' "$0")$(printf ' %q' "$@")"
STARTED="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
cd "$(dirname "$0")/.."
DURATION="${1:-20}"
PG_ADMIN="${BENCH_PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}"
PG_URI="${BENCH_PG_URI:-postgresql://postgres@127.0.0.1:5432/enginel_bench}"
REDIS_URI="${BENCH_REDIS_URI:-redis://127.0.0.1:6379}"
PORT="${BENCH_PORT:-8090}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
WARMUP="${BENCH_WARMUP:-15}"
JAVA_OPTS="${BENCH_JAVA_OPTS:--Xms1g -Xmx1g}"
SCENARIOS="${BENCH_SCENARIOS:-hot-list hot-detail cold-list bom mixed}"
MODES="${BENCH_MODES:-true redis false}"
WORK="${BENCH_OUT:-target/bench}"; rm -rf "$WORK"; mkdir -p "$WORK"
trap 'pid=$(cat "$WORK"/pid 2>/dev/null || true); [ -z "$pid" ] || kill "$pid" 2>/dev/null || true' EXIT

die() { echo "bench.sh: FAILED: $*" >&2; echo "bench.sh: command: $COMMAND (started $STARTED); logs in $WORK" >&2; exit 1; }

for s in $SCENARIOS; do
  case "$s" in hot-list|hot-detail|cold-list|bom|mixed) ;; *) die "unknown scenario '$s' in BENCH_SCENARIOS" ;; esac
done
for m in $MODES; do
  case "$m" in true|redis|false) ;; *) die "unknown mode '$m' in BENCH_MODES (true, redis or false)" ;; esac
done

# the jars, copied (jar-1.jar, jar-2.jar, ...) so that a rebuild during the run does not change what is measured
JARS=()
for j in ${BENCH_JARS:-${BENCH_JAR:-target/enginel.jar}}; do
  if [ ! -f "$j" ] && [ "$j" = target/enginel.jar ]; then
    ./mvnw -q -B package -DskipTests || die "./mvnw package (building target/enginel.jar) failed"
  fi
  [ -f "$j" ] || die "no jar $j"
  JARS+=("$j")
done
NJARS=${#JARS[@]}
for i in $(seq 1 "$NJARS"); do cp "${JARS[$((i - 1))]}" "$WORK/jar-$i.jar"; done
jar_of() { echo "$WORK/jar-$1.jar"; } # $1 = 1-based index
# each jar's own ENGINEL_* settings (BENCH_JAR_ENVS), as words for env(1)
JAR_ENVS=()
for e in ${BENCH_JAR_ENVS:-}; do
  [[ "$e" =~ ^(-|ENGINEL_[A-Z0-9_]+=[^,]*(,ENGINEL_[A-Z0-9_]+=[^,]*)*)$ ]] || die "BENCH_JAR_ENVS: '$e' is not '-' nor ENGINEL_X=v[,ENGINEL_Y=w...]"
  JAR_ENVS+=("$e")
done
[ "${#JAR_ENVS[@]}" = 0 ] || [ "${#JAR_ENVS[@]}" = "$NJARS" ] || die "BENCH_JAR_ENVS: ${#JAR_ENVS[@]} words for $NJARS jars"
env_of() { # $1 = 1-based jar index: its settings, space-separated (nothing when none)
  local e="${JAR_ENVS[$(($1 - 1))]:--}"
  [ "$e" = - ] || echo "${e//,/ }"
}

GATLING_CMD="./mvnw -q -B -f load-tests/pom.xml gatling:test -Dgatling.simulationClass=io.enginel.load.MixedSimulation -DbaseUrl=http://127.0.0.1:$PORT -Dusers=$CONNECTIONS -Dduration=$DURATION -Dtokens=$WORK/tokens"
WRK_CMD="wrk -t2 -c$CONNECTIONS -d${DURATION}s --timeout 10s --latency -s load-tests/wrk/enginel.lua http://127.0.0.1:$PORT -- <scenario> $WORK/tokens <pairs>"

echo "command: $COMMAND"
echo "date:    $STARTED"
echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' + uncommitted changes')"
for i in $(seq 1 "$NJARS"); do
  echo "jar $i:   ${JARS[$((i - 1))]} (sha256 $(sha256sum "$(jar_of "$i")" | cut -c1-16), $(date -u -r "${JARS[$((i - 1))]}" +%Y-%m-%dT%H:%M:%SZ))$( [ -z "$(env_of "$i")" ] || echo " with $(env_of "$i")")"
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -n1)"
echo "wrk:     $WRK_CMD (after a ${WARMUP}s warm-up of the same)"
echo "gatling: $GATLING_CMD (after a ${WARMUP}s wrk hot-detail warm-up)"
echo "server:  java $JAVA_OPTS -jar <jar> with ENGINEL_CACHE_ENABLED / ENGINEL_CACHE_NEAR_ENABLED per mode, port $PORT"
echo

psql "$PG_ADMIN" -tAc "SELECT 1 FROM pg_database WHERE datname = 'enginel_bench'" > "$WORK/psql.log" 2>&1 \
  || die "psql $PG_ADMIN: $(tail -n 3 "$WORK/psql.log")"
grep -q 1 "$WORK/psql.log" || psql "$PG_ADMIN" -qc "CREATE DATABASE enginel_bench" > "$WORK/psql.log" 2>&1 \
  || die "CREATE DATABASE enginel_bench: $(tail -n 3 "$WORK/psql.log")"
ENGINEL_PG_URI="$PG_URI" ENGINEL_REDIS_URI="$REDIS_URI" java -jar "$(jar_of 1)" seed > "$WORK/seed.log" 2>&1 \
  || die "seeding with jar 1 failed: $(tail -n 5 "$WORK/seed.log")"
echo "seed:    $(tail -n 1 "$WORK/seed.log")"

SERVER="" # "<mode> <jar index>" of the running server
start_server() { # $1 = true (cache on), redis (cache on, near cache off) or false (cache off); $2 = jar index
  if curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; then
    die "port $PORT is already served by another process: stop it first"
  fi
  local enabled=true near=true log="$WORK/server-$1-jar$2.log"
  [ "$1" = false ] && enabled=false
  [ "$1" = redis ] && near=false
  # shellcheck disable=SC2086
  # shellcheck disable=SC2046
  env $(env_of "$2") ENGINEL_PG_URI="$PG_URI" ENGINEL_REDIS_URI="$REDIS_URI" ENGINEL_HTTP_PORT="$PORT" \
    ENGINEL_CACHE_ENABLED="$enabled" ENGINEL_CACHE_NEAR_ENABLED="$near" java $JAVA_OPTS -jar "$(jar_of "$2")" >> "$log" 2>&1 &
  echo $! > "$WORK/pid"
  SERVER="$1 $2"
  for _ in $(seq 1 60); do
    kill -0 "$(cat "$WORK/pid")" 2>/dev/null || die "the server (mode $1, jar $2) exited while starting: $(tail -n 20 "$log")"
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" && return 0
    sleep 0.5
  done
  die "the server (mode $1, jar $2) did not answer /health within 30 s: $(tail -n 20 "$log")"
}
stop_server() {
  local pid; pid="$(cat "$WORK/pid")"
  kill -0 "$pid" 2>/dev/null || die "the server (mode ${SERVER% *}, jar ${SERVER#* }) exited during the run: $(tail -n 20 "$WORK/server-${SERVER% *}-jar${SERVER#* }.log")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$WORK/pid"; SERVER=""
}
use_server() { # $1 mode, $2 jar index: (re)starts the server unless that one is running
  [ "$SERVER" = "$1 $2" ] && return 0
  [ -z "$SERVER" ] || stop_server
  start_server "$1" "$2"
  login_all
}

# tokens (login_all), request pools (pairs_of), wrk runs with the server's CPU per request (wrk_run)
# shellcheck source=load-tests/bench-lib.sh
. load-tests/bench-lib.sh

# mixed through Gatling; its summary becomes one RESULT line like the wrk script's
gatling_mixed() { # $1 seconds, $2 log file, $3 result file; fails the script on any failure or stale read
  local rc=0
  $GATLING_CMD > "$2" 2>&1 || rc=$?
  local mixed; mixed="$(grep '^MIXED ' "$2" || true)"
  if [ "$rc" != 0 ] || [ -z "$mixed" ]; then
    die "the Gatling mixed run failed (exit $rc; $2):
$(grep -E '^(MIXED|STALE|RESTORE|WARNING)|Exception|Run crashed|: false \(|^\[ERROR\] Failed' "$2" | head -n 30 || true)
$(awk '/^---- Errors/ { buf = "Gatling errors:\n"; on = 1; next } /^====/ { if (on) last = buf; on = 0 }
       on { buf = buf $0 "\n" } END { printf "%s", last }' "$2")
$(grep -qE '^(MIXED|STALE|RESTORE)|Exception|\[ERROR\]' "$2" || tail -n 15 "$2")"
  fi
  field() { sed -nE "s/.* $1=([0-9]+).*/\1/p" <<< "$mixed"; }
  [ "$(field stale-reads)" = 0 ] || die "mixed: $(field stale-reads) stale reads ($2): $mixed"
  [ "$(field restore-errors)" = 0 ] || die "mixed: descriptions not restored ($2): $mixed"
  awk -F'|' -v checked="$(field checked-list-rows)/$(field checked-details)/$(field checked-searches)" -v writes="$(field writes)" \
      -v stale="$(field stale-reads)" '
    function num(x) { gsub(/[^0-9.]/, "", x); return x == "" ? 0 : x }
    /^> request count/             { n = num($2); ko = num($4) }
    /^> response time 50th/        { p50 = num($2) }
    /^> response time 95th/        { p95 = num($2) }
    /^> response time 99th/        { p99 = num($2) }
    /^> mean throughput/           { rps = num($2) }
    END { printf "RESULT rps=%.0f p50=%s p95=%s p99=%s errors=%s requests=%s stale=%s writes=%s checked=%s\n",
            rps, p50, p95, p99, ko, n, stale, writes, checked }' "$2" > "$3"
  grep -q '^RESULT rps=[1-9]' "$3" || die "no Gatling summary in $2"
  grep -q ' errors=0 ' "$3" || die "mixed: failed requests ($2): $(cat "$3")"
}

run() { # $1 scenario, $2 mode label, $3 jar index: one measured run, appended to $WORK/results
  local out="$WORK/$1-$2-jar$3"
  if [ "$1" = mixed ]; then
    gatling_mixed "$DURATION" "$out.gatling.log" "$out.result"
    sed "s/^RESULT/$2 $1 $3 gatling/" "$out.result" | tee -a "$WORK/results"
  else
    wrk_run "$1" "$DURATION" "$out.wrk.log"
    grep '^RESULT ' "$out.wrk.log" | sed "s/^RESULT/$2 $1 $3 wrk/" | tee -a "$WORK/results"
  fi
}

: > "$WORK/results"
for mode in $MODES; do
  label=$(case "$mode" in true) echo cache-on ;; redis) echo redis-only ;; *) echo cache-off ;; esac)
  for scenario in $SCENARIOS; do
    for j in $(seq 1 "$NJARS"); do
      use_server "$mode" "$j"
      # warm-up: JIT, and with the cache on every hot key filled once (hot-list has one key per page and
      # organization set, several hundred in all, each a ~16 ms query on a miss); mixed warms with reads
      warm=$([ "$scenario" = mixed ] && echo hot-detail || echo "$scenario")
      wrk_run "$warm" "$WARMUP" "$WORK/warmup-$scenario-$label-jar$j.wrk.log"
      run "$scenario" "$label" "$j"
    done
  done
  [ -z "$SERVER" ] || stop_server
done

# the ceilings, in the same session (src/test/java/io/enginel/bench/CeilingServer.java): for each hit scenario, a
# bare Vert.x server that answers every request with the very body Enginel answers that scenario's first request
# with, from memory ("memory": what near-cache hits are held to) or by one Redis GET + inflate of it ("redis": what
# Redis-only hits are held to), loaded by the same wrk script: same paths, same Authorization headers, same body
# size and shape, no authentication, routing or permission check. BENCH_CEILING=0 skips them;
# BENCH_CEILING_MODES picks the kinds (default "memory redis").
if [ "${BENCH_CEILING:-1}" = 1 ]; then
  [ -d target/test-classes/io/enginel/bench ] || ./mvnw -q -B test-compile || die "./mvnw test-compile (CeilingServer) failed"
  for s in $SCENARIOS; do
    read -r user path <<< "$(first_request "$s")"
    [ -n "$path" ] || continue
    use_server true "$NJARS"
    curl -sf -H "Authorization: Bearer $(sed -n "${user}p" "$WORK/tokens")" "http://127.0.0.1:$PORT$path" \
      > "$WORK/body-$s.json" || die "cannot read the $s body for the ceiling ($path)"
    stop_server
    for kind in ${BENCH_CEILING_MODES:-memory redis}; do
      # shellcheck disable=SC2086
      java $JAVA_OPTS -cp "target/test-classes:$(jar_of "$NJARS")" io.enginel.bench.CeilingServer \
        "$PORT" "$REDIS_URI" "$WORK/body-$s.json" "$kind" > "$WORK/ceiling-$kind-$s.log" 2>&1 &
      echo $! > "$WORK/pid"; SERVER="ceiling $NJARS"
      for _ in $(seq 1 40); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.5; done
      curl -sf -o /dev/null "http://127.0.0.1:$PORT/" || die "the ceiling server did not start: $(tail -n 20 "$WORK/ceiling-$kind-$s.log")"
      wrk_run "$s" "$WARMUP" "$WORK/warmup-ceiling-$kind-$s.wrk.log"
      wrk_run "$s" "$DURATION" "$WORK/ceiling-$kind-$s.wrk.log"
      grep '^RESULT ' "$WORK/ceiling-$kind-$s.wrk.log" | sed "s/^RESULT/ceiling-$kind $s $NJARS wrk/" | tee -a "$WORK/results"
      kill -0 "$(cat "$WORK/pid")" 2>/dev/null || die "the ceiling server exited during the run"
      kill "$(cat "$WORK/pid")"; wait "$(cat "$WORK/pid")" 2>/dev/null || true; rm -f "$WORK/pid"; SERVER=""
    done
  done
fi

# results lines: <cache label> <scenario> <jar index> <tool> rps= p50= p95= p99= errors= requests= [stale= writes= checked=]
echo
echo "results of: $COMMAND (started $STARTED; latencies in ms; checked = list rows / details / searches judged by the referee)"
awk -v jars="$NJARS" '
  function v(k,   i, x) { for (i = 5; i <= NF; i++) if (index($i, k "=") == 1) { split($i, x, "="); return x[2] } return "-" }
  BEGIN { if (jars > 1) printf "%-11s %-10s %-3s %-7s %10s %9s %9s %9s %7s %6s %9s  %s\n", "scenario", "cache", "jar", "tool", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "stale", "cpu us/r", "checked"
          else          printf "%-11s %-10s %-7s %10s %9s %9s %9s %7s %6s %9s  %s\n", "scenario", "cache", "tool", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "stale", "cpu us/r", "checked" }
  { if (jars > 1) printf "%-11s %-10s %-3s %-7s %10s %9s %9s %9s %7s %6s %9s  %s\n", $2, $1, $3, $4, v("rps"), v("p50"), v("p95"), v("p99"), v("errors"), v("stale"), v("server_us"), v("checked")
    else          printf "%-11s %-10s %-7s %10s %9s %9s %9s %7s %6s %9s  %s\n", $2, $1, $4, v("rps"), v("p50"), v("p95"), v("p99"), v("errors"), v("stale"), v("server_us"), v("checked") }' \
  "$WORK/results"

# later jars against the first, row by row
if [ "$NJARS" -gt 1 ]; then
  echo
  awk '
    function v(k,   i, x) { for (i = 5; i <= NF; i++) if (index($i, k "=") == 1) { split($i, x, "="); return x[2] } return 0 }
    function r(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "-" }
    $1 !~ /^ceiling/ { key = $1 " " $2; if ($3 == 1) { rps[key] = v("rps"); p50[key] = v("p50"); p95[key] = v("p95"); p99[key] = v("p99"); us[key] = v("server_us") }
                      else rows[++n] = $0 }
    END {
      printf "%-11s %-10s %-11s %9s %9s %9s %9s %9s\n", "scenario", "cache", "jars", "req/s", "p50", "p95", "p99", "cpu us/r"
      for (i = 1; i <= n; i++) { $0 = rows[i]; key = $1 " " $2
        printf "%-11s %-10s %-11s %9s %9s %9s %9s %9s\n", $2, $1, "jar " $3 " / 1", r(v("rps"), rps[key]), r(v("p50"), p50[key]),
          r(v("p95"), p95[key]), r(v("p99"), p99[key]), r(v("server_us"), us[key]) } }' "$WORK/results"
fi

echo
for j in $(seq 1 "$NJARS"); do
  tag=$([ "$NJARS" -gt 1 ] && echo " (jar $j)" || true)
  for s in $SCENARIOS; do
    on=$(awk -v s="$s" -v j="$j" '$1=="cache-on" && $2==s && $3==j { split($5,a,"="); print a[2] }' "$WORK/results")
    off=$(awk -v s="$s" -v j="$j" '$1=="cache-off" && $2==s && $3==j { split($5,a,"="); print a[2] }' "$WORK/results")
    redis=$(awk -v s="$s" -v j="$j" '$1=="redis-only" && $2==s && $3==j { split($5,a,"="); print a[2] }' "$WORK/results")
    if [ -n "$on" ] && [ -n "$off" ]; then
      awk -v s="$s" -v on="$on" -v off="$off" -v t="$tag" \
        'BEGIN { if (off > 0) printf "%-11s cache on / off = %.2fx requests/s%s\n", s, on / off, t }'
    fi
    if [ -n "$on" ] && [ -n "$redis" ]; then
      awk -v s="$s" -v on="$on" -v r="$redis" -v t="$tag" \
        'BEGIN { if (r > 0) printf "%-11s near cache on / off (Redis only) = %.2fx requests/s%s\n", s, on / r, t }'
    fi
  done
  # hits against the ceiling of the same scenario and body: near cache vs memory, Redis only vs one Redis GET
  for s in $SCENARIOS; do
    for pair in "cache-on ceiling-memory" "redis-only ceiling-redis"; do
      awk -v s="$s" -v j="$j" -v mode="${pair% *}" -v ceiling="${pair#* }" -v t="$tag" '
        function v(k,   i, x) { for (i = 5; i <= NF; i++) if (index($i, k "=") == 1) { split($i, x, "="); return x[2] } return 0 }
        $1 == mode && $2 == s && $3 == j { rps = v("rps"); p99 = v("p99"); us = v("server_us") }
        $1 == ceiling && $2 == s { crps = v("rps"); cp99 = v("p99"); cus = v("server_us") }
        END { if (rps > 0 && crps > 0) printf "%-11s %s / %s = %.2fx requests/s, p99 %.2fx its (%s ms)%s%s\n", s, mode, ceiling,
                rps / crps, p99 / cp99, cp99, (us > 0 && cus > 0) ? sprintf(", server CPU per request %.2fx its (%.1f vs %.1f us)", us / cus, us, cus) : "", t }' "$WORK/results"
    done
  done
done
