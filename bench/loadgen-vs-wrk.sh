#!/usr/bin/env bash
# atlas bench vs wrk on the same load, in one run: does our load generator report what wrk reports?
#
#   bench/loadgen-vs-wrk.sh [-c CONNECTIONS] [-d SECONDS] [-r ROUNDS] [--engine uring|nio] [--jar PATH]
#
# Starts a server on the demo catalogue (loopback, --cores 1), then runs ROUNDS rounds of
# atlas bench, wrk, wrk, atlas bench (A-B-B-A, so a drift in the machine's load hits both tools alike), each
# requesting a random demo segment over CONNECTIONS persistent connections for SECONDS, and prints every pass and
# the ratio of the means. Loopback only; bounded by ROUNDS x 4 x SECONDS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONNS=100 SECS=10 ROUNDS=2 ENGINE=uring JAR=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -c) CONNS="$2"; shift 2 ;;
    -d) SECS="$2"; shift 2 ;;
    -r) ROUNDS="$2"; shift 2 ;;
    --engine) ENGINE="$2"; shift 2 ;;
    --jar) JAR="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "loadgen-vs-wrk: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "loadgen-vs-wrk: wrk is missing (apt-get install wrk)" >&2; exit 2; }
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[[ -x "$JAVA" ]] || { echo "loadgen-vs-wrk: needs JDK 25 at $JAVA" >&2; exit 2; }
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() { [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
if [[ -z "$JAR" ]]; then
  "$ROOT/atlas" --version >/dev/null
  cp "$ROOT/target/atlas.jar" "$WORK/atlas.jar"
  JAR="$WORK/atlas.jar"
fi
PORT=$((20000 + RANDOM % 20000))
"$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" \
  --cores 1 --engine "$ENGINE" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do grep -q "listening on" "$WORK/server.log" && break; sleep 0.5; done
grep -q "listening on" "$WORK/server.log" || { echo "server did not start:"; tail "$WORK/server.log"; exit 1; }
BASE="http://127.0.0.1:$PORT"
PATHS=$(curl -s "$BASE/demo/index.m3u8" | grep -v '^#' | sed "s#^#\"/demo/#; s#\$#\"#" | paste -sd, -)
cat > "$WORK/random.lua" <<LUA
paths = {$PATHS}
init = function(args) math.randomseed(os.time() * 1000 + (id or 0)) end
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
LUA
bench_pass() {
  "$JAVA" --enable-native-access=ALL-UNNAMED -jar "$JAR" bench -c "$CONNS" -d "${SECS}s" --json \
    "$BASE/demo/index.m3u8" 2>/dev/null | grep -o '"requestsPerSecond":[0-9.]*' | cut -d: -f2
}
wrk_pass() {
  wrk -t1 -c"$CONNS" -d"${SECS}s" -s "$WORK/random.lua" "$BASE/" | awk '/Requests\/sec/ {print $2}'
}
wrk -t1 -c"$CONNS" -d2s -s "$WORK/random.lua" "$BASE/" >/dev/null   # warm-up
B=() W=()
for r in $(seq 1 "$ROUNDS"); do
  b1=$(bench_pass); w1=$(wrk_pass); w2=$(wrk_pass); b2=$(bench_pass)
  printf 'round %d: atlas bench %s, %s req/s   wrk %s, %s req/s\n' "$r" "$b1" "$b2" "$w1" "$w2"
  B+=("$b1" "$b2"); W+=("$w1" "$w2")
done
mean() { printf '%s\n' "$@" | awk '{s+=$1} END {printf "%.0f", s/NR}'; }
MB=$(mean "${B[@]}"); MW=$(mean "${W[@]}")
echo "engine $ENGINE, $CONNS connections, ${SECS}s passes: atlas bench $MB req/s, wrk $MW req/s," \
  "ratio $(awk -v a="$MB" -v b="$MW" 'BEGIN {printf "%.3f", a/b}')"
