# Shared by load-tests/bench.sh and load-tests/paired.sh (sourced from the repository root after WORK, PORT and
# CONNECTIONS are set and die() is defined): the bearer tokens, the request pools, and one wrk run with the server's
# CPU time per request.

# The 100 bearer tokens, line N = user{N}. Sessions outlive a server restart, so valid tokens are kept: the
# server throttles logins per address (in PostgreSQL, across restarts).
tokens_valid() {
  [ "$(grep -c . "$WORK/tokens" 2>/dev/null)" = 100 ] || return 1
  local n
  for n in 1 100; do
    curl -sf -o /dev/null -H "Authorization: Bearer $(sed -n "${n}p" "$WORK/tokens")" "http://127.0.0.1:$PORT/api/users/me" || return 1
  done
}
login_all() {
  tokens_valid && return 0
  : > "$WORK/tokens"
  local n answer
  for n in $(seq 1 100); do
    answer="$(curl -s -w ' HTTP %{http_code}' -XPOST "http://127.0.0.1:$PORT/api/auth/login" -H 'Content-Type: application/json' \
      -d "{\"username\":\"user$n\",\"password\":\"pass$n\"}")" || die "login of user$n: curl failed"
    [[ "$answer" =~ \"token\":\"([A-Za-z0-9_-]{43})\" ]] || die "login of user$n failed: $answer"
    echo "${BASH_REMATCH[1]}" >> "$WORK/tokens"
  done
}

# The request pools (load-tests/make-pools.sh wrote them from the same deterministic data set): design ids,
# each paired with a user (= the 1-based line of the tokens file) who may see it.
tail -n +2 load-tests/src/test/resources/pools/hot-detail.csv | awk -F, '{ print $2 " " $1 }' > "$WORK/pairs-hot"
tail -n +2 load-tests/src/test/resources/pools/bom.csv | awk -F, '{ print $2 " " $1 }' > "$WORK/pairs-bom"
pairs_of() { [ "$1" = bom ] && echo "$WORK/pairs-bom" || echo "$WORK/pairs-hot"; }

# The first request of a hit scenario, "<user> <path>" (user = line of the tokens file): the one whose answer the
# ceiling serves. Empty for the other scenarios.
first_request() {
  local user id
  case "$1" in
    hot-list) echo "1 /api/designs/?upload_status=COMPLETED&ordering=-created_at&page=1&page_size=20" ;;
    hot-detail) read -r user id < "$WORK/pairs-hot"; echo "$user /api/designs/$id/" ;;
    bom) read -r user id < "$WORK/pairs-bom"; echo "$user /api/designs/$id/bom/" ;;
  esac
}

# CPU time a process has used (user + system), in clock ticks; empty when it is gone
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || true; }
CLK_TCK="$(getconf CLK_TCK)"

wrk_run() { # $1 scenario, $2 seconds, $3 output file [, $4 port, $5 server pid]; fails the script on any error
  local rc=0 pid t0="" t1="" port="${4:-$PORT}"
  pid="${5:-$(cat "$WORK/pid" 2>/dev/null || true)}"
  [ -z "$pid" ] || t0="$(cpu_ticks "$pid")"
  wrk -t2 -c"$CONNECTIONS" -d"$2"s --timeout 10s --latency -s load-tests/wrk/enginel.lua "http://127.0.0.1:$port" \
    -- "$1" "$WORK/tokens" "$(pairs_of "$1")" > "$3" 2>&1 || rc=$?
  [ -z "$t0" ] || t1="$(cpu_ticks "$pid")"
  [ "$rc" = 0 ] || die "wrk $1 exited with $rc ($3): $(tail -n 5 "$3")"
  grep -q '^RESULT ' "$3" || die "wrk $1 printed no RESULT line ($3): $(tail -n 5 "$3")"
  if [ -n "$t0" ] && [ -n "$t1" ]; then # the server's CPU time per request answered (all its threads, GC included)
    local us; us="$(awk -v t="$((t1 - t0))" -v hz="$CLK_TCK" -v n="$(sed -nE 's/^RESULT .* requests=([0-9]+).*/\1/p' "$3")" \
      'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')"
    sed -i -E "s/^(RESULT .*)$/\1 server_us=$us/" "$3"
  fi
  local errors; errors="$(sed -nE 's/^RESULT .* errors=([0-9]+) .*/\1/p' "$3")"
  [ "$errors" = 0 ] || die "wrk $1: $errors errors (connect, read, write, timeout or non-2xx answers) in $2 s ($3): $(grep -E 'errors|Non-2xx' "$3" | tr '\n' ' ')"
}
